// Package spec reads itemlab's exam specification: the YAML file that
// describes an administration and how to analyse it, for itemlab run.
package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Spec is an exam specification. Paths are relative to the spec file's
// folder. Read checks the whole spec and fills in the defaults of the keys
// marked "Read fills"; other zero values mean itemlab's defaults.
type Spec struct {
	Exam       string     `yaml:"exam"`
	Responses  string     `yaml:"responses"`
	Items      string     `yaml:"items"`
	Data       Data       `yaml:"data"`
	Domains    []Domain   `yaml:"domains"`
	Calibrate  Calibrate  `yaml:"calibration"`
	Scale      Scale      `yaml:"scale"`
	BaseForm   *BaseForm  `yaml:"base_form"`
	Bank       *Bank      `yaml:"bank"` // nil: no item bank in the spec
	Pretest    Pretest    `yaml:"pretest"`
	DIF        DIF        `yaml:"dif"`
	Projection Projection `yaml:"projection"`
	Assembly   *Assembly  `yaml:"assembly"` // nil: no assembly section
	Report     Report     `yaml:"report"`
	Seed       uint64     `yaml:"seed"`
	Classical  Classical  `yaml:"classical"`
	dir        string     // folder of the spec file
	file       string     // the spec file's path
	lines      map[string]int
}

// SpecFile returns the path the spec was read from ("(flags)" for a spec
// built from command-line flags).
func (s *Spec) SpecFile() string { return s.file }

// Data are reading options of the responses.
type Data struct {
	Sheet       string   `yaml:"sheet"`
	ItemsSheet  string   `yaml:"items_sheet"`
	IDColumn    string   `yaml:"id_column"`
	GroupColumn string   `yaml:"group_column"`
	FormColumn  string   `yaml:"form_column"`
	Options     string   `yaml:"options"`
	Omit        string   `yaml:"omit"` // wrong or missing (lower case after Read)
	NotReached  bool     `yaml:"not_reached"`
	Ignore      []string `yaml:"ignore"`
	Encoding    string   `yaml:"encoding"`  // utf-8 (default) or windows-1252 (--encoding)
	MaxCells    int64    `yaml:"max_cells"` // bound on a long-format file's matrix (--max-cells)
	MaxRows     int      `yaml:"max_rows"`  // rows an XLSX responses file may run to (--max-rows)
}

// Domain is a blueprint domain and its weight (percent of the operational
// items). Read checks that the names are unique and the weights sum to 100.
type Domain struct {
	Name   string  `yaml:"name"`
	Weight float64 `yaml:"weight"`
}

// Calibrate chooses the IRT model and method. Read lower-cases the values.
type Calibrate struct {
	Model   string `yaml:"model"`   // rasch, 1pl, 2pl, 3pl
	Method  string `yaml:"method"`  // mml, cml, jml (cml and jml only with rasch)
	Scoring string `yaml:"scoring"` // eap, map, mle, wle
	All     bool   `yaml:"all"`     // concurrent calibration with pretest items
	// MaxItems is the most items calibrated (--max-items); zero means
	// pipeline.DefaultMaxItems.
	MaxItems int `yaml:"max_items"`
}

// Scale defines or reuses the reporting scale. Without Base, Read fills
// Cut, Min and Max with 390, 200 and 500 when their keys are absent and
// checks Min < Cut < Max; with Base they come from the scale.json and may
// not be given.
type Scale struct {
	Base     string   `yaml:"base"`      // an existing scale.json to reuse
	CutTheta *float64 `yaml:"cut_theta"` // finite, in [-6, 6]
	CutRaw   *float64 `yaml:"cut_raw"`   // ≥ 0
	Cut      float64  `yaml:"cut"`
	Min      float64  `yaml:"min"`
	Max      float64  `yaml:"max"`
	Slope    float64  `yaml:"slope"`  // > 0 when given; zero derives it
	Method   string   `yaml:"method"` // tcc, eap
}

// BaseForm names the base form's calibration to link to.
type BaseForm struct {
	Params    string `yaml:"params"`
	Responses string `yaml:"responses"`
	Items     string `yaml:"items"`
	Method    string `yaml:"method"` // stocking-lord, haebara, mean-mean, mean-sigma

	// DriftZ is no longer read: the key drift_threshold is an error that
	// names its replacements. It is always zero.
	//
	// Deprecated: use DriftStatistic, DriftAlpha and DriftMaxDrop.
	DriftZ float64 `yaml:"-"`

	// DriftStatistic is the anchor-drift screen: "lord", Lord's chi-square
	// on the anchor's slope and intercept after linking (given c for a 3PL
	// item) split into its slope and difficulty parts, two 1-df tests
	// (irt.DriftLordSplit); "lord-b", the difficulty part alone
	// (irt.DriftLordB), both with both forms' covariances and the link's;
	// "b-se", the difference of its b after linking over its standard
	// error, referred to the standard normal; or "none". Read fills "lord".
	DriftStatistic string `yaml:"drift_statistic"`
	// DriftAlpha is the two-sided significance level of the screen, in
	// (0, 0.5). Read fills 0.01.
	DriftAlpha float64 `yaml:"drift_alpha"`
	// DriftMaxDrop is the largest share of the anchors the screen may drop
	// before linking stops with an error, in [0, 1]. Read fills 0.20.
	DriftMaxDrop float64 `yaml:"drift_max_drop"`
}

// Bank is the item bank a run links to and records into (itemlab bank).
type Bank struct {
	// Path is a SQLite file, relative to the spec's folder, or a
	// postgres:// URL; Spec.BankPath resolves it.
	Path string `yaml:"path"`
	// Link puts the form on the bank scale: "stocking-lord" or "haebara"
	// (separate calibration linked through the common items) or "fixed"
	// (common items held at their bank values). Read fills "stocking-lord".
	Link string `yaml:"link"`
}

// Pretest points to the review rules.
type Pretest struct {
	Rules string `yaml:"rules"`
	Skip  bool   `yaml:"skip"`
}

// DIF chooses the groups and the matching criterion.
type DIF struct {
	Focal     string `yaml:"focal"`
	Reference string `yaml:"reference"`
	Skip      bool   `yaml:"skip"`
	// Match is the Mantel–Haenszel matching score: "include-item", the
	// operational total plus the studied item (Holland & Thayer, 1988), or
	// "exclude-item", the operational total without it. Read fills
	// "include-item".
	Match string `yaml:"match"`
}

// Projection lists the scenarios.
type Projection struct {
	Cuts   string `yaml:"cuts"`   // scale-score cuts, FROM:TO:STEP or one number
	Shifts string `yaml:"shifts"` // latent mean shifts in logits, FROM:TO:STEP or one number
	// Reps is the number of bootstrap replications of the intervals, in
	// [0, 100000]; 0 means no intervals. Read fills 200 when the key is
	// absent, so after Read a zero is the user's.
	Reps      int      `yaml:"reps"`
	AltParams []string `yaml:"alt_params"`

	// CutValues are the cuts parsed from Cuts (Read fills them from the
	// default 350:430:1 when the key is absent), ascending.
	CutValues []float64 `yaml:"-"`
	// ShiftValues are the shifts parsed from Shifts (default -0.5:0.5:0.1),
	// ascending.
	ShiftValues []float64 `yaml:"-"`
}

// Report chooses the outputs for people.
type Report struct {
	Workbook *bool  `yaml:"workbook"`
	Charts   *bool  `yaml:"charts"`
	Format   string `yaml:"format"`
}

// Classical holds flag thresholds, each in (0, 1]. Zero means the default;
// Read rejects an explicit 0, which would silently be read as the default.
type Classical struct {
	LowDiscrimination        float64 `yaml:"low_discrimination"`
	TooEasy                  float64 `yaml:"too_easy"`
	TooHard                  float64 `yaml:"too_hard"`
	NonfunctioningDistractor float64 `yaml:"nonfunctioning_distractor"`
	HighOmit                 float64 `yaml:"high_omit"`
}

// Assembly is the spec of automated form assembly (itemlab assemble): a 0–1
// integer programme over the bank's eligible items (van der Linden, 2005,
// Linear Models for Optimal Test Design). Read fills every default and
// the Blueprint.
type Assembly struct {
	// Length is the number of operational items per form, in [1, 10000].
	// Read fills the sum of the domains' counts when every domain has one,
	// else 100.
	Length int `yaml:"length"`
	// Forms is the number of forms to assemble, with no items in common
	// beyond the anchors, in [1, 100]. Read fills 1.
	Forms int `yaml:"forms"`
	// Domains gives counts or ranges per blueprint domain. Without it the
	// counts come from the weights of Spec.Domains by largest remainder.
	Domains []AssemblyDomain `yaml:"domains"`
	// Anchors is the block of items shared with a previous form; nil: none.
	Anchors *Anchors `yaml:"anchors"`
	// Enemies names the items-file column of enemy sets: items with the same
	// non-empty value never appear on one form. Empty: no enemy sets.
	Enemies string `yaml:"enemies"`
	// Constraints bound the count of items whose metadata column has a value.
	Constraints []Constraint `yaml:"constraints"`
	// Exposure limits which items are eligible.
	Exposure Exposure `yaml:"exposure"`
	// Objective is "cut-information" (maximise the test information at the
	// cut θ; with several forms, the smallest over the forms) or
	// "match-base" (minimise the largest deviation from the base form's
	// TIF and TCC at ThetaPoints). Read fills "cut-information".
	Objective string `yaml:"objective"`
	// ThetaPoints are the θ points of match-base, strictly ascending, each
	// in [-6, 6]. Read fills -2, -1, 0, 1, 2 for match-base.
	ThetaPoints []float64 `yaml:"theta_points"`
	// PretestSlots is the number of unscored pretest items per form, drawn
	// from the bank's pretest items, in [0, 10000].
	PretestSlots int `yaml:"pretest_slots"`
	// Solver is "cbc", "glpsol", "heuristic" or "auto" (CBC, else glpsol,
	// else the heuristic, found on PATH). Read fills "auto".
	Solver string `yaml:"solver"`
	// TimeLimit is the solver's time limit in seconds, in (0, 86400]. Read
	// fills 60.
	TimeLimit float64 `yaml:"time_limit"`
	// Gap is the relative optimality gap at which the solver may stop, in
	// [0, 1). Read fills 0.01.
	Gap float64 `yaml:"gap"`

	// Blueprint is the count range of every domain, in the order of
	// Spec.Domains (or of Domains when Spec.Domains is empty), from
	// explicit counts and ranges or from the weights. Filled by Read.
	Blueprint []DomainCount `yaml:"-"`
}

// AssemblyDomain is a domain's count, or its range, on an assembled form.
type AssemblyDomain struct {
	Name  string `yaml:"name"`
	Count *int   `yaml:"count"` // exactly this many items; or
	Min   *int   `yaml:"min"`   // at least, and
	Max   *int   `yaml:"max"`   // at most this many
}

// DomainCount is a domain's item count range on an assembled form; Min ==
// Max for an exact count.
type DomainCount struct {
	Name     string
	Min, Max int
}

// Anchors asks for an anchor block shared with a previous form.
type Anchors struct {
	FromForm string `yaml:"from_form"` // the previous form's name in the bank
	Count    int    `yaml:"count"`     // anchor items, in [1, Length]
}

// Constraint bounds the number of items with Value in metadata Column.
// Min and Max are in [0, Length]; at least one is given.
type Constraint struct {
	Column string `yaml:"column"`
	Value  string `yaml:"value"`
	Min    *int   `yaml:"min"`
	Max    *int   `yaml:"max"`
}

// Exposure limits item exposure; zero means no limit.
type Exposure struct {
	// MaxAdministrations: an item already given this many times is not
	// eligible.
	MaxAdministrations int `yaml:"max_administrations"`
	// MaxRecentForms: an item that was on any of the last this-many forms
	// is not eligible.
	MaxRecentForms int `yaml:"max_recent_forms"`
}

// Error is a problem in a spec file, located by line.
type Error struct {
	File string
	Line int    // 1-based line of the key (or list element); 0 if unknown
	Key  string // dotted path of the key, e.g. "scale.cut_theta"; "" for the file
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// MaxErrors is the number of problems Read lists at most.
const MaxErrors = 50

// Errors is every problem Read found in a spec, in line order, at most
// MaxErrors of them (then a last entry with Line 0 counts the rest). Its
// text has one problem per line. errors.As finds each *Error in it.
type Errors []*Error

func (es Errors) Error() string {
	var b strings.Builder
	for k, e := range es {
		if k > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for k, e := range es {
		out[k] = e
	}
	return out
}

// Read parses and checks a spec. It returns the spec, with defaults filled
// in, or an Errors value that lists every problem found, each with its line:
// YAML syntax, unknown keys (with the nearest known key), values of the
// wrong type, numbers that are not finite or out of range, values outside
// their choices, inconsistent keys, and input files that do not exist
// (relative paths are resolved against dir, the spec file's folder).
func Read(name string, r io.Reader, dir string) (*Spec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, Errors{{File: name, Err: err}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Errors{{File: name, Err: errors.New("the spec is empty")}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		return nil, Errors{yamlError(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, Errors{{File: name, Line: extra.Line, Err: errors.New("a second YAML document (after ---): a spec is one document")}}
	} else if !errors.Is(err, io.EOF) {
		return nil, Errors{yamlError(name, err)}
	}
	c := &checker{file: name, dir: dir, nodes: map[string]*yaml.Node{}, lines: map[string]int{}}
	s := &Spec{dir: dir, file: name, lines: c.lines}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	c.walk(doc, reflect.TypeFor[Spec](), "", 0)
	c.bad = map[string]bool{}
	for _, e := range c.errs {
		c.bad[e.Key] = true
	}
	// The walk decoded every leaf on its own and reported values of the
	// wrong type with their keys; the decoder skips those (and unknown keys)
	// and fills the rest, which the checks below then see.
	if err := doc.Decode(s); err != nil && len(c.errs) == 0 {
		// A problem the walk did not see (a key given twice): the decoder
		// stopped, so the values below would be checked half-read.
		return nil, Errors{yamlError(name, err)}
	}
	if !c.bad[""] {
		c.check(s)
	}
	if len(c.errs) > 0 {
		return nil, c.result()
	}
	return s, nil
}

// yamlError turns the YAML library's messages ("yaml: line 4: …") into a
// located error.
func yamlError(name string, err error) *Error {
	var te *yaml.TypeError
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 0
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &Error{File: name, Line: line, Err: errors.New(msg)}
}

// Line returns the line of a key of the spec by its dotted path
// ("scale.cut_theta", "domains[2]"), 0 if absent.
func (s *Spec) Line(path string) int { return s.lines[path] }

// Path resolves a path of the spec against the spec file's folder.
func (s *Spec) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

// BankPath returns the bank of the spec: a postgres:// URL as it is, a file
// resolved against the spec file's folder, or "" without a bank section.
func (s *Spec) BankPath() string {
	if s.Bank == nil {
		return ""
	}
	if isPostgresURL(s.Bank.Path) {
		return s.Bank.Path
	}
	return s.Path(s.Bank.Path)
}

func isPostgresURL(p string) bool {
	l := strings.ToLower(p)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// InputPaths are the files the spec names (resolved like Path): the data,
// the base scale and form, the pretest rules and the alternate forms.
func (s *Spec) InputPaths() []string {
	var ps []string
	add := func(p string) {
		if p != "" {
			ps = append(ps, s.Path(p))
		}
	}
	add(s.Responses)
	add(s.Items)
	add(s.Scale.Base)
	if b := s.BaseForm; b != nil {
		add(b.Params)
		add(b.Responses)
		add(b.Items)
	}
	add(s.Pretest.Rules)
	for _, a := range s.Projection.AltParams {
		add(a)
	}
	return ps
}
