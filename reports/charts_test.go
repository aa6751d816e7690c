package reports

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Pixel sizes of the PNG charts: 16 × 10 cm and 16 × 14 cm at 150 dpi.
const (
	chartTestW, chartTestH, chartTestTallH = 945, 591, 827
)

func writeTestCharts(t *testing.T, r *Run, format string) (string, []ChartFile) {
	t.Helper()
	dir := t.TempDir()
	files, err := WriteCharts(dir, r, format)
	if err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func TestWriteChartsPNG(t *testing.T) {
	r := readFixtureRun(t)
	dir, files := writeTestCharts(t, r, "png")
	kinds := map[string]int{}
	for _, f := range files {
		kinds[f.Kind]++
	}
	items := len(r.Params.Rows)
	for kind, want := range map[string]int{"information": 1, "wright_map": 1, "raw_scores": 1,
		"scale_scores": 1, "pass_rate": 1, "domains": 1, "icc": items, "options": items} {
		if kinds[kind] != want {
			t.Errorf("%d %s charts, want %d", kinds[kind], kind, want)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		wantH := chartTestH
		if f.Kind == "information" || f.Kind == "wright_map" {
			wantH = chartTestTallH
		}
		if got := img.Bounds().Size(); got.X != chartTestW || got.Y != wantH {
			t.Errorf("%s: %v pixels, want %dx%d", f.Path, got, chartTestW, wantH)
		}
		colours, ink := chartInk(img)
		// A chart with axes, text and data has hundreds of colours (anti-
		// aliasing) and a few percent of non-white pixels.
		if colours < 50 || ink < 0.02 {
			t.Errorf("%s: %d colours, %.1f%% non-white pixels: looks blank", f.Path, colours, 100*ink)
		}
	}
	if f := files[0]; f.Group != "Test" || !strings.HasPrefix(f.Path, "test_information") {
		t.Errorf("first chart %+v, want the test information", f)
	}
	if f := files[len(files)-1]; f.Path != "items/ITM0022_options.png" {
		t.Errorf("last chart %s, want items/ITM0022_options.png", f.Path)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !bytes.Contains(index, []byte(`src="`+f.Path+`"`)) {
			t.Errorf("index.html does not embed %s", f.Path)
		}
	}
}

// chartInk counts distinct colours and the share of non-white pixels in a
// sample of every second pixel of every second row.
func chartInk(img image.Image) (colours int, ink float64) {
	seen := map[uint32]bool{}
	b := img.Bounds()
	n, all := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			all++
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			if r < 0xf000 || g < 0xf000 || bl < 0xf000 {
				n++
			}
		}
	}
	return len(seen), float64(n) / float64(all)
}

func TestWriteChartsSVG(t *testing.T) {
	dir, files := writeTestCharts(t, readFixtureRun(t), "svg")
	if len(files) == 0 {
		t.Fatal("no charts")
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".svg") {
			t.Errorf("%s: want .svg", f.Path)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		root, elems := "", 0
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				if root == "" {
					root = se.Name.Local
				}
				elems++
			}
		}
		if root != "svg" || elems < 50 {
			t.Errorf("%s: root <%s>, %d elements; want an <svg> chart", f.Path, root, elems)
		}
	}
}

// The same run gives the same chart files, whatever the worker schedule.
func TestWriteChartsDeterministic(t *testing.T) {
	r := readFixtureRun(t)
	d1, f1 := writeTestCharts(t, r, "png")
	d2, f2 := writeTestCharts(t, r, "png")
	if len(f1) != len(f2) {
		t.Fatalf("%d and %d charts", len(f1), len(f2))
	}
	for i := range f1 {
		if f1[i] != f2[i] {
			t.Fatalf("chart %d: %+v and %+v", i, f1[i], f2[i])
		}
		b1, _ := os.ReadFile(filepath.Join(d1, f1[i].Path))
		b2, _ := os.ReadFile(filepath.Join(d2, f2[i].Path))
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s differs between two runs", f1[i].Path)
		}
	}
}

func TestWriteChartsBadFormat(t *testing.T) {
	if _, err := WriteCharts(t.TempDir(), readFixtureRun(t), "gif"); err == nil {
		t.Error("format gif: no error")
	}
}

// The ICC's observed points are the key rows of options.csv (q1…q5) at the
// θ of each fifth's mean raw score.
func TestChartEmpiricalPoints(t *testing.T) {
	r := readFixtureRun(t)
	cd, err := loadChartData(r)
	if err != nil {
		t.Fatal(err)
	}
	pts := cd.empirical["ITM0002"]
	if len(pts) != 5 {
		t.Fatalf("%d points for ITM0002, want 5 (q1…q5)", len(pts))
	}
	for g := 1; g < 5; g++ {
		if pts[g].theta <= pts[g-1].theta {
			t.Errorf("fifth %d at θ %.3f, not above fifth %d at %.3f", g+1, pts[g].theta, g, pts[g-1].theta)
		}
	}
	// q1…q5 of the key row (C) of ITM0002 in options.csv.
	want := []float64{0.325, 0.525, 0.625, 0.85, 0.9}
	for g, p := range pts {
		if p.p != want[g] || p.n != 40 {
			t.Errorf("fifth %d: p = %v, n = %v; want %v, 40", g+1, p.p, p.n, want[g])
		}
	}

}

func TestChartTicks(t *testing.T) {
	for _, c := range []struct {
		lo, hi float64
		pct    bool
		want   string
	}{
		{-4, 4, false, "-4 -3 -2 -1 0 1 2 3 4"},
		{0, 1, true, "0% 20% 40% 60% 80% 100%"},
		{200, 500, false, "200 250 300 350 400 450 500"},
		{0, 0.3, false, "0.00 0.05 0.10 0.15 0.20 0.25 0.30"},
		{0, 2.2, false, "0 1 2"}, // Integer
	} {
		var got []string
		for _, tk := range (chartTicks{Percent: c.pct, Integer: c.hi == 2.2}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if g := strings.Join(got, " "); g != c.want {
			t.Errorf("ticks(%g, %g) = %s, want %s", c.lo, c.hi, g, c.want)
		}
	}
}

func TestChartFileName(t *testing.T) {
	for in, want := range map[string]string{"ITM0001": "ITM0001", "a/b c": "a_b_c", "../x": "_x", "": "item", "Q-7.1": "Q-7.1"} {
		if got := chartFileName(in); got != want {
			t.Errorf("chartFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestChartsDump writes the charts of a run (ITEMLAB_RUN, default the
// fixture) to ITEMLAB_CHARTS_OUT for looking at them.
func TestChartsDump(t *testing.T) {
	out := os.Getenv("ITEMLAB_CHARTS_OUT")
	if out == "" {
		t.Skip("set ITEMLAB_CHARTS_OUT (and optionally ITEMLAB_RUN, ITEMLAB_CHARTS_FORMAT) to write charts to look at")
	}
	dir := os.Getenv("ITEMLAB_RUN")
	if dir == "" {
		dir = filepath.Join("testdata", "run")
	}
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := WriteCharts(out, r, os.Getenv("ITEMLAB_CHARTS_FORMAT"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d charts", len(files))
}

// A single calibrate --out folder (Rasch, no classical tables) gives the
// charts its files allow; a projection without usable rows gives none.
func TestWriteChartsPartialRun(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "params.csv"),
		"item_id,model,a,b,c,d\nQ1,rasch,1,-0.5,,0.5\nQ2,rasch,,0.7,,\nQ3,rasch,1,1.2,0,-1.2\n")
	writeTestFile(t, filepath.Join(dir, "persons.csv"),
		"examinee_id,raw,theta,se\nP1,0,-2.1,1.2\nP2,1,-0.3,1.1\nP3,2,0.6,1.1\nP4,3,2.2,1.3\nP5,2,0.6,1.1\n")
	writeTestFile(t, filepath.Join(dir, "projection.csv"), "cut_score,raw_cut,pass_rate\n390,2,\n")
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, files := writeTestCharts(t, r, "png")
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	want := "test_information.png wright_map.png raw_scores.png items/Q1_icc.png items/Q2_icc.png items/Q3_icc.png"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("charts %s, want %s", g, want)
	}
}

// DriftChart draws in both formats, with and without a bank b, and with an
// administration that has no SE.
func TestDriftChart(t *testing.T) {
	nan := math.NaN()
	pts := []DriftPoint{{Label: "F1 2026-01-10", B: -0.4, SE: 0.1}, {Label: "F2 2026-06-10", B: 0.3, SE: 0}, {Label: "F3 2026-11-10", B: -0.2, SE: 0.12}}
	for _, format := range []string{"svg", "png"} {
		for _, bankB := range []float64{-0.4, nan} {
			img, err := DriftChart("ITM0001", bankB, pts, true, format)
			if err != nil || len(img) == 0 {
				t.Errorf("%s, bank b %v: %d bytes, %v", format, bankB, len(img), err)
			}
		}
	}
	if _, err := DriftChart("ITM0001", 0, pts, false, "gif"); err == nil {
		t.Error("format gif: want an error")
	}
}

// A linked form's curves use its parameters on the base scale
// (equate/params.csv), the scale of its conversion table and cut.
func TestChartLinkedParams(t *testing.T) {
	r, err := ReadRun(filepath.Join("testdata", "review"))
	if err != nil {
		t.Fatal(err)
	}
	linked, _, err := readRunTable(r, reviewLinkedPaths)
	if err != nil || linked == nil {
		t.Fatalf("fixture without equate/params.csv: %v", err)
	}
	cd, err := loadChartData(r)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range linked.Rows {
		id := tableCell(linked, i, "item_id")
		b, ok := tableFloat(linked, i, "b")
		it, drawn := cd.items[id]
		if !ok || !drawn {
			continue
		}
		n++
		if math.Abs(it.b-b) > 1e-9 {
			t.Errorf("%s: chart b = %g, want the linked %g", id, it.b, b)
		}
	}
	if n == 0 {
		t.Error("no linked item drawn")
	}
}
