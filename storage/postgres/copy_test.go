package postgres_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
	"github.com/crmkit/crm/storage/sqlstore"
)

// copyCounter is PostgreSQL's Dialect counting the rows its CopyRows
// loads into each table. before, if set, is called first.
type copyCounter struct {
	sqlstore.Dialect
	before func(table string)

	mu   sync.Mutex
	rows map[string]int64
}

func (c *copyCounter) CopyRows(ctx context.Context, dc any, table string, columns []string, rows [][]any) (int64, error) {
	if c.before != nil {
		c.before(table)
	}
	n, err := c.Dialect.(sqlstore.Copier).CopyRows(ctx, dc, table, columns, rows)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.rows = make(map[string]int64)
	}
	c.rows[table] += n
	return n, err
}

// copied returns the rows copied so far, by table.
func (c *copyCounter) copied() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.rows)
}

// openCounting opens a Store on a new schema whose Dialect is c.
func (srv *server) openCounting(t *testing.T, c *copyCounter) *sqlstore.Store {
	t.Helper()
	c.Dialect = postgres.Dialect()
	base := srv.open(t, srv.schema(t))
	s, err := sqlstore.New(base.DB(), c)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() }) // before base closes the database
	return s
}

// tableRows returns the rows of the customers tables, by table.
func tableRows(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	counts := make(map[string]int)
	for _, table := range []string{"customers", "customer_emails", "customer_phones", "customer_tags"} {
		var n int
		require.NoError(t, db.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM `+table).Scan(&n))
		counts[table] = n
	}
	return counts
}

// richCustomer returns a customer with every field set, with values
// whose encoding is easy to get wrong: times with nanoseconds in another
// zone, before 1970 and before 2000 (PostgreSQL's epoch), a credit limit
// with trailing zeros, custom fields of every kind.
func richCustomer(id string) *crm.Customer {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	return &crm.Customer{
		ID: id, Kind: crm.KindOrganization, Name: "Zoë Ålander & Söhne GmbH",
		Emails:   []crm.Email{{Address: "info@alander.example", Label: "work"}, {Address: "Billing@Alander.example", Primary: true}},
		Phones:   []crm.Phone{{Number: "+4930123456", Label: "office", Primary: true}, {Number: "+491701234567"}},
		Address:  crm.Address{Street: "Unter den Linden 77", City: "Berlin", PostalCode: "10117", State: "Berlin", Country: "DE"},
		Industry: "manufacturing", Region: "emea", Size: crm.SizeMedium, Stage: crm.StageLoyal, OwnerID: "u-ann",
		Tags: []string{"b2b", "emea", "vip"},
		Custom: map[string]crm.CustomValue{
			"segment":  crm.StringValue(`Key "account" ✓`),
			"discount": crm.NumberValue(decimal.RequireFromString("12.3400")),
			"precise":  crm.NumberValue(decimal.RequireFromString("-98765432109876543210.000000000000000001")),
			"prepaid":  crm.BoolValue(true),
			"renewal":  crm.DateValue(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)),
		},
		TaxID: "DE123456789", CreditRating: "AA", RiskLevel: crm.RiskLow,
		CreditLimit: crm.Money{Amount: decimal.RequireFromString("123456789012.4500"), Currency: "EUR"},
		BirthDate:   time.Date(1952, 4, 1, 0, 0, 0, 0, time.UTC),
		Consent: crm.Consents{
			Email: crm.Consent{Granted: true, At: time.Date(1999, 12, 31, 23, 59, 59, 999999999, zone)},
			Phone: crm.Consent{At: time.Date(1969, 7, 20, 20, 17, 40, 123456789, zone)},
			SMS:   crm.Consent{Granted: true, At: time.Date(2000, 1, 1, 0, 0, 0, 1000, time.UTC)},
		},
		DoNotContact: true, Source: "referral",
		ArchivedAt: time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone), MergedInto: "c-elsewhere",
		CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 678901234, zone), CreatedBy: "u-ann",
		UpdatedAt: time.Date(2024, 1, 2, 3, 4, 5, 999999999, zone), UpdatedBy: "u-bob",
		Version: 7,
	}
}

// storedRows returns, as text, everything stored of customer id but its
// ID: its row and those of its lists, each column as PostgreSQL prints it.
func storedRows(t *testing.T, db *sql.DB, id string) string {
	t.Helper()
	var row string
	err := db.QueryRowContext(t.Context(), `SELECT (to_jsonb(c) - 'id')::text
		|| (SELECT COALESCE(jsonb_agg(to_jsonb(e) - 'customer_id' ORDER BY position), '[]')::text FROM customer_emails e WHERE customer_id = c.id)
		|| (SELECT COALESCE(jsonb_agg(to_jsonb(p) - 'customer_id' ORDER BY position), '[]')::text FROM customer_phones p WHERE customer_id = c.id)
		|| (SELECT COALESCE(jsonb_agg(to_jsonb(g) - 'customer_id' ORDER BY position), '[]')::text FROM customer_tags g WHERE customer_id = c.id)
		|| COALESCE(c.credit_limit_amount::text, 'NULL')
		FROM customers c WHERE c.id = $1`, id).Scan(&row)
	require.NoError(t, err, "rows of %s", id)
	return row
}

// TestCreateCustomersCopy checks that CreateCustomers loads every table
// with COPY, storing exactly what CreateCustomer's INSERTs store.
func TestCreateCustomersCopy(t *testing.T) {
	srv := newServer(t)
	var counter copyCounter
	s := srv.openCounting(t, &counter)
	ctx := t.Context()

	inserted, copied := richCustomer("rich-insert"), richCustomer("rich-copy")
	bare := &crm.Customer{ID: "bare-insert", Kind: crm.KindPerson, Version: 1}
	bareCopy := &crm.Customer{ID: "bare-copy", Kind: crm.KindPerson, Version: 1}
	require.NoError(t, s.CreateCustomer(ctx, inserted))
	require.NoError(t, s.CreateCustomer(ctx, bare))
	assert.Empty(t, counter.copied(), "CreateCustomer copies nothing")
	require.NoError(t, s.CreateCustomers(ctx, []*crm.Customer{copied, bareCopy}))
	assert.Equal(t, map[string]int64{"customers": 2, "customer_emails": 2, "customer_phones": 2, "customer_tags": 3},
		counter.copied(), "rows copied by table")

	assert.Equal(t, storedRows(t, s.DB(), "rich-insert"), storedRows(t, s.DB(), "rich-copy"), "every field set")
	assert.Equal(t, storedRows(t, s.DB(), "bare-insert"), storedRows(t, s.DB(), "bare-copy"), "every optional field zero")

	var amount, segment, consentAt string
	var nulls int
	err := s.DB().QueryRowContext(ctx, `SELECT credit_limit_amount::text, custom->'segment'->>'value',
		to_char(consent_phone_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')
		FROM customers WHERE id = 'rich-copy'`).Scan(&amount, &segment, &consentAt)
	require.NoError(t, err)
	assert.Equal(t, "123456789012.4500", amount)
	assert.Equal(t, `Key "account" ✓`, segment)
	assert.Equal(t, "1969-07-20 14:47:40.123456", consentAt)
	err = s.DB().QueryRowContext(ctx, `SELECT num_nulls(credit_limit_amount, custom, birth_date, consent_email_at,
		archived_at, created_at, updated_at) FROM customers WHERE id = 'bare-copy'`).Scan(&nulls)
	require.NoError(t, err)
	assert.Equal(t, 7, nulls, "zero values copied as NULL")

	got, err := s.FindCustomerByID(ctx, "rich-copy")
	require.NoError(t, err)
	assert.Equal(t, crm.Timestamp(copied.Consent.Email.At), got.Consent.Email.At)
	assert.True(t, copied.CreditLimit.Amount.Equal(got.CreditLimit.Amount), "credit limit %s", got.CreditLimit.Amount)
	assert.Equal(t, copied.Emails, got.Emails)
	assert.Equal(t, copied.Tags, got.Tags)
}

// TestCreateCustomersCopyDuplicate checks that a COPY meeting a taken or
// repeated ID fails as an INSERT would, storing nothing of the batch.
func TestCreateCustomersCopyDuplicate(t *testing.T) {
	srv := newServer(t)
	var counter copyCounter
	s := srv.openCounting(t, &counter)
	ctx := t.Context()
	require.NoError(t, s.CreateCustomer(ctx, &crm.Customer{ID: "c-taken", Kind: crm.KindPerson, Version: 1}))
	before := tableRows(t, s.DB())

	for name, batch := range map[string][]*crm.Customer{
		"taken":    {richCustomer("c-new-1"), richCustomer("c-taken"), richCustomer("c-new-2")},
		"repeated": {richCustomer("c-new-1"), richCustomer("c-new-2"), richCustomer("c-new-1")},
	} {
		err := s.CreateCustomers(ctx, batch)
		require.ErrorIs(t, err, crm.ErrDuplicate, name)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, name)
		assert.Equal(t, "23505", pgErr.Code, name)
		assert.True(t, strings.HasPrefix(err.Error(), "postgres: create customers: "), err.Error())
		assert.Equal(t, before, tableRows(t, s.DB()), "%s: rows after the refused batch", name)
	}
	assert.Zero(t, counter.copied()["customer_emails"], "no COPY after the refused one")

	// In a transaction, the refused batch leaves it usable.
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		err := tx.CreateCustomers(ctx, []*crm.Customer{richCustomer("c-new-1"), richCustomer("c-taken")})
		require.ErrorIs(t, err, crm.ErrDuplicate)
		return tx.CreateCustomers(ctx, []*crm.Customer{richCustomer("c-new-2")})
	})
	require.NoError(t, err)
	_, err = s.FindCustomerByID(ctx, "c-new-1")
	assert.ErrorIs(t, err, crm.ErrNotFound, "a customer of the batch refused in the transaction")
	_, err = s.FindCustomerByID(ctx, "c-new-2")
	assert.NoError(t, err, "a customer of the batch after it")
}

// TestCreateCustomersCopyCanceled cancels the context while a COPY is
// streaming: the call fails with the context's error, nothing is stored,
// and the Store goes on working.
func TestCreateCustomersCopyCanceled(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	counter := copyCounter{before: func(table string) {
		if table == "customers" {
			time.AfterFunc(5*time.Millisecond, cancel)
		}
	}}
	s := srv.openCounting(t, &counter)
	batch := make([]*crm.Customer, 30_000)
	for i := range batch {
		batch[i] = &crm.Customer{ID: fmt.Sprintf("c-%05d", i), Kind: crm.KindPerson, Name: "Bulk", Version: 1}
	}
	err := s.CreateCustomers(ctx, batch)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, strings.HasPrefix(err.Error(), "postgres: create customers: "), err.Error())
	for table, n := range tableRows(t, s.DB()) {
		assert.Zero(t, n, "rows of %s", table)
	}

	counter.before = nil
	require.NoError(t, s.CreateCustomers(t.Context(), batch[:10]), "after a cancelled COPY")
	assert.Equal(t, 10, tableRows(t, s.DB())["customers"])
}

// TestCopyRows calls the Dialect's CopyRows itself: it declines a
// connection of another driver and refuses to COPY outside a
// transaction, where the rows would be committed at once.
func TestCopyRows(t *testing.T) {
	srv := newServer(t)
	s := srv.open(t, srv.schema(t))
	ctx := t.Context()
	copier, ok := postgres.Dialect().(sqlstore.Copier)
	require.True(t, ok, "the Dialect is a Copier")
	columns := []string{"id", "version"}
	rows := [][]any{{"c-1", int64(1)}}

	_, err := copier.CopyRows(ctx, struct{}{}, "customers", columns, rows)
	assert.ErrorIs(t, err, driver.ErrSkip, "a connection of another driver")

	conn, err := s.DB().Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		_, err := copier.CopyRows(ctx, dc, "customers", columns, rows)
		return err
	})
	require.Error(t, err, "outside a transaction")
	assert.NotErrorIs(t, err, driver.ErrSkip)

	tx, err := conn.BeginTx(ctx, nil)
	require.NoError(t, err)
	var n int64
	err = conn.Raw(func(dc any) error {
		n, err = copier.CopyRows(ctx, dc, "customers", columns, rows)
		return err
	})
	require.NoError(t, err, "inside a transaction")
	assert.EqualValues(t, 1, n)
	var seen int
	require.NoError(t, tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers`).Scan(&seen))
	assert.Equal(t, 1, seen, "the transaction sees the copied row")
	require.NoError(t, tx.Rollback())
	assert.Zero(t, tableRows(t, s.DB())["customers"], "rows after the rollback")
}
