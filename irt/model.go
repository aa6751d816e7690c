package irt

import (
	"fmt"
	"math"
	"strings"
)

// Model identifies a dichotomous item response model.
type Model int

// The dichotomous models. The zero Model is invalid, so that an unset option is
// detectable.
const (
	Rasch   Model = iota + 1 // one-parameter logistic with a = 1 (Rasch, 1960)
	TwoPL                    // two-parameter logistic (Birnbaum, 1968)
	ThreePL                  // three-parameter logistic with lower asymptote c (Birnbaum, 1968)
)

// String returns the model's name as the command line spells it: "rasch",
// "2pl" or "3pl".
func (m Model) String() string {
	switch m {
	case Rasch:
		return "rasch"
	case TwoPL:
		return "2pl"
	case ThreePL:
		return "3pl"
	}
	return fmt.Sprintf("Model(%d)", int(m))
}

// ParseModel reads a model name: rasch (or 1pl), 2pl or 3pl, in any case.
func ParseModel(s string) (Model, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "rasch", "1pl":
		return Rasch, nil
	case "2pl":
		return TwoPL, nil
	case "3pl":
		return ThreePL, nil
	}
	return 0, fmt.Errorf("irt: unknown model %q: want rasch, 2pl or 3pl", s)
}

// NumParams is the number of free item parameters the model estimates per
// item: 1 for Rasch (d), 2 for 2PL (a, d), 3 for 3PL (a, d, logit c).
func (m Model) NumParams() int {
	switch m {
	case Rasch:
		return 1
	case TwoPL:
		return 2
	case ThreePL:
		return 3
	}
	panic("irt: invalid model")
}

// Item is a dichotomous item in slope–intercept form,
//
//	P(θ) = c + (1 − c) / (1 + exp(−(a·θ + d))),
//
// with slope A, intercept D and lower asymptote C in the logistic metric.
// The difficulty is b = −d/a (see B). Rasch items have A = 1 and C = 0, 2PL
// items C = 0.
//
// Item information is
//
//	I(θ) = a² · (P − c)² / (1 − c)² · (1 − P) / P,
//
// which reduces to a²·P·(1 − P) when c = 0.
//
// Reference: Baker, F. B. & Kim, S.-H. (2004). Item Response Theory:
// Parameter Estimation Techniques (2nd ed.), ch. 2 and 3. Marcel Dekker.
type Item struct {
	Model   Model
	A, D, C float64
}

// NewItemIRT builds an item from the IRT parameterisation (a, b, c):
// d = −a·b.
func NewItemIRT(m Model, a, b, c float64) Item {
	if m == Rasch {
		a = 1
	}
	if m != ThreePL {
		c = 0
	}
	return Item{Model: m, A: a, D: -a * b, C: c}
}

// B returns the difficulty b = −d/a.
func (it Item) B() float64 { return -it.D / it.A }

// Logistic returns 1/(1 + exp(−x)), computed without overflow.
func Logistic(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Prob returns P(θ), the probability of a correct response at ability theta.
func (it Item) Prob(theta float64) float64 {
	p := Logistic(it.A*theta + it.D)
	if it.C == 0 {
		return p
	}
	return it.C + (1-it.C)*p
}

// Info returns the Fisher information I(θ) of the item at theta.
func (it Item) Info(theta float64) float64 {
	ps := Logistic(it.A*theta + it.D) // P*(θ), the logistic part
	if it.C == 0 {
		return it.A * it.A * ps * (1 - ps)
	}
	p := it.C + (1-it.C)*ps
	// dP/dθ = (1−c)·a·P*(1−P*)
	dp := (1 - it.C) * it.A * ps * (1 - ps)
	return dp * dp / (p * (1 - p))
}

// DProb returns dP/dθ at theta.
func (it Item) DProb(theta float64) float64 {
	ps := Logistic(it.A*theta + it.D)
	return (1 - it.C) * it.A * ps * (1 - ps)
}

// TCC returns the test characteristic curve Σ_j P_j(θ), the expected raw
// score at theta.
func TCC(items []Item, theta float64) float64 {
	var s float64
	for _, it := range items {
		s += it.Prob(theta)
	}
	return s
}

// TestInfo returns the test information Σ_j I_j(θ). The conditional standard
// error of θ̂ is 1/√I(θ).
func TestInfo(items []Item, theta float64) float64 {
	var s float64
	for _, it := range items {
		s += it.Info(theta)
	}
	return s
}
