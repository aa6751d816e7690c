package main

import (
	"fmt"
	"path"
	"sort"

	"github.com/itemlab/itemlab/analysis/dif"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/reports"
)

// difFlags choose the groups and items of a DIF study.
type difFlags struct {
	reference, focal string
	which            string
	minStratum       int
	logistic         bool
}

func (f *difFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.focal, "focal", "", "focal group label (default: the smaller of two groups)")
	fs.StringVar(&f.reference, "reference", "", "reference group label (default: every other labelled candidate)")
	fs.StringVar(&f.which, "which", "all", "items to study: all, operational or pretest")
	fs.IntVar(&f.minStratum, "min-stratum", 0, "pool adjacent score strata until each has this many candidates in both groups (default: difR's rule, every score level)")
	fs.BoolVar(&f.logistic, "logistic", false, "also run logistic-regression DIF (uniform and non-uniform; dif_logistic.csv)")
}

// groups resolves the reference and focal groups of d.
func (f *difFlags) groups(d *analysis.Dataset) ([]dif.Group, string, string, error) {
	count := map[string]int{}
	for _, c := range d.Candidates {
		if c.Group != "" {
			count[c.Group]++
		}
	}
	if len(count) < 2 {
		return nil, "", "", usagef("DIF needs a group column with at least two groups (found %d); name it with --group-column", len(count))
	}
	focal, ref := f.focal, f.reference
	if focal == "" {
		if len(count) != 2 {
			var labels []string
			for l := range count {
				labels = append(labels, l)
			}
			sort.Strings(labels)
			return nil, "", "", usagef("the group column has %d groups (%v): say which is --focal", len(count), labels)
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
	g, err := dif.GroupsByLabel(d, ref, focal)
	if err != nil {
		return nil, "", "", usagef("%v", err)
	}
	if ref == "" {
		ref = "all others"
	}
	return g, ref, focal, nil
}

func (f *difFlags) items(d *analysis.Dataset) ([]int, error) {
	switch f.which {
	case "all":
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
	return nil, usagef("--which %q: want all, operational or pretest", f.which)
}

func newDIFCmd(env *Env) *cobra.Command {
	var df dataFlags
	var ff difFlags
	var outDir string
	c := &cobra.Command{
		Use:   "dif --responses FILE --items FILE --out DIR",
		Short: "Differential item functioning by Mantel–Haenszel with ETS categories",
		Long: `DIF compares a focal and a reference group of candidates matched on the
operational score (Mantel–Haenszel over score strata; Holland & Thayer 1988):
the common odds ratio, MH D-DIF = −2.35·ln(α_MH) with its standard error, the
continuity-corrected MH chi-square, and the ETS category — A (negligible),
B (moderate) or C (large: |D-DIF| ≥ 1.5 and significantly above 1) — with the
group the item favours. Negative D-DIF favours the reference group.

The group column is named by --group-column (default: a column named group).
Operational items are matched on the total including the studied item;
pretest items on the operational total.

Writes dif.csv (and dif_logistic.csv with --logistic), dif.json and
manifest.json.`,
		Example: `  itemlab dif --responses responses.csv --items items.csv --out dif
  itemlab dif --responses r.csv --items i.csv --group-column gender --focal F --out dif --logistic`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			out, err := newOutput(c, outDir)
			if err != nil {
				return err
			}
			defer out.abort()
			d, err := df.load(env, out)
			if err != nil {
				return err
			}
			sum, err := stageDIF(out, "", d, &ff)
			if err != nil {
				return err
			}
			if err := out.commit(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "DIF, focal %q vs reference %s: %d items, %d in category C, %d in B\n",
				sum.Focal, sum.Reference, sum.Items, sum.CategoryC, sum.CategoryB)
			return nil
		},
	}
	df.add(c.Flags(), false)
	ff.add(c.Flags())
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	return c
}

// difSummary is dif.json.
type difSummary struct {
	Reference  string   `json:"reference"`
	Focal      string   `json:"focal"`
	NReference int      `json:"n_reference"`
	NFocal     int      `json:"n_focal"`
	Items      int      `json:"items"`
	CategoryB  int      `json:"category_b"`
	CategoryC  int      `json:"category_c"`
	FlaggedC   []string `json:"category_c_items"`
	Method     string   `json:"method"`
}

// stageDIF runs Mantel–Haenszel (and optionally logistic) DIF and writes
// dif.csv and dif.json under prefix.
func stageDIF(out *output, prefix string, d *analysis.Dataset, ff *difFlags) (*difSummary, error) {
	g, ref, focal, err := ff.groups(d)
	if err != nil {
		return nil, err
	}
	idx, err := ff.items(d)
	if err != nil {
		return nil, err
	}
	res, err := dif.MantelHaenszel(d, g, idx, dif.Options{MinStratum: ff.minStratum})
	if err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "dif.csv"), reports.DIFTable(res)); err != nil {
		return nil, err
	}
	if ff.logistic {
		lr, err := dif.Logistic(d, g, idx, dif.LogisticOptions{})
		if err != nil {
			return nil, err
		}
		if err := out.table(path.Join(prefix, "dif_logistic.csv"), reports.LogisticDIFTable(lr)); err != nil {
			return nil, err
		}
	}
	s := &difSummary{Reference: ref, Focal: focal, Items: len(res), FlaggedC: []string{},
		Method: "Mantel-Haenszel over operational-score strata; ETS categories after Zwick (2012)"}
	for _, x := range g {
		switch x {
		case dif.Reference:
			s.NReference++
		case dif.Focal:
			s.NFocal++
		}
	}
	for _, r := range res {
		switch r.Category {
		case dif.ETSB:
			s.CategoryB++
		case dif.ETSC:
			s.CategoryC++
			s.FlaggedC = append(s.FlaggedC, r.ItemID)
		}
	}
	return s, out.json(path.Join(prefix, "dif.json"), s)
}
