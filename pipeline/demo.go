package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/itemlab/itemlab/analysis/simulate"
)

// DemoOptions are the options of Demo.
type DemoOptions struct {
	Out        string // folder to create; an existing one must be empty or a previous demo unless Force
	Seed       uint64 // of the simulation; zero means 1
	Force      bool
	NoReport   bool // tables only: no workbook, no charts
	Log        Logger
	Invocation Invocation
}

// DemoResult is what the demo ran: the summary of each form's run.
type DemoResult struct {
	Forms []*Summary
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

// Demo simulates the exam itemlab is built around — two forms sharing 30
// anchors — and runs the whole pipeline on both into one folder: data/ (the
// simulated files and the truth), form1/ (defines the scale) and form2/
// (linked and equated to form 1).
func Demo(ctx context.Context, o DemoOptions) (*DemoResult, error) {
	if o.Seed == 0 {
		o.Seed = 1
	}
	// A previous demo is replaced without --force.
	_, err := os.Stat(filepath.Join(o.Out, "data", "simulation.json"))
	out, err := NewOutput(o.Out, o.Invocation, o.Log, o.Force || err == nil)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	out.Log.Logf("simulating two forms…")
	sim, err := Simulate(ctx, out, "data", o.Seed, simulate.Options{Forms: 2})
	if err != nil {
		return nil, err
	}
	res := &DemoResult{}
	var texts []string
	for form := 1; form <= 2; form++ {
		text := demoSpec(form, sim.CutTheta, o.Seed)
		if o.NoReport {
			text += "report: {workbook: false, charts: false}\n"
		}
		texts = append(texts, text)
		sf, err := ParseSpec(fmt.Sprintf("demo spec (form %d)", form), text, out.Staging())
		if err != nil {
			return nil, err
		}
		prefix := fmt.Sprintf("form%d", form)
		out.Log.Logf("form %d:", form)
		sum, err := RunStages(ctx, out, prefix, sf.Spec)
		if err != nil {
			return nil, err
		}
		sum.Dir = filepath.Join(o.Out, prefix)
		res.Forms = append(res.Forms, sum)
	}
	out.SetSpec(strings.Join(texts, "---\n"))
	if err := out.JSON("data/demo_specs.json", texts); err != nil {
		return nil, err
	}
	return res, out.CommitFolder()
}
