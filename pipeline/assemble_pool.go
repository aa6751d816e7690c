package pipeline

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/itemlab/itemlab/assemble"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/internal/spec"
	"github.com/itemlab/itemlab/irt"
)

// Reasons an item of the bank is not eligible for a new form, as the
// infeasibility messages and assembly.json count them.
const (
	ineligibleRetired   = "retired"
	ineligibleExcluded  = "excluded"
	ineligibleDrifted   = "drifted"
	ineligibleExposed   = "over-exposed"
	ineligibleNoParams  = "without parameters"
	ineligibleNotInForm = "not in the blueprint"
)

// bankEntry is one bank item as assembly uses it: the item with its fields
// and bank parameters (covariances included).
type bankEntry struct {
	item   bank.Item
	params *bank.BankParams
	irt    irt.Item
}

// bankPool is what the bank offers an assembly: the pool, every item read
// and the forms the bank knows with their items.
type bankPool struct {
	pool      assemble.Pool
	entries   map[string]*bankEntry
	forms     []string            // administered forms (oldest first), then planned forms not yet administered
	formItems map[string][]string // form name → its items (operational and anchor for administrations)
	admins    []bank.Administration
}

// bankIRT turns bank parameters into an irt.Item (logistic metric); ok is
// false when they are unusable.
func bankIRT(p *bank.BankParams) (irt.Item, bool) {
	if p == nil {
		return irt.Item{}, false
	}
	m, err := irt.ParseModel(p.Model)
	if err != nil {
		return irt.Item{}, false
	}
	it := irt.Item{Model: m, A: p.A, D: p.D, C: p.C}
	if m == irt.Rasch || math.IsNaN(it.A) {
		it.A = 1
	}
	if math.IsNaN(it.C) || m != irt.ThreePL {
		it.C = 0
	}
	if math.IsNaN(it.D) {
		it.D = -it.A * p.B
	}
	if math.IsNaN(it.D) || math.IsInf(it.D, 0) || !(it.A > 0) {
		return irt.Item{}, false
	}
	return it, true
}

// readBankForms reads the bank's administrations and planned forms: which
// items each form held, in the order the forms came.
func readBankForms(ctx context.Context, b *bank.Bank, bp *bankPool) error {
	admins, err := b.Administrations(ctx, false)
	if err != nil {
		return err
	}
	bp.formItems = map[string][]string{}
	for _, a := range admins {
		full, err := b.Administration(ctx, a.RunID)
		if err != nil {
			return err
		}
		var ids []string
		for _, it := range full.Items {
			if it.Role != bank.RolePretest {
				ids = append(ids, it.ItemID)
			}
		}
		if _, ok := bp.formItems[a.Form]; !ok {
			bp.forms = append(bp.forms, a.Form)
		}
		bp.formItems[a.Form] = ids // the latest administration of a form name wins
		bp.admins = append(bp.admins, *full)
	}
	planned, err := b.Forms(ctx)
	if err != nil {
		return err
	}
	sort.SliceStable(planned, func(i, j int) bool { return planned[i].Created.Before(planned[j].Created) })
	for _, f := range planned {
		if _, ok := bp.formItems[f.Name]; ok {
			continue
		}
		bp.forms = append(bp.forms, f.Name)
		bp.formItems[f.Name] = f.Items
	}
	return nil
}

// buildPool reads the bank's eligible items for the assembly a: operational,
// not retired, with bank parameters, not flagged by the drift screen, under
// the exposure limits (an item of the anchor form is exempt from the
// recent-forms rule: the model keeps it off the new forms unless it is an
// anchor). Items left out are counted per domain and reason.
func buildPool(ctx context.Context, b *bank.Bank, a *spec.Assembly) (*bankPool, error) {
	bp := &bankPool{entries: map[string]*bankEntry{}}
	if err := readBankForms(ctx, b, bp); err != nil {
		return nil, err
	}
	all, err := b.List(ctx, bank.ListFilter{})
	if err != nil {
		return nil, err
	}
	drift, err := b.Drift(ctx, bank.DriftOptions{})
	if err != nil {
		return nil, err
	}
	drifted := map[string]bool{}
	for _, p := range drift.Flagged() {
		drifted[p.ItemID] = true
	}
	onForms := map[string][]string{}
	for _, f := range bp.forms {
		for _, id := range bp.formItems[f] {
			onForms[id] = append(onForms[id], f)
		}
	}
	recent := map[string]bool{}
	if n := a.Exposure.MaxRecentForms; n > 0 {
		for _, f := range bp.forms[max(0, len(bp.forms)-n):] {
			for _, id := range bp.formItems[f] {
				recent[id] = true
			}
		}
	}
	anchorForm := map[string]bool{}
	if a.Anchors != nil {
		fi, ok := bp.formItems[a.Anchors.FromForm]
		if !ok {
			return nil, Inputf("assembly.anchors.from_form %q: no administration or planned form of that name in the bank (forms: %s)",
				a.Anchors.FromForm, strings.Join(bp.forms, ", "))
		}
		for _, id := range fi {
			anchorForm[id] = true
		}
	}
	inBlueprint := map[string]bool{}
	for _, d := range a.Blueprint {
		inBlueprint[d.Name] = true
	}
	bp.pool.Ineligible = map[string]map[string]int{}
	skip := func(s *bank.ItemSummary, why string) {
		m := bp.pool.Ineligible[s.Domain]
		if m == nil {
			m = map[string]int{}
			bp.pool.Ineligible[s.Domain] = m
		}
		m[why]++
	}
	for k := range all {
		s := &all[k]
		if !inBlueprint[s.Domain] && s.Status != bank.Retired && s.Status != bank.Excluded {
			continue // the blueprint does not ask for it; not worth a count
		}
		switch s.Status {
		case bank.Retired:
			skip(s, ineligibleRetired)
			continue
		case bank.Excluded:
			skip(s, ineligibleExcluded)
			continue
		case bank.Pretest:
			if a.PretestSlots == 0 {
				continue
			}
		}
		it, ok := bankIRT(s.Params)
		if s.Status == bank.Operational {
			switch {
			case !ok:
				skip(s, ineligibleNoParams)
				continue
			case drifted[s.ID]:
				skip(s, ineligibleDrifted)
				continue
			case a.Exposure.MaxAdministrations > 0 && s.Exposure.Runs >= a.Exposure.MaxAdministrations,
				recent[s.ID] && !anchorForm[s.ID]:
				skip(s, ineligibleExposed)
				continue
			}
		} else if !ok {
			it = irt.Item{Model: irt.TwoPL, A: 1} // pretest items take no part in the objective
		}
		rec, err := b.Show(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		e := &bankEntry{item: rec.Item, params: rec.Params, irt: it}
		bp.entries[s.ID] = e
		ai := assemble.Item{ID: s.ID, Domain: s.Domain, IRT: it, Meta: map[string]string{}, Forms: onForms[s.ID]}
		for _, f := range rec.Fields {
			ai.Meta[f.Name] = f.Value
		}
		if a.Enemies != "" {
			for _, set := range strings.Split(ai.Meta[a.Enemies], "|") {
				if set = strings.TrimSpace(set); set != "" {
					ai.Enemies = append(ai.Enemies, set)
				}
			}
		}
		if s.Status == bank.Pretest {
			bp.pool.Pretest = append(bp.pool.Pretest, ai)
		} else {
			bp.pool.Items = append(bp.pool.Items, ai)
		}
	}
	return bp, nil
}

// assemblySpec turns the spec's assembly section into assemble's spec.
func assemblySpec(a *spec.Assembly, cutTheta float64) *assemble.Spec {
	s := &assemble.Spec{Length: a.Length, Forms: a.Forms, CutTheta: cutTheta}
	for _, d := range a.Blueprint {
		s.Domains = append(s.Domains, assemble.DomainCount{Domain: d.Name, Count: assemble.Between(d.Min, d.Max)})
	}
	for _, c := range a.Constraints {
		r := assemble.AtLeast(0)
		if c.Min != nil {
			r.Min = *c.Min
		}
		if c.Max != nil {
			r.Max = *c.Max
		}
		s.Attributes = append(s.Attributes, assemble.AttributeCount{Key: c.Column, Value: c.Value, Count: r})
	}
	if a.Anchors != nil {
		s.Anchor = &assemble.Anchor{Form: a.Anchors.FromForm, Count: a.Anchors.Count}
	}
	if a.PretestSlots > 0 {
		s.Pretest = &assemble.Pretest{Count: a.PretestSlots}
	}
	return s
}

// ineligibleSummary is the pool's left-out items per reason over all
// domains, for the record.
func ineligibleSummary(p *assemble.Pool) map[string]int {
	out := map[string]int{}
	for _, m := range p.Ineligible {
		for k, n := range m {
			out[k] += n
		}
	}
	return out
}

// locateProblem returns the spec key of the assembly section that an
// assemble constraint (family) name comes from.
func locateProblem(s *spec.Spec, constraint string) string {
	a := s.Assembly
	switch {
	case strings.HasPrefix(constraint, "anc"):
		return "assembly.anchors"
	case strings.HasPrefix(constraint, "enemy"):
		return "assembly.enemies"
	case strings.HasPrefix(constraint, "pre"):
		return "assembly.pretest_slots"
	case strings.HasPrefix(constraint, "attr_"):
		for k, c := range a.Constraints {
			if strings.HasPrefix(constraint, "attr_"+assemble.LPName(c.Column+"_"+c.Value)) {
				return fmt.Sprintf("assembly.constraints[%d]", k)
			}
		}
		return "assembly.constraints"
	case strings.HasPrefix(constraint, "dom"):
		name := strings.TrimPrefix(constraint, "dom_")
		for k, d := range a.Domains {
			if assemble.LPName(d.Name) == name {
				return fmt.Sprintf("assembly.domains[%d]", k)
			}
		}
		for k, d := range s.Domains {
			if assemble.LPName(d.Name) == name {
				return fmt.Sprintf("domains[%d]", k)
			}
		}
		return "assembly.domains"
	case constraint == "len":
		return "assembly.length"
	}
	return "assembly"
}

// InfeasibleSpecError is an assembly spec no form can meet, each problem
// located on its line of the spec file. errors.Is(err,
// assemble.ErrInfeasible) holds; errors.As finds the
// *assemble.InfeasibleError with the unlocated problems.
type InfeasibleSpecError struct {
	Lines []string // "exam.yaml:31: assembly.domains[4]: Reporting needs 10 items; 7 are eligible: …"
	Err   *assemble.InfeasibleError
}

func (e *InfeasibleSpecError) Error() string {
	head := "no form meets the assembly spec"
	if e.Err.ProvedBy != "" {
		head += " (proved infeasible by " + e.Err.ProvedBy + ")"
	}
	return head + "\n" + strings.Join(e.Lines, "\n")
}

func (e *InfeasibleSpecError) Unwrap() error { return e.Err }

// infeasibleError locates every problem of an infeasible assembly in the
// spec file; it is an input error (exit code 2).
func infeasibleError(s *spec.Spec, e *assemble.InfeasibleError) error {
	ie := &InfeasibleSpecError{Err: e}
	for _, p := range e.Problems {
		key := locateProblem(s, p.Constraint)
		line := s.Line(key)
		for k := key; line == 0 && strings.Contains(k, "."); {
			k = k[:strings.LastIndex(k, ".")]
			line = s.Line(k)
		}
		where := s.SpecFile()
		if line > 0 {
			where = fmt.Sprintf("%s:%d", where, line)
		}
		ie.Lines = append(ie.Lines, fmt.Sprintf("%s: %s: %s", where, key, p.Message))
	}
	return &InputError{Err: ie}
}
