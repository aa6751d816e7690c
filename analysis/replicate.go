package analysis

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
)

// replicate runs fn for replications 0..reps−1 on GOMAXPROCS goroutines.
// Replication r gets its own PCG generator seeded by two values drawn from
// rng, in replication order, before any work starts, so results stored by r
// are a deterministic function of rng's state whatever the number of
// goroutines. progress, if non-nil, is called with the number of finished
// replications (from one goroutine at a time, in increasing order).
func replicate(rng *rand.Rand, reps int, progress func(done, total int), fn func(r int, g *rand.Rand)) {
	seeds := make([][2]uint64, reps)
	for r := range seeds {
		seeds[r] = [2]uint64{rng.Uint64(), rng.Uint64()}
	}
	workers := min(runtime.GOMAXPROCS(0), max(reps, 1))
	var next, done atomic.Int64
	var mu sync.Mutex
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
				n := int(done.Add(1))
				if progress != nil {
					mu.Lock()
					progress(n, reps)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
}
