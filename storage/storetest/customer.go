package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testCustomerRoundTrip stores a customer with every field set and reads
// it back by ID and through a listing.
func testCustomerRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	survivor := newCustomer(ids, "Survivor")
	mustCreateCustomer(t, s, survivor)

	want := fullCustomer(ids.NewID(), survivor.ID)
	mustCreateCustomer(t, s, want)

	got := mustFindCustomer(t, s, want.ID)
	assertCustomerEqual(t, want, got, "FindCustomerByID")

	// The points most likely to break, spelled out with literal values
	// so they do not depend on crm.Timestamp being right.
	assertDecimalEqual(t, decimal.RequireFromString("1234567890.45"), got.CreditLimit.Amount, "CreditLimit.Amount")
	assert.Equal(t, "EUR", got.CreditLimit.Currency, "CreditLimit.Currency")
	wantCreated := time.Date(2024, 2, 29, 18, 0, 5, 123456000, time.UTC)
	assert.True(t, wantCreated.Equal(got.CreatedAt), "CreatedAt: want %s (UTC, truncated to µs), got %s", wantCreated, got.CreatedAt)
	assert.Equal(t, "UTC", got.CreatedAt.Location().String(), "the location of CreatedAt")
	discount, ok := got.Custom["discount"].Number()
	assert.True(t, ok, "custom field discount must stay a number")
	assertDecimalEqual(t, decimal.RequireFromString("12.34"), discount, "custom field discount")

	// Listings return the same values as FindCustomerByID.
	list := allCustomers(t, s, crm.CustomerFilter{IncludeArchived: true})
	require.Len(t, list, 2, "FindCustomers with IncludeArchived")
	assertCustomerEqual(t, survivor, list[0], "FindCustomers, first customer")
	assertCustomerEqual(t, want, list[1], "FindCustomers, second customer")
}

// testCustomerZeroValues stores a customer with every optional field
// zero: no emails, no custom fields, no credit limit, zero times.
func testCustomerZeroValues(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	want := newCustomer(ids, "Minimal")
	mustCreateCustomer(t, s, want)

	got := mustFindCustomer(t, s, want.ID)
	assertCustomerEqual(t, want, got)
	assert.True(t, got.ArchivedAt.IsZero(), "ArchivedAt: want the zero time, got %s", got.ArchivedAt)
	assert.True(t, got.BirthDate.IsZero(), "BirthDate: want the zero time, got %s", got.BirthDate)
	assert.True(t, got.CreditLimit.IsZero(), "CreditLimit: want the zero Money, got %+v", got.CreditLimit)
	assert.Empty(t, got.Custom, "Custom")

	list := allCustomers(t, s, crm.CustomerFilter{})
	require.Len(t, list, 1, "FindCustomers")
	assertCustomerEqual(t, want, list[0], "FindCustomers")
}

func testCustomerNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	present := newCustomer(ids, "Present")
	mustCreateCustomer(t, s, present)
	missing := ids.NewID()

	_, err := s.FindCustomerByID(ctx, missing)
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindCustomerByID of a missing ID")
	_, err = s.FindCustomerByID(ctx, "")
	assert.ErrorIs(t, err, crm.ErrNotFound, `FindCustomerByID("")`)

	ghost := newCustomer(ids, "Ghost")
	ghost.ID = missing
	err = s.UpdateCustomer(ctx, ghost)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateCustomer of a missing ID")
	assert.EqualValues(t, 1, ghost.Version, "a failed UpdateCustomer must leave the Version passed in")
	assertNoCustomer(t, s, missing, "UpdateCustomer of a missing ID must not create it")
	assertStoredCustomer(t, s, present, "another customer")
}

func testCustomerDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	original := newCustomer(ids, "Original")
	mustCreateCustomer(t, s, original)

	dup := fullCustomer(original.ID, "")
	dup.ArchivedAt = time.Time{}
	err := s.CreateCustomer(t.Context(), dup)
	assert.ErrorIs(t, err, crm.ErrDuplicate, "CreateCustomer with an ID in use")
	assertStoredCustomer(t, s, original, "after the refused duplicate")

	list := allCustomers(t, s, crm.CustomerFilter{IncludeArchived: true})
	assert.Equal(t, []string{original.ID}, customerIDs(list), "FindCustomers after the refused duplicate")
}

// testCustomerUpdate replaces every field of a stored customer, clearing
// some, and checks the version rule.
func testCustomerUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	survivor := newCustomer(ids, "Survivor")
	mustCreateCustomer(t, s, survivor)
	other := newCustomer(ids, "Bystander")
	mustCreateCustomer(t, s, other)
	full := fullCustomer(ids.NewID(), survivor.ID)
	mustCreateCustomer(t, s, full)

	u := mustFindCustomer(t, s, full.ID)
	require.EqualValues(t, 1, u.Version)
	u.Kind = crm.KindPerson
	u.Name = "Zoë Ålander"
	u.Emails = nil
	u.Phones = []crm.Phone{{Number: "+491700000000", Label: "mobile", Primary: true}}
	u.Address = crm.Address{City: "Hamburg", Country: "DE"}
	u.Industry = ""
	u.Region = "north"
	u.Size = ""
	u.Stage = crm.StageAtRisk
	u.OwnerID = "u-carol"
	u.Tags = nil
	delete(u.Custom, "segment")
	u.Custom["discount"] = crm.NumberValue(decimal.RequireFromString("7.50"))
	u.Custom["renewal"] = crm.StringValue("2025-06-30") // same text, other kind
	u.Custom["added"] = crm.BoolValue(false)
	u.TaxID = ""
	u.CreditLimit = crm.Money{}
	u.RiskLevel = crm.RiskHigh
	u.BirthDate = time.Time{}
	u.Consent.Email = crm.Consent{Granted: false, At: fineTime(20)}
	u.Consent.Post = crm.Consent{Granted: true, At: fineTime(21)}
	u.DoNotContact = false
	u.TimeZone = "America/Argentina/Buenos_Aires"
	u.ArchivedAt = time.Time{}
	u.MergedInto = ""
	u.ErasedAt = fineTime(23)
	u.UpdatedAt = fineTime(22)
	u.UpdatedBy = "u-carol"
	want := u.Clone()

	require.NoError(t, s.UpdateCustomer(ctx, u), "UpdateCustomer")
	assert.EqualValues(t, 2, u.Version, "UpdateCustomer must set the Version passed in to the next one")
	want.Version = 2
	assertStoredCustomer(t, s, want, "after the first update")

	// The value UpdateCustomer returned is good for the next update.
	u.Name = "Zoë Ålander-Berg"
	require.NoError(t, s.UpdateCustomer(ctx, u), "UpdateCustomer with the version set by the last update")
	assert.EqualValues(t, 3, u.Version)
	want.Name, want.Version = u.Name, 3
	assertStoredCustomer(t, s, want, "after the second update")

	assertStoredCustomer(t, s, other, "a customer not updated")
	list := allCustomers(t, s, crm.CustomerFilter{})
	if assert.Len(t, list, 3, "FindCustomers after the updates") {
		assertCustomerEqual(t, want, list[2], "FindCustomers after the updates")
	}
}

// testCustomerStaleVersion updates with versions behind and ahead of the
// stored one: each fails with ErrConflict and changes nothing.
func testCustomerStaleVersion(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	survivor := newCustomer(ids, "Survivor")
	mustCreateCustomer(t, s, survivor)
	c := fullCustomer(ids.NewID(), survivor.ID)
	mustCreateCustomer(t, s, c)

	first := mustFindCustomer(t, s, c.ID)
	second := mustFindCustomer(t, s, c.ID)
	first.Name = "First writer"
	require.NoError(t, s.UpdateCustomer(ctx, first), "the first writer's update")
	before := mustFindCustomer(t, s, c.ID)
	require.EqualValues(t, 2, before.Version)

	second.Name = "Second writer"
	second.Tags = []string{"lost"}
	err := s.UpdateCustomer(ctx, second)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateCustomer with a version behind the stored one")
	assert.EqualValues(t, 1, second.Version, "a failed UpdateCustomer must leave the Version passed in")
	assertStoredCustomer(t, s, before, "after the stale update")

	ahead := before.Clone()
	ahead.Name = "From the future"
	ahead.Version = 7
	err = s.UpdateCustomer(ctx, ahead)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateCustomer with a version ahead of the stored one")
	assert.EqualValues(t, 7, ahead.Version, "a failed UpdateCustomer must leave the Version passed in")
	assertStoredCustomer(t, s, before, "after the update from ahead")
}

// testCustomerCopies mutates every value that crosses the Store boundary
// after the call and checks that the stored customer does not change.
func testCustomerCopies(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	survivor := newCustomer(ids, "Survivor")
	mustCreateCustomer(t, s, survivor)
	c := fullCustomer(ids.NewID(), survivor.ID)
	c.ArchivedAt, c.MergedInto = time.Time{}, ""
	want := c.Clone()

	require.NoError(t, s.CreateCustomer(ctx, c))
	scribble(c)
	assertStoredCustomer(t, s, want, "after changing the value passed to CreateCustomer")

	got := mustFindCustomer(t, s, c.ID)
	scribble(got)
	assertStoredCustomer(t, s, want, "after changing a value FindCustomerByID returned")

	list := allCustomers(t, s, crm.CustomerFilter{})
	require.Len(t, list, 2)
	scribble(list[1])
	assertStoredCustomer(t, s, want, "after changing a value FindCustomers returned")

	u := mustFindCustomer(t, s, c.ID)
	u.Name = "Updated"
	want = u.Clone()
	require.NoError(t, s.UpdateCustomer(ctx, u))
	want.Version = 2
	scribble(u)
	assertStoredCustomer(t, s, want, "after changing the value passed to UpdateCustomer")

	// Two reads do not share anything either.
	a := mustFindCustomer(t, s, c.ID)
	b := mustFindCustomer(t, s, c.ID)
	scribble(a)
	assertCustomerEqual(t, want, b, "a second read after changing the first")
}

// scribble changes, in place, every part of c that a store could share
// with the caller: slice elements, map entries, slices grown in place.
func scribble(c *crm.Customer) {
	c.Name = "scribbled"
	if len(c.Emails) > 0 {
		c.Emails[0].Address = "scribbled@example.invalid"
		c.Emails[len(c.Emails)-1].Primary = !c.Emails[len(c.Emails)-1].Primary
	}
	if len(c.Phones) > 0 {
		c.Phones[0].Number = "+10000000000"
		c.Phones[0].Label = "scribbled"
	}
	if len(c.Tags) > 0 {
		c.Tags[0] = "scribbled"
	}
	// Appending into spare capacity writes to a shared array too.
	c.Emails = append(c.Emails, crm.Email{Address: "appended@example.invalid"})
	c.Phones = append(c.Phones, crm.Phone{Number: "+10000000001"})
	c.Tags = append(c.Tags, "appended")
	if c.Custom != nil {
		c.Custom["discount"] = crm.StringValue("scribbled")
		delete(c.Custom, "prepaid")
		c.Custom["scribbled"] = crm.BoolValue(true)
	}
	c.CreditLimit.Amount = c.CreditLimit.Amount.Add(decimal.NewFromInt(1))
	c.Version += 100
}

// testCustomerConcurrentUpdates increments a custom counter from many
// goroutines, each retrying on ErrConflict: no increment may be lost.
func testCustomerConcurrentUpdates(t *testing.T, s crm.Store) {
	const (
		workers    = 16
		increments = 200
		maxRetries = 10_000 // per increment: a store that always conflicts fails
	)
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Counter")
	c.Custom = map[string]crm.CustomValue{"counter": crm.IntValue(0), "label": crm.StringValue("kept")}
	mustCreateCustomer(t, s, c)

	one := decimal.NewFromInt(1)
	increment := func() error {
		for range maxRetries {
			cur, err := s.FindCustomerByID(ctx, c.ID)
			if err != nil {
				return fmt.Errorf("FindCustomerByID: %w", err)
			}
			n, ok := cur.Custom["counter"].Number()
			if !ok {
				return fmt.Errorf("custom field counter is %s, want a number", cur.Custom["counter"].Kind())
			}
			cur.Custom["counter"] = crm.NumberValue(n.Add(one))
			err = s.UpdateCustomer(ctx, cur)
			if errors.Is(err, crm.ErrConflict) {
				continue
			}
			if err != nil {
				return fmt.Errorf("UpdateCustomer: %w", err)
			}
			return nil
		}
		return fmt.Errorf("UpdateCustomer conflicted %d times in a row", maxRetries)
	}

	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range increments {
				if err := increment(); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for w, err := range errs {
		assert.NoError(t, err, "worker %d", w)
	}

	got := mustFindCustomer(t, s, c.ID)
	n, ok := got.Custom["counter"].Number()
	assert.True(t, ok, "custom field counter must stay a number")
	assertDecimalEqual(t, decimal.NewFromInt(workers*increments), n, "counter after %d×%d increments", workers, increments)
	assert.EqualValues(t, workers*increments+1, got.Version, "Version after %d updates", workers*increments)
	assert.True(t, crm.StringValue("kept").Equal(got.Custom["label"]), "custom field label: got %q", got.Custom["label"])
}
