package classical

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/internal/reftest"

	"github.com/itemlab/itemlab/internal/simtest"

	"github.com/itemlab/itemlab/analysis"

	"github.com/itemlab/itemlab/irt"
)

func mustAnalyze(t testing.TB, d *analysis.Dataset, opts Options) *Result {
	t.Helper()
	c, err := Analyze(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAnalyzePsych compares the item and test statistics with psych::alpha
// (psych 2.2.9; testdata/ref/README.md). psych computes from the same data
// in double precision, so the tolerance is 1e-9 (brief: 1e-6).
func TestAnalyzePsych(t *testing.T) {
	const tol = 1e-9
	_, sumRows := reftest.ReadCSV(t, "psych_alpha_summary.csv")
	sumHdr, _ := reftest.ReadCSV(t, "psych_alpha_summary.csv")
	for _, name := range []string{"lsat7", "lsat6", "sat12_scored", "raschdat1", "mathexam14w", "verbal"} {
		t.Run(name, func(t *testing.T) {
			d := reftest.ReadScored(t, name+".csv")
			c := mustAnalyze(t, d, Options{})
			hdr, rows := reftest.ReadCSV(t, name+"_psych_alpha_items.csv")
			var maxDiff float64
			defer func() { t.Logf("max |got − psych| = %.2g", maxDiff) }()
			if len(rows) != d.J {
				t.Fatalf("%d reference rows, %d items", len(rows), d.J)
			}
			for j, r := range rows {
				st := c.Items[j]
				if st.Item.ID != r[0] {
					t.Fatalf("item %d: id %q, want %q", j, st.Item.ID, r[0])
				}
				for _, cmp := range []struct {
					col string
					got float64
				}{
					{"n", float64(st.NAnswered)},
					{"p_value", st.P},
					{"raw_r", st.RPBis},
					{"r_drop", st.RPBisCorrected},
					{"alpha_if_dropped", st.AlphaIfDeleted},
				} {
					want := reftest.Parse(t, r[reftest.Column(t, hdr, cmp.col)])
					maxDiff = max(maxDiff, math.Abs(cmp.got-want))
					if math.Abs(cmp.got-want) > tol {
						t.Errorf("item %s: %s = %.10f, want %.10f (psych)", st.Item.ID, cmp.col, cmp.got, want)
					}
				}
			}
			for _, r := range sumRows {
				if r[0] != name {
					continue
				}
				for _, cmp := range []struct {
					col string
					got float64
				}{
					{"raw_alpha", c.Test.Alpha},
					{"alpha_se", c.Test.AlphaSE},
					{"total_score_mean_sum", c.Test.Mean},
					{"total_score_sd_sum", c.Test.SD},
				} {
					want := reftest.Parse(t, r[reftest.Column(t, sumHdr, cmp.col)])
					maxDiff = max(maxDiff, math.Abs(cmp.got-want))
					if math.Abs(cmp.got-want) > tol {
						t.Errorf("%s = %.12f, want %.12f (psych)", cmp.col, cmp.got, want)
					}
				}
			}
		})
	}
}

// naiveStats recomputes the item statistics of a dataset candidate by
// candidate with textbook formulas, as an independent check of the tallies.
type naiveItem struct {
	p, r, rc, alphaDel float64
}

func naiveStats(d *analysis.Dataset) (items []naiveItem, alpha float64) {
	op := d.ItemsWithStatus(analysis.Operational)
	x := func(i, j int) float64 {
		if d.Scored[i*d.J+j] == 1 {
			return 1
		}
		return 0
	}
	total := make([]float64, d.N)
	for i := range total {
		for _, j := range op {
			total[i] += x(i, j)
		}
	}
	corr := func(a, b []float64) float64 {
		var ma, mb float64
		for i := range a {
			ma += a[i]
			mb += b[i]
		}
		ma /= float64(len(a))
		mb /= float64(len(a))
		var sab, saa, sbb float64
		for i := range a {
			sab += (a[i] - ma) * (b[i] - mb)
			saa += (a[i] - ma) * (a[i] - ma)
			sbb += (b[i] - mb) * (b[i] - mb)
		}
		return sab / math.Sqrt(saa*sbb)
	}
	variance := func(a []float64) float64 {
		var m float64
		for _, v := range a {
			m += v
		}
		m /= float64(len(a))
		var s float64
		for _, v := range a {
			s += (v - m) * (v - m)
		}
		return s / float64(len(a)-1)
	}
	alphaOf := func(set []int) float64 {
		tot := make([]float64, d.N)
		var sv float64
		for _, j := range set {
			col := make([]float64, d.N)
			for i := range col {
				col[i] = x(i, j)
				tot[i] += col[i]
			}
			sv += variance(col)
		}
		k := float64(len(set))
		return k / (k - 1) * (1 - sv/variance(tot))
	}
	for j := 0; j < d.J; j++ {
		col := make([]float64, d.N)
		rest := make([]float64, d.N)
		var p float64
		for i := range col {
			col[i] = x(i, j)
			p += col[i]
			rest[i] = total[i]
			if d.Items[j].Status == analysis.Operational {
				rest[i] -= col[i]
			}
		}
		it := naiveItem{p: p / float64(d.N), r: corr(col, total), rc: corr(col, rest), alphaDel: math.NaN()}
		if d.Items[j].Status == analysis.Operational {
			var others []int
			for _, k := range op {
				if k != j {
					others = append(others, k)
				}
			}
			it.alphaDel = alphaOf(others)
		}
		items = append(items, it)
	}
	return items, alphaOf(op)
}

// TestAnalyzeNaive checks the tallied statistics against a direct
// candidate-by-candidate computation with pretest and excluded items mixed
// in, and that the number of workers does not change any bit.
func TestAnalyzeNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	d := simtest.Rasch(rng, 9000, 23, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Pretest, analysis.Operational, analysis.Excluded})
	want, alpha := naiveStats(d)
	c1 := mustAnalyze(t, d, Options{Workers: 1})
	const tol = 1e-10
	if math.Abs(c1.Test.Alpha-alpha) > tol {
		t.Errorf("alpha = %.12f, want %.12f", c1.Test.Alpha, alpha)
	}
	for j, w := range want {
		st := c1.Items[j]
		for _, cmp := range []struct {
			name      string
			got, want float64
		}{
			{"p", st.P, w.p},
			{"rpbis", st.RPBis, w.r},
			{"rpbis_corrected", st.RPBisCorrected, w.rc},
			{"alpha_if_deleted", st.AlphaIfDeleted, w.alphaDel},
		} {
			if math.IsNaN(cmp.want) != math.IsNaN(cmp.got) || math.Abs(cmp.got-cmp.want) > tol {
				t.Errorf("item %s (%v): %s = %.12f, want %.12f", st.Item.ID, st.Item.Status, cmp.name, cmp.got, cmp.want)
			}
		}
	}
	for _, w := range []int{2, 3, 7} {
		cw := mustAnalyze(t, d, Options{Workers: w})
		for j := range c1.Items {
			a, b := c1.Items[j], cw.Items[j]
			if a.RPBis != b.RPBis || a.DiscIndex != b.DiscIndex || a.Options[1].Groups != b.Options[1].Groups {
				t.Fatalf("workers=%d: item %d differs from workers=1", w, j)
			}
		}
		if cw.Test.AlphaSE != c1.Test.AlphaSE {
			t.Fatalf("workers=%d: alpha SE differs", w)
		}
	}
}

// TestAnalyzeSmall works a 6-candidate, 3-item example through by hand.
//
//	cand  Q1 Q2 Q3(pretest)  X = Q1+Q2
//	1     1  1  1            2
//	2     1  1  0            2
//	3     1  0  1            1
//	4     0  1  0            1
//	5     1  0  omit         1
//	6     0  0  0            0
//
// X: mean 7/6, Σ(X−m)² = 2·(5/6)² + 3·(1/6)² + (7/6)² = 50/36+3/36+49/36 = 102/36,
// var X = (102/36)/5 = 0.566667.
// Q1: p = 4/6; var = (4·2)/(6·5) = 8/30; Σ x(X−m) = (2+2+1+1) − 4·7/6 = 6 − 28/6 = 8/6,
// cov = (8/6)/5 = 8/30, so r = (8/30)/√(8/30·0.566667) = 0.686.
// Corrected (Q1 against Q2 alone): Q2 = (1,1,0,1,0,0), Σ Q1·Q2 = 2, cov = (2 − 4·3/6)/5 = 0, r = 0.
// Q3 (pretest) against X: x = (1,0,1,0,0,0), p = 2/6, Σ x(X−m) = 3 − 2·7/6 = 2/3,
// cov = (2/3)/5, var = 2·4/30, r = (2/15)/√(8/30·17/30) = 0.4851; corrected = r.
// Upper/lower 27 %: 0.27·6 = 1.62 candidates. Lower: candidate 6 (X = 0, 1
// candidate) plus 0.62 of the three candidates at X = 1 (weight 0.62/3 each);
// upper: the two at X = 2 are 2 > 1.62 candidates, each weighted 0.81.
// Q1 p_L = (0 + 0.62/3·2)/1.62 = 0.255144 (candidates 3 and 5 right at X = 1);
// p_U = (2·0.81)/1.62 = 1; D = 0.744856.
func TestAnalyzeSmall(t *testing.T) {
	x := []uint8{
		1, 1, 1,
		1, 1, 0,
		1, 0, 1,
		0, 1, 0,
		1, 0, irt.Missing,
		0, 0, 0,
	}
	d := analysis.FromScored([]string{"Q1", "Q2", "Q3"}, 6, x)
	d.Items[2].Status = analysis.Pretest
	c := mustAnalyze(t, d, Options{})
	const tol = 1e-6
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.6f, want %.6f", name, got, want)
		}
	}
	check("mean", c.Test.Mean, 7.0/6)
	check("var", c.Test.SD*c.Test.SD, 102.0/36/5)
	check("Q1 rpbis", c.Items[0].RPBis, (8.0/30)/math.Sqrt(8.0/30*102/36/5))
	check("Q1 rpbis_corrected", c.Items[0].RPBisCorrected, 0)
	check("Q3 rpbis", c.Items[2].RPBis, (2.0/15)/math.Sqrt(8.0/30*102/36/5))
	check("Q3 rpbis_corrected", c.Items[2].RPBisCorrected, c.Items[2].RPBis)
	check("Q1 p_lower", c.Items[0].PLower, 0.62/3*2/1.62)
	check("Q1 p_upper", c.Items[0].PUpper, 1)
	check("Q1 disc", c.Items[0].DiscIndex, 1-0.62/3*2/1.62)
	check("Q3 omit rate", c.Items[2].OmitRate, 1.0/6)
	if got := c.Items[2].NAnswered; got != 5 {
		t.Errorf("Q3 n answered = %d, want 5", got)
	}
	if !math.IsNaN(c.Items[2].AlphaIfDeleted) {
		t.Errorf("Q3 (pretest) alpha if deleted = %v, want NaN", c.Items[2].AlphaIfDeleted)
	}
	if got := c.Test.Distribution; len(got) != 3 || got[0] != 1 || got[1] != 3 || got[2] != 2 {
		t.Errorf("distribution = %v, want [1 3 2]", got)
	}
	if c.Test.Operational != 2 || c.Test.Pretest != 1 {
		t.Errorf("items by status %d/%d, want 2/1", c.Test.Operational, c.Test.Pretest)
	}
	// Two items: alpha = 2·(1 − (8/30 + 9/30)/var X); Q2 p = 1/2, var = 9/30.
	check("alpha", c.Test.Alpha, 2*(1-(17.0/30)/(102.0/36/5)))
	// Q1's options "0","1" and omit: the omit row of Q3 holds candidate 5.
	o := c.Items[2].Options
	if len(o) != 3 || o[2].Code != OmitOption || o[2].N != 1 || o[2].MeanScore != 1 {
		t.Errorf("Q3 omit row = %+v", o[len(o)-1])
	}
	// Quintile groups: 6/5 = 1.2 candidates each. Q1 key ("1") in the top
	// group: the top 1.2 candidates are both X = 2 candidates at weight 0.6,
	// both right, so 1.
	check("Q1 key q5", o[1].Groups[4], 1.0/2) // Q3's key in q5: candidate 1 right, 2 wrong
	check("Q1 key q5", c.Items[0].Options[1].Groups[4], 1)
}

// TestBiserial checks the textbook conversion on a worked example.
//
// p = 0.8413447 (z = 1, so φ(z) = e^(−1/2)/√(2π) = 0.2419707), r_pbis = 0.4:
// √(pq) = √(0.8413447·0.1586553) = 0.3653545, r_bis = 0.4·0.3653545/0.2419707 = 0.603964.
// At p = 1/2: z = 0, φ = 0.3989423, √(pq) = 0.5, r_bis = r·1.2533141.
func TestBiserial(t *testing.T) {
	p := 0.5 * math.Erfc(-1/math.Sqrt2) // Φ(1)
	if got, want := Biserial(0.4, p), 0.603964; math.Abs(got-want) > 1e-6 {
		t.Errorf("Biserial(0.4, Φ(1)) = %.6f, want %.6f", got, want)
	}
	if got, want := Biserial(0.3, 0.5), 0.3*1.2533141; math.Abs(got-want) > 1e-6 {
		t.Errorf("Biserial(0.3, 0.5) = %.7f, want %.7f", got, want)
	}
	if got := Biserial(0.3, 1); !math.IsNaN(got) {
		t.Errorf("Biserial(0.3, 1) = %v, want NaN", got)
	}
}

// readSAT12 reads the SAT12 raw options 1–5 with its published key into
// an option-coded dataset (blank = omit).
func readSAT12(t testing.TB) *analysis.Dataset {
	hdr, rows := reftest.ReadCSV(t, "sat12_raw.csv")
	_, keys := reftest.ReadCSV(t, "sat12_key.csv")
	d := &analysis.Dataset{N: len(rows), J: len(hdr), Raw: make([]uint8, len(rows)*len(hdr)), Scored: make([]uint8, len(rows)*len(hdr))}
	opts := []string{"1", "2", "3", "4", "5"}
	for j, id := range hdr {
		k := int(reftest.Parse(t, keys[j][1])) - 1
		d.Items = append(d.Items, analysis.ItemInfo{ID: id, Options: opts, KeyMask: 1 << uint(k), Status: analysis.Operational, Column: j + 1})
	}
	for i, r := range rows {
		for j, v := range r {
			c := i*d.J + j
			if v == "" {
				d.Raw[c], d.Scored[c] = analysis.Omit, irt.Missing
				continue
			}
			o := int(reftest.Parse(t, v)) - 1
			d.Raw[c] = uint8(o)
			if d.Items[j].IsKey(o) {
				d.Scored[c] = 1
			}
		}
	}
	return d
}

// TestDistractorsSAT12 runs the distractor analysis on SAT12's raw options:
// the scores must match sat12_scored (psych's r.drop), and item 32, whose
// published key mirt's authors suspect (option 3 may be the key, not 5),
// must be flagged possible_miskey.
func TestDistractorsSAT12(t *testing.T) {
	d := readSAT12(t)
	c := mustAnalyze(t, d, Options{})
	hdr, rows := reftest.ReadCSV(t, "sat12_scored_psych_alpha_items.csv")
	for j, r := range rows {
		want := reftest.Parse(t, r[reftest.Column(t, hdr, "r_drop")])
		if got := c.Items[j].RPBisCorrected; math.Abs(got-want) > 1e-9 {
			t.Errorf("item %s: r_drop = %.10f, want %.10f (psych on sat12_scored)", r[0], got, want)
		}
	}
	for j := range c.Items {
		st := &c.Items[j]
		var n int
		var prop float64
		for _, o := range st.Options {
			n += o.N
			prop += o.Prop
			if o.IsKey && math.Abs(o.RPBis-st.RPBisCorrected) > 1e-12 {
				t.Errorf("item %s: key option r_pbis %.6f != corrected item r_pbis %.6f", st.Item.ID, o.RPBis, st.RPBisCorrected)
			}
			var gsum float64
			for _, g := range o.Groups {
				gsum += g
			}
			// Mean of the five group proportions = overall proportion (equal group sizes).
			if math.Abs(gsum/5-o.Prop) > 1e-12 {
				t.Errorf("item %s option %s: mean group proportion %.6f != %.6f", st.Item.ID, o.Code, gsum/5, o.Prop)
			}
		}
		if n != d.N || math.Abs(prop-1) > 1e-12 {
			t.Errorf("item %s: options count %d (sum prop %.6f), want %d", st.Item.ID, n, prop, d.N)
		}
	}
	it32 := c.Items[31]
	if !hasFlag(it32.Flags, FlagPossibleMiskey) {
		t.Errorf("Item.32 flags %v: want possible_miskey (options %+v)", it32.Flags, it32.Options)
	}
	var miskeys []string
	for _, st := range c.Items {
		if hasFlag(st.Flags, FlagPossibleMiskey) {
			miskeys = append(miskeys, st.Item.ID)
		}
	}
	t.Logf("possible_miskey: %s", strings.Join(miskeys, " "))
}

func hasFlag(fs []Flag, f Flag) bool {
	for _, g := range fs {
		if g == f {
			return true
		}
	}
	return false
}

func TestItemFlags(t *testing.T) {
	th := DefaultThresholds()
	base := func() ItemStats {
		return ItemStats{P: 0.6, RPBisCorrected: 0.35, OmitRate: 0.01, Options: []OptionStats{
			{Code: "A", IsKey: true, N: 60, Prop: 0.6, RPBis: 0.35, Groups: [5]float64{.3, .4, .6, .8, .9}},
			{Code: "B", N: 20, Prop: 0.2, RPBis: -0.2, Groups: [5]float64{.3, .3, .2, .1, .05}},
			{Code: "C", N: 19, Prop: 0.19, RPBis: -0.1, Groups: [5]float64{.4, .3, .2, .1, .05}},
			{Code: OmitOption, Omit: true, N: 1, Prop: 0.01, RPBis: -0.05},
		}}
	}
	tests := []struct {
		name   string
		modify func(*ItemStats)
		want   string
	}{
		{"clean", func(*ItemStats) {}, ""},
		{"miskey by rpbis", func(s *ItemStats) { s.Options[1].RPBis = 0.4 }, "possible_miskey"},
		{"miskey by top group", func(s *ItemStats) { s.Options[2].Groups[4] = 0.91 }, "possible_miskey"},
		{"negative", func(s *ItemStats) { s.RPBisCorrected = -0.01 }, "negative_discrimination"},
		{"low", func(s *ItemStats) { s.RPBisCorrected = 0.149 }, "low_discrimination"},
		{"easy", func(s *ItemStats) { s.P = 0.951 }, "too_easy"},
		{"hard", func(s *ItemStats) { s.P = 0.19 }, "too_hard"},
		{"nonfunctioning", func(s *ItemStats) { s.Options[2].Prop = 0.049 }, "nonfunctioning_distractor"},
		{"omit", func(s *ItemStats) { s.OmitRate = 0.051 }, "high_omit"},
		{"order", func(s *ItemStats) { s.OmitRate, s.P, s.RPBisCorrected = 0.2, 0.1, 0.1 }, "low_discrimination;too_hard;high_omit"},
		{"boundaries", func(s *ItemStats) { s.P, s.RPBisCorrected, s.OmitRate = 0.95, 0.15, 0.05 }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.modify(&s)
			var got []string
			for _, f := range ItemFlags(&s, th, false) {
				got = append(got, string(f))
			}
			if g := strings.Join(got, ";"); g != tc.want {
				t.Errorf("flags %q, want %q", g, tc.want)
			}
		})
	}
}

func TestAnalyzeDomains(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	d := simtest.Rasch(rng, 2000, 20, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Operational, analysis.Pretest})
	c := mustAnalyze(t, d, Options{DomainWeights: map[string]float64{"Clinical": 32, "Finance": 15}})
	if len(c.Domains) != 5 {
		t.Fatalf("%d domains, want 5", len(c.Domains))
	}
	for _, ds := range c.Domains {
		// Naive subscore over the domain's operational items.
		var set []int
		for j := range d.Items {
			if d.Items[j].Domain == ds.Domain && d.Items[j].Status == analysis.Operational {
				set = append(set, j)
			}
		}
		sub := make([]float64, d.N)
		var m float64
		for i := range sub {
			for _, j := range set {
				if d.Scored[i*d.J+j] == 1 {
					sub[i]++
				}
			}
			m += sub[i]
		}
		m /= float64(d.N)
		var ss float64
		for _, v := range sub {
			ss += (v - m) * (v - m)
		}
		sd := math.Sqrt(ss / float64(d.N-1))
		if ds.Items != len(set) || math.Abs(ds.Mean-m) > 1e-12 || math.Abs(ds.SD-sd) > 1e-10 {
			t.Errorf("domain %s: items %d mean %.6f sd %.6f, want %d %.6f %.6f", ds.Domain, ds.Items, ds.Mean, ds.SD, len(set), m, sd)
		}
	}
	if w := c.Domains[0].Weight; c.Domains[0].Domain != "Clinical" || w != 32 {
		t.Errorf("first domain %s weight %v, want Clinical 32", c.Domains[0].Domain, w)
	}
	if w := c.Domains[1].Weight; !math.IsNaN(w) {
		t.Errorf("domain %s weight %v, want NaN (not in the blueprint)", c.Domains[1].Domain, w)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	d := analysis.FromScored([]string{"a", "b"}, 2, []uint8{0, 1, 1, 0})
	for j := range d.Items {
		d.Items[j].Status = analysis.Pretest
	}
	if _, err := Analyze(d, Options{}); err != analysis.ErrNoOperational {
		t.Errorf("all pretest: err = %v, want ErrNoOperational", err)
	}
	if _, err := Analyze(&analysis.Dataset{}, Options{}); err == nil {
		t.Error("empty dataset: no error")
	}
}

func BenchmarkAnalyze(b *testing.B) {
	for _, size := range []struct{ n, j int }{{2000, 125}, {100000, 125}, {1000000, 125}} {
		if size.n > 100000 && testing.Short() {
			continue
		}
		rng := rand.New(rand.NewPCG(5, 6))
		statuses := []analysis.Status{analysis.Operational, analysis.Operational, analysis.Operational, analysis.Operational, analysis.Pretest}
		d := simtest.Rasch(rng, size.n, size.j, statuses)
		b.Run(strconv.Itoa(size.n)+"x"+strconv.Itoa(size.j), func(b *testing.B) {
			for b.Loop() {
				mustAnalyze(b, d, Options{})
			}
			b.ReportMetric(float64(size.n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
		})
	}
}
