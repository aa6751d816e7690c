package reports

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the calibration workbook, in workbook order.
const (
	SheetSummary    = "Summary"
	SheetItems      = "Items"
	SheetOptions    = "Options"
	SheetPretest    = "Pretest"
	SheetConversion = "Conversion"
	SheetCandidates = "Candidates"
	SheetDomains    = "Domains"
	SheetDIF        = "DIF"
	SheetEquating   = "Equating"
	SheetProjection = "Projection"
	SheetAnchors    = "Anchors"
	SheetHistory    = "History"
	SheetPrePost    = "Pre vs post"
	SheetDetails    = "Run details"
	SheetGlossary   = "Glossary"
)

// Number formats of workbook columns.
const (
	wbFmtStat    = "0.000"
	wbFmtCount   = "#,##0"
	wbFmtScore   = "0"
	wbFmtPercent = "0.0%"
	// wbFmtPercentPoints shows a number that already is in percent (a
	// blueprint weight of 32) as "32 %".
	wbFmtPercentPoints = `General" %"`
)

// excelMaxRows is the row limit of an Excel worksheet; a longer Candidates
// table continues on "Candidates (2)" and so on.
const excelMaxRows = 1048576

// wbFastZipRows is the number of candidates above which the workbook is
// compressed at deflate's fastest level.
const wbFastZipRows = 100_000

// candidateSheetRows is the row limit of a Candidates sheet (a variable so
// that tests can exercise the overflow).
var candidateSheetRows = excelMaxRows

// Fills of the conditional formats (Excel's stock "light red fill with dark
// red text" and its amber and green siblings).
var (
	wbRed   = wbCondStyle{fill: "FFC7CE", font: "9C0006"}
	wbAmber = wbCondStyle{fill: "FFEB9C", font: "9C5700"}
	wbGreen = wbCondStyle{fill: "C6EFCE", font: "006100"}
	wbCut   = wbCondStyle{fill: "BDD7EE", font: "1F3864", bold: true}
	wbKey   = wbCondStyle{bold: true}
	// wbNote is the pale fill of a row whose only finding is a note for
	// the item writer (a rarely chosen distractor).
	wbNote = wbCondStyle{fill: "EEF3F8", font: "44546A"}
)

type wbCondStyle struct {
	fill, font string
	bold       bool
}

// wbCond is a conditional format over a sheet's data rows: formula is
// relative to the first data row (row 2), e.g. `$C2="reject"`.
type wbCond struct {
	formula string
	style   wbCondStyle
}

// wbColumn is how one column's cells are written.
type wbColumn struct {
	name     string
	text     bool   // never parse numbers: ids, codes, free text
	passFail bool   // true/false written as "pass"/"fail"
	format   string // number format of numeric cells
	center   bool   // booleans and pass/fail: centred
	wrap     bool   // long text: wrapped in print and on screen
	width    float64
	field    string // the machine name of the column (the CSV header); name is its label
}

// wbSheet is one sheet: a header, its columns and a stream of rows.
type wbSheet struct {
	name      string
	cols      []*wbColumn
	rows      func(emit func([]any) error) error
	conds     []wbCond
	freeze    int  // columns frozen besides the header row
	onePage   bool // print on one page (the Summary)
	printCols int  // print only the first printCols columns; 0: all
}

type workbook struct {
	f      *excelize.File
	run    *Run
	styles map[string]int
	conds  map[wbCondStyle]int
	header [3]int                    // header styles: text (left), number (right), boolean (centre)
	passes struct{ pass, total int } // pass column of scores.csv as written
	// headers lists every sheet's header labels as written, for the
	// Glossary (and its test).
	headers []wbSheetHeader
	meta    map[string]bool // item metadata columns of item_stats.csv (no glossary entry of their own)
}

// wbSheetHeader is one sheet's columns: labels and machine names.
type wbSheetHeader struct {
	sheet  string
	labels []string
	fields []string
}

// WriteWorkbook writes the calibration workbook of run as XLSX to w: the
// test Summary (one printed page), then Items, Options, Pretest,
// Conversion, Candidates, Domains, DIF, Equating, Anchors, Projection,
// History, Pre vs post and Form comparison, each present when the run has
// its files, then Run details (every figure of the JSON files and the
// manifest) and the Glossary (every column of every sheet in words, with
// its source, and the colours' legend). Headers are the Glossary's labels
// of the CSV columns ("Corrected point-biserial", not rpbis_corrected); the
// CSV files keep their machine names. Rows of items are coloured by
// severity (wbSeverityConds). Every sheet prints landscape, fit to the
// page's width, with its header row repeated, has a frozen, filterable
// header and is an Excel table named for the sheet, so formulas can say
// =AVERAGE(Items[[p (difficulty)]]). Numbers are stored
// as numbers with formats by column, text as text (a cell that reads "=1+1"
// stays text, never a formula). Candidates is written with excelize's
// stream writer: a million rows take seconds and little memory.
func WriteWorkbook(w io.Writer, run *Run) error { return writeWorkbook(w, run, "") }

// writeWorkbook is WriteWorkbook with excelize's temporary files (the
// stream writer's) in tmpDir; "" is the system's temporary folder.
func writeWorkbook(w io.Writer, run *Run, tmpDir string) error {
	f := excelize.NewFile(excelize.Options{TmpDir: tmpDir})
	defer f.Close()
	wb := &workbook{f: f, run: run, styles: map[string]int{}, conds: map[wbCondStyle]int{}, meta: map[string]bool{}}
	page, err := buildReview(run, ReviewOptions{})
	if err != nil {
		return err
	}
	for i, align := range []string{"left", "right", "center"} {
		id, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F3864"},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Border:    []excelize.Border{{Type: "bottom", Color: "1F3864", Style: 1}},
			Alignment: &excelize.Alignment{Horizontal: align, Vertical: "center", WrapText: true}})
		if err != nil {
			return fmt.Errorf("reports: workbook: %w", err)
		}
		wb.header[i] = id
	}
	// Sheets are created in workbook order, then filled: Candidates before
	// Summary, which reports the pass count Candidates saw.
	specs := []*wbSheet{
		wb.itemsSheet(),
		wb.optionsSheet(),
		wb.pretestSheet(),
		wb.conversionSheet(),
		nil, // Candidates
		wb.tableSheet(SheetDomains, run.Domains, nil),
		wb.difSheet(),
		wb.tableSheet(SheetEquating, run.Equating, nil),
		wb.tableSheet(SheetAnchors, run.Anchors, nil),
		wb.projectionSheet(),
		wb.tableSheet(SheetHistory, run.History, nil),
		wb.tableSheet(SheetPrePost, run.PrePost, nil),
		wb.textSheet(SheetComparison, wb.formComparison()),
		{name: SheetDetails}, // filled after Candidates, whose pass count it reports
		nil,                  // Glossary, written last from the headers of the others
	}
	if err := f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return fmt.Errorf("reports: workbook: %w", err)
	}
	candFile := FileScores
	if !run.Has(candFile) {
		candFile = FilePersons
	}
	var candSheets []string
	if run.Has(candFile) {
		n, err := countDataLines(run.Path(candFile))
		if err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		if n > wbFastZipRows {
			// Deflate at its fastest level: at a million candidates the
			// default level spends half the report's time compressing.
			f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
				zw := zip.NewWriter(w)
				zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
					return flate.NewWriter(w, flate.BestSpeed)
				})
				return zw
			})
		}
		candSheets = append(candSheets, SheetCandidates)
		for k := 2; (k-1)*(candidateSheetRows-1) < n; k++ {
			candSheets = append(candSheets, fmt.Sprintf("%s (%d)", SheetCandidates, k))
		}
	}
	for i, s := range specs {
		var names []string
		switch {
		case i == 4:
			names = candSheets
		case i == len(specs)-1:
			names = []string{SheetGlossary}
		case s != nil:
			names = []string{s.name}
		}
		for _, n := range names {
			if _, err := f.NewSheet(n); err != nil {
				return fmt.Errorf("reports: workbook: %w", err)
			}
		}
	}
	if len(candSheets) > 0 {
		if err := wb.writeCandidates(candFile, candSheets); err != nil {
			return err
		}
	}
	for _, s := range specs {
		if s != nil && s.name == SheetDetails {
			s = wb.detailsSheet()
		}
		if s != nil {
			if err := wb.writeSheet(s); err != nil {
				return err
			}
		}
	}
	if err := wb.writeSheet(wb.summarySheet(page)); err != nil {
		return err
	}
	if err := wb.writeSheet(wb.glossarySheet()); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: "itemlab calibration workbook",
		Creator: "itemlab", Description: "Tables of an itemlab run folder"}); err != nil {
		return fmt.Errorf("reports: workbook: %w", err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("reports: writing workbook: %w", err)
	}
	return nil
}

// numStyle returns the cell style of a number format.
func (wb *workbook) numStyle(format string) (int, error) {
	if id, ok := wb.styles[format]; ok {
		return id, nil
	}
	fm := format
	id, err := wb.f.NewStyle(&excelize.Style{CustomNumFmt: &fm, Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return 0, fmt.Errorf("reports: workbook: %w", err)
	}
	wb.styles[format] = id
	return id, nil
}

// centerStyle is the General format centred, for boolean columns.
func (wb *workbook) centerStyle() (int, error) {
	if id, ok := wb.styles["center"]; ok {
		return id, nil
	}
	id, err := wb.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "top"}})
	if err != nil {
		return 0, fmt.Errorf("reports: workbook: %w", err)
	}
	wb.styles["center"] = id
	return id, nil
}

func (wb *workbook) condStyle(s wbCondStyle) (int, error) {
	if id, ok := wb.conds[s]; ok {
		return id, nil
	}
	st := &excelize.Style{}
	if s.fill != "" {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{s.fill}}
	}
	if s.font != "" || s.bold {
		st.Font = &excelize.Font{Color: s.font, Bold: s.bold}
	}
	id, err := wb.f.NewConditionalStyle(st)
	if err != nil {
		return 0, fmt.Errorf("reports: workbook: %w", err)
	}
	wb.conds[s] = id
	return id, nil
}

// wbStream is a sheet being written by excelize's stream writer.
type wbStream struct {
	wb    *workbook
	name  string
	cols  []*wbColumn
	conds []wbCond
	sw    *excelize.StreamWriter
	row   int // last row written
	// printCols, when positive, limits the print area to the first
	// printCols columns (the Items sheet prints what a committee reads).
	printCols int
}

// writeSheet streams s to its sheet (already created).
func (wb *workbook) writeSheet(s *wbSheet) error {
	st, err := wb.beginStream(s.name, s.cols, s.freeze, s.conds, s.onePage)
	if err != nil {
		return err
	}
	st.printCols = s.printCols
	if err := s.rows(st.add); err != nil {
		return fmt.Errorf("reports: workbook sheet %s: %w", s.name, err)
	}
	return st.finish()
}

// beginStream sets up the sheet name: print layout, frozen header (and
// freeze columns), column widths and number formats, and the header row.
func (wb *workbook) beginStream(name string, cols []*wbColumn, freeze int, conds []wbCond, onePage bool) (*wbStream, error) {
	f := wb.f
	fail := func(err error) (*wbStream, error) {
		return nil, fmt.Errorf("reports: workbook sheet %s: %w", name, err)
	}
	fit, one, zero := true, 1, 0
	landscape := "landscape"
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return fail(err)
	}
	var width float64
	for _, c := range cols {
		width += c.width
	}
	paper := 9 // A4
	if width > 180 {
		paper = 8 // A3
	}
	tall := &zero
	if onePage {
		tall = &one
	}
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &paper,
		FitToWidth: &one, FitToHeight: tall}); err != nil {
		return fail(err)
	}
	if err := f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &wbMargin, Right: &wbMargin,
		Top: &wbMarginTop, Bottom: &wbMarginTop}); err != nil {
		return fail(err)
	}
	if err := f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddHeader: "&L&\"Calibri,Bold\"" + wbHeaderText(wb.run) + "&R&A",
		OddFooter: "&LPrinted from itemlab's report.xlsx&RPage &P of &N"}); err != nil {
		return fail(err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return fail(err)
	}
	// Human headers: the Glossary's label of each machine name, unique.
	used := map[string]bool{}
	for _, c := range cols {
		if c.field == "" {
			c.field = c.name
		}
		label := c.field
		if t, ok := wb.term(name, c.field); ok {
			label = t.label
		}
		for k := 2; used[strings.ToLower(label)]; k++ {
			label = fmt.Sprintf("%s (%d)", strings.TrimSuffix(label, fmt.Sprintf(" (%d)", k-1)), k)
		}
		used[strings.ToLower(label)] = true
		c.name = label
		c.width = math.Min(math.Max(c.width, math.Min(float64(utf8.RuneCountInString(label))/2+4, 30)), 70)
	}
	top, pane := "A2", "bottomLeft"
	if freeze > 0 {
		top, _ = excelize.CoordinatesToCellName(freeze+1, 2)
		pane = "bottomRight"
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: freeze, YSplit: 1, TopLeftCell: top,
		ActivePane: pane, Selection: []excelize.Selection{{SQRef: top, ActiveCell: top, Pane: pane}}}); err != nil {
		return fail(err)
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fail(err)
		}
		if c.wrap {
			id, err := wb.wrapStyle()
			if err != nil {
				return nil, err
			}
			if err := sw.SetColStyle(i+1, i+1, id); err != nil {
				return fail(err)
			}
		} else if c.center {
			id, err := wb.centerStyle()
			if err != nil {
				return nil, err
			}
			if err := sw.SetColStyle(i+1, i+1, id); err != nil {
				return fail(err)
			}
		} else {
			format := c.format
			if c.text || format == "" {
				format = "General"
			}
			id, err := wb.numStyle(format)
			if err != nil {
				return nil, err
			}
			if err := sw.SetColStyle(i+1, i+1, id); err != nil {
				return fail(err)
			}
		}
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		st := wb.header[0]
		switch {
		case c.center:
			st = wb.header[2]
		case !c.text && c.format != "":
			st = wb.header[1]
		}
		head[i] = excelize.Cell{StyleID: st, Value: c.name}
	}
	hh := 18.0
	for _, c := range cols {
		if n := utf8.RuneCountInString(c.name); float64(n) > c.width-2 {
			hh = 32 // a long label wraps onto two lines
		}
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{Height: hh}); err != nil {
		return fail(err)
	}
	h := wbSheetHeader{sheet: name}
	for _, c := range cols {
		h.labels = append(h.labels, c.name)
		h.fields = append(h.fields, c.field)
	}
	if !strings.HasPrefix(name, SheetCandidates+" (") {
		wb.headers = append(wb.headers, h)
	}
	return &wbStream{wb: wb, name: name, cols: cols, conds: conds, sw: sw, row: 1}, nil
}

// add writes the next data row.
func (s *wbStream) add(cells []any) error {
	if s.row >= excelMaxRows {
		return fmt.Errorf("more than %d rows", excelMaxRows-1)
	}
	s.row++
	lines := 1
	for i, c := range s.cols {
		if !c.wrap || i >= len(cells) {
			continue
		}
		var n int
		switch v := cells[i].(type) {
		case string:
			n = utf8.RuneCountInString(v)
		case excelize.Cell:
			if t, ok := v.Value.(string); ok {
				n = utf8.RuneCountInString(t)
			}
		}
		// About 1.2 characters of text per unit of column width.
		lines = max(lines, int(math.Ceil(float64(n)/(1.2*c.width))))
	}
	if lines > 1 {
		return s.sw.SetRow("A"+strconv.Itoa(s.row), cells, excelize.RowOpts{Height: math.Min(15*float64(lines), 409)})
	}
	return s.sw.SetRow("A"+strconv.Itoa(s.row), cells)
}

// finish adds the table, conditional formats and print titles and flushes
// the sheet.
func (s *wbStream) finish() error {
	f := s.wb.f
	fail := func(err error) error { return fmt.Errorf("reports: workbook sheet %s: %w", s.name, err) }
	lastCell, _ := excelize.CoordinatesToCellName(len(s.cols), max(s.row, 2))
	if err := s.sw.AddTable(&excelize.Table{Range: "A1:" + lastCell, Name: wbTableName(s.name),
		StyleName: "TableStyleLight9"}); err != nil {
		return fail(err)
	}
	for _, c := range s.conds {
		id, err := s.wb.condStyle(c.style)
		if err != nil {
			return err
		}
		if err := f.SetConditionalFormat(s.name, "A2:"+lastCell, []excelize.ConditionalFormatOptions{
			{Type: "formula", Criteria: c.formula, Format: &id}}); err != nil {
			return fail(err)
		}
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
		RefersTo: "'" + s.name + "'!$1:$1", Scope: s.name}); err != nil {
		return fail(err)
	}
	if s.printCols > 0 && s.printCols < len(s.cols) {
		last, _ := excelize.ColumnNumberToName(s.printCols)
		if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area",
			RefersTo: fmt.Sprintf("'%s'!$A$1:$%s$%d", s.name, last, max(s.row, 2)), Scope: s.name}); err != nil {
			return fail(err)
		}
	}
	if err := s.sw.Flush(); err != nil {
		return fail(err)
	}
	return nil
}

// wbTableName makes a sheet name a valid Excel table name.
func wbTableName(sheet string) string {
	var b strings.Builder
	for _, r := range sheet {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Column roles by name.
var (
	wbTextColumns = map[string]bool{"item_id": true, "examinee_id": true, "id": true, "domain": true,
		"status": true, "model": true, "option": true, "decision": true, "reasons": true, "notes": true,
		"flags": true, "favours": true, "ets_category": true, "group": true, "form": true, "key": true,
		"method": true, "section": true, "name": true, "detail": true, "writer": true, "flaw": true,
		"true_key": true, "options": true, "content_code": true}
	wbCountColumns = map[string]bool{"n": true, "items": true, "candidates": true, "count": true,
		"iterations": true, "df": true, "position": true, "raw_cut": true, "anchors": true}
	wbScoreColumns = map[string]bool{"scale_score": true, "cut_score": true, "cut": true, "min": true,
		"max": true, "scale_cut": true}
)

// newWBColumns decides each column's role from its name and a sample of
// its cells, and a width that fits the header and the sample.
func newWBColumns(header []string, sample [][]string) []*wbColumn {
	cols := make([]*wbColumn, len(header))
	seen := map[string]int{}
	for i, h := range header {
		name := h
		if name == "" {
			name = "column_" + strconv.Itoa(i+1)
		}
		if k := seen[strings.ToLower(name)]; k > 0 { // table headers must be unique
			name = name + "_" + strconv.Itoa(k+1)
		}
		seen[strings.ToLower(h)]++
		c := &wbColumn{name: name, field: name}
		lh := strings.ToLower(h)
		c.text = wbTextColumns[lh] || strings.HasSuffix(lh, "_id")
		c.passFail = lh == "pass"
		allInt, anyNum, anyCell, allBool := true, false, false, true
		for _, r := range sample {
			if i >= len(r) || r[i] == "" {
				continue
			}
			anyCell = true
			if v := strings.ToLower(r[i]); v != "true" && v != "false" {
				allBool = false
			}
			if x, isInt, ok := wbParseNumber(r[i]); ok {
				anyNum = true
				allInt = allInt && isInt && math.Abs(x) < 1e15
			}
		}
		c.center = !c.text && (c.passFail || (anyCell && allBool))
		switch {
		case c.passFail || (anyCell && !anyNum):
			// Booleans and text keep the General format (a number
			// format would show TRUE as 1.000 in LibreOffice).
		case lh == "weight":
			c.format = wbFmtPercentPoints // domains.csv: blueprint weights in percent
		case wbIsRateName(lh):
			c.format = wbFmtPercent
		case wbScoreColumns[lh]:
			c.format = wbFmtScore
		case wbCountColumns[lh] || strings.HasPrefix(lh, "n_") || strings.HasSuffix(lh, "_n") ||
			strings.HasSuffix(lh, "_df"):
			c.format = wbFmtCount
		case anyNum && allInt:
			c.format = wbFmtScore
		default:
			c.format = wbFmtStat
		}
		w := float64(utf8.RuneCountInString(name)) + 4 // room for the filter button
		for _, r := range sample {
			if i < len(r) {
				w = math.Max(w, float64(wbDisplayLen(r[i], c))+2)
			}
		}
		c.width = math.Min(math.Max(w, 8), 60)
		cols[i] = c
	}
	return cols
}

// wbIsRateName reports whether a column holds a rate or proportion shown as
// a percentage: a name with the word rate, share, prop, pct or percent
// (pass_rate, cum_share, prop_correct), or q1…q9 (the proportions
// choosing an option in each score group).
func wbIsRateName(lh string) bool {
	if len(lh) == 2 && lh[0] == 'q' && lh[1] >= '1' && lh[1] <= '9' {
		return true
	}
	for _, w := range strings.FieldsFunc(lh, func(r rune) bool { return r == '_' || r == ' ' || r == '.' || r == '-' }) {
		switch w {
		case "rate", "share", "prop", "pct", "percent", "proportion":
			return true
		}
	}
	return false
}

// wbDisplayLen is the number of characters cell s shows in column c.
func wbDisplayLen(s string, c *wbColumn) int {
	if !c.text {
		if x, _, ok := wbParseNumber(s); ok {
			switch c.format {
			case wbFmtPercent:
				return len(strconv.FormatFloat(100*x, 'f', 1, 64)) + 1
			case wbFmtStat:
				return len(strconv.FormatFloat(x, 'f', 3, 64))
			case wbFmtCount:
				n := len(strconv.FormatFloat(math.Abs(x), 'f', 0, 64))
				if x < 0 {
					n++
				}
				return n + (n-1)/3
			default:
				return len(strconv.FormatFloat(x, 'f', 0, 64))
			}
		}
		if c.passFail {
			return 4
		}
	}
	return utf8.RuneCountInString(s)
}

// wbParseNumber parses a CSV cell as a number when it is written as one:
// an optional minus sign, digits, an optional fraction and exponent. Text
// such as "-x", "+1", "=1+1", "0x1F", "NaN" or "Inf" is not a number, nor an
// integer with a leading zero ("007" is a code).
func wbParseNumber(s string) (x float64, isInt bool, ok bool) {
	if s == "" || len(s) > 40 {
		return 0, false, false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	digits := i - start
	if digits == 0 {
		return 0, false, false
	}
	isInt = true
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false, false
		}
	}
	if i != len(s) {
		return 0, false, false
	}
	if isInt && digits > 1 && s[start] == '0' {
		return 0, false, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, false, false
	}
	return v, isInt, true
}

// wbCellValue converts a CSV cell for column c: a number as int64 or
// float64, true/false as a boolean (or "pass"/"fail" in a pass column),
// an empty cell as nil (blank) and anything else as text.
func wbCellValue(s string, c *wbColumn) any {
	if s == "" {
		return nil
	}
	if c.text {
		return s
	}
	if x, isInt, ok := wbParseNumber(s); ok {
		if isInt && math.Abs(x) < 1e15 {
			return int64(x)
		}
		return x
	}
	switch strings.ToLower(s) {
	case "true":
		if c.passFail {
			return "pass"
		}
		return true
	case "false":
		if c.passFail {
			return "fail"
		}
		return false
	}
	return s
}

// wbRows streams t's rows converted for cols.
func wbRows(t *Table, cols []*wbColumn) func(emit func([]any) error) error {
	return func(emit func([]any) error) error {
		cells := make([]any, len(cols))
		for _, r := range t.Rows {
			for i, c := range cols {
				cells[i] = nil
				if i < len(r) {
					cells[i] = wbCellValue(r[i], c)
				}
			}
			if err := emit(cells); err != nil {
				return err
			}
		}
		return nil
	}
}

// tableSheet is a sheet of t as it is, or nil when the run lacks t.
func (wb *workbook) tableSheet(name string, t *Table, conds []wbCond) *wbSheet {
	if t == nil {
		return nil
	}
	cols := newWBColumns(t.Header, t.Rows)
	return &wbSheet{name: name, cols: cols, rows: wbRows(t, cols), conds: conds}
}

// wbColLetter returns the column letter of the column name in cols.
func wbColLetter(cols []*wbColumn, name string) string {
	for i, c := range cols {
		if c.field == name || (c.field == "" && c.name == name) {
			l, _ := excelize.ColumnNumberToName(i + 1)
			return l
		}
	}
	return ""
}

// itemsSheet joins item_stats.csv, the decisions (item_review.csv for
// operational items, pretest.csv for pretest items) and the IRT parameters
// by item_id: the classical columns, decision, reasons and notes, then the
// parameter columns (params.csv's n, domain and status, which repeat
// item_stats', are left out). For a linked form the parameters are the
// linked ones (equate/params.csv, on the base form's scale) and the column
// Parameters says so. Items only in the parameter table come last. Rows are
// coloured by severity (Glossary: Colours).
func (wb *workbook) itemsSheet() *wbSheet {
	st := wb.run.ItemStats
	pa, paNote := wb.itemParams()
	if st == nil && pa == nil {
		return nil
	}
	if st == nil {
		s := wb.tableSheet(SheetItems, pa, nil)
		s.freeze = 1
		return s
	}
	// Item metadata: item_stats.csv columns between the statistics and the
	// flags that the glossary does not know (see ItemStatsTable).
	for _, h := range st.Header {
		if _, ok := wbTermOf(SheetItems, h); !ok {
			wb.meta[h] = true
		}
	}
	decisions, _, _ := readRunTable(wb.run, reviewDecisionPaths)
	decRow, preRow := tableRowIndex(decisions), tableRowIndex(wb.run.Pretest)
	joined := &Table{Header: append([]string(nil), st.Header...)}
	joined.Header = append(joined.Header, "decision", "reasons", "notes")
	nst := len(joined.Header)
	idCol := tableCol(st, "item_id")
	var pcols []int
	if pa != nil && tableCol(pa, "item_id") >= 0 {
		have := map[string]bool{}
		for _, h := range joined.Header {
			have[h] = true
		}
		for i, h := range pa.Header {
			if h == "item_id" || have[h] {
				continue
			}
			pcols = append(pcols, i)
			joined.Header = append(joined.Header, h)
		}
		joined.Header = append(joined.Header, "params_scale")
	}
	byID := map[string][]string{}
	var paOrder []string
	if len(pcols) > 0 {
		k := tableCol(pa, "item_id")
		for _, r := range pa.Rows {
			if k < len(r) {
				byID[r[k]] = r
				paOrder = append(paOrder, r[k])
			}
		}
	}
	used := map[string]bool{}
	addRow := func(base []string, id string, p []string) {
		row := make([]string, len(joined.Header))
		copy(row, base)
		if i, ok := decRow[id]; ok {
			row[nst-3], row[nst-2], row[nst-1] = tableCell(decisions, i, "decision"), tableCell(decisions, i, "reasons"), tableCell(decisions, i, "notes")
		} else if i, ok := preRow[id]; ok {
			t := wb.run.Pretest
			row[nst-3], row[nst-2], row[nst-1] = tableCell(t, i, "decision"), tableCell(t, i, "reasons"), tableCell(t, i, "notes")
		}
		for n, i := range pcols {
			if p != nil && i < len(p) {
				row[nst+n] = p[i]
			}
		}
		if p != nil && len(pcols) > 0 {
			row[len(row)-1] = paNote[id]
		}
		joined.Rows = append(joined.Rows, row)
	}
	for _, r := range st.Rows {
		id := ""
		if idCol >= 0 && idCol < len(r) {
			id = r[idCol]
		}
		used[id] = true
		addRow(r, id, byID[id])
	}
	for _, id := range paOrder {
		if !used[id] {
			base := make([]string, len(st.Header))
			if idCol >= 0 {
				base[idCol] = id
			}
			addRow(base, id, byID[id])
		}
	}
	joined = wbReorder(joined, wbItemsFirst)
	s := wb.tableSheet(SheetItems, joined, nil)
	s.freeze = 1
	for i, c := range s.cols {
		if c.field == "notes" {
			s.printCols = i + 1
		}
	}
	for _, c := range s.cols {
		switch c.field {
		case "notes":
			c.wrap, c.width = true, 60
		case "reasons", "flags":
			c.wrap, c.width = true, 28
		case "params_scale":
			c.wrap, c.width = true, 30
		}
	}
	s.conds = append(s.conds, wbSeverityConds(s.cols)...)
	return s
}

// itemParams is the parameter table of the Items sheet and, by item, the
// scale its parameters are on: params.csv (this form's calibration, with
// the item fit); for a linked form the linked a, b, c, d and standard
// errors of equate/params.csv over it; then the pretest items' anchored
// parameters (pretest/anchored_params.csv), which are on the same scale as
// the operational ones they were anchored to.
func (wb *workbook) itemParams() (*Table, map[string]string) {
	r := wb.run
	note := map[string]string{}
	pa := r.Params
	linked, linkedRel, _ := readRunTable(r, reviewLinkedPaths)
	if linked != nil && r.Path(FileParams) == filepath.Join(r.Dir, filepath.FromSlash(linkedRel)) {
		linked = nil
	}
	anchored, anchoredRel, _ := readRunTable(r, reviewAnchoredPaths)
	if pa == nil {
		pa = linked
		if pa == nil {
			pa = anchored
		}
	}
	if pa == nil {
		return nil, note
	}
	out := &Table{Header: pa.Header}
	row := map[string]int{}
	k := tableCol(pa, "item_id")
	own := "this form's calibration (" + r.rel(r.Path(FileParams)) + ")"
	for _, rec := range pa.Rows {
		if k < len(rec) {
			row[rec[k]] = len(out.Rows)
			note[rec[k]] = own
		}
		out.Rows = append(out.Rows, append([]string(nil), rec...))
	}
	overlay := func(t *Table, rel, what string, add bool) {
		if t == nil || t == pa {
			return
		}
		kt := tableCol(t, "item_id")
		for i, rec := range t.Rows {
			if kt < 0 || kt >= len(rec) {
				continue
			}
			id := rec[kt]
			j, ok := row[id]
			if ok && add {
				continue // add: only items the table lacks (the pretest items)
			}
			if !ok {
				if !add {
					continue
				}
				j = len(out.Rows)
				row[id] = j
				out.Rows = append(out.Rows, make([]string, len(out.Header)))
				out.Rows[j][k] = id
			}
			for c, h := range out.Header {
				if h == "item_id" {
					continue
				}
				if v := tableCell(t, i, h); v != "" {
					out.Rows[j][c] = v
				}
			}
			note[id] = what + " (" + rel + ")"
		}
	}
	if linked != nil {
		overlay(linked, linkedRel, "linked to the base form's scale", false)
	}
	if anchored != nil {
		overlay(anchored, anchoredRel, "anchored calibration of a pretest item", true)
	}
	return out, note
}

// wbSeverityConds colour a row by its decision and flags: red for a key
// problem (check_key, reject, a negative discrimination flag), amber for a
// reason to review (review, revise, or any flag but a rare distractor
// without a decision), pale for a row whose only finding is a rarely chosen
// distractor, green for a pretest item to promote. The first rule that
// holds colours the row.
func wbSeverityConds(cols []*wbColumn) []wbCond {
	d, f := wbColLetter(cols, "decision"), wbColLetter(cols, "flags")
	var conds []wbCond
	if d != "" {
		conds = append(conds, wbCond{fmt.Sprintf(`OR($%[1]s2="check_key",$%[1]s2="reject")`, d), wbRed})
	}
	if f != "" {
		conds = append(conds, wbCond{fmt.Sprintf(`ISNUMBER(SEARCH("negative_discrimination",$%s2))`, f), wbRed})
	}
	if d != "" {
		conds = append(conds, wbCond{fmt.Sprintf(`OR($%[1]s2="review",$%[1]s2="revise")`, d), wbAmber})
	}
	if f != "" {
		conds = append(conds,
			wbCond{fmt.Sprintf(`$%s2="nonfunctioning_distractor"`, f), wbNote},
			wbCond{fmt.Sprintf(`LEN($%s2)>0`, f), wbAmber})
	}
	if d != "" {
		conds = append(conds, wbCond{fmt.Sprintf(`$%s2="promote"`, d), wbGreen})
	}
	return conds
}

// optionsSheet is options.csv with the key rows in bold.
func (wb *workbook) optionsSheet() *wbSheet {
	s := wb.tableSheet(SheetOptions, wb.run.Options, nil)
	if s == nil {
		return nil
	}
	s.freeze = 1
	if l := wbColLetter(s.cols, "is_key"); l != "" {
		s.conds = []wbCond{{fmt.Sprintf(`$%s2=TRUE`, l), wbKey}}
	}
	return s
}

func (wb *workbook) pretestSheet() *wbSheet {
	s := wb.tableSheet(SheetPretest, wb.run.Pretest, nil)
	if s == nil {
		return nil
	}
	s.freeze = 1
	for _, c := range s.cols {
		if c.field == "notes" {
			c.wrap, c.width = true, 60
		}
	}
	s.conds = wbSeverityConds(s.cols)
	return s
}

func (wb *workbook) difSheet() *wbSheet {
	s := wb.tableSheet(SheetDIF, wb.run.DIF, nil)
	if s == nil {
		return nil
	}
	s.freeze = 1
	if l := wbColLetter(s.cols, "ets_category"); l != "" {
		s.conds = []wbCond{
			{fmt.Sprintf(`$%s2="C"`, l), wbRed},
			{fmt.Sprintf(`$%s2="B"`, l), wbAmber},
		}
	}
	return s
}

// conversionSheet marks the row of the raw cut: scale.json's raw_cut, else
// the first row whose pass column is true.
func (wb *workbook) conversionSheet() *wbSheet {
	t := wb.run.Conversion
	s := wb.tableSheet(SheetConversion, t, nil)
	if s == nil {
		return nil
	}
	if raw, ok := runRawCut(wb.run); ok {
		if l := wbColLetter(s.cols, "raw"); l != "" {
			s.conds = []wbCond{{fmt.Sprintf(`$%s2=%s`, l, strconv.FormatFloat(raw, 'f', -1, 64)), wbCut}}
		}
	}
	return s
}

// projectionSheet marks the row of the scale's cut score (390 by default).
func (wb *workbook) projectionSheet() *wbSheet {
	s := wb.tableSheet(SheetProjection, wb.run.Projection, nil)
	if s == nil {
		return nil
	}
	if l := wbColLetter(s.cols, "cut_score"); l != "" {
		s.conds = []wbCond{{fmt.Sprintf(`$%s2=%s`, l, strconv.FormatFloat(runScaleCut(wb.run), 'f', -1, 64)), wbCut}}
	}
	return s
}

// runRawCut is the raw cut of the run's form: scale.json's raw_cut, else the
// smallest raw score that passes in conversion.csv.
func runRawCut(r *Run) (float64, bool) {
	if x, ok := r.Scale.Number("raw_cut"); ok {
		return x, true
	}
	t := r.Conversion
	for i := range rowsOf(t) {
		if strings.EqualFold(tableCell(t, i, "pass"), "true") {
			return tableFloat(t, i, "raw")
		}
	}
	return 0, false
}

// runScaleCut is the scale's passing score: scale.json's cut, else 390.
func runScaleCut(r *Run) float64 {
	if x, ok := r.Scale.Number("cut"); ok {
		return x
	}
	return 390
}

func rowsOf(t *Table) []struct{} {
	if t == nil {
		return nil
	}
	return make([]struct{}, len(t.Rows))
}

// countDataLines counts the lines after the header of a CSV file (an
// upper bound on its rows when quoted cells hold line breaks).
func countDataLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n, last := 0, byte('\n')
	for {
		k, err := f.Read(buf)
		if k > 0 {
			n += bytes.Count(buf[:k], []byte{'\n'})
			last = buf[k-1]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if last != '\n' {
		n++
	}
	return max(n-1, 0), nil
}

// writeCandidates streams file (scores.csv or persons.csv) to the sheets
// Candidates, "Candidates (2)", … (already created; Excel holds 1,048,575
// data rows a sheet) and counts passing candidates for the Summary: the
// pass column of scores.csv, or persons.csv's raw scores at or above the
// raw cut.
func (wb *workbook) writeCandidates(file string, sheets []string) error {
	// Column roles and widths from the first 1000 rows.
	var header []string
	var sample [][]string
	errEnough := errors.New("enough")
	err := wb.run.EachRow(file, func(h, rec []string) error {
		header = h
		if len(sample) >= 1000 {
			return errEnough
		}
		sample = append(sample, append([]string(nil), rec...))
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return err
	}
	if header == nil {
		if header, err = wb.run.Header(file); err != nil {
			return err
		}
	}
	cols := newWBColumns(header, sample)
	passCol, rawCol := -1, -1
	for i, c := range cols {
		if c.passFail {
			passCol = i
		}
		if c.field == "raw" || c.name == "raw" {
			rawCol = i
		}
	}
	rawCut, hasRawCut := runRawCut(wb.run)
	k := 0
	st, err := wb.beginStream(sheets[k], cols, 1, nil, false)
	if err != nil {
		return err
	}
	cells := make([]any, len(cols))
	err = wb.run.EachRow(file, func(_, rec []string) error {
		if st.row >= candidateSheetRows && k+1 < len(sheets) {
			if err := st.finish(); err != nil {
				return err
			}
			k++
			if st, err = wb.beginStream(sheets[k], cols, 1, nil, false); err != nil {
				return err
			}
		}
		for i, c := range cols {
			cells[i] = nil
			if i < len(rec) {
				cells[i] = wbCellValue(rec[i], c)
			}
		}
		switch {
		case passCol >= 0 && passCol < len(rec):
			wb.passes.total++
			if v := strings.ToLower(rec[passCol]); v == "true" || v == "1" || v == "pass" {
				wb.passes.pass++
			}
		case passCol < 0 && hasRawCut && rawCol >= 0 && rawCol < len(rec):
			// persons.csv: passing is a raw score at or above the raw cut.
			if x, ok := parseRunFloat(rec[rawCol]); ok {
				wb.passes.total++
				if x >= rawCut {
					wb.passes.pass++
				}
			}
		}
		return st.add(cells)
	})
	if err != nil {
		return fmt.Errorf("reports: workbook sheet %s: %w", st.name, err)
	}
	if err := st.finish(); err != nil {
		return err
	}
	for k++; k < len(sheets); k++ { // fewer rows than lines: finish empty sheets
		if st, err = wb.beginStream(sheets[k], cols, 1, nil, false); err != nil {
			return err
		}
		if err := st.finish(); err != nil {
			return err
		}
	}
	return nil
}

// wrapStyle wraps long text (notes, reasons) at the column's width.
func (wb *workbook) wrapStyle() (int, error) {
	if id, ok := wb.styles["wrap"]; ok {
		return id, nil
	}
	id, err := wb.f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return 0, fmt.Errorf("reports: workbook: %w", err)
	}
	wb.styles["wrap"] = id
	return id, nil
}

// Page margins in inches: narrow, so that wide tables print large.
var (
	wbMargin    = 0.4
	wbMarginTop = 0.6
)

// wbHeaderText is the printed page header: the exam and form.
func wbHeaderText(r *Run) string {
	exam := r.Summary.String("exam")
	if exam == "" {
		exam = r.FormName()
	}
	return strings.ReplaceAll(exam, "&", "&&")
}

// wbItemsFirst are the Items columns a committee reads, first and printed,
// in this order; the others follow on screen.
var wbItemsFirst = []string{"item_id", "domain", "status", "key", "n", "p", "rpbis_corrected", "a", "b", "c",
	"sx2_p", "infit", "outfit", "flags", "decision", "reasons", "notes"}

// wbReorder puts t's columns named in first at the front, in that order.
func wbReorder(t *Table, first []string) *Table {
	var idx []int
	taken := map[int]bool{}
	for _, name := range first {
		if k := tableCol(t, name); k >= 0 && !taken[k] {
			idx = append(idx, k)
			taken[k] = true
		}
	}
	for k := range t.Header {
		if !taken[k] {
			idx = append(idx, k)
		}
	}
	out := &Table{Header: make([]string, len(idx)), Rows: make([][]string, len(t.Rows))}
	for i, k := range idx {
		out.Header[i] = t.Header[k]
	}
	for r, row := range t.Rows {
		nr := make([]string, len(idx))
		for i, k := range idx {
			if k < len(row) {
				nr[i] = row[k]
			}
		}
		out.Rows[r] = nr
	}
	return out
}

// textSheet is a sheet of t with every cell written as text (figures
// already rounded as a report shows them).
func (wb *workbook) textSheet(name string, t *Table) *wbSheet {
	s := wb.tableSheet(name, t, nil)
	if s == nil {
		return nil
	}
	for _, c := range s.cols {
		c.text, c.format, c.center = true, "", false
		if c.field == "Source" {
			c.wrap = true
			c.width = 60
		}
	}
	return s
}
