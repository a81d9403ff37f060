package report

import (
	"bytes"
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// Dashboard is what one dashboard page shows for a period: each part
// that is nil or empty is left out of the page.
type Dashboard struct {
	// Title heads the page.
	Title  string
	Period crm.Period

	// Pipeline and Funnel: the deals created in the Months months up to
	// the end of the period, stage by stage.
	Pipeline *crm.Pipeline
	Funnel   *crm.FunnelReport
	// FunnelFrom is when the funnel's deals start: the first instant of
	// its first month.
	FunnelFrom time.Time
	// Forecast: the deals closing in the period and the months after
	// it, by month and category.
	Forecast *crm.ForecastReport
	// NPS: the score month by month up to the end of the period.
	NPS []NPSPoint
	// Cohorts: retention of the customers acquired in the months up to
	// the end of the period.
	Cohorts *crm.CohortMatrix
	// RFM and Tiers: the customers scored and tiered by their purchases
	// up to the end of the period.
	RFM   []crm.RFMScore
	Tiers *crm.ValueReport
	// Scorecards: the account managers over the period.
	Scorecards []crm.Scorecard
}

// LoadOptions says what [Load] reads.
type LoadOptions struct {
	// Title heads the page; "Dashboard" if empty.
	Title string
	// Currency is the currency of the forecast, the RFM scores and the
	// value tiers; required. Rates converts deals in other currencies
	// for the forecast; purchases in other currencies are left out of
	// RFM and tiers.
	Currency string
	Rates    *crm.RateBook
	// PipelineID chooses the funnel's and the forecast's pipeline; the
	// first pipeline if empty.
	PipelineID string
	// Months is how many months the NPS trend and the cohorts cover, up
	// to the end of the period, and how many the forecast covers from its
	// start; 0 means 12.
	Months int
	// Owners are the account managers with a scorecard; everyone who
	// turns up if empty.
	Owners []string
	// Now is the time the forecast is taken at when the period has not
	// ended yet, and the current month of [Handler]; time.Now if nil.
	Now func() time.Time
	// ErrorLog, if set, receives the errors [Handler] answers with a 500.
	ErrorLog func(r *http.Request, err error)
}

// Load reads the dashboard of period p from client: the funnel of the
// deals created in the Months months up to p's end, the forecast from p's start for Months months, the
// NPS of each of the Months months up to p's end, the cohorts of those
// months, the RFM scores and value tiers as of p's end (or now, if
// earlier), and the scorecards of p. A part with nothing to show is
// left empty; any other error ends the load.
func Load(ctx context.Context, client *crm.Client, p crm.Period, opts LoadOptions) (*Dashboard, error) {
	if client == nil {
		return nil, errors.New("report: load dashboard: nil client")
	}
	if p.IsZero() {
		return nil, errors.New("report: load dashboard: no period")
	}
	months := cmp.Or(opts.Months, 12)
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	asOf := p.End()
	if t := now().UTC(); t.Before(asOf) {
		asOf = t
	}
	d := &Dashboard{Title: cmp.Or(opts.Title, "Dashboard"), Period: p}
	fail := func(part string, err error) (*Dashboard, error) {
		return nil, fmt.Errorf("report: load dashboard %s, %s: %w", p, part, err)
	}

	pipelines, err := client.Pipelines(ctx)
	if err != nil {
		return fail("pipelines", err)
	}
	for _, pl := range pipelines {
		if opts.PipelineID == "" || pl.ID == opts.PipelineID {
			d.Pipeline = pl
			break
		}
	}
	if d.Pipeline == nil && opts.PipelineID != "" {
		return fail("pipelines", fmt.Errorf("pipeline %s: %w", opts.PipelineID, crm.ErrNotFound))
	}
	first := monthStart(p.End()).AddDate(0, -months, 0)
	if d.Pipeline != nil {
		d.FunnelFrom = first
		if d.Funnel, err = client.Funnel(ctx, d.Pipeline.ID, crm.FunnelOptions{From: first, To: p.End()}); err != nil {
			return fail("funnel", err)
		}
		f := crm.OpportunityFilter{PipelineIDs: []string{d.Pipeline.ID}}
		fo := crm.ForecastOptions{Conversion: crm.Conversion{Currency: opts.Currency, Rates: opts.Rates, AsOf: asOf},
			Period: crm.PeriodMonth, From: p.Start, To: p.Start.AddDate(0, months, 0)}
		if d.Forecast, err = client.Forecast(ctx, f, fo); err != nil {
			return fail("forecast", err)
		}
	}

	if d.NPS, err = npsTrend(ctx, client, first, p.End()); err != nil {
		return fail("NPS", err)
	}
	if d.Cohorts, err = client.Cohorts(ctx, first, monthStart(p.End())); err != nil {
		return fail("cohorts", err)
	}

	var summaries []crm.PurchaseSummary
	for s, err := range client.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: asOf, Currency: opts.Currency}) {
		if err != nil {
			return fail("purchases", err)
		}
		summaries = append(summaries, s)
	}
	if len(summaries) > 0 {
		if d.RFM, err = crm.ScoreRFM(summaries, crm.RFMOptions{AsOf: asOf}); err != nil {
			return fail("RFM", err)
		}
		tiers, err := crm.ValueTiers(summaries, crm.TierOptions{})
		if err != nil {
			return fail("value tiers", err)
		}
		d.Tiers = &tiers
	}
	if d.Scorecards, err = client.Scorecards(ctx, p.Start, p.End(), opts.Owners...); err != nil {
		return fail("scorecards", err)
	}
	return d, nil
}

// monthStart returns the first instant of t's UTC month.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// npsTrend scores the NPS surveys' responses month by month in [from,
// before).
func npsTrend(ctx context.Context, client *crm.Client, from, before time.Time) ([]NPSPoint, error) {
	var surveys []string
	for sv, err := range client.Surveys(ctx) {
		if err != nil {
			return nil, err
		}
		if sv.Kind == crm.SurveyKindNPS {
			surveys = append(surveys, sv.ID)
		}
	}
	if len(surveys) == 0 {
		return nil, nil
	}
	byMonth, err := client.SurveyNPSByPeriod(ctx, crm.ResponseFilter{SurveyIDs: surveys, AnsweredFrom: from, AnsweredBefore: before}, crm.PeriodMonth)
	if err != nil {
		var verr *crm.ValidationError
		if errors.As(err, &verr) {
			if _, none := verr.Field("scores"); none {
				return nil, nil // no responses
			}
		}
		return nil, err
	}
	points := make([]NPSPoint, 0, len(byMonth))
	for period, score := range byMonth {
		points = append(points, NPSPoint{Period: period, Score: score})
	}
	slices.SortFunc(points, func(a, b NPSPoint) int { return a.Period.Start.Compare(b.Period.Start) })
	return points, nil
}

//go:embed dashboard.html
var pageText string

var page = template.Must(template.New("dashboard").Parse(pageText))

// figure is one chart of the page.
type figure struct {
	ID, Caption string
	SVG         template.HTML
}

// WriteHTML writes d as one self-contained HTML page — the charts inline
// as SVG, the styles inline, no script and nothing fetched — with its
// numbers, money, percentages and months in opts.Locale; the wording is
// English, and the page says so (lang="en"). The page links to the period
// before and after with ?period=…&lang=…, which [Handler] serves.
func (d *Dashboard) WriteHTML(w io.Writer, opts Options) error {
	loc := opts.Locale.norm()
	opts.Locale = loc
	var charts []figure
	add := func(id, caption string, draw func(io.Writer, Options) error) error {
		var b bytes.Buffer
		o := opts
		o.Title, o.IDPrefix = caption, "dash-"+id
		if err := draw(&b, o); err != nil {
			return fmt.Errorf("report: dashboard, %s: %w", caption, err)
		}
		// The SVG is the package's own output, with every text escaped.
		charts = append(charts, figure{ID: id, Caption: caption, SVG: template.HTML(b.String())})
		return nil
	}
	var err error
	if d.Funnel != nil && d.Pipeline != nil {
		err = errors.Join(err, add("funnel", "Sales funnel: deals created since "+loc.Month(d.FunnelFrom), func(w io.Writer, o Options) error { return Funnel(w, d.Funnel, d.Pipeline, o) }))
	}
	if d.Forecast != nil {
		err = errors.Join(err, add("forecast", "Forecast by month and category", func(w io.Writer, o Options) error { return Forecast(w, d.Forecast, o) }))
	}
	if len(d.NPS) > 0 {
		err = errors.Join(err, add("nps", "Net Promoter Score by month", func(w io.Writer, o Options) error { return NPSTrend(w, d.NPS, o) }))
	}
	if d.Cohorts != nil && slices.ContainsFunc(d.Cohorts.Rows, func(r crm.CohortRow) bool { return r.Size > 0 }) {
		err = errors.Join(err, add("cohorts", "Cohort retention", func(w io.Writer, o Options) error { return CohortHeatMap(w, d.Cohorts, o) }))
	}
	if len(d.RFM) > 0 {
		err = errors.Join(err, add("rfm", "RFM: recency × frequency", func(w io.Writer, o Options) error { return RFMGrid(w, d.RFM, o) }))
	}
	if d.Tiers != nil {
		err = errors.Join(err, add("tiers", "Value tiers: share of customers and of revenue", func(w io.Writer, o Options) error { return TierShares(w, d.Tiers, o) }))
	}
	if len(d.Scorecards) > 0 {
		err = errors.Join(err, add("scorecards", "Account managers: "+periodLabel(loc, d.Period), func(w io.Writer, o Options) error { return Scorecards(w, d.Scorecards, o) }))
	}
	if err != nil {
		return err
	}
	data := struct {
		Title, Period, Prev, Next string
		Charts                    []figure
	}{
		Title: d.Title, Period: periodLabel(loc, d.Period),
		Prev: periodParam(shift(d.Period, -1), loc.Tag), Next: periodParam(shift(d.Period, 1), loc.Tag),
		Charts: charts,
	}
	return page.Execute(w, data)
}

// WriteFile writes d's page to the file path, as [Dashboard.WriteHTML]
// does, replacing it whole: a reader never sees half a page, and the page
// is on disk before it takes the name. A new file is readable by all
// (0644); a file replaced keeps its permissions.
func WriteFile(path string, d *Dashboard, opts Options) error {
	if d == nil {
		return fmt.Errorf("report: write dashboard: %w", ErrNoReport)
	}
	mode := os.FileMode(0o644)
	if info, err := os.Stat(path); err == nil {
		mode = info.Mode().Perm() // a file there keeps who may read it
	}
	var b bytes.Buffer
	if err := d.WriteHTML(&b, opts); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dashboard-*.html")
	if err != nil {
		return fmt.Errorf("report: write dashboard: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("report: write dashboard: %w", err)
	}
	if _, err := tmp.Write(b.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("report: write dashboard: %w", err)
	}
	if err := tmp.Sync(); err != nil { // on disk before it takes the name
		tmp.Close()
		return fmt.Errorf("report: write dashboard: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: write dashboard: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("report: write dashboard: %w", err)
	}
	return nil
}

// Handler returns an http.Handler that serves the dashboard of client for
// GET requests: ?period=2026-03 (a month), 2026-Q1 (a quarter) or 2026
// (a year), the current month if absent; ?lang=de (or the request's
// Accept-Language) chooses the locale. A bad period is a 400; a failed
// load or drawing is a 500 whose error goes to opts.ErrorLog, not to the
// client. The handler answers every path it is given: mount it where the
// dashboard lives.
func Handler(client *crm.Client, opts LoadOptions) http.Handler {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := crm.PeriodOf(now(), crm.PeriodMonth)
		if s := r.URL.Query().Get("period"); s != "" {
			var err error
			if p, err = ParsePeriod(s); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		lang := r.URL.Query().Get("lang")
		if lang == "" {
			lang, _, _ = strings.Cut(r.Header.Get("Accept-Language"), ",") // the first is the most wanted
			lang, _, _ = strings.Cut(lang, ";")
		}
		d, err := Load(r.Context(), client, p, opts)
		if err != nil {
			if opts.ErrorLog != nil {
				opts.ErrorLog(r, err)
			}
			http.Error(w, "the dashboard could not be loaded", http.StatusInternalServerError)
			return
		}
		var b bytes.Buffer
		if err := d.WriteHTML(&b, Options{Locale: LocaleFor(strings.TrimSpace(lang))}); err != nil {
			if opts.ErrorLog != nil {
				opts.ErrorLog(r, err)
			}
			http.Error(w, "the dashboard could not be drawn", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Vary", "Accept-Language")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		w.Write(b.Bytes())
	})
}

// ParsePeriod reads a period as [crm.Period.String] writes it: "2026-03"
// (a month), "2026-Q1" (a quarter) or "2026" (a year). The periods that
// start on 0001-01-01, the zero time, are refused: a Period starting
// there is the zero Period, "no date".
func ParsePeriod(s string) (crm.Period, error) {
	p, err := parsePeriod(s)
	if err == nil && p.IsZero() {
		return crm.Period{}, fmt.Errorf("report: period %.40q: starts at the zero time", s)
	}
	return p, err
}

func parsePeriod(s string) (crm.Period, error) {
	bad := fmt.Errorf("report: period %.40q: want 2026-03, 2026-Q1 or 2026", s)
	digits := func(s string) bool {
		return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	}
	year, rest, dash := strings.Cut(s, "-")
	if len(year) != 4 || !digits(year) || year == "0000" || dash && rest == "" {
		return crm.Period{}, bad
	}
	y, _ := strconv.Atoi(year)
	switch {
	case !dash:
		return crm.PeriodOf(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), crm.PeriodYear), nil
	case len(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4':
		return crm.PeriodOf(time.Date(y, time.Month(3*int(rest[1]-'1')+1), 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter), nil
	}
	m, _ := strconv.Atoi(rest)
	if len(rest) != 2 || !digits(rest) || m < 1 || m > 12 {
		return crm.Period{}, bad
	}
	return crm.PeriodOf(time.Date(y, time.Month(m), 1, 0, 0, 0, 0, time.UTC), crm.PeriodMonth), nil
}

// shift returns the period n periods after p.
func shift(p crm.Period, n int) crm.Period {
	switch p.Unit {
	case crm.PeriodQuarter:
		return crm.PeriodOf(p.Start.AddDate(0, 3*n, 0), p.Unit)
	case crm.PeriodYear:
		return crm.PeriodOf(p.Start.AddDate(n, 0, 0), p.Unit)
	}
	return crm.PeriodOf(p.Start.AddDate(0, n, 0), p.Unit)
}

// periodParam is the query of the page of p in the language tag.
func periodParam(p crm.Period, tag string) string {
	q := url.Values{"period": {p.String()}}
	if tag != "" {
		q.Set("lang", tag)
	}
	return "?" + q.Encode()
}
