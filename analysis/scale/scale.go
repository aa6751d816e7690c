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
//	score = round(Slope·(θ − ThetaCut) + Cut), clipped to [Min, Max].
//
// A candidate passes when the scale score is at least Cut.
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
	ThetaMin   float64  `json:"theta_min"` // θ given to a raw score of 0 below Σc (see Conversion)
}

// Score returns the rounded, clipped scale score of θ.
func (s *Scale) Score(theta float64) float64 {
	v := math.Round(s.Slope*(theta-s.ThetaCut) + s.Cut)
	return math.Min(math.Max(v, s.Min), s.Max)
}

// Validate checks that the scale can be used.
func (s *Scale) Validate() error {
	switch {
	case !(s.Max > s.Min):
		return fmt.Errorf("scale: max %g is not above min %g", s.Max, s.Min)
	case s.Cut < s.Min || s.Cut > s.Max:
		return fmt.Errorf("scale: cut %g is outside the score range [%g, %g]", s.Cut, s.Min, s.Max)
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
	ThetaMin float64  // θ of a raw score of 0 when it has none; zero means −4
}

// Define fixes the scale on the base form's items. With CutRaw the cut
// θ is the θ whose expected raw score (test characteristic curve) equals the
// raw cut. Without a given slope, the slope is derived so that the top of the
// base form reaches the maximum: a perfect score is given the θ at which the
// expected score is J − ½ (see Conversion), and that θ maps to Max.
func Define(items []irt.Item, o Options) (*Scale, error) {
	s := &Scale{Cut: o.Cut, Min: o.Min, Max: o.Max, Slope: o.Slope, BaseItems: len(items), ThetaMin: o.ThetaMin}
	if s.Cut == 0 {
		s.Cut = 390
	}
	if s.Min == 0 && s.Max == 0 {
		s.Min, s.Max = 200, 500
	}
	if s.ThetaMin == 0 {
		s.ThetaMin = -4
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
		if r > float64(len(items)) {
			return nil, fmt.Errorf("scale: raw cut %g is above the maximum score %d of the base form", r, len(items))
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

// ConversionRow is one raw score of a form's conversion table.
type ConversionRow struct {
	Raw        int
	Theta      float64 // θ of the raw score
	ThetaSE    float64 // its standard error (1/√I(θ) for TCC, posterior SD for EAP)
	CSEM       float64 // conditional SEM in scale-score points, Slope·ThetaSE
	CSEMRaw    float64 // conditional SEM of the raw score, √Σ P(1 − P) at θ
	ScaleScore float64
	Pass       bool
	Count      int     // candidates of this administration with this raw score
	CumShare   float64 // share of candidates at or below this raw score
}

// Conversion is a form's raw-to-scale conversion table.
type Conversion struct {
	Method Method
	Rows   []ConversionRow // raw scores 0..J
	RawCut int             // smallest raw score whose scale score is ≥ the cut; J+1 if none
}

// NewConversion builds the conversion table of a form with the given items
// (on the scale's θ metric) for every raw score 0..J.
//
// By test-characteristic-curve inversion (ByTCC), raw score x gets the θ with
// τ(θ) = x for Σc < x < J. Scores with no such θ follow the rule of Kolen &
// Brennan (2014, ch. 6) for true-score equating carried to θ: a perfect
// score gets the θ where τ(θ) = J − ½; a score of 0 gets τ⁻¹(½) when Σc = 0
// and otherwise the scale's ThetaMin, and scores 0 < x ≤ Σc are interpolated
// linearly in θ between score 0 and the first score above Σc. The standard
// error is 1/√I(θ) from the test information.
//
// By summed-score EAP (ByEAP) raw score x gets the posterior mean and SD of θ
// given X = x under the latent distribution quad, from the Lord–Wingersky
// recursion (Thissen, Pommerich, Billeaud & Williams, 1995).
//
// scores, if non-nil, are this administration's raw scores, for the Count and
// CumShare columns.
func NewConversion(items []irt.Item, s *Scale, m Method, quad irt.Quadrature, scores []int) (*Conversion, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	J := len(items)
	if J == 0 {
		return nil, errors.New("conversion: the form has no items")
	}
	c := &Conversion{Method: m, Rows: make([]ConversionRow, J+1), RawCut: J + 1}
	var err error
	switch m {
	case ByTCC:
		err = tccThetas(items, s.ThetaMin, c.Rows)
	case ByEAP:
		sumScoreEAP(items, quad, c.Rows)
	}
	if err != nil {
		return nil, err
	}
	for _, x := range scores {
		if x >= 0 && x <= J {
			c.Rows[x].Count++
		}
	}
	cum := 0
	for x := range c.Rows {
		r := &c.Rows[x]
		r.Raw = x
		if m == ByTCC {
			r.ThetaSE = 1 / math.Sqrt(irt.TestInfo(items, r.Theta))
		}
		r.CSEM = s.Slope * r.ThetaSE
		r.CSEMRaw = irt.RawCSEM(items, r.Theta)
		r.ScaleScore = s.Score(r.Theta)
		r.Pass = r.ScaleScore >= s.Cut
		if r.Pass && c.RawCut > J {
			c.RawCut = x
		}
		cum += r.Count
		if len(scores) > 0 {
			r.CumShare = float64(cum) / float64(len(scores))
		}
	}
	return c, nil
}

func tccThetas(items []irt.Item, thetaMin float64, rows []ConversionRow) error {
	J := len(items)
	var sumC float64
	for _, it := range items {
		sumC += it.C
	}
	first := int(math.Floor(sumC)) + 1 // first score above Σc
	for x := first; x < J; x++ {
		t, err := irt.TCCInverse(items, float64(x))
		if err != nil {
			return fmt.Errorf("conversion: raw score %d: %w", x, err)
		}
		rows[x].Theta = t
	}
	top, err := topTheta(items)
	if err != nil {
		return fmt.Errorf("conversion: perfect score: %w", err)
	}
	rows[J].Theta = top
	if sumC == 0 {
		t, err := irt.TCCInverse(items, 0.5)
		if err != nil {
			return fmt.Errorf("conversion: raw score 0: %w", err)
		}
		rows[0].Theta = t
		return nil
	}
	if first >= J {
		return fmt.Errorf("conversion: the lower asymptotes sum to %.2f, leaving no raw score below the maximum %d with a θ", sumC, J)
	}
	lo := math.Min(thetaMin, rows[first].Theta-1)
	for x := 0; x < first; x++ {
		rows[x].Theta = lo + (rows[first].Theta-lo)*float64(x)/float64(first)
	}
	return nil
}

// sumScoreEAP fills Theta and ThetaSE with the summed-score EAP and
// posterior SD (irt.SummedScoreEAP).
func sumScoreEAP(items []irt.Item, quad irt.Quadrature, rows []ConversionRow) {
	for x, e := range irt.SummedScoreEAP(items, quad) {
		rows[x].Theta, rows[x].ThetaSE = e.Theta, e.SE
	}
}
