package analysis

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// TestRawScoresWorkers checks raw scores counted in candidate blocks on
// several goroutines against one goroutine, on a dataset large enough to be
// split.
func TestRawScoresWorkers(t *testing.T) {
	const n, J = 120_000, 7
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]uint8, n*J)
	for k := range x {
		x[k] = []uint8{0, 1, 255}[rng.IntN(3)]
	}
	ids := []string{"a", "b", "c", "d", "e", "f", "g"}
	d := FromScored(ids, n, x)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	one := d.RawScores([]int{0, 2, 3, 6})
	runtime.GOMAXPROCS(3)
	three := d.RawScores([]int{0, 2, 3, 6})
	if !slices.Equal(one, three) {
		t.Fatal("raw scores on 3 goroutines differ from 1")
	}
	for _, i := range []int{0, n / 2, n - 1} {
		want := 0
		for _, j := range []int{0, 2, 3, 6} {
			if x[i*J+j] == 1 {
				want++
			}
		}
		if three[i] != want {
			t.Errorf("candidate %d: raw %d, want %d", i, three[i], want)
		}
	}
}
