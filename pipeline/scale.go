package pipeline

import (
	"context"
	"io"
	"math"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// ScaleSettings define the reporting scale (a cut as θ or as a raw score on
// the base form, the scale's points) or reuse one (File), and say how raw
// scores get their θ in the conversion table.
type ScaleSettings struct {
	File             string   // scale.json to reuse; excludes CutTheta and CutRaw
	CutTheta, CutRaw *float64 // the cut, to define a scale
	Cut, Min, Max    float64  // scale points; zero means 390, 200 and 500
	Slope            float64  // points per logit; zero derives it from the base form
	Method           string   // tcc (default) or eap
	LatentMean       float64  // latent distribution of the eap method
	LatentSD         float64  // zero means 1
	CalibrationID    string   // of the parameters, recorded in scale.json and score_summary.json
}

// ResolveScale returns the scale: read from s.File (recorded in out), or
// defined on the base form's items.
func ResolveScale(out *Output, s ScaleSettings, items []irt.Item) (*scale.Scale, error) {
	if s.File != "" {
		if s.CutTheta != nil || s.CutRaw != nil {
			return nil, Inputf("give either --scale (reuse a scale) or --cut-theta/--cut-raw (define one), not both")
		}
		return LoadScale(out, "scale", s.File)
	}
	switch {
	case s.CutTheta != nil && s.CutRaw != nil:
		return nil, Inputf("give the cut as --cut-theta or as --cut-raw, not both")
	case s.CutTheta == nil && s.CutRaw == nil:
		return nil, Inputf("give the passing standard: --cut-theta X or --cut-raw R (or reuse a scale with --scale scale.json)")
	}
	sc, err := scale.Define(items, scale.Options{CutTheta: s.CutTheta, CutRaw: s.CutRaw, Cut: s.Cut, Min: s.Min, Max: s.Max, Slope: s.Slope})
	return sc, asInput(err)
}

// Conversion is the form's raw-to-scale conversion table; scores (may be
// nil) are this administration's raw scores, counted per row.
func Conversion(items []irt.Item, sc *scale.Scale, s ScaleSettings, scores []int) (*scale.Conversion, error) {
	m, err := scale.ParseMethod(s.Method)
	if err != nil {
		return nil, Inputf("--method: %v", err)
	}
	sd := s.LatentSD
	if sd == 0 {
		sd = 1
	}
	if !(sd > 0) || math.IsInf(sd, 0) || math.IsNaN(s.LatentMean) || math.IsInf(s.LatentMean, 0) {
		return nil, Inputf("latent distribution N(%g, %g): want a finite mean and a positive SD", s.LatentMean, sd)
	}
	q := irt.NormalQuadrature(61, s.LatentMean-6*sd, s.LatentMean+6*sd, s.LatentMean, sd)
	conv, err := scale.NewConversion(items, sc, m, q, scores)
	return conv, asInput(err)
}

// Form is a form's operational items with their parameters: the items of
// the dataset (in dataset order) when there is one, else every parameter
// row.
type Form struct {
	Index []int        // dataset indices of the items; nil without a dataset
	Items []irt.Item   // parameters
	SE    []irt.ItemSE // their standard errors
	IDs   []string     // item ids
	Data  *analysis.Dataset
}

// FormOf returns the form of d (nil allowed) under the parameters ps.
func FormOf(d *analysis.Dataset, ps []analysis.ItemParams) (*Form, error) {
	f := &Form{Data: d}
	if d == nil {
		for _, p := range ps {
			f.Items, f.SE, f.IDs = append(f.Items, p.Item), append(f.SE, p.SE), append(f.IDs, p.ItemID)
		}
		return f, nil
	}
	idx, items, err := analysis.FormItems(d, ps)
	if err != nil {
		return nil, asInput(err)
	}
	by := analysis.ParamsByID(ps)
	f.Index, f.Items = idx, items
	for _, j := range idx {
		id := d.Items[j].ID
		f.IDs, f.SE = append(f.IDs, id), append(f.SE, by[id].SE)
	}
	return f, nil
}

// RawScores are the candidates' raw scores on the form (nil without a
// dataset).
func (f *Form) RawScores() []int {
	if f.Data == nil {
		return nil
	}
	return f.Data.RawScores(f.Index)
}

// Scale is the scale stage: the conversion table of the form on the scale
// sc, written under prefix as conversion.csv and scale.json.
func Scale(ctx context.Context, out *Output, prefix string, f *Form, sc *scale.Scale, s ScaleSettings) (*scale.Conversion, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	conv, err := Conversion(f.Items, sc, s, f.RawScores())
	if err != nil {
		return nil, err
	}
	if err := out.Table(at(prefix, reports.FileConversion), reports.ConversionTable(conv)); err != nil {
		return nil, err
	}
	sf := reports.NewScaleFile(sc, conv)
	sf.CalibrationID = s.CalibrationID
	return conv, out.JSON(at(prefix, reports.FileScale), sf)
}

// Score is the score stage: every candidate's raw score, θ, scale score,
// pass/fail and domain subscores on the form of d under the parameters ps,
// written under prefix as scores.csv, conversion.csv and
// score_summary.json.
func Score(ctx context.Context, out *Output, prefix string, d *analysis.Dataset, ps []analysis.ItemParams, sc *scale.Scale, s ScaleSettings) (*reports.ScoreSummaryFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := FormOf(d, ps)
	if err != nil {
		return nil, err
	}
	conv, err := Conversion(f.Items, sc, s, f.RawScores())
	if err != nil {
		return nil, err
	}
	scores, domains := scale.ScoreCandidates(d, f.Index, conv)
	if err := out.Write(at(prefix, reports.FileScores), func(w io.Writer) error {
		return reports.WriteScores(w, d, scores, domains)
	}); err != nil {
		return nil, err
	}
	if err := out.Table(at(prefix, reports.FileConversion), reports.ConversionTable(conv)); err != nil {
		return nil, err
	}
	sum := reports.NewScoreSummaryFile(scores, len(f.Index), conv)
	sum.CalibrationID = s.CalibrationID
	return sum, out.JSON(at(prefix, reports.FileScoreSummary), sum)
}
