package irt

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// readScoredCSVForTest reads a 0/1 matrix with a header of item names; an
// empty field is Missing.
func readScoredCSVForTest(t testing.TB, path string) *Responses {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	J := len(recs[0])
	r := NewResponses(len(recs)-1, J)
	for i, rec := range recs[1:] {
		for j, s := range rec {
			switch s {
			case "0":
			case "1":
				r.X[i*J+j] = 1
			case "", "NA":
				r.X[i*J+j] = Missing
			default:
				t.Fatalf("%s:%d:%d: %q is not 0, 1 or empty", path, i+2, j+1, s)
			}
		}
	}
	return r
}

// mirtItemForTest is a row of a <dataset>_mirt_<model>_items.csv file.
type mirtItemForTest struct {
	Name                       string
	A1, A1SE, D, DSE, LG, LGSE float64
	A, ASE, B, BSE, G, GSE     float64
}

func readMirtItemsForTest(t testing.TB, path string) []mirtItemForTest {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	num := func(s string) float64 {
		if s == "" || s == "NA" {
			return math.NaN()
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return v
	}
	var out []mirtItemForTest
	for _, r := range recs[1:] {
		out = append(out, mirtItemForTest{Name: r[0],
			A1: num(r[1]), A1SE: num(r[2]), D: num(r[3]), DSE: num(r[4]), LG: num(r[5]), LGSE: num(r[6]),
			A: num(r[7]), ASE: num(r[8]), B: num(r[9]), BSE: num(r[10]), G: num(r[11]), GSE: num(r[12])})
	}
	return out
}

// mirtSummaryForTest is a row of mirt_fit_summary.csv.
type mirtSummaryForTest struct {
	LogLik, AIC, BIC       float64
	NPars, Iter            int
	Converged              bool
	LatentVar, LatentVarSE float64
}

func readMirtSummaryForTest(t testing.TB) map[string]mirtSummaryForTest {
	t.Helper()
	path := filepath.Join("testdata", "ref", "mirt_fit_summary.csv")
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	col := map[string]int{}
	for k, h := range recs[0] {
		col[h] = k
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return math.NaN()
		}
		return v
	}
	out := map[string]mirtSummaryForTest{}
	for _, r := range recs[1:] {
		out[r[col["dataset"]]+"/"+r[col["model"]]] = mirtSummaryForTest{
			LogLik: num(r[col["logLik"]]), AIC: num(r[col["AIC"]]), BIC: num(r[col["BIC"]]),
			NPars: int(num(r[col["npars"]])), Iter: int(num(r[col["em_iterations"]])),
			Converged: r[col["converged"]] == "TRUE",
			LatentVar: num(r[col["latent_var"]]), LatentVarSE: num(r[col["latent_var_se"]]),
		}
	}
	return out
}
