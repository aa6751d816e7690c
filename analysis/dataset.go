// Package analysis holds itemlab's psychometric workflows over a dataset:
// ingest and scoring, classical item analysis, scaling, equating, DIF,
// pretest review and pass-rate projection. The pure mathematics lives in
// package irt.
package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/itemlab/itemlab/irt"
)

// Status is an item's role on the form.
type Status int

// Item statuses, as the items file spells them: operational items are scored
// and define the scale; pretest items are administered unscored; excluded
// items count in no score.
const (
	Operational Status = iota + 1
	Pretest
	Excluded
)

func (s Status) String() string {
	switch s {
	case Operational:
		return "operational"
	case Pretest:
		return "pretest"
	case Excluded:
		return "excluded"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// ParseStatus reads operational, pretest or excluded (any case).
func ParseStatus(s string) (Status, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "operational", "scored", "op":
		return Operational, true
	case "pretest", "field", "fieldtest", "field-test", "unscored":
		return Pretest, true
	case "excluded", "exclude", "deleted", "dropped":
		return Excluded, true
	}
	return 0, false
}

// Cell codes of Dataset.Raw besides option indices.
const (
	Omit       uint8 = 255 // blank cell: the candidate did not answer
	NotReached uint8 = 254 // an omit in the trailing run of omits, when not-reached marking is on
)

// FixedParams are bank values of an item's IRT parameters (logistic metric,
// a, b, c), from the items file or a --fixed parameter file.
type FixedParams struct {
	A, B, C float64
	HasC    bool
}

// ItemInfo describes one item.
type ItemInfo struct {
	ID      string
	Options []string // option codes in order, e.g. A B C D; "0","1" for pre-scored data
	KeyMask uint64   // bit k set when option k is a correct answer (several after a key review)
	Domain  string
	Status  Status
	Anchor  bool
	Fixed   *FixedParams // nil when the items file gives none
	Meta    []KV         // other columns of the items file, in file order
	Column  int          // 1-based column of the item in the responses file (0 if long format)
}

// KV is one extra metadata column of the items file.
type KV struct{ Key, Value string }

// IsKey reports whether option index k is a correct answer.
func (it *ItemInfo) IsKey(k int) bool { return k < 64 && it.KeyMask&(1<<uint(k)) != 0 }

// KeyString returns the key as the items file writes it, e.g. "B" or "A|C".
func (it *ItemInfo) KeyString() string {
	var parts []string
	for k, o := range it.Options {
		if it.IsKey(k) {
			parts = append(parts, o)
		}
	}
	return strings.Join(parts, "|")
}

// Candidate is one examinee.
type Candidate struct {
	ID    string
	Group string // optional, e.g. for DIF
	Form  string // optional form code
	Line  int    // 1-based line (or sheet row) of the candidate in the responses file
}

// Dataset is an ingested administration: candidates × items with one byte per
// cell.
//
// Raw holds, row-major (Raw[i*J+j]), the index of the option candidate i chose
// on item j, or Omit, or NotReached. Scored holds 1 when the chosen option is
// a key, 0 when it is not, and irt.Missing when the cell is Omit or
// NotReached, so that a missing answer stays distinct from a wrong one. Raw
// scores count only 1s: an omit is wrong for the raw score, as on the real
// exam. Data that arrive already scored have Options {"0","1"} and key "1";
// Scored may then share Raw's memory (see Score): both are read-only once
// the dataset is built.
type Dataset struct {
	Items      []ItemInfo
	Candidates []Candidate
	N, J       int
	Raw        []uint8
	Scored     []uint8
	PreScored  bool     // the responses were 0/1, not option codes
	Sources    []string // names of the files the dataset was read from
	Warnings   []error
}

// Warning is a problem that is not an error: an item nobody answered
// correctly, a candidate who omitted every item, a calibration that stopped
// before converging. Warnings of every stage travel as []error, from irt
// through the analysis packages to the command line's printer and every
// report; a *Warning among them adds a code and the item or candidate it is
// about, and Unwrap gives its cause (errors.Is(w, irt.ErrNotConverged)
// holds for a calibration that did not converge).
type Warning struct {
	Code    string // short code, e.g. "zero_variance", "all_omitted", "not_converged"
	Item    string // item id, if about an item
	Subject string // candidate id, if about a candidate
	Err     error  // what happened; its text is the warning's message
}

func (w *Warning) Error() string { return w.Err.Error() }
func (w *Warning) Unwrap() error { return w.Err }

// NewWarning returns a warning whose message is msg and whose cause (for
// errors.Is and errors.As) is cause, which may be nil.
func NewWarning(code, item, msg string, cause error) *Warning {
	return &Warning{Code: code, Item: item, Err: &causedError{msg, cause}}
}

type causedError struct {
	msg   string
	cause error
}

func (e *causedError) Error() string { return e.msg }
func (e *causedError) Unwrap() error { return e.cause }

// WarningCode returns the code of the first *Warning in err's chain, or
// "other".
func WarningCode(err error) string {
	var w *Warning
	if errors.As(err, &w) && w.Code != "" {
		return w.Code
	}
	return "other"
}

// ItemsWithStatus returns the indices of the items with status s, in order.
func (d *Dataset) ItemsWithStatus(s Status) []int {
	var idx []int
	for j := range d.Items {
		if d.Items[j].Status == s {
			idx = append(idx, j)
		}
	}
	return idx
}

// ItemIndex returns the index of the item with the given id, or -1.
func (d *Dataset) ItemIndex(id string) int {
	for j := range d.Items {
		if d.Items[j].ID == id {
			return j
		}
	}
	return -1
}

// RawScores returns every candidate's number-correct score over the items
// listed (omits count as wrong).
// Large datasets are counted in candidate blocks on GOMAXPROCS goroutines.
func (d *Dataset) RawScores(items []int) []int {
	s := make([]int, d.N)
	ParallelRows(d.N, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := d.Scored[i*d.J : (i+1)*d.J]
			t := 0
			for _, j := range items {
				if row[j] == 1 {
					t++
				}
			}
			s[i] = t
		}
	})
	return s
}

// ParallelRows calls fn over consecutive blocks [lo, hi) covering 0..n−1,
// on up to GOMAXPROCS goroutines when n is large (one call otherwise), and
// returns when every call has. fn must write only what belongs to its rows,
// so that the result does not depend on the split.
func ParallelRows(n int, fn func(lo, hi int)) {
	workers := min(runtime.GOMAXPROCS(0), n/50000)
	if workers <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// OmitRule says how an omitted response enters a calibration.
type OmitRule int

// Omit rules. Raw scores always count an omit as wrong.
const (
	OmitWrong   OmitRule = iota // an omit is a wrong answer (the default)
	OmitMissing                 // an omit does not count in the likelihood
)

// ParseOmitRule reads "wrong" or "missing".
func ParseOmitRule(s string) (OmitRule, error) {
	switch strings.ToLower(s) {
	case "wrong", "":
		return OmitWrong, nil
	case "missing":
		return OmitMissing, nil
	}
	return 0, fmt.Errorf("unknown omit rule %q: want wrong or missing", s)
}

// Responses returns the scored matrix of the listed items as an
// irt.Responses for calibration. Under OmitWrong an omitted response is 0;
// under OmitMissing it is irt.Missing. A NotReached cell is irt.Missing under
// both rules.
func (d *Dataset) Responses(items []int, rule OmitRule) *irt.Responses {
	r := irt.NewResponses(d.N, len(items))
	for i := 0; i < d.N; i++ {
		src := d.Scored[i*d.J : (i+1)*d.J]
		raw := d.Raw[i*d.J : (i+1)*d.J]
		dst := r.X[i*len(items) : (i+1)*len(items)]
		for k, j := range items {
			v := src[j]
			if v == irt.Missing && rule == OmitWrong && raw[j] != NotReached {
				v = 0
			}
			dst[k] = v
		}
	}
	return r
}

// FromScored builds a dataset of pre-scored 0/1 responses: n candidates
// numbered 1..n, the given items (all operational, options "0" and "1", key
// "1"), and x row-major with 0, 1 or irt.Missing (an omit). It is the shape
// of a plain 0/1 matrix file and a convenient constructor for tests.
func FromScored(itemIDs []string, n int, x []uint8) *Dataset {
	j := len(itemIDs)
	if len(x) != n*j {
		panic("analysis: FromScored: len(x) != n*len(itemIDs)")
	}
	d := &Dataset{N: n, J: j, PreScored: true,
		Raw: make([]uint8, n*j), Scored: make([]uint8, n*j)}
	for k, id := range itemIDs {
		d.Items = append(d.Items, ItemInfo{ID: id, Options: []string{"0", "1"}, KeyMask: 2,
			Status: Operational, Column: k + 1})
	}
	for i := 0; i < n; i++ {
		d.Candidates = append(d.Candidates, Candidate{ID: fmt.Sprint(i + 1), Line: i + 2})
	}
	for c, v := range x {
		switch v {
		case 0, 1:
			d.Raw[c], d.Scored[c] = v, v
		default:
			d.Raw[c], d.Scored[c] = Omit, irt.Missing
		}
	}
	return d
}

// Score fills Scored from Raw and the keys. When the two would be equal
// byte for byte — pre-scored 0/1 data keyed "1" without not-reached cells —
// Scored is Raw (one matrix in memory, not two); MarkNotReached separates
// them again.
func (d *Dataset) Score() {
	if d.scoredIsRaw() {
		d.Scored = d.Raw
		return
	}
	d.Scored = make([]uint8, len(d.Raw))
	table := make([][256]uint8, d.J) // raw code → scored value, per item
	for j := range d.Items {
		t := &table[j]
		for v := 0; v < 256; v++ {
			switch {
			case uint8(v) == Omit || uint8(v) == NotReached:
				t[v] = irt.Missing
			case v < 64 && d.Items[j].KeyMask&(1<<uint(v)) != 0:
				t[v] = 1
			}
		}
	}
	for i := 0; i < d.N; i++ {
		raw := d.Raw[i*d.J : (i+1)*d.J]
		sc := d.Scored[i*d.J : (i+1)*d.J]
		for j, v := range raw {
			sc[j] = table[j][v]
		}
	}
}

// scoredIsRaw reports whether scoring leaves every cell of Raw as it is:
// every item has the options 0 and 1 with key 1 (so 0, 1 and Omit score as
// 0, 1 and irt.Missing, the same bytes) and no cell is NotReached.
func (d *Dataset) scoredIsRaw() bool {
	if Omit != irt.Missing || len(d.Raw) == 0 {
		return false
	}
	for j := range d.Items {
		o := d.Items[j].Options
		if len(o) != 2 || o[0] != "0" || o[1] != "1" || d.Items[j].KeyMask != 2 {
			return false
		}
	}
	return bytes.IndexByte(d.Raw, NotReached) < 0
}

// MarkNotReached turns each candidate's trailing run of omits, in the order
// of the response file's columns, into NotReached. A candidate who answered
// nothing keeps plain omits.
func (d *Dataset) MarkNotReached() {
	if len(d.Raw) > 0 && len(d.Scored) == len(d.Raw) && &d.Scored[0] == &d.Raw[0] {
		d.Scored = append([]uint8(nil), d.Raw...) // Scored stays irt.Missing where Raw becomes NotReached
	}
	order := make([]int, d.J)
	for j := range order {
		order[j] = j
	}
	// Items in column order (insertion sort: J is small).
	for a := 1; a < len(order); a++ {
		for b := a; b > 0 && d.Items[order[b]].Column < d.Items[order[b-1]].Column; b-- {
			order[b], order[b-1] = order[b-1], order[b]
		}
	}
	for i := 0; i < d.N; i++ {
		raw := d.Raw[i*d.J : (i+1)*d.J]
		last := -1
		for p, j := range order {
			if raw[j] != Omit {
				last = p
			}
		}
		if last < 0 {
			continue
		}
		for _, j := range order[last+1:] {
			raw[j] = NotReached
		}
	}
}

// CheckWarnings lists items with zero variance or no answers and candidates
// who omitted every item.
func (d *Dataset) CheckWarnings() []error {
	var ws []error
	answered := make([]int, d.J)
	right := make([]int, d.J)
	for i := 0; i < d.N; i++ {
		sc := d.Scored[i*d.J : (i+1)*d.J]
		missing := 0
		for j, v := range sc {
			// v is 0, 1 or irt.Missing (255): v&1 counts right answers and
			// missing ones alike; subtract the missing below.
			right[j] += int(v & 1)
			if v == irt.Missing {
				answered[j]--
				right[j]--
				missing++
			}
		}
		if missing == d.J {
			c := d.Candidates[i]
			ws = append(ws, &Warning{Code: "all_omitted", Subject: c.ID,
				Err: fmt.Errorf("candidate %q (line %d) omitted every item", c.ID, c.Line)})
		}
	}
	for j := range d.Items {
		answered[j] += d.N
		id := d.Items[j].ID
		switch {
		case answered[j] == 0:
			ws = append(ws, &Warning{Code: "unanswered_item", Item: id, Err: fmt.Errorf("item %q: nobody answered it", id)})
		case right[j] == 0:
			ws = append(ws, &Warning{Code: "zero_variance", Item: id, Err: fmt.Errorf("item %q: nobody answered it correctly (zero variance)", id)})
		case right[j] == d.N:
			ws = append(ws, &Warning{Code: "zero_variance", Item: id, Err: fmt.Errorf("item %q: every candidate answered it correctly (zero variance)", id)})
		}
	}
	return ws
}
