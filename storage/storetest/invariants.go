package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// CheckInvariants checks s, after one or more [Load] runs, against the
// ledger l of what they acknowledged, and reports every violation on t.
//
// inFlight is the number of operations that may have committed without
// being acknowledged: 0 when every Load returned; after a process running
// Load was killed, its number of workers (each was doing at most one
// operation), summed over the kills. Every acknowledged operation must be
// in s (durability), and s may hold at most inFlight more: counted
// together, increments beyond the acknowledged ones, history entries,
// orders, payments, contacts, interactions, confirmations and merges
// the ledger lacks. With inFlight 0, s must match l exactly. The
// invariants:
//
//   - no lost update: the field "load_counter" of each counter customer
//     equals its acknowledged increments, and its Version is one more
//     (counter customers are never merged, and nothing else writes them);
//   - money is conserved: every acknowledged order has its total and
//     every acknowledged payment its amount and order; per currency, the
//     totals of the orders and the amounts of the payments in s are
//     those acknowledged; each order's Paid is the sum of its payments
//     and at most its Total; the purchase summaries add up, per customer
//     and per currency, to the totals of the orders that are not
//     cancelled, and each customer's balance ([crm.OrderStore.CustomerExposure])
//     to what its orders still owe;
//   - no orphan: every contact, deal, order, payment, case,
//     interaction and task belongs to a customer that exists and is not
//     merged away (a merge leaves the duplicate no children); a payment
//     has its order's customer; an acknowledged merge left the duplicate
//     pointing at the survivor;
//   - deals are consistent: each is in a stage of its pipeline, its
//     history ends in that stage, and it has one entry for its creation
//     and one per acknowledged move.
func CheckInvariants(t testing.TB, s crm.Store, l *Ledger, inFlight int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx := context.Background()
	extra := 0
	extraf := func(n int, format string, args ...any) {
		if n > 0 {
			extra += n
			t.Logf("unacknowledged: %d %s", n, fmt.Sprintf(format, args...))
		}
	}

	customers := map[string]*crm.Customer{}
	for _, c := range all(t, "customers", func(after crm.Cursor) ([]*crm.Customer, crm.Cursor, error) {
		return s.FindCustomers(ctx, crm.CustomerFilter{IncludeArchived: true, After: after, Limit: crm.MaxPageLimit})
	}) {
		customers[c.ID] = c
	}
	// live reports whether the record id of kind names a customer that may
	// have children.
	live := func(kind, id, customer string) {
		t.Helper()
		c, ok := customers[customer]
		switch {
		case !ok:
			t.Errorf("orphan: %s %s belongs to customer %q, which does not exist", kind, id, customer)
		case c.MergedInto != "":
			t.Errorf("orphan: %s %s belongs to customer %s, merged into %s", kind, id, customer, c.MergedInto)
		}
	}

	// No lost update.
	for id, want := range l.counters {
		c, ok := customers[id]
		if !ok {
			t.Errorf("lost: counter customer %s", id)
			continue
		}
		if c.MergedInto != "" {
			t.Errorf("counter customer %s was merged into %s", id, c.MergedInto)
		}
		n, ok := c.Custom[loadCounterField].Number()
		if !ok || !n.IsInteger() {
			t.Errorf("counter customer %s: %s is %v, not a whole number", id, loadCounterField, c.Custom[loadCounterField])
			continue
		}
		got := n.IntPart()
		switch {
		case got < want:
			t.Errorf("lost update: counter customer %s holds %d, %d increments acknowledged", id, got, want)
		case c.Version != got+1:
			t.Errorf("lost update: counter customer %s holds %d at Version %d, want Version %d", id, got, c.Version, got+1)
		}
		extraf(int(got-want), "increments of %s", id)
	}

	// Money.
	orders := map[string]*crm.Order{}
	for _, o := range all(t, "orders", func(after crm.Cursor) ([]*crm.Order, crm.Cursor, error) {
		return s.FindOrders(ctx, crm.OrderFilter{After: after, Limit: crm.MaxPageLimit})
	}) {
		orders[o.ID] = o
		live("order", o.ID, o.CustomerID)
	}
	payments := all(t, "payments", func(after crm.Cursor) ([]*crm.Payment, crm.Cursor, error) {
		return s.FindPayments(ctx, crm.PaymentFilter{After: after, Limit: crm.MaxPageLimit})
	})
	wantTotals, gotTotals := sums{}, sums{}
	for id, rec := range l.orders {
		wantTotals.add(rec.total)
		o, ok := orders[id]
		if !ok {
			t.Errorf("lost: order %s of %s", id, rec.total)
			continue
		}
		if !o.Total.Equal(rec.total) {
			t.Errorf("order %s: total %s, acknowledged %s", id, o.Total, rec.total)
		}
		if rec.confirmed && o.Status != crm.OrderConfirmed {
			t.Errorf("lost update: order %s is %s, its confirmation was acknowledged", id, o.Status)
		}
		if !rec.confirmed && o.Status != crm.OrderOpen {
			extraf(1, "confirmation of %s", id)
		}
	}
	paidBy := map[string]crm.Money{}
	for id, o := range orders {
		gotTotals.add(o.Total)
		paidBy[id] = crm.Money{Amount: decimal.Zero, Currency: o.Currency()}
		if _, ok := l.orders[id]; !ok {
			extraf(1, "order %s of %s", id, o.Total)
		}
	}
	wantPaid, gotPaid := sums{}, sums{}
	for id, op := range l.payments {
		wantPaid.add(op.Amount)
		i := slices.IndexFunc(payments, func(p *crm.Payment) bool { return p.ID == id })
		if i < 0 {
			t.Errorf("lost: payment %s of %s for order %s", id, op.Amount, op.Ref)
			continue
		}
		if p := payments[i]; !p.Amount.Equal(op.Amount) || p.OrderID != op.Ref {
			t.Errorf("payment %s: %s for order %s, acknowledged %s for %s", id, p.Amount, p.OrderID, op.Amount, op.Ref)
		}
	}
	for _, p := range payments {
		gotPaid.add(p.Amount)
		if _, ok := l.payments[p.ID]; !ok {
			extraf(1, "payment %s of %s", p.ID, p.Amount)
		}
		live("payment", p.ID, p.CustomerID)
		o, ok := orders[p.OrderID]
		if !ok {
			t.Errorf("orphan: payment %s is for order %s, which does not exist", p.ID, p.OrderID)
			continue
		}
		if p.CustomerID != o.CustomerID {
			t.Errorf("payment %s belongs to customer %s, its order %s to %s", p.ID, p.CustomerID, o.ID, o.CustomerID)
		}
		sum, err := paidBy[o.ID].Add(p.Amount)
		if err != nil {
			t.Errorf("payment %s of order %s: %v", p.ID, o.ID, err)
			continue
		}
		paidBy[o.ID] = sum
	}
	if extra == 0 {
		wantTotals.equal(t, "order totals", gotTotals)
		wantPaid.equal(t, "payments", gotPaid)
	}
	ordersOf := map[string]sums{}
	owedBy := map[string]sums{}
	for id, o := range orders {
		if !o.Paid.Amount.Equal(paidBy[id].Amount) {
			t.Errorf("money: order %s records %s paid, its payments add up to %s", id, o.Paid, paidBy[id])
		}
		if o.Paid.Amount.GreaterThan(o.Total.Amount) {
			t.Errorf("money: order %s is paid %s, more than its total %s", id, o.Paid, o.Total)
		}
		if o.Status == crm.OrderCancelled {
			continue
		}
		if ordersOf[o.CustomerID] == nil {
			ordersOf[o.CustomerID], owedBy[o.CustomerID] = sums{}, sums{}
		}
		ordersOf[o.CustomerID].add(o.Total)
		owedBy[o.CustomerID].add(crm.Money{Amount: o.Total.Amount.Sub(paidBy[id].Amount), Currency: o.Currency()})
	}
	summed := map[string]sums{}
	for _, ps := range all(t, "purchase summaries", func(after crm.Cursor) ([]crm.PurchaseSummary, crm.Cursor, error) {
		page, next, err := s.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: time.Now().Add(24 * time.Hour), After: after, Limit: crm.MaxPageLimit})
		return page, next, err
	}) {
		if summed[ps.CustomerID] == nil {
			summed[ps.CustomerID] = sums{}
		}
		summed[ps.CustomerID].add(ps.Total)
		live("purchase summary", ps.CustomerID, ps.CustomerID)
	}
	for _, id := range sortedKeys(ordersOf, summed) {
		want, got := ordersOf[id], summed[id]
		want.equal(t, "purchase summary of "+id, got)
	}
	for _, id := range sortedKeys(owedBy, nil) {
		exp, err := s.CustomerExposure(ctx, id)
		if err != nil {
			t.Errorf("CustomerExposure %s: %v", id, err)
			continue
		}
		got := sums{}
		for _, m := range exp {
			got.add(m)
		}
		owedBy[id].dropZero().equal(t, "balance of "+id, got.dropZero())
	}

	// Orphans.
	contacts := map[string]bool{}
	for _, ct := range all(t, "contacts", func(after crm.Cursor) ([]*crm.Contact, crm.Cursor, error) {
		return s.FindContacts(ctx, crm.ContactFilter{After: after, Limit: crm.MaxPageLimit})
	}) {
		contacts[ct.ID] = true
		live("contact", ct.ID, ct.CustomerID)
		if _, ok := l.contacts[ct.ID]; !ok {
			extraf(1, "contact %s", ct.ID)
		}
	}
	for id := range l.contacts {
		if !contacts[id] {
			t.Errorf("lost: contact %s", id)
		}
	}
	interactions := map[string]bool{}
	for _, i := range all(t, "interactions", func(after crm.Cursor) ([]*crm.Interaction, crm.Cursor, error) {
		return s.FindInteractions(ctx, crm.InteractionFilter{After: after, Limit: crm.MaxPageLimit})
	}) {
		interactions[i.ID] = true
		live("interaction", i.ID, i.CustomerID)
		if _, ok := l.interacts[i.ID]; !ok {
			extraf(1, "interaction %s", i.ID)
		}
	}
	for id := range l.interacts {
		if !interactions[id] {
			t.Errorf("lost: interaction %s", id)
		}
	}
	for _, cs := range all(t, "cases", func(after crm.Cursor) ([]*crm.Case, crm.Cursor, error) {
		return s.FindCases(ctx, crm.CaseFilter{After: after, Limit: crm.MaxPageLimit})
	}) {
		live("case", cs.ID, cs.CustomerID)
	}
	for _, tk := range all(t, "tasks", func(after crm.Cursor) ([]*crm.Task, crm.Cursor, error) {
		return s.FindTasks(ctx, crm.TaskFilter{After: after, Limit: crm.MaxPageLimit})
	}) {
		if tk.CustomerID != "" {
			live("task", tk.ID, tk.CustomerID)
		}
	}
	for dup, survivor := range l.merged {
		c, ok := customers[dup]
		switch {
		case !ok:
			t.Errorf("lost: merged customer %s", dup)
		case c.MergedInto != survivor:
			t.Errorf("lost update: customer %s was merged into %s, but points at %q", dup, survivor, c.MergedInto)
		}
	}
	for id, c := range customers {
		if _, ok := l.merged[id]; c.MergedInto != "" && !ok {
			extraf(1, "merge of %s into %s", id, c.MergedInto)
		}
	}

	// Deals.
	pipelines := map[string]*crm.Pipeline{}
	ps, err := s.FindPipelines(ctx)
	if err != nil {
		t.Errorf("FindPipelines: %v", err)
	}
	for _, p := range ps {
		pipelines[p.ID] = p
	}
	deals := all(t, "deals", func(after crm.Cursor) ([]*crm.Opportunity, crm.Cursor, error) {
		return s.FindOpportunities(ctx, crm.OpportunityFilter{After: after, Limit: crm.MaxPageLimit})
	})
	history := map[string][]*crm.OpportunityChange{}
	for _, ch := range all(t, "deal histories", func(after crm.Cursor) ([]*crm.OpportunityChange, crm.Cursor, error) {
		return s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{After: after, Limit: crm.MaxPageLimit})
	}) {
		history[ch.OpportunityID] = append(history[ch.OpportunityID], ch)
	}
	seen := map[string]bool{}
	for _, d := range deals {
		seen[d.ID] = true
		live("deal", d.ID, d.CustomerID)
		if p, ok := pipelines[d.PipelineID]; !ok {
			t.Errorf("orphan: deal %s is in pipeline %s, which does not exist", d.ID, d.PipelineID)
		} else if _, ok := p.Stage(d.Stage); !ok {
			t.Errorf("deal %s is in stage %q, which pipeline %s lacks", d.ID, d.Stage, p.ID)
		}
		h := history[d.ID]
		slices.SortFunc(h, func(a, b *crm.OpportunityChange) int { return int(a.Version - b.Version) })
		switch {
		case len(h) == 0:
			t.Errorf("deal %s has no history", d.ID)
		case h[len(h)-1].ToStage != d.Stage:
			t.Errorf("deal %s is in stage %q, its history ends in %q", d.ID, d.Stage, h[len(h)-1].ToStage)
		}
		rec, ok := l.deals[d.ID]
		if !ok {
			continue
		}
		for v, stage := range rec.moves {
			i := slices.IndexFunc(h, func(ch *crm.OpportunityChange) bool { return ch.Version == v })
			switch {
			case i < 0:
				t.Errorf("lost: deal %s: the move to %q at version %d is not in its history", d.ID, stage, v)
			case h[i].ToStage != stage:
				t.Errorf("lost update: deal %s: its history has a move to %q at version %d, acknowledged was %q", d.ID, h[i].ToStage, v, stage)
			}
		}
		if moves := len(h) - 1; moves < len(rec.moves) {
			t.Errorf("lost: deal %s has %d moves in its history, %d acknowledged", d.ID, moves, len(rec.moves))
		} else {
			extraf(moves-len(rec.moves), "moves of deal %s", d.ID)
		}
	}
	for id := range l.deals {
		if !seen[id] {
			t.Errorf("lost: deal %s", id)
		}
	}

	if extra > inFlight {
		t.Errorf("the store holds %d operations that were not acknowledged; at most %d were in flight", extra, inFlight)
	}
}

// all collects every page that list returns, failing t on an error.
func all[T any](t testing.TB, what string, list func(after crm.Cursor) ([]T, crm.Cursor, error)) []T {
	t.Helper()
	var out []T
	var after crm.Cursor
	for {
		page, next, err := list(after)
		if err != nil {
			t.Errorf("list %s: %v", what, err)
			return out
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		after = next
	}
}

// sums adds money per currency.
type sums map[string]decimal.Decimal

func (s sums) add(m crm.Money) { s[m.Currency] = s[m.Currency].Add(m.Amount) }

// dropZero returns s without its zero sums.
func (s sums) dropZero() sums {
	out := sums{}
	for c, d := range s {
		if !d.IsZero() {
			out[c] = d
		}
	}
	return out
}

// equal reports on t where got differs from s, by value.
func (s sums) equal(t testing.TB, what string, got sums) {
	t.Helper()
	for _, c := range sortedKeys(s, got) {
		if !s[c].Equal(got[c]) {
			t.Errorf("money: %s in %s: %s in the store, want %s", what, c, got[c], s[c])
		}
	}
}

// sortedKeys returns the keys of a and b, sorted, once each.
func sortedKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
