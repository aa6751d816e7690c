package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/itemlab/itemlab/analysis/ingest"

	"github.com/spf13/pflag"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/reports"
)

// dataFlags are the flags of every command that reads responses.
type dataFlags struct {
	responses, items      string
	sheet, itemsSheet     string
	idCol, groupCol, form string
	ignore                []string
	options               string
	notReached            bool
	omit                  string
}

func (d *dataFlags) add(fs *pflag.FlagSet, itemsRequired bool) {
	fs.StringVar(&d.responses, "responses", "", "responses `file`: wide CSV/TSV/XLSX (one row per candidate) or long CSV (examinee_id,item_id,response)")
	itemsHelp := "items `file` (CSV/XLSX): item_id,key,domain,status[,options,anchor,a,b,c]"
	if !itemsRequired {
		itemsHelp += "; without it the responses must be scored 0/1 and every item is operational"
	}
	fs.StringVar(&d.items, "items", "", itemsHelp)
	fs.StringVar(&d.sheet, "sheet", "", "worksheet of an XLSX responses file (default: the first)")
	fs.StringVar(&d.itemsSheet, "items-sheet", "", "worksheet of an XLSX items file (default: the first)")
	fs.StringVar(&d.idCol, "id-column", "", "candidate id column (default: examinee_id, id, candidate_id, … or the first non-item column)")
	fs.StringVar(&d.groupCol, "group-column", "", "group column, e.g. for DIF (default: a column named group)")
	fs.StringVar(&d.form, "form-column", "", "form column (default: a column named form)")
	fs.StringSliceVar(&d.ignore, "ignore", nil, "response `columns` to skip (comma-separated), e.g. demographics")
	fs.StringVar(&d.options, "options", "", "option `codes` of items whose items-file row declares none, e.g. ABCDE or 1|2|3|4 (default ABCD)")
	fs.BoolVar(&d.notReached, "not-reached", false, "treat each candidate's trailing omits as not reached (missing in calibration)")
	fs.StringVar(&d.omit, "omit", "wrong", "how omits enter calibration: wrong or missing (raw scores always count them wrong)")
}

// inputError is a problem with an input file (exit code 2).
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// hashingFile is an opened input that hashes what is read from it.
type hashingFile struct {
	f    *os.File
	h    hashState
	n    int64
	path string
}

type hashState interface {
	io.Writer
	Sum([]byte) []byte
}

func (h *hashingFile) Read(p []byte) (int, error) {
	n, err := h.f.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// record finishes reading the file (for its hash) and returns its record.
func (h *hashingFile) record() reports.FileRecord {
	io.Copy(io.Discard, h)
	h.f.Close()
	return reports.FileRecord{Path: h.path, Bytes: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}
}

// openInput opens a user's input file for reading, with a clear message for
// a missing file or a folder.
func openInput(what, path string) (*hashingFile, error) {
	if path == "" {
		return nil, usagef("--%s is required", what)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &inputError{fmt.Errorf("%s: no such file (given as --%s)", path, what)}
	case err != nil:
		return nil, &inputError{fmt.Errorf("%s: %v", path, err)}
	case fi.IsDir():
		return nil, &inputError{fmt.Errorf("%s: is a folder, want a file (given as --%s)", path, what)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &inputError{fmt.Errorf("%s: %v", path, err)}
	}
	return &hashingFile{f: f, h: sha256.New(), path: path}, nil
}

// load reads the dataset named by the flags, prints its warnings to stderr
// and records the inputs in out (if non-nil).
func (d *dataFlags) load(env *Env, out *output) (*analysis.Dataset, error) {
	if _, err := analysis.ParseOmitRule(d.omit); err != nil {
		return nil, usagef("--omit: %v", err)
	}
	rf, err := openInput("responses", d.responses)
	if err != nil {
		return nil, err
	}
	defer rf.f.Close()
	var items *ingest.Source
	var itf *hashingFile
	if d.items != "" {
		itf, err = openInput("items", d.items)
		if err != nil {
			return nil, err
		}
		defer itf.f.Close()
		items = &ingest.Source{Name: d.items, R: itf}
	}
	opts := ingest.Options{
		Sheet: d.sheet, ItemsSheet: d.itemsSheet, IDColumn: d.idCol, GroupColumn: d.groupCol,
		FormColumn: d.form, Ignore: d.ignore, NotReached: d.notReached,
	}
	if d.options != "" {
		opts.Options = splitCodes(d.options)
	}
	ds, err := ingest.Load(ingest.Source{Name: d.responses, R: rf}, items, opts)
	if err != nil {
		return nil, &inputError{err}
	}
	if out != nil {
		out.inputs = append(out.inputs, rf.record())
		if itf != nil {
			out.inputs = append(out.inputs, itf.record())
		}
	}
	printWarnings(env, ds.Warnings, out)
	return ds, nil
}

func (d *dataFlags) omitRule() analysis.OmitRule {
	r, _ := analysis.ParseOmitRule(d.omit)
	return r
}

// splitCodes reads an option list: "ABCD", "A|B|C" or "A,B,C".
func splitCodes(s string) []string {
	if strings.ContainsAny(s, "|,") {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' })
	}
	var out []string
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// maxWarnings is how many warnings of one kind go to stderr; the rest are
// counted (all of them are in the outputs).
const maxWarnings = 10

func printWarnings(env *Env, ws []analysis.Warning, out *output) {
	count := map[string]int{}
	var codes []string
	for _, w := range ws {
		if count[w.Code] == 0 {
			codes = append(codes, w.Code)
		}
		if out != nil {
			out.warn(w.Message)
		}
		count[w.Code]++
		if count[w.Code] <= maxWarnings {
			fmt.Fprintf(env.Stderr, "itemlab: warning: %s\n", w.Message)
		}
	}
	for _, code := range codes {
		if n := count[code]; n > maxWarnings {
			fmt.Fprintf(env.Stderr, "itemlab: warning: … and %d more %s warnings\n", n-maxWarnings, code)
		}
	}
}
