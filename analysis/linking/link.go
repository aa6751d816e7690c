// Package linking puts a new form's separately calibrated item parameters on
// the base form's scale through the items the two forms share: it screens
// those common items for drift, links, and transforms every item of the new
// form, with standard errors of the linking constants.
package linking

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// Options tune Link. The zero value links by Stocking–Lord with the
// SE-aware drift screen (Lord's chi-square split into its slope and
// difficulty parts, irt.DriftLordSplit) at α = 0.05 dropping at most 20 %
// of the anchors.
type Options struct {
	Method  irt.LinkMethod  // zero means StockingLord
	Link    irt.LinkOptions // criterion points, metric (see irt.LinkOptions)
	NoDrift bool            // keep every common item
	// Statistic is the drift screen's test (irt.DriftLordSplit,
	// irt.DriftLordB, irt.DriftLord, irt.DriftB, irt.DriftLordAB,
	// irt.DriftArea, irt.DriftLordFull); zero means irt.DriftLordSplit, the
	// default for every model (see defaultStatistic).
	Statistic irt.DriftStatistic
	// Alpha is the screen's family-wise type I error rate over the common
	// items (Bonferroni); zero means 0.05 (see irt.DriftOptions).
	Alpha float64
	// MaxDropShare is the largest share of the common items the screen may
	// drop; beyond it Link fails with a *DriftLimitError. Zero means 0.20.
	MaxDropShare float64
	// CovBase and CovNew are the covariance matrices of both forms' item
	// parameters (params_cov.csv). When either is nil, each item's own
	// covariance is built from its standard errors alone (a and b
	// independent, no covariance across items), and a warning says the SEs
	// of A and B are then too small.
	CovBase, CovNew *analysis.ParamCov
	MinItems        int // fewest common items; zero means irt.MinLinkItems (5)
}

// CommonItem is one item on both forms with its drift-screen record.
type CommonItem struct {
	ID        string
	Base, New irt.Item
	NewOnBase irt.Item // the new form's estimate on the base scale
	// Diff is b_base − b_new on the base scale, SE its standard error
	// (both forms' estimation error and the link's; irt.ScreenDriftSE) and
	// Z = Diff/SE, the screen's statistic under irt.DriftB.
	Diff, SE, Z float64
	// ChiSq is the screen's statistic as a chi-square with DF degrees of
	// freedom (Z² and 1 under irt.DriftB; NaN and 0 when not screened).
	ChiSq   float64
	DF      int
	Dropped bool
	Round   int // screening round in which it was dropped; 0 if kept
	Reason  string
}

// MethodConstants are one linking method's constants on the kept items,
// with their delta-method standard errors.
type MethodConstants struct {
	Method        irt.LinkMethod
	A, B          float64
	SEA, SEB, Cov float64
}

// Result is the linking of a new form's separately calibrated parameters
// to the base scale through common items.
type Result struct {
	Method    irt.LinkMethod
	Constants irt.LinkConstants
	// SEA, SEB and CovAB are the delta-method standard errors and
	// covariance of A and B (Ogasawara, 2000, 2001), ALo..BHi their 95 %
	// normal intervals.
	SEA, SEB, CovAB    float64
	ALo, AHi, BLo, BHi float64
	SEMethod           string // how the SEs were computed
	// Alpha and Critical are the drift screen's family-wise α and the
	// critical value it used (NaN when not screened): |z| under irt.DriftB,
	// X² under the Lord statistics. DriftStatistic says in a sentence which
	// test the screen used, and Statistic is that test (zero when not
	// screened).
	Alpha, Critical float64
	DriftStatistic  string
	Statistic       irt.DriftStatistic
	MaxDropShare    float64
	Common          []CommonItem
	Kept            int
	ByMethod        []MethodConstants     // every method on the kept items, for comparison
	Transformed     []analysis.ItemParams // all of the new form's items on the base scale
	// TransformedCov is the covariance of Transformed's parameters (nil
	// without CovNew).
	TransformedCov *analysis.ParamCov
	Warnings       []error
}

// ErrTooFewCommon is returned (wrapped) when the forms share too few items
// to be linked.
var ErrTooFewCommon = errors.New("linking: too few common items to link the forms")

// DriftLimitError is returned when the drift screen would drop more than
// Options.MaxDropShare of the anchors: the link would rest on what is left,
// which a psychometrician should look at first. The Result is returned with
// it, with the screen's record of every item.
type DriftLimitError struct {
	*irt.DriftLimitError
	Share float64
}

func (e *DriftLimitError) Error() string {
	return fmt.Sprintf("linking: the drift screen would drop %d of %d common items (%d dropped, %d more beyond the critical value), more than the %.0f %% allowed; look at anchors.csv, then raise the share (spec base_form.drift_max_drop, or --drift-max-drop) or turn the screen off (drift_statistic: none)",
		e.Dropped+e.Flagged, e.Anchors, e.Dropped, e.Flagged, 100*e.Share)
}

func (e *DriftLimitError) Unwrap() error { return e.DriftLimitError }

// Link puts the new form's item parameters on the base form's scale
// through the items the two share (by id): it screens the common items for
// drift with irt.ScreenDriftSE — by default Lord's chi-square on each
// item's slope and difficulty after linking (given logit c for a 3PL item)
// split into its slope part (a given c) and its difficulty part (d given
// a and c, a shift of b with the slope held), two 1-df tests (Langer, 2008; Woods, Cai & Wang, 2013), with the covariance from both forms' parameter covariances
// and the link (irt.DriftLordSplit; or the difficulty part alone,
// irt.DriftLordB; or the difference of b over its standard error,
// irt.DriftB), at a Bonferroni-adjusted level,
// dropping the worst item and relinking until none exceeds the critical
// value (Lord, 1980, ch. 14; Battauz, 2019, equateIRT's dif.test), never
// more than MaxDropShare of them — then links
// θ_base = A·θ_new + B by opts.Method on the kept items (Kolen & Brennan,
// 2014, ch. 6) with delta-method standard errors of A and B (Ogasawara,
// 2001, as equateIRT computes them), and transforms every item of the new
// form (b* = A·b + B, a* = a/A; se_b* = A·se_b, se_a* = se_a/A; the
// covariance matrix by the same Jacobian).
func Link(base, newForm []analysis.ItemParams, o Options) (*Result, error) {
	if o.Method == 0 {
		o.Method = irt.StockingLord
	}
	if o.MinItems == 0 {
		o.MinItems = irt.MinLinkItems
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if o.MaxDropShare == 0 {
		o.MaxDropShare = 0.20
	}
	byID := analysis.ParamsByID(base)
	var bi, ni []analysis.ItemParams
	for _, p := range newForm {
		if q, ok := byID[p.ItemID]; ok {
			bi = append(bi, q)
			ni = append(ni, p)
		}
	}
	if len(bi) < o.MinItems {
		return nil, fmt.Errorf("%w: %d shared by id, need at least %d", ErrTooFewCommon, len(bi), o.MinItems)
	}
	L := &Result{Method: o.Method, Alpha: math.NaN(), Critical: math.NaN(), MaxDropShare: o.MaxDropShare,
		SEMethod: "delta method (Ogasawara 2001) over the covariance of both forms' common-item parameters"}
	baseItems, newItems := paramItems(bi), paramItems(ni)
	ids := make([]string, len(bi))
	for k := range bi {
		ids[k] = bi[k].ItemID
	}
	covB, okB := stackedCov(o.CovBase, bi)
	covN, okN := stackedCov(o.CovNew, ni)
	if !okB || !okN {
		L.Warnings = append(L.Warnings, analysis.NewWarning("no_covariances", "",
			"a form's parameters come without params_cov.csv: each item's covariance is built from its standard errors alone, so the SEs of A and B (and the drift screen) ignore the covariances across items and are too small", nil))
		L.SEMethod += "; covariances across items unknown (no params_cov.csv)"
	}
	for k := range bi {
		L.Common = append(L.Common, CommonItem{ID: ids[k], Base: baseItems[k], New: newItems[k], Diff: math.NaN(), SE: math.NaN(), Z: math.NaN(), ChiSq: math.NaN()})
	}
	keep := make([]int, len(bi))
	for k := range keep {
		keep[k] = k
	}
	var limitErr error
	if o.NoDrift {
		L.DriftStatistic = "none"
	} else {
		stat := o.Statistic
		if stat == 0 {
			stat = defaultStatistic(baseItems, newItems)
		}
		L.Statistic = stat
		L.DriftStatistic = statisticSentence(stat, o.Statistic == 0)
		dr, err := irt.ScreenDriftSE(baseItems, newItems, covB, covN, irt.DriftOptions{Method: o.Method, Link: o.Link,
			Alpha: o.Alpha, MaxDropShare: o.MaxDropShare, MinItems: o.MinItems, Statistic: stat})
		var le *irt.DriftLimitError
		switch {
		case errors.As(err, &le):
			limitErr = &DriftLimitError{DriftLimitError: le, Share: o.MaxDropShare}
		case err != nil:
			return nil, err
		}
		L.Alpha, L.Critical = dr.Alpha, dr.Threshold
		for _, it := range dr.Items {
			c := &L.Common[it.Index]
			c.Diff, c.SE, c.Z, c.Dropped, c.Round, c.Reason = it.Diff, it.SE, it.Z, it.Dropped, it.Round, it.Reason
			c.ChiSq, c.DF = it.ChiSq, it.DF
		}
		keep = dr.Kept
	}
	L.Kept = len(keep)
	kb, kn := pick(baseItems, keep), pick(newItems, keep)
	kcb, kcn := subCov(covB, bi, keep), subCov(covN, ni, keep)
	var err error
	var se irt.LinkSE
	L.Constants, se, err = irt.LinkDelta(kb, kn, kcb, kcn, o.Method, o.Link)
	if err != nil {
		return nil, err
	}
	L.SEA, L.SEB, L.CovAB = se.A, se.B, se.CovAB
	L.ALo, L.AHi = L.Constants.A-1.96*se.A, L.Constants.A+1.96*se.A
	L.BLo, L.BHi = L.Constants.B-1.96*se.B, L.Constants.B+1.96*se.B
	for _, m := range []irt.LinkMethod{irt.MeanMean, irt.MeanSigma, irt.Haebara, irt.StockingLord} {
		c, mse, err := irt.LinkDelta(kb, kn, kcb, kcn, m, o.Link)
		if err != nil {
			continue
		}
		L.ByMethod = append(L.ByMethod, MethodConstants{Method: m, A: c.A, B: c.B, SEA: mse.A, SEB: mse.B, Cov: mse.CovAB})
	}
	for k := range L.Common {
		c := &L.Common[k]
		c.NewOnBase = L.Constants.Transform(c.New)
		if o.NoDrift {
			c.Diff = c.Base.B() - c.NewOnBase.B()
			c.Reason = "kept: drift screen off"
		}
	}
	A := L.Constants.A
	for _, p := range newForm {
		t := p
		t.Item = L.Constants.Transform(p.Item)
		t.SE.A = p.SE.A / A
		t.SE.B = p.SE.B * A
		if p.SE.D != 0 {
			t.SE.D = math.NaN()
		}
		L.Transformed = append(L.Transformed, t)
	}
	if o.CovNew != nil {
		L.TransformedCov = o.CovNew.Transform(L.Constants.A, L.Constants.B)
		if v, ok := diagD(L.TransformedCov); ok {
			for k := range L.Transformed {
				if sd, ok := v[L.Transformed[k].ItemID]; ok {
					L.Transformed[k].SE.D = sd
				}
			}
		}
	}
	return L, limitErr
}

// defaultStatistic is the drift test for the common items of any model:
// Lord's chi-square on the item's slope and difficulty after linking,
// given its lower asymptote, split into the slope's (a given c) and the
// difficulty's (d given a and c: b with the slope held) 1-df parts, each at α/(2n)
// (irt.DriftLordSplit). In the simulation
// study of irt (drift_study_test.go: 25 anchors, 1,900 candidates per
// form, α = 0.05; 20 seeds, 60 in brackets) it met the targets for both
// models — without drift no anchor dropped in ≥ 75 % of seeds and ≤ 5 %
// of anchors dropped; one anchor's b shifted by 0.5 caught, with at most
// one other drop, in ≥ 90 % of seeds: 2PL 90 % (92 %), 0.4 % (0.3 %),
// 100 % (97 %); 3PL 90 % (95 %), 0.4 % (0.2 %), 100 % (90 %) — and it
// caught a slope drift (a·1.5, b kept) as often as the whole-vector
// chi-square: 2PL 100 % (98 %), 3PL 65 % (57 %; whole vector 50 %, 52 %).
// The alternatives, 3PL shift caught at 20 (60) seeds: the difficulty
// part alone (irt.DriftLordB) 100 % (92 %), but slope drift in only 25 %
// (27 %) for the 2PL and 15 % (17 %) for the 3PL; X² on (a, d) given c in one 2-df test
// (irt.DriftLord) 95 % (85 %); the whole vector with the covariance the
// calibration reports (irt.DriftLordFull, this package's default before)
// 95 % (82 %); the b statistic 60 % (45 %): b and c trade off, so SE(b)
// is large, and with a prior on c the reported covariance overstates the
// sampling error of c and of what trades off with it (see
// irt.DriftLord); conditioning on c removes both. For Rasch items it is
// the b statistic (its z² at α/n).
//
// Lord's chi-square compares parameter vectors, so when a common item has
// different models on the two forms it falls back to the b statistic
// (irt.DriftB).
func defaultStatistic(base, newForm []irt.Item) irt.DriftStatistic {
	for k := range base {
		if base[k].Model != newForm[k].Model {
			return irt.DriftB
		}
	}
	return irt.DriftLordSplit
}

// statisticSentence says which test the drift screen used, for the run's
// records.
func statisticSentence(s irt.DriftStatistic, byDefault bool) string {
	var out string
	switch s {
	case irt.DriftB:
		out = "b-se: (b_base − b_new on the base scale)/SE, two-sided, Bonferroni over the common items"
	case irt.DriftLordSplit:
		out = "lord: Lord's (1980) chi-square on each common item's slope and difficulty after linking, given logit c for a 3PL item, split into two 1-df tests — the slope's (a given c) and the difficulty's (the intercept d given a and c, a shift of b with the slope held) — each at α/(2n), Bonferroni over the common items"
	case irt.DriftLordB:
		out = "lord-b: Lord's (1980) chi-square for a shift of each common item's difficulty after linking: its intercept d given a (and logit c for a 3PL item), a shift of b with the slope held, df 1, Bonferroni over the common items"
	case irt.DriftLord:
		out = "lord: Lord's (1980) chi-square on each common item's parameters after linking, (a, d) given logit c for a 3PL item, df 2 (1 for Rasch), Bonferroni over the common items"
	case irt.DriftLordFull:
		out = "lord-full: Lord's (1980) chi-square on each common item's parameters (a, d, logit c) after linking, df = the item's parameter count, Bonferroni over the common items"
	case irt.DriftLordAB:
		out = "lord-ab: Lord's (1980) chi-square on each common item's (a, b) after linking, df 2, Bonferroni over the common items"
	case irt.DriftArea:
		out = "area: signed area between the item's characteristic curves on the base scale over θ in [−3, 3] (Raju 1988, 1990)/SE, two-sided, Bonferroni over the common items"
	default:
		out = s.String()
	}
	if byDefault && s == irt.DriftB {
		out += " (the default when a common item has different models on the two forms)"
	} else if byDefault {
		out += " (the default for every model: it catches 3PL difficulty drift that the b statistic and the whole-vector chi-square miss, and slope drift as the whole-vector chi-square does)"
	}
	return out
}

// stackedCov is the covariance matrix of the items ps in order (each with
// its model's parameters) from c; without c, or when c lacks one of them,
// it is built from the standard errors (ok false).
func stackedCov(c *analysis.ParamCov, ps []analysis.ItemParams) (*mat.SymDense, bool) {
	models := map[string]irt.Model{}
	ids := make([]string, len(ps))
	for k, p := range ps {
		models[p.ItemID] = p.Item.Model
		ids[k] = p.ItemID
	}
	if c != nil {
		if m, err := c.Sub(ids, func(id string) []string { return models[id].ParamNames() }); err == nil {
			return m, true
		}
	}
	n := 0
	for _, p := range ps {
		n += p.Item.Model.NumParams()
	}
	m := mat.NewSymDense(n, nil)
	o := 0
	for _, p := range ps {
		it, se := p.Item, p.SE
		// var d = var(−a·b) ≈ b²·var a + a²·var b for independent a and b.
		b := it.B()
		varA, varB := se.A*se.A, se.B*se.B
		switch it.Model {
		case irt.Rasch:
			m.SetSym(o, o, it.A*it.A*varB)
		default:
			m.SetSym(o, o, varA)
			m.SetSym(o+1, o+1, b*b*varA+it.A*it.A*varB)
			m.SetSym(o, o+1, -b*varA) // cov(a, −a·b) = −b·var a
			if it.Model == irt.ThreePL {
				// var logit c = var c / (c(1−c))²
				if it.C > 0 && it.C < 1 {
					m.SetSym(o+2, o+2, se.C*se.C/math.Pow(it.C*(1-it.C), 2))
				}
			}
		}
		o += it.Model.NumParams()
	}
	return m, false
}

// subCov is the block of cov (stacked over ps) for the items keep.
func subCov(cov *mat.SymDense, ps []analysis.ItemParams, keep []int) *mat.SymDense {
	offs := make([]int, len(ps)+1)
	for k, p := range ps {
		offs[k+1] = offs[k] + p.Item.Model.NumParams()
	}
	var idx []int
	for _, k := range keep {
		for r := offs[k]; r < offs[k+1]; r++ {
			idx = append(idx, r)
		}
	}
	out := mat.NewSymDense(len(idx), nil)
	for x, r := range idx {
		for y := x; y < len(idx); y++ {
			out.SetSym(x, y, cov.At(r, idx[y]))
		}
	}
	return out
}

// diagD is the standard error of each item's intercept d in c.
func diagD(c *analysis.ParamCov) (map[string]float64, bool) {
	out := map[string]float64{}
	for r := range c.Items {
		if c.Params[r] == irt.ParamD {
			out[c.Items[r]] = math.Sqrt(c.M.At(r, r))
		}
	}
	return out, len(out) > 0
}

func paramItems(ps []analysis.ItemParams) []irt.Item {
	out := make([]irt.Item, len(ps))
	for k, p := range ps {
		out[k] = p.Item
	}
	return out
}

func pick(items []irt.Item, idx []int) []irt.Item {
	out := make([]irt.Item, len(idx))
	for k, i := range idx {
		out[k] = items[i]
	}
	return out
}
