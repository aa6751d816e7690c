package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/reports"
)

// output collects a command's files in a temporary folder beside --out and
// moves them into place only when the command succeeds, so a failed run
// leaves no half-written results. It never writes over an input file.
type output struct {
	dir     string
	tmp     string
	names   []string
	inputs  []reports.FileRecord
	started time.Time
	cmd     *cobra.Command
	args    []string
	seed    *uint64
	warns   []string
	stages  []reports.StageRecord
	spec    string
}

func newOutput(c *cobra.Command, dir string) (*output, error) {
	if dir == "" {
		return nil, usagef("--out is required: the folder to write results into")
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, usagef("--out %s is a file, want a folder", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, ".itemlab-tmp-")
	if err != nil {
		return nil, err
	}
	return &output{dir: dir, tmp: tmp, started: time.Now(), cmd: c, args: os.Args[1:]}, nil
}

// path returns where a new output file is staged; name may contain "/".
func (o *output) path(name string) (string, error) {
	for _, in := range o.inputs {
		if sameFile(in.Path, filepath.Join(o.dir, name)) {
			return "", usagef("refusing to write %s over the input file %s", filepath.Join(o.dir, name), in.Path)
		}
	}
	p := filepath.Join(o.tmp, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	o.names = append(o.names, name)
	return p, nil
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// create opens a staged output file for writing.
func (o *output) create(name string) (*os.File, error) {
	p, err := o.path(name)
	if err != nil {
		return nil, err
	}
	return os.Create(p)
}

// write stages a file written by fn.
func (o *output) write(name string, fn func(io.Writer) error) error {
	f, err := o.create(name)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return f.Close()
}

func (o *output) table(name string, t *reports.Table) error {
	return o.write(name, func(w io.Writer) error { return reports.WriteCSV(w, t) })
}

func (o *output) json(name string, v any) error {
	return o.write(name, func(w io.Writer) error { return reports.WriteJSON(w, v) })
}

func (o *output) warn(msg string) { o.warns = append(o.warns, msg) }

// commit writes manifest.json and moves every staged file into the output
// folder, replacing files of the same names.
func (o *output) commit() error {
	m := o.manifest()
	if err := o.json("manifest.json", m); err != nil {
		return err
	}
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return err
	}
	for _, name := range o.names {
		dst := filepath.Join(o.dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(o.tmp, name), dst); err != nil {
			return err
		}
	}
	return os.RemoveAll(o.tmp)
}

// commitFolder writes manifest.json and puts the staged folder in place of
// the output folder as a whole: an existing folder is moved aside, the new
// one renamed into place, and the old one removed. A run that fails before
// this leaves the previous folder untouched.
func (o *output) commitFolder() error {
	if err := o.json("manifest.json", o.manifest()); err != nil {
		return err
	}
	var old string
	if _, err := os.Stat(o.dir); err == nil {
		old = o.tmp + ".old"
		if err := os.Rename(o.dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(o.tmp, o.dir); err != nil {
		if old != "" {
			os.Rename(old, o.dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// abort removes the staged files.
func (o *output) abort() { os.RemoveAll(o.tmp) }

func (o *output) manifest() *reports.Manifest {
	m := &reports.Manifest{
		Tool: "itemlab", Version: Version, Command: o.cmd.CommandPath(), Args: o.args,
		Options: map[string]string{}, Seed: o.seed, Inputs: o.inputs, Warnings: o.warns,
		Started: o.started.UTC().Format(time.RFC3339), Seconds: time.Since(o.started).Seconds(),
		GoOS: runtime.GOOS, GoArch: runtime.GOARCH, Stages: o.stages, Spec: o.spec,
	}
	if m.Warnings == nil {
		m.Warnings = []string{}
	}
	if m.Inputs == nil {
		m.Inputs = []reports.FileRecord{}
	}
	// Inputs that are outputs of this run (a demo's simulated data) are
	// named by where they end up, not by the temporary folder.
	for k, in := range m.Inputs {
		if rel, err := filepath.Rel(o.tmp, in.Path); err == nil && !strings.HasPrefix(rel, "..") {
			m.Inputs[k].Path = filepath.Join(o.dir, rel)
		}
	}
	o.cmd.Flags().VisitAll(func(f *pflagFlag) {
		m.Options[f.Name] = f.Value.String()
	})
	names := append([]string(nil), o.names...)
	sort.Strings(names)
	for _, name := range names {
		if name == "manifest.json" {
			continue
		}
		rec, err := hashFile(filepath.Join(o.tmp, name))
		if err != nil {
			continue
		}
		rec.Path = filepath.ToSlash(name)
		m.Outputs = append(m.Outputs, rec)
	}
	return m
}

func hashFile(path string) (reports.FileRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return reports.FileRecord{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return reports.FileRecord{}, err
	}
	return reports.FileRecord{Path: path, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// plural returns "n thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, thing)
	}
	if strings.HasSuffix(thing, "y") && !strings.HasSuffix(thing, "ey") {
		return fmt.Sprintf("%d %sies", n, thing[:len(thing)-1])
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
