package assemble

import (
	"fmt"
	"math"
	"os"
	"sort"
	"testing"
)

// needSolver returns the named solver ("cbc" or "glpsol"). Without it the
// test skips, except under CI=true, where .ci/run must have installed it.
func needSolver(t testing.TB, name string) *Solver {
	t.Helper()
	s, err := FindSolver(name)
	if err != nil {
		pkg := map[string]string{"cbc": "coinor-cbc", "glpsol": "glpk-utils"}[name]
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v: CI must install the Debian package %s", err, pkg)
		}
		t.Skipf("%v: install the Debian package %s to run this test", err, pkg)
	}
	return s
}

// verify checks every constraint of spec on res directly from the items,
// independently of the LP model, and returns the broken ones.
func verify(pool *Pool, spec *Spec, res *Result) []string {
	var bad []string
	fail := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }
	byID := map[string]*Item{}
	for i := range pool.Items {
		byID[pool.Items[i].ID] = &pool.Items[i]
	}
	anchors := map[string]bool{}
	for _, id := range res.Anchors {
		anchors[id] = true
	}
	if len(res.Forms) != spec.forms() {
		fail("%d forms, want %d", len(res.Forms), spec.forms())
	}
	if a := spec.Anchor; a != nil {
		if len(res.Anchors) != a.Count {
			fail("%d anchors, want %d", len(res.Anchors), a.Count)
		}
		w := make([]float64, len(spec.Domains))
		for d, dc := range spec.Domains {
			w[d] = float64(dc.Count.Min)
		}
		want := Apportion(w, a.Count)
		got := make([]int, len(spec.Domains))
		var cand []*Item
		for i := range pool.Items {
			it := &pool.Items[i]
			if it.inForm(a.Form) && !it.NoAnchor {
				cand = append(cand, it)
			}
		}
		sort.SliceStable(cand, func(x, y int) bool { return cand[x].IRT.B() < cand[y].IRT.B() })
		bins := make([]int, a.DifficultyBins)
		for r, it := range cand {
			if anchors[it.ID] && a.DifficultyBins > 0 {
				bins[r*a.DifficultyBins/len(cand)]++
			}
		}
		for b, n := range bins {
			if n < a.Count/a.DifficultyBins {
				fail("anchor bin %d has %d items", b+1, n)
			}
		}
		for id := range anchors {
			it := byID[id]
			if it == nil || !it.inForm(a.Form) || it.NoAnchor {
				fail("anchor %s is not an eligible item of %s", id, a.Form)
				continue
			}
			for d, dc := range spec.Domains {
				if dc.Domain == it.Domain {
					got[d]++
				}
			}
		}
		for d := range want {
			if got[d] != want[d] {
				fail("anchor has %d items of %s, want %d", got[d], spec.Domains[d].Domain, want[d])
			}
		}
	}
	used := map[string]int{}
	usedPre := map[string]int{}
	for f, form := range res.Forms {
		if len(form.Items) != spec.Length {
			fail("form %d has %d items", f+1, len(form.Items))
		}
		var info float64
		dom := map[string]int{}
		enemy := map[string]int{}
		for _, it := range form.Items {
			info += it.IRT.Info(spec.CutTheta)
			dom[it.Domain]++
			for _, e := range it.Enemies {
				enemy[e]++
			}
			if a := spec.Anchor; a != nil && it.inForm(a.Form) && !anchors[it.ID] {
				fail("form %d: item %s of %s is not an anchor", f+1, it.ID, a.Form)
			}
			if !anchors[it.ID] {
				used[it.ID]++
			}
		}
		for id := range anchors {
			found := false
			for _, it := range form.Items {
				found = found || it.ID == id
			}
			if !found {
				fail("form %d lacks anchor %s", f+1, id)
			}
		}
		for _, it := range form.Pretest {
			usedPre[it.ID]++
			for _, e := range it.Enemies {
				enemy[e]++
			}
		}
		if math.Abs(info-form.InfoAtCut) > 1e-9 {
			fail("form %d: information %.6f, reported %.6f", f+1, info, form.InfoAtCut)
		}
		for _, dc := range spec.Domains {
			n := dom[dc.Domain]
			if n < dc.Count.Min || (dc.Count.bounded() && n > dc.Count.Max) {
				fail("form %d: %d items of %s, want %v", f+1, n, dc.Domain, dc.Count)
			}
		}
		for _, ac := range spec.Attributes {
			n := 0
			for _, it := range form.Items {
				if it.Meta[ac.Key] == ac.Value {
					n++
				}
			}
			if n < ac.Count.Min || (ac.Count.bounded() && n > ac.Count.Max) {
				fail("form %d: %d items with %s=%s, want %v", f+1, n, ac.Key, ac.Value, ac.Count)
			}
		}
		for e, n := range enemy {
			if n > 1 {
				fail("form %d: %d items of enemy set %s", f+1, n, e)
			}
		}
		if p := spec.Pretest; p != nil && len(form.Pretest) != p.Count {
			fail("form %d: %d pretest items, want %d", f+1, len(form.Pretest), p.Count)
		}
		// Stable order: domain order, then id.
		rank := map[string]int{}
		for d, dc := range spec.Domains {
			rank[dc.Domain] = d
		}
		if !sort.SliceIsSorted(form.Items, func(a, b int) bool {
			x, y := form.Items[a], form.Items[b]
			if rank[x.Domain] != rank[y.Domain] {
				return rank[x.Domain] < rank[y.Domain]
			}
			return x.ID < y.ID
		}) {
			fail("form %d: items not in domain-then-id order", f+1)
		}
	}
	for id, n := range used {
		if n > 1 {
			fail("item %s on %d forms", id, n)
		}
	}
	for id, n := range usedPre {
		if n > 1 {
			fail("pretest item %s on %d forms", id, n)
		}
	}
	return bad
}
