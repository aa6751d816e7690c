// Command gen2pl writes the benchmark file of issue #17: a plain 0/1
// response matrix (a header of item names, one row per candidate, no id
// column) drawn from the two-parameter logistic model
//
//	P(x_ij = 1) = 1 / (1 + exp(−a_j·(θ_i − b_j))),
//
// with a_j ~ lognormal(0, 0.3), b_j ~ N(0, 1) and θ_i ~ N(0, 1). It is a
// tool of scripts/bench-peers, not a user command: the same flags give the
// same file, byte for byte.
//
// Usage:
//
//	go run ./internal/cmd/gen2pl -n 100000 -items 125 -seed 1 -out resp.csv
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
)

func main() {
	n := flag.Int("n", 10000, "candidates")
	items := flag.Int("items", 125, "items")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file (required)")
	flag.Parse()
	if *out == "" || *n < 1 || *items < 1 {
		fmt.Fprintln(os.Stderr, "gen2pl: want -out FILE, -n ≥ 1 and -items ≥ 1")
		os.Exit(2)
	}
	if err := write(*out, *n, *items, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen2pl:", err)
		os.Exit(1)
	}
}

func write(path string, n, J int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 0x2b1))
	a, b := make([]float64, J), make([]float64, J)
	for j := range a {
		a[j] = math.Exp(0.3 * rng.NormFloat64())
		b[j] = rng.NormFloat64()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for j := 0; j < J; j++ {
		if j > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "Q%03d", j+1)
	}
	w.WriteByte('\n')
	row := make([]byte, 2*J)
	for i := 0; i < n; i++ {
		theta := rng.NormFloat64()
		for j := 0; j < J; j++ {
			p := 1 / (1 + math.Exp(-a[j]*(theta-b[j])))
			c := byte('0')
			if rng.Float64() < p {
				c = '1'
			}
			row[2*j], row[2*j+1] = c, ','
		}
		row[2*J-1] = '\n'
		w.Write(row)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
