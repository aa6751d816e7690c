package equate

import (
	"context"
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"
)

func readCSVFloats(t *testing.T, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for k, c := range r {
			row[k], _ = strconv.ParseFloat(c, 64)
		}
		out = append(out, row)
	}
	return out
}

// TestRandomGroupsEquatingACT reproduces Kolen & Brennan's random-groups
// ACT Mathematics example through RandomGroupsColumns: the reference is
// R equate's mean, linear, equipercentile and degree-6 presmoothed
// equipercentile equating (analysis/equate/testdata, see its README), to
// 0.01 at every score.
func TestRandomGroupsEquatingACT(t *testing.T) {
	freq := readCSVFloats(t, "testdata/actmkb_freq.csv")
	ref := readCSVFloats(t, "testdata/actmkb_random_groups_equating.csv")
	var xs, ys []int
	for _, r := range freq {
		for k := 0; k < int(r[1]); k++ {
			xs = append(xs, int(r[0]))
		}
		for k := 0; k < int(r[2]); k++ {
			ys = append(ys, int(r[0]))
		}
	}
	cols, err := RandomGroupsColumns(context.Background(), xs, ys, 40, 40, -1, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"mean": 1, "linear": 2, "equipercentile": 3, "equipercentile_loglinear6": 4}
	for _, c := range cols {
		k, ok := want[c.Name]
		if !ok {
			t.Errorf("unexpected column %s", c.Name)
			continue
		}
		for x, r := range ref {
			if math.Abs(c.Values[x]-r[k]) > 0.01 {
				t.Errorf("%s at %d: %.4f, want %.4f (R equate)", c.Name, x, c.Values[x], r[k])
			}
		}
		delete(want, c.Name)
	}
	if len(want) > 0 {
		t.Errorf("missing columns %v", want)
	}
}
