package pipeline

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/reports"
)

var (
	demoOnce sync.Once
	demoDir  string
	demoErr  error
)

// demoRun runs the demo once (two linked forms, workbook and review page)
// for the tests of the report stage.
func demoRun(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping a whole demo run")
	}
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "itemlab-report-test")
		if err != nil {
			demoErr = err
			return
		}
		demoDir = filepath.Join(dir, "demo")
		_, demoErr = Demo(context.Background(), DemoOptions{Out: demoDir, Log: Discard, Invocation: Invocation{Command: "demo"}})
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDir != "" {
		os.RemoveAll(filepath.Dir(demoDir))
	}
	os.Exit(code)
}

func openWorkbook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// sheetRows maps column A of sheet to its row (the Summary's figures).
func summaryValues(t *testing.T, f *excelize.File) map[string]string {
	t.Helper()
	rows, err := f.GetRows(reports.SheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rows[1:] {
		if len(r) >= 2 {
			m[r[0]] = r[1]
		}
	}
	return m
}

func readJSONFile(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestReportSummarySheet: the demo's form 2 workbook opens with the test
// summary, whose figures are those of the run's JSON files rounded as a
// report rounds them, and runs without PNG charts.
func TestReportSummarySheet(t *testing.T) {
	dir := filepath.Join(demoRun(t), "form2")
	f := openWorkbook(t, filepath.Join(dir, reports.FileWorkbook))
	if got := f.GetSheetList()[0]; got != reports.SheetSummary {
		t.Fatalf("first sheet %s, want Summary", got)
	}
	v := summaryValues(t, f)
	sum := readJSONFile(t, filepath.Join(dir, "analyze", "summary.json"))
	acc := readJSONFile(t, filepath.Join(dir, "project", "accuracy.json"))
	sc := readJSONFile(t, filepath.Join(dir, "scale", "scale.json"))
	raw := sum["raw_score"].(map[string]any)
	lee := acc["lee_2010"].(map[string]any)
	rud := acc["rudner"].(map[string]any)
	ci := acc["pass_rate_ci95"].([]any)
	pct := func(x any) string { return fmt.Sprintf("%.1f %%", 100*x.(float64)) }
	for label, want := range map[string]string{
		"Exam":                      sum["exam"].(string),
		"Form":                      "form2",
		"Candidates (N)":            fmt.Sprintf("%.0f", sum["candidates"].(float64)),
		"Raw score mean / SD":       fmt.Sprintf("%.1f / %.1f", raw["mean"], raw["sd"]),
		"Coefficient alpha (KR-20)": fmt.Sprintf("%.3f (SE %.3f)", sum["alpha"], sum["alpha_se"]),
		"SEM (raw points)":          fmt.Sprintf("%.2f", sum["sem"]),
		"Raw cut":                   fmt.Sprintf("%.0f of 100", sc["form"].(map[string]any)["raw_cut"]),
		"Observed pass rate":        pct(acc["observed_pass_rate"]),
		"Projected pass rate":       pct(acc["projected_pass_rate"]) + " (95 % interval " + pct(ci[0]) + " – " + pct(ci[1]) + ")",
		"Classification accuracy / consistency (Lee 2010)": pct(lee["accuracy"]) + " / " + pct(lee["consistency"]),
		"Classification accuracy / consistency (Rudner)":   pct(rud["accuracy"]) + " / " + pct(rud["consistency"]),
	} {
		if got := v[label]; got != want {
			t.Errorf("Summary %q = %q, want %q", label, got, want)
		}
	}
	for _, label := range []string{"Date", "Mean p", "Mean corrected point-biserial", "SEM (scale points)", "Marginal reliability",
		"Test information at the cut", "CSEM at the raw cut", "Items by decision: keep", "IRT a (slope): mean / SD",
		"Items misfitting: S-X² p < 0.01", "Pass rate: group focal", "Pass rate: group reference"} {
		if v[label] == "" {
			t.Errorf("Summary lacks %q", label)
		}
	}
	// Prints on one page.
	fit, err := f.GetPageLayout(reports.SheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	if fit.FitToHeight == nil || *fit.FitToHeight != 1 || fit.FitToWidth == nil || *fit.FitToWidth != 1 {
		t.Errorf("Summary page layout %+v, want fit to one page", fit)
	}
	// Form comparison: form 1 (the base form) against form 2.
	cmp, err := f.GetRows(reports.SheetComparison)
	if err != nil {
		t.Fatal(err)
	}
	base := readJSONFile(t, filepath.Join(demoRun(t), "form1", "scale", "scale.json"))
	baseAcc := readJSONFile(t, filepath.Join(demoRun(t), "form1", "project", "accuracy.json"))
	wantCmp := map[string][2]string{
		"Raw cut":            {fmt.Sprintf("%.0f", base["form"].(map[string]any)["raw_cut"]), fmt.Sprintf("%.0f", sc["form"].(map[string]any)["raw_cut"])},
		"Observed pass rate": {pct(baseAcc["observed_pass_rate"]), pct(acc["observed_pass_rate"])},
	}
	for _, r := range cmp {
		if w, ok := wantCmp[r[0]]; ok {
			if len(r) < 3 || r[1] != w[0] || r[2] != w[1] {
				t.Errorf("Form comparison %v, want %q", r, w)
			}
			delete(wantCmp, r[0])
		}
	}
	if len(wantCmp) > 0 {
		t.Errorf("Form comparison lacks %v", wantCmp)
	}
	if _, err := os.Stat(filepath.Join(dir, reports.DirCharts)); !os.IsNotExist(err) {
		t.Errorf("the run wrote %s without being asked", reports.DirCharts)
	}
}

// TestReportGlossary: every header of every sheet has a Glossary entry with
// a meaning; Domains shows blueprint weights as "32 %".
func TestReportGlossary(t *testing.T) {
	for _, form := range []string{"form1", "form2"} {
		f := openWorkbook(t, filepath.Join(demoRun(t), form, reports.FileWorkbook))
		gl, err := f.GetRows(reports.SheetGlossary)
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, r := range gl[1:] {
			if len(r) >= 4 && r[3] != "" {
				have[r[0]+"\x00"+r[1]] = true
			}
		}
		for _, sh := range f.GetSheetList() {
			if sh == reports.SheetGlossary {
				continue
			}
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) == 0 {
				continue
			}
			base := sh
			if i := strings.Index(sh, " ("); i > 0 {
				base = sh[:i]
			}
			for _, h := range rows[0] {
				if !have[sh+"\x00"+h] && !have[base+"\x00"+h] {
					t.Errorf("%s: sheet %s: header %q has no Glossary entry", form, sh, h)
				}
				if strings.Contains(h, "_") {
					t.Errorf("%s: sheet %s: header %q is a machine name", form, sh, h)
				}
			}
		}
		// Domains: Clinical Operations weighs 32 % of the blueprint.
		// (excelize does not render a custom format: the value is 32 and its
		// format General" %", which LibreOffice and Excel show as "32 %".)
		rows, _ := f.GetRows(reports.SheetDomains)
		found := false
		for i, r := range rows {
			if len(r) > 2 && r[0] == "Clinical Operations" {
				found = true
				ref, _ := excelize.CoordinatesToCellName(3, i+1)
				id, _ := f.GetCellStyle(reports.SheetDomains, ref)
				st, err := f.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				if r[2] != "32" || st.CustomNumFmt == nil || *st.CustomNumFmt != `General" %"` {
					t.Errorf("%s: Domains weight of Clinical Operations %q in format %v, want 32 in General\" %%\"", form, r[2], st.CustomNumFmt)
				}
			}
		}
		if !found {
			t.Errorf("%s: Domains has no Clinical Operations row", form)
		}
	}
}

// TestReportSeverityColours: on the Items sheet the planted miskey's row
// (form 1's pretest item with flaw miskey in data/truth.csv) is red, a row
// whose only flag is a rarely chosen distractor pale, by the first
// conditional format whose formula holds.
func TestReportSeverityColours(t *testing.T) {
	root := demoRun(t)
	truth := readCSV(t, filepath.Join(root, "data", "truth.csv"))
	var miskey string
	for _, r := range truth[1:] {
		if r[1] == "1" && r[13] == "miskey" {
			miskey = r[0]
		}
	}
	if miskey == "" {
		t.Fatal("no planted miskey in truth.csv")
	}
	f := openWorkbook(t, filepath.Join(root, "form1", reports.FileWorkbook))
	rows, err := f.GetRows(reports.SheetItems)
	if err != nil {
		t.Fatal(err)
	}
	col := func(label string) int {
		for i, h := range rows[0] {
			if h == label {
				return i
			}
		}
		t.Fatalf("Items has no column %q", label)
		return -1
	}
	dc, fc := col("Decision"), col("Flags")
	cfs, err := f.GetConditionalFormats(reports.SheetItems)
	if err != nil {
		t.Fatal(err)
	}
	var rules []excelize.ConditionalFormatOptions
	for _, opts := range cfs {
		rules = append(rules, opts...)
	}
	// fill evaluates the rules this sheet uses on one row and returns the
	// fill of the first that holds.
	fill := func(r []string) string {
		cell := func(i int) string {
			if i < len(r) {
				return r[i]
			}
			return ""
		}
		d, fl := cell(dc), cell(fc)
		for _, c := range rules {
			var holds bool
			switch {
			case strings.Contains(c.Criteria, `="check_key"`):
				holds = d == "check_key" || d == "reject"
			case strings.Contains(c.Criteria, `SEARCH("negative_discrimination"`):
				holds = strings.Contains(fl, "negative_discrimination")
			case strings.Contains(c.Criteria, `="review"`):
				holds = d == "review" || d == "revise"
			case strings.Contains(c.Criteria, `="nonfunctioning_distractor"`):
				holds = fl == "nonfunctioning_distractor"
			case strings.HasPrefix(c.Criteria, "LEN("):
				holds = fl != ""
			case strings.Contains(c.Criteria, `="promote"`):
				holds = d == "promote"
			}
			if holds {
				st, err := f.GetConditionalStyle(*c.Format)
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Fill.Color) > 0 {
					return st.Fill.Color[0]
				}
				return ""
			}
		}
		return ""
	}
	var sawMiskey, sawNote bool
	for _, r := range rows[1:] {
		switch {
		case r[0] == miskey:
			sawMiskey = true
			if got := fill(r); got != "FFC7CE" {
				t.Errorf("planted miskey %s (decision %s, flags %s): fill %q, want red FFC7CE", miskey, r[dc], r[fc], got)
			}
		case fc < len(r) && r[fc] == "nonfunctioning_distractor" && r[dc] == "keep":
			sawNote = true
			if got := fill(r); got != "EEF3F8" {
				t.Errorf("%s (only a rare distractor): fill %q, want the pale note EEF3F8", r[0], got)
			}
		}
	}
	if !sawMiskey || !sawNote {
		t.Errorf("Items: miskey row found %v, rare-distractor row found %v", sawMiskey, sawNote)
	}
}

// TestReportItemReview: analyze/item_review.csv decides every operational
// item, and the review page shows those decisions.
func TestReportItemReview(t *testing.T) {
	dir := filepath.Join(demoRun(t), "form1")
	rv := readCSV(t, filepath.Join(dir, "analyze", reports.FileItemReview))
	if got := strings.Join(rv[0], ","); got != "item_id,status,decision,reasons,notes" {
		t.Fatalf("item_review.csv header %s", got)
	}
	if len(rv)-1 != 100 {
		t.Errorf("item_review.csv: %d items, want the 100 operational ones", len(rv)-1)
	}
	page, err := os.ReadFile(filepath.Join(dir, reports.FileReview))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rv[1:] {
		want := fmt.Sprintf(`data-id="%s" data-domain=`, r[0])
		i := strings.Index(string(page), want)
		if i < 0 {
			t.Errorf("review.html has no row of %s", r[0])
			continue
		}
		row := string(page[i : i+300])
		if !strings.Contains(row, `data-decision="`+r[2]+`"`) {
			t.Errorf("review.html row of %s lacks decision %s: %s", r[0], r[2], row)
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	recs, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestReportChartsOnRequest: PNG charts and charts/index.html are drawn
// only when the spec asks (report.charts: true, or a report.format); the
// review page is written either way.
func TestReportChartsOnRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping two whole pipeline runs")
	}
	dir := t.TempDir()
	simulateForms(t, dir, simulate.Options{Examinees: 400, Operational: 20, Pretest: -1})
	base := "responses: data/responses.csv\nitems: data/items.csv\ncalibration: {model: rasch}\nscale: {cut_theta: 0}\nprojection: {reps: 0}\n"
	for _, c := range []struct {
		name, report string
		charts       bool
	}{
		{"default", "", false},
		{"format", "report: {workbook: false, format: png}\n", true},
		{"charts", "report: {workbook: false, charts: true}\n", true},
		{"off", "report: {charts: false, format: svg}\n", false},
	} {
		runSpec(t, dir, c.name, base+c.report)
		_, err := os.Stat(filepath.Join(dir, c.name, reports.DirCharts, "index.html"))
		if got := err == nil; got != c.charts {
			t.Errorf("%s: charts/index.html written %v, want %v", c.name, got, c.charts)
		}
		page, err := os.ReadFile(filepath.Join(dir, c.name, reports.FileReview))
		if err != nil {
			t.Errorf("%s: no review page: %v", c.name, err)
		}
		// A spec without an exam name: the page is named for the run folder,
		// never for the staging folder it was written in.
		if want := "<title>Item review: " + c.name + "<"; !strings.Contains(string(page), want) {
			t.Errorf("%s: review page lacks %q", c.name, want)
		}
	}
}
