package sqlstore_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"
	"github.com/crmkit/crm/storage/sqlstore"
)

// plainDialect is a Dialect with none of the optional capabilities but
// the ones of the Dialect interface itself.
type plainDialect struct{ sqlstore.Dialect }

// TestPurchaseCohortsInGo checks that a Store whose Dialect cannot name
// a month in SQL counts the cohorts in Go to the same result as SQLite's
// grouping query and the memory store, on random orders spread over
// three years, some cancelled, some after the as-of instant.
func TestPurchaseCohortsInGo(t *testing.T) {
	ctx := t.Context()
	grouped, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "crm.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = grouped.Close() })
	_, ok := sqlstore.DialectOf(grouped).(sqlstore.MonthGrouper)
	require.True(t, ok, "SQLite's Dialect groups by month")
	inGo, err := sqlstore.New(grouped.DB(), plainDialect{sqlstore.DialectOf(grouped)})
	require.NoError(t, err)
	mem := memory.New()
	t.Cleanup(func() { _ = mem.Close() })

	rng := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	asOf := start.AddDate(3, 0, 0)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := range 60 {
		cust := &crm.Customer{ID: fmt.Sprintf("c%03d", c), Kind: crm.KindPerson, Name: "C", Stage: crm.StageActive, CreatedAt: at, UpdatedAt: at, Version: 1}
		require.NoError(t, grouped.CreateCustomer(ctx, cust))
		require.NoError(t, mem.CreateCustomer(ctx, cust))
		for o := range rng.IntN(8) {
			status := crm.OrderOpen
			if rng.IntN(5) == 0 {
				status = crm.OrderCancelled
			}
			total := crm.Money{Amount: decimal.NewFromInt(int64(1 + rng.IntN(99))), Currency: []string{"EUR", "USD"}[rng.IntN(2)]}
			order := &crm.Order{
				ID: fmt.Sprintf("%s-o%d", cust.ID, o), CustomerID: cust.ID,
				Lines: []crm.OrderLine{{SKU: "S", Quantity: decimal.NewFromInt(1), UnitPrice: total}},
				Total: total, Paid: crm.Money{Amount: decimal.Zero, Currency: total.Currency}, Status: status,
				OrderedAt: start.Add(time.Duration(rng.Int64N(int64(asOf.Sub(start) + 60*24*time.Hour)))).Truncate(time.Microsecond),
				CreatedAt: at, UpdatedAt: at, Version: 1,
			}
			require.NoError(t, grouped.CreateOrder(ctx, order))
			require.NoError(t, mem.CreateOrder(ctx, order))
		}
	}
	f := crm.PurchaseCohortFilter{AsOf: asOf}
	want, err := grouped.PurchaseCohorts(ctx, f)
	require.NoError(t, err)
	require.NotEmpty(t, want)
	got, err := inGo.PurchaseCohorts(ctx, f)
	require.NoError(t, err)
	assert.Equal(t, want, got, "counted in Go")
	got, err = mem.PurchaseCohorts(ctx, f)
	require.NoError(t, err)
	assert.Equal(t, want, got, "memory store")
}
