package assemble

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Range is an inclusive count range [Min, Max]. A negative Max means no upper
// bound. The zero Range means exactly zero.
type Range struct{ Min, Max int }

// Exactly is the range [n, n].
func Exactly(n int) Range { return Range{n, n} }

// Between is the range [lo, hi].
func Between(lo, hi int) Range { return Range{lo, hi} }

// AtLeast is the range [n, ∞).
func AtLeast(n int) Range { return Range{n, -1} }

// AtMost is the range [0, n].
func AtMost(n int) Range { return Range{0, n} }

func (r Range) bounded() bool { return r.Max >= 0 }
func (r Range) exact() bool   { return r.Max == r.Min }

func (r Range) String() string {
	switch {
	case r.exact():
		return fmt.Sprint(r.Min)
	case !r.bounded():
		return fmt.Sprintf("at least %d", r.Min)
	case r.Min == 0:
		return fmt.Sprintf("at most %d", r.Max)
	}
	return fmt.Sprintf("%d to %d", r.Min, r.Max)
}

// DomainCount is the number of items of one content domain on each form.
type DomainCount struct {
	Domain string
	Count  Range
}

// AttributeCount bounds the number of items on each form whose metadata
// column Key holds Value (operational items, anchors included).
type AttributeCount struct {
	Key, Value string
	Count      Range
}

// Anchor asks for a block of Count items shared with the previous form Form:
// chosen from the items whose Item.Forms lists Form, and placed on every new
// form (they count towards its length, blueprint and metadata counts). Items
// of Form outside the block are left out of the new forms.
type Anchor struct {
	Form  string
	Count int

	// Domains gives the anchor block's count per domain. Nil means counts
	// proportional to the blueprint (Spec.Domains, using Min of each range)
	// by largest-remainder rounding; see Apportion.
	Domains []DomainCount

	// DifficultyBins splits the anchor candidates into this many bins at the
	// quantiles of b; the block takes at least BinMin items from each bin.
	// Zero means no difficulty constraint; BinMin zero means
	// ⌊Count/DifficultyBins⌋.
	DifficultyBins int
	BinMin         int
}

// Pretest asks for Count pretest slots on each form, filled from
// Pool.Pretest; a pretest item is placed on one form at most, and enemy sets
// apply to it too. Pretest items do not count towards length, blueprint or
// the objective.
type Pretest struct{ Count int }

// Target is a target test information function and/or test characteristic
// curve at the points Theta, e.g. the base form's (see TargetOf). TIF or TCC
// may be nil; when both are given, TCC deviations are multiplied by
// TCCWeight (zero means 1) before the largest deviation is taken.
type Target struct {
	Theta     []float64
	TIF       []float64
	TCC       []float64
	TCCWeight float64
}

// TargetOf returns the TIF and TCC of items at theta, the target for forms
// parallel to a base form.
func TargetOf(items []Item, theta []float64) Target {
	t := Target{Theta: append([]float64(nil), theta...), TIF: make([]float64, len(theta)), TCC: make([]float64, len(theta))}
	for k, th := range theta {
		for i := range items {
			t.TIF[k] += items[i].IRT.Info(th)
			t.TCC[k] += items[i].IRT.Prob(th)
		}
	}
	return t
}

// Spec is what the forms must satisfy. The zero value is not valid: Length
// and Domains are required.
type Spec struct {
	Length  int           // operational items per form
	Forms   int           // number of forms K; zero means 1
	Domains []DomainCount // blueprint; their order is the order of items in results

	Attributes []AttributeCount
	Anchor     *Anchor  // nil: no anchor block
	Pretest    *Pretest // nil: no pretest slots

	// CutTheta is the θ at which information is maximised (the maximin of
	// the forms' information) when Target is nil.
	CutTheta float64
	// Target, if non-nil, makes the objective the minimax deviation from it.
	Target *Target

	// ReportTheta are θ points at which results report each form's TIF and
	// TCC; nil means Target.Theta, or CutTheta alone.
	ReportTheta []float64
}

func (s *Spec) forms() int {
	if s.Forms <= 0 {
		return 1
	}
	return s.Forms
}

// ErrSpec is wrapped by errors about a malformed spec (as opposed to an
// infeasible one, see InfeasibleError).
var ErrSpec = errors.New("assemble: invalid spec")

func (s *Spec) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrSpec, fmt.Sprintf(format, a...))
	}
	if s.Length <= 0 {
		return bad("form length %d: want > 0", s.Length)
	}
	if s.Forms < 0 {
		return bad("%d forms: want ≥ 1", s.Forms)
	}
	if len(s.Domains) == 0 {
		return bad("no domains in the blueprint")
	}
	seen := map[string]bool{}
	for _, d := range s.Domains {
		if seen[d.Domain] {
			return bad("domain %q listed twice", d.Domain)
		}
		seen[d.Domain] = true
		if err := checkRange(d.Count); err != nil {
			return bad("domain %q: %v", d.Domain, err)
		}
	}
	for _, a := range s.Attributes {
		if err := checkRange(a.Count); err != nil {
			return bad("%s=%s: %v", a.Key, a.Value, err)
		}
	}
	if a := s.Anchor; a != nil {
		if a.Count <= 0 || a.Count > s.Length {
			return bad("anchor block of %d items on forms of %d", a.Count, s.Length)
		}
		if a.DifficultyBins < 0 || a.BinMin < 0 {
			return bad("anchor difficulty bins %d, minimum %d: want ≥ 0", a.DifficultyBins, a.BinMin)
		}
		if a.DifficultyBins > 0 && a.BinMin*a.DifficultyBins > a.Count {
			return bad("anchor needs %d items in each of %d difficulty bins, more than its %d items", a.BinMin, a.DifficultyBins, a.Count)
		}
		sum := 0
		for _, d := range a.Domains {
			if !seen[d.Domain] {
				return bad("anchor domain %q is not in the blueprint", d.Domain)
			}
			if !d.Count.exact() {
				return bad("anchor domain %q: want an exact count", d.Domain)
			}
			sum += d.Count.Min
		}
		if a.Domains != nil && sum != a.Count {
			return bad("anchor domain counts sum to %d, want %d", sum, a.Count)
		}
	}
	if p := s.Pretest; p != nil && p.Count < 0 {
		return bad("%d pretest slots", p.Count)
	}
	if t := s.Target; t != nil {
		if len(t.Theta) == 0 || (t.TIF == nil && t.TCC == nil) {
			return bad("target needs θ points and a TIF or a TCC")
		}
		if (t.TIF != nil && len(t.TIF) != len(t.Theta)) || (t.TCC != nil && len(t.TCC) != len(t.Theta)) {
			return bad("target has %d θ points, %d TIF and %d TCC values", len(t.Theta), len(t.TIF), len(t.TCC))
		}
		if t.TCCWeight < 0 {
			return bad("negative TCC weight")
		}
	}
	return nil
}

func checkRange(r Range) error {
	if r.Min < 0 || (r.bounded() && r.Max < r.Min) {
		return fmt.Errorf("count range [%d, %d]", r.Min, r.Max)
	}
	return nil
}

// Weight is a blueprint weight of a domain, in percent.
type Weight struct {
	Domain string
	Weight float64
}

// CountsFromWeights turns blueprint weights (in percent, summing to 100)
// into exact domain counts for a form of length n by largest-remainder
// (Hamilton) rounding of weight × n / 100: 32/28/15/15/10 of 100 gives
// 32, 28, 15, 15, 10. Weights that do not sum to 100 (within 1e-9) or are
// negative are an error wrapping ErrSpec. Ties in the remainder go to the
// domain listed first.
func CountsFromWeights(weights []Weight, n int) ([]DomainCount, error) {
	var sum float64
	w := make([]float64, len(weights))
	for i, x := range weights {
		if x.Weight < 0 || math.IsNaN(x.Weight) {
			return nil, fmt.Errorf("%w: domain %q has weight %v", ErrSpec, x.Domain, x.Weight)
		}
		sum += x.Weight
		w[i] = x.Weight
	}
	if math.Abs(sum-100) > 1e-9 {
		return nil, fmt.Errorf("%w: blueprint weights sum to %g, want 100", ErrSpec, sum)
	}
	c := Apportion(w, n)
	out := make([]DomainCount, len(weights))
	for i, x := range weights {
		out[i] = DomainCount{Domain: x.Domain, Count: Exactly(c[i])}
	}
	return out, nil
}

// Apportion splits n into integer parts proportional to the non-negative
// weights by the largest-remainder method: each part gets ⌊n·wᵢ/Σw⌋ and the
// leftover units go to the largest remainders (ties to the lower index).
// All-zero weights give all-zero parts.
func Apportion(weights []float64, n int) []int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	out := make([]int, len(weights))
	if sum <= 0 {
		return out
	}
	rem := make([]float64, len(weights))
	left := n
	for i, w := range weights {
		q := float64(n) * w / sum
		// Guard against 0.32*100 = 31.999999…
		f := math.Floor(q + 1e-9)
		out[i] = int(f)
		rem[i] = q - f
		left -= out[i]
	}
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return rem[idx[a]] > rem[idx[b]]+1e-12 })
	for k := 0; k < left && k < len(idx); k++ {
		out[idx[k]]++
	}
	return out
}
