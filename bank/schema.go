package bank

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
)

// SchemaVersion is the version of the schema this itemlab writes: the
// length of the migration list.
const SchemaVersion = 2

// migrations[i] takes a bank from schema version i to i+1. A migration is
// never edited once released; a change is a new entry at the end. {{id}} and
// {{blob}} stand for the backend's identity key and byte-string types.
var migrations = [][]string{
	// 1: items, parameters, scale, administrations, audit.
	{
		`CREATE TABLE meta (
			key   TEXT PRIMARY KEY,
			value TEXT NOT NULL
		)`,
		`CREATE TABLE audit (
			event_id    {{id}},
			at          TEXT NOT NULL,
			who         TEXT NOT NULL,
			command     TEXT NOT NULL,
			action      TEXT NOT NULL,
			run_id      TEXT NOT NULL DEFAULT '',
			changes     TEXT NOT NULL,
			reverted_by BIGINT REFERENCES audit (event_id)
		)`,
		`CREATE TABLE items (
			item_id             TEXT PRIMARY KEY,
			base_id             TEXT NOT NULL,
			version             INTEGER NOT NULL CHECK (version >= 1),
			previous_id         TEXT REFERENCES items (item_id),
			domain              TEXT NOT NULL,
			status              TEXT NOT NULL CHECK (status IN ('operational', 'pretest', 'retired', 'excluded')),
			item_key            TEXT NOT NULL DEFAULT '',
			created_at          TEXT NOT NULL,
			exposure_runs       INTEGER NOT NULL DEFAULT 0,
			exposure_candidates BIGINT NOT NULL DEFAULT 0,
			UNIQUE (base_id, version)
		)`,
		`CREATE TABLE item_fields (
			item_id  TEXT NOT NULL REFERENCES items (item_id),
			position INTEGER NOT NULL,
			name     TEXT NOT NULL,
			value    TEXT NOT NULL,
			PRIMARY KEY (item_id, position),
			UNIQUE (item_id, name)
		)`,
		`CREATE TABLE administrations (
			run_id      TEXT PRIMARY KEY,
			seq         BIGINT NOT NULL UNIQUE,
			form        TEXT NOT NULL,
			admin_date  TEXT NOT NULL,
			candidates  INTEGER NOT NULL CHECK (candidates >= 0),
			latent_mean DOUBLE PRECISION,
			latent_sd   DOUBLE PRECISION,
			manifest    {{blob}},
			recorded_at TEXT NOT NULL,
			event_id    BIGINT NOT NULL REFERENCES audit (event_id),
			reverted    INTEGER NOT NULL DEFAULT 0
		)`,
		`CREATE TABLE item_params (
			item_id  TEXT PRIMARY KEY REFERENCES items (item_id),
			model    TEXT NOT NULL,
			a DOUBLE PRECISION, b DOUBLE PRECISION, c DOUBLE PRECISION, d DOUBLE PRECISION,
			se_a DOUBLE PRECISION, se_b DOUBLE PRECISION, se_c DOUBLE PRECISION, se_d DOUBLE PRECISION,
			source   TEXT NOT NULL CHECK (source IN ('import', 'administration', 'promote', 'update')),
			run_id   TEXT REFERENCES administrations (run_id),
			event_id BIGINT NOT NULL REFERENCES audit (event_id),
			reason   TEXT NOT NULL DEFAULT ''
		)`,
		`CREATE TABLE item_param_cov (
			item_id TEXT NOT NULL REFERENCES item_params (item_id) ON DELETE CASCADE,
			param_1 TEXT NOT NULL,
			param_2 TEXT NOT NULL,
			cov     DOUBLE PRECISION NOT NULL,
			PRIMARY KEY (item_id, param_1, param_2)
		)`,
		`CREATE TABLE scale (
			id       INTEGER PRIMARY KEY CHECK (id = 1),
			json     {{blob}} NOT NULL,
			event_id BIGINT NOT NULL REFERENCES audit (event_id)
		)`,
		`CREATE TABLE admin_items (
			run_id   TEXT NOT NULL REFERENCES administrations (run_id),
			item_id  TEXT NOT NULL REFERENCES items (item_id),
			position INTEGER NOT NULL,
			role     TEXT NOT NULL CHECK (role IN ('operational', 'anchor', 'pretest')),
			n        INTEGER NOT NULL CHECK (n >= 0),
			p DOUBLE PRECISION, rpbis DOUBLE PRECISION, rpbis_corrected DOUBLE PRECISION,
			biserial DOUBLE PRECISION, disc_index DOUBLE PRECISION, alpha_if_deleted DOUBLE PRECISION,
			infit DOUBLE PRECISION, outfit DOUBLE PRECISION,
			model    TEXT NOT NULL DEFAULT '',
			a DOUBLE PRECISION, b DOUBLE PRECISION, c DOUBLE PRECISION, d DOUBLE PRECISION,
			se_a DOUBLE PRECISION, se_b DOUBLE PRECISION, se_c DOUBLE PRECISION, se_d DOUBLE PRECISION,
			decision TEXT NOT NULL DEFAULT '' CHECK (decision IN ('', 'promote', 'revise', 'reject', 'insufficient')),
			reasons  TEXT NOT NULL DEFAULT '[]',
			PRIMARY KEY (run_id, item_id)
		)`,
		`CREATE TABLE admin_item_cov (
			run_id  TEXT NOT NULL,
			item_id TEXT NOT NULL,
			param_1 TEXT NOT NULL,
			param_2 TEXT NOT NULL,
			cov     DOUBLE PRECISION NOT NULL,
			PRIMARY KEY (run_id, item_id, param_1, param_2),
			FOREIGN KEY (run_id, item_id) REFERENCES admin_items (run_id, item_id)
		)`,
	},
	// 2: planned forms for assembly and pre-equating; indexes for List and History.
	{
		`CREATE TABLE forms (
			form_name       TEXT PRIMARY KEY,
			population_mean DOUBLE PRECISION,
			population_sd   DOUBLE PRECISION,
			created_at      TEXT NOT NULL,
			event_id        BIGINT NOT NULL REFERENCES audit (event_id)
		)`,
		`CREATE TABLE form_items (
			form_name TEXT NOT NULL REFERENCES forms (form_name) ON DELETE CASCADE,
			position  INTEGER NOT NULL,
			item_id   TEXT NOT NULL REFERENCES items (item_id),
			PRIMARY KEY (form_name, position),
			UNIQUE (form_name, item_id)
		)`,
		`CREATE TABLE form_conversion (
			form_name   TEXT NOT NULL REFERENCES forms (form_name) ON DELETE CASCADE,
			raw         INTEGER NOT NULL,
			theta       DOUBLE PRECISION,
			csem        DOUBLE PRECISION,
			scale_score INTEGER NOT NULL,
			pass        INTEGER NOT NULL CHECK (pass IN (0, 1)),
			PRIMARY KEY (form_name, raw)
		)`,
		`CREATE INDEX admin_items_item ON admin_items (item_id)`,
		`CREATE INDEX items_domain_status ON items (domain, status)`,
		`CREATE INDEX items_base ON items (base_id)`,
	},
}

// schemaVersion returns the bank's schema version, or −1 if the target holds
// no tables at all (not initialised). A database with tables but no meta
// table is ErrNotABank.
func (b *Bank) schemaVersion(ctx context.Context) (int, error) {
	c := b.reader(ctx)
	rows, err := c.query(b.d.tables)
	if err != nil {
		return 0, b.mapErr(err, "reading %s", b.target)
	}
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return 0, b.mapErr(err, "reading %s", b.target)
		}
		names = append(names, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, b.mapErr(err, "reading %s", b.target)
	}
	if len(names) == 0 {
		return -1, nil
	}
	hasMeta := false
	for _, n := range names {
		hasMeta = hasMeta || n == "meta"
	}
	if !hasMeta {
		return 0, newErr(ErrNotABank, "%s is not an itemlab bank (a database without the bank's meta table; tables: %s)", b.target, strings.Join(first(names, 5), ", "))
	}
	var s string
	err = c.row(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, newErr(ErrNotABank, "%s is not an itemlab bank (its meta table has no schema_version)", b.target)
	}
	if err != nil {
		return 0, b.mapErr(err, "reading the schema version of %s", b.target)
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, newErr(ErrNotABank, "%s is not an itemlab bank (schema_version %q)", b.target, s)
	}
	return v, nil
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// initSchema creates the schema up to version upto in one transaction.
func (b *Bank) initSchema(ctx context.Context, upto int) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return b.mapErr(err, "initialising %s", b.target)
	}
	defer tx.Rollback()
	c := &conn{ctx: ctx, q: tx, d: b.d, b: b}
	for _, s := range b.d.lock(b.opts.BusyTimeout.Milliseconds()) {
		if err := c.exec(s); err != nil {
			return b.mapErr(err, "initialising %s", b.target)
		}
	}
	for v := 0; v < upto; v++ {
		for _, s := range migrations[v] {
			if err := c.exec(b.d.ddl.Replace(s)); err != nil {
				return b.mapErr(err, "initialising %s (schema version %d)", b.target, v+1)
			}
		}
	}
	now := b.now()
	if err := c.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', ?), ('created_at', ?)`, strconv.Itoa(upto), now); err != nil {
		return b.mapErr(err, "initialising %s", b.target)
	}
	if err := c.exec(`INSERT INTO audit (at, who, command, action, changes) VALUES (?, ?, ?, 'init', ?)`,
		now, b.opts.By, b.opts.Command, `{"schema_version":`+strconv.Itoa(upto)+`}`); err != nil {
		return b.mapErr(err, "initialising %s", b.target)
	}
	if err := tx.Commit(); err != nil {
		return b.mapErr(err, "initialising %s", b.target)
	}
	return nil
}

// migrate brings a bank at schema version v to SchemaVersion in one
// transaction, or refuses a newer one.
func (b *Bank) migrate(ctx context.Context, v int) error {
	if v > SchemaVersion {
		return newErr(ErrNewerSchema, "%s has schema version %d, newer than this itemlab's %d: it needs a newer itemlab (one that knows schema version %d)", b.target, v, SchemaVersion, v)
	}
	if v == SchemaVersion {
		return nil
	}
	_, err := b.write(ctx, "migrate", "migrating "+b.target, func(tx *wtx) (string, any, error) {
		// Re-read inside the transaction: another process may have migrated.
		var s string
		if err := tx.row(`SELECT value FROM meta WHERE key = 'schema_version'`).Scan(&s); err != nil {
			return "", nil, err
		}
		cur, _ := strconv.Atoi(s)
		for i := cur; i < SchemaVersion; i++ {
			for _, q := range migrations[i] {
				if err := tx.exec(b.d.ddl.Replace(q)); err != nil {
					return "", nil, err
				}
			}
		}
		if err := tx.exec(`UPDATE meta SET value = ? WHERE key = 'schema_version'`, strconv.Itoa(SchemaVersion)); err != nil {
			return "", nil, err
		}
		return "", map[string]int{"from": cur, "to": SchemaVersion}, nil
	})
	return err
}
