package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/itemlab/itemlab/reports"
	"github.com/spf13/cobra"
)

// bankFlags are the flags every bank command shares.
type bankFlags struct {
	target, by string
}

func (f *bankFlags) settings(c *cobra.Command) pipeline.BankSettings {
	return pipeline.BankSettings{Target: f.target, By: f.by, Command: c.CommandPath()}
}

func newBankCmd(env *Env) *cobra.Command {
	var bf bankFlags
	c := &cobra.Command{
		Use:   "bank",
		Short: "The item bank: items, bank parameters and every administration, in SQLite or PostgreSQL",
		Long: `The item bank keeps every item's life across administrations: its versions,
its bank parameters on the fixed bank scale with their provenance, every
administration's statistics and parameters, pretest decisions, promotion,
revision, retirement and drift, with an audit trail of who did what.

--bank is a SQLite file (created by bank init) or a postgres:// URL. Every
write records --by (default: the operating-system user) and the command in
the audit table.

The programme cycle:
  itemlab bank init --bank bank.db
  itemlab run --spec form1.yaml --out run1 --bank bank.db   # defines the scale
  itemlab run --spec form2.yaml --out run2 --bank bank.db   # linked to the bank
  itemlab bank promote --bank bank.db
  itemlab bank list --bank bank.db --status operational`,
		Args: cobra.NoArgs,
	}
	p := c.PersistentFlags()
	p.StringVar(&bf.target, "bank", "", "the bank: a SQLite `file` or a postgres:// URL")
	p.StringVar(&bf.by, "by", "", "who acts, for the audit table (default: the operating-system user)")
	c.AddCommand(
		newBankInitCmd(env, &bf),
		newBankImportCmd(env, &bf),
		newBankExportCmd(env, &bf),
		newBankAddRunCmd(env, &bf),
		newBankListCmd(env, &bf),
		newBankShowCmd(env, &bf),
		newBankHistoryCmd(env, &bf),
		newBankDriftCmd(env, &bf),
		newBankPromoteCmd(env, &bf),
		newBankRetireCmd(env, &bf),
		newBankReviseCmd(env, &bf),
		newBankUpdateParamsCmd(env, &bf),
		newBankRevertCmd(env, &bf),
	)
	return c
}

func newBankInitCmd(env *Env, bf *bankFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "init --bank FILE|URL",
		Short:   "Create a new, empty item bank",
		Example: "  itemlab bank init --bank bank.db\n  itemlab bank init --bank postgres://ann@db.example.org/itembank",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := pipeline.BankInit(c.Context(), bf.settings(c)); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: created the item bank %s\n", bf.target)
			return nil
		},
	}
}

type bankImportOptions struct {
	s    pipeline.BankImportSettings
	from string
}

func newBankImportCmd(env *Env, bf *bankFlags) *cobra.Command {
	var o bankImportOptions
	c := &cobra.Command{
		Use:   "import --bank B (--items F [--params F] [--scale F] [--replace] | --from DIR)",
		Short: "Import items (with metadata and bank parameters), or a whole exported bank",
		Long: `Import adds an existing programme's items to the bank: every column of the
items file other than item_id, key, domain, status, options, anchor, a, b, c
is kept as an item field (stem, option texts, writer, …). --params gives
their parameters on the bank scale (a params.csv; a params_cov.csv beside it
gives their covariances); --scale the bank's scale.json. An item already in
the bank with other values is refused unless --replace (the old values stay
in the audit table).

--from reads a folder written by bank export into an empty bank.`,
		Example: "  itemlab bank import --bank bank.db --items items.csv --params params.csv --scale scale.json\n  itemlab bank import --bank new.db --from export/",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			bs := bf.settings(c)
			if o.from != "" {
				if o.s.Items != "" || o.s.Params != "" || o.s.Scale != "" {
					return usagef("--from reads a whole exported bank: not with --items, --params or --scale")
				}
				ev, err := pipeline.BankImportFolder(c.Context(), bs, o.from)
				if err == nil {
					fmt.Fprintf(env.Stderr, "itemlab: imported %s (audit event %d)\n", o.from, ev)
				}
				return err
			}
			res, err := pipeline.BankImport(c.Context(), bs, o.s)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: %d items added, %d replaced, %d unchanged\n", len(res.Added), len(res.Replaced), len(res.Unchanged))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.s.Items, "items", "", "items `file` (CSV, TSV or XLSX)")
	f.StringVar(&o.s.ItemsSheet, "items-sheet", "", "sheet of an XLSX items file")
	f.StringVar(&o.s.Params, "params", "", "params.csv with the items' parameters on the bank scale")
	f.StringVar(&o.s.Scale, "scale", "", "scale.json of the bank scale")
	f.BoolVar(&o.s.Replace, "replace", false, "overwrite items whose values differ (old values kept in the audit)")
	f.StringVar(&o.from, "from", "", "a `folder` written by bank export")
	return c
}

func newBankExportCmd(env *Env, bf *bankFlags) *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "export --bank B --out DIR",
		Short: "Write the bank as plain files: items.csv, params.csv, history.csv, scale.json, audit.csv, …",
		Long: `Export writes items.csv, params.csv (the columns of params.csv, so that
calibrate --fixed and equate --base-params read it), params_cov.csv,
administrations.csv, manifests/, history.csv, history_cov.csv, the planned
forms, scale.json and audit.csv. bank import --from reads the folder back. The
folder is written whole or not at all.`,
		Example: "  itemlab bank export --bank bank.db --out bank-2026-12",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return pipeline.BankExport(c.Context(), bf.settings(c), out, force, invocation(c, env))
		},
	}
	c.Flags().StringVar(&out, "out", "", "`folder` to create")
	c.Flags().BoolVar(&force, "force", false, "replace an existing folder")
	return c
}

// printTable prints a table aligned on stdout, or as JSON.
func printTable(env *Env, t *reports.Table, asJSON bool) error {
	if asJSON {
		_, err := fmt.Fprintf(env.Stdout, "%s\n", pipeline.TableJSON(t))
		return err
	}
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(t.Header, "\t"))
	for _, r := range t.Rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	return w.Flush()
}

func printJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
