package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"

	"github.com/itemlab/itemlab/irt"
)

const itemsCSV = "item_id,key,domain,status\nQ1,A,D1,operational\nQ2,B,D1,operational\nQ3,C,D2,pretest\n"

func load(t *testing.T, resp, items string) (*analysis.Dataset, error) {
	t.Helper()
	var is *Source
	if items != "" {
		is = &Source{Name: "items.csv", R: strings.NewReader(items)}
	}
	return Load(Source{Name: "responses.csv", R: strings.NewReader(resp)}, is, Options{})
}

func TestLoadWide(t *testing.T) {
	resp := "\xef\xbb\xbfexaminee_id,group,Q1,Q2,Q3\r\n" +
		"c1,F,A,B,C\r\n" +
		"\"c2\",M,b,,D\r\n" +
		"c3,M,,,\r\n" +
		"\r\n,,,,\r\n"
	d, err := load(t, resp, itemsCSV)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.J != 3 {
		t.Fatalf("N, J = %d, %d, want 3, 3", d.N, d.J)
	}
	if got := d.Candidates[1]; got.ID != "c2" || got.Group != "M" || got.Line != 3 {
		t.Errorf("candidate 2 = %+v", got)
	}
	wantRaw := []uint8{0, 1, 2, 1, analysis.Omit, 3, analysis.Omit, analysis.Omit, analysis.Omit}
	wantScored := []uint8{1, 1, 1, 0, irt.Missing, 0, irt.Missing, irt.Missing, irt.Missing}
	for k := range wantRaw {
		if d.Raw[k] != wantRaw[k] || d.Scored[k] != wantScored[k] {
			t.Errorf("cell %d: raw %d scored %d, want %d %d", k, d.Raw[k], d.Scored[k], wantRaw[k], wantScored[k])
		}
	}
	if got := d.RawScores(d.ItemsWithStatus(analysis.Operational)); got[0] != 2 || got[1] != 0 || got[2] != 0 {
		t.Errorf("operational raw scores = %v, want [2 0 0]", got)
	}
	var codes []string
	for _, w := range d.Warnings {
		codes = append(codes, analysis.WarningCode(w))
	}
	if strings.Join(codes, " ") != "all_omitted" {
		t.Errorf("warnings = %v, want [all_omitted]", codes)
	}
}

func TestLoadScoredMatrixWithoutItemsFile(t *testing.T) {
	d, err := load(t, "Item.1,Item.2\n0,1\n1,1\n1,\n", "")
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.J != 2 || !d.PreScored || d.Candidates[2].ID != "3" {
		t.Fatalf("got N=%d J=%d prescored=%v", d.N, d.J, d.PreScored)
	}
	if d.Scored[5] != irt.Missing || d.Scored[3] != 1 {
		t.Errorf("scored = %v", d.Scored)
	}
	// Item.2 is answered correctly by all who answered: not zero variance,
	// since an omit counts as wrong.
	for _, w := range d.Warnings {
		t.Errorf("unexpected warning %s", w.Error())
	}
}

func TestLoadLong(t *testing.T) {
	resp := "examinee_id,item_id,response\nc1,Q1,A\nc1,Q3,C\nc2,Q2,B\n"
	d, err := load(t, resp, itemsCSV)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 2 || d.J != 3 {
		t.Fatalf("N, J = %d, %d", d.N, d.J)
	}
	want := []uint8{1, irt.Missing, 1, irt.Missing, 1, irt.Missing}
	for k := range want {
		if d.Scored[k] != want[k] {
			t.Errorf("scored[%d] = %d, want %d", k, d.Scored[k], want[k])
		}
	}
}

func TestLoadMultipleKeysAndOptions(t *testing.T) {
	items := "item_id,key,options,status\nQ1,A|C,ABCDE,operational\nQ2,2,1234,pretest\n"
	d, err := load(t, "id,Q1,Q2\nx,C,2\ny,E,4\n", items)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Items[0].KeyString(); got != "A|C" {
		t.Errorf("key = %q", got)
	}
	if d.Scored[0] != 1 || d.Scored[1] != 1 || d.Scored[2] != 0 || d.Scored[3] != 0 {
		t.Errorf("scored = %v", d.Scored)
	}
}

func TestNotReached(t *testing.T) {
	d, err := Load(Source{Name: "r.csv", R: strings.NewReader("id,Q1,Q2,Q3\nx,A,,\ny,,B,\nz,,,\n")},
		&Source{Name: "items.csv", R: strings.NewReader(itemsCSV)}, Options{NotReached: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, analysis.NotReached, analysis.NotReached, analysis.Omit, 1, analysis.NotReached, analysis.Omit, analysis.Omit, analysis.Omit}
	for k := range want {
		if d.Raw[k] != want[k] {
			t.Errorf("raw[%d] = %d, want %d", k, d.Raw[k], want[k])
		}
	}
	r := d.Responses([]int{0, 1, 2}, analysis.OmitWrong)
	if r.X[1] != irt.Missing || r.X[3] != 0 {
		t.Errorf("responses = %v: not-reached must be missing, omits wrong", r.X)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, resp, items string
		row, col          int
		item, msg         string
		is                error
	}{
		{name: "ragged row", resp: "id,Q1,Q2,Q3\nx,A,B,C\ny,A,B\n", items: itemsCSV, row: 3, msg: "ragged"},
		{name: "duplicate candidate", resp: "id,Q1,Q2,Q3\nx,A,B,C\nx,A,B,C\n", items: itemsCSV, row: 3, col: 1, msg: "duplicate candidate id"},
		{name: "duplicate item in items file", resp: "id,Q1\nx,A\n", items: "item_id,key\nQ1,A\nQ1,B\n", row: 3, col: 1, item: "Q1", msg: "duplicate item id"},
		{name: "duplicate item in header", resp: "id,Q1,Q1\nx,A,B\n", items: "item_id,key\nQ1,A\n", row: 1, col: 3, item: "Q1", msg: "duplicate item id"},
		{name: "item not in items file", resp: "id,Q1,Q2,Q3,Q9\nx,A,B,C,D\n", items: itemsCSV, row: 1, col: 5, item: "Q9", msg: "not an item of the items file"},
		{name: "item missing from responses", resp: "id,Q1,Q2\nx,A,B\n", items: itemsCSV, row: 1, item: "Q3", msg: "no column"},
		{name: "invalid code", resp: "id,Q1,Q2,Q3\nx,A,B,C\ny,A,E,C\n", items: itemsCSV, row: 3, col: 3, item: "Q2", msg: `invalid response "E"`},
		{name: "key not an option", resp: "id,Q1\nx,A\n", items: "item_id,key,options\nQ1,E,ABCD\n", row: 2, col: 2, item: "Q1", msg: "not one of the item's options"},
		{name: "unknown status", resp: "id,Q1\nx,A\n", items: "item_id,key,status\nQ1,A,scored-ish\n", row: 2, col: 3, item: "Q1", msg: "unknown status"},
		{name: "empty responses", resp: "", items: itemsCSV, is: analysis.ErrEmptyFile},
		{name: "blank responses", resp: "\n\n  \n", items: itemsCSV, is: analysis.ErrEmptyFile},
		{name: "header only", resp: "id,Q1,Q2,Q3\n", items: itemsCSV, is: analysis.ErrHeaderOnly},
		{name: "empty items", resp: "id,Q1\nx,A\n", items: "\xef\xbb\xbf", is: analysis.ErrEmptyFile},
		{name: "items header only", resp: "id,Q1\nx,A\n", items: "item_id,key\n", is: analysis.ErrHeaderOnly},
		{name: "non-UTF-8", resp: "id,Q1,Q2,Q3\nx\xff,A,B,C\n", items: itemsCSV, row: 2, col: 1, is: analysis.ErrInvalidUTF8},
		{name: "scored data, bad code", resp: "I1,I2\n0,1\n2,1\n", row: 3, col: 1, item: "I1", msg: "want 0, 1 or blank"},
		{name: "empty id", resp: "id,Q1,Q2,Q3\n,A,B,C\n", items: itemsCSV, row: 2, col: 1, msg: "empty candidate id"},
		{name: "long duplicate", resp: "examinee_id,item_id,response\nx,Q1,A\nx,Q1,B\n", items: itemsCSV, row: 3, item: "Q1", msg: "duplicate response"},
		{name: "bad anchor", resp: "id,Q1\nx,A\n", items: "item_id,key,anchor\nQ1,A,maybe\n", row: 2, col: 3, msg: "not a boolean"},
		{name: "bad fixed b", resp: "id,Q1\nx,A\n", items: "item_id,key,a,b\nQ1,A,1,hard\n", row: 2, col: 4, msg: "not a number"},
		{name: "quote error", resp: "id,Q1\nx,\"A\n", items: "item_id,key\nQ1,A\n", row: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.resp, tc.items)
			if err == nil {
				t.Fatal("no error")
			}
			var pe *analysis.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if tc.row != 0 && pe.Row != tc.row {
				t.Errorf("row = %d, want %d (%v)", pe.Row, tc.row, err)
			}
			if tc.col != 0 && pe.Column != tc.col {
				t.Errorf("column = %d, want %d (%v)", pe.Column, tc.col, err)
			}
			if tc.item != "" && pe.Item != tc.item {
				t.Errorf("item = %q, want %q (%v)", pe.Item, tc.item, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not mention %q", err, tc.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestParseErrorFormat(t *testing.T) {
	e := &analysis.ParseError{File: "responses.csv", Row: 14, Column: 7, Item: "Q7", Err: errors.New(`invalid response "E"`)}
	if got, want := e.Error(), `responses.csv:14:7 (item "Q7"): invalid response "E"`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = &analysis.ParseError{File: "r.xlsx", Sheet: "Data", Row: 14, Column: 28, Err: errors.New("x")}
	if got, want := e.Error(), `r.xlsx[Data!AB14]: x`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
