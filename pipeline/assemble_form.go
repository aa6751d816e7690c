package pipeline

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/assemble"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/internal/spec"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// baseItems is the base form the new forms are compared with.
type baseItems struct {
	name  string
	ids   []string
	items []irt.Item
}

func (b *baseItems) poolItems() []assemble.Item {
	out := make([]assemble.Item, len(b.items))
	for k := range b.items {
		out[k] = assemble.Item{ID: b.ids[k], IRT: b.items[k]}
	}
	return out
}

// baseForm reads the base form's operational items with their bank
// parameters: the form named, else the bank's first administration; an
// empty base form when the bank has none.
func baseForm(ctx context.Context, b *bank.Bank, bp *bankPool, name string) (*baseItems, error) {
	out := &baseItems{name: name}
	var ids []string
	switch {
	case name != "":
		fi, ok := bp.formItems[name]
		if !ok {
			return nil, Inputf("--base-form %q: no administration or planned form of that name in the bank (forms: %s)", name, strings.Join(bp.forms, ", "))
		}
		ids = fi
	case len(bp.admins) > 0:
		out.name = bp.admins[0].Form
		for _, it := range bp.admins[0].Items {
			if it.Role != bank.RolePretest {
				ids = append(ids, it.ItemID)
			}
		}
	default:
		return out, nil
	}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := b.List(ctx, bank.ListFilter{IDs: ids})
	if err != nil {
		return nil, err
	}
	by := map[string]*bank.BankParams{}
	for k := range list {
		by[list[k].ID] = list[k].Params
	}
	for _, id := range ids {
		if it, ok := bankIRT(by[id]); ok {
			out.ids, out.items = append(out.ids, id), append(out.items, it)
		}
	}
	return out, nil
}

// bankSE is the standard errors of bank parameters (zero where absent).
func bankSE(p *bank.BankParams) irt.ItemSE {
	z := func(x float64) float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0
		}
		return x
	}
	return irt.ItemSE{A: z(p.SEA), D: z(p.SED), B: z(p.SEB), C: z(p.SEC)}
}

// bankCov is the block-diagonal covariance matrix of the items' bank
// parameters (each item's own), nil unless every item has a full one.
func bankCov(entries []*bankEntry) *analysis.ParamCov {
	c := &analysis.ParamCov{}
	type key struct{ p, q string }
	var blocks []map[key]float64
	for _, e := range entries {
		if e.params == nil || len(e.params.Cov) == 0 {
			return nil
		}
		m := map[key]float64{}
		for _, v := range e.params.Cov {
			m[key{v.Param1, v.Param2}], m[key{v.Param2, v.Param1}] = v.Value, v.Value
		}
		names := e.irt.Model.ParamNames()
		for _, p := range names {
			for _, q := range names {
				if _, ok := m[key{p, q}]; !ok {
					return nil
				}
			}
			c.Items, c.Params = append(c.Items, e.item.ID), append(c.Params, p)
		}
		blocks = append(blocks, m)
	}
	if len(c.Items) == 0 {
		return nil
	}
	c.M = mat.NewSymDense(len(c.Items), nil)
	start := 0
	for k, e := range entries {
		names := e.irt.Model.ParamNames()
		for i, p := range names {
			for j := i; j < len(names); j++ {
				c.M.SetSym(start+i, start+j, blocks[k][key{p, names[j]}])
			}
		}
		start += len(names)
	}
	return c
}

// preEquate writes one assembled form's folder: items.csv, params.csv (and
// params_cov.csv), its conversion table on the bank scale, the projection
// for the population and the comparison with the base form.
func preEquate(ctx context.Context, out *Output, af *AssembledForm, bp *bankPool, f *assemble.Form, anchors []string,
	base *baseItems, sc *scale.Scale, ss ScaleSettings, pop projection.Population, ps ProjectSettings, rng *rand.Rand) error {
	isAnchor := map[string]bool{}
	for _, id := range anchors {
		isAnchor[id] = true
	}
	var rows []reports.FormItem
	var params []analysis.ItemParams
	var entries []*bankEntry
	form := &Form{}
	for _, it := range f.Items {
		e := bp.entries[it.ID]
		rows = append(rows, reports.FormItem{Item: e.item, Status: string(bank.Operational), Anchor: isAnchor[it.ID]})
		se := bankSE(e.params)
		params = append(params, analysis.ItemParams{ItemID: it.ID, Item: e.irt, SE: se})
		entries = append(entries, e)
		form.Items, form.SE, form.IDs = append(form.Items, e.irt), append(form.SE, se), append(form.IDs, it.ID)
		af.Items = append(af.Items, it.ID)
	}
	for _, it := range f.Pretest {
		rows = append(rows, reports.FormItem{Item: bp.entries[it.ID].item, Status: string(bank.Pretest)})
		af.Pretest = append(af.Pretest, it.ID)
	}
	p := af.Dir
	if err := out.Table(at(p, reports.FileItems), reports.FormItemsTable(rows)); err != nil {
		return err
	}
	if err := out.Table(at(p, reports.FileParams), reports.ParamsFileTable(params)); err != nil {
		return err
	}
	if c := bankCov(entries); c != nil {
		if err := out.Table(at(p, reports.FileParamCov), reports.ParamCovTable(c)); err != nil {
			return err
		}
	}
	conv, err := Scale(ctx, out, p, form, sc, ss)
	if err != nil {
		return err
	}
	af.Conversion = conv
	P, _, err := Project(ctx, out, p, form, sc, pop, ps, rng)
	if err != nil {
		return err
	}
	af.Projection = P
	curves := formCurves(form.Items, base.items, sc)
	if err := out.Table(at(p, reports.FileFormCurves), curves); err != nil {
		return err
	}
	charts, err := reports.FormComparisonCharts(curves, sc.ThetaCut, af.Name, base.name)
	if err != nil {
		return fmt.Errorf("charts of form %s: %w", af.Name, err)
	}
	for _, c := range charts {
		data := c.Data
		if err := out.Write(at(p, reports.FileAssemblyChart+"/"+c.Name), func(w io.Writer) error {
			_, err := w.Write(data)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// formCurves tabulates the TIF, TCC and CSEM (scale points, slope/√I) of the
// new form and the base form over θ from −4 to 4 by 0.05.
func formCurves(items, baseItems []irt.Item, sc *scale.Scale) *reports.Table {
	t := &reports.Table{Header: []string{"theta", "tif", "tcc", "csem", "base_tif", "base_tcc", "base_csem"}}
	curve := func(its []irt.Item, th float64) (info, tcc, csem float64) {
		if len(its) == 0 {
			return math.NaN(), math.NaN(), math.NaN()
		}
		for _, it := range its {
			info += it.Info(th)
			tcc += it.Prob(th)
		}
		return info, tcc, sc.Slope / math.Sqrt(info)
	}
	for k := 0; k <= 160; k++ {
		th := -4 + 0.05*float64(k)
		i1, t1, c1 := curve(items, th)
		i2, t2, c2 := curve(baseItems, th)
		t.Rows = append(t.Rows, []string{reports.F(th), reports.F(i1), reports.F(t1), reports.F(c1), reports.F(i2), reports.F(t2), reports.F(c2)})
	}
	return t
}

// newAssemblyFile starts assembly.json from the solve.
func newAssemblyFile(res *assemble.Result, as *assemble.Spec, a *spec.Assembly, pool *assemble.Pool, cutTheta float64, opts assemble.Options) *reports.AssemblyFile {
	solver, version, _ := strings.Cut(res.Solver, " ")
	f := &reports.AssemblyFile{Solver: solver, SolverVersion: version, Status: res.Status.String(), Optimal: res.Optimal,
		Objective: a.Objective, Value: reports.JSONFloat(res.Objective), Bound: reports.JSONFloat(res.Bound), Gap: reports.JSONFloat(res.Gap),
		GapAsked: math.Max(opts.RelGap, 0), TimeLimit: opts.TimeLimit.Seconds(), Seconds: res.Seconds, CutTheta: cutTheta,
		Anchors: append([]string{}, res.Anchors...),
		Pool: reports.AssemblyPool{Eligible: len(pool.Items), Pretest: len(pool.Pretest), Ineligible: ineligibleSummary(pool), ByDomain: pool.Ineligible,
			ExposureRule: fmt.Sprintf("max_administrations %d, max_recent_forms %d (0: no limit)", a.Exposure.MaxAdministrations, a.Exposure.MaxRecentForms)}}
	if as.Target != nil {
		f.Theta = as.Target.Theta
	}
	return f
}

func assemblyFormJSON(af *AssembledForm, f *assemble.Form) reports.AssemblyForm {
	return reports.AssemblyForm{Name: af.Name, Folder: af.Dir, Items: len(af.Items), Pretest: len(af.Pretest), Anchors: af.Anchors,
		InfoAtCut: f.InfoAtCut, Deviation: reports.JSONFloat(f.Deviation), RawCut: af.Conversion.RawCut,
		ProjectedPassRate: af.Projection.At.PassRate, Accuracy: af.Projection.At.Lee.Accuracy}
}

// checkAssembly recounts every constraint of the spec on the assembled
// forms, from the items themselves.
func checkAssembly(s *assemble.Spec, pool *assemble.Pool, res *assemble.Result, names []string) []reports.AssemblyConstraint {
	var out []reports.AssemblyConstraint
	add := func(form, name string, v int, r assemble.Range) {
		c := reports.AssemblyConstraint{Form: form, Name: name, Value: v, Met: v >= r.Min && (r.Max < 0 || v <= r.Max)}
		lo := r.Min
		c.Min = &lo
		if r.Max >= 0 {
			hi := r.Max
			c.Max = &hi
		}
		out = append(out, c)
	}
	anchor := map[string]bool{}
	for _, id := range res.Anchors {
		anchor[id] = true
	}
	sets := map[string]int{}
	for _, group := range [][]assemble.Item{pool.Items, pool.Pretest} {
		for _, it := range group {
			for _, e := range it.Enemies {
				sets[e]++
			}
		}
	}
	seen := map[string]string{}
	for f, form := range res.Forms {
		name := names[f]
		add(name, "length", len(form.Items), assemble.Exactly(s.Length))
		for _, d := range s.Domains {
			n := 0
			for _, it := range form.Items {
				if it.Domain == d.Domain {
					n++
				}
			}
			add(name, "domain "+d.Domain, n, d.Count)
		}
		for _, ac := range s.Attributes {
			n := 0
			for _, it := range form.Items {
				if it.Meta[ac.Key] == ac.Value {
					n++
				}
			}
			add(name, ac.Key+"="+ac.Value, n, ac.Count)
		}
		onForm := map[string]int{}
		for _, group := range [][]assemble.Item{form.Items, form.Pretest} {
			for _, it := range group {
				for _, e := range it.Enemies {
					onForm[e]++
				}
			}
		}
		for _, e := range sortedKeys(sets) {
			if sets[e] > 1 {
				add(name, "enemy set "+e, onForm[e], assemble.AtMost(1))
			}
		}
		if s.Anchor != nil {
			n := 0
			for _, it := range form.Items {
				if anchor[it.ID] {
					n++
				}
			}
			add(name, "anchors from "+s.Anchor.Form, n, assemble.Exactly(s.Anchor.Count))
		}
		if s.Pretest != nil {
			add(name, "pretest slots", len(form.Pretest), assemble.Exactly(s.Pretest.Count))
		}
		shared := 0
		for _, group := range [][]assemble.Item{form.Items, form.Pretest} {
			for _, it := range group {
				if prev, ok := seen[it.ID]; ok && prev != name && !anchor[it.ID] {
					shared++
				}
				seen[it.ID] = name
			}
		}
		if len(res.Forms) > 1 {
			add(name, "items shared with earlier forms beyond the anchors", shared, assemble.Exactly(0))
		}
	}
	return out
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
