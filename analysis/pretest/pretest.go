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
// sentence for the item writer.
type Reason struct {
	Code     string
	Severity Severity
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

// Decide decides one pretest item: insufficient when fewer than
// rules.MinResponses candidates answered it; otherwise reject when any
// reason rejects, revise when any needs revision, promote when only notes (or
// nothing) remain. Every reason that applies is listed, worst first.
func Decide(ev Evidence, r Rules) Review {
	st := ev.Stats
	var rs []Reason
	add := func(code string, sev Severity, format string, args ...any) {
		rs = append(rs, Reason{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)})
	}
	pct := func(x float64) string { return fmt.Sprintf("%.0f %%", 100*x) }

	// Difficulty.
	switch {
	case st.P > r.RejectPMax:
		add("too_easy", Rejects, "%s of candidates answer it correctly (above %s): it tells candidates apart hardly at all", pct(st.P), pct(r.RejectPMax))
	case st.P < r.RejectPMin:
		add("too_hard", Rejects, "only %s of candidates answer it correctly (below %s, near guessing): check the key and the content", pct(st.P), pct(r.RejectPMin))
	case st.P > r.TargetPMax:
		add("difficulty_out_of_range", NeedsRevision, "%s answer it correctly, above the target range %s–%s: make it harder", pct(st.P), pct(r.TargetPMin), pct(r.TargetPMax))
	case st.P < r.TargetPMin:
		add("difficulty_out_of_range", NeedsRevision, "%s answer it correctly, below the target range %s–%s: make it easier or clearer", pct(st.P), pct(r.TargetPMin), pct(r.TargetPMax))
	}
	if ev.Item != nil {
		if b := ev.Item.B(); ev.Item.A > 0 && (b < r.BMin || b > r.BMax) {
			add("difficulty_out_of_range", NeedsRevision, "IRT difficulty b = %.2f is outside %.1f to %.1f on the operational scale", b, r.BMin, r.BMax)
		}
	}

	// Discrimination.
	rp := st.RPBisCorrected
	switch {
	case math.IsNaN(rp):
	case rp < 0:
		add("negative_discrimination", Rejects, "stronger candidates do worse on it than weaker ones (point-biserial %.2f): the key or the stem is wrong", rp)
	case rp < r.RejectRPBis:
		add("low_discrimination", Rejects, "it does not separate stronger from weaker candidates (point-biserial %.2f, below %.2f)", rp, r.RejectRPBis)
	case rp < r.ReviseRPBis:
		add("low_discrimination", NeedsRevision, "it separates stronger from weaker candidates only weakly (point-biserial %.2f, below %.2f)", rp, r.ReviseRPBis)
	}
	if ev.Item != nil && !math.IsNaN(ev.Item.A) && ev.Item.A < r.MinA && !(rp < 0) {
		add("low_discrimination", NeedsRevision, "IRT slope a = %.2f is below %.2f", ev.Item.A, r.MinA)
	}

	// Distractors.
	if !ev.PreScored {
		if m := miskeyMessage(st); m != "" {
			add("possible_miskey", NeedsRevision, "%s — check the key", m)
		}
		var dead []string
		sev := Note
		for _, o := range st.Options {
			if !o.Omit && !o.IsKey && o.Prop < r.NonfunctioningShare {
				dead = append(dead, fmt.Sprintf("%s (%.1f %%)", o.Code, 100*o.Prop))
				if o.Prop < r.DeadShare {
					sev = NeedsRevision
				}
			}
		}
		if len(dead) > 0 {
			if len(dead) >= r.ReviseNonfunctioning {
				sev = NeedsRevision
			}
			what := "option " + dead[0] + " is"
			if len(dead) > 1 {
				what = "options " + strings.Join(dead, ", ") + " are"
			}
			add("nonfunctioning_distractor", sev, "%s chosen by fewer than %s of candidates: write a more plausible distractor", what, pct(r.NonfunctioningShare))
		}
	}
	if st.OmitRate > r.MaxOmit {
		add("high_omit", NeedsRevision, "%s of candidates skip it (above %s): it may be unclear or too long", pct(st.OmitRate), pct(r.MaxOmit))
	}

	// IRT evidence.
	if ev.CalibStatus != "" {
		add("not_calibrated", NeedsRevision, "it could not be calibrated: %s", ev.CalibStatus)
	}
	if !math.IsNaN(ev.SX2P) && ev.SX2P < r.MisfitP {
		add("misfit", NeedsRevision, "the model does not fit its responses (S-X² p = %.3g, below %.2g)", ev.SX2P, r.MisfitP)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"infit", ev.Infit}, {"outfit", ev.Outfit}} {
		if !math.IsNaN(f.v) && (f.v < r.MinMNSQ || f.v > r.MaxMNSQ) {
			add("misfit_mnsq", Note, "%s mean square %.2f is outside %.1f–%.1f", f.name, f.v, r.MinMNSQ, r.MaxMNSQ)
			break
		}
	}
	if ev.SE.B > r.MaxSEB && !math.IsNaN(ev.SE.B) {
		add("large_se", NeedsRevision, "its difficulty is estimated imprecisely (SE of b = %.2f, above %.2f): more responses are needed", ev.SE.B, r.MaxSEB)
	}
	if !math.IsNaN(ev.InfoAtCut) && ev.Item != nil && ev.InfoAtCut < r.MinInfoAtCut {
		add("low_information_at_cut", Note, "it adds little information near the passing score (%.3f at the cut θ)", ev.InfoAtCut)
	}

	// DIF.
	if d := ev.DIF; d != nil {
		switch d.Category {
		case dif.ETSC:
			sev := NeedsRevision
			if r.RejectDIFC {
				sev = Rejects
			}
			add("dif_c", sev, "large DIF (ETS category C, MH D-DIF %.2f) favouring the %s group: send it to fairness review", d.DDIF, d.Favours)
		case dif.ETSB:
			add("dif_b", Note, "moderate DIF (ETS category B, MH D-DIF %.2f) favouring the %s group", d.DDIF, d.Favours)
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
		rev.Reasons = append([]Reason{{Code: "too_few_responses", Severity: NeedsRevision,
			Message: fmt.Sprintf("only %d candidates answered it (need %d for stable statistics): pretest it again", st.NAnswered, r.MinResponses)}}, sorted...)
	case len(sorted) > 0 && sorted[0].Severity == Rejects:
		rev.Decision = Reject
	case len(sorted) > 0 && sorted[0].Severity == NeedsRevision:
		rev.Decision = Revise
	}
	return rev
}

// miskeyMessage explains why the key looks wrong, or returns "" when it
// does not: a distractor with a higher point-biserial than the key, or chosen
// more often than the key by the top fifth of candidates.
func miskeyMessage(st *classical.ItemStats) string {
	var key *classical.OptionStats
	for k := range st.Options {
		if st.Options[k].IsKey && (key == nil || st.Options[k].RPBis > key.RPBis) {
			key = &st.Options[k]
		}
	}
	if key == nil {
		return ""
	}
	top := classical.ScoreGroups - 1
	for _, o := range st.Options {
		if o.IsKey || o.Omit {
			continue
		}
		if o.Groups[top] > key.Groups[top] {
			return fmt.Sprintf("option %s is chosen more often than the key %s by the top 20 %% of candidates (%.0f %% vs %.0f %%)",
				o.Code, key.Code, 100*o.Groups[top], 100*key.Groups[top])
		}
		if !math.IsNaN(o.RPBis) && o.RPBis > st.RPBisCorrected {
			return fmt.Sprintf("option %s correlates more with the total score than the key %s (point-biserial %.2f vs %.2f)",
				o.Code, key.Code, o.RPBis, st.RPBisCorrected)
		}
	}
	return ""
}
