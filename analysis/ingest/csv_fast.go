package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/itemlab/itemlab/analysis"
)

// fastCSV is an RFC 4180 reader that returns each record's fields as byte
// slices into a reused buffer, so that the hot path of ingest (a million rows
// of one-letter cells) allocates nothing per cell. It accepts CRLF and LF line
// ends, quoted fields with embedded delimiters, quotes ("") and newlines, and
// skips blank lines. Every record must have as many fields as the first.
type fastCSV struct {
	name   string
	br     *bufio.Reader
	delim  byte
	line   int // line where the current record starts
	next   int // line number of the next line to read
	width  int
	buf    []byte // the record's field bytes
	ends   []int  // end offset of each field in buf
	starts []int  // line of each field's start (for multi-line records)
	fields [][]byte
	strs   []string
}

func newFastCSV(name string, br *bufio.Reader, delim byte) *fastCSV {
	return &fastCSV{name: name, br: br, delim: delim, next: 1}
}

// readLine returns the next physical line without its line end, or io.EOF.
func (r *fastCSV) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		long := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			long = append(long, line...)
		}
		line = long
	}
	if len(line) == 0 && err != nil {
		return nil, err
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	r.next++
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	return line[:n], nil
}

func (r *fastCSV) errorf(col int, format string, args ...any) *analysis.ParseError {
	return &analysis.ParseError{File: r.name, Row: r.line, Column: col, Err: fmt.Errorf(format, args...)}
}

// NextBytes returns the fields of the next non-blank record.
func (r *fastCSV) NextBytes() ([][]byte, error) {
	for {
		r.line = r.next
		line, err := r.readLine()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, &analysis.ParseError{File: r.name, Row: r.line, Err: err}
		}
		r.buf = r.buf[:0]
		r.ends = r.ends[:0]
		r.starts = r.starts[:0]
		if bytes.IndexByte(line, '"') < 0 {
			// Fast path: no quotes on the line.
			r.buf = append(r.buf, line...)
			for i, c := range line {
				if c == r.delim {
					r.ends = append(r.ends, i)
					r.starts = append(r.starts, r.line)
				}
			}
			r.ends = append(r.ends, len(line))
			r.starts = append(r.starts, r.line)
		} else if err := r.parseQuoted(line); err != nil {
			return nil, err
		}
		r.fields = r.fields[:0]
		from := 0
		blank := true
		for k, end := range r.ends {
			f := r.buf[from:end]
			if k > 0 {
				f = r.buf[from+1 : end]
			}
			if blank && len(f) > 0 && (f[0] > ' ' || len(bytes.TrimSpace(f)) > 0) {
				blank = false
			}
			r.fields = append(r.fields, f)
			from = end
		}
		if blank {
			continue
		}
		if r.width == 0 {
			r.width = len(r.fields)
		} else if len(r.fields) != r.width {
			col := len(r.fields)
			if col > r.width {
				col = r.width + 1
			}
			return nil, r.errorf(col, "row has %d fields, want %d as in the header (ragged row)", len(r.fields), r.width)
		}
		return r.fields, nil
	}
}

// parseQuoted splits a record with quoted fields, reading further lines when
// a quoted field spans them. Fields are stored in buf with a separator byte
// before every field but the first, so that ends[k] marks field k's end.
func (r *fastCSV) parseQuoted(line []byte) error {
	field := 1
	fieldLine := r.line
	i := 0
	for {
		// At the start of a field.
		if i < len(line) && line[i] == '"' {
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					r.buf = append(r.buf, line[i:]...)
					r.buf = append(r.buf, '\n')
					next, err := r.readLine()
					if err != nil {
						return &analysis.ParseError{File: r.name, Row: fieldLine, Column: field, Err: errors.New(`quoted field is never closed (missing ")`)}
					}
					line, i = next, 0
					continue
				}
				r.buf = append(r.buf, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					r.buf = append(r.buf, '"')
					i++
					continue
				}
				break
			}
			if i < len(line) && line[i] != r.delim {
				return &analysis.ParseError{File: r.name, Row: r.next - 1, Column: field, Err: errors.New(`extraneous " in a quoted field (write "" for a quote inside quotes)`)}
			}
		} else {
			j := bytes.IndexByte(line[i:], r.delim)
			if j < 0 {
				j = len(line) - i
			}
			cell := line[i : i+j]
			if bytes.IndexByte(cell, '"') >= 0 {
				return &analysis.ParseError{File: r.name, Row: r.next - 1, Column: field, Err: errors.New(`bare " in an unquoted field (quote the whole field)`)}
			}
			r.buf = append(r.buf, cell...)
			i += j
		}
		r.ends = append(r.ends, len(r.buf))
		r.starts = append(r.starts, fieldLine)
		if i >= len(line) {
			return nil
		}
		// line[i] is the delimiter.
		r.buf = append(r.buf, r.delim)
		i++
		field++
		fieldLine = r.next - 1
	}
}

// Next implements Table.
func (r *fastCSV) Next() ([]string, error) {
	fs, err := r.NextBytes()
	if err != nil {
		return nil, err
	}
	r.strs = r.strs[:0]
	for k, f := range fs {
		if !utf8.Valid(f) {
			return nil, r.ErrAt(k, "", analysis.ErrInvalidUTF8)
		}
		r.strs = append(r.strs, string(f))
	}
	return r.strs, nil
}

func (r *fastCSV) Line() int { return r.line }

func (r *fastCSV) ErrAt(field int, item string, err error) *analysis.ParseError {
	e := &analysis.ParseError{File: r.name, Row: r.line, Item: item, Err: err}
	if field >= 0 {
		e.Column = field + 1
		if field < len(r.starts) {
			e.Row = r.starts[field]
		}
	}
	return e
}
