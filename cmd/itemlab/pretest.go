package main

import (
	"fmt"
	"math"
	"path"

	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/dif"
	"github.com/itemlab/itemlab/analysis/pretest"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

type pretestOptions struct {
	df        dataFlags
	cf        classicalFlags
	ff        difFlags
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
  3. runs Mantel–Haenszel DIF when the responses have a group column;
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
			out, err := newOutput(c, o.outDir)
			if err != nil {
				return err
			}
			defer out.abort()
			copts, err := o.cf.options()
			if err != nil {
				return err
			}
			rules, err := loadRules(out, o.rules)
			if err != nil {
				return err
			}
			d, err := o.df.load(env, out)
			if err != nil {
				return err
			}
			bank, err := loadParams(out, "params", o.params)
			if err != nil {
				return err
			}
			cut := math.NaN()
			switch {
			case o.scaleFile != "":
				sf := scaleFlags{scaleFile: o.scaleFile}
				s, err := sf.scale(c, out, nil)
				if err != nil {
					return err
				}
				cut = s.ThetaCut
			case c.Flags().Changed("cut-theta"):
				cut = o.cutTheta
			}
			m, err := irt.ParseModel(o.model)
			if err != nil {
				return usagef("--model: %v", err)
			}
			cl, err := classical.Analyze(d, copts)
			if err != nil {
				return err
			}
			var ff *difFlags
			if !o.noDIF && hasGroups(d) {
				ff = &o.ff
			}
			log := newLogger(env, o.quiet)
			res, err := stagePretest(c, out, "", d, cl, bank, pretestStageOptions{
				model: m, omit: o.df.omitRule(), rules: rules, cutTheta: cut, dif: ff, domains: domainsOf(copts)}, log)
			if err != nil {
				return err
			}
			if err := out.commit(); err != nil {
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
	o.df.add(f, true)
	o.cf.add(f)
	o.ff.add(f)
	f.StringVar(&o.params, "params", "", "bank parameters `file` of the operational items (params.csv of their calibration)")
	f.StringVar(&o.rules, "rules", "", "review thresholds `file` (YAML or JSON) overriding the defaults")
	f.StringVar(&o.model, "model", "3pl", "model of the pretest items: rasch, 2pl or 3pl")
	f.Float64Var(&o.cutTheta, "cut-theta", 0, "the cut θ, to judge each item's information at the cut")
	f.StringVar(&o.scaleFile, "scale", "", "scale.json: take the cut θ from it")
	f.BoolVar(&o.noDIF, "no-dif", false, "skip DIF even when there is a group column")
	f.StringVar(&o.outDir, "out", "", "output `folder`")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	return c
}

func loadRules(out *output, file string) (pretest.Rules, error) {
	if file == "" {
		return pretest.DefaultRules(), nil
	}
	hf, err := openInput("rules", file)
	if err != nil {
		return pretest.Rules{}, err
	}
	r, err := pretest.ReadRules(file, hf)
	out.inputs = append(out.inputs, hf.record())
	if err != nil {
		return r, &inputError{err}
	}
	return r, nil
}

func hasGroups(d *analysis.Dataset) bool {
	seen := map[string]bool{}
	for _, c := range d.Candidates {
		if c.Group != "" {
			seen[c.Group] = true
		}
	}
	return len(seen) >= 2
}

func domainsOf(o classical.Options) []analysis.Domain {
	var ds []analysis.Domain
	for name, w := range o.DomainWeights {
		ds = append(ds, analysis.Domain{Name: name, Weight: w})
	}
	sortDomains(ds)
	return ds
}

func sortDomains(ds []analysis.Domain) {
	for a := 1; a < len(ds); a++ {
		for b := a; b > 0 && ds[b].Name < ds[b-1].Name; b-- {
			ds[b], ds[b-1] = ds[b-1], ds[b]
		}
	}
}

type pretestStageOptions struct {
	model    irt.Model
	omit     analysis.OmitRule
	rules    pretest.Rules
	cutTheta float64
	dif      *difFlags // nil: no DIF
	domains  []analysis.Domain
}

// stagePretest calibrates the pretest items on the bank scale, runs DIF and
// the review, and writes the tables under prefix.
func stagePretest(c *cobra.Command, out *output, prefix string, d *analysis.Dataset, cl *classical.Result,
	bank []analysis.ItemParams, o pretestStageOptions, log *logger) (*pretest.Result, error) {
	log.bar("pretest calibration")
	cal, ev, err := pretest.Calibrate(c.Context(), d, bank, calibrate.Options{Model: o.model, Omit: o.omit,
		MML: irt.MMLOptions{Progress: func(cy irt.Cycle) {
			log.status("anchored calibration: cycle %d, largest change %.2g", cy.Iter, cy.MaxChange)
		}}})
	log.clear()
	if err != nil {
		return nil, &inputError{err}
	}
	for _, w := range cal.Warnings {
		log.warnf("pretest calibration: %s", w)
		out.warn("pretest calibration: " + w)
	}
	in := pretest.Inputs{Classical: cl, IRT: ev, CutTheta: o.cutTheta, Rules: o.rules, Domains: o.domains}
	if o.dif != nil {
		ff := *o.dif
		ff.which = "pretest"
		g, _, _, err := ff.groups(d)
		if err != nil {
			return nil, err
		}
		in.DIF, err = dif.MantelHaenszel(d, g, d.ItemsWithStatus(analysis.Pretest), dif.Options{MinStratum: ff.minStratum})
		if err != nil {
			return nil, err
		}
	}
	res := pretest.ReviewItems(d, in)
	if err := out.table(path.Join(prefix, "pretest.csv"), reports.PretestTable(res)); err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "bank.csv"), reports.BankTable(res)); err != nil {
		return nil, err
	}
	if err := out.table(path.Join(prefix, "anchored_params.csv"), reports.CalibrationParamsTable(d, cal)); err != nil {
		return nil, err
	}
	method := fmt.Sprintf("fixed-parameter calibration (%s), operational items at bank values, latent distribution updated by %s; latent mean %.3f, SD %.3f",
		o.model, cal.Result.PriorUpdate, cal.Result.LatentMean, cal.Result.LatentSD)
	return res, out.json(path.Join(prefix, "pretest.json"), reports.NewPretestFile(res, o.cutTheta, method))
}
