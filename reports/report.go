package reports

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
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
	return ReportRun(ctx, run, xlsxPath, chartsDir, format)
}

// ReportRun is ReportContext over a run folder already read.
func ReportRun(ctx context.Context, run *Run, xlsxPath, chartsDir, format string) (*ReportResult, error) {
	res := &ReportResult{}
	if xlsxPath != "" {
		if err := writeFileAtomic(xlsxPath, func(w *bufio.Writer) error { return writeWorkbookStable(w, run, filepath.Dir(xlsxPath)) }); err != nil {
			return nil, err
		}
		res.Workbook = xlsxPath
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if chartsDir != "" {
		var err error
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

// writeWorkbookStable writes the workbook with its zip entries in a fixed
// order ([Content_Types].xml first, then by name) and fixed times, so the
// same run folder gives a byte-identical report.xlsx (excelize orders some
// entries by map iteration). Entries are copied compressed, not re-deflated.
// excelize's temporary files go to tmpDir (the output's folder: inside a
// run's staging folder, so a killed run's leftovers go with it).
func writeWorkbookStable(w io.Writer, run *Run, tmpDir string) error {
	var buf bytes.Buffer
	if err := writeWorkbook(&buf, run, tmpDir); err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		return fmt.Errorf("reports: workbook: %w", err)
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.SliceStable(files, func(i, j int) bool {
		a, b := files[i].Name, files[j].Name
		if (a == "[Content_Types].xml") != (b == "[Content_Types].xml") {
			return a == "[Content_Types].xml"
		}
		return a < b
	})
	zw := zip.NewWriter(w)
	for _, f := range files {
		h := f.FileHeader
		h.Modified = time.Time{}
		h.ModifiedDate, h.ModifiedTime = 0, 0
		h.Extra = nil
		dst, err := zw.CreateRaw(&h)
		if err != nil {
			return err
		}
		src, err := f.OpenRaw()
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			return err
		}
	}
	return zw.Close()
}
