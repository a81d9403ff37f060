package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/crmkit/crm"
)

// RunInTx calls fn with a Store whose reads and writes form one database
// transaction. If fn returns nil the transaction commits; if fn returns an
// error or panics, it rolls back and RunInTx returns fn's error unchanged
// or re-panics. If ctx is done by the time fn returns, the transaction
// rolls back and RunInTx returns an error matching the context's error; a
// commit refused because of a concurrent writer returns an error matching
// [crm.ErrConflict].
//
// The transaction works in the tenant of ctx ([crm.TenantFrom]): every
// call on the Store fn is given reads and writes that tenant's records,
// whatever tenant the context of the call carries, so that one
// transaction never mixes tenants.
//
// fn must use only the Store it is given. It must not hold the Store after
// RunInTx returns: its calls then fail. The transaction is the database's
// (isolation and locking as the adapter documents); the Store holds no lock
// of its own.
//
// RunInTx on a transaction's Store joins that transaction with a
// savepoint: if the inner fn fails or panics, the database rolls back to
// the savepoint, undoing the inner writes only, and the error goes to the
// outer fn, which may go on. Nested calls from several goroutines at once
// are not supported.
func (s *Store) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	const op = "run in tx"
	if fn == nil {
		return fmt.Errorf("%s: %s: nil fn: %w", s.d.Name(), op, crm.ErrInvalid)
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	if s.tx != nil {
		var fnErr error
		err := s.inSavepoint(ctx, func() error { fnErr = fn(s); return fnErr })
		switch {
		case fnErr != nil:
			return fnErr
		case err != nil:
			return s.fail(ctx, op, err)
		}
		return nil
	}

	c, tx, err := s.beginOnConn(ctx)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	// Also when fn panics or calls runtime.Goexit: roll back (after
	// Commit, Rollback does nothing), then give the connection back.
	defer c.release()
	defer tx.Rollback() //nolint:errcheck // the error of fn or Commit counts
	txs := &txState{conn: c, tenant: crm.TenantFrom(ctx)}

	if err := fn(&Store{db: s.db, d: s.d, q: tx, tx: txs, sh: s.sh}); err != nil {
		return err
	}
	if err := txs.usable(); err != nil {
		return s.fail(ctx, "commit", err)
	}
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "commit", err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "commit", err)
	}
	return nil
}

// beginAttempts bounds the connections beginOnConn tries, as
// database/sql's BeginTx does, when one turns out to be broken.
const beginAttempts = 3

// txConn is a connection of the pool held for one write transaction.
// database/sql does not tell which connection a *sql.Tx runs on, so the
// Store begins its write transactions on a *sql.Conn of its own, and
// reaches the driver's connection through it, with Raw, while the
// transaction is open (see [Copier]).
type txConn struct {
	conn *sql.Conn
	// broken is set when the driver's connection may be unusable (a
	// CopyRows panicked or reported it bad): release then closes it
	// rather than return it to the pool.
	broken atomic.Bool
}

// beginOnConn takes a connection from the pool and begins a transaction
// on it, with the database's default isolation. The caller must end the
// transaction, then call release. A connection found broken at BEGIN is
// discarded and another one tried, as db.BeginTx would.
func (s *Store) beginOnConn(ctx context.Context) (*txConn, *sql.Tx, error) {
	for attempt := 1; ; attempt++ {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return nil, nil, err
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err == nil {
			return &txConn{conn: conn}, tx, nil
		}
		_ = conn.Close() // done already if err is driver.ErrBadConn
		if !errors.Is(err, driver.ErrBadConn) || attempt == beginAttempts {
			return nil, nil, err
		}
	}
}

// release gives the connection back to the pool, once its transaction
// has ended, or closes it if it is broken.
func (c *txConn) release() {
	if c.broken.Load() {
		// Raw closes the connection, rather than give it back, when f
		// reports it bad.
		_ = c.conn.Raw(func(any) error { return driver.ErrBadConn })
		return
	}
	_ = c.conn.Close()
}

// copyRows calls copier's CopyRows on the driver's connection of c,
// whose transaction is open.
//
// Raw must see neither a panic nor an error matching driver.ErrBadConn
// from its f: either makes it close the connection, which waits for the
// transaction on it to end, and the transaction ends only after Raw
// returns. So f returns nil and passes the outcome out in variables; a
// panic is raised again once Raw has returned, and a broken connection
// is closed by release, after the transaction.
func (c *txConn) copyRows(ctx context.Context, copier Copier, table string, columns []string, rows [][]any) (int64, error) {
	var (
		n        int64
		err      error
		panicked any
	)
	rawErr := c.conn.Raw(func(dc any) error {
		defer func() { panicked = recover() }()
		n, err = copier.CopyRows(ctx, dc, table, columns, rows)
		return nil
	})
	switch {
	case panicked != nil:
		c.broken.Store(true)
		panic(panicked)
	case rawErr != nil: // the connection is closed
		return 0, rawErr
	case errors.Is(err, driver.ErrBadConn):
		c.broken.Store(true)
	}
	return n, err
}

// inSavepoint runs fn inside a savepoint of the transaction of s: if fn
// fails or panics, the transaction rolls back to the savepoint, so that
// fn's writes are undone and the transaction remains usable. fn's error is
// returned as it is.
func (s *Store) inSavepoint(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := "crm_sp_" + strconv.FormatInt(s.tx.savepoint.Add(1), 10)
	if _, err := s.q.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	released := false
	defer func() {
		if released {
			return
		}
		// Undo fn's writes even when ctx has ended since.
		bg := context.WithoutCancel(ctx)
		_, _ = s.q.ExecContext(bg, "ROLLBACK TO SAVEPOINT "+name)
		_, _ = s.q.ExecContext(bg, "RELEASE SAVEPOINT "+name)
	}()
	if err := fn(); err != nil {
		return err
	}
	if _, err := s.q.ExecContext(ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return err
	}
	released = true
	return nil
}
