package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/analysis"
)

func newValidateCmd(env *Env) *cobra.Command {
	var df dataFlags
	var asJSON bool
	c := &cobra.Command{
		Use:   "validate --responses FILE [--items FILE]",
		Short: "Check response and item files and print what they hold",
		Long: `Validate reads the responses and items exactly as every other command does
and prints what they hold — candidates, items by status and domain, option
codes, omit rate, groups and forms — or the errors it found, each naming the
file, line and column. Exit code 0 when the data can be used, 2 when not.`,
		Example: `  itemlab validate --responses responses.csv --items items.csv
  itemlab validate --responses lsat7.csv          # a plain 0/1 matrix
  itemlab validate --responses exam.xlsx --sheet Responses --items items.xlsx --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			d, err := df.load(env, nil)
			if err != nil {
				return err
			}
			s := describe(d)
			if asJSON {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			printDescription(env, s)
			return nil
		},
	}
	df.add(c.Flags(), false)
	c.Flags().BoolVar(&asJSON, "json", false, "print the description as JSON")
	return c
}

// dataDescription is what validate reports about a dataset.
type dataDescription struct {
	Files       []string       `json:"files"`
	Candidates  int            `json:"candidates"`
	Items       int            `json:"items"`
	ByStatus    map[string]int `json:"items_by_status"`
	Domains     []domainCount  `json:"domains"`
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

type domainCount struct {
	Domain      string `json:"domain"`
	Operational int    `json:"operational"`
	Pretest     int    `json:"pretest"`
	Excluded    int    `json:"excluded"`
}

func describe(d *analysis.Dataset) *dataDescription {
	s := &dataDescription{Files: d.Sources, Candidates: d.N, Items: d.J, ByStatus: map[string]int{},
		OptionSets: map[string]int{}, PreScored: d.PreScored, Warnings: []string{}}
	dom := map[string]*domainCount{}
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
			dc = &domainCount{Domain: it.Domain}
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
		s.Warnings = append(s.Warnings, w.Message)
	}
	return s
}

func printDescription(env *Env, s *dataDescription) {
	w := env.Stdout
	fmt.Fprintf(w, "files:       %s\n", strings.Join(s.Files, ", "))
	fmt.Fprintf(w, "candidates:  %d\n", s.Candidates)
	fmt.Fprintf(w, "items:       %d (%d operational, %d pretest, %d excluded)\n", s.Items,
		s.ByStatus["operational"], s.ByStatus["pretest"], s.ByStatus["excluded"])
	if s.Anchors > 0 || s.Fixed > 0 {
		fmt.Fprintf(w, "anchors:     %d flagged as anchors, %d with bank parameters\n", s.Anchors, s.Fixed)
	}
	if len(s.Domains) > 1 || (len(s.Domains) == 1 && s.Domains[0].Domain != "") {
		fmt.Fprintln(w, "domains:     operational + pretest (+ excluded)")
		for _, d := range s.Domains {
			name := d.Domain
			if name == "" {
				name = "(none)"
			}
			fmt.Fprintf(w, "  %-28s %3d + %d", name, d.Operational, d.Pretest)
			if d.Excluded > 0 {
				fmt.Fprintf(w, " (+ %d)", d.Excluded)
			}
			fmt.Fprintln(w)
		}
	}
	if s.PreScored {
		fmt.Fprintln(w, "responses:   scored 0/1")
	} else {
		var sets []string
		for k, n := range s.OptionSets {
			sets = append(sets, fmt.Sprintf("%s (%s)", k, plural(n, "item")))
		}
		sort.Strings(sets)
		fmt.Fprintf(w, "options:     %s\n", strings.Join(sets, ", "))
	}
	fmt.Fprintf(w, "omits:       %.2f %% of responses", 100*s.OmitRate)
	if s.NotReached > 0 {
		fmt.Fprintf(w, ", not reached %.2f %%", 100*s.NotReached)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "raw score:   mean %.2f of %d operational items\n", s.MeanScore, s.Operational)
	printCounts := func(label string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		fmt.Fprintf(w, "%-12s %s\n", label+":", strings.Join(parts, ", "))
	}
	printCounts("groups", s.Groups)
	printCounts("forms", s.Forms)
	if len(s.Extra) > 0 {
		fmt.Fprintf(w, "item metadata: %s\n", strings.Join(s.Extra, ", "))
	}
	if len(s.Warnings) == 0 {
		fmt.Fprintln(w, "warnings:    none")
	} else {
		fmt.Fprintf(w, "warnings:    %d (listed on stderr)\n", len(s.Warnings))
	}
	fmt.Fprintln(w, "ok: the data can be used")
}
