package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"path"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis/projection"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

type projectOptions struct {
	params, fitFile string
	altParams       []string
	sf              scaleFlags
	df              dataFlags
	mean, sd        float64
	n               int
	cuts, shifts    string
	reps            int
	seed            uint64
	outDir          string
}

func newProjectCmd(env *Env) *cobra.Command {
	var o projectOptions
	c := &cobra.Command{
		Use:   "project --params FILE --scale scale.json --out DIR",
		Short: "Project pass rates and classification accuracy for a form and a population",
		Long: `Project answers "what pass rate will this form give, and what if the cut
moved?" from the model: the raw-score distribution of the population on the
form (Lord–Wingersky recursion over the latent distribution), and through the
form's conversion table the projected pass rate at 390, over a range of cuts,
and for populations whose mean shifts; each with a 95 % interval from the
uncertainty of the item parameters (and of the population's mean and SD).

It also gives classification accuracy and consistency at every cut — the
probability that a candidate's pass/fail decision matches the true status,
and that two parallel administrations agree — by Lee's (2010) IRT method and
Rudner's method, with false-pass and false-fail rates and kappa.

The population is N(--latent-mean, --latent-sd), or read from a calibration's
fit.json with --fit. With --responses (and --items) the observed pass rate of
the administration is written beside the projected one. --alt-params projects
other forms (e.g. with promoted pretest items swapped in) for the same
population.

Writes projection.csv, projection_shifts.csv, score_distribution_model.csv,
accuracy.json and manifest.json.`,
		Example: `  itemlab project --params calib/params.csv --scale scale/scale.json --fit calib/fit.json --out proj
  itemlab project --params p.csv --scale scale.json --latent-mean 0.2 --cuts 370:410:5 --out proj
  itemlab project --params p.csv --scale scale.json --alt-params next_form.csv --out proj`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runProject(c, env, &o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.params, "params", "", "the form's item parameters `file` on the scale's θ metric")
	f.StringVar(&o.sf.scaleFile, "scale", "", "scale.json of the reporting scale")
	f.StringVar(&o.fitFile, "fit", "", "fit.json of a calibration: take the population's mean, SD and size from it")
	f.StringArrayVar(&o.altParams, "alt-params", nil, "another form's parameters `file` to project for the same population (repeatable)")
	f.Float64Var(&o.mean, "latent-mean", 0, "mean of the population's θ")
	f.Float64Var(&o.sd, "latent-sd", 1, "SD of the population's θ")
	f.IntVar(&o.n, "n", 0, "candidates the population was estimated from (widens the intervals; 0 = treat as known)")
	f.StringVar(&o.cuts, "cuts", "350:430:1", "cut scores of the curve, `FROM:TO:STEP`")
	f.StringVar(&o.shifts, "shifts", "-0.5:0.5:0.1", "population mean shifts in logits, `FROM:TO:STEP`")
	f.IntVar(&o.reps, "reps", 200, "replications for the intervals (0 for none)")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the intervals")
	f.StringVar(&o.outDir, "out", "", "output `folder`")
	f.StringVar(&o.df.responses, "responses", "", "this administration's responses `file` (optional, for the observed pass rate)")
	f.StringVar(&o.df.items, "items", "", "items `file` of the responses (optional)")
	o.df.omit, o.sf.method, o.sf.latentSD = "wrong", "tcc", 1
	return c
}

// parseRange reads FROM:TO:STEP into the values from FROM to TO.
func parseRange(flag, s string) ([]float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) == 1 {
		v, err := strconv.ParseFloat(parts[0], 64)
		if err != nil {
			return nil, usagef("--%s %q: want a number or FROM:TO:STEP", flag, s)
		}
		return []float64{v}, nil
	}
	if len(parts) != 3 {
		return nil, usagef("--%s %q: want FROM:TO:STEP, e.g. 350:430:1", flag, s)
	}
	var v [3]float64
	for k, p := range parts {
		x, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return nil, usagef("--%s %q: %q is not a number", flag, s, p)
		}
		v[k] = x
	}
	if !(v[2] > 0) || v[1] < v[0] || (v[1]-v[0])/v[2] > 10000 {
		return nil, usagef("--%s %q: want FROM ≤ TO and a positive STEP", flag, s)
	}
	var out []float64
	for k := 0; ; k++ {
		x := v[0] + float64(k)*v[2]
		if x > v[1]+1e-9*v[2] {
			break
		}
		out = append(out, x)
	}
	return out, nil
}

// fitPopulation reads the latent distribution from a calibration's fit.json.
func fitPopulation(out *output, file string) (projection.Population, error) {
	hf, err := openInput("fit", file)
	if err != nil {
		return projection.Population{}, err
	}
	var v struct {
		Mean *float64 `json:"latent_mean"`
		SD   *float64 `json:"latent_sd"`
		N    float64  `json:"n"`
	}
	data, err := io.ReadAll(hf)
	if err == nil {
		err = json.Unmarshal(data, &v)
	}
	out.inputs = append(out.inputs, hf.record())
	if err != nil || v.Mean == nil || v.SD == nil {
		return projection.Population{}, &inputError{fmt.Errorf("%s: want a fit.json with latent_mean and latent_sd", file)}
	}
	return projection.Population{Mean: *v.Mean, SD: *v.SD, N: int(v.N)}, nil
}

func runProject(c *cobra.Command, env *Env, o *projectOptions) error {
	if o.sf.scaleFile == "" {
		return usagef("--scale is required: the scale.json written by itemlab scale")
	}
	cuts, err := parseRange("cuts", o.cuts)
	if err != nil {
		return err
	}
	shifts, err := parseRange("shifts", o.shifts)
	if err != nil {
		return err
	}
	out, err := newOutput(c, o.outDir)
	if err != nil {
		return err
	}
	defer out.abort()
	seed := o.seed
	out.seed = &seed
	pop := projection.Population{Mean: o.mean, SD: o.sd, N: o.n}
	if o.fitFile != "" {
		if pop, err = fitPopulation(out, o.fitFile); err != nil {
			return err
		}
		if c.Flags().Changed("latent-mean") {
			pop.Mean = o.mean
		}
		if c.Flags().Changed("latent-sd") {
			pop.SD = o.sd
		}
		if c.Flags().Changed("n") {
			pop.N = o.n
		}
	}
	if !(pop.SD > 0) {
		return usagef("population SD %g: want a positive SD", pop.SD)
	}
	s, err := o.sf.scale(c, out, nil)
	if err != nil {
		return err
	}
	ps, err := loadParams(out, "params", o.params)
	if err != nil {
		return err
	}
	var observed []int
	items, ses := paramsOf(ps)
	if o.df.responses != "" {
		d, err := o.df.load(env, out)
		if err != nil {
			return err
		}
		idx, its, err := analysis.FormItems(d, ps)
		if err != nil {
			return &inputError{err}
		}
		by := analysis.ParamsByID(ps)
		items, ses = its, nil
		for _, j := range idx {
			ses = append(ses, by[d.Items[j].ID].SE)
		}
		observed = d.RawScores(idx)
	}
	rng := rand.New(rand.NewPCG(o.seed, 0x9a55))
	log := newLogger(env, false)
	log.bar("projection intervals")
	popts := projection.Options{Cuts: cuts, Shifts: shifts, Reps: o.reps, Rng: rng,
		Progress: func(d, t int) { log.update(float64(d), float64(t)) }}
	if o.reps == 0 {
		popts.Reps = -1
	}
	P, err := projection.Project(items, ses, s, pop, observed, popts)
	log.clear()
	if err != nil {
		return &inputError{err}
	}
	acc := reports.NewAccuracyFile(P, pop)
	for _, alt := range o.altParams {
		aps, err := loadParams(out, "alt-params", alt)
		if err != nil {
			return err
		}
		ai, as := paramsOf(aps)
		AP, err := projection.Project(ai, as, s, pop, nil, projection.Options{Cuts: []float64{s.Cut}, Shifts: []float64{0}, Reps: popts.Reps, Rng: rng})
		if err != nil {
			return &inputError{fmt.Errorf("%s: %w", alt, err)}
		}
		acc.AlternateForms = append(acc.AlternateForms, reports.AlternateForm(alt, len(ai), AP))
	}
	if err := stageProjectFiles(out, "", P, acc); err != nil {
		return err
	}
	if err := out.commit(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "projected pass rate at %g: %.1f %% (95 %% interval %.1f–%.1f), raw cut %d of %d\n",
		s.Cut, 100*P.At.PassRate, 100*P.At.Lo, 100*P.At.Hi, P.At.RawCut, len(items))
	fmt.Fprintf(env.Stdout, "classification accuracy %.3f, consistency %.3f (Lee 2010)\n", P.At.Lee.Accuracy, P.At.Lee.Consistency)
	for _, a := range acc.AlternateForms {
		fmt.Fprintf(env.Stdout, "alternate form %s: projected pass rate %.1f %%, raw cut %d of %d\n", a.Params, 100*a.PassRate, a.RawCut, a.Items)
	}
	return nil
}

func paramsOf(ps []analysis.ItemParams) ([]irt.Item, []irt.ItemSE) {
	items := make([]irt.Item, len(ps))
	ses := make([]irt.ItemSE, len(ps))
	for k, p := range ps {
		items[k], ses[k] = p.Item, p.SE
	}
	return items, ses
}

func stageProjectFiles(out *output, prefix string, P *projection.Result, acc *reports.AccuracyFile) error {
	if err := out.table(path.Join(prefix, "projection.csv"), reports.ProjectionTable(P)); err != nil {
		return err
	}
	if err := out.table(path.Join(prefix, "projection_shifts.csv"), reports.ShiftsTable(P)); err != nil {
		return err
	}
	if err := out.table(path.Join(prefix, "score_distribution_model.csv"), reports.ModelScoreTable(P)); err != nil {
		return err
	}
	return out.json(path.Join(prefix, "accuracy.json"), acc)
}
