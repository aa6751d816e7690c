package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/itemlab/itemlab/irt"
)

// Under θ* = A·θ + B an item's a* = a/A and d* = d − a·B/A; the transformed
// covariance must be the covariance of those functions: checked against the
// exact formulas var a* = var a/A², cov(a*, d*) = (cov(a,d) − B/A·var a)/A,
// var d* = var d − 2B/A·cov(a,d) + (B/A)²·var a.
func TestParamCovTransform(t *testing.T) {
	c := &ParamCov{Items: []string{"I", "I", "R"}, Params: []string{irt.ParamA, irt.ParamD, irt.ParamD},
		M: mat.NewSymDense(3, []float64{0.04, 0.01, 0.002, 0.01, 0.09, 0.003, 0.002, 0.003, 0.05})}
	const A, B = 1.25, 0.4
	got := c.Transform(A, B).M
	va, vd, cad := 0.04, 0.09, 0.01
	r := B / A
	for _, w := range []struct {
		i, j int
		want float64
	}{
		{0, 0, va / (A * A)},
		{0, 1, (cad - r*va) / A},
		{1, 1, vd - 2*r*cad + r*r*va},
		{2, 2, 0.05},
		{0, 2, 0.002 / A},
		{1, 2, 0.003 - r*0.002},
	} {
		if g := got.At(w.i, w.j); math.Abs(g-w.want) > 1e-12 {
			t.Errorf("Σ*[%d][%d] = %.6g, want %.6g", w.i, w.j, g, w.want)
		}
	}
	sub, err := c.Sub([]string{"R", "I"}, func(id string) []string {
		if id == "R" {
			return []string{irt.ParamD}
		}
		return []string{irt.ParamA, irt.ParamD}
	})
	if err != nil {
		t.Fatal(err)
	}
	if sub.At(0, 0) != 0.05 || sub.At(0, 1) != 0.002 || sub.At(1, 2) != 0.01 {
		t.Errorf("Sub reordered wrongly: %v", mat.Formatted(sub))
	}
	if _, err := c.Sub([]string{"X"}, func(string) []string { return []string{irt.ParamD} }); err == nil {
		t.Error("Sub of an unknown item: no error")
	}
}
