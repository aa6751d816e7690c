package main

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis/calibrate"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// calibrateFlags are the options of an IRT calibration.
type calibrateFlags struct {
	model, method, scoring string
	fixed                  string
	all                    bool
	maxIter, quadPoints    int
	tol                    float64
	hist                   bool
	guessPrior             string
	noSE                   bool
}

func (f *calibrateFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.model, "model", "2pl", "item response model: rasch, 2pl or 3pl")
	fs.StringVar(&f.method, "method", "mml", "estimation: mml (marginal ML, all models), cml (conditional ML, Rasch) or jml (joint ML, Rasch)")
	fs.StringVar(&f.scoring, "scoring", "eap", "person scores in persons.csv: eap, map, mle or wle")
	fs.StringVar(&f.fixed, "fixed", "", "params.csv of items to hold at bank values (anchored calibration); the others are estimated on the bank's scale")
	fs.BoolVar(&f.all, "all", false, "calibrate pretest items together with the operational items (concurrent calibration)")
	fs.IntVar(&f.maxIter, "max-iter", 500, "most EM cycles")
	fs.Float64Var(&f.tol, "tol", 1e-4, "convergence: largest parameter change")
	fs.IntVar(&f.quadPoints, "quad-points", 61, "quadrature points on [−6, 6]")
	fs.BoolVar(&f.hist, "empirical-histogram", false, "estimate the latent distribution as a histogram instead of a normal")
	fs.StringVar(&f.guessPrior, "guess-prior", "default", "3PL prior on c: default (Beta centred on 1/options, BILOG-MG), none, or ALPHA,BETA")
	fs.BoolVar(&f.noSE, "no-se", false, "skip standard errors (faster)")
}

func (f *calibrateFlags) options(out *output, workers int) (calibrate.Options, error) {
	var o calibrate.Options
	m, err := irt.ParseModel(f.model)
	if err != nil {
		return o, usagef("--model: %v", err)
	}
	o.Model = m
	switch f.method {
	case "mml", "cml", "jml":
		o.Method = f.method
	default:
		return o, usagef("--method %q: want mml, cml or jml", f.method)
	}
	if o.Method != "mml" && m != irt.Rasch {
		return o, usagef("--method %s fits only the Rasch model: add --model rasch, or use --method mml", f.method)
	}
	if o.Scoring, err = irt.ParseScoringMethod(f.scoring); err != nil {
		return o, usagef("--scoring: %v", err)
	}
	o.All = f.all
	o.MML = irt.MMLOptions{MaxIter: f.maxIter, Tol: f.tol, QuadPoints: f.quadPoints, EmpiricalHistogram: f.hist, SkipSE: f.noSE, Workers: workers}
	switch g := strings.ToLower(f.guessPrior); g {
	case "default", "":
	case "none":
		o.NoGuessPrior = true
	default:
		a, b, ok := strings.Cut(g, ",")
		av, err1 := strconv.ParseFloat(a, 64)
		bv, err2 := strconv.ParseFloat(b, 64)
		if !ok || err1 != nil || err2 != nil || av < 1 || bv < 1 {
			return o, usagef("--guess-prior %q: want default, none or ALPHA,BETA (both ≥ 1), e.g. 6,16", f.guessPrior)
		}
		o.MML.GuessPrior = &irt.BetaPrior{Alpha: av, Beta: bv}
	}
	if f.fixed != "" {
		ps, err := loadParams(out, "fixed", f.fixed)
		if err != nil {
			return o, err
		}
		o.Fixed = map[string]irt.Item{}
		for _, p := range ps {
			o.Fixed[p.ItemID] = p.Item
		}
	}
	return o, nil
}

func newCalibrateCmd(env *Env) *cobra.Command {
	var df dataFlags
	var cf calibrateFlags
	var outDir string
	var quiet bool
	c := &cobra.Command{
		Use:   "calibrate --responses FILE [--items FILE] --model rasch|2pl|3pl --out DIR",
		Short: "Calibrate items with a Rasch, 2PL or 3PL model",
		Long: `Calibrate estimates item parameters on the operational items — the scored test
defines the scale — by marginal maximum likelihood (Bock–Aitkin EM over 61
quadrature points, N(0,1) latent distribution; Rasch estimates its SD), or
for the Rasch model by conditional or joint ML. Pretest items join with --all.

Parameters are in the logistic metric, logit P = a·θ + d with b = −d/a (no
1.702), with standard errors from the observed information in both metrics.
The 3PL uses a Beta prior on c centred on 1/options (BILOG-MG's) unless
--guess-prior none. With --fixed (or a, b, c columns in the items file) the
listed items are held at their bank values and the latent mean and SD are
estimated (Kim's MWU-MEM), so the free items land on the bank's scale; each
anchor's displacement shows whether it drifted.

Item fit: infit/outfit mean squares with ZSTD (from WLE abilities), S-X²
(Orlando & Thissen) with df and p, and Yen's Q3 for local dependence.
Persons: EAP (default), MAP, MLE or WLE with standard errors.

Writes params.csv, persons.csv, fit.json, sseap.csv (summed-score EAP table),
q3_pairs.csv and manifest.json. A fit that stops at --max-iter says so.`,
		Example: `  itemlab calibrate --responses lsat7.csv --model 2pl --out lsat7-2pl
  itemlab calibrate --responses r.csv --items i.csv --model 3pl --out calib
  itemlab calibrate --responses r.csv --items i.csv --model rasch --method cml --out rasch
  itemlab calibrate --responses r.csv --items i.csv --model 3pl --all --fixed bank.csv --out anchored`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			out, err := newOutput(c, outDir)
			if err != nil {
				return err
			}
			defer out.abort()
			o, err := cf.options(out, 0)
			if err != nil {
				return err
			}
			d, err := df.load(env, out)
			if err != nil {
				return err
			}
			o.Omit = df.omitRule()
			log := newLogger(env, quiet)
			cal, err := stageCalibrate(c, out, "", d, o, log)
			if err != nil {
				return err
			}
			if err := out.commit(); err != nil {
				return err
			}
			r := cal.Result
			state := "converged"
			if !r.Converged {
				state = fmt.Sprintf("NOT converged (largest change %.2g)", r.MaxChange)
			}
			fmt.Fprintf(env.Stdout, "%s %s: %d items, %d candidates, log-likelihood %.3f, %d iterations, %s\n",
				r.Model, r.Method, len(cal.Items), d.N, r.LogLik, r.Iterations, state)
			if r.Method == "mml" {
				fmt.Fprintf(env.Stdout, "latent mean %.3f, SD %.3f; tables in %s\n", r.LatentMean, r.LatentSD, outDir)
			}
			return nil
		},
	}
	df.add(c.Flags(), false)
	cf.add(c.Flags())
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	return c
}

// stageCalibrate calibrates and writes params.csv, persons.csv, fit.json,
// sseap.csv and q3_pairs.csv under prefix.
func stageCalibrate(c *cobra.Command, out *output, prefix string, d *analysis.Dataset, o calibrate.Options, log *logger) (*calibrate.Result, error) {
	log.bar("calibrating")
	o.MML.Progress = func(cy irt.Cycle) {
		log.status("calibrating: cycle %d, log-likelihood %.3f, largest change %.2g", cy.Iter, cy.LogLik, cy.MaxChange)
	}
	cal, err := calibrate.Fit(c.Context(), d, o)
	log.clear()
	var de *calibrate.DegenerateItemsError
	switch {
	case errors.As(err, &de):
		return nil, &inputError{err}
	case err != nil:
		return nil, err
	}
	for _, w := range cal.Warnings {
		log.warnf("%s", w)
		out.warn(w)
	}
	if err := out.table(path.Join(prefix, "params.csv"), reports.CalibrationParamsTable(d, cal)); err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "persons.csv"), reports.PersonsTable(d, cal)); err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "sseap.csv"), reports.SumScoreTable(cal)); err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "q3_pairs.csv"), reports.Q3PairsTable(d, cal)); err != nil {
		return nil, err
	}
	return cal, out.json(path.Join(prefix, "fit.json"), reports.NewFitFile(d, cal))
}
