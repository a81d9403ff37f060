package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // the driver the library uses, "sqlite"

	"github.com/crmkit/crm/storage/sqlite"
)

// sqliteDSN opens the file at path as storage/sqlite does: WAL journal
// checkpointed at 10,000 pages, synchronous=NORMAL, foreign keys on, a
// 32 MiB page cache, a 5 s busy timeout, BEGIN IMMEDIATE.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "cache_size(-32768)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	q.Set("_txlock", "immediate")
	p := (&url.URL{Path: path}).EscapedPath()
	if strings.HasPrefix(p, "/") {
		p = "//" + p
	}
	return "file:" + p + "?" + q.Encode()
}

// openSQLite opens the peers' own connection to the file: one
// connection, as every load here is one writer.
func openSQLite(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// newSQLiteSchema removes the file at path and creates it empty, with the
// library's migrations, through storage/sqlite.Open. It returns the
// SQLite library's version.
func newSQLiteSchema(ctx context.Context, path string) (string, error) {
	removeSQLite(path)
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return "", err
	}
	var version string
	err = store.DB().QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	return version, err
}

func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		os.Remove(path + suffix)
	}
}

// sqliteCRM: crm.Client.ImportCustomers on storage/sqlite, streaming
// from the CSV file.
func sqliteCRM(ctx context.Context, a childArgs) (childResult, error) {
	ctx = withActor(ctx)
	store, err := sqlite.Open(ctx, a.target)
	if err != nil {
		return childResult{}, err
	}
	defer store.Close()
	d, err := crmImport(ctx, a, store)
	if err != nil {
		return childResult{}, err
	}
	counts, err := countRows(ctx, rowsQuerier(store.DB()))
	return childResult{Seconds: d.Seconds(), Counts: counts}, err
}

const (
	sqliteInsertCustomer = `INSERT INTO customers (id, kind, name, name_fold, industry, region, stage, owner_id,
	created_at, created_by, updated_at, updated_by, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqliteInsertEmail = `INSERT INTO customer_emails (customer_id, position, address, address_fold, label, is_primary)
	VALUES (?, ?, ?, ?, ?, ?)`
	sqliteInsertPhone = `INSERT INTO customer_phones (customer_id, position, number, label, is_primary)
	VALUES (?, ?, ?, ?, ?)`
)

// sqliteRaw: database/sql on modernc.org/sqlite, one prepared INSERT per
// table, one transaction; rows parsed and prepared before the clock.
func sqliteRaw(ctx context.Context, a childArgs) (childResult, error) {
	rows, err := readPeerRows(a.csv, time.Now(), sqliteTime)
	if err != nil {
		return childResult{}, err
	}
	db, err := openSQLite(ctx, a.target)
	if err != nil {
		return childResult{}, err
	}
	defer db.Close()
	d, err := timed(a, func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var stmts [3]*sql.Stmt
		for i, q := range []string{sqliteInsertCustomer, sqliteInsertEmail, sqliteInsertPhone} {
			if stmts[i], err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			defer stmts[i].Close()
		}
		for i := range rows {
			r := &rows[i]
			if _, err := stmts[0].ExecContext(ctx, r.ID, r.Kind, r.Name, r.NameFold, r.Industry, r.Region, r.Stage, actorID,
				r.CreatedAt, actorID, r.UpdatedAt, actorID, rowVersion); err != nil {
				return fmt.Errorf("customer %s: %w", r.ID, err)
			}
			if _, err := stmts[1].ExecContext(ctx, r.ID, listPosition, r.Email, r.EmailFold, listLabel, listPrimary); err != nil {
				return fmt.Errorf("customer %s email: %w", r.ID, err)
			}
			if _, err := stmts[2].ExecContext(ctx, r.ID, listPosition, r.Phone, listLabel, listPrimary); err != nil {
				return fmt.Errorf("customer %s phone: %w", r.ID, err)
			}
		}
		return tx.Commit()
	})
	if err != nil {
		return childResult{}, err
	}
	counts, err := countRows(ctx, rowsQuerier(db))
	return childResult{Seconds: d.Seconds(), Counts: counts}, err
}

// gormConfig is GORM's defaults (default transaction on, no prepared
// statement cache) with a silent logger.
func gormConfig() *gorm.Config {
	return &gorm.Config{Logger: logger.Default.LogMode(logger.Silent)}
}

// sqliteGORM: GORM CreateInBatches over the gorm.io/driver/sqlite
// dialector given the modernc *sql.DB; models built before the clock.
func sqliteGORM(ctx context.Context, a childArgs) (childResult, error) {
	rows, err := readPeerRows(a.csv, time.Now(), sqliteTime)
	if err != nil {
		return childResult{}, err
	}
	models := gormRows[string](rows) // rows is dead from here on
	db, err := openSQLite(ctx, a.target)
	if err != nil {
		return childResult{}, err
	}
	defer db.Close()
	g, err := gorm.Open(gormsqlite.New(gormsqlite.Config{DriverName: "sqlite", Conn: db}), gormConfig())
	if err != nil {
		return childResult{}, err
	}
	d, err := timed(a, func() error {
		res := g.WithContext(ctx).CreateInBatches(models, a.batch)
		if res.Error == nil && res.RowsAffected != int64(len(models)) {
			return fmt.Errorf("GORM reports %d rows affected, want %d", res.RowsAffected, len(models))
		}
		return res.Error
	})
	if err != nil {
		return childResult{}, err
	}
	counts, err := countRows(ctx, rowsQuerier(db))
	return childResult{Seconds: d.Seconds(), Counts: counts}, err
}
