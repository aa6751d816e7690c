package scale

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/itemlab/itemlab/internal/simtest"

	"github.com/itemlab/itemlab/irt"
)

func TestDefineScaleFromRawCut(t *testing.T) {
	items := simtest.Items3PL()
	r := 26.0
	s, err := Define(items, Options{CutRaw: &r})
	if err != nil {
		t.Fatal(err)
	}
	// The θ cut has expected raw score 26, so raw 26 converts to exactly 390.
	if got := irt.TCC(items, s.ThetaCut); math.Abs(got-r) > 1e-8 {
		t.Errorf("TCC(θ_cut) = %.10f, want %g", got, r)
	}
	conv, err := NewConversion(items, s, ByTCC, irt.Quadrature{}, []int{3, 26, 26, 40})
	if err != nil {
		t.Fatal(err)
	}
	if got := conv.Rows[26].ScaleScore; got != 390 {
		t.Errorf("scale score at the raw cut = %g, want 390", got)
	}
	if conv.RawCut != 26 {
		t.Errorf("raw cut = %d, want 26", conv.RawCut)
	}
	// The derived slope takes a perfect score to the maximum.
	if got := conv.Rows[40].ScaleScore; got != 500 {
		t.Errorf("perfect score = %g, want 500", got)
	}
	if got := conv.Rows[39].ScaleScore; got >= 500 {
		t.Errorf("raw 39 scores %g: want below 500", got)
	}
	for x := 1; x <= 40; x++ {
		if conv.Rows[x].Theta <= conv.Rows[x-1].Theta || conv.Rows[x].ScaleScore < conv.Rows[x-1].ScaleScore {
			t.Errorf("raw %d: θ or scale score not increasing", x)
		}
	}
	if conv.Rows[26].Count != 2 || conv.Rows[40].CumShare != 1 || conv.Rows[3].CumShare != 0.25 {
		t.Errorf("counts: %+v %+v", conv.Rows[26], conv.Rows[3])
	}
	// CSEM in scale points is the slope times the θ standard error, which is
	// 1/√I(θ).
	row := conv.Rows[20]
	if want := s.Slope / math.Sqrt(irt.TestInfo(items, row.Theta)); math.Abs(row.CSEM-want) > 1e-9 {
		t.Errorf("CSEM = %g, want %g", row.CSEM, want)
	}
}

func TestConversionEAP(t *testing.T) {
	items := simtest.Items3PL()
	theta := -0.5
	s, err := Define(items, Options{CutTheta: &theta, Slope: 40})
	if err != nil {
		t.Fatal(err)
	}
	if s.Score(-0.5) != 390 || s.Score(10) != 500 || s.Score(-10) != 200 || s.Score(0) != 410 {
		t.Errorf("Score: %g %g %g %g", s.Score(-0.5), s.Score(10), s.Score(-10), s.Score(0))
	}
	conv, err := NewConversion(items, s, ByEAP, irt.NormalQuadrature(61, -6, 6, 0, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	for x := 1; x <= 40; x++ {
		if conv.Rows[x].Theta <= conv.Rows[x-1].Theta {
			t.Errorf("EAP θ not increasing at raw %d", x)
		}
		if se := conv.Rows[x].ThetaSE; !(se > 0 && se < 1) {
			t.Errorf("posterior SD %g at raw %d", se, x)
		}
	}
}

func TestScaleErrors(t *testing.T) {
	items := simtest.Items3PL()
	th := 0.0
	big := 41.0
	tooLow := 5.0
	bad := append([]irt.Item{{Model: irt.TwoPL, A: -0.5, D: 0}}, items...)
	mid := 20.0
	forty := 40.0
	cases := []struct {
		name  string
		items []irt.Item
		o     Options
	}{
		{"cut outside range", items, Options{CutTheta: &th, Cut: 600}},
		{"raw cut above max", items, Options{CutRaw: &big}},
		{"raw cut at chance", items, Options{CutRaw: &tooLow}},
		{"no cut", items, Options{}},
		{"both cuts", items, Options{CutTheta: &th, CutRaw: &mid}},
		{"non-increasing TCC", bad, Options{CutRaw: &mid}},
		{"no items", nil, Options{CutTheta: &th}},
		{"negative slope", items, Options{CutTheta: &th, Slope: -3}},
		{"raw cut at max", items, Options{CutRaw: &forty}},
		{"cut at min", items, Options{CutTheta: &th, Cut: 200}},
		{"fractional cut", items, Options{CutTheta: &th, Cut: 390.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Define(tc.items, tc.o); err == nil {
				t.Error("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// randomForm draws a J-item form: a ~ U(0.6, 2), b ~ N(0, 1) clipped to
// [−2.5, 2.5] and, for the 3PL, c ~ U(0.1, 0.35) (Σc ≈ 22 on 100 items).
func randomForm(rng *rand.Rand, J int, model irt.Model) []irt.Item {
	items := make([]irt.Item, J)
	for j := range items {
		a := 0.6 + 1.4*rng.Float64()
		b := math.Max(-2.5, math.Min(2.5, rng.NormFloat64()))
		c := 0.0
		if model == irt.ThreePL {
			c = 0.1 + 0.25*rng.Float64()
		}
		items[j] = irt.NewItemIRT(model, a, b, c)
	}
	return items
}

// checkConversion asserts the cut rule and the shape of the table.
func checkConversion(t *testing.T, s *Scale, conv *Conversion) {
	t.Helper()
	J := len(conv.Rows) - 1
	if conv.RawCut < 0 || conv.RawCut > J {
		t.Fatalf("raw cut %d: want one on the form", conv.RawCut)
	}
	for x, r := range conv.Rows {
		above := r.Theta >= s.ThetaCut-CutTolerance
		switch {
		case r.Pass != (x >= conv.RawCut):
			t.Errorf("raw %d: pass %v, raw cut %d", x, r.Pass, conv.RawCut)
		case r.Pass && !above:
			t.Errorf("raw %d passes with θ %.6f below θ_cut %.6f", x, r.Theta, s.ThetaCut)
		case !r.Pass && above:
			t.Errorf("raw %d fails with θ %.6f at or above θ_cut %.6f", x, r.Theta, s.ThetaCut)
		case x == conv.RawCut && r.ScaleScore != s.Cut:
			t.Errorf("raw cut %d reads %g, want %g", x, r.ScaleScore, s.Cut)
		case x < conv.RawCut && r.ScaleScore > s.Cut-1:
			t.Errorf("raw %d below the raw cut %d reads %g, want ≤ %g", x, conv.RawCut, r.ScaleScore, s.Cut-1)
		case x > conv.RawCut && r.ScaleScore < s.Cut:
			t.Errorf("raw %d above the raw cut reads %g, want ≥ %g", x, r.ScaleScore, s.Cut)
		case r.ScaleScore < s.Min || r.ScaleScore > s.Max:
			t.Errorf("raw %d reads %g outside [%g, %g]", x, r.ScaleScore, s.Min, s.Max)
		case !(r.CSEM > 0) || math.IsInf(r.CSEM, 0) || math.Abs(r.CSEM-s.Slope*r.ThetaSE) > 1e-9*r.CSEM:
			t.Errorf("raw %d: CSEM %g, θ SE %g", x, r.CSEM, r.ThetaSE)
		}
		if x > 0 {
			if r.Theta <= conv.Rows[x-1].Theta {
				t.Errorf("raw %d: θ %.6f not above raw %d's %.6f", x, r.Theta, x-1, conv.Rows[x-1].Theta)
			}
			if r.ScaleScore < conv.Rows[x-1].ScaleScore {
				t.Errorf("raw %d: scale score %g below raw %d's %g", x, r.ScaleScore, x-1, conv.Rows[x-1].ScaleScore)
			}
		}
	}
}

// maxStep is the largest rise of the scale score from raw lo to raw hi.
func maxStep(rows []ConversionRow, lo, hi int) float64 {
	var m float64
	for x := lo + 1; x <= hi && x < len(rows); x++ {
		m = math.Max(m, rows[x].ScaleScore-rows[x-1].ScaleScore)
	}
	return m
}

// On simulated 100-item forms (true parameters of both models, several
// seeds, cuts and slopes) no conversion row passes below θ_cut, the raw cut
// reads 390 and every score below it at most 389, scale scores never fall,
// and below the chance score the scale rises from the minimum without a
// jump: no step up to the anchor is larger than twice the largest step of
// the ten TCC rows above it.
func TestConversionCutRule(t *testing.T) {
	for _, model := range []irt.Model{irt.TwoPL, irt.ThreePL} {
		for seed := uint64(1); seed <= 6; seed++ {
			items := randomForm(rand.New(rand.NewPCG(seed, 13)), 100, model)
			for _, cut := range []float64{-1.5, -0.5, 0, 0.7} {
				for _, slope := range []float64{0, 25, 40} {
					name := fmt.Sprintf("%v/seed%d/cut%g/slope%g", model, seed, cut, slope)
					t.Run(name, func(t *testing.T) {
						s, err := Define(items, Options{CutTheta: &cut, Slope: slope})
						if err != nil {
							t.Fatal(err)
						}
						conv, err := NewConversion(items, s, ByTCC, irt.Quadrature{}, nil)
						if err != nil {
							t.Fatal(err)
						}
						checkConversion(t, s, conv)
						xa := conv.BelowChance
						if xa < 1 || float64(xa) <= conv.ChanceScore-1 {
							t.Fatalf("anchor %d with Σc = %.2f", xa, conv.ChanceScore)
						}
						for x := 0; x < xa; x++ {
							if conv.Rows[x].From != BasisBelowChance {
								t.Errorf("raw %d: from %q, want below_chance", x, conv.Rows[x].From)
							}
						}
						if conv.Rows[xa].From != BasisTCC || conv.Rows[100].From != BasisTCCTop {
							t.Errorf("from: raw %d %q, raw 100 %q", xa, conv.Rows[xa].From, conv.Rows[100].From)
						}
						below, near := maxStep(conv.Rows, 0, xa), maxStep(conv.Rows, xa, min(xa+10, conv.RawCut-1))
						if below > 2*near+1 { // +1: one rounding
							t.Errorf("below chance a step of %g, TCC steps above the anchor %d at most %g", below, xa, near)
						}
						if model == irt.ThreePL && xa > int(conv.ChanceScore)+1 && conv.Rows[0].ScaleScore != s.Min {
							t.Errorf("raw 0 reads %g, want the minimum %g", conv.Rows[0].ScaleScore, s.Min)
						}
					})
				}
			}
		}
	}
}

// The same rule holds for the summed-score EAP conversion.
func TestConversionCutRuleEAP(t *testing.T) {
	for _, model := range []irt.Model{irt.TwoPL, irt.ThreePL} {
		for seed := uint64(1); seed <= 3; seed++ {
			items := randomForm(rand.New(rand.NewPCG(seed, 17)), 100, model)
			for _, cut := range []float64{-1, -0.3, 0.5} {
				t.Run(fmt.Sprintf("%v/seed%d/cut%g", model, seed, cut), func(t *testing.T) {
					s, err := Define(items, Options{CutTheta: &cut})
					if err != nil {
						t.Fatal(err)
					}
					conv, err := NewConversion(items, s, ByEAP, irt.NormalQuadrature(61, -6, 6, 0, 1), nil)
					if err != nil {
						t.Fatal(err)
					}
					checkConversion(t, s, conv)
				})
			}
		}
	}
}

// scale --cut-raw R gives raw cut R on the base form for every R the TCC
// reaches, for both models, with the derived and a given slope; a
// fractional R gives ⌈R⌉.
func TestDefineCutRawGivesRawCut(t *testing.T) {
	for _, model := range []irt.Model{irt.TwoPL, irt.ThreePL} {
		for seed := uint64(1); seed <= 4; seed++ {
			items := randomForm(rand.New(rand.NewPCG(seed, 29)), 100, model)
			var sumC float64
			for _, it := range items {
				sumC += it.C
			}
			for _, slope := range []float64{0, 40} {
				for R := math.Floor(sumC) + 1; R <= 98; R++ {
					for _, r := range []float64{R, R - 0.4} {
						if r <= sumC {
							continue
						}
						s, err := Define(items, Options{CutRaw: &r, Slope: slope})
						if err != nil {
							t.Fatalf("%v seed %d R %g: %v", model, seed, r, err)
						}
						conv, err := NewConversion(items, s, ByTCC, irt.Quadrature{}, nil)
						if err != nil {
							t.Fatal(err)
						}
						if conv.RawCut != int(R) {
							t.Errorf("%v seed %d slope %g: --cut-raw %g gives raw cut %d, want %g", model, seed, slope, r, conv.RawCut, R)
							continue
						}
						checkConversion(t, s, conv)
					}
				}
			}
		}
	}
}

// The reproduction from issue 13: on a 3PL form the raw score one below the
// raw cut has θ 0.01 logits under θ_cut, which round(slope·(θ − θ_cut) +
// 390) takes to 390 (389.6 at 40 points per logit). It used to pass; it
// reads 389 and fails, and the next score is the raw cut at exactly 390.
func TestCutRuleJustBelowTheCut(t *testing.T) {
	items := randomForm(rand.New(rand.NewPCG(7, 13)), 100, irt.ThreePL)
	th56, err := irt.TCCInverse(items, 56)
	if err != nil {
		t.Fatal(err)
	}
	cut := th56 + 0.01
	s, err := Define(items, Options{CutTheta: &cut, Slope: 40})
	if err != nil {
		t.Fatal(err)
	}
	if got := math.Round(s.Slope*(th56-s.ThetaCut) + s.Cut); got != 390 {
		t.Fatalf("the linear map gives raw 56 %g: not the case of the issue", got)
	}
	conv, err := NewConversion(items, s, ByTCC, irt.Quadrature{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := conv.Rows[56]; r.ScaleScore != 389 || r.Pass {
		t.Errorf("raw 56 (θ %.4f < θ_cut %.4f): scale score %g, pass %v; want 389, false", r.Theta, s.ThetaCut, r.ScaleScore, r.Pass)
	}
	if r := conv.Rows[57]; conv.RawCut != 57 || r.ScaleScore != 390 || !r.Pass {
		t.Errorf("raw cut %d, raw 57 reads %g pass %v; want raw cut 57 at 390", conv.RawCut, r.ScaleScore, r.Pass)
	}
	if got := s.Score(th56); got != 389 {
		t.Errorf("Score(θ_56) = %g, want 389", got)
	}
	if got := s.Score(s.ThetaCut + 0.001); got != 390 {
		t.Errorf("Score(θ_cut + 0.001) = %g, want 390", got)
	}
}

// A raw cut the TCC never reaches is an error that says why and what to do.
func TestRawCutBelowChanceError(t *testing.T) {
	items := simtest.Items3PL() // 40 items with c = 0.2: Σc = 8
	for _, tc := range []struct {
		raw  float64
		want string
	}{
		{5, "scale: raw cut 5 is below the chance score 8.0 of this 40-item form (the sum of the items' guessing parameters): " +
			"no θ gives that expected score; choose a raw cut between 8.0 and 40, or give the cut as θ (--cut-theta)"},
		{41, "scale: raw cut 41 is above the maximum score 40 of this 40-item form: " +
			"no θ gives that expected score; choose a raw cut between 8.0 and 40, or give the cut as θ (--cut-theta)"},
		{40, "scale: raw cut 40 is the maximum score of this 40-item form: " +
			"no θ gives that expected score; choose a raw cut between 8.0 and 40, or give the cut as θ (--cut-theta)"},
	} {
		_, err := Define(items, Options{CutRaw: &tc.raw})
		var re *RawCutError
		if !errors.Is(err, ErrRawCut) || !errors.As(err, &re) || re.Raw != tc.raw {
			t.Errorf("raw cut %g: err = %v, want a *RawCutError", tc.raw, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("raw cut %g:\n got %s\nwant %s", tc.raw, err, tc.want)
		}
	}
}
