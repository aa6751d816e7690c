package pipeline

import (
	"context"
	"fmt"
	"math"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/dif"
	"github.com/itemlab/itemlab/analysis/pretest"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// PretestSettings are the options of the pretest review.
type PretestSettings struct {
	Model    string            // model of the pretest items: rasch, 2pl or 3pl (default 3pl)
	Omit     string            // wrong (default) or missing
	Rules    pretest.Rules     // start from pretest.DefaultRules (or LoadRules)
	CutTheta float64           // the scale's cut θ; NaN when unknown
	DIF      *DIFSettings      // nil: no DIF; else MH DIF of the pretest items on its Match criterion
	Domains  []analysis.Domain // blueprint weights for the bank view
	// CalibrationID is the id of the operational items' parameters.
	CalibrationID string
}

// Pretest is the pretest stage: the anchored calibration of d's pretest
// items onto the scale of the operational items' bank parameters, DIF, and
// a decision with reasons for every pretest item, written under prefix as
// pretest.csv, bank.csv, anchored_params.csv and pretest.json.
func Pretest(ctx context.Context, out *Output, prefix string, d *analysis.Dataset, cl *classical.Result,
	bank []analysis.ItemParams, s PretestSettings) (*pretest.Result, error) {
	model := s.Model
	if model == "" {
		model = "3pl"
	}
	m, err := irt.ParseModel(model)
	if err != nil {
		return nil, Inputf("--model: %v", err)
	}
	omit, err := (DataOptions{Omit: s.Omit}).OmitRule()
	if err != nil {
		return nil, err
	}
	log := out.Log
	log.Bar("pretest calibration")
	cal, ev, err := pretest.Calibrate(ctx, d, bank, calibrate.Options{Model: m, Omit: omit,
		MML: irt.MMLOptions{Progress: func(cy irt.Cycle) {
			log.Status("anchored calibration: cycle %d, largest change %.2g", cy.Iter, cy.MaxChange)
		}}})
	log.Clear()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, asInput(err)
	}
	for _, w := range cal.Warnings {
		out.Warn(analysis.NewWarning(analysis.WarningCode(w), "", "pretest calibration: "+w.Error(), w))
	}
	in := pretest.Inputs{Classical: cl, IRT: ev, CutTheta: s.CutTheta, Rules: s.Rules, Domains: s.Domains}
	if s.DIF != nil {
		g, _, _, err := s.DIF.Groups(d)
		if err != nil {
			return nil, err
		}
		match, err := s.DIF.match()
		if err != nil {
			return nil, err
		}
		in.DIF, err = dif.MantelHaenszel(d, g, d.ItemsWithStatus(analysis.Pretest), dif.Options{MinStratum: s.DIF.MinStratum, Match: match})
		if err != nil {
			return nil, asInput(err)
		}
	}
	res := pretest.ReviewItems(d, in)
	if err := out.Table(at(prefix, reports.FilePretest), reports.PretestTable(res)); err != nil {
		return nil, err
	}
	if err := out.Table(at(prefix, reports.FileBank), reports.BankTable(res)); err != nil {
		return nil, err
	}
	if err := out.Table(at(prefix, reports.FileAnchoredParams), reports.CalibrationParamsTable(d, cal)); err != nil {
		return nil, err
	}
	method := fmt.Sprintf("fixed-parameter calibration (%s), operational items at bank values, latent distribution updated by %s; latent mean %.3f, SD %.3f",
		m, cal.Result.PriorUpdate, cal.Result.LatentMean, cal.Result.LatentSD)
	pf := reports.NewPretestFile(res, s.CutTheta, method)
	pf.CalibrationID = s.CalibrationID
	return res, out.JSON(at(prefix, reports.FilePretestSummary), pf)
}

// noCut is the cut θ of a pretest review without a scale.
var noCut = math.NaN()
