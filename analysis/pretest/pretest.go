package pretest

import (
	"fmt"
	"math"
	"strings"

	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/dif"

	"github.com/itemlab/itemlab/irt"
)

// Decision is the outcome of the pretest review of an item.
type Decision string

// Decisions, from best to worst.
const (
	Promote      Decision = "promote"      // ready to become a scored item
	Revise       Decision = "revise"       // back to the writers
	Reject       Decision = "reject"       // drop it
	Insufficient Decision = "insufficient" // too few responses to judge
)

// Severity says what a reason does to the decision.
type Severity int

// Severities: a note is reported but does not stop promotion.
const (
	Note Severity = iota
	NeedsRevision
	Rejects
)

func (s Severity) String() string {
	return [...]string{"note", "revise", "reject"}[s]
}

// Reason is one finding of the review: a short code for machines and a
// sentence for the item writer. Each code appears at most once per item:
// when several rules look at the same property (the point-biserial and the
// IRT slope, the p-value and b), their evidence is one reason whose message
// names every rule and threshold, and Rule names the rule that set the
// severity.
type Reason struct {
	Code     string
	Severity Severity
	Rule     string // the Rules field (its YAML name) that decided the severity
	Message  string
}

// Evidence is what the review knows about one pretest item. IRT
// fields are NaN (and Item nil) when the item was not calibrated; DIF is nil
// without a group comparison.
type Evidence struct {
	Stats       *classical.ItemStats // classical statistics against the operational score
	Item        *irt.Item            // parameters on the operational scale
	SE          irt.ItemSE
	Infit       float64
	Outfit      float64
	SX2P        float64
	DIF         *dif.Result
	InfoAtCut   float64 // item information at the cut θ
	PreScored   bool    // responses were 0/1: no distractor analysis
	CalibStatus string  // non-empty when calibration of the item failed, and why
}

// Review is the review of one pretest item.
type Review struct {
	Evidence Evidence
	Decision Decision
	Reasons  []Reason
}

// reasons collects the findings of one item, one Reason per code.
type reasons []Reason

// add records a finding under code. A second finding under the same code is
// merged into the first: the messages are joined with "; " and the more
// severe finding's severity and rule are kept.
func (rs *reasons) add(code string, sev Severity, rule, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for k := range *rs {
		x := &(*rs)[k]
		if x.Code != code {
			continue
		}
		x.Message += "; " + msg
		if sev > x.Severity {
			x.Severity, x.Rule = sev, rule
		}
		return
	}
	*rs = append(*rs, Reason{Code: code, Severity: sev, Rule: rule, Message: msg})
}

// Decide decides one pretest item: insufficient when fewer than
// rules.MinResponses candidates answered it; otherwise reject when any
// reason rejects, revise when any needs revision, promote when only notes (or
// nothing) remain. Every reason that applies is listed, worst first, each
// code once; every message names the rule (the Rules field by its YAML
// name) and the threshold behind it.
//
// What blocks promotion is what makes the item's score unfit to count: a
// difficulty outside the p range, a b far outside the scale, low or negative
// discrimination, a key that looks wrong, misfit, DIF category C, many
// omits, a failed calibration, too few responses. A non-functioning distractor
// never blocks promotion: it is a note for the item writer (see Rules).
func Decide(ev Evidence, r Rules) Review {
	st := ev.Stats
	var rs reasons
	pct := func(x float64) string { return fmt.Sprintf("%.0f %%", 100*x) }
	pct1 := func(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }
	calibrated := ev.Item != nil && !math.IsNaN(ev.Item.A)

	// Difficulty: the p-value decides (it is estimated precisely, SE ≈ 0.01
	// at 2,000 candidates); b adds the IRT view.
	switch {
	case st.P > r.RejectPMax:
		rs.add("too_easy", Rejects, "reject_p_max", "%s of candidates answer it correctly, above reject_p_max %s: it tells candidates apart hardly at all", pct(st.P), pct(r.RejectPMax))
	case st.P < r.RejectPMin:
		rs.add("too_hard", Rejects, "reject_p_min", "only %s of candidates answer it correctly, below reject_p_min %s (near guessing): check the key and the content", pct(st.P), pct(r.RejectPMin))
	case st.P > r.TargetPMax:
		rs.add("difficulty_out_of_range", Note, "target_p_max", "%s answer it correctly, above target_p_max %s: it can be scored, but it is easy and says little about candidates near the cut", pct(st.P), pct(r.TargetPMax))
	case st.P < r.TargetPMin:
		rs.add("difficulty_out_of_range", Note, "target_p_min", "%s answer it correctly, below target_p_min %s: it can be scored, but it is hard; check that the content is fair", pct(st.P), pct(r.TargetPMin))
	}
	if calibrated && ev.Item.A > 0 {
		if b := ev.Item.B(); b < r.BMin || b > r.BMax {
			code := "difficulty_out_of_range"
			switch {
			case st.P > r.RejectPMax:
				code = "too_easy"
			case st.P < r.RejectPMin:
				code = "too_hard"
			}
			rs.add(code, NeedsRevision, "b_min/b_max", "IRT difficulty b = %.2f is outside b_min %.1f to b_max %.1f on the operational scale, far from the cut", b, r.BMin, r.BMax)
		}
	}

	// Discrimination: the corrected point-biserial against the operational
	// score, and the IRT slope when the item was calibrated. The
	// point-biserial shrinks for easy and hard items and with guessing; the
	// slope does not, so below the revision floor the two must agree.
	rp := st.RPBisCorrected
	aMsg := ""
	if calibrated {
		aMsg = fmt.Sprintf("IRT slope a = %.2f", ev.Item.A)
	}
	switch {
	case math.IsNaN(rp):
		if calibrated && ev.Item.A < r.MinA {
			rs.add("low_discrimination", NeedsRevision, "min_a", "%s is below min_a %.2f", aMsg, r.MinA)
		}
	case rp < 0:
		m := fmt.Sprintf("stronger candidates do worse on it than weaker ones (corrected point-biserial %.2f, below 0", rp)
		if calibrated {
			m += ", " + aMsg
		}
		rs.add("negative_discrimination", Rejects, "negative point-biserial", "%s): the key or the stem is wrong", m)
	case rp < r.RejectRPBis:
		m := fmt.Sprintf("it does not separate stronger from weaker candidates (corrected point-biserial %.2f, below reject_rpbis %.2f", rp, r.RejectRPBis)
		if calibrated {
			m += ", " + aMsg
		}
		rs.add("low_discrimination", Rejects, "reject_rpbis", "%s)", m)
	default:
		lowR := rp < r.ReviseRPBis
		lowA := calibrated && ev.Item.A < r.MinA
		rMsg := fmt.Sprintf("corrected point-biserial %.2f", rp)
		switch {
		case lowR && lowA:
			rs.add("low_discrimination", NeedsRevision, "revise_rpbis+min_a", "it separates stronger from weaker candidates only weakly (%s, below revise_rpbis %.2f, and %s, below min_a %.2f)", rMsg, r.ReviseRPBis, aMsg, r.MinA)
		case lowR && !calibrated:
			rs.add("low_discrimination", NeedsRevision, "revise_rpbis", "it separates stronger from weaker candidates only weakly (%s, below revise_rpbis %.2f; not calibrated)", rMsg, r.ReviseRPBis)
		case lowR:
			rs.add("low_discrimination", Note, "revise_rpbis", "%s is below revise_rpbis %.2f, but %s is at least min_a %.2f: the point-biserial is low because of its difficulty, not its discrimination", rMsg, r.ReviseRPBis, aMsg, r.MinA)
		case lowA:
			rs.add("low_discrimination", Note, "min_a", "%s is below min_a %.2f, but the %s is at least revise_rpbis %.2f", aMsg, r.MinA, rMsg, r.ReviseRPBis)
		}
	}

	// Key and distractors.
	if !ev.PreScored {
		if m := classical.MiskeyEvidence(st); m != "" {
			rs.add("possible_miskey", NeedsRevision, "miskey check", "%s — check the key (a distractor that outscores the key revises the item)", m)
		}
		var rare, dead []string
		for _, o := range st.Options {
			if o.Omit || o.IsKey || o.Prop >= r.NonfunctioningShare {
				continue
			}
			if o.Prop < r.DeadShare {
				dead = append(dead, fmt.Sprintf("%s (%s)", o.Code, pct1(o.Prop)))
			} else {
				rare = append(rare, fmt.Sprintf("%s (%s)", o.Code, pct1(o.Prop)))
			}
		}
		var parts []string
		if len(dead) > 0 {
			parts = append(parts, fmt.Sprintf("%s chosen by fewer than dead_share %s of candidates", options(dead), pct(r.DeadShare)))
		}
		if len(rare) > 0 {
			parts = append(parts, fmt.Sprintf("%s chosen by fewer than nonfunctioning_share %s", options(rare), pct(r.NonfunctioningShare)))
		}
		if len(parts) > 0 {
			rule := "nonfunctioning_share"
			if len(dead) > 0 {
				rule = "dead_share"
			}
			rs.add("nonfunctioning_distractor", Note, rule, "%s: for the item writer, write a more plausible distractor (this does not block promotion)", strings.Join(parts, "; "))
		}
	}
	if st.OmitRate > r.MaxOmit {
		rs.add("high_omit", NeedsRevision, "max_omit", "%s of candidates skip it, above max_omit %s: it may be unclear or too long", pct(st.OmitRate), pct(r.MaxOmit))
	}

	// IRT evidence.
	if ev.CalibStatus != "" {
		rs.add("not_calibrated", NeedsRevision, "calibration", "it could not be calibrated: %s", ev.CalibStatus)
	}
	if !math.IsNaN(ev.SX2P) && ev.SX2P < r.MisfitP {
		rs.add("misfit", NeedsRevision, "misfit_p", "the model does not fit its responses (S-X² p = %.3g, below misfit_p %.2g)", ev.SX2P, r.MisfitP)
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
		rs.add("misfit_mnsq", Note, "min_mnsq/max_mnsq", "%s outside min_mnsq %.1f to max_mnsq %.1f", strings.Join(mnsq, " and "), r.MinMNSQ, r.MaxMNSQ)
	}
	if ev.SE.B > r.MaxSEB && !math.IsNaN(ev.SE.B) {
		rs.add("large_se", Note, "max_se_b", "its difficulty is estimated imprecisely (SE of b = %.2f, above max_se_b %.2f): recalibrate it once it has more responses before the bank's b is used to pre-equate a form", ev.SE.B, r.MaxSEB)
	}
	if !math.IsNaN(ev.InfoAtCut) && ev.Item != nil && ev.InfoAtCut < r.MinInfoAtCut {
		rs.add("low_information_at_cut", Note, "min_info_at_cut", "it adds little information near the passing score (%.3f at the cut θ, below min_info_at_cut %.2f)", ev.InfoAtCut, r.MinInfoAtCut)
	}

	// DIF.
	if d := ev.DIF; d != nil {
		switch d.Category {
		case dif.ETSC:
			sev := NeedsRevision
			if r.RejectDIFC {
				sev = Rejects
			}
			rs.add("dif_c", sev, "reject_dif_c", "large DIF (ETS category C, MH D-DIF %.2f) favouring the %s group: send it to fairness review", d.DDIF, d.Favours)
		case dif.ETSB:
			rs.add("dif_b", Note, "ETS category B", "moderate DIF (ETS category B, MH D-DIF %.2f) favouring the %s group", d.DDIF, d.Favours)
		}
	}

	// Worst first, in a stable order.
	sorted := make([]Reason, 0, len(rs))
	for sev := Rejects; sev >= Note; sev-- {
		for _, x := range rs {
			if x.Severity == sev {
				sorted = append(sorted, x)
			}
		}
	}
	rev := Review{Evidence: ev, Reasons: sorted, Decision: Promote}
	switch {
	case st.NAnswered < r.MinResponses:
		rev.Decision = Insufficient
		rev.Reasons = append([]Reason{{Code: "too_few_responses", Severity: NeedsRevision, Rule: "min_responses",
			Message: fmt.Sprintf("only %d candidates answered it, fewer than min_responses %d for stable statistics: pretest it again", st.NAnswered, r.MinResponses)}}, sorted...)
	case len(sorted) > 0 && sorted[0].Severity == Rejects:
		rev.Decision = Reject
	case len(sorted) > 0 && sorted[0].Severity == NeedsRevision:
		rev.Decision = Revise
	}
	return rev
}

// options names one or more options: "option B (0.4 %) is" or
// "options B (0.4 %), D (2.1 %) are".
func options(list []string) string {
	if len(list) == 1 {
		return "option " + list[0] + " is"
	}
	return "options " + strings.Join(list, ", ") + " are"
}
