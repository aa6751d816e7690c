package bank

import (
	"math"
	"time"
)

// Status is an item's status in the bank.
type Status string

// Item statuses.
const (
	Operational Status = "operational" // scored; its bank parameters define the scale
	Pretest     Status = "pretest"     // unscored, being tried out
	Retired     Status = "retired"     // no longer used (also the old version of a revised item)
	Excluded    Status = "excluded"    // kept in the bank, never administered or scored
)

func (s Status) valid() bool {
	switch s {
	case Operational, Pretest, Retired, Excluded:
		return true
	}
	return false
}

// Role is the part an item played in one administration.
type Role string

// Roles of an item in an administration.
const (
	RoleOperational Role = "operational" // scored, not used for linking
	RoleAnchor      Role = "anchor"      // scored and a common item linking the form to the bank
	RolePretest     Role = "pretest"     // unscored, calibrated onto the bank scale
)

func (r Role) valid() bool {
	switch r {
	case RoleOperational, RoleAnchor, RolePretest:
		return true
	}
	return false
}

// Decision is a pretest decision, as in pretest.csv.
type Decision string

// Pretest decisions. The empty Decision means the item was not reviewed.
const (
	NoDecision   Decision = ""
	Promote      Decision = "promote"
	Revise       Decision = "revise"
	Reject       Decision = "reject"
	Insufficient Decision = "insufficient"
)

func (d Decision) valid() bool {
	switch d {
	case NoDecision, Promote, Revise, Reject, Insufficient:
		return true
	}
	return false
}

// Field is one content or metadata column of an item (stem, option texts,
// writer, position, …), kept per version in the order given.
type Field struct {
	Name, Value string
}

// Item is one version of an item. A revised item is a new Item whose ID is
// BaseID + "-v" + Version and whose Previous is the ID it replaces; an item
// that came into the bank unrevised has BaseID == ID and Version 1.
type Item struct {
	ID       string
	BaseID   string // zero means ID
	Version  int    // zero means 1
	Previous string // the ID of the version this one revises, or ""
	Domain   string
	Status   Status // zero means Pretest on import
	Key      string // the keyed option(s), e.g. "B" or "A|C"; may be empty
	Fields   []Field
	Created  time.Time // set by the bank
}

// Field returns the value of the named field and whether it is present.
func (it *Item) Field(name string) (string, bool) {
	for _, f := range it.Fields {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Cov is one element of the covariance matrix of an item's own parameter
// estimates, in long form. Param names are "a", "d" and "logit_c" (the
// slope–intercept metric in which they are estimated) unless the model uses
// others; only one of (p, q) and (q, p) is stored.
type Cov struct {
	Param1, Param2 string
	Value          float64
}

// Params are an item's IRT parameters in the logistic slope–intercept metric
// (logit P = a·θ + d, b = −d/a, c the lower asymptote, no 1.702 constant).
// A NaN value is absent (c of a 2PL item, an SE that was not estimated);
// use NaN, never zero, for "none". The zero Params (Model == "") means the
// item has no parameters.
type Params struct {
	Model              string // "rasch", "1pl", "2pl", "3pl", …
	A, B, C, D         float64
	SEA, SEB, SEC, SED float64
	Cov                []Cov
}

// None is NaN, the value of an absent parameter or statistic.
var None = math.NaN()

// NoParams returns Params with every number absent.
func NoParams() Params {
	n := math.NaN()
	return Params{A: n, B: n, C: n, D: n, SEA: n, SEB: n, SEC: n, SED: n}
}

// Provenance says which act of the bank put an item's bank parameters there.
type Provenance struct {
	Source string // "import", "administration" (base form), "promote", "update"
	RunID  string // the administration they come from, or "" for an import
	Event  int64  // the audit event that wrote them
	Reason string // why, when forced or updated by hand
}

// BankParams are an item's bank parameters with their provenance.
type BankParams struct {
	Params
	Provenance
}

// Classical holds an item's classical statistics in one administration.
// NaN is absent.
type Classical struct {
	N              int     // candidates who were given the item
	P              float64 // proportion correct
	RPBis          float64 // point-biserial against the total
	RPBisCorrected float64 // point-biserial against the total without the item
	Biserial       float64
	DiscIndex      float64 // upper–lower 27 % discrimination index
	AlphaIfDeleted float64
	Infit, Outfit  float64 // mean squares
}

// NoClassical returns Classical with every statistic absent and N zero.
func NoClassical() Classical {
	n := math.NaN()
	return Classical{P: n, RPBis: n, RPBisCorrected: n, Biserial: n, DiscIndex: n, AlphaIfDeleted: n, Infit: n, Outfit: n}
}

// AdminItem is one item's record in one administration: its role, classical
// statistics, IRT parameters on the bank scale and pretest decision.
type AdminItem struct {
	ItemID   string
	Role     Role
	Stats    Classical
	Params   Params // on the bank scale; zero Model if not calibrated
	Decision Decision
	Reasons  []string
	// New, if non-nil, is added to the bank when ItemID is not in it yet (the
	// first form, or new pretest items). It is ignored for an item the bank
	// has. Its ID must equal ItemID.
	New *Item
}

// Administration is the record of one administration of a form (one run).
type Administration struct {
	RunID      string // SHA-256 of the run's inputs and options, 64 hex digits
	Form       string
	Date       string // of the administration, YYYY-MM-DD
	Candidates int
	LatentMean float64 // the population's latent mean on the bank scale
	LatentSD   float64 // and SD
	Manifest   []byte  // the run's manifest.json, as given
	RecordedAt time.Time
	Reverted   bool  // set by Revert; a reverted administration counts nowhere
	Event      int64 // the audit event that recorded it (read only)
	Items      []AdminItem
}

// Exposure is how often an item was seen: in how many administrations, by
// how many candidates in all (the sum of its Classical.N). Reverted
// administrations do not count.
type Exposure struct {
	Runs       int
	Candidates int
}

// ItemSummary is an item as List gives it: no fields, no history.
type ItemSummary struct {
	Item
	Params   *BankParams // nil if the item has no bank parameters
	Exposure Exposure
}

// HistoryEntry is one administration of one item, as History gives it.
type HistoryEntry struct {
	RunID      string
	Form       string
	Date       string
	Candidates int
	RecordedAt time.Time
	AdminItem
}

// ItemRecord is everything the bank knows of one item version.
type ItemRecord struct {
	Item
	Params    *BankParams
	Exposure  Exposure
	History   []HistoryEntry // non-reverted administrations, oldest first
	RevisedBy []string       // ids of the versions that revise this one
}

// ConversionRow is one row of a form's conversion table.
type ConversionRow struct {
	Raw        int
	Theta      float64
	CSEM       float64
	ScaleScore int
	Pass       bool
}

// Form is a planned (assembled, pre-equated) form.
type Form struct {
	Name           string
	Items          []string // item ids in order
	Conversion     []ConversionRow
	PopulationMean float64 // the latent population the table was projected for
	PopulationSD   float64
	Created        time.Time // set by the bank
}

// Event is one row of the audit table.
type Event struct {
	ID         int64
	At         time.Time
	By         string // the OS user, or a name given
	Command    string // e.g. "bank promote"
	Action     string // what the bank did: "init", "import-items", "add-run", …
	RunID      string // the run it concerns, or ""
	Changes    []byte // JSON: what changed, old and new values
	RevertedBy int64  // the event that reverted this one, or 0
}
