package irt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
)

// JMLOptions controls FitJML. The zero value is valid and gives Winsteps'
// defaults: extreme scores adjusted by 0.3 score points and the statistical
// bias correction of the item difficulties on.
type JMLOptions struct {
	MaxIter int     // alternating Newton–Raphson cycles; zero means 1000
	Tol     float64 // largest change of any measure at convergence (logits); zero means 1e-7
	// ExtremeScore is the score adjustment for extreme (zero or perfect)
	// persons and items, Winsteps' EXTRSC; zero means 0.3.
	ExtremeScore float64
	// NoBiasCorrection turns off the (L−1)/L correction of the item
	// difficulties (Winsteps STBIAS=No).
	NoBiasCorrection bool
	Workers          int // goroutines for tallying the rows; zero means runtime.GOMAXPROCS(0)
}

// JMLResult is the outcome of FitJML: the item calibration and a measure
// for every candidate (row of the response matrix).
type JMLResult struct {
	*Result
	// Persons holds each row's measure θ and model SE 1/√Σ_i P·Q. Status is
	// ScoreOK, ScoreExtreme (zero or perfect score: the extreme-score
	// adjusted measure) or ScoreNoResponses (no response to a non-extreme
	// item; Theta and SE NaN).
	Persons []PersonEstimate
	// BiasFactor is the factor (L−1)/L applied to the item difficulties and
	// their SEs, or 1 with NoBiasCorrection.
	BiasFactor float64
}

// FitJML estimates Rasch item difficulties and person measures jointly by
// unconditional (joint) maximum likelihood, as Winsteps does (Wright &
// Panchapakesan, 1969; Linacre, Winsteps manual "JMLE"). The joint
// likelihood of x_ni with P_ni = 1/(1 + exp(−(θ_n − b_i))) is maximised by
// alternating one Newton–Raphson step for every person and every item,
//
//	θ_n ← θ_n + (r_n − Σ_i P_ni) / Σ_i P_ni·Q_ni,
//	b_i ← b_i − (s_i − Σ_n P_ni) / Σ_n P_ni·Q_ni,
//
// each step limited to one logit, then shifting the difficulties to mean 0
// (and the measures with them), until no measure changes by more than Tol.
// Candidates who answered the same items with the same raw score share a
// measure, so the work per cycle is O(L²) for complete data.
//
// Extreme scores: persons with a zero or perfect score and items that every
// remaining person answered correctly (or incorrectly) are dropped, and the
// check repeats until none is left. After estimation, an extreme person gets
// the measure at which the expected score is ExtremeScore (0.3) above zero
// or below the maximum, Σ_i P(θ − b_i) = 0.3 or L − 0.3, and an extreme item
// likewise Σ_n P(θ_n − b) = N_i − 0.3 or 0.3 over the non-extreme persons
// who answered it (Winsteps EXTRSC=0.3). Their SEs are the model SEs there.
//
// Bias: JML difficulties are too spread out by about L/(L−1) for a test of
// L items (Andersen, 1973: doubled for L = 2). Unless NoBiasCorrection is
// set, the difficulties and their SEs are multiplied by (L−1)/L, L the
// number of non-extreme items (Wright & Douglas, 1977; Winsteps STBIAS=Yes).
// Person measures are the JML estimates against the uncorrected difficulties.
//
// The result has Method "jml", LogLik the joint log-likelihood of the
// non-extreme data at the uncorrected estimates, NumParams = L−1 (the item
// parameters; AIC and BIC are NaN, a joint likelihood does not support
// them), and SEs 1/√Σ_n P·Q ("model" SEs) in SE[i].B and SE[i].D. Items no
// non-extreme person answered get NaN. Warnings list extreme persons
// (*ExtremeScoresWarning), extreme items (*ExtremeItemsError) and
// non-convergence (wrapping ErrNotConverged).
//
// References: Wright, B. D. & Douglas, G. A. (1977). Best procedures for
// sample-free item analysis. Applied Psychological Measurement, 1, 281–295.
// Andersen, E. B. (1973). Conditional inference for multiple-choice
// questionnaires. British Journal of Mathematical and Statistical
// Psychology, 26, 31–44. Linacre, J. M. Winsteps Rasch measurement computer
// program user's guide (EXTRSC=, STBIAS=).
func FitJML(ctx context.Context, r *Responses, opts JMLOptions) (*JMLResult, error) {
	if opts.MaxIter <= 0 {
		opts.MaxIter = 1000
	}
	if opts.Tol <= 0 {
		opts.Tol = 1e-7
	}
	adj := opts.ExtremeScore
	if adj <= 0 {
		adj = 0.3
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	L := r.J
	active := make([]bool, L)
	for i := range active {
		active[i] = true
	}
	extremeItems := &ExtremeItemsError{Method: "jml"}
	allCorrect := make([]bool, L)
	var tally *raschTally
	for {
		var err error
		tally, err = raschTallyRows(ctx, r, active, workers)
		if err != nil {
			return nil, err
		}
		tot, pres := tally.itemTotals(L)
		e := raschExtremeItems("jml", tot, pres, active)
		if e == nil {
			break
		}
		for _, i := range e.AllCorrect {
			active[i] = false
			allCorrect[i] = true
			extremeItems.AllCorrect = append(extremeItems.AllCorrect, i)
		}
		for _, i := range e.AllWrong {
			active[i] = false
			extremeItems.AllWrong = append(extremeItems.AllWrong, i)
		}
	}
	nActive := 0
	for _, a := range active {
		if a {
			nActive++
		}
	}
	if nActive < 2 {
		return nil, errors.New("irt: jml: fewer than 2 items remain after removing extreme items and persons")
	}
	res := &Result{Model: Rasch, Method: "jml", Fixed: make([]bool, L), N: tally.total}
	if w := tally.extremeWarning("jml"); w != nil {
		res.Warnings = append(res.Warnings, w)
	}
	if len(extremeItems.AllCorrect)+len(extremeItems.AllWrong) > 0 {
		res.Warnings = append(res.Warnings, extremeItems)
	}

	// Parameters: b per item, θ per (group, informative score).
	tot, _ := tally.itemTotals(L)
	type cell struct {
		g, r  int
		n     float64
		theta float64
	}
	var cells []cell
	groupCells := make([][]int, len(tally.groups)) // indices into cells, by score
	for gi, g := range tally.groups {
		m := len(g.items)
		groupCells[gi] = make([]int, m+1)
		for s := range groupCells[gi] {
			groupCells[gi][s] = -1
		}
		for s := 1; s < m; s++ {
			if g.n[s] > 0 {
				groupCells[gi][s] = len(cells)
				cells = append(cells, cell{g: gi, r: s, n: g.n[s], theta: math.Log(float64(s) / float64(m-s))})
			}
		}
	}
	b := make([]float64, L)
	{
		_, pres := tally.itemTotals(L)
		var mean float64
		for i := range b {
			if active[i] {
				b[i] = math.Log((pres[i] - tot[i]) / tot[i])
				mean += b[i]
			}
		}
		mean /= float64(nActive)
		for i := range b {
			if active[i] {
				b[i] -= mean
			}
		}
	}
	clampStep := func(d float64) float64 { return math.Max(-1, math.Min(1, d)) }
	expect := make([]float64, L)
	vari := make([]float64, L)
	iter, converged := 0, false
	var maxChange float64
	for iter < opts.MaxIter {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		iter++
		maxChange = 0
		// Persons.
		for ci := range cells {
			c := &cells[ci]
			var e, v float64
			for _, i := range tally.groups[c.g].items {
				p := Logistic(c.theta - b[i])
				e += p
				v += p * (1 - p)
			}
			d := clampStep((float64(c.r) - e) / v)
			c.theta += d
			maxChange = math.Max(maxChange, math.Abs(d))
		}
		// Items.
		for i := range expect {
			expect[i], vari[i] = 0, 0
		}
		for _, c := range cells {
			for _, i := range tally.groups[c.g].items {
				p := Logistic(c.theta - b[i])
				expect[i] += c.n * p
				vari[i] += c.n * p * (1 - p)
			}
		}
		var mean float64
		for i := range b {
			if !active[i] {
				continue
			}
			d := clampStep(-(tot[i] - expect[i]) / vari[i])
			b[i] += d
			maxChange = math.Max(maxChange, math.Abs(d))
			mean += b[i]
		}
		mean /= float64(nActive)
		for i := range b {
			if active[i] {
				b[i] -= mean
			}
		}
		for ci := range cells {
			cells[ci].theta -= mean
		}
		if maxChange < opts.Tol {
			converged = true
			break
		}
	}

	// Final model SEs and the joint log-likelihood at the estimates.
	for i := range expect {
		expect[i], vari[i] = 0, 0
	}
	var ll float64
	cellSE := make([]float64, len(cells))
	for ci, c := range cells {
		var v float64
		ll += c.n * float64(c.r) * c.theta
		for _, i := range tally.groups[c.g].items {
			z := c.theta - b[i]
			p := Logistic(z)
			v += p * (1 - p)
			vari[i] += c.n * p * (1 - p)
			ll -= c.n * math.Log1p(math.Exp(-math.Abs(z))) // log(1 + e^z) = max(z,0) + log1p(e^−|z|)
			ll -= c.n * math.Max(z, 0)
		}
		cellSE[ci] = 1 / math.Sqrt(v)
	}
	for i := range b {
		if active[i] {
			ll -= tot[i] * b[i]
		}
	}

	// Person measures per row, extreme persons adjusted; tallies of the
	// non-extreme measures seen by each extreme item.
	persons := make([]PersonEstimate, r.N)
	groupIndex := map[string]int{}
	maskLen := (L + 7) / 8
	for gi, g := range tally.groups {
		key := make([]byte, maskLen)
		for _, i := range g.items {
			key[i>>3] |= 1 << (i & 7)
		}
		groupIndex[string(key)] = gi
	}
	extremeTheta := make(map[[2]int]PersonEstimate) // (group, 0 or m) → adjusted measure
	var extremeList []int
	for i := range active {
		if !active[i] {
			extremeList = append(extremeList, i)
		}
	}
	seen := make([][]float64, len(extremeList)) // seen[k][cell]: weight of cell's persons who answered extreme item k
	for k := range seen {
		seen[k] = make([]float64, len(cells))
	}
	key := make([]byte, maskLen)
	for n := 0; n < r.N; n++ {
		if n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row := r.Row(n)
		for k := range key {
			key[k] = 0
		}
		m, s := 0, 0
		for i, v := range row {
			if v != Missing && active[i] {
				key[i>>3] |= 1 << (i & 7)
				m++
				s += int(v)
			}
		}
		if m == 0 {
			persons[n] = PersonEstimate{Theta: math.NaN(), SE: math.NaN(), Status: ScoreNoResponses}
			continue
		}
		gi := groupIndex[string(key)]
		if s == 0 || s == m {
			ek := [2]int{gi, s}
			pe, ok := extremeTheta[ek]
			if !ok {
				target := adj
				if s == m {
					target = float64(m) - adj
				}
				pe = jmlExtremePerson(tally.groups[gi].items, b, target)
				extremeTheta[ek] = pe
			}
			persons[n] = pe
			continue
		}
		ci := groupCells[gi][s]
		persons[n] = PersonEstimate{Theta: cells[ci].theta, SE: cellSE[ci], Status: ScoreOK}
		if len(extremeList) > 0 {
			w := r.Weight(n)
			for k, i := range extremeList {
				if row[i] != Missing {
					seen[k][ci] += w
				}
			}
		}
	}
	se := make([]float64, L)
	for i := range b {
		if active[i] {
			se[i] = 1 / math.Sqrt(vari[i])
		}
	}
	for k, i := range extremeList {
		var pres float64
		for _, w := range seen[k] {
			pres += w
		}
		if pres == 0 {
			b[i], se[i] = math.NaN(), math.NaN()
			continue
		}
		target := adj // all wrong: expected score 0.3
		if allCorrect[i] {
			target = pres - adj
		}
		// Σ_c w_c·P(θ_c − b) decreases in b: solve target − Σ = 0 as an
		// increasing function, i.e. find the root of Σ − target in b.
		f := func(x float64) (float64, float64) {
			var e, v float64
			for ci, w := range seen[k] {
				if w > 0 {
					p := Logistic(cells[ci].theta - x)
					e += w * p
					v += w * p * (1 - p)
				}
			}
			return e - target, -v
		}
		lo, hi := -50.0, 50.0
		bi, _ := scoreRoot(f, lo, hi, 0, 200, 1e-10)
		_, v := f(bi)
		b[i], se[i] = bi, 1/math.Sqrt(-v)
	}

	factor := 1.0
	if !opts.NoBiasCorrection {
		factor = float64(nActive-1) / float64(nActive)
	}
	res.Items = make([]Item, L)
	res.SE = make([]ItemSE, L)
	res.Cov = make([]ItemCov, L)
	for i := range b {
		bi, s := b[i]*factor, se[i]*factor
		res.Items[i] = Item{Model: Rasch, A: 1, D: -bi}
		res.SE[i] = ItemSE{D: s, B: s}
		res.Cov[i] = newItemCov(Rasch, []float64{s * s})
	}
	res.LogLik = ll
	res.NumParams = nActive - 1
	res.AIC, res.BIC = math.NaN(), math.NaN()
	res.Iterations = iter
	res.Converged = converged
	res.MaxChange = maxChange
	if !converged {
		res.Warnings = append(res.Warnings,
			fmt.Errorf("irt: jml: stopped after %d cycles with a change of %.3g: %w", iter, maxChange, ErrNotConverged))
	}
	return &JMLResult{Result: res, Persons: persons, BiasFactor: factor}, nil
}

// jmlExtremePerson returns the measure at which the expected score on the
// items with difficulties b[items] equals target, with its model SE.
func jmlExtremePerson(items []int, b []float64, target float64) PersonEstimate {
	f := func(th float64) (float64, float64) {
		var e, v float64
		for _, i := range items {
			p := Logistic(th - b[i])
			e += p
			v += p * (1 - p)
		}
		return target - e, -v
	}
	th, _ := scoreRoot(f, -50, 50, 0, 200, 1e-10)
	_, v := f(th)
	return PersonEstimate{Theta: th, SE: 1 / math.Sqrt(-v), Status: ScoreExtreme}
}
