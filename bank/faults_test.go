package bank

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenNotABank(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("this is not a database, just some text that is long enough to have a header of sorts\n"), 0o644)
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE customers (id INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, c := range []struct {
		name, target string
		want         error
	}{
		{"text file", text, ErrNotABank},
		{"other sqlite database", other, ErrNotABank},
		{"directory", dir, ErrNotABank},
		{"missing file", filepath.Join(dir, "none.db"), ErrNotInitialised},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Open(ctx, c.target)
			if !errors.Is(err, c.want) {
				t.Fatalf("Open: %v, want %v", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "bank: ") || !strings.Contains(err.Error(), c.target) {
				t.Errorf("error %q does not start with \"bank: \" and name %s", err, c.target)
			}
			if c.want == ErrNotInitialised && !strings.Contains(err.Error(), "itemlab bank init") {
				t.Errorf("error %q does not say to run itemlab bank init", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
				t.Errorf("Open created the missing file")
			}
			if c.want == ErrNotABank {
				if _, err := Init(ctx, c.target, Options{}); !errors.Is(err, ErrNotABank) {
					t.Errorf("Init: %v, want ErrNotABank", err)
				}
			}
		})
	}
	if b, err := os.ReadFile(text); err != nil || !strings.HasPrefix(string(b), "this is not") {
		t.Errorf("the text file was changed")
	}
}

func TestBadInput(t *testing.T) {
	eachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		if _, err := Open(ctx, target); !errors.Is(err, ErrNotInitialised) {
			t.Errorf("Open before Init: %v, want ErrNotInitialised", err)
		}
		b := mustInit(t, target)
		if _, err := Init(ctx, target, Options{}); !errors.Is(err, ErrAlreadyBank) {
			t.Errorf("Init twice: %v, want ErrAlreadyBank", err)
		}
		if _, err := b.ImportItems(ctx, seedItems(), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AddAdministration(ctx, admin1(), AddOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AddAdministration(ctx, admin1(), AddOptions{}); !errors.Is(err, ErrRunRecorded) {
			t.Errorf("duplicate run: %v, want ErrRunRecorded", err)
		}
		bad := admin2()
		bad.RunID = "abc"
		if _, err := b.AddAdministration(ctx, bad, AddOptions{}); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad run id: %v, want ErrInvalid", err)
		}
		unknown := admin2()
		unknown.Items[len(unknown.Items)-1].New = nil
		if _, err := b.AddAdministration(ctx, unknown, AddOptions{}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "N01") {
			t.Errorf("unknown item: %v, want ErrNotFound naming N01", err)
		}
		if as, _ := b.Administrations(ctx, true); len(as) != 1 {
			t.Errorf("a refused run left %d administrations, want 1", len(as))
		}

		// The same import again changes nothing; other parameters conflict.
		if r, err := b.ImportItems(ctx, seedItems(), ImportOptions{}); err != nil || len(r.Unchanged) != 14 || r.Event != 0 {
			t.Errorf("re-import: %+v, %v", r, err)
		}
		items := seedItems()
		items[2].Params.B = 2.5
		items[5].Domain = "Other"
		if _, err := b.ImportItems(ctx, items, ImportOptions{}); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "Q03") || !strings.Contains(err.Error(), "Q06") {
			t.Errorf("conflicting import: %v, want ErrConflict naming Q03 and Q06", err)
		}
		if r, _ := b.Show(ctx, "Q03"); r.Params.B == 2.5 {
			t.Errorf("a refused import changed Q03")
		}
		r, err := b.ImportItems(ctx, items, ImportOptions{Replace: true})
		if err != nil || fmt.Sprint(r.Replaced) != "[Q03 Q06]" {
			t.Fatalf("import with Replace: %+v, %v", r, err)
		}
		es, _ := b.Audit(ctx)
		last := es[len(es)-1]
		if last.ID != r.Event || !strings.Contains(string(last.Changes), `"old_params":{"model":"2pl","a":1.3,"b":-0.3999999999999999`) {
			t.Errorf("audit of the replacement: %s", last.Changes)
		}
		if err := b.SetScale(ctx, []byte(scaleJSON), false); err != nil {
			t.Fatal(err)
		}
		if err := b.SetScale(ctx, []byte(`{"slope":1}`), false); !errors.Is(err, ErrConflict) {
			t.Errorf("second scale: %v, want ErrConflict", err)
		}
		if _, err := b.Revert(ctx, 1); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("reverting init: %v, want ErrNotAllowed", err)
		}
		if _, err := b.Show(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Show(nope): %v", err)
		}
		if _, err := b.UpdateParams(ctx, "Q01", runID("run1"), "drifted"); err != nil {
			t.Errorf("UpdateParams: %v", err)
		}
		if r, _ := b.Show(ctx, "Q01"); r.Params.Source != "update" || r.Params.B != admin1().Items[0].Params.B {
			t.Errorf("Q01 after update: %+v", r.Params)
		}
	})
}

func TestSchemaVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		// A bank at schema version 1 is migrated on Open.
		b, err := connect(ctx, target, testOpts(), true)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.initSchema(ctx, 1); err != nil {
			t.Fatal(err)
		}
		b.Close()
		b, err = Open(ctx, target)
		if err != nil {
			t.Fatalf("Open of a version-1 bank: %v", err)
		}
		if v, _ := b.schemaVersion(ctx); v != SchemaVersion {
			t.Errorf("after migration: version %d, want %d", v, SchemaVersion)
		}
		if err := b.SaveForm(ctx, &Form{Name: "X"}, false); err != nil {
			t.Errorf("the migrated bank has no forms table: %v", err)
		}
		es, _ := b.Audit(ctx)
		if len(es) < 2 || es[1].Action != "migrate" {
			t.Errorf("no migrate event in the audit table: %+v", es)
		}
		// A bank from a newer itemlab is refused.
		if err := b.reader(ctx).exec(`UPDATE meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if _, err := Open(ctx, target); !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "99") {
			t.Errorf("Open of a version-99 bank: %v, want ErrNewerSchema naming 99", err)
		}
	})
}

// startChild re-executes the test binary as a second process writing to
// target (see child); it returns once the child is inside its transaction.
func startChild(t *testing.T, mode, target string) *exec.Cmd {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ITEMLAB_BANK_CHILD="+mode, "ITEMLAB_BANK_TARGET="+target, "ITEMLAB_BANK_READY="+ready)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			return cmd
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the child process never started its transaction")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTwoWriters: while another process holds the write lock, a writer with
// a short busy timeout gets ErrBusy, one with a long timeout waits and then
// succeeds; both records are there.
func TestTwoWriters(t *testing.T) {
	eachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		mustInit(t, target).Close()
		cmd := startChild(t, "hold", target)
		impatient, err := OpenWith(ctx, target, Options{BusyTimeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer impatient.Close()
		_, err = impatient.AddAdministration(ctx, admin3(), AddOptions{})
		if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "bank is busy") {
			t.Errorf("writing while another process writes: %v, want ErrBusy (\"bank is busy\")", err)
		}
		patient, err := OpenWith(ctx, target, Options{BusyTimeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer patient.Close()
		if _, err := patient.ImportItems(ctx, []ImportItem{{Item: Item{ID: "Q01", Domain: "x"}}}, ImportOptions{}); err != nil {
			t.Errorf("a patient writer: %v", err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
		if as, _ := patient.Administrations(ctx, true); len(as) != 1 {
			t.Errorf("%d administrations, want the child's", len(as))
		}
		if l, _ := patient.List(ctx, ListFilter{}); len(l) != 126 {
			t.Errorf("%d items, want 125 from the child and Q01", len(l))
		}
	})
}

// TestKillMidWrite: a process killed (SIGKILL) inside a write transaction
// leaves the bank as it was before that write.
func TestKillMidWrite(t *testing.T) {
	eachBackend(t, func(t *testing.T, target string) {
		ctx := context.Background()
		b := mustInit(t, target)
		if _, err := b.ImportItems(ctx, seedItems(), ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.AddAdministration(ctx, admin1(), AddOptions{}); err != nil {
			t.Fatal(err)
		}
		before := filepath.Join(t.TempDir(), "before")
		if err := b.Export(ctx, before); err != nil {
			t.Fatal(err)
		}
		b.Close()
		cmd := startChild(t, "hang", target)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		b, err := OpenWith(ctx, target, Options{BusyTimeout: 20 * time.Second})
		if err != nil {
			t.Fatalf("reopening after the kill: %v", err)
		}
		defer b.Close()
		if err := b.Check(ctx); err != nil {
			t.Error(err)
		}
		after := filepath.Join(t.TempDir(), "after")
		if err := b.Export(ctx, after); err != nil {
			t.Fatal(err)
		}
		got, want := readExport(t, after), readExport(t, before)
		if string(got["audit.csv"]) != string(want["audit.csv"]) {
			t.Errorf("audit.csv changed:\n%s", got["audit.csv"])
		}
		sameExport(t, "after the kill", got, want)
		// And the bank still takes writes.
		if _, err := b.AddAdministration(ctx, admin2(), AddOptions{}); err != nil {
			t.Errorf("writing after the kill: %v", err)
		}
	})
}
