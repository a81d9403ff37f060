package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func testContactRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Employer")
	mustCreateCustomer(t, s, c)
	want := fullContact(ids.NewID(), c.ID)
	mustCreateContact(t, s, want)

	got := mustFindContact(t, s, want.ID)
	assertContactEqual(t, want, got, "FindContactByID")

	list := allContacts(t, s, crm.ContactFilter{CustomerID: c.ID})
	if assert.Len(t, list, 1, "FindContacts of the customer") {
		assertContactEqual(t, want, list[0], "FindContacts")
	}
}

func testContactZeroValues(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Employer")
	mustCreateCustomer(t, s, c)
	want := newContact(ids, c.ID, "Minimal")
	mustCreateContact(t, s, want)

	assertStoredContact(t, s, want)
	list := allContacts(t, s, crm.ContactFilter{})
	if assert.Len(t, list, 1, "FindContacts") {
		assertContactEqual(t, want, list[0], "FindContacts")
	}
}

func testContactNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Employer")
	mustCreateCustomer(t, s, c)
	present := newContact(ids, c.ID, "Present")
	mustCreateContact(t, s, present)
	missingCustomer := ids.NewID()
	missing := ids.NewID()

	_, err := s.FindContactByID(ctx, missing)
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindContactByID of a missing ID")
	_, err = s.FindContactByID(ctx, "")
	assert.ErrorIs(t, err, crm.ErrNotFound, `FindContactByID("")`)

	orphan := newContact(ids, missingCustomer, "Orphan")
	err = s.CreateContact(ctx, orphan)
	assert.ErrorIs(t, err, crm.ErrNotFound, "CreateContact for a missing customer")
	assertNoContact(t, s, orphan.ID, "a contact refused for its missing customer must not be stored")

	ghost := newContact(ids, c.ID, "Ghost")
	ghost.ID = missing
	err = s.UpdateContact(ctx, ghost)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateContact of a missing ID")
	assert.EqualValues(t, 1, ghost.Version, "a failed UpdateContact must leave the Version passed in")
	assertNoContact(t, s, missing, "UpdateContact of a missing ID must not create it")

	moved := present.Clone()
	moved.CustomerID = missingCustomer
	err = s.UpdateContact(ctx, moved)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateContact to a missing customer")
	assert.EqualValues(t, 1, moved.Version, "a failed UpdateContact must leave the Version passed in")
	assertStoredContact(t, s, present, "after the refused move to a missing customer")

	err = s.DeleteContact(ctx, missing, 1)
	assert.ErrorIs(t, err, crm.ErrNotFound, "DeleteContact of a missing ID")
	assertStoredContact(t, s, present, "another contact")
}

func testContactDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	a := newCustomer(ids, "Employer A")
	b := newCustomer(ids, "Employer B")
	mustCreateCustomer(t, s, a)
	mustCreateCustomer(t, s, b)
	original := newContact(ids, a.ID, "Original")
	mustCreateContact(t, s, original)

	for _, customerID := range []string{a.ID, b.ID} {
		dup := fullContact(original.ID, customerID)
		err := s.CreateContact(t.Context(), dup)
		assert.ErrorIs(t, err, crm.ErrDuplicate, "CreateContact with an ID in use")
		assertStoredContact(t, s, original, "after the refused duplicate")
	}
	assert.Equal(t, []string{original.ID}, contactIDs(allContacts(t, s, crm.ContactFilter{})),
		"FindContacts after the refused duplicates")
}

// testContactUpdate replaces every field of a contact, moving it to
// another customer.
func testContactUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	a := newCustomer(ids, "Employer A")
	b := newCustomer(ids, "Employer B")
	mustCreateCustomer(t, s, a)
	mustCreateCustomer(t, s, b)
	full := fullContact(ids.NewID(), a.ID)
	mustCreateContact(t, s, full)
	other := newContact(ids, a.ID, "Bystander")
	mustCreateContact(t, s, other)

	u := mustFindContact(t, s, full.ID)
	u.CustomerID = b.ID
	u.Name = "Ingrid Øverås"
	u.JobTitle = ""
	u.Role = crm.RoleDecisionMaker
	u.Emails = []crm.Email{{Address: "ingrid@b.example", Label: "work", Primary: true}}
	u.Phones = nil
	u.UpdatedAt = fineTime(30)
	u.UpdatedBy = "u-carol"
	want := u.Clone()

	require.NoError(t, s.UpdateContact(ctx, u), "UpdateContact")
	assert.EqualValues(t, 2, u.Version, "UpdateContact must set the Version passed in to the next one")
	want.Version = 2
	assertStoredContact(t, s, want, "after the update")

	u.Name = "Ingrid Øverås-Berg"
	require.NoError(t, s.UpdateContact(ctx, u), "UpdateContact with the version set by the last update")
	assert.EqualValues(t, 3, u.Version)
	want.Name, want.Version = u.Name, 3
	assertStoredContact(t, s, want, "after the second update")
	assertStoredContact(t, s, other, "a contact not updated")

	assert.Equal(t, []string{other.ID}, contactIDs(allContacts(t, s, crm.ContactFilter{CustomerID: a.ID})),
		"contacts of the customer the contact left")
	assert.Equal(t, []string{full.ID}, contactIDs(allContacts(t, s, crm.ContactFilter{CustomerID: b.ID})),
		"contacts of the customer the contact joined")
}

func testContactStaleVersion(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Employer")
	mustCreateCustomer(t, s, c)
	ct := fullContact(ids.NewID(), c.ID)
	mustCreateContact(t, s, ct)

	first := mustFindContact(t, s, ct.ID)
	second := mustFindContact(t, s, ct.ID)
	first.Name = "First writer"
	require.NoError(t, s.UpdateContact(ctx, first))
	before := mustFindContact(t, s, ct.ID)
	require.EqualValues(t, 2, before.Version)

	second.Name = "Second writer"
	err := s.UpdateContact(ctx, second)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateContact with a version behind the stored one")
	assert.EqualValues(t, 1, second.Version, "a failed UpdateContact must leave the Version passed in")
	assertStoredContact(t, s, before, "after the stale update")

	ahead := before.Clone()
	ahead.Name = "From the future"
	ahead.Version = 9
	err = s.UpdateContact(ctx, ahead)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateContact with a version ahead of the stored one")
	assertStoredContact(t, s, before, "after the update from ahead")

	for _, v := range []int64{1, 3, 0} {
		err = s.DeleteContact(ctx, ct.ID, v)
		assert.ErrorIs(t, err, crm.ErrConflict, "DeleteContact with version %d, stored %d", v, before.Version)
		assertStoredContact(t, s, before, "after DeleteContact with version %d", v)
	}
}

func testContactDelete(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Employer")
	mustCreateCustomer(t, s, c)
	gone := newContact(ids, c.ID, "Gone")
	kept := newContact(ids, c.ID, "Kept")
	updated := newContact(ids, c.ID, "Updated, then gone")
	for _, ct := range []*crm.Contact{gone, kept, updated} {
		mustCreateContact(t, s, ct)
	}

	require.NoError(t, s.DeleteContact(ctx, gone.ID, 1), "DeleteContact with the stored version")
	assertNoContact(t, s, gone.ID, "after DeleteContact")
	err := s.DeleteContact(ctx, gone.ID, 1)
	assert.ErrorIs(t, err, crm.ErrNotFound, "DeleteContact of a deleted contact")

	u := mustFindContact(t, s, updated.ID)
	require.NoError(t, s.UpdateContact(ctx, u))
	require.NoError(t, s.DeleteContact(ctx, updated.ID, 2), "DeleteContact of an updated contact with its new version")
	assertNoContact(t, s, updated.ID, "after DeleteContact")

	assertStoredContact(t, s, kept, "a contact not deleted")
	assert.Equal(t, []string{kept.ID}, contactIDs(allContacts(t, s, crm.ContactFilter{CustomerID: c.ID})),
		"FindContacts after the deletes")

	// The ID is free again.
	again := newContact(crm.IDGeneratorFunc(func() string { return gone.ID }), c.ID, "Back")
	assert.NoError(t, s.CreateContact(ctx, again.Clone()), "CreateContact with the ID of a deleted contact")
}

func testContactFilter(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	a := newCustomer(ids, "Employer A")
	b := newCustomer(ids, "Employer B")
	empty := newCustomer(ids, "No contacts")
	for _, c := range []*crm.Customer{a, b, empty} {
		mustCreateCustomer(t, s, c)
	}
	all := newIDs(t, ids, 9)
	owner := make(map[string]string)
	var ofA, ofB []string
	for i, id := range all {
		if i%3 == 1 {
			owner[id] = b.ID
			ofB = append(ofB, id)
		} else {
			owner[id] = a.ID
			ofA = append(ofA, id)
		}
	}
	for _, id := range shuffled(all) {
		mustCreateContact(t, s, newContact(crm.IDGeneratorFunc(func() string { return id }), owner[id], "Contact "+id))
	}

	for _, tc := range []struct {
		what       string
		customerID string
		want       []string
	}{
		{"contacts of A", a.ID, ofA},
		{"contacts of B", b.ID, ofB},
		{"contacts of a customer without any", empty.ID, []string{}},
		{"contacts of a missing customer", ids.NewID(), []string{}},
		{"every contact", "", all},
	} {
		page, next, err := s.FindContacts(t.Context(), crm.ContactFilter{CustomerID: tc.customerID})
		if !assert.NoError(t, err, tc.what) {
			continue
		}
		assert.Equal(t, tc.want, contactIDs(page), "%s, in ascending ID order", tc.what)
		assert.Empty(t, next, "%s: the cursor after a page that holds them all", tc.what)
		assert.Equal(t, tc.want, walkPages(t, contactLister(s, crm.ContactFilter{CustomerID: tc.customerID}), 2, nil),
			"%s, in pages of 2", tc.what)
	}
}

// testContactPaginate lists the contacts of one customer, interleaved in ID
// order with another's, in small pages and with the default limit.
func testContactPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	a := newCustomer(ids, "Employer A")
	b := newCustomer(ids, "Employer B")
	mustCreateCustomer(t, s, a)
	mustCreateCustomer(t, s, b)
	all := newIDs(t, ids, crm.DefaultPageLimit+1+20)
	var ofA []string
	owner := make(map[string]string)
	for i, id := range all {
		if i%6 == 5 && i < 6*20 {
			owner[id] = b.ID
		} else {
			owner[id] = a.ID
			ofA = append(ofA, id)
		}
	}
	require.Len(t, ofA, crm.DefaultPageLimit+1)
	for _, id := range shuffled(all) {
		mustCreateContact(t, s, newContact(crm.IDGeneratorFunc(func() string { return id }), owner[id], "Contact "+id))
	}

	assert.Equal(t, ofA, walkPages(t, contactLister(s, crm.ContactFilter{CustomerID: a.ID}), 7, nil),
		"contacts of A in pages of 7")
	assert.Equal(t, all, walkPages(t, contactLister(s, crm.ContactFilter{}), 25, nil),
		"every contact in pages of 25")

	page, next, err := s.FindContacts(t.Context(), crm.ContactFilter{CustomerID: a.ID})
	require.NoError(t, err)
	assert.Equal(t, ofA[:crm.DefaultPageLimit], contactIDs(page), "first page with Limit 0")
	require.NotEmpty(t, next, "the cursor after the first of two pages")
	page, next, err = s.FindContacts(t.Context(), crm.ContactFilter{CustomerID: a.ID, After: next})
	require.NoError(t, err)
	assert.Equal(t, ofA[crm.DefaultPageLimit:], contactIDs(page), "second page with Limit 0")
	assert.Empty(t, next, "the cursor after the last page")
}

func testContactPaginateWhileInserting(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	a := newCustomer(ids, "Employer A")
	b := newCustomer(ids, "Employer B")
	mustCreateCustomer(t, s, a)
	mustCreateCustomer(t, s, b)
	all := newIDs(t, ids, 150)
	var ofA []string
	for i, id := range all {
		if i%3 == 2 {
			// Contacts of B, interleaved with A's, never listed.
			mustCreateContact(t, s, newContact(crm.IDGeneratorFunc(func() string { return id }), b.ID, "Contact of B"))
		} else {
			ofA = append(ofA, id)
		}
	}
	insert := func(tb testing.TB, id string) {
		mustCreateContact(tb, s, newContact(crm.IDGeneratorFunc(func() string { return id }), a.ID, "Contact of A"))
	}
	checkPaginateWhileInserting(t, ofA, insert, contactLister(s, crm.ContactFilter{CustomerID: a.ID}))
}

// testContactCopies mutates every contact value that crosses the Store
// boundary and checks that the stored contact does not change.
func testContactCopies(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	c := newCustomer(ids, "Employer")
	mustCreateCustomer(t, s, c)
	ct := fullContact(ids.NewID(), c.ID)
	want := ct.Clone()

	require.NoError(t, s.CreateContact(ctx, ct))
	scribbleContact(ct)
	assertStoredContact(t, s, want, "after changing the value passed to CreateContact")

	got := mustFindContact(t, s, want.ID)
	scribbleContact(got)
	assertStoredContact(t, s, want, "after changing a value FindContactByID returned")

	list := allContacts(t, s, crm.ContactFilter{CustomerID: c.ID})
	require.Len(t, list, 1)
	scribbleContact(list[0])
	assertStoredContact(t, s, want, "after changing a value FindContacts returned")

	u := mustFindContact(t, s, want.ID)
	u.JobTitle = "Updated"
	want = u.Clone()
	require.NoError(t, s.UpdateContact(ctx, u))
	want.Version = 2
	scribbleContact(u)
	assertStoredContact(t, s, want, "after changing the value passed to UpdateContact")

	x := mustFindContact(t, s, want.ID)
	y := mustFindContact(t, s, want.ID)
	scribbleContact(x)
	assertContactEqual(t, want, y, "a second read after changing the first")
}

func scribbleContact(ct *crm.Contact) {
	ct.Name = "scribbled"
	if len(ct.Emails) > 0 {
		ct.Emails[0].Address = "scribbled@example.invalid"
		ct.Emails[0].Primary = !ct.Emails[0].Primary
	}
	if len(ct.Phones) > 0 {
		ct.Phones[0].Number = "+10000000000"
	}
	ct.Emails = append(ct.Emails, crm.Email{Address: "appended@example.invalid"})
	ct.Phones = append(ct.Phones, crm.Phone{Number: "+10000000001"})
	ct.Version += 100
}

// testContactMove moves more contacts than fit in a default page from one
// customer to another.
func testContactMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	from := newCustomer(ids, "Merged away")
	to := newCustomer(ids, "Survivor")
	other := newCustomer(ids, "Bystander")
	for _, c := range []*crm.Customer{from, to, other} {
		mustCreateCustomer(t, s, c)
	}
	var moving []*crm.Contact
	first := fullContact(ids.NewID(), from.ID)
	mustCreateContact(t, s, first)
	moving = append(moving, first)
	for range crm.DefaultPageLimit + 4 {
		ct := newContact(ids, from.ID, "Moving")
		mustCreateContact(t, s, ct)
		moving = append(moving, ct)
	}
	// A contact updated before the move, to see that the move adds one to
	// each contact's own version.
	u := mustFindContact(t, s, moving[1].ID)
	require.NoError(t, s.UpdateContact(ctx, u))
	moving[1] = u
	staying := newContact(ids, to.ID, "Already there")
	bystander := newContact(ids, other.ID, "Elsewhere")
	mustCreateContact(t, s, staying)
	mustCreateContact(t, s, bystander)

	at := fineTime(40)
	n, err := s.MoveContacts(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveContacts")
	assert.Equal(t, len(moving), n, "MoveContacts must return how many contacts moved")

	for _, ct := range moving {
		want := ct.Clone()
		want.CustomerID = to.ID
		want.UpdatedAt = at
		want.UpdatedBy = "u-merger"
		want.Version = ct.Version + 1
		if !assertStoredContact(t, s, want, "moved contact %s", ct.ID) {
			break // one report is enough
		}
	}
	assertStoredContact(t, s, staying, "a contact already at the target")
	assertStoredContact(t, s, bystander, "a contact of another customer")

	assert.Empty(t, allContacts(t, s, crm.ContactFilter{CustomerID: from.ID}), "contacts left with the source customer")
	wantAtTarget := append(contactIDs(moving), staying.ID)
	assert.Equal(t, wantAtTarget, contactIDs(allContacts(t, s, crm.ContactFilter{CustomerID: to.ID})),
		"contacts of the target customer")

	n, err = s.MoveContacts(ctx, from.ID, to.ID, fineTime(41), "u-merger")
	assert.NoError(t, err, "MoveContacts from a customer without contacts")
	assert.Zero(t, n, "MoveContacts from a customer without contacts")
}

func testContactMoveMissingTarget(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	from := newCustomer(ids, "Source")
	mustCreateCustomer(t, s, from)
	ct := fullContact(ids.NewID(), from.ID)
	mustCreateContact(t, s, ct)

	_, err := s.MoveContacts(t.Context(), from.ID, ids.NewID(), fineTime(50), "u-merger")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveContacts to a missing customer")
	assertStoredContact(t, s, ct, "a contact of the source after the refused move")
}
