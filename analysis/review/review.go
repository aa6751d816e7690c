// Package review decides what to do with each operational item after an
// administration: keep it, review it, or check its key. It is the
// operational counterpart of the pretest review (analysis/pretest), which
// decides whether an unscored item may become scored.
//
// The decision is made from the evidence a run has when the review is
// written: the classical statistics of the analyze stage always, the IRT
// item fit when the form was calibrated, and the DIF category when a DIF
// study ran. `itemlab analyze` writes the review from the classical evidence
// alone; `itemlab run` writes it after its calibrate and dif stages, with all
// three (pipeline.ItemReview).
package review

import (
	"fmt"
	"math"
	"strings"

	"github.com/itemlab/itemlab/analysis/classical"
)

// Decision is what the committee is asked to do with an operational item.
type Decision string

// Decisions, from best to worst.
const (
	Keep     Decision = "keep"      // nothing found that puts the item's score in doubt
	Review   Decision = "review"    // a statistic outside its range: a committee looks at it
	CheckKey Decision = "check_key" // the key may be wrong: verify it before scores are released ("check the key")
)

// Severity says what a reason does to the decision.
type Severity int

// Severities, from mildest to worst.
const (
	Note        Severity = iota // for the item writer; the item is kept
	NeedsReview                 // review
	KeyProblem                  // check the key
)

func (s Severity) String() string {
	return [...]string{"note", "review", "check_key"}[s]
}

// Reason codes, in the order a reason of each severity is listed.
const (
	CodePossibleMiskey         = "possible_miskey"
	CodeNegativeDiscrimination = "negative_discrimination"
	CodeLowDiscrimination      = "low_discrimination"
	CodeTooEasy                = "too_easy"
	CodeTooHard                = "too_hard"
	CodeHighOmit               = "high_omit"
	CodeMisfit                 = "misfit"
	CodeDIFC                   = "dif_c"
	CodeMisfitMNSQ             = "misfit_mnsq"
	CodeDIFB                   = "dif_b"
	CodeNonfunctioning         = "nonfunctioning_distractor"
)

// Reason is one finding: a code for machines and a sentence that names the
// rule and its threshold.
type Reason struct {
	Code     string
	Severity Severity
	Message  string
}

// Evidence is what the review knows about one item. The IRT fields are NaN
// when the item was not calibrated; DIFCategory is "" without a DIF study.
type Evidence struct {
	Stats       *classical.ItemStats
	PreScored   bool    // 0/1 data: no distractor analysis, no key check from options
	SX2P        float64 // S-X² p-value (Orlando & Thissen, 2000)
	Infit       float64 // infit mean square
	Outfit      float64 // outfit mean square
	DIFCategory string  // ETS category A, B or C (Mantel–Haenszel); "" without a DIF study
	DIFFavours  string  // group the item favours
	DIFD        float64 // MH D-DIF
}

// NoIRT is Evidence with the IRT fields NaN, for stats alone.
func NoIRT(st *classical.ItemStats, preScored bool) Evidence {
	return Evidence{Stats: st, PreScored: preScored, SX2P: math.NaN(), Infit: math.NaN(), Outfit: math.NaN()}
}

// Rules are the thresholds of the operational review.
type Rules struct {
	LowRPBis            float64 // corrected point-biserial below this (but ≥ 0) → review
	TooEasy             float64 // p above → review
	TooHard             float64 // p below → review
	HighOmit            float64 // omit rate above → review
	MisfitP             float64 // S-X² p below → review
	MinMNSQ, MaxMNSQ    float64 // infit or outfit outside → note
	NonfunctioningShare float64 // a distractor chosen by fewer → note
}

// DefaultRules are the classical flags' thresholds (classical.DefaultThresholds:
// corrected point-biserial 0.15, p 0.20–0.95, omits 5 %, distractors 5 %,
// after Haladyna & Rodriguez, 2013, and Ebel & Frisbie, 1991), S-X² p 0.01
// (Orlando & Thissen, 2000) and mean squares 0.7–1.3 (Wright & Linacre,
// 1994), the pretest review's values (pretest.DefaultRules), so that an item
// is judged the same way before and after it is scored.
//
//	rule                   default       effect
//	possible miskey                      a distractor chosen more than the key by the top
//	                                     fifth (and rising with score), or correlating more
//	                                     with the score than the key → check the key
//	negative r_pbis        0             corrected point-biserial < 0 → check the key
//	low_rpbis              0.15          0 ≤ corrected point-biserial < 0.15 → review
//	too_easy / too_hard    0.95 / 0.20   p outside → review
//	high_omit              0.05          omit rate above → review
//	misfit_p               0.01          S-X² p below → review
//	DIF                    ETS C         category C → review (fairness); B → note
//	min_mnsq / max_mnsq    0.7 / 1.3     infit or outfit outside → note
//	nonfunctioning_share   0.05          a distractor chosen by fewer → note (keep)
func DefaultRules() Rules {
	th := classical.DefaultThresholds()
	return Rules{
		LowRPBis: th.LowDiscrimination, TooEasy: th.TooEasy, TooHard: th.TooHard, HighOmit: th.HighOmit,
		MisfitP: 0.01, MinMNSQ: 0.7, MaxMNSQ: 1.3, NonfunctioningShare: th.NonfunctioningDistractor,
	}
}

// FromThresholds is DefaultRules with the classical limits of th (the
// thresholds the run flagged items with).
func FromThresholds(th classical.Thresholds) Rules {
	r := DefaultRules()
	r.LowRPBis, r.TooEasy, r.TooHard, r.HighOmit = th.LowDiscrimination, th.TooEasy, th.TooHard, th.HighOmit
	r.NonfunctioningShare = th.NonfunctioningDistractor
	return r
}

// Item is the review of one item.
type Item struct {
	ItemID   string
	Decision Decision
	Reasons  []Reason // worst first, each code once
}

// Codes are the reason codes joined by ";".
func (it Item) Codes() string {
	c := make([]string, len(it.Reasons))
	for i, r := range it.Reasons {
		c[i] = r.Code
	}
	return strings.Join(c, ";")
}

// Notes are the reasons' sentences as pretest.csv writes them: each
// prefixed by its severity ("check_key: …", "review: …", "note: …") and
// joined by " | ".
func (it Item) Notes() string {
	c := make([]string, len(it.Reasons))
	for i, r := range it.Reasons {
		c[i] = r.Severity.String() + ": " + r.Message
	}
	return strings.Join(c, " | ")
}

// Decide reviews one item: check the key when any reason is a key problem
// (a possible miskey or a negative corrected point-biserial), review when
// any reason needs review, keep otherwise (notes alone keep the item). Each
// code appears once; reasons are listed worst first, in code order within a
// severity. Statistics that are NaN raise no reason.
func Decide(id string, ev Evidence, r Rules) Item {
	st := ev.Stats
	var rs []Reason
	add := func(code string, sev Severity, format string, args ...any) {
		rs = append(rs, Reason{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	pct := func(x float64) string { return fmt.Sprintf("%.0f %%", 100*x) }
	pct1 := func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }

	if !ev.PreScored {
		if m := classical.MiskeyEvidence(st); m != "" {
			add(CodePossibleMiskey, KeyProblem, "%s: the key may be wrong; verify it before scores are released", m)
		}
	}
	rp := st.RPBisCorrected
	switch {
	case math.IsNaN(rp):
	case rp < 0:
		add(CodeNegativeDiscrimination, KeyProblem, "corrected point-biserial %s is below 0: stronger candidates do worse on it than weaker ones, so the item may be miskeyed or ambiguous", signed(rp))
	case rp < r.LowRPBis:
		add(CodeLowDiscrimination, NeedsReview, "corrected point-biserial %.2f is below %.2f: it separates stronger from weaker candidates only weakly", rp, r.LowRPBis)
	}
	switch {
	case math.IsNaN(st.P):
	case st.P > r.TooEasy:
		add(CodeTooEasy, NeedsReview, "p = %.3f: %s answer it correctly, above %s, so it tells candidates apart hardly at all", st.P, pct1(st.P), pct(r.TooEasy))
	case st.P < r.TooHard:
		add(CodeTooHard, NeedsReview, "p = %.3f: only %s answer it correctly, below %s (near guessing): check the content and the key", st.P, pct1(st.P), pct(r.TooHard))
	}
	if st.OmitRate > r.HighOmit {
		add(CodeHighOmit, NeedsReview, "%s of candidates skip it, above %s: it may be unclear or too long", pct(st.OmitRate), pct(r.HighOmit))
	}
	if !math.IsNaN(ev.SX2P) && ev.SX2P < r.MisfitP {
		add(CodeMisfit, NeedsReview, "S-X² p = %.3g is below %.2g: the IRT model does not fit its responses", ev.SX2P, r.MisfitP)
	}
	fav := ""
	if ev.DIFFavours != "" && ev.DIFFavours != "none" {
		fav = " favouring the " + ev.DIFFavours + " group"
	}
	switch ev.DIFCategory {
	case "C":
		add(CodeDIFC, NeedsReview, "large DIF (ETS category C, MH D-DIF %s)%s: send it to fairness review", signed(ev.DIFD), fav)
	case "B":
		add(CodeDIFB, Note, "moderate DIF (ETS category B, MH D-DIF %s)%s", signed(ev.DIFD), fav)
	}
	var mnsq []string
	for _, f := range []struct {
		name string
		v    float64
	}{{"infit", ev.Infit}, {"outfit", ev.Outfit}} {
		if !math.IsNaN(f.v) && (f.v < r.MinMNSQ || f.v > r.MaxMNSQ) {
			mnsq = append(mnsq, fmt.Sprintf("%s mean square %.2f", f.name, f.v))
		}
	}
	if len(mnsq) > 0 {
		add(CodeMisfitMNSQ, Note, "%s outside %.1f–%.1f", strings.Join(mnsq, " and "), r.MinMNSQ, r.MaxMNSQ)
	}
	if !ev.PreScored {
		var rare []string
		for _, o := range st.Options {
			if !o.Omit && !o.IsKey && o.Prop < r.NonfunctioningShare {
				rare = append(rare, fmt.Sprintf("%s (%.1f %%)", o.Code, 100*o.Prop))
			}
		}
		if len(rare) > 0 {
			what := "option " + rare[0] + " is"
			if len(rare) > 1 {
				what = "options " + strings.Join(rare, ", ") + " are"
			}
			add(CodeNonfunctioning, Note, "%s chosen by fewer than %s of candidates: for the item writer, a more plausible distractor (the item is kept)", what, pct(r.NonfunctioningShare))
		}
	}

	it := Item{ItemID: id, Decision: Keep}
	for sev := KeyProblem; sev >= Note; sev-- {
		for _, x := range rs {
			if x.Severity == sev {
				it.Reasons = append(it.Reasons, x)
			}
		}
	}
	if len(it.Reasons) > 0 {
		switch it.Reasons[0].Severity {
		case KeyProblem:
			it.Decision = CheckKey
		case NeedsReview:
			it.Decision = Review
		}
	}
	return it
}

// signed writes x with two decimals and a true minus sign.
func signed(x float64) string {
	s := fmt.Sprintf("%.2f", x)
	if strings.HasPrefix(s, "-") {
		return "−" + s[1:]
	}
	return s
}
