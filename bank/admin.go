package bank

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// validRunID reports whether s is a SHA-256 in lower-case hex.
func validRunID(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	for _, r := range s {
		if r >= 'A' && r <= 'F' {
			return false
		}
	}
	return err == nil
}

func validAdministration(a *Administration) error {
	if !validRunID(a.RunID) {
		return newErr(ErrInvalid, "run id %q: want the SHA-256 of the run in 64 lower-case hex digits", a.RunID)
	}
	if _, err := time.Parse(time.DateOnly, a.Date); err != nil {
		return newErr(ErrInvalid, "run %s: date %q: want YYYY-MM-DD", short(a.RunID), a.Date)
	}
	if a.Candidates < 0 {
		return newErr(ErrInvalid, "run %s: %d candidates", short(a.RunID), a.Candidates)
	}
	if len(a.Manifest) > 0 && !json.Valid(a.Manifest) {
		return newErr(ErrInvalid, "run %s: the manifest is not valid JSON", short(a.RunID))
	}
	seen := map[string]bool{}
	for i := range a.Items {
		ai := &a.Items[i]
		if seen[ai.ItemID] {
			return newErr(ErrInvalid, "run %s: item %q is listed twice", short(a.RunID), ai.ItemID)
		}
		seen[ai.ItemID] = true
		if !ai.Role.valid() {
			return newErr(ErrInvalid, "run %s: item %q: role %q: want operational, anchor or pretest", short(a.RunID), ai.ItemID, ai.Role)
		}
		if !ai.Decision.valid() {
			return newErr(ErrInvalid, "run %s: item %q: decision %q: want promote, revise, reject or insufficient", short(a.RunID), ai.ItemID, ai.Decision)
		}
		if ai.Stats.N < 0 {
			return newErr(ErrInvalid, "run %s: item %q: n = %d", short(a.RunID), ai.ItemID, ai.Stats.N)
		}
		if ai.Params.Model != "" {
			if err := validParams(ai.ItemID, &ai.Params); err != nil {
				return err
			}
		}
		if ai.New != nil {
			if ai.New.ID != ai.ItemID {
				return newErr(ErrInvalid, "run %s: item %q: New.ID is %q", short(a.RunID), ai.ItemID, ai.New.ID)
			}
			normaliseItem(ai.New)
			if err := validItem(ai.New); err != nil {
				return err
			}
		}
	}
	return nil
}

func short(run string) string {
	if len(run) > 12 {
		return run[:12]
	}
	return run
}

// AddOptions adjust AddAdministration.
type AddOptions struct {
	// BaseParams makes the administration's parameters the bank parameters
	// (provenance "administration") of its operational and anchor items that
	// have none yet: the base form, which defines the scale. Pretest items
	// get bank parameters only through Promote.
	BaseParams bool
	// Scale, if non-nil, is the scale.json this administration defined (the
	// base form's), stored as the bank scale in the same transaction. A bank
	// with the same scale is left alone; one with another scale refuses with
	// ErrConflict and nothing is written.
	Scale []byte
}

// AddAdministration records one administration whole, in one transaction:
// the administration, every item's statistics, parameters on the bank scale,
// covariances and pretest decision, items new to the bank (AdminItem.New),
// the exposure counts and an audit event (action "add-run", whose id it
// returns). A run id already recorded is refused with ErrRunRecorded (also
// when that administration was reverted: a run is recorded once); an item
// not in the bank and without New is ErrNotFound. Later administrations'
// estimates never replace an item's bank parameters (see Promote and
// UpdateParams).
func (b *Bank) AddAdministration(ctx context.Context, a *Administration, opts AddOptions) (int64, error) {
	if err := validAdministration(a); err != nil {
		return 0, err
	}
	if opts.Scale != nil && !json.Valid(opts.Scale) {
		return 0, newErr(ErrInvalid, "the scale is not valid JSON")
	}
	return b.write(ctx, "add-run", "recording run "+short(a.RunID), func(tx *wtx) (string, any, error) {
		var scaleSet bool
		if opts.Scale != nil {
			old, err := tx.scale()
			if err != nil {
				return "", nil, err
			}
			switch {
			case old == nil:
				if err := tx.exec(`INSERT INTO scale (id, json, event_id) VALUES (1, ?, ?)`, opts.Scale, tx.event); err != nil {
					return "", nil, err
				}
				scaleSet = true
			case !bytes.Equal(old, opts.Scale):
				return "", nil, newErr(ErrConflict, "run %s defines a scale, but the bank already has a different one (fixed once on the base form)", short(a.RunID))
			}
		}
		var n int
		if err := tx.row(`SELECT COUNT(*) FROM administrations WHERE run_id = ?`, a.RunID).Scan(&n); err != nil {
			return "", nil, err
		}
		if n > 0 {
			return "", nil, newErr(ErrRunRecorded, "run %s is already recorded in %s", a.RunID, b.target)
		}
		recorded := a.RecordedAt
		if recorded.IsZero() {
			recorded = b.opts.Now()
		}
		var seq int64
		if err := tx.row(`SELECT COALESCE(MAX(seq), 0) + 1 FROM administrations`).Scan(&seq); err != nil {
			return "", nil, err
		}
		manifest := a.Manifest
		if manifest == nil {
			manifest = []byte{}
		}
		if err := tx.exec(`INSERT INTO administrations (run_id, seq, form, admin_date, candidates, latent_mean, latent_sd, manifest, recorded_at, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.RunID, seq, a.Form, a.Date, a.Candidates, nullF(a.LatentMean), nullF(a.LatentSD), manifest, formatTime(recorded), tx.event); err != nil {
			return "", nil, err
		}
		var added, based []string
		var missing []string
		for i := range a.Items {
			ai := &a.Items[i]
			cur, err := tx.loadItem(ai.ItemID, false)
			if errors.Is(err, ErrNotFound) {
				if ai.New == nil {
					missing = append(missing, ai.ItemID)
					continue
				}
				if err := tx.insertItem(ai.New, formatTime(recorded)); err != nil {
					return "", nil, err
				}
				added = append(added, ai.ItemID)
				cur = &ItemSummary{Item: *ai.New}
			} else if err != nil {
				return "", nil, err
			}
			if err := tx.insertAdminItem(a.RunID, i+1, ai); err != nil {
				return "", nil, err
			}
			if err := tx.exec(`UPDATE items SET exposure_runs = exposure_runs + 1, exposure_candidates = exposure_candidates + ? WHERE item_id = ?`, ai.Stats.N, ai.ItemID); err != nil {
				return "", nil, err
			}
			if opts.BaseParams && cur.Params == nil && ai.Role != RolePretest && ai.Params.Model != "" {
				if err := tx.setParams(ai.ItemID, ai.Params, Provenance{Source: "administration", RunID: a.RunID, Event: tx.event}); err != nil {
					return "", nil, err
				}
				based = append(based, ai.ItemID)
			}
		}
		if len(missing) > 0 {
			return "", nil, newErr(ErrNotFound, "run %s: %d item(s) are not in the bank: %v", short(a.RunID), len(missing), first(missing, 10))
		}
		if testHookMidAdd != nil {
			testHookMidAdd()
		}
		return a.RunID, map[string]any{"run_id": a.RunID, "form": a.Form, "date": a.Date, "candidates": a.Candidates,
			"items": len(a.Items), "added_items": added, "base_params": based, "scale_set": scaleSet}, nil
	})
}

// testHookMidAdd, if set by a test, runs inside AddAdministration's
// transaction after every row is written.
var testHookMidAdd func()

func (c *conn) insertAdminItem(run string, pos int, ai *AdminItem) error {
	reasons := ai.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	rj, _ := json.Marshal(reasons)
	s, p := ai.Stats, ai.Params
	if p.Model == "" {
		p = NoParams()
	}
	if err := c.exec(`INSERT INTO admin_items (run_id, item_id, position, role, n, p, rpbis, rpbis_corrected, biserial, disc_index, alpha_if_deleted, infit, outfit,
		model, a, b, c, d, se_a, se_b, se_c, se_d, decision, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run, ai.ItemID, pos, string(ai.Role), s.N, nullF(s.P), nullF(s.RPBis), nullF(s.RPBisCorrected), nullF(s.Biserial), nullF(s.DiscIndex), nullF(s.AlphaIfDeleted), nullF(s.Infit), nullF(s.Outfit),
		p.Model, nullF(p.A), nullF(p.B), nullF(p.C), nullF(p.D), nullF(p.SEA), nullF(p.SEB), nullF(p.SEC), nullF(p.SED),
		string(ai.Decision), string(rj)); err != nil {
		return fmt.Errorf("recording item %q: %w", ai.ItemID, err)
	}
	for _, cv := range sortedCov(ai.Params.Cov) {
		if err := c.exec(`INSERT INTO admin_item_cov (run_id, item_id, param_1, param_2, cov) VALUES (?, ?, ?, ?, ?)`, run, ai.ItemID, cv.Param1, cv.Param2, nullF(cv.Value)); err != nil {
			return fmt.Errorf("recording the covariances of item %q: %w", ai.ItemID, err)
		}
	}
	return nil
}

const historySelect = `SELECT a.run_id, a.form, a.admin_date, a.candidates, a.recorded_at,
	x.item_id, x.role, x.n, x.p, x.rpbis, x.rpbis_corrected, x.biserial, x.disc_index, x.alpha_if_deleted, x.infit, x.outfit,
	x.model, x.a, x.b, x.c, x.d, x.se_a, x.se_b, x.se_c, x.se_d, x.decision, x.reasons
	FROM admin_items x JOIN administrations a ON a.run_id = x.run_id`

func scanHistory(rows *sql.Rows) (*HistoryEntry, error) {
	var h HistoryEntry
	var rec, role, dec, reasons string
	var f [17]sql.NullFloat64
	if err := rows.Scan(&h.RunID, &h.Form, &h.Date, &h.Candidates, &rec,
		&h.ItemID, &role, &h.Stats.N, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7],
		&h.Params.Model, &f[8], &f[9], &f[10], &f[11], &f[12], &f[13], &f[14], &f[15], &dec, &reasons); err != nil {
		return nil, err
	}
	h.RecordedAt = parseTime(rec)
	h.Role, h.Decision = Role(role), Decision(dec)
	s := &h.Stats
	s.P, s.RPBis, s.RPBisCorrected, s.Biserial, s.DiscIndex, s.AlphaIfDeleted, s.Infit, s.Outfit =
		fval(f[0]), fval(f[1]), fval(f[2]), fval(f[3]), fval(f[4]), fval(f[5]), fval(f[6]), fval(f[7])
	p := &h.Params
	p.A, p.B, p.C, p.D, p.SEA, p.SEB, p.SEC, p.SED = fval(f[8]), fval(f[9]), fval(f[10]), fval(f[11]), fval(f[12]), fval(f[13]), fval(f[14]), fval(f[15])
	if err := json.Unmarshal([]byte(reasons), &h.Reasons); err != nil {
		return nil, fmt.Errorf("reasons of item %q in run %s: %w", h.ItemID, short(h.RunID), err)
	}
	if len(h.Reasons) == 0 {
		h.Reasons = nil
	}
	return &h, nil
}

// history reads administrations of items in order (oldest first), with
// covariances. where filters x (admin_items) and a (administrations).
func (c *conn) history(where string, args ...any) ([]HistoryEntry, error) {
	rows, err := c.query(historySelect+` WHERE a.reverted = 0 `+where+` ORDER BY a.seq, x.position`, args...)
	if err != nil {
		return nil, err
	}
	var hs []HistoryEntry
	for rows.Next() {
		h, err := scanHistory(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		hs = append(hs, *h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Covariances, joined in Go.
	type key struct{ run, item string }
	idx := map[key]int{}
	for i := range hs {
		idx[key{hs[i].RunID, hs[i].ItemID}] = i
	}
	crow, err := c.query(`SELECT v.run_id, v.item_id, v.param_1, v.param_2, v.cov FROM admin_item_cov v
		JOIN administrations a ON a.run_id = v.run_id JOIN admin_items x ON x.run_id = v.run_id AND x.item_id = v.item_id
		WHERE a.reverted = 0 `+where+` ORDER BY v.run_id, v.item_id, v.param_1, v.param_2`, args...)
	if err != nil {
		return nil, err
	}
	defer crow.Close()
	for crow.Next() {
		var k key
		var cv Cov
		if err := crow.Scan(&k.run, &k.item, &cv.Param1, &cv.Param2, &cv.Value); err != nil {
			return nil, err
		}
		if i, ok := idx[k]; ok {
			hs[i].Params.Cov = append(hs[i].Params.Cov, cv)
		}
	}
	return hs, crow.Err()
}

// History returns every (non-reverted) administration of item id, oldest
// first. An item never administered has an empty history; an unknown item
// is ErrNotFound.
func (b *Bank) History(ctx context.Context, id string) ([]HistoryEntry, error) {
	c := b.reader(ctx)
	if _, err := c.loadItem(id, false); err != nil {
		return nil, b.mapErr(err, "reading item %q", id)
	}
	hs, err := c.history(`AND x.item_id = ?`, id)
	return hs, b.mapErr(err, "reading the history of %q", id)
}

// Show returns everything the bank holds on item id: the item with its
// fields, bank parameters with covariances and provenance, exposure, history,
// and the versions that revise it. ErrNotFound if it is not in the bank.
func (b *Bank) Show(ctx context.Context, id string) (*ItemRecord, error) {
	c := b.reader(ctx)
	s, err := c.loadItem(id, true)
	if err != nil {
		return nil, b.mapErr(err, "reading item %q", id)
	}
	r := &ItemRecord{Item: s.Item, Params: s.Params, Exposure: s.Exposure}
	if r.History, err = c.history(`AND x.item_id = ?`, id); err != nil {
		return nil, b.mapErr(err, "reading the history of %q", id)
	}
	rows, err := c.query(`SELECT item_id FROM items WHERE previous_id = ? ORDER BY version`, id)
	if err != nil {
		return nil, b.mapErr(err, "reading item %q", id)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, b.mapErr(err, "reading item %q", id)
		}
		r.RevisedBy = append(r.RevisedBy, s)
	}
	return r, b.mapErr(rows.Err(), "reading item %q", id)
}

// Administrations lists the recorded administrations, oldest first, without
// their items; reverted ones only if withReverted.
func (b *Bank) Administrations(ctx context.Context, withReverted bool) ([]Administration, error) {
	as, err := b.reader(ctx).administrations(withReverted)
	return as, b.mapErr(err, "listing administrations")
}

func (c *conn) administrations(withReverted bool) ([]Administration, error) {
	q := `SELECT run_id, form, admin_date, candidates, latent_mean, latent_sd, manifest, recorded_at, reverted, event_id FROM administrations`
	if !withReverted {
		q += ` WHERE reverted = 0`
	}
	rows, err := c.query(q + ` ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var as []Administration
	for rows.Next() {
		var a Administration
		var m, s sql.NullFloat64
		var rec string
		var rev int
		if err := rows.Scan(&a.RunID, &a.Form, &a.Date, &a.Candidates, &m, &s, &a.Manifest, &rec, &rev, &a.Event); err != nil {
			return nil, err
		}
		a.LatentMean, a.LatentSD, a.RecordedAt, a.Reverted = fval(m), fval(s), parseTime(rec), rev != 0
		as = append(as, a)
	}
	return as, rows.Err()
}

// Administration returns one administration with its items (in the order
// recorded). ErrNotFound if the run is not in the bank. A reverted
// administration is returned with Reverted set.
func (b *Bank) Administration(ctx context.Context, runID string) (*Administration, error) {
	c := b.reader(ctx)
	as, err := c.administrations(true)
	if err != nil {
		return nil, b.mapErr(err, "reading run %s", short(runID))
	}
	for i := range as {
		if as[i].RunID != runID {
			continue
		}
		a := &as[i]
		// history() hides reverted runs; read the items directly.
		rows, err := c.query(historySelect+` WHERE a.run_id = ? ORDER BY x.position`, runID)
		if err != nil {
			return nil, b.mapErr(err, "reading run %s", short(runID))
		}
		for rows.Next() {
			h, err := scanHistory(rows)
			if err != nil {
				rows.Close()
				return nil, b.mapErr(err, "reading run %s", short(runID))
			}
			h.Params.Cov, err = nil, nil
			a.Items = append(a.Items, h.AdminItem)
		}
		rows.Close()
		for j := range a.Items {
			if a.Items[j].Params.Cov, err = c.loadCov(`SELECT param_1, param_2, cov FROM admin_item_cov WHERE run_id = ? AND item_id = ?`, runID, a.Items[j].ItemID); err != nil {
				return nil, b.mapErr(err, "reading run %s", short(runID))
			}
		}
		return a, nil
	}
	return nil, newErr(ErrNotFound, "run %s is not in the bank", runID)
}

// PromoteOptions choose what Promote promotes.
type PromoteOptions struct {
	// Items to promote; empty means every pretest item whose latest decision
	// is promote.
	Items []string
	// Force promotes listed items whose latest decision is not promote; it
	// needs a Reason, which is kept with their parameters and in the audit.
	Force  bool
	Reason string
}

// PromoteResult lists the items promoted, with the run their bank
// parameters come from.
type PromoteResult struct {
	Items []PromotedItem
	Event int64 // the audit event (action "promote"); Revert undoes it
}

// PromotedItem is one promoted item.
type PromotedItem struct {
	ItemID, RunID string
	Decision      Decision // its latest decision (not promote when forced)
}

// Promote makes pretest items operational. An item's latest decision is
// that of the last non-reverted administration that decided on it; if it is
// promote, the item becomes operational with bank parameters from that
// administration (its anchored calibration, on the bank scale), provenance
// "promote". Any other item is promoted only with opts.Force and a Reason,
// taking the parameters of its latest calibrated administration. Items that
// are not pretest, or have no parameters to take, are refused with
// ErrNotAllowed; nothing is written then. With no Items and no item to
// promote, Promote returns an empty result and writes nothing.
func (b *Bank) Promote(ctx context.Context, opts PromoteOptions) (*PromoteResult, error) {
	if opts.Force && opts.Reason == "" {
		return nil, newErr(ErrInvalid, "a forced promotion needs a reason")
	}
	res := &PromoteResult{}
	ev, err := b.write(ctx, "promote", "promoting items", func(tx *wtx) (string, any, error) {
		ids := opts.Items
		if len(ids) == 0 {
			rows, err := tx.query(`SELECT item_id FROM items WHERE status = 'pretest' ORDER BY item_id`)
			if err != nil {
				return "", nil, err
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					rows.Close()
					return "", nil, err
				}
				ids = append(ids, s)
			}
			rows.Close()
		}
		type change struct {
			Item      string      `json:"item_id"`
			RunID     string      `json:"run_id"`
			Decision  Decision    `json:"decision"`
			Forced    bool        `json:"forced,omitempty"`
			OldStatus Status      `json:"old_status"`
			OldParams *paramsJSON `json:"old_params"`
			NewParams *paramsJSON `json:"new_params"`
		}
		var changes []change
		var refused []string
		explicit := len(opts.Items) > 0
		for _, id := range ids {
			it, err := tx.loadItem(id, true)
			if err != nil {
				return "", nil, err
			}
			if it.Status != Pretest {
				refused = append(refused, fmt.Sprintf("%s is %s, not pretest", id, it.Status))
				continue
			}
			hs, err := tx.history(`AND x.item_id = ?`, id)
			if err != nil {
				return "", nil, err
			}
			var dec *HistoryEntry
			var cal *HistoryEntry
			for i := range hs {
				if hs[i].Decision != NoDecision {
					dec = &hs[i]
				}
				if hs[i].Params.Model != "" {
					cal = &hs[i]
				}
			}
			var from *HistoryEntry
			var d Decision
			switch {
			case dec != nil && dec.Decision == Promote:
				from, d = dec, Promote
			case !explicit:
				continue // the implicit list takes only promote decisions
			case !opts.Force:
				got := "no decision"
				if dec != nil {
					got = "decision " + string(dec.Decision)
				}
				refused = append(refused, fmt.Sprintf("%s has %s (Force with a Reason promotes it)", id, got))
				continue
			default:
				from = cal
				if dec != nil {
					d = dec.Decision
				}
			}
			if from == nil || from.Params.Model == "" {
				refused = append(refused, fmt.Sprintf("%s has no calibrated administration to take parameters from", id))
				continue
			}
			prov := Provenance{Source: "promote", RunID: from.RunID, Event: tx.event}
			forced := d != Promote
			if forced {
				prov.Reason = opts.Reason
			}
			if err := tx.setParams(id, from.Params, prov); err != nil {
				return "", nil, err
			}
			if err := tx.exec(`UPDATE items SET status = 'operational' WHERE item_id = ?`, id); err != nil {
				return "", nil, err
			}
			newP := &BankParams{Params: from.Params, Provenance: prov}
			changes = append(changes, change{Item: id, RunID: from.RunID, Decision: d, Forced: forced, OldStatus: it.Status,
				OldParams: toBankParamsJSON(it.Params), NewParams: toBankParamsJSON(newP)})
			res.Items = append(res.Items, PromotedItem{ItemID: id, RunID: from.RunID, Decision: d})
		}
		if len(refused) > 0 {
			return "", nil, newErr(ErrNotAllowed, "cannot promote %d item(s): %s", len(refused), joinFirst(refused, 10))
		}
		if len(changes) == 0 {
			return "", nil, errNothing
		}
		return "", map[string]any{"reason": opts.Reason, "items": changes}, nil
	})
	if errors.Is(err, errNothing) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	res.Event = ev
	return res, nil
}

func joinFirst(s []string, n int) string {
	out := ""
	for i, x := range first(s, n) {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

// UpdateParams replaces item id's bank parameters by its estimates in
// administration runID (provenance "update", with the reason), explicitly:
// nothing else ever replaces them. The old values go to the audit event,
// whose id it returns. ErrNotFound if the item or its record in that run is
// missing; ErrNotAllowed if that record has no parameters.
func (b *Bank) UpdateParams(ctx context.Context, id, runID, reason string) (int64, error) {
	if reason == "" {
		return 0, newErr(ErrInvalid, "updating the parameters of %q needs a reason", id)
	}
	return b.write(ctx, "update-params", "updating the parameters of "+id, func(tx *wtx) (string, any, error) {
		it, err := tx.loadItem(id, true)
		if err != nil {
			return "", nil, err
		}
		hs, err := tx.history(`AND x.item_id = ? AND a.run_id = ?`, id, runID)
		if err != nil {
			return "", nil, err
		}
		if len(hs) == 0 {
			return "", nil, newErr(ErrNotFound, "item %q has no record in run %s (or the run was reverted)", id, short(runID))
		}
		if hs[0].Params.Model == "" {
			return "", nil, newErr(ErrNotAllowed, "item %q was not calibrated in run %s", id, short(runID))
		}
		prov := Provenance{Source: "update", RunID: runID, Event: tx.event, Reason: reason}
		if err := tx.setParams(id, hs[0].Params, prov); err != nil {
			return "", nil, err
		}
		return runID, map[string]any{"item_id": id, "reason": reason, "old_params": toBankParamsJSON(it.Params),
			"new_params": toBankParamsJSON(&BankParams{Params: hs[0].Params, Provenance: prov})}, nil
	})
}

// Revert undoes an add-run or a promote event by recording a compensating
// event (action "revert"), never deleting history: a reverted administration
// stays in the bank, marked, and no longer counts in exposure, history,
// drift, decisions or exports; a reverted promotion puts the items back to
// their old status and parameters. It returns the new event's id.
// ErrNotFound for an unknown event; ErrNotAllowed for an event of another
// kind, one reverted already, or one whose effects later events built on (an
// item promoted from the run, a promoted item changed since).
func (b *Bank) Revert(ctx context.Context, event int64) (int64, error) {
	return b.write(ctx, "revert", fmt.Sprintf("reverting event %d", event), func(tx *wtx) (string, any, error) {
		var action, run, changes string
		var by sql.NullInt64
		err := tx.row(`SELECT action, run_id, changes, reverted_by FROM audit WHERE event_id = ?`, event).Scan(&action, &run, &changes, &by)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, newErr(ErrNotFound, "event %d is not in the audit table", event)
		}
		if err != nil {
			return "", nil, err
		}
		if by.Valid {
			return "", nil, newErr(ErrNotAllowed, "event %d was reverted already, by event %d", event, by.Int64)
		}
		var out any
		switch action {
		case "add-run":
			out, err = tx.revertRun(event, run)
		case "promote":
			out, err = tx.revertPromote(event, changes)
		default:
			return "", nil, newErr(ErrNotAllowed, "event %d is %s; only add-run and promote events can be reverted", event, action)
		}
		if err != nil {
			return "", nil, err
		}
		if err := tx.exec(`UPDATE audit SET reverted_by = ? WHERE event_id = ?`, tx.event, event); err != nil {
			return "", nil, err
		}
		return run, map[string]any{"reverts": event, "action": action, "undone": out}, nil
	})
}

func (tx *wtx) revertRun(event int64, run string) (any, error) {
	var n int
	if err := tx.row(`SELECT COUNT(*) FROM item_params WHERE run_id = ? AND source <> 'administration'`, run).Scan(&n); err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, newErr(ErrNotAllowed, "run %s is the source of the bank parameters of %d item(s) (promoted or updated from it); revert those first", short(run), n)
	}
	// Base parameters the run itself set go with it.
	rows, err := tx.query(`SELECT item_id FROM item_params WHERE run_id = ? AND event_id = ? ORDER BY item_id`, run, event)
	if err != nil {
		return nil, err
	}
	var based []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		based = append(based, s)
	}
	rows.Close()
	for _, id := range based {
		if err := tx.clearParams(id); err != nil {
			return nil, err
		}
	}
	if err := tx.exec(`UPDATE items SET exposure_runs = exposure_runs - 1,
		exposure_candidates = exposure_candidates - (SELECT x.n FROM admin_items x WHERE x.run_id = ? AND x.item_id = items.item_id)
		WHERE item_id IN (SELECT item_id FROM admin_items WHERE run_id = ?)`, run, run); err != nil {
		return nil, err
	}
	if err := tx.exec(`UPDATE administrations SET reverted = 1 WHERE run_id = ?`, run); err != nil {
		return nil, err
	}
	return map[string]any{"run_id": run, "cleared_base_params": based}, nil
}

func (tx *wtx) revertPromote(event int64, changes string) (any, error) {
	var ch struct {
		Items []struct {
			Item      string      `json:"item_id"`
			OldStatus Status      `json:"old_status"`
			OldParams *paramsJSON `json:"old_params"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(changes), &ch); err != nil {
		return nil, fmt.Errorf("reading event %d: %w", event, err)
	}
	var done []string
	for _, c := range ch.Items {
		it, err := tx.loadItem(c.Item, false)
		if err != nil {
			return nil, err
		}
		if it.Status != Operational || it.Params == nil || it.Params.Event != event {
			return nil, newErr(ErrNotAllowed, "item %q changed after promotion event %d (now %s); revert or undo that first", c.Item, event, it.Status)
		}
		if old := c.OldParams.bankParams(); old != nil {
			if err := tx.setParams(c.Item, old.Params, old.Provenance); err != nil {
				return nil, err
			}
		} else if err := tx.clearParams(c.Item); err != nil {
			return nil, err
		}
		if err := tx.exec(`UPDATE items SET status = ? WHERE item_id = ?`, string(c.OldStatus), c.Item); err != nil {
			return nil, err
		}
		done = append(done, c.Item)
	}
	return map[string]any{"items": done}, nil
}

// Audit returns the audit table, oldest first.
func (b *Bank) Audit(ctx context.Context) ([]Event, error) {
	rows, err := b.reader(ctx).query(`SELECT event_id, at, who, command, action, run_id, changes, reverted_by FROM audit ORDER BY event_id`)
	if err != nil {
		return nil, b.mapErr(err, "reading the audit table")
	}
	defer rows.Close()
	var es []Event
	for rows.Next() {
		var e Event
		var at, ch string
		var by sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &e.By, &e.Command, &e.Action, &e.RunID, &ch, &by); err != nil {
			return nil, b.mapErr(err, "reading the audit table")
		}
		e.At, e.Changes, e.RevertedBy = parseTime(at), []byte(ch), by.Int64
		es = append(es, e)
	}
	return es, b.mapErr(rows.Err(), "reading the audit table")
}
