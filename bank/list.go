package bank

import (
	"context"
	"math"
	"sort"
	"strings"
)

// ListFilter selects items for List. The zero ListFilter selects every item;
// each set field narrows the selection (all must hold).
type ListFilter struct {
	Domain string   // exact domain
	Status []Status // any of these statuses
	BMin   *float64 // bank b ≥ *BMin (items without bank b are left out when BMin or BMax is set)
	BMax   *float64 // bank b ≤ *BMax
	// MaxRuns and MaxCandidates keep items seen in at most that many
	// (non-reverted) administrations, by at most that many candidates.
	MaxRuns       *int
	MaxCandidates *int
	IDContains    string   // case-insensitive substring of the item id
	IDs           []string // only these items (a form's items, to link it to the bank)
	Model         string   // bank parameters of this model
}

// List returns the items that pass f, with bank parameters (without
// covariances) and exposure, ordered by item id (byte order).
func (b *Bank) List(ctx context.Context, f ListFilter) ([]ItemSummary, error) {
	var where []string
	var args []any
	if f.Domain != "" {
		where, args = append(where, `i.domain = ?`), append(args, f.Domain)
	}
	if len(f.Status) > 0 {
		ph := make([]string, len(f.Status))
		for k, s := range f.Status {
			ph[k] = "?"
			args = append(args, string(s))
		}
		where = append(where, `i.status IN (`+strings.Join(ph, ", ")+`)`)
	}
	if f.BMin != nil {
		where, args = append(where, `p.b >= ?`), append(args, *f.BMin)
	}
	if f.BMax != nil {
		where, args = append(where, `p.b <= ?`), append(args, *f.BMax)
	}
	if f.MaxRuns != nil {
		where, args = append(where, `i.exposure_runs <= ?`), append(args, *f.MaxRuns)
	}
	if f.MaxCandidates != nil {
		where, args = append(where, `i.exposure_candidates <= ?`), append(args, *f.MaxCandidates)
	}
	if f.IDContains != "" {
		where, args = append(where, `LOWER(i.item_id) LIKE ? ESCAPE '\'`), append(args, "%"+likeEscape(strings.ToLower(f.IDContains))+"%")
	}
	if len(f.IDs) > 0 {
		ph := make([]string, len(f.IDs))
		for k, id := range f.IDs {
			ph[k] = "?"
			args = append(args, id)
		}
		where = append(where, `i.item_id IN (`+strings.Join(ph, ", ")+`)`)
	}
	if f.Model != "" {
		where, args = append(where, `p.model = ?`), append(args, f.Model)
	}
	q := itemSelect
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := b.reader(ctx).query(q, args...)
	if err != nil {
		return nil, b.mapErr(err, "listing items")
	}
	defer rows.Close()
	var out []ItemSummary
	for rows.Next() {
		s, err := scanItem(rows)
		if err != nil {
			return nil, b.mapErr(err, "listing items")
		}
		out = append(out, *s)
	}
	if err := rows.Err(); err != nil {
		return nil, b.mapErr(err, "listing items")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// DriftOptions adjust Drift. The zero DriftOptions is valid.
type DriftOptions struct {
	// Alpha is the family-wise two-sided error rate; zero means 0.05.
	Alpha float64
	// Items limits the screen to these items; empty means every item with
	// two or more calibrated administrations.
	Items []string
}

// DriftPair compares an item's b in two consecutive administrations.
type DriftPair struct {
	ItemID           string
	RunFrom, RunTo   string
	DateFrom, DateTo string
	BFrom, BTo       float64
	SEFrom, SETo     float64
	Z                float64
	Flagged          bool // |Z| > DriftResult.Critical
}

// DriftResult is the drift screen over the bank.
type DriftResult struct {
	Alpha       float64
	Comparisons int     // m, the number of pairs tested
	Critical    float64 // z_{1 − α/(2m)}
	Pairs       []DriftPair
}

// Flagged returns the pairs beyond the critical value.
func (r *DriftResult) Flagged() []DriftPair {
	var out []DriftPair
	for _, p := range r.Pairs {
		if p.Flagged {
			out = append(out, p)
		}
	}
	return out
}

// Drift screens items for parameter drift between administrations: for each
// item, each pair of consecutive non-reverted administrations i, j in which
// it was calibrated with an SE of b gives
//
//	z = (b_j − b_i) / sqrt(se_i² + se_j²),
//
// which is approximately standard normal if the item did not drift (the two
// estimates are on the bank scale and from independent samples). A pair is
// flagged when |z| exceeds the Bonferroni-adjusted two-sided normal critical
// value z_{1−α/(2m)}, m the number of pairs tested over the whole bank, so
// that the chance of flagging any item that did not drift is at most α.
// Pairs are ordered by item id, then administration. The statistic is the
// same as that of the anchor drift screen in linking (a robust-z screen
// there, this one with the SEs of both estimates).
func (b *Bank) Drift(ctx context.Context, opts DriftOptions) (*DriftResult, error) {
	alpha := opts.Alpha
	if alpha <= 0 {
		alpha = 0.05
	}
	c := b.reader(ctx)
	where, args := `AND x.model <> '' AND x.b IS NOT NULL AND x.se_b IS NOT NULL`, []any(nil)
	if len(opts.Items) > 0 {
		ph := make([]string, len(opts.Items))
		for k, id := range opts.Items {
			ph[k], args = "?", append(args, id)
		}
		where += ` AND x.item_id IN (` + strings.Join(ph, ", ") + `)`
	}
	hs, err := c.history(where, args...)
	if err != nil {
		return nil, b.mapErr(err, "screening drift")
	}
	byItem := map[string][]*HistoryEntry{}
	var ids []string
	for i := range hs {
		h := &hs[i]
		if _, ok := byItem[h.ItemID]; !ok {
			ids = append(ids, h.ItemID)
		}
		byItem[h.ItemID] = append(byItem[h.ItemID], h)
	}
	sort.Strings(ids)
	r := &DriftResult{Alpha: alpha}
	for _, id := range ids {
		h := byItem[id]
		for k := 1; k < len(h); k++ {
			i, j := h[k-1], h[k]
			se := math.Sqrt(i.Params.SEB*i.Params.SEB + j.Params.SEB*j.Params.SEB)
			p := DriftPair{ItemID: id, RunFrom: i.RunID, RunTo: j.RunID, DateFrom: i.Date, DateTo: j.Date,
				BFrom: i.Params.B, BTo: j.Params.B, SEFrom: i.Params.SEB, SETo: j.Params.SEB, Z: (j.Params.B - i.Params.B) / se}
			r.Pairs = append(r.Pairs, p)
		}
	}
	r.Comparisons = len(r.Pairs)
	if r.Comparisons > 0 {
		r.Critical = normalUpper(alpha / (2 * float64(r.Comparisons)))
	}
	for k := range r.Pairs {
		r.Pairs[k].Flagged = math.Abs(r.Pairs[k].Z) > r.Critical
	}
	return r, nil
}

// normalUpper returns z with P(Z > z) = q for standard normal Z:
// z = √2 · erfcinv(2q).
func normalUpper(q float64) float64 { return math.Sqrt2 * math.Erfcinv(2*q) }
