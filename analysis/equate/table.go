package equate

import (
	"fmt"
	"math"
)

// Table is a frequency table of number-correct scores on one form: the
// counts of total scores 0..K, optionally crossed with the scores 0..L on an
// anchor (common-item) test for the common-item nonequivalent groups (NEAT)
// design. Counts may be non-integer weights (a smoothed table). A Table is
// not safe for concurrent modification; concurrent reads are safe.
type Table struct {
	maxScore  int
	maxAnchor int       // −1 for a univariate table
	counts    []float64 // [x*(maxAnchor+1)+v], or [x] when univariate
}

// NewFreq returns a univariate table with counts[x] at score x = 0..len−1.
// The slice is copied. It returns an error for an empty slice or a
// negative or non-finite count.
func NewFreq(counts []float64) (*Table, error) {
	if len(counts) == 0 {
		return nil, fmt.Errorf("equate: empty frequency table")
	}
	t := &Table{maxScore: len(counts) - 1, maxAnchor: -1, counts: append([]float64(nil), counts...)}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// NewBivariate returns an empty (total, anchor) table for total scores
// 0..maxScore and anchor scores 0..maxAnchor. It panics if either maximum
// is negative.
func NewBivariate(maxScore, maxAnchor int) *Table {
	if maxScore < 0 || maxAnchor < 0 {
		panic("equate: NewBivariate: negative maximum score")
	}
	return &Table{maxScore: maxScore, maxAnchor: maxAnchor, counts: make([]float64, (maxScore+1)*(maxAnchor+1))}
}

// FromScores tabulates total scores 0..maxScore (univariate). It returns
// an error naming the first score out of range.
func FromScores(total []int, maxScore int) (*Table, error) {
	if maxScore < 0 {
		return nil, fmt.Errorf("equate: maximum score %d < 0", maxScore)
	}
	c := make([]float64, maxScore+1)
	for i, x := range total {
		if x < 0 || x > maxScore {
			return nil, fmt.Errorf("equate: score %d of candidate %d outside 0..%d", x, i+1, maxScore)
		}
		c[x]++
	}
	return NewFreq(c)
}

// FromPairs tabulates (total, anchor) score pairs of one group. It returns
// an error naming the first pair out of range or, for an internal anchor,
// an anchor score above the total (internal is not checked otherwise).
func FromPairs(total, anchor []int, maxScore, maxAnchor int, internal bool) (*Table, error) {
	if len(total) != len(anchor) {
		return nil, fmt.Errorf("equate: %d total scores but %d anchor scores", len(total), len(anchor))
	}
	if maxScore < 0 || maxAnchor < 0 {
		return nil, fmt.Errorf("equate: negative maximum score")
	}
	t := NewBivariate(maxScore, maxAnchor)
	for i := range total {
		x, v := total[i], anchor[i]
		if x < 0 || x > maxScore || v < 0 || v > maxAnchor {
			return nil, fmt.Errorf("equate: candidate %d: scores (%d, %d) outside 0..%d × 0..%d", i+1, x, v, maxScore, maxAnchor)
		}
		if internal && v > x {
			return nil, fmt.Errorf("equate: candidate %d: internal anchor score %d above total %d", i+1, v, x)
		}
		t.counts[x*(maxAnchor+1)+v]++
	}
	return t, nil
}

// Add adds w to the count of total score x and anchor score v (v is
// ignored for a univariate table). It panics if a score is out of range.
func (t *Table) Add(x, v int, w float64) {
	if x < 0 || x > t.maxScore {
		panic("equate: Add: total score out of range")
	}
	if t.maxAnchor < 0 {
		t.counts[x] += w
		return
	}
	if v < 0 || v > t.maxAnchor {
		panic("equate: Add: anchor score out of range")
	}
	t.counts[x*(t.maxAnchor+1)+v] += w
}

func (t *Table) check() error {
	for i, c := range t.counts {
		if !(c >= 0) || math.IsInf(c, 0) {
			return fmt.Errorf("equate: count %g in cell %d is not a finite non-negative number", c, i)
		}
	}
	return nil
}

// MaxScore is the largest total score K of the table's scale.
func (t *Table) MaxScore() int { return t.maxScore }

// MaxAnchor is the largest anchor score L, or −1 for a univariate table.
func (t *Table) MaxAnchor() int { return t.maxAnchor }

// HasAnchor reports whether the table crosses total with anchor scores.
func (t *Table) HasAnchor() bool { return t.maxAnchor >= 0 }

// cols is the number of anchor columns (1 for a univariate table).
func (t *Table) cols() int {
	if t.maxAnchor < 0 {
		return 1
	}
	return t.maxAnchor + 1
}

// Count returns the count at total x and anchor v (v ignored if
// univariate).
func (t *Table) Count(x, v int) float64 {
	if t.maxAnchor < 0 {
		return t.counts[x]
	}
	return t.counts[x*(t.maxAnchor+1)+v]
}

// N is the total count.
func (t *Table) N() float64 {
	var s float64
	for _, c := range t.counts {
		s += c
	}
	return s
}

// Total returns the marginal counts of the total score, x = 0..K.
func (t *Table) Total() []float64 {
	out := make([]float64, t.maxScore+1)
	nc := t.cols()
	for x := range out {
		for v := 0; v < nc; v++ {
			out[x] += t.counts[x*nc+v]
		}
	}
	return out
}

// Anchor returns the marginal counts of the anchor score, v = 0..L; nil for
// a univariate table.
func (t *Table) Anchor() []float64 {
	if t.maxAnchor < 0 {
		return nil
	}
	nc := t.cols()
	out := make([]float64, nc)
	for x := 0; x <= t.maxScore; x++ {
		for v := 0; v < nc; v++ {
			out[v] += t.counts[x*nc+v]
		}
	}
	return out
}

// Clone returns a deep copy.
func (t *Table) Clone() *Table {
	c := *t
	c.counts = append([]float64(nil), t.counts...)
	return &c
}

// tableMoments are the sample moments of a (total, anchor) table with the
// divisor N − 1 for (co)variances, as R's equate computes them
// (var.freqtab, cov.freqtab).
type tableMoments struct {
	n           float64
	mx, mv      float64 // means of total and anchor
	vx, vv, cxv float64 // variances and covariance
	sx, sv      float64 // standard deviations
}

func (t *Table) moments() tableMoments {
	var m tableMoments
	nc := t.cols()
	var sx, sv, sxx, svv, sxv float64
	for x := 0; x <= t.maxScore; x++ {
		for v := 0; v < nc; v++ {
			c := t.counts[x*nc+v]
			if c == 0 {
				continue
			}
			fx, fv := float64(x), float64(v)
			m.n += c
			sx += c * fx
			sv += c * fv
			sxx += c * fx * fx
			svv += c * fv * fv
			sxv += c * fx * fv
		}
	}
	n := m.n
	m.mx, m.mv = sx/n, sv/n
	m.vx = (sxx - sx*sx/n) / (n - 1)
	m.vv = (svv - sv*sv/n) / (n - 1)
	m.cxv = (sxv - sx*sv/n) / (n - 1)
	m.sx, m.sv = math.Sqrt(m.vx), math.Sqrt(m.vv)
	return m
}

// freqMoments returns the mean and the N − 1 standard deviation of a
// univariate distribution of counts.
func freqMoments(f []float64) (mean, sd float64) {
	var n, s, ss float64
	for x, c := range f {
		n += c
		s += c * float64(x)
		ss += c * float64(x) * float64(x)
	}
	mean = s / n
	return mean, math.Sqrt((ss - s*s/n) / (n - 1))
}
