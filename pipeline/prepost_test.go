package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// TestRunComparesPlannedForm: a form assembled and pre-equated from the bank
// (itemlab assemble), administered (simulated from the generating
// parameters), then run with the bank: the run finds the planned form,
// writes bank/pre_post.csv and reports both raw cuts, which lie within one
// raw point of each other (the post-equated one comes from the form's own
// calibration linked to the bank).
func TestRunComparesPlannedForm(t *testing.T) {
	if testing.Short() {
		t.Skip("assembles, simulates and runs a form; skipped under -short")
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 6))
	sb := newSimBank(t, rng, simBankOptions{cutTheta: -0.2, noise: true})
	sf := writeSpec(t, sb, "  length: 40\n  solver: heuristic\n")
	dir := filepath.Dir(sb.path)
	next := filepath.Join(dir, "next")
	sum, err := Assemble(ctx, sf, AssembleOptions{Out: next, Solver: "heuristic"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Forms) != 1 {
		t.Fatalf("%d forms", len(sum.Forms))
	}
	// The assembled items file, and responses simulated from the truth.
	itemsFile := filepath.Join(next, "items.csv")
	b, err := os.ReadFile(itemsFile)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		ids = append(ids, strings.SplitN(line, ",", 2)[0])
	}
	items := make([]irt.Item, len(ids))
	for k, id := range ids {
		items[k] = sb.truth[id]
	}
	const n = 2000
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	r := irt.Simulate(rng, items, theta)
	var sbuf strings.Builder
	sbuf.WriteString("examinee_id," + strings.Join(ids, ",") + "\n")
	for i := 0; i < n; i++ {
		sbuf.WriteString(fmt.Sprintf("C%05d", i+1))
		for _, x := range r.Row(i) {
			sbuf.WriteString(map[uint8]string{1: ",A", 0: ",C"}[x]) // the bank's key is A
		}
		sbuf.WriteString("\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "responses.csv"), []byte(sbuf.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := "exam: next form\nresponses: responses.csv\nitems: next/items.csv\nbank: {path: bank.db}\n" +
		"calibration: {model: 2pl}\nprojection: {reps: 0}\nreport: {workbook: false, charts: false}\n"
	rsf, err := ParseSpec("run.yaml", spec, dir)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Run(ctx, rsf, RunOptions{Out: filepath.Join(dir, "run"), Invocation: Invocation{Command: "itemlab run"}})
	if err != nil {
		t.Fatal(err)
	}
	c := rs.PrePost
	if c == nil {
		t.Fatal("the run did not find the planned form")
	}
	if d := c.PreRawCut - c.PostRawCut; d < -1 || d > 1 {
		t.Errorf("raw cut %d pre-equated, %d post-equated; want within one point", c.PreRawCut, c.PostRawCut)
	}
	if c.Candidates != n || c.DifferShare > 0.05 {
		t.Errorf("%d candidates, %.1f %% differ", c.Candidates, 100*c.DifferShare)
	}
	if _, err := os.Stat(filepath.Join(dir, "run", "bank", filePrePost)); err != nil {
		t.Error(err)
	}
	// The report reads both: the workbook's "Pre vs post" and "History"
	// sheets come from them.
	run, err := reports.ReadRun(filepath.Join(dir, "run"))
	if err != nil {
		t.Fatal(err)
	}
	if run.PrePost == nil || len(run.PrePost.Rows) != len(ids)+1 || run.History == nil || len(run.History.Rows) == 0 {
		t.Errorf("report: pre_post %v, history %v", run.PrePost != nil, run.History != nil)
	}
	var page strings.Builder
	if err := reports.WriteReview(&page, run, reports.ReviewOptions{}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("raw cut %d pre-equated, %d after the administration", c.PreRawCut, c.PostRawCut)
	if !strings.Contains(page.String(), want) {
		t.Errorf("the review page does not say %q", want)
	}
	t.Logf("pre raw cut %d, post %d; %d of %d candidates differ", c.PreRawCut, c.PostRawCut, c.Differ, c.Candidates)
}
