package bank_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/itemlab/itemlab/bank"
)

// A bank's life in brief: create it, import an item, record an
// administration, read the item's history.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "bank-example")
	defer os.RemoveAll(dir)
	b, err := bank.Init(ctx, filepath.Join(dir, "bank.db"), bank.Options{By: "ann", Command: "bank init"})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()

	p := bank.NoParams()
	p.Model, p.A, p.B, p.D, p.SEA, p.SEB = "2pl", 1.2, -0.5, 0.6, 0.08, 0.1
	if _, err := b.ImportItems(ctx, []bank.ImportItem{{
		Item:   bank.Item{ID: "Q1", Domain: "Clinical Operations", Status: bank.Operational, Key: "B", Fields: []bank.Field{{Name: "stem", Value: "…"}}},
		Params: &p,
	}}, bank.ImportOptions{}); err != nil {
		log.Fatal(err)
	}

	stats := bank.NoClassical()
	stats.N, stats.P = 1834, 0.71
	run := &bank.Administration{
		RunID: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", // the run manifest's SHA-256
		Form:  "2026A", Date: "2026-03-01", Candidates: 1834, LatentMean: 0.05, LatentSD: 0.98,
		Items: []bank.AdminItem{{ItemID: "Q1", Role: bank.RoleAnchor, Stats: stats, Params: p}},
	}
	if _, err := b.AddAdministration(ctx, run, bank.AddOptions{}); err != nil {
		log.Fatal(err)
	}
	h, err := b.History(ctx, "Q1")
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range h {
		fmt.Printf("%s %s n=%d p=%.2f b=%.2f (SE %.2f) as %s\n", e.Form, e.Date, e.Stats.N, e.Stats.P, e.Params.B, e.Params.SEB, e.Role)
	}
	l, _ := b.List(ctx, bank.ListFilter{Status: []bank.Status{bank.Operational}})
	fmt.Printf("%s: %d administration(s), %d candidates\n", l[0].ID, l[0].Exposure.Runs, l[0].Exposure.Candidates)
	// Output:
	// 2026A 2026-03-01 n=1834 p=0.71 b=-0.50 (SE 0.10) as anchor
	// Q1: 1 administration(s), 1834 candidates
}
