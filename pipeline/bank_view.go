package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/reports"
)

// BankListSettings are the filters of `bank list`; zero values select all.
type BankListSettings struct {
	Domain        string
	Status        []string // any of these statuses
	BRange        string   // "L:H": bank b in [L, H]; either side may be empty
	ExposureMax   *int     // seen in at most this many administrations
	CandidatesMax *int     // by at most this many candidates
	IDContains    string
}

func (s BankListSettings) filter() (bank.ListFilter, error) {
	f := bank.ListFilter{Domain: s.Domain, MaxRuns: s.ExposureMax, MaxCandidates: s.CandidatesMax, IDContains: s.IDContains}
	for _, st := range s.Status {
		for _, one := range strings.Split(st, ",") {
			switch v := bank.Status(strings.TrimSpace(one)); v {
			case bank.Operational, bank.Pretest, bank.Retired, bank.Excluded:
				f.Status = append(f.Status, v)
			default:
				return f, Inputf("--status %q: want operational, pretest, retired or excluded", one)
			}
		}
	}
	if s.BRange != "" {
		lo, hi, ok := strings.Cut(s.BRange, ":")
		if !ok {
			return f, Inputf("--b-range %q: want LOW:HIGH, e.g. -1:1.5 (either side may be empty)", s.BRange)
		}
		for _, side := range []struct {
			text string
			dst  **float64
		}{{lo, &f.BMin}, {hi, &f.BMax}} {
			if strings.TrimSpace(side.text) == "" {
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(side.text), 64)
			if err != nil {
				return f, Inputf("--b-range %q: %q is not a number", s.BRange, side.text)
			}
			*side.dst = &v
		}
	}
	for _, p := range []*int{s.ExposureMax, s.CandidatesMax} {
		if p != nil && *p < 0 {
			return f, Inputf("--exposure-max and --candidates-max must be 0 or more")
		}
	}
	return f, nil
}

// BankList is `bank list`: the items that pass the filters, with bank
// parameters and exposure.
func BankList(ctx context.Context, bs BankSettings, s BankListSettings) (*reports.Table, error) {
	f, err := s.filter()
	if err != nil {
		return nil, err
	}
	var items []bank.ItemSummary
	if err := withBank(ctx, bs, func(b *bank.Bank) (err error) { items, err = b.List(ctx, f); return }); err != nil {
		return nil, err
	}
	t := &reports.Table{Header: []string{"item_id", "version", "domain", "status", "key", "model", "a", "b", "c", "se_b", "source", "exposure_runs", "exposure_candidates"}}
	for _, it := range items {
		row := []string{it.ID, strconv.Itoa(it.Version), it.Domain, string(it.Status), it.Key}
		if p := it.Params; p != nil {
			row = append(row, p.Model, reports.F(p.A), reports.F(p.B), reports.F(p.C), reports.F(p.SEB), p.Source)
		} else {
			row = append(row, "", "", "", "", "", "")
		}
		t.Rows = append(t.Rows, append(row, strconv.Itoa(it.Exposure.Runs), strconv.Itoa(it.Exposure.Candidates)))
	}
	return t, nil
}

// historyTable is an item's administrations, oldest first.
func historyTable(hs []bank.HistoryEntry) *reports.Table {
	t := &reports.Table{Header: []string{"run_id", "form", "date", "candidates", "role", "n", "p", "rpbis_corrected", "model", "a", "b", "c", "se_b", "decision", "reasons"}}
	for _, h := range hs {
		t.Rows = append(t.Rows, []string{h.RunID[:12], h.Form, h.Date, strconv.Itoa(h.Candidates), string(h.Role), strconv.Itoa(h.Stats.N),
			reports.F(h.Stats.P), reports.F(h.Stats.RPBisCorrected), h.Params.Model, reports.F(h.Params.A), reports.F(h.Params.B),
			reports.F(h.Params.C), reports.F(h.Params.SEB), string(h.Decision), strings.Join(h.Reasons, ";")})
	}
	return t
}

// BankHistory is `bank history ITEM`: every administration of the item.
func BankHistory(ctx context.Context, bs BankSettings, id string) (*reports.Table, error) {
	var hs []bank.HistoryEntry
	err := withBank(ctx, bs, func(b *bank.Bank) (err error) { hs, err = b.History(ctx, id); return })
	if err != nil {
		return nil, err
	}
	return historyTable(hs), nil
}

// BankItemView is `bank show ITEM`: the item (field, value) and its
// history.
type BankItemView struct {
	Item, History *reports.Table
}

// BankShow is `bank show ITEM`.
func BankShow(ctx context.Context, bs BankSettings, id string) (*BankItemView, error) {
	var r *bank.ItemRecord
	if err := withBank(ctx, bs, func(b *bank.Bank) (err error) { r, err = b.Show(ctx, id); return }); err != nil {
		return nil, err
	}
	t := &reports.Table{Header: []string{"field", "value"}}
	add := func(k, v string) { t.Rows = append(t.Rows, []string{k, v}) }
	add("item_id", r.ID)
	add("version", strconv.Itoa(r.Version))
	add("base_id", r.BaseID)
	add("previous_id", r.Previous)
	add("domain", r.Domain)
	add("status", string(r.Status))
	add("key", r.Key)
	add("exposure_runs", strconv.Itoa(r.Exposure.Runs))
	add("exposure_candidates", strconv.Itoa(r.Exposure.Candidates))
	if p := r.Params; p != nil {
		add("model", p.Model)
		for _, kv := range []struct {
			k string
			v float64
		}{{"a", p.A}, {"b", p.B}, {"c", p.C}, {"d", p.D}, {"se_a", p.SEA}, {"se_b", p.SEB}, {"se_c", p.SEC}} {
			add(kv.k, reports.F(kv.v))
		}
		add("params_source", p.Source)
		add("params_run", p.RunID)
		add("params_reason", p.Reason)
	}
	add("revised_by", strings.Join(r.RevisedBy, ","))
	for _, f := range r.Fields {
		add("field:"+f.Name, f.Value)
	}
	return &BankItemView{Item: t, History: historyTable(r.History)}, nil
}

// BankDrift is `bank drift`: consecutive administrations of every item
// compared by z = Δb / √(se₁² + se₂²) against the Bonferroni critical value.
func BankDrift(ctx context.Context, bs BankSettings, alpha float64) (*reports.Table, *bank.DriftResult, error) {
	if !(alpha >= 0 && alpha < 0.5) {
		return nil, nil, Inputf("--alpha %g: want a level in (0, 0.5)", alpha)
	}
	var r *bank.DriftResult
	if err := withBank(ctx, bs, func(b *bank.Bank) (err error) { r, err = b.Drift(ctx, bank.DriftOptions{Alpha: alpha}); return }); err != nil {
		return nil, nil, err
	}
	t := &reports.Table{Header: []string{"item_id", "run_from", "run_to", "date_from", "date_to", "b_from", "b_to", "se_from", "se_to", "z", "flagged"}}
	for _, p := range r.Pairs {
		t.Rows = append(t.Rows, []string{p.ItemID, p.RunFrom[:12], p.RunTo[:12], p.DateFrom, p.DateTo, reports.F(p.BFrom), reports.F(p.BTo),
			reports.F(p.SEFrom), reports.F(p.SETo), reports.F(p.Z), strconv.FormatBool(p.Flagged)})
	}
	return t, r, nil
}

// TableJSON is a table as JSON for scripts: an array of objects keyed by
// the header, numbers as numbers, empty cells as null.
func TableJSON(t *reports.Table) json.RawMessage {
	var b strings.Builder
	b.WriteString("[")
	for i, row := range t.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for k, h := range t.Header {
			if k > 0 {
				b.WriteString(", ")
			}
			key, _ := json.Marshal(h)
			b.Write(key)
			b.WriteString(": ")
			v := ""
			if k < len(row) {
				v = row[k]
			}
			b.WriteString(jsonCell(v))
		}
		b.WriteString("}")
	}
	b.WriteString("\n]")
	return json.RawMessage(b.String())
}

func jsonCell(v string) string {
	if v == "" {
		return "null"
	}
	if v == "true" || v == "false" {
		return v
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil && json.Valid([]byte(v)) {
		return v
	}
	q, _ := json.Marshal(v)
	return string(q)
}

// FlaggedRows keeps the rows of a drift table whose flagged column is true.
func FlaggedRows(t *reports.Table) *reports.Table {
	out := &reports.Table{Header: t.Header}
	col := len(t.Header) - 1
	for _, r := range t.Rows {
		if r[col] == "true" {
			out.Rows = append(out.Rows, r)
		}
	}
	return out
}

// BankDriftCharts writes the drift screen (drift.csv) and a chart per item
// (ITEM.svg or .png: b across administrations with ±2 SE, the bank b
// dashed) into dir through a staged Output: the flagged items' charts, or
// every screened item's with all.
func BankDriftCharts(ctx context.Context, bs BankSettings, dir string, t *reports.Table, r *bank.DriftResult, all bool, format string, inv Invocation) (int, error) {
	if format == "" {
		format = "svg"
	}
	if format != "svg" && format != "png" {
		return 0, Inputf("--chart-format %q: want svg or png", format)
	}
	flagged := map[string]bool{}
	var ids []string
	seen := map[string]bool{}
	for _, p := range r.Pairs {
		if p.Flagged {
			flagged[p.ItemID] = true
		}
		if !seen[p.ItemID] {
			seen[p.ItemID] = true
			ids = append(ids, p.ItemID)
		}
	}
	out, err := NewOutput(dir, inv, nil, false)
	if err != nil {
		return 0, err
	}
	defer out.Abort()
	if err := out.Table("drift.csv", t); err != nil {
		return 0, err
	}
	n := 0
	err = withBank(ctx, bs, func(b *bank.Bank) error {
		for _, id := range ids {
			if !all && !flagged[id] {
				continue
			}
			rec, err := b.Show(ctx, id)
			if err != nil {
				return err
			}
			var pts []reports.DriftPoint
			for _, h := range rec.History {
				if h.Params.Model == "" {
					continue
				}
				pts = append(pts, reports.DriftPoint{Label: h.Form + " " + h.Date, B: h.Params.B, SE: h.Params.SEB})
			}
			bankB := bank.None
			if rec.Params != nil {
				bankB = rec.Params.B
			}
			img, err := reports.DriftChart(id, bankB, pts, flagged[id], format)
			if err != nil {
				return fmt.Errorf("drift chart of %s: %w", id, err)
			}
			if err := out.Write(reports.SafeFileName(id)+"."+format, func(w io.Writer) error { _, err := w.Write(img); return err }); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, out.Commit()
}
