package sqlstore

import (
	"context"
	"fmt"
	"strconv"

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

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	committed := false
	defer func() { // also when fn panics or calls runtime.Goexit
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(&Store{db: s.db, d: s.d, q: tx, tx: &txState{}, sh: s.sh}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "commit", err)
	}
	committed = true // a failed Commit has ended the transaction too
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "commit", err)
	}
	return nil
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
