package bank

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var benchDir string

func benchCleanup() {
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
}

// BenchmarkAddAdministration records a 1,834-candidate administration of 125
// items (3PL parameters with 5 covariances each, classical statistics) into
// a bank that holds the items.
func BenchmarkAddAdministration(b *testing.B) {
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			bk := mustInit(b, be.target(b))
			if _, err := bk.AddAdministration(ctx, bigAdministration("setup", 125, 1834, "C"), AddOptions{BaseParams: true}); err != nil {
				b.Fatal(err)
			}
			n := 0
			for b.Loop() {
				n++
				a := bigAdministration(fmt.Sprint("bench", n), 125, 1834, "C")
				if _, err := bk.AddAdministration(ctx, a, AddOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "ms/record")
			b.ReportMetric(float64(125*n)/b.Elapsed().Seconds(), "items/s")
		})
	}
}

var listBank struct {
	once sync.Once
	path string
	err  error
}

// listBankPath builds, once per test binary, a SQLite bank of 5,000 items
// each in 50 administrations (250,000 item records).
func listBankPath(b *testing.B) string {
	listBank.once.Do(func() {
		benchDir, listBank.err = os.MkdirTemp("", "itemlab-bench-")
		if listBank.err != nil {
			return
		}
		listBank.path = filepath.Join(benchDir, "list.db")
		ctx := context.Background()
		bk, err := Init(ctx, listBank.path, testOpts())
		if err != nil {
			listBank.err = err
			return
		}
		defer bk.Close()
		for r := 0; r < 50 && err == nil; r++ {
			a := bigAdministration(fmt.Sprint("list", r), 5000, 1834, "L")
			for i := range a.Items {
				a.Items[i].Params.Cov = nil
				a.Items[i].Stats.N = 1000 + (i*7+r*13)%900
			}
			_, err = bk.AddAdministration(ctx, a, AddOptions{BaseParams: r == 0})
		}
		listBank.err = err
	})
	if listBank.err != nil {
		b.Fatal(listBank.err)
	}
	return listBank.path
}

// BenchmarkList lists with a filter (domain, status, b range, exposure) on a
// bank of 5,000 items × 50 administrations.
func BenchmarkList(b *testing.B) {
	bk, err := Open(context.Background(), listBankPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	f := ListFilter{Domain: "D1", Status: []Status{Operational}, BMin: ptr(-1.0), BMax: ptr(1.0), MaxRuns: ptr(50), MaxCandidates: ptr(80000)}
	var got int
	for b.Loop() {
		l, err := bk.List(context.Background(), f)
		if err != nil {
			b.Fatal(err)
		}
		got = len(l)
	}
	if got == 0 {
		b.Fatal("the filter selected no item")
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/list")
	b.ReportMetric(float64(got), "items")
}

// BenchmarkListAll lists every item of the same bank, unfiltered.
func BenchmarkListAll(b *testing.B) {
	bk, err := Open(context.Background(), listBankPath(b))
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	for b.Loop() {
		if _, err := bk.List(context.Background(), ListFilter{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/list")
}
