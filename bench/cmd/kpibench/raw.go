package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"

	"github.com/crmkit/crm/bench/internal/sqlload"
)

// kpiNumbers are the figures of a KPI report that both paths compute.
type kpiNumbers struct {
	atStart, newCustomers, atEnd, buyers, repeat int
	leads, converted, won, lost                  int
	averageDeal                                  string
	mean, median, p90                            time.Duration
}

// numbersOf returns the figures of r.
func numbersOf(r *crm.Report) kpiNumbers {
	cu, sa := r.Customers, r.Sales
	return kpiNumbers{
		atStart: cu.AtStart, newCustomers: cu.New, atEnd: cu.AtEnd,
		buyers: cu.Repurchase.Denominator, repeat: cu.Repurchase.Numerator,
		leads: sa.LeadConversion.Denominator, converted: sa.LeadConversion.Numerator,
		won: sa.WinRate.Numerator, lost: sa.WinRate.Denominator - sa.WinRate.Numerator,
		averageDeal: sa.AverageDeal.Mean.Amount.StringFixed(2),
		mean:        sa.Cycle.Mean, median: sa.Cycle.Median, p90: sa.Cycle.P90,
	}
}

// rawCustomers counts, per customer, the counted orders and the last of
// them before the quarter and before its end, and adds the customers up.
const rawCustomers = `SELECT
	COALESCE(SUM(CASE WHEN last_start >= ? THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN n_start = 0 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN last_end >= ? THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN n_end - n_start >= 1 THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN n_end - n_start >= 2 THEN 1 ELSE 0 END), 0)
FROM (SELECT customer_id,
		SUM(CASE WHEN ordered_at < ? THEN 1 ELSE 0 END) AS n_start,
		COUNT(*) AS n_end,
		MAX(CASE WHEN ordered_at < ? THEN ordered_at END) AS last_start,
		MAX(ordered_at) AS last_end
	FROM orders WHERE status <> 'cancelled' AND ordered_at < ? GROUP BY customer_id) t`

const rawLeads = `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'converted' AND converted_at < ? THEN 1 ELSE 0 END), 0)
FROM leads WHERE created_at >= ? AND created_at < ?`

const rawDeals = `SELECT status, amount, created_at, closed_at FROM opportunities
WHERE status IN ('won', 'lost') AND closed_at >= ? AND closed_at < ?`

// rawKPIs computes the report's figures with three queries and a loop
// over the deals closed in the quarter.
func rawKPIs(ctx context.Context, db *sql.DB, pg bool, window time.Duration) kpiNumbers {
	from, to := quarter.Start, quarter.End()
	arg := func(t time.Time) any { return sqlload.TimeArg(t, pg) }
	var n kpiNumbers
	must("raw customers", db.QueryRowContext(ctx, sqlload.Rebind(rawCustomers, pg),
		arg(from.Add(-window)), arg(to.Add(-window)), arg(from), arg(from), arg(to)).
		Scan(&n.atStart, &n.newCustomers, &n.atEnd, &n.buyers, &n.repeat))
	must("raw leads", db.QueryRowContext(ctx, sqlload.Rebind(rawLeads, pg), arg(to), arg(from), arg(to)).Scan(&n.leads, &n.converted))
	rows, err := db.QueryContext(ctx, sqlload.Rebind(rawDeals, pg), arg(from), arg(to))
	must("raw deals", err)
	defer rows.Close()
	sum := decimal.Zero
	var cycles []time.Duration
	for rows.Next() {
		var status, amount string
		var created, closed any
		must("scan deal", rows.Scan(&status, &amount, &created, &closed))
		if status == "lost" {
			n.lost++
			continue
		}
		n.won++
		sum = sum.Add(decimal.RequireFromString(amount))
		cycles = append(cycles, timeOf(closed).Sub(timeOf(created)))
	}
	must("deals", rows.Err())
	if n.won == 0 {
		n.averageDeal = "0.00"
		return n
	}
	n.averageDeal = sum.DivRound(decimal.NewFromInt(int64(n.won)), 12).RoundBank(2).StringFixed(2)
	slices.Sort(cycles)
	var total time.Duration
	for _, c := range cycles {
		total += c
	}
	k := len(cycles)
	n.mean = total / time.Duration(k)
	n.median = (cycles[(k-1)/2] + cycles[k/2]) / 2
	n.p90 = cycles[(9*k+9)/10-1] // nearest rank: ⌈0.9 k⌉
	return n
}

// timeOf reads a scanned time column: a time from PostgreSQL, the
// Store's UTC text from SQLite.
func timeOf(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case string:
		p, err := time.Parse("2006-01-02T15:04:05.000000Z", t)
		must("time", err)
		return p
	}
	panic(fmt.Sprintf("time column holds %T", v))
}

// rawCohorts joins each customer's distinct months to its first month
// and counts the pairs.
func rawCohorts(ctx context.Context, db *sql.DB, pg bool) []crm.CohortCount {
	month := "substr(ordered_at, 1, 7)"
	if pg {
		month = "to_char(ordered_at AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	query := fmt.Sprintf(`SELECT f.cohort, m.month, COUNT(*) FROM
	(SELECT DISTINCT customer_id, %[1]s AS month FROM orders WHERE status <> 'cancelled' AND ordered_at < ?) m
	JOIN (SELECT customer_id, MIN(%[1]s) AS cohort FROM orders WHERE status <> 'cancelled' AND ordered_at < ? GROUP BY customer_id) f
	ON f.customer_id = m.customer_id
	GROUP BY f.cohort, m.month ORDER BY f.cohort, m.month`, month)
	rows, err := db.QueryContext(ctx, sqlload.Rebind(query, pg), sqlload.TimeArg(dataTo, pg), sqlload.TimeArg(dataTo, pg))
	must("raw cohorts", err)
	defer rows.Close()
	var out []crm.CohortCount
	for rows.Next() {
		var cohort, m string
		var c crm.CohortCount
		must("scan cohort", rows.Scan(&cohort, &m, &c.Customers))
		var err error
		c.Cohort, err = time.Parse("2006-01", cohort)
		must("cohort", err)
		c.Month, err = time.Parse("2006-01", m)
		must("month", err)
		out = append(out, c)
	}
	must("cohorts", rows.Err())
	return out
}

// countsOf returns the non-zero cells of m as the store counts them.
func countsOf(m *crm.CohortMatrix) []crm.CohortCount {
	var out []crm.CohortCount
	for _, r := range m.Rows {
		for k, n := range r.Active {
			if n > 0 {
				out = append(out, crm.CohortCount{Cohort: r.Cohort, Month: r.Cohort.AddDate(0, k, 0), Customers: n})
			}
		}
	}
	return out
}
