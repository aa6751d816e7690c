package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/itemlab/itemlab/pipeline"
	"github.com/spf13/cobra"
)

func newValidateCmd(env *Env) *cobra.Command {
	var df pipeline.DataOptions
	var asJSON bool
	var maxProblems int
	c := &cobra.Command{
		Use:   "validate --responses FILE [--items FILE]",
		Short: "Check response and item files and print what they hold",
		Long: `Validate reads the responses and items exactly as every other command does
and prints what they hold — candidates, items by status and domain, option
codes, omit rate, groups and forms — or every problem it found (the first 50,
grouped by kind, and the count of the rest; --max-problems to change it),
each naming the file, line and column. Exit code 0 when the data can be
used, 2 when not.`,
		Example: `  itemlab validate --responses responses.csv --items items.csv
  itemlab validate --responses lsat7.csv          # a plain 0/1 matrix
  itemlab validate --responses exam.xlsx --sheet Responses --items items.xlsx --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			df.MaxProblems, df.Ctx = maxProblems, c.Context()
			d, _, err := pipeline.ReadData(df)
			if pl := pipeline.Problems(err); pl != nil {
				return printProblems(env, pl)
			}
			if err != nil {
				return err
			}
			log := env.logger(false)
			for _, w := range d.Warnings {
				log.Warn(w)
			}
			s := pipeline.Describe(d)
			if asJSON {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(s)
			}
			printDescription(env, s)
			return nil
		},
	}
	addDataFlags(c.Flags(), &df, false)
	c.Flags().BoolVar(&asJSON, "json", false, "print the description as JSON")
	c.Flags().IntVar(&maxProblems, "max-problems", 50, "problems to list before counting the rest")
	return c
}

// printProblems writes validate's list of problems on stderr, by kind, each
// in the located form of every error, and returns the error that ends the
// command with exit code 2.
func printProblems(env *Env, pl *pipeline.ProblemList) error {
	w := env.Stderr
	total := pl.Listed + pl.More
	if total == 1 {
		return pl.Groups[0].Problems[0] // the one located line, as every command prints it
	}
	for _, g := range pl.Groups {
		fmt.Fprintf(w, "itemlab: error: %s (%s):\n", g.Kind, plural(len(g.Problems), "problem"))
		for _, p := range g.Problems {
			fmt.Fprintf(w, "itemlab: error:   %v\n", p)
		}
	}
	var why string
	switch {
	case pl.More > 0:
		why = fmt.Sprintf("%d problems, %d listed above and %d more of these or other kinds; fix these and validate again", total, pl.Listed, pl.More)
	default:
		why = fmt.Sprintf("%s, listed above", plural(total, "problem"))
	}
	if pl.ItemsOnly {
		why += "; the responses are checked once the items file is sound"
	}
	return pipeline.Inputf("%s", why)
}

func printDescription(env *Env, s *pipeline.Description) {
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

// plural returns "n thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, thing)
	}
	if strings.HasSuffix(thing, "y") && !strings.HasSuffix(thing, "ey") {
		return fmt.Sprintf("%d %sies", n, thing[:len(thing)-1])
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
