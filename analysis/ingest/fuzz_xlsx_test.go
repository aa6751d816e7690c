package ingest

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// FuzzReadXLSX feeds the XLSX reader. An input that is a zip (it starts
// with "PK") is read as a workbook as it is; any other input is a table —
// lines of comma-separated cells, a cell starting with "=" a formula
// without a saved value, a cell "[m]" merged with the next — written into
// a workbook by excelize first, so that the fuzzer explores the cells and
// not only the zip's checksums. Load must not panic, every error must be a
// *ParseError, a dataset must be consistent, and no temporary file may be
// left behind.
func FuzzReadXLSX(f *testing.F) {
	for _, s := range []string{
		"examinee_id,Q1,Q2,Q3\nc1,A,B,C\nc2,A,,D\n",
		"Responses of 2026\n\nexaminee_id,Q1,Q2,Q3\nc1,A,B,C\n",
		"examinee_id,Q1,Q2,Q3\nc1,A,=CHAR(66),C\n",
		"examinee_id,Q1,Q2,Q3\nc1,[m],B,C\nc2,A,B,C\n",
		"id,Q1,q1\nx,1,0\n",
		"examinee_id,item_id,response\nc1,Q1,A\nc1,Q1,B\n",
		"Q1,Q2\n1,0\n0,1\nAverage,0.5,0.5\n",
	} {
		f.Add([]byte(s))
		if b, err := tableWorkbook(s); err == nil {
			f.Add(b)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		t.Setenv("TMPDIR", dir)
		wb := in
		if !bytes.HasPrefix(in, []byte("PK")) {
			var err error
			if wb, err = tableWorkbook(string(in)); err != nil {
				return // not a table excelize can write
			}
		}
		var items *Source
		if len(in)%2 == 0 {
			items = &Source{Name: "items.csv", R: strings.NewReader(itemsCSV)}
		}
		d, err := Load(Source{Name: "r.xlsx", R: bytes.NewReader(wb)}, items, Options{MaxProblems: len(in) % 3, MaxRows: 5000})
		checkLoaded(t, d, err)
		if left, _ := os.ReadDir(dir); len(left) > 0 {
			t.Fatalf("left behind: %s", left[0].Name())
		}
	})
}

// tableWorkbook writes a table of comma-separated lines into a workbook
// (see FuzzReadXLSX).
func tableWorkbook(s string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	lines := strings.Split(s, "\n")
	if len(lines) > 200 {
		lines = lines[:200]
	}
	for r, line := range lines {
		cells := strings.Split(line, ",")
		if len(cells) > 100 {
			cells = cells[:100]
		}
		for c, v := range cells {
			name, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				return nil, err
			}
			switch {
			case strings.HasPrefix(v, "=") && len(v) > 1:
				err = f.SetCellFormula("Sheet1", name, v[1:])
			case v == "[m]":
				next, _ := excelize.CoordinatesToCellName(c+2, r+1)
				err = f.MergeCell("Sheet1", name, next)
			default:
				err = f.SetCellStr("Sheet1", name, v)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
