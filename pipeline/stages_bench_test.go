package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/pretest"
	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/irt"
)

// benchSizes are the candidate counts of BenchmarkStages: a form of the
// real exam's size and a large one; ITEMLAB_BENCH_1M=1 adds a million.
func benchSizes() []int {
	sizes := []int{2000, 100_000}
	if os.Getenv("ITEMLAB_BENCH_1M") != "" {
		sizes = append(sizes, 1_000_000)
	}
	if s := os.Getenv("ITEMLAB_BENCH_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err == nil && n > 0 {
			sizes = []int{n}
		}
	}
	return sizes
}

// BenchmarkStages times every stage of a run except calibrate and report
// (their own benchmarks cover them) on a simulated 125-item administration
// (100 operational, 25 pretest, four options, a group column): ingest of
// the wide CSV, analyze, scale, score, dif, pretest (the anchored
// calibration and the review) and project (200 bootstrap replications).
// The operational items' parameters are the simulation's truth with
// standard errors of 0.05, standing in for the calibration (or the
// params.csv named by ITEMLAB_BENCH_PARAMS, e.g. of itemlab calibrate
// --model 3pl on the same simulation: itemlab simulate --examinees N --seed 1). Each stage's
// seconds per run are reported as a metric (wall, and CPU of all threads,
// which a machine shared with other work disturbs less), and the heap
// obtained from the system.
func BenchmarkStages(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			sim := writeSim(b, filepath.Join(dir, "sim"), n)
			var params []analysis.ItemParams
			for _, t := range sim.Forms[0].Items {
				if t.Status == analysis.Operational {
					params = append(params, analysis.ItemParams{ItemID: t.ID, Item: t.Item,
						SE: irtSE(0.05)})
				}
			}
			if f := os.Getenv("ITEMLAB_BENCH_PARAMS"); f != "" {
				// A calibration's params.csv of this simulation (same N, seed 1).
				out, err := NewOutput(filepath.Join(dir, "params"), Invocation{Command: "itemlab bench"}, nil, true)
				if err != nil {
					b.Fatal(err)
				}
				if params, err = LoadParams(out, "params", f); err != nil {
					b.Fatal(err)
				}
				out.Abort()
			}
			ctx := context.Background()
			secs, cpu := map[string]float64{}, map[string]float64{}
			var order []string
			timeIt := func(name string, fn func() error) {
				start, startCPU := time.Now(), cpuSeconds()
				if err := fn(); err != nil {
					b.Fatalf("%s: %v", name, err)
				}
				if _, ok := secs[name]; !ok {
					order = append(order, name)
				}
				secs[name] += time.Since(start).Seconds()
				cpu[name] += cpuSeconds() - startCPU
			}
			runs := 0
			for b.Loop() {
				runs++
				out, err := NewOutput(filepath.Join(dir, "run"), Invocation{Command: "itemlab run"}, nil, true)
				if err != nil {
					b.Fatal(err)
				}
				var d *analysis.Dataset
				timeIt("ingest", func() (err error) {
					d, err = LoadData(out, DataOptions{Responses: filepath.Join(dir, "sim", "responses.csv"), Items: filepath.Join(dir, "sim", "items.csv")})
					return err
				})
				var cl *classical.Result
				cs := ClassicalSettings{Thresholds: classical.DefaultThresholds(), Domains: analysis.DefaultDomains()}
				timeIt("analyze", func() (err error) { cl, err = Analyze(ctx, out, "analyze", d, cs, "bench"); return })
				cut := sim.CutTheta
				ss := ScaleSettings{CutTheta: &cut, LatentSD: 1}
				form, err := FormOf(d, params)
				if err != nil {
					b.Fatal(err)
				}
				sc, err := ResolveScale(out, ss, form.Items)
				if err != nil {
					b.Fatal(err)
				}
				timeIt("scale", func() error { _, err := Scale(ctx, out, "scale", form, sc, ss); return err })
				timeIt("score", func() error { _, err := Score(ctx, out, "score", d, params, sc, ss); return err })
				ds := DIFSettings{}
				timeIt("dif", func() error { _, err := DIF(ctx, out, "dif", d, ds); return err })
				timeIt("pretest", func() error {
					_, err := Pretest(ctx, out, "pretest", d, cl, params, PretestSettings{Model: "3pl", Rules: pretest.DefaultRules(),
						CutTheta: sc.ThetaCut, DIF: &ds, Domains: cs.Domains})
					return err
				})
				timeIt("project", func() error {
					_, _, err := Project(ctx, out, "project", form, sc, projection.Population{Mean: 0, SD: 1, N: d.N},
						ProjectSettings{Reps: 200}, rand.New(rand.NewPCG(1, 2)))
					return err
				})
				out.Abort()
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			for _, name := range order {
				b.ReportMetric(secs[name]/float64(runs), name+"-s/op")
				b.ReportMetric(cpu[name]/float64(runs), name+"-cpu-s/op")
			}
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MB")
		})
	}
}

// writeSim writes a simulated administration of n candidates into dir.
func writeSim(b *testing.B, dir string, n int) *simulate.Simulation {
	b.Helper()
	out, err := NewOutput(dir, Invocation{Command: "itemlab simulate"}, nil, true)
	if err != nil {
		b.Fatal(err)
	}
	sim, err := Simulate(context.Background(), out, "", 1, simulate.Options{Examinees: n})
	if err != nil {
		b.Fatal(err)
	}
	if err := out.CommitFolder(); err != nil {
		b.Fatal(err)
	}
	return sim
}

func irtSE(v float64) irt.ItemSE {
	return irt.ItemSE{A: v, B: v, C: v / 2, D: v, LogitC: math.NaN()}
}
