package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// CalibrateSettings are the options of an IRT calibration as a user gives
// them. Zero values mean the defaults: method mml, scoring eap, 500 cycles,
// tolerance 1e-4, 61 quadrature points, BILOG-MG's prior on c.
type CalibrateSettings struct {
	Model              string // rasch, 2pl or 3pl (required)
	Method             string // mml, cml (Rasch) or jml (Rasch)
	Scoring            string // person scores: eap, map, mle or wle
	Fixed              string // params.csv of items held at bank values (anchored calibration)
	All                bool   // calibrate pretest items too (concurrent calibration)
	MaxIter            int
	Tol                float64
	QuadPoints         int
	EmpiricalHistogram bool
	GuessPrior         string // default, none, or "ALPHA,BETA"
	NoSE               bool
	MaxItems           int    // most items calibrated; zero means DefaultMaxItems (see there)
	Omit               string // wrong (default) or missing
	Workers            int    // zero means GOMAXPROCS
}

// options validates the settings and turns them into calibrate.Options,
// reading the fixed parameters (recorded in out).
func (s CalibrateSettings) options(out *Output) (calibrate.Options, error) {
	var o calibrate.Options
	m, err := irt.ParseModel(s.Model)
	if err != nil {
		return o, Inputf("--model: %v", err)
	}
	o.Model = m
	switch s.Method {
	case "", "mml":
		o.Method = "mml"
	case "cml", "jml":
		o.Method = s.Method
	default:
		return o, Inputf("--method %q: want mml, cml or jml", s.Method)
	}
	if o.Method != "mml" && m != irt.Rasch {
		return o, Inputf("--method %s fits only the Rasch model: add --model rasch, or use --method mml", s.Method)
	}
	scoring := s.Scoring
	if scoring == "" {
		scoring = "eap"
	}
	if o.Scoring, err = irt.ParseScoringMethod(scoring); err != nil {
		return o, Inputf("--scoring: %v", err)
	}
	if o.Omit, err = (DataOptions{Omit: s.Omit}).OmitRule(); err != nil {
		return o, err
	}
	o.All = s.All
	o.MML = irt.MMLOptions{MaxIter: s.MaxIter, Tol: s.Tol, QuadPoints: s.QuadPoints, EmpiricalHistogram: s.EmpiricalHistogram,
		SkipSE: s.NoSE, Workers: s.Workers}
	if s.MaxIter < 0 || s.QuadPoints < 0 || s.Tol < 0 || math.IsNaN(s.Tol) {
		return o, Inputf("--max-iter, --quad-points and --tol must be positive")
	}
	switch g := strings.ToLower(s.GuessPrior); g {
	case "default", "":
	case "none":
		o.NoGuessPrior = true
	default:
		a, b, ok := strings.Cut(g, ",")
		av, err1 := strconv.ParseFloat(a, 64)
		bv, err2 := strconv.ParseFloat(b, 64)
		if !ok || err1 != nil || err2 != nil || !(av >= 1) || !(bv >= 1) || math.IsInf(av+bv, 0) {
			return o, Inputf("--guess-prior %q: want default, none or ALPHA,BETA (both ≥ 1), e.g. 6,16", s.GuessPrior)
		}
		o.MML.GuessPrior = &irt.BetaPrior{Alpha: av, Beta: bv}
	}
	if s.Fixed != "" {
		ps, err := LoadParams(out, "fixed", s.Fixed)
		if err != nil {
			return o, err
		}
		if err := CheckBankParams(s.Fixed, ps); err != nil {
			return o, err
		}
		o.Fixed = map[string]irt.Item{}
		for _, p := range ps {
			o.Fixed[p.ItemID] = p.Item
		}
	}
	return o, nil
}

// Calibrate is the calibrate stage: it fits the model to d and writes
// params.csv, persons.csv, sseap.csv, q3_pairs.csv and fit.json under prefix.
func Calibrate(ctx context.Context, out *Output, prefix string, d *analysis.Dataset, s CalibrateSettings) (*calibrate.Result, error) {
	if err := checkCalibrationSize(d, s.All, s.NoSE, s.MaxItems); err != nil {
		return nil, err
	}
	o, err := s.options(out)
	if err != nil {
		return nil, err
	}
	log := out.Log
	log.Bar("calibrating")
	o.MML.Progress = func(cy irt.Cycle) {
		log.Status("calibrating: cycle %d, log-likelihood %.3f, largest change %.2g", cy.Iter, cy.LogLik, cy.MaxChange)
	}
	cal, err := calibrate.Fit(ctx, d, o)
	log.Clear()
	var de *calibrate.DegenerateItemsError
	switch {
	case errors.As(err, &de), errors.Is(err, analysis.ErrNoOperational):
		return nil, asInput(err)
	case err != nil:
		return nil, err
	}
	out.Warn(cal.Warnings...)
	params := reports.CalibrationParamsTable(d, cal)
	for _, t := range []struct {
		name string
		tab  *reports.Table
	}{
		{reports.FileParams, params},
		{reports.FilePersons, reports.PersonsTable(d, cal)},
		{reports.FileSumScoreEAP, reports.SumScoreTable(cal)},
		{reports.FileQ3Pairs, reports.Q3PairsTable(d, cal)},
	} {
		if err := out.Table(at(prefix, t.name), t.tab); err != nil {
			return nil, err
		}
	}
	if c := CalibrationCov(d, cal); c != nil {
		if err := out.Table(at(prefix, reports.FileParamCov), reports.ParamCovTable(c)); err != nil {
			return nil, err
		}
	}
	fit := reports.NewFitFile(d, cal)
	fit.CalibrationID = reports.CalibrationID(params)
	return cal, out.JSON(at(prefix, reports.FileFit), fit)
}

// CalibrationID is the id of a calibration (reports.CalibrationID of its
// params.csv), which every output built from its parameters records.
func CalibrationID(d *analysis.Dataset, cal *calibrate.Result) string {
	return reports.CalibrationID(reports.CalibrationParamsTable(d, cal))
}

// CalibrationCov is the covariance matrix of a calibration's item
// parameters, nil when its standard errors were skipped.
func CalibrationCov(d *analysis.Dataset, cal *calibrate.Result) *analysis.ParamCov {
	ids := make([]string, len(cal.Items))
	for k, j := range cal.Items {
		ids[k] = d.Items[j].ID
	}
	return analysis.CovOf(cal.Result, ids)
}

// CalibrationParams turns a calibration into parameter rows, as params.csv
// would read back, for the stages that follow it in a run. Standard errors
// that could not be computed are zero, as in a params.csv without them.
func CalibrationParams(d *analysis.Dataset, cal *calibrate.Result) []analysis.ItemParams {
	ps := make([]analysis.ItemParams, len(cal.Items))
	for k, j := range cal.Items {
		se := cal.Result.SE[k]
		for _, v := range []*float64{&se.A, &se.B, &se.C, &se.D, &se.LogitC} {
			if math.IsNaN(*v) {
				*v = 0
			}
		}
		ps[k] = analysis.ItemParams{ItemID: d.Items[j].ID, Item: cal.Result.Items[k], SE: se}
	}
	return ps
}

// CheckBankParams refuses parameters that cannot be bank values of an item
// — a slope not in (0, 10], a difficulty beyond ±10 logits, a guessing
// parameter outside [0, 1) — naming the item and its line in file. (A
// calibration may estimate a negative slope; held fixed, it would anchor
// the scale to nonsense.)
func CheckBankParams(file string, ps []analysis.ItemParams) error {
	for _, p := range ps {
		it := p.Item
		where := fmt.Sprintf("%s:%d (item %q)", file, p.Line, p.ItemID)
		switch b := it.B(); {
		case !(it.A > 0 && it.A <= 10):
			return Inputf("%s: slope a = %g: want 0 < a ≤ 10 for a bank parameter", where, it.A)
		case !(math.Abs(b) <= 10):
			return Inputf("%s: difficulty b = %g: want |b| ≤ 10 logits for a bank parameter", where, b)
		case !(it.C >= 0 && it.C < 1):
			return Inputf("%s: guessing c = %g: want 0 ≤ c < 1", where, it.C)
		}
	}
	return nil
}
