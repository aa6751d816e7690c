package irt

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// grid3PLTestItems draws n 3PL items with a ~ U(0.3, 3), b ~ U(−3, 3),
// c ~ U(0, 0.35).
func grid3PLTestItems(rng *rand.Rand, n int) []Item {
	items := make([]Item, n)
	for i := range items {
		items[i] = NewItemIRT(ThreePL, 0.3+2.7*rng.Float64(), -3+6*rng.Float64(), 0.35*rng.Float64())
	}
	return items
}

// grid3PLTestRows returns rows simulated from θ ~ U(−4, 4) and the
// all-wrong, all-right, one-right and one-wrong rows.
func grid3PLTestRows(rng *rand.Rand, items []Item, n int) [][]uint8 {
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = -4 + 8*rng.Float64()
	}
	r := Simulate(rng, items, theta)
	rows := make([][]uint8, 0, n+4)
	for i := range n {
		rows = append(rows, r.Row(i))
	}
	J := len(items)
	for _, v := range []uint8{0, 1} {
		all := make([]uint8, J)
		one := make([]uint8, J)
		for j := range all {
			all[j], one[j] = v, v
		}
		one[rng.IntN(J)] = 1 - v
		rows = append(rows, all, one)
	}
	return rows
}

// grid3PLShape scans the exact estimating function of scorer s (from
// derivs, as scoreRoot sees it) on n points over the search interval and
// returns its number of sign changes and whether it ever increases.
func grid3PLShape(s *scorer, row []uint8, n int) (changes int, increases bool) {
	f := func(th float64) float64 {
		sc, info, jj := s.derivs(row, th, s.method == WLE)
		switch s.method {
		case WLE:
			return sc + jj/(2*info)
		case MAP:
			return sc - (th-s.mean)/(s.sd*s.sd)
		}
		return sc
	}
	prev := f(s.lo)
	for i := 1; i < n; i++ {
		cur := f(s.lo + (s.hi-s.lo)*float64(i)/float64(n-1))
		if (cur > 0) != (prev > 0) {
			changes++
		}
		if cur > prev {
			increases = true
		}
		prev = cur
	}
	return changes, increases
}

// grid3PLCounts counts rows by what the comparison found.
type grid3PLCounts struct {
	rows, taken       int
	severalRoots      int // rows whose estimating function changes sign more than once
	increasingOneRoot int // one sign change, but not monotone
	maxDTheta, maxDSE float64
}

// checkGrid3PL scores each row with and without the grid path by method m
// and reports differences beyond 1e-9 in θ or SE and any difference in
// status; it scans the exact estimating function on scan points (none if
// zero) and reports rows with several sign changes that took the grid path.
func checkGrid3PL(t *testing.T, name string, items []Item, rows [][]uint8, m ScoringMethod, scan int, n *grid3PLCounts) {
	t.Helper()
	const tol = 1e-9
	s := newScorer(items, m, ScoreOptions{PriorMean: 0.2, PriorSD: 1.1})
	if s.grid3 == nil {
		t.Fatalf("%s %v: no grid", name, m)
	}
	old := *s
	old.grid3 = nil
	var ws scoreWork
	for i, row := range rows {
		got := s.score(row, &ws)
		want := old.score(row, &ws)
		dth, dse := math.Abs(got.Theta-want.Theta), math.Abs(got.SE-want.SE)
		if !(dth <= tol) || !(dse <= tol) || got.Status != want.Status {
			t.Errorf("%s (%d items) %v row %d: %+v, want %+v (scoreRoot)", name, len(items), m, i, got, want)
		}
		n.maxDTheta, n.maxDSE = math.Max(n.maxDTheta, dth), math.Max(n.maxDSE, dse)
		_, ok := s.grid3.score(s, row, &ws.grid3)
		n.rows++
		if ok {
			n.taken++
		}
		if scan == 0 {
			continue
		}
		switch changes, increases := grid3PLShape(s, row, scan); {
		case changes > 1:
			n.severalRoots++
			if ok {
				t.Errorf("%s %v row %d: %d sign changes, but the grid path was taken", name, m, i, changes)
			}
		case changes == 1 && increases:
			n.increasingOneRoot++
		}
	}
}

// TestScoreGrid3PLMatchesScoreRoot compares the grid path of complete 3PL
// rows with scoreRoot (the path every row took before) on random item sets
// of 5–200 items and rows: |Δθ| ≤ 1e-9, |ΔSE| ≤ 1e-9 and the same status,
// for MLE, WLE and MAP; rows with several sign changes on a scan of 201
// points must fall back.
func TestScoreGrid3PLMatchesScoreRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	var n grid3PLCounts
	for set := range 40 {
		items := grid3PLTestItems(rng, 5+rng.IntN(196))
		rows := grid3PLTestRows(rng, items, 25)
		for _, m := range []ScoringMethod{MLE, WLE, MAP} {
			checkGrid3PL(t, fmt.Sprint("set ", set), items, rows, m, 201, &n)
		}
	}
	t.Logf("grid path for %d of %d rows (%d with several roots); max |Δθ| %.2g, |ΔSE| %.2g", n.taken, n.rows, n.severalRoots, n.maxDTheta, n.maxDSE)
	if n.taken < n.rows*3/4 {
		t.Errorf("grid path for %d of %d rows, want most", n.taken, n.rows)
	}
}

// TestScoreGrid3PLFallback checks on short tests of steep items with much
// guessing, where the estimating function of low-scoring rows often has
// several roots or is not monotone, that rows with several sign changes
// (on a scan of 2001 points) fall back to scoreRoot and every row agrees
// with it.
func TestScoreGrid3PLFallback(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	var n grid3PLCounts
	for set := range 40 {
		items := make([]Item, 5+rng.IntN(8))
		for i := range items {
			items[i] = NewItemIRT(ThreePL, 1.5+1.5*rng.Float64(), -3+6*rng.Float64(), 0.2+0.15*rng.Float64())
		}
		rows := grid3PLTestRows(rng, items, 30)
		for _, m := range []ScoringMethod{MLE, WLE, MAP} {
			checkGrid3PL(t, fmt.Sprint("set ", set), items, rows, m, 2001, &n)
		}
	}
	t.Logf("grid path for %d of %d rows; %d with several roots, %d with one root and an increase", n.taken, n.rows, n.severalRoots, n.increasingOneRoot)
	if n.severalRoots < 10 || n.increasingOneRoot < 10 {
		t.Errorf("%d rows with several roots and %d non-monotone with one root, want at least 10 of each", n.severalRoots, n.increasingOneRoot)
	}
}
