package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crmkit/crm"
)

// MonthGrouper is implemented by a [Dialect] that can name the UTC
// calendar month of a time column in SQL. With it
// [Store.PurchaseCohorts] counts customers per cohort and month in the
// database; without it the database reads the counted orders in customer
// order and the Store counts them in Go, with a [crm.CohortCounter].
type MonthGrouper interface {
	// UTCMonth returns an expression for the UTC month of the time
	// expression expr as text, "YYYY-MM".
	UTCMonth(expr string) string
}

// The queries of PurchaseCohorts. cohortsGrouped groups the counted
// orders per customer and month (the %s are the month expression, the
// conditions and the month expression again), gives each customer's row
// the earliest of its months as its cohort, then counts the rows per
// cohort and month: every part groups by customer first, so it can be
// pushed down per shard. cohortOrders reads the times of the counted
// orders in customer order, for a Dialect without [MonthGrouper].
const (
	cohortsGrouped = `SELECT cc.cohort_month, cc.buy_month, COUNT(*) FROM (
	SELECT cm.buy_month, MIN(cm.buy_month) OVER (PARTITION BY cm.customer_id) AS cohort_month FROM (
		SELECT po.customer_id, %[1]s AS buy_month FROM orders po%[2]s GROUP BY po.customer_id, %[1]s
	) cm
) cc GROUP BY cc.cohort_month, cc.buy_month ORDER BY cc.cohort_month, cc.buy_month`
	cohortOrders = `SELECT po.customer_id, po.ordered_at FROM orders po%s ORDER BY po.customer_id`
)

// PurchaseCohorts counts customers by acquisition cohort and month, as
// [crm.OrderStore] specifies, in one query: with a [MonthGrouper]
// Dialect the database does the counting; otherwise it reads the times of
// the counted orders, customer by customer, which the Store counts with
// a [crm.CohortCounter] as it reads them.
func (s *Store) PurchaseCohorts(ctx context.Context, f crm.PurchaseCohortFilter) ([]crm.CohortCount, error) {
	const op = "purchase cohorts"
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	if f.AsOf.IsZero() {
		return nil, s.fail(ctx, op, fmt.Errorf("as-of time required: %w", crm.ErrInvalid))
	}
	var w where
	w.add("po.tenant_id = ?", s.tenant(ctx))
	w.add("po.status <> ?", string(crm.OrderCancelled))
	s.whereTimeRange(&w, "po.ordered_at", time.Time{}, f.AsOf)
	var out []crm.CohortCount
	var err error
	if months, ok := s.d.(MonthGrouper); ok {
		query := fmt.Sprintf(cohortsGrouped, months.UTCMonth("po.ordered_at"), w.String())
		err = s.queryEach(ctx, s.q, query, w.args, func(rows *sql.Rows) error {
			var cohort, month string
			var c crm.CohortCount
			if err := rows.Scan(&cohort, &month, &c.Customers); err != nil {
				return err
			}
			var err error
			if c.Cohort, err = time.Parse("2006-01", cohort); err != nil {
				return fmt.Errorf("cohort month: %w", err)
			}
			if c.Month, err = time.Parse("2006-01", month); err != nil {
				return fmt.Errorf("month: %w", err)
			}
			out = append(out, c)
			return nil
		})
	} else {
		var counter crm.CohortCounter
		var customer string
		var placed []time.Time
		err = s.queryEach(ctx, s.q, fmt.Sprintf(cohortOrders, w.String()), w.args, func(rows *sql.Rows) error {
			var id string
			var at time.Time
			if err := rows.Scan(&id, s.timeDest(&at)); err != nil {
				return err
			}
			if id != customer {
				counter.Add(placed)
				customer, placed = id, placed[:0]
			}
			placed = append(placed, at)
			return nil
		})
		counter.Add(placed)
		out = counter.Counts()
	}
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}
