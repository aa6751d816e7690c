package reports

import (
	"math"
	"strings"

	"github.com/itemlab/itemlab/analysis/pretest"
)

// PretestTable is pretest.csv: one row per pretest item,
//
//	item_id,domain,decision,reasons,notes,n_answered,p,rpbis_corrected,a,b,c,
//	se_a,se_b,se_c,infit,outfit,sx2_p,info_at_cut,mh_d_dif,ets_category,flags
//
// reasons holds the codes (worst first, ;-joined, each code once), notes the
// sentences for the item writer (" | "-joined), each prefixed by its
// severity and naming the rule and threshold behind it.
func PretestTable(res *pretest.Result) *Table {
	t := &Table{Header: []string{"item_id", "domain", "decision", "reasons", "notes", "n_answered", "p", "rpbis_corrected",
		"a", "b", "c", "se_a", "se_b", "se_c", "infit", "outfit", "sx2_p", "info_at_cut", "mh_d_dif", "ets_category", "flags"}}
	for _, r := range res.Items {
		ev := r.Evidence
		st := ev.Stats
		var codes, notes []string
		for _, x := range r.Reasons {
			codes = append(codes, x.Code)
			notes = append(notes, x.Severity.String()+": "+x.Message)
		}
		a, b, c := math.NaN(), math.NaN(), math.NaN()
		if ev.Item != nil {
			a, b, c = ev.Item.A, ev.Item.B(), ev.Item.C
		}
		ddif, cat := math.NaN(), ""
		if ev.DIF != nil {
			ddif, cat = ev.DIF.DDIF, string(ev.DIF.Category)
		}
		var flags []string
		for _, f := range st.Flags {
			flags = append(flags, string(f))
		}
		t.Rows = append(t.Rows, []string{st.Item.ID, st.Item.Domain, string(r.Decision), strings.Join(codes, ";"), strings.Join(notes, " | "),
			I(st.NAnswered), F(st.P), F(st.RPBisCorrected), F(a), F(b), F(c), F(ev.SE.A), F(ev.SE.B), F(ev.SE.C),
			F(ev.Infit), F(ev.Outfit), F(ev.SX2P), F(ev.InfoAtCut), F(ddif), cat, strings.Join(flags, ";")})
	}
	return t
}

// BankTable is bank.csv: per domain, the pretest decisions against the
// blueprint and the information the promotable items add at the cut θ.
func BankTable(res *pretest.Result) *Table {
	t := &Table{Header: []string{"domain", "blueprint_share", "pretest_items", "promote", "revise", "reject", "insufficient",
		"needed", "short", "info_at_cut_promoted"}}
	for _, b := range res.Bank {
		t.Rows = append(t.Rows, []string{b.Domain, F(b.Weight), I(b.Pretest), I(b.Promote), I(b.Revise), I(b.Reject),
			I(b.Insufficient), I(b.Needed), I(b.Short), F(b.InfoAtCut)})
	}
	return t
}

// PretestFile is pretest.json: the decisions, the bank view and the rules
// used.
type PretestFile struct {
	Items         int            `json:"items"`
	Decisions     map[string]int `json:"decisions"`
	Promoted      []string       `json:"promoted"`
	Rules         pretest.Rules  `json:"rules"`
	CutTheta      *float64       `json:"cut_theta"`
	Bank          []BankJSON     `json:"bank"`
	Reviews       []PretestJSON  `json:"reviews"`
	Method        string         `json:"calibration"`
	CalibrationID string         `json:"calibration_id,omitempty"` // the calibration whose parameters it used (CalibrationID)
}

// BankJSON is one domain of the bank view.
type BankJSON struct {
	Domain    string   `json:"domain"`
	Share     *float64 `json:"blueprint_share"`
	Promote   int      `json:"promote"`
	Needed    int      `json:"needed"`
	Short     int      `json:"short"`
	InfoAtCut float64  `json:"info_at_cut_promoted"`
}

// PretestJSON is one item's decision with its reasons.
type PretestJSON struct {
	ItemID   string       `json:"item_id"`
	Decision string       `json:"decision"`
	Reasons  []ReasonJSON `json:"reasons"`
}

// ReasonJSON is one reason: rule is the rules field (by its YAML name)
// that decided its severity, which the message names with its threshold.
type ReasonJSON struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Rule     string `json:"rule"`
	Message  string `json:"message"`
}

// NewPretestFile describes a pretest review for pretest.json.
func NewPretestFile(res *pretest.Result, cutTheta float64, method string) *PretestFile {
	f := &PretestFile{Items: len(res.Items), Decisions: map[string]int{"promote": 0, "revise": 0, "reject": 0, "insufficient": 0},
		Promoted: []string{}, Rules: res.Rules, CutTheta: JSONFloat(cutTheta), Method: method}
	for _, r := range res.Items {
		f.Decisions[string(r.Decision)]++
		if r.Decision == pretest.Promote {
			f.Promoted = append(f.Promoted, r.Evidence.Stats.Item.ID)
		}
		pj := PretestJSON{ItemID: r.Evidence.Stats.Item.ID, Decision: string(r.Decision), Reasons: []ReasonJSON{}}
		for _, x := range r.Reasons {
			pj.Reasons = append(pj.Reasons, ReasonJSON{x.Code, x.Severity.String(), x.Rule, x.Message})
		}
		f.Reviews = append(f.Reviews, pj)
	}
	for _, b := range res.Bank {
		f.Bank = append(f.Bank, BankJSON{Domain: b.Domain, Share: JSONFloat(b.Weight), Promote: b.Promote, Needed: b.Needed, Short: b.Short, InfoAtCut: b.InfoAtCut})
	}
	return f
}
