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
	// DriftLord is Lord's (1980, ch. 14) chi-square on the whole parameter
	// vector after linking, with df = the number of free parameters: for
	// item j,
	//
	//	δ_j = γ_base,j − T(γ_new,j),   T(a, d, logit c) = (a/A, d − a·B/A, logit c),
	//	X²_j = δ_jᵀ Σ_j⁻¹ δ_j,
	//
	// where Σ_j is the delta-method covariance of δ_j from both forms'
	// covariances and the link (the terms through A and B included, as
	// for DriftB). For a Rasch item it is the square of DriftB's z.
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
	}
	return fmt.Sprintf("DriftStatistic(%d)", int(s))
}

// driftComponents returns, for common item i of the kept items kb, kn
// (linked by c with Jacobian jac over their parameters, base first), the
// components δ of statistic s and their gradients over γ, one row per
// component. Item i must have the same model on both forms.
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

// driftChiSq returns X² = δᵀ Σ⁻¹ δ with Σ = G_b·cb·G_bᵀ + G_n·cn·G_nᵀ,
// G the gradients over (base, new) parameters, and ok false if Σ is not
// positive definite.
func driftChiSq(delta []float64, grad [][]float64, cb, cn *mat.SymDense) (x2 float64, ok bool) {
	k := len(delta)
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
	var ch mat.Cholesky
	if !ch.Factorize(sig) {
		return math.NaN(), false
	}
	var sol mat.VecDense
	d := mat.NewVecDense(k, append([]float64(nil), delta...))
	if err := ch.SolveVecTo(&sol, d); err != nil {
		return math.NaN(), false
	}
	return mat.Dot(d, &sol), true
}
