//go:build study

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStudySignals builds itemlab, runs the whole pipeline on a 200,000-
// candidate file and stops it with SIGINT, SIGTERM and SIGKILL at points
// inside the run: the exit code says which signal (130, 143, killed), no
// half-written folder is left, the previous run folder is intact, and the
// next run succeeds (after SIGKILL it removes the staging folder left
// behind).
func TestStudySignals(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "itemlab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		c.Dir = dir
		return c
	}
	if out, err := run("simulate", "--out", "data", "--examinees", "200000", "--seed", "9").CombinedOutput(); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	if out, err := run("init", "--out", "data/exam.yaml").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	// A previous run folder that must survive every interrupted run.
	if out, err := run("run", "--responses", "data/responses.csv", "--items", "data/items.csv", "--model", "2pl", "--out", "prev", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "prev", "manifest.json"))
	// The signals come at fractions of an uninterrupted run of the spec, so
	// that they stay inside the run however fast it gets.
	t0 := time.Now()
	if out, err := run("run", "--spec", "data/exam.yaml", "--out", "timing", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("timing run: %v\n%s", err, out)
	}
	whole := time.Since(t0)
	t.Logf("an uninterrupted run takes %v", whole.Round(time.Millisecond))
	for _, c := range []struct {
		sig      syscall.Signal
		fraction float64
		code     int
	}{
		{syscall.SIGINT, 0.2, 130},
		{syscall.SIGTERM, 0.45, 143},
		{syscall.SIGINT, 0.75, 130},
		{syscall.SIGKILL, 0.35, -1},
	} {
		wait := time.Duration(c.fraction * float64(whole))
		cmd := run("run", "--spec", "data/exam.yaml", "--out", "prev", "--force", "--quiet")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(wait)
		cmd.Process.Signal(c.sig)
		start := time.Now()
		cmd.Wait()
		code := cmd.ProcessState.ExitCode()
		t.Logf("%v after %v: exit %d in %v", c.sig, wait.Round(time.Millisecond), code, time.Since(start).Round(time.Millisecond))
		if code == 0 {
			// The run finished and replaced prev, as --force asks.
			t.Logf("%v came after the run finished; nothing to check", c.sig)
			before, _ = os.ReadFile(filepath.Join(dir, "prev", "manifest.json"))
			continue
		}
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.sig, code, c.code, stderr.String())
		}
		if c.sig != syscall.SIGKILL {
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%v: took %v to stop, want under 2 s", c.sig, d)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".itemlab-tmp-*")); len(left) > 0 {
				t.Errorf("%v left %v", c.sig, left)
			}
		}
		after, _ := os.ReadFile(filepath.Join(dir, "prev", "manifest.json"))
		if string(after) != string(before) {
			t.Errorf("%v: the previous run folder changed", c.sig)
		}
	}
	out, err := run("run", "--spec", "data/exam.yaml", "--out", "next", "--quiet").CombinedOutput()
	if err != nil {
		t.Fatalf("next run: %v\n%s", err, out)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".itemlab-tmp-*")); len(left) > 0 {
		t.Errorf("after the next run: %v left", left)
	}
}
