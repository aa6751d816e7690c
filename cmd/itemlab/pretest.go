package main

import (
	"fmt"
	"math"

	"github.com/itemlab/itemlab/analysis/pretest"
	"github.com/itemlab/itemlab/pipeline"

	"github.com/spf13/cobra"
)

type pretestOptions struct {
	df        pipeline.DataOptions
	cf        classicalFlags
	ff        pipeline.DIFSettings
	params    string
	rules     string
	model     string
	cutTheta  float64
	scaleFile string
	noDIF     bool
	outDir    string
	quiet     bool
}

func newPretestCmd(env *Env) *cobra.Command {
	var o pretestOptions
	c := &cobra.Command{
		Use:   "pretest --responses FILE --items FILE --params OPERATIONAL_PARAMS --out DIR",
		Short: "Review pretest items: promote, revise, reject or insufficient, with reasons",
		Long: `Pretest decides, item by item, which unscored pretest items become scored
items. It

  1. calibrates the pretest items onto the operational scale, holding the
     operational items at their bank parameters (--params) and re-estimating
     the latent distribution (Kim's fixed-parameter calibration), so a
     promoted item's a, b, c can go straight into the bank;
  2. computes classical evidence against the operational score (p, corrected
     point-biserial, distractor analysis and the classical flags);
  3. runs Mantel–Haenszel DIF when the responses have a group column,
     matching candidates on the operational score plus the pretest item's
     own score (Holland & Thayer 1988, as difR does), or on the operational
     score alone with --match exclude-item;
  4. decides promote, revise, reject or insufficient with every reason, as a
     code and as a sentence for the item writer.

Thresholds come from a documented default set; --rules FILE (YAML or JSON)
overrides any of them, and pretest.json records the rules used. With
--cut-theta or --scale the information each item adds at the cut is judged,
and bank.csv shows per domain how many items would be promoted against the
blueprint (--weight).

Writes pretest.csv, pretest.json, bank.csv, anchored_params.csv, dif.csv and
manifest.json.`,
		Example: `  itemlab pretest --responses r.csv --items i.csv --params calib/params.csv --scale scale/scale.json --out pretest
  itemlab pretest --responses r.csv --items i.csv --params bank.csv --rules strict.yaml --out pretest`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cs, err := o.cf.settings()
			if err != nil {
				return err
			}
			if o.scaleFile != "" && c.Flags().Changed("cut-theta") {
				return usagef("give the cut as --scale or as --cut-theta, not both")
			}
			out, err := newOutput(c, env, o.outDir, env.logger(o.quiet))
			if err != nil {
				return err
			}
			defer out.Abort()
			rules, err := pipeline.LoadRules(out, o.rules)
			if err != nil {
				return err
			}
			d, err := pipeline.LoadData(out, o.df)
			if err != nil {
				return err
			}
			bank, calID, err := pipeline.LoadParamsID(out, "params", o.params)
			if err != nil {
				return err
			}
			ps := pipeline.PretestSettings{Model: o.model, Omit: o.df.Omit, Rules: rules, CutTheta: math.NaN(), Domains: cs.Domains, CalibrationID: calID}
			switch {
			case o.scaleFile != "":
				s, err := pipeline.LoadScale(out, "scale", o.scaleFile)
				if err != nil {
					return err
				}
				ps.CutTheta = s.ThetaCut
			case c.Flags().Changed("cut-theta"):
				ps.CutTheta = o.cutTheta
			}
			cl, err := pipeline.Classical(c.Context(), out, d, cs)
			if err != nil {
				return err
			}
			if !o.noDIF && pipeline.HasGroups(d) {
				ps.DIF = &o.ff
			}
			res, err := pipeline.Pretest(c.Context(), out, "", d, cl, bank, ps)
			if err != nil {
				return err
			}
			if err := out.Commit(); err != nil {
				return err
			}
			n := map[pretest.Decision]int{}
			for _, r := range res.Items {
				n[r.Decision]++
			}
			fmt.Fprintf(env.Stdout, "%d pretest items: %d promote, %d revise, %d reject, %d insufficient\n",
				len(res.Items), n[pretest.Promote], n[pretest.Revise], n[pretest.Reject], n[pretest.Insufficient])
			return nil
		},
	}
	f := c.Flags()
	addDataFlags(f, &o.df, true)
	o.cf.add(f)
	addDIFFlags(f, &o.ff)
	f.StringVar(&o.params, "params", "", "bank parameters `file` of the operational items (params.csv of their calibration)")
	f.StringVar(&o.rules, "rules", "", "review thresholds `file` (YAML or JSON) overriding the defaults")
	f.StringVar(&o.model, "model", "3pl", "model of the pretest items: rasch, 2pl or 3pl")
	f.Float64Var(&o.cutTheta, "cut-theta", 0, "the cut θ, to judge each item's information at the cut")
	f.StringVar(&o.scaleFile, "scale", "", "scale.json: take the cut θ from it")
	f.BoolVar(&o.noDIF, "no-dif", false, "skip DIF even when there is a group column")
	f.StringVar(&o.outDir, "out", "", "output `folder`")
	f.Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	return c
}
