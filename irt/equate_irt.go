package irt

import (
	"errors"
	"fmt"
	"math"
)

// ErrTCCNotIncreasing is returned (wrapped) when a form's test
// characteristic curve is not strictly increasing, so raw scores have no
// unique θ: an item with a non-positive slope or a lower asymptote outside
// [0, 1).
var ErrTCCNotIncreasing = errors.New("irt: test characteristic curve is not increasing")

// TrueScoreEquating is the result of IRT true-score equating of form X to
// form Y.
type TrueScoreEquating struct {
	// Theta[x] is the θ at which form X's TCC equals x, for the integer
	// scores Σc_X < x < J_X; NaN at the other scores, where no θ exists.
	Theta []float64
	// Equated[x] is the form Y true-score equivalent of form X score x,
	// x = 0..J_X.
	Equated []float64
	// SumCX and SumCY are Σc over the items of each form, the lower
	// asymptotes of the TCCs.
	SumCX, SumCY float64
}

// EquateTrueScores equates the number-correct scores x = 0..J_X of form X
// to form Y by IRT true-score equating (Lord, 1980; K&B 2014, ch. 6). Both
// forms' items must be on the same θ scale (link form X first, e.g. with
// Link and LinkConstants.TransformItems) and in the logistic metric (see
// ScaleItems).
//
// For each integer score Σc_X < x < J_X it solves τ_X(θ) = Σ_j P_j(θ) = x for
// θ by Newton–Raphson, safeguarded by bisection on a bracket, to
// |τ_X(θ) − x| < 1e-10, and returns τ_Y(θ). Scores with no θ follow Kolen &
// Brennan (2014, ch. 6): scores 0 ≤ x ≤ Σc_X map linearly,
// e_Y(x) = x·Σc_Y/Σc_X (x itself when Σc_X = 0), and the maximum J_X maps to
// J_Y.
//
// It returns an error wrapping ErrTCCNotIncreasing if an item of either
// form has a non-positive or non-finite slope or a lower asymptote outside
// [0, 1), and an error if a form has no items.
//
// Reference: Kolen, M. J. & Brennan, R. L. (2014). Test Equating, Scaling,
// and Linking (3rd ed.), ch. 6. Springer. Lord, F. M. (1980). Applications of
// Item Response Theory to Practical Testing Problems. Erlbaum.
func EquateTrueScores(x, y []Item) (*TrueScoreEquating, error) {
	if len(x) == 0 || len(y) == 0 {
		return nil, errors.New("irt: true-score equating needs items on both forms")
	}
	sx, err := equateSumC(x, "X")
	if err != nil {
		return nil, err
	}
	sy, err := equateSumC(y, "Y")
	if err != nil {
		return nil, err
	}
	jx, jy := len(x), len(y)
	res := &TrueScoreEquating{
		Theta:   make([]float64, jx+1),
		Equated: make([]float64, jx+1),
		SumCX:   sx,
		SumCY:   sy,
	}
	theta := 0.0
	for s := 0; s <= jx; s++ {
		score := float64(s)
		res.Theta[s] = math.NaN()
		switch {
		case s == jx:
			res.Equated[s] = float64(jy)
		case score <= sx:
			if sx > 0 {
				res.Equated[s] = score * sy / sx
			} else {
				res.Equated[s] = score
			}
		default:
			th, err := equateInvertTCC(x, score, theta)
			if err != nil {
				return nil, fmt.Errorf("irt: true-score equating at x = %d: %w", s, err)
			}
			theta = th
			res.Theta[s] = th
			res.Equated[s] = TCC(y, th)
		}
	}
	return res, nil
}

// equateSumC checks that a form's TCC is increasing and returns Σc.
func equateSumC(items []Item, form string) (float64, error) {
	if form != "" {
		form = "form " + form + " "
	}
	var s float64
	for j, it := range items {
		if !(it.A > 0) || math.IsInf(it.A, 0) || math.IsNaN(it.D) || math.IsInf(it.D, 0) {
			return 0, fmt.Errorf("%w: %sitem %d has slope %g and intercept %g (want a finite slope > 0)", ErrTCCNotIncreasing, form, j, it.A, it.D)
		}
		if !(it.C >= 0 && it.C < 1) {
			return 0, fmt.Errorf("%w: %sitem %d has lower asymptote %g (want 0 ≤ c < 1)", ErrTCCNotIncreasing, form, j, it.C)
		}
		s += it.C
	}
	return s, nil
}

// equateInvertTCC returns the θ at which the test characteristic curve of items
// equals score, for Σc < score < len(items), by Newton–Raphson from start,
// safeguarded by bisection on an expanding bracket, to |τ(θ) − score| <
// 1e-10. It returns an error wrapping ErrTCCNotIncreasing for items with a
// non-positive slope, and an error if score is outside (Σc, J).
func equateInvertTCC(items []Item, score, start float64) (float64, error) {
	sc, err := equateSumC(items, "")
	if err != nil {
		return 0, err
	}
	if !(score > sc && score < float64(len(items))) {
		return 0, fmt.Errorf("irt: score %g is outside (Σc, J) = (%g, %d): no θ has that true score", score, sc, len(items))
	}
	f := func(t float64) float64 { return TCC(items, t) - score }
	// Bracket the root.
	lo, hi := start-1, start+1
	for i := 0; f(lo) > 0; i++ {
		lo -= math.Max(1, math.Abs(lo))
		if i > 60 {
			return 0, fmt.Errorf("irt: cannot bracket θ for score %g", score)
		}
	}
	for i := 0; f(hi) < 0; i++ {
		hi += math.Max(1, math.Abs(hi))
		if i > 60 {
			return 0, fmt.Errorf("irt: cannot bracket θ for score %g", score)
		}
	}
	t := math.Min(math.Max(start, lo), hi)
	for iter := 0; iter < 200; iter++ {
		v := f(t)
		if math.Abs(v) < 1e-10 {
			return t, nil
		}
		if v < 0 {
			lo = t
		} else {
			hi = t
		}
		var d float64
		for _, it := range items {
			d += it.DProb(t)
		}
		next := t - v/d
		if !(d > 0) || !(next > lo && next < hi) {
			next = 0.5 * (lo + hi)
		}
		if hi-lo < 1e-14*math.Max(1, math.Abs(t)) {
			return next, nil
		}
		t = next
	}
	return t, nil
}

// ObservedScoreDists returns the model-implied number-correct score
// distributions of forms X and Y in the synthetic population of IRT
// observed-score equating (K&B 2014, ch. 6):
//
//	f_s(x) = w1·Σ_q f_X(x | θ_q)·g1(θ_q) + (1 − w1)·Σ_q f_X(x | θ_q)·g2(θ_q),
//
// and likewise for Y, where f(x | θ) is the Lord–Wingersky (1984) recursion
// (SummedScoreDist) and g1, g2 are the latent distributions of population 1
// (which took form X) and population 2 (form Y), all on one θ scale (put
// population 1's distribution on the base scale with
// LinkConstants.TransformQuadrature). Equipercentile equating of fx to fy
// (package analysis/equate, IRTObserved) completes the method. It panics if
// w1 is outside [0, 1].
func ObservedScoreDists(x, y []Item, pop1, pop2 Quadrature, w1 float64) (fx, fy []float64) {
	if !(w1 >= 0 && w1 <= 1) {
		panic("irt: ObservedScoreDists: w1 outside [0, 1]")
	}
	mix := func(items []Item) []float64 {
		out := make([]float64, len(items)+1)
		for _, p := range [2]struct {
			q Quadrature
			w float64
		}{{pop1, w1}, {pop2, 1 - w1}} {
			if p.w == 0 {
				continue
			}
			for k, v := range SummedScoreDist(items, p.q) {
				out[k] += p.w * v
			}
		}
		return out
	}
	return mix(x), mix(y)
}
