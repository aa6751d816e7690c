package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/pipeline"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/analysis"
)

// classicalFlags are the options of the classical analysis.
type classicalFlags struct {
	th      classical.Thresholds
	weights []string // "Domain=weight"
}

func (f *classicalFlags) add(fs *pflag.FlagSet) {
	f.th = classical.DefaultThresholds()
	fs.Float64Var(&f.th.LowDiscrimination, "low-discrimination", f.th.LowDiscrimination, "flag low_discrimination when 0 ≤ corrected point-biserial < this")
	fs.Float64Var(&f.th.TooEasy, "too-easy", f.th.TooEasy, "flag too_easy when p > this")
	fs.Float64Var(&f.th.TooHard, "too-hard", f.th.TooHard, "flag too_hard when p < this")
	fs.Float64Var(&f.th.NonfunctioningDistractor, "nonfunctioning", f.th.NonfunctioningDistractor, "flag nonfunctioning_distractor when a distractor is chosen by fewer than this share")
	fs.Float64Var(&f.th.HighOmit, "high-omit", f.th.HighOmit, "flag high_omit when more than this share omit the item")
	fs.StringArrayVar(&f.weights, "weight", nil, "blueprint weight of a domain, `DOMAIN=PERCENT` (repeat for each domain)")
}

func (f *classicalFlags) settings() (pipeline.ClassicalSettings, error) {
	o := pipeline.ClassicalSettings{Thresholds: f.th}
	for _, w := range f.weights {
		name, val, ok := strings.Cut(w, "=")
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if !ok || err != nil || !(v > 0 && v <= 100) {
			return o, usagef("--weight %q: want DOMAIN=PERCENT, e.g. \"Clinical Operations=32\"", w)
		}
		o.Domains = append(o.Domains, analysis.Domain{Name: strings.TrimSpace(name), Weight: v})
	}
	sort.Slice(o.Domains, func(a, b int) bool { return o.Domains[a].Name < o.Domains[b].Name })
	return o, nil
}

func newAnalyzeCmd(env *Env) *cobra.Command {
	var df pipeline.DataOptions
	var cf classicalFlags
	var outDir string
	c := &cobra.Command{
		Use:   "analyze --responses FILE --items FILE --out DIR",
		Short: "Classical item analysis: difficulty, discrimination, distractors, reliability",
		Long: `Analyze computes the classical statistics an exam committee reads for every
item — p-value, point-biserial (plain and corrected), biserial, upper–lower 27 %
discrimination, alpha if deleted, omit rate — and a distractor analysis of every
option (share choosing, option point-biserial, mean score of choosers, shares in
five score groups). Items are flagged: possible_miskey, negative_discrimination,
low_discrimination, too_easy, too_hard, nonfunctioning_distractor, high_omit.

Operational items are judged against the operational score without themselves;
pretest items against the operational score, which they are not part of.
Test level: KR-20 (alpha) with its standard error, SEM, score distribution, and
the same per domain.

Every operational item gets a decision in item_review.csv — keep, review or
check_key — with its reasons in sentences (from the classical evidence; ` + "`itemlab run`" + `
adds item fit and DIF).

Writes item_stats.csv, options.csv, domains.csv, score_distribution.csv,
item_review.csv, summary.json and manifest.json.`,
		Example: `  itemlab analyze --responses responses.csv --items items.csv --out analysis
  itemlab analyze --responses lsat7.csv --out lsat7
  itemlab analyze --responses r.csv --items i.csv --out a --too-hard 0.25 --weight "Reporting=10"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cs, err := cf.settings()
			if err != nil {
				return err
			}
			log := env.logger(false)
			out, err := newOutput(c, env, outDir, log)
			if err != nil {
				return err
			}
			defer out.Abort()
			d, err := pipeline.LoadData(out, df)
			if err != nil {
				return err
			}
			cl, err := pipeline.Analyze(c.Context(), out, "", d, cs, "")
			if err != nil {
				return err
			}
			if _, err := pipeline.ItemReview(out, "", d, cl, cs.Thresholds, nil, nil); err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
				return err
			}
			printClassical(env, cl, outDir)
			return nil
		},
	}
	addDataFlags(c.Flags(), &df, false)
	cf.add(c.Flags())
	c.Flags().StringVar(&outDir, "out", "", "output `folder`")
	c.Flags().Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	return c
}

func printClassical(env *Env, cl *classical.Result, dir string) {
	ts := cl.Test
	flagged := 0
	for _, it := range cl.Items {
		if len(it.Flags) > 0 {
			flagged++
		}
	}
	fmt.Fprintf(env.Stdout, "candidates %d, items %d operational + %d pretest + %d excluded\n", ts.Candidates, ts.Operational, ts.Pretest, ts.Excluded)
	fmt.Fprintf(env.Stdout, "raw score mean %.2f, SD %.2f; alpha (KR-20) %.3f (SE %.3f); SEM %.2f\n", ts.Mean, ts.SD, ts.Alpha, ts.AlphaSE, ts.SEM)
	fmt.Fprintf(env.Stdout, "%s flagged; tables in %s\n", plural(flagged, "item"), dir)
}
