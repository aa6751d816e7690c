package classical

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"runtime"
	"sync"

	"github.com/itemlab/itemlab/analysis"

	"gonum.org/v1/gonum/mat"
)

// Score groups of the classical analysis.
const (
	// ScoreGroups is the number of score groups of the distractor analysis
	// (quintiles of the operational score).
	ScoreGroups = 5
	// KelleyFraction is the share of candidates in each of the upper and
	// lower groups of the discrimination index (Kelley 1939).
	KelleyFraction = 0.27
)

// Options tune Analyze. The zero value is valid.
type Options struct {
	// Thresholds are the item flag limits; nil means DefaultThresholds().
	Thresholds *Thresholds
	// DomainWeights are blueprint weights by domain (in any unit, e.g.
	// percent), copied to DomainStats.Weight; a domain missing from the map
	// gets NaN. Nil means no blueprint.
	DomainWeights map[string]float64
	// Workers is the number of goroutines over candidate blocks; zero means
	// runtime.GOMAXPROCS(0). Results do not depend on it.
	Workers int
}

// Result is the classical item analysis of a dataset (Analyze).
type Result struct {
	Items      []ItemStats // one per dataset item, in dataset order
	Test       TestStats
	Domains    []DomainStats // domains in order of first appearance among the items; items without a domain are in none
	Thresholds Thresholds
	PreScored  bool
	// Covariance is the sample covariance matrix (n − 1 denominator) of the
	// operational items' 0/1 scores, in Dataset.ItemsWithStatus(Operational)
	// order (omits scored 0).
	Covariance *mat.SymDense
	Warnings   []error
}

// ItemStats are the classical statistics of one item. The criterion is the
// operational score X (number correct over the operational items, omits
// wrong). For an operational item the corrected statistics use X − x (the
// score without the item); pretest and excluded items are not part of X, so
// their corrected and uncorrected statistics coincide. Statistics that are
// undefined (an item everybody or nobody answered correctly, a constant
// criterion) are NaN.
type ItemStats struct {
	Index int               // index of the item in the dataset
	Item  analysis.ItemInfo // the item as the dataset describes it

	N         int // candidates presented the item (all candidates)
	NAnswered int // candidates who did not omit it (Omit and NotReached count as omitted)
	NCorrect  int

	// P is the proportion of all N candidates who answered correctly (an
	// omit is wrong).
	P float64
	// RPBis is the point-biserial (Pearson) correlation of the item score
	// with X.
	RPBis float64
	// RPBisCorrected is the point-biserial with X − x for operational items
	// (psych's r.drop), with X for the others.
	RPBisCorrected float64
	// Biserial is r_bis = r·√(p·q)/φ(z_p) from the corrected point-biserial
	// r, with φ the standard normal density and z_p its quantile at p
	// (Crocker & Algina 1986, eq. 14.4).
	Biserial float64
	// DiscIndex is Kelley's (1939) upper–lower index D = p_U − p_L, the
	// proportions correct in the top and bottom 27 % of candidates on X.
	// Candidates tied at a group boundary count fractionally: a score level
	// that straddles the 27 % point contributes the share of its candidates
	// needed to fill the group, so each group holds exactly 0.27·N
	// candidates and the result does not depend on candidate order (it is
	// the average over all ways of breaking the ties).
	DiscIndex      float64
	PUpper, PLower float64
	// AlphaIfDeleted is coefficient α of the operational score without this
	// item; NaN for pretest and excluded items (not part of the score) and
	// for tests of fewer than three operational items.
	AlphaIfDeleted float64
	OmitRate       float64 // (N − NAnswered)/N
	// MeanScoreCorrect and MeanScoreIncorrect are the mean operational
	// score X of the candidates who answered correctly and of the others
	// (wrong or omitted).
	MeanScoreCorrect, MeanScoreIncorrect float64

	// Options is the distractor analysis: one row per option in
	// Item.Options order, then an omit row (Code OmitOption).
	Options []OptionStats
	Flags   []Flag
}

// TestStats describe the operational score X.
type TestStats struct {
	Candidates                     int
	Operational, Pretest, Excluded int // items by status
	// Mean and SD of X; SD with the n − 1 denominator as psych reports.
	Mean, SD float64
	Min, Max int
	// Alpha is coefficient α (KR-20) of the operational items; AlphaSE its
	// asymptotic standard error as psych::alpha reports it (AlphaSE); SEM
	// = SD·√(1 − α).
	Alpha, AlphaSE, SEM float64
	// Distribution[s] is the number of candidates with X = s, s = 0..Operational.
	Distribution []int
}

// DomainStats describe the subscore of one content domain: the number
// correct over the domain's operational items.
type DomainStats struct {
	Domain  string
	Items   int     // operational items in the domain
	Pretest int     // pretest items in the domain (not in the subscore)
	Weight  float64 // blueprint weight from Options.DomainWeights, NaN if none
	Mean    float64
	SD      float64 // n − 1 denominator
	Alpha   float64 // coefficient α of the domain's operational items
}

// Analyze runs the classical item analysis of d: per-item difficulty,
// discrimination (point-biserial, corrected point-biserial, biserial,
// upper–lower index), α if item deleted, omit rates, the distractor
// analysis, flags, and the test and domain statistics. Omits count as
// wrong; the operational score is the criterion (DESIGN.md).
//
// It reads the data once, in candidate blocks on opts.Workers goroutines,
// tallying per worker the candidates by (operational score, item, option
// chosen) and, in 64-candidate bit planes, the pairs of operational items
// answered correctly; every statistic then follows from these counts, so
// the result is the same for any number of workers.
//
// It returns ErrNoOperational when d has no operational item and an error
// when d has no candidates or its matrices do not match N × J. It does not
// modify d.
//
// Reference: Crocker, L. & Algina, J. (1986). Introduction to Classical and
// Modern Test Theory. Holt, Rinehart and Winston (ch. 14, item analysis).
func Analyze(d *analysis.Dataset, opts Options) (*Result, error) {
	if d == nil || d.N < 1 {
		return nil, errors.New("analysis: classical analysis: no candidates")
	}
	if len(d.Items) != d.J || len(d.Raw) != d.N*d.J || len(d.Scored) != d.N*d.J {
		return nil, fmt.Errorf("analysis: classical analysis: dataset shape %d×%d does not match its items (%d) or matrices (%d, %d cells)",
			d.N, d.J, len(d.Items), len(d.Raw), len(d.Scored))
	}
	op := d.ItemsWithStatus(analysis.Operational)
	if len(op) == 0 {
		return nil, analysis.ErrNoOperational
	}
	th := DefaultThresholds()
	if opts.Thresholds != nil {
		th = *opts.Thresholds
	}
	plan := newAnalysisPlan(d, op)
	tally := plan.tally(d, opts.Workers)

	c := &Result{Thresholds: th, PreScored: d.PreScored}
	plan.testStats(d, tally, c)
	plan.itemStats(d, tally, c)
	for j := range c.Items {
		c.Items[j].Flags = ItemFlags(&c.Items[j], th, d.PreScored)
	}
	plan.domainStats(d, tally, c, opts.DomainWeights)
	return c, nil
}

// analysisPlan is the layout of the tallies.
type analysisPlan struct {
	n, j   int
	op     []int   // operational items
	opPos  []int   // position of item j in op, or -1
	codes  int     // tally slots per item: the most options of any item, plus the omit slot
	nopt   []uint8 // options of each item (cell values ≥ nopt[j] are omits)
	levels int     // operational score levels 0..len(op)
}

func newAnalysisPlan(d *analysis.Dataset, op []int) *analysisPlan {
	p := &analysisPlan{n: d.N, j: d.J, op: op, levels: len(op) + 1,
		opPos: make([]int, d.J), nopt: make([]uint8, d.J)}
	maxOpt := 0
	for j := range d.Items {
		p.opPos[j] = -1
		k := min(len(d.Items[j].Options), int(analysis.NotReached)) // Omit and NotReached are never option indices
		p.nopt[j] = uint8(k)
		maxOpt = max(maxOpt, k)
	}
	for a, j := range op {
		p.opPos[j] = a
	}
	p.codes = maxOpt + 1
	return p
}

// tallyCounts holds the counts every classical statistic is computed from.
type tallyCounts struct {
	// counts[(s*J + j)*codes + c]: candidates with operational score s who
	// chose option c of item j (c = codes−1: omitted).
	counts []int64
	hist   []int64 // hist[s]: candidates with operational score s
	// pairs[a*K + b], a ≤ b: candidates answering both operational items a
	// and b (in op order) correctly; pairs[a*K + a] counts item a alone.
	pairs []int64
	// sumX and sumX2 are ΣX and ΣX² over all candidates.
	sumX, sumX2 int64
}

// bitPlanes is the number of 64-candidate bit planes tallied together.
const bitPlanes = 4

type tallyWorker struct {
	counts []uint32
	hist   []int64
	pairs  []int64
	words  []uint64 // words[a*bitPlanes + w]: bit plane w of operational item a
}

func (p *analysisPlan) tally(d *analysis.Dataset, workers int) *tallyCounts {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	const minRows = 4096 // below this a goroutine costs more than it saves
	workers = max(1, min(workers, (p.n+minRows-1)/minRows))
	k := len(p.op)
	ws := make([]*tallyWorker, workers)
	var wg sync.WaitGroup
	for w := range ws {
		lo, hi := p.n*w/workers, p.n*(w+1)/workers
		ws[w] = &tallyWorker{
			counts: make([]uint32, p.levels*p.j*p.codes),
			hist:   make([]int64, p.levels),
			pairs:  make([]int64, k*k),
			words:  make([]uint64, k*bitPlanes),
		}
		wg.Add(1)
		go func(cw *tallyWorker) {
			defer wg.Done()
			p.tallyRows(d, lo, hi, cw)
		}(ws[w])
	}
	wg.Wait()
	t := &tallyCounts{counts: make([]int64, len(ws[0].counts)), hist: make([]int64, p.levels), pairs: make([]int64, k*k)}
	for _, cw := range ws { // integer sums: exact in any order
		for i, v := range cw.counts {
			t.counts[i] += int64(v)
		}
		for i, v := range cw.hist {
			t.hist[i] += v
		}
		for i, v := range cw.pairs {
			t.pairs[i] += v
		}
	}
	for s, h := range t.hist {
		t.sumX += int64(s) * h
		t.sumX2 += int64(s) * int64(s) * h
	}
	return t
}

// tallyRows adds candidates lo..hi−1 to cw. A worker holds at most
// len(d.Raw)/J ≤ 2³² candidates in practice; uint32 counts keep its tally
// table small enough to stay in cache.
func (p *analysisPlan) tallyRows(d *analysis.Dataset, lo, hi int, cw *tallyWorker) {
	J, C, K := p.j, p.codes, len(p.op)
	omitSlot := uint8(C - 1)
	nopt := p.nopt[:J]
	op := p.op
	words := cw.words
	const block = 64 * bitPlanes
	for b0 := lo; b0 < hi; b0 += block {
		b1 := min(b0+block, hi)
		clear(words)
		for i := b0; i < b1; i++ {
			sc := d.Scored[i*J : i*J+J]
			raw := d.Raw[i*J : i*J+J]
			off := uint(i - b0)
			plane, shift := int(off>>6), off&63
			t := 0
			for a, j := range op {
				// x = 1 iff the cell is 1 (0, 1 and irt.Missing = 255 occur),
				// without a branch: 255 has bit 1 set and so gives 0.
				v := sc[j]
				x := v & 1 &^ (v >> 1)
				t += int(x)
				words[a*bitPlanes+plane] |= uint64(x) << shift
			}
			cw.hist[t]++
			cnt := cw.counts[t*J*C : (t+1)*J*C]
			for j, c := range raw {
				if c >= nopt[j] {
					c = omitSlot
				}
				cnt[j*C+int(c)]++
			}
		}
		for a := 0; a < K; a++ {
			wa := words[a*bitPlanes : a*bitPlanes+bitPlanes : a*bitPlanes+bitPlanes]
			if wa[0]|wa[1]|wa[2]|wa[3] == 0 {
				continue
			}
			row := cw.pairs[a*K : a*K+K]
			for b := a; b < K; b++ {
				wb := words[b*bitPlanes : b*bitPlanes+bitPlanes : b*bitPlanes+bitPlanes]
				row[b] += int64(bits.OnesCount64(wa[0]&wb[0]) + bits.OnesCount64(wa[1]&wb[1]) +
					bits.OnesCount64(wa[2]&wb[2]) + bits.OnesCount64(wa[3]&wb[3]))
			}
		}
	}
}

// cell returns the tally of option c of item j at score s.
func (t *tallyCounts) cell(p *analysisPlan, s, j, c int) int64 {
	return t.counts[(s*p.j+j)*p.codes+c]
}

// testStats fills c.Test and c.Covariance.
func (p *analysisPlan) testStats(d *analysis.Dataset, t *tallyCounts, c *Result) {
	n := float64(p.n)
	ts := TestStats{Candidates: p.n, Distribution: make([]int, p.levels), Min: -1}
	for j := range d.Items {
		switch d.Items[j].Status {
		case analysis.Operational:
			ts.Operational++
		case analysis.Pretest:
			ts.Pretest++
		case analysis.Excluded:
			ts.Excluded++
		}
	}
	for s, h := range t.hist {
		ts.Distribution[s] = int(h)
		if h > 0 {
			if ts.Min < 0 {
				ts.Min = s
			}
			ts.Max = s
		}
	}
	ts.Mean = float64(t.sumX) / n
	ts.SD = math.Sqrt(scoreVariance(int64(p.n), t.sumX, t.sumX2))

	k := len(p.op)
	cov := mat.NewSymDense(k, nil)
	for a := 0; a < k; a++ {
		na := float64(t.pairs[a*k+a])
		for b := a; b < k; b++ {
			nb := float64(t.pairs[b*k+b])
			// (N·n_ab − n_a·n_b) / (N(N−1)), exact in float64 for N up to ~9·10⁷.
			cov.SetSym(a, b, (n*float64(t.pairs[a*k+b])-na*nb)/(n*(n-1)))
		}
	}
	c.Covariance = cov
	var sumVar float64
	for a := 0; a < k; a++ {
		sumVar += cov.At(a, a)
	}
	ts.Alpha = alphaFromVariances(k, sumVar, ts.SD*ts.SD)
	ts.AlphaSE = AlphaSE(cov, p.n)
	ts.SEM = SEM(ts.SD, ts.Alpha)
	if !(ts.SD > 0) {
		c.Warnings = append(c.Warnings, &analysis.Warning{Code: "zero_variance",
			Err: errors.New("the operational score has no variance: correlations and alpha are undefined")})
	}
	c.Test = ts
}

// groupWeights returns w[s*len(groups)+g], the share of the candidates at
// score s that falls in group g, where the candidates, ordered by score,
// fill group g over the cumulative-count interval groups[g] = [lo, hi).
// A score level straddling a boundary is split in proportion to its
// overlap with each group.
func groupWeights(hist []int64, groups [][2]float64) []float64 {
	w := make([]float64, len(hist)*len(groups))
	var cum float64
	for s, h := range hist {
		lo, hi := cum, cum+float64(h)
		cum = hi
		if h == 0 {
			continue
		}
		for g, iv := range groups {
			if ov := min(hi, iv[1]) - max(lo, iv[0]); ov > 0 {
				w[s*len(groups)+g] = ov / float64(h)
			}
		}
	}
	return w
}

// itemStats fills c.Items (without flags).
func (p *analysisPlan) itemStats(d *analysis.Dataset, t *tallyCounts, c *Result) {
	n := float64(p.n)
	k := len(p.op)
	var sumVar float64
	for a := 0; a < k; a++ {
		sumVar += c.Covariance.At(a, a)
	}
	kelley := groupWeights(t.hist, [][2]float64{{0, KelleyFraction * n}, {(1 - KelleyFraction) * n, n}})
	quint := make([][2]float64, ScoreGroups)
	for g := range quint {
		quint[g] = [2]float64{n * float64(g) / ScoreGroups, n * float64(g+1) / ScoreGroups}
	}
	qw := groupWeights(t.hist, quint)
	var qsize [ScoreGroups]float64 // candidates in each quintile group (N/5 up to rounding)
	for s, h := range t.hist {
		for g := range ScoreGroups {
			qsize[g] += float64(h) * qw[s*ScoreGroups+g]
		}
	}
	kl, ku := KelleyFraction*n, KelleyFraction*n

	c.Items = make([]ItemStats, p.j)
	for j := range d.Items {
		it := &d.Items[j]
		st := ItemStats{Index: j, Item: *it, N: p.n}
		nopt := int(p.nopt[j])
		isOp := p.opPos[j] >= 0

		// Item score x = 1 when a key was chosen. Sums are exact integers.
		var nCorrect, sumXScore, nOmit int64
		var upper, lower float64
		for s, h := range t.hist {
			if h == 0 {
				continue
			}
			var x int64
			for o := 0; o < nopt; o++ {
				if it.IsKey(o) {
					x += t.cell(p, s, j, o)
				}
			}
			nCorrect += x
			sumXScore += x * int64(s)
			lower += float64(x) * kelley[s*2]
			upper += float64(x) * kelley[s*2+1]
			nOmit += t.cell(p, s, j, p.codes-1)
		}
		st.NCorrect = int(nCorrect)
		st.NAnswered = p.n - int(nOmit)
		st.OmitRate = float64(nOmit) / n
		st.P = float64(nCorrect) / n
		st.PUpper, st.PLower = upper/ku, lower/kl
		st.DiscIndex = st.PUpper - st.PLower
		st.MeanScoreCorrect = float64(sumXScore) / float64(nCorrect)
		st.MeanScoreIncorrect = float64(t.sumX-sumXScore) / float64(int64(p.n)-nCorrect)

		st.RPBis = pointBiserial(int64(p.n), nCorrect, sumXScore, t.sumX, t.sumX2)
		st.AlphaIfDeleted = math.NaN()
		// The criterion Y is X − x for an operational item, X otherwise:
		// ΣY = ΣX − n₁, ΣY² = ΣX² − 2ΣxX + n₁ (x² = x), ΣxY = ΣxX − n₁.
		crit := moments{sum: t.sumX, sum2: t.sumX2}
		if isOp {
			crit = moments{sum: t.sumX - nCorrect, sum2: t.sumX2 - 2*sumXScore + nCorrect, shift: 1}
			st.RPBisCorrected = pointBiserial(int64(p.n), nCorrect, sumXScore-nCorrect, crit.sum, crit.sum2)
			if k > 2 {
				varI := float64(nCorrect) * float64(int64(p.n)-nCorrect) / (n * (n - 1))
				st.AlphaIfDeleted = alphaFromVariances(k-1, sumVar-varI, scoreVariance(int64(p.n), crit.sum, crit.sum2))
			}
		} else {
			st.RPBisCorrected = st.RPBis
		}
		st.Biserial = Biserial(st.RPBisCorrected, st.P)
		st.Options = p.optionStats(t, it, j, crit, qw, qsize)
		if nCorrect == 0 || nCorrect == int64(p.n) {
			c.Warnings = append(c.Warnings, &analysis.Warning{Code: "zero_variance", Item: it.ID,
				Err: fmt.Errorf("item %q: %d of %d candidates answered correctly: its correlations are undefined", it.ID, st.NCorrect, p.n)})
		}
		c.Items[j] = st
	}
}

// moments are the sums of a criterion Y over all candidates; a
// candidate who chose a key has Y = X − shift.
type moments struct {
	sum, sum2 int64 // ΣY, ΣY²
	shift     int64 // 1 for an operational item's criterion X − x, else 0
}

// pointBiserial returns the Pearson correlation of a 0/1 indicator d
// (nd ones, Σ d·Y = sdy) with a criterion Y (n values, ΣY = sy, ΣY² = syy),
//
//	r = (n·sdy − nd·sy) / √(nd·(n − nd) · (n·syy − sy²)),
//
// from exact integer cross-products (so that r is correctly signed and
// accurate to rounding for any n); NaN when either variance is zero.
func pointBiserial(n, nd, sdy, sy, syy int64) float64 {
	num := bigToFloat(crossProduct(n, sdy, nd, sy))
	vd := float64(nd) * float64(n-nd)
	vy := bigToFloat(crossProduct(n, syy, sy, sy))
	if !(vd > 0) || !(vy > 0) {
		return math.NaN()
	}
	return num / math.Sqrt(vd) / math.Sqrt(vy)
}

// scoreVariance is the sample variance (n·syy − sy²)/(n(n − 1)).
func scoreVariance(n, sy, syy int64) float64 {
	return bigToFloat(crossProduct(n, syy, sy, sy)) / (float64(n) * float64(n-1))
}

// crossProduct returns a·b − c·d exactly.
func crossProduct(a, b, c, d int64) *big.Int {
	x := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	return x.Sub(x, new(big.Int).Mul(big.NewInt(c), big.NewInt(d)))
}

// bigToFloat rounds x to the nearest float64.
func bigToFloat(x *big.Int) float64 {
	f, _ := new(big.Float).SetInt(x).Float64()
	return f
}

// Biserial converts a point-biserial correlation r of an item with
// proportion correct p into the biserial correlation,
//
//	r_bis = r·√(p·q) / φ(z_p),   q = 1 − p,
//
// where φ is the standard normal density and z_p the standard normal
// quantile at p (φ is symmetric, so the upper or lower quantile gives the
// same value). It is NaN unless 0 < p < 1. The biserial can exceed 1 in
// magnitude when the latent-normal assumption fails.
//
// Reference: Crocker, L. & Algina, J. (1986). Introduction to Classical and
// Modern Test Theory, §14.4 (eq. 14.4: r_bis = r_pbis·√(pq)/Y).
func Biserial(r, p float64) float64 {
	if !(p > 0 && p < 1) {
		return math.NaN()
	}
	z := math.Sqrt2 * math.Erfinv(2*p-1)
	phi := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
	return r * math.Sqrt(p*(1-p)) / phi
}

// domainStats fills c.Domains.
func (p *analysisPlan) domainStats(d *analysis.Dataset, t *tallyCounts, c *Result, weights map[string]float64) {
	var order []string
	idx := map[string]int{}
	members := map[string][]int{} // positions in op
	pretest := map[string]int{}
	for j := range d.Items {
		dom := d.Items[j].Domain
		if dom == "" {
			continue
		}
		if _, ok := idx[dom]; !ok {
			idx[dom] = len(order)
			order = append(order, dom)
		}
		switch {
		case p.opPos[j] >= 0:
			members[dom] = append(members[dom], p.opPos[j])
		case d.Items[j].Status == analysis.Pretest:
			pretest[dom]++
		}
	}
	for _, dom := range order {
		m := members[dom]
		ds := DomainStats{Domain: dom, Items: len(m), Pretest: pretest[dom], Weight: math.NaN()}
		if w, ok := weights[dom]; ok {
			ds.Weight = w
		}
		var tr, total float64
		for _, a := range m {
			ds.Mean += float64(t.pairs[a*len(p.op)+a]) / float64(p.n)
			tr += c.Covariance.At(a, a)
			for _, b := range m {
				total += c.Covariance.At(a, b)
			}
		}
		ds.SD = math.Sqrt(total)
		if p.n < 2 {
			ds.SD = math.NaN()
		}
		ds.Alpha = alphaFromVariances(len(m), tr, total)
		c.Domains = append(c.Domains, ds)
	}
}
