package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/reports"
)

// simulateForms writes two simulated forms sharing anchors into dir/data
// through the simulate stage and returns the simulation's cut θ.
func simulateForms(t *testing.T, dir string, o simulate.Options) float64 {
	t.Helper()
	out, err := NewOutput(filepath.Join(dir, "data"), Invocation{Command: "test"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Abort()
	sim, err := Simulate(context.Background(), out, "", 3, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Commit(); err != nil {
		t.Fatal(err)
	}
	return sim.CutTheta
}

// runSpec runs a spec given as text (paths relative to dir) into dir/out.
func runSpec(t *testing.T, dir, out, text string) *Summary {
	t.Helper()
	sf, err := ParseSpec(out+".yaml", text, dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), sf, RunOptions{Out: filepath.Join(dir, out), Invocation: Invocation{Command: "itemlab run", Args: []string{"--spec", out + ".yaml"}}})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// TestRunLinkedForms runs the pipeline without the command line on two
// simulated forms: the first defines the scale, the second is linked to the
// first through its anchors (the base-form stage) and equated. The second
// population is 0.25 logits abler (simulation truth), which the link must
// recover.
func TestRunLinkedForms(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping two whole pipeline runs")
	}
	dir := t.TempDir()
	cut := simulateForms(t, dir, simulate.Options{Examinees: 1500, Operational: 40, Pretest: 5, Forms: 2, Anchors: 20, NoFlaws: true})
	common := `calibration: {model: 2pl}
report: {workbook: false, charts: false}
projection: {reps: 20}
`
	s1 := runSpec(t, dir, "form1", common+fmt.Sprintf("responses: data/responses.csv\nitems: data/items.csv\nscale: {cut_theta: %.4f}\n", cut))
	if s1.RawCut == nil || s1.LinkA != nil {
		t.Fatalf("form 1: raw cut %v, link %v; want a raw cut and no link", s1.RawCut, s1.LinkA)
	}
	s2 := runSpec(t, dir, "form2", common+`responses: data/form2/responses.csv
items: data/form2/items.csv
scale: {base: form1/scale/scale.json}
base_form: {params: form1/calibrate/params.csv, responses: data/responses.csv, items: data/items.csv}
`)
	if s2.LinkA == nil {
		t.Fatal("form 2 was not linked")
	}
	// Form 2's own calibration puts its population at N(0, 1); on the base
	// scale it is N(0.25, 1): B ≈ 0.25 and A ≈ 1, within a few SEs of
	// linking through 20 anchors at N = 1500 (SE(B) ≈ 0.04).
	if math.Abs(*s2.LinkB-0.25) > 0.15 || math.Abs(*s2.LinkA-1) > 0.15 {
		t.Errorf("link A = %.3f, B = %.3f; want about 1 and 0.25", *s2.LinkA, *s2.LinkB)
	}
	for _, f := range []string{reports.FileLinking, reports.FileAnchors, reports.FileLinkedParams, reports.FileEquating} {
		if _, err := os.Stat(filepath.Join(dir, "form2", "equate", f)); err != nil {
			t.Errorf("form 2: %v", err)
		}
	}
	if !strings.Contains(strings.Join(s2.Stages, " "), "equate") {
		t.Errorf("stages %v, want equate among them", s2.Stages)
	}
	// The manifest names the spec's text and the command that ran.
	var m reports.Manifest
	b, err := os.ReadFile(filepath.Join(dir, "form2", reports.FileManifest))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Spec, "base_form:") || strings.Join(m.Args, " ") != "--spec form2.yaml" {
		t.Errorf("manifest spec %q, args %q", m.Spec, m.Args)
	}
	var stages []string
	for _, st := range m.Stages {
		stages = append(stages, st.Name)
	}
	if got := strings.Join(stages, ","); got != "ingest,analyze,calibrate,equate,scale,score,dif,review,pretest,project" {
		t.Errorf("manifest stages %s", got)
	}
}

// TestReadSpecRecordsHash checks that a spec read from a file is an input
// of the run with its SHA-256.
func TestReadSpecRecordsHash(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "exam.yaml")
	os.WriteFile(filepath.Join(dir, "r.csv"), []byte("I1,I2\n0,1\n1,0\n"), 0o644)
	os.WriteFile(p, []byte("responses: r.csv\n"), 0o644)
	sf, err := ReadSpec(p)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte("responses: r.csv\n"))
	if sf.Record == nil || sf.Record.SHA256 != hex.EncodeToString(want[:]) || sf.Record.Bytes != 17 || sf.Record.Path != p {
		t.Errorf("record %+v, want %x", sf.Record, want)
	}
	if sf.Text != "responses: r.csv\n" {
		t.Errorf("text %q", sf.Text)
	}
}

// TestRunFailedStageLeavesNothing: a stage that fails (a base form whose
// parameters file has a bad cell, found after calibration) leaves no run
// folder and no staging folder.
func TestRunFailedStageLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r.csv"), []byte("I1,I2,I3\n0,1,1\n1,0,1\n1,1,0\n0,0,1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "base.csv"), []byte("item_id,b\nI1,abc\n"), 0o644)
	sf, err := ParseSpec("exam.yaml", "responses: r.csv\ncalibration: {model: rasch}\nreport: {workbook: false, charts: false}\nbase_form: {params: base.csv}\n", dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), sf, RunOptions{Out: filepath.Join(dir, "run")})
	if err == nil || !IsInput(err) {
		t.Fatalf("err = %v, want an input error", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "r.csv" && e.Name() != "base.csv" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	if !strings.HasPrefix(err.Error(), "equate: "+filepath.Join(dir, "base.csv")+":2:2") {
		t.Errorf("err = %v, want the equate stage and the bad cell", err)
	}
}

// With a blueprint in the spec, an items file without domains, or with a
// domain the blueprint does not name, is refused before anything runs.
func TestRunBlueprintMismatch(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r.csv"), []byte("id,Q1,Q2,Q3\n1,A,B,A\n2,B,B,A\n3,A,A,B\n"), 0o644)
	blueprint := "domains:\n  - {name: Clinical Operations, weight: 60}\n  - {name: Reporting, weight: 40}\n"
	for _, c := range []struct{ name, items, want string }{
		{"no domain column", "item_id,key,status\nQ1,A,operational\nQ2,B,operational\nQ3,A,pretest\n", "no item has a domain"},
		{"unknown domain", "item_id,key,domain,status\nQ1,A,Clinical Operations,operational\nQ2,B,clinical operations ,operational\nQ3,A,Finance,pretest\n",
			`2 items in domains the spec's blueprint (exam.yaml:1) does not name: Q2 ("clinical operations": did you mean "Clinical Operations"?), Q3 ("Finance")`},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(dir, "i.csv"), []byte(c.items), 0o644)
			sf, err := ParseSpec("exam.yaml", blueprint+"responses: r.csv\nitems: i.csv\n", dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Run(context.Background(), sf, RunOptions{Out: filepath.Join(dir, "run")})
			if err == nil || !IsInput(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want an input error with %q", err, c.want)
			}
		})
	}
}
