package main

import (
	"fmt"
	"strings"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
)

func newBankAddRunCmd(env *Env, bf *bankFlags) *cobra.Command {
	var s pipeline.AddRunSettings
	var asJSON bool
	c := &cobra.Command{
		Use:   "add-run --bank B RUN_DIR",
		Short: "Record a finished run folder in the bank (what run --bank does at its end)",
		Long: `Add-run records the administration of a finished run folder in one
transaction: form, date, candidates, the latent mean and SD on the bank scale,
every item's classical statistics and parameters (with SEs and covariances)
on the bank scale, the pretest items' anchored parameters and decisions with
reasons, and the run id (manifest.json's run_id). A run already recorded is
refused. A run folder made without --bank is taken as defining the bank
scale (the bank's first form).`,
		Example: "  itemlab bank add-run --bank bank.db run-2026-11",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			res, err := pipeline.BankAddRun(c.Context(), bf.settings(c), args[0], s)
			if err != nil {
				return err
			}
			if asJSON {
				return printJSON(env, res)
			}
			fmt.Fprintf(env.Stdout, "recorded run %s (form %s, %d items, %s) as audit event %d\n", res.RunID, res.Form, res.Items, res.Mode, res.Event)
			return nil
		},
	}
	c.Flags().StringVar(&s.Form, "form", "", "the form's `name` in the bank (default: the run's exam name)")
	c.Flags().StringVar(&s.Date, "date", "", "the administration's `date`, YYYY-MM-DD (default: the day of the run)")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

func newBankPromoteCmd(env *Env, bf *bankFlags) *cobra.Command {
	var items []string
	var force bool
	var reason string
	c := &cobra.Command{
		Use:   "promote --bank B [--items ID,…] [--force --reason TEXT]",
		Short: "Make pretest items whose latest decision is promote operational, with their anchored parameters",
		Example: `  itemlab bank promote --bank bank.db
  itemlab bank promote --bank bank.db --items ITM0104 --force --reason "committee review 2026-11-30"`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			res, err := pipeline.BankPromote(c.Context(), bf.settings(c), items, force, reason)
			if err != nil {
				return err
			}
			for _, it := range res.Items {
				fmt.Fprintf(env.Stdout, "%s\tpromoted (decision %s, parameters from run %.12s)\n", it.ItemID, it.Decision, it.RunID)
			}
			fmt.Fprintf(env.Stderr, "itemlab: %d items promoted (audit event %d)\n", len(res.Items), res.Event)
			return nil
		},
	}
	c.Flags().StringSliceVar(&items, "items", nil, "items to promote (default: every pretest item whose latest decision is promote)")
	c.Flags().BoolVar(&force, "force", false, "promote listed items whose decision is not promote (needs --reason)")
	c.Flags().StringVar(&reason, "reason", "", "why, kept with the parameters and in the audit")
	return c
}

func newBankRetireCmd(env *Env, bf *bankFlags) *cobra.Command {
	var reason string
	c := &cobra.Command{
		Use:     "retire --bank B ITEM --reason TEXT",
		Short:   "Retire an item",
		Example: `  itemlab bank retire --bank bank.db ITM0012 --reason "over-exposed"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := pipeline.BankRetire(c.Context(), bf.settings(c), args[0], reason); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: %s retired\n", args[0])
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why (required; kept in the audit)")
	return c
}

func newBankReviseCmd(env *Env, bf *bankFlags) *cobra.Command {
	var reason, key, domain string
	var set []string
	c := &cobra.Command{
		Use:     "revise --bank B ITEM --reason TEXT [--set NAME=VALUE …] [--key K] [--domain D]",
		Short:   "Revise an item: a new version ITEM-vN, starting as pretest; the old one is retired",
		Example: `  itemlab bank revise --bank bank.db ITM0005 --reason "distractor C rewritten" --set option_c="…"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			it, err := pipeline.BankRevise(c.Context(), bf.settings(c), args[0], reason, key, domain, set)
			if err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, it.ID)
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why (required; kept in the audit)")
	c.Flags().StringArrayVar(&set, "set", nil, "a field of the new version, `NAME=VALUE` (repeatable)")
	c.Flags().StringVar(&key, "key", "", "the new version's key (default: the old one's)")
	c.Flags().StringVar(&domain, "domain", "", "the new version's domain (default: the old one's)")
	return c
}

func newBankUpdateParamsCmd(env *Env, bf *bankFlags) *cobra.Command {
	var run, reason string
	c := &cobra.Command{
		Use:     "update-params --bank B ITEM --from-run RUN --reason TEXT",
		Short:   "Replace an item's bank parameters by its estimates in one administration",
		Example: `  itemlab bank update-params --bank bank.db ITM0047 --from-run 3f2a9c1b7d4e --reason "re-based after drift review"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ev, err := pipeline.BankUpdateParams(c.Context(), bf.settings(c), args[0], run, reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: %s: bank parameters replaced (audit event %d)\n", args[0], ev)
			return nil
		},
	}
	c.Flags().StringVar(&run, "from-run", "", "the run id (or a unique prefix of it)")
	c.Flags().StringVar(&reason, "reason", "", "why (required; kept in the audit)")
	return c
}

func newBankRevertCmd(env *Env, bf *bankFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "revert --bank B EVENT",
		Short:   "Undo an add-run or a promotion (recorded in the audit; history is never deleted)",
		Example: "  itemlab bank revert --bank bank.db 7",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			ev, err := pipeline.BankRevert(c.Context(), bf.settings(c), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: event %s reverted (audit event %d)\n", strings.TrimSpace(args[0]), ev)
			return nil
		},
	}
}
