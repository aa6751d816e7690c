package assemble

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Status is the outcome of a solve.
type Status int

// The statuses of a Solution.
const (
	StatusUnknown    Status = iota
	StatusOptimal           // proven optimal within the relative gap asked for
	StatusFeasible          // stopped (time limit) with a solution; see the gap
	StatusInfeasible        // proven infeasible
	StatusNoSolution        // stopped before any solution was found
)

func (s Status) String() string {
	switch s {
	case StatusOptimal:
		return "optimal"
	case StatusFeasible:
		return "feasible"
	case StatusInfeasible:
		return "infeasible"
	case StatusNoSolution:
		return "no solution"
	}
	return "unknown"
}

// Solution is what a solver returned: the status, the objective of the
// incumbent and the best bound on the optimum (NaN when unknown), and the
// values of the variables by their LP names (variables absent are zero).
type Solution struct {
	Status    Status
	Objective float64
	Bound     float64
	Values    map[string]float64
	Solver    string  // e.g. "CBC 2.10.8", "GLPK 5.0", or the file format read
	Seconds   float64 // wall-clock time of the solve
}

// Gap is the relative gap |Bound − Objective| / |Objective| the solver
// proved, NaN when the bound is unknown.
func (s *Solution) Gap() float64 {
	if math.IsNaN(s.Bound) || math.IsNaN(s.Objective) {
		return math.NaN()
	}
	d := math.Abs(s.Bound - s.Objective)
	if d == 0 {
		return 0
	}
	return d / math.Max(math.Abs(s.Objective), 1e-10)
}

// ErrSolution is wrapped by errors reading a solution file.
var ErrSolution = errors.New("assemble: unreadable solution")

// ReadSolution reads a solution file of the model WriteLP writes, in one of
// the formats, recognised by their first lines:
//
//   - CBC's `solution FILE` output ("Optimal - objective value …", then
//     "index name value reduced-cost" lines);
//   - GLPK's printable report (`glpsol -o FILE`: "Problem:", "Status:",
//     "Objective:", then row and column tables);
//   - HiGHS's solution file (`highs --solution_file FILE`: "Model status",
//     "# Columns N" then "name value" lines);
//   - a Gurobi/CPLEX-style .sol file of "name value" lines, '#' comments
//     ignored, e.g. Gurobi's `ResultFile=x.sol`; its status is taken as
//     feasible, not optimal, since the file does not say.
//
// GLPK's `--write` format is not accepted: it has column numbers, not names.
// The bound is unknown (NaN) except in GLPK reports of an optimal solution.
func ReadSolution(r io.Reader) (*Solution, error) {
	br := bufio.NewReader(r)
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	text := string(data)
	first := strings.TrimSpace(firstLine(text))
	switch {
	case strings.HasPrefix(first, "Problem:"):
		return parseGLPK(text)
	case strings.HasPrefix(first, "Model status"):
		return parseHiGHS(text)
	case strings.Contains(first, "objective value") || strings.HasPrefix(first, "Infeasible") ||
		strings.HasPrefix(first, "Integer infeasible") || strings.HasPrefix(first, "Stopped") || strings.HasPrefix(first, "Unbounded"):
		return parseCBC(text)
	}
	return parseNameValue(text)
}

func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			return l
		}
	}
	return ""
}

func newSolution(name string) *Solution {
	return &Solution{Objective: math.NaN(), Bound: math.NaN(), Values: map[string]float64{}, Solver: name}
}

func parseFloat(s string, line int) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: line %d: %q is not a number", ErrSolution, line, s)
	}
	return v, nil
}

// parseCBC reads CBC's solution file.
func parseCBC(text string) (*Solution, error) {
	sol := newSolution("CBC solution file")
	lines := strings.Split(text, "\n")
	head := strings.TrimSpace(lines[0])
	switch {
	case strings.Contains(head, "no integer solution"):
		sol.Status = StatusNoSolution
	case strings.HasPrefix(head, "Optimal"):
		sol.Status = StatusOptimal
	case strings.HasPrefix(head, "Infeasible"), strings.HasPrefix(head, "Integer infeasible"):
		sol.Status = StatusInfeasible
	case strings.HasPrefix(head, "Stopped"):
		sol.Status = StatusFeasible
	default:
		sol.Status = StatusUnknown
	}
	if k := strings.LastIndex(head, "objective value"); k >= 0 {
		if v, err := strconv.ParseFloat(strings.TrimSpace(head[k+len("objective value"):]), 64); err == nil {
			sol.Objective = v
		}
	}
	if sol.Status == StatusOptimal && strings.HasPrefix(head, "Optimal -") {
		sol.Bound = sol.Objective
	}
	for n, l := range lines[1:] {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "**"))
		if len(f) == 0 {
			continue
		}
		if len(f) < 3 {
			return nil, fmt.Errorf("%w: CBC solution line %d: %q", ErrSolution, n+2, l)
		}
		v, err := parseFloat(f[2], n+2)
		if err != nil {
			return nil, err
		}
		sol.Values[f[1]] = v
	}
	if sol.Status == StatusFeasible && math.Abs(sol.Objective) >= 1e49 {
		sol.Status = StatusNoSolution
	}
	return sol, nil
}

// parseGLPK reads glpsol's printable report (-o).
func parseGLPK(text string) (*Solution, error) {
	sol := newSolution("GLPK report")
	lines := strings.Split(text, "\n")
	inCols := false
	pending := "" // a long column name printed on a line of its own
	for n, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "Status:"):
			st := strings.TrimSpace(strings.TrimPrefix(t, "Status:"))
			switch st {
			case "INTEGER OPTIMAL", "OPTIMAL":
				sol.Status = StatusOptimal
			case "INTEGER NON-OPTIMAL", "FEASIBLE":
				sol.Status = StatusFeasible
			case "INTEGER EMPTY", "INFEASIBLE (FINAL)", "EMPTY":
				sol.Status = StatusInfeasible
			case "INTEGER UNDEFINED", "UNDEFINED":
				sol.Status = StatusNoSolution
			}
			continue
		case strings.HasPrefix(t, "Objective:"):
			// Objective:  obj = 26.78979016 (MAXimum)
			if k := strings.Index(t, "="); k >= 0 {
				f := strings.Fields(t[k+1:])
				if len(f) > 0 {
					if v, err := strconv.ParseFloat(f[0], 64); err == nil {
						sol.Objective = v
					}
				}
			}
			continue
		case strings.HasPrefix(t, "No.") && strings.Contains(t, "Column name"):
			inCols = true
			continue
		}
		if !inCols || strings.HasPrefix(t, "------") {
			continue
		}
		if t == "" || strings.HasPrefix(t, "Integer feasibility") || strings.HasPrefix(t, "Karush") {
			if pending == "" {
				inCols = false
			}
			continue
		}
		f := strings.Fields(t)
		if pending != "" {
			if f[0] == "*" {
				f = f[1:]
			}
			v, err := parseFloat(f[0], n+1)
			if err != nil {
				return nil, err
			}
			sol.Values[pending] = v
			pending = ""
			continue
		}
		if _, err := strconv.Atoi(f[0]); err != nil || len(f) < 2 {
			return nil, fmt.Errorf("%w: GLPK report line %d: %q", ErrSolution, n+1, l)
		}
		if len(f) == 2 {
			pending = f[1]
			continue
		}
		rest := f[2:]
		if rest[0] == "*" {
			rest = rest[1:]
		}
		v, err := parseFloat(rest[0], n+1)
		if err != nil {
			return nil, err
		}
		sol.Values[f[1]] = v
	}
	if sol.Status == StatusOptimal {
		sol.Bound = sol.Objective
	}
	return sol, nil
}

// parseHiGHS reads a HiGHS raw solution file.
func parseHiGHS(text string) (*Solution, error) {
	sol := newSolution("HiGHS solution file")
	lines := strings.Split(text, "\n")
	for n := 0; n < len(lines); n++ {
		t := strings.TrimSpace(lines[n])
		switch {
		case t == "Model status" && n+1 < len(lines):
			switch strings.TrimSpace(lines[n+1]) {
			case "Optimal":
				sol.Status = StatusOptimal
			case "Infeasible":
				sol.Status = StatusInfeasible
			case "Time limit reached", "Iteration limit reached", "Interrupted by user", "Solution limit reached":
				sol.Status = StatusFeasible
			}
		case strings.HasPrefix(t, "Objective "):
			if v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(t, "Objective ")), 64); err == nil {
				sol.Objective = v
			}
		case strings.HasPrefix(t, "# Columns "):
			k, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(t, "# Columns ")))
			if err != nil {
				return nil, fmt.Errorf("%w: HiGHS line %d: %q", ErrSolution, n+1, t)
			}
			for c := 0; c < k; c++ {
				n++
				if n >= len(lines) {
					return nil, fmt.Errorf("%w: HiGHS file ends inside its %d columns", ErrSolution, k)
				}
				f := strings.Fields(lines[n])
				if len(f) < 2 {
					return nil, fmt.Errorf("%w: HiGHS line %d: %q", ErrSolution, n+1, lines[n])
				}
				v, err := parseFloat(f[1], n+1)
				if err != nil {
					return nil, err
				}
				sol.Values[f[0]] = v
			}
			return sol, nil // primal columns read; duals and rows follow
		}
	}
	return nil, fmt.Errorf("%w: HiGHS file without a \"# Columns\" section", ErrSolution)
}

// parseNameValue reads "name value" lines (Gurobi .sol and the like).
func parseNameValue(text string) (*Solution, error) {
	sol := newSolution("name-value solution file")
	sol.Status = StatusFeasible
	for n, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if strings.HasPrefix(t, "#") {
			// Gurobi: "# Objective value = 26.8".
			if k := strings.Index(t, "Objective value ="); k >= 0 {
				if v, err := strconv.ParseFloat(strings.TrimSpace(t[k+len("Objective value ="):]), 64); err == nil {
					sol.Objective = v
				}
			}
			continue
		}
		f := strings.Fields(t)
		if len(f) != 2 {
			return nil, fmt.Errorf("%w: line %d: %q: want \"name value\" (formats: CBC, GLPK -o, HiGHS, Gurobi .sol)", ErrSolution, n+1, l)
		}
		v, err := parseFloat(f[1], n+1)
		if err != nil {
			return nil, err
		}
		sol.Values[f[0]] = v
	}
	return sol, nil
}
