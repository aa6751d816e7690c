package irt

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// refCSVTable reads a reference CSV into its header and rows of cells.
func refCSVTable(t testing.TB, path string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs[0], recs[1:]
}

// refCSVFloat parses a cell; an empty cell is NaN.
func refCSVFloat(t testing.TB, s string) float64 {
	t.Helper()
	if s == "" || s == "NA" {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// refCSVColumn returns the column named name as floats.
func refCSVColumn(t testing.TB, header []string, rows [][]string, name string) []float64 {
	t.Helper()
	for c, h := range header {
		if h == name {
			out := make([]float64, len(rows))
			for i, row := range rows {
				out[i] = refCSVFloat(t, row[c])
			}
			return out
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return nil
}

// refCSVResponses reads a 0/1 data file (header of item names, empty cell =
// missing) into Responses.
func refCSVResponses(t testing.TB, path string) *Responses {
	t.Helper()
	header, rows := refCSVTable(t, path)
	r := NewResponses(len(rows), len(header))
	for i, row := range rows {
		for j, s := range row {
			switch s {
			case "0":
			case "1":
				r.X[i*r.J+j] = 1
			case "":
				r.X[i*r.J+j] = Missing
			default:
				t.Fatalf("%s row %d col %d: %q", path, i+2, j+1, s)
			}
		}
	}
	return r
}

// TestFitCMLMatchesERm compares FitCML with eRm 1.0.2's RM() (sum0) on four
// public data sets: testdata/ref/erm (see its README.md). Tolerances:
// difficulties 1e-4 (both fits converge far below that; eRm's nlm stops at a
// gradient of 1e-6; we see 4e-5), SEs 0.1 % relative (we see 4e-5; eRm's SEs come from nlm's
// finite-difference Hessian, ours from the exact information matrix), and
// the conditional log-likelihood 1e-4.
func TestFitCMLMatchesERm(t *testing.T) {
	dir := filepath.Join("testdata", "ref", "erm")
	sh, srows := refCSVTable(t, filepath.Join(dir, "eRm_CML_summary.csv"))
	lls := refCSVColumn(t, sh, srows, "conditional_logLik")
	for k, row := range srows {
		name := row[0]
		t.Run(name, func(t *testing.T) {
			r := refCSVResponses(t, filepath.Join(dir, name+".csv"))
			res, err := FitCML(t.Context(), r, CMLOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Converged || res.Method != "cml" {
				t.Errorf("converged %v, method %q", res.Converged, res.Method)
			}
			ih, irows := refCSVTable(t, filepath.Join(dir, name+"_eRm_CML_items.csv"))
			diff := refCSVColumn(t, ih, irows, "difficulty")
			se := refCSVColumn(t, ih, irows, "se")
			var maxB, maxSE float64
			for i := range diff {
				gotB := res.Items[i].B()
				maxB = math.Max(maxB, math.Abs(gotB-diff[i]))
				maxSE = math.Max(maxSE, math.Abs(res.SE[i].B/se[i]-1))
				if math.Abs(gotB-diff[i]) > 1e-4 {
					t.Errorf("item %d: b = %.6f, want %.6f (eRm)", i, gotB, diff[i])
				}
				if math.Abs(res.SE[i].B/se[i]-1) > 1e-3 {
					t.Errorf("item %d: se = %.6f, want %.6f (eRm)", i, res.SE[i].B, se[i])
				}
			}
			if math.Abs(res.LogLik-lls[k]) > 1e-4 {
				t.Errorf("conditional loglik = %.6f, want %.6f (eRm)", res.LogLik, lls[k])
			}
			t.Logf("max |Δb| = %.2g, max rel ΔSE = %.2g, ΔlogL = %.2g, %d iterations",
				maxB, maxSE, res.LogLik-lls[k], res.Iterations)
		})
	}
}

// TestFitCMLMissing checks the grouped treatment of missing responses: half
// the rows lack item 0 and a sixth also item 5, giving three presentation
// groups. At the estimate the conditional score equations hold (gradient
// zero), and the estimates recover the generating difficulties.
func TestFitCMLMissing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	L, N := 15, 4000
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(Rasch, 1, -2+4*float64(i)/float64(L-1), 0)
	}
	theta := make([]float64, N)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := Simulate(rng, items, theta)
	for i := N / 2; i < N; i++ {
		r.X[i*L] = Missing
		if i%3 == 0 {
			r.X[i*L+5] = Missing
		}
	}
	res, err := FitCML(t.Context(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// At the solution the gradient vanishes.
	tally, _ := raschTallyRows(t.Context(), r, nil, 1)
	if len(tally.groups) != 3 {
		t.Errorf("%d presentation groups, want 3", len(tally.groups))
	}
	p := newCMLProblem(tally, L)
	b := make([]float64, L)
	var sum float64
	for i := range b {
		b[i] = res.Items[i].B()
		sum += b[i]
	}
	if math.Abs(sum) > 1e-9 {
		t.Errorf("Σb = %g, want 0", sum)
	}
	_, grad, _ := p.evaluate(b, true, 1)
	for i, g := range grad {
		if math.Abs(g) > 1e-6 {
			t.Errorf("gradient[%d] = %g at the solution", i, g)
		}
	}
	// Close to the generating difficulties (centred): SE ≈ 0.04–0.06.
	want := make([]float64, L)
	for i := range want {
		want[i] = items[i].B()
	}
	raschCentre(want)
	for i := range b {
		if math.Abs(b[i]-want[i]) > 4*res.SE[i].B {
			t.Errorf("item %d: b = %.3f, want %.3f ± %.3f", i, b[i], want[i], 4*res.SE[i].B)
		}
	}
	// Workers do not change a single bit.
	res1, err := FitCML(t.Context(), r, CMLOptions{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		if res1.Items[i] != res.Items[i] || res1.SE[i] != res.SE[i] {
			t.Fatalf("item %d differs between 1 and default workers", i)
		}
	}
}

func TestFitCMLExtremes(t *testing.T) {
	r := refCSVResponses(t, filepath.Join("testdata", "ref", "erm", "lsat7.csv"))
	res, err := FitCML(t.Context(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var w *ExtremeScoresWarning
	for _, e := range res.Warnings {
		if ew, ok := e.(*ExtremeScoresWarning); ok {
			w = ew
		}
	}
	// LSAT7 (mirt's table): 12 candidates with all items wrong, 308 with all right.
	if w == nil || w.Zero != 12 || w.Perfect != 308 {
		t.Errorf("extreme-score warning %v, want 12 zero and 308 perfect", w)
	}
	// An item everyone answers correctly has no finite CML difficulty.
	r2 := &Responses{N: r.N, J: r.J, X: append([]uint8(nil), r.X...)}
	for i := 0; i < r2.N; i++ {
		r2.X[i*r2.J+2] = 1
	}
	_, err = FitCML(t.Context(), r2, CMLOptions{})
	var ee *ExtremeItemsError
	if !errors.As(err, &ee) || len(ee.AllCorrect) != 1 || ee.AllCorrect[0] != 2 {
		t.Errorf("err = %v, want an ExtremeItemsError for item 2", err)
	}
}

// TestFitCMLWeights fits LSAT7 as its 32 response patterns with frequency
// weights (testdata/ref/scoring/lsat7_mirt_pattern_scores.csv) and as the
// expanded 1000 rows: the estimates agree to rounding.
func TestFitCMLWeights(t *testing.T) {
	h, rows := refCSVTable(t, filepath.Join("testdata", "ref", "scoring", "lsat7_mirt_pattern_scores.csv"))
	freq := refCSVColumn(t, h, rows, "freq")
	pat := NewResponses(len(rows), 5)
	pat.Weights = freq
	for i, row := range rows {
		for j := 0; j < 5; j++ {
			if row[j] == "1" {
				pat.X[i*5+j] = 1
			}
		}
	}
	got, err := FitCML(t.Context(), pat, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := FitCML(t.Context(), refCSVResponses(t, filepath.Join("testdata", "ref", "erm", "lsat7.csv")), CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Items {
		if math.Abs(got.Items[i].D-want.Items[i].D) > 1e-12 || math.Abs(got.SE[i].B-want.SE[i].B) > 1e-12 {
			t.Errorf("item %d: weighted %+v (se %g), expanded %+v (se %g)", i, got.Items[i], got.SE[i].B, want.Items[i], want.SE[i].B)
		}
	}
	if got.N != 1000 || math.Abs(got.LogLik-want.LogLik) > 1e-9 {
		t.Errorf("weighted N %g, loglik %.10f; expanded loglik %.10f", got.N, got.LogLik, want.LogLik)
	}
}

// TestFitCML250Items recovers 250 difficulties spread over ±4 logits from
// 20 000 simulated candidates (θ ~ N(0, 2²)); the elementary symmetric
// functions span about 1e100 here and nothing overflows.
func TestFitCML250Items(t *testing.T) {
	if testing.Short() {
		t.Skip("parameter recovery")
	}
	rng := rand.New(rand.NewPCG(9, 10))
	L, N := 250, 20000
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(Rasch, 1, -4+8*float64(i)/float64(L-1), 0)
	}
	theta := make([]float64, N)
	for i := range theta {
		theta[i] = 2 * rng.NormFloat64()
	}
	r := Simulate(rng, items, theta)
	res, err := FitCML(t.Context(), r, CMLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ss, seMean float64
	for i, it := range res.Items {
		d := it.B() - items[i].B()
		ss += d * d
		seMean += res.SE[i].B / float64(L)
	}
	rmse := math.Sqrt(ss / float64(L))
	// SE(b) ≈ 0.02–0.06 here; an RMSE within 1.5× the mean SE shows no bias.
	if rmse > 1.5*seMean || !res.Converged {
		t.Errorf("RMSE(b) = %.4f, mean SE %.4f, converged %v", rmse, seMean, res.Converged)
	}
	t.Logf("RMSE(b) = %.4f, mean SE %.4f, %d iterations", rmse, seMean, res.Iterations)
}

func ExampleFitCML() {
	// Four response patterns with their frequencies: a frequency table is
	// fitted directly through Responses.Weights.
	r := &Responses{N: 4, J: 3, X: []uint8{
		1, 0, 0,
		0, 1, 0,
		1, 1, 0,
		1, 0, 1,
	}, Weights: []float64{30, 20, 25, 10}}
	res, err := FitCML(context.Background(), r, CMLOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, it := range res.Items {
		fmt.Printf("item %d: b = %6.3f (SE %.3f)\n", i+1, it.B(), res.SE[i].B)
	}
	fmt.Printf("conditional log-likelihood %.3f\n", res.LogLik)
	// Output:
	// item 1: b = -1.084 (SE 0.190)
	// item 2: b = -0.315 (SE 0.179)
	// item 3: b =  1.399 (SE 0.231)
	// conditional log-likelihood -62.525
}
