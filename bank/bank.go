package bank

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Options adjust Open and Init. The zero Options is valid.
type Options struct {
	// BusyTimeout is how long a write waits for another writer before it
	// fails with ErrBusy. Zero means 5 s.
	BusyTimeout time.Duration
	// By is who is acting, for the audit table. Empty means the operating
	// system user.
	By string
	// Command is the command acting, for the audit table (e.g. "bank promote").
	// Empty means "itemlab".
	Command string
	// Now gives the time stamps of records and audit events. Nil means
	// time.Now. Tests set it to make exports reproducible.
	Now func() time.Time
}

// Bank is an open item bank. Its methods are safe for concurrent use by
// several goroutines; every write is one transaction, and writers (in this or
// any other process) are serialised by the database.
type Bank struct {
	db     *sql.DB
	d      *dialect
	target string // for messages, with any password removed
	opts   Options
}

// Open opens the bank at target with the zero Options; see OpenWith.
func Open(ctx context.Context, target string) (*Bank, error) {
	return OpenWith(ctx, target, Options{})
}

// OpenWith opens the bank at target: a file path (SQLite) or a
// postgres:// or postgresql:// URL. A bank with an older schema is migrated
// (in one transaction, with an audit event). Errors: ErrNotInitialised when
// there is no bank yet (the message says to run `itemlab bank init`),
// ErrNotABank for a file or database that is something else, ErrNewerSchema
// for a bank written by a newer itemlab, ErrBusy.
func OpenWith(ctx context.Context, target string, opts Options) (*Bank, error) {
	b, err := connect(ctx, target, opts, false)
	if err != nil {
		return nil, err
	}
	v, err := b.schemaVersion(ctx)
	if err == nil && v < 0 {
		err = newErr(ErrNotInitialised, "no bank at %s; run `itemlab bank init --bank %s` first", b.target, b.target)
	}
	if err == nil {
		err = b.migrate(ctx, v)
	}
	if err != nil {
		b.db.Close()
		return nil, err
	}
	return b, nil
}

// Init creates a new bank at target (a SQLite file, created if it does not
// exist, or an empty PostgreSQL database/schema) at the current schema
// version and opens it. Errors: ErrAlreadyBank if target already holds a
// bank, ErrNotABank if it holds something else.
func Init(ctx context.Context, target string, opts Options) (*Bank, error) {
	b, err := connect(ctx, target, opts, true)
	if err != nil {
		return nil, err
	}
	v, err := b.schemaVersion(ctx)
	if err == nil && v >= 0 {
		err = newErr(ErrAlreadyBank, "%s is already an itemlab bank (schema version %d)", b.target, v)
	}
	if err == nil {
		err = b.initSchema(ctx, len(migrations))
	}
	if err != nil {
		b.db.Close()
		return nil, err
	}
	return b, nil
}

// Close closes the bank.
func (b *Bank) Close() error { return b.db.Close() }

// Target is the bank's location as given to Open, with any password removed.
func (b *Bank) Target() string { return b.target }

// Backend is "sqlite" or "postgres".
func (b *Bank) Backend() string { return b.d.name }

// IsURL reports whether target names a PostgreSQL bank.
func IsURL(target string) bool {
	return strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://")
}

func connect(ctx context.Context, target string, opts Options, create bool) (*Bank, error) {
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.By == "" {
		opts.By = osUser()
	}
	if opts.Command == "" {
		opts.Command = "itemlab"
	}
	b := &Bank{opts: opts}
	var err error
	if IsURL(target) {
		b.d = postgresDialect
		b.target = redact(target)
		b.db, err = sql.Open("pgx", target)
		if err != nil {
			return nil, wrapErr(ErrInvalid, err, "opening %s", b.target)
		}
		b.db.SetMaxOpenConns(4)
	} else {
		b.d = sqliteDialect
		b.target = target
		fi, serr := os.Stat(target)
		switch {
		case serr != nil && errors.Is(serr, os.ErrNotExist):
			if !create {
				return nil, newErr(ErrNotInitialised, "no bank at %s; run `itemlab bank init --bank %s` first", target, target)
			}
		case serr != nil:
			return nil, wrapErr(ErrInvalid, serr, "opening %s", target)
		case fi.IsDir():
			return nil, newErr(ErrNotABank, "%s is a directory, not an itemlab bank", target)
		}
		q := url.Values{}
		q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", opts.BusyTimeout.Milliseconds()))
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		b.db, err = sql.Open("sqlite", target+"?"+q.Encode())
		if err != nil {
			return nil, wrapErr(ErrInvalid, err, "opening %s", target)
		}
		b.db.SetMaxOpenConns(4)
	}
	if err := b.db.PingContext(ctx); err != nil {
		b.db.Close()
		return nil, b.mapErr(err, "opening %s", b.target)
	}
	return b, nil
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if s := os.Getenv("USER"); s != "" {
		return s
	}
	return "unknown"
}

func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// mapErr turns driver errors into the bank's typed errors: a busy database
// into ErrBusy, a file that is not a database into ErrNotABank. Other errors
// are wrapped with what was being done.
func (b *Bank) mapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var be *Error
	if errors.As(err, &be) {
		return err
	}
	what := fmt.Sprintf(format, args...)
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return wrapErr(ErrBusy, err, "bank is busy: another process held %s for more than %v (%s)", b.target, b.opts.BusyTimeout, what)
		case sqlite3.SQLITE_NOTADB:
			return wrapErr(ErrNotABank, nil, "%s is not an itemlab bank (not a SQLite database)", b.target)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && (pe.Code == "55P03" || pe.Code == "40P01") {
		return wrapErr(ErrBusy, err, "bank is busy: another writer held %s for more than %v (%s)", b.target, b.opts.BusyTimeout, what)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("bank: %s: %w", what, err)
	}
	return fmt.Errorf("bank: %s: %w", what, err)
}

func (b *Bank) now() string { return formatTime(b.opts.Now()) }

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
