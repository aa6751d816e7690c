package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/pipeline"
)

// scaleFlags define or reuse a reporting scale.
type scaleFlags struct {
	pipeline.ScaleSettings
	cutTheta, cutRaw float64
}

func (f *scaleFlags) add(fs *pflag.FlagSet, define bool) {
	if define {
		fs.Float64Var(&f.cutTheta, "cut-theta", 0, "the passing standard as θ")
		fs.Float64Var(&f.cutRaw, "cut-raw", 0, "the passing standard as a raw (true) score on the base form, e.g. from an Angoff study")
		fs.Float64Var(&f.Cut, "cut", 390, "passing scale score")
		fs.Float64Var(&f.Min, "min", 200, "lowest scale score")
		fs.Float64Var(&f.Max, "max", 500, "highest scale score")
		fs.Float64Var(&f.Slope, "slope", 0, "scale points per logit (default: derived so a perfect score on the base form reaches --max)")
		fs.StringVar(&f.File, "scale", "", "reuse this scale.json (from the base form) instead of defining a new scale")
	} else {
		fs.StringVar(&f.File, "scale", "", "scale.json of the reporting scale (from itemlab scale)")
	}
	fs.StringVar(&f.Method, "method", "tcc", "θ of each raw score: tcc (test characteristic curve inversion) or eap (summed-score EAP)")
	fs.Float64Var(&f.LatentMean, "latent-mean", 0, "mean of the latent distribution for --method eap")
	fs.Float64Var(&f.LatentSD, "latent-sd", 1, "SD of the latent distribution for --method eap")
}

// settings are the scale settings with the cut flags the user gave.
func (f *scaleFlags) settings(c *cobra.Command) (pipeline.ScaleSettings, error) {
	s := f.ScaleSettings
	if c.Flags().Changed("cut-theta") {
		s.CutTheta = &f.cutTheta
	}
	if c.Flags().Changed("cut-raw") {
		s.CutRaw = &f.cutRaw
	}
	if !(f.LatentSD > 0) {
		return s, usagef("--latent-sd %g: want a positive SD", f.LatentSD)
	}
	return s, nil
}

func newScaleCmd(env *Env) *cobra.Command {
	var sf scaleFlags
	var df pipeline.DataOptions
	var paramsFile, outDir string
	c := &cobra.Command{
		Use:   "scale --params FILE (--cut-theta X | --cut-raw R | --scale scale.json) --out DIR",
		Short: "Define the reporting scale and a form's raw-to-scale conversion table",
		Long: `Scale fixes the reporting scale on the base form — a linear map of θ,

  score = round(slope·(θ − θ_cut) + 390), clipped to [200, 500],

with the cut given as θ (--cut-theta) or as a raw score on the base form
(--cut-raw, e.g. from an Angoff study) and the slope given or derived so that a
perfect score on the base form reaches 500 — and writes the form's conversion
table: for every raw score its θ (test characteristic curve inversion, or
summed-score EAP with --method eap), CSEM, scale score and pass/fail. The
form's raw cut is the smallest raw score scoring at least 390.

Define the scale once, on the base form, and reuse its scale.json for every
later form (--scale) with that form's parameters linked to the base scale.
With --responses (and --items) the table also counts this administration's
candidates at each raw score and only the operational items count.

Writes scale.json, conversion.csv and manifest.json.`,
		Example: `  itemlab scale --params calib/params.csv --cut-raw 62 --out scale
  itemlab scale --params calib/params.csv --cut-theta -0.5 --slope 40 --out scale
  itemlab scale --params formB/params_linked.csv --scale scale/scale.json --out formB-scale`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ss, err := sf.settings(c)
			if err != nil {
				return err
			}
			out, err := newOutput(c, env, outDir, env.logger(false))
			if err != nil {
				return err
			}
			defer out.Abort()
			ps, id, err := pipeline.LoadParamsID(out, "params", paramsFile)
			if err != nil {
				return err
			}
			ss.CalibrationID = id
			var d *analysis.Dataset
			if df.Responses != "" {
				if d, err = pipeline.LoadData(out, df); err != nil {
					return err
				}
			}
			form, err := pipeline.FormOf(d, ps)
			if err != nil {
				return fmt.Errorf("%s: %w", paramsFile, err)
			}
			s, err := pipeline.ResolveScale(out, ss, form.Items)
			if err != nil {
				return err
			}
			conv, err := pipeline.Scale(c.Context(), out, "", form, s, ss)
			if err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
				return err
			}
			items := form.Items
			fmt.Fprintf(env.Stdout, "scale: %.3f points per logit, θ cut %.3f → %g; raw cut %d of %d\n",
				s.Slope, s.ThetaCut, s.Cut, conv.RawCut, len(items))
			return nil
		},
	}
	c.Flags().StringVar(&paramsFile, "params", "", "item parameters `file` (params.csv from itemlab calibrate)")
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	c.Flags().Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	sf.add(c.Flags(), true)
	addDataFlags(c.Flags(), &df, false)
	return c
}

func newScoreCmd(env *Env) *cobra.Command {
	var sf scaleFlags
	var df pipeline.DataOptions
	var paramsFile, outDir string
	c := &cobra.Command{
		Use:   "score --params FILE --scale scale.json --responses FILE --items FILE --out DIR",
		Short: "Score candidates: raw score, θ, scale score, pass/fail and domain subscores",
		Long: `Score is the step after every administration: each candidate's number-correct
score on the operational items (omits wrong), its θ and standard error and its
scale score from the form's conversion table, pass/fail, and the raw subscore
of every domain. Equal raw scores on a form get equal scale scores. The
parameters must be on the scale's θ metric (the base form's calibration, or a
later form's parameters linked to it with itemlab equate).

Writes scores.csv (one row per candidate, in input order), conversion.csv,
score_summary.json and manifest.json.`,
		Example: `  itemlab score --params calib/params.csv --scale scale/scale.json \
      --responses responses.csv --items items.csv --out scores`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if sf.File == "" {
				return usagef("--scale is required: the scale.json written by itemlab scale")
			}
			ss, err := sf.settings(c)
			if err != nil {
				return err
			}
			out, err := newOutput(c, env, outDir, env.logger(false))
			if err != nil {
				return err
			}
			defer out.Abort()
			ps, id, err := pipeline.LoadParamsID(out, "params", paramsFile)
			if err != nil {
				return err
			}
			ss.CalibrationID = id
			d, err := pipeline.LoadData(out, df)
			if err != nil {
				return err
			}
			s, err := pipeline.ResolveScale(out, ss, nil)
			if err != nil {
				return err
			}
			sum, err := pipeline.Score(c.Context(), out, "", d, ps, s, ss)
			if err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d candidates scored; raw cut %d of %d; pass rate %.2f %%\n",
				sum.Candidates, sum.RawCut, sum.Items, 100*sum.PassRate)
			return nil
		},
	}
	c.Flags().StringVar(&paramsFile, "params", "", "item parameters `file` on the scale's θ metric")
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	c.Flags().Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	sf.add(c.Flags(), false)
	addDataFlags(c.Flags(), &df, true)
	return c
}
