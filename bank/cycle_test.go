package bank_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/pipeline"
)

// These tests drive the bank through the pipeline, as the commands do: the
// programme cycle on simulated data, the export read back into a new bank,
// and the same cycle on SQLite and PostgreSQL.

// clock is a deterministic bank clock: 2026-01-01, one second a call.
func clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

// cycle is three run folders of the programme cycle: form 1 defines the
// scale of a SQLite bank, form 2 is linked to it, its promoted pretest
// items are promoted, and form 3 (form 2's candidates with those items
// scored) is linked again.
type cycle struct {
	runs     [3]string
	promoted []string
}

func runCycle(t *testing.T, dir string) *cycle {
	t.Helper()
	ctx := context.Background()
	out, err := pipeline.NewOutput(dir, pipeline.Invocation{Command: "itemlab simulate", Version: "test"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline.Simulate(ctx, out, "", 3, simulate.Options{Examinees: 800, Operational: 40, Pretest: 10, Forms: 2, Anchors: 10}); err != nil {
		t.Fatal(err)
	}
	if err := out.Commit(); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "cycle.db")
	bs := pipeline.BankSettings{Target: target, By: "tester", Command: "go test"}
	if err := pipeline.BankInit(ctx, bs); err != nil {
		t.Fatal(err)
	}
	c := &cycle{}
	run := func(k int, exam, responses, items, scale string) {
		text := "exam: " + exam + "\nresponses: " + responses + "\nitems: " + items + "\ncalibration: {model: 2pl}\n" + scale +
			"report: {workbook: false, charts: false}\n"
		sf, err := pipeline.ParseSpec(exam, text, dir)
		if err != nil {
			t.Fatal(err)
		}
		c.runs[k] = filepath.Join(dir, "run"+exam)
		if _, err := pipeline.Run(ctx, sf, pipeline.RunOptions{Out: c.runs[k], Invocation: pipeline.Invocation{Command: "itemlab run", Version: "test"},
			Bank: pipeline.RunBankOptions{Target: target, By: "tester"}}); err != nil {
			t.Fatalf("run %s: %v", exam, err)
		}
	}
	run(0, "F1", "responses.csv", "items.csv", "scale: {cut_theta: -0.5}\n")
	run(1, "F2", "form2/responses.csv", "form2/items.csv", "")
	res, err := pipeline.BankPromote(ctx, bs, nil, false, "")
	if err != nil {
		t.Fatal(err)
	}
	items, err := os.ReadFile(filepath.Join(dir, "form2", "items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(items), "\n")
	for _, p := range res.Items {
		for k, l := range lines {
			if strings.HasPrefix(l, p.ItemID+",") {
				lines[k] = strings.Replace(l, ",pretest,", ",operational,", 1)
				c.promoted = append(c.promoted, p.ItemID)
			}
		}
	}
	if len(c.promoted) == 0 {
		t.Fatal("no form-2 pretest item was promoted")
	}
	if err := os.WriteFile(filepath.Join(dir, "form3_items.csv"), []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	run(2, "F3", "form2/responses.csv", "form3_items.csv", "")
	return c
}

// replay records the cycle's run folders in a new bank at target, with
// the promotion between forms 2 and 3, on a deterministic clock.
func replay(t *testing.T, c *cycle, target string) pipeline.BankSettings {
	t.Helper()
	ctx := context.Background()
	bs := pipeline.BankSettings{Target: target, By: "tester", Command: "go test", Now: clock()}
	if err := pipeline.BankInit(ctx, bs); err != nil {
		t.Fatal(err)
	}
	for k, dir := range c.runs {
		if k == 2 {
			if _, err := pipeline.BankPromote(ctx, bs, nil, false, ""); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := pipeline.BankAddRun(ctx, bs, dir, pipeline.AddRunSettings{}); err != nil {
			t.Fatalf("add-run %s: %v", dir, err)
		}
	}
	return bs
}

// exportFiles exports the bank into dir and returns its files, without
// audit.csv and the export's own manifest.json (times).
func exportFiles(t *testing.T, bs pipeline.BankSettings, dir string) map[string][]byte {
	t.Helper()
	if err := pipeline.BankExport(context.Background(), bs, dir, false, pipeline.Invocation{Command: "itemlab bank export"}); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "audit.csv" || rel == "manifest.json" {
			return nil
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameFiles(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !bytes.Equal(got[n], want[n]) {
			t.Errorf("%s: %s differs", what, n)
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: extra file %s", what, n)
		}
	}
	if len(want) < len(bank.ExportFiles())-1 {
		t.Errorf("%s: only %d files exported", what, len(want))
	}
}

// bank export → bank import --from into a new bank → bank export gives the
// same bytes (audit.csv aside, which gains the import); and the same cycle
// recorded on PostgreSQL exports the same bytes as on SQLite.
func TestCycleExports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the programme cycle on SQLite and PostgreSQL; skipped under -short")
	}
	dir := t.TempDir()
	c := runCycle(t, dir)
	sq := replay(t, c, filepath.Join(dir, "replay.db"))
	want := exportFiles(t, sq, filepath.Join(dir, "export-sqlite"))
	if h := want["history.csv"]; bytes.Count(h, []byte("\n")) < 3*50 {
		t.Fatalf("history.csv has %d lines, want the three forms' items", bytes.Count(h, []byte("\n")))
	}
	t.Logf("%d files exported, history.csv %d bytes", len(want), len(want["history.csv"]))
	t.Run("round trip", func(t *testing.T) {
		copyBank := pipeline.BankSettings{Target: filepath.Join(dir, "copy.db"), Now: clock()}
		if err := pipeline.BankInit(context.Background(), copyBank); err != nil {
			t.Fatal(err)
		}
		if _, err := pipeline.BankImportFolder(context.Background(), copyBank, filepath.Join(dir, "export-sqlite")); err != nil {
			t.Fatal(err)
		}
		sameFiles(t, "export of the imported export", exportFiles(t, copyBank, filepath.Join(dir, "export-copy")), want)
	})
	t.Run("postgres", func(t *testing.T) {
		pg := replay(t, c, bank.PGTarget(t))
		sameFiles(t, "PostgreSQL export", exportFiles(t, pg, filepath.Join(dir, "export-postgres")), want)
	})
}
