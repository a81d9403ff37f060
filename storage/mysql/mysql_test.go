package mysql_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/mysql"
	"github.com/crmkit/crm/storage/sqlstore"
	"github.com/crmkit/crm/storage/storetest"
)

// dsnVar names the environment variable with the data source name of a
// server the tests may create and drop databases on.
const dsnVar = "CRM_MYSQL_DSN"

// serverConfig returns the parsed data source name of CRM_MYSQL_DSN, or
// skips the test without it.
func serverConfig(t *testing.T) *gomysql.Config {
	t.Helper()
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		t.Skip("set CRM_MYSQL_DSN (e.g. root@tcp(127.0.0.1:3306)/test) to run the MySQL/MariaDB conformance tests")
	}
	cfg, err := gomysql.ParseDSN(dsn)
	require.NoError(t, err, "parse %s", dsnVar)
	return cfg
}

// newDatabase creates a database of its own for t, named
// crm_test_<random>, drops it when t ends, and returns the data source
// name of CRM_MYSQL_DSN pointed at it.
func newDatabase(t *testing.T) string {
	t.Helper()
	cfg := serverConfig(t)
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "crm_test_" + hex.EncodeToString(b[:])
	_, err = admin.ExecContext(t.Context(), "CREATE DATABASE "+name+" CHARACTER SET utf8mb4")
	require.NoError(t, err, "create database %s", name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	cfg = cfg.Clone()
	cfg.DBName = name
	return cfg.FormatDSN()
}

// open opens a Store on dsn that t closes.
func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := mysql.Open(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// tables lists the Store's tables, children before parents.
var tables = []string{
	"audit_log", "events", "event_checkpoints", "log_heads", "approval_requests",
	"interactions", "contact_claims", "tasks", "owner_changes",
	"responses", "surveys",
	"segment_snapshot_members", "segment_snapshots", "segments",
	"case_changes", "cases",
	"leads",
	"payments", "order_lines", "orders",
	"opportunity_changes", "opportunities",
	"pipeline_stages", "pipeline_lost_reasons", "pipelines",
	"contact_emails", "contact_phones", "contacts",
	"customer_emails", "customer_phones", "customer_tags", "customers",
}

// empty deletes every row of the Store's tables.
func empty(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, table := range tables {
		_, err := db.ExecContext(t.Context(), "DELETE FROM "+table)
		require.NoError(t, err, "empty %s", table)
	}
}

// TestConformance runs the conformance suite on one database for the
// whole run, migrated once and emptied before each subtest.
func TestConformance(t *testing.T) {
	dsn := newDatabase(t)
	s, err := mysql.Open(t.Context(), dsn)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	storetest.Run(t, func(t *testing.T) crm.Store {
		s := open(t, dsn)
		empty(t, s.DB())
		return s
	})
}

// migrationCount is how many migration files the package has.
func migrationCount(t *testing.T) int {
	t.Helper()
	files, err := fs.Glob(mysql.Dialect().Migrations(), "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return len(files)
}

func appliedVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "SELECT version FROM schema_migrations ORDER BY version")
	require.NoError(t, err)
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		require.NoError(t, rows.Scan(&v))
		vs = append(vs, v)
	}
	require.NoError(t, rows.Err())
	return vs
}

func TestMigrateTwice(t *testing.T) {
	dsn := newDatabase(t)
	db, err := mysql.OpenDB(dsn)
	require.NoError(t, err)
	defer db.Close()

	n, err := sqlstore.Migrate(t.Context(), db, mysql.Dialect())
	require.NoError(t, err)
	assert.Equal(t, migrationCount(t), n, "first Migrate applies every migration")
	n, err = sqlstore.Migrate(t.Context(), db, mysql.Dialect())
	require.NoError(t, err)
	assert.Zero(t, n, "second Migrate applies nothing")

	// Open migrates too, and finds nothing to do.
	s := open(t, dsn)
	require.NoError(t, s.Close())
	assert.Len(t, appliedVersions(t, db), migrationCount(t))
}

// extraDialect is the package's dialect with one more migration file.
type extraDialect struct {
	sqlstore.Dialect
	name, body string
}

func (d extraDialect) Migrations() fs.FS {
	m := fstest.MapFS{}
	files, err := fs.ReadDir(d.Dialect.Migrations(), ".")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(d.Dialect.Migrations(), f.Name())
		if err != nil {
			panic(err)
		}
		m[f.Name()] = &fstest.MapFile{Data: b}
	}
	m[d.name] = &fstest.MapFile{Data: []byte(d.body)}
	return m
}

// countingMigration records each time it runs, slowly, so that
// concurrent migrators overlap.
const countingMigration = `CREATE TABLE IF NOT EXISTS migration_runs (n INT NOT NULL) ENGINE=InnoDB;
DO SLEEP(0.3);
INSERT INTO migration_runs (n) VALUES (1)`

// TestMigrateFailure checks that a statement failing in the middle of a
// migration file fails Migrate and leaves the migration unrecorded, and
// that the package's migrations, run again over what they created, finish
// without error: a migration that failed halfway is finished by the next
// Open.
func TestMigrateFailure(t *testing.T) {
	dsn := newDatabase(t)
	db, err := mysql.OpenDB(dsn)
	require.NoError(t, err)
	defer db.Close()
	ctx := t.Context()

	bad := extraDialect{mysql.Dialect(), "9001_bad.sql",
		"CREATE TABLE IF NOT EXISTS half (n INT NOT NULL) ENGINE=InnoDB;\nINSERT INTO no_such_table VALUES (1)"}
	n, err := sqlstore.Migrate(ctx, db, bad)
	require.Error(t, err)
	assert.ErrorIs(t, err, sqlstore.ErrDatabase)
	assert.Contains(t, err.Error(), "9001_bad.sql")
	assert.Equal(t, migrationCount(t), n, "the migrations before the bad one are applied")
	assert.NotContains(t, appliedVersions(t, db), int64(9001))

	_, err = db.ExecContext(ctx, "DELETE FROM schema_migrations")
	require.NoError(t, err)
	n, err = sqlstore.Migrate(ctx, db, mysql.Dialect())
	require.NoError(t, err, "the migrations run again over their own tables")
	assert.Equal(t, migrationCount(t), n)
}

// TestMigrateConcurrently migrates one database from several *sql.DB at
// once: every migration is applied once, and every caller returns when
// the schema is up to date.
func TestMigrateConcurrently(t *testing.T) {
	const migrators = 4
	dsn := newDatabase(t)
	d := extraDialect{mysql.Dialect(), "9000_count.sql", countingMigration}
	want := migrationCount(t) + 1

	dbs := make([]*sql.DB, migrators)
	for i := range dbs {
		db, err := mysql.OpenDB(dsn)
		require.NoError(t, err)
		defer db.Close()
		require.NoError(t, db.PingContext(t.Context()))
		dbs[i] = db
	}
	applied := make([]int, migrators)
	errs := make([]error, migrators)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			applied[i], errs[i] = sqlstore.Migrate(t.Context(), db, d)
		}()
	}
	close(start)
	wg.Wait()

	total := 0
	for i := range migrators {
		require.NoError(t, errs[i], "migrator %d", i)
		total += applied[i]
	}
	assert.Equal(t, want, total, "migrations applied over all migrators")
	var runs int
	require.NoError(t, dbs[0].QueryRowContext(t.Context(), "SELECT COUNT(*) FROM migration_runs").Scan(&runs))
	assert.Equal(t, 1, runs, "the counting migration ran once")
	assert.Len(t, appliedVersions(t, dbs[0]), want)

	// Two Opens at once on a fresh database both succeed.
	dsn2 := newDatabase(t)
	var wg2 sync.WaitGroup
	openErrs := make([]error, 2)
	for i := range openErrs {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			s, err := mysql.Open(t.Context(), dsn2)
			if err == nil {
				err = s.Close()
			}
			openErrs[i] = err
		}()
	}
	wg2.Wait()
	for i, err := range openErrs {
		assert.NoError(t, err, "Open %d", i)
	}
}

// TestPlainSQL reads a stored customer with plain SELECTs, as a person at
// a SQL console would: text and money come back exactly as text, times in
// UTC.
func TestPlainSQL(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	updated := time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.FixedZone("CET", 3600))
	c := &crm.Customer{
		ID: "c-plain", Kind: crm.KindOrganization, Name: "Zoë Ünïcode & Søns 😀",
		CreditLimit: crm.Money{Amount: decimal.RequireFromString("123456789012345.6789"), Currency: "EUR"},
		Custom: map[string]crm.CustomValue{
			"precise": crm.NumberValue(decimal.RequireFromString("-98765432109876543210.000000000000000001")),
		},
		CreatedAt: updated, UpdatedAt: updated, Version: 1,
	}
	require.NoError(t, s.CreateCustomer(ctx, c))

	var name, amount, currency, at string
	err := s.DB().QueryRowContext(ctx, `SELECT name, credit_limit_amount, credit_limit_currency,
		DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f') FROM customers WHERE id = 'c-plain'`).
		Scan(&name, &amount, &currency, &at)
	require.NoError(t, err)
	assert.Equal(t, "Zoë Ünïcode & Søns 😀", name)
	assert.Equal(t, "123456789012345.6789", amount)
	assert.Equal(t, "EUR", currency)
	assert.Equal(t, "2025-03-04 04:06:07.891234", at, "UTC, microseconds")

	got, err := s.FindCustomerByID(ctx, c.ID)
	require.NoError(t, err)
	assert.True(t, c.CreditLimit.Amount.Equal(got.CreditLimit.Amount), "credit limit %s, want %s", got.CreditLimit.Amount, c.CreditLimit.Amount)
	n, _ := got.Custom["precise"].Number()
	assert.Equal(t, "-98765432109876543210.000000000000000001", n.String())

	// No float column anywhere; money is DECIMAL(20,4); times DATETIME(6).
	var floats int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN ('float', 'double', 'real')`).Scan(&floats))
	assert.Zero(t, floats, "float columns")
	var typ string
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COLUMN_TYPE FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customers' AND COLUMN_NAME = 'credit_limit_amount'`).Scan(&typ))
	assert.Equal(t, "decimal(20,4)", typ)
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COLUMN_TYPE FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customers' AND COLUMN_NAME = 'updated_at'`).Scan(&typ))
	assert.Equal(t, "datetime(6)", typ)
}

// TestSalesPlainSQL reads a stored pipeline, opportunity and history
// entry with plain SELECTs: stages in a table of their own, amounts
// exactly as DECIMAL(20,4), the close date as the DATETIME(6) of its
// midnight UTC.
func TestSalesPlainSQL(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	at := time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.FixedZone("CET", 3600))
	require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c-1", Name: "Acme", Version: 1}))
	p := crm.DefaultPipeline()
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = "p-1", at, at, 1
	require.NoError(t, s.CreatePipeline(ctx, p))
	amount := crm.Money{Amount: decimal.RequireFromString("123456789012345.6789"), Currency: "EUR"}
	require.NoError(t, s.CreateOpportunity(ctx, &crm.Opportunity{
		ID: "o-1", Name: "Zoë 😀 deal", CustomerID: "c-1", PipelineID: "p-1", Stage: "proposal",
		Status: crm.OpportunityOpen, Amount: amount, Probability: 30,
		CloseDate: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), StageEnteredAt: at, CreatedAt: at, UpdatedAt: at, Version: 1,
	}))
	require.NoError(t, s.AddOpportunityChange(ctx, &crm.OpportunityChange{OpportunityID: "o-1", Version: 1, At: at,
		ToStage: "proposal", Status: crm.OpportunityOpen, Amount: amount, Probability: 30}))

	var requires string
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT requires FROM pipeline_stages
		WHERE pipeline_id = 'p-1' AND stage_key = 'proposal'`).Scan(&requires))
	assert.Equal(t, "amount close_date", requires)
	var name, got, closeDate, entered string
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT name, amount, DATE_FORMAT(close_date, '%Y-%m-%d %H:%i:%s.%f'),
		DATE_FORMAT(stage_entered_at, '%Y-%m-%d %H:%i:%s.%f') FROM opportunities WHERE id = 'o-1'`).
		Scan(&name, &got, &closeDate, &entered))
	assert.Equal(t, "Zoë 😀 deal", name)
	assert.Equal(t, "123456789012345.6789", got)
	assert.Equal(t, "2025-03-31 00:00:00.000000", closeDate)
	assert.Equal(t, "2025-03-04 04:06:07.891234", entered, "UTC, microseconds")
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT amount FROM opportunity_changes
		WHERE opportunity_id = 'o-1' AND version = 1`).Scan(&got))
	assert.Equal(t, "123456789012345.6789", got)

	for _, table := range []string{"opportunities", "opportunity_changes"} {
		var typ string
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COLUMN_TYPE FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'amount'`, table).Scan(&typ))
		assert.Equal(t, "decimal(20,4)", typ, "%s.amount", table)
	}
	o, err := s.FindOpportunityByID(ctx, "o-1")
	require.NoError(t, err)
	assert.True(t, amount.Amount.Equal(o.Amount.Amount), "amount %s, want %s", o.Amount.Amount, amount.Amount)
}

// TestOpportunityIndexesUsed checks, on a table with a few hundred deals,
// that each filter of crm.OpportunityFilter, as FindOpportunities writes
// it, may search its own index, and that a filter on one value does,
// reading it in ID order with no filesort, so that a page stops at its
// LIMIT; and that history pages search the primary key of
// opportunity_changes.
func TestOpportunityIndexesUsed(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	require.NoError(t, s.CreatePipeline(ctx, &crm.Pipeline{ID: "p-0", Name: "P0", Version: 1}))
	require.NoError(t, s.CreatePipeline(ctx, &crm.Pipeline{ID: "p-1", Name: "P1", Version: 1}))
	for i := range 20 {
		require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: fmt.Sprintf("c-%02d", i), Name: "C", Version: 1}))
	}
	statuses := []crm.OpportunityStatus{crm.OpportunityOpen, crm.OpportunityWon, crm.OpportunityLost}
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		for i := range 400 {
			err := tx.CreateOpportunity(ctx, &crm.Opportunity{
				ID: fmt.Sprintf("o-%03d", i), Name: "deal", CustomerID: fmt.Sprintf("c-%02d", i%20),
				PipelineID: fmt.Sprintf("p-%d", i%2), Stage: fmt.Sprintf("s%d", i%7), Status: statuses[i%3],
				OwnerID: fmt.Sprintf("u%d", i%11), CloseDate: time.Date(2025, 1, 1+i%300, 0, 0, 0, 0, time.UTC), Version: 1,
			})
			if err != nil {
				return err
			}
			for v := int64(1); v <= 3; v++ {
				if err := tx.AddOpportunityChange(ctx, &crm.OpportunityChange{OpportunityID: fmt.Sprintf("o-%03d", i), Version: v}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	for _, table := range []string{"opportunities", "opportunity_changes"} {
		_, err := s.DB().ExecContext(ctx, "ANALYZE TABLE "+table)
		require.NoError(t, err)
	}

	// explain returns columns of the one row of EXPLAIN query, found by
	// name: MySQL has more of them than MariaDB.
	explain := func(query string) (possible, key, extra string) {
		rows, err := s.DB().QueryContext(ctx, "EXPLAIN "+query)
		require.NoError(t, err, query)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		require.True(t, rows.Next(), query)
		require.NoError(t, rows.Scan(dest...))
		byName := map[string]string{}
		for i, c := range cols {
			byName[strings.ToLower(c)] = vals[i].String
		}
		return byName["possible_keys"], byName["key"], byName["extra"]
	}
	for _, tc := range []struct {
		name, cond, index string
		chosen            bool
	}{
		{"customers", `o.customer_id IN ('c-01', 'c-02')`, "opportunities_customer_id", false},
		{"pipelines", `o.pipeline_id IN ('p-0', 'p-1')`, "opportunities_pipeline_id", false},
		{"owners", `o.owner_id IN ('u1', 'u2')`, "opportunities_owner_id", false},
		{"stages", `o.stage IN ('s1', 's2')`, "opportunities_stage", false},
		{"statuses", `o.status IN ('open', 'won')`, "opportunities_status", false},
		{"one customer", `o.customer_id IN ('c-01')`, "opportunities_customer_id", true},
		{"one owner", `o.owner_id IN ('u1')`, "opportunities_owner_id", true},
		{"one stage", `o.stage IN ('s1')`, "opportunities_stage", true},
		{"close dates", `o.close_date >= '2025-01-01' AND o.close_date < '2025-01-05'`, "opportunities_close_date", true},
	} {
		possible, key, extra := explain(`SELECT * FROM opportunities o WHERE ` + tc.cond + ` AND o.id > '' ORDER BY o.id LIMIT 101`)
		assert.Contains(t, possible, tc.index, "%s: possible keys", tc.name)
		if tc.chosen {
			assert.Equal(t, tc.index, key, "%s: the key used (extra %q)", tc.name, extra)
		}
		if strings.HasPrefix(tc.name, "one ") {
			assert.NotContains(t, extra, "filesort", "%s: read in ID order", tc.name)
		}
	}
	for name, cond := range map[string]string{
		"history page":       `opportunity_id >= 'o-100' AND (opportunity_id > 'o-100' OR version > 2)`,
		"histories of deals": `opportunity_id IN ('o-001', 'o-002')`,
	} {
		_, key, extra := explain(`SELECT * FROM opportunity_changes WHERE ` + cond + ` ORDER BY opportunity_id, version LIMIT 101`)
		assert.Equal(t, "PRIMARY", key, name)
		assert.NotContains(t, extra, "filesort", name)
	}
}

// TestBytewiseText checks the binary NO PAD collation: IDs and filter
// values differing only in case or trailing spaces are different values,
// as in Go.
func TestBytewiseText(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	for _, c := range []*crm.Customer{
		{ID: "pad", Name: "Pad", Region: "north", Version: 1},
		{ID: "pad ", Name: "Pad with a space", Region: "north ", Version: 1},
		{ID: "PAD", Name: "PAD", Region: "North", Version: 1},
		{ID: "tab", Name: "Pad\tTab", Version: 1},
	} {
		require.NoError(t, s.CreateCustomer(ctx, c), "create %q", c.ID)
	}
	got, err := s.FindCustomerByID(ctx, "pad")
	require.NoError(t, err)
	assert.Equal(t, "Pad", got.Name)
	got, err = s.FindCustomerByID(ctx, "pad ")
	require.NoError(t, err)
	assert.Equal(t, "Pad with a space", got.Name)

	ids := func(f crm.CustomerFilter) []string {
		page, _, err := s.FindCustomers(ctx, f)
		require.NoError(t, err)
		out := []string{}
		for _, c := range page {
			out = append(out, c.ID)
		}
		return out
	}
	assert.Equal(t, []string{"pad"}, ids(crm.CustomerFilter{Regions: []string{"north"}}))
	assert.Equal(t, []string{"pad "}, ids(crm.CustomerFilter{Regions: []string{"north "}}))
	assert.Equal(t, []string{"tab"}, ids(crm.CustomerFilter{Regions: []string{""}}))
	// A control character after the prefix sorts below a space; a PAD
	// SPACE collation would miss "Pad\tTab".
	assert.Equal(t, []string{"PAD", "pad", "pad ", "tab"}, ids(crm.CustomerFilter{Search: "pad"}))
	assert.Equal(t, []string{"tab"}, ids(crm.CustomerFilter{Search: "pad\t"}))
}

// TestErrors checks the translation of the server's errors.
func TestErrors(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	c := &crm.Customer{ID: "c1", Name: "One", Version: 1}
	require.NoError(t, s.CreateCustomer(ctx, c))

	var me *gomysql.MySQLError
	err := s.CreateCustomer(ctx, &crm.Customer{ID: "c1", Name: "Again", Version: 1})
	assert.ErrorIs(t, err, crm.ErrDuplicate)
	if assert.ErrorAs(t, err, &me) {
		assert.EqualValues(t, 1062, me.Number)
	}
	assert.Regexp(t, "^mysql: ", err.Error())

	err = s.CreateContact(ctx, &crm.Contact{ID: "ct1", CustomerID: "nobody", Name: "Orphan", Version: 1})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	if assert.ErrorAs(t, err, &me) {
		assert.EqualValues(t, 1452, me.Number)
	}

	long := make([]byte, 600)
	for i := range long {
		long[i] = 'x'
	}
	err = s.CreateCustomer(ctx, &crm.Customer{ID: "c2", Name: string(long), Version: 1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a name longer than its column")
	err = s.CreateCustomer(ctx, &crm.Customer{ID: "c3", Name: "bad \xff UTF-8", Version: 1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a name that is not UTF-8")
	_, err = s.FindCustomerByID(ctx, "c2")
	assert.ErrorIs(t, err, crm.ErrNotFound, "nothing stored")

	err = s.UpdateCustomer(ctx, &crm.Customer{ID: "c1", Name: "Stale", Version: 7})
	assert.ErrorIs(t, err, crm.ErrConflict)
}

// TestDeadlock makes two transactions wait for each other's row: InnoDB
// rolls one back, whose error matches crm.ErrConflict, and the other
// commits.
func TestDeadlock(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	for _, id := range []string{"a", "b"} {
		require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: id, Name: id, Version: 1}))
	}
	rename := func(tx crm.Store, id, name string) error {
		c, err := tx.FindCustomerByID(ctx, id)
		if err != nil {
			return err
		}
		c.Name = name
		return tx.UpdateCustomer(ctx, c)
	}
	var ready sync.WaitGroup
	ready.Add(2)
	run := func(first, second string) error {
		return s.RunInTx(ctx, func(tx crm.Store) error {
			err := rename(tx, first, "by "+first)
			ready.Done()
			if err != nil {
				return err
			}
			ready.Wait() // both hold their first row
			return rename(tx, second, "by "+first)
		})
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, order := range [][2]string{{"a", "b"}, {"b", "a"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = run(order[0], order[1])
		}()
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
			assert.ErrorIs(t, err, crm.ErrConflict)
			var me *gomysql.MySQLError
			if assert.ErrorAs(t, err, &me) {
				assert.EqualValues(t, 1213, me.Number)
			}
		}
	}
	assert.Equal(t, 1, failed, "one transaction is the deadlock's victim: %v", errs)
}

func TestClassifyError(t *testing.T) {
	d := mysql.Dialect()
	for _, tc := range []struct {
		number uint16
		want   error
	}{
		{1062, crm.ErrDuplicate},
		{1586, crm.ErrDuplicate},
		{1452, crm.ErrNotFound},
		{1216, crm.ErrNotFound},
		{1213, crm.ErrConflict},
		{1205, crm.ErrConflict},
		{1020, crm.ErrConflict},
		{1406, crm.ErrInvalid},
		{1366, crm.ErrInvalid},
		{1264, crm.ErrInvalid},
		{1292, crm.ErrInvalid},
		{1146, nil}, // no such table
		{2013, nil}, // lost connection
	} {
		err := fmt.Errorf("wrapped: %w", &gomysql.MySQLError{Number: tc.number, Message: "test"})
		assert.Equal(t, tc.want, d.ClassifyError(err), "error %d", tc.number)
	}
	assert.Nil(t, d.ClassifyError(errors.New("not a server error")))
	assert.Nil(t, d.ClassifyError(gomysql.ErrInvalidConn))
}

func TestOpenInvalid(t *testing.T) {
	for _, dsn := range []string{"no slash", "root@tcp(127.0.0.1:3306)/"} {
		_, err := mysql.Open(t.Context(), dsn)
		assert.ErrorIs(t, err, crm.ErrInvalid, "dsn %q", dsn)
	}
	_, err := mysql.Open(t.Context(), "root:secret-password@tcp(127.0.0.1:1)/crm?timeout=2s")
	if assert.Error(t, err) {
		assert.ErrorIs(t, err, sqlstore.ErrDatabase)
		assert.NotContains(t, err.Error(), "secret-password")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = mysql.Open(ctx, "root@tcp(127.0.0.1:1)/crm?timeout=2s")
	assert.ErrorIs(t, err, context.Canceled)
}

// TestReplicas runs two Clients on two separate pools to one database, as
// two replicas of a service would (storetest.RunReplicas).
func TestReplicas(t *testing.T) {
	dsn := newDatabase(t)
	storetest.RunReplicas(t, func(t *testing.T) (crm.Store, crm.Store) {
		return open(t, dsn), open(t, dsn)
	})
}

// TestSession checks what Open sets on every connection, whatever the
// data source name asks for.
func TestSession(t *testing.T) {
	dsn := newDatabase(t)
	cfg, err := gomysql.ParseDSN(dsn)
	require.NoError(t, err)
	cfg.Params = map[string]string{"sql_mode": "''", "time_zone": "'+02:00'", "charset": "latin1"}
	cfg.Collation = "latin1_swedish_ci"
	cfg.ParseTime = false
	s := open(t, cfg.FormatDSN())
	ctx := t.Context()
	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()

	var mode, zone, charset string
	require.NoError(t, conn.QueryRowContext(ctx,
		"SELECT @@SESSION.sql_mode, @@SESSION.time_zone, @@SESSION.character_set_connection").Scan(&mode, &zone, &charset))
	assert.Contains(t, mode, "STRICT_ALL_TABLES")
	assert.Contains(t, mode, "NO_ENGINE_SUBSTITUTION")
	assert.Equal(t, "+00:00", zone)
	assert.Equal(t, "utf8mb4", charset)

	var isolation string
	err = conn.QueryRowContext(ctx, "SELECT @@SESSION.transaction_isolation").Scan(&isolation)
	if err != nil { // MariaDB before 11.1 knows only tx_isolation
		require.NoError(t, conn.QueryRowContext(ctx, "SELECT @@SESSION.tx_isolation").Scan(&isolation))
	}
	assert.Equal(t, "READ-COMMITTED", isolation)

	at := time.Date(2025, 6, 7, 8, 9, 10, 123456000, time.UTC)
	require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c1", Name: "Åsa", UpdatedAt: at, Version: 1}))
	got, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, "Åsa", got.Name)
	assert.True(t, at.Equal(got.UpdatedAt), "UpdatedAt %v, want %v", got.UpdatedAt, at)
}

// TestOpenMissingDatabase: Open does not create the database.
func TestOpenMissingDatabase(t *testing.T) {
	cfg := serverConfig(t).Clone()
	cfg.DBName = "crm_test_missing_database"
	_, err := mysql.Open(t.Context(), cfg.FormatDSN())
	assert.ErrorIs(t, err, sqlstore.ErrDatabase)
	var me *gomysql.MySQLError
	if assert.ErrorAs(t, err, &me) {
		assert.EqualValues(t, 1049, me.Number, "unknown database")
	}
}

// TestTransactions checks the isolation of the Store's transactions on one
// connection: a read-only REPEATABLE READ transaction (how the Store reads
// several tables) sees one snapshot and cannot write; a read-write
// transaction after it runs at READ COMMITTED, seeing each commit.
func TestTransactions(t *testing.T) {
	dsn := newDatabase(t)
	s := open(t, dsn)
	ctx := t.Context()
	require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c1", Name: "One", Version: 1}))
	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.Raw(func(dc any) error {
		assert.True(t, mysql.BeginsReadsInOneTrip(dc), "the connection is wrapped, %T", dc)
		return nil
	}))
	version := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int64 {
		var v int64
		require.NoError(t, q.QueryRowContext(ctx, "SELECT version FROM customers WHERE id = 'c1'").Scan(&v))
		return v
	}
	bump := func() {
		_, err := s.DB().ExecContext(ctx, "UPDATE customers SET version = version + 1 WHERE id = 'c1'")
		require.NoError(t, err)
	}

	for range 2 { // the second time on a connection that ran the first
		read, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
		require.NoError(t, err)
		v := version(read)
		bump()
		assert.Equal(t, v, version(read), "a read transaction sees one snapshot")
		_, err = read.ExecContext(ctx, "UPDATE customers SET name = 'x' WHERE id = 'c1'")
		var me *gomysql.MySQLError
		if assert.ErrorAs(t, err, &me, "a write in a read-only transaction") {
			assert.EqualValues(t, 1792, me.Number)
		}
		require.NoError(t, read.Rollback())

		write, err := conn.BeginTx(ctx, nil)
		require.NoError(t, err)
		v = version(write)
		bump()
		assert.Equal(t, v+1, version(write), "a read-write transaction sees each commit")
		require.NoError(t, write.Commit())
	}
}
