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
)

// TestPretestReviewSimulated runs the review on simulated administrations
// with the generating parameters standing in for the calibration, and checks
// every planted flaw gets the right kind of decision and reason and that at
// least 90 % of the clean pretest items are promoted. (The same study with
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
				if r.Decision != Revise || !strings.Contains(codes, "nonfunctioning_distractor") {
					t.Errorf("seed %d: dead-distractor item %s: %s (%s)", seed, truth.ID, r.Decision, codes)
				}
			}
		}
	}
	for flaw, m := range confusion {
		t.Logf("%-26s promote %3d  revise %3d  reject %3d  insufficient %3d", flaw, m[Promote], m[Revise], m[Reject], m[Insufficient])
	}
	if rate := float64(promoted) / float64(clean); rate < 0.90 {
		t.Errorf("%.1f %% of clean pretest items promoted, want at least 90 %%", 100*rate)
	}
}

func reasonCodes(r Review) string {
	var c []string
	for _, x := range r.Reasons {
		c = append(c, x.Code)
	}
	return strings.Join(c, ";")
}
