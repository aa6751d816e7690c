package reports

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// svgPlot is the small SVG writer of the review page: one data area with
// linear axes, drawn with shared CSS classes (the page's style sheet gives
// the colours), coordinates rounded to 0.1 px so the files stay small and
// byte-identical from run to run. The zero value is not usable; use
// newSVGPlot.
type svgPlot struct {
	w, h                     float64 // view box in px
	left, right, top, bottom float64 // data area in px
	x0, x1, y0, y1           float64 // data range
	b                        strings.Builder
	legend                   []svgLegendEntry
}

type svgLegendEntry struct{ class, shape, label string }

// newSVGPlot starts a w × h chart whose data area leaves room for tick
// labels and axis titles; x0…x1, y0…y1 is the data range.
func newSVGPlot(w, h, x0, x1, y0, y1 float64) *svgPlot {
	return &svgPlot{w: w, h: h, left: 46, right: w - 12, top: 22, bottom: h - 34,
		x0: x0, x1: x1, y0: y0, y1: y1}
}

// sub returns a plot sharing p's buffer over the vertical band top…bottom
// (px), for stacked panels with one x axis.
func (p *svgPlot) panel(top, bottom, y0, y1 float64) *svgPlot {
	q := *p
	q.b = strings.Builder{}
	q.top, q.bottom, q.y0, q.y1 = top, bottom, y0, y1
	q.legend = nil
	return &q
}

// X and Y map data to px.
func (p *svgPlot) X(x float64) float64 {
	return p.left + (x-p.x0)/(p.x1-p.x0)*(p.right-p.left)
}

func (p *svgPlot) Y(y float64) float64 {
	return p.bottom - (y-p.y0)/(p.y1-p.y0)*(p.bottom-p.top)
}

// svgNum formats a px coordinate rounded to 0.1.
func svgNum(v float64) string {
	v = math.Round(v*10) / 10
	if v == 0 || math.IsNaN(v) {
		return "0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func (p *svgPlot) raw(format string, args ...any) { fmt.Fprintf(&p.b, format, args...) }

// clampY keeps a px y inside the data area.
func (p *svgPlot) clampY(y float64) float64 { return math.Max(p.top, math.Min(p.bottom, y)) }

// path draws a polyline through the data points (xs[i], ys[i]) in class;
// non-finite points break the line; y is clipped to the data area.
func (p *svgPlot) path(class string, xs, ys []float64) {
	var d strings.Builder
	pen := false
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) || math.IsNaN(xs[i]) {
			pen = false
			continue
		}
		if pen {
			d.WriteByte('L')
		} else {
			d.WriteByte('M')
		}
		d.WriteString(svgNum(p.X(xs[i])))
		d.WriteByte(' ')
		d.WriteString(svgNum(p.clampY(p.Y(ys[i]))))
		pen = true
	}
	if d.Len() > 0 {
		p.raw(`<path class="%s" d="%s"/>`, class, d.String())
	}
}

// area fills between lo and hi over xs.
func (p *svgPlot) area(class string, xs, lo, hi []float64) {
	var d strings.Builder
	for i := range xs {
		if i == 0 {
			d.WriteByte('M')
		} else {
			d.WriteByte('L')
		}
		d.WriteString(svgNum(p.X(xs[i])) + " " + svgNum(p.clampY(p.Y(hi[i]))))
	}
	for i := len(xs) - 1; i >= 0; i-- {
		d.WriteString("L" + svgNum(p.X(xs[i])) + " " + svgNum(p.clampY(p.Y(lo[i]))))
	}
	if d.Len() > 0 {
		p.raw(`<path class="%s" d="%sZ"/>`, class, d.String())
	}
}

// vline and hline cross the data area at a data x or y.
func (p *svgPlot) vline(class string, x float64) {
	if x < p.x0 || x > p.x1 {
		return
	}
	X := svgNum(p.X(x))
	p.raw(`<path class="%s" d="M%s %sV%s"/>`, class, X, svgNum(p.top), svgNum(p.bottom))
}

func (p *svgPlot) hline(class string, y float64) {
	if y < p.y0 || y > p.y1 {
		return
	}
	Y := svgNum(p.Y(y))
	p.raw(`<path class="%s" d="M%s %sH%s"/>`, class, svgNum(p.left), Y, svgNum(p.right))
}

// dots draws a circle of radius r at each data point.
func (p *svgPlot) dots(class string, xs, ys []float64, r float64) {
	for i := range xs {
		p.raw(`<circle class="%s" cx="%s" cy="%s" r="%s"/>`, class, svgNum(p.X(xs[i])), svgNum(p.Y(ys[i])), svgNum(r))
	}
}

// cross draws an × of half-size r at a data point.
func (p *svgPlot) cross(class string, x, y, r float64) {
	X, Y := p.X(x), p.Y(y)
	p.raw(`<path class="%s" d="M%s %sL%s %sM%s %sL%s %s"/>`, class,
		svgNum(X-r), svgNum(Y-r), svgNum(X+r), svgNum(Y+r), svgNum(X-r), svgNum(Y+r), svgNum(X+r), svgNum(Y-r))
}

// errBar draws a vertical interval lo…hi at data x with caps.
func (p *svgPlot) errBar(class string, x, lo, hi float64) {
	X, L, H := p.X(x), p.Y(lo), p.Y(hi)
	p.raw(`<path class="%s" d="M%s %sV%sM%s %sH%sM%s %sH%s"/>`, class, svgNum(X), svgNum(L), svgNum(H),
		svgNum(X-3), svgNum(L), svgNum(X+3), svgNum(X-3), svgNum(H), svgNum(X+3))
}

// bar draws a rectangle over data x0…x1, y0…y1.
func (p *svgPlot) bar(class string, x0, x1, y0, y1 float64) {
	X0, X1, Y0, Y1 := p.X(x0), p.X(x1), p.Y(y1), p.Y(y0)
	if Y1-Y0 < 0.05 {
		return
	}
	p.raw(`<rect class="%s" x="%s" y="%s" width="%s" height="%s"/>`, class,
		svgNum(X0), svgNum(Y0), svgNum(X1-X0), svgNum(Y1-Y0))
}

// text writes s at px (x, y) in class, anchored start, middle or end.
func (p *svgPlot) text(class string, x, y float64, anchor, s string) {
	a := ""
	if anchor != "" && anchor != "start" {
		a = ` text-anchor="` + anchor + `"`
	}
	p.raw(`<text class="%s" x="%s" y="%s"%s>%s</text>`, class, svgNum(x), svgNum(y), a, html.EscapeString(s))
}

// svgTick is a labelled tick at a data value.
type svgTick struct {
	v     float64
	label string
}

// svgTicks gives about n labelled ticks over lo…hi at steps of 1, 2 or 5 ×
// 10^k (the labelled ticks of the PNG charts' chartTicks); pct labels
// proportions as percentages.
func svgTicks(lo, hi float64, n int, pct bool) []svgTick {
	if !(hi > lo) {
		return nil
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw*0.999 {
			step = m * mag
			break
		}
	}
	scale, suffix := 1.0, ""
	if pct {
		scale, suffix = 100, "%"
	}
	dec := max(0, int(-math.Floor(math.Log10(step*scale)+1e-9)))
	var ts []svgTick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts = append(ts, svgTick{v, strconv.FormatFloat(v*scale, 'f', dec, 64) + suffix})
	}
	return ts
}

// axes draws the grid, the frame, tick labels on the left and (when
// xticks is non-nil) at the bottom, and the axis titles.
func (p *svgPlot) axes(xticks, yticks []svgTick, xlabel, ylabel string) {
	var g strings.Builder
	for _, t := range yticks {
		g.WriteString("M" + svgNum(p.left) + " " + svgNum(p.Y(t.v)) + "H" + svgNum(p.right))
	}
	for _, t := range xticks {
		g.WriteString("M" + svgNum(p.X(t.v)) + " " + svgNum(p.top) + "V" + svgNum(p.bottom))
	}
	if g.Len() > 0 {
		p.raw(`<path class="grid" d="%s"/>`, g.String())
	}
	p.raw(`<rect class="frame" x="%s" y="%s" width="%s" height="%s"/>`, svgNum(p.left), svgNum(p.top),
		svgNum(p.right-p.left), svgNum(p.bottom-p.top))
	for _, t := range yticks {
		p.text("tk", p.left-4, p.Y(t.v)+3.5, "end", t.label)
	}
	for _, t := range xticks {
		p.text("tk", p.X(t.v), p.bottom+13, "middle", t.label)
	}
	if xlabel != "" {
		p.text("lab", (p.left+p.right)/2, p.bottom+28, "middle", xlabel)
	}
	if ylabel != "" {
		cy := (p.top + p.bottom) / 2
		p.raw(`<text class="lab" transform="translate(12 %s) rotate(-90)" text-anchor="middle">%s</text>`,
			svgNum(cy), html.EscapeString(ylabel))
	}
}

// addLegend lists an entry (shape "line", "dot", "box" or "cross") drawn
// in the top right of the chart by svg.
func (p *svgPlot) addLegend(class, shape, label string) {
	p.legend = append(p.legend, svgLegendEntry{class, shape, label})
}

// svg closes the chart: the legend in one row above the data area, then
// the <svg> element with a title for screen readers.
func (p *svgPlot) svg(title string, panels ...*svgPlot) string {
	var out strings.Builder
	fmt.Fprintf(&out, `<svg class="chart" viewBox="0 0 %s %s" role="img"><title>%s</title>`,
		svgNum(p.w), svgNum(p.h), html.EscapeString(title))
	out.WriteString(p.b.String())
	for _, q := range panels {
		out.WriteString(q.b.String())
	}
	// Legend: entries right-aligned in a row above the top panel.
	x := p.right
	var leg strings.Builder
	for i := len(p.legend) - 1; i >= 0; i-- {
		e := p.legend[i]
		e.class += " lgk"
		w := 7*float64(len([]rune(e.label)))*0.82 + 6
		x -= w
		leg.WriteString(fmt.Sprintf(`<text class="lg" x="%s" y="14">%s</text>`, svgNum(x), html.EscapeString(e.label)))
		x -= 18
		switch e.shape {
		case "dot":
			leg.WriteString(fmt.Sprintf(`<circle class="%s" cx="%s" cy="10" r="3"/>`, e.class, svgNum(x+8)))
		case "box":
			leg.WriteString(fmt.Sprintf(`<rect class="%s" x="%s" y="5" width="12" height="9"/>`, e.class, svgNum(x+2)))
		case "cross":
			leg.WriteString(fmt.Sprintf(`<path class="%s" d="M%s 6L%s 14M%s 14L%s 6"/>`, e.class,
				svgNum(x+4), svgNum(x+12), svgNum(x+4), svgNum(x+12)))
		default:
			leg.WriteString(fmt.Sprintf(`<path class="%s" d="M%s 10H%s"/>`, e.class, svgNum(x), svgNum(x+16)))
		}
		x -= 8
	}
	out.WriteString(leg.String())
	out.WriteString("</svg>")
	return out.String()
}
