package irt

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// LinkSE holds delta-method standard errors of the linking constants of
// θ_base = A·θ_new + B (see LinkDelta).
type LinkSE struct {
	A, B  float64 // standard errors of A and B; SE(A) = 0 when A is fixed at 1 (Rasch)
	CovAB float64 // covariance of A and B
	// Jacobian is ∂(A, B)/∂γ, 2 × len(γ), row 0 for A and row 1 for B, over
	// the parameter vector γ of LinkJacobian.
	Jacobian *mat.Dense
}

// LinkDelta links the new form to the base form as Link does and returns,
// with the constants, their delta-method standard errors,
//
//	Var(A, B) = J · diag(Σ_base, Σ_new) · Jᵀ,   J = ∂(A, B)/∂γ,
//
// where γ stacks the common items' free parameters on the base form and
// then on the new form (see LinkJacobian for the order), and Σ_base and
// Σ_new are their covariance matrices: the forms are calibrated
// independently, so they do not covary, but the items within a form do
// (Result.ItemsCov gives Σ for a form, cross-item terms included; they
// matter, since every item of a form shares the error of that form's
// latent scale). covBase and covNew are in the metric of the items'
// parameters (opts.ScaleD) and in the slope–intercept parameterisation (a,
// d, logit c) of ItemCov. With Rasch items, A is fixed at 1 and SE(A) =
// CovAB = 0, as in equateIRT.
//
// J is computed analytically (LinkJacobian). This is the method of
// equateIRT's direc (Battauz, 2015), which follows Ogasawara (2000) for the
// moment methods and Ogasawara (2001) for the characteristic curve
// methods.
//
// LinkDelta panics if the lengths of base and newForm differ or if a
// covariance matrix does not match the items' parameter count. It returns
// Link's errors.
//
// References: Ogasawara, H. (2000). Asymptotic standard errors of IRT
// equating coefficients using moments. Economic Review (Otaru University
// of Commerce), 51, 1–23. Ogasawara, H. (2001). Standard errors of item
// response theory equating/linking by response function methods. Applied
// Psychological Measurement, 25, 53–67. Battauz, M. (2015). equateIRT: An
// R package for IRT test equating. Journal of Statistical Software, 68(7).
func LinkDelta(base, newForm []Item, covBase, covNew *mat.SymDense, m LinkMethod, opts LinkOptions) (LinkConstants, LinkSE, error) {
	pb, pn := linkParamCount(base), linkParamCount(newForm)
	if len(base) != len(newForm) {
		panic("irt: LinkDelta: len(base) != len(newForm)")
	}
	if covBase == nil || covNew == nil {
		panic("irt: LinkDelta: nil covariance matrix")
	}
	if covBase.SymmetricDim() != pb || covNew.SymmetricDim() != pn {
		panic(fmt.Sprintf("irt: LinkDelta: covariance dimensions %d and %d, want %d and %d",
			covBase.SymmetricDim(), covNew.SymmetricDim(), pb, pn))
	}
	c, err := Link(base, newForm, m, opts)
	if err != nil {
		return LinkConstants{}, LinkSE{}, err
	}
	J, err := LinkJacobian(base, newForm, c, m, opts)
	if err != nil {
		return c, LinkSE{}, err
	}
	var v [2][2]float64
	for r := range 2 {
		for s := r; s < 2; s++ {
			var sum float64
			for i := range pb {
				for k := range pb {
					sum += J.At(r, i) * covBase.At(i, k) * J.At(s, k)
				}
			}
			for i := range pn {
				for k := range pn {
					sum += J.At(r, pb+i) * covNew.At(i, k) * J.At(s, pb+k)
				}
			}
			v[r][s] = sum
		}
	}
	se := LinkSE{A: math.Sqrt(v[0][0]), B: math.Sqrt(v[1][1]), CovAB: v[0][1], Jacobian: J}
	return c, se, nil
}

// linkParamCount is the length of the parameter vector of items.
func linkParamCount(items []Item) int {
	var n int
	for _, it := range items {
		n += it.Model.NumParams()
	}
	return n
}

// LinkJacobian returns J = ∂(A, B)/∂γ, the derivatives of the linking
// constants c that method m gives (c must be Link's result for the same
// arguments) with respect to the parameter vector
//
//	γ = (base items' parameters, then the new items' parameters),
//
// each item contributing its model's free parameters in the order of
// Model.ParamNames: d (Rasch), a and d (2PL), a, d and logit c (3PL). J has
// 2 rows (A, B) and len(γ) columns; with Rasch items the A row is zero.
//
// Moment methods differentiate the closed forms of Link, with b = −d/a,
// ∂b/∂a = d/a², ∂b/∂d = −1/a. For example, for mean–sigma, with
// S = Σ_j (b_j − mean b)² on each form,
//
//	∂A/∂b_base,j = A·(b_base,j − mean b_base)/S_base,
//	∂A/∂b_new,j  = −A·(b_new,j − mean b_new)/S_new,
//	∂B/∂γ        = ∂ mean(b_base)/∂γ − A·∂ mean(b_new)/∂γ − mean(b_new)·∂A/∂γ.
//
// (equateIRT 2.5.1 divides the mean–sigma derivatives of A by n where
// the derivative of its A = sd_base/sd_new has n − 1, so its SE of A is
// (n−1)/n of this one, and its SE of B nearly so.)
//
// Characteristic curve methods use the implicit function theorem on the
// first-order conditions g(φ, γ) = ∇_φ F(φ; γ) = 0 of the criterion F at
// φ = (A, B):
//
//	∂φ/∂γ = −(∂g/∂φ)⁻¹ · ∂g/∂γ,
//
// with the Hessian ∂g/∂φ and the mixed derivatives ∂g/∂γ of F written out
// in closed form (Ogasawara, 2001). For the Haebara criterion over points
// θ_q with weights w_q, residuals r_qj = P_j^base(θ_q) − P_j^new(z_qj),
// z_qj = a_j·(θ_q − B)/A + d_j,
//
//	g_k   = −Σ_q w_q Σ_j r_qj ∂P_qj/∂φ_k,
//	∂g_k/∂φ_l = Σ_q w_q Σ_j (∂P_qj/∂φ_k ∂P_qj/∂φ_l − r_qj ∂²P_qj/∂φ_k∂φ_l),
//
// and likewise for Stocking–Lord with the residual and the derivatives
// summed over items before the product. The symmetric criteria
// (opts.Symmetric) add the same terms on the new scale. With Rasch items
// A is fixed and ∂B/∂γ = −(∂g_B/∂γ)/(∂g_B/∂B).
//
// It returns an error if the options are invalid or the Hessian of the
// criterion at c is singular. It panics if len(base) != len(newForm).
func LinkJacobian(base, newForm []Item, c LinkConstants, m LinkMethod, opts LinkOptions) (*mat.Dense, error) {
	if len(base) != len(newForm) {
		panic("irt: LinkJacobian: len(base) != len(newForm)")
	}
	D := opts.ScaleD
	if D == 0 {
		D = 1
	}
	rasch := true
	for j := range base {
		if base[j].Model != Rasch || newForm[j].Model != Rasch {
			rasch = false
		}
	}
	pb := linkParamCount(base)
	P := pb + linkParamCount(newForm)
	J := mat.NewDense(2, P, nil)
	switch m {
	case MeanMean, MeanSigma, MeanGMean:
		linkMomentJacobian(base, newForm, c, m, rasch, J)
		return J, nil
	case Haebara, StockingLord:
	default:
		return nil, fmt.Errorf("irt: linking: invalid method %v", m)
	}
	points, weights, err := linkPoints(opts)
	if err != nil {
		return nil, err
	}
	sb, sn := ScaleItems(base, D), ScaleItems(newForm, D)
	var h [2][2]float64
	gg := mat.NewDense(2, P, nil) // ∂g/∂γ in the D-scaled metric
	offB := linkOffsets(sb, 0)
	offN := linkOffsets(sn, pb)
	tcc := m == StockingLord
	// Base scale: base items fixed, new items moving with
	// z = a·(θ − B)/A + d.
	linkCurveTerms(sb, sn, offB, offN, points, weights, tcc, c, false, &h, gg)
	if opts.Symmetric {
		// New scale: new items fixed, base items moving with
		// z = a·(A·θ + B) + d.
		linkCurveTerms(sn, sb, offN, offB, points, weights, tcc, c, true, &h, gg)
	}
	// Back to the given metric: a and d were multiplied by D.
	for _, set := range []struct {
		items []Item
		off   []int
	}{{sb, offB}, {sn, offN}} {
		for j, it := range set.items {
			o := set.off[j]
			for k, name := range it.Model.ParamNames() {
				if name == ParamLogitC {
					continue
				}
				for r := range 2 {
					gg.Set(r, o+k, gg.At(r, o+k)*D)
				}
			}
		}
	}
	if rasch {
		if !(h[1][1] != 0) || math.IsInf(h[1][1], 0) {
			return nil, fmt.Errorf("%w: criterion curvature in B is %g", ErrLinkDegenerate, h[1][1])
		}
		for i := range P {
			J.Set(1, i, -gg.At(1, i)/h[1][1])
		}
		return J, nil
	}
	det := h[0][0]*h[1][1] - h[0][1]*h[1][0]
	if !(det != 0) || math.IsInf(det, 0) || math.IsNaN(det) {
		return nil, fmt.Errorf("%w: singular criterion Hessian (determinant %g)", ErrLinkDegenerate, det)
	}
	inv := [2][2]float64{{h[1][1] / det, -h[0][1] / det}, {-h[1][0] / det, h[0][0] / det}}
	for i := range P {
		g0, g1 := gg.At(0, i), gg.At(1, i)
		J.Set(0, i, -(inv[0][0]*g0 + inv[0][1]*g1))
		J.Set(1, i, -(inv[1][0]*g0 + inv[1][1]*g1))
	}
	return J, nil
}

// linkOffsets returns the position of each item's first parameter in γ,
// starting at start.
func linkOffsets(items []Item, start int) []int {
	off := make([]int, len(items))
	o := start
	for j, it := range items {
		off[j] = o
		o += it.Model.NumParams()
	}
	return off
}

// linkMomentJacobian fills J for the moment methods.
func linkMomentJacobian(base, newForm []Item, c LinkConstants, m LinkMethod, rasch bool, J *mat.Dense) {
	n := float64(len(base))
	var mbB, mbN, saB, saN, sB, sN float64
	for j := range base {
		mbB += base[j].B()
		mbN += newForm[j].B()
		saB += base[j].A
		saN += newForm[j].A
	}
	mbB /= n
	mbN /= n
	for j := range base {
		e := base[j].B() - mbB
		sB += e * e
		e = newForm[j].B() - mbN
		sN += e * e
	}
	A := c.A
	pb := linkParamCount(base)
	// dA/db, dA/da per item and form (zero for Rasch).
	type grad struct{ db, da float64 }
	dA := func(it Item, isBase bool) grad {
		if rasch {
			return grad{}
		}
		switch m {
		case MeanMean: // A = Σ a_new / Σ a_base
			if isBase {
				return grad{da: -A / saB}
			}
			return grad{da: 1 / saB}
		case MeanGMean: // A = exp(mean log(a_new/a_base))
			if isBase {
				return grad{da: -A / (n * it.A)}
			}
			return grad{da: A / (n * it.A)}
		default: // MeanSigma: A = √(S_base/S_new)
			if isBase {
				return grad{db: A * (it.B() - mbB) / sB}
			}
			return grad{db: -A * (it.B() - mbN) / sN}
		}
	}
	for _, set := range []struct {
		items  []Item
		start  int
		isBase bool
	}{{base, 0, true}, {newForm, pb, false}} {
		o := set.start
		for _, it := range set.items {
			g := dA(it, set.isBase)
			// B = mean(b_base) − A·mean(b_new)
			bb := -mbN * g.db
			if set.isBase {
				bb += 1 / n
			} else {
				bb -= A / n
			}
			ba := -mbN * g.da
			// Chain to (a, d): b = −d/a.
			ab, db := it.D/(it.A*it.A), -1/it.A
			for k, name := range it.Model.ParamNames() {
				switch name {
				case ParamA:
					J.Set(0, o+k, g.da+g.db*ab)
					J.Set(1, o+k, ba+bb*ab)
				case ParamD:
					J.Set(0, o+k, g.db*db)
					J.Set(1, o+k, bb*db)
				}
			}
			o += it.Model.NumParams()
		}
	}
}

// linkCurve holds the derivatives of one item's response function at one
// point: P, ∂P/∂φ (φ = (A, B)), ∂²P/∂φ∂φ, and per free parameter
// γ_k (in ParamNames order) ∂P/∂γ_k and ∂²P/∂φ∂γ_k. For a fixed curve only
// P and dg are set.
type linkCurve struct {
	p    float64
	dphi [2]float64
	hphi [2][2]float64
	dg   [3]float64
	hpg  [2][3]float64
	np   int
}

// linkEvalCurve evaluates item it at theta. If moving, the item is
// transformed by c: on the base scale (toNew false) z = a·(θ − B)/A + d, on
// the new scale (toNew true) z = a·(A·θ + B) + d.
func linkEvalCurve(it Item, theta float64, moving, toNew bool, c LinkConstants, out *linkCurve) {
	A, B := c.A, c.B
	a, d := it.A, it.D
	var z float64
	// z derivatives: wrt φ, wrt (a, d), and mixed.
	var zphi [2]float64
	var zpp [2][2]float64
	var za float64 // ∂z/∂a (∂z/∂d = 1)
	var zpa [2]float64
	switch {
	case !moving:
		z = a*theta + d
		za = theta
	case !toNew:
		u := (theta - B) / A
		z = a*u + d
		za = u
		zphi = [2]float64{-a * u / A, -a / A}
		zpp = [2][2]float64{{2 * a * u / (A * A), a / (A * A)}, {a / (A * A), 0}}
		zpa = [2]float64{-u / A, -1 / A}
	default:
		s := A*theta + B
		z = a*s + d
		za = s
		zphi = [2]float64{a * theta, a}
		zpa = [2]float64{theta, 1}
	}
	L := Logistic(z)
	cc := it.C
	pz := (1 - cc) * L * (1 - L)
	pzz := pz * (1 - 2*L)
	pl := cc * (1 - cc) * (1 - L) // ∂P/∂logit c
	pzl := -cc * (1 - cc) * L * (1 - L)
	*out = linkCurve{p: cc + (1-cc)*L}
	names := it.Model.ParamNames()
	out.np = len(names)
	for k, name := range names {
		switch name {
		case ParamA:
			out.dg[k] = pz * za
			for r := range 2 {
				out.hpg[r][k] = pzz*zphi[r]*za + pz*zpa[r]
			}
		case ParamD:
			out.dg[k] = pz
			for r := range 2 {
				out.hpg[r][k] = pzz * zphi[r]
			}
		case ParamLogitC:
			out.dg[k] = pl
			for r := range 2 {
				out.hpg[r][k] = pzl * zphi[r]
			}
		}
	}
	for r := range 2 {
		out.dphi[r] = pz * zphi[r]
		for s := range 2 {
			out.hphi[r][s] = pzz*zphi[r]*zphi[s] + pz*zpp[r][s]
		}
	}
}

// linkCurveTerms adds one direction's contributions to the Hessian h of
// the criterion in φ and to the mixed derivatives gg = ∂g/∂γ: fixed items
// at the points, moving items transformed by c (toNew as in
// linkEvalCurve); offF and offM are their parameters' positions in γ.
func linkCurveTerms(fixed, moving []Item, offF, offM []int, points, weights []float64, tcc bool, c LinkConstants, toNew bool, h *[2][2]float64, gg *mat.Dense) {
	n := len(fixed)
	cf := make([]linkCurve, n)
	cm := make([]linkCurve, n)
	for q, t := range points {
		w := weights[q]
		if w == 0 {
			continue
		}
		for j := range n {
			linkEvalCurve(fixed[j], t, false, toNew, c, &cf[j])
			linkEvalCurve(moving[j], t, true, toNew, c, &cm[j])
		}
		if !tcc {
			for j := range n {
				f, mv := &cf[j], &cm[j]
				r := f.p - mv.p
				for k := range 2 {
					for l := range 2 {
						h[k][l] += w * (mv.dphi[k]*mv.dphi[l] - r*mv.hphi[k][l])
					}
					for i := range f.np {
						gg.Set(k, offF[j]+i, gg.At(k, offF[j]+i)-w*f.dg[i]*mv.dphi[k])
					}
					for i := range mv.np {
						gg.Set(k, offM[j]+i, gg.At(k, offM[j]+i)+w*(mv.dg[i]*mv.dphi[k]-r*mv.hpg[k][i]))
					}
				}
			}
			continue
		}
		var r float64
		var S [2]float64
		var Sh [2][2]float64
		for j := range n {
			r += cf[j].p - cm[j].p
			for k := range 2 {
				S[k] += cm[j].dphi[k]
				for l := range 2 {
					Sh[k][l] += cm[j].hphi[k][l]
				}
			}
		}
		for k := range 2 {
			for l := range 2 {
				h[k][l] += w * (S[k]*S[l] - r*Sh[k][l])
			}
			for j := range n {
				f, mv := &cf[j], &cm[j]
				for i := range f.np {
					gg.Set(k, offF[j]+i, gg.At(k, offF[j]+i)-w*f.dg[i]*S[k])
				}
				for i := range mv.np {
					gg.Set(k, offM[j]+i, gg.At(k, offM[j]+i)+w*(mv.dg[i]*S[k]-r*mv.hpg[k][i]))
				}
			}
		}
	}
}
