package equate

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Method is an observed-score equating method. Mean, Linear and
// Equipercentile are for the random groups design (two univariate tables,
// or the total-score margins of bivariate ones); the others are for the
// common-item nonequivalent groups (NEAT) design and need (total, anchor)
// tables. The zero Method is invalid.
type Method int

// The equating methods (Kolen & Brennan, 2014).
const (
	Mean                  Method = iota + 1 // random groups mean equating (ch. 2)
	Linear                                  // random groups linear equating (ch. 2)
	Equipercentile                          // random groups equipercentile equating (ch. 2), optionally presmoothed (ch. 3)
	Tucker                                  // Tucker linear (ch. 4)
	LevineObserved                          // Levine observed-score linear (ch. 4)
	LevineTrue                              // Levine true-score linear (ch. 4)
	BraunHolland                            // Braun–Holland linear (ch. 5)
	ChainedLinear                           // chained linear (ch. 4)
	FrequencyEstimation                     // frequency estimation (post-stratification) equipercentile (ch. 5)
	ChainedEquipercentile                   // chained equipercentile (ch. 5)
	IRTObserved                             // IRT observed-score equating (ch. 6); see EquateIRTObserved
)

var methodNames = map[Method]string{
	Mean:                  "mean",
	Linear:                "linear",
	Equipercentile:        "equipercentile",
	Tucker:                "tucker",
	LevineObserved:        "levine-observed",
	LevineTrue:            "levine-true",
	BraunHolland:          "braun-holland",
	ChainedLinear:         "chained-linear",
	FrequencyEstimation:   "frequency-estimation",
	ChainedEquipercentile: "chained-equipercentile",
	IRTObserved:           "irt-observed",
}

// String returns the method's name as ParseMethod reads it, e.g.
// "levine-observed".
func (m Method) String() string {
	if s, ok := methodNames[m]; ok {
		return s
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// ParseMethod reads a method name in any case, with '-', '_' or ' ' between
// words: mean, linear, equipercentile, tucker, levine-observed (or levine),
// levine-true, braun-holland, chained-linear, frequency-estimation (or fe),
// chained-equipercentile (or chained).
func ParseMethod(s string) (Method, error) {
	k := strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "levine":
		return LevineObserved, nil
	case "fe", "frequency":
		return FrequencyEstimation, nil
	case "chained":
		return ChainedEquipercentile, nil
	case "equip":
		return Equipercentile, nil
	}
	for m, name := range methodNames {
		if name == k {
			return m, nil
		}
	}
	return 0, fmt.Errorf("equate: unknown method %q: want mean, linear, equipercentile, tucker, levine-observed, levine-true, braun-holland, chained-linear, frequency-estimation or chained-equipercentile", s)
}

// NEAT reports whether the method needs anchor scores.
func (m Method) NEAT() bool { return m >= Tucker && m <= ChainedEquipercentile }

// IsLinear reports whether the method's equating function is a line.
func (m Method) IsLinear() bool {
	switch m {
	case Mean, Linear, Tucker, LevineObserved, LevineTrue, BraunHolland, ChainedLinear:
		return true
	}
	return false
}

// Options tunes Equate. The zero value gives R equate's results for
// equate(x, y, type, method, ws = 1): the synthetic population is
// population 1, the anchor is internal, no presmoothing.
type Options struct {
	// W2 is the weight w2 = 1 − w1 of population 2 (the group that took
	// form Y) in the synthetic population of the Tucker, Levine observed,
	// Braun–Holland and frequency estimation methods (K&B 2014, ch. 4). The
	// zero value gives w1 = 1, the synthetic population is the one that
	// took form X (equate's ws = 1); 0.5 weights both groups equally, and
	// ProportionalW2 weights them by sample size (equate's default ws = −1).
	// It must be in [0, 1].
	W2 float64

	// ExternalAnchor states that the anchor score is not part of the total
	// score. Only the Levine methods depend on it (K&B 2014, ch. 4); the
	// default is an internal anchor, as in equate (internal =
	// TRUE) and in the KBneat example.
	ExternalAnchor bool

	// MeanOnly makes a linear method a mean equating: the slope is fixed at
	// 1 and the intercept matches the (synthetic) means, e.g. Tucker mean
	// equating (equate's type = "mean").
	MeanOnly bool

	// Smooth is log-linear presmoothing for the equipercentile methods
	// (ignored by the linear ones): univariate for Equipercentile, bivariate
	// (total × anchor, see LogLinearBivariate) for FrequencyEstimation and
	// ChainedEquipercentile. The zero value is no presmoothing.
	Smooth Smoothing
}

// ProportionalW2 returns N2/(N1 + N2), the weight of population 2 when the
// synthetic population weights the groups by their sizes.
func ProportionalW2(x, y *Table) float64 {
	n1, n2 := x.N(), y.N()
	return n2 / (n1 + n2)
}

// Result is an equating of form X to form Y.
type Result struct {
	Method Method
	// Yx[x] is the form Y equivalent of form X score x, x = 0..K_X.
	Yx []float64
	// Slope and Intercept of a linear method, e_Y(x) = Slope·x + Intercept;
	// NaN for the equipercentile methods.
	Slope, Intercept float64
	// W1 is the synthetic weight of population 1 used, NaN for methods
	// without a synthetic population (random groups, chained, Levine true).
	W1 float64
	// Gamma1, Gamma2 are the Tucker or Levine γ's (K&B 2014, ch. 4);
	// NaN otherwise.
	Gamma1, Gamma2 float64
	// SyntheticX and SyntheticY are, for frequency estimation and
	// Braun–Holland, the synthetic-population distributions of X and Y as
	// proportions; nil otherwise.
	SyntheticX, SyntheticY []float64
	// SmoothX and SmoothY are the presmoothed tables; nil without
	// presmoothing.
	SmoothX, SmoothY *Table
}

// ErrDesign is returned (wrapped) when the tables do not fit the method:
// a NEAT method without anchor scores, or anchors of different lengths.
var ErrDesign = errors.New("equate: tables do not fit the equating design")

// Equate equates form X (table x) to form Y (table y) by method m.
//
// x and y are the score tables of the two groups: univariate or bivariate
// for the random groups methods (only the total-score margins are used),
// bivariate (total × anchor, the same anchor scale) for the NEAT methods.
// Each method's doc comment and the package documentation give its
// formulas and sources. Equate returns an error wrapping ErrDesign for
// tables that do not fit the method, an error for an empty group or a
// zero variance, and one wrapping ErrSmoothing when presmoothing fails.
func Equate(x, y *Table, m Method, opts Options) (*Result, error) {
	if x == nil || y == nil {
		return nil, fmt.Errorf("%w: nil table", ErrDesign)
	}
	if !(opts.W2 >= 0 && opts.W2 <= 1) {
		return nil, fmt.Errorf("equate: synthetic weight w2 = %g outside [0, 1]", opts.W2)
	}
	if x.N() <= 1 || y.N() <= 1 {
		return nil, fmt.Errorf("equate: need more than one candidate in each group (got %g and %g)", x.N(), y.N())
	}
	if m.NEAT() {
		if !x.HasAnchor() || !y.HasAnchor() {
			return nil, fmt.Errorf("%w: %v needs (total, anchor) tables for both groups", ErrDesign, m)
		}
		if x.maxAnchor != y.maxAnchor {
			return nil, fmt.Errorf("%w: anchor scales 0..%d and 0..%d differ", ErrDesign, x.maxAnchor, y.maxAnchor)
		}
	}
	switch m {
	case Mean, Linear:
		return equateRandomLinear(x, y, m == Mean || opts.MeanOnly)
	case Equipercentile:
		return equateRandomEquipercentile(x, y, opts)
	case Tucker, LevineObserved, LevineTrue, ChainedLinear, BraunHolland:
		return equateNEATLinear(x, y, m, opts)
	case FrequencyEstimation:
		return equateFrequencyEstimation(x, y, opts)
	case ChainedEquipercentile:
		return equateChainedEquipercentile(x, y, opts)
	case IRTObserved:
		return nil, fmt.Errorf("%w: IRT observed-score equating works from item parameters (EquateIRTObserved), not score tables", ErrDesign)
	}
	return nil, fmt.Errorf("equate: invalid method %v", m)
}

// newLinearResult fills Yx from a line.
func newLinearResult(m Method, kx int, slope, intercept float64) (*Result, error) {
	if math.IsNaN(slope) || math.IsInf(slope, 0) || math.IsNaN(intercept) || math.IsInf(intercept, 0) {
		return nil, fmt.Errorf("equate: %v: undefined line (slope %g, intercept %g): a score has zero variance", m, slope, intercept)
	}
	r := &Result{Method: m, Slope: slope, Intercept: intercept, Yx: make([]float64, kx+1),
		W1: math.NaN(), Gamma1: math.NaN(), Gamma2: math.NaN()}
	for s := range r.Yx {
		r.Yx[s] = slope*float64(s) + intercept
	}
	return r, nil
}

// equateRandomLinear is random groups mean or linear equating (K&B 2014,
// ch. 2): e_Y(x) = σ(Y)/σ(X)·(x − μ(X)) + μ(Y), with slope 1 for
// mean equating. SDs use the divisor N − 1, as R's equate.
func equateRandomLinear(x, y *Table, meanOnly bool) (*Result, error) {
	mx, sx := freqMoments(x.Total())
	my, sy := freqMoments(y.Total())
	slope := 1.0
	m := Mean
	if !meanOnly {
		slope = sy / sx
		m = Linear
	}
	return newLinearResult(m, x.maxScore, slope, my-slope*mx)
}

// equateRandomEquipercentile is random groups equipercentile equating of
// the total-score margins, after univariate log-linear presmoothing of
// each when opts.Smooth.Degree > 0 (K&B 2014, ch. 2 and 3).
func equateRandomEquipercentile(x, y *Table, opts Options) (*Result, error) {
	fx, fy := x.Total(), y.Total()
	r := &Result{Method: Equipercentile, Slope: math.NaN(), Intercept: math.NaN(), W1: math.NaN(),
		Gamma1: math.NaN(), Gamma2: math.NaN()}
	if opts.Smooth.Degree > 0 {
		var err error
		if fx, err = LogLinear(fx, opts.Smooth.Degree); err != nil {
			return nil, fmt.Errorf("smoothing form X: %w", err)
		}
		if fy, err = LogLinear(fy, opts.Smooth.Degree); err != nil {
			return nil, fmt.Errorf("smoothing form Y: %w", err)
		}
		r.SmoothX, _ = NewFreq(fx)
		r.SmoothY, _ = NewFreq(fy)
	}
	yx, err := EquipercentileFreq(fx, fy)
	if err != nil {
		return nil, err
	}
	r.Yx = yx
	return r, nil
}
