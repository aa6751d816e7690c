package assemble

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// The heuristic: greedy construction, then a local search over swaps that
// first removes every constraint violation and then improves the objective,
// with random perturbations (restarts) while time remains.
//
// Moves: swap an item on form f for a free item; exchange items between two
// forms; swap an anchor for another candidate; swap a pretest item for a
// free one. Every move keeps the form length, the anchor count and the
// pretest count, so those hold by construction; the blueprint, metadata
// counts, enemy sets and anchor spread are met when the search reaches zero
// violation. Limits: it proves nothing (Result.Optimal is false, the bound
// unknown); a spec whose feasible forms are rare (counts that are just
// possible together with many enemies) may leave it stuck with a violation,
// and then it reports the violated constraints instead of a form.

type rc struct {
	row int
	c   float64
}

type heur struct {
	p       *problem
	val     []float64
	act     []float64
	viol    float64
	colRows [][]rc
	isObj   []bool
	objRows []int
	owner   []int // non-anchor item → form, or -1
	preOwn  []int // pretest item → form, or -1
	rng     *rand.Rand
}

func newHeur(p *problem, seed uint64) *heur {
	h := &heur{p: p, rng: rand.New(rand.NewPCG(seed, 0x5eed))}
	l := &p.lin
	h.val = make([]float64, len(l.names))
	h.act = make([]float64, len(l.rows))
	h.colRows = make([][]rc, len(l.names))
	h.isObj = make([]bool, len(l.rows))
	for r, row := range l.rows {
		for _, t := range row.terms {
			if t.v == p.objVar {
				h.isObj[r] = true
				continue
			}
			h.colRows[t.v] = append(h.colRows[t.v], rc{r, t.c})
		}
		if h.isObj[r] {
			h.objRows = append(h.objRows, r)
		}
	}
	for r := range l.rows {
		if !h.isObj[r] {
			h.viol += h.rowViol(r, 0)
		}
	}
	h.owner = make([]int, len(p.items))
	for i := range h.owner {
		h.owner[i] = -1
	}
	h.preOwn = make([]int, len(p.pre))
	for j := range h.preOwn {
		h.preOwn[j] = -1
	}
	return h
}

func (h *heur) rowViol(r int, a float64) float64 {
	row := &h.p.lin.rows[r]
	switch row.op {
	case '<':
		return math.Max(0, a-row.rhs)
	case '>':
		return math.Max(0, row.rhs-a)
	}
	return math.Abs(a - row.rhs)
}

func (h *heur) set(v int, x float64) {
	d := x - h.val[v]
	if d == 0 {
		return
	}
	h.val[v] = x
	for _, e := range h.colRows[v] {
		old := h.act[e.row]
		h.act[e.row] += d * e.c
		if !h.isObj[e.row] {
			h.viol += h.rowViol(e.row, h.act[e.row]) - h.rowViol(e.row, old)
		}
	}
}

// objFrom computes the objective with row activities act, overridden for
// the rows in delta.
func (h *heur) objFrom(delta []rc) float64 {
	maximize := h.p.maximize()
	res := math.Inf(1)
	if !maximize {
		res = 0
	}
	for _, r := range h.objRows {
		a := h.act[r]
		for _, d := range delta {
			if d.row == r {
				a += d.c
			}
		}
		row := &h.p.lin.rows[r]
		if maximize {
			res = math.Min(res, a)
		} else if row.op == '<' {
			res = math.Max(res, a-row.rhs)
		} else {
			res = math.Max(res, row.rhs-a)
		}
	}
	return res
}

// try evaluates setting variables vs to xs without applying it.
func (h *heur) try(vs []int, xs []float64, buf []rc) (viol, obj float64, _ []rc) {
	buf = buf[:0]
	for k, v := range vs {
		d := xs[k] - h.val[v]
		if d == 0 {
			continue
		}
		for _, e := range h.colRows[v] {
			found := false
			for n := range buf {
				if buf[n].row == e.row {
					buf[n].c += d * e.c
					found = true
					break
				}
			}
			if !found {
				buf = append(buf, rc{e.row, d * e.c})
			}
		}
	}
	viol = h.viol
	for _, d := range buf {
		if !h.isObj[d.row] {
			viol += h.rowViol(d.row, h.act[d.row]+d.c) - h.rowViol(d.row, h.act[d.row])
		}
	}
	return viol, h.objFrom(buf), buf
}

func (h *heur) obj() float64 { return h.objFrom(nil) }

// better reports whether (v1, o1) beats (v0, o0): less violation first.
func (h *heur) better(v1, o1, v0, o0 float64) bool {
	if v1 < v0-1e-9 {
		return true
	}
	if v1 > v0+1e-9 {
		return false
	}
	if h.p.maximize() {
		return o1 > o0+1e-9
	}
	return o1 < o0-1e-9
}

// construct builds a first solution greedily, most informative items first,
// avoiding enemies and keeping to the blueprint minima.
func (h *heur) construct() {
	p := h.p
	s := p.spec
	order := make([]int, len(p.items))
	for i := range order {
		order[i] = i
	}
	if p.maximize() {
		sort.SliceStable(order, func(a, b int) bool { return p.info[order[a]] > p.info[order[b]] })
	} else {
		h.rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	}
	enemyOf := make([][]int, len(p.items)) // enemy set indices per item
	for si, e := range p.enemies {
		for _, i := range e.op {
			enemyOf[i] = append(enemyOf[i], si)
		}
	}
	used := make([]map[int]bool, p.k) // enemy sets used per form
	for f := range used {
		used[f] = map[int]bool{}
	}
	clash := func(i, f int) bool {
		for _, si := range enemyOf[i] {
			if used[f][si] {
				return true
			}
		}
		return false
	}
	take := func(i, f int) {
		for _, si := range enemyOf[i] {
			used[f][si] = true
		}
	}
	count := make([][]int, p.k) // per form per domain
	for f := range count {
		count[f] = make([]int, len(s.Domains))
	}
	length := make([]int, p.k)
	// Anchor block: per domain quota, best candidates that clash least.
	if s.Anchor != nil {
		quota := append([]int(nil), p.ancDom...)
		for _, i := range order {
			if !p.anchor[i] || quota[p.dom[i]] == 0 || clash(i, 0) {
				continue
			}
			quota[p.dom[i]]--
			h.set(p.zvar[i], 1)
			for f := range p.k {
				take(i, f)
				count[f][p.dom[i]]++
				length[f]++
			}
		}
		for _, i := range order { // quota left: ignore enemies
			if p.anchor[i] && quota[p.dom[i]] > 0 && h.val[p.zvar[i]] == 0 {
				quota[p.dom[i]]--
				h.set(p.zvar[i], 1)
				for f := range p.k {
					count[f][p.dom[i]]++
					length[f]++
				}
			}
		}
	}
	place := func(i, f int) {
		h.set(p.xvar[i][f], 1)
		h.owner[i] = f
		take(i, f)
		count[f][p.dom[i]]++
		length[f]++
	}
	for pass := range 2 { // pass 0 avoids enemies, pass 1 does not
		for d, dc := range s.Domains {
			for f := range p.k {
				for _, i := range order {
					if count[f][d] >= dc.Count.Min || length[f] >= s.Length {
						break
					}
					if p.anchor[i] || h.owner[i] >= 0 || p.dom[i] != d || (pass == 0 && clash(i, f)) {
						continue
					}
					place(i, f)
				}
			}
		}
	}
	for pass := range 2 {
		for f := range p.k {
			for _, i := range order {
				if length[f] >= s.Length {
					break
				}
				d := p.dom[i]
				if p.anchor[i] || h.owner[i] >= 0 || (pass == 0 && clash(i, f)) {
					continue
				}
				if dc := s.Domains[d].Count; dc.bounded() && count[f][d] >= dc.Max {
					continue
				}
				place(i, f)
			}
		}
	}
	for f := range p.k { // the length above all
		for _, i := range order {
			if length[f] >= s.Length {
				break
			}
			if !p.anchor[i] && h.owner[i] < 0 {
				place(i, f)
			}
		}
	}
	if s.Pretest != nil {
		for f := range p.k {
			n := 0
			for j := range p.pre {
				if n < s.Pretest.Count && h.preOwn[j] < 0 {
					h.set(p.wvar[j][f], 1)
					h.preOwn[j] = f
					n++
				}
			}
		}
	}
}

// search runs first-improvement local search until no move improves or the
// deadline passes.
func (h *heur) search(ctx context.Context, deadline time.Time) {
	p := h.p
	var buf []rc
	vs := make([]int, 4)
	xs := make([]float64, 4)
	improved := true
	for improved {
		improved = false
		if time.Now().After(deadline) || ctx.Err() != nil {
			return
		}
		curV, curO := h.viol, h.obj()
		accept := func(nv int) bool {
			var v, o float64
			v, o, buf = h.try(vs[:nv], xs[:nv], buf)
			if h.better(v, o, curV, curO) {
				for k := range nv {
					h.set(vs[k], xs[k])
				}
				curV, curO = h.viol, h.obj()
				improved = true
				return true
			}
			return false
		}
		// Form swaps: item on f out, free item in.
		for i := range p.items {
			f := h.owner[i]
			if p.anchor[i] || f < 0 {
				continue
			}
			for j := range p.items {
				if p.anchor[j] || h.owner[j] >= 0 {
					continue
				}
				vs[0], xs[0], vs[1], xs[1] = p.xvar[i][f], 0, p.xvar[j][f], 1
				if accept(2) {
					h.owner[i], h.owner[j] = -1, f
					break
				}
			}
		}
		// Exchanges between forms.
		if p.k > 1 {
			for i := range p.items {
				f := h.owner[i]
				if p.anchor[i] || f < 0 {
					continue
				}
				for j := range p.items {
					g := h.owner[j]
					if p.anchor[j] || g < 0 || g == f {
						continue
					}
					vs[0], xs[0], vs[1], xs[1] = p.xvar[i][f], 0, p.xvar[j][f], 1
					vs[2], xs[2], vs[3], xs[3] = p.xvar[j][g], 0, p.xvar[i][g], 1
					if accept(4) {
						h.owner[i], h.owner[j] = g, f
						break
					}
				}
			}
		}
		// Anchor swaps.
		for a := range p.items {
			if !p.anchor[a] || h.val[p.zvar[a]] == 0 {
				continue
			}
			for b := range p.items {
				if !p.anchor[b] || h.val[p.zvar[b]] == 1 {
					continue
				}
				vs[0], xs[0], vs[1], xs[1] = p.zvar[a], 0, p.zvar[b], 1
				if accept(2) {
					break
				}
			}
		}
		// Pretest swaps.
		for j := range p.pre {
			f := h.preOwn[j]
			if f < 0 {
				continue
			}
			for j2 := range p.pre {
				if h.preOwn[j2] >= 0 {
					continue
				}
				vs[0], xs[0], vs[1], xs[1] = p.wvar[j][f], 0, p.wvar[j2][f], 1
				if accept(2) {
					h.preOwn[j], h.preOwn[j2] = -1, f
					break
				}
			}
		}
	}
}

// perturb makes n random form swaps regardless of their effect.
func (h *heur) perturb(n int) {
	p := h.p
	var on, off []int
	for i := range p.items {
		if p.anchor[i] {
			continue
		}
		if h.owner[i] >= 0 {
			on = append(on, i)
		} else {
			off = append(off, i)
		}
	}
	for range n {
		if len(on) == 0 || len(off) == 0 {
			return
		}
		a, b := h.rng.IntN(len(on)), h.rng.IntN(len(off))
		i, j := on[a], off[b]
		f := h.owner[i]
		h.set(p.xvar[i][f], 0)
		h.set(p.xvar[j][f], 1)
		h.owner[i], h.owner[j] = -1, f
		on[a], off[b] = j, i
	}
}

// heuristic returns the best 0–1 assignment found and its violation.
func (p *problem) heuristic(ctx context.Context, seed uint64, limit time.Duration) ([]float64, float64) {
	deadline := time.Now().Add(limit)
	h := newHeur(p, seed)
	h.construct()
	h.search(ctx, deadline)
	best := append([]float64(nil), h.val...)
	bestV, bestO := h.viol, h.obj()
	for restart := 0; restart < 30 && time.Now().Before(deadline) && ctx.Err() == nil; restart++ {
		h.perturb(max(2, p.spec.Length/10))
		h.search(ctx, deadline)
		if h.better(h.viol, h.obj(), bestV, bestO) {
			copy(best, h.val)
			bestV, bestO = h.viol, h.obj()
		} else {
			// Continue from the best point.
			h2 := newHeur(p, 0)
			h2.rng = h.rng
			for v, x := range best {
				h2.set(v, x)
			}
			for i := range p.items {
				if !p.anchor[i] {
					for f := range p.k {
						if best[p.xvar[i][f]] > 0.5 {
							h2.owner[i] = f
						}
					}
				}
			}
			for j := range p.pre {
				for f := range p.k {
					if best[p.wvar[j][f]] > 0.5 {
						h2.preOwn[j] = f
					}
				}
			}
			h = h2
		}
	}
	return best, bestV
}

// heuristicResult runs the heuristic and packages its result.
func (p *problem) heuristicResult(ctx context.Context, seed uint64, limit time.Duration, warnings []error) (*Result, error) {
	start := time.Now()
	hlimit := min(limit, 20*time.Second)
	values, viol := p.heuristic(ctx, seed, hlimit)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	values[p.objVar] = p.objective(values)
	if bad := p.lin.violated(values, 1e-6); viol > 1e-9 || len(bad) > 0 {
		return nil, &InfeasibleError{ProvedBy: "", Problems: []Problem{{
			Constraint: "heuristic",
			Message:    fmt.Sprintf("the heuristic found no form meeting every constraint (still broken: %s); a MIP solver can decide whether one exists", abbrev(bad)),
		}}}
	}
	res := p.result(values)
	res.Warnings = warnings
	res.Status = StatusFeasible
	res.Solver = "heuristic"
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}
