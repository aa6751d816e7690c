package reports

import (
	"math"
	"strings"

	"github.com/itemlab/itemlab/analysis/equate"
	"github.com/itemlab/itemlab/analysis/linking"
)

// LinkingFile is linking.json.
type LinkingFile struct {
	Method            string             `json:"method"`
	A                 float64            `json:"A"`
	B                 float64            `json:"B"`
	SEA               *float64           `json:"se_A"`
	SEB               *float64           `json:"se_B"`
	CovAB             *float64           `json:"cov_AB"`
	CIA               [2]*float64        `json:"ci95_A"`
	CIB               [2]*float64        `json:"ci95_B"`
	SEMethod          string             `json:"se_method"`
	Definition        string             `json:"definition"`
	DriftStatistic    string             `json:"drift_statistic"`
	DriftAlpha        *float64           `json:"drift_alpha"`
	DriftCritical     *float64           `json:"drift_critical_value"` // |z| for b-se, X² for lord
	DriftMaxDrop      float64            `json:"drift_max_drop_share"`
	CommonItems       int                `json:"common_items"`
	Kept              int                `json:"kept_items"`
	Dropped           []DroppedAnchor    `json:"dropped_items"`
	ByMethod          []LinkMethodRecord `json:"by_method"`
	Warnings          []string           `json:"warnings"`
	CalibrationID     string             `json:"calibration_id,omitempty"` // the calibration whose parameters it used (CalibrationID)
	BaseCalibrationID string             `json:"base_calibration"`
	LinkedParamsSHA   string             `json:"linked_params_sha256"` // of the params.csv written with it
}

// DroppedAnchor is a common item left out of the link for drift.
type DroppedAnchor struct {
	ItemID string   `json:"item_id"`
	Diff   *float64 `json:"diff_b"`
	SE     *float64 `json:"se_diff_b"`
	Z      *float64 `json:"z"`
	Round  int      `json:"round"`
	Reason string   `json:"reason"`
}

// LinkMethodRecord gives one method's constants, for comparison.
type LinkMethodRecord struct {
	Method string   `json:"method"`
	A      float64  `json:"A"`
	B      float64  `json:"B"`
	SEA    *float64 `json:"se_A"`
	SEB    *float64 `json:"se_B"`
	CovAB  *float64 `json:"cov_AB"`
}

// NewLinkingFile describes a linking for linking.json.
func NewLinkingFile(l *linking.Result) *LinkingFile {
	f := &LinkingFile{Method: l.Method.String(), A: l.Constants.A, B: l.Constants.B,
		SEA: JSONFloat(l.SEA), SEB: JSONFloat(l.SEB), CovAB: JSONFloat(l.CovAB),
		CIA:            [2]*float64{JSONFloat(l.ALo), JSONFloat(l.AHi)},
		CIB:            [2]*float64{JSONFloat(l.BLo), JSONFloat(l.BHi)},
		SEMethod:       l.SEMethod,
		Definition:     "theta_base = A*theta_new + B; b* = A*b + B, a* = a/A, c* = c",
		DriftStatistic: l.DriftStatistic, DriftAlpha: JSONFloat(l.Alpha), DriftCritical: JSONFloat(l.Critical), DriftMaxDrop: l.MaxDropShare,
		CommonItems: len(l.Common), Kept: l.Kept, Dropped: []DroppedAnchor{}, Warnings: Messages(l.Warnings)}
	for _, c := range l.Common {
		if c.Dropped {
			f.Dropped = append(f.Dropped, DroppedAnchor{ItemID: c.ID, Diff: JSONFloat(c.Diff), SE: JSONFloat(c.SE), Z: JSONFloat(c.Z), Round: c.Round, Reason: c.Reason})
		}
	}
	for _, m := range l.ByMethod {
		f.ByMethod = append(f.ByMethod, LinkMethodRecord{Method: m.Method.String(), A: m.A, B: m.B, SEA: JSONFloat(m.SEA), SEB: JSONFloat(m.SEB), CovAB: JSONFloat(m.Cov)})
	}
	return f
}

// CommonItemsTable is anchors.csv: every common item with its parameters on
// both forms, the new estimate on the base scale, the difference of b with
// its standard error and the screen's statistic, and whether the link used
// it and why.
func CommonItemsTable(l *linking.Result) *Table {
	t := &Table{Header: []string{"item_id", "a_base", "b_base", "c_base", "a_new", "b_new", "c_new",
		"a_new_on_base", "b_new_on_base", "diff_b", "se_diff_b", "z", "chi_sq", "df", "used", "round", "reason"}}
	for _, c := range l.Common {
		t.Rows = append(t.Rows, []string{c.ID, F(c.Base.A), F(c.Base.B()), F(c.Base.C), F(c.New.A), F(c.New.B()), F(c.New.C),
			F(c.NewOnBase.A), F(c.NewOnBase.B()), F(c.Diff), F(c.SE), F(c.Z), F(c.ChiSq), dfCell(c.DF), B(!c.Dropped), I(c.Round), c.Reason})
	}
	return t
}

// EquatingTable is equating.csv: raw scores of form X and, per method, the
// form Y equivalent and (when computed) its standard error in se_<method>.
// Method columns are snake_case names (irt_true, tucker, levine_observed, …).
func EquatingTable(cols []equate.Column) *Table {
	t := &Table{Header: []string{"raw"}}
	n := 0
	for _, c := range cols {
		name := strings.ReplaceAll(c.Name, "-", "_")
		t.Header = append(t.Header, name)
		if c.SE != nil {
			t.Header = append(t.Header, "se_"+name)
		}
		n = max(n, len(c.Values))
	}
	for x := 0; x < n; x++ {
		row := []string{I(x)}
		for _, c := range cols {
			v := math.NaN()
			if x < len(c.Values) {
				v = c.Values[x]
			}
			row = append(row, F(v))
			if c.SE != nil {
				row = append(row, F(c.SE[x]))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func dfCell(df int) string {
	if df == 0 {
		return ""
	}
	return I(df)
}
