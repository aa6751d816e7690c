package reports

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis/simulate"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// The fixture run folder testdata/run is written by writeFixtureRun and
// rewritten with `go test ./reports -run TestFixtureRunUpToDate -fixture`.
// Its numbers are plausible, not the output of itemlab's stages: they are
// computed here from a simulated administration (simulate.Simulate) with
// simple textbook formulas and the generating parameters, so that the
// workbook and chart code can be tested against a run folder of the shape
// the stages write, independently of those stages.
var regenFixture = flag.Bool("fixture", false, "rewrite testdata/run")

type fixtureConfig struct {
	Examinees, Operational, Pretest int
	Seed                            uint64
}

// fixtureSmall is testdata/run: 16 operational + 6 pretest items, 200 candidates.
var fixtureSmall = fixtureConfig{Examinees: 200, Operational: 16, Pretest: 6, Seed: 7}

// fixtureDemo has the size of `itemlab demo` (100 + 25 items, 1834 candidates).
var fixtureDemo = fixtureConfig{Examinees: 1834, Operational: 100, Pretest: 25, Seed: 1}

// TestFixtureRunUpToDate rewrites testdata/run with -fixture; otherwise it
// checks that the generator still writes the committed fixture's files.
// (Their bytes may drift when simulate.Simulate changes; the committed
// fixture stays as reviewed until it is regenerated on purpose.)
func TestFixtureRunUpToDate(t *testing.T) {
	dir := filepath.Join("testdata", "run")
	if *regenFixture {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := writeFixtureRun(dir, fixtureSmall); err != nil {
			t.Fatal(err)
		}
	}
	tmp := t.TempDir()
	if err := writeFixtureRun(tmp, fixtureSmall); err != nil {
		t.Fatal(err)
	}
	err := filepath.Walk(tmp, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("testdata/run lacks %s, which writeFixtureRun writes; rerun with -fixture", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// writeFixtureRun writes a run folder with stage sub-folders for cfg.
func writeFixtureRun(dir string, cfg fixtureConfig) error {
	rng := rand.New(rand.NewPCG(cfg.Seed, 99))
	sim, err := simulate.Simulate(rng, simulate.Options{Examinees: cfg.Examinees,
		Operational: cfg.Operational, Pretest: cfg.Pretest, Forms: 1})
	if err != nil {
		return err
	}
	form := sim.Forms[0]
	d := form.Data
	N, J := d.N, d.J
	ops := d.ItemsWithStatus(analysis.Operational)
	raw := d.RawScores(ops)
	files := map[string]*Table{}
	jsons := map[string]any{}

	// Classical statistics against the operational raw score.
	meanSD := func(x []float64) (float64, float64) {
		var m, s float64
		for _, v := range x {
			m += v
		}
		m /= float64(len(x))
		for _, v := range x {
			s += (v - m) * (v - m)
		}
		return m, math.Sqrt(s / float64(len(x)-1))
	}
	corr := func(x, y []float64) float64 {
		mx, sx := meanSD(x)
		my, sy := meanSD(y)
		var c float64
		for i := range x {
			c += (x[i] - mx) * (y[i] - my)
		}
		r := c / float64(len(x)-1) / (sx * sy)
		if math.IsNaN(r) {
			return 0
		}
		return r
	}
	total := make([]float64, N)
	for i := range total {
		total[i] = float64(raw[i])
	}
	item := func(j int) []float64 {
		x := make([]float64, N)
		for i := range x {
			if d.Scored[i*J+j] == 1 {
				x[i] = 1
			}
		}
		return x
	}
	isOp := map[int]bool{}
	for _, j := range ops {
		isOp[j] = true
	}
	alphaOf := func(idx []int) float64 {
		if len(idx) < 2 {
			return math.NaN()
		}
		tot := make([]float64, N)
		var sv float64
		for _, j := range idx {
			x := item(j)
			_, s := meanSD(x)
			sv += s * s
			for i := range tot {
				tot[i] += x[i]
			}
		}
		_, st := meanSD(tot)
		k := float64(len(idx))
		return k / (k - 1) * (1 - sv/(st*st))
	}
	alpha := alphaOf(ops)
	order := make([]int, N)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return raw[order[a]] < raw[order[b]] })
	quint := make([]int, N) // score fifth 0..4 of each candidate
	for r, i := range order {
		quint[i] = r * 5 / N
	}
	n27 := int(math.Round(0.27 * float64(N)))
	truthOf := map[string]simulate.TruthItem{}
	for _, ti := range form.Items {
		truthOf[ti.ID] = ti
	}
	writers := []string{"=1+1", "-x", "@SUM(A1)", "+cmd", "J. Doe", "-1.5"}

	st := &Table{Header: []string{"item_id", "domain", "status", "n", "p", "rpbis", "rpbis_corrected",
		"biserial", "disc_index", "alpha_if_deleted", "omit_rate", "flags", "position", "writer"}}
	opt := &Table{Header: []string{"item_id", "option", "is_key", "n", "prop", "rpbis", "mean_score",
		"q1", "q2", "q3", "q4", "q5"}}
	for j := 0; j < J; j++ {
		it := d.Items[j]
		x := item(j)
		p, _ := meanSD(x)
		rp := corr(x, total)
		rest := make([]float64, N)
		for i := range rest {
			rest[i] = total[i]
			if isOp[j] {
				rest[i] -= x[i]
			}
		}
		rpc := corr(x, rest)
		bis := math.NaN()
		if p > 0 && p < 1 {
			bis = rp * math.Sqrt(p*(1-p)) / distuv.UnitNormal.Prob(distuv.UnitNormal.Quantile(p))
		}
		var lo, hi float64
		for r := 0; r < n27; r++ {
			lo += x[order[r]]
			hi += x[order[N-1-r]]
		}
		disc := (hi - lo) / float64(n27)
		aid := math.NaN()
		if isOp[j] {
			var rest []int
			for _, k := range ops {
				if k != j {
					rest = append(rest, k)
				}
			}
			aid = alphaOf(rest)
		}
		omits := 0
		for i := 0; i < N; i++ {
			if d.Raw[i*J+j] == analysis.Omit {
				omits++
			}
		}
		var flags []string
		// option statistics
		type optStat struct{ rp, prop float64 }
		var keyRp float64
		var distr []optStat
		for k, o := range append(append([]string(nil), it.Options...), "omit") {
			code := uint8(k)
			if o == "omit" {
				code = analysis.Omit
			}
			c := make([]float64, N)
			var n int
			var sumScore float64
			var qn, qc [5]float64
			for i := 0; i < N; i++ {
				qn[quint[i]]++
				if d.Raw[i*J+j] == code {
					c[i] = 1
					n++
					sumScore += total[i]
					qc[quint[i]]++
				}
			}
			if o == "omit" && n == 0 {
				continue
			}
			prop := float64(n) / float64(N)
			orp := corr(c, total)
			ms := math.NaN()
			if n > 0 {
				ms = sumScore / float64(n)
			}
			key := it.IsKey(k) && o != "omit"
			if key {
				keyRp = orp
			} else if o != "omit" {
				distr = append(distr, optStat{orp, prop})
			}
			row := []string{it.ID, o, B(key), I(n), F(prop), F(orp), F(ms)}
			for q := 0; q < 5; q++ {
				row = append(row, F(qc[q]/qn[q]))
			}
			opt.Rows = append(opt.Rows, row)
		}
		for _, ds := range distr {
			if ds.rp > keyRp {
				flags = append(flags, "possible_miskey")
				break
			}
		}
		if rpc < 0.15 {
			flags = append(flags, "low_discrimination")
		}
		if p > 0.95 {
			flags = append(flags, "too_easy")
		}
		if p < 0.2 {
			flags = append(flags, "too_hard")
		}
		for _, ds := range distr {
			if ds.prop < 0.02 {
				flags = append(flags, "nonfunctioning_distractor")
				break
			}
		}
		st.Rows = append(st.Rows, []string{it.ID, it.Domain, it.Status.String(), I(N), F(p), F(rp), F(rpc),
			F(bis), F(disc), F(aid), F(float64(omits) / float64(N)), strings.Join(flags, ";"),
			I(truthOf[it.ID].Position), writers[j%len(writers)]})
	}
	files["analyze/item_stats.csv"] = st
	files["analyze/options.csv"] = opt

	// Domains.
	dom := &Table{Header: []string{"domain", "items", "weight", "mean", "sd", "alpha"}}
	for _, dm := range analysis.DefaultDomains() {
		var idx []int
		for _, j := range ops {
			if d.Items[j].Domain == dm.Name {
				idx = append(idx, j)
			}
		}
		if len(idx) == 0 {
			continue
		}
		sub := make([]float64, N)
		for _, j := range idx {
			x := item(j)
			for i := range sub {
				sub[i] += x[i]
			}
		}
		m, s := meanSD(sub)
		dom.Rows = append(dom.Rows, []string{dm.Name, I(len(idx)), F(dm.Weight), F(m), F(s), F(alphaOf(idx))})
	}
	files["analyze/domains.csv"] = dom
	mt, sdt := meanSD(total)
	dist := make([]int, len(ops)+1)
	minR, maxR := len(ops), 0
	for _, r := range raw {
		dist[r]++
		minR, maxR = min(minR, r), max(maxR, r)
	}
	jsons["analyze/summary.json"] = map[string]any{"candidates": N, "items": J, "operational": len(ops),
		"alpha": alpha, "sem": sdt * math.Sqrt(1-alpha), "mean": mt, "sd": sdt, "min": minR, "max": maxR,
		"score_distribution": dist,
		"items_by_status":    map[string]int{"operational": len(ops), "pretest": J - len(ops)}}

	// Calibration: the generating 3PL parameters with a little noise.
	par := &Table{Header: []string{"item_id", "model", "a", "b", "c", "d", "se_a", "se_b", "se_c",
		"infit", "outfit", "infit_z", "outfit_z", "sx2", "sx2_df", "sx2_p"}}
	var opItems []irt.Item
	for j := 0; j < J; j++ {
		ti := truthOf[d.Items[j].ID]
		a := ti.Item.A * math.Exp(0.08*rng.NormFloat64())
		b := ti.Item.B() + 0.1*rng.NormFloat64()
		c := math.Max(0.01, ti.Item.C+0.03*rng.NormFloat64())
		it := irt.NewItemIRT(irt.ThreePL, a, b, c)
		if isOp[j] {
			opItems = append(opItems, it)
		}
		infit := 1 + 0.08*rng.NormFloat64()
		outfit := infit + 0.1*rng.NormFloat64()
		if ti.Flaw == simulate.FlawMiskey || ti.Flaw == simulate.FlawNegative {
			infit, outfit = 1.35, 1.6
		}
		df := 8 + rng.IntN(6)
		sx2 := float64(df) * (1 + 0.3*rng.NormFloat64())
		pval := 1 - distuv.ChiSquared{K: float64(df)}.CDF(sx2)
		par.Rows = append(par.Rows, []string{ti.ID, "3pl", F(a), F(b), F(c), F(it.D),
			F(0.05 + 0.2/math.Sqrt(float64(N)/200)), F(0.08 + 0.1*math.Abs(b)/math.Sqrt(float64(N)/200)), F(0.03),
			F(infit), F(outfit), F((infit - 1) * 8), F((outfit - 1) * 6), F(sx2), I(df), F(pval)})
	}
	files["calibrate/params.csv"] = par
	// θ for each raw score by TCC inversion (raw 0 and max by ±4 clipping).
	thetaOfRaw := make([]float64, len(ops)+1)
	csemOfRaw := make([]float64, len(ops)+1)
	for r := range thetaOfRaw {
		lo, hi := -4.0, 4.0
		for it := 0; it < 60; it++ {
			m := (lo + hi) / 2
			if irt.TCC(opItems, m) < float64(r) {
				lo = m
			} else {
				hi = m
			}
		}
		thetaOfRaw[r] = (lo + hi) / 2
	}
	// Below the sum of the guessing parameters the TCC has no inverse:
	// interpolate from θ = −4 at raw 0 to the first invertible raw score.
	r0 := 0
	for r0 < len(ops) && thetaOfRaw[r0] < -3.99 {
		r0++
	}
	r0++
	for r := 0; r < r0 && r0 < len(thetaOfRaw); r++ {
		thetaOfRaw[r] = -4 + (thetaOfRaw[r0]+4)*float64(r)/float64(r0)
	}
	for r := range thetaOfRaw {
		csemOfRaw[r] = 1 / math.Sqrt(irt.TestInfo(opItems, thetaOfRaw[r]))
	}
	per := &Table{Header: []string{"examinee_id", "raw", "theta", "se"}}
	for i, c := range d.Candidates {
		per.Rows = append(per.Rows, []string{c.ID, I(raw[i]), F(thetaOfRaw[raw[i]]), F(csemOfRaw[raw[i]])})
	}
	files["calibrate/persons.csv"] = per
	jsons["calibrate/fit.json"] = map[string]any{"model": "3pl", "method": "mml", "loglik": -float64(N*J) * 0.55,
		"aic": float64(N*J)*1.1 + 6*float64(J), "bic": float64(N*J)*1.1 + 3*float64(J)*math.Log(float64(N)),
		"iterations": 87, "converged": true, "latent_mean": 0, "latent_sd": 1, "items": len(ops), "candidates": N}

	// Scale: cut at the simulation's cut θ.
	const slope = 40.0
	scaleOf := func(th float64) int {
		s := int(math.Round(slope*(th-sim.CutTheta) + 390))
		return min(500, max(200, s))
	}
	rawCut := -1
	conv := &Table{Header: []string{"raw", "theta", "csem", "scale_score", "pass", "cum_share"}}
	cum := 0
	for r := range thetaOfRaw {
		s := scaleOf(thetaOfRaw[r])
		if s >= 390 && rawCut < 0 {
			rawCut = r
		}
		cum += dist[r]
		conv.Rows = append(conv.Rows, []string{I(r), F(thetaOfRaw[r]), F(csemOfRaw[r]), I(s), B(s >= 390),
			F(float64(cum) / float64(N))})
	}
	files["scale/conversion.csv"] = conv
	jsons["scale/scale.json"] = map[string]any{"slope": slope, "theta_cut": sim.CutTheta, "cut": 390, "min": 200,
		"max": 500, "raw_cut": rawCut}
	sc := &Table{Header: []string{"examinee_id", "raw", "theta", "se", "scale_score", "pass"}}
	for i, c := range d.Candidates {
		sc.Rows = append(sc.Rows, []string{c.ID, I(raw[i]), F(thetaOfRaw[raw[i]]), F(csemOfRaw[raw[i]]),
			I(scaleOf(thetaOfRaw[raw[i]])), B(raw[i] >= rawCut)})
	}
	files["score/scores.csv"] = sc

	// Pretest review from the planted flaws.
	pre := &Table{Header: []string{"item_id", "domain", "decision", "reasons", "n", "p", "rpbis_corrected", "a", "b", "notes"}}
	clean := 0
	for j := 0; j < J; j++ {
		it := d.Items[j]
		if it.Status != analysis.Pretest {
			continue
		}
		ti := truthOf[it.ID]
		dec, reasons, notes := "promote", "", "Meets every criterion."
		switch ti.Flaw {
		case simulate.FlawMiskey:
			dec, reasons, notes = "reject", "possible_miskey;low_discrimination", "A distractor outscores the key; check the key."
		case simulate.FlawNegative:
			dec, reasons, notes = "reject", "negative_discrimination", "Stronger candidates answer it wrong more often."
		case simulate.FlawTooEasy:
			dec, reasons, notes = "revise", "too_easy;low_information_at_cut", "Almost everyone answers it correctly."
		case simulate.FlawTooHard:
			dec, reasons, notes = "revise", "too_hard", "Almost nobody answers it correctly."
		case simulate.FlawDeadDistractor:
			dec, reasons, notes = "revise", "nonfunctioning_distractor", "One distractor draws under 2 % of candidates."
		case simulate.FlawDIF:
			dec, reasons, notes = "reject", "dif_c", "=Mantel-Haenszel category C against the focal group."
		default:
			clean++
			if clean == 2 {
				dec, reasons, notes = "insufficient", "too_few_responses", "Fewer than 200 responses."
			}
		}
		k := tableCol(st, "item_id")
		for r := range st.Rows {
			if st.Rows[r][k] == it.ID {
				ps := par.Rows[r]
				pre.Rows = append(pre.Rows, []string{it.ID, it.Domain, dec, reasons, I(N), st.Rows[r][4],
					st.Rows[r][6], ps[2], ps[3], notes})
			}
		}
	}
	files["pretest/pretest.csv"] = pre

	// DIF: planted DIF item C, a couple B, others A.
	dif := &Table{Header: []string{"item_id", "mh_odds_ratio", "mh_d_dif", "se", "ets_category", "favours", "n_reference", "n_focal"}}
	nf := 0
	for _, c := range d.Candidates {
		if c.Group == simulate.GroupFocal {
			nf++
		}
	}
	for j := 0; j < J; j++ {
		ti := truthOf[d.Items[j].ID]
		dd := 0.3 * rng.NormFloat64()
		switch {
		case ti.Flaw == simulate.FlawDIF:
			dd = -1.9
		case j%9 == 4:
			dd = 1.2
		}
		cat := "A"
		if math.Abs(dd) >= 1.5 {
			cat = "C"
		} else if math.Abs(dd) >= 1 {
			cat = "B"
		}
		fav := ""
		if cat != "A" {
			fav = "reference"
			if dd > 0 {
				fav = "focal"
			}
		}
		dif.Rows = append(dif.Rows, []string{ti.ID, F(math.Exp(-dd / 2.35)), F(dd), F(0.25 + 0.1*rng.Float64()),
			cat, fav, I(N - nf), I(nf)})
	}
	files["dif/dif.csv"] = dif

	// Equating: a new form 0.6 raw points harder.
	eq := &Table{Header: []string{"raw", "mean", "linear", "equipercentile", "irt_true_score"}}
	for r := 0; r <= len(ops); r++ {
		x := float64(r)
		eq.Rows = append(eq.Rows, []string{I(r), F(x + 0.6), F(0.6 + 1.02*x - 0.01*mt),
			F(math.Min(float64(len(ops)), math.Max(0, x+0.6+0.3*math.Sin(x/3)))), F(x + 0.55)})
	}
	files["equate/equating.csv"] = eq
	jsons["equate/linking.json"] = map[string]any{"method": "stocking-lord", "A": 1.03, "B": 0.21,
		"anchors": 30, "dropped_anchors": []string{}}

	// Projection: pass rate by cut score under N(0, 1).
	pr := &Table{Header: []string{"cut_score", "raw_cut", "pass_rate", "pass_rate_lo", "pass_rate_hi"}}
	for cs := 330; cs <= 450; cs += 5 {
		th := sim.CutTheta + float64(cs-390)/slope
		rc := 0
		for r := range thetaOfRaw {
			if scaleOf(thetaOfRaw[r]) >= cs {
				rc = r
				break
			}
		}
		pass := 1 - distuv.UnitNormal.CDF(th)
		hw := 1.96 * math.Sqrt(pass*(1-pass)/float64(N))
		pr.Rows = append(pr.Rows, []string{I(cs), I(rc), F(pass), F(math.Max(0, pass-hw)), F(math.Min(1, pass+hw))})
	}
	files["project/projection.csv"] = pr
	jsons["project/accuracy.json"] = map[string]any{"cut": 390, "pass_rate": 1 - distuv.UnitNormal.CDF(sim.CutTheta),
		"accuracy": 0.912, "consistency": 0.876, "false_positive": 0.041, "false_negative": 0.047, "kappa": 0.71}

	seed := cfg.Seed
	man := &Manifest{Tool: "itemlab", Version: "0.1.0-fixture", Command: "run",
		Args:    []string{"run", "--responses", "data/responses.csv", "--items", "data/items.csv", "--out", "run"},
		Options: map[string]string{"model": "3pl", "omit": "wrong", "exam": "CEHRS practice form A"},
		Seed:    &seed,
		Inputs: []FileRecord{{Path: "data/responses.csv", Bytes: int64(N * (J*2 + 9)),
			SHA256: "9f2c1d0e4b7a8c6d5e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"},
			{Path: "data/items.csv", Bytes: int64(J * 40),
				SHA256: "1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001"}},
		Warnings: []string{fmt.Sprintf("item %q: a distractor outscores the key", form.Items[0].ID)},
		Started:  "2026-01-15T09:30:00Z", Seconds: 3.2, GoOS: "linux", GoArch: "amd64"}
	for _, s := range RunStages {
		man.Stages = append(man.Stages, StageRecord{Name: s, Seconds: 0.4, Outputs: 2})
	}
	jsons["manifest.json"] = man

	for name, t := range files {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, t); err != nil {
			return err
		}
		if err := fixtureWriteFile(filepath.Join(dir, name), buf.Bytes()); err != nil {
			return err
		}
	}
	for name, v := range jsons {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, fixtureJSONSafe(v)); err != nil {
			return err
		}
		if err := fixtureWriteFile(filepath.Join(dir, name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func fixtureJSONSafe(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		if f, ok := x.(float64); ok {
			out[k] = JSONFloat(f)
		} else {
			out[k] = x
		}
	}
	return out
}

func fixtureWriteFile(p string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}
