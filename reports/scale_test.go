package reports

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/internal/simtest"
	"github.com/itemlab/itemlab/irt"
)

// conversion.csv says where each θ comes from, and scale.json states the cut
// rule and the below-chance rule with the form's chance score and the number
// of interpolated rows.
func TestScaleFileStatesTheRules(t *testing.T) {
	items := simtest.Items3PL() // Σc = 8
	cut := -0.3
	s, err := scale.Define(items, scale.Options{CutTheta: &cut})
	if err != nil {
		t.Fatal(err)
	}
	conv, err := scale.NewConversion(items, s, scale.ByTCC, irt.Quadrature{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tab := ConversionTable(conv)
	col := slices.Index(tab.Header, "theta_from")
	if col < 0 || !slices.Equal(tab.Header[:5], []string{"raw", "theta", "csem", "scale_score", "pass"}) {
		t.Fatalf("header %v", tab.Header)
	}
	if got := tab.Rows[0][col]; got != "below_chance" {
		t.Errorf("raw 0: theta_from %q, want below_chance", got)
	}
	if got := tab.Rows[conv.RawCut]; got[col] != "tcc" || got[3] != "390" || got[4] != "true" {
		t.Errorf("raw cut row %v: want tcc, 390, true", got)
	}
	if got := tab.Rows[conv.RawCut-1]; got[3] > "389" || len(got[3]) != 3 || got[4] != "false" {
		t.Errorf("row below the raw cut %v: want at most 389, false", got)
	}
	data, err := json.Marshal(NewScaleFile(s, conv))
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if r, _ := f["cut_rule"].(string); !strings.Contains(r, "smallest raw score whose θ") || !strings.Contains(r, "cut − 1") {
		t.Errorf("cut_rule = %q", r)
	}
	if r, _ := f["below_chance"].(string); !strings.Contains(r, "interpolated linearly") {
		t.Errorf("below_chance = %q", r)
	}
	form := f["form"].(map[string]any)
	if c := form["chance_score"].(float64); c < 7.999 || c > 8.001 {
		t.Errorf("chance_score = %g, want 8", c)
	}
	if n := form["below_chance_rows"].(float64); int(n) != conv.BelowChance || n < 9 {
		t.Errorf("below_chance_rows = %g (conversion %d), want > Σc", n, conv.BelowChance)
	}
}
