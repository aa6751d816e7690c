package reports

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// ReportResult says what Report wrote.
type ReportResult struct {
	Workbook string      // path of the workbook, "" when none was asked for
	Charts   []ChartFile // charts written, in index order
}

// Report reads the run folder runDir and writes its calibration workbook to
// xlsxPath and its charts (format "png" or "svg") with their index.html to
// chartsDir. An empty xlsxPath or chartsDir skips that part. The workbook is
// written under a temporary name beside xlsxPath and renamed into place, so
// a failed run leaves no half-written workbook.
func Report(runDir, xlsxPath, chartsDir, format string) (*ReportResult, error) {
	return ReportContext(context.Background(), runDir, xlsxPath, chartsDir, format)
}

// ReportContext is Report that stops between the workbook and the charts,
// and between charts, when ctx is cancelled.
func ReportContext(ctx context.Context, runDir, xlsxPath, chartsDir, format string) (*ReportResult, error) {
	run, err := ReadRun(runDir)
	if err != nil {
		return nil, err
	}
	res := &ReportResult{}
	if xlsxPath != "" {
		if err := writeFileAtomic(xlsxPath, func(w *bufio.Writer) error { return WriteWorkbook(w, run) }); err != nil {
			return nil, err
		}
		res.Workbook = xlsxPath
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if chartsDir != "" {
		if res.Charts, err = WriteChartsContext(ctx, chartsDir, run, format); err != nil {
			return res, err
		}
	}
	return res, nil
}

// writeFileAtomic writes path through write to a temporary file in the same
// folder and renames it to path when everything succeeded.
func writeFileAtomic(path string, write func(*bufio.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("reports: writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("reports: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
