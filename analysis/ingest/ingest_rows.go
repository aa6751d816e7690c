package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/itemlab/itemlab/analysis"
)

// rowParser decodes one record of a wide responses file into a row of option
// codes and a candidate. It is safe for concurrent use.
type rowParser struct {
	name, sheet              string
	colItem                  []int // item of each column, or -1
	decs                     []*cellDecoder
	items                    []analysis.ItemInfo
	idCol, groupCol, formCol int
	width                    int  // fields per record
	delimiter                byte // of delimited text
	skipSummary              bool // Options.SkipSummaryRows
}

// summaryLabels are the labels (lower case, without a final ':' or '.') that
// a spreadsheet's footer rows carry in their first cell.
var summaryLabels = map[string]bool{
	"total": true, "totals": true, "grand total": true, "subtotal": true, "sum": true,
	"average": true, "avg": true, "mean": true, "median": true, "count": true,
	"min": true, "minimum": true, "max": true, "maximum": true,
	"sd": true, "std": true, "stdev": true, "std dev": true, "standard deviation": true,
	"% correct": true, "percent correct": true, "p-value": true, "p value": true,
}

// isSummaryLabel reports whether cell is a footer label such as "Total" or
// "Average:". It does not allocate.
func isSummaryLabel(cell []byte) bool {
	if n := len(cell); n == 0 || n > 24 || (cell[n-1] >= '0' && cell[n-1] <= '9') {
		return false // most ids end in a digit
	}
	t := bytes.TrimSpace(cell)
	if len(t) == 0 || len(t) > 20 {
		return false
	}
	if n := len(t); t[n-1] == ':' || t[n-1] == '.' {
		t = t[:n-1]
	}
	var buf [20]byte
	for k, b := range t {
		if b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[k] = b
	}
	return summaryLabels[string(buf[:len(t)])]
}

// summaryRowError is the error of a row that looks like a footer.
type summaryRowError struct{ label string }

func (e *summaryRowError) Error() string {
	return fmt.Sprintf("row looks like a summary row (%s), not a candidate: delete it, or drop such rows with --skip-summary-rows", analysis.QuoteCell(e.label))
}

// skippedRow is a summary row dropped under Options.SkipSummaryRows.
type skippedRow struct {
	line  int
	label string
}

// summaryRow returns the error of rec if it looks like a footer row, or nil.
func (p *rowParser) summaryRow(rec [][]byte, line int) error {
	k := p.idCol
	if k < 0 {
		k = 0
	}
	if k >= len(rec) || !isSummaryLabel(rec[k]) {
		return nil
	}
	return p.ErrAt(line, k, "", &summaryRowError{string(bytes.TrimSpace(rec[k]))})
}

func (p *rowParser) delim() byte { return p.delimiter }

func (p *rowParser) ErrAt(line, field int, item string, err error) *analysis.ParseError {
	e := &analysis.ParseError{File: p.name, Sheet: p.sheet, Row: line, Item: item, Err: err}
	if field >= 0 {
		e.Column = field + 1
	}
	return e
}

func (p *rowParser) text(rec [][]byte, k, line int) (string, error) {
	f := bytes.TrimSpace(rec[k])
	if !utf8.Valid(f) {
		return "", p.ErrAt(line, k, "", analysis.ErrInvalidUTF8)
	}
	return string(f), nil
}

// parse fills row and c from rec, found on the given line. The id is
// checked to be non-empty; duplicates are the caller's to find.
func (p *rowParser) parse(rec [][]byte, line int, row []uint8, c *analysis.Candidate) error {
	c.Line = line
	var err error
	if p.idCol >= 0 {
		if isSummaryLabel(rec[p.idCol]) {
			return p.summaryRow(rec, line)
		}
		if c.ID, err = p.text(rec, p.idCol, line); err != nil {
			return err
		}
		if c.ID == "" {
			return p.ErrAt(line, p.idCol, "", errors.New("empty candidate id"))
		}
	}
	if p.groupCol >= 0 {
		if c.Group, err = p.text(rec, p.groupCol, line); err != nil {
			return err
		}
	}
	if p.formCol >= 0 {
		if c.Form, err = p.text(rec, p.formCol, line); err != nil {
			return err
		}
	}
	for k, cell := range rec {
		j := p.colItem[k]
		if j < 0 {
			continue
		}
		v, err := p.decs[j].decode(cell)
		if err != nil {
			if err := p.summaryRow(rec, line); err != nil {
				return err
			}
			return p.cellError(line, k, j, cell)
		}
		row[j] = v
	}
	return nil
}

// cellError is the error for a cell of item j that is not one of its codes.
func (p *rowParser) cellError(line, k, j int, cell []byte) error {
	if !utf8.Valid(cell) {
		return p.ErrAt(line, k, p.items[j].ID, analysis.ErrInvalidUTF8)
	}
	return p.ErrAt(line, k, p.items[j].ID, fmt.Errorf("invalid response %s: %s", analysis.QuoteCell(string(cell)), p.decs[j].describe()))
}

// wideRows reads every data row of a wide file into d (Candidates and Raw).
// Delimited text without quotes is split into blocks of lines that are
// decoded in parallel and merged in file order; a file with quotes (which may
// hide line ends inside fields) and a worksheet are read row by row.
func (l *loader) wideRows(d *analysis.Dataset, p *rowParser) error {
	seen := map[string]int{}
	var rows rowChunks
	rows.width = d.J
	add := func(c analysis.Candidate, row []uint8) error {
		if p.idCol >= 0 {
			if prev, dup := seen[c.ID]; dup {
				return p.ErrAt(c.Line, p.idCol, "", fmt.Errorf("duplicate candidate id %s (first on line %d)", analysis.QuoteCell(c.ID), prev))
			}
			seen[c.ID] = c.Line
		} else {
			c.ID = strconv.Itoa(len(d.Candidates) + 1)
		}
		copy(rows.add(), row)
		d.Candidates = append(d.Candidates, c)
		return nil
	}
	skip := func(r skippedRow) { l.skipped = append(l.skipped, r) }
	sequential := func(next func() ([][]byte, error), line func() int) error {
		row := make([]uint8, d.J)
		last := -1
		for n := 1; ; n++ {
			if err := l.cancelled(n); err != nil {
				return err
			}
			rec, err := next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				if line() > last && l.probs.add(err) { // a row problem; the reader moved on
					last = line()
					continue
				}
				return err
			}
			last = line()
			var c analysis.Candidate
			if err := p.parse(rec, line(), row, &c); err != nil {
				if sk, ok := p.skippable(err, line()); ok {
					skip(sk)
					continue
				}
				if l.probs.add(err) {
					var pe *analysis.ParseError
					var se *summaryRowError
					errors.As(err, &pe)
					if errors.As(err, &se) {
						continue // a footer row's cells are not responses
					}
					if p.idCol >= 0 && c.ID != "" {
						if prev, dup := seen[c.ID]; dup {
							l.probs.add(p.ErrAt(c.Line, p.idCol, "", fmt.Errorf("duplicate candidate id %s (first on line %d)", analysis.QuoteCell(c.ID), prev)))
						} else {
							seen[c.ID] = c.Line
						}
					}
					for _, e := range p.cellProblems(rec, line()) {
						if c := e.(*analysis.ParseError); c.Column != pe.Column {
							l.probs.add(e) // the row's other bad cells
						}
					}
					continue
				}
				return err
			}
			if err := add(c, row); err != nil {
				if l.probs.add(err) {
					continue
				}
				return err
			}
		}
	}
	fc, ok := l.tab.(*fastCSV)
	if !ok || l.probs != nil { // collecting problems: row by row
		err := sequential(l.nextRow, l.tab.Line)
		d.Raw = rows.join()
		return err
	}
	rest, err := parallelBlocks(fc, p, d.J, add, skip)
	if err == nil && rest != nil {
		err = sequential(rest.NextBytes, rest.Line)
	}
	d.Raw = rows.join()
	return err
}

// skippable reports whether err, met parsing the row on line, is that of a
// summary row to be dropped.
func (p *rowParser) skippable(err error, line int) (skippedRow, bool) {
	var se *summaryRowError
	if !p.skipSummary || !errors.As(err, &se) {
		return skippedRow{}, false
	}
	return skippedRow{line, se.label}, true
}

// blockResult is what a worker returns for one block of lines.
type blockResult struct {
	cands   []analysis.Candidate
	raw     []uint8
	skipped []skippedRow // summary rows dropped
	err     error        // the first error in the block; cands hold the rows before it
}

// ingestBlockSize is the size of a block of lines decoded by one worker (a
// variable so that tests can make blocks small).
var ingestBlockSize = 4 << 20

// parallelBlocks reads fc's remaining input in blocks of whole lines, decodes
// them on GOMAXPROCS workers and hands the rows to add in file order. If it
// meets a quote character it stops and returns a fastCSV positioned on the
// rest of the input (from the start of that block), to be read row by row.
func parallelBlocks(fc *fastCSV, p *rowParser, J int, add func(analysis.Candidate, []uint8) error, skip func(skippedRow)) (*fastCSV, error) {
	workers := runtime.GOMAXPROCS(0)
	type job struct {
		block     []byte
		firstLine int
		out       chan blockResult
	}
	jobs := make(chan job)
	pending := make(chan chan blockResult, 2*workers)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for jb := range jobs {
				jb.out <- parseBlock(jb.block, jb.firstLine, p, J)
			}
		}()
	}
	var rest *fastCSV
	var readErr error
	go func() {
		defer close(pending)
		defer close(jobs)
		line := fc.next
		for {
			block, err := readBlock(fc.br)
			if len(block) > 0 {
				if bytes.IndexByte(block, '"') >= 0 {
					r := newFastCSV(fc.name, bufio.NewReaderSize(io.MultiReader(bytes.NewReader(block), fc.br), 64<<10), fc.delim)
					r.next, r.width = line, fc.width
					rest = r
					return
				}
				out := make(chan blockResult, 1)
				select {
				case pending <- out:
				case <-done:
					return
				}
				select {
				case jobs <- job{block, line, out}:
				case <-done:
					return
				}
				line += bytes.Count(block, []byte{'\n'})
			}
			if err != nil {
				if err != io.EOF {
					readErr = &analysis.ParseError{File: fc.name, Row: line, Err: err}
				}
				return
			}
		}
	}()
	var firstErr error
	for out := range pending {
		if firstErr != nil {
			continue // drain, so the reader and workers finish
		}
		res := <-out
		for _, sk := range res.skipped {
			skip(sk)
		}
		for k, c := range res.cands {
			if err := add(c, res.raw[k*J:(k+1)*J]); err != nil {
				firstErr = err
				break
			}
		}
		if firstErr == nil && res.err != nil {
			firstErr = res.err
		}
		if firstErr != nil {
			close(done)
		}
	}
	// pending is closed: the reader has returned and closed jobs.
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if readErr != nil {
		return nil, readErr
	}
	return rest, nil
}

// readBlock reads about ingestBlockSize bytes ending at a line end (or at
// the end of input).
func readBlock(br *bufio.Reader) ([]byte, error) {
	size := ingestBlockSize
	if rest, err := br.Peek(br.Size()); err != nil && len(rest) < size {
		size = len(rest) // the rest of the input is buffered: a small file costs a small block
	}
	block := make([]byte, size)
	n, err := io.ReadFull(br, block)
	block = block[:n]
	if err == io.ErrUnexpectedEOF || err == io.EOF || (err == nil && size < ingestBlockSize) {
		return block, io.EOF
	}
	if err != nil {
		return block, err
	}
	for {
		tail, err := br.ReadSlice('\n')
		block = append(block, tail...)
		if err == bufio.ErrBufferFull {
			continue
		}
		return block, err
	}
}

// parseBlock decodes the lines of a block without quotes.
func parseBlock(block []byte, line int, p *rowParser, J int) blockResult {
	var res blockResult
	res.raw = make([]uint8, 0, len(block)/(2*max(J, 1))*J+J)
	fields := make([][]byte, 0, p.width)
	row := make([]uint8, J)
	for len(block) > 0 {
		var ln []byte
		if i := bytes.IndexByte(block, '\n'); i >= 0 {
			ln, block = block[:i], block[i+1:]
		} else {
			ln, block = block, nil
		}
		cur := line
		line++
		if n := len(ln); n > 0 && ln[n-1] == '\r' {
			ln = ln[:n-1]
		}
		fields = fields[:0]
		blank := true
		from := 0
		for i := 0; i <= len(ln); i++ {
			if i == len(ln) || ln[i] == p.delim() {
				f := ln[from:i]
				if blank && len(f) > 0 && (f[0] > ' ' || len(bytes.TrimSpace(f)) > 0) {
					blank = false
				}
				fields = append(fields, f)
				from = i + 1
			}
		}
		if blank {
			continue
		}
		if len(fields) != p.width {
			col := len(fields)
			if col > p.width {
				col = p.width + 1
			}
			res.err = p.ErrAt(cur, col-1, "", fmt.Errorf("row has %d fields, want %d as in the header (ragged row)", len(fields), p.width))
			return res
		}
		var c analysis.Candidate
		if err := p.parse(fields, cur, row, &c); err != nil {
			if sk, ok := p.skippable(err, cur); ok {
				res.skipped = append(res.skipped, sk)
				continue
			}
			res.err = err
			return res
		}
		res.cands = append(res.cands, c)
		res.raw = append(res.raw, row...)
	}
	return res
}
