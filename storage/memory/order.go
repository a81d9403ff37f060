package memory

// Orders and payments, kept as opportunities are in pipeline.go: by ID,
// with a sorted ID index and a per-customer index.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// children is a table of records that belong to a customer: the records
// by ID, their IDs ascending, and each customer's records' IDs ascending
// (no empty lists; a record with no customer, such as a lead not yet
// converted, is in no customer's list). A table may index its records by a parent that never
// changes too (payments by order). Records are never modified once
// stored.
type children[E any] struct {
	byID map[string]*E
	ids  []string
	of   map[string][]string
	// customer returns the ID of a record's customer.
	customer func(*E) string
	// byParent, if parent is not nil, lists the IDs of each parent's
	// records, ascending; parent returns a record's parent, which a
	// write must not change.
	byParent map[string][]string
	parent   func(*E) string
	// keys, if key is not nil, maps the unique key of each record to
	// its ID ([children.uniqueBy]).
	keys map[string]string
	key  func(*E) string
	// secondary, if not nil, is an index that every write keeps.
	secondary childIndex[E]
}

// childIndex is a secondary index of a children table, told of every
// change to the stored records, undoing included.
type childIndex[E any] interface {
	// replace records that the stored record old (nil if there was
	// none) is now cur (nil if it is gone).
	replace(old, cur *E)
	// move records that the records of customer fromID now belong to
	// customer toID (fromID itself if they are equal) and are the
	// records of byID with their IDs, which differ from the old ones
	// only in their customer and stamps.
	move(fromID, toID string, byID map[string]*E)
}

func newChildren[E any](customer, parent func(*E) string) children[E] {
	t := children[E]{byID: make(map[string]*E), of: make(map[string][]string), customer: customer, parent: parent}
	if parent != nil {
		t.byParent = make(map[string][]string)
	}
	return t
}

// uniqueBy returns t with key as a unique key of its records: no two
// records have the same key, and createChild refuses a record whose key
// another holds.
func (t children[E]) uniqueBy(key func(*E) string) children[E] {
	t.key, t.keys = key, make(map[string]string)
	return t
}

// taken returns the ID of the record other than id that holds the unique
// key of r, if any.
func (t *children[E]) taken(id string, r *E) (string, bool) {
	if t.key == nil {
		return "", false
	}
	other, ok := t.keys[t.key(r)]
	return other, ok && other != id
}

// put stores r in place of old (nil if r is new), keeping the indexes.
func (t *children[E]) put(id string, r, old *E) {
	t.byID[id] = r
	switch {
	case old == nil:
		t.ids = insertSorted(t.ids, id)
		t.index(t.customer(r), id)
		if t.parent != nil {
			indexChild(t.byParent, t.parent(r), id)
		}
	case t.customer(old) != t.customer(r):
		t.unindex(t.customer(old), id)
		t.index(t.customer(r), id)
	}
	if t.key != nil {
		if old != nil {
			delete(t.keys, t.key(old))
		}
		t.keys[t.key(r)] = id
	}
	if t.secondary != nil {
		t.secondary.replace(old, r)
	}
}

// index and unindex add id to and remove it from the list of customer,
// if there is one.
func (t *children[E]) index(customer, id string) {
	if customer != "" {
		indexChild(t.of, customer, id)
	}
}

func (t *children[E]) unindex(customer, id string) {
	if customer != "" {
		unindexChild(t.of, customer, id)
	}
}

// restore makes r the record id, removing it if r is nil.
func (t *children[E]) restore(id string, r *E) {
	cur := t.byID[id]
	switch {
	case r == nil && cur != nil:
		delete(t.byID, id)
		t.ids = removeSorted(t.ids, id)
		t.unindex(t.customer(cur), id)
		if t.parent != nil {
			unindexChild(t.byParent, t.parent(cur), id)
		}
		if t.key != nil {
			delete(t.keys, t.key(cur))
		}
		if t.secondary != nil {
			t.secondary.replace(cur, nil)
		}
	case r != nil:
		t.put(id, r, cur)
	}
}

// idsFor returns, in ascending order, the IDs of the records of the
// customers customerIDs, or failing those of the parents parentIDs, or of
// every record if there are neither. The caller holds the lock and must
// not modify the result.
func (t *children[E]) idsFor(customerIDs, parentIDs []string) []string {
	switch {
	case len(customerIDs) > 0:
		return childrenOfAny(t.of, customerIDs)
	case len(parentIDs) > 0 && t.parent != nil:
		return childrenOfAny(t.byParent, parentIDs)
	}
	return t.ids
}

func orderCustomer(o *crm.Order) string     { return o.CustomerID }
func paymentCustomer(p *crm.Payment) string { return p.CustomerID }
func paymentOrder(p *crm.Payment) string    { return p.OrderID }

func (s *Store) saveOrder(id string, prev *crm.Order) {
	s.save(undoEntry{kind: kindOrder, id: id, order: prev})
}

func (s *Store) savePayment(id string, prev *crm.Payment) {
	s.save(undoEntry{kind: kindPayment, id: id, payment: prev})
}

// CreateOrder stores a copy of o with its lines. It fails with
// [crm.ErrDuplicate] if an order with o.ID exists, with [crm.ErrNotFound]
// if o.CustomerID names no customer, and with [crm.ErrInvalid] if o is
// nil or has no ID.
func (s *Store) CreateOrder(ctx context.Context, o *crm.Order) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.orders, "order", o, func(o *crm.Order) string { return o.ID }, func(o *crm.Order) *crm.Order {
		no := o.Clone()
		normOrder(no)
		return no
	}, func(d *data, o *crm.Order) error {
		if d.customers[o.CustomerID] == nil {
			return fmt.Errorf("customer %s: %w", o.CustomerID, crm.ErrNotFound)
		}
		return nil
	}, s.saveOrder)
}

// createChild stores prepare(in), a copy of in in the stored form, as a
// new record of t, of kind what ("order"), whose ID id reads. It fails
// with [crm.ErrInvalid] if in is nil or has no ID, with [crm.ErrDuplicate]
// if its ID or its unique key ([children.uniqueBy]) is taken, and with
// the error of refs, which checks under the write lock that the records
// it names exist.
func createChild[E any](ctx context.Context, s *Store, t *children[E], what string, in *E, id func(*E) string,
	prepare func(*E) *E, refs func(*data, *E) error, save func(string, *E),
) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create %s: %w", what, err)
	}
	if in == nil || id(in) == "" {
		return fmt.Errorf("memory: create %s: no ID: %w", what, crm.ErrInvalid)
	}
	r := prepare(in)
	rid := id(r)
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	if t.byID[rid] != nil {
		return fmt.Errorf("memory: create %s %s: %w", what, rid, crm.ErrDuplicate)
	}
	if other, taken := t.taken(rid, r); taken {
		return fmt.Errorf("memory: create %s %s: %s %s has its key: %w", what, rid, what, other, crm.ErrDuplicate)
	}
	if err := refs(s.d, r); err != nil {
		return fmt.Errorf("memory: create %s %s: %w", what, rid, err)
	}
	save(rid, nil)
	t.put(rid, r, nil)
	return nil
}

// FindOrderByID returns a copy of the order id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindOrderByID(ctx context.Context, id string) (*crm.Order, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.orders.byID, "order", id)
}

// FindOrders returns copies of one page of the orders f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last). Matching is [crm.OrderFilter.Match]; with CustomerIDs only the
// orders of those customers are visited.
func (s *Store) FindOrders(ctx context.Context, f crm.OrderFilter) ([]*crm.Order, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.orders, "orders", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.Order).Clone)
}

// findChildren returns copies, made with clone, of one page of the
// records of t (of kind what, "orders") that match admits, after the
// cursor after, visiting only those idsFor(customerIDs, parentIDs)
// names.
func findChildren[E any](ctx context.Context, s *Store, t *children[E], what string, customerIDs, parentIDs []string,
	after crm.Cursor, limit int, match func(*E) bool, clone func(*E) *E,
) ([]*E, crm.Cursor, error) {
	return findIn(ctx, s, t, what, func() []string { return t.idsFor(customerIDs, parentIDs) }, after, limit, match, clone)
}

// findIn is findChildren visiting the IDs that ids, called under the
// lock, returns in ascending order.
func findIn[E any](ctx context.Context, s *Store, t *children[E], what string, ids func() []string,
	after crm.Cursor, limit int, match func(*E) bool, clone func(*E) *E,
) ([]*E, crm.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find %s: %w", what, err)
	}
	limit, err := pageLimit("find "+what, limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	page, next, err := scanPage(ctx, t.byID, ids(), after, limit, match)
	s.unlock(false)
	if err != nil {
		return nil, "", fmt.Errorf("memory: find %s: %w", what, err)
	}
	for i, r := range page {
		page[i] = clone(r)
	}
	return page, next, nil
}

// UpdateOrder replaces the stored order o.ID with a copy of o under the
// version rule of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound]
// also if o.CustomerID names no customer.
func (s *Store) UpdateOrder(ctx context.Context, o *crm.Order) error {
	s = s.in(ctx)
	return updateChild(ctx, s, &s.d.orders, "order", o, func(o *crm.Order) (string, *int64) { return o.ID, &o.Version }, func(o *crm.Order) *crm.Order {
		no := o.Clone()
		normOrder(no)
		return no
	}, func(d *data, o *crm.Order) error {
		if _, ok := d.customers[o.CustomerID]; !ok {
			return fmt.Errorf("customer %s: %w", o.CustomerID, crm.ErrNotFound)
		}
		return nil
	}, s.saveOrder)
}

// updateChild replaces the stored record of t (of kind what) that in
// names with prepare(in), a copy of in in the stored form, under the
// version rule of [Store.UpdateCustomer], and sets in's Version to the
// stored one; key returns a record's ID and the address of its Version.
// It fails with [crm.ErrInvalid] if in is nil, and with the error of
// refs, which checks under the write lock that the records it names
// exist.
func updateChild[E any](ctx context.Context, s *Store, t *children[E], what string, in *E, key func(*E) (string, *int64),
	prepare func(*E) *E, refs func(*data, *E) error, save func(string, *E),
) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update %s: %w", what, err)
	}
	if in == nil {
		return fmt.Errorf("memory: update %s: nil %s: %w", what, what, crm.ErrInvalid)
	}
	r := prepare(in)
	id, version := key(r)
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	old, err := storedVersion(t.byID, func(r *E) int64 { _, v := key(r); return *v }, "update "+what, id, *version)
	if err != nil {
		return err
	}
	if err := refs(s.d, r); err != nil {
		return fmt.Errorf("memory: update %s %s: %w", what, id, err)
	}
	*version++
	save(id, old)
	t.put(id, r, old)
	_, inVersion := key(in)
	*inVersion = *version
	return nil
}

// MoveOrders re-points every order of customer fromID to customer toID,
// stamping each with UpdatedAt at, UpdatedBy by and a Version one higher,
// and returns how many it moved. It fails with [crm.ErrNotFound] if toID
// names no customer.
func (s *Store) MoveOrders(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.orders, "orders", fromID, toID, func(no *crm.Order) {
		no.CustomerID, no.UpdatedAt, no.UpdatedBy = toID, at, by
		no.Version++
	}, s.saveOrder, nil)
}

// moveChildRecords moves the records of t (of kind what) of customer
// fromID to customer toID, each replaced by a copy that restamp
// re-points and stamps, the old one recorded with save, and returns how
// many moved. check, if not nil, may refuse the move first, under the
// write lock, with an error that moveChildRecords wraps.
func moveChildRecords[E any](ctx context.Context, s *Store, t *children[E], what, fromID, toID string, restamp func(*E), save func(string, *E), check func() error) (int, error) {
	if err := s.beginMove(ctx, what, fromID, toID); err != nil {
		return 0, err
	}
	defer s.unlock(true)
	if check != nil {
		if err := check(); err != nil {
			return 0, fmt.Errorf("memory: move %s %s to %s: %w", what, fromID, toID, err)
		}
	}
	ids := t.of[fromID]
	moveRecords(t.byID, ids, restamp, save)
	moveChildren(t.of, fromID, toID)
	if t.secondary != nil {
		t.secondary.move(fromID, toID, t.byID)
	}
	return len(ids), nil
}

// CustomerExposure returns, per currency in ascending order, the sum of
// Total − Paid over the orders of customerID that are not cancelled,
// leaving out sums of zero: one pass over the customer's orders, O(k).
func (s *Store) CustomerExposure(ctx context.Context, customerID string) ([]crm.Money, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: customer exposure %s: %w", customerID, err)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	var out []crm.Money
	t := &s.d.orders
	for _, id := range t.of[customerID] {
		o := t.byID[id]
		if o.Status == crm.OrderCancelled {
			continue
		}
		owed := o.Total.Amount.Sub(o.Paid.Amount)
		cur := o.Currency()
		i, found := slices.BinarySearchFunc(out, cur, func(m crm.Money, c string) int { return strings.Compare(m.Currency, c) })
		if !found {
			out = slices.Insert(out, i, crm.Money{Amount: decimal.Zero, Currency: cur})
		}
		out[i].Amount = out[i].Amount.Add(owed)
	}
	s.unlock(false)
	return slices.DeleteFunc(out, func(m crm.Money) bool { return m.Amount.IsZero() }), nil
}

// CreatePayment stores a copy of p. It fails with [crm.ErrDuplicate] if a
// payment with p.ID exists, with [crm.ErrNotFound] if p.OrderID names no
// order or p.CustomerID no customer, and with [crm.ErrInvalid] if p is
// nil or has no ID.
func (s *Store) CreatePayment(ctx context.Context, p *crm.Payment) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.payments, "payment", p, func(p *crm.Payment) string { return p.ID }, func(p *crm.Payment) *crm.Payment {
		np := p.Clone()
		normPayment(np)
		return np
	}, func(d *data, p *crm.Payment) error {
		switch {
		case d.orders.byID[p.OrderID] == nil:
			return fmt.Errorf("order %s: %w", p.OrderID, crm.ErrNotFound)
		case d.customers[p.CustomerID] == nil:
			return fmt.Errorf("customer %s: %w", p.CustomerID, crm.ErrNotFound)
		}
		return nil
	}, s.savePayment)
}

// FindPayments returns copies of one page of the payments f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last). Matching is [crm.PaymentFilter.Match]; with CustomerIDs only the
// payments of those customers are visited, with OrderIDs only those of
// the orders.
func (s *Store) FindPayments(ctx context.Context, f crm.PaymentFilter) ([]*crm.Payment, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.payments, "payments", f.CustomerIDs, f.OrderIDs, f.After, f.Limit, f.Match, (*crm.Payment).Clone)
}

// MovePayments re-points every payment of customer fromID to customer
// toID as [Store.MoveOrders] does orders.
func (s *Store) MovePayments(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.payments, "payments", fromID, toID, func(np *crm.Payment) {
		np.CustomerID, np.UpdatedAt, np.UpdatedBy = toID, at, by
		np.Version++
	}, s.savePayment, nil)
}

// MovePayment re-points the payment id, stored at version, to customer
// toID, stamping it with UpdatedAt at, UpdatedBy by and a Version one
// higher. It fails with [crm.ErrNotFound] if there is no such payment or
// toID names no customer, and with [crm.ErrConflict] if its Version is
// not version.
func (s *Store) MovePayment(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecord(ctx, s, &s.d.payments, "payment", id, version, toID,
		func(p *crm.Payment) int64 { return p.Version },
		func(np *crm.Payment) {
			np.CustomerID, np.UpdatedAt, np.UpdatedBy = toID, at, by
			np.Version++
		}, s.savePayment)
}

// moveChildRecord re-points the one record id of t (of kind what) to
// customer toID, provided versionOf reads version in it: a copy that
// restamp re-points and stamps replaces it, the old one recorded with
// save.
func moveChildRecord[E any](ctx context.Context, s *Store, t *children[E], what, id string, version int64, toID string,
	versionOf func(*E) int64, restamp func(*E), save func(string, *E),
) error {
	if err := s.beginMove(ctx, what, id, toID); err != nil {
		return err
	}
	defer s.unlock(true)
	old, err := storedVersion(t.byID, versionOf, "move "+what, id, version)
	if err != nil {
		return err
	}
	r := new(E)
	*r = *old
	restamp(r)
	save(id, old)
	t.put(id, r, old)
	return nil
}

// normOrder puts every time of o in the stored form.
func normOrder(o *crm.Order) {
	stamp(&o.OrderedAt)
	stamp(&o.CreatedAt)
	stamp(&o.UpdatedAt)
}

// normPayment puts every time of p in the stored form.
func normPayment(p *crm.Payment) {
	stamp(&p.ReceivedAt)
	stamp(&p.CreatedAt)
	stamp(&p.UpdatedAt)
}
