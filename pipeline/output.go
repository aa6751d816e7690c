package pipeline

import (
	"context"
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
	lock     *os.File        // the output folder's lock (lockTarget)
	hold     *os.File        // the staging folder, locked while this Output lives
	conflict error           // an input the output folder would replace
	ctx      context.Context // SetContext; nil means none
}

// SetContext gives the stages that take no context of their own (reading
// the data) one to stop on.
func (o *Output) SetContext(ctx context.Context) { o.ctx = ctx }

// NewOutput stages outputs for the folder dir, which Commit replaces as a
// whole. An existing non-empty dir must hold an earlier run of the same
// command (inv.Command) and force must be set; a folder holding files that
// run did not write is never replaced. The folder is locked against other
// itemlab processes until Commit or Abort. A nil log means Discard.
func NewOutput(dir string, inv Invocation, log Logger, force bool) (*Output, error) {
	if dir == "" {
		return nil, Inputf("--out is required: the folder to write results into")
	}
	if log == nil {
		log = Discard
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, Inputf("--out %s is a file, want a folder", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return nil, err
	}
	lock, err := lockTarget(dir)
	if err != nil {
		return nil, err
	}
	if err := checkReplace(dir, inv.Command, force); err != nil {
		releaseLock(lock)
		return nil, err
	}
	removeStale(parent, log)
	tmp, err := os.MkdirTemp(parent, ".itemlab-tmp-")
	if err != nil {
		releaseLock(lock)
		return nil, err
	}
	// MkdirTemp makes the folder 0700; a run folder is for colleagues too.
	os.Chmod(tmp, 0o777&^umask())
	hold, err := os.Open(tmp)
	if err == nil {
		tryLock(hold)
	}
	return &Output{Log: log, dir: dir, tmp: tmp, started: time.Now(), inv: inv, lock: lock, hold: hold}, nil
}

func releaseLock(f *os.File) {
	if f != nil {
		os.Remove(f.Name())
		f.Close()
	}
}

func (o *Output) release() {
	if o.hold != nil {
		o.hold.Close()
		o.hold = nil
	}
	releaseLock(o.lock)
	o.lock = nil
}

// Dir is the destination folder.
func (o *Output) Dir() string { return o.dir }

// Staging is the temporary folder the outputs are written into.
func (o *Output) Staging() string { return o.tmp }

// SetSeed records the random seed of the work in the manifest.
func (o *Output) SetSeed(seed uint64) { o.seed = &seed }

// SetSpec records the text of the exam spec in the manifest.
func (o *Output) SetSpec(text string) { o.spec = text }

// AddInput records an input file in the manifest. An input that lies in the
// output folder is an error (the folder would be replaced), returned now and
// by every later Write and Commit.
func (o *Output) AddInput(r reports.FileRecord) error {
	o.inputs = append(o.inputs, r)
	if o.conflict == nil && !within(r.Path, o.tmp) && within(r.Path, o.dir) {
		o.conflict = inputConflict(o.dir, r.Path)
	}
	return o.conflict
}

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
	if o.conflict != nil {
		return "", o.conflict
	}
	for _, in := range o.inputs {
		if sameFile(in.Path, filepath.Join(o.dir, name)) {
			return "", Inputf("refusing to write %s over the input file %s", filepath.Join(o.dir, name), in.Path)
		}
	}
	p := filepath.Join(o.tmp, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
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

// Commit writes manifest.json and puts the staged folder in place of the
// output folder (CommitFolder).
func (o *Output) Commit() error { return o.CommitFolder() }

// CommitFolder writes manifest.json and puts the staged folder in place of
// the output folder as a whole: an existing folder is moved aside, the new
// one renamed into place, and the old one removed. Work that fails before
// this leaves the previous folder untouched.
func (o *Output) CommitFolder() error {
	defer o.release()
	if o.conflict != nil {
		return o.conflict
	}
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

// Abort removes the staged files and releases the folder's lock; after
// Commit it does nothing.
func (o *Output) Abort() {
	os.RemoveAll(o.tmp)
	o.release()
}

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
