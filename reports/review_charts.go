package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// iccSVG draws the item characteristic curve
//
//	P(θ) = c + (1 − c) / (1 + exp(−(a·θ + d)))
//
// at opts.ThetaPoints points, with the observed proportions correct in the
// score groups (as the PNG chart finds them: score_groups.csv, else the key
// rows of options.csv at the θ of each group's mean raw score) and their
// 95 % binomial intervals p ± 1.96·√(p(1 − p)/n), and the cut θ.
func (b *reviewBuilder) iccSVG(it *reviewItem, par chartItem) string {
	lo, hi := -4.0, 4.0
	pts := b.cd.empirical[it.ID]
	for _, pt := range pts {
		lo, hi = math.Min(lo, pt.theta-0.2), math.Max(hi, pt.theta+0.2)
	}
	lo, hi = math.Max(lo, -6), math.Min(hi, 6)
	p := newSVGPlot(480, 280, lo, hi, 0, 1)
	p.axes(svgTicks(lo, hi, 8, false), svgTicks(0, 1, 5, false), "ability θ (logits)", "P(correct)")
	xs := chartGridTheta(lo, hi, b.opts.ThetaPoints-1)
	ys := make([]float64, len(xs))
	for i, x := range xs {
		ys[i] = par.prob(x)
	}
	if b.hasCut {
		p.vline("cut", b.thetaCut)
		p.addLegend("cut", "line", "cut")
	}
	p.path("c1", xs, ys)
	p.addLegend("c1", "line", "model")
	if len(pts) > 0 {
		ox, oy := make([]float64, len(pts)), make([]float64, len(pts))
		for i, pt := range pts {
			h := 0.0
			if pt.n > 0 {
				h = 1.96 * math.Sqrt(pt.p*(1-pt.p)/pt.n)
			}
			p.errBar("err", pt.theta, math.Max(pt.p-h, 0), math.Min(pt.p+h, 1))
			ox[i], oy[i] = pt.theta, pt.p
		}
		p.dots("obs", ox, oy, 3)
		p.addLegend("obs", "dot", "observed ± 95 %")
	}
	note := fmt.Sprintf("a = %s  b = %s", fmtNum(par.a, 2), fmtNum(par.b, 2))
	if par.model == "3pl" || par.c != 0 {
		note += "  c = " + fmtNum(par.c, 2)
	}
	// The note goes where the curve is not: top left, else top right,
	// else bottom right.
	x, y, anchor := p.left+6, p.top+14, "start"
	switch {
	case par.prob(lo) < 0.6:
	case par.prob(hi) < 0.6:
		x, anchor = p.right-6, "end"
	default:
		x, y, anchor = p.right-6, p.bottom-8, "end"
	}
	p.text("note", x, y, anchor, note)
	return p.svg(fmt.Sprintf("Item %s: characteristic curve (%s)", it.ID, note))
}

// traceSVG draws each option's share of choosers in the score groups of
// options.csv (q1 lowest … qk highest): the key thick, distractors dashed.
func (b *reviewBuilder) traceSVG(it *reviewItem) string {
	opts := b.cd.options[it.ID]
	groups := 0
	for _, o := range opts {
		groups = max(groups, len(o.q))
	}
	p := newSVGPlot(480, 280, 0.8, float64(groups)+0.2, 0, 1)
	var xt []svgTick
	for g := 1; g <= groups; g++ {
		l := fmt.Sprint(g)
		if g == 1 {
			l = "1 low"
		} else if g == groups {
			l = fmt.Sprintf("%d high", g)
		}
		xt = append(xt, svgTick{float64(g), l})
	}
	p.axes(xt, svgTicks(0, 1, 5, true), "score group (operational score)", "share choosing")
	k := 0
	for _, o := range opts {
		if len(o.q) == 0 {
			continue
		}
		xs := make([]float64, len(o.q))
		for g := range xs {
			xs[g] = float64(g + 1)
		}
		class, name := "", o.option
		switch {
		case o.key:
			class, name = "key", o.option+" (key)"
		case o.option == "omit" || o.option == "":
			class, name = "om", "omit"
		default:
			class = fmt.Sprintf("d%d", k%6)
			k++
		}
		p.path("tr "+class, xs, o.q)
		p.dots("pt "+class, xs, o.q, 2.5)
		p.addLegend("tr "+class, "line", name)
	}
	return p.svg(fmt.Sprintf("Item %s: option trace lines", it.ID))
}

// charts adds the test-level charts the run has tables for.
func (b *reviewBuilder) charts(page *reviewPage) {
	add := func(id, title, caption, svg string) {
		if svg != "" {
			page.Charts = append(page.Charts, reviewChart{ID: id, Title: title, Caption: caption, SVG: templateHTML(svg)})
		}
	}
	run := b.run
	add("chart-information", "Test information and CSEM", "I(θ) = Σ I_j(θ) over the operational items' parameters; CSEM(θ) = 1/√I(θ); crosses: θ standard error of each raw score in "+run.rel(run.Path(FileConversion))+".", b.informationSVG())
	add("chart-passrate", "Pass rate by cut score", "Projected pass rate with its interval (band) and observed pass rate, from "+run.rel(run.Path(FileProjection))+".", b.passRateSVG())
	add("chart-wright", "Person–item map", "Candidates' θ (top) against item difficulty b (bottom; pretest items stacked on operational ones).", b.wrightSVG())
	add("chart-drift", "Anchor drift", "Base-form b against the new form's b on the base scale, from equate/anchors.csv; identity line; dropped anchors marked ×.", b.driftSVG())
	add("chart-dif", "Differential item functioning", "Mantel–Haenszel D-DIF per item from "+run.rel(run.Path(FileDIF))+"; |D| ≥ 1 and ≥ 1.5 bands (ETS B and C thresholds); items in category C named.", b.difSVG())
}

// informationSVG: test information above the CSEM in logits.
func (b *reviewBuilder) informationSVG() string {
	ops := b.opItems()
	if len(ops) == 0 {
		return ""
	}
	lo, hi := -4.0, 4.0
	xs := chartGridTheta(lo, hi, b.opts.ThetaPoints-1)
	info := make([]float64, len(xs))
	csem := make([]float64, len(xs))
	imax := 0.0
	for i, x := range xs {
		for _, it := range ops {
			info[i] += it.info(x)
		}
		csem[i] = 1 / math.Sqrt(info[i])
		imax = math.Max(imax, info[i])
	}
	imax *= 1.1
	mid := csem[len(csem)/2]
	cmax := math.Min(math.Max(4*mid, 1), 3)
	p := newSVGPlot(720, 440, lo, hi, 0, imax)
	top := p.panel(26, 206, 0, imax)
	bot := p.panel(232, 406, 0, cmax)
	top.axes(nil, svgTicks(0, imax, 5, false), "", "information")
	for _, t := range svgTicks(lo, hi, 8, false) { // x grid on the top panel
		top.raw(`<path class="grid" d="M%s %sV%s"/>`, svgNum(top.X(t.v)), svgNum(top.top), svgNum(top.bottom))
	}
	bot.axes(svgTicks(lo, hi, 8, false), svgTicks(0, cmax, 5, false), "ability θ (logits)", "CSEM (logits)")
	if b.hasCut {
		top.vline("cut", b.thetaCut)
		bot.vline("cut", b.thetaCut)
		p.addLegend("cut", "line", fmt.Sprintf("cut θ = %s", fmtNum(b.thetaCut, 2)))
	}
	top.path("c1", xs, info)
	p.addLegend("c1", "line", "test information")
	bot.path("c2", xs, csem)
	p.addLegend("c2", "line", "CSEM = 1/√I")
	t := b.run.Conversion
	n := 0
	for i := range rowsOf(t) {
		th, ok1 := tableFloat(t, i, "theta")
		se, ok2 := tableFloat(t, i, "theta_se")
		if ok1 && ok2 && th >= lo && th <= hi && se <= cmax {
			bot.cross("cx", th, se, 2.2)
			n++
		}
	}
	if n > 0 {
		p.addLegend("cx", "cross", "θ SE by raw score")
	}
	return p.svg(fmt.Sprintf("Test information and CSEM of %d operational items", len(ops)), top, bot)
}

// passRateSVG: projection.csv's pass rate by cut, band, observed, cut line.
func (b *reviewBuilder) passRateSVG() string {
	t := b.run.Projection
	var xs, ys, los, his, obs []float64
	for i := range rowsOf(t) {
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
		o, ok := tableFloat(t, i, "observed_pass_rate")
		if !ok {
			o = math.NaN()
		}
		obs = append(obs, o)
	}
	if len(xs) < 2 {
		return ""
	}
	cut := runScaleCut(b.run)
	x0, x1 := math.Min(xs[0], cut), math.Max(xs[len(xs)-1], cut)
	p := newSVGPlot(720, 340, x0, x1, 0, 1)
	p.axes(svgTicks(x0, x1, 8, false), svgTicks(0, 1, 5, true), "cut score (scale points)", "pass rate")
	if len(los) == len(xs) {
		p.area("band", xs, los, his)
		p.addLegend("band", "box", "interval")
	}
	p.vline("cut", cut)
	p.addLegend("cut", "line", "cut "+fmtNum(cut, 0))
	p.path("c1", xs, ys)
	p.addLegend("c1", "line", "projected")
	p.path("c3", xs, obs)
	p.addLegend("c3", "line", "observed")
	for i := range xs {
		if xs[i] == cut {
			p.dots("obs", []float64{cut}, []float64{ys[i]}, 3.5)
			p.text("note", p.X(cut)+6, p.Y(ys[i])-6, "start", "projected "+fmtPct(ys[i], 1))
		}
	}
	return p.svg("Projected pass rate by cut score")
}

// wrightSVG: histogram of θ above the histogram of item b.
func (b *reviewBuilder) wrightSVG() string {
	theta, err := b.personsTheta()
	if err != nil || len(theta) == 0 {
		return ""
	}
	var opB, ptB []float64
	for _, it := range b.itemsInOrder() {
		par, ok := b.params[it.ID]
		if !ok || math.IsNaN(par.b) || math.IsInf(par.b, 0) {
			continue
		}
		if it.Status == "pretest" {
			ptB = append(ptB, par.b)
		} else if it.Status == "" || it.Status == "operational" {
			opB = append(opB, par.b)
		}
	}
	lo, hi := -3.0, 3.0
	for _, xs := range [][]float64{theta, opB, ptB} {
		for _, x := range xs {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	lo, hi = math.Max(math.Floor(lo*2)/2, -6), math.Min(math.Ceil(hi*2)/2, 6)
	const width = 0.25
	n := int(math.Round((hi - lo) / width))
	count := func(vals []float64) []float64 {
		c := make([]float64, n)
		for _, v := range vals {
			k := int(math.Floor((v - lo) / width))
			if k == n {
				k = n - 1
			}
			if k >= 0 && k < n {
				c[k]++
			}
		}
		return c
	}
	ct, co, cp := count(theta), count(opB), count(ptB)
	tmax, imax := 1.0, 1.0
	for k := 0; k < n; k++ {
		tmax, imax = math.Max(tmax, ct[k]), math.Max(imax, co[k]+cp[k])
	}
	tmax, imax = tmax*1.1, math.Ceil(imax*1.1)
	p := newSVGPlot(720, 440, lo, hi, 0, 1)
	top := p.panel(26, 206, 0, tmax)
	bot := p.panel(232, 406, 0, imax)
	top.axes(nil, svgTicks(0, tmax, 4, false), "", "candidates")
	bt := svgTicks(0, imax, 4, false)
	var bti []svgTick
	for _, t := range bt {
		if t.v == math.Round(t.v) {
			bti = append(bti, t)
		}
	}
	bot.axes(svgTicks(lo, hi, 8, false), bti, "θ and item difficulty b (logits)", "items")
	for k := 0; k < n; k++ {
		x0 := lo + float64(k)*width
		top.bar("h0", x0, x0+width, 0, ct[k])
		bot.bar("h1", x0, x0+width, 0, co[k])
		bot.bar("h2", x0, x0+width, co[k], co[k]+cp[k])
	}
	p.addLegend("h0", "box", fmt.Sprintf("candidates' θ (%d)", len(theta)))
	p.addLegend("h1", "box", fmt.Sprintf("operational b (%d)", len(opB)))
	if len(ptB) > 0 {
		p.addLegend("h2", "box", fmt.Sprintf("pretest b (%d)", len(ptB)))
	}
	if b.hasCut {
		top.vline("cut", b.thetaCut)
		bot.vline("cut", b.thetaCut)
		p.addLegend("cut", "line", "cut")
	}
	return p.svg("Person–item map", top, bot)
}

// personsTheta is the candidates' θ: scores.csv (the reported scores, on the
// scale of the conversion table) when the run has it, else persons.csv.
func (b *reviewBuilder) personsTheta() ([]float64, error) {
	name := FileScores
	if !b.run.Has(FileScores) {
		name = FilePersons
	}
	var out []float64
	col := -1
	err := b.run.EachRow(name, func(h, rec []string) error {
		if col < 0 {
			if col = headerIndex(h, "theta"); col < 0 {
				return errNoChartData
			}
		}
		if col < len(rec) {
			if x, ok := parseRunFloat(rec[col]); ok {
				out = append(out, x)
			}
		}
		return nil
	})
	if err == errNoChartData {
		return b.cd.theta, nil
	}
	return out, err
}

// itemsInOrder is the page's items (filled before the charts).
func (b *reviewBuilder) itemsInOrder() []*reviewItem { return b.pageItems }

// driftSVG: anchors.csv b_base against b_new_on_base.
func (b *reviewBuilder) driftSVG() string {
	t := b.anchors
	type pt struct {
		x, y float64
		id   string
		used bool
	}
	var pts []pt
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range rowsOf(t) {
		x, ok1 := tableFloat(t, i, "b_base")
		y, ok2 := tableFloat(t, i, "b_new_on_base")
		if !ok1 || !ok2 {
			continue
		}
		used := !strings.EqualFold(tableCell(t, i, "used"), "false")
		pts = append(pts, pt{x, y, tableCell(t, i, "item_id"), used})
		lo, hi = math.Min(lo, math.Min(x, y)), math.Max(hi, math.Max(x, y))
	}
	if len(pts) == 0 {
		return ""
	}
	lo, hi = math.Floor(lo*2)/2-0.5, math.Ceil(hi*2)/2+0.5
	p := newSVGPlot(720, 460, lo, hi, lo, hi)
	p.left = 190 // a square data area in the middle
	p.right = p.left + (p.bottom - p.top)
	p.axes(svgTicks(lo, hi, 8, false), svgTicks(lo, hi, 8, false), "b on the base form", "new form's b on the base scale")
	p.path("id", []float64{lo, hi}, []float64{lo, hi})
	p.addLegend("id", "line", "identity")
	nKept, nDrop := 0, 0
	for _, q := range pts {
		if q.used {
			p.dots("obs", []float64{q.x}, []float64{q.y}, 3)
			nKept++
		}
	}
	for _, q := range pts {
		if !q.used {
			p.cross("drop", q.x, q.y, 4)
			p.text("tl", p.X(q.x)+6, p.Y(q.y)+4, "start", q.id)
			nDrop++
		}
	}
	p.addLegend("obs", "dot", fmt.Sprintf("kept (%d)", nKept))
	if nDrop > 0 {
		p.addLegend("drop", "cross", fmt.Sprintf("dropped (%d)", nDrop))
	}
	return p.svg("Anchor drift: base b against linked new b")
}

// difSVG: MH D-DIF per item in page order, with ±1 and ±1.5 bands.
func (b *reviewBuilder) difSVG() string {
	var xs, ys []float64
	var cats, ids []string
	for _, it := range b.pageItems {
		if it.hasDIF {
			xs = append(xs, float64(len(xs)+1))
			ys = append(ys, it.dif)
			cats = append(cats, strings.ToUpper(it.difCat))
			ids = append(ids, it.ID)
		}
	}
	if len(xs) == 0 {
		return ""
	}
	m := 2.0
	for _, y := range ys {
		m = math.Max(m, math.Abs(y))
	}
	m = math.Ceil(m*2)/2 + 0.25
	p := newSVGPlot(720, 340, 0, float64(len(xs))+1, -m, m)
	p.area("bandc", []float64{0, float64(len(xs)) + 1}, []float64{-1.5, -1.5}, []float64{1.5, 1.5})
	p.area("bandb", []float64{0, float64(len(xs)) + 1}, []float64{-1, -1}, []float64{1, 1})
	p.axes(svgTicks(1, float64(len(xs)), 8, false), svgTicks(-m, m, 6, false), "item (page order)", "MH D-DIF")
	p.hline("zero", 0)
	p.addLegend("bandb", "box", "|D| < 1")
	p.addLegend("bandc", "box", "|D| < 1.5")
	groups := map[string][2][]float64{}
	order := []string{}
	for i := range xs {
		c := cats[i]
		if c != "B" && c != "C" {
			c = "A"
		}
		if _, ok := groups[c]; !ok {
			order = append(order, c)
		}
		g := groups[c]
		g[0], g[1] = append(g[0], xs[i]), append(g[1], ys[i])
		groups[c] = g
	}
	sort.Strings(order)
	for _, c := range order {
		g := groups[c]
		p.dots("dif"+strings.ToLower(c), g[0], g[1], 2.8)
		p.addLegend("dif"+strings.ToLower(c), "dot", fmt.Sprintf("category %s (%d)", c, len(g[0])))
	}
	for i := range xs {
		if cats[i] == "C" {
			anchor := "start"
			dx := 5.0
			if xs[i] > float64(len(xs))*0.85 {
				anchor, dx = "end", -5
			}
			p.text("tl", p.X(xs[i])+dx, p.Y(ys[i])+4, anchor, ids[i])
		}
	}
	return p.svg("Mantel–Haenszel D-DIF per item")
}
