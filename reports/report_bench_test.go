package reports

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReportStage is the report stage of `itemlab run` on a run folder
// of the demo's size (125 items, 1,834 candidates; fixtureDemo): read the
// folder, write report.xlsx and review.html, no PNG charts (the default).
// It reports the workbook's and the page's size.
func BenchmarkReportStage(b *testing.B) {
	dir := b.TempDir()
	if err := writeFixtureRun(dir, fixtureDemo); err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	xlsx, page := filepath.Join(out, FileWorkbook), filepath.Join(out, FileReview)
	for b.Loop() {
		run, err := ReadRun(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ReportRun(context.Background(), run, xlsx, "", "png"); err != nil {
			b.Fatal(err)
		}
		if err := WriteReviewFile(page, run, ReviewOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/stage")
	for name, p := range map[string]string{"xlsx-MB": xlsx, "html-MB": page} {
		if st, err := os.Stat(p); err == nil {
			b.ReportMetric(float64(st.Size())/1e6, name)
		}
	}
}
