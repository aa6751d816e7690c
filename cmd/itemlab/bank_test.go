package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The bank's errors are the user's: exit code 2 and one line saying what to
// do.
func TestBankExitCodes(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a bank\n"), 0o644)
	db := filepath.Join(dir, "bank.db")
	if code, _, stderr := runCmd(t, "bank", "init", "--bank", db); code != exitOK {
		t.Fatalf("bank init: %s", stderr)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"not a bank", []string{"bank", "list", "--bank", text}, "bank init"},
		{"no bank yet", []string{"bank", "list", "--bank", filepath.Join(dir, "none.db")}, "itemlab bank init --bank"},
		{"init twice", []string{"bank", "init", "--bank", db}, "already"},
		{"unknown item", []string{"bank", "history", "--bank", db, "NOPE"}, "itemlab bank list"},
		{"retire without reason", []string{"bank", "retire", "--bank", db, "NOPE"}, "--reason is required"},
		{"force without reason", []string{"bank", "promote", "--bank", db, "--items", "X", "--force"}, "--force needs --reason"},
		{"bad b-range", []string{"bank", "list", "--bank", db, "--b-range", "1"}, "want LOW:HIGH"},
		{"bad event", []string{"bank", "revert", "--bank", db, "x"}, "audit event number"},
		{"not a run folder", []string{"bank", "add-run", "--bank", db, dir}, "not a finished run folder"},
		{"no bank flag", []string{"bank", "list"}, "--bank is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr: %s", code, exitUsage, stderr)
			}
			if !strings.HasPrefix(stderr, "itemlab: error: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q: want one line starting itemlab: error: and saying %q", stderr, tc.want)
			}
		})
	}
}
