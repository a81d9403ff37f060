package crm

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// This file holds purchase records: orders with their lines, the payments
// received for them, and the credit check that guards a customer's
// exposure. The pure rules come first, the Client's methods after them.

// OrderStatus is where an order stands. An order starts open (placed) or
// confirmed; it ends fulfilled (delivered) or cancelled. Payments are
// recorded in any status but cancelled; a fulfilled order may still be
// owed.
type OrderStatus string

// Order statuses.
const (
	OrderOpen      OrderStatus = "open"
	OrderConfirmed OrderStatus = "confirmed"
	OrderFulfilled OrderStatus = "fulfilled"
	OrderCancelled OrderStatus = "cancelled"
)

// Valid reports whether s is one of the order statuses.
func (s OrderStatus) Valid() bool {
	switch s {
	case OrderOpen, OrderConfirmed, OrderFulfilled, OrderCancelled:
		return true
	}
	return false
}

// orderMoves lists the statuses each status may move to.
var orderMoves = map[OrderStatus][]OrderStatus{
	OrderOpen:      {OrderConfirmed, OrderFulfilled, OrderCancelled},
	OrderConfirmed: {OrderFulfilled, OrderCancelled},
}

// TransitionOrder checks a move between order statuses:
//
//	open      → confirmed, fulfilled, cancelled
//	confirmed → fulfilled, cancelled
//
// Fulfilled and cancelled orders move no further. Staying in a status is
// allowed. A move not in the table returns an error matching
// [ErrTransition]; an unknown status returns [ErrInvalid]. Cancelling an
// order that has been paid is refused as well, by [Order.SetStatus].
func TransitionOrder(from, to OrderStatus) error {
	if !from.Valid() {
		return fmt.Errorf("crm: order status %q: unknown: %w", from, ErrInvalid)
	}
	if !to.Valid() {
		return fmt.Errorf("crm: order status %q: unknown: %w", to, ErrInvalid)
	}
	if from == to || slices.Contains(orderMoves[from], to) {
		return nil
	}
	return fmt.Errorf("crm: order %s → %s: %w", from, to, ErrTransition)
}

// OrderLine is one line of an [Order]: a quantity of a product at a unit
// price, less an optional discount.
type OrderLine struct {
	// SKU identifies the product, such as "SEAT-ANNUAL". A line needs a
	// SKU or a Description.
	SKU string
	// Description says what was bought, such as "Annual seat licence".
	Description string
	// Quantity is positive and exact, with at most 4 decimal places
	// (2.5 hours, 1 licence).
	Quantity decimal.Decimal
	// UnitPrice is the price of one unit; zero or more, in the order's
	// currency.
	UnitPrice Money
	// Discount is taken off the line: the zero Money for none, otherwise
	// in the order's currency and at most Quantity × UnitPrice.
	Discount Money
}

// Total returns Quantity × UnitPrice − Discount, exactly (not rounded). It
// fails with [ErrInvalid] if the discount's currency differs from the
// price's.
func (l OrderLine) Total() (Money, error) {
	return l.UnitPrice.Mul(l.Quantity).Sub(l.Discount)
}

// Order is a purchase record: what a customer bought, for how much, and
// how much of it has been paid.
type Order struct {
	// ID is set by the Client when the order is created.
	ID string
	// Number is an optional human reference, such as an invoice or
	// purchase-order number. It is not checked for uniqueness.
	Number string
	// CustomerID is the buyer; required.
	CustomerID string
	// OpportunityID is the deal the order was won with, if any.
	OpportunityID string
	// Lines are what was bought; at least one, all in one currency.
	Lines []OrderLine
	// Total is the sum of the lines' totals, computed by the Client;
	// whatever a caller puts here is ignored.
	Total Money
	// Paid is the sum of the payments recorded for the order, kept by
	// the Client ([Client.RecordPayment]); whatever a caller puts here is
	// ignored. It never exceeds Total.
	Paid Money
	// Status is open, confirmed, fulfilled or cancelled; see
	// [TransitionOrder].
	Status OrderStatus
	// OrderedAt is when the order was placed; the time of creation if
	// not given.
	OrderedAt time.Time

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record; updates must name the
	// version they read.
	Version int64
}

// Currency returns the currency of the order: that of its Total, or of
// Paid when Total is the zero Money. A Store may keep it once per order.
func (o *Order) Currency() string {
	if o.Total.Currency != "" {
		return o.Total.Currency
	}
	return o.Paid.Currency
}

// Clone returns a deep copy of o.
func (o *Order) Clone() *Order {
	if o == nil {
		return nil
	}
	out := *o
	out.Lines = slices.Clone(o.Lines)
	return &out
}

// Outstanding returns what is still owed on the order: Total − Paid,
// nothing for a cancelled order.
func (o *Order) Outstanding() Money {
	if o.Status == OrderCancelled {
		return Money{Currency: o.Total.Currency}
	}
	out, err := o.Total.Sub(o.Paid)
	if err != nil { // Paid in another currency: not an order the Client made
		return o.Total
	}
	return out
}

// Balance returns the order's total, what has been paid and what is
// outstanding.
func (o *Order) Balance() OrderBalance {
	return OrderBalance{OrderID: o.ID, Total: o.Total, Paid: o.Paid, Outstanding: o.Outstanding()}
}

// SetStatus moves o to the status to, as [TransitionOrder] rules. It also
// refuses to cancel an order that has been paid, even in part
// ([ErrTransition]): the money received must be dealt with first.
func (o *Order) SetStatus(to OrderStatus) error {
	if err := TransitionOrder(o.Status, to); err != nil {
		return err
	}
	if to == OrderCancelled && o.Status != OrderCancelled && o.Paid.Sign() > 0 {
		return fmt.Errorf("crm: cancel order %s: %s has been paid: %w", o.ID, o.Paid, ErrTransition)
	}
	o.Status = to
	return nil
}

// ApplyPayment adds amount to what o has been paid. It refuses a
// cancelled order ([ErrTransition]), and an amount that is not positive,
// is in another currency than the order's or exceeds what is outstanding
// (a [*ValidationError] for field "amount"): overpayments are refused,
// not kept as credit.
func (o *Order) ApplyPayment(amount Money) error {
	if o.Status == OrderCancelled {
		return fmt.Errorf("crm: pay order %s: it is cancelled: %w", o.ID, ErrTransition)
	}
	verr := &ValidationError{Entity: "payment"}
	outstanding := o.Outstanding()
	switch {
	case amount.Sign() <= 0:
		verr.add("amount", "must be positive")
	case amount.Currency != o.Total.Currency:
		verr.add("amount", "in %s; order %s is in %s", amount.Currency, o.ID, o.Total.Currency)
	case amount.Amount.Cmp(outstanding.Amount) > 0:
		verr.add("amount", "%s exceeds the %s outstanding on order %s", amount, outstanding, o.ID)
	}
	if err := verr.err(); err != nil {
		return err
	}
	paid, err := o.Paid.Add(amount)
	if err != nil {
		return err
	}
	o.Paid = paid
	return nil
}

// OrderBalance is what an order comes to, what has been paid and what is
// still owed, all in the order's currency.
type OrderBalance struct {
	OrderID     string
	Total       Money
	Paid        Money
	Outstanding Money
}

// Payment is money received for an [Order]. Payments are not changed once
// recorded; a merge re-points them with the order's customer.
type Payment struct {
	// ID is set by the Client when the payment is recorded.
	ID string
	// OrderID is the order paid; required.
	OrderID string
	// CustomerID is the order's customer, set by the Client.
	CustomerID string
	// Amount is positive, in the order's currency, and at most what is
	// outstanding on the order.
	Amount Money
	// ReceivedAt is when the money arrived; the time of recording if not
	// given.
	ReceivedAt time.Time
	// Method says how it was paid, such as "card" or "transfer".
	Method string
	// Reference is the payer's or the bank's reference.
	Reference string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record.
	Version int64
}

// Clone returns a copy of p.
func (p *Payment) Clone() *Payment {
	if p == nil {
		return nil
	}
	out := *p
	return &out
}

// CreditLimitError reports an order refused because it would take the
// customer's exposure — what it owes on orders not cancelled — above its
// credit limit, or because the order is in another currency than the
// limit, which is never converted. It matches [ErrCreditLimit] with
// [errors.Is].
type CreditLimitError struct {
	CustomerID string
	// Limit is the customer's credit limit.
	Limit Money
	// Exposure is what the customer owes, in the limit's currency, before
	// the order.
	Exposure Money
	// Order is the refused order's total.
	Order Money
	// Shortfall is by how much Exposure + Order exceeds Limit; the zero
	// Money when the order's currency differs from the limit's.
	Shortfall Money
}

// Error names the limit, the exposure and the shortfall.
func (e *CreditLimitError) Error() string {
	cause := strings.TrimPrefix(ErrCreditLimit.Error(), "crm: ")
	if e.Order.Currency != e.Limit.Currency {
		return fmt.Sprintf("crm: customer %s: credit limit %s, exposure %s: an order in %s cannot be checked against the limit without a conversion: %s",
			e.CustomerID, e.Limit, e.Exposure, e.Order.Currency, cause)
	}
	return fmt.Sprintf("crm: customer %s: credit limit %s, exposure %s, order %s: short by %s: %s",
		e.CustomerID, e.Limit, e.Exposure, e.Order, e.Shortfall, cause)
}

// Is reports whether target is [ErrCreditLimit].
func (e *CreditLimitError) Is(target error) bool { return target == ErrCreditLimit }

// CheckCredit checks an order of amount order for a customer with credit
// limit limit that owes exposure (in any currencies, as
// [Client.CustomerBalance] returns it). A zero limit means no limit. The
// order passes if it is in the limit's currency and the exposure in that
// currency plus the order stays at or below the limit; otherwise the
// result is a [*CreditLimitError] for customerID. Exposure in other
// currencies than the limit's is not counted: it cannot be compared
// without a conversion.
func CheckCredit(customerID string, limit Money, exposure []Money, order Money) error {
	if limit.IsZero() {
		return nil
	}
	owed := Money{Amount: decimal.Zero, Currency: limit.Currency}
	for _, m := range exposure {
		if m.Currency == limit.Currency {
			owed = m
		}
	}
	e := &CreditLimitError{CustomerID: customerID, Limit: limit, Exposure: owed, Order: order}
	if order.Currency != limit.Currency {
		return e
	}
	after := Money{Amount: owed.Amount.Add(order.Amount), Currency: limit.Currency}
	if after.Amount.Cmp(limit.Amount) <= 0 {
		return nil
	}
	e.Shortfall = Money{Amount: after.Amount.Sub(limit.Amount), Currency: limit.Currency}
	return e
}

// Limits on the text and size of orders and payments, in bytes and lines.
const (
	maxOrderLines   = 1000
	maxSKULen       = 100
	maxLineDescLen  = 1000
	maxOrderNumLen  = 100
	maxPayMethodLen = 64
	maxPayRefLen    = 200
)

// prepareOrder returns a normalised copy of in, with its total computed,
// ready to be stored, or a [*ValidationError] naming every bad field.
func prepareOrder(in *Order, now time.Time) (*Order, error) {
	o := in.Clone()
	o.Number = strings.TrimSpace(o.Number)
	o.CustomerID = strings.TrimSpace(o.CustomerID)
	o.OpportunityID = strings.TrimSpace(o.OpportunityID)
	verr := &ValidationError{Entity: "order"}
	if o.CustomerID == "" {
		verr.add("customer_id", "required")
	}
	checkText(verr, "number", o.Number, maxOrderNumLen, false)
	switch o.Status {
	case "":
		o.Status = OrderOpen
	case OrderOpen, OrderConfirmed:
	default:
		verr.add("status", "an order starts open or confirmed, not %q", o.Status)
	}
	if o.OrderedAt = Timestamp(o.OrderedAt); o.OrderedAt.IsZero() {
		o.OrderedAt = now
	}
	o.Total = orderTotal(o.Lines, verr)
	o.Paid = Money{Amount: decimal.Zero, Currency: o.Total.Currency}
	if err := verr.err(); err != nil {
		return nil, err
	}
	return o, nil
}

// orderTotal normalises lines and returns their total, recording in verr
// every bad line field, named "lines[i].field".
func orderTotal(lines []OrderLine, verr *ValidationError) Money {
	switch {
	case len(lines) == 0:
		verr.add("lines", "required: an order has at least one line")
		return Money{}
	case len(lines) > maxOrderLines:
		verr.add("lines", "more than %d", maxOrderLines)
		return Money{}
	}
	var (
		total    Money
		currency string // of the first line with a usable price
		first    int
	)
	ok := true
	for i := range lines {
		l := &lines[i]
		field := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		l.SKU = strings.TrimSpace(l.SKU)
		l.Description = strings.TrimSpace(l.Description)
		l.UnitPrice.Currency = strings.ToUpper(strings.TrimSpace(l.UnitPrice.Currency))
		l.Discount.Currency = strings.ToUpper(strings.TrimSpace(l.Discount.Currency))
		if l.Discount.Amount.IsZero() {
			l.Discount = Money{}
		}
		n := len(verr.Fields)
		checkText(verr, field("sku"), l.SKU, maxSKULen, false)
		checkText(verr, field("description"), l.Description, maxLineDescLen, false)
		if l.SKU == "" && l.Description == "" {
			verr.add(field("sku"), "required unless the line has a description")
		}
		q := l.Quantity
		switch {
		case q.Sign() <= 0:
			verr.add(field("quantity"), "must be positive")
		case q.Exponent() > 16 || q.Cmp(maxAmount) >= 0:
			verr.add(field("quantity"), "10^16 or more")
		case q.Exponent() < -4 && !q.Equal(q.Truncate(4)):
			verr.add(field("quantity"), "more than 4 decimal places")
		}
		switch err := l.UnitPrice.Validate(); {
		case l.UnitPrice.Currency == "":
			verr.add(field("unit_price"), "required")
		case err != nil:
			verr.add(field("unit_price"), "%s", reason(err))
		case l.UnitPrice.Sign() < 0:
			verr.add(field("unit_price"), "negative")
		}
		if _, known := CurrencyDigits(l.UnitPrice.Currency); known {
			switch {
			case currency == "":
				currency, first = l.UnitPrice.Currency, i
			case l.UnitPrice.Currency != currency:
				verr.add(field("unit_price"), "in %s; the order is in %s (lines[%d])", l.UnitPrice.Currency, currency, first)
			}
		}
		if !l.Discount.IsZero() {
			switch err := l.Discount.Validate(); {
			case err != nil:
				verr.add(field("discount"), "%s", reason(err))
			case l.Discount.Sign() < 0:
				verr.add(field("discount"), "negative")
			case l.Discount.Currency != l.UnitPrice.Currency:
				verr.add(field("discount"), "in %s; the line's price is in %s", l.Discount.Currency, l.UnitPrice.Currency)
			}
		}
		if len(verr.Fields) > n {
			ok = false
			continue
		}
		lt, err := l.Total()
		switch {
		case err != nil:
			verr.add(field("discount"), "%s", reason(err))
		case lt.Sign() < 0:
			verr.add(field("discount"), "%s exceeds the line's %s", l.Discount, l.UnitPrice.Mul(l.Quantity))
		case lt.Validate() != nil:
			verr.add(field("quantity"), "the line's total %s: %s", lt.Amount, reason(lt.Validate()))
		}
		if len(verr.Fields) > n {
			ok = false
			continue
		}
		if ok {
			if total, err = total.Add(lt); err != nil {
				ok = false // a currency mismatch, reported above
			}
		}
	}
	if !ok {
		return Money{}
	}
	if err := total.Validate(); err != nil {
		verr.add("lines", "the order's total: %s", reason(err))
	}
	return total
}

// CreateOrder validates in and stores it as a new order with a fresh ID,
// Version 1 and the time and actor of creation, its Total computed from
// its lines and nothing paid. It starts open, or confirmed if in.Status
// says so; OrderedAt defaults to now. It leaves in untouched and returns
// the stored order.
//
// The order must pass the customer's credit limit ([CheckCredit]): its
// exposure — the outstanding balance of its orders not cancelled, as
// [Client.CustomerBalance] reports it — plus the new total must stay at
// or below the limit, and the order must be in the limit's currency,
// which is never converted; otherwise it is refused with a
// [*CreditLimitError] matching [ErrCreditLimit]. A customer with no
// credit limit (the zero Money) is unlimited.
//
// Two orders for one customer with a limit cannot both pass on the same
// exposure: the check rewrites the customer with the version it read,
// bumping it, in the order's transaction, so of two concurrent orders one
// fails with [ErrConflict] (retry it: it is then checked on the new
// exposure). The price is that a caller holding the customer's previous
// version must re-read it before updating it. Customers without a limit
// are not rewritten.
//
// Errors: a [*ValidationError] naming every bad field (no customer, no
// lines, a line without SKU or description, a quantity not positive, a
// missing or negative price, a discount above the line's amount, lines in
// different currencies, a line total needing more than 4 decimal places —
// nothing is rounded silently: round the price or the quantity first —
// an opportunity of another customer);
// [ErrNotFound] for a missing customer or opportunity; [ErrTransition]
// for an archived customer; [ErrCreditLimit]; [ErrConflict]. On any error
// nothing changes.
func (c *Client) CreateOrder(ctx context.Context, in *Order) (*Order, error) {
	if in == nil {
		return nil, required("order", "order")
	}
	now, by := c.now(), actorID(ctx)
	o, err := prepareOrder(in, now)
	if err != nil {
		return nil, err
	}
	err = c.store.RunInTx(ctx, func(tx Store) error { return c.createOrder(ctx, tx, o, now, by) })
	if err != nil {
		return nil, wrapUnlessTyped("create order", err)
	}
	return o.Clone(), nil
}

// createOrder checks the references and the credit of o, prepared by
// prepareOrder, and stores it in tx.
func (c *Client) createOrder(ctx context.Context, tx Store, o *Order, now time.Time, by string) error {
	cust, err := loadLive(ctx, tx, o.CustomerID)
	if err != nil {
		return err
	}
	if cust.CreditLimit.IsZero() {
		// The credit check below rewrites the customer, which conflicts
		// with a merge already; without it, lock the customer instead.
		if cust, err = loadParent(ctx, tx, o.CustomerID); err != nil {
			return err
		}
	}
	if err := checkDealOf(ctx, tx, "order", o.OpportunityID, o.CustomerID); err != nil {
		return err
	}
	if !cust.CreditLimit.IsZero() {
		exposure, err := tx.CustomerExposure(ctx, cust.ID)
		if err != nil {
			return err
		}
		if err := CheckCredit(cust.ID, cust.CreditLimit, exposure, o.Total); err != nil {
			return err
		}
		// Make concurrent orders of this customer conflict: the one
		// that commits second wrote a version that is gone.
		if err := tx.UpdateCustomer(ctx, cust); err != nil {
			return err
		}
	}
	o.ID = c.ids.NewID()
	o.CreatedAt, o.CreatedBy = now, by
	o.UpdatedAt, o.UpdatedBy = now, by
	o.Version = 1
	return tx.CreateOrder(ctx, o)
}

// orderForWin creates, in tx, the order in of the deal o that a move has
// just won: for the deal's customer, linked to it, with one line of the
// deal's amount if in has none.
func (c *Client) orderForWin(ctx context.Context, tx Store, deal *Opportunity, in *Order, now time.Time) error {
	in = in.Clone()
	in.CustomerID, in.OpportunityID = deal.CustomerID, deal.ID
	if len(in.Lines) == 0 {
		in.Lines = []OrderLine{{Description: deal.Name, Quantity: decimal.NewFromInt(1), UnitPrice: deal.Amount}}
	}
	o, err := prepareOrder(in, now)
	if err != nil {
		return err
	}
	return c.createOrder(ctx, tx, o, now, actorID(ctx))
}

// GetOrder returns the order with id, or an error matching
// [ErrNotFound].
func (c *Client) GetOrder(ctx context.Context, id string) (*Order, error) {
	return getRecord(ctx, "order", id, c.store.FindOrderByID)
}

// ListOrders returns one page of the orders f selects, in ID order, and
// the cursor for the next page ("" after the last).
func (c *Client) ListOrders(ctx context.Context, f OrderFilter) ([]*Order, Cursor, error) {
	return listPage(ctx, "order filter", "list orders", f, f.Limit, c.store.FindOrders)
}

// Orders iterates over every order f selects, fetching page by page. An
// error ends the iteration after being yielded.
func (c *Client) Orders(ctx context.Context, f OrderFilter) iter.Seq2[*Order, error] {
	return pages(ctx, f, c.ListOrders, func(f *OrderFilter, next Cursor) { f.After = next })
}

// getRecord returns the record id that find reads, with errors naming
// the entity ("order").
func getRecord[T any](ctx context.Context, entity, id string, find func(context.Context, string) (*T, error)) (*T, error) {
	r, err := find(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get %s %s: %w", entity, id, err)
	}
	return r, nil
}

// listPage returns one page of the store's listing find for f, after
// checking limit, f's page limit ([checkLimit], for entity "order
// filter"); op names the listing in errors ("list orders").
func listPage[T, F any](ctx context.Context, entity, op string, f F, limit int, find func(context.Context, F) ([]*T, Cursor, error)) ([]*T, Cursor, error) {
	if err := checkLimit(entity, limit); err != nil {
		return nil, "", err
	}
	page, next, err := find(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("crm: %s: %w", op, err)
	}
	return page, next, nil
}

// checkLimit refuses a page limit outside 0…MaxPageLimit.
func checkLimit(entity string, limit int) error {
	if limit < 0 || limit > MaxPageLimit {
		return &ValidationError{Entity: entity, Fields: []FieldError{{Field: "limit", Reason: fmt.Sprintf("must be between 0 and %d", MaxPageLimit)}}}
	}
	return nil
}

// ConfirmOrder confirms the open order id, provided its stored version is
// still version, and returns it. Errors as for [Client.CancelOrder].
func (c *Client) ConfirmOrder(ctx context.Context, id string, version int64) (*Order, error) {
	return c.setOrderStatus(ctx, id, version, OrderConfirmed)
}

// FulfillOrder marks the open or confirmed order id delivered, provided
// its stored version is still version, and returns it. A fulfilled order
// still takes payments until it is paid. Errors as for
// [Client.CancelOrder].
func (c *Client) FulfillOrder(ctx context.Context, id string, version int64) (*Order, error) {
	return c.setOrderStatus(ctx, id, version, OrderFulfilled)
}

// CancelOrder cancels the open or confirmed order id, provided its stored
// version is still version, and returns it. A cancelled order owes
// nothing and takes no payments. An order with payments cannot be
// cancelled.
//
// Errors of the status changes: [ErrTransition] for a move
// [TransitionOrder] forbids or the cancellation of a paid order,
// [ErrConflict] for a stale version, [ErrNotFound] for a missing order;
// on any error nothing changes. Moving an order to the status it is in
// changes nothing.
func (c *Client) CancelOrder(ctx context.Context, id string, version int64) (*Order, error) {
	return c.setOrderStatus(ctx, id, version, OrderCancelled)
}

// setOrderStatus moves the order id at version to the status to.
func (c *Client) setOrderStatus(ctx context.Context, id string, version int64, to OrderStatus) (*Order, error) {
	now, by := c.now(), actorID(ctx)
	var out *Order
	err := c.store.RunInTx(ctx, func(tx Store) error {
		o, err := tx.FindOrderByID(ctx, id)
		if err != nil {
			return err
		}
		if o.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, o.Version, ErrConflict)
		}
		if o.Status == to {
			out = o
			return nil
		}
		if err := o.SetStatus(to); err != nil {
			return err
		}
		o.UpdatedAt, o.UpdatedBy = now, by
		if err := tx.UpdateOrder(ctx, o); err != nil {
			return err
		}
		out = o
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(fmt.Sprintf("%s order %s", to, id), err)
	}
	return out, nil
}

// RecordPayment records in, money received for the order in.OrderID, as
// a new payment with a fresh ID and Version 1, and adds it to the order's
// Paid, in one transaction. The payment takes the order's customer;
// ReceivedAt defaults to now. It leaves in untouched and returns the
// stored payment.
//
// The amount must be positive, in the order's currency and at most what
// is outstanding: an overpayment is refused, not kept as credit. Errors: a
// [*ValidationError] naming the bad fields; [ErrTransition] for a
// cancelled order; [ErrNotFound] for a missing order; [ErrConflict] when
// the order changed meanwhile (two payments at once: retry). On any error
// nothing changes.
func (c *Client) RecordPayment(ctx context.Context, in *Payment) (*Payment, error) {
	if in == nil {
		return nil, required("payment", "payment")
	}
	now, by := c.now(), actorID(ctx)
	p := in.Clone()
	p.OrderID = strings.TrimSpace(p.OrderID)
	p.Method = strings.TrimSpace(p.Method)
	p.Reference = strings.TrimSpace(p.Reference)
	p.Amount.Currency = strings.ToUpper(strings.TrimSpace(p.Amount.Currency))
	verr := &ValidationError{Entity: "payment"}
	if p.OrderID == "" {
		verr.add("order_id", "required")
	}
	switch err := p.Amount.Validate(); {
	case p.Amount.IsZero():
		verr.add("amount", "required")
	case err != nil:
		verr.add("amount", "%s", reason(err))
	case p.Amount.Sign() <= 0:
		verr.add("amount", "must be positive")
	}
	checkText(verr, "method", p.Method, maxPayMethodLen, false)
	checkText(verr, "reference", p.Reference, maxPayRefLen, false)
	if err := verr.err(); err != nil {
		return nil, err
	}
	if p.ReceivedAt = Timestamp(p.ReceivedAt); p.ReceivedAt.IsZero() {
		p.ReceivedAt = now
	}
	err := c.store.RunInTx(ctx, func(tx Store) error {
		o, err := tx.FindOrderByID(ctx, p.OrderID)
		if err != nil {
			return fmt.Errorf("order %s: %w", p.OrderID, err)
		}
		if err := o.ApplyPayment(p.Amount); err != nil {
			return err
		}
		p.ID, p.CustomerID = c.ids.NewID(), o.CustomerID
		p.CreatedAt, p.CreatedBy = now, by
		p.UpdatedAt, p.UpdatedBy = now, by
		p.Version = 1
		if err := tx.CreatePayment(ctx, p); err != nil {
			return err
		}
		o.UpdatedAt, o.UpdatedBy = now, by
		return tx.UpdateOrder(ctx, o) // the order's version makes concurrent payments conflict
	})
	if err != nil {
		return nil, wrapUnlessTyped("record payment for order "+p.OrderID, err)
	}
	return p.Clone(), nil
}

// ListPayments returns one page of the payments f selects, in ID order,
// and the cursor for the next page ("" after the last).
func (c *Client) ListPayments(ctx context.Context, f PaymentFilter) ([]*Payment, Cursor, error) {
	return listPage(ctx, "payment filter", "list payments", f, f.Limit, c.store.FindPayments)
}

// Payments iterates over every payment f selects, fetching page by page.
// An error ends the iteration after being yielded.
func (c *Client) Payments(ctx context.Context, f PaymentFilter) iter.Seq2[*Payment, error] {
	return pages(ctx, f, c.ListPayments, func(f *PaymentFilter, next Cursor) { f.After = next })
}

// OrderBalance returns the total, the amount paid and the amount
// outstanding of the order id, or an error matching [ErrNotFound].
func (c *Client) OrderBalance(ctx context.Context, id string) (OrderBalance, error) {
	o, err := c.store.FindOrderByID(ctx, id)
	if err != nil {
		return OrderBalance{}, fmt.Errorf("crm: order balance %s: %w", id, err)
	}
	return o.Balance(), nil
}

// CustomerBalance returns what the customer id owes: per currency, in
// ascending currency order, the outstanding balance of its orders that
// are not cancelled — its exposure, as the credit check counts it. It is
// summed by the store (in SQL stores, by the database). A customer that
// owes nothing gets an empty result; a missing customer an error matching
// [ErrNotFound].
func (c *Client) CustomerBalance(ctx context.Context, id string) ([]Money, error) {
	if _, err := c.store.FindCustomerByID(ctx, id); err != nil {
		return nil, fmt.Errorf("crm: customer balance %s: %w", id, err)
	}
	owed, err := c.store.CustomerExposure(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: customer balance %s: %w", id, err)
	}
	return owed, nil
}

// orderKind moves orders in a merge. The survivor's credit limit is not
// checked against the orders it takes over.
var orderKind = ChildKind{
	Name: "order",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := OrderFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindOrders, func(f *OrderFilter, c Cursor) { f.After = c }), func(o *Order) string { return o.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveOrders(ctx, fromID, toID, at, by)
	},
}

// paymentKind moves payments in a merge, with their orders.
var paymentKind = ChildKind{
	Name: "payment",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := PaymentFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindPayments, func(f *PaymentFilter, c Cursor) { f.After = c }), func(p *Payment) string { return p.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MovePayments(ctx, fromID, toID, at, by)
	},
}
