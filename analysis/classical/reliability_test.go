package classical

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/itemlab/itemlab/internal/simtest"

	"github.com/itemlab/itemlab/analysis"

	"gonum.org/v1/gonum/mat"
)

// Alpha and AlphaSE on Analyze's covariance matrix reproduce the test
// statistics, and α from the covariance matrix equals α from the variance
// of the total score (Σᵢⱼ cᵢⱼ = σ²_X).
func TestAlphaCovariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	d := simtest.Rasch(rng, 1500, 15, []analysis.Status{analysis.Operational, analysis.Operational, analysis.Pretest})
	c := mustAnalyze(t, d, Options{})
	if got, want := Alpha(c.Covariance), c.Test.Alpha; math.Abs(got-want) > 1e-12 {
		t.Errorf("Alpha(cov) = %.12f, want %.12f", got, want)
	}
	if got, want := AlphaSE(c.Covariance, d.N), c.Test.AlphaSE; got != want {
		t.Errorf("AlphaSE(cov) = %.12f, want %.12f", got, want)
	}
	if got := SEM(c.Test.SD, c.Test.Alpha); math.Abs(got-c.Test.SEM) > 1e-12 {
		t.Errorf("SEM = %v, want %v", got, c.Test.SEM)
	}
	if !math.IsNaN(Alpha(mat.NewSymDense(1, []float64{1}))) {
		t.Error("alpha of one item is not NaN")
	}
}

func ExampleAlpha() {
	// Three items with variances 0.25, 0.24, 0.21 and covariances 0.10,
	// 0.08, 0.09: σ²_X = 0.70 + 2·0.27 = 1.24, α = 3/2·(1 − 0.70/1.24).
	c := mat.NewSymDense(3, []float64{
		0.25, 0.10, 0.08,
		0.10, 0.24, 0.09,
		0.08, 0.09, 0.21,
	})
	fmt.Printf("alpha = %.4f, SE(n = 500) = %.4f\n", Alpha(c), AlphaSE(c, 500))
	// Output: alpha = 0.6532, SE(n = 500) = 0.0268
}

func ExampleBiserial() {
	// An item answered correctly by half the candidates: φ(0) = 0.3989,
	// √(pq) = 0.5, so r_bis = r_pbis·1.2533.
	fmt.Printf("%.4f\n", Biserial(0.40, 0.5))
	// Output: 0.5013
}
