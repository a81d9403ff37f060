package crm_test

import (
	"iter"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// assertMoney checks that got is exactly want, written as "1234.50 EUR":
// the same currency and the same amount, compared as decimals.
func assertMoney(tb testing.TB, want string, got crm.Money, msgAndArgs ...any) {
	tb.Helper()
	w, err := crm.ParseMoney(want)
	require.NoError(tb, err)
	if !w.Equal(got) {
		assert.Fail(tb, "money differs", "want %s, got %s (%s)", w, got, append([]any{}, msgAndArgs...))
	}
}

// seqOf yields the values of xs with no error, as a Store listing would.
func seqOf[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestRateBook(t *testing.T) {
	var b crm.RateBook
	require.NoError(t, b.Set("eur", "USD", day(2026, 1, 1), decimal.RequireFromString("1.10")))
	require.NoError(t, b.Set("EUR", "USD", day(2026, 3, 1).Add(15*time.Hour), decimal.RequireFromString("1.20")))

	for _, tc := range []struct {
		on   time.Time
		want string
	}{
		{day(2026, 1, 1), "1.10"},
		{day(2026, 2, 28).Add(23 * time.Hour), "1.10"},
		{day(2026, 3, 1), "1.20"}, // by date: the time of day is ignored
		{day(2027, 1, 1), "1.20"},
	} {
		r, err := b.Rate("EUR", "USD", tc.on)
		require.NoError(t, err)
		assert.True(t, r.Equal(decimal.RequireFromString(tc.want)), "EUR→USD on %s: %s", tc.on, r)
	}

	inv, err := b.Rate("USD", "EUR", day(2026, 2, 1))
	require.NoError(t, err)
	assert.Equal(t, "0.9090909091", inv.String(), "the inverse, to 10 places")

	m, err := b.Convert(crm.MustMoney("1234.5678", "EUR"), "USD", day(2026, 4, 1))
	require.NoError(t, err)
	assert.Equal(t, "USD", m.Currency)
	assert.Equal(t, "1481.48136", m.Amount.String(), "exact, not rounded")
	same, err := b.Convert(crm.MustMoney("10.01", "GBP"), "GBP", time.Time{})
	require.NoError(t, err)
	assertMoney(t, "10.01 GBP", same, "a currency to itself needs no rate")

	_, err = b.Rate("EUR", "USD", day(2025, 12, 31))
	require.ErrorIs(t, err, crm.ErrNoRate, "before the first rate")
	rerr, ok := err.(*crm.RateError)
	require.True(t, ok)
	assert.Equal(t, crm.RateError{From: "EUR", To: "USD", On: day(2025, 12, 31)}, *rerr)
	assert.EqualError(t, err, "crm: no exchange rate from EUR to USD on 2025-12-31")
	_, err = b.Convert(crm.MustMoney("1", "GBP"), "USD", day(2026, 6, 1))
	assert.ErrorIs(t, err, crm.ErrNoRate)

	err = b.Set("EUR", "EUR", time.Time{}, decimal.Zero)
	assert.Equal(t, "same currency as from", fieldErr(t, err, "to"))
	assert.Equal(t, "required", fieldErr(t, err, "effective"))
	assert.Equal(t, "must be positive", fieldErr(t, err, "rate"))
	err = b.Set("XYZ", "USD", day(2026, 1, 1), decimal.NewFromInt(1))
	assert.Contains(t, fieldErr(t, err, "from"), "ISO 4217")
	r, _ := b.Rate("EUR", "USD", day(2026, 1, 2))
	assert.Equal(t, "1.1", r.String(), "a refused rate changes nothing")
}

func TestPeriodOf(t *testing.T) {
	at := time.Date(2026, 5, 10, 23, 30, 0, 0, time.FixedZone("", -3*3600)) // 11 May UTC
	for _, tc := range []struct {
		unit       crm.PeriodUnit
		start, end time.Time
		name       string
	}{
		{crm.PeriodMonth, day(2026, 5, 1), day(2026, 6, 1), "2026-05"},
		{crm.PeriodQuarter, day(2026, 4, 1), day(2026, 7, 1), "2026-Q2"},
		{crm.PeriodYear, day(2026, 1, 1), day(2027, 1, 1), "2026"},
	} {
		p := crm.PeriodOf(at, tc.unit)
		assert.Equal(t, tc.start, p.Start, tc.unit)
		assert.Equal(t, tc.end, p.End(), tc.unit)
		assert.Equal(t, tc.name, p.String())
		assert.True(t, p.Contains(at))
		assert.False(t, p.Contains(tc.end))
	}
	assert.True(t, crm.PeriodOf(time.Time{}, crm.PeriodMonth).IsZero())
	assert.Equal(t, "no date", crm.Period{}.String())
}

// forecastDeals are the deals of the forecast tests, in pipeline "p1"
// (the default stages), as of 1 April 2026.
func forecastDeals() []*crm.Opportunity {
	deal := func(id, owner, stage string, status crm.OpportunityStatus, prob int, amount string, close time.Time) *crm.Opportunity {
		m, err := crm.ParseMoney(amount)
		if err != nil {
			panic(err)
		}
		return &crm.Opportunity{ID: id, PipelineID: "p1", OwnerID: owner, Stage: stage, Status: status,
			Probability: prob, Amount: m, CloseDate: close, CreatedAt: day(2026, 1, 15)}
	}
	return []*crm.Opportunity{
		deal("d1", "ann", "proposal", crm.OpportunityOpen, 30, "1000.00 EUR", day(2026, 4, 15)),
		deal("d2", "ann", "negotiation", crm.OpportunityOpen, 60, "2500.50 EUR", day(2026, 4, 20)),
		deal("d3", "bob", "follow_up", crm.OpportunityOpen, 80, "1000 USD", day(2026, 5, 10)),
		deal("d4", "bob", "won", crm.OpportunityWon, 100, "333.33 EUR", day(2026, 4, 2)),
		deal("d5", "bob", "lost", crm.OpportunityLost, 0, "5000 EUR", day(2026, 4, 3)),
		deal("d6", "ann", "collection", crm.OpportunityOpen, 10, "10.01 EUR", day(2026, 6, 30)),
		deal("d7", "ann", "collection", crm.OpportunityOpen, 10, "99.99 EUR", time.Time{}),
	}
}

func forecastOptions(t *testing.T) crm.ForecastOptions {
	rates := crm.NewRateBook()
	require.NoError(t, rates.Set("EUR", "USD", day(2026, 1, 1), decimal.RequireFromString("1.25")))
	return crm.ForecastOptions{Conversion: crm.Conversion{Currency: "EUR", Rates: rates, AsOf: day(2026, 4, 1)}}
}

func TestForecast(t *testing.T) {
	p := crm.DefaultPipeline()
	p.ID = "p1"
	r, err := crm.Forecast(seqOf(forecastDeals()), []*crm.Pipeline{p}, forecastOptions(t))
	require.NoError(t, err)

	assert.Equal(t, crm.Basis{Currency: "EUR", RateDate: crm.RateAtCloseDate, AsOf: day(2026, 4, 1), Rounding: crm.RoundEachDeal}, r.Basis)
	type row struct {
		period, owner    string
		category         crm.ForecastCategory
		deals            int
		amount, weighted string
	}
	want := []row{
		{"2026-04", "ann", crm.CategoryBestCase, 1, "2500.50 EUR", "1500.30 EUR"},
		{"2026-04", "ann", crm.CategoryPipeline, 1, "1000.00 EUR", "300.00 EUR"},
		{"2026-04", "bob", crm.CategoryClosedWon, 1, "333.33 EUR", "333.33 EUR"},
		{"2026-05", "bob", crm.CategoryCommit, 1, "800.00 EUR", "640.00 EUR"}, // 1000 USD ÷ 1.25
		{"2026-06", "ann", crm.CategoryPipeline, 1, "10.01 EUR", "1.00 EUR"},  // 1.001 rounds to 1.00
		{"no date", "ann", crm.CategoryPipeline, 1, "99.99 EUR", "10.00 EUR"}, // 9.999 rounds to 10.00
	}
	require.Len(t, r.Rows, len(want))
	for i, w := range want {
		got := r.Rows[i]
		assert.Equal(t, w.period, got.Period.String(), "row %d", i)
		assert.Equal(t, w.owner, got.OwnerID, "row %d", i)
		assert.Equal(t, w.category, got.Category, "row %d", i)
		assert.Equal(t, w.deals, got.Deals, "row %d", i)
		assertMoney(t, w.amount, got.Amount, "row %d amount", i)
		assertMoney(t, w.weighted, got.Weighted, "row %d weighted", i)
	}
	assert.Equal(t, 1, r.Excluded, "the lost deal")

	tot := r.Totals()
	assert.Equal(t, 6, tot.Deals)
	assertMoney(t, "333.33 EUR", tot.Closed)
	assertMoney(t, "1133.33 EUR", tot.Commit)
	assertMoney(t, "3633.83 EUR", tot.BestCase)
	assertMoney(t, "4743.83 EUR", tot.Pipeline)
	assertMoney(t, "2784.63 EUR", tot.Weighted)

	byOwner := r.Rollup(crm.ByOwner)
	require.Len(t, byOwner, 2)
	assert.Equal(t, "ann", byOwner[0].OwnerID)
	assert.Equal(t, 4, byOwner[0].Deals)
	assertMoney(t, "3610.50 EUR", byOwner[0].Amount)
	assertMoney(t, "1811.30 EUR", byOwner[0].Weighted)
	assertMoney(t, "1133.33 EUR", byOwner[1].Amount)
	assert.True(t, byOwner[0].Period.IsZero() && byOwner[0].Category == "", "other dimensions zero")
	byCat := r.Rollup(crm.ByCategory)
	assert.Equal(t, []crm.ForecastCategory{crm.CategoryClosedWon, crm.CategoryCommit, crm.CategoryBestCase, crm.CategoryPipeline},
		[]crm.ForecastCategory{byCat[0].Category, byCat[1].Category, byCat[2].Category, byCat[3].Category})
	assertMoney(t, "1110.00 EUR", byCat[3].Amount)
	all := r.Rollup()
	require.Len(t, all, 1)
	assertMoney(t, "4743.83 EUR", all[0].Amount)

	t.Run("Quarter", func(t *testing.T) {
		opts := forecastOptions(t)
		opts.Period = crm.PeriodQuarter
		opts.From, opts.To = day(2026, 4, 1), day(2026, 7, 1)
		r, err := crm.Forecast(seqOf(forecastDeals()), []*crm.Pipeline{p}, opts)
		require.NoError(t, err)
		q := r.Rollup(crm.ByPeriod)
		require.Len(t, q, 1)
		assert.Equal(t, "2026-Q2", q[0].Period.String())
		assertMoney(t, "4643.84 EUR", q[0].Amount)
		assert.Equal(t, 2, r.Excluded, "the lost deal and the one with no date")

		cov, err := crm.PipelineCoverage(r, crm.MustMoney("3000", "EUR"))
		require.NoError(t, err)
		assert.Equal(t, r.Basis, cov.Basis)
		assertMoney(t, "333.33 EUR", cov.Won)
		assertMoney(t, "2666.67 EUR", cov.Remaining)
		assertMoney(t, "4310.51 EUR", cov.Open)
		assertMoney(t, "2441.30 EUR", cov.Weighted)
		assert.InDelta(t, 4310.51/2666.67, cov.Ratio, 1e-12)
		assert.InDelta(t, 2441.30/2666.67, cov.WeightedRatio, 1e-12)
		assert.False(t, cov.Met)

		met, err := crm.PipelineCoverage(r, crm.MustMoney("300", "EUR"))
		require.NoError(t, err)
		assert.True(t, met.Met)
		assertMoney(t, "0 EUR", met.Remaining)
		assert.Zero(t, met.Ratio)
		_, err = crm.PipelineCoverage(r, crm.MustMoney("300", "USD"))
		assert.Contains(t, fieldErr(t, err, "quota"), "in EUR")
	})

	t.Run("RateDates", func(t *testing.T) {
		opts := forecastOptions(t)
		require.NoError(t, opts.Rates.Set("EUR", "USD", day(2026, 5, 1), decimal.RequireFromString("1.60")))
		for _, tc := range []struct {
			policy crm.RateDate
			want   string
		}{
			{crm.RateAtCloseDate, "625.00 EUR"},   // 10 May: 1.60
			{crm.RateAtBookingDate, "800.00 EUR"}, // 15 January: 1.25
			{crm.RateAtAsOf, "800.00 EUR"},        // 1 April: 1.25
		} {
			opts.RateDate = tc.policy
			r, err := crm.Forecast(seqOf(forecastDeals()[2:3]), []*crm.Pipeline{p}, opts)
			require.NoError(t, err)
			assertMoney(t, tc.want, r.Totals().Pipeline, string(tc.policy))
			assert.Equal(t, tc.policy, r.Basis.RateDate)
		}
	})

	t.Run("MissingRate", func(t *testing.T) {
		deals := forecastDeals()
		deals[0].Amount = crm.MustMoney("10", "GBP")
		_, err := crm.Forecast(seqOf(deals), []*crm.Pipeline{p}, forecastOptions(t))
		require.ErrorIs(t, err, crm.ErrNoRate, "never a silent zero")
		assert.Contains(t, err.Error(), "opportunity d1")
		assert.Contains(t, err.Error(), "from GBP to EUR on 2026-04-15")
	})

	t.Run("RoundsHalfToEven", func(t *testing.T) {
		deals := []*crm.Opportunity{
			{ID: "a", PipelineID: "p1", Stage: "collection", Status: crm.OpportunityOpen, Probability: 10, Amount: crm.MustMoney("0.25", "EUR")},
			{ID: "b", PipelineID: "p1", Stage: "collection", Status: crm.OpportunityOpen, Probability: 10, Amount: crm.MustMoney("0.35", "EUR")},
			{ID: "c", PipelineID: "p1", Stage: "collection", Status: crm.OpportunityOpen, Probability: 10, Amount: crm.MustMoney("0.0050", "EUR")},
		}
		r, err := crm.Forecast(seqOf(deals), []*crm.Pipeline{p}, forecastOptions(t))
		require.NoError(t, err)
		// 0.025 → 0.02, 0.035 → 0.04, and 0.0050 → 0.00 before weighting.
		assertMoney(t, "0.06 EUR", r.Totals().Weighted)
		assertMoney(t, "0.60 EUR", r.Totals().Pipeline)
	})

	t.Run("BadOptions", func(t *testing.T) {
		_, err := crm.NewForecaster(nil, crm.ForecastOptions{Conversion: crm.Conversion{Currency: "eu", RateDate: "someday"}, Period: "week"})
		assert.Contains(t, fieldErr(t, err, "currency"), "ISO 4217")
		assert.Contains(t, fieldErr(t, err, "rate_date"), "unknown")
		assert.Equal(t, "required", fieldErr(t, err, "as_of"))
		assert.Contains(t, fieldErr(t, err, "period"), "unknown")
	})
}

func TestMeasureSales(t *testing.T) {
	created := day(2026, 1, 1)
	closed := func(status crm.OpportunityStatus, amount string, days int) *crm.Opportunity {
		return &crm.Opportunity{Status: status, Amount: crm.MustMoney(amount, "EUR"), CreatedAt: created,
			ClosedAt: created.Add(time.Duration(days) * 24 * time.Hour), Probability: 100}
	}
	open := &crm.Opportunity{Status: crm.OpportunityOpen, Amount: crm.MustMoney("999", "EUR"), Probability: 50}
	deals := []*crm.Opportunity{
		closed(crm.OpportunityWon, "100", 10), closed(crm.OpportunityWon, "400", 40), closed(crm.OpportunityWon, "200", 20),
		closed(crm.OpportunityLost, "300", 5), closed(crm.OpportunityLost, "100", 50),
		open, open, open, open,
		closed(crm.OpportunityWon, "1000000", 400), // closed before the period
	}
	opts := crm.SalesOptions{Conversion: crm.Conversion{Currency: "EUR", AsOf: day(2026, 6, 1)}, From: day(2026, 1, 2), To: day(2026, 12, 1)}
	m, err := crm.MeasureSales(seqOf(deals), opts)
	require.NoError(t, err)
	assert.Equal(t, 3, m.Won)
	assert.Equal(t, 2, m.Lost)
	assert.Equal(t, 4, m.Open)
	assert.InDelta(t, 0.6, m.WinRate, 1e-15)
	assert.InDelta(t, 700.0/1100, m.AmountWinRate, 1e-15)
	assertMoney(t, "700 EUR", m.WonAmount)
	assertMoney(t, "3996 EUR", m.OpenAmount)
	assertMoney(t, "233.33 EUR", m.AverageDeal, "700 / 3")
	assertMoney(t, "200 EUR", m.MedianDeal)
	const d = 24 * time.Hour
	assert.Equal(t, 70*d/3, m.MeanCycle)
	assert.Equal(t, 20*d, m.MedianCycle)
	assert.Equal(t, 40*d, m.P90Cycle, "nearest rank: the 3rd of 3")
	assertMoney(t, "24.00 EUR", m.Velocity, "4 × 0.6 × 233.33… ÷ 23.33… days")

	deals = append(deals, closed(crm.OpportunityWon, "300", 30))
	m, err = crm.MeasureSales(seqOf(deals), opts)
	require.NoError(t, err)
	assertMoney(t, "250 EUR", m.MedianDeal, "the mean of the middle two")
	assert.Equal(t, 25*d, m.MedianCycle)
	assert.Equal(t, 40*d, m.P90Cycle, "nearest rank: the 4th of 4")

	none, err := crm.MeasureSales(seqOf([]*crm.Opportunity{open}), opts)
	require.NoError(t, err)
	assert.Zero(t, none.WinRate)
	assertMoney(t, "0 EUR", none.Velocity)
}

func TestStaleDeals(t *testing.T) {
	asOf := time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)
	deals := []*crm.Opportunity{
		{ID: "fresh", Status: crm.OpportunityOpen, StageEnteredAt: asOf.Add(-24 * time.Hour), CloseDate: day(2026, 4, 10)},
		{ID: "idle", Status: crm.OpportunityOpen, StageEnteredAt: asOf.Add(-31 * 24 * time.Hour), CloseDate: day(2026, 5, 1)},
		{ID: "late", Status: crm.OpportunityOpen, StageEnteredAt: asOf.Add(-2 * 24 * time.Hour), CloseDate: day(2026, 4, 7)},
		{ID: "won", Status: crm.OpportunityWon, StageEnteredAt: asOf.Add(-90 * 24 * time.Hour), CloseDate: day(2026, 1, 1)},
	}
	rule := crm.StaleRule{MaxIdle: 30 * 24 * time.Hour, PastClose: true}
	var got []string
	for d, err := range crm.StaleDeals(seqOf(deals), rule, asOf) {
		require.NoError(t, err)
		got = append(got, d.Opportunity.ID)
		switch d.Opportunity.ID {
		case "idle":
			assert.True(t, d.IdleTooLong)
			assert.Equal(t, 31*24*time.Hour, d.Idle)
			assert.Zero(t, d.DaysOverdue)
		case "late":
			assert.False(t, d.IdleTooLong)
			assert.Equal(t, 3, d.DaysOverdue)
		}
	}
	assert.Equal(t, []string{"idle", "late"}, got)
}

// TestRoundingHalfToEven checks the divisions of the analytics round the
// exact quotient half to even, once.
func TestRoundingHalfToEven(t *testing.T) {
	created := day(2026, 1, 1)
	won := func(amount string) *crm.Opportunity {
		return &crm.Opportunity{Status: crm.OpportunityWon, Amount: crm.MustMoney(amount, "EUR"), CreatedAt: created, ClosedAt: created.AddDate(0, 0, 10)}
	}
	m, err := crm.MeasureSales(seqOf([]*crm.Opportunity{won("10.00"), won("10.01")}), crm.SalesOptions{Conversion: crm.Conversion{Currency: "EUR", AsOf: day(2026, 6, 1)}})
	require.NoError(t, err)
	assertMoney(t, "10.00 EUR", m.AverageDeal, "10.005 is a tie: to the even cent")
	assertMoney(t, "10.00 EUR", m.MedianDeal, "the same tie, the same way")
	m, err = crm.MeasureSales(seqOf([]*crm.Opportunity{won("10.01"), won("10.02")}), crm.SalesOptions{Conversion: crm.Conversion{Currency: "EUR", AsOf: day(2026, 6, 1)}})
	require.NoError(t, err)
	assertMoney(t, "10.02 EUR", m.AverageDeal, "10.015 goes up to the even cent")

	sums := []crm.PurchaseSummary{
		{CustomerID: "a", Orders: 1, Days: 1, First: created, Last: created, Total: crm.MustMoney("1.0000", "EUR")},
		{CustomerID: "b", Orders: 1, Days: 1, First: created, Last: created, Total: crm.MustMoney("19998.9999", "EUR")},
	}
	r, err := crm.ValueTiers(sums, crm.TierOptions{})
	require.NoError(t, err)
	require.Len(t, r.Customers, 2)
	// 1 ÷ 19,999.9999 = 0.0000500000003…, which is 0.0001 to four places
	// (a quotient rounded first to twelve places and then to four gave 0).
	assert.Equal(t, "0.0001", r.Customers[1].Share.String())

	var b crm.RateBook
	require.NoError(t, b.Set("EUR", "USD", day(2026, 1, 1), decimal.RequireFromString("1.25")))
	_, err = b.Rate("usd", " eur", time.Date(2026, 1, 1, 1, 0, 0, 0, time.FixedZone("", 5*3600)))
	require.ErrorIs(t, err, crm.ErrNoRate, "20:00 UTC on 31 December, before the first rate")
	rate, err := b.Rate("usd", " eur", day(2026, 1, 2))
	require.NoError(t, err, "codes in any case")
	assert.Equal(t, "0.8", rate.String())
}
