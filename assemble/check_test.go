package assemble

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestCountsFromWeights(t *testing.T) {
	for _, c := range []struct {
		n    int
		want []int
	}{{100, []int{32, 28, 15, 15, 10}}, {125, []int{40, 35, 19, 19, 12}}, {8, []int{3, 2, 1, 1, 1}}, {7, []int{2, 2, 1, 1, 1}}} {
		got, err := CountsFromWeights(testWeights, c.n)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for d := range got {
			sum += got[d].Count.Min
			if got[d].Count.Min != c.want[d] || !got[d].Count.exact() {
				t.Errorf("n=%d: %s = %v, want %d", c.n, got[d].Domain, got[d].Count, c.want[d])
			}
		}
		if sum != c.n {
			t.Errorf("n=%d: counts sum to %d", c.n, sum)
		}
	}
	if _, err := CountsFromWeights([]Weight{{"A", 60}, {"B", 30}}, 100); !errors.Is(err, ErrSpec) {
		t.Errorf("weights summing to 90: err = %v, want ErrSpec", err)
	}
}

// TestCheckCounts: infeasible specs give the located reason before any solve.
func TestCheckCounts(t *testing.T) {
	base := func() (*Pool, *Spec) {
		return simBank(simConfig{seed: 1, items: 300, prevForm: 60, enemyTop: 30, pretest: 10, cut: 0.5}), simSpec(100, 1, 20, 5, 0.5)
	}
	cases := []struct {
		name, constraint, text string
		edit                   func(*Pool, *Spec)
	}{
		{"domain short", "dom_Reporting", "Reporting needs 10 items, 2 of them anchors: 8 other items; 7 are eligible outside form F0: 2 retired, 1 drifted", func(p *Pool, s *Spec) {
			// Keep 7 Reporting items that are not in F0, as a bank with 3 left out would.
			var keep []Item
			n := 0
			for _, it := range p.Items {
				if it.Domain == "Reporting" && !it.inForm("F0") {
					if n++; n > 7 {
						continue
					}
				}
				keep = append(keep, it)
			}
			p.Items = keep
			p.Ineligible = map[string]map[string]int{"Reporting": {"retired": 2, "drifted": 1}}
		}},
		{"forms without overlap", "dom_Clinical_Operations", "on each of 4 forms", func(p *Pool, s *Spec) { s.Forms = 4 }},
		{"anchor short", "anc_dom_Reporting", "the anchor block needs", func(p *Pool, s *Spec) {
			s.Anchor.Domains = []DomainCount{{"Reporting", Exactly(20)}}
		}},
		{"attribute", "attr_format_scenario", "format=scenario needs at least 90", func(p *Pool, s *Spec) {
			s.Attributes[0].Count = AtLeast(90)
		}},
		{"enemies", "dom_Reporting", "enemy sets", func(p *Pool, s *Spec) {
			for i := range p.Items {
				if p.Items[i].Domain == "Reporting" && !p.Items[i].inForm("F0") {
					p.Items[i].Enemies = []string{"R-all"}
				}
			}
		}},
		{"pretest", "pre_len", "need 5 pretest items; 3 are in the pool", func(p *Pool, s *Spec) { p.Pretest = p.Pretest[:3] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pool, spec := base()
			c.edit(pool, spec)
			err := Check(pool, spec)
			var ie *InfeasibleError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInfeasible) {
				t.Fatalf("Check = %v, want an *InfeasibleError", err)
			}
			found := false
			for _, p := range ie.Problems {
				if p.Constraint == c.constraint && strings.Contains(p.Message, c.text) {
					found = true
				}
			}
			if !found {
				t.Errorf("problems %+v: want %s with %q", ie.Problems, c.constraint, c.text)
			}
			t.Log(err)
		})
	}
	t.Run("ineligible reasons", func(t *testing.T) {
		pool, spec := base()
		spec.Anchor = nil
		var keep []Item
		n := 0
		for _, it := range pool.Items {
			if it.Domain == "Reporting" {
				if n++; n > 7 {
					continue
				}
			}
			keep = append(keep, it)
		}
		pool.Items = keep
		pool.Ineligible = map[string]map[string]int{"Reporting": {"retired": 2, "drifted": 1}}
		err := Check(pool, spec)
		want := "Reporting needs 10 items; 7 are eligible: 2 retired, 1 drifted not eligible"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check = %v, want %q", err, want)
		}
	})
}

// TestSolverInfeasible: a spec whose counts pass Check but that no form
// meets is reported by the solver, with the family found by dropping
// constraint families in turn.
func TestSolverInfeasible(t *testing.T) {
	needSolver(t, "cbc")
	pool := simBank(simConfig{seed: 7, items: 300, cut: 0.5})
	spec := simSpec(100, 1, 0, 0, 0.5)
	// Every Reporting item is by writer w0, whom the spec allows only 5
	// items: the counts per domain and per writer pass, their conjunction
	// does not.
	for i := range pool.Items {
		if pool.Items[i].Domain == "Reporting" {
			pool.Items[i].Meta["writer"] = "w0"
		}
	}
	spec.Attributes[1].Count = AtMost(5)
	if err := Check(pool, spec); err != nil {
		t.Fatalf("Check = %v; the instance should pass the counts", err)
	}
	_, err := Assemble(context.Background(), pool, spec, Options{Solver: "cbc", Diagnose: true, TimeLimit: 10 * time.Second})
	var ie *InfeasibleError
	if !errors.As(err, &ie) || ie.ProvedBy == "" {
		t.Fatalf("err = %v, want an *InfeasibleError proved by the solver", err)
	}
	t.Log(err)
	if len(ie.Problems) == 0 || ie.Problems[0].Constraint != "attr" {
		t.Errorf("problems %+v: want first \"attr\" (feasible without the metadata counts)", ie.Problems)
	}
	// The heuristic cannot prove it, but must not return a form.
	if _, err := Assemble(context.Background(), pool, spec, Options{Solver: "heuristic", TimeLimit: time.Second}); !errors.Is(err, ErrInfeasible) {
		t.Errorf("heuristic: err = %v, want ErrInfeasible", err)
	}
}

// TestLPGolden: the LP text of a tiny instance (two forms, a 1-item anchor,
// enemies, metadata counts, pretest slots) is stable.
func TestLPGolden(t *testing.T) {
	pool := simBank(simConfig{seed: 3, items: 20, prevForm: 6, enemyTop: 4, pretest: 3, cut: 0})
	spec := simSpec(5, 2, 1, 1, 0)
	spec.Attributes[0].Count = AtMost(3)
	var a, b bytes.Buffer
	if err := WriteLP(&a, pool, spec); err != nil {
		t.Fatal(err)
	}
	if err := WriteLP(&b, pool, spec); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes differ")
	}
	golden := filepath.Join("testdata", "tiny.lp")
	if *update {
		if err := os.WriteFile(golden, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), want) {
		os.WriteFile(golden+".got", a.Bytes(), 0o644)
		t.Errorf("LP differs from %s; wrote %s.got (go test ./assemble -update rewrites)", golden, golden)
	}
	// Both solvers read it and agree.
	for _, name := range []string{"cbc", "glpsol"} {
		s := needSolver(t, name)
		sol, err := s.Solve(context.Background(), a.Bytes(), SolveOptions{TimeLimit: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if sol.Status != StatusOptimal {
			t.Errorf("%s: status %v", name, sol.Status)
		}
		t.Logf("%s: objective %.8f", sol.Solver, sol.Objective)
	}
}
