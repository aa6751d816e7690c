package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func readFixtureRun(t testing.TB) *Run {
	t.Helper()
	r, err := ReadRun(filepath.Join("testdata", "run"))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func writeTestWorkbook(t testing.TB, r *Run) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteWorkbook(&buf, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// wbFind returns the 1-based row of the sheet whose column col holds v.
func wbFind(t *testing.T, f *excelize.File, sheet, col, v string) int {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	c := wbHeaderCol(rows[0], sheet, col)
	if c < 0 {
		t.Fatalf("%s: no column %s in %v", sheet, col, rows[0])
	}
	for i, r := range rows {
		if c < len(r) && r[c] == v {
			return i + 1
		}
	}
	t.Fatalf("%s: no row with %s = %s", sheet, col, v)
	return 0
}

// wbCellRef is the cell of column col (by header name) in row of sheet.
func wbCellRef(t *testing.T, f *excelize.File, sheet, col string, row int) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	c := wbHeaderCol(rows[0], sheet, col)
	if c < 0 {
		t.Fatalf("%s: no column %s", sheet, col)
	}
	ref, _ := excelize.CoordinatesToCellName(c+1, row)
	return ref
}

// wbNumber checks that the cell is stored as a number and returns it.
func wbNumber(t *testing.T, f *excelize.File, sheet, ref string) float64 {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	// excelize writes numbers without a t attribute (Unset) or t="n".
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("%s!%s: type %v, want a number", sheet, ref, typ)
	}
	s, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Errorf("%s!%s = %q, want a number", sheet, ref, s)
	}
	return x
}

// wbText checks that the cell holds text, not a formula, and returns it.
func wbText(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("%s!%s: type %v, want text", sheet, ref, typ)
	}
	if fm, _ := f.GetCellFormula(sheet, ref); fm != "" {
		t.Errorf("%s!%s: formula %q, want none", sheet, ref, fm)
	}
	s, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	return s
}

func readTestCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestWorkbookSheetsAndLayout(t *testing.T) {
	f := writeTestWorkbook(t, readFixtureRun(t))
	got := strings.Join(f.GetSheetList(), ",")
	want := "Summary,Items,Options,Pretest,Conversion,Candidates,Domains,DIF,Equating,Projection,Form comparison,Run details,Glossary"
	if got != want {
		t.Fatalf("sheets = %s, want %s", got, want)
	}
	for _, sh := range f.GetSheetList() {
		panes, err := f.GetPanes(sh)
		if err != nil {
			t.Fatal(err)
		}
		if !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: panes %+v, want the header row frozen", sh, panes)
		}
		tables, err := f.GetTables(sh)
		if err != nil {
			t.Fatal(err)
		}
		if len(tables) != 1 || tables[0].Name != wbTableName(sh) {
			t.Errorf("%s: tables %+v, want one table named %s", sh, tables, sh)
		} else if !strings.HasPrefix(tables[0].Range, "A1:") {
			t.Errorf("%s: table range %s, want A1:…", sh, tables[0].Range)
		}
	}
	// Headers are the Glossary's labels of the CSV headers.
	for sheet, file := range map[string]string{SheetOptions: "analyze/options.csv",
		SheetPretest: "pretest/pretest.csv", SheetConversion: "scale/conversion.csv",
		SheetCandidates: "score/scores.csv", SheetDIF: "dif/dif.csv", SheetProjection: "project/projection.csv"} {
		recs := readTestCSV(t, filepath.Join("testdata", "run", file))
		rows, _ := f.GetRows(sheet)
		if g, w := strings.Join(rows[0], ","), strings.Join(wbLabels(sheet, recs[0]), ","); g != w {
			t.Errorf("%s header = %s, want %s", sheet, g, w)
		}
		if len(rows) != len(recs) {
			t.Errorf("%s: %d rows, want %d", sheet, len(rows), len(recs))
		}
	}
	// Items joins item_stats, the decisions and params (without params'
	// n, domain and status, which repeat item_stats'), the committee's
	// columns first.
	rows, _ := f.GetRows(SheetItems)
	st := readTestCSV(t, "testdata/run/analyze/item_stats.csv")
	pa := readTestCSV(t, "testdata/run/calibrate/params.csv")
	fields := append(append([]string(nil), st[0]...), "decision", "reasons", "notes")
	for _, h := range pa[0][1:] {
		if headerIndex(fields, h) < 0 {
			fields = append(fields, h)
		}
	}
	fields = append(fields, "params_scale")
	j := wbReorder(&Table{Header: fields}, wbItemsFirst)
	if g, w := strings.Join(rows[0], ","), strings.Join(wbLabels(SheetItems, j.Header), ","); g != w {
		t.Errorf("Items header = %s, want %s", g, w)
	}
	for _, h := range rows[0] {
		if strings.HasPrefix(h, "irt_") {
			t.Errorf("Items has the duplicated column %s", h)
		}
	}
}

func TestWorkbookValues(t *testing.T) {
	f := writeTestWorkbook(t, readFixtureRun(t))
	st := readTestCSV(t, "testdata/run/analyze/item_stats.csv")
	pa := readTestCSV(t, "testdata/run/calibrate/params.csv")
	// Every item's p, rpbis and b are numbers equal to the CSV's.
	for i := 1; i < len(st); i++ {
		id := st[i][0]
		row := wbFind(t, f, SheetItems, "item_id", id)
		for _, col := range []string{"p", "rpbis", "n"} {
			want, _ := strconv.ParseFloat(st[i][headerIndex(st[0], col)], 64)
			if got := wbNumber(t, f, SheetItems, wbCellRef(t, f, SheetItems, col, row)); got != want {
				t.Errorf("Items %s %s = %v, want %v (item_stats.csv)", id, col, got, want)
			}
		}
		want, _ := strconv.ParseFloat(pa[i][headerIndex(pa[0], "b")], 64)
		if pa[i][0] != id {
			t.Fatalf("params.csv row %d is %s, want %s", i, pa[i][0], id)
		}
		if got := wbNumber(t, f, SheetItems, wbCellRef(t, f, SheetItems, "b", row)); got != want {
			t.Errorf("Items %s b = %v, want %v (params.csv)", id, got, want)
		}
	}
	// Ids are text, flags text, negative statistics numbers.
	row := wbFind(t, f, SheetItems, "item_id", "ITM0001")
	if got := wbText(t, f, SheetItems, wbCellRef(t, f, SheetItems, "flags", row)); got != "possible_miskey;low_discrimination" {
		t.Errorf("ITM0001 flags = %q", got)
	}
	if got := wbNumber(t, f, SheetItems, wbCellRef(t, f, SheetItems, "rpbis", row)); got >= 0 {
		t.Errorf("ITM0001 rpbis = %v, want the negative number of item_stats.csv", got)
	}
	// Candidates: ids text, scores numbers, pass as pass/fail text.
	sc := readTestCSV(t, "testdata/run/score/scores.csv")
	for _, i := range []int{1, 57, len(sc) - 1} {
		r := i + 1
		if got := wbText(t, f, SheetCandidates, "A"+strconv.Itoa(r)); got != sc[i][0] {
			t.Errorf("Candidates A%d = %q, want %q", r, got, sc[i][0])
		}
		want, _ := strconv.ParseFloat(sc[i][4], 64)
		if got := wbNumber(t, f, SheetCandidates, "E"+strconv.Itoa(r)); got != want {
			t.Errorf("Candidates E%d = %v, want %v", r, got, want)
		}
		wantPass := map[string]string{"true": "pass", "false": "fail"}[sc[i][5]]
		if got := wbText(t, f, SheetCandidates, "F"+strconv.Itoa(r)); got != wantPass {
			t.Errorf("Candidates F%d = %q, want %q", r, got, wantPass)
		}
	}
	// Options: is_key is a boolean.
	if typ, _ := f.GetCellType(SheetOptions, "C2"); typ != excelize.CellTypeBool {
		t.Errorf("Options C2 type %v, want boolean", typ)
	}
	// Number formats by column.
	for _, c := range []struct{ sheet, ref, want string }{
		{SheetItems, "E2", wbFmtStat}, {SheetItems, "D2", wbFmtCount}, {SheetItems, "U2", wbFmtPercent},
		{SheetProjection, "C2", wbFmtPercent}, {SheetConversion, "D2", wbFmtScore},
		{SheetCandidates, "E2", wbFmtScore}, {SheetCandidates, "C2", wbFmtStat},
	} {
		id, err := f.GetCellStyle(c.sheet, c.ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt == nil || *st.CustomNumFmt != c.want {
			got := "<nil>"
			if st.CustomNumFmt != nil {
				got = *st.CustomNumFmt
			}
			t.Errorf("%s!%s number format %s, want %s", c.sheet, c.ref, got, c.want)
		}
	}
	// Summary: observed pass rate = share of pass = true in scores.csv.
	pass := 0
	for _, r := range sc[1:] {
		if r[5] == "true" {
			pass++
		}
	}
	sr := wbFind(t, f, SheetDetails, "name", "observed pass rate")
	if got, want := wbNumber(t, f, SheetDetails, "C"+strconv.Itoa(sr)), float64(pass)/float64(len(sc)-1); got != want {
		t.Errorf("observed pass rate = %v, want %v", got, want)
	}
	sr = wbFind(t, f, SheetDetails, "name", "projected pass rate")
	if got := wbNumber(t, f, SheetDetails, "C"+strconv.Itoa(sr)); got < 0.5 || got > 0.9 {
		t.Errorf("projected pass rate = %v", got)
	}
	sr = wbFind(t, f, SheetDetails, "name", "data/responses.csv")
	if got := wbText(t, f, SheetDetails, "D"+strconv.Itoa(sr)); !strings.Contains(got, "9f2c1d0e4b7a8c6d5e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d") {
		t.Errorf("input detail = %q, want its SHA-256", got)
	}
}

// Cells that look like formulas are text: the fixture's writer column holds
// "=1+1", "-x", "@SUM(A1)", "+cmd" and "-1.5", and a pretest note starts
// with "=".
func TestWorkbookFormulaInjection(t *testing.T) {
	f := writeTestWorkbook(t, readFixtureRun(t))
	st := readTestCSV(t, "testdata/run/analyze/item_stats.csv")
	wc := headerIndex(st[0], "writer")
	seen := map[string]bool{}
	for i := 1; i < len(st); i++ {
		row := wbFind(t, f, SheetItems, "item_id", st[i][0])
		got := wbText(t, f, SheetItems, wbCellRef(t, f, SheetItems, "writer", row))
		if got != st[i][wc] {
			t.Errorf("writer of %s = %q, want %q", st[i][0], got, st[i][wc])
		}
		seen[got] = true
	}
	for _, v := range []string{"=1+1", "-x", "@SUM(A1)", "+cmd"} {
		if !seen[v] {
			t.Errorf("fixture lacks a writer %q", v)
		}
	}
	row := wbFind(t, f, SheetPretest, "decision", "reject")
	_ = row
	rows, _ := f.GetRows(SheetPretest)
	nc := wbHeaderCol(rows[0], SheetPretest, "notes")
	found := false
	for i, r := range rows {
		if nc < len(r) && strings.HasPrefix(r[nc], "=") {
			ref, _ := excelize.CoordinatesToCellName(nc+1, i+1)
			wbText(t, f, SheetPretest, ref)
			found = true
		}
	}
	if !found {
		t.Error("no pretest note starting with = found")
	}
	// No cell anywhere holds a formula.
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for i, r := range rows {
			for j := range r {
				ref, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if fm, _ := f.GetCellFormula(sh, ref); fm != "" {
					t.Errorf("%s!%s holds formula %q", sh, ref, fm)
				}
			}
		}
	}
}

func TestWBParseNumber(t *testing.T) {
	for _, c := range []struct {
		in      string
		x       float64
		isInt   bool
		numeric bool
	}{
		{"0", 0, true, true}, {"12", 12, true, true}, {"-3", -3, true, true}, {"-0.25", -0.25, false, true},
		{"1.5e-3", 0.0015, false, true}, {"0.000000", 0, false, true}, {"-1E+2", -100, false, true},
		{"", 0, false, false}, {"-x", 0, false, false}, {"=1+1", 0, false, false}, {"+1", 0, false, false},
		{"@SUM(A1)", 0, false, false}, {"007", 0, false, false}, {"NaN", 0, false, false},
		{"Inf", 0, false, false}, {"0x1F", 0, false, false}, {"1.", 0, false, false}, {".5", 0, false, false},
		{"1e", 0, false, false}, {"1 ", 0, false, false}, {"1e999", 0, false, false}, {"-", 0, false, false},
	} {
		x, isInt, ok := wbParseNumber(c.in)
		if ok != c.numeric || (ok && (x != c.x || isInt != c.isInt)) {
			t.Errorf("wbParseNumber(%q) = %v, %v, %v, want %v, %v, %v", c.in, x, isInt, ok, c.x, c.isInt, c.numeric)
		}
	}
}

func TestWorkbookConditionalFormats(t *testing.T) {
	f := writeTestWorkbook(t, readFixtureRun(t))
	for _, c := range []struct {
		sheet string
		want  []string
	}{
		{SheetPretest, []string{`OR($C2="check_key",$C2="reject")`, `OR($C2="review",$C2="revise")`, `$C2="promote"`}},
		{SheetDIF, []string{`$E2="C"`, `$E2="B"`}},
		{SheetItems, []string{`OR($N2="check_key",$N2="reject")`, `ISNUMBER(SEARCH("negative_discrimination",$M2))`,
			`OR($N2="review",$N2="revise")`, `$M2="nonfunctioning_distractor"`, `LEN($M2)>0`}},
		{SheetConversion, []string{`$A2=10`}}, // scale.json raw_cut
		{SheetProjection, []string{`$A2=390`}},
		{SheetOptions, []string{`$C2=TRUE`}},
	} {
		cfs, err := f.GetConditionalFormats(c.sheet)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, opts := range cfs {
			for _, o := range opts {
				got = append(got, o.Criteria)
			}
		}
		for _, w := range c.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("%s: conditional formats %q lack %q", c.sheet, got, w)
			}
		}
	}
}

// A single command's --out folder (flat, few files) gives the sheets it can.
func TestWorkbookPartialRun(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"calibrate/params.csv", "calibrate/persons.csv", "calibrate/fit.json", "scale/scale.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "run", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := writeTestWorkbook(t, r)
	if got, want := strings.Join(f.GetSheetList(), ","), "Summary,Items,Candidates,Run details,Glossary"; got != want {
		t.Errorf("sheets = %s, want %s", got, want)
	}
	rows, _ := f.GetRows(SheetCandidates)
	if got, want := strings.Join(rows[0], ","), strings.Join(wbLabels(SheetCandidates, []string{"examinee_id", "raw", "theta", "se"}), ","); got != want {
		t.Errorf("Candidates header = %s, want persons.csv's", got)
	}
	// Observed pass rate: persons' raw scores at or above scale.json's raw_cut.
	pass := 0
	for _, r := range rows[1:] {
		if raw, _ := strconv.Atoi(r[1]); raw >= 10 {
			pass++
		}
	}
	sr := wbFind(t, f, SheetDetails, "name", "observed pass rate")
	if got, want := wbNumber(t, f, SheetDetails, "C"+strconv.Itoa(sr)), float64(pass)/float64(len(rows)-1); got != want {
		t.Errorf("observed pass rate = %v, want %v", got, want)
	}
	// An empty folder still gives a workbook with a Summary.
	r, err = ReadRun(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f = writeTestWorkbook(t, r)
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Run details,Glossary" {
		t.Errorf("empty run: sheets = %s, want Summary, Run details, Glossary", got)
	}
	// Its summary says which stages did not run.
	sum, _ := f.GetRows(SheetSummary)
	notRun := map[string]bool{}
	for _, r := range sum {
		if len(r) > 1 && r[1] == "not run" {
			notRun[r[0]] = true
		}
	}
	for _, w := range []string{"Classical analysis", "Calibration", "Raw cut", "Projected pass rate", "IRT summary"} {
		if !notRun[w] {
			t.Errorf("empty run: Summary lacks %q: not run (rows %v)", w, sum)
		}
	}
}

// Past Excel's row limit Candidates continues on "Candidates (2)".
func TestWorkbookCandidatesOverflow(t *testing.T) {
	defer func(n int) { candidateSheetRows = n }(candidateSheetRows)
	candidateSheetRows = 81 // 80 data rows a sheet
	f := writeTestWorkbook(t, readFixtureRun(t))
	want := "Summary,Items,Options,Pretest,Conversion,Candidates,Candidates (2),Candidates (3),Domains,DIF,Equating,Projection,Form comparison,Run details,Glossary"
	if got := strings.Join(f.GetSheetList(), ","); got != want {
		t.Fatalf("sheets = %s, want %s", got, want)
	}
	sc := readTestCSV(t, "testdata/run/score/scores.csv")
	n := 0
	for _, sh := range []string{"Candidates", "Candidates (2)", "Candidates (3)"} {
		rows, _ := f.GetRows(sh)
		n += len(rows) - 1
	}
	if n != len(sc)-1 {
		t.Errorf("%d candidate rows over three sheets, want %d", n, len(sc)-1)
	}
	if got, _ := f.GetCellValue("Candidates (2)", "A2"); got != sc[81][0] {
		t.Errorf("Candidates (2)!A2 = %s, want %s", got, sc[81][0])
	}
}

// The workbook opens in LibreOffice: convert it to PDF headless.
func TestWorkbookLibreOffice(t *testing.T) {
	lo, err := exec.LookPath("libreoffice")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("libreoffice not on PATH: CI must install the Debian package libreoffice-calc")
		}
		t.Skip("libreoffice not on PATH: install it (apt-get install libreoffice-calc) to check that the workbook converts to PDF")
	}
	if testing.Short() {
		t.Skip("LibreOffice conversion takes seconds; skipped under -short")
	}
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := WriteWorkbook(&buf, readFixtureRun(t)); err != nil {
		t.Fatal(err)
	}
	xlsx := filepath.Join(dir, "calibration.xlsx")
	if err := os.WriteFile(xlsx, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, lo, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, xlsx)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "calibration.pdf")
	b, err := os.ReadFile(pdf)
	if err != nil {
		t.Fatalf("no PDF: %v\n%s", err, out)
	}
	if !bytes.HasPrefix(b, []byte("%PDF")) || len(b) < 10000 {
		t.Errorf("calibration.pdf: %d bytes, not a PDF of the workbook", len(b))
	}
}

func TestWorkbookDump(t *testing.T) {
	out := os.Getenv("ITEMLAB_WORKBOOK_OUT")
	if out == "" {
		t.Skip("set ITEMLAB_WORKBOOK_OUT (and optionally ITEMLAB_RUN) to write a workbook to look at")
	}
	dir := os.Getenv("ITEMLAB_RUN")
	if dir == "" {
		dir = filepath.Join("testdata", "run")
	}
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteWorkbook(&buf, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWriteDemoRun writes a demo-sized run folder for looking at the
// workbook and charts by eye.
func TestWriteDemoRun(t *testing.T) {
	out := os.Getenv("ITEMLAB_DEMO_RUN")
	if out == "" {
		t.Skip("set ITEMLAB_DEMO_RUN to a folder to write a demo-sized run folder")
	}
	if err := writeFixtureRun(out, fixtureDemo); err != nil {
		t.Fatal(err)
	}
}

// wbLabels are the workbook's header labels of CSV fields on sheet.
func wbLabels(sheet string, fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		t, ok := wbTermOf(sheet, f)
		if !ok {
			t = wbMetaTerm(f)
		}
		out[i] = t.label
	}
	return out
}

// wbHeaderCol is the index of column col in a header row: by its machine
// name or by its label.
func wbHeaderCol(header []string, sheet, col string) int {
	if c := headerIndex(header, col); c >= 0 {
		return c
	}
	if t, ok := wbTermOf(sheet, col); ok {
		return headerIndex(header, t.label)
	}
	return -1
}
