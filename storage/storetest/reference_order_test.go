package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// The reference store's orders and payments: plain maps, every listing a
// scan with the filters' Match.

func (s *refStore) inOrder(o *crm.Order) *crm.Order {
	o = o.Clone()
	o.OrderedAt, o.CreatedAt, o.UpdatedAt = s.timestamp(o.OrderedAt), s.timestamp(o.CreatedAt), s.timestamp(o.UpdatedAt)
	return o
}

func (s *refStore) inPayment(p *crm.Payment) *crm.Payment {
	p = p.Clone()
	p.ReceivedAt, p.CreatedAt, p.UpdatedAt = s.timestamp(p.ReceivedAt), s.timestamp(p.CreatedAt), s.timestamp(p.UpdatedAt)
	return p
}

func (s *refStore) CreateOrder(ctx context.Context, o *crm.Order) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.orders[o.ID]; ok {
			return fmt.Errorf("ref: order %s: %w", o.ID, crm.ErrDuplicate)
		}
		if _, ok := st.customers[o.CustomerID]; !ok {
			return s.notFound("customer " + o.CustomerID)
		}
		st.orders[o.ID] = s.inOrder(o)
		return nil
	})
}

func (s *refStore) FindOrderByID(ctx context.Context, id string) (*crm.Order, error) {
	var out *crm.Order
	err := s.do(ctx, func(st *refState) error {
		o, ok := st.orders[id]
		if !ok {
			return s.notFound("order " + id)
		}
		out = o.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindOrders(ctx context.Context, f crm.OrderFilter) ([]*crm.Order, crm.Cursor, error) {
	if f.Limit < 0 {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Order
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		page, next = refPage(s, st, st.orders, f.Match, (*crm.Order).Clone, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

func (s *refStore) UpdateOrder(ctx context.Context, o *crm.Order) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.orders[o.ID]
		switch {
		case !ok:
			return s.notFound("order " + o.ID)
		case old.Version != o.Version:
			return fmt.Errorf("ref: order %s: %w", o.ID, crm.ErrConflict)
		case st.customers[o.CustomerID] == nil:
			return s.notFound("customer " + o.CustomerID)
		}
		no := s.inOrder(o)
		no.Version++
		st.orders[o.ID] = no
		o.Version = no.Version
		return nil
	})
}

// refMove re-points the records of m of customer fromID to toID.
func refMove[T any](s *refStore, ctx context.Context, m func(*refState) map[string]*T, fields func(*T) (customer *string, at *time.Time, by *string, version *int64), fromID, toID string, at time.Time, by string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		if _, ok := st.customers[toID]; !ok {
			return s.notFound("customer " + toID)
		}
		for _, r := range m(st) {
			c, a, b, v := fields(r)
			if *c == fromID {
				*c, *a, *b = toID, s.timestamp(at), by
				*v++
				n++
			}
		}
		return nil
	})
	return n, err
}

// refMoveOne re-points the record id of m, stored at version, to toID.
func refMoveOne[T any](s *refStore, ctx context.Context, m func(*refState) map[string]*T, fields func(*T) (customer *string, at *time.Time, by *string, version *int64), what, id string, version int64, toID string, at time.Time, by string) error {
	return s.do(ctx, func(st *refState) error {
		r, ok := m(st)[id]
		if !ok {
			return s.notFound(what + " " + id)
		}
		if _, ok := st.customers[toID]; !ok {
			return s.notFound("customer " + toID)
		}
		c, a, b, v := fields(r)
		if *v != version {
			return fmt.Errorf("ref: %s %s: %w", what, id, crm.ErrConflict)
		}
		*c, *a, *b = toID, s.timestamp(at), by
		*v++
		return nil
	})
}

func (s *refStore) MovePayment(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	return refMoveOne(s, ctx, func(st *refState) map[string]*crm.Payment { return st.payments },
		func(p *crm.Payment) (*string, *time.Time, *string, *int64) {
			return &p.CustomerID, &p.UpdatedAt, &p.UpdatedBy, &p.Version
		},
		"payment", id, version, toID, at, by)
}

func (s *refStore) MoveOrders(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return refMove(s, ctx, func(st *refState) map[string]*crm.Order { return st.orders },
		func(o *crm.Order) (*string, *time.Time, *string, *int64) {
			return &o.CustomerID, &o.UpdatedAt, &o.UpdatedBy, &o.Version
		},
		fromID, toID, at, by)
}

func (s *refStore) CustomerExposure(ctx context.Context, customerID string) ([]crm.Money, error) {
	var out []crm.Money
	err := s.do(ctx, func(st *refState) error {
		sums := map[string]decimal.Decimal{}
		for _, o := range st.orders {
			if o.CustomerID != customerID || o.Status == crm.OrderCancelled {
				continue
			}
			cur := o.Total.Currency
			if cur == "" {
				cur = o.Paid.Currency
			}
			sums[cur] = sums[cur].Add(o.Total.Amount.Sub(o.Paid.Amount))
		}
		for _, cur := range slices.Sorted(maps.Keys(sums)) {
			if !sums[cur].IsZero() {
				out = append(out, crm.Money{Amount: sums[cur], Currency: cur})
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b crm.Money) int { return strings.Compare(a.Currency, b.Currency) })
	return out, err
}

func (s *refStore) CreatePayment(ctx context.Context, p *crm.Payment) error {
	return s.do(ctx, func(st *refState) error {
		switch {
		case st.payments[p.ID] != nil:
			return fmt.Errorf("ref: payment %s: %w", p.ID, crm.ErrDuplicate)
		case st.orders[p.OrderID] == nil:
			return s.notFound("order " + p.OrderID)
		case st.customers[p.CustomerID] == nil:
			return s.notFound("customer " + p.CustomerID)
		}
		st.payments[p.ID] = s.inPayment(p)
		return nil
	})
}

func (s *refStore) FindPayments(ctx context.Context, f crm.PaymentFilter) ([]*crm.Payment, crm.Cursor, error) {
	if f.Limit < 0 {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Payment
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		page, next = refPage(s, st, st.payments, f.Match, (*crm.Payment).Clone, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

func (s *refStore) MovePayments(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return refMove(s, ctx, func(st *refState) map[string]*crm.Payment { return st.payments },
		func(p *crm.Payment) (*string, *time.Time, *string, *int64) {
			return &p.CustomerID, &p.UpdatedAt, &p.UpdatedBy, &p.Version
		},
		fromID, toID, at, by)
}
