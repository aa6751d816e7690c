package irt

import "math"

// Anchored (fixed-parameter) calibration.
//
// With MMLOptions.Fixed, the fixed items keep their Start values and set the
// scale; the free items are estimated under MMLOptions.Model, and the latent
// distribution's mean and sd (or histogram) are re-estimated from the
// posterior in every EM cycle, the prior weights of the next E-step being
// updated each time. Kim (2006) calls this multiple weights updating with
// multiple EM cycles (MWU-MEM) and finds it the most accurate of the fixed
// parameter calibration methods; Result.PriorUpdate records "MWU-MEM".
//
// Reference: Kim, S. (2006). A comparative study of IRT fixed parameter
// calibration methods. Journal of Educational Measurement, 43(4), 355–381.

// displacement returns, for every fixed item, b_free − b_fixed, where b_free
// is the difficulty the item's M-step would reach if the item alone were
// freed under the final posterior (the expected counts st of the last
// E-step): how far the data pull the anchor from its bank value, on the θ
// scale (the "displacement" of Winsteps' anchored runs). Free items get NaN.
func (f *mmlFit) displacement(st *mmlStats, items []Item) []float64 {
	disp := make([]float64, f.J)
	nbuf := make([]float64, f.Q)
	for j, it := range items {
		if !f.fixed[j] {
			disp[j] = math.NaN()
			continue
		}
		m := it.Model
		tg := f.target(st, j, nbuf)
		start := it
		if m == ThreePL && start.C <= 0 {
			start.C = Logistic(mmlLogitCMin)
		}
		var pr *mmlPriors
		if m == f.model {
			pr = f.pr
		}
		freed, ok := mmlMStepItem(m, start, &tg, pr)
		if !ok {
			disp[j] = math.NaN()
			continue
		}
		disp[j] = freed.B() - it.B()
	}
	return disp
}
