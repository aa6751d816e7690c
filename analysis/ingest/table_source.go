package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/itemlab/itemlab/analysis"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Table yields the rows of a delimited text file or a worksheet, one
// at a time, with positions for error messages. The first row is the header.
type Table interface {
	// Next returns the next non-blank row, or io.EOF. The slice may be
	// reused by the following call.
	Next() ([]string, error)
	// ErrAt builds a ParseError at field (0-based; -1 for the whole row)
	// of the row last returned.
	ErrAt(field int, item string, err error) *analysis.ParseError
	// Line returns the 1-based line (or sheet row) of the row last returned.
	Line() int
}

// Source is a named input: the name is used in messages (usually the path).
type Source struct {
	Name string
	R    io.Reader
	// Size is the input's length in bytes if known, zero if not: a hint
	// with which a large wide text file's matrix is allocated once rather
	// than grown and copied.
	Size int64
}

// isXLSX reports whether a source name looks like a workbook.
func isXLSX(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx", ".xlsm":
		return true
	}
	return false
}

// OpenTable opens src as a table: XLSX by extension (first sheet or sheet),
// otherwise CSV, or TSV when the name ends in .tsv/.tab or the header line
// holds tabs and no commas.
//
// A header line without commas but with semicolons (as Excel writes CSV in
// locales whose decimal mark is a comma) or tabs is split at them, whichever
// it holds more of.
func OpenTable(src Source, sheet string) (Table, error) {
	return openTable(src, sheet, 0, 0)
}

// openTable is OpenTable with a delimiter for text files (0: detect it).
func openTable(src Source, sheet string, delim byte, maxRows int) (Table, error) {
	if isXLSX(src.Name) {
		return openXLSX(src, sheet, maxRows)
	}
	return openDelimited(src, delim)
}

// ParseDelimiter returns the delimiter byte a --delimiter value names:
// one ASCII character, or "tab", "\\t", "semicolon", "comma"; empty is 0
// (detect it).
func ParseDelimiter(s string) (byte, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case "semicolon":
		return ';', nil
	case "comma":
		return ',', nil
	case "pipe":
		return '|', nil
	}
	if len(s) != 1 || s[0] == '"' || s[0] == '\r' || s[0] == '\n' || s[0] >= 0x80 {
		return 0, fmt.Errorf("delimiter %q: want one ASCII character other than a quote or line end, or tab, semicolon, comma, pipe", s)
	}
	return s[0], nil
}

func openDelimited(src Source, delim byte) (*fastCSV, error) {
	br := bufio.NewReaderSize(src.R, 64<<10)
	head, err := br.Peek(4096)
	if len(head) == 0 {
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, &analysis.ParseError{File: src.Name, Err: err}
		}
		return nil, &analysis.ParseError{File: src.Name, Err: analysis.ErrEmptyFile}
	}
	// Skip a UTF-8 byte order mark; transcode UTF-16 with a byte order mark
	// (Excel's "Unicode text").
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
		head = head[3:]
	} else if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), 64<<10)
		head, err = br.Peek(4096)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, &analysis.ParseError{File: src.Name, Err: fmt.Errorf("reading as UTF-16: %v", err)}
		}
	}
	// Classic Mac line ends: the first line ends in a lone CR.
	if i := bytes.IndexAny(head, "\r\n"); i >= 0 && head[i] == '\r' && (i+1 < len(head) && head[i+1] != '\n') {
		br = bufio.NewReaderSize(&crReader{r: br}, 64<<10)
		head, _ = br.Peek(4096)
	}
	if len(bytes.TrimSpace(head)) == 0 {
		return nil, &analysis.ParseError{File: src.Name, Err: analysis.ErrEmptyFile}
	}
	if delim != 0 {
		return newFastCSV(src.Name, br, delim), nil
	}
	delim = ','
	ext := strings.ToLower(filepath.Ext(src.Name))
	firstLine := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		firstLine = head[:i]
	}
	if ext == ".tsv" || ext == ".tab" {
		delim = '\t'
	} else if bytes.IndexByte(firstLine, ',') < 0 {
		tabs, semis := bytes.Count(firstLine, []byte{'\t'}), bytes.Count(firstLine, []byte{';'})
		switch {
		case tabs > 0 && tabs >= semis:
			delim = '\t'
		case semis > 0:
			delim = ';'
		}
	}
	return newFastCSV(src.Name, br, delim), nil
}

// oneColumnHint is the error for a header read as one column although it
// holds a character that often separates columns.
func oneColumnHint(name string, header []string) error {
	if len(header) != 1 {
		return nil
	}
	for _, c := range "|:" {
		if strings.ContainsRune(strings.TrimSpace(header[0]), c) {
			return &analysis.ParseError{File: name, Row: 1, Err: fmt.Errorf("the header has one column %s; is it separated by %q? give the delimiter with --delimiter", analysis.QuoteCell(header[0]), c)}
		}
	}
	return nil
}

// allBlank reports whether every field is empty or whitespace: a blank line
// of a spreadsheet export such as ",,,,".
func allBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

type xlsxSource struct {
	name   string
	sheet  string
	sheets []string // all sheets of the workbook, in order
	chosen bool     // the sheet was named by the caller
	rows   *excelize.Rows
	f      *excelize.File
	row    int
	width  int
	buf    []string
	merges []mergeRange
	// formulas are the formula cells without a saved value (sheetFormulas).
	formulas map[string]string
	tmp      string // excelize's temporary folder
	maxRows  int    // Options.MaxRows or DefaultMaxRows
}

// mergeRange is a range of merged cells (1-based, inclusive): only its
// top-left cell holds a value, the others read as blank.
type mergeRange struct {
	ref                    string
	col0, row0, col1, row1 int
}

// sheetsHint says which sheets the workbook has, for an error about the
// table's shape when the caller did not choose the sheet.
func (s *xlsxSource) sheetsHint() string {
	if s.chosen || len(s.sheets) < 2 {
		return ""
	}
	return fmt.Sprintf("; the workbook's sheets are %s: if the data are on another, choose it with --sheet (--items-sheet for the items file)", strings.Join(quoteAll(s.sheets), ", "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for k, s := range ss {
		out[k] = strconv.Quote(s)
	}
	return out
}

// nonBlank counts the cells of rec that hold something.
func nonBlank(rec []string) int {
	n := 0
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			n++
		}
	}
	return n
}

// titleRowError is the error for a first row of one cell (a title above the
// table, or a sheet of instructions): it names the row below that looks like
// the header, if any.
func (s *xlsxSource) titleRowError(rec []string) error {
	var title string
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			title = strings.TrimSpace(f)
		}
	}
	rows, err := s.f.Rows(s.sheet)
	if err != nil {
		return nil
	}
	defer rows.Close()
	for r := 1; r <= s.row+50 && rows.Next(); r++ {
		if r <= s.row {
			continue
		}
		next, err := rows.Columns()
		if err != nil {
			return nil
		}
		if nonBlank(next) >= 2 {
			var cells []string
			for _, f := range next {
				if f = strings.TrimSpace(f); f != "" {
					cells = append(cells, f)
				}
			}
			if len(cells) > 4 {
				cells = append(cells[:4], "…")
			}
			return s.ErrAt(-1, "", fmt.Errorf("row %d holds one cell %s, a title rather than a header; row %d (%s) looks like the header: delete the rows above it%s",
				s.row, analysis.QuoteCell(title), r, strings.Join(cells, ", "), s.sheetsHint()))
		}
	}
	// One column of data is a valid table (a one-item matrix); prose is not.
	if hint := s.sheetsHint(); hint != "" && strings.Count(title, " ") >= 2 {
		return s.ErrAt(-1, "", fmt.Errorf("sheet %q does not hold a table: row %d holds one cell %s and no row below it looks like a header%s", s.sheet, s.row, analysis.QuoteCell(title), hint))
	}
	return nil
}

// hiddenCells returns the error for a cell of the current row, within the
// table, that a merge hides.
func (s *xlsxSource) hiddenCells() error {
	for _, m := range s.merges {
		if s.row < m.row0 || s.row > m.row1 || m.col0 > s.width {
			continue
		}
		col := m.col0
		if s.row == m.row0 {
			col++ // the top-left cell holds the value
		}
		if col > m.col1 || col > s.width {
			continue
		}
		return s.ErrAt(col-1, "", fmt.Errorf("cell is hidden by the merged cells %s (only their top-left cell holds a value): unmerge them and give every cell its own value", m.ref))
	}
	return nil
}

// uncachedFormulas returns the error for a blank cell of the current row
// that holds a formula without a saved value (a workbook written by a program
// that does not calculate): it would read as an omit.
func (s *xlsxSource) uncachedFormulas(rec []string) error {
	if len(s.formulas) == 0 {
		return nil
	}
	for k, v := range rec {
		if v != "" {
			continue
		}
		cell, err := excelize.CoordinatesToCellName(k+1, s.row)
		if err != nil {
			continue
		}
		if f := s.formulas[cell]; f != "" {
			return s.ErrAt(k, "", fmt.Errorf("cell holds the formula =%s but no saved value: open the workbook in a spreadsheet program and save it (which calculates it), or replace the formula by its value", f))
		}
	}
	return nil
}

func openXLSX(src Source, sheet string, maxRows int) (_ *xlsxSource, err error) {
	b, err := io.ReadAll(src.R)
	if err != nil {
		return nil, &analysis.ParseError{File: src.Name, Err: err}
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, &analysis.ParseError{File: src.Name, Err: fmt.Errorf("cannot read as an XLSX workbook: %v", err)}
	}
	// excelize unpacks a large worksheet into a temporary file, and not
	// every path removes it: give it a folder of its own, removed by Close
	// (and, failing that, when the source is collected).
	tmp, err := os.MkdirTemp("", "itemlab-xlsx-")
	if err != nil {
		return nil, &analysis.ParseError{File: src.Name, Err: err}
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{TmpDir: tmp, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		return nil, &analysis.ParseError{File: src.Name, Err: fmt.Errorf("cannot read as an XLSX workbook: %v", err)}
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &analysis.ParseError{File: src.Name, Err: analysis.ErrEmptyFile}
	}
	chosen := sheet != ""
	if sheet == "" {
		sheet = sheets[0]
	} else if idx, _ := f.GetSheetIndex(sheet); idx < 0 {
		return nil, &analysis.ParseError{File: src.Name, Err: fmt.Errorf("no sheet %q (sheets: %s)", sheet, strings.Join(sheets, ", "))}
	}
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	s := &xlsxSource{name: src.Name, sheet: sheet, sheets: sheets, chosen: chosen, f: f, tmp: tmp, maxRows: maxRows}
	if dim := sheetDimension(zr, sheet); dim != "" {
		last := dim[strings.LastIndexByte(dim, ':')+1:]
		if _, r, err := excelize.CellNameToCoordinates(last); err == nil && r > maxRows {
			return nil, s.tooManyRows(r, fmt.Sprintf(" (its dimension is %s)", dim))
		}
	}
	sc := sheetFormulas(zr, sheet)
	s.formulas = sc.formulas
	for _, ref := range sc.merges {
		a, b, ok := strings.Cut(ref, ":")
		if !ok {
			continue
		}
		c0, r0, err0 := excelize.CellNameToCoordinates(a)
		c1, r1, err1 := excelize.CellNameToCoordinates(b)
		if err0 != nil || err1 != nil || (c0 == c1 && r0 == r1) {
			continue
		}
		s.merges = append(s.merges, mergeRange{ref, c0, r0, c1, r1})
	}
	s.rows, err = f.Rows(sheet)
	if err != nil {
		return nil, &analysis.ParseError{File: src.Name, Sheet: sheet, Err: err}
	}
	runtime.AddCleanup(s, func(dir string) { os.RemoveAll(dir) }, tmp)
	return s, nil
}

// unzipXMLSizeLimit is the worksheet size above which excelize unpacks a
// sheet into a temporary file; zero means excelize's default (16 MiB).
// Tests lower it.
var unzipXMLSizeLimit int64

// DefaultMaxRows is the number of worksheet rows an XLSX responses or items
// file may have unless Options.MaxRows raises it. A worksheet is read as a
// stream, but a sheet's XML is a hundred times the size of its zip (a
// 9.3 MB workbook claiming all 1,048,576 rows unpacks to 1.1 GB) and reads
// at about 20,000 rows a second; 200,000 rows is a century of a programme
// of 2,000 candidates a year. Larger data read faster as CSV.
const DefaultMaxRows = 200000

// tooManyRows is the error for a worksheet that runs to row r.
// Zero r means a row beyond the limit was reached while reading.
func (s *xlsxSource) tooManyRows(r int, why string) error {
	runs, raise := fmt.Sprintf("runs to row %d%s", r, why), r
	if r == 0 {
		runs, raise = fmt.Sprintf("runs beyond row %d", s.maxRows), excelize.TotalRows
	}
	return &analysis.ParseError{File: s.name, Sheet: s.sheet, Row: s.maxRows + 1, Err: stopError{fmt.Errorf("sheet %q %s, more than the %d rows itemlab reads from a workbook: if the rows below the data are empty or only formatted, delete them in the spreadsheet program and save; if the data are that large, save the sheet as CSV (faster to read) or raise the limit with --max-rows %d (spec: data.max_rows)",
		s.sheet, runs, s.maxRows, raise)}}
}

// Close releases the workbook and removes its temporary files; it may be
// called more than once.
func (s *xlsxSource) Close() error {
	if s.f == nil {
		return nil
	}
	if s.rows != nil {
		s.rows.Close()
	}
	err := s.f.Close()
	os.RemoveAll(s.tmp)
	s.f = nil
	return err
}

// closeTable closes a table that holds resources (a workbook).
func closeTable(t Table) {
	if c, ok := t.(io.Closer); ok {
		c.Close()
	}
}

func (s *xlsxSource) Next() (rec []string, err error) {
	if s.f == nil {
		return nil, io.EOF
	}
	defer func() {
		// A bad row leaves the sheet open for the next (validate lists
		// every problem); the caller closes it. Anything else ends it.
		var pe *analysis.ParseError
		if err != nil && (!errors.As(err, &pe) || pe.Row == 0 || err == io.EOF) {
			s.Close()
		}
	}()
	for s.rows.Next() {
		s.row++
		if s.row > s.maxRows {
			return nil, s.tooManyRows(0, "")
		}
		rec, err := s.rows.Columns()
		if err != nil {
			return nil, &analysis.ParseError{File: s.name, Sheet: s.sheet, Row: s.row, Err: err}
		}
		if allBlank(rec) {
			continue
		}
		header := s.width == 0
		if header {
			if nonBlank(rec) == 1 {
				if err := s.titleRowError(rec); err != nil {
					return nil, err
				}
			}
			// Header: trailing blank header cells are not columns.
			n := len(rec)
			for n > 0 && strings.TrimSpace(rec[n-1]) == "" {
				n--
			}
			s.width = n
		}
		if len(s.merges) > 0 {
			if err := s.hiddenCells(); err != nil {
				return nil, err
			}
		}
		if len(rec) > s.width {
			extra := rec[s.width:]
			if !allBlank(extra) {
				for k := s.width; k < len(rec); k++ {
					if strings.TrimSpace(rec[k]) != "" {
						return nil, s.ErrAt(k, "", fmt.Errorf("cell beyond the last header column (ragged row)"))
					}
				}
			}
			rec = rec[:s.width]
		}
		// Worksheets drop trailing empty cells: pad to the header's width.
		s.buf = append(s.buf[:0], rec...)
		for len(s.buf) < s.width {
			s.buf = append(s.buf, "")
		}
		for k, f := range s.buf {
			if !utf8.ValidString(f) {
				return nil, s.ErrAt(k, "", analysis.ErrInvalidUTF8)
			}
		}
		if err := s.uncachedFormulas(s.buf); err != nil {
			return nil, err
		}
		return s.buf, nil
	}
	if err := s.rows.Error(); err != nil {
		return nil, &analysis.ParseError{File: s.name, Sheet: s.sheet, Err: err}
	}
	return nil, io.EOF
}

func (s *xlsxSource) Line() int { return s.row }

func (s *xlsxSource) ErrAt(field int, item string, err error) *analysis.ParseError {
	e := &analysis.ParseError{File: s.name, Sheet: s.sheet, Row: s.row, Item: item, Err: err}
	if field >= 0 {
		e.Column = field + 1
	}
	return e
}

// crReader turns classic Mac line ends (a lone CR) into LF and CRLF into LF,
// so that every line end counts as one line.
type crReader struct {
	r      io.Reader
	lastCR bool
}

func (c *crReader) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		w := 0
		for _, b := range p[:n] {
			switch {
			case b == '\r':
				p[w] = '\n'
				w++
				c.lastCR = true
				continue
			case b == '\n' && c.lastCR:
				// the LF of a CRLF
			default:
				p[w] = b
				w++
			}
			c.lastCR = false
		}
		if w > 0 || err != nil {
			return w, err
		}
	}
}

// OpenHeader opens src as a table (OpenTable) and reads its header row, a
// copy the caller may keep; an empty file is an error wrapping
// analysis.ErrEmptyFile.
func OpenHeader(src Source, sheet string) (Table, []string, error) {
	tab, err := OpenTable(src, sheet)
	if err != nil {
		return nil, nil, err
	}
	header, err := tab.Next()
	if err == io.EOF {
		return nil, nil, &analysis.ParseError{File: src.Name, Err: analysis.ErrEmptyFile}
	}
	if err != nil {
		return nil, nil, err
	}
	return tab, append([]string(nil), header...), nil
}

// Columns indexes a header by column name, lower case and trimmed.
func Columns(header []string) map[string]int {
	col := make(map[string]int, len(header))
	for k, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = k
	}
	return col
}
