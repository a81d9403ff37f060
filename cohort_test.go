package crm_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

func TestCohortCounter(t *testing.T) {
	var c crm.CohortCounter
	assert.Empty(t, c.Counts(), "the zero counter")
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, time.UTC) }
	tokyo := time.FixedZone("JST", 9*3600)
	c.Add([]time.Time{at(3, 5, 0), at(1, 31, 23), at(1, 2, 0)}) // January: January, March
	// 1 February 08:00 in Tokyo is 31 January in UTC.
	c.Add([]time.Time{time.Date(2026, 2, 1, 8, 0, 0, 0, tokyo), at(2, 1, 0)}) // January: January, February
	c.Add([]time.Time{at(2, 14, 0), at(2, 15, 0)})                            // February: February
	c.Add(nil)
	assert.Equal(t, []crm.CohortCount{
		{Cohort: month(2026, 1), Month: month(2026, 1), Customers: 2},
		{Cohort: month(2026, 1), Month: month(2026, 2), Customers: 1},
		{Cohort: month(2026, 1), Month: month(2026, 3), Customers: 1},
		{Cohort: month(2026, 2), Month: month(2026, 2), Customers: 1},
	}, c.Counts())
}

// cohortCounts are counts as a store returns them: December 2025 (out of
// the range below), January (4 customers: 2 back in February, 1 in
// March), February (none) and March (2).
func cohortCounts() []crm.CohortCount {
	return []crm.CohortCount{
		{Cohort: month(2025, 12), Month: month(2025, 12), Customers: 9},
		{Cohort: month(2025, 12), Month: month(2026, 1), Customers: 3},
		{Cohort: month(2026, 1), Month: month(2026, 1), Customers: 4},
		{Cohort: month(2026, 1), Month: month(2026, 2), Customers: 2},
		{Cohort: month(2026, 1), Month: month(2026, 3), Customers: 1},
		{Cohort: month(2026, 3), Month: month(2026, 3), Customers: 2},
		{Cohort: month(2026, 3), Month: month(2026, 4), Customers: 1}, // at To: left out
	}
}

func TestNewCohortMatrix(t *testing.T) {
	m, err := crm.NewCohortMatrix(cohortCounts(), month(2026, 1), month(2026, 4))
	require.NoError(t, err)
	require.Len(t, m.Rows, 3)
	assert.Equal(t, crm.CohortRow{Cohort: month(2026, 1), Size: 4, Active: []int{4, 2, 1}}, m.Rows[0])
	assert.Equal(t, crm.CohortRow{Cohort: month(2026, 2), Size: 0, Active: []int{0, 0}}, m.Rows[1])
	assert.Equal(t, crm.CohortRow{Cohort: month(2026, 3), Size: 2, Active: []int{2}}, m.Rows[2])
	v, ok := m.Rows[0].Retention(1)
	assert.True(t, ok)
	assert.Equal(t, 0.5, v)
	_, ok = m.Rows[0].Retention(3)
	assert.False(t, ok, "past the matrix")
	_, ok = m.Rows[1].Retention(0)
	assert.False(t, ok, "empty cohort")

	var b strings.Builder
	require.NoError(t, m.WriteText(&b))
	assert.Equal(t, ""+
		" cohort  customers      m0     m1     m2\n"+
		"2026-01          4  100.0%  50.0%  25.0%\n"+
		"2026-02          0       –      –\n"+
		"2026-03          2  100.0%\n", b.String())

	j, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"from": "2026-01", "to": "2026-04", "cohorts": [
		{"cohort": "2026-01", "size": 4, "active": [4, 2, 1], "retention": [1, 0.5, 0.25]},
		{"cohort": "2026-02", "size": 0, "active": [0, 0], "retention": [null, null]},
		{"cohort": "2026-03", "size": 2, "active": [2], "retention": [1]}]}`, string(j))
}

func TestNewCohortMatrixInvalid(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to time.Time
		fields   []string
	}{
		{"Zero", time.Time{}, time.Time{}, []string{"from", "to"}},
		{"MidMonth", month(2026, 1).Add(time.Hour), month(2026, 3), []string{"from"}},
		{"NotUTC", time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600)), month(2026, 3), []string{"from"}},
		{"Backwards", month(2026, 3), month(2026, 3), []string{"to"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := crm.NewCohortMatrix(cohortCounts(), tc.from, tc.to)
			var verr *crm.ValidationError
			require.True(t, errors.As(err, &verr), "%v", err)
			var fields []string
			for _, f := range verr.Fields {
				fields = append(fields, f.Field)
			}
			assert.Equal(t, tc.fields, fields, "%v", err)
		})
	}
}

func TestClientCohorts(t *testing.T) {
	c, _, store := newClient(t)
	ctx := actorCtx(t, "u-ann")
	buy := func(customerID string, at time.Time, status crm.OrderStatus) {
		o, err := c.CreateOrder(ctx, &crm.Order{CustomerID: customerID, OrderedAt: at,
			Lines: []crm.OrderLine{{SKU: "S", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("5", "EUR")}}})
		require.NoError(t, err)
		if status == crm.OrderCancelled {
			o.Status = status
			require.NoError(t, store.UpdateOrder(ctx, o))
		}
	}
	a := mustCreate(t, c, ctx, &crm.Customer{Name: "A"})
	b := mustCreate(t, c, ctx, &crm.Customer{Name: "B"})
	d := mustCreate(t, c, ctx, &crm.Customer{Name: "D"})
	buy(a.ID, time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC), crm.OrderOpen)
	buy(a.ID, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), crm.OrderOpen)
	buy(b.ID, time.Date(2025, 12, 10, 0, 0, 0, 0, time.UTC), crm.OrderCancelled)
	buy(b.ID, time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), crm.OrderOpen)
	buy(b.ID, time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC), crm.OrderOpen)
	buy(d.ID, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), crm.OrderOpen) // at To: not counted
	m, err := c.Cohorts(ctx, month(2026, 1), month(2026, 3))
	require.NoError(t, err)
	assert.Equal(t, []crm.CohortRow{
		{Cohort: month(2026, 1), Size: 2, Active: []int{2, 1}}, // a and b; b in February
		{Cohort: month(2026, 2), Size: 0, Active: []int{0}},
	}, m.Rows)
}
