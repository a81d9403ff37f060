// Package postgres is the [crm.Store] on a PostgreSQL server, for
// services that run several replicas over one database. It is
// [sqlstore.Store] with PostgreSQL's dialect and schema, through pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib); see
// storage/sqlstore for the tables and the behaviour shared with the other
// SQL adapters.
//
//	store, err := postgres.Open(ctx, "postgres://crm@db.internal:5432/crm?sslmode=verify-full",
//		postgres.WithSchema("crm"))
//	if err != nil { ... }
//	defer store.Close()
//	client, err := crm.New(store)
//	if err != nil { ... }
//	acme, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd"})
//
// # Connections and schema
//
// [Open] takes a pgx connection string (a postgres:// URL or key=value
// pairs; see pgx.ParseConfig), checks that the server answers, and brings
// the schema up to date: the migrations are embedded in this package and
// recorded in schema_migrations. The tables live in the connection's
// search_path, normally the schema public; [WithSchema] puts them in a
// schema of their own, created if it is missing. A program that opens
// its own *sql.DB (say, over a pgxpool with stdlib.OpenDBFromPool) uses
// [Dialect] with [sqlstore.Migrate] and [sqlstore.New] instead.
//
// Any number of processes may open one database at once: migrations are
// serialised by a row lock (SELECT … FOR UPDATE on the one row of
// schema_migrations_lock), so each is applied once, and every process
// starts when the schema is up to date.
//
// # Concurrency
//
// Write transactions, [sqlstore.Store.RunInTx] included, run at the
// server's default isolation, READ COMMITTED unless it is configured
// otherwise (at REPEATABLE READ or SERIALIZABLE, a serialization failure
// is [crm.ErrConflict] too); reads touching several tables run in
// read-only REPEATABLE READ transactions. Updates are optimistic
// (UPDATE … WHERE id = $1 AND version = $2): of two replicas updating one
// customer at the same version, the second waits for the first's row lock
// and then fails with [crm.ErrConflict], so no update is lost; the caller
// reads again and retries. No row is locked while a caller thinks. The
// adapter uses no advisory locks, no LOCK TABLE and no sequences, which
// PostgreSQL-compatible distributed databases lack or treat differently;
// it is tested on PostgreSQL.
//
// # Types
//
// Money is NUMERIC(20,4) and is read as text, never through a float
// (amounts are validated by the [crm.Client] to at most 4 decimal places
// and below 10^16; a Store used directly rounds extra places away as
// PostgreSQL does). Times are TIMESTAMPTZ, at microsecond precision as
// the Store keeps them. Custom fields are JSONB. Identifiers are
// COLLATE "C", so that listings come in byte order, as Go sorts strings,
// whatever the database's locale; so are the search keys, so that a
// prefix search is a range on a plain B-tree index. PostgreSQL text cannot hold
// the byte 0: a value containing it fails with [sqlstore.ErrDatabase].
//
// # Bulk inserts
//
// [sqlstore.Store.CreateCustomers], the bulk path of
// [crm.Client.ImportCustomers], loads each table (customers, then their
// emails, phones and tags) with one COPY … FROM STDIN in the binary
// format (pgx's CopyFrom) rather than INSERT statements: the Dialect is
// a [sqlstore.Copier]. The COPYs run inside the call's transaction, or
// inside RunInTx's in a savepoint, on the transaction's own connection,
// so a batch is stored whole or not at all: a taken or repeated ID fails
// the COPY with unique_violation, [crm.ErrDuplicate], and nothing of the
// batch remains. The tables are found through the search_path, as every
// other statement finds them, so COPY writes into the schema of
// [WithSchema]. Values are stored exactly as INSERT stores them (money
// as NUMERIC(20,4) from its decimal text, custom fields as JSONB, times
// as TIMESTAMPTZ, zero values as NULL). COPY needs pgx's database/sql
// driver; over another driver the Store falls back to multi-row INSERTs.
//
// # Errors
//
// Errors start with "postgres: " and match the crm sentinels by
// SQLSTATE: unique_violation (23505) is [crm.ErrDuplicate],
// foreign_key_violation (23503) [crm.ErrNotFound], serialization_failure
// (40001), deadlock_detected (40P01) and lock_not_available (55P03)
// [crm.ErrConflict]; everything else matches [sqlstore.ErrDatabase]. The
// driver's *pgconn.PgError stays in the chain for errors.As.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlstore"
)

// Option configures [Open].
type Option func(*config)

type config struct {
	schema       string
	maxOpenConns int
	maxIdleConns int
}

// WithSchema keeps the Store's tables in the schema name, which Open
// creates if it is missing: every connection of the Store has it as its
// only search_path. Without it the tables live in the connection
// string's search_path, by default the schema public. name is an
// identifier as written, not quoted, such as "crm" or "Tenant 7".
func WithSchema(name string) Option {
	return func(c *config) { c.schema = name }
}

// WithMaxOpenConns caps the connections of the pool (default: no cap),
// which should stay well below the server's max_connections divided by
// the number of replicas. Zero or less means no cap.
func WithMaxOpenConns(n int) Option {
	return func(c *config) { c.maxOpenConns = max(n, 0) }
}

// WithMaxIdleConns sets how many idle connections the pool keeps for the
// next calls (default 8, and never more than WithMaxOpenConns). Zero or
// less keeps none.
func WithMaxIdleConns(n int) Option {
	return func(c *config) { c.maxIdleConns = max(n, 0) }
}

// Open connects to the PostgreSQL database dsn names, migrates its schema
// to this version of the package, and returns a Store over it that owns
// the connection pool: [sqlstore.Store.Close] closes it. dsn is a pgx
// connection string, such as
// "postgres://user:secret@host:5432/crm?sslmode=verify-full". See the
// package documentation for schemas and concurrency. Open fails with
// [crm.ErrInvalid] for a malformed dsn or schema name, with
// [sqlstore.ErrDatabase] if the server cannot be reached or a migration
// fails, and with an error matching the context's error if ctx ends
// first.
func Open(ctx context.Context, dsn string, opts ...Option) (*sqlstore.Store, error) {
	cfg := config{maxIdleConns: 8}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	connConfig, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx leaves the password out of its message.
		return nil, fmt.Errorf("postgres: open: %w: %w", crm.ErrInvalid, err)
	}
	if cfg.schema != "" {
		if strings.ContainsRune(cfg.schema, 0) {
			return nil, fmt.Errorf("postgres: open: schema name %q: %w", cfg.schema, crm.ErrInvalid)
		}
		connConfig.RuntimeParams["search_path"] = pgx.Identifier{cfg.schema}.Sanitize()
	}
	db := stdlib.OpenDB(*connConfig)
	db.SetMaxOpenConns(cfg.maxOpenConns)
	if cfg.maxOpenConns > 0 {
		cfg.maxIdleConns = min(cfg.maxIdleConns, cfg.maxOpenConns)
	}
	db.SetMaxIdleConns(max(cfg.maxIdleConns, 0))

	fail := func(what string, err error) (*sqlstore.Store, error) {
		_ = db.Close()
		return nil, fmt.Errorf("postgres: open: %s: %w", what, meaning(ctx, err))
	}
	if err := db.PingContext(ctx); err != nil {
		return fail("connect", err)
	}
	if cfg.schema != "" {
		if err := createSchema(ctx, db, cfg.schema); err != nil {
			return fail("create schema "+cfg.schema, err)
		}
	}
	d := dialect{}
	if _, err := sqlstore.Migrate(ctx, db, d); err != nil {
		_ = db.Close()
		return nil, err // "postgres: migrate: <file>: …"
	}
	s, err := sqlstore.New(db, d, sqlstore.OwnDB())
	if err != nil {
		return fail("new store", err)
	}
	return s, nil
}

// meaning attaches to err, a failure of Open, what it means: the
// context's error if ctx has ended, otherwise what the dialect makes of
// it, or sqlstore.ErrDatabase.
func meaning(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(err, cerr) {
			return err
		}
		return fmt.Errorf("%w: %w", cerr, err)
	}
	kind := dialect{}.ClassifyError(err)
	if kind == nil {
		kind = sqlstore.ErrDatabase
	}
	return fmt.Errorf("%w: %w", kind, err)
}

const (
	schemaExists     = `SELECT COUNT(*) FROM pg_catalog.pg_namespace WHERE nspname = $1`
	createSchemaStmt = `CREATE SCHEMA `
)

// createSchema creates the schema name unless it exists. It looks first,
// so that an existing schema needs no CREATE privilege on the database,
// and tolerates another process creating it at the same moment.
func createSchema(ctx context.Context, db *sql.DB, name string) error {
	var n int
	if err := db.QueryRowContext(ctx, schemaExists, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := db.ExecContext(ctx, createSchemaStmt+pgx.Identifier{name}.Sanitize())
	if err != nil && createRace(err) {
		return nil // created meanwhile by another process
	}
	return err
}

// createRace reports whether err is what PostgreSQL returns to the loser
// of two transactions creating one object at once: a duplicate object
// (42P06 schema, 42P07 table, 42710 other), or a unique violation (23505)
// in a system catalog, when the other transaction committed while this
// one was already inserting the catalog row.
func createRace(err error) bool {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case pgUniqueViolation, "42P06", "42P07", "42710":
		return true
	}
	return false
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Dialect returns PostgreSQL's [sqlstore.Dialect], for a program that
// opens its own *sql.DB on pgx's driver (such as over a pgxpool with
// stdlib.OpenDBFromPool) rather than calling [Open]:
//
//	db := stdlib.OpenDBFromPool(pool)
//	if _, err := sqlstore.Migrate(ctx, db, postgres.Dialect()); err != nil { ... }
//	store, err := sqlstore.New(db, postgres.Dialect())
//
// The Dialect relies on pgx's conversions (times as time.Time, NUMERIC
// and JSONB as text); other drivers are not supported. It is a
// [sqlstore.Copier]: bulk writes use COPY on pgx's connections.
func Dialect() sqlstore.Dialect { return dialect{} }

// dialect is PostgreSQL's [sqlstore.Dialect], and a [sqlstore.Copier].
// It is stateless.
type dialect struct{}

var (
	_ sqlstore.Dialect       = dialect{}
	_ sqlstore.Copier        = dialect{}
	_ sqlstore.DecimalSummer = dialect{}
	_ sqlstore.ShareLocker   = dialect{}
	_ sqlstore.DayGrouper    = dialect{}
	_ sqlstore.MonthGrouper  = dialect{}
)

func (dialect) Name() string { return "postgres" }

// ShareLock locks the rows a SELECT reads for [sqlstore.ShareLocker].
func (dialect) ShareLock() string { return "FOR SHARE" }

// UTCDate returns the date of the TIMESTAMPTZ expr in UTC, whatever the
// session's time zone.
func (dialect) UTCDate(expr string) string { return "CAST(" + expr + " AT TIME ZONE 'UTC' AS DATE)" }

// UTCMonth returns the month of the TIMESTAMPTZ expr in UTC as YYYY-MM,
// whatever the session's time zone.
func (dialect) UTCMonth(expr string) string {
	return "to_char(" + expr + " AT TIME ZONE 'UTC', 'YYYY-MM')"
}

// SumDecimal sums NUMERIC values, exactly, and reads the sum as text.
func (dialect) SumDecimal(expr string) string { return "CAST(SUM(" + expr + ") AS TEXT)" }

// Rebind numbers the placeholders: $1, $2, ….
func (dialect) Rebind(query string) string { return sqlstore.RebindDollar(query) }

// Migrations returns the files in migrations/.
func (dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

const (
	createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT      NOT NULL PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL
)`
	// The migration lock is the one row of schema_migrations_lock,
	// locked with SELECT … FOR UPDATE: unlike LOCK TABLE (missing in
	// CockroachDB, partial in YugabyteDB) and advisory locks, row locks
	// work the same on every PostgreSQL-compatible database.
	createMigrationLock = `CREATE TABLE IF NOT EXISTS schema_migrations_lock (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1)
)`
	insertMigrationLock = `INSERT INTO schema_migrations_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING`
	takeMigrationLock   = `SELECT id FROM schema_migrations_lock WHERE id = 1 FOR UPDATE`

	savepoint         = `SAVEPOINT crm_create_table`
	rollbackSavepoint = `ROLLBACK TO SAVEPOINT crm_create_table`
	releaseSavepoint  = `RELEASE SAVEPOINT crm_create_table`

	// createAttempts bounds the retries of a CREATE TABLE that lost a
	// race: the second attempt sees the winner's table.
	createAttempts = 3
)

// LockMigrations takes the migration lock, the row of
// schema_migrations_lock, until tx ends, creating the table and the row
// if they are missing, and then creates schema_migrations if it is
// missing. Every other migrator waits at its own SELECT … FOR UPDATE (or,
// while the row is new, at its INSERT), then finds the migration applied.
func (dialect) LockMigrations(ctx context.Context, tx *sql.Tx) (func(context.Context) error, error) {
	if err := createTable(ctx, tx, createMigrationLock); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, insertMigrationLock); err != nil {
		return nil, err
	}
	var id int
	if err := tx.QueryRowContext(ctx, takeMigrationLock).Scan(&id); err != nil {
		return nil, err
	}
	return nil, createTable(ctx, tx, createSchemaMigrations)
}

// createTable runs create, a CREATE TABLE IF NOT EXISTS, in tx.
//
// Two transactions creating one table at once both find it missing; the
// second then waits for the first and, once that commits, fails with a
// unique violation in pg_type. So create runs in a savepoint: a loser
// rolls back to it and tries again, now finding the table.
func createTable(ctx context.Context, tx *sql.Tx, create string) error {
	for attempt := 1; ; attempt++ {
		if _, err := tx.ExecContext(ctx, savepoint); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, create)
		if err == nil {
			_, err = tx.ExecContext(ctx, releaseSavepoint)
			return err
		}
		if !createRace(err) || attempt == createAttempts {
			return err
		}
		if _, err := tx.ExecContext(ctx, rollbackSavepoint); err != nil {
			return err
		}
	}
}

// SQLSTATE codes that ClassifyError gives a meaning.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
	pgLockNotAvailable     = "55P03"
)

// ClassifyError reads the SQLSTATE of the *pgconn.PgError in err's chain.
func (dialect) ClassifyError(err error) error {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Code {
	case pgUniqueViolation:
		return crm.ErrDuplicate
	case pgForeignKeyViolation:
		return crm.ErrNotFound
	case pgSerializationFailure, pgDeadlockDetected, pgLockNotAvailable:
		return crm.ErrConflict
	}
	return nil
}

// TimeArg returns t itself, which pgx sends as a TIMESTAMPTZ.
func (dialect) TimeArg(t time.Time) any { return t }

// ParseTime accepts the time.Time pgx makes of a TIMESTAMPTZ column.
func (dialect) ParseTime(src any) (time.Time, error) {
	t, ok := src.(time.Time)
	if !ok {
		// pgx returns the strings "infinity" and "-infinity" for
		// infinite timestamps, which the Store never writes.
		return time.Time{}, fmt.Errorf("time column holds %T %v, want a finite timestamptz", src, src)
	}
	return t.UTC(), nil
}

// CopyRows loads rows with COPY … FROM STDIN in PostgreSQL's binary
// format (pgx's CopyFrom) on driverConn, which must be a connection of
// pgx's database/sql driver inside a transaction: the rows belong to the
// transaction, and a unique violation fails the whole COPY, which stores
// nothing, with the *pgconn.PgError ClassifyError reads. table resolves
// through the connection's search_path, as the Store's queries do, so
// the rows land in the schema of [WithSchema]. pgx encodes each value for
// its column's type, which it learns by describing the table (once per
// connection in its default query mode); an exact decimal and a JSON
// document, given as text, become NUMERIC and JSONB. A connection of another driver is declined with
// driver.ErrSkip, and the Store inserts the rows instead.
func (dialect) CopyRows(ctx context.Context, driverConn any, table string, columns []string, rows [][]any) (int64, error) {
	sc, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return 0, fmt.Errorf("copy into %s: connection %T is not pgx's: %w", table, driverConn, driver.ErrSkip)
	}
	conn := sc.Conn()
	if conn.PgConn().TxStatus() == txIdle {
		// COPY would commit on its own.
		return 0, fmt.Errorf("copy into %s: not inside a transaction", table)
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err != nil {
		return n, err
	}
	// A table never analysed is planned as nearly empty, and a prepared
	// lookup planned so reads the whole table for as long as the plan is
	// kept: each batch of a bulk import into a new table then costs more
	// than the one before. The first copy into such a table analyses it.
	var analysed bool
	if err := conn.QueryRow(ctx, `SELECT c.reltuples >= 0 FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass`,
		pgx.Identifier{table}.Sanitize()).Scan(&analysed); err != nil {
		return n, fmt.Errorf("copy into %s: %w", table, err)
	}
	if !analysed {
		if _, err := conn.Exec(ctx, "ANALYZE "+pgx.Identifier{table}.Sanitize()); err != nil {
			return n, fmt.Errorf("copy into %s: analyse: %w", table, err)
		}
	}
	return n, nil
}

// txIdle is the transaction status of a connection outside a
// transaction ([pgconn.PgConn.TxStatus]).
const txIdle = 'I'

// PrefixMatch compares bytewise: the search key columns are COLLATE "C",
// so a plain B-tree index on them serves both bounds. A prefix containing
// the byte 0, which PostgreSQL text cannot hold, matches nothing rather
// than failing.
func (dialect) PrefixMatch(column, prefix string) (string, []any) {
	if strings.ContainsRune(prefix, 0) {
		return "FALSE", nil
	}
	return sqlstore.RangePrefixMatch(column, prefix)
}

// ByteOrder makes column order byte by byte, as Go orders strings,
// whatever the database's default collation: the customer columns other
// than IDs and search keys are in that collation.
func (dialect) ByteOrder(column string) string { return column + ` COLLATE "C"` }
