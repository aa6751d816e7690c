package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// findBrowser returns the path of a Chromium or Chrome binary: $ITEMLAB_CHROME,
// else the first of chromium, chromium-browser, google-chrome,
// google-chrome-stable, headless-shell on $PATH. With no browser the test
// skips, or fails when CI=true (.ci/run installs Debian's chromium).
func findBrowser(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ITEMLAB_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium or Chrome found (looked for $ITEMLAB_CHROME, chromium, chromium-browser, google-chrome, " +
		"google-chrome-stable, headless-shell on $PATH): the review page's browser tests need one; " +
		"on Debian: apt-get install -y chromium"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and no background
// networking (the test machine may have no network at all).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := findBrowser(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("starting %s: %v", exe, err)
	}
	return ctx
}

// shotDir is where the browser test writes its screenshots:
// $ITEMLAB_REVIEW_SHOTS when set (to look at them), else a temporary folder.
func shotDir(t *testing.T) string {
	if d := os.Getenv("ITEMLAB_REVIEW_SHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// TestReviewBrowser opens the review page of the 125-item fixture in
// headless Chromium from a file:// URL and uses it as a reader would.
func TestReviewBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	run := readReviewFixture(t)
	page, err := buildReview(run, ReviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "review.html")
	if err := WriteReviewFile(file, run, ReviewOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("page size %d bytes (%.2f MB) for %d items", st.Size(), float64(st.Size())/(1<<20), len(page.Items))
	if st.Size() > 4<<20 {
		t.Errorf("page is %d bytes, want under 4 MB", st.Size())
	}
	u := (&url.URL{Scheme: "file", Path: file}).String()
	ctx := newBrowser(t)
	shots := shotDir(t)
	shot := func(name string, sel string) {
		t.Helper()
		act := chromedp.FullScreenshot(90)
		if sel != "" {
			act = chromedp.Screenshot(chromedp.CSS(sel))
		}
		buf, err := chromedp.Run(ctx, act)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run1 := func(what string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string, out any) {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		if err := json.Unmarshal(v, out); err != nil {
			t.Fatalf("%s: %v", js, err)
		}
	}
	visible := func() int {
		t.Helper()
		var n int
		eval(`document.querySelectorAll('#items-body tr:not([hidden])').length`, &n)
		return n
	}

	// Load, and time to interactive: navigation start → the script's ready mark.
	run1("load", chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS(`html[data-ready="1"]`)))
	var timing struct {
		Ready, DCL, Load float64
	}
	eval(`(function(){var n=performance.getEntriesByType('navigation')[0];
		return {Ready: performance.getEntriesByName('review-ready')[0].startTime,
		DCL: n.domContentLoadedEventEnd, Load: n.loadEventEnd};})()`, &timing)
	t.Logf("time to interactive %.0f ms (DOMContentLoaded %.0f ms, load %.0f ms)", timing.Ready, timing.DCL, timing.Load)
	if timing.Ready > 3000 { // target under 1 s; 3 s leaves room for a slow CI machine
		t.Errorf("time to interactive %.0f ms, want under 1 s", timing.Ready)
	}
	shot("table.png", "")

	// Every item of the form has a row.
	var ids []string
	eval(`Array.from(document.querySelectorAll('#items-body tr')).map(function(r){return r.dataset.id})`, &ids)
	if len(ids) != len(run.ItemStats.Rows) {
		t.Errorf("table has %d rows, want %d", len(ids), len(run.ItemStats.Rows))
	}
	got := map[string]bool{}
	for _, id := range ids {
		got[id] = true
	}
	for i := range run.ItemStats.Rows {
		if id := tableCell(run.ItemStats, i, "item_id"); !got[id] {
			t.Errorf("item %s has no row", id)
		}
	}

	// Accessibility basics: labelled controls, scoped headers, unique ids.
	var a11y []string
	eval(`(function(){var bad=[];
		document.querySelectorAll('input,select').forEach(function(e){if(!e.labels||!e.labels.length)bad.push('unlabelled '+e.id)});
		document.querySelectorAll('th').forEach(function(e){if(!e.getAttribute('scope'))bad.push('th without scope: '+e.textContent)});
		var seen={};document.querySelectorAll('[id]').forEach(function(e){if(seen[e.id])bad.push('duplicate id '+e.id);seen[e.id]=1});
		if(!document.querySelector('#count[aria-live]'))bad.push('filter count not aria-live');
		return bad;})()`, &a11y)
	for _, s := range a11y {
		t.Error(s)
	}

	// cardOf opens the card of id by clicking its row and checks it.
	checkCard := func(id string, pretest bool) {
		t.Helper()
		run1("open "+id,
			chromedp.Click(chromedp.CSS(fmt.Sprintf(`#items-body tr[data-id=%q] button`, id))),
			chromedp.WaitVisible(chromedp.CSS(`dialog#card[open] #card-h`)))
		var text, hash string
		var icc, points int
		eval(`document.getElementById('card-body').innerText`, &text)
		eval(`location.hash`, &hash)
		eval(`document.querySelectorAll('#card-body figure.icc svg path.c1:not(.lgk)').length`, &icc)
		eval(`document.querySelectorAll('#card-body figure.icc svg circle.obs:not(.lgk)').length`, &points)
		if hash != "#item-"+id {
			t.Errorf("card of %s: URL hash %q, want #item-%s", id, hash, id)
		}
		if !strings.Contains(text, "Item "+id) || !strings.Contains(text, "Corrected point-biserial") {
			t.Errorf("card of %s lacks its statistics: %.300q", id, text)
		}
		si := tableRowIndex(run.ItemStats)[id]
		p, _ := tableFloat(run.ItemStats, si, "p")
		if want := fmtNum(p, 3); !strings.Contains(text, want) {
			t.Errorf("card of %s lacks p = %s", id, want)
		}
		if icc != 1 || points == 0 {
			t.Errorf("card of %s (pretest %v): %d ICC curves, %d observed points; want 1 and some", id, pretest, icc, points)
		}
		if pretest && !strings.Contains(text, "Decision:") {
			t.Errorf("card of pretest item %s shows no decision", id)
		}
	}
	opID, ptID := "ITM0070", "ITM0130" // a flagged anchor, a rejected pretest item
	checkCard(opID, false)
	shot("card_operational.png", "dialog#card")
	run1("scroll", chromedp.ScrollIntoView(chromedp.CSS(`#card-body figure.icc`)))
	shot("card_operational_charts.png", "dialog#card")
	// Escape closes the card and gives focus back to the row.
	var open bool
	var focused string
	run1("escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`dialog#card[open]`)))
	eval(`document.activeElement.textContent`, &focused)
	if focused != opID {
		t.Errorf("after Escape focus is on %q, want the row of %s", focused, opID)
	}
	checkCard(ptID, true)
	shot("card_pretest.png", "dialog#card")
	run1("scroll", chromedp.ScrollIntoView(chromedp.CSS(`#card-body figure.icc`)))
	shot("card_pretest_charts.png", "dialog#card")
	run1("close", chromedp.Click(chromedp.CSS(`#card-close`)), chromedp.WaitNotPresent(chromedp.CSS(`dialog#card[open]`)))

	// Filters: needs attention, then a domain, then the search box.
	wantAttn, wantDom := 0, 0
	dom := page.Domains[0]
	for _, it := range page.Items {
		if it.Attention {
			wantAttn++
			if it.Domain == dom {
				wantDom++
			}
		}
	}
	run1("needs attention", chromedp.Click(chromedp.CSS(`#f-attn`)))
	if n := visible(); n != wantAttn {
		t.Errorf("needs attention: %d rows shown, want %d", n, wantAttn)
	}
	// The domain select as a user sets it: a new value and a change event.
	var changed bool
	domJS, _ := json.Marshal(dom)
	eval(`(function(){var s=document.getElementById('f-domain');s.focus();s.value=`+string(domJS)+
		`;return s.dispatchEvent(new Event('change'));})()`, &changed)
	var status string
	eval(`document.getElementById('count').textContent`, &status)
	if n := visible(); n != wantDom || status != fmt.Sprintf("%d of %d items shown", wantDom, len(page.Items)) {
		t.Errorf("needs attention in %s: %d rows shown, status %q; want %d", dom, n, status, wantDom)
	}
	shot("filtered.png", "#items")
	run1("reset", chromedp.Click(chromedp.CSS(`#f-reset`)), chromedp.Sleep(50*time.Millisecond))
	if n := visible(); n != len(page.Items) {
		t.Errorf("after Clear filters %d rows shown, want %d", n, len(page.Items))
	}
	run1("search", chromedp.SendKeys(chromedp.CSS(`#f-q`), strings.ToLower(ptID)))
	if n := visible(); n != 1 {
		t.Errorf("search %q: %d rows shown, want 1", ptID, n)
	}
	run1("reset", chromedp.Click(chromedp.CSS(`#f-reset`)), chromedp.Sleep(50*time.Millisecond))

	// Keyboard: Tab from Clear filters reaches the first sort button, Enter
	// sorts; Tab to a row, Enter opens its card, Escape closes it.
	run1("tab", chromedp.Focus(chromedp.CSS(`#f-reset`)), chromedp.KeyEvent(kb.Tab))
	eval(`document.activeElement.textContent`, &focused)
	if focused != "Item" {
		t.Errorf("Tab from Clear filters focuses %q, want the Item sort button", focused)
	}
	for k := 0; k < 3; k++ { // Item, Domain, Status → p
		run1("tab", chromedp.KeyEvent(kb.Tab))
	}
	run1("sort by p", chromedp.KeyEvent(kb.Enter))
	var sortState string
	var firstP float64
	eval(`document.querySelectorAll('#items-table thead th')[3].getAttribute('aria-sort')`, &sortState)
	eval(`parseFloat(document.querySelector('#items-body tr').cells[3].dataset.v)`, &firstP)
	minP := 1.0
	for i := range run.ItemStats.Rows {
		if p, ok := tableFloat(run.ItemStats, i, "p"); ok {
			minP = min(minP, p)
		}
	}
	if sortState != "ascending" || firstP != minP {
		t.Errorf("Enter on p: aria-sort %q, first p %g; want ascending, %g", sortState, firstP, minP)
	}
	var firstID string
	eval(`document.querySelector('#items-body tr').dataset.id`, &firstID)
	run1("focus row", chromedp.Focus(chromedp.CSS(`#items-body tr:first-child button`)),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowUp), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`dialog#card[open] #card-h`)))
	var title string
	eval(`document.getElementById('card-h').textContent`, &title)
	if !strings.HasPrefix(title, "Item "+firstID) {
		t.Errorf("Enter on the first row opened %q, want item %s", title, firstID)
	}
	run1("escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`dialog#card[open]`)))
	eval(`document.getElementById('card').open`, &open)
	if open {
		t.Error("Escape did not close the card")
	}

	// The URL hash opens a card on load. Leave the page first: a change of
	// the hash alone is a same-document navigation, whose load event
	// chromedp may wait for in vain.
	run1("hash", chromedp.Navigate("about:blank"), chromedp.Navigate(u+"#item-"+ptID), chromedp.WaitVisible(chromedp.CSS(`html[data-ready="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`dialog#card[open] #card-h`)))
	eval(`document.getElementById('card-h').textContent`, &title)
	if !strings.HasPrefix(title, "Item "+ptID) {
		t.Errorf("#item-%s opened %q", ptID, title)
	}
	run1("escape", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS(`dialog#card[open]`)))

	// Test-level charts are drawn.
	var charts []string
	eval(`Array.from(document.querySelectorAll('#charts figure')).map(function(f){return f.id+':'+f.querySelectorAll('svg *').length})`, &charts)
	if len(charts) != 5 {
		t.Errorf("test-level charts %v, want 5", charts)
	}
	shot("charts.png", "#charts")
	t.Logf("screenshots in %s", shots)
}
