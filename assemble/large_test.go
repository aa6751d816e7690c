package assemble

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// largeCase is a simulated bank too large to enumerate; its integer optimum
// is stored in testdata/optima.json (see optima_study_test.go for how).
type largeCase struct {
	Name   string
	Config simConfig
	Length int
	Forms  int
	Anchor int
	Pre    int
}

var largeCases = []largeCase{
	{"300x1", simConfig{seed: 11, items: 300, prevForm: 100, enemyTop: 30, pretest: 20, cut: 0.5}, 100, 1, 20, 5},
	{"400x2", simConfig{seed: 12, items: 400, prevForm: 100, enemyTop: 30, pretest: 20, cut: 0.5}, 60, 2, 12, 5},
}

func (c largeCase) build() (*Pool, *Spec) {
	return simBank(c.Config), simSpec(c.Length, c.Forms, c.Anchor, c.Pre, c.Config.cut)
}

// optimum is a stored integer optimum and how it was obtained.
type optimum struct {
	Name      string  `json:"name"`
	Optimum   float64 `json:"optimum"`
	CBC       float64 `json:"cbc_objective"`
	CBCBound  float64 `json:"cbc_bound"`
	CBCStatus string  `json:"cbc_status"`
	GLPK      float64 `json:"glpk_objective"`
	GLPKStat  string  `json:"glpk_status"`
	Solvers   string  `json:"solvers"`
	Method    string  `json:"method"`
}

func readOptima(t testing.TB) map[string]optimum {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "optima.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []optimum
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatal(err)
	}
	m := map[string]optimum{}
	for _, o := range list {
		m[o.Name] = o
	}
	return m
}

// TestOptimumLarge: CBC at its default gap on 300–500-item banks meets
// every constraint, comes within 1 % of the stored integer optimum, and its
// reported bound and gap are consistent with it.
func TestOptimumLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("solves 300- and 400-item banks to their stored optima; skipped under -short")
	}
	needSolver(t, "cbc")
	optima := readOptima(t)
	for _, c := range largeCases {
		t.Run(c.Name, func(t *testing.T) {
			opt, ok := optima[c.Name]
			if !ok {
				t.Fatalf("no stored optimum for %s", c.Name)
			}
			pool, spec := c.build()
			if naive := bestPerDomain(pool, spec); len(verify(pool, spec, naive)) == 0 {
				t.Errorf("the best items per domain are a feasible form: the instance does not test the model")
			}
			res, err := Assemble(context.Background(), pool, spec, Options{Solver: "cbc", Threads: 2, TimeLimit: 20 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if bad := verify(pool, spec, res); len(bad) > 0 {
				t.Fatalf("constraints broken: %v", bad)
			}
			want := opt.Optimum
			if res.Objective < 0.99*want || res.Objective > want*(1+1e-6) {
				t.Errorf("objective %.6f, want within 1 %% below the optimum %.6f", res.Objective, want)
			}
			if res.Bound < want*(1-1e-6) {
				t.Errorf("bound %.6f below the optimum %.6f", res.Bound, want)
			}
			if trueGap := (want - res.Objective) / res.Objective; res.Gap < trueGap-1e-6 {
				t.Errorf("reported gap %.6f smaller than the true gap %.6f", res.Gap, trueGap)
			}
			t.Logf("%s: objective %.5f, optimum %.5f (%.3f %% below), bound %.5f, gap %.4f %%, %v, %.1f s",
				res.Solver, res.Objective, want, 100*(want-res.Objective)/want, res.Bound, 100*res.Gap, res.Status, res.Seconds)
			h, err := Assemble(context.Background(), pool, spec, Options{Solver: "heuristic", TimeLimit: 3 * time.Second})
			if err != nil {
				t.Fatalf("heuristic: %v", err)
			}
			if bad := verify(pool, spec, h); len(bad) > 0 {
				t.Fatalf("heuristic: constraints broken: %v", bad)
			}
			if h.Objective < 0.9*want {
				t.Errorf("heuristic: objective %.4f, want ≥ 90 %% of the optimum %.4f", h.Objective, want)
			}
			t.Logf("heuristic: %.5f (%.2f %% below the optimum), %.1f s", h.Objective, 100*(want-h.Objective)/want, h.Seconds)
		})
	}
}
