package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// salesFixture is a customer with a contact and a pipeline: what a deal
// needs to be stored.
type salesFixture struct {
	customer *crm.Customer
	contact  *crm.Contact
	pipeline *crm.Pipeline
}

func seedSalesFixture(tb testing.TB, s crm.Store, ids crm.IDGenerator) *salesFixture {
	tb.Helper()
	fx := &salesFixture{
		customer: newCustomer(ids, "Buyer"),
		pipeline: newPipeline(ids, "Sales"),
	}
	fx.contact = newContact(ids, fx.customer.ID, "Champion")
	mustCreateCustomer(tb, s, fx.customer)
	mustCreateContact(tb, s, fx.contact)
	mustCreatePipeline(tb, s, fx.pipeline)
	return fx
}

// testOpportunityRoundTrip stores a deal with every field set and reads
// it back by ID and through a listing.
func testOpportunityRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	want := fullOpportunity(ids.NewID(), fx.customer.ID, fx.contact.ID, fx.pipeline.ID)
	mustCreateOpportunity(t, s, want)

	got := mustFindOpportunity(t, s, want.ID)
	assertOpportunityEqual(t, want, got, "FindOpportunityByID")

	// The points most likely to break, spelled out with literal values.
	assertDecimalEqual(t, decimal.RequireFromString("1234.5678"), got.Amount.Amount, "Amount.Amount")
	assert.Equal(t, "EUR", got.Amount.Currency, "Amount.Currency")
	wantCreated := time.Date(2024, 2, 29, 18, 0, 13, 123456000, time.UTC)
	assert.True(t, wantCreated.Equal(got.CreatedAt), "CreatedAt: want %s (UTC, truncated to µs), got %s", wantCreated, got.CreatedAt)
	assert.Equal(t, "UTC", got.CreatedAt.Location().String(), "the location of CreatedAt")
	wantClose := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	assert.True(t, wantClose.Equal(got.CloseDate), "CloseDate: want %s, got %s", wantClose, got.CloseDate)
	assert.Equal(t, "UTC", got.CloseDate.Location().String(), "the location of CloseDate")

	list := allOpportunities(t, s, crm.OpportunityFilter{})
	if assert.Len(t, list, 1, "FindOpportunities") {
		assertOpportunityEqual(t, want, list[0], "FindOpportunities")
	}
}

// testOpportunityZeroValues stores a deal with every optional field zero:
// no amount, no close date, no owner, not closed.
func testOpportunityZeroValues(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	want := newOpportunity(ids, fx.customer.ID, fx.pipeline.ID, "Minimal")
	mustCreateOpportunity(t, s, want)

	got := mustFindOpportunity(t, s, want.ID)
	assertOpportunityEqual(t, want, got)
	assert.True(t, got.Amount.IsZero(), "Amount: want the zero Money, got %+v", got.Amount)
	assert.True(t, got.CloseDate.IsZero(), "CloseDate: want the zero time, got %s", got.CloseDate)
	assert.True(t, got.ClosedAt.IsZero(), "ClosedAt: want the zero time, got %s", got.ClosedAt)

	list := allOpportunities(t, s, crm.OpportunityFilter{})
	if assert.Len(t, list, 1, "FindOpportunities") {
		assertOpportunityEqual(t, want, list[0], "FindOpportunities")
	}
}

func testOpportunityNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	present := newOpportunity(ids, fx.customer.ID, fx.pipeline.ID, "Present")
	mustCreateOpportunity(t, s, present)
	missingCustomer, missingPipeline, missing := ids.NewID(), ids.NewID(), ids.NewID()

	_, err := s.FindOpportunityByID(ctx, missing)
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindOpportunityByID of a missing ID")
	_, err = s.FindOpportunityByID(ctx, "")
	assert.ErrorIs(t, err, crm.ErrNotFound, `FindOpportunityByID("")`)

	orphan := newOpportunity(ids, missingCustomer, fx.pipeline.ID, "No customer")
	err = s.CreateOpportunity(ctx, orphan)
	assert.ErrorIs(t, err, crm.ErrNotFound, "CreateOpportunity for a missing customer")
	assertNoOpportunity(t, s, orphan.ID, "a deal refused for its missing customer must not be stored")

	stray := newOpportunity(ids, fx.customer.ID, missingPipeline, "No pipeline")
	err = s.CreateOpportunity(ctx, stray)
	assert.ErrorIs(t, err, crm.ErrNotFound, "CreateOpportunity in a missing pipeline")
	assertNoOpportunity(t, s, stray.ID, "a deal refused for its missing pipeline must not be stored")

	ghost := newOpportunity(ids, fx.customer.ID, fx.pipeline.ID, "Ghost")
	ghost.ID = missing
	err = s.UpdateOpportunity(ctx, ghost)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateOpportunity of a missing ID")
	assert.EqualValues(t, 1, ghost.Version, "a failed UpdateOpportunity must leave the Version passed in")
	assertNoOpportunity(t, s, missing, "UpdateOpportunity of a missing ID must not create it")

	moved := present.Clone()
	moved.CustomerID = missingCustomer
	err = s.UpdateOpportunity(ctx, moved)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateOpportunity to a missing customer")
	assert.EqualValues(t, 1, moved.Version, "a failed UpdateOpportunity must leave the Version passed in")
	assertStoredOpportunity(t, s, present, "after the refused move to a missing customer")

	moved = present.Clone()
	moved.PipelineID = missingPipeline
	err = s.UpdateOpportunity(ctx, moved)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdateOpportunity to a missing pipeline")
	assert.EqualValues(t, 1, moved.Version, "a failed UpdateOpportunity must leave the Version passed in")
	assertStoredOpportunity(t, s, present, "after the refused move to a missing pipeline")

	assert.Equal(t, []string{present.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{})),
		"FindOpportunities after the refused writes")
}

func testOpportunityDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	other := newCustomer(ids, "Other buyer")
	mustCreateCustomer(t, s, other)
	original := newOpportunity(ids, fx.customer.ID, fx.pipeline.ID, "Original")
	mustCreateOpportunity(t, s, original)

	for _, customerID := range []string{fx.customer.ID, other.ID} {
		dup := fullOpportunity(original.ID, customerID, "", fx.pipeline.ID)
		err := s.CreateOpportunity(t.Context(), dup)
		assert.ErrorIs(t, err, crm.ErrDuplicate, "CreateOpportunity with an ID in use")
		assertStoredOpportunity(t, s, original, "after the refused duplicate")
	}
	assert.Equal(t, []string{original.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{})),
		"FindOpportunities after the refused duplicates")
	assert.Empty(t, allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{other.ID}}),
		"deals of the customer a refused duplicate named")
}

// testOpportunityUpdate replaces every field of a deal, moving it to
// another customer and pipeline, and checks the version rule.
func testOpportunityUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	b := newCustomer(ids, "Buyer B")
	q := newPipeline(ids, "Renewals")
	mustCreateCustomer(t, s, b)
	mustCreatePipeline(t, s, q)
	full := fullOpportunity(ids.NewID(), fx.customer.ID, fx.contact.ID, fx.pipeline.ID)
	mustCreateOpportunity(t, s, full)
	other := newOpportunity(ids, fx.customer.ID, fx.pipeline.ID, "Bystander")
	mustCreateOpportunity(t, s, other)

	u := mustFindOpportunity(t, s, full.ID)
	require.EqualValues(t, 1, u.Version)
	u.Name = "Ålander — 60 seats"
	u.CustomerID = b.ID
	u.ContactID = ""
	u.LeadID = ""
	u.PipelineID = q.ID
	u.Stage = "negotiation"
	u.Status = crm.OpportunityOpen
	// 18 significant digits: more than a float64 keeps.
	u.Amount = crm.Money{Amount: decimal.RequireFromString("98765432109876.5432"), Currency: "USD"}
	u.Probability = 60
	u.CloseDate = time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	u.OwnerID = "u-carol"
	u.LostReason = ""
	u.NextStep = "Send the revised quote"
	u.StageEnteredAt = fineTime(31)
	u.ClosedAt = time.Time{}
	u.UpdatedAt = fineTime(32)
	u.UpdatedBy = "u-carol"
	want := u.Clone()

	require.NoError(t, s.UpdateOpportunity(ctx, u), "UpdateOpportunity")
	assert.EqualValues(t, 2, u.Version, "UpdateOpportunity must set the Version passed in to the next one")
	want.Version = 2
	assertStoredOpportunity(t, s, want, "after the first update")
	got := mustFindOpportunity(t, s, full.ID)
	assertDecimalEqual(t, decimal.RequireFromString("98765432109876.5432"), got.Amount.Amount, "Amount.Amount after the update")

	// The value UpdateOpportunity returned is good for the next update.
	u.Amount = crm.Money{}
	u.CloseDate = time.Time{}
	u.OwnerID = ""
	require.NoError(t, s.UpdateOpportunity(ctx, u), "UpdateOpportunity with the version set by the last update")
	assert.EqualValues(t, 3, u.Version)
	want.Amount, want.CloseDate, want.OwnerID, want.Version = crm.Money{}, time.Time{}, "", 3
	assertStoredOpportunity(t, s, want, "after the second update")
	assertStoredOpportunity(t, s, other, "a deal not updated")

	assert.Equal(t, []string{other.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{fx.customer.ID}})),
		"deals of the customer the deal left")
	assert.Equal(t, []string{full.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{b.ID}})),
		"deals of the customer the deal joined")
	assert.Equal(t, []string{full.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{PipelineIDs: []string{q.ID}})),
		"deals of the pipeline the deal joined")
}

// testOpportunityStaleVersion updates with versions behind and ahead of
// the stored one: each fails with ErrConflict and changes nothing.
func testOpportunityStaleVersion(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	o := fullOpportunity(ids.NewID(), fx.customer.ID, fx.contact.ID, fx.pipeline.ID)
	mustCreateOpportunity(t, s, o)

	first := mustFindOpportunity(t, s, o.ID)
	second := mustFindOpportunity(t, s, o.ID)
	first.Name = "First writer"
	require.NoError(t, s.UpdateOpportunity(ctx, first), "the first writer's update")
	before := mustFindOpportunity(t, s, o.ID)
	require.EqualValues(t, 2, before.Version)

	second.Name = "Second writer"
	second.Amount = crm.MustMoney("1.00", "EUR")
	err := s.UpdateOpportunity(ctx, second)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateOpportunity with a version behind the stored one")
	assert.EqualValues(t, 1, second.Version, "a failed UpdateOpportunity must leave the Version passed in")
	assertStoredOpportunity(t, s, before, "after the stale update")

	ahead := before.Clone()
	ahead.Name = "From the future"
	ahead.Version = 9
	err = s.UpdateOpportunity(ctx, ahead)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdateOpportunity with a version ahead of the stored one")
	assert.EqualValues(t, 9, ahead.Version, "a failed UpdateOpportunity must leave the Version passed in")
	assertStoredOpportunity(t, s, before, "after the update from ahead")
}

// testOpportunityCopies mutates every deal and history entry that crosses
// the Store boundary and checks that what is stored does not change.
func testOpportunityCopies(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	o := fullOpportunity(ids.NewID(), fx.customer.ID, fx.contact.ID, fx.pipeline.ID)
	want := o.Clone()

	require.NoError(t, s.CreateOpportunity(ctx, o))
	scribbleOpportunity(o)
	assertStoredOpportunity(t, s, want, "after changing the value passed to CreateOpportunity")

	got := mustFindOpportunity(t, s, want.ID)
	scribbleOpportunity(got)
	assertStoredOpportunity(t, s, want, "after changing a value FindOpportunityByID returned")

	list := allOpportunities(t, s, crm.OpportunityFilter{})
	require.Len(t, list, 1)
	scribbleOpportunity(list[0])
	assertStoredOpportunity(t, s, want, "after changing a value FindOpportunities returned")

	u := mustFindOpportunity(t, s, want.ID)
	u.NextStep = "Updated"
	want = u.Clone()
	require.NoError(t, s.UpdateOpportunity(ctx, u))
	want.Version = 2
	scribbleOpportunity(u)
	assertStoredOpportunity(t, s, want, "after changing the value passed to UpdateOpportunity")

	ch := newChange(want.ID, 1, "", "collection")
	ch.Amount = crm.MustMoney("10.50", "EUR")
	wantCh := *ch
	require.NoError(t, s.AddOpportunityChange(ctx, ch))
	scribbleChange(ch)
	assertHistory(t, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{&wantCh},
		"after changing the value passed to AddOpportunityChange")
	page, _, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{})
	require.NoError(t, err)
	require.Len(t, page, 1)
	scribbleChange(page[0])
	assertHistory(t, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{&wantCh},
		"after changing a value FindOpportunityChanges returned")
}

func scribbleOpportunity(o *crm.Opportunity) {
	o.Name = "scribbled"
	o.Stage = "scribbled"
	o.Amount.Amount = o.Amount.Amount.Add(decimal.NewFromInt(1))
	o.CloseDate = o.CloseDate.AddDate(0, 0, 1)
	o.Version += 100
}

func scribbleChange(ch *crm.OpportunityChange) {
	ch.ToStage = "scribbled"
	ch.Amount.Amount = ch.Amount.Amount.Add(decimal.NewFromInt(1))
	ch.At = ch.At.Add(time.Hour)
}

// The deals every filter subtest starts from, in ascending ID order (they
// are created in another order), with their customer, pipeline, owner,
// stage, status and close date.
const (
	dealA1 = "A1" // A, P, u-ann, collection, open, 2025-06-01
	dealA2 = "A2" // A, P, u-bob, proposal, open, 2025-06-15
	dealB1 = "B1" // B, P, u-ann, won, won, 2025-06-30
	dealB2 = "B2" // B, R, no owner, lost, lost, 2025-07-01
	dealC1 = "C1" // C, R, u-carol, negotiation, open, no close date
	dealA3 = "A3" // A, R, u-bob, collection, open, 2025-05-31
	dealC2 = "C2" // C, P, u-ann, proposal, open, 2025-06-15
	dealB3 = "B3" // B, P, u-bob, lost, lost, 2025-07-15
)

// june returns midnight UTC of a day in June 2025 (day 31 is 1 July).
func june(day int) time.Time { return time.Date(2025, 6, day, 0, 0, 0, 0, time.UTC) }

// oppFixture is the set of deals the filter subtests query. Filters name
// customers "A", "B", "C" and pipelines "P", "R"; the runner puts in
// their IDs.
type oppFixture struct {
	deals     []*crm.Opportunity // in ascending ID order
	name      map[string]string  // deal ID to name
	customers map[string]string  // "A" to the customer's ID
	pipelines map[string]string  // "P" to the pipeline's ID
}

func seedOppFixture(tb testing.TB, s crm.Store) *oppFixture {
	tb.Helper()
	ids := new(crm.UUIDv7)
	fx := &oppFixture{name: map[string]string{}, customers: map[string]string{}, pipelines: map[string]string{}}
	for _, n := range []string{"A", "B", "C"} {
		c := newCustomer(ids, "Customer "+n)
		mustCreateCustomer(tb, s, c)
		fx.customers[n] = c.ID
	}
	for _, n := range []string{"P", "R"} {
		p := newPipeline(ids, "Pipeline "+n)
		mustCreatePipeline(tb, s, p)
		fx.pipelines[n] = p.ID
	}
	mk := func(name, customer, pipeline, owner, stage string, status crm.OpportunityStatus, closeDate time.Time) *crm.Opportunity {
		o := newOpportunity(ids, fx.customers[customer], fx.pipelines[pipeline], name)
		o.OwnerID, o.Stage, o.Status, o.CloseDate = owner, stage, status, closeDate
		fx.name[o.ID] = name
		return o
	}
	open, won, lost := crm.OpportunityOpen, crm.OpportunityWon, crm.OpportunityLost
	fx.deals = []*crm.Opportunity{
		mk(dealA1, "A", "P", "u-ann", "collection", open, june(1)),
		mk(dealA2, "A", "P", "u-bob", "proposal", open, june(15)),
		mk(dealB1, "B", "P", "u-ann", "won", won, june(30)),
		mk(dealB2, "B", "R", "", "lost", lost, june(31)),
		mk(dealC1, "C", "R", "u-carol", "negotiation", open, time.Time{}),
		mk(dealA3, "A", "R", "u-bob", "collection", open, june(0)),
		mk(dealC2, "C", "P", "u-ann", "proposal", open, june(15)),
		mk(dealB3, "B", "P", "u-bob", "lost", lost, june(45)),
	}
	for _, i := range []int{5, 2, 7, 0, 4, 6, 1, 3} {
		mustCreateOpportunity(tb, s, fx.deals[i])
	}
	return fx
}

// names returns the names of the deals with ids, keeping their order.
func (fx *oppFixture) names(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if name, ok := fx.name[id]; ok {
			out[i] = name
		} else {
			out[i] = "unknown ID " + id
		}
	}
	return out
}

// resolve returns f with the customer and pipeline names of the fixture
// replaced by their IDs; other values are kept.
func (fx *oppFixture) resolve(f crm.OpportunityFilter) crm.OpportunityFilter {
	swap := func(list []string, ids map[string]string) []string {
		out := slices.Clone(list)
		for i, n := range out {
			if id, ok := ids[n]; ok {
				out[i] = id
			}
		}
		return out
	}
	f.CustomerIDs = swap(f.CustomerIDs, fx.customers)
	f.PipelineIDs = swap(f.PipelineIDs, fx.pipelines)
	return f
}

// oppFilterCase is one OpportunityFilter and the deals it must select.
type oppFilterCase struct {
	name string
	f    crm.OpportunityFilter
	want []string
}

// test seeds the fixture deals, checks that want is what
// [crm.OpportunityFilter.Match] selects, then lists f with the default
// limit (one page) and in pages of two: both must return exactly want, in
// ascending ID order.
func (fc oppFilterCase) test(t *testing.T, s crm.Store) {
	fx := seedOppFixture(t, s)
	f := fx.resolve(fc.f)
	want := []string{}
	for _, o := range fx.deals {
		if f.Match(o) {
			want = append(want, fx.name[o.ID])
		}
	}
	wantListed := slices.Clone(fc.want)
	if wantListed == nil {
		wantListed = []string{}
	}
	require.Equal(t, wantListed, want, "storetest: the case's deals are not what crm.OpportunityFilter.Match selects")

	page, next, err := s.FindOpportunities(t.Context(), f)
	require.NoError(t, err, "FindOpportunities %+v", f)
	assert.Equal(t, want, fx.names(opportunityIDs(page)), "FindOpportunities %+v: one page", f)
	assert.Empty(t, next, "the cursor after a page that holds all %d selected deals", len(want))

	paged := walkPages(t, opportunityLister(s, f), 2, nil)
	assert.Equal(t, want, fx.names(paged), "FindOpportunities %+v: pages of 2", f)
}

func opportunityFilterCases() []oppFilterCase {
	all := []string{dealA1, dealA2, dealB1, dealB2, dealC1, dealA3, dealC2, dealB3}
	type f = crm.OpportunityFilter
	open, won, lost := crm.OpportunityOpen, crm.OpportunityWon, crm.OpportunityLost
	return []oppFilterCase{
		{"None", f{}, all},

		{"CustomerIDs", f{CustomerIDs: []string{"A"}}, []string{dealA1, dealA2, dealA3}},
		{"CustomerIDs/Several", f{CustomerIDs: []string{"C", "A"}}, []string{dealA1, dealA2, dealC1, dealA3, dealC2}},
		{"CustomerIDs/Unknown", f{CustomerIDs: []string{"no-such-customer"}}, nil},

		{"PipelineIDs", f{PipelineIDs: []string{"R"}}, []string{dealB2, dealC1, dealA3}},
		{"PipelineIDs/Several", f{PipelineIDs: []string{"R", "P"}}, all},

		{"Owners", f{Owners: []string{"u-ann"}}, []string{dealA1, dealB1, dealC2}},
		{"Owners/Several", f{Owners: []string{"u-bob", "u-carol"}}, []string{dealA2, dealC1, dealA3, dealB3}},
		{"Owners/NoOwner", f{Owners: []string{""}}, []string{dealB2}},

		{"Stages", f{Stages: []string{"proposal"}}, []string{dealA2, dealC2}},
		{"Stages/Several", f{Stages: []string{"lost", "collection"}}, []string{dealA1, dealB2, dealA3, dealB3}},

		{"Statuses", f{Statuses: []crm.OpportunityStatus{open}}, []string{dealA1, dealA2, dealC1, dealA3, dealC2}},
		{"Statuses/Closed", f{Statuses: []crm.OpportunityStatus{won, lost}}, []string{dealB1, dealB2, dealB3}},

		// CloseFrom is inclusive, CloseBefore exclusive; a deal with no
		// close date matches neither bound.
		{"CloseFrom", f{CloseFrom: june(15)}, []string{dealA2, dealB1, dealB2, dealC2, dealB3}},
		{"CloseFrom/OtherZone", f{CloseFrom: june(15).In(offsetZone())}, []string{dealA2, dealB1, dealB2, dealC2, dealB3}},
		{"CloseFrom/JustAfter", f{CloseFrom: june(15).Add(time.Microsecond)}, []string{dealB1, dealB2, dealB3}},
		{"CloseBefore", f{CloseBefore: june(15)}, []string{dealA1, dealA3}},
		{"CloseBefore/JustAfter", f{CloseBefore: june(15).Add(time.Microsecond)}, []string{dealA1, dealA2, dealA3, dealC2}},
		{"CloseRange", f{CloseFrom: june(1), CloseBefore: june(31)}, []string{dealA1, dealA2, dealB1, dealC2}},

		{"Combined/CustomerAndStatus", f{CustomerIDs: []string{"B"}, Statuses: []crm.OpportunityStatus{lost}}, []string{dealB2, dealB3}},
		{"Combined/PipelineOwnerStage", f{
			PipelineIDs: []string{"P"},
			Owners:      []string{"u-ann"},
			Stages:      []string{"collection", "won"},
		}, []string{dealA1, dealB1}},
		{"Combined/Everything", f{
			CustomerIDs: []string{"A", "B"},
			PipelineIDs: []string{"P"},
			Owners:      []string{"u-ann", "u-bob"},
			Stages:      []string{"proposal", "won", "lost"},
			Statuses:    []crm.OpportunityStatus{open, won},
			CloseFrom:   june(1),
			CloseBefore: june(31),
		}, []string{dealA2, dealB1}},
		{"Combined/NoneMatch", f{CustomerIDs: []string{"C"}, Statuses: []crm.OpportunityStatus{won}}, nil},
	}
}

// testOpportunityPaginate lists deals of two customers, created out of ID
// order, in small pages, with the default limit, and filtered by one
// customer.
func testOpportunityPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	b := newCustomer(ids, "Buyer B")
	mustCreateCustomer(t, s, b)
	all := newIDs(t, ids, crm.DefaultPageLimit+13)
	var ofB []string
	for i, id := range shuffled(all) {
		customerID := fx.customer.ID
		if i%4 == 0 {
			customerID = b.ID
		}
		mustCreateOpportunity(t, s, newOpportunity(crm.IDGeneratorFunc(func() string { return id }), customerID, fx.pipeline.ID, "Deal "+id))
		if customerID == b.ID {
			ofB = append(ofB, id)
		}
	}
	slices.Sort(ofB)

	assert.Equal(t, all, walkPages(t, opportunityLister(s, crm.OpportunityFilter{}), 7, nil), "every deal in pages of 7")
	assert.Equal(t, ofB, walkPages(t, opportunityLister(s, crm.OpportunityFilter{CustomerIDs: []string{b.ID}}), 3, nil),
		"the deals of B in pages of 3")

	page, next, err := s.FindOpportunities(t.Context(), crm.OpportunityFilter{})
	require.NoError(t, err)
	assert.Equal(t, all[:crm.DefaultPageLimit], opportunityIDs(page), "first page with Limit 0")
	require.NotEmpty(t, next, "the cursor after the first of two pages")
	page, next, err = s.FindOpportunities(t.Context(), crm.OpportunityFilter{After: next})
	require.NoError(t, err)
	assert.Equal(t, all[crm.DefaultPageLimit:], opportunityIDs(page), "second page with Limit 0")
	assert.Empty(t, next, "the cursor after the last page")
}

func testOpportunityPaginateWhileInserting(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)
	insert := func(tb testing.TB, id string) {
		mustCreateOpportunity(tb, s, newOpportunity(crm.IDGeneratorFunc(func() string { return id }), fx.customer.ID, fx.pipeline.ID, "Deal "+id))
	}
	checkPaginateWhileInserting(t, newIDs(t, ids, 100), insert, opportunityLister(s, crm.OpportunityFilter{}))
}

// testOpportunityLimits checks the page limits of FindOpportunities and
// FindOpportunityChanges: a negative Limit is refused, and one above
// MaxPageLimit is lowered to it.
func testOpportunityLimits(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	fx := seedSalesFixture(t, s, ids)

	_, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindOpportunities with a negative Limit")
	_, _, err = s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: -1})
	assert.ErrorIs(t, err, crm.ErrInvalid, "FindOpportunityChanges with a negative Limit")

	// MaxPageLimit+1 deals, and as many history entries of the first one,
	// written in one transaction to be quick on every store.
	const n = crm.MaxPageLimit + 1
	all := newIDs(t, ids, n)
	err = s.RunInTx(ctx, func(tx crm.Store) error {
		for _, id := range all {
			o := newOpportunity(crm.IDGeneratorFunc(func() string { return id }), fx.customer.ID, fx.pipeline.ID, "Deal")
			if err := tx.CreateOpportunity(ctx, o); err != nil {
				return fmt.Errorf("CreateOpportunity: %w", err)
			}
		}
		for v := int64(1); v <= n; v++ {
			if err := tx.AddOpportunityChange(ctx, newChange(all[0], v, "collection", "collection")); err != nil {
				return fmt.Errorf("AddOpportunityChange: %w", err)
			}
		}
		return nil
	})
	require.NoError(t, err, "storing %d deals and %d history entries", n, n)

	page, next, err := s.FindOpportunities(ctx, crm.OpportunityFilter{Limit: crm.MaxPageLimit + 500})
	require.NoError(t, err, "FindOpportunities with a Limit above MaxPageLimit")
	assert.Equal(t, all[:crm.MaxPageLimit], opportunityIDs(page), "a page asked for with a Limit above MaxPageLimit holds MaxPageLimit deals")
	if assert.NotEmpty(t, next, "the cursor after a page of MaxPageLimit deals, with one more to come") {
		page, next, err = s.FindOpportunities(ctx, crm.OpportunityFilter{Limit: crm.MaxPageLimit + 500, After: next})
		require.NoError(t, err)
		assert.Equal(t, all[crm.MaxPageLimit:], opportunityIDs(page), "the page after")
		assert.Empty(t, next, "the cursor after the last page")
	}

	changes, next, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: crm.MaxPageLimit + 500})
	require.NoError(t, err, "FindOpportunityChanges with a Limit above MaxPageLimit")
	assert.Len(t, changes, crm.MaxPageLimit, "a page asked for with a Limit above MaxPageLimit holds MaxPageLimit entries")
	if assert.NotEmpty(t, next, "the cursor after a page of MaxPageLimit entries, with one more to come") {
		changes, next, err = s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{Limit: crm.MaxPageLimit + 500, After: next})
		require.NoError(t, err)
		assert.Equal(t, []string{changeKey(all[0], n)}, changeKeys(changes), "the page after")
		assert.Empty(t, next, "the cursor after the last page")
	}
}

// historyFixture is three deals X, Y and Z in ascending ID order, and W,
// which has no history.
type historyFixture struct {
	x, y, z, w *crm.Opportunity
}

func seedHistoryFixture(tb testing.TB, s crm.Store) *historyFixture {
	tb.Helper()
	ids := new(crm.UUIDv7)
	sf := seedSalesFixture(tb, s, ids)
	fx := &historyFixture{}
	for _, o := range []**crm.Opportunity{&fx.x, &fx.y, &fx.z, &fx.w} {
		*o = newOpportunity(ids, sf.customer.ID, sf.pipeline.ID, "Deal")
	}
	for _, o := range []*crm.Opportunity{fx.z, fx.w, fx.x, fx.y} {
		mustCreateOpportunity(tb, s, o)
	}
	return fx
}

// testOpportunityHistoryOrder adds history entries out of order: they are
// listed by opportunity ID, then by Version as a number (10 after 2).
func testOpportunityHistoryOrder(t *testing.T, s crm.Store) {
	fx := seedHistoryFixture(t, s)
	x, y, z := fx.x.ID, fx.y.ID, fx.z.ID
	ch := map[string]*crm.OpportunityChange{
		"X1":  newChange(x, 1, "", "collection"),
		"X2":  newChange(x, 2, "collection", "proposal"),
		"X3":  newChange(x, 3, "proposal", "proposal"),
		"X10": newChange(x, 10, "proposal", "won"),
		"Y1":  newChange(y, 1, "", "collection"),
		"Y2":  newChange(y, 2, "collection", "lost"),
		"Y5":  newChange(y, 5, "lost", "collection"),
		"Z1":  newChange(z, 1, "", "collection"),
	}
	ch["X10"].Status = crm.OpportunityWon
	ch["Y2"].Status = crm.OpportunityLost
	ch["X3"].Amount = crm.MustMoney("500.00", "EUR")
	for _, k := range []string{"Y1", "X3", "X1", "Z1", "Y2", "X10", "X2", "Y5"} {
		mustAddChange(t, s, ch[k])
	}
	pick := func(keys ...string) []*crm.OpportunityChange {
		var out []*crm.OpportunityChange
		for _, k := range keys {
			out = append(out, ch[k])
		}
		return out
	}

	assertHistory(t, s, crm.OpportunityChangeFilter{}, pick("X1", "X2", "X3", "X10", "Y1", "Y2", "Y5", "Z1"),
		"every history, by opportunity ID and then Version")
	page, next, err := s.FindOpportunityChanges(t.Context(), crm.OpportunityChangeFilter{})
	require.NoError(t, err)
	assert.Equal(t, changeKeys(pick("X1", "X2", "X3", "X10", "Y1", "Y2", "Y5", "Z1")), changeKeys(page), "one page with Limit 0")
	assert.Empty(t, next, "the cursor after a page that holds every entry")

	assertHistory(t, s, crm.OpportunityChangeFilter{OpportunityIDs: []string{z, x}}, pick("X1", "X2", "X3", "X10", "Z1"),
		"the histories of Z and X")
	assertHistory(t, s, crm.OpportunityChangeFilter{OpportunityIDs: []string{y}}, pick("Y1", "Y2", "Y5"), "the history of Y")
	assertHistory(t, s, crm.OpportunityChangeFilter{OpportunityIDs: []string{fx.w.ID}}, nil, "the history of a deal without one")
	assertHistory(t, s, crm.OpportunityChangeFilter{OpportunityIDs: []string{"no-such-deal"}}, nil, "the history of a missing deal")
}

// testOpportunityHistoryRoundTrip stores history entries with every field
// set and with every optional field zero.
func testOpportunityHistoryRoundTrip(t *testing.T, s crm.Store) {
	fx := seedHistoryFixture(t, s)
	created := &crm.OpportunityChange{
		OpportunityID: fx.x.ID,
		Version:       1,
		At:            fineTime(20),
		By:            "u-ann",
		ToStage:       "collection",
		Status:        crm.OpportunityOpen,
	}
	full := &crm.OpportunityChange{
		OpportunityID: fx.x.ID,
		Version:       4,
		At:            fineTime(21),
		By:            "u-bob",
		FromStage:     "negotiation",
		ToStage:       "lost",
		Status:        crm.OpportunityLost,
		// 18 significant digits: more than a float64 keeps.
		Amount:      crm.Money{Amount: decimal.RequireFromString("98765432109876.5432"), Currency: "EUR"},
		Probability: 35,
		CloseDate:   time.Date(2025, 10, 31, 0, 0, 0, 0, time.UTC),
		OwnerID:     "u-carol",
	}
	mustAddChange(t, s, full)
	mustAddChange(t, s, created)
	assertHistory(t, s, crm.OpportunityChangeFilter{OpportunityIDs: []string{fx.x.ID}}, []*crm.OpportunityChange{created, full})

	got := allChanges(t, s, crm.OpportunityChangeFilter{})
	require.Len(t, got, 2)
	assertDecimalEqual(t, decimal.RequireFromString("98765432109876.5432"), got[1].Amount.Amount, "Amount.Amount")
	assert.Equal(t, "EUR", got[1].Amount.Currency, "Amount.Currency")
	wantAt := time.Date(2024, 2, 29, 18, 0, 21, 123456000, time.UTC)
	assert.True(t, wantAt.Equal(got[1].At), "At: want %s (UTC, truncated to µs), got %s", wantAt, got[1].At)
	assert.Equal(t, "UTC", got[1].At.Location().String(), "the location of At")
	assert.True(t, got[0].Amount.IsZero(), "Amount: want the zero Money, got %+v", got[0].Amount)
	assert.True(t, got[0].CloseDate.IsZero(), "CloseDate: want the zero time, got %s", got[0].CloseDate)
	assert.Empty(t, got[0].FromStage, "FromStage of the entry of a new deal")
}

// testOpportunityHistoryDuplicate adds an entry of a version the history
// has: refused, and the entry stored first stays. The same version in
// another deal's history is no duplicate.
func testOpportunityHistoryDuplicate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	fx := seedHistoryFixture(t, s)
	first := newChange(fx.x.ID, 1, "", "collection")
	mustAddChange(t, s, first)

	dup := newChange(fx.x.ID, 1, "collection", "won")
	dup.Status = crm.OpportunityWon
	dup.Amount = crm.MustMoney("99.00", "EUR")
	err := s.AddOpportunityChange(ctx, dup)
	assert.ErrorIs(t, err, crm.ErrDuplicate, "AddOpportunityChange of a version the history has")
	assertHistory(t, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{first}, "after the refused duplicate")

	other := newChange(fx.y.ID, 1, "", "collection")
	assert.NoError(t, s.AddOpportunityChange(ctx, other), "AddOpportunityChange of version 1 of another deal")
	assertHistory(t, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{first, other}, "after adding version 1 of another deal")
}

func testOpportunityHistoryNotFound(t *testing.T, s crm.Store) {
	fx := seedHistoryFixture(t, s)
	missing := new(crm.UUIDv7).NewID()
	err := s.AddOpportunityChange(t.Context(), newChange(missing, 1, "", "collection"))
	assert.ErrorIs(t, err, crm.ErrNotFound, "AddOpportunityChange of a missing deal")
	assertHistory(t, s, crm.OpportunityChangeFilter{}, nil, "histories after the refused entry")
	assertHistory(t, s, crm.OpportunityChangeFilter{OpportunityIDs: []string{missing, fx.x.ID}}, nil,
		"the history of the missing deal after the refused entry")
}

// testOpportunityHistoryPaginate lists the histories of two deals, added
// out of order, in small pages and with the default limit.
func testOpportunityHistoryPaginate(t *testing.T, s crm.Store) {
	fx := seedHistoryFixture(t, s)
	var keys, ofY []string
	for v := int64(1); v <= 60; v++ {
		keys = append(keys, changeKey(fx.x.ID, v))
	}
	for v := int64(1); v <= 50; v++ {
		keys = append(keys, changeKey(fx.y.ID, v))
		ofY = append(ofY, changeKey(fx.y.ID, v))
	}
	require.Greater(t, len(keys), crm.DefaultPageLimit)
	for _, k := range shuffled(keys) {
		id, v := parseChangeKey(k)
		mustAddChange(t, s, newChange(id, v, "collection", "collection"))
	}

	assert.Equal(t, keys, walkPages(t, changeLister(s, crm.OpportunityChangeFilter{}), 7, nil), "every entry in pages of 7")
	assert.Equal(t, ofY, walkPages(t, changeLister(s, crm.OpportunityChangeFilter{OpportunityIDs: []string{fx.y.ID}}), 7, nil),
		"the history of Y in pages of 7")

	page, next, err := s.FindOpportunityChanges(t.Context(), crm.OpportunityChangeFilter{})
	require.NoError(t, err)
	assert.Equal(t, keys[:crm.DefaultPageLimit], changeKeys(page), "first page with Limit 0")
	require.NotEmpty(t, next, "the cursor after the first of two pages")
	page, next, err = s.FindOpportunityChanges(t.Context(), crm.OpportunityChangeFilter{After: next})
	require.NoError(t, err)
	assert.Equal(t, keys[crm.DefaultPageLimit:], changeKeys(page), "second page with Limit 0")
	assert.Empty(t, next, "the cursor after the last page")
}

// testOpportunityHistoryPaginateWhileInserting adds entries between pages,
// before and after the cursor, in the histories of three deals.
func testOpportunityHistoryPaginateWhileInserting(t *testing.T, s crm.Store) {
	fx := seedHistoryFixture(t, s)
	var keys []string
	for _, o := range []*crm.Opportunity{fx.x, fx.y, fx.z} {
		for v := int64(1); v <= 34; v++ {
			keys = append(keys, changeKey(o.ID, v))
		}
	}
	insert := func(tb testing.TB, key string) {
		id, v := parseChangeKey(key)
		mustAddChange(tb, s, newChange(id, v, "collection", "collection"))
	}
	checkPaginateWhileInserting(t, keys, insert, changeLister(s, crm.OpportunityChangeFilter{}))
}

// testOpportunityMove moves more deals than fit in a default page from one
// customer to another.
func testOpportunityMove(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	sf := seedSalesFixture(t, s, ids)
	from := sf.customer
	to := newCustomer(ids, "Survivor")
	other := newCustomer(ids, "Bystander")
	mustCreateCustomer(t, s, to)
	mustCreateCustomer(t, s, other)

	var moving []*crm.Opportunity
	first := fullOpportunity(ids.NewID(), from.ID, sf.contact.ID, sf.pipeline.ID)
	mustCreateOpportunity(t, s, first)
	moving = append(moving, first)
	for range crm.DefaultPageLimit + 4 {
		o := newOpportunity(ids, from.ID, sf.pipeline.ID, "Moving")
		mustCreateOpportunity(t, s, o)
		moving = append(moving, o)
	}
	// A deal updated before the move, to see that the move adds one to
	// each deal's own version, and its history entry.
	u := mustFindOpportunity(t, s, moving[1].ID)
	u.Stage = "proposal"
	require.NoError(t, s.UpdateOpportunity(ctx, u))
	moving[1] = u
	change := newChange(u.ID, u.Version, "collection", "proposal")
	mustAddChange(t, s, change)
	staying := newOpportunity(ids, to.ID, sf.pipeline.ID, "Already there")
	bystander := newOpportunity(ids, other.ID, sf.pipeline.ID, "Elsewhere")
	mustCreateOpportunity(t, s, staying)
	mustCreateOpportunity(t, s, bystander)

	at := fineTime(40)
	n, err := s.MoveOpportunities(ctx, from.ID, to.ID, at, "u-merger")
	require.NoError(t, err, "MoveOpportunities")
	assert.Equal(t, len(moving), n, "MoveOpportunities must return how many deals moved")

	for _, o := range moving {
		want := o.Clone()
		want.CustomerID = to.ID
		want.UpdatedAt = at
		want.UpdatedBy = "u-merger"
		want.Version = o.Version + 1
		if !assertStoredOpportunity(t, s, want, "moved deal %s", o.ID) {
			break // one report is enough
		}
	}
	assertStoredOpportunity(t, s, staying, "a deal already with the target")
	assertStoredOpportunity(t, s, bystander, "a deal of another customer")
	assertHistory(t, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{change}, "histories after the move, which adds no entry")

	assert.Empty(t, allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{from.ID}}), "deals left with the source customer")
	wantAtTarget := append(opportunityIDs(moving), staying.ID)
	assert.Equal(t, wantAtTarget, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{to.ID}})),
		"deals of the target customer")

	n, err = s.MoveOpportunities(ctx, from.ID, to.ID, fineTime(41), "u-merger")
	assert.NoError(t, err, "MoveOpportunities from a customer without deals")
	assert.Zero(t, n, "MoveOpportunities from a customer without deals")
	assertStoredOpportunity(t, s, staying, "a deal of the target after moving none")
}

func testOpportunityMoveMissingTarget(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	sf := seedSalesFixture(t, s, ids)
	o := fullOpportunity(ids.NewID(), sf.customer.ID, sf.contact.ID, sf.pipeline.ID)
	mustCreateOpportunity(t, s, o)

	_, err := s.MoveOpportunities(t.Context(), sf.customer.ID, ids.NewID(), fineTime(50), "u-merger")
	assert.ErrorIs(t, err, crm.ErrNotFound, "MoveOpportunities to a missing customer")
	assertStoredOpportunity(t, s, o, "a deal of the source after the refused move")
}

// salesTx is what the sales transaction subtests start from and write.
type salesTx struct {
	sf           *salesFixture
	target       *crm.Customer
	deal         *crm.Opportunity       // stored, of sf.customer
	entry        *crm.OpportunityChange // stored, of deal
	newPipeline  *crm.Pipeline
	newDeal      *crm.Opportunity // of sf.customer, in newPipeline
	renamed      *crm.Pipeline    // sf.pipeline as the transaction updates it
	updated      *crm.Opportunity // deal as the transaction updates it
	newEntry     *crm.OpportunityChange
	newDealEntry *crm.OpportunityChange
	moveAt       time.Time
}

func seedSalesTx(tb testing.TB, s crm.Store) *salesTx {
	tb.Helper()
	ids := new(crm.UUIDv7)
	x := &salesTx{sf: seedSalesFixture(tb, s, ids), moveAt: fineTime(61)}
	x.target = newCustomer(ids, "Target")
	mustCreateCustomer(tb, s, x.target)
	x.deal = fullOpportunity(ids.NewID(), x.sf.customer.ID, x.sf.contact.ID, x.sf.pipeline.ID)
	mustCreateOpportunity(tb, s, x.deal)
	x.entry = newChange(x.deal.ID, 1, "", "lost")
	mustAddChange(tb, s, x.entry)

	x.newPipeline = fullPipeline(ids.NewID())
	x.newDeal = newOpportunity(ids, x.sf.customer.ID, x.newPipeline.ID, "Created in the transaction")
	x.renamed = x.sf.pipeline.Clone()
	x.renamed.Name = "Renamed in the transaction"
	x.renamed.Stages = x.renamed.Stages[1:]
	x.updated = x.deal.Clone()
	x.updated.Amount = crm.MustMoney("4321.0001", "EUR")
	x.updated.Version = 1
	x.newEntry = newChange(x.deal.ID, 2, "lost", "lost")
	x.newEntry.Amount = x.updated.Amount
	x.newDealEntry = newChange(x.newDeal.ID, 1, "", "collection")
	return x
}

// write makes every kind of write of the sales process through tx,
// reporting failures on tb, and returns the first error.
func (x *salesTx) write(tb testing.TB, tx crm.Store) error {
	tb.Helper()
	ctx := tb.Context()
	o := &txOps{tb: tb, ctx: ctx, s: tx}
	o.note(tx.CreatePipeline(ctx, x.newPipeline.Clone()), "CreatePipeline")
	o.note(tx.UpdatePipeline(ctx, x.renamed.Clone()), "UpdatePipeline")
	o.note(tx.CreateOpportunity(ctx, x.newDeal.Clone()), "CreateOpportunity")
	o.note(tx.UpdateOpportunity(ctx, x.updated.Clone()), "UpdateOpportunity")
	e1, e2 := *x.newEntry, *x.newDealEntry
	o.note(tx.AddOpportunityChange(ctx, &e1), "AddOpportunityChange")
	o.note(tx.AddOpportunityChange(ctx, &e2), "AddOpportunityChange of the new deal")
	n, err := tx.MoveOpportunities(ctx, x.sf.customer.ID, x.target.ID, x.moveAt, "u-tx")
	o.note(err, "MoveOpportunities")
	if err == nil {
		assert.Equal(tb, 2, n, "MoveOpportunities inside the transaction, of a deal stored before and one created in it")
	}
	return o.err
}

// testOpportunityTxRollback fails a transaction that wrote pipelines,
// deals and histories: none of it may remain.
func testOpportunityTxRollback(t *testing.T, s crm.Store) {
	x := seedSalesTx(t, s)
	err := s.RunInTx(t.Context(), func(tx crm.Store) error {
		if err := x.write(t, tx); err != nil {
			return err
		}
		return fmt.Errorf("wrapped by fn: %w", errFn)
	})
	assert.ErrorIs(t, err, errFn, "RunInTx must return the error fn returned")

	assertNoPipeline(t, s, x.newPipeline.ID, "created in the rolled back transaction")
	assertStoredPipeline(t, s, x.sf.pipeline, "updated in the rolled back transaction")
	assert.Equal(t, []string{x.sf.pipeline.ID}, pipelineIDs(mustFindPipelines(t, s)), "pipelines after the rollback")
	assertNoOpportunity(t, s, x.newDeal.ID, "created in the rolled back transaction")
	assertStoredOpportunity(t, s, x.deal, "updated and moved in the rolled back transaction")
	assertHistory(t, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{x.entry}, "histories after the rollback")
	assert.Equal(t, []string{x.deal.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{})), "deals after the rollback")
	assert.Equal(t, []string{x.deal.ID}, opportunityIDs(allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{x.sf.customer.ID}})),
		"deals of the source customer after the rollback")
	assert.Empty(t, allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{x.target.ID}}),
		"deals of the target customer after the rollback")
}

// testOpportunityTxCommit makes the same writes in a transaction that
// commits: it reads its own writes, and every write is visible after it.
func testOpportunityTxCommit(t *testing.T, s crm.Store) {
	ctx := t.Context()
	x := seedSalesTx(t, s)
	moved := func(o *crm.Opportunity, version int64) *crm.Opportunity {
		o = o.Clone()
		o.CustomerID, o.UpdatedAt, o.UpdatedBy, o.Version = x.target.ID, x.moveAt, "u-tx", version
		return o
	}
	wantDeal := moved(x.updated, 3)
	wantNew := moved(x.newDeal, 2)
	wantPipeline := x.renamed.Clone()
	wantPipeline.Version = 2
	wantHistory := []*crm.OpportunityChange{x.entry, x.newEntry, x.newDealEntry}
	slices.SortFunc(wantHistory, func(a, b *crm.OpportunityChange) int {
		return strings.Compare(changeKey(a.OpportunityID, a.Version), changeKey(b.OpportunityID, b.Version))
	})

	err := s.RunInTx(ctx, func(tx crm.Store) error {
		if err := x.write(t, tx); err != nil {
			return err
		}
		assertStoredPipeline(t, tx, x.newPipeline, "inside the transaction")
		assertStoredPipeline(t, tx, wantPipeline, "inside the transaction")
		assertStoredOpportunity(t, tx, wantDeal, "inside the transaction")
		assertStoredOpportunity(t, tx, wantNew, "inside the transaction")
		assert.Equal(t, []string{x.deal.ID, x.newDeal.ID},
			opportunityIDs(allOpportunities(t, tx, crm.OpportunityFilter{CustomerIDs: []string{x.target.ID}})),
			"FindOpportunities inside the transaction")
		assertHistory(t, tx, crm.OpportunityChangeFilter{}, wantHistory, "FindOpportunityChanges inside the transaction")
		return nil
	})
	require.NoError(t, err, "RunInTx")

	assertStoredPipeline(t, s, x.newPipeline, "created in the committed transaction")
	assertStoredPipeline(t, s, wantPipeline, "updated in the committed transaction")
	assertStoredOpportunity(t, s, wantDeal, "updated and moved in the committed transaction")
	assertStoredOpportunity(t, s, wantNew, "created and moved in the committed transaction")
	assertHistory(t, s, crm.OpportunityChangeFilter{}, wantHistory, "histories after the commit")
	assert.Empty(t, allOpportunities(t, s, crm.OpportunityFilter{CustomerIDs: []string{x.sf.customer.ID}}),
		"deals of the source customer after the commit")
}
