package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	msqlite "modernc.org/sqlite"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
	"github.com/crmkit/crm/storage/sqlstore"
	"github.com/crmkit/crm/storage/storetest"
)

// TestConformance runs the conformance suite on a new database file per
// subtest.
//
// Under the race detector, which slows the pure-Go SQLite engine many
// times over, it runs the checks that use the store from several
// goroutines at once (storetest.RunConcurrent); the rest is the same code
// with or without it, and .ci/run runs the whole suite again without
// -race.
func TestConformance(t *testing.T) {
	run := storetest.Run
	if raceEnabled {
		run = storetest.RunConcurrent
	}
	run(t, func(t *testing.T) crm.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	})
}

// TestReplicas opens one file twice, as two processes would, and updates
// one customer through both (storetest.RunReplicas).
func TestReplicas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	storetest.RunReplicas(t, func(t *testing.T) (crm.Store, crm.Store) {
		return mustOpen(t, path), mustOpen(t, path)
	})
}

// TestConformanceInMemory runs the conformance suite on ":memory:", whose
// pool has one connection. The code under test is the file-backed run's,
// so under the race detector, which slows the SQLite engine some
// fifteenfold, it leaves the race checks to that run; .ci/run runs it
// again without -race.
func TestConformanceInMemory(t *testing.T) {
	if raceEnabled {
		t.Skip("under -race the file-backed run covers the same code; run without -race for this one (.ci/run does)")
	}
	storetest.Run(t, func(t *testing.T) crm.Store {
		return mustOpen(t, ":memory:")
	})
}

func mustOpen(tb testing.TB, path string, opts ...sqlite.Option) *sqlstore.Store {
	tb.Helper()
	s, err := sqlite.Open(tb.Context(), path, opts...)
	require.NoError(tb, err, "Open %s", path)
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// TestPragmas checks the settings of the connections, on several of them
// at once, so that not only the first one is checked.
func TestPragmas(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	var conns []interface{ Close() error }
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for i := range 3 {
		conn, err := s.DB().Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, conn)

		var journal string
		var foreignKeys, busyTimeout, synchronous, cacheSize, checkpoint int
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cacheSize))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&checkpoint))
		assert.Equal(t, -32768, cacheSize, "cache_size (32 MiB) of connection %d", i)
		assert.Equal(t, 10000, checkpoint, "wal_autocheckpoint of connection %d", i)
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&journal))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&foreignKeys))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busyTimeout))
		require.NoError(t, conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&synchronous))
		assert.Equal(t, "wal", journal, "journal_mode of connection %d", i)
		assert.Equal(t, 1, foreignKeys, "foreign_keys of connection %d", i)
		assert.Equal(t, 5000, busyTimeout, "busy_timeout of connection %d", i)
		assert.Equal(t, 1, synchronous, "synchronous (NORMAL) of connection %d", i)
	}

	s2 := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"), sqlite.WithBusyTimeout(1500*time.Millisecond), sqlite.WithCacheSize(8<<20+100))
	var busyTimeout, cacheSize int
	require.NoError(t, s2.DB().QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busyTimeout))
	require.NoError(t, s2.DB().QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cacheSize))
	assert.Equal(t, 1500, busyTimeout, "busy_timeout set by WithBusyTimeout")
	assert.Equal(t, -8192, cacheSize, "cache_size set by WithCacheSize, in KiB")
}

// TestSchemaReadable reads a stored customer with plain SQL, as a person
// at a SQL console would: typed columns, the credit limit as exact text,
// times as sortable UTC text, lists in their own tables.
func TestSchemaReadable(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	created := time.Date(2024, 2, 29, 23, 30, 5, 123456789, time.FixedZone("UTC+05:30", 5*3600+1800))
	c := &crm.Customer{
		ID: "c-1", Kind: crm.KindOrganization, Name: "Zoë Ålander GmbH", Stage: crm.StageActive,
		Emails:      []crm.Email{{Address: "info@alander.example", Primary: true}, {Address: "billing@alander.example", Label: "billing"}},
		Tags:        []string{"b2b", "vip"},
		CreditLimit: crm.Money{Amount: decimal.RequireFromString("1234567890.4500"), Currency: "EUR"},
		Custom:      map[string]crm.CustomValue{"seats": crm.IntValue(250)},
		CreatedAt:   created, UpdatedAt: created, Version: 1,
	}
	require.NoError(t, s.CreateCustomer(ctx, c))

	var name, nameFold, kind, amount, amountType, currency, createdAt, custom string
	var archived any
	var version int64
	err := s.DB().QueryRowContext(ctx, `SELECT name, name_fold, kind, credit_limit_amount, typeof(credit_limit_amount),
		credit_limit_currency, created_at, archived_at, custom, version FROM customers WHERE id = ?`, "c-1").
		Scan(&name, &nameFold, &kind, &amount, &amountType, &currency, &createdAt, &archived, &custom, &version)
	require.NoError(t, err)
	assert.Equal(t, "Zoë Ålander GmbH", name)
	assert.Equal(t, "ZOË ÅLANDER GMBH", nameFold)
	assert.Equal(t, "organization", kind)
	assert.Equal(t, "1234567890.4500", amount, "the credit limit, exactly as given")
	assert.Equal(t, "text", amountType, "the credit limit is stored as text, never as a float")
	assert.Equal(t, "EUR", currency)
	assert.Equal(t, "2024-02-29T18:00:05.123456Z", createdAt, "times are UTC text at microseconds")
	assert.Nil(t, archived, "a zero time is NULL")
	assert.JSONEq(t, `{"seats":{"type":"number","value":"250"}}`, custom)
	assert.EqualValues(t, 1, version)

	rows, err := s.DB().QueryContext(ctx, `SELECT address, is_primary FROM customer_emails WHERE customer_id = ? ORDER BY position`, "c-1")
	require.NoError(t, err)
	defer rows.Close()
	var emails []string
	var primary []bool
	for rows.Next() {
		var a string
		var p bool
		require.NoError(t, rows.Scan(&a, &p))
		emails, primary = append(emails, a), append(primary, p)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"info@alander.example", "billing@alander.example"}, emails)
	assert.Equal(t, []bool{true, false}, primary)

	var tags int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM customer_tags WHERE tag IN ('b2b', 'vip')`).Scan(&tags))
	assert.Equal(t, 2, tags)
}

// TestSalesSchemaReadable reads a stored pipeline, opportunity and
// history entry with plain SQL: stages and lost reasons in tables of
// their own, the amount as exact text, the close date as the time of its
// midnight UTC.
func TestSalesSchemaReadable(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	at := time.Date(2025, 3, 4, 5, 6, 7, 891234567, time.FixedZone("CET", 3600))
	require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c-1", Name: "Acme", Version: 1}))
	p := crm.DefaultPipeline()
	p.ID, p.CreatedAt, p.UpdatedAt, p.Version = "p-1", at, at, 1
	require.NoError(t, s.CreatePipeline(ctx, p))
	o := &crm.Opportunity{
		ID: "o-1", Name: "Acme — 40 seats", CustomerID: "c-1", PipelineID: "p-1", Stage: "proposal",
		Status: crm.OpportunityOpen, Amount: crm.Money{Amount: decimal.RequireFromString("1234567890.4500"), Currency: "EUR"},
		Probability: 30, CloseDate: time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC), StageEnteredAt: at,
		CreatedAt: at, UpdatedAt: at, Version: 1,
	}
	require.NoError(t, s.CreateOpportunity(ctx, o))
	require.NoError(t, s.AddOpportunityChange(ctx, &crm.OpportunityChange{OpportunityID: "o-1", Version: 1, At: at,
		ToStage: "proposal", Status: crm.OpportunityOpen, Amount: o.Amount, Probability: 30, CloseDate: o.CloseDate}))

	var requires, category string
	var probability int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT requires, category, probability FROM pipeline_stages
		WHERE pipeline_id = 'p-1' AND stage_key = 'proposal'`).Scan(&requires, &category, &probability))
	assert.Equal(t, "amount close_date", requires, "required fields separated by spaces")
	assert.Equal(t, "pipeline", category)
	assert.Equal(t, 30, probability)
	var reasons int
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pipeline_lost_reasons WHERE pipeline_id = 'p-1'`).Scan(&reasons))
	assert.Equal(t, len(p.LostReasons), reasons)

	var amount, amountType, currency, closeDate, entered string
	var closed any
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT amount, typeof(amount), amount_currency, close_date,
		stage_entered_at, closed_at FROM opportunities WHERE id = 'o-1'`).
		Scan(&amount, &amountType, &currency, &closeDate, &entered, &closed))
	assert.Equal(t, "1234567890.4500", amount)
	assert.Equal(t, "text", amountType, "the amount is stored as text, never as a float")
	assert.Equal(t, "EUR", currency)
	assert.Equal(t, "2025-03-31T00:00:00.000000Z", closeDate)
	assert.Equal(t, "2025-03-04T04:06:07.891234Z", entered)
	assert.Nil(t, closed, "a zero time is NULL")
	require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT amount, typeof(amount) FROM opportunity_changes
		WHERE opportunity_id = 'o-1' AND version = 1`).Scan(&amount, &amountType))
	assert.Equal(t, "1234567890.4500", amount)
	assert.Equal(t, "text", amountType)

	got, err := s.FindOpportunityByID(ctx, "o-1")
	require.NoError(t, err)
	assert.True(t, o.Amount.Amount.Equal(got.Amount.Amount), "amount %s", got.Amount.Amount)
	assert.Equal(t, crm.Timestamp(at), got.StageEnteredAt)
	gotP, err := s.FindPipelineByID(ctx, "p-1")
	require.NoError(t, err)
	assert.Equal(t, p.Stages, gotP.Stages)
	assert.Equal(t, p.LostReasons, gotP.LostReasons)
}

// TestIndexesUsed asks SQLite how it runs the filters: each must search an
// index, none scan the customers table.
func TestIndexesUsed(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	db := s.DB()
	for _, tc := range []struct{ name, query string }{
		{"owner", `SELECT id FROM customers WHERE owner_id IN ('a', 'b') AND id > '' ORDER BY id`},
		{"email", `SELECT id FROM customers WHERE id IN (SELECT customer_id FROM customer_emails WHERE address = 'x')`},
		{"phone", `SELECT id FROM customers WHERE id IN (SELECT customer_id FROM customer_phones WHERE number = 'x')`},
		{"tag", `SELECT id FROM customers WHERE id IN (SELECT customer_id FROM customer_tags WHERE tag = 'x')`},
		{"tax_id", `SELECT id FROM customers WHERE tax_id = 'x'`},
		{"name search", `SELECT id FROM customers WHERE name_fold >= 'AC' AND name_fold < 'AD'`},
		{"email search", `SELECT customer_id FROM customer_emails WHERE address_fold >= 'AC' AND address_fold < 'AD'`},
		{"updated since", `SELECT id FROM customers WHERE updated_at >= '2025-01-01T00:00:00.000000Z'`},
		{"contacts of a customer", `SELECT id FROM contacts WHERE customer_id = 'x' AND id > '' ORDER BY id`},
	} {
		rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tc.query)
		require.NoError(t, err, tc.name)
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
			plan = append(plan, detail)
		}
		require.NoError(t, rows.Close())
		for _, step := range plan {
			assert.NotRegexp(t, `^SCAN (customers|contacts|customer_\w+)( |$)`, step, "%s: plan %q", tc.name, plan)
		}
	}

	// The filters of OpportunityFilter, as FindOpportunities writes them:
	// each must search its own index, and a filter on one value must
	// read it in ID order, with no sort, so that a page stops at its
	// LIMIT.
	for _, tc := range []struct{ name, query, index string }{
		{"customer", `SELECT * FROM opportunities o WHERE o.customer_id IN ('a', 'b') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_customer_id"},
		{"pipeline", `SELECT * FROM opportunities o WHERE o.pipeline_id IN ('a', 'b') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_pipeline_id"},
		{"owner", `SELECT * FROM opportunities o WHERE o.owner_id IN ('a', 'b') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_owner_id"},
		{"stage", `SELECT * FROM opportunities o WHERE o.stage IN ('a', 'b') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_stage"},
		{"status", `SELECT * FROM opportunities o WHERE o.status IN ('open', 'won') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_status"},
		{"one customer", `SELECT * FROM opportunities o WHERE o.customer_id IN ('a') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_customer_id"},
		{"one pipeline", `SELECT * FROM opportunities o WHERE o.pipeline_id IN ('a') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_pipeline_id"},
		{"one owner", `SELECT * FROM opportunities o WHERE o.owner_id IN ('a') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_owner_id"},
		{"one stage", `SELECT * FROM opportunities o WHERE o.stage IN ('a') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_stage"},
		{"one status", `SELECT * FROM opportunities o WHERE o.status IN ('open') AND o.id > '' ORDER BY o.id LIMIT 101`, "opportunities_status"},
		{"close dates", `SELECT * FROM opportunities o WHERE o.close_date >= '2025-01-01T00:00:00.000000Z'
			AND o.close_date < '2025-02-01T00:00:00.000000Z' ORDER BY o.id LIMIT 101`, "opportunities_close_date"},
		{"history page", `SELECT * FROM opportunity_changes WHERE opportunity_id >= 'x' AND (opportunity_id > 'x' OR version > 3)
			ORDER BY opportunity_id, version LIMIT 101`, "PRIMARY KEY"},
		{"histories of deals", `SELECT * FROM opportunity_changes WHERE opportunity_id IN ('x', 'y')
			ORDER BY opportunity_id, version LIMIT 101`, "PRIMARY KEY"},
		{"stages of a pipeline", `SELECT * FROM pipeline_stages WHERE pipeline_id = 'x' ORDER BY position`, "PRIMARY KEY"},
		{"moved deals", `SELECT id FROM opportunities WHERE customer_id = 'x'`, "opportunities_customer_id"},
	} {
		plan := queryPlan(t, db, tc.query)
		assert.Contains(t, strings.Join(plan, "\n"), tc.index, "%s: plan %q", tc.name, plan)
		for _, step := range plan {
			assert.NotRegexp(t, `^SCAN `, step, "%s: plan %q", tc.name, plan)
		}
		if strings.HasPrefix(tc.name, "one ") || strings.HasPrefix(tc.name, "histor") {
			assert.NotContains(t, strings.Join(plan, "\n"), "TEMP B-TREE", "%s: plan %q", tc.name, plan)
		}
	}
}

// queryPlan returns the steps of SQLite's plan for query.
func queryPlan(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query)
	require.NoError(t, err, query)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	require.NoError(t, rows.Err())
	return plan
}

// TestErrors checks that driver errors come out as the crm sentinels, with
// the driver's error still in the chain.
func TestErrors(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "crm.db")
	s := mustOpen(t, path, sqlite.WithBusyTimeout(50*time.Millisecond))
	c := &crm.Customer{ID: "c-1", Name: "One", Version: 1}
	require.NoError(t, s.CreateCustomer(ctx, c))

	t.Run("Duplicate", func(t *testing.T) {
		err := s.CreateCustomer(ctx, c)
		assert.ErrorIs(t, err, crm.ErrDuplicate)
		var serr *msqlite.Error
		assert.True(t, errors.As(err, &serr), "the driver's error stays in the chain: %v", err)
		assert.Regexp(t, `^sqlite: create customer c-1: `, err.Error())
	})
	t.Run("ForeignKey", func(t *testing.T) {
		err := s.CreateContact(ctx, &crm.Contact{ID: "ct-1", CustomerID: "nobody", Name: "Orphan", Version: 1})
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("Busy", func(t *testing.T) {
		// Another process holds the write lock longer than the busy
		// timeout.
		other := mustOpen(t, path)
		locked, release := make(chan struct{}), make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- other.RunInTx(ctx, func(tx crm.Store) error {
				close(locked)
				<-release
				return nil
			})
		}()
		<-locked
		err := s.UpdateCustomer(ctx, &crm.Customer{ID: "c-1", Name: "Renamed", Version: 1})
		close(release)
		require.NoError(t, <-done)
		assert.ErrorIs(t, err, crm.ErrConflict, "a write that waited out the busy timeout")
		assert.NotErrorIs(t, err, sqlstore.ErrDatabase)
	})
	t.Run("Canceled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := s.FindCustomerByID(cctx, "c-1")
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("Closed", func(t *testing.T) {
		s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
		db := s.DB()
		require.NoError(t, s.Close())
		assert.Error(t, db.PingContext(ctx), "Close closes the database Open opened")
		_, err := s.FindCustomerByID(ctx, "c-1")
		assert.ErrorIs(t, err, sqlstore.ErrClosed)
		assert.ErrorIs(t, s.Close(), sqlstore.ErrClosed)
	})
}

// TestOpen opens awkward paths, files that are not databases, and one
// database from several Stores at once.
func TestOpen(t *testing.T) {
	ctx := t.Context()
	t.Run("AwkwardPath", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "my crm?#%20.db")
		s := mustOpen(t, path)
		require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c-1", Name: "One", Version: 1}))
		_, err := os.Stat(path)
		assert.NoError(t, err, "the file is named as given")
	})
	t.Run("RelativePath", func(t *testing.T) {
		t.Chdir(t.TempDir())
		mustOpen(t, "crm.db")
		_, err := os.Stat("crm.db")
		assert.NoError(t, err)
	})
	t.Run("NotADatabase", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "notes.txt")
		require.NoError(t, os.WriteFile(path, []byte("these are not the pages of a database, but text: "+string(make([]byte, 4096))), 0o600))
		_, err := sqlite.Open(ctx, path)
		assert.Error(t, err)
	})
	t.Run("EmptyPath", func(t *testing.T) {
		_, err := sqlite.Open(ctx, "")
		assert.ErrorIs(t, err, crm.ErrInvalid)
	})
	t.Run("Reopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crm.db")
		s, err := sqlite.Open(ctx, path)
		require.NoError(t, err)
		require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c-1", Name: "Kept", Version: 1}))
		require.NoError(t, s.Close())
		s = mustOpen(t, path)
		c, err := s.FindCustomerByID(ctx, "c-1")
		require.NoError(t, err)
		assert.Equal(t, "Kept", c.Name)
	})
	t.Run("Concurrently", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crm.db")
		const n = 4
		var wg sync.WaitGroup
		stores := make([]*sqlstore.Store, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				stores[i], errs[i] = sqlite.Open(ctx, path)
			}()
		}
		close(start)
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "Open %d", i)
			t.Cleanup(func() { _ = stores[i].Close() })
		}
		var versions int
		require.NoError(t, stores[0].DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&versions))
		assert.Equal(t, len(sqlite.MigrationVersions(t)), versions)
	})
}

// TestBulkWriteFailingHalfway makes a bulk write fail after its customers
// are written (a trigger refuses one email): the transaction, which has
// no savepoint to roll back to, refuses every later call, RunInTx fails
// and nothing of it is stored.
func TestBulkWriteFailingHalfway(t *testing.T) {
	ctx := t.Context()
	s := mustOpen(t, filepath.Join(t.TempDir(), "crm.db"))
	_, err := s.DB().ExecContext(ctx, `CREATE TRIGGER refuse_boom BEFORE INSERT ON customer_emails
		WHEN NEW.address = 'boom@example.com' BEGIN SELECT RAISE(ABORT, 'boom refused'); END`)
	require.NoError(t, err)

	before := &crm.Customer{ID: "c-0", Name: "Before", Version: 1}
	batch := []*crm.Customer{
		{ID: "c-1", Name: "One", Version: 1},
		{ID: "c-2", Name: "Two", Version: 1, Emails: []crm.Email{{Address: "boom@example.com", Primary: true}}},
	}
	var bulkErr, laterErr error
	err = s.RunInTx(ctx, func(tx crm.Store) error {
		require.NoError(t, tx.CreateCustomer(ctx, before))
		bulkErr = tx.CreateCustomers(ctx, batch)
		_, laterErr = tx.FindCustomerByID(ctx, "c-0")
		return nil // a careless fn that goes on
	})
	require.Error(t, bulkErr, "the bulk write")
	assert.Contains(t, bulkErr.Error(), "boom refused")
	assert.ErrorIs(t, bulkErr, sqlstore.ErrDatabase)
	assert.ErrorIs(t, laterErr, sqlstore.ErrTxAborted, "a later call in the transaction")
	assert.ErrorIs(t, err, sqlstore.ErrTxAborted, "RunInTx")
	assert.Contains(t, err.Error(), "boom refused", "RunInTx names the write that failed")
	for _, id := range []string{"c-0", "c-1", "c-2"} {
		_, err := s.FindCustomerByID(ctx, id)
		assert.ErrorIs(t, err, crm.ErrNotFound, "%s after the rollback", id)
	}

	// A refused batch (a taken ID) leaves the transaction usable.
	require.NoError(t, s.CreateCustomer(ctx, before))
	err = s.RunInTx(ctx, func(tx crm.Store) error {
		err := tx.CreateCustomers(ctx, []*crm.Customer{batch[0], before})
		assert.ErrorIs(t, err, crm.ErrDuplicate, "a taken ID")
		assert.NotErrorIs(t, err, sqlstore.ErrTxAborted)
		return tx.CreateCustomers(ctx, batch[:1])
	})
	require.NoError(t, err)
	_, err = s.FindCustomerByID(ctx, "c-1")
	assert.NoError(t, err, "the batch after the refused one")
}
