package equate

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// BootstrapOptions tunes Bootstrap. The zero value is valid.
type BootstrapOptions struct {
	Reps    int // replications; zero means 100 (R equate's default)
	Workers int // goroutines; zero means runtime.GOMAXPROCS(0)
}

// BootstrapResult holds bootstrap standard errors of equating.
type BootstrapResult struct {
	Reps int
	// Mean[x] is the mean over replications of the form Y equivalent of x;
	// SE[x] their standard deviation (divisor Reps − 1), the bootstrap
	// standard error of equating at x (K&B 2014, ch. 7).
	Mean, SE []float64
}

// Bootstrap estimates standard errors of equating form X to form Y by
// method m with options opts by the nonparametric bootstrap (Efron &
// Tibshirani, 1993; K&B 2014, ch. 7): each replication draws round(N1)
// candidates with replacement from group 1's table and round(N2) from
// group 2's (cells drawn with probability count/N, so the (total, anchor)
// pairs stay together), equates the two resampled tables, and the standard
// error at each score is the SD of the equated scores over replications.
//
// Replication r uses its own PCG generator seeded by two values drawn from
// rng in replication order before any work starts, so the result is a
// deterministic function of rng's state, whatever the number of workers.
// It checks ctx between replications and returns ctx.Err() if cancelled.
// A replication whose equating fails (e.g. a resample with zero variance)
// makes Bootstrap return that error, naming the replication.
func Bootstrap(ctx context.Context, rng *rand.Rand, x, y *Table, m Method, opts Options, bo BootstrapOptions) (*BootstrapResult, error) {
	reps := bo.Reps
	if reps == 0 {
		reps = 100
	}
	if reps < 2 {
		return nil, fmt.Errorf("equate: bootstrap needs at least 2 replications, got %d", reps)
	}
	// Fail early on the full data.
	if _, err := Equate(x, y, m, opts); err != nil {
		return nil, err
	}
	workers := bo.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, reps)
	seeds := make([][2]uint64, reps)
	for i := range seeds {
		seeds[i] = [2]uint64{rng.Uint64(), rng.Uint64()}
	}
	sx, sy := newBootSampler(x), newBootSampler(y)
	nx, ny := int(math.Round(x.N())), int(math.Round(y.N()))
	kx := x.maxScore + 1
	eq := make([]float64, reps*kx)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (reps + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, reps)
		wg.Add(1)
		go func() {
			defer wg.Done()
			bx, by := x.Clone(), y.Clone()
			for r := lo; r < hi; r++ {
				if err := ctx.Err(); err != nil {
					errs[w] = err
					return
				}
				g := rand.New(rand.NewPCG(seeds[r][0], seeds[r][1]))
				sx.draw(g, nx, bx.counts)
				sy.draw(g, ny, by.counts)
				res, err := Equate(bx, by, m, opts)
				if err != nil {
					errs[w] = fmt.Errorf("equate: bootstrap replication %d: %w", r+1, err)
					return
				}
				copy(eq[r*kx:(r+1)*kx], res.Yx)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out := &BootstrapResult{Reps: reps, Mean: make([]float64, kx), SE: make([]float64, kx)}
	for r := range reps {
		for s := range kx {
			out.Mean[s] += eq[r*kx+s]
		}
	}
	for s := range kx {
		out.Mean[s] /= float64(reps)
	}
	for r := range reps {
		for s := range kx {
			d := eq[r*kx+s] - out.Mean[s]
			out.SE[s] += d * d
		}
	}
	for s := range kx {
		out.SE[s] = math.Sqrt(out.SE[s] / float64(reps-1))
	}
	return out, nil
}

// bootSampler draws table cells with probability proportional to their
// counts by Vose's alias method (O(1) per draw).
type bootSampler struct {
	cell  []int // cell index of each non-empty cell
	prob  []float64
	alias []int
}

func newBootSampler(t *Table) *bootSampler {
	s := &bootSampler{}
	var w []float64
	for i, c := range t.counts {
		if c > 0 {
			s.cell = append(s.cell, i)
			w = append(w, c)
		}
	}
	k := len(w)
	total := eqSum(w)
	s.prob = make([]float64, k)
	s.alias = make([]int, k)
	scaled := make([]float64, k)
	var small, large []int
	for i, v := range w {
		scaled[i] = v * float64(k) / total
		if scaled[i] < 1 {
			small = append(small, i)
		} else {
			large = append(large, i)
		}
	}
	for len(small) > 0 && len(large) > 0 {
		l := small[len(small)-1]
		small = small[:len(small)-1]
		g := large[len(large)-1]
		large = large[:len(large)-1]
		s.prob[l] = scaled[l]
		s.alias[l] = g
		scaled[g] = scaled[g] + scaled[l] - 1
		if scaled[g] < 1 {
			small = append(small, g)
		} else {
			large = append(large, g)
		}
	}
	for _, i := range large {
		s.prob[i] = 1
	}
	for _, i := range small {
		s.prob[i] = 1
	}
	return s
}

// draw fills counts with n draws. Each draw takes one 64-bit random
// number: the high 32 bits pick the column (multiply–shift; the bias is
// below k/2³², negligible for tables of a few thousand cells) and the low
// 32 bits, as a fraction, decide between the column and its alias.
func (s *bootSampler) draw(g *rand.Rand, n int, counts []float64) {
	for i := range counts {
		counts[i] = 0
	}
	k := uint64(len(s.cell))
	for range n {
		u := g.Uint64()
		i := int(((u >> 32) * k) >> 32)
		if float64(uint32(u))*(1.0/(1<<32)) >= s.prob[i] {
			i = s.alias[i]
		}
		counts[s.cell[i]]++
	}
}
