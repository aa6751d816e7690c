package scale

import (
	"math"
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
