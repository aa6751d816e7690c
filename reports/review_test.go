package reports

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// reviewFixture is the 125-item run folder of testdata/review (README.md
// there says how it was made).
const reviewFixture = "testdata/review"

func readReviewFixture(t testing.TB) *Run {
	t.Helper()
	run, err := ReadRun(reviewFixture)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func writeReviewString(t testing.TB, run *Run) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteReview(&buf, run, ReviewOptions{}); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteReviewDeterministic(t *testing.T) {
	a := writeReviewString(t, readReviewFixture(t))
	b := writeReviewString(t, readReviewFixture(t))
	if a != b {
		t.Fatal("two pages of the same run folder differ")
	}
}

func TestWriteReviewSelfContained(t *testing.T) {
	page := writeReviewString(t, readReviewFixture(t))
	// Nothing to fetch: no external scripts, styles, fonts, images or links.
	for _, re := range []string{`<script[^>]+src=`, `<link\b`, `@import`, `url\(`, `<img\b`, `<iframe\b`,
		`(?i)(src|href)="(https?:)?//`} {
		if m := regexp.MustCompile(re).FindString(page); m != "" {
			t.Errorf("page holds %q: it must be self-contained", m)
		}
	}
	// No per-element styles in the charts: shared classes only.
	if n := strings.Count(page, `<svg`); n < 125 {
		t.Errorf("page has %d SVG charts, want one ICC per item and more", n)
	}
	svgs := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(page, -1)
	for _, s := range svgs {
		if strings.Contains(s, "style=") || strings.Contains(s, "fill=\"#") || strings.Contains(s, "stroke=\"#") {
			t.Fatalf("an SVG has per-element styles: %.200s", s)
		}
	}
	// Coordinates rounded to 0.1 px.
	if m := regexp.MustCompile(` (d|x|y|cx|cy|r|width|height)="[^"]*\d\.\d\d`).FindString(strings.Join(svgs, "")); m != "" {
		t.Errorf("an SVG coordinate has more than one decimal: %q", m)
	}
}

func TestWriteReviewItems(t *testing.T) {
	run := readReviewFixture(t)
	page := writeReviewString(t, run)
	pretest := map[string]bool{}
	for i := range run.Pretest.Rows {
		pretest[tableCell(run.Pretest, i, "item_id")] = true
	}
	if len(run.ItemStats.Rows) != 125 || len(pretest) != 25 {
		t.Fatalf("fixture has %d items, %d pretest; want 125, 25", len(run.ItemStats.Rows), len(pretest))
	}
	for i := range run.ItemStats.Rows {
		id := tableCell(run.ItemStats, i, "item_id")
		if !strings.Contains(page, `<tr data-id="`+id+`"`) {
			t.Errorf("no table row for item %s", id)
		}
		k := strings.Index(page, `<template id="card-`+id+`">`)
		if k < 0 {
			t.Errorf("no card for item %s", id)
			continue
		}
		card := page[k : k+strings.Index(page[k:], "</template>")]
		if !strings.Contains(card, `<figure class="icc">`) || !strings.Contains(card, `class="c1"`) {
			t.Errorf("card of item %s (pretest %v) has no ICC", id, pretest[id])
		}
		if !strings.Contains(card, `<figure class="trace">`) {
			t.Errorf("card of item %s has no option trace lines", id)
		}
	}
	// A pretest decision with its reasons in sentences.
	k := strings.Index(page, `<template id="card-ITM0130">`)
	card := page[k : k+strings.Index(page[k:], "</template>")]
	for _, want := range []string{"Decision: reject", `<span class="verdict">reject:</span>`, "IRT difficulty b = -4.67"} {
		if !strings.Contains(card, want) {
			t.Errorf("card of ITM0130 lacks %q", want)
		}
	}
	for _, want := range []string{"Test information and CSEM", "Pass rate by cut score", "Person–item map",
		"Anchor drift", "Differential item functioning", "Coefficient alpha (KR-20)", "0.932 (SE 0.002)",
		"Raw cut", "60 of 100", "Projected pass rate", "79.2 %"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestWriteReviewItemReview: operational decisions come from
// analyze/item_review.csv when the run has it.
func TestWriteReviewItemReview(t *testing.T) {
	dir := t.TempDir()
	err := filepath.WalkDir(reviewFixture, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(reviewFixture, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		q := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(q), 0o755); err != nil {
			return err
		}
		return os.WriteFile(q, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	csv := "item_id,status,decision,reasons,notes\n" +
		"ITM0008,operational,keep,,\n" +
		"ITM0070,operational,check_key,possible_miskey,\"check_key: option B outscores the key | note: rarely chosen distractor\"\n"
	if err := os.WriteFile(filepath.Join(dir, "analyze", "item_review.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	page := writeReviewString(t, run)
	if !strings.Contains(page, `<tr data-id="ITM0070" data-domain="Regulatory Compliance" data-status="operational" data-decision="check_key" data-attn="1"`) {
		t.Error("row of ITM0070 lacks its decision check_key")
	}
	if !strings.Contains(page, `<tr data-id="ITM0008" data-domain="Non-Clinical Operations" data-status="operational" data-decision="keep" data-attn="0"`) {
		t.Error("row of ITM0008 lacks its decision keep (and needs no attention)")
	}
	for _, want := range []string{`<span class="verdict">check_key:</span> Option B outscores the key.`, "from item_review.csv", `<option>check_key</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestWriteReviewSparseRun: a folder with little in it still gives a page.
func TestWriteReviewSparseRun(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"empty":      {},
		"stats only": {"analyze/item_stats.csv": "item_id,domain,status,p,rpbis_corrected,flags\nQ1,D,operational,0.5,0.3,\nQ2,D,pretest,0.9,-0.1,negative_discrimination\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for rel, s := range files {
				p := filepath.Join(dir, rel)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			run, err := ReadRun(dir)
			if err != nil {
				t.Fatal(err)
			}
			page := writeReviewString(t, run)
			if !strings.Contains(page, "</html>") {
				t.Error("page incomplete")
			}
			if len(files) > 0 && !strings.Contains(page, "No item parameters for this item") {
				t.Error("card without parameters does not say so")
			}
		})
	}
}
