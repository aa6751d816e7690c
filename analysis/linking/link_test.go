package linking

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// form calibrates a simulated 2PL form and returns its parameters and
// covariances under ids.
func form(t *testing.T, rng *rand.Rand, items []irt.Item, ids []string, n int, mean float64) ([]analysis.ItemParams, *analysis.ParamCov) {
	t.Helper()
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = mean + rng.NormFloat64()
	}
	res, err := irt.FitMML(context.Background(), irt.Simulate(rng, items, theta), irt.MMLOptions{Model: irt.TwoPL})
	if err != nil {
		t.Fatal(err)
	}
	ps := make([]analysis.ItemParams, len(items))
	for k := range items {
		ps[k] = analysis.ItemParams{ItemID: ids[k], Item: res.Items[k], SE: res.SE[k]}
	}
	return ps, analysis.CovOf(res, ids)
}

// Two forms share 20 anchors; form 2's population is 0.5 logits abler
// (simulation truth: θ_base = θ_new + 0.5). Without drift the screen keeps
// every anchor and the link recovers the shift within 3 SEs; with one
// anchor's b shifted by 1 logit it drops that anchor; with half the anchors
// shifted it refuses (DriftLimitError) rather than link on what is left.
func TestLinkDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("calibrates four simulated forms; skipped under -short")
	}
	rng := rand.New(rand.NewPCG(4, 2))
	const J, anchors, N = 30, 20, 2000
	base := make([]irt.Item, J)
	ids1, ids2 := make([]string, J), make([]string, J)
	for j := range base {
		base[j] = irt.NewItemIRT(irt.TwoPL, 0.8+0.8*rng.Float64(), rng.NormFloat64(), 0)
		ids1[j] = fmt.Sprintf("A%02d", j)
		ids2[j] = fmt.Sprintf("B%02d", j)
		if j < anchors {
			ids2[j] = ids1[j]
		}
	}
	p1, c1 := form(t, rng, base, ids1, N, 0)
	for _, tc := range []struct {
		name    string
		shifted int
		limit   bool
	}{{"no drift", 0, false}, {"one drifted anchor", 1, false}, {"half drifted", 10, true}} {
		t.Run(tc.name, func(t *testing.T) {
			items2 := append([]irt.Item(nil), base...)
			for j := 0; j < tc.shifted; j++ {
				items2[j] = irt.NewItemIRT(irt.TwoPL, items2[j].A, items2[j].B()+1, 0)
			}
			for j := anchors; j < J; j++ {
				items2[j] = irt.NewItemIRT(irt.TwoPL, 0.8+0.8*rng.Float64(), rng.NormFloat64(), 0)
			}
			// Form 2's own calibration standardises its population, N(0.5, 1).
			p2, c2 := form(t, rng, items2, ids2, N, 0.5)
			L, err := Link(p1, p2, Options{CovBase: c1, CovNew: c2})
			var le *DriftLimitError
			if tc.limit {
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want a *DriftLimitError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(L.Warnings) > 0 {
				t.Errorf("warnings %v with both covariances given", L.Warnings)
			}
			var dropped []string
			for _, c := range L.Common {
				if c.Dropped {
					dropped = append(dropped, c.ID)
				}
			}
			want := "[]"
			if tc.shifted == 1 {
				want = "[A00]"
			}
			if got := fmt.Sprint(dropped); got != want {
				t.Errorf("dropped %s, want %s", got, want)
			}
			if math.Abs(L.Constants.B-0.5) > 3*L.SEB || math.Abs(L.Constants.A-1) > 3*L.SEA {
				t.Errorf("A = %.3f (SE %.3f), B = %.3f (SE %.3f); want 1 and 0.5 within 3 SEs", L.Constants.A, L.SEA, L.Constants.B, L.SEB)
			}
			if !(L.SEB > 0.01 && L.SEB < 0.1) {
				t.Errorf("SE(B) = %.4f, want a plausible 0.01–0.1 at N = 2000 with 20 anchors", L.SEB)
			}
		})
	}
}

// Without covariances the link still runs, from the standard errors, and
// warns that its SEs are too small.
func TestLinkWithoutCovariances(t *testing.T) {
	var base, nf []analysis.ItemParams
	for j := 0; j < 8; j++ {
		b := -1.5 + 3*float64(j)/7
		id := fmt.Sprintf("I%d", j)
		base = append(base, analysis.ItemParams{ItemID: id, Item: irt.NewItemIRT(irt.TwoPL, 1.2, b, 0), SE: irt.ItemSE{A: 0.08, B: 0.06}})
		nf = append(nf, analysis.ItemParams{ItemID: id, Item: irt.NewItemIRT(irt.TwoPL, 1.2, b-0.3, 0), SE: irt.ItemSE{A: 0.08, B: 0.06}})
	}
	L, err := Link(base, nf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(L.Constants.B-0.3) > 1e-4 || math.Abs(L.Constants.A-1) > 1e-4 {
		t.Errorf("A, B = %.5f, %.5f; want 1, 0.3 (an exact shift)", L.Constants.A, L.Constants.B)
	}
	if len(L.Warnings) != 1 || analysis.WarningCode(L.Warnings[0]) != "no_covariances" {
		t.Errorf("warnings %v, want one no_covariances", L.Warnings)
	}
	if !(L.SEB > 0) || L.Kept != 8 {
		t.Errorf("SE(B) = %g, kept %d", L.SEB, L.Kept)
	}
}

// The screen defaults to Lord's chi-square split into slope and
// difficulty parts (irt.DriftLordSplit, df 1 each at α/(2n)) and records
// it; irt.DriftLordB, irt.DriftLord (df 2 for a 2PL) and irt.DriftB can
// be chosen, with their critical values.
func TestLinkStatistic(t *testing.T) {
	var base, nf []analysis.ItemParams
	for j := 0; j < 10; j++ {
		b := -1.5 + 3*float64(j)/9
		id := fmt.Sprintf("I%d", j)
		shift := 0.0
		if j == 4 {
			shift = 1
		}
		base = append(base, analysis.ItemParams{ItemID: id, Item: irt.NewItemIRT(irt.TwoPL, 1.2, b, 0), SE: irt.ItemSE{A: 0.08, B: 0.06}})
		nf = append(nf, analysis.ItemParams{ItemID: id, Item: irt.NewItemIRT(irt.TwoPL, 1.2, b-0.3+shift, 0), SE: irt.ItemSE{A: 0.08, B: 0.06}})
	}
	for _, tc := range []struct {
		stat, want irt.DriftStatistic
		df         int
		critical   float64 // qchisq(1 - 0.0025, 1), qchisq(1 - 0.005, 1), qchisq(1 - 0.005, 2), qnorm(1 - 0.0025) in R
	}{{0, irt.DriftLordSplit, 1, 9.140593}, {irt.DriftLordB, irt.DriftLordB, 1, 7.879439}, {irt.DriftLord, irt.DriftLord, 2, 10.59663}, {irt.DriftB, irt.DriftB, 1, 2.807034}} {
		t.Run(tc.want.String(), func(t *testing.T) {
			L, err := Link(base, nf, Options{Statistic: tc.stat})
			if err != nil {
				t.Fatal(err)
			}
			if L.Statistic != tc.want || L.DriftStatistic == "" || math.Abs(L.Critical-tc.critical) > 1e-5 {
				t.Errorf("statistic %v (%q), critical %.6f; want %v, a sentence, %.6f", L.Statistic, L.DriftStatistic, L.Critical, tc.want, tc.critical)
			}
			c := L.Common[4]
			if !c.Dropped || c.DF != tc.df || !(c.ChiSq > 0) {
				t.Errorf("shifted item: dropped %v, X² = %g (df %d); want dropped with df %d", c.Dropped, c.ChiSq, c.DF, tc.df)
			}
		})
	}
	L, err := Link(base, nf, Options{NoDrift: true})
	if err != nil {
		t.Fatal(err)
	}
	if L.Statistic != 0 || L.DriftStatistic != "none" || !math.IsNaN(L.Common[0].ChiSq) {
		t.Errorf("NoDrift: statistic %v (%q), X² = %g; want 0, none, NaN", L.Statistic, L.DriftStatistic, L.Common[0].ChiSq)
	}
}
