package assemble

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"github.com/itemlab/itemlab/irt"
)

// The blueprint of the programme in seed/what-is-cehrs.txt.
var testWeights = []Weight{
	{"Clinical Operations", 32}, {"Non-Clinical Operations", 28}, {"Revenue Cycle/Finance", 15},
	{"Regulatory Compliance", 15}, {"Reporting", 10},
}

// simConfig describes a simulated bank.
type simConfig struct {
	seed     uint64
	items    int     // operational items
	pretest  int     // pretest items
	prevForm int     // items of the previous form "F0"
	enemyTop int     // per domain, the top enemyTop items by information at the cut are paired into enemy sets
	cut      float64 // cut θ
}

// simBank draws a bank of 2PL/3PL items over the five domains, with a
// metadata column "format" (scenario items are a quarter of the bank and
// less discriminating, so a minimum count of them binds), enemy sets that
// pair the most informative items of each domain (so the best items per
// domain are never a feasible form), and a previous form F0 whose items are
// the anchor candidates.
func simBank(c simConfig) *Pool {
	rng := rand.New(rand.NewPCG(c.seed, 0x17e41ab))
	w := make([]float64, len(testWeights))
	for d, x := range testWeights {
		w[d] = x.Weight
	}
	per := Apportion(w, c.items)
	pool := &Pool{}
	for d, n := range per {
		for k := range n {
			a := math.Exp(rng.NormFloat64()*0.3) * 1.1
			b := rng.NormFloat64()
			format := "standard"
			if rng.Float64() < 0.25 {
				format = "scenario"
				a *= 0.75
			}
			var it irt.Item
			if rng.Float64() < 0.5 {
				it = irt.NewItemIRT(irt.TwoPL, a, b, 0)
			} else {
				it = irt.NewItemIRT(irt.ThreePL, a, b, 0.1+0.15*rng.Float64())
			}
			pool.Items = append(pool.Items, Item{
				ID:     fmt.Sprintf("D%d-%03d", d+1, k+1),
				Domain: testWeights[d].Domain,
				IRT:    it,
				Meta:   map[string]string{"format": format, "writer": fmt.Sprintf("w%d", rng.IntN(6))},
			})
		}
	}
	// Enemy sets among the most informative items of each domain.
	for d := range testWeights {
		var idx []int
		for i := range pool.Items {
			if pool.Items[i].Domain == testWeights[d].Domain {
				idx = append(idx, i)
			}
		}
		sort.Slice(idx, func(x, y int) bool {
			return pool.Items[idx[x]].IRT.Info(c.cut) > pool.Items[idx[y]].IRT.Info(c.cut)
		})
		top := min(c.enemyTop, len(idx))
		for k := 0; k+1 < top; k += 2 {
			label := fmt.Sprintf("E%d-%d", d+1, k/2+1)
			pool.Items[idx[k]].Enemies = append(pool.Items[idx[k]].Enemies, label)
			pool.Items[idx[k+1]].Enemies = append(pool.Items[idx[k+1]].Enemies, label)
		}
	}
	// Previous form: a random subset.
	perm := rng.Perm(len(pool.Items))
	for _, i := range perm[:c.prevForm] {
		pool.Items[i].Forms = []string{"F0"}
	}
	for j := range c.pretest {
		d := j % len(testWeights)
		pool.Pretest = append(pool.Pretest, Item{
			ID:     fmt.Sprintf("P%03d", j+1),
			Domain: testWeights[d].Domain,
			IRT:    irt.NewItemIRT(irt.TwoPL, 1, rng.NormFloat64(), 0),
		})
	}
	// A pretest item that is an enemy of an operational one.
	if c.pretest > 0 {
		pool.Pretest[0].Enemies = []string{"E1-1"}
	}
	return pool
}

// simSpec is the spec used with simBank: n items per form, the blueprint
// counts from testWeights, at least 20 % scenario items, at most 40 % by
// writer w0, and an anchor block of anchor items (0: none) in 3 b-bins.
func simSpec(n, forms, anchor, pretest int, cut float64) *Spec {
	dom, err := CountsFromWeights(testWeights, n)
	if err != nil {
		panic(err)
	}
	s := &Spec{
		Length:  n,
		Forms:   forms,
		Domains: dom,
		Attributes: []AttributeCount{
			{Key: "format", Value: "scenario", Count: AtLeast(n / 5)},
			{Key: "writer", Value: "w0", Count: AtMost(n * 2 / 5)},
		},
		CutTheta: cut,
	}
	if anchor > 0 {
		s.Anchor = &Anchor{Form: "F0", Count: anchor, DifficultyBins: 3}
	}
	if pretest > 0 {
		s.Pretest = &Pretest{Count: pretest}
	}
	return s
}
