package pipeline

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/irt"
)

// orNone is x, or bank.None where a parameter file gives none (a zero SE,
// c of a model without a lower asymptote).
func orNone(x float64, absent bool) float64 {
	if absent || math.IsNaN(x) {
		return bank.None
	}
	return x
}

// toBankParams turns a parameter row (and, when cov is non-nil, the item's
// own block of the covariance matrix) into the bank's Params.
func toBankParams(p analysis.ItemParams, cov *analysis.ParamCov) bank.Params {
	it := p.Item
	noC := it.Model != irt.ThreePL
	bp := bank.Params{Model: it.Model.String(), A: it.A, B: it.B(), C: orNone(it.C, noC), D: it.D,
		SEA: orNone(p.SE.A, p.SE.A == 0), SEB: orNone(p.SE.B, p.SE.B == 0), SEC: orNone(p.SE.C, noC || p.SE.C == 0), SED: orNone(p.SE.D, p.SE.D == 0)}
	bp.Cov = ownCov(p.ItemID, cov)
	return bp
}

// ownCov is item id's own block of cov, in the bank's long form.
func ownCov(id string, cov *analysis.ParamCov) []bank.Cov {
	if cov == nil {
		return nil
	}
	var rows []int
	for k, item := range cov.Items {
		if item == id {
			rows = append(rows, k)
		}
	}
	var out []bank.Cov
	for x, i := range rows {
		for _, j := range rows[x:] {
			out = append(out, bank.Cov{Param1: cov.Params[i], Param2: cov.Params[j], Value: cov.M.At(i, j)})
		}
	}
	return out
}

// fromBankParams turns an item's bank parameters into a parameter row.
func fromBankParams(id string, bp bank.Params) (analysis.ItemParams, bool) {
	m, err := irt.ParseModel(bp.Model)
	if err != nil || math.IsNaN(bp.A) || math.IsNaN(bp.D) {
		return analysis.ItemParams{}, false
	}
	zero := func(x float64) float64 {
		if math.IsNaN(x) {
			return 0
		}
		return x
	}
	it := irt.Item{Model: m, A: bp.A, D: bp.D, C: zero(bp.C)}
	return analysis.ItemParams{ItemID: id, Item: it, SE: irt.ItemSE{A: zero(bp.SEA), D: zero(bp.SED), B: zero(bp.SEB), C: zero(bp.SEC)}}, true
}

// blockCov is the block-diagonal covariance matrix of items' own
// covariances (the bank keeps no covariances between items), or nil when
// any item has none.
func blockCov(ids []string, covs [][]bank.Cov) *analysis.ParamCov {
	if len(ids) == 0 {
		return nil
	}
	c := &analysis.ParamCov{}
	index := map[[2]string]int{}
	for k, id := range ids {
		if len(covs[k]) == 0 {
			return nil
		}
		for _, e := range covs[k] {
			for _, p := range []string{e.Param1, e.Param2} {
				if _, ok := index[[2]string{id, p}]; !ok {
					index[[2]string{id, p}] = len(c.Items)
					c.Items = append(c.Items, id)
					c.Params = append(c.Params, p)
				}
			}
		}
	}
	c.M = mat.NewSymDense(len(c.Items), nil)
	for k, id := range ids {
		for _, e := range covs[k] {
			c.M.SetSym(index[[2]string{id, e.Param1}], index[[2]string{id, e.Param2}], e.Value)
		}
	}
	return c
}
