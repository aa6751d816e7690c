// Package reftest reads the reference data sets and reference results of
// testdata/ref (see its README.md for their origin) for the tests of several
// packages. It is not for use outside tests.
package reftest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// Path is the path of a file of testdata/ref, found from the working
// directory upwards (tests run in their package's folder).
func Path(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "ref", name)
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("reftest: no go.mod above the working directory")
		}
		dir = up
	}
}

// ReadCSV reads a small CSV file of the module's testdata/ref into its header and rows.
func ReadCSV(t testing.TB, name string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs[0], recs[1:]
}

// ReadScored reads a 0/1 matrix with a header of item names (blank =
// omit) into a dataset of operational items.
func ReadScored(t testing.TB, name string) *analysis.Dataset {
	t.Helper()
	hdr, rows := ReadCSV(t, name)
	x := make([]uint8, 0, len(rows)*len(hdr))
	for _, r := range rows {
		for _, v := range r {
			switch v {
			case "0":
				x = append(x, 0)
			case "1":
				x = append(x, 1)
			case "":
				x = append(x, irt.Missing)
			default:
				t.Fatalf("%s: bad cell %q", name, v)
			}
		}
	}
	return analysis.FromScored(hdr, len(rows), x)
}

// Parse reads a number of a reference file.
func Parse(t testing.TB, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Column is the index of the column name in hdr.
func Column(t testing.TB, hdr []string, name string) int {
	t.Helper()
	for i, h := range hdr {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, hdr)
	return -1
}
