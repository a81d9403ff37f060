package crm_test

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func revenue(id, amount string) crm.PurchaseSummary {
	return crm.PurchaseSummary{CustomerID: id, Orders: 1, Days: 1, Total: crm.MustMoney(amount, "EUR")}
}

func assertDecimal(t *testing.T, want string, got decimal.Decimal, msgAndArgs ...any) {
	t.Helper()
	assert.True(t, decimal.RequireFromString(want).Equal(got), append([]any{"want %s, got %s", want, got}, msgAndArgs...)...)
}

func TestValueTiers(t *testing.T) {
	rep, err := crm.ValueTiers([]crm.PurchaseSummary{
		revenue("f", "20.00"), revenue("c", "100.00"), revenue("a", "500.00"),
		revenue("e", "30.00"), revenue("b", "300.00"), revenue("d", "50.00"),
	}, crm.TierOptions{})
	require.NoError(t, err)
	assert.True(t, rep.Revenue.Equal(crm.MustMoney("1000", "EUR")))
	var got []string
	for _, c := range rep.Customers {
		got = append(got, c.CustomerID+string(c.Tier))
	}
	// b brings the cumulative share to exactly 80%: it is in A, c is not.
	// d reaches 95%: in B; e is not.
	assert.Equal(t, []string{"aA", "bA", "cB", "dB", "eC", "fC"}, got)
	assertDecimal(t, "0.8", rep.Customers[1].CumulativeShare)
	assertDecimal(t, "0.3", rep.Customers[1].Share)
	assert.Equal(t, 2, rep.A.Customers)
	assert.True(t, rep.A.Revenue.Equal(crm.MustMoney("800", "EUR")))
	assertDecimal(t, "0.8", rep.A.Share)
	assertDecimal(t, "0.15", rep.B.Share)
	assertDecimal(t, "0.05", rep.C.Share)
	assert.Equal(t, 2, rep.TopCustomers, "20% of 6, rounded up")
	assertDecimal(t, "0.8", rep.TopShare)

	// One cent short of 80% before c: c crosses the line and is in A;
	// b comes after 99.98% and is in C.
	rep, err = crm.ValueTiers([]crm.PurchaseSummary{revenue("a", "79.99"), revenue("b", "0.02"), revenue("c", "19.99")}, crm.TierOptions{})
	require.NoError(t, err)
	assert.Equal(t, []crm.ValueTier{crm.TierA, crm.TierA, crm.TierC}, []crm.ValueTier{rep.Customers[0].Tier, rep.Customers[1].Tier, rep.Customers[2].Tier})
	assert.Equal(t, "c", rep.Customers[1].CustomerID)
}

func TestValueTiersTiesAndOptions(t *testing.T) {
	rep, err := crm.ValueTiers([]crm.PurchaseSummary{revenue("z", "1"), revenue("m", "1"), revenue("a", "1")},
		crm.TierOptions{A: decimal.RequireFromString("0.5"), B: decimal.RequireFromString("0.6"), Top: decimal.RequireFromString("0.5")})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "m", "z"}, []string{rep.Customers[0].CustomerID, rep.Customers[1].CustomerID, rep.Customers[2].CustomerID}, "ties by customer ID")
	assert.Equal(t, []crm.ValueTier{crm.TierA, crm.TierA, crm.TierC}, []crm.ValueTier{rep.Customers[0].Tier, rep.Customers[1].Tier, rep.Customers[2].Tier})
	assertDecimal(t, "0.3333", rep.Customers[0].Share, "1/3 rounded to four places")
	assertDecimal(t, "0.6667", rep.Customers[1].CumulativeShare)
	assert.Equal(t, 2, rep.TopCustomers)
	assertDecimal(t, "0.6667", rep.TopShare)

	rep, err = crm.ValueTiers([]crm.PurchaseSummary{revenue("a", "0"), revenue("b", "0")}, crm.TierOptions{})
	require.NoError(t, err)
	assert.Equal(t, crm.TierC, rep.Customers[0].Tier, "no revenue: all C")
	assertDecimal(t, "0", rep.TopShare)

	rep, err = crm.ValueTiers(nil, crm.TierOptions{})
	require.NoError(t, err)
	assert.Empty(t, rep.Customers)
}

func TestValueTiersInvalid(t *testing.T) {
	_, err := crm.ValueTiers(nil, crm.TierOptions{A: decimal.RequireFromString("0.9"), B: decimal.RequireFromString("0.8"), Top: decimal.RequireFromString("1.5")})
	require.ErrorIs(t, err, crm.ErrInvalid)
	fieldErr(t, err, "options.b")
	fieldErr(t, err, "options.top")
	_, err = crm.ValueTiers([]crm.PurchaseSummary{revenue("a", "1"), {CustomerID: "b", Total: crm.MustMoney("1", "USD")}, revenue("a", "2")}, crm.TierOptions{})
	require.ErrorIs(t, err, crm.ErrInvalid)
	fieldErr(t, err, "summaries[1].total")
	fieldErr(t, err, "summaries[2].customer_id")
}

func TestProfitability(t *testing.T) {
	rep, err := crm.Profitability([]crm.PurchaseSummary{revenue("b", "20.00"), revenue("a", "500.00"), revenue("c", "0.10")},
		crm.CostMap(map[string]crm.Money{"a": crm.MustMoney("120.5", "EUR"), "b": crm.MustMoney("35.01", "EUR")}))
	require.NoError(t, err)
	require.Len(t, rep.Customers, 3)
	a, b, c := rep.Customers[0], rep.Customers[1], rep.Customers[2]
	assert.Equal(t, "a", a.CustomerID)
	assert.True(t, a.Profit.Equal(crm.MustMoney("379.50", "EUR")), "a: %v", a.Profit)
	assert.False(t, a.Loss)
	assert.True(t, b.Profit.Equal(crm.MustMoney("-15.01", "EUR")), "b: %v", b.Profit)
	assert.True(t, b.Loss)
	assert.True(t, c.Cost.Equal(crm.MustMoney("0", "EUR")), "no cost given: zero in the revenue's currency")
	assert.True(t, c.Profit.Equal(crm.MustMoney("0.10", "EUR")))
	assert.True(t, rep.Revenue.Equal(crm.MustMoney("520.10", "EUR")))
	assert.True(t, rep.Cost.Equal(crm.MustMoney("155.51", "EUR")))
	assert.True(t, rep.Profit.Equal(crm.MustMoney("364.59", "EUR")))
	assert.Equal(t, 1, rep.LossMaking)
	assert.True(t, rep.Losses.Equal(crm.MustMoney("-15.01", "EUR")))

	_, err = crm.Profitability([]crm.PurchaseSummary{revenue("a", "1"), revenue("b", "1")}, func(id string) crm.Money {
		if id == "a" {
			return crm.MustMoney("1", "USD")
		}
		return crm.MustMoney("-1", "EUR")
	})
	require.ErrorIs(t, err, crm.ErrInvalid)
	fieldErr(t, err, "cost[a]")
	fieldErr(t, err, "cost[b]")
	_, err = crm.Profitability(nil, nil)
	fieldErr(t, err, "cost")
}
