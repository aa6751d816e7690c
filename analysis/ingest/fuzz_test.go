package ingest

import (
	"errors"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"
)

// FuzzReadResponses feeds arbitrary bytes as a responses file, with and
// without an items file: Load must never panic, every error must be a
// *ParseError, and a dataset it returns must be consistent.
func FuzzReadResponses(f *testing.F) {
	seeds := []string{
		"examinee_id,group,Q1,Q2,Q3\nc1,F,A,B,C\nc2,M,b,,D\n",
		"\xef\xbb\xbfid,Q1,Q2,Q3\r\nx,\"A\",B,C\r\n\r\n",
		"Item.1,Item.2\n0,1\n1,\n",
		"examinee_id,item_id,response\nc1,Q1,A\nc1,Q3,C\n",
		"id\tQ1\tQ2\tQ3\nx\tA\tB\tC\n",
		"id,Q1,Q2,Q3\nx,\"A\nB\",C,D\n",
		"id,Q1\n\"x\"\"y\",A\n",
		"id,Q1,Q2,Q3\rx,A,B,C\r\ry,\"B\",,D\r",
		"id;Q1;Q2;Q3\nx;A;B;C\nTotal;1;1;1\n",
		"\xff\xfei\x00d\x00,\x00Q\x001\x00\n\x00x\x00,\x00A\x00\n\x00",
		"\xfe\xff\x00i\x00d\x00,\x00Q\x001\x00\n\x00x\x00,\x00A\x00\n",
		"id,Q1,q1 \nx,A,B\n",
	}
	for _, s := range seeds {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, resp string, withItems bool) {
		var items *Source
		if withItems {
			items = &Source{Name: "items.csv", R: strings.NewReader(itemsCSV)}
		}
		d, err := Load(Source{Name: "responses.csv", R: strings.NewReader(resp)}, items, Options{NotReached: len(resp)%2 == 0})
		checkLoaded(t, d, err)
	})
}

// FuzzReadItems feeds arbitrary bytes as an items file.
func FuzzReadItems(f *testing.F) {
	seeds := []string{
		itemsCSV,
		"item_id,key,options,status,anchor,a,b,c,writer\nQ1,A|C,ABCDE,operational,yes,1.2,0.5,0.2,kim\nQ2,,,pretest,no,,,,\n",
		"item,answer\nQ1,1\nQ2,2\nQ3,3\n",
		"item_id,key\n\"Q1\",\"A\"\r\n",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, items string) {
		its, err := ReadItems(Source{Name: "items.csv", R: strings.NewReader(items)}, ItemsOptions{})
		if err != nil {
			var pe *analysis.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			return
		}
		for _, it := range its {
			if it.ID == "" || len(it.Options) == 0 || it.KeyMask == 0 {
				t.Fatalf("item %+v: empty id, no options or no key", it)
			}
		}
		d, err := Load(Source{Name: "r.csv", R: strings.NewReader("id,Q1,Q2,Q3\nx,A,B,C\n")},
			&Source{Name: "items.csv", R: strings.NewReader(items)}, Options{})
		checkLoaded(t, d, err)
	})
}

func checkLoaded(t *testing.T, d *analysis.Dataset, err error) {
	t.Helper()
	if err != nil {
		var pe *analysis.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v (%T) is not a *ParseError", err, err)
		}
		if strings.Contains(err.Error(), "\n") && !strings.Contains(pe.Item+pe.File, "\n") {
			// Messages quote cells with strconv.Quote, so a newline can
			// only come from a header name echoed in a message.
			if !strings.Contains(err.Error(), "have:") {
				t.Logf("multi-line error: %q", err)
			}
		}
		return
	}
	if d.N < 1 || d.J < 1 || len(d.Raw) != d.N*d.J || len(d.Scored) != d.N*d.J || len(d.Candidates) != d.N || len(d.Items) != d.J {
		t.Fatalf("inconsistent dataset: N=%d J=%d raw=%d scored=%d", d.N, d.J, len(d.Raw), len(d.Scored))
	}
	for k, v := range d.Raw {
		j := k % d.J
		if v != analysis.Omit && v != analysis.NotReached && int(v) >= len(d.Items[j].Options) {
			t.Fatalf("cell %d: option %d of %d", k, v, len(d.Items[j].Options))
		}
	}
}
