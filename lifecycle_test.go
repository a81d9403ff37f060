package crm_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

const aDay = 24 * time.Hour

func TestNewPurchaseHistory(t *testing.T) {
	at := time.Date(2025, 1, 10, 15, 0, 0, 0, time.UTC)
	h := crm.NewPurchaseHistory([]time.Time{at.Add(30 * aDay), at, at.Add(2 * time.Hour), at.Add(10 * aDay), at.Add(50 * aDay)})
	assert.Equal(t, 5, h.Orders)
	assert.Equal(t, 4, h.Days, "two orders on one aDay are one purchase aDay")
	assert.Equal(t, at, h.First)
	assert.Equal(t, at.Add(50*aDay), h.Last)
	assert.Equal(t, 20*aDay, h.TypicalGap, "median of 10, 20, 20 days")
	assert.Equal(t, 15*aDay, crm.NewPurchaseHistory([]time.Time{at, at.Add(10 * aDay), at.Add(30 * aDay)}).TypicalGap, "median of an even count")
	assert.Equal(t, crm.PurchaseHistory{}, crm.NewPurchaseHistory(nil))
}

func TestClassifyLifecycle(t *testing.T) {
	asOf := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	every := func(n int, gap time.Duration, lastAgo time.Duration) crm.PurchaseHistory {
		var ts []time.Time
		for i := range n {
			ts = append(ts, asOf.Add(-lastAgo-time.Duration(i)*gap))
		}
		return crm.NewPurchaseHistory(ts)
	}
	for _, tc := range []struct {
		name  string
		h     crm.PurchaseHistory
		rules crm.LifecycleRules
		want  crm.LifecycleStage
	}{
		{"NoPurchase", crm.PurchaseHistory{}, crm.LifecycleRules{}, crm.StageProspect},
		{"OneRecent", every(1, 0, 89*aDay), crm.LifecycleRules{}, crm.StageNew},
		{"OneAtNewWithin", every(1, 0, 90*aDay), crm.LifecycleRules{}, crm.StageNew},
		{"OneOlder", every(1, 0, 100*aDay), crm.LifecycleRules{}, crm.StageAtRisk},
		{"OneLapsing", every(1, 0, 179*aDay), crm.LifecycleRules{}, crm.StageAtRisk},
		{"OneLongAgo", every(1, 0, 181*aDay), crm.LifecycleRules{}, crm.StageChurned},
		{"RegularFew", every(3, 30*aDay, 10*aDay), crm.LifecycleRules{}, crm.StageActive},
		{"RegularMany", every(5, 30*aDay, 60*aDay), crm.LifecycleRules{}, crm.StageLoyal},
		{"Overdue", every(6, 30*aDay, 61*aDay), crm.LifecycleRules{}, crm.StageAtRisk},
		{"FarOverdue", every(6, 30*aDay, 121*aDay), crm.LifecycleRules{}, crm.StageChurned},
		{"AnnualBuyerOnTime", every(6, 365*aDay, 300*aDay), crm.LifecycleRules{}, crm.StageLoyal},
		{"BeyondChurnedSince", every(6, 365*aDay, 3*366*aDay), crm.LifecycleRules{}, crm.StageChurned},
		{"ChurnedSinceOff", every(6, 365*aDay, 3*366*aDay), crm.LifecycleRules{ChurnedSince: -1}, crm.StageAtRisk},
		{"CustomThresholds", every(3, 10*aDay, 16*aDay), crm.LifecycleRules{AtRiskAfter: 1.5, LoyalDays: 3}, crm.StageAtRisk},
		{"SameDayIsOnePurchaseDay", every(3, time.Hour, time.Hour), crm.LifecycleRules{}, crm.StageNew},
		{"NextDayGapIsADay", every(2, time.Hour, 0), crm.LifecycleRules{}, crm.StageActive},
		{"FuturePurchase", every(2, 10*aDay, -5*aDay), crm.LifecycleRules{}, crm.StageActive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, crm.ClassifyLifecycle(tc.h, asOf, tc.rules))
		})
	}
}

// orderAt records an order of one unit placed at a time.
func orderAt(tb testing.TB, c *crm.Client, ctx context.Context, customerID string, at time.Time) *crm.Order {
	tb.Helper()
	o, err := c.CreateOrder(ctx, &crm.Order{CustomerID: customerID, OrderedAt: at, Lines: []crm.OrderLine{
		{SKU: "X", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("10", "EUR")}}})
	require.NoError(tb, err)
	return o
}

func TestApplyLifecycle(t *testing.T) {
	client, clock, _ := newClient(t)
	ctx := actorCtx(t, "u-job")
	now := clock.Now()
	prospect := mustCreate(t, client, ctx, &crm.Customer{Name: "Prospect"})
	fresh := mustCreate(t, client, ctx, &crm.Customer{Name: "Fresh"})
	orderAt(t, client, ctx, fresh.ID, now.Add(-5*aDay))
	loyal := mustCreate(t, client, ctx, &crm.Customer{Name: "Loyal"})
	for i := range 6 {
		orderAt(t, client, ctx, loyal.ID, now.Add(-time.Duration(i*30+3)*aDay))
	}
	lapsed := mustCreate(t, client, ctx, &crm.Customer{Name: "Lapsed"})
	for i := range 3 {
		orderAt(t, client, ctx, lapsed.ID, now.Add(-time.Duration(400+i*20)*aDay))
	}
	cancelled := mustCreate(t, client, ctx, &crm.Customer{Name: "Cancelled"})
	o := orderAt(t, client, ctx, cancelled.ID, now.Add(-time.Hour))
	_, err := client.CancelOrder(ctx, o.ID, o.Version)
	require.NoError(t, err)

	rep, err := client.ApplyLifecycle(ctx, crm.LifecycleOptions{BatchSize: 2})
	require.NoError(t, err)
	assert.Equal(t, 5, rep.Examined)
	assert.Equal(t, map[crm.StageMove]int{
		{From: crm.StageProspect, To: crm.StageNew}:     1,
		{From: crm.StageProspect, To: crm.StageLoyal}:   1,
		{From: crm.StageProspect, To: crm.StageChurned}: 1,
	}, rep.Changed)
	assert.Empty(t, rep.Conflicts)
	assert.Zero(t, rep.Skipped)
	stage := func(id string) crm.LifecycleStage {
		c, err := client.GetCustomer(ctx, id)
		require.NoError(t, err)
		return c.Stage
	}
	assert.Equal(t, crm.StageProspect, stage(prospect.ID))
	assert.Equal(t, crm.StageNew, stage(fresh.ID))
	assert.Equal(t, crm.StageLoyal, stage(loyal.ID))
	assert.Equal(t, crm.StageChurned, stage(lapsed.ID))
	assert.Equal(t, crm.StageProspect, stage(cancelled.ID), "a cancelled order is no purchase")

	// Four months pass: the new customer did not come back, the loyal one
	// missed four monthly purchases.
	clock.Advance(120 * aDay)
	rep, err = client.ApplyLifecycle(ctx, crm.LifecycleOptions{})
	require.NoError(t, err)
	assert.Equal(t, map[crm.StageMove]int{
		{From: crm.StageNew, To: crm.StageAtRisk}:    1,
		{From: crm.StageLoyal, To: crm.StageChurned}: 1,
	}, rep.Changed)
	got, err := client.GetCustomer(ctx, fresh.ID)
	require.NoError(t, err)
	assert.Equal(t, "u-job", got.UpdatedBy)
	assert.Equal(t, crm.Timestamp(clock.Now()), got.UpdatedAt)

	t.Run("Skipped", func(t *testing.T) {
		// at-risk cannot go back to new: the Fresh customer buys once more
		// but keeps one purchase aDay... moved by hand to churned first.
		c, err := client.GetCustomer(ctx, fresh.ID)
		require.NoError(t, err)
		_, err = client.UpdateCustomer(ctx, c.ID, c.Version, crm.CustomerUpdate{Stage: crm.Ptr(crm.StageChurned)})
		require.NoError(t, err)
		rep, err := client.ApplyLifecycle(ctx, crm.LifecycleOptions{
			Filter: crm.CustomerFilter{IDs: []string{fresh.ID}},
			Rules:  crm.LifecycleRules{NewWithin: 200 * aDay},
		})
		require.NoError(t, err)
		assert.Equal(t, 1, rep.Examined)
		assert.Equal(t, 1, rep.Skipped, "churned → new is no chain of moves")
		assert.Empty(t, rep.Changed)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := client.ApplyLifecycle(ctx, crm.LifecycleOptions{BatchSize: -1})
		assert.Contains(t, fieldErr(t, err, "batch_size"), "between 0 and")
	})
}

// racingStore lets a test act between ApplyLifecycle's read of a batch
// and its writes, and make every customer update conflict.
type racingStore struct {
	crm.Store
	beforeOrders func()
	conflict     bool
}

func (s *racingStore) FindOrders(ctx context.Context, f crm.OrderFilter) ([]*crm.Order, crm.Cursor, error) {
	if s.beforeOrders != nil {
		s.beforeOrders()
		s.beforeOrders = nil
	}
	return s.Store.FindOrders(ctx, f)
}

func (s *racingStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	return s.Store.RunInTx(ctx, func(tx crm.Store) error {
		if s.conflict {
			return fn(&racingStore{Store: tx, conflict: true})
		}
		return fn(tx)
	})
}

func (s *racingStore) UpdateCustomer(ctx context.Context, c *crm.Customer) error {
	if s.conflict {
		return crm.ErrConflict
	}
	return s.Store.UpdateCustomer(ctx, c)
}

func TestApplyLifecycleConflict(t *testing.T) {
	setup, clock, store := newClient(t)
	ctx := actorCtx(t, "u-job")
	cust := mustCreate(t, setup, ctx, &crm.Customer{Name: "Busy"})
	orderAt(t, setup, ctx, cust.ID, clock.Now().Add(-aDay))

	racing := &racingStore{Store: store}
	client, err := crm.New(racing, crm.WithClock(clock))
	require.NoError(t, err)
	racing.beforeOrders = func() {
		// A concurrent writer changes the customer after the batch is read.
		_, err := setup.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Industry: crm.Ptr("retail")})
		require.NoError(t, err)
	}
	rep, err := client.ApplyLifecycle(ctx, crm.LifecycleOptions{})
	require.NoError(t, err)
	assert.Equal(t, map[crm.StageMove]int{{From: crm.StageProspect, To: crm.StageNew}: 1}, rep.Changed, "retried once from a fresh read")
	got, err := setup.GetCustomer(ctx, cust.ID)
	require.NoError(t, err)
	assert.Equal(t, "retail", got.Industry, "the concurrent change survives")
	assert.Equal(t, crm.StageNew, got.Stage)

	other := mustCreate(t, setup, ctx, &crm.Customer{Name: "Contended"})
	orderAt(t, setup, ctx, other.ID, clock.Now().Add(-aDay))
	racing.conflict = true
	rep, err = client.ApplyLifecycle(ctx, crm.LifecycleOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{other.ID}, rep.Conflicts)
	assert.Empty(t, rep.Changed)
}
