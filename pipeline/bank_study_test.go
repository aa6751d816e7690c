//go:build study

package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/bank"
)

// TestStudyBankPromotion: over 10 seeds of the programme's first two forms
// (1,834 candidates, 100 operational + 25 pretest items, 30 anchors, the
// 3PL model of the simulation), the promoted items' bank b agrees with its
// generating value (simulation truth, on the base scale: form 1's
// population is N(0, 1), as its calibration assumes) within 2 SEs for at
// least 90 % of the promoted items, and their bank SE is the anchored
// calibration's own. Run with go test -tags study -run TestStudyBankPromotion ./pipeline.
func TestStudyBankPromotion(t *testing.T) {
	ctx := context.Background()
	var total, within int
	for seed := uint64(1); seed <= 10; seed++ {
		dir := t.TempDir()
		out, err := NewOutput(dir, Invocation{Command: "itemlab simulate", Version: "study"}, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Simulate(ctx, out, "", seed, simulate.Options{Forms: 2}); err != nil {
			t.Fatal(err)
		}
		if err := out.Commit(); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, "bank.db")
		bs := BankSettings{Target: target, By: "study"}
		if err := BankInit(ctx, bs); err != nil {
			t.Fatal(err)
		}
		truth := map[string]float64{}
		anchoredSE := map[string]float64{}
		for k, f := range []struct{ exam, sub, scale string }{{"F1", "", "scale: {cut_theta: -0.5}\n"}, {"F2", "form2", ""}} {
			text := fmt.Sprintf("exam: %s\nresponses: %s\nitems: %s\ncalibration: {model: 3pl}\n%sprojection: {reps: 0}\nreport: {workbook: false, charts: false}\n",
				f.exam, filepath.Join(f.sub, "responses.csv"), filepath.Join(f.sub, "items.csv"), f.scale)
			sf, err := ParseSpec(f.exam, text, dir)
			if err != nil {
				t.Fatal(err)
			}
			runDir := filepath.Join(dir, fmt.Sprintf("run%d", k+1))
			if _, err := Run(ctx, sf, RunOptions{Out: runDir, Invocation: Invocation{Command: "itemlab run", Version: "study"}, Bank: RunBankOptions{Target: target}}); err != nil {
				t.Fatalf("seed %d, %s: %v", seed, f.exam, err)
			}
			for id, row := range readRows(t, filepath.Join(dir, f.sub, "truth.csv")) {
				truth[id], _ = strconv.ParseFloat(row["b"], 64)
			}
			for id, row := range readRows(t, filepath.Join(runDir, "pretest", "anchored_params.csv")) {
				anchoredSE[id], _ = strconv.ParseFloat(row["se_b"], 64)
			}
		}
		res, err := BankPromote(ctx, bs, nil, false, "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := bank.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		var n, ok int
		for _, p := range res.Items {
			rec, err := b.Show(ctx, p.ItemID)
			if err != nil {
				t.Fatal(err)
			}
			bb, se := rec.Params.B, rec.Params.SEB
			if !(se <= anchoredSE[p.ItemID]+1e-6) {
				t.Errorf("seed %d, %s: bank SE(b) %.4f is larger than the anchored calibration's %.4f", seed, p.ItemID, se, anchoredSE[p.ItemID])
			}
			n++
			if math.Abs(bb-truth[p.ItemID]) <= 2*se {
				ok++
			}
		}
		b.Close()
		t.Logf("seed %2d: %d promoted, %d within 2 SE of the generating b", seed, n, ok)
		total += n
		within += ok
	}
	rate := float64(within) / float64(total)
	t.Logf("promoted items' bank b within 2 SE of the generating b: %d of %d = %.1f %%", within, total, 100*rate)
	if total == 0 || rate < 0.90 {
		t.Errorf("rate %.3f, want ≥ 0.90", rate)
	}
}

func readRows(t *testing.T, file string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]map[string]string{}
	for _, r := range recs[1:] {
		row := map[string]string{}
		for k, h := range recs[0] {
			row[h] = r[k]
		}
		rows[row["item_id"]] = row
	}
	return rows
}
