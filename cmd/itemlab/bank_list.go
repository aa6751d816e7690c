package main

import (
	"encoding/json"
	"fmt"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
)

func newBankListCmd(env *Env, bf *bankFlags) *cobra.Command {
	var s pipeline.BankListSettings
	var expMax, candMax int
	var asJSON bool
	c := &cobra.Command{
		Use:   "list --bank B [--domain D --status S --b-range L:H --exposure-max N --candidates-max N]",
		Short: "List the bank's items with their bank parameters and exposure",
		Example: `  itemlab bank list --bank bank.db --status operational --b-range -1:1
  itemlab bank list --bank bank.db --domain "Clinical Operations" --exposure-max 2 --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if c.Flags().Changed("exposure-max") {
				s.ExposureMax = &expMax
			}
			if c.Flags().Changed("candidates-max") {
				s.CandidatesMax = &candMax
			}
			t, err := pipeline.BankList(c.Context(), bf.settings(c), s)
			if err != nil {
				return err
			}
			return printTable(env, t, asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&s.Domain, "domain", "", "only items of this `domain`")
	f.StringSliceVar(&s.Status, "status", nil, "only items of these statuses: operational, pretest, retired, excluded")
	f.StringVar(&s.BRange, "b-range", "", "only items whose bank b is in `L:H` (either side may be empty)")
	f.IntVar(&expMax, "exposure-max", 0, "only items seen in at most `N` administrations")
	f.IntVar(&candMax, "candidates-max", 0, "only items seen by at most `N` candidates")
	f.StringVar(&s.IDContains, "id", "", "only items whose id contains this text")
	f.BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

func newBankShowCmd(env *Env, bf *bankFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "show --bank B ITEM",
		Short:   "Show one item: content, bank parameters with provenance, exposure, history",
		Example: "  itemlab bank show --bank bank.db ITM0047",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			v, err := pipeline.BankShow(c.Context(), bf.settings(c), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env, map[string]json.RawMessage{"item": pipeline.TableJSON(v.Item), "history": pipeline.TableJSON(v.History)})
			}
			if err := printTable(env, v.Item, false); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout)
			return printTable(env, v.History, false)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

func newBankHistoryCmd(env *Env, bf *bankFlags) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "history --bank B ITEM",
		Short:   "Every administration of an item, oldest first",
		Example: "  itemlab bank history --bank bank.db ITM0047 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			t, err := pipeline.BankHistory(c.Context(), bf.settings(c), args[0])
			if err != nil {
				return err
			}
			return printTable(env, t, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

func newBankDriftCmd(env *Env, bf *bankFlags) *cobra.Command {
	var asJSON, flaggedOnly, allCharts bool
	var alpha float64
	var charts, chartFormat string
	c := &cobra.Command{
		Use:   "drift --bank B [--alpha A]",
		Short: "Items whose b moved between administrations beyond what their SEs allow",
		Long: `Drift compares every item's b in consecutive administrations,
z = (b₂ − b₁)/√(se₁² + se₂²), against the Bonferroni-adjusted critical value
for all the pairs in the bank.`,
		Example: "  itemlab bank drift --bank bank.db --flagged\n  itemlab bank drift --bank bank.db --charts drift --all",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			t, r, err := pipeline.BankDrift(c.Context(), bf.settings(c), alpha)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: %d comparisons, critical |z| %.3f (α = %g), %d flagged\n", r.Comparisons, r.Critical, r.Alpha, len(r.Flagged()))
			if charts != "" {
				n, err := pipeline.BankDriftCharts(c.Context(), bf.settings(c), charts, t, r, allCharts, chartFormat, invocation(c, env))
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Stderr, "itemlab: drift.csv and %d charts in %s\n", n, charts)
			}
			if flaggedOnly {
				t = pipeline.FlaggedRows(t)
			}
			return printTable(env, t, asJSON)
		},
	}
	c.Flags().Float64Var(&alpha, "alpha", 0.05, "family-wise error rate of the screen")
	c.Flags().BoolVar(&flaggedOnly, "flagged", false, "only the flagged pairs")
	c.Flags().StringVar(&charts, "charts", "", "write drift.csv and a chart per flagged item (b across administrations, ±2 SE) into this `folder`")
	c.Flags().BoolVar(&allCharts, "all", false, "with --charts: a chart for every item with two or more administrations")
	c.Flags().StringVar(&chartFormat, "chart-format", "svg", "chart format: svg or png")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}
