package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// informationChart draws two stacked panels over θ: the test information
// I(θ) = Σ_j I_j(θ) of the operational items in params.csv, and the
// conditional standard error of measurement CSEM(θ) = 1/√I(θ) with the
// CSEM of each raw score from conversion.csv; the cut θ is marked in both.
func (cd *chartData) informationChart(format string) ([]byte, error) {
	lo, hi := -4.0, 4.0
	xs := chartGridTheta(lo, hi, 320)
	info := make([]float64, len(xs))
	csem := make([]float64, len(xs))
	for i, x := range xs {
		for _, it := range cd.opItems {
			info[i] += it.info(x)
		}
		csem[i] = 1 / math.Sqrt(info[i])
	}
	top := newChartPlot(fmt.Sprintf("Test information and CSEM (%d operational items)", len(cd.opItems)),
		"", "information I(θ)")
	top.X.Min, top.X.Max = lo, hi
	top.X.Tick.Marker = chartTicks{NoLabels: true}
	top.Y.Min = 0
	l1, err := chartLine(xs, info, chartBlue, 2)
	if err != nil {
		return nil, err
	}
	top.Add(l1)
	top.Y.Max *= 1.08
	leg := newChartLegend()
	leg.add("test information", l1)

	bot := newChartPlot("", "ability θ (logits)", "CSEM (logits)")
	bot.X.Min, bot.X.Max = lo, hi
	bot.Y.Min = 0
	// Clip the CSEM axis where the curve explodes in the tails.
	mid := csem[len(csem)/2]
	ymax := math.Min(math.Max(4*mid, 1), 3)
	for i := range csem {
		csem[i] = math.Min(csem[i], ymax*1.2)
	}
	bot.Y.Max = ymax
	l2, err := chartLine(xs, csem, chartOrange, 2)
	if err != nil {
		return nil, err
	}
	bot.Add(l2)
	leg.add("CSEM = 1/√I(θ)", l2)
	if cd.run.Conversion != nil {
		var pts plotter.XYs
		t := cd.run.Conversion
		for i := range t.Rows {
			th, ok1 := tableFloat(t, i, "theta")
			se, ok2 := tableFloat(t, i, "csem")
			if ok1 && ok2 && th >= lo && th <= hi && se <= ymax {
				pts = append(pts, plotter.XY{X: th, Y: se})
			}
		}
		if len(pts) > 0 {
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: chartBrown, Radius: vg.Points(2), Shape: draw.CrossGlyph{}}
			bot.Add(sc)
			leg.add("CSEM by raw score", sc)
		}
	}
	if cd.hasCut {
		c1 := newChartVLine(cd.thetaCut)
		c2 := newChartVLine(cd.thetaCut)
		top.Add(c1)
		bot.Add(c2)
		leg.add(fmt.Sprintf("cut θ = %.2f", cd.thetaCut), c1)
	}
	return chartRender(chartWidth, chartTallHeight, format, func(dc draw.Canvas) {
		chartStacked(dc, []*plot.Plot{top, bot}, leg)
	})
}

// chartStacked draws plots one above the other with aligned data areas and
// the legend in a strip on the right.
func chartStacked(dc draw.Canvas, plots []*plot.Plot, leg *chartLegend) {
	plotC := dc
	if leg != nil {
		plotC.Max.X -= chartLegendWidth
	}
	rows := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		rows[i] = []*plot.Plot{p}
	}
	cs := plot.Align(rows, draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(4),
		PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(6)}, plotC)
	for i, p := range plots {
		p.Draw(cs[i][0])
	}
	if leg != nil {
		legC := dc
		legC.Min.X = plotC.Max.X + vg.Points(6)
		legC.Max.Y = plots[0].DataCanvas(cs[0][0]).Max.Y
		leg.leg.Draw(legC)
	}
}
