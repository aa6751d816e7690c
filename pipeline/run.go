package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/internal/spec"
	"github.com/itemlab/itemlab/reports"
)

// Summary is what a run found, as `itemlab run` prints it (and --json
// writes it).
type Summary struct {
	Exam           string         `json:"exam"`
	Candidates     int            `json:"candidates"`
	Operational    int            `json:"operational_items"`
	Pretest        int            `json:"pretest_items"`
	Alpha          float64        `json:"alpha"`
	SEM            float64        `json:"sem"`
	Model          string         `json:"model,omitempty"`
	Converged      *bool          `json:"converged,omitempty"`
	RawCut         *int           `json:"raw_cut,omitempty"`
	ObservedPass   *float64       `json:"observed_pass_rate,omitempty"`
	ProjectedPass  *float64       `json:"projected_pass_rate,omitempty"`
	Accuracy       *float64       `json:"classification_accuracy,omitempty"`
	LinkA          *float64       `json:"link_A,omitempty"`
	LinkB          *float64       `json:"link_B,omitempty"`
	Decisions      map[string]int `json:"pretest_decisions,omitempty"`
	ItemDecisions  map[string]int `json:"item_decisions,omitempty"` // operational items by decision (analyze/item_review.csv)
	DIFC           []string       `json:"dif_category_c,omitempty"`
	Flagged        int            `json:"items_flagged"`              // items with a flag other than a rare distractor
	RareDistractor int            `json:"items_rare_distractor_only"` // items whose only flag is a rarely chosen distractor
	Charts         int            `json:"charts"`
	Stages         []string       `json:"stages"`
	Skipped        []string       `json:"skipped"`
	Warnings       int            `json:"warnings"`
	Dir            string         `json:"dir"`
	Bank           *AddRunResult  `json:"bank,omitempty"`     // the recording in the item bank
	PrePost        *Comparison    `json:"pre_post,omitempty"` // the planned form's pre-equating against this administration
	Workbook       bool           `json:"-"`
	Review         bool           `json:"-"`
}

// SpecFile is an exam spec with the text it was read from and, when it came
// from a file, that file's record for the manifest.
type SpecFile struct {
	Spec   *spec.Spec
	Text   string
	Record *reports.FileRecord // nil for a spec built from flags
}

// ReadSpec reads and checks the exam spec in file; relative paths in it are
// relative to the file's folder.
func ReadSpec(file string) (*SpecFile, error) {
	in, err := openInput("spec", file)
	if err != nil {
		return nil, err
	}
	var text strings.Builder
	s, err := spec.Read(file, teeReader{in, &text}, dirOf(file))
	rec := in.record()
	if err != nil {
		return nil, asInput(err)
	}
	return &SpecFile{Spec: s, Text: text.String(), Record: &rec}, nil
}

// ParseSpec reads a spec from text (a spec built from flags, the demo's);
// name is what errors call it, dir the folder relative paths start from.
func ParseSpec(name, text, dir string) (*SpecFile, error) {
	s, err := spec.Read(name, strings.NewReader(text), dir)
	if err != nil {
		return nil, asInput(err)
	}
	return &SpecFile{Spec: s, Text: text}, nil
}

// RunOptions are the options of Run.
type RunOptions struct {
	Out        string // the run folder to create
	Force      bool   // replace an existing run folder
	Log        Logger // nil means Discard
	Invocation Invocation
	Bank       RunBankOptions // --bank and what recording the run needs
}

// Run runs the whole pipeline over an exam spec into a new run folder: a
// sub-folder per stage, the report at its top and manifest.json (with the
// spec's text and SHA-256 and the time of every stage). The run is staged
// and renamed into place at the end: a failed or interrupted run leaves no
// folder, and an existing one is replaced only with Force.
//
// Unless the GOGC environment variable says otherwise, the garbage collector
// runs at GOGC=50 during Run (restored after): a run's heap is mostly the
// pointer-free response matrix and calibration work space, cheap to
// collect, and the default of 100 lets the process grow to twice its live
// heap — at a million candidates about 1.9 GB for 0.9 GB live.
func Run(ctx context.Context, sf *SpecFile, o RunOptions) (*Summary, error) {
	if o.Out == "" {
		return nil, Inputf("--out is required: the run folder to create")
	}
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(runGCPercent))
	}
	if err := setRunBank(sf, o.Bank); err != nil {
		return nil, err
	}
	out, err := NewOutput(o.Out, o.Invocation, o.Log, o.Force)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	out.SetSpec(sf.Text)
	if sf.Record != nil {
		if err := out.AddInput(*sf.Record); err != nil {
			return nil, err
		}
	}
	// Every file the spec names is an input: refuse now, before any stage,
	// an output folder that would replace one of them.
	for _, p := range sf.Spec.InputPaths() {
		if within(p, o.Out) {
			return nil, inputConflict(o.Out, p)
		}
	}
	sum, err := RunStages(ctx, out, "", sf.Spec)
	if err != nil {
		return nil, err
	}
	if err := out.CommitFolder(); err != nil {
		return nil, err
	}
	sum.Dir = o.Out
	if sf.Spec.Bank != nil {
		if sum.Bank, err = recordRun(ctx, sf.Spec.BankPath(), o.Out, o.Bank); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// runGCPercent is the GOGC of Run.
const runGCPercent = 50

// RunStages runs every stage the spec asks for, staging the run folder
// under prefix of out (the demo runs two forms into one Output).
func RunStages(ctx context.Context, out *Output, prefix string, s *spec.Spec) (*Summary, error) {
	r := &runner{ctx: ctx, out: out, prefix: prefix, s: s, sum: &Summary{Exam: s.Exam, Skipped: []string{}}}
	out.SetContext(ctx)
	return r.run()
}

type runner struct {
	ctx    context.Context
	out    *Output
	prefix string
	s      *spec.Spec
	sum    *Summary
	rng    *rand.Rand
}

func (r *runner) at(stage string) string { return at(r.prefix, stage) }

// stage runs one stage, timing it for the manifest.
func (r *runner) stage(name string, fn func() error) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	start := time.Now()
	n := len(r.out.names)
	r.out.Log.Logf("%s…", name)
	if err := fn(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	r.out.stages = append(r.out.stages, reports.StageRecord{Name: r.at(name), Seconds: time.Since(start).Seconds(), Outputs: len(r.out.names) - n})
	r.sum.Stages = append(r.sum.Stages, name)
	return nil
}

func (r *runner) skip(name, why string) {
	r.sum.Skipped = append(r.sum.Skipped, name+": "+why)
	r.out.Log.Logf("%s skipped: %s", name, why)
}

func (r *runner) run() (*Summary, error) {
	s, sum, out := r.s, r.sum, r.out
	seed := s.Seed
	if seed == 0 {
		seed = 1
	}
	out.SetSeed(seed)
	r.rng = rand.New(rand.NewPCG(seed, 0x7a11))

	// Ingest.
	omit := s.Data.Omit
	data := DataOptions{Responses: s.Path(s.Responses), Items: s.Path(s.Items), Sheet: s.Data.Sheet, ItemsSheet: s.Data.ItemsSheet,
		IDColumn: s.Data.IDColumn, GroupColumn: s.Data.GroupColumn, FormColumn: s.Data.FormColumn, Ignore: s.Data.Ignore,
		Options: s.Data.Options, NotReached: s.Data.NotReached, Omit: omit, MaxCells: s.Data.MaxCells, MaxRows: s.Data.MaxRows, Encoding: s.Data.Encoding}
	var d *analysis.Dataset
	if err := r.stage("ingest", func() (err error) {
		if d, err = LoadData(out, data); err != nil {
			return err
		}
		if err := checkCalibrationSize(d, s.Calibrate.All, false, s.Calibrate.MaxItems); err != nil {
			return err // up front, not after the analysis
		}
		return checkBlueprint(out, d, s)
	}); err != nil {
		return nil, err
	}
	sum.Candidates = d.N
	bk, err := r.openBank(d)
	if err != nil {
		return nil, err
	}

	// Classical analysis.
	cs := ClassicalSettings{Thresholds: classical.DefaultThresholds()}
	th := &cs.Thresholds
	for _, v := range []struct {
		dst *float64
		v   float64
	}{{&th.LowDiscrimination, s.Classical.LowDiscrimination}, {&th.TooEasy, s.Classical.TooEasy}, {&th.TooHard, s.Classical.TooHard},
		{&th.NonfunctioningDistractor, s.Classical.NonfunctioningDistractor}, {&th.HighOmit, s.Classical.HighOmit}} {
		if v.v != 0 {
			*v.dst = v.v
		}
	}
	for _, dm := range s.Domains {
		cs.Domains = append(cs.Domains, analysis.Domain{Name: dm.Name, Weight: dm.Weight})
	}
	var cl *classical.Result
	if err := r.stage("analyze", func() (err error) { cl, err = Analyze(r.ctx, out, r.at("analyze"), d, cs, s.Exam); return }); err != nil {
		return nil, err
	}
	sum.Operational, sum.Pretest = cl.Test.Operational, cl.Test.Pretest
	sum.Alpha, sum.SEM = cl.Test.Alpha, cl.Test.SEM
	for _, it := range cl.Items {
		serious := false
		for _, f := range it.Flags {
			if f != classical.FlagNonfunctioningDistractor {
				serious = true
			}
		}
		switch {
		case serious:
			sum.Flagged++
		case len(it.Flags) > 0:
			sum.RareDistractor++
		}
	}

	// Calibration.
	model := s.Calibrate.Model
	if model == "" {
		model = "3pl"
	}
	cset := CalibrateSettings{Model: model, Method: s.Calibrate.Method, Scoring: s.Calibrate.Scoring, All: s.Calibrate.All, Omit: omit, Fixed: bk.fixedFile(), MaxItems: s.Calibrate.MaxItems}
	var cal *calibrate.Result
	if err := r.stage("calibrate", func() (err error) { cal, err = Calibrate(r.ctx, out, r.at("calibrate"), d, cset); return }); err != nil {
		return nil, err
	}
	sum.Model = cal.Result.Model.String()
	conv := cal.Result.Converged
	sum.Converged = &conv
	// This form's operational parameters (on the reporting scale once linked).
	formParams := CalibrationParams(d, cal)
	calID := CalibrationID(d, cal)
	pop := CalibrationPopulation(d, cal)
	if err := r.bankLink(bk, &formParams, CalibrationCov(d, cal), calID, &pop); err != nil {
		return nil, err
	}

	// Linking to the base form.
	if b := s.BaseForm; b != nil {
		if err := r.stage("equate", func() error {
			basefp, err := LoadFormParams(out, "base_form.params", s.Path(b.Params))
			if err != nil {
				return err
			}
			base := basefp.Params
			link, err := Link(r.ctx, out, r.at("equate"), basefp, FormParams{Params: formParams, Cov: CalibrationCov(d, cal), ID: calID},
				LinkSettings{Method: b.Method, DriftStatistic: b.DriftStatistic, DriftAlpha: b.DriftAlpha, DriftMaxDrop: b.DriftMaxDrop})
			if err != nil {
				return err
			}
			formParams = link.Transformed
			pop.Mean = link.Constants.A*pop.Mean + link.Constants.B
			pop.SD *= link.Constants.A
			a, bb := link.Constants.A, link.Constants.B
			sum.LinkA, sum.LinkB = &a, &bb
			x, err := FormOf(d, formParams)
			if err != nil {
				return err
			}
			var yd *analysis.Dataset
			if b.Responses != "" {
				if yd, err = LoadData(out, DataOptions{Responses: s.Path(b.Responses), Items: s.Path(b.Items)}); err != nil {
					return err
				}
			}
			y, err := FormOf(yd, base)
			if err != nil {
				return fmt.Errorf("base form: %w", err)
			}
			return Equate(r.ctx, out, r.at("equate"), x, y, link, EquateSettings{Reps: 200}, r.rng)
		}); err != nil {
			return nil, err
		}
	}

	// Scale and scoring.
	ss := ScaleSettings{File: s.Path(s.Scale.Base), CutTheta: s.Scale.CutTheta, CutRaw: s.Scale.CutRaw, Method: s.Scale.Method,
		LatentMean: pop.Mean, LatentSD: pop.SD, CalibrationID: calID, Cut: s.Scale.Cut, Min: s.Scale.Min, Max: s.Scale.Max, Slope: s.Scale.Slope}
	var sc *scale.Scale
	var form *Form
	if s.Scale.Base == "" && s.Scale.CutTheta == nil && s.Scale.CutRaw == nil {
		r.skip("scale, score, projection", "no cut given (scale.cut_theta, scale.cut_raw or scale.base)")
	} else {
		if err := r.stage("scale", func() (err error) {
			if form, err = FormOf(d, formParams); err != nil {
				return err
			}
			if sc, err = ResolveScale(out, ss, form.Items); err != nil {
				return err
			}
			cv, err := Scale(r.ctx, out, r.at("scale"), form, sc, ss)
			if err != nil {
				return err
			}
			rc := cv.RawCut
			sum.RawCut = &rc
			sum.PrePost, err = r.comparePlanned(bk, cv, form)
			return err
		}); err != nil {
			return nil, err
		}
		if err := r.stage("score", func() error {
			ssum, err := Score(r.ctx, out, r.at("score"), d, formParams, sc, ss)
			if err == nil {
				pr := ssum.PassRate
				sum.ObservedPass = &pr
			}
			return err
		}); err != nil {
			return nil, err
		}
	}

	// DIF.
	var difRes *reports.DIFFile
	ds := DIFSettings{Focal: s.DIF.Focal, Reference: s.DIF.Reference, Match: s.DIF.Match}
	switch {
	case s.DIF.Skip:
		r.skip("dif", "dif.skip in the spec")
	case !HasGroups(d):
		r.skip("dif", "no group column with two or more groups")
	default:
		if err := r.stage("dif", func() error {
			df, err := DIF(r.ctx, out, r.at("dif"), d, ds)
			if err == nil {
				sum.DIFC = df.FlaggedC
				difRes = df
			}
			return err
		}); err != nil {
			return nil, err
		}
	}

	// Operational item review (analyze/item_review.csv), with the fit and
	// DIF evidence of the stages above.
	if err := r.stage("review", func() error {
		items, err := ItemReview(out, r.at("analyze"), d, cl, cs.Thresholds, cal, difRes)
		sum.ItemDecisions = map[string]int{}
		for _, it := range items {
			sum.ItemDecisions[string(it.Decision)]++
		}
		return err
	}); err != nil {
		return nil, err
	}

	// Pretest review.
	switch {
	case s.Pretest.Skip:
		r.skip("pretest", "pretest.skip in the spec")
	case cl.Test.Pretest == 0:
		r.skip("pretest", "no pretest items")
	default:
		if err := r.stage("pretest", func() error {
			rules, err := LoadRules(out, s.Path(s.Pretest.Rules))
			if err != nil {
				return err
			}
			ps := PretestSettings{Model: sum.Model, Omit: omit, Rules: rules, CutTheta: math.NaN(), Domains: cs.Domains, CalibrationID: calID}
			if sc != nil {
				ps.CutTheta = sc.ThetaCut
			}
			if !s.DIF.Skip && HasGroups(d) {
				ps.DIF = &ds
			}
			res, err := Pretest(r.ctx, out, r.at("pretest"), d, cl, formParams, ps)
			if err != nil {
				return err
			}
			sum.Decisions = map[string]int{}
			for _, it := range res.Items {
				sum.Decisions[string(it.Decision)]++
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}

	// Projection.
	if sc != nil {
		if err := r.stage("project", func() error {
			reps := s.Projection.Reps // the spec fills 200 when the key is absent; 0 means no intervals
			var alt []string
			for _, a := range s.Projection.AltParams {
				alt = append(alt, s.Path(a))
			}
			P, _, err := Project(r.ctx, out, r.at("project"), form, sc, pop,
				ProjectSettings{Cuts: s.Projection.Cuts, Shifts: s.Projection.Shifts, Reps: reps, AltParams: alt, CalibrationID: calID}, r.rng)
			if err != nil {
				return err
			}
			pp, a := P.At.PassRate, P.At.Lee.Accuracy
			sum.ProjectedPass, sum.Accuracy = &pp, &a
			return nil
		}); err != nil {
			return nil, err
		}
	}

	// Report.
	// The review page replaces the charts folder: PNG or SVG charts (and
	// charts/index.html) are drawn only when the spec asks for them
	// (report.charts: true, or a report.format without charts: false).
	rs := ReportSettings{Workbook: s.Report.Workbook == nil || *s.Report.Workbook, Format: s.Report.Format}
	if c := s.Report.Charts; c != nil {
		rs.Charts = *c
	} else {
		rs.Charts = s.Report.Format != ""
	}
	rs.Review = rs.Workbook || rs.Charts || s.Report.Charts == nil
	rs.Form, rs.Data = r.prefix, d
	if b := s.BaseForm; b != nil && filepath.Base(filepath.Dir(s.Path(b.Params))) == "calibrate" {
		rs.BaseRun = filepath.Dir(filepath.Dir(s.Path(b.Params)))
	}
	if rs.Workbook || rs.Charts || rs.Review {
		if err := r.stage("report", func() error {
			res, err := Report(r.ctx, out, r.prefix, rs)
			if err == nil {
				sum.Charts = len(res.Charts)
				sum.Workbook = rs.Workbook
				sum.Review = rs.Review
			}
			return err
		}); err != nil {
			return nil, err
		}
	} else {
		r.skip("report", "report.workbook and report.charts are false")
	}
	sum.Warnings = len(out.warnings)
	return sum, nil
}

// CalibrationPopulation is the latent distribution of a calibration's
// candidates: the MML estimate, or the moments of the person estimates for
// CML and JML.
func CalibrationPopulation(d *analysis.Dataset, cal *calibrate.Result) projection.Population {
	pop := projection.Population{Mean: cal.Result.LatentMean, SD: cal.Result.LatentSD, N: d.N}
	if cal.Result.Method != "mml" {
		pop.Mean, pop.SD = calibrate.ThetaMoments(cal.Persons)
	}
	return pop
}
