package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
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

// textIntern returns field k trimmed and checked to be UTF-8, for a column
// of a few distinct codes (group, form):
// the string is taken from (and added to) *intern, so that a million rows
// hold a handful of strings and allocate none.
func (p *rowParser) textIntern(rec [][]byte, k, line int, intern *map[string]string) (string, error) {
	f := bytes.TrimSpace(rec[k])
	if len(f) == 0 {
		return "", nil
	}
	if s, ok := (*intern)[string(f)]; ok {
		return s, nil
	}
	if !utf8.Valid(f) {
		return "", p.ErrAt(line, k, "", analysis.ErrInvalidUTF8)
	}
	s := string(f)
	if *intern == nil {
		*intern = map[string]string{}
	}
	if len(*intern) < 1024 {
		(*intern)[s] = s
	}
	return s, nil
}

// rowScratch is what parse keeps from row to row: the group and form codes
// met so far (see textIntern) and, when arena is set, the candidates' ids
// end to end, so that a block of rows makes one string of ids rather than
// one per candidate (see parseBlock).
type rowScratch struct {
	intern map[string]string
	arena  bool
	ids    []byte // with arena: the ids of the rows parsed so far, end to end
}

// parse fills row and c from rec, found on the given line. The id is
// checked to be non-empty; duplicates are the caller's to find. With
// sc.arena the id is appended to sc.ids and c.ID left empty.
func (p *rowParser) parse(rec [][]byte, line int, row []uint8, c *analysis.Candidate, sc *rowScratch) error {
	c.Line = line
	var err error
	if p.idCol >= 0 {
		if isSummaryLabel(rec[p.idCol]) {
			return p.summaryRow(rec, line)
		}
		f := bytes.TrimSpace(rec[p.idCol])
		if !utf8.Valid(f) {
			return p.ErrAt(line, p.idCol, "", analysis.ErrInvalidUTF8)
		}
		if len(f) == 0 {
			return p.ErrAt(line, p.idCol, "", errors.New("empty candidate id"))
		}
		if sc.arena {
			sc.ids = append(sc.ids, f...)
		} else {
			c.ID = string(f)
		}
	}
	if p.groupCol >= 0 {
		if c.Group, err = p.textIntern(rec, p.groupCol, line, &sc.intern); err != nil {
			return err
		}
	}
	if p.formCol >= 0 {
		if c.Form, err = p.textIntern(rec, p.formCol, line, &sc.intern); err != nil {
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
	// seen indexes the candidates by the hash of their id (a uint64 key is
	// cheaper than a string's); ids whose hash is another id's go in clash.
	seen := map[uint64]int32{}
	var clash map[string]int
	var badIDs map[string]int // ids of rows with a bad cell, when problems are listed
	var numbers rowNumbers
	var rows rowChunks
	rows.width = d.J
	// add appends candidate c with its row; h is idHash(c.ID) when there
	// is an id column.
	add := func(c analysis.Candidate, row []uint8, h uint64) error {
		if p.idCol >= 0 {
			dup := func(prev int) error {
				return p.ErrAt(c.Line, p.idCol, "", fmt.Errorf("duplicate candidate id %s (first on line %d)", analysis.QuoteCell(c.ID), prev))
			}
			if prev, bad := badIDs[c.ID]; bad {
				return dup(prev) // the id of an earlier row with a bad cell
			}
			if k, hit := seen[h]; !hit {
				seen[h] = int32(len(d.Candidates))
			} else if first := d.Candidates[k]; first.ID == c.ID {
				return dup(first.Line)
			} else if prev, again := clash[c.ID]; again {
				return dup(prev)
			} else {
				if clash == nil {
					clash = map[string]int{}
				}
				clash[c.ID] = c.Line
			}
		} else {
			c.ID = numbers.next(len(d.Candidates) + 1)
		}
		copy(rows.add(), row)
		d.Candidates = append(d.Candidates, c)
		return nil
	}
	// reserve sizes the matrix and the candidates from the first block:
	// the input's size over the bytes per row seen so far, plus 2 %.
	reserve := func(bytesRead, rowsRead int) {
		if l.size <= 0 || rowsRead == 0 || bytesRead == 0 {
			return
		}
		est := int(float64(l.size)/float64(bytesRead)*float64(rowsRead)*1.02) + 64
		if est < 4*rowsPerChunk || est > 1<<31/max(d.J, 1) {
			return // small files grow cheaply; an absurd estimate is ignored
		}
		rows.reserve(est)
		d.Candidates = make([]analysis.Candidate, 0, est)
		if p.idCol >= 0 {
			seen = make(map[uint64]int32, est)
		}
	}
	skip := func(r skippedRow) { l.skipped = append(l.skipped, r) }
	sequential := func(next func() ([][]byte, error), line func() int) error {
		row := make([]uint8, d.J)
		var sc rowScratch
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
			if err := p.parse(rec, line(), row, &c, &sc); err != nil {
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
						// A row with a bad cell is not a candidate, but its id
						// still counts: against the candidates so far and the
						// other bad rows.
						prev, dup := badIDs[c.ID]
						if k, hit := seen[idHash(c.ID)]; !dup && hit && d.Candidates[k].ID == c.ID {
							prev, dup = d.Candidates[k].Line, true
						}
						if dup {
							l.probs.add(p.ErrAt(c.Line, p.idCol, "", fmt.Errorf("duplicate candidate id %s (first on line %d)", analysis.QuoteCell(c.ID), prev)))
						} else {
							if badIDs == nil {
								badIDs = map[string]int{}
							}
							badIDs[c.ID] = c.Line
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
			var h uint64
			if p.idCol >= 0 {
				h = idHash(c.ID)
			}
			if err := add(c, row, h); err != nil {
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
	rest, err := parallelBlocks(fc, p, d.J, add, skip, reserve)
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

// idHash hashes candidate ids for the duplicate check: only equality
// matters, so any seed gives the same result (a variable so that a test can
// make every id collide).
var idHash = func(id string) uint64 { return maphash.String(idSeed, id) }

var idSeed = maphash.MakeSeed()

// blockResult is what a worker returns for one block of lines.
type blockResult struct {
	bytes   int      // length of the block
	hashes  []uint64 // idHash of each candidate's id, with an id column
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
// reserve is called once, before the first block's rows are added, with the
// bytes and rows of that block.
func parallelBlocks(fc *fastCSV, p *rowParser, J int, add func(analysis.Candidate, []uint8, uint64) error, skip func(skippedRow), reserve func(bytes, rows int)) (*fastCSV, error) {
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
	first := true
	for out := range pending {
		if firstErr != nil {
			continue // drain, so the reader and workers finish
		}
		res := <-out
		if first {
			reserve(res.bytes, len(res.cands))
			first = false
		}
		for _, sk := range res.skipped {
			skip(sk)
		}
		for k, c := range res.cands {
			var h uint64
			if res.hashes != nil {
				h = res.hashes[k]
			}
			if err := add(c, res.raw[k*J:(k+1)*J], h); err != nil {
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
	// Room for the rest of the last line, so that completing it below does
	// not copy the block.
	block := make([]byte, size, size+4<<10)
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

// parseBlock decodes the lines of a block without quotes. The block's ids
// are one string, sliced into its candidates' ids.
func parseBlock(block []byte, line int, p *rowParser, J int) (res blockResult) {
	res.bytes = len(block)
	sc := rowScratch{arena: p.idCol >= 0}
	var idEnds []int // end of each candidate's id in sc.ids
	if sc.arena {
		sc.ids = make([]byte, 0, len(block)/16)
		idEnds = make([]int, 0, len(block)/(2*max(J, 1))+1)
	}
	defer func() {
		if !sc.arena {
			return
		}
		all := string(sc.ids)
		from := 0
		res.hashes = make([]uint64, len(idEnds))
		for k, end := range idEnds {
			res.cands[k].ID = all[from:end]
			res.hashes[k] = idHash(res.cands[k].ID)
			from = end
		}
	}()
	rows := len(block)/(2*max(J, 1)) + 1 // a row has at least J cells and J separators
	res.raw = make([]uint8, 0, rows*J)
	res.cands = make([]analysis.Candidate, 0, rows)
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
		mark := len(sc.ids)
		if err := p.parse(fields, cur, row, &c, &sc); err != nil {
			sc.ids = sc.ids[:mark]
			if sk, ok := p.skippable(err, cur); ok {
				res.skipped = append(res.skipped, sk)
				continue
			}
			res.err = err
			return res
		}
		idEnds = append(idEnds, len(sc.ids))
		res.cands = append(res.cands, c)
		res.raw = append(res.raw, row...)
	}
	return res
}

// rowNumbers makes the ids of candidates numbered by row ("1", "2", …)
// 4,096 at a time, one string each time, rather than one string per
// candidate.
type rowNumbers struct {
	all  string
	ends []int
	from int // the number of ends[0]'s id
}

// next returns the id of candidate n, asked for in increasing order from 1.
func (r *rowNumbers) next(n int) string {
	k := n - r.from
	if r.ends == nil || k < 0 || k >= len(r.ends) {
		const batch = 4096
		var b []byte
		r.ends = r.ends[:0]
		for m := n; m < n+batch; m++ {
			b = strconv.AppendInt(b, int64(m), 10)
			r.ends = append(r.ends, len(b))
		}
		r.all, r.from, k = string(b), n, 0
	}
	start := 0
	if k > 0 {
		start = r.ends[k-1]
	}
	return r.all[start:r.ends[k]]
}
