package irt

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// MeanSquareFit holds the residual-based fit statistics of one item or one
// person.
type MeanSquareFit struct {
	N       float64 // responses used (sum of row weights)
	Infit   float64 // information-weighted mean square
	Outfit  float64 // unweighted mean square
	InfitZ  float64 // infit standardised (ZSTD)
	OutfitZ float64 // outfit standardised (ZSTD)
}

// InfitOutfit computes the infit and outfit mean squares of every item and
// every person from ability estimates theta (one per row of r), with P from
// each item's own model (Rasch, 2PL or 3PL). For a response x with expected
// value P, variance W = P·Q and fourth central moment C = P·Q·(P³ + Q³),
//
//	outfit u = Σ z² / N,   z² = (x − P)² / W,
//	infit  v = Σ (x − P)² / Σ W,
//
// summed over the item's (person's) non-missing responses. Their model
// variances are q²_u = Σ C/W² / N² − 1/N and q²_v = Σ (C − W²) / (Σ W)², and
// the standardised values come from the Wilson–Hilferty cube-root
// transformation
//
//	ZSTD = (MS^(1/3) − 1)·(3/q) + q/3,
//
// with q capped at √2 as Winsteps and mirt do. Missing cells are skipped, and
// so are rows whose theta is NaN (no estimate); Winsteps also leaves extreme
// persons (zero or perfect scores) out of the item statistics — pass NaN for
// them to do the same. Row weights count as frequencies. An item or person
// with no usable response gets NaN statistics and N = 0.
//
// Rows are processed in parallel (GOMAXPROCS goroutines) in blocks of 4096
// whose sums are added in block order: the result does not depend on the
// number of goroutines.
//
// References: Wright, B. D. & Masters, G. N. (1982). Rating Scale Analysis,
// ch. 5. MESA Press. Linacre, J. M. Winsteps user's guide, "Misfit
// diagnosis: infit outfit mean-square standardized".
func InfitOutfit(items []Item, r *Responses, theta []float64) (itemFit, personFit []MeanSquareFit) {
	if r.J != len(items) || r.N != len(theta) {
		panic("irt: InfitOutfit: dimensions of items, r and theta differ")
	}
	type acc struct{ n, z2, cw2, res2, w, cmw2 float64 }
	personFit = make([]MeanSquareFit, r.N)
	// Rows in fixed blocks, in parallel; the blocks' item sums are added in
	// block order, so the result does not depend on GOMAXPROCS.
	const block = 4096
	nBlocks := max(1, (r.N+block-1)/block)
	blockAcc := make([][]acc, nBlocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), nBlocks) {
		wg.Go(func() {
			for {
				bi := int(next.Add(1) - 1)
				if bi >= nBlocks {
					return
				}
				itemAcc := make([]acc, r.J)
				for i := bi * block; i < min((bi+1)*block, r.N); i++ {
					th := theta[i]
					if math.IsNaN(th) {
						personFit[i] = fitRaschFinish(0, 0, 0, 0, 0, 0)
						continue
					}
					wt := r.Weight(i)
					var pa acc
					for j, x := range r.Row(i) {
						if x == Missing {
							continue
						}
						p := items[j].Prob(th)
						q := 1 - p
						w := p * q
						c := w * (p*p*p + q*q*q)
						d := float64(x) - p
						a := &itemAcc[j]
						a.n += wt
						a.z2 += wt * d * d / w
						a.cw2 += wt * c / (w * w)
						a.res2 += wt * d * d
						a.w += wt * w
						a.cmw2 += wt * (c - w*w)
						pa.n++
						pa.z2 += d * d / w
						pa.cw2 += c / (w * w)
						pa.res2 += d * d
						pa.w += w
						pa.cmw2 += c - w*w
					}
					personFit[i] = fitRaschFinish(pa.n, pa.z2, pa.cw2, pa.res2, pa.w, pa.cmw2)
				}
				blockAcc[bi] = itemAcc
			}
		})
	}
	wg.Wait()
	itemAcc := blockAcc[0]
	for _, ba := range blockAcc[1:] {
		for j := range itemAcc {
			a, b := &itemAcc[j], ba[j]
			a.n += b.n
			a.z2 += b.z2
			a.cw2 += b.cw2
			a.res2 += b.res2
			a.w += b.w
			a.cmw2 += b.cmw2
		}
	}
	itemFit = make([]MeanSquareFit, r.J)
	for j, a := range itemAcc {
		itemFit[j] = fitRaschFinish(a.n, a.z2, a.cw2, a.res2, a.w, a.cmw2)
	}
	return itemFit, personFit
}

// fitRaschFinish turns the sums of one item or person into statistics.
func fitRaschFinish(n, z2, cw2, res2, w, cmw2 float64) MeanSquareFit {
	if n == 0 {
		nan := math.NaN()
		return MeanSquareFit{Infit: nan, Outfit: nan, InfitZ: nan, OutfitZ: nan}
	}
	f := MeanSquareFit{N: n, Outfit: z2 / n, Infit: res2 / w}
	qOut := math.Sqrt(math.Max(cw2/(n*n)-1/n, 0))
	qIn := math.Sqrt(math.Max(cmw2/(w*w), 0))
	f.OutfitZ = fitRaschZSTD(f.Outfit, qOut)
	f.InfitZ = fitRaschZSTD(f.Infit, qIn)
	return f
}

// fitRaschZSTD is the Wilson–Hilferty transformation of a mean square with
// model SD q (capped at √2); q = 0 gives 0.
func fitRaschZSTD(ms, q float64) float64 {
	q = math.Min(q, 1.4142)
	if q == 0 {
		return 0
	}
	return (math.Cbrt(ms)-1)*(3/q) + q/3
}
