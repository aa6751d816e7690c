package equate

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrSmoothing is returned (wrapped) when a log-linear model cannot be fitted:
// more terms than score points with data, or no convergence.
var ErrSmoothing = errors.New("equate: log-linear presmoothing failed")

// Smoothing selects log-linear presmoothing of the score distributions
// before equipercentile equating. The zero value means no presmoothing.
type Smoothing struct {
	// Degree is the polynomial degree C of the total score: the model
	// preserves its first C moments. Zero means no presmoothing.
	Degree int
	// AnchorDegree is the degree of the anchor score in a bivariate (NEAT)
	// model; zero means Degree.
	AnchorDegree int
	// CrossDegree is the highest power of each score in the interaction
	// terms x^i·v^j, 1 ≤ i, j ≤ CrossDegree, of a bivariate model; zero
	// means 1 (the covariance of total and anchor is preserved).
	CrossDegree int
}

// LogLinear fits the univariate log-linear model of Holland & Thayer
// (1987, 2000) to the counts f of scores x = 0..K,
//
//	log m_x = β_0 + Σ_{i=1..C} β_i·x^i,
//
// by maximum likelihood (Poisson, equivalently multinomial given N), and
// returns the fitted counts m. The fit preserves N and the first C raw
// moments of the observed distribution (K&B 2014, ch. 3), which the tests
// check. The polynomial is fitted in an orthonormalised basis of the
// standardised score, which gives the same fitted counts as raw powers (the
// model is the same) without their ill-conditioning; the Newton–Raphson
// iterations stop when every moment equation holds to 1e-10·N.
//
// This is what R equate's presmoothing(x, "loglinear", degrees = C) fits
// with glm (raw powers x^1..x^C). It returns an error wrapping ErrSmoothing
// if C ≥ the number of score points, or C < 1.
//
// References: Holland, P. W. & Thayer, D. T. (2000). Univariate and
// bivariate loglinear models for discrete test score distributions.
// Journal of Educational and Behavioral Statistics, 25, 133–183. Kolen &
// Brennan (2014), ch. 3.
func LogLinear(f []float64, degree int) ([]float64, error) {
	if err := eqCheckDist(f, "X"); err != nil {
		return nil, err
	}
	if degree < 1 || degree >= len(f) {
		return nil, fmt.Errorf("%w: degree %d for %d score points", ErrSmoothing, degree, len(f))
	}
	cols := make([][]float64, degree)
	for i := range cols {
		cols[i] = make([]float64, len(f))
		for x := range f {
			cols[i][x] = math.Pow(float64(x), float64(i+1))
		}
	}
	return loglinFit(f, cols)
}

// LogLinearBivariate fits the bivariate log-linear model of Holland &
// Thayer (2000) to a (total, anchor) table,
//
//	log m_xv = β_0 + Σ_{i≤C_X} α_i x^i + Σ_{j≤C_V} γ_j v^j + Σ_{i,j≤C_XV} δ_ij x^i v^j,
//
// over every cell of the table (impossible cells with v > x included, as
// R equate does by default), and returns the fitted table. It preserves N,
// the first C_X moments of the total, C_V of the anchor and the cross
// moments E(X^i V^j) for i, j ≤ C_XV. s.Degree must be ≥ 1.
func LogLinearBivariate(t *Table, s Smoothing) (*Table, error) {
	if !t.HasAnchor() {
		return nil, fmt.Errorf("%w: bivariate model for a table without anchor scores", ErrSmoothing)
	}
	cx, cv, cxv := s.Degree, s.AnchorDegree, s.CrossDegree
	if cv == 0 {
		cv = cx
	}
	if cxv == 0 {
		cxv = 1
	}
	if cx < 1 || cx > t.maxScore || cv > t.maxAnchor || cxv > t.maxAnchor || cxv > cx {
		return nil, fmt.Errorf("%w: degrees (%d, %d, %d) for scores 0..%d and anchor 0..%d", ErrSmoothing, cx, cv, cxv, t.maxScore, t.maxAnchor)
	}
	nc := t.cols()
	ncell := len(t.counts)
	pw := func(x, k int) float64 { return math.Pow(float64(x), float64(k)) }
	var cols [][]float64
	add := func(g func(x, v int) float64) {
		c := make([]float64, ncell)
		for x := 0; x <= t.maxScore; x++ {
			for v := 0; v < nc; v++ {
				c[x*nc+v] = g(x, v)
			}
		}
		cols = append(cols, c)
	}
	for i := 1; i <= cx; i++ {
		add(func(x, _ int) float64 { return pw(x, i) })
	}
	for j := 1; j <= cv; j++ {
		add(func(_, v int) float64 { return pw(v, j) })
	}
	for i := 1; i <= cxv; i++ {
		for j := 1; j <= cxv; j++ {
			add(func(x, v int) float64 { return pw(x, i) * pw(v, j) })
		}
	}
	m, err := loglinFit(t.counts, cols)
	if err != nil {
		return nil, err
	}
	out := t.Clone()
	out.counts = m
	return out, nil
}

// loglinFit fits log m = β_0 + Σ_k β_k·cols[k] to the counts n by
// Newton–Raphson with step halving, in an orthonormal basis of the span of
// (1, cols) obtained by modified Gram–Schmidt, and returns m.
func loglinFit(n []float64, cols [][]float64) ([]float64, error) {
	ncell := len(n)
	// Basis: intercept and the columns, centred and scaled, then
	// orthonormalised.
	basis := make([][]float64, 0, len(cols)+1)
	one := make([]float64, ncell)
	for i := range one {
		one[i] = 1
	}
	basis = append(basis, one)
	for _, c := range cols {
		basis = append(basis, append([]float64(nil), c...))
	}
	for k := range basis {
		b := basis[k]
		for r := 0; r < k; r++ {
			var dot float64
			for i := range b {
				dot += b[i] * basis[r][i]
			}
			for i := range b {
				b[i] -= dot * basis[r][i]
			}
		}
		var nrm float64
		for _, v := range b {
			nrm += v * v
		}
		nrm = math.Sqrt(nrm)
		if !(nrm > 1e-10) {
			return nil, fmt.Errorf("%w: the model's terms are linearly dependent on these score points", ErrSmoothing)
		}
		for i := range b {
			b[i] /= nrm
		}
	}
	p := len(basis)
	var total float64
	nonzero := 0
	for _, v := range n {
		total += v
		if v > 0 {
			nonzero++
		}
	}
	if nonzero < p {
		// With more terms than non-empty cells the ML fit does not exist
		// (fitted counts would have to reach 0).
		return nil, fmt.Errorf("%w: %d model terms for %d score points with data", ErrSmoothing, p, nonzero)
	}
	// Start from the uniform distribution: β = (log(N/ncell)·‖1‖, 0, …).
	beta := make([]float64, p)
	beta[0] = math.Log(total/float64(ncell)) * math.Sqrt(float64(ncell))
	eta := make([]float64, ncell)
	m := make([]float64, ncell)
	fitted := func(b []float64) float64 {
		var ll float64
		for i := range eta {
			var s float64
			for k := range b {
				s += b[k] * basis[k][i]
			}
			eta[i] = s
			m[i] = math.Exp(s)
			ll += n[i]*s - m[i]
		}
		return ll
	}
	ll := fitted(beta)
	g := make([]float64, p)
	h := mat.NewSymDense(p, nil)
	var chol mat.Cholesky
	gv := mat.NewVecDense(p, g)
	step := mat.NewVecDense(p, nil)
	trial := make([]float64, p)
	tol := 1e-10 * math.Max(total, 1)
	for iter := 0; iter < 200; iter++ {
		var gmax float64
		for k := range g {
			var s float64
			for i := range n {
				s += basis[k][i] * (n[i] - m[i])
			}
			g[k] = s
			gmax = math.Max(gmax, math.Abs(s))
		}
		if gmax < tol {
			return append([]float64(nil), m...), nil
		}
		for a := 0; a < p; a++ {
			for b := a; b < p; b++ {
				var s float64
				for i := range m {
					s += basis[a][i] * basis[b][i] * m[i]
				}
				h.SetSym(a, b, s)
			}
		}
		if ok := chol.Factorize(h); !ok {
			return nil, fmt.Errorf("%w: singular information matrix at iteration %d", ErrSmoothing, iter)
		}
		if err := chol.SolveVecTo(step, gv); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSmoothing, err)
		}
		improved := false
		for t := 1.0; t > 1e-10; t /= 2 {
			for k := range trial {
				trial[k] = beta[k] + t*step.AtVec(k)
			}
			if nl := fitted(trial); nl >= ll-1e-12*math.Abs(ll) && !math.IsNaN(nl) {
				copy(beta, trial)
				ll = nl
				improved = true
				break
			}
		}
		if !improved {
			ll = fitted(beta)
			break
		}
	}
	return nil, fmt.Errorf("%w: Newton–Raphson did not converge", ErrSmoothing)
}
