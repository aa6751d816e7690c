package analysis

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ParseError locates a problem in an input file: the file, the 1-based line
// of a text file (or the sheet and cell of a workbook), the 1-based column
// (field) and, when known, the item the column holds.
type ParseError struct {
	File   string
	Row    int    // 1-based line (CSV/TSV) or sheet row (XLSX); 0 if unknown
	Column int    // 1-based field number; 0 if the error concerns a whole row or file
	Sheet  string // XLSX sheet name; empty for text files
	Item   string // item id the column holds, if any
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	switch {
	case e.Sheet != "" && e.Row > 0 && e.Column > 0:
		fmt.Fprintf(&b, "[%s!%s%d]", e.Sheet, columnLetters(e.Column), e.Row)
	case e.Sheet != "" && e.Row > 0:
		fmt.Fprintf(&b, "[%s row %d]", e.Sheet, e.Row)
	case e.Sheet != "":
		fmt.Fprintf(&b, "[%s]", e.Sheet)
	case e.Row > 0 && e.Column > 0:
		fmt.Fprintf(&b, ":%d:%d", e.Row, e.Column)
	case e.Row > 0:
		fmt.Fprintf(&b, ":%d", e.Row)
	}
	if e.Item != "" {
		fmt.Fprintf(&b, " (item %q)", e.Item)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// columnLetters returns the spreadsheet column name of 1-based column n
// (1 → A, 27 → AA).
func columnLetters(n int) string {
	var s []byte
	for n > 0 {
		n--
		s = append([]byte{byte('A' + n%26)}, s...)
		n /= 26
	}
	return string(s)
}

// Errors a caller may test for with errors.Is.
var (
	ErrEmptyFile   = errors.New("the file is empty")
	ErrHeaderOnly  = errors.New("the file has a header row but no data rows")
	ErrInvalidUTF8 = errors.New("text is not valid UTF-8 (save the file as UTF-8)")
)

// QuoteCell quotes a cell for an error message, shortening a long one.
func QuoteCell(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strconv.Quote(s)
}
