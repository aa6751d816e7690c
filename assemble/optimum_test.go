package assemble

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"
)

// bruteForce enumerates every K-form assignment of spec over pool (form
// f+1 drawn from the items not on forms 1..f, items of the anchor form
// excepted), pruning on domain maxima, enemy sets and the anchor count, and
// returns the best objective among the assignments verify accepts: the
// smallest information at the cut over the forms (maximised), or with a
// target the largest deviation (minimised). It knows nothing of the LP
// model. Small instances only.
func bruteForce(t *testing.T, pool *Pool, spec *Spec) (best float64, count int) {
	t.Helper()
	n := len(pool.Items)
	maximize := spec.Target == nil
	best = math.Inf(-1)
	if !maximize {
		best = math.Inf(1)
	}
	K := spec.forms()
	dom := make([]int, n)
	for i, it := range pool.Items {
		for d, dc := range spec.Domains {
			if dc.Domain == it.Domain {
				dom[i] = d
			}
		}
	}
	prev := make([]bool, n)
	nA := 0
	if a := spec.Anchor; a != nil {
		nA = a.Count
		for i := range pool.Items {
			prev[i] = pool.Items[i].inForm(a.Form)
		}
	}
	forms := make([][]int, K)
	evaluate := func() {
		res := &Result{}
		if spec.Anchor != nil {
			for _, i := range forms[0] {
				if prev[i] {
					res.Anchors = append(res.Anchors, pool.Items[i].ID)
				}
			}
		}
		for f := range K {
			var form Form
			for _, i := range forms[f] {
				form.Items = append(form.Items, pool.Items[i])
				form.InfoAtCut += pool.Items[i].IRT.Info(spec.CutTheta)
			}
			sortForm(spec, form.Items)
			res.Forms = append(res.Forms, form)
		}
		if len(verify(pool, spec, res)) > 0 {
			return
		}
		count++
		if maximize {
			v := math.Inf(1)
			for _, form := range res.Forms {
				v = math.Min(v, form.InfoAtCut)
			}
			best = math.Max(best, v)
			return
		}
		var dev float64
		for _, form := range res.Forms {
			got := TargetOf(form.Items, spec.Target.Theta)
			for k := range spec.Target.Theta {
				if spec.Target.TIF != nil {
					dev = math.Max(dev, math.Abs(got.TIF[k]-spec.Target.TIF[k]))
				}
				if spec.Target.TCC != nil {
					dev = math.Max(dev, math.Abs(got.TCC[k]-spec.Target.TCC[k]))
				}
			}
		}
		best = math.Min(best, dev)
	}
	taken := make([]bool, n)
	var rec func(f, start int, cur []int, dcount []int, enemies map[string]bool, prevN int)
	rec = func(f, start int, cur []int, dcount []int, enemies map[string]bool, prevN int) {
		if len(cur) == spec.Length {
			if spec.Anchor != nil && prevN != nA {
				return
			}
			forms[f] = append([]int(nil), cur...)
			if f+1 == K {
				evaluate()
				return
			}
			for _, i := range cur {
				if !prev[i] {
					taken[i] = true
				}
			}
			rec(f+1, 0, nil, make([]int, len(spec.Domains)), map[string]bool{}, 0)
			for _, i := range cur {
				taken[i] = false
			}
			return
		}
		for i := start; i < n && n-i >= spec.Length-len(cur); i++ {
			it := &pool.Items[i]
			if taken[i] || (prev[i] && prevN == nA) {
				continue
			}
			if f > 0 && prev[i] { // anchors: the same as on form 1
				continue
			}
			if c := spec.Domains[dom[i]].Count; c.bounded() && dcount[dom[i]] == c.Max {
				continue
			}
			clash := false
			for _, e := range it.Enemies {
				clash = clash || enemies[e]
			}
			if clash {
				continue
			}
			for _, e := range it.Enemies {
				enemies[e] = true
			}
			dcount[dom[i]]++
			p := prevN
			if prev[i] {
				p++
			}
			rec(f, i+1, append(cur, i), dcount, enemies, p)
			dcount[dom[i]]--
			for _, e := range it.Enemies {
				delete(enemies, e)
			}
		}
	}
	rec(0, 0, nil, make([]int, len(spec.Domains)), map[string]bool{}, 0)
	return best, count
}

func sortForm(spec *Spec, items []Item) {
	rank := map[string]int{}
	for d, dc := range spec.Domains {
		rank[dc.Domain] = d
	}
	for a := 1; a < len(items); a++ {
		for b := a; b > 0; b-- {
			x, y := items[b-1], items[b]
			if rank[x.Domain] < rank[y.Domain] || (rank[x.Domain] == rank[y.Domain] && x.ID < y.ID) {
				break
			}
			items[b-1], items[b] = y, x
		}
	}
}

type smallCase struct {
	name string
	pool *Pool
	spec *Spec
}

// smallCases are instances small enough to enumerate: 22–24 items over the
// five domains, forms of 6–8, enemy sets among the best items, a minimum of
// scenario items, and an anchor block or two forms without overlap.
func smallCases() []smallCase {
	var cs []smallCase
	for _, seed := range []uint64{1, 3, 10} {
		pool := simBank(simConfig{seed: seed, items: 24, prevForm: 8, enemyTop: 6, cut: 0.5})
		spec := simSpec(8, 1, 3, 0, 0.5)
		spec.Anchor.DifficultyBins = 2
		spec.Attributes[0].Count = AtLeast(2)
		cs = append(cs, smallCase{fmt.Sprintf("anchor/seed%d", seed), pool, spec})
	}
	for _, seed := range []uint64{4, 5} {
		pool := simBank(simConfig{seed: seed, items: 18, prevForm: 0, enemyTop: 4, cut: 0})
		spec := simSpec(5, 2, 0, 0, 0)
		spec.Attributes[0].Count = AtLeast(1)
		cs = append(cs, smallCase{fmt.Sprintf("two-forms/seed%d", seed), pool, spec})
	}
	{
		pool := simBank(simConfig{seed: 6, items: 22, prevForm: 0, enemyTop: 6, cut: 0})
		spec := simSpec(6, 1, 0, 0, 0)
		base := TargetOf(pool.Items[10:16], []float64{-1, 0, 1})
		spec.Target = &base
		cs = append(cs, smallCase{"target/seed6", pool, spec})
	}
	return cs
}

// TestOptimumSmall checks CBC and glpsol, run to proven optimality, against
// exhaustive enumeration, and the heuristic against a stated distance.
func TestOptimumSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("enumeration skipped under -short")
	}
	ctx := context.Background()
	for _, c := range smallCases() {
		t.Run(c.name, func(t *testing.T) {
			want, feasible := bruteForce(t, c.pool, c.spec)
			if feasible == 0 {
				t.Fatal("enumeration found no feasible form")
			}
			if naive := bestPerDomain(c.pool, c.spec); len(verify(c.pool, c.spec, naive)) == 0 && math.Abs(naive.Objective-want) < 1e-9 {
				t.Errorf("the best items per domain are optimal: the instance does not test the model")
			}
			for _, solver := range []string{"cbc", "glpsol"} {
				needSolver(t, solver)
				res, err := Assemble(ctx, c.pool, c.spec, Options{Solver: solver, RelGap: -1, TimeLimit: 30 * time.Second})
				if err != nil {
					t.Fatalf("%s: %v", solver, err)
				}
				if bad := verify(c.pool, c.spec, res); len(bad) > 0 {
					t.Errorf("%s: constraints broken: %v", solver, bad)
				}
				// Exact up to the LP file's 12 significant digits.
				if math.Abs(res.Objective-want) > 1e-8*math.Max(1, math.Abs(want)) {
					t.Errorf("%s: objective %.10f, want %.10f (enumeration of %d feasible assignments)", solver, res.Objective, want, feasible)
				}
				if !res.Optimal || res.Gap > 1e-6 {
					t.Errorf("%s: optimal = %v, gap %g; want proven optimal", solver, res.Optimal, res.Gap)
				}
				if c.spec.Target == nil && res.Bound < want-1e-6 {
					t.Errorf("%s: bound %.6f below the optimum %.6f", solver, res.Bound, want)
				}
			}
			res, err := Assemble(ctx, c.pool, c.spec, Options{Solver: "heuristic", TimeLimit: 5 * time.Second})
			if err != nil {
				t.Fatalf("heuristic: %v", err)
			}
			if bad := verify(c.pool, c.spec, res); len(bad) > 0 {
				t.Errorf("heuristic: constraints broken: %v", bad)
			}
			if res.Optimal {
				t.Errorf("heuristic claims optimality")
			}
			// Stated limit: within 5 % of the optimum of information, or
			// within 0.1 of the optimal deviation, on these instances.
			if c.spec.Target == nil {
				if res.Objective < 0.95*want {
					t.Errorf("heuristic: objective %.4f, want ≥ 95 %% of %.4f", res.Objective, want)
				}
			} else if res.Objective > want+0.1 {
				t.Errorf("heuristic: deviation %.4f, want ≤ %.4f + 0.1", res.Objective, want)
			}
			t.Logf("optimum %.5f (%d feasible), heuristic %.5f (%.2f %%)", want, feasible, res.Objective, 100*(res.Objective-want)/want)
		})
	}
}

// bestPerDomain is the naive pick: the most informative items of each
// domain, ignoring every other constraint.
func bestPerDomain(pool *Pool, spec *Spec) *Result {
	res := &Result{Objective: math.Inf(1)}
	taken := map[string]bool{}
	for range spec.forms() {
		var form Form
		for _, dc := range spec.Domains {
			for range dc.Count.Min {
				best := -1
				for i, it := range pool.Items {
					if it.Domain == dc.Domain && !taken[it.ID] && (best < 0 || it.IRT.Info(spec.CutTheta) > pool.Items[best].IRT.Info(spec.CutTheta)) {
						best = i
					}
				}
				if best >= 0 {
					taken[pool.Items[best].ID] = true
					form.Items = append(form.Items, pool.Items[best])
					form.InfoAtCut += pool.Items[best].IRT.Info(spec.CutTheta)
				}
			}
		}
		sortForm(spec, form.Items)
		res.Objective = math.Min(res.Objective, form.InfoAtCut)
		res.Forms = append(res.Forms, form)
	}
	return res
}
