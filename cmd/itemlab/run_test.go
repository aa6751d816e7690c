package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRunReproducible runs the same spec twice, with different numbers of
// threads, and checks every table (CSV and JSON, apart from the manifest
// with its times) is byte-identical.
func TestRunReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("two full pipeline runs")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, stderr := runCmd(t, "simulate", "--out", data, "--examinees", "700", "--seed", "5"); code != 0 {
		t.Fatal(stderr)
	}
	specFile := filepath.Join(data, "exam.yaml")
	if code, _, stderr := runCmd(t, "init", "--out", specFile); code != 0 {
		t.Fatal(stderr)
	}
	// The tables are compared; the workbook and charts are not drawn.
	text, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	noReport := strings.Replace(string(text), "  workbook: true ", "  workbook: false", 1)
	noReport = strings.Replace(noReport, "  charts: true ", "  charts: false", 1)
	if noReport == string(text) {
		t.Fatal("the example spec has no report.workbook/charts lines to turn off")
	}
	if err := os.WriteFile(specFile, []byte(noReport), 0o644); err != nil {
		t.Fatal(err)
	}
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	var runs []string
	for k, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		out := filepath.Join(dir, "run"+string(rune('a'+k)))
		if code, _, stderr := runCmd(t, "run", "--spec", specFile, "--out", out, "--quiet"); code != 0 {
			t.Fatalf("run %d: %s", k, stderr)
		}
		runs = append(runs, out)
	}
	n := 0
	filepath.WalkDir(runs[0], func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() == "manifest.json" {
			return err
		}
		if !strings.HasSuffix(p, ".csv") && !strings.HasSuffix(p, ".json") {
			return nil
		}
		rel, _ := filepath.Rel(runs[0], p)
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(runs[1], rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between GOMAXPROCS=1 and 2 (%v)", rel, err)
		}
		n++
		return nil
	})
	if n < 20 {
		t.Errorf("compared only %d tables", n)
	}
}
