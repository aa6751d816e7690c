package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ChartBytes is a rendered chart and the file name it is written under.
type ChartBytes struct {
	Name string
	Data []byte
}

// FormComparisonCharts draws, from curves.csv (theta, tif, tcc, csem and the
// base form's base_tif, base_tcc, base_csem), three PNG charts of the new
// form against the base form over θ: tcc.png (expected raw score), tif.png
// (test information) and csem.png (CSEM in scale-score points, slope/√I(θ)), with the cut
// θ marked. A base form without values is left out of the charts.
func FormComparisonCharts(curves *Table, thetaCut float64, name, baseName string) ([]ChartBytes, error) {
	col := func(c string) ([]float64, []float64, bool) {
		var xs, ys []float64
		for i := range curves.Rows {
			x, ok1 := tableFloat(curves, i, "theta")
			y, ok2 := tableFloat(curves, i, c)
			if ok1 && ok2 && !math.IsInf(y, 0) {
				xs, ys = append(xs, x), append(ys, y)
			}
		}
		return xs, ys, len(xs) > 1
	}
	if baseName == "" {
		baseName = "base form"
	}
	specs := []struct {
		file, key, title, y string
	}{
		{"tcc.png", "tcc", "Test characteristic curve", "expected raw score"},
		{"tif.png", "tif", "Test information", "information I(θ)"},
		{"csem.png", "csem", "CSEM", "CSEM (scale points)"},
	}
	var out []ChartBytes
	for _, s := range specs {
		p := newChartPlot(fmt.Sprintf("%s: %s against %s", s.title, name, baseName), "ability θ (logits)", s.y)
		p.X.Min, p.X.Max = -4, 4
		p.Y.Min = 0
		leg := newChartLegend()
		xs, ys, ok := col(s.key)
		if !ok {
			return nil, fmt.Errorf("curves.csv has no %s values", s.key)
		}
		if s.key == "csem" {
			// The CSEM explodes in the tails: clip the axis at 4× its value at the cut.
			p.Y.Max = 4 * ys[len(ys)/2]
			for i := range ys {
				ys[i] = math.Min(ys[i], 1.2*p.Y.Max)
			}
		}
		l, err := chartLine(xs, ys, chartBlue, 2)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		leg.add(name, l)
		if bx, by, ok := col("base_" + s.key); ok {
			if s.key == "csem" {
				for i := range by {
					by[i] = math.Min(by[i], 1.2*p.Y.Max)
				}
			}
			bl, err := chartLine(bx, by, chartOrange, 2, vg.Points(6), vg.Points(3))
			if err != nil {
				return nil, err
			}
			p.Add(bl)
			leg.add(baseName, bl)
		}
		cut := newChartVLine(thetaCut)
		p.Add(cut)
		leg.add(fmt.Sprintf("cut θ = %.2f", thetaCut), cut)
		data, err := chartRender(chartWidth, chartHeight, "png", func(dc draw.Canvas) { chartWithLegend(dc, p, leg) })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.file, err)
		}
		out = append(out, ChartBytes{Name: s.file, Data: data})
	}
	return out, nil
}
