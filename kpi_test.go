package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// seq yields vs and then, if err is not nil, err.
func seq[T any](err error, vs ...T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, v := range vs {
			if !yield(v, nil) {
				return
			}
		}
		if err != nil {
			var zero T
			yield(zero, err)
		}
	}
}

// summary returns a summary of orders orders in currency, the last placed
// at last.
func summary(customer, currency string, orders int, last time.Time) crm.PurchaseSummary {
	return crm.PurchaseSummary{CustomerID: customer, Orders: orders, Days: orders, First: last, Last: last,
		Total: crm.MustMoney("1", currency), RepeatTotal: crm.MustMoney("0", currency)}
}

func TestMeasureCustomers(t *testing.T) {
	june := crm.PeriodOf(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), crm.PeriodMonth)
	const window = 30 * 24 * time.Hour // active at 1 June: from 2 May; at 1 July: from 1 June
	may := func(d int) time.Time { return time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC) }
	jun := func(d int) time.Time { return time.Date(2026, 6, d, 0, 0, 0, 0, time.UTC) }
	atStart := []crm.PurchaseSummary{
		summary("a", "EUR", 1, may(1)), // before 2 May in EUR, but active through USD
		summary("a", "USD", 1, may(2)),
		summary("b", "EUR", 2, may(1)), // lapsed at the start, bought again in June
		summary("c", "EUR", 1, may(20)),
	}
	atEnd := []crm.PurchaseSummary{
		summary("a", "EUR", 3, jun(30)), // two more in June, in EUR
		summary("a", "USD", 1, may(2)),
		summary("b", "EUR", 3, jun(3)),
		summary("c", "EUR", 1, may(20)), // churned
		summary("d", "GBP", 1, jun(15)), // new, once
		summary("e", "EUR", 1, jun(1)),  // new, with a second currency
		summary("e", "USD", 1, jun(9)),
	}
	k, err := crm.MeasureCustomers(seq(nil, atStart...), seq(nil, atEnd...), june, window)
	require.NoError(t, err)
	assert.Equal(t, 2, k.AtStart, "a (through USD) and c")
	assert.Equal(t, 2, k.New, "d and e")
	assert.Equal(t, 4, k.AtEnd, "a, b, d and e")
	assert.Equal(t, crm.Ratio{Numerator: 2, Denominator: 2}, k.Retention, "(4 − 2) / 2: b's return makes up for c")
	assert.Equal(t, crm.Ratio{Numerator: 0, Denominator: 2}, k.Churn)
	assert.Equal(t, crm.Ratio{Numerator: 2, Denominator: 4}, k.Repurchase, "a (2 orders) and e (2 currencies) of a, b, d, e")

	t.Run("Errors", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := crm.MeasureCustomers(seq(nil, atStart...), seq(boom, atEnd...), june, window)
		assert.ErrorIs(t, err, boom)
		_, err = crm.MeasureCustomers(seq(boom, atStart[:1]...), seq(nil, atEnd...), june, window)
		assert.ErrorIs(t, err, boom)
		_, err = crm.MeasureCustomers(seq[crm.PurchaseSummary](nil), seq(nil, atEnd[2], atEnd[0]), june, window)
		assert.ErrorContains(t, err, "out of customer order")
	})
	t.Run("Invalid", func(t *testing.T) {
		for _, tc := range []struct {
			p      crm.Period
			window time.Duration
			field  string
		}{
			{crm.Period{}, window, "period"},
			{crm.Period{Start: jun(2), Unit: crm.PeriodMonth}, window, "period"},
			{crm.Period{Start: jun(1), Unit: crm.PeriodQuarter}, window, "period"},
			{crm.Period{Start: jun(1), Unit: "week"}, window, "period"},
			{june, 0, "active_within"},
		} {
			_, err := crm.MeasureCustomers(seq[crm.PurchaseSummary](nil), seq[crm.PurchaseSummary](nil), tc.p, tc.window)
			var verr *crm.ValidationError
			require.True(t, errors.As(err, &verr), "%+v: %v", tc, err)
			assert.Equal(t, tc.field, verr.Fields[0].Field, "%+v", tc)
		}
	})
}

func TestMeasureLeadConversion(t *testing.T) {
	q := crm.PeriodOf(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter) // April to June
	start, end := q.Start, q.End()
	leads := []*crm.Lead{
		{ID: "before", CreatedAt: start.Add(-time.Microsecond), Status: crm.LeadConverted, ConvertedAt: start},
		{ID: "first", CreatedAt: start, Status: crm.LeadConverted, ConvertedAt: start.Add(time.Hour)},
		{ID: "open", CreatedAt: start.AddDate(0, 1, 0), Status: crm.LeadQualified},
		{ID: "late", CreatedAt: start.AddDate(0, 2, 0), Status: crm.LeadConverted, ConvertedAt: end},
		{ID: "last", CreatedAt: end.Add(-time.Microsecond), Status: crm.LeadConverted, ConvertedAt: end.Add(-time.Microsecond)},
		{ID: "after", CreatedAt: end, Status: crm.LeadConverted, ConvertedAt: end},
	}
	r, err := crm.MeasureLeadConversion(seq(nil, leads...), q)
	require.NoError(t, err)
	assert.Equal(t, crm.Ratio{Numerator: 2, Denominator: 4}, r, "first and last of first, open, late, last")
	r, err = crm.MeasureLeadConversion(seq[*crm.Lead](nil), q)
	require.NoError(t, err)
	assert.False(t, r.Valid(), "no lead created")
	_, err = crm.MeasureLeadConversion(seq(nil, leads...), crm.Period{})
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

func TestRatio(t *testing.T) {
	r := crm.Ratio{Numerator: 1, Denominator: 3}
	assert.True(t, r.Valid())
	assert.InDelta(t, 1.0/3, r.Value(), 1e-15)
	assert.Equal(t, "33.3%", r.String())
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"numerator": 1, "denominator": 3, "value": 0.3333333333333333}`, string(b))

	var none crm.Ratio
	assert.False(t, none.Valid())
	assert.Zero(t, none.Value())
	assert.Equal(t, "–", none.String())
	b, err = json.Marshal(none)
	require.NoError(t, err)
	assert.JSONEq(t, `{"numerator": 0, "denominator": 0, "value": null}`, string(b), "undefined is null, never NaN")
}

// sampleReport returns a report with every field set, by hand.
func sampleReport() *crm.Report {
	const day = 24 * time.Hour
	q := crm.PeriodOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
	return &crm.Report{
		Period: q, ActiveWithin: 365 * day,
		Basis: crm.Basis{Currency: "EUR", RateDate: crm.RateAtCloseDate, AsOf: q.End(), Rounding: "half even"},
		Customers: crm.CustomerKPIs{AtStart: 5, New: 2, AtEnd: 6,
			Retention:  crm.Ratio{Numerator: 4, Denominator: 5},
			Churn:      crm.Ratio{Numerator: 1, Denominator: 5},
			Repurchase: crm.Ratio{Numerator: 2, Denominator: 5}},
		Sales: crm.SalesKPIs{
			LeadConversion: crm.Ratio{},
			WinRate:        crm.Ratio{Numerator: 3, Denominator: 4},
			AverageDeal:    crm.MeanAmount{Mean: crm.MustMoney("2000.01", "EUR"), N: 3},
			Cycle:          crm.DurationStats{N: 3, Mean: 40 * day, Median: 40 * day, P90: 50*day + 12*time.Hour},
		},
		Service: crm.ServiceKPIs{Opened: 4,
			ComplaintResolution: crm.Ratio{Numerator: 1, Denominator: 2},
			FirstResponse:       crm.DurationStats{N: 2, Mean: 3 * time.Hour, Median: 3 * time.Hour, P90: 5 * time.Hour},
			SLABreach:           crm.Ratio{Numerator: 1, Denominator: 3}},
		Surveys: crm.SurveyKPIs{NPS: &nps},
	}
}

// nps is the NPS of sampleReport: 50 promoters, 30 passives and 20
// detractors.
var nps = func() crm.NPS {
	var t crm.NPSTally
	for score, n := range map[int]int{10: 50, 8: 30, 2: 20} {
		if err := t.AddN(score, n); err != nil {
			panic(err)
		}
	}
	r, err := t.Result()
	if err != nil {
		panic(err)
	}
	return r
}()

func TestReportJSON(t *testing.T) {
	b, err := json.Marshal(sampleReport())
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"period": "2026-Q1", "from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z",
		"active_within_seconds": 31536000,
		"basis": {"currency": "EUR", "rate_date": "close_date", "as_of": "2026-04-01T00:00:00Z", "rounding": "half even"},
		"customers": {"at_start": 5, "new": 2, "at_end": 6,
			"retention_rate": {"numerator": 4, "denominator": 5, "value": 0.8},
			"churn_rate": {"numerator": 1, "denominator": 5, "value": 0.2},
			"repurchase_rate": {"numerator": 2, "denominator": 5, "value": 0.4}},
		"sales": {
			"lead_conversion_rate": {"numerator": 0, "denominator": 0, "value": null},
			"win_rate": {"numerator": 3, "denominator": 4, "value": 0.75},
			"average_deal_size": {"amount": "2000.01", "currency": "EUR", "n": 3},
			"sales_cycle": {"n": 3, "mean_seconds": 3456000, "median_seconds": 3456000, "p90_seconds": 4363200}},
		"service": {"cases_opened": 4,
			"complaint_resolution_rate": {"numerator": 1, "denominator": 2, "value": 0.5},
			"first_response_time": {"n": 2, "mean_seconds": 10800, "median_seconds": 10800, "p90_seconds": 18000},
			"resolution_time": {"n": 0, "mean_seconds": null, "median_seconds": null, "p90_seconds": null},
			"sla_breach_rate": {"numerator": 1, "denominator": 3, "value": 0.3333333333333333}},
		"surveys": {"csat": null, "ces": null, "nps": {"n": 100, "promoters": 50, "passives": 30, "detractors": 20,
			"score": 30, "std_err": `+fmt.Sprint(nps.StdErr)+`, "confidence": 0.95, "small": false,
			"wald": {"low": `+fmt.Sprint(nps.Wald.Low)+`, "high": `+fmt.Sprint(nps.Wald.High)+`},
			"adjusted_wald": {"low": `+fmt.Sprint(nps.AdjustedWald.Low)+`, "high": `+fmt.Sprint(nps.AdjustedWald.High)+`}}}
	}`, string(b))

	var empty crm.Report
	empty.Period = sampleReport().Period
	b, err = json.Marshal(&empty)
	require.NoError(t, err)
	var doc struct {
		Sales struct {
			AverageDeal map[string]any `json:"average_deal_size"`
			Cycle       map[string]any `json:"sales_cycle"`
		} `json:"sales"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.Nil(t, doc.Sales.AverageDeal["amount"], "no deal won: no mean")
	assert.Nil(t, doc.Sales.Cycle["median_seconds"], "no deal won: no cycle")
}

func TestReportText(t *testing.T) {
	var b strings.Builder
	require.NoError(t, sampleReport().WriteText(&b))
	assert.Equal(t, `KPIs for 2026-Q1 [2026-01-01, 2026-04-01), active within 365 days; money in EUR at close_date rates
kpi                        value        of
customers at start         5
new customers              2
customers at end           6
retention rate             80.0%        4 / 5
churn rate                 20.0%        1 / 5
repurchase rate            40.0%        2 / 5
lead conversion rate       –            0 / 0
win rate                   75.0%        3 / 4
average deal size          2000.01 EUR  3 deals
sales cycle, mean          40.0 days    3 deals
sales cycle, median        40.0 days    3 deals
sales cycle, p90           50.5 days    3 deals
cases opened               4
complaint resolution rate  50.0%        1 / 2
first response, median     3.0 h        2 cases
first response, p90        5.0 h        2 cases
resolution time, median    –            0 cases
resolution time, p90       –            0 cases
SLA breach rate            33.3%        1 / 3
NPS                        30.0 ± 15.3  100 responses
CSAT, top two box          –            0 responses
`, b.String())
	// Every value starts in one column, and so does every count behind it.
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")[1:]
	col := strings.Index(lines[0], "value")
	of := strings.Index(lines[0], "of")
	for _, l := range lines[1:] {
		r := []rune(l)
		assert.NotEqual(t, ' ', r[col], "value column in %q", l)
		assert.Equal(t, ' ', r[col-1], "value column in %q", l)
		if len(r) > of {
			assert.NotEqual(t, ' ', r[of], "counts column in %q", l)
			assert.Equal(t, ' ', r[of-1], "counts column in %q", l)
		}
	}
}

// noReads is a Store that fails a test on any read of orders, leads or
// deals.
type noReads struct {
	crm.Store
	t *testing.T
}

func (s noReads) PurchaseSummaries(context.Context, crm.PurchaseSummaryFilter) ([]crm.PurchaseSummary, crm.Cursor, error) {
	s.t.Error("PurchaseSummaries called")
	return nil, "", nil
}

func (s noReads) FindLeads(context.Context, crm.LeadFilter) ([]*crm.Lead, crm.Cursor, error) {
	s.t.Error("FindLeads called")
	return nil, "", nil
}

func (s noReads) FindOpportunities(context.Context, crm.OpportunityFilter) ([]*crm.Opportunity, crm.Cursor, error) {
	s.t.Error("FindOpportunities called")
	return nil, "", nil
}

func (s noReads) PurchaseCohorts(context.Context, crm.PurchaseCohortFilter) ([]crm.CohortCount, error) {
	s.t.Error("PurchaseCohorts called")
	return nil, nil
}

func TestKPIsInvalid(t *testing.T) {
	_, _, store := newClient(t)
	c, err := crm.New(noReads{store, t})
	require.NoError(t, err)
	ctx := t.Context()
	_, err = c.KPIs(ctx, crm.Period{Start: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), Unit: crm.PeriodQuarter},
		crm.KPIOptions{ActiveWithin: -time.Hour, Conversion: crm.Conversion{Currency: "euro", RateDate: "yesterday"}})
	var verr *crm.ValidationError
	require.True(t, errors.As(err, &verr), "%v", err)
	var fields []string
	for _, f := range verr.Fields {
		fields = append(fields, f.Field)
	}
	assert.Equal(t, []string{"period", "active_within", "currency", "rate_date"}, fields, "%v", err)
	_, err = c.KPIs(ctx, crm.Period{}, crm.KPIOptions{Conversion: crm.Conversion{Currency: "EUR"}})
	assert.ErrorIs(t, err, crm.ErrInvalid, "zero period")
	_, err = c.Cohorts(ctx, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.ErrorIs(t, err, crm.ErrInvalid, "cohort range")
}
