package irt

import "errors"

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
	// the slope–intercept metric, row-major, in the order (a, d, logit c)
	// restricted to the model's free parameters (d only for Rasch); nil for
	// a fixed item, and Cov itself is nil when standard errors were not
	// computed. The blocks come from the inverse of the full information
	// matrix (all items and latent parameters together).
	Cov   [][]float64
	Fixed []bool // item held at given values (anchored calibration)

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
