package pipeline

import (
	"context"
	"sort"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/dif"
	"github.com/itemlab/itemlab/reports"
)

// DIFSettings choose the groups and items of a DIF study.
type DIFSettings struct {
	Focal, Reference string // group labels; empty means the smaller of two groups / every other candidate
	Which            string // all (default), operational or pretest
	MinStratum       int    // pool adjacent score strata to this many per group; zero means none
	Logistic         bool   // also logistic-regression DIF
	// Match is the matching criterion (dif.Match) of both procedures:
	// include-item (the default when empty: the operational score plus a
	// pretest item's own score, Holland & Thayer 1988) or exclude-item (the
	// operational score alone).
	Match string
}

// match parses s.Match.
func (s DIFSettings) match() (dif.Match, error) {
	m, err := dif.ParseMatch(s.Match)
	if err != nil {
		return 0, Inputf("--match %q: want include-item or exclude-item", s.Match)
	}
	return m, nil
}

// HasGroups reports whether d has a group column with two or more groups.
func HasGroups(d *analysis.Dataset) bool {
	seen := map[string]bool{}
	for _, c := range d.Candidates {
		if c.Group != "" {
			seen[c.Group] = true
			if len(seen) >= 2 {
				return true
			}
		}
	}
	return false
}

// Groups resolves the reference and focal groups of d: each candidate's
// group and the labels of both groups as the user knows them.
func (s DIFSettings) Groups(d *analysis.Dataset) (g []dif.Group, reference, focal string, err error) {
	count := map[string]int{}
	for _, c := range d.Candidates {
		if c.Group != "" {
			count[c.Group]++
		}
	}
	if len(count) < 2 {
		return nil, "", "", Inputf("DIF needs a group column with at least two groups (found %d); name it with --group-column", len(count))
	}
	focal, ref := s.Focal, s.Reference
	if focal == "" {
		if len(count) != 2 {
			var labels []string
			for l := range count {
				labels = append(labels, l)
			}
			sort.Strings(labels)
			return nil, "", "", Inputf("the group column has %d groups (%v): say which is --focal", len(count), labels)
		}
		for l, n := range count {
			if focal == "" || n < count[focal] || (n == count[focal] && l > focal) {
				focal = l
			}
		}
	}
	if ref == "" && len(count) == 2 {
		for l := range count {
			if l != focal {
				ref = l
			}
		}
	}
	g, err = dif.GroupsByLabel(d, ref, focal)
	if err != nil {
		return nil, "", "", Inputf("%v", err)
	}
	if ref == "" {
		ref = "all others"
	}
	return g, ref, focal, nil
}

// items are the items of d the settings study.
func (s DIFSettings) items(d *analysis.Dataset) ([]int, error) {
	switch s.Which {
	case "", "all":
		var idx []int
		for j := range d.Items {
			if d.Items[j].Status != analysis.Excluded {
				idx = append(idx, j)
			}
		}
		return idx, nil
	case "operational":
		return d.ItemsWithStatus(analysis.Operational), nil
	case "pretest":
		return d.ItemsWithStatus(analysis.Pretest), nil
	}
	return nil, Inputf("--which %q: want all, operational or pretest", s.Which)
}

// DIF is the dif stage: Mantel–Haenszel DIF (and logistic-regression DIF
// when asked) of the chosen items, matched on the criterion s.Match, written
// under prefix as dif.csv, dif_logistic.csv and dif.json (which names the
// criterion).
func DIF(ctx context.Context, out *Output, prefix string, d *analysis.Dataset, s DIFSettings) (*reports.DIFFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g, ref, focal, err := s.Groups(d)
	if err != nil {
		return nil, err
	}
	idx, err := s.items(d)
	if err != nil {
		return nil, err
	}
	match, err := s.match()
	if err != nil {
		return nil, err
	}
	res, err := dif.MantelHaenszel(d, g, idx, dif.Options{MinStratum: s.MinStratum, Match: match})
	if err != nil {
		return nil, asInput(err)
	}
	if err := out.Table(at(prefix, reports.FileDIF), reports.DIFTable(res)); err != nil {
		return nil, err
	}
	if s.Logistic {
		lr, err := dif.Logistic(d, g, idx, dif.LogisticOptions{Match: match})
		if err != nil {
			return nil, asInput(err)
		}
		if err := out.Table(at(prefix, reports.FileDIFLogistic), reports.LogisticDIFTable(lr)); err != nil {
			return nil, err
		}
	}
	sum := reports.NewDIFFile(res, g, ref, focal, match)
	return sum, out.JSON(at(prefix, reports.FileDIFSummary), sum)
}
