package dif

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/itemlab/itemlab/internal/reftest"

	"github.com/itemlab/itemlab/internal/simtest"

	"github.com/itemlab/itemlab/analysis"
)

// TestMHHand works a two-stratum example through by hand.
//
//	stratum  A (ref right)  B (ref wrong)  C (focal right)  D (focal wrong)  T
//	1        10             10             5                15               40
//	2        20             5              12               8                45
//
// Σ A·D/T = 150/40 + 160/45 = 3.75 + 3.555556 = 7.305556
// Σ B·C/T =  50/40 +  60/45 = 1.25 + 1.333333 = 2.583333
// α_MH = 7.305556/2.583333 = 2.827957; ln α_MH = 1.039555; D = −2.35·1.039555 = −2.442953.
// E(A) = 20·15/40 + 25·32/45 = 7.5 + 17.777778 = 25.277778; Σ A = 30.
// Var(A) = 20·20·15·25/(40²·39) + 25·20·32·13/(45²·44) = 2.403846 + 2.334456 = 4.738302.
// χ² = (|30 − 25.277778| − 0.5)²/4.738302 = 4.222222²/4.738302 = 3.762352; p = 0.052419.
// Phillips–Holland: stratum terms (AD + αBC)(A + D + α(B + C))/T²
// = (150 + 141.397849)(25 + 42.419355)/1600 = 12.278659 and
// (160 + 169.677419)(28 + 48.075269)/2025 = 12.385332; Var(ln α) = 24.663992/(2·7.305556²)
// = 0.231061; SE(D) = 2.35·0.480688 = 1.129617.
// |D| ≥ 1.5 but p = 0.052 ≥ .05, so the ETS category is A.
func TestMHHand(t *testing.T) {
	r := mhSummary([]stratumTable{{10, 10, 5, 15}, {20, 5, 12, 8}}, 0.05)
	const tol = 1e-6
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"alpha_MH", r.OddsRatio, 2.827957},
		{"D-DIF", r.DDIF, -2.442953},
		{"chi2", r.ChiSquare, 3.762352},
		{"p", r.P, 0.052419},
		{"SE", r.SE, 1.129617},
	} {
		if math.Abs(c.got-c.want) > tol {
			t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
		}
	}
	if r.NReference != 45 || r.NFocal != 40 || r.Strata != 2 {
		t.Errorf("n = %d/%d in %d strata, want 45/40 in 2", r.NReference, r.NFocal, r.Strata)
	}
	if r.Category != ETSA || r.Favours != FavoursNone {
		t.Errorf("category %s favours %s, want A none", r.Category, r.Favours)
	}
	// At α = .10 the same item is significant: |D| ≥ 1.5 and
	// (2.442953 − 1)/1.129617 = 1.277 ≤ z(.90) = 1.2816, so B, favouring the reference group.
	if r := mhSummary([]stratumTable{{10, 10, 5, 15}, {20, 5, 12, 8}}, 0.10); r.Category != ETSB || r.Favours != FavoursReference {
		t.Errorf("at α = .10: category %s favours %s, want B reference", r.Category, r.Favours)
	}
	// Strata holding one group only carry no information.
	if r := mhSummary([]stratumTable{{10, 10, 0, 0}, {0, 0, 3, 4}}, 0.05); !math.IsNaN(r.ChiSquare) || r.Category != ETSA || r.Favours != FavoursNone {
		t.Errorf("uninformative strata: χ² %v category %s favours %s, want NaN A none", r.ChiSquare, r.Category, r.Favours)
	}
}

// The Robins–Breslow–Greenland (1986) variance of ln α_MH equals the
// Phillips–Holland form used in mhSummary.
func TestMHVarianceRBG(t *testing.T) {
	strata := []stratumTable{{10, 10, 5, 15}, {20, 5, 12, 8}, {3, 1, 2, 4}, {7, 2, 1, 1}}
	var R, S, PR, PSQR, QS float64
	for _, s := range strata {
		T := s.A + s.B + s.C + s.D
		p, q, r, sk := (s.A+s.D)/T, (s.B+s.C)/T, s.A*s.D/T, s.B*s.C/T
		R += r
		S += sk
		PR += p * r
		PSQR += p*sk + q*r
		QS += q * sk
	}
	rbg := PR/(2*R*R) + PSQR/(2*R*S) + QS/(2*S*S)
	got := mhSummary(strata, 0.05).SE / 2.35
	if want := math.Sqrt(rbg); math.Abs(got-want) > 1e-12 {
		t.Errorf("SE(ln α) = %.12f, want %.12f (RBG)", got, want)
	}
}

func TestETSClassify(t *testing.T) {
	tests := []struct {
		d, se, p float64
		want     ETSCategory
	}{
		{0.9, 0.1, 0.001, ETSA},  // small
		{-1.2, 0.3, 0.2, ETSA},   // not significant
		{1.2, 0.1, 0.001, ETSB},  // 1 ≤ |D| < 1.5
		{-1.6, 0.5, 0.001, ETSB}, // |D| ≥ 1.5 but (0.6)/0.5 = 1.2 ≤ 1.645
		{-1.6, 0.3, 0.001, ETSC}, // 0.6/0.3 = 2 > 1.645
		{1.5, 0.01, 0.001, ETSC},
		{math.NaN(), 0.1, 0.001, ETSA},
	}
	for _, tc := range tests {
		if got := ETSClassify(tc.d, tc.se, tc.p, 0.05); got != tc.want {
			t.Errorf("ETSClassify(%v, %v, %v) = %s, want %s", tc.d, tc.se, tc.p, got, tc.want)
		}
	}
}

func TestMHStrataPooling(t *testing.T) {
	// levels: ref wrong, ref right, focal wrong, focal right
	lv := []int64{
		1, 0, 0, 0, // s0: 1 ref
		2, 1, 1, 0, // s1
		0, 0, 0, 0, // s2: empty
		3, 3, 2, 2, // s3
		1, 1, 0, 1, // s4: remainder
	}
	got := strataOf(lv, 0)
	if len(got) != 4 {
		t.Fatalf("no pooling: %d strata, want 4 (empty level dropped)", len(got))
	}
	got = strataOf(lv, 2)
	// s0+s1: ref 4, focal 1 → continue; +s3: ref 10, focal 5 → close; s4 joins it.
	want := []stratumTable{{A: 0 + 1 + 3 + 1, B: 1 + 2 + 3 + 1, C: 0 + 0 + 2 + 1, D: 0 + 1 + 2 + 0}}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("pooled strata %+v, want %+v", got, want)
	}
}

// TestMHVerbal compares with difR::difMH on the verbal aggression data,
// focal group men (Gender 1), matching on the total score, no purification,
// continuity correction (difR 5.1; testdata/ref/README.md). difR works in
// double precision on the same counts: tolerance 1e-9 (brief: 1e-6).
func TestMHVerbal(t *testing.T) {
	d := reftest.ReadScored(t, "verbal.csv")
	hdr, cov := reftest.ReadCSV(t, "verbal_covariates.csv")
	gcol := reftest.Column(t, hdr, "Gender")
	for i := range d.Candidates {
		d.Candidates[i].Group = cov[i][gcol]
	}
	groups, err := GroupsByLabel(d, "0", "1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := MantelHaenszel(d, groups, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rhdr, rows := reftest.ReadCSV(t, "verbal_difR_MH_gender.csv")
	if len(rows) != len(res) {
		t.Fatalf("%d results, %d reference rows", len(res), len(rows))
	}
	const tol = 1e-9
	var maxDiff float64
	for j, row := range rows {
		r := res[j]
		if r.ItemID != row[0] {
			t.Fatalf("item %d: %s, want %s", j, r.ItemID, row[0])
		}
		for _, c := range []struct {
			col string
			got float64
		}{
			{"alphaMH", r.OddsRatio},
			{"deltaMH", r.DDIF},
			{"MH_chisq", r.ChiSquare},
			{"p_value", r.P},
		} {
			want := reftest.Parse(t, row[reftest.Column(t, rhdr, c.col)])
			maxDiff = max(maxDiff, math.Abs(c.got-want))
			if math.Abs(c.got-want) > tol {
				t.Errorf("%s: %s = %.12f, want %.12f (difR)", r.ItemID, c.col, c.got, want)
			}
		}
		if r.NReference+r.NFocal > 316 || r.NFocal > 73 {
			t.Errorf("%s: n = %d/%d, more than the 243/73 candidates", r.ItemID, r.NReference, r.NFocal)
		}
	}
	t.Logf("max |got − difR| = %.2g", maxDiff)
	// difR flags S2WantShout (α_MH 2.88, D −2.49, p .0019): with SE it is C or B, favouring women.
	if r := res[5]; r.Category == ETSA || r.Favours != FavoursReference {
		t.Errorf("S2WantShout: %s favouring %s, want B or C favouring the reference group", r.Category, r.Favours)
	}
}

// TestMHPretestMatching checks that a pretest item is matched on the
// operational score without itself and an operational item on the score
// with itself, by recomputing one item's tables directly.
func TestMHPretestMatching(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	d := simtest.Rasch(rng, 3000, 12, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Pretest})
	groups := make([]Group, d.N)
	for i := range groups {
		groups[i] = Group(1 + i%2)
		d.Candidates[i].Group = strconv.Itoa(i % 2)
	}
	g2, err := GroupsByLabel(d, "", "1")
	if err != nil {
		t.Fatal(err)
	}
	for i := range groups {
		if g2[i] != groups[i] {
			t.Fatalf("GroupsByLabel: candidate %d in %d, want %d", i, g2[i], groups[i])
		}
	}
	res, err := MantelHaenszel(d, groups, []int{1, 2}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	op := d.ItemsWithStatus(analysis.Operational)
	score := d.RawScores(op)
	for k, j := range []int{1, 2} {
		tabs := make([]stratumTable, len(op)+1)
		for i := 0; i < d.N; i++ {
			tb := &tabs[score[i]]
			right := d.Scored[i*d.J+j] == 1
			switch {
			case groups[i] == Reference && right:
				tb.A++
			case groups[i] == Reference:
				tb.B++
			case right:
				tb.C++
			default:
				tb.D++
			}
		}
		want := mhSummary(tabs, 0.05)
		if got := res[k]; got.OddsRatio != want.OddsRatio || got.ChiSquare != want.ChiSquare {
			t.Errorf("item %d: α %v χ² %v, want %v %v", j, got.OddsRatio, got.ChiSquare, want.OddsRatio, want.ChiSquare)
		}
	}
}

func TestMHErrors(t *testing.T) {
	d := analysis.FromScored([]string{"a", "b"}, 2, []uint8{0, 1, 1, 0})
	if _, err := MantelHaenszel(d, make([]Group, 1), nil, Options{}); err == nil {
		t.Error("short groups: no error")
	}
	if _, err := MantelHaenszel(d, make([]Group, 2), []int{5}, Options{}); err == nil {
		t.Error("bad item: no error")
	}
	if _, err := GroupsByLabel(d, "", "F"); err == nil {
		t.Error("empty focal group: no error")
	}
	for j := range d.Items {
		d.Items[j].Status = analysis.Pretest
	}
	if _, err := MantelHaenszel(d, make([]Group, 2), nil, Options{}); !errors.Is(err, analysis.ErrNoOperational) {
		t.Errorf("no operational items: err = %v", err)
	}
}

func BenchmarkMantelHaenszel(b *testing.B) {
	for _, n := range []int{2000, 100000, 1000000} {
		if n > 100000 && testing.Short() {
			continue
		}
		rng := rand.New(rand.NewPCG(15, 16))
		d := simtest.Rasch(rng, n, 125, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Operational, analysis.Operational, analysis.Pretest})
		groups := make([]Group, n)
		for i := range groups {
			groups[i] = Group(1 + i%2)
		}
		b.Run(strconv.Itoa(n)+"x125", func(b *testing.B) {
			for b.Loop() {
				if _, err := MantelHaenszel(d, groups, nil, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}
