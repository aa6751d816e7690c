package dif

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/itemlab/itemlab/analysis"
)

// Group is a candidate's role in a DIF analysis.
type Group uint8

// DIF groups. Candidates in Neither take no part in the analysis.
const (
	Neither Group = iota
	Reference
	Focal
)

// GroupsByLabel assigns every candidate of d to a DIF group by
// Candidate.Group: the focal label gives Focal, the reference label
// Reference, anything else Neither. An empty reference label makes
// every candidate with a non-empty group other than focal a reference
// candidate. It returns an error when either group is empty.
func GroupsByLabel(d *analysis.Dataset, reference, focal string) ([]Group, error) {
	if focal == "" {
		return nil, errors.New("analysis: DIF: no focal group label")
	}
	if reference == focal {
		return nil, fmt.Errorf("analysis: DIF: reference and focal group are both %q", focal)
	}
	g := make([]Group, d.N)
	var nr, nf int
	for i := range g {
		switch lab := d.Candidates[i].Group; {
		case lab == focal:
			g[i] = Focal
			nf++
		case lab == reference || (reference == "" && lab != ""):
			g[i] = Reference
			nr++
		}
	}
	switch {
	case nf == 0:
		return nil, fmt.Errorf("analysis: DIF: no candidate in focal group %q", focal)
	case nr == 0 && reference == "":
		return nil, fmt.Errorf("analysis: DIF: no candidate in a group other than %q", focal)
	case nr == 0:
		return nil, fmt.Errorf("analysis: DIF: no candidate in reference group %q", reference)
	}
	return g, nil
}

// ETSCategory is the ETS DIF category of an item: A (negligible), B
// (slight to moderate) or C (moderate to large).
type ETSCategory string

// ETS DIF categories.
const (
	ETSA ETSCategory = "A"
	ETSB ETSCategory = "B"
	ETSC ETSCategory = "C"
)

// Which group an item favours.
const (
	FavoursReference = "reference"
	FavoursFocal     = "focal"
	FavoursNone      = "none"
)

// Match is the matching criterion of a DIF study: the score on which
// reference and focal candidates are put into strata. It matters only for a
// studied item outside the operational score (pretest or excluded): an
// operational item is part of the operational score, which is then the
// total including the studied item under either criterion.
//
// IncludeItem, the zero value, is the criterion of Holland & Thayer (1988)
// and of difR::difMH: the total score including the studied item. For an
// operational item it is the operational score; for a pretest or excluded
// item it is the operational score plus the item's own score (0 or 1), so
// with J operational items it takes the J + 2 values 0, …, J + 1. Holland &
// Thayer show that under the Rasch model the MH odds ratio is 1 for a
// DIF-free item only when the studied item is in the matching score; Zwick
// (2012) gives including it as ETS practice.
//
// ExcludeItem matches a pretest or excluded item on the operational score
// alone (0, …, J), as earlier itemlab runs did; an operational item is
// still matched on the operational score, which includes it.
//
// References: Holland, P. W. & Thayer, D. T. (1988). Differential item
// performance and the Mantel–Haenszel procedure. In H. Wainer & H. I. Braun
// (Eds.), Test Validity (pp. 129–145). Erlbaum. Zwick, R. (2012). A review
// of ETS differential item functioning assessment procedures (ETS RR-12-08).
type Match uint8

// Matching criteria.
const (
	IncludeItem Match = iota // operational score plus the studied item (default)
	ExcludeItem              // operational score only
)

// String returns the criterion's name, "include-item" or "exclude-item",
// as the command line and the spec key dif.match spell it.
func (m Match) String() string {
	switch m {
	case IncludeItem:
		return "include-item"
	case ExcludeItem:
		return "exclude-item"
	}
	return fmt.Sprintf("Match(%d)", uint8(m))
}

// ParseMatch returns the criterion named s: "include-item" or
// "exclude-item"; the empty string means IncludeItem.
func ParseMatch(s string) (Match, error) {
	switch s {
	case "", "include-item":
		return IncludeItem, nil
	case "exclude-item":
		return ExcludeItem, nil
	}
	return 0, fmt.Errorf("analysis: DIF: matching criterion %q: want include-item or exclude-item", s)
}

// Options tune MantelHaenszel. The zero value is valid and reproduces
// difR::difMH (every observed score level is a stratum, the studied item in
// the matching score, α = .05).
type Options struct {
	// Match is the matching criterion; the zero value, IncludeItem, adds a
	// pretest or excluded studied item's own score to the operational score.
	Match Match
	// MinStratum, when positive, pools adjacent score levels (from the
	// lowest up) until a stratum holds at least MinStratum candidates of
	// each group; a remainder at the top that does not reach it joins the
	// stratum below. Zero keeps every observed score level as its own
	// stratum, as difR does.
	MinStratum int
	// Alpha is the significance level of the ETS classification tests;
	// zero means 0.05.
	Alpha float64
}

// Result is the Mantel–Haenszel DIF analysis of one item.
type Result struct {
	Item   int // index in the dataset
	ItemID string
	// NReference and NFocal are the candidates of each group in the
	// strata used (strata of a single candidate carry no information and
	// are left out, as in difR).
	NReference, NFocal int
	Strata             int // strata used
	// OddsRatio is the Mantel–Haenszel common odds ratio α_MH (reference
	// over focal: above 1 the item favours the reference group).
	OddsRatio float64
	// DDIF is MH D-DIF = −2.35·ln α_MH, on the ETS delta scale; negative
	// values favour the reference group.
	DDIF float64
	// SE is the standard error of DDIF, 2.35·√Var(ln α_MH) with the
	// Phillips–Holland (1987) variance (the same as Robins, Breslow &
	// Greenland 1986).
	SE float64
	// ChiSquare is the MH χ² with continuity correction (1 df) and P its
	// upper-tail probability.
	ChiSquare, P float64
	Category     ETSCategory
	// Favours is FavoursReference (DDIF < 0), FavoursFocal (DDIF > 0), or
	// FavoursNone for a category A item.
	Favours string
}

// MantelHaenszel runs the Mantel–Haenszel DIF procedure for the listed
// items (nil: every item) between the reference and focal candidates of
// groups (len d.N, e.g. from GroupsByLabel). Candidates are matched on the
// score opts.Match names: by default the total including the studied item
// (Holland & Thayer 1988; difR), that is the operational score for an
// operational item and the operational score plus the item's own score for
// a pretest or excluded item; with ExcludeItem a pretest or excluded item is
// matched on the operational score it is not part of. Omits count as wrong.
//
// For each stratum k (a matching-score level, or a pool of levels; see
// Options.MinStratum) with reference right/wrong A_k, B_k, focal
// right/wrong C_k, D_k and T_k candidates (strata with T_k ≤ 1 are
// skipped):
//
//	α_MH    = Σ A_k·D_k/T_k / Σ B_k·C_k/T_k
//	MH D-DIF = −2.35·ln α_MH
//	Var(ln α_MH) = Σ (A_k D_k + α_MH B_k C_k)(A_k + D_k + α_MH (B_k + C_k))/T_k²
//	               / (2·(Σ A_k D_k/T_k)²)                 (Phillips & Holland 1987)
//	χ²_MH   = (|Σ A_k − Σ E(A_k)| − ½)² / Σ Var(A_k),
//	E(A_k) = n_Rk m_1k / T_k,  Var(A_k) = n_Rk n_Fk m_1k m_0k / (T_k² (T_k − 1)),
//
// as difR::mantelHaenszel computes them. When Σ A_k D_k/T_k or
// Σ B_k C_k/T_k is zero the odds ratio is 0 or +Inf and SE is NaN; when no
// stratum holds both groups and both responses, every statistic is NaN and
// the category is A.
//
// The ETS category follows Zwick (2012): A when MH D-DIF is not
// significantly different from 0 (the χ²_MH test at level Alpha) or
// |MH D-DIF| < 1; C when |MH D-DIF| ≥ 1.5 and |MH D-DIF| is significantly
// greater than 1 (one-sided z test, (|MH D-DIF| − 1)/SE > z₁₋α, 1.645 at
// α = .05); B otherwise.
//
// References: Holland, P. W. & Thayer, D. T. (1988). Differential item
// performance and the Mantel–Haenszel procedure. In H. Wainer & H. I. Braun
// (Eds.), Test Validity (pp. 129–145). Erlbaum. Phillips, A. & Holland,
// P. W. (1987). Estimators of the variance of the Mantel–Haenszel log-odds-
// ratio estimate. Biometrics, 43, 425–431. Zwick, R. (2012). A review of
// ETS differential item functioning assessment procedures: flagging rules,
// minimum sample size requirements, and criterion refinement (ETS RR-12-08).
// Zieky, M. (1993). Practical questions in the use of DIF statistics in test
// development. In P. W. Holland & H. Wainer (Eds.), Differential Item
// Functioning (pp. 337–347). Erlbaum.
func MantelHaenszel(d *analysis.Dataset, groups []Group, items []int, opts Options) ([]Result, error) {
	items, op, err := checkInputs(d, groups, items, "DIF")
	if err != nil {
		return nil, err
	}
	sig := opts.Alpha
	if sig == 0 {
		sig = 0.05
	}
	if !(sig > 0 && sig < 1) {
		return nil, fmt.Errorf("analysis: DIF: significance level %v not in (0, 1)", opts.Alpha)
	}
	if opts.Match > ExcludeItem {
		return nil, fmt.Errorf("analysis: DIF: unknown matching criterion %v", opts.Match)
	}
	tab, levels := tallyScores(d, groups, items, op, opts.Match)
	out := make([]Result, len(items))
	for idx, j := range items {
		strata := strataOf(tab[idx*levels*4:(idx+1)*levels*4], opts.MinStratum)
		r := mhSummary(strata, sig)
		r.Item, r.ItemID = j, d.Items[j].ID
		out[idx] = r
	}
	return out, nil
}

// stratumTable is one stratum: reference right A, wrong B; focal right C, wrong D.
type stratumTable struct{ A, B, C, D float64 }

// strataOf turns the per-level counts (4 per level: ref wrong, ref right,
// focal wrong, focal right) into strata, pooling adjacent levels when
// minStratum > 0.
func strataOf(levels []int64, minStratum int) []stratumTable {
	var out []stratumTable
	var cur stratumTable
	open := false
	for s := 0; s < len(levels)/4; s++ {
		t := stratumTable{A: float64(levels[s*4+1]), B: float64(levels[s*4]), C: float64(levels[s*4+3]), D: float64(levels[s*4+2])}
		if t.A+t.B+t.C+t.D == 0 {
			continue
		}
		if minStratum <= 0 {
			out = append(out, t)
			continue
		}
		cur = stratumTable{cur.A + t.A, cur.B + t.B, cur.C + t.C, cur.D + t.D}
		open = true
		if cur.A+cur.B >= float64(minStratum) && cur.C+cur.D >= float64(minStratum) {
			out = append(out, cur)
			cur, open = stratumTable{}, false
		}
	}
	if open {
		if len(out) > 0 {
			last := &out[len(out)-1]
			last.A, last.B, last.C, last.D = last.A+cur.A, last.B+cur.B, last.C+cur.C, last.D+cur.D
		} else {
			out = append(out, cur)
		}
	}
	return out
}

// mhSummary computes the MH statistics and ETS category from strata.
func mhSummary(strata []stratumTable, sig float64) Result {
	var r Result
	var num, den, sumA, sumEA, sumVA float64
	used := strata[:0:0]
	for _, t := range strata {
		T := t.A + t.B + t.C + t.D
		if T <= 1 {
			continue
		}
		used = append(used, t)
		nR, nF, m1, m0 := t.A+t.B, t.C+t.D, t.A+t.C, t.B+t.D
		r.NReference += int(nR)
		r.NFocal += int(nF)
		num += t.A * t.D / T
		den += t.B * t.C / T
		sumA += t.A
		sumEA += nR * m1 / T
		sumVA += nR * nF * m1 * m0 / (T * T * (T - 1))
	}
	r.Strata = len(used)
	r.OddsRatio = num / den
	r.DDIF = -2.35 * math.Log(r.OddsRatio)
	r.SE = math.NaN()
	if num > 0 && den > 0 {
		alpha := r.OddsRatio
		var v float64
		for _, t := range used {
			T := t.A + t.B + t.C + t.D
			v += (t.A*t.D + alpha*t.B*t.C) * (t.A + t.D + alpha*(t.B+t.C)) / (T * T)
		}
		r.SE = 2.35 * math.Sqrt(v/(2*num*num))
	}
	r.ChiSquare, r.P = math.NaN(), math.NaN() // no stratum with both groups and both responses
	if sumVA > 0 {
		dev := math.Abs(sumA-sumEA) - 0.5
		r.ChiSquare = dev * dev / sumVA
		r.P = math.Erfc(math.Sqrt(r.ChiSquare / 2)) // upper tail of χ² with 1 df
	}
	r.Category = ETSClassify(r.DDIF, r.SE, r.P, sig)
	switch {
	case r.Category == ETSA || math.IsNaN(r.DDIF):
		r.Favours = FavoursNone
	case r.DDIF < 0:
		r.Favours = FavoursReference
	default:
		r.Favours = FavoursFocal
	}
	return r
}

// ETSClassify returns the ETS category of an item with MH D-DIF dDIF, its
// standard error se and the p-value p of the test of no DIF, at
// significance level sig (Zwick 2012; see MantelHaenszel): A when p ≥ sig
// or |dDIF| < 1 (or dDIF or p is NaN); C when |dDIF| ≥ 1.5 and
// (|dDIF| − 1)/se > z₁₋sig; B otherwise (including a NaN se).
func ETSClassify(dDIF, se, p, sig float64) ETSCategory {
	a := math.Abs(dDIF)
	if math.IsNaN(dDIF) || math.IsNaN(p) || p >= sig || a < 1 {
		return ETSA
	}
	z := math.Sqrt2 * math.Erfinv(1-2*sig) // upper sig quantile of N(0, 1)
	if a >= 1.5 && (a-1)/se > z {
		return ETSC
	}
	return ETSB
}

// tallyScores counts the candidates of each studied item by stratum s of the
// matching score, group g (0 reference, 1 focal) and item score x:
// tab[(idx*levels + s)*4 + 2g + x], levels = len(op) + 2. The matching
// score is the operational total, plus x for a studied item outside op when
// match is IncludeItem (see Match); the top level is then used only by
// those items.
func tallyScores(d *analysis.Dataset, groups []Group, items, op []int, match Match) (tab []int64, levels int) {
	score := d.RawScores(op)
	levels = len(op) + 2
	// add[idx] is 1 when item idx's own score joins its matching score.
	add := make([]int, len(items))
	if match == IncludeItem {
		for idx, j := range items {
			if d.Items[j].Status != analysis.Operational {
				add[idx] = 1
			}
		}
	}
	tally := func(tab []int64, lo, hi int) {
		for i := lo; i < hi; i++ {
			var g int
			switch groups[i] {
			case Reference:
				g = 0
			case Focal:
				g = 1
			default:
				continue
			}
			row := d.Scored[i*d.J : (i+1)*d.J]
			base := score[i]*4 + 2*g
			for idx, j := range items {
				x := 0
				if row[j] == 1 {
					x = 1
				}
				tab[idx*levels*4+base+add[idx]*x*4+x]++
			}
		}
	}
	size := len(items) * levels * 4
	tab = make([]int64, size)
	// Candidate blocks on GOMAXPROCS goroutines, each with its own counts,
	// added at the end: integer counts, the same whatever the split.
	workers := min(runtime.GOMAXPROCS(0), d.N/20000)
	if workers <= 1 {
		tally(tab, 0, d.N)
		return tab, levels
	}
	parts := make([][]int64, workers)
	var wg sync.WaitGroup
	for w := range parts {
		parts[w] = make([]int64, size)
		lo, hi := w*d.N/workers, (w+1)*d.N/workers
		wg.Go(func() { tally(parts[w], lo, hi) })
	}
	wg.Wait()
	for _, p := range parts {
		for k, v := range p {
			tab[k] += v
		}
	}
	return tab, levels
}

// checkInputs checks the inputs of a DIF study (label names it in errors) and
// returns the items to study (all when items is nil) and the operational
// items whose total is the matching criterion.
func checkInputs(d *analysis.Dataset, groups []Group, items []int, label string) (studied, op []int, err error) {
	if d == nil || len(groups) != d.N {
		return nil, nil, fmt.Errorf("analysis: %s: need one group per candidate", label)
	}
	if len(d.Scored) != d.N*d.J || len(d.Items) != d.J {
		return nil, nil, fmt.Errorf("analysis: %s: dataset shape %d×%d does not match its items or matrix", label, d.N, d.J)
	}
	if items == nil {
		items = make([]int, d.J)
		for j := range items {
			items[j] = j
		}
	}
	for _, j := range items {
		if j < 0 || j >= d.J {
			return nil, nil, fmt.Errorf("analysis: %s: item index %d out of range [0, %d)", label, j, d.J)
		}
	}
	op = d.ItemsWithStatus(analysis.Operational)
	if len(op) == 0 {
		return nil, nil, analysis.ErrNoOperational
	}
	return items, op, nil
}
