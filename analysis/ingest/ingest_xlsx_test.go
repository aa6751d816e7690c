package ingest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/itemlab/itemlab/analysis"

	"github.com/xuri/excelize/v2"
)

// xlsxBytes builds a workbook with one sheet of the given rows.
func xlsxBytes(t *testing.T, sheet string, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "Sheet1" {
		f.NewSheet(sheet)
		f.DeleteSheet("Sheet1")
	}
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadXLSX(t *testing.T) {
	resp := xlsxBytes(t, "Responses", [][]any{
		{"examinee_id", "Q1", "Q2", "Q3"},
		{"c1", "A", "B", "C"},
		{"c2", "A", nil, nil}, // trailing empty cells are dropped by the format
		{},
		{"c3", "D", "B", "A"},
	})
	items := xlsxBytes(t, "Sheet1", [][]any{
		{"item_id", "key", "domain", "status", "writer"},
		{"Q1", "A", "D1", "operational", "kim"},
		{"Q2", "B", "D1", "operational", "lee"},
		{"Q3", "C", "D2", "pretest", "=1+1"},
	})
	d, err := Load(Source{Name: "r.xlsx", R: bytes.NewReader(resp)}, &Source{Name: "i.xlsx", R: bytes.NewReader(items)}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.J != 3 || d.Candidates[2].ID != "c3" || d.Candidates[2].Line != 5 {
		t.Fatalf("N=%d J=%d candidates %+v", d.N, d.J, d.Candidates)
	}
	if d.Raw[4] != analysis.Omit || d.Scored[0] != 1 || d.Scored[6] != 0 {
		t.Errorf("raw %v scored %v", d.Raw, d.Scored)
	}
	if d.Items[2].Meta[0] != (analysis.KV{Key: "writer", Value: "=1+1"}) {
		t.Errorf("metadata %+v", d.Items[2].Meta)
	}

	bad := xlsxBytes(t, "Responses", [][]any{
		{"examinee_id", "Q1", "Q2", "Q3"},
		{"c1", "A", "B", "C"},
		{"c2", "A", "Z", "C"},
	})
	_, err = Load(Source{Name: "r.xlsx", R: bytes.NewReader(bad)}, &Source{Name: "i.xlsx", R: bytes.NewReader(items)}, Options{})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Sheet != "Responses" || pe.Row != 3 || pe.Column != 3 || pe.Item != "Q2" {
		t.Fatalf("error %v: want Responses!C3, item Q2", err)
	}
	if got, want := err.Error(), `r.xlsx[Responses!C3] (item "Q2"): invalid response "Z": want one of A, B, C, D or blank (declare other codes in the items file's options column or with --options)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	_, err = Load(Source{Name: "r.xlsx", R: bytes.NewReader(resp)}, nil, Options{Sheet: "Nope"})
	if !errors.As(err, &pe) {
		t.Fatalf("missing sheet: %v", err)
	}
	_, err = Load(Source{Name: "r.xlsx", R: bytes.NewReader([]byte("not a zip"))}, nil, Options{})
	if !errors.As(err, &pe) {
		t.Fatalf("not a workbook: %v", err)
	}
}
