package pipeline

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/reports"
)

// ReportSettings say what the report stage draws.
type ReportSettings struct {
	Workbook bool   // report.xlsx
	Charts   bool   // charts/ with index.html
	Format   string // chart format: png (default) or svg
	Review   bool   // review.html, the item-review page
	Form     string // the form's name on the test summary; "" means the run folder's name
	BaseRun  string // the base form's run folder of a linked run, for the Form comparison sheet
	// Data, when set, gives the candidates' groups for the pass rates by
	// group (scores.csv has no group column).
	Data *analysis.Dataset
}

// Report is the report stage: the workbook, the charts and the item-review
// page of the run folder staged under prefix, built from its tables
// (nothing is recomputed).
func Report(ctx context.Context, out *Output, prefix string, s ReportSettings) (*reports.ReportResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	format := s.Format
	if format == "" {
		format = "png"
	}
	if format != "png" && format != "svg" {
		return nil, Inputf("chart format %q: want png or svg", s.Format)
	}
	dir := filepath.Join(out.Staging(), prefix)
	xlsx, chartsDir := "", ""
	if s.Workbook {
		xlsx = filepath.Join(dir, reports.FileWorkbook)
	}
	if s.Charts {
		chartsDir = filepath.Join(dir, reports.DirCharts)
	}
	run, err := reports.ReadRun(dir)
	if err != nil {
		return nil, err
	}
	run.Form, run.Date, run.BaseDir = s.Form, reportDate(out.started), s.BaseRun
	if d := s.Data; d != nil {
		run.Groups, run.IDs = make([]string, len(d.Candidates)), make([]string, len(d.Candidates))
		for i, c := range d.Candidates {
			run.Groups[i], run.IDs[i] = c.Group, c.ID
		}
	}
	if run.Form == "" {
		run.Form = filepath.Base(filepath.Clean(out.Dir()))
	}
	res, err := reports.ReportRun(ctx, run, xlsx, chartsDir, format)
	if err != nil {
		return nil, err
	}
	if s.Review {
		if err := reports.WriteReviewFile(filepath.Join(dir, reports.FileReview), run, reports.ReviewOptions{}); err != nil {
			return nil, err
		}
		out.adopt(at(prefix, reports.FileReview))
	}
	if s.Workbook {
		out.adopt(at(prefix, reports.FileWorkbook))
	}
	if s.Charts {
		err := filepath.WalkDir(chartsDir, func(p string, e fs.DirEntry, err error) error {
			if err == nil && !e.IsDir() {
				rel, _ := filepath.Rel(out.Staging(), p)
				out.adopt(filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// reportDate is the day the test summary shows: the run's start, or the
// time SOURCE_DATE_EPOCH gives (seconds since 1970, the reproducible-builds
// convention), so that a workbook rebuilt on another day from the same
// inputs can be byte-identical too.
func reportDate(started time.Time) string {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if sec, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(sec, 0).UTC().Format("2006-01-02")
		}
	}
	return started.UTC().Format("2006-01-02")
}
