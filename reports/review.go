package reports

import (
	"bufio"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Files of a run folder that the review page reads besides those ReadRun
// knows, each looked for at these paths under the run folder.
var (
	reviewAnchoredPaths = []string{"pretest/anchored_params.csv", "anchored_params.csv"}
	reviewAnchorsPaths  = []string{"equate/anchors.csv", "anchors.csv"}
	reviewDecisionPaths = []string{"analyze/item_review.csv", "item_review.csv"}
	reviewLinkedPaths   = []string{"equate/params.csv"}
)

// ReviewOptions are the options of WriteReview. The zero value is valid.
type ReviewOptions struct {
	// Title is the page's heading; "" means "Item review: " and the exam
	// named in summary.json (else the manifest, else the folder's name).
	Title string
	// ThetaPoints is the number of θ points of each model curve (ICC,
	// information); zero means 41.
	ThetaPoints int
}

//go:embed review.html.tmpl
var reviewTemplateText string

var reviewTemplate = template.Must(template.New("review").Parse(reviewTemplateText))

// WriteReview writes the item-review page of run to w: one self-contained
// HTML file (inline CSS, JavaScript and SVG; no network, no external files)
// for item writers and committees. It holds
//
//   - a test summary (exam, candidates, raw-score mean and SD, mean p and
//     corrected point-biserial of the operational items, alpha, SEM, the raw
//     cut, observed and projected pass rates, classification accuracy and
//     consistency, counts of flags and decisions, warnings);
//   - a sortable, filterable table of every item (item_stats.csv order)
//     with its flags and decision: pretest items from pretest.csv,
//     operational items from analyze/item_review.csv when the run has it;
//   - a card per item, opened from the table or by the URL hash #item-ID:
//     statistics, the option table and trace lines (options.csv), the item
//     characteristic curve with the observed proportions correct in score
//     groups and their 95 % intervals, the decision with its reasons;
//   - test-level charts: test information and CSEM, pass rate by cut
//     (projection.csv), the person–item map, the anchor drift plot
//     (equate/anchors.csv) and Mantel–Haenszel DIF (dif.csv).
//
// Every number comes from the run's tables; the curves are drawn from the
// item parameters exactly as the PNG charts of WriteCharts draw them. Item
// parameters are those of equate/params.csv when the run was linked (the
// scale the conversion table uses), else params.csv, and for items in
// neither (pretest items) pretest/anchored_params.csv. The output depends
// only on the run folder: the same folder gives byte-identical HTML.
func WriteReview(w io.Writer, run *Run, opts ReviewOptions) error {
	page, err := buildReview(run, opts)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := reviewTemplate.Execute(bw, page); err != nil {
		return fmt.Errorf("reports: review page: %w", err)
	}
	return bw.Flush()
}

// WriteReviewFile writes the review page of run to path, under a temporary
// name renamed when complete.
func WriteReviewFile(path string, run *Run, opts ReviewOptions) error {
	return writeFileAtomic(path, func(w *bufio.Writer) error { return WriteReview(w, run, opts) })
}

// reviewPage is what the template shows.
type reviewPage struct {
	Title     string
	Subtitle  string
	Facts     []reviewFact
	Counts    []reviewCount
	Warnings  []string
	Domains   []string
	Statuses  []string
	Decisions []string
	Items     []*reviewItem
	Charts    []reviewChart
	Sources   []reviewFact
	Attention int
}

// reviewFact is a labelled value with where it came from.
type reviewFact struct{ Label, Value, Source string }

type reviewCount struct {
	Label string
	N     int
	Class string
}

type reviewChart struct {
	ID, Title, Caption string
	SVG                template.HTML
}

// reviewCell is a table cell: its text and its sort key ("" sorts last).
type reviewCell struct{ Text, Sort string }

type reviewFlag struct{ Code, Label, Severity string }

type reviewSentence struct{ Verdict, Text string }

type reviewOption struct {
	Option, N, Prop, MeanScore, RPbis, Class string
	Key                                      bool
}

type reviewItem struct {
	ID, Domain, Status, Key     string
	P, RPC, A, B, C             reviewCell
	Infit, Outfit               reviewCell
	Flags                       []reviewFlag
	Decision                    string
	DecisionSource              string
	Sentences                   []reviewSentence
	Notes                       string
	Stats                       []reviewFact
	Options                     []reviewOption
	ICC, Trace                  template.HTML
	Attention                   bool
	Search                      string
	FlagText                    string
	Seq                         int
	HasICC                      bool
	ParamsSource                string
	dif                         float64
	hasDIF                      bool
	difCat                      string
	b                           float64
	hasB                        bool
	status, decisionKey, domain string
}

// readRunTable reads the first of the CSV files rels (slash-separated,
// relative to the run folder) that exists, or returns nil when none does.
func readRunTable(run *Run, rels []string) (*Table, string, error) {
	for _, rel := range rels {
		p := filepath.Join(run.Dir, filepath.FromSlash(rel))
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("reports: %w", err)
		}
		defer f.Close()
		cr := csv.NewReader(bufio.NewReader(f))
		recs, err := cr.ReadAll()
		if err != nil {
			return nil, "", fmt.Errorf("reports: %s: %w", rel, err)
		}
		if len(recs) == 0 {
			return nil, "", fmt.Errorf("reports: %s: empty file, want a header row", rel)
		}
		h := recs[0]
		h[0] = strings.TrimPrefix(h[0], "\ufeff")
		for i := range h {
			h[i] = strings.TrimSpace(h[i])
		}
		return &Table{Header: h, Rows: recs[1:]}, rel, nil
	}
	return nil, "", nil
}

// reviewParams reads a params table as loadChartData does: a, b or d, c;
// a Rasch item without a has a = 1; b = −d/a when b is absent.
func reviewParams(t *Table) map[string]chartItem {
	m := map[string]chartItem{}
	if t == nil {
		return m
	}
	for i := range t.Rows {
		if it, ok := chartItemAt(t, i); ok {
			it.status = tableCell(t, i, "status")
			m[it.id] = it
		}
	}
	return m
}

// tableRowIndex maps item_id to row index.
func tableRowIndex(t *Table) map[string]int {
	m := map[string]int{}
	if t == nil {
		return m
	}
	c := tableCol(t, "item_id")
	if c < 0 {
		return m
	}
	for i, r := range t.Rows {
		if c < len(r) {
			if _, dup := m[r[c]]; !dup {
				m[r[c]] = i
			}
		}
	}
	return m
}

// fmtNum formats x with dec decimals ("−0.00" as "0.00").
func fmtNum(x float64, dec int) string {
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

func fmtPct(x float64, dec int) string { return fmtNum(100*x, dec) + " %" }

// cellOf is a table cell formatted with dec decimals, sortable.
func cellOf(t *Table, i int, col string, dec int) reviewCell {
	if i < 0 {
		return reviewCell{Text: "–"}
	}
	x, ok := tableFloat(t, i, col)
	if !ok {
		return reviewCell{Text: "–"}
	}
	return reviewCell{Text: fmtNum(x, dec), Sort: strconv.FormatFloat(x, 'g', 8, 64)}
}

func numCell(x float64, ok bool, dec int) reviewCell {
	if !ok {
		return reviewCell{Text: "–"}
	}
	return reviewCell{Text: fmtNum(x, dec), Sort: strconv.FormatFloat(x, 'g', 8, 64)}
}

// Flag codes in words, with a severity: "high" (key problems, negative
// discrimination, large DIF), "mid" (difficulty, weak discrimination,
// misfit) or "low" (a rare distractor, little information, omits).
var reviewFlagWords = map[string][2]string{
	"possible_miskey":           {"possible miskey", "high"},
	"negative_discrimination":   {"negative discrimination", "high"},
	"dif_c":                     {"DIF category C", "high"},
	"too_hard":                  {"too hard", "mid"},
	"too_easy":                  {"too easy", "mid"},
	"low_discrimination":        {"low discrimination", "mid"},
	"difficulty_out_of_range":   {"difficulty out of range", "mid"},
	"misfit":                    {"misfit", "mid"},
	"dif_b":                     {"DIF category B", "mid"},
	"insufficient_data":         {"too few responses", "mid"},
	"too_few_responses":         {"too few responses", "mid"},
	"large_se":                  {"large SE of b", "mid"},
	"nonfunctioning_distractor": {"rare distractor", "low"},
	"low_information_at_cut":    {"little information at the cut", "low"},
	"high_omit":                 {"often omitted", "low"},
}

func reviewFlagOf(code string) reviewFlag {
	if w, ok := reviewFlagWords[code]; ok {
		return reviewFlag{Code: code, Label: w[0], Severity: w[1]}
	}
	return reviewFlag{Code: code, Label: strings.ReplaceAll(code, "_", " "), Severity: "mid"}
}

func splitCodes(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// splitNotes splits a notes cell ("reject: … | revise: … | note: …") into
// sentences, each with its verdict when it starts with one.
func splitNotes(s string) []reviewSentence {
	var out []reviewSentence
	for _, part := range strings.Split(s, " | ") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v := ""
		if k := strings.Index(part, ": "); k > 0 && k < 16 && !strings.Contains(part[:k], " ") {
			v, part = part[:k], part[k+2:]
		}
		if part != "" {
			part = strings.ToUpper(part[:1]) + part[1:]
			if !strings.HasSuffix(part, ".") {
				part += "."
			}
		}
		out = append(out, reviewSentence{Verdict: v, Text: part})
	}
	return out
}

// flagSentence says in words what an item_stats.csv flag means for the
// item, with its numbers from item_stats.csv and options.csv.
func (b *reviewBuilder) flagSentence(code, id string) string {
	si := b.statsRow[id]
	st := b.run.ItemStats
	p, okP := tableFloat(st, si, "p")
	r, okR := tableFloat(st, si, "rpbis_corrected")
	thr := func(key string, def float64) float64 {
		if o, ok := b.run.Summary.Get("flag_thresholds").(JSONObject); ok {
			if x, ok := o.Number(key); ok {
				return x
			}
		}
		return def
	}
	switch code {
	case "too_hard":
		if okP {
			return fmt.Sprintf("Only %s of candidates answer it correctly (below %s).", fmtPct(p, 0), fmtPct(thr("too_hard", 0.2), 0))
		}
	case "too_easy":
		if okP {
			return fmt.Sprintf("%s of candidates answer it correctly (above %s): it hardly tells candidates apart.", fmtPct(p, 0), fmtPct(thr("too_easy", 0.95), 0))
		}
	case "low_discrimination":
		if okR {
			return fmt.Sprintf("It separates stronger from weaker candidates only weakly (corrected point-biserial %s, below %s).", fmtNum(r, 2), fmtNum(thr("low_discrimination", 0.15), 2))
		}
	case "negative_discrimination":
		if okR {
			return fmt.Sprintf("Stronger candidates do worse on it than weaker ones (corrected point-biserial %s): the key or the stem may be wrong.", fmtNum(r, 2))
		}
	case "possible_miskey":
		opts := b.options[id]
		var key *reviewOption
		for i := range opts {
			if opts[i].Key {
				key = &opts[i]
			}
		}
		best := -1
		bestR := math.Inf(-1)
		for i, o := range opts {
			if x, ok := parseRunFloat(o.RPbis); ok && !o.Key && o.Option != "omit" && x > bestR {
				best, bestR = i, x
			}
		}
		if key != nil && best >= 0 {
			return fmt.Sprintf("Option %s correlates more with the score than it should (point-biserial %s; key %s: %s): check the key.",
				opts[best].Option, opts[best].RPbis, key.Option, key.RPbis)
		}
		return "A distractor behaves like the key: check the key."
	case "nonfunctioning_distractor":
		var rare []string
		lim := thr("nonfunctioning_distractor", 0.05)
		for _, o := range b.options[id] {
			if x, ok := parseRunFloat(o.Prop); ok && !o.Key && o.Option != "omit" && o.Option != "" && x < lim {
				rare = append(rare, fmt.Sprintf("%s (%s)", o.Option, fmtPct(x, 1)))
			}
		}
		if len(rare) > 0 {
			return fmt.Sprintf("Option%s %s chosen by fewer than %s of candidates: write a more plausible distractor.",
				map[bool]string{true: "s", false: ""}[len(rare) > 1], strings.Join(rare, ", ")+map[bool]string{true: " are", false: " is"}[len(rare) > 1], fmtPct(lim, 0))
		}
	case "high_omit":
		if x, ok := tableFloat(st, si, "omit_rate"); ok {
			return fmt.Sprintf("%s of candidates leave it blank.", fmtPct(x, 1))
		}
	}
	return reviewFlagOf(code).Label + "."
}

// reviewBuilder gathers the tables the page reads.
type reviewBuilder struct {
	run                *Run
	opts               ReviewOptions
	cd                 *chartData
	params             map[string]chartItem // parameters per item, the source below
	paramSrc           map[string]string
	statsRow           map[string]int
	fitRow             map[string]int
	pretestRow         map[string]int
	decisionRow        map[string]int
	difRow             map[string]int
	decisions, anchors *Table
	anchored           *Table
	linked             *Table // equate/params.csv when the run was linked
	linkedRel          string
	options            map[string][]reviewOption
	thetaCut           float64
	hasCut             bool
	sources            []reviewFact
	pageItems          []*reviewItem
}

// templateHTML marks SVG that the review writer built (every text in it
// escaped) as safe for the page.
func templateHTML(s string) template.HTML { return template.HTML(s) }

func buildReview(run *Run, opts ReviewOptions) (*reviewPage, error) {
	if opts.ThetaPoints <= 0 {
		opts.ThetaPoints = 41
	}
	// The workbook's test summary and the page are built from one build
	// (the run's tables do not change once read).
	if c := run.review; c != nil && c.opts == opts {
		return c.page, nil
	}
	page, err := buildReviewPage(run, opts)
	if err == nil {
		run.review = &reviewCache{opts: opts, page: page}
	}
	return page, err
}

// reviewCache is a run's review page as built for opts.
type reviewCache struct {
	opts ReviewOptions
	page *reviewPage
}

func buildReviewPage(run *Run, opts ReviewOptions) (*reviewPage, error) {
	cd, err := loadChartData(run)
	if err != nil {
		return nil, err
	}
	b := &reviewBuilder{run: run, opts: opts, cd: cd, params: map[string]chartItem{}, paramSrc: map[string]string{}}
	b.thetaCut, b.hasCut = run.Scale.Number("theta_cut")
	b.statsRow = tableRowIndex(run.ItemStats)
	b.fitRow = tableRowIndex(run.Params)
	b.pretestRow = tableRowIndex(run.Pretest)
	b.difRow = tableRowIndex(run.DIF)
	var rel string
	if b.decisions, rel, err = readRunTable(run, reviewDecisionPaths); err != nil {
		return nil, err
	}
	if b.decisions != nil {
		b.sources = append(b.sources, reviewFact{"Decisions of operational items", rel, ""})
	}
	b.decisionRow = tableRowIndex(b.decisions)
	if b.anchors, rel, err = readRunTable(run, reviewAnchorsPaths); err != nil {
		return nil, err
	}
	if b.anchors != nil {
		b.sources = append(b.sources, reviewFact{"Anchor drift", rel, ""})
	}
	var anchoredRel string
	if b.anchored, anchoredRel, err = readRunTable(run, reviewAnchoredPaths); err != nil {
		return nil, err
	}
	// Parameters: the linked ones, else params.csv, then anchored pretest.
	linked, linkedRel, err := readRunTable(run, reviewLinkedPaths)
	if err != nil {
		return nil, err
	}
	if linked != nil && run.Path(FileParams) == filepath.Join(run.Dir, filepath.FromSlash(linkedRel)) {
		linked = nil
	}
	type src struct {
		m   map[string]chartItem
		rel string
	}
	var srcs []src
	b.linked, b.linkedRel = linked, linkedRel
	if linked != nil {
		srcs = append(srcs, src{reviewParams(linked), linkedRel + " (linked to the base scale)"})
		b.sources = append(b.sources, reviewFact{"Item parameters (operational)", linkedRel, "linked to the base form's scale"})
	} else if run.Params != nil {
		srcs = append(srcs, src{reviewParams(run.Params), run.rel(run.Path(FileParams))})
		b.sources = append(b.sources, reviewFact{"Item parameters (operational)", run.rel(run.Path(FileParams)), ""})
	}
	if b.anchored != nil {
		srcs = append(srcs, src{reviewParams(b.anchored), anchoredRel + " (anchored calibration)"})
		b.sources = append(b.sources, reviewFact{"Item parameters (pretest)", anchoredRel, "anchored calibration"})
	}
	for _, s := range srcs {
		for id, it := range s.m {
			if _, ok := b.params[id]; !ok {
				b.params[id] = it
				b.paramSrc[id] = s.rel
			}
		}
	}
	b.options = map[string][]reviewOption{}
	if t := run.Options; t != nil {
		k := map[string]int{}
		for i := range t.Rows {
			id := tableCell(t, i, "item_id")
			o := reviewOption{Option: tableCell(t, i, "option"), Key: strings.EqualFold(tableCell(t, i, "is_key"), "true"),
				N: tableCell(t, i, "n")}
			if x, ok := tableFloat(t, i, "prop"); ok {
				o.Prop = fmtNum(x, 3)
			}
			if x, ok := tableFloat(t, i, "mean_score"); ok {
				o.MeanScore = fmtNum(x, 1)
			}
			if x, ok := tableFloat(t, i, "rpbis"); ok {
				o.RPbis = fmtNum(x, 2)
			}
			switch {
			case o.Key:
				o.Class = "key"
			case o.Option == "omit" || o.Option == "":
				o.Class = "om"
			default:
				o.Class = fmt.Sprintf("d%d", k[id]%6)
				k[id]++
			}
			b.options[id] = append(b.options[id], o)
		}
	}
	page := &reviewPage{}
	page.Title = opts.Title
	exam := b.exam()
	if page.Title == "" {
		page.Title = "Item review: " + exam
	}
	page.Subtitle = exam
	if err := b.items(page); err != nil {
		return nil, err
	}
	b.pageItems = page.Items
	b.summary(page)
	b.charts(page)
	page.Sources = append(page.Sources, b.sources...)
	for _, name := range run.Files() {
		page.Sources = append(page.Sources, reviewFact{name, run.rel(run.Path(name)), ""})
	}
	return page, nil
}

func (b *reviewBuilder) exam() string {
	if s := b.run.Summary.String("exam"); s != "" {
		return s
	}
	if m := b.run.Manifest; m != nil && m.Options["exam"] != "" {
		return m.Options["exam"]
	}
	return b.run.FormName()
}

// items fills the table rows and cards: every item of item_stats.csv, then
// items only in the parameter or pretest tables.
func (b *reviewBuilder) items(page *reviewPage) error {
	run := b.run
	var order []string
	seen := map[string]bool{}
	addID := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			order = append(order, id)
		}
	}
	for i := range rowsOf(run.ItemStats) {
		addID(tableCell(run.ItemStats, i, "item_id"))
	}
	for i := range rowsOf(run.Params) {
		addID(tableCell(run.Params, i, "item_id"))
	}
	for i := range rowsOf(run.Pretest) {
		addID(tableCell(run.Pretest, i, "item_id"))
	}
	for seq, id := range order {
		it := &reviewItem{ID: id, Seq: seq}
		si, inStats := b.statsRow[id]
		if !inStats {
			si = -1
		}
		pi, inPretest := b.pretestRow[id]
		if !inPretest {
			pi = -1
		}
		fi, inFit := b.fitRow[id]
		if !inFit {
			fi = -1
		}
		st := run.ItemStats
		first := func(vals ...string) string {
			for _, v := range vals {
				if v != "" {
					return v
				}
			}
			return ""
		}
		it.Domain = first(tableCell(st, si, "domain"), tableCell(run.Pretest, pi, "domain"), tableCell(run.Params, fi, "domain"))
		it.Status = first(tableCell(st, si, "status"), tableCell(run.Params, fi, "status"))
		if it.Status == "" && inPretest {
			it.Status = "pretest"
		}
		it.Key = tableCell(st, si, "key")
		it.P = cellOf(st, si, "p", 2)
		it.RPC = cellOf(st, si, "rpbis_corrected", 2)
		if it.P.Sort == "" && inPretest {
			it.P = cellOf(run.Pretest, pi, "p", 2)
			it.RPC = cellOf(run.Pretest, pi, "rpbis_corrected", 2)
		}
		par, hasPar := b.params[id]
		it.A, it.B = numCell(par.a, hasPar, 2), numCell(par.b, hasPar, 2)
		it.C = numCell(par.c, hasPar && (par.model == "3pl" || par.c != 0), 2)
		it.b, it.hasB = par.b, hasPar
		it.ParamsSource = b.paramSrc[id]
		// Fit: params.csv; pretest items from pretest.csv, else anchored.
		it.Infit, it.Outfit = cellOf(run.Params, fi, "infit", 2), cellOf(run.Params, fi, "outfit", 2)
		if it.Infit.Sort == "" && inPretest {
			it.Infit, it.Outfit = cellOf(run.Pretest, pi, "infit", 2), cellOf(run.Pretest, pi, "outfit", 2)
		}
		if it.Infit.Sort == "" && b.anchored != nil {
			if ai, ok := tableRowIndex(b.anchored)[id]; ok {
				it.Infit, it.Outfit = cellOf(b.anchored, ai, "infit", 2), cellOf(b.anchored, ai, "outfit", 2)
			}
		}
		// Flags: item_stats.csv, plus the reasons of a decision.
		codes := splitCodes(tableCell(st, si, "flags"))
		var reasonCodes []string
		if inPretest {
			it.Decision = tableCell(run.Pretest, pi, "decision")
			it.DecisionSource = run.rel(run.Path(FilePretest))
			reasonCodes = splitCodes(tableCell(run.Pretest, pi, "reasons"))
			it.Notes = tableCell(run.Pretest, pi, "notes")
		} else if di, ok := b.decisionRow[id]; ok {
			it.Decision = tableCell(b.decisions, di, "decision")
			it.DecisionSource = "item_review.csv"
			reasonCodes = splitCodes(tableCell(b.decisions, di, "reasons"))
			it.Notes = tableCell(b.decisions, di, "notes")
		}
		have := map[string]bool{}
		for _, c := range append(codes, reasonCodes...) {
			if !have[c] {
				have[c] = true
				it.Flags = append(it.Flags, reviewFlagOf(c))
			}
		}
		if it.Notes != "" {
			it.Sentences = splitNotes(it.Notes)
		} else {
			for _, c := range codes {
				it.Sentences = append(it.Sentences, reviewSentence{Verdict: "flag", Text: b.flagSentence(c, id)})
			}
		}
		var labels []string
		for _, f := range it.Flags {
			labels = append(labels, f.Label)
		}
		it.FlagText = strings.Join(labels, ", ")
		dk := strings.ToLower(it.Decision)
		it.decisionKey = dk
		// A note alone (a rarely chosen distractor) needs no attention.
		serious := false
		for _, f := range it.Flags {
			serious = serious || f.Severity != "low"
		}
		it.Attention = serious || (dk != "" && dk != "promote" && dk != "keep")
		if it.Attention {
			page.Attention++
		}
		it.Search = strings.ToLower(strings.Join([]string{id, it.Domain, it.Status, it.Decision, it.FlagText}, " "))
		if di, ok := b.difRow[id]; ok {
			it.dif, it.hasDIF = tableFloat(run.DIF, di, "mh_d_dif")
			it.difCat = tableCell(run.DIF, di, "ets_category")
		}
		it.Options = b.options[id]
		b.itemStats(it, si, pi, fi)
		if hasPar {
			it.ICC = template.HTML(b.iccSVG(it, par))
			it.HasICC = true
		}
		if len(b.cd.options[id]) > 0 {
			it.Trace = template.HTML(b.traceSVG(it))
		}
		page.Items = append(page.Items, it)
	}
	// Filter choices in order of first appearance.
	seenD, seenS, seenC := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, it := range page.Items {
		if it.Domain != "" && !seenD[it.Domain] {
			seenD[it.Domain] = true
			page.Domains = append(page.Domains, it.Domain)
		}
		if it.Status != "" && !seenS[it.Status] {
			seenS[it.Status] = true
			page.Statuses = append(page.Statuses, it.Status)
		}
	}
	for _, d := range []string{"promote", "keep", "revise", "review", "check_key", "reject", "insufficient"} {
		for _, it := range page.Items {
			if strings.EqualFold(it.Decision, d) && !seenC[it.decisionKey] {
				seenC[it.decisionKey] = true
				page.Decisions = append(page.Decisions, it.Decision)
			}
		}
	}
	for _, it := range page.Items {
		if it.Decision != "" && !seenC[it.decisionKey] {
			seenC[it.decisionKey] = true
			page.Decisions = append(page.Decisions, it.Decision)
		}
	}
	return nil
}

// itemStats lists an item's statistics for its card.
func (b *reviewBuilder) itemStats(it *reviewItem, si, pi, fi int) {
	run := b.run
	st := run.ItemStats
	add := func(label string, t *Table, i int, col string, dec int, src string) {
		if i < 0 || t == nil {
			return
		}
		x, ok := tableFloat(t, i, col)
		if !ok {
			return
		}
		it.Stats = append(it.Stats, reviewFact{label, fmtNum(x, dec), src})
	}
	if si >= 0 {
		s := run.rel(run.Path(FileItemStats))
		add("Candidates", st, si, "n", 0, s)
		add("p (proportion correct)", st, si, "p", 3, s)
		add("Point-biserial", st, si, "rpbis", 3, s)
		add("Corrected point-biserial", st, si, "rpbis_corrected", 3, s)
		add("Biserial", st, si, "biserial", 3, s)
		add("Upper–lower discrimination", st, si, "disc_index", 3, s)
		add("Alpha if deleted", st, si, "alpha_if_deleted", 3, s)
		add("Omit rate", st, si, "omit_rate", 3, s)
	}
	if par, ok := b.params[it.ID]; ok {
		src := b.paramSrc[it.ID]
		m := strings.ToUpper(par.model)
		if m == "RASCH" {
			m = "Rasch"
		}
		if m != "" {
			it.Stats = append(it.Stats, reviewFact{"Model", m, src})
		}
		it.Stats = append(it.Stats, reviewFact{"a (slope)", fmtNum(par.a, 3), src},
			reviewFact{"b (difficulty)", fmtNum(par.b, 3), src})
		if par.model == "3pl" || par.c != 0 {
			it.Stats = append(it.Stats, reviewFact{"c (lower asymptote)", fmtNum(par.c, 3), src})
		}
	}
	if li, ok := tableRowIndex(b.linked)[it.ID]; ok && strings.HasPrefix(b.paramSrc[it.ID], b.linkedRel) {
		add("SE of b", b.linked, li, "se_b", 3, b.linkedRel) // on the scale of b
	} else if fi >= 0 {
		add("SE of b", run.Params, fi, "se_b", 3, run.rel(run.Path(FileParams)))
	}
	if fi >= 0 {
		s := run.rel(run.Path(FileParams))
		add("Infit mean square", run.Params, fi, "infit", 2, s)
		add("Outfit mean square", run.Params, fi, "outfit", 2, s)
		add("S-X² p", run.Params, fi, "sx2_p", 3, s)
	} else if pi >= 0 {
		s := run.rel(run.Path(FilePretest))
		add("SE of b", run.Pretest, pi, "se_b", 3, s)
		add("Infit mean square", run.Pretest, pi, "infit", 2, s)
		add("Outfit mean square", run.Pretest, pi, "outfit", 2, s)
		add("S-X² p", run.Pretest, pi, "sx2_p", 3, s)
		add("Information at the cut", run.Pretest, pi, "info_at_cut", 3, s)
	}
	if ai, ok := tableRowIndex(b.anchors)[it.ID]; ok {
		const s = "equate/anchors.csv"
		v := "kept in the linking"
		if strings.EqualFold(tableCell(b.anchors, ai, "used"), "false") {
			v = "dropped from the linking"
			if r := tableCell(b.anchors, ai, "reason"); r != "" {
				v += ": " + r
			}
		}
		it.Stats = append(it.Stats, reviewFact{"Anchor", v, s})
		add("b on the base form", b.anchors, ai, "b_base", 3, s)
		add("b of this form on the base scale", b.anchors, ai, "b_new_on_base", 3, s)
	}
	if h := run.History; h != nil {
		for i := range h.Rows {
			if tableCell(h, i, "item_id") != it.ID {
				continue
			}
			v := tableCell(h, i, "role")
			if p := tableCell(h, i, "p"); p != "" {
				v += ", p " + roundCell(p, 2)
			}
			if r := tableCell(h, i, "rpbis_corrected"); r != "" {
				v += ", corrected r " + roundCell(r, 2)
			}
			if bb := tableCell(h, i, "b"); bb != "" {
				v += ", b " + roundCell(bb, 2)
				if se := tableCell(h, i, "se_b"); se != "" {
					v += " (SE " + roundCell(se, 2) + ")"
				}
			}
			label := "Earlier administration " + tableCell(h, i, "form")
			if d := tableCell(h, i, "date"); d != "" {
				label += " (" + d + ")"
			}
			it.Stats = append(it.Stats, reviewFact{label, v, run.rel(run.Path(FileHistory))})
		}
	}
	if di, ok := b.difRow[it.ID]; ok {
		s := run.rel(run.Path(FileDIF))
		add("MH D-DIF", run.DIF, di, "mh_d_dif", 2, s)
		if c := tableCell(run.DIF, di, "ets_category"); c != "" {
			v := c
			if f := tableCell(run.DIF, di, "favours"); f != "" && f != "none" {
				v += ", favours " + f
			}
			it.Stats = append(it.Stats, reviewFact{"ETS DIF category", v, s})
		}
	}
}

// summary fills the test summary from summary.json, scale.json,
// conversion.csv, accuracy.json, projection.csv and linking.json.
func (b *reviewBuilder) summary(page *reviewPage) {
	run := b.run
	add := func(label, value, src string) {
		if value != "" {
			page.Facts = append(page.Facts, reviewFact{label, value, src})
		}
	}
	sum := run.Summary
	sumSrc := run.rel(run.Path(FileSummary))
	add("Exam", b.exam(), sumSrc)
	add("Form", run.FormName(), "")
	add("Date", run.RunDate(), "start of the run (manifest.json)")
	if sum == nil {
		add("Classical analysis", "not run", "no summary.json in the run folder")
	}
	if x, ok := sum.Number("candidates"); ok {
		add("Candidates (N)", fmtNum(x, 0), sumSrc)
	}
	if items, ok := sum.Get("items").(JSONObject); ok {
		var parts []string
		for _, k := range []string{"operational", "pretest", "excluded"} {
			if x, ok := items.Number(k); ok && x > 0 {
				parts = append(parts, fmt.Sprintf("%s %s", fmtNum(x, 0), k))
			}
		}
		add("Items", strings.Join(parts, ", "), sumSrc)
	}
	rawObj, _ := sum.Get("raw_score").(JSONObject)
	if rawObj == nil {
		rawObj = sum
	}
	if m, ok := rawObj.Number("mean"); ok {
		v := fmtNum(m, 1)
		if sd, ok := rawObj.Number("sd"); ok {
			v += " / " + fmtNum(sd, 1)
		}
		add("Raw score mean / SD", v, sumSrc)
	}
	// Means over the operational rows of item_stats.csv.
	var sp, sr float64
	var np, nr int
	st := run.ItemStats
	for i := range rowsOf(st) {
		if s := tableCell(st, i, "status"); s != "" && s != "operational" {
			continue
		}
		if x, ok := tableFloat(st, i, "p"); ok {
			sp += x
			np++
		}
		if x, ok := tableFloat(st, i, "rpbis_corrected"); ok {
			sr += x
			nr++
		}
	}
	stSrc := "mean of the operational rows of " + run.rel(run.Path(FileItemStats))
	if np > 0 {
		add("Mean p", fmtNum(sp/float64(np), 2), stSrc)
	}
	if nr > 0 {
		add("Mean corrected point-biserial", fmtNum(sr/float64(nr), 2), stSrc)
	}
	if a, ok := sum.Number("alpha"); ok {
		v := fmtNum(a, 3)
		if se, ok := sum.Number("alpha_se"); ok {
			v += " (SE " + fmtNum(se, 3) + ")"
		}
		add("Coefficient alpha (KR-20)", v, sumSrc+" alpha (Cronbach, 1951), alpha_se: asymptotic SE (van Zyl, Neudecker & Nel, 2000; Duhachek & Iacobucci, 2004), as psych::alpha")
	}
	if x, ok := sum.Number("sem"); ok {
		add("SEM (raw points)", fmtNum(x, 2), sumSrc+" sem = SD·√(1 − α)")
	}
	if cs, ok := weightedMean(run.Conversion, "csem"); ok {
		add("SEM (scale points)", fmtNum(cs, 1), "mean CSEM of "+run.rel(run.Path(FileConversion))+" weighted by its count column (candidates at each raw score)")
	}
	marginal := false
	for _, k := range []string{"marginal_reliability", "reliability"} {
		if x, ok := run.Fit.Number(k); ok {
			add("Marginal reliability", fmtNum(x, 3), run.rel(run.Path(FileFit)))
			marginal = true
			break
		}
	}
	if !marginal {
		if se2, ok := weightedMeanSq(run.Conversion, "theta_se"); ok {
			sd, okSD := 0.0, false
			if pop, ok := run.Accuracy.Get("population").(JSONObject); ok {
				sd, okSD = pop.Number("sd")
			}
			if !okSD {
				sd, okSD = run.Fit.Number("latent_sd")
			}
			if okSD && sd > 0 {
				add("Marginal reliability", fmtNum(sd*sd/(sd*sd+se2), 3),
					"σ²/(σ² + mean SE²) (Green, Bock, Humphreys, Linn & Reckase, 1984): σ the latent SD of accuracy.json (else fit.json), SE² the squared theta_se of conversion.csv weighted by count")
			}
		}
	}
	if run.Fit == nil && run.Params == nil {
		add("Calibration", "not run", "no fit.json or params.csv in the run folder")
	}
	if run.Scale == nil && run.Conversion == nil {
		add("Raw cut", "not run", "no scale.json or conversion.csv (the spec gives no cut)")
	}
	if b.hasCut {
		add("θ at the cut", fmtNum(b.thetaCut, 3), run.rel(run.Path(FileScale)))
		var info float64
		for _, it := range b.opItems() {
			info += it.info(b.thetaCut)
		}
		if info > 0 {
			add("Test information at the cut", fmtNum(info, 1), "Σ item information at θ_cut from the operational items' parameters")
		}
	}
	rawCut, hasRaw := runRawCut(run)
	rawSrc := run.rel(run.Path(FileConversion)) + " (first passing raw score)"
	if form, ok := run.Scale.Get("form").(JSONObject); ok {
		if x, ok := form.Number("raw_cut"); ok {
			rawCut, hasRaw, rawSrc = x, true, run.rel(run.Path(FileScale))+" form.raw_cut"
		}
	}
	if hasRaw {
		v := fmtNum(rawCut, 0)
		if mx, ok := rawObj.Number("max_possible"); ok {
			v += " of " + fmtNum(mx, 0)
		}
		add("Raw cut", v, rawSrc)
		t := run.Conversion
		for i := range rowsOf(t) {
			if r, ok := tableFloat(t, i, "raw"); ok && r == rawCut {
				if cs, ok := tableFloat(t, i, "csem"); ok {
					v := fmtNum(cs, 1) + " scale points"
					if ts, ok := tableFloat(t, i, "theta_se"); ok {
						v += " (" + fmtNum(ts, 3) + " logits)"
					}
					add("CSEM at the raw cut", v, run.rel(run.Path(FileConversion)))
				}
			}
		}
	}
	acc := run.Accuracy
	accSrc := run.rel(run.Path(FileAccuracy))
	if x, ok := acc.Number("observed_pass_rate"); ok {
		add("Observed pass rate", fmtPct(x, 1), accSrc)
	} else if form, ok := run.Scale.Get("form").(JSONObject); ok {
		if x, ok := form.Number("observed_pass_rate"); ok {
			add("Observed pass rate", fmtPct(x, 1), run.rel(run.Path(FileScale)))
		}
	}
	if x, ok := acc.Number("projected_pass_rate"); ok {
		v := fmtPct(x, 1)
		if ci, ok := acc.Get("pass_rate_ci95").([]any); ok && len(ci) == 2 {
			lo, ok1 := JSONObject{{"v", ci[0]}}.Number("v")
			hi, ok2 := JSONObject{{"v", ci[1]}}.Number("v")
			if ok1 && ok2 {
				v += fmt.Sprintf(" (95 %% interval %s – %s)", fmtPct(lo, 1), fmtPct(hi, 1))
			}
		}
		add("Projected pass rate", v, accSrc)
	} else if x, detail, ok := projectedPassRate(run); ok {
		add("Projected pass rate", fmtPct(x, 1), detail)
	}
	if acc == nil {
		add("Projected pass rate", "not run", "no accuracy.json (project stage)")
		add("Classification accuracy / consistency", "not run", "no accuracy.json (project stage)")
	}
	for _, k := range []struct{ key, name string }{{"lee_2010", "Lee 2010"}, {"rudner", "Rudner"}} {
		if o, ok := acc.Get(k.key).(JSONObject); ok {
			a, ok1 := o.Number("accuracy")
			c, ok2 := o.Number("consistency")
			if ok1 && ok2 {
				add("Classification accuracy / consistency ("+k.name+")", fmtPct(a, 1)+" / "+fmtPct(c, 1), accSrc)
			}
		}
	}
	if l := run.Linking; l != nil {
		v := l.String("method")
		if A, ok := l.Number("A"); ok {
			B, _ := l.Number("B")
			v += fmt.Sprintf(", A = %s, B = %s", fmtNum(A, 3), fmtNum(B, 3))
		}
		if n, ok := l.Number("common_items"); ok {
			k, _ := l.Number("kept_items")
			v += fmt.Sprintf(", %s of %s anchors kept", fmtNum(k, 0), fmtNum(n, 0))
		}
		add("Linking", v, run.rel(run.Path(FileLinking)))
	}
	if pp := run.PrePost; pp != nil && len(pp.Rows) > 0 {
		// The planned form's pre-equated conversion against this one.
		preCut, postCut, differ, total := -1, -1, 0, 0
		for i := range pp.Rows {
			raw := tableCell(pp, i, "raw")
			if preCut < 0 && tableCell(pp, i, "pre_pass") == "true" {
				preCut, _ = strconv.Atoi(raw)
			}
			if postCut < 0 && tableCell(pp, i, "post_pass") == "true" {
				postCut, _ = strconv.Atoi(raw)
			}
			n, _ := strconv.Atoi(tableCell(pp, i, "count"))
			total += n
			if tableCell(pp, i, "differs") == "true" {
				differ += n
			}
		}
		v := fmt.Sprintf("raw cut %d pre-equated, %d after the administration", preCut, postCut)
		if total > 0 {
			v += fmt.Sprintf("; pass/fail differs for %d of %d candidates", differ, total)
		}
		add("Pre- against post-equating", v, run.rel(run.Path(FilePrePost)))
	}
	for _, f := range irtSummary(run) {
		add(f.Label, f.Value, f.Source)
	}
	for _, f := range groupPassRates(run, b.cd.groups) {
		add(f.Label, f.Value, f.Source)
	}
	// Counts of flags and decisions over the items on the page.
	flagN := map[string]int{}
	var flagOrder []string
	decN := map[string]int{}
	for _, it := range page.Items {
		for _, f := range it.Flags {
			if flagN[f.Code] == 0 {
				flagOrder = append(flagOrder, f.Code)
			}
			flagN[f.Code]++
		}
		if it.Decision != "" {
			decN[it.Decision]++
		}
	}
	sev := map[string]int{"high": 0, "mid": 1, "low": 2}
	for s := 0; s < 3; s++ {
		for _, c := range flagOrder {
			f := reviewFlagOf(c)
			if sev[f.Severity] == s {
				page.Counts = append(page.Counts, reviewCount{f.Label, flagN[c], "flag " + f.Severity})
			}
		}
	}
	for _, d := range page.Decisions {
		page.Counts = append(page.Counts, reviewCount{d, decN[d], "dec dec-" + strings.ToLower(d)})
	}
	for _, o := range []JSONObject{sum, run.Fit} {
		if ws, ok := o.Get("warnings").([]any); ok {
			for _, w := range ws {
				page.Warnings = append(page.Warnings, fmt.Sprint(w))
			}
		}
	}
	if m := run.Manifest; m != nil {
		page.Warnings = append(page.Warnings, m.Warnings...)
	}
}

// opItems are the operational items with parameters, in page order.
func (b *reviewBuilder) opItems() []chartItem {
	var out []chartItem
	st := b.run.ItemStats
	ids := []string{}
	status := map[string]string{}
	for i := range rowsOf(st) {
		id := tableCell(st, i, "item_id")
		ids = append(ids, id)
		status[id] = tableCell(st, i, "status")
	}
	if st == nil {
		for i := range rowsOf(b.run.Params) {
			ids = append(ids, tableCell(b.run.Params, i, "item_id"))
		}
	}
	for _, id := range ids {
		it, ok := b.params[id]
		if !ok {
			continue
		}
		s := status[id]
		if s == "" {
			s = it.status
		}
		if s == "" || s == "operational" {
			out = append(out, it)
		}
	}
	return out
}

// roundCell rounds a numeric cell to places decimals for a sentence; a cell
// that is not a number is returned as it is.
func roundCell(s string, places int) string {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(x, 'f', places, 64)
}

// FormName is the form's name on the test summary: Form when set, else the
// run folder's name.
func (r *Run) FormName() string {
	if r.Form != "" {
		return r.Form
	}
	return filepath.Base(filepath.Clean(r.Dir))
}

// RunDate is the day of the run, YYYY-MM-DD: Date when set, else the date of
// manifest.json's start time; "" when neither is known.
func (r *Run) RunDate() string {
	if r.Date != "" {
		return r.Date
	}
	if m := r.Manifest; m != nil && len(m.Started) >= 10 {
		return m.Started[:10]
	}
	return ""
}

// weightedMean is the mean of column col of t weighted by its count column.
func weightedMean(t *Table, col string) (float64, bool) {
	var s, n float64
	for i := range rowsOf(t) {
		x, ok1 := tableFloat(t, i, col)
		w, ok2 := tableFloat(t, i, "count")
		if ok1 && ok2 && w > 0 {
			s += w * x
			n += w
		}
	}
	return s / n, n > 0
}

// weightedMeanSq is the mean of the squares of column col of t weighted by
// its count column.
func weightedMeanSq(t *Table, col string) (float64, bool) {
	var s, n float64
	for i := range rowsOf(t) {
		x, ok1 := tableFloat(t, i, col)
		w, ok2 := tableFloat(t, i, "count")
		if ok1 && ok2 && w > 0 {
			s += w * x * x
			n += w
		}
	}
	return s / n, n > 0
}
