package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
)

type runOptions struct {
	specFile         string
	responses, items string
	outDir           string
	model            string
	cutTheta         float64
	force, quiet     bool
	asJSON           bool
	bank             pipeline.RunBankOptions
}

func newRunCmd(env *Env) *cobra.Command {
	var o runOptions
	c := &cobra.Command{
		Use:   "run (--spec exam.yaml | --responses FILE --items FILE) --out DIR",
		Short: "Run the whole pipeline on an administration, from one exam spec",
		Long: `Run is what to do after every administration: one command from the exam spec
(itemlab init writes a commented one) through

  ingest → analyze → calibrate → equate to the base form (when the spec names
  one) → scale (define it, or reuse the base form's scale.json) → score →
  DIF → operational item review → pretest review → projection → report
  (workbook and item-review page)

writing one run folder with a sub-folder per stage, the workbook report.xlsx
and the item-review page review.html at its top (PNG charts in charts/ only
when the spec's report: section asks, charts: true or format: png), and
manifest.json: itemlab's version, the command line
and spec, the SHA-256 of every input, the seed, and the time of every stage.

The same spec and inputs give byte-identical tables. The run is written into a
temporary folder and renamed into place at the end, so a failed run leaves no
half-written results; an existing run folder is replaced only with --force.
Inputs are never modified.

With --bank (or the spec's bank: section) the form goes onto the item bank's
scale: a bank without a scale takes this run's (scale.cut_theta or cut_raw),
and later forms are linked to the bank parameters of their common items
(bank.link: stocking-lord, haebara, or fixed to hold them at their bank
values) and scored on the bank's scale. Once the run folder is written, the
administration is recorded in the bank (see itemlab bank add-run).

Without a spec, --responses and --items (and --cut-theta for the scale) run
the pipeline with the defaults.

Exit codes: 0 success, 1 a stage failed, 2 bad input or spec (the message
names the file and line).`,
		Example: `  itemlab init && itemlab run --spec exam.yaml --out run-2026-11
  itemlab run --responses responses.csv --items items.csv --cut-theta -0.5 --out run
  itemlab run --spec exam.yaml --out run --json > summary.json
  itemlab run --spec form2.yaml --out run-form2 --bank bank.db`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			sf, err := o.resolveSpec(c)
			if err != nil {
				return err
			}
			sum, err := pipeline.Run(c.Context(), sf, pipeline.RunOptions{Out: o.outDir, Force: o.force,
				Log: env.logger(o.quiet), Invocation: invocation(c, env), Bank: o.bank})
			if err != nil {
				if sum != nil { // the run folder is written; the bank recording failed
					printRunSummary(env, sum, o.asJSON)
				}
				return err
			}
			return printRunSummary(env, sum, o.asJSON)
		},
	}
	f := c.Flags()
	f.StringVar(&o.specFile, "spec", "", "exam spec `file` (YAML; itemlab init writes an example)")
	f.StringVar(&o.responses, "responses", "", "responses `file` (without a spec)")
	f.StringVar(&o.items, "items", "", "items `file` (without a spec)")
	f.StringVar(&o.model, "model", "3pl", "IRT model without a spec: rasch, 2pl or 3pl")
	f.Float64Var(&o.cutTheta, "cut-theta", 0, "the cut as θ, without a spec (defines the scale)")
	f.StringVar(&o.outDir, "out", "", "run `folder` to create")
	f.BoolVar(&o.force, "force", false, "replace an existing run folder")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress or log lines on stderr")
	f.BoolVar(&o.asJSON, "json", false, "print the run summary as JSON on stdout")
	f.StringVar(&o.bank.Target, "bank", "", "item bank (`file` or postgres:// URL) to link the form to and record it in (or the spec's bank:)")
	f.StringVar(&o.bank.Form, "form", "", "the form's name in the bank (default: the spec's exam name)")
	f.StringVar(&o.bank.By, "by", "", "who records the run, for the bank's audit (default: the operating-system user)")
	return c
}

// resolveSpec reads --spec or builds a spec from the flags. With --spec, the
// flags that only make sense without one are refused rather than ignored.
func (o *runOptions) resolveSpec(c *cobra.Command) (*pipeline.SpecFile, error) {
	if o.specFile != "" {
		var given []string
		for _, name := range []string{"responses", "items", "model", "cut-theta"} {
			if c.Flags().Changed(name) {
				given = append(given, "--"+name)
			}
		}
		if len(given) > 0 {
			return nil, usagef("%s: not used with --spec (set it in the spec instead)", strings.Join(given, ", "))
		}
		return pipeline.ReadSpec(o.specFile)
	}
	if o.responses == "" {
		return nil, usagef("give --spec exam.yaml, or --responses (and --items)")
	}
	text := fmt.Sprintf("responses: %q\n", abs(o.responses))
	if o.items != "" {
		text += fmt.Sprintf("items: %q\n", abs(o.items))
	}
	text += fmt.Sprintf("calibration:\n  model: %s\n", o.model)
	if c.Flags().Changed("cut-theta") {
		text += fmt.Sprintf("scale:\n  cut_theta: %g\n", o.cutTheta)
	}
	return pipeline.ParseSpec("(flags)", text, ".")
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func printRunSummary(env *Env, s *pipeline.Summary, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	w := env.Stdout
	dir := s.Dir
	name := s.Exam
	if name == "" {
		name = "run"
	}
	fmt.Fprintf(w, "%s: %d candidates, %d operational + %d pretest items\n", name, s.Candidates, s.Operational, s.Pretest)
	fmt.Fprintf(w, "  reliability (KR-20) %.3f, SEM %.2f raw points; %d items flagged", s.Alpha, s.SEM, s.Flagged)
	if s.RareDistractor > 0 {
		fmt.Fprintf(w, " (and %d with only a rarely chosen distractor, a note for the writers)", s.RareDistractor)
	}
	fmt.Fprintln(w)
	if s.Model != "" {
		state := "converged"
		if s.Converged != nil && !*s.Converged {
			state = "NOT converged"
		}
		fmt.Fprintf(w, "  %s calibration %s\n", s.Model, state)
	}
	if s.Bank != nil {
		fmt.Fprintf(w, "  recorded in the bank as form %s, run %s (%s)\n", s.Bank.Form, s.Bank.RunID, s.Bank.Mode)
	}
	if s.LinkA != nil {
		to := "the base form"
		if s.Bank != nil {
			to = "the bank scale"
		}
		fmt.Fprintf(w, "  linked to %s: θ_base = %.3f·θ + %.3f\n", to, *s.LinkA, *s.LinkB)
	}
	if s.RawCut != nil {
		fmt.Fprintf(w, "  raw cut %d of %d", *s.RawCut, s.Operational)
		if s.ObservedPass != nil {
			fmt.Fprintf(w, "; observed pass rate %.1f %%", 100**s.ObservedPass)
		}
		if s.ProjectedPass != nil {
			fmt.Fprintf(w, ", projected %.1f %% (classification accuracy %.3f)", 100**s.ProjectedPass, *s.Accuracy)
		}
		fmt.Fprintln(w)
	}
	if s.ItemDecisions != nil {
		fmt.Fprintf(w, "  operational items: %d keep, %d review, %d check the key (analyze/item_review.csv)\n",
			s.ItemDecisions["keep"], s.ItemDecisions["review"], s.ItemDecisions["check_key"])
	}
	if s.Decisions != nil {
		fmt.Fprintf(w, "  pretest: %d promote, %d revise, %d reject, %d insufficient\n",
			s.Decisions["promote"], s.Decisions["revise"], s.Decisions["reject"], s.Decisions["insufficient"])
	}
	if len(s.DIFC) > 0 {
		fmt.Fprintf(w, "  DIF category C: %s\n", strings.Join(s.DIFC, ", "))
	}
	if c := s.PrePost; c != nil {
		fmt.Fprintf(w, "  planned form %s: raw cut %d pre-equated, %d after the administration; pass/fail differs for %d of %d candidates (%.1f %%)\n",
			c.Form, c.PreRawCut, c.PostRawCut, c.Differ, c.Candidates, 100*c.DifferShare)
	}
	for _, sk := range s.Skipped {
		fmt.Fprintf(w, "  skipped %s\n", sk)
	}
	if s.Workbook {
		fmt.Fprintf(w, "  workbook %s", filepath.Join(dir, "report.xlsx"))
		if s.Charts > 0 {
			fmt.Fprintf(w, ", %d charts in %s", s.Charts, filepath.Join(dir, "charts", "index.html"))
		}
		fmt.Fprintln(w)
	} else if s.Charts > 0 {
		fmt.Fprintf(w, "  %d charts in %s\n", s.Charts, filepath.Join(dir, "charts", "index.html"))
	}
	if s.Review {
		fmt.Fprintf(w, "  item-review page %s\n", filepath.Join(dir, "review.html"))
	}
	fmt.Fprintf(w, "  results in %s (stages: %s)\n", dir, strings.Join(s.Stages, ", "))
	return nil
}
