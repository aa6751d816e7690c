package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis/classical"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// classicalFixture is a hand-made administration: 6 candidates, items Q1
// (key B, operational, domain Clinical), Q2 (key A|C after a key review,
// operational, Finance), Q3 (key D, pretest, Clinical), with metadata.
func classicalFixture(t *testing.T) *classical.Result {
	t.Helper()
	opts := []string{"A", "B", "C", "D"}
	d := &analysis.Dataset{N: 6, J: 3,
		Items: []analysis.ItemInfo{
			{ID: "Q1", Options: opts, KeyMask: 1 << 1, Domain: "Clinical", Status: analysis.Operational,
				Meta: []analysis.KV{{Key: "writer", Value: "ann"}, {Key: "flags", Value: "x"}}},
			{ID: "Q2", Options: opts, KeyMask: 1<<0 | 1<<2, Domain: "Finance", Status: analysis.Operational,
				Meta: []analysis.KV{{Key: "position", Value: "2"}}},
			{ID: "Q3", Options: opts, KeyMask: 1 << 3, Domain: "Clinical", Status: analysis.Pretest},
		},
	}
	o := analysis.Omit
	raw := []uint8{
		1, 0, 3,
		1, 2, 3,
		1, 1, 0,
		0, 0, o,
		2, 3, 3,
		1, 1, 1,
	}
	d.Raw = raw
	d.Scored = make([]uint8, len(raw))
	for c, v := range raw {
		it := &d.Items[c%3]
		switch {
		case v == o:
			d.Scored[c] = irt.Missing
		case it.IsKey(int(v)):
			d.Scored[c] = 1
		}
	}
	for i := 0; i < d.N; i++ {
		d.Candidates = append(d.Candidates, analysis.Candidate{ID: string(rune('a' + i))})
	}
	c, err := classical.Analyze(d, classical.Options{DomainWeights: map[string]float64{"Clinical": 32}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestItemStatsTable(t *testing.T) {
	tab := ItemStatsTable(classicalFixture(t))
	const prefix = "item_id,domain,status,n,p,rpbis,rpbis_corrected,biserial,disc_index,alpha_if_deleted"
	hdr := strings.Join(tab.Header, ",")
	if !strings.HasPrefix(hdr, prefix+",") {
		t.Fatalf("header %q does not start with %q", hdr, prefix)
	}
	if !strings.HasSuffix(hdr, ",key,flags,writer,meta_flags,position") {
		t.Errorf("header %q: want metadata columns writer,meta_flags,position at the end", hdr)
	}
	if len(tab.Rows) != 3 {
		t.Fatalf("%d rows, want 3", len(tab.Rows))
	}
	cell := func(row int, col string) string {
		for k, h := range tab.Header {
			if h == col {
				return tab.Rows[row][k]
			}
		}
		t.Fatalf("no column %s", col)
		return ""
	}
	// Q1: key B chosen by candidates 1, 2, 3, 6 → p = 4/6.
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{0, "item_id", "Q1"}, {0, "status", "operational"}, {0, "n", "6"}, {0, "p", "0.666667"},
		{1, "key", "A|C"}, {1, "writer", ""}, {1, "position", "2"}, {0, "meta_flags", "x"},
		{2, "status", "pretest"}, {2, "alpha_if_deleted", ""}, {2, "n_answered", "5"}, {2, "omit_rate", "0.166667"},
	} {
		if got := cell(c.row, c.col); got != c.want {
			t.Errorf("row %d %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, tab); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != 4 {
		t.Errorf("CSV has %d lines, want 4", n)
	}
}

func TestOptionsTable(t *testing.T) {
	tab := OptionsTable(classicalFixture(t))
	if got, want := strings.Join(tab.Header, ","), "item_id,option,is_key,n,prop,rpbis,mean_score,q1,q2,q3,q4,q5"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if len(tab.Rows) != 3*5 {
		t.Fatalf("%d rows, want 15 (4 options + omit per item)", len(tab.Rows))
	}
	if r := tab.Rows[1]; r[0] != "Q1" || r[1] != "B" || r[2] != "true" || r[3] != "4" {
		t.Errorf("Q1 B row %v", r)
	}
	if r := tab.Rows[14]; r[0] != "Q3" || r[1] != "omit" || r[2] != "false" || r[3] != "1" {
		t.Errorf("Q3 omit row %v", r)
	}
	if r := tab.Rows[4]; r[1] != "omit" || r[3] != "0" || r[6] != "" {
		t.Errorf("Q1 omit row %v: want n 0 and an empty mean_score", r)
	}
}

func TestDomainsTable(t *testing.T) {
	tab := DomainsTable(classicalFixture(t))
	if got := strings.Join(tab.Header, ","); !strings.HasPrefix(got, "domain,items,weight,mean,sd,alpha") {
		t.Errorf("header %q", got)
	}
	if len(tab.Rows) != 2 || tab.Rows[0][0] != "Clinical" || tab.Rows[0][1] != "1" || tab.Rows[0][2] != "32.000000" ||
		tab.Rows[1][2] != "" || tab.Rows[0][6] != "1" {
		t.Errorf("rows %v", tab.Rows)
	}
}

func TestSummarizeClassical(t *testing.T) {
	c := classicalFixture(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, SummarizeClassical(c)); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"candidates", "items", "raw_score", "alpha", "alpha_se", "sem", "score_distribution",
		"domains", "flag_counts", "flag_thresholds", "warnings", "methods"} {
		if _, ok := m[k]; !ok {
			t.Errorf("summary.json has no %q", k)
		}
	}
	if got := m["candidates"].(float64); got != 6 {
		t.Errorf("candidates = %v", got)
	}
	if got := m["score_distribution"].([]any); len(got) != 3 {
		t.Errorf("score_distribution %v: want 3 levels (0..2)", got)
	}
	// Two operational items: alpha is defined and finite, so not null.
	if m["alpha"] == nil {
		t.Errorf("alpha is null")
	}
}

func TestScoreDistributionTable(t *testing.T) {
	tab := ScoreDistributionTable(classicalFixture(t))
	if len(tab.Rows) != 3 || tab.Rows[2][3] != "1.000000" {
		t.Errorf("rows %v", tab.Rows)
	}
}
