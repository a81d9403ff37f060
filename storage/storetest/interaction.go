package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// The checks of crm.InteractionStore: interactions with the version
// rule on update and delete, filters on every InteractionFilter field,
// the last contact of customers, moves between customers; and contact
// claims, whose number is unique per customer.

// newInteraction returns a call to customerID, ready to create as the
// Client logs one; everything optional is left zero.
func newInteraction(ids crm.IDGenerator, customerID, subject string) *crm.Interaction {
	at := baseTime()
	return &crm.Interaction{
		ID: ids.NewID(), CustomerID: customerID, Channel: crm.InteractionCall, Direction: crm.Outbound,
		At: at, ActorID: "u-test", Subject: subject,
		CreatedAt: at, CreatedBy: "u-test", UpdatedAt: at, UpdatedBy: "u-test", Version: 1,
	}
}

// fullInteraction returns an interaction with every field set, its
// times with nanoseconds outside UTC.
func fullInteraction(id, customerID string) *crm.Interaction {
	return &crm.Interaction{
		ID: id, CustomerID: customerID, ContactID: "contact-1", OpportunityID: "opp-1", CaseID: "case-1",
		Channel: crm.InteractionMeeting, Direction: crm.Inbound, At: fineTime(30), ActorID: "u-ann",
		Subject: "Renewal — Ålesund office", Summary: "Went through the offer.\nThey want 40 seats.", Outcome: "meeting booked",
		CreatedAt: fineTime(31), CreatedBy: "u-bob", UpdatedAt: fineTime(32), UpdatedBy: "u-ann", Version: 1,
	}
}

func mustCreateInteraction(tb testing.TB, s crm.Store, i *crm.Interaction) {
	tb.Helper()
	require.NoError(tb, s.CreateInteraction(tb.Context(), i.Clone()), "CreateInteraction %q", i.Subject)
}

func assertStoredInteraction(tb testing.TB, s crm.Store, want *crm.Interaction, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindInteractionByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertRecordEqual(tb, "interaction", want, got, msgAndArgs...)
}

func assertNoInteraction(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindInteractionByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

func allInteractions(tb testing.TB, s crm.Store, f crm.InteractionFilter) []*crm.Interaction {
	tb.Helper()
	return allPages(tb, "FindInteractions", s.FindInteractions, f, func(f *crm.InteractionFilter, c crm.Cursor) { f.After = c })
}

func interactionIDs(is []*crm.Interaction) []string {
	ids := []string{}
	for _, i := range is {
		ids = append(ids, i.ID)
	}
	return ids
}

func interactionLister(s crm.Store, f crm.InteractionFilter) lister {
	return pagedLister(s.FindInteractions, f, func(f *crm.InteractionFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit }, interactionIDs)
}

// keysOf returns a function making the keys of a page by key.
func keysOf[T any](key func(*T) string) func([]*T) []string {
	return func(rs []*T) []string {
		keys := []string{}
		for _, r := range rs {
			keys = append(keys, key(r))
		}
		return keys
	}
}

// assertMatchListing checks one filter subtest over recs, the fixture
// records created in ID order and named by names: want must be what
// match (the filter's Match) selects, and listing the filter f with
// find, in one page and in pages of two, must return exactly want.
func assertMatchListing[T, F any](t *testing.T, what string, find func(context.Context, F) ([]*T, crm.Cursor, error), f F,
	setPage func(*F, crm.Cursor, int), match func(*T) bool, id func(*T) string, recs []*T, names, want []string,
) {
	t.Helper()
	selected := []string{}
	name := map[string]string{}
	for k, r := range recs {
		name[id(r)] = names[k]
		if match(r) {
			selected = append(selected, names[k])
		}
	}
	require.Equal(t, append([]string{}, want...), selected, "storetest: the filter case's records are not what Match selects")
	assertFilterListing(t, what, find, f, id, pagedLister(find, f, setPage, keysOf(id)), name, selected)
}

func testInteractionRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	in := fullInteraction(ids.NewID(), cust.ID)
	mustCreateInteraction(t, s, in)
	got, err := s.FindInteractionByID(t.Context(), in.ID)
	require.NoError(t, err, "FindInteractionByID")
	assertRecordEqual(t, "interaction", in, got, "FindInteractionByID")
	// Spelled out, so as not to depend on crm.Timestamp being right.
	wantAt := time.Date(2024, 2, 29, 18, 0, 30, 123456000, time.UTC)
	assert.True(t, wantAt.Equal(got.At), "At: want %s (UTC, truncated to µs), got %s", wantAt, got.At)
	assert.Equal(t, "UTC", got.At.Location().String(), "the location of At")
	list := allInteractions(t, s, crm.InteractionFilter{})
	if assert.Len(t, list, 1) {
		assertRecordEqual(t, "interaction", in, list[0], "FindInteractions")
	}
	zero := &crm.Interaction{ID: ids.NewID(), CustomerID: cust.ID, Version: 1}
	mustCreateInteraction(t, s, zero)
	assertStoredInteraction(t, s, zero, "an interaction with only an ID, a customer and a version")
}

func testInteractionNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	_, err := s.FindInteractionByID(ctx, ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindInteractionByID of a missing ID")

	orphan := newInteraction(ids, ids.NewID(), "Orphan")
	assert.ErrorIs(t, s.CreateInteraction(ctx, orphan.Clone()), crm.ErrNotFound, "CreateInteraction for a missing customer")
	assertNoInteraction(t, s, orphan.ID, "a refused interaction must not be stored")

	ghost := newInteraction(ids, cust.ID, "Ghost")
	assert.ErrorIs(t, s.UpdateInteraction(ctx, ghost.Clone()), crm.ErrNotFound, "UpdateInteraction of a missing interaction")
	assertNoInteraction(t, s, ghost.ID, "UpdateInteraction must not create an interaction")

	present := newInteraction(ids, cust.ID, "Present")
	mustCreateInteraction(t, s, present)
	moved := present.Clone()
	moved.CustomerID = ids.NewID()
	assert.ErrorIs(t, s.UpdateInteraction(ctx, moved), crm.ErrNotFound, "UpdateInteraction to a missing customer")
	assert.Equal(t, int64(1), moved.Version, "a refused update leaves the version passed in")
	assertStoredInteraction(t, s, present, "an interaction after a refused update")
}

func testInteractionDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	first := newInteraction(ids, cust.ID, "First")
	mustCreateInteraction(t, s, first)
	again := first.Clone()
	again.Subject, again.Channel = "Same ID", crm.InteractionEmail
	assert.ErrorIs(t, s.CreateInteraction(t.Context(), again), crm.ErrDuplicate, "CreateInteraction with a taken ID")
	assertStoredInteraction(t, s, first, "the interaction whose ID was taken again")
}

// testInteractionUpdate replaces every field of an interaction, moving
// it to another customer, then checks the version rule.
func testInteractionUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	i := newInteraction(ids, cs[0].ID, "Before")
	mustCreateInteraction(t, s, i)

	u := fullInteraction(i.ID, cs[1].ID)
	require.NoError(t, s.UpdateInteraction(ctx, u), "UpdateInteraction")
	assert.Equal(t, int64(2), u.Version, "UpdateInteraction sets the new version")
	assertStoredInteraction(t, s, u, "the updated interaction")

	stale := i.Clone() // Version 1
	stale.Subject = "Stale"
	assert.ErrorIs(t, s.UpdateInteraction(ctx, stale), crm.ErrConflict, "UpdateInteraction with a stale version")
	assert.Equal(t, int64(1), stale.Version, "a refused update leaves the version passed in")
	ahead := u.Clone()
	ahead.Version = 7
	assert.ErrorIs(t, s.UpdateInteraction(ctx, ahead), crm.ErrConflict, "UpdateInteraction with a version ahead of the stored one")
	assertStoredInteraction(t, s, u, "the interaction after refused updates")

	u.Outcome = "reached"
	require.NoError(t, s.UpdateInteraction(ctx, u), "UpdateInteraction with the version the last update set")
	assert.Equal(t, int64(3), u.Version)
	assertStoredInteraction(t, s, u, "after the second update")
}

func testInteractionDelete(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	gone, kept := newInteraction(ids, cust.ID, "Gone"), newInteraction(ids, cust.ID, "Kept")
	mustCreateInteraction(t, s, gone)
	mustCreateInteraction(t, s, kept)

	assert.ErrorIs(t, s.DeleteInteraction(ctx, ids.NewID(), 1), crm.ErrNotFound, "DeleteInteraction of a missing interaction")
	u := gone.Clone()
	require.NoError(t, s.UpdateInteraction(ctx, u))
	assert.ErrorIs(t, s.DeleteInteraction(ctx, gone.ID, 1), crm.ErrConflict, "DeleteInteraction with a stale version")
	assertStoredInteraction(t, s, u, "an interaction whose delete was refused")

	require.NoError(t, s.DeleteInteraction(ctx, gone.ID, 2), "DeleteInteraction with the stored version")
	assertNoInteraction(t, s, gone.ID, "after DeleteInteraction")
	assert.ErrorIs(t, s.DeleteInteraction(ctx, gone.ID, 2), crm.ErrNotFound, "DeleteInteraction of a deleted interaction")
	assertStoredInteraction(t, s, kept, "an interaction not deleted")
	assert.Equal(t, []string{kept.ID}, interactionIDs(allInteractions(t, s, crm.InteractionFilter{})), "FindInteractions after the delete")
	mustCreateInteraction(t, s, gone) // the ID is free again
}

// The interactions every interaction filter subtest starts from, in ID
// order; hours after baseTime.
var interactionFixtureRows = []struct {
	name, customer, actor string
	channel               crm.InteractionChannel
	opp, cas              string
	at                    float64
}{
	{"I1", "A", "u-ann", crm.InteractionCall, "opp-1", "", 0},
	{"I2", "A", "u-bob", crm.InteractionEmail, "", "case-1", 1},
	{"I3", "B", "u-ann", crm.InteractionMeeting, "opp-2", "case-1", 2},
	{"I4", "B", "u-bob", crm.InteractionCall, "opp-1", "", 3},
	{"I5", "A", "", crm.InteractionSMS, "", "case-2", 4},
}

type interactionFilterCase struct {
	name string
	f    crm.InteractionFilter
	want []string
}

func (fc interactionFilterCase) test(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	custs := seedCaseCustomers(t, s, ids, 2)
	customer := map[string]string{"A": custs[0].ID, "B": custs[1].ID}
	recs := make([]*crm.Interaction, len(interactionFixtureRows))
	names := make([]string, len(recs))
	for k, r := range interactionFixtureRows {
		i := newInteraction(ids, customer[r.customer], r.name)
		i.ActorID, i.Channel, i.OpportunityID, i.CaseID, i.At = r.actor, r.channel, r.opp, r.cas, caseHour(r.at)
		recs[k], names[k] = i, r.name
	}
	for _, k := range []int{3, 1, 4, 0, 2} {
		mustCreateInteraction(t, s, recs[k])
	}
	f := fc.f
	f.CustomerIDs = slices.Clone(f.CustomerIDs)
	for k, c := range f.CustomerIDs {
		f.CustomerIDs[k] = customer[c]
	}
	assertMatchListing(t, "FindInteractions", s.FindInteractions, f,
		func(f *crm.InteractionFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit },
		f.Match, func(i *crm.Interaction) string { return i.ID }, recs, names, fc.want)
}

func interactionFilterCases() []interactionFilterCase {
	type f = crm.InteractionFilter
	h := caseHour
	return []interactionFilterCase{
		{"None", f{}, []string{"I1", "I2", "I3", "I4", "I5"}},
		{"CustomerIDs", f{CustomerIDs: []string{"A"}}, []string{"I1", "I2", "I5"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"B", "A"}}, []string{"I1", "I2", "I3", "I4", "I5"}},
		{"Actors", f{Actors: []string{"u-ann"}}, []string{"I1", "I3"}},
		{"Actors/NoActor", f{Actors: []string{""}}, []string{"I5"}},
		{"Channels", f{Channels: []crm.InteractionChannel{crm.InteractionCall}}, []string{"I1", "I4"}},
		{"Channels/Several", f{Channels: []crm.InteractionChannel{crm.InteractionSMS, crm.InteractionEmail}}, []string{"I2", "I5"}},
		{"OpportunityIDs", f{OpportunityIDs: []string{"opp-1"}}, []string{"I1", "I4"}},
		{"OpportunityIDs/Several", f{OpportunityIDs: []string{"opp-2", "opp-1"}}, []string{"I1", "I3", "I4"}},
		{"CaseIDs", f{CaseIDs: []string{"case-1"}}, []string{"I2", "I3"}},
		{"CaseIDs/Several", f{CaseIDs: []string{"case-2", "case-1"}}, []string{"I2", "I3", "I5"}},
		{"From", f{From: h(2)}, []string{"I3", "I4", "I5"}},
		{"From/OtherZone", f{From: h(2).In(offsetZone())}, []string{"I3", "I4", "I5"}},
		{"Before", f{Before: h(2)}, []string{"I1", "I2"}},
		{"Before/JustAfter", f{Before: h(2).Add(time.Microsecond)}, []string{"I1", "I2", "I3"}},
		{"Range", f{From: h(1), Before: h(3)}, []string{"I2", "I3"}},
		{"Combined", f{CustomerIDs: []string{"B"}, Actors: []string{"u-bob", "u-ann"}, Channels: []crm.InteractionChannel{crm.InteractionCall}}, []string{"I4"}},
		{"Combined/NoneMatch", f{Channels: []crm.InteractionChannel{crm.InteractionEmail}, CaseIDs: []string{"case-2"}}, nil},
	}
}

// testInteractionPaginate lists interactions, created out of ID order,
// in small pages, by the default limit and filtered by customer.
func testInteractionPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	all := newIDs(t, ids, crm.DefaultPageLimit+7)
	ofB := createSplit(all, func(_ int, id string, toB bool) {
		c := cs[0]
		if toB {
			c = cs[1]
		}
		mustCreateInteraction(t, s, newInteraction(crm.IDGeneratorFunc(func() string { return id }), c.ID, "Paged"))
	})
	assert.Equal(t, all, walkPages(t, interactionLister(s, crm.InteractionFilter{}), 9, nil), "every interaction in pages of 9")
	assert.Equal(t, all, walkPages(t, interactionLister(s, crm.InteractionFilter{}), 0, nil), "every interaction with the default limit")
	assert.Equal(t, ofB, walkPages(t, interactionLister(s, crm.InteractionFilter{CustomerIDs: []string{cs[1].ID}}), 5, nil), "one customer's interactions in pages of 5")
	_, _, err := s.FindInteractions(t.Context(), crm.InteractionFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindInteractions with a negative Limit")
}

// assertLastContacts checks LastContacts of ids against want, in order.
func assertLastContacts(tb testing.TB, s crm.Store, ids []string, want []crm.LastContact, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.LastContacts(tb.Context(), ids)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	key := func(lcs []crm.LastContact) []string {
		out := []string{}
		for _, lc := range lcs {
			out = append(out, lc.CustomerID+" "+lc.InteractionID)
		}
		return out
	}
	if !assert.Equal(tb, key(want), key(got), msgAndArgs...) {
		return false
	}
	ok := true
	for k := range want {
		ok = assertRecordEqual(tb, "last contact", &want[k], &got[k], msgAndArgs...) && ok
	}
	return ok
}

func lastContactOf(i *crm.Interaction) crm.LastContact {
	return crm.LastContact{CustomerID: i.CustomerID, InteractionID: i.ID, At: i.At, ActorID: i.ActorID, Channel: i.Channel}
}

// testInteractionLastContacts checks the latest interaction of each
// customer: the greatest At, then the greatest ID among equal times,
// whatever the order of writing; kept current by updates, deletes and
// moves.
func testInteractionLastContacts(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 3)
	a, b, none := cs[0], cs[1], cs[2]
	// a's interactions in ID order; a3 and a2 share the latest time, a4
	// has the greatest ID but an early time.
	var ofA []*crm.Interaction
	for k, h := range []float64{2, 1, 3, 3, 0} {
		i := newInteraction(ids, a.ID, fmt.Sprintf("a%d", k))
		i.At, i.ActorID = caseHour(h), fmt.Sprintf("u-%d", k)
		i.Channel = []crm.InteractionChannel{crm.InteractionCall, crm.InteractionEmail, crm.InteractionVisit, crm.InteractionChat, crm.InteractionSMS}[k]
		ofA = append(ofA, i)
	}
	onlyB := newInteraction(ids, b.ID, "b0")
	onlyB.At = fineTime(50)
	for _, k := range []int{3, 4, 0, 2, 1} {
		mustCreateInteraction(t, s, ofA[k])
	}
	mustCreateInteraction(t, s, onlyB)
	wantB := lastContactOf(onlyB)
	wantB.At = crm.Timestamp(wantB.At)

	byID := []string{a.ID, b.ID}
	asked := []string{b.ID, ids.NewID(), none.ID, a.ID}
	assertLastContacts(t, s, asked, []crm.LastContact{lastContactOf(ofA[3]), wantB}, "last contacts, in customer ID order")
	assertLastContacts(t, s, []string{none.ID}, nil, "a customer with no interaction")
	assertLastContacts(t, s, nil, nil, "no customers")

	assertLastContacts(t, s, []string{}, nil, "an empty list of customers")
	many := append(newIDs(t, ids, crm.MaxPageLimit-1), a.ID)
	got, err := s.LastContacts(ctx, many)
	if assert.NoError(t, err, "LastContacts of MaxPageLimit customers") {
		assert.Len(t, got, 1, "LastContacts of MaxPageLimit customers, one with interactions")
	}
	_, err = s.LastContacts(ctx, append(many, b.ID))
	assert.ErrorIs(t, err, crm.ErrInvalid, "LastContacts of more than MaxPageLimit customers")

	// An update moving the latest back in time: a2 is now the latest.
	u := ofA[3].Clone()
	u.At = caseHour(0)
	require.NoError(t, s.UpdateInteraction(ctx, u))
	assertLastContacts(t, s, byID, []crm.LastContact{lastContactOf(ofA[2]), wantB}, "after the latest was moved back in time")
	// A delete of the latest: a0 is the latest now.
	require.NoError(t, s.DeleteInteraction(ctx, ofA[2].ID, 1))
	assertLastContacts(t, s, byID, []crm.LastContact{lastContactOf(ofA[0]), wantB}, "after the latest was deleted")
	// A move of b's interactions to none.
	_, err = s.MoveInteractions(ctx, b.ID, none.ID, fineTime(51), "u-merger")
	require.NoError(t, err)
	wantNone := wantB
	wantNone.CustomerID = none.ID
	assertLastContacts(t, s, []string{none.ID, b.ID, a.ID}, []crm.LastContact{lastContactOf(ofA[0]), wantNone}, "after a move")
}

// testInteractionMove re-points the interactions of one customer to
// another, stamping each.
func testInteractionMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 3)
	from, to, other := cs[0], cs[1], cs[2]
	var moving []*crm.Interaction
	for k := range 3 {
		i := newInteraction(ids, from.ID, "Moving")
		i.Version = int64(1 + 3*k)
		mustCreateInteraction(t, s, i)
		moving = append(moving, i)
	}
	staying := newInteraction(ids, to.ID, "Already there")
	mustCreateInteraction(t, s, staying)
	bystander := newInteraction(ids, other.ID, "Elsewhere")
	mustCreateInteraction(t, s, bystander)

	at := fineTime(40)
	n, err := s.MoveInteractions(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveInteractions")
	assert.Equal(t, len(moving), n, "MoveInteractions must return how many interactions moved")
	for _, i := range moving {
		want := i.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = to.ID, at, "u-merger", i.Version+1
		assertStoredInteraction(t, s, want, "moved interaction %s", i.ID)
	}
	assertStoredInteraction(t, s, staying, "an interaction already with the target")
	assertStoredInteraction(t, s, bystander, "an interaction of another customer")
	assert.Equal(t, append(interactionIDs(moving), staying.ID), interactionIDs(allInteractions(t, s, crm.InteractionFilter{CustomerIDs: []string{to.ID}})), "interactions of the target")
	assert.Empty(t, allInteractions(t, s, crm.InteractionFilter{CustomerIDs: []string{from.ID}}), "interactions left with the source customer")

	n, err = s.MoveInteractions(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveInteractions of a customer with none")
	assert.Zero(t, n, "MoveInteractions of a customer with none")
	_, err = s.MoveInteractions(ctx, to.ID, ids.NewID(), fineTime(41), "u-merger")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveInteractions to a missing customer")
	assert.Len(t, allInteractions(t, s, crm.InteractionFilter{CustomerIDs: []string{to.ID}}), 4, "the target's interactions after a refused move")
}

// newClaim returns claim seq of customerID, made now for an hour.
func newClaim(ids crm.IDGenerator, customerID string, seq int64) *crm.ContactClaim {
	at := baseTime()
	return &crm.ContactClaim{ID: ids.NewID(), CustomerID: customerID, Seq: seq, ActorID: "u-test",
		Channel: crm.InteractionCall, At: at, Until: at.Add(time.Hour)}
}

func allClaims(tb testing.TB, s crm.Store, f crm.ContactClaimFilter) []*crm.ContactClaim {
	tb.Helper()
	return allPages(tb, "FindContactClaims", s.FindContactClaims, f, func(f *crm.ContactClaimFilter, c crm.Cursor) { f.After = c })
}

func claimIDs(cs []*crm.ContactClaim) []string {
	return keysOf(func(c *crm.ContactClaim) string { return c.ID })(cs)
}

func claimLister(s crm.Store, f crm.ContactClaimFilter) lister {
	return pagedLister(s.FindContactClaims, f, func(f *crm.ContactClaimFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit }, claimIDs)
}

func mustCreateClaim(tb testing.TB, s crm.Store, c *crm.ContactClaim) {
	tb.Helper()
	require.NoError(tb, s.CreateContactClaim(tb.Context(), c.Clone()), "CreateContactClaim %d of %s", c.Seq, c.CustomerID)
}

func testClaimRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	in := &crm.ContactClaim{ID: ids.NewID(), CustomerID: cust.ID, Seq: 1, ActorID: "u-ann", Channel: crm.InteractionEmail,
		At: fineTime(33), Until: fineTime(34), Override: true, Overridden: "u-bob claimed Zoë until 18:00", Reason: "Customer asked for me"}
	mustCreateClaim(t, s, in)
	got, err := s.LastContactClaim(t.Context(), cust.ID)
	require.NoError(t, err, "LastContactClaim")
	assertRecordEqual(t, "contact claim", in, got, "LastContactClaim")
	list := allClaims(t, s, crm.ContactClaimFilter{})
	if assert.Len(t, list, 1) {
		assertRecordEqual(t, "contact claim", in, list[0], "FindContactClaims")
	}
}

func testClaimNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	_, err := s.LastContactClaim(ctx, cust.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "LastContactClaim of a customer with no claim")
	_, err = s.LastContactClaim(ctx, ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "LastContactClaim of a missing customer")
	orphan := newClaim(ids, ids.NewID(), 1)
	assert.ErrorIs(t, s.CreateContactClaim(ctx, orphan), crm.ErrNotFound, "CreateContactClaim for a missing customer")
	assert.Empty(t, allClaims(t, s, crm.ContactClaimFilter{}), "a refused claim must not be stored")
}

// testClaimDuplicate stores claims with a taken ID and a taken number:
// a number is taken once per customer.
func testClaimDuplicate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	first := newClaim(ids, cs[0].ID, 1)
	mustCreateClaim(t, s, first)

	again := first.Clone()
	again.Seq, again.ActorID = 2, "u-other"
	assert.ErrorIs(t, s.CreateContactClaim(ctx, again), crm.ErrDuplicate, "CreateContactClaim with a taken ID")
	sameSeq := newClaim(ids, cs[0].ID, 1)
	sameSeq.ActorID = "u-other"
	assert.ErrorIs(t, s.CreateContactClaim(ctx, sameSeq), crm.ErrDuplicate, "CreateContactClaim with a number the customer's claim has")
	assert.Equal(t, []string{first.ID}, claimIDs(allClaims(t, s, crm.ContactClaimFilter{})), "claims after the refused ones")
	got, err := s.LastContactClaim(ctx, cs[0].ID)
	if assert.NoError(t, err) {
		assertRecordEqual(t, "contact claim", first, got, "the claim whose ID and number were taken again")
	}

	other := newClaim(ids, cs[1].ID, 1)
	assert.NoError(t, s.CreateContactClaim(ctx, other.Clone()), "a number is unique per customer, not across them")
	assert.NoError(t, s.CreateContactClaim(ctx, newClaim(ids, cs[0].ID, 2)), "the customer's next number")
}

// testClaimLast stores claims out of order: the last is the one with the
// greatest number (numerically, 10 after 9), not the newest nor the
// greatest ID.
func testClaimLast(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	var claims []*crm.ContactClaim
	for k, seq := range []int64{9, 10, 2, 1, 3} {
		c := newClaim(ids, cs[0].ID, seq)
		c.At = caseHour(float64(5 - k))
		claims = append(claims, c)
	}
	for _, k := range []int{4, 1, 3, 0, 2} {
		mustCreateClaim(t, s, claims[k])
	}
	mustCreateClaim(t, s, newClaim(ids, cs[1].ID, 11))
	got, err := s.LastContactClaim(t.Context(), cs[0].ID)
	require.NoError(t, err)
	assertRecordEqual(t, "contact claim", claims[1], got, "LastContactClaim: the greatest Seq")
}

// testClaimConcurrent makes the first claim on one customer from many
// goroutines at once: exactly one is stored, every other is refused as
// a duplicate.
func testClaimConcurrent(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	n := concurrently(t, 8, crm.ErrDuplicate, func(k int) error {
		c := newClaim(ids, cust.ID, 1)
		c.ActorID = fmt.Sprintf("u-%d", k)
		return s.CreateContactClaim(t.Context(), c)
	})
	assert.Equal(t, 1, n, "first claims on one customer made at once")
	assert.Len(t, allClaims(t, s, crm.ContactClaimFilter{}), 1, "claims stored")
}

// The claims every claim filter subtest starts from, in ID order.
var claimFixtureRows = []struct {
	name, customer, actor string
	seq                   int64
	override              bool
	at                    float64
}{
	{"K1", "A", "u-ann", 1, false, 0},
	{"K2", "B", "u-bob", 1, true, 1},
	{"K3", "A", "u-bob", 2, true, 2},
	{"K4", "B", "u-ann", 2, false, 3},
	{"K5", "A", "u-carol", 3, false, 4},
}

type claimFilterCase struct {
	name string
	f    crm.ContactClaimFilter
	want []string
}

func (fc claimFilterCase) test(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	custs := seedCaseCustomers(t, s, ids, 2)
	customer := map[string]string{"A": custs[0].ID, "B": custs[1].ID}
	recs := make([]*crm.ContactClaim, len(claimFixtureRows))
	names := make([]string, len(recs))
	for k, r := range claimFixtureRows {
		c := newClaim(ids, customer[r.customer], r.seq)
		c.ActorID, c.Override, c.At = r.actor, r.override, caseHour(r.at)
		recs[k], names[k] = c, r.name
	}
	for _, k := range []int{3, 1, 4, 0, 2} {
		mustCreateClaim(t, s, recs[k])
	}
	f := fc.f
	f.CustomerIDs = slices.Clone(f.CustomerIDs)
	for k, c := range f.CustomerIDs {
		f.CustomerIDs[k] = customer[c]
	}
	assertMatchListing(t, "FindContactClaims", s.FindContactClaims, f,
		func(f *crm.ContactClaimFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit },
		f.Match, func(c *crm.ContactClaim) string { return c.ID }, recs, names, fc.want)
}

func claimFilterCases() []claimFilterCase {
	type f = crm.ContactClaimFilter
	h := caseHour
	return []claimFilterCase{
		{"None", f{}, []string{"K1", "K2", "K3", "K4", "K5"}},
		{"CustomerIDs", f{CustomerIDs: []string{"B"}}, []string{"K2", "K4"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"B", "A"}}, []string{"K1", "K2", "K3", "K4", "K5"}},
		{"Actors", f{Actors: []string{"u-bob"}}, []string{"K2", "K3"}},
		{"Actors/Several", f{Actors: []string{"u-carol", "u-ann"}}, []string{"K1", "K4", "K5"}},
		{"OverridesOnly", f{OverridesOnly: true}, []string{"K2", "K3"}},
		{"From", f{From: h(2)}, []string{"K3", "K4", "K5"}},
		{"From/OtherZone", f{From: h(2).In(offsetZone())}, []string{"K3", "K4", "K5"}},
		{"Before", f{Before: h(2)}, []string{"K1", "K2"}},
		{"Before/JustAfter", f{Before: h(2).Add(time.Microsecond)}, []string{"K1", "K2", "K3"}},
		{"Combined", f{CustomerIDs: []string{"A"}, OverridesOnly: true, From: h(1)}, []string{"K3"}},
		{"Combined/NoneMatch", f{Actors: []string{"u-carol"}, OverridesOnly: true}, nil},
	}
}

func testClaimPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	all := newIDs(t, ids, crm.DefaultPageLimit+7)
	ofB := createSplit(all, func(k int, id string, toB bool) {
		c := newClaim(crm.IDGeneratorFunc(func() string { return id }), cs[0].ID, int64(k+1))
		if toB {
			c.CustomerID = cs[1].ID
		}
		mustCreateClaim(t, s, c)
	})
	assert.Equal(t, all, walkPages(t, claimLister(s, crm.ContactClaimFilter{}), 9, nil), "every claim in pages of 9")
	assert.Equal(t, all, walkPages(t, claimLister(s, crm.ContactClaimFilter{}), 0, nil), "every claim with the default limit")
	assert.Equal(t, ofB, walkPages(t, claimLister(s, crm.ContactClaimFilter{CustomerIDs: []string{cs[1].ID}}), 5, nil), "one customer's claims in pages of 5")
	_, _, err := s.FindContactClaims(t.Context(), crm.ContactClaimFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindContactClaims with a negative Limit")
}
