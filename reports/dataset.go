package reports

import (
	"bufio"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis/simulate"

	"github.com/itemlab/itemlab/analysis"
)

// WriteResponses writes d's raw responses as a wide CSV — examinee_id,
// group (if any candidate has one), form (likewise), then one column per item
// holding the option code chosen, blank for an omit — which Load reads back
// to the same dataset.
func WriteResponses(w io.Writer, d *analysis.Dataset) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	hasGroup, hasForm := false, false
	for _, c := range d.Candidates {
		hasGroup = hasGroup || c.Group != ""
		hasForm = hasForm || c.Form != ""
	}
	rec := []string{"examinee_id"}
	if hasGroup {
		rec = append(rec, "group")
	}
	if hasForm {
		rec = append(rec, "form")
	}
	for _, it := range d.Items {
		rec = append(rec, it.ID)
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for i, c := range d.Candidates {
		rec = rec[:0]
		rec = append(rec, c.ID)
		if hasGroup {
			rec = append(rec, c.Group)
		}
		if hasForm {
			rec = append(rec, c.Form)
		}
		for j, v := range d.Raw[i*d.J : (i+1)*d.J] {
			if v == analysis.Omit || v == analysis.NotReached {
				rec = append(rec, "")
			} else {
				rec = append(rec, d.Items[j].Options[v])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ItemsTable is the items file of d, as ingest reads it back:
// item_id,key,options,domain,status,anchor followed by every metadata
// column any item has, in order of first appearance. Options are written as
// "ABCD" when every code is one character, else joined with "|".
func ItemsTable(d *analysis.Dataset) *Table {
	t := &Table{Header: []string{"item_id", "key", "options", "domain", "status", "anchor"}}
	var meta []string
	seen := map[string]bool{}
	for _, it := range d.Items {
		for _, kv := range it.Meta {
			if !seen[kv.Key] {
				seen[kv.Key] = true
				meta = append(meta, kv.Key)
			}
		}
	}
	t.Header = append(t.Header, meta...)
	for _, it := range d.Items {
		sep := ""
		for _, o := range it.Options {
			if len(o) != 1 {
				sep = "|"
			}
		}
		row := []string{it.ID, it.KeyString(), strings.Join(it.Options, sep), it.Domain, it.Status.String(), B(it.Anchor)}
		for _, m := range meta {
			v := ""
			for _, kv := range it.Meta {
				if kv.Key == m {
					v = kv.Value
				}
			}
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// TruthItemsTable lists a simulated form's generating item parameters and
// planted flaws.
func TruthItemsTable(items []simulate.TruthItem) *Table {
	t := &Table{Header: []string{"item_id", "form", "position", "domain", "status", "anchor", "model",
		"a", "b", "c", "d", "key", "true_key", "flaw", "dif_shift"}}
	letter := func(k int) string { return string(rune('A' + k)) }
	for _, it := range items {
		t.Rows = append(t.Rows, []string{it.ID, I(it.Form), I(it.Position), it.Domain, it.Status.String(),
			B(it.Anchor), "3pl", F(it.Item.A), F(it.Item.B()), F(it.Item.C), F(it.Item.D),
			letter(it.Key), letter(it.TrueKey), it.Flaw, F(it.DIFShift)})
	}
	return t
}

// TruthPersonsTable lists simulated candidates' generating abilities.
func TruthPersonsTable(ps []simulate.TruthPerson) *Table {
	t := &Table{Header: []string{"examinee_id", "form", "group", "theta"}}
	for _, p := range ps {
		t.Rows = append(t.Rows, []string{p.ID, strconv.Itoa(p.Form), p.Group, F(p.Theta)})
	}
	return t
}
