package assemble

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkFourForms: four parallel 100-item forms (20 shared anchors,
// enemies, metadata counts, 5 pretest slots each) from a 600-item bank with
// CBC on 2 threads, at the default relative gap 0.001 and a 60 s limit.
//
//	go test -run '^$' -bench FourForms -benchtime 1x ./assemble
func BenchmarkFourForms(b *testing.B) {
	needSolver(b, "cbc")
	pool := simBank(simConfig{seed: 1, items: 600, prevForm: 100, enemyTop: 30, pretest: 40, cut: 0.5})
	spec := simSpec(100, 4, 20, 5, 0.5)
	var secs, gap float64
	for b.Loop() {
		res, err := Assemble(context.Background(), pool, spec, Options{Solver: "cbc", Threads: 2, TimeLimit: 60 * time.Second})
		if err != nil {
			b.Fatal(err)
		}
		if bad := verify(pool, spec, res); len(bad) > 0 {
			b.Fatalf("constraints broken: %v", bad)
		}
		secs += res.Seconds
		gap += res.Gap
	}
	b.ReportMetric(secs/float64(b.N), "solve-s/op")
	b.ReportMetric(100*gap/float64(b.N), "gap-%")
}

// TestSolutionFiles: the model written by WriteModel, solved by cbc and
// glpsol run by hand, is read back through Options.Solution.
func TestSolutionFiles(t *testing.T) {
	pool := simBank(simConfig{seed: 3, items: 20, prevForm: 6, enemyTop: 4, pretest: 3, cut: 0})
	spec := simSpec(5, 2, 1, 1, 0)
	spec.Attributes[0].Count = AtMost(3)
	dir := t.TempDir()
	lp := filepath.Join(dir, "m.lp")
	var model bytes.Buffer
	ref, err := Assemble(context.Background(), pool, spec, Options{Solver: "heuristic", WriteModel: &model, TimeLimit: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_ = ref
	os.WriteFile(lp, model.Bytes(), 0o644)
	runs := map[string][]string{
		"cbc":    {lp, "solve", "solution", filepath.Join(dir, "cbc.sol")},
		"glpsol": {"--lp", lp, "-o", filepath.Join(dir, "glpsol.sol")},
	}
	for name, args := range runs {
		s := needSolver(t, name)
		if out, err := exec.Command(s.Path, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		f, err := os.Open(filepath.Join(dir, name+".sol"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := Assemble(context.Background(), pool, spec, Options{Solution: f})
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bad := verify(pool, spec, res); len(bad) > 0 {
			t.Errorf("%s: constraints broken: %v", name, bad)
		}
		t.Logf("%s: %s, objective %.6f, %v", name, res.Solver, res.Objective, res.Status)
	}
	// A Gurobi-style name-value file.
	var sol bytes.Buffer
	sol.WriteString("# Objective value = 0\n")
	res, err := Assemble(context.Background(), pool, spec, Options{Solution: &bytes.Buffer{}})
	if err == nil {
		t.Errorf("an empty solution file gave a result: %+v", res)
	}
}
