package crm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// PurchaseHistory summarises one customer's purchases, as much as
// [ClassifyLifecycle] needs. Build it with [NewPurchaseHistory].
type PurchaseHistory struct {
	// Orders counts the purchases (orders not cancelled).
	Orders int
	// Days counts the distinct calendar days (UTC) with a purchase.
	Days int
	// First and Last are the first and the last purchase; zero without
	// purchases.
	First, Last time.Time
	// TypicalGap is the median gap between consecutive purchase days;
	// zero with fewer than two of them.
	TypicalGap time.Duration
}

// NewPurchaseHistory summarises purchases made at the times given, in
// any order.
func NewPurchaseHistory(purchases []time.Time) PurchaseHistory {
	var h PurchaseHistory
	if len(purchases) == 0 {
		return h
	}
	ts := slices.Clone(purchases)
	slices.SortFunc(ts, time.Time.Compare)
	h.Orders, h.First, h.Last = len(ts), Timestamp(ts[0]), Timestamp(ts[len(ts)-1])
	days := make([]time.Time, 0, len(ts))
	for _, t := range ts {
		d := dateOf(t.UTC())
		if len(days) == 0 || !days[len(days)-1].Equal(d) {
			days = append(days, d)
		}
	}
	h.Days = len(days)
	if len(days) < 2 {
		return h
	}
	gaps := make([]time.Duration, len(days)-1)
	for i := range gaps {
		gaps[i] = days[i+1].Sub(days[i])
	}
	slices.Sort(gaps)
	if n := len(gaps); n%2 == 1 {
		h.TypicalGap = gaps[n/2]
	} else {
		h.TypicalGap = (gaps[n/2-1] + gaps[n/2]) / 2
	}
	return h
}

// LifecycleRules are the thresholds of [ClassifyLifecycle]. A zero field
// takes its default, given in brackets.
type LifecycleRules struct {
	// NewWithin is how recent a customer's only purchase day must be for
	// the customer to be new [90 days].
	NewWithin time.Duration
	// LoyalDays is how many distinct purchase days make a customer who
	// buys on time loyal rather than active [5].
	LoyalDays int
	// AtRiskAfter is how many typical gaps may pass since the last
	// purchase before a customer is at risk [2].
	AtRiskAfter float64
	// ChurnedAfter is how many typical gaps since the last purchase make
	// a customer churned [4].
	ChurnedAfter float64
	// ChurnedSince makes a customer churned whose last purchase is longer
	// ago than this, however long the typical gap [3 years]; negative
	// turns it off.
	ChurnedSince time.Duration
}

// withDefaults returns r with zero fields set to their defaults.
func (r LifecycleRules) withDefaults() LifecycleRules {
	if r.NewWithin <= 0 {
		r.NewWithin = 90 * 24 * time.Hour
	}
	if r.LoyalDays <= 0 {
		r.LoyalDays = 5
	}
	if !(r.AtRiskAfter > 0) {
		r.AtRiskAfter = 2
	}
	if !(r.ChurnedAfter > 0) {
		r.ChurnedAfter = 4
	}
	if r.ChurnedSince == 0 {
		r.ChurnedSince = 3 * 365 * 24 * time.Hour
	}
	return r
}

// ClassifyLifecycle returns the lifecycle stage that a purchase history
// shows at asOf, by these rules, with rules' thresholds:
//
//   - no purchase: prospect;
//   - last purchase more than ChurnedSince ago: churned;
//   - one purchase day: new within NewWithin of it; after that, as below
//     with NewWithin ÷ AtRiskAfter as the typical gap, so the customer is
//     at risk as soon as no longer new, and churned after ChurnedAfter
//     such gaps (by default: new for 90 days, at risk, churned after 180);
//   - otherwise the typical gap is TypicalGap (at least a day): more than
//     ChurnedAfter gaps since the last purchase is churned, more than
//     AtRiskAfter gaps is at risk; on time, loyal with LoyalDays purchase
//     days or more, active with fewer.
//
// It says where the customer stands, not how to get there: see
// [Client.ApplyLifecycle] for moving stored customers.
func ClassifyLifecycle(h PurchaseHistory, asOf time.Time, rules LifecycleRules) LifecycleStage {
	r := rules.withDefaults()
	if h.Orders == 0 || h.Last.IsZero() {
		return StageProspect
	}
	since := max(asOf.Sub(h.Last), 0)
	if r.ChurnedSince > 0 && since > r.ChurnedSince {
		return StageChurned
	}
	gap := max(h.TypicalGap, 24*time.Hour)
	if h.Days <= 1 {
		if since <= r.NewWithin {
			return StageNew
		}
		gap = time.Duration(float64(r.NewWithin) / r.AtRiskAfter)
	}
	switch {
	case float64(since) > r.ChurnedAfter*float64(gap):
		return StageChurned
	case float64(since) > r.AtRiskAfter*float64(gap):
		return StageAtRisk
	case h.Days >= r.LoyalDays:
		return StageLoyal
	}
	return StageActive
}

// lifecyclePath returns the stages after from on a shortest chain of
// moves [LifecycleMoves] allows that ends at to, or nil if there is none.
func lifecyclePath(from, to LifecycleStage) []LifecycleStage {
	prev := map[LifecycleStage]LifecycleStage{from: from}
	queue := []LifecycleStage{from}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		if s == to {
			var path []LifecycleStage
			for ; s != from; s = prev[s] {
				path = append(path, s)
			}
			slices.Reverse(path)
			return path
		}
		for _, n := range lifecycleMoves[s] {
			if _, seen := prev[n]; !seen {
				prev[n] = s
				queue = append(queue, n)
			}
		}
	}
	return nil
}

// LifecycleOptions tune [Client.ApplyLifecycle].
type LifecycleOptions struct {
	// Rules are the thresholds of [ClassifyLifecycle].
	Rules LifecycleRules
	// Filter narrows the customers examined; its After and Limit are
	// ignored. Archived customers are never changed.
	Filter CustomerFilter
	// BatchSize is how many customers are read, with their orders, at a
	// time [500]; at most MaxPageLimit.
	BatchSize int
}

// StageMove is a change of lifecycle stage.
type StageMove struct {
	From, To LifecycleStage
}

// LifecycleReport says what [Client.ApplyLifecycle] did.
type LifecycleReport struct {
	// Examined counts the customers classified.
	Examined int
	// Changed counts the customers whose stage changed, by move.
	Changed map[StageMove]int
	// Conflicts lists the customers left unchanged because a concurrent
	// writer changed them twice while they were being moved.
	Conflicts []string
	// Skipped counts the customers left unchanged because no chain of
	// allowed moves leads from their stage to the classified one (such as
	// at-risk to new) or their stage is unknown.
	Skipped int
}

// ApplyLifecycle classifies every live customer opts.Filter selects by
// [ClassifyLifecycle] at the Client's current time, from the customer's
// orders, and moves those whose stage differs. Customers are read in
// batches of opts.BatchSize, their orders with them.
//
// Moves follow the table of [LifecycleMoves]: where the classification
// jumps further than one move (prospect to loyal, for a customer imported
// with a long history), the customer goes along the shortest chain of
// allowed moves in one write, counted as the one move from → to; where no
// chain leads there, the customer is skipped. Each write is checked
// against the version read: if a concurrent writer changed the customer
// in between, ApplyLifecycle re-reads it once and moves it from its new
// stage; a second conflict leaves it unchanged and lists it in
// Conflicts. Other errors, and the context ending, stop the walk and are
// returned with the report so far.
func (c *Client) ApplyLifecycle(ctx context.Context, opts LifecycleOptions) (LifecycleReport, error) {
	rep := LifecycleReport{Changed: map[StageMove]int{}}
	batch := opts.BatchSize
	switch {
	case batch == 0:
		batch = 500
	case batch < 0 || batch > MaxPageLimit:
		return rep, &ValidationError{Entity: "lifecycle options", Fields: []FieldError{{
			Field: "batch_size", Reason: fmt.Sprintf("must be between 0 and %d", MaxPageLimit)}}}
	}
	f := opts.Filter
	if err := c.normalizeFilter(&f); err != nil {
		return rep, err
	}
	f.After, f.Limit, f.IncludeArchived = "", batch, false
	asOf := c.now()
	for {
		page, next, err := c.store.FindCustomers(ctx, f)
		if err != nil {
			return rep, fmt.Errorf("crm: apply lifecycle: %w", err)
		}
		histories, err := c.purchaseHistories(ctx, page, asOf)
		if err != nil {
			return rep, fmt.Errorf("crm: apply lifecycle: %w", err)
		}
		for _, cust := range page {
			rep.Examined++
			to := ClassifyLifecycle(histories[cust.ID], asOf, opts.Rules)
			if cust.Stage == to {
				continue
			}
			from, moved, err := c.moveLifecycle(ctx, cust, to)
			switch {
			case errors.Is(err, ErrConflict):
				rep.Conflicts = append(rep.Conflicts, cust.ID)
			case err != nil:
				return rep, fmt.Errorf("crm: apply lifecycle: customer %s: %w", cust.ID, err)
			case moved:
				rep.Changed[StageMove{From: from, To: to}]++
			case from != to:
				rep.Skipped++
			}
		}
		if next == "" {
			return rep, nil
		}
		f.After = next
	}
}

// purchaseHistories reads the orders of customers placed before asOf and
// summarises them per customer ID.
func (c *Client) purchaseHistories(ctx context.Context, customers []*Customer, asOf time.Time) (map[string]PurchaseHistory, error) {
	out := make(map[string]PurchaseHistory, len(customers))
	if len(customers) == 0 {
		return out, nil
	}
	times := make(map[string][]time.Time, len(customers))
	f := OrderFilter{CustomerIDs: mapClone(customers, func(c *Customer) string { return c.ID }), OrderedBefore: asOf, Limit: MaxPageLimit}
	for o, err := range pages(ctx, f, c.store.FindOrders, func(f *OrderFilter, next Cursor) { f.After = next }) {
		if err != nil {
			return nil, err
		}
		if o.Status != OrderCancelled {
			times[o.CustomerID] = append(times[o.CustomerID], o.OrderedAt)
		}
	}
	for id, ts := range times {
		out[id] = NewPurchaseHistory(ts)
	}
	return out, nil
}

// moveLifecycle moves cust to stage to, version-checked, retrying once
// from a fresh read on a conflict. It returns the stage moved from and
// whether it moved; not moving with from ≠ to means no chain of allowed
// moves leads to to.
func (c *Client) moveLifecycle(ctx context.Context, cust *Customer, to LifecycleStage) (LifecycleStage, bool, error) {
	read := cust
	for attempt := 0; ; attempt++ {
		from := read.Stage
		if from == to {
			return from, false, nil
		}
		if !from.Valid() || lifecyclePath(from, to) == nil {
			return from, false, nil
		}
		err := c.store.RunInTx(ctx, func(tx Store) error {
			stored, err := tx.FindCustomerByID(ctx, read.ID)
			if err != nil {
				return err
			}
			if stored.Version != read.Version || stored.Archived() {
				read = stored
				return ErrConflict
			}
			for _, step := range lifecyclePath(from, to) {
				if err := TransitionLifecycle(stored.Stage, step); err != nil {
					return err
				}
				stored.Stage = step
			}
			stored.UpdatedAt, stored.UpdatedBy = c.now(), actorID(ctx)
			return tx.UpdateCustomer(ctx, stored)
		})
		switch {
		case err == nil:
			return from, true, nil
		case errors.Is(err, ErrConflict) && attempt == 0:
			if read.Archived() {
				return read.Stage, false, nil
			}
			if read == cust { // the conflict came from the store: read again
				if read, err = c.store.FindCustomerByID(ctx, cust.ID); err != nil {
					return from, false, err
				}
			}
			continue
		}
		return from, false, err
	}
}
