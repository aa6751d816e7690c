//go:build unix

package pipeline

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// lineLog records the Logf lines of an Output.
type lineLog struct {
	discard
	lines []string
}

func (l *lineLog) Logf(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func writeOne(t *testing.T, out *Output) {
	t.Helper()
	if err := out.Write("a.csv", func(w io.Writer) error { _, err := io.WriteString(w, "x\n"); return err }); err != nil {
		t.Fatal(err)
	}
}

// Issue 18, already on main: a second itemlab writing the same folder
// fails while the first holds it, and succeeds once the first is done.
func TestOutputLockedWhileWriting(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	inv := Invocation{Command: "itemlab analyze"}
	first, err := NewOutput(dir, inv, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewOutput(dir, inv, nil, true); err == nil || !strings.Contains(err.Error(), "another itemlab is writing") {
		t.Fatalf("second writer: err = %v, want another itemlab is writing", err)
	}
	writeOne(t, first)
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	second, err := NewOutput(dir, inv, nil, true)
	if err != nil {
		t.Fatalf("after the first committed: %v", err)
	}
	second.Abort()
}

// Issue 18, already on main: folders are made 0777 and files 0666 before
// the umask, so that colleagues on a shared server can open a run.
func TestOutputModesFollowUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "run")
	out, err := NewOutput(dir, Invocation{Command: "itemlab analyze"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	writeOne(t, out)
	if err := out.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{"": 0o755, "a.csv": 0o644, "manifest.json": 0o644} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%q: mode %o, want %o under umask 022", name, got, want)
		}
	}
}

// Issue 18, already on main: the staging folder of a killed run (no
// process holds its lock) is removed by the next run in that place, with a
// line saying so; a run still writing keeps its own.
func TestOutputRemovesStaleStaging(t *testing.T) {
	parent := t.TempDir()
	busy, err := NewOutput(filepath.Join(parent, "busy"), Invocation{Command: "itemlab analyze"}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Abort()
	stale := filepath.Join(parent, ".itemlab-tmp-123")
	if err := os.MkdirAll(filepath.Join(stale, "calibrate"), 0o777); err != nil {
		t.Fatal(err)
	}
	log := &lineLog{}
	out, err := NewOutput(filepath.Join(parent, "run"), Invocation{Command: "itemlab analyze"}, log, false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Abort()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale staging folder still there (%v)", err)
	}
	if _, err := os.Stat(busy.Staging()); err != nil {
		t.Errorf("a live run's staging folder was removed: %v", err)
	}
	if len(log.lines) != 1 || !strings.Contains(log.lines[0], "removed "+stale+", left by an interrupted itemlab") {
		t.Errorf("log lines %q, want one naming %s", log.lines, stale)
	}
}
