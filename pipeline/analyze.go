package pipeline

import (
	"context"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/reports"
)

// ClassicalSettings are the options of the classical analysis.
type ClassicalSettings struct {
	Thresholds classical.Thresholds // flag thresholds; start from classical.DefaultThresholds
	Domains    []analysis.Domain    // blueprint weights (percent); nil means none
}

func (s ClassicalSettings) options() classical.Options {
	th := s.Thresholds
	o := classical.Options{Thresholds: &th}
	if len(s.Domains) > 0 {
		o.DomainWeights = map[string]float64{}
		for _, d := range s.Domains {
			o.DomainWeights[d.Name] = d.Weight
		}
	}
	return o
}

// Analyze is the analyze stage: the classical item analysis of d, written
// under prefix as item_stats.csv, options.csv, domains.csv,
// score_distribution.csv and summary.json.
func Analyze(ctx context.Context, out *Output, prefix string, d *analysis.Dataset, s ClassicalSettings, exam string) (*classical.Result, error) {
	cl, err := Classical(ctx, out, d, s)
	if err != nil {
		return nil, err
	}
	for _, t := range []struct {
		name string
		tab  *reports.Table
	}{
		{reports.FileItemStats, reports.ItemStatsTable(cl)},
		{reports.FileOptions, reports.OptionsTable(cl)},
		{reports.FileDomains, reports.DomainsTable(cl)},
		{reports.FileScoreDistribution, reports.ScoreDistributionTable(cl)},
	} {
		if err := out.Table(at(prefix, t.name), t.tab); err != nil {
			return nil, err
		}
	}
	sum := reports.SummarizeClassical(cl)
	sum.Exam = exam
	if err := out.JSON(at(prefix, reports.FileSummary), sum); err != nil {
		return nil, err
	}
	return cl, nil
}

// Classical is the classical analysis of d without its tables, for a stage
// that judges items by it (the pretest command); its warnings go to out.
func Classical(ctx context.Context, out *Output, d *analysis.Dataset, s ClassicalSettings) (*classical.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cl, err := classical.Analyze(d, s.options())
	if err != nil {
		return nil, asInput(err)
	}
	out.Warn(cl.Warnings...)
	return cl, nil
}
