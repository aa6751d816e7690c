package irt

import (
	"math"
	"math/rand/v2"
	"testing"
)

// mmlNaiveEStep computes the E-step counts directly from their definitions,
// row by row and item by item, as the reference for the kernels.
func mmlNaiveEStep(r *Responses, items []Item, theta, logPrior []float64) (ll float64, nq, t, rr, m []float64) {
	J, Q := r.J, len(theta)
	nq = make([]float64, Q)
	t = make([]float64, J)
	rr = make([]float64, J*Q)
	m = make([]float64, J*Q)
	l := make([]float64, Q)
	for i := 0; i < r.N; i++ {
		w := r.Weight(i)
		row := r.Row(i)
		observed := false
		for q, th := range theta {
			l[q] = logPrior[q]
			for j, x := range row {
				p := items[j].Prob(th)
				switch x {
				case 1:
					l[q] += math.Log(p)
					observed = true
				case 0:
					l[q] += math.Log(1 - p)
					observed = true
				}
			}
		}
		if !observed || w == 0 {
			continue
		}
		mx := math.Inf(-1)
		for _, v := range l {
			mx = max(mx, v)
		}
		var s float64
		for _, v := range l {
			s += math.Exp(v - mx)
		}
		ll += w * (mx + math.Log(s))
		var mu float64
		for q, th := range theta {
			p := w * math.Exp(l[q]-mx) / s
			nq[q] += p
			mu += p * th
			for j, x := range row {
				switch x {
				case 1:
					rr[j*Q+q] += p
				case Missing:
					m[j*Q+q] += p
				}
			}
		}
		for j, x := range row {
			if x == 1 {
				t[j] += mu
			}
		}
	}
	return ll, nq, t, rr, m
}

// TestMMLEStepKernels checks every E-step kernel against mmlNaiveEStep.
// Tolerance 1e-9 relative: the kernels drop posterior mass below 1e-20 of
// the mode and sum in a different order.
func TestMMLEStepKernels(t *testing.T) {
	const J, N = 19, 700 // 19 items: a partial last byte
	q := NormalQuadrature(31, -5, 5, 0, 1)
	cases := []struct {
		name    string
		model   Model
		missing float64 // share of Missing cells
		weights bool
		dups    bool // many repeated rows (pattern collapsing)
	}{
		{"rasch complete (score groups)", Rasch, 0, false, false},
		{"rasch missing", Rasch, 0.1, true, false},
		{"2pl complete (linear)", TwoPL, 0, false, false},
		{"2pl weights", TwoPL, 0, true, false},
		{"2pl missing", TwoPL, 0.2, false, false},
		{"2pl collapsed", TwoPL, 0, false, true},
		{"3pl complete", ThreePL, 0, false, false},
		{"3pl missing weights", ThreePL, 0.15, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(c.model)))
			items := mmlBenchItems(rng, c.model, J)
			theta := make([]float64, N)
			for i := range theta {
				theta[i] = 0.3 + 1.2*rng.NormFloat64()
				if c.dups {
					theta[i] = float64(rng.IntN(3)) - 1
				}
			}
			r := Simulate(rng, items, theta)
			for k := range r.X {
				if rng.Float64() < c.missing {
					r.X[k] = Missing
				}
			}
			if c.dups { // few distinct patterns: copy a handful of rows
				for i := 10; i < N; i++ {
					copy(r.Row(i), r.Row(i%10))
				}
			}
			if c.weights {
				r.Weights = make([]float64, N)
				for i := range r.Weights {
					r.Weights[i] = float64(rng.IntN(4)) // some zero
				}
			}
			logPrior := make([]float64, len(q.Nodes))
			mmlNormalLogWeights(q.Nodes, 0.1, 1.1, logPrior)
			ll, nq, tt, rr, m := mmlNaiveEStep(r, items, q.Nodes, logPrior)

			d, err := mmlPackData(r, 2)
			if err != nil {
				t.Fatal(err)
			}
			if c.dups && !d.collapsed {
				t.Errorf("rows not collapsed: %d rows", d.rowsPacked)
			}
			want := mmlWant{t: c.model == TwoPL, r: c.model == ThreePL}
			close := func(what string, got, want []float64) {
				t.Helper()
				var scale float64
				for _, v := range want {
					scale = max(scale, math.Abs(v))
				}
				for k := range want {
					if math.Abs(got[k]-want[k]) > 1e-9*scale {
						t.Errorf("%s[%d] = %.12g, want %.12g", what, k, got[k], want[k])
						return
					}
				}
			}
			check := func(name string, st *mmlStats) {
				t.Helper()
				if math.Abs(st.ll-ll) > 1e-9*math.Abs(ll) {
					t.Errorf("%s: loglik = %.10f, want %.10f", name, st.ll, ll)
				}
				close(name+" n", st.nq, nq)
				if want.t {
					close(name+" T", st.t, tt)
				}
				if want.r {
					close(name+" r", st.r, rr)
				}
				if c.missing > 0 {
					close(name+" m", st.m, m)
				}
			}
			check("parallel", newMMLEngine(d, q.Nodes, 3).estep(items, logPrior, want))
			check("sequential", newMMLSeqEStep(d, q.Nodes).estep(items, logPrior, want))
			check("general", newMMLEngine(d, q.Nodes, 2).estep(items, logPrior, mmlWant{t: true, r: true}))

			// The cached E-step of the standard errors, after moving item 4's
			// intercept.
			f := &mmlFit{d: d, J: J, Q: len(q.Nodes), theta: q.Nodes, want: want, o: MMLOptions{Workers: 2}}
			cache := f.buildLCache(items, logPrior, false)
			if cache == nil {
				return // no row uses the general kernel
			}
			moved := append([]Item(nil), items...)
			moved[4].D += 0.3
			ll2, nq2, tt2, rr2, m2 := mmlNaiveEStep(r, moved, q.Nodes, logPrior)
			dl := &mmlDelta{item: 4, f0: make([]float64, len(q.Nodes)), f1: make([]float64, len(q.Nodes))}
			for k, th := range q.Nodes {
				p1, q1 := mmlLogPQ(moved[4], th)
				p0, q0 := mmlLogPQ(items[4], th)
				dl.f1[k], dl.f0[k] = math.Exp(p1-p0), math.Exp(q1-q0)
			}
			_, nq, tt, rr, m = ll2, nq2, tt2, rr2, m2
			st := newMMLSeqEStep(d, q.Nodes).estepCached(moved, logPrior, want, cache, dl)
			st.ll = ll // not computed by the cached E-step
			check("cached", st)
		})
	}
}
