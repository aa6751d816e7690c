package assemble

import "github.com/itemlab/itemlab/irt"

// Item is a candidate item: an eligible item of the bank as the caller has
// filtered it (status, retirement, drift, exposure are the caller's rules).
type Item struct {
	ID     string
	Domain string
	IRT    irt.Item          // bank parameters on the bank scale
	Meta   map[string]string // any metadata columns (format, writer, content code, …)

	// Enemies lists the enemy sets the item belongs to: at most one item of
	// a set is placed on a form (operational and pretest items together).
	Enemies []string

	// Forms lists the previous forms the item appeared on. The items of
	// Spec.Anchor.Form are the anchor candidates.
	Forms []string

	// NoAnchor keeps an item of the anchor's previous form out of the anchor
	// block (for example an item whose parameters drifted).
	NoAnchor bool
}

// inForm reports whether the item appeared on form name.
func (it *Item) inForm(name string) bool {
	for _, f := range it.Forms {
		if f == name {
			return true
		}
	}
	return false
}

// Pool is what a form is assembled from.
type Pool struct {
	Items   []Item // operational candidates
	Pretest []Item // pretest candidates for the pretest slots; may be empty

	// Ineligible counts, per domain, the bank items the caller left out and
	// why, e.g. Ineligible["Reporting"] = {"retired": 2, "drifted": 1}. It
	// only enriches the messages of an infeasible spec; nil is fine.
	Ineligible map[string]map[string]int
}
