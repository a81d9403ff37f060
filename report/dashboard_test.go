package report_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/report"
	"github.com/crmkit/crm/storage/memory"
)

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]crm.Period{
		"2026-03": crm.PeriodOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), crm.PeriodMonth),
		"2026-Q2": crm.PeriodOf(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter),
		"2026":    crm.PeriodOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), crm.PeriodYear),
	} {
		got, err := report.ParsePeriod(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
		assert.Equal(t, in, got.String(), "round trip")
	}
	for _, bad := range []string{"", "26-03", "2026-13", "2026-Q5", "2026-3", "March", "2026-00", "2026-", "2026-+3", "+202", "+202-03", "0000", "0000-01", "2026-q1"} {
		_, err := report.ParsePeriod(bad)
		assert.Error(t, err, bad)
	}
}

// dashboardClient is a Client over a small store: a pipeline with one
// deal, one customer with an order and an NPS answer.
func dashboardClient(t *testing.T) *crm.Client {
	t.Helper()
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	c, err := crm.New(memory.New(), crm.WithClock(crm.ClockFunc(func() time.Time { return now })))
	require.NoError(t, err)
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
	p, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: `<b>&"Acme"`, OwnerID: "ann"})
	require.NoError(t, err)
	_, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "fleet", CustomerID: cust.ID, PipelineID: p.ID,
		Amount: crm.MustMoney("1200", "EUR"), CloseDate: time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	_, err = c.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, Lines: []crm.OrderLine{{SKU: "X", Quantity: crm.MustMoney("1", "EUR").Amount, UnitPrice: crm.MustMoney("99.50", "EUR")}}})
	require.NoError(t, err)
	sv, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "NPS", Question: "Recommend us?"})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: sv.ID, CustomerID: cust.ID, Score: 9})
	require.NoError(t, err)
	return c
}

func TestDashboard(t *testing.T) {
	c := dashboardClient(t)
	march, _ := report.ParsePeriod("2026-03")
	opts := report.LoadOptions{Title: "Acme <Board>", Currency: "EUR", Months: 3, Now: func() time.Time { return time.Date(2026, 3, 20, 13, 0, 0, 0, time.UTC) }}
	d, err := report.Load(t.Context(), c, march, opts)
	require.NoError(t, err)
	require.NotNil(t, d.Funnel)
	assert.Equal(t, 1, d.Funnel.Deals)
	require.Len(t, d.NPS, 1)
	assert.Len(t, d.RFM, 1)
	require.NotNil(t, d.Tiers)
	assert.Len(t, d.Cohorts.Rows, 3)

	var b strings.Builder
	require.NoError(t, d.WriteHTML(&b, report.Options{Locale: report.German}))
	page := b.String()
	assert.True(t, strings.Contains(page, `<html lang="en">`), "the wording is English")
	assert.Contains(t, page, "Acme &lt;Board&gt;: Mär 2026", "the title escaped, the month in German")
	assert.NotContains(t, page, `<b>&"Acme"`, "names never reach the page raw")
	assert.NotContains(t, page, "<script")
	assert.True(t, strings.Contains(page, `href="?lang=de-DE&amp;period=2026-02"`), "the links keep the locale")
	assert.True(t, strings.Contains(page, `href="?lang=de-DE&amp;period=2026-04"`))
	for _, id := range []string{"funnel", "forecast", "nps", "cohorts", "rfm", "tiers", "scorecards"} {
		assert.Contains(t, page, `<figure id="`+id+`"`)
	}

	path := filepath.Join(t.TempDir(), "board.html")
	require.NoError(t, report.WriteFile(path, d, report.Options{}))
	written, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(written), `href="?period=2026-02"`), "no locale asked for, none in the links")
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	assert.Error(t, report.WriteFile(filepath.Join(t.TempDir(), "missing", "board.html"), d, report.Options{}))
	assert.ErrorIs(t, report.WriteFile(path, nil, report.Options{}), report.ErrNoReport)
	require.NoError(t, os.Chmod(path, 0o600))
	require.NoError(t, report.WriteFile(path, d, report.Options{}))
	info, err = os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a file replaced keeps its permissions")

	// An empty store draws a page with nothing to show.
	empty, err := crm.New(memory.New())
	require.NoError(t, err)
	d, err = report.Load(t.Context(), empty, march, report.LoadOptions{Currency: "EUR"})
	require.NoError(t, err)
	b.Reset()
	require.NoError(t, d.WriteHTML(&b, report.Options{}))
	assert.Contains(t, b.String(), "Nothing to show for this period.")
}

func TestHandler(t *testing.T) {
	c := dashboardClient(t)
	var logged []error
	h := report.Handler(c, report.LoadOptions{Currency: "EUR", Now: func() time.Time { return time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC) },
		ErrorLog: func(_ *http.Request, err error) { logged = append(logged, err) }})
	get := func(target string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		if len(header) == 2 {
			req.Header.Set(header[0], header[1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := get("/")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Body.String(), "Mar 2026", "the current month by default")
	assert.Equal(t, "text/html; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Contains(t, rec.Header().Get("Content-Security-Policy"), "default-src 'none'")
	assert.True(t, strings.Contains(get("/?period=2026-Q1&lang=fr").Body.String(), "lang=fr-FR&amp;period=2025-Q4"))
	assert.True(t, strings.Contains(get("/", "Accept-Language", "de-AT,de;q=0.9").Body.String(), "Mär 2026"))
	assert.True(t, strings.Contains(get("/", "Accept-Language", "de;q=0.9").Body.String(), "Mär 2026"), "a q-value is no part of the tag")
	assert.Equal(t, "Accept-Language", rec.Header().Get("Vary"))
	assert.Equal(t, http.StatusBadRequest, get("/?period=soon").Code)

	req := httptest.NewRequest(http.MethodPost, "/", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	bad := report.Handler(c, report.LoadOptions{Currency: "EUR", PipelineID: "nope", ErrorLog: func(_ *http.Request, err error) { logged = append(logged, err) }})
	rec = httptest.NewRecorder()
	bad.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?period=2026-03", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "nope", "the error is logged, not shown")
	require.Len(t, logged, 1)
	assert.ErrorIs(t, logged[0], crm.ErrNotFound)
}
