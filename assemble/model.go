package assemble

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// problem is a Spec compiled against a Pool: the items in the model, their
// coefficients, and the linear model over 0–1 variables.
type problem struct {
	spec *Spec
	k    int // forms

	items   []*Item // operational items in the model, in pool order
	pre     []*Item // pretest items
	dom     []int   // domain index of items[i]
	anchor  []bool  // items[i] is an anchor candidate (variable z_i)
	info    []float64
	tif     [][]float64 // [point][item]: I_i(θ_k) at Target.Theta
	tcc     [][]float64 // [point][item]: P_i(θ_k)
	bin     []int       // difficulty bin of anchor candidates, -1 otherwise
	nbins   int
	binMin  int
	ancDom  []int    // anchor count per domain
	attrs   [][]bool // [constraint][item]
	attrPre [][]bool
	enemies []enemySet

	excludedDomain []string // item ids left out: domain not in the blueprint
	excludedPrev   []string // item ids of the anchor form not eligible as anchors

	lin lin
	// variable indices
	objVar int
	zvar   []int   // per item, -1 if not an anchor candidate
	xvar   [][]int // [item][form], -1 for anchor candidates
	wvar   [][]int // [pretest][form]
}

type enemySet struct {
	label string
	op    []int // indices into items
	pre   []int // indices into pre
}

// sel is the variable that puts item i on form f.
func (p *problem) sel(i, f int) int {
	if p.anchor[i] {
		return p.zvar[i]
	}
	return p.xvar[i][f]
}

func (p *problem) maximize() bool { return p.spec.Target == nil }

type term struct {
	v int
	c float64
}

type row struct {
	name  string
	terms []term
	op    byte // '<', '>', '='
	rhs   float64
}

type lin struct {
	names  []string
	binary []bool
	rows   []row
}

func (l *lin) addVar(name string, binary bool) int {
	l.names = append(l.names, name)
	l.binary = append(l.binary, binary)
	return len(l.names) - 1
}

// violated returns the names of rows that values breaks by more than tol.
func (l *lin) violated(values []float64, tol float64) []string {
	var bad []string
	for _, r := range l.rows {
		var s float64
		for _, t := range r.terms {
			s += t.c * values[t.v]
		}
		switch {
		case r.op == '<' && s > r.rhs+tol, r.op == '>' && s < r.rhs-tol, r.op == '=' && math.Abs(s-r.rhs) > tol:
			bad = append(bad, r.name)
		}
	}
	return bad
}

// namer makes LP-safe, unique names.
type namer map[string]bool

// LPName is s made fit to be part of an LP name: it keeps letters, digits
// and '_' (other runes become '_') and limits the length, so that the
// CPLEX-LP readers of CBC, GLPK, HiGHS and Gurobi agree.
func LPName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 60 {
			break
		}
	}
	if b.Len() == 0 {
		return "_"
	}
	return b.String()
}

// unique returns LPName(s), made unique among the names handed out before
// by a suffix _2, _3, ….
func (n namer) unique(s string) string {
	base := LPName(s)
	name := base
	for k := 2; n[name]; k++ {
		name = base + "_" + strconv.Itoa(k)
	}
	n[name] = true
	return name
}

func compile(pool *Pool, spec *Spec) (*problem, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	p := &problem{spec: spec, k: spec.forms()}
	domIndex := map[string]int{}
	for d, dc := range spec.Domains {
		domIndex[dc.Domain] = d
	}
	ids := map[string]bool{}
	for i := range pool.Items {
		it := &pool.Items[i]
		if ids[it.ID] {
			return nil, fmt.Errorf("%w: item %q listed twice", ErrSpec, it.ID)
		}
		ids[it.ID] = true
		d, ok := domIndex[it.Domain]
		if !ok {
			p.excludedDomain = append(p.excludedDomain, it.ID)
			continue
		}
		isAnchor := false
		if a := spec.Anchor; a != nil && it.inForm(a.Form) {
			if it.NoAnchor {
				p.excludedPrev = append(p.excludedPrev, it.ID)
				continue
			}
			isAnchor = true
		}
		p.items = append(p.items, it)
		p.dom = append(p.dom, d)
		p.anchor = append(p.anchor, isAnchor)
	}
	if spec.Pretest != nil && spec.Pretest.Count > 0 {
		for i := range pool.Pretest {
			it := &pool.Pretest[i]
			if ids[it.ID] {
				return nil, fmt.Errorf("%w: item %q listed twice", ErrSpec, it.ID)
			}
			ids[it.ID] = true
			p.pre = append(p.pre, it)
		}
	}
	n := len(p.items)
	p.info = make([]float64, n)
	for i, it := range p.items {
		p.info[i] = it.IRT.Info(spec.CutTheta)
	}
	if t := spec.Target; t != nil {
		if t.TIF != nil {
			p.tif = make([][]float64, len(t.Theta))
			for k, th := range t.Theta {
				p.tif[k] = make([]float64, n)
				for i, it := range p.items {
					p.tif[k][i] = it.IRT.Info(th)
				}
			}
		}
		if t.TCC != nil {
			p.tcc = make([][]float64, len(t.Theta))
			for k, th := range t.Theta {
				p.tcc[k] = make([]float64, n)
				for i, it := range p.items {
					p.tcc[k][i] = it.IRT.Prob(th)
				}
			}
		}
	}
	p.bin = make([]int, n)
	for i := range p.bin {
		p.bin[i] = -1
	}
	if a := spec.Anchor; a != nil {
		p.ancDom = make([]int, len(spec.Domains))
		if a.Domains != nil {
			for _, dc := range a.Domains {
				p.ancDom[domIndex[dc.Domain]] = dc.Count.Min
			}
		} else {
			w := make([]float64, len(spec.Domains))
			for d, dc := range spec.Domains {
				w[d] = float64(dc.Count.Min)
				if dc.Count.bounded() && !dc.Count.exact() {
					w[d] = float64(dc.Count.Min+dc.Count.Max) / 2
				}
			}
			p.ancDom = Apportion(w, a.Count)
		}
		if a.DifficultyBins > 0 {
			p.nbins = a.DifficultyBins
			p.binMin = a.BinMin
			if p.binMin == 0 {
				p.binMin = a.Count / a.DifficultyBins
			}
			var cand []int
			for i := range p.items {
				if p.anchor[i] {
					cand = append(cand, i)
				}
			}
			sort.SliceStable(cand, func(x, y int) bool { return p.items[cand[x]].IRT.B() < p.items[cand[y]].IRT.B() })
			for r, i := range cand {
				p.bin[i] = r * p.nbins / len(cand)
			}
		}
	}
	for _, ac := range spec.Attributes {
		m := make([]bool, n)
		for i, it := range p.items {
			m[i] = it.Meta[ac.Key] == ac.Value
		}
		p.attrs = append(p.attrs, m)
	}
	// Enemy sets, in order of first appearance.
	setIndex := map[string]int{}
	addEnemy := func(label string, i int, pre bool) {
		s, ok := setIndex[label]
		if !ok {
			s = len(p.enemies)
			setIndex[label] = s
			p.enemies = append(p.enemies, enemySet{label: label})
		}
		if pre {
			p.enemies[s].pre = append(p.enemies[s].pre, i)
		} else {
			p.enemies[s].op = append(p.enemies[s].op, i)
		}
	}
	for i, it := range p.items {
		for _, e := range dedup(it.Enemies) {
			addEnemy(e, i, false)
		}
	}
	for j, it := range p.pre {
		for _, e := range dedup(it.Enemies) {
			addEnemy(e, j, true)
		}
	}
	p.build()
	return p, nil
}

func dedup(s []string) []string {
	if len(s) < 2 {
		return s
	}
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// build writes the linear model: variables and rows, in a fixed order.
func (p *problem) build() {
	s := p.spec
	l := &p.lin
	vn, rn := namer{}, namer{}
	if p.maximize() {
		p.objVar = l.addVar(vn.unique("y"), false)
	} else {
		p.objVar = l.addVar(vn.unique("d"), false)
	}
	itemNames := namer{}
	base := make([]string, len(p.items))
	for i, it := range p.items {
		base[i] = itemNames.unique(it.ID)
	}
	p.zvar = make([]int, len(p.items))
	p.xvar = make([][]int, len(p.items))
	for i := range p.items {
		p.zvar[i] = -1
		if p.anchor[i] {
			p.zvar[i] = l.addVar(vn.unique("z_"+base[i]), true)
		}
	}
	for i := range p.items {
		if p.anchor[i] {
			continue
		}
		p.xvar[i] = make([]int, p.k)
		for f := range p.k {
			p.xvar[i][f] = l.addVar(vn.unique(fmt.Sprintf("x_%s_%d", base[i], f+1)), true)
		}
	}
	preNames := namer{}
	p.wvar = make([][]int, len(p.pre))
	for j, it := range p.pre {
		b := preNames.unique(it.ID)
		p.wvar[j] = make([]int, p.k)
		for f := range p.k {
			p.wvar[j][f] = l.addVar(vn.unique(fmt.Sprintf("w_%s_%d", b, f+1)), true)
		}
	}
	add := func(name string, terms []term, op byte, rhs float64) {
		l.rows = append(l.rows, row{name: rn.unique(name), terms: terms, op: op, rhs: rhs})
	}
	addRange := func(name string, terms []term, r Range) {
		switch {
		case r.exact():
			add(name, terms, '=', float64(r.Min))
		default:
			if r.Min > 0 {
				add(name+"_min", terms, '>', float64(r.Min))
			}
			if r.bounded() {
				add(name+"_max", terms, '<', float64(r.Max))
			}
		}
	}
	// Which item indices touch form rows: anchor candidates once, others per form.
	formTerms := func(f int, keep func(i int) bool, coef func(i int) float64) []term {
		var t []term
		for i := range p.items {
			if keep(i) {
				t = append(t, term{p.sel(i, f), coef(i)})
			}
		}
		return t
	}
	one := func(int) float64 { return 1 }
	all := func(int) bool { return true }
	domNames := namer{}
	dn := make([]string, len(s.Domains))
	for d, dc := range s.Domains {
		dn[d] = domNames.unique(dc.Domain)
	}
	for f := range p.k {
		add(fmt.Sprintf("len_f%d", f+1), formTerms(f, all, one), '=', float64(s.Length))
	}
	for d, dc := range s.Domains {
		for f := range p.k {
			addRange(fmt.Sprintf("dom_%s_f%d", dn[d], f+1), formTerms(f, func(i int) bool { return p.dom[i] == d }, one), dc.Count)
		}
	}
	attrNames := namer{}
	for c, ac := range s.Attributes {
		an := attrNames.unique(ac.Key + "_" + ac.Value)
		for f := range p.k {
			addRange(fmt.Sprintf("attr_%s_f%d", an, f+1), formTerms(f, func(i int) bool { return p.attrs[c][i] }, one), ac.Count)
		}
	}
	enemyNames := namer{}
	for _, e := range p.enemies {
		if len(e.op)+len(e.pre) < 2 {
			continue
		}
		en := enemyNames.unique(e.label)
		for f := range p.k {
			var t []term
			for _, i := range e.op {
				t = append(t, term{p.sel(i, f), 1})
			}
			for _, j := range e.pre {
				t = append(t, term{p.wvar[j][f], 1})
			}
			add(fmt.Sprintf("enemy_%s_f%d", en, f+1), t, '<', 1)
		}
	}
	if p.k > 1 {
		for i := range p.items {
			if p.anchor[i] {
				continue
			}
			t := make([]term, p.k)
			for f := range p.k {
				t[f] = term{p.xvar[i][f], 1}
			}
			add("over_"+base[i], t, '<', 1)
		}
	}
	if a := s.Anchor; a != nil {
		var t []term
		for i := range p.items {
			if p.anchor[i] {
				t = append(t, term{p.zvar[i], 1})
			}
		}
		add("anc_len", t, '=', float64(a.Count))
		for d := range s.Domains {
			var t []term
			for i := range p.items {
				if p.anchor[i] && p.dom[i] == d {
					t = append(t, term{p.zvar[i], 1})
				}
			}
			add("anc_dom_"+dn[d], t, '=', float64(p.ancDom[d]))
		}
		for b := range p.nbins {
			var t []term
			for i := range p.items {
				if p.bin[i] == b {
					t = append(t, term{p.zvar[i], 1})
				}
			}
			add(fmt.Sprintf("anc_bin%d", b+1), t, '>', float64(p.binMin))
		}
	}
	if len(p.pre) > 0 {
		for f := range p.k {
			t := make([]term, len(p.pre))
			for j := range p.pre {
				t[j] = term{p.wvar[j][f], 1}
			}
			add(fmt.Sprintf("pre_len_f%d", f+1), t, '=', float64(s.Pretest.Count))
		}
		if p.k > 1 {
			for j, it := range p.pre {
				t := make([]term, p.k)
				for f := range p.k {
					t[f] = term{p.wvar[j][f], 1}
				}
				add("pre_over_"+LPName(it.ID), t, '<', 1)
			}
		}
	}
	// Objective rows.
	if t := s.Target; t == nil {
		for f := range p.k {
			terms := formTerms(f, all, func(i int) float64 { return p.info[i] })
			terms = append(terms, term{p.objVar, -1})
			add(fmt.Sprintf("info_f%d", f+1), terms, '>', 0)
		}
	} else {
		w := t.TCCWeight
		if w == 0 {
			w = 1
		}
		for f := range p.k {
			for k := range t.Theta {
				if p.tif != nil {
					c := p.tif[k]
					terms := formTerms(f, all, func(i int) float64 { return c[i] })
					add(fmt.Sprintf("tif_f%d_t%d_hi", f+1, k+1), append(terms, term{p.objVar, -1}), '<', t.TIF[k])
					add(fmt.Sprintf("tif_f%d_t%d_lo", f+1, k+1), append(terms[:len(terms):len(terms)], term{p.objVar, 1}), '>', t.TIF[k])
				}
				if p.tcc != nil {
					c := p.tcc[k]
					terms := formTerms(f, all, func(i int) float64 { return w * c[i] })
					add(fmt.Sprintf("tcc_f%d_t%d_hi", f+1, k+1), append(terms, term{p.objVar, -1}), '<', w*t.TCC[k])
					add(fmt.Sprintf("tcc_f%d_t%d_lo", f+1, k+1), append(terms[:len(terms):len(terms)], term{p.objVar, 1}), '>', w*t.TCC[k])
				}
			}
		}
	}
}
