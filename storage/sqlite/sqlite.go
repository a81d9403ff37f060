// Package sqlite is the embedded default [crm.Store]: one SQLite database
// file, through the pure-Go driver modernc.org/sqlite, so programs build
// with CGO_ENABLED=0 and need no database server. It is
// [sqlstore.Store] with SQLite's dialect and schema; see storage/sqlstore
// for the tables and the behaviour shared with the other SQL adapters.
//
//	store, err := sqlite.Open(ctx, "crm.db")
//	if err != nil { ... }
//	defer store.Close()
//	client, err := crm.New(store)
//	if err != nil { ... }
//	acme, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd"})
//
// # Connections
//
// [Open] creates the file if it is missing and brings its schema up to
// date (the migrations are embedded in this package and recorded in
// schema_migrations). Every connection of the pool is set up by the data
// source name, so none is missed: WAL journal (readers never wait for the
// writer and the writer never waits for readers), checkpointed at 10,000
// pages rather than 1,000, synchronous=NORMAL (safe in WAL against a
// crashing program; a power loss may lose the last commits), foreign keys
// enforced, a busy timeout (5s unless [WithBusyTimeout] says otherwise)
// and a page cache of 32 MiB ([WithCacheSize]).
//
// SQLite has one writer at a time. Every write transaction, including
// every [sqlstore.Store.RunInTx], starts with BEGIN IMMEDIATE: it takes
// the write lock at once, waiting up to the busy timeout for it, so two
// transactions never both read and then fail to write. A write still
// waiting when the busy timeout ends fails with an error matching
// [crm.ErrConflict], which callers retry as any version conflict. Keep
// transactions short: other writers, in this process or another, wait
// for them. Reads run in read-only transactions and do not wait. The
// Store prepares each query once per connection
// ([sqlstore.CacheStatements]): the driver would parse it on every call.
//
// The path ":memory:" opens a private database in memory, gone when the
// Store is closed. Every connection to ":memory:" would open a database
// of its own, so the pool then has a single connection: all calls take
// turns, and calling the Store from inside RunInTx's fn (rather than the
// Store fn is given) waits forever.
//
// # Errors
//
// Errors start with "sqlite: " and match the crm sentinels: a taken
// primary key is [crm.ErrDuplicate], a foreign key naming a missing
// record [crm.ErrNotFound], SQLITE_BUSY and SQLITE_LOCKED
// [crm.ErrConflict]; everything else matches [sqlstore.ErrDatabase]. The
// driver's *sqlite.Error stays in the chain for errors.As.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"

	msqlite "modernc.org/sqlite" // registers the driver "sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlstore"
)

// Option configures [Open].
type Option func(*config)

type config struct {
	busyTimeout  time.Duration
	maxOpenConns int
	cacheSize    int64
}

// WithBusyTimeout sets how long a call waits for another connection's
// write lock before it fails with [crm.ErrConflict] (default 5s). It is
// rounded down to the millisecond; zero or less means do not wait.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) { c.busyTimeout = max(d, 0) }
}

// WithCacheSize sets the page cache of each connection of the pool, in
// bytes (default 32 MiB; SQLite's own default is 2 MiB), rounded down to
// the KiB; zero or less leaves SQLite's. A cache that holds the upper levels of the indexes saves a
// write of many rows, such as [crm.Client.ImportCustomers], most of its
// reads. Each connection fills its cache only as far as it reads.
func WithCacheSize(bytes int64) Option {
	return func(c *config) { c.cacheSize = max(bytes, 0) }
}

// WithMaxOpenConns caps the connections of the pool (default: no cap).
// Writers take turns whatever the cap; it limits concurrent readers and
// open file handles. It is ignored for ":memory:", which has one.
func WithMaxOpenConns(n int) Option {
	return func(c *config) { c.maxOpenConns = n }
}

// Defaults of the connections' settings.
const (
	// defaultBusyTimeout is how long a call waits for the write lock
	// unless WithBusyTimeout says otherwise.
	defaultBusyTimeout = 5 * time.Second
	// defaultCacheSize is the page cache of a connection unless
	// WithCacheSize says otherwise.
	defaultCacheSize = 32 << 20
	// checkpointPages is the size of the WAL, in pages, at which a commit
	// copies it back into the database file: 10,000 pages of 4 KiB,
	// where SQLite's default is 1,000. A bulk write whose rows land all
	// over its indexes dirties a page per row and index; a longer WAL
	// lets one checkpoint write a page that several commits changed once.
	checkpointPages = 10000
)

// memoryPath is the path that opens a database in memory.
const memoryPath = ":memory:"

// Open opens the SQLite database at path, creating it if it is missing,
// migrates its schema to this version of the package, and returns a Store
// over it that owns the database: [sqlstore.Store.Close] closes it. See
// the package documentation for the settings of the connections and for
// ":memory:". Open fails if the file cannot be opened or is not a
// database, or if a migration fails; an error matches the context's
// error if ctx ends first.
func Open(ctx context.Context, path string, opts ...Option) (*sqlstore.Store, error) {
	cfg := config{busyTimeout: defaultBusyTimeout, cacheSize: defaultCacheSize}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if path == "" {
		return nil, fmt.Errorf("sqlite: open: empty path: %w", crm.ErrInvalid)
	}
	db, err := sql.Open("sqlite", dataSourceName(path, cfg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if path == memoryPath {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		db.SetMaxOpenConns(cfg.maxOpenConns)
		db.SetMaxIdleConns(4) // opening a connection sets it up anew
	}
	d := dialect{}
	if _, err := sqlstore.Migrate(ctx, db, d); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s, err := sqlstore.New(db, d, sqlstore.OwnDB(), sqlstore.CacheStatements(256))
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// dataSourceName returns the driver's name for the database at path with
// the settings every connection needs, as a file: URI so that any path
// works.
func dataSourceName(path string, cfg config) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(cfg.busyTimeout.Milliseconds(), 10)+")")
	q.Add("_pragma", "foreign_keys(1)")
	if kib := cfg.cacheSize >> 10; kib > 0 {
		q.Add("_pragma", "cache_size(-"+strconv.FormatInt(kib, 10)+")") // negative: KiB
	}
	if path != memoryPath {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_pragma", "wal_autocheckpoint("+strconv.Itoa(checkpointPages)+")")
	}
	// BEGIN IMMEDIATE for every transaction but read-only ones.
	q.Set("_txlock", "immediate")
	if path == memoryPath {
		return memoryPath + "?" + q.Encode()
	}
	// The path is percent-escaped ("?", "#" and "%" may be in a file
	// name); an absolute one follows an empty authority: file:///a/b.db.
	p := (&url.URL{Path: path}).EscapedPath()
	if strings.HasPrefix(p, "/") {
		p = "//" + p
	}
	return "file:" + p + "?" + q.Encode()
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// dialect is SQLite's [sqlstore.Dialect].
type dialect struct{}

var (
	_ sqlstore.Dialect      = dialect{}
	_ sqlstore.ArgLimiter   = dialect{}
	_ sqlstore.SerialWriter = dialect{}
	_ sqlstore.MonthGrouper = dialect{}
	_ sqlstore.Copier       = dialect{}
)

// Name returns "sqlite".
func (dialect) Name() string { return "sqlite" }

// UTCMonth returns the first seven characters of the time text expr:
// times are stored as UTC text that starts with YYYY-MM (timeLayout).
func (dialect) UTCMonth(expr string) string { return "substr(" + expr + ", 1, 7)" }

// MaxArgs keeps each multi-row INSERT and lookup list within the statement
// cache, so that it is parsed once and its arguments bind fast
// ([sqlstore.ArgLimiter]).
func (dialect) MaxArgs() int { return sqlstore.MaxCachedArgs }

// SerialWrites reports true: every write transaction begins with BEGIN
// IMMEDIATE and so holds the database's write lock until it ends
// ([sqlstore.SerialWriter]).
func (dialect) SerialWrites() bool { return true }

// Rebind returns query: SQLite takes "?" placeholders.
func (dialect) Rebind(query string) string { return query }

// Migrations returns the files in migrations/.
func (dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at TEXT    NOT NULL
) STRICT`

// LockMigrations creates schema_migrations if it is missing. The lock is
// the database's write lock, which tx holds from its start: Open's
// connections begin every read-write transaction with BEGIN IMMEDIATE.
func (dialect) LockMigrations(ctx context.Context, tx *sql.Tx) (func(context.Context) error, error) {
	_, err := tx.ExecContext(ctx, createSchemaMigrations)
	return nil, err
}

// ClassifyError reads the SQLite result code of err (extended codes are
// on).
func (dialect) ClassifyError(err error) error {
	var e *msqlite.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return crm.ErrDuplicate
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return crm.ErrNotFound
	}
	switch e.Code() & 0xff { // the primary code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return crm.ErrConflict
	}
	return nil
}

// timeLayout is how times are stored: UTC, fixed width, sortable as text.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// TimeArg formats t as timeLayout.
func (dialect) TimeArg(t time.Time) any { return t.UTC().Format(timeLayout) }

// ParseTime parses a time column written by TimeArg.
func (dialect) ParseTime(src any) (time.Time, error) {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case time.Time:
		return v.UTC(), nil
	default:
		return time.Time{}, fmt.Errorf("time column holds %T, want text", src)
	}
	t, err := time.ParseInLocation(timeLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("time column: %w", err)
	}
	return t, nil
}

// PrefixMatch compares bytewise, as SQLite's default BINARY collation
// does, so an index on column serves it.
func (dialect) PrefixMatch(column, prefix string) (string, []any) {
	return sqlstore.RangePrefixMatch(column, prefix)
}
