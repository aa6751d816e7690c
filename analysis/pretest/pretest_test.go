package pretest

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/dif"
	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/irt"
)

// TestPretestReviewSimulated runs the review on simulated administrations
// with the generating parameters standing in for the calibration, and checks
// every planted flaw gets the right kind of decision and reason (the planted
// dead distractor: promote with its note) and that at least 95 % of the
// clean pretest items are promoted. (The same study with
// the anchored calibration is TestStudyPretestPipeline in analysis/studies.)
func TestPretestReviewSimulated(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 4
	}
	confusion := map[string]map[Decision]int{}
	clean, promoted := 0, 0
	for seed := 1; seed <= seeds; seed++ {
		sim, err := simulate.Simulate(rand.New(rand.NewPCG(uint64(seed), 21)), simulate.Options{})
		if err != nil {
			t.Fatal(err)
		}
		f := sim.Forms[0]
		d := f.Data
		cl, err := classical.Analyze(d, classical.Options{})
		if err != nil {
			t.Fatal(err)
		}
		g, err := dif.GroupsByLabel(d, simulate.GroupReference, simulate.GroupFocal)
		if err != nil {
			t.Fatal(err)
		}
		difs, err := dif.MantelHaenszel(d, g, d.ItemsWithStatus(analysis.Pretest), dif.Options{})
		if err != nil {
			t.Fatal(err)
		}
		calib := map[int]Calibration{}
		for j, it := range f.Items {
			if it.Status == analysis.Pretest {
				calib[j] = Calibration{Item: it.Item, Infit: math.NaN(), Outfit: math.NaN(), SX2P: math.NaN()}
			}
		}
		res := ReviewItems(d, Inputs{Classical: cl, DIF: difs, IRT: calib, CutTheta: sim.CutTheta,
			Rules: DefaultRules(), Domains: analysis.DefaultDomains()})
		for _, r := range res.Items {
			truth := f.Items[r.Evidence.Stats.Index]
			flaw := truth.Flaw
			if flaw == "" {
				flaw = "clean"
			}
			if confusion[flaw] == nil {
				confusion[flaw] = map[Decision]int{}
			}
			confusion[flaw][r.Decision]++
			codes := reasonCodes(r)
			switch truth.Flaw {
			case "":
				clean++
				if r.Decision == Promote {
					promoted++
				} else {
					t.Logf("seed %d: clean item %s: %s (%s)", seed, truth.ID, r.Decision, codes)
				}
			case simulate.FlawMiskey:
				if (r.Decision != Reject && r.Decision != Revise) || !strings.Contains(codes, "possible_miskey") {
					t.Errorf("seed %d: miskeyed %s: %s (%s)", seed, truth.ID, r.Decision, codes)
				}
			case simulate.FlawNegative:
				if r.Decision != Reject || !strings.Contains(codes, "negative_discrimination") {
					t.Errorf("seed %d: negative %s: %s (%s)", seed, truth.ID, r.Decision, codes)
				}
			case simulate.FlawDIF:
				if !strings.Contains(codes, "dif_c") {
					t.Errorf("seed %d: DIF item %s: %s (%s)", seed, truth.ID, r.Decision, codes)
				}
			case simulate.FlawTooEasy, simulate.FlawTooHard:
				if r.Decision == Promote || !strings.Contains(codes, string(truth.Flaw)) {
					t.Errorf("seed %d: %s item %s: %s (%s)", seed, truth.Flaw, truth.ID, r.Decision, codes)
				}
			case simulate.FlawDeadDistractor:
				// A dead distractor is a note: the item is otherwise sound.
				if r.Decision != Promote || !strings.Contains(codes, "nonfunctioning_distractor") {
					t.Errorf("seed %d: dead-distractor item %s: %s (%s)", seed, truth.ID, r.Decision, codes)
				}
			}
		}
	}
	for flaw, m := range confusion {
		t.Logf("%-26s promote %3d  revise %3d  reject %3d  insufficient %3d", flaw, m[Promote], m[Revise], m[Reject], m[Insufficient])
	}
	if rate := float64(promoted) / float64(clean); rate < 0.95 {
		t.Errorf("%.1f %% of clean pretest items promoted, want at least 95 %%", 100*rate)
	}
}

func reasonCodes(r Review) string {
	var c []string
	for _, x := range r.Reasons {
		c = append(c, x.Code)
	}
	return strings.Join(c, ";")
}

// soundItem is the evidence of an item that every rule passes: p 0.70,
// corrected point-biserial 0.35, a 3PL item with a = 1.2 near the cut, three
// distractors chosen by 10 % each.
func soundItem() Evidence {
	st := &classical.ItemStats{Item: analysis.ItemInfo{ID: "P1", Domain: "D"}, NAnswered: 2000, P: 0.70, RPBisCorrected: 0.35}
	st.Options = []classical.OptionStats{
		{Code: "A", IsKey: true, Prop: 0.70, RPBis: 0.35, Groups: [classical.ScoreGroups]float64{0.4, 0.6, 0.7, 0.8, 0.9}},
		{Code: "B", Prop: 0.10, RPBis: -0.15, Groups: [classical.ScoreGroups]float64{0.2, 0.13, 0.1, 0.07, 0.03}},
		{Code: "C", Prop: 0.10, RPBis: -0.15, Groups: [classical.ScoreGroups]float64{0.2, 0.13, 0.1, 0.07, 0.03}},
		{Code: "D", Prop: 0.10, RPBis: -0.15, Groups: [classical.ScoreGroups]float64{0.2, 0.14, 0.1, 0.06, 0.04}},
	}
	it := irt.Item{Model: irt.ThreePL, A: 1.2, D: 0.6, C: 0.2}
	return Evidence{Stats: st, Item: &it, SE: irt.ItemSE{A: 0.1, B: 0.15, C: 0.05, D: 0.1, LogitC: 0.3},
		Infit: 1, Outfit: 1, SX2P: 0.5, InfoAtCut: 0.3}
}

// TestDecideRules checks each rule on an otherwise sound item: the decision,
// that each code appears once, and that the message names the rule and its
// threshold.
func TestDecideRules(t *testing.T) {
	r := DefaultRules()
	cases := []struct {
		name     string
		edit     func(ev *Evidence)
		decision Decision
		code     string
		rule     string // a substring the message must contain
	}{
		{"sound", func(*Evidence) {}, Promote, "", ""},
		{"one dead distractor", func(ev *Evidence) { ev.Stats.Options[1].Prop = 0.004 }, Promote, "nonfunctioning_distractor", "dead_share 1 %"},
		{"one rare distractor", func(ev *Evidence) { ev.Stats.Options[1].Prop = 0.03 }, Promote, "nonfunctioning_distractor", "nonfunctioning_share 5 %"},
		{"two rare distractors", func(ev *Evidence) { ev.Stats.Options[1].Prop, ev.Stats.Options[2].Prop = 0.03, 0.02 }, Promote, "nonfunctioning_distractor", "options B (3.0 %), C (2.0 %) are"},
		{"too easy", func(ev *Evidence) { ev.Stats.P = 0.97 }, Reject, "too_easy", "reject_p_max 95 %"},
		{"too hard", func(ev *Evidence) { ev.Stats.P = 0.15 }, Reject, "too_hard", "reject_p_min 20 %"},
		{"easy but in range", func(ev *Evidence) { ev.Stats.P = 0.94 }, Promote, "difficulty_out_of_range", "target_p_max 93 %"},
		{"b far out", func(ev *Evidence) { ev.Item.D = 1.2 * 4.5 }, Revise, "difficulty_out_of_range", "b_min -4.0"},
		{"negative", func(ev *Evidence) { ev.Stats.RPBisCorrected = -0.1; ev.Item.A = -0.3 }, Reject, "negative_discrimination", "IRT slope a = -0.30"},
		{"no discrimination", func(ev *Evidence) { ev.Stats.RPBisCorrected = 0.03 }, Reject, "low_discrimination", "reject_rpbis 0.05"},
		{"weak on both", func(ev *Evidence) { ev.Stats.RPBisCorrected = 0.10; ev.Item.A = 0.3 }, Revise, "low_discrimination", "below revise_rpbis 0.15, and IRT slope a = 0.30, below min_a 0.40"},
		{"weak point-biserial only", func(ev *Evidence) { ev.Stats.RPBisCorrected = 0.10 }, Promote, "low_discrimination", "revise_rpbis 0.15"},
		{"weak slope only", func(ev *Evidence) { ev.Item.A = 0.3 }, Promote, "low_discrimination", "min_a 0.40"},
		{"weak, not calibrated", func(ev *Evidence) { ev.Stats.RPBisCorrected = 0.10; ev.Item = nil }, Revise, "low_discrimination", "revise_rpbis 0.15"},
		{"miskey", func(ev *Evidence) { ev.Stats.Options[1].Groups[classical.ScoreGroups-1] = 0.95 }, Revise, "possible_miskey", "check the key"},
		{"hard, one dominant distractor", func(ev *Evidence) {
			// The top fifth answers it correctly 47 % of the time and the
			// rest choose B, whose share falls with the score: no key problem.
			o := ev.Stats.Options
			ev.Stats.P, ev.Stats.RPBisCorrected = 0.32, 0.15
			o[0].Prop, o[0].RPBis, o[0].Groups = 0.32, 0.15, [classical.ScoreGroups]float64{0.24, 0.24, 0.30, 0.32, 0.47}
			o[1].Prop, o[1].RPBis, o[1].Groups = 0.66, -0.15, [classical.ScoreGroups]float64{0.74, 0.74, 0.68, 0.66, 0.52}
			o[2].Prop, o[2].Groups = 0.01, [classical.ScoreGroups]float64{0.01, 0.01, 0.01, 0.01, 0.005}
			o[3].Prop, o[3].Groups = 0.01, [classical.ScoreGroups]float64{0.01, 0.01, 0.01, 0.01, 0.005}
		}, Promote, "nonfunctioning_distractor", "nonfunctioning_share 5 %"},
		{"misfit", func(ev *Evidence) { ev.SX2P = 0.001 }, Revise, "misfit", "misfit_p 0.01"},
		{"both mean squares", func(ev *Evidence) { ev.Infit, ev.Outfit = 1.4, 1.5 }, Promote, "misfit_mnsq", "infit mean square 1.40 and outfit mean square 1.50"},
		{"imprecise b", func(ev *Evidence) { ev.SE.B = 0.7 }, Promote, "large_se", "max_se_b 0.50"},
		{"little information", func(ev *Evidence) { ev.InfoAtCut = 0.01 }, Promote, "low_information_at_cut", "min_info_at_cut 0.05"},
		{"DIF C", func(ev *Evidence) { ev.DIF = &dif.Result{Category: dif.ETSC, DDIF: -1.8, Favours: "reference"} }, Reject, "dif_c", "ETS category C"},
		{"omits", func(ev *Evidence) { ev.Stats.OmitRate = 0.08 }, Revise, "high_omit", "max_omit 5 %"},
		{"few responses", func(ev *Evidence) { ev.Stats.NAnswered = 150 }, Insufficient, "too_few_responses", "min_responses 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := soundItem()
			c.edit(&ev)
			rev := Decide(ev, r)
			if rev.Decision != c.decision {
				t.Errorf("decision %s, want %s (%v)", rev.Decision, c.decision, rev.Reasons)
			}
			seen := map[string]bool{}
			for _, x := range rev.Reasons {
				if seen[x.Code] {
					t.Errorf("code %s twice: %v", x.Code, rev.Reasons)
				}
				seen[x.Code] = true
				if x.Rule == "" {
					t.Errorf("reason %s names no rule", x.Code)
				}
			}
			if c.code == "" {
				if len(rev.Reasons) != 0 {
					t.Errorf("reasons %v, want none", rev.Reasons)
				}
				return
			}
			var found *Reason
			for k := range rev.Reasons {
				if rev.Reasons[k].Code == c.code {
					found = &rev.Reasons[k]
				}
			}
			if found == nil {
				t.Fatalf("no %s reason in %v", c.code, rev.Reasons)
			}
			if !strings.Contains(found.Message, c.rule) {
				t.Errorf("%s: message %q does not contain %q", c.code, found.Message, c.rule)
			}
		})
	}
}

// TestDecideMergesEvidence checks that two rules on the same property give
// one reason: a p below the reject range and a b beyond b_max are one
// too_hard reason that names both.
func TestDecideMergesEvidence(t *testing.T) {
	ev := soundItem()
	ev.Stats.P = 0.15
	ev.Item.D = -1.2 * 4.5 // b = 4.5
	rev := Decide(ev, DefaultRules())
	if rev.Decision != Reject || len(rev.Reasons) != 1 || rev.Reasons[0].Code != "too_hard" {
		t.Fatalf("got %s %v, want reject with one too_hard reason", rev.Decision, rev.Reasons)
	}
	if m := rev.Reasons[0].Message; !strings.Contains(m, "reject_p_min") || !strings.Contains(m, "b_max 4.0") {
		t.Errorf("message %q should name reject_p_min and b_max", m)
	}
	if rev.Reasons[0].Rule != "reject_p_min" {
		t.Errorf("rule %q, want reject_p_min (the rule that rejects)", rev.Reasons[0].Rule)
	}
}

// TestReadRulesRemovedKey checks that a rules file from before the distractor
// rule became a note gets an error saying so.
func TestReadRulesRemovedKey(t *testing.T) {
	_, err := ReadRules("rules.yaml", strings.NewReader("revise_nonfunctioning: 2\n"))
	if err == nil || !strings.Contains(err.Error(), "revise_nonfunctioning was removed") {
		t.Errorf("err = %v, want one saying revise_nonfunctioning was removed", err)
	}
	r, err := ReadRules("rules.yaml", strings.NewReader("dead_share: 0.02\n"))
	if err != nil || r.DeadShare != 0.02 || r.NonfunctioningShare != 0.05 {
		t.Errorf("dead_share override: %+v, %v", r, err)
	}
}
