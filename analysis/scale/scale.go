package scale

import (
	"errors"
	"fmt"
	"math"

	"github.com/itemlab/itemlab/irt"
)

// Scale is the reporting scale, a linear map of θ fixed once on the base
// form and reused for every later form, so that a scale score means the same
// ability on every form:
//
//	score = round(Slope·(θ − ThetaCut) + Cut), clipped to [Min, Max],
//
// with the cut rule on top (see Score and NewConversion): a θ at or above
// ThetaCut scores at least Cut and a θ below it at most Cut − 1, whatever the
// rounding gives, so that nobody below the standard passes. A candidate
// passes when the scale score is at least Cut.
//
// Reference: Kolen, M. J. & Brennan, R. L. (2014). Test Equating, Scaling,
// and Linking (3rd ed.), ch. 9 (score scales; the passing score as a fixed
// point of the scale). Springer.
type Scale struct {
	Slope    float64 `json:"slope"`
	ThetaCut float64 `json:"theta_cut"`
	Cut      float64 `json:"cut"`
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	// How the scale was defined, for the record.
	DefinedBy  string   `json:"defined_by"`        // "cut-theta" or "cut-raw"
	CutRawBase *float64 `json:"cut_raw,omitempty"` // the base form's raw cut it was defined from
	SlopeFrom  string   `json:"slope_from"`        // "given" or "top-of-base-form"
	BaseItems  int      `json:"base_items"`
}

// CutTolerance is the tolerance, in logits, of the comparison θ ≥ θ_cut
// that decides the raw cut: a raw score whose θ is at least
// ThetaCut − CutTolerance is at or above the standard. It absorbs the
// rounding of the test characteristic curve inversion (accurate to 1e-10
// in the expected score, far less in θ), so that a scale defined by a raw
// cut R has raw cut R on its base form, and is immaterial on the scale
// (1e-9 logits is well under 1e-6 scale points).
const CutTolerance = 1e-9

// Score returns the scale score of θ under the cut rule:
// round(Slope·(θ − ThetaCut) + Cut) clipped to [Min, Max], raised to Cut when
// θ ≥ ThetaCut and lowered to Cut − 1 when θ < ThetaCut. (Conversion tables
// decide the side of the cut by the raw cut instead, see NewConversion.)
func (s *Scale) Score(theta float64) float64 {
	return s.cutRule(s.linear(theta), theta >= s.ThetaCut)
}

// linear is the rounded, clipped linear map without the cut rule.
func (s *Scale) linear(theta float64) float64 {
	v := math.Round(s.Slope*(theta-s.ThetaCut) + s.Cut)
	return math.Min(math.Max(v, s.Min), s.Max)
}

// cutRule puts a score on its side of the cut: at least Cut when above,
// at most Cut − 1 when not.
func (s *Scale) cutRule(v float64, above bool) float64 {
	if above {
		return math.Max(v, s.Cut)
	}
	return math.Min(v, s.Cut-1)
}

// thetaOf is the θ the unrounded linear map takes to score v.
func (s *Scale) thetaOf(v float64) float64 { return s.ThetaCut + (v-s.Cut)/s.Slope }

// Validate checks that the scale can be used: a finite positive slope and
// θ cut, and an integer cut with Min < Cut ≤ Max, so that Cut − 1 is a
// failing score on the scale.
func (s *Scale) Validate() error {
	switch {
	case !(s.Max > s.Min):
		return fmt.Errorf("scale: max %g is not above min %g", s.Max, s.Min)
	case s.Cut < s.Min || s.Cut > s.Max:
		return fmt.Errorf("scale: cut %g is outside the score range [%g, %g]", s.Cut, s.Min, s.Max)
	case s.Cut != math.Trunc(s.Cut):
		return fmt.Errorf("scale: cut %g: want a whole scale score", s.Cut)
	case !(s.Cut-1 >= s.Min):
		return fmt.Errorf("scale: cut %g is the minimum score: want the cut above min %g, so that a failing score exists", s.Cut, s.Min)
	case !(s.Slope > 0) || math.IsInf(s.Slope, 0):
		return fmt.Errorf("scale: slope %g: want a positive finite number", s.Slope)
	case math.IsNaN(s.ThetaCut) || math.IsInf(s.ThetaCut, 0):
		return fmt.Errorf("scale: θ cut %g is not finite", s.ThetaCut)
	}
	return nil
}

// Options define a scale on the base form. Exactly one of CutTheta and
// CutRaw must be set.
type Options struct {
	CutTheta *float64 // the cut as θ
	CutRaw   *float64 // the cut as a raw (true) score on the base form, e.g. from an Angoff study
	Slope    float64  // scale points per logit; zero derives it (see Define)
	Cut      float64  // passing scale score; zero means 390
	Min, Max float64  // score range; zero means 200 and 500
}

// ErrRawCut is wrapped by the error of a raw cut that no θ has as its
// expected score on the base form (see RawCutError).
var ErrRawCut = errors.New("scale: raw cut outside the form's true-score range")

// RawCutError is a raw cut outside (Σc, J), the expected scores the test
// characteristic curve reaches: at or below the chance score Σc (the sum of
// the items' lower asymptotes) or at or above the perfect score J.
type RawCutError struct {
	Raw    float64 // the raw cut asked for
	Chance float64 // Σc of the base form
	Items  int     // J
}

func (e *RawCutError) Error() string {
	var why string
	switch {
	case e.Raw >= float64(e.Items):
		if e.Raw > float64(e.Items) {
			why = fmt.Sprintf("raw cut %g is above the maximum score %d of this %d-item form", e.Raw, e.Items, e.Items)
		} else {
			why = fmt.Sprintf("raw cut %g is the maximum score of this %d-item form", e.Raw, e.Items)
		}
	case e.Chance > 0:
		why = fmt.Sprintf("raw cut %g is below the chance score %.1f of this %d-item form (the sum of the items' guessing parameters)", e.Raw, e.Chance, e.Items)
	default:
		why = fmt.Sprintf("raw cut %g is not above the lowest score 0 of this %d-item form", e.Raw, e.Items)
	}
	return fmt.Sprintf("scale: %s: no θ gives that expected score; choose a raw cut between %.1f and %d, or give the cut as θ (--cut-theta)", why, e.Chance, e.Items)
}

// Unwrap returns ErrRawCut.
func (e *RawCutError) Unwrap() error { return ErrRawCut }

// Define fixes the scale on the base form's items. With CutRaw the cut
// θ is the θ whose expected raw score (test characteristic curve) equals the
// raw cut, τ(θ_cut) = R, so that the base form's raw cut (NewConversion) is
// R itself, or ⌈R⌉ for a fractional R; a raw cut with no such θ (at or below
// Σc, at or above J) is a *RawCutError. Without a given slope, the slope is
// derived so that the top of the base form reaches the maximum: a perfect
// score is given the θ at which the expected score is J − ½ (see
// NewConversion), and that θ maps to Max.
func Define(items []irt.Item, o Options) (*Scale, error) {
	s := &Scale{Cut: o.Cut, Min: o.Min, Max: o.Max, Slope: o.Slope, BaseItems: len(items)}
	if s.Cut == 0 {
		s.Cut = 390
	}
	if s.Min == 0 && s.Max == 0 {
		s.Min, s.Max = 200, 500
	}
	if len(items) == 0 {
		return nil, errors.New("scale: the base form has no items")
	}
	switch {
	case (o.CutTheta == nil) == (o.CutRaw == nil):
		return nil, errors.New("scale: give the cut either as θ or as a raw score on the base form")
	case o.CutTheta != nil:
		s.ThetaCut = *o.CutTheta
		s.DefinedBy = "cut-theta"
	default:
		r := *o.CutRaw
		var sumC float64
		for _, it := range items {
			sumC += it.C
		}
		if !(r > sumC && r < float64(len(items))) {
			// Check the items first: a form whose TCC is not increasing
			// says so rather than blaming the cut.
			if _, err := irt.TCCInverse(items, float64(len(items))/2); errors.Is(err, irt.ErrTCCNotIncreasing) {
				return nil, fmt.Errorf("scale: raw cut %g: %w", r, err)
			}
			return nil, &RawCutError{Raw: r, Chance: sumC, Items: len(items)}
		}
		t, err := irt.TCCInverse(items, r)
		if err != nil {
			return nil, fmt.Errorf("scale: raw cut %g: %w", r, err)
		}
		s.ThetaCut = t
		s.DefinedBy = "cut-raw"
		s.CutRawBase = &r
	}
	s.SlopeFrom = "given"
	if s.Slope == 0 {
		top, err := topTheta(items)
		if err != nil {
			return nil, fmt.Errorf("scale: %w", err)
		}
		if !(top > s.ThetaCut) {
			return nil, fmt.Errorf("scale: the cut θ %.3f is not below the θ of a perfect score %.3f on the base form", s.ThetaCut, top)
		}
		s.Slope = (s.Max - s.Cut) / (top - s.ThetaCut)
		s.SlopeFrom = "top-of-base-form"
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// topTheta is the θ given to a perfect score: where τ(θ) = J − ½.
func topTheta(items []irt.Item) (float64, error) {
	return irt.TCCInverse(items, float64(len(items))-0.5)
}

// Method says how a raw score gets its θ.
type Method int

// Conversion methods.
const (
	ByTCC Method = iota // test characteristic curve inversion
	ByEAP               // summed-score EAP (Thissen et al., 1995)
)

// ParseMethod reads "tcc" or "eap".
func ParseMethod(s string) (Method, error) {
	switch s {
	case "tcc", "":
		return ByTCC, nil
	case "eap":
		return ByEAP, nil
	}
	return 0, fmt.Errorf("unknown conversion method %q: want tcc or eap", s)
}

func (m Method) String() string {
	if m == ByEAP {
		return "eap"
	}
	return "tcc"
}

// Basis says where a conversion row's θ and standard error come from.
type Basis string

// Bases of a conversion row, as written in conversion.csv's theta_from.
const (
	BasisTCC         Basis = "tcc"          // τ(θ) = x; SE 1/√I(θ)
	BasisTCCTop      Basis = "tcc_top"      // a perfect score: τ(θ) = J − ½; SE 1/√I(θ)
	BasisBelowChance Basis = "below_chance" // interpolated below the chance score; CSEM by the below-chance rule
	BasisEAP         Basis = "eap"          // summed-score EAP; SE the posterior SD
)

// ConversionRow is one raw score of a form's conversion table.
type ConversionRow struct {
	Raw        int
	Theta      float64 // θ of the raw score
	ThetaSE    float64 // its standard error (1/√I(θ) for TCC, posterior SD for EAP, CSEM/Slope below chance)
	CSEM       float64 // conditional SEM in scale-score points, Slope·ThetaSE
	CSEMRaw    float64 // conditional SEM of the raw score, √Σ P(1 − P) at θ
	ScaleScore float64
	Pass       bool
	From       Basis   // how Theta and ThetaSE were obtained
	Count      int     // candidates of this administration with this raw score
	CumShare   float64 // share of candidates at or below this raw score
}

// Conversion is a form's raw-to-scale conversion table.
type Conversion struct {
	Method Method
	Rows   []ConversionRow // raw scores 0..J
	// RawCut is the smallest raw score whose θ is at least the scale's
	// ThetaCut (within CutTolerance); J+1 if none. Its scale score is the
	// cut, scores below it are at most cut − 1 and fail.
	RawCut int
	// ChanceScore is Σc, the sum of the items' lower asymptotes: the
	// expected score as θ → −∞.
	ChanceScore float64
	// BelowChance is the number of raw scores, 0..BelowChance−1, whose θ
	// comes from the below-chance interpolation (ByTCC); 0 for ByEAP.
	BelowChance int
}

// NewConversion builds the conversion table of a form with the given items
// (on the scale's θ metric) for every raw score 0..J.
//
// By test-characteristic-curve inversion (ByTCC), raw score x gets the θ with
// τ(θ) = x for Σc < x < J and the standard error 1/√I(θ) from the test
// information; a perfect score gets the θ where τ(θ) = J − ½ (Kolen &
// Brennan, 2014, ch. 6). Below the chance score the TCC has no θ, or θs that
// fall away without bound, and the rule is Kolen & Brennan's linear
// interpolation (2014, ch. 6, after Kolen, 1981) from the lowest score to an
// anchor score x_a above Σc:
//
//   - x_a is the smallest raw score above Σc (and above 0) at which the
//     TCC conversion's step to the next score, θ(x_a+1) − θ(x_a), is no
//     larger than the step of the straight line from raw 0 at the θ of the
//     scale minimum to x_a, (θ(x_a) − θ_min)/x_a;
//   - raw 0 is put at the scale minimum, θ_min = ThetaCut + (Min − Cut)/Slope
//     (Kolen & Brennan's lowest obtainable scale score), and raw scores
//     0 < x < x_a are interpolated linearly in θ, so in unrounded scale
//     score, between raw 0 and x_a.
//
// So the scale score rises from the minimum in even steps that lie between
// the TCC's steps on either side of x_a, with no jump. In three cases the
// line instead continues the TCC's step at the lowest TCC row it joins,
// down to raw 0 (clipped at the minimum): when x_a is the first score above
// Σc and that step is flatter than the line from the minimum (as on most
// forms without guessing), when no x_a is found before the TCC's steps stop
// shrinking (past its steep lower end), and when the TCC's raw cut comes
// before x_a (the line then continues the step into the raw cut, so every
// score below the raw cut keeps a θ below θ_cut). The θ of these rows is a
// convention, not an estimate, and 1/√I(θ) would mean nothing there:
// their CSEM is Lord's raw-score CSEM at θ (near √Σc(1 − c), the spread of
// guessing) times the line's step in scale points per raw point, the
// delta-method approximation of Feldt & Qualls (1998), and ThetaSE is that
// CSEM over Slope. The rows carry From = BasisBelowChance. A form without
// guessing (Σc = 0) is treated alike: raw 0 gets the step of raw 1 to 2, or
// the line from the minimum.
//
// By summed-score EAP (ByEAP) raw score x gets the posterior mean and SD of θ
// given X = x under the latent distribution quad, from the Lord–Wingersky
// recursion (Thissen, Pommerich, Billeaud & Williams, 1995).
//
// The cut rule (Kolen & Brennan, 2014, ch. 9): the raw cut is the smallest
// raw score whose θ is ≥ ThetaCut − CutTolerance; pass ⇔ raw ≥ raw cut. The
// raw cut reads exactly Cut, every raw score below it at most Cut − 1 and
// every score above it at least Cut, whatever round(Slope·(θ − ThetaCut) +
// Cut) gives, so nobody below the standard passes and everybody at it does.
// Scale scores are non-decreasing in the raw score.
//
// scores, if non-nil, are this administration's raw scores, for the Count and
// CumShare columns.
//
// References: Kolen, M. J. & Brennan, R. L. (2014). Test Equating, Scaling,
// and Linking (3rd ed.), ch. 6 and 9. Springer. Kolen, M. J. (1981).
// Comparison of traditional and item response theory methods for equating
// tests. Journal of Educational Measurement, 18, 1–11. Feldt, L. S. &
// Qualls, A. L. (1998). Approximating scale score standard error of
// measurement from the raw score standard error. Applied Measurement in
// Education, 11, 159–177.
func NewConversion(items []irt.Item, s *Scale, m Method, quad irt.Quadrature, scores []int) (*Conversion, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	J := len(items)
	if J == 0 {
		return nil, errors.New("conversion: the form has no items")
	}
	c := &Conversion{Method: m, Rows: make([]ConversionRow, J+1), RawCut: J + 1}
	for _, it := range items {
		c.ChanceScore += it.C
	}
	switch m {
	case ByTCC:
		n, err := tccThetas(items, s, c.Rows)
		if err != nil {
			return nil, err
		}
		c.BelowChance = n
	case ByEAP:
		sumScoreEAP(items, quad, c.Rows)
	}
	for _, x := range scores {
		if x >= 0 && x <= J {
			c.Rows[x].Count++
		}
	}
	for x := range c.Rows {
		if c.Rows[x].Theta >= s.ThetaCut-CutTolerance {
			c.RawCut = x
			break
		}
	}
	cum := 0
	for x := range c.Rows {
		r := &c.Rows[x]
		r.Raw = x
		r.CSEMRaw = irt.RawCSEM(items, r.Theta)
		switch r.From {
		case BasisTCC, BasisTCCTop:
			r.ThetaSE = 1 / math.Sqrt(irt.TestInfo(items, r.Theta))
			r.CSEM = s.Slope * r.ThetaSE
		case BasisBelowChance:
			// r.ThetaSE holds the line's step in θ per raw point.
			r.CSEM = s.Slope * r.ThetaSE * r.CSEMRaw
			r.ThetaSE = r.CSEM / s.Slope
		default:
			r.CSEM = s.Slope * r.ThetaSE
		}
		r.ScaleScore = s.cutRule(s.linear(r.Theta), x >= c.RawCut)
		if x == c.RawCut {
			r.ScaleScore = s.Cut
		}
		r.Pass = x >= c.RawCut
		cum += r.Count
		if len(scores) > 0 {
			r.CumShare = float64(cum) / float64(len(scores))
		}
	}
	return c, nil
}

// tccThetas fills Theta and From by TCC inversion and the below-chance
// rule of NewConversion, and returns x_a, the number of interpolated rows.
// Below chance it leaves the line's step (in θ per raw point) in ThetaSE.
func tccThetas(items []irt.Item, s *Scale, rows []ConversionRow) (int, error) {
	J := len(items)
	var sumC float64
	for _, it := range items {
		sumC += it.C
	}
	first := max(int(math.Floor(sumC))+1, 1) // first score above Σc
	if first >= J {
		return 0, fmt.Errorf("conversion: the lower asymptotes sum to %.2f, leaving no raw score below the maximum %d with a θ", sumC, J)
	}
	for x := first; x < J; x++ {
		t, err := irt.TCCInverse(items, float64(x))
		if err != nil {
			return 0, fmt.Errorf("conversion: raw score %d: %w", x, err)
		}
		rows[x].Theta, rows[x].From = t, BasisTCC
	}
	top, err := topTheta(items)
	if err != nil {
		return 0, fmt.Errorf("conversion: perfect score: %w", err)
	}
	rows[J].Theta, rows[J].From = top, BasisTCCTop

	// The anchor x_a: the first score above Σc where the TCC steps no
	// faster than the line from the scale minimum, searched while the TCC's
	// steps shrink and no later than the raw cut by TCC.
	lo := s.thetaOf(s.Min)
	stepAt := func(x int) float64 { return rows[x+1].Theta - rows[x].Theta }
	xa, found := first, false
	for x := first; x < J; x++ {
		if rows[x].Theta >= s.ThetaCut-CutTolerance || stepAt(x) <= (rows[x].Theta-lo)/float64(x) {
			xa, found = x, true
			break
		}
		if x > first && stepAt(x) > stepAt(x-1) {
			break // past the steep end of the TCC: no anchor
		}
	}
	capped := rows[xa].Theta >= s.ThetaCut-CutTolerance
	var step float64
	switch {
	case capped && xa > first:
		// The raw cut comes before an anchor: continue the TCC's step
		// into the raw cut, so the score below it keeps its TCC θ (below
		// θ_cut).
		step = stepAt(xa - 1)
	case xa == first:
		// Continue the TCC's own step below the first invertible score,
		// or the line from the minimum if that is flatter.
		step = stepAt(xa)
		if found {
			step = math.Min(step, (rows[xa].Theta-lo)/float64(xa))
		}
	default:
		step = (rows[xa].Theta - lo) / float64(xa)
	}
	if !(step > 0) {
		step = stepAt(xa)
	}
	if capped {
		// A cut below the first invertible score's θ: raw first − 1 as far
		// below θ_cut as the raw cut is above it.
		step = math.Max(step, 2*(rows[xa].Theta-s.ThetaCut+CutTolerance))
	}
	for x := 0; x < xa; x++ {
		rows[x].Theta = rows[xa].Theta - float64(xa-x)*step
		rows[x].From = BasisBelowChance
		rows[x].ThetaSE = step
	}
	return xa, nil
}

// sumScoreEAP fills Theta and ThetaSE with the summed-score EAP and
// posterior SD (irt.SummedScoreEAP).
func sumScoreEAP(items []irt.Item, quad irt.Quadrature, rows []ConversionRow) {
	for x, e := range irt.SummedScoreEAP(items, quad) {
		rows[x].Theta, rows[x].ThetaSE, rows[x].From = e.Theta, e.SE, BasisEAP
	}
}
