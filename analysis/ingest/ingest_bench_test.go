package ingest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

var benchCSV sync.Map // examinees → []byte of responses.csv (with items.csv)

// benchResponses returns a wide responses CSV of n candidates × 125 items of
// option letters (A–D, about 0.5 % blanks) and its items file.
func benchResponses(n int) (resp []byte, items string) {
	const J = 125
	var ib strings.Builder
	ib.WriteString("item_id,key,domain,status\n")
	for j := 0; j < J; j++ {
		st := "operational"
		if j%5 == 4 {
			st = "pretest"
		}
		fmt.Fprintf(&ib, "ITM%04d,%c,D%d,%s\n", j+1, 'A'+j%4, j%5, st)
	}
	if v, ok := benchCSV.Load(n); ok {
		return v.([]byte), ib.String()
	}
	rng := rand.New(rand.NewPCG(uint64(n), 3))
	var b bytes.Buffer
	b.Grow(n * (2*J + 16))
	b.WriteString("examinee_id,group")
	for j := 0; j < J; j++ {
		fmt.Fprintf(&b, ",ITM%04d", j+1)
	}
	b.WriteByte('\n')
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "C%07d,%c", i+1, "RF"[rng.IntN(2)])
		for j := 0; j < J; j++ {
			b.WriteByte(',')
			if rng.IntN(200) != 0 {
				b.WriteByte(byte('A' + rng.IntN(4)))
			}
		}
		b.WriteByte('\n')
	}
	benchCSV.Store(n, b.Bytes())
	return b.Bytes(), ib.String()
}

// BenchmarkLoad measures ingest of wide CSV responses: 125 items at 10 000,
// 100 000 and 1 000 000 candidates (about 260 MB).
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			resp, items := benchResponses(n)
			b.SetBytes(int64(len(resp)))
			b.ResetTimer()
			for b.Loop() {
				d, err := Load(Source{Name: "r.csv", R: bytes.NewReader(resp), Size: int64(len(resp))}, &Source{Name: "i.csv", R: strings.NewReader(items)}, Options{})
				if err != nil || d.N != n {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "candidates/s")
			b.ReportMetric(float64(len(resp))/1e6, "MB")
		})
	}
}
