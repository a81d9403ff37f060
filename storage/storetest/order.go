package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// newOrder returns an open order ready to create, as the Client builds
// one: a new ID, one line of 2 × 10.00 EUR, the total and nothing paid,
// the timestamps and Version 1.
func newOrder(ids crm.IDGenerator, customerID string) *crm.Order {
	at := baseTime()
	return &crm.Order{
		ID:         ids.NewID(),
		CustomerID: customerID,
		Lines: []crm.OrderLine{{SKU: "SKU-1", Quantity: decimal.NewFromInt(2),
			UnitPrice: crm.MustMoney("10.00", "EUR")}},
		Total:     crm.MustMoney("20.00", "EUR"),
		Paid:      crm.MustMoney("0", "EUR"),
		Status:    crm.OrderOpen,
		OrderedAt: at,
		CreatedAt: at, CreatedBy: "u-test",
		UpdatedAt: at, UpdatedBy: "u-test",
		Version: 1,
	}
}

// fullOrder returns an order with every field set, its amounts beyond
// what a float64 keeps and its times with nanoseconds in another zone.
func fullOrder(id, customerID, opportunityID string) *crm.Order {
	return &crm.Order{
		ID:            id,
		Number:        "PO-2024-0042",
		CustomerID:    customerID,
		OpportunityID: opportunityID,
		Lines: []crm.OrderLine{
			{SKU: "SEAT", Description: "Annual seat — Ålesund", Quantity: decimal.RequireFromString("3.5000"),
				UnitPrice: crm.MustMoney("1234567890.4500", "EUR"), Discount: crm.MustMoney("0.0100", "EUR")},
			{SKU: "", Description: "Onboarding", Quantity: decimal.RequireFromString("1"),
				UnitPrice: crm.MustMoney("0", "EUR")},
		},
		Total:     crm.MustMoney("4320987616.5650", "EUR"),
		Paid:      crm.MustMoney("1000.1000", "EUR"),
		Status:    crm.OrderConfirmed,
		OrderedAt: fineTime(40),
		CreatedAt: fineTime(41), CreatedBy: "u-ann",
		UpdatedAt: fineTime(42), UpdatedBy: "u-bob",
		Version: 1,
	}
}

// newPayment returns a payment of amount for order o, ready to create.
func newPayment(ids crm.IDGenerator, o *crm.Order, amount string) *crm.Payment {
	at := baseTime()
	return &crm.Payment{
		ID: ids.NewID(), OrderID: o.ID, CustomerID: o.CustomerID,
		Amount: crm.MustMoney(amount, o.Total.Currency), ReceivedAt: at, Method: "transfer",
		CreatedAt: at, CreatedBy: "u-test", UpdatedAt: at, UpdatedBy: "u-test", Version: 1,
	}
}

func mustCreateOrder(tb testing.TB, s crm.Store, o *crm.Order) {
	tb.Helper()
	require.NoError(tb, s.CreateOrder(tb.Context(), o.Clone()), "CreateOrder %s", o.ID)
}

func mustCreatePayment(tb testing.TB, s crm.Store, p *crm.Payment) {
	tb.Helper()
	require.NoError(tb, s.CreatePayment(tb.Context(), p.Clone()), "CreatePayment %s", p.ID)
}

func assertOrderEqual(tb testing.TB, want, got *crm.Order, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "order", want, got, msgAndArgs...)
}

func assertStoredOrder(tb testing.TB, s crm.Store, want *crm.Order, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindOrderByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertOrderEqual(tb, want, got, msgAndArgs...)
}

func allOrders(tb testing.TB, s crm.Store, f crm.OrderFilter) []*crm.Order {
	tb.Helper()
	return allPages(tb, "FindOrders", s.FindOrders, f, func(f *crm.OrderFilter, c crm.Cursor) { f.After = c })
}

func orderIDs(os []*crm.Order) []string {
	ids := []string{}
	for _, o := range os {
		ids = append(ids, o.ID)
	}
	return ids
}

func paymentIDs(ps []*crm.Payment) []string {
	ids := []string{}
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func orderLister(s crm.Store, f crm.OrderFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindOrders(ctx, f)
		return orderIDs(page), next, err
	}
}

func paymentLister(s crm.Store, f crm.PaymentFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindPayments(ctx, f)
		return paymentIDs(page), next, err
	}
}

// assertExposure checks CustomerExposure of customerID against want,
// amounts as "1.50 EUR", in currency order.
func assertExposure(tb testing.TB, s crm.Store, customerID string, want []string, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.CustomerExposure(tb.Context(), customerID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	if !assert.Len(tb, got, len(want), msgAndArgs...) {
		return false
	}
	ok := true
	for i, w := range want {
		m, err := crm.ParseMoney(w)
		require.NoError(tb, err)
		ok = assert.Equal(tb, m.Currency, got[i].Currency, msgAndArgs...) && ok
		ok = assertDecimalEqual(tb, m.Amount, got[i].Amount, msgAndArgs...) && ok
	}
	return ok
}

func testOrderRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	want := fullOrder(ids.NewID(), fx.customer.ID, ids.NewID())
	mustCreateOrder(t, s, want)

	got, err := s.FindOrderByID(t.Context(), want.ID)
	require.NoError(t, err)
	assertOrderEqual(t, want, got, "FindOrderByID")
	require.Len(t, got.Lines, 2)
	assertDecimalEqual(t, decimal.RequireFromString("1234567890.45"), got.Lines[0].UnitPrice.Amount, "Lines[0].UnitPrice")
	assert.Equal(t, "EUR", got.Lines[0].UnitPrice.Currency)
	assertDecimalEqual(t, decimal.RequireFromString("4320987616.565"), got.Total.Amount, "Total")
	assert.True(t, got.Lines[1].Discount.IsZero(), "no discount: the zero Money, got %+v", got.Lines[1].Discount)
	assert.Equal(t, "UTC", got.OrderedAt.Location().String())

	list := allOrders(t, s, crm.OrderFilter{})
	if assert.Len(t, list, 1) {
		assertOrderEqual(t, want, list[0], "FindOrders")
	}
}

func testOrderZeroValues(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	want := &crm.Order{ID: ids.NewID(), CustomerID: fx.customer.ID, Status: crm.OrderOpen, Version: 1}
	mustCreateOrder(t, s, want)
	assertStoredOrder(t, s, want)
	assertExposure(t, s, fx.customer.ID, nil, "an order of nothing owes nothing")
}

func testOrderNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	present := newOrder(ids, fx.customer.ID)
	mustCreateOrder(t, s, present)

	_, err := s.FindOrderByID(ctx, ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindOrderByID of a missing ID")
	orphan := newOrder(ids, ids.NewID())
	assert.ErrorIs(t, s.CreateOrder(ctx, orphan), crm.ErrNotFound, "CreateOrder for a missing customer")
	_, err = s.FindOrderByID(ctx, orphan.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a refused order must not be stored")

	ghost := newOrder(ids, fx.customer.ID)
	assert.ErrorIs(t, s.UpdateOrder(ctx, ghost), crm.ErrNotFound, "UpdateOrder of a missing ID")
	assert.EqualValues(t, 1, ghost.Version)
	moved := present.Clone()
	moved.CustomerID = ids.NewID()
	assert.ErrorIs(t, s.UpdateOrder(ctx, moved), crm.ErrNotFound, "UpdateOrder to a missing customer")
	assertStoredOrder(t, s, present, "after the refused updates")

	pay := newPayment(ids, ghost, "1")
	assert.ErrorIs(t, s.CreatePayment(ctx, pay), crm.ErrNotFound, "CreatePayment for a missing order")
	pay = newPayment(ids, present, "1")
	pay.CustomerID = ids.NewID()
	assert.ErrorIs(t, s.CreatePayment(ctx, pay), crm.ErrNotFound, "CreatePayment for a missing customer")
	page, _, err := s.FindPayments(ctx, crm.PaymentFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "refused payments must not be stored")
}

func testOrderDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	original := newOrder(ids, fx.customer.ID)
	mustCreateOrder(t, s, original)
	dup := fullOrder(original.ID, fx.customer.ID, "")
	assert.ErrorIs(t, s.CreateOrder(t.Context(), dup), crm.ErrDuplicate, "CreateOrder with an ID in use")
	assertStoredOrder(t, s, original, "after the refused duplicate")

	pay := newPayment(ids, original, "5")
	mustCreatePayment(t, s, pay)
	again := newPayment(crm.IDGeneratorFunc(func() string { return pay.ID }), original, "7")
	assert.ErrorIs(t, s.CreatePayment(t.Context(), again), crm.ErrDuplicate, "CreatePayment with an ID in use")
	page, _, err := s.FindPayments(t.Context(), crm.PaymentFilter{})
	require.NoError(t, err)
	if assert.Len(t, page, 1) {
		assertRecordEqual(t, "payment", pay, page[0])
	}
}

// testOrderUpdate replaces an order's fields and lines, then checks the
// version rule.
func testOrderUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	other := newCustomer(ids, "Other")
	mustCreateCustomer(t, s, other)
	o := fullOrder(ids.NewID(), fx.customer.ID, "")
	mustCreateOrder(t, s, o)

	u := o.Clone()
	u.Status = crm.OrderFulfilled
	u.Paid = crm.MustMoney("4320987616.5650", "EUR")
	u.UpdatedAt, u.UpdatedBy = fineTime(50), "u-carol"
	require.NoError(t, s.UpdateOrder(ctx, u), "UpdateOrder of status and paid")
	assert.EqualValues(t, 2, u.Version)
	assertStoredOrder(t, s, u, "after the status change")

	u.CustomerID = other.ID
	u.Lines = []crm.OrderLine{{SKU: "NEW", Quantity: decimal.RequireFromString("0.0001"),
		UnitPrice: crm.MustMoney("999999999999.9999", "EUR"), Discount: crm.MustMoney("0.0001", "EUR")}}
	u.Number, u.OpportunityID = "", "deal-x"
	require.NoError(t, s.UpdateOrder(ctx, u), "UpdateOrder of lines and customer")
	assert.EqualValues(t, 3, u.Version)
	assertStoredOrder(t, s, u, "after the lines were replaced")
	assert.Empty(t, allOrders(t, s, crm.OrderFilter{CustomerIDs: []string{fx.customer.ID}}), "the order left its customer")

	stale := u.Clone()
	stale.Version = 2
	stale.Status = crm.OrderCancelled
	assert.ErrorIs(t, s.UpdateOrder(ctx, stale), crm.ErrConflict, "UpdateOrder with a stale version")
	assert.EqualValues(t, 2, stale.Version, "a failed UpdateOrder must leave the Version passed in")
	assertStoredOrder(t, s, u, "after the stale update")
}

// testOrderCopies checks that neither the order passed in nor the one
// returned shares its lines with the store.
func testOrderCopies(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	want := fullOrder(ids.NewID(), fx.customer.ID, "")
	in := want.Clone()
	require.NoError(t, s.CreateOrder(t.Context(), in))
	in.Lines[0].SKU, in.Lines[0].Quantity = "CHANGED", decimal.NewFromInt(99)
	got, err := s.FindOrderByID(t.Context(), want.ID)
	require.NoError(t, err)
	got.Lines[1].Description = "scribbled"
	got.Lines = append(got.Lines, crm.OrderLine{SKU: "extra"})
	assertStoredOrder(t, s, want, "after scribbling on the values passed in and returned")
	list := allOrders(t, s, crm.OrderFilter{})
	require.Len(t, list, 1)
	list[0].Lines[0].UnitPrice.Amount = decimal.NewFromInt(1)
	assertStoredOrder(t, s, want, "after scribbling on a listed value")
}

// orderFixture is a set of orders for the filter checks: three customers,
// two deals, every status, ordered on different days of June 2025.
type orderFixture struct {
	customers map[string]string // name → ID
	orders    map[string]string // name → ID
}

func testOrderFilter(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := &orderFixture{customers: map[string]string{}, orders: map[string]string{}}
	for _, name := range []string{"A", "B", "C"} {
		c := newCustomer(ids, name)
		mustCreateCustomer(t, s, c)
		fx.customers[name] = c.ID
	}
	type spec struct {
		name, customer, deal string
		status               crm.OrderStatus
		day                  int
	}
	specs := []spec{
		{"a1", "A", "D1", crm.OrderOpen, 1},
		{"a2", "A", "", crm.OrderFulfilled, 15},
		{"b1", "B", "D2", crm.OrderCancelled, 14},
		{"b2", "B", "D2", crm.OrderConfirmed, 20},
		{"c1", "C", "", crm.OrderOpen, 30},
	}
	for _, sp := range specs {
		o := newOrder(ids, fx.customers[sp.customer])
		o.OpportunityID, o.Status, o.OrderedAt = sp.deal, sp.status, june(sp.day).Add(9*time.Hour)
		mustCreateOrder(t, s, o)
		fx.orders[sp.name] = o.ID
	}
	names := func(os []*crm.Order) []string {
		out := []string{}
		for _, o := range os {
			for n, id := range fx.orders {
				if id == o.ID {
					out = append(out, n)
				}
			}
		}
		return out
	}
	type f = crm.OrderFilter
	cases := []struct {
		name   string
		filter f
		want   []string
	}{
		{"None", f{}, []string{"a1", "a2", "b1", "b2", "c1"}},
		{"CustomerIDs", f{CustomerIDs: []string{fx.customers["A"]}}, []string{"a1", "a2"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{fx.customers["C"], fx.customers["A"]}}, []string{"a1", "a2", "c1"}},
		{"OpportunityIDs", f{OpportunityIDs: []string{"D2"}}, []string{"b1", "b2"}},
		{"OpportunityIDs/None", f{OpportunityIDs: []string{""}}, []string{"a2", "c1"}},
		{"Statuses", f{Statuses: []crm.OrderStatus{crm.OrderOpen, crm.OrderConfirmed}}, []string{"a1", "b2", "c1"}},
		{"OrderedFrom", f{OrderedFrom: june(15).Add(9 * time.Hour)}, []string{"a2", "b2", "c1"}},
		{"OrderedFrom/OtherZone", f{OrderedFrom: june(15).Add(9 * time.Hour).In(offsetZone())}, []string{"a2", "b2", "c1"}},
		{"OrderedBefore", f{OrderedBefore: june(15).Add(9 * time.Hour)}, []string{"a1", "b1"}},
		{"OrderedBefore/JustAfter", f{OrderedBefore: june(15).Add(9*time.Hour + time.Microsecond)}, []string{"a1", "a2", "b1"}},
		{"Combined", f{CustomerIDs: []string{fx.customers["B"]}, Statuses: []crm.OrderStatus{crm.OrderConfirmed}, OrderedFrom: june(2)}, []string{"b2"}},
		{"NoneMatch", f{CustomerIDs: []string{fx.customers["C"]}, Statuses: []crm.OrderStatus{crm.OrderCancelled}}, []string{}},
	}
	all := allOrders(t, s, crm.OrderFilter{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := allOrders(t, s, tc.filter)
			assert.Equal(t, tc.want, names(got), "FindOrders %+v", tc.filter)
			var matched []string
			for _, o := range all {
				if tc.filter.Match(o) {
					matched = append(matched, o.ID)
				}
			}
			assert.Equal(t, orderIDs(got), append([]string{}, matched...), "OrderFilter.Match must agree with the store")
		})
	}
}

func testOrderPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	b := newCustomer(ids, "Buyer B")
	mustCreateCustomer(t, s, b)
	all := newIDs(t, ids, 40)
	ofB := createSplit(all, func(_ int, id string, toB bool) {
		o := newOrder(crm.IDGeneratorFunc(func() string { return id }), fx.customer.ID)
		if toB {
			o.CustomerID = b.ID
		}
		mustCreateOrder(t, s, o)
	})
	assert.Equal(t, all, walkPages(t, orderLister(s, crm.OrderFilter{}), 7, nil), "every order in pages of 7")
	assert.Equal(t, ofB, walkPages(t, orderLister(s, crm.OrderFilter{CustomerIDs: []string{b.ID}}), 3, nil), "B's orders in pages of 3")
	_, _, err := s.FindOrders(t.Context(), crm.OrderFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "a negative Limit")
}

func testOrderTxRollback(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	o := newOrder(ids, fx.customer.ID)
	boom := errors.New("boom")
	err := s.RunInTx(t.Context(), func(tx crm.Store) error {
		require.NoError(t, tx.CreateOrder(t.Context(), o.Clone()))
		require.NoError(t, tx.CreatePayment(t.Context(), newPayment(ids, o, "3")))
		got, err := tx.FindOrderByID(t.Context(), o.ID)
		require.NoError(t, err, "the order is seen inside its transaction")
		assertOrderEqual(t, o, got)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.FindOrderByID(t.Context(), o.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a rolled-back order must not be stored")
	page, _, err := s.FindPayments(t.Context(), crm.PaymentFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "a rolled-back payment must not be stored")
}

// testOrderMove re-points the orders and payments of one customer to
// another, as a merge does.
func testOrderMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	from, to, bystander := newCustomer(ids, "From"), newCustomer(ids, "To"), newCustomer(ids, "Bystander")
	for _, c := range []*crm.Customer{from, to, bystander} {
		mustCreateCustomer(t, s, c)
	}
	o1, o2, o3 := newOrder(ids, from.ID), newOrder(ids, from.ID), newOrder(ids, bystander.ID)
	for _, o := range []*crm.Order{o1, o2, o3} {
		mustCreateOrder(t, s, o)
	}
	p1, p3 := newPayment(ids, o1, "5"), newPayment(ids, o3, "6")
	mustCreatePayment(t, s, p1)
	mustCreatePayment(t, s, p3)
	at := fineTime(55)

	n, err := s.MoveOrders(ctx, from.ID, to.ID, at, "u-merge")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "orders moved")
	n, err = s.MovePayments(ctx, from.ID, to.ID, at, "u-merge")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "payments moved")
	for _, o := range []*crm.Order{o1, o2} {
		want := o.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = to.ID, at, "u-merge", 2
		assertStoredOrder(t, s, want, "a moved order")
	}
	assertStoredOrder(t, s, o3, "the bystander's order is untouched")
	assert.Equal(t, []string{o1.ID, o2.ID}, orderIDs(allOrders(t, s, crm.OrderFilter{CustomerIDs: []string{to.ID}})))
	assert.Empty(t, allOrders(t, s, crm.OrderFilter{CustomerIDs: []string{from.ID}}))
	page, _, err := s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{to.ID}})
	require.NoError(t, err)
	if assert.Len(t, page, 1) {
		want := p1.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = to.ID, at, "u-merge", 2
		assertRecordEqual(t, "payment", want, page[0])
	}
	assertExposure(t, s, to.ID, []string{"40 EUR"}, "the exposure moves with the orders")
	assertExposure(t, s, from.ID, nil)

	_, err = s.MoveOrders(ctx, to.ID, ids.NewID(), at, "u-merge")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveOrders to a missing customer")
	_, err = s.MovePayments(ctx, to.ID, ids.NewID(), at, "u-merge")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MovePayments to a missing customer")

	// One payment goes back by its ID, as an undone merge hands it back;
	// the other payment of its customer stays.
	moved := o2.Clone()
	moved.CustomerID = to.ID
	own := newPayment(ids, moved, "7")
	mustCreatePayment(t, s, own)
	back := fineTime(56)
	assert.ErrorIs(t, s.MovePayment(ctx, p1.ID, 1, from.ID, back, "u-undo"), crm.ErrConflict, "MovePayment at a stale version")
	assert.ErrorIs(t, s.MovePayment(ctx, ids.NewID(), 2, from.ID, back, "u-undo"), crm.ErrNotFound, "MovePayment of a missing payment")
	assert.ErrorIs(t, s.MovePayment(ctx, p1.ID, 2, ids.NewID(), back, "u-undo"), crm.ErrNotFound, "MovePayment to a missing customer")
	require.NoError(t, s.MovePayment(ctx, p1.ID, 2, from.ID, back, "u-undo"))
	page, _, err = s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{from.ID}})
	require.NoError(t, err)
	if assert.Len(t, page, 1, "the payment moved back") {
		want := p1.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = from.ID, back, "u-undo", 3
		assertRecordEqual(t, "payment", want, page[0])
	}
	page, _, err = s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{to.ID}})
	require.NoError(t, err)
	if assert.Len(t, page, 1, "the customer's own payment stays") {
		assertRecordEqual(t, "payment", own, page[0])
	}
}

// testPaymentRoundTrip stores payments and lists them by order, by
// customer and in pages.
func testPaymentRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	o1, o2 := fullOrder(ids.NewID(), fx.customer.ID, ""), newOrder(ids, fx.customer.ID)
	mustCreateOrder(t, s, o1)
	mustCreateOrder(t, s, o2)
	full := newPayment(ids, o1, "1234567890.4500")
	full.ReceivedAt, full.CreatedAt, full.UpdatedAt = fineTime(60), fineTime(61), fineTime(62)
	full.Method, full.Reference = "card", "REF/Ø-1"
	mustCreatePayment(t, s, full)
	var ofO2 []string
	for i := range 12 {
		p := newPayment(ids, o2, fmt.Sprintf("0.%04d", i+1))
		p.Method = ""
		mustCreatePayment(t, s, p)
		ofO2 = append(ofO2, p.ID)
	}
	page, _, err := s.FindPayments(t.Context(), crm.PaymentFilter{OrderIDs: []string{o1.ID}})
	require.NoError(t, err)
	if assert.Len(t, page, 1) {
		assertRecordEqual(t, "payment", full, page[0])
		assertDecimalEqual(t, decimal.RequireFromString("1234567890.45"), page[0].Amount.Amount)
	}
	assert.Equal(t, ofO2, walkPages(t, paymentLister(s, crm.PaymentFilter{OrderIDs: []string{o2.ID}}), 5, nil), "o2's payments in pages of 5")
	assert.Equal(t, append([]string{full.ID}, ofO2...),
		walkPages(t, paymentLister(s, crm.PaymentFilter{CustomerIDs: []string{fx.customer.ID}}), 4, nil), "the customer's payments")
	assert.Equal(t, []string{}, walkPages(t, paymentLister(s, crm.PaymentFilter{OrderIDs: []string{o2.ID}, CustomerIDs: []string{"nobody"}}), 0, nil))
}

// testOrderExposure checks the per-currency sum of what a customer owes:
// exact beyond a float's precision, cancelled orders left out, paid-up
// currencies left out, other customers' orders left out.
func testOrderExposure(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	a, b := newCustomer(ids, "A"), newCustomer(ids, "B")
	mustCreateCustomer(t, s, a)
	mustCreateCustomer(t, s, b)
	add := func(c *crm.Customer, status crm.OrderStatus, total, paid string) {
		o := newOrder(ids, c.ID)
		var err error
		o.Status = status
		o.Total, err = crm.ParseMoney(total)
		require.NoError(t, err)
		o.Paid, err = crm.ParseMoney(paid)
		require.NoError(t, err)
		mustCreateOrder(t, s, o)
	}
	assertExposure(t, s, a.ID, nil, "no orders")
	add(a, crm.OrderOpen, "9999999999999.9999 EUR", "0.0001 EUR")
	add(a, crm.OrderConfirmed, "9999999999999.9999 EUR", "0 EUR")
	add(a, crm.OrderFulfilled, "0.0003 EUR", "0.0001 EUR")
	add(a, crm.OrderCancelled, "500 EUR", "0 EUR")
	add(a, crm.OrderOpen, "100 JPY", "100 JPY")
	add(a, crm.OrderOpen, "12.34 USD", "2.34 USD")
	add(b, crm.OrderOpen, "77 EUR", "0 EUR")
	assertExposure(t, s, a.ID, []string{"19999999999999.9999 EUR", "10.00 USD"})
	assertExposure(t, s, b.ID, []string{"77 EUR"})
	assertExposure(t, s, "no-such-customer", nil)

	err := s.RunInTx(t.Context(), func(tx crm.Store) error {
		got, err := tx.CustomerExposure(t.Context(), b.ID)
		require.NoError(t, err, "CustomerExposure inside a transaction")
		assert.Len(t, got, 1)
		return nil
	})
	require.NoError(t, err)
}

// testOrderCreditConcurrent places orders for one customer with a credit
// limit from several goroutines at once, through a Client, retrying on
// conflicts: exactly as many pass as the limit allows, never more.
func testOrderCreditConcurrent(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Limited", CreditLimit: crm.MustMoney("100.00", "EUR")})
	require.NoError(t, err)
	count := concurrently(t, 8, crm.ErrCreditLimit, func(int) error {
		_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, Lines: []crm.OrderLine{{SKU: "X",
			Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("30.00", "EUR")}}})
		return err
	})
	assert.Equal(t, 3, count, "orders of 30.00 that fit a limit of 100.00")
	assertExposure(t, s, cust.ID, []string{"90.00 EUR"}, "the exposure stays within the limit")
}

// assertCanceledCalls checks that each of calls fails with an error
// matching context.Canceled when given a cancelled context, outside a
// transaction and inside one whose context ends, and that the
// transaction then fails alike.
func assertCanceledCalls(t *testing.T, s crm.Store, calls map[string]func(ctx context.Context, s crm.Store) error) {
	t.Helper()
	for name, call := range calls {
		assert.ErrorIs(t, call(canceled(t), s), context.Canceled, name)
	}
	ctx, cancel := context.WithCancel(t.Context())
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		cancel()
		for name, call := range calls {
			assert.ErrorIs(t, call(ctx, tx), context.Canceled, name+" in a transaction")
		}
		return nil
	})
	assert.ErrorIs(t, err, context.Canceled, "RunInTx whose context ended")
}

// testOrderContextCanceled calls every order and payment method with a
// cancelled context, outside and inside a transaction: each fails with
// an error matching context.Canceled, and nothing changes.
func testOrderContextCanceled(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	target := newCustomer(ids, "Target")
	mustCreateCustomer(t, s, target)
	o := newOrder(ids, fx.customer.ID)
	mustCreateOrder(t, s, o)
	calls := map[string]func(ctx context.Context, s crm.Store) error{
		"CreateOrder": func(ctx context.Context, s crm.Store) error { return s.CreateOrder(ctx, newOrder(ids, fx.customer.ID)) },
		"FindOrderByID": func(ctx context.Context, s crm.Store) error {
			_, err := s.FindOrderByID(ctx, o.ID)
			return err
		},
		"FindOrders": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindOrders(ctx, crm.OrderFilter{})
			return err
		},
		"UpdateOrder": func(ctx context.Context, s crm.Store) error {
			u := o.Clone()
			u.Status = crm.OrderCancelled
			return s.UpdateOrder(ctx, u)
		},
		"MoveOrders": func(ctx context.Context, s crm.Store) error {
			_, err := s.MoveOrders(ctx, fx.customer.ID, target.ID, fineTime(70), "u-dead")
			return err
		},
		"CustomerExposure": func(ctx context.Context, s crm.Store) error {
			_, err := s.CustomerExposure(ctx, fx.customer.ID)
			return err
		},
		"CreatePayment": func(ctx context.Context, s crm.Store) error { return s.CreatePayment(ctx, newPayment(ids, o, "1")) },
		"FindPayments": func(ctx context.Context, s crm.Store) error {
			_, _, err := s.FindPayments(ctx, crm.PaymentFilter{})
			return err
		},
		"MovePayments": func(ctx context.Context, s crm.Store) error {
			_, err := s.MovePayments(ctx, fx.customer.ID, target.ID, fineTime(70), "u-dead")
			return err
		},
		"MovePayment": func(ctx context.Context, s crm.Store) error {
			return s.MovePayment(ctx, ids.NewID(), 1, target.ID, fineTime(70), "u-dead")
		},
	}
	assertCanceledCalls(t, s, calls)
	assertStoredOrder(t, s, o, "after the calls under a dead context")
	assert.Equal(t, []string{o.ID}, orderIDs(allOrders(t, s, crm.OrderFilter{})))
	page, _, err := s.FindPayments(t.Context(), crm.PaymentFilter{})
	require.NoError(t, err)
	assert.Empty(t, page)
}
