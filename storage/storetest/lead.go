package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// newLead returns a new lead, ready to create as the Client builds one;
// everything optional is left zero.
func newLead(ids crm.IDGenerator, name string) *crm.Lead {
	at := baseTime()
	return &crm.Lead{
		ID:        ids.NewID(),
		Name:      name,
		Status:    crm.LeadNew,
		CreatedAt: at,
		CreatedBy: "u-test",
		UpdatedAt: at,
		UpdatedBy: "u-test",
		Version:   1,
	}
}

// fullLead returns a converted lead with every field set and times with
// nanoseconds outside UTC. A Store checks no business rule, so the links
// need not name stored records.
func fullLead(id string) *crm.Lead {
	zone := offsetZone()
	return &crm.Lead{
		ID:                 id,
		Name:               "Zoë Ålander",
		Company:            "Ålander & Søn AB",
		Title:              "Head of Procurement",
		Email:              "zoe@alander.example",
		Phone:              "+46701234567",
		Source:             "Trade fair 2025",
		Status:             crm.LeadConverted,
		OwnerID:            "u-ann",
		Score:              -17,
		Industry:           "Manufacturing",
		Region:             "nordics",
		Behaviours:         map[string]int{"demo_request": 1, "email_open": 12, "pricing_page": 3},
		DisqualifiedReason: "budget frozen until Q3 — revived",
		ConvertedAt:        time.Date(2024, 3, 1, 10, 0, 0, 999999999, zone),
		CustomerID:         "cust-1",
		ContactID:          "contact-1",
		OpportunityID:      "opp-1",
		CreatedAt:          time.Date(2024, 2, 29, 23, 30, 13, 123456789, zone),
		CreatedBy:          "u-bob",
		UpdatedAt:          time.Date(2024, 3, 1, 10, 0, 1, 1000, zone),
		UpdatedBy:          "u-ann",
		Version:            1,
	}
}

// wantStoredLead returns l as a store must return it: times in UTC,
// truncated to the microsecond.
func wantStoredLead(l *crm.Lead) *crm.Lead {
	w := l.Clone()
	w.ConvertedAt = crm.Timestamp(w.ConvertedAt)
	w.CreatedAt = crm.Timestamp(w.CreatedAt)
	w.UpdatedAt = crm.Timestamp(w.UpdatedAt)
	return w
}

// mustCreateLead stores a copy of l.
func mustCreateLead(tb testing.TB, s crm.Store, l *crm.Lead) {
	tb.Helper()
	require.NoError(tb, s.CreateLead(tb.Context(), l.Clone()), "CreateLead %q", l.Name)
}

func mustFindLead(tb testing.TB, s crm.Store, id string) *crm.Lead {
	tb.Helper()
	l, err := s.FindLeadByID(tb.Context(), id)
	require.NoError(tb, err, "FindLeadByID %s", id)
	require.NotNil(tb, l, "FindLeadByID %s returned no lead and no error", id)
	return l
}

// assertLeadEqual checks that got is what a store must return for want,
// field by field: see [diff].
func assertLeadEqual(tb testing.TB, want, got *crm.Lead, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "lead", want, got, msgAndArgs...)
}

// assertStoredLead checks that the store holds want under want.ID.
func assertStoredLead(tb testing.TB, s crm.Store, want *crm.Lead, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindLeadByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertLeadEqual(tb, want, got, msgAndArgs...)
}

// assertNoLead checks that the store holds no lead id.
func assertNoLead(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindLeadByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

// allLeads lists every lead f selects, page by page, with f's Limit.
func allLeads(tb testing.TB, s crm.Store, f crm.LeadFilter) []*crm.Lead {
	tb.Helper()
	var all []*crm.Lead
	for range maxPages {
		page, next, err := s.FindLeads(tb.Context(), f)
		require.NoError(tb, err, "FindLeads %+v", f)
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
	require.FailNow(tb, "FindLeads never returned the last page")
	return nil
}

func leadIDs(ls []*crm.Lead) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}

func leadLister(s crm.Store, f crm.LeadFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindLeads(ctx, f)
		return leadIDs(page), next, err
	}
}

// testLeadRoundTrip stores a lead with every field set and reads it back
// by ID and through a listing.
func testLeadRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	in := fullLead(ids.NewID())
	mustCreateLead(t, s, in)
	want := wantStoredLead(in)

	got := mustFindLead(t, s, want.ID)
	assertLeadEqual(t, want, got, "FindLeadByID")
	wantConverted := time.Date(2024, 3, 1, 4, 30, 0, 999999000, time.UTC)
	assert.True(t, wantConverted.Equal(got.ConvertedAt), "ConvertedAt: want %s (UTC, truncated to µs), got %s", wantConverted, got.ConvertedAt)
	assert.Equal(t, "UTC", got.ConvertedAt.Location().String(), "the location of ConvertedAt")
	assert.Equal(t, map[string]int{"demo_request": 1, "email_open": 12, "pricing_page": 3}, got.Behaviours, "Behaviours")
	assert.Equal(t, -17, got.Score, "Score")

	list := allLeads(t, s, crm.LeadFilter{})
	if assert.Len(t, list, 1, "FindLeads") {
		assertLeadEqual(t, want, list[0], "FindLeads")
	}
}

// testLeadZeroValues stores a lead with every optional field zero.
func testLeadZeroValues(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	want := newLead(ids, "")
	want.Status = ""
	mustCreateLead(t, s, want)

	got := mustFindLead(t, s, want.ID)
	assertLeadEqual(t, want, got)
	assert.Empty(t, got.Behaviours, "Behaviours")
	assert.True(t, got.ConvertedAt.IsZero(), "ConvertedAt: want the zero time, got %s", got.ConvertedAt)

	list := allLeads(t, s, crm.LeadFilter{})
	if assert.Len(t, list, 1, "FindLeads") {
		assertLeadEqual(t, want, list[0], "FindLeads")
	}
}

func testLeadNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	present := newLead(ids, "Present")
	mustCreateLead(t, s, present)
	missing := ids.NewID()

	_, err := s.FindLeadByID(ctx, missing)
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindLeadByID of a missing ID")
	_, err = s.FindLeadByID(ctx, "")
	assert.ErrorIs(t, err, crm.ErrNotFound, `FindLeadByID("")`)

	ghost := newLead(ids, "Ghost")
	ghost.ID = missing
	err = s.UpdateLead(ctx, ghost)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateLead of a missing ID")
	assert.EqualValues(t, 1, ghost.Version, "a failed UpdateLead must leave the Version passed in")
	assertNoLead(t, s, missing, "UpdateLead of a missing ID must not create it")
	assert.Equal(t, []string{present.ID}, leadIDs(allLeads(t, s, crm.LeadFilter{})), "FindLeads after the refused write")
}

func testLeadDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	original := newLead(ids, "Original")
	mustCreateLead(t, s, original)

	dup := fullLead(original.ID)
	err := s.CreateLead(t.Context(), dup)
	assert.ErrorIs(t, err, crm.ErrDuplicate, "CreateLead with an ID in use")
	assertStoredLead(t, s, original, "after the refused duplicate")
	assert.Equal(t, []string{original.ID}, leadIDs(allLeads(t, s, crm.LeadFilter{})), "FindLeads after the refused duplicate")
	assert.Empty(t, allLeads(t, s, crm.LeadFilter{CustomerIDs: []string{dup.CustomerID}}),
		"leads of the customer a refused duplicate named")
}

// testLeadUpdate replaces every field of a lead, converting it, then
// clears them again, and checks the version rule.
func testLeadUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	l := newLead(ids, "Lead")
	mustCreateLead(t, s, l)
	other := newLead(ids, "Bystander")
	mustCreateLead(t, s, other)

	u := fullLead(l.ID)
	want := wantStoredLead(u)
	require.NoError(t, s.UpdateLead(ctx, u), "UpdateLead")
	assert.EqualValues(t, 2, u.Version, "UpdateLead must set the Version passed in to the next one")
	want.Version = 2
	assertStoredLead(t, s, want, "after the first update")
	assert.Equal(t, []string{l.ID}, leadIDs(allLeads(t, s, crm.LeadFilter{CustomerIDs: []string{"cust-1"}})),
		"leads of the customer the lead was converted into")

	// The value UpdateLead returned is good for the next update.
	u.Behaviours = nil
	u.CustomerID, u.ContactID, u.OpportunityID, u.ConvertedAt = "", "", "", time.Time{}
	u.Status = crm.LeadDisqualified
	require.NoError(t, s.UpdateLead(ctx, u), "UpdateLead with the version set by the last update")
	assert.EqualValues(t, 3, u.Version)
	want = wantStoredLead(u)
	assertStoredLead(t, s, want, "after the second update")
	assertStoredLead(t, s, other, "a lead not updated")
	assert.Empty(t, allLeads(t, s, crm.LeadFilter{CustomerIDs: []string{"cust-1"}}), "leads of the customer the lead left")
}

// testLeadStaleVersion updates with versions behind and ahead of the
// stored one: each fails with ErrConflict and changes nothing.
func testLeadStaleVersion(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	l := newLead(ids, "Lead")
	mustCreateLead(t, s, l)

	first := mustFindLead(t, s, l.ID)
	second := mustFindLead(t, s, l.ID)
	first.Name = "First writer"
	require.NoError(t, s.UpdateLead(ctx, first), "the first writer's update")
	before := mustFindLead(t, s, l.ID)
	require.EqualValues(t, 2, before.Version)

	second.Name = "Second writer"
	err := s.UpdateLead(ctx, second)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateLead with a version behind the stored one")
	assert.EqualValues(t, 1, second.Version, "a failed UpdateLead must leave the Version passed in")
	assertStoredLead(t, s, before, "after the stale update")

	ahead := before.Clone()
	ahead.Name = "From the future"
	ahead.Version = 9
	err = s.UpdateLead(ctx, ahead)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateLead with a version ahead of the stored one")
	assert.EqualValues(t, 9, ahead.Version, "a failed UpdateLead must leave the Version passed in")
	assertStoredLead(t, s, before, "after the update from ahead")
}

// testLeadCopies mutates every lead that crosses the Store boundary and
// checks that what is stored does not change.
func testLeadCopies(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	l := fullLead(ids.NewID())
	want := wantStoredLead(l)

	require.NoError(t, s.CreateLead(ctx, l))
	scribbleLead(l)
	assertStoredLead(t, s, want, "after changing the value passed to CreateLead")

	got := mustFindLead(t, s, want.ID)
	scribbleLead(got)
	assertStoredLead(t, s, want, "after changing a value FindLeadByID returned")

	list := allLeads(t, s, crm.LeadFilter{})
	require.Len(t, list, 1)
	scribbleLead(list[0])
	assertStoredLead(t, s, want, "after changing a value FindLeads returned")

	u := mustFindLead(t, s, want.ID)
	u.Title = "Updated"
	want = u.Clone()
	require.NoError(t, s.UpdateLead(ctx, u))
	want.Version = 2
	scribbleLead(u)
	assertStoredLead(t, s, want, "after changing the value passed to UpdateLead")
}

func scribbleLead(l *crm.Lead) {
	l.Name = "scribbled"
	l.Status = "scribbled"
	l.Behaviours["email_open"]++
	l.Behaviours["scribbled"] = 1
	l.ConvertedAt = l.ConvertedAt.Add(time.Hour)
	l.Version += 100
}

// The leads every filter subtest starts from, in ascending ID order (they
// are created in another order), with their status, owner, source and
// customer; the i-th was created at leadCreatedAt(i).
var leadFixtureRows = []struct {
	name, owner, source, customer string
	status                        crm.LeadStatus
}{
	{"L1", "u-ann", "web", "", crm.LeadNew},
	{"L2", "u-bob", "referral", "", crm.LeadContacted},
	{"L3", "", "web", "", crm.LeadQualified},
	{"L4", "u-ann", "event", "A", crm.LeadConverted},
	{"L5", "u-carol", "", "", crm.LeadDisqualified},
	{"L6", "u-bob", "web", "B", crm.LeadConverted},
	{"L7", "u-ann", "Web", "", crm.LeadNew},
	{"L8", "u-bob", "referral", "A", crm.LeadConverted},
}

// leadFilterCase is one LeadFilter and the leads it must select.
type leadFilterCase struct {
	name string
	f    crm.LeadFilter
	want []string
}

// test seeds the fixture leads, checks that want is what
// [crm.LeadFilter.Match] selects, then lists f with the default limit
// (one page) and in pages of two: both must return exactly want, in
// ascending ID order.
func (fc leadFilterCase) test(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	leads := make([]*crm.Lead, len(leadFixtureRows))
	name := map[string]string{}
	for i, r := range leadFixtureRows {
		l := newLead(ids, r.name)
		l.OwnerID, l.Source, l.Status, l.CreatedAt = r.owner, r.source, r.status, leadCreatedAt(i)
		if r.customer != "" {
			l.CustomerID = "customer-" + r.customer
		}
		leads[i] = l
		name[l.ID] = r.name
	}
	for _, i := range []int{5, 2, 7, 0, 4, 6, 1, 3} {
		mustCreateLead(t, s, leads[i])
	}
	f := fc.f
	f.CustomerIDs = slices.Clone(f.CustomerIDs)
	for i, c := range f.CustomerIDs {
		if c != "" {
			f.CustomerIDs[i] = "customer-" + c
		}
	}
	want := []string{}
	for _, l := range leads {
		if f.Match(l) {
			want = append(want, l.Name)
		}
	}
	wantListed := slices.Clone(fc.want)
	if wantListed == nil {
		wantListed = []string{}
	}
	require.Equal(t, wantListed, want, "storetest: the case's leads are not what crm.LeadFilter.Match selects")
	assertFilterListing(t, "FindLeads", s.FindLeads, f, func(l *crm.Lead) string { return l.ID }, leadLister(s, f), name, want)
}

// leadCreatedAt returns the creation time of the i-th fixture lead: noon
// UTC on the i+1-th of January 2025.
func leadCreatedAt(i int) time.Time { return time.Date(2025, 1, 1+i, 12, 0, 0, 0, time.UTC) }

func leadFilterCases() []leadFilterCase {
	all := []string{"L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"}
	type f = crm.LeadFilter
	return []leadFilterCase{
		{"None", f{}, all},
		{"Statuses", f{Statuses: []crm.LeadStatus{crm.LeadNew}}, []string{"L1", "L7"}},
		{"Statuses/Several", f{Statuses: []crm.LeadStatus{crm.LeadConverted, crm.LeadQualified}}, []string{"L3", "L4", "L6", "L8"}},
		{"Owners", f{Owners: []string{"u-ann"}}, []string{"L1", "L4", "L7"}},
		{"Owners/Several", f{Owners: []string{"u-carol", "u-bob"}}, []string{"L2", "L5", "L6", "L8"}},
		{"Owners/NoOwner", f{Owners: []string{""}}, []string{"L3"}},
		{"Sources", f{Sources: []string{"web"}}, []string{"L1", "L3", "L6"}},
		{"Sources/CaseKept", f{Sources: []string{"Web"}}, []string{"L7"}},
		{"Sources/Several", f{Sources: []string{"event", "referral"}}, []string{"L2", "L4", "L8"}},
		{"Sources/NoSource", f{Sources: []string{""}}, []string{"L5"}},
		{"CustomerIDs", f{CustomerIDs: []string{"A"}}, []string{"L4", "L8"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"B", "A"}}, []string{"L4", "L6", "L8"}},
		{"CustomerIDs/Empty", f{CustomerIDs: []string{""}}, nil},
		{"CustomerIDs/Unknown", f{CustomerIDs: []string{"no-such-customer"}}, nil},
		{"Combined", f{Statuses: []crm.LeadStatus{crm.LeadConverted, crm.LeadNew}, Owners: []string{"u-bob", "u-ann"}, Sources: []string{"referral", "web"}}, []string{"L1", "L6", "L8"}},
		{"Combined/Everything", f{
			Statuses:    []crm.LeadStatus{crm.LeadConverted},
			Owners:      []string{"u-bob"},
			Sources:     []string{"referral"},
			CustomerIDs: []string{"A", "B"},
		}, []string{"L8"}},
		{"Combined/NoneMatch", f{Statuses: []crm.LeadStatus{crm.LeadNew}, Sources: []string{"event"}}, nil},
		{"CreatedFrom", f{CreatedFrom: leadCreatedAt(5)}, []string{"L6", "L7", "L8"}},
		{"CreatedFrom/JustAfter", f{CreatedFrom: leadCreatedAt(5).Add(500 * time.Nanosecond).In(offsetZone())}, []string{"L7", "L8"}},
		{"CreatedBefore", f{CreatedBefore: leadCreatedAt(2)}, []string{"L1", "L2"}},
		{"CreatedBefore/JustAfter", f{CreatedBefore: leadCreatedAt(2).Add(500 * time.Nanosecond).In(offsetZone())}, []string{"L1", "L2", "L3"}},
		{"CreatedRange", f{CreatedFrom: leadCreatedAt(2), CreatedBefore: leadCreatedAt(4)}, []string{"L3", "L4"}},
		{"CreatedRange/Owners", f{CreatedFrom: leadCreatedAt(0), CreatedBefore: leadCreatedAt(6), Owners: []string{"u-ann"}}, []string{"L1", "L4"}},
	}
}

// testLeadPaginate lists leads, created out of ID order, in small pages,
// with the default limit, and filtered by one customer.
func testLeadPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	all := newIDs(t, ids, crm.DefaultPageLimit+13)
	var ofB []string
	for i, id := range shuffled(all) {
		l := newLead(crm.IDGeneratorFunc(func() string { return id }), "Lead "+id)
		if i%4 == 0 {
			l.Status, l.CustomerID = crm.LeadConverted, "customer-b"
			ofB = append(ofB, id)
		}
		mustCreateLead(t, s, l)
	}
	slices.Sort(ofB)

	assert.Equal(t, all, walkPages(t, leadLister(s, crm.LeadFilter{}), 7, nil), "every lead in pages of 7")
	assert.Equal(t, ofB, walkPages(t, leadLister(s, crm.LeadFilter{CustomerIDs: []string{"customer-b"}}), 3, nil),
		"the leads of B in pages of 3")

	page, next, err := s.FindLeads(t.Context(), crm.LeadFilter{})
	require.NoError(t, err)
	assert.Equal(t, all[:crm.DefaultPageLimit], leadIDs(page), "first page with Limit 0")
	require.NotEmpty(t, next, "the cursor after the first of two pages")
	page, next, err = s.FindLeads(t.Context(), crm.LeadFilter{After: next})
	require.NoError(t, err)
	assert.Equal(t, all[crm.DefaultPageLimit:], leadIDs(page), "second page with Limit 0")
	assert.Empty(t, next, "the cursor after the last page")

	_, _, err = s.FindLeads(t.Context(), crm.LeadFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindLeads with a negative Limit")
}

// testLeadMove re-points the leads converted into one customer to
// another, leaving unconverted leads and other customers' leads alone.
func testLeadMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	from := newCustomer(ids, "Duplicate")
	to := newCustomer(ids, "Survivor")
	other := newCustomer(ids, "Bystander")
	for _, c := range []*crm.Customer{from, to, other} {
		mustCreateCustomer(t, s, c)
	}
	converted := func(customerID, name string) *crm.Lead {
		l := newLead(ids, name)
		l.Status, l.CustomerID, l.ConvertedAt = crm.LeadConverted, customerID, baseTime()
		mustCreateLead(t, s, l)
		return l
	}
	var moving []*crm.Lead
	for range 3 {
		moving = append(moving, converted(from.ID, "Moving"))
	}
	// A lead updated before the move, to see that the move adds one to
	// each lead's own version.
	u := mustFindLead(t, s, moving[1].ID)
	u.Score = 40
	require.NoError(t, s.UpdateLead(ctx, u))
	moving[1] = u
	staying := converted(to.ID, "Already there")
	bystander := converted(other.ID, "Elsewhere")
	open := newLead(ids, "Not converted")
	mustCreateLead(t, s, open)

	at := fineTime(40)
	n, err := s.MoveLeads(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveLeads")
	assert.Equal(t, len(moving), n, "MoveLeads must return how many leads moved")
	for _, l := range moving {
		want := l.Clone()
		want.CustomerID = to.ID
		want.UpdatedAt = crm.Timestamp(at)
		want.UpdatedBy = "u-merger"
		want.Version = l.Version + 1
		if !assertStoredLead(t, s, want, "moved lead %s", l.ID) {
			break
		}
	}
	assertStoredLead(t, s, staying, "a lead already with the target")
	assertStoredLead(t, s, bystander, "a lead of another customer")
	assertStoredLead(t, s, open, "a lead not converted")
	assert.Empty(t, allLeads(t, s, crm.LeadFilter{CustomerIDs: []string{from.ID}}), "leads left with the source customer")
	assert.Equal(t, append(leadIDs(moving), staying.ID), leadIDs(allLeads(t, s, crm.LeadFilter{CustomerIDs: []string{to.ID}})),
		"leads of the target customer")

	n, err = s.MoveLeads(ctx, from.ID, to.ID, fineTime(41), "u-merger")
	assert.NoError(t, err, "MoveLeads from a customer without leads")
	assert.Zero(t, n, "MoveLeads from a customer without leads")
	n, err = s.MoveLeads(ctx, "", to.ID, fineTime(42), "u-merger")
	assert.NoError(t, err, `MoveLeads from ""`)
	assert.Zero(t, n, `MoveLeads from "" moves no unconverted lead`)
	assertStoredLead(t, s, open, `a lead not converted, after MoveLeads from ""`)

	_, err = s.MoveLeads(ctx, to.ID, ids.NewID(), fineTime(43), "u-merger")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveLeads to a missing customer")
	assertStoredLead(t, s, staying, "a lead of the source after the refused move")
}

// testLeadTxRollback writes leads in a transaction that fails: none of
// the writes remain.
func testLeadTxRollback(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	kept := newLead(ids, "Kept")
	mustCreateLead(t, s, kept)
	added := newLead(ids, "Added")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		require.NoError(t, tx.CreateLead(ctx, added.Clone()))
		u := kept.Clone()
		u.Status, u.CustomerID = crm.LeadConverted, "customer-x"
		require.NoError(t, tx.UpdateLead(ctx, u))
		assert.Len(t, allLeads(t, tx, crm.LeadFilter{CustomerIDs: []string{"customer-x"}}), 1, "inside the transaction")
		return errFn
	})
	require.ErrorIs(t, err, errFn)
	assertNoLead(t, s, added.ID, "a lead created in a rolled-back transaction")
	assertStoredLead(t, s, kept, "a lead updated in a rolled-back transaction")
	assert.Empty(t, allLeads(t, s, crm.LeadFilter{CustomerIDs: []string{"customer-x"}}), "after the rollback")
}
