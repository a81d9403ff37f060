package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
)

// copyCheckEvery is how many rows CopyRows inserts between two looks at
// its context.
const copyCheckEvery = 256

// CopyRows inserts rows into table with one single-row INSERT prepared on
// driverConn, the driver's own connection, executed once per row
// ([sqlstore.Copier]). Below database/sql, each row costs a bind and a
// step and nothing else: no argument conversion, no pool bookkeeping and
// no watcher goroutine per statement (the context is looked at every 256
// rows instead). And a single-row INSERT needs no statement journal,
// which a multi-row one keeps so that it can undo its own earlier rows
// when a later one fails: it copies every page it touches.
//
// A failing row leaves the rows before it in the transaction, which the
// Store then rolls back. A connection of another driver is declined with
// driver.ErrSkip, and the Store inserts the rows with INSERT.
func (dialect) CopyRows(ctx context.Context, driverConn any, table string, columns []string, rows [][]any) (int64, error) {
	pc, ok := driverConn.(driver.ConnPrepareContext)
	if !ok {
		return 0, fmt.Errorf("copy into %s: connection %T cannot prepare: %w", table, driverConn, driver.ErrSkip)
	}
	query := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES (?" +
		strings.Repeat(", ?", len(columns)-1) + ")"
	// The statement runs under context.Background: with ctx, the driver
	// would start a goroutine per row to watch it.
	st, err := pc.PrepareContext(context.Background(), query)
	if err != nil {
		return 0, fmt.Errorf("copy into %s: %w", table, err)
	}
	defer st.Close()
	exec, ok := st.(driver.StmtExecContext)
	if !ok {
		return 0, fmt.Errorf("copy into %s: statement %T cannot execute: %w", table, st, driver.ErrSkip)
	}
	args := make([]driver.NamedValue, len(columns))
	for i := range args {
		args[i].Ordinal = i + 1
	}
	for n, row := range rows {
		if n%copyCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return int64(n), err
			}
		}
		if len(row) != len(columns) {
			return int64(n), fmt.Errorf("copy into %s: row %d has %d values for %d columns", table, n, len(row), len(columns))
		}
		for i, v := range row {
			if x, ok := v.(int); ok {
				v = int64(x) // the one Store value that is not a driver.Value
			}
			args[i].Value = v
		}
		if _, err := exec.ExecContext(context.Background(), args); err != nil {
			return int64(n), fmt.Errorf("copy into %s: %w", table, err)
		}
	}
	return int64(len(rows)), nil
}
