package ingest

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/itemlab/itemlab/analysis"
)

// Files as spreadsheet programs write them (issue 18).

func TestLoadClassicMacLineEnds(t *testing.T) {
	resp := "examinee_id,Q1,Q2,Q3\rc1,A,B,C\rc2,\"b\",,D\r\rc3,D,C,B\r"
	d, err := load(t, resp, itemsCSV)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || d.Candidates[2].ID != "c3" || d.Candidates[2].Line != 5 {
		t.Fatalf("N=%d candidates %+v", d.N, d.Candidates)
	}
	// Errors keep counting lines by CR.
	_, err = load(t, "examinee_id,Q1,Q2,Q3\rc1,A,B,C\rc2,A,E,C\r", itemsCSV)
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != 3 || pe.Column != 3 {
		t.Fatalf("error %v: want responses.csv:3:3", err)
	}
}

func utf16Bytes(s string, bigEndian bool) string {
	u := utf16.Encode([]rune("\ufeff" + s))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		if bigEndian {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return string(b)
}

func TestLoadUTF16(t *testing.T) {
	const resp = "examinee_id\tQ1\tQ2\tQ3\r\nRené\tA\tB\tC\r\nc2\tA\t\tD\r\n"
	for _, be := range []bool{false, true} {
		d, err := load(t, utf16Bytes(resp, be), utf16Bytes(itemsCSV, !be))
		if err != nil {
			t.Fatalf("big endian %v: %v", be, err)
		}
		if d.N != 2 || d.J != 3 || d.Candidates[0].ID != "René" || d.Raw[4] != analysis.Omit {
			t.Errorf("big endian %v: N=%d J=%d candidates %+v raw %v", be, d.N, d.J, d.Candidates, d.Raw)
		}
	}
}

func TestLoadDelimiters(t *testing.T) {
	const items = "item_id;key;domain;status\r\nQ1;A;D1;operational\r\nQ2;B;D1;operational\r\nQ3;C;D2;pretest\r\n"
	for name, resp := range map[string]string{
		"semicolon": "examinee_id;Q1;Q2;Q3\r\nc1;A;B;C\r\nc2;A;;D\r\n",
		"tab":       "examinee_id\tQ1\tQ2\tQ3\nc1\tA\tB\tC\nc2\tA\t\tD\n",
	} {
		t.Run(name, func(t *testing.T) {
			d, err := load(t, resp, items)
			if err != nil {
				t.Fatal(err)
			}
			if d.N != 2 || d.J != 3 || d.Raw[4] != analysis.Omit || d.Raw[5] != 3 {
				t.Errorf("N=%d J=%d raw %v", d.N, d.J, d.Raw)
			}
		})
	}
	// A delimiter not detected: the header is one column; --delimiter reads it.
	resp := "examinee_id|Q1|Q2|Q3\nc1|A|B|C\n"
	_, err := load(t, resp, itemsCSV)
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != 1 {
		t.Fatalf("error %v: want a ParseError at line 1", err)
	}
	if got, want := err.Error(), `responses.csv:1: the header has one column "examinee_id|Q1|Q2|Q3"; is it separated by '|'? give the delimiter with --delimiter`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	delim, err := ParseDelimiter("|")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(Source{Name: "r.csv", R: strings.NewReader(resp)}, &Source{Name: "i.csv", R: strings.NewReader(itemsCSV)}, Options{Delimiter: delim})
	if err != nil || d.N != 1 {
		t.Fatalf("--delimiter '|': %v", err)
	}
	for _, bad := range []string{`"`, "ab", "é"} {
		if _, err := ParseDelimiter(bad); err == nil {
			t.Errorf("ParseDelimiter(%q): no error", bad)
		}
	}
}

func TestLoadNearDuplicateHeaders(t *testing.T) {
	_, err := load(t, "examinee_id,Q1,Q2,Q3,q1\nc1,A,B,C,D\n", itemsCSV)
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != 1 || pe.Column != 5 {
		t.Fatalf("error %v: want responses.csv:1:5", err)
	}
	if got, want := err.Error(), `responses.csv:1:5: column 5 "q1" and column 2 "Q1" differ only in letter case or spaces: rename one (or delete the copy)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Without an items file Q1 and q1 would otherwise be two items.
	if _, err := load(t, "Q1,q1\n0,1\n", ""); !errors.As(err, &pe) || pe.Column != 2 {
		t.Errorf("0/1 matrix: error %v, want responses.csv:1:2", err)
	}
	items := "item_id,key,note,note \nQ1,A,x,y\nQ2,B,,\nQ3,C,,\n"
	_, err = load(t, "examinee_id,Q1,Q2,Q3\nc1,A,B,C\n", items)
	if !errors.As(err, &pe) || pe.File != "items.csv" || pe.Row != 1 || pe.Column != 4 {
		t.Fatalf("items file: error %v, want items.csv:1:4", err)
	}
	if got, want := err.Error(), `items.csv:1:4: column 4 "note " and column 3 "note" differ only in letter case or spaces: rename one (or delete the copy)`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	_, err = load(t, "examinee_id,Q1,Q2,Q3\nc1,A,B,C\n", "item_id,key,note,note\nQ1,A,x,y\nQ2,B,,\nQ3,C,,\n")
	if !errors.As(err, &pe) || pe.Column != 4 {
		t.Fatalf("items file, exact repeat: error %v, want items.csv:1:4", err)
	}
}

func TestLoadSummaryRows(t *testing.T) {
	const resp = "examinee_id,Q1,Q2,Q3\nc1,A,B,C\nc2,A,,D\nAverage,0.5,0.5,0.5\nTOTAL:,2,1,2\n"
	cases := map[string]string{
		"parallel":   resp,
		"sequential": strings.Replace(resp, "c1", `"c1"`, 1), // a quote: read row by row
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := load(t, resp, itemsCSV)
			var pe *analysis.ParseError
			if !errors.As(err, &pe) || pe.Row != 4 || pe.Column != 1 {
				t.Fatalf("error %v: want responses.csv:4:1", err)
			}
			if got, want := err.Error(), `responses.csv:4:1: row looks like a summary row ("Average"), not a candidate: delete it, or drop such rows with --skip-summary-rows`; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
			d, err := Load(Source{Name: "responses.csv", R: strings.NewReader(resp)}, &Source{Name: "items.csv", R: strings.NewReader(itemsCSV)}, Options{SkipSummaryRows: true})
			if err != nil {
				t.Fatal(err)
			}
			if d.N != 2 {
				t.Errorf("N = %d, want 2", d.N)
			}
			var msgs []string
			for _, w := range d.Warnings {
				if analysis.WarningCode(w) == "summary_rows" {
					msgs = append(msgs, w.Error())
				}
			}
			if want := `responses.csv: dropped 2 summary row(s), not candidates: line 4 ("Average"), line 5 ("TOTAL:")`; len(msgs) != 1 || msgs[0] != want {
				t.Errorf("warnings %q, want %q", msgs, want)
			}
		})
	}
	// A 0/1 matrix has no id column: the label is in the first cell.
	_, err := load(t, "Q1,Q2\n0,1\n1,1\nMean,0.5\n", "")
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || pe.Row != 4 || pe.Column != 1 {
		t.Fatalf("0/1 matrix: error %v, want responses.csv:4:1 (summary row)", err)
	}
	var se *summaryRowError
	if !errors.As(err, &se) {
		t.Errorf("0/1 matrix: error %v is not a summary row", err)
	}
}
