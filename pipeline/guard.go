package pipeline

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/itemlab/itemlab/reports"
)

// Guarding what a command writes:
//
//   - one folder holds one command's outputs: an existing non-empty --out
//     is replaced only when it holds an earlier run of the same command (its
//     manifest.json says so) and force is set, and never when it holds a
//     file that run did not write;
//   - an output folder that is, contains or lies inside an input is refused
//     (inputs are never harmed, whatever --force says);
//   - a lock next to the folder keeps two itemlab processes from writing it
//     at once;
//   - staging folders left by a killed run are removed by the next run in
//     the same place.

// checkReplace decides whether the existing folder dir may be replaced by
// the outputs of command.
func checkReplace(dir, command string, force bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(dir, reports.FileManifest))
	var m reports.Manifest
	if err != nil || json.Unmarshal(b, &m) != nil || m.Tool != "itemlab" {
		return Inputf("%s exists and holds files itemlab did not write (no manifest.json of an itemlab run); choose another --out", dir)
	}
	if m.Command != command {
		return Inputf("%s holds the outputs of %q (its manifest.json); a folder holds one command's outputs: choose another --out for %q", dir, m.Command, command)
	}
	if !force {
		return Inputf("%s holds an earlier %q run; choose another --out or add --force to replace it", dir, command)
	}
	ours := map[string]bool{reports.FileManifest: true}
	for _, r := range m.Outputs {
		ours[filepath.ToSlash(r.Path)] = true
	}
	var foreign string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || foreign != "" {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if !ours[filepath.ToSlash(rel)] {
			foreign = rel
		}
		return nil
	})
	if foreign != "" {
		return Inputf("%s also holds %s, which its earlier run did not write; --force would delete it: move it out first", dir, foreign)
	}
	return nil
}

// within reports whether path is dir or lies inside it (both made absolute,
// symbolic links resolved as far as they exist).
func within(path, dir string) bool {
	p, d := realPath(path), realPath(dir)
	if p == d {
		return true
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func realPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	if r, err := filepath.EvalSymlinks(a); err == nil {
		return r
	}
	// The path may not exist yet: resolve its parent.
	if r, err := filepath.EvalSymlinks(filepath.Dir(a)); err == nil {
		return filepath.Join(r, filepath.Base(a))
	}
	return a
}

// inputConflict is the error of an input that the output folder would
// replace.
func inputConflict(dir, input string) error {
	return Inputf("--out %s would replace the input %s: write the results elsewhere", dir, input)
}

// lockTarget takes the lock of the output folder dir: a file beside it,
// held by this process until release.
func lockTarget(dir string) (*os.File, error) {
	p := filepath.Join(filepath.Dir(filepath.Clean(dir)), "."+filepath.Base(filepath.Clean(dir))+".itemlab-lock")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if !tryLock(f) {
		f.Close()
		return nil, fmt.Errorf("another itemlab is writing %s (it holds %s); wait for it to finish", dir, p)
	}
	return f, nil
}

// removeStale removes the staging folders of killed runs in parent: those
// whose lock no process holds.
func removeStale(parent string, log Logger) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), ".itemlab-tmp-") {
			continue
		}
		p := filepath.Join(parent, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if tryLock(f) {
			os.RemoveAll(p)
			log.Logf("removed %s, left by an interrupted itemlab", p)
		}
		f.Close()
	}
}
