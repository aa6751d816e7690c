package irt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// BetaPrior is a Beta(Alpha, Beta) prior density on a probability, used for
// the 3PL lower asymptote c:
//
//	log p(c) = (α − 1)·log c + (β − 1)·log(1 − c) + const.
//
// Its mode is (α − 1)/(α + β − 2). The M-step maximises the posterior in c
// (no Jacobian term for the logit parameterisation).
type BetaPrior struct{ Alpha, Beta float64 }

// NormalPrior is a normal prior density with the given mean and standard
// deviation. As MMLOptions.SlopePrior it applies to log a (a lognormal prior
// on the slope); as MMLOptions.DiffPrior to the difficulty b = −d/a.
type NormalPrior struct{ Mean, SD float64 }

// DefaultGuessPrior returns the BILOG-MG default prior on the 3PL lower
// asymptote for an item with numOptions options,
//
//	α = 20·(1/k) + 1,   β = 20·(1 − 1/k) + 1,
//
// a Beta density whose mode is exactly 1/k, the probability of guessing
// right, with the weight of 20 prior observations. For k = 4 this is
// Beta(6, 16) (mean 0.27, sd 0.09). BILOG-MG's form is used rather than
// mirt's (mirt has no default prior on c) because it is what operational
// calibration programmes have long used for multiple-choice items and it
// keeps c away from 0 and 1 where the 3PL is weakly identified.
// It panics if numOptions < 2.
//
// Reference: Zimowski, M. F., Muraki, E., Mislevy, R. J. & Bock, R. D.
// (2003). BILOG-MG 3. Scientific Software International (the GPRIOR
// defaults).
func DefaultGuessPrior(numOptions int) *BetaPrior {
	if numOptions < 2 {
		panic("irt: DefaultGuessPrior needs at least 2 options")
	}
	p := 1 / float64(numOptions)
	return &BetaPrior{Alpha: 20*p + 1, Beta: 20*(1-p) + 1}
}

// Cycle reports one EM cycle to MMLOptions.Progress: the cycle's number
// (from 1), the marginal log-likelihood at the parameters the cycle started
// from, and the largest absolute parameter change it made.
type Cycle struct {
	Iter      int
	LogLik    float64
	MaxChange float64
}

// MMLOptions control FitMML. The zero value is valid: a 2PL with a N(0, 1)
// latent distribution on 61 nodes in [−6, 6], EM accelerated by SQUAREM, up
// to 500 cycles, tolerance 1e-4, standard errors computed.
type MMLOptions struct {
	Model      Model   // zero means TwoPL
	MaxIter    int     // EM cycles; zero means 500
	Tol        float64 // largest absolute parameter change at convergence; zero means 1e-4
	QuadPoints int     // zero means 61
	// QuadMin and QuadMax bound the equally spaced quadrature nodes; both
	// zero means −6 and 6 (mirt's defaults for one dimension).
	QuadMin, QuadMax float64
	Workers          int // E-step goroutines; zero means runtime.GOMAXPROCS(0)

	// EmpiricalHistogram estimates the latent distribution as a histogram
	// on the nodes (Bock & Aitkin, 1981; Woods, 2007; mirt's
	// dentype = "empiricalhist") instead of a normal one. Without anchors
	// the histogram is standardised every cycle (mean 0, and sd 1 unless
	// Rasch) to identify the scale.
	EmpiricalHistogram bool

	// GuessPrior is a prior on the 3PL lower asymptote c; nil means none
	// (mirt's default). DefaultGuessPrior gives BILOG-MG's.
	GuessPrior *BetaPrior
	// SlopePrior is a normal prior on log a (a lognormal prior on the
	// slope) for 2PL and 3PL items; nil means none.
	SlopePrior *NormalPrior
	// DiffPrior is a normal prior on b = −d/a; nil means none.
	DiffPrior *NormalPrior

	// Start, if non-nil, has one item per column: starting values for the
	// free items and the values of the fixed ones. A start's Model is
	// ignored for free items (they follow Model); for fixed items a zero
	// Model means Model.
	Start []Item
	// Fixed, if non-nil, marks items held at Start (anchored calibration,
	// Kim, 2006): the latent mean and sd are then estimated every cycle
	// (multiple-weight-updating, multiple-EM-cycles), and Result.Displacement
	// reports how far each fixed item's difficulty would move if freed.
	Fixed []bool

	// NoAcceleration turns off the SQUAREM acceleration of EM
	// (Varadhan & Roland, 2008). Both converge to the same maximum; the
	// accelerated run needs fewer cycles.
	NoAcceleration bool
	// SkipSE skips the standard errors (one pass over the rows for Rasch
	// and 2PL fits on complete data, else one pass over the cached
	// posteriors per free parameter, or 2·P E-steps when the cache would
	// exceed 64M values): the standard errors of estimated parameters are then NaN
	// and Result.Cov is nil.
	SkipSE bool

	// Progress, if non-nil, is called after each EM cycle on FitMML's
	// goroutine.
	Progress func(Cycle)

	forceOakes bool // tests: central differences of the gradient even where an analytic information applies
}

// DegenerateItemsError reports free items that nobody answered correctly
// or that everybody answered correctly (among non-missing responses), whose
// parameters have no finite maximum-likelihood estimate. Items are column
// indexes; AllCorrect[k] tells which of the two cases Items[k] is (an item
// with no observed response at all counts as nobody correct).
type DegenerateItemsError struct {
	Items      []int
	AllCorrect []bool
}

func (e *DegenerateItemsError) Error() string {
	var b strings.Builder
	b.WriteString("irt: no finite estimate for items that nobody or everybody answered correctly: ")
	for k, j := range e.Items {
		if k > 0 {
			b.WriteString(", ")
		}
		if e.AllCorrect[k] {
			fmt.Fprintf(&b, "%d (all correct)", j)
		} else {
			fmt.Fprintf(&b, "%d (none correct)", j)
		}
	}
	return b.String()
}

// HeywoodWarning reports an item whose estimate lies at or beyond a
// plausible boundary (a Heywood-type case): a slope that is negative or
// very large, or a 3PL lower asymptote at 0 or above 0.5. Item is the
// column index; Param is "a", "c" or "latent sd".
type HeywoodWarning struct {
	Item  int
	Param string
	Value float64
	Msg   string
}

func (w *HeywoodWarning) Error() string {
	if w.Item < 0 {
		return fmt.Sprintf("irt: %s = %.4g: %s", w.Param, w.Value, w.Msg)
	}
	return fmt.Sprintf("irt: item %d: %s = %.4g: %s", w.Item, w.Param, w.Value, w.Msg)
}

// mmlNotConverged is the warning of a fit stopped at MaxIter.
type mmlNotConverged struct {
	iters     int
	change    float64
	tol       float64
	converged bool
}

func (e *mmlNotConverged) Error() string {
	return fmt.Sprintf("irt: MML stopped after %d EM cycles with a parameter change of %.3g (tolerance %.3g): not converged",
		e.iters, e.change, e.tol)
}

func (e *mmlNotConverged) Unwrap() error { return ErrNotConverged }

// Heywood thresholds.
const (
	mmlSlopeWarn = 8.0  // a above this is reported
	mmlGuessLow  = 1e-4 // c below this is reported as at its boundary
	mmlGuessHigh = 0.5
)

// mmlFit is the state of one FitMML call.
type mmlFit struct {
	ctx       context.Context
	o         MMLOptions
	d         *mmlData
	J, Q      int
	theta     []float64
	model     Model
	items     []Item
	fixed     []bool
	pr        *mmlPriors
	eng       *mmlEngine
	want      mmlWant
	offs      []int // offset of free item j in the parameter vector, −1 if fixed
	paramItem []int // item of each item parameter in the vector
	nItemP    int   // item parameters in the vector

	anchored       bool
	eh             bool
	estMean, estSD bool // normal latent: which moments are free
	mean, sd       float64
	ehW            []float64 // EH weights
	logPrior       []float64
	priorUpdate    string

	nbuf [][]float64 // per-worker n_jq buffers for the M-step
}

// FitMML estimates item parameters by marginal maximum likelihood with the
// EM algorithm of Bock & Aitkin (1981) over a fixed rectangular quadrature
// (QuadPoints equally spaced nodes on [QuadMin, QuadMax], normal weights):
//
//	log L = Σ_i w_i log Σ_q π_q Π_{j observed} P_j(θ_q)^x_ij (1 − P_j(θ_q))^(1−x_ij),
//
// with responses Missing left out and Weights as frequency weights. Items
// are in the slope–intercept metric, logit P* = a·θ + d, with lower asymptote
// c for the 3PL. The latent distribution is N(0, 1) for the 2PL and 3PL; for
// the Rasch model the slopes are 1 and the latent sd is estimated (mean 0),
// as mirt does; with anchors (Fixed) mean and sd are estimated; with
// EmpiricalHistogram the distribution is a histogram.
//
// EM is accelerated by SQUAREM (Varadhan & Roland, 2008) unless
// NoAcceleration is set. Convergence is declared when an EM cycle changes no
// parameter (a, d, logit c, latent mean and sd) by Tol or more;
// Result.Iterations counts EM cycles (E-step and M-step pairs, SQUAREM's
// included). Slopes are bounded to |a| ≤ 20 and logit c to [−20, 20]. FitMML checks
// ctx between cycles and returns ctx.Err() if it is done. If it stops at
// MaxIter, the result has Converged == false and a warning wrapping
// ErrNotConverged. Boundary estimates are reported as *HeywoodWarning.
//
// Result.LogLik is the marginal log-likelihood at the estimates, without the
// log prior densities (priors change the estimates, not the reported
// likelihood, AIC or BIC). NumParams counts the free item parameters plus
// the estimated latent moments (the Rasch variance, as mirt counts it; mean
// and variance with anchors; Q − 1 minus the standardised moments for an
// empirical histogram). AIC = −2 log L + 2k, BIC = −2 log L + k log N.
//
// Standard errors (unless SkipSE) come from the observed information matrix
// over all free parameters, items and latent variance together: the
// observed-data gradient is computed exactly through Fisher's identity (the
// posterior expectation of the complete-data gradient) and differentiated
// by central differences, which is Oakes' (1999) identity as mirt applies it
// (SE.type = "Oakes"); where the posteriors fit in memory the derivative of
// the E-step is taken analytically instead (mml_oakes.go). For Rasch and
// 2PL fits on complete data (every item,
// fixed ones too, with c = 0) the same matrix is computed exactly in one
// pass over the rows by Louis' (1982) formula (see mml_louis.go), in about
// the time of one E-step instead of 2·P. Priors, if any, enter the
// information. The histogram weights of EmpiricalHistogram are treated as
// known.
//
// Free items nobody or everybody answered correctly give a
// *DegenerateItemsError. Responses other than 0, 1 and Missing give an
// error. FitMML panics if r is nil or inconsistent (len(X) != N·J).
//
// References: Bock, R. D. & Aitkin, M. (1981). Psychometrika, 46, 443–459.
// Oakes, D. (1999). Direct calculation of the information matrix via the EM
// algorithm. JRSS B, 61, 479–482. Louis, T. A. (1982). Finding the observed
// information matrix when using the EM algorithm. JRSS B, 44, 226–233. Varadhan, R. & Roland, C. (2008). Simple
// and globally convergent methods for accelerating the convergence of any
// EM algorithm. Scandinavian Journal of Statistics, 35, 335–353.
// Kim, S. (2006). A comparative study of IRT fixed parameter calibration
// methods. Journal of Educational Measurement, 43, 355–381.
// Chalmers, R. P. (2012). mirt: A multidimensional item response theory
// package for the R environment. Journal of Statistical Software, 48(6).
func FitMML(ctx context.Context, r *Responses, opts MMLOptions) (*Result, error) {
	if r == nil {
		panic("irt: FitMML: nil Responses")
	}
	if r.N < 0 || r.J < 0 || len(r.X) != r.N*r.J || (r.Weights != nil && len(r.Weights) != r.N) {
		panic("irt: FitMML: inconsistent Responses (len(X) != N*J or len(Weights) != N)")
	}
	if r.J == 0 {
		return nil, errors.New("irt: no items")
	}
	o, err := mmlNormalizeOptions(opts, r.J)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := mmlPackData(r, o.Workers)
	if err != nil {
		return nil, err
	}
	if d.Ntot == 0 {
		return nil, errors.New("irt: no responses to calibrate (every row empty or of weight zero)")
	}
	f := &mmlFit{ctx: ctx, o: o, d: d, J: r.J, Q: o.QuadPoints, model: o.Model}
	if err := f.setup(); err != nil {
		return nil, err
	}
	return f.run()
}

func mmlNormalizeOptions(o MMLOptions, J int) (MMLOptions, error) {
	if o.Model == 0 {
		o.Model = TwoPL
	}
	switch o.Model {
	case Rasch, TwoPL, ThreePL:
	default:
		return o, fmt.Errorf("irt: invalid model %v", o.Model)
	}
	if o.MaxIter == 0 {
		o.MaxIter = 500
	}
	if o.MaxIter < 0 {
		return o, fmt.Errorf("irt: MaxIter %d < 0", o.MaxIter)
	}
	if o.Tol == 0 {
		o.Tol = 1e-4
	}
	if !(o.Tol > 0) {
		return o, fmt.Errorf("irt: tolerance %v: want > 0", o.Tol)
	}
	if o.QuadPoints == 0 {
		o.QuadPoints = 61
	}
	if o.QuadPoints < 5 {
		return o, fmt.Errorf("irt: %d quadrature points: want at least 5", o.QuadPoints)
	}
	if o.QuadMin == 0 && o.QuadMax == 0 {
		o.QuadMin, o.QuadMax = -6, 6
	}
	if !(o.QuadMax > o.QuadMin) || math.IsInf(o.QuadMin, 0) || math.IsInf(o.QuadMax, 0) {
		return o, fmt.Errorf("irt: quadrature range [%v, %v]: want finite QuadMin < QuadMax", o.QuadMin, o.QuadMax)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Start != nil && len(o.Start) != J {
		return o, fmt.Errorf("irt: %d starting items for %d columns", len(o.Start), J)
	}
	if o.Fixed != nil {
		if len(o.Fixed) != J {
			return o, fmt.Errorf("irt: %d fixed flags for %d columns", len(o.Fixed), J)
		}
		if o.Start == nil {
			for _, fx := range o.Fixed {
				if fx {
					return o, errors.New("irt: fixed items need their values in Start")
				}
			}
		}
	}
	if p := o.GuessPrior; p != nil && !(p.Alpha > 0 && p.Beta > 0) {
		return o, fmt.Errorf("irt: guessing prior Beta(%v, %v): want α, β > 0", p.Alpha, p.Beta)
	}
	for _, p := range []*NormalPrior{o.SlopePrior, o.DiffPrior} {
		if p != nil && !(p.SD > 0) {
			return o, fmt.Errorf("irt: normal prior with sd %v: want > 0", p.SD)
		}
	}
	return o, nil
}

// setup checks the items, sets starting values and the latent distribution.
func (f *mmlFit) setup() error {
	o, d, J := f.o, f.d, f.J
	q := NormalQuadrature(o.QuadPoints, o.QuadMin, o.QuadMax, 0, 1)
	f.theta = q.Nodes
	f.fixed = make([]bool, J)
	if o.Fixed != nil {
		copy(f.fixed, o.Fixed)
	}
	for _, fx := range f.fixed {
		f.anchored = f.anchored || fx
	}
	if o.GuessPrior != nil || o.SlopePrior != nil || o.DiffPrior != nil {
		f.pr = &mmlPriors{slope: o.SlopePrior, diff: o.DiffPrior, guess: o.GuessPrior}
	}

	// Degenerate free items.
	var deg DegenerateItemsError
	for j := 0; j < J; j++ {
		if f.fixed[j] {
			continue
		}
		if d.R[j] <= 0 || d.Nobs[j] <= 0 {
			deg.Items = append(deg.Items, j)
			deg.AllCorrect = append(deg.AllCorrect, false)
		} else if d.R[j] >= d.Nobs[j] {
			deg.Items = append(deg.Items, j)
			deg.AllCorrect = append(deg.AllCorrect, true)
		}
	}
	if len(deg.Items) > 0 {
		return &deg
	}

	// Items: fixed at Start, free from Start or from p-values.
	f.items = make([]Item, J)
	f.offs = make([]int, J)
	k := f.model.NumParams()
	for j := 0; j < J; j++ {
		if f.fixed[j] {
			it := o.Start[j]
			if it.Model == 0 {
				it.Model = f.model
			}
			switch it.Model {
			case Rasch, TwoPL, ThreePL:
			default:
				return fmt.Errorf("irt: fixed item %d: invalid model %v", j, it.Model)
			}
			if !mmlFinite(it.A) || !mmlFinite(it.D) || !(it.C >= 0 && it.C < 1) {
				return fmt.Errorf("irt: fixed item %d: invalid parameters a=%v d=%v c=%v", j, it.A, it.D, it.C)
			}
			f.items[j] = it
			f.offs[j] = -1
			continue
		}
		f.offs[j] = f.nItemP
		f.nItemP += k
		for range k {
			f.paramItem = append(f.paramItem, j)
		}
		f.items[j] = f.startItem(j)
	}

	// Latent distribution.
	f.eh = o.EmpiricalHistogram
	f.mean, f.sd = 0, 1
	if f.eh {
		f.priorUpdate = "EH"
		if f.anchored {
			f.priorUpdate = "MWU-MEM EH"
		}
	} else {
		f.estMean = f.anchored
		f.estSD = f.anchored || f.model == Rasch
		switch {
		case f.anchored:
			f.priorUpdate = "MWU-MEM"
		case f.estSD:
			f.priorUpdate = "sd"
		default:
			f.priorUpdate = "fixed"
		}
	}
	f.logPrior = make([]float64, f.Q)
	mmlNormalLogWeights(f.theta, f.mean, f.sd, f.logPrior)
	if f.eh {
		f.ehW = make([]float64, f.Q)
		for q := range f.ehW {
			f.ehW[q] = math.Exp(f.logPrior[q])
		}
	}

	for j := 0; j < J; j++ {
		if f.fixed[j] {
			continue
		}
		switch f.model {
		case TwoPL:
			f.want.t = true
		case ThreePL:
			f.want.r = true
		}
	}
	f.eng = newMMLEngine(d, f.theta, o.Workers)
	f.nbuf = make([][]float64, o.Workers)
	for w := range f.nbuf {
		f.nbuf[w] = make([]float64, f.Q)
	}
	return nil
}

func mmlFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// startItem returns the starting value of free item j: Start[j] if given,
// otherwise a = 1, d from the p-value corrected for the spread of θ
// (d ≈ logit(p)·√(1 + a²/1.7²)), and for the 3PL c = 0.2 (or the prior's
// mode) with d from the p-value above chance.
func (f *mmlFit) startItem(j int) Item {
	m := f.model
	if f.o.Start != nil {
		it := f.o.Start[j]
		if mmlFinite(it.A) && mmlFinite(it.D) && it.A != 0 {
			switch m {
			case Rasch:
				return Item{Model: Rasch, A: 1, D: it.D}
			case TwoPL:
				return Item{Model: TwoPL, A: it.A, D: it.D}
			default:
				c := it.C
				if !(c > 0 && c < 1) {
					c = f.startGuess(j)
				}
				return Item{Model: ThreePL, A: it.A, D: it.D, C: c}
			}
		}
	}
	p := f.d.R[j] / f.d.Nobs[j]
	const k = 1.17 // √(1 + 1/1.7²)
	switch m {
	case Rasch:
		return Item{Model: Rasch, A: 1, D: mmlLogit(p) * k}
	case TwoPL:
		return Item{Model: TwoPL, A: 1, D: mmlLogit(p) * k}
	}
	c := f.startGuess(j)
	ps := (p - c) / (1 - c)
	return Item{Model: ThreePL, A: 1, D: mmlLogit(ps) * k, C: c}
}

func (f *mmlFit) startGuess(j int) float64 {
	c := 0.2
	if g := f.o.GuessPrior; g != nil && g.Alpha > 1 && g.Beta > 1 {
		c = (g.Alpha - 1) / (g.Alpha + g.Beta - 2)
	}
	p := f.d.R[j] / f.d.Nobs[j]
	if p < c+0.05 {
		c = max(p/2, 0.001)
	}
	return c
}

// nParams is the length of the EM parameter vector: free item parameters,
// then the latent mean and sd if estimated.
func (f *mmlFit) nParams() int {
	n := f.nItemP
	if f.estMean {
		n++
	}
	if f.estSD {
		n++
	}
	return n
}

func (f *mmlFit) pack(items []Item, mean, sd float64, x []float64) {
	for j, it := range items {
		if o := f.offs[j]; o >= 0 {
			mmlItemVec(f.model, it, x[o:])
		}
	}
	k := f.nItemP
	if f.estMean {
		x[k] = mean
		k++
	}
	if f.estSD {
		x[k] = sd
	}
}

func (f *mmlFit) unpack(x []float64, items []Item) (mean, sd float64) {
	np := f.model.NumParams()
	for j := range items {
		if o := f.offs[j]; o >= 0 {
			items[j] = mmlItemFromVec(f.model, x[o:o+np])
		}
	}
	mean, sd = f.mean, f.sd
	k := f.nItemP
	if f.estMean {
		mean = x[k]
		k++
	}
	if f.estSD {
		sd = x[k]
	}
	return mean, sd
}

// valid reports whether x can be evaluated (after an extrapolation).
func (f *mmlFit) valid(x []float64) bool {
	for _, v := range x {
		if !mmlFinite(v) {
			return false
		}
	}
	if f.estSD && !(x[f.nParams()-1] > 0.01) {
		return false
	}
	if f.model != Rasch {
		for j := range f.items {
			if o := f.offs[j]; o >= 0 && math.Abs(x[o]) > mmlSlopeMax {
				return false
			}
		}
	}
	if f.model == ThreePL {
		for j := range f.items {
			if o := f.offs[j]; o >= 0 && (x[o+2] < mmlLogitCMin || x[o+2] > mmlLogitCMax) {
				return false
			}
		}
	}
	if f.pr != nil && f.pr.slope != nil && f.model != Rasch {
		for j := range f.items {
			if o := f.offs[j]; o >= 0 && !(x[o] > 0) {
				return false
			}
		}
	}
	return true
}

// setLogPrior sets f.logPrior for the latent distribution (mean, sd) or the
// current histogram.
func (f *mmlFit) setLogPrior(mean, sd float64) {
	if f.eh {
		for q, w := range f.ehW {
			f.logPrior[q] = math.Log(w)
		}
		return
	}
	mmlNormalLogWeights(f.theta, mean, sd, f.logPrior)
}

// emMap is one EM cycle: the E-step at x, then the M-step, writing the new
// parameters to out. It returns the log-likelihood at x and the largest
// change of the latent moments of a histogram (zero otherwise).
func (f *mmlFit) emMap(x, out []float64) (ll, latentChange float64, err error) {
	items := f.items
	mean, sd := f.unpack(x, items)
	f.setLogPrior(mean, sd)
	st := f.eng.estep(items, f.logPrior, f.want)
	ll = st.ll
	if err := f.mstepItems(st, items); err != nil {
		return ll, 0, err
	}
	switch {
	case f.eh:
		m0, s0 := mmlMoments(f.theta, f.ehW)
		mmlEHUpdate(f.theta, st.nq, !f.anchored, !f.anchored && f.model != Rasch, f.ehW)
		m1, s1 := mmlMoments(f.theta, f.ehW)
		latentChange = max(math.Abs(m1-m0), math.Abs(s1-s0))
		mean, sd = m1, s1
	case f.estMean || f.estSD:
		mean, sd = mmlFitNormal(f.theta, st.nq, !f.estMean, mean)
	}
	f.mean, f.sd = mean, sd
	f.pack(items, mean, sd, out)
	return ll, latentChange, nil
}

func mmlMoments(theta, w []float64) (mean, sd float64) {
	return Quadrature{Nodes: theta, Weights: w}.Moments()
}

// mstepItems runs the M-step of every free item, in parallel over items.
func (f *mmlFit) mstepItems(st *mmlStats, items []Item) error {
	J := f.J
	nw := min(f.o.Workers, J)
	if J*f.Q < 2000 {
		nw = 1
	}
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for w := 0; w < nw; w++ {
		lo, hi := w*J/nw, (w+1)*J/nw
		nbuf := f.nbuf[w]
		wg.Go(func() {
			for j := lo; j < hi; j++ {
				if f.fixed[j] {
					continue
				}
				tg := f.target(st, j, nbuf)
				it, ok := mmlMStepItem(f.model, items[j], &tg, f.pr)
				if !ok {
					errs[w] = fmt.Errorf("irt: item %d: M-step failed at a=%v d=%v c=%v", j, items[j].A, items[j].D, items[j].C)
					return
				}
				items[j] = it
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// target assembles item j's M-step input from the E-step counts, using nbuf
// for n_jq when the data have missing responses.
func (f *mmlFit) target(st *mmlStats, j int, nbuf []float64) mmlItemTarget {
	Q := f.Q
	tg := mmlItemTarget{theta: f.theta, n: st.nq, T: st.t[j], R: f.d.R[j]}
	if st.m != nil {
		m := st.m[j*Q : (j+1)*Q]
		for q := range nbuf {
			nbuf[q] = st.nq[q] - m[q]
		}
		tg.n = nbuf
	}
	tg.r = st.r[j*Q : (j+1)*Q]
	return tg
}

// run iterates EM (with SQUAREM) to convergence and assembles the result.
func (f *mmlFit) run() (*Result, error) {
	o := f.o
	n := f.nParams()
	x0 := make([]float64, n)
	x1 := make([]float64, n)
	x2 := make([]float64, n)
	x3 := make([]float64, n)
	xp := make([]float64, n)
	f.pack(f.items, f.mean, f.sd, x0)

	iter := 0
	var lastChange float64
	step := func(x, out []float64) (float64, float64, error) {
		if err := f.ctx.Err(); err != nil {
			return 0, 0, err
		}
		ll, lc, err := f.emMap(x, out)
		if err != nil {
			return 0, 0, err
		}
		iter++
		ch := lc
		for i := range x {
			ch = max(ch, math.Abs(out[i]-x[i]))
		}
		if math.IsNaN(ch) {
			ch = math.Inf(1)
		}
		lastChange = ch
		if o.Progress != nil {
			o.Progress(Cycle{Iter: iter, LogLik: ll, MaxChange: ch})
		}
		return ll, ch, nil
	}

	converged := false
	final := x0
	stepMax := 1.0
	var ehSave []float64
	if f.eh {
		ehSave = make([]float64, f.Q)
	}
	for iter < o.MaxIter {
		_, ch, err := step(x0, x1)
		if err != nil {
			return nil, err
		}
		final = x1
		if ch < o.Tol {
			converged = true
			break
		}
		if o.NoAcceleration || iter >= o.MaxIter {
			x0, x1 = x1, x0
			continue
		}
		ll1, ch, err := step(x1, x2)
		if err != nil {
			return nil, err
		}
		final = x2
		if ch < o.Tol {
			converged = true
			break
		}
		// SQUAREM, scheme S3: α = −‖r‖/‖v‖ with r = x1 − x0,
		// v = x2 − 2x1 + x0; x' = x0 − 2αr + α²v, then one EM cycle.
		var rr, vv float64
		for i := range x0 {
			r := x1[i] - x0[i]
			v := x2[i] - 2*x1[i] + x0[i]
			rr += r * r
			vv += v * v
		}
		alpha := -math.Sqrt(rr / vv)
		if !(alpha < -1) {
			alpha = -1
		}
		if alpha < -stepMax {
			alpha = -stepMax
		}
		if alpha == -stepMax {
			stepMax *= 4
		}
		if alpha == -1 || iter >= o.MaxIter {
			x0, x2 = x2, x0
			continue
		}
		for i := range x0 {
			r := x1[i] - x0[i]
			v := x2[i] - 2*x1[i] + x0[i]
			xp[i] = x0[i] - 2*alpha*r + alpha*alpha*v
		}
		if !f.valid(xp) {
			x0, x2 = x2, x0
			continue
		}
		if f.eh {
			copy(ehSave, f.ehW)
		}
		saveMean, saveSD := f.mean, f.sd
		llp, ch, err := step(xp, x3)
		if err != nil {
			return nil, err
		}
		// EM increases the log-likelihood plus the log priors; so must the
		// extrapolation.
		if obj := llp + f.logPriorSum(xp); math.IsNaN(obj) || obj < ll1+f.logPriorSum(x1) {
			// The extrapolation lost likelihood: fall back to x2.
			if f.eh {
				copy(f.ehW, ehSave)
			}
			f.mean, f.sd = saveMean, saveSD
			stepMax = max(1, stepMax/4)
			final = x2
			x0, x2 = x2, x0
			continue
		}
		final = x3
		if ch < o.Tol {
			converged = true
			break
		}
		x0, x3 = x3, x0
	}
	return f.result(final, iter, converged, lastChange)
}

// logPriorSum is the sum of the items' log prior densities at x (zero
// without priors).
func (f *mmlFit) logPriorSum(x []float64) float64 {
	if f.pr == nil {
		return 0
	}
	np := f.model.NumParams()
	var g [3]float64
	var H [3][3]float64
	var s float64
	for j := range f.items {
		if o := f.offs[j]; o >= 0 {
			s += mmlPriorTerms(f.model, x[o:o+np], f.pr, &g, &H, false)
		}
	}
	return s
}

// result runs a last E-step at x and assembles the Result.
func (f *mmlFit) result(x []float64, iter int, converged bool, change float64) (*Result, error) {
	o := f.o
	items := f.items
	mean, sd := f.unpack(x, items)
	if f.eh {
		mean, sd = mmlMoments(f.theta, f.ehW)
	}
	f.mean, f.sd = mean, sd
	f.setLogPrior(mean, sd)
	want := mmlWant{}
	if f.anchored {
		want = mmlWant{t: true, r: true}
	}
	st := f.eng.estep(items, f.logPrior, want)
	if err := f.ctx.Err(); err != nil {
		return nil, err
	}

	res := &Result{
		Model:       f.model,
		Items:       append([]Item(nil), items...),
		SE:          make([]ItemSE, f.J),
		Cov:         make([]ItemCov, f.J),
		Fixed:       append([]bool(nil), f.fixed...),
		LogLik:      st.ll,
		N:           f.d.Ntot,
		Iterations:  iter,
		Converged:   converged,
		MaxChange:   change,
		LatentMean:  mean,
		LatentSD:    sd,
		Method:      "mml",
		PriorUpdate: f.priorUpdate,
	}
	lat := Quadrature{Nodes: append([]float64(nil), f.theta...), Weights: make([]float64, f.Q)}
	for q, lw := range f.logPrior {
		lat.Weights[q] = math.Exp(lw)
	}
	res.Latent = lat
	k := f.nItemP
	switch {
	case f.eh:
		k += f.Q - 1
		if !f.anchored {
			k--
			if f.model != Rasch {
				k--
			}
		}
	default:
		if f.estMean {
			k++
		}
		if f.estSD {
			k++
		}
	}
	res.NumParams = k
	res.AIC = -2*res.LogLik + 2*float64(k)
	res.BIC = -2*res.LogLik + float64(k)*math.Log(res.N)

	if n := f.d.nEmpty; n > 0 {
		res.Warnings = append(res.Warnings, fmt.Errorf("irt: %d rows without an observed response left out of the calibration", n))
	}
	if !converged {
		res.Warnings = append(res.Warnings, &mmlNotConverged{iters: iter, change: change, tol: o.Tol})
	}
	res.Warnings = append(res.Warnings, f.heywood(items, sd)...)
	if f.anchored {
		res.Displacement = f.displacement(st, items)
	}
	if o.SkipSE {
		f.fillSkippedSE(res)
	} else {
		ws, err := f.standardErrors(x, res)
		if err != nil {
			return nil, err
		}
		res.Warnings = append(res.Warnings, ws...)
	}
	return res, nil
}

// heywood lists boundary estimates of the free items and the latent sd.
func (f *mmlFit) heywood(items []Item, sd float64) []error {
	var ws []error
	for j, it := range items {
		if f.fixed[j] {
			continue
		}
		if f.model != Rasch {
			switch {
			case !(it.A > 0):
				ws = append(ws, &HeywoodWarning{Item: j, Param: "a", Value: it.A, Msg: "slope not positive"})
			case it.A >= mmlSlopeMax:
				ws = append(ws, &HeywoodWarning{Item: j, Param: "a", Value: it.A, Msg: fmt.Sprintf("slope at its bound %g: the likelihood rises without limit toward a step function", mmlSlopeMax)})
			case it.A > mmlSlopeWarn:
				ws = append(ws, &HeywoodWarning{Item: j, Param: "a", Value: it.A, Msg: fmt.Sprintf("slope above %g, a near-step response function", mmlSlopeWarn)})
			}
		}
		if f.model == ThreePL {
			switch {
			case it.C < mmlGuessLow:
				ws = append(ws, &HeywoodWarning{Item: j, Param: "c", Value: it.C, Msg: "lower asymptote at its boundary 0"})
			case it.C > mmlGuessHigh:
				ws = append(ws, &HeywoodWarning{Item: j, Param: "c", Value: it.C, Msg: fmt.Sprintf("lower asymptote above %g", mmlGuessHigh)})
			}
		}
	}
	if (f.estSD || f.eh) && sd < 0.05 {
		ws = append(ws, &HeywoodWarning{Item: -1, Param: "latent sd", Value: sd, Msg: "latent distribution collapsed"})
	}
	sort.SliceStable(ws, func(a, b int) bool { return ws[a].(*HeywoodWarning).Item < ws[b].(*HeywoodWarning).Item })
	return ws
}
