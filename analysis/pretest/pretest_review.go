package pretest

import (
	"math"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/dif"

	"github.com/itemlab/itemlab/irt"
)

// Calibration is an item's IRT evidence from the anchored
// calibration.
type Calibration struct {
	Item                irt.Item
	SE                  irt.ItemSE
	Infit, Outfit, SX2P float64
	Failed              string // why the item could not be calibrated, if so
}

// Inputs gathers the evidence of a pretest review.
type Inputs struct {
	Classical *classical.Result   // Analyze of the dataset
	DIF       []dif.Result        // Mantel–Haenszel results (any items); nil without groups
	IRT       map[int]Calibration // by dataset item index; nil without calibration
	CutTheta  float64             // the scale's cut θ; NaN if unknown
	Rules     Rules
	Domains   []analysis.Domain // blueprint weights for the bank view; nil for none
}

// Result is the review of every pretest item and the bank view.
type Result struct {
	Items []Review // pretest items in dataset order
	Bank  []BankDomain
	Rules Rules
}

// BankDomain is the bank view of one domain: how many pretest items each
// decision got, and whether the promoted items cover the domain's share of
// the blueprint.
type BankDomain struct {
	Domain                                string
	Weight                                float64 // blueprint weight (share of items, 0..1); NaN if not given
	Pretest                               int
	Promote, Revise, Reject, Insufficient int
	// Needed is the domain's share of all promoted items by the
	// blueprint, round(weight·total promoted); Short is Needed − Promote
	// when positive.
	Needed, Short int
	InfoAtCut     float64 // total information at the cut θ of the promotable items
}

// ReviewItems reviews every pretest item of the dataset with the
// given evidence (see Decide) and summarises the decisions by domain.
func ReviewItems(d *analysis.Dataset, in Inputs) *Result {
	res := &Result{Rules: in.Rules}
	dif := map[int]*dif.Result{}
	for k := range in.DIF {
		dif[in.DIF[k].Item] = &in.DIF[k]
	}
	for _, j := range d.ItemsWithStatus(analysis.Pretest) {
		ev := Evidence{Stats: &in.Classical.Items[j], Infit: math.NaN(), Outfit: math.NaN(), SX2P: math.NaN(),
			InfoAtCut: math.NaN(), PreScored: in.Classical.PreScored, DIF: dif[j]}
		ev.SE = irt.ItemSE{A: math.NaN(), B: math.NaN(), C: math.NaN(), D: math.NaN(), LogitC: math.NaN()}
		if c, ok := in.IRT[j]; ok {
			if c.Failed != "" {
				ev.CalibStatus = c.Failed
			} else {
				it := c.Item
				ev.Item = &it
				ev.SE, ev.Infit, ev.Outfit, ev.SX2P = c.SE, c.Infit, c.Outfit, c.SX2P
				if !math.IsNaN(in.CutTheta) {
					ev.InfoAtCut = it.Info(in.CutTheta)
				}
			}
		}
		res.Items = append(res.Items, Decide(ev, in.Rules))
	}
	res.Bank = bankView(res.Items, in.Domains)
	return res
}

func bankView(items []Review, domains []analysis.Domain) []BankDomain {
	var out []BankDomain
	pos := map[string]int{}
	var total float64
	for _, d := range domains {
		total += d.Weight
	}
	for _, d := range domains {
		pos[d.Name] = len(out)
		out = append(out, BankDomain{Domain: d.Name, Weight: d.Weight / total})
	}
	promoted := 0
	for _, r := range items {
		name := r.Evidence.Stats.Item.Domain
		k, ok := pos[name]
		if !ok {
			k = len(out)
			pos[name] = k
			out = append(out, BankDomain{Domain: name, Weight: math.NaN()})
		}
		b := &out[k]
		b.Pretest++
		switch r.Decision {
		case Promote:
			b.Promote++
			promoted++
			if !math.IsNaN(r.Evidence.InfoAtCut) {
				b.InfoAtCut += r.Evidence.InfoAtCut
			}
		case Revise:
			b.Revise++
		case Reject:
			b.Reject++
		case Insufficient:
			b.Insufficient++
		}
	}
	for k := range out {
		b := &out[k]
		if !math.IsNaN(b.Weight) {
			b.Needed = int(math.Round(b.Weight * float64(promoted)))
			b.Short = max(b.Needed-b.Promote, 0)
		}
	}
	return out
}
