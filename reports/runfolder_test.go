package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadRunFixture(t *testing.T) {
	r := readFixtureRun(t)
	want := "accuracy.json conversion.csv dif.csv domains.csv equating.csv fit.json item_stats.csv linking.json " +
		"manifest.json options.csv params.csv persons.csv pretest.csv projection.csv scale.json scores.csv summary.json"
	if got := strings.Join(r.Files(), " "); got != want {
		t.Errorf("files = %s, want %s", got, want)
	}
	if got := r.rel(r.Path(FileParams)); got != "calibrate/params.csv" {
		t.Errorf("params.csv at %s, want calibrate/params.csv", got)
	}
	if r.Manifest == nil || r.Manifest.Command != "run" || len(r.Manifest.Inputs) != 2 {
		t.Errorf("manifest = %+v", r.Manifest)
	}
	if len(r.ItemStats.Rows) != 22 || len(r.Params.Rows) != 22 {
		t.Errorf("item_stats %d rows, params %d rows", len(r.ItemStats.Rows), len(r.Params.Rows))
	}
	if x, ok := r.Scale.Number("cut"); !ok || x != 390 {
		t.Errorf("scale cut = %v, %v; want 390", x, ok)
	}
	if x, ok := r.Summary.Number("candidates"); !ok || x != 200 {
		t.Errorf("summary candidates = %v, %v; want 200", x, ok)
	}
	if st, ok := r.Summary.Get("items_by_status").(JSONObject); !ok || st.String("pretest") != "6" {
		t.Errorf("items_by_status = %v", r.Summary.Get("items_by_status"))
	}
	n := 0
	if err := r.EachRow(FileScores, func(h, rec []string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Errorf("%d rows in scores.csv, want 200", n)
	}
	if err := r.EachRow("absent.csv", func(h, rec []string) error { t.Error("row of an absent file"); return nil }); err != nil {
		t.Error(err)
	}
}

// A file at the top wins over a stage folder's, a stage folder over another
// folder, earlier stages over later ones; files two folders down are found,
// three down are not.
func TestReadRunPreference(t *testing.T) {
	dir := t.TempDir()
	p := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	writeTestFile(t, p("params.csv"), "item_id,a\ntop,1\n")
	writeTestFile(t, p("calibrate/params.csv"), "item_id,a\ncal,1\n")
	writeTestFile(t, p("calibrate/scale.json"), `{"cut": 390}`)
	writeTestFile(t, p("scale/scale.json"), `{"cut": 400}`)
	writeTestFile(t, p("analyze/options.csv"), "item_id\nx\n")
	writeTestFile(t, p("equate/options.csv"), "item_id\ny\n")
	writeTestFile(t, p("zzz/dif.csv"), "item_id\nz\n")
	writeTestFile(t, p("form2/calibrate/persons.csv"), "examinee_id\np\n")
	writeTestFile(t, p("a/b/c/domains.csv"), "domain\nd\n")
	writeTestFile(t, p("analyze/notes.csv"), "x\n1\n")
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"params.csv": "params.csv", "scale.json": "calibrate/scale.json",
		"options.csv": "analyze/options.csv", "dif.csv": "zzz/dif.csv",
		"persons.csv": "form2/calibrate/persons.csv", "domains.csv": ""} {
		got := ""
		if r.Has(name) {
			got = r.rel(r.Path(name))
		}
		if got != want {
			t.Errorf("%s at %q, want %q", name, got, want)
		}
	}
	if got := tableCell(r.Params, 0, "item_id"); got != "top" {
		t.Errorf("params.csv item %s, want top", got)
	}
}

func TestReadRunErrors(t *testing.T) {
	if _, err := ReadRun(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("missing folder: no error")
	}
	for _, c := range []struct{ file, content, want string }{
		{"calibrate/params.csv", "item_id,a\nQ1,1\nQ2,\"1\n", "calibrate/params.csv"},
		{"analyze/item_stats.csv", "item_id,p\nQ1,0.5,extra\n", "analyze/item_stats.csv"},
		{"scale/conversion.csv", "", "empty file"},
		{"scale/scale.json", "{\"cut\": }", "scale/scale.json"},
		{"project/accuracy.json", "[1, 2]", "want a JSON object"},
		{"manifest.json", "{", "manifest.json"},
	} {
		dir := t.TempDir()
		writeTestFile(t, filepath.Join(dir, c.file), c.content)
		_, err := ReadRun(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "reports: ") {
			t.Errorf("%s %q: error %v, want one naming %q", c.file, c.content, err, c.want)
		}
	}
}

func TestReadRunBOMAndHeaderOnly(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "params.csv"), "\ufeffitem_id, a ,b\nQ1,1,0\n")
	writeTestFile(t, filepath.Join(dir, "dif.csv"), "item_id,mh_d_dif\n")
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Params.Header, ","); got != "item_id,a,b" {
		t.Errorf("header %q, want item_id,a,b", got)
	}
	if r.DIF == nil || len(r.DIF.Rows) != 0 || len(r.DIF.Header) != 2 {
		t.Errorf("header-only dif.csv read as %+v", r.DIF)
	}
}

func TestJSONObjectOrder(t *testing.T) {
	o, err := parseJSONObject([]byte(`{"b": 1, "a": {"y": true, "x": null}, "c": [1, "two"], "d": "3.5"}`))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range o {
		keys = append(keys, f.Key)
	}
	if got := strings.Join(keys, ","); got != "b,a,c,d" {
		t.Errorf("keys %s, want b,a,c,d", got)
	}
	if x, ok := o.Number("d"); !ok || x != 3.5 {
		t.Errorf("d = %v, %v", x, ok)
	}
	if sub := o.Get("a").(JSONObject); sub[0].Key != "y" || sub.String("y") != "true" {
		t.Errorf("a = %v", sub)
	}
	if _, err := parseJSONObject([]byte(`{"a": 1} {"b": 2}`)); err == nil {
		t.Error("two objects: no error")
	}
}
