package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/itemlab/itemlab/analysis/simulate"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/internal/spec"
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
charts/, and manifest.json. It is the quickest way to see what itemlab produces.`,
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
	c.Flags().BoolVar(&o.noReport, "no-report", false, "write the tables only: no workbook, no charts (faster)")
	return c
}

// demoSpec is the built-in exam spec of the demo for form 1 (the base form)
// or form 2 (linked to form 1); paths are relative to the demo folder.
func demoSpec(form int, cutTheta float64, seed uint64) string {
	common := `exam: CEHRS (simulated) %s
responses: %s
items: %s
domains:
  - {name: Clinical Operations, weight: 32}
  - {name: Non-Clinical Operations, weight: 28}
  - {name: Revenue Cycle/Finance, weight: 15}
  - {name: Regulatory Compliance, weight: 15}
  - {name: Reporting, weight: 10}
calibration: {model: 3pl, method: mml, scoring: eap}
dif: {focal: focal, reference: reference}
projection: {cuts: "350:430:1", shifts: "-0.5:0.5:0.1", reps: 200}
seed: %d
`
	if form == 1 {
		return fmt.Sprintf(common, "form 1", "data/responses.csv", "data/items.csv", seed) +
			fmt.Sprintf("scale: {cut_theta: %.4f, cut: 390, min: 200, max: 500}\n", cutTheta)
	}
	return fmt.Sprintf(common, "form 2", "data/form2/responses.csv", "data/form2/items.csv", seed) +
		"scale: {base: form1/scale/scale.json}\n" +
		"base_form: {params: form1/calibrate/params.csv, responses: data/responses.csv, items: data/items.csv, method: stocking-lord}\n"
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
	log := newLogger(env, o.quiet)
	log.logf("simulating two forms…")
	sim, err := runSimulate(out, simulateOptions{seed: o.seed, sim: simulate.Options{Forms: 2}}, "data")
	if err != nil {
		return err
	}
	var sums []*runSummary
	var texts []string
	for form := 1; form <= 2; form++ {
		text := demoSpec(form, sim.CutTheta, o.seed)
		if o.noReport {
			text += "report: {workbook: false, charts: false}\n"
		}
		texts = append(texts, text)
		s, err := spec.Read(fmt.Sprintf("demo spec (form %d)", form), strings.NewReader(text), out.tmp)
		if err != nil {
			return err
		}
		prefix := fmt.Sprintf("form%d", form)
		log.logf("form %d:", form)
		sum, err := runPipeline(c, env, out, prefix, s, log)
		if err != nil {
			return err
		}
		sums = append(sums, sum)
	}
	out.spec = strings.Join(texts, "---\n")
	if err := out.json("data/demo_specs.json", texts); err != nil {
		return err
	}
	if err := out.commitFolder(); err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "itemlab demo (%.1f s): a simulated CEHRS-like administration, two forms\n\n", time.Since(start).Seconds())
	printRunSummary(env, sums[0], filepath.Join(o.out, "form1"), false)
	fmt.Fprintln(w)
	printRunSummary(env, sums[1], filepath.Join(o.out, "form2"), false)
	fmt.Fprintf(w, "\nThe truth behind the simulation (item parameters, planted flaws) is in %s.\n", filepath.Join(o.out, "data", "truth.csv"))
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
