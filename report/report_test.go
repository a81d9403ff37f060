package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crm"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func month(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC) }

func testPipeline() *crm.Pipeline {
	return &crm.Pipeline{ID: "p1", Name: "New business", Stages: []crm.Stage{
		{Key: "lead", Name: "Lead", Probability: 10, Category: crm.CategoryPipeline},
		{Key: "qualified", Name: "Qualified", Probability: 30, Category: crm.CategoryPipeline},
		{Key: "proposal", Name: "Proposal design", Probability: 60, Category: crm.CategoryBestCase},
		{Key: "won", Name: "Won", Probability: 100, Category: crm.CategoryClosedWon},
		{Key: "lost", Name: "Lost", Probability: 0, Category: crm.CategoryClosedLost},
	}}
}

func testFunnel() *crm.FunnelReport {
	return &crm.FunnelReport{PipelineID: "p1", Deals: 1200, Won: 150, Lost: 700, Open: 350, WinRate: 0.125,
		Steps: []crm.FunnelStep{
			{Stage: "lead", Name: "Lead", Reached: 1200, Conversion: 0.5},
			{Stage: "qualified", Name: "Qualified", Reached: 600, Conversion: 0.5},
			{Stage: "proposal", Name: "Proposal", Reached: 300, Conversion: 0.5},
			{Stage: "won", Name: "Won", Reached: 150},
		}}
}

func testForecast() *crm.ForecastReport {
	eur := func(s string) crm.Money { return crm.Money{Amount: decimal.RequireFromString(s), Currency: "EUR"} }
	p := func(m time.Month) crm.Period { return crm.Period{Start: month(2026, m), Unit: crm.PeriodMonth} }
	return &crm.ForecastReport{
		Basis: crm.Basis{Currency: "EUR", RateDate: crm.RateAtCloseDate, AsOf: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), Rounding: crm.RoundEachDeal},
		Rows: []crm.ForecastRow{
			{Period: p(3), OwnerID: "ann", Category: crm.CategoryClosedWon, Deals: 2, Amount: eur("24000"), Weighted: eur("24000")},
			{Period: p(3), OwnerID: "ann", Category: crm.CategoryCommit, Deals: 1, Amount: eur("8000.50"), Weighted: eur("6400.40")},
			{Period: p(3), OwnerID: "bob", Category: crm.CategoryCommit, Deals: 1, Amount: eur("4000"), Weighted: eur("3200")},
			{Period: p(4), OwnerID: "ann", Category: crm.CategoryBestCase, Deals: 2, Amount: eur("15000"), Weighted: eur("9000")},
			{Period: p(4), OwnerID: "bob", Category: crm.CategoryPipeline, Deals: 3, Amount: eur("9000"), Weighted: eur("2700")},
			{Period: p(5), OwnerID: "bob", Category: crm.CategoryPipeline, Deals: 4, Amount: eur("30000"), Weighted: eur("3000")},
		},
	}
}

func testNPS() []NPSPoint {
	p := func(m time.Month) crm.Period { return crm.Period{Start: month(2026, m), Unit: crm.PeriodMonth} }
	return []NPSPoint{
		{p(1), crm.NPS{N: 40, Promoters: 20, Passives: 10, Detractors: 10, Score: 25, AdjustedWald: crm.Interval{Low: 2.5, High: 45.1}, Wald: crm.Interval{Low: 1, High: 49}, Confidence: 0.95}},
		{p(2), crm.NPS{N: 12, Promoters: 3, Passives: 3, Detractors: 6, Score: -25, Wald: crm.Interval{Low: -71, High: 21}, Confidence: 0.95, Small: true}},
		{p(3), crm.NPS{N: 80, Promoters: 60, Passives: 12, Detractors: 8, Score: 65, AdjustedWald: crm.Interval{Low: 50.2, High: 77.3}, Confidence: 0.95}},
	}
}

func testCohorts(tb testing.TB) *crm.CohortMatrix {
	tb.Helper()
	c := func(cohort, m time.Month, n int) crm.CohortCount {
		return crm.CohortCount{Cohort: month(2026, cohort), Month: month(2026, m), Customers: n}
	}
	m, err := crm.NewCohortMatrix([]crm.CohortCount{
		c(1, 1, 100), c(1, 2, 42), c(1, 3, 31), c(1, 4, 27),
		c(2, 2, 80), c(2, 3, 20), c(2, 4, 76),
		c(4, 4, 50),
	}, month(2026, 1), month(2026, 5))
	require.NoError(tb, err)
	return m
}

func testRFM() []crm.RFMScore {
	var out []crm.RFMScore
	add := func(r, f, n int, seg string) {
		for range n {
			out = append(out, crm.RFMScore{CustomerID: "c", R: r, F: f, M: 3, Segment: seg})
		}
	}
	add(5, 5, 12, crm.RFMChampions)
	add(5, 4, 3, crm.RFMChampions)
	add(4, 4, 6, crm.RFMLoyalCustomers)
	add(5, 1, 4, crm.RFMNewCustomers)
	add(3, 3, 2, crm.RFMNeedAttention)
	add(1, 1, 9, crm.RFMHibernating)
	add(2, 5, 1, crm.RFMCantLoseThem)
	return out
}

func testValue() *crm.ValueReport {
	eur := func(s string) crm.Money { return crm.Money{Amount: decimal.RequireFromString(s), Currency: "EUR"} }
	d := decimal.RequireFromString
	return &crm.ValueReport{
		Revenue:      eur("120000"),
		A:            crm.TierTotal{Customers: 4, Revenue: eur("96000"), Share: d("0.8")},
		B:            crm.TierTotal{Customers: 6, Revenue: eur("18000"), Share: d("0.15")},
		C:            crm.TierTotal{Customers: 10, Revenue: eur("6000"), Share: d("0.05")},
		TopCustomers: 4, TopShare: d("0.8"),
	}
}

func testScorecards() []crm.Scorecard {
	from, before := month(2026, 3), month(2026, 4)
	return []crm.Scorecard{
		{OwnerID: "ann", From: from, Before: before, Interactions: 1234, TasksOnTime: crm.Ratio{Numerator: 9, Denominator: 12},
			LeadsConverted: 5, Advanced: 7, Won: 3,
			RevenueWon: []crm.Money{{Amount: decimal.RequireFromString("24000"), Currency: "EUR"}, {Amount: decimal.RequireFromString("1500.5"), Currency: "USD"}},
			NPS:        &crm.NPS{N: 14, Score: 42.857}, ComplaintsInSLA: crm.Ratio{Numerator: 2, Denominator: 2}},
		{OwnerID: "bob", From: from, Before: before, Interactions: 87},
	}
}

// checkSVG checks what every chart promises: well-formed XML with an
// <svg> root, a title and desc it points to, nothing that runs or
// fetches.
func checkSVG(t *testing.T, out string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(out))
	var stack []string
	var title, desc strings.Builder
	ids := map[string]bool{}
	var labelled string
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		switch tok := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				require.Equal(t, "svg", tok.Name.Local)
				require.Equal(t, "http://www.w3.org/2000/svg", tok.Name.Space)
				attrs := map[string]string{}
				for _, a := range tok.Attr {
					attrs[a.Name.Local] = a.Value
				}
				assert.Equal(t, "img", attrs["role"])
				assert.NotEmpty(t, attrs["viewBox"])
				assert.NotEmpty(t, attrs["width"])
				assert.NotEmpty(t, attrs["height"])
				assert.Contains(t, attrs["font-family"], "sans-serif")
				labelled = attrs["aria-labelledby"]
			}
			for _, a := range tok.Attr {
				if a.Name.Local == "id" {
					assert.False(t, ids[a.Value], "duplicate id %s", a.Value)
					ids[a.Value] = true
				}
				assert.NotEqual(t, "href", a.Name.Local)
				assert.False(t, strings.HasPrefix(a.Name.Local, "on"), "event handler %s", a.Name.Local)
			}
			assert.NotContains(t, []string{"script", "foreignObject", "image", "use", "a", "style"}, tok.Name.Local)
			stack = append(stack, tok.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 2 && stack[1] == "title" {
				title.Write(tok)
			}
			if len(stack) == 2 && stack[1] == "desc" {
				desc.Write(tok)
			}
		}
	}
	assert.NotEmpty(t, strings.TrimSpace(title.String()))
	assert.NotEmpty(t, strings.TrimSpace(desc.String()))
	for _, id := range strings.Fields(labelled) {
		assert.True(t, ids[id], "aria-labelledby names missing id %s", id)
	}
	assert.Len(t, strings.Fields(labelled), 2)
	assert.NotContains(t, out, "<script")
	assert.NotContains(t, out, "url(")
	assert.Equal(t, 1, strings.Count(out, "http"), "only the SVG namespace may name a URL")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./report -update to create it")
	assert.Equal(t, string(want), got, "%s differs; run go test ./report -update and review the diff", path)
}

type chart func(w io.Writer, opts Options) error

func charts(tb testing.TB) map[string]chart {
	return map[string]chart{
		"funnel":    func(w io.Writer, o Options) error { return Funnel(w, testFunnel(), testPipeline(), o) },
		"forecast":  func(w io.Writer, o Options) error { return Forecast(w, testForecast(), o) },
		"nps":       func(w io.Writer, o Options) error { return NPSTrend(w, testNPS(), o) },
		"cohort":    func(w io.Writer, o Options) error { return CohortHeatMap(w, testCohorts(tb), o) },
		"rfm":       func(w io.Writer, o Options) error { return RFMGrid(w, testRFM(), o) },
		"tiers":     func(w io.Writer, o Options) error { return TierShares(w, testValue(), o) },
		"scorecard": func(w io.Writer, o Options) error { return Scorecards(w, testScorecards(), o) },
	}
}

func TestCharts_Golden(t *testing.T) {
	for name, draw := range charts(t) {
		for lang, l := range map[string]Locale{"en": English, "de": German} {
			t.Run(name+"_"+lang, func(t *testing.T) {
				var b strings.Builder
				require.NoError(t, draw(&b, Options{Locale: l}))
				checkSVG(t, b.String())
				golden(t, name+"_"+lang+".svg", b.String())

				var again strings.Builder
				require.NoError(t, draw(&again, Options{Locale: l}))
				assert.Equal(t, b.String(), again.String(), "output must be deterministic")
			})
		}
	}
}

func TestCharts_Empty(t *testing.T) {
	empty := map[string]chart{
		"funnel":    func(w io.Writer, o Options) error { return Funnel(w, &crm.FunnelReport{}, nil, o) },
		"forecast":  func(w io.Writer, o Options) error { return Forecast(w, &crm.ForecastReport{}, o) },
		"nps":       func(w io.Writer, o Options) error { return NPSTrend(w, nil, o) },
		"cohort":    func(w io.Writer, o Options) error { return CohortHeatMap(w, &crm.CohortMatrix{}, o) },
		"rfm":       func(w io.Writer, o Options) error { return RFMGrid(w, nil, o) },
		"tiers":     func(w io.Writer, o Options) error { return TierShares(w, &crm.ValueReport{}, o) },
		"scorecard": func(w io.Writer, o Options) error { return Scorecards(w, nil, o) },
	}
	for name, draw := range empty {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, draw(&b, Options{}))
			checkSVG(t, b.String())
			assert.Contains(t, b.String(), ">No data</text>")
			if name == "funnel" {
				golden(t, "nodata.svg", b.String())
			}
		})
	}
}

func TestCharts_Nil(t *testing.T) {
	for name, err := range map[string]error{
		"funnel":   Funnel(io.Discard, nil, testPipeline(), Options{}),
		"forecast": Forecast(io.Discard, nil, Options{}),
		"cohort":   CohortHeatMap(io.Discard, nil, Options{}),
		"tiers":    TierShares(io.Discard, nil, Options{}),
	} {
		assert.ErrorIs(t, err, ErrNoReport, name)
	}
}

func TestCharts_Escaping(t *testing.T) {
	const evil = `<b>&"x"`
	const escaped = `&lt;b&gt;&amp;&quot;x&quot;`
	p := testPipeline()
	p.Stages[0].Name = evil
	cards := testScorecards()
	cards[0].OwnerID = evil
	scores := testRFM()
	scores[0].Segment = evil
	for name, draw := range map[string]chart{
		"funnel":    func(w io.Writer, o Options) error { return Funnel(w, testFunnel(), p, o) },
		"scorecard": func(w io.Writer, o Options) error { return Scorecards(w, cards, o) },
		"rfm":       func(w io.Writer, o Options) error { return RFMGrid(w, scores, o) },
		"title":     func(w io.Writer, o Options) error { return NPSTrend(w, testNPS(), o) },
	} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, draw(&b, Options{Title: evil + " \x00 </svg>"}))
			checkSVG(t, b.String())
			out := b.String()
			assert.True(t, strings.Contains(out, ">"+escaped+" \uFFFD &lt;/svg&gt;</title>"), "escaped title")
			assert.False(t, strings.Contains(out, evil), "raw text")
			if name != "title" {
				assert.True(t, strings.Contains(out, ">"+escaped), "escaped label")
			}
		})
	}
}

func TestCharts_IDs(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, Funnel(&a, testFunnel(), testPipeline(), Options{}))
	require.NoError(t, Funnel(&b, testFunnel(), testPipeline(), Options{Title: "Q1"}))
	idOf := func(s string) string {
		_, rest, _ := strings.Cut(s, `<title id="`)
		id, _, _ := strings.Cut(rest, `"`)
		return id
	}
	assert.True(t, strings.HasPrefix(idOf(a.String()), "crm-funnel-"))
	assert.NotEqual(t, idOf(a.String()), idOf(b.String()))

	var c bytes.Buffer
	require.NoError(t, Funnel(&c, testFunnel(), testPipeline(), Options{IDPrefix: "9 dash<board>"}))
	assert.Equal(t, "id9dashboard-title", idOf(c.String()))
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestCharts_WriteError(t *testing.T) {
	for name, draw := range charts(t) {
		assert.EqualError(t, draw(failWriter{}, Options{}), "disk full", name)
	}
}

func TestCharts_Width(t *testing.T) {
	var b strings.Builder
	require.NoError(t, Funnel(&b, testFunnel(), testPipeline(), Options{Width: 900}))
	assert.Contains(t, b.String(), `width="900"`)
	checkSVG(t, b.String())
}

func TestForecast_NegativeAndNoDate(t *testing.T) {
	r := testForecast()
	r.Rows = append(r.Rows, crm.ForecastRow{Category: crm.CategoryPipeline, Deals: 1,
		Amount: crm.Money{Amount: decimal.RequireFromString("-500"), Currency: "EUR"}})
	var b strings.Builder
	require.NoError(t, Forecast(&b, r, Options{}))
	checkSVG(t, b.String())
	assert.True(t, strings.Contains(b.String(), ">no date</text>"))
	assert.True(t, strings.Contains(b.String(), "no date -500 (pipeline -500)"))
}

func TestNPSTrend_OnePoint(t *testing.T) {
	var b strings.Builder
	require.NoError(t, NPSTrend(&b, testNPS()[:1], Options{Locale: French}))
	checkSVG(t, b.String())
	assert.False(t, strings.Contains(b.String(), "<polygon"), "a single point has an error bar, not a band")
	assert.True(t, strings.Contains(b.String(), ">janv. 2026</text>"))
}
