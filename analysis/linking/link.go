package linking

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/internal/replicate"

	"github.com/itemlab/itemlab/irt"
)

// Options tune Link. The zero value links by Stocking–Lord
// with drift screening and 500 parametric bootstrap replications.
type Options struct {
	Method   irt.LinkMethod   // zero means StockingLord
	Link     irt.LinkOptions  // criterion points, metric (see irt.LinkOptions)
	NoDrift  bool             // keep every common item
	Drift    irt.DriftOptions // robust-z screening (see irt.ScreenDrift)
	Reps     int              // bootstrap replications for standard errors; zero means 500
	Rng      *rand.Rand       // source of the bootstrap; nil means a fixed seed
	MinItems int              // fewest common items; zero means irt.MinLinkItems (5)
	Progress func(done, total int)
}

// CommonItem is one item on both forms with its linking record.
type CommonItem struct {
	ID        string
	Base, New irt.Item
	ZB, ZA    float64 // robust z of the drift screening (NaN when not screened)
	Dropped   bool
	Reason    string
	NewOnBase irt.Item // the new form's estimate transformed to the base scale
	Displaced float64  // b_new on the base scale minus b_base
}

// MethodConstants are one linking method's constants on the kept items,
// with their parametric-bootstrap standard errors.
type MethodConstants struct {
	Method   irt.LinkMethod
	A, B     float64
	SEA, SEB float64
}

// Result is the linking of a new form's separately calibrated parameters
// to the base scale through common items.
type Result struct {
	Method    irt.LinkMethod
	Constants irt.LinkConstants
	// SEA and SEB are parametric-bootstrap standard errors of A and B;
	// ALo..BHi their 95 % percentile intervals.
	SEA, SEB           float64
	ALo, AHi, BLo, BHi float64
	Reps               int
	Common             []CommonItem
	Kept               int
	ByMethod           []MethodConstants     // every method on the kept items, for comparison
	Transformed        []analysis.ItemParams // all of the new form's items on the base scale
	Warnings           []error
}

// ErrTooFewCommon is returned (wrapped) when the forms share too few items
// to be linked.
var ErrTooFewCommon = errors.New("too few common items to link the forms")

// Link puts the new form's item parameters on the base form's scale
// through the items the two share (by id): optionally screening the common
// items for drift (irt.ScreenDrift) and leaving drifting ones out, then
// estimating θ_base = A·θ_new + B by opts.Method on the kept items (Kolen &
// Brennan, 2014, ch. 6), and transforming every item of the new form
// (b* = A·b + B, a* = a/A; standard errors se_b* = A·se_b, se_a* = se_a/A).
//
// Standard errors of A and B come from a parametric bootstrap over the item
// parameters: each replication draws every kept common item's a, b and c on
// both forms from normal distributions centred on the estimates with the
// files' standard errors (independently: params.csv carries no
// covariances), relinks, and the SE is the SD of the replicated constants.
// Items without standard errors add no noise, and a warning says so.
func Link(base, newForm []analysis.ItemParams, o Options) (*Result, error) {
	if o.Method == 0 {
		o.Method = irt.StockingLord
	}
	if o.Reps == 0 {
		o.Reps = 500
	}
	if o.MinItems == 0 {
		o.MinItems = irt.MinLinkItems
	}
	rng := o.Rng
	if rng == nil {
		rng = rand.New(rand.NewPCG(1, 2))
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
	L := &Result{Method: o.Method, Reps: o.Reps}
	baseItems, newItems := paramItems(bi), paramItems(ni)
	for k := range bi {
		L.Common = append(L.Common, CommonItem{ID: bi[k].ItemID, Base: baseItems[k], New: newItems[k], ZB: math.NaN(), ZA: math.NaN()})
	}
	keep := make([]int, len(bi))
	for k := range keep {
		keep[k] = k
	}
	if !o.NoDrift {
		dopts := o.Drift
		if dopts.MinItems == 0 {
			dopts.MinItems = o.MinItems
		}
		dr := irt.ScreenDrift(baseItems, newItems, dopts)
		for _, it := range dr.Items {
			c := &L.Common[it.Index]
			c.ZB, c.ZA, c.Dropped, c.Reason = it.ZB, it.ZA, it.Dropped, it.Reason
		}
		keep = dr.Kept
	}
	L.Kept = len(keep)
	kb, kn := pick(baseItems, keep), pick(newItems, keep)
	var err error
	L.Constants, err = irt.Link(kb, kn, o.Method, o.Link)
	if err != nil {
		return nil, err
	}
	for _, m := range []irt.LinkMethod{irt.MeanMean, irt.MeanSigma, irt.Haebara, irt.StockingLord} {
		c, err := irt.Link(kb, kn, m, o.Link)
		if err != nil {
			continue
		}
		L.ByMethod = append(L.ByMethod, MethodConstants{Method: m, A: c.A, B: c.B})
	}
	for k := range L.Common {
		c := &L.Common[k]
		c.NewOnBase = L.Constants.Transform(c.New)
		c.Displaced = c.NewOnBase.B() - c.Base.B()
	}
	// Parametric bootstrap.
	kbp, knp := pickParams(bi, keep), pickParams(ni, keep)
	noSE := 0
	for _, p := range append(append([]analysis.ItemParams(nil), kbp...), knp...) {
		if p.SE.B == 0 {
			noSE++
		}
	}
	if noSE > 0 {
		L.Warnings = append(L.Warnings, analysis.NewWarning("no_standard_errors", "", fmt.Sprintf("%d common-item parameter sets have no standard errors; the bootstrap treats them as exact, so the SEs of A and B are too small", noSE), nil))
	}
	// Each replication links by every method on the same draws; a
	// replication that fails to link leaves NaN and is left out.
	nm := len(L.ByMethod)
	repA, repB := make([]float64, o.Reps), make([]float64, o.Reps)
	repMA, repMB := make([][]float64, o.Reps), make([][]float64, o.Reps)
	replicate.Run(rng, o.Reps, o.Progress, func(r int, g *rand.Rand) {
		db, dn := replicate.DrawItems(g, kbp), replicate.DrawItems(g, knp)
		repA[r], repB[r] = math.NaN(), math.NaN()
		if c, err := irt.Link(db, dn, o.Method, o.Link); err == nil {
			repA[r], repB[r] = c.A, c.B
		}
		repMA[r], repMB[r] = make([]float64, nm), make([]float64, nm)
		for k, m := range L.ByMethod {
			repMA[r][k], repMB[r][k] = math.NaN(), math.NaN()
			if mc, err := irt.Link(db, dn, m.Method, o.Link); err == nil {
				repMA[r][k], repMB[r][k] = mc.A, mc.B
			}
		}
	})
	var as, bs []float64
	mas, mbs := make([][]float64, nm), make([][]float64, nm)
	for r := 0; r < o.Reps; r++ {
		if !math.IsNaN(repA[r]) {
			as = append(as, repA[r])
			bs = append(bs, repB[r])
		}
		for k := 0; k < nm; k++ {
			if !math.IsNaN(repMA[r][k]) {
				mas[k] = append(mas[k], repMA[r][k])
				mbs[k] = append(mbs[k], repMB[r][k])
			}
		}
	}
	for k := range L.ByMethod {
		L.ByMethod[k].SEA, L.ByMethod[k].SEB = math.NaN(), math.NaN()
		if len(mas[k]) >= 2 {
			L.ByMethod[k].SEA, L.ByMethod[k].SEB = replicate.SD(mas[k]), replicate.SD(mbs[k])
		}
	}
	if len(as) < 2 {
		L.SEA, L.SEB = math.NaN(), math.NaN()
		L.ALo, L.AHi, L.BLo, L.BHi = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	} else {
		L.SEA, L.SEB = replicate.SD(as), replicate.SD(bs)
		L.ALo, L.AHi = replicate.Percentile(as, 0.025), replicate.Percentile(as, 0.975)
		L.BLo, L.BHi = replicate.Percentile(bs, 0.025), replicate.Percentile(bs, 0.975)
		if len(as) < o.Reps {
			L.Warnings = append(L.Warnings, analysis.NewWarning("bootstrap_failures", "", fmt.Sprintf("%d of %d bootstrap replications failed to link", o.Reps-len(as), o.Reps), nil))
		}
	}
	A := L.Constants.A
	for _, p := range newForm {
		t := p
		t.Item = L.Constants.Transform(p.Item)
		t.SE.A = p.SE.A / A
		t.SE.B = p.SE.B * A
		if p.SE.D != 0 {
			t.SE.D = math.NaN() // needs the a–d covariance, which params.csv does not carry
		}
		L.Transformed = append(L.Transformed, t)
	}
	return L, nil
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

func pickParams(ps []analysis.ItemParams, idx []int) []analysis.ItemParams {
	out := make([]analysis.ItemParams, len(idx))
	for k, i := range idx {
		out[k] = ps[i]
	}
	return out
}
