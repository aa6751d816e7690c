package dif

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
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

// TestMHPretestMatching checks the matching score of a pretest and an
// operational item under both criteria by recomputing their tables
// directly: the operational score plus the pretest item's own score
// (IncludeItem) or the operational score alone (ExcludeItem); the
// operational item is matched on the operational score, which includes it,
// either way.
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
	op := d.ItemsWithStatus(analysis.Operational)
	score := d.RawScores(op)
	for _, m := range []Match{IncludeItem, ExcludeItem} {
		t.Run(m.String(), func(t *testing.T) {
			res, err := MantelHaenszel(d, groups, []int{1, 2}, Options{Match: m})
			if err != nil {
				t.Fatal(err)
			}
			for k, j := range []int{1, 2} {
				tabs := make([]stratumTable, len(op)+2)
				for i := 0; i < d.N; i++ {
					right := d.Scored[i*d.J+j] == 1
					s := score[i]
					if right && m == IncludeItem && d.Items[j].Status == analysis.Pretest {
						s++
					}
					tb := &tabs[s]
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
				if got := res[k]; got.OddsRatio != want.OddsRatio || got.ChiSquare != want.ChiSquare || got.Strata != want.Strata {
					t.Errorf("item %d: α %v χ² %v in %d strata, want %v %v in %d", j, got.OddsRatio, got.ChiSquare, got.Strata,
						want.OddsRatio, want.ChiSquare, want.Strata)
				}
			}
		})
	}
}

// matchHandData is a hand-made form of three operational items and one
// pretest item (P, index 3) taken by six reference and six focal
// candidates. Columns: O1 O2 O3 P; op is the operational score, incl the
// operational score plus P.
//
//	cand  group  O1 O2 O3  P  op  incl
//	R1    ref     0  0  0  0   0   0
//	R2    ref     1  0  0  1   1   2
//	R3    ref     1  1  0  0   2   2
//	R4    ref     1  1  0  1   2   3
//	R5    ref     1  1  1  1   3   4
//	R6    ref     0  1  0  0   1   1
//	F1    focal   0  0  0  0   0   0
//	F2    focal   1  0  0  0   1   1
//	F3    focal   0  1  1  1   2   3
//	F4    focal   1  1  0  0   2   2
//	F5    focal   1  1  1  0   3   3
//	F6    focal   0  0  1  1   1   2
func matchHandData() (*analysis.Dataset, []Group) {
	x := []uint8{
		0, 0, 0, 0,
		1, 0, 0, 1,
		1, 1, 0, 0,
		1, 1, 0, 1,
		1, 1, 1, 1,
		0, 1, 0, 0,
		0, 0, 0, 0,
		1, 0, 0, 0,
		0, 1, 1, 1,
		1, 1, 0, 0,
		1, 1, 1, 0,
		0, 0, 1, 1,
	}
	d := analysis.FromScored([]string{"O1", "O2", "O3", "P"}, 12, x)
	d.Items[3].Status = analysis.Pretest
	groups := make([]Group, 12)
	for i := range groups {
		groups[i] = Reference
		if i >= 6 {
			groups[i] = Focal
		}
	}
	return d, groups
}

// TestMatchHand counts the strata of the pretest item of matchHandData by
// hand (A ref right, B ref wrong, C focal right, D focal wrong):
//
//	include-item (op + P)          exclude-item (op)
//	s  cands        A B C D  T     s  cands        A B C D  T
//	0  R1 F1        0 1 0 1  2     0  R1 F1        0 1 0 1  2
//	1  R6 F2        0 1 0 1  2     1  R2 R6 F2 F6  1 1 1 1  4
//	2  R2 R3 F4 F6  1 1 1 1  4     2  R3 R4 F3 F4  1 1 1 1  4
//	3  R4 F3 F5     1 0 1 1  3     3  R5 F5        1 0 0 1  2
//	4  R5           1 0 0 0  1 (T = 1: left out)
//
// include-item: Σ AD/T = 1/4 + 1/3 = 7/12, Σ BC/T = 1/4, α_MH = 7/3;
// Σ A = 2, Σ E(A) = 2·2/4 + 1·2/3 = 5/3, Σ Var(A) = 16/48 + 4/18 = 5/9,
// χ² = (|2 − 5/3| − ½)²/(5/9) = (1/36)/(5/9) = 0.05; 4 strata, 5 + 6 candidates.
// exclude-item: Σ AD/T = 1/4 + 1/4 + 1/2 = 1, Σ BC/T = 1/4 + 1/4 = 1/2,
// α_MH = 2; Σ A = 3, Σ E(A) = 1 + 1 + 1/2 = 5/2, so χ² = 0; 4 strata, 6 + 6.
// The operational item O1 is matched on the operational score, which
// includes it, under either criterion.
func TestMatchHand(t *testing.T) {
	d, groups := matchHandData()
	for _, c := range []struct {
		m                 Match
		strata            []stratumTable
		alpha, chi2       float64
		nStrata, nRef, nF int
	}{
		{IncludeItem, []stratumTable{{0, 1, 0, 1}, {0, 1, 0, 1}, {1, 1, 1, 1}, {1, 0, 1, 1}, {1, 0, 0, 0}}, 7.0 / 3, 0.05, 4, 5, 6},
		{ExcludeItem, []stratumTable{{0, 1, 0, 1}, {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 0, 0, 1}}, 2, 0, 4, 6, 6},
	} {
		t.Run(c.m.String(), func(t *testing.T) {
			op := d.ItemsWithStatus(analysis.Operational)
			tab, levels := tallyScores(d, groups, []int{3}, op, c.m)
			if got := strataOf(tab, 0); !slices.Equal(got, c.strata) {
				t.Errorf("strata of P %v, want %v (levels %d)", got, c.strata, levels)
			}
			res, err := MantelHaenszel(d, groups, []int{0, 3}, Options{Match: c.m})
			if err != nil {
				t.Fatal(err)
			}
			r := res[1]
			if math.Abs(r.OddsRatio-c.alpha) > 1e-12 || math.Abs(r.ChiSquare-c.chi2) > 1e-12 {
				t.Errorf("P: α_MH %.6f χ² %.6f, want %.6f %.6f", r.OddsRatio, r.ChiSquare, c.alpha, c.chi2)
			}
			if r.Strata != c.nStrata || r.NReference != c.nRef || r.NFocal != c.nF {
				t.Errorf("P: %d strata, n %d/%d, want %d, %d/%d", r.Strata, r.NReference, r.NFocal, c.nStrata, c.nRef, c.nF)
			}
			// O1 by op: s0 R1 F1 (0 1 0 1), s1 R2 R6 F2 F6 (1 1 1 1), s2 R3 R4 F3 F4 (2 0 1 1), s3 R5 F5 (1 0 1 0).
			want := mhSummary([]stratumTable{{0, 1, 0, 1}, {1, 1, 1, 1}, {2, 0, 1, 1}, {1, 0, 1, 0}}, 0.05)
			if got := res[0]; got.OddsRatio != want.OddsRatio || got.ChiSquare != want.ChiSquare {
				t.Errorf("O1: α_MH %v χ² %v, want %v %v", got.OddsRatio, got.ChiSquare, want.OddsRatio, want.ChiSquare)
			}
		})
	}
}

// TestLogisticMatchHand checks that logistic-regression DIF uses the same
// criterion: its X for the pretest item of matchHandData is the hand-counted
// stratum of TestMatchHand.
func TestLogisticMatchHand(t *testing.T) {
	d, groups := matchHandData()
	// (X, group, n, right) cells in score then group order, from TestMatchHand's tables.
	for _, c := range []struct {
		m     Match
		cells [][4]float64
	}{
		{IncludeItem, [][4]float64{{0, 0, 1, 0}, {0, 1, 1, 0}, {1, 0, 1, 0}, {1, 1, 1, 0}, {2, 0, 2, 1}, {2, 1, 2, 1}, {3, 0, 1, 1}, {3, 1, 2, 1}, {4, 0, 1, 1}}},
		{ExcludeItem, [][4]float64{{0, 0, 1, 0}, {0, 1, 1, 0}, {1, 0, 2, 1}, {1, 1, 2, 1}, {2, 0, 2, 1}, {2, 1, 2, 1}, {3, 0, 1, 1}, {3, 1, 1, 0}}},
	} {
		t.Run(c.m.String(), func(t *testing.T) {
			var cells logitCells
			for _, x := range c.cells {
				cells.add(x[0], x[1], x[2], x[3])
			}
			opts := LogisticOptions{Match: c.m}
			lr, err := Logistic(d, groups, []int{3}, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := logisticResult(&cells, LogisticOptions{Alpha: 0.05, ModerateR2: 0.035, LargeR2: 0.070})
			if got := lr[0]; got.ChiSquare != want.ChiSquare || got.Beta != want.Beta || got.NReference != 6 || got.NFocal != 6 {
				t.Errorf("P: χ² %v β %v n %d/%d, want %v %v 6/6", got.ChiSquare, got.Beta, got.NReference, got.NFocal, want.ChiSquare, want.Beta)
			}
		})
	}
}

// TestMatchVerbalPretest is the pretest-item case against difR: with item k
// of the verbal data marked pretest, the include-item criterion (the 23
// operational items plus item k) is difR's total score, so item k's MH
// statistics must be difR's (same references and tolerance as TestMHVerbal).
func TestMatchVerbalPretest(t *testing.T) {
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
	rhdr, rows := reftest.ReadCSV(t, "verbal_difR_MH_gender.csv")
	if len(rows) != d.J {
		t.Fatalf("%d reference rows for %d items", len(rows), d.J)
	}
	var maxDiff, maxExclude float64
	for k, row := range rows {
		d.Items[k].Status = analysis.Pretest
		inc, err := MantelHaenszel(d, groups, []int{k}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		exc, err := MantelHaenszel(d, groups, []int{k}, Options{Match: ExcludeItem})
		if err != nil {
			t.Fatal(err)
		}
		d.Items[k].Status = analysis.Operational
		want := reftest.Parse(t, row[reftest.Column(t, rhdr, "deltaMH")])
		maxDiff = max(maxDiff, math.Abs(inc[0].DDIF-want))
		maxExclude = max(maxExclude, math.Abs(exc[0].DDIF-want))
		if math.Abs(inc[0].DDIF-want) > 1e-9 {
			t.Errorf("%s as pretest, include-item: Δ_MH = %.12f, want %.12f (difR)", row[0], inc[0].DDIF, want)
		}
	}
	t.Logf("max |Δ_MH − difR| over %d items: include-item %.2g, exclude-item %.3f", d.J, maxDiff, maxExclude)
}

// TestMatchExcludeUnchanged: with ExcludeItem, MH and logistic DIF of the
// pretest items reproduce the values itemlab computed before the matching
// criterion became an option (printed by the implementation at commit
// c499693 on this simulated dataset); operational items get the same
// result under both criteria.
func TestMatchExcludeUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	d := simtest.Rasch(rng, 2000, 30, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Pretest,
		analysis.Operational, analysis.Operational, analysis.Pretest})
	groups := make([]Group, d.N)
	for i := range groups {
		groups[i] = Reference
		if rng.Float64() < 0.3 {
			groups[i] = Focal
			// Item Q3 (pretest): a focal candidate's right answer turns wrong with probability .3.
			if c := i*d.J + 2; d.Scored[c] == 1 && rng.Float64() < 0.3 {
				d.Raw[c], d.Scored[c] = (d.Raw[c]+1)%4, 0
			}
		}
	}
	pre := d.ItemsWithStatus(analysis.Pretest)
	mh := []struct {
		id                   string
		alpha, se, chi2      float64
		strata               int
		cat                  ETSCategory
		chiLR, dR2, groupEff float64
	}{
		{"Q3", 3.5736210832127506, 0.2662422521938383, 135.4978351181595, 21, ETSC, 157.62789166675202, 0.10945808037840468, -1.3015435972254},
		{"Q6", 1.3115315673494479, 0.25547802488292354, 5.9249093150055785, 21, ETSA, 6.280006261072231, 0.0037551694377452316, -0.26549395591672253},
		{"Q9", 0.9822728240202361, 0.2501754999801778, 0.01319308888646298, 21, ETSA, 0.5334196553521906, 0.00032240299791630456, 0.03810143226737147},
		{"Q12", 1.0903347449311849, 0.29509526930081376, 0.39096835379465794, 21, ETSA, 0.70661593019463, 0.0004938764783757321, -0.09731497276595001},
		{"Q15", 1.0457506865063317, 0.2663106952793413, 0.11330517850822854, 21, ETSA, 0.16584401289901507, 0.00010400175394464917, -0.042844184476062655},
		{"Q18", 0.9704525613870688, 0.25424790838447964, 0.04971974204689809, 21, ETSA, 0.24616351395115998, 0.00014686935802404877, 0.031397133749756966},
		{"Q21", 0.9773500963707218, 0.289894669987977, 0.015314890865119947, 21, ETSA, 0.15188497767826448, 0.0001063902782725834, 0.002598700998477823},
		{"Q24", 0.9746929773360551, 0.24645937845988902, 0.03705685153314148, 21, ETSA, 0.4020893410361168, 0.00024047558816570058, 0.03332942732423968},
		{"Q27", 1.191266759835965, 0.2506473610438134, 2.5179977164610388, 21, ETSA, 3.364922943692818, 0.0019368426199969646, -0.16799119801245346},
		{"Q30", 1.1647540732568784, 0.26655268828366463, 1.6562430005723274, 21, ETSA, 2.2312368410298404, 0.0013249198203077461, -0.165234801094079},
	}
	res, err := MantelHaenszel(d, groups, pre, Options{Match: ExcludeItem})
	if err != nil {
		t.Fatal(err)
	}
	lr, err := Logistic(d, groups, pre, LogisticOptions{Match: ExcludeItem})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(mh) || len(lr) != len(mh) {
		t.Fatalf("%d MH and %d logistic results, want %d", len(res), len(lr), len(mh))
	}
	// The same counts in the same order: only the last bits may differ.
	const tol = 1e-12
	near := func(got, want float64) bool { return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want)) }
	for k, w := range mh {
		r, l := res[k], lr[k]
		if r.ItemID != w.id || !near(r.OddsRatio, w.alpha) || !near(r.SE, w.se) || !near(r.ChiSquare, w.chi2) || r.Strata != w.strata || r.Category != w.cat {
			t.Errorf("MH %s: α %v SE %v χ² %v, %d strata, %s; want %s %v %v %v, %d, %s",
				r.ItemID, r.OddsRatio, r.SE, r.ChiSquare, r.Strata, r.Category, w.id, w.alpha, w.se, w.chi2, w.strata, w.cat)
		}
		if !near(l.ChiSquare, w.chiLR) || !near(l.DeltaR2, w.dR2) || !near(l.GroupEffect, w.groupEff) {
			t.Errorf("logistic %s: χ² %v ΔR² %v effect %v, want %v %v %v", l.ItemID, l.ChiSquare, l.DeltaR2, l.GroupEffect, w.chiLR, w.dR2, w.groupEff)
		}
	}
	// The default criterion moves every pretest item to op + its own score.
	inc, err := MantelHaenszel(d, groups, pre, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for k := range inc {
		if inc[k].OddsRatio == res[k].OddsRatio {
			t.Errorf("pretest %s: include-item α_MH %v equals exclude-item's", inc[k].ItemID, inc[k].OddsRatio)
		}
	}
	if inc[0].Category != ETSC || inc[0].Favours != FavoursReference {
		t.Errorf("Q3 (planted DIF): include-item category %s favours %s, want C reference", inc[0].Category, inc[0].Favours)
	}
	ops := d.ItemsWithStatus(analysis.Operational)
	a, err := MantelHaenszel(d, groups, ops, Options{Match: IncludeItem})
	if err != nil {
		t.Fatal(err)
	}
	b, err := MantelHaenszel(d, groups, ops, Options{Match: ExcludeItem})
	if err != nil {
		t.Fatal(err)
	}
	la, _ := Logistic(d, groups, ops, LogisticOptions{Match: IncludeItem})
	lb, _ := Logistic(d, groups, ops, LogisticOptions{Match: ExcludeItem})
	for k := range a {
		if a[k] != b[k] || la[k] != lb[k] {
			t.Errorf("operational %s: results differ between the criteria", a[k].ItemID)
		}
	}
}

func TestParseMatch(t *testing.T) {
	for _, m := range []Match{IncludeItem, ExcludeItem} {
		if got, err := ParseMatch(m.String()); err != nil || got != m {
			t.Errorf("ParseMatch(%q) = %v, %v", m.String(), got, err)
		}
	}
	if m, err := ParseMatch(""); err != nil || m != IncludeItem {
		t.Errorf(`ParseMatch("") = %v, %v, want include-item`, m, err)
	}
	if _, err := ParseMatch("total"); err == nil {
		t.Error(`ParseMatch("total"): no error`)
	}
	d, groups := matchHandData()
	if _, err := MantelHaenszel(d, groups, nil, Options{Match: 7}); err == nil {
		t.Error("MantelHaenszel with Match 7: no error")
	}
	if _, err := Logistic(d, groups, nil, LogisticOptions{Match: 7}); err == nil {
		t.Error("Logistic with Match 7: no error")
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

// TestMantelHaenszelWorkers checks that the tally over candidate blocks on
// several goroutines gives the results of one goroutine exactly.
func TestMantelHaenszelWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	n := 60000
	d := simtest.Rasch(rng, n, 20, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Operational, analysis.Pretest})
	groups := make([]Group, n)
	for i := range groups {
		groups[i] = Group(i % 3) // Neither, Reference, Focal
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one, err := MantelHaenszel(d, groups, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(3)
	three, err := MantelHaenszel(d, groups, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%+v", one) != fmt.Sprintf("%+v", three) { // %v: NaN equals NaN
		t.Errorf("results on 3 goroutines differ from 1")
	}
}
