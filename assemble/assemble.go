package assemble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// Options control how Assemble solves. The zero value is valid: CBC, else
// glpsol, else the heuristic; 60 s; relative gap 0.001.
type Options struct {
	// Solver is "" (cbc, then glpsol, on PATH, else the heuristic with a
	// warning), "cbc", "glpsol", a path to either, or "heuristic".
	Solver    string
	TimeLimit time.Duration // zero means 60 s
	RelGap    float64       // zero means 0.001; negative means 0 (prove optimality)
	Threads   int           // CBC threads; zero means 1

	// WriteModel, if non-nil, receives the CPLEX-LP model (as WriteLP).
	WriteModel io.Writer
	// Solution, if non-nil, is read (see ReadSolution) instead of solving:
	// the answer of another solver to the model WriteModel wrote.
	Solution io.Reader

	// Seed seeds the heuristic's random restarts.
	Seed uint64
	// Diagnose re-solves an infeasible model with each constraint family
	// dropped in turn to name the ones that make it infeasible; it costs up
	// to one solve per family.
	Diagnose bool
}

// Form is one assembled form.
type Form struct {
	Items   []Item // operational items, in blueprint domain order then by ID
	Pretest []Item // pretest items, by ID

	InfoAtCut float64   // test information at Spec.CutTheta
	TIF, TCC  []float64 // at Result.Theta
	// Deviation is the largest (weighted) deviation from Spec.Target, NaN
	// without a target.
	Deviation float64
}

// Result is the outcome of Assemble.
type Result struct {
	Forms   []Form
	Anchors []string  // IDs of the anchor block, sorted; nil without one
	Theta   []float64 // the θ points of Form.TIF and Form.TCC

	// Objective is the model's objective at the solution: the smallest
	// information at the cut over the forms (maximised), or the largest
	// deviation from the target (minimised). Bound is the solver's best
	// bound on the optimum and Gap = |Bound − Objective|/|Objective|, both
	// NaN when unknown (heuristic, solution files).
	Objective, Bound, Gap float64
	Status                Status
	Optimal               bool   // proven optimal within the gap asked for
	Solver                string // "CBC 2.10.8", "GLPK 5.0", "heuristic", or a solution file's format
	Seconds               float64
	Warnings              []error
}

// ErrNoSolution is returned when the solver stopped before finding any
// solution (and the heuristic found none either).
var ErrNoSolution = errors.New("assemble: no solution found within the limits")

// Assemble builds Spec.Forms forms from pool. It checks the counts first
// (Check) and returns an *InfeasibleError before solving if they cannot be
// met, then writes the model, solves it (or reads Options.Solution) and
// verifies that the solution meets every constraint. It stops within about
// a second of ctx being done, returning ctx.Err(). The pool and spec are
// not modified.
func Assemble(ctx context.Context, pool *Pool, spec *Spec, opts Options) (*Result, error) {
	p, err := compile(pool, spec)
	if err != nil {
		return nil, err
	}
	var warnings []error
	if len(p.excludedDomain) > 0 {
		warnings = append(warnings, fmt.Errorf("assemble: %s not in the blueprint's domains left out (%s)",
			plural(len(p.excludedDomain), "item", "items"), abbrev(p.excludedDomain)))
	}
	cs := p.check(pool)
	if err := cs.err(); err != nil {
		return nil, err
	}
	var lp bytes.Buffer
	if err := p.writeLP(&lp); err != nil {
		return nil, err
	}
	if opts.WriteModel != nil {
		if _, err := opts.WriteModel.Write(lp.Bytes()); err != nil {
			return nil, fmt.Errorf("writing the model: %w", err)
		}
	}
	timeLimit := opts.TimeLimit
	if timeLimit <= 0 {
		timeLimit = 60 * time.Second
	}
	gap := opts.RelGap
	switch {
	case gap == 0:
		gap = 0.001
	case gap < 0:
		gap = 0
	}

	var sol *Solution
	switch {
	case opts.Solution != nil:
		if sol, err = ReadSolution(opts.Solution); err != nil {
			return nil, err
		}
	case opts.Solver == "heuristic":
		return p.heuristicResult(ctx, opts.Seed, timeLimit, warnings)
	default:
		solver, err := FindSolver(opts.Solver)
		if err != nil {
			if opts.Solver != "" {
				return nil, err
			}
			warnings = append(warnings, fmt.Errorf("%w; used the built-in heuristic, not proven optimal", err))
			return p.heuristicResult(ctx, opts.Seed, timeLimit, warnings)
		}
		sol, err = solver.Solve(ctx, lp.Bytes(), SolveOptions{TimeLimit: timeLimit, RelGap: gap, Threads: opts.Threads})
		if err != nil {
			return nil, err
		}
		switch sol.Status {
		case StatusInfeasible:
			return nil, p.infeasible(ctx, solver, sol.Solver, cs, opts.Diagnose, timeLimit)
		case StatusNoSolution, StatusUnknown:
			warnings = append(warnings, fmt.Errorf("assemble: %s found no solution in %.0f s; used the built-in heuristic", sol.Solver, timeLimit.Seconds()))
			res, err := p.heuristicResult(ctx, opts.Seed, timeLimit, warnings)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrNoSolution, err)
			}
			res.Bound = sol.Bound
			return res, nil
		}
	}
	if sol.Status == StatusInfeasible {
		return nil, &InfeasibleError{ProvedBy: sol.Solver, Problems: tightProblems(cs)}
	}
	values := make([]float64, len(p.lin.names))
	for v, name := range p.lin.names {
		x := sol.Values[name]
		if p.lin.binary[v] {
			x = math.Round(x)
		}
		values[v] = x
	}
	values[p.objVar] = 0
	values[p.objVar] = p.objective(values)
	if bad := p.lin.violated(values, 1e-6); len(bad) > 0 {
		return nil, fmt.Errorf("assemble: the %s solution breaks %s (%s)", sol.Solver, plural(len(bad), "constraint", "constraints"), abbrev(bad))
	}
	res := p.result(values)
	res.Warnings = warnings
	res.Status = sol.Status
	res.Optimal = sol.Status == StatusOptimal && opts.Solution == nil
	res.Solver = sol.Solver
	res.Seconds = sol.Seconds
	res.Bound = sol.Bound
	res.Gap = math.NaN()
	if !math.IsNaN(res.Bound) {
		res.Gap = math.Abs(res.Bound-res.Objective) / math.Max(math.Abs(res.Objective), 1e-10)
	}
	if opts.Solution != nil && sol.Status == StatusOptimal {
		res.Optimal = true
	}
	return res, nil
}

func abbrev(s []string) string {
	if len(s) > 5 {
		return strings.Join(s[:5], ", ") + fmt.Sprintf(" and %d more", len(s)-5)
	}
	return strings.Join(s, ", ")
}

// objective computes the objective of a 0–1 assignment from the item
// coefficients (not from the auxiliary variable).
func (p *problem) objective(values []float64) float64 {
	s := p.spec
	if s.Target == nil {
		best := math.Inf(1)
		for f := range p.k {
			var v float64
			for i := range p.items {
				v += p.info[i] * values[p.sel(i, f)]
			}
			best = math.Min(best, v)
		}
		return best
	}
	return p.deviation(values)
}

func (p *problem) deviation(values []float64) float64 {
	t := p.spec.Target
	w := t.TCCWeight
	if w == 0 {
		w = 1
	}
	var dev float64
	for f := range p.k {
		for k := range t.Theta {
			var a, b float64
			for i := range p.items {
				x := values[p.sel(i, f)]
				if p.tif != nil {
					a += p.tif[k][i] * x
				}
				if p.tcc != nil {
					b += p.tcc[k][i] * x
				}
			}
			if p.tif != nil {
				dev = math.Max(dev, math.Abs(a-t.TIF[k]))
			}
			if p.tcc != nil {
				dev = math.Max(dev, w*math.Abs(b-t.TCC[k]))
			}
		}
	}
	return dev
}

// result builds the forms of a 0–1 assignment.
func (p *problem) result(values []float64) *Result {
	s := p.spec
	res := &Result{Objective: p.objective(values), Bound: math.NaN(), Gap: math.NaN()}
	res.Theta = s.ReportTheta
	if res.Theta == nil {
		if s.Target != nil {
			res.Theta = s.Target.Theta
		} else {
			res.Theta = []float64{s.CutTheta}
		}
	}
	for i, it := range p.items {
		if p.anchor[i] && values[p.zvar[i]] > 0.5 {
			res.Anchors = append(res.Anchors, it.ID)
		}
	}
	sort.Strings(res.Anchors)
	for f := range p.k {
		var form Form
		var idx []int
		for i := range p.items {
			if values[p.sel(i, f)] > 0.5 {
				idx = append(idx, i)
			}
		}
		sort.SliceStable(idx, func(a, b int) bool {
			if p.dom[idx[a]] != p.dom[idx[b]] {
				return p.dom[idx[a]] < p.dom[idx[b]]
			}
			return p.items[idx[a]].ID < p.items[idx[b]].ID
		})
		for _, i := range idx {
			form.Items = append(form.Items, *p.items[i])
			form.InfoAtCut += p.info[i]
		}
		for j := range p.pre {
			if values[p.wvar[j][f]] > 0.5 {
				form.Pretest = append(form.Pretest, *p.pre[j])
			}
		}
		sort.Slice(form.Pretest, func(a, b int) bool { return form.Pretest[a].ID < form.Pretest[b].ID })
		form.TIF = make([]float64, len(res.Theta))
		form.TCC = make([]float64, len(res.Theta))
		for k, th := range res.Theta {
			for _, it := range form.Items {
				form.TIF[k] += it.IRT.Info(th)
				form.TCC[k] += it.IRT.Prob(th)
			}
		}
		form.Deviation = math.NaN()
		if s.Target != nil {
			one := make([]float64, len(values))
			copy(one, values)
			// Deviation of this form alone.
			q := *p
			q.k = 1
			q.xvar = make([][]int, len(p.xvar))
			for i := range p.xvar {
				if p.xvar[i] != nil {
					q.xvar[i] = []int{p.xvar[i][f]}
				}
			}
			form.Deviation = q.deviation(one)
		}
		res.Forms = append(res.Forms, form)
	}
	return res
}

func tightProblems(cs checks) []Problem {
	var out []Problem
	for _, c := range cs.tightest(3) {
		out = append(out, Problem{c.constraint, fmt.Sprintf("tight: %s (needs %d, has %d)", c.message, c.need, c.have)})
	}
	return out
}

// families of constraints that infeasibility diagnosis drops in turn.
var families = []struct{ prefix, what string }{
	{"enemy_", "the enemy sets"},
	{"attr_", "the metadata counts"},
	{"anc_bin", "the anchor difficulty bins"},
	{"anc_dom_", "the anchor domain counts"},
	{"dom_", "the blueprint domain counts"},
}

// infeasible explains a model the solver proved infeasible: the tightest
// counts, and with diagnose the constraint families whose removal makes it
// feasible.
func (p *problem) infeasible(ctx context.Context, solver *Solver, name string, cs checks, diagnose bool, limit time.Duration) error {
	e := &InfeasibleError{ProvedBy: name}
	if diagnose {
		for _, fam := range families {
			q := *p
			q.lin.rows = nil
			dropped := false
			for _, r := range p.lin.rows {
				if strings.HasPrefix(r.name, fam.prefix) {
					dropped = true
					continue
				}
				q.lin.rows = append(q.lin.rows, r)
			}
			if !dropped {
				continue
			}
			var lp bytes.Buffer
			if err := q.writeLP(&lp); err != nil {
				return err
			}
			sol, err := solver.Solve(ctx, lp.Bytes(), SolveOptions{TimeLimit: limit / 4, RelGap: 1})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
			if sol.Status == StatusOptimal || sol.Status == StatusFeasible {
				e.Problems = append(e.Problems, Problem{strings.TrimSuffix(fam.prefix, "_"),
					fmt.Sprintf("feasible without %s", fam.what)})
			}
		}
	}
	e.Problems = append(e.Problems, tightProblems(cs)...)
	return e
}
