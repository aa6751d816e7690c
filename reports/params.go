package reports

import (
	"github.com/itemlab/itemlab/analysis"
)

// ParamsColumns are the columns of params.csv, in order.
var ParamsColumns = []string{"item_id", "model", "a", "b", "c", "d", "se_a", "se_b", "se_c",
	"infit", "outfit", "infit_z", "outfit_z", "sx2", "sx2_df", "sx2_p"}

// ParamsFileTable writes item parameters read from a file (and perhaps
// transformed, e.g. linked to the base scale) back as params.csv: the
// parameter columns from the values, the fit columns and any other columns
// carried over from the file (ItemParams.Extra).
func ParamsFileTable(ps []analysis.ItemParams) *Table {
	t := &Table{Header: append([]string(nil), ParamsColumns...)}
	known := map[string]bool{}
	for _, c := range ParamsColumns {
		known[c] = true
	}
	var extra []string
	seen := map[string]bool{}
	for _, p := range ps {
		for _, kv := range p.Extra {
			if !known[kv.Key] && !seen[kv.Key] {
				seen[kv.Key] = true
				extra = append(extra, kv.Key)
			}
		}
	}
	t.Header = append(t.Header, extra...)
	for _, p := range ps {
		get := func(k string) string {
			for _, kv := range p.Extra {
				if kv.Key == k {
					return kv.Value
				}
			}
			return ""
		}
		it := p.Item
		se := func(v float64) string {
			if v == 0 {
				return ""
			}
			return F(v)
		}
		row := []string{p.ItemID, it.Model.String(), F(it.A), F(it.B()), F(it.C), F(it.D), se(p.SE.A), se(p.SE.B), se(p.SE.C)}
		for _, c := range ParamsColumns[9:] {
			row = append(row, get(c))
		}
		for _, c := range extra {
			row = append(row, get(c))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
