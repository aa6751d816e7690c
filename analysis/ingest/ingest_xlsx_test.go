package ingest

import (
	"bytes"
	"errors"
	"strings"
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

// xlsxWorkbook builds a workbook with a sheet per name (in order) and lets
// edit change it before it is written.
func xlsxWorkbook(t *testing.T, sheets []string, rows map[string][][]any, edit func(f *excelize.File)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for _, name := range sheets {
		f.NewSheet(name)
		for r, row := range rows[name] {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := f.SetSheetRow(name, cell, &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.DeleteSheet("Sheet1")
	if edit != nil {
		edit(f)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var xlsxItems = "item_id,key,domain,status\nQ1,A,D1,operational\nQ2,B,D1,operational\nQ3,C,D2,pretest\n"

func loadXLSX(t *testing.T, resp []byte, opts Options) error {
	t.Helper()
	_, err := Load(Source{Name: "r.xlsx", R: bytes.NewReader(resp)}, &Source{Name: "i.csv", R: strings.NewReader(xlsxItems)}, opts)
	return err
}

func TestLoadXLSXFormulasAndMerges(t *testing.T) {
	data := [][]any{
		{"examinee_id", "Q1", "Q2", "Q3"},
		{"c1", "A", "B", "C"},
		{"c2", "A", nil, "D"},
		{"c3", "D", "C", "B"},
	}
	// A formula without a saved value (excelize writes none).
	resp := xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": data}, func(f *excelize.File) {
		f.SetCellFormula("Responses", "C3", "CHAR(66)")
	})
	err := loadXLSX(t, resp, Options{})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Sheet != "Responses" || pe.Row != 3 || pe.Column != 3 {
		t.Fatalf("formula: error %v, want Responses!C3", err)
	}
	if got, want := err.Error(), `r.xlsx[Responses!C3]: cell holds the formula =CHAR(66) but no saved value: open the workbook in a spreadsheet program and save it (which calculates it), or replace the formula by its value`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Cells hidden by a merge read as blanks.
	resp = xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": data}, func(f *excelize.File) {
		f.MergeCell("Responses", "B4", "C4")
	})
	err = loadXLSX(t, resp, Options{})
	if !errors.As(err, &pe) || pe.Row != 4 || pe.Column != 3 {
		t.Fatalf("merge: error %v, want Responses!C4", err)
	}
	if got, want := err.Error(), `r.xlsx[Responses!C4]: cell is hidden by the merged cells B4:C4 (only their top-left cell holds a value): unmerge them and give every cell its own value`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A saved value is read as usual.
	resp = xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": data}, func(f *excelize.File) {
		f.SetCellFormula("Responses", "C3", "CHAR(66)")
		f.SetCellValue("Responses", "C3", "B")
	})
	if err := loadXLSX(t, resp, Options{}); err != nil {
		t.Errorf("formula with a value: %v", err)
	}
}

func TestLoadXLSXWrongSheetOrTitleRow(t *testing.T) {
	data := [][]any{
		{"examinee_id", "Q1", "Q2", "Q3"},
		{"c1", "A", "B", "C"},
	}
	instr := [][]any{{"How to fill in this workbook"}, {}, {"Put one candidate per row on the Responses sheet."}}
	resp := xlsxWorkbook(t, []string{"Instructions", "Responses"}, map[string][][]any{"Instructions": instr, "Responses": data}, nil)
	err := loadXLSX(t, resp, Options{})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Sheet != "Instructions" || pe.Row != 1 {
		t.Fatalf("instructions: error %v, want Instructions row 1", err)
	}
	if got, want := err.Error(), `r.xlsx[Instructions row 1]: sheet "Instructions" does not hold a table: row 1 holds one cell "How to fill in this workbook" and no row below it looks like a header; the workbook's sheets are "Instructions", "Responses": if the data are on another, choose it with --sheet (--items-sheet for the items file)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if err := loadXLSX(t, resp, Options{Sheet: "Responses"}); err != nil {
		t.Errorf("--sheet Responses: %v", err)
	}

	titled := append([][]any{{"Spring 2024 results"}, {}}, data...)
	resp = xlsxWorkbook(t, []string{"Responses"}, map[string][][]any{"Responses": titled}, func(f *excelize.File) {
		f.MergeCell("Responses", "A1", "D1")
	})
	err = loadXLSX(t, resp, Options{})
	if !errors.As(err, &pe) || pe.Row != 1 {
		t.Fatalf("title row: error %v, want row 1", err)
	}
	if got, want := err.Error(), `r.xlsx[Responses row 1]: row 1 holds one cell "Spring 2024 results", a title rather than a header; row 3 (examinee_id, Q1, Q2, Q3) looks like the header: delete the rows above it`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}

	// A first sheet with a table of something else: the header error lists the sheets.
	other := [][]any{{"name", "phone"}, {"kim", "555"}}
	resp = xlsxWorkbook(t, []string{"Contacts", "Responses"}, map[string][][]any{"Contacts": other, "Responses": data}, nil)
	err = loadXLSX(t, resp, Options{})
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `the workbook's sheets are "Contacts", "Responses"`) {
		t.Errorf("other table: error %v, want the sheets listed", err)
	}
}

func TestLoadXLSXOneColumnIsATable(t *testing.T) {
	resp := xlsxWorkbook(t, []string{"Scores", "Notes"}, map[string][][]any{
		"Scores": {{"Item 1"}, {"0"}, {"1"}},
		"Notes":  {{"anything"}},
	}, nil)
	d, err := Load(Source{Name: "r.xlsx", R: bytes.NewReader(resp)}, nil, Options{})
	if err != nil || d.N != 2 || d.J != 1 {
		t.Fatalf("one-item matrix: %v", err)
	}
}
