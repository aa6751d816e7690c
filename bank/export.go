package bank

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

func sortBy[T any](s []T, key func(T) string) {
	sort.SliceStable(s, func(i, j int) bool { return key(s[i]) < key(s[j]) })
}

// The export folder's files and their headers. Numbers are written with
// strconv.FormatFloat(x, 'g', -1, 64) (the shortest text that reads back as
// the same float64), an absent value as an empty cell, booleans as
// true/false, times as RFC 3339 in UTC; rows are in a fixed order (items by
// id in byte order, administrations in the order recorded, items within an
// administration in the order recorded, covariances by parameter names).
var (
	itemsHeader = []string{"item_id", "key", "domain", "status", "version", "base_id", "previous_id", "created", "exposure_runs", "exposure_candidates"}
	// params.csv has the columns of reports.ParamsFileTable (the fit
	// columns left empty) and then the bank's own, so that calibrate --fixed
	// and equate --base-params read it as it is.
	paramsHeader      = []string{"item_id", "model", "a", "b", "c", "d", "se_a", "se_b", "se_c", "infit", "outfit", "infit_z", "outfit_z", "sx2", "sx2_df", "sx2_p", "se_d", "source", "run_id", "reason"}
	covHeader         = []string{"item_id", "param_1", "param_2", "cov"}
	adminsHeader      = []string{"run_id", "form", "date", "candidates", "latent_mean", "latent_sd", "recorded_at", "manifest"}
	historyHeader     = []string{"run_id", "form", "date", "item_id", "role", "n", "p", "rpbis", "rpbis_corrected", "biserial", "disc_index", "alpha_if_deleted", "infit", "outfit", "model", "a", "b", "c", "d", "se_a", "se_b", "se_c", "se_d", "decision", "reasons"}
	historyCovHeader  = []string{"run_id", "item_id", "param_1", "param_2", "cov"}
	formsHeader       = []string{"form", "population_mean", "population_sd", "created"}
	formItemsHeader   = []string{"form", "position", "item_id"}
	formConvHeader    = []string{"form", "raw", "theta", "csem", "scale_score", "pass"}
	auditHeader       = []string{"event_id", "at", "who", "command", "action", "run_id", "changes", "reverted_by"}
	exportFiles       = []string{"items.csv", "params.csv", "params_cov.csv", "administrations.csv", "history.csv", "history_cov.csv", "forms.csv", "form_items.csv", "form_conversion.csv", "scale.json", "audit.csv"}
	exportedManifests = "manifests"
)

// ExportFiles are the files Export writes (scale.json only when the bank
// has a scale), plus manifests/RUN_ID.json for each administration with a
// manifest.
func ExportFiles() []string { return append([]string(nil), exportFiles...) }

// Export writes the bank to the folder dir (created if needed):
//
//	items.csv            item_id,key,domain,status,version,base_id,previous_id,created,exposure_runs,exposure_candidates, then the items' fields (union of names, in order of first use)
//	params.csv           item_id,model,a,b,c,d,se_a,se_b,se_c, the (empty) fit columns of params.csv, se_d,source,run_id,reason
//	params_cov.csv       item_id,param_1,param_2,cov
//	administrations.csv  run_id,form,date,candidates,latent_mean,latent_sd,recorded_at,manifest (the manifest's file under manifests/)
//	history.csv          run_id,form,date,item_id,role,n,p,rpbis,…,model,a,b,c,d,se_a,…,decision,reasons (reasons a JSON array)
//	history_cov.csv      run_id,item_id,param_1,param_2,cov
//	forms.csv, form_items.csv, form_conversion.csv   planned forms
//	scale.json           the bank scale, the bytes as stored
//	audit.csv            event_id,at,who,command,action,run_id,changes,reverted_by
//
// Reverted administrations are not exported (they stay in the bank and in
// audit.csv). params.csv starts with the columns of the params.csv that
// calibrate --fixed reads. The same bank content gives the same bytes, on
// SQLite and PostgreSQL alike; ImportFolder reads the folder back. Each file
// is written under a temporary name and renamed.
func (b *Bank) Export(ctx context.Context, dir string) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if b.d == postgresDialect {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := b.db.BeginTx(ctx, opts)
	if err != nil {
		return b.mapErr(err, "exporting")
	}
	defer tx.Rollback()
	c := &conn{ctx: ctx, q: tx, d: b.d, b: b}
	files, err := c.export()
	if err != nil {
		return b.mapErr(err, "exporting")
	}
	if err := os.MkdirAll(filepath.Join(dir, exportedManifests), 0o755); err != nil {
		return fmt.Errorf("bank: exporting: %w", err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := writeAtomic(filepath.Join(dir, filepath.FromSlash(n)), files[n]); err != nil {
			return fmt.Errorf("bank: exporting: %w", err)
		}
	}
	return nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

type table struct {
	buf bytes.Buffer
	w   *csv.Writer
}

func newTable(header []string) *table {
	t := &table{}
	t.w = csv.NewWriter(&t.buf)
	t.w.Write(header)
	return t
}

func (t *table) row(cells ...string) { t.w.Write(cells) }

func (t *table) bytes() []byte { t.w.Flush(); return t.buf.Bytes() }

func itoa(n int) string { return strconv.Itoa(n) }

func paramCells(p *Params) []string {
	return []string{p.Model, fmtF(p.A), fmtF(p.B), fmtF(p.C), fmtF(p.D), fmtF(p.SEA), fmtF(p.SEB), fmtF(p.SEC), fmtF(p.SED)}
}

// export renders every export file.
func (c *conn) export() (map[string][]byte, error) {
	out := map[string][]byte{}
	// Items, with their fields.
	rows, err := c.query(itemSelect)
	if err != nil {
		return nil, err
	}
	var items []ItemSummary
	for rows.Next() {
		s, err := scanItem(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, *s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortBy(items, func(s ItemSummary) string { return s.ID })
	idx := map[string]int{}
	for i := range items {
		idx[items[i].ID] = i
	}
	frows, err := c.query(`SELECT item_id, name, value FROM item_fields ORDER BY item_id, position`)
	if err != nil {
		return nil, err
	}
	for frows.Next() {
		var id string
		var f Field
		if err := frows.Scan(&id, &f.Name, &f.Value); err != nil {
			frows.Close()
			return nil, err
		}
		if i, ok := idx[id]; ok {
			items[i].Fields = append(items[i].Fields, f)
		}
	}
	frows.Close()
	if err := frows.Err(); err != nil {
		return nil, err
	}
	var fieldNames []string
	known := map[string]bool{}
	for _, it := range items {
		for _, f := range it.Fields {
			if !known[f.Name] {
				known[f.Name] = true
				fieldNames = append(fieldNames, f.Name)
			}
		}
	}
	it := newTable(append(append([]string(nil), itemsHeader...), fieldNames...))
	pt := newTable(paramsHeader)
	for _, s := range items {
		cells := []string{s.ID, s.Key, s.Domain, string(s.Status), itoa(s.Version), s.BaseID, s.Previous, formatTime(s.Created), itoa(s.Exposure.Runs), itoa(s.Exposure.Candidates)}
		for _, n := range fieldNames {
			v, _ := s.Field(n)
			cells = append(cells, v)
		}
		it.row(cells...)
		if p := s.Params; p != nil {
			pc := paramCells(&p.Params) // model, a, b, c, d, se_a, se_b, se_c, se_d
			row := append([]string{s.ID}, pc[:8]...)
			row = append(row, "", "", "", "", "", "", "") // the fit columns of params.csv
			pt.row(append(row, pc[8], p.Source, p.RunID, p.Reason)...)
		}
	}
	out["items.csv"], out["params.csv"] = it.bytes(), pt.bytes()

	ct := newTable(covHeader)
	var covs []struct {
		id string
		Cov
	}
	crow, err := c.query(`SELECT item_id, param_1, param_2, cov FROM item_param_cov`)
	if err != nil {
		return nil, err
	}
	for crow.Next() {
		var r struct {
			id string
			Cov
		}
		if err := crow.Scan(&r.id, &r.Param1, &r.Param2, &r.Value); err != nil {
			crow.Close()
			return nil, err
		}
		covs = append(covs, r)
	}
	crow.Close()
	sort.Slice(covs, func(i, j int) bool {
		a, b := covs[i], covs[j]
		if a.id != b.id {
			return a.id < b.id
		}
		if a.Param1 != b.Param1 {
			return a.Param1 < b.Param1
		}
		return a.Param2 < b.Param2
	})
	for _, r := range covs {
		ct.row(r.id, r.Param1, r.Param2, fmtF(r.Value))
	}
	out["params_cov.csv"] = ct.bytes()

	// Administrations and history.
	as, err := c.administrations(false)
	if err != nil {
		return nil, err
	}
	at := newTable(adminsHeader)
	for _, a := range as {
		m := ""
		if len(a.Manifest) > 0 {
			m = exportedManifests + "/" + a.RunID + ".json"
			out[m] = a.Manifest
		}
		at.row(a.RunID, a.Form, a.Date, itoa(a.Candidates), fmtF(a.LatentMean), fmtF(a.LatentSD), formatTime(a.RecordedAt), m)
	}
	out["administrations.csv"] = at.bytes()
	hs, err := c.history(``)
	if err != nil {
		return nil, err
	}
	ht, hct := newTable(historyHeader), newTable(historyCovHeader)
	for _, h := range hs {
		s := h.Stats
		reasons := h.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		rj, _ := json.Marshal(reasons)
		cells := []string{h.RunID, h.Form, h.Date, h.ItemID, string(h.Role), itoa(s.N), fmtF(s.P), fmtF(s.RPBis), fmtF(s.RPBisCorrected), fmtF(s.Biserial), fmtF(s.DiscIndex), fmtF(s.AlphaIfDeleted), fmtF(s.Infit), fmtF(s.Outfit)}
		cells = append(cells, paramCells(&h.Params)...)
		ht.row(append(cells, string(h.Decision), string(rj))...)
		for _, cv := range h.Params.Cov {
			hct.row(h.RunID, h.ItemID, cv.Param1, cv.Param2, fmtF(cv.Value))
		}
	}
	out["history.csv"], out["history_cov.csv"] = ht.bytes(), hct.bytes()

	// Forms.
	fs, err := c.forms()
	if err != nil {
		return nil, err
	}
	ft, fit, fct := newTable(formsHeader), newTable(formItemsHeader), newTable(formConvHeader)
	for _, f := range fs {
		ft.row(f.Name, fmtF(f.PopulationMean), fmtF(f.PopulationSD), formatTime(f.Created))
		for i, id := range f.Items {
			fit.row(f.Name, itoa(i+1), id)
		}
		for _, r := range f.Conversion {
			fct.row(f.Name, itoa(r.Raw), fmtF(r.Theta), fmtF(r.CSEM), itoa(r.ScaleScore), strconv.FormatBool(r.Pass))
		}
	}
	out["forms.csv"], out["form_items.csv"], out["form_conversion.csv"] = ft.bytes(), fit.bytes(), fct.bytes()

	if s, err := c.scale(); err != nil {
		return nil, err
	} else if s != nil {
		out["scale.json"] = s
	}

	// Audit.
	aut := newTable(auditHeader)
	arows, err := c.query(`SELECT event_id, at, who, command, action, run_id, changes, reverted_by FROM audit ORDER BY event_id`)
	if err != nil {
		return nil, err
	}
	defer arows.Close()
	for arows.Next() {
		var id int64
		var at, who, cmd, action, run, ch string
		var by sql.NullInt64
		if err := arows.Scan(&id, &at, &who, &cmd, &action, &run, &ch, &by); err != nil {
			return nil, err
		}
		rb := ""
		if by.Valid {
			rb = strconv.FormatInt(by.Int64, 10)
		}
		aut.row(strconv.FormatInt(id, 10), at, who, cmd, action, run, ch, rb)
	}
	if err := arows.Err(); err != nil {
		return nil, err
	}
	out["audit.csv"] = aut.bytes()
	return out, nil
}
