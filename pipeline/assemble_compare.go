package pipeline

import (
	"fmt"

	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/reports"
)

// Comparison is a planned form's pre-equated conversion against its
// post-administration conversion.
type Comparison struct {
	Form                   string
	Rows                   []reports.PrePostRow
	PreRawCut, PostRawCut  int // smallest passing raw score on each; J+1 if none
	Candidates             int
	Differ                 int     // candidates whose pass/fail differs between the two
	DifferShare            float64 // Differ / Candidates; 0 without candidates
	MaxScaleDiff           int     // largest |post − pre| scale score over the raw scores
	RawScoresWithOtherPass int     // raw scores whose pass/fail differs
}

// ComparePreEquating compares the planned form's pre-equated conversion
// table (bank.Form.Conversion, as Assemble recorded it) with the
// post-administration conversion post of the same form: per raw score the
// θ, scale score and pass/fail of both, the raw cut on both, and the share
// of candidates whose pass/fail would differ. rawScores are the candidates'
// raw scores; nil means the counts of post (Conversion.Rows[].Count). The
// tables must cover the same raw scores 0..J.
func ComparePreEquating(planned *bank.Form, post *scale.Conversion, rawScores []int) (*Comparison, error) {
	if planned == nil || post == nil {
		return nil, fmt.Errorf("comparing pre- and post-equating: want a planned form and a conversion table")
	}
	J := len(post.Rows) - 1
	if len(planned.Conversion) != len(post.Rows) {
		return nil, Inputf("form %s: the pre-equated conversion covers raw scores 0..%d, the administration's 0..%d: not the same form",
			planned.Name, len(planned.Conversion)-1, J)
	}
	c := &Comparison{Form: planned.Name, PreRawCut: J + 1, PostRawCut: post.RawCut}
	count := make([]int, J+1)
	if rawScores != nil {
		for _, x := range rawScores {
			if x < 0 || x > J {
				return nil, Inputf("form %s: raw score %d outside 0..%d", planned.Name, x, J)
			}
			count[x]++
		}
	} else {
		for k, r := range post.Rows {
			count[k] = r.Count
		}
	}
	for k, pre := range planned.Conversion {
		if pre.Raw != k || post.Rows[k].Raw != k {
			return nil, Inputf("form %s: conversion row %d is raw score %d (pre) and %d (post); want %d", planned.Name, k, pre.Raw, post.Rows[k].Raw, k)
		}
		p := post.Rows[k]
		row := reports.PrePostRow{Raw: k, PreTheta: pre.Theta, PostTheta: p.Theta, PreScale: pre.ScaleScore, PostScale: int(p.ScaleScore),
			PrePass: pre.Pass, PostPass: p.Pass, Count: count[k]}
		if pre.Pass && k < c.PreRawCut {
			c.PreRawCut = k
		}
		c.Candidates += count[k]
		if row.PrePass != row.PostPass {
			c.Differ += count[k]
			c.RawScoresWithOtherPass++
		}
		c.MaxScaleDiff = max(c.MaxScaleDiff, prePostAbs(row.PostScale-row.PreScale))
		c.Rows = append(c.Rows, row)
	}
	if c.Candidates > 0 {
		c.DifferShare = float64(c.Differ) / float64(c.Candidates)
	}
	return c, nil
}

func prePostAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
