package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/equate"
	"github.com/itemlab/itemlab/analysis/linking"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// LinkSettings are the options of linking a new form to the base scale.
type LinkSettings struct {
	Method         string  // stocking-lord (default), haebara, mean-mean or mean-sigma
	DriftStatistic string  // lord (default: Lord's chi-square, slope and difficulty parts), lord-b (difficulty part), b-se (the b difference over its SE) or none
	DriftAlpha     float64 // family-wise α of the drift screen; zero means 0.05
	DriftMaxDrop   float64 // largest share of anchors the screen may drop; zero means 0.20
	ScaleD         float64 // metric of both parameter files: 1 (default) or 1.7/1.702
}

// Form parameters with their covariance matrix (nil when unknown).
type FormParams struct {
	Params []analysis.ItemParams
	Cov    *analysis.ParamCov
	ID     string // the calibration they come from (CalibrationID, LoadParamsID)
}

// Link is the linking stage: it screens the common items of base and newForm
// (matched by item id) for drift, links newForm to the base scale with
// delta-method standard errors and transforms every item of it, writing
// linking.json, anchors.csv, params.csv and params_cov.csv (the new form on
// the base scale) under prefix. A screen that would drop more than the
// allowed share of the anchors is an input error naming the counts, with
// the tables written for a look.
func Link(ctx context.Context, out *Output, prefix string, base, newForm FormParams, s LinkSettings) (*linking.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	method := s.Method
	if method == "" {
		method = "stocking-lord"
	}
	m, err := irt.ParseLinkMethod(method)
	if err != nil {
		return nil, Inputf("link method: %v", err)
	}
	switch s.ScaleD {
	case 0, 1:
	case 1.7, 1.702:
		for _, ps := range [][]analysis.ItemParams{base.Params, newForm.Params} {
			for k := range ps {
				ps[k].Item = irt.ScaleItems([]irt.Item{ps[k].Item}, s.ScaleD)[0]
			}
		}
		if base.Cov != nil || newForm.Cov != nil {
			return nil, Inputf("--scale-d %g with params_cov.csv: covariances are in the logistic metric; convert the parameters first", s.ScaleD)
		}
	default:
		return nil, Inputf("--scale-d %g: want 1, 1.7 or 1.702", s.ScaleD)
	}
	o := linking.Options{Method: m, Alpha: s.DriftAlpha, MaxDropShare: s.DriftMaxDrop, CovBase: base.Cov, CovNew: newForm.Cov}
	switch s.DriftStatistic {
	case "", "lord":
		// Zero: the linking default, irt.DriftLordSplit (irt.DriftB when
		// a common item's model differs between the forms).
	case "lord-b":
		o.Statistic = irt.DriftLordB
	case "b-se":
		o.Statistic = irt.DriftB
	case "none":
		o.NoDrift = true
	default:
		return nil, Inputf("drift statistic %q: want lord, lord-b, b-se or none", s.DriftStatistic)
	}
	if !(s.DriftAlpha >= 0 && s.DriftAlpha < 0.5) {
		return nil, Inputf("drift alpha %g: want a level in (0, 0.5)", s.DriftAlpha)
	}
	if !(s.DriftMaxDrop >= 0 && s.DriftMaxDrop <= 1) {
		return nil, Inputf("drift max drop %g: want a share in [0, 1]", s.DriftMaxDrop)
	}
	link, err := linking.Link(base.Params, newForm.Params, o)
	var le *linking.DriftLimitError
	switch {
	case errors.As(err, &le):
		// Write what the screen found, for a look, then refuse.
		if werr := writeLink(out, prefix, link, base, newForm); werr != nil {
			return nil, werr
		}
		return nil, asInput(err)
	case err != nil:
		return nil, asInput(err)
	}
	out.Warn(link.Warnings...)
	return link, writeLink(out, prefix, link, base, newForm)
}

func writeLink(out *Output, prefix string, link *linking.Result, base, newForm FormParams) error {
	lf := reports.NewLinkingFile(link)
	lf.CalibrationID, lf.BaseCalibrationID = newForm.ID, base.ID
	params := reports.ParamsFileTable(link.Transformed)
	lf.LinkedParamsSHA = reports.CalibrationID(params)
	if err := out.JSON(at(prefix, reports.FileLinking), lf); err != nil {
		return err
	}
	if err := out.Table(at(prefix, reports.FileAnchors), reports.CommonItemsTable(link)); err != nil {
		return err
	}
	if link.TransformedCov != nil {
		if err := out.Table(at(prefix, reports.FileParamCov), reports.ParamCovTable(link.TransformedCov)); err != nil {
			return err
		}
	}
	return out.Table(at(prefix, reports.FileLinkedParams), params)
}

// EquateSettings are the options of equating a linked form's raw scores.
type EquateSettings struct {
	W1   float64 // weight of the new form's group in IRT observed-score equating; zero means 0.5
	Reps int     // bootstrap replications of classical equating's SEs; zero means none
}

// Equate is the equating stage: the new form x's raw scores (its items on
// the base scale after Link) equated to the base form y's by IRT true-score
// and observed-score equating and, when both datasets are given, by
// classical equating — in the common-item design when the forms share at
// least irt.MinLinkItems operational items, else for random groups. It
// writes equating.csv under prefix.
func Equate(ctx context.Context, out *Output, prefix string, x, y *Form, link *linking.Result, s EquateSettings, rng *rand.Rand) error {
	w1 := s.W1
	if w1 == 0 {
		w1 = 0.5
	}
	if !(w1 >= 0 && w1 <= 1) {
		return Inputf("--w1 %g: want a weight in [0, 1]", s.W1)
	}
	std := irt.NormalQuadrature(61, -6, 6, 0, 1)
	cols, err := equate.IRTColumns(x.Items, y.Items, link.Constants.TransformQuadrature(std), std, w1)
	if err != nil {
		return asInput(fmt.Errorf("IRT equating: %w", err))
	}
	if x.Data != nil && y.Data != nil {
		if s.Reps < 0 || s.Reps > 100000 {
			return Inputf("equating replications %d: want 0 (no SEs) to 100000", s.Reps)
		}
		reps := s.Reps
		if reps == 0 {
			reps = -1 // equate.NEATOptions: negative means none
		}
		cc, design, err := classicalEquating(ctx, x.Data, y.Data, reps, rng)
		if err != nil {
			return err
		}
		out.Log.Logf("classical equating in the %s design", design)
		cols = append(cols, cc...)
	}
	return out.Table(at(prefix, reports.FileEquating), reports.EquatingTable(cols))
}

// classicalEquating equates the new form's operational raw scores to the
// base form's: in the common-item (NEAT) design when the forms share at
// least irt.MinLinkItems operational items, else in the random-groups
// design.
func classicalEquating(ctx context.Context, x, y *analysis.Dataset, reps int, rng *rand.Rand) ([]equate.Column, string, error) {
	neat, err := NEATScores(x, y)
	if err == nil {
		cols, err := equate.NEATColumns(ctx, neat, equate.NEATOptions{Reps: reps, Rng: rng})
		if err != nil {
			return nil, "", fmt.Errorf("classical equating: %w", err)
		}
		return cols, "common-item (NEAT)", nil
	}
	xo, yo := x.ItemsWithStatus(analysis.Operational), y.ItemsWithStatus(analysis.Operational)
	cols, err := equate.RandomGroupsColumns(ctx, x.RawScores(xo), y.RawScores(yo), len(xo), len(yo), reps, rng)
	if err != nil {
		return nil, "", fmt.Errorf("classical equating: %w", err)
	}
	return cols, "random groups", nil
}

// NEATScores are the total and anchor scores of two administrations in the
// common-item design: the anchor is the operational items the forms share by
// id (an internal anchor). Fewer than irt.MinLinkItems shared items is an
// error.
func NEATScores(x, y *analysis.Dataset) (equate.NEATData, error) {
	xo := x.ItemsWithStatus(analysis.Operational)
	yo := y.ItemsWithStatus(analysis.Operational)
	inY := map[string]int{}
	for _, j := range yo {
		inY[y.Items[j].ID] = j
	}
	var xa, ya []int
	for _, j := range xo {
		if k, ok := inY[x.Items[j].ID]; ok {
			xa = append(xa, j)
			ya = append(ya, k)
		}
	}
	if len(xa) < irt.MinLinkItems {
		return equate.NEATData{}, fmt.Errorf("the forms share %d operational items; common-item equating needs at least %d", len(xa), irt.MinLinkItems)
	}
	return equate.NEATData{
		XTotal: x.RawScores(xo), XAnchor: x.RawScores(xa),
		YTotal: y.RawScores(yo), YAnchor: y.RawScores(ya),
		MaxX: len(xo), MaxY: len(yo), MaxAnchor: len(xa),
	}, nil
}
