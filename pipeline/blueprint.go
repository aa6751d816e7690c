package pipeline

import (
	"fmt"
	"strings"

	"github.com/itemlab/itemlab/internal/textdist"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/internal/spec"
)

// checkBlueprint refuses a dataset whose items the spec's blueprint cannot
// place: with domains in the spec, every operational and pretest item must
// have a domain the blueprint names (today's silent alternative is a
// raw_none subscore and a bank view where every domain looks short). A
// blueprint domain without operational items is a warning.
func checkBlueprint(out *Output, d *analysis.Dataset, s *spec.Spec) error {
	if len(s.Domains) == 0 {
		return nil
	}
	where := s.SpecFile()
	if l := s.Line("domains"); l > 0 {
		where = fmt.Sprintf("%s:%d", where, l)
	}
	items := s.Path(s.Items)
	if items == "" && len(d.Sources) > 0 {
		items = d.Sources[0]
	}
	known := map[string]bool{}
	var names []string
	for _, dm := range s.Domains {
		known[dm.Name] = true
		names = append(names, fmt.Sprintf("%q", dm.Name))
	}
	var blank, unknown []string
	ops := map[string]int{}
	for _, it := range d.Items {
		if it.Status == analysis.Excluded {
			continue
		}
		switch {
		case strings.TrimSpace(it.Domain) == "":
			blank = append(blank, it.ID)
		case !known[it.Domain]:
			u := fmt.Sprintf("%s (%q", it.ID, it.Domain)
			if near := nearestDomain(it.Domain, s.Domains); near != "" {
				u += fmt.Sprintf(": did you mean %q?", near)
			}
			unknown = append(unknown, u+")")
		case it.Status == analysis.Operational:
			ops[it.Domain]++
		}
	}
	if len(blank) == len(d.Items) {
		return Inputf("%s: no item has a domain, but the spec's blueprint (%s) names %d domains; add a domain column to the items file, or remove the domains from the spec", items, where, len(s.Domains))
	}
	if len(blank) > 0 {
		return Inputf("%s: %s without a domain (%s), but the spec's blueprint (%s) needs one for every item; give each a domain of %s", items, countItems(len(blank)), listFew(blank), where, strings.Join(names, ", "))
	}
	if len(unknown) > 0 {
		return Inputf("%s: %s in domains the spec's blueprint (%s) does not name: %s; the blueprint names %s", items, countItems(len(unknown)), where, listFew(unknown), strings.Join(names, ", "))
	}
	for _, dm := range s.Domains {
		if ops[dm.Name] == 0 {
			out.Warn(analysis.NewWarning("empty_domain", "", fmt.Sprintf("the blueprint's domain %q (%s) has no operational item on this form", dm.Name, where), nil))
		}
	}
	return nil
}

func countItems(n int) string {
	if n == 1 {
		return "1 item"
	}
	return fmt.Sprintf("%d items", n)
}

// listFew lists up to five entries and counts the rest.
func listFew(xs []string) string {
	if len(xs) <= 5 {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:5], ", ") + fmt.Sprintf(" and %d more", len(xs)-5)
}

// nearestDomain is the blueprint domain that differs from name only in case
// and spacing, or by at most two letters; "" when none is that close.
func nearestDomain(name string, ds []spec.Domain) string {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	best, bestD := "", 3
	for _, d := range ds {
		if norm(d.Name) == norm(name) {
			return d.Name
		}
		if e := textdist.Distance(norm(d.Name), norm(name)); e < bestD {
			best, bestD = d.Name, e
		}
	}
	return best
}
