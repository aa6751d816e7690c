package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var (
	chartFailFill = color.NRGBA{0x9e, 0xb3, 0xc8, 0xff}
	chartPassFill = color.NRGBA{0x6a, 0xb8, 0x6a, 0xff}
)

// chartHistogram counts values into bins [lo + k·width, lo + (k+1)·width),
// k = 0…n−1 (the last bin closed), keeping those with keep(binMin) true.
func chartHistogram(values []float64, lo, width float64, n int, keep func(binMin float64) bool,
	fill color.Color) *plotter.Histogram {
	bins := make([]plotter.HistogramBin, n)
	for k := range bins {
		bins[k].Min = lo + float64(k)*width
		bins[k].Max = bins[k].Min + width
	}
	for _, v := range values {
		k := int(math.Floor((v - lo) / width))
		if k == n && v <= lo+float64(n)*width+1e-9 {
			k = n - 1
		}
		if k >= 0 && k < n {
			bins[k].Weight++
		}
	}
	var kept []plotter.HistogramBin
	for _, b := range bins {
		if keep == nil || keep(b.Min) {
			kept = append(kept, b)
		}
	}
	h := &plotter.Histogram{Bins: kept, Width: width, FillColor: fill,
		LineStyle: draw.LineStyle{Color: color.White, Width: vg.Points(0.5)}}
	return h
}

// observedPass is the observed pass count: the pass column of scores.csv,
// else raw scores at or above the raw cut.
func (cd *chartData) observedPass() (pass, total int, ok bool) {
	if cd.passes.total > 0 {
		return cd.passes.pass, cd.passes.total, true
	}
	if cd.hasRawCut && len(cd.raw) > 0 {
		for _, r := range cd.raw {
			if r >= cd.rawCut {
				pass++
			}
		}
		return pass, len(cd.raw), true
	}
	return 0, 0, false
}

func (cd *chartData) passNote() *chartNote {
	pass, total, ok := cd.observedPass()
	if !ok {
		return nil
	}
	return &chartNote{FX: 0.02, FY: 0.98, Align: draw.XLeft, Size: 9, Lines: []string{
		fmt.Sprintf("observed pass rate %s", chartPct(float64(pass)/float64(total))),
		fmt.Sprintf("(%d of %d candidates)", pass, total)}}
}

// rawChart is the histogram of operational raw scores, one bar per score,
// passing scores in green, the raw cut marked.
func (cd *chartData) rawChart(format string) ([]byte, error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range cd.raw {
		lo, hi = math.Min(lo, r), math.Max(hi, r)
	}
	lo, hi = math.Floor(lo), math.Ceil(hi)
	if cd.run.Conversion != nil && len(cd.convTheta) > 0 { // the whole score range
		for r := range cd.convTheta {
			lo, hi = math.Min(lo, float64(r)), math.Max(hi, float64(r))
		}
	}
	n := int(hi-lo) + 1
	p := newChartPlot(fmt.Sprintf("Raw-score distribution (%d candidates)", len(cd.raw)),
		"operational raw score (items correct)", "candidates")
	p.Y.Tick.Marker = chartTicks{Integer: true}
	leg := newChartLegend()
	if cd.hasRawCut {
		fail := chartHistogram(cd.raw, lo-0.5, 1, n, func(m float64) bool { return m+0.5 < cd.rawCut }, chartFailFill)
		pass := chartHistogram(cd.raw, lo-0.5, 1, n, func(m float64) bool { return m+0.5 >= cd.rawCut }, chartPassFill)
		p.Add(fail, pass)
		leg.add(fmt.Sprintf("fail (raw < %g)", cd.rawCut), fail)
		leg.add(fmt.Sprintf("pass (raw ≥ %g)", cd.rawCut), pass)
		cut := newChartVLine(cd.rawCut - 0.5)
		p.Add(cut)
		leg.add(fmt.Sprintf("raw cut %g", cd.rawCut), cut)
	} else {
		h := chartHistogram(cd.raw, lo-0.5, 1, n, nil, chartFailFill)
		p.Add(h)
		leg.add("candidates", h)
	}
	p.X.Min, p.X.Max = lo-0.5, hi+0.5
	p.Y.Min = 0
	p.Y.Max *= 1.25 // room for the note
	if note := cd.passNote(); note != nil {
		p.Add(note)
	}
	return chartRender(chartWidth, chartHeight, format, func(dc draw.Canvas) { chartWithLegend(dc, p, leg) })
}

// scaleChart is the histogram of scale scores in bins of 10 points from the
// scale's minimum, passing bins in green, the cut (390) marked.
func (cd *chartData) scaleChart(format string) ([]byte, error) {
	smin, ok1 := cd.run.Scale.Number("min")
	smax, ok2 := cd.run.Scale.Number("max")
	if !ok1 || !ok2 || smax <= smin {
		smin, smax = math.Inf(1), math.Inf(-1)
		for _, s := range cd.scale {
			smin, smax = math.Min(smin, s), math.Max(smax, s)
		}
		smin, smax = math.Floor(smin/10)*10, math.Ceil(smax/10)*10
	}
	width := 10.0
	if smax-smin > 600 {
		width = math.Ceil((smax-smin)/60/10) * 10
	}
	n := max(int(math.Ceil((smax-smin)/width)), 1)
	cut := cd.scaleCut
	p := newChartPlot(fmt.Sprintf("Scale-score distribution (%d candidates)", len(cd.scale)),
		fmt.Sprintf("scale score (bins of %g points)", width), "candidates")
	p.Y.Tick.Marker = chartTicks{Integer: true}
	leg := newChartLegend()
	fail := chartHistogram(cd.scale, smin, width, n, func(m float64) bool { return m < cut }, chartFailFill)
	pass := chartHistogram(cd.scale, smin, width, n, func(m float64) bool { return m >= cut }, chartPassFill)
	p.Add(fail, pass)
	leg.add(fmt.Sprintf("fail (< %g)", cut), fail)
	leg.add(fmt.Sprintf("pass (≥ %g)", cut), pass)
	vl := newChartVLine(cut)
	p.Add(vl)
	leg.add(fmt.Sprintf("cut score %g", cut), vl)
	p.X.Min, p.X.Max = smin, smin+float64(n)*width
	p.Y.Min = 0
	p.Y.Max *= 1.25
	if note := cd.passNote(); note != nil {
		p.Add(note)
	}
	return chartRender(chartWidth, chartHeight, format, func(dc draw.Canvas) { chartWithLegend(dc, p, leg) })
}

// passRateChart draws projection.csv's pass rate against the cut score with
// its interval band when the table has pass_rate_lo and pass_rate_hi, the
// scale's cut and the observed pass rate marked.
func (cd *chartData) passRateChart(format string) ([]byte, error) {
	t := cd.run.Projection
	var xs, ys, los, his []float64
	for i := range t.Rows {
		x, ok1 := tableFloat(t, i, "cut_score")
		y, ok2 := tableFloat(t, i, "pass_rate")
		if !ok1 || !ok2 {
			continue
		}
		xs, ys = append(xs, x), append(ys, y)
		lo, okl := tableFloat(t, i, "pass_rate_lo")
		hi, okh := tableFloat(t, i, "pass_rate_hi")
		if okl && okh {
			los, his = append(los, lo), append(his, hi)
		}
	}
	if len(xs) == 0 {
		return nil, errNoChartData
	}
	p := newChartPlot("Projected pass rate by cut score", "cut score (scale points)", "pass rate")
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = chartTicks{Percent: true}
	leg := newChartLegend()
	if len(los) == len(xs) {
		band := make(plotter.XYs, 0, 2*len(xs))
		for i := range xs {
			band = append(band, plotter.XY{X: xs[i], Y: his[i]})
		}
		for i := len(xs) - 1; i >= 0; i-- {
			band = append(band, plotter.XY{X: xs[i], Y: los[i]})
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		poly.Color = chartAlpha(chartBlue, 0x40)
		poly.LineStyle.Width = 0
		p.Add(poly)
		leg.add("interval", poly)
	}
	line, err := chartLine(xs, ys, chartBlue, 2)
	if err != nil {
		return nil, err
	}
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle = draw.GlyphStyle{Color: chartBlue, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
	p.Add(line, sc)
	leg.add("projected pass rate", line, sc)
	cut := cd.scaleCut
	vl := newChartVLine(cut)
	p.Add(vl)
	leg.add(fmt.Sprintf("cut score %g", cut), vl)
	if rate, _, ok := projectedPassRate(cd.run); ok {
		lines := []string{fmt.Sprintf("projected at %g: %s", cut, chartPct(rate))}
		if pass, total, ok := cd.observedPass(); ok {
			lines = append(lines, fmt.Sprintf("observed: %s", chartPct(float64(pass)/float64(total))))
		}
		p.Add(&chartNote{FX: 0.98, FY: 0.98, Align: draw.XRight, Size: 9, Lines: lines})
	}
	if pass, total, ok := cd.observedPass(); ok {
		obs := float64(pass) / float64(total)
		hl := &chartHLine{Y: obs, Label: "", Style: draw.LineStyle{Color: chartGreen, Width: vg.Points(1.2),
			Dashes: []vg.Length{vg.Points(2), vg.Points(2)}}}
		p.Add(hl)
		leg.add("observed pass rate", hl)
	}
	p.X.Min, p.X.Max = math.Min(xs[0], cut), math.Max(xs[len(xs)-1], cut)
	return chartRender(chartWidth, chartHeight, format, func(dc draw.Canvas) { chartWithLegend(dc, p, leg) })
}

// domainChart draws each domain's mean percent correct (domains.csv mean /
// items) as a bar, annotated with the domain's alpha.
func (cd *chartData) domainChart(format string) ([]byte, error) {
	t := cd.run.Domains
	var vals plotter.Values
	var names []string
	var labels []string
	for i := range t.Rows {
		m, ok1 := tableFloat(t, i, "mean")
		k, ok2 := tableFloat(t, i, "items")
		if !ok1 || !ok2 || k <= 0 {
			continue
		}
		vals = append(vals, m/k)
		names = append(names, chartWrap(tableCell(t, i, "domain"), 14))
		lab := fmt.Sprintf("%.0f%%", 100*m/k)
		if a, ok := tableFloat(t, i, "alpha"); ok {
			lab += fmt.Sprintf("\nα = %.2f", a)
		}
		lab += fmt.Sprintf("\n%g items", k)
		labels = append(labels, lab)
	}
	if len(vals) == 0 {
		return nil, errNoChartData
	}
	p := newChartPlot("Domain summary: mean percent correct", "", "mean percent correct")
	bars, err := plotter.NewBarChart(vals, vg.Points(math.Min(70, 280/float64(len(vals)))))
	if err != nil {
		return nil, err
	}
	bars.Color = chartBlue
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(names...)
	p.X.Tick.Label.Font = chartFont(9)
	p.X.Min, p.X.Max = -0.6, float64(len(vals))-0.4
	p.Y.Min, p.Y.Max = 0, 1.2
	p.Y.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ts []plot.Tick
		for v := 0.0; v <= 1.0001; v += 0.2 {
			ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f%%", 100*v)})
		}
		return ts
	})
	xy := make(plotter.XYs, len(vals))
	for i, v := range vals {
		xy[i] = plotter.XY{X: float64(i), Y: v + 0.02}
	}
	lbl, err := plotter.NewLabels(plotter.XYLabels{XYs: xy, Labels: labels})
	if err != nil {
		return nil, err
	}
	for i := range lbl.TextStyle {
		lbl.TextStyle[i].XAlign = draw.XCenter
		lbl.TextStyle[i].YAlign = draw.YBottom
		lbl.TextStyle[i].Font = chartFont(8.5)
	}
	p.Add(lbl)
	return chartRender(chartWidth, chartHeight, format, func(dc draw.Canvas) { p.Draw(dc) })
}

// chartWrap breaks s into lines of at most n characters at spaces.
func chartWrap(s string, n int) string {
	var out, line []rune
	for _, w := range splitWords(s) {
		if len(line) > 0 && len(line)+1+len([]rune(w)) > n {
			out = append(append(out, line...), '\n')
			line = nil
		}
		if len(line) > 0 {
			line = append(line, ' ')
		}
		line = append(line, []rune(w)...)
	}
	return string(append(out, line...))
}

func splitWords(s string) []string {
	var ws []string
	cur := []rune{}
	for _, r := range s {
		if r == ' ' {
			if len(cur) > 0 {
				ws = append(ws, string(cur))
			}
			cur = cur[:0]
			continue
		}
		cur = append(cur, r)
		if r == '/' { // Revenue Cycle/Finance breaks after the slash
			ws = append(ws, string(cur))
			cur = cur[:0]
		}
	}
	if len(cur) > 0 {
		ws = append(ws, string(cur))
	}
	return ws
}
