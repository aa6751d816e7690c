package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Issue 18, already on main: a panic that escapes a command is an internal
// error (exit code 1, never 2) naming a file that holds its trace.
func TestPanicIsInternalError(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var stderr bytes.Buffer
	env := &Env{Stdout: &bytes.Buffer{}, Stderr: &stderr}
	root := newRootCmd(env)
	root.AddCommand(&cobra.Command{Use: "boom", RunE: func(*cobra.Command, []string) error { panic("boom") }})
	root.SetArgs([]string{"boom"})
	err := execute(context.Background(), root, env)
	if !errors.Is(err, errPanic) {
		t.Fatalf("err = %v, want errPanic", err)
	}
	m := regexp.MustCompile(`trace in (\S+itemlab-panic-\S+\.txt)`).FindStringSubmatch(err.Error())
	if m == nil || !strings.HasPrefix(err.Error(), "internal error, please report it") {
		t.Fatalf("error %q does not name the trace file", err)
	}
	trace, rerr := os.ReadFile(m[1])
	if rerr != nil || !strings.Contains(string(trace), "panic: boom") || !strings.Contains(string(trace), "goroutine") {
		t.Errorf("trace file %s: %v\n%s", filepath.Base(m[1]), rerr, trace)
	}
}
