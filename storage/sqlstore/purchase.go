package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// DayGrouper is implemented by a [Dialect] that can name the UTC calendar
// date of a time column in SQL. With it and [DecimalSummer],
// [Store.PurchaseSummaries] groups orders per customer, currency and day
// in the database; without them (SQLite) the database still selects and
// orders the counted orders of a page of customers, and the Store adds
// them up in Go as it reads them, exactly.
type DayGrouper interface {
	// UTCDate returns an expression for the UTC date of the time
	// expression expr, such as DATE(expr); only its grouping is used.
	UTCDate(expr string) string
}

// The parts of the PurchaseSummaries query. purchaseCustomers picks the
// page: the first Limit+1 customers after the cursor with orders that
// count; the outer query reads the counted orders up to the last of them,
// a range of the index on (customer_id, currency, ordered_at), grouped
// per day (purchaseGrouped, with the Dialect's SumDecimal and UTCDate
// for the %s) or one row per order (purchaseRows), each row as count,
// first time, last time and amount, ordered by customer, currency and
// time. A range rather than a join keeps every planner on the index,
// whatever its statistics say.
const (
	purchaseCustomers = `SELECT DISTINCT pc.customer_id FROM orders pc%s ORDER BY pc.customer_id LIMIT ?`
	purchaseFrom      = ` FROM orders po WHERE po.customer_id <= (SELECT MAX(pp.customer_id) FROM (%s) pp)%s`
	purchaseGrouped   = `SELECT po.customer_id, po.currency, COUNT(*), MIN(po.ordered_at), MAX(po.ordered_at), %s` +
		purchaseFrom + ` GROUP BY po.customer_id, po.currency, %s ORDER BY po.customer_id, po.currency, MIN(po.ordered_at)`
	purchaseRows = `SELECT po.customer_id, po.currency, 1, po.ordered_at, po.ordered_at, po.total` +
		purchaseFrom + ` ORDER BY po.customer_id, po.currency, po.ordered_at`
)

// purchaseWhere returns the conditions on the orders, aliased alias, that
// count for f.
func (s *Store) purchaseWhere(ctx context.Context, alias string, f crm.PurchaseSummaryFilter) where {
	var w where
	w.add(alias+".tenant_id = ?", s.tenant(ctx))
	w.add(alias+".status <> ?", string(crm.OrderCancelled))
	s.whereTimeRange(&w, alias+".ordered_at", time.Time{}, f.AsOf)
	if f.Currency != "" {
		w.add(alias+".currency = ?", f.Currency)
	}
	if f.After != "" {
		w.add(alias+".customer_id > ?", string(f.After))
	}
	whereIn(&w, alias+".customer_id", f.CustomerIDs)
	return w
}

// PurchaseSummaries returns one page of the purchase summaries f selects,
// as [crm.OrderStore] specifies, in one query: a subquery picks the
// page's customers, the outer query reads their counted orders through
// the index on (customer_id, currency, ordered_at), migration 0007. With a [DecimalSummer]
// and [DayGrouper] Dialect the database groups them per day and sums
// the amounts, exactly, which the Store reads as text; otherwise it
// reads one row per order and adds the amounts, as text, exactly. No
// amount passes through a float.
func (s *Store) PurchaseSummaries(ctx context.Context, f crm.PurchaseSummaryFilter) ([]crm.PurchaseSummary, crm.Cursor, error) {
	const op = "purchase summaries"
	limit, err := s.beginPage(ctx, op, f.Limit)
	if err != nil {
		return nil, "", err
	}
	if f.AsOf.IsZero() {
		return nil, "", s.fail(ctx, op, fmt.Errorf("as-of time required: %w", crm.ErrInvalid))
	}
	inner, outer := s.purchaseWhere(ctx, "pc", f), s.purchaseWhere(ctx, "po", f)
	sub := fmt.Sprintf(purchaseCustomers, inner.String())
	var query string
	summer, ok1 := s.d.(DecimalSummer)
	days, ok2 := s.d.(DayGrouper)
	if ok1 && ok2 {
		query = fmt.Sprintf(purchaseGrouped, summer.SumDecimal("COALESCE(po.total, 0)"), sub, andConditions(outer), days.UTCDate("po.ordered_at"))
	} else {
		query = fmt.Sprintf(purchaseRows, sub, andConditions(outer))
	}
	args := append(append(inner.args, limit+1), outer.args...)

	var fold purchaseFold
	err = s.queryEach(ctx, s.q, query, args, func(rows *sql.Rows) error {
		var r purchaseRow
		var amount sql.NullString
		if err := rows.Scan(&r.customer, &r.currency, &r.orders, s.timeDest(&r.first), s.timeDest(&r.last), &amount); err != nil {
			return err
		}
		var err error
		if r.amount, err = parseAmount(amount); err != nil {
			return fmt.Errorf("customer %s: amount: %w", r.customer, err)
		}
		fold.add(r)
		return nil
	})
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	if fold.customers <= limit {
		return fold.out, "", nil
	}
	// The last customer only tells that there is a next page.
	extra := fold.out[len(fold.out)-1].CustomerID
	for fold.out[len(fold.out)-1].CustomerID == extra {
		fold.out = fold.out[:len(fold.out)-1]
	}
	return fold.out, crm.Cursor(fold.out[len(fold.out)-1].CustomerID), nil
}

// purchaseRow is one row of the PurchaseSummaries query: the orders of a
// customer in a currency on one day, or one of them.
type purchaseRow struct {
	customer, currency string
	orders             int
	first, last        time.Time
	amount             decimal.Decimal
}

// purchaseFold builds summaries from rows ordered by customer, currency
// and time, merging rows of the same UTC day.
type purchaseFold struct {
	out       []crm.PurchaseSummary
	customers int
	day       int64 // UTC date of the last row, in days since 1970-01-01
}

func (f *purchaseFold) add(r purchaseRow) {
	sec := r.first.Unix()
	day := sec / 86400
	if sec%86400 < 0 {
		day--
	}
	n := len(f.out)
	var sum *crm.PurchaseSummary
	if n > 0 && f.out[n-1].CustomerID == r.customer && f.out[n-1].Total.Currency == r.currency {
		sum = &f.out[n-1]
		if day != f.day {
			sum.Days++
		}
		if sum.Days > 1 {
			sum.RepeatTotal.Amount = sum.RepeatTotal.Amount.Add(r.amount)
		}
	} else {
		if n == 0 || f.out[n-1].CustomerID != r.customer {
			f.customers++
		}
		f.out = append(f.out, crm.PurchaseSummary{
			CustomerID:  r.customer,
			Days:        1,
			First:       r.first,
			Total:       crm.Money{Amount: decimal.Zero, Currency: r.currency},
			RepeatTotal: crm.Money{Amount: decimal.Zero, Currency: r.currency},
		})
		sum = &f.out[n]
	}
	f.day = day
	sum.Orders += r.orders
	sum.Last = r.last
	sum.Total.Amount = sum.Total.Amount.Add(r.amount)
}

// andConditions returns the conditions of w as " AND cond AND cond …", or "".
func andConditions(w where) string {
	if len(w.conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(w.conds, " AND ")
}
