package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// migration is one file of a dialect's migrations.
type migration struct {
	version int64
	name    string
}

// migrations lists the migration files of fsys in ascending version
// order: files named NNNN_description.sql at its root. Other files are
// ignored; a .sql file without a version, or two files with one version,
// are errors.
func migrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		digits, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive version number and _", name)
		}
		ms = append(ms, migration{version: v, name: name})
	}
	slices.SortFunc(ms, func(a, b migration) int { return cmp.Compare(a.version, b.version) })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s: same version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

const (
	appliedMigrations = `SELECT version FROM schema_migrations`
	migrationApplied  = `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`
	recordMigration   = `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`
)

// Migrate brings the schema of db up to date with the migrations of d
// and returns how many it applied. Each migration file runs in a
// transaction of its own and is recorded in the same transaction in
// schema_migrations(version, applied_at); a migration recorded there is
// never run again, so running Migrate twice is a no-op.
//
// Several processes may call Migrate on one database at once: each
// migration transaction starts with [Dialect.LockMigrations], which makes
// the others wait, and checks again whether its migration has been
// applied meanwhile, so every migration is applied exactly once and every
// caller returns when the schema is up to date. A failed migration rolls
// back, and Migrate returns its error, having applied the ones before it.
// A database with versions that d does not know (made by a newer
// program) is left alone.
func Migrate(ctx context.Context, db *sql.DB, d Dialect) (applied int, err error) {
	if db == nil || d == nil {
		return 0, fmt.Errorf("sqlstore: migrate: need a database and a dialect: %w", crm.ErrInvalid)
	}
	fail := func(what string, err error) (int, error) {
		return applied, fmt.Errorf("%s: migrate: %s: %w", d.Name(), what, translateMigration(ctx, d, err))
	}
	ms, err := migrations(d.Migrations())
	if err != nil {
		return fail("read migrations", err)
	}

	// Without a lock first: when everything has been applied, as on every
	// start but the first, nobody needs to wait. A missing table reads as
	// nothing applied; the locked check below decides.
	done := make(map[int64]bool)
	if rows, err := db.QueryContext(ctx, appliedMigrations); err == nil {
		for rows.Next() {
			var v int64
			if rows.Scan(&v) == nil {
				done[v] = true
			}
		}
		_ = rows.Close()
	}
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		ok, err := applyMigration(ctx, db, d, m)
		if err != nil {
			return fail(m.name, err)
		}
		if ok {
			applied++
		}
	}
	return applied, nil
}

// applyMigration applies m in a transaction of its own, unless it has been
// applied, and reports whether it did.
func applyMigration(ctx context.Context, db *sql.DB, d Dialect, m migration) (bool, error) {
	body, err := fs.ReadFile(d.Migrations(), m.name)
	if err != nil {
		return false, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	ok, err := runMigration(ctx, tx, d, m, string(body))
	if err != nil || !ok {
		_ = tx.Rollback()
		return false, err
	}
	return true, tx.Commit()
}

// runMigration takes the migration lock in tx, checks that m has not been
// applied meanwhile, and applies and records it. It releases the lock, if
// the dialect's needs releasing, before it returns, so before tx ends.
func runMigration(ctx context.Context, tx *sql.Tx, d Dialect, m migration, body string) (applied bool, err error) {
	unlock, err := d.LockMigrations(ctx, tx)
	if err != nil {
		return false, fmt.Errorf("lock: %w", err)
	}
	if unlock != nil {
		defer func() {
			if uerr := unlock(context.WithoutCancel(ctx)); uerr != nil && err == nil {
				applied, err = false, fmt.Errorf("unlock: %w", uerr)
			}
		}()
	}
	var n int
	if err := tx.QueryRowContext(ctx, d.Rebind(migrationApplied), m.version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 { // another process applied it while this one waited
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, err
	}
	now := d.TimeArg(crm.Timestamp(time.Now()))
	if _, err := tx.ExecContext(ctx, d.Rebind(recordMigration), m.version, now); err != nil {
		return false, err
	}
	return true, nil
}

// translateMigration gives a migration error its meaning, as the Store
// does for its own.
func translateMigration(ctx context.Context, d Dialect, err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case ctx.Err() != nil:
		return &dbError{kind: ctx.Err(), err: err}
	}
	kind := d.ClassifyError(err)
	if kind == nil {
		kind = ErrDatabase
	}
	return &dbError{kind: kind, err: err}
}
