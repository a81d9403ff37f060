package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// errFn is what the suite's transaction functions fail with.
var errFn = errors.New("storetest: fn failed on purpose")

// errInner is what an inner transaction function fails with.
var errInner = errors.New("storetest: inner fn failed on purpose")

// panicValue is what a transaction function panics with.
type panicValue struct{ msg string }

// txOps are the writes a transaction test makes, with ctx, on one store.
// Each check reports on tb and the first error is returned, so that a
// failing write inside fn is reported where it happens.
type txOps struct {
	tb  testing.TB
	ctx context.Context
	s   crm.Store
	err error
}

func (o *txOps) note(err error, what string) {
	o.tb.Helper()
	if !assert.NoError(o.tb, err, "inside the transaction: %s", what) && o.err == nil {
		o.err = err
	}
}

func (o *txOps) createCustomer(c *crm.Customer) {
	o.tb.Helper()
	o.note(o.s.CreateCustomer(o.ctx, c.Clone()), "CreateCustomer "+c.Name)
}

func (o *txOps) createContact(ct *crm.Contact) {
	o.tb.Helper()
	o.note(o.s.CreateContact(o.ctx, ct.Clone()), "CreateContact "+ct.Name)
}

// rename renames customer id and returns the customer as updated.
func (o *txOps) rename(id, name string) *crm.Customer {
	o.tb.Helper()
	c, err := o.s.FindCustomerByID(o.ctx, id)
	o.note(err, "FindCustomerByID")
	if err != nil {
		return nil
	}
	c.Name = name
	o.note(o.s.UpdateCustomer(o.ctx, c), "UpdateCustomer "+name)
	return c
}

// customer returns customer id as the store sees it.
func (o *txOps) customer(id string) *crm.Customer {
	o.tb.Helper()
	c, err := o.s.FindCustomerByID(o.ctx, id)
	o.note(err, "FindCustomerByID")
	return c
}

func testTxCommit(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)
	a := fullCustomer(ids.NewID(), existing.ID)
	ct := fullContact(ids.NewID(), a.ID)
	ct2 := newContact(ids, existing.ID, "Second contact")

	err := s.RunInTx(ctx, func(tx crm.Store) error {
		o := &txOps{tb: t, ctx: ctx, s: tx}
		o.createCustomer(a)
		o.createContact(ct) // of a customer created in this transaction
		o.createContact(ct2)
		o.rename(existing.ID, "Renamed in the transaction")

		// The transaction reads its own writes.
		if got := o.customer(a.ID); got != nil {
			assertCustomerEqual(t, a, got, "inside the transaction")
		}
		if got := o.customer(existing.ID); got != nil {
			assert.Equal(t, "Renamed in the transaction", got.Name, "inside the transaction")
		}
		list, _, err := tx.FindCustomers(ctx, crm.CustomerFilter{IncludeArchived: true})
		o.note(err, "FindCustomers")
		assert.Equal(t, []string{existing.ID, a.ID}, customerIDs(list), "FindCustomers inside the transaction")
		contacts, _, err := tx.FindContacts(ctx, crm.ContactFilter{CustomerID: a.ID})
		o.note(err, "FindContacts")
		assert.Equal(t, []string{ct.ID}, contactIDs(contacts), "FindContacts inside the transaction")
		return o.err
	})
	require.NoError(t, err, "RunInTx")

	assertStoredCustomer(t, s, a, "created in the committed transaction")
	assertStoredContact(t, s, ct, "created in the committed transaction")
	assertStoredContact(t, s, ct2, "created in the committed transaction")
	want := existing.Clone()
	want.Name, want.Version = "Renamed in the transaction", 2
	assertStoredCustomer(t, s, want, "updated in the committed transaction")
}

// testTxRollback fails a transaction that created, updated, moved and
// deleted: none of it may remain.
func testTxRollback(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)
	kept := newContact(ids, existing.ID, "Kept")
	moved := newContact(ids, existing.ID, "Moved and updated")
	mustCreateContact(t, s, kept)
	mustCreateContact(t, s, moved)
	a := newCustomer(ids, "Created then rolled back")
	ct := newContact(ids, a.ID, "Contact of the rolled back customer")
	ct2 := newContact(ids, existing.ID, "Contact rolled back")

	var passed *crm.Customer
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		o := &txOps{tb: t, ctx: ctx, s: tx}
		o.createCustomer(a)
		o.createContact(ct)
		passed = o.rename(existing.ID, "Renamed then rolled back")
		m, err := tx.FindContactByID(ctx, moved.ID)
		o.note(err, "FindContactByID")
		if err == nil {
			m.JobTitle = "Updated then rolled back"
			o.note(tx.UpdateContact(ctx, m), "UpdateContact")
		}
		o.note(tx.DeleteContact(ctx, kept.ID, 1), "DeleteContact")
		_, err = tx.MoveContacts(ctx, existing.ID, a.ID, fineTime(60), "u-tx")
		o.note(err, "MoveContacts")
		o.createContact(ct2)
		return fmt.Errorf("wrapped by fn: %w", errFn)
	})
	assert.ErrorIs(t, err, errFn, "RunInTx must return the error fn returned")
	if passed != nil {
		assert.EqualValues(t, 2, passed.Version, "UpdateCustomer inside the transaction sets the Version passed in")
	}

	assertNoCustomer(t, s, a.ID, "created in the rolled back transaction")
	assertNoContact(t, s, ct.ID, "created in the rolled back transaction")
	assertNoContact(t, s, ct2.ID, "created in the rolled back transaction")
	assertStoredCustomer(t, s, existing, "updated in the rolled back transaction")
	assertStoredContact(t, s, kept, "deleted in the rolled back transaction")
	assertStoredContact(t, s, moved, "updated and moved in the rolled back transaction")
	assert.Equal(t, []string{existing.ID}, customerIDs(allCustomers(t, s, crm.CustomerFilter{IncludeArchived: true})),
		"customers after the rollback")
	assert.Equal(t, []string{kept.ID, moved.ID}, contactIDs(allContacts(t, s, crm.ContactFilter{})),
		"contacts after the rollback")

	// The store is still usable, and not locked by the failed transaction.
	b := newCustomer(ids, "After the rollback")
	err, ok := within(t, "RunInTx after a rolled back transaction", func() error {
		return s.RunInTx(ctx, func(tx crm.Store) error { return tx.CreateCustomer(ctx, b.Clone()) })
	})
	if ok && assert.NoError(t, err, "RunInTx after a rolled back transaction") {
		assertStoredCustomer(t, s, b, "created after the rollback")
	}
}

func testTxPanic(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)
	a := newCustomer(ids, "Created then panicked")
	thrown := panicValue{"storetest: fn panicked on purpose"}

	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = s.RunInTx(ctx, func(tx crm.Store) error {
			o := &txOps{tb: t, ctx: ctx, s: tx}
			o.createCustomer(a)
			o.rename(existing.ID, "Renamed then panicked")
			panic(thrown)
		})
	}()
	assert.Equal(t, thrown, recovered, "RunInTx must re-panic with fn's panic value")

	_, ok := within(t, "FindCustomerByID after a panicking transaction", func() error {
		_, err := s.FindCustomerByID(ctx, existing.ID)
		return err
	})
	if !ok {
		return
	}
	assertNoCustomer(t, s, a.ID, "created in the panicking transaction")
	assertStoredCustomer(t, s, existing, "updated in the panicking transaction")

	b := newCustomer(ids, "After the panic")
	err, ok := within(t, "RunInTx after a panicking transaction", func() error {
		return s.RunInTx(ctx, func(tx crm.Store) error { return tx.CreateCustomer(ctx, b.Clone()) })
	})
	if ok && assert.NoError(t, err, "RunInTx after a panicking transaction") {
		assertStoredCustomer(t, s, b, "created after the panic")
	}
}

// testTxNestedInnerFails joins a transaction from inside it; the inner fn
// fails and the outer one carries on: only the inner writes are undone.
func testTxNestedInnerFails(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)
	a := newCustomer(ids, "Outer, before")
	b := newCustomer(ids, "Inner")
	ct := newContact(ids, a.ID, "Inner contact of the outer customer")
	c := newCustomer(ids, "Outer, after")

	err := s.RunInTx(ctx, func(tx crm.Store) error {
		o := &txOps{tb: t, ctx: ctx, s: tx}
		o.createCustomer(a)
		o.rename(existing.ID, "Renamed by outer")
		innerErr := tx.RunInTx(ctx, func(inner crm.Store) error {
			i := &txOps{tb: t, ctx: ctx, s: inner}
			i.createCustomer(b)
			i.createContact(ct)
			if u := i.rename(existing.ID, "Renamed by inner"); u != nil {
				assert.EqualValues(t, 3, u.Version, "inside the inner transaction")
			}
			return fmt.Errorf("wrapped by inner fn: %w", errInner)
		})
		assert.ErrorIs(t, innerErr, errInner, "the nested RunInTx must return its fn's error")

		// The outer transaction goes on without the inner writes.
		_, err := tx.FindCustomerByID(ctx, b.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound, "a customer the failed inner transaction created, seen from outside it")
		_, err = tx.FindContactByID(ctx, ct.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound, "a contact the failed inner transaction created, seen from outside it")
		if got := o.customer(existing.ID); got != nil {
			assert.Equal(t, "Renamed by outer", got.Name, "after the failed inner transaction")
			assert.EqualValues(t, 2, got.Version, "after the failed inner transaction")
		}
		o.createCustomer(c)
		return o.err // the inner error is swallowed
	})
	require.NoError(t, err, "the outer RunInTx")

	assertStoredCustomer(t, s, a, "created by the outer transaction before the inner one")
	assertStoredCustomer(t, s, c, "created by the outer transaction after the inner one")
	assertNoCustomer(t, s, b.ID, "created by the failed inner transaction")
	assertNoContact(t, s, ct.ID, "created by the failed inner transaction")
	want := existing.Clone()
	want.Name, want.Version = "Renamed by outer", 2
	assertStoredCustomer(t, s, want, "renamed by the outer transaction, then by the failed inner one")
}

// testTxNestedInnerCommits joins a transaction whose inner fn succeeds:
// its writes become part of the outer transaction.
func testTxNestedInnerCommits(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)
	a := newCustomer(ids, "Outer")
	b := newCustomer(ids, "Inner")

	err := s.RunInTx(ctx, func(tx crm.Store) error {
		o := &txOps{tb: t, ctx: ctx, s: tx}
		o.createCustomer(a)
		innerErr := tx.RunInTx(ctx, func(inner crm.Store) error {
			i := &txOps{tb: t, ctx: ctx, s: inner}
			i.createCustomer(b)
			i.rename(existing.ID, "Renamed by inner")
			return i.err
		})
		assert.NoError(t, innerErr, "the nested RunInTx")
		if got := o.customer(b.ID); got != nil {
			assertCustomerEqual(t, b, got, "created by the inner transaction, seen from the outer one")
		}
		return o.err
	})
	require.NoError(t, err, "the outer RunInTx")

	assertStoredCustomer(t, s, a, "created by the outer transaction")
	assertStoredCustomer(t, s, b, "created by the inner transaction")
	want := existing.Clone()
	want.Name, want.Version = "Renamed by inner", 2
	assertStoredCustomer(t, s, want, "renamed by the inner transaction")
}

// testTxNestedOuterFails fails the outer transaction after a successful
// inner one: the inner writes are undone with the outer ones.
func testTxNestedOuterFails(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)
	a := newCustomer(ids, "Outer")
	b := newCustomer(ids, "Inner")

	err := s.RunInTx(ctx, func(tx crm.Store) error {
		o := &txOps{tb: t, ctx: ctx, s: tx}
		o.createCustomer(a)
		innerErr := tx.RunInTx(ctx, func(inner crm.Store) error {
			i := &txOps{tb: t, ctx: ctx, s: inner}
			i.createCustomer(b)
			i.rename(existing.ID, "Renamed by inner")
			return i.err
		})
		assert.NoError(t, innerErr, "the nested RunInTx")
		return errFn
	})
	assert.ErrorIs(t, err, errFn, "the outer RunInTx must return its fn's error")

	assertNoCustomer(t, s, a.ID, "created by the failed outer transaction")
	assertNoCustomer(t, s, b.ID, "created by an inner transaction of the failed outer one")
	assertStoredCustomer(t, s, existing, "renamed by an inner transaction of the failed outer one")
}
