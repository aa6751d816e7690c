package replicate

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// Run runs fn for replications 0..reps−1 on GOMAXPROCS goroutines.
// Replication r gets its own PCG generator seeded by two values drawn from
// rng, in replication order, before any work starts, so results stored by r
// are a deterministic function of rng's state whatever the number of
// goroutines. progress, if non-nil, is called with the number of finished
// replications (from one goroutine at a time, in increasing order).
func Run(rng *rand.Rand, reps int, progress func(done, total int), fn func(r int, g *rand.Rand)) {
	seeds := make([][2]uint64, reps)
	for r := range seeds {
		seeds[r] = [2]uint64{rng.Uint64(), rng.Uint64()}
	}
	workers := min(runtime.GOMAXPROCS(0), max(reps, 1))
	var next atomic.Int64
	var mu sync.Mutex
	finished := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r := int(next.Add(1)) - 1
				if r >= reps {
					return
				}
				fn(r, rand.New(rand.NewPCG(seeds[r][0], seeds[r][1])))
				if progress != nil {
					mu.Lock()
					finished++
					progress(finished, reps)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
}

// DrawItems draws a, b and c of each item from normal distributions around
// the estimates with their standard errors (a kept positive, c in [0, 0.5]).
func DrawItems(rng *rand.Rand, ps []analysis.ItemParams) []irt.Item {
	out := make([]irt.Item, len(ps))
	for k, p := range ps {
		a, b, c := p.Item.A, p.Item.B(), p.Item.C
		if p.Item.Model != irt.Rasch {
			a = math.Max(a+p.SE.A*rng.NormFloat64(), 0.05)
		}
		b += p.SE.B * rng.NormFloat64()
		if p.Item.Model == irt.ThreePL {
			c = math.Min(math.Max(c+p.SE.C*rng.NormFloat64(), 0), 0.5)
		}
		out[k] = irt.NewItemIRT(p.Item.Model, a, b, c)
	}
	return out
}

// SD is the sample standard deviation of x (n − 1 denominator).
func SD(x []float64) float64 {
	var m float64
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return math.Sqrt(s / float64(len(x)-1))
}

// Percentile returns the p-quantile of x by linear interpolation (R type 7).
func Percentile(x []float64, p float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	h := p * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}
