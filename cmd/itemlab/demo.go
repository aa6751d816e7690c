package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
)

type demoOptions struct {
	out   string
	seed  uint64
	force bool
}

func newDemoCmd(env *Env) *cobra.Command {
	var o demoOptions
	c := &cobra.Command{
		Use:   "demo",
		Short: "Simulate a realistic administration and run every stage on it",
		Long: `Demo simulates the exam itemlab is built around — 100 operational and 25
pretest items in five weighted domains, 1,834 candidates, a second form linked
by 30 anchor items — and runs every stage on it, writing all results under
--out (the simulated files are in --out/data). It is the quickest way to see
what itemlab produces.`,
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
	return c
}

func runDemo(c *cobra.Command, env *Env, o demoOptions) error {
	start := time.Now()
	if err := checkReplaceable(o.out, o.force); err != nil {
		return err
	}
	out, err := newOutput(c, o.out)
	if err != nil {
		return err
	}
	defer out.abort()
	sim := simulateOptions{seed: o.seed, sim: analysis.SimOptions{Forms: 2}}
	if _, err := runSimulate(out, sim, "data"); err != nil {
		return err
	}
	df := &dataFlags{responses: filepath.Join(out.tmp, "data", "responses.csv"),
		items: filepath.Join(out.tmp, "data", "items.csv"), omit: "wrong"}
	d, err := df.load(env, nil)
	if err != nil {
		return err
	}
	cl, err := stageAnalyze(out, "analyze", d, analysis.ClassicalOptions{})
	if err != nil {
		return err
	}
	if err := out.commitFolder(); err != nil {
		return err
	}
	ts := cl.Test
	w := env.Stdout
	fmt.Fprintf(w, "itemlab demo: %d candidates, %d items (%d operational, %d pretest)\n",
		d.N, d.J, ts.Operational, ts.Pretest)
	fmt.Fprintf(w, "  raw score mean %.1f of %d (SD %.1f), reliability (KR-20) %.3f, SEM %.2f\n",
		ts.Mean, ts.Operational, ts.SD, ts.Alpha, ts.SEM)
	fmt.Fprintf(w, "  results in %s (%.1f s):\n", o.out, time.Since(start).Seconds())
	fmt.Fprintf(w, "    data/      simulated responses, items and the truth (planted flaws in truth.csv)\n")
	fmt.Fprintf(w, "    analyze/   classical item statistics, distractors, reliability (item_stats.csv, options.csv)\n")
	return nil
}

// checkReplaceable refuses to replace an existing folder unless it is empty,
// holds a previous itemlab demo, or force is set.
func checkReplaceable(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 || force {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "simulation.json")); err == nil {
		return nil
	}
	return usagef("%s exists and is not a previous demo; choose another --out or add --force to replace it", dir)
}
