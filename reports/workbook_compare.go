package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SheetComparison is the sheet comparing a linked form with its base form.
const SheetComparison = "Form comparison"

// formComparison is the Form comparison sheet of a linked run (one with
// linking.json): the base form against this form — N, mean raw score, α,
// raw cut, observed and projected pass rate — and the common items' mean a
// and b before and after linking (anchors.csv). The base form's figures
// come from its run folder (Run.BaseDir, the folder above the calibrate
// folder that holds the spec's base_form params); without it the sheet says
// what is missing. nil when the run is not linked.
func (wb *workbook) formComparison() *Table {
	r := wb.run
	if r.Linking == nil {
		return nil
	}
	t := &Table{Header: []string{"Figure", "Base form", "This form", "Source"}}
	var base *Run
	baseDir := r.BaseDir
	if baseDir == "" {
		baseDir = baseRunFromManifest(r)
	}
	if baseDir != "" {
		b, err := ReadRun(baseDir)
		if err == nil {
			base = b
		} else {
			t.Rows = append(t.Rows, []string{"Base form's run folder", "unreadable", "", err.Error()})
		}
	} else {
		t.Rows = append(t.Rows, []string{"Base form's run folder", "not found", "", "neither the run nor its manifest.json names a base_form params file in a run's calibrate folder"})
	}
	num := func(x float64, ok bool, dec int) string {
		if !ok {
			return ""
		}
		return fmtNum(x, dec)
	}
	pct := func(x float64, ok bool) string {
		if !ok {
			return ""
		}
		return fmtPct(x, 1)
	}
	fig := func(run *Run) map[string]string {
		m := map[string]string{}
		if run == nil {
			return m
		}
		n, ok := run.Summary.Number("candidates")
		m["N"] = num(n, ok, 0)
		if raw, ok := run.Summary.Get("raw_score").(JSONObject); ok {
			x, ok := raw.Number("mean")
			m["mean"] = num(x, ok, 1)
		}
		a, ok := run.Summary.Number("alpha")
		m["alpha"] = num(a, ok, 3)
		c, ok := runRawCut(run)
		m["cut"] = num(c, ok, 0)
		o, ok := run.Accuracy.Number("observed_pass_rate")
		m["obs"] = pct(o, ok)
		p, ok := run.Accuracy.Number("projected_pass_rate")
		m["proj"] = pct(p, ok)
		return m
	}
	bf, tf := fig(base), fig(r)
	src := "summary.json, scale.json, accuracy.json of each run"
	for _, row := range []struct{ label, key string }{
		{"Candidates (N)", "N"}, {"Raw score mean", "mean"}, {"Coefficient alpha (KR-20)", "alpha"},
		{"Raw cut", "cut"}, {"Observed pass rate", "obs"}, {"Projected pass rate", "proj"}} {
		b := bf[row.key]
		if base == nil {
			b = "not found"
		}
		t.Rows = append(t.Rows, []string{row.label, b, tf[row.key], src})
	}
	if A, ok := r.Linking.Number("A"); ok {
		B, _ := r.Linking.Number("B")
		t.Rows = append(t.Rows, []string{"Linking constants A, B", "", fmt.Sprintf("%s, %s", fmtNum(A, 3), fmtNum(B, 3)), "linking.json (θ_base = A·θ + B)"})
	}
	if an := r.Anchors; an != nil {
		mean := func(col string) (float64, bool) {
			var s float64
			n := 0
			for i := range an.Rows {
				if x, ok := tableFloat(an, i, col); ok {
					s += x
					n++
				}
			}
			return s / float64(n), n > 0
		}
		ab, ok1 := mean("a_base")
		an0, ok2 := mean("a_new")
		an1, ok3 := mean("a_new_on_base")
		bb, ok4 := mean("b_base")
		bn0, ok5 := mean("b_new")
		bn1, ok6 := mean("b_new_on_base")
		asrc := fmt.Sprintf("mean over the %d common items of anchors.csv", len(an.Rows))
		t.Rows = append(t.Rows,
			[]string{"Common items: mean a before linking", num(ab, ok1, 3), num(an0, ok2, 3), asrc},
			[]string{"Common items: mean a after linking", num(ab, ok1, 3), num(an1, ok3, 3), asrc},
			[]string{"Common items: mean b before linking", num(bb, ok4, 3), num(bn0, ok5, 3), asrc},
			[]string{"Common items: mean b after linking", num(bb, ok4, 3), num(bn1, ok6, 3), asrc})
	}
	return t
}

// baseRunFromManifest finds the base form's run folder of a finished run
// from its manifest: the folder above the calibrate folder of an input
// named calibrate/params.csv (the spec's base_form params), as it is or
// relative to the run folder; "" when there is none.
func baseRunFromManifest(r *Run) string {
	if r.Manifest == nil {
		return ""
	}
	for _, in := range r.Manifest.Inputs {
		p := filepath.FromSlash(in.Path)
		if !strings.HasSuffix(filepath.ToSlash(p), "calibrate/"+FileParams) {
			continue
		}
		for _, cand := range []string{p, filepath.Join(r.Dir, p)} {
			dir := filepath.Dir(filepath.Dir(cand))
			if st, err := os.Stat(dir); err == nil && st.IsDir() && filepath.Clean(dir) != filepath.Clean(r.Dir) {
				return dir
			}
		}
	}
	return ""
}
