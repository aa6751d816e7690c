package bank

import (
	"context"
	"fmt"
	"os"
	"time"
)

// child is the test binary re-executed as a second process (TestMain runs
// it when ITEMLAB_BANK_CHILD is set). It opens ITEMLAB_BANK_TARGET, starts
// recording a large administration and, inside the transaction, creates the
// file ITEMLAB_BANK_READY; then mode "hold" waits 1.5 s and commits, mode
// "hang" waits to be killed.
func child(mode string) int {
	ctx := context.Background()
	b, err := OpenWith(ctx, os.Getenv("ITEMLAB_BANK_TARGET"), Options{By: "child", Command: "child", BusyTimeout: 20 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer b.Close()
	testHookBeforeCommit = func(action string) {
		if action != "add-run" {
			return
		}
		os.WriteFile(os.Getenv("ITEMLAB_BANK_READY"), []byte("in transaction"), 0o644)
		if mode == "hang" {
			time.Sleep(time.Hour)
		}
		time.Sleep(1500 * time.Millisecond)
	}
	a := bigAdministration("child", 125, 1834, "C")
	if _, err := b.AddAdministration(ctx, a, AddOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// bigAdministration is an administration of n items C001…, all new.
func bigAdministration(run string, n, candidates int, prefix string) *Administration {
	a := &Administration{RunID: runID(run), Form: "F-" + run, Date: "2026-05-01", Candidates: candidates, LatentMean: 0, LatentSD: 1,
		Manifest: []byte(`{"run":"` + run + `"}`)}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%s%04d", prefix, i)
		a.Items = append(a.Items, AdminItem{ItemID: id, Role: RoleOperational, Stats: stats(candidates, 0.6),
			Params: params3PL(1.1, float64(i%40)/10-2, 0.2),
			New:    &Item{ID: id, Domain: fmt.Sprint("D", i%5), Status: Operational, Key: "A", Fields: []Field{{"stem", "text " + id}}}})
	}
	return a
}
