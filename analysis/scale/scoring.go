package scale

import (
	"github.com/itemlab/itemlab/analysis"
)

// CandidateScore is one candidate's reported result.
type CandidateScore struct {
	Raw        int
	Theta, SE  float64
	ScaleScore float64
	Pass       bool
	Domains    []int // raw subscore per domain, in the order of the domains ScoreCandidates returns
}

// ScoreCandidates scores every candidate on the operational items idx by
// number correct (omits wrong) and reads θ, its standard error and the scale
// score of the raw score from the form's conversion table, so that equal raw
// scores on a form always get equal scale scores. It also counts the raw
// subscore of each domain; domains lists their names in order of first
// appearance among idx.
func ScoreCandidates(d *analysis.Dataset, idx []int, conv *Conversion) (scores []CandidateScore, domains []string) {
	if len(conv.Rows) != len(idx)+1 {
		panic("analysis: ScoreCandidates: conversion table does not match the form")
	}
	dom := make([]int, len(idx))
	pos := map[string]int{}
	for k, j := range idx {
		name := d.Items[j].Domain
		p, ok := pos[name]
		if !ok {
			p = len(domains)
			pos[name] = p
			domains = append(domains, name)
		}
		dom[k] = p
	}
	scores = make([]CandidateScore, d.N)
	sub := make([]int, d.N*len(domains))
	analysis.ParallelRows(d.N, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := d.Scored[i*d.J : (i+1)*d.J]
			s := &scores[i]
			s.Domains = sub[i*len(domains) : (i+1)*len(domains)]
			for k, j := range idx {
				if row[j] == 1 {
					s.Raw++
					s.Domains[dom[k]]++
				}
			}
			r := conv.Rows[s.Raw]
			s.Theta, s.SE, s.ScaleScore, s.Pass = r.Theta, r.ThetaSE, r.ScaleScore, r.Pass
		}
	})
	return scores, domains
}
