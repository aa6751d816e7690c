package reports

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart sizes. A chart is 16 × 10 cm (two stacked panels 16 × 14 cm); PNG
// files are rendered at ChartDPI, which makes 945 × 591 (945 × 827) pixels.
const (
	ChartDPI = 150
)

var (
	chartWidth       = 16 * vg.Centimeter
	chartHeight      = 10 * vg.Centimeter
	chartTallHeight  = 14 * vg.Centimeter
	chartLegendWidth = 4.2 * vg.Centimeter // legend strip right of the plot
)

// ChartFile is one chart WriteCharts wrote.
type ChartFile struct {
	Group string // "Test", "Scores" or "Items"
	Kind  string // icc, options, information, wright_map, raw_scores, scale_scores, pass_rate, domains
	Item  string // item id of a per-item chart
	Title string
	Path  string // relative to the charts folder, slash-separated
}

// Chart colours (the Tableau 10 palette).
var (
	chartBlue     = color.NRGBA{0x1f, 0x77, 0xb4, 0xff}
	chartOrange   = color.NRGBA{0xff, 0x7f, 0x0e, 0xff}
	chartGreen    = color.NRGBA{0x2c, 0xa0, 0x2c, 0xff}
	chartRed      = color.NRGBA{0xd6, 0x27, 0x28, 0xff}
	chartPurple   = color.NRGBA{0x94, 0x67, 0xbd, 0xff}
	chartBrown    = color.NRGBA{0x8c, 0x56, 0x4b, 0xff}
	chartPink     = color.NRGBA{0xe3, 0x77, 0xc2, 0xff}
	chartGray     = color.NRGBA{0x7f, 0x7f, 0x7f, 0xff}
	chartOlive    = color.NRGBA{0xbc, 0xbd, 0x22, 0xff}
	chartCyan     = color.NRGBA{0x17, 0xbe, 0xcf, 0xff}
	chartCutColor = color.NRGBA{0xc0, 0x10, 0x10, 0xff}
)

// chartAlpha returns c with opacity a.
func chartAlpha(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }

// WriteCharts draws the charts of run into dir in format "png" (default) or
// "svg": per item (items/<id>_icc, items/<id>_options), test information
// and CSEM, the person–item map, raw- and scale-score distributions, pass
// rate by cut score and the domain summary, each when the run has its
// files, plus index.html listing them. Per-item charts are drawn by a pool
// of GOMAXPROCS workers; names and order do not depend on the schedule.
func WriteCharts(dir string, run *Run, format string) ([]ChartFile, error) {
	return WriteChartsContext(context.Background(), dir, run, format)
}

// WriteChartsContext is WriteCharts that stops drawing when ctx is
// cancelled (within one chart per worker) and returns ctx's error.
func WriteChartsContext(ctx context.Context, dir string, run *Run, format string) ([]ChartFile, error) {
	format = strings.ToLower(strings.TrimPrefix(format, "."))
	if format == "" {
		format = "png"
	}
	if format != "png" && format != "svg" {
		return nil, fmt.Errorf("reports: chart format %q: want png or svg", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	cd, err := loadChartData(run)
	if err != nil {
		return nil, err
	}
	type job struct {
		cf   ChartFile
		draw func(format string) ([]byte, error)
	}
	var jobs []job
	add := func(group, kind, item, title, name string, draw func(string) ([]byte, error)) {
		jobs = append(jobs, job{ChartFile{Group: group, Kind: kind, Item: item, Title: title,
			Path: name + "." + format}, draw})
	}
	if len(cd.opItems) > 0 {
		add("Test", "information", "", "Test information and CSEM", "test_information", cd.informationChart)
	}
	if len(cd.theta) > 0 && len(cd.items) > 0 {
		add("Test", "wright_map", "", "Person–item map", "wright_map", cd.wrightChart)
	}
	if len(cd.raw) > 0 {
		add("Scores", "raw_scores", "", "Raw-score distribution", "raw_scores", cd.rawChart)
	}
	if len(cd.scale) > 0 {
		add("Scores", "scale_scores", "", "Scale-score distribution", "scale_scores", cd.scaleChart)
	}
	if run.Projection != nil {
		add("Scores", "pass_rate", "", "Pass rate by cut score", "pass_rate", cd.passRateChart)
	}
	if run.Domains != nil {
		add("Test", "domains", "", "Domain summary", "domains", cd.domainChart)
	}
	used := map[string]bool{}
	for _, id := range cd.itemOrder {
		base := chartFileName(id)
		for k := 2; used[base]; k++ {
			base = chartFileName(id) + "-" + fmt.Sprint(k)
		}
		used[base] = true
		id := id
		if _, ok := cd.items[id]; ok {
			add("Items", "icc", id, "Item "+id+": characteristic curve", "items/"+base+"_icc",
				func(f string) ([]byte, error) { return cd.iccChart(id, f) })
		}
		if len(cd.options[id]) > 0 {
			add("Items", "options", id, "Item "+id+": option trace lines", "items/"+base+"_options",
				func(f string) ([]byte, error) { return cd.optionsChart(id, f) })
		}
	}
	if len(jobs) > 0 && jobs[len(jobs)-1].cf.Group == "Items" {
		if err := os.MkdirAll(filepath.Join(dir, "items"), 0o755); err != nil {
			return nil, fmt.Errorf("reports: %w", err)
		}
	}
	// Worker pool over the jobs; errors are reported in job order.
	errs := make([]error, len(jobs))
	skipped := make([]bool, len(jobs)) // nothing to draw: no file, no entry
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), max(len(jobs), 1)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				b, err := jobs[i].draw(format)
				if errors.Is(err, errNoChartData) {
					skipped[i] = true
					continue
				}
				if err == nil {
					p := filepath.Join(dir, filepath.FromSlash(jobs[i].cf.Path))
					err = writeFileAtomic(p, func(w *bufio.Writer) error { _, err := w.Write(b); return err })
				}
				if err != nil {
					errs[i] = fmt.Errorf("reports: chart %s: %w", jobs[i].cf.Path, err)
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var files []ChartFile
	for i, j := range jobs {
		if errs[i] != nil {
			return files, errs[i]
		}
		if !skipped[i] {
			files = append(files, j.cf)
		}
	}
	if err := writeFileAtomic(filepath.Join(dir, "index.html"), func(w *bufio.Writer) error {
		return writeChartIndex(w, run, files)
	}); err != nil {
		return files, err
	}
	return files, nil
}

// chartFileName makes an item id safe as a file name.
func chartFileName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "item"
	}
	return s
}

// chartItem is an item's parameters from params.csv.
type chartItem struct {
	id, model, status string
	a, b, c, d        float64
}

func (it chartItem) prob(theta float64) float64 {
	return it.c + (1-it.c)/(1+math.Exp(-(it.a*theta+it.d)))
}

// info is the item information a²·(P−c)²/(1−c)²·(1−P)/P.
func (it chartItem) info(theta float64) float64 {
	ps := 1 / (1 + math.Exp(-(it.a*theta + it.d)))
	p := it.c + (1-it.c)*ps
	dp := (1 - it.c) * it.a * ps * (1 - ps)
	if p <= 0 || p >= 1 {
		return 0
	}
	return dp * dp / (p * (1 - p))
}

// chartPoint is an observed proportion correct in a score group.
type chartPoint struct{ theta, p, n float64 }

// chartData is what the charts read from the run's tables.
type chartData struct {
	run       *Run
	items     map[string]chartItem
	itemOrder []string // item_stats order, then params-only items
	opItems   []chartItem
	theta     []float64 // persons' θ
	raw       []float64 // persons' raw scores
	scale     []float64 // scale scores
	passes    struct{ pass, total int }
	groups    map[string]*passCount // passes by the data's group (Run.Groups)
	thetaCut  float64
	hasCut    bool
	rawCut    float64
	hasRawCut bool
	scaleCut  float64
	empirical map[string][]chartPoint
	options   map[string][]chartOption
	convTheta map[int]float64 // conversion.csv raw → θ
}

// passCount counts candidates and those who passed.
type passCount struct{ pass, total int }

// chartOption is one option's proportions choosing it in the score fifths.
type chartOption struct {
	option string
	key    bool
	q      []float64
}

func loadChartData(r *Run) (*chartData, error) {
	cd := &chartData{run: r, items: map[string]chartItem{}, empirical: map[string][]chartPoint{},
		options: map[string][]chartOption{}, convTheta: map[int]float64{}}
	cd.thetaCut, cd.hasCut = r.Scale.Number("theta_cut")
	cd.rawCut, cd.hasRawCut = runRawCut(r)
	cd.scaleCut = runScaleCut(r)
	status := map[string]string{}
	if t := r.ItemStats; t != nil {
		for i := range t.Rows {
			id := tableCell(t, i, "item_id")
			status[id] = tableCell(t, i, "status")
			cd.itemOrder = append(cd.itemOrder, id)
		}
	}
	seen := map[string]bool{}
	for _, id := range cd.itemOrder {
		seen[id] = true
	}
	// A linked form's curves are drawn with its parameters on the base
	// scale (equate/params.csv), the scale of the conversion table that
	// places the observed points and of the cut.
	params := r.Params
	if linked, _, err := readRunTable(r, reviewLinkedPaths); err == nil && linked != nil {
		params = linked
	}
	if t := params; t != nil {
		for i := range t.Rows {
			it, ok := chartItemAt(t, i)
			if !ok {
				continue // not a dichotomous logistic item: no curve
			}
			it.status = status[it.id]
			cd.items[it.id] = it
			if it.status == "" || it.status == "operational" {
				cd.opItems = append(cd.opItems, it)
			}
			if !seen[it.id] {
				seen[it.id] = true
				cd.itemOrder = append(cd.itemOrder, it.id)
			}
		}
	}
	if t := r.Conversion; t != nil {
		for i := range t.Rows {
			raw, ok1 := tableFloat(t, i, "raw")
			th, ok2 := tableFloat(t, i, "theta")
			if ok1 && ok2 {
				cd.convTheta[int(math.Round(raw))] = th
			}
		}
	}
	// Persons: θ and raw from persons.csv, else scores.csv; scale scores
	// and pass flags from scores.csv.
	readCols := func(file string, cols map[string]*[]float64) error {
		idx := map[string]int{}
		return r.EachRow(file, func(h, rec []string) error {
			if len(idx) == 0 {
				for name := range cols {
					idx[name] = headerIndex(h, name)
				}
				idx[""] = 0
			}
			for name, dst := range cols {
				if k := idx[name]; k >= 0 && k < len(rec) {
					if x, ok := parseRunFloat(rec[k]); ok {
						*dst = append(*dst, x)
					}
				}
			}
			if file == FileScores {
				if k := headerIndex(h, "pass"); k >= 0 && k < len(rec) {
					cd.passes.total++
					passed := false
					if v := strings.ToLower(rec[k]); v == "true" || v == "1" || v == "pass" {
						cd.passes.pass++
						passed = true
					}
					// By the data's group (Run.Groups, in the order of
					// scores.csv, checked by examinee_id).
					if i := cd.passes.total - 1; i < len(r.Groups) && i < len(r.IDs) && len(rec) > 0 && r.IDs[i] == rec[0] && r.Groups[i] != "" {
						if cd.groups == nil {
							cd.groups = map[string]*passCount{}
						}
						g := cd.groups[r.Groups[i]]
						if g == nil {
							g = &passCount{}
							cd.groups[r.Groups[i]] = g
						}
						g.total++
						if passed {
							g.pass++
						}
					}
				}
			}
			return nil
		})
	}
	if r.Has(FilePersons) {
		if err := readCols(FilePersons, map[string]*[]float64{"theta": &cd.theta, "raw": &cd.raw}); err != nil {
			return nil, err
		}
		if err := readCols(FileScores, map[string]*[]float64{"scale_score": &cd.scale}); err != nil {
			return nil, err
		}
	} else if err := readCols(FileScores, map[string]*[]float64{"theta": &cd.theta, "raw": &cd.raw,
		"scale_score": &cd.scale}); err != nil {
		return nil, err
	}
	// Option trace lines from options.csv.
	if t := r.Options; t != nil {
		for i := range t.Rows {
			o := chartOption{option: tableCell(t, i, "option"), key: strings.EqualFold(tableCell(t, i, "is_key"), "true")}
			for q := 1; q <= 9; q++ {
				x, ok := tableFloat(t, i, fmt.Sprintf("q%d", q))
				if !ok {
					break
				}
				o.q = append(o.q, x)
			}
			if len(o.q) > 0 {
				id := tableCell(t, i, "item_id")
				cd.options[id] = append(cd.options[id], o)
			}
		}
	}
	cd.loadEmpirical()
	return cd, nil
}

// loadEmpirical gathers the observed proportions correct by score group:
// the key rows of options.csv (q1…q5) placed at the θ of each fifth's mean
// raw score, with the fifths of the persons' raw scores and θ from
// conversion.csv.
func (cd *chartData) loadEmpirical() {
	if len(cd.raw) == 0 || len(cd.convTheta) == 0 {
		return
	}
	groups := 0
	for _, opts := range cd.options {
		for _, o := range opts {
			groups = max(groups, len(o.q))
		}
	}
	if groups == 0 {
		return
	}
	raws := append([]float64(nil), cd.raw...)
	sort.Float64s(raws)
	N := len(raws)
	pts := make([]chartPoint, groups)
	for g := 0; g < groups; g++ {
		lo, hi := g*N/groups, (g+1)*N/groups
		if hi <= lo {
			return
		}
		var s float64
		for _, x := range raws[lo:hi] {
			s += x
		}
		m := s / float64(hi-lo)
		th, ok := cd.thetaAtRaw(m)
		if !ok {
			return
		}
		pts[g] = chartPoint{theta: th, n: float64(hi - lo)}
	}
	for id, opts := range cd.options {
		p := make([]float64, groups)
		any := false
		for _, o := range opts {
			if o.key && len(o.q) == groups {
				for g := range p {
					p[g] += o.q[g]
				}
				any = true
			}
		}
		if !any {
			continue
		}
		for g := range pts {
			pt := pts[g]
			pt.p = math.Min(p[g], 1)
			cd.empirical[id] = append(cd.empirical[id], pt)
		}
	}
}

// thetaAtRaw interpolates conversion.csv's θ at a (fractional) raw score.
func (cd *chartData) thetaAtRaw(x float64) (float64, bool) {
	k := int(math.Floor(x))
	t0, ok0 := cd.convTheta[k]
	t1, ok1 := cd.convTheta[k+1]
	switch {
	case ok0 && ok1:
		return t0 + (x-float64(k))*(t1-t0), true
	case ok0:
		return t0, true
	case ok1:
		return t1, true
	}
	return 0, false
}

// chartRender draws onto a canvas of w × h in format and returns the file.
func chartRender(w, h vg.Length, format string, draw func(dc draw.Canvas)) ([]byte, error) {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(ChartDPI))}
	case "svg":
		c = vgsvg.New(w, h)
	default:
		return nil, fmt.Errorf("format %q: want png or svg", format)
	}
	if err := chartDrawSafely(func() { draw(newChartCanvas(c)) }); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newChartCanvas(c vg.CanvasSizer) draw.Canvas { return draw.New(c) }

// chartDrawSafely turns a panic inside gonum/plot (e.g. a degenerate range)
// into an error.
func chartDrawSafely(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing: %v", r)
		}
	}()
	f()
	return nil
}

// newChartPlot returns a plot with itemlab's look: title, axis labels and a
// light grid.
func newChartPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = chartFont(12)
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Label.TextStyle.Font = chartFont(10)
	p.Y.Label.TextStyle.Font = chartFont(10)
	p.X.Tick.Label.Font = chartFont(9)
	p.Y.Tick.Label.Font = chartFont(9)
	p.X.Tick.Marker = chartTicks{}
	p.Y.Tick.Marker = chartTicks{}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xe0}
	g.Horizontal.Color = color.Gray{0xe0}
	p.Add(g)
	return p
}

// chartLegend is a legend drawn in its own strip right of the plot, so it
// never covers data.
type chartLegend struct {
	leg plot.Legend
}

func newChartLegend() *chartLegend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font = chartFont(9)
	l.ThumbnailWidth = vg.Points(18)
	l.Padding = vg.Points(3.5)
	return &chartLegend{leg: l}
}

func (l *chartLegend) add(name string, th ...plot.Thumbnailer) { l.leg.Add(name, th...) }

// chartWithLegend draws p with the legend l in a strip on the right.
func chartWithLegend(dc draw.Canvas, p *plot.Plot, l *chartLegend) {
	if l == nil {
		p.Draw(dc)
		return
	}
	plotC := dc
	plotC.Max.X -= chartLegendWidth
	p.Draw(plotC)
	legC := dc
	legC.Min.X = plotC.Max.X + vg.Points(6)
	// Align the legend's top with the data area's top.
	legC.Max.Y = p.DataCanvas(plotC).Max.Y
	l.leg.Draw(legC)
}

// chartVLine is a vertical line across the whole data area at X (a cut
// score, named in the legend); it does not widen the y range.
type chartVLine struct {
	X     float64
	Style draw.LineStyle
}

func newChartVLine(x float64) *chartVLine {
	return &chartVLine{X: x, Style: draw.LineStyle{Color: chartCutColor,
		Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}}
}

func (l *chartVLine) Plot(c draw.Canvas, p *plot.Plot) {
	if l.X < p.X.Min || l.X > p.X.Max {
		return
	}
	tx, _ := p.Transforms(&c)
	x := tx(l.X)
	c.StrokeLine2(l.Style, x, c.Min.Y, x, c.Max.Y)
}

func (l *chartVLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return l.X, l.X, math.Inf(1), math.Inf(-1)
}

func (l *chartVLine) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.Style, c.Min.X, y, c.Max.X, y)
}

// chartHLine is a horizontal line across the data area at Y.
type chartHLine struct {
	Y     float64
	Label string
	Style draw.LineStyle
}

func (l *chartHLine) Plot(c draw.Canvas, p *plot.Plot) {
	if l.Y < p.Y.Min || l.Y > p.Y.Max {
		return
	}
	_, ty := p.Transforms(&c)
	y := ty(l.Y)
	c.StrokeLine2(l.Style, c.Min.X, y, c.Max.X, y)
	if l.Label != "" {
		sty := chartTextStyle(8, l.Style.Color)
		sty.XAlign = draw.XLeft
		sty.YAlign = draw.YBottom
		c.FillText(sty, vg.Point{X: c.Min.X + vg.Points(3), Y: y + vg.Points(2)}, l.Label)
	}
}

func (l *chartHLine) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), l.Y, l.Y
}

func (l *chartHLine) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.Style, c.Min.X, y, c.Max.X, y)
}

// chartNote is text placed in the data area at fractions (fx, fy) of its
// width and height from the bottom left, on a white box.
type chartNote struct {
	FX, FY float64
	Lines  []string
	Align  draw.XAlignment
	Size   float64
}

func (n *chartNote) Plot(c draw.Canvas, _ *plot.Plot) {
	sty := chartTextStyle(n.Size, color.Black)
	sty.XAlign = n.Align
	sty.YAlign = draw.YTop
	txt := strings.Join(n.Lines, "\n")
	x := c.Min.X + vg.Length(n.FX)*(c.Max.X-c.Min.X)
	y := c.Min.Y + vg.Length(n.FY)*(c.Max.Y-c.Min.Y)
	r := sty.Rectangle(txt)
	box := vg.Rectangle{Min: vg.Point{X: x + r.Min.X - vg.Points(3), Y: y + r.Min.Y - vg.Points(2)},
		Max: vg.Point{X: x + r.Max.X + vg.Points(3), Y: y + r.Max.Y + vg.Points(2)}}
	c.SetColor(color.NRGBA{0xff, 0xff, 0xff, 0xe0})
	c.Fill(box.Path())
	c.FillText(sty, vg.Point{X: x, Y: y}, txt)
}

func chartTextStyle(size float64, col color.Color) text.Style {
	return text.Style{Color: col, Font: chartFont(size), Handler: plot.DefaultTextHandler}
}

// chartFont is Liberation Sans (shipped with gonum/plot) at size points.
func chartFont(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
}

// chartTicks puts about eight labelled ticks at steps of 1, 2 or 5 × 10^k,
// with a minor tick between them; Percent labels proportions as
// percentages, NoLabels keeps the ticks but drops their labels.
type chartTicks struct {
	Percent, NoLabels bool
	Integer           bool // counts: steps of at least 1
}

func (t chartTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 8
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw*0.999 {
			step = m * mag
			break
		}
	}
	if t.Integer && step < 1 {
		step = 1
	}
	scale, suffix := 1.0, ""
	if t.Percent {
		scale, suffix = 100, "%"
	}
	dec := max(0, int(-math.Floor(math.Log10(step*scale)+1e-9)))
	var ts []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		label := strconv.FormatFloat(v*scale, 'f', dec, 64) + suffix
		if t.NoLabels {
			label = ""
		}
		ts = append(ts, plot.Tick{Value: v, Label: label})
		if m := v + step/2; m <= hi && !(t.Integer && step == 1) {
			ts = append(ts, plot.Tick{Value: m})
		}
	}
	if m := math.Ceil(lo/step-1e-9)*step - step/2; m >= lo && !(t.Integer && step == 1) {
		ts = append(ts, plot.Tick{Value: m})
	}
	return ts
}

// chartLine is a line through xs, ys in colour col.
func chartLine(xs, ys []float64, col color.Color, width float64, dashes ...vg.Length) (*plotter.Line, error) {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = col
	l.Width = vg.Points(width)
	l.Dashes = dashes
	return l, nil
}

// chartGridTheta is θ from lo to hi in n steps.
func chartGridTheta(lo, hi float64, n int) []float64 {
	xs := make([]float64, n+1)
	for i := range xs {
		xs[i] = lo + (hi-lo)*float64(i)/float64(n)
	}
	return xs
}

func chartPct(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }

var errNoChartData = errors.New("no data to draw")

// writeChartIndex writes a static HTML page listing and embedding files,
// grouped.
func writeChartIndex(w io.Writer, run *Run, files []ChartFile) error {
	type group struct {
		Name  string
		Files []ChartFile
	}
	var groups []group
	for _, name := range []string{"Test", "Scores", "Items"} {
		g := group{Name: name}
		for _, f := range files {
			if f.Group == name {
				g.Files = append(g.Files, f)
			}
		}
		if len(g.Files) > 0 {
			groups = append(groups, g)
		}
	}
	title := "itemlab charts"
	if run.Manifest != nil && run.Manifest.Options["exam"] != "" {
		title += ": " + run.Manifest.Options["exam"]
	}
	return chartIndexTemplate.Execute(w, struct {
		Title  string
		Groups []group
	}{title, groups})
}

var chartIndexTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; color: #222; }
nav a { margin-right: 1em; }
figure { display: inline-block; margin: 0 1em 1.5em 0; vertical-align: top; }
figure img { width: 480px; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<nav>{{range .Groups}}<a href="#{{.Name}}">{{.Name}} ({{len .Files}})</a>{{end}}</nav>
{{range .Groups}}<h2 id="{{.Name}}">{{.Name}}</h2>
{{range .Files}}<figure><a href="{{.Path}}"><img src="{{.Path}}" alt="{{.Title}}" loading="lazy"></a><figcaption>{{.Title}}</figcaption></figure>
{{end}}{{end}}</body>
</html>
`))

// chartItemAt reads row i of a params table: a, b or d, c; a Rasch item
// without a has a = 1; d = −a·b or b = −d/a for the one absent. ok is false
// for a row that is not a dichotomous logistic item.
func chartItemAt(t *Table, i int) (chartItem, bool) {
	it := chartItem{id: tableCell(t, i, "item_id"), model: strings.ToLower(tableCell(t, i, "model"))}
	var okA, okB, okD bool
	it.a, okA = tableFloat(t, i, "a")
	it.b, okB = tableFloat(t, i, "b")
	it.d, okD = tableFloat(t, i, "d")
	it.c, _ = tableFloat(t, i, "c")
	if !okA && (it.model == "rasch" || it.model == "1pl") {
		it.a, okA = 1, true
	}
	if !okA || (!okB && !okD) {
		return it, false
	}
	if !okD {
		it.d = -it.a * it.b
	}
	if !okB && it.a != 0 {
		it.b = -it.d / it.a
	}
	return it, true
}
