package main

import (
	"fmt"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/pipeline"

	"github.com/spf13/cobra"
)

type simulateOptions struct {
	out  string
	seed uint64
	sim  simulate.Options
}

func newSimulateCmd(env *Env) *cobra.Command {
	var o simulateOptions
	c := &cobra.Command{
		Use:   "simulate --out DIR",
		Short: "Simulate a realistic administration with known truth",
		Long: `Simulate draws candidates' answers from the three-parameter logistic model:
four options whose distractors differ in attractiveness, items spread over the
blueprint's domains by weight, a group column, about 0.5 % omits, and six
deliberately flawed pretest items (a miskeyed item, a negatively
discriminating one, one far too easy, one far too hard, one with a
non-functioning distractor, one with DIF against the focal group).

It writes responses.csv, items.csv, truth.csv (generating parameters and the
planted flaws) and truth_persons.csv (abilities). With --forms 2 a second form
sharing --anchors operational items, taken by a population whose mean is
--shift higher, goes into DIR/form2/. The defaults are the exam itemlab is
built around: 100 operational + 25 pretest items, five domains weighted
32/28/15/15/10, 1,834 candidates, about 69 % passing. Same seed, same files.`,
		Example: `  itemlab simulate --out sim
  itemlab simulate --out big --examinees 100000 --seed 7
  itemlab simulate --out two --forms 2 --anchors 30`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if o.sim.Pretest < 0 {
				return usagef("--pretest %d: want 0 or more", o.sim.Pretest)
			}
			if c.Flags().Changed("pretest") && o.sim.Pretest == 0 {
				o.sim.Pretest = -1 // none (zero means the default in simulate.Options)
			}
			out, err := newOutput(c, env, o.out, env.logger(false))
			if err != nil {
				return err
			}
			defer out.Abort()
			sim, err := pipeline.Simulate(c.Context(), out, "", o.seed, o.sim)
			if err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
				return err
			}
			o.sim = sim.Options
			fmt.Fprintf(env.Stderr, "itemlab: simulated %d candidates × %d items on %d form(s) into %s\n",
				o.sim.Examinees, o.sim.Operational+o.sim.Pretest, max(o.sim.Forms, 1), o.out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.out, "out", "", "output `folder`")
	f.Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	f.Uint64Var(&o.seed, "seed", 1, "random seed")
	f.IntVar(&o.sim.Examinees, "examinees", 1834, "candidates per form")
	f.IntVar(&o.sim.Operational, "items", 100, "operational (scored) items per form")
	f.IntVar(&o.sim.Pretest, "pretest", 25, "pretest (unscored) items per form")
	f.IntVar(&o.sim.Options, "options", 4, "options per item")
	f.IntVar(&o.sim.Forms, "forms", 1, "forms: 1, or 2 for a second form linked by anchors")
	f.IntVar(&o.sim.Anchors, "anchors", 30, "operational items the second form shares with the first")
	f.Float64Var(&o.sim.FormShift, "shift", 0.25, "mean ability of the second form's population (the first's is 0)")
	f.Float64Var(&o.sim.PassRate, "pass-rate", 0.69, "true pass rate that places the cut θ")
	f.BoolVar(&o.sim.NoFlaws, "no-flaws", false, "do not plant flawed pretest items")
	return c
}
