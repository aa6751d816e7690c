package equate

import (
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func readCSV(t testing.TB, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func atof(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// kbneat returns the KBneat tables: 36-item forms, 12-item internal anchor.
func kbneat(t testing.TB) (x, y *Table) {
	t.Helper()
	load := func(name string) *Table {
		rows := readCSV(t, name)
		var tot, anc []int
		for _, r := range rows[1:] {
			tot = append(tot, int(atof(t, r[0])))
			anc = append(anc, int(atof(t, r[1])))
		}
		tab, err := FromPairs(tot, anc, 36, 12, true)
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	return load("kbneat_x.csv"), load("kbneat_y.csv")
}

// actmkb returns the ACT Mathematics random groups tables (scores 0..40).
func actmkb(t testing.TB) (x, y *Table) {
	t.Helper()
	rows := readCSV(t, "actmkb_freq.csv")
	var fx, fy []float64
	for _, r := range rows[1:] {
		fx = append(fx, atof(t, r[1]))
		fy = append(fy, atof(t, r[2]))
	}
	x, err := NewFreq(fx)
	if err != nil {
		t.Fatal(err)
	}
	y, err = NewFreq(fy)
	if err != nil {
		t.Fatal(err)
	}
	return x, y
}

// refColumns reads a reference table into columns by header name.
func refColumns(t testing.TB, name string) map[string][]float64 {
	t.Helper()
	rows := readCSV(t, name)
	cols := map[string][]float64{}
	for _, r := range rows[1:] {
		for j, h := range rows[0] {
			cols[h] = append(cols[h], atof(t, r[j]))
		}
	}
	return cols
}

// equateFEW2 is the w2 at which this package's frequency estimation and
// Braun–Holland reproduce R equate's with synthetic weight ws: equate's pse
// mixes the groups' counts, not proportions (ws·x + (1 − ws)·x/h1·h2), so
// its effective weights are proportional to ws·N1 and (1 − ws)·N2.
func equateFEW2(x, y *Table, ws float64) float64 {
	n1, n2 := x.N(), y.N()
	return (1 - ws) * n2 / (ws*n1 + (1-ws)*n2)
}

// Reference: R equate 2.0.8.9000 on KBneat (testdata/README.md). The
// reference used equate's default synthetic weight ws = −1, i.e. w1 =
// N1/(N1 + N2) = 0.5026 (every weight-dependent column matches only that),
// with an internal anchor. Tolerance 0.01 at every score (the brief's);
// each case also states the tighter bound it meets: 1e-9 for the same
// linear formulas, 1e-6 for the equipercentile methods (equate interpolates
// with percentile ranks rounded to 10 decimals, which moves results by up to
// 1e-10/f(y)); the frequency-estimation methods are compared at equate's
// effective weight (equateFEW2) and, separately, within 0.01 at the
// nominal proportional weight of K&B's definition.
func TestKBneat(t *testing.T) {
	x, y := kbneat(t)
	ref := refColumns(t, "kbneat_equating.csv")
	ws := x.N() / (x.N() + y.N())
	prop := ProportionalW2(x, y)
	fe := equateFEW2(x, y, ws)
	cases := []struct {
		col  string
		m    Method
		opts Options
		tol  float64
	}{
		{"tucker", Tucker, Options{W2: prop}, 1e-9},
		{"tucker_mean", Tucker, Options{W2: prop, MeanOnly: true}, 1e-9},
		{"levine_observed", LevineObserved, Options{W2: prop}, 1e-9},
		{"levine_true", LevineTrue, Options{}, 1e-9},
		{"braun_holland", BraunHolland, Options{W2: fe}, 1e-9},
		{"braun_holland", BraunHolland, Options{W2: prop}, 1e-3},
		{"chained_linear", ChainedLinear, Options{}, 1e-9},
		{"freq_estimation_eqp", FrequencyEstimation, Options{W2: fe}, 1e-6},
		{"freq_estimation_eqp", FrequencyEstimation, Options{W2: prop}, 1e-3},
		{"chained_eqp", ChainedEquipercentile, Options{}, 1e-6},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/w2=%.4f", c.col, c.opts.W2), func(t *testing.T) {
			res, err := Equate(x, y, c.m, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := ref[c.col]
			if len(res.Yx) != len(want) {
				t.Fatalf("%d scores, want %d", len(res.Yx), len(want))
			}
			var maxd float64
			for s := range want {
				d := math.Abs(res.Yx[s] - want[s])
				maxd = math.Max(maxd, d)
				if d > 0.01 {
					t.Errorf("x = %d: e_Y = %.6f, want %.6f (equate)", s, res.Yx[s], want[s])
				} else if d > c.tol {
					t.Errorf("x = %d: e_Y = %.10f, want %.10f (equate) within %g", s, res.Yx[s], want[s], c.tol)
				}
			}
			t.Logf("max |diff| = %.2g", maxd)
		})
	}
}

// Reference: equate's intercepts and slopes (kbneat_linear_coefficients.csv).
func TestKBneatCoefficients(t *testing.T) {
	x, y := kbneat(t)
	rows := readCSV(t, "kbneat_linear_coefficients.csv")
	methods := map[string]Method{"tucker": Tucker, "levine": LevineObserved, "chained": ChainedLinear}
	for _, r := range rows[1:] {
		res, err := Equate(x, y, methods[r[0]], Options{W2: ProportionalW2(x, y)})
		if err != nil {
			t.Fatal(err)
		}
		wi, ws := atof(t, r[1]), atof(t, r[2])
		if math.Abs(res.Intercept-wi) > 1e-9 || math.Abs(res.Slope-ws) > 1e-9 {
			t.Errorf("%s: intercept, slope = %.10f, %.10f, want %.10f, %.10f (equate)", r[0], res.Intercept, res.Slope, wi, ws)
		}
	}
}

// Reference: R equate 2.0.8.9000 random groups equating of ACT Mathematics
// (actmkb_random_groups_equating.csv); presmoothing is equate's
// loglinear(degrees = 6), i.e. raw powers x^1..x^6 fitted by glm.
// Tolerance 0.01 at every score (the brief's); tighter bounds: 1e-9 for the
// linear methods, 1e-6 for equipercentile (equate's rounding of percentile
// ranks, see TestKBneat) and 1e-5 after presmoothing (glm stops at a
// relative deviance change of 1e-8). Measured differences are logged.
func TestACTRandomGroups(t *testing.T) {
	x, y := actmkb(t)
	ref := refColumns(t, "actmkb_random_groups_equating.csv")
	for _, c := range []struct {
		col  string
		m    Method
		opts Options
		tol  float64
	}{
		{"mean", Mean, Options{}, 1e-9},
		{"linear", Linear, Options{}, 1e-9},
		{"equipercentile", Equipercentile, Options{}, 1e-6},
		{"equipercentile_loglinear_presmoothed", Equipercentile, Options{Smooth: Smoothing{Degree: 6}}, 1e-5},
	} {
		t.Run(c.col, func(t *testing.T) {
			res, err := Equate(x, y, c.m, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			var maxd float64
			for s, want := range ref[c.col] {
				d := math.Abs(res.Yx[s] - want)
				maxd = math.Max(maxd, d)
				if d > 0.01 {
					t.Errorf("x = %d: e_Y = %.6f, want %.6f (equate)", s, res.Yx[s], want)
				} else if d > c.tol {
					t.Errorf("x = %d: e_Y = %.10f, want %.10f (equate) within %g", s, res.Yx[s], want, c.tol)
				}
			}
			t.Logf("max |diff| = %.2g", maxd)
		})
	}
}
