package reports

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// RunStages are the stage sub-folders of an `itemlab run` folder, in the
// order ReadRun prefers them when a file name occurs in more than one.
var RunStages = []string{"analyze", "calibrate", "scale", "score", "equate", "pretest", "dif", "project"}

// The files of a run folder that ReadRun knows. Every one is optional.
const (
	FileManifest   = "manifest.json"
	FileItemStats  = "item_stats.csv"
	FileOptions    = "options.csv"
	FileDomains    = "domains.csv"
	FileSummary    = "summary.json"
	FileParams     = "params.csv"
	FilePersons    = "persons.csv"
	FileFit        = "fit.json"
	FileScale      = "scale.json"
	FileConversion = "conversion.csv"
	FileScores     = "scores.csv"
	FilePretest    = "pretest.csv"
	FileDIF        = "dif.csv"
	FileEquating   = "equating.csv"
	FileLinking    = "linking.json"
	FileProjection = "projection.csv"
	FileAccuracy   = "accuracy.json"
)

// The other files the stages write, by stage.
const (
	FileScoreDistribution      = "score_distribution.csv"       // analyze
	FileParamCov               = "params_cov.csv"               // calibrate, equate: covariances of params.csv
	FileSumScoreEAP            = "sseap.csv"                    // calibrate
	FileQ3Pairs                = "q3_pairs.csv"                 // calibrate
	FileScoreSummary           = "score_summary.json"           // score
	FileAnchors                = "anchors.csv"                  // equate
	FileLinkedParams           = "params.csv"                   // equate: the new form's parameters on the base scale
	FileDIFSummary             = "dif.json"                     // dif
	FileDIFLogistic            = "dif_logistic.csv"             // dif
	FilePretestSummary         = "pretest.json"                 // pretest
	FileBank                   = "bank.csv"                     // pretest
	FileAnchoredParams         = "anchored_params.csv"          // pretest
	FileProjectionShifts       = "projection_shifts.csv"        // project
	FileModelScoreDistribution = "score_distribution_model.csv" // project
	FileWorkbook               = "report.xlsx"                  // report
	DirCharts                  = "charts"                       // report
	FileReview                 = "review.html"                  // report: the item-review page
	FileBankScale              = "bank_scale.json"              // bank: the bank's scale, copied as an input of the run
	FileHistory                = "history.csv"                  // bank: the form's items' earlier administrations
	FileResponses              = "responses.csv"                // simulate
	FileItems                  = "items.csv"                    // simulate
	FileTruth                  = "truth.csv"                    // simulate
	FileTruthPersons           = "truth_persons.csv"            // simulate
	FileSimulation             = "simulation.json"              // simulate
)

// runSmallTables are read into memory by ReadRun; persons.csv and
// scores.csv, which can hold a million rows, are streamed with EachRow.
var runSmallTables = []string{FileItemStats, FileOptions, FileDomains, FileParams, FileConversion,
	FilePretest, FileDIF, FileEquating, FileProjection, FileAnchors, FileHistory, FilePrePost}

var runJSONFiles = []string{FileSummary, FileFit, FileScale, FileLinking, FileAccuracy}

// Run is what ReadRun found in a run folder: the manifest, the small tables
// and JSON summaries, and the paths of the large tables, which are streamed.
// A file that is absent leaves its field nil. Run formats what the stages
// wrote; it computes no statistics.
type Run struct {
	Dir      string
	Manifest *Manifest

	ItemStats, Options, Domains, Params, Conversion *Table
	Pretest, DIF, Equating, Projection              *Table
	// Anchors (equate/anchors.csv), History and PrePost (bank/ of a run
	// with an item bank).
	Anchors, History, PrePost              *Table
	Summary, Fit, Scale, Linking, Accuracy JSONObject

	// Form and Date name the form and the day of the run on the test
	// summary; empty means the folder's name and manifest.json's start
	// date (the run stage sets both, since its manifest is written last).
	Form, Date string
	// BaseDir is the run folder of the base form of a linked run ("": not
	// known), for the Form comparison sheet.
	BaseDir string
	// Groups are the candidates' group labels (the data's group column,
	// which DIF compares) in the order of scores.csv, for the pass rates by
	// group; nil: not known. A row whose examinee_id differs from IDs[k]
	// counts in no group.
	Groups, IDs []string

	paths  map[string]string // file name → path of the copy in use
	review *reviewCache      // the review page once built (buildReview)
}

// ReadRun reads the run folder dir. It looks for each known file by name at
// the top of dir, then in the stage sub-folders (RunStages order), then in
// any other folder up to two levels down, so it reads both an `itemlab run`
// folder and a single command's --out folder. Every file is optional; an
// unreadable or malformed file is an error naming it.
func ReadRun(dir string) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("reports: run folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("reports: run folder %s: not a folder", dir)
	}
	r := &Run{Dir: dir}
	if r.paths, err = findRunFiles(dir); err != nil {
		return nil, err
	}
	if err := checkCalibrations(dir, r.paths[FileParams]); err != nil {
		return nil, err
	}
	if p := r.paths[FileManifest]; p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		var m Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("reports: %s: %w", r.rel(p), err)
		}
		r.Manifest = &m
	}
	tables := map[string]**Table{
		FileItemStats: &r.ItemStats, FileOptions: &r.Options, FileDomains: &r.Domains,
		FileParams: &r.Params, FileConversion: &r.Conversion, FilePretest: &r.Pretest,
		FileDIF: &r.DIF, FileEquating: &r.Equating, FileProjection: &r.Projection,
		FileAnchors: &r.Anchors, FileHistory: &r.History, FilePrePost: &r.PrePost,
	}
	for _, name := range runSmallTables {
		p := r.paths[name]
		if p == "" {
			continue
		}
		t := &Table{}
		err := r.EachRow(name, func(header, rec []string) error {
			if t.Header == nil {
				t.Header = append([]string(nil), header...)
			}
			t.Rows = append(t.Rows, append([]string(nil), rec...))
			return nil
		})
		if err != nil {
			return nil, err
		}
		if t.Header == nil { // header only
			if t.Header, err = r.Header(name); err != nil {
				return nil, err
			}
		}
		*tables[name] = t
	}
	objs := map[string]*JSONObject{FileSummary: &r.Summary, FileFit: &r.Fit, FileScale: &r.Scale,
		FileLinking: &r.Linking, FileAccuracy: &r.Accuracy}
	for _, name := range runJSONFiles {
		p := r.paths[name]
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
		o, err := parseJSONObject(b)
		if err != nil {
			return nil, fmt.Errorf("reports: %s: %w", r.rel(p), err)
		}
		*objs[name] = o
	}
	return r, nil
}

// findRunFiles maps each known file name to the path of its preferred copy.
func findRunFiles(dir string) (map[string]string, error) {
	known := map[string]bool{FileManifest: true, FilePersons: true, FileScores: true}
	for _, n := range runSmallTables {
		known[n] = true
	}
	for _, n := range runJSONFiles {
		known[n] = true
	}
	rank := func(rel string) int {
		parts := strings.Split(filepath.ToSlash(rel), "/")
		switch len(parts) {
		case 1:
			return 0
		case 2:
			for i, s := range RunStages {
				if parts[0] == s {
					return 1 + i
				}
			}
			return 100
		}
		for i, s := range RunStages {
			if parts[0] == s {
				return 200 + i
			}
		}
		return 300
	}
	best := map[string]string{}
	bestRank := map[string]int{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel != "." && strings.Count(filepath.ToSlash(rel), "/") >= 2 {
				return filepath.SkipDir // files two folder levels down at most
			}
			return nil
		}
		name := d.Name()
		if !known[name] {
			return nil
		}
		k := rank(rel)
		if old, ok := bestRank[name]; !ok || k < old || (k == old && p < best[name]) {
			best[name], bestRank[name] = p, k
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reports: reading run folder: %w", err)
	}
	return best, nil
}

// Path returns the path of the file name (e.g. "params.csv") that the run
// uses, or "" when the run has none.
func (r *Run) Path(name string) string { return r.paths[name] }

// Has reports whether the run has the file name.
func (r *Run) Has(name string) bool { return r.paths[name] != "" }

// Files returns the known files the run has, sorted by name.
func (r *Run) Files() []string {
	var names []string
	for n := range r.paths {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func (r *Run) rel(p string) string {
	if rel, err := filepath.Rel(r.Dir, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return p
}

// Header returns the header of the CSV file name.
func (r *Run) Header(name string) ([]string, error) {
	var h []string
	errStop := errors.New("stop")
	err := r.eachRecord(name, func(header, _ []string) error { h = header; return errStop }, true)
	if err != nil && !errors.Is(err, errStop) {
		return nil, err
	}
	return h, nil
}

// EachRow streams the data rows of the CSV file name to fn, with the header.
// rec is reused between calls: copy what you keep. It returns fn's first
// error, or a read error naming the file and line. A file the run lacks
// gives no rows and no error.
func (r *Run) EachRow(name string, fn func(header, rec []string) error) error {
	return r.eachRecord(name, fn, false)
}

func (r *Run) eachRecord(name string, fn func(header, rec []string) error, headerOnly bool) error {
	p := r.paths[name]
	if p == "" {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("reports: %s: empty file, want a header row", r.rel(p))
	}
	if err != nil {
		return fmt.Errorf("reports: %s: %w", r.rel(p), err)
	}
	header = append([]string(nil), header...)
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	if headerOnly {
		return fn(header, nil)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reports: %s: %w", r.rel(p), err)
		}
		if err := fn(header, rec); err != nil {
			return err
		}
	}
}

// tableCol returns the index of the column name in t's header, or −1.
func tableCol(t *Table, name string) int {
	if t == nil {
		return -1
	}
	return headerIndex(t.Header, name)
}

func headerIndex(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	return -1
}

// tableCell returns row i's cell in column name, or "".
func tableCell(t *Table, i int, name string) string {
	c := tableCol(t, name)
	if c < 0 || i < 0 || i >= len(t.Rows) || c >= len(t.Rows[i]) {
		return ""
	}
	return t.Rows[i][c]
}

// tableFloat returns row i's cell in column name as a number.
func tableFloat(t *Table, i int, name string) (float64, bool) {
	return parseRunFloat(tableCell(t, i, name))
}

// parseRunFloat parses a numeric table cell; an empty or non-numeric cell
// (NA, NaN) is not a number.
func parseRunFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != x || x > 1e308 || x < -1e308 {
		return 0, false
	}
	return x, true
}

// JSONObject is a JSON object with its keys in file order. Values are
// json.Number, string, bool, nil, []any or JSONObject.
type JSONObject []JSONField

// JSONField is one key of a JSONObject.
type JSONField struct {
	Key   string
	Value any
}

// Get returns the value of key, or nil.
func (o JSONObject) Get(key string) any {
	for _, f := range o {
		if f.Key == key {
			return f.Value
		}
	}
	return nil
}

// Number returns the value of key as a number.
func (o JSONObject) Number(key string) (float64, bool) {
	switch v := o.Get(key).(type) {
	case json.Number:
		x, err := v.Float64()
		return x, err == nil
	case string:
		return parseRunFloat(v)
	}
	return 0, false
}

// String returns the value of key as text ("" when absent or null).
func (o JSONObject) String(key string) string {
	switch v := o.Get(key).(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func parseJSONObject(b []byte) (JSONObject, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeJSONOrdered(dec)
	if err != nil {
		return nil, err
	}
	o, ok := v.(JSONObject)
	if !ok {
		return nil, errors.New("want a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return o, nil
}

func decodeJSONOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := JSONObject{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := decodeJSONOrdered(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, JSONField{key, v})
			}
			_, err := dec.Token() // '}'
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeJSONOrdered(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ']'
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// HistoryColumns are the columns of history.csv: an item's earlier
// administrations as the item bank holds them (parameters on the bank
// scale).
var HistoryColumns = []string{"item_id", "form", "date", "role", "n", "p", "rpbis_corrected", "model", "a", "b", "c", "se_b", "decision"}
