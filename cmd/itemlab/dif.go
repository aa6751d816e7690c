package main

import (
	"fmt"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addDIFFlags binds the options of a DIF study.
func addDIFFlags(fs *pflag.FlagSet, f *pipeline.DIFSettings) {
	fs.StringVar(&f.Focal, "focal", "", "focal group label (default: the smaller of two groups)")
	fs.StringVar(&f.Reference, "reference", "", "reference group label (default: every other labelled candidate)")
	fs.StringVar(&f.Which, "which", "all", "items to study: all, operational or pretest")
	fs.IntVar(&f.MinStratum, "min-stratum", 0, "pool adjacent score strata until each has this many candidates in both groups (default: difR's rule, every score level)")
	fs.StringVar(&f.Match, "match", "include-item", "matching `criterion`: include-item (the operational score plus a pretest item's own score; Holland & Thayer 1988) or exclude-item (the operational score alone)")
	fs.BoolVar(&f.Logistic, "logistic", false, "also run logistic-regression DIF (uniform and non-uniform; dif_logistic.csv)")
}

func newDIFCmd(env *Env) *cobra.Command {
	var df pipeline.DataOptions
	var ff pipeline.DIFSettings
	var outDir string
	c := &cobra.Command{
		Use:   "dif --responses FILE --items FILE --out DIR",
		Short: "Differential item functioning by Mantel–Haenszel with ETS categories",
		Long: `DIF compares a focal and a reference group of candidates matched on their
score (Mantel–Haenszel over score strata; Holland & Thayer 1988):
the common odds ratio, MH D-DIF = −2.35·ln(α_MH) with its standard error, the
continuity-corrected MH chi-square, and the ETS category — A (negligible),
B (moderate) or C (large: |D-DIF| ≥ 1.5 and significantly above 1) — with the
group the item favours. Negative D-DIF favours the reference group.

The group column is named by --group-column (default: a column named group).
Candidates are matched on the total score including the studied item, as
Holland & Thayer (1988) and difR do: an operational item on the operational
score, a pretest item on the operational score plus its own score.
--match exclude-item matches a pretest item on the operational score alone
(operational items are unchanged: they are part of that score). dif.json
records the criterion in "matching"; --logistic uses the same one.

Writes dif.csv (and dif_logistic.csv with --logistic), dif.json and
manifest.json.`,
		Example: `  itemlab dif --responses responses.csv --items items.csv --out dif
  itemlab dif --responses r.csv --items i.csv --group-column gender --focal F --out dif --logistic`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			out, err := newOutput(c, env, outDir, env.logger(false))
			if err != nil {
				return err
			}
			defer out.Abort()
			d, err := pipeline.LoadData(out, df)
			if err != nil {
				return err
			}
			sum, err := pipeline.DIF(c.Context(), out, "", d, ff)
			if err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "DIF, focal %q vs reference %s: %d items, %d in category C, %d in B\n",
				sum.Focal, sum.Reference, sum.Items, sum.CategoryC, sum.CategoryB)
			return nil
		},
	}
	addDataFlags(c.Flags(), &df, false)
	addDIFFlags(c.Flags(), &ff)
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	c.Flags().Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	return c
}
