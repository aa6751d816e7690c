package classical

import "math"

// Flag is a short code marking an item statistic that a reviewer should
// look at. Flags are written `;`-joined in the order of the constants below.
type Flag string

// Item flags, in their fixed output order.
const (
	// FlagPossibleMiskey: a distractor has a higher option point-biserial
	// than the key, or the top score group (q5) chose a distractor more
	// often than the key.
	FlagPossibleMiskey Flag = "possible_miskey"
	// FlagNegativeDiscrimination: corrected point-biserial below zero.
	FlagNegativeDiscrimination Flag = "negative_discrimination"
	// FlagLowDiscrimination: corrected point-biserial at least zero but
	// below Thresholds.LowDiscrimination.
	FlagLowDiscrimination Flag = "low_discrimination"
	// FlagTooEasy: p above Thresholds.TooEasy.
	FlagTooEasy Flag = "too_easy"
	// FlagTooHard: p below Thresholds.TooHard.
	FlagTooHard Flag = "too_hard"
	// FlagNonfunctioningDistractor: a distractor chosen by fewer than
	// Thresholds.NonfunctioningDistractor of all candidates.
	FlagNonfunctioningDistractor Flag = "nonfunctioning_distractor"
	// FlagHighOmit: omit rate above Thresholds.HighOmit.
	FlagHighOmit Flag = "high_omit"
)

// Thresholds are the limits behind the item flags. All are proportions
// or correlations; comparisons are strict as stated on each field.
type Thresholds struct {
	// LowDiscrimination: low_discrimination when 0 ≤ corrected r_pbis < it.
	// Default 0.15.
	LowDiscrimination float64
	// TooEasy: too_easy when p > it. Default 0.95.
	TooEasy float64
	// TooHard: too_hard when p < it. Default 0.20, below the chance level
	// of a four-option item (0.25): an item most candidates get wrong more
	// often than by guessing.
	TooHard float64
	// NonfunctioningDistractor: a distractor chosen by a proportion of all
	// candidates below it does not function (Haladyna & Rodriguez 2013
	// use 5 %). Default 0.05.
	NonfunctioningDistractor float64
	// HighOmit: high_omit when the omit rate > it. Default 0.05.
	HighOmit float64
}

// DefaultThresholds returns itemlab's default flag limits: low
// discrimination 0.15, too easy 0.95, too hard 0.20, non-functioning
// distractor 0.05, high omit 0.05.
//
// Reference: Haladyna, T. M. & Rodriguez, M. C. (2013). Developing and
// Validating Test Items. Routledge (distractors chosen by fewer than 5 % of
// examinees are non-functioning).
func DefaultThresholds() Thresholds {
	return Thresholds{
		LowDiscrimination:        0.15,
		TooEasy:                  0.95,
		TooHard:                  0.20,
		NonfunctioningDistractor: 0.05,
		HighOmit:                 0.05,
	}
}

// ItemFlags returns the flags of one item's statistics in their fixed
// order. Statistics that are NaN raise no flag. The distractor flags
// (possible_miskey, nonfunctioning_distractor) need option codes and are
// not raised when preScored is true, since 0/1 data carry no distractors.
// possible_miskey compares each distractor with the key: its option
// point-biserial with the item's corrected point-biserial (the
// point-biserial of "chose a key"), and its proportion in the top score
// group with the summed proportion of the keys there.
func ItemFlags(st *ItemStats, th Thresholds, preScored bool) []Flag {
	var flags []Flag
	if !preScored && possibleMiskey(st) {
		flags = append(flags, FlagPossibleMiskey)
	}
	r := st.RPBisCorrected
	if r < 0 {
		flags = append(flags, FlagNegativeDiscrimination)
	} else if r < th.LowDiscrimination {
		flags = append(flags, FlagLowDiscrimination)
	}
	if st.P > th.TooEasy {
		flags = append(flags, FlagTooEasy)
	}
	if st.P < th.TooHard {
		flags = append(flags, FlagTooHard)
	}
	if !preScored {
		for _, o := range st.Options {
			if !o.Omit && !o.IsKey && o.Prop < th.NonfunctioningDistractor {
				flags = append(flags, FlagNonfunctioningDistractor)
				break
			}
		}
	}
	if st.OmitRate > th.HighOmit {
		flags = append(flags, FlagHighOmit)
	}
	return flags
}

func possibleMiskey(st *ItemStats) bool {
	var keyTop float64
	for _, o := range st.Options {
		if o.IsKey {
			keyTop += o.Groups[ScoreGroups-1]
		}
	}
	for _, o := range st.Options {
		if o.IsKey || o.Omit || o.N == 0 {
			continue
		}
		if !math.IsNaN(o.RPBis) && !math.IsNaN(st.RPBisCorrected) && o.RPBis > st.RPBisCorrected {
			return true
		}
		if o.Groups[ScoreGroups-1] > keyTop+1e-12 { // ignore rounding in the group weights
			return true
		}
	}
	return false
}
