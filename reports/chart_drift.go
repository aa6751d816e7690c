package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// DriftPoint is one administration's estimate of an item's b on the bank
// scale, with its standard error.
type DriftPoint struct {
	Label string // the administration, e.g. its form and date
	B, SE float64
}

// DriftChart draws an item's b over its administrations, in order, each
// with a ±2 SE bar, and the item's bank b (NaN: none) as a dashed line:
// the chart of `itemlab bank drift`. Flagged says the drift screen flagged
// a step, which the title repeats.
func DriftChart(item string, bankB float64, pts []DriftPoint, flagged bool, format string) ([]byte, error) {
	title := fmt.Sprintf("%s: b across administrations", item)
	if flagged {
		title += " (drift flagged)"
	}
	p := newChartPlot(title, "administration", "b (bank scale), ±2 SE")
	var ticks []plot.Tick
	xy := make(plotter.XYs, 0, len(pts))
	for k, pt := range pts {
		x := float64(k + 1)
		ticks = append(ticks, plot.Tick{Value: x, Label: pt.Label})
		if math.IsNaN(pt.B) {
			continue
		}
		xy = append(xy, plotter.XY{X: x, Y: pt.B})
		if pt.SE > 0 {
			bar, err := chartLine([]float64{x, x}, []float64{pt.B - 2*pt.SE, pt.B + 2*pt.SE}, chartBlue, 1)
			if err != nil {
				return nil, err
			}
			p.Add(bar)
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Min, p.X.Max = 0.5, float64(len(pts))+0.5
	if len(xy) > 1 {
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = chartAlpha(chartBlue, 0x80), vg.Points(1)
		p.Add(l)
	}
	if len(xy) > 0 {
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, err
		}
		s.GlyphStyle.Color, s.GlyphStyle.Radius, s.GlyphStyle.Shape = chartBlue, vg.Points(3), draw.CircleGlyph{}
		p.Add(s)
	}
	if !math.IsNaN(bankB) {
		l, err := chartLine([]float64{0.5, float64(len(pts)) + 0.5}, []float64{bankB, bankB}, chartRed, 1, vg.Points(4), vg.Points(3))
		if err != nil {
			return nil, err
		}
		p.Add(l)
		p.Legend.Add("bank b", l)
		p.Legend.Top = true
		p.Legend.TextStyle.Font = chartFont(9)
	}
	return chartRender(16*vg.Centimeter, 10*vg.Centimeter, format, func(dc draw.Canvas) { p.Draw(dc) })
}

// SafeFileName is an item id as a file name: letters, digits, '-', '_'
// and '.' kept, anything else '_' (the charts' naming).
func SafeFileName(id string) string { return chartFileName(id) }
