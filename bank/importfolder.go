package bank

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// csvFile is one CSV file of an export folder, read whole.
type csvFile struct {
	name  string
	col   map[string]int
	cols  []string
	rows  [][]string
	lines []int
}

// readCSV reads dir/name; a missing file is an empty table unless required.
func readCSV(dir, name string, header []string, required bool) (*csvFile, error) {
	f := &csvFile{name: name, col: map[string]int{}}
	fh, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) && !required {
		return f, nil
	}
	if err != nil {
		return nil, wrapErr(ErrInvalid, err, "importing %s", dir)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, wrapErr(ErrInvalid, err, "%s", name)
		}
		line, _ := r.FieldPos(0)
		if f.cols == nil {
			f.cols = rec
			for i, c := range rec {
				f.col[c] = i
			}
			for _, h := range header {
				if _, ok := f.col[h]; !ok {
					return nil, newErr(ErrInvalid, "%s:1: no column %q (want %v)", name, h, header)
				}
			}
			continue
		}
		f.rows = append(f.rows, rec)
		f.lines = append(f.lines, line)
	}
	if f.cols == nil && required {
		return nil, newErr(ErrInvalid, "%s is empty", name)
	}
	return f, nil
}

// cursor reads the cells of one row, keeping the first error.
type cursor struct {
	f   *csvFile
	i   int
	err error
}

func (c *cursor) str(col string) string {
	j, ok := c.f.col[col]
	if !ok {
		return ""
	}
	return c.f.rows[c.i][j]
}

func (c *cursor) fail(col, v, want string) {
	if c.err == nil {
		c.err = newErr(ErrInvalid, "%s:%d: column %q: %q: want %s", c.f.name, c.f.lines[c.i], col, v, want)
	}
}

func (c *cursor) float(col string) float64 {
	s := c.str(col)
	if s == "" {
		return math.NaN()
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		c.fail(col, s, "a number or an empty cell")
	}
	return x
}

func (c *cursor) int(col string) int {
	s := c.str(col)
	n, err := strconv.Atoi(s)
	if err != nil {
		c.fail(col, s, "an integer")
	}
	return n
}

func (c *cursor) time(col string) time.Time {
	s := c.str(col)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		c.fail(col, s, "an RFC 3339 time")
	}
	return t
}

func (c *cursor) params() Params {
	p := Params{Model: c.str("model"), A: c.float("a"), B: c.float("b"), C: c.float("c"), D: c.float("d"),
		SEA: c.float("se_a"), SEB: c.float("se_b"), SEC: c.float("se_c"), SED: c.float("se_d")}
	return p
}

// ImportFolder reads a folder written by Export, whole, into this bank,
// which must hold no items and no administrations (ErrNotEmpty otherwise):
// items with fields and version links, bank parameters with covariances and
// provenance, administrations with manifests, history, forms and the scale.
// audit.csv is not read: the import is one new audit event ("import-folder"),
// whose id it returns. Exporting the result gives the same files, audit.csv
// aside. Exposure is recomputed from history.csv and must agree with
// items.csv. Errors name the file and line.
func (b *Bank) ImportFolder(ctx context.Context, dir string) (int64, error) {
	tabs := map[string]*csvFile{}
	for _, spec := range []struct {
		name     string
		header   []string
		required bool
	}{
		{"items.csv", itemsHeader[:4], true}, {"params.csv", append(paramsHeader[:9:9], "se_d"), false}, {"params_cov.csv", covHeader, false},
		{"administrations.csv", adminsHeader[:4], false}, {"history.csv", historyHeader[:6], false}, {"history_cov.csv", historyCovHeader, false},
		{"forms.csv", formsHeader[:1], false}, {"form_items.csv", formItemsHeader, false}, {"form_conversion.csv", formConvHeader, false},
	} {
		t, err := readCSV(dir, spec.name, spec.header, spec.required)
		if err != nil {
			return 0, err
		}
		tabs[spec.name] = t
	}
	scale, err := os.ReadFile(filepath.Join(dir, "scale.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, wrapErr(ErrInvalid, err, "importing %s", dir)
	}

	// Parse everything before the transaction.
	var items []Item
	exposure := map[string][2]int{}
	{
		t := tabs["items.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			it := Item{ID: c.str("item_id"), Key: c.str("key"), Domain: c.str("domain"), Status: Status(c.str("status")),
				BaseID: c.str("base_id"), Previous: c.str("previous_id")}
			if c.str("version") != "" {
				it.Version = c.int("version")
			}
			if c.str("created") != "" {
				it.Created = c.time("created")
			}
			for j, name := range t.cols {
				if reservedColumn[name] || t.rows[i][j] == "" {
					continue
				}
				it.Fields = append(it.Fields, Field{name, t.rows[i][j]})
			}
			if c.str("exposure_runs") != "" {
				exposure[it.ID] = [2]int{c.int("exposure_runs"), c.int("exposure_candidates")}
			}
			if c.err != nil {
				return 0, c.err
			}
			normaliseItem(&it)
			if err := validItem(&it); err != nil {
				return 0, fmt.Errorf("items.csv:%d: %w", t.lines[i], err)
			}
			items = append(items, it)
		}
	}
	covOf := func(name, keyCol string) (map[string][]Cov, error) {
		t := tabs[name]
		m := map[string][]Cov{}
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			k := c.str(keyCol)
			if keyCol == "run_id" {
				k += "\x00" + c.str("item_id")
			}
			m[k] = append(m[k], Cov{c.str("param_1"), c.str("param_2"), c.float("cov")})
			if c.err != nil {
				return nil, c.err
			}
		}
		return m, nil
	}
	pcov, err := covOf("params_cov.csv", "item_id")
	if err != nil {
		return 0, err
	}
	hcov, err := covOf("history_cov.csv", "run_id")
	if err != nil {
		return 0, err
	}
	var params []BankParams
	var paramIDs []string
	{
		t := tabs["params.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			p := BankParams{Params: c.params(), Provenance: Provenance{Source: c.str("source"), RunID: c.str("run_id"), Reason: c.str("reason")}}
			if p.Source == "" {
				p.Source = "import"
			}
			id := c.str("item_id")
			p.Cov = pcov[id]
			if c.err != nil {
				return 0, c.err
			}
			params, paramIDs = append(params, p), append(paramIDs, id)
		}
	}
	var admins []*Administration
	byRun := map[string]*Administration{}
	{
		t := tabs["administrations.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			a := &Administration{RunID: c.str("run_id"), Form: c.str("form"), Date: c.str("date"), Candidates: c.int("candidates"),
				LatentMean: c.float("latent_mean"), LatentSD: c.float("latent_sd")}
			if c.str("recorded_at") != "" {
				a.RecordedAt = c.time("recorded_at")
			}
			if m := c.str("manifest"); m != "" {
				if a.Manifest, err = os.ReadFile(filepath.Join(dir, filepath.FromSlash(m))); err != nil {
					return 0, wrapErr(ErrInvalid, err, "administrations.csv:%d: manifest", t.lines[i])
				}
			}
			if c.err != nil {
				return 0, c.err
			}
			admins = append(admins, a)
			byRun[a.RunID] = a
		}
		t = tabs["history.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			run := c.str("run_id")
			a, ok := byRun[run]
			if !ok {
				return 0, newErr(ErrInvalid, "history.csv:%d: run %q is not in administrations.csv", t.lines[i], run)
			}
			ai := AdminItem{ItemID: c.str("item_id"), Role: Role(c.str("role")), Decision: Decision(c.str("decision")), Params: c.params()}
			ai.Stats = Classical{N: c.int("n"), P: c.float("p"), RPBis: c.float("rpbis"), RPBisCorrected: c.float("rpbis_corrected"), Biserial: c.float("biserial"),
				DiscIndex: c.float("disc_index"), AlphaIfDeleted: c.float("alpha_if_deleted"), Infit: c.float("infit"), Outfit: c.float("outfit")}
			if r := c.str("reasons"); r != "" {
				if err := json.Unmarshal([]byte(r), &ai.Reasons); err != nil {
					c.fail("reasons", r, "a JSON array of strings")
				}
			}
			ai.Params.Cov = hcov[run+"\x00"+ai.ItemID]
			if c.err != nil {
				return 0, c.err
			}
			a.Items = append(a.Items, ai)
		}
		for _, a := range admins {
			if err := validAdministration(a); err != nil {
				return 0, err
			}
		}
	}
	var forms []*Form
	{
		byName := map[string]*Form{}
		t := tabs["forms.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			f := &Form{Name: c.str("form"), PopulationMean: c.float("population_mean"), PopulationSD: c.float("population_sd")}
			if c.str("created") != "" {
				f.Created = c.time("created")
			}
			if c.err != nil {
				return 0, c.err
			}
			forms = append(forms, f)
			byName[f.Name] = f
		}
		t = tabs["form_items.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			f, ok := byName[c.str("form")]
			if !ok {
				return 0, newErr(ErrInvalid, "form_items.csv:%d: form %q is not in forms.csv", t.lines[i], c.str("form"))
			}
			f.Items = append(f.Items, c.str("item_id"))
		}
		t = tabs["form_conversion.csv"]
		for i := range t.rows {
			c := &cursor{f: t, i: i}
			f, ok := byName[c.str("form")]
			if !ok {
				return 0, newErr(ErrInvalid, "form_conversion.csv:%d: form %q is not in forms.csv", t.lines[i], c.str("form"))
			}
			pass, err := strconv.ParseBool(c.str("pass"))
			if err != nil {
				c.fail("pass", c.str("pass"), "true or false")
			}
			f.Conversion = append(f.Conversion, ConversionRow{Raw: c.int("raw"), Theta: c.float("theta"), CSEM: c.float("csem"), ScaleScore: c.int("scale_score"), Pass: pass})
			if c.err != nil {
				return 0, c.err
			}
		}
	}

	return b.write(ctx, "import-folder", "importing "+dir, func(tx *wtx) (string, any, error) {
		var n int
		if err := tx.row(`SELECT (SELECT COUNT(*) FROM items) + (SELECT COUNT(*) FROM administrations)`).Scan(&n); err != nil {
			return "", nil, err
		}
		if n > 0 {
			return "", nil, newErr(ErrNotEmpty, "%s already holds items or administrations; import a folder into a new bank", b.target)
		}
		if scale != nil {
			if err := tx.exec(`INSERT INTO scale (id, json, event_id) VALUES (1, ?, ?)`, scale, tx.event); err != nil {
				return "", nil, err
			}
		}
		// Items first without their links, which may point forward.
		for i := range items {
			it := items[i]
			it.Previous = ""
			created := it.Created
			if created.IsZero() {
				created = b.opts.Now()
			}
			if err := tx.insertItem(&it, formatTime(created)); err != nil {
				return "", nil, err
			}
		}
		for _, it := range items {
			if it.Previous != "" {
				if err := tx.exec(`UPDATE items SET previous_id = ? WHERE item_id = ?`, it.Previous, it.ID); err != nil {
					return "", nil, fmt.Errorf("item %q: previous version %q: %w", it.ID, it.Previous, err)
				}
			}
		}
		for k, a := range admins {
			rec := a.RecordedAt
			if rec.IsZero() {
				rec = b.opts.Now()
			}
			manifest := a.Manifest
			if manifest == nil {
				manifest = []byte{}
			}
			if err := tx.exec(`INSERT INTO administrations (run_id, seq, form, admin_date, candidates, latent_mean, latent_sd, manifest, recorded_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				a.RunID, k+1, a.Form, a.Date, a.Candidates, nullF(a.LatentMean), nullF(a.LatentSD), manifest, formatTime(rec), tx.event); err != nil {
				return "", nil, fmt.Errorf("run %s: %w", short(a.RunID), err)
			}
			for i := range a.Items {
				ai := &a.Items[i]
				if err := tx.insertAdminItem(a.RunID, i+1, ai); err != nil {
					return "", nil, fmt.Errorf("run %s: %w", short(a.RunID), err)
				}
				if err := tx.exec(`UPDATE items SET exposure_runs = exposure_runs + 1, exposure_candidates = exposure_candidates + ? WHERE item_id = ?`, ai.Stats.N, ai.ItemID); err != nil {
					return "", nil, err
				}
			}
		}
		for i, p := range params {
			p.Event = tx.event
			if err := tx.setParams(paramIDs[i], p.Params, p.Provenance); err != nil {
				return "", nil, err
			}
		}
		for _, f := range forms {
			created := f.Created
			if created.IsZero() {
				created = b.opts.Now()
			}
			if err := tx.insertForm(f, formatTime(created)); err != nil {
				return "", nil, err
			}
		}
		for id, want := range exposure {
			var got [2]int
			if err := tx.row(`SELECT exposure_runs, exposure_candidates FROM items WHERE item_id = ?`, id).Scan(&got[0], &got[1]); err != nil {
				return "", nil, err
			}
			if got != want {
				return "", nil, newErr(ErrInvalid, "items.csv: item %q: exposure %d runs, %d candidates, but history.csv gives %d, %d", id, want[0], want[1], got[0], got[1])
			}
		}
		return "", map[string]any{"folder": dir, "items": len(items), "params": len(params), "administrations": len(admins), "forms": len(forms), "scale": scale != nil}, nil
	})
}
