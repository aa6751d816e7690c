// Package bank is itemlab's item bank: every item's life across
// administrations — its versions, bank parameters on the fixed bank scale
// with their provenance, every administration's statistics and parameters,
// pretest decisions, promotion, revision, retirement, drift — with an audit
// trail, in one SQLite file (the default, through the pure-Go
// modernc.org/sqlite, so the binary stays cgo-free) or in a PostgreSQL
// database shared by a team (github.com/jackc/pgx/v5 through database/sql).
// Both backends have the same schema, migrations, behaviour and exports:
// the queries are written once with ? placeholders, rewritten to $n for
// PostgreSQL, and the few differences (identity keys, byte strings, the
// writers' lock) are in a small dialect table.
//
// # Use
//
//	b, err := bank.Init(ctx, "bank.db", bank.Options{})          // itemlab bank init
//	b, err := bank.Open(ctx, "postgres://host/db")               // every other command
//	b, err := bank.OpenWith(ctx, path, bank.Options{By: "ann", Command: "bank promote"})
//	defer b.Close()
//
// The commands map onto methods one to one:
//
//	bank init            Init
//	bank import --items  ImportItems (ImportOptions.Replace for --replace); SetScale for --scale
//	bank import --from   ImportFolder
//	bank add-run, run --bank   AddAdministration (AddOptions.BaseParams and Scale for the first, scale-defining form)
//	bank promote         Promote (PromoteOptions{Items, Force, Reason})
//	bank retire|revise   Retire, Revise (Revision{Reason, Set, Unset, Key, Domain}); SetStatus for exclude
//	bank update-params   UpdateParams(item, run, reason)
//	bank revert EVENT    Revert(event)
//	bank list            List(ListFilter{Domain, Status, BMin, BMax, MaxRuns, MaxCandidates, IDContains})
//	bank show|history    Show, History; Administrations, Administration for runs
//	bank drift           Drift(DriftOptions{Alpha})
//	bank export          Export(dir)
//	assemble             SaveForm, Forms, Form; Scale for the scale.json
//	(audit, checks)      Audit, Check
//
// # Transactions, locking and faults
//
// Every write is one transaction that also writes one audit event; a write
// that fails, or a process killed in the middle of one, leaves the bank as it
// was (SQLite's journal, PostgreSQL's transactions). SQLite runs in WAL mode
// with foreign keys on; write transactions begin IMMEDIATE, so a second
// writer (in this or another process) waits up to Options.BusyTimeout
// (default 5 s) and then fails with ErrBusy ("bank is busy"); readers never
// wait. On PostgreSQL every write transaction first takes one advisory lock
// (pg_advisory_xact_lock) with lock_timeout = BusyTimeout, so writers are
// serialised the same way. A Bank is safe for concurrent use.
//
// # Schema
//
// The schema is versioned: the meta table's schema_version is the number of
// migrations applied; the migration list is in code (migrations, in
// schema.go). Open migrates an older bank in one transaction (with a
// "migrate" audit event) and refuses a bank from a newer itemlab with
// ErrNewerSchema, naming the version. The tables (version 2):
//
//	meta             key, value: schema_version, created_at
//	audit            event_id, at, who, command, action, run_id, changes (JSON: old and new values), reverted_by → audit
//	items            item_id, base_id, version, previous_id → items, domain, status (operational|pretest|retired|excluded),
//	                 item_key, created_at, exposure_runs, exposure_candidates
//	item_fields      item_id → items, position, name, value: content and metadata columns per version, in order
//	item_params      item_id → items, model, a, b, c, d, se_a, se_b, se_c, se_d,
//	                 source (import|administration|promote|update), run_id → administrations, event_id → audit, reason
//	item_param_cov   item_id → item_params, param_1, param_2, cov (the item's own (a, d, logit_c) covariance, long form)
//	scale            the scale.json bytes as given (one row), event_id
//	administrations  run_id (SHA-256 hex), seq, form, admin_date, candidates, latent_mean, latent_sd (bank scale),
//	                 manifest (bytes), recorded_at, event_id → audit, reverted
//	admin_items      run_id → administrations, item_id → items, position, role (operational|anchor|pretest),
//	                 n, p, rpbis, rpbis_corrected, biserial, disc_index, alpha_if_deleted, infit, outfit,
//	                 model, a, b, c, d, se_a, se_b, se_c, se_d (bank scale), decision, reasons (JSON array)
//	admin_item_cov   run_id, item_id → admin_items, param_1, param_2, cov
//	forms            form_name, population_mean, population_sd, created_at, event_id   (planned forms)
//	form_items       form_name → forms, position, item_id → items
//	form_conversion  form_name → forms, raw, theta, csem, scale_score, pass
//
// Absent numbers are NULL in the database and NaN in Go (bank.None); −0 is
// stored as 0. Times are RFC 3339 text in UTC, dates YYYY-MM-DD.
//
// # Rules
//
//   - An item's bank parameters are those that put it on the bank scale: an
//     import, the base form (AddOptions.BaseParams), or the anchored
//     calibration of the administration whose decision promoted it. Later
//     administrations' estimates are history and drift evidence and never
//     replace them; UpdateParams does, explicitly, with a reason.
//   - Exposure is derived from the administrations: the number of
//     non-reverted administrations that included the item and the sum of
//     their candidates given it (AdminItem.Stats.N). The two counts are
//     stored on the item, kept up to date in the same transactions (so List
//     filters on them without a join), and Check recomputes them.
//   - Revert never deletes: a reverted administration stays, marked, and no
//     longer counts in exposure, history, drift, promotion or exports; a
//     reverted promotion restores the items' old status and parameters from
//     its audit record. Both record a "revert" event and set reverted_by.
//   - A revision is a new item BASE-vN linked to the old one by previous_id,
//     with the content copied and edited, starting as pretest without
//     parameters; the old version is retired.
//
// # Drift
//
// Drift compares an item's b in consecutive administrations with
// z = (b_j − b_i)/√(se_i² + se_j²) against the Bonferroni-adjusted normal
// critical value z_{1−α/(2m)}, m the number of comparisons over the bank.
//
// # Export
//
// Export writes a folder (items.csv, params.csv, params_cov.csv,
// administrations.csv, manifests/, history.csv, history_cov.csv, forms.csv,
// form_items.csv, form_conversion.csv, scale.json, audit.csv) in a fixed
// order and number format; ImportFolder reads it whole into a new bank, and
// exporting that bank gives the same bytes except audit.csv. The same cycle
// exports the same bytes on SQLite and PostgreSQL.
//
// # Errors
//
// Errors callers act on match the sentinels with errors.Is: ErrNotABank,
// ErrNotInitialised, ErrAlreadyBank, ErrNewerSchema, ErrBusy,
// ErrRunRecorded, ErrNotFound, ErrConflict, ErrNotAllowed, ErrInvalid,
// ErrNotEmpty. Their text starts with "bank: ".
//
// # Tests
//
// The tests run on a SQLite file in a temporary folder and on a real
// PostgreSQL server: ITEMLAB_TEST_POSTGRES (a URL whose user may create
// databases), or else a throwaway cluster the tests start themselves from
// Debian's postgresql package (see .ci/postgres.sh). Without a server they
// skip, saying why, except under CI=true, where they fail.
package bank
