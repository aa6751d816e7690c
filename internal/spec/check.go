package spec

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Defaults that Read fills in.
const (
	DefaultCut          = 390
	DefaultMin          = 200
	DefaultMax          = 500
	DefaultCuts         = "350:430:1"
	DefaultShifts       = "-0.5:0.5:0.1"
	DefaultReps         = 200
	DefaultDriftAlpha   = 0.05
	DefaultDriftMaxDrop = 0.20
	DefaultFormLength   = 100
	DefaultTimeLimit    = 60
	DefaultGap          = 0.01
)

// Limits of the values Read accepts.
const (
	MaxRangeValues = 10000  // values of a FROM:TO:STEP range
	MaxReps        = 100000 // projection.reps
	maxScale       = 1e6    // |scale.cut|, |scale.min|, |scale.max|, scale.slope
	maxThetaPoints = 100
)

// given reports whether the key at path is present with a non-null value.
func (c *checker) given(path string) bool {
	n, ok := c.nodes[path]
	return ok && !isNull(resolve(n))
}

// text is the value at path as written in the spec, for messages.
func (c *checker) text(path string, v float64) string {
	if n := resolve(c.nodes[path]); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// interval is a range of allowed numbers; open ends exclude the bound.
type interval struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func (iv interval) contains(v float64) bool {
	return !(v < iv.lo || v > iv.hi || (iv.loOpen && v == iv.lo) || (iv.hiOpen && v == iv.hi))
}

func (iv interval) String() string {
	f := func(v float64) string {
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	switch {
	case math.IsInf(iv.hi, 1) && iv.loOpen:
		return "> " + f(iv.lo)
	case math.IsInf(iv.hi, 1):
		return "≥ " + f(iv.lo)
	}
	l, r := "[", "]"
	if iv.loOpen {
		l = "("
	}
	if iv.hiOpen {
		r = ")"
	}
	return l + f(iv.lo) + ", " + f(iv.hi) + r
}

var (
	closed01   = interval{lo: 0, hi: 1}
	positive   = interval{lo: 0, hi: math.Inf(1), loOpen: true}
	thetaRange = interval{lo: -6, hi: 6}
)

// number checks that the value at path is finite and in iv; hint, if not
// empty, says what the key means.
func (c *checker) number(path string, v float64, iv interval, hint string) bool {
	if hint != "" {
		hint = " (" + hint + ")"
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		c.errorf(path, "%s: %s is not a finite number; want %v%s", path, c.text(path, v), iv, hint)
		return false
	}
	if !iv.contains(v) {
		c.errorf(path, "%s: %s is outside %v%s", path, c.text(path, v), iv, hint)
		return false
	}
	return true
}

// integer checks that a whole number at path is in [lo, hi].
func (c *checker) integer(path string, v, lo, hi int, hint string) bool {
	if v < lo || v > hi {
		if hint != "" {
			hint = " (" + hint + ")"
		}
		c.errorf(path, "%s: %d is outside [%d, %d]%s", path, v, lo, hi, hint)
		return false
	}
	return true
}

// choice checks a value against its set, case-insensitively, and returns it
// in lower case.
func (c *checker) choice(path, v string, allowed ...string) string {
	if v == "" && !c.given(path) {
		return ""
	}
	l := strings.ToLower(strings.TrimSpace(v))
	for _, a := range allowed {
		if l == a {
			return l
		}
	}
	c.errorf(path, "%s: %q is not one of %s", path, v, strings.Join(allowed, ", "))
	return v
}

// text checks a value that must not be empty when its key is given.
func (c *checker) nonEmpty(path, v, what string) {
	if c.has(path) && strings.TrimSpace(v) == "" {
		c.errorf(path, "%s: empty; give %s or remove the key", path, what)
	}
}

func (c *checker) has(path string) bool { _, ok := c.nodes[path]; return ok }

// checkFile checks a path key: not empty when given, and, if the file must
// exist, an existing file once resolved against the spec's folder.
func (c *checker) checkFile(s *Spec, path, p string, mustExist bool) {
	if !c.has(path) {
		return
	}
	if strings.TrimSpace(p) == "" {
		c.errorf(path, "%s: empty; give a file name or remove the key", path)
		return
	}
	if strings.ContainsRune(p, 0) {
		c.errorf(path, "%s: %q is not a file name", path, p)
		return
	}
	if !mustExist {
		return
	}
	fi, err := os.Stat(s.Path(p))
	switch {
	case err != nil:
		c.errorf(path, "%s: %s: no such file", path, p)
	case fi.IsDir():
		c.errorf(path, "%s: %s is a folder, want a file", path, p)
	}
}

// check validates the decoded spec against the node tree and fills in the
// defaults.
func (c *checker) check(s *Spec) {
	if s.Responses == "" && s.Assembly == nil {
		c.errorf("", "no responses: name the responses file (responses: responses.csv)")
	}
	c.checkFile(s, "responses", s.Responses, true)
	c.checkFile(s, "items", s.Items, true)
	c.checkData(s)
	c.checkDomains(s)
	c.checkCalibration(s)
	c.checkClassical(s)
	c.checkScale(s)
	c.checkBaseForm(s)
	c.checkBank(s)
	c.checkFile(s, "pretest.rules", s.Pretest.Rules, true)
	c.checkDIF(s)
	c.checkProjection(s)
	c.checkAssembly(s)
	s.Report.Format = c.choice("report.format", s.Report.Format, "png", "svg")
}

func (c *checker) checkData(s *Spec) {
	d := &s.Data
	d.Omit = c.choice("data.omit", d.Omit, "wrong", "missing")
	for _, k := range []struct{ key, v string }{
		{"data.sheet", d.Sheet}, {"data.items_sheet", d.ItemsSheet}, {"data.id_column", d.IDColumn},
		{"data.group_column", d.GroupColumn}, {"data.form_column", d.FormColumn},
	} {
		c.nonEmpty(k.key, k.v, "a name")
	}
	if c.has("data.options") {
		seen := map[rune]bool{}
		switch {
		case strings.TrimSpace(d.Options) == "":
			c.errorf("data.options", "data.options: empty; give the option codes, e.g. ABCD")
		default:
			for _, r := range d.Options {
				if seen[r] || r == ' ' || r == ',' {
					c.errorf("data.options", "data.options: %q: want each option code once, as one string such as ABCD", d.Options)
					break
				}
				seen[r] = true
			}
		}
	}
	for k, v := range d.Ignore {
		if strings.TrimSpace(v) == "" {
			c.errorf(fmt.Sprintf("data.ignore[%d]", k), "data.ignore: an empty column name")
		}
	}
	d.Encoding = c.choice("data.encoding", d.Encoding, "utf-8", "windows-1252")
	if d.MaxCells < 0 {
		c.errorf("data.max_cells", "data.max_cells: %d: want a positive number of cells (or remove the key for the default bound)", d.MaxCells)
	}
	if d.MaxRows < 0 {
		c.errorf("data.max_rows", "data.max_rows: %d: want a positive number of rows (or remove the key for 200000)", d.MaxRows)
	}
}

func (c *checker) checkDomains(s *Spec) {
	if c.has("domains") && len(s.Domains) == 0 {
		c.errorf("domains", "domains: empty; list the blueprint's domains with their weights, or remove the key")
	}
	seen := map[string]int{}
	sum, finite := 0.0, true
	for k, d := range s.Domains {
		key := fmt.Sprintf("domains[%d]", k)
		name := strings.TrimSpace(d.Name)
		switch {
		case name == "":
			c.errorf(key, "domains: a domain without a name")
		case seen[strings.ToLower(name)] > 0:
			c.errorf(key, "domains: %q is listed twice (first on line %d)", d.Name, seen[strings.ToLower(name)])
		default:
			seen[strings.ToLower(name)] = c.lines[key]
		}
		if !c.given(key + ".weight") {
			c.errorf(key, "domains: domain %q has no weight (percent of the operational items)", d.Name)
			finite = false
			continue
		}
		if !c.number(key+".weight", d.Weight, positive, "percent of the operational items") {
			finite = false
		}
		sum += d.Weight
	}
	if len(s.Domains) > 0 && finite && math.Abs(sum-100) > 1e-6 {
		c.errorf("domains", "domain weights sum to %s, want 100", strconv.FormatFloat(sum, 'g', 10, 64))
	}
}

func (c *checker) checkCalibration(s *Spec) {
	cal := &s.Calibrate
	cal.Model = c.choice("calibration.model", cal.Model, "rasch", "1pl", "2pl", "3pl")
	cal.Method = c.choice("calibration.method", cal.Method, "mml", "cml", "jml")
	cal.Scoring = c.choice("calibration.scoring", cal.Scoring, "eap", "map", "mle", "wle")
	if (cal.Method == "cml" || cal.Method == "jml") && cal.Model != "rasch" && cal.Model != "1pl" {
		model := cal.Model
		if model == "" {
			model = "3pl (the default)"
		}
		c.errorf("calibration.method", "calibration.method: %s fits only the Rasch model, not %s: set calibration.model: rasch, or use method mml", cal.Method, model)
	}
	if cal.MaxItems < 0 {
		c.errorf("calibration.max_items", "calibration.max_items: %d: want a positive number of items (or remove the key for 2000)", cal.MaxItems)
	}
}

func (c *checker) checkClassical(s *Spec) {
	cl := s.Classical
	for _, k := range []struct {
		key  string
		v    float64
		def  string
		mean string
	}{
		{"classical.low_discrimination", cl.LowDiscrimination, "0.15", "corrected point-biserial below which an item is flagged"},
		{"classical.too_easy", cl.TooEasy, "0.95", "p above which an item is flagged"},
		{"classical.too_hard", cl.TooHard, "0.20", "p below which an item is flagged"},
		{"classical.nonfunctioning_distractor", cl.NonfunctioningDistractor, "0.05", "share of candidates below which a distractor does not function"},
		{"classical.high_omit", cl.HighOmit, "0.05", "share of omits above which an item is flagged"},
	} {
		if !c.given(k.key) {
			continue
		}
		if k.v == 0 {
			c.errorf(k.key, "%s: 0 would be read as the default %s; give a small positive value, or remove the key for the default", k.key, k.def)
			continue
		}
		c.number(k.key, k.v, closed01, k.mean)
	}
	easy, hard := cl.TooEasy, cl.TooHard
	if easy == 0 {
		easy = 0.95
	}
	if hard == 0 {
		hard = 0.20
	}
	if (c.given("classical.too_easy") || c.given("classical.too_hard")) && closed01.contains(easy) && closed01.contains(hard) && !(hard < easy) {
		key := "classical.too_hard"
		if !c.given(key) {
			key = "classical.too_easy"
		}
		c.errorf(key, "classical: too_hard (%g) must be below too_easy (%g)", hard, easy)
	}
}

func (c *checker) checkScale(s *Spec) {
	sc := &s.Scale
	sc.Method = c.choice("scale.method", sc.Method, "tcc", "eap")
	c.checkFile(s, "scale.base", sc.Base, true)
	if sc.CutTheta != nil && sc.CutRaw != nil {
		c.errorf("scale.cut_raw", "give the cut as scale.cut_theta or scale.cut_raw, not both")
	}
	if sc.CutTheta != nil {
		c.number("scale.cut_theta", *sc.CutTheta, thetaRange, "the standard as θ")
	}
	if sc.CutRaw != nil {
		c.number("scale.cut_raw", *sc.CutRaw, interval{lo: 0, hi: 1e5}, "the raw cut on this form")
	}
	if sc.Base != "" {
		if sc.CutTheta != nil || sc.CutRaw != nil {
			c.errorf("scale.base", "scale.base reuses a scale: do not also give cut_theta or cut_raw")
		}
		for _, k := range []string{"cut", "min", "max", "slope"} {
			if c.given("scale." + k) {
				c.errorf("scale."+k, "scale.%s: the reused scale (scale.base) fixes it; remove scale.%s", k, k)
			}
		}
		return
	}
	scaleRange := interval{lo: -maxScale, hi: maxScale}
	ok := true
	for _, k := range []struct {
		key string
		v   *float64
		def float64
	}{{"scale.cut", &sc.Cut, DefaultCut}, {"scale.min", &sc.Min, DefaultMin}, {"scale.max", &sc.Max, DefaultMax}} {
		if !c.given(k.key) {
			*k.v = k.def
			continue
		}
		if !c.number(k.key, *k.v, scaleRange, "") {
			ok = false
		}
	}
	if c.given("scale.cut") && sc.Cut == 0 && ok {
		c.errorf("scale.cut", "scale.cut: 0 would be read as the default %d; a cut of 0 is not supported", DefaultCut)
	}
	if ok {
		at := func(key string, alt ...string) string {
			for _, k := range append([]string{key}, alt...) {
				if c.given(k) {
					return k
				}
			}
			return "scale"
		}
		switch {
		case !(sc.Min < sc.Max):
			c.errorf(at("scale.max", "scale.min"), "scale: min (%g) must be below max (%g)", sc.Min, sc.Max)
		case !(sc.Min < sc.Cut && sc.Cut < sc.Max):
			c.errorf(at("scale.cut", "scale.max", "scale.min"), "scale: the cut (%g) must lie strictly between min (%g) and max (%g)", sc.Cut, sc.Min, sc.Max)
		}
	}
	if c.given("scale.slope") {
		c.number("scale.slope", sc.Slope, interval{lo: 0, hi: maxScale, loOpen: true},
			"scale points per logit; remove the key to derive it so that a perfect score reaches max")
	}
}

func (c *checker) checkBaseForm(s *Spec) {
	b := s.BaseForm
	if b == nil {
		if c.has("base_form") {
			c.errorf("base_form", "base_form: empty; give at least params (the base form's params.csv), or remove the key")
		}
		return
	}
	if b.Params == "" {
		c.errorf("base_form", "base_form needs params: the base form's params.csv")
	}
	c.checkFile(s, "base_form.params", b.Params, true)
	c.checkFile(s, "base_form.responses", b.Responses, true)
	c.checkFile(s, "base_form.items", b.Items, true)
	b.Method = c.choice("base_form.method", b.Method, "stocking-lord", "haebara", "mean-mean", "mean-sigma")
	b.DriftStatistic = c.choice("base_form.drift_statistic", b.DriftStatistic, "lord", "lord-b", "b-se", "none")
	if b.DriftStatistic == "" {
		b.DriftStatistic = "lord"
	}
	if b.DriftStatistic == "none" {
		for _, k := range []string{"drift_alpha", "drift_max_drop"} {
			if c.given("base_form." + k) {
				c.errorf("base_form."+k, "base_form.%s applies only to a drift screen; remove it or set drift_statistic: lord", k)
			}
		}
	}
	if c.given("base_form.drift_alpha") {
		c.number("base_form.drift_alpha", b.DriftAlpha, interval{lo: 0, hi: 0.5, loOpen: true, hiOpen: true}, "significance level of the drift screen")
	} else {
		b.DriftAlpha = DefaultDriftAlpha
	}
	if c.given("base_form.drift_max_drop") {
		c.number("base_form.drift_max_drop", b.DriftMaxDrop, closed01, "largest share of anchors the screen may drop")
	} else {
		b.DriftMaxDrop = DefaultDriftMaxDrop
	}
}

func (c *checker) checkBank(s *Spec) {
	b := s.Bank
	if b == nil {
		if c.has("bank") {
			c.errorf("bank", "bank: empty; give path (a bank file or a postgres:// URL), or remove the key")
		}
		return
	}
	if s.BaseForm != nil {
		at := "bank"
		if c.lines["base_form"] > c.lines["bank"] {
			at = "base_form"
		}
		c.errorf(at, "base_form (line %d) and bank (line %d) are both given: a form links to the item bank or to a base form, not both",
			c.lines["base_form"], c.lines["bank"])
	}
	switch {
	case strings.TrimSpace(b.Path) == "":
		c.errorf("bank", "bank needs path: the bank file (SQLite) or a postgres:// URL")
	case isPostgresURL(b.Path):
	case strings.Contains(b.Path, "://"):
		c.errorf("bank.path", "bank.path: %q: want a bank file or a postgres:// URL", b.Path)
	default:
		c.checkFile(s, "bank.path", b.Path, false)
	}
	b.Link = c.choice("bank.link", b.Link, "stocking-lord", "haebara", "fixed")
	if b.Link == "" {
		b.Link = "stocking-lord"
	}
}

func (c *checker) checkDIF(s *Spec) {
	d := &s.DIF
	c.nonEmpty("dif.focal", d.Focal, "the focal group's label")
	c.nonEmpty("dif.reference", d.Reference, "the reference group's label")
	if d.Focal != "" && d.Focal == d.Reference {
		c.errorf("dif.reference", "dif: focal and reference are both %q; give two different groups", d.Focal)
	}
	d.Match = c.choice("dif.match", d.Match, "include-item", "exclude-item")
	if d.Match == "" {
		d.Match = "include-item"
	}
}

func (c *checker) checkProjection(s *Spec) {
	p := &s.Projection
	cuts := p.Cuts
	if !c.given("projection.cuts") {
		cuts = DefaultCuts
	}
	if v, err := ParseRange(cuts); err != nil {
		c.errorf("projection.cuts", "projection.cuts: %v", err)
	} else {
		p.CutValues = v
		if c.given("projection.cuts") && s.Scale.Base == "" && !math.IsNaN(s.Scale.Min) && !math.IsNaN(s.Scale.Max) {
			if lo, hi := v[0], v[len(v)-1]; lo < s.Scale.Min || hi > s.Scale.Max {
				c.errorf("projection.cuts", "projection.cuts: %q %s, outside the scale [%g, %g]", p.Cuts, span(v), s.Scale.Min, s.Scale.Max)
			}
		}
	}
	shifts := p.Shifts
	if !c.given("projection.shifts") {
		shifts = DefaultShifts
	}
	if v, err := ParseRange(shifts); err != nil {
		c.errorf("projection.shifts", "projection.shifts: %v", err)
	} else {
		p.ShiftValues = v
		if lo, hi := v[0], v[len(v)-1]; lo < -3 || hi > 3 {
			c.errorf("projection.shifts", "projection.shifts: %q %s; want shifts of the latent mean within [-3, 3] logits", p.Shifts, span(v))
		}
	}
	if c.given("projection.reps") {
		c.integer("projection.reps", p.Reps, 0, MaxReps, "bootstrap replications; 0: no intervals")
	} else {
		p.Reps = DefaultReps
	}
	if c.has("projection.alt_params") {
		for k, f := range p.AltParams {
			c.checkFile(s, fmt.Sprintf("projection.alt_params[%d]", k), f, true)
		}
	}
}

// span describes the values of a range for a message.
func span(v []float64) string {
	if len(v) == 1 {
		return fmt.Sprintf("is %g", v[0])
	}
	return fmt.Sprintf("runs from %g to %g", v[0], v[len(v)-1])
}

// ParseRange parses a range of values, FROM:TO:STEP (FROM ≤ TO, STEP > 0,
// at most MaxRangeValues values, FROM, FROM+STEP, … up to TO, each rounded to
// 10 decimals to drop the noise of repeated addition) or one number. Every
// number must be finite.
func ParseRange(s string) ([]float64, error) {
	num := func(p string) (float64, error) {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, fmt.Errorf("%q: %q is not a number; want FROM:TO:STEP, e.g. 350:430:1, or one number", s, p)
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%q: %q is not a finite number", s, p)
		}
		return x, nil
	}
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 1:
		x, err := num(parts[0])
		if err != nil {
			return nil, err
		}
		return []float64{x}, nil
	case 3:
	default:
		return nil, fmt.Errorf("%q: want FROM:TO:STEP, e.g. 350:430:1, or one number", s)
	}
	var v [3]float64
	for k, p := range parts {
		x, err := num(p)
		if err != nil {
			return nil, err
		}
		v[k] = x
	}
	from, to, step := v[0], v[1], v[2]
	switch {
	case from > to:
		return nil, fmt.Errorf("%q: FROM %g is above TO %g", s, from, to)
	case !(step > 0):
		return nil, fmt.Errorf("%q: STEP %g must be positive", s, step)
	}
	n := math.Floor((to-from)/step+1e-9) + 1
	if !(n <= MaxRangeValues) {
		if !(n < 1e15) {
			return nil, fmt.Errorf("%q: too many values; at most %d", s, MaxRangeValues)
		}
		return nil, fmt.Errorf("%q: %s values; at most %d", s, strconv.FormatFloat(n, 'f', 0, 64), MaxRangeValues)
	}
	out := make([]float64, 0, int(n))
	for k := range int(n) {
		x := from + float64(k)*step
		if r := math.Round(x*1e10) / 1e10; math.Abs(x) < 1e6 {
			x = r
		}
		out = append(out, x)
	}
	return out, nil
}

func (c *checker) checkAssembly(s *Spec) {
	a := s.Assembly
	if a == nil {
		if c.has("assembly") {
			c.errorf("assembly", "assembly: empty; give its keys (see itemlab init), or remove the key")
		}
		return
	}
	const maxItems = 10000
	a.Objective = c.choice("assembly.objective", a.Objective, "cut-information", "match-base")
	if a.Objective == "" {
		a.Objective = "cut-information"
	}
	a.Solver = c.choice("assembly.solver", a.Solver, "cbc", "glpsol", "heuristic", "auto")
	if a.Solver == "" {
		a.Solver = "auto"
	}
	if c.given("assembly.forms") {
		c.integer("assembly.forms", a.Forms, 1, 100, "forms to assemble")
	} else {
		a.Forms = 1
	}
	if c.given("assembly.time_limit") {
		c.number("assembly.time_limit", a.TimeLimit, interval{lo: 0, hi: 86400, loOpen: true}, "seconds")
	} else {
		a.TimeLimit = DefaultTimeLimit
	}
	if c.given("assembly.gap") {
		c.number("assembly.gap", a.Gap, interval{lo: 0, hi: 1, hiOpen: true}, "relative optimality gap")
	} else {
		a.Gap = DefaultGap
	}
	if c.given("assembly.pretest_slots") {
		c.integer("assembly.pretest_slots", a.PretestSlots, 0, maxItems, "pretest items per form")
	}
	c.integer("assembly.exposure.max_administrations", a.Exposure.MaxAdministrations, 0, 1000000, "0: no limit")
	c.integer("assembly.exposure.max_recent_forms", a.Exposure.MaxRecentForms, 0, 1000, "0: no limit")
	c.nonEmpty("assembly.enemies", a.Enemies, "the items-file column of enemy sets")

	// The θ points of match-base.
	switch {
	case c.given("assembly.theta_points") && a.Objective != "match-base":
		c.errorf("assembly.theta_points", "assembly.theta_points apply only to objective match-base; remove them or set objective: match-base")
	case a.Objective == "match-base" && !c.given("assembly.theta_points"):
		a.ThetaPoints = []float64{-2, -1, 0, 1, 2}
	case a.Objective == "match-base":
		if len(a.ThetaPoints) == 0 || len(a.ThetaPoints) > maxThetaPoints {
			c.errorf("assembly.theta_points", "assembly.theta_points: %d points; want 1 to %d", len(a.ThetaPoints), maxThetaPoints)
		}
		for k, t := range a.ThetaPoints {
			key := fmt.Sprintf("assembly.theta_points[%d]", k)
			if c.number(key, t, thetaRange, "") && k > 0 && !(t > a.ThetaPoints[k-1]) {
				c.errorf(key, "assembly.theta_points: want strictly ascending points, got %g after %g", t, a.ThetaPoints[k-1])
			}
		}
	}

	// Form length and the blueprint.
	lengthOK := true
	if c.given("assembly.length") {
		lengthOK = c.integer("assembly.length", a.Length, 1, maxItems, "operational items per form")
	}
	c.checkBlueprint(s, lengthOK)
	if !lengthOK {
		return
	}
	if a.Anchors != nil {
		if strings.TrimSpace(a.Anchors.FromForm) == "" {
			c.errorf("assembly.anchors", "assembly.anchors needs from_form: the previous form's name in the bank")
		}
		if !c.given("assembly.anchors.count") {
			c.errorf("assembly.anchors", "assembly.anchors needs count: the number of anchor items")
		} else {
			c.integer("assembly.anchors.count", a.Anchors.Count, 1, a.Length, "anchor items, at most the form length")
		}
	} else if c.has("assembly.anchors") {
		c.errorf("assembly.anchors", "assembly.anchors: empty; give from_form and count, or remove the key")
	}
	if a.PretestSlots+a.Length > maxItems {
		c.errorf("assembly.pretest_slots", "assembly: %d operational and %d pretest items per form; at most %d in all", a.Length, a.PretestSlots, maxItems)
	}
	seen := map[[2]string]int{}
	for k, ct := range a.Constraints {
		key := fmt.Sprintf("assembly.constraints[%d]", k)
		if strings.TrimSpace(ct.Column) == "" {
			c.errorf(key, "assembly.constraints: a constraint needs column: an items-file metadata column")
		}
		if !c.given(key + ".value") {
			c.errorf(key, "assembly.constraints: a constraint needs value: the value of %q it counts", ct.Column)
		}
		if line, dup := seen[[2]string{ct.Column, ct.Value}]; dup {
			c.errorf(key, "assembly.constraints: %s = %q is constrained twice (first on line %d)", ct.Column, ct.Value, line)
		}
		seen[[2]string{ct.Column, ct.Value}] = c.lines[key]
		c.countRange(key, ct.Min, ct.Max, a.Length, "assembly.constraints")
	}
}

// countRange checks an optional min and max count: at least one given, each
// in [0, length], min ≤ max.
func (c *checker) countRange(key string, lo, hi *int, length int, what string) bool {
	if lo == nil && hi == nil {
		c.errorf(key, "%s: give min, max or both", what)
		return false
	}
	ok := true
	if lo != nil {
		ok = c.integer(key+".min", *lo, 0, length, "at most the form length") && ok
	}
	if hi != nil {
		ok = c.integer(key+".max", *hi, 0, length, "at most the form length") && ok
	}
	if ok && lo != nil && hi != nil && *lo > *hi {
		c.errorf(key+".max", "%s: min %d is above max %d", what, *lo, *hi)
		ok = false
	}
	return ok
}

// checkBlueprint fills the assembly's form length and per-domain counts.
func (c *checker) checkBlueprint(s *Spec, lengthOK bool) {
	a := s.Assembly
	known := map[string]bool{}
	for _, d := range s.Domains {
		known[strings.ToLower(strings.TrimSpace(d.Name))] = true
	}
	byName := map[string]AssemblyDomain{}
	allCounts := len(a.Domains) > 0
	for k, d := range a.Domains {
		key := fmt.Sprintf("assembly.domains[%d]", k)
		name := strings.ToLower(strings.TrimSpace(d.Name))
		switch {
		case name == "":
			c.errorf(key, "assembly.domains: a domain without a name")
		case len(s.Domains) > 0 && !known[name]:
			c.errorf(key, "assembly.domains: %q is not a domain of the blueprint (domains:)", d.Name)
		case byName[name].Name != "":
			c.errorf(key, "assembly.domains: %q is listed twice", d.Name)
		}
		if name != "" {
			byName[name] = d
		}
		if d.Count != nil && (d.Min != nil || d.Max != nil) {
			c.errorf(key, "assembly.domains: %q: give count, or min and max, not both", d.Name)
		}
		if d.Count == nil {
			allCounts = false
			if d.Min == nil && d.Max == nil {
				c.errorf(key, "assembly.domains: %q needs count, or min and max", d.Name)
			}
		}
	}
	if len(s.Domains) == 0 && len(a.Domains) == 0 {
		c.errorf("assembly", "assembly needs the blueprint: domains with weights, or assembly.domains with counts (one domain of weight 100 for an exam without domains)")
	}
	if !lengthOK {
		return
	}
	if !c.given("assembly.length") {
		a.Length = DefaultFormLength
		if allCounts {
			n := 0
			for _, d := range a.Domains {
				n += max(*d.Count, 0)
			}
			if n > 0 {
				a.Length = min(n, 10000)
			}
		}
	}
	// Counts per domain.
	var bp []DomainCount
	if len(a.Domains) > 0 {
		for _, d := range s.Domains {
			if _, ok := byName[strings.ToLower(strings.TrimSpace(d.Name))]; !ok {
				c.errorf("assembly.domains", "assembly.domains: blueprint domain %q has no count; give its count or min and max", d.Name)
			}
		}
		lo, hi := 0, 0
		for k, d := range a.Domains {
			key := fmt.Sprintf("assembly.domains[%d]", k)
			dc := DomainCount{Name: d.Name, Min: 0, Max: a.Length}
			if d.Count != nil {
				if !c.integer(key+".count", *d.Count, 0, a.Length, "at most the form length") {
					return
				}
				dc.Min, dc.Max = *d.Count, *d.Count
			} else if d.Min != nil || d.Max != nil {
				if !c.countRange(key, d.Min, d.Max, a.Length, "assembly.domains") {
					return
				}
				if d.Min != nil {
					dc.Min = *d.Min
				}
				if d.Max != nil {
					dc.Max = *d.Max
				}
			}
			lo += dc.Min
			hi += dc.Max
			bp = append(bp, dc)
		}
		if lo > a.Length || hi < a.Length {
			key := "assembly.domains"
			if c.given("assembly.length") {
				key = "assembly.length"
			}
			c.errorf(key, "assembly: the domains allow %d to %d items, but the form has %d (assembly.length)", lo, hi, a.Length)
		}
	} else if len(s.Domains) > 0 {
		bp = largestRemainder(s.Domains, a.Length)
	}
	a.Blueprint = bp
}

// largestRemainder turns percent weights into item counts that sum to n:
// each domain gets the floor of its quota weight·n/Σweight, and the items
// left go to the largest remainders (ties to the earlier domain) — Hamilton's
// method of apportionment.
func largestRemainder(ds []Domain, n int) []DomainCount {
	total := 0.0
	for _, d := range ds {
		total += d.Weight
	}
	out := make([]DomainCount, len(ds))
	rem := make([]float64, len(ds))
	left := n
	for k, d := range ds {
		q := 0.0
		if total > 0 {
			q = d.Weight * float64(n) / total
		}
		f := math.Floor(q + 1e-9)
		out[k] = DomainCount{Name: d.Name, Min: int(f), Max: int(f)}
		rem[k] = q - f
		left -= int(f)
	}
	for ; left > 0; left-- {
		best := 0
		for k := range rem {
			if rem[k] > rem[best] {
				best = k
			}
		}
		out[best].Min++
		out[best].Max++
		rem[best] = -1
	}
	return out
}
