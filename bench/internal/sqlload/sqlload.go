// Package sqlload loads rows straight into the crm schema of a SQLite or
// PostgreSQL database, for benchmarks that need a million orders faster
// than the Store writes them one by one.
package sqlload

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
)

// Order is one row of the orders table as the Store would store it (no
// lines: the benchmarks' queries read none).
type Order struct {
	ID, CustomerID, Status, Currency string
	// Amount is the total, and the sum paid, as decimal text.
	Amount string
	At     time.Time
}

// Orders inserts n orders, the i-th being row(i), into db's orders table
// in one transaction, a hundred rows per statement.
func Orders(ctx context.Context, db *sql.DB, n int, row func(i int) Order) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const cols = 8
	const rowsPer = 100
	stmtFor := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO orders (id, customer_id, status, currency, total, paid, ordered_at, version) VALUES ")
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		}
		return b.String()
	}
	pg := IsPostgres(db)
	if pg {
		if _, err := tx.ExecContext(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
			return err
		}
	}
	full, err := tx.PrepareContext(ctx, Rebind(stmtFor(rowsPer), pg))
	if err != nil {
		return err
	}
	args := make([]any, 0, cols*rowsPer)
	for i := range n {
		o := row(i)
		args = append(args, o.ID, o.CustomerID, o.Status, o.Currency, o.Amount, o.Amount, TimeArg(o.At, pg), 1)
		if len(args) == cols*rowsPer {
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if _, err := tx.ExecContext(ctx, Rebind(stmtFor(len(args)/cols), pg), args...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// TimeArg returns the value to bind for a time column: the time itself
// for PostgreSQL, the Store's fixed-width UTC text for SQLite.
func TimeArg(t time.Time, pg bool) any {
	if pg {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// IsPostgres reports whether db is a PostgreSQL server.
func IsPostgres(db *sql.DB) bool {
	var v string
	return db.QueryRow("SELECT version()").Scan(&v) == nil && strings.Contains(v, "PostgreSQL")
}

// Rebind numbers the placeholders of q for PostgreSQL, and returns it as
// it is otherwise.
func Rebind(q string, pg bool) string {
	if !pg {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
