package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// bulkCustomers returns n customers, each with its own email and phone,
// every third with tags, with IDs from ids.
func bulkCustomers(ids crm.IDGenerator, n int) []*crm.Customer {
	cs := make([]*crm.Customer, n)
	for i := range cs {
		c := newCustomer(ids, fmt.Sprintf("Bulk %05d", i))
		c.Emails = []crm.Email{{Address: fmt.Sprintf("bulk%05d@example.com", i), Primary: true}}
		c.Phones = []crm.Phone{{Number: fmt.Sprintf("+4420794%05d", i), Primary: true}}
		if i%3 == 0 {
			c.Tags = []string{"bulk", fmt.Sprintf("t%d", i%7)}
		}
		cs[i] = c
	}
	return cs
}

// testCustomerBulkRoundTrip stores customers in bulk and reads each back
// as stored: a full one, a minimal one and a batch larger than a page and
// than any single INSERT of an adapter.
func testCustomerBulkRoundTrip(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	survivor := newCustomer(ids, "Survivor")
	full := fullCustomer(ids.NewID(), survivor.ID)
	minimal := newCustomer(ids, "Minimal")
	require.NoError(t, s.CreateCustomers(ctx, []*crm.Customer{survivor, full, minimal}), "CreateCustomers")
	assertStoredCustomer(t, s, survivor, "survivor")
	assertStoredCustomer(t, s, full, "every field set")
	assertStoredCustomer(t, s, minimal, "every optional field zero")

	many := bulkCustomers(ids, crm.MaxPageLimit+234)
	require.NoError(t, s.CreateCustomers(ctx, many), "CreateCustomers of %d", len(many))
	got := allCustomers(t, s, crm.CustomerFilter{Search: "bulk "})
	require.Len(t, got, len(many), "customers stored in bulk")
	for i, c := range got {
		if !assertCustomerEqual(t, many[i], c, "bulk customer %d", i) {
			break
		}
	}
	byEmail := allCustomers(t, s, crm.CustomerFilter{Emails: []string{many[7].Emails[0].Address, many[1100].Emails[0].Address}})
	assert.Equal(t, []string{many[7].ID, many[1100].ID}, customerIDs(byEmail), "found by their emails")
	var emails []string
	for _, c := range many {
		emails = append(emails, c.Emails[0].Address)
	}
	byEmails := allCustomers(t, s, crm.CustomerFilter{Emails: emails, Phones: []string{many[0].Phones[0].Number, many[1233].Phones[0].Number}})
	assert.Equal(t, []string{many[0].ID, many[1233].ID}, customerIDs(byEmails), "found by %d emails and 2 phones", len(emails))
	byEmails = allCustomers(t, s, crm.CustomerFilter{Emails: emails})
	assert.Len(t, byEmails, len(many), "found by %d emails", len(emails))
	byTag := allCustomers(t, s, crm.CustomerFilter{Tags: []string{"bulk", "t0"}})
	assert.Len(t, byTag, (len(many)+20)/21, "found by their tags") // i%3 == 0 and i%7 == 0

	assert.NoError(t, s.CreateCustomers(ctx, nil), "CreateCustomers of none")
}

// testCustomerBulkDuplicate checks that a batch with a taken or repeated
// ID stores nothing.
func testCustomerBulkDuplicate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	existing := newCustomer(ids, "Existing")
	mustCreateCustomer(t, s, existing)

	batch := bulkCustomers(ids, 5)
	taken := existing.Clone()
	taken.Name = "Taken"
	err := s.CreateCustomers(ctx, append(batch[:3:3], taken, batch[3]))
	assert.ErrorIs(t, err, crm.ErrDuplicate, "CreateCustomers with a taken ID")
	for _, c := range batch {
		assertNoCustomer(t, s, c.ID, "a customer of the refused batch")
	}
	assertStoredCustomer(t, s, existing, "the customer whose ID was taken")

	twice := batch[1].Clone()
	twice.Name = "Twice"
	err = s.CreateCustomers(ctx, append(batch[:3:3], twice))
	assert.ErrorIs(t, err, crm.ErrDuplicate, "CreateCustomers with an ID given twice")
	for _, c := range batch {
		assertNoCustomer(t, s, c.ID, "a customer of the refused batch")
	}

	// The store stays usable, inside a transaction too.
	require.NoError(t, s.CreateCustomers(ctx, batch), "CreateCustomers after refusals")
	assertStoredCustomer(t, s, batch[4])
	more := bulkCustomers(ids, 2)
	err = s.RunInTx(ctx, func(tx crm.Store) error {
		if err := tx.CreateCustomers(ctx, []*crm.Customer{more[0], existing}); !assert.ErrorIs(t, err, crm.ErrDuplicate, "in a transaction") {
			return err
		}
		if err := tx.CreateCustomers(ctx, []*crm.Customer{more[0], more[0]}); !assert.ErrorIs(t, err, crm.ErrDuplicate, "an ID given twice in a transaction") {
			return err
		}
		return tx.CreateCustomers(ctx, more[1:])
	})
	require.NoError(t, err, "a transaction after a refused batch")
	assertNoCustomer(t, s, more[0].ID, "a customer of the batch refused in the transaction")
	assertStoredCustomer(t, s, more[1], "a customer of the batch after it")
}

// testCustomerBulkRollback checks that a batch stored in a transaction
// that fails is not kept.
func testCustomerBulkRollback(t *testing.T, s crm.Store) {
	ctx := t.Context()
	batch := bulkCustomers(new(crm.UUIDv7), 700)
	errBoom := fmt.Errorf("boom")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		if err := tx.CreateCustomers(ctx, batch); err != nil {
			return err
		}
		return errBoom
	})
	require.ErrorIs(t, err, errBoom, "RunInTx")
	assert.Empty(t, allCustomers(t, s, crm.CustomerFilter{IncludeArchived: true}), "customers after the rollback")
	byEmail, _, err := s.FindCustomers(ctx, crm.CustomerFilter{Emails: []string{batch[0].Emails[0].Address}})
	assert.NoError(t, err)
	assert.Empty(t, byEmail, "the emails of the rolled-back batch")
}

// testCustomerBulkCopies checks that the store keeps its own copies of a
// batch.
func testCustomerBulkCopies(t *testing.T, s crm.Store) {
	batch := bulkCustomers(new(crm.UUIDv7), 2)
	want := batch[0].Clone()
	require.NoError(t, s.CreateCustomers(t.Context(), batch))
	batch[0].Name = "Changed"
	batch[0].Emails[0].Address = "changed@example.com"
	assertStoredCustomer(t, s, want, "after the caller changed its copy")
}

// testCustomerKeysFollowWrites checks that the exact filters (emails,
// phones, tax IDs) follow updates and rolled-back updates, so that a store
// keeping an index of them keeps it right.
func testCustomerKeysFollowWrites(t *testing.T, s crm.Store) {
	ctx := t.Context()
	c := bulkCustomers(new(crm.UUIDv7), 1)[0]
	c.TaxID = "GB111"
	mustCreateCustomer(t, s, c)
	find := func(f crm.CustomerFilter) []string {
		return customerIDs(allCustomers(t, s, f))
	}
	oldEmail, oldPhone := c.Emails[0].Address, c.Phones[0].Number

	c.Emails = []crm.Email{{Address: "new@example.com", Primary: true}}
	c.Phones = nil
	c.TaxID = "GB222"
	require.NoError(t, s.UpdateCustomer(ctx, c))
	assert.Empty(t, find(crm.CustomerFilter{Emails: []string{oldEmail}}), "the old email after an update")
	assert.Empty(t, find(crm.CustomerFilter{Phones: []string{oldPhone}}), "the old phone after an update")
	assert.Empty(t, find(crm.CustomerFilter{TaxIDs: []string{"GB111"}}), "the old tax ID after an update")
	assert.Equal(t, []string{c.ID}, find(crm.CustomerFilter{Emails: []string{"new@example.com"}}), "the new email")
	assert.Equal(t, []string{c.ID}, find(crm.CustomerFilter{TaxIDs: []string{"GB222"}}), "the new tax ID")

	errUndo := fmt.Errorf("undo")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		u := c.Clone()
		u.Emails = []crm.Email{{Address: "rolled@example.com", Primary: true}}
		if err := tx.UpdateCustomer(ctx, u); err != nil {
			return err
		}
		return errUndo
	})
	require.ErrorIs(t, err, errUndo)
	assert.Empty(t, find(crm.CustomerFilter{Emails: []string{"rolled@example.com"}}), "the email of a rolled-back update")
	assert.Equal(t, []string{c.ID}, find(crm.CustomerFilter{Emails: []string{"new@example.com"}}), "the email before the rolled-back update")
}
