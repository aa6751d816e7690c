package reports

import (
	"strings"

	"github.com/itemlab/itemlab/bank"
)

// Files of itemlab assemble.
const (
	FileAssembly      = "assembly.json" // the solve and every constraint with its value
	FileFormCurves    = "curves.csv"    // the new and the base form's TIF, TCC and CSEM over θ
	FilePrePost       = "pre_post.csv"  // pre- vs post-equated conversion (run --bank)
	FileAssemblyChart = "charts"        // folder of tcc.png, tif.png, csem.png
)

// FormItem is one item of an assembled form as its items file lists it.
type FormItem struct {
	Item   bank.Item
	Status string // operational or pretest
	Anchor bool
}

// formItemColumns are the items-file columns written from the item itself;
// bank fields of these names are not repeated.
var formItemColumns = []string{"item_id", "key", "domain", "status", "anchor"}

// FormItemsTable is an assembled form's items file in the format itemlab run
// reads:
//
//	item_id,key,domain,status,anchor,<the bank's item fields…>
//
// with status operational or pretest and anchor true for the anchor block;
// the fields are the union over the items, in the order first seen.
func FormItemsTable(items []FormItem) *Table {
	t := &Table{Header: append([]string(nil), formItemColumns...)}
	known := map[string]bool{}
	for _, c := range formItemColumns {
		known[c] = true
	}
	for _, c := range []string{"a", "b", "c", "item", "id", "itemid", "answer", "correct", "content_area", "common"} {
		known[c] = true // aliases the items reader would take for its own columns
	}
	var fields []string
	for _, it := range items {
		for _, f := range it.Item.Fields {
			if n := strings.ToLower(strings.TrimSpace(f.Name)); !known[n] {
				known[n] = true
				fields = append(fields, f.Name)
			}
		}
	}
	t.Header = append(t.Header, fields...)
	for _, it := range items {
		row := []string{it.Item.ID, it.Item.Key, it.Item.Domain, it.Status, B(it.Anchor)}
		for _, name := range fields {
			v, _ := it.Item.Field(name)
			row = append(row, v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// AssemblyConstraint is one constraint of an assembled form with its value.
// Min and Max are nil where unbounded.
type AssemblyConstraint struct {
	Form  string `json:"form"` // "" for a constraint across forms
	Name  string `json:"name"` // e.g. "length", "domain Reporting", "format=scenario", "enemy set E12"
	Value int    `json:"value"`
	Min   *int   `json:"min"`
	Max   *int   `json:"max"`
	Met   bool   `json:"met"`
}

// AssemblyForm is one assembled form in assembly.json.
type AssemblyForm struct {
	Name              string   `json:"name"`
	Folder            string   `json:"folder"`
	Items             int      `json:"items"`
	Pretest           int      `json:"pretest_items"`
	Anchors           int      `json:"anchors"`
	InfoAtCut         float64  `json:"information_at_cut"`
	Deviation         *float64 `json:"largest_deviation_from_base"`
	RawCut            int      `json:"raw_cut"`
	ProjectedPassRate float64  `json:"projected_pass_rate"`
	Accuracy          float64  `json:"classification_accuracy"`
}

// AssemblyPool describes what the forms were assembled from.
type AssemblyPool struct {
	Eligible     int                       `json:"eligible_items"`
	Pretest      int                       `json:"pretest_candidates"`
	Ineligible   map[string]int            `json:"ineligible"`
	ByDomain     map[string]map[string]int `json:"ineligible_by_domain"`
	ExposureRule string                    `json:"exposure_rule"`
}

// AssemblyFile is assembly.json: how the forms were solved and every
// constraint with its value.
type AssemblyFile struct {
	Solver        string               `json:"solver"`
	SolverVersion string               `json:"solver_version"`
	Status        string               `json:"status"`
	Optimal       bool                 `json:"proven_optimal"`
	Objective     string               `json:"objective"` // cut-information or match-base
	Value         *float64             `json:"objective_value"`
	Bound         *float64             `json:"bound"`
	Gap           *float64             `json:"gap"`
	GapAsked      float64              `json:"gap_asked"`
	TimeLimit     float64              `json:"time_limit_seconds"`
	Seconds       float64              `json:"seconds"`
	CutTheta      float64              `json:"cut_theta"`
	Theta         []float64            `json:"theta_points,omitempty"`
	BaseForm      string               `json:"base_form"`
	Anchors       []string             `json:"anchors"`
	Pool          AssemblyPool         `json:"pool"`
	Forms         []AssemblyForm       `json:"forms"`
	Constraints   []AssemblyConstraint `json:"constraints"`
	Warnings      []string             `json:"warnings"`
}

// PrePostRow compares one raw score's pre-equated conversion (from the bank
// parameters, before the form was given) with the post-equated one (from
// the administration's own calibration linked to the bank).
type PrePostRow struct {
	Raw                 int
	PreTheta, PostTheta float64
	PreScale, PostScale int
	PrePass, PostPass   bool
	Count               int // candidates with this raw score
}

// PrePostTable is pre_post.csv, one row per raw score:
//
//	raw,pre_theta,post_theta,pre_scale_score,post_scale_score,scale_diff,pre_pass,post_pass,differs,count
//
// with scale_diff = post − pre and differs true where pass/fail changes.
func PrePostTable(rows []PrePostRow) *Table {
	t := &Table{Header: []string{"raw", "pre_theta", "post_theta", "pre_scale_score", "post_scale_score", "scale_diff", "pre_pass", "post_pass", "differs", "count"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{I(r.Raw), F(r.PreTheta), F(r.PostTheta), I(r.PreScale), I(r.PostScale), I(r.PostScale - r.PreScale),
			B(r.PrePass), B(r.PostPass), B(r.PrePass != r.PostPass), I(r.Count)})
	}
	return t
}
