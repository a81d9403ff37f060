package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"time"
)

// verifyTables are the tables whose every stored value the verify child
// hashes, in a fixed order. updated_at is left out (it is the time of
// the load) but must be set.
var verifyTables = []struct{ table, order string }{
	{"customers", "id"},
	{"customer_emails", "customer_id, position"},
	{"customer_phones", "customer_id, position"},
	{"customer_tags", "customer_id, position"},
}

// sampleRows is how many rows of each table the verify child returns as
// text, to show a difference.
const sampleRows = 2

// verify hashes what a path stored, so that the parent can check that
// every path stored the same rows and values as the crm path. It runs in
// a child of its own so that it adds nothing to the load's peak memory.
func verify(ctx context.Context, a childArgs) (childResult, error) {
	var (
		db  *sql.DB
		err error
	)
	if a.path == "verify/sqlite" {
		db, err = openSQLite(ctx, a.target)
	} else {
		db, err = openPostgres(ctx, a.dsn, a.target)
	}
	if err != nil {
		return childResult{}, err
	}
	defer db.Close()
	var res childResult
	h := sha256.New()
	for _, t := range verifyTables {
		sample, err := hashTable(ctx, db, t.table, t.order, h)
		if err != nil {
			return childResult{}, fmt.Errorf("%s: %w", t.table, err)
		}
		res.Sample = append(res.Sample, sample...)
	}
	var unset int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM customers WHERE updated_at IS NULL").Scan(&unset); err != nil {
		return childResult{}, err
	}
	if unset > 0 {
		return childResult{}, fmt.Errorf("%d customers without updated_at", unset)
	}
	res.Digest = hex.EncodeToString(h.Sum(nil))
	return res, nil
}

// hashTable writes every row of table, in order, into h, and returns the
// first sampleRows rows as text.
func hashTable(ctx context.Context, db *sql.DB, table, order string, h hash.Hash) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY "+order)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	fmt.Fprintf(h, "table %s\n", table)
	var sample []string
	var b strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		b.Reset()
		for i, c := range cols {
			if c == "updated_at" {
				continue
			}
			b.WriteString(c)
			b.WriteByte('=')
			b.WriteString(render(vals[i]))
			b.WriteByte(' ')
		}
		b.WriteByte('\n')
		h.Write([]byte(b.String()))
		if len(sample) < sampleRows {
			sample = append(sample, table+": "+strings.TrimSpace(b.String()))
		}
	}
	return sample, rows.Err()
}

// render formats a scanned value unambiguously enough to compare.
func render(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("%q", v)
	case string:
		return fmt.Sprintf("%q", v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}
