package reports

import "github.com/itemlab/itemlab/analysis"

// DIFTable returns dif.csv, one row per analysed item in the order given,
// the columns
//
//	item_id,mh_odds_ratio,mh_d_dif,se,ets_category,favours,chi_square,p_value,n_reference,n_focal,strata
//
// (see analysis.DIFResult). An infinite or undefined statistic is an empty
// cell.
func DIFTable(res []analysis.DIFResult) *Table {
	t := &Table{Header: []string{"item_id", "mh_odds_ratio", "mh_d_dif", "se", "ets_category", "favours",
		"chi_square", "p_value", "n_reference", "n_focal", "strata"}}
	for _, r := range res {
		t.Rows = append(t.Rows, []string{r.ItemID, F(r.OddsRatio), F(r.DDIF), F(r.SE), string(r.Category), r.Favours,
			F(r.ChiSquare), F(r.P), I(r.NReference), I(r.NFocal), I(r.Strata)})
	}
	return t
}
