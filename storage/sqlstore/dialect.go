package sqlstore

import (
	"context"
	"database/sql"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Dialect is what one database needs beyond the SQL that sqlstore shares
// between all of them. The queries in sqlstore are written once, with "?"
// placeholders and SQL every supported database understands; a Dialect
// rewrites the placeholders, supplies the schema, translates errors and
// encodes the few values whose column types differ.
//
// Implementations live in the adapter packages (storage/sqlite, and
// storage/postgres and storage/mysql after them) together with their
// migration files. A Dialect must be safe for concurrent use; the ones in
// this module are stateless.
type Dialect interface {
	// Name names the database, such as "sqlite". It starts the messages
	// of the Store's errors.
	Name() string

	// Rebind rewrites a query written with "?" placeholders into the
	// database's own placeholder style. SQLite and MySQL return query
	// as it is; PostgreSQL numbers them ([RebindDollar]).
	Rebind(query string) string

	// Migrations returns the dialect's migration files: one file per
	// version at the root of the FS, named NNNN_description.sql (such as
	// 0001_customers.sql), applied in ascending version order by
	// [Migrate]. A file's statements run in one Exec call, so the driver
	// must accept several statements in one call (MySQL: multiStatements).
	//
	// The schema must compare text exactly and bytewise, as Go compares
	// strings: pages are ordered and continued by ID (ORDER BY id, id >
	// cursor), and filters compare owners, tags, emails and the rest for
	// equality, as crm.CustomerFilter.Match does. SQLite's default BINARY
	// collation does; PostgreSQL needs COLLATE "C" on the ID columns (or
	// a "C" database) and MySQL a binary collation that keeps trailing
	// spaces (utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL) on
	// every text column, whose defaults ignore case and accents.
	Migrations() fs.FS

	// LockMigrations is called first in the transaction of every
	// migration [Migrate] applies, before it reads which versions are
	// applied. It must make sure the table
	//
	//	schema_migrations(version integer primary key, applied_at <time column>)
	//
	// exists, and hold a lock that keeps every other migrator of the same
	// database waiting until tx ends, so that two processes starting at
	// once do not apply a migration twice. SQLite holds the database's
	// write lock from BEGIN IMMEDIATE; PostgreSQL can LOCK TABLE
	// schema_migrations, or SELECT … FOR UPDATE a lock row where LOCK
	// TABLE is missing. Where DDL commits implicitly (MySQL) the lock
	// must outlive those commits, such as a named lock on the connection
	// of tx; unlock, if not nil, is then called on tx before it commits
	// or rolls back, to release it.
	LockMigrations(ctx context.Context, tx *sql.Tx) (unlock func(context.Context) error, err error)

	// ClassifyError says what a driver error means to a caller: it
	// returns crm.ErrDuplicate for a unique or primary key violation,
	// crm.ErrNotFound for a foreign key violation (a record names one
	// that does not exist), crm.ErrConflict when a concurrent writer
	// made the operation fail (busy, locked, serialization failure,
	// deadlock), crm.ErrInvalid for a value the schema cannot hold (too
	// long, not UTF-8, out of range) where the database reports that, and
	// nil for anything else, which the Store reports as [ErrDatabase]. The Store keeps err in the chain it returns, so
	// errors.As still finds the driver's error.
	ClassifyError(err error) error

	// TimeArg returns the value to bind for a time column. t is never
	// the zero time (zero times are stored as NULL) and is already in UTC
	// at microsecond precision.
	TimeArg(t time.Time) any

	// ParseTime turns a non-NULL value scanned from a time column into a
	// time. The Store puts the result in UTC at microsecond precision.
	ParseTime(src any) (time.Time, error)

	// PrefixMatch returns a condition that holds when column starts with
	// prefix, compared byte by byte, with "?" placeholders, and the
	// arguments to bind for them. prefix is not empty, and it and the
	// column hold text folded by the Store (see the package
	// documentation), so the comparison needs no case rules of the
	// database. The condition should let the database use an index on
	// column; [RangePrefixMatch] does that wherever text compares
	// bytewise.
	PrefixMatch(column, prefix string) (cond string, args []any)
}

// Copier is implemented by a [Dialect] whose database loads many rows
// faster than multi-row INSERTs can, such as PostgreSQL with COPY. The
// Store's bulk writes ([Store.CreateCustomers]) use it when the Dialect
// has it, and multi-row INSERTs otherwise.
type Copier interface {
	// CopyRows adds rows to table, each row holding the values of
	// columns in that order, and returns the number of rows it added.
	//
	// driverConn is the driver's connection (as [sql.Conn.Raw] gives it)
	// in the middle of a write transaction of the Store, which CopyRows
	// must leave open: the rows belong to that transaction, and the Store
	// rolls them back, to a savepoint inside [Store.RunInTx], if CopyRows
	// or anything after it in the transaction fails. Nothing else uses
	// the connection until CopyRows returns; it must return, not call
	// runtime.Goexit.
	//
	// table and columns are names from the Store's schema, lowercase and
	// unquoted, to be resolved as the Store's own queries resolve them
	// (the table through the connection's search path). The values are
	// those the Store binds to its queries: nil for NULL, string, bool,
	// int, int64, and what [Dialect.TimeArg] returns for a time; an exact
	// decimal and a JSON document are given as their text.
	//
	// Errors are classified by [Dialect.ClassifyError] as those of the
	// Store's queries are, so a taken key must fail as an INSERT would
	// ([crm.ErrDuplicate]). CopyRows may decline, before it writes
	// anything, by returning an error matching [driver.ErrSkip] (for
	// instance when driverConn is not of the driver it knows); the Store
	// then inserts the rows with INSERT.
	CopyRows(ctx context.Context, driverConn any, table string, columns []string, rows [][]any) (int64, error)
}

// ArgLimiter is implemented by a [Dialect] whose driver runs short
// statements faster than long ones. modernc.org/sqlite binds the
// arguments of a statement in time that grows with the square of their
// number, and parses every statement it is not given prepared, so there
// multi-row INSERTs of a few rows and IN lists of a few values, each
// statement small enough for the statement cache ([CacheStatements]),
// beat one long statement. Without it a multi-row INSERT takes up to 500
// rows and a lookup IN list takes every value it is given, which suits
// databases reached over a network, where each statement is a round
// trip.
type ArgLimiter interface {
	// MaxArgs caps the values of one statement the Store builds from a
	// list; a statement still takes one row, whatever its width.
	MaxArgs() int
}

// SerialWriter is implemented by a [Dialect] whose write transactions
// hold the database's only write lock from their first statement, as
// SQLite's do with BEGIN IMMEDIATE, so that what such a transaction
// reads stays true until it ends. Inside [Store.RunInTx] a bulk write
// ([Store.CreateCustomers]) then checks its keys first and writes without
// the savepoint that otherwise makes it all or none: SQLite copies every
// page a savepoint's writes touch to a sub-journal first, which costs a
// bulk insert into indexed tables a fifth of its time. A refused write
// still leaves the transaction as it was. A write that fails after all
// the same (an I/O error, an interrupted statement) leaves it
// unusable: every later call in it fails, and so does RunInTx, which
// rolls it back.
type SerialWriter interface {
	// SerialWrites reports whether write transactions hold the write
	// lock from their start.
	SerialWrites() bool
}

// ShareLocker is implemented by a [Dialect] whose write transactions run
// side by side (not a [SerialWriter]) and can lock a row for reading:
// [Store.LockCustomer] then locks the customer it reads, so that a merge
// waits for a transaction adding a record to the customer, or the
// transaction for the merge. Without it, on such a database,
// LockCustomer only reads.
type ShareLocker interface {
	// ShareLock returns the clause that, appended to a SELECT of one
	// table, takes a shared lock on the rows it reads until the
	// transaction ends, waiting for a writer of them: "FOR SHARE" on
	// PostgreSQL, "LOCK IN SHARE MODE" on MySQL and MariaDB.
	ShareLock() string
}

// RebindDollar rewrites the "?" placeholders of query into PostgreSQL's
// $1, $2, …, leaving question marks inside quoted literals and
// identifiers alone. It is meant for [Dialect.Rebind].
func RebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte // the quote we are inside, or 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// RangePrefixMatch is a [Dialect.PrefixMatch] for databases that compare
// text byte by byte (SQLite's default BINARY collation; PostgreSQL with
// COLLATE "C"; MySQL with a binary NO PAD collation): column >= prefix AND column
// < the least string above every string that starts with prefix. Both
// bounds can use an ordinary index on column.
func RangePrefixMatch(column, prefix string) (cond string, args []any) {
	hi, ok := prefixEnd(prefix)
	if !ok {
		return column + " >= ?", []any{prefix}
	}
	return "(" + column + " >= ? AND " + column + " < ?)", []any{prefix, hi}
}

// prefixEnd returns the least string that sorts, byte by byte, after every
// string that starts with prefix, which must be valid UTF-8: prefix with
// its last rune that can grow increased by one. ok is false when there is
// no such string (prefix is empty or all U+10FFFF). UTF-8 keeps the order
// of code points, so bytewise order and rune order agree.
func prefixEnd(prefix string) (end string, ok bool) {
	rs := []rune(prefix)
	for i := len(rs) - 1; i >= 0; i-- {
		r := rs[i] + 1
		if r == 0xD800 { // surrogates are not valid runes; skip them
			r = 0xE000
		}
		if r <= unicode.MaxRune {
			rs[i] = r
			return string(rs[:i+1]), true
		}
	}
	return "", false
}
