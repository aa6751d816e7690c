package equate

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/itemlab/itemlab/irt"
)

// Column is one method's equating of form X raw scores to form Y:
// Values[x] is the form Y equivalent of x; SE[x] its bootstrap standard
// error (nil when not computed).
type Column struct {
	Name   string
	Values []float64
	SE     []float64
}

// IRTColumns equates form X to form Y by IRT true-score and observed-score
// equating (Kolen & Brennan, 2014, ch. 6). The items of both forms must be on
// one θ scale (link X first). popX and popY are the latent distributions of
// the groups that took X and Y on that scale; w1 weights popX in the
// synthetic population of observed-score equating.
func IRTColumns(x, y []irt.Item, popX, popY irt.Quadrature, w1 float64) ([]Column, error) {
	ts, err := irt.EquateTrueScores(x, y)
	if err != nil {
		return nil, err
	}
	obs, err := EquateIRTObserved(x, y, popX, popY, w1)
	if err != nil {
		return nil, err
	}
	return []Column{
		{Name: "irt_true", Values: ts.Equated},
		{Name: "irt_observed", Values: obs.Yx},
	}, nil
}

// NEATData are the total and anchor raw scores of the two groups of a
// common-item nonequivalent-groups design.
type NEATData struct {
	XTotal, XAnchor []int // group 1, who took form X
	YTotal, YAnchor []int // group 2, who took form Y
	MaxX, MaxY      int   // maximum total scores
	MaxAnchor       int
	External        bool // the anchor is not part of the total score
}

// NEATOptions tune NEATColumns.
type NEATOptions struct {
	Methods []Method   // nil means every NEAT method
	W2      float64    // weight of group 2 in the synthetic population (see Options); zero means proportional to sample size
	Reps    int        // bootstrap replications for standard errors; zero means 200; negative means none
	Rng     *rand.Rand // nil means a fixed seed
	Workers int
}

// NEATColumns equates form X to form Y in a common-item design by the
// observed-score methods of Kolen & Brennan (2014, ch. 4–5): Tucker, Levine
// observed-score, Levine true-score, Braun–Holland, chained linear,
// frequency estimation and chained equipercentile, each with bootstrap
// standard errors (ch. 7).
func NEATColumns(ctx context.Context, d NEATData, o NEATOptions) ([]Column, error) {
	x, err := FromPairs(d.XTotal, d.XAnchor, d.MaxX, d.MaxAnchor, !d.External)
	if err != nil {
		return nil, fmt.Errorf("form X scores: %w", err)
	}
	y, err := FromPairs(d.YTotal, d.YAnchor, d.MaxY, d.MaxAnchor, !d.External)
	if err != nil {
		return nil, fmt.Errorf("form Y scores: %w", err)
	}
	methods := o.Methods
	if methods == nil {
		methods = []Method{Tucker, LevineObserved, LevineTrue, BraunHolland,
			ChainedLinear, FrequencyEstimation, ChainedEquipercentile}
	}
	opts := Options{W2: o.W2, ExternalAnchor: d.External}
	if o.W2 == 0 {
		opts.W2 = ProportionalW2(x, y)
	}
	rng := o.Rng
	if rng == nil {
		rng = rand.New(rand.NewPCG(3, 4))
	}
	reps := o.Reps
	if reps == 0 {
		reps = 200
	}
	var cols []Column
	for _, m := range methods {
		r, err := Equate(x, y, m, opts)
		if err != nil {
			return nil, fmt.Errorf("%s equating: %w", m, err)
		}
		col := Column{Name: m.String(), Values: r.Yx}
		if reps > 0 {
			b, err := Bootstrap(ctx, rng, x, y, m, opts, BootstrapOptions{Reps: reps, Workers: o.Workers})
			if err != nil {
				return nil, fmt.Errorf("%s bootstrap: %w", m, err)
			}
			col.SE = b.SE
		}
		cols = append(cols, col)
	}
	return cols, nil
}

// RandomGroupsColumns equates form X to form Y when randomly equivalent
// groups took them (no common items): mean, linear and equipercentile
// equating, and equipercentile after log-linear presmoothing of degree 6
// (fewer when the score range is short) (Kolen & Brennan, 2014, ch. 2–3),
// each with bootstrap standard errors unless reps < 0.
func RandomGroupsColumns(ctx context.Context, xScores, yScores []int, maxX, maxY, reps int, rng *rand.Rand) ([]Column, error) {
	x, err := FromScores(xScores, maxX)
	if err != nil {
		return nil, fmt.Errorf("form X scores: %w", err)
	}
	y, err := FromScores(yScores, maxY)
	if err != nil {
		return nil, fmt.Errorf("form Y scores: %w", err)
	}
	if rng == nil {
		rng = rand.New(rand.NewPCG(3, 4))
	}
	if reps == 0 {
		reps = 200
	}
	degree := min(6, min(maxX, maxY)-1)
	type variant struct {
		name string
		m    Method
		o    Options
	}
	vs := []variant{{"mean", Mean, Options{}}, {"linear", Linear, Options{}},
		{"equipercentile", Equipercentile, Options{}}}
	if degree >= 2 {
		vs = append(vs, variant{fmt.Sprintf("equipercentile_loglinear%d", degree), Equipercentile,
			Options{Smooth: Smoothing{Degree: degree}}})
	}
	var cols []Column
	for _, v := range vs {
		r, err := Equate(x, y, v.m, v.o)
		if err != nil {
			return nil, fmt.Errorf("%s equating: %w", v.name, err)
		}
		col := Column{Name: v.name, Values: r.Yx}
		if reps > 0 {
			b, err := Bootstrap(ctx, rng, x, y, v.m, v.o, BootstrapOptions{Reps: reps})
			if err != nil {
				return nil, fmt.Errorf("%s bootstrap: %w", v.name, err)
			}
			col.SE = b.SE
		}
		cols = append(cols, col)
	}
	return cols, nil
}
