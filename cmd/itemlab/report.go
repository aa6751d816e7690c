package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/itemlab/itemlab/reports"
)

func newReportCmd(env *Env) *cobra.Command {
	var from, xlsx, charts, format string
	c := &cobra.Command{
		Use:   "report --from RUN_DIR --out FILE.xlsx [--charts DIR]",
		Short: "Build the calibration workbook and charts from a run's tables",
		Long: `Report turns the tables of a run folder (itemlab run, or any command's --out
folder) into things people open: an Excel workbook — Summary, Items, Options,
Pretest, Conversion, Candidates, Domains, DIF, Equating and Projection sheets
as far as those stages ran, with frozen headers, filters, number formats and
highlighted flags — and charts: item characteristic curves with observed
points, option trace lines, test information and CSEM, the person–item map,
score distributions, the pass rate by cut score and a domain summary, listed
in charts/index.html. Nothing is recomputed: every number comes from the
run's CSV and JSON files.`,
		Example: `  itemlab report --from run --out run/report.xlsx --charts run/charts
  itemlab report --from calib --out calib.xlsx --format svg --charts calib-charts`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if from == "" {
				return usagef("--from is required: the run folder to report on")
			}
			if fi, err := os.Stat(from); err != nil || !fi.IsDir() {
				return pipeline.Inputf("%s: no such run folder", from)
			}
			if xlsx == "" && charts == "" {
				return usagef("give --out FILE.xlsx, --charts DIR or both")
			}
			if format != "png" && format != "svg" {
				return usagef("--format %q: want png or svg", format)
			}
			res, err := reports.Report(from, xlsx, charts, format)
			if err != nil {
				return err
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
	return c
}
