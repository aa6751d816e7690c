package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/pipeline"
)

type equateOptions struct {
	baseParams, params string
	method             string
	noDrift            bool
	driftStatistic     string
	driftAlpha         float64
	driftMaxDrop       float64
	driftThreshold     float64
	scaleD             float64
	reps, eqReps       int
	seed               uint64
	w1                 float64
	outDir             string
	newData, baseData  pipeline.DataOptions
	sf                 scaleFlags
}

func newEquateCmd(env *Env) *cobra.Command {
	var o equateOptions
	c := &cobra.Command{
		Use:   "equate --base-params FILE --params FILE --out DIR",
		Short: "Link a new form to the base scale and equate its raw scores",
		Long: `Equate puts a new form's separately calibrated item parameters on the base
form's scale through the items the forms share (matched by item_id):

  1. anchor drift screening — for each common item z = (b_base − b_new on
     the base scale)/SE, the SE from both forms' parameter covariances
     (params_cov.csv beside each params.csv) and the link; the worst item
     beyond the two-sided Bonferroni critical value at --drift-alpha is
     dropped and the forms relinked, until none is left beyond it (Lord
     1980; equateIRT's dif.test). More than --drift-max-drop of the anchors
     dropped stops with an error: look at anchors.csv first;
  2. linking θ_base = A·θ_new + B by Stocking–Lord (default), Haebara,
     mean–mean or mean–sigma, with delta-method standard errors of A and B
     (Ogasawara 2001, as equateIRT computes them);
  3. every item of the new form transformed to the base scale (params.csv);
  4. IRT true-score and observed-score equating of the new form's raw scores
     to the base form's;
  5. with the responses of both forms (--responses/--items and
     --base-responses/--base-items), classical equating too, with bootstrap
     SEs: in the common-item design (5 or more shared operational items)
     Tucker, Levine observed and true score, Braun–Holland, chained linear,
     frequency estimation and chained equipercentile; otherwise, for randomly
     equivalent groups, mean, linear, equipercentile and presmoothed
     equipercentile;
  6. with --scale (the base form's scale.json), the new form's conversion
     table and raw cut on the same reporting scale.

Writes linking.json, anchors.csv, params.csv, equating.csv, manifest.json and,
with --scale, conversion.csv and scale.json.`,
		Example: `  itemlab equate --base-params base/params.csv --params formB/params.csv --out formB-linked
  itemlab equate --base-params base/params.csv --params formB/params.csv \
      --scale base/scale.json --responses formB/responses.csv --items formB/items.csv \
      --base-responses base/responses.csv --base-items base/items.csv --out formB-equated`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runEquate(c, env, &o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.baseParams, "base-params", "", "base form's item parameters `file` (on the reporting scale)")
	f.StringVar(&o.params, "params", "", "new form's item parameters `file` (its own calibration)")
	f.StringVar(&o.method, "method", "stocking-lord", "linking method: stocking-lord, haebara, mean-mean or mean-sigma")
	f.BoolVar(&o.noDrift, "no-drift", false, "keep every common item (no drift screening; same as --drift-statistic none)")
	f.StringVar(&o.driftStatistic, "drift-statistic", "lord", "anchor-drift screen: lord (Lord's chi-square on the anchor's slope and difficulty, given c, two 1-df tests), lord-b (its difficulty part alone), b-se (its b difference over its SE) or none")
	f.Float64Var(&o.driftAlpha, "drift-alpha", 0.05, "family-wise level of the drift screen over the common items (Bonferroni)")
	f.Float64Var(&o.driftMaxDrop, "drift-max-drop", 0.20, "largest share of the common items the screen may drop")
	f.Float64Var(&o.driftThreshold, "drift-threshold", 0, "replaced by --drift-alpha (the screen now uses each anchor's standard error)")
	f.MarkHidden("drift-threshold")
	f.Float64Var(&o.scaleD, "scale-d", 1, "metric of both parameter files: 1 (logistic) or 1.7 (normal-ogive metric, e.g. BILOG)")
	f.IntVar(&o.reps, "reps", 0, "no longer used: the SEs of A and B are delta-method")
	f.MarkDeprecated("reps", "the SEs of A and B are now computed by the delta method")
	f.IntVar(&o.eqReps, "equating-reps", 200, "bootstrap replications for the SEs of classical equating (0 for none)")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the classical equating bootstrap")
	f.Float64Var(&o.w1, "w1", 0.5, "weight of the new form's group in the synthetic population of IRT observed-score equating")
	f.StringVar(&o.outDir, "out", "", "output `folder`")
	f.Bool("force", false, "replace the --out folder when it holds an earlier run of this same command")
	f.StringVar(&o.newData.Responses, "responses", "", "new form's responses `file` (optional)")
	f.StringVar(&o.newData.Items, "items", "", "new form's items `file` (optional; only its operational items are equated)")
	f.StringVar(&o.baseData.Responses, "base-responses", "", "base form's responses `file` (optional)")
	f.StringVar(&o.baseData.Items, "base-items", "", "base form's items `file` (optional)")
	f.StringVar(&o.sf.File, "scale", "", "the base form's scale.json: also write the new form's conversion table")
	o.sf.Method, o.sf.LatentSD = "tcc", 1
	return c
}

func runEquate(c *cobra.Command, env *Env, o *equateOptions) error {
	if c.Flags().Changed("drift-threshold") {
		return usagef("--drift-threshold was replaced by --drift-statistic and --drift-alpha (the screen now uses each anchor's standard error); remove it")
	}
	ss, err := o.sf.settings(c)
	if err != nil {
		return err
	}
	out, err := newOutput(c, env, o.outDir, env.logger(false))
	if err != nil {
		return err
	}
	defer out.Abort()
	out.SetSeed(o.seed)
	basefp, err := pipeline.LoadFormParams(out, "base-params", o.baseParams)
	if err != nil {
		return err
	}
	base := basefp.Params
	newfp, err := pipeline.LoadFormParams(out, "params", o.params)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(o.seed, 0xe9))
	stat := o.driftStatistic
	if o.noDrift {
		stat = "none"
	}
	link, err := pipeline.Link(c.Context(), out, "", basefp, newfp, pipeline.LinkSettings{Method: o.method, DriftStatistic: stat,
		DriftAlpha: o.driftAlpha, DriftMaxDrop: o.driftMaxDrop, ScaleD: o.scaleD})
	if err != nil {
		return fmt.Errorf("linking %s to %s: %w", o.params, o.baseParams, err)
	}
	// The forms to equate: operational items when the items files say which.
	var xd, yd *analysis.Dataset
	if o.newData.Responses != "" {
		if xd, err = pipeline.LoadData(out, o.newData); err != nil {
			return err
		}
	}
	if o.baseData.Responses != "" {
		if yd, err = pipeline.LoadData(out, o.baseData); err != nil {
			return err
		}
	}
	x, err := pipeline.FormOf(xd, link.Transformed)
	if err != nil {
		return fmt.Errorf("new form: %w", err)
	}
	y, err := pipeline.FormOf(yd, base)
	if err != nil {
		return fmt.Errorf("base form: %w", err)
	}
	if err := pipeline.Equate(c.Context(), out, "", x, y, link, pipeline.EquateSettings{W1: o.w1, Reps: o.eqReps}, rng); err != nil {
		return err
	}
	var rawCut int
	ss.CalibrationID = newfp.ID
	if o.sf.File != "" {
		s, err := pipeline.ResolveScale(out, ss, nil)
		if err != nil {
			return err
		}
		conv, err := pipeline.Scale(c.Context(), out, "", x, s, ss)
		if err != nil {
			return err
		}
		rawCut = conv.RawCut
	}
	if err := out.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "link %s: A = %.4f (SE %.4f), B = %.4f (SE %.4f); %d of %d common items used\n",
		link.Method, link.Constants.A, link.SEA, link.Constants.B, link.SEB, link.Kept, len(link.Common))
	if o.sf.File != "" {
		fmt.Fprintf(env.Stdout, "new form raw cut %d of %d on the base scale\n", rawCut, len(x.Items))
	}
	return nil
}
