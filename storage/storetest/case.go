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

// The checks of crm.CaseStore: cases with their SLA facts, filters on
// every CaseFilter field, the source of a case unique per customer,
// histories keyed by (case, version), and moves between customers.

// newCase returns a new case of customerID, ready to create as the
// Client builds one; everything optional is left zero.
func newCase(ids crm.IDGenerator, customerID, subject string) *crm.Case {
	at := baseTime()
	return &crm.Case{
		ID: ids.NewID(), CustomerID: customerID, Kind: crm.CaseRequest, Priority: crm.PriorityNormal,
		Status: crm.CaseNew, Subject: subject, OpenedAt: at, StatusChangedAt: at,
		CreatedAt: at, CreatedBy: "u-test", UpdatedAt: at, UpdatedBy: "u-test", Version: 1,
	}
}

// fullCase returns a reopened case with every field set, its times with
// nanoseconds outside UTC and its durations beyond a second.
func fullCase(id, customerID string) *crm.Case {
	return &crm.Case{
		ID: id, CustomerID: customerID, ContactID: "contact-1",
		Kind: crm.CaseComplaint, Priority: crm.PriorityUrgent, Status: crm.CaseReopened,
		Subject: "Invoice 4711 charged twice — Ålesund", Description: "Charged on the 3rd and the 4th.\nRefund please.",
		OwnerID: "u-ann", Channel: "email", Source: "response:0192-abc",
		OpenedAt: fineTime(10), StatusChangedAt: fineTime(14), FirstRespondedAt: fineTime(11),
		ResolvedAt: fineTime(12), ClosedAt: fineTime(13), Reopened: 2,
		FirstResponseTime: 3*time.Hour + 25*time.Minute + 7*time.Microsecond, ResolutionTime: 49*time.Hour + time.Nanosecond,
		FirstResponseDue: fineTime(15), ResolutionDue: fineTime(16),
		CreatedAt: fineTime(17), CreatedBy: "u-bob", UpdatedAt: fineTime(18), UpdatedBy: "u-ann", Version: 1,
	}
}

// wantStoredCase returns c as a store must return it: times in UTC,
// truncated to the microsecond.
func wantStoredCase(c *crm.Case) *crm.Case {
	w := c.Clone()
	for _, t := range []*time.Time{&w.OpenedAt, &w.StatusChangedAt, &w.FirstRespondedAt, &w.ResolvedAt, &w.ClosedAt,
		&w.FirstResponseDue, &w.ResolutionDue, &w.CreatedAt, &w.UpdatedAt} {
		*t = crm.Timestamp(*t)
	}
	return w
}

func mustCreateCase(tb testing.TB, s crm.Store, c *crm.Case) {
	tb.Helper()
	require.NoError(tb, s.CreateCase(tb.Context(), c.Clone()), "CreateCase %q", c.Subject)
}

func assertStoredCase(tb testing.TB, s crm.Store, want *crm.Case, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindCaseByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertRecordEqual(tb, "case", want, got, msgAndArgs...)
}

func allCases(tb testing.TB, s crm.Store, f crm.CaseFilter) []*crm.Case {
	tb.Helper()
	return allPages(tb, "FindCases", s.FindCases, f, func(f *crm.CaseFilter, c crm.Cursor) { f.After = c })
}

func caseIDs(cs []*crm.Case) []string {
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func caseLister(s crm.Store, f crm.CaseFilter) lister {
	return pagedLister(s.FindCases, f, func(f *crm.CaseFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit }, caseIDs)
}

// pagedLister lists the pages of find with f, set moving f to a cursor
// and a limit, as the keys that keys makes of each page.
func pagedLister[T, F any](find func(context.Context, F) ([]*T, crm.Cursor, error), f F, set func(*F, crm.Cursor, int), keys func([]*T) []string) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		set(&f, after, limit)
		page, next, err := find(ctx, f)
		return keys(page), next, err
	}
}

// seedCaseCustomers stores n customers and returns them.
func seedCaseCustomers(tb testing.TB, s crm.Store, ids crm.IDGenerator, n int) []*crm.Customer {
	tb.Helper()
	out := make([]*crm.Customer, n)
	for i := range out {
		out[i] = newCustomer(ids, "Case customer")
		mustCreateCustomer(tb, s, out[i])
	}
	return out
}

func testCaseRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	in := fullCase(ids.NewID(), cust.ID)
	mustCreateCase(t, s, in)
	want := wantStoredCase(in)
	assertStoredCase(t, s, want, "FindCaseByID")
	list := allCases(t, s, crm.CaseFilter{})
	if assert.Len(t, list, 1) {
		assertRecordEqual(t, "case", want, list[0], "FindCases")
	}
}

func testCaseZeroValues(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	want := &crm.Case{ID: ids.NewID(), CustomerID: cust.ID, Version: 1}
	mustCreateCase(t, s, want)
	assertStoredCase(t, s, want, "a case with only an ID, a customer and a version")
	other := &crm.Case{ID: ids.NewID(), CustomerID: cust.ID, Version: 1}
	assert.NoError(t, s.CreateCase(t.Context(), other), "a second case with no source: no source is no clash")
}

func testCaseNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	_, err := s.FindCaseByID(ctx, ids.NewID())
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindCaseByID of a missing ID")

	orphan := newCase(ids, ids.NewID(), "Orphan")
	assert.ErrorIs(t, s.CreateCase(ctx, orphan), crm.ErrNotFound, "CreateCase for a missing customer")
	_, err = s.FindCaseByID(ctx, orphan.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a refused case must not be stored")

	ghost := newCase(ids, cust.ID, "Ghost")
	assert.ErrorIs(t, s.UpdateCase(ctx, ghost), crm.ErrNotFound, "UpdateCase of a missing case")
	_, err = s.FindCaseByID(ctx, ghost.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateCase must not create a case")

	present := newCase(ids, cust.ID, "Present")
	mustCreateCase(t, s, present)
	moved := present.Clone()
	moved.CustomerID = ids.NewID()
	assert.ErrorIs(t, s.UpdateCase(ctx, moved), crm.ErrNotFound, "UpdateCase to a missing customer")
	assertStoredCase(t, s, present, "a case after a refused update")
}

// testCaseDuplicate stores cases with taken IDs and sources: an ID is
// taken once; a source once per customer, and only a source that is
// not "".
func testCaseDuplicate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	first := newCase(ids, cs[0].ID, "First")
	first.Source = "response:1"
	mustCreateCase(t, s, first)

	again := first.Clone()
	again.Subject, again.Source = "Same ID", ""
	assert.ErrorIs(t, s.CreateCase(ctx, again), crm.ErrDuplicate, "CreateCase with a taken ID")
	assertStoredCase(t, s, first, "the case whose ID was taken again")

	sameSource := newCase(ids, cs[0].ID, "Same source")
	sameSource.Source = "response:1"
	assert.ErrorIs(t, s.CreateCase(ctx, sameSource), crm.ErrDuplicate, "CreateCase with a source the customer's case has")
	_, err := s.FindCaseByID(ctx, sameSource.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a case refused for its source must not be stored")

	otherCustomer := newCase(ids, cs[1].ID, "Same source, other customer")
	otherCustomer.Source = "response:1"
	assert.NoError(t, s.CreateCase(ctx, otherCustomer.Clone()), "a source is unique per customer, not across them")
	second := newCase(ids, cs[0].ID, "Second")
	second.Source = "response:2"
	mustCreateCase(t, s, second)

	taking := second.Clone()
	taking.Source = "response:1"
	assert.ErrorIs(t, s.UpdateCase(ctx, taking), crm.ErrDuplicate, "UpdateCase to a source another case of the customer has")
	assert.Equal(t, second.Version, taking.Version, "a refused update leaves the version passed in")
	assertStoredCase(t, s, second, "a case after an update refused for its source")
}

func testCaseUpdate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	c := newCase(ids, cust.ID, "Before")
	c.Source = "response:9"
	mustCreateCase(t, s, c)

	u := fullCase(c.ID, cust.ID)
	u.Source = "response:9" // its own source is no clash
	require.NoError(t, s.UpdateCase(t.Context(), u), "UpdateCase")
	assert.Equal(t, int64(2), u.Version, "UpdateCase sets the new version")
	assertStoredCase(t, s, wantStoredCase(u), "the updated case")
}

func testCaseStaleVersion(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	c := newCase(ids, cust.ID, "Versioned")
	mustCreateCase(t, s, c)
	first := c.Clone()
	first.Status = crm.CaseOpen
	require.NoError(t, s.UpdateCase(ctx, first))
	stale := c.Clone()
	stale.Status = crm.CaseResolved
	assert.ErrorIs(t, s.UpdateCase(ctx, stale), crm.ErrConflict, "UpdateCase with a stale version")
	assert.Equal(t, int64(1), stale.Version, "a refused update leaves the version passed in")
	assertStoredCase(t, s, first, "the case after a stale update")
}

func testCaseCopies(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	in := newCase(ids, cust.ID, "Original")
	want := in.Clone()
	require.NoError(t, s.CreateCase(ctx, in))
	in.Subject, in.Status = "Scribbled after create", crm.CaseClosed
	assertStoredCase(t, s, want, "a case changed by the caller after CreateCase")

	got, err := s.FindCaseByID(ctx, want.ID)
	require.NoError(t, err)
	got.Subject, got.OwnerID = "Scribbled after find", "u-nobody"
	list := allCases(t, s, crm.CaseFilter{})
	require.Len(t, list, 1)
	list[0].Priority = crm.PriorityUrgent
	assertStoredCase(t, s, want, "a case changed by the caller after FindCaseByID and FindCases")
}

// The cases every case filter subtest starts from, in ID order; t0 is
// baseTime. Each row: customer (A or B), owner, kind, priority, status,
// source, hours after t0 of opening, resolution (-1 for none), the first
// response's due and the resolution's due (-1 for none).
var caseFixtureRows = []struct {
	name, customer, owner string
	kind                  crm.CaseKind
	priority              crm.CasePriority
	status                crm.CaseStatus
	source                string
	opened, resolved      float64
	firstDue, resDue      float64
}{
	{"C1", "A", "u-ann", crm.CaseComplaint, crm.PriorityHigh, crm.CaseNew, "response:1", 0, -1, 2, 8},
	{"C2", "A", "u-bob", crm.CaseRequest, crm.PriorityNormal, crm.CaseResolved, "", 1, 5, -1, -1},
	{"C3", "B", "u-ann", crm.CaseInquiry, crm.PriorityLow, crm.CaseWaiting, "", 2, -1, -1, 3},
	{"C4", "B", "u-bob", crm.CaseComplaint, crm.PriorityUrgent, crm.CaseClosed, "response:2", 3, 4, 3.5, -1},
	{"C5", "A", "", crm.CaseComplaint, crm.PriorityNormal, crm.CaseReopened, "", 4, -1, -1, 10},
}

// caseHour returns baseTime plus h hours, or the zero time for a
// negative h.
func caseHour(h float64) time.Time {
	if h < 0 {
		return time.Time{}
	}
	return baseTime().Add(time.Duration(h * float64(time.Hour)))
}

type caseFilterCase struct {
	name string
	f    crm.CaseFilter
	want []string
}

// test seeds the fixture cases, checks that want is what
// [crm.CaseFilter.Match] selects, then lists f in one page and in pages
// of two: both must return exactly want, in ascending ID order.
func (fc caseFilterCase) test(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	custs := seedCaseCustomers(t, s, ids, 2)
	customer := map[string]string{"A": custs[0].ID, "B": custs[1].ID}
	cases := make([]*crm.Case, len(caseFixtureRows))
	name := map[string]string{}
	for i, r := range caseFixtureRows {
		c := newCase(ids, customer[r.customer], r.name)
		c.OwnerID, c.Kind, c.Priority, c.Status, c.Source = r.owner, r.kind, r.priority, r.status, r.source
		c.OpenedAt, c.ResolvedAt = caseHour(r.opened), caseHour(r.resolved)
		c.FirstResponseDue, c.ResolutionDue = caseHour(r.firstDue), caseHour(r.resDue)
		cases[i], name[c.ID] = c, r.name
	}
	for _, i := range []int{3, 1, 4, 0, 2} {
		mustCreateCase(t, s, cases[i])
	}
	f := fc.f
	f.CustomerIDs = slices.Clone(f.CustomerIDs)
	for i, c := range f.CustomerIDs {
		f.CustomerIDs[i] = customer[c]
	}
	want := []string{}
	for _, c := range cases {
		if f.Match(c) {
			want = append(want, c.Subject)
		}
	}
	require.Equal(t, append([]string{}, fc.want...), want, "storetest: the case's cases are not what crm.CaseFilter.Match selects")
	assertFilterListing(t, "FindCases", s.FindCases, f, func(c *crm.Case) string { return c.ID }, caseLister(s, f), name, want)
}

func caseFilterCases() []caseFilterCase {
	type f = crm.CaseFilter
	h := caseHour
	return []caseFilterCase{
		{"None", f{}, []string{"C1", "C2", "C3", "C4", "C5"}},
		{"CustomerIDs", f{CustomerIDs: []string{"A"}}, []string{"C1", "C2", "C5"}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"B", "A"}}, []string{"C1", "C2", "C3", "C4", "C5"}},
		{"Owners", f{Owners: []string{"u-ann"}}, []string{"C1", "C3"}},
		{"Owners/NoOwner", f{Owners: []string{""}}, []string{"C5"}},
		{"Kinds", f{Kinds: []crm.CaseKind{crm.CaseComplaint}}, []string{"C1", "C4", "C5"}},
		{"Kinds/Several", f{Kinds: []crm.CaseKind{crm.CaseInquiry, crm.CaseRequest}}, []string{"C2", "C3"}},
		{"Priorities", f{Priorities: []crm.CasePriority{crm.PriorityUrgent, crm.PriorityHigh}}, []string{"C1", "C4"}},
		{"Statuses", f{Statuses: []crm.CaseStatus{crm.CaseResolved, crm.CaseClosed}}, []string{"C2", "C4"}},
		{"Statuses/Waiting", f{Statuses: []crm.CaseStatus{crm.CaseWaiting}}, []string{"C3"}},
		{"Sources", f{Sources: []string{"response:2"}}, []string{"C4"}},
		{"Sources/NoSource", f{Sources: []string{""}}, nil},
		{"OpenedFrom", f{OpenedFrom: h(2)}, []string{"C3", "C4", "C5"}},
		{"OpenedFrom/OtherZone", f{OpenedFrom: h(2).In(offsetZone())}, []string{"C3", "C4", "C5"}},
		{"OpenedBefore", f{OpenedBefore: h(2)}, []string{"C1", "C2"}},
		{"OpenedRange", f{OpenedFrom: h(1), OpenedBefore: h(3)}, []string{"C2", "C3"}},
		{"ResolvedFrom", f{ResolvedFrom: h(4.5)}, []string{"C2"}},
		{"ResolvedBefore", f{ResolvedBefore: h(5)}, []string{"C4"}},
		{"ResolvedBefore/JustAfter", f{ResolvedBefore: h(5).Add(time.Microsecond)}, []string{"C2", "C4"}},
		{"DueBefore", f{DueBefore: h(3)}, []string{"C1"}},
		{"DueBefore/JustAfter", f{DueBefore: h(3).Add(time.Microsecond)}, []string{"C1", "C3"}},
		{"DueBefore/EitherClock", f{DueBefore: h(9)}, []string{"C1", "C3", "C4"}},
		{"Combined", f{CustomerIDs: []string{"B"}, Statuses: []crm.CaseStatus{crm.CaseClosed, crm.CaseWaiting}, DueBefore: h(4)}, []string{"C3", "C4"}},
		{"Combined/NoneMatch", f{Kinds: []crm.CaseKind{crm.CaseInquiry}, Owners: []string{"u-bob"}}, nil},
	}
}

// testCasePaginate lists cases, created out of ID order, in small pages,
// by the default limit and filtered by customer.
func testCasePaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 2)
	all := newIDs(t, ids, crm.DefaultPageLimit+7)
	var ofB []string
	for i, id := range shuffled(all) {
		c := newCase(crm.IDGeneratorFunc(func() string { return id }), cs[i%2].ID, "Paged")
		if i%2 == 1 {
			ofB = append(ofB, id)
		}
		mustCreateCase(t, s, c)
	}
	slices.Sort(ofB)
	assert.Equal(t, all, walkPages(t, caseLister(s, crm.CaseFilter{}), 9, nil), "every case in pages of 9")
	assert.Equal(t, all, walkPages(t, caseLister(s, crm.CaseFilter{}), 0, nil), "every case with the default limit")
	assert.Equal(t, ofB, walkPages(t, caseLister(s, crm.CaseFilter{CustomerIDs: []string{cs[1].ID}}), 5, nil), "one customer's cases in pages of 5")
	_, _, err := s.FindCases(t.Context(), crm.CaseFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindCases with a negative Limit")
}

// newCaseChange returns the history entry of version of the case id.
func newCaseChange(id string, version int64, from, to crm.CaseStatus) *crm.CaseChange {
	return &crm.CaseChange{CaseID: id, Version: version, At: baseTime().Add(time.Duration(version) * time.Minute), By: "u-test",
		FromStatus: from, ToStatus: to, Priority: crm.PriorityNormal, OwnerID: "u-ann"}
}

func caseChangeKeys(chs []*crm.CaseChange) []string {
	keys := []string{}
	for _, ch := range chs {
		keys = append(keys, changeKey(ch.CaseID, ch.Version))
	}
	return keys
}

func caseChangeLister(s crm.Store, f crm.CaseChangeFilter) lister {
	return pagedLister(s.FindCaseChanges, f, func(f *crm.CaseChangeFilter, after crm.Cursor, limit int) { f.After, f.Limit = after, limit }, caseChangeKeys)
}

// testCaseHistory stores histories out of order: they come back by case
// and then version (numerically, 2 before 10), whole, per case and in
// pages; an entry of a taken version or of a missing case is refused.
func testCaseHistory(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	a, b := newCase(ids, cust.ID, "A"), newCase(ids, cust.ID, "B")
	mustCreateCase(t, s, b)
	mustCreateCase(t, s, a)
	var want []string
	for _, c := range []*crm.Case{a, b} {
		for _, v := range []int64{1, 2, 3, 10, 11} {
			want = append(want, changeKey(c.ID, v))
		}
	}
	for _, v := range []int64{10, 1, 3, 11, 2} {
		for _, c := range []*crm.Case{b, a} {
			require.NoError(t, s.AddCaseChange(ctx, newCaseChange(c.ID, v, crm.CaseNew, crm.CaseOpen)), "AddCaseChange %d", v)
		}
	}
	assert.Equal(t, want, walkPages(t, caseChangeLister(s, crm.CaseChangeFilter{}), 0, nil), "every history, one page")
	assert.Equal(t, want, walkPages(t, caseChangeLister(s, crm.CaseChangeFilter{}), 3, nil), "every history in pages of 3")
	assert.Equal(t, want[5:], walkPages(t, caseChangeLister(s, crm.CaseChangeFilter{CaseIDs: []string{b.ID}}), 2, nil), "one case's history in pages of 2")

	full := &crm.CaseChange{CaseID: a.ID, Version: 12, At: fineTime(30), By: "u-bob", FromStatus: crm.CaseResolved,
		ToStatus: crm.CaseReopened, Priority: crm.PriorityUrgent, OwnerID: "u-carol", Responded: true}
	require.NoError(t, s.AddCaseChange(ctx, full))
	page, _, err := s.FindCaseChanges(ctx, crm.CaseChangeFilter{CaseIDs: []string{a.ID}})
	require.NoError(t, err)
	if assert.Len(t, page, 6) {
		w := *full
		w.At = crm.Timestamp(w.At)
		assertRecordEqual(t, "case change", &w, page[5], "a history entry with every field set")
	}

	dup := newCaseChange(a.ID, 3, crm.CaseOpen, crm.CaseClosed)
	assert.ErrorIs(t, s.AddCaseChange(ctx, dup), crm.ErrDuplicate, "AddCaseChange of a taken version")
	page, _, err = s.FindCaseChanges(ctx, crm.CaseChangeFilter{CaseIDs: []string{a.ID}, Limit: 3})
	require.NoError(t, err)
	if assert.Len(t, page, 3) {
		assert.Equal(t, crm.CaseOpen, page[2].ToStatus, "the entry whose version was taken again is kept")
	}
	assert.ErrorIs(t, s.AddCaseChange(ctx, newCaseChange(ids.NewID(), 1, "", crm.CaseNew)), crm.ErrNotFound, "AddCaseChange of a missing case")
}

// testCaseMove re-points the cases of one customer to another, stamping
// each and writing no history; a missing target and a clash of sources
// are refused, moving nothing.
func testCaseMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cs := seedCaseCustomers(t, s, ids, 4)
	from, to, other, clash := cs[0], cs[1], cs[2], cs[3]
	var moving []*crm.Case
	for i, src := range []string{"response:1", "", "response:2"} {
		c := newCase(ids, from.ID, "Moving")
		c.Source = src
		if i == 1 {
			c.Version = 4
		}
		mustCreateCase(t, s, c)
		moving = append(moving, c)
	}
	require.NoError(t, s.AddCaseChange(ctx, newCaseChange(moving[0].ID, 1, "", crm.CaseNew)))
	staying := newCase(ids, to.ID, "Already there")
	staying.Source = "response:3"
	mustCreateCase(t, s, staying)
	bystander := newCase(ids, other.ID, "Elsewhere")
	mustCreateCase(t, s, bystander)

	at := fineTime(40)
	n, err := s.MoveCases(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveCases")
	assert.Equal(t, len(moving), n, "MoveCases must return how many cases moved")
	for _, c := range moving {
		want := c.Clone()
		want.CustomerID, want.UpdatedAt, want.UpdatedBy, want.Version = to.ID, crm.Timestamp(at), "u-merger", c.Version+1
		assertStoredCase(t, s, want, "moved case %s", c.ID)
	}
	assertStoredCase(t, s, staying, "a case already with the target")
	assertStoredCase(t, s, bystander, "a case of another customer")
	assert.Equal(t, append(caseIDs(moving), staying.ID), caseIDs(allCases(t, s, crm.CaseFilter{CustomerIDs: []string{to.ID}})), "cases of the target")
	assert.Empty(t, allCases(t, s, crm.CaseFilter{CustomerIDs: []string{from.ID}}), "cases left with the source customer")
	history, _, err := s.FindCaseChanges(ctx, crm.CaseChangeFilter{CaseIDs: []string{moving[0].ID}})
	require.NoError(t, err)
	assert.Len(t, history, 1, "a move writes no history entry")

	_, err = s.MoveCases(ctx, to.ID, ids.NewID(), fineTime(41), "u-merger")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveCases to a missing customer")

	taken := newCase(ids, clash.ID, "Same source as a moved case")
	taken.Source = "response:2"
	mustCreateCase(t, s, taken)
	_, err = s.MoveCases(ctx, clash.ID, to.ID, fineTime(42), "u-merger")
	assert.ErrorIs(t, err, crm.ErrDuplicate, "MoveCases onto a customer with a case of the same source")
	assertStoredCase(t, s, taken, "a case of a refused move")
	assert.Len(t, allCases(t, s, crm.CaseFilter{CustomerIDs: []string{to.ID}}), 4, "the target's cases after a refused move")
}

// testCaseTxRollback writes cases and history in a transaction that
// fails: none of the writes remain.
func testCaseTxRollback(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	cust := seedCaseCustomers(t, s, ids, 1)[0]
	kept := newCase(ids, cust.ID, "Kept")
	mustCreateCase(t, s, kept)
	added := newCase(ids, cust.ID, "Added")
	err := s.RunInTx(ctx, func(tx crm.Store) error {
		require.NoError(t, tx.CreateCase(ctx, added.Clone()))
		require.NoError(t, tx.AddCaseChange(ctx, newCaseChange(added.ID, 1, "", crm.CaseNew)))
		u := kept.Clone()
		u.Status = crm.CaseResolved
		require.NoError(t, tx.UpdateCase(ctx, u))
		assert.Len(t, allCases(t, tx, crm.CaseFilter{Statuses: []crm.CaseStatus{crm.CaseResolved}}), 1, "inside the transaction")
		return errFn
	})
	require.ErrorIs(t, err, errFn)
	_, err = s.FindCaseByID(ctx, added.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "a case created in a rolled-back transaction")
	assertStoredCase(t, s, kept, "a case updated in a rolled-back transaction")
	page, _, err := s.FindCaseChanges(ctx, crm.CaseChangeFilter{})
	require.NoError(t, err)
	assert.Empty(t, page, "history written in a rolled-back transaction")
}
