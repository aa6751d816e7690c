package reports

import (
	"errors"
	"strings"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/classical"
)

// itemStatsColumns are the fixed columns of item_stats.csv; the items
// file's extra metadata columns follow them.
var itemStatsColumns = []string{
	"item_id", "domain", "status", "n", "p", "rpbis", "rpbis_corrected", "biserial", "disc_index", "alpha_if_deleted",
	"n_answered", "n_correct", "omit_rate", "p_upper", "p_lower", "mean_score_correct", "mean_score_incorrect",
	"key", "flags",
}

// ItemStatsTable returns item_stats.csv: one row per item in input order,
// the columns
//
//	item_id,domain,status,n,p,rpbis,rpbis_corrected,biserial,disc_index,alpha_if_deleted,
//	n_answered,n_correct,omit_rate,p_upper,p_lower,mean_score_correct,mean_score_incorrect,key,flags
//
// (see classical.ItemStats for their definitions; flags `;`-joined in fixed
// order), then the items file's metadata columns (analysis.ItemInfo.Meta)
// in order of first appearance; a metadata column whose name clashes with
// a fixed column is written as meta_<name>. Undefined statistics are empty
// cells.
func ItemStatsTable(c *classical.Result) *Table {
	fixed := map[string]bool{}
	for _, h := range itemStatsColumns {
		fixed[h] = true
	}
	var metaKeys []string
	metaIdx := map[string]int{}
	for _, st := range c.Items {
		for _, kv := range st.Item.Meta {
			if _, ok := metaIdx[kv.Key]; !ok {
				metaIdx[kv.Key] = len(metaKeys)
				metaKeys = append(metaKeys, kv.Key)
			}
		}
	}
	t := &Table{Header: append([]string(nil), itemStatsColumns...)}
	for _, k := range metaKeys {
		if fixed[k] {
			k = "meta_" + k
		}
		t.Header = append(t.Header, k)
	}
	for _, st := range c.Items {
		row := []string{
			st.Item.ID, st.Item.Domain, st.Item.Status.String(), I(st.N), F(st.P), F(st.RPBis), F(st.RPBisCorrected),
			F(st.Biserial), F(st.DiscIndex), F(st.AlphaIfDeleted),
			I(st.NAnswered), I(st.NCorrect), F(st.OmitRate), F(st.PUpper), F(st.PLower),
			F(st.MeanScoreCorrect), F(st.MeanScoreIncorrect), st.Item.KeyString(), joinFlags(st.Flags),
		}
		meta := make([]string, len(metaKeys))
		for _, kv := range st.Item.Meta {
			meta[metaIdx[kv.Key]] = kv.Value
		}
		t.Rows = append(t.Rows, append(row, meta...))
	}
	return t
}

func joinFlags(fs []classical.Flag) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = string(f)
	}
	return strings.Join(s, ";")
}

// OptionsTable returns options.csv, the distractor analysis: for every item
// in input order one row per option in the items file's order and a final
// row with option "omit", the columns
//
//	item_id,option,is_key,n,prop,rpbis,mean_score,q1,q2,q3,q4,q5
//
// where q1..q5 are the proportions choosing the option in the score
// quintile groups from lowest to highest (classical.OptionStats).
func OptionsTable(c *classical.Result) *Table {
	t := &Table{Header: []string{"item_id", "option", "is_key", "n", "prop", "rpbis", "mean_score", "q1", "q2", "q3", "q4", "q5"}}
	for _, st := range c.Items {
		for _, o := range st.Options {
			row := []string{st.Item.ID, o.Code, B(o.IsKey), I(o.N), F(o.Prop), F(o.RPBis), F(o.MeanScore)}
			for _, g := range o.Groups {
				row = append(row, F(g))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}

// DomainsTable returns domains.csv: one row per content domain, the columns
//
//	domain,items,weight,mean,sd,alpha,pretest_items
//
// with items the operational items of the domain (its subscore), weight
// the blueprint weight (empty when none was given) and pretest_items the
// domain's unscored items.
func DomainsTable(c *classical.Result) *Table {
	t := &Table{Header: []string{"domain", "items", "weight", "mean", "sd", "alpha", "pretest_items"}}
	for _, d := range c.Domains {
		t.Rows = append(t.Rows, []string{d.Domain, I(d.Items), F(d.Weight), F(d.Mean), F(d.SD), F(d.Alpha), I(d.Pretest)})
	}
	return t
}

// ScoreDistributionTable returns the operational raw-score distribution:
// raw,count,prop,cum_prop for every raw score 0..number of operational
// items.
func ScoreDistributionTable(c *classical.Result) *Table {
	t := &Table{Header: []string{"raw", "count", "prop", "cum_prop"}}
	n := float64(c.Test.Candidates)
	cum := 0
	for s, k := range c.Test.Distribution {
		cum += k
		t.Rows = append(t.Rows, []string{I(s), I(k), F(float64(k) / n), F(float64(cum) / n)})
	}
	return t
}

// ClassicalSummary is summary.json of the classical analysis. Undefined
// statistics are null.
type ClassicalSummary struct {
	Exam              string              `json:"exam,omitempty"`
	Candidates        int                 `json:"candidates"`
	Items             ItemCounts          `json:"items"`
	RawScore          RawScoreSummary     `json:"raw_score"`
	Alpha             *float64            `json:"alpha"`
	AlphaSE           *float64            `json:"alpha_se"`
	SEM               *float64            `json:"sem"`
	ScoreDistribution []int               `json:"score_distribution"`
	Domains           []DomainSummary     `json:"domains"`
	FlagCounts        map[string]int      `json:"flag_counts"`
	FlagThresholds    FlagThresholdsJSON  `json:"flag_thresholds"`
	Warnings          []WarningSummary    `json:"warnings"`
	Methods           ClassicalMethodNote `json:"methods"`
}

// ItemCounts counts the items by status.
type ItemCounts struct {
	Total       int `json:"total"`
	Operational int `json:"operational"`
	Pretest     int `json:"pretest"`
	Excluded    int `json:"excluded"`
}

// RawScoreSummary describes the operational raw score.
type RawScoreSummary struct {
	Mean        *float64 `json:"mean"`
	SD          *float64 `json:"sd"`
	Min         int      `json:"min"`
	Max         int      `json:"max"`
	MaxPossible int      `json:"max_possible"`
}

// DomainSummary is one row of DomainsTable in summary.json.
type DomainSummary struct {
	Domain       string   `json:"domain"`
	Items        int      `json:"items"`
	PretestItems int      `json:"pretest_items"`
	Weight       *float64 `json:"weight"`
	Mean         *float64 `json:"mean"`
	SD           *float64 `json:"sd"`
	Alpha        *float64 `json:"alpha"`
}

// FlagThresholdsJSON are the flag limits the run used.
type FlagThresholdsJSON struct {
	LowDiscrimination        float64 `json:"low_discrimination"`
	TooEasy                  float64 `json:"too_easy"`
	TooHard                  float64 `json:"too_hard"`
	NonfunctioningDistractor float64 `json:"nonfunctioning_distractor"`
	HighOmit                 float64 `json:"high_omit"`
}

// WarningSummary is a data warning in summary.json.
type WarningSummary struct {
	Code    string `json:"code"`
	Item    string `json:"item,omitempty"`
	Message string `json:"message"`
}

// ClassicalMethodNote records the conventions behind the numbers.
type ClassicalMethodNote struct {
	Criterion   string  `json:"criterion"`
	SD          string  `json:"sd"`
	AlphaSE     string  `json:"alpha_se"`
	ScoreGroups string  `json:"score_groups"`
	Omits       string  `json:"omits"`
	UpperLower  float64 `json:"upper_lower_fraction"`
}

// SummarizeClassical returns the summary.json value of c.
func SummarizeClassical(c *classical.Result) *ClassicalSummary {
	ts := c.Test
	s := &ClassicalSummary{
		Candidates: ts.Candidates,
		Items: ItemCounts{Total: len(c.Items), Operational: ts.Operational,
			Pretest: ts.Pretest, Excluded: ts.Excluded},
		RawScore: RawScoreSummary{Mean: JSONFloat(ts.Mean), SD: JSONFloat(ts.SD), Min: ts.Min, Max: ts.Max,
			MaxPossible: ts.Operational},
		Alpha:             JSONFloat(ts.Alpha),
		AlphaSE:           JSONFloat(ts.AlphaSE),
		SEM:               JSONFloat(ts.SEM),
		ScoreDistribution: append([]int{}, ts.Distribution...),
		Domains:           []DomainSummary{},
		FlagCounts:        map[string]int{},
		FlagThresholds: FlagThresholdsJSON{
			LowDiscrimination:        c.Thresholds.LowDiscrimination,
			TooEasy:                  c.Thresholds.TooEasy,
			TooHard:                  c.Thresholds.TooHard,
			NonfunctioningDistractor: c.Thresholds.NonfunctioningDistractor,
			HighOmit:                 c.Thresholds.HighOmit,
		},
		Warnings: []WarningSummary{},
		Methods: ClassicalMethodNote{
			Criterion:   "operational raw score; operational items corrected (score without the item), pretest and excluded items against the full operational score",
			SD:          "sample (n-1)",
			AlphaSE:     "asymptotic (van Zyl, Neudecker & Nel 2000), as psych::alpha",
			ScoreGroups: "quintiles of the operational score; tied score levels split fractionally at group boundaries",
			Omits:       "scored wrong",
			UpperLower:  classical.KelleyFraction,
		},
	}
	for _, d := range c.Domains {
		s.Domains = append(s.Domains, DomainSummary{Domain: d.Domain, Items: d.Items, PretestItems: d.Pretest,
			Weight: JSONFloat(d.Weight), Mean: JSONFloat(d.Mean), SD: JSONFloat(d.SD), Alpha: JSONFloat(d.Alpha)})
	}
	for _, st := range c.Items {
		for _, f := range st.Flags {
			s.FlagCounts[string(f)]++
		}
	}
	for _, w := range c.Warnings {
		s.Warnings = append(s.Warnings, NewWarningSummary(w))
	}
	return s
}

// NewWarningSummary describes a warning for a JSON summary: its code and
// item when it is an *analysis.Warning, and its message.
func NewWarningSummary(w error) WarningSummary {
	ws := WarningSummary{Code: analysis.WarningCode(w), Message: w.Error()}
	var aw *analysis.Warning
	if errors.As(w, &aw) {
		ws.Item = aw.Item
	}
	return ws
}
