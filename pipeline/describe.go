package pipeline

import (
	"errors"
	"strings"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
)

// Description is what validate reports about a dataset.
type Description struct {
	Files       []string       `json:"files"`
	Candidates  int            `json:"candidates"`
	Items       int            `json:"items"`
	ByStatus    map[string]int `json:"items_by_status"`
	Domains     []DomainCount  `json:"domains"`
	OptionSets  map[string]int `json:"option_sets"`
	PreScored   bool           `json:"pre_scored"`
	OmitRate    float64        `json:"omit_rate"`
	NotReached  float64        `json:"not_reached_rate"`
	Groups      map[string]int `json:"groups,omitempty"`
	Forms       map[string]int `json:"forms,omitempty"`
	MeanScore   float64        `json:"mean_operational_score"`
	Operational int            `json:"operational_items"`
	Warnings    []string       `json:"warnings"`
	Anchors     int            `json:"anchor_items"`
	Fixed       int            `json:"items_with_bank_parameters"`
	Extra       []string       `json:"item_metadata_columns,omitempty"`
}

// DomainCount counts a domain's items by status.
type DomainCount struct {
	Domain      string `json:"domain"`
	Operational int    `json:"operational"`
	Pretest     int    `json:"pretest"`
	Excluded    int    `json:"excluded"`
}

// Describe summarises a dataset as validate prints it.
func Describe(d *analysis.Dataset) *Description {
	s := &Description{Files: d.Sources, Candidates: d.N, Items: d.J, ByStatus: map[string]int{},
		OptionSets: map[string]int{}, PreScored: d.PreScored, Warnings: []string{}}
	dom := map[string]*DomainCount{}
	var domOrder []string
	for _, it := range d.Items {
		s.ByStatus[it.Status.String()]++
		s.OptionSets[strings.Join(it.Options, "")]++
		if it.Anchor {
			s.Anchors++
		}
		if it.Fixed != nil {
			s.Fixed++
		}
		dc := dom[it.Domain]
		if dc == nil {
			dc = &DomainCount{Domain: it.Domain}
			dom[it.Domain] = dc
			domOrder = append(domOrder, it.Domain)
		}
		switch it.Status {
		case analysis.Operational:
			dc.Operational++
		case analysis.Pretest:
			dc.Pretest++
		case analysis.Excluded:
			dc.Excluded++
		}
	}
	for _, name := range domOrder {
		s.Domains = append(s.Domains, *dom[name])
	}
	if len(d.Items) > 0 {
		for _, kv := range d.Items[0].Meta {
			s.Extra = append(s.Extra, kv.Key)
		}
	}
	var omits, nr int
	for _, v := range d.Raw {
		switch v {
		case analysis.Omit:
			omits++
		case analysis.NotReached:
			nr++
		}
	}
	if len(d.Raw) > 0 {
		s.OmitRate = float64(omits) / float64(len(d.Raw))
		s.NotReached = float64(nr) / float64(len(d.Raw))
	}
	for _, c := range d.Candidates {
		if c.Group != "" {
			if s.Groups == nil {
				s.Groups = map[string]int{}
			}
			s.Groups[c.Group]++
		}
		if c.Form != "" {
			if s.Forms == nil {
				s.Forms = map[string]int{}
			}
			s.Forms[c.Form]++
		}
	}
	op := d.ItemsWithStatus(analysis.Operational)
	s.Operational = len(op)
	var total int
	for _, x := range d.RawScores(op) {
		total += x
	}
	if d.N > 0 {
		s.MeanScore = float64(total) / float64(d.N)
	}
	for _, w := range d.Warnings {
		s.Warnings = append(s.Warnings, w.Error())
	}
	return s
}

// ProblemGroup is the problems of one kind (validate's listing).
type ProblemGroup struct {
	Kind     string
	Problems []*analysis.ParseError
}

// ProblemList is every problem ReadData found with DataOptions.MaxProblems
// set, grouped by kind in the order each kind first appears.
type ProblemList struct {
	Groups    []ProblemGroup
	Listed    int  // problems in Groups
	More      int  // problems found beyond the listed ones
	ItemsOnly bool // the problems are the items file's; the responses were not read
}

// Problems returns the grouped problems of an error from ReadData, or nil
// if err does not carry a list of them.
func Problems(err error) *ProblemList {
	var pe *ingest.ProblemsError
	if !errors.As(err, &pe) {
		return nil
	}
	l := &ProblemList{Listed: len(pe.Problems), More: pe.More, ItemsOnly: pe.ItemsOnly}
	at := map[string]int{}
	for _, p := range pe.Problems {
		k := ingest.Kind(p)
		g, ok := at[k]
		if !ok {
			g = len(l.Groups)
			at[k] = g
			l.Groups = append(l.Groups, ProblemGroup{Kind: k})
		}
		l.Groups[g].Problems = append(l.Groups[g].Problems, p)
	}
	return l
}
