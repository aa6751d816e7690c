package main

import (
	"fmt"
	"math"

	"github.com/itemlab/itemlab/pipeline"

	"github.com/spf13/cobra"
)

type assembleOptions struct {
	specFile string
	o        pipeline.AssembleOptions
	gap      float64
	quiet    bool
}

func newAssembleCmd(env *Env) *cobra.Command {
	var o assembleOptions
	c := &cobra.Command{
		Use:   "assemble --bank B --spec exam.yaml --out DIR",
		Short: "Assemble the next form from the item bank and pre-equate it",
		Long: `Assemble builds the next form (or --forms K parallel forms) from the item
bank to the spec's assembly: section, as a 0–1 integer programme (van der
Linden, 2005) solved by CBC or GLPK run as external programs, or by a built-in
heuristic when neither is installed (then not proven optimal).

Eligible items are operational, not retired, have bank parameters, are not
flagged by the bank's drift screen and are under the exposure limits. The
blueprint comes from the domains' weights (largest remainder) or from
assembly.domains; anchors, enemy sets, metadata counts and pretest slots
come from the spec. The objective is the information at the bank scale's cut
θ, or (match-base) the closest TIF and TCC to the base form's.

Each form is then pre-equated on the bank scale: its conversion table from the
bank parameters (raw cut, CSEM), its projected pass rate and classification
accuracy for the latest administration's population and shifted ones, and
charts of its TCC, TIF and CSEM against the base form (the first
administration, or --base-form). The form is recorded in the bank as a planned
form, so run --bank can compare its pre- and post-equated conversions.

Writes items.csv (the items file run reads), params.csv, params_cov.csv,
conversion.csv, scale.json, projection.csv, accuracy.json, curves.csv,
charts/{tcc,tif,csem}.png, assembly.json (solver, status, objective, bound,
gap, every constraint with its value) and manifest.json; with --forms K one
folder per form and assembly.json at the top. A spec no form can meet exits
with code 2, naming the spec lines and the counts ("Reporting needs 10 items;
7 are eligible: 2 retired, 1 drifted not eligible").`,
		Example: `  itemlab assemble --bank bank.db --spec exam.yaml --out next
  itemlab assemble --bank bank.db --spec exam.yaml --forms 4 --name 2026 --out next
  itemlab assemble --bank bank.db --spec exam.yaml --write-model next.lp --out next
  itemlab assemble --bank bank.db --spec exam.yaml --solution highs.sol --out next`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runAssemble(c, env, &o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.o.Bank, "bank", "", "the item bank: a SQLite `file` or a postgres:// URL (default: the spec's bank.path)")
	f.StringVar(&o.specFile, "spec", "", "the exam spec `file` with an assembly: section")
	f.StringVar(&o.o.Out, "out", "", "output `folder` to create")
	f.BoolVar(&o.o.Force, "force", false, "replace an existing output folder")
	f.IntVar(&o.o.Forms, "forms", 0, "number of forms to assemble (default: assembly.forms)")
	f.StringVar(&o.o.Solver, "solver", "", "cbc, glpsol, heuristic, auto or a solver's `path` (default: assembly.solver)")
	f.Float64Var(&o.o.TimeLimit, "time-limit", 0, "the solver's time limit in `seconds` (default: assembly.time_limit)")
	f.Float64Var(&o.gap, "gap", 0, "relative optimality gap at which the solver may stop (default: assembly.gap)")
	f.StringVar(&o.o.WriteModel, "write-model", "", "also write the CPLEX-LP model to `file` (for HiGHS, Gurobi, …)")
	f.StringVar(&o.o.Solution, "solution", "", "read another solver's solution `file` to the model instead of solving")
	f.StringVar(&o.o.Name, "name", "", "the planned form's `name` (NAME-1 … NAME-K with --forms; default: the next formN)")
	f.StringVar(&o.o.BaseForm, "base-form", "", "the bank `form` to compare with (and to match with objective match-base); default: the first administration")
	f.BoolVar(&o.o.Replace, "replace", false, "replace planned forms of the same names in the bank")
	f.BoolVar(&o.o.NoSave, "no-save", false, "do not record the forms in the bank")
	f.IntVar(&o.o.Threads, "threads", 1, "CBC's threads")
	f.BoolVar(&o.quiet, "quiet", false, "no progress on stderr")
	return c
}

func runAssemble(c *cobra.Command, env *Env, o *assembleOptions) error {
	if o.specFile == "" {
		return usagef("--spec is required: the exam spec with an assembly: section")
	}
	sf, err := pipeline.ReadSpec(o.specFile)
	if err != nil {
		return err
	}
	if c.Flags().Changed("gap") {
		o.o.Gap = &o.gap
	}
	o.o.Log = env.logger(o.quiet)
	o.o.Invocation = invocation(c, env)
	sum, err := pipeline.Assemble(c.Context(), sf, o.o)
	if err != nil {
		return err
	}
	r := sum.Result
	proof := "not proven optimal"
	if r.Optimal {
		proof = "optimal within the gap"
	}
	bound := "no bound"
	if !math.IsNaN(r.Bound) {
		bound = fmt.Sprintf("bound %.4f, gap %.2f %%", r.Bound, 100*r.Gap)
	}
	fmt.Fprintf(env.Stdout, "%d form(s) by %s in %.1f s: %s, objective %.4f, %s, %s\n",
		len(sum.Forms), r.Solver, r.Seconds, r.Status, r.Objective, bound, proof)
	for _, f := range sum.Forms {
		fmt.Fprintf(env.Stdout, "form %s: %d items (%d anchors, %d pretest), information at the cut %.2f, raw cut %d, projected pass rate %.1f %% (accuracy %.3f)\n",
			f.Name, len(f.Items), f.Anchors, len(f.Pretest), f.InfoAtCut, f.Conversion.RawCut, 100*f.Projection.At.PassRate, f.Projection.At.Lee.Accuracy)
	}
	saved := "recorded in the bank as planned forms"
	if !sum.Saved {
		saved = "not recorded in the bank (--no-save)"
	}
	fmt.Fprintf(env.Stdout, "written to %s; %s\n", sum.Dir, saved)
	return nil
}
