package analysis

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/itemlab/itemlab/irt"
)

// ParamCov is the covariance matrix of a form's item parameters in the
// slope–intercept metric — each item's free parameters named as in
// irt.Model.ParamNames (d for Rasch; a, d for the 2PL; a, d, logit_c for the
// 3PL) — across items too: items calibrated together share the error of the
// calibration's scale, and the standard errors of linking constants need it
// (Ogasawara, 2001). Row r is parameter Params[r] of item Items[r]. A nil
// *ParamCov means the covariances are unknown.
type ParamCov struct {
	Items  []string
	Params []string
	M      *mat.SymDense
}

// CovOf is the ParamCov of the calibration res whose item k has the id
// ids[k], or nil when res has no covariances (standard errors skipped).
func CovOf(res *irt.Result, ids []string) *ParamCov {
	if res.Cov == nil || len(ids) != len(res.Items) {
		return nil
	}
	all := make([]int, len(ids))
	for k := range all {
		all[k] = k
	}
	m := res.ItemsCov(all)
	if m == nil {
		return nil
	}
	c := &ParamCov{M: m}
	np := res.Model.NumParams()
	names := res.Model.ParamNames()
	for _, id := range ids {
		for p := 0; p < np; p++ {
			c.Items = append(c.Items, id)
			c.Params = append(c.Params, names[p])
		}
	}
	return c
}

// Sub is the covariance matrix of the items ids, stacked in that order,
// each with its parameters in the order of names(id) (its model's
// irt.Model.ParamNames); it is what irt.LinkDelta and irt.ScreenDriftSE take.
// A parameter the matrix does not hold is an error.
func (c *ParamCov) Sub(ids []string, names func(id string) []string) (*mat.SymDense, error) {
	row := map[[2]string]int{}
	for r := range c.Items {
		row[[2]string{c.Items[r], c.Params[r]}] = r
	}
	var idx []int
	for _, id := range ids {
		for _, p := range names(id) {
			r, ok := row[[2]string{id, p}]
			if !ok {
				return nil, fmt.Errorf("no covariance of item %q's parameter %s", id, p)
			}
			idx = append(idx, r)
		}
	}
	out := mat.NewSymDense(len(idx), nil)
	for x, r := range idx {
		for y := x; y < len(idx); y++ {
			out.SetSym(x, y, c.M.At(r, idx[y]))
		}
	}
	return out, nil
}

// Transform is the covariance of the parameters after the linear change of
// scale θ* = A·θ + B, under which an item's a* = a/A, d* = d − a·B/A and
// logit c* = logit c (the constants taken as known): Σ* = J Σ Jᵀ with J
// block diagonal, per item ∂(a*, d*)/∂(a, d) = [[1/A, 0], [−B/A, 1]] (a
// Rasch item's d* = d − B/A·a with a fixed: ∂d*/∂d = 1).
func (c *ParamCov) Transform(A, B float64) *ParamCov {
	n := len(c.Items)
	J := mat.NewDense(n, n, nil)
	for r := 0; r < n; r++ {
		switch c.Params[r] {
		case irt.ParamA:
			J.Set(r, r, 1/A)
		case irt.ParamD:
			J.Set(r, r, 1)
			// the same item's a, if estimated, is the row before d
			if r > 0 && c.Items[r-1] == c.Items[r] && c.Params[r-1] == irt.ParamA {
				J.Set(r, r-1, -B/A)
			}
		default:
			J.Set(r, r, 1)
		}
	}
	var t mat.Dense
	t.Product(J, c.M, J.T())
	out := mat.NewSymDense(n, nil)
	for x := 0; x < n; x++ {
		for y := x; y < n; y++ {
			out.SetSym(x, y, (t.At(x, y)+t.At(y, x))/2)
		}
	}
	return &ParamCov{Items: c.Items, Params: c.Params, M: out}
}
