package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// cohortMonth returns the first instant of a month of 2023 or 2024, UTC.
func cohortMonth(year int, m time.Month) time.Time {
	return time.Date(year, m, 1, 0, 0, 0, 0, time.UTC)
}

// cohortFixture stores customers whose orders, counted by hand, make the
// cohorts returned as of summaryAsOf (1 June 2024):
//
//	A: January in EUR and in USD, a cancelled one in February, and one
//	   on 31 March in UTC that is 1 April in CEST: cohort January, active
//	   in January and March;
//	B: a cancelled one in December 2023, two in February, one in April:
//	   cohort February (not December), active in February and April;
//	C: January, then one at the as-of instant and one after it: cohort
//	   January, active in January only;
//	F: February and March; G: the microsecond before the as-of instant,
//	   in May; D has no orders and E only a cancelled one.
func cohortFixture(t *testing.T, s crm.Store) []crm.CohortCount {
	ids := new(crm.UUIDv7)
	cust := func(name string) string {
		c := newCustomer(ids, name)
		mustCreateCustomer(t, s, c)
		return c.ID
	}
	a, b, c := cust("A"), cust("B"), cust("C")
	cust("D")
	e, f, g := cust("E"), cust("F"), cust("G")
	cest := time.FixedZone("CEST", 2*3600)
	utc := func(m time.Month, day, hour int) time.Time { return time.Date(2024, m, day, hour, 0, 0, 0, time.UTC) }
	addPurchase(t, s, ids, a, utc(time.January, 15, 10), "10.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, a, utc(time.January, 20, 10), "12.00 USD", crm.OrderFulfilled)
	addPurchase(t, s, ids, a, utc(time.February, 3, 10), "99.00 EUR", crm.OrderCancelled)
	addPurchase(t, s, ids, a, time.Date(2024, 4, 1, 0, 30, 0, 0, cest), "5.00 EUR", crm.OrderConfirmed)
	addPurchase(t, s, ids, b, time.Date(2023, 12, 24, 12, 0, 0, 0, time.UTC), "1.00 EUR", crm.OrderCancelled)
	addPurchase(t, s, ids, b, utc(time.February, 1, 0), "2.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, b, time.Date(2024, 2, 29, 23, 59, 59, 999999000, time.UTC), "3.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, b, utc(time.April, 30, 12), "4.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, c, utc(time.January, 31, 23), "7.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, c, summaryAsOf, "7.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, c, summaryAsOf.AddDate(0, 1, 0), "7.00 EUR", crm.OrderOpen)
	addPurchase(t, s, ids, e, utc(time.March, 3, 3), "8.00 EUR", crm.OrderCancelled)
	addPurchase(t, s, ids, f, utc(time.February, 10, 9), "9.00 GBP", crm.OrderOpen)
	addPurchase(t, s, ids, f, utc(time.March, 5, 9), "9.00 GBP", crm.OrderOpen)
	addPurchase(t, s, ids, g, summaryAsOf.Add(-time.Microsecond), "1.00 EUR", crm.OrderOpen)
	jan, feb, mar, apr, may := cohortMonth(2024, time.January), cohortMonth(2024, time.February),
		cohortMonth(2024, time.March), cohortMonth(2024, time.April), cohortMonth(2024, time.May)
	return []crm.CohortCount{
		{Cohort: jan, Month: jan, Customers: 2}, // A, C
		{Cohort: jan, Month: mar, Customers: 1}, // A
		{Cohort: feb, Month: feb, Customers: 2}, // B, F
		{Cohort: feb, Month: mar, Customers: 1}, // F
		{Cohort: feb, Month: apr, Customers: 1}, // B
		{Cohort: may, Month: may, Customers: 1}, // G
	}
}

// assertCohorts checks counts against want, comparing months by value
// and requiring them in UTC.
func assertCohorts(tb testing.TB, want, got []crm.CohortCount, msgAndArgs ...any) {
	tb.Helper()
	if !assert.Len(tb, got, len(want), msgAndArgs...) {
		tb.Logf("got %v", got)
		return
	}
	for i := range want {
		assert.True(tb, want[i].Cohort.Equal(got[i].Cohort), "entry %d: cohort %v, want %v", i, got[i].Cohort, want[i].Cohort)
		assert.True(tb, want[i].Month.Equal(got[i].Month), "entry %d: month %v, want %v", i, got[i].Month, want[i].Month)
		assert.Equal(tb, time.UTC, got[i].Cohort.Location(), "entry %d: cohort in UTC", i)
		assert.Equal(tb, want[i].Customers, got[i].Customers, "entry %d (%s, %s): customers", i,
			want[i].Cohort.Format("2006-01"), want[i].Month.Format("2006-01"))
	}
}

func testCohortValues(t *testing.T, s crm.Store) {
	want := cohortFixture(t, s)
	got, err := s.PurchaseCohorts(t.Context(), crm.PurchaseCohortFilter{AsOf: summaryAsOf})
	require.NoError(t, err)
	assertCohorts(t, want, got)

	// As of 10 March: F's March order is placed; A's (31 March), B's
	// April one and G's are not.
	early := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)
	got, err = s.PurchaseCohorts(t.Context(), crm.PurchaseCohortFilter{AsOf: early})
	require.NoError(t, err)
	assertCohorts(t, []crm.CohortCount{want[0], want[2], want[3]}, got, "as of %v", early)

	err = s.RunInTx(t.Context(), func(tx crm.Store) error {
		got, err := tx.PurchaseCohorts(t.Context(), crm.PurchaseCohortFilter{AsOf: summaryAsOf})
		require.NoError(t, err, "PurchaseCohorts inside a transaction")
		assertCohorts(t, want, got, "inside a transaction")
		return nil
	})
	require.NoError(t, err)
}

func testCohortEmpty(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Only cancelled")
	mustCreateCustomer(t, s, c)
	addPurchase(t, s, ids, c.ID, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), "1.00 EUR", crm.OrderCancelled)
	got, err := s.PurchaseCohorts(t.Context(), crm.PurchaseCohortFilter{AsOf: summaryAsOf})
	require.NoError(t, err)
	assert.Empty(t, got, "no counted order, no cohort")
}

func testCohortInvalid(t *testing.T, s crm.Store) {
	_, err := s.PurchaseCohorts(t.Context(), crm.PurchaseCohortFilter{})
	assert.ErrorIs(t, err, crm.ErrInvalid, "zero AsOf")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = s.PurchaseCohorts(ctx, crm.PurchaseCohortFilter{AsOf: summaryAsOf})
	assert.ErrorIs(t, err, context.Canceled)
}
