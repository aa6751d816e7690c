package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/itemlab/itemlab/analysis/equate"
	"github.com/itemlab/itemlab/analysis/linking"
	"github.com/itemlab/itemlab/analysis/scale"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

type equateOptions struct {
	baseParams, params string
	method             string
	noDrift            bool
	driftThreshold     float64
	scaleD             float64
	reps, eqReps       int
	seed               uint64
	w1                 float64
	outDir             string
	newData, baseData  dataFlags
	sf                 scaleFlags
}

func newEquateCmd(env *Env) *cobra.Command {
	var o equateOptions
	c := &cobra.Command{
		Use:   "equate --base-params FILE --params FILE --out DIR",
		Short: "Link a new form to the base scale and equate its raw scores",
		Long: `Equate puts a new form's separately calibrated item parameters on the base
form's scale through the items the forms share (matched by item_id):

  1. anchor drift screening — common items whose difficulty moved (robust z of
     the residuals of a robust mean–sigma line above --drift-threshold) are
     left out of the link and reported;
  2. linking θ_base = A·θ_new + B by Stocking–Lord (default), Haebara,
     mean–mean or mean–sigma, with standard errors of A and B from a
     parametric bootstrap over the common items' parameters;
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
	f.BoolVar(&o.noDrift, "no-drift", false, "keep every common item (no drift screening)")
	f.Float64Var(&o.driftThreshold, "drift-threshold", 2.7, "drop a common item when its |robust z| exceeds this")
	f.Float64Var(&o.scaleD, "scale-d", 1, "metric of both parameter files: 1 (logistic) or 1.7 (normal-ogive metric, e.g. BILOG)")
	f.IntVar(&o.reps, "reps", 500, "bootstrap replications for the SEs of A and B")
	f.IntVar(&o.eqReps, "equating-reps", 200, "bootstrap replications for the SEs of classical equating")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the bootstraps")
	f.Float64Var(&o.w1, "w1", 0.5, "weight of the new form's group in the synthetic population of IRT observed-score equating")
	f.StringVar(&o.outDir, "out", "", "output `folder`")
	f.StringVar(&o.newData.responses, "responses", "", "new form's responses `file` (optional)")
	f.StringVar(&o.newData.items, "items", "", "new form's items `file` (optional; only its operational items are equated)")
	f.StringVar(&o.baseData.responses, "base-responses", "", "base form's responses `file` (optional)")
	f.StringVar(&o.baseData.items, "base-items", "", "base form's items `file` (optional)")
	f.StringVar(&o.sf.scaleFile, "scale", "", "the base form's scale.json: also write the new form's conversion table")
	o.newData.omit, o.baseData.omit = "wrong", "wrong"
	o.sf.method, o.sf.latentSD = "tcc", 1
	return c
}

func runEquate(c *cobra.Command, env *Env, o *equateOptions) error {
	m, err := irt.ParseLinkMethod(o.method)
	if err != nil {
		return usagef("--method: %v", err)
	}
	if o.scaleD != 1 && o.scaleD != 1.7 && o.scaleD != 1.702 {
		return usagef("--scale-d %g: want 1, 1.7 or 1.702", o.scaleD)
	}
	out, err := newOutput(c, o.outDir)
	if err != nil {
		return err
	}
	defer out.abort()
	seed := o.seed
	out.seed = &seed
	base, err := loadParams(out, "base-params", o.baseParams)
	if err != nil {
		return err
	}
	newP, err := loadParams(out, "params", o.params)
	if err != nil {
		return err
	}
	for _, ps := range [][]analysis.ItemParams{base, newP} {
		for k := range ps {
			ps[k].Item = irt.ScaleItems([]irt.Item{ps[k].Item}, o.scaleD)[0]
		}
	}
	rng := rand.New(rand.NewPCG(o.seed, 0xe9))
	log := newLogger(env, false)
	log.bar("linking bootstrap")
	link, err := linking.Link(base, newP, linking.Options{
		Method: m, NoDrift: o.noDrift, Drift: irt.DriftOptions{Threshold: o.driftThreshold}, Reps: o.reps, Rng: rng,
		Progress: func(d, t int) { log.update(float64(d), float64(t)) }})
	log.clear()
	if err != nil {
		return &inputError{fmt.Errorf("linking %s to %s: %w", o.params, o.baseParams, err)}
	}
	for _, w := range link.Warnings {
		fmt.Fprintf(env.Stderr, "itemlab: warning: %s\n", w)
		out.warn(w)
	}
	if err := out.json("linking.json", reports.NewLinkingFile(link)); err != nil {
		return err
	}
	if err := out.table("anchors.csv", reports.CommonItemsTable(link)); err != nil {
		return err
	}
	if err := out.table("params.csv", reports.ParamsFileTable(link.Transformed)); err != nil {
		return err
	}

	// The forms to equate: operational items when the items files say which.
	var xd, yd *analysis.Dataset
	if o.newData.responses != "" {
		if xd, err = o.newData.load(env, out); err != nil {
			return err
		}
	}
	if o.baseData.responses != "" {
		if yd, err = o.baseData.load(env, out); err != nil {
			return err
		}
	}
	xIdx, xItems, err := formOf(xd, link.Transformed)
	if err != nil {
		return &inputError{fmt.Errorf("new form: %w", err)}
	}
	_, yItems, err := formOf(yd, base)
	if err != nil {
		return &inputError{fmt.Errorf("base form: %w", err)}
	}
	std := irt.NormalQuadrature(61, -6, 6, 0, 1)
	popX := link.Constants.TransformQuadrature(std)
	cols, err := equate.IRTColumns(xItems, yItems, popX, std, o.w1)
	if err != nil {
		return &inputError{fmt.Errorf("IRT equating: %w", err)}
	}
	if xd != nil && yd != nil {
		cc, design, err := classicalEquating(c, xd, yd, o.eqReps, rng)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stderr, "itemlab: classical equating in the %s design\n", design)
		cols = append(cols, cc...)
	}
	if err := out.table("equating.csv", reports.EquatingTable(cols)); err != nil {
		return err
	}
	var conv *scale.Conversion
	if o.sf.scaleFile != "" {
		s, err := o.sf.scale(c, out, nil)
		if err != nil {
			return err
		}
		var scores []int
		if xd != nil {
			scores = xd.RawScores(xIdx)
		}
		if conv, err = stageScale(out, "", &o.sf, s, xItems, scores); err != nil {
			return err
		}
	}
	if err := out.commit(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "link %s: A = %.4f (SE %.4f), B = %.4f (SE %.4f); %d of %d common items used\n",
		link.Method, link.Constants.A, link.SEA, link.Constants.B, link.SEB, link.Kept, len(link.Common))
	if conv != nil {
		fmt.Fprintf(env.Stdout, "new form raw cut %d of %d on the base scale\n", conv.RawCut, len(xItems))
	}
	return nil
}

// formOf returns a form's operational items: those of the dataset when
// there is one, else every parameter row.
func formOf(d *analysis.Dataset, ps []analysis.ItemParams) ([]int, []irt.Item, error) {
	if d != nil {
		return analysis.FormItems(d, ps)
	}
	items := make([]irt.Item, len(ps))
	for k, p := range ps {
		items[k] = p.Item
	}
	return nil, items, nil
}

// classicalEquating equates the new form's operational raw scores to the
// base form's: in the common-item (NEAT) design when the forms share at
// least irt.MinLinkItems operational items, else in the random-groups
// design.
func classicalEquating(c *cobra.Command, x, y *analysis.Dataset, reps int, rng *rand.Rand) ([]equate.Column, string, error) {
	neat, err := neatData(x, y)
	if err == nil {
		cols, err := equate.NEATColumns(c.Context(), neat, equate.NEATOptions{Reps: reps, Rng: rng})
		if err != nil {
			return nil, "", fmt.Errorf("classical equating: %w", err)
		}
		return cols, "common-item (NEAT)", nil
	}
	xo, yo := x.ItemsWithStatus(analysis.Operational), y.ItemsWithStatus(analysis.Operational)
	cols, err := equate.RandomGroupsColumns(c.Context(), x.RawScores(xo), y.RawScores(yo), len(xo), len(yo), reps, rng)
	if err != nil {
		return nil, "", fmt.Errorf("classical equating: %w", err)
	}
	return cols, "random groups", nil
}

// neatData builds the total and anchor scores of two administrations: the
// anchor is the operational items the forms share by id (internal anchor).
func neatData(x, y *analysis.Dataset) (equate.NEATData, error) {
	xo := x.ItemsWithStatus(analysis.Operational)
	yo := y.ItemsWithStatus(analysis.Operational)
	inY := map[string]int{}
	for _, j := range yo {
		inY[y.Items[j].ID] = j
	}
	var xa, ya []int
	for _, j := range xo {
		if k, ok := inY[x.Items[j].ID]; ok {
			xa = append(xa, j)
			ya = append(ya, k)
		}
	}
	if len(xa) < irt.MinLinkItems {
		return equate.NEATData{}, fmt.Errorf("the forms share %d operational items; common-item equating needs at least %d", len(xa), irt.MinLinkItems)
	}
	return equate.NEATData{
		XTotal: x.RawScores(xo), XAnchor: x.RawScores(xa),
		YTotal: y.RawScores(yo), YAnchor: y.RawScores(ya),
		MaxX: len(xo), MaxY: len(yo), MaxAnchor: len(xa),
	}, nil
}
