package irt_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/itemlab/itemlab/irt"
)

// ExampleFitMML calibrates 20 simulated 2PL items from 3000 candidates.
func ExampleFitMML() {
	rng := rand.New(rand.NewPCG(1, 2))
	items := make([]irt.Item, 20)
	for j := range items {
		items[j] = irt.NewItemIRT(irt.TwoPL, 0.8+1.2*rng.Float64(), rng.NormFloat64(), 0)
	}
	theta := make([]float64, 3000)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := irt.Simulate(rng, items, theta)

	res, err := irt.FitMML(context.Background(), r, irt.MMLOptions{Model: irt.TwoPL})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("converged: %v, %d parameters\n", res.Converged, res.NumParams)
	for j := 0; j < 3; j++ {
		it, se := res.Items[j], res.SE[j]
		fmt.Printf("item %d: a = %.2f (%.2f), b = %.2f (%.2f); true a = %.2f, b = %.2f\n",
			j, it.A, se.A, it.B(), se.B, items[j].A, items[j].B())
	}
	// Output:
	// converged: true, 40 parameters
	// item 0: a = 1.60 (0.08), b = 0.05 (0.03); true a = 1.61, b = 0.07
	// item 1: a = 1.40 (0.08), b = -1.21 (0.06); true a = 1.41, b = -1.13
	// item 2: a = 1.82 (0.22), b = -3.10 (0.23); true a = 1.76, b = -3.09
}
