package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/irt"
	"gonum.org/v1/gonum/mat"
)

// params.csv written by ParamsFileTable reads back with the same parameters
// and standard errors.
func TestParamsRoundTrip(t *testing.T) {
	in := []analysis.ItemParams{
		{ItemID: "R1", Item: irt.NewItemIRT(irt.Rasch, 1, -0.5, 0), SE: irt.ItemSE{B: 0.05}},
		{ItemID: "T1", Item: irt.NewItemIRT(irt.TwoPL, 1.3, 0.25, 0), SE: irt.ItemSE{A: 0.1, B: 0.07}},
		{ItemID: "H1", Item: irt.NewItemIRT(irt.ThreePL, 0.9, 1.1, 0.2), SE: irt.ItemSE{A: 0.12, B: 0.2, C: 0.03}},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, ParamsFileTable(in)); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParams(ingest.Source{Name: "params.csv", R: &buf})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("%d rows, want %d", len(got), len(in))
	}
	for k := range in {
		g, w := got[k], in[k]
		if g.ItemID != w.ItemID || g.Item.Model != w.Item.Model {
			t.Errorf("row %d: %s %v, want %s %v", k, g.ItemID, g.Item.Model, w.ItemID, w.Item.Model)
		}
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"a", g.Item.A, w.Item.A}, {"b", g.Item.B(), w.Item.B()}, {"c", g.Item.C, w.Item.C},
			{"se_a", g.SE.A, w.SE.A}, {"se_b", g.SE.B, w.SE.B}, {"se_c", g.SE.C, w.SE.C}} {
			if d := c.got - c.want; d > 1e-9 || d < -1e-9 {
				t.Errorf("%s %s = %v, want %v", w.ItemID, c.name, c.got, c.want)
			}
		}
	}
}

// FuzzReadParams: no input panics the params.csv reader, and every error
// is a located *analysis.ParseError.
func FuzzReadParams(f *testing.F) {
	f.Add("item_id,model,a,b,c\nI1,3pl,1.2,0.3,0.2\nI2,2pl,0.8,-1,0\n")
	f.Add("item_id,d\nI1,0.5\n")
	f.Add("item_id,b\nI1,abc\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		_, err := ReadParams(ingest.Source{Name: "p.csv", R: strings.NewReader(s)})
		var pe *analysis.ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("error %v (%T) is not a *ParseError", err, err)
		}
	})
}

// params_cov.csv written by ParamCovTable reads back as the same matrix;
// a missing pair is a located error.
func TestParamCovRoundTrip(t *testing.T) {
	c := &analysis.ParamCov{Items: []string{"I1", "I1", "I2"}, Params: []string{"a", "d", "d"},
		M: mat.NewSymDense(3, []float64{0.04, 0.01, 0.002, 0.01, 0.09, 0.003, 0.002, 0.003, 0.05})}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, ParamCovTable(c)); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	got, err := ReadParamCov(ingest.Source{Name: "params_cov.csv", R: strings.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(got.M, c.M) || strings.Join(got.Items, ",") != "I1,I1,I2" {
		t.Errorf("read back %v %v", got.Items, mat.Formatted(got.M))
	}
	short := strings.Join(strings.Split(text, "\n")[:4], "\n") + "\n"
	_, err = ReadParamCov(ingest.Source{Name: "params_cov.csv", R: strings.NewReader(short)})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "want 6") {
		t.Errorf("truncated file: %v", err)
	}
}

// The item bank's params_cov.csv (each item's own block, no item_id_2)
// reads as a block-diagonal matrix; a block with a pair missing is a
// located error.
func TestParamCovBankBlocks(t *testing.T) {
	text := "item_id,param_1,param_2,cov\nI1,a,a,0.04\nI1,a,d,0.01\nI1,d,d,0.09\nI2,d,d,0.05\n"
	got, err := ReadParamCov(ingest.Source{Name: "params_cov.csv", R: strings.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewSymDense(3, []float64{0.04, 0.01, 0, 0.01, 0.09, 0, 0, 0, 0.05})
	if !mat.Equal(got.M, want) || strings.Join(got.Items, ",") != "I1,I1,I2" {
		t.Errorf("read %v %v, want the block-diagonal matrix", got.Items, mat.Formatted(got.M))
	}
	missing := strings.Replace(text, "I1,a,d,0.01\n", "", 1)
	_, err = ReadParamCov(ingest.Source{Name: "params_cov.csv", R: strings.NewReader(missing)})
	var pe *analysis.ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "want 4") {
		t.Errorf("block with a pair missing: %v", err)
	}
}

// The items file lists every item's metadata columns and writes option codes
// longer than one character with "|", so ingest reads them back as given.
func TestItemsTableRoundTrip(t *testing.T) {
	d := &analysis.Dataset{Items: []analysis.ItemInfo{
		{ID: "Q1", Options: []string{"10", "20", "30"}, KeyMask: 2, Domain: "D1", Status: analysis.Operational},
		{ID: "Q2", Options: []string{"A", "B"}, KeyMask: 1, Domain: "D2", Status: analysis.Pretest, Meta: []analysis.KV{{Key: "writer", Value: "ann"}}},
	}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, ItemsTable(d)); err != nil {
		t.Fatal(err)
	}
	items, err := ingest.ReadItems(ingest.Source{Name: "items.csv", R: &buf}, ingest.ItemsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(items[0].Options, ","); got != "10,20,30" || items[0].KeyString() != "20" {
		t.Errorf("Q1 options %s, key %s; want 10,20,30 and 20", got, items[0].KeyString())
	}
	if len(items[1].Meta) != 1 || items[1].Meta[0] != (analysis.KV{Key: "writer", Value: "ann"}) || items[1].Status != analysis.Pretest {
		t.Errorf("Q2 %+v", items[1])
	}
}
