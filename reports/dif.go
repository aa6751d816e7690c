package reports

import (
	"github.com/itemlab/itemlab/analysis/dif"
)

// DIFTable returns dif.csv, one row per analysed item in the order given,
// the columns
//
//	item_id,mh_odds_ratio,mh_d_dif,se,ets_category,favours,chi_square,p_value,n_reference,n_focal,strata
//
// (see dif.Result). An infinite or undefined statistic is an empty
// cell.
func DIFTable(res []dif.Result) *Table {
	t := &Table{Header: []string{"item_id", "mh_odds_ratio", "mh_d_dif", "se", "ets_category", "favours",
		"chi_square", "p_value", "n_reference", "n_focal", "strata"}}
	for _, r := range res {
		t.Rows = append(t.Rows, []string{r.ItemID, F(r.OddsRatio), F(r.DDIF), F(r.SE), string(r.Category), r.Favours,
			F(r.ChiSquare), F(r.P), I(r.NReference), I(r.NFocal), I(r.Strata)})
	}
	return t
}

// LogisticDIFTable returns the logistic-regression DIF results
// (dif.Logistic), one row per item in the order given, the columns
//
//	item_id,chi_square,p_value,delta_r2,category,favours,chi_uniform,p_uniform,
//	chi_nonuniform,p_nonuniform,delta_r2_uniform,group_effect,b0,b1,b2,b3,n_reference,n_focal,converged
func LogisticDIFTable(res []dif.LogisticResult) *Table {
	t := &Table{Header: []string{"item_id", "chi_square", "p_value", "delta_r2", "category", "favours",
		"chi_uniform", "p_uniform", "chi_nonuniform", "p_nonuniform", "delta_r2_uniform", "group_effect",
		"b0", "b1", "b2", "b3", "n_reference", "n_focal", "converged"}}
	for _, r := range res {
		t.Rows = append(t.Rows, []string{r.ItemID, F(r.ChiSquare), F(r.P), F(r.DeltaR2), string(r.Category), r.Favours,
			F(r.ChiUniform), F(r.PUniform), F(r.ChiNonUniform), F(r.PNonUniform), F(r.DeltaR2Uniform), F(r.GroupEffect),
			F(r.Beta[0]), F(r.Beta[1]), F(r.Beta[2]), F(r.Beta[3]), I(r.NReference), I(r.NFocal), B(r.Converged)})
	}
	return t
}

// DIFFile is dif.json, the summary of a DIF study. Matching names the
// matching criterion (dif.Match: "include-item" or "exclude-item") and
// Method says in a sentence what it means.
type DIFFile struct {
	Reference  string   `json:"reference"`
	Focal      string   `json:"focal"`
	NReference int      `json:"n_reference"`
	NFocal     int      `json:"n_focal"`
	Items      int      `json:"items"`
	CategoryB  int      `json:"category_b"`
	CategoryC  int      `json:"category_c"`
	FlaggedC   []string `json:"category_c_items"`
	Matching   string   `json:"matching"`
	Method     string   `json:"method"`
	// Results are the study's items (not written to dif.json), for the
	// operational item review.
	Results []dif.Result `json:"-"`
}

// NewDIFFile summarises a Mantel–Haenszel study of the reference and focal
// groups (labels as the user knows them) over groups, matched on the
// criterion match.
func NewDIFFile(res []dif.Result, groups []dif.Group, reference, focal string, match dif.Match) *DIFFile {
	s := &DIFFile{Reference: reference, Focal: focal, Items: len(res), FlaggedC: []string{},
		Matching: match.String(), Method: difMethod(match), Results: res}
	for _, x := range groups {
		switch x {
		case dif.Reference:
			s.NReference++
		case dif.Focal:
			s.NFocal++
		}
	}
	for _, r := range res {
		switch r.Category {
		case dif.ETSB:
			s.CategoryB++
		case dif.ETSC:
			s.CategoryC++
			s.FlaggedC = append(s.FlaggedC, r.ItemID)
		}
	}
	return s
}

// difMethod is the method sentence of dif.json for the criterion match.
func difMethod(match dif.Match) string {
	const ets = "; ETS categories after Zwick (2012)"
	if match == dif.ExcludeItem {
		return "Mantel-Haenszel over strata of the operational score, which includes an operational item " +
			"and leaves a pretest item out (match exclude-item)" + ets
	}
	return "Mantel-Haenszel over strata of the total score including the studied item, as in Holland and Thayer (1988) " +
		"and difR: the operational score for an operational item, the operational score plus the item's own score " +
		"for a pretest item (match include-item)" + ets
}
