package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs itemlab with args and returns the exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("I1,I2\n0,1\n1,0\n"), 0o644)
	os.WriteFile(bad, []byte("I1,I2\n0,1\n1,7\n"), 0o644)
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"ok", []string{"validate", "--responses", good}, exitOK},
		{"bad data", []string{"validate", "--responses", bad}, exitUsage},
		{"missing file", []string{"validate", "--responses", filepath.Join(dir, "nope.csv")}, exitUsage},
		{"unknown flag", []string{"validate", "--nope"}, exitUsage},
		{"unknown command", []string{"frobnicate"}, exitUsage},
		{"missing required", []string{"validate"}, exitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; stderr: %s", code, tc.code, stderr)
			}
			if code != 0 && (!strings.HasPrefix(stderr, "itemlab: error: ") || strings.Count(stderr, "\n") != 1) {
				t.Errorf("stderr %q: want one line starting itemlab: error:", stderr)
			}
		})
	}
}

// TestSimulateDeterministic checks that the same seed gives byte-identical
// files.
func TestSimulateDeterministic(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	for _, dir := range []string{a, b} {
		if code, _, stderr := runCmd(t, "simulate", "--out", dir, "--examinees", "300", "--seed", "9", "--forms", "2"); code != 0 {
			t.Fatalf("simulate: %s", stderr)
		}
	}
	for _, name := range []string{"responses.csv", "items.csv", "truth.csv", "truth_persons.csv", "form2/responses.csv", "simulation.json"} {
		x, err1 := os.ReadFile(filepath.Join(a, name))
		y, err2 := os.ReadFile(filepath.Join(b, name))
		if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed (%v %v)", name, err1, err2)
		}
	}
}
