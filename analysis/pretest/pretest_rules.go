package pretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Rules are the thresholds of the pretest review. Every field has a
// documented default (DefaultRules) that a YAML or JSON rules file can
// override field by field (ReadRules).
type Rules struct {
	// MinResponses: fewer candidates answering than this → insufficient.
	MinResponses int `json:"min_responses" yaml:"min_responses"`

	// Difficulty (classical p, the share answering correctly). Outside
	// [RejectPMin, RejectPMax] → reject; outside [TargetPMin, TargetPMax] →
	// revise.
	RejectPMin float64 `json:"reject_p_min" yaml:"reject_p_min"`
	RejectPMax float64 `json:"reject_p_max" yaml:"reject_p_max"`
	TargetPMin float64 `json:"target_p_min" yaml:"target_p_min"`
	TargetPMax float64 `json:"target_p_max" yaml:"target_p_max"`
	// IRT difficulty b outside [BMin, BMax] → revise (when calibrated).
	BMin float64 `json:"b_min" yaml:"b_min"`
	BMax float64 `json:"b_max" yaml:"b_max"`

	// Discrimination: corrected point-biserial below RejectRPBis → reject
	// (negative is always reject); below ReviseRPBis → revise. IRT slope
	// below MinA → revise.
	RejectRPBis float64 `json:"reject_rpbis" yaml:"reject_rpbis"`
	ReviseRPBis float64 `json:"revise_rpbis" yaml:"revise_rpbis"`
	MinA        float64 `json:"min_a" yaml:"min_a"`

	// Distractors: a distractor chosen by fewer than NonfunctioningShare of
	// the candidates does not function; ReviseNonfunctioning or more such
	// distractors, or one chosen by fewer than DeadShare, → revise; fewer →
	// a note.
	NonfunctioningShare  float64 `json:"nonfunctioning_share" yaml:"nonfunctioning_share"`
	ReviseNonfunctioning int     `json:"revise_nonfunctioning" yaml:"revise_nonfunctioning"`
	DeadShare            float64 `json:"dead_share" yaml:"dead_share"`

	// Fit: S-X² p below MisfitP → revise; infit or outfit mean square
	// outside [MinMNSQ, MaxMNSQ] → a note.
	MisfitP float64 `json:"misfit_p" yaml:"misfit_p"`
	MinMNSQ float64 `json:"min_mnsq" yaml:"min_mnsq"`
	MaxMNSQ float64 `json:"max_mnsq" yaml:"max_mnsq"`

	// Precision: standard error of b above MaxSEB → revise.
	MaxSEB float64 `json:"max_se_b" yaml:"max_se_b"`

	// Information at the cut θ below MinInfoAtCut → a note.
	MinInfoAtCut float64 `json:"min_info_at_cut" yaml:"min_info_at_cut"`

	// DIF: ETS category C → reject (RejectDIFC) or revise; B → a note.
	RejectDIFC bool `json:"reject_dif_c" yaml:"reject_dif_c"`

	// Omits: omit rate above MaxOmit → revise.
	MaxOmit float64 `json:"max_omit" yaml:"max_omit"`
}

// DefaultRules returns itemlab's default review thresholds:
//
//	min_responses 200; p: reject outside [0.20, 0.95], revise outside
//	[0.30, 0.93]; b: revise outside [−3, 3]; corrected r_pbis: reject < 0.05
//	(and any negative), revise < 0.15; a: revise < 0.40; non-functioning
//	distractor < 5 % of candidates, 2 or more (or one below 1 %) → revise; S-X² p < 0.01 →
//	revise; infit/outfit outside [0.7, 1.3] → note; SE(b) > 0.5 → revise;
//	information at the cut < 0.05 → note; ETS DIF C → reject, B → note;
//	omit rate > 5 % → revise.
//
// The p and r_pbis limits follow common practice for four-option
// certification items (e.g. Haladyna & Rodriguez, 2013, ch. 17; the 0.15
// discrimination floor matches the classical flag); the 5 % distractor rule
// is Haladyna & Rodriguez's; the DIF rule follows ETS (Zwick, 2012).
func DefaultRules() Rules {
	return Rules{
		MinResponses: 200,
		RejectPMin:   0.20, RejectPMax: 0.95, TargetPMin: 0.30, TargetPMax: 0.93,
		BMin: -3, BMax: 3,
		RejectRPBis: 0.05, ReviseRPBis: 0.15, MinA: 0.40,
		NonfunctioningShare: 0.05, ReviseNonfunctioning: 2, DeadShare: 0.01,
		MisfitP: 0.01, MinMNSQ: 0.7, MaxMNSQ: 1.3,
		MaxSEB:       0.5,
		MinInfoAtCut: 0.05,
		RejectDIFC:   true,
		MaxOmit:      0.05,
	}
}

// ReadRules reads a YAML or JSON rules file over the defaults: the
// fields it names replace the defaults, the others stay. Unknown fields are
// errors.
func ReadRules(name string, r io.Reader) (Rules, error) {
	rules := DefaultRules()
	data, err := io.ReadAll(r)
	if err != nil {
		return rules, err
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rules); err != nil {
			return rules, fmt.Errorf("%s: %v", name, err)
		}
		return rules, rules.validate(name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil && err != io.EOF {
		return rules, fmt.Errorf("%s: %v", name, err)
	}
	return rules, rules.validate(name)
}

func (r Rules) validate(name string) error {
	switch {
	case r.RejectPMin > r.TargetPMin || r.TargetPMin >= r.TargetPMax || r.TargetPMax > r.RejectPMax:
		return fmt.Errorf("%s: want reject_p_min ≤ target_p_min < target_p_max ≤ reject_p_max", name)
	case r.RejectRPBis > r.ReviseRPBis:
		return fmt.Errorf("%s: want reject_rpbis ≤ revise_rpbis", name)
	case r.MinResponses < 0:
		return fmt.Errorf("%s: min_responses must not be negative", name)
	}
	return nil
}
