package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/pipeline"
)

// addDataFlags binds the flags of every command that reads responses.
func addDataFlags(fs *pflag.FlagSet, d *pipeline.DataOptions, itemsRequired bool) {
	fs.StringVar(&d.Responses, "responses", "", "responses `file`: wide CSV/TSV/XLSX (one row per candidate) or long CSV (examinee_id,item_id,response)")
	itemsHelp := "items `file` (CSV/XLSX): item_id,key,domain,status[,options,anchor,a,b,c]"
	if !itemsRequired {
		itemsHelp += "; without it the responses must be scored 0/1 and every item is operational"
	}
	fs.StringVar(&d.Items, "items", "", itemsHelp)
	fs.StringVar(&d.Sheet, "sheet", "", "worksheet of an XLSX responses file (default: the first)")
	fs.StringVar(&d.ItemsSheet, "items-sheet", "", "worksheet of an XLSX items file (default: the first)")
	fs.StringVar(&d.IDColumn, "id-column", "", "candidate id column (default: examinee_id, id, candidate_id, … or the first non-item column)")
	fs.StringVar(&d.GroupColumn, "group-column", "", "group column, e.g. for DIF (default: a column named group)")
	fs.StringVar(&d.FormColumn, "form-column", "", "form column (default: a column named form)")
	fs.StringSliceVar(&d.Ignore, "ignore", nil, "response `columns` to skip (comma-separated), e.g. demographics")
	fs.StringVar(&d.Options, "options", "", "option `codes` of items whose items-file row declares none, e.g. ABCDE or 1|2|3|4 (default ABCD)")
	fs.BoolVar(&d.NotReached, "not-reached", false, "treat each candidate's trailing omits as not reached (missing in calibration)")
	fs.StringVar(&d.Delimiter, "delimiter", "", "field `delimiter` of a CSV responses file: one character, tab or semicolon (default: detected from the header line)")
	fs.StringVar(&d.Encoding, "encoding", "", "`encoding` of CSV files without a byte order mark: utf-8 (default) or windows-1252 (Excel's CSV in Western locales)")
	fs.BoolVar(&d.SkipSummaryRows, "skip-summary-rows", false, "drop footer rows of the responses such as Total or Average (each named in a warning) instead of failing")
	fs.Int64Var(&d.MaxCells, "max-cells", 0, "largest response `matrix` (candidates × items) a long-format file may imply (default: 64 × the responses present, at least 67108864)")
	fs.IntVar(&d.MaxRows, "max-rows", 0, "rows an XLSX responses file may run to (default 200000; larger data read faster as CSV)")
	fs.StringVar(&d.Omit, "omit", "wrong", "how omits enter calibration: wrong or missing (raw scores always count them wrong)")
}

// newOutput stages the outputs of command c for the folder dir.
func newOutput(c *cobra.Command, env *Env, dir string, log *logger) (*pipeline.Output, error) {
	force, _ := c.Flags().GetBool("force")
	out, err := pipeline.NewOutput(dir, invocation(c, env), log, force)
	if err == nil {
		out.SetContext(c.Context())
	}
	return out, err
}

// invocation is what the manifest records of command c: its path, the
// arguments it was given and every flag with its value.
func invocation(c *cobra.Command, env *Env) pipeline.Invocation {
	inv := pipeline.Invocation{Command: c.CommandPath(), Args: append([]string(nil), env.Args...), Options: map[string]string{}, Version: Version}
	c.Flags().VisitAll(func(f *pflag.Flag) { inv.Options[f.Name] = f.Value.String() })
	return inv
}
