package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testEraseEveryRecord drives a Client with crm.WithAudit and
// crm.WithEvents over the store through a customer with a record of
// every kind and a duplicate merged into it, then erases the customer:
// no personal value is left in any record, entry or event, the sales
// figures are as they were, the chain verifies, the erasure is in the
// history without what it erased, and a second erasure changes nothing.
func testEraseEveryRecord(t *testing.T, s crm.Store) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c, err := crm.New(s, crm.WithAudit(), crm.WithEvents(),
		crm.WithClock(crm.ClockFunc(func() time.Time { return now })), // the check moves now on
		prefixedIDs("e"),
	)
	require.NoError(t, err)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "u-dpo"})

	// Every personal value is unique text, so that it can be looked for
	// in everything the store holds.
	secrets := []string{"Ada Quillfeather", "ada.quillfeather@example.org", "+442079460123", "Quillfeather Lane",
		"GBQF998877", "1815-12-10", "Babbage Quillfeather", "babbage.quill@example.org", "+442079460456",
		"Chief Quill Officer", "Lead Quillfeather", "lead.quill@example.org", "Quillfeather Holdings",
		"Quill deal", "Ring Ada at home", "Quill complaint", "Ada says the pen leaks", "Send Ada a quill",
		"Ada's notes", "Ada loved it", "quill-secret-custom", "Ada Q. Duplicate", "ada.dup@example.org",
		"Quill call", "Spoke to Ada", "ada will buy"} // outcomes are stored lower-case
	ada, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Ada Quillfeather",
		Emails:    []crm.Email{{Address: "ada.quillfeather@example.org"}},
		Phones:    []crm.Phone{{Number: "+442079460123"}},
		Address:   crm.Address{Street: "1 Quillfeather Lane", City: "London", Country: "GB"},
		TaxID:     "GB-QF-998877",
		BirthDate: time.Date(1815, 12, 10, 0, 0, 0, 0, time.UTC),
		Tags:      []string{"quill-tag"},
		Custom:    map[string]crm.CustomValue{"hobby": crm.StringValue("quill-secret-custom")},
		Industry:  "writing", CreditLimit: crm.MustMoney("500.00", "GBP"),
	})
	require.NoError(t, err)
	secrets = append(secrets, "quill-tag")
	ada, err = c.UpdateCustomer(ctx, ada.ID, ada.Version, crm.CustomerUpdate{Consent: map[crm.Channel]bool{crm.ChannelEmail: true}})
	require.NoError(t, err)
	dup, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Ada Q. Duplicate",
		Emails: []crm.Email{{Address: "ada.dup@example.org"}}}, crm.AllowDuplicates())
	require.NoError(t, err)
	bystander, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Bystander Ltd", Emails: []crm.Email{{Address: "info@bystander.example"}}})
	require.NoError(t, err)

	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: ada.ID, Name: "Babbage Quillfeather", JobTitle: "Chief Quill Officer",
		Emails: []crm.Email{{Address: "babbage.quill@example.org"}}, Phones: []crm.Phone{{Number: "+442079460456"}}})
	require.NoError(t, err)
	lead, err := c.CreateLead(ctx, &crm.Lead{Name: "Lead Quillfeather", Email: "lead.quill@example.org", Company: "Quillfeather Holdings", Source: "web"})
	require.NoError(t, err)
	_, err = c.ConvertLead(ctx, lead.ID, lead.Version, crm.LeadConversion{CustomerID: ada.ID})
	require.NoError(t, err)
	pipeline, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	deal, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Quill deal", CustomerID: ada.ID, PipelineID: pipeline.ID, NextStep: "Ring Ada at home"})
	require.NoError(t, err)
	order, err := c.CreateOrder(ctx, &crm.Order{CustomerID: ada.ID, OpportunityID: deal.ID, OrderedAt: now.Add(-48 * time.Hour),
		Lines: []crm.OrderLine{{SKU: "QUILL", Quantity: decimal.NewFromInt(3), UnitPrice: crm.MustMoney("12.3400", "GBP")}}})
	require.NoError(t, err)
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: order.ID, Amount: crm.MustMoney("10.00", "GBP")})
	require.NoError(t, err)
	_, err = c.CreateOrder(ctx, &crm.Order{CustomerID: dup.ID, OrderedAt: now.Add(-24 * time.Hour),
		Lines: []crm.OrderLine{{SKU: "INK", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("7.0100", "GBP")}}})
	require.NoError(t, err)
	_, err = c.CreateCase(ctx, &crm.Case{CustomerID: ada.ID, Kind: crm.CaseComplaint, Subject: "Quill complaint", Description: "Ada says the pen leaks"})
	require.NoError(t, err)
	_, err = c.CreateTask(ctx, &crm.Task{CustomerID: ada.ID, Title: "Send Ada a quill", Notes: "Ada's notes", Due: now.Add(24 * time.Hour)})
	require.NoError(t, err)
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Erasure NPS", Wave: "2026-Q2"})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: ada.ID, Score: 9, Comment: "Ada loved it"})
	require.NoError(t, err)
	call, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: dup.ID, Channel: crm.InteractionCall, At: now.Add(-time.Hour),
		Subject: "Quill call", Summary: "Spoke to Ada"})
	require.NoError(t, err)
	_, err = c.UpdateInteraction(ctx, call.ID, call.Version, crm.InteractionUpdate{Outcome: crm.Ptr("Ada will buy")})
	require.NoError(t, err)
	_, err = c.AddContact(ctx, &crm.Contact{CustomerID: bystander.ID, Name: "Bystander Contact"})
	require.NoError(t, err)
	_, err = c.MergeCustomers(ctx, ada.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)

	figures := func() string {
		t.Helper()
		var b strings.Builder
		for sum, err := range c.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: now.Add(time.Hour)}) {
			require.NoError(t, err)
			fmt.Fprintf(&b, "%s %s %d %d %s %s %s %s\n", sum.CustomerID, sum.Total.Currency, sum.Orders, sum.Days,
				sum.Total.Amount.StringFixed(4), sum.RepeatTotal.Amount.StringFixed(4), sum.First.Format(time.RFC3339), sum.Last.Format(time.RFC3339))
		}
		for o, err := range c.Orders(ctx, crm.OrderFilter{CustomerIDs: []string{ada.ID}}) {
			require.NoError(t, err)
			fmt.Fprintf(&b, "%s %s %s %s %s\n", o.ID, o.Total.Amount.StringFixed(4), o.Total.Currency, o.Paid.Amount.StringFixed(4), o.OrderedAt.Format(time.RFC3339))
		}
		return b.String()
	}
	sales := figures()
	require.NotEmpty(t, sales)
	for _, secret := range secrets {
		require.True(t, strings.Contains(dumpStore(t, s), secret), "the fixture holds %q before the erasure", secret)
	}
	bystanderBefore := mustFindCustomer(t, s, bystander.ID)

	now = now.Add(time.Hour)
	e, err := c.EraseCustomer(ctx, ada.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{ada.ID, dup.ID}, e.CustomerIDs, "the customer, then the one merged into it")
	assert.Equal(t, 2, e.Customers)
	assert.Equal(t, 2, e.Contacts, "the contact added and the one the lead became")
	assert.Equal(t, 1, e.Leads)
	assert.Equal(t, 1, e.Opportunities)
	assert.Equal(t, 1, e.Interactions, "the duplicate's call, moved to the survivor")
	assert.Equal(t, 1, e.Cases)
	assert.Equal(t, 1, e.Tasks)
	assert.Equal(t, 1, e.Responses)

	dump := dumpStore(t, s)
	for _, secret := range secrets {
		assert.False(t, strings.Contains(dump, secret), "no record, audit entry or event holds %q after the erasure", secret)
	}
	assert.True(t, strings.Contains(dump, "Bystander Contact"), "another customer's records stay")
	assertCustomerEqual(t, bystanderBefore, mustFindCustomer(t, s, bystander.ID), "another customer stays as it was")
	assert.Equal(t, sales, figures(), "orders, payments and purchase summaries stay as they were")

	got := mustFindCustomer(t, s, ada.ID)
	assert.Equal(t, crm.ErasedText, got.Name)
	assert.True(t, now.Equal(got.ErasedAt), "ErasedAt is the time of the erasure")
	assert.True(t, got.Archived(), "an erased customer is archived")
	assert.True(t, got.DoNotContact)
	assert.False(t, got.Consent.Get(crm.ChannelEmail).Granted, "consent is withdrawn")
	assert.Equal(t, "writing", got.Industry, "what is not personal stays")
	ctGot, err := s.FindContactByID(ctx, ct.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ErasedText, ctGot.Name)

	check, err := c.VerifyAudit(ctx)
	require.NoError(t, err, "the erased history still verifies")
	var erasures []*crm.AuditEntry
	for entry, err := range c.History(ctx, crm.EntityCustomer, ada.ID) {
		require.NoError(t, err)
		if entry.Action == crm.AuditErased {
			erasures = append(erasures, entry)
		}
	}
	require.Len(t, erasures, 1, "the erasure is in the customer's history")
	assert.Equal(t, "u-dpo", erasures[0].ActorID, "who erased")
	assert.True(t, now.Equal(erasures[0].At), "when")
	fields := map[string]string{}
	for _, ch := range erasures[0].Changes {
		fields[ch.Field] = string(ch.After)
	}
	assert.JSONEq(t, `{"count":2}`, fields["contacts"], "the erasure counts what it anonymised")
	var erasedEvents int
	for ev, err := range c.Events(ctx, 0) {
		require.NoError(t, err)
		if ev.Type == "customer.erased" {
			erasedEvents++
		}
	}
	assert.Equal(t, 2, erasedEvents, "one event per customer erased")

	before := dumpStore(t, s)
	again, err := c.EraseCustomer(ctx, ada.ID)
	require.NoError(t, err, "erasing an erased customer")
	assert.Equal(t, crm.Erasure{CustomerIDs: []string{ada.ID}}, *again, "nothing is left to anonymise")
	assert.True(t, before == dumpStore(t, s), "a second erasure changes nothing")
	recheck, err := c.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Equal(t, check, recheck, "a second erasure writes no entry")

	_, err = c.EraseCustomer(ctx, "e-missing")
	assert.ErrorIs(t, err, crm.ErrNotFound, "a missing customer")
}

// dumpStore returns everything the store holds that may name a person,
// as JSON text: every customer, contact, lead, deal, order, payment,
// interaction, case, task, response and contact claim, every audit entry
// and every event.
func dumpStore(t *testing.T, s crm.Store) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	add := func(v any) {
		j, err := json.Marshal(v)
		require.NoError(t, err)
		b.Write(j)
		b.WriteByte('\n')
	}
	add(allCustomers(t, s, crm.CustomerFilter{IncludeArchived: true}))
	dumpPages(t, add, crm.ContactFilter{}, s.FindContacts, func(f *crm.ContactFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.LeadFilter{}, s.FindLeads, func(f *crm.LeadFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.OpportunityFilter{}, s.FindOpportunities, func(f *crm.OpportunityFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.OrderFilter{}, s.FindOrders, func(f *crm.OrderFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.PaymentFilter{}, s.FindPayments, func(f *crm.PaymentFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.InteractionFilter{}, s.FindInteractions, func(f *crm.InteractionFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.CaseFilter{}, s.FindCases, func(f *crm.CaseFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.TaskFilter{}, s.FindTasks, func(f *crm.TaskFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.ResponseFilter{}, s.FindResponses, func(f *crm.ResponseFilter, c crm.Cursor) { f.After = c })
	dumpPages(t, add, crm.ContactClaimFilter{}, s.FindContactClaims, func(f *crm.ContactClaimFilter, c crm.Cursor) { f.After = c })
	add(auditAll(t, s, crm.AuditFilter{}))
	var after int64
	for {
		evs, err := s.FindEvents(ctx, after, crm.MaxPageLimit)
		require.NoError(t, err)
		for _, ev := range evs {
			add(ev)
			after = ev.Seq
		}
		if len(evs) < crm.MaxPageLimit {
			break
		}
	}
	return b.String()
}

// dumpPages adds every record of a paged listing.
func dumpPages[T, F any](t *testing.T, add func(any), f F, find func(context.Context, F) ([]*T, crm.Cursor, error), setAfter func(*F, crm.Cursor)) {
	t.Helper()
	for {
		page, next, err := find(t.Context(), f)
		require.NoError(t, err)
		for _, r := range page {
			add(r)
		}
		if next == "" {
			return
		}
		setAfter(&f, next)
	}
}
