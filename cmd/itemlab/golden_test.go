package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestDemoGolden is the safety net of the restructure: the demo's CSV and
// JSON tables (every run folder's, manifest.json aside, which holds times)
// must stay byte-identical to testdata/golden/demo. Tables larger than
// goldenMaxBytes (the covariance matrices) are kept as their SHA-256 in
// testdata/golden/demo.sha256 instead. A change that alters a number on
// purpose rewrites them with `go test ./cmd/itemlab -run TestDemoGolden
// -update`, and the commit says why.
func TestDemoGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping a whole demo run")
	}
	out := filepath.Join(t.TempDir(), "demo")
	if code, _, stderr := runCmd(t, "demo", "--out", out, "--quiet", "--no-report"); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	golden := filepath.Join("testdata", "golden", "demo")
	hashes := golden + ".sha256"
	got := tablesUnder(t, out)
	gotHashes := map[string]string{}
	for rel, b := range got {
		if len(b) > goldenMaxBytes {
			sum := sha256.Sum256(b)
			gotHashes[rel] = hex.EncodeToString(sum[:])
			delete(got, rel)
		}
	}
	if *update {
		os.RemoveAll(golden)
		var lines []string
		for rel, h := range gotHashes {
			lines = append(lines, h+"  "+rel)
		}
		sort.Strings(lines)
		if err := os.WriteFile(hashes, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for rel, b := range got {
			p := filepath.Join(golden, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	wantHashes := map[string]string{}
	if b, err := os.ReadFile(hashes); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if h, rel, ok := strings.Cut(line, "  "); ok {
				wantHashes[rel] = h
			}
		}
	}
	for rel, h := range gotHashes {
		if wantHashes[rel] != h {
			t.Errorf("%s: SHA-256 %s, want %s (%s)", rel, h, wantHashes[rel], hashes)
		}
	}
	for rel := range wantHashes {
		if _, ok := gotHashes[rel]; !ok {
			t.Errorf("%s: missing from the demo's output (or no longer large)", rel)
		}
	}
	want := tablesUnder(t, golden)
	var names []string
	for rel := range want {
		names = append(names, rel)
	}
	for rel := range got {
		if _, ok := want[rel]; !ok {
			t.Errorf("%s: new table, not in the golden files (run with -update if intended)", rel)
		}
	}
	sort.Strings(names)
	for _, rel := range names {
		g, ok := got[rel]
		if !ok {
			t.Errorf("%s: missing from the demo's output", rel)
			continue
		}
		if !bytes.Equal(g, want[rel]) {
			p := filepath.Join(golden, rel) + ".got"
			os.WriteFile(p, g, 0o644)
			t.Errorf("%s differs from the golden file; %s", rel, firstDiff(want[rel], g))
		}
	}
}

// goldenMaxBytes is the size above which a table is checked by its hash.
const goldenMaxBytes = 256 << 10

// tablesUnder reads every .csv and .json file under dir but manifest.json.
func tablesUnder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || e.Name() == "manifest.json" {
			return err
		}
		if !strings.HasSuffix(p, ".csv") && !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// firstDiff describes the first line where two files differ.
func firstDiff(want, got []byte) string {
	wl := strings.Split(string(want), "\n")
	gl := strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + clip(w) + "\n  got  " + clip(g)
		}
	}
	return "same lines, different bytes"
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
