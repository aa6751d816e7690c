//go:build study

package assemble

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWriteOptima computes the integer optima of largeCases and writes
// testdata/optima.json:
//
//	go test -tags study -run TestWriteOptima -timeout 2h ./assemble
//
// Each optimum is CBC's at relative gap 0 (ratio 0, no time limit beyond
// 30 minutes, proven optimal), cross-checked by glpsol at --mipgap 0 with
// the same limit: the test fails if glpsol proves a different optimum.
func TestWriteOptima(t *testing.T) {
	cbc, glpk := needSolver(t, "cbc"), needSolver(t, "glpsol")
	var out []optimum
	for _, c := range largeCases {
		pool, spec := c.build()
		p, err := compile(pool, spec)
		if err != nil {
			t.Fatal(err)
		}
		var lp bytes.Buffer
		if err := p.writeLP(&lp); err != nil {
			t.Fatal(err)
		}
		opts := SolveOptions{TimeLimit: 30 * time.Minute, RelGap: 0, Threads: 2}
		a, err := cbc.Solve(context.Background(), lp.Bytes(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != StatusOptimal {
			t.Fatalf("%s: CBC %v", c.Name, a.Status)
		}
		b, err := glpk.Solve(context.Background(), lp.Bytes(), opts)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status == StatusOptimal && math.Abs(a.Objective-b.Objective) > 1e-6*a.Objective {
			t.Fatalf("%s: CBC optimum %.8f, glpsol %.8f", c.Name, a.Objective, b.Objective)
		}
		if b.Objective > a.Objective*(1+1e-6) {
			t.Fatalf("%s: glpsol found %.8f above CBC's optimum %.8f", c.Name, b.Objective, a.Objective)
		}
		out = append(out, optimum{Name: c.Name, Optimum: math.Max(a.Objective, b.Objective), CBC: a.Objective, CBCBound: a.Bound, CBCStatus: a.Status.String(),
			GLPK: b.Objective, GLPKStat: b.Status.String(), Solvers: a.Solver + ", " + b.Solver,
			Method: "CBC ratio 0 (proven optimal); glpsol --mipgap 0 with a 30 min limit as a cross-check (equal within 1e-6 relative if its status is optimal, never above; the larger is stored)"})
		t.Logf("%s: CBC %.8f (%v, %.1f s), glpsol %.8f (%v, %.1f s)", c.Name, a.Objective, a.Status, a.Seconds, b.Objective, b.Status, b.Seconds)
	}
	data, _ := json.MarshalIndent(out, "", "  ")
	if err := os.WriteFile(filepath.Join("testdata", "optima.json"), append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
