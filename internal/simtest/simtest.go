// Package simtest holds simulated datasets and forms shared by the tests of
// several packages. It is not for use outside tests.
package simtest

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// clsSimulate builds an option-coded dataset: n candidates, j items with
// four options A–D (key cycling A, B, C, D), answers from a Rasch-like
// model, 3 % omits, and the given statuses cycling over the items.
// Rasch simulates n candidates answering j four-option Rasch items with
// b ~ N(0, 1), θ ~ N(0, 1) and 3 % omits; item k has status
// statuses[k % len(statuses)].
func Rasch(rng *rand.Rand, n, j int, statuses []analysis.Status) *analysis.Dataset {
	d := &analysis.Dataset{N: n, J: j, Raw: make([]uint8, n*j), Scored: make([]uint8, n*j)}
	domains := []string{"Clinical", "Operations", "Finance", "Regulatory", "Reporting"}
	for k := 0; k < j; k++ {
		d.Items = append(d.Items, analysis.ItemInfo{ID: "Q" + strconv.Itoa(k+1), Options: []string{"A", "B", "C", "D"},
			KeyMask: 1 << uint(k%4), Domain: domains[k%len(domains)], Status: statuses[k%len(statuses)], Column: k + 2})
	}
	b := make([]float64, j)
	for k := range b {
		b[k] = rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		d.Candidates = append(d.Candidates, analysis.Candidate{ID: strconv.Itoa(i + 1), Line: i + 2})
		theta := rng.NormFloat64()
		for k := 0; k < j; k++ {
			c := i*j + k
			key := k % 4
			switch {
			case rng.Float64() < 0.03:
				d.Raw[c], d.Scored[c] = analysis.Omit, irt.Missing
			case rng.Float64() < 1/(1+math.Exp(-(theta-b[k]))):
				d.Raw[c], d.Scored[c] = uint8(key), 1
			default:
				o := rng.IntN(3)
				if o >= key {
					o++
				}
				d.Raw[c], d.Scored[c] = uint8(o), 0
			}
		}
	}
	return d
}

// Items3PL is a 40-item 3PL form: b from −2 to 2, a from 0.8 to 1.58,
// c = 0.2.
func Items3PL() []irt.Item {
	var items []irt.Item
	for j := 0; j < 40; j++ {
		b := -2 + 4*float64(j)/39
		items = append(items, irt.NewItemIRT(irt.ThreePL, 0.8+0.02*float64(j), b, 0.2))
	}
	return items
}
