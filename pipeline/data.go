package pipeline

import (
	"context"
	"strings"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/reports"
)

// DataOptions name a dataset's files and how to read them, as the flags of
// every command that reads responses (and the data section of the spec)
// give them.
type DataOptions struct {
	Responses, Items      string   // files; Items may be empty for a 0/1 matrix
	Sheet, ItemsSheet     string   // worksheets of XLSX files; empty means the first
	IDColumn, GroupColumn string   // empty means found by name
	FormColumn            string   // empty means a column named form
	Ignore                []string // response columns to skip
	Options               string   // option codes of items that declare none: "ABCDE", "1|2|3"
	NotReached            bool     // trailing omits are not reached
	Omit                  string   // wrong (default when empty) or missing, for calibration
	Delimiter             string   // field delimiter of a text responses file; empty means detect it
	SkipSummaryRows       bool     // drop footer rows such as "Total" or "Average" (with a warning)
	MaxCells              int64    // bound on a long-format file's matrix; zero means ingest's default rule
	MaxRows               int      // rows an XLSX responses file may run to; zero means ingest.DefaultMaxRows
	// MaxProblems, if positive, reads on after a bad row or cell and fails
	// with every problem (the first MaxProblems listed): see Problems.
	MaxProblems int
	Encoding    string // of text files without a byte order mark: utf-8 (default) or windows-1252
	// Ctx, if non-nil, stops a long read when cancelled; LoadData uses the
	// Output's (SetContext) when it is nil.
	Ctx context.Context
}

// OmitRule is the omit rule the options name.
func (o DataOptions) OmitRule() (analysis.OmitRule, error) {
	r, err := analysis.ParseOmitRule(o.Omit)
	if err != nil {
		return r, Inputf("--omit: %v", err)
	}
	return r, nil
}

// ReadData reads the dataset the options name, returning the records of the
// files read for a manifest. Warnings are in the dataset's Warnings.
func ReadData(o DataOptions) (*analysis.Dataset, []reports.FileRecord, error) {
	if _, err := o.OmitRule(); err != nil {
		return nil, nil, err
	}
	if o.MaxCells < 0 {
		return nil, nil, Inputf("--max-cells: %d is negative (zero means the default bound)", o.MaxCells)
	}
	if o.MaxRows < 0 {
		return nil, nil, Inputf("--max-rows: %d is negative (zero means %d)", o.MaxRows, ingest.DefaultMaxRows)
	}
	if _, err := ingest.ParseEncoding(o.Encoding); err != nil {
		return nil, nil, Inputf("--encoding: %v", err)
	}
	delim, err := ingest.ParseDelimiter(o.Delimiter)
	if err != nil {
		return nil, nil, Inputf("--delimiter: %v", err)
	}
	rf, err := openInput("responses", o.Responses)
	if err != nil {
		return nil, nil, err
	}
	defer rf.f.Close()
	var items *ingest.Source
	var itf *input
	if o.Items != "" {
		itf, err = openInput("items", o.Items)
		if err != nil {
			return nil, nil, err
		}
		defer itf.f.Close()
		items = &ingest.Source{Name: o.Items, R: itf}
	}
	opts := ingest.Options{
		Sheet: o.Sheet, ItemsSheet: o.ItemsSheet, IDColumn: o.IDColumn, GroupColumn: o.GroupColumn,
		FormColumn: o.FormColumn, Ignore: o.Ignore, NotReached: o.NotReached,
		Delimiter: delim, SkipSummaryRows: o.SkipSummaryRows, MaxCells: o.MaxCells, MaxRows: o.MaxRows, MaxProblems: o.MaxProblems, Context: o.Ctx, Encoding: o.Encoding,
	}
	if o.Options != "" {
		opts.Options = splitCodes(o.Options)
	}
	src := ingest.Source{Name: o.Responses, R: rf}
	if st, err := rf.f.Stat(); err == nil && st.Mode().IsRegular() {
		src.Size = st.Size()
	}
	ds, err := ingest.Load(src, items, opts)
	if o.Ctx != nil && o.Ctx.Err() != nil {
		return nil, nil, o.Ctx.Err()
	}
	if err != nil {
		return nil, nil, asInput(err)
	}
	recs := []reports.FileRecord{rf.record()}
	if itf != nil {
		recs = append(recs, itf.record())
	}
	return ds, recs, nil
}

// LoadData is the ingest stage: it reads the dataset, records its files in
// out's manifest and its warnings on out.
func LoadData(out *Output, o DataOptions) (*analysis.Dataset, error) {
	if o.Ctx == nil {
		o.Ctx = out.ctx
	}
	d, recs, err := ReadData(o)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if err := out.AddInput(r); err != nil {
			return nil, err
		}
	}
	out.Warn(d.Warnings...)
	return d, nil
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
