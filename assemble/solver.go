package assemble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Solver is an external MIP solver program: CBC (Debian coinor-cbc) or
// GLPK's glpsol (Debian glpk-utils). A Solver is safe for concurrent use;
// every Solve runs its own process in its own temporary directory.
type Solver struct {
	Kind string // "cbc" or "glpsol"
	Path string // the executable
}

// ErrNoSolver is returned by FindSolver when no solver program is found.
var ErrNoSolver = errors.New("assemble: no MIP solver found")

// FindSolver finds a solver. name "" looks for cbc, then glpsol, on PATH;
// "cbc" or "glpsol" looks for that one; anything else is taken as a path to
// an executable whose base name says which solver it is (it must contain
// "cbc" or "glpsol"). The error wraps ErrNoSolver.
func FindSolver(name string) (*Solver, error) {
	switch name {
	case "":
		for _, k := range []string{"cbc", "glpsol"} {
			if p, err := exec.LookPath(k); err == nil {
				return &Solver{Kind: k, Path: p}, nil
			}
		}
		return nil, fmt.Errorf("%w: neither cbc (Debian coinor-cbc) nor glpsol (Debian glpk-utils) is on PATH", ErrNoSolver)
	case "cbc", "glpsol":
		p, err := exec.LookPath(name)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoSolver, err)
		}
		return &Solver{Kind: name, Path: p}, nil
	}
	base := strings.ToLower(filepath.Base(name))
	kind := ""
	switch {
	case strings.Contains(base, "glpsol"):
		kind = "glpsol"
	case strings.Contains(base, "cbc"):
		kind = "cbc"
	default:
		return nil, fmt.Errorf("%w: %s: cannot tell the solver from the name; want cbc or glpsol", ErrNoSolver, name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSolver, err)
	}
	return &Solver{Kind: kind, Path: p}, nil
}

// SolveOptions limit a solve. The zero value means no time limit, gap 0
// and the solver's default threads.
type SolveOptions struct {
	TimeLimit time.Duration // wall clock; zero means none
	RelGap    float64       // stop when the relative gap is at most this
	Threads   int           // CBC only; zero means CBC's default (1)
}

// Solve runs the solver on a model in CPLEX-LP format and reads its
// solution. The process is killed when ctx is done, and Solve then returns
// ctx.Err(). An infeasible model is not an error: the Solution says
// StatusInfeasible.
func (s *Solver) Solve(ctx context.Context, model []byte, opts SolveOptions) (*Solution, error) {
	dir, err := os.MkdirTemp("", "itemlab-assemble-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	lpPath := filepath.Join(dir, "model.lp")
	solPath := filepath.Join(dir, "solution.txt")
	if err := os.WriteFile(lpPath, model, 0o644); err != nil {
		return nil, err
	}
	var args []string
	switch s.Kind {
	case "cbc":
		args = []string{lpPath, "timeMode", "elapsed"}
		if opts.TimeLimit > 0 {
			args = append(args, "sec", strconv.FormatFloat(opts.TimeLimit.Seconds(), 'f', 3, 64))
		}
		args = append(args, "ratio", strconv.FormatFloat(opts.RelGap, 'g', -1, 64))
		if opts.Threads > 1 {
			args = append(args, "threads", strconv.Itoa(opts.Threads))
		}
		args = append(args, "solve", "solution", solPath)
	case "glpsol":
		args = []string{"--lp", lpPath, "--mipgap", strconv.FormatFloat(opts.RelGap, 'g', -1, 64), "-o", solPath}
		if opts.TimeLimit > 0 {
			args = append(args, "--tmlim", strconv.Itoa(max(1, int(math.Ceil(opts.TimeLimit.Seconds())))))
		}
	default:
		return nil, fmt.Errorf("assemble: unknown solver kind %q", s.Kind)
	}
	cmd := exec.CommandContext(ctx, s.Path, args...)
	cmd.Dir = dir
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	runErr := cmd.Run()
	secs := time.Since(start).Seconds()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	log := out.String()
	f, err := os.Open(solPath)
	if err != nil {
		if runErr != nil {
			return nil, fmt.Errorf("assemble: %s: %v: %s", s.Kind, runErr, tail(log, 400))
		}
		return nil, fmt.Errorf("assemble: %s wrote no solution: %s", s.Kind, tail(log, 400))
	}
	defer f.Close()
	sol, err := ReadSolution(f)
	if err != nil {
		return nil, fmt.Errorf("%s solution: %w", s.Kind, err)
	}
	sol.Seconds = secs
	maximize := bytes.HasPrefix(bytes.TrimSpace(stripComments(model)), []byte("Max"))
	switch s.Kind {
	case "cbc":
		sol.Solver = strings.TrimSpace("CBC " + match(cbcVersion, log))
		if strings.Contains(log, "Problem proven infeasible") || strings.Contains(log, "Problem is infeasible") {
			sol.Status = StatusInfeasible
		}
		if sol.Status == StatusOptimal || sol.Status == StatusFeasible {
			sol.Bound = cbcBound(log, sol, maximize)
		}
	case "glpsol":
		sol.Solver = strings.TrimSpace("GLPK " + match(glpkVersion, log))
		if strings.Contains(log, "PROBLEM HAS NO PRIMAL FEASIBLE SOLUTION") || strings.Contains(log, "PROBLEM HAS NO INTEGER FEASIBLE SOLUTION") {
			sol.Status = StatusInfeasible
		}
		if sol.Status == StatusOptimal || sol.Status == StatusFeasible {
			if b, ok := glpkBound(log); ok && (sol.Status == StatusFeasible || opts.RelGap > 0) {
				sol.Bound = b
			}
		}
	}
	return sol, nil
}

var (
	cbcVersion  = regexp.MustCompile(`(?m)^Version:\s*(\S+)`)
	glpkVersion = regexp.MustCompile(`GLPSOL--GLPK LP/MIP Solver\s+(\S+)`)
	// Cbc0005I Partial search - best objective -26.844089 (best possible -26.905414), …
	cbcBestPossible = regexp.MustCompile(`best possible (-?[0-9.eE+-]+)\)`)
	// Cbc0011I Exiting as integer gap of 0.0080586453 less than …
	cbcExitGap = regexp.MustCompile(`integer gap of (-?[0-9.eE+-]+) less than`)
	// "Upper bound:  26.905" or "Lower bound: …" in the summary
	cbcSummaryBound = regexp.MustCompile(`(?m)^(?:Upper|Lower) bound:\s+(-?[0-9.eE+-]+)`)
	// +  5134: >>>>>   2.672063708e+01 <=   2.731384556e+01   2.2% (506; 0)
	glpkProgress = regexp.MustCompile(`(?m)^\+\s*\d+: (?:mip =|>>>>>)\s+(\S+)\s+[<>]=\s+(\S+)`)
)

func match(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

func stripComments(model []byte) []byte {
	var out [][]byte
	for _, l := range bytes.Split(model, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte(`\`)) {
			out = append(out, l)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// cbcBound finds the best bound in CBC's log. CBC minimises internally, so
// for a maximisation the bounds in its Cbc messages have the opposite sign.
func cbcBound(log string, sol *Solution, maximize bool) float64 {
	sign := 1.0
	if maximize {
		sign = -1
	}
	if ms := cbcBestPossible.FindAllStringSubmatch(log, -1); ms != nil {
		if v, err := strconv.ParseFloat(ms[len(ms)-1][1], 64); err == nil {
			return sign * v
		}
	}
	if m := cbcExitGap.FindStringSubmatch(log); m != nil {
		if g, err := strconv.ParseFloat(m[1], 64); err == nil {
			if maximize {
				return sol.Objective + math.Abs(g)
			}
			return sol.Objective - math.Abs(g)
		}
	}
	if strings.Contains(log, "Result - Optimal solution found\n") || strings.Contains(log, "Result - Optimal solution found\r") {
		return sol.Objective
	}
	if m := cbcSummaryBound.FindStringSubmatch(log); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil {
			return v // the summary prints the bound in the model's own sense
		}
	}
	if sol.Status == StatusOptimal {
		return sol.Objective
	}
	return math.NaN()
}

// glpkBound reads the bound of the last progress line of glpsol's log; a
// line with "tree is empty" means the search is complete.
func glpkBound(log string) (float64, bool) {
	ms := glpkProgress.FindAllStringSubmatch(log, -1)
	if ms == nil {
		return 0, false
	}
	last := ms[len(ms)-1]
	if strings.HasPrefix(last[2], "tree") {
		v, err := strconv.ParseFloat(last[1], 64)
		return v, err == nil
	}
	v, err := strconv.ParseFloat(last[2], 64)
	return v, err == nil
}
