package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/pipeline"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
)

type projectOptions struct {
	params, fitFile string
	altParams       []string
	scaleFile       string
	df              pipeline.DataOptions
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
	f.StringVar(&o.scaleFile, "scale", "", "scale.json of the reporting scale")
	f.StringVar(&o.fitFile, "fit", "", "fit.json of a calibration: take the population's mean, SD and size from it")
	f.StringArrayVar(&o.altParams, "alt-params", nil, "another form's parameters `file` to project for the same population (repeatable)")
	f.Float64Var(&o.mean, "latent-mean", 0, "mean of the population's θ")
	f.Float64Var(&o.sd, "latent-sd", 1, "SD of the population's θ")
	f.IntVar(&o.n, "n", 0, "candidates the population was estimated from (widens the intervals; 0 = treat as known)")
	f.StringVar(&o.cuts, "cuts", "", "cut scores of the curve, `FROM:TO:STEP` (default 350:430:1 within the scale)")
	f.StringVar(&o.shifts, "shifts", "-0.5:0.5:0.1", "population mean shifts in logits, `FROM:TO:STEP`")
	f.IntVar(&o.reps, "reps", 200, "replications for the intervals (0 for none)")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the intervals")
	f.StringVar(&o.outDir, "out", "", "output `folder`")
	f.Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	f.StringVar(&o.df.Responses, "responses", "", "this administration's responses `file` (optional, for the observed pass rate)")
	f.StringVar(&o.df.Items, "items", "", "items `file` of the responses (optional)")
	return c
}

func runProject(c *cobra.Command, env *Env, o *projectOptions) error {
	if o.scaleFile == "" {
		return usagef("--scale is required: the scale.json written by itemlab scale")
	}
	out, err := newOutput(c, env, o.outDir, env.logger(false))
	if err != nil {
		return err
	}
	defer out.Abort()
	out.SetSeed(o.seed)
	pop := projection.Population{Mean: o.mean, SD: o.sd, N: o.n}
	if o.fitFile != "" {
		if pop, err = pipeline.LoadFitPopulation(out, "fit", o.fitFile); err != nil {
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
	s, err := pipeline.LoadScale(out, "scale", o.scaleFile)
	if err != nil {
		return err
	}
	ps, calID, err := pipeline.LoadParamsID(out, "params", o.params)
	if err != nil {
		return err
	}
	var d *analysis.Dataset
	if o.df.Responses != "" {
		if d, err = pipeline.LoadData(out, o.df); err != nil {
			return err
		}
	}
	form, err := pipeline.FormOf(d, ps)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.seed, 0x9a55))
	P, acc, err := pipeline.Project(c.Context(), out, "", form, s, pop,
		pipeline.ProjectSettings{Cuts: o.cuts, Shifts: o.shifts, Reps: o.reps, AltParams: o.altParams, CalibrationID: calID}, rng)
	if err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "projected pass rate at %g: %.1f %% (95 %% interval %.1f–%.1f), raw cut %d of %d\n",
		s.Cut, 100*P.At.PassRate, 100*P.At.Lo, 100*P.At.Hi, P.At.RawCut, len(form.Items))
	fmt.Fprintf(env.Stdout, "classification accuracy %.3f, consistency %.3f (Lee 2010)\n", P.At.Lee.Accuracy, P.At.Lee.Consistency)
	for _, a := range acc.AlternateForms {
		fmt.Fprintf(env.Stdout, "alternate form %s: projected pass rate %.1f %%, raw cut %d of %d\n", a.Params, 100*a.PassRate, a.RawCut, a.Items)
	}
	return nil
}
