package reports

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// writeBenchScores writes a scores.csv of n candidates (with two domain
// subscores) into dir.
func writeBenchScores(tb testing.TB, dir string, n int) {
	tb.Helper()
	f, err := os.Create(filepath.Join(dir, FileScores))
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "examinee_id,raw,theta,se,scale_score,pass,clinical_operations,reporting")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		th := rng.NormFloat64()
		raw := min(100, max(0, int(math.Round(62+18*th))))
		ss := min(500, max(200, int(math.Round(390+40*(th+0.5)))))
		fmt.Fprintf(w, "C%07d,%d,%s,%s,%d,%t,%d,%d\n", i+1, raw, F(th), F(0.25+0.05*th*th), ss, ss >= 390,
			raw*32/100, raw/10)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkWorkbookCandidates writes the workbook of a run holding only
// scores.csv: the Candidates sheet through excelize's stream writer. Run
// the million-row case with -benchtime 1x.
func BenchmarkWorkbookCandidates(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			writeBenchScores(b, dir, n)
			r, err := ReadRun(dir)
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(b.TempDir(), "calibration.xlsx")
			var size int64
			for b.Loop() {
				f, err := os.Create(out)
				if err != nil {
					b.Fatal(err)
				}
				w := bufio.NewWriterSize(f, 1<<20)
				if err := WriteWorkbook(w, r); err != nil {
					b.Fatal(err)
				}
				if err := w.Flush(); err != nil {
					b.Fatal(err)
				}
				st, _ := f.Stat()
				size = st.Size()
				f.Close()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(size)/1e6, "MB")
		})
	}
}
