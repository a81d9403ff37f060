package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// DecimalSummer is implemented by a [Dialect] whose database adds exact
// decimals (PostgreSQL's NUMERIC, MySQL's DECIMAL), so that
// [Store.CustomerExposure] sums in the database. Without it (SQLite, whose
// SUM of text goes through floating point) the Store reads the amounts
// of the customer's orders as text, one row at a time, and adds them in
// Go, exactly.
type DecimalSummer interface {
	// SumDecimal returns an aggregate expression adding the exact decimal
	// expression expr over a group, read back as text: such as
	// CAST(SUM(expr) AS TEXT).
	SumDecimal(expr string) string
}

// orderColumns are the columns of an order as scanOrder reads them, from
// the table aliased od.
const orderColumns = `od.id, od.number, od.customer_id, od.opportunity_id, od.status, od.currency, od.total, od.paid,
	od.ordered_at, od.created_at, od.created_by, od.updated_at, od.updated_by, od.version`

// orderValues returns the row values of o but its ID and Version, in the
// order of the columns of insertOrder and updateOrder.
func (s *Store) orderValues(o *crm.Order) []any {
	return []any{o.Number, o.CustomerID, o.OpportunityID, string(o.Status), o.Currency(),
		amountArg(o.Total), amountArg(o.Paid), s.timeArg(o.OrderedAt),
		s.timeArg(o.CreatedAt), o.CreatedBy, s.timeArg(o.UpdatedAt), o.UpdatedBy}
}

// moneyOf reads an amount column of an order in currency: the zero Money
// for NULL.
func moneyOf(text sql.NullString, currency string) (crm.Money, error) {
	if !text.Valid {
		return crm.Money{}, nil
	}
	d, err := parseAmount(text)
	return crm.Money{Amount: d, Currency: currency}, err
}

// scanOrder reads one row of orderColumns; the lines are loaded by
// loadOrderLines.
func (s *Store) scanOrder(r interface{ Scan(...any) error }) (*crm.Order, error) {
	o := new(crm.Order)
	var currency string
	var total, paid sql.NullString
	err := r.Scan(&o.ID, &o.Number, &o.CustomerID, &o.OpportunityID, &o.Status, &currency, &total, &paid,
		s.timeDest(&o.OrderedAt), s.timeDest(&o.CreatedAt), &o.CreatedBy, s.timeDest(&o.UpdatedAt), &o.UpdatedBy, &o.Version)
	if err != nil {
		return nil, err
	}
	if o.Total, err = moneyOf(total, currency); err != nil {
		return nil, fmt.Errorf("order %s: total: %w", o.ID, err)
	}
	if o.Paid, err = moneyOf(paid, currency); err != nil {
		return nil, fmt.Errorf("order %s: paid: %w", o.ID, err)
	}
	return o, nil
}

const insertOrder = `INSERT INTO orders (tenant_id, id,
	number, customer_id, opportunity_id, status, currency, total, paid, ordered_at,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateOrder stores o with its lines, in one transaction. It fails with
// an error matching [crm.ErrDuplicate] if an order with o.ID exists, with
// [crm.ErrNotFound] if o.CustomerID names no customer (the foreign key
// says so), and with [crm.ErrInvalid] if o is nil or has no ID.
func (s *Store) CreateOrder(ctx context.Context, o *crm.Order) error {
	const op = "create order"
	if o == nil || o.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), o.ID}, s.orderValues(o)...), o.Version)
	err := s.insertWithLists(ctx, insertOrder, args, []parent{{customersTable, o.CustomerID}}, func(q dbtx) error {
		return s.insertOrderLines(ctx, q, o)
	})
	if err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	return nil
}

const findOrderByID = `SELECT ` + orderColumns + ` FROM orders od WHERE od.id = ? AND od.tenant_id = ?`

// FindOrderByID returns the order id with its lines, read in one
// transaction, or an error matching [crm.ErrNotFound].
func (s *Store) FindOrderByID(ctx context.Context, id string) (*crm.Order, error) {
	return findWithLists(ctx, s, "find order "+id, findOrderByID, id, s.scanOrder, s.loadOrderLines)
}

// The parts of the query of FindOrders.
const (
	ordersSelect = `SELECT ` + orderColumns + ` FROM orders od`
	ordersTenant = `od.tenant_id = ?`
	ordersAfter  = `od.id > ?`
	ordersOrder  = ` ORDER BY od.id LIMIT ?`
)

// FindOrders returns one page of the orders f selects, with their lines,
// in ascending ID order, and the cursor of the next page ("" after the
// last), with the limits of [Store.FindCustomers]: two queries in one
// read transaction, the orders (with an index for every filter field;
// the meaning is [crm.OrderFilter.Match]'s) and the lines of the page.
// The OrderedAt bounds compare as the CloseDate bounds of
// [Store.FindOpportunities] do.
func (s *Store) FindOrders(ctx context.Context, f crm.OrderFilter) ([]*crm.Order, crm.Cursor, error) {
	const op = "find orders"
	limit, err := s.beginPage(ctx, op, f.Limit)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add(ordersTenant, s.tenant(ctx))
	if f.After != "" {
		w.add(ordersAfter, string(f.After))
	}
	whereIn(&w, "od.customer_id", f.CustomerIDs)
	whereIn(&w, "od.opportunity_id", f.OpportunityIDs)
	whereIn(&w, "od.status", f.Statuses)
	s.whereTimeRange(&w, "od.ordered_at", f.OrderedFrom, f.OrderedBefore)
	query, args := ordersSelect+w.String()+ordersOrder, append(w.args, limit+1)
	var page []*crm.Order
	err = s.read(ctx, func(q dbtx) error {
		var err error
		if page, err = collectRows(ctx, s, q, query, args, s.scanOrder); err != nil {
			return err
		}
		return s.loadOrderLines(ctx, q, page[:min(len(page), limit)])
	})
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(o *crm.Order) crm.Cursor { return crm.Cursor(o.ID) })
	return page, next, nil
}

const (
	updateOrder = `UPDATE orders SET
	number = ?, customer_id = ?, opportunity_id = ?, status = ?, currency = ?, total = ?, paid = ?, ordered_at = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	orderVersion     = `SELECT version FROM orders WHERE id = ? AND tenant_id = ?`
	deleteOrderLines = `DELETE FROM order_lines WHERE order_id = ? AND tenant_id = ?`
)

// UpdateOrder replaces the stored order o.ID with o under the version
// rule of [Store.UpdateCustomer]. Its lines are rewritten, in the same
// transaction, only if they changed: a status change or a payment writes
// one row. It fails with [crm.ErrNotFound] also if o.CustomerID names no
// customer.
func (s *Store) UpdateOrder(ctx context.Context, o *crm.Order) error {
	const op = "update order"
	if o == nil {
		return s.fail(ctx, op, fmt.Errorf("nil order: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	parents := []parent{{customersTable, o.CustomerID}}
	err := s.updateParented(ctx, updateOrder, orderVersion, o.ID, o.Version, s.orderValues(o), parents, func(q dbtx) error {
		stored := &crm.Order{ID: o.ID}
		if err := s.loadOrderLines(ctx, q, []*crm.Order{stored}); err != nil {
			return err
		}
		if sameLines(stored.Lines, o.Lines) {
			return nil
		}
		if _, err := s.exec(ctx, q, deleteOrderLines, o.ID, s.tenant(ctx)); err != nil {
			return err
		}
		return s.insertOrderLines(ctx, q, o)
	})
	if err != nil {
		return s.fail(ctx, op+" "+o.ID, err)
	}
	o.Version++
	return nil
}

// sameLines reports whether a and b store the same rows: decimals compare
// by value and text exactly, currencies being the order's.
func sameLines(a, b []crm.OrderLine) bool {
	return slices.EqualFunc(a, b, func(x, y crm.OrderLine) bool {
		return x.SKU == y.SKU && x.Description == y.Description && x.Quantity.Equal(y.Quantity) &&
			amountText(x.UnitPrice) == amountText(y.UnitPrice) && amountText(x.Discount) == amountText(y.Discount)
	})
}

// amountText returns what amountArg binds for m, as text ("" for NULL),
// normalised so that equal amounts give equal text.
func amountText(m crm.Money) string {
	if m.IsZero() {
		return ""
	}
	return m.Amount.String()
}

const moveOrders = `UPDATE orders SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveOrders re-points every order of customer fromID to customer toID,
// stamping each with UpdatedAt at, UpdatedBy by and a Version one higher,
// and returns how many it moved, in one statement. It fails with
// [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveOrders(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "orders", moveOrders, fromID, toID, at, by)
}

// The queries of CustomerExposure: the amounts owed per currency, summed
// by the database (exposureSummed, with the Dialect's SumDecimal in place
// of %s), or read for the Store to add (exposureRows).
const (
	exposureOwed   = `COALESCE(total, 0) - COALESCE(paid, 0)`
	exposureWhere  = ` FROM orders WHERE customer_id = ? AND status <> ? AND tenant_id = ?`
	exposureSummed = `SELECT currency, %s` + exposureWhere + ` GROUP BY currency ORDER BY currency`
	exposureRows   = `SELECT currency, total, paid` + exposureWhere
)

// CustomerExposure returns, per currency in ascending order, the sum of
// Total − Paid over the orders of customerID that are not cancelled,
// leaving out sums of zero. With a [DecimalSummer] Dialect the database
// sums, grouped by currency, in one query on the customer's index, and
// the sums are read as text; otherwise the Store streams the amounts, as
// text, and adds them exactly. No amount passes through a float.
func (s *Store) CustomerExposure(ctx context.Context, customerID string) ([]crm.Money, error) {
	op := "customer exposure " + customerID
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	sums := map[string]decimal.Decimal{}
	var err error
	if summer, ok := s.d.(DecimalSummer); ok {
		query := fmt.Sprintf(exposureSummed, summer.SumDecimal(exposureOwed))
		err = s.queryEach(ctx, s.q, query, []any{customerID, string(crm.OrderCancelled), s.tenant(ctx)}, func(rows *sql.Rows) error {
			var currency string
			var sum sql.NullString
			if err := rows.Scan(&currency, &sum); err != nil {
				return err
			}
			d, err := parseAmount(sum)
			sums[currency] = d
			return err
		})
	} else {
		err = s.queryEach(ctx, s.q, exposureRows, []any{customerID, string(crm.OrderCancelled), s.tenant(ctx)}, func(rows *sql.Rows) error {
			var currency string
			var total, paid sql.NullString
			if err := rows.Scan(&currency, &total, &paid); err != nil {
				return err
			}
			t, err := parseAmount(total)
			if err != nil {
				return err
			}
			p, err := parseAmount(paid)
			sums[currency] = sums[currency].Add(t.Sub(p))
			return err
		})
	}
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	out := make([]crm.Money, 0, len(sums))
	for currency, d := range sums {
		if !d.IsZero() {
			out = append(out, crm.Money{Amount: d, Currency: currency})
		}
	}
	slices.SortFunc(out, func(a, b crm.Money) int { return strings.Compare(a.Currency, b.Currency) })
	return out, nil
}

const (
	insertOrderLines = `INSERT INTO order_lines (tenant_id, order_id, position, sku, description, quantity, unit_price, discount) VALUES `
	selectOrderLines = `SELECT order_id, position, sku, description, quantity, unit_price, discount FROM order_lines WHERE tenant_id = ? AND order_id IN `
	orderLinesOrder  = ` ORDER BY order_id, position`
)

// insertOrderLines stores the lines of o, which has none stored.
func (s *Store) insertOrderLines(ctx context.Context, q dbtx, o *crm.Order) error {
	rows := make([]any, 0, 7*len(o.Lines))
	for i, l := range o.Lines {
		rows = append(rows, o.ID, i, l.SKU, l.Description, decimalText(l.Quantity), amountArg(l.UnitPrice), amountArg(l.Discount))
	}
	return s.insertRows(ctx, q, insertOrderLines, 7, rows)
}

// loadOrderLines reads the lines of os, in the order stored, with one
// query. Their prices and discounts take the currency of their order.
func (s *Store) loadOrderLines(ctx context.Context, q dbtx, os []*crm.Order) error {
	if len(os) == 0 {
		return nil
	}
	byID := make(map[string]*crm.Order, len(os))
	ids := make([]any, 1, len(os)+1)
	ids[0] = s.tenant(ctx)
	for _, o := range os {
		byID[o.ID] = o
		ids = append(ids, o.ID)
	}
	return s.queryEach(ctx, q, selectOrderLines+inList(len(ids)-1)+orderLinesOrder, ids, func(rows *sql.Rows) error {
		var (
			id, sku, description string
			position             int64
			quantity             string
			unitPrice, discount  sql.NullString
		)
		if err := rows.Scan(&id, &position, &sku, &description, &quantity, &unitPrice, &discount); err != nil {
			return err
		}
		o := byID[id]
		if o == nil {
			return nil
		}
		currency := o.Currency()
		l := crm.OrderLine{SKU: sku, Description: description}
		var err error
		if l.Quantity, err = decimal.NewFromString(quantity); err != nil {
			return fmt.Errorf("order %s line %d: quantity %q: %w", id, position, quantity, err)
		}
		if l.UnitPrice, err = moneyOf(unitPrice, currency); err != nil {
			return fmt.Errorf("order %s line %d: unit price: %w", id, position, err)
		}
		if l.Discount, err = moneyOf(discount, currency); err != nil {
			return fmt.Errorf("order %s line %d: discount: %w", id, position, err)
		}
		o.Lines = append(o.Lines, l)
		return nil
	})
}

// paymentColumns are the columns of a payment as scanPayment reads them.
const paymentColumns = `id, order_id, customer_id, amount, currency, received_at, method, reference,
	created_at, created_by, updated_at, updated_by, version`

// scanPayment reads one row of paymentColumns.
func (s *Store) scanPayment(r interface{ Scan(...any) error }) (*crm.Payment, error) {
	p := new(crm.Payment)
	var currency string
	var amount sql.NullString
	err := r.Scan(&p.ID, &p.OrderID, &p.CustomerID, &amount, &currency, s.timeDest(&p.ReceivedAt), &p.Method, &p.Reference,
		s.timeDest(&p.CreatedAt), &p.CreatedBy, s.timeDest(&p.UpdatedAt), &p.UpdatedBy, &p.Version)
	if err != nil {
		return nil, err
	}
	if p.Amount, err = moneyOf(amount, currency); err != nil {
		return nil, fmt.Errorf("payment %s: %w", p.ID, err)
	}
	return p, nil
}

const insertPayment = `INSERT INTO payments (tenant_id, ` + paymentColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreatePayment stores p, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if a payment with p.ID exists, with
// [crm.ErrNotFound] if p.OrderID names no order or p.CustomerID no
// customer (the foreign keys say so), and with [crm.ErrInvalid] if p is
// nil or has no ID.
func (s *Store) CreatePayment(ctx context.Context, p *crm.Payment) error {
	const op = "create payment"
	if p == nil || p.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+p.ID, err)
	}
	args := []any{s.tenant(ctx), p.ID, p.OrderID, p.CustomerID, amountArg(p.Amount), p.Amount.Currency,
		s.timeArg(p.ReceivedAt), p.Method, p.Reference,
		s.timeArg(p.CreatedAt), p.CreatedBy, s.timeArg(p.UpdatedAt), p.UpdatedBy, p.Version}
	err := s.insertWithLists(ctx, insertPayment, args, []parent{{ordersTable, p.OrderID}, {customersTable, p.CustomerID}}, nil)
	if err != nil {
		return s.fail(ctx, op+" "+p.ID, err)
	}
	return nil
}

// The parts of the query of FindPayments.
const (
	paymentsSelect = `SELECT ` + paymentColumns + ` FROM payments`
	paymentsTenant = `tenant_id = ?`
	paymentsAfter  = `id > ?`
	paymentsOrder  = ` ORDER BY id LIMIT ?`
)

// FindPayments returns one page of the payments f selects, in ascending
// ID order, and the cursor of the next page ("" after the last), with the
// limits of [Store.FindCustomers], in one query with an index for each
// filter field.
func (s *Store) FindPayments(ctx context.Context, f crm.PaymentFilter) ([]*crm.Payment, crm.Cursor, error) {
	const op = "find payments"
	limit, err := s.beginPage(ctx, op, f.Limit)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add(paymentsTenant, s.tenant(ctx))
	if f.After != "" {
		w.add(paymentsAfter, string(f.After))
	}
	whereIn(&w, "order_id", f.OrderIDs)
	whereIn(&w, "customer_id", f.CustomerIDs)
	page, err := collectRows(ctx, s, s.q, paymentsSelect+w.String()+paymentsOrder, append(w.args, limit+1), s.scanPayment)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(p *crm.Payment) crm.Cursor { return crm.Cursor(p.ID) })
	return page, next, nil
}

const movePayments = `UPDATE payments SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MovePayments re-points every payment of customer fromID to customer
// toID as [Store.MoveOrders] does orders.
func (s *Store) MovePayments(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "payments", movePayments, fromID, toID, at, by)
}

const (
	movePayment = `UPDATE payments SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	paymentVersion = `SELECT version FROM payments WHERE id = ? AND tenant_id = ?`
)

// MovePayment re-points the payment id, stored at version, to customer
// toID, stamping it with UpdatedAt at, UpdatedBy by and a Version one
// higher, in one statement. It fails with [crm.ErrNotFound] if there is
// no such payment or toID names no customer, and with [crm.ErrConflict]
// if its version is not version.
func (s *Store) MovePayment(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	return s.moveOne(ctx, "payment", movePayment, paymentVersion, id, version, toID, at, by)
}
