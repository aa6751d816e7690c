package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path"

	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/analysis/scale"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// scaleFlags define or reuse a reporting scale.
type scaleFlags struct {
	scaleFile        string
	cutTheta, cutRaw float64
	cut, min, max    float64
	slope            float64
	method           string
	latentMean       float64
	latentSD         float64
}

func (f *scaleFlags) add(fs *pflag.FlagSet, define bool) {
	if define {
		fs.Float64Var(&f.cutTheta, "cut-theta", 0, "the passing standard as θ")
		fs.Float64Var(&f.cutRaw, "cut-raw", 0, "the passing standard as a raw (true) score on the base form, e.g. from an Angoff study")
		fs.Float64Var(&f.cut, "cut", 390, "passing scale score")
		fs.Float64Var(&f.min, "min", 200, "lowest scale score")
		fs.Float64Var(&f.max, "max", 500, "highest scale score")
		fs.Float64Var(&f.slope, "slope", 0, "scale points per logit (default: derived so a perfect score on the base form reaches --max)")
		fs.StringVar(&f.scaleFile, "scale", "", "reuse this scale.json (from the base form) instead of defining a new scale")
	} else {
		fs.StringVar(&f.scaleFile, "scale", "", "scale.json of the reporting scale (from itemlab scale)")
	}
	fs.StringVar(&f.method, "method", "tcc", "θ of each raw score: tcc (test characteristic curve inversion) or eap (summed-score EAP)")
	fs.Float64Var(&f.latentMean, "latent-mean", 0, "mean of the latent distribution for --method eap")
	fs.Float64Var(&f.latentSD, "latent-sd", 1, "SD of the latent distribution for --method eap")
}

// scale returns the scale: read from --scale, or defined on items.
func (f *scaleFlags) scale(c *cobra.Command, out *output, items []irt.Item) (*scale.Scale, error) {
	if f.scaleFile != "" {
		if c.Flags().Changed("cut-theta") || c.Flags().Changed("cut-raw") {
			return nil, usagef("give either --scale (reuse a scale) or --cut-theta/--cut-raw (define one), not both")
		}
		hf, err := openInput("scale", f.scaleFile)
		if err != nil {
			return nil, err
		}
		var s scale.Scale
		data, err := io.ReadAll(hf)
		if err == nil {
			err = json.Unmarshal(data, &s)
		}
		out.inputs = append(out.inputs, hf.record())
		if err != nil {
			return nil, &inputError{fmt.Errorf("%s: not a scale.json: %v", f.scaleFile, err)}
		}
		if err := s.Validate(); err != nil {
			return nil, &inputError{fmt.Errorf("%s: %v", f.scaleFile, err)}
		}
		return &s, nil
	}
	var o scale.Options
	switch {
	case c.Flags().Changed("cut-theta") && c.Flags().Changed("cut-raw"):
		return nil, usagef("give the cut as --cut-theta or as --cut-raw, not both")
	case c.Flags().Changed("cut-theta"):
		o.CutTheta = &f.cutTheta
	case c.Flags().Changed("cut-raw"):
		o.CutRaw = &f.cutRaw
	default:
		return nil, usagef("give the passing standard: --cut-theta X or --cut-raw R (or reuse a scale with --scale scale.json)")
	}
	o.Cut, o.Min, o.Max, o.Slope = f.cut, f.min, f.max, f.slope
	s, err := scale.Define(items, o)
	if err != nil {
		return nil, &inputError{err}
	}
	return s, nil
}

func (f *scaleFlags) conversion(items []irt.Item, s *scale.Scale, scores []int) (*scale.Conversion, error) {
	m, err := scale.ParseMethod(f.method)
	if err != nil {
		return nil, usagef("--method: %v", err)
	}
	if !(f.latentSD > 0) {
		return nil, usagef("--latent-sd %g: want a positive SD", f.latentSD)
	}
	q := irt.NormalQuadrature(61, f.latentMean-6*f.latentSD, f.latentMean+6*f.latentSD, f.latentMean, f.latentSD)
	conv, err := scale.NewConversion(items, s, m, q, scores)
	if err != nil {
		return nil, &inputError{err}
	}
	return conv, nil
}

// loadParams reads a parameter file and records it as an input.
func loadParams(out *output, flag, file string) ([]analysis.ItemParams, error) {
	hf, err := openInput(flag, file)
	if err != nil {
		return nil, err
	}
	ps, err := ingest.ReadParams(ingest.Source{Name: file, R: hf})
	if err != nil {
		return nil, &inputError{err}
	}
	out.inputs = append(out.inputs, hf.record())
	return ps, nil
}

func newScaleCmd(env *Env) *cobra.Command {
	var sf scaleFlags
	var df dataFlags
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
			out, err := newOutput(c, outDir)
			if err != nil {
				return err
			}
			defer out.abort()
			ps, err := loadParams(out, "params", paramsFile)
			if err != nil {
				return err
			}
			items := make([]irt.Item, len(ps))
			for k, p := range ps {
				items[k] = p.Item
			}
			var scores []int
			if df.responses != "" {
				d, err := df.load(env, out)
				if err != nil {
					return err
				}
				idx, its, err := analysis.FormItems(d, ps)
				if err != nil {
					return &inputError{fmt.Errorf("%s: %w", paramsFile, err)}
				}
				items = its
				scores = d.RawScores(idx)
			}
			s, err := sf.scale(c, out, items)
			if err != nil {
				return err
			}
			conv, err := stageScale(out, "", &sf, s, items, scores)
			if err != nil {
				return err
			}
			if err := out.commit(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "scale: %.3f points per logit, θ cut %.3f → %g; raw cut %d of %d\n",
				s.Slope, s.ThetaCut, s.Cut, conv.RawCut, len(items))
			return nil
		},
	}
	c.Flags().StringVar(&paramsFile, "params", "", "item parameters `file` (params.csv from itemlab calibrate)")
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	sf.add(c.Flags(), true)
	df.add(c.Flags(), false)
	return c
}

// stageScale writes the conversion table and scale.json under prefix.
func stageScale(out *output, prefix string, sf *scaleFlags, s *scale.Scale, items []irt.Item, scores []int) (*scale.Conversion, error) {
	conv, err := sf.conversion(items, s, scores)
	if err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "conversion.csv"), reports.ConversionTable(conv)); err != nil {
		return nil, err
	}
	if err := out.json(path.Join(prefix, "scale.json"), reports.NewScaleFile(s, conv)); err != nil {
		return nil, err
	}
	return conv, nil
}

func newScoreCmd(env *Env) *cobra.Command {
	var sf scaleFlags
	var df dataFlags
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
			if sf.scaleFile == "" {
				return usagef("--scale is required: the scale.json written by itemlab scale")
			}
			out, err := newOutput(c, outDir)
			if err != nil {
				return err
			}
			defer out.abort()
			ps, err := loadParams(out, "params", paramsFile)
			if err != nil {
				return err
			}
			d, err := df.load(env, out)
			if err != nil {
				return err
			}
			s, err := sf.scale(c, out, nil)
			if err != nil {
				return err
			}
			sum, err := stageScore(out, "", &sf, s, d, ps)
			if err != nil {
				return err
			}
			if err := out.commit(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%d candidates scored; raw cut %d of %d; pass rate %.2f %%\n",
				sum.Candidates, sum.RawCut, sum.Items, 100*sum.PassRate)
			return nil
		},
	}
	c.Flags().StringVar(&paramsFile, "params", "", "item parameters `file` on the scale's θ metric")
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	sf.add(c.Flags(), false)
	df.add(c.Flags(), true)
	return c
}

// scoreSummary is score_summary.json.
type scoreSummary struct {
	Candidates int     `json:"candidates"`
	Items      int     `json:"items"`
	RawCut     int     `json:"raw_cut"`
	Passed     int     `json:"passed"`
	PassRate   float64 `json:"pass_rate"`
	MeanScale  float64 `json:"mean_scale_score"`
	Method     string  `json:"method"`
}

// stageScore scores the candidates and writes scores.csv, conversion.csv
// and score_summary.json under prefix.
func stageScore(out *output, prefix string, sf *scaleFlags, s *scale.Scale, d *analysis.Dataset, ps []analysis.ItemParams) (*scoreSummary, error) {
	idx, items, err := analysis.FormItems(d, ps)
	if err != nil {
		return nil, &inputError{err}
	}
	conv, err := sf.conversion(items, s, d.RawScores(idx))
	if err != nil {
		return nil, err
	}
	scores, domains := scale.ScoreCandidates(d, idx, conv)
	sum := &scoreSummary{Candidates: d.N, Items: len(idx), RawCut: conv.RawCut, Method: conv.Method.String()}
	var total float64
	for _, sc := range scores {
		if sc.Pass {
			sum.Passed++
		}
		total += sc.ScaleScore
	}
	if d.N > 0 {
		sum.PassRate = float64(sum.Passed) / float64(d.N)
		sum.MeanScale = total / float64(d.N)
	}
	if err := out.write(path.Join(prefix, "scores.csv"), func(w io.Writer) error {
		return reports.WriteScores(w, d, scores, domains)
	}); err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "conversion.csv"), reports.ConversionTable(conv)); err != nil {
		return nil, err
	}
	return sum, out.json(path.Join(prefix, "score_summary.json"), sum)
}
