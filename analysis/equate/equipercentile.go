package equate

import (
	"fmt"
	"math"
)

// PercentileRanks returns the percentile rank of every integer score
// x = 0..K of the distribution f (counts or proportions), as a proportion
// (Kolen & Brennan's P(x)/100, K&B 2014, ch. 2):
//
//	P(x) = F(x − 1) + ½·f(x),
//
// where f is normalised to sum to 1 and F is its cumulative distribution.
// Scores are continuized by spreading each score's mass uniformly over
// [x − ½, x + ½].
func PercentileRanks(f []float64) []float64 {
	n := eqSum(f)
	p := make([]float64, len(f))
	var cum float64
	for x, c := range f {
		p[x] = (cum + 0.5*c) / n
		cum += c
	}
	return p
}

// PercentileRankAt returns the percentile rank (as a proportion) of a
// possibly non-integer score s under the continuized distribution f
// (K&B 2014, ch. 2 with x* = round-half-up(s)):
//
//	P(s) = F(x* − 1) + (s − (x* − ½))·f(x*),
//
// which is 0 below −½ and 1 above K + ½. This is equate's px(x, y).
func PercentileRankAt(f []float64, s float64) float64 {
	n := eqSum(f)
	xs := math.Floor(s + 0.5)
	switch {
	case xs < 0:
		return 0
	case xs > float64(len(f)-1):
		return 1
	}
	k := int(xs)
	var flow float64
	for x := 0; x < k; x++ {
		flow += f[x]
	}
	flow /= n
	return flow + (s-(xs-0.5))*f[k]/n
}

// eqSum is the sum of a slice.
func eqSum(f []float64) float64 {
	var s float64
	for _, v := range f {
		s += v
	}
	return s
}

// eqRound10 rounds to 10 decimals, as equate does before comparing
// percentile ranks with cumulative proportions, so that ties computed by
// different sums compare equal.
func eqRound10(v float64) float64 { return math.Round(v*1e10) / 1e10 }

// equipercentileInverse returns the form Y scores whose percentile ranks
// (proportions) in the distribution fy are p, by the inverse of the
// continuized cumulative distribution (K&B 2014, ch. 2): with y_U the
// smallest score whose cumulative proportion F(y_U) exceeds p,
//
//	e_Y = (p − F(y_U − 1)) / (F(y_U) − F(y_U − 1)) + (y_U − ½).
//
// When fy has a score with zero frequency, the result is the mean of this
// upper definition and the lower one (K&B 2014, ch. 2 and the
// discussion of zero frequencies in ch. 2): with y_L the largest score whose
// F(y_L) is below p, e_Y = (p − F(y_L))/(F(y_L + 1) − F(y_L)) + (y_L + ½);
// both agree wherever the neighbouring frequencies are positive. The
// lower definition is skipped for p ≤ F(0), where no y_L exists.
//
// Ends, following R's equate: p = 0 (a score below every observed score)
// maps to −½, the bottom of the continuized scale, and p = 1 maps to
// K_Y + ½. The comparisons that choose y_U and y_L use F (and, with
// round10, p) rounded to 10 decimals, as equate does, so that ties computed
// by different sums compare equal; the interpolation uses the exact values
// (equate's rounded ones would add an error of up to 1e-10/f(y), large in
// the far tails of a model-implied distribution).
func equipercentileInverse(p []float64, fy []float64, round10 bool) []float64 {
	n := eqSum(fy)
	ky := len(fy) - 1
	cum := make([]float64, len(fy))  // exact cumulative proportions
	cumR := make([]float64, len(fy)) // rounded, for the comparisons
	zero := false
	var c float64
	for y, v := range fy {
		c += v
		cum[y] = c / n
		cumR[y] = eqRound10(cum[y])
		if v == 0 {
			zero = true
		}
	}
	out := make([]float64, len(p))
	for i, pi := range p {
		pr := pi
		if round10 {
			pr = eqRound10(pi)
		}
		switch {
		case pr <= 0:
			out[i] = -0.5
			continue
		case pr >= 1:
			out[i] = float64(ky) + 0.5
			continue
		}
		// Upper: y_U = smallest y with F(y) > p.
		yu := 0
		for yu < ky && cumR[yu] <= pr {
			yu++
		}
		var fprev float64
		if yu > 0 {
			fprev = cum[yu-1]
		}
		e := float64(yu) - 0.5 + (pi-fprev)/(cum[yu]-fprev)
		if zero && pr > cumR[0] {
			// Lower: y_L = largest y with F(y) < p.
			yl := -1
			for yl+1 <= ky && cumR[yl+1] < pr {
				yl++
			}
			el := float64(yl) + 0.5 + (pi-cum[yl])/(cum[yl+1]-cum[yl])
			e = 0.5 * (e + el)
		}
		out[i] = e
	}
	return out
}

// EquipercentileFreq equates form X to form Y by equipercentile equating
// of the two score distributions fx (scores 0..K_X) and fy (0..K_Y), counts
// or proportions: e_Y(x) = P_Y⁻¹(P_X(x)) with K&B's percentile ranks and
// inverse (K&B 2014, ch. 2; see PercentileRanks). Scores of X below the
// lowest score with a positive frequency map to −½ and scores above the
// highest to K_Y + ½, as in R's equate; an X score above K_Y + ½ with a
// percentile rank of 1 maps to itself (equate's rule for a longer form X).
//
// It returns an error if either distribution is empty, has a negative or
// non-finite entry, or sums to zero.
//
// Reference: Kolen, M. J. & Brennan, R. L. (2014). Test Equating, Scaling,
// and Linking (3rd ed.), ch. 2. Springer.
func EquipercentileFreq(fx, fy []float64) ([]float64, error) {
	if err := eqCheckDist(fx, "X"); err != nil {
		return nil, err
	}
	if err := eqCheckDist(fy, "Y"); err != nil {
		return nil, err
	}
	p := PercentileRanks(fx)
	e := equipercentileInverse(p, fy, true)
	ky := float64(len(fy) - 1)
	for x := range e {
		if eqRound10(p[x]) >= 1 && float64(x) > ky+0.5 {
			e[x] = float64(x)
		}
	}
	return e, nil
}

func eqCheckDist(f []float64, form string) error {
	if len(f) == 0 {
		return fmt.Errorf("equate: form %s: empty score distribution", form)
	}
	var s float64
	for x, v := range f {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("equate: form %s: frequency %g at score %d is not a finite non-negative number", form, v, x)
		}
		s += v
	}
	if !(s > 0) {
		return fmt.Errorf("equate: form %s: no candidates (frequencies sum to 0)", form)
	}
	return nil
}
