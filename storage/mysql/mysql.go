// Package mysql is the [crm.Store] on a MySQL or MariaDB server, through
// the driver github.com/go-sql-driver/mysql: one database shared by every
// replica of a service. It is [sqlstore.Store] with MySQL's dialect and
// schema; see storage/sqlstore for the tables and the behaviour shared
// with the other SQL adapters.
//
//	store, err := mysql.Open(ctx, "crm:secret@tcp(db.internal:3306)/crm")
//	if err != nil { ... }
//	defer store.Close()
//	client, err := crm.New(store)
//	if err != nil { ... }
//	acme, err := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd"})
//
// The data source name is the driver's
// (user:password@tcp(host:port)/database?param=value, see
// [gomysql.ParseDSN]) and must name a database, which must exist. It needs
// MariaDB 10.2.2 or later or MySQL 8.0.17 or later, with InnoDB; if the
// server writes a binary log, binlog_format must be ROW or MIXED (the
// defaults), which READ COMMITTED requires.
//
// # Connections
//
// [Open] brings the schema of the database up to date (the migrations
// are embedded in this package and recorded in schema_migrations) and
// returns a Store that owns its pool of connections. Whatever the data
// source name says, Open sets what the Store relies on:
//
//   - parseTime and loc=UTC: DATETIME columns hold UTC and are read as
//     time.Time;
//   - multiStatements: a migration file runs in one call. The Store
//     never builds SQL from values, so this opens no door to injection;
//   - interpolateParams off: values travel apart from the SQL, in
//     prepared statements. The Store prepares each of its queries once per
//     connection and keeps it ([WithStatementCache]), so a call costs one
//     round trip;
//   - clientFoundRows: an UPDATE reports the rows it matched, not only
//     those it changed;
//   - utf8mb4 on the connection, and on every new connection a session
//     with strict SQL mode (a value too long for its column, or not valid
//     UTF-8, is refused, never cut or mangled), no engine substitution,
//     time_zone UTC and READ COMMITTED isolation.
//
// # Transactions
//
// Read-write transactions, [sqlstore.Store.RunInTx] included, run at READ
// COMMITTED, as they do on PostgreSQL, rather than InnoDB's default
// REPEATABLE READ. The Store needs no more: concurrency control is the
// optimistic version check, UPDATE … WHERE id = ? AND version = ?, which
// InnoDB evaluates against the latest committed row whatever the
// isolation, so a stale write is always refused with [crm.ErrConflict].
// What READ COMMITTED avoids is REPEATABLE READ's locking: there, the
// Store's DELETE and INSERT of a customer's emails, phones and tags take
// gap locks, so writers of neighbouring customers block and deadlock one
// another, and an UPDATE that waited for a row and found it changed keeps
// its lock to the end of its transaction, so the losers of a race for one
// customer queue behind each other; READ COMMITTED releases such a lock at
// once. And a re-read after a conflict inside a transaction sees the row
// that caused it rather than a stale snapshot.
// Reads that touch several tables outside RunInTx still run in a
// REPEATABLE READ, read-only transaction of their own (sqlstore asks for
// one, and the adapter begins it in one round trip rather than the
// driver's two), so a customer is read with its lists as of one moment;
// inside RunInTx each statement sees what was committed when it started.
//
// Deadlocks (1213), lock wait timeouts (1205, after the server's
// innodb_lock_wait_timeout) and MariaDB's "record has changed since last
// read" (1020) fail with an error matching [crm.ErrConflict]: retry them
// as any version conflict.
//
// # Schema
//
// The tables are those of storage/sqlstore, in InnoDB. Text columns are
// utf8mb4 VARCHARs (IDs 255 characters, names 500, email addresses 320)
// in a binary NO PAD collation (utf8mb4_nopad_bin on MariaDB,
// utf8mb4_0900_bin on MySQL), so that text compares byte by byte, as Go
// compares strings: case and trailing spaces count, filters agree with
// [crm.CustomerFilter.Match], and the prefix search on the folded name
// and email keys uses their indexes. The credit limit is DECIMAL(20,4),
// which holds every amount [crm.Money] allows (16 digits before the
// point, 4 after), and is read back as text, never as a float. Times are
// DATETIME(6) in UTC. Custom fields are a JSON column whose values are
// JSON strings, so they round-trip exactly.
//
// Migrations hold a named lock (GET_LOCK) on their connection while they
// run, since MySQL commits every DDL statement on its own: processes
// opening one database at once apply each migration exactly once, the
// others waiting. Each migration creates its tables only if they do not
// exist, so one that failed halfway is finished by the next Open.
//
// # Errors
//
// Errors start with "mysql: " and match the crm sentinels: a taken
// primary key (1062) is [crm.ErrDuplicate], a foreign key naming a
// missing record (1452) [crm.ErrNotFound], deadlocks and lock timeouts
// [crm.ErrConflict], and a value the schema cannot hold (too long, not
// UTF-8, out of range: 1406, 1366, 1264, 1292) [crm.ErrInvalid];
// everything else matches [sqlstore.ErrDatabase]. The driver's
// *mysql.MySQLError stays in the chain for errors.As.
package mysql

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlstore"
)

// Option configures [Open].
type Option func(*config)

type config struct {
	maxOpenConns    int
	connMaxLifetime time.Duration
	statementCache  int
}

// Defaults of the options.
const (
	minMaxOpenConns        = 4
	defaultConnMaxLifetime = 3 * time.Minute
	defaultStatementCache  = 128
	maxIdleUncapped        = 16 // idle connections kept without a cap
)

// defaultMaxOpenConns returns the default cap of the pool: 4, or the
// number of CPUs the program may use if that is more (the default of
// pgx's pool).
func defaultMaxOpenConns() int { return max(minMaxOpenConns, runtime.GOMAXPROCS(0)) }

// WithMaxOpenConns caps the connections of the pool, which are also kept
// open when idle. The default is 4, or GOMAXPROCS if that is more: enough
// to keep a program's CPUs busy, few enough that a server shared by many
// replicas spends its time on work rather than on contention between
// sessions (on one hot row, many sessions mostly retry after conflicts).
// Calls beyond the cap wait for a free connection, so raise it for a
// program that spends most of its time waiting on the network, keeping
// the sum over every replica below the server's max_connections. Zero or
// less means no cap. As the Store is documented, a RunInTx fn must use
// only the Store it is given: one that called the outer Store would hold
// a connection while waiting for another, and with every connection so
// held, wait forever.
func WithMaxOpenConns(n int) Option {
	return func(c *config) { c.maxOpenConns = max(n, 0) }
}

// WithConnMaxLifetime sets how long a connection is used before it is
// replaced (default 3 minutes, below the idle timeouts of common proxies
// and load balancers, as the driver recommends). Zero or less means
// forever.
func WithConnMaxLifetime(d time.Duration) Option {
	return func(c *config) { c.connMaxLifetime = max(d, 0) }
}

// WithStatementCache sets how many of its queries the Store prepares once
// per connection and keeps (default 128; 0 prepares every query anew,
// costing a second round trip per call). Each kept query holds one
// prepared statement on every connection that ran it: keep n times the
// connections of every replica below the server's
// max_prepared_stmt_count (16382 by default).
func WithStatementCache(n int) Option {
	return func(c *config) { c.statementCache = max(n, 0) }
}

// Open connects to the MySQL or MariaDB database that dsn names, migrates
// its schema to this version of the package, and returns a Store over it
// that owns its connections: [sqlstore.Store.Close] closes them. See the
// package documentation for what Open sets on the connections. Open fails
// with [crm.ErrInvalid] if dsn cannot be parsed or names no database, with
// [sqlstore.ErrDatabase] if the server cannot be reached, refuses the
// login or has no such database, or if a migration fails, and with an
// error matching the context's error if ctx ends first. The driver's
// error stays in the chain; errors never repeat the password.
func Open(ctx context.Context, dsn string, opts ...Option) (*sqlstore.Store, error) {
	cfg := config{
		maxOpenConns:    defaultMaxOpenConns(),
		connMaxLifetime: defaultConnMaxLifetime,
		statementCache:  defaultStatementCache,
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	db, where, err := openDB(dsn, cfg)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*sqlstore.Store, error) {
		_ = db.Close()
		return nil, fmt.Errorf("mysql: open %s: %w", where, err)
	}
	if err := db.PingContext(ctx); err != nil {
		kind := sqlstore.ErrDatabase
		if cerr := ctx.Err(); cerr != nil {
			kind = cerr
		}
		if errors.Is(err, kind) {
			return fail(fmt.Errorf("connect: %w", err))
		}
		return fail(fmt.Errorf("connect: %w: %w", kind, err))
	}
	d := dialect{}
	if _, err := sqlstore.Migrate(ctx, db, d); err != nil {
		return fail(err)
	}
	storeOpts := []sqlstore.Option{sqlstore.OwnDB()}
	if cfg.statementCache > 0 {
		storeOpts = append(storeOpts, sqlstore.CacheStatements(cfg.statementCache))
	}
	s, err := sqlstore.New(db, d, storeOpts...)
	if err != nil {
		return fail(err)
	}
	return s, nil
}

// openDB parses dsn, sets what the Store needs on it and returns the pool
// of connections to it, not yet connected, and the server and database it
// names, for messages.
func openDB(dsn string, cfg config) (db *sql.DB, where string, err error) {
	mc, err := gomysql.ParseDSN(dsn)
	if err != nil {
		// The driver's messages do not repeat the DSN.
		return nil, "", fmt.Errorf("mysql: open: %w: %w", crm.ErrInvalid, err)
	}
	where = mc.Addr + "/" + mc.DBName
	if mc.DBName == "" {
		return nil, "", fmt.Errorf("mysql: open %s: the data source name names no database: %w", where, crm.ErrInvalid)
	}
	collation := mc.Collation
	if !strings.HasPrefix(collation, "utf8mb4_") || !isWord(collation) {
		collation = "utf8mb4_general_ci"
	}
	// utf8mb4 whatever charset the DSN names: in the handshake, and set
	// again with SET NAMES once connected, as the driver does for a
	// charset.
	if err := mc.Apply(gomysql.Charset("utf8mb4", collation)); err != nil {
		return nil, "", fmt.Errorf("mysql: open %s: %w: %w", where, crm.ErrInvalid, err)
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	mc.MultiStatements = true
	mc.InterpolateParams = false
	mc.ClientFoundRows = true
	base, err := gomysql.NewConnector(mc)
	if err != nil {
		return nil, "", fmt.Errorf("mysql: open %s: %w: %w", where, crm.ErrInvalid, err)
	}
	db = sql.OpenDB(&connector{Connector: base, setup: sessionSetup})
	db.SetMaxOpenConns(cfg.maxOpenConns)
	// Idle connections are kept up to the cap: a new one costs a
	// handshake, the session setup and the preparing of statements again.
	db.SetMaxIdleConns(cmp.Or(cfg.maxOpenConns, maxIdleUncapped))
	db.SetConnMaxLifetime(cfg.connMaxLifetime)
	return db, where, nil
}

// isWord reports whether s is made of ASCII letters, digits and _ only,
// as a collation name is, so that the driver can write it into SQL.
func isWord(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// sqlMode is the SQL mode of the Store's sessions: strict (a value that
// does not fit its column is an error, never cut to fit), no zero dates,
// and no silent change of storage engine. It is TRADITIONAL spelt out, the
// same on MySQL and MariaDB.
const sqlMode = "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"

// sessionSetup holds the statements that set up every new connection,
// run in one round trip: READ COMMITTED (see the package documentation),
// sqlMode and UTC. SET SESSION TRANSACTION is spelt the same on every
// version of MySQL and MariaDB, unlike the variable behind it
// (transaction_isolation, tx_isolation).
const sessionSetup = "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED;\n" +
	"SET SESSION sql_mode = '" + sqlMode + "', time_zone = '+00:00'"

// connector sets up each connection the driver's connector makes before
// database/sql uses it, so no connection of the pool is missed, including
// those made again after a lost one.
type connector struct {
	driver.Connector
	setup string
}

// Connect connects, runs the session setup and returns the connection as
// a [conn], or as it is should a future driver lack one of the methods
// conn forwards.
func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ex, ok := dc.(driver.ExecerContext)
	if !ok {
		_ = dc.Close()
		return nil, fmt.Errorf("connection of type %T cannot execute statements", dc)
	}
	if _, err := ex.ExecContext(ctx, c.setup, nil); err != nil {
		_ = dc.Close()
		return nil, fmt.Errorf("session setup: %w", err)
	}
	if full, ok := dc.(driverConn); ok {
		return conn{full}, nil
	}
	return dc, nil
}

// driverConn is every interface of database/sql/driver that the driver's
// connection implements and database/sql looks for.
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// conn is the driver's connection with one change: it begins a read-only
// REPEATABLE READ transaction, the kind the Store reads several tables
// in, in one round trip instead of the driver's two (SET TRANSACTION,
// then START TRANSACTION), so that reading a customer with its lists
// takes four round trips rather than five.
type conn struct{ driverConn }

// beginReadSnapshot starts a read-only transaction at REPEATABLE READ; SET
// TRANSACTION applies to the next transaction of the session only, which
// is the one START TRANSACTION starts.
const beginReadSnapshot = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;\nSTART TRANSACTION READ ONLY"

// BeginTx begins a transaction as the driver does, but for the read-only
// REPEATABLE READ ones, which it begins with beginReadSnapshot.
func (c conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if !opts.ReadOnly || sql.IsolationLevel(opts.Isolation) != sql.LevelRepeatableRead {
		return c.driverConn.BeginTx(ctx, opts)
	}
	if _, err := c.ExecContext(ctx, beginReadSnapshot, nil); err != nil {
		return nil, err
	}
	return readTx{c.driverConn}, nil
}

// readTx is a transaction begun by beginReadSnapshot, ended as the
// driver ends its own.
type readTx struct{ c driverConn }

func (t readTx) Commit() error {
	_, err := t.c.ExecContext(context.Background(), "COMMIT", nil)
	return err
}

func (t readTx) Rollback() error {
	_, err := t.c.ExecContext(context.Background(), "ROLLBACK", nil)
	return err
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// dialect is MySQL's and MariaDB's [sqlstore.Dialect].
type dialect struct{}

var (
	_ sqlstore.Dialect       = dialect{}
	_ sqlstore.DecimalSummer = dialect{}
	_ sqlstore.ShareLocker   = dialect{}
	_ sqlstore.DayGrouper    = dialect{}
	_ sqlstore.MonthGrouper  = dialect{}
)

func (dialect) Name() string { return "mysql" }

// ShareLock locks the rows a SELECT reads for [sqlstore.ShareLocker].
func (dialect) ShareLock() string { return "LOCK IN SHARE MODE" }

// UTCDate returns DATE(expr): DATETIME columns hold UTC.
func (dialect) UTCDate(expr string) string { return "DATE(" + expr + ")" }

// UTCMonth returns DATE_FORMAT(expr, '%Y-%m'): DATETIME columns hold
// UTC.
func (dialect) UTCMonth(expr string) string { return "DATE_FORMAT(" + expr + ", '%Y-%m')" }

// SumDecimal sums DECIMAL values, exactly, and reads the sum as text.
func (dialect) SumDecimal(expr string) string { return "CAST(SUM(" + expr + ") AS CHAR)" }

// Rebind returns query: MySQL takes "?" placeholders.
func (dialect) Rebind(query string) string { return query }

// Migrations returns the files in migrations/.
func (dialect) Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded: cannot happen
	}
	return sub
}

// The migration lock: a named lock of the server, held by a session, which
// outlives the commits that every DDL statement makes. Its name is the
// database's, hashed to fit the 64 characters a lock name may have, since
// named locks are global to the server.
const (
	migrationLock        = `CONCAT('crm_migrations_', SHA1(DATABASE()))`
	getMigrationLock     = `SELECT GET_LOCK(` + migrationLock + `, 5)`
	releaseMigrationLock = `DO RELEASE_LOCK(` + migrationLock + `)`

	createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT      NOT NULL PRIMARY KEY,
    applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB`
)

// LockMigrations takes the migration lock on the connection of tx,
// waiting while another process holds it and ctx lives, then creates
// schema_migrations if it is missing. The lock stays held when the DDL of
// a migration commits tx's work implicitly, until unlock releases it (or
// the connection ends).
func (dialect) LockMigrations(ctx context.Context, tx *sql.Tx) (func(context.Context) error, error) {
	for {
		var got sql.NullInt64
		if err := tx.QueryRowContext(ctx, getMigrationLock).Scan(&got); err != nil {
			return nil, err
		}
		if !got.Valid {
			return nil, errors.New("GET_LOCK failed")
		}
		if got.Int64 == 1 {
			break
		}
		// 0: timed out after 5s; try again unless ctx has ended.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	unlock := func(ctx context.Context) error {
		_, err := tx.ExecContext(ctx, releaseMigrationLock)
		return err
	}
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		_ = unlock(context.WithoutCancel(ctx))
		return nil, err
	}
	return unlock, nil
}

// Server error numbers ClassifyError knows.
const (
	erDupEntry            = 1062 // ER_DUP_ENTRY
	erDupEntryWithKeyName = 1586 // ER_DUP_ENTRY_WITH_KEY_NAME
	erNoReferencedRow     = 1216 // ER_NO_REFERENCED_ROW
	erNoReferencedRow2    = 1452 // ER_NO_REFERENCED_ROW_2
	erLockDeadlock        = 1213 // ER_LOCK_DEADLOCK
	erLockWaitTimeout     = 1205 // ER_LOCK_WAIT_TIMEOUT
	erCheckRead           = 1020 // ER_CHECKREAD: MariaDB's innodb_snapshot_isolation
	erDataTooLong         = 1406 // ER_DATA_TOO_LONG
	erTruncatedWrongValue = 1366 // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD: not UTF-8
	erWarnDataOutOfRange  = 1264 // ER_WARN_DATA_OUT_OF_RANGE
	erTruncatedDateTime   = 1292 // ER_TRUNCATED_WRONG_VALUE: a time out of range
)

// ClassifyError reads the server's error number of err. Besides the
// meanings [sqlstore.Dialect] lists, a value the schema cannot hold
// (longer than its column, not UTF-8, out of the column's range) is
// crm.ErrInvalid: it is the input that is wrong, not the database.
func (dialect) ClassifyError(err error) error {
	var e *gomysql.MySQLError
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Number {
	case erDupEntry, erDupEntryWithKeyName:
		return crm.ErrDuplicate
	case erNoReferencedRow, erNoReferencedRow2:
		return crm.ErrNotFound
	case erLockDeadlock, erLockWaitTimeout, erCheckRead:
		return crm.ErrConflict
	case erDataTooLong, erTruncatedWrongValue, erWarnDataOutOfRange, erTruncatedDateTime:
		return crm.ErrInvalid
	}
	return nil
}

// TimeArg returns t, which the driver sends in UTC (loc=UTC) with its
// microseconds, for a DATETIME(6) column.
func (dialect) TimeArg(t time.Time) any { return t.UTC() }

// dateTimeLayout is how MySQL writes a DATETIME(6) as text.
const dateTimeLayout = "2006-01-02 15:04:05.999999"

// ParseTime returns the time of a DATETIME column: a time.Time as the
// driver parses it (parseTime, loc=UTC), or its text.
func (dialect) ParseTime(src any) (time.Time, error) {
	var s string
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case []byte:
		s = string(v)
	case string:
		s = v
	default:
		return time.Time{}, fmt.Errorf("time column holds %T, want DATETIME", src)
	}
	t, err := time.ParseInLocation(dateTimeLayout, s, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("time column: %w", err)
	}
	return t, nil
}

// PrefixMatch compares bytewise, as the binary collation of the folded
// key columns does, so an index on column serves it.
func (dialect) PrefixMatch(column, prefix string) (string, []any) {
	return sqlstore.RangePrefixMatch(column, prefix)
}
