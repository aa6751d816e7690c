package projection

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/internal/replicate"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/itemlab/itemlab/irt"
)

// Population is the latent ability distribution of the candidates a
// projection is for, on the scale's θ metric: normal with Mean and SD, or,
// when Hist is non-nil, that discrete distribution (e.g. the empirical
// histogram of a calibration) shifted by Mean. N, if positive, is the number
// of candidates it was estimated from; the intervals then include the
// uncertainty of its mean and SD.
type Population struct {
	Mean, SD float64
	Hist     *irt.Quadrature
	N        int
}

func (p Population) quadrature(shift float64) irt.Quadrature {
	if p.Hist != nil {
		q := irt.Quadrature{Nodes: make([]float64, len(p.Hist.Nodes)), Weights: p.Hist.Weights}
		for k, x := range p.Hist.Nodes {
			q.Nodes[k] = x + p.Mean + shift
		}
		return q
	}
	m := p.Mean + shift
	return irt.NormalQuadrature(81, m-6*p.SD, m+6*p.SD, m, p.SD)
}

// Options tune Project. The zero value projects at the scale's cut
// with a curve over cuts 350–430 by 1, shifts −0.5..0.5 logits by 0.1 and
// 200 replications for the intervals.
type Options struct {
	Cuts     []float64 // scale-score cuts of the curve; nil means 350..430 by 1
	Shifts   []float64 // population mean shifts in logits; nil means −0.5..0.5 by 0.1
	Reps     int       // parameter-uncertainty replications; zero means 200, negative none
	Rng      *rand.Rand
	Progress func(done, total int) // called after each replication
	// Ctx, if non-nil, is checked before each replication: once it is
	// done the remaining replications are skipped and Project returns
	// Ctx.Err().
	Ctx context.Context
}

// Classification is the accuracy and consistency of pass/fail decisions at
// one cut.
type Classification struct {
	Accuracy    float64 // P(observed decision = true status)
	Consistency float64 // P(same decision on two parallel administrations)
	Kappa       float64 // Cohen's κ of the consistency
	FalsePass   float64 // P(pass observed, fail true)
	FalseFail   float64 // P(fail observed, pass true)
}

// CutPoint is the projection at one scale-score cut.
type CutPoint struct {
	Cut            float64
	RawCut         int
	PassRate       float64
	Lo, Hi         float64 // 95 % interval of PassRate
	Lee, Rudner    Classification
	ObservedRate   float64 // share of the observed scores at or above RawCut; NaN without observed scores
	TrueScoreRate  float64 // P(τ(θ) ≥ RawCut) in the population
	ThetaAtRawCut  float64
	ScaleAtRawCut  float64
	RawCutPossible bool // some raw score reaches the cut
}

// ShiftPoint is the projected pass rate at the scale's cut for a population
// whose mean moves by Shift logits.
type ShiftPoint struct {
	Shift            float64
	PassRate, Lo, Hi float64
}

// Result is the model-implied outcome of a form for a population.
type Result struct {
	At        CutPoint     // at the scale's own cut (390)
	Curve     []CutPoint   // over the cuts of the curve
	Shifts    []ShiftPoint // over the mean shifts
	ScoreDist []float64    // model-implied P(X = x), x = 0..J
	Observed  []float64    // observed share at each raw score; nil without observed scores
	Reps      int
}

// Project computes the model-implied raw-score distribution of a form for
// a population by the Lord–Wingersky (1984) recursion over the latent
// distribution, f(x) = Σ_q g(θ_q)·P(X = x | θ_q), and from it, through the
// form's conversion table under scale s, the projected pass rate at the
// scale's cut and at every cut of the curve, for shifted populations, with
// 95 % intervals from a parametric bootstrap over the item parameters (drawn
// around the estimates with their standard errors ses; nil ses means none)
// and, when pop.N > 0, over the population's mean and SD.
//
// Classification accuracy and consistency follow Lee (2010): with P(pass | θ)
// = Σ_{x ≥ x_c} P(X = x | θ) and the true status pass when the true score
// τ(θ) = Σ_j P_j(θ) is at least the raw cut x_c,
//
//	accuracy    = ∫ g(θ)·[1{τ ≥ x_c}·P(pass|θ) + 1{τ < x_c}·(1 − P(pass|θ))] dθ,
//	consistency = ∫ g(θ)·[P(pass|θ)² + (1 − P(pass|θ))²] dθ,
//
// κ = (consistency − p_c)/(1 − p_c) with p_c = P(pass)² + P(fail)². Rudner's
// (2001, 2005) method uses each raw score's θ and standard error from the
// conversion table: a score x with θ_x, SE_x is correctly classified with
// probability Φ((θ_x − θ_c)/SE_x) if it passes and 1 − Φ(…) if it fails,
// θ_c = τ⁻¹(x_c), averaged over the observed scores (or f(x) without them).
//
// observed, if non-nil, are the administration's raw scores on the form,
// for the observed pass rate beside the projected one.
//
// References: Lord, F. M. & Wingersky, M. S. (1984). Applied Psychological
// Measurement, 8, 453–461. Lee, W.-C. (2010). Classification consistency
// and accuracy for complex assessments using item response theory. Journal
// of Educational Measurement, 47(1), 1–17. Rudner, L. M. (2001). Computing
// the expected proportions of misclassified examinees. Practical Assessment,
// Research & Evaluation, 7(14).
func Project(items []irt.Item, ses []irt.ItemSE, s *scale.Scale, pop Population, observed []int, o Options) (*Result, error) {
	if len(items) == 0 {
		return nil, errors.New("projection: the form has no items")
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if !(pop.SD > 0) && pop.Hist == nil {
		return nil, fmt.Errorf("projection: population SD %g: want a positive SD", pop.SD)
	}
	if math.IsNaN(pop.Mean) || math.IsInf(pop.Mean, 0) {
		return nil, fmt.Errorf("projection: population mean %g is not finite", pop.Mean)
	}
	cuts := o.Cuts
	if cuts == nil {
		for c := 350.0; c <= 430; c++ {
			cuts = append(cuts, c)
		}
	}
	for _, c := range cuts {
		if c < s.Min || c > s.Max {
			return nil, fmt.Errorf("projection: cut %g is outside the scale [%g, %g]", c, s.Min, s.Max)
		}
	}
	shifts := o.Shifts
	if shifts == nil {
		for k := -5; k <= 5; k++ {
			shifts = append(shifts, float64(k)/10)
		}
	}
	reps := o.Reps
	if reps == 0 {
		reps = 200
	}
	rng := o.Rng
	if rng == nil {
		rng = rand.New(rand.NewPCG(5, 6))
	}
	conv, err := scale.NewConversion(items, s, scale.ByTCC, irt.Quadrature{}, observed)
	if err != nil {
		return nil, err
	}
	P := &Result{Reps: max(reps, 0)}
	quad := pop.quadrature(0)
	P.ScoreDist = irt.SummedScoreDist(items, quad)
	if observed != nil {
		P.Observed = make([]float64, len(items)+1)
		for _, r := range conv.Rows {
			P.Observed[r.Raw] = float64(r.Count) / float64(len(observed))
		}
	}
	pc := newCalculator(items, quad)
	point := func(cut float64) CutPoint {
		cp := CutPoint{Cut: cut, RawCut: len(items) + 1, ObservedRate: math.NaN(), ThetaAtRawCut: math.NaN(), ScaleAtRawCut: math.NaN()}
		for _, r := range conv.Rows {
			if r.ScaleScore >= cut {
				cp.RawCut, cp.RawCutPossible = r.Raw, true
				cp.ThetaAtRawCut, cp.ScaleAtRawCut = r.Theta, r.ScaleScore
				break
			}
		}
		cp.PassRate = tailSum(P.ScoreDist, cp.RawCut)
		if observed != nil {
			cp.ObservedRate = tailSum(P.Observed, cp.RawCut)
		}
		cp.Lee, cp.TrueScoreRate = pc.lee(cp.RawCut)
		w := P.ScoreDist
		if observed != nil {
			w = P.Observed
		}
		cp.Rudner = rudner(conv, w, cp.RawCut)
		return cp
	}
	P.At = point(s.Cut)
	for _, c := range cuts {
		P.Curve = append(P.Curve, point(c))
	}
	shiftDists := pop.shiftDists(items, shifts, pc.cond)
	for k, d := range shifts {
		P.Shifts = append(P.Shifts, ShiftPoint{Shift: d, PassRate: tailSum(shiftDists[k], P.At.RawCut)})
	}
	// Parametric bootstrap for the intervals.
	if reps > 0 {
		ps := make([]analysis.ItemParams, len(items))
		for k, it := range items {
			ps[k].Item = it
			if ses != nil {
				ps[k].SE = ses[k]
			}
		}
		// Replication r fills row r: the pass rate at the cut, at every cut
		// of the curve and for every shift; NaN when the drawn form has no
		// conversion.
		type draw struct {
			at           float64
			curve, shift []float64
		}
		draws := make([]draw, reps)
		replicate.Run(rng, reps, o.Progress, func(r int, g *rand.Rand) {
			if o.Ctx != nil && o.Ctx.Err() != nil {
				return
			}
			drawn := replicate.DrawItems(g, ps)
			bp := pop
			if pop.N > 0 {
				bp.Mean += pop.SD / math.Sqrt(float64(pop.N)) * g.NormFloat64()
				if pop.Hist == nil {
					bp.SD *= math.Max(0.5, 1+g.NormFloat64()/math.Sqrt(2*float64(pop.N)))
				}
			}
			draws[r].at = math.NaN()
			c, err := scale.NewConversion(drawn, s, scale.ByTCC, irt.Quadrature{}, nil)
			if err != nil {
				return
			}
			fs := bp.shiftDists(drawn, append([]float64{0}, shifts...), nil)
			f := fs[0]
			rawCut := func(cut float64) int {
				for _, row := range c.Rows {
					if row.ScaleScore >= cut {
						return row.Raw
					}
				}
				return len(items) + 1
			}
			draws[r].at = tailSum(f, rawCut(s.Cut))
			for _, cut := range cuts {
				draws[r].curve = append(draws[r].curve, tailSum(f, rawCut(cut)))
			}
			for k := range shifts {
				draws[r].shift = append(draws[r].shift, tailSum(fs[k+1], rawCut(s.Cut)))
			}
		})
		if o.Ctx != nil && o.Ctx.Err() != nil {
			return nil, o.Ctx.Err()
		}
		curveDraws := make([][]float64, len(cuts))
		atDraws := make([]float64, 0, reps)
		shiftDraws := make([][]float64, len(shifts))
		for _, dr := range draws {
			if math.IsNaN(dr.at) {
				continue
			}
			atDraws = append(atDraws, dr.at)
			for k := range cuts {
				curveDraws[k] = append(curveDraws[k], dr.curve[k])
			}
			for k := range shifts {
				shiftDraws[k] = append(shiftDraws[k], dr.shift[k])
			}
		}
		if len(atDraws) >= 2 {
			P.At.Lo, P.At.Hi = replicate.Percentile(atDraws, 0.025), replicate.Percentile(atDraws, 0.975)
			for k := range P.Curve {
				P.Curve[k].Lo, P.Curve[k].Hi = replicate.Percentile(curveDraws[k], 0.025), replicate.Percentile(curveDraws[k], 0.975)
			}
			for k := range P.Shifts {
				P.Shifts[k].Lo, P.Shifts[k].Hi = replicate.Percentile(shiftDraws[k], 0.025), replicate.Percentile(shiftDraws[k], 0.975)
			}
		}
	} else {
		P.At.Lo, P.At.Hi = math.NaN(), math.NaN()
		for k := range P.Curve {
			P.Curve[k].Lo, P.Curve[k].Hi = math.NaN(), math.NaN()
		}
		for k := range P.Shifts {
			P.Shifts[k].Lo, P.Shifts[k].Hi = math.NaN(), math.NaN()
		}
	}
	return P, nil
}

// shiftDists returns the model-implied raw-score distribution of the items
// for the population shifted by each of shifts, Σ_q w_q(d)·P(X = x | θ_q).
//
// For a normal population the shifts share one grid of nodes: the 81 nodes
// of p.quadrature(0) (spacing h = 12·SD/80), extended by whole steps to
// either side. Shift d uses the 81 consecutive grid nodes nearest to
// p.quadrature(d)'s — the grid moved by round(d/h) steps — weighted by the
// normal density of mean Mean + d, normalised as NormalQuadrature does. So
// P(X = x | θ_q) is computed once per grid node (about 90 recursions for 11
// shifts instead of 891), shift 0 is exactly p.quadrature(0), and another
// shift differs from a quadrature centred on its mean only in where the
// equally spaced nodes fall (less than h/2 away), which the trapezoidal rule
// on a normal density over ±6 SD does not see at the precision of a pass
// rate. An empirical histogram (p.Hist) is shifted node by node as before.
//
// cond, if non-nil, holds P(X = x | θ_q) at the nodes of p.quadrature(0)
// (the calculator's), reused instead of recomputed.
func (p Population) shiftDists(items []irt.Item, shifts []float64, cond [][]float64) [][]float64 {
	out := make([][]float64, len(shifts))
	if p.Hist != nil {
		for k, d := range shifts {
			out[k] = irt.SummedScoreDist(items, p.quadrature(d))
		}
		return out
	}
	const n = 81
	m := p.Mean
	lo, hi := m-6*p.SD, m+6*p.SD
	step := (hi - lo) / float64(n-1)
	offs := make([]int, len(shifts))
	minOff, maxOff := 0, 0
	for k, d := range shifts {
		offs[k] = int(math.Round(d / step))
		minOff, maxOff = min(minOff, offs[k]), max(maxOff, offs[k])
	}
	if maxOff-minOff > 2*n {
		// A population so narrow that the shifts span hundreds of nodes:
		// a quadrature per shift is cheaper.
		for k, d := range shifts {
			out[k] = irt.SummedScoreDist(items, p.quadrature(d))
		}
		return out
	}
	grid := make([][]float64, n+maxOff-minOff) // P(X = x | θ) per grid node, filled on demand
	nodeCond := func(g int) []float64 {
		if grid[g] == nil {
			i := g + minOff // index relative to p.quadrature(0)'s first node
			if cond != nil && i >= 0 && i < n {
				grid[g] = cond[i]
			} else {
				grid[g] = irt.SummedScoreProbs(items, lo+float64(i)*step, nil)
			}
		}
		return grid[g]
	}
	w := make([]float64, n)
	for k, d := range shifts {
		from := offs[k] - minOff
		mean := m + d
		var sum float64
		for q := range w {
			z := (lo + float64(q+offs[k])*step - mean) / p.SD
			w[q] = math.Exp(-0.5 * z * z)
			sum += w[q]
		}
		dist := make([]float64, len(items)+1)
		for q := range w {
			wq := w[q] / sum
			for x, v := range nodeCond(from + q) {
				dist[x] += wq * v
			}
		}
		out[k] = dist
	}
	return out
}

// tailSum returns Σ_{x ≥ from} f(x).
func tailSum(f []float64, from int) float64 {
	var s float64
	for x := max(from, 0); x < len(f); x++ {
		s += f[x]
	}
	return s
}

// calculator holds, per quadrature node, the conditional raw-score
// distribution and the true score, for Lee's method.
type calculator struct {
	weights []float64
	tau     []float64
	cond    [][]float64 // cond[q][x] = P(X = x | θ_q)
}

func newCalculator(items []irt.Item, q irt.Quadrature) *calculator {
	pc := &calculator{weights: q.Weights}
	for _, t := range q.Nodes {
		pc.tau = append(pc.tau, irt.TCC(items, t))
		pc.cond = append(pc.cond, irt.SummedScoreProbs(items, t, nil))
	}
	return pc
}

// lee returns Lee's (2010) classification indices at raw cut xc and the
// true-score pass rate P(τ ≥ xc).
func (pc *calculator) lee(xc int) (Classification, float64) {
	var c Classification
	var pPass, truePass float64
	for q, w := range pc.weights {
		p := tailSum(pc.cond[q], xc)
		truth := pc.tau[q] >= float64(xc)
		if truth {
			truePass += w
			c.Accuracy += w * p
			c.FalseFail += w * (1 - p)
		} else {
			c.Accuracy += w * (1 - p)
			c.FalsePass += w * p
		}
		c.Consistency += w * (p*p + (1-p)*(1-p))
		pPass += w * p
	}
	chance := pPass*pPass + (1-pPass)*(1-pPass)
	c.Kappa = (c.Consistency - chance) / (1 - chance)
	return c, truePass
}

// rudner returns Rudner's expected classification accuracy at raw cut xc
// over the raw-score weights w, using the conversion's θ and SE per raw
// score; consistency is Σ w·(φ² + (1 − φ)²) with φ = P(θ̂ on the pass side).
func rudner(conv *scale.Conversion, w []float64, xc int) Classification {
	var c Classification
	if xc > len(conv.Rows)-1 {
		c.Accuracy, c.Consistency, c.Kappa = math.NaN(), math.NaN(), math.NaN()
		return c
	}
	thetaC := conv.Rows[xc].Theta // τ⁻¹(x_c) for a TCC conversion
	var pPass float64
	for x, r := range conv.Rows {
		if w[x] == 0 {
			continue
		}
		above := distuv.UnitNormal.CDF((r.Theta - thetaC) / r.ThetaSE) // P(true θ above the cut | x)
		if x >= xc {
			c.Accuracy += w[x] * above
			c.FalsePass += w[x] * (1 - above)
			pPass += w[x]
		} else {
			c.Accuracy += w[x] * (1 - above)
			c.FalseFail += w[x] * above
		}
		c.Consistency += w[x] * (above*above + (1-above)*(1-above))
	}
	chance := pPass*pPass + (1-pPass)*(1-pPass)
	c.Kappa = (c.Consistency - chance) / (1 - chance)
	return c
}
