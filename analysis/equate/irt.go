package equate

import (
	"fmt"
	"math"

	"github.com/itemlab/itemlab/irt"
)

// EquateIRTObserved is IRT observed-score equating of form X to form Y (K&B
// 2014, ch. 6; Lord & Wingersky, 1984): the model-implied number-correct
// distributions of both forms in the synthetic population
// (irt.ObservedScoreDists: w1 on population 1's latent distribution pop1,
// 1 − w1 on population 2's pop2) are equated by EquipercentileFreq. The
// items and both latent distributions must be on one θ scale (link form X
// first; put pop1 on the base scale with irt.LinkConstants.
// TransformQuadrature). The result's Method is IRTObserved and its
// SyntheticX, SyntheticY hold the two distributions.
//
// Design: package irt computes the distributions (pure IRT), this package
// the equipercentile step, so the percentile-rank code exists once.
func EquateIRTObserved(x, y []irt.Item, pop1, pop2 irt.Quadrature, w1 float64) (*Result, error) {
	if len(x) == 0 || len(y) == 0 {
		return nil, fmt.Errorf("equate: IRT observed-score equating needs items on both forms")
	}
	if !(w1 >= 0 && w1 <= 1) {
		return nil, fmt.Errorf("equate: synthetic weight w1 = %g outside [0, 1]", w1)
	}
	for _, q := range []irt.Quadrature{pop1, pop2} {
		if len(q.Nodes) == 0 || len(q.Nodes) != len(q.Weights) {
			return nil, fmt.Errorf("equate: IRT observed-score equating: latent distribution with %d nodes and %d weights", len(q.Nodes), len(q.Weights))
		}
	}
	fx, fy := irt.ObservedScoreDists(x, y, pop1, pop2, w1)
	yx, err := EquipercentileFreq(fx, fy)
	if err != nil {
		return nil, err
	}
	return &Result{Method: IRTObserved, Yx: yx, Slope: math.NaN(), Intercept: math.NaN(),
		W1: w1, Gamma1: math.NaN(), Gamma2: math.NaN(), SyntheticX: fx, SyntheticY: fy}, nil
}
