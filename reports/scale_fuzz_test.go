package reports

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// FuzzReadScale: no input panics the scale.json reader, and a scale it
// accepts gives, for every θ, a finite score within [min, max] that never
// falls as θ rises, with θ_cut scoring at least the cut (nobody at the
// standard fails).
func FuzzReadScale(f *testing.F) {
	f.Add(`{"slope": 40, "theta_cut": -0.5, "cut": 390, "min": 200, "max": 500}`)
	f.Add(`{"slope": 1e-300, "theta_cut": 0, "cut": 390, "min": 200, "max": 500}`)
	f.Add(`{"slope": 1e300, "theta_cut": 1e300, "cut": 2, "min": 1, "max": 3}`)
	f.Add(`{"slope": 40, "theta_cut": -0.5, "cut": 390.5, "min": 200, "max": 500}`)
	f.Add(`{"slope": "40"}`)
	f.Add(`[]`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ReadScale("scale.json", strings.NewReader(s))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "scale.json: ") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		thetas := []float64{-1e6, -40, -4, -1, 0, 1, 4, 40, 1e6, sc.ThetaCut}
		slices.Sort(thetas)
		prev := math.Inf(-1)
		for _, th := range thetas {
			v := sc.Score(th)
			if math.IsNaN(v) || v < sc.Min || v > sc.Max {
				t.Fatalf("Score(%g) = %g, want within [%g, %g] (%+v)", th, v, sc.Min, sc.Max, sc)
			}
			if v < prev {
				t.Fatalf("Score(%g) = %g falls below %g (%+v)", th, v, prev, sc)
			}
			prev = v
		}
		if v := sc.Score(sc.ThetaCut); v < sc.Cut {
			t.Fatalf("Score(θ_cut %g) = %g, below the cut %g (%+v)", sc.ThetaCut, v, sc.Cut, sc)
		}
	})
}
