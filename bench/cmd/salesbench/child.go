package main

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	_ "modernc.org/sqlite"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"
)

// forecastOptions are the options of every forecast path.
func forecastOptions(asOf time.Time) crm.ForecastOptions {
	return crm.ForecastOptions{Conversion: crm.Conversion{Currency: "EUR", Rates: rates(), AsOf: asOf}}
}

// asOfDate is the past date of the as-of paths: mid-way through the year
// of selling.
var asOfDate = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// runChild runs one path: it sets up its data untimed, then times the
// analytic and samples the heap while it runs.
func runChild(ctx context.Context, path string, n int, file string) (result, error) {
	ctx = crm.WithActor(ctx, crm.Actor{ID: "bench"})
	var store crm.Store
	switch {
	case path == "memory/slice":
		var deals []*crm.Opportunity
		err := generate(n, func(o *crm.Opportunity, _ []crm.OpportunityChange) error {
			deals = append(deals, o)
			return nil
		})
		if err != nil {
			return result{}, err
		}
		return measure(func(tick func()) (string, int, error) {
			r, err := crm.Forecast(counted(sliceSeq(deals), tick), []*crm.Pipeline{pipeline()}, forecastOptions(time.Now()))
			if err != nil {
				return "", 0, err
			}
			return forecastCheck(r), r.Totals().Deals + r.Excluded, nil
		})
	case path == "sqlite/raw":
		return rawSQLite(ctx, file)
	case strings.HasPrefix(path, "memory/"):
		s := memory.New()
		if err := load(ctx, s, n); err != nil {
			return result{}, err
		}
		store = s
	case strings.HasPrefix(path, "sqlite/"):
		s, err := sqlite.Open(ctx, file)
		if err != nil {
			return result{}, err
		}
		store = s
	default:
		return result{}, fmt.Errorf("unknown path %q", path)
	}
	defer store.Close()
	client, err := crm.New(store)
	if err != nil {
		return result{}, err
	}
	pipelines := []*crm.Pipeline{pipeline()}
	// With -live the paths run the loops the Client's methods run, so
	// that tick sees every deal; timed, they call the methods.
	switch path[strings.IndexByte(path, '/')+1:] {
	case "forecast":
		return measure(func(tick func()) (string, int, error) {
			var r *crm.ForecastReport
			var err error
			if *liveRun {
				r, err = crm.Forecast(counted(client.Opportunities(ctx, crm.OpportunityFilter{}), tick), pipelines, forecastOptions(time.Now()))
			} else {
				r, err = client.Forecast(ctx, crm.OpportunityFilter{}, forecastOptions(time.Now()))
			}
			if err != nil {
				return "", 0, err
			}
			return forecastCheck(r), r.Totals().Deals + r.Excluded, nil
		})
	case "forecast-asof":
		return measure(func(tick func()) (string, int, error) {
			var r *crm.ForecastReport
			var err error
			if *liveRun {
				r, err = crm.Forecast(counted(client.OpportunitiesAsOf(ctx, crm.OpportunityFilter{}, asOfDate), tick), pipelines, forecastOptions(asOfDate))
			} else {
				r, err = client.ForecastAsOf(ctx, crm.OpportunityFilter{}, forecastOptions(asOfDate))
			}
			if err != nil {
				return "", 0, err
			}
			return forecastCheck(r), r.Totals().Deals + r.Excluded, nil
		})
	case "funnel":
		return measure(func(tick func()) (string, int, error) {
			var r *crm.FunnelReport
			var err error
			if *liveRun {
				r, err = crm.Funnel(pipelines[0], counted(client.OpportunityHistories(ctx, crm.OpportunityFilter{PipelineIDs: []string{pipelineID}}), tick), crm.FunnelOptions{})
			} else {
				r, err = client.Funnel(ctx, pipelineID, crm.FunnelOptions{})
			}
			if err != nil {
				return "", 0, err
			}
			var b strings.Builder
			for _, s := range r.Steps {
				fmt.Fprintf(&b, "%s:%d/%d/%d/%d ", s.Stage, s.Reached, s.Entered, s.Lost, s.Open)
			}
			fmt.Fprintf(&b, "won %d lost %d open %d", r.Won, r.Lost, r.Open)
			return b.String(), r.Deals, nil
		})
	}
	return result{}, fmt.Errorf("unknown path %q", path)
}

// forecastCheck is the answer every forecast path must agree on.
func forecastCheck(r *crm.ForecastReport) string {
	t := r.Totals()
	return fmt.Sprintf("rows %d; closed %s, commit %s, best case %s, pipeline %s, weighted %s; %d deals, %d excluded",
		len(r.Rows), t.Closed, t.Commit, t.BestCase, t.Pipeline, t.Weighted, t.Deals, r.Excluded)
}

func sliceSeq[T any](xs []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, x := range xs {
			if !yield(x, nil) {
				return
			}
		}
	}
}

// measure times f, which calls tick once per deal. With -live it instead
// measures the live heap: every 10,000 deals tick collects garbage, in
// f's own goroutine so that nothing allocates meanwhile, and records the
// heap left, which is what a bound on memory is about (between
// collections the heap also holds garbage, as much as GOGC lets grow in
// proportion to the live heap, the stored deals of the memory store
// included).
func measure(f func(tick func()) (check string, deals int, err error)) (result, error) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	before := read()
	peak, n := before, 0
	tick := func() {}
	if *liveRun {
		tick = func() {
			if n++; n%10000 == 0 {
				runtime.GC()
				peak = max(peak, read())
			}
		}
	}
	t0 := time.Now()
	check, deals, err := f(tick)
	elapsed := time.Since(t0)
	if err != nil {
		return result{}, err
	}
	return result{Seconds: elapsed.Seconds(), PeakLive: peak - before, Check: check, Deals: deals}, nil
}

// counted yields what seq yields, calling tick before each.
func counted[T any](seq iter.Seq2[T, error], tick func()) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for v, err := range seq {
			tick()
			if !yield(v, err) {
				return
			}
		}
	}
}

// rawSQLite is the forecast a program without the library would write:
// one query over the forecast's columns, scanned as text, converted and
// summed with decimal by the same rules (rate of the close date, each
// deal rounded half to even to cents, then weighted and rounded).
func rawSQLite(ctx context.Context, file string) (result, error) {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	p := pipeline()
	book := rates()
	return measure(func(tick func()) (string, int, error) {
		type key struct {
			month, owner string
			cat          crm.ForecastCategory
		}
		type sums struct {
			deals            int
			amount, weighted decimal.Decimal
		}
		groups := map[key]*sums{}
		rows, err := db.QueryContext(ctx, `SELECT stage, owner_id, amount, amount_currency, probability, close_date FROM opportunities`)
		if err != nil {
			return "", 0, err
		}
		defer rows.Close()
		var (
			stage, owner, currency string
			amount, closeDate      sql.NullString
			prob                   int64
			n, excluded            int
		)
		for rows.Next() {
			if err := rows.Scan(&stage, &owner, &amount, &currency, &prob, &closeDate); err != nil {
				return "", 0, err
			}
			n++
			tick()
			s, _ := p.Stage(stage)
			if s.Category == crm.CategoryClosedLost || s.Category == crm.CategoryOmitted {
				excluded++
				continue
			}
			closeAt, err := time.Parse("2006-01-02T15:04:05.000000Z", closeDate.String)
			if err != nil {
				return "", 0, err
			}
			d, err := decimal.NewFromString(amount.String)
			if err != nil {
				return "", 0, err
			}
			m, err := book.Convert(crm.Money{Amount: d, Currency: currency}, "EUR", closeAt)
			if err != nil {
				return "", 0, err
			}
			a := m.Amount.RoundBank(2)
			w := a.Mul(decimal.NewFromInt(prob)).Shift(-2).RoundBank(2)
			k := key{closeAt.Format("2006-01"), owner, s.Category}
			g := groups[k]
			if g == nil {
				g = &sums{}
				groups[k] = g
			}
			g.deals++
			g.amount = g.amount.Add(a)
			g.weighted = g.weighted.Add(w)
		}
		if err := rows.Err(); err != nil {
			return "", 0, err
		}
		var closed, commit, best, open, weighted decimal.Decimal
		var deals int
		for k, g := range groups {
			deals += g.deals
			weighted = weighted.Add(g.weighted)
			switch k.cat {
			case crm.CategoryClosedWon:
				closed = closed.Add(g.amount)
			case crm.CategoryCommit:
				commit = commit.Add(g.amount)
			case crm.CategoryBestCase:
				best = best.Add(g.amount)
			default:
				open = open.Add(g.amount)
			}
		}
		eur := func(d decimal.Decimal) crm.Money { return crm.Money{Amount: d, Currency: "EUR"} }
		check := fmt.Sprintf("rows %d; closed %s, commit %s, best case %s, pipeline %s, weighted %s; %d deals, %d excluded",
			len(groups), eur(closed), eur(closed.Add(commit)), eur(closed.Add(commit).Add(best)),
			eur(closed.Add(commit).Add(best).Add(open)), eur(weighted), deals, excluded)
		return check, n, nil
	})
}
