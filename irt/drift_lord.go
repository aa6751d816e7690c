package irt

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// DriftStatistic selects the test ScreenDriftSE applies to each common
// item. The zero value means the caller's default: DriftB in DriftOptions.
type DriftStatistic int

const (
	// DriftB tests the difference of difficulties after linking,
	// z = (b_base − (A·b_new + B))/SE, two-sided.
	DriftB DriftStatistic = iota + 1
	// DriftLord is Lord's (1980, ch. 14) chi-square on the item's
	// parameters after linking: for item j,
	//
	//	δ_j = γ_base,j − T(γ_new,j),   T(a, d, logit c) = (a/A, d − a·B/A, logit c),
	//
	// with Σ_j the delta-method covariance of δ_j from both forms'
	// covariances and the link (the terms through A and B included, as
	// for DriftB). For Rasch and 2PL items it is X²_j = δ_jᵀ Σ_j⁻¹ δ_j on
	// the whole vector, df = the number of parameters (for a Rasch item
	// the square of DriftB's z). For a 3PL item it is the chi-square on
	// (a, d) given logit c, df 2: with δ = (δ_r, δ_c), r = (a, d),
	//
	//	δ_r|c = δ_r − Σ_rc Σ_cc⁻¹ δ_c,   Σ_r|c = Σ_rr − Σ_rc Σ_cc⁻¹ Σ_cr,
	//	X²_j = δ_r|cᵀ Σ_r|c⁻¹ δ_r|c = δ_jᵀ Σ_j⁻¹ δ_j − δ_c²/Σ_cc,
	//
	// the part of the whole-vector X² (DriftLordFull) that the difference
	// of the lower asymptotes does not explain (the conditional normal
	// distribution of δ_r given δ_c; e.g. Anderson, 2003, th. 2.5.1).
	// Why: with a prior on c (DefaultGuessPrior) the covariance a
	// calibration reports is the inverse of the posterior information
	// H = I + P, and P, the prior's information, sits on logit c alone.
	// The inverse of a partitioned matrix gives Σ_r|c = (H_rr)⁻¹ = (I_rr)⁻¹
	// and δ_r|c = H_rr⁻¹·(H·ε)_r for an estimation error ε = H⁻¹·score,
	// whose covariance is H_rr⁻¹ I_rr H_rr⁻¹ = I_rr⁻¹: the prior drops out,
	// and Σ_r|c is the sampling covariance to first order. The
	// whole-vector X² uses H⁻¹, larger than the sampling covariance of the
	// estimates (H⁻¹ I H⁻¹, PriorSandwich), which made it conservative
	// (mean 2.46 on df 3 without drift, drift_study_test.go) and cost
	// power; the sandwich itself is not positive definite for items whose
	// likelihood hardly determines c (15 of 500 anchors in the study), and
	// over-corrects (mean 3.42 on df 3). The conditional X² averages 1.97
	// on df 2 in the same study. When Σ_cc is zero (c at a bound, its
	// logit without variance) the test is on (a, d) alone.
	//
	// Reference: Anderson, T. W. (2003). An Introduction to Multivariate
	// Statistical Analysis, 3rd ed., Wiley, §2.5 (conditional normal
	// distributions); Lord (1980), ch. 14.
	DriftLord
	// DriftLordAB is Lord's chi-square on (a, b) only, df = 2 (1 for
	// Rasch): δ_j = (a_base − a_new/A, b_base − (A·b_new + B)). It leaves
	// out the lower asymptote of a 3PL item, which the data determine
	// poorly and which trades off with b; two items with the same (a, b)
	// and different c differ only at low θ.
	DriftLordAB
	// DriftArea tests the signed area between the item's characteristic
	// curves on the base scale over θ in [−3, 3] (Raju, 1988, 1990, on a
	// closed interval, as the area over the whole line is infinite when
	// the lower asymptotes differ),
	//
	//	SA_j = ∫_{−3}^{3} (P_base,j(θ) − P_linked,j(θ)) dθ,   z = SA_j/SE(SA_j),
	//
	// two-sided, with SE(SA_j) by the delta method through both items and
	// the link; ChiSq = z², df 1.
	//
	// References: Raju, N. S. (1988). The area between two item
	// characteristic curves. Psychometrika, 53, 495–502. Raju, N. S.
	// (1990). Determining the significance of estimated signed and
	// unsigned areas between two item response functions. Applied
	// Psychological Measurement, 14, 197–207.
	DriftArea
	// DriftLordFull is Lord's chi-square on the whole parameter vector
	// δ_j for every model, df = the number of parameters: DriftLord's
	// statistic before it conditions on logit c for 3PL items (for Rasch
	// and 2PL items the two are the same).
	DriftLordFull
	// DriftLordB is the part of Lord's chi-square that a shift of the
	// item's difficulty with its slope held explains, df 1: with δ_j =
	// (δ_a, δ_d, δ_logit c) as for DriftLordFull, the X² of δ_d given the
	// other components (δ_a for a 2PL item, δ_a and δ_logit c for a 3PL
	// item; see DriftLord for the conditional distribution),
	//
	//	X²_j = (Σ_j⁻¹ δ_j)_d² / (Σ_j⁻¹)_dd,
	//
	// the Wald test of H0: d_base = d_linked with a and c as covariates.
	// With a and c held, d = −a·b moves with b alone, so to first order
	// it is the test of b given a and c: the Wald analogue of the
	// likelihood-ratio test of b with a and c held equal across groups in
	// IRT-LR-DIF (Thissen, Steinberg & Wainer, 1993). It is computed on d,
	// not b: Wald tests are not invariant to the parameterisation, and
	// b = −d/a behaves badly when a is poorly determined (on 3PL forms
	// calibrated without a prior on c, b given a dropped an identical anchor
	// in 14 of 20 seeds, d given a in 3; TestStudyDriftNoPrior). For a
	// Rasch item it is DriftLord (and DriftB's z²). With a prior on c alone
	// the prior drops out of it as of DriftLord's conditional X²
	// (Σ_d|a,c = 1/H_dd = 1/I_dd).
	//
	// Reference: Thissen, D., Steinberg, L. & Wainer, H. (1993). Detection
	// of differential item functioning using the parameters of item
	// response models. In P. W. Holland & H. Wainer (Eds.), Differential
	// Item Functioning (pp. 67–113). Erlbaum.
	DriftLordB
	// DriftLordSplit splits DriftLord's X² on (a, d) given logit c into
	// its two parts, each χ²₁ and independent of the other under no drift
	// (the decomposition of a quadratic form by successive conditioning),
	//
	//	X²(a, d | c) = X²(a | c) + X²(d | a, c),
	//
	// the slope's (X²(a | c); a 2PL item's X² on δ_a alone) and a
	// difficulty shift's with the slope held (DriftLordB's), tests each at
	// the Bonferroni level α/(2n) and reports the larger as ChiSq (df 1,
	// critical value χ²_{1, 1−α/(2n)}), both in DriftItem.SplitChiSq, and
	// in DriftItem.Component the parts beyond the critical value
	// ("slope", "difficulty" or "slope+difficulty"). A slope drift with b
	// kept moves d = −a·b too, so it may show in both parts; "difficulty"
	// alone means the slope part stayed below the critical value: as in
	// the sequential test, the slope is judged first. A Rasch item has the
	// difficulty part alone (still at α/(2n), so that every item has the
	// same critical value). This is the sequential Wald test of DIF in IRT
	// (the slope first, then the difficulty given the slope: Langer, 2008;
	// Woods, Cai & Wang, 2013) applied to drift between two calibrations:
	// a drift of difficulty is caught with the power of a 1-df test
	// instead of being spread over df 2 or 3, and a drift of
	// discrimination, which DriftLordB hardly sees, is still tested. For
	// the measured rates see analysis/linking's defaultStatistic and
	// drift_study_test.go.
	//
	// References: Langer, M. M. (2008). A reexamination of Lord's Wald
	// test for differential item functioning using item response theory
	// and modern error estimation (doctoral dissertation). University of
	// North Carolina at Chapel Hill. Woods, C. M., Cai, L. & Wang, M.
	// (2013). The Langer-improved Wald test for DIF testing with multiple
	// groups. Educational and Psychological Measurement, 73, 532–547.
	DriftLordSplit
)

// driftAreaPoints are the trapezoid nodes of DriftArea's integral over
// [−3, 3] on the base scale, 0.1 apart.
const driftAreaPoints = 61

func (s DriftStatistic) String() string {
	switch s {
	case 0:
		return "default"
	case DriftB:
		return "b"
	case DriftLord:
		return "lord"
	case DriftLordAB:
		return "lord-ab"
	case DriftArea:
		return "area"
	case DriftLordFull:
		return "lord-full"
	case DriftLordB:
		return "lord-b"
	case DriftLordSplit:
		return "lord-split"
	}
	return fmt.Sprintf("DriftStatistic(%d)", int(s))
}

// driftComponents returns, for common item i of the kept items kb, kn
// (linked by c with Jacobian jac over their parameters, base first), the
// components δ of statistic s and their gradients over γ, one row per
// component: (a, d, logit c) after linking for DriftLord, DriftLordFull,
// DriftLordB and DriftLordSplit, (a, b) for DriftLordAB, the signed area
// for DriftArea (each model's own parameters). Item i must have the same model on both forms.
// scaleD is the metric of the parameters (LinkOptions.ScaleD, zero for 1),
// which DriftArea's curves need.
func driftComponents(s DriftStatistic, i int, c LinkConstants, kb, kn []Item, jac *mat.Dense, scaleD float64) (delta []float64, grad [][]float64) {
	pb, pn := linkParamCount(kb), linkParamCount(kn)
	P := pb + pn
	ob, on := linkOffsets(kb, 0)[i], linkOffsets(kn, pb)[i]
	ib, in := kb[i], kn[i]
	if s == DriftArea {
		return driftArea(ib, in, ob, on, P, c, jac, scaleD)
	}
	pos := func(it Item, off int, name string) int {
		for k, nm := range it.Model.ParamNames() {
			if nm == name {
				return off + k
			}
		}
		return -1
	}
	ab, db, lb := pos(ib, ob, ParamA), pos(ib, ob, ParamD), pos(ib, ob, ParamLogitC)
	an, dn, ln := pos(in, on, ParamA), pos(in, on, ParamD), pos(in, on, ParamLogitC)
	add := func(g []float64, k int, v float64) {
		if k >= 0 {
			g[k] += v
		}
	}
	// row returns coefA·∇A + coefB·∇B.
	row := func(coefA, coefB float64) []float64 {
		g := make([]float64, P)
		for k := range g {
			g[k] = coefA*jac.At(0, k) + coefB*jac.At(1, k)
		}
		return g
	}
	A, B := c.A, c.B
	if ab >= 0 {
		// δ_a = a_base − a_new/A.
		g := row(in.A/(A*A), 0)
		add(g, ab, 1)
		add(g, an, -1/A)
		delta = append(delta, ib.A-in.A/A)
		grad = append(grad, g)
	}
	switch s {
	case DriftLordAB:
		// δ_b = b_base − A·b_new − B, b = −d/a.
		bn := in.B()
		g := row(-bn, -1)
		add(g, ab, ib.D/(ib.A*ib.A))
		add(g, db, -1/ib.A)
		add(g, an, -A*in.D/(in.A*in.A))
		add(g, dn, A/in.A)
		delta = append(delta, ib.B()-c.Theta(bn))
		grad = append(grad, g)
	default:
		// δ_d = d_base − d_new + a_new·B/A.
		g := row(-in.A*B/(A*A), in.A/A)
		add(g, db, 1)
		add(g, dn, -1)
		add(g, an, B/A)
		delta = append(delta, ib.D-in.D+in.A*B/A)
		grad = append(grad, g)
		if lb >= 0 {
			g := make([]float64, P)
			add(g, lb, 1)
			add(g, ln, -1)
			delta = append(delta, logit(ib.C)-logit(in.C))
			grad = append(grad, g)
		}
	}
	return delta, grad
}

// driftArea is DriftArea's δ = SA and its gradient.
func driftArea(ib, in Item, ob, on, P int, c LinkConstants, jac *mat.Dense, D float64) (delta []float64, grad [][]float64) {
	if D == 0 {
		D = 1
	}
	sb, sn := ScaleItems([]Item{ib}, D)[0], ScaleItems([]Item{in}, D)[0]
	g := make([]float64, P)
	var sa float64
	var dAB [2]float64
	var fb, fn linkCurve
	h := 6.0 / (driftAreaPoints - 1)
	for q := range driftAreaPoints {
		theta := -3 + h*float64(q)
		w := h
		if q == 0 || q == driftAreaPoints-1 {
			w = h / 2
		}
		linkEvalCurve(sb, theta, false, false, c, &fb)
		linkEvalCurve(sn, theta, true, false, c, &fn)
		sa += w * (fb.p - fn.p)
		for k := range fb.np {
			g[ob+k] += w * fb.dg[k]
		}
		for k := range fn.np {
			g[on+k] -= w * fn.dg[k]
		}
		for r := range 2 {
			dAB[r] -= w * fn.dphi[r]
		}
	}
	// Back to the given metric: a and d were multiplied by D.
	for _, set := range []struct {
		it  Item
		off int
	}{{ib, ob}, {in, on}} {
		for k, name := range set.it.Model.ParamNames() {
			if name != ParamLogitC {
				g[set.off+k] *= D
			}
		}
	}
	for k := range g {
		g[k] += dAB[0]*jac.At(0, k) + dAB[1]*jac.At(1, k)
	}
	return []float64{sa}, [][]float64{g}
}

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// driftCond returns, for statistic s on the items ib, in, the components
// of δ = (a, d, logit c) (driftComponents; those of the item's model) that
// the chi-square tests and those it conditions on; both nil for the plain
// X² on the whole vector.
//
// A 3PL item whose c is at a bound on either form (driftCInterior false)
// is not conditioned on c: (a, d), or d given a, as for a 2PL item. Its
// δ_logit c is then infinite (c exactly 0, as a parameter file from
// elsewhere may have it) or meaningless (FitMML's bound, with a logit-c
// SE in the thousands, as calibrations without a prior on c often give),
// and the normal limit that a Wald statistic rests on does not hold for
// an estimate on the boundary (Self & Liang, 1987).
//
// Reference: Self, S. G. & Liang, K.-Y. (1987). Asymptotic properties of
// maximum likelihood estimators and likelihood ratio tests under
// nonstandard conditions. JASA, 82, 605–610.
func driftCond(s DriftStatistic, ib, in Item) (tested, cond []int) {
	c3 := ib.Model == ThreePL && driftCInterior(ib, in)
	switch {
	case s == DriftLord && c3:
		return []int{0, 1}, []int{2}
	case s == DriftLord && ib.Model == ThreePL:
		return []int{0, 1}, nil
	case s == DriftLordB && c3:
		return []int{1}, []int{0, 2}
	case s == DriftLordB && ib.Model != Rasch:
		return []int{1}, []int{0}
	}
	return nil, nil
}

// driftCLogitMax is the |logit c| beyond which a lower asymptote counts
// as at its bound for driftCond: c < 4.5·10⁻⁵ or c > 1 − 4.5·10⁻⁵. FitMML
// bounds logit c to [−20, 20]; an item whose data leave c undetermined ends
// near a bound, far beyond 10.
const driftCLogitMax = 10

// driftCInterior reports whether both items' lower asymptotes are inside
// the bounds of driftCLogitMax.
func driftCInterior(ib, in Item) bool {
	for _, c := range []float64{ib.C, in.C} {
		if !(math.Abs(logit(c)) < driftCLogitMax) {
			return false
		}
	}
	return true
}

// driftSplit returns DriftLordSplit's two parts on δ = (a, d, logit c)
// for the items ib, in: the slope's X²(a | c) (NaN for a Rasch item,
// which has none) and the difficulty's X²(d | a, c); without c when it is
// at a bound (see driftCond).
func driftSplit(delta []float64, grad [][]float64, cb, cn *mat.SymDense, ib, in Item) (slope, diff float64) {
	switch {
	case ib.Model == Rasch:
		x, _ := driftChiSq(delta, grad, cb, cn)
		return math.NaN(), x
	case ib.Model == TwoPL, !driftCInterior(ib, in):
		xa, _ := driftChiSqCond(delta, grad, cb, cn, []int{0}, nil)
		xb, _ := driftChiSqCond(delta, grad, cb, cn, []int{1}, []int{0})
		return xa, xb
	}
	xa, _ := driftChiSqCond(delta, grad, cb, cn, []int{0}, []int{2})
	xb, _ := driftChiSqCond(delta, grad, cb, cn, []int{1}, []int{0, 2})
	return xa, xb
}

// driftChiSqCond returns the chi-square of the components tested of δ
// given the components cond (see DriftLord):
//
//	δ_t|o = δ_t − Σ_to Σ_oo⁻¹ δ_o,   Σ_t|o = Σ_tt − Σ_to Σ_oo⁻¹ Σ_ot,
//	X² = δ_t|oᵀ Σ_t|o⁻¹ δ_t|o,
//
// Σ the delta-method covariance of δ (driftSigma). A conditioning
// component without variance (a lower asymptote at its bound) is left
// out of cond; ok is false if Σ_t|o is not positive definite.
func driftChiSqCond(delta []float64, grad [][]float64, cb, cn *mat.SymDense, tested, cond []int) (x2 float64, ok bool) {
	sig := driftSigma(grad, cb, cn)
	var o []int
	for _, k := range cond {
		if sig.At(k, k) > 0 {
			o = append(o, k)
		}
	}
	nt := len(tested)
	dt := mat.NewVecDense(nt, nil)
	st := mat.NewSymDense(nt, nil)
	for x, i := range tested {
		dt.SetVec(x, delta[i])
		for y := x; y < nt; y++ {
			st.SetSym(x, y, sig.At(i, tested[y]))
		}
	}
	if len(o) > 0 {
		soo := mat.NewSymDense(len(o), nil)
		sto := mat.NewDense(nt, len(o), nil)
		do := mat.NewVecDense(len(o), nil)
		for x, i := range o {
			do.SetVec(x, delta[i])
			for y := x; y < len(o); y++ {
				soo.SetSym(x, y, sig.At(i, o[y]))
			}
			for y, k := range tested {
				sto.Set(y, x, sig.At(k, i))
			}
		}
		var ch mat.Cholesky
		if !ch.Factorize(soo) {
			return math.NaN(), false
		}
		// W = Σ_oo⁻¹ Σ_ot, w = Σ_oo⁻¹ δ_o.
		var W mat.Dense
		if err := ch.SolveTo(&W, sto.T()); err != nil {
			return math.NaN(), false
		}
		var w mat.VecDense
		if err := ch.SolveVecTo(&w, do); err != nil {
			return math.NaN(), false
		}
		var adj mat.Dense
		adj.Mul(sto, &W)
		for x := range nt {
			dt.SetVec(x, dt.AtVec(x)-mat.Dot(sto.RowView(x), &w))
			for y := x; y < nt; y++ {
				st.SetSym(x, y, st.At(x, y)-(adj.At(x, y)+adj.At(y, x))/2)
			}
		}
	}
	return driftSolve(dt, st)
}

// driftChiSq returns X² = δᵀ Σ⁻¹ δ with Σ = G_b·cb·G_bᵀ + G_n·cn·G_nᵀ,
// G the gradients over (base, new) parameters, and ok false if Σ is not
// positive definite.
func driftChiSq(delta []float64, grad [][]float64, cb, cn *mat.SymDense) (x2 float64, ok bool) {
	d := mat.NewVecDense(len(delta), append([]float64(nil), delta...))
	return driftSolve(d, driftSigma(grad, cb, cn))
}

// driftSolve returns dᵀ Σ⁻¹ d, ok false if Σ is not positive definite.
func driftSolve(d *mat.VecDense, sig *mat.SymDense) (x2 float64, ok bool) {
	var ch mat.Cholesky
	if !ch.Factorize(sig) {
		return math.NaN(), false
	}
	var sol mat.VecDense
	if err := ch.SolveVecTo(&sol, d); err != nil {
		return math.NaN(), false
	}
	return mat.Dot(d, &sol), true
}

// driftSigma returns Σ = G_b·cb·G_bᵀ + G_n·cn·G_nᵀ, the delta-method
// covariance of δ, G the gradients over (base, new) parameters.
func driftSigma(grad [][]float64, cb, cn *mat.SymDense) *mat.SymDense {
	k := len(grad)
	pb := cb.SymmetricDim()
	sig := mat.NewSymDense(k, nil)
	for r := range k {
		for s := r; s < k; s++ {
			var v float64
			gr, gs := grad[r], grad[s]
			for x := range pb {
				if gr[x] == 0 {
					continue
				}
				for y := range pb {
					v += gr[x] * cb.At(x, y) * gs[y]
				}
			}
			for x := range cn.SymmetricDim() {
				if gr[pb+x] == 0 {
					continue
				}
				for y := range cn.SymmetricDim() {
					v += gr[pb+x] * cn.At(x, y) * gs[pb+y]
				}
			}
			sig.SetSym(r, s, v)
		}
	}
	return sig
}
