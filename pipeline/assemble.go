package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/assemble"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/internal/spec"
	"github.com/itemlab/itemlab/reports"
)

// AssembleOptions are the options of Assemble beyond the spec's assembly
// section; zero values mean the spec's (or its defaults).
type AssembleOptions struct {
	Out        string // the folder to create
	Force      bool   // replace an existing folder
	Bank       string // SQLite file or postgres:// URL; "" means the spec's bank.path
	Forms      int    // forms to assemble; zero means assembly.forms
	Solver     string // cbc, glpsol, heuristic, auto or a path; "" means assembly.solver
	TimeLimit  float64
	Gap        *float64
	WriteModel string // write the CPLEX-LP model to this file
	Solution   string // read another solver's solution instead of solving
	Name       string // the planned form's name (NAME-1 … NAME-K with several); "" means the next formN
	BaseForm   string // the form the new one is compared with (and matched by match-base); "" means the first administration
	Replace    bool   // replace planned forms of the same names in the bank
	NoSave     bool   // do not record the forms in the bank
	Threads    int    // CBC threads; zero means 1
	Log        Logger
	Invocation Invocation
}

// AssembledForm is one assembled, pre-equated form.
type AssembledForm struct {
	Name       string
	Dir        string // its folder, relative to the output folder ("" for one form)
	Items      []string
	Pretest    []string
	Anchors    int
	InfoAtCut  float64
	Conversion *scale.Conversion
	Projection *projection.Result
}

// AssembleSummary is what Assemble did.
type AssembleSummary struct {
	Result     *assemble.Result
	Forms      []AssembledForm
	Population projection.Population
	BaseForm   string
	Saved      bool
	Dir        string
}

// Assemble builds the next form(s) from the bank to the spec's assembly
// section (see buildPool for which items are eligible), pre-equates each
// on the bank scale — its conversion table from the bank parameters, the raw
// cut, CSEM, the projected pass rate and classification accuracy for the
// latest administration's population and shifted ones, and its TCC, TIF and
// CSEM against the base form's — writes them to a new folder, and records
// each as a planned form in the bank. An infeasible spec is an
// *InfeasibleSpecError (an input error) naming the spec's lines.
func Assemble(ctx context.Context, sf *SpecFile, o AssembleOptions) (*AssembleSummary, error) {
	s := sf.Spec
	if s.Assembly == nil {
		return nil, Inputf("%s has no assembly: section; add one (see itemlab init)", s.SpecFile())
	}
	a := *s.Assembly
	if o.Forms > 0 {
		a.Forms = o.Forms
	}
	target := o.Bank
	if target == "" {
		target = s.BankPath()
	}
	if target == "" {
		return nil, Inputf("give the bank: --bank FILE|URL, or bank.path in the spec")
	}
	if o.Out == "" {
		return nil, Inputf("--out is required: the folder to write the forms into")
	}
	out, err := NewOutput(o.Out, o.Invocation, o.Log, o.Force)
	if err != nil {
		return nil, err
	}
	defer out.Abort()
	out.SetSpec(sf.Text)
	out.SetSeed(s.Seed)
	if sf.Record != nil {
		if err := out.AddInput(*sf.Record); err != nil {
			return nil, err
		}
	}
	b, err := bank.OpenWith(ctx, target, bank.Options{Command: "assemble"})
	if err != nil {
		return nil, asInput(err)
	}
	defer b.Close()
	scaleJSON, err := b.Scale(ctx)
	if err != nil {
		return nil, asInput(fmt.Errorf("the bank's scale: %w", err))
	}
	if scaleJSON == nil {
		return nil, Inputf("the bank %s has no scale: record the base form's scale.json first (itemlab bank import --scale)", target)
	}
	sc, err := reports.ReadScale(target+" scale.json", bytes.NewReader(scaleJSON))
	if err != nil {
		return nil, asInput(err)
	}
	bp, err := buildPool(ctx, b, &a)
	if err != nil {
		return nil, asInput(err)
	}
	sum := &AssembleSummary{Dir: o.Out}
	base, err := baseForm(ctx, b, bp, o.BaseForm)
	if err != nil {
		return nil, err
	}
	sum.BaseForm = base.name
	aspec := assemblySpec(&a, sc.ThetaCut)
	if a.Objective == "match-base" {
		if len(base.items) == 0 {
			return nil, Inputf("assembly.objective match-base needs a base form: the bank has no administration (or give --base-form)")
		}
		t := assemble.TargetOf(base.poolItems(), a.ThetaPoints)
		aspec.Target = &t
	}
	opts, closeFiles, err := solveOptions(out, &a, o, s.Seed)
	if err != nil {
		return nil, err
	}
	defer closeFiles()
	out.Log.Status("assembling %d form(s) of %d items from %d eligible items", aspec.Forms, a.Length, len(bp.pool.Items))
	res, err := assemble.Assemble(ctx, &bp.pool, aspec, opts)
	var ie *assemble.InfeasibleError
	if err != nil && ctx.Err() == nil && opts.Solution == nil && opts.Solver != "heuristic" &&
		!errors.As(err, &ie) && !errors.Is(err, assemble.ErrSpec) && !errors.Is(err, assemble.ErrNoSolver) {
		// The solver itself failed (crashed, unreadable output): a form
		// from the heuristic, said to be unproven, beats none.
		out.Warn(fmt.Errorf("assemble: the solver failed (%v); used the built-in heuristic, not proven optimal", firstLine(err.Error())))
		opts.Solver = "heuristic"
		res, err = assemble.Assemble(ctx, &bp.pool, aspec, opts)
	}
	out.Log.Clear()
	switch {
	case errors.As(err, &ie):
		return nil, infeasibleError(s, ie)
	case errors.Is(err, assemble.ErrSpec), errors.Is(err, assemble.ErrNoSolver):
		return nil, asInput(err)
	case err != nil:
		return nil, err
	}
	if err := closeFiles(); err != nil {
		return nil, err
	}
	out.Warn(res.Warnings...)
	sum.Result = res
	sum.Population = latestPopulation(out, bp.admins)
	names, err := formNames(bp, o.Name, len(res.Forms))
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(s.Seed, 0x9a55))
	// The conversion's method is the spec's (tcc by default; eap under the
	// population the form is projected for).
	ss := ScaleSettings{Method: s.Scale.Method, LatentMean: sum.Population.Mean, LatentSD: sum.Population.SD}
	ps := ProjectSettings{Cuts: s.Projection.Cuts, Shifts: s.Projection.Shifts, Reps: s.Projection.Reps}
	file := newAssemblyFile(res, aspec, &a, &bp.pool, sc.ThetaCut, opts)
	file.BaseForm = base.name
	for f := range res.Forms {
		af := AssembledForm{Name: names[f], Anchors: len(res.Anchors), InfoAtCut: res.Forms[f].InfoAtCut}
		if len(res.Forms) > 1 {
			af.Dir = names[f]
		}
		if err := preEquate(ctx, out, &af, bp, &res.Forms[f], res.Anchors, base, sc, ss, sum.Population, ps, rng); err != nil {
			return nil, err
		}
		sum.Forms = append(sum.Forms, af)
		file.Forms = append(file.Forms, assemblyFormJSON(&af, &res.Forms[f]))
	}
	file.Constraints = checkAssembly(aspec, &bp.pool, res, names)
	file.Warnings = reports.Messages(out.Warnings())
	if err := out.JSON(reports.FileAssembly, file); err != nil {
		return nil, err
	}
	if !o.NoSave {
		for k := range sum.Forms {
			if err := saveForm(ctx, b, &sum.Forms[k], sum.Population, o.Replace); err != nil {
				return nil, err
			}
		}
		sum.Saved = true
	}
	if err := out.CommitFolder(); err != nil {
		return nil, err
	}
	return sum, nil
}

// solveOptions turns the spec and flags into assemble's options, opening
// the model and solution files.
func solveOptions(out *Output, a *spec.Assembly, o AssembleOptions, seed uint64) (assemble.Options, func() error, error) {
	opts := assemble.Options{Solver: a.Solver, Seed: seed, Diagnose: true, Threads: o.Threads}
	if o.Solver != "" {
		opts.Solver = o.Solver
	}
	if opts.Solver == "auto" {
		opts.Solver = ""
	}
	limit := a.TimeLimit
	if o.TimeLimit != 0 {
		limit = o.TimeLimit
	}
	if !(limit > 0 && limit <= 86400) {
		return opts, nil, Inputf("--time-limit %g: want seconds in (0, 86400]", limit)
	}
	opts.TimeLimit = time.Duration(limit * float64(time.Second))
	gap := a.Gap
	if o.Gap != nil {
		gap = *o.Gap
	}
	if !(gap >= 0 && gap < 1) {
		return opts, nil, Inputf("--gap %g: want a relative gap in [0, 1)", gap)
	}
	opts.RelGap = gap
	if gap == 0 {
		opts.RelGap = -1 // prove optimality
	}
	var files []io.Closer
	closeAll := func() error {
		var errs []error
		for _, f := range files {
			errs = append(errs, f.Close())
		}
		files = nil
		return errors.Join(errs...)
	}
	if o.WriteModel != "" {
		f, err := os.Create(o.WriteModel)
		if err != nil {
			return opts, closeAll, Inputf("--write-model: %v", err)
		}
		files = append(files, f)
		opts.WriteModel = f
	}
	if o.Solution != "" {
		in, err := openInput("solution", o.Solution)
		if err != nil {
			return opts, closeAll, err
		}
		data, err := io.ReadAll(in)
		if cerr := out.AddInput(in.record()); cerr != nil {
			return opts, closeAll, cerr
		}
		if err != nil {
			return opts, closeAll, Inputf("%s: %v", o.Solution, err)
		}
		opts.Solution = bytes.NewReader(data)
	}
	return opts, closeAll, nil
}

// latestPopulation is the latent distribution of the bank's latest
// administration with one, on the bank scale; N(0, 1) with a warning
// without.
func latestPopulation(out *Output, admins []bank.Administration) projection.Population {
	for k := len(admins) - 1; k >= 0; k-- {
		a := admins[k]
		if !math.IsNaN(a.LatentMean) && a.LatentSD > 0 {
			return projection.Population{Mean: a.LatentMean, SD: a.LatentSD, N: a.Candidates}
		}
	}
	out.Warn(errors.New("assemble: no administration in the bank records a latent mean and SD; projected for N(0, 1) on the bank scale"))
	return projection.Population{Mean: 0, SD: 1}
}

// formNames returns the planned forms' names: name (NAME-1 … NAME-K for
// several), or the next formN free among the bank's forms.
func formNames(bp *bankPool, name string, k int) ([]string, error) {
	var out []string
	if name != "" {
		if k == 1 {
			return []string{name}, nil
		}
		for f := 1; f <= k; f++ {
			out = append(out, name+"-"+strconv.Itoa(f))
		}
		return out, nil
	}
	for n := len(bp.forms) + 1; len(out) < k; n++ {
		cand := "form" + strconv.Itoa(n)
		if _, taken := bp.formItems[cand]; !taken {
			out = append(out, cand)
		}
	}
	return out, nil
}

// saveForm records an assembled form in the bank as a planned form.
func saveForm(ctx context.Context, b *bank.Bank, f *AssembledForm, pop projection.Population, replace bool) error {
	bf := &bank.Form{Name: f.Name, Items: f.Items, PopulationMean: pop.Mean, PopulationSD: pop.SD}
	for _, r := range f.Conversion.Rows {
		bf.Conversion = append(bf.Conversion, bank.ConversionRow{Raw: r.Raw, Theta: r.Theta, CSEM: r.CSEM, ScaleScore: int(r.ScaleScore), Pass: r.Pass})
	}
	if err := b.SaveForm(ctx, bf, replace); err != nil {
		if errors.Is(err, bank.ErrConflict) {
			return Inputf("%v; give another --name, or --replace", err)
		}
		return err
	}
	return nil
}

// firstLine is the first line of a message, for a warning about a long one.
func firstLine(s string) string {
	if k := strings.IndexByte(s, '\n'); k >= 0 {
		return s[:k] + " …"
	}
	return s
}
