package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/irt"
)

// needAssemblySolver skips without CBC, except under CI=true, where
// .ci/run must have installed it (as assemble's tests do).
func needAssemblySolver(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("cbc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cbc is not on PATH: CI must install the Debian package coinor-cbc")
		}
		t.Skip("cbc is not on PATH: install the Debian package coinor-cbc to run this test")
	}
}

// testDomains are the five CEHRS domains and their blueprint weights.
var testDomains = []struct {
	name   string
	weight float64
}{
	{"Clinical Operations", 32}, {"Non-Clinical Operations", 28}, {"Revenue Cycle/Finance", 15},
	{"Regulatory Compliance", 15}, {"Reporting", 10},
}

// simBank is a simulated item bank with its generating parameters.
type simBank struct {
	path  string
	truth map[string]irt.Item // generating parameters
	ids   []string            // operational items by domain, in id order
	dom   map[string]string
	scale *scale.Scale
	form1 []string // the base form's items
	form2 []string // the second administration's items
}

type simBankOptions struct {
	perDomain []int   // operational items per domain; nil means 48, 42, 24, 24, 16
	pretest   int     // pretest items (no parameters)
	noise     bool    // bank parameters = truth + noise at their SEs
	seB, seA  float64 // SEs of the bank parameters; zero means 0.08 and 0.06
	formLen   int     // items of form1 and form2; zero means 20
	retire    int     // Reporting items retired
	drift     bool    // one Reporting item of form1 drifts in form2
	cutTheta  float64
}

func runID(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// newSimBank builds a bank with bank.Init, ImportItems (2PL parameters with
// SEs and covariances, fields format, enemy_set, options), SetScale (defined
// on form1 at θ_cut) and two administrations, form1 (the base form) and
// form2.
func newSimBank(t testing.TB, rng *rand.Rand, o simBankOptions) *simBank {
	t.Helper()
	ctx := context.Background()
	if o.perDomain == nil {
		o.perDomain = []int{48, 42, 24, 24, 16}
	}
	if o.seB == 0 {
		o.seB, o.seA = 0.08, 0.06
	}
	if o.formLen == 0 {
		o.formLen = 20
	}
	sb := &simBank{path: filepath.Join(t.TempDir(), "bank.db"), truth: map[string]irt.Item{}, dom: map[string]string{}}
	b, err := bank.Init(ctx, sb.path, bank.Options{By: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var imp []bank.ImportItem
	bankParams := map[string]bank.Params{}
	n := 0
	for d, dd := range testDomains {
		for k := 0; k < o.perDomain[d]; k++ {
			n++
			id := fmt.Sprintf("I%03d", n)
			tr := irt.Item{Model: irt.TwoPL, A: 0.7 + 1.1*rng.Float64()}
			tr.D = -tr.A * rng.NormFloat64()
			sb.truth[id], sb.dom[id] = tr, dd.name
			sb.ids = append(sb.ids, id)
			a, bb := tr.A, tr.B()
			if o.noise {
				a += o.seA * rng.NormFloat64()
				bb += o.seB * rng.NormFloat64()
			}
			p := bank.Params{Model: "2pl", A: a, B: bb, C: bank.None, D: -a * bb, SEA: o.seA, SEB: o.seB, SEC: bank.None, SED: o.seB * a}
			// Cov of (a, d) with d = −a·b, a and b independent.
			p.Cov = []bank.Cov{{Param1: "a", Param2: "a", Value: o.seA * o.seA}, {Param1: "a", Param2: "d", Value: -bb * o.seA * o.seA},
				{Param1: "d", Param2: "d", Value: bb*bb*o.seA*o.seA + a*a*o.seB*o.seB}}
			bankParams[id] = p
			format := "recall"
			if n%4 == 0 {
				format = "scenario"
			}
			enemy := ""
			if n%10 == 1 || n%10 == 2 {
				enemy = fmt.Sprintf("E%d", n/10)
			}
			pp := p
			imp = append(imp, bank.ImportItem{Item: bank.Item{ID: id, Domain: dd.name, Status: bank.Operational, Key: "A",
				Fields: []bank.Field{{Name: "options", Value: "ABCD"}, {Name: "format", Value: format}, {Name: "enemy_set", Value: enemy}}}, Params: &pp})
		}
	}
	for k := 0; k < o.pretest; k++ {
		id := fmt.Sprintf("P%03d", k+1)
		imp = append(imp, bank.ImportItem{Item: bank.Item{ID: id, Domain: testDomains[k%len(testDomains)].name, Status: bank.Pretest, Key: "B",
			Fields: []bank.Field{{Name: "options", Value: "ABCD"}, {Name: "format", Value: "recall"}}}})
	}
	if _, err := b.ImportItems(ctx, imp, bank.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// Forms: the first items of each domain in blueprint proportion.
	w := make([]float64, len(testDomains))
	for d := range testDomains {
		w[d] = testDomains[d].weight
	}
	counts := apportionTest(w, o.formLen)
	start := 0
	for d := range testDomains {
		ids := sb.ids[start : start+o.perDomain[d]]
		sb.form1 = append(sb.form1, ids[:counts[d]]...)
		sb.form2 = append(sb.form2, ids[counts[d]:2*counts[d]]...)
		start += o.perDomain[d]
	}
	var base []irt.Item
	for _, id := range sb.form1 {
		p := bankParams[id]
		base = append(base, irt.Item{Model: irt.TwoPL, A: p.A, D: p.D})
	}
	cut := o.cutTheta
	if sb.scale, err = scale.Define(base, scale.Options{CutTheta: &cut}); err != nil {
		t.Fatal(err)
	}
	sj, _ := json.Marshal(sb.scale)
	if err := b.SetScale(ctx, sj, false); err != nil {
		t.Fatal(err)
	}
	admin := func(name, date string, mean, sd float64, ids []string, extra map[string]float64) {
		a := &bank.Administration{RunID: runID(name), Form: name, Date: date, Candidates: 1000, LatentMean: mean, LatentSD: sd}
		for _, id := range ids {
			p := bankParams[id]
			if db, ok := extra[id]; ok {
				p.B += db
				p.D = -p.A * p.B
			}
			a.Items = append(a.Items, bank.AdminItem{ItemID: id, Role: bank.RoleOperational, Stats: bank.Classical{N: 1000}, Params: p})
		}
		if _, err := b.AddAdministration(ctx, a, bank.AddOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	admin("form1", "2025-03-01", 0, 1, sb.form1, nil)
	f2 := append([]string(nil), sb.form2...)
	var shift map[string]float64
	if o.drift {
		// The first Reporting item of form1 comes back much harder on form2.
		for _, id := range sb.form1 {
			if sb.dom[id] == "Reporting" {
				f2 = append(f2, id)
				shift = map[string]float64{id: 1.5}
				break
			}
		}
	}
	admin("form2", "2025-09-01", 0.1, 1.05, f2, shift)
	retired := 0
	for k := len(sb.ids) - 1; k >= 0 && retired < o.retire; k-- {
		if id := sb.ids[k]; sb.dom[id] == "Reporting" {
			if err := b.Retire(ctx, id, "test"); err != nil {
				t.Fatal(err)
			}
			retired++
		}
	}
	return sb
}

// apportionTest is largest-remainder rounding, written out for the tests.
func apportionTest(w []float64, n int) []int {
	var sum float64
	for _, x := range w {
		sum += x
	}
	out := make([]int, len(w))
	rem := make([]float64, len(w))
	left := n
	for i, x := range w {
		q := float64(n) * x / sum
		out[i] = int(math.Floor(q + 1e-9))
		rem[i] = q - float64(out[i])
		left -= out[i]
	}
	for ; left > 0; left-- {
		best := 0
		for i := range rem {
			if rem[i] > rem[best]+1e-12 {
				best = i
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

// writeSpec writes an exam spec with the five domains and the given
// assembly section (YAML, indented by two spaces) next to the bank.
func writeSpec(t testing.TB, sb *simBank, assembly string) *SpecFile {
	t.Helper()
	dir := filepath.Dir(sb.path)
	text := "exam: test\ndomains:\n"
	for _, d := range testDomains {
		text += fmt.Sprintf("  - {name: %s, weight: %g}\n", d.name, d.weight)
	}
	text += "bank:\n  path: bank.db\nprojection:\n  reps: 0\nassembly:\n" + assembly
	file := filepath.Join(dir, "exam.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	sf, err := ReadSpec(file)
	if err != nil {
		t.Fatalf("spec:\n%s\n%v", text, err)
	}
	return sf
}
