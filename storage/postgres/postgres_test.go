package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
	"github.com/crmkit/crm/storage/sqlstore"
	"github.com/crmkit/crm/storage/storetest"
)

const skipMessage = "set CRM_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL conformance tests"

// server is the PostgreSQL server of CRM_POSTGRES_DSN, with a connection
// that creates and drops the test's schemas.
type server struct {
	dsn   string
	admin *sql.DB
}

// newServer returns the server to test on, or skips t without
// CRM_POSTGRES_DSN.
func newServer(t testing.TB) *server {
	t.Helper()
	dsn := os.Getenv("CRM_POSTGRES_DSN")
	if dsn == "" {
		t.Skip(skipMessage)
	}
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err, "CRM_POSTGRES_DSN")
	admin := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = admin.Close() })
	require.NoError(t, admin.PingContext(t.Context()), "CRM_POSTGRES_DSN")
	return &server{dsn: dsn, admin: admin}
}

// schema returns a schema name no other test, and no other run of the
// tests, uses, and drops that schema with everything in it when t ends.
// The schema is not created: Open does that.
func (srv *server) schema(t testing.TB) string {
	t.Helper()
	name := "crm_test_" + strings.ToLower(rand.Text()[:16]) // 80 random bits
	t.Cleanup(func() {
		_, err := srv.admin.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
		assert.NoError(t, err, "drop schema %s", name)
	})
	return name
}

// open opens a Store on schema and closes it when t ends (before the
// schema is dropped).
func (srv *server) open(t testing.TB, schema string) *sqlstore.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), srv.dsn, postgres.WithSchema(schema))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawDB opens a plain *sql.DB whose connections work in schema, closed
// when t ends.
func (srv *server) rawDB(t *testing.T, schema string) *sql.DB {
	t.Helper()
	cfg, err := pgx.ParseConfig(srv.dsn)
	require.NoError(t, err)
	cfg.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	db := stdlib.OpenDB(*cfg)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestConformance runs the conformance suite in a schema of its own. Each
// subtest opens a new Store (a pool of its own) on that schema and starts
// with every table emptied; creating and migrating a schema per subtest
// would be as correct and take about twice as long.
func TestConformance(t *testing.T) {
	srv := newServer(t)
	schema := srv.schema(t)
	storetest.Run(t, func(t *testing.T) crm.Store {
		s := srv.open(t, schema)
		emptyTables(t, s.DB(), schema)
		return s
	})
}

// emptyTables empties every table of schema but the migrations' own, so
// that a Store opened on it starts as empty as a new one. It finds the
// tables in the catalog, so later migrations need no change here.
func emptyTables(t *testing.T, db *sql.DB, schema string) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT tablename FROM pg_catalog.pg_tables
		WHERE schemaname = $1 AND tablename NOT IN ('schema_migrations', 'schema_migrations_lock')`, schema)
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, pgx.Identifier{schema, name}.Sanitize())
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.NotEmpty(t, tables)
	_, err = db.ExecContext(t.Context(), "TRUNCATE "+strings.Join(tables, ", "))
	require.NoError(t, err)
}

// migrationVersions returns the versions of the dialect's migration
// files, in order.
func migrationVersions(t *testing.T) []int64 {
	t.Helper()
	files, err := fs.Glob(postgres.Dialect().Migrations(), "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var vs []int64
	for _, f := range files {
		var v int64
		_, err := fmt.Sscanf(f, "%d_", &v)
		require.NoError(t, err, f)
		vs = append(vs, v)
	}
	return vs
}

// appliedVersions returns the versions recorded in schema_migrations, in
// order.
func appliedVersions(t *testing.T, db *sql.DB) []int64 {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
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

func TestMigrateTwiceIsNoOp(t *testing.T) {
	srv := newServer(t)
	schema := srv.schema(t)
	s := srv.open(t, schema)
	want := migrationVersions(t)
	assert.Equal(t, want, appliedVersions(t, s.DB()))

	n, err := sqlstore.Migrate(t.Context(), s.DB(), postgres.Dialect())
	require.NoError(t, err)
	assert.Zero(t, n, "second Migrate applied migrations")

	s2 := srv.open(t, schema) // a second Open migrates nothing either
	assert.Equal(t, want, appliedVersions(t, s2.DB()))
}

// TestSchemaNameQuoted opens a schema whose name needs quoting, twice:
// Open creates it, then finds it.
func TestSchemaNameQuoted(t *testing.T) {
	srv := newServer(t)
	schema := srv.schema(t) + ` "Odd", Name`
	t.Cleanup(func() {
		_, err := srv.admin.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		assert.NoError(t, err)
	})
	s := srv.open(t, schema)
	require.NoError(t, s.CreateCustomer(t.Context(), &crm.Customer{ID: "c-1", Kind: crm.KindOrganization, Name: "One", Version: 1}))
	s2 := srv.open(t, schema)
	got, err := s2.FindCustomerByID(t.Context(), "c-1")
	require.NoError(t, err)
	assert.Equal(t, "One", got.Name)

	var n int
	require.NoError(t, srv.admin.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'customers'`, schema).Scan(&n))
	assert.Equal(t, 1, n, "customers is in the schema named %q", schema)

	// COPY finds the tables as the queries do.
	require.NoError(t, s.CreateCustomers(t.Context(), []*crm.Customer{{ID: "c-2", Kind: crm.KindPerson, Name: "Two",
		Emails: []crm.Email{{Address: "two@example.com"}}, Version: 1}}))
	for table, want := range map[string]int{"customers": 2, "customer_emails": 1} {
		require.NoError(t, srv.admin.QueryRowContext(t.Context(),
			`SELECT COUNT(*) FROM `+pgx.Identifier{schema, table}.Sanitize()).Scan(&n))
		assert.Equal(t, want, n, "rows of %s in the schema named %q", table, schema)
	}

	_, err = postgres.Open(t.Context(), srv.dsn, postgres.WithSchema("bad\x00name"))
	assert.ErrorIs(t, err, crm.ErrInvalid, "schema name with a NUL byte")
}

// TestConcurrentMigrate migrates fresh schemas from several *sql.DB at
// once, as processes starting together would: each migration is applied
// exactly once, and every migrator returns with the schema complete. The
// first migration also creates schema_migrations, which the migrators
// race to do.
func TestConcurrentMigrate(t *testing.T) {
	srv := newServer(t)
	want := migrationVersions(t)
	const rounds, migrators = 5, 4
	for round := range rounds {
		schema := srv.schema(t)
		_, err := srv.admin.ExecContext(t.Context(), "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize())
		require.NoError(t, err)
		dbs := make([]*sql.DB, migrators)
		for i := range dbs {
			dbs[i] = srv.rawDB(t, schema)
			require.NoError(t, dbs[i].PingContext(t.Context()))
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
				applied[i], errs[i] = sqlstore.Migrate(t.Context(), db, postgres.Dialect())
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range migrators {
			require.NoError(t, errs[i], "round %d, migrator %d", round, i)
			total += applied[i]
			// Each returned with the schema complete.
		}
		assert.Equal(t, len(want), total, "round %d: migrations applied in all", round)
		assert.Equal(t, want, appliedVersions(t, dbs[0]), "round %d", round)
	}
}

// TestConcurrentOpen opens one schema that does not exist yet from
// several processes' worth of Open calls at once: they race to create the
// schema and to migrate it, and all succeed.
func TestConcurrentOpen(t *testing.T) {
	srv := newServer(t)
	schema := srv.schema(t)
	const openers = 4
	stores := make([]*sqlstore.Store, openers)
	errs := make([]error, openers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = postgres.Open(t.Context(), srv.dsn, postgres.WithSchema(schema))
		}()
	}
	close(start)
	wg.Wait()
	for i, s := range stores {
		require.NoError(t, errs[i], "opener %d", i)
		t.Cleanup(func() { _ = s.Close() })
	}
	assert.Equal(t, migrationVersions(t), appliedVersions(t, stores[0].DB()))
}

// TestConsoleReadable reads what a Client stored with plain SQL, as a
// person at a console or a BI tool would: typed columns, money as an exact
// NUMERIC(20,4), custom fields as JSONB, and no float column anywhere.
func TestConsoleReadable(t *testing.T) {
	srv := newServer(t)
	schema := srv.schema(t)
	s := srv.open(t, schema)
	client, err := crm.New(s)
	require.NoError(t, err)
	ctx := t.Context()
	cust, err := client.CreateCustomer(ctx, &crm.Customer{
		Name:        "Acme Ltd",
		Kind:        crm.KindOrganization,
		CreditLimit: crm.Money{Amount: decimal.RequireFromString("1234567890123.4567"), Currency: "EUR"},
		Custom:      map[string]crm.CustomValue{"tier": crm.StringValue("gold"), "seats": crm.IntValue(12)},
	})
	require.NoError(t, err)

	var name, amount, currency, tier, seats, updatedType string
	err = s.DB().QueryRowContext(ctx, `SELECT name, credit_limit_amount::text, credit_limit_currency,
		custom->'tier'->>'value', custom->'seats'->>'value', pg_typeof(updated_at)::text
		FROM customers WHERE id = $1`, cust.ID).Scan(&name, &amount, &currency, &tier, &seats, &updatedType)
	require.NoError(t, err)
	assert.Equal(t, "Acme Ltd", name)
	assert.Equal(t, "1234567890123.4567", amount)
	assert.Equal(t, "EUR", currency)
	assert.Equal(t, "gold", tier)
	assert.Equal(t, "12", seats)
	assert.Equal(t, "timestamp with time zone", updatedType)

	var precision, scale int
	err = s.DB().QueryRowContext(ctx, `SELECT numeric_precision, numeric_scale FROM information_schema.columns
		WHERE table_schema = $1 AND table_name = 'customers' AND column_name = 'credit_limit_amount'`,
		schema).Scan(&precision, &scale)
	require.NoError(t, err)
	assert.Equal(t, [2]int{20, 4}, [2]int{precision, scale}, "credit_limit_amount is NUMERIC(20,4)")

	for _, table := range []string{"opportunities", "opportunity_changes"} {
		err = s.DB().QueryRowContext(ctx, `SELECT numeric_precision, numeric_scale FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = $2 AND column_name = 'amount'`,
			schema, table).Scan(&precision, &scale)
		require.NoError(t, err)
		assert.Equal(t, [2]int{20, 4}, [2]int{precision, scale}, "%s.amount is NUMERIC(20,4)", table)
	}

	var floats int
	err = s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.columns
		WHERE table_schema = $1 AND data_type IN ('real', 'double precision')`, schema).Scan(&floats)
	require.NoError(t, err)
	assert.Zero(t, floats, "float columns in the schema")
}

// TestSalesConsoleReadable reads a stored pipeline, opportunity and
// history entry with plain SQL: stages in a table of their own, amounts
// as exact NUMERIC(20,4), the close date as the timestamptz of its
// midnight UTC.
func TestSalesConsoleReadable(t *testing.T) {
	srv := newServer(t)
	s := srv.open(t, srv.schema(t))
	ctx := t.Context()
	at := time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.FixedZone("CET", 3600))
	require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c-1", Kind: crm.KindOrganization, Name: "Acme", Version: 1}))
	p := crm.DefaultPipeline()
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = "p-1", at, at, 1
	require.NoError(t, s.CreatePipeline(ctx, p))
	amount := crm.Money{Amount: decimal.RequireFromString("1234567890123.4500"), Currency: "EUR"}
	require.NoError(t, s.CreateOpportunity(ctx, &crm.Opportunity{
		ID: "o-1", Name: "Acme deal", CustomerID: "c-1", PipelineID: "p-1", Stage: "proposal",
		Status: crm.OpportunityOpen, Amount: amount, Probability: 30,
		CloseDate: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), StageEnteredAt: at, CreatedAt: at, UpdatedAt: at, Version: 1,
	}))
	require.NoError(t, s.AddOpportunityChange(ctx, &crm.OpportunityChange{OpportunityID: "o-1", Version: 1, At: at,
		ToStage: "proposal", Status: crm.OpportunityOpen, Amount: amount, Probability: 30}))

	var requires string
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT requires FROM pipeline_stages
		WHERE pipeline_id = 'p-1' AND stage_key = 'proposal'`).Scan(&requires))
	assert.Equal(t, "amount close_date", requires)
	var got, closeDate, closeType string
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT amount::text, to_char(close_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
		pg_typeof(close_date)::text FROM opportunities WHERE id = 'o-1'`).Scan(&got, &closeDate, &closeType))
	assert.Equal(t, "1234567890123.4500", got)
	assert.Equal(t, "2025-03-31 00:00:00", closeDate)
	assert.Equal(t, "timestamp with time zone", closeType)
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT amount::text FROM opportunity_changes
		WHERE opportunity_id = 'o-1' AND version = 1`).Scan(&got))
	assert.Equal(t, "1234567890123.4500", got)

	o, err := s.FindOpportunityByID(ctx, "o-1")
	require.NoError(t, err)
	assert.True(t, amount.Amount.Equal(o.Amount.Amount), "amount %s, want %s", o.Amount.Amount, amount.Amount)
	assert.Equal(t, crm.Timestamp(at), o.StageEnteredAt)
}

// TestSearchUsesIndex checks that the prefix conditions of
// Dialect.PrefixMatch can use the B-tree indexes of the search keys,
// which needs them compared with the columns' "C" collation.
func TestSearchUsesIndex(t *testing.T) {
	srv := newServer(t)
	s := srv.open(t, srv.schema(t))
	ctx := t.Context()
	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `SET enable_seqscan = off`)
	require.NoError(t, err)
	defer conn.ExecContext(context.Background(), `RESET enable_seqscan`) //nolint:errcheck // best effort

	d := postgres.Dialect()
	for table, column := range map[string]string{"customers": "name_fold", "customer_emails": "address_fold"} {
		cond, args := d.PrefixMatch(column, "ACM")
		rows, err := conn.QueryContext(ctx, d.Rebind("EXPLAIN SELECT 1 FROM "+table+" WHERE "+cond), args...)
		require.NoError(t, err)
		var plan strings.Builder
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			plan.WriteString(line + "\n")
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		assert.Contains(t, plan.String(), table+"_"+column, "plan of a prefix search on %s.%s:\n%s", table, column, plan.String())
	}
}

// TestOpportunityIndexesUsed checks that each filter of
// crm.OpportunityFilter, as FindOpportunities writes it, can search its
// own index, and that a filter on one value reads it in ID order, with no
// sort, so that a page stops at its LIMIT; and that history pages search
// the primary key of opportunity_changes.
func TestOpportunityIndexesUsed(t *testing.T) {
	srv := newServer(t)
	s := srv.open(t, srv.schema(t))
	ctx := t.Context()
	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `SET enable_seqscan = off`)
	require.NoError(t, err)
	defer conn.ExecContext(context.Background(), `RESET enable_seqscan`) //nolint:errcheck // best effort

	for _, tc := range []struct {
		name, query, index string
		ordered            bool
	}{
		{"customers", `o.customer_id IN ('a', 'b') AND o.id > ''`, "opportunities_customer_id", false},
		{"pipelines", `o.pipeline_id IN ('a', 'b') AND o.id > ''`, "opportunities_pipeline_id", false},
		{"owners", `o.owner_id IN ('a', 'b') AND o.id > ''`, "opportunities_owner_id", false},
		{"stages", `o.stage IN ('a', 'b') AND o.id > ''`, "opportunities_stage", false},
		{"statuses", `o.status IN ('open', 'won') AND o.id > ''`, "opportunities_status", false},
		{"one customer", `o.customer_id IN ('a') AND o.id > ''`, "opportunities_customer_id", true},
		{"one pipeline", `o.pipeline_id IN ('a') AND o.id > ''`, "opportunities_pipeline_id", true},
		{"one owner", `o.owner_id IN ('a') AND o.id > ''`, "opportunities_owner_id", true},
		{"one stage", `o.stage IN ('a') AND o.id > ''`, "opportunities_stage", true},
		{"one status", `o.status IN ('open') AND o.id > ''`, "opportunities_status", true},
		{"close dates", `o.close_date >= '2025-01-01T00:00:00Z' AND o.close_date < '2025-02-01T00:00:00Z'`, "opportunities_close_date", false},
	} {
		plan := explain(t, conn, `SELECT * FROM opportunities o WHERE `+tc.query+` ORDER BY o.id LIMIT 101`)
		assert.Contains(t, plan, tc.index, "%s:\n%s", tc.name, plan)
		if tc.ordered {
			assert.NotContains(t, plan, "Sort", "%s:\n%s", tc.name, plan)
		}
	}
	for name, query := range map[string]string{
		"history page":       `opportunity_id >= 'x' AND (opportunity_id > 'x' OR version > 3)`,
		"histories of deals": `opportunity_id IN ('x', 'y')`,
	} {
		plan := explain(t, conn, `SELECT * FROM opportunity_changes WHERE `+query+` ORDER BY opportunity_id, version LIMIT 101`)
		assert.Contains(t, plan, "opportunity_changes_pkey", "%s:\n%s", name, plan)
	}
}

// explain returns PostgreSQL's plan for query, run on conn.
func explain(t *testing.T, conn *sql.Conn, query string) string {
	t.Helper()
	rows, err := conn.QueryContext(t.Context(), "EXPLAIN "+query)
	require.NoError(t, err, query)
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var line string
		require.NoError(t, rows.Scan(&line))
		plan.WriteString(line + "\n")
	}
	require.NoError(t, rows.Err())
	return plan.String()
}

// TestIDOrder checks that listings come in byte order of the IDs, as Go
// sorts strings, which a locale's collation would not give (it sorts "a"
// before "B" and may ignore punctuation).
func TestIDOrder(t *testing.T) {
	srv := newServer(t)
	s := srv.open(t, srv.schema(t))
	ids := []string{"a-2", "B", "a2", "_x", "é", "Z", "a-1", "a"}
	for _, id := range ids {
		require.NoError(t, s.CreateCustomer(t.Context(), &crm.Customer{ID: id, Kind: crm.KindOrganization, Name: id, Version: 1}))
	}
	var got []string
	var after crm.Cursor
	for {
		page, next, err := s.FindCustomers(t.Context(), crm.CustomerFilter{After: after, Limit: 3})
		require.NoError(t, err)
		for _, c := range page {
			got = append(got, c.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	want := slices.Clone(ids)
	slices.Sort(want)
	assert.Equal(t, want, got)
}

// TestReplicas runs two Clients on two separate connection pools to one
// schema, as two replicas of a service would (storetest.RunReplicas).
func TestReplicas(t *testing.T) {
	srv := newServer(t)
	schema := srv.schema(t)
	storetest.RunReplicas(t, func(t *testing.T) (crm.Store, crm.Store) {
		return srv.open(t, schema), srv.open(t, schema)
	})
}

// TestErrors checks that database errors arrive as the crm sentinels,
// with the driver's error still in the chain.
func TestErrors(t *testing.T) {
	srv := newServer(t)
	s := srv.open(t, srv.schema(t))
	ctx := t.Context()
	c := &crm.Customer{ID: "c-1", Kind: crm.KindOrganization, Name: "One", Version: 1}
	require.NoError(t, s.CreateCustomer(ctx, c))

	err := s.CreateCustomer(ctx, &crm.Customer{ID: "c-1", Kind: crm.KindOrganization, Name: "Again", Version: 1})
	require.ErrorIs(t, err, crm.ErrDuplicate)
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "23505", pgErr.Code)
	assert.True(t, strings.HasPrefix(err.Error(), "postgres: "), err.Error())

	err = s.CreateContact(ctx, &crm.Contact{ID: "ct-1", CustomerID: "missing", Name: "Nobody", Version: 1})
	require.ErrorIs(t, err, crm.ErrNotFound)
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "23503", pgErr.Code)

	_, err = s.FindCustomerByID(ctx, "missing")
	require.ErrorIs(t, err, crm.ErrNotFound)

	// PostgreSQL text cannot hold the byte 0: a search for it finds
	// nothing rather than failing.
	page, _, err := s.FindCustomers(ctx, crm.CustomerFilter{Search: "O\x00"})
	require.NoError(t, err)
	assert.Empty(t, page)
	page, _, err = s.FindCustomers(ctx, crm.CustomerFilter{Search: "on"})
	require.NoError(t, err)
	assert.Len(t, page, 1)

	// A database error with no meaning to the CRM.
	_, err = s.DB().ExecContext(ctx, `LOCK TABLE customers IN ACCESS EXCLUSIVE MODE`) // outside a transaction
	require.Error(t, err)
	assert.Nil(t, postgres.Dialect().ClassifyError(err))
}

func TestOpenErrors(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://localhost:notaport/x")
	assert.ErrorIs(t, err, crm.ErrInvalid, "malformed dsn")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=1")
	assert.ErrorIs(t, err, context.Canceled, "cancelled context")
}

func TestOpenUnreachable(t *testing.T) {
	srv := newServer(t) // the server's host, on a port where nothing listens
	cfg, err := pgx.ParseConfig(srv.dsn)
	require.NoError(t, err)
	_, err = postgres.Open(t.Context(), fmt.Sprintf("postgres://%s@%s:1/%s?sslmode=disable&connect_timeout=2",
		cfg.User, cfg.Host, cfg.Database))
	require.Error(t, err)
	assert.ErrorIs(t, err, sqlstore.ErrDatabase)
	assert.True(t, strings.HasPrefix(err.Error(), "postgres: open: connect: "), err.Error())
}

func TestClassifyError(t *testing.T) {
	d := postgres.Dialect()
	for code, want := range map[string]error{
		"23505": crm.ErrDuplicate,
		"23503": crm.ErrNotFound,
		"40001": crm.ErrConflict,
		"40P01": crm.ErrConflict,
		"55P03": crm.ErrConflict,
		"23502": nil, // not_null_violation
		"42P01": nil, // undefined_table
		"57014": nil, // query_canceled: the Store reports the context's error
	} {
		err := fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code})
		assert.Equal(t, want, d.ClassifyError(err), "SQLSTATE %s", code)
	}
	assert.Nil(t, d.ClassifyError(errors.New("not from the database")))
	assert.Nil(t, d.ClassifyError(sql.ErrConnDone))
}

func TestRebind(t *testing.T) {
	assert.Equal(t, "SELECT $1, '?', $2", postgres.Dialect().Rebind("SELECT ?, '?', ?"))
}
