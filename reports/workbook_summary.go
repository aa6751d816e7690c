package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// wbSummary collects the rows of the Summary sheet.
type wbSummary struct {
	wb   *workbook
	rows [][]any
	seen map[string]bool // section/key pairs already listed
	err  error
}

// add appends a row; value is text, a bool, or a number formatted by key
// (a rate as a percentage, a count as an integer, else three decimals).
func (s *wbSummary) add(section, name string, value any, detail string) {
	s.addFmt(section, name, value, detail, "")
}

// addFmt is add with the number format given (by key when "").
func (s *wbSummary) addFmt(section, name string, value any, detail, format string) {
	s.seen[section+"\x00"+name] = true
	cell := value
	var text string
	switch v := value.(type) {
	case float64:
		text = strconv.FormatFloat(v, 'g', -1, 64)
	case int:
		text = strconv.Itoa(v)
	case int64:
		text = strconv.FormatInt(v, 10)
	case json.Number:
		text = v.String()
	case string:
		text = v
	}
	if text != "" {
		if _, ok := value.(string); !ok {
			col := newWBColumns([]string{strings.ReplaceAll(strings.ToLower(name), " ", "_")}, [][]string{{text}})[0]
			x := wbCellValue(text, col)
			if format == "" {
				format = col.format
			}
			id, err := s.wb.summaryStyle(format)
			if err != nil && s.err == nil {
				s.err = err
			}
			cell = excelize.Cell{StyleID: id, Value: x}
		}
	}
	if b, ok := value.(bool); ok {
		id, err := s.wb.summaryStyle("General")
		if err != nil && s.err == nil {
			s.err = err
		}
		cell = excelize.Cell{StyleID: id, Value: b}
	}
	var d any
	if detail != "" {
		d = detail
	}
	s.rows = append(s.rows, []any{section, name, cell, d})
}

// addJSON lists o's scalar keys not listed yet under section; nested
// objects as "key.sub", short arrays of scalars as text.
func (s *wbSummary) addJSON(section string, o JSONObject, prefix string) {
	for _, f := range o {
		key := prefix + f.Key
		if s.seen[section+"\x00"+key] {
			continue
		}
		switch v := f.Value.(type) {
		case JSONObject:
			s.addJSON(section, v, key+".")
		case []any:
			if len(v) == 0 || len(v) > 12 {
				continue
			}
			parts := make([]string, 0, len(v))
			for _, e := range v {
				switch e := e.(type) {
				case JSONObject, []any:
					parts = nil
				case float64:
					parts = append(parts, strconv.FormatFloat(e, 'g', 4, 64))
				default:
					parts = append(parts, fmt.Sprint(e))
				}
				if parts == nil {
					break
				}
			}
			if parts != nil {
				s.add(section, key, strings.Join(parts, ", "), "")
			}
		case nil:
			s.add(section, key, "", "null")
		default:
			s.add(section, key, v, "")
		}
	}
}

// addNumber lists key of o under section as name, when present.
func (s *wbSummary) addNumber(section, name string, o JSONObject, key, detail string) {
	if v := o.Get(key); v != nil {
		if obj, ok := v.(JSONObject); ok {
			s.addJSON(section, obj, name+".")
			s.seen[section+"\x00"+key] = true
			return
		}
		s.add(section, name, v, detail)
		s.seen[section+"\x00"+key] = true
	}
}

// detailsSheet is every figure of the run's JSON files and the manifest
// (version, command, inputs with SHA-256, stages), for the audit trail: the
// exam, reliability, the model and its fit, the scale and raw cut, observed
// and projected pass rates.
func (wb *workbook) detailsSheet() *wbSheet {
	r := wb.run
	s := &wbSummary{wb: wb, seen: map[string]bool{}}
	m := r.Manifest

	exam := ""
	if m != nil {
		exam = m.Options["exam"]
	}
	if exam == "" {
		exam = r.Summary.String("exam")
	}
	if exam == "" {
		exam = r.FormName()
	}
	s.add("Exam", "exam", exam, "")
	if r.Summary != nil {
		s.addNumber("Exam", "candidates", r.Summary, "candidates", "")
		s.addNumber("Exam", "items", r.Summary, "items", "")
		if st, ok := r.Summary.Get("items_by_status").(JSONObject); ok {
			for _, f := range st {
				s.add("Exam", f.Key+" items", f.Value, "")
			}
			s.seen["Exam\x00items_by_status"] = true
		}
	} else if wb.passes.total > 0 {
		s.add("Exam", "candidates", wb.passes.total, "")
	}

	if r.Summary != nil {
		const sec = "Reliability"
		s.addNumber(sec, "alpha", r.Summary, "alpha", "KR-20 / coefficient alpha of the operational raw score")
		s.addNumber(sec, "sem", r.Summary, "sem", "standard error of measurement, raw-score points")
		s.addNumber(sec, "mean", r.Summary, "mean", "mean raw score")
		s.addNumber(sec, "sd", r.Summary, "sd", "standard deviation of raw scores")
		s.addNumber(sec, "min", r.Summary, "min", "lowest raw score")
		s.addNumber(sec, "max", r.Summary, "max", "highest raw score")
		for _, k := range []string{"exam", "candidates", "items", "score_distribution", "items_by_status",
			"alpha", "sem", "mean", "sd", "min", "max"} {
			s.seen["Classical\x00"+k] = true
		}
		s.addJSON("Classical", r.Summary, "")
	}

	if r.Fit != nil || r.Params != nil {
		const sec = "Calibration"
		model := r.Fit.String("model")
		if model == "" && r.Params != nil {
			model = tableCell(r.Params, 0, "model")
		}
		if model != "" {
			s.add(sec, "model", model, "")
			s.seen[sec+"\x00model"] = true
		}
		if r.Params != nil {
			s.addFmt(sec, "calibrated items", len(r.Params.Rows), "rows of "+FileParams, wbFmtCount)
		}
		s.addJSON(sec, r.Fit, "")
	}

	if r.Scale != nil {
		const sec = "Scale"
		s.addNumber(sec, "cut", r.Scale, "cut", "passing scale score")
		s.addNumber(sec, "theta_cut", r.Scale, "theta_cut", "θ of the passing score")
		s.addNumber(sec, "raw_cut", r.Scale, "raw_cut", "smallest raw score that passes on this form")
		s.addNumber(sec, "slope", r.Scale, "slope", "scale points per unit of θ")
		s.addJSON(sec, r.Scale, "")
	} else if raw, ok := runRawCut(r); ok {
		s.add("Scale", "raw_cut", raw, "first passing row of "+FileConversion)
	}

	{
		const sec = "Pass rate"
		if rate, src, ok := wb.observedPassRate(); ok {
			s.add(sec, "observed pass rate", rate, src)
		}
		if rate, detail, ok := projectedPassRate(r); ok {
			s.add(sec, "projected pass rate", rate, detail)
		}
	}
	if r.Accuracy != nil {
		s.addJSON("Classification", r.Accuracy, "")
	}
	if r.Linking != nil {
		s.addJSON("Linking", r.Linking, "")
	}

	if m != nil {
		const sec = "Run"
		s.add(sec, "tool", m.Tool, "")
		s.add(sec, "version", m.Version, "")
		s.add(sec, "command", m.Command, "")
		s.add(sec, "command line", strings.Join(m.Args, " "), "")
		if m.Seed != nil {
			s.add(sec, "seed", strconv.FormatUint(*m.Seed, 10), "")
		}
		s.add(sec, "started", m.Started, "")
		s.addFmt(sec, "seconds", m.Seconds, "", "0.0")
		if m.GoOS != "" {
			s.add(sec, "platform", m.GoOS+"/"+m.GoArch, "")
		}
		keys := make([]string, 0, len(m.Options))
		for k := range m.Options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.add("Options", k, m.Options[k], "")
		}
		for _, in := range m.Inputs {
			s.addFmt("Input", in.Path, in.Bytes, "bytes; sha256 "+in.SHA256, wbFmtCount)
		}
		for _, st := range m.Stages {
			s.addFmt("Stage", st.Name, st.Seconds, fmt.Sprintf("seconds; %d outputs", st.Outputs), "0.0")
		}
		for _, w := range m.Warnings {
			s.add("Warning", "", w, "")
		}
	}
	for _, name := range r.Files() {
		s.add("File read", name, r.rel(r.Path(name)), "")
	}

	cols := []*wbColumn{{name: "section", text: true, width: 16}, {name: "name", text: true, width: 26},
		{name: "value", width: 30}, {name: "detail", text: true, width: 60}}
	for _, row := range s.rows {
		if n, ok := row[1].(string); ok {
			cols[1].width = min(max(cols[1].width, float64(len(n)+2)), 60)
		}
		if v, ok := row[2].(string); ok {
			cols[2].width = min(max(cols[2].width, float64(len(v)+2)), 80)
		}
	}
	rows := s.rows
	return &wbSheet{name: SheetDetails, cols: cols, rows: func(emit func([]any) error) error {
		if s.err != nil {
			return s.err
		}
		for _, row := range rows {
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	}}
}

// observedPassRate is the share of candidates who passed: summary.json's
// pass_rate when the classical stage reports one, else the share of pass
// = true in scores.csv as the Candidates sheet read it.
func (wb *workbook) observedPassRate() (float64, string, bool) {
	for _, k := range []string{"pass_rate", "observed_pass_rate"} {
		if x, ok := wb.run.Summary.Number(k); ok {
			return x, FileSummary + " " + k, true
		}
	}
	if wb.passes.total > 0 {
		src := fmt.Sprintf("%d of %d candidates in %s pass", wb.passes.pass, wb.passes.total, FileScores)
		if !wb.run.Has(FileScores) {
			src = fmt.Sprintf("%d of %d candidates in %s at or above the raw cut", wb.passes.pass, wb.passes.total, FilePersons)
		}
		return float64(wb.passes.pass) / float64(wb.passes.total), src, true
	}
	return 0, "", false
}

// projectedPassRate is projection.csv's pass rate at the scale's cut (with
// its interval when the table has one), else accuracy.json's pass_rate.
func projectedPassRate(r *Run) (float64, string, bool) {
	t := r.Projection
	cut := runScaleCut(r)
	for i := range rowsOf(t) {
		if c, ok := tableFloat(t, i, "cut_score"); ok && c == cut {
			p, ok := tableFloat(t, i, "pass_rate")
			if !ok {
				break
			}
			detail := fmt.Sprintf("%s at cut %g", FileProjection, cut)
			lo, ok1 := tableFloat(t, i, "pass_rate_lo")
			hi, ok2 := tableFloat(t, i, "pass_rate_hi")
			if ok1 && ok2 {
				detail += fmt.Sprintf(", interval %.1f%%–%.1f%%", 100*lo, 100*hi)
			}
			return p, detail, true
		}
	}
	for _, k := range []string{"projected_pass_rate", "pass_rate"} {
		if x, ok := r.Accuracy.Number(k); ok {
			return x, FileAccuracy + " " + k, true
		}
	}
	return 0, "", false
}

// summaryStyle is a number format aligned left, for the Summary's value
// column, which mixes text and numbers.
func (wb *workbook) summaryStyle(format string) (int, error) {
	key := "summary:" + format
	if id, ok := wb.styles[key]; ok {
		return id, nil
	}
	fm := format
	id, err := wb.f.NewStyle(&excelize.Style{CustomNumFmt: &fm, Alignment: &excelize.Alignment{Horizontal: "left"}})
	if err != nil {
		return 0, fmt.Errorf("reports: workbook: %w", err)
	}
	wb.styles[key] = id
	return id, nil
}

// summarySheet is the test summary a committee signs, on one printed page:
// the figures the review page shows at its top (reviewBuilder.summary:
// exam, form, date, N, raw mean and SD, mean p and corrected
// point-biserial, α with its SE, SEM in raw and scale points, marginal
// reliability, information and CSEM at the cut, raw cut, observed and
// projected pass rates, classification accuracy and consistency), then the
// counts of flags and decisions, the IRT summary, pass rates by group, and
// the warnings. Each row says which file it comes from; a stage that did not
// run says "not run".
func (wb *workbook) summarySheet(page *reviewPage) *wbSheet {
	var rows [][]any
	add := func(label, value, src string) {
		var v, sc any
		if value != "" {
			v = value
		}
		if src != "" {
			sc = src
		}
		rows = append(rows, []any{label, v, sc})
	}
	for _, f := range page.Facts {
		add(f.Label, f.Value, f.Source)
	}
	for _, c := range page.Counts {
		what, src := "Items flagged: ", "flags of item_stats.csv and the decisions' reasons"
		if strings.HasPrefix(c.Class, "dec") {
			what, src = "Items by decision: ", "item_review.csv (operational), pretest.csv (pretest)"
		}
		add(what+c.Label, strconv.Itoa(c.N), src)
	}
	if len(page.Warnings) == 0 {
		add("Warnings", "none", "")
	}
	for _, w := range page.Warnings {
		add("Warning", w, "")
	}
	cols := []*wbColumn{{name: "Figure", text: true, width: 42}, {name: "Value", text: true, width: 40, wrap: true},
		{name: "Source", text: true, width: 70, wrap: true}}
	return &wbSheet{name: SheetSummary, cols: cols, onePage: true, rows: func(emit func([]any) error) error {
		for _, row := range rows {
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	}}
}

// irtSummary is the mean and SD of a, b and c over the operational rows of
// params.csv and the counts of misfitting items: S-X² p below 0.01, and
// infit or outfit mean square outside 0.7–1.3 (Wright & Linacre, 1994).
func irtSummary(run *Run) []reviewFact {
	t := run.Params
	if t == nil {
		return []reviewFact{{"IRT summary", "not run", "no params.csv (calibrate stage)"}}
	}
	src := run.rel(run.Path(FileParams))
	var out []reviewFact
	var vals [3][]float64
	sx2, mnsq, n := 0, 0, 0
	for i := range t.Rows {
		if s := tableCell(t, i, "status"); s != "" && s != "operational" {
			continue
		}
		n++
		for k, col := range []string{"a", "b", "c"} {
			if x, ok := tableFloat(t, i, col); ok {
				vals[k] = append(vals[k], x)
			}
		}
		if p, ok := tableFloat(t, i, "sx2_p"); ok && p < 0.01 {
			sx2++
		}
		in, ok1 := tableFloat(t, i, "infit")
		ou, ok2 := tableFloat(t, i, "outfit")
		if (ok1 && (in < 0.7 || in > 1.3)) || (ok2 && (ou < 0.7 || ou > 1.3)) {
			mnsq++
		}
	}
	for k, name := range []string{"a (slope)", "b (difficulty)", "c (lower asymptote)"} {
		v := vals[k]
		if len(v) == 0 {
			continue
		}
		var m, ss float64
		for _, x := range v {
			m += x
		}
		m /= float64(len(v))
		for _, x := range v {
			ss += (x - m) * (x - m)
		}
		sd := 0.0
		if len(v) > 1 {
			sd = math.Sqrt(ss / float64(len(v)-1))
		}
		out = append(out, reviewFact{"IRT " + name + ": mean / SD", fmtNum(m, 2) + " / " + fmtNum(sd, 2),
			fmt.Sprintf("%d operational items of %s (SD with n − 1)", len(v), src)})
	}
	out = append(out, reviewFact{"Items misfitting: S-X² p < 0.01", fmt.Sprintf("%d of %d", sx2, n), src + " sx2_p (Orlando & Thissen, 2000)"})
	out = append(out, reviewFact{"Items misfitting: infit or outfit outside 0.7–1.3", fmt.Sprintf("%d of %d", mnsq, n), src + " infit, outfit (Wright & Linacre, 1994)"})
	return out
}

// groupPassRates are the pass rates by the data's group (the groups DIF
// compares), from the pass column of scores.csv.
func groupPassRates(run *Run, groups map[string]*passCount) []reviewFact {
	if len(groups) < 2 {
		if run.Has(FileScores) {
			return []reviewFact{{"Pass rate by group", "not available", "the data have no group column with two or more groups"}}
		}
		return nil
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var out []reviewFact
	for _, g := range names {
		c := groups[g]
		out = append(out, reviewFact{"Pass rate: group " + g, fmtPct(float64(c.pass)/float64(c.total), 1) + fmt.Sprintf(" (%d of %d)", c.pass, c.total),
			"pass column of scores.csv by the data's group column (as DIF groups candidates)"})
	}
	return out
}
