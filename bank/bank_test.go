package bank

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv("ITEMLAB_BANK_CHILD"); mode != "" {
		os.Exit(child(mode))
	}
	code := m.Run()
	pgStop()
	benchCleanup()
	os.Exit(code)
}

// backend is where a test's bank lives.
type backend struct {
	name   string
	target func(t testing.TB) string
}

var backends = []backend{
	{"sqlite", func(t testing.TB) string { return filepath.Join(t.TempDir(), "bank.db") }},
	{"postgres", pgTarget},
}

// eachBackend runs fn as a subtest on each backend.
func eachBackend(t *testing.T, fn func(t *testing.T, target string)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { fn(t, be.target(t)) })
	}
}

// clock is a deterministic Options.Now: 2026-01-01, one second a call.
func clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func testOpts() Options { return Options{By: "tester", Command: "go test", Now: clock()} }

func mustInit(t testing.TB, target string) *Bank {
	t.Helper()
	b, err := Init(context.Background(), target, testOpts())
	if err != nil {
		t.Fatalf("Init(%s): %v", target, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func runID(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func params2PL(a, b, seA, seB float64) Params {
	p := NoParams()
	p.Model, p.A, p.B, p.D, p.SEA, p.SEB = "2pl", a, b, -a*b, seA, seB
	p.SED = seB * a
	p.Cov = []Cov{{"a", "a", seA * seA}, {"a", "d", -0.1 * seA * seB}, {"d", "d", p.SED * p.SED}}
	return p
}

func params3PL(a, b, c float64) Params {
	p := params2PL(a, b, 0.1, 0.12)
	p.Model, p.C, p.SEC = "3pl", c, 0.03
	p.Cov = append(p.Cov, Cov{"logit_c", "logit_c", 0.04}, Cov{"a", "logit_c", 0.001})
	return p
}

func stats(n int, p float64) Classical {
	s := NoClassical()
	s.N, s.P, s.RPBis, s.RPBisCorrected = n, p, 0.4, 0.35
	return s
}

const scaleJSON = `{"slope": 40, "theta_cut": -0.3, "cut": 390, "min": 200, "max": 500}`

// seedItems are ten operational items with parameters and four pretest items.
func seedItems() []ImportItem {
	var items []ImportItem
	for i := 1; i <= 10; i++ {
		p := params2PL(1+0.1*float64(i), -1+0.2*float64(i), 0.08, 0.1)
		if i%4 == 0 {
			p = params3PL(1.2, 0.1*float64(i), 0.2)
		}
		items = append(items, ImportItem{Item: Item{ID: fmt.Sprintf("Q%02d", i), Domain: []string{"Clinical", "Revenue"}[i%2], Status: Operational, Key: "B",
			Fields: []Field{{"stem", fmt.Sprintf("Which code, item %d?", i)}, {"writer", "ann, \"quoted\""}}}, Params: &p})
	}
	for i := 1; i <= 4; i++ {
		items = append(items, ImportItem{Item: Item{ID: fmt.Sprintf("P%02d", i), Domain: "Reporting", Status: Pretest, Key: "A|C",
			Fields: []Field{{"writer", "bo"}, {"stem", fmt.Sprintf("Pretest %d", i)}, {"reference", "HIPAA §164"}}}})
	}
	return items
}

func admin1() *Administration {
	a := &Administration{RunID: runID("run1"), Form: "A", Date: "2026-03-01", Candidates: 1834, LatentMean: 0, LatentSD: 1,
		Manifest: []byte(`{"itemlab":"test","inputs":{"responses.csv":"ab12"}}`)}
	for i := 1; i <= 10; i++ {
		role := RoleOperational
		if i <= 5 {
			role = RoleAnchor
		}
		a.Items = append(a.Items, AdminItem{ItemID: fmt.Sprintf("Q%02d", i), Role: role, Stats: stats(1834, 0.5+0.03*float64(i)),
			Params: params2PL(1+0.1*float64(i), -1+0.2*float64(i)+0.01, 0.08, 0.1)})
	}
	dec := []Decision{Promote, Promote, Revise, Reject}
	for i := 1; i <= 4; i++ {
		a.Items = append(a.Items, AdminItem{ItemID: fmt.Sprintf("P%02d", i), Role: RolePretest, Stats: stats(600, 0.6),
			Params: params2PL(0.9, 0.3*float64(i), 0.15, 0.2), Decision: dec[i-1], Reasons: []string{"reason; one", fmt.Sprintf("reason %d", i)}})
	}
	return a
}

func admin2() *Administration {
	a := &Administration{RunID: runID("run2"), Form: "B", Date: "2026-09-01", Candidates: 1900, LatentMean: 0.1, LatentSD: 0.95, Manifest: []byte(`{"run":2}`)}
	for i := 1; i <= 8; i++ {
		b := -1 + 0.2*float64(i) - 0.02
		if i == 3 {
			b += 1.5 // drifted
		}
		a.Items = append(a.Items, AdminItem{ItemID: fmt.Sprintf("Q%02d", i), Role: RoleAnchor, Stats: stats(1900, 0.55), Params: params2PL(1.1, b, 0.08, 0.1)})
	}
	a.Items = append(a.Items,
		AdminItem{ItemID: "P01", Role: RolePretest, Stats: stats(620, 0.58), Params: params2PL(0.95, 0.31, 0.15, 0.2)},
		AdminItem{ItemID: "P02", Role: RolePretest, Stats: stats(620, 0.58), Params: params2PL(1.0, 0.62, 0.15, 0.2), Decision: Promote},
		AdminItem{ItemID: "N01", Role: RolePretest, Stats: stats(620, 0.7), Params: params2PL(1.0, -0.4, 0.15, 0.2), Decision: Insufficient,
			New: &Item{ID: "N01", Domain: "Clinical", Status: Pretest, Key: "D", Fields: []Field{{"stem", "New item\nwith two lines"}}}},
	)
	return a
}

func admin3() *Administration {
	a := &Administration{RunID: runID("run3"), Form: "C", Date: "2027-03-01", Candidates: 50}
	a.Items = append(a.Items, AdminItem{ItemID: "Q01", Role: RoleAnchor, Stats: stats(50, 0.5), Params: params2PL(1.1, 9, 0.5, 0.5)})
	return a
}

// cycle walks a bank through its life; it returns the export folder.
func cycle(t *testing.T, target string) string {
	ctx := context.Background()
	b := mustInit(t, target)
	if err := b.SetScale(ctx, []byte(scaleJSON), false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ImportItems(ctx, seedItems(), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddAdministration(ctx, admin1(), AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddAdministration(ctx, admin2(), AddOptions{}); err != nil {
		t.Fatal(err)
	}

	// Promote: P01 (decision promote in run 1, none in run 2) and P02 (promote in run 2).
	pr, err := b.Promote(ctx, PromoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(pr.Items); got != fmt.Sprintf("[{P01 %s promote} {P02 %s promote}]", runID("run1"), runID("run2")) {
		t.Errorf("promoted %s", got)
	}
	p01, err := b.Show(ctx, "P01")
	if err != nil {
		t.Fatal(err)
	}
	if p01.Status != Operational || p01.Params == nil || p01.Params.Source != "promote" || p01.Params.RunID != runID("run1") || p01.Params.B != 0.3 {
		t.Errorf("P01 after promotion: %+v %+v", p01.Item, p01.Params)
	}
	if len(p01.Params.Cov) != 3 {
		t.Errorf("P01 covariances: %v", p01.Params.Cov)
	}
	// P03 (decision revise) only by force, with a reason.
	if _, err := b.Promote(ctx, PromoteOptions{Items: []string{"P03"}}); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("promoting P03 without force: %v, want ErrNotAllowed", err)
	}
	forced, err := b.Promote(ctx, PromoteOptions{Items: []string{"P03"}, Force: true, Reason: "committee 2026-10"})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Show(ctx, "P03"); r.Status != Operational || r.Params.Reason != "committee 2026-10" {
		t.Errorf("P03 forced: %+v", r.Params)
	}

	// Revise P04 twice.
	v2, err := b.Revise(ctx, "P04", Revision{Reason: "distractor C outscored the key", Set: []Field{{"stem", "Pretest 4, rewritten"}, {"note", "new"}}})
	if err != nil {
		t.Fatal(err)
	}
	if v2.ID != "P04-v2" || v2.Previous != "P04" || v2.Status != Pretest || v2.Version != 2 {
		t.Errorf("revision: %+v", v2)
	}
	v3, err := b.Revise(ctx, "P04-v2", Revision{Reason: "again", Unset: []string{"note"}, Key: "B"})
	if err != nil {
		t.Fatal(err)
	}
	if v3.ID != "P04-v3" || v3.Previous != "P04-v2" || v3.Key != "B" {
		t.Errorf("second revision: %+v", v3)
	}
	old, _ := b.Show(ctx, "P04")
	if old.Status != Retired || fmt.Sprint(old.RevisedBy) != "[P04-v2]" {
		t.Errorf("P04 after revision: %s revised by %v", old.Status, old.RevisedBy)
	}
	if s, _ := v2.Field("stem"); s != "Pretest 4, rewritten" {
		t.Errorf("P04-v2 stem %q", s)
	}
	if err := b.Retire(ctx, "Q10", "exposed"); err != nil {
		t.Fatal(err)
	}
	if err := b.Retire(ctx, "Q10", "again"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("retiring twice: %v", err)
	}

	// Run 3 recorded, then reverted: it counts nowhere.
	before, _ := b.Show(ctx, "Q01")
	ev3, err := b.AddAdministration(ctx, admin3(), AddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Show(ctx, "Q01"); r.Exposure.Runs != 3 || r.Exposure.Candidates != 1834+1900+50 {
		t.Errorf("Q01 exposure with run 3: %+v", r.Exposure)
	}
	if _, err := b.Revert(ctx, ev3); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Revert(ctx, ev3); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("reverting twice: %v", err)
	}
	if _, err := b.AddAdministration(ctx, admin3(), AddOptions{}); !errors.Is(err, ErrRunRecorded) {
		t.Errorf("re-recording a reverted run: %v, want ErrRunRecorded", err)
	}
	after, _ := b.Show(ctx, "Q01")
	if after.Exposure != before.Exposure || len(after.History) != 2 {
		t.Errorf("Q01 after revert: exposure %+v (want %+v), %d administrations", after.Exposure, before.Exposure, len(after.History))
	}
	// Revert the forced promotion.
	if _, err := b.Revert(ctx, forced.Event); err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Show(ctx, "P03"); r.Status != Pretest || r.Params != nil {
		t.Errorf("P03 after reverting its promotion: %s %+v", r.Status, r.Params)
	}
	// The run a promoted item took its parameters from cannot be reverted.
	if _, err := b.Revert(ctx, mustEvent(t, b, "add-run", runID("run1"))); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("reverting run 1: %v, want ErrNotAllowed", err)
	}

	// History and drift.
	h, err := b.History(ctx, "Q03")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Form != "A" || h[1].Form != "B" || h[0].Role != RoleAnchor || len(h[0].Params.Cov) != 3 {
		t.Errorf("history of Q03: %+v", h)
	}
	if p, _ := b.History(ctx, "P02"); len(p) != 2 || fmt.Sprint(p[0].Reasons) != "[reason; one reason 2]" {
		t.Errorf("history of P02: %+v", p)
	}
	dr, err := b.Drift(ctx, DriftOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 8 Q items and P01, P02 have two calibrated administrations: m = 10.
	if dr.Comparisons != 10 || math.Abs(dr.Critical-2.807) > 1e-3 {
		t.Errorf("drift: m = %d, critical %.4f, want 10, 2.807 (z at 1 − 0.05/20)", dr.Comparisons, dr.Critical)
	}
	if f := dr.Flagged(); len(f) != 1 || f[0].ItemID != "Q03" {
		t.Errorf("drift flagged %+v, want Q03 alone", f)
	}

	// List filters.
	for _, c := range []struct {
		name string
		f    ListFilter
		want string
	}{
		{"all", ListFilter{}, "[N01 P01 P02 P03 P04 P04-v2 P04-v3 Q01 Q02 Q03 Q04 Q05 Q06 Q07 Q08 Q09 Q10]"},
		{"domain", ListFilter{Domain: "Reporting", Status: []Status{Pretest}}, "[P03 P04-v3]"}, // P04-v2 was retired by its revision
		{"b range", ListFilter{BMin: ptr(0.0), BMax: ptr(0.5)}, "[P01 Q04 Q05 Q06 Q07]"},
		{"exposure", ListFilter{MaxRuns: ptr(1), Status: []Status{Operational, Retired}}, "[P04 P04-v2 Q09 Q10]"},
		{"candidates", ListFilter{MaxCandidates: ptr(0)}, "[P04-v2 P04-v3]"},
		{"id", ListFilter{IDContains: "p04-"}, "[P04-v2 P04-v3]"},
		{"ids", ListFilter{IDs: []string{"Q02", "N01", "nope"}}, "[N01 Q02]"},
		{"like metacharacters", ListFilter{IDContains: "_"}, "[]"},
	} {
		got, err := b.List(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if fmt.Sprintf("%v", ids) != c.want && !(c.want == "[]" && ids == nil) {
			t.Errorf("List %s: %v, want %s", c.name, ids, c.want)
		}
	}

	// A planned form.
	if err := b.SaveForm(ctx, &Form{Name: "D", Items: []string{"Q01", "Q02", "P01"}, PopulationMean: 0, PopulationSD: 1,
		Conversion: []ConversionRow{{0, -4, 1.1, 200, false}, {1, -1.25, 0.6, 352, false}, {2, 0.3, 0.7, 414, true}, {3, 4, 1.2, 500, true}}}, false); err != nil {
		t.Fatal(err)
	}

	if err := b.Check(ctx); err != nil {
		t.Error(err)
	}
	dir := filepath.Join(t.TempDir(), "export")
	if err := b.Export(ctx, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func ptr[T any](x T) *T { return &x }

func mustEvent(t *testing.T, b *Bank, action, run string) int64 {
	t.Helper()
	es, err := b.Audit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Action == action && e.RunID == run {
			return e.ID
		}
	}
	t.Fatalf("no %s event for %s", action, run)
	return 0
}

func readExport(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameExport reports the files that differ, audit.csv aside.
func sameExport(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		if name == "audit.csv" {
			continue
		}
		if g, ok := got[name]; !ok {
			t.Errorf("%s: %s missing", what, name)
		} else if !bytes.Equal(g, w) {
			t.Errorf("%s: %s differs:\n--- got\n%s\n--- want\n%s", what, name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: extra file %s", what, name)
		}
	}
}

// TestCycle walks the whole cycle on each backend, round-trips the export
// through a new bank, and checks that both backends export the same bytes.
func TestCycle(t *testing.T) {
	exports := map[string]map[string][]byte{}
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			dir := cycle(t, be.target(t))
			first := readExport(t, dir)
			for _, f := range []string{"items.csv", "params.csv", "params_cov.csv", "history.csv", "scale.json", "audit.csv", "administrations.csv", "manifests/" + runID("run1") + ".json"} {
				if len(first[f]) == 0 {
					t.Errorf("export has no %s", f)
				}
			}
			if !strings.HasPrefix(string(first["params.csv"]), "item_id,model,a,b,c,d,se_a,se_b,se_c,") {
				t.Errorf("params.csv header: %q", strings.SplitN(string(first["params.csv"]), "\n", 2)[0])
			}
			b2 := mustInit(t, be.target(t))
			if _, err := b2.ImportFolder(context.Background(), dir); err != nil {
				t.Fatal(err)
			}
			dir2 := filepath.Join(t.TempDir(), "again")
			if err := b2.Export(context.Background(), dir2); err != nil {
				t.Fatal(err)
			}
			sameExport(t, "export → import → export", readExport(t, dir2), first)
			if _, err := b2.ImportFolder(context.Background(), dir); !errors.Is(err, ErrNotEmpty) {
				t.Errorf("importing into a full bank: %v, want ErrNotEmpty", err)
			}
			exports[be.name] = first
		})
	}
	if exports["sqlite"] != nil && exports["postgres"] != nil {
		sameExport(t, "postgres vs sqlite", exports["postgres"], exports["sqlite"])
	}
}
