package main

import (
	"fmt"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addCalibrateFlags binds the options of an IRT calibration.
func addCalibrateFlags(fs *pflag.FlagSet, f *pipeline.CalibrateSettings) {
	fs.StringVar(&f.Model, "model", "2pl", "item response model: rasch, 2pl or 3pl")
	fs.StringVar(&f.Method, "method", "mml", "estimation: mml (marginal ML, all models), cml (conditional ML, Rasch) or jml (joint ML, Rasch)")
	fs.StringVar(&f.Scoring, "scoring", "eap", "person scores in persons.csv: eap, map, mle or wle")
	fs.StringVar(&f.Fixed, "fixed", "", "params.csv of items to hold at bank values (anchored calibration); the others are estimated on the bank's scale")
	fs.BoolVar(&f.All, "all", false, "calibrate pretest items together with the operational items (concurrent calibration)")
	fs.IntVar(&f.MaxIter, "max-iter", 500, "most EM cycles")
	fs.Float64Var(&f.Tol, "tol", 1e-4, "convergence: largest parameter change")
	fs.IntVar(&f.QuadPoints, "quad-points", 61, "quadrature points on [−6, 6]")
	fs.BoolVar(&f.EmpiricalHistogram, "empirical-histogram", false, "estimate the latent distribution as a histogram instead of a normal")
	fs.StringVar(&f.GuessPrior, "guess-prior", "default", "3PL prior on c: default (Beta centred on 1/options, BILOG-MG), none, or ALPHA,BETA")
	fs.BoolVar(&f.NoSE, "no-se", false, "skip standard errors (faster)")
	fs.IntVar(&f.MaxItems, "max-items", 0, "most items calibrated (default 2000: the standard errors' memory grows as items², their time as items³)")
}

func newCalibrateCmd(env *Env) *cobra.Command {
	var df pipeline.DataOptions
	var cf pipeline.CalibrateSettings
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
q3_pairs.csv and manifest.json. A fit that stops at --max-iter says so.

At most 2,000 items are calibrated unless --max-items raises the limit: the
standard errors invert the information matrix of every parameter, cross-item
terms included, whose memory grows as items² (1.6 GB at 2,000 2PL items,
about 39 GB at 10,000) and time as items³; --no-se skips them.`,
		Example: `  itemlab calibrate --responses lsat7.csv --model 2pl --out lsat7-2pl
  itemlab calibrate --responses r.csv --items i.csv --model 3pl --out calib
  itemlab calibrate --responses r.csv --items i.csv --model rasch --method cml --out rasch
  itemlab calibrate --responses r.csv --items i.csv --model 3pl --all --fixed bank.csv --out anchored`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			log := env.logger(quiet)
			out, err := newOutput(c, env, outDir, log)
			if err != nil {
				return err
			}
			defer out.Abort()
			d, err := pipeline.LoadData(out, df)
			if err != nil {
				return err
			}
			cf.Omit = df.Omit
			cal, err := pipeline.Calibrate(c.Context(), out, "", d, cf)
			if err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
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
	addDataFlags(c.Flags(), &df, false)
	addCalibrateFlags(c.Flags(), &cf)
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	c.Flags().Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	c.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress on stderr")
	return c
}
