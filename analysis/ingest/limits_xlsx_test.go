package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"
	"github.com/xuri/excelize/v2"
)

var limitData = [][]any{
	{"examinee_id", "Q1", "Q2", "Q3"},
	{"c1", "A", "B", "C"},
	{"c2", "A", nil, "D"},
	{"c3", "D", "C", "B"},
}

// A workbook with one blank cell at the last row Excel allows claims
// 1,048,576 rows: it is refused at row DefaultMaxRows+1, naming the limit
// and the flag that raises it (before, it was read to the end: 56 s and
// 7 GB with a blank cell in every row). A sheet within the limit is read.
func TestXLSXRowLimit(t *testing.T) {
	resp := streamWorkbook(t, limitData, 1048576)
	err := loadXLSX(t, resp, Options{})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != DefaultMaxRows+1 {
		t.Fatalf("err = %v, want a ParseError at row %d", err, DefaultMaxRows+1)
	}
	for _, want := range []string{"runs beyond row 200000", "--max-rows 1048576", "data.max_rows", "CSV"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	resp = streamWorkbook(t, limitData, 5000)
	if err := loadXLSX(t, resp, Options{MaxRows: 4999}); err == nil {
		t.Error("a sheet to row 5000 under MaxRows 4999: no error")
	}
	if err := loadXLSX(t, resp, Options{MaxRows: 5000}); err != nil {
		t.Errorf("MaxRows 5000: %v", err)
	}
	if err := loadXLSX(t, resp, Options{MaxRows: 3}); err == nil || !strings.Contains(err.Error(), "beyond row 3") {
		t.Errorf("MaxRows 3: err = %v, want the header and 2 rows only", err)
	}
}

// streamWorkbook writes rows into sheet "Responses" and a cell holding one
// space in column A of row last: the sheet then runs to that row. (excelize's
// SetCellValue would write every row above it.)
func streamWorkbook(t *testing.T, rows [][]any, last int) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Responses")
	sw, err := f.NewStreamWriter("Responses")
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", last), []any{" "}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A sheet whose dimension claims more rows than the limit is refused before
// any row is read.
func TestXLSXDimensionClaim(t *testing.T) {
	resp := xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": limitData}, func(f *excelize.File) {
		if err := f.SetSheetDimension("Responses", "A1:D1048576"); err != nil {
			t.Fatal(err)
		}
	})
	err := loadXLSX(t, resp, Options{})
	if err == nil || !strings.Contains(err.Error(), "runs to row 1048576 (its dimension is A1:D1048576)") || !strings.Contains(err.Error(), "--max-rows 1048576") {
		t.Fatalf("err = %v, want the dimension named", err)
	}
}

// A sheet of many rows with a formula and a merge is read as a stream:
// before, asking excelize for each blank cell's formula (and for the merged
// cells) loaded the whole sheet (7 GB and 56 s for a million rows of 11
// cells); now memory stays a small multiple of the workbook.
func TestXLSXStreamsLargeSheet(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	sw.SetRow("A1", []any{"examinee_id", "Q1", "Q2", "Q3"})
	const n = 20000
	for r := 2; r <= n+1; r++ {
		sw.SetRow(fmt.Sprintf("A%d", r), []any{fmt.Sprintf("c%d", r), "A", nil, "C"})
	}
	sw.MergeCell("E2", "F3") // beyond the table: harmless
	sw.Flush()
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	var d *analysis.Dataset
	got := allocated(func() {
		d, err = Load(Source{Name: "r.xlsx", R: bytes.NewReader(b.Bytes())}, &Source{Name: "i.csv", R: strings.NewReader(xlsxItems)}, Options{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != n {
		t.Errorf("N = %d, want %d", d.N, n)
	}
	// Streaming allocates about 6.7 KB a row (excelize's decoder, the
	// candidates); asking for each blank cell's formula allocated 13.7 KB.
	if perRow := got / n; perRow > 10000 {
		t.Errorf("allocated %d bytes a row (%d MB in all), want ≤ 10000", perRow, got>>20)
	}
}

// excelize's temporary files (a worksheet over its size limit is unpacked
// to one) are removed on every path: a read that succeeds, a bad cell found
// by the reader, a bad response found by the loader, a row limit.
func TestXLSXTemporaryFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	defer func(v int64) { unzipXMLSizeLimit = v }(unzipXMLSizeLimit)
	unzipXMLSizeLimit = 1 // every sheet goes to a temporary file
	bad := [][]any{{"examinee_id", "Q1", "Q2", "Q3"}, {"c1", "A", "E", "C"}}
	ragged := [][]any{{"examinee_id", "Q1", "Q2", "Q3"}, {"c1", "A", "B", "C", "extra"}}
	long := [][]any{{"examinee_id", "Q1", "Q2", "Q3"}}
	for k := range 2000 {
		long = append(long, []any{fmt.Sprintf("c%d", k), "A", "B", "C"})
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		rows [][]any
		opts Options
		ok   bool
	}{
		{"ok", limitData, Options{}, true},
		{"bad response", bad, Options{}, false},
		{"ragged row", ragged, Options{}, false},
		{"row limit", limitData, Options{MaxRows: 2}, false},
		{"cancelled", long, Options{Context: cancelled}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp := xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": c.rows}, nil)
			err := loadXLSX(t, resp, c.opts)
			if (err == nil) != c.ok {
				t.Fatalf("err = %v", err)
			}
			left, _ := os.ReadDir(dir)
			for _, e := range left {
				t.Errorf("left behind: %s", e.Name())
			}
		})
	}
}

// With MaxProblems a worksheet is read on after a bad row: every bad cell
// and ragged row is listed, in sheet order, and the count beyond the limit.
func TestXLSXProblems(t *testing.T) {
	rows := [][]any{
		{"examinee_id", "Q1", "Q2", "Q3"},
		{"c1", "E", "B", "F"},
		{"c2", "A", "B", "C", "extra"},
		{"c3", "A", "G", "C"},
	}
	resp := xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": rows}, nil)
	err := loadXLSX(t, resp, Options{MaxProblems: 3})
	var pl *ProblemsError
	if !errors.As(err, &pl) {
		t.Fatalf("err = %v, want a *ProblemsError", err)
	}
	var got []string
	for _, p := range pl.Problems {
		got = append(got, fmt.Sprintf("%d:%d %s", p.Row, p.Column, Kind(p)))
	}
	if want := "2:2 invalid response|2:4 invalid response|3:5 ragged row"; strings.Join(got, "|") != want || pl.More != 1 {
		t.Errorf("problems %q, %d more; want %q, 1 more", strings.Join(got, "|"), pl.More, want)
	}
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != 2 {
		t.Errorf("errors.As finds %v, want the first problem", pe)
	}
}
