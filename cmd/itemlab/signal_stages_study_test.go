//go:build study

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestStudySignalsEveryStage sends SIGINT, SIGTERM and SIGKILL to `run` on a
// 200,000-candidate file inside each stage in turn: a quarter of the
// stage's seconds in a first, complete run's manifest.json (at most 250 ms)
// after the run's progress line says the stage began. Each time: the
// exit code says which signal (130, 143, killed), SIGINT and SIGTERM stop
// within 2 s and leave no staging folder, nothing half-written appears (no
// run folder at --out, no file beside it), the previous run folder is
// byte-for-byte intact, and after each SIGKILL the next run into a fresh
// folder succeeds, removing the staging folder left behind. With
// ITEMLAB_SIGNAL_STUDY_N the file has that many candidates instead. The stage each signal met is read from the
// run's progress lines ("calibrate…") and logged; each stage must have met
// at least one signal.
func TestStudySignalsEveryStage(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "itemlab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	// The runs' temporary files (excelize's) go to a folder of the test's,
	// checked after every signal.
	tmp := t.TempDir()
	run := func(args ...string) *exec.Cmd {
		c := exec.Command(bin, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "TMPDIR="+tmp)
		return c
	}
	n := "200000"
	if v := os.Getenv("ITEMLAB_SIGNAL_STUDY_N"); v != "" {
		n = v // a quicker look at the mechanics; the stages are then short
	}
	if out, err := run("simulate", "--out", "data", "--examinees", n, "--seed", "9").CombinedOutput(); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	if out, err := run("init", "--out", "data/exam.yaml").CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	startRun := time.Now()
	if out, err := run("run", "--spec", "data/exam.yaml", "--out", "prev", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("first run: %v\n%s", err, out)
	}
	t.Logf("a whole run takes %v", time.Since(startRun).Round(time.Millisecond))
	snapshot := func() map[string]string {
		m := map[string]string{}
		filepath.Walk(filepath.Join(dir, "prev"), func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() {
				b, _ := os.ReadFile(p)
				m[p] = string(b)
			}
			return nil
		})
		return m
	}
	before := snapshot()
	var man struct {
		Stages []struct {
			Name    string  `json:"name"`
			Seconds float64 `json:"seconds"`
		} `json:"stages"`
	}
	if err := json.Unmarshal([]byte(before[filepath.Join(dir, "prev", "manifest.json")]), &man); err != nil || len(man.Stages) == 0 {
		t.Fatalf("manifest stages: %v", err)
	}
	progress := regexp.MustCompile(`^itemlab: ([a-z]+)…$`)
	hit := map[string]int{}
	for si, st := range man.Stages {
		// The signal goes a quarter of the stage's recorded time (at most
		// 250 ms: a later run may be faster) after the run says the stage
		// started ("itemlab: calibrate…" on stderr).
		half := min(time.Duration(st.Seconds/4*float64(time.Second)), 250*time.Millisecond)
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
			name := fmt.Sprintf("%s/%v", st.Name, sig)
			out := fmt.Sprintf("out-%d-%d", si, sig)
			cmd := run("run", "--spec", "data/exam.yaml", "--out", out)
			pipe, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var stderr strings.Builder
			met := "(before the first stage)"
			started := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				sc := bufio.NewScanner(pipe)
				once := false
				for sc.Scan() {
					mu.Lock()
					stderr.WriteString(sc.Text() + "\n")
					if m := progress.FindStringSubmatch(sc.Text()); m != nil {
						met = m[1]
						if m[1] == st.Name && !once {
							once = true
							close(started)
						}
					}
					mu.Unlock()
				}
			}()
			select {
			case <-started:
				time.Sleep(half)
			case <-done:
				t.Logf("%s: the run ended before the stage began", name)
			case <-time.After(10 * time.Minute):
				t.Errorf("%s: the stage did not begin within 10 minutes", name)
			}
			cmd.Process.Signal(sig)
			sent := time.Now()
			<-done
			cmd.Wait()
			code := cmd.ProcessState.ExitCode()
			mu.Lock()
			t.Logf("%s %v into the stage: met %s, exit %d in %v", name, half.Round(time.Millisecond), met, code, time.Since(sent).Round(time.Millisecond))
			mu.Unlock()
			if code == 0 {
				t.Logf("%s: the run had finished; nothing to check", name)
				os.RemoveAll(filepath.Join(dir, out))
				continue
			}
			hit[met]++
			want := map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGKILL: -1}[sig]
			if code != want {
				t.Errorf("%s: exit %d, want %d\n%s", name, code, want, stderr.String())
			}
			if sig != syscall.SIGKILL {
				if d := time.Since(sent); d > 2*time.Second {
					t.Errorf("%s: took %v to stop, want under 2 s", name, d)
				}
				if left, _ := filepath.Glob(filepath.Join(dir, ".itemlab-tmp-*")); len(left) > 0 {
					t.Errorf("%s left %v", name, left)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, out)); err == nil {
				t.Errorf("%s: a run folder %s was committed", name, out)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				// Even after SIGKILL: the workbook's stream file is written
				// in the staging folder, which the next run removes.
				for _, e := range left {
					t.Errorf("%s: left %s in TMPDIR", name, e.Name())
					os.RemoveAll(filepath.Join(tmp, e.Name()))
				}
			}
			after := snapshot()
			if len(after) != len(before) {
				t.Errorf("%s: the previous run folder has %d files, had %d", name, len(after), len(before))
			}
			for p, b := range before {
				if after[p] != b {
					t.Errorf("%s: %s changed", name, p)
				}
			}
			// The next run succeeds; after SIGKILL it removes what was left.
			// (After SIGINT and SIGTERM nothing is left, checked above.)
			if sig != syscall.SIGKILL {
				continue
			}
			next := "next-" + out
			res, err := run("run", "--spec", "data/exam.yaml", "--out", next).CombinedOutput()
			if err != nil {
				t.Fatalf("%s: next run: %v\n%s", name, err, res)
			}
			if !strings.Contains(string(res), "removed") {
				t.Logf("%s: the next run said nothing of a staging folder:\n%s", name, res)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".itemlab-tmp-*")); len(left) > 0 {
				t.Errorf("%s: after the next run %v left", name, left)
			}
			os.RemoveAll(filepath.Join(dir, next))
		}
	}
	for _, st := range man.Stages {
		switch {
		case hit[st.Name] > 0:
		case st.Seconds < 0.005:
			// The review stage weighs tables already in memory: under
			// 5 ms, no signal can be aimed inside it.
			t.Logf("stage %s met no signal (%.4f s long: too short to aim at)", st.Name, st.Seconds)
		default:
			t.Errorf("stage %s met no signal (%.2f s long)", st.Name, st.Seconds)
		}
	}
	t.Logf("signals met per stage: %v", hit)
}
