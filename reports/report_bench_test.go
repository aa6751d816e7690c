package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReportStage is the report stage of `itemlab run` on a run folder
// of the demo's size (125 items, 1,834 candidates; fixtureDemo): read the
// folder, write report.xlsx and review.html, no PNG charts (the default).
// It reports the workbook's and the page's size. The million-candidate case
// (the demo's items with a million rows of scores.csv) checks that the stage
// is linear in candidates with a small constant: run it with -benchtime 1x.
func BenchmarkReportStage(b *testing.B) {
	for _, n := range []int{0, 1_000_000} {
		name := "demo"
		if n > 0 {
			name = fmt.Sprintf("candidates=%d", n)
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			if err := writeFixtureRun(dir, fixtureDemo); err != nil {
				b.Fatal(err)
			}
			if n > 0 { // a million candidates' scores.csv in place of the demo's
				sd := filepath.Join(dir, "score")
				writeBenchScores(b, sd, n)
				os.Remove(filepath.Join(dir, "calibrate", FilePersons))
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
		})
	}
}
