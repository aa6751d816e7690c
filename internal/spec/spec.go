// Package spec reads itemlab's exam specification: the YAML file that
// describes an administration and how to analyse it, for itemlab run.
package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Spec is an exam specification. Paths are relative to the spec file's
// folder. Zero values mean itemlab's defaults.
type Spec struct {
	Exam       string     `yaml:"exam"`
	Responses  string     `yaml:"responses"`
	Items      string     `yaml:"items"`
	Data       Data       `yaml:"data"`
	Domains    []Domain   `yaml:"domains"`
	Calibrate  Calibrate  `yaml:"calibration"`
	Scale      Scale      `yaml:"scale"`
	BaseForm   *BaseForm  `yaml:"base_form"`
	Pretest    Pretest    `yaml:"pretest"`
	DIF        DIF        `yaml:"dif"`
	Projection Projection `yaml:"projection"`
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
	Omit        string   `yaml:"omit"`
	NotReached  bool     `yaml:"not_reached"`
	Ignore      []string `yaml:"ignore"`
}

// Domain is a blueprint domain and its weight (percent of the operational
// items).
type Domain struct {
	Name   string  `yaml:"name"`
	Weight float64 `yaml:"weight"`
}

// Calibrate chooses the IRT model and method.
type Calibrate struct {
	Model   string `yaml:"model"`   // rasch, 2pl, 3pl
	Method  string `yaml:"method"`  // mml, cml, jml
	Scoring string `yaml:"scoring"` // eap, map, mle, wle
	All     bool   `yaml:"all"`     // concurrent calibration with pretest items
}

// Scale defines or reuses the reporting scale.
type Scale struct {
	Base     string   `yaml:"base"` // an existing scale.json to reuse
	CutTheta *float64 `yaml:"cut_theta"`
	CutRaw   *float64 `yaml:"cut_raw"`
	Cut      float64  `yaml:"cut"`
	Min      float64  `yaml:"min"`
	Max      float64  `yaml:"max"`
	Slope    float64  `yaml:"slope"`
	Method   string   `yaml:"method"` // tcc, eap
}

// BaseForm names the base form's calibration to link to.
type BaseForm struct {
	Params    string  `yaml:"params"`
	Responses string  `yaml:"responses"`
	Items     string  `yaml:"items"`
	Method    string  `yaml:"method"`
	DriftZ    float64 `yaml:"drift_threshold"`
}

// Pretest points to the review rules.
type Pretest struct {
	Rules string `yaml:"rules"`
	Skip  bool   `yaml:"skip"`
}

// DIF chooses the groups.
type DIF struct {
	Focal     string `yaml:"focal"`
	Reference string `yaml:"reference"`
	Skip      bool   `yaml:"skip"`
}

// Projection lists the scenarios.
type Projection struct {
	Cuts      string   `yaml:"cuts"`
	Shifts    string   `yaml:"shifts"`
	Reps      int      `yaml:"reps"`
	AltParams []string `yaml:"alt_params"`
}

// Report chooses the outputs for people.
type Report struct {
	Workbook *bool  `yaml:"workbook"`
	Charts   *bool  `yaml:"charts"`
	Format   string `yaml:"format"`
}

// Classical holds flag thresholds (zero means the default).
type Classical struct {
	LowDiscrimination        float64 `yaml:"low_discrimination"`
	TooEasy                  float64 `yaml:"too_easy"`
	TooHard                  float64 `yaml:"too_hard"`
	NonfunctioningDistractor float64 `yaml:"nonfunctioning_distractor"`
	HighOmit                 float64 `yaml:"high_omit"`
}

// Error is a problem in a spec file, located by line.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Read parses a spec. Unknown keys and values of the wrong type are errors
// with the line of the YAML; so are files that do not exist (resolved
// against dir, the spec file's folder) and values outside their choices.
func Read(name string, r io.Reader, dir string) (*Spec, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &Error{File: name, Err: err}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &Error{File: name, Err: errors.New("the spec is empty")}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var s Spec
	if err := dec.Decode(&s); err != nil {
		return nil, yamlError(name, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, err)
	}
	s.dir = dir
	s.file = name
	s.lines = map[string]int{}
	collectLines(&root, "", s.lines)
	if err := s.check(name); err != nil {
		return nil, err
	}
	return &s, nil
}

// yamlError turns the YAML library's messages ("yaml: line 4: …") into
// located errors.
func yamlError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg := te.Errors[0]
		line := 0
		if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
			msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
		}
		return &Error{File: name, Line: line, Err: errors.New(msg)}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &Error{File: name, Line: line, Err: errors.New(msg)}
}

// collectLines records the line of every mapping key by its dotted path.
func collectLines(n *yaml.Node, prefix string, out map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collectLines(c, prefix, out)
		}
	case yaml.MappingNode:
		for k := 0; k+1 < len(n.Content); k += 2 {
			key := n.Content[k].Value
			p := key
			if prefix != "" {
				p = prefix + "." + key
			}
			out[p] = n.Content[k].Line
			collectLines(n.Content[k+1], p, out)
		}
	case yaml.SequenceNode:
		for k, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", prefix, k)
			out[p] = c.Line
			collectLines(c, p, out)
		}
	}
}

// Line returns the line of a key of the spec by its dotted path, 0 if absent.
func (s *Spec) Line(path string) int { return s.lines[path] }

// Path resolves a path of the spec against the spec file's folder.
func (s *Spec) Path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.dir, p)
}

func (s *Spec) check(name string) error {
	fail := func(key string, format string, args ...any) error {
		return &Error{File: name, Line: s.Line(key), Err: fmt.Errorf(format, args...)}
	}
	if s.Responses == "" {
		return fail("", "no responses: name the responses file (responses: responses.csv)")
	}
	files := []struct{ key, path string }{
		{"responses", s.Responses}, {"items", s.Items}, {"scale.base", s.Scale.Base}, {"pretest.rules", s.Pretest.Rules},
	}
	if s.BaseForm != nil {
		files = append(files, struct{ key, path string }{"base_form.params", s.BaseForm.Params},
			struct{ key, path string }{"base_form.responses", s.BaseForm.Responses},
			struct{ key, path string }{"base_form.items", s.BaseForm.Items})
		if s.BaseForm.Params == "" {
			return fail("base_form", "base_form needs params: the base form's params.csv")
		}
	}
	for k, p := range s.Projection.AltParams {
		files = append(files, struct{ key, path string }{fmt.Sprintf("projection.alt_params[%d]", k), p})
	}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		fi, err := os.Stat(s.Path(f.path))
		switch {
		case err != nil:
			return fail(f.key, "%s: %s: no such file", f.key, f.path)
		case fi.IsDir():
			return fail(f.key, "%s: %s is a folder, want a file", f.key, f.path)
		}
	}
	choice := func(key, v string, allowed ...string) error {
		if v == "" {
			return nil
		}
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				return nil
			}
		}
		return fail(key, "%s: %q is not one of %s", key, v, strings.Join(allowed, ", "))
	}
	for _, c := range []error{
		choice("data.omit", s.Data.Omit, "wrong", "missing"),
		choice("calibration.model", s.Calibrate.Model, "rasch", "1pl", "2pl", "3pl"),
		choice("calibration.method", s.Calibrate.Method, "mml", "cml", "jml"),
		choice("calibration.scoring", s.Calibrate.Scoring, "eap", "map", "mle", "wle"),
		choice("scale.method", s.Scale.Method, "tcc", "eap"),
		choice("report.format", s.Report.Format, "png", "svg"),
	} {
		if c != nil {
			return c
		}
	}
	if s.BaseForm != nil {
		if err := choice("base_form.method", s.BaseForm.Method, "stocking-lord", "haebara", "mean-mean", "mean-sigma"); err != nil {
			return err
		}
	}
	if s.Scale.CutTheta != nil && s.Scale.CutRaw != nil {
		return fail("scale.cut_raw", "give the cut as scale.cut_theta or scale.cut_raw, not both")
	}
	if s.Scale.Base != "" && (s.Scale.CutTheta != nil || s.Scale.CutRaw != nil) {
		return fail("scale.base", "scale.base reuses a scale: do not also give cut_theta or cut_raw")
	}
	for k, d := range s.Domains {
		key := fmt.Sprintf("domains[%d]", k)
		if d.Name == "" {
			return fail(key, "domain without a name")
		}
		if d.Weight < 0 {
			return fail(key, "domain %q has a negative weight", d.Name)
		}
	}
	return nil
}
