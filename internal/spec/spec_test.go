package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// inputs are the files the test specs name; newDir creates them.
var inputs = []string{
	"responses.csv", "items.csv", "r.csv", "rules.yaml", "p.csv",
	"data/responses.csv", "data/items.csv", "data/form2/responses.csv", "data/form2/items.csv",
	"form1/scale/scale.json", "form1/calibrate/params.csv", "form2/responses.csv", "form2/items.csv",
}

func newDir(t testing.TB) string {
	dir := t.TempDir()
	for _, f := range inputs {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mustRead(t *testing.T, text, dir string) *Spec {
	t.Helper()
	s, err := Read("exam.yaml", strings.NewReader(text), dir)
	if err != nil {
		t.Fatalf("Read:\n%v", err)
	}
	return s
}

func TestExampleReads(t *testing.T) {
	dir := newDir(t)
	s := mustRead(t, Example, dir)
	if s.Calibrate.Model != "3pl" || len(s.Domains) != 5 || s.Domains[2].Weight != 15 || *s.Scale.CutTheta != -0.5 {
		t.Errorf("spec = %+v", s)
	}
	if got := s.Path("items.csv"); got != filepath.Join(dir, "items.csv") {
		t.Errorf("Path = %q", got)
	}
	p := s.Projection
	if len(p.CutValues) != 81 || p.CutValues[0] != 350 || p.CutValues[80] != 430 {
		t.Errorf("CutValues = %v, want 350, 351, …, 430", p.CutValues)
	}
	wantShifts := []float64{-0.5, -0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5}
	if !slices.Equal(p.ShiftValues, wantShifts) {
		t.Errorf("ShiftValues = %v, want %v", p.ShiftValues, wantShifts)
	}
	if p.Reps != 200 || s.DIF.Match != "include-item" || s.BaseForm != nil || s.Bank != nil || s.Assembly != nil {
		t.Errorf("projection %+v, dif %+v", p, s.DIF)
	}
}

// TestExampleDocumentsEveryKey checks that the Example names every key Read
// knows, so that a new key gets its line in itemlab init's file.
func TestExampleDocumentsEveryKey(t *testing.T) {
	for key, sections := range allKeys {
		if !regexp.MustCompile(`(^|[\s{,])` + regexp.QuoteMeta(key) + `:`).MatchString(Example) {
			t.Errorf("Example does not document %q (in %q)", key, sections)
		}
	}
}

// TestExampleOptionalSections uncomments each optional section of the
// Example and reads the result: the documented values are valid.
func TestExampleOptionalSections(t *testing.T) {
	dir := newDir(t)
	for _, section := range []string{"base_form", "bank", "assembly"} {
		t.Run(section, func(t *testing.T) {
			var out []string
			in := false
			for _, line := range strings.Split(Example, "\n") {
				switch {
				case strings.HasPrefix(line, "# "+section+":"):
					in = true
					line = strings.TrimPrefix(line, "# ")
				case in && strings.HasPrefix(line, "#   "):
					line = strings.TrimPrefix(line, "# ")
					if strings.HasPrefix(strings.TrimSpace(line), "#") {
						continue // a comment's continuation line
					}
				default:
					in = false
				}
				out = append(out, line)
			}
			text := strings.Join(out, "\n")
			if section == "base_form" {
				text = strings.Replace(text, "../base/calibrate/params.csv", "p.csv", 1)
				text = strings.Replace(text, "../base/responses.csv", "r.csv", 1)
				text = strings.Replace(text, "../base/items.csv", "items.csv", 1)
			}
			s := mustRead(t, text, dir)
			switch section {
			case "base_form":
				b := s.BaseForm
				if b == nil || b.DriftStatistic != "lord" || b.DriftAlpha != 0.05 || b.DriftMaxDrop != 0.2 || b.DriftZ != 0 {
					t.Errorf("base_form = %+v", b)
				}
			case "bank":
				if s.Bank == nil || s.Bank.Link != "stocking-lord" || s.BankPath() != filepath.Join(dir, "bank.sqlite") {
					t.Errorf("bank = %+v", s.Bank)
				}
			case "assembly":
				a := s.Assembly
				if a == nil || a.Length != 100 || a.Anchors.Count != 20 || len(a.Constraints) != 1 || a.Exposure.MaxRecentForms != 2 {
					t.Fatalf("assembly = %+v", a)
				}
			}
		})
	}
}

func TestTestdataSpecs(t *testing.T) {
	dir := newDir(t)
	read := func(name string) *Spec {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return mustRead(t, string(data), dir)
	}
	t.Run("demo", func(t *testing.T) {
		s := read("demo_form1.yaml")
		if s.Scale.Cut != 390 || s.Projection.Reps != 200 || len(s.Projection.CutValues) != 81 {
			t.Errorf("form 1: %+v", s)
		}
		s = read("demo_form2.yaml")
		if s.BaseForm.DriftStatistic != "lord" || s.Scale.Cut != 0 {
			t.Errorf("form 2: %+v %+v", s.BaseForm, s.Scale)
		}
	})
	t.Run("base_form", func(t *testing.T) {
		s := read("base_form.yaml")
		b := s.BaseForm
		if b.Method != "haebara" || b.DriftAlpha != 0.05 || b.DriftMaxDrop != 0.25 {
			t.Errorf("base_form = %+v", b)
		}
		// reps: 0 is kept: no intervals.
		if p := s.Projection; p.Reps != 0 || !slices.Equal(p.CutValues, []float64{370, 375, 380, 385, 390, 395, 400, 405, 410}) || !slices.Equal(p.ShiftValues, []float64{0}) {
			t.Errorf("projection = %+v", p)
		}
	})
	t.Run("bank_assembly", func(t *testing.T) {
		s := read("bank_assembly.yaml")
		if s.Bank.Link != "fixed" || s.Responses != "" {
			t.Errorf("bank = %+v", s.Bank)
		}
		a := s.Assembly
		want := []DomainCount{{"Clinical Operations", 32, 32}, {"Non-Clinical Operations", 26, 30},
			{"Revenue Cycle/Finance", 15, 15}, {"Regulatory Compliance", 13, 17}, {"Reporting", 10, 10}}
		if !reflect.DeepEqual(a.Blueprint, want) {
			t.Errorf("Blueprint = %v, want %v", a.Blueprint, want)
		}
		if a.Objective != "match-base" || !slices.Equal(a.ThetaPoints, []float64{-1.5, -0.5, 0.5}) || a.Solver != "cbc" || a.TimeLimit != 120 || a.Gap != 0.001 {
			t.Errorf("assembly = %+v", a)
		}
	})
}

func TestAssemblyDefaults(t *testing.T) {
	dir := newDir(t)
	s := mustRead(t, "bank: {path: postgres://itemlab@db/bank}\ndomains:\n  - {name: A, weight: 50}\n  - {name: B, weight: 30}\n  - {name: C, weight: 20}\nassembly:\n  length: 7\n", dir)
	a := s.Assembly
	// Quotas 3.5, 2.1, 1.4: floors 3, 2, 1 and the one item left to A.
	want := []DomainCount{{"A", 4, 4}, {"B", 2, 2}, {"C", 1, 1}}
	if !reflect.DeepEqual(a.Blueprint, want) {
		t.Errorf("Blueprint = %v, want %v", a.Blueprint, want)
	}
	if a.Forms != 1 || a.Objective != "cut-information" || a.ThetaPoints != nil || a.Solver != "auto" || a.TimeLimit != 60 || a.Gap != 0.01 {
		t.Errorf("assembly = %+v", a)
	}
	if got := s.BankPath(); got != "postgres://itemlab@db/bank" {
		t.Errorf("BankPath = %q", got)
	}
	s = mustRead(t, "domains: [{name: A, weight: 100}]\nassembly:\n  domains: [{name: A, count: 40}]\n", dir)
	if s.Assembly.Length != 40 {
		t.Errorf("Length = %d, want 40 (the domain counts)", s.Assembly.Length)
	}
}

// TestErrors checks each kind of problem: its line and its message.
func TestErrors(t *testing.T) {
	dir := newDir(t)
	const r = "responses: r.csv\n"
	cases := []struct {
		name, yaml string
		line       int
		msg        string
	}{
		{"unknown key", r + "calibration:\n  modle: 2pl\n", 3, `unknown key "modle" in calibration (did you mean "model"?)`},
		{"unknown key far", r + "scale:\n  cut_thta: 0\n", 3, `unknown key "cut_thta" in scale (did you mean "cut_theta"?)`},
		{"unknown key nothing close", r + "scale:\n  banana: 0\n", 3, `unknown key "banana" in scale; valid keys: base, cut_theta, cut_raw, cut, min, max, slope, method`},
		{"unknown top-level key", "respones: r.csv\n", 1, `unknown key "respones" at the top level (did you mean "responses"?)`},
		{"key in the wrong section", r + "cut_theta: 0\n", 2, `unknown key "cut_theta" at the top level (it belongs in scale)`},
		{"unknown key in a list", r + "domains:\n  - {name: A, weight: 100, wieght: 3}\n", 3, `unknown key "wieght" in domains (did you mean "weight"?)`},
		{"unknown key in assembly", r + "domains: [{name: A, weight: 100}]\nassembly:\n  exposure: {max_admins: 3}\n", 4, `unknown key "max_admins" in assembly.exposure`},
		{"wrong type", r + "seed: many\n", 2, `seed: "many" is not a whole number ≥ 0`},
		{"not whole", r + "projection:\n  reps: 2.5\n", 3, `projection.reps: "2.5" is not a whole number`},
		{"section not a mapping", r + "scale: 390\n", 2, `scale: want a mapping of keys`},
		{"merge key", r + "x: &x {cut: 390}\nscale:\n  <<: *x\n", 4, `a key must be a plain name`},
		{"missing file", r + "items: nope.csv\n", 2, "items: nope.csv: no such file"},
		{"empty path", r + "items: \"\"\n", 2, "items: empty; give a file name"},
		{"bad choice", r + "calibration:\n  model: 4pl\n", 3, `calibration.model: "4pl" is not one of rasch, 1pl, 2pl, 3pl`},
		{"cml with 3pl", r + "calibration:\n  model: 3pl\n  method: cml\n", 4, "calibration.method: cml fits only the Rasch model, not 3pl"},
		{"jml with default model", r + "calibration: {method: jml}\n", 2, "jml fits only the Rasch model, not 3pl (the default)"},
		{"omit", r + "data: {omit: blank}\n", 2, `data.omit: "blank" is not one of wrong, missing`},
		{"no responses", "exam: x\n", 0, "no responses"},
		{"syntax", r + "  bad: [\n", 2, ""},
		{"second document", r + "---\nexam: y\n", 2, "a second YAML document"},
		{"both cuts", r + "scale:\n  cut_theta: 0\n  cut_raw: 50\n", 4, "not both"},
		{"cut_theta nan", r + "scale:\n  cut_theta: .nan\n", 3, "scale.cut_theta: .nan is not a finite number; want [-6, 6]"},
		{"cut_theta out of range", r + "scale:\n  cut_theta: 7\n", 3, "scale.cut_theta: 7 is outside [-6, 6]"},
		{"cut_raw negative", r + "scale:\n  cut_raw: -1\n", 3, "scale.cut_raw: -1 is outside [0, 100000]"},
		{"cut above max", r + "scale:\n  cut_theta: 0\n  cut: 600\n", 4, "scale: the cut (600) must lie strictly between min (200) and max (500)"},
		{"min above max", r + "scale:\n  min: 300\n  max: 250\n", 4, "scale: min (300) must be below max (250)"},
		{"scale inf", r + "scale:\n  max: .inf\n", 3, "scale.max: .inf is not a finite number"},
		{"scale huge", r + "scale:\n  max: 1e308\n", 3, "scale.max: 1e308 is outside [-1000000, 1000000]"},
		{"slope zero", r + "scale:\n  slope: 0\n", 3, "scale.slope: 0 is outside (0, 1000000]"},
		{"cut with base", r + "scale:\n  base: r.csv\n  cut: 390\n", 4, "scale.cut: the reused scale (scale.base) fixes it"},
		{"cut zero", r + "scale:\n  cut: 0\n  min: -10\n", 3, "scale.cut: 0 would be read as the default 390"},
		{"domain weights sum", r + "domains:\n  - {name: A, weight: 60}\n  - {name: B, weight: 48}\n", 2, "domain weights sum to 108, want 100"},
		{"domain weight nan", r + "domains:\n  - {name: A, weight: .nan}\n", 3, "domains[0].weight: .nan is not a finite number; want > 0"},
		{"domain weight zero", r + "domains:\n  - {name: A, weight: 0}\n  - {name: B, weight: 100}\n", 3, "domains[0].weight: 0 is outside > 0"},
		{"domain without weight", r + "domains:\n  - {name: A}\n", 3, `domain "A" has no weight`},
		{"domain duplicate", r + "domains:\n  - {name: A, weight: 50}\n  - {name: a, weight: 50}\n", 4, `"a" is listed twice (first on line 3)`},
		{"domain unnamed", r + "domains:\n  - {weight: 100}\n", 3, "a domain without a name"},
		{"classical out of range", r + "classical:\n  too_easy: 1.5\n", 3, "classical.too_easy: 1.5 is outside [0, 1]"},
		{"classical zero", r + "classical:\n  high_omit: 0\n", 3, "classical.high_omit: 0 would be read as the default 0.05"},
		{"classical order", r + "classical:\n  too_hard: 0.96\n", 3, "classical: too_hard (0.96) must be below too_easy (0.95)"},
		{"drift_threshold", r + "base_form:\n  params: p.csv\n  drift_threshold: 2.7\n", 4,
			"drift_threshold was replaced by drift_statistic and drift_alpha (the screen now uses each anchor's standard error); remove it"},
		{"drift_alpha", r + "base_form:\n  params: p.csv\n  drift_alpha: 0.5\n", 4, "base_form.drift_alpha: 0.5 is outside (0, 0.5)"},
		{"drift_max_drop", r + "base_form:\n  params: p.csv\n  drift_max_drop: 1.2\n", 4, "base_form.drift_max_drop: 1.2 is outside [0, 1]"},
		{"drift_statistic", r + "base_form:\n  params: p.csv\n  drift_statistic: z\n", 4, `base_form.drift_statistic: "z" is not one of lord, lord-b, b-se, none`},
		{"drift_alpha without screen", r + "base_form:\n  params: p.csv\n  drift_statistic: none\n  drift_alpha: 0.05\n", 5, "base_form.drift_alpha applies only to a drift screen"},
		{"base_form without params", r + "base_form:\n  method: haebara\n", 2, "base_form needs params"},
		{"bank and base_form", r + "bank: {path: b.sqlite}\nbase_form:\n  params: p.csv\n", 3, "base_form (line 3) and bank (line 2) are both given"},
		{"bank link", r + "bank: {path: b.sqlite, link: mean-mean}\n", 2, `bank.link: "mean-mean" is not one of stocking-lord, haebara, fixed`},
		{"bank url", r + "bank: {path: \"mysql://x\"}\n", 2, `bank.path: "mysql://x": want a bank file or a postgres:// URL`},
		{"bank without path", r + "bank: {link: fixed}\n", 2, "bank needs path"},
		{"dif match", r + "dif: {match: total}\n", 2, `dif.match: "total" is not one of include-item, exclude-item`},
		{"dif groups", r + "dif: {focal: f, reference: f}\n", 2, `dif: focal and reference are both "f"`},
		{"cuts reversed", r + "projection:\n  cuts: 430:350:1\n", 3, `projection.cuts: "430:350:1": FROM 430 is above TO 350`},
		{"cuts step", r + "projection:\n  cuts: 350:430:0\n", 3, `STEP 0 must be positive`},
		{"cuts too many", r + "projection:\n  cuts: 0:500:0.001\n", 3, `500001 values; at most 10000`},
		{"cuts nan", r + "projection:\n  cuts: 350:nan:1\n", 3, `"nan" is not a finite number`},
		{"cuts syntax", r + "projection:\n  cuts: 350-430\n", 3, `"350-430" is not a number; want FROM:TO:STEP`},
		{"cuts outside scale", r + "projection:\n  cuts: 150:430:1\n", 3, `runs from 150 to 430, outside the scale [200, 500]`},
		{"shifts huge", r + "projection:\n  shifts: \"1.7e308\"\n", 3, `projection.shifts: "1.7e308" is 1.7e+308; want shifts of the latent mean within [-3, 3] logits`},
		{"shifts inf", r + "projection:\n  shifts: Inf\n", 3, `projection.shifts: "Inf": "Inf" is not a finite number`},
		{"reps negative", r + "projection:\n  reps: -5\n", 3, "projection.reps: -5 is outside [0, 100000] (bootstrap replications; 0: no intervals)"},
		{"reps huge", r + "projection:\n  reps: 2000000000\n", 3, "projection.reps: 2000000000 is outside [0, 100000]"},
		{"alt params", r + "projection:\n  alt_params: [nope.csv]\n", 3, "projection.alt_params[0]: nope.csv: no such file"},
		{"report format", r + "report: {format: pdf}\n", 2, `report.format: "pdf" is not one of png, svg`},
		{"assembly without blueprint", "assembly: {forms: 2}\n", 1, "assembly needs the blueprint"},
		{"assembly forms", "domains: [{name: A, weight: 100}]\nassembly: {forms: 0}\n", 2, "assembly.forms: 0 is outside [1, 100]"},
		{"assembly length", "domains: [{name: A, weight: 100}]\nassembly:\n  length: 0\n", 3, "assembly.length: 0 is outside [1, 10000]"},
		{"assembly domain unknown", "domains: [{name: A, weight: 100}]\nassembly:\n  domains:\n    - {name: B, count: 100}\n", 4, `assembly.domains: "B" is not a domain of the blueprint`},
		{"assembly domain missing", "domains: [{name: A, weight: 50}, {name: B, weight: 50}]\nassembly:\n  domains:\n    - {name: A, count: 50}\n", 3, `blueprint domain "B" has no count`},
		{"assembly counts and range", "domains: [{name: A, weight: 100}]\nassembly:\n  domains:\n    - {name: A, count: 50, min: 3}\n", 4, `"A": give count, or min and max, not both`},
		{"assembly counts vs length", "domains: [{name: A, weight: 60}, {name: B, weight: 40}]\nassembly:\n  length: 100\n  domains:\n    - {name: A, count: 50}\n    - {name: B, max: 40}\n", 3, "the domains allow 50 to 90 items, but the form has 100"},
		{"assembly range reversed", "domains: [{name: A, weight: 100}]\nassembly:\n  domains:\n    - {name: A, min: 60, max: 40}\n", 4, "assembly.domains: min 60 is above max 40"},
		{"anchors count", "domains: [{name: A, weight: 100}]\nassembly:\n  anchors: {from_form: f1, count: 200}\n", 3, "assembly.anchors.count: 200 is outside [1, 100]"},
		{"anchors from_form", "domains: [{name: A, weight: 100}]\nassembly:\n  anchors: {count: 20}\n", 3, "assembly.anchors needs from_form"},
		{"constraint without bounds", "domains: [{name: A, weight: 100}]\nassembly:\n  constraints:\n    - {column: format, value: x}\n", 4, "assembly.constraints: give min, max or both"},
		{"constraint without value", "domains: [{name: A, weight: 100}]\nassembly:\n  constraints:\n    - {column: format, max: 3}\n", 4, "a constraint needs value"},
		{"exposure negative", "domains: [{name: A, weight: 100}]\nassembly:\n  exposure: {max_recent_forms: -1}\n", 3, "assembly.exposure.max_recent_forms: -1 is outside [0, 1000]"},
		{"objective", "domains: [{name: A, weight: 100}]\nassembly: {objective: tif}\n", 2, `assembly.objective: "tif" is not one of cut-information, match-base`},
		{"theta points without match-base", "domains: [{name: A, weight: 100}]\nassembly:\n  theta_points: [0]\n", 3, "theta_points apply only to objective match-base"},
		{"theta points order", "domains: [{name: A, weight: 100}]\nassembly:\n  objective: match-base\n  theta_points: [0, -1]\n", 4, "want strictly ascending points, got -1 after 0"},
		{"theta points range", "domains: [{name: A, weight: 100}]\nassembly:\n  objective: match-base\n  theta_points:\n    - 0\n    - 9\n", 6, "assembly.theta_points[1]: 9 is outside [-6, 6]"},
		{"solver", "domains: [{name: A, weight: 100}]\nassembly: {solver: gurobi}\n", 2, `assembly.solver: "gurobi" is not one of cbc, glpsol, heuristic, auto`},
		{"time limit", "domains: [{name: A, weight: 100}]\nassembly: {time_limit: 0}\n", 2, "assembly.time_limit: 0 is outside (0, 86400]"},
		{"gap", "domains: [{name: A, weight: 100}]\nassembly: {gap: 1}\n", 2, "assembly.gap: 1 is outside [0, 1)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("exam.yaml", strings.NewReader(tc.yaml), dir)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *spec.Error", err)
			}
			// The problem of this kind among those Read found.
			var es Errors
			if errors.As(err, &es) {
				for _, e := range es {
					if strings.Contains(e.Error(), tc.msg) {
						se = e
						break
					}
				}
			}
			if se.Line != tc.line || !strings.Contains(se.Error(), tc.msg) {
				t.Errorf("got %q (line %d), want line %d mentioning %q", err, se.Line, tc.line, tc.msg)
			}
			if want := "exam.yaml:"; !strings.HasPrefix(se.Error(), want) {
				t.Errorf("got %q, want it to start with %q", se, want)
			}
		})
	}
}

// TestAllProblems checks that Read reports every problem, in line order.
func TestAllProblems(t *testing.T) {
	dir := newDir(t)
	text := `responses: r.csv
scale:
  cut_thta: -0.5
  cut: 600
domains:
  - {name: A, weight: 60}
  - {name: B, weight: .nan}
projection:
  reps: -5
  shifts: "1.7e308"
base_form:
  params: p.csv
  drift_threshold: 2.7
`
	_, err := Read("exam.yaml", strings.NewReader(text), dir)
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %v is not spec.Errors", err)
	}
	var lines []int
	for _, e := range es {
		lines = append(lines, e.Line)
	}
	if want := []int{3, 4, 7, 9, 10, 13}; !slices.Equal(lines, want) {
		t.Errorf("problems on lines %v, want %v:\n%v", lines, want, err)
	}
	if got := strings.Count(err.Error(), "\n") + 1; got != len(es) {
		t.Errorf("%d lines of text for %d problems", got, len(es))
	}
}

func TestMaxErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("responses: r.csv\n")
	for k := range 60 {
		b.WriteString("key" + strings.Repeat("x", k) + ": 1\n")
	}
	_, err := Read("exam.yaml", strings.NewReader(b.String()), newDir(t))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatal(err)
	}
	if len(es) != MaxErrors+1 || !strings.HasSuffix(err.Error(), "exam.yaml: and 10 more problems") {
		t.Errorf("%d entries, ending %q", len(es), es[len(es)-1])
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []float64
	}{
		{"390", []float64{390}},
		{"350:360:5", []float64{350, 355, 360}},
		{"0:0.3:0.1", []float64{0, 0.1, 0.2, 0.3}},
		{"-0.5:-0.3:0.1", []float64{-0.5, -0.4, -0.3}},
		{"1:1:1", []float64{1}},
		{"0:1:0.4", []float64{0, 0.4, 0.8}},
	} {
		got, err := ParseRange(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "a", "1:2", "1:2:3:4", "2:1:1", "0:1:-1", "0:1:0", "0:Inf:1", "NaN", "0:1e9:1e-9", "1e400"} {
		if got, err := ParseRange(in); err == nil {
			t.Errorf("ParseRange(%q) = %v, want an error", in, got)
		}
	}
}

func TestLargestRemainder(t *testing.T) {
	ds := []Domain{{"A", 32}, {"B", 28}, {"C", 15}, {"D", 15}, {"E", 10}}
	got := largestRemainder(ds, 100)
	for k, d := range got {
		if d.Min != int(ds[k].Weight) || d.Max != d.Min {
			t.Errorf("%s: %d–%d items, want %g", d.Name, d.Min, d.Max, ds[k].Weight)
		}
	}
	// 125 items: quotas 40, 35, 18.75, 18.75, 12.5 → 40, 35, 19, 19, 12.
	got = largestRemainder(ds, 125)
	want := []int{40, 35, 19, 19, 12}
	for k, d := range got {
		if d.Min != want[k] {
			t.Errorf("125 items: %s gets %d, want %d", d.Name, d.Min, want[k])
		}
	}
}

// FuzzRead checks that Read never panics and that every error it returns
// is, or wraps, a *spec.Error.
func FuzzRead(f *testing.F) {
	f.Add(Example)
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add("responses: r.csv\nscale: {cut_theta: .nan}\nprojection: {cuts: \"1:1e308:1e-308\", reps: 1e300}\n")
	f.Add("a: &a [*a]\n")
	dir := newDir(f)
	f.Fuzz(func(t *testing.T, text string) {
		s, err := Read("exam.yaml", strings.NewReader(text), dir)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v (%T) is not a *spec.Error", err, err)
			}
			if s != nil {
				t.Fatalf("a spec and an error")
			}
			return
		}
		if s == nil {
			t.Fatal("no spec and no error")
		}
	})
}

// A key given twice is one located error, not a cascade of checks on a
// half-read spec.
func TestReadDuplicateKey(t *testing.T) {
	_, err := Read("e.yaml", strings.NewReader("exam: x\nresponses: r.csv\nreport: {charts: false}\nreport: {workbook: false}\n"), t.TempDir())
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 {
		t.Fatalf("got %v, want one error", err)
	}
	if es[0].Line != 4 || !strings.Contains(es[0].Error(), `"report" already defined at line 3`) {
		t.Errorf("got %q (line %d)", es[0].Error(), es[0].Line)
	}
}
