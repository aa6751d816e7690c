package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
)

type demoOptions struct {
	out   string
	seed  uint64
	force bool
	quiet bool
	// noReport skips the workbook and charts (the tables are unchanged).
	noReport bool
}

func newDemoCmd(env *Env) *cobra.Command {
	var o demoOptions
	c := &cobra.Command{
		Use:   "demo",
		Short: "Simulate a realistic administration and run every stage on it",
		Long: `Demo simulates the exam itemlab is built around — 100 operational and 25
pretest items in five weighted domains, 1,834 candidates, six deliberately
flawed pretest items, and a second form sharing 30 anchor items taken by a
slightly abler population — and runs the whole pipeline (itemlab run) on both:
the first form defines the 500-point scale with its cut of 390, the second is
linked and equated to it.

Everything goes under --out: data/ (the simulated files and the truth),
form1/ and form2/ with one folder per stage, the workbook report.xlsx and
the item-review page review.html, and manifest.json. It is the quickest way to see what itemlab produces.`,
		Example: `  itemlab demo
  itemlab demo --out /tmp/demo --seed 42`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c, env, o)
		},
	}
	c.Flags().StringVar(&o.out, "out", "itemlab-demo", "output `folder`")
	c.Flags().Uint64Var(&o.seed, "seed", 1, "random seed of the simulation")
	c.Flags().BoolVar(&o.force, "force", false, "replace an existing output folder that is not a previous demo")
	c.Flags().BoolVarP(&o.quiet, "quiet", "q", false, "no progress or log lines on stderr")
	c.Flags().BoolVar(&o.noReport, "no-report", false, "write the tables only: no workbook, no review page (faster)")
	return c
}

func runDemo(c *cobra.Command, env *Env, o demoOptions) error {
	start := time.Now()
	res, err := pipeline.Demo(c.Context(), pipeline.DemoOptions{Out: o.out, Seed: o.seed, Force: o.force, NoReport: o.noReport,
		Log: env.logger(o.quiet), Invocation: invocation(c, env)})
	if err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "itemlab demo (%.1f s): a simulated CEHRS-like administration, two forms\n\n", time.Since(start).Seconds())
	printRunSummary(env, res.Forms[0], false)
	fmt.Fprintln(w)
	printRunSummary(env, res.Forms[1], false)
	fmt.Fprintf(w, "\nThe truth behind the simulation (item parameters, planted flaws) is in %s.\n", filepath.Join(o.out, "data", "truth.csv"))
	return nil
}
