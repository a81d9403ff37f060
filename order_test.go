package crm_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// qty parses a quantity.
func qty(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// line returns an order line of n units of sku at price ("19.99 EUR").
func line(sku, n, price string) crm.OrderLine {
	p, err := crm.ParseMoney(price)
	if err != nil {
		panic(err)
	}
	return crm.OrderLine{SKU: sku, Quantity: qty(n), UnitPrice: p}
}

// orderSetup returns a Client, its clock, a context acting as "ann" and
// a customer with the credit limit limit ("" for none).
func orderSetup(t *testing.T, limit string) (*crm.Client, *testClock, context.Context, *crm.Customer) {
	t.Helper()
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	cust := &crm.Customer{Name: "Acme Ltd"}
	if limit != "" {
		m, err := crm.ParseMoney(limit)
		require.NoError(t, err)
		cust.CreditLimit = m
	}
	return c, clock, ctx, mustCreate(t, c, ctx, cust)
}

// mustOrder creates an order of lines for customerID or fails the test.
func mustOrder(t *testing.T, c *crm.Client, ctx context.Context, customerID string, lines ...crm.OrderLine) *crm.Order {
	t.Helper()
	o, err := c.CreateOrder(ctx, &crm.Order{CustomerID: customerID, Lines: lines})
	require.NoError(t, err)
	return o
}

// requireBalance checks a customer's balance, amounts as "1.50 EUR" in
// currency order.
func requireBalance(t *testing.T, c *crm.Client, ctx context.Context, customerID string, want ...string) {
	t.Helper()
	got, err := c.CustomerBalance(ctx, customerID)
	require.NoError(t, err)
	require.Len(t, got, len(want), "balance %v", got)
	for i, w := range want {
		requireMoney(t, w, got[i])
	}
}

func TestOrderLine_Total(t *testing.T) {
	for _, tc := range []struct {
		name string
		line crm.OrderLine
		want string
	}{
		{"whole", line("A", "3", "19.99 EUR"), "59.97 EUR"},
		{"fractional quantity", line("A", "0.3333", "3.00 EUR"), "0.9999 EUR"},
		{"discount", crm.OrderLine{Quantity: qty("3"), UnitPrice: crm.MustMoney("19.99", "EUR"), Discount: crm.MustMoney("0.97", "EUR")}, "59.00 EUR"},
		{"beyond a float", line("A", "7", "1234567890123.4567 USD"), "8641975230864.1969 USD"},
		{"free", line("A", "2", "0 GBP"), "0 GBP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.line.Total()
			require.NoError(t, err)
			requireMoney(t, tc.want, got)
		})
	}
	_, err := crm.OrderLine{Quantity: qty("1"), UnitPrice: crm.MustMoney("1", "EUR"), Discount: crm.MustMoney("1", "USD")}.Total()
	assert.ErrorIs(t, err, crm.ErrInvalid, "a discount in another currency")
}

func TestTransitionOrder(t *testing.T) {
	open, conf, done, gone := crm.OrderOpen, crm.OrderConfirmed, crm.OrderFulfilled, crm.OrderCancelled
	for _, tc := range []struct {
		from, to crm.OrderStatus
		want     error
	}{
		{open, conf, nil}, {open, done, nil}, {open, gone, nil}, {open, open, nil},
		{conf, done, nil}, {conf, gone, nil}, {conf, open, crm.ErrTransition},
		{done, gone, crm.ErrTransition}, {done, open, crm.ErrTransition}, {done, done, nil},
		{gone, open, crm.ErrTransition}, {gone, conf, crm.ErrTransition}, {gone, done, crm.ErrTransition},
		{open, "shipped", crm.ErrInvalid}, {"", open, crm.ErrInvalid},
	} {
		t.Run(string(tc.from)+"→"+string(tc.to), func(t *testing.T) {
			err := crm.TransitionOrder(tc.from, tc.to)
			if tc.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tc.want)
			}
		})
	}
}

func TestCheckCredit(t *testing.T) {
	eur := func(s string) crm.Money { return crm.MustMoney(s, "EUR") }
	for _, tc := range []struct {
		name      string
		limit     crm.Money
		exposure  []crm.Money
		order     crm.Money
		shortfall string // "" when the order passes
	}{
		{"no limit", crm.Money{}, []crm.Money{eur("1000000")}, eur("5"), ""},
		{"within", eur("100"), []crm.Money{eur("60")}, eur("39.99"), ""},
		{"exactly at the limit", eur("100"), []crm.Money{eur("60")}, eur("40.00"), ""},
		{"a cent over", eur("100"), []crm.Money{eur("60")}, eur("40.01"), "0.01 EUR"},
		{"other currencies not counted", eur("100"), []crm.Money{crm.MustMoney("900", "USD")}, eur("100"), ""},
		{"no exposure", eur("100"), nil, eur("100.0001"), "0.0001 EUR"},
		{"order in another currency", eur("100"), nil, crm.MustMoney("1", "USD"), "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := crm.CheckCredit("c-1", tc.limit, tc.exposure, tc.order)
			if tc.shortfall == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, crm.ErrCreditLimit)
			var cerr *crm.CreditLimitError
			require.True(t, errors.As(err, &cerr), "a *CreditLimitError: %v", err)
			assert.Equal(t, "c-1", cerr.CustomerID)
			assert.True(t, tc.order.Equal(cerr.Order))
			if tc.shortfall == "-" {
				assert.True(t, cerr.Shortfall.IsZero())
				assert.Contains(t, err.Error(), "without a conversion")
				return
			}
			requireMoney(t, tc.shortfall, cerr.Shortfall)
		})
	}
}

func TestClient_CreateOrder(t *testing.T) {
	c, clock, ctx, acme := orderSetup(t, "")
	o, err := c.CreateOrder(ctx, &crm.Order{
		Number:     " PO-17 ",
		CustomerID: acme.ID,
		Lines: []crm.OrderLine{
			{SKU: " SEAT ", Description: "Annual seat", Quantity: qty("3"), UnitPrice: crm.MustMoney("19.99", "eur"), Discount: crm.MustMoney("0.97", "EUR")},
			{Description: "Training hours", Quantity: qty("2.5"), UnitPrice: crm.MustMoney("80.10", "EUR"), Discount: crm.MustMoney("0", "EUR")},
		},
		Total:  crm.MustMoney("1", "EUR"), // ignored
		Paid:   crm.MustMoney("1", "EUR"), // ignored
		Status: crm.OrderConfirmed,
	})
	require.NoError(t, err)
	requireMoney(t, "259.25 EUR", o.Total) // 59.00 + 200.25
	requireMoney(t, "0 EUR", o.Paid)
	assert.Equal(t, "PO-17", o.Number)
	assert.Equal(t, "SEAT", o.Lines[0].SKU)
	assert.Equal(t, "EUR", o.Lines[0].UnitPrice.Currency)
	assert.True(t, o.Lines[1].Discount.IsZero(), "a zero discount is no discount")
	assert.Equal(t, crm.OrderConfirmed, o.Status)
	assert.True(t, o.OrderedAt.Equal(t0), "OrderedAt defaults to now")
	assert.Equal(t, "ann", o.CreatedBy)
	assert.EqualValues(t, 1, o.Version)

	got, err := c.GetOrder(ctx, o.ID)
	require.NoError(t, err)
	requireMoney(t, "259.25 EUR", got.Total)
	bal, err := c.OrderBalance(ctx, o.ID)
	require.NoError(t, err)
	requireMoney(t, "259.25 EUR", bal.Outstanding)
	requireBalance(t, c, ctx, acme.ID, "259.25 EUR")

	clock.Advance(time.Hour)
	o2 := mustOrder(t, c, ctx, acme.ID, line("X", "1", "5 USD"))
	var ids []string
	for o, err := range c.Orders(ctx, crm.OrderFilter{CustomerIDs: []string{acme.ID}, Limit: 1}) {
		require.NoError(t, err)
		ids = append(ids, o.ID)
	}
	assert.Equal(t, []string{o.ID, o2.ID}, ids, "Orders pages through them all")
	requireBalance(t, c, ctx, acme.ID, "259.25 EUR", "5.00 USD")
	_, _, err = c.ListOrders(ctx, crm.OrderFilter{Limit: -1})
	assert.Equal(t, "must be between 0 and 1000", fieldErr(t, err, "limit"))
}

func TestClient_CreateOrder_invalid(t *testing.T) {
	c, _, ctx, acme := orderSetup(t, "")
	ok := line("A", "1", "10 EUR")
	for _, tc := range []struct {
		name  string
		order crm.Order
		want  map[string]string // field → part of the reason
	}{
		{"nothing", crm.Order{}, map[string]string{"customer_id": "required", "lines": "at least one line"}},
		{"bad lines", crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{
			{Quantity: qty("0"), UnitPrice: crm.MustMoney("-1", "EUR")},
			{SKU: "B", Quantity: qty("1.00001"), UnitPrice: crm.MustMoney("1", "USD")},
			{SKU: "C", Quantity: qty("2"), UnitPrice: crm.MustMoney("1", "EUR"), Discount: crm.MustMoney("2.01", "EUR")},
			{SKU: "D", Quantity: qty("1")},
			{SKU: "E", Quantity: qty("1"), UnitPrice: crm.MustMoney("1", "EUR"), Discount: crm.MustMoney("1", "GBP")},
		}}, map[string]string{
			"lines[0].sku":        "required unless",
			"lines[0].quantity":   "positive",
			"lines[0].unit_price": "negative",
			"lines[1].quantity":   "4 decimal places",
			"lines[1].unit_price": "the order is in EUR",
			"lines[2].discount":   "exceeds",
			"lines[3].unit_price": "required",
			"lines[4].discount":   "GBP",
		}},
		{"mixed currencies name the line", crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{ok, line("B", "1", "1 USD")}},
			map[string]string{"lines[1].unit_price": "in USD; the order is in EUR (lines[0])"}},
		{"total too large", crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{line("A", "2", "9000000000000000 EUR")}},
			map[string]string{"lines[0].quantity": "10^16"}},
		{"status", crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{ok}, Status: crm.OrderFulfilled},
			map[string]string{"status": "starts open or confirmed"}},
		{"opportunity of another customer", crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{ok}, OpportunityID: "deal"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateOrder(ctx, &tc.order)
			require.Error(t, err)
			if tc.want == nil {
				assert.ErrorIs(t, err, crm.ErrNotFound)
				return
			}
			require.ErrorIs(t, err, crm.ErrInvalid)
			var verr *crm.ValidationError
			require.True(t, errors.As(err, &verr))
			assert.Len(t, verr.Fields, len(tc.want), "every bad field and only those: %v", err)
			for field, reason := range tc.want {
				assert.Contains(t, fieldErr(t, err, field), reason)
			}
		})
	}
	page, _, err := c.ListOrders(ctx, crm.OrderFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "no refused order is stored")

	_, err = c.CreateOrder(ctx, &crm.Order{CustomerID: "nobody", Lines: []crm.OrderLine{ok}})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = c.CreateOrder(ctx, nil)
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

func TestClient_CreateOrder_creditLimit(t *testing.T) {
	c, _, ctx, acme := orderSetup(t, "100.00 EUR")
	first := mustOrder(t, c, ctx, acme.ID, line("A", "3", "20.00 EUR"))
	stored, err := c.GetCustomer(ctx, acme.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 2, stored.Version, "the credit check rewrites the customer")

	_, err = c.CreateOrder(ctx, &crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{line("B", "1", "40.01 EUR")}})
	require.ErrorIs(t, err, crm.ErrCreditLimit)
	var cerr *crm.CreditLimitError
	require.True(t, errors.As(err, &cerr))
	requireMoney(t, "100.00 EUR", cerr.Limit)
	requireMoney(t, "60.00 EUR", cerr.Exposure)
	requireMoney(t, "40.01 EUR", cerr.Order)
	requireMoney(t, "0.01 EUR", cerr.Shortfall)
	assert.Contains(t, err.Error(), "credit limit 100.00 EUR, exposure 60.00 EUR, order 40.01 EUR: short by 0.01 EUR: credit limit exceeded")
	again, err := c.GetCustomer(ctx, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, stored.Version, again.Version, "a refused order changes nothing")

	_, err = c.CreateOrder(ctx, &crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{line("C", "1", "1 USD")}})
	require.ErrorIs(t, err, crm.ErrCreditLimit, "an order in another currency than the limit")
	assert.Contains(t, err.Error(), "without a conversion")

	mustOrder(t, c, ctx, acme.ID, line("D", "1", "40.00 EUR")) // exactly at the limit
	requireBalance(t, c, ctx, acme.ID, "100.00 EUR")

	// A payment frees credit; so does cancelling an unpaid order.
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: first.ID, Amount: crm.MustMoney("25", "EUR")})
	require.NoError(t, err)
	mustOrder(t, c, ctx, acme.ID, line("E", "1", "25 EUR"))
	_, err = c.CreateOrder(ctx, &crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{line("F", "1", "0.0001 EUR")}})
	require.ErrorIs(t, err, crm.ErrCreditLimit)

	unlimited := mustCreate(t, c, ctx, &crm.Customer{Name: "Unlimited Inc"})
	mustOrder(t, c, ctx, unlimited.ID, line("G", "1000000", "9999.99 EUR"))
	u, err := c.GetCustomer(ctx, unlimited.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 1, u.Version, "a customer with no limit is not rewritten")
}

// TestClient_CreateOrder_concurrentCredit places orders for one limited
// customer from many goroutines: never more pass than the limit allows.
func TestClient_CreateOrder_concurrentCredit(t *testing.T) {
	c, _, ctx, acme := orderSetup(t, "1000.00 EUR")
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed := 0
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := c.CreateOrder(ctx, &crm.Order{CustomerID: acme.ID, Lines: []crm.OrderLine{line("A", "1", "70.00 EUR")}})
				if errors.Is(err, crm.ErrConflict) {
					continue
				}
				if err == nil {
					mu.Lock()
					placed++
					mu.Unlock()
				} else {
					assert.ErrorIs(t, err, crm.ErrCreditLimit)
				}
				return
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 14, placed, "14 × 70.00 = 980.00 fits 1000.00, 15 do not")
	requireBalance(t, c, ctx, acme.ID, "980.00 EUR")
}

func TestClient_OrderStatus(t *testing.T) {
	c, clock, ctx, acme := orderSetup(t, "")
	o := mustOrder(t, c, ctx, acme.ID, line("A", "1", "10 EUR"))
	clock.Advance(time.Minute)

	confirmed, err := c.ConfirmOrder(ctx, o.ID, o.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.OrderConfirmed, confirmed.Status)
	assert.EqualValues(t, 2, confirmed.Version)
	assert.True(t, confirmed.UpdatedAt.Equal(t0.Add(time.Minute)))

	_, err = c.FulfillOrder(ctx, o.ID, o.Version)
	assert.ErrorIs(t, err, crm.ErrConflict, "a stale version")
	same, err := c.ConfirmOrder(ctx, o.ID, confirmed.Version)
	require.NoError(t, err)
	assert.Equal(t, confirmed.Version, same.Version, "confirming a confirmed order changes nothing")

	fulfilled, err := c.FulfillOrder(ctx, o.ID, confirmed.Version)
	require.NoError(t, err)
	_, err = c.CancelOrder(ctx, o.ID, fulfilled.Version)
	assert.ErrorIs(t, err, crm.ErrTransition, "a fulfilled order cannot be cancelled")
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("10", "EUR")})
	require.NoError(t, err, "a fulfilled order takes payments")
	requireBalance(t, c, ctx, acme.ID)

	paid := mustOrder(t, c, ctx, acme.ID, line("B", "1", "10 EUR"))
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: paid.ID, Amount: crm.MustMoney("1", "EUR")})
	require.NoError(t, err)
	paid, err = c.GetOrder(ctx, paid.ID)
	require.NoError(t, err)
	_, err = c.CancelOrder(ctx, paid.ID, paid.Version)
	assert.ErrorIs(t, err, crm.ErrTransition, "an order with payments cannot be cancelled")

	unpaid := mustOrder(t, c, ctx, acme.ID, line("C", "1", "7 EUR"))
	cancelled, err := c.CancelOrder(ctx, unpaid.ID, unpaid.Version)
	require.NoError(t, err)
	assert.Equal(t, crm.OrderCancelled, cancelled.Status)
	requireBalance(t, c, ctx, acme.ID, "9.00 EUR")
	bal, err := c.OrderBalance(ctx, unpaid.ID)
	require.NoError(t, err)
	requireMoney(t, "0 EUR", bal.Outstanding)
	_, err = c.ConfirmOrder(ctx, unpaid.ID, cancelled.Version)
	assert.ErrorIs(t, err, crm.ErrTransition)
	_, err = c.ConfirmOrder(ctx, "nope", 1)
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func TestClient_RecordPayment(t *testing.T) {
	c, clock, ctx, acme := orderSetup(t, "")
	o := mustOrder(t, c, ctx, acme.ID, line("A", "3", "33.3333 EUR")) // 99.9999
	clock.Advance(time.Hour)

	p, err := c.RecordPayment(ctx, &crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("50.00", "eur"), Method: " card ", Reference: "R-1"})
	require.NoError(t, err)
	assert.Equal(t, acme.ID, p.CustomerID)
	assert.Equal(t, "card", p.Method)
	assert.True(t, p.ReceivedAt.Equal(t0.Add(time.Hour)), "ReceivedAt defaults to now")
	assert.EqualValues(t, 1, p.Version)
	bal, err := c.OrderBalance(ctx, o.ID)
	require.NoError(t, err)
	requireMoney(t, "99.9999 EUR", bal.Total)
	requireMoney(t, "50.00 EUR", bal.Paid)
	requireMoney(t, "49.9999 EUR", bal.Outstanding)

	for _, tc := range []struct {
		name   string
		in     crm.Payment
		field  string
		reason string
	}{
		{"overpayment", crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("50.00", "EUR")}, "amount", "exceeds the 49.9999 EUR outstanding"},
		{"other currency", crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("1", "USD")}, "amount", "in USD"},
		{"negative", crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("-1", "EUR")}, "amount", "positive"},
		{"zero", crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("0", "EUR")}, "amount", "positive"},
		{"no amount", crm.Payment{OrderID: o.ID}, "amount", "required"},
		{"no order", crm.Payment{Amount: crm.MustMoney("1", "EUR")}, "order_id", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RecordPayment(ctx, &tc.in)
			require.ErrorIs(t, err, crm.ErrInvalid)
			assert.Contains(t, fieldErr(t, err, tc.field), tc.reason)
		})
	}
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: "nope", Amount: crm.MustMoney("1", "EUR")})
	assert.ErrorIs(t, err, crm.ErrNotFound)

	last, err := c.RecordPayment(ctx, &crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("49.9999", "EUR")})
	require.NoError(t, err)
	bal, err = c.OrderBalance(ctx, o.ID)
	require.NoError(t, err)
	requireMoney(t, "0 EUR", bal.Outstanding)
	requireBalance(t, c, ctx, acme.ID)
	var ids []string
	for p, err := range c.Payments(ctx, crm.PaymentFilter{OrderIDs: []string{o.ID}}) {
		require.NoError(t, err)
		ids = append(ids, p.ID)
	}
	assert.Equal(t, []string{p.ID, last.ID}, ids)

	gone := mustOrder(t, c, ctx, acme.ID, line("B", "1", "5 EUR"))
	_, err = c.CancelOrder(ctx, gone.ID, gone.Version)
	require.NoError(t, err)
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: gone.ID, Amount: crm.MustMoney("1", "EUR")})
	assert.ErrorIs(t, err, crm.ErrTransition, "a cancelled order takes no payments")
	_, err = c.CustomerBalance(ctx, "nobody")
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

// TestClient_RecordPayment_concurrent pays one order from many goroutines
// at once: the payments never add up to more than the order.
func TestClient_RecordPayment_concurrent(t *testing.T) {
	c, _, ctx, acme := orderSetup(t, "")
	o := mustOrder(t, c, ctx, acme.ID, line("A", "1", "100 EUR"))
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, err := c.RecordPayment(ctx, &crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("30", "EUR")})
				if !errors.Is(err, crm.ErrConflict) {
					return
				}
			}
		}()
	}
	wg.Wait()
	bal, err := c.OrderBalance(ctx, o.ID)
	require.NoError(t, err)
	requireMoney(t, "90 EUR", bal.Paid)
}

func TestClient_MoveOpportunity_order(t *testing.T) {
	c, _, ctx, p, _ := salesSetup(t)
	limited := mustCreate(t, c, ctx, &crm.Customer{Name: "Small Shop", CreditLimit: crm.MustMoney("1000", "EUR")})
	deal, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "40 seats", CustomerID: limited.ID, PipelineID: p.ID,
		Amount: crm.MustMoney("800.00", "EUR"), CloseDate: t0})
	require.NoError(t, err)

	won, err := c.MoveOpportunity(ctx, deal.ID, deal.Version, "won", crm.MoveOptions{Order: &crm.Order{Number: "SO-1"}})
	require.NoError(t, err)
	assert.Equal(t, crm.OpportunityWon, won.Status)
	orders, _, err := c.ListOrders(ctx, crm.OrderFilter{OpportunityIDs: []string{deal.ID}})
	require.NoError(t, err)
	require.Len(t, orders, 1, "the won deal's order")
	o := orders[0]
	assert.Equal(t, limited.ID, o.CustomerID)
	assert.Equal(t, "SO-1", o.Number)
	assert.Equal(t, "40 seats", o.Lines[0].Description)
	requireMoney(t, "800.00 EUR", o.Total)

	big, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Upsell", CustomerID: limited.ID, PipelineID: p.ID,
		Amount: crm.MustMoney("300.00", "EUR"), CloseDate: t0})
	require.NoError(t, err)
	_, err = c.MoveOpportunity(ctx, big.ID, big.Version, "won", crm.MoveOptions{Order: &crm.Order{}})
	require.ErrorIs(t, err, crm.ErrCreditLimit, "the order is refused, and the move with it")
	still, err := c.GetOpportunity(ctx, big.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.OpportunityOpen, still.Status, "nothing changed")
	assert.Equal(t, big.Version, still.Version)
	history, err := c.OpportunityHistory(ctx, big.ID)
	require.NoError(t, err)
	assert.Len(t, history, 1)

	lines := &crm.Order{Lines: []crm.OrderLine{line("A", "2", "50 EUR")}}
	_, err = c.MoveOpportunity(ctx, big.ID, big.Version, "won", crm.MoveOptions{Order: lines})
	require.NoError(t, err, "an order of its own lines, within the limit")
	requireBalance(t, c, ctx, limited.ID, "900.00 EUR")

	lost, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Lost", CustomerID: limited.ID, PipelineID: p.ID})
	require.NoError(t, err)
	_, err = c.MoveOpportunity(ctx, lost.ID, lost.Version, "lost", crm.MoveOptions{LostReason: "price", Order: &crm.Order{}})
	require.NoError(t, err, "a lost deal creates no order")
	requireBalance(t, c, ctx, limited.ID, "900.00 EUR")
}

func TestClient_MergeCustomers_orders(t *testing.T) {
	c, _, ctx, survivor := orderSetup(t, "")
	dup := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Limited"}, crm.AllowDuplicates())
	o := mustOrder(t, c, ctx, dup.ID, line("A", "1", "10 EUR"))
	p, err := c.RecordPayment(ctx, &crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("4", "EUR")})
	require.NoError(t, err)

	plan, err := c.MergeCustomers(ctx, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "order", ID: o.ID})
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "payment", ID: p.ID})
	got, err := c.GetOrder(ctx, o.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, got.CustomerID)
	requireBalance(t, c, ctx, survivor.ID, "6.00 EUR")
	pays, _, err := c.ListPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{survivor.ID}})
	require.NoError(t, err)
	assert.Len(t, pays, 1)
}
