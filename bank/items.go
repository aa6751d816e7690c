package bank

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// ImportItem is an item to import, with its bank parameters if it has any.
type ImportItem struct {
	Item
	Params *Params // nil: no parameters (or keep those in the bank)
}

// ImportOptions adjust ImportItems.
type ImportOptions struct {
	// Replace overwrites items already in the bank whose values differ; the
	// old values are kept in the audit event. Without it such an import is
	// refused with ErrConflict and nothing is written.
	Replace bool
}

// ImportResult says what ImportItems did, item ids in the order given.
type ImportResult struct {
	Added, Replaced, Unchanged []string
	Event                      int64 // the audit event, 0 if nothing changed
}

// ImportItems adds items (an existing programme's bank, or new pretest
// items) with their metadata and, optionally, parameters on the bank scale
// (provenance "import"). An item already in the bank with the same values is
// left alone; with other values (domain, status, key, fields or parameters)
// the whole import is refused with ErrConflict naming the items, unless
// opts.Replace is set. One transaction, one audit event.
func (b *Bank) ImportItems(ctx context.Context, items []ImportItem, opts ImportOptions) (*ImportResult, error) {
	seen := map[string]bool{}
	for i := range items {
		it := &items[i].Item
		normaliseItem(it)
		if err := validItem(it); err != nil {
			return nil, err
		}
		if seen[it.ID] {
			return nil, newErr(ErrInvalid, "item %q is listed twice", it.ID)
		}
		seen[it.ID] = true
		if p := items[i].Params; p != nil {
			if err := validParams(it.ID, p); err != nil {
				return nil, err
			}
		}
	}
	res := &ImportResult{}
	ev, err := b.write(ctx, "import-items", "importing items", func(tx *wtx) (string, any, error) {
		type change struct {
			Item      string      `json:"item_id"`
			Action    string      `json:"action"`
			Old       *itemJSON   `json:"old,omitempty"`
			OldParams *paramsJSON `json:"old_params,omitempty"`
			New       *itemJSON   `json:"new,omitempty"`
			NewParams *paramsJSON `json:"new_params,omitempty"`
		}
		var changes []change
		var conflicts []string
		for i := range items {
			in := &items[i]
			old, err := tx.loadItem(in.ID, true)
			if errors.Is(err, ErrNotFound) {
				if err := tx.insertItem(&in.Item, b.now()); err != nil {
					return "", nil, err
				}
				if in.Params != nil {
					if err := tx.setParams(in.ID, *in.Params, Provenance{Source: "import", Event: tx.event}); err != nil {
						return "", nil, err
					}
				}
				res.Added = append(res.Added, in.ID)
				changes = append(changes, change{Item: in.ID, Action: "add", New: toItemJSON(&in.Item), NewParams: toParamsJSON(in.Params)})
				continue
			}
			if err != nil {
				return "", nil, err
			}
			diff := itemDiff(&old.Item, &in.Item)
			var oldP *Params
			if old.Params != nil {
				oldP = &old.Params.Params
			}
			if in.Params != nil && !paramsEqual(oldP, in.Params) {
				diff = append(diff, "parameters "+paramsBrief(oldP)+" → "+paramsBrief(in.Params))
			}
			if len(diff) == 0 {
				res.Unchanged = append(res.Unchanged, in.ID)
				continue
			}
			if !opts.Replace {
				conflicts = append(conflicts, fmt.Sprintf("%s: %s", in.ID, strings.Join(diff, ", ")))
				continue
			}
			if err := tx.updateItem(&in.Item); err != nil {
				return "", nil, err
			}
			ch := change{Item: in.ID, Action: "replace", Old: toItemJSON(&old.Item), New: toItemJSON(&in.Item)}
			if in.Params != nil && !paramsEqual(oldP, in.Params) {
				if err := tx.setParams(in.ID, *in.Params, Provenance{Source: "import", Event: tx.event}); err != nil {
					return "", nil, err
				}
				ch.OldParams, ch.NewParams = toParamsJSON(oldP), toParamsJSON(in.Params)
			}
			res.Replaced = append(res.Replaced, in.ID)
			changes = append(changes, ch)
		}
		if len(conflicts) > 0 {
			return "", nil, newErr(ErrConflict, "%d item(s) already in the bank have other values (%s); Replace (--replace) overwrites them and keeps the old values in the audit table",
				len(conflicts), strings.Join(first(conflicts, 10), "; "))
		}
		if len(changes) == 0 {
			return "", nil, errNothing
		}
		return "", changes, nil
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

// errNothing rolls back a write that turned out to change nothing, so that
// it leaves no audit event.
var errNothing = &Error{Kind: errors.New("bank: nothing to do"), Detail: "nothing to do"}

func normaliseItem(it *Item) {
	if it.BaseID == "" {
		it.BaseID = it.ID
	}
	if it.Version == 0 {
		it.Version = 1
	}
	if it.Status == "" {
		it.Status = Pretest
	}
}

func validItem(it *Item) error {
	if it.ID == "" || strings.TrimSpace(it.ID) != it.ID {
		return newErr(ErrInvalid, "item id %q: want a non-empty id without leading or trailing space", it.ID)
	}
	if !it.Status.valid() {
		return newErr(ErrInvalid, "item %q: status %q: want operational, pretest, retired or excluded", it.ID, it.Status)
	}
	if it.Version < 1 {
		return newErr(ErrInvalid, "item %q: version %d: want 1 or more", it.ID, it.Version)
	}
	names := map[string]bool{}
	for _, f := range it.Fields {
		if f.Name == "" || names[f.Name] {
			return newErr(ErrInvalid, "item %q: field name %q is empty or repeated", it.ID, f.Name)
		}
		if reservedColumn[f.Name] {
			return newErr(ErrInvalid, "item %q: field name %q is one of the bank's own columns", it.ID, f.Name)
		}
		names[f.Name] = true
	}
	return nil
}

func validParams(id string, p *Params) error {
	if p.Model == "" {
		return newErr(ErrInvalid, "item %q: parameters without a model", id)
	}
	for _, c := range p.Cov {
		if c.Param1 == "" || c.Param2 == "" || math.IsNaN(c.Value) {
			return newErr(ErrInvalid, "item %q: covariance (%q, %q) = %v", id, c.Param1, c.Param2, c.Value)
		}
	}
	return nil
}

// reservedColumn are the columns of items.csv that are not item fields.
var reservedColumn = map[string]bool{
	"item_id": true, "key": true, "domain": true, "status": true, "version": true,
	"base_id": true, "previous_id": true, "created": true, "exposure_runs": true, "exposure_candidates": true,
}

func itemDiff(old, new *Item) []string {
	var d []string
	if old.Domain != new.Domain {
		d = append(d, fmt.Sprintf("domain %q → %q", old.Domain, new.Domain))
	}
	if old.Status != new.Status {
		d = append(d, fmt.Sprintf("status %s → %s", old.Status, new.Status))
	}
	if old.Key != new.Key {
		d = append(d, fmt.Sprintf("key %q → %q", old.Key, new.Key))
	}
	if old.BaseID != new.BaseID || old.Version != new.Version || old.Previous != new.Previous {
		d = append(d, "version links")
	}
	if !fieldsEqual(old.Fields, new.Fields) {
		d = append(d, "content fields")
	}
	return d
}

func fieldsEqual(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func feq(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }

func paramsEqual(a, b *Params) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Model != b.Model || !feq(a.A, b.A) || !feq(a.B, b.B) || !feq(a.C, b.C) || !feq(a.D, b.D) ||
		!feq(a.SEA, b.SEA) || !feq(a.SEB, b.SEB) || !feq(a.SEC, b.SEC) || !feq(a.SED, b.SED) {
		return false
	}
	ca, cb := sortedCov(a.Cov), sortedCov(b.Cov)
	if len(ca) != len(cb) {
		return false
	}
	for i := range ca {
		if ca[i] != cb[i] {
			return false
		}
	}
	return true
}

func sortedCov(c []Cov) []Cov {
	s := append([]Cov(nil), c...)
	for i := range s {
		if s[i].Param1 > s[i].Param2 {
			s[i].Param1, s[i].Param2 = s[i].Param2, s[i].Param1
		}
	}
	sort.Slice(s, func(i, j int) bool {
		if s[i].Param1 != s[j].Param1 {
			return s[i].Param1 < s[j].Param1
		}
		return s[i].Param2 < s[j].Param2
	})
	return s
}

func paramsBrief(p *Params) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%s a=%s b=%s c=%s", p.Model, fmtF(p.A), fmtF(p.B), fmtF(p.C))
}

// fmtF is the bank's one number format: shortest round-tripping, empty for NaN.
func fmtF(x float64) string {
	if math.IsNaN(x) {
		return ""
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// itemJSON and paramsJSON are the audit table's pictures of an item and its
// parameters.
type itemJSON struct {
	Domain   string  `json:"domain"`
	Status   Status  `json:"status"`
	Key      string  `json:"key"`
	BaseID   string  `json:"base_id"`
	Version  int     `json:"version"`
	Previous string  `json:"previous_id,omitempty"`
	Fields   []Field `json:"fields,omitempty"`
}

func toItemJSON(it *Item) *itemJSON {
	return &itemJSON{Domain: it.Domain, Status: it.Status, Key: it.Key, BaseID: it.BaseID, Version: it.Version, Previous: it.Previous, Fields: it.Fields}
}

type covJSON struct {
	P1  string `json:"param_1"`
	P2  string `json:"param_2"`
	Cov jf     `json:"cov"`
}

type paramsJSON struct {
	Model  string    `json:"model"`
	A      jf        `json:"a"`
	B      jf        `json:"b"`
	C      jf        `json:"c"`
	D      jf        `json:"d"`
	SEA    jf        `json:"se_a"`
	SEB    jf        `json:"se_b"`
	SEC    jf        `json:"se_c"`
	SED    jf        `json:"se_d"`
	Cov    []covJSON `json:"cov,omitempty"`
	Source string    `json:"source,omitempty"`
	RunID  string    `json:"run_id,omitempty"`
	Event  int64     `json:"event_id,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

func toParamsJSON(p *Params) *paramsJSON {
	if p == nil {
		return nil
	}
	j := &paramsJSON{Model: p.Model, A: jf(p.A), B: jf(p.B), C: jf(p.C), D: jf(p.D), SEA: jf(p.SEA), SEB: jf(p.SEB), SEC: jf(p.SEC), SED: jf(p.SED)}
	for _, c := range p.Cov {
		j.Cov = append(j.Cov, covJSON{c.Param1, c.Param2, jf(c.Value)})
	}
	return j
}

func toBankParamsJSON(p *BankParams) *paramsJSON {
	if p == nil {
		return nil
	}
	j := toParamsJSON(&p.Params)
	j.Source, j.RunID, j.Event, j.Reason = p.Source, p.RunID, p.Event, p.Reason
	return j
}

func (j *paramsJSON) bankParams() *BankParams {
	if j == nil {
		return nil
	}
	p := &BankParams{Params: Params{Model: j.Model, A: float64(j.A), B: float64(j.B), C: float64(j.C), D: float64(j.D),
		SEA: float64(j.SEA), SEB: float64(j.SEB), SEC: float64(j.SEC), SED: float64(j.SED)},
		Provenance: Provenance{Source: j.Source, RunID: j.RunID, Event: j.Event, Reason: j.Reason}}
	for _, c := range j.Cov {
		p.Cov = append(p.Cov, Cov{c.P1, c.P2, float64(c.Cov)})
	}
	return p
}

func (c *conn) insertItem(it *Item, created string) error {
	var prev any
	if it.Previous != "" {
		prev = it.Previous
	}
	if err := c.exec(`INSERT INTO items (item_id, base_id, version, previous_id, domain, status, item_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.BaseID, it.Version, prev, it.Domain, string(it.Status), it.Key, created); err != nil {
		return fmt.Errorf("adding item %q: %w", it.ID, err)
	}
	return c.insertFields(it)
}

func (c *conn) insertFields(it *Item) error {
	for i, f := range it.Fields {
		if err := c.exec(`INSERT INTO item_fields (item_id, position, name, value) VALUES (?, ?, ?, ?)`, it.ID, i+1, f.Name, f.Value); err != nil {
			return fmt.Errorf("adding field %q of item %q: %w", f.Name, it.ID, err)
		}
	}
	return nil
}

func (c *conn) updateItem(it *Item) error {
	var prev any
	if it.Previous != "" {
		prev = it.Previous
	}
	if err := c.exec(`UPDATE items SET base_id = ?, version = ?, previous_id = ?, domain = ?, status = ?, item_key = ? WHERE item_id = ?`,
		it.BaseID, it.Version, prev, it.Domain, string(it.Status), it.Key, it.ID); err != nil {
		return fmt.Errorf("updating item %q: %w", it.ID, err)
	}
	if err := c.exec(`DELETE FROM item_fields WHERE item_id = ?`, it.ID); err != nil {
		return err
	}
	return c.insertFields(it)
}

// setParams replaces an item's bank parameters.
func (c *conn) setParams(id string, p Params, prov Provenance) error {
	if err := c.exec(`DELETE FROM item_param_cov WHERE item_id = ?`, id); err != nil {
		return err
	}
	if err := c.exec(`DELETE FROM item_params WHERE item_id = ?`, id); err != nil {
		return err
	}
	var run any
	if prov.RunID != "" {
		run = prov.RunID
	}
	if err := c.exec(`INSERT INTO item_params (item_id, model, a, b, c, d, se_a, se_b, se_c, se_d, source, run_id, event_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, p.Model, nullF(p.A), nullF(p.B), nullF(p.C), nullF(p.D), nullF(p.SEA), nullF(p.SEB), nullF(p.SEC), nullF(p.SED),
		prov.Source, run, prov.Event, prov.Reason); err != nil {
		return fmt.Errorf("setting the parameters of item %q: %w", id, err)
	}
	for _, cv := range sortedCov(p.Cov) {
		if err := c.exec(`INSERT INTO item_param_cov (item_id, param_1, param_2, cov) VALUES (?, ?, ?, ?)`, id, cv.Param1, cv.Param2, nullF(cv.Value)); err != nil {
			return fmt.Errorf("setting the covariances of item %q: %w", id, err)
		}
	}
	return nil
}

// clearParams removes an item's bank parameters.
func (c *conn) clearParams(id string) error {
	if err := c.exec(`DELETE FROM item_param_cov WHERE item_id = ?`, id); err != nil {
		return err
	}
	return c.exec(`DELETE FROM item_params WHERE item_id = ?`, id)
}

const itemSelect = `SELECT i.item_id, i.base_id, i.version, COALESCE(i.previous_id, ''), i.domain, i.status, i.item_key, i.created_at,
	i.exposure_runs, i.exposure_candidates,
	p.model, p.a, p.b, p.c, p.d, p.se_a, p.se_b, p.se_c, p.se_d, p.source, p.run_id, p.event_id, p.reason
	FROM items i LEFT JOIN item_params p ON p.item_id = i.item_id`

func scanItem(rows interface{ Scan(...any) error }) (*ItemSummary, error) {
	var s ItemSummary
	var status, created string
	var model, source, run, reason sql.NullString
	var a, bb, c, d, sa, sb, sc, sd sql.NullFloat64
	var ev sql.NullInt64
	if err := rows.Scan(&s.ID, &s.BaseID, &s.Version, &s.Previous, &s.Domain, &status, &s.Key, &created,
		&s.Exposure.Runs, &s.Exposure.Candidates,
		&model, &a, &bb, &c, &d, &sa, &sb, &sc, &sd, &source, &run, &ev, &reason); err != nil {
		return nil, err
	}
	s.Status = Status(status)
	s.Created = parseTime(created)
	if model.Valid {
		s.Params = &BankParams{
			Params:     Params{Model: model.String, A: fval(a), B: fval(bb), C: fval(c), D: fval(d), SEA: fval(sa), SEB: fval(sb), SEC: fval(sc), SED: fval(sd)},
			Provenance: Provenance{Source: source.String, RunID: run.String, Event: ev.Int64, Reason: reason.String},
		}
	}
	return &s, nil
}

// loadItem reads one item with its parameters (and, if full, fields and
// covariances).
func (c *conn) loadItem(id string, full bool) (*ItemSummary, error) {
	s, err := scanItem(c.row(itemSelect+` WHERE i.item_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, newErr(ErrNotFound, "item %q is not in the bank", id)
	}
	if err != nil {
		return nil, fmt.Errorf("reading item %q: %w", id, err)
	}
	if !full {
		return s, nil
	}
	if s.Fields, err = c.loadFields(id); err != nil {
		return nil, err
	}
	if s.Params != nil {
		if s.Params.Cov, err = c.loadCov(`SELECT param_1, param_2, cov FROM item_param_cov WHERE item_id = ? ORDER BY param_1, param_2`, id); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (c *conn) loadFields(id string) ([]Field, error) {
	rows, err := c.query(`SELECT name, value FROM item_fields WHERE item_id = ? ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fs []Field
	for rows.Next() {
		var f Field
		if err := rows.Scan(&f.Name, &f.Value); err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	return fs, rows.Err()
}

func (c *conn) loadCov(q string, args ...any) ([]Cov, error) {
	rows, err := c.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []Cov
	for rows.Next() {
		var v Cov
		if err := rows.Scan(&v.Param1, &v.Param2, &v.Value); err != nil {
			return nil, err
		}
		cs = append(cs, v)
	}
	return sortedCov(cs), rows.Err()
}

// SetScale stores the bank scale: the scale.json bytes as given, once. A
// bank that has a different scale refuses with ErrConflict unless replace is
// set (the old bytes go to the audit event); the same bytes again are a no-op.
func (b *Bank) SetScale(ctx context.Context, scaleJSON []byte, replace bool) error {
	if !json.Valid(scaleJSON) {
		return newErr(ErrInvalid, "the scale is not valid JSON")
	}
	_, err := b.write(ctx, "set-scale", "setting the scale", func(tx *wtx) (string, any, error) {
		old, err := tx.scale()
		if err != nil {
			return "", nil, err
		}
		if old != nil && bytes.Equal(old, scaleJSON) {
			return "", nil, errNothing
		}
		if old != nil && !replace {
			return "", nil, newErr(ErrConflict, "the bank already has a different scale; it is fixed once on the base form (replace it only on purpose)")
		}
		if err := tx.exec(`DELETE FROM scale`); err != nil {
			return "", nil, err
		}
		if err := tx.exec(`INSERT INTO scale (id, json, event_id) VALUES (1, ?, ?)`, scaleJSON, tx.event); err != nil {
			return "", nil, err
		}
		ch := map[string]json.RawMessage{"new": scaleJSON}
		if old != nil {
			ch["old"] = old
		}
		return "", ch, nil
	})
	if errors.Is(err, errNothing) {
		return nil
	}
	return err
}

// Scale returns the bank scale's scale.json bytes, or nil if the bank has no
// scale yet.
func (b *Bank) Scale(ctx context.Context) ([]byte, error) {
	s, err := b.reader(ctx).scale()
	if err != nil {
		return nil, b.mapErr(err, "reading the scale")
	}
	return s, nil
}

func (c *conn) scale() ([]byte, error) {
	var s []byte
	err := c.row(`SELECT json FROM scale WHERE id = 1`).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return s, err
}

// Retire retires an item (ErrNotAllowed if it is retired already).
func (b *Bank) Retire(ctx context.Context, id, reason string) error {
	return b.setStatus(ctx, "retire", id, Retired, reason)
}

// SetStatus sets an item's status by hand (excluding an item, or bringing a
// retired one back), with the reason kept in the audit table. Promotion to
// operational goes through Promote, which also sets the bank parameters.
func (b *Bank) SetStatus(ctx context.Context, id string, s Status, reason string) error {
	if !s.valid() {
		return newErr(ErrInvalid, "status %q: want operational, pretest, retired or excluded", s)
	}
	return b.setStatus(ctx, "set-status", id, s, reason)
}

func (b *Bank) setStatus(ctx context.Context, action, id string, s Status, reason string) error {
	_, err := b.write(ctx, action, action+" "+id, func(tx *wtx) (string, any, error) {
		it, err := tx.loadItem(id, false)
		if err != nil {
			return "", nil, err
		}
		if it.Status == s {
			return "", nil, newErr(ErrNotAllowed, "item %q is %s already", id, s)
		}
		if err := tx.exec(`UPDATE items SET status = ? WHERE item_id = ?`, string(s), id); err != nil {
			return "", nil, err
		}
		return "", map[string]string{"item_id": id, "old_status": string(it.Status), "new_status": string(s), "reason": reason}, nil
	})
	return err
}

// Revision is a revision of an item: the reason and what to change in the
// copy of its content.
type Revision struct {
	Reason string
	Set    []Field // fields to set: an existing name is overwritten in place, a new one appended
	Unset  []string
	Key    string // new key; empty keeps the old one
	Domain string // new domain; empty keeps the old one
	// KeepOld leaves the old version's status as it is; by default it is
	// retired.
	KeepOld bool
}

// Revise creates a new version of item id: BASE-v2, then BASE-v3, … (BASE
// is the first version's id), linked to id by Previous, with id's content
// copied and edited by r, starting as pretest with no parameters (a revised
// item is pretested again). The old version is retired unless r.KeepOld.
// It returns the new version.
func (b *Bank) Revise(ctx context.Context, id string, r Revision) (*Item, error) {
	var out *Item
	_, err := b.write(ctx, "revise", "revising "+id, func(tx *wtx) (string, any, error) {
		old, err := tx.loadItem(id, true)
		if err != nil {
			return "", nil, err
		}
		var maxV int
		if err := tx.row(`SELECT MAX(version) FROM items WHERE base_id = ?`, old.BaseID).Scan(&maxV); err != nil {
			return "", nil, err
		}
		nv := old.Item
		nv.Version = maxV + 1
		nv.ID = old.BaseID + "-v" + strconv.Itoa(nv.Version)
		nv.Previous = old.ID
		nv.Status = Pretest
		if r.Key != "" {
			nv.Key = r.Key
		}
		if r.Domain != "" {
			nv.Domain = r.Domain
		}
		nv.Fields = editFields(old.Fields, r.Set, r.Unset)
		if err := validItem(&nv); err != nil {
			return "", nil, err
		}
		nv.Created = b.opts.Now()
		if err := tx.insertItem(&nv, formatTime(nv.Created)); err != nil {
			return "", nil, err
		}
		oldStatus := old.Status
		if !r.KeepOld && old.Status != Retired {
			if err := tx.exec(`UPDATE items SET status = 'retired' WHERE item_id = ?`, id); err != nil {
				return "", nil, err
			}
			oldStatus = Retired
		}
		out = &nv
		return "", map[string]any{"item_id": id, "new_item_id": nv.ID, "reason": r.Reason,
			"old_status": old.Status, "new_status_of_old": oldStatus, "new": toItemJSON(&nv)}, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func editFields(old, set []Field, unset []string) []Field {
	out := append([]Field(nil), old...)
	for _, s := range set {
		found := false
		for i := range out {
			if out[i].Name == s.Name {
				out[i].Value, found = s.Value, true
			}
		}
		if !found {
			out = append(out, s)
		}
	}
	for _, u := range unset {
		for i := range out {
			if out[i].Name == u {
				out = append(out[:i], out[i+1:]...)
				break
			}
		}
	}
	return out
}
