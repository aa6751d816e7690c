package irt

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Q3Pair is an item pair flagged for local dependence.
type Q3Pair struct {
	I, J int     // item indices, I < J
	Q3   float64 // residual correlation
}

// Q3Result summarises Yen's Q3 residual correlations.
type Q3Result struct {
	// Matrix holds Q3 for every item pair (1 on the diagonal; NaN for a
	// pair without two common responses or with a constant residual).
	Matrix *mat.SymDense
	Mean   float64 // mean of the off-diagonal Q3 (≈ −1/(J−1) under the model)
	Max    float64 // largest off-diagonal Q3
	MaxAbs float64 // largest |Q3|
	// QStar is Max − Mean, Christensen et al.'s Q3*.
	QStar float64
	// Threshold is the flagging distance above Mean; Pairs lists the pairs
	// with Q3 − Mean > Threshold, largest Q3 first.
	Threshold float64
	Pairs     []Q3Pair
}

// Q3 computes Yen's (1984) Q3 statistic: the correlation over candidates of
// the residuals d_ij = x_ij − P_j(θ̂_i) of every pair of items, with P from
// each item's own model and θ̂ the given ability estimates (one per row of
// r). Rows whose theta is NaN are skipped; with missing responses each pair
// uses the rows that answered both items (pairwise deletion). Row weights
// count as frequencies.
//
// Pairs whose Q3 exceeds the mean Q3 by more than threshold are flagged
// (Christensen, Makransky & Horton, 2017, suggest 0.2 above the average
// rather than a fixed cut, because Q3 is biased towards −1/(J−1)); zero
// threshold means 0.2. The cost is O(N·J²), done as rank-k updates of the
// residual cross-product matrix over blocks of rows (gonum mat).
//
// References: Yen, W. M. (1984). Effects of local item dependence on the
// fit and equating performance of the three-parameter logistic model.
// Applied Psychological Measurement, 8, 125–145. Christensen, K. B.,
// Makransky, G. & Horton, M. (2017). Critical values for Yen's Q3:
// identification of local dependence in the Rasch model using residual
// correlations. Applied Psychological Measurement, 41, 178–194.
func Q3(items []Item, r *Responses, theta []float64, threshold float64) *Q3Result {
	J := len(items)
	if r.J != J || r.N != len(theta) {
		panic("irt: Q3: dimensions of items, r and theta differ")
	}
	if threshold == 0 {
		threshold = 0.2
	}
	complete := true
	for i := 0; i < r.N && complete; i++ {
		if math.IsNaN(theta[i]) {
			continue
		}
		for _, v := range r.Row(i) {
			if v == Missing {
				complete = false
				break
			}
		}
	}
	const block = 512
	// Residuals (scaled by √w) of a block, item-major: d[j*block+b].
	d := mat.NewDense(J, block, nil)
	var ind, dw, d2 *mat.Dense // pairwise path: indicators, w·d, w·d²
	if !complete {
		ind = mat.NewDense(J, block, nil)
		dw = mat.NewDense(J, block, nil)
		d2 = mat.NewDense(J, block, nil)
	}
	sxy := mat.NewSymDense(J, nil) // Σ w·d_j·d_k
	var nn, sx, sxx mat.Dense      // pairwise: Σ w·m_j·m_k, Σ w·d_j·m_k, Σ w·d_j²·m_k
	if !complete {
		nn.ReuseAs(J, J)
		sx.ReuseAs(J, J)
		sxx.ReuseAs(J, J)
	}
	sum := make([]float64, J) // complete path: Σ w·d_j
	var wsum float64
	dr := d.RawMatrix()
	var tmp mat.Dense
	flush := func(nb int) {
		if nb == 0 {
			return
		}
		sxy.SymRankK(sxy, 1, d.Slice(0, J, 0, nb))
		if !complete {
			iv := ind.Slice(0, J, 0, nb)
			tmp.Reset()
			tmp.Mul(iv, iv.T())
			nn.Add(&nn, &tmp)
			tmp.Reset()
			tmp.Mul(dw.Slice(0, J, 0, nb), iv.T())
			sx.Add(&sx, &tmp)
			tmp.Reset()
			tmp.Mul(d2.Slice(0, J, 0, nb), iv.T())
			sxx.Add(&sxx, &tmp)
		}
	}
	nb := 0
	for i := 0; i < r.N; i++ {
		th := theta[i]
		if math.IsNaN(th) {
			continue
		}
		w := r.Weight(i)
		sw := math.Sqrt(w)
		wsum += w
		for j, v := range r.Row(i) {
			idx := j*dr.Stride + nb
			if v == Missing {
				dr.Data[idx] = 0
				ind.Set(j, nb, 0)
				dw.Set(j, nb, 0)
				d2.Set(j, nb, 0)
				continue
			}
			res := float64(v) - items[j].Prob(th)
			dr.Data[idx] = sw * res
			if complete {
				sum[j] += w * res
			} else {
				ind.Set(j, nb, sw)
				dw.Set(j, nb, sw*res)
				d2.Set(j, nb, sw*res*res)
			}
		}
		nb++
		if nb == block {
			flush(nb)
			nb = 0
		}
	}
	flush(nb)

	q3 := mat.NewSymDense(J, nil)
	for j := 0; j < J; j++ {
		q3.SetSym(j, j, 1)
		for k := j + 1; k < J; k++ {
			var n, mj, mk, vj, vk, c float64
			if complete {
				n = wsum
				mj, mk = sum[j]/n, sum[k]/n
				vj = sxy.At(j, j)/n - mj*mj
				vk = sxy.At(k, k)/n - mk*mk
				c = sxy.At(j, k)/n - mj*mk
			} else {
				n = nn.At(j, k)
				mj, mk = sx.At(j, k)/n, sx.At(k, j)/n
				vj = sxx.At(j, k)/n - mj*mj
				vk = sxx.At(k, j)/n - mk*mk
				c = sxy.At(j, k)/n - mj*mk
			}
			v := math.NaN()
			if n >= 2 && vj > 0 && vk > 0 {
				v = c / math.Sqrt(vj*vk)
			}
			q3.SetSym(j, k, v)
		}
	}
	res := &Q3Result{Matrix: q3, Threshold: threshold, Max: math.Inf(-1)}
	var cnt float64
	for j := 0; j < J; j++ {
		for k := j + 1; k < J; k++ {
			v := q3.At(j, k)
			if math.IsNaN(v) {
				continue
			}
			res.Mean += v
			cnt++
			res.Max = math.Max(res.Max, v)
			res.MaxAbs = math.Max(res.MaxAbs, math.Abs(v))
		}
	}
	if cnt == 0 {
		res.Mean, res.Max, res.QStar = math.NaN(), math.NaN(), math.NaN()
		return res
	}
	res.Mean /= cnt
	res.QStar = res.Max - res.Mean
	for j := 0; j < J; j++ {
		for k := j + 1; k < J; k++ {
			if v := q3.At(j, k); v-res.Mean > threshold {
				res.Pairs = append(res.Pairs, Q3Pair{I: j, J: k, Q3: v})
			}
		}
	}
	sort.SliceStable(res.Pairs, func(a, b int) bool { return res.Pairs[a].Q3 > res.Pairs[b].Q3 })
	return res
}
