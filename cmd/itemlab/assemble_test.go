package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/bank"
)

// TestAssembleCommand runs itemlab assemble on a bank built through the
// bank API (the bank commands are another branch's): a form by the
// heuristic from a bank without administrations (population N(0, 1), with
// a warning; no base form), and an infeasible spec, exit code 2 with its
// spec line.
func TestAssembleCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	b, err := bank.Init(ctx, filepath.Join(dir, "bank.db"), bank.Options{By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var imp []bank.ImportItem
	for k := range 40 {
		dom := []string{"Alpha", "Beta"}[k%2]
		a, bb := 0.8+0.02*float64(k), -1.5+0.075*float64(k)
		p := bank.Params{Model: "2pl", A: a, B: bb, C: bank.None, D: -a * bb, SEA: 0.05, SEB: 0.08, SEC: bank.None, SED: 0.07}
		imp = append(imp, bank.ImportItem{Item: bank.Item{ID: fmt.Sprintf("Q%02d", k+1), Domain: dom, Status: bank.Operational, Key: "C"}, Params: &p})
	}
	if _, err := b.ImportItems(ctx, imp, bank.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetScale(ctx, []byte(`{"slope": 50, "theta_cut": 0.2, "cut": 390, "min": 200, "max": 500}`), false); err != nil {
		t.Fatal(err)
	}
	b.Close()
	spec := func(name, assembly string) string {
		f := filepath.Join(dir, name)
		text := "exam: t\ndomains:\n  - {name: Alpha, weight: 60}\n  - {name: Beta, weight: 40}\nprojection:\n  reps: 0\nassembly:\n" + assembly
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	run1 := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(ctx, args, &Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
		return code, stdout.String(), stderr.String()
	}
	code, stdout, stderr := run1("assemble", "--bank", filepath.Join(dir, "bank.db"), "--spec", spec("ok.yaml", "  length: 10\n  solver: heuristic\n  time_limit: 2\n"),
		"--out", filepath.Join(dir, "next"), "--name", "spring")
	if code != 0 || !strings.Contains(stdout, "form spring: 10 items") || !strings.Contains(stderr, "N(0, 1)") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, f := range []string{"items.csv", "params.csv", "conversion.csv", "assembly.json", "charts/tcc.png", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, "next", f)); err != nil {
			t.Error(err)
		}
	}
	code, _, stderr = run1("assemble", "--bank", filepath.Join(dir, "bank.db"), "--spec",
		spec("bad.yaml", "  length: 40\n  domains:\n    - {name: Alpha, count: 10}\n    - {name: Beta, count: 30}\n"), "--out", filepath.Join(dir, "bad"))
	if want := "itemlab: error: " + filepath.Join(dir, "bad.yaml") + ":11: assembly.domains[1]: Beta needs 30 items; 20 are eligible"; code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("infeasible: exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); err == nil {
		t.Error("an infeasible spec left an output folder")
	}
}
