// Package reports writes itemlab's results for people and machines: CSV and
// JSON tables, the XLSX workbook and charts. It formats; it does not compute
// statistics.
package reports

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"strconv"
)

// Table is a rectangular table of text cells with a header row, the unit
// every CSV output and workbook sheet is built from.
type Table struct {
	Header []string
	Rows   [][]string
}

// WriteCSV writes t as RFC 4180 CSV with "\n" line ends.
func WriteCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// F formats a statistic for a table: six decimals, "." as decimal mark,
// and an empty cell for NaN or ±Inf (a value that could not be computed).
// Fixed precision keeps tables byte-identical across platforms and runs.
func F(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	s := strconv.FormatFloat(x, 'f', 6, 64)
	if s == "-0.000000" {
		s = "0.000000"
	}
	return s
}

// I formats an integer.
func I(n int) string { return strconv.Itoa(n) }

// B formats a boolean as true or false.
func B(v bool) string { return strconv.FormatBool(v) }

// WriteJSON writes v as indented JSON with a final newline. Non-finite
// floats must be replaced by the caller (JSON has no NaN); use JSONFloat.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// JSONFloat returns a pointer to x, or nil (JSON null) when x is NaN or ±Inf.
func JSONFloat(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// Messages are the texts of warnings, for a JSON file; never nil.
func Messages(ws []error) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.Error())
	}
	return out
}
