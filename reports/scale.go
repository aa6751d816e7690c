package reports

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/itemlab/itemlab/analysis/scale"

	"github.com/itemlab/itemlab/analysis"
)

// ConversionTable returns conversion.csv: for every raw score
//
//	raw,theta,csem,scale_score,pass,theta_se,csem_raw,count,cum_share,theta_from
//
// where csem is the conditional standard error of measurement in
// scale-score points, theta_se the standard error of θ, csem_raw Lord's
// raw-score CSEM, count the candidates of the administration with the raw
// score and cum_share the share at or below it. theta_from says where θ and
// its error come from (scale.Basis): tcc (τ(θ) = raw, SE 1/√I(θ)), tcc_top
// (a perfect score, τ(θ) = J − ½), eap (summed-score EAP, posterior SD) or
// below_chance (interpolated below the chance score Σc; θ is a convention and
// csem is csem_raw times the conversion's step, see scale.NewConversion).
//
// The cut rule: pass is true from the raw cut up, the smallest raw score
// whose θ is at least the scale's theta_cut; the raw cut reads exactly the
// cut (390) and every raw score below it at most cut − 1 (389), whatever the
// rounding of slope·(θ − theta_cut) + cut gives (scale.json's cut_rule).
func ConversionTable(c *scale.Conversion) *Table {
	t := &Table{Header: []string{"raw", "theta", "csem", "scale_score", "pass", "theta_se", "csem_raw", "count", "cum_share", "theta_from"}}
	for _, r := range c.Rows {
		t.Rows = append(t.Rows, []string{I(r.Raw), F(r.Theta), F(r.CSEM), I(int(r.ScaleScore)), B(r.Pass),
			F(r.ThetaSE), F(r.CSEMRaw), I(r.Count), F(r.CumShare), string(r.From)})
	}
	return t
}

// The rules of the conversion, as scale.json states them.
const (
	ScaleDefinition = "score = round(slope·(θ − theta_cut) + cut), clipped to [min, max], then the cut rule; pass when score ≥ cut"
	CutRule         = "the raw cut is the smallest raw score whose θ (by the form's conversion method) is ≥ theta_cut (to 1e-9 logits); " +
		"pass ⇔ raw ≥ raw cut; the raw cut reports exactly cut and every raw score below it at most cut − 1, " +
		"every raw score at or above it at least cut, whatever the rounding gives (Kolen & Brennan 2014, ch. 9)"
	BelowChanceRule = "tcc: raw scores below the anchor x_a (the first raw score above the chance score Σc where the TCC conversion steps " +
		"no faster than the line from raw 0 at the scale minimum) are interpolated linearly in θ from raw 0 at min " +
		"to x_a (Kolen & Brennan 2014, ch. 6); the line continues the TCC's step at its lowest row instead (clipped at min) when that is flatter at the first score above Σc, " +
		"when no anchor exists before the TCC's steps stop shrinking, and when the raw cut comes first; " +
		"their csem is csem_raw times the line's step in scale points (Feldt & Qualls 1998), theta_from = below_chance; " +
		"a perfect score gets τ⁻¹(J − ½); eap: no interpolation"
)

// ScaleFile is scale.json: the scale definition plus, for the form it was
// written with, the conversion method and raw cut, and the rules that
// turned θ into scale scores (Definition, CutRule, BelowChance).
type ScaleFile struct {
	scale.Scale
	Form          FormCut `json:"form"`
	Definition    string  `json:"definition"`
	CutRule       string  `json:"cut_rule"`
	BelowChance   string  `json:"below_chance"`
	CalibrationID string  `json:"calibration_id,omitempty"` // the calibration whose parameters it used (CalibrationID)
}

// FormCut describes the raw cut of one form.
type FormCut struct {
	Items      int      `json:"items"`
	Method     string   `json:"method"`
	RawCut     int      `json:"raw_cut"`
	RawCutPct  float64  `json:"raw_cut_share"`     // raw cut as a share of the maximum score
	Chance     float64  `json:"chance_score"`      // Σc
	Below      int      `json:"below_chance_rows"` // raw scores 0..below_chance_rows−1 interpolated
	PassRate   *float64 `json:"observed_pass_rate,omitempty"`
	Candidates int      `json:"candidates,omitempty"`
}

// NewScaleFile describes s with the conversion c of the form it was
// defined or applied on. observed is the number of candidates counted in c
// (0 for none).
func NewScaleFile(s *scale.Scale, c *scale.Conversion) *ScaleFile {
	J := len(c.Rows) - 1
	f := &ScaleFile{Scale: *s, Definition: ScaleDefinition, CutRule: CutRule, BelowChance: BelowChanceRule,
		Form: FormCut{Items: J, Method: c.Method.String(), RawCut: c.RawCut, RawCutPct: float64(c.RawCut) / float64(J),
			Chance: c.ChanceScore, Below: c.BelowChance}}
	n, pass := 0, 0
	for _, r := range c.Rows {
		n += r.Count
		if r.Pass {
			pass += r.Count
		}
	}
	if n > 0 {
		rate := float64(pass) / float64(n)
		f.Form.PassRate = &rate
		f.Form.Candidates = n
	}
	return f
}

// WriteScores writes scores.csv, one row per candidate in input order:
//
//	examinee_id,raw,theta,se,scale_score,pass,<domain subscores…>
//
// with the raw subscore of each domain in a column named after it (raw_ and
// the domain's name in snake case, e.g. raw_revenue_cycle_finance). It streams, so a million candidates need no table in memory.
func WriteScores(w io.Writer, d *analysis.Dataset, scores []scale.CandidateScore, domains []string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := csv.NewWriter(bw)
	head := []string{"examinee_id", "raw", "theta", "se", "scale_score", "pass"}
	for _, name := range domains {
		head = append(head, "raw_"+Slug(name))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	rec := make([]string, len(head))
	for i, s := range scores {
		rec = rec[:0]
		rec = append(rec, d.Candidates[i].ID, I(s.Raw), F(s.Theta), F(s.SE), I(int(s.ScaleScore)), B(s.Pass))
		for _, v := range s.Domains {
			rec = append(rec, I(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// Slug turns a name into a snake_case column name: lower case letters and
// digits, other runs of characters as one underscore ("Revenue
// Cycle/Finance" → "revenue_cycle_finance"); an empty name is "none".
func Slug(name string) string {
	var b []rune
	under := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if under && len(b) > 0 {
				b = append(b, '_')
			}
			b = append(b, r)
			under = false
		} else {
			under = true
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// ReadScale reads a scale.json that NewScaleFile's writer produced (only the
// scale's definition is read; the form section describes the form it was
// defined on) and checks it.
func ReadScale(name string, r io.Reader) (*scale.Scale, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var s scale.Scale
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: not a scale.json: %v", name, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return &s, nil
}

// ScoreSummaryFile is score_summary.json, the summary of the score stage.
type ScoreSummaryFile struct {
	Candidates    int     `json:"candidates"`
	Items         int     `json:"items"`
	RawCut        int     `json:"raw_cut"`
	Passed        int     `json:"passed"`
	PassRate      float64 `json:"pass_rate"`
	MeanScale     float64 `json:"mean_scale_score"`
	Method        string  `json:"method"`
	CalibrationID string  `json:"calibration_id,omitempty"` // the calibration whose parameters it used (CalibrationID)
}

// NewScoreSummaryFile summarises candidates' scores on a form.
func NewScoreSummaryFile(scores []scale.CandidateScore, items int, conv *scale.Conversion) *ScoreSummaryFile {
	s := &ScoreSummaryFile{Candidates: len(scores), Items: items, RawCut: conv.RawCut, Method: conv.Method.String()}
	var total float64
	for _, sc := range scores {
		if sc.Pass {
			s.Passed++
		}
		total += sc.ScaleScore
	}
	if len(scores) > 0 {
		s.PassRate = float64(s.Passed) / float64(len(scores))
		s.MeanScale = total / float64(len(scores))
	}
	return s
}
