package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/reports"
)

func readManifest(t *testing.T, dir string) *reports.Manifest {
	t.Helper()
	var m reports.Manifest
	if err := readJSON(filepath.Join(dir, reports.FileManifest), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// A run's id is its inputs, options and spec: the same run into another
// folder has the same id, another option another id; it is the SHA-256 of
// the manifest without times, recomputed from the manifest as written.
func TestRunID(t *testing.T) {
	dir := t.TempDir()
	simulateForms(t, dir, simulate.Options{Examinees: 300, Operational: 20, Pretest: 0, Forms: 1})
	spec := "responses: data/responses.csv\nitems: data/items.csv\ncalibration: {model: rasch}\nreport: {workbook: false, charts: false}\n"
	runSpec(t, dir, "a", spec)
	runSpec(t, dir, "b", spec)
	runSpec(t, dir, "c", strings.Replace(spec, "rasch", "2pl", 1))
	a, b, c := readManifest(t, filepath.Join(dir, "a")), readManifest(t, filepath.Join(dir, "b")), readManifest(t, filepath.Join(dir, "c"))
	if len(a.RunID) != 64 || a.RunID != b.RunID {
		t.Errorf("run ids %q and %q of the same run into two folders, want the same SHA-256", a.RunID, b.RunID)
	}
	if a.RunID == c.RunID {
		t.Errorf("another model gives the same run id %s", a.RunID)
	}
	if got := RunID(a); got != a.RunID {
		t.Errorf("RunID of the manifest read back = %s, want %s", got, a.RunID)
	}
	a.Started, a.Seconds = "2000-01-01T00:00:00Z", 99
	if got := RunID(a); got != b.RunID {
		t.Errorf("times changed the run id")
	}
}

// A run whose bank cannot be written stays, and the error says how to
// record it later; recording it again is refused with ErrRunRecorded.
func TestRecordRunFailure(t *testing.T) {
	dir := t.TempDir()
	simulateForms(t, dir, simulate.Options{Examinees: 300, Operational: 20, Pretest: 0, Forms: 1})
	runSpec(t, dir, "run", "responses: data/responses.csv\nitems: data/items.csv\ncalibration: {model: rasch}\nscale: {cut_theta: 0}\nreport: {workbook: false, charts: false}\n")
	runDir := filepath.Join(dir, "run")
	missing := filepath.Join(dir, "no-bank.db")
	_, err := recordRun(context.Background(), missing, runDir, RunBankOptions{})
	if err == nil || !strings.Contains(err.Error(), "itemlab bank add-run --bank "+missing+" "+runDir) {
		t.Errorf("error %v: want the add-run command that records the run later", err)
	}
	target := filepath.Join(dir, "bank.db")
	bs := BankSettings{Target: target}
	if err := BankInit(context.Background(), bs); err != nil {
		t.Fatal(err)
	}
	res, err := BankAddRun(context.Background(), bs, runDir, AddRunSettings{Form: "F1", Date: "2026-11-30"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mode != bankDefine || res.Items != 45 {
		t.Errorf("recorded %+v, want the 45 items (20 operational, 25 pretest) of a scale-defining run", res)
	}
	_, err = recordRun(context.Background(), target, runDir, RunBankOptions{})
	if !errors.Is(err, bank.ErrRunRecorded) || !IsInput(err) {
		t.Errorf("recording twice: %v, want ErrRunRecorded as an input error", err)
	}
	b, err := bank.Open(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	sc, err := b.Scale(context.Background())
	want, _ := os.ReadFile(filepath.Join(runDir, "scale", reports.FileScale))
	if err != nil || string(sc) != string(want) || !json.Valid(sc) {
		t.Errorf("bank scale %q, want the run's scale.json", sc)
	}
}
