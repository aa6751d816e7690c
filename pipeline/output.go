package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/reports"
)

// Invocation is what ran, as the manifest records it: the command, its
// arguments and every option with its value.
type Invocation struct {
	Command string            // e.g. "itemlab calibrate"
	Args    []string          // the arguments of this command, not of the process
	Options map[string]string // every option and its value (defaults included)
	Version string            // itemlab's version
}

// Output collects a command's files in a temporary folder beside its
// destination and moves them into place only when the command succeeds, so a
// failed run leaves no half-written results. It never writes over an input
// file. An Output is not safe for concurrent use.
type Output struct {
	Log Logger // never nil after NewOutput

	dir      string
	tmp      string
	names    []string
	inputs   []reports.FileRecord
	started  time.Time
	inv      Invocation
	seed     *uint64
	warnings []error
	stages   []reports.StageRecord
	spec     string
}

// NewOutput stages outputs for the folder dir. A nil log means Discard.
func NewOutput(dir string, inv Invocation, log Logger) (*Output, error) {
	if dir == "" {
		return nil, Inputf("--out is required: the folder to write results into")
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, Inputf("--out %s is a file, want a folder", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, ".itemlab-tmp-")
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = Discard
	}
	return &Output{Log: log, dir: dir, tmp: tmp, started: time.Now(), inv: inv}, nil
}

// Dir is the destination folder.
func (o *Output) Dir() string { return o.dir }

// Staging is the temporary folder the outputs are written into.
func (o *Output) Staging() string { return o.tmp }

// SetSeed records the random seed of the work in the manifest.
func (o *Output) SetSeed(seed uint64) { o.seed = &seed }

// SetSpec records the text of the exam spec in the manifest.
func (o *Output) SetSpec(text string) { o.spec = text }

// AddInput records an input file in the manifest.
func (o *Output) AddInput(r reports.FileRecord) { o.inputs = append(o.inputs, r) }

// Warn records warnings for the manifest and passes each to the Logger. A
// warning about an item with the code of an earlier one about the same item
// (the data's and the classical analysis' zero variance, say) is dropped
// as a repeat.
func (o *Output) Warn(ws ...error) {
	for _, w := range ws {
		if w == nil || o.repeats(w) {
			continue
		}
		o.warnings = append(o.warnings, w)
		o.Log.Warn(w)
	}
}

func (o *Output) repeats(w error) bool {
	var a *analysis.Warning
	if !errors.As(w, &a) || a.Item == "" {
		return false
	}
	for _, prev := range o.warnings {
		var b *analysis.Warning
		if errors.As(prev, &b) && b.Item == a.Item && b.Code == a.Code {
			return true
		}
	}
	return false
}

// Warnings are the warnings recorded so far.
func (o *Output) Warnings() []error { return o.warnings }

// path returns where a new output file is staged; name may contain "/".
func (o *Output) path(name string) (string, error) {
	for _, in := range o.inputs {
		if sameFile(in.Path, filepath.Join(o.dir, name)) {
			return "", Inputf("refusing to write %s over the input file %s", filepath.Join(o.dir, name), in.Path)
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

// Write stages the file name, written by fn.
func (o *Output) Write(name string, fn func(io.Writer) error) error {
	p, err := o.path(name)
	if err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return f.Close()
}

// Table stages a CSV table.
func (o *Output) Table(name string, t *reports.Table) error {
	return o.Write(name, func(w io.Writer) error { return reports.WriteCSV(w, t) })
}

// JSON stages a JSON file.
func (o *Output) JSON(name string, v any) error {
	return o.Write(name, func(w io.Writer) error { return reports.WriteJSON(w, v) })
}

// adopt records files that something else wrote under the staging folder
// (the workbook and charts of the report stage) as outputs.
func (o *Output) adopt(names ...string) { o.names = append(o.names, names...) }

// Commit writes manifest.json and moves every staged file into the output
// folder, replacing files of the same names.
func (o *Output) Commit() error {
	if err := o.JSON(reports.FileManifest, o.manifest()); err != nil {
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

// CommitFolder writes manifest.json and puts the staged folder in place of
// the output folder as a whole: an existing folder is moved aside, the new
// one renamed into place, and the old one removed. Work that fails before
// this leaves the previous folder untouched.
func (o *Output) CommitFolder() error {
	if err := o.JSON(reports.FileManifest, o.manifest()); err != nil {
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

// Abort removes the staged files; after Commit it does nothing.
func (o *Output) Abort() { os.RemoveAll(o.tmp) }

func (o *Output) manifest() *reports.Manifest {
	m := &reports.Manifest{
		Tool: "itemlab", Version: o.inv.Version, Command: o.inv.Command, Args: o.inv.Args,
		Options: o.inv.Options, Seed: o.seed, Inputs: o.inputs, Warnings: []string{},
		Started: o.started.UTC().Format(time.RFC3339), Seconds: time.Since(o.started).Seconds(),
		GoOS: runtime.GOOS, GoArch: runtime.GOARCH, Stages: o.stages, Spec: o.spec,
	}
	if m.Args == nil {
		m.Args = []string{}
	}
	if m.Options == nil {
		m.Options = map[string]string{}
	}
	for _, w := range o.warnings {
		m.Warnings = append(m.Warnings, w.Error())
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
	m.RunID = RunID(m)
	names := append([]string(nil), o.names...)
	sort.Strings(names)
	for _, name := range names {
		if name == reports.FileManifest {
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

func hashFile(p string) (reports.FileRecord, error) {
	f, err := os.Open(p)
	if err != nil {
		return reports.FileRecord{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return reports.FileRecord{}, err
	}
	return reports.FileRecord{Path: p, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// at joins a stage folder prefix and a file name.
func at(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return path.Join(prefix, name)
}
