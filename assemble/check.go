package assemble

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrInfeasible is matched (errors.Is) by every *InfeasibleError.
var ErrInfeasible = errors.New("assemble: infeasible")

// Problem is one reason a spec cannot be met.
type Problem struct {
	Constraint string // the LP constraint (family) concerned, e.g. "dom_Reporting", "anc_dom_Reporting"
	Message    string // e.g. "Reporting needs 10 items; 7 are eligible (2 retired, 1 drifted)"
}

// InfeasibleError says why no form can meet the spec. Counted problems come
// from Check before any solve; when a solver proved the model infeasible
// instead, ProvedBy names it and Problems lists the constraint families
// whose removal made the model feasible (if that was tried and found) and
// the tightest counts.
type InfeasibleError struct {
	Problems []Problem
	ProvedBy string
}

func (e *InfeasibleError) Error() string {
	var msgs []string
	for _, p := range e.Problems {
		msgs = append(msgs, p.Message)
	}
	if e.ProvedBy != "" {
		return fmt.Sprintf("assemble: infeasible (proved by %s): %s", e.ProvedBy, strings.Join(msgs, "; "))
	}
	return "assemble: infeasible: " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrInfeasible) true.
func (e *InfeasibleError) Is(target error) bool { return target == ErrInfeasible }

// Check counts, before any solve, whether the pool can meet the spec:
// items per domain (K forms without overlap need K·n_d items beyond the
// anchors), per metadata value, anchor candidates per domain and difficulty
// bin, pretest items, and the items enemy sets leave usable. It returns nil,
// an error wrapping ErrSpec, or an *InfeasibleError listing every problem
// found. Passing Check does not prove the spec feasible: the solver has the
// last word.
func Check(pool *Pool, spec *Spec) error {
	p, err := compile(pool, spec)
	if err != nil {
		return err
	}
	return p.check(pool).err()
}

type countCheck struct {
	constraint string
	need, have int
	message    string
}

type checks []countCheck

func (cs checks) err() error {
	var e InfeasibleError
	for _, c := range cs {
		if c.need > c.have {
			e.Problems = append(e.Problems, Problem{c.constraint, c.message})
		}
	}
	if len(e.Problems) == 0 {
		return nil
	}
	return &e
}

// tightest returns the n checks with the least slack (have − need).
func (cs checks) tightest(n int) []countCheck {
	var s checks
	for _, c := range cs {
		if c.constraint != "len" || c.need > c.have {
			s = append(s, c)
		}
	}
	sort.SliceStable(s, func(a, b int) bool { return s[a].have-s[a].need < s[b].have-s[b].need })
	if len(s) > n {
		s = s[:n]
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ineligible formats the caller's counts for a domain: " (2 retired, 1 drifted)".
func ineligible(pool *Pool, domain string, extra int, form string) string {
	var parts []string
	m := pool.Ineligible[domain]
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if m[keys[a]] != m[keys[b]] {
			return m[keys[a]] > m[keys[b]]
		}
		return keys[a] < keys[b]
	})
	for _, k := range keys {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
		}
	}
	if extra > 0 {
		parts = append(parts, fmt.Sprintf("%d of form %s not anchor-eligible", extra, form))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ") + " not eligible"
}

func (p *problem) check(pool *Pool) checks {
	s := p.spec
	K := p.k
	var cs checks
	add := func(constraint string, need, have int, format string, a ...any) {
		cs = append(cs, countCheck{constraint, need, have, fmt.Sprintf(format, a...)})
	}
	nd := len(s.Domains)
	free := make([]int, nd)    // non-anchor items per domain
	cand := make([]int, nd)    // anchor candidates per domain
	prevOut := make([]int, nd) // items of the anchor form that may not be anchors
	solo := make([]int, nd)    // free items in no enemy set
	first := map[int]int{}     // item → its first enemy set with ≥ 2 members
	for si, e := range p.enemies {
		if len(e.op)+len(e.pre) < 2 {
			continue
		}
		for _, i := range e.op {
			if _, ok := first[i]; !ok {
				first[i] = si
			}
		}
	}
	for i := range p.items {
		d := p.dom[i]
		if p.anchor[i] {
			cand[d]++
			continue
		}
		free[d]++
		if _, ok := first[i]; !ok {
			solo[d]++
		}
	}
	for _, id := range p.excludedPrev {
		for d, dc := range s.Domains {
			for k := range pool.Items {
				if pool.Items[k].ID == id && pool.Items[k].Domain == dc.Domain {
					prevOut[d]++
				}
			}
		}
	}
	perSet := make([]map[int]int, nd)
	for d := range perSet {
		perSet[d] = map[int]int{}
	}
	for i, si := range first {
		if !p.anchor[i] {
			perSet[p.dom[i]][si]++
		}
	}

	// Blueprint against the form length.
	minSum, maxSum, bounded := 0, 0, true
	for _, dc := range s.Domains {
		minSum += dc.Count.Min
		if dc.Count.bounded() {
			maxSum += dc.Count.Max
		} else {
			bounded = false
		}
	}
	add("len", minSum, s.Length, "the blueprint asks for at least %d items on a form of %d", minSum, s.Length)
	if bounded {
		add("len", s.Length, maxSum, "the blueprint allows at most %d items on a form of %d", maxSum, s.Length)
	}
	N := 0
	if a := s.Anchor; a != nil {
		N = a.Count
		total := 0
		for d := range s.Domains {
			total += cand[d]
		}
		add("anc_len", N, total, "the anchor block needs %d items of form %s; %d are eligible", N, a.Form, total)
	}
	for d, dc := range s.Domains {
		name := dc.Domain
		dn := "dom_" + LPName(name)
		nA := 0
		if s.Anchor != nil {
			nA = p.ancDom[d]
			add("anc_dom_"+LPName(name), nA, cand[d], "the anchor block needs %s from form %s; %d are eligible%s",
				plural(nA, name+" item", name+" items"), s.Anchor.Form, cand[d], ineligible(&Pool{}, name, prevOut[d], s.Anchor.Form))
			if dc.Count.bounded() {
				add(dn, nA, dc.Count.Max, "the anchor block puts %s on every form; the blueprint allows at most %d", plural(nA, name+" item", name+" items"), dc.Count.Max)
			}
		}
		need := max(0, dc.Count.Min-nA)
		why := ineligible(pool, name, 0, "")
		switch {
		case K == 1 && nA == 0:
			add(dn, need, free[d], "%s needs %s; %d are eligible%s", name, plural(dc.Count.Min, "item", "items"), free[d], why)
		case nA == 0:
			add(dn, K*need, free[d], "%s needs %d items on each of %d forms without overlap, %d in all; %d are eligible%s",
				name, dc.Count.Min, K, K*need, free[d], why)
		case K == 1:
			add(dn, need, free[d], "%s needs %d items, %d of them anchors: %d other items; %d are eligible outside form %s%s",
				name, dc.Count.Min, nA, need, free[d], s.Anchor.Form, why)
		default:
			add(dn, K*need, free[d], "%s needs %d items on each of %d forms, %d of them anchors: %d other items; %d are eligible outside form %s%s",
				name, dc.Count.Min, K, nA, K*need, free[d], s.Anchor.Form, why)
		}
		// Enemy sets: per set at most one item per form.
		usable := solo[d]
		nset, inSets := 0, 0
		for _, c := range perSet[d] {
			usable += min(K, c)
			nset++
			inSets += c
		}
		if nset > 0 && usable < free[d] {
			add(dn, K*need, usable, "%s needs %d items beyond anchors on each of %d form(s); its %d enemy sets (holding %d of its %d eligible items) leave at most %d usable",
				name, need, K, nset, inSets, free[d], usable)
		}
	}
	for c, ac := range s.Attributes {
		if ac.Count.Min == 0 {
			continue
		}
		fr, cd := 0, 0
		for i := range p.items {
			if p.attrs[c][i] {
				if p.anchor[i] {
					cd++
				} else {
					fr++
				}
			}
		}
		have := fr + K*min(cd, N)
		an := "attr_" + LPName(ac.Key+"_"+ac.Value)
		if K == 1 {
			add(an, ac.Count.Min, have, "%s=%s needs at least %s; %d are eligible", ac.Key, ac.Value, plural(ac.Count.Min, "item", "items"), have)
		} else {
			add(an, K*ac.Count.Min, have, "%s=%s needs at least %d items on each of %d forms; %d are eligible (anchors counted on every form)",
				ac.Key, ac.Value, ac.Count.Min, K, have)
		}
	}
	if s.Anchor != nil {
		totalFree := 0
		for d := range s.Domains {
			totalFree += free[d]
		}
		add("len", K*(s.Length-N), totalFree, "%d form(s) of %d items with %d anchors need %d other items; %d are eligible", K, s.Length, N, K*(s.Length-N), totalFree)
		if p.nbins > 0 {
			size := make([]int, p.nbins)
			for i := range p.items {
				if p.bin[i] >= 0 {
					size[p.bin[i]]++
				}
			}
			for b := range p.nbins {
				add(fmt.Sprintf("anc_bin%d", b+1), p.binMin, size[b], "the anchor block needs %d items in difficulty bin %d of %d; %d are there", p.binMin, b+1, p.nbins, size[b])
			}
		}
	} else {
		add("len", K*s.Length, len(p.items), "%d form(s) of %d items without overlap need %d items; %d are eligible", K, s.Length, K*s.Length, len(p.items))
	}
	if s.Pretest != nil && s.Pretest.Count > 0 {
		add("pre_len", K*s.Pretest.Count, len(p.pre), "%d form(s) with %d pretest slots need %d pretest items; %d are in the pool", K, s.Pretest.Count, K*s.Pretest.Count, len(p.pre))
	}
	return cs
}
