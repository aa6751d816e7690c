package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg/draw"
)

// wrightChart is the person–item map: the histogram of persons' θ
// (persons.csv) above the histogram of item difficulties b (params.csv,
// operational and pretest items in different colours) on a shared θ axis,
// the cut θ marked in both.
func (cd *chartData) wrightChart(format string) ([]byte, error) {
	var opB, ptB []float64
	for _, id := range cd.itemOrder {
		it, ok := cd.items[id]
		if !ok || math.IsNaN(it.b) || math.IsInf(it.b, 0) {
			continue
		}
		if it.status == "pretest" {
			ptB = append(ptB, it.b)
		} else {
			opB = append(opB, it.b)
		}
	}
	lo, hi := -3.0, 3.0
	for _, xs := range [][]float64{cd.theta, opB, ptB} {
		for _, x := range xs {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	lo, hi = math.Max(math.Floor(lo*2)/2, -6), math.Min(math.Ceil(hi*2)/2, 6)
	const width = 0.25
	n := int(math.Round((hi - lo) / width))

	top := newChartPlot("Person–item map", "", "candidates")
	top.Y.Tick.Marker = chartTicks{Integer: true}
	ph := chartHistogram(cd.theta, lo, width, n, nil, chartFailFill)
	top.Add(ph)
	leg := newChartLegend()
	leg.add(fmt.Sprintf("candidates' θ (%d)", len(cd.theta)), ph)

	bot := newChartPlot("", "θ and item difficulty b (logits)", "items")
	bot.Y.Tick.Marker = chartTicks{Integer: true}
	oh := chartHistogram(opB, lo, width, n, nil, chartBlue)
	bot.Add(oh)
	leg.add(fmt.Sprintf("operational b (%d)", len(opB)), oh)
	if len(ptB) > 0 {
		// Pretest items stacked above the operational ones in each bin.
		bins := chartHistogram(ptB, lo, width, n, nil, chartOrange)
		for k := range bins.Bins {
			bins.Bins[k].Weight += oh.Bins[k].Weight
		}
		bot.Add(bins)
		bot.Add(oh) // redraw operational bars on top
		leg.add(fmt.Sprintf("pretest b (%d)", len(ptB)), bins)
	}
	for _, p := range []*plot.Plot{top, bot} {
		p.X.Min, p.X.Max = lo, hi
		p.Y.Min = 0
		p.Y.Max *= 1.1
	}
	top.X.Tick.Marker = chartTicks{NoLabels: true}
	if cd.hasCut {
		c1 := newChartVLine(cd.thetaCut)
		top.Add(c1)
		bot.Add(newChartVLine(cd.thetaCut))
		leg.add(fmt.Sprintf("cut θ = %.2f", cd.thetaCut), c1)
	}
	return chartRender(chartWidth, chartTallHeight, format, func(dc draw.Canvas) {
		chartStacked(dc, []*plot.Plot{top, bot}, leg)
	})
}
