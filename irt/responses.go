package irt

// Missing marks a response that does not count in the likelihood: an omit
// under the "missing" rule, a not-reached item, or an item not presented.
const Missing uint8 = 255

// Responses is a scored response matrix with one byte per cell, row-major:
// X[i*J+j] is candidate i's response to item j, 0 (wrong), 1 (right) or
// Missing. Weights, if non-nil, holds a frequency weight per row, so that a
// table of response patterns with counts can be fitted directly; nil means
// every row has weight 1.
//
// A Responses is not modified by any function in this package and is safe
// for concurrent reads.
type Responses struct {
	N, J    int
	X       []uint8
	Weights []float64
}

// NewResponses returns an n×j matrix with every cell 0.
func NewResponses(n, j int) *Responses {
	return &Responses{N: n, J: j, X: make([]uint8, n*j)}
}

// Row returns candidate i's responses (a view, not a copy).
func (r *Responses) Row(i int) []uint8 { return r.X[i*r.J : (i+1)*r.J] }

// At returns candidate i's response to item j.
func (r *Responses) At(i, j int) uint8 { return r.X[i*r.J+j] }

// Weight returns the frequency weight of row i (1 when Weights is nil).
func (r *Responses) Weight(i int) float64 {
	if r.Weights == nil {
		return 1
	}
	return r.Weights[i]
}
