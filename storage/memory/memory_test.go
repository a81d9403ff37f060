package memory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// These tests cover what is particular to the memory adapter; the
// behaviour every Store shares is checked by storage/storetest.

var t0 = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.FixedZone("CET", 3600))

// newStore returns an empty store that is closed when the test ends.
func newStore(tb testing.TB) *memory.Store {
	tb.Helper()
	s := memory.New()
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// realisticCustomer returns an organisation with what a typical customer
// record carries: two emails, a phone, three tags, two custom fields, a
// credit limit and consent.
func realisticCustomer(id string) *crm.Customer {
	at := crm.Timestamp(t0)
	return &crm.Customer{
		ID:   id,
		Kind: crm.KindOrganization,
		Name: "Acme Trading Ltd",
		Emails: []crm.Email{
			{Address: "sales@acme.example", Label: "work", Primary: true},
			{Address: "billing@acme.example", Label: "billing"},
		},
		Phones:   []crm.Phone{{Number: "+442079460000", Label: "office", Primary: true}},
		Address:  crm.Address{Street: "1 High Street", City: "London", PostalCode: "EC1A 1AA", Country: "GB"},
		Industry: "wholesale",
		Region:   "south",
		Size:     crm.SizeMedium,
		Stage:    crm.StageActive,
		OwnerID:  "u-ann",
		Tags:     []string{"b2b", "key-account", "vip"},
		Custom: map[string]crm.CustomValue{
			"account_no": crm.StringValue("AC-1042"),
			"employees":  crm.IntValue(180),
		},
		TaxID:        "GB123456789",
		CreditRating: "A",
		CreditLimit:  crm.MustMoney("25000.00", "EUR"),
		RiskLevel:    crm.RiskLow,
		Consent: crm.Consents{
			Email: crm.Consent{Granted: true, At: at},
			Post:  crm.Consent{Granted: false, At: at},
		},
		Source:    "referral",
		CreatedAt: at,
		CreatedBy: "u-ann",
		UpdatedAt: at,
		UpdatedBy: "u-ann",
		Version:   1,
	}
}

func newContact(id, customerID string) *crm.Contact {
	at := crm.Timestamp(t0)
	return &crm.Contact{
		ID:         id,
		CustomerID: customerID,
		Name:       "Jo Bloggs",
		JobTitle:   "Buyer",
		Role:       crm.RolePurchasing,
		Emails:     []crm.Email{{Address: "jo@acme.example", Primary: true}},
		Phones:     []crm.Phone{{Number: "+442079460001", Primary: true}},
		CreatedAt:  at,
		CreatedBy:  "u-ann",
		UpdatedAt:  at,
		UpdatedBy:  "u-ann",
		Version:    1,
	}
}

// newPipeline returns the default sales pipeline under id.
func newPipeline(id string) *crm.Pipeline {
	at := crm.Timestamp(t0)
	p := crm.DefaultPipeline()
	p.ID = id
	p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy = at, "u-ann", at, "u-ann"
	p.Version = 1
	return p
}

// newOpportunity returns a quoted deal of customerID in the proposal stage
// of pipelineID.
func newOpportunity(id, customerID, pipelineID string) *crm.Opportunity {
	at := crm.Timestamp(t0)
	return &crm.Opportunity{
		ID:             id,
		Name:           "Acme — 40 seats",
		CustomerID:     customerID,
		PipelineID:     pipelineID,
		Stage:          "proposal",
		Status:         crm.OpportunityOpen,
		Amount:         crm.MustMoney("12000.00", "EUR"),
		Probability:    30,
		CloseDate:      time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC),
		OwnerID:        "u-ann",
		StageEnteredAt: at,
		CreatedAt:      at,
		CreatedBy:      "u-ann",
		UpdatedAt:      at,
		UpdatedBy:      "u-ann",
		Version:        1,
	}
}

// newChange returns the history entry of version of the deal
// opportunityID.
func newChange(opportunityID string, version int64) *crm.OpportunityChange {
	return &crm.OpportunityChange{
		OpportunityID: opportunityID,
		Version:       version,
		At:            crm.Timestamp(t0).Add(time.Duration(version) * time.Hour),
		By:            "u-ann",
		ToStage:       "proposal",
		Status:        crm.OpportunityOpen,
		Amount:        crm.MustMoney("12000.00", "EUR"),
		Probability:   30,
	}
}

func mustCreateCustomer(tb testing.TB, s crm.Store, c *crm.Customer) {
	tb.Helper()
	require.NoError(tb, s.CreateCustomer(context.Background(), c))
}

func mustCreateContact(tb testing.TB, s crm.Store, ct *crm.Contact) {
	tb.Helper()
	require.NoError(tb, s.CreateContact(context.Background(), ct))
}

func mustCreatePipeline(tb testing.TB, s crm.Store, p *crm.Pipeline) {
	tb.Helper()
	require.NoError(tb, s.CreatePipeline(context.Background(), p))
}

func mustCreateOpportunity(tb testing.TB, s crm.Store, o *crm.Opportunity) {
	tb.Helper()
	require.NoError(tb, s.CreateOpportunity(context.Background(), o))
}

func mustAddChange(tb testing.TB, s crm.Store, ch *crm.OpportunityChange) {
	tb.Helper()
	require.NoError(tb, s.AddOpportunityChange(context.Background(), ch))
}

// state is everything a store holds, as its listings show it.
type state struct {
	Customers       []*crm.Customer
	Contacts        []*crm.Contact
	ContactsOf      map[string][]string
	Pipelines       []*crm.Pipeline
	Opportunities   []*crm.Opportunity
	OpportunitiesOf map[string][]string
	Changes         []*crm.OpportunityChange
}

// dump reads the whole state of s through its public methods.
func dump(t *testing.T, s crm.Store) state {
	t.Helper()
	ctx := context.Background()
	var st state
	st.ContactsOf = map[string][]string{}
	for f := (crm.CustomerFilter{IncludeArchived: true, Limit: 3}); ; {
		page, next, err := s.FindCustomers(ctx, f)
		require.NoError(t, err)
		st.Customers = append(st.Customers, page...)
		if next == "" {
			break
		}
		f.After = next
	}
	for f := (crm.ContactFilter{Limit: 3}); ; {
		page, next, err := s.FindContacts(ctx, f)
		require.NoError(t, err)
		st.Contacts = append(st.Contacts, page...)
		if next == "" {
			break
		}
		f.After = next
	}
	for _, c := range st.Customers {
		page, next, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: c.ID, Limit: crm.MaxPageLimit})
		require.NoError(t, err)
		require.Empty(t, next)
		for _, ct := range page {
			st.ContactsOf[c.ID] = append(st.ContactsOf[c.ID], ct.ID)
		}
	}

	var err error
	st.Pipelines, err = s.FindPipelines(ctx)
	require.NoError(t, err)
	st.OpportunitiesOf = map[string][]string{}
	for f := (crm.OpportunityFilter{Limit: 3}); ; {
		page, next, err := s.FindOpportunities(ctx, f)
		require.NoError(t, err)
		st.Opportunities = append(st.Opportunities, page...)
		if next == "" {
			break
		}
		f.After = next
	}
	for _, c := range st.Customers {
		page, next, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{c.ID}, Limit: crm.MaxPageLimit})
		require.NoError(t, err)
		require.Empty(t, next)
		st.OpportunitiesOf[c.ID] = ids(page)
		if len(page) == 0 {
			delete(st.OpportunitiesOf, c.ID)
		}
	}
	for f := (crm.OpportunityChangeFilter{Limit: 3}); ; {
		page, next, err := s.FindOpportunityChanges(ctx, f)
		require.NoError(t, err)
		st.Changes = append(st.Changes, page...)
		if next == "" {
			break
		}
		f.After = next
	}
	return st
}

func TestCopies(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	in := realisticCustomer("c1")
	mustCreateCustomer(t, s, in)
	want := realisticCustomer("c1")

	// Mutating the value passed in changes nothing stored.
	in.Name = "changed"
	in.Emails[0].Address = "changed@example.com"
	in.Phones[0].Number = "0"
	in.Tags[0] = "changed"
	in.Custom["account_no"] = crm.StringValue("changed")
	got, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// Mutating a value read changes nothing stored.
	got.Emails[1].Address = "changed@example.com"
	got.Tags[2] = "changed"
	got.Custom["new"] = crm.BoolValue(true)
	got.Phones = append(got.Phones[:0], crm.Phone{Number: "1"})
	again, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, want, again)

	// Listings return copies too.
	page, _, err := s.FindCustomers(ctx, crm.CustomerFilter{})
	require.NoError(t, err)
	require.Len(t, page, 1)
	page[0].Tags[0] = "changed"
	page[0].Custom["account_no"] = crm.StringValue("changed")

	// So does an update, both ways.
	up := realisticCustomer("c1")
	require.NoError(t, s.UpdateCustomer(ctx, up))
	up.Tags[1] = "changed"
	up.Emails[0].Label = "changed"
	got, err = s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	want.Version = 2
	assert.Equal(t, want, got)

	// Contacts likewise.
	ct := newContact("p1", "c1")
	mustCreateContact(t, s, ct)
	ct.Emails[0].Address = "changed@example.com"
	gotCt, err := s.FindContactByID(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, newContact("p1", "c1"), gotCt)
	gotCt.Phones[0].Number = "0"
	contacts, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: "c1"})
	require.NoError(t, err)
	require.Len(t, contacts, 1)
	assert.Equal(t, newContact("p1", "c1"), contacts[0])
	contacts[0].Emails[0].Label = "changed"
	gotCt, err = s.FindContactByID(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, newContact("p1", "c1"), gotCt)
}

func TestTimesStoredUTCMicroseconds(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	zone := time.FixedZone("EST", -5*3600)
	at := time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone) // 2024-03-01 UTC
	want := time.Date(2024, 3, 1, 4, 59, 59, 123456000, time.UTC)

	c := realisticCustomer("c1")
	c.CreatedAt, c.UpdatedAt, c.ArchivedAt, c.BirthDate = at, at, at, at
	c.Consent = crm.Consents{
		Email: crm.Consent{Granted: true, At: at},
		Phone: crm.Consent{At: at},
		SMS:   crm.Consent{Granted: true, At: at},
		Post:  crm.Consent{At: at},
	}
	mustCreateCustomer(t, s, c)
	assert.Equal(t, zone, c.CreatedAt.Location(), "the caller's value is left alone")

	got, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	for name, tm := range map[string]time.Time{
		"CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt, "ArchivedAt": got.ArchivedAt,
		"BirthDate": got.BirthDate, "Consent.Email": got.Consent.Email.At, "Consent.Phone": got.Consent.Phone.At,
		"Consent.SMS": got.Consent.SMS.At, "Consent.Post": got.Consent.Post.At,
	} {
		assert.Equal(t, want, tm, name)
		assert.Equal(t, time.UTC, tm.Location(), name)
	}

	// Updates normalise as well, and zero times stay zero.
	got.ArchivedAt = time.Time{}
	got.UpdatedAt = at.Add(200 * time.Nanosecond)
	require.NoError(t, s.UpdateCustomer(ctx, got))
	got, err = s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	assert.True(t, got.ArchivedAt.IsZero())
	assert.Equal(t, want, got.UpdatedAt)

	ct := newContact("p1", "c1")
	ct.CreatedAt, ct.UpdatedAt = at, at
	mustCreateContact(t, s, ct)
	gotCt, err := s.FindContactByID(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, want, gotCt.CreatedAt)
	assert.Equal(t, want, gotCt.UpdatedAt)

	mustCreateCustomer(t, s, realisticCustomer("c2"))
	_, err = s.MoveContacts(ctx, "c1", "c2", at, "u-bob")
	require.NoError(t, err)
	gotCt, err = s.FindContactByID(ctx, "p1")
	require.NoError(t, err)
	assert.Equal(t, want, gotCt.UpdatedAt)
}

func TestVersions(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	c := realisticCustomer("c1")
	c.Version = 7
	mustCreateCustomer(t, s, c)
	got, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, int64(7), got.Version, "create keeps the caller's version")

	t.Run("OK", func(t *testing.T) {
		got.Name = "Acme Holdings"
		require.NoError(t, s.UpdateCustomer(ctx, got))
		assert.Equal(t, int64(8), got.Version)
		again, err := s.FindCustomerByID(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, got, again)
	})
	t.Run("ErrConflict", func(t *testing.T) {
		stale := realisticCustomer("c1")
		stale.Version = 7
		stale.Name = "Stale"
		err := s.UpdateCustomer(ctx, stale)
		require.ErrorIs(t, err, crm.ErrConflict)
		assert.Contains(t, err.Error(), "memory: ")
		assert.Equal(t, int64(7), stale.Version, "a failed update leaves the version alone")
		again, err := s.FindCustomerByID(ctx, "c1")
		require.NoError(t, err)
		assert.Equal(t, "Acme Holdings", again.Name)
		assert.Equal(t, int64(8), again.Version)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		err := s.UpdateCustomer(ctx, realisticCustomer("nobody"))
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
}

func TestCreateErrors(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	mustCreateCustomer(t, s, realisticCustomer("c1"))
	mustCreateContact(t, s, newContact("p1", "c1"))

	dup := realisticCustomer("c1")
	dup.Name = "Other"
	require.ErrorIs(t, s.CreateCustomer(ctx, dup), crm.ErrDuplicate)
	got, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	assert.Equal(t, "Acme Trading Ltd", got.Name)

	require.ErrorIs(t, s.CreateContact(ctx, newContact("p1", "c1")), crm.ErrDuplicate)
	require.ErrorIs(t, s.CreateContact(ctx, newContact("p2", "nobody")), crm.ErrNotFound)
	_, err = s.FindContactByID(ctx, "p2")
	require.ErrorIs(t, err, crm.ErrNotFound)

	require.ErrorIs(t, s.CreateCustomer(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.CreateCustomer(ctx, realisticCustomer("")), crm.ErrInvalid)
	require.ErrorIs(t, s.CreateContact(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.CreateContact(ctx, newContact("", "c1")), crm.ErrInvalid)
	require.ErrorIs(t, s.UpdateCustomer(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.UpdateContact(ctx, nil), crm.ErrInvalid)

	mustCreatePipeline(t, s, newPipeline("l1"))
	mustCreateOpportunity(t, s, newOpportunity("o1", "c1", "l1"))
	mustAddChange(t, s, newChange("o1", 1))
	require.ErrorIs(t, s.CreatePipeline(ctx, newPipeline("l1")), crm.ErrDuplicate)
	require.ErrorIs(t, s.CreateOpportunity(ctx, newOpportunity("o1", "c1", "l1")), crm.ErrDuplicate)
	require.ErrorIs(t, s.CreateOpportunity(ctx, newOpportunity("o2", "nobody", "l1")), crm.ErrNotFound)
	require.ErrorIs(t, s.CreateOpportunity(ctx, newOpportunity("o2", "c1", "nothing")), crm.ErrNotFound)
	require.ErrorIs(t, s.AddOpportunityChange(ctx, newChange("o1", 1)), crm.ErrDuplicate)
	require.ErrorIs(t, s.AddOpportunityChange(ctx, newChange("o2", 1)), crm.ErrNotFound)

	require.ErrorIs(t, s.CreatePipeline(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.CreatePipeline(ctx, newPipeline("")), crm.ErrInvalid)
	require.ErrorIs(t, s.CreateOpportunity(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.CreateOpportunity(ctx, newOpportunity("", "c1", "l1")), crm.ErrInvalid)
	require.ErrorIs(t, s.UpdatePipeline(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.UpdateOpportunity(ctx, nil), crm.ErrInvalid)
	require.ErrorIs(t, s.AddOpportunityChange(ctx, nil), crm.ErrInvalid)
}

// TestSales covers what the memory store does with the sales process
// beyond the contract.
func TestSales(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	fixture(t, s)

	t.Run("ChangeCursor", func(t *testing.T) {
		for _, v := range []int64{2, 3} {
			mustAddChange(t, s, newChange("o2", v))
		}
		page, next, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: 2})
		require.NoError(t, err)
		require.Len(t, page, 2)
		assert.Equal(t, crm.Cursor("2:o2"), next, "the version and the ID of the last entry")
		page, next, err = s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: 2, After: next})
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, int64(3), page[0].Version)
		assert.Empty(t, next)

		for _, c := range []crm.Cursor{"o2", "x:o2", ":o2"} {
			_, _, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{After: c})
			assert.ErrorIs(t, err, crm.ErrInvalid, "cursor %q", c)
		}
	})
	t.Run("MoveToSameCustomer", func(t *testing.T) {
		n, err := s.MoveOpportunities(ctx, "c1", "c1", t0, "u-bob")
		require.NoError(t, err)
		assert.Equal(t, 2, n, "deals stamped in place are counted")
		o, err := s.FindOpportunityByID(ctx, "o3")
		require.NoError(t, err)
		assert.Equal(t, "c1", o.CustomerID)
		assert.Equal(t, int64(2), o.Version)
		assert.Equal(t, "u-bob", o.UpdatedBy)
		assert.Equal(t, crm.Timestamp(t0), o.UpdatedAt)
		page, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{"c1"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"o1", "o3"}, ids(page))
	})
	t.Run("CustomerIDsTwice", func(t *testing.T) {
		page, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{"c2", "c1", "c2", "nobody"}})
		require.NoError(t, err)
		assert.Equal(t, []string{"o1", "o2", "o3"}, ids(page), "each deal once, in ID order")
	})
	t.Run("TimesStoredUTCMicroseconds", func(t *testing.T) {
		zone := time.FixedZone("EST", -5*3600)
		at := time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone)
		want := time.Date(2024, 3, 1, 4, 59, 59, 123456000, time.UTC)
		o := newOpportunity("o9", "c3", "l1")
		o.StageEnteredAt, o.ClosedAt, o.CreatedAt, o.UpdatedAt = at, at, at, at
		mustCreateOpportunity(t, s, o)
		assert.Equal(t, zone, o.CreatedAt.Location(), "the caller's value is left alone")
		got, err := s.FindOpportunityByID(ctx, "o9")
		require.NoError(t, err)
		for name, tm := range map[string]time.Time{
			"StageEnteredAt": got.StageEnteredAt, "ClosedAt": got.ClosedAt, "CreatedAt": got.CreatedAt, "UpdatedAt": got.UpdatedAt,
		} {
			assert.Equal(t, want, tm, name)
		}
		ch := newChange("o9", 1)
		ch.At = at
		mustAddChange(t, s, ch)
		page, _, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{OpportunityIDs: []string{"o9"}})
		require.NoError(t, err)
		require.Len(t, page, 1)
		assert.Equal(t, want, page[0].At)
	})
}

func TestContacts(t *testing.T) {
	ctx := t.Context()
	setup := func(t *testing.T) *memory.Store {
		s := newStore(t)
		for _, id := range []string{"c1", "c2", "c3"} {
			mustCreateCustomer(t, s, realisticCustomer(id))
		}
		for _, p := range [][2]string{{"p1", "c1"}, {"p2", "c2"}, {"p3", "c1"}, {"p4", "c1"}} {
			mustCreateContact(t, s, newContact(p[0], p[1]))
		}
		return s
	}

	t.Run("UpdateMovesBetweenCustomers", func(t *testing.T) {
		s := setup(t)
		ct, err := s.FindContactByID(ctx, "p3")
		require.NoError(t, err)
		ct.CustomerID = "c2"
		require.NoError(t, s.UpdateContact(ctx, ct))
		assert.Equal(t, int64(2), ct.Version)
		st := dump(t, s)
		assert.Equal(t, map[string][]string{"c1": {"p1", "p4"}, "c2": {"p2", "p3"}}, st.ContactsOf)
	})
	t.Run("UpdateErrors", func(t *testing.T) {
		s := setup(t)
		before := dump(t, s)
		ct := newContact("p1", "nobody")
		require.ErrorIs(t, s.UpdateContact(ctx, ct), crm.ErrNotFound)
		ct = newContact("p1", "c1")
		ct.Version = 5
		require.ErrorIs(t, s.UpdateContact(ctx, ct), crm.ErrConflict)
		assert.Equal(t, int64(5), ct.Version)
		require.ErrorIs(t, s.UpdateContact(ctx, newContact("p9", "c1")), crm.ErrNotFound)
		assert.Equal(t, before, dump(t, s))
	})
	t.Run("Delete", func(t *testing.T) {
		s := setup(t)
		require.ErrorIs(t, s.DeleteContact(ctx, "p1", 2), crm.ErrConflict)
		require.ErrorIs(t, s.DeleteContact(ctx, "p9", 1), crm.ErrNotFound)
		require.NoError(t, s.DeleteContact(ctx, "p1", 1))
		_, err := s.FindContactByID(ctx, "p1")
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteContact(ctx, "p1", 1), crm.ErrNotFound)
		st := dump(t, s)
		assert.Equal(t, map[string][]string{"c1": {"p3", "p4"}, "c2": {"p2"}}, st.ContactsOf)
		assert.Len(t, st.Contacts, 3)
	})
	t.Run("Move", func(t *testing.T) {
		s := setup(t)
		at := t0.Add(time.Hour)
		n, err := s.MoveContacts(ctx, "c1", "c2", at, "u-bob")
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		st := dump(t, s)
		assert.Equal(t, map[string][]string{"c2": {"p1", "p2", "p3", "p4"}}, st.ContactsOf)
		for _, ct := range st.Contacts {
			if ct.ID == "p2" {
				assert.Equal(t, int64(1), ct.Version)
				continue
			}
			assert.Equal(t, "c2", ct.CustomerID)
			assert.Equal(t, int64(2), ct.Version)
			assert.Equal(t, crm.Timestamp(at), ct.UpdatedAt)
			assert.Equal(t, "u-bob", ct.UpdatedBy)
			assert.Equal(t, newContact(ct.ID, "c1").Emails, ct.Emails)
		}

		n, err = s.MoveContacts(ctx, "c1", "c3", at, "u-bob")
		require.NoError(t, err)
		assert.Zero(t, n, "c1 has no contacts left")
		n, err = s.MoveContacts(ctx, "nobody", "c3", at, "u-bob")
		require.NoError(t, err)
		assert.Zero(t, n)
	})
	t.Run("MoveToMissingCustomer", func(t *testing.T) {
		s := setup(t)
		before := dump(t, s)
		_, err := s.MoveContacts(ctx, "c1", "nobody", t0, "u-bob")
		require.ErrorIs(t, err, crm.ErrNotFound)
		assert.Equal(t, before, dump(t, s))
	})
	t.Run("MoveToItself", func(t *testing.T) {
		s := setup(t)
		n, err := s.MoveContacts(ctx, "c1", "c1", t0, "u-bob")
		require.NoError(t, err)
		assert.Equal(t, 3, n)
		st := dump(t, s)
		assert.Equal(t, map[string][]string{"c1": {"p1", "p3", "p4"}, "c2": {"p2"}}, st.ContactsOf)
		ct, err := s.FindContactByID(ctx, "p4")
		require.NoError(t, err)
		assert.Equal(t, int64(2), ct.Version)
	})
}

// everyMethod calls each method of s once, returning their errors by name.
func everyMethod(ctx context.Context, s crm.Store) map[string]error {
	errs := map[string]error{}
	errs["CreateCustomer"] = s.CreateCustomer(ctx, realisticCustomer("new"))
	_, errs["FindCustomerByID"] = s.FindCustomerByID(ctx, "c1")
	_, _, errs["FindCustomers"] = s.FindCustomers(ctx, crm.CustomerFilter{})
	errs["UpdateCustomer"] = s.UpdateCustomer(ctx, realisticCustomer("c1"))
	errs["CreateContact"] = s.CreateContact(ctx, newContact("new", "c1"))
	_, errs["FindContactByID"] = s.FindContactByID(ctx, "p1")
	_, _, errs["FindContacts"] = s.FindContacts(ctx, crm.ContactFilter{})
	errs["UpdateContact"] = s.UpdateContact(ctx, newContact("p1", "c1"))
	errs["DeleteContact"] = s.DeleteContact(ctx, "p1", 1)
	_, errs["MoveContacts"] = s.MoveContacts(ctx, "c1", "c2", t0, "u")
	errs["CreatePipeline"] = s.CreatePipeline(ctx, newPipeline("new"))
	_, errs["FindPipelineByID"] = s.FindPipelineByID(ctx, "l1")
	_, errs["FindPipelines"] = s.FindPipelines(ctx)
	errs["UpdatePipeline"] = s.UpdatePipeline(ctx, newPipeline("l1"))
	errs["CreateOpportunity"] = s.CreateOpportunity(ctx, newOpportunity("new", "c1", "l1"))
	_, errs["FindOpportunityByID"] = s.FindOpportunityByID(ctx, "o1")
	_, _, errs["FindOpportunities"] = s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{"c1"}})
	errs["UpdateOpportunity"] = s.UpdateOpportunity(ctx, newOpportunity("o1", "c1", "l1"))
	errs["AddOpportunityChange"] = s.AddOpportunityChange(ctx, newChange("o1", 2))
	_, _, errs["FindOpportunityChanges"] = s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{})
	_, errs["MoveOpportunities"] = s.MoveOpportunities(ctx, "c1", "c2", t0, "u")
	errs["RunInTx"] = s.RunInTx(ctx, func(crm.Store) error { return nil })
	return errs
}

func TestCancelledContext(t *testing.T) {
	s := newStore(t)
	mustCreateCustomer(t, s, realisticCustomer("c1"))
	mustCreateCustomer(t, s, realisticCustomer("c2"))
	mustCreateContact(t, s, newContact("p1", "c1"))
	mustCreatePipeline(t, s, newPipeline("l1"))
	mustCreateOpportunity(t, s, newOpportunity("o1", "c1", "l1"))
	mustAddChange(t, s, newChange("o1", 1))
	before := dump(t, s)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, err := range everyMethod(ctx, s) {
		assert.ErrorIs(t, err, context.Canceled, name)
	}
	assert.Equal(t, before, dump(t, s))

	// Inside a transaction as well.
	err := s.RunInTx(t.Context(), func(tx crm.Store) error {
		for name, err := range everyMethod(ctx, tx) {
			assert.ErrorIs(t, err, context.Canceled, name)
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, before, dump(t, s))
}

func TestClosed(t *testing.T) {
	s := memory.New()
	mustCreateCustomer(t, s, realisticCustomer("c1"))
	require.NoError(t, s.Close())
	for name, err := range everyMethod(t.Context(), s) {
		assert.ErrorIs(t, err, memory.ErrClosed, name)
	}
	assert.ErrorIs(t, s.Close(), memory.ErrClosed)
}

// ids returns the IDs of records.
func ids[T interface {
	*crm.Customer | *crm.Contact | *crm.Pipeline | *crm.Opportunity
}](records []T) []string {
	out := make([]string, len(records))
	for i, r := range records {
		switch r := any(r).(type) {
		case *crm.Customer:
			out[i] = r.ID
		case *crm.Contact:
			out[i] = r.ID
		case *crm.Pipeline:
			out[i] = r.ID
		case *crm.Opportunity:
			out[i] = r.ID
		}
	}
	return out
}

func TestPagination(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	var want []string
	for i := range 1100 {
		want = append(want, fmt.Sprintf("c%04d", i))
	}
	// Out of order, so the sorted index takes its slow path too.
	shuffled := slices.Clone(want)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, id := range shuffled {
		mustCreateCustomer(t, s, realisticCustomer(id))
	}

	t.Run("Walk", func(t *testing.T) {
		var got []string
		f := crm.CustomerFilter{Limit: 7}
		for pages := 0; ; pages++ {
			require.Less(t, pages, 200)
			page, next, err := s.FindCustomers(ctx, f)
			require.NoError(t, err)
			got = append(got, ids(page)...)
			if next == "" {
				break
			}
			assert.Equal(t, crm.Cursor(page[len(page)-1].ID), next)
			f.After = next
		}
		assert.Equal(t, want, got)
	})
	t.Run("ExactLastPage", func(t *testing.T) {
		page, next, err := s.FindCustomers(ctx, crm.CustomerFilter{After: "c1089", Limit: 10})
		require.NoError(t, err)
		assert.Equal(t, want[1090:], ids(page))
		assert.Empty(t, next)
		page, next, err = s.FindCustomers(ctx, crm.CustomerFilter{After: "c1099", Limit: 10})
		require.NoError(t, err)
		assert.Empty(t, page)
		assert.Empty(t, next)
	})
	t.Run("Limits", func(t *testing.T) {
		page, next, err := s.FindCustomers(ctx, crm.CustomerFilter{})
		require.NoError(t, err)
		assert.Len(t, page, crm.DefaultPageLimit)
		assert.Equal(t, crm.Cursor(want[crm.DefaultPageLimit-1]), next)

		page, next, err = s.FindCustomers(ctx, crm.CustomerFilter{Limit: 5000})
		require.NoError(t, err)
		assert.Len(t, page, crm.MaxPageLimit, "clamped")
		assert.Equal(t, crm.Cursor(want[crm.MaxPageLimit-1]), next)

		_, _, err = s.FindCustomers(ctx, crm.CustomerFilter{Limit: -1})
		require.ErrorIs(t, err, crm.ErrInvalid)
		_, _, err = s.FindContacts(ctx, crm.ContactFilter{Limit: -1})
		require.ErrorIs(t, err, crm.ErrInvalid)
	})
	t.Run("CursorNotStored", func(t *testing.T) {
		page, _, err := s.FindCustomers(ctx, crm.CustomerFilter{After: "c0004x", Limit: 2})
		require.NoError(t, err)
		assert.Equal(t, []string{"c0005", "c0006"}, ids(page))
	})
}

func TestPaginationWhileInserting(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	var present []string
	for i := 10; i <= 200; i += 10 {
		id := fmt.Sprintf("c%03d", i)
		present = append(present, id)
		mustCreateCustomer(t, s, realisticCustomer(id))
		mustCreateContact(t, s, newContact("p"+id[1:], "c010"))
	}

	var got, gotContacts []string
	var inserted []string
	f := crm.CustomerFilter{Limit: 4}
	cf := crm.ContactFilter{CustomerID: "c010", Limit: 4}
	for round := 0; ; round++ {
		require.Less(t, round, 100)
		page, next, err := s.FindCustomers(ctx, f)
		require.NoError(t, err)
		got = append(got, ids(page)...)
		cpage, cnext, err := s.FindContacts(ctx, cf)
		require.NoError(t, err)
		gotContacts = append(gotContacts, ids(cpage)...)
		require.Equal(t, next == "", cnext == "")
		if next == "" {
			break
		}
		// One record before the cursor (must not show up), one just after
		// it (must show up), in both listings.
		var n int
		_, err = fmt.Sscanf(string(next), "c%d", &n)
		require.NoError(t, err)
		for _, id := range []string{fmt.Sprintf("c%03d", n-5), string(next) + "a"} {
			mustCreateCustomer(t, s, realisticCustomer(id))
			mustCreateContact(t, s, newContact("p"+id[1:], "c010"))
		}
		inserted = append(inserted, string(next)+"a")
		f.After, cf.After = next, cnext
	}

	want := slices.Concat(present, inserted)
	slices.Sort(want)
	assert.Equal(t, want, got, "every customer present throughout or inserted after the cursor, once, in order")
	wantContacts := make([]string, len(want))
	for i, id := range want {
		wantContacts[i] = "p" + id[1:]
	}
	assert.Equal(t, wantContacts, gotContacts)
}

func TestFindCustomersFilters(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	base := crm.Timestamp(t0)
	mk := func(id, name string, edit func(c *crm.Customer)) {
		c := &crm.Customer{ID: id, Name: name, Kind: crm.KindOrganization, Version: 1, CreatedAt: base, UpdatedAt: base}
		edit(c)
		mustCreateCustomer(t, s, c)
	}
	mk("a1", "Acme Ltd", func(c *crm.Customer) {
		c.OwnerID, c.Stage, c.Industry, c.Region = "u1", crm.StageActive, "retail", "north"
		c.Tags = []string{"b2b", "vip"}
		c.Emails = []crm.Email{{Address: "sales@acme.example", Primary: true}, {Address: "zed@acme.example"}}
		c.Phones = []crm.Phone{{Number: "+441000", Primary: true}}
		c.TaxID = "GB123"
		c.UpdatedAt = base.Add(time.Hour)
	})
	mk("b2", "Bolt", func(c *crm.Customer) {
		c.Kind, c.OwnerID, c.Stage, c.Industry = crm.KindPerson, "u2", crm.StageProspect, "manufacturing"
		c.Tags = []string{"b2b"}
		c.Emails = []crm.Email{{Address: "info@bolt.example", Primary: true}}
		c.Phones = []crm.Phone{{Number: "+442000", Primary: true}}
		c.UpdatedAt = base.Add(2 * time.Hour)
	})
	mk("c3", "Éclair SA", func(c *crm.Customer) {
		c.OwnerID, c.Stage, c.Industry, c.Region = "u1", crm.StageLoyal, "food", "south"
		c.Tags = []string{"vip"}
		c.Emails = []crm.Email{{Address: "Contact@Eclair.example", Primary: true}}
		c.TaxID = "FR999"
		c.UpdatedAt = base.Add(3 * time.Hour)
	})
	mk("d4", "Acme Archive", func(c *crm.Customer) {
		c.OwnerID, c.Region, c.Tags = "u1", "north", []string{"vip"}
		c.ArchivedAt = base.Add(4 * time.Hour)
		c.UpdatedAt = base.Add(4 * time.Hour)
	})
	mk("e5", "Bäcker GmbH", func(c *crm.Customer) {
		c.OwnerID, c.Region = "u3", "east"
		c.Emails = []crm.Email{{Address: "Ünal@baecker.example", Primary: true}}
	})

	tests := []struct {
		name string
		f    crm.CustomerFilter
		want []string
	}{
		{"All", crm.CustomerFilter{}, []string{"a1", "b2", "c3", "e5"}},
		{"IncludeArchived", crm.CustomerFilter{IncludeArchived: true}, []string{"a1", "b2", "c3", "d4", "e5"}},
		{"Owner", crm.CustomerFilter{Owners: []string{"u1"}}, []string{"a1", "c3"}},
		{"OwnersAnyOf", crm.CustomerFilter{Owners: []string{"u2", "u1"}}, []string{"a1", "b2", "c3"}},
		{"Stages", crm.CustomerFilter{Stages: []crm.LifecycleStage{crm.StageActive, crm.StageLoyal}}, []string{"a1", "c3"}},
		{"Industry", crm.CustomerFilter{Industries: []string{"retail"}}, []string{"a1"}},
		{"NoRegion", crm.CustomerFilter{Regions: []string{""}}, []string{"b2"}},
		{"RegionOrNone", crm.CustomerFilter{Regions: []string{"north", ""}}, []string{"a1", "b2"}},
		{"Kind", crm.CustomerFilter{Kinds: []crm.CustomerKind{crm.KindPerson}}, []string{"b2"}},
		{"Tag", crm.CustomerFilter{Tags: []string{"vip"}}, []string{"a1", "c3"}},
		{"TagsAll", crm.CustomerFilter{Tags: []string{"b2b", "vip"}}, []string{"a1"}},
		{"TagMissing", crm.CustomerFilter{Tags: []string{"gold"}}, nil},
		{"UpdatedSinceInclusive", crm.CustomerFilter{UpdatedSince: base.Add(2 * time.Hour)}, []string{"b2", "c3"}},
		{"UpdatedSinceOtherZone", crm.CustomerFilter{UpdatedSince: base.Add(2 * time.Hour).In(time.FixedZone("X", 7200))}, []string{"b2", "c3"}},
		// A bound between two microseconds is compared exactly, as
		// CustomerFilter.Match and the SQL stores do.
		{"UpdatedSinceSubMicrosecond", crm.CustomerFilter{UpdatedSince: base.Add(2*time.Hour + 500*time.Nanosecond)}, []string{"c3"}},
		{"SearchName", crm.CustomerFilter{Search: "acme"}, []string{"a1"}},
		{"SearchNameUpper", crm.CustomerFilter{Search: "ACME L"}, []string{"a1"}},
		{"SearchArchived", crm.CustomerFilter{Search: "acme", IncludeArchived: true}, []string{"a1", "d4"}},
		{"SearchEmail", crm.CustomerFilter{Search: "SALES@"}, []string{"a1"}},
		{"SearchSecondEmail", crm.CustomerFilter{Search: "zed"}, []string{"a1"}},
		{"SearchEmailStoredUpper", crm.CustomerFilter{Search: "contact@ecl"}, []string{"c3"}},
		{"SearchPrefixOnly", crm.CustomerFilter{Search: "cme"}, nil},
		{"SearchUnicode", crm.CustomerFilter{Search: "éCL"}, []string{"c3"}},
		{"SearchUnicodeUpper", crm.CustomerFilter{Search: "BÄC"}, []string{"e5"}},
		{"SearchUnicodeLonger", crm.CustomerFilter{Search: "bäcker g"}, []string{"e5"}},
		{"SearchUnicodeEmail", crm.CustomerFilter{Search: "üNAL@"}, []string{"e5"}},
		{"SearchUnicodeAgainstASCII", crm.CustomerFilter{Search: "aç"}, nil},
		{"SearchWholeName", crm.CustomerFilter{Search: "bolt"}, []string{"b2"}},
		{"SearchLongerThanName", crm.CustomerFilter{Search: "bolts"}, nil},
		{"Email", crm.CustomerFilter{Emails: []string{"info@bolt.example"}}, []string{"b2"}},
		{"EmailAsStored", crm.CustomerFilter{Emails: []string{"INFO@bolt.example"}}, nil},
		{"EmailSecond", crm.CustomerFilter{Emails: []string{"zed@acme.example"}}, []string{"a1"}},
		{"Phone", crm.CustomerFilter{Phones: []string{"+442000"}}, []string{"b2"}},
		{"TaxID", crm.CustomerFilter{TaxIDs: []string{"FR999"}}, []string{"c3"}},
		{"TaxIDAsStored", crm.CustomerFilter{TaxIDs: []string{"fr999"}}, nil},
		{"Combined", crm.CustomerFilter{Owners: []string{"u1"}, Tags: []string{"vip"}, Search: "é"}, []string{"c3"}},
		{"CombinedNone", crm.CustomerFilter{Owners: []string{"u2"}, Regions: []string{"north"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, next, err := s.FindCustomers(ctx, tt.f)
			require.NoError(t, err)
			assert.Empty(t, next)
			assert.Equal(t, tt.want, nilIfEmpty(ids(page)))

			// Page by one: the same customers, each page holding one.
			f := tt.f
			f.Limit = 1
			var got []string
			for {
				page, next, err := s.FindCustomers(ctx, f)
				require.NoError(t, err)
				require.LessOrEqual(t, len(page), 1)
				got = append(got, ids(page)...)
				if next == "" {
					break
				}
				f.After = next
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSearchAfterRename(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	c := realisticCustomer("c1")
	mustCreateCustomer(t, s, c)
	search := func(text string) []string {
		t.Helper()
		page, _, err := s.FindCustomers(ctx, crm.CustomerFilter{Search: text})
		require.NoError(t, err)
		return nilIfEmpty(ids(page))
	}
	for _, name := range []string{"Ökotech AG", "Zeta Ltd", "Ärger & Co"} {
		old := c.Name
		c.Name = name
		require.NoError(t, s.UpdateCustomer(ctx, c))
		assert.Equal(t, []string{"c1"}, search(name[:3]), name)
		assert.Nil(t, search(old[:3]), old)
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// fixture fills s with three customers and four contacts, a pipeline,
// three deals and a history entry.
func fixture(t *testing.T, s crm.Store) {
	t.Helper()
	for _, id := range []string{"c1", "c2", "c3"} {
		mustCreateCustomer(t, s, realisticCustomer(id))
	}
	for _, p := range [][2]string{{"p1", "c1"}, {"p2", "c2"}, {"p3", "c1"}, {"p4", "c3"}} {
		mustCreateContact(t, s, newContact(p[0], p[1]))
	}
	mustCreatePipeline(t, s, newPipeline("l1"))
	for _, o := range [][2]string{{"o1", "c1"}, {"o2", "c2"}, {"o3", "c1"}} {
		mustCreateOpportunity(t, s, newOpportunity(o[0], o[1], "l1"))
	}
	mustAddChange(t, s, newChange("o1", 1))
}

// writeEverything makes every kind of write through tx.
func writeEverything(t *testing.T, ctx context.Context, tx crm.Store, suffix string) {
	t.Helper()
	mustCreateCustomer(t, tx, realisticCustomer("c0"+suffix)) // sorts first
	mustCreateCustomer(t, tx, realisticCustomer("c9"+suffix)) // sorts last
	c, err := tx.FindCustomerByID(ctx, "c2")
	require.NoError(t, err)
	c.Name, c.Tags = "Renamed "+suffix, append(c.Tags, "new-"+suffix)
	require.NoError(t, tx.UpdateCustomer(ctx, c))
	mustCreateContact(t, tx, newContact("p0"+suffix, "c9"+suffix))
	ct, err := tx.FindContactByID(ctx, "p2")
	require.NoError(t, err)
	ct.CustomerID = "c3"
	require.NoError(t, tx.UpdateContact(ctx, ct))
	ct, err = tx.FindContactByID(ctx, "p4")
	require.NoError(t, err)
	require.NoError(t, tx.DeleteContact(ctx, "p4", ct.Version))
	_, err = tx.MoveContacts(ctx, "c1", "c0"+suffix, t0, "u-tx")
	require.NoError(t, err)

	mustCreatePipeline(t, tx, newPipeline("l0"+suffix))
	p, err := tx.FindPipelineByID(ctx, "l1")
	require.NoError(t, err)
	p.Name, p.Stages[0].Requires = "Renamed "+suffix, []crm.OpportunityField{crm.FieldOwner}
	require.NoError(t, tx.UpdatePipeline(ctx, p))
	mustCreateOpportunity(t, tx, newOpportunity("o0"+suffix, "c9"+suffix, "l0"+suffix))
	mustAddChange(t, tx, newChange("o0"+suffix, 1))
	o, err := tx.FindOpportunityByID(ctx, "o2")
	require.NoError(t, err)
	o.CustomerID, o.Stage = "c3", "negotiation"
	require.NoError(t, tx.UpdateOpportunity(ctx, o))
	mustAddChange(t, tx, newChange("o2", o.Version))
	_, err = tx.MoveOpportunities(ctx, "c1", "c0"+suffix, t0, "u-tx")
	require.NoError(t, err)
}

func TestRunInTx(t *testing.T) {
	ctx := t.Context()
	errBoom := errors.New("boom")

	t.Run("Commit", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
			writeEverything(t, ctx, tx, "x")
			return nil
		}))
		st := dump(t, s)
		assert.Equal(t, []string{"c0x", "c1", "c2", "c3", "c9x"}, ids(st.Customers))
		assert.Equal(t, map[string][]string{"c0x": {"p1", "p3"}, "c3": {"p2"}, "c9x": {"p0x"}}, st.ContactsOf)
		assert.Equal(t, "Renamed x", st.Customers[2].Name)
		assert.Equal(t, []string{"l0x", "l1"}, ids(st.Pipelines))
		assert.Equal(t, "Renamed x", st.Pipelines[1].Name)
		assert.Equal(t, []string{"o0x", "o1", "o2", "o3"}, ids(st.Opportunities))
		assert.Equal(t, map[string][]string{"c0x": {"o1", "o3"}, "c3": {"o2"}, "c9x": {"o0x"}}, st.OpportunitiesOf)
		assert.Len(t, st.Changes, 3)
		page, _, err := s.FindCustomers(ctx, crm.CustomerFilter{Search: "renamed"})
		require.NoError(t, err)
		assert.Equal(t, []string{"c2"}, ids(page), "search sees the new name")
	})
	t.Run("ErrorRollsBack", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		before := dump(t, s)
		err := s.RunInTx(ctx, func(tx crm.Store) error {
			writeEverything(t, ctx, tx, "x")
			return errBoom
		})
		require.Equal(t, errBoom, err, "fn's error, as it is")
		assert.Equal(t, before, dump(t, s))
		page, _, err := s.FindCustomers(ctx, crm.CustomerFilter{Search: "renamed"})
		require.NoError(t, err)
		assert.Empty(t, page, "the search index is rolled back too")
	})
	t.Run("PanicRollsBack", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		before := dump(t, s)
		assert.PanicsWithValue(t, "boom", func() {
			_ = s.RunInTx(ctx, func(tx crm.Store) error {
				writeEverything(t, ctx, tx, "x")
				panic("boom")
			})
		})
		assert.Equal(t, before, dump(t, s))
		mustCreateCustomer(t, s, realisticCustomer("after")) // the lock was released
	})
	t.Run("CancelledDuringFn", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		before := dump(t, s)
		cctx, cancel := context.WithCancel(ctx)
		err := s.RunInTx(cctx, func(tx crm.Store) error {
			writeEverything(t, ctx, tx, "x")
			cancel()
			return nil
		})
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, before, dump(t, s))
	})
	t.Run("NestedInnerFails", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
			mustCreateCustomer(t, tx, realisticCustomer("outer1"))
			mid := dump(t, tx)
			err := tx.RunInTx(ctx, func(inner crm.Store) error {
				writeEverything(t, ctx, inner, "in")
				return errBoom
			})
			require.Equal(t, errBoom, err)
			assert.Equal(t, mid, dump(t, tx), "only the inner writes are undone")
			mustCreateCustomer(t, tx, realisticCustomer("outer2"))
			return nil
		}))
		st := dump(t, s)
		assert.Equal(t, []string{"c1", "c2", "c3", "outer1", "outer2"}, ids(st.Customers))
		assert.Len(t, st.Contacts, 4)
		assert.Equal(t, []string{"o1", "o2", "o3"}, ids(st.Opportunities))
		assert.Equal(t, map[string][]string{"c1": {"o1", "o3"}, "c2": {"o2"}}, st.OpportunitiesOf)
		assert.Len(t, st.Changes, 1)
	})
	t.Run("NestedInnerPanics", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
			mustCreateCustomer(t, tx, realisticCustomer("outer1"))
			mid := dump(t, tx)
			assert.Panics(t, func() {
				_ = tx.RunInTx(ctx, func(inner crm.Store) error {
					writeEverything(t, ctx, inner, "in")
					panic("inner")
				})
			})
			assert.Equal(t, mid, dump(t, tx))
			return nil
		}))
		assert.Equal(t, []string{"c1", "c2", "c3", "outer1"}, ids(dump(t, s).Customers))
	})
	t.Run("NestedCommitsThenOuterFails", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		before := dump(t, s)
		err := s.RunInTx(ctx, func(tx crm.Store) error {
			mustCreateCustomer(t, tx, realisticCustomer("outer1"))
			require.NoError(t, tx.RunInTx(ctx, func(inner crm.Store) error {
				writeEverything(t, ctx, inner, "in")
				return tx.RunInTx(ctx, func(inner2 crm.Store) error { // two levels deep
					mustCreateCustomer(t, inner2, realisticCustomer("deep"))
					return nil
				})
			}))
			return errBoom
		})
		require.Equal(t, errBoom, err)
		assert.Equal(t, before, dump(t, s))
	})
	t.Run("TxStoreAfterEnd", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		var leaked crm.Store
		require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
			leaked = tx
			return nil
		}))
		for name, err := range everyMethod(ctx, leaked) {
			assert.ErrorIs(t, err, memory.ErrTxDone, name)
		}
	})
	t.Run("CloseInsideTx", func(t *testing.T) {
		s := newStore(t)
		require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
			require.ErrorIs(t, tx.Close(), crm.ErrInvalid)
			return nil
		}))
		mustCreateCustomer(t, s, realisticCustomer("c1"))
	})
	t.Run("NilFn", func(t *testing.T) {
		s := newStore(t)
		require.ErrorIs(t, s.RunInTx(ctx, nil), crm.ErrInvalid)
	})
	t.Run("Isolation", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		before := dump(t, s)
		var wg sync.WaitGroup
		seen := make(chan state, 1)
		err := s.RunInTx(ctx, func(tx crm.Store) error {
			writeEverything(t, ctx, tx, "x")
			wg.Add(1)
			go func() { // blocks until the transaction ends
				defer wg.Done()
				seen <- dump(t, s)
			}()
			time.Sleep(10 * time.Millisecond)
			return errBoom
		})
		require.Equal(t, errBoom, err)
		wg.Wait()
		assert.Equal(t, before, <-seen, "no reader sees an uncommitted write")
	})
	t.Run("ConcurrentUseOfTxStore", func(t *testing.T) {
		s := newStore(t)
		fixture(t, s)
		require.NoError(t, s.RunInTx(ctx, func(tx crm.Store) error {
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range 25 {
						assert.NoError(t, tx.CreateCustomer(ctx, realisticCustomer(fmt.Sprintf("g%d-%02d", g, i))))
						_, _, err := tx.FindCustomers(ctx, crm.CustomerFilter{Limit: 5})
						assert.NoError(t, err)
					}
				}()
			}
			wg.Wait()
			return nil
		}))
		assert.Len(t, dump(t, s).Customers, 103)
	})
}

func TestConcurrentUse(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	const workers, perWorker = 8, 50
	for i := range perWorker {
		mustCreateCustomer(t, s, realisticCustomer(fmt.Sprintf("shared-%02d", i)))
	}
	mustCreatePipeline(t, s, newPipeline("l1"))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				id := fmt.Sprintf("w%d-%02d", w, i)
				assert.NoError(t, s.CreateCustomer(ctx, realisticCustomer(id)))
				assert.NoError(t, s.CreateContact(ctx, newContact("p-"+id, id)))
				assert.NoError(t, s.CreateOpportunity(ctx, newOpportunity("o-"+id, id, "l1")))
				assert.NoError(t, s.AddOpportunityChange(ctx, newChange("o-"+id, 1)))

				// Read-modify-write a shared customer until it sticks.
				shared := fmt.Sprintf("shared-%02d", i)
				for {
					c, err := s.FindCustomerByID(ctx, shared)
					if !assert.NoError(t, err) {
						return
					}
					c.Tags = append(c.Tags, id)
					err = s.UpdateCustomer(ctx, c)
					if err == nil {
						break
					}
					if !assert.ErrorIs(t, err, crm.ErrConflict) {
						return
					}
				}
				_, _, err := s.FindCustomers(ctx, crm.CustomerFilter{Search: "acme", Limit: 10})
				assert.NoError(t, err)
				_, _, err = s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{"shared-00"}, Limit: 10})
				assert.NoError(t, err)
				_, _, err = s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: 10})
				assert.NoError(t, err)
				err = s.RunInTx(ctx, func(tx crm.Store) error {
					if _, err := tx.MoveContacts(ctx, id, "shared-00", t0, "u"); err != nil {
						return err
					}
					_, err := tx.MoveOpportunities(ctx, id, "shared-00", t0, "u")
					return err
				})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()

	for i := range perWorker {
		c, err := s.FindCustomerByID(ctx, fmt.Sprintf("shared-%02d", i))
		require.NoError(t, err)
		assert.Len(t, c.Tags, 3+workers, "no update was lost")
		assert.Equal(t, int64(1+workers), c.Version)
	}
	page, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: "shared-00", Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, page, workers*perWorker)
	opps, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{"shared-00"}, Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, opps, workers*perWorker)
	changes, _, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: crm.MaxPageLimit})
	require.NoError(t, err)
	assert.Len(t, changes, workers*perWorker)
}

// Sinks make the copies the allocation tests count escape, as the copies
// a store returns do.
var (
	sinkCustomer *crm.Customer
	sinkContact  *crm.Contact
)

// TestAllocs checks the promise that reads and updates allocate nothing
// beyond the defensive copy.
func TestAllocs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	c := realisticCustomer("c1")
	mustCreateCustomer(t, s, c)
	cloneAllocs := testing.AllocsPerRun(100, func() { sinkCustomer = c.Clone() })
	require.Positive(t, cloneAllocs)

	getAllocs := testing.AllocsPerRun(100, func() {
		if _, err := s.FindCustomerByID(ctx, "c1"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, cloneAllocs, getAllocs, "FindCustomerByID allocates as much as Customer.Clone")

	up, err := s.FindCustomerByID(ctx, "c1")
	require.NoError(t, err)
	updateAllocs := testing.AllocsPerRun(100, func() {
		if err := s.UpdateCustomer(ctx, up); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, cloneAllocs, updateAllocs, "UpdateCustomer allocates as much as Customer.Clone")

	ct := newContact("p1", "c1")
	mustCreateContact(t, s, ct)
	contactCloneAllocs := testing.AllocsPerRun(100, func() { sinkContact = ct.Clone() })
	contactGetAllocs := testing.AllocsPerRun(100, func() {
		if _, err := s.FindContactByID(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
	})
	assert.Equal(t, contactCloneAllocs, contactGetAllocs, "FindContactByID allocates as much as Contact.Clone")
}
