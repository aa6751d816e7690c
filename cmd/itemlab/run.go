package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/equate"
	"github.com/itemlab/itemlab/analysis/linking"
	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/internal/spec"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

type runOptions struct {
	specFile         string
	responses, items string
	outDir           string
	model            string
	cutTheta         float64
	force, quiet     bool
	asJSON           bool
}

func newRunCmd(env *Env) *cobra.Command {
	var o runOptions
	c := &cobra.Command{
		Use:   "run (--spec exam.yaml | --responses FILE --items FILE) --out DIR",
		Short: "Run the whole pipeline on an administration, from one exam spec",
		Long: `Run is what to do after every administration: one command from the exam spec
(itemlab init writes a commented one) through

  ingest → analyze → calibrate → equate to the base form (when the spec names
  one) → scale (define it, or reuse the base form's scale.json) → score →
  DIF → pretest review → projection → report (workbook and charts)

writing one run folder with a sub-folder per stage, the workbook report.xlsx
and charts/ at its top, and manifest.json: itemlab's version, the command line
and spec, the SHA-256 of every input, the seed, and the time of every stage.

The same spec and inputs give byte-identical tables. The run is written into a
temporary folder and renamed into place at the end, so a failed run leaves no
half-written results; an existing run folder is replaced only with --force.
Inputs are never modified.

Without a spec, --responses and --items (and --cut-theta for the scale) run
the pipeline with the defaults.

Exit codes: 0 success, 1 a stage failed, 2 bad input or spec (the message
names the file and line).`,
		Example: `  itemlab init && itemlab run --spec exam.yaml --out run-2026-11
  itemlab run --responses responses.csv --items items.csv --cut-theta -0.5 --out run
  itemlab run --spec exam.yaml --out run --json > summary.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := o.resolveSpec(c)
			if err != nil {
				return err
			}
			if o.outDir == "" {
				return usagef("--out is required: the run folder to create")
			}
			if _, err := os.Stat(o.outDir); err == nil && !o.force {
				return usagef("%s exists; choose another --out or add --force to replace it", o.outDir)
			}
			out, err := newOutput(c, o.outDir)
			if err != nil {
				return err
			}
			defer out.abort()
			log := newLogger(env, o.quiet)
			sum, err := runPipeline(c, env, out, "", s, log)
			if err != nil {
				return err
			}
			if err := out.commitFolder(); err != nil {
				return err
			}
			return printRunSummary(env, sum, o.outDir, o.asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&o.specFile, "spec", "", "exam spec `file` (YAML; itemlab init writes an example)")
	f.StringVar(&o.responses, "responses", "", "responses `file` (without a spec)")
	f.StringVar(&o.items, "items", "", "items `file` (without a spec)")
	f.StringVar(&o.model, "model", "3pl", "IRT model without a spec: rasch, 2pl or 3pl")
	f.Float64Var(&o.cutTheta, "cut-theta", 0, "the cut as θ, without a spec (defines the scale)")
	f.StringVar(&o.outDir, "out", "", "run `folder` to create")
	f.BoolVar(&o.force, "force", false, "replace an existing run folder")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress or log lines on stderr")
	f.BoolVar(&o.asJSON, "json", false, "print the run summary as JSON on stdout")
	return c
}

// resolveSpec reads --spec or builds a spec from the flags.
func (o *runOptions) resolveSpec(c *cobra.Command) (*spec.Spec, error) {
	if o.specFile != "" {
		if o.responses != "" || o.items != "" {
			return nil, usagef("give either --spec or --responses/--items, not both")
		}
		hf, err := openInput("spec", o.specFile)
		if err != nil {
			return nil, err
		}
		defer hf.f.Close()
		s, err := spec.Read(o.specFile, hf, filepath.Dir(o.specFile))
		if err != nil {
			return nil, &inputError{err}
		}
		return s, nil
	}
	if o.responses == "" {
		return nil, usagef("give --spec exam.yaml, or --responses (and --items)")
	}
	text := fmt.Sprintf("responses: %q\n", abs(o.responses))
	if o.items != "" {
		text += fmt.Sprintf("items: %q\n", abs(o.items))
	}
	text += fmt.Sprintf("calibration:\n  model: %s\n", o.model)
	if c.Flags().Changed("cut-theta") {
		text += fmt.Sprintf("scale:\n  cut_theta: %g\n", o.cutTheta)
	}
	s, err := spec.Read("(flags)", strings.NewReader(text), ".")
	if err != nil {
		return nil, &inputError{err}
	}
	return s, nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

// runSummary is what run prints (and --json writes).
type runSummary struct {
	Exam          string         `json:"exam"`
	Candidates    int            `json:"candidates"`
	Operational   int            `json:"operational_items"`
	Pretest       int            `json:"pretest_items"`
	Alpha         float64        `json:"alpha"`
	SEM           float64        `json:"sem"`
	Model         string         `json:"model,omitempty"`
	Converged     *bool          `json:"converged,omitempty"`
	RawCut        *int           `json:"raw_cut,omitempty"`
	ObservedPass  *float64       `json:"observed_pass_rate,omitempty"`
	ProjectedPass *float64       `json:"projected_pass_rate,omitempty"`
	Accuracy      *float64       `json:"classification_accuracy,omitempty"`
	LinkA         *float64       `json:"link_A,omitempty"`
	LinkB         *float64       `json:"link_B,omitempty"`
	Decisions     map[string]int `json:"pretest_decisions,omitempty"`
	DIFC          []string       `json:"dif_category_c,omitempty"`
	Flagged       int            `json:"items_flagged"`
	Charts        int            `json:"charts"`
	Stages        []string       `json:"stages"`
	Skipped       []string       `json:"skipped"`
	Warnings      int            `json:"warnings"`
}

// runPipeline runs every stage the spec asks for, writing under prefix.
func runPipeline(c *cobra.Command, env *Env, out *output, prefix string, s *spec.Spec, log *logger) (*runSummary, error) {
	sum := &runSummary{Exam: s.Exam, Skipped: []string{}}
	seed := s.Seed
	if seed == 0 {
		seed = 1
	}
	out.seed = &seed
	rng := rand.New(rand.NewPCG(seed, 0x7a11))
	var specText bytes.Buffer
	if hf, err := os.Open(s.SpecFile()); err == nil {
		io.Copy(&specText, hf)
		hf.Close()
	}
	if out.spec == "" {
		out.spec = specText.String()
	}
	stage := func(name string, fn func() error) error {
		start := time.Now()
		n := len(out.names)
		log.logf("%s…", name)
		if err := fn(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out.stages = append(out.stages, reports.StageRecord{Name: joinPrefix(prefix, name), Seconds: time.Since(start).Seconds(), Outputs: len(out.names) - n})
		sum.Stages = append(sum.Stages, name)
		return nil
	}
	skip := func(name, why string) {
		sum.Skipped = append(sum.Skipped, name+": "+why)
		log.logf("%s skipped: %s", name, why)
	}
	at := func(name string) string { return joinPrefix(prefix, name) }

	// Ingest.
	df := dataFlags{responses: s.Path(s.Responses), items: s.Path(s.Items), sheet: s.Data.Sheet, itemsSheet: s.Data.ItemsSheet,
		idCol: s.Data.IDColumn, groupCol: s.Data.GroupColumn, form: s.Data.FormColumn, ignore: s.Data.Ignore,
		options: s.Data.Options, notReached: s.Data.NotReached, omit: s.Data.Omit}
	if df.omit == "" {
		df.omit = "wrong"
	}
	var d *analysis.Dataset
	if err := stage("ingest", func() (err error) { d, err = df.load(env, out); return }); err != nil {
		return nil, err
	}
	sum.Candidates = d.N

	// Classical analysis.
	th := classical.DefaultThresholds()
	setIf := func(dst *float64, v float64) {
		if v != 0 {
			*dst = v
		}
	}
	setIf(&th.LowDiscrimination, s.Classical.LowDiscrimination)
	setIf(&th.TooEasy, s.Classical.TooEasy)
	setIf(&th.TooHard, s.Classical.TooHard)
	setIf(&th.NonfunctioningDistractor, s.Classical.NonfunctioningDistractor)
	setIf(&th.HighOmit, s.Classical.HighOmit)
	copts := classical.Options{Thresholds: &th}
	var domains []analysis.Domain
	if len(s.Domains) > 0 {
		copts.DomainWeights = map[string]float64{}
		for _, dm := range s.Domains {
			copts.DomainWeights[dm.Name] = dm.Weight
			domains = append(domains, analysis.Domain{Name: dm.Name, Weight: dm.Weight})
		}
	}
	var cl *classical.Result
	if err := stage("analyze", func() (err error) { cl, err = stageAnalyze(out, at("analyze"), d, copts, s.Exam); return }); err != nil {
		return nil, err
	}
	sum.Operational, sum.Pretest = cl.Test.Operational, cl.Test.Pretest
	sum.Alpha, sum.SEM = cl.Test.Alpha, cl.Test.SEM
	for _, it := range cl.Items {
		if len(it.Flags) > 0 {
			sum.Flagged++
		}
	}

	// Calibration.
	cf := calibrateFlags{model: s.Calibrate.Model, method: s.Calibrate.Method, scoring: s.Calibrate.Scoring, all: s.Calibrate.All,
		maxIter: 500, tol: 1e-4, quadPoints: 61, guessPrior: "default"}
	if cf.model == "" {
		cf.model = "3pl"
	}
	if cf.method == "" {
		cf.method = "mml"
	}
	if cf.scoring == "" {
		cf.scoring = "eap"
	}
	copt, err := cf.options(out, 0)
	if err != nil {
		return nil, err
	}
	copt.Omit = df.omitRule()
	var cal *calibrate.Result
	if err := stage("calibrate", func() (err error) { cal, err = stageCalibrate(c, out, at("calibrate"), d, copt, log); return }); err != nil {
		return nil, err
	}
	sum.Model = cal.Result.Model.String()
	conv := cal.Result.Converged
	sum.Converged = &conv
	// This form's operational parameters (on the reporting scale once linked).
	formParams := calibrationParams(d, cal)
	pop := projection.Population{Mean: cal.Result.LatentMean, SD: cal.Result.LatentSD, N: d.N}
	if cal.Result.Method != "mml" {
		m, sd := calibrate.ThetaMoments(cal.Persons)
		pop.Mean, pop.SD = m, sd
	}

	// Linking to the base form.
	if b := s.BaseForm; b != nil {
		if err := stage("equate", func() error {
			base, err := loadParams(out, "base_form.params", s.Path(b.Params))
			if err != nil {
				return err
			}
			method := b.Method
			if method == "" {
				method = "stocking-lord"
			}
			m, _ := irt.ParseLinkMethod(method)
			log.bar("linking bootstrap")
			link, err := linking.Link(base, formParams, linking.Options{Method: m, Drift: irt.DriftOptions{Threshold: b.DriftZ}, Rng: rng,
				Progress: func(d, t int) { log.update(float64(d), float64(t)) }})
			log.clear()
			if err != nil {
				return &inputError{err}
			}
			for _, w := range link.Warnings {
				out.warn(w)
			}
			formParams = link.Transformed
			pop.Mean = link.Constants.A*pop.Mean + link.Constants.B
			pop.SD *= link.Constants.A
			a, bb := link.Constants.A, link.Constants.B
			sum.LinkA, sum.LinkB = &a, &bb
			if err := out.json(at("equate/linking.json"), reports.NewLinkingFile(link)); err != nil {
				return err
			}
			if err := out.table(at("equate/anchors.csv"), reports.CommonItemsTable(link)); err != nil {
				return err
			}
			if err := out.table(at("equate/params.csv"), reports.ParamsFileTable(link.Transformed)); err != nil {
				return err
			}
			_, xItems, err := analysis.FormItems(d, formParams)
			if err != nil {
				return &inputError{err}
			}
			var yd *analysis.Dataset
			yItems := paramItems(base)
			if b.Responses != "" {
				ydf := dataFlags{responses: s.Path(b.Responses), items: s.Path(b.Items), omit: "wrong"}
				if yd, err = ydf.load(env, out); err != nil {
					return err
				}
				if _, yItems, err = analysis.FormItems(yd, base); err != nil {
					return &inputError{fmt.Errorf("base form: %w", err)}
				}
			}
			std := irt.NormalQuadrature(61, -6, 6, 0, 1)
			cols, err := equate.IRTColumns(xItems, yItems, link.Constants.TransformQuadrature(std), std, 0.5)
			if err != nil {
				return &inputError{err}
			}
			if yd != nil {
				cc, design, err := classicalEquating(c, d, yd, 200, rng)
				if err != nil {
					return err
				}
				log.logf("classical equating in the %s design", design)
				cols = append(cols, cc...)
			}
			return out.table(at("equate/equating.csv"), reports.EquatingTable(cols))
		}); err != nil {
			return nil, err
		}
	}

	// Scale and scoring.
	sf := scaleFlags{scaleFile: s.Path(s.Scale.Base), method: s.Scale.Method, latentMean: pop.Mean, latentSD: pop.SD,
		cut: s.Scale.Cut, min: s.Scale.Min, max: s.Scale.Max, slope: s.Scale.Slope}
	if sf.method == "" {
		sf.method = "tcc"
	}
	var sc *scale.Scale
	haveScale := s.Scale.Base != "" || s.Scale.CutTheta != nil || s.Scale.CutRaw != nil
	if !haveScale {
		skip("scale, score, projection", "no cut given (scale.cut_theta, scale.cut_raw or scale.base)")
	} else {
		if err := stage("scale", func() error {
			idx, items, err := analysis.FormItems(d, formParams)
			if err != nil {
				return &inputError{err}
			}
			if s.Scale.Base != "" {
				if sc, err = sf.scale(c, out, nil); err != nil {
					return err
				}
			} else {
				o := scale.Options{CutTheta: s.Scale.CutTheta, CutRaw: s.Scale.CutRaw, Cut: s.Scale.Cut, Min: s.Scale.Min, Max: s.Scale.Max, Slope: s.Scale.Slope}
				if sc, err = scale.Define(items, o); err != nil {
					return &inputError{err}
				}
			}
			cv, err := stageScale(out, at("scale"), &sf, sc, items, d.RawScores(idx))
			if err == nil {
				rc := cv.RawCut
				sum.RawCut = &rc
			}
			return err
		}); err != nil {
			return nil, err
		}
		if err := stage("score", func() error {
			ss, err := stageScore(out, at("score"), &sf, sc, d, formParams)
			if err == nil {
				pr := ss.PassRate
				sum.ObservedPass = &pr
			}
			return err
		}); err != nil {
			return nil, err
		}
	}

	// DIF.
	ff := difFlags{focal: s.DIF.Focal, reference: s.DIF.Reference, which: "all"}
	switch {
	case s.DIF.Skip:
		skip("dif", "dif.skip in the spec")
	case !hasGroups(d):
		skip("dif", "no group column with two or more groups")
	default:
		if err := stage("dif", func() error {
			ds, err := stageDIF(out, at("dif"), d, &ff)
			if err == nil {
				sum.DIFC = ds.FlaggedC
			}
			return err
		}); err != nil {
			return nil, err
		}
	}

	// Pretest review.
	switch {
	case s.Pretest.Skip:
		skip("pretest", "pretest.skip in the spec")
	case cl.Test.Pretest == 0:
		skip("pretest", "no pretest items")
	default:
		if err := stage("pretest", func() error {
			rules, err := loadRules(out, s.Path(s.Pretest.Rules))
			if err != nil {
				return err
			}
			cut := math.NaN()
			if sc != nil {
				cut = sc.ThetaCut
			}
			var dff *difFlags
			if !s.DIF.Skip && hasGroups(d) {
				dff = &ff
			}
			m := cal.Result.Model
			res, err := stagePretest(c, out, at("pretest"), d, cl, formParams, pretestStageOptions{model: m, omit: df.omitRule(),
				rules: rules, cutTheta: cut, dif: dff, domains: domains}, log)
			if err != nil {
				return err
			}
			sum.Decisions = map[string]int{}
			for _, r := range res.Items {
				sum.Decisions[string(r.Decision)]++
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}

	// Projection.
	if sc != nil {
		if err := stage("project", func() error {
			cuts, err := parseRange("projection.cuts", orDefault(s.Projection.Cuts, "350:430:1"))
			if err != nil {
				return err
			}
			shifts, err := parseRange("projection.shifts", orDefault(s.Projection.Shifts, "-0.5:0.5:0.1"))
			if err != nil {
				return err
			}
			for k := range cuts {
				cuts[k] = math.Min(math.Max(cuts[k], sc.Min), sc.Max)
			}
			idx, items, err := analysis.FormItems(d, formParams)
			if err != nil {
				return &inputError{err}
			}
			by := analysis.ParamsByID(formParams)
			ses := make([]irt.ItemSE, len(idx))
			for k, j := range idx {
				ses[k] = by[d.Items[j].ID].SE
			}
			reps := s.Projection.Reps
			if reps == 0 {
				reps = 200
			}
			log.bar("projection intervals")
			P, err := projection.Project(items, ses, sc, pop, d.RawScores(idx), projection.Options{Cuts: dedupe(cuts), Shifts: shifts, Reps: reps, Rng: rng,
				Progress: func(d, t int) { log.update(float64(d), float64(t)) }})
			log.clear()
			if err != nil {
				return &inputError{err}
			}
			acc := reports.NewAccuracyFile(P, pop)
			for _, alt := range s.Projection.AltParams {
				aps, err := loadParams(out, "projection.alt_params", s.Path(alt))
				if err != nil {
					return err
				}
				ai, as := paramsOf(aps)
				AP, err := projection.Project(ai, as, sc, pop, nil, projection.Options{Cuts: []float64{sc.Cut}, Shifts: []float64{0}, Reps: reps, Rng: rng})
				if err != nil {
					return &inputError{fmt.Errorf("%s: %w", alt, err)}
				}
				acc.AlternateForms = append(acc.AlternateForms, reports.AlternateForm(alt, len(ai), AP))
			}
			pp, a := P.At.PassRate, P.At.Lee.Accuracy
			sum.ProjectedPass, sum.Accuracy = &pp, &a
			return stageProjectFiles(out, at("project"), P, acc)
		}); err != nil {
			return nil, err
		}
	}
	// Report.
	workbook := s.Report.Workbook == nil || *s.Report.Workbook
	charts := s.Report.Charts == nil || *s.Report.Charts
	if workbook || charts {
		format := orDefault(s.Report.Format, "png")
		if err := stage("report", func() error {
			res, err := stageReport(out, prefix, workbook, charts, format)
			if err == nil {
				sum.Charts = len(res.Charts)
			}
			return err
		}); err != nil {
			return nil, err
		}
	} else {
		skip("report", "report.workbook and report.charts are false")
	}
	sum.Warnings = len(out.warns)
	return sum, nil
}

func joinPrefix(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "/" + name
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func dedupe(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out
}

func paramItems(ps []analysis.ItemParams) []irt.Item {
	items, _ := paramsOf(ps)
	return items
}

// calibrationParams turns a calibration into parameter rows (as params.csv
// would read back), for the stages that follow it in a run.
func calibrationParams(d *analysis.Dataset, cal *calibrate.Result) []analysis.ItemParams {
	ps := make([]analysis.ItemParams, len(cal.Items))
	for k, j := range cal.Items {
		se := cal.Result.SE[k]
		for _, v := range []*float64{&se.A, &se.B, &se.C, &se.D, &se.LogitC} {
			if math.IsNaN(*v) {
				*v = 0
			}
		}
		ps[k] = analysis.ItemParams{ItemID: d.Items[j].ID, Item: cal.Result.Items[k], SE: se}
	}
	return ps
}

func printRunSummary(env *Env, s *runSummary, dir string, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := env.Stdout
	name := s.Exam
	if name == "" {
		name = "run"
	}
	fmt.Fprintf(w, "%s: %d candidates, %d operational + %d pretest items\n", name, s.Candidates, s.Operational, s.Pretest)
	fmt.Fprintf(w, "  reliability (KR-20) %.3f, SEM %.2f raw points; %d items flagged\n", s.Alpha, s.SEM, s.Flagged)
	if s.Model != "" {
		state := "converged"
		if s.Converged != nil && !*s.Converged {
			state = "NOT converged"
		}
		fmt.Fprintf(w, "  %s calibration %s\n", s.Model, state)
	}
	if s.LinkA != nil {
		fmt.Fprintf(w, "  linked to the base form: θ_base = %.3f·θ + %.3f\n", *s.LinkA, *s.LinkB)
	}
	if s.RawCut != nil {
		fmt.Fprintf(w, "  raw cut %d of %d", *s.RawCut, s.Operational)
		if s.ObservedPass != nil {
			fmt.Fprintf(w, "; observed pass rate %.1f %%", 100**s.ObservedPass)
		}
		if s.ProjectedPass != nil {
			fmt.Fprintf(w, ", projected %.1f %% (classification accuracy %.3f)", 100**s.ProjectedPass, *s.Accuracy)
		}
		fmt.Fprintln(w)
	}
	if s.Decisions != nil {
		fmt.Fprintf(w, "  pretest: %d promote, %d revise, %d reject, %d insufficient\n",
			s.Decisions["promote"], s.Decisions["revise"], s.Decisions["reject"], s.Decisions["insufficient"])
	}
	if len(s.DIFC) > 0 {
		fmt.Fprintf(w, "  DIF category C: %s\n", strings.Join(s.DIFC, ", "))
	}
	for _, sk := range s.Skipped {
		fmt.Fprintf(w, "  skipped %s\n", sk)
	}
	if s.Charts > 0 {
		fmt.Fprintf(w, "  workbook %s, %d charts in %s\n", filepath.Join(dir, "report.xlsx"), s.Charts, filepath.Join(dir, "charts", "index.html"))
	}
	fmt.Fprintf(w, "  results in %s (stages: %s)\n", dir, strings.Join(s.Stages, ", "))
	return nil
}
