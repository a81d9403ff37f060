package sqlstore_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
	"github.com/crmkit/crm/storage/sqlstore"
)

// fakeCopier is SQLite's Dialect made a [sqlstore.Copier]: CopyRows
// inserts the rows one by one on the driver's connection it is given,
// so that they are stored only if that connection's transaction commits.
// It records the tables and connections of its calls; hook, if set, is
// called first and may fail the call or panic.
type fakeCopier struct {
	sqlstore.Dialect
	hook func(table string) error

	mu    sync.Mutex
	calls []copyCall
}

type copyCall struct {
	table string
	conn  any
}

var _ sqlstore.Copier = (*fakeCopier)(nil)

func (c *fakeCopier) CopyRows(ctx context.Context, dc any, table string, columns []string, rows [][]any) (int64, error) {
	c.mu.Lock()
	c.calls = append(c.calls, copyCall{table, dc})
	hook := c.hook
	c.mu.Unlock()
	if hook != nil {
		if err := hook(table); err != nil {
			return 0, err
		}
	}
	ex, ok := dc.(driver.ExecerContext)
	if !ok {
		return 0, fmt.Errorf("connection %T cannot execute", dc)
	}
	query := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ") + ")"
	for i, row := range rows {
		args := make([]driver.NamedValue, len(row))
		for j, v := range row {
			dv, err := driver.DefaultParameterConverter.ConvertValue(v)
			if err != nil {
				return int64(i), err
			}
			args[j] = driver.NamedValue{Ordinal: j + 1, Value: dv}
		}
		if _, err := ex.ExecContext(ctx, query, args); err != nil {
			return int64(i), err
		}
	}
	return int64(len(rows)), nil
}

// takeCalls returns the calls so far and forgets them.
func (c *fakeCopier) takeCalls() []copyCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	calls := c.calls
	c.calls = nil
	return calls
}

// tables returns the tables of calls.
func tables(calls []copyCall) []string {
	var ts []string
	for _, c := range calls {
		ts = append(ts, c.table)
	}
	return ts
}

// openCopier opens a Store on a new SQLite file whose pool has one
// connection, with SQLite's Dialect wrapped in a fakeCopier.
func openCopier(t *testing.T) (*sqlstore.Store, *fakeCopier) {
	t.Helper()
	base, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "crm.db"), sqlite.WithMaxOpenConns(1))
	require.NoError(t, err)
	t.Cleanup(func() { _ = base.Close() })
	copier := &fakeCopier{Dialect: sqlstore.DialectOf(base)}
	s, err := sqlstore.New(base.DB(), copier)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() }) // before base closes the database
	return s, copier
}

// batch returns n customers with IDs prefix-0, prefix-1, …, each with an
// email and a phone, and tags on the first.
func batch(prefix string, n int) []*crm.Customer {
	cs := make([]*crm.Customer, n)
	for i := range cs {
		id := fmt.Sprintf("%s-%d", prefix, i)
		cs[i] = &crm.Customer{
			ID: id, Kind: crm.KindPerson, Name: "Name " + id, Version: 1,
			Emails:    []crm.Email{{Address: id + "@example.com", Primary: true}},
			Phones:    []crm.Phone{{Number: "+44207946000" + fmt.Sprint(i%10)}},
			CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC),
		}
	}
	cs[0].Tags = []string{"a", "b"}
	return cs
}

// stored returns how many of cs are stored, checking those that are.
func stored(t *testing.T, s crm.Store, cs []*crm.Customer) int {
	t.Helper()
	n := 0
	for _, c := range cs {
		got, err := s.FindCustomerByID(t.Context(), c.ID)
		if errors.Is(err, crm.ErrNotFound) {
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c, got, "customer %s", c.ID)
		n++
	}
	return n
}

// within runs f, failing t if it has not returned after d, as when a
// connection waits for itself. It returns what f panicked with, or nil.
func within(t *testing.T, d time.Duration, f func()) (panicked any) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	select {
	case p := <-done:
		return p
	case <-time.After(d):
		t.Fatalf("still running after %v", d)
		return nil
	}
}

func TestCopier(t *testing.T) {
	errBoom := errors.New("boom")
	allTables := []string{"customers", "customer_emails", "customer_phones", "customer_tags"}

	t.Run("OK", func(t *testing.T) {
		s, copier := openCopier(t)
		cs := batch("ok", 3)
		require.NoError(t, s.CreateCustomers(t.Context(), cs))
		calls := copier.takeCalls()
		assert.Equal(t, allTables, tables(calls), "tables copied")
		assert.Equal(t, 3, stored(t, s, cs))
		for _, c := range calls {
			assert.Equal(t, calls[0].conn, c.conn, "one connection for the transaction")
		}
		require.NoError(t, s.CreateCustomers(t.Context(), nil))
		assert.Empty(t, copier.takeCalls(), "nothing to copy")
	})

	t.Run("RolledBack", func(t *testing.T) {
		s, copier := openCopier(t)
		cs := batch("rb", 3)
		err := s.RunInTx(t.Context(), func(tx crm.Store) error {
			if err := tx.CreateCustomers(t.Context(), cs); err != nil {
				return err
			}
			assert.Equal(t, 3, stored(t, tx, cs), "seen inside the transaction")
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		assert.Equal(t, allTables, tables(copier.takeCalls()))
		assert.Zero(t, stored(t, s, cs), "stored after the rollback")
	})

	t.Run("FailsHalfway", func(t *testing.T) {
		s, copier := openCopier(t)
		copier.hook = func(table string) error {
			if table == "customer_phones" {
				return errBoom
			}
			return nil
		}
		cs := batch("half", 3)
		err := s.CreateCustomers(t.Context(), cs)
		require.ErrorIs(t, err, sqlstore.ErrDatabase)
		assert.ErrorIs(t, err, errBoom)
		assert.Zero(t, stored(t, s, cs), "stored after the failure")

		// Inside RunInTx the savepoint undoes the batch only.
		err = s.RunInTx(t.Context(), func(tx crm.Store) error {
			require.NoError(t, tx.CreateCustomer(t.Context(), cs[0]))
			assert.ErrorIs(t, tx.CreateCustomers(t.Context(), cs[1:]), errBoom)
			return nil
		})
		require.NoError(t, err)
		assert.Equal(t, 1, stored(t, s, cs))
	})

	t.Run("Duplicate", func(t *testing.T) {
		s, _ := openCopier(t)
		cs := batch("dup", 3)
		err := s.CreateCustomers(t.Context(), append(cs, cs[1].Clone()))
		require.ErrorIs(t, err, crm.ErrDuplicate)
		assert.Zero(t, stored(t, s, cs))
	})

	t.Run("Declined", func(t *testing.T) {
		s, copier := openCopier(t)
		copier.hook = func(string) error { return fmt.Errorf("not my driver: %w", driver.ErrSkip) }
		cs := batch("skip", 3)
		require.NoError(t, s.CreateCustomers(t.Context(), cs))
		assert.Equal(t, allTables, tables(copier.takeCalls()), "declined for each table")
		assert.Equal(t, 3, stored(t, s, cs), "stored with INSERT")
	})

	t.Run("Panic", func(t *testing.T) {
		s, copier := openCopier(t)
		copier.hook = func(table string) error {
			if table == "customer_emails" {
				panic("copier panics")
			}
			return nil
		}
		cs := batch("panic", 3)
		p := within(t, 10*time.Second, func() { _ = s.CreateCustomers(t.Context(), cs) })
		assert.Equal(t, "copier panics", p, "CreateCustomers panics with CopyRows's value")
		p = within(t, 10*time.Second, func() {
			_ = s.RunInTx(t.Context(), func(tx crm.Store) error { return tx.CreateCustomers(t.Context(), cs) })
		})
		assert.Equal(t, "copier panics", p, "RunInTx panics with CopyRows's value")
		before := copier.takeCalls()

		copier.hook = nil
		assert.Zero(t, stored(t, s, cs), "stored after the panics")
		require.NoError(t, s.CreateCustomers(t.Context(), cs), "after the panics")
		after := copier.takeCalls()
		assert.NotEqual(t, before[len(before)-1].conn, after[0].conn, "the connection of the panic was closed")
		assert.Equal(t, 3, stored(t, s, cs))
	})

	t.Run("BadConn", func(t *testing.T) {
		s, copier := openCopier(t)
		cs := batch("bad", 3)
		require.NoError(t, s.CreateCustomers(t.Context(), cs[:1]))
		good := copier.takeCalls()
		copier.hook = func(string) error { return fmt.Errorf("lost: %w", driver.ErrBadConn) }
		var err error
		within(t, 10*time.Second, func() { err = s.CreateCustomers(t.Context(), cs[1:]) })
		require.ErrorIs(t, err, sqlstore.ErrDatabase)
		bad := copier.takeCalls()
		assert.Equal(t, good[0].conn, bad[0].conn, "one connection in the pool")

		copier.hook = nil
		require.NoError(t, s.CreateCustomers(t.Context(), cs[1:]), "after a bad connection")
		assert.NotEqual(t, bad[0].conn, copier.takeCalls()[0].conn, "the bad connection was closed")
		assert.Equal(t, 3, stored(t, s, cs))
	})
}
