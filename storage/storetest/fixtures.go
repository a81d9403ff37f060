package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// offsetZone is a zone five and a half hours ahead of UTC: a time given in
// it must come back in UTC.
func offsetZone() *time.Location { return time.FixedZone("UTC+05:30", 5*60*60+30*60) }

// baseTime is the creation time of the plain records the suite builds;
// it is already in the form stores keep (UTC, whole microseconds).
func baseTime() time.Time { return time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC) }

// fineTime returns a time on 29 February 2024 with nanoseconds, in
// offsetZone: a store must return it in UTC, truncated (not rounded) to
// the microsecond. Each second gives a different time.
func fineTime(second int) time.Time {
	return time.Date(2024, 2, 29, 23, 30, second, 123456789, offsetZone())
}

// newCustomer returns a customer ready to create, as the Client builds
// one: a new ID, kind and stage, the timestamps and Version 1. Everything
// optional is left zero.
func newCustomer(ids crm.IDGenerator, name string) *crm.Customer {
	at := baseTime()
	return &crm.Customer{
		ID:        ids.NewID(),
		Kind:      crm.KindOrganization,
		Name:      name,
		Stage:     crm.StageProspect,
		CreatedAt: at,
		CreatedBy: "u-test",
		UpdatedAt: at,
		UpdatedBy: "u-test",
		Version:   1,
	}
}

// newContact returns a contact of customerID ready to create, as the
// Client builds one.
func newContact(ids crm.IDGenerator, customerID, name string) *crm.Contact {
	at := baseTime()
	return &crm.Contact{
		ID:         ids.NewID(),
		CustomerID: customerID,
		Name:       name,
		Role:       crm.RoleOther,
		CreatedAt:  at,
		CreatedBy:  "u-test",
		UpdatedAt:  at,
		UpdatedBy:  "u-test",
		Version:    1,
	}
}

// fullCustomer returns a customer with every field set: several emails
// and phones with labels and a primary one, an address, tags, custom
// fields of every kind, a credit limit with trailing zeros, consents,
// times with nanoseconds outside UTC, and archived after being merged into
// mergedInto, which must name a stored customer.
func fullCustomer(id, mergedInto string) *crm.Customer {
	return &crm.Customer{
		ID:   id,
		Kind: crm.KindOrganization,
		Name: "Zoë Ålander & Söhne GmbH",
		Emails: []crm.Email{
			{Address: "info@alander.example", Label: "work"},
			{Address: "billing@alander.example", Label: "billing", Primary: true},
		},
		Phones: []crm.Phone{
			{Number: "+4930123456", Label: "office", Primary: true},
			{Number: "+491701234567", Label: "mobile"},
		},
		Address: crm.Address{
			Street:     "Unter den Linden 77",
			City:       "Berlin",
			PostalCode: "10117",
			State:      "Berlin",
			Country:    "DE",
		},
		Industry: "manufacturing",
		Region:   "emea",
		Size:     crm.SizeMedium,
		Stage:    crm.StageLoyal,
		OwnerID:  "u-ann",
		Tags:     []string{"b2b", "emea", "vip"},
		Custom: map[string]crm.CustomValue{
			"segment":       crm.StringValue("Key account ✓"),
			"note":          crm.StringValue(""),
			"discount":      crm.NumberValue(decimal.RequireFromString("12.3400")),
			"precise":       crm.NumberValue(decimal.RequireFromString("-98765432109876543210.000000000000000001")),
			"seats":         crm.IntValue(250),
			"prepaid":       crm.BoolValue(true),
			"paper_invoice": crm.BoolValue(false),
			"renewal":       crm.DateValue(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)),
		},
		TaxID:        "DE123456789",
		CreditRating: "AA",
		CreditLimit:  crm.Money{Amount: decimal.RequireFromString("1234567890.4500"), Currency: "EUR"},
		RiskLevel:    crm.RiskLow,
		// The Client keeps only the calendar date, as midnight UTC.
		BirthDate: time.Date(1952, 4, 1, 0, 0, 0, 0, time.UTC),
		Consent: crm.Consents{
			Email: crm.Consent{Granted: true, At: fineTime(1)},
			Phone: crm.Consent{Granted: false, At: fineTime(2)},
			SMS:   crm.Consent{Granted: true, At: fineTime(3)},
		},
		DoNotContact: true,
		TimeZone:     "Europe/Berlin",
		Source:       "referral",
		ArchivedAt:   fineTime(4),
		MergedInto:   mergedInto,
		ErasedAt:     fineTime(9),
		CreatedAt:    fineTime(5),
		CreatedBy:    "u-ann",
		UpdatedAt:    fineTime(6),
		UpdatedBy:    "u-bob",
		Version:      1,
	}
}

// fullContact returns a contact of customerID with every field set.
func fullContact(id, customerID string) *crm.Contact {
	return &crm.Contact{
		ID:         id,
		CustomerID: customerID,
		Name:       "Ingrid Øverås-Müller",
		JobTitle:   "Head of Procurement",
		Role:       crm.RolePurchasing,
		Emails: []crm.Email{
			{Address: "ingrid@alander.example", Label: "work", Primary: true},
			{Address: "ingrid.o@mail.example", Label: "private"},
		},
		Phones: []crm.Phone{
			{Number: "+491709876543", Label: "mobile"},
			{Number: "+4930123457", Label: "office", Primary: true},
		},
		CreatedAt: fineTime(7),
		CreatedBy: "u-ann",
		UpdatedAt: fineTime(8),
		UpdatedBy: "u-bob",
		Version:   1,
	}
}

// mustCreateCustomer stores a copy of c, so that c can serve as the
// expected value even if the store wrongly kept what it was given
// (Customer/Copies checks that on its own).
func mustCreateCustomer(tb testing.TB, s crm.Store, c *crm.Customer) {
	tb.Helper()
	require.NoError(tb, s.CreateCustomer(tb.Context(), c.Clone()), "CreateCustomer %q", c.Name)
}

// mustCreateContact stores a copy of ct.
func mustCreateContact(tb testing.TB, s crm.Store, ct *crm.Contact) {
	tb.Helper()
	require.NoError(tb, s.CreateContact(tb.Context(), ct.Clone()), "CreateContact %q", ct.Name)
}

func mustFindCustomer(tb testing.TB, s crm.Store, id string) *crm.Customer {
	tb.Helper()
	c, err := s.FindCustomerByID(tb.Context(), id)
	require.NoError(tb, err, "FindCustomerByID %s", id)
	require.NotNil(tb, c, "FindCustomerByID %s returned no customer and no error", id)
	return c
}

func mustFindContact(tb testing.TB, s crm.Store, id string) *crm.Contact {
	tb.Helper()
	ct, err := s.FindContactByID(tb.Context(), id)
	require.NoError(tb, err, "FindContactByID %s", id)
	require.NotNil(tb, ct, "FindContactByID %s returned no contact and no error", id)
	return ct
}

// assertStoredCustomer checks that the store holds want under want.ID.
func assertStoredCustomer(tb testing.TB, s crm.Store, want *crm.Customer, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindCustomerByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertCustomerEqual(tb, want, got, msgAndArgs...)
}

// assertStoredContact checks that the store holds want under want.ID.
func assertStoredContact(tb testing.TB, s crm.Store, want *crm.Contact, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindContactByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertContactEqual(tb, want, got, msgAndArgs...)
}

// assertNoCustomer checks that the store holds no customer id.
func assertNoCustomer(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindCustomerByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

// assertNoContact checks that the store holds no contact id.
func assertNoContact(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindContactByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

// allCustomers lists every customer f selects, page by page, with f's
// Limit.
func allCustomers(tb testing.TB, s crm.Store, f crm.CustomerFilter) []*crm.Customer {
	tb.Helper()
	var all []*crm.Customer
	for range maxPages {
		page, next, err := s.FindCustomers(tb.Context(), f)
		require.NoError(tb, err, "FindCustomers %+v", f)
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
	require.FailNow(tb, "FindCustomers never returned the last page")
	return nil
}

// allContacts lists every contact f selects, page by page.
func allContacts(tb testing.TB, s crm.Store, f crm.ContactFilter) []*crm.Contact {
	tb.Helper()
	var all []*crm.Contact
	for range maxPages {
		page, next, err := s.FindContacts(tb.Context(), f)
		require.NoError(tb, err, "FindContacts %+v", f)
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
	require.FailNow(tb, "FindContacts never returned the last page")
	return nil
}

// maxPages bounds every walk through pages, so that a store whose cursor
// never ends fails instead of looping.
const maxPages = 1000

func customerIDs(cs []*crm.Customer) []string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	return ids
}

func contactIDs(cts []*crm.Contact) []string {
	ids := make([]string, len(cts))
	for i, ct := range cts {
		ids[i] = ct.ID
	}
	return ids
}

// newIDs returns n IDs from ids in ascending order.
func newIDs(tb testing.TB, ids crm.IDGenerator, n int) []string {
	tb.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = ids.NewID()
	}
	require.True(tb, slices.IsSorted(out), "the ID generator made IDs out of order")
	return out
}

// within runs fn and waits at most a few seconds for it. A store that
// keeps a lock after a failed or panicking transaction would block the
// next call forever; this turns the hang into a failure.
func within[T any](tb testing.TB, what string, fn func() T) (T, bool) {
	tb.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v, true
	case <-time.After(10 * time.Second):
		assert.Fail(tb, what+" did not return within 10s: does the store still hold a lock?")
		var zero T
		return zero, false
	}
}

// canceled returns a context that is already cancelled.
func canceled(tb testing.TB) context.Context {
	tb.Helper()
	ctx, cancel := context.WithCancel(tb.Context())
	cancel()
	return ctx
}

// newPipeline returns a pipeline ready to create, as the Client builds
// one: the stages of [crm.DefaultPipeline] under name, a new ID, the
// timestamps and Version 1.
func newPipeline(ids crm.IDGenerator, name string) *crm.Pipeline {
	at := baseTime()
	p := crm.DefaultPipeline()
	p.ID = ids.NewID()
	p.Name = name
	p.CreatedAt, p.CreatedBy = at, "u-test"
	p.UpdatedAt, p.UpdatedBy = at, "u-test"
	p.Version = 1
	return p
}

// minimalPipeline returns a pipeline with a name, the timestamps and
// Version 1, and nothing else: no stages, no lost reasons. A Store keeps
// what it is given; validating is the Client's work.
func minimalPipeline(ids crm.IDGenerator, name string) *crm.Pipeline {
	at := baseTime()
	return &crm.Pipeline{
		ID:        ids.NewID(),
		Name:      name,
		CreatedAt: at,
		CreatedBy: "u-test",
		UpdatedAt: at,
		UpdatedBy: "u-test",
		Version:   1,
	}
}

// fullPipeline returns a pipeline with every field set: stages of every
// category with names outside ASCII, required fields lists of several
// lengths (none included) in an order that is not sorted, lost reasons,
// and times with nanoseconds outside UTC.
func fullPipeline(id string) *crm.Pipeline {
	return &crm.Pipeline{
		ID:   id,
		Name: "Corporate loans — Région Île-de-France",
		Stages: []crm.Stage{
			{Key: "screening", Name: "Prüfung", Probability: 5, Category: crm.CategoryOmitted, Requires: []crm.OpportunityField{crm.FieldOwner}},
			{Key: "collection", Name: "Customer collection", Probability: 10, Category: crm.CategoryPipeline},
			{Key: "proposal", Name: "Proposal design ✓", Probability: 30, Category: crm.CategoryPipeline,
				Requires: []crm.OpportunityField{crm.FieldCloseDate, crm.FieldAmount}},
			{Key: "negotiation_2", Name: "Negotiation", Probability: 65, Category: crm.CategoryBestCase,
				Requires: []crm.OpportunityField{crm.FieldNextStep, crm.FieldAmount, crm.FieldContact, crm.FieldCloseDate}},
			{Key: "commit", Name: "Commit", Probability: 90, Category: crm.CategoryCommit,
				Requires: []crm.OpportunityField{crm.FieldAmount, crm.FieldCloseDate, crm.FieldContact, crm.FieldNextStep, crm.FieldOwner}},
			{Key: "won", Name: "Won", Probability: 100, Category: crm.CategoryClosedWon, Requires: []crm.OpportunityField{crm.FieldAmount}},
			{Key: "lost", Name: "Lost", Category: crm.CategoryClosedLost},
			{Key: "lost_no_budget", Name: "Lost: no budget", Category: crm.CategoryClosedLost},
		},
		LostReasons: []string{"price", "competitor", "Keine Entscheidung", "timing"},
		CreatedAt:   fineTime(9),
		CreatedBy:   "u-ann",
		UpdatedAt:   fineTime(10),
		UpdatedBy:   "u-bob",
		Version:     1,
	}
}

// newOpportunity returns a deal of customerID in the first stage of
// pipelineID, ready to create as the Client builds one; everything
// optional is left zero.
func newOpportunity(ids crm.IDGenerator, customerID, pipelineID, name string) *crm.Opportunity {
	at := baseTime()
	return &crm.Opportunity{
		ID:             ids.NewID(),
		Name:           name,
		CustomerID:     customerID,
		PipelineID:     pipelineID,
		Stage:          "collection",
		Status:         crm.OpportunityOpen,
		Probability:    10,
		StageEnteredAt: at,
		CreatedAt:      at,
		CreatedBy:      "u-test",
		UpdatedAt:      at,
		UpdatedBy:      "u-test",
		Version:        1,
	}
}

// fullOpportunity returns a deal with every field set, an amount with four
// decimal places and times with nanoseconds outside UTC. A Store checks no
// business rule, so the values need not make sense together: a lost deal
// keeps a probability.
func fullOpportunity(id, customerID, contactID, pipelineID string) *crm.Opportunity {
	return &crm.Opportunity{
		ID:          id,
		Name:        "Ålander — 40 seats, Zoë's team",
		CustomerID:  customerID,
		ContactID:   contactID,
		LeadID:      "lead-0042",
		PipelineID:  pipelineID,
		Stage:       "lost",
		Status:      crm.OpportunityLost,
		Amount:      crm.Money{Amount: decimal.RequireFromString("1234.5678"), Currency: "EUR"},
		Probability: 15,
		// The Client keeps only the calendar date, as midnight UTC.
		CloseDate:      time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC),
		OwnerID:        "u-ann",
		LostReason:     "competitor",
		NextStep:       "Ask for feedback — in a month",
		StageEnteredAt: fineTime(11),
		ClosedAt:       fineTime(12),
		CreatedAt:      fineTime(13),
		CreatedBy:      "u-ann",
		UpdatedAt:      fineTime(14),
		UpdatedBy:      "u-bob",
		Version:        1,
	}
}

// newChange returns the history entry of version of the deal
// opportunityID, moving it from stage from to stage to.
func newChange(opportunityID string, version int64, from, to string) *crm.OpportunityChange {
	return &crm.OpportunityChange{
		OpportunityID: opportunityID,
		Version:       version,
		At:            baseTime().Add(time.Duration(version) * time.Hour),
		By:            "u-test",
		FromStage:     from,
		ToStage:       to,
		Status:        crm.OpportunityOpen,
		Probability:   10,
	}
}

// mustCreatePipeline stores a copy of p.
func mustCreatePipeline(tb testing.TB, s crm.Store, p *crm.Pipeline) {
	tb.Helper()
	require.NoError(tb, s.CreatePipeline(tb.Context(), p.Clone()), "CreatePipeline %q", p.Name)
}

// mustCreateOpportunity stores a copy of o.
func mustCreateOpportunity(tb testing.TB, s crm.Store, o *crm.Opportunity) {
	tb.Helper()
	require.NoError(tb, s.CreateOpportunity(tb.Context(), o.Clone()), "CreateOpportunity %q", o.Name)
}

// mustAddChange stores a copy of ch.
func mustAddChange(tb testing.TB, s crm.Store, ch *crm.OpportunityChange) {
	tb.Helper()
	c := *ch
	require.NoError(tb, s.AddOpportunityChange(tb.Context(), &c), "AddOpportunityChange %d of %s", ch.Version, ch.OpportunityID)
}

func mustFindPipeline(tb testing.TB, s crm.Store, id string) *crm.Pipeline {
	tb.Helper()
	p, err := s.FindPipelineByID(tb.Context(), id)
	require.NoError(tb, err, "FindPipelineByID %s", id)
	require.NotNil(tb, p, "FindPipelineByID %s returned no pipeline and no error", id)
	return p
}

func mustFindOpportunity(tb testing.TB, s crm.Store, id string) *crm.Opportunity {
	tb.Helper()
	o, err := s.FindOpportunityByID(tb.Context(), id)
	require.NoError(tb, err, "FindOpportunityByID %s", id)
	require.NotNil(tb, o, "FindOpportunityByID %s returned no opportunity and no error", id)
	return o
}

func mustFindPipelines(tb testing.TB, s crm.Store) []*crm.Pipeline {
	tb.Helper()
	ps, err := s.FindPipelines(tb.Context())
	require.NoError(tb, err, "FindPipelines")
	return ps
}

// assertStoredPipeline checks that the store holds want under want.ID.
func assertStoredPipeline(tb testing.TB, s crm.Store, want *crm.Pipeline, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindPipelineByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertPipelineEqual(tb, want, got, msgAndArgs...)
}

// assertStoredOpportunity checks that the store holds want under want.ID.
func assertStoredOpportunity(tb testing.TB, s crm.Store, want *crm.Opportunity, msgAndArgs ...any) bool {
	tb.Helper()
	got, err := s.FindOpportunityByID(tb.Context(), want.ID)
	if !assert.NoError(tb, err, msgAndArgs...) {
		return false
	}
	return assertOpportunityEqual(tb, want, got, msgAndArgs...)
}

// assertNoPipeline checks that the store holds no pipeline id.
func assertNoPipeline(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindPipelineByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

// assertNoOpportunity checks that the store holds no opportunity id.
func assertNoOpportunity(tb testing.TB, s crm.Store, id string, msgAndArgs ...any) bool {
	tb.Helper()
	_, err := s.FindOpportunityByID(tb.Context(), id)
	return assert.ErrorIs(tb, err, crm.ErrNotFound, msgAndArgs...)
}

// assertHistory checks that the history entries f selects are want, in
// this order, listing them in pages of 3.
func assertHistory(tb testing.TB, s crm.Store, f crm.OpportunityChangeFilter, want []*crm.OpportunityChange, msgAndArgs ...any) bool {
	tb.Helper()
	f.Limit = 3
	got := allChanges(tb, s, f)
	if !assert.Equal(tb, changeKeys(want), changeKeys(got), msgAndArgs...) {
		return false
	}
	ok := true
	for i := range want {
		ok = assertChangeEqual(tb, want[i], got[i], msgAndArgs...) && ok
	}
	return ok
}

// allOpportunities lists every opportunity f selects, page by page, with
// f's Limit.
func allOpportunities(tb testing.TB, s crm.Store, f crm.OpportunityFilter) []*crm.Opportunity {
	tb.Helper()
	return allPages(tb, "FindOpportunities", s.FindOpportunities, f, func(f *crm.OpportunityFilter, c crm.Cursor) { f.After = c })
}

// allChanges lists every history entry f selects, page by page, with f's
// Limit.
func allChanges(tb testing.TB, s crm.Store, f crm.OpportunityChangeFilter) []*crm.OpportunityChange {
	tb.Helper()
	return allPages(tb, "FindOpportunityChanges", s.FindOpportunityChanges, f, func(f *crm.OpportunityChangeFilter, c crm.Cursor) { f.After = c })
}

// allPages lists every record the paged find (named what) returns for f,
// page by page with f's Limit; setAfter moves f past a page.
func allPages[T, F any](tb testing.TB, what string, find func(context.Context, F) ([]*T, crm.Cursor, error), f F, setAfter func(*F, crm.Cursor)) []*T {
	tb.Helper()
	var all []*T
	for range maxPages {
		page, next, err := find(tb.Context(), f)
		require.NoError(tb, err, "%s %+v", what, f)
		all = append(all, page...)
		if next == "" {
			return all
		}
		setAfter(&f, next)
	}
	require.FailNow(tb, what+" never returned the last page")
	return nil
}

func pipelineIDs(ps []*crm.Pipeline) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func opportunityIDs(opps []*crm.Opportunity) []string {
	ids := make([]string, len(opps))
	for i, o := range opps {
		ids[i] = o.ID
	}
	return ids
}

// changeKey names a history entry by its opportunity and version in a text
// that sorts as the store must order entries, for IDs of one length as
// the suite's are: "<opportunity ID>/<version, 20 digits>".
func changeKey(opportunityID string, version int64) string {
	return fmt.Sprintf("%s/%020d", opportunityID, version)
}

// parseChangeKey returns the opportunity ID and version of a changeKey.
func parseChangeKey(key string) (string, int64) {
	i := strings.LastIndexByte(key, '/')
	v, err := strconv.ParseInt(key[i+1:], 10, 64)
	if i < 0 || err != nil {
		panic("storetest: bad change key " + key)
	}
	return key[:i], v
}

func changeKeys(chs []*crm.OpportunityChange) []string {
	keys := make([]string, len(chs))
	for i, ch := range chs {
		keys[i] = changeKey(ch.OpportunityID, ch.Version)
	}
	return keys
}
