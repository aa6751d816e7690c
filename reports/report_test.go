package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestReport(t *testing.T) {
	out := t.TempDir()
	xlsx := filepath.Join(out, "calibration.xlsx")
	res, err := Report(filepath.Join("testdata", "run"), xlsx, filepath.Join(out, "charts"), "png")
	if err != nil {
		t.Fatal(err)
	}
	if res.Workbook != xlsx || len(res.Charts) == 0 {
		t.Errorf("result %+v", res)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(out, "charts", "index.html")); err != nil {
		t.Error(err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// A run that fails half-way leaves no workbook, not even a partial one, and
// keeps an existing workbook as it was.
func TestReportFailureLeavesNoWorkbook(t *testing.T) {
	run := t.TempDir()
	var rows strings.Builder
	rows.WriteString("examinee_id,raw,theta,se,scale_score,pass\n")
	for i := 0; i < 5000; i++ {
		rows.WriteString("C1,10,0.1,0.3,400,true\n")
	}
	rows.WriteString("C2,10,\"0.1,0.3,400,true\n") // unterminated quote
	writeTestFile(t, filepath.Join(run, "scores.csv"), rows.String())
	out := t.TempDir()
	xlsx := filepath.Join(out, "calibration.xlsx")
	if _, err := Report(run, xlsx, "", ""); err == nil || !strings.Contains(err.Error(), "scores.csv") {
		t.Fatalf("error %v, want one naming scores.csv", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
	writeTestFile(t, xlsx, "previous")
	if _, err := Report(run, xlsx, "", ""); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(xlsx); string(b) != "previous" {
		t.Errorf("existing workbook replaced by %d bytes", len(b))
	}
}

// The same run folder gives a byte-identical workbook.
func TestWorkbookByteIdentical(t *testing.T) {
	dir := t.TempDir()
	var files [2][]byte
	for k := range files {
		p := filepath.Join(dir, fmt.Sprintf("r%d.xlsx", k))
		if _, err := Report(filepath.Join("testdata", "run"), p, "", "png"); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[k] = b
		time.Sleep(1100 * time.Millisecond) // zip times have two-second resolution; cross one
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two workbooks of the same run folder differ")
	}
}
