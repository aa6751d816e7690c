package classical

import (
	"math"

	"github.com/itemlab/itemlab/analysis"
)

// OmitOption is the option code of the omit row of the distractor analysis.
const OmitOption = "omit"

// OptionStats are the distractor-analysis statistics of one option of an
// item (or of omitting it).
//
// Reference: Haladyna, T. M. & Rodriguez, M. C. (2013). Developing and
// Validating Test Items, ch. 17 (distractor analysis: proportion choosing,
// option point-biserial, trace lines over score groups).
type OptionStats struct {
	Code  string // option code, or OmitOption for the omit row
	Omit  bool   // the omit row (blank and not-reached cells)
	IsKey bool
	N     int     // candidates who chose it
	Prop  float64 // N / all candidates
	// RPBis is the point-biserial correlation of "chose this option" with
	// the criterion: the operational score without the item (X − x) for an
	// operational item, X for the others. For the key of a single-key item
	// it equals the item's corrected point-biserial.
	RPBis float64
	// MeanScore is the mean operational score X of the candidates who chose
	// the option; NaN when nobody did.
	MeanScore float64
	// Groups[g] is the proportion choosing the option among the candidates
	// in score group g, g = 0 (lowest fifth of X) .. ScoreGroups−1 (top
	// fifth). Groups are quintiles of X with the same fractional treatment
	// of ties as ItemStats.DiscIndex: every group holds exactly N/5
	// candidates, and a score level straddling a boundary is shared between
	// the two groups in proportion to its overlap.
	Groups [ScoreGroups]float64
}

// optionStats computes the distractor analysis of item j from the tallies.
// crit holds the sums of the criterion (X − x for an operational item, X
// otherwise); qw are the quintile weights of each score level and qsize the
// candidates in each quintile group.
func (p *analysisPlan) optionStats(t *tallyCounts, it *analysis.ItemInfo, j int, crit moments,
	qw []float64, qsize [ScoreGroups]float64) []OptionStats {
	n := float64(p.n)
	nopt := int(p.nopt[j])
	out := make([]OptionStats, 0, nopt+1)
	for o := 0; o <= nopt; o++ {
		slot := o
		os := OptionStats{}
		if o == nopt {
			slot = p.codes - 1
			os.Code, os.Omit = OmitOption, true
		} else {
			os.Code, os.IsKey = it.Options[o], it.IsKey(o)
		}
		// The criterion of a chooser at score s is s − 1 when the option is
		// a key of an operational item (X − x), s otherwise.
		var shift int64
		if os.IsKey {
			shift = crit.shift
		}
		var cnt, sumScore int64
		var groups [ScoreGroups]float64
		for s, h := range t.hist {
			if h == 0 {
				continue
			}
			v := t.cell(p, s, j, slot)
			if v == 0 {
				continue
			}
			cnt += v
			sumScore += v * int64(s)
			for g := range ScoreGroups {
				groups[g] += float64(v) * qw[s*ScoreGroups+g]
			}
		}
		os.N = int(cnt)
		os.Prop = float64(cnt) / n
		os.MeanScore = math.NaN()
		if cnt > 0 {
			os.MeanScore = float64(sumScore) / float64(cnt)
		}
		for g := range ScoreGroups {
			os.Groups[g] = math.NaN()
			if qsize[g] > 0 {
				os.Groups[g] = groups[g] / qsize[g]
			}
		}
		os.RPBis = pointBiserial(int64(p.n), cnt, sumScore-shift*cnt, crit.sum, crit.sum2)
		out = append(out, os)
	}
	return out
}
