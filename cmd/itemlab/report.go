package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/itemlab/itemlab/reports"
)

func newReportCmd(env *Env) *cobra.Command {
	var from, xlsx, charts, format, review string
	var force bool
	c := &cobra.Command{
		Use:   "report --from RUN_DIR [--out FILE.xlsx] [--charts DIR] [--review FILE.html]",
		Short: "Build the calibration workbook and charts from a run's tables",
		Long: `Report turns the tables of a run folder (itemlab run, or any command's --out
folder) into things people open: an Excel workbook — a one-page test
Summary, then Items (with the decisions of item_review.csv and pretest.csv),
Options, Pretest, Conversion, Candidates, Domains, DIF, Equating, Anchors,
Projection and, for a linked form, Form comparison sheets as far as those
stages ran, Run details and a Glossary of every column — with human headers,
frozen header rows, filters, number formats, rows coloured by severity and
print set-up — and charts: item characteristic curves with observed
points, option trace lines, test information and CSEM, the person–item map,
score distributions, the pass rate by cut score and a domain summary, listed
in charts/index.html — and the item-review page (--review): one
self-contained HTML file with a sortable, filterable table of every item, a
card per item (statistics, options, trace lines, ICC with observed points,
the decision and its reasons) and the test-level charts, which opens from a
file or an e-mail attachment without a network. Nothing is recomputed: every
number comes from the run's CSV and JSON files.`,
		Example: `  itemlab report --from run --out run/report.xlsx --force --charts run/charts
  itemlab report --from calib --out calib.xlsx --format svg --charts calib-charts
  itemlab report --from run --review run/review.html`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" {
				return usagef("--from is required: the run folder to report on")
			}
			if fi, err := os.Stat(from); err != nil || !fi.IsDir() {
				return pipeline.Inputf("%s: no such run folder", from)
			}
			if xlsx == "" && charts == "" && review == "" {
				return usagef("give --out FILE.xlsx, --charts DIR, --review FILE.html or several")
			}
			if format != "png" && format != "svg" {
				return usagef("--format %q: want png or svg", format)
			}
			if xlsx != "" {
				if err := pipeline.CheckFileTarget(xlsx, ".xlsx", "--out", force); err != nil {
					return err
				}
			}
			if review != "" {
				if err := pipeline.CheckFileTarget(review, ".html", "--review", force); err != nil {
					return err
				}
			}
			res := &reports.ReportResult{}
			if xlsx != "" || charts != "" {
				var err error
				if res, err = reports.ReportContext(c.Context(), from, xlsx, charts, format); err != nil {
					return reportError(err)
				}
			}
			if review != "" {
				run, err := reports.ReadRun(from)
				if err != nil {
					return reportError(err)
				}
				if err := reports.WriteReviewFile(review, run, reports.ReviewOptions{}); err != nil {
					return err
				}
				fmt.Fprintf(env.Stdout, "item-review page %s\n", review)
			}
			if res.Workbook != "" {
				fmt.Fprintf(env.Stdout, "workbook %s\n", res.Workbook)
			}
			if charts != "" {
				fmt.Fprintf(env.Stdout, "%d charts in %s (index.html)\n", len(res.Charts), charts)
			}
			return nil
		},
	}
	c.Flags().StringVar(&from, "from", "", "run `folder` to report on")
	c.Flags().StringVar(&xlsx, "out", "", "workbook `file` to write (.xlsx)")
	c.Flags().StringVar(&charts, "charts", "", "`folder` for the charts")
	c.Flags().StringVar(&format, "format", "png", "chart format: png or svg")
	c.Flags().StringVar(&review, "review", "", "item-review page `file` to write (.html)")
	c.Flags().BoolVar(&force, "force", false, "replace an existing workbook or page that itemlab wrote (never another file)")
	return c
}

// reportError makes a folder of mixed calibrations bad input (exit 2).
func reportError(err error) error {
	var me *reports.MixedCalibrationsError
	if errors.As(err, &me) {
		return &pipeline.InputError{Err: err}
	}
	return err
}
