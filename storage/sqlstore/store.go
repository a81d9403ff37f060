// Package sqlstore is the [crm.Store] over database/sql that the SQL
// adapters share: storage/sqlite today, storage/postgres and
// storage/mysql on the same code. It imports no driver. An adapter opens
// a *sql.DB, applies its migrations with [Migrate] and wraps the database
// with [New] and its [Dialect]; the Dialect holds everything that differs
// between databases (placeholders, schema, error codes, time columns,
// prefix search, and optionally a faster bulk load, [Copier]), and the
// queries here are written once for all of them.
//
// # Schema
//
// Every core field has a typed column of its own, so that a person at a
// SQL console or a BI tool can read the tables; only custom fields are
// JSON. The tables, per dialect in its migration files:
//
//   - customers: one row per customer. Text fields are NOT NULL and ""
//     when empty, so that a filter for "" (no region, no owner) is a plain
//     comparison, as [crm.CustomerFilter.Match] has it. Times are NULL when
//     zero, otherwise UTC at microsecond precision (in SQLite TEXT in the
//     fixed-width, sortable form 2006-01-02T15:04:05.000000Z). The credit
//     limit is credit_limit_amount, an exact decimal (TEXT in SQLite,
//     NUMERIC/DECIMAL elsewhere; never a float, and read back as text,
//     never through float64), NULL for the zero Money, and
//     credit_limit_currency. Custom fields are one JSON object in custom,
//     each value {"type":"number","value":"12.50"}
//     ([crm.CustomValue.MarshalJSON]), NULL when there are none.
//   - customer_emails, customer_phones, customer_tags: a customer's lists,
//     one row per element with its position, so that they come back in
//     the order stored and exact email, phone and tag filters use an
//     index.
//   - contacts, with contact_emails and contact_phones.
//   - pipelines, with pipeline_stages (one row per stage, by position:
//     stage_key, name, probability, category, and in requires the names
//     of the required fields separated by single spaces) and
//     pipeline_lost_reasons.
//   - opportunities: a column per field, the amount as amount (exact, NULL
//     for the zero Money) and amount_currency as the credit limit is, the
//     close date as a time column holding midnight UTC (as birth_date);
//     foreign keys to customers and pipelines, none on contact_id and
//     lead_id, which may be "".
//   - opportunity_changes: a deal's history, keyed by (opportunity_id,
//     version), with a column per field of [crm.OpportunityChange].
//   - orders: a column per field; the order's currency once, in currency,
//     beside total and paid (exact, NULL for the zero Money); a foreign
//     key to customers, none on opportunity_id, which may be "".
//   - order_lines: an order's lines by position, quantity, unit_price and
//     discount exact (discount NULL for none), in the order's currency.
//   - payments: a column per field, amount exact beside its currency;
//     foreign keys to orders and customers.
//   - cases: a column per field of [crm.Case], its SLA facts included
//     (times, the business durations in nanoseconds, the due times), an
//     index per filter; source NULL when empty, unique per customer;
//     a foreign key to customers, none on contact_id.
//   - case_changes: a case's history, keyed by (case_id, version).
//   - surveys: a column per field of [crm.Survey].
//   - responses: a column per field of [crm.Response], the survey's kind
//     among them so that scores group without a join; foreign keys to
//     surveys and customers, none on contact_id, case_id and
//     opportunity_id, which may be "". A unique index on (survey_id, wave,
//     respondent_id) keeps one response per respondent and wave for every
//     writer; a merge moves customer_id and leaves respondent_id.
//   - interactions: a column per field of [crm.Interaction] (At in
//     occurred_at), an index per filter, and interactions_last
//     (customer_id, occurred_at, id), from whose end LastContacts takes
//     each customer's latest interaction in one step; a foreign key to
//     customers, none on contact_id, opportunity_id and case_id.
//   - contact_claims: a column per field of [crm.ContactClaim] (At and
//     Until in claimed_at and expires_at), unique on (customer_id, seq),
//     which lets only one of two concurrent claims through; a foreign key
//     to customers.
//   - tasks: a column per field of [crm.Task] (Due in due_at), an index
//     per filter; source NULL when empty, unique across all tasks; a
//     foreign key to customers, none on contact_id, opportunity_id and
//     case_id.
//   - owner_changes: the ownership history, a column per field of
//     [crm.OwnerChange] (From and To in from_owner and to_owner, At and
//     By in changed_at and changed_by), an index per filter; no foreign
//     key, since an entry outlives its record, and customer_id "" for a
//     lead not converted.
//   - schema_migrations: the applied migration versions ([Migrate]).
//
// Every table the Store writes has tenant_id, the tenant of the row
// ([crm.TenantFrom] of the context it was written in; "" for rows older
// than the column). Every statement names the tenant of its call: an
// INSERT writes it, and every SELECT, UPDATE and DELETE has "tenant_id =
// ?" on the table it reads or writes, or reaches the rows of a list
// table through a parent row that has it. IDs stay unique across
// tenants: the primary keys on id are unchanged, so an ID another tenant
// holds fails as a duplicate. A record naming a parent (a contact's
// customer, a payment's order) is written only after the parent is
// found in the tenant, since the foreign keys check the ID alone. The
// logs are per tenant: log_heads is keyed by (tenant_id, name), audit_log
// and events by (tenant_id, seq), each tenant numbering from 1, and
// event_checkpoints by (tenant_id, consumer). Inside [Store.RunInTx] the
// tenant is that of RunInTx's context, for every call of the
// transaction.
//
// name_fold (customers) and address_fold (customer_emails) hold the
// search key of the name and address: each rune replaced by the least
// rune that [strings.EqualFold] takes as equal to it. Search folds its
// text the same way and asks for a prefix of the key ([Dialect.PrefixMatch]),
// so it ignores case for every letter, not only ASCII ones, treats "%" and
// "_" as text, agrees with [crm.CustomerFilter.Match], and can use an
// index. The Store writes the keys; a program writing the tables itself
// must keep them, with [SearchKey].
//
// # Behaviour
//
// A [Store] passes the conformance suite in storage/storetest:
//
//   - Listings are keyset pages in ascending ID order: WHERE id > cursor
//     ORDER BY id LIMIT n+1, the cursor being the last ID of the page.
//     Limit 0 means [crm.DefaultPageLimit], a Limit above
//     [crm.MaxPageLimit] is lowered to it, and a negative Limit fails with
//     [crm.ErrInvalid]. Opportunity histories are keyset pages on their
//     key (opportunity_id, version), the cursor encoding both.
//   - Updates and deletes compare versions in the statement
//     (UPDATE … WHERE id = ? AND version = ?); optimistic versions are the
//     only concurrency control, so no row is locked while a caller
//     thinks. Outside RunInTx an update first reads the stored version,
//     so that a stale one fails without waiting for a write lock. A write touching several tables runs in one transaction,
//     and inside [Store.RunInTx] in a savepoint, so that a failed call
//     changes nothing and leaves the caller's transaction usable.
//   - A read touching several tables (a customer and its lists) runs in
//     one read-only, repeatable-read transaction, so it sees one version
//     of the record.
//   - Bulk writes ([Store.CreateCustomers]) load each table in one go,
//     all in one transaction (inside RunInTx, one savepoint), so a batch
//     is stored whole or not at all: with the Dialect's CopyRows where it
//     is a [Copier] (PostgreSQL's COPY), otherwise with multi-row INSERTs
//     of up to 500 rows each (SQLite, MySQL). A Copier works on the
//     driver's connection of the transaction, which database/sql does
//     not expose on a *sql.Tx; so write transactions that may copy
//     (RunInTx's, and CreateCustomers' own) are begun on a *sql.Conn
//     held until the transaction ends, and CopyRows reaches the driver
//     through [sql.Conn.Raw].
//   - Errors start with the dialect's name and wrap a crm sentinel
//     ([crm.ErrNotFound], [crm.ErrConflict], [crm.ErrDuplicate],
//     [crm.ErrInvalid]), the context's error, [ErrClosed] or
//     [ErrDatabase]; a driver error is kept in the chain for errors.As but
//     never returned on its own. A call whose context ends while the
//     database works fails with an error matching the context's error,
//     whatever the driver made of the interruption.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/crmkit/crm"
)

// Errors of this package, besides the crm sentinels.
var (
	// ErrClosed is returned by every method of a Store called after
	// [Store.Close], Close included.
	ErrClosed = errors.New("sqlstore: store closed")
	// ErrDatabase marks a failure of the database that means nothing to
	// the CRM: a lost connection, a full disk, a broken schema. The
	// driver's error follows it in the chain.
	ErrDatabase = errors.New("sqlstore: database error")
	// ErrTxAborted is returned by every call in a transaction, and by
	// its RunInTx, after a write in it failed halfway without a savepoint
	// to roll back to ([SerialWriter]); the write's error follows it in
	// the chain. The transaction rolls back.
	ErrTxAborted = errors.New("sqlstore: transaction aborted")
)

// dbtx is what queries run on: a *sql.DB, a *sql.Tx or a *sql.Conn.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ dbtx = (*sql.DB)(nil)
	_ dbtx = (*sql.Tx)(nil)
	_ dbtx = (*sql.Conn)(nil)
)

// Store is a [crm.Store] over a *sql.DB. Create one with [New]; the zero
// Store is not usable. A Store is safe for concurrent use by multiple
// goroutines; how many of them the database serves at once is the
// adapter's business (SQLite: one writer).
//
// [Store.RunInTx] hands its fn a Store of the same type bound to the
// transaction.
type Store struct {
	db *sql.DB
	d  Dialect
	q  dbtx     // db, or the transaction
	tx *txState // nil, except on the Store that RunInTx hands to fn
	sh *shared
}

var _ crm.Store = (*Store)(nil)

// shared is what a Store and the Stores of its transactions share.
type shared struct {
	closed atomic.Bool
	ownDB  bool
	stmts  *stmtCache // nil without CacheStatements
}

// txState is the state of the transaction a Store works in (the
// transaction itself is the Store's q).
type txState struct {
	savepoint atomic.Int64 // the number of the last savepoint made
	conn      *txConn      // the connection the transaction runs on
	// tenant is the tenant of the context RunInTx was called with: every
	// call in the transaction works in it, whatever its own context says.
	tenant string

	// aborted holds the error of a write that failed halfway outside a
	// savepoint ([SerialWriter]): the transaction can then only roll
	// back.
	aborted atomic.Pointer[error]
}

// tenant returns the tenant the Store works in for a call with ctx: that
// of its transaction inside RunInTx, otherwise crm.TenantFrom(ctx). Every
// statement of the Store names it, with "tenant_id = ?" in its WHERE
// clauses and the tenant_id column in its INSERTs.
func (s *Store) tenant(ctx context.Context) string {
	if s.tx != nil {
		return s.tx.tenant
	}
	return crm.TenantFrom(ctx)
}

// abort marks the transaction unusable after err, the failure of a write
// made without a savepoint, and returns err.
func (t *txState) abort(err error) error {
	t.aborted.CompareAndSwap(nil, &err)
	return err
}

// usable returns nil, or an error saying why the transaction can only
// roll back.
func (t *txState) usable() error {
	if p := t.aborted.Load(); p != nil {
		return fmt.Errorf("%w by an earlier write: %w", ErrTxAborted, *p)
	}
	return nil
}

// Option configures a Store made by [New].
type Option func(*config)

type config struct {
	ownDB           bool
	cacheStatements int
}

// OwnDB makes the Store own its database: [Store.Close] closes it. An
// adapter's Open, which opens the database itself, passes it. Without it
// the caller keeps the database, and must close it after closing the
// Store.
func OwnDB() Option {
	return func(c *config) { c.ownDB = true }
}

// New returns a Store over db, whose schema must be up to date (see
// [Migrate]). New does not touch the database. It fails with
// [crm.ErrInvalid] if db or d is nil.
func New(db *sql.DB, d Dialect, opts ...Option) (*Store, error) {
	if db == nil || d == nil {
		return nil, fmt.Errorf("sqlstore: new: need a database and a dialect: %w", crm.ErrInvalid)
	}
	var cfg config
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	sh := &shared{ownDB: cfg.ownDB}
	if cfg.cacheStatements > 0 {
		sh.stmts = newStmtCache(cfg.cacheStatements)
	}
	return &Store{db: db, d: d, q: db, sh: sh}, nil
}

// DB returns the database the Store works on, for queries the Store does
// not offer, such as reports. Writing to the Store's tables directly
// bypasses its version checks and search keys. Do not close it: close the
// Store.
func (s *Store) DB() *sql.DB { return s.db }

// Close marks the Store closed, so that every later call fails with
// [ErrClosed], and closes the database if the Store owns it ([OwnDB]). A
// second Close fails with ErrClosed too. On the Store of a transaction
// Close fails with [crm.ErrInvalid]: the transaction ends when RunInTx
// returns.
func (s *Store) Close() error {
	if s.tx != nil {
		return fmt.Errorf("%s: close: inside a transaction: %w", s.d.Name(), crm.ErrInvalid)
	}
	if !s.sh.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("%s: close: %w", s.d.Name(), ErrClosed)
	}
	s.sh.stmts.close()
	if s.sh.ownDB {
		if err := s.db.Close(); err != nil {
			return fmt.Errorf("%s: close: %w", s.d.Name(), &dbError{kind: ErrDatabase, err: err})
		}
	}
	return nil
}

// begin checks that the Store may be used with ctx: it is open and ctx is
// live.
func (s *Store) begin(ctx context.Context) error {
	if s.tx != nil {
		if err := s.tx.usable(); err != nil {
			return err
		}
		return ctx.Err()
	}
	if s.sh.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.preparePending(ctx)
	return nil
}

// fail wraps err, the failure of operation op, with the dialect's name
// and the operation, translating driver errors first.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.d.Name(), op, s.translate(ctx, err))
}

// dbError is a driver error together with what it means: a crm sentinel,
// the context's error, or ErrDatabase.
type dbError struct {
	kind error
	err  error
}

func (e *dbError) Error() string   { return e.kind.Error() + ": " + e.err.Error() }
func (e *dbError) Unwrap() []error { return []error{e.kind, e.err} }

// translate returns err with its meaning attached: errors this package
// made pass through; sql.ErrNoRows becomes crm.ErrNotFound; an error
// while ctx is done matches ctx's error; the Dialect classifies the rest,
// and what it does not know is ErrDatabase.
func (s *Store) translate(ctx context.Context, err error) error {
	var de *dbError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de),
		errors.Is(err, ErrClosed),
		errors.Is(err, ErrTxAborted),
		errors.Is(err, crm.ErrNotFound),
		errors.Is(err, crm.ErrConflict),
		errors.Is(err, crm.ErrDuplicate),
		errors.Is(err, crm.ErrInvalid):
		return err
	case errors.Is(err, sql.ErrNoRows):
		return crm.ErrNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	if cerr := ctx.Err(); cerr != nil {
		// The driver may report an interrupted statement in its own
		// words (SQLite: "interrupted").
		return &dbError{kind: cerr, err: err}
	}
	kind := s.d.ClassifyError(err)
	if kind == nil {
		kind = ErrDatabase
	}
	return &dbError{kind: kind, err: err}
}

// atomically runs fn, which writes, so that either all its writes take
// effect or none: in a transaction of its own, or inside RunInTx in a
// savepoint, so that a failure leaves the caller's transaction as it was
// and usable (PostgreSQL refuses every statement of a transaction after
// a failed one, unless it is rolled back to a savepoint).
func (s *Store) atomically(ctx context.Context, fn func(q dbtx) error) error {
	if s.tx != nil {
		return s.inSavepoint(ctx, func() error { return fn(s.q) })
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// execWrite runs query, one statement that writes, so that a failure
// changes nothing: on its own outside RunInTx, where one statement is
// atomic by itself, and inside RunInTx in a savepoint, so that a refused
// write (a taken key, a missing record) leaves the caller's transaction
// usable, as atomically does.
func (s *Store) execWrite(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.tx == nil {
		return s.exec(ctx, s.q, query, args...)
	}
	var res sql.Result
	err := s.inSavepoint(ctx, func() error {
		var err error
		res, err = s.exec(ctx, s.q, query, args...)
		return err
	})
	return res, err
}

// atomicallyOnConn is atomically for a write that needs the connection
// of its transaction, to copy rows ([Copier]): fn gets the transaction
// and the connection it runs on. Outside RunInTx the transaction is
// begun on a connection held for it and given back when it ends.
func (s *Store) atomicallyOnConn(ctx context.Context, fn func(q dbtx, c *txConn) error) error {
	if s.tx != nil {
		return s.inSavepoint(ctx, func() error { return fn(s.q, s.tx.conn) })
	}
	c, tx, err := s.beginOnConn(ctx)
	if err != nil {
		return err
	}
	defer c.release()
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	if err := fn(tx, c); err != nil {
		return err
	}
	return tx.Commit()
}

// read runs fn, which reads several tables, so that it sees one state of
// the database: in a read-only transaction of its own, or in the
// transaction of RunInTx.
func (s *Store) read(ctx context.Context, fn func(q dbtx) error) error {
	if s.tx != nil {
		return fn(s.q)
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	return fn(tx)
}

// pageLimit returns the page size a filter's limit asks for.
func pageLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return crm.DefaultPageLimit, nil
	case limit < 0:
		return 0, fmt.Errorf("limit %d: %w", limit, crm.ErrInvalid)
	case limit > crm.MaxPageLimit:
		return crm.MaxPageLimit, nil
	}
	return limit, nil
}
