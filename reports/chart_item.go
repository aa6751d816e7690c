package reports

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Option trace colours: the key in one dark colour on every chart, the
// distractors from the rest of the palette.
var (
	chartKeyColor         = color.NRGBA{0x1f, 0x38, 0x64, 0xff}
	chartDistractorColors = []color.Color{chartOrange, chartRed, chartPurple, chartBrown, chartPink, chartOlive, chartCyan}
)

// chartErrPoints are observed proportions with binomial error bars.
type chartErrPoints struct {
	plotter.XYs
	plotter.YErrors
}

// iccChart draws the model item characteristic curve
//
//	P(θ) = c + (1 − c) / (1 + exp(−(a·θ + d)))
//
// from params.csv with the observed proportions correct in score groups
// and their 95 % binomial intervals p ± 1.96·√(p(1 − p)/n).
func (cd *chartData) iccChart(id, format string) ([]byte, error) {
	it := cd.items[id]
	lo, hi := -4.0, 4.0
	pts := cd.empirical[id]
	for _, pt := range pts {
		lo, hi = math.Min(lo, pt.theta-0.2), math.Max(hi, pt.theta+0.2)
	}
	lo, hi = math.Max(lo, -6), math.Min(hi, 6)
	status := ""
	if it.status != "" {
		status = " (" + it.status + ")"
	}
	p := newChartPlot(fmt.Sprintf("Item %s%s: characteristic curve", id, status),
		"ability θ (logits)", "probability of a correct answer")
	p.X.Min, p.X.Max = lo, hi
	p.Y.Min, p.Y.Max = 0, 1
	leg := newChartLegend()

	xs := chartGridTheta(lo, hi, 240)
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = it.prob(x)
	}
	curve, err := chartLine(xs, ys, chartBlue, 2)
	if err != nil {
		return nil, err
	}
	p.Add(curve)
	model := strings.ToUpper(it.model)
	switch model {
	case "":
		model = "IRT"
	case "RASCH":
		model = "Rasch"
	}
	leg.add("model ("+model+")", curve)

	if len(pts) > 0 {
		ep := chartErrPoints{XYs: make(plotter.XYs, len(pts)), YErrors: make(plotter.YErrors, len(pts))}
		for i, pt := range pts {
			ep.XYs[i] = plotter.XY{X: pt.theta, Y: pt.p}
			h := 0.0
			if pt.n > 0 {
				h = 1.96 * math.Sqrt(pt.p*(1-pt.p)/pt.n)
			}
			ep.YErrors[i].Low = math.Min(h, pt.p)
			ep.YErrors[i].High = math.Min(h, 1-pt.p)
		}
		bars, err := plotter.NewYErrorBars(ep)
		if err != nil {
			return nil, err
		}
		bars.Color = color.Black
		bars.Width = vg.Points(0.8)
		bars.CapWidth = vg.Points(5)
		sc, err := plotter.NewScatter(ep.XYs)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		p.Add(bars, sc)
		leg.add("observed ± 95% CI", sc, chartErrThumb{})
	}
	if cd.hasCut {
		cut := newChartVLine(cd.thetaCut)
		p.Add(cut)
		leg.add(fmt.Sprintf("cut θ = %.2f", cd.thetaCut), cut)
	}
	note := &chartNote{FX: 0.02, FY: 0.98, Align: draw.XLeft, Size: 8.5,
		Lines: []string{fmt.Sprintf("a = %.2f", it.a), fmt.Sprintf("b = %.2f", it.b)}}
	if it.c != 0 || it.model == "3pl" {
		note.Lines = append(note.Lines, fmt.Sprintf("c = %.2f", it.c))
	}
	if it.a < 0 { // a falling curve fills the top left
		note.FX, note.Align = 0.98, draw.XRight
	}
	p.Add(note)
	return chartRender(chartWidth, chartHeight, format, func(dc draw.Canvas) { chartWithLegend(dc, p, leg) })
}

// optionsChart draws each option's proportion of choosers across the score
// groups of options.csv (q1 lowest … q5 highest): the key solid and thick,
// distractors dashed, omits dotted.
func (cd *chartData) optionsChart(id, format string) ([]byte, error) {
	opts := cd.options[id]
	groups := 0
	for _, o := range opts {
		groups = max(groups, len(o.q))
	}
	status := ""
	if it, ok := cd.items[id]; ok && it.status != "" {
		status = " (" + it.status + ")"
	} else if cd.run.ItemStats != nil {
		for i := range cd.run.ItemStats.Rows {
			if tableCell(cd.run.ItemStats, i, "item_id") == id {
				if s := tableCell(cd.run.ItemStats, i, "status"); s != "" {
					status = " (" + s + ")"
				}
			}
		}
	}
	p := newChartPlot(fmt.Sprintf("Item %s%s: option trace lines", id, status),
		fmt.Sprintf("operational-score group (%d groups of equal size)", groups), "proportion choosing the option")
	p.X.Min, p.X.Max = 0.8, float64(groups)+0.2
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = chartTicks{Percent: true}
	var ticks []plot.Tick
	for g := 1; g <= groups; g++ {
		label := fmt.Sprint(g)
		switch g {
		case 1:
			label = "1 (low)"
		case groups:
			label = fmt.Sprintf("%d (high)", g)
		}
		ticks = append(ticks, plot.Tick{Value: float64(g), Label: label})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	leg := newChartLegend()
	k := 0
	for _, o := range opts {
		if len(o.q) == 0 {
			continue
		}
		xs := make([]float64, len(o.q))
		for g := range xs {
			xs[g] = float64(g + 1)
		}
		col := chartDistractorColors[k%len(chartDistractorColors)]
		width := 1.3
		dashes := []vg.Length{vg.Points(5), vg.Points(3)}
		glyph := draw.GlyphDrawer(draw.CircleGlyph{})
		name := o.option
		switch {
		case o.key:
			width, dashes, name = 2.8, nil, o.option+" (key)"
			glyph, col = draw.BoxGlyph{}, chartKeyColor
		case o.option == "omit" || o.option == "":
			col = chartGray
			dashes = []vg.Length{vg.Points(1.5), vg.Points(2)}
			name = "omit"
		}
		if !o.key && o.option != "omit" && o.option != "" {
			k++
		}
		line, err := chartLine(xs, o.q, col, width, dashes...)
		if err != nil {
			return nil, err
		}
		pts := make(plotter.XYs, len(xs))
		for g := range xs {
			pts[g] = plotter.XY{X: xs[g], Y: o.q[g]}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.4), Shape: glyph}
		p.Add(line, sc)
		leg.add(name, line, sc)
	}
	return chartRender(chartWidth, chartHeight, format, func(dc draw.Canvas) { chartWithLegend(dc, p, leg) })
}

// chartErrThumb is the legend thumbnail of an error bar.
type chartErrThumb struct{}

func (chartErrThumb) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	h := (c.Max.Y - c.Min.Y) / 2
	y := (c.Min.Y + c.Max.Y) / 2
	sty := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	c.StrokeLine2(sty, x, y-h, x, y+h)
	c.StrokeLine2(sty, x-vg.Points(2.5), y-h, x+vg.Points(2.5), y-h)
	c.StrokeLine2(sty, x-vg.Points(2.5), y+h, x+vg.Points(2.5), y+h)
}
