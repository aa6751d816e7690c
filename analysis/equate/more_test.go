package equate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/itemlab/itemlab/irt"
)

// Log-linear presmoothing preserves N and the first C raw moments
// (Holland & Thayer, 2000): the ML equations say so exactly.
func TestLogLinearMoments(t *testing.T) {
	x, _ := actmkb(t)
	f := x.Total()
	for _, c := range []int{1, 2, 4, 6, 8} {
		m, err := LogLinear(f, c)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k <= c; k++ {
			var a, b float64
			for s := range f {
				p := math.Pow(float64(s)/40, float64(k)) // scaled to avoid 40^8
				a += f[s] * p
				b += m[s] * p
			}
			if math.Abs(a-b) > 1e-8*math.Max(1, math.Abs(a)) {
				t.Errorf("degree %d: moment %d = %.12g, observed %.12g", c, k, b, a)
			}
		}
		for s, v := range m {
			if !(v > 0) {
				t.Errorf("degree %d: fitted count %g at %d", c, v, s)
			}
		}
	}
	if _, err := LogLinear(f, 0); !errors.Is(err, ErrSmoothing) {
		t.Errorf("degree 0: err = %v", err)
	}
	if _, err := LogLinear([]float64{0, 5, 0, 0}, 2); !errors.Is(err, ErrSmoothing) {
		t.Errorf("one score with data, degree 2: err = %v", err)
	}
}

func TestLogLinearBivariateMoments(t *testing.T) {
	x, _ := kbneat(t)
	s := Smoothing{Degree: 4, AnchorDegree: 3, CrossDegree: 2}
	m, err := LogLinearBivariate(x, s)
	if err != nil {
		t.Fatal(err)
	}
	mom := func(tab *Table, i, j int) float64 {
		var a float64
		for xs := 0; xs <= 36; xs++ {
			for v := 0; v <= 12; v++ {
				a += tab.Count(xs, v) * math.Pow(float64(xs)/36, float64(i)) * math.Pow(float64(v)/12, float64(j))
			}
		}
		return a
	}
	check := func(i, j int) {
		if a, b := mom(x, i, j), mom(m, i, j); math.Abs(a-b) > 1e-8*math.Max(1, a) {
			t.Errorf("E(X^%d V^%d): fitted %.10g, observed %.10g", i, j, b, a)
		}
	}
	check(0, 0)
	for i := 1; i <= 4; i++ {
		check(i, 0)
	}
	for j := 1; j <= 3; j++ {
		check(0, j)
	}
	for i := 1; i <= 2; i++ {
		for j := 1; j <= 2; j++ {
			check(i, j)
		}
	}
	// Smoothed NEAT equatings run and stay close to the unsmoothed ones.
	y := kbneatY(t)
	for _, meth := range []Method{FrequencyEstimation, ChainedEquipercentile} {
		raw, err := Equate(x, y, meth, Options{})
		if err != nil {
			t.Fatal(err)
		}
		sm, err := Equate(x, y, meth, Options{Smooth: s})
		if err != nil {
			t.Fatal(err)
		}
		if sm.SmoothX == nil {
			t.Errorf("%v: SmoothX not set", meth)
		}
		for xs := 5; xs <= 33; xs++ {
			if d := math.Abs(sm.Yx[xs] - raw.Yx[xs]); d > 0.75 {
				t.Errorf("%v x = %d: smoothed %.3f vs raw %.3f", meth, xs, sm.Yx[xs], raw.Yx[xs])
			}
		}
	}
}

func kbneatY(t testing.TB) *Table {
	_, y := kbneat(t)
	return y
}

// Equating a distribution to itself is the identity at every score with
// data; K&B's percentile rank of a score is F(x − 1) + f(x)/2.
func TestEquipercentileIdentities(t *testing.T) {
	f := []float64{0, 3, 5, 0, 7, 2, 0}
	p := PercentileRanks(f)
	want := []float64{0, 1.5 / 17, 5.5 / 17, 8.0 / 17, 11.5 / 17, 16.0 / 17, 1}
	for s := range p {
		if math.Abs(p[s]-want[s]) > 1e-15 {
			t.Errorf("P(%d) = %g, want %g", s, p[s], want[s])
		}
	}
	e, err := EquipercentileFreq(f, f)
	if err != nil {
		t.Fatal(err)
	}
	for s, v := range f {
		if v > 0 && math.Abs(e[s]-float64(s)) > 1e-12 {
			t.Errorf("self-equating x = %d → %g", s, e[s])
		}
	}
	// Below the lowest observed score: −½; above the highest: K_Y + ½.
	if e[0] != -0.5 || e[6] != 6.5 {
		t.Errorf("ends: %g, %g; want −0.5, 6.5", e[0], e[6])
	}
	// Score 3 has zero frequency; its rank 8/17 equals F(2) = F(3): the
	// upper definition gives 3.5 (y_U = 4), the lower 2.5 (y_L = 1), and
	// their mean is 3.
	if math.Abs(e[3]-3) > 1e-12 {
		t.Errorf("x = 3 → %g, want 3", e[3])
	}
	// PercentileRankAt agrees with PercentileRanks at integers and is
	// linear within a score's interval.
	for s := range f {
		if got := PercentileRankAt(f, float64(s)); math.Abs(got-p[s]) > 1e-15 {
			t.Errorf("PercentileRankAt(%d) = %g, want %g", s, got, p[s])
		}
	}
	if got := PercentileRankAt(f, 1.25); math.Abs(got-(0+0.75*3/17.0)) > 1e-15 {
		t.Errorf("PercentileRankAt(1.25) = %g", got)
	}
	if PercentileRankAt(f, -0.7) != 0 || PercentileRankAt(f, 6.6) != 1 {
		t.Error("PercentileRankAt outside the scale")
	}
}

func TestEquateErrors(t *testing.T) {
	x, y := kbneat(t)
	ux, _ := NewFreq(x.Total())
	if _, err := Equate(ux, y, Tucker, Options{}); !errors.Is(err, ErrDesign) {
		t.Errorf("univariate table for Tucker: err = %v", err)
	}
	if _, err := Equate(x, y, Linear, Options{W2: 1.5}); err == nil {
		t.Error("W2 = 1.5: no error")
	}
	if _, err := NewFreq([]float64{1, -2}); err == nil {
		t.Error("negative count: no error")
	}
	if _, err := FromPairs([]int{3}, []int{5}, 10, 6, true); err == nil {
		t.Error("internal anchor above total: no error")
	}
	other := NewBivariate(36, 10)
	other.Add(20, 5, 10)
	other.Add(25, 6, 10)
	if _, err := Equate(x, other, ChainedLinear, Options{}); !errors.Is(err, ErrDesign) {
		t.Errorf("different anchor scales: err = %v", err)
	}
	if _, err := Equate(x, y, IRTObserved, Options{}); !errors.Is(err, ErrDesign) {
		t.Errorf("IRTObserved through Equate: err = %v", err)
	}
	// Random groups methods use the total margins of bivariate tables.
	a, err := Equate(x, y, Linear, Options{})
	if err != nil {
		t.Fatal(err)
	}
	uy, _ := NewFreq(y.Total())
	b, _ := Equate(ux, uy, Linear, Options{})
	if a.Slope != b.Slope || a.Intercept != b.Intercept {
		t.Error("linear on bivariate tables differs from their margins")
	}
}

func TestParseMethod(t *testing.T) {
	for m := Mean; m <= IRTObserved; m++ {
		got, err := ParseMethod(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m.String(), got, err)
		}
	}
	for s, want := range map[string]Method{"Levine": LevineObserved, "frequency estimation": FrequencyEstimation, "Chained_Linear": ChainedLinear} {
		if got, err := ParseMethod(s); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := ParseMethod("circle-arc"); err == nil {
		t.Error("circle-arc: no error")
	}
}

// The same seed gives the same standard errors whatever the number of
// workers; a different seed gives different ones.
func TestBootstrapDeterministic(t *testing.T) {
	x, y := kbneat(t)
	run := func(seed uint64, workers int) *BootstrapResult {
		r, err := Bootstrap(context.Background(), rand.New(rand.NewPCG(seed, 7)), x, y, ChainedEquipercentile, Options{},
			BootstrapOptions{Reps: 40, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(1, 1), run(1, 3), run(2, 2)
	for s := range a.SE {
		if a.SE[s] != b.SE[s] || a.Mean[s] != b.Mean[s] {
			t.Fatalf("x = %d: workers 1 and 3 differ: %v vs %v", s, a.SE[s], b.SE[s])
		}
	}
	same := true
	for s := range a.SE {
		same = same && a.SE[s] == c.SE[s]
	}
	if same {
		t.Error("seeds 1 and 2 give identical standard errors")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Bootstrap(ctx, rand.New(rand.NewPCG(1, 1)), x, y, Tucker, Options{}, BootstrapOptions{Reps: 10}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

// Random groups linear equating has the delta-method standard error of
// Braun & Holland (1982), K&B 2014 §7.3 (R equate's eglse):
//
//	var = σ²_Y·[1/N_X + 1/N_Y + (γ1X/N_X + γ1Y/N_Y)·z + ((κX − 1)/(4N_X) + (κY − 1)/(4N_Y))·z²],
//
// with z = (x − μ_X)/σ_X, skewness γ1 and kurtosis κ (not excess) of each
// form. 1000 bootstrap replications should agree within 10 % (the
// bootstrap SD of an SE estimate is about 2.2 % at 1000 replications).
func TestBootstrapLinearSE(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 replications")
	}
	x, y := actmkb(t)
	bs, err := Bootstrap(context.Background(), rand.New(rand.NewPCG(3, 4)), x, y, Linear, Options{}, BootstrapOptions{Reps: 1000})
	if err != nil {
		t.Fatal(err)
	}
	shape := func(f []float64) (mean, sd, skew, kurt float64) {
		var n, m1 float64
		for s, c := range f {
			n += c
			m1 += c * float64(s)
		}
		m1 /= n
		var m2, m3, m4 float64
		for s, c := range f {
			d := float64(s) - m1
			m2 += c * d * d / n
			m3 += c * d * d * d / n
			m4 += c * d * d * d * d / n
		}
		_, sd = freqMoments(f)
		return m1, sd, m3 / math.Pow(m2, 1.5), m4 / (m2 * m2)
	}
	mx, sx, gx, kx := shape(x.Total())
	_, sy, gy, ky := shape(y.Total())
	nx, ny := x.N(), y.N()
	for s := 5; s <= 35; s += 5 {
		z := (float64(s) - mx) / sx
		want := math.Sqrt(sy * sy * (1/nx + 1/ny + (gx/nx+gy/ny)*z + ((kx-1)/(4*nx)+(ky-1)/(4*ny))*z*z))
		if math.Abs(bs.SE[s]/want-1) > 0.05 {
			t.Errorf("x = %d: bootstrap SE %.4f, delta method %.4f", s, bs.SE[s], want)
		}
		t.Logf("x = %d: bootstrap SE %.4f, delta method %.4f", s, bs.SE[s], want)
	}
}

func kb36Items(t *testing.T, name string) []irt.Item {
	rows := readCSV(t, name)
	var items []irt.Item
	for _, r := range rows[1:] {
		items = append(items, irt.NewItemIRT(irt.ThreePL, atof(t, r[1]), atof(t, r[2]), atof(t, r[3])))
	}
	return irt.ScaleItems(items, 1.7)
}

func TestEquateIRTObserved(t *testing.T) {
	y := kb36Items(t, "kb36_y_params.csv")
	pop := irt.NormalQuadrature(41, -5, 5, 0, 1)
	// A form equated to itself: the identity.
	r, err := EquateIRTObserved(y, y, pop, pop, 1)
	if err != nil {
		t.Fatal(err)
	}
	for s, v := range r.Yx {
		if math.Abs(v-float64(s)) > 1e-9 {
			t.Errorf("self-equating x = %d → %.10f", s, v)
		}
	}
	// Form X linked to Y by Stocking–Lord: observed-score equivalents are
	// increasing and within 0.6 of the true-score ones over the range
	// where the candidates are (K&B 2014 §6.8 find the two close).
	x := kb36Items(t, "kb36_x_params.csv")
	var bx, nx []irt.Item
	rows := readCSV(t, "kb36_x_params.csv")
	for j, row := range rows[1:] {
		if row[4] == "TRUE" {
			bx = append(bx, y[j])
			nx = append(nx, x[j])
		}
	}
	lc, err := irt.Link(bx, nx, irt.StockingLord, irt.LinkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	xl := lc.TransformItems(x)
	pop1 := lc.TransformQuadrature(pop)
	r, err = EquateIRTObserved(xl, y, pop1, pop, 1)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := irt.EquateTrueScores(xl, y)
	if err != nil {
		t.Fatal(err)
	}
	for s := 1; s < len(r.Yx); s++ {
		if !(r.Yx[s] > r.Yx[s-1]) {
			t.Errorf("not increasing at %d", s)
		}
		if s >= 10 && s <= 32 && math.Abs(r.Yx[s]-ts.Equated[s]) > 0.6 {
			t.Errorf("x = %d: observed %.3f, true %.3f", s, r.Yx[s], ts.Equated[s])
		}
	}
	if _, err := EquateIRTObserved(xl, y, pop1, pop, 1.2); err == nil {
		t.Error("w1 = 1.2: no error")
	}
}

func BenchmarkBootstrapKBneat(b *testing.B) {
	x, y := kbneat(b)
	for _, m := range []Method{Tucker, FrequencyEstimation, ChainedEquipercentile} {
		b.Run(m.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := Bootstrap(context.Background(), rand.New(rand.NewPCG(1, 2)), x, y, m, Options{}, BootstrapOptions{Reps: 1000}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "reps/s")
		})
	}
}

func BenchmarkEquateKBneat(b *testing.B) {
	x, y := kbneat(b)
	for _, m := range []Method{Tucker, FrequencyEstimation, ChainedEquipercentile} {
		b.Run(m.String(), func(b *testing.B) {
			for b.Loop() {
				if _, err := Equate(x, y, m, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ExampleEquate() {
	// Random groups: the score distributions of forms X and Y (scores 0..5).
	x, _ := NewFreq([]float64{5, 20, 40, 25, 8, 2})
	y, _ := NewFreq([]float64{3, 12, 30, 35, 15, 5})
	for _, m := range []Method{Mean, Linear, Equipercentile} {
		r, err := Equate(x, y, m, Options{})
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-14s", m)
		for _, e := range r.Yx {
			fmt.Printf(" %5.2f", e)
		}
		fmt.Println()
	}
	// Output:
	// mean            0.45  1.45  2.45  3.45  4.45  5.45
	// linear          0.32  1.38  2.44  3.50  4.56  5.61
	// equipercentile  0.33  1.50  2.50  3.43  4.43  5.30
}

// Equating a group's table to itself is the identity with every method:
// the lines have slope 1 and intercept 0 (γ1 = γ2 and equal anchor
// moments), the equipercentile methods return every score with data.
func TestEquateSelfIdentity(t *testing.T) {
	x, _ := kbneat(t)
	tot := x.Total()
	for m := Mean; m <= ChainedEquipercentile; m++ {
		for _, opts := range []Options{{}, {W2: 0.5}, {ExternalAnchor: true}} {
			r, err := Equate(x, x, m, opts)
			if err != nil {
				t.Fatal(err)
			}
			for s, e := range r.Yx {
				if tot[s] > 0 && math.Abs(e-float64(s)) > 1e-9 {
					t.Errorf("%v %+v: x = %d → %.12f", m, opts, s, e)
				}
			}
			if m.IsLinear() && (math.Abs(r.Slope-1) > 1e-12 || math.Abs(r.Intercept) > 1e-9) {
				t.Errorf("%v %+v: slope %g intercept %g", m, opts, r.Slope, r.Intercept)
			}
		}
	}
}
