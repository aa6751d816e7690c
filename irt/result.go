package irt

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// ErrNotConverged is wrapped by the warning a fit records when it stops at
// its iteration cap before reaching its tolerance.
var ErrNotConverged = errors.New("irt: not converged")

// ItemSE holds the standard errors of one item's parameters in both metrics.
// A zero value means the parameter was not estimated (fixed, or absent from
// the model); NaN means the information matrix did not give one.
type ItemSE struct {
	// Slope–intercept metric.
	A, D, LogitC float64
	// IRT metric by the delta method: b = −d/a, c = 1/(1 + exp(−logit c)).
	B, C float64
}

// Result is the outcome of a calibration.
type Result struct {
	Model Model
	Items []Item   // estimates in input item order
	SE    []ItemSE // standard errors, parallel to Items
	// Cov holds, per item, the covariance matrix of its free parameters in
	// the slope–intercept metric (see ItemCov): a fixed item has the zero
	// ItemCov, and Cov itself is nil when standard errors were not computed.
	// For MML the blocks come from the inverse of the full information
	// matrix (all items and latent parameters together); CML and JML give
	// the variance of d alone. Its diagonal is the square of SE's A, D and
	// LogitC.
	Cov []ItemCov
	// ParamCov is the covariance matrix of every estimated parameter of an
	// MML fit, the inverse of the observed information: the free items'
	// parameters in item order (each in the order of its ItemCov.Names),
	// then the latent mean and variance where they are estimated. It
	// carries the covariances between items that linking standard errors
	// need (see ItemsCov). Nil for CML and JML and when standard errors
	// were not computed.
	ParamCov *mat.SymDense
	Fixed    []bool // item held at given values (anchored calibration)

	LogLik     float64 // marginal (MML), conditional (CML) or joint (JML) log-likelihood
	NumParams  int     // number of estimated parameters, for AIC and BIC
	N          float64 // number of candidates (sum of weights)
	AIC, BIC   float64
	Iterations int
	Converged  bool
	MaxChange  float64 // largest parameter change at the last iteration

	LatentMean, LatentSD float64    // of the latent distribution (MML)
	Latent               Quadrature // final latent distribution (MML); empty otherwise
	Method               string     // "mml", "cml" or "jml"

	// LatentMeanSE and LatentVarSE are the standard errors of the latent
	// mean and variance where MML estimates them (the variance under the
	// Rasch model, both with anchors); zero where they are fixed.
	LatentMeanSE, LatentVarSE float64
	// PriorUpdate names how MML updated the latent distribution between EM
	// cycles: "fixed" (N(0, 1)), "sd" (Rasch: sd estimated, mean 0),
	// "MWU-MEM" (anchored calibration: mean and sd re-estimated every cycle,
	// Kim 2006), "EH" (empirical histogram) or "MWU-MEM EH".
	PriorUpdate string
	// Displacement holds, in an anchored calibration, for each fixed item
	// b_free − b_fixed: how far its difficulty would move if it alone were
	// freed under the final posterior (θ metric); NaN for free items. Nil
	// without anchors.
	Displacement []float64

	Warnings []error
}

// ItemCov is the covariance matrix of one item's free parameters in the
// slope–intercept metric of Item, logit P* = a·θ + d, named
//
//	Rasch: d             (the slope is fixed at 1, common to all items; the
//	                      spread of θ is carried by the latent variance)
//	2PL:   a, d
//	3PL:   a, d, logit_c (logit_c = log(c/(1 − c)))
//
// M is len(Names) × len(Names), symmetric, row and column k for Names[k].
// The zero ItemCov (no names) belongs to a fixed item. The variance of the
// difficulty b = −d/a follows by the delta method (VarB).
type ItemCov struct {
	Names []string
	M     [][]float64
}

// Parameter names of ItemCov.
const (
	ParamA      = "a"
	ParamD      = "d"
	ParamLogitC = "logit_c"
)

// ParamNames returns the names of the model's free item parameters in the
// order of ItemCov and of the parameter vectors of LinkSE: [d] for Rasch,
// [a d] for 2PL, [a d logit_c] for 3PL. It panics on an invalid model.
func (m Model) ParamNames() []string {
	switch m {
	case Rasch:
		return []string{ParamD}
	case TwoPL:
		return []string{ParamA, ParamD}
	case ThreePL:
		return []string{ParamA, ParamD, ParamLogitC}
	}
	panic("irt: invalid model")
}

// index returns the position of name in c.Names, or −1.
func (c ItemCov) index(name string) int {
	for k, n := range c.Names {
		if n == name {
			return k
		}
	}
	return -1
}

// Cov returns the covariance of parameters p and q (names as in Names);
// zero if either is not a free parameter of the item.
func (c ItemCov) Cov(p, q string) float64 {
	i, k := c.index(p), c.index(q)
	if i < 0 || k < 0 {
		return 0
	}
	return c.M[i][k]
}

// Var returns the variance of parameter p; zero if it is not free.
func (c ItemCov) Var(p string) float64 { return c.Cov(p, p) }

// VarB returns the delta-method variance of the difficulty b = −d/a of
// item it,
//
//	Var b = ∇bᵀ Σ ∇b,   ∇b = (∂b/∂a, ∂b/∂d) = (d/a², −1/a),
//
// which is Var d when the slope is fixed (Rasch, a = 1). It is NaN if the
// item has no free parameters.
func (c ItemCov) VarB(it Item) float64 {
	if c.index(ParamD) < 0 {
		return math.NaN()
	}
	ga, gd := it.D/(it.A*it.A), -1/it.A
	return ga*ga*c.Var(ParamA) + 2*ga*gd*c.Cov(ParamA, ParamD) + gd*gd*c.Var(ParamD)
}

// newItemCov builds the ItemCov of model m from a row-major block.
func newItemCov(m Model, blk []float64) ItemCov {
	names := m.ParamNames()
	np := len(names)
	c := ItemCov{Names: names, M: make([][]float64, np)}
	for a := range np {
		c.M[a] = append([]float64(nil), blk[a*np:(a+1)*np]...)
	}
	return c
}

// ItemsCov returns the covariance matrix of the free parameters of the
// listed items (indexes into r.Items), stacked item by item in the order of
// items and, within an item, of r.Model.ParamNames(): the parameter vector
// that LinkSE expects for one form. The covariances between items come from
// r.ParamCov when it is set (MML); otherwise (CML, JML) the matrix is block
// diagonal from r.Cov. A fixed item has rows and columns of zeros (it is
// known without error). ItemsCov returns nil if r.Cov is nil (standard
// errors not computed). It panics if an index is out of range.
func (r *Result) ItemsCov(items []int) *mat.SymDense {
	if r.Cov == nil {
		return nil
	}
	np := r.Model.NumParams()
	offs := make([]int, len(r.Cov)) // offset in ParamCov, −1 if fixed
	o := 0
	for j, c := range r.Cov {
		if len(c.Names) == 0 {
			offs[j] = -1
			continue
		}
		offs[j] = o
		o += len(c.Names)
	}
	out := mat.NewSymDense(len(items)*np, nil)
	for x, j := range items {
		if offs[j] < 0 {
			continue
		}
		for y, k := range items[x:] {
			y += x
			if offs[k] < 0 {
				continue
			}
			for a := range np {
				for b := range np {
					var v float64
					switch {
					case r.ParamCov != nil:
						v = r.ParamCov.At(offs[j]+a, offs[k]+b)
					case j == k:
						v = r.Cov[j].M[a][b]
					}
					if x == y && b < a {
						continue
					}
					out.SetSym(x*np+a, y*np+b, v)
				}
			}
		}
	}
	return out
}
