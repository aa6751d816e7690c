package simulate

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/itemlab/itemlab/analysis"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/itemlab/itemlab/irt"
)

// Options describe a simulated administration. The zero value of a field
// means its default, which is the exam of DESIGN.md.
type Options struct {
	Examinees   int               // candidates per form; default 1834
	Operational int               // scored items per form; default 100
	Pretest     int               // unscored pretest items per form; default 25; negative means none (and no planted flaws)
	Options     int               // options per item; default 4
	Domains     []analysis.Domain // default DefaultDomains()
	Forms       int               // 1 or 2; default 1
	Anchors     int               // operational items form 2 shares with form 1; default 30
	FormShift   float64           // mean ability of form 2's population (form 1's is 0); default 0.25
	PassRate    float64           // true pass rate that places the cut; default 0.69
	OmitRate    float64           // overall share of omitted responses; default 0.005
	FocalShare  float64           // share of the focal group; default 0.3
	NoFlaws     bool              // do not plant flawed pretest items
}

func (o *Options) defaults() error {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.Examinees, 1834)
	def(&o.Operational, 100)
	def(&o.Pretest, 25)
	if o.Pretest < 0 { // none asked for
		o.Pretest, o.NoFlaws = 0, true
	}
	def(&o.Options, 4)
	def(&o.Forms, 1)
	def(&o.Anchors, 30)
	if o.Domains == nil {
		o.Domains = analysis.DefaultDomains()
	}
	if o.FormShift == 0 {
		o.FormShift = 0.25
	}
	if o.PassRate == 0 {
		o.PassRate = 0.69
	}
	if o.OmitRate == 0 {
		o.OmitRate = 0.005
	}
	if o.FocalShare == 0 {
		o.FocalShare = 0.3
	}
	switch {
	case o.Examinees < 1 || o.Operational < 1:
		return errors.New("simulate: need at least one candidate and one operational item")
	case o.Options < 2 || o.Options > 26:
		return fmt.Errorf("simulate: %d options: want 2 to 26", o.Options)
	case o.Forms < 1 || o.Forms > 2:
		return fmt.Errorf("simulate: %d forms: want 1 or 2", o.Forms)
	case o.Forms == 2 && (o.Anchors < 1 || o.Anchors > o.Operational):
		return fmt.Errorf("simulate: %d anchors: want 1 to %d (the operational items)", o.Anchors, o.Operational)
	case o.PassRate <= 0 || o.PassRate >= 1:
		return fmt.Errorf("simulate: pass rate %g: want between 0 and 1", o.PassRate)
	case len(o.Domains) == 0:
		return errors.New("simulate: no domains")
	}
	return nil
}

// Flaws planted in pretest items, as recorded in TruthItem.Flaw.
const (
	FlawMiskey          = "miskey"
	FlawNegative        = "negative_discrimination"
	FlawTooEasy         = "too_easy"
	FlawTooHard         = "too_hard"
	FlawDeadDistractor  = "nonfunctioning_distractor"
	FlawDIF             = "dif"
	difShift            = 1.3 // b shift against the focal group of the DIF item
	deadDistractorShare = 0.01
	// attractShape is the shape of the gamma weights of distractor
	// attractiveness (see simItem).
	attractShape = 0.8
)

// TruthItem records how an item's responses were generated.
type TruthItem struct {
	ID       string
	Form     int
	Position int // 1-based column on the form
	Domain   string
	Status   analysis.Status
	Item     irt.Item // 3PL in slope–intercept form
	Key      int      // option index written to the items file
	TrueKey  int      // option index that the model treats as correct
	Flaw     string   // empty for a clean item
	DIFShift float64  // added to b for the focal group
	Anchor   bool     // shared with form 1 (form 2 only)
	// Attract and Slope define the choice among distractors:
	// P(k | wrong, θ) ∝ Attract[k]·exp(−Slope[k]·θ) (0 for the true key).
	Attract, Slope []float64
}

// TruthPerson records a candidate's generating ability.
type TruthPerson struct {
	ID    string
	Form  int
	Group string
	Theta float64
}

// Form is one simulated form: its data as read from files, and the truth.
type Form struct {
	Data    *analysis.Dataset
	Items   []TruthItem
	Persons []TruthPerson
}

// Simulation is a simulated administration of one or two forms.
type Simulation struct {
	Forms    []Form
	CutTheta float64 // the θ whose true pass rate in form 1's population is PassRate
	Options  Options
}

// Focal and reference group labels of simulated candidates.
const (
	GroupReference = "reference"
	GroupFocal     = "focal"
)

// Simulate draws a realistic administration from the three-parameter
// logistic model: four options whose distractors differ in attractiveness,
// items spread over the blueprint's domains by weight, a group column, about
// 0.5 % omits (more among weaker candidates), and — unless NoFlaws — six
// pretest items with planted flaws recorded in the truth: a miskeyed item, a
// negatively discriminating item, one far too easy, one far too hard, one
// with a non-functioning distractor and one with uniform DIF against the
// focal group. Abilities are N(0, 1) on form 1 and N(FormShift, 1) on form 2,
// which shares Anchors operational items with form 1. The result is a
// deterministic function of rng's state and opts.
func Simulate(rng *rand.Rand, opts Options) (*Simulation, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	sim := &Simulation{Options: opts}
	sim.CutTheta = distuv.UnitNormal.Quantile(1 - opts.PassRate)
	op := domainCounts(opts.Domains, opts.Operational)
	pt := domainCounts(opts.Domains, opts.Pretest)
	nextID := 1
	newID := func() string { id := fmt.Sprintf("ITM%04d", nextID); nextID++; return id }

	var form1Op []TruthItem
	for f := 1; f <= opts.Forms; f++ {
		var items []TruthItem
		if f == 1 {
			for d, n := range op {
				for k := 0; k < n; k++ {
					items = append(items, simItem(rng, opts, f, opts.Domains[d].Name, analysis.Operational, ""))
				}
			}
			form1Op = append([]TruthItem(nil), items...)
		} else {
			// Anchors: a domain-stratified share of form 1's operational items.
			perm := rng.Perm(len(form1Op))
			anchorsLeft := domainCounts(opts.Domains, opts.Anchors)
			used := map[int]bool{}
			for _, p := range perm {
				d := domainIndex(opts.Domains, form1Op[p].Domain)
				if anchorsLeft[d] > 0 {
					anchorsLeft[d]--
					used[p] = true
				}
			}
			for _, p := range perm { // fill up if a domain had too few
				if len(used) >= opts.Anchors {
					break
				}
				used[p] = true
			}
			count := make([]int, len(op))
			for p := range form1Op {
				if used[p] {
					it := form1Op[p]
					it.Form, it.Anchor = f, true
					items = append(items, it)
					count[domainIndex(opts.Domains, it.Domain)]++
				}
			}
			for d, n := range op {
				for k := count[d]; k < n; k++ {
					items = append(items, simItem(rng, opts, f, opts.Domains[d].Name, analysis.Operational, ""))
				}
			}
		}
		// Pretest items, the first six carrying the planted flaws.
		flaws := []string{FlawMiskey, FlawNegative, FlawTooEasy, FlawTooHard, FlawDeadDistractor, FlawDIF}
		if opts.NoFlaws {
			flaws = nil
		}
		var pre []TruthItem
		for d, n := range pt {
			for k := 0; k < n; k++ {
				pre = append(pre, simItem(rng, opts, f, opts.Domains[d].Name, analysis.Pretest, ""))
			}
		}
		for k, p := range rng.Perm(len(pre)) {
			if k >= len(flaws) {
				break
			}
			pre[p] = simItem(rng, opts, f, pre[p].Domain, analysis.Pretest, flaws[k])
		}
		items = append(items, pre...)
		// Random positions on the form; ids follow positions for new items.
		order := rng.Perm(len(items))
		placed := make([]TruthItem, len(items))
		for pos, k := range order {
			placed[pos] = items[k]
			placed[pos].Position = pos + 1
		}
		for k := range placed {
			if placed[k].ID == "" {
				placed[k].ID = newID()
			}
		}
		if f == 1 {
			// Form 2 draws its anchors from form 1's operational items with ids.
			form1Op = form1Op[:0]
			for _, it := range placed {
				if it.Status == analysis.Operational {
					form1Op = append(form1Op, it)
				}
			}
		}
		mean := 0.0
		if f == 2 {
			mean = opts.FormShift
		}
		persons := make([]TruthPerson, opts.Examinees)
		for i := range persons {
			g := GroupReference
			if rng.Float64() < opts.FocalShare {
				g = GroupFocal
			}
			prefix := "C"
			if f == 2 {
				prefix = "D"
			}
			persons[i] = TruthPerson{ID: fmt.Sprintf("%s%06d", prefix, i+1), Form: f, Group: g, Theta: mean + rng.NormFloat64()}
		}
		sim.Forms = append(sim.Forms, Form{Data: simResponses(rng, opts, f, placed, persons), Items: placed, Persons: persons})
	}
	return sim, nil
}

// domainCounts splits n items over domains by weight with the largest
// remainder method (ties to the earlier domain).
func domainCounts(ds []analysis.Domain, n int) []int {
	var total float64
	for _, d := range ds {
		total += d.Weight
	}
	counts := make([]int, len(ds))
	rem := make([]float64, len(ds))
	used := 0
	for k, d := range ds {
		x := float64(n) * d.Weight / total
		counts[k] = int(math.Floor(x))
		rem[k] = x - float64(counts[k])
		used += counts[k]
	}
	idx := make([]int, len(ds))
	for k := range idx {
		idx[k] = k
	}
	sort.SliceStable(idx, func(a, b int) bool { return rem[idx[a]] > rem[idx[b]] })
	for k := 0; used < n; k++ {
		counts[idx[k%len(idx)]]++
		used++
	}
	return counts
}

func domainIndex(ds []analysis.Domain, name string) int {
	for k, d := range ds {
		if d.Name == name {
			return k
		}
	}
	return 0
}

// simItem draws one item's parameters and distractor behaviour.
func simItem(rng *rand.Rand, o Options, form int, domain string, st analysis.Status, flaw string) TruthItem {
	k := o.Options
	a := math.Exp(math.Log(1.1) + 0.3*rng.NormFloat64())
	a = math.Min(math.Max(a, 0.55), 2.4)
	b := -0.4 + 0.9*rng.NormFloat64()
	if st == analysis.Pretest {
		b = -0.3 + 0.7*rng.NormFloat64()
		a = math.Max(a, 0.8)
	}
	b = math.Min(math.Max(b, -2.3), 2.3)
	// c ~ Beta(6, 20)·(4/k): mean 0.23, SD 0.08 for four options.
	c := betaDraw(rng, 6, 20) * 4 / float64(k)
	key := rng.IntN(k)
	t := TruthItem{Form: form, Domain: domain, Status: st, Key: key, TrueKey: key, Flaw: flaw,
		Attract: make([]float64, k), Slope: make([]float64, k)}
	// Distractor attractiveness: gamma weights with a shape below 1,
	// normalised to sum to 1 — a symmetric Dirichlet(attractShape) — so the
	// shares are skewed as on real forms, where most items have a distractor
	// that few candidates choose (Haladyna & Rodriguez, 2013, ch. 17; about
	// a third of distractors draw under 5 % in Tarrant, Ware & Mohammed,
	// 2009). The slope makes weaker candidates more likely to choose each
	// distractor.
	var sum float64
	for o := 0; o < k; o++ {
		if o == key {
			continue
		}
		t.Attract[o] = gammaDraw(rng, attractShape)
		sum += t.Attract[o]
		t.Slope[o] = 0.2 + 0.6*rng.Float64()
	}
	for o := range t.Attract {
		t.Attract[o] /= sum
	}
	switch flaw {
	case FlawMiskey:
		// The items file names the most attractive distractor as the key.
		best := -1
		for o := 0; o < k; o++ {
			if o != key && (best < 0 || t.Attract[o] > t.Attract[best]) {
				best = o
			}
		}
		t.Key = best
		a, b = math.Max(a, 1.2), 0
	case FlawNegative:
		a, b = -0.9, 0.3
	case FlawTooEasy:
		a, b = 1.0, -3.8
	case FlawTooHard:
		a, b, c = 1.2, 3.5, 0.02
	case FlawDeadDistractor:
		// The most attractive distractor is made implausible: it keeps a
		// deadDistractorShare of the distractors' weight, so that almost
		// nobody chooses it (about 0.3 % of candidates).
		best := -1
		for o := 0; o < k; o++ {
			if o != key && (best < 0 || t.Attract[o] > t.Attract[best]) {
				best = o
			}
		}
		t.Attract[best] = deadDistractorShare * (1 - t.Attract[best]) / (1 - deadDistractorShare)
		b = math.Min(b, 0.3)
	case FlawDIF:
		a, b = 1.3, 0
		t.DIFShift = difShift
	}
	t.Item = irt.Item{Model: irt.ThreePL, A: a, D: -a * b, C: c}
	return t
}

// betaDraw draws from Beta(α, β) as X/(X+Y) of two gamma variates
// (Marsaglia & Tsang 2000).
func betaDraw(rng *rand.Rand, alpha, beta float64) float64 {
	x := gammaDraw(rng, alpha)
	y := gammaDraw(rng, beta)
	return x / (x + y)
}

// gammaDraw draws from Gamma(shape, 1) by Marsaglia & Tsang (2000); for a
// shape below 1 it draws Gamma(shape+1)·U^(1/shape), their boost.
func gammaDraw(rng *rand.Rand, shape float64) float64 {
	if shape < 1 {
		u := rng.Float64()
		return gammaDraw(rng, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := rng.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := rng.Float64()
		if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
			return d * v
		}
	}
}

// simResponses draws every candidate's option choices.
func simResponses(rng *rand.Rand, o Options, form int, items []TruthItem, persons []TruthPerson) *analysis.Dataset {
	n, J := len(persons), len(items)
	d := &analysis.Dataset{N: n, J: J, Raw: make([]uint8, n*J)}
	letters := make([]string, o.Options)
	for k := range letters {
		letters[k] = string(rune('A' + k))
	}
	for j, t := range items {
		d.Items = append(d.Items, analysis.ItemInfo{ID: t.ID, Options: letters, KeyMask: 1 << uint(t.Key),
			Domain: t.Domain, Status: t.Status, Anchor: t.Anchor, Column: j + 2})
	}
	// Omit probability scales with the chance of a wrong answer, so that
	// weaker candidates omit more and the overall rate is near OmitRate.
	omitScale := o.OmitRate / 0.35
	w := make([]float64, o.Options)
	for i, p := range persons {
		d.Candidates = append(d.Candidates, analysis.Candidate{ID: p.ID, Group: p.Group, Line: i + 2})
		row := d.Raw[i*J : (i+1)*J]
		for j := range items {
			t := &items[j]
			it := t.Item
			if p.Group == GroupFocal && t.DIFShift != 0 {
				it.D -= it.A * t.DIFShift
			}
			pc := it.Prob(p.Theta)
			u := rng.Float64()
			if rng.Float64() < omitScale*(1-pc) {
				row[j] = analysis.Omit
				continue
			}
			if u < pc {
				row[j] = uint8(t.TrueKey)
				continue
			}
			var sum float64
			for k := range w {
				w[k] = t.Attract[k] * math.Exp(-t.Slope[k]*p.Theta)
				sum += w[k]
			}
			x := rng.Float64() * sum
			choice := -1
			for k := range w {
				if w[k] == 0 {
					continue
				}
				choice = k
				if x < w[k] {
					break
				}
				x -= w[k]
			}
			row[j] = uint8(choice)
		}
	}
	d.Sources = []string{fmt.Sprintf("simulated form %d", form)}
	d.Score()
	d.Warnings = d.CheckWarnings()
	return d
}
