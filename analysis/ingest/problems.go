package ingest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/itemlab/itemlab/analysis"
)

// stopError marks a located problem after which reading cannot go on (a
// limit reached): it is never collected as one of many.
type stopError struct{ error }

func (e stopError) Unwrap() error { return e.error }

// DefaultMaxProblems is the number of problems validate lists.
const DefaultMaxProblems = 50

// problems collects the row-level problems of the files read, instead of
// stopping at the first (Options.MaxProblems). A nil *problems collects
// nothing.
type problems struct {
	max  int
	list []*analysis.ParseError
	more int
}

// add records err if it is a problem of one row or cell (a *ParseError with
// a row) after which reading can go on, and reports whether it did; any
// other error stops the reading.
func (p *problems) add(err error) bool {
	var pe *analysis.ParseError
	var stop stopError
	if p == nil || !errors.As(err, &pe) || pe.Row == 0 || errors.As(err, &stop) {
		return false
	}
	if len(p.list) < p.max {
		p.list = append(p.list, pe)
	} else {
		p.more++
	}
	return true
}

func (p *problems) count() int {
	if p == nil {
		return 0
	}
	return len(p.list) + p.more
}

// err returns the problems as an error, nil if there are none.
func (p *problems) err() error {
	if p.count() == 0 {
		return nil
	}
	return &ProblemsError{Problems: p.list, More: p.more}
}

// ProblemsError is every problem Load found when Options.MaxProblems asks
// for them all: Problems holds the first MaxProblems in file order (items
// file first), More counts the rest. errors.As finds each *ParseError.
type ProblemsError struct {
	Problems []*analysis.ParseError
	More     int
	// ItemsOnly says the problems are the items file's and the responses
	// were not read: they are checked against a sound items file.
	ItemsOnly bool
}

func (e *ProblemsError) Error() string {
	n := len(e.Problems) + e.More
	if n == 1 {
		return e.Problems[0].Error()
	}
	return fmt.Sprintf("%d problems, the first: %v", n, e.Problems[0])
}

// Unwrap returns the problems listed.
func (e *ProblemsError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for k, p := range e.Problems {
		out[k] = p
	}
	return out
}

// Kind is a problem's kind, for grouping a list of them: the message
// without the values it quotes ("invalid response", "ragged row",
// "duplicate candidate id").
func Kind(pe *analysis.ParseError) string {
	msg := pe.Err.Error()
	if strings.Contains(msg, "(ragged row)") {
		return "ragged row"
	}
	// Drop quoted values, then keep the words before the first colon or
	// parenthesis.
	var b strings.Builder
	quoted := false
	for _, r := range msg {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted:
			b.WriteRune(r)
		}
	}
	msg = b.String()
	head, tail, _ := strings.Cut(msg, ":")
	if k := strings.IndexByte(head, '('); k > 0 {
		head = head[:k]
	}
	if strings.Contains(head, "=") { // "a = -1: want a positive slope"
		head = tail
	}
	return strings.Join(strings.Fields(head), " ")
}

// force records err, a *ParseError of the whole file, with the problems
// already found (a dataset left empty by them); false for other errors.
func (p *problems) force(err error) bool {
	var pe *analysis.ParseError
	if p == nil || !errors.As(err, &pe) {
		return false
	}
	var list *ProblemsError
	if errors.Is(err, analysis.ErrHeaderOnly) || errors.As(err, &list) {
		return true // every row had a problem (they say it), or err is the list
	}
	if len(p.list) < p.max {
		p.list = append(p.list, pe)
	} else {
		p.more++
	}
	return true
}

// cellProblems returns the problems of every item cell of a row, for a row
// whose parse failed at one of them: validate lists them all.
func (p *rowParser) cellProblems(rec [][]byte, line int) []error {
	var out []error
	for k, cell := range rec {
		if k >= len(p.colItem) {
			break
		}
		j := p.colItem[k]
		if j < 0 {
			continue
		}
		if _, err := p.decs[j].decode(cell); err != nil {
			out = append(out, p.cellError(line, k, j, cell))
		}
	}
	return out
}
