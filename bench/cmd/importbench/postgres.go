package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" for database/sql
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/crmkit/crm/storage/postgres"
)

// withSearchPath returns dsn with search_path set to schema.
func withSearchPath(dsn, schema string) (string, error) {
	return withParam(dsn, "search_path", schema)
}

// withParam returns dsn with the parameter key set to value, in the form
// dsn has: a postgres:// URL gets a query parameter, key=value pairs one
// more pair. pgx sends parameters it does not know itself (search_path,
// application_name) to the server as run-time settings.
func withParam(dsn, key, value string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("postgres dsn: %w", err)
		}
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	value = strings.ReplaceAll(strings.ReplaceAll(value, `\`, `\\`), `'`, `\'`)
	return dsn + " " + key + "='" + value + "'", nil
}

// openPostgres opens a database/sql pool on pgx with search_path schema,
// for counting and verifying.
func openPostgres(ctx context.Context, dsn, schema string) (*sql.DB, error) {
	d, err := withSearchPath(dsn, schema)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", d)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// postgresCounts counts the rows of the schema through a connection of
// its own.
func postgresCounts(ctx context.Context, a childArgs) ([3]int64, error) {
	db, err := openPostgres(ctx, a.dsn, a.target)
	if err != nil {
		return [3]int64{}, err
	}
	defer db.Close()
	return countRows(ctx, rowsQuerier(db))
}

// postgresCRM: crm.Client.ImportCustomers on storage/postgres in the
// schema, streaming from the CSV file.
func postgresCRM(ctx context.Context, a childArgs) (childResult, error) {
	ctx = withActor(ctx)
	store, err := postgres.Open(ctx, a.dsn, postgres.WithSchema(a.target))
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

var (
	pgCustomerColumns = []string{"id", "kind", "name", "name_fold", "industry", "region", "stage", "owner_id",
		"created_at", "created_by", "updated_at", "updated_by", "version"}
	pgEmailColumns = []string{"customer_id", "position", "address", "address_fold", "label", "is_primary"}
	pgPhoneColumns = []string{"customer_id", "position", "number", "label", "is_primary"}
)

// postgresRaw: pgx v5 CopyFrom (binary COPY) into the three tables in one
// transaction; rows parsed and prepared before the clock.
func postgresRaw(ctx context.Context, a childArgs) (childResult, error) {
	rows, err := readPeerRows(a.csv, time.Now(), postgresTime)
	if err != nil {
		return childResult{}, err
	}
	dsn, err := withSearchPath(a.dsn, a.target)
	if err != nil {
		return childResult{}, err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return childResult{}, err
	}
	defer conn.Close(context.Background())
	n := len(rows)
	copies := []struct {
		table string
		cols  []string
		row   func(r *peerRow) []any
	}{
		{"customers", pgCustomerColumns, func(r *peerRow) []any {
			return []any{r.ID, r.Kind, r.Name, r.NameFold, r.Industry, r.Region, r.Stage, actorID,
				r.CreatedAt, actorID, r.UpdatedAt, actorID, int64(rowVersion)}
		}},
		{"customer_emails", pgEmailColumns, func(r *peerRow) []any {
			return []any{r.ID, int32(listPosition), r.Email, r.EmailFold, listLabel, listPrimary}
		}},
		{"customer_phones", pgPhoneColumns, func(r *peerRow) []any {
			return []any{r.ID, int32(listPosition), r.Phone, listLabel, listPrimary}
		}},
	}
	d, err := timed(a, func() error {
		return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			for _, c := range copies {
				src := pgx.CopyFromSlice(n, func(i int) ([]any, error) { return c.row(&rows[i]), nil })
				got, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, src)
				if err != nil {
					return fmt.Errorf("copy %s: %w", c.table, err)
				}
				if got != int64(n) {
					return fmt.Errorf("copy %s: %d rows, want %d", c.table, got, n)
				}
			}
			return nil
		})
	})
	if err != nil {
		return childResult{}, err
	}
	counts, err := postgresCounts(ctx, a)
	return childResult{Seconds: d.Seconds(), Counts: counts}, err
}

// postgresGORM: GORM CreateInBatches with gorm.io/driver/postgres (pgx
// underneath, its defaults); models built before the clock.
func postgresGORM(ctx context.Context, a childArgs) (childResult, error) {
	rows, err := readPeerRows(a.csv, time.Now(), postgresTime)
	if err != nil {
		return childResult{}, err
	}
	models := gormRows[time.Time](rows) // rows is dead from here on
	dsn, err := withSearchPath(a.dsn, a.target)
	if err != nil {
		return childResult{}, err
	}
	g, err := gorm.Open(gormpg.New(gormpg.Config{DSN: dsn}), gormConfig())
	if err != nil {
		return childResult{}, err
	}
	if db, err := g.DB(); err == nil {
		defer db.Close()
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
	counts, err := postgresCounts(ctx, a)
	return childResult{Seconds: d.Seconds(), Counts: counts}, err
}
