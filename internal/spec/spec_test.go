package spec

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExampleReads(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"responses.csv", "items.csv"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x\n"), 0o644)
	}
	s, err := Read("exam.yaml", strings.NewReader(Example), dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Calibrate.Model != "3pl" || len(s.Domains) != 5 || s.Domains[2].Weight != 15 || *s.Scale.CutTheta != -0.5 {
		t.Errorf("spec = %+v", s)
	}
	if got := s.Path("items.csv"); got != filepath.Join(dir, "items.csv") {
		t.Errorf("Path = %q", got)
	}
}

func TestSpecErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r.csv"), []byte("x\n"), 0o644)
	cases := []struct {
		name, yaml string
		line       int
		msg        string
	}{
		{"unknown key", "responses: r.csv\ncalibration:\n  modle: 2pl\n", 3, "field modle not found"},
		{"wrong type", "responses: r.csv\nseed: many\n", 2, "cannot unmarshal"},
		{"missing file", "responses: r.csv\nitems: nope.csv\n", 2, "items: nope.csv: no such file"},
		{"bad choice", "responses: r.csv\ncalibration:\n  model: 4pl\n", 3, `"4pl" is not one of`},
		{"no responses", "exam: x\n", 0, "no responses"},
		{"syntax", "responses: r.csv\n  bad: [\n", 2, ""},
		{"both cuts", "responses: r.csv\nscale:\n  cut_theta: 0\n  cut_raw: 50\n", 4, "not both"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("exam.yaml", strings.NewReader(tc.yaml), dir)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *spec.Error", err)
			}
			if se.Line != tc.line || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %q (line %d), want line %d mentioning %q", err, se.Line, tc.line, tc.msg)
			}
		})
	}
}
