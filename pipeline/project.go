package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/reports"
)

// ProjectSettings are the options of the pass-rate projection.
type ProjectSettings struct {
	// Cuts and Shifts are FROM:TO:STEP ranges (or one number) of scale-score
	// cuts and population mean shifts in logits. Empty Cuts means 350:430:1
	// kept inside the scale; cuts given outside the scale are an error.
	// Empty Shifts means -0.5:0.5:0.1.
	Cuts, Shifts string
	// Reps is the number of replications for the intervals; zero means
	// none.
	Reps int
	// AltParams are other forms' params.csv files, projected for the same
	// population at the scale's cut.
	AltParams []string
	// CalibrationID is the id of the form's parameters (accuracy.json).
	CalibrationID string
}

// ParseRange reads FROM:TO:STEP (or a single number) into the values from
// FROM to TO; what names the option in errors.
func ParseRange(what, s string) ([]float64, error) {
	parts := strings.Split(s, ":")
	if len(parts) == 1 {
		v, err := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, Inputf("%s %q: want a number or FROM:TO:STEP", what, s)
		}
		return []float64{v}, nil
	}
	if len(parts) != 3 {
		return nil, Inputf("%s %q: want FROM:TO:STEP, e.g. 350:430:1", what, s)
	}
	var v [3]float64
	for k, p := range parts {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, Inputf("%s %q: %q is not a finite number", what, s, p)
		}
		v[k] = x
	}
	if !(v[2] > 0) || v[1] < v[0] || (v[1]-v[0])/v[2] > 10000 {
		return nil, Inputf("%s %q: want FROM ≤ TO, a positive STEP and at most 10,000 values", what, s)
	}
	var out []float64
	for k := 0; ; k++ {
		x := v[0] + float64(k)*v[2]
		if x > v[1]+1e-9*v[2] {
			break
		}
		if len(out) == 0 || out[len(out)-1] != x {
			out = append(out, x)
		}
	}
	return out, nil
}

// ranges parses the settings' cuts and shifts for the scale sc.
func (s ProjectSettings) ranges(sc *scale.Scale) (cuts, shifts []float64, err error) {
	if s.Cuts == "" {
		all, _ := ParseRange("cuts", "350:430:1")
		for _, c := range all {
			if c >= sc.Min && c <= sc.Max {
				cuts = append(cuts, c)
			}
		}
		if len(cuts) == 0 {
			cuts = []float64{sc.Cut}
		}
	} else {
		if cuts, err = ParseRange("cuts", s.Cuts); err != nil {
			return nil, nil, err
		}
		for _, c := range cuts {
			if c < sc.Min || c > sc.Max {
				return nil, nil, Inputf("cuts %q: %g is outside the scale [%g, %g]", s.Cuts, c, sc.Min, sc.Max)
			}
		}
	}
	sh := s.Shifts
	if sh == "" {
		sh = "-0.5:0.5:0.1"
	}
	if shifts, err = ParseRange("shifts", sh); err != nil {
		return nil, nil, err
	}
	for _, x := range shifts {
		if math.Abs(x) > 3 {
			return nil, nil, Inputf("shifts %q: %g logits is outside [-3, 3]", sh, x)
		}
	}
	return cuts, shifts, nil
}

// CheckPopulation rejects a latent distribution that is not a finite mean
// and a positive, finite SD.
func CheckPopulation(p projection.Population) error {
	if math.IsNaN(p.Mean) || math.IsInf(p.Mean, 0) || math.Abs(p.Mean) > 10 {
		return Inputf("population mean %g: want a finite mean within ±10 logits", p.Mean)
	}
	if !(p.SD >= 1e-3 && p.SD <= 10) {
		return Inputf("population SD %g: want an SD between 0.001 and 10 logits", p.SD)
	}
	if p.N < 0 {
		return Inputf("population size %d: want 0 or more candidates", p.N)
	}
	return nil
}

// Project is the project stage: projected pass rates of the form f on the
// scale sc for the population pop (with the observed pass rate when f has a
// dataset), over cuts and population shifts, with classification accuracy
// and consistency, written under prefix as projection.csv,
// projection_shifts.csv, score_distribution_model.csv and accuracy.json.
func Project(ctx context.Context, out *Output, prefix string, f *Form, sc *scale.Scale, pop projection.Population, s ProjectSettings, rng *rand.Rand) (*projection.Result, *reports.AccuracyFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	cuts, shifts, err := s.ranges(sc)
	if err != nil {
		return nil, nil, err
	}
	if s.Reps < 0 || s.Reps > 100000 {
		return nil, nil, Inputf("replications %d: want 0 (no intervals) to 100000", s.Reps)
	}
	if err := CheckPopulation(pop); err != nil {
		return nil, nil, err
	}
	reps := s.Reps
	if reps == 0 {
		reps = -1 // projection.Options: negative means no intervals
	}
	out.Log.Bar("projection intervals")
	P, err := projection.Project(f.Items, f.SE, sc, pop, f.RawScores(), projection.Options{Cuts: cuts, Shifts: shifts, Reps: reps, Rng: rng,
		Progress: progress(out.Log), Ctx: ctx})
	out.Log.Clear()
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	if err != nil {
		return nil, nil, asInput(err)
	}
	acc := reports.NewAccuracyFile(P, pop)
	acc.CalibrationID = s.CalibrationID
	for _, alt := range s.AltParams {
		aps, err := LoadParams(out, "alt-params", alt)
		if err != nil {
			return nil, nil, err
		}
		af, _ := FormOf(nil, aps)
		AP, err := projection.Project(af.Items, af.SE, sc, pop, nil, projection.Options{Cuts: []float64{sc.Cut}, Shifts: []float64{0}, Reps: reps, Rng: rng, Ctx: ctx})
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		if err != nil {
			return nil, nil, asInput(fmt.Errorf("%s: %w", alt, err))
		}
		acc.AlternateForms = append(acc.AlternateForms, reports.AlternateForm(alt, len(af.Items), AP))
	}
	for _, t := range []struct {
		name string
		tab  *reports.Table
	}{
		{reports.FileProjection, reports.ProjectionTable(P)},
		{reports.FileProjectionShifts, reports.ShiftsTable(P)},
		{reports.FileModelScoreDistribution, reports.ModelScoreTable(P)},
	} {
		if err := out.Table(at(prefix, t.name), t.tab); err != nil {
			return nil, nil, err
		}
	}
	return P, acc, out.JSON(at(prefix, reports.FileAccuracy), acc)
}
