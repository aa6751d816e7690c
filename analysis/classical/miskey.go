package classical

import (
	"fmt"
	"math"
)

// MiskeyEvidence explains why an item's key looks wrong, or returns "" when
// it does not: a distractor with a higher option point-biserial than the
// key's corrected point-biserial, or one that draws stronger candidates
// more than weaker ones (a larger share of the top fifth than of the bottom
// fifth) and is chosen more often than the key by the top fifth. The second
// condition needs both parts: on a hard item that the top fifth answers
// correctly less than half the time, one attractive distractor can take the
// plurality there with nothing wrong with the key — its share then falls
// with the score, as a distractor's should (Haladyna & Rodriguez, 2013,
// ch. 17). The pretest review and the operational item review both decide
// "check the key" on it.
func MiskeyEvidence(st *ItemStats) string {
	var key *OptionStats
	for k := range st.Options {
		if st.Options[k].IsKey && (key == nil || st.Options[k].RPBis > key.RPBis) {
			key = &st.Options[k]
		}
	}
	if key == nil {
		return ""
	}
	top := ScoreGroups - 1
	for _, o := range st.Options {
		if o.IsKey || o.Omit {
			continue
		}
		if o.Groups[top] > key.Groups[top] && o.Groups[top] > o.Groups[0] {
			return fmt.Sprintf("option %s is chosen more often than the key %s by the top 20 %% of candidates (%.0f %% vs %.0f %%)",
				o.Code, key.Code, 100*o.Groups[top], 100*key.Groups[top])
		}
		if !math.IsNaN(o.RPBis) && o.RPBis > st.RPBisCorrected {
			return fmt.Sprintf("option %s correlates more with the total score than the key %s (point-biserial %.2f vs %.2f)",
				o.Code, key.Code, o.RPBis, st.RPBisCorrected)
		}
	}
	return ""
}
