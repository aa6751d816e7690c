package ingest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/itemlab/itemlab/analysis"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// Options control how responses are read.
type Options struct {
	Sheet       string   // XLSX sheet of the responses; empty means the first
	ItemsSheet  string   // XLSX sheet of the items file; empty means the first
	IDColumn    string   // candidate id column; empty means auto-detect (see Load)
	GroupColumn string   // group column (for DIF); empty means a column named "group", if any
	FormColumn  string   // form column; empty means a column named "form", if any
	Ignore      []string // response-file columns to skip (e.g. demographics)
	Options     []string // option codes of items that declare none; nil means DefaultCodes
	// NotReached marks the trailing run of omits of each candidate (in the
	// order of the response file's columns) as not reached: missing in every
	// calibration, whatever the omit rule.
	NotReached bool
	// Delimiter separates the fields of a text responses file; zero means
	// detect it (see OpenTable). ParseDelimiter reads a --delimiter value.
	Delimiter byte
	// SkipSummaryRows drops rows whose id (or first) cell is a summary label
	// such as "Total" or "Average", with a warning naming them; without it
	// such a row is an error.
	SkipSummaryRows bool
	// MaxCells bounds the response matrix (candidates × items) that a
	// long-format file may imply; zero means the default rule of
	// checkCells (at most DenseFactor × the responses present, or
	// DefaultMaxCells whatever the responses). A wide file holds every cell
	// it implies, so the limit does not apply to it.
	MaxCells int64
	// MaxRows is the number of worksheet rows an XLSX responses file may
	// run to; zero means DefaultMaxRows.
	MaxRows int
	// MaxProblems, if positive, makes Load go on after a bad row or cell
	// and return every problem it found as a *ProblemsError, listing the
	// first MaxProblems and counting the rest (validate lists them). Zero
	// stops at the first problem.
	MaxProblems int
	// Context, if non-nil, is checked every 1,024 rows of a file read row
	// by row (a worksheet, a long-format or quoted CSV file): Load returns
	// its error within a fraction of a second of a cancellation.
	Context context.Context
	// Encoding of text files (responses and items) without a byte order
	// mark: "" or "utf-8", or "windows-1252" (Excel's "CSV" in Western
	// locales, also accepted as "cp1252", "ansi", "latin1", "iso-8859-1").
	// ParseEncoding checks a --encoding value.
	Encoding string
}

// ParseEncoding checks an encoding name for Options.Encoding and returns
// its canonical form ("" for UTF-8).
func ParseEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "utf-8", "utf8":
		return "", nil
	case "windows-1252", "cp1252", "ansi", "latin1", "latin-1", "iso-8859-1":
		return "windows-1252", nil
	}
	return "", fmt.Errorf("%q: want utf-8 or windows-1252", s)
}

// decode wraps a text source in the decoder of enc.
func decode(src Source, enc string) Source {
	if enc == "windows-1252" && !isXLSX(src.Name) {
		src.R = transform.NewReader(src.R, charmap.Windows1252.NewDecoder())
	}
	return src
}

// DefaultMaxCells and DenseFactor are the default bound on the response
// matrix of a long-format file (Options.MaxCells): the matrix takes one byte
// per candidate × item, so a file of few responses naming many candidates
// and many items (every candidate answering a different item) would need
// memory out of all proportion to its size. A matrix of at most
// DefaultMaxCells cells (64 MiB) or at most DenseFactor times the responses
// present (a sparse design of up to 64 forms pooled in one file) is read.
const (
	DefaultMaxCells = 64 << 20
	DenseFactor     = 64
)

var (
	idAliases    = []string{"examinee_id", "id", "examinee", "candidate_id", "candidate", "person_id", "person", "student_id", "student", "respondent_id", "respondent", "examineeid", "candidateid"}
	groupAliases = []string{"group", "dif_group"}
	formAliases  = []string{"form", "form_id", "test_form"}
	itemAliases  = []string{"item_id", "item", "itemid"}
	respAliases  = []string{"response", "answer", "resp", "score", "value"}
)

// Load reads a responses file (and, if items is non-nil, an items file) into
// a Dataset, checking everything later commands rely on.
//
// The responses may be wide — one row per candidate, one column per item —
// as CSV, TSV or XLSX, or long CSV with the columns examinee_id, item_id and
// response (detected from the header). Cells hold an option code declared for
// the item, 0/1 for items scored already, or a blank (also "NA" or ".") for an
// omit.
//
// The candidate id column is opts.IDColumn or, if empty, the first column
// whose header is a usual id name (examinee_id, id, candidate_id, person, …);
// failing that, with an items file, a first column that is not an item.
// Without any, candidates are numbered by row. Group and form columns work the
// same way with the names "group" and "form".
//
// Without an items file every other column is an operational item scored
// 0/1. With one, every other column must be an item of the items file and
// every item of the items file must have a column.
//
// Errors are *ParseError values that name file, line (or sheet and cell),
// column and item. Problems that are not errors are in Dataset.Warnings.
func Load(responses Source, items *Source, opts Options) (*analysis.Dataset, error) {
	d, err := loadFiles(responses, items, opts)
	var pe *analysis.ParseError
	if errors.Is(err, analysis.ErrInvalidUTF8) && opts.Encoding == "" && errors.As(err, &pe) && !isXLSX(pe.File) {
		pe.Err = fmt.Errorf("%w; a CSV saved by Excel in a Western locale is windows-1252: read it with --encoding windows-1252", pe.Err)
	}
	return d, err
}

func loadFiles(responses Source, items *Source, opts Options) (*analysis.Dataset, error) {
	enc, err := ParseEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
	responses = decode(responses, enc)
	if items != nil {
		is := decode(*items, enc)
		items = &is
	}
	var probs *problems
	if opts.MaxProblems > 0 {
		probs = &problems{max: opts.MaxProblems}
	}
	var defs []analysis.ItemInfo
	if items != nil {
		var err error
		defs, err = ReadItems(*items, ItemsOptions{Sheet: opts.ItemsSheet, Options: opts.Options, problems: probs})
		if err != nil {
			return nil, err
		}
		if probs.count() > 0 {
			// The responses are read against the items: fix these first.
			pe := probs.err().(*ProblemsError)
			pe.ItemsOnly = true
			return nil, pe
		}
	}
	tab, err := openTable(responses, opts.Sheet, opts.Delimiter, opts.MaxRows)
	if err == nil {
		defer closeTable(tab)
	}
	if err != nil {
		return nil, err
	}
	header, err := tab.Next()
	if err == io.EOF {
		return nil, &analysis.ParseError{File: responses.Name, Err: analysis.ErrEmptyFile}
	}
	if err != nil {
		return nil, err
	}
	if _, text := tab.(*fastCSV); text && opts.Delimiter == 0 {
		if err := oneColumnHint(responses.Name, header); err != nil {
			return nil, err
		}
	}
	header = append([]string(nil), header...)
	if err := nearDuplicateColumns(tab, header); err != nil {
		return nil, err
	}
	for k := range header {
		header[k] = strings.TrimSpace(header[k])
	}
	ld := &loader{name: responses.Name, tab: tab, header: header, defs: defs, opts: opts, size: responses.Size, probs: probs}
	var d *analysis.Dataset
	headerLine := tab.Line()
	if isLong(header) {
		d, err = ld.long()
	} else {
		d, err = ld.wide()
	}
	if err != nil && probs.count() > 0 && probs.force(err) {
		return nil, probs.err()
	}
	if err != nil {
		// A header that does not fit may be that of another sheet.
		var pe *analysis.ParseError
		if xs, ok := tab.(*xlsxSource); ok && errors.As(err, &pe) && pe.Row == headerLine {
			if hint := xs.sheetsHint(); hint != "" {
				pe.Err = fmt.Errorf("%w%s", pe.Err, hint)
			}
		}
		return nil, err
	}
	if err := probs.err(); err != nil {
		return nil, err
	}
	d.Sources = append(d.Sources, responses.Name)
	if items != nil {
		d.Sources = append(d.Sources, items.Name)
	}
	if opts.NotReached {
		d.MarkNotReached()
	}
	d.Warnings = append(d.Warnings, d.CheckWarnings()...)
	return d, nil
}

// nearDuplicateColumns returns an error for two header cells that differ
// only in letter case or surrounding spaces ("Q1" and "q1", "note" and
// "note "): one of them would silently be taken for the other. Exact
// repeats are left to the callers, which say what the column is.
func nearDuplicateColumns(tab Table, raw []string) error {
	seen := make(map[string]int, len(raw))
	for k, h := range raw {
		key := strings.ToLower(strings.TrimSpace(h))
		if key == "" {
			continue
		}
		prev, dup := seen[key]
		if !dup {
			seen[key] = k
			continue
		}
		if raw[prev] == h {
			continue
		}
		return tab.ErrAt(k, "", fmt.Errorf("column %d %q and column %d %q differ only in letter case or spaces: rename one (or delete the copy)", k+1, h, prev+1, raw[prev]))
	}
	return nil
}

// isLong reports whether a header is that of the long format.
func isLong(h []string) bool {
	return findCol(h, "", idAliases[:1]) >= 0 && findCol(h, "", itemAliases) >= 0 &&
		findCol(h, "", respAliases) >= 0 && len(h) <= 5
}

// findCol returns the column named want, or if want is empty the first
// column whose lower-cased name is one of aliases; -1 if none.
func findCol(h []string, want string, aliases []string) int {
	if want != "" {
		for k, c := range h {
			if c == want {
				return k
			}
		}
		for k, c := range h {
			if strings.EqualFold(c, want) {
				return k
			}
		}
		return -1
	}
	for _, a := range aliases {
		for k, c := range h {
			if strings.ToLower(c) == a {
				return k
			}
		}
	}
	return -1
}

type loader struct {
	name   string
	tab    Table
	header []string
	defs   []analysis.ItemInfo
	opts   Options
	// skipped are the summary rows dropped under Options.SkipSummaryRows.
	skipped []skippedRow
	size    int64 // Source.Size
	// probs collects the problems when Options.MaxProblems asks for them.
	probs *problems
}

// cellDecoder turns a cell into an option index, Omit, or an error.
type cellDecoder struct {
	single [256]uint8 // single-byte code → index+1 (0: not a code)
	multi  map[string]uint8
	opts   []string
}

func newCellDecoder(options []string) *cellDecoder {
	c := &cellDecoder{opts: options}
	for k, o := range options {
		if len(o) == 1 {
			c.single[o[0]] = uint8(k + 1)
		} else {
			if c.multi == nil {
				c.multi = map[string]uint8{}
			}
			c.multi[o] = uint8(k)
		}
	}
	// Letters match in either case unless both cases are declared.
	for k, o := range options {
		if len(o) == 1 {
			b := o[0]
			var other byte
			switch {
			case b >= 'A' && b <= 'Z':
				other = b + 'a' - 'A'
			case b >= 'a' && b <= 'z':
				other = b - ('a' - 'A')
			}
			if other != 0 && c.single[other] == 0 {
				c.single[other] = uint8(k + 1)
			}
		}
	}
	return c
}

var errNotCode = errors.New("not a code")

func (c *cellDecoder) decode(s []byte) (uint8, error) {
	if len(s) == 1 {
		if v := c.single[s[0]]; v != 0 {
			return v - 1, nil
		}
	}
	t := bytes.TrimSpace(s)
	if len(t) == 0 {
		return analysis.Omit, nil
	}
	if len(t) == 1 {
		if v := c.single[t[0]]; v != 0 {
			return v - 1, nil
		}
	}
	if v, ok := c.multi[string(t)]; ok {
		return v, nil
	}
	// Spreadsheets write pre-scored 0/1 as 1.0.
	if len(c.opts) == 2 && c.opts[0] == "0" && c.opts[1] == "1" {
		if f, err := strconv.ParseFloat(string(t), 64); err == nil && (f == 0 || f == 1) {
			return uint8(f), nil
		}
	}
	if string(t) == "NA" || string(t) == "." {
		return analysis.Omit, nil
	}
	return 0, errNotCode
}

func (c *cellDecoder) describe() string {
	if len(c.opts) == 2 && c.opts[0] == "0" && c.opts[1] == "1" {
		return "want 0, 1 or blank"
	}
	return "want one of " + strings.Join(c.opts, ", ") + " or blank (declare other codes in the items file's options column or with --options)"
}

func (l *loader) badCell(field int, item string, cell []byte, dec *cellDecoder) error {
	if !utf8.Valid(cell) {
		return l.tab.ErrAt(field, item, analysis.ErrInvalidUTF8)
	}
	return l.tab.ErrAt(field, item, fmt.Errorf("invalid response %s: %s", analysis.QuoteCell(string(cell)), dec.describe()))
}

// nextRow returns the next record as byte slices, without copying when the
// source is a delimited text file.
func (l *loader) nextRow() ([][]byte, error) {
	if f, ok := l.tab.(*fastCSV); ok {
		return f.NextBytes()
	}
	rec, err := l.tab.Next()
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(rec))
	for k, s := range rec {
		out[k] = []byte(s)
	}
	return out, nil
}

// textField returns a field that is text (an id, group or form code),
// checked to be UTF-8 and trimmed.
func (l *loader) textField(rec [][]byte, k int) (string, error) {
	f := bytes.TrimSpace(rec[k])
	if !utf8.Valid(f) {
		return "", l.tab.ErrAt(k, "", analysis.ErrInvalidUTF8)
	}
	return string(f), nil
}

func (l *loader) specialColumns() (id, group, form int, err error) {
	h := l.header
	id = findCol(h, l.opts.IDColumn, idAliases)
	if l.opts.IDColumn != "" && id < 0 {
		return 0, 0, 0, l.tab.ErrAt(-1, "", fmt.Errorf("no id column %q in the header", l.opts.IDColumn))
	}
	group = findCol(h, l.opts.GroupColumn, groupAliases)
	if l.opts.GroupColumn != "" && group < 0 {
		return 0, 0, 0, l.tab.ErrAt(-1, "", fmt.Errorf("no group column %q in the header", l.opts.GroupColumn))
	}
	form = findCol(h, l.opts.FormColumn, formAliases)
	if l.opts.FormColumn != "" && form < 0 {
		return 0, 0, 0, l.tab.ErrAt(-1, "", fmt.Errorf("no form column %q in the header", l.opts.FormColumn))
	}
	return id, group, form, nil
}

func (l *loader) wide() (*analysis.Dataset, error) {
	h := l.header
	idCol, groupCol, formCol, err := l.specialColumns()
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{}
	for _, c := range l.opts.Ignore {
		ignore[strings.ToLower(strings.TrimSpace(c))] = true
	}
	byID := map[string]int{}
	for j := range l.defs {
		byID[l.defs[j].ID] = j
	}
	if l.defs != nil && idCol < 0 && len(h) > 0 {
		if _, isItem := byID[h[0]]; !isItem && groupCol != 0 && formCol != 0 && !ignore[strings.ToLower(h[0])] {
			idCol = 0
		}
	}
	// colItem[k] is the dataset item of column k, or -1.
	colItem := make([]int, len(h))
	seenCol := map[string]int{}
	var items []analysis.ItemInfo
	for k, name := range h {
		colItem[k] = -1
		if k == idCol || k == groupCol || k == formCol || ignore[strings.ToLower(name)] {
			continue
		}
		if name == "" {
			return nil, l.tab.ErrAt(k, "", errors.New("empty column name in the header: every item column needs its item id"))
		}
		if prev, dup := seenCol[name]; dup {
			return nil, l.tab.ErrAt(k, name, fmt.Errorf("duplicate item id: the header repeats column %d", prev+1))
		}
		seenCol[name] = k
		if l.defs == nil {
			items = append(items, analysis.ItemInfo{ID: name, Options: []string{"0", "1"}, KeyMask: 2, Status: analysis.Operational, Column: k + 1})
			colItem[k] = len(items) - 1
			continue
		}
		if _, ok := byID[name]; !ok {
			err := l.tab.ErrAt(k, name, fmt.Errorf("column is not an item of the items file (nor the id, group or form column); add it to the items file or skip it with --ignore %s", name))
			if l.probs.add(err) {
				continue
			}
			return nil, err
		}
	}
	if l.defs != nil {
		items = append(items, l.defs...)
		for j := range items {
			k, ok := seenCol[items[j].ID]
			if !ok {
				err := l.tab.ErrAt(-1, items[j].ID, errors.New("item of the items file has no column in the responses"))
				if l.probs.add(err) {
					continue
				}
				return nil, err
			}
			items[j].Column = k + 1
			colItem[k] = j
		}
	}
	if len(items) == 0 {
		return nil, l.tab.ErrAt(-1, "", errors.New("no item columns in the header"))
	}
	J := len(items)
	decs := make([]*cellDecoder, J)
	shared := map[string]*cellDecoder{}
	for j := range items {
		key := strings.Join(items[j].Options, "\x00")
		if shared[key] == nil {
			shared[key] = newCellDecoder(items[j].Options)
		}
		decs[j] = shared[key]
	}
	d := &analysis.Dataset{Items: items, J: J}
	d.PreScored = allPreScored(items)
	p := &rowParser{name: l.name, colItem: colItem, decs: decs, items: items,
		idCol: idCol, groupCol: groupCol, formCol: formCol, width: len(h), skipSummary: l.opts.SkipSummaryRows}
	switch t := l.tab.(type) {
	case *fastCSV:
		p.delimiter = t.delim
	case *xlsxSource:
		p.sheet = t.sheet
	}
	if err := l.wideRows(d, p); err != nil {
		return nil, err
	}
	if len(l.skipped) > 0 {
		where := make([]string, len(l.skipped))
		for k, r := range l.skipped {
			where[k] = fmt.Sprintf("%s %d (%s)", l.rowWord(p), r.line, analysis.QuoteCell(r.label))
		}
		d.Warnings = append(d.Warnings, analysis.NewWarning("summary_rows", "",
			fmt.Sprintf("%s: dropped %d summary row(s), not candidates: %s", l.name, len(l.skipped), strings.Join(where, ", ")), nil))
	}
	if len(d.Candidates) == 0 {
		return nil, &analysis.ParseError{File: l.name, Err: analysis.ErrHeaderOnly}
	}
	d.N = len(d.Candidates)
	d.Score()
	return d, nil
}

// rowWord is how messages name a row of the file: a line of text, a row of
// a sheet.
func (l *loader) rowWord(p *rowParser) string {
	if p.sheet != "" {
		return p.sheet + " row"
	}
	return "line"
}

// rowChunks collects fixed-width rows in blocks, so that a million rows are
// not copied again and again as one slice grows. Blocks start small and
// double up to rowsPerChunk rows, so a small file costs little.
type rowChunks struct {
	width  int
	chunks [][]uint8 // full blocks, then the current one
	n      int       // rows in the current block
	total  int       // rows in all blocks
}

const rowsPerChunk = 1 << 14

func (r *rowChunks) add() []uint8 {
	if len(r.chunks) == 0 || r.n*r.width == len(r.chunks[len(r.chunks)-1]) {
		rows := min(64<<min(len(r.chunks), 8), rowsPerChunk)
		r.chunks = append(r.chunks, make([]uint8, rows*r.width))
		r.n = 0
	}
	c := r.chunks[len(r.chunks)-1]
	row := c[r.n*r.width : (r.n+1)*r.width]
	r.n++
	r.total++
	return row
}

// reserve makes the next block hold rows rows (when no row has been added
// yet), so that a file whose row count is estimated well is one block that
// join returns without copying.
func (r *rowChunks) reserve(rows int) {
	if r.total == 0 && rows > 0 {
		r.chunks = [][]uint8{make([]uint8, rows*r.width)}
		r.n = 0
	}
}

// join returns all rows as one slice and releases the blocks.
func (r *rowChunks) join() []uint8 {
	if len(r.chunks) == 0 {
		return nil
	}
	if len(r.chunks) == 1 && 2*r.n*r.width >= len(r.chunks[0]) {
		// One block, at least half used: no copy.
		out := r.chunks[0][: r.n*r.width : r.n*r.width]
		r.chunks = nil
		return out
	}
	out := make([]uint8, 0, r.total*r.width)
	for k, c := range r.chunks {
		if k == len(r.chunks)-1 {
			c = c[:r.n*r.width]
		}
		out = append(out, c...)
		r.chunks[k] = nil
	}
	return out
}

func allPreScored(items []analysis.ItemInfo) bool {
	for j := range items {
		o := items[j].Options
		if len(o) != 2 || o[0] != "0" || o[1] != "1" {
			return false
		}
	}
	return len(items) > 0
}

// cancelled returns the context's error every 1,024th row n.
func (l *loader) cancelled(n int) error {
	if n%1024 != 0 || l.opts.Context == nil {
		return nil
	}
	return l.opts.Context.Err()
}

// checkCells returns the error for a long-format file whose N candidates and
// J items imply a response matrix beyond the bound of Options.MaxCells, given
// the number of responses present.
func (l *loader) checkCells(n, j, responses int) error {
	cells := int64(n) * int64(j)
	limit := l.opts.MaxCells
	if limit <= 0 {
		limit = max(DefaultMaxCells, DenseFactor*int64(responses))
	}
	if cells <= limit {
		return nil
	}
	how := fmt.Sprintf("more than the limit of %d cells", limit)
	if l.opts.MaxCells <= 0 {
		how = fmt.Sprintf("more than %d times the responses present and more than %d cells", DenseFactor, DefaultMaxCells)
	}
	return &analysis.ParseError{File: l.name, Err: fmt.Errorf("the long-format file names %d candidates and %d items but holds %d responses: its response matrix would have %d cells (one byte each, %s), %s; if the file is right, raise the limit with --max-cells %d (spec: data.max_cells)",
		n, j, responses, cells, byteSize(cells), how, cells)}
}

// byteSize writes a size in bytes with a binary unit.
func byteSize(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

// long reads the long format: one row per candidate × item.
func (l *loader) long() (*analysis.Dataset, error) {
	h := l.header
	idCol := findCol(h, "", idAliases[:1])
	itemCol := findCol(h, "", itemAliases)
	respCol := findCol(h, "", respAliases)
	_, groupCol, formCol, err := l.specialColumns()
	if err != nil {
		return nil, err
	}
	for k, name := range h {
		if k != idCol && k != itemCol && k != respCol && k != groupCol && k != formCol {
			return nil, l.tab.ErrAt(k, "", fmt.Errorf("unexpected column %q in a long-format file (want examinee_id, item_id, response and optionally group, form)", name))
		}
	}
	var items []analysis.ItemInfo
	byID := map[string]int{}
	if l.defs != nil {
		items = append(items, l.defs...)
		for j := range items {
			byID[items[j].ID] = j
		}
	}
	var decs []*cellDecoder
	for j := range items {
		decs = append(decs, newCellDecoder(items[j].Options))
	}
	type cell struct {
		cand, item int32
		line       int32
		v          uint8
	}
	var cells []cell
	d := &analysis.Dataset{}
	cand := map[string]int{}
	// row reads one response.
	row := func(rec [][]byte) error {
		line := l.tab.Line()
		id, err := l.textField(rec, idCol)
		if err != nil {
			return err
		}
		if id == "" {
			return l.tab.ErrAt(idCol, "", errors.New("empty candidate id"))
		}
		ci, ok := cand[id]
		if !ok {
			ci = len(d.Candidates)
			cand[id] = ci
			c := analysis.Candidate{ID: id, Line: line}
			if groupCol >= 0 {
				if c.Group, err = l.textField(rec, groupCol); err != nil {
					return err
				}
			}
			if formCol >= 0 {
				if c.Form, err = l.textField(rec, formCol); err != nil {
					return err
				}
			}
			d.Candidates = append(d.Candidates, c)
		} else if groupCol >= 0 {
			g, err := l.textField(rec, groupCol)
			if err != nil {
				return err
			}
			if g != d.Candidates[ci].Group {
				return l.tab.ErrAt(groupCol, "", fmt.Errorf("candidate %s has group %s here but %s on line %d", analysis.QuoteCell(id), analysis.QuoteCell(g), analysis.QuoteCell(d.Candidates[ci].Group), d.Candidates[ci].Line))
			}
		}
		iid, err := l.textField(rec, itemCol)
		if err != nil {
			return err
		}
		j, ok := byID[iid]
		if !ok {
			if l.defs != nil {
				return l.tab.ErrAt(itemCol, iid, errors.New("item is not in the items file"))
			}
			if iid == "" {
				return l.tab.ErrAt(itemCol, "", errors.New("empty item id"))
			}
			j = len(items)
			byID[iid] = j
			items = append(items, analysis.ItemInfo{ID: iid, Options: []string{"0", "1"}, KeyMask: 2, Status: analysis.Operational})
			decs = append(decs, newCellDecoder(items[j].Options))
		}
		v, err := decs[j].decode(rec[respCol])
		if err != nil {
			return l.badCell(respCol, iid, rec[respCol], decs[j])
		}
		cells = append(cells, cell{int32(ci), int32(j), int32(line), v})
		return nil
	}
	for n := 1; ; n++ {
		if err := l.cancelled(n); err != nil {
			return nil, err
		}
		rec, err := l.nextRow()
		if err == io.EOF {
			break
		}
		if err == nil {
			err = row(rec)
		}
		if err != nil {
			if l.probs.add(err) {
				continue
			}
			return nil, err
		}
	}
	if len(d.Candidates) == 0 {
		return nil, &analysis.ParseError{File: l.name, Err: analysis.ErrHeaderOnly}
	}
	d.Items, d.N, d.J = items, len(d.Candidates), len(items)
	if err := l.checkCells(d.N, d.J, len(cells)); err != nil {
		return nil, err
	}
	d.PreScored = allPreScored(items)
	// Duplicates: sort the responses by cell, keeping file order within a
	// cell, so memory is that of the responses, not of candidates × items.
	// The error names the repeat that comes first in the file.
	slices.SortStableFunc(cells, func(a, b cell) int {
		if a.cand != b.cand {
			return cmp.Compare(a.cand, b.cand)
		}
		return cmp.Compare(a.item, b.item)
	})
	dup := -1
	for k := 1; k < len(cells); k++ {
		if cells[k].cand == cells[k-1].cand && cells[k].item == cells[k-1].item &&
			(dup < 0 || cells[k].line < cells[dup].line) {
			dup = k
		}
	}
	dupErr := func(k int) error {
		c, first := cells[k], cells[k-1]
		for i := k - 1; i >= 0 && cells[i].cand == c.cand && cells[i].item == c.item; i-- {
			first = cells[i]
		}
		return &analysis.ParseError{File: l.name, Row: int(c.line), Column: itemCol + 1, Item: items[c.item].ID,
			Err: fmt.Errorf("duplicate response of candidate %s to this item (first on line %d)", analysis.QuoteCell(d.Candidates[c.cand].ID), first.line)}
	}
	if dup >= 0 && l.probs != nil {
		var dups []int
		for k := 1; k < len(cells); k++ {
			if cells[k].cand == cells[k-1].cand && cells[k].item == cells[k-1].item {
				dups = append(dups, k)
			}
		}
		slices.SortFunc(dups, func(a, b int) int { return cmp.Compare(cells[a].line, cells[b].line) })
		for _, k := range dups {
			l.probs.add(dupErr(k))
		}
		return nil, l.probs.err()
	}
	if dup >= 0 {
		return nil, dupErr(dup)
	}
	d.Raw = make([]uint8, d.N*d.J)
	for k := range d.Raw {
		d.Raw[k] = analysis.Omit
	}
	for _, c := range cells {
		d.Raw[int(c.cand)*d.J+int(c.item)] = c.v
	}
	for j := range d.Items {
		if d.Items[j].Column == 0 {
			d.Items[j].Column = j + 1
		}
	}
	d.Score()
	return d, nil
}
