package equate

import (
	"fmt"
	"math"
)

// equateNEATLinear computes the linear NEAT methods. Population 1 took form
// X (table x), population 2 form Y (table y); V is the anchor; w1 = 1 − w2.
// Moments are sample moments with the divisor N − 1 (as R's equate).
//
// Tucker and Levine observed score (K&B 2014, ch. 4):
// the synthetic means and variances
//
//	μ_s(X)  = μ1(X) − w2·γ1·[μ1(V) − μ2(V)]
//	μ_s(Y)  = μ2(Y) + w1·γ2·[μ1(V) − μ2(V)]
//	σ²_s(X) = σ²1(X) − w2·γ1²·[σ²1(V) − σ²2(V)] + w1·w2·γ1²·[μ1(V) − μ2(V)]²
//	σ²_s(Y) = σ²2(Y) + w1·γ2²·[σ²1(V) − σ²2(V)] + w1·w2·γ2²·[μ1(V) − μ2(V)]²
//
// give e_Y(x) = σ_s(Y)/σ_s(X)·[x − μ_s(X)] + μ_s(Y), with
//
//	Tucker:                    γ1 = σ1(X,V)/σ²1(V),  γ2 = σ2(Y,V)/σ²2(V)
//	Levine, internal anchor:   γ1 = σ²1(X)/σ1(X,V),  γ2 = σ²2(Y)/σ2(Y,V)
//	Levine, external anchor:   γ1 = [σ²1(X) + σ1(X,V)]/[σ²1(V) + σ1(X,V)], γ2 likewise.
//
// Levine true score (K&B 2014, ch. 4): e_Y(x) = (γ2/γ1)·[x − μ1(X)] +
// μ2(Y) + γ2·[μ1(V) − μ2(V)], with the Levine γ's, independent of the
// weights.
//
// Chained linear (K&B 2014, ch. 4; von Davier et al. 2004): X → V in
// population 1, then V → Y in population 2,
//
//	e_Y(x) = μ2(Y) + σ2(Y)/σ2(V)·{μ1(V) + σ1(V)/σ1(X)·[x − μ1(X)] − μ2(V)}.
//
// Braun–Holland (K&B 2014, ch. 5): linear equating with the means and SDs
// of the frequency-estimation synthetic distributions (population moments
// of the synthetic proportions).
//
// With MeanOnly the slope is 1 and the intercept matches the same means.
func equateNEATLinear(x, y *Table, m Method, opts Options) (*Result, error) {
	w2 := opts.W2
	w1 := 1 - w2
	if m == BraunHolland {
		fx, gy, err := feSynthetic(x, y, w1)
		if err != nil {
			return nil, err
		}
		mx, sx := distMoments(fx)
		my, sy := distMoments(gy)
		slope := sy / sx
		if opts.MeanOnly {
			slope = 1
		}
		r, err := newLinearResult(m, x.maxScore, slope, my-slope*mx)
		if err != nil {
			return nil, err
		}
		r.W1, r.SyntheticX, r.SyntheticY = w1, fx, gy
		return r, nil
	}
	p1, p2 := x.moments(), y.moments()
	if m == ChainedLinear {
		s1, s2 := p2.sx/p2.sv, p1.sv/p1.sx
		if opts.MeanOnly {
			s1, s2 = 1, 1
		}
		intercept := s1*(p1.mv-s2*p1.mx-p2.mv) + p2.mx
		return newLinearResult(m, x.maxScore, s1*s2, intercept)
	}
	var g1, g2 float64
	switch {
	case m == Tucker:
		g1, g2 = p1.cxv/p1.vv, p2.cxv/p2.vv
	case opts.ExternalAnchor:
		g1 = (p1.vx + p1.cxv) / (p1.vv + p1.cxv)
		g2 = (p2.vx + p2.cxv) / (p2.vv + p2.cxv)
	default:
		g1, g2 = p1.vx/p1.cxv, p2.vx/p2.cxv
	}
	dm := p1.mv - p2.mv
	var slope, intercept float64
	if m == LevineTrue {
		slope = g2 / g1
		if opts.MeanOnly {
			slope = 1
		}
		intercept = p2.mx + g2*dm - slope*p1.mx
	} else {
		dv := p1.vv - p2.vv
		msx := p1.mx - w2*g1*dm
		msy := p2.mx + w1*g2*dm
		vsx := p1.vx - w2*g1*g1*dv + w1*w2*g1*g1*dm*dm
		vsy := p2.vx + w1*g2*g2*dv + w1*w2*g2*g2*dm*dm
		if !(vsx > 0) || !(vsy > 0) {
			return nil, fmt.Errorf("equate: %v: synthetic variances %g and %g are not positive", m, vsx, vsy)
		}
		slope = math.Sqrt(vsy / vsx)
		if opts.MeanOnly {
			slope = 1
		}
		intercept = msy - slope*msx
	}
	r, err := newLinearResult(m, x.maxScore, slope, intercept)
	if err != nil {
		return nil, err
	}
	r.Gamma1, r.Gamma2 = g1, g2
	if m != LevineTrue {
		r.W1 = w1
	}
	return r, nil
}

// distMoments returns the mean and the population SD of a distribution of
// proportions.
func distMoments(f []float64) (mean, sd float64) {
	var n, s, ss float64
	for x, c := range f {
		n += c
		s += c * float64(x)
		ss += c * float64(x) * float64(x)
	}
	mean = s / n
	return mean, math.Sqrt(ss/n - mean*mean)
}

// feSynthetic returns the frequency-estimation synthetic distributions of
// X and Y as proportions (K&B 2014, ch. 5):
//
//	f_s(x) = w1·f1(x) + w2·Σ_v f1(x | v)·h2(v)
//	g_s(y) = w1·Σ_v g2(y | v)·h1(v) + w2·g2(y)
//
// where h1, h2 are the anchor distributions of the two populations. Anchor
// scores observed in only one population contribute nothing to the
// conditional sums, and each distribution is renormalised to sum to 1 (as R
// equate's pse and equip do).
func feSynthetic(x, y *Table, w1 float64) (fs, gs []float64, err error) {
	w2 := 1 - w1
	n1, n2 := x.N(), y.N()
	h1, h2 := x.Anchor(), y.Anchor()
	nc := x.cols()
	fs = make([]float64, x.maxScore+1)
	gs = make([]float64, y.maxScore+1)
	for xs := 0; xs <= x.maxScore; xs++ {
		for v := 0; v < nc; v++ {
			c := x.counts[xs*nc+v]
			if c == 0 {
				continue
			}
			fs[xs] += w1*c/n1 + w2*(c/h1[v])*(h2[v]/n2)
		}
	}
	for ys := 0; ys <= y.maxScore; ys++ {
		for v := 0; v < nc; v++ {
			c := y.counts[ys*nc+v]
			if c == 0 {
				continue
			}
			gs[ys] += w1*(c/h2[v])*(h1[v]/n1) + w2*c/n2
		}
	}
	sf, sg := eqSum(fs), eqSum(gs)
	if !(sf > 0) || !(sg > 0) {
		return nil, nil, fmt.Errorf("equate: frequency estimation: the two groups share no anchor score")
	}
	for i := range fs {
		fs[i] /= sf
	}
	for i := range gs {
		gs[i] /= sg
	}
	return fs, gs, nil
}

// smoothNEAT presmooths both bivariate tables when asked.
func smoothNEAT(x, y *Table, opts Options, r *Result) (*Table, *Table, error) {
	if opts.Smooth.Degree == 0 {
		return x, y, nil
	}
	sx, err := LogLinearBivariate(x, opts.Smooth)
	if err != nil {
		return nil, nil, fmt.Errorf("smoothing form X: %w", err)
	}
	sy, err := LogLinearBivariate(y, opts.Smooth)
	if err != nil {
		return nil, nil, fmt.Errorf("smoothing form Y: %w", err)
	}
	r.SmoothX, r.SmoothY = sx, sy
	return sx, sy, nil
}

// equateFrequencyEstimation is frequency estimation equipercentile
// equating (K&B 2014, ch. 5): equipercentile equating of the synthetic
// distributions of feSynthetic, after bivariate presmoothing when asked.
//
// Reference: Kolen & Brennan (2014), ch. 5; Angoff (1971).
func equateFrequencyEstimation(x, y *Table, opts Options) (*Result, error) {
	r := &Result{Method: FrequencyEstimation, Slope: math.NaN(), Intercept: math.NaN(),
		Gamma1: math.NaN(), Gamma2: math.NaN(), W1: 1 - opts.W2}
	x, y, err := smoothNEAT(x, y, opts, r)
	if err != nil {
		return nil, err
	}
	fs, gs, err := feSynthetic(x, y, r.W1)
	if err != nil {
		return nil, err
	}
	r.SyntheticX, r.SyntheticY = fs, gs
	if r.Yx, err = EquipercentileFreq(fs, gs); err != nil {
		return nil, err
	}
	return r, nil
}

// equateChainedEquipercentile is chained equipercentile equating (K&B 2014,
// ch. 5; Angoff 1971, "design V"): form X scores are equated to the anchor
// in population 1, e_V1(x), and the anchor to form Y in population 2:
//
//	e_Y(x) = e_Y2(e_V1(x)) = Q_Y2⁻¹( P_V2( e_V1(x) ) ),
//
// where P_V2 is the continuized percentile rank in population 2's anchor
// distribution at the non-integer score e_V1(x) (PercentileRankAt). Scores
// below population 1's lowest observed score map to −½ at the first step
// and so to −½ overall, as in R's equate.
func equateChainedEquipercentile(x, y *Table, opts Options) (*Result, error) {
	r := &Result{Method: ChainedEquipercentile, Slope: math.NaN(), Intercept: math.NaN(),
		Gamma1: math.NaN(), Gamma2: math.NaN(), W1: math.NaN()}
	x, y, err := smoothNEAT(x, y, opts, r)
	if err != nil {
		return nil, err
	}
	ev, err := EquipercentileFreq(x.Total(), x.Anchor())
	if err != nil {
		return nil, err
	}
	hv := y.Anchor()
	p := make([]float64, len(ev))
	for i, v := range ev {
		p[i] = PercentileRankAt(hv, v)
	}
	if err := eqCheckDist(y.Total(), "Y"); err != nil {
		return nil, err
	}
	r.Yx = equipercentileInverse(p, y.Total(), false)
	return r, nil
}
