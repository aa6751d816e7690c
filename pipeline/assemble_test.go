package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/assemble"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// TestAssembleForm assembles a 20-item form with an anchor block, enemy
// sets, a metadata count, pretest slots and a recency rule from a 154-item
// bank and checks every constraint from the files, the items file through
// the items reader, the pre-equated raw cut and the planned form in the
// bank.
func TestAssembleForm(t *testing.T) {
	needAssemblySolver(t)
	ctx := context.Background()
	sb := newSimBank(t, rand.New(rand.NewPCG(1, 2)), simBankOptions{pretest: 8, cutTheta: -0.2})
	sf := writeSpec(t, sb, `  length: 20
  anchors: {from_form: form1, count: 5}
  enemies: enemy_set
  constraints:
    - {column: format, value: scenario, min: 4, max: 6}
  exposure:
    max_recent_forms: 1
  pretest_slots: 3
  solver: cbc
`)
	dir := filepath.Join(t.TempDir(), "next")
	sum, err := Assemble(ctx, sf, AssembleOptions{Out: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Forms) != 1 || sum.Forms[0].Name != "form3" || !sum.Saved {
		t.Fatalf("forms %+v, saved %v; want one form form3, saved", sum.Forms, sum.Saved)
	}
	// assembly.json: every constraint met.
	var af reports.AssemblyFile
	mustReadJSON(t, filepath.Join(dir, reports.FileAssembly), &af)
	if af.Solver != "CBC" || af.SolverVersion == "" || af.Status == "" || af.Value == nil {
		t.Errorf("assembly.json: solver %q %q, status %q, objective %v", af.Solver, af.SolverVersion, af.Status, af.Value)
	}
	if got := af.Pool.Ineligible["over-exposed"]; got != len(sb.form2) || af.Pool.Eligible != len(sb.ids)-len(sb.form2) || af.Pool.Pretest != 8 {
		t.Errorf("pool: %d eligible, %d pretest, %d over-exposed; want %d, 8 and form2's %d (max_recent_forms 1)",
			af.Pool.Eligible, af.Pool.Pretest, got, len(sb.ids)-len(sb.form2), len(sb.form2))
	}
	names := map[string]bool{}
	for _, c := range af.Constraints {
		names[strings.Fields(c.Name)[0]] = true
		if !c.Met {
			t.Errorf("constraint %s = %d not met (min %v, max %v)", c.Name, c.Value, c.Min, c.Max)
		}
	}
	for _, want := range []string{"length", "domain", "format=scenario", "enemy", "anchors", "pretest"} {
		if !names[want] {
			t.Errorf("assembly.json lists no %q constraint: %v", want, names)
		}
	}
	// The items file reads back through the items reader.
	f, err := os.Open(filepath.Join(dir, reports.FileItems))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ingest.ReadItems(ingest.Source{Name: "items.csv", R: f}, ingest.ItemsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var op, pre, anch int
	form1 := map[string]bool{}
	for _, id := range sb.form1 {
		form1[id] = true
	}
	form2 := map[string]bool{}
	for _, id := range sb.form2 {
		form2[id] = true
	}
	perDomain := map[string]int{}
	for _, it := range items {
		switch it.Status {
		case analysis.Operational:
			op++
			perDomain[it.Domain]++
			if form2[it.ID] {
				t.Errorf("item %s of form2 (the last form) is on the new form", it.ID)
			}
			if form1[it.ID] != it.Anchor {
				t.Errorf("item %s: anchor %v, on form1 %v", it.ID, it.Anchor, form1[it.ID])
			}
		case analysis.Pretest:
			pre++
		}
		if it.Anchor {
			anch++
		}
		if len(it.Options) != 4 {
			t.Errorf("item %s: options %v, want ABCD from the bank's field", it.ID, it.Options)
		}
	}
	if op != 20 || pre != 3 || anch != 5 {
		t.Errorf("items.csv: %d operational, %d pretest, %d anchors; want 20, 3, 5", op, pre, anch)
	}
	for d, want := range map[string]int{"Clinical Operations": 6, "Non-Clinical Operations": 6, "Revenue Cycle/Finance": 3, "Regulatory Compliance": 3, "Reporting": 2} {
		if perDomain[d] != want {
			t.Errorf("domain %s: %d items, want %d (largest remainder of 20)", d, perDomain[d], want)
		}
	}
	// The pre-equated raw cut: from params.csv on the bank scale, the
	// smallest raw score whose θ reaches θ_cut.
	pf, err := os.Open(filepath.Join(dir, reports.FileParams))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	ps, err := reports.ReadParams(ingest.Source{Name: "params.csv", R: pf})
	if err != nil {
		t.Fatal(err)
	}
	var its []irt.Item
	for _, p := range ps {
		its = append(its, p.Item)
	}
	conv := sum.Forms[0].Conversion
	want := len(its) + 1
	for x := 1; x < len(its); x++ {
		th, err := irt.TCCInverse(its, float64(x))
		if err == nil && th >= sb.scale.ThetaCut-1e-9 {
			want = x
			break
		}
	}
	if conv.RawCut != want {
		t.Errorf("pre-equated raw cut %d, want %d (the first raw score with τ⁻¹(x) ≥ θ_cut = %.2f)", conv.RawCut, want, sb.scale.ThetaCut)
	}
	// (Exactly 390 at the raw cut is the cut rule of the decisions issue,
	// in scale.NewConversion; here: passing from the raw cut on.)
	if r := conv.Rows[conv.RawCut]; r.ScaleScore < 390 || !r.Pass || conv.Rows[conv.RawCut-1].Pass || conv.Rows[conv.RawCut-1].ScaleScore > 389 {
		t.Errorf("raw cut %d reports %g (pass %v), one below %g: want at least 390 and at most 389", conv.RawCut, r.ScaleScore, r.Pass, conv.Rows[conv.RawCut-1].ScaleScore)
	}
	if p := sum.Forms[0].Projection.At.PassRate; !(p > 0.2 && p < 0.95) {
		t.Errorf("projected pass rate %.3f for N(0.1, 1.05) at θ_cut −0.2: want about 0.6", p)
	}
	if sum.Population.Mean != 0.1 || sum.Population.SD != 1.05 {
		t.Errorf("population N(%g, %g), want the latest administration's N(0.1, 1.05)", sum.Population.Mean, sum.Population.SD)
	}
	for _, name := range []string{"conversion.csv", "scale.json", "projection.csv", "accuracy.json", "params_cov.csv", "curves.csv",
		"charts/tcc.png", "charts/tif.png", "charts/csem.png", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	// The planned form in the bank.
	b, err := bank.Open(ctx, sb.path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	pl, err := b.Form(ctx, "form3")
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.Items) != 20 || len(pl.Conversion) != 21 || pl.PopulationMean != 0.1 {
		t.Errorf("planned form: %d items, %d conversion rows, population mean %g", len(pl.Items), len(pl.Conversion), pl.PopulationMean)
	}
	// Compared with itself, the pre-equated table differs nowhere.
	cmp, err := ComparePreEquating(pl, conv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cmp.PreRawCut != conv.RawCut || cmp.PostRawCut != conv.RawCut || cmp.RawScoresWithOtherPass != 0 || cmp.MaxScaleDiff != 0 {
		t.Errorf("planned form against its own table: %+v", cmp)
	}
	// Assembling again under the same name is refused (an input error).
	_, err = Assemble(ctx, sf, AssembleOptions{Out: filepath.Join(t.TempDir(), "again"), Name: "form3"})
	if !IsInput(err) || !errors.Is(err, bank.ErrConflict) && !strings.Contains(err.Error(), "--replace") {
		t.Errorf("same name again: %v; want an input error naming --replace", err)
	}
}

func mustReadJSON(t *testing.T, file string, v any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestAssembleInfeasible: a Reporting count the bank cannot meet, with 2
// items retired and 1 drifted, is refused before any solve with the counts
// and the spec line of the Reporting count.
func TestAssembleInfeasible(t *testing.T) {
	sb := newSimBank(t, rand.New(rand.NewPCG(3, 4)), simBankOptions{retire: 2, drift: true})
	sf := writeSpec(t, sb, `  length: 40
  domains:
    - {name: Clinical Operations, count: 10}
    - {name: Non-Clinical Operations, count: 8}
    - {name: Revenue Cycle/Finance, count: 4}
    - {name: Regulatory Compliance, count: 4}
    - {name: Reporting, count: 14}
  solver: heuristic
`)
	_, err := Assemble(context.Background(), sf, AssembleOptions{Out: filepath.Join(t.TempDir(), "next")})
	var se *InfeasibleSpecError
	if !errors.As(err, &se) || !IsInput(err) || !errors.Is(err, assemble.ErrInfeasible) {
		t.Fatalf("err = %v; want an input *InfeasibleSpecError", err)
	}
	want := "exam.yaml:" + strconv.Itoa(sf.Spec.Line("assembly.domains[4]")) + ": assembly.domains[4]: Reporting needs 14 items; 13 are eligible: 2 retired, 1 drifted"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message:\n%v\nwant it to contain\n%s", err, want)
	}
}

// TestAssembleHeuristicForms: two forms by the heuristic, with no overlap,
// each in its own folder, not proven optimal.
func TestAssembleHeuristicForms(t *testing.T) {
	sb := newSimBank(t, rand.New(rand.NewPCG(5, 6)), simBankOptions{cutTheta: 0.3})
	sf := writeSpec(t, sb, "  length: 20\n  solver: heuristic\n  time_limit: 5\n")
	dir := filepath.Join(t.TempDir(), "next")
	sum, err := Assemble(context.Background(), sf, AssembleOptions{Out: dir, Forms: 2, Name: "autumn", NoSave: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Result.Optimal || len(sum.Forms) != 2 || sum.Forms[1].Name != "autumn-2" || sum.Saved {
		t.Fatalf("optimal %v, forms %d (%s), saved %v", sum.Result.Optimal, len(sum.Forms), sum.Forms[len(sum.Forms)-1].Name, sum.Saved)
	}
	seen := map[string]bool{}
	for _, f := range sum.Forms {
		if _, err := os.Stat(filepath.Join(dir, f.Name, "items.csv")); err != nil {
			t.Error(err)
		}
		for _, id := range f.Items {
			if seen[id] {
				t.Errorf("item %s on both forms", id)
			}
			seen[id] = true
		}
	}
}

// TestAssembleMatchBase: objective match-base takes the base form's TIF and
// TCC at the θ points as the target and reports the largest deviation.
func TestAssembleMatchBase(t *testing.T) {
	sb := newSimBank(t, rand.New(rand.NewPCG(7, 8)), simBankOptions{})
	sf := writeSpec(t, sb, "  length: 20\n  objective: match-base\n  solver: heuristic\n  time_limit: 3\n")
	dir := filepath.Join(t.TempDir(), "next")
	sum, err := Assemble(context.Background(), sf, AssembleOptions{Out: dir, NoSave: true})
	if err != nil {
		t.Fatal(err)
	}
	var af reports.AssemblyFile
	mustReadJSON(t, filepath.Join(dir, reports.FileAssembly), &af)
	if af.Objective != "match-base" || len(af.Theta) != 5 || af.BaseForm != "form1" || af.Forms[0].Deviation == nil {
		t.Fatalf("assembly.json: objective %q, θ %v, base %q, deviation %v", af.Objective, af.Theta, af.BaseForm, af.Forms[0].Deviation)
	}
	// The base form itself is in the pool: a perfect match exists, and the
	// largest deviation found is small against a TIF of about 5.
	if d := *af.Forms[0].Deviation; !(d < 0.5) || sum.BaseForm != "form1" {
		t.Errorf("largest deviation from form1 %.3f, want < 0.5", d)
	}
}

// TestComparePreEquating: a post-administration table one scale point up
// from raw score 12 moves the raw cut by one and changes the decision of the
// candidates at that score only.
func TestComparePreEquating(t *testing.T) {
	pre := &bank.Form{Name: "f"}
	post := &scale.Conversion{RawCut: 12}
	for x := 0; x <= 20; x++ {
		s := 300 + 10*x
		pre.Conversion = append(pre.Conversion, bank.ConversionRow{Raw: x, Theta: float64(x-13) / 5, ScaleScore: s - 40, Pass: x >= 13})
		post.Rows = append(post.Rows, scale.ConversionRow{Raw: x, Theta: float64(x-12) / 5, ScaleScore: float64(s - 30), Pass: x >= 12})
	}
	scores := []int{5, 12, 12, 13, 20, 11, 12, 0}
	c, err := ComparePreEquating(pre, post, scores)
	if err != nil {
		t.Fatal(err)
	}
	if c.PreRawCut != 13 || c.PostRawCut != 12 || c.Candidates != 8 || c.Differ != 3 || c.DifferShare != 3.0/8 || c.MaxScaleDiff != 10 || c.RawScoresWithOtherPass != 1 {
		t.Errorf("comparison %+v; want raw cuts 13 and 12, 3 of 8 differ, max diff 10", c)
	}
	tab := reports.PrePostTable(c.Rows)
	if got := strings.Join(tab.Rows[12], ","); got != "12,-0.200000,0.000000,380,390,10,false,true,true,3" {
		t.Errorf("pre_post.csv row 12: %s", got)
	}
	// Tables of different forms are refused.
	post.Rows = post.Rows[:20]
	if _, err := ComparePreEquating(pre, post, nil); !IsInput(err) {
		t.Errorf("different lengths: %v; want an input error", err)
	}
}
