package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"
)

// diagonalLong is a long-format file in which candidate k answers only item
// k: n responses that imply an n × n matrix.
func diagonalLong(n int) string {
	var b strings.Builder
	b.WriteString("examinee_id,item_id,response\n")
	for k := range n {
		fmt.Fprintf(&b, "C%06d,I%06d,1\n", k, k)
	}
	return b.String()
}

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// A 530 KB long-format file of 30,000 responses, each candidate answering
// a different item, implies 9×10⁸ cells: before the bound it allocated
// 4.5 GB (one byte per cell plus a 4-byte line per cell for duplicates).
// Now it is refused, naming what the file claims, with memory of the order
// of the responses.
func TestLongFormatBoundedMemory(t *testing.T) {
	resp := diagonalLong(30000)
	var err error
	got := allocated(func() {
		_, err = Load(Source{Name: "long.csv", R: strings.NewReader(resp)}, nil, Options{})
	})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *ParseError", err)
	}
	for _, want := range []string{"30000 candidates", "30000 items", "30000 responses", "900000000 cells", "--max-cells 900000000", "data.max_cells"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The responses, the candidates' and items' ids and maps: a few MB per
	// 10,000 responses; 64 MB is far below the 900 MB matrix.
	if got > 64<<20 {
		t.Errorf("allocated %d MB reading a %d KB file, want ≤ 64 MB", got>>20, len(resp)>>10)
	}
}

// The limit applies to the matrix a file implies, not to files that fill it:
// a sparse design within DenseFactor × the responses is read, and MaxCells
// raises (or lowers) the bound.
func TestLongFormatMaxCells(t *testing.T) {
	read := func(resp string, maxCells int64) (*analysis.Dataset, error) {
		return Load(Source{Name: "long.csv", R: strings.NewReader(resp)}, nil, Options{MaxCells: maxCells})
	}
	// 3,000 × 3,000 = 9×10⁶ cells ≤ DefaultMaxCells: read.
	d, err := read(diagonalLong(3000), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3000 || d.J != 3000 || d.Raw[3001] != 1 || d.Raw[1] != analysis.Omit {
		t.Errorf("N, J = %d, %d; Raw[3001], Raw[1] = %d, %d", d.N, d.J, d.Raw[3001], d.Raw[1])
	}
	// An explicit limit below the matrix refuses it, one above reads it.
	if _, err := read(diagonalLong(3000), 1000000); err == nil || !strings.Contains(err.Error(), "limit of 1000000 cells") {
		t.Errorf("MaxCells 10⁶: err = %v, want the limit named", err)
	}
	if _, err := read(diagonalLong(9000), 81000000); err != nil {
		t.Errorf("MaxCells 8.1×10⁷: %v", err)
	}
	if _, err := read(diagonalLong(9000), 0); err == nil {
		t.Error("9,000 × 9,000 diagonal: no error with the default bound")
	}
}

// Duplicates are found by sorting the responses; the error names the repeat
// that comes first in the file and the line of the first response.
func TestLongFormatDuplicateOrder(t *testing.T) {
	resp := "examinee_id,item_id,response\nb,Q2,1\na,Q1,1\na,Q1,0\nb,Q2,0\nb,Q2,1\n"
	_, err := Load(Source{Name: "long.csv", R: strings.NewReader(resp)}, nil, Options{})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != 4 || pe.Item != "Q1" || !strings.Contains(err.Error(), "first on line 3") {
		t.Fatalf("err = %v, want line 4, item Q1, first on line 3", err)
	}
}

// A cancelled context stops a read row by row (a long-format file, a quoted
// CSV, a worksheet) within 1,024 rows.
func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var quoted strings.Builder
	quoted.WriteString("id,Q1\n")
	for k := range 3000 {
		fmt.Fprintf(&quoted, "\"c%d\",1\n", k)
	}
	rows := [][]any{{"id", "Q1"}}
	for k := range 3000 {
		rows = append(rows, []any{fmt.Sprintf("c%d", k), 1})
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"long.csv", []byte(diagonalLong(3000))},
		{"quoted.csv", []byte(quoted.String())},
		{"sheet.xlsx", xlsxWorkbook(t, []string{"R"}, map[string][][]any{"R": rows}, nil)},
	} {
		_, err := Load(Source{Name: c.name, R: bytes.NewReader(c.data)}, nil, Options{Context: ctx})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", c.name, err)
		}
	}
}
