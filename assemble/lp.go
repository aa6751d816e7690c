package assemble

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// WriteLP writes the assembly model of spec over pool in CPLEX-LP format
// (sections Maximize/Minimize, Subject To, Bounds, Binaries, End), the file
// Assemble hands to CBC or glpsol, for a user to solve with another solver
// (HiGHS, Gurobi, CPLEX, SCIP read it). Variable and constraint names are the
// ones described in the package documentation, made of letters, digits and
// '_' only; coefficients carry 12 significant digits. The same pool and spec
// give the same bytes. Errors are a malformed spec (ErrSpec) or w's.
func WriteLP(w io.Writer, pool *Pool, spec *Spec) error {
	p, err := compile(pool, spec)
	if err != nil {
		return err
	}
	return p.writeLP(w)
}

func formatCoef(c float64) string { return strconv.FormatFloat(c, 'g', 12, 64) }

func (p *problem) writeLP(out io.Writer) error {
	w := bufio.NewWriter(out)
	l := &p.lin
	s := p.spec
	fmt.Fprintf(w, "\\ itemlab assemble: %d form(s) of %d items from %d operational", p.k, s.Length, len(p.items))
	if len(p.pre) > 0 {
		fmt.Fprintf(w, " and %d pretest", len(p.pre))
	}
	fmt.Fprintf(w, " items\n")
	if p.maximize() {
		fmt.Fprintf(w, "\\ objective: maximise y, the smallest information at theta = %s over the forms\n", formatCoef(s.CutTheta))
		fmt.Fprintf(w, "Maximize\n obj: %s\n", l.names[p.objVar])
	} else {
		fmt.Fprintf(w, "\\ objective: minimise d, the largest deviation from the target TIF/TCC\n")
		fmt.Fprintf(w, "Minimize\n obj: %s\n", l.names[p.objVar])
	}
	fmt.Fprintf(w, "Subject To\n")
	for _, r := range l.rows {
		fmt.Fprintf(w, " %s:", r.name)
		if len(r.terms) == 0 {
			// An empty row: LP readers want a variable, so write 0 obj-var.
			fmt.Fprintf(w, " 0 %s", l.names[p.objVar])
		}
		for k, t := range r.terms {
			if k > 0 && k%10 == 0 {
				fmt.Fprintf(w, "\n  ")
			}
			switch {
			case t.c == 1:
				fmt.Fprintf(w, " + %s", l.names[t.v])
			case t.c == -1:
				fmt.Fprintf(w, " - %s", l.names[t.v])
			case t.c < 0:
				fmt.Fprintf(w, " - %s %s", formatCoef(-t.c), l.names[t.v])
			default:
				fmt.Fprintf(w, " + %s %s", formatCoef(t.c), l.names[t.v])
			}
		}
		op := map[byte]string{'<': "<=", '>': ">=", '=': "="}[r.op]
		fmt.Fprintf(w, " %s %s\n", op, formatCoef(r.rhs))
	}
	fmt.Fprintf(w, "Bounds\n %s >= 0\nBinaries\n", l.names[p.objVar])
	n := 0
	for v, b := range l.binary {
		if !b {
			continue
		}
		if n > 0 && n%10 == 0 {
			fmt.Fprintf(w, "\n")
		}
		fmt.Fprintf(w, " %s", l.names[v])
		n++
	}
	if n > 0 {
		fmt.Fprintf(w, "\n")
	}
	fmt.Fprintf(w, "End\n")
	return w.Flush()
}
