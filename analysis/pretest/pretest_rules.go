package pretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Rules are the thresholds of the pretest review (see Decide). Every field
// has a documented default (DefaultRules) that a YAML or JSON rules file can
// override field by field (ReadRules); the YAML names are the rule names
// that the review's messages quote.
type Rules struct {
	// MinResponses: fewer candidates answering than this → insufficient.
	MinResponses int `json:"min_responses" yaml:"min_responses"`

	// Difficulty (classical p, the share answering correctly). Outside
	// [RejectPMin, RejectPMax] → reject; outside [TargetPMin, TargetPMax]
	// (but inside the reject range) → a note.
	RejectPMin float64 `json:"reject_p_min" yaml:"reject_p_min"`
	RejectPMax float64 `json:"reject_p_max" yaml:"reject_p_max"`
	TargetPMin float64 `json:"target_p_min" yaml:"target_p_min"`
	TargetPMax float64 `json:"target_p_max" yaml:"target_p_max"`
	// IRT difficulty b outside [BMin, BMax] → revise (when calibrated).
	BMin float64 `json:"b_min" yaml:"b_min"`
	BMax float64 `json:"b_max" yaml:"b_max"`

	// Discrimination: a negative corrected point-biserial → reject; below
	// RejectRPBis → reject; below ReviseRPBis and an IRT slope below MinA
	// (or no calibration) → revise; only one of the two below its floor → a
	// note.
	RejectRPBis float64 `json:"reject_rpbis" yaml:"reject_rpbis"`
	ReviseRPBis float64 `json:"revise_rpbis" yaml:"revise_rpbis"`
	MinA        float64 `json:"min_a" yaml:"min_a"`

	// Distractors: one chosen by fewer than NonfunctioningShare of the
	// candidates does not function, one chosen by fewer than DeadShare is
	// dead; either is a note for the item writer, never a reason to
	// revise.
	NonfunctioningShare float64 `json:"nonfunctioning_share" yaml:"nonfunctioning_share"`
	DeadShare           float64 `json:"dead_share" yaml:"dead_share"`

	// Fit: S-X² p below MisfitP → revise; infit or outfit mean square
	// outside [MinMNSQ, MaxMNSQ] → a note.
	MisfitP float64 `json:"misfit_p" yaml:"misfit_p"`
	MinMNSQ float64 `json:"min_mnsq" yaml:"min_mnsq"`
	MaxMNSQ float64 `json:"max_mnsq" yaml:"max_mnsq"`

	// Precision: standard error of b above MaxSEB → a note.
	MaxSEB float64 `json:"max_se_b" yaml:"max_se_b"`

	// Information at the cut θ below MinInfoAtCut → a note.
	MinInfoAtCut float64 `json:"min_info_at_cut" yaml:"min_info_at_cut"`

	// DIF: ETS category C → reject (RejectDIFC) or revise; B → a note.
	RejectDIFC bool `json:"reject_dif_c" yaml:"reject_dif_c"`

	// Omits: omit rate above MaxOmit → revise.
	MaxOmit float64 `json:"max_omit" yaml:"max_omit"`
}

// DefaultRules returns itemlab's default review thresholds. What blocks
// promotion (reject or revise) is what makes an item's score unfit to count
// toward a pass/fail decision; what does not (notes) is reported to the
// item writer and the committee.
//
//	rule                  default        effect
//	min_responses         200            fewer answering → insufficient
//	reject_p_min/max      0.20 / 0.95    p outside → reject (too_hard / too_easy)
//	target_p_min/max      0.30 / 0.93    p outside (inside the above) → note
//	b_min/b_max           −4 / 4         b outside → revise
//	(negative r_pbis)     0              corrected point-biserial < 0 → reject
//	reject_rpbis          0.05           corrected point-biserial below → reject
//	revise_rpbis, min_a   0.15, 0.40     both below (or r_pbis below, uncalibrated) → revise;
//	                                     one below → note
//	(miskey check)                       a distractor chosen more than the key by the
//	                                     top fifth, or correlating more than the key → revise
//	nonfunctioning_share  0.05           a distractor chosen by fewer → note
//	dead_share            0.01           a distractor chosen by fewer → note ("dead")
//	misfit_p              0.01           S-X² p below → revise
//	min_mnsq/max_mnsq     0.7 / 1.3      infit or outfit outside → note
//	max_se_b              0.5            SE(b) above → note
//	min_info_at_cut       0.05           information at the cut θ below → note
//	reject_dif_c          true           ETS category C → reject (false: revise); B → note
//	max_omit              0.05           omit rate above → revise
//
// Why these values:
//
//   - Difficulty. A four-option item answered correctly by fewer than 20 %
//     is answered at about the guessing rate: nobody can be shown to know
//     it, and such items are more often miskeyed or flawed than hard. Above
//     95 % it separates almost no one (the variance p(1−p) is below 0.05).
//     Inside that range an item can be scored; the target range 0.30–0.93
//     is where items tell most about candidates near a cut placed for a
//     pass rate of about 70 %, so leaving it is a note, not a verdict (a
//     sound easy item still adds to reliability). (Haladyna & Rodriguez,
//     2013, ch. 17; Crocker & Algina, 1986, ch. 14.)
//   - b. The p rule decides difficulty; b outside ±4 on the operational
//     scale (whose population is N(0, 1)) means the item's ICC rises where
//     fewer than 1 in 30,000 candidates are: its b is an extrapolation of
//     the 3PL and it measures no one, so it goes back. (The former ±3 sent
//     back sound items with p near 0.94 and a slope below 1, whose b lies
//     near −3.5.)
//   - Discrimination. A corrected point-biserial below 0.05 is
//     indistinguishable from none at pretest sizes (its SE is about
//     1/√N ≈ 0.02 at 2,000 candidates) and a negative one means the key or
//     the stem is wrong: both reject. Between 0.05 and 0.15 the item is weak
//     (Ebel & Frisbie, 1991, call items below 0.20 poor; 0.15 is the
//     classical flag's floor); but the point-biserial shrinks for easy and
//     hard items and with guessing while the IRT slope does not, so the
//     item is sent back only when the slope agrees (a < 0.40 in the
//     logistic metric, a normal-ogive slope of 0.24, a loading of about
//     0.23). One piece of weak evidence alone is a note naming both.
//   - Key. A distractor that outscores the key — chosen more often than the
//     key by the top fifth, or with a higher point-biserial than the key's
//     — means the score may be counting the wrong answer: revise (check the
//     key). It is the pattern Haladyna & Rodriguez (2013) and the classical
//     flags use.
//   - Distractors. A distractor chosen by fewer than 5 % of candidates is
//     non-functioning (Haladyna & Downing, 1993; Haladyna & Rodriguez,
//     2013); on real forms a third or more of distractors are (Tarrant,
//     Ware & Mohammed, 2009), and three-option items measure as well as
//     four-option ones (Rodriguez, 2005). A rarely chosen distractor does
//     not make the score unfit: it is a task for the writer, so it is a
//     note that names the options, their shares and the rule (dead_share
//     1 % or nonfunctioning_share 5 %), never a reason to revise.
//   - Fit. S-X² (Orlando & Thissen, 2000) below p = 0.01 is evidence that
//     the model's ICC is not the item's: revise. At 0.01 about 1 sound item
//     in 100 is flagged by chance. Mean squares outside 0.7–1.3 (Wright &
//     Linacre, 1994, for high-stakes multiple-choice tests) are a note:
//     they are Rasch statistics, read against a 3PL here.
//   - Precision. SE(b) above 0.5 is a note: under the 3PL, b and c trade off
//     and SE(b) can exceed 0.5 for a sound item at 2,000 candidates although
//     its ICC is well determined where the candidates are; the data are
//     sufficient when min_responses is met (200: the point-biserial's SE is
//     then about 0.07 and p's 0.035).
//   - Information at the cut below 0.05 (an item with a = 0.45 at its b
//     gives 0.05) is a note: such an item adds little to the pass/fail
//     decision but still counts soundly.
//   - DIF. ETS category C (|MH D-DIF| ≥ 1.5 and significantly above 1) →
//     reject, B → note, as ETS does (Zwick, 2012).
//   - Omits. More than 5 % skipping an item that others answer (at about
//     0.5 % overall) says the item is unclear: revise.
//
// References: Crocker, L. & Algina, J. (1986). Introduction to Classical and
// Modern Test Theory. Holt, Rinehart & Winston. Ebel, R. L. & Frisbie, D. A.
// (1991). Essentials of Educational Measurement (5th ed.). Prentice Hall.
// Haladyna, T. M. & Downing, S. M. (1993). How many options is enough for a
// multiple-choice test item? Educational and Psychological Measurement,
// 53(4), 999–1010. Haladyna, T. M. & Rodriguez, M. C. (2013). Developing and
// Validating Test Items. Routledge. Orlando, M. & Thissen, D. (2000).
// Likelihood-based item-fit indices for dichotomous item response theory
// models. Applied Psychological Measurement, 24(1), 50–64. Rodriguez, M. C.
// (2005). Three options are optimal for multiple-choice items: a
// meta-analysis of 80 years of research. Educational Measurement: Issues and
// Practice, 24(2), 3–13. Tarrant, M., Ware, J. & Mohammed, A. M. (2009). An
// assessment of functioning and non-functioning distractors in
// multiple-choice questions. BMC Medical Education, 9, 40. Wright, B. D. &
// Linacre, J. M. (1994). Reasonable mean-square fit values. Rasch
// Measurement Transactions, 8(3), 370. Zwick, R. (2012). A review of ETS
// differential item functioning assessment procedures. ETS RR-12-08.
func DefaultRules() Rules {
	return Rules{
		MinResponses: 200,
		RejectPMin:   0.20, RejectPMax: 0.95, TargetPMin: 0.30, TargetPMax: 0.93,
		BMin: -4, BMax: 4,
		RejectRPBis: 0.05, ReviseRPBis: 0.15, MinA: 0.40,
		NonfunctioningShare: 0.05, DeadShare: 0.01,
		MisfitP: 0.01, MinMNSQ: 0.7, MaxMNSQ: 1.3,
		MaxSEB:       0.5,
		MinInfoAtCut: 0.05,
		RejectDIFC:   true,
		MaxOmit:      0.05,
	}
}

// ReadRules reads a YAML or JSON rules file over the defaults: the
// fields it names replace the defaults, the others stay. Unknown fields are
// errors; so is revise_nonfunctioning, which earlier versions had, with a
// message saying what replaced it.
func ReadRules(name string, r io.Reader) (Rules, error) {
	rules := DefaultRules()
	data, err := io.ReadAll(r)
	if err != nil {
		return rules, err
	}
	var keys map[string]any
	if yaml.Unmarshal(data, &keys) == nil {
		if _, ok := keys["revise_nonfunctioning"]; ok {
			return rules, fmt.Errorf("%s: revise_nonfunctioning was removed: a non-functioning distractor is now a note for the item writer and never sends an item to revision (nonfunctioning_share and dead_share set the notes)", name)
		}
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
