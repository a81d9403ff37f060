package crm_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestPurchaseSummaryMeans(t *testing.T) {
	s := crm.PurchaseSummary{
		Orders: 3, Days: 2,
		Total:       crm.MustMoney("70.00", "EUR"),
		RepeatTotal: crm.MustMoney("60.00", "EUR"),
	}
	assert.True(t, s.MeanSpend().Equal(crm.MustMoney("23.33", "EUR")), "70 / 3 = 23.333…: %v", s.MeanSpend())
	assert.True(t, s.RepeatMeanSpend().Equal(crm.MustMoney("60", "EUR")), "one repeat day: %v", s.RepeatMeanSpend())
	assert.Equal(t, 1, s.RepeatDays())

	half := crm.PurchaseSummary{Orders: 2, Days: 3, Total: crm.MustMoney("0.05", "EUR"), RepeatTotal: crm.MustMoney("0.05", "EUR")}
	assert.True(t, half.MeanSpend().Equal(crm.MustMoney("0.02", "EUR")), "0.025 rounds half to even: %v", half.MeanSpend())
	assert.True(t, crm.PurchaseSummary{Orders: 2, Total: crm.MustMoney("0.07", "EUR")}.MeanSpend().Equal(crm.MustMoney("0.04", "EUR")), "0.035 rounds half to even")
	yen := crm.PurchaseSummary{Orders: 2, Days: 1, Total: crm.MustMoney("101", "JPY"), RepeatTotal: crm.MustMoney("0", "JPY")}
	assert.True(t, yen.MeanSpend().Equal(crm.MustMoney("50", "JPY")), "50.5 yen rounds to 50: %v", yen.MeanSpend())
	assert.True(t, yen.RepeatMeanSpend().Equal(crm.Money{Amount: decimal.Zero, Currency: "JPY"}), "no repeat days")

	last := time.Date(2026, 6, 28, 23, 0, 0, 0, time.UTC)
	s.Last = last
	assert.Equal(t, 1, s.RecencyDays(time.Date(2026, 6, 30, 22, 59, 0, 0, time.UTC)), "whole days, rounded down")
	assert.Equal(t, 0, s.RecencyDays(last.Add(-time.Hour)))
}

func TestClientPurchaseSummaries(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	var custs []*crm.Customer
	for _, name := range []string{"Ada", "Bea", "Cy"} {
		custs = append(custs, mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindPerson, Name: name}))
	}
	line := func(amount, currency string) []crm.OrderLine {
		return []crm.OrderLine{{SKU: "X", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney(amount, currency)}}
	}
	for i, cu := range custs {
		for j := 0; j <= i; j++ {
			_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: cu.ID, Lines: line("10.00", "EUR"), OrderedAt: clock.Now().Add(time.Duration(j) * 48 * time.Hour)})
			require.NoError(t, err)
		}
	}
	_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: custs[0].ID, Lines: line("5", "USD")})
	require.NoError(t, err)

	asOf := clock.Now().Add(30 * 24 * time.Hour)
	var got []crm.PurchaseSummary
	for s, err := range c.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: asOf, Limit: 1}) {
		require.NoError(t, err)
		got = append(got, s)
	}
	require.Len(t, got, 4, "Ada in EUR and USD, Bea, Cy")
	assert.Equal(t, custs[0].ID, got[1].CustomerID)
	assert.Equal(t, "USD", got[1].Total.Currency)
	assert.Equal(t, 3, got[3].Days)
	assert.True(t, got[3].RepeatMeanSpend().Equal(crm.MustMoney("10", "EUR")))

	got = nil
	for s, err := range c.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: asOf, Currency: " usd "}) {
		require.NoError(t, err)
		got = append(got, s)
	}
	require.Len(t, got, 1, "the currency is normalised")

	_, _, err = c.ListPurchaseSummaries(ctx, crm.PurchaseSummaryFilter{Currency: "EURO", Limit: -1})
	require.ErrorIs(t, err, crm.ErrInvalid)
	assert.Equal(t, "required", fieldErr(t, err, "as_of"))
	fieldErr(t, err, "currency")
	fieldErr(t, err, "limit")
	for _, err := range c.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{}) {
		assert.ErrorIs(t, err, crm.ErrInvalid, "the iterator yields the error")
	}
}
