package irt

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// TestInfitOutfitHand checks one item and person against the formulas
// evaluated by hand: two Rasch items at b = 0 and a person at θ = 0
// (P = 1/2, W = 1/4, C = 1/16, z² = 1 for either answer).
func TestInfitOutfitHand(t *testing.T) {
	items := []Item{NewItemIRT(Rasch, 1, 0, 0), NewItemIRT(Rasch, 1, 0, 0)}
	r := &Responses{N: 2, J: 2, X: []uint8{1, 0, 0, Missing}}
	it, ps := InfitOutfit(items, r, []float64{0, 0})
	// Item 0: two responses, z² = 1 each: MS = 1. q²_out = Σ(C/W²)/N² − 1/N = 2/4 − 1/2 = 0.
	if f := it[0]; f.N != 2 || f.Outfit != 1 || f.Infit != 1 || f.OutfitZ != 0 {
		t.Errorf("item 0: %+v, want N 2, MS 1, ZSTD 0", f)
	}
	// Person 1 answered one item: N = 1.
	if f := ps[1]; f.N != 1 || f.Outfit != 1 {
		t.Errorf("person 1: %+v, want N 1, outfit 1", f)
	}
	// Item 1 was answered once (missing for person 1).
	if f := it[1]; f.N != 1 {
		t.Errorf("item 1: %+v, want N 1", f)
	}
	it, _ = InfitOutfit(items, &Responses{N: 1, J: 2, X: []uint8{Missing, Missing}}, []float64{0})
	if !math.IsNaN(it[0].Infit) || it[0].N != 0 {
		t.Errorf("unanswered item: %+v, want NaN", it[0])
	}
}

// TestInfitOutfitUnderModel: for Rasch data with the true abilities, the
// mean squares of 30 items average 1.00 ± 0.05 and their ZSTDs have mean
// near 0 and SD near 1; with WLE abilities (estimated from the same data,
// slightly overfitting) the averages stay within 1.00 ± 0.05. An item with
// slope 3 overfits (infit < 0.8) and one with slope 0.3 underfits (> 1.2).
func TestInfitOutfitUnderModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	L, N := 30, 3000
	items := make([]Item, L)
	for i := range items {
		items[i] = NewItemIRT(Rasch, 1, -2+4*float64(i)/float64(L-1), 0)
	}
	theta := make([]float64, N)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := Simulate(rng, items, theta)
	wle, err := ScoreAll(context.Background(), items, r, WLE, ScoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wleTheta := make([]float64, N)
	for i, e := range wle {
		wleTheta[i] = e.Theta
	}
	for _, c := range []struct {
		name  string
		theta []float64
	}{{"true θ", theta}, {"WLE θ", wleTheta}} {
		it, ps := InfitOutfit(items, r, c.theta)
		var in, out, zin, zin2 float64
		for _, f := range it {
			in += f.Infit / float64(L)
			out += f.Outfit / float64(L)
			zin += f.InfitZ / float64(L)
			zin2 += f.InfitZ * f.InfitZ / float64(L)
		}
		if math.Abs(in-1) > 0.05 || math.Abs(out-1) > 0.05 {
			t.Errorf("%s: mean item infit %.3f, outfit %.3f, want 1.00 ± 0.05", c.name, in, out)
		}
		var pin float64
		for _, f := range ps {
			pin += f.Infit / float64(N)
		}
		if math.Abs(pin-1) > 0.05 {
			t.Errorf("%s: mean person infit %.3f, want 1.00 ± 0.05", c.name, pin)
		}
		if c.name == "true θ" {
			if sd := math.Sqrt(zin2 - zin*zin); math.Abs(zin) > 0.5 || sd < 0.6 || sd > 1.5 {
				t.Errorf("%s: infit ZSTD mean %.2f, SD %.2f, want ≈ 0 and ≈ 1", c.name, zin, sd)
			}
		}
		t.Logf("%s: mean item infit %.3f outfit %.3f, person infit %.3f", c.name, in, out, pin)
	}
	bad := append([]Item(nil), items...)
	bad[5] = NewItemIRT(TwoPL, 3, items[5].B(), 0)
	bad[20] = NewItemIRT(TwoPL, 0.3, items[20].B(), 0)
	r2 := Simulate(rng, bad, theta)
	it, _ := InfitOutfit(items, r2, theta) // fitted as Rasch
	if it[5].Infit > 0.8 || it[5].InfitZ > -2 {
		t.Errorf("steep item: infit %.3f (z %.2f), want overfit", it[5].Infit, it[5].InfitZ)
	}
	if it[20].Infit < 1.2 || it[20].InfitZ < 2 {
		t.Errorf("flat item: infit %.3f (z %.2f), want underfit", it[20].Infit, it[20].InfitZ)
	}
}
