package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testAuditEveryRecord drives a Client with crm.WithAudit and
// crm.WithEvents over the store through a write of every record type and
// a merge: each write leaves an entry and an event, in one order, the
// entries name the fields that changed with their values before and
// after, and the chain verifies.
func testAuditEveryRecord(t *testing.T, s crm.Store) {
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c, err := crm.New(s, crm.WithAudit(), crm.WithEvents(),
		fixedClock(now),
		prefixedIDs("a"),
	)
	require.NoError(t, err)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "u-audit"})

	in := &crm.Customer{Name: "Audited Ltd", Industry: "retail", CreditLimit: crm.MustMoney("1000.10", "EUR")}
	in.Consent.Set(crm.ChannelPhone, true, now)
	survivor, err := c.CreateCustomer(ctx, in)
	require.NoError(t, err)
	survivor, err = c.UpdateCustomer(ctx, survivor.ID, survivor.Version, crm.CustomerUpdate{Name: crm.Ptr("Audited Group Ltd")})
	require.NoError(t, err)
	dup, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Audited Duplicate"})
	require.NoError(t, err)
	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: dup.ID, Name: "Moves Along"})
	require.NoError(t, err)
	gone, err := c.AddContact(ctx, &crm.Contact{CustomerID: survivor.ID, Name: "Leaves"})
	require.NoError(t, err)
	gone, err = c.UpdateContact(ctx, gone.ID, gone.Version, crm.ContactUpdate{JobTitle: crm.Ptr("Buyer")})
	require.NoError(t, err)
	require.NoError(t, c.RemoveContact(ctx, gone.ID, gone.Version))
	pipeline, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	deal, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Audited deal", CustomerID: dup.ID, PipelineID: pipeline.ID})
	require.NoError(t, err)
	_, err = c.CreateLead(ctx, &crm.Lead{Company: "Lead Co", Source: "web"})
	require.NoError(t, err)
	order, err := c.CreateOrder(ctx, &crm.Order{CustomerID: dup.ID, OpportunityID: deal.ID, Lines: []crm.OrderLine{
		{SKU: "SEAT", Quantity: decimal.NewFromInt(2), UnitPrice: crm.MustMoney("10.0500", "EUR")}}})
	require.NoError(t, err)
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: order.ID, Amount: crm.MustMoney("5.00", "EUR")})
	require.NoError(t, err)
	_, err = c.CreateCase(ctx, &crm.Case{CustomerID: dup.ID, Kind: crm.CaseInquiry, Subject: "Question"})
	require.NoError(t, err)
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Audit NPS", Wave: "2026-Q2"})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: dup.ID, Score: 9})
	require.NoError(t, err)
	call, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: dup.ID, Channel: crm.InteractionCall, At: now.Add(-time.Hour), Summary: "First call"})
	require.NoError(t, err)
	_, err = c.UpdateInteraction(ctx, call.ID, call.Version, crm.InteractionUpdate{Summary: crm.Ptr("First call, returned")})
	require.NoError(t, err)
	note, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: dup.ID, Channel: crm.InteractionEmail, At: now.Add(-time.Minute), Summary: "Wrong customer"})
	require.NoError(t, err)
	require.NoError(t, c.DeleteInteraction(ctx, note.ID, note.Version))
	_, err = c.ClaimContact(ctx, survivor.ID, crm.InteractionCall)
	require.NoError(t, err)
	task, err := c.CreateTask(ctx, &crm.Task{CustomerID: dup.ID, Title: "Call back", Due: now.Add(24 * time.Hour)})
	require.NoError(t, err)
	_, err = c.CompleteTask(ctx, task.ID, task.Version)
	require.NoError(t, err)
	rule, err := crm.ParseCondition(`industry = "retail"`)
	require.NoError(t, err)
	_, err = c.CreateSegment(ctx, &crm.Segment{Name: "Retail", Rule: rule})
	require.NoError(t, err)
	_, err = c.MergeCustomers(ctx, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)

	var entries []*crm.AuditEntry
	for e, err := range c.AuditLog(ctx, crm.AuditFilter{}) {
		require.NoError(t, err)
		entries = append(entries, e)
	}
	kinds := map[crm.EntityKind]map[crm.AuditAction]bool{}
	for _, e := range entries {
		if kinds[e.Entity] == nil {
			kinds[e.Entity] = map[crm.AuditAction]bool{}
		}
		kinds[e.Entity][e.Action] = true
		assert.Equal(t, "u-audit", e.ActorID, "entry %d names the actor", e.Seq)
		assert.True(t, now.Equal(e.At), "entry %d carries the Client's time", e.Seq)
	}
	for kind, actions := range map[crm.EntityKind][]crm.AuditAction{
		crm.EntityCustomer:     {crm.AuditCreated, crm.AuditUpdated, crm.AuditMoved},
		crm.EntityContact:      {crm.AuditCreated, crm.AuditUpdated, crm.AuditDeleted},
		crm.EntityPipeline:     {crm.AuditCreated},
		crm.EntityOpportunity:  {crm.AuditCreated},
		crm.EntityLead:         {crm.AuditCreated},
		crm.EntityOrder:        {crm.AuditCreated},
		crm.EntityPayment:      {crm.AuditCreated},
		crm.EntityCase:         {crm.AuditCreated},
		crm.EntitySurvey:       {crm.AuditCreated},
		crm.EntityResponse:     {crm.AuditCreated},
		crm.EntityInteraction:  {crm.AuditCreated, crm.AuditUpdated, crm.AuditDeleted},
		crm.EntityContactClaim: {crm.AuditCreated},
		crm.EntityTask:         {crm.AuditCreated, crm.AuditUpdated},
		crm.EntitySegment:      {crm.AuditCreated},
	} {
		for _, a := range actions {
			assert.True(t, kinds[kind][a], "a %s was %s: the history says so", kind, a)
		}
	}

	var hist []*crm.AuditEntry
	for e, err := range c.History(ctx, crm.EntityCustomer, survivor.ID) {
		require.NoError(t, err)
		hist = append(hist, e)
	}
	require.GreaterOrEqual(t, len(hist), 2, "created, renamed")
	created, renamed := hist[0], hist[1]
	assert.Equal(t, crm.AuditCreated, created.Action)
	fields := map[string]crm.FieldChange{}
	for _, ch := range created.Changes {
		assert.Nil(t, ch.Before, "a creation has no Before (%s)", ch.Field)
		fields[ch.Field] = ch
	}
	assert.JSONEq(t, `"Audited Ltd"`, string(fields["Name"].After))
	assert.JSONEq(t, `{"Amount":"1000.1","Currency":"EUR"}`, string(fields["CreditLimit"].After), "money to the cent, as text")
	assert.NotContains(t, fields, "Version", "Version changes with every write and is left out")
	assert.JSONEq(t, `"prospect"`, string(fields["Stage"].After), "defaults set by the Client are values too")
	assert.NotContains(t, fields, "Address", "the creation lists the fields set, and no address is")
	assert.NotContains(t, fields, "TaxID", "the creation lists the fields set")
	assert.Equal(t, crm.AuditUpdated, renamed.Action)
	require.Len(t, renamed.Changes, 1, "an update lists the fields that changed: %+v", renamed.Changes)
	assert.Equal(t, "Name", renamed.Changes[0].Field)
	assert.JSONEq(t, `"Audited Ltd"`, string(renamed.Changes[0].Before))
	assert.JSONEq(t, `"Audited Group Ltd"`, string(renamed.Changes[0].After))

	var moved []crm.FieldChange
	for e, err := range c.History(ctx, crm.EntityCustomer, dup.ID) {
		require.NoError(t, err)
		if e.Action == crm.AuditMoved {
			moved = append(moved, e.Changes...)
		}
	}
	var contacts struct {
		To    string `json:"to"`
		Count int    `json:"count"`
	}
	for _, ch := range moved {
		if ch.Field == "contacts" {
			require.NoError(t, json.Unmarshal(ch.After, &contacts))
		}
	}
	assert.Equal(t, survivor.ID, contacts.To, "the merge moved the duplicate's contacts to the survivor")
	assert.Equal(t, 1, contacts.Count)
	var contactHist []crm.AuditAction
	for e, err := range c.History(ctx, crm.EntityContact, ct.ID) {
		require.NoError(t, err)
		contactHist = append(contactHist, e.Action)
	}
	assert.Equal(t, []crm.AuditAction{crm.AuditCreated}, contactHist, "the contact's own history holds its creation; the move is the customer's")

	check, err := c.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(len(entries)), check.Entries)
	assert.Equal(t, entries[len(entries)-1].Hash, check.Head)

	var events []*crm.Event
	for e, err := range c.Events(ctx, 0) {
		require.NoError(t, err)
		events = append(events, e)
	}
	require.Len(t, events, len(entries), "one event per entry")
	for i, ev := range events {
		e := entries[i]
		assert.Equal(t, string(e.Entity)+"."+string(e.Action), ev.Type, "event %d follows entry %d", ev.Seq, e.Seq)
		assert.Equal(t, e.EntityID, ev.EntityID)
	}
	var first crm.Customer
	require.NoError(t, json.Unmarshal(events[0].Data, &first), "an event carries the record")
	assert.Equal(t, "Audited Ltd", first.Name)
	assert.True(t, crm.MustMoney("1000.10", "EUR").Amount.Equal(first.CreditLimit.Amount), "to the cent")

	// A refused write leaves no entry.
	_, err = c.UpdateCustomer(ctx, survivor.ID, survivor.Version-1, crm.CustomerUpdate{Name: crm.Ptr("Stale")})
	require.ErrorIs(t, err, crm.ErrConflict)
	after, err := c.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.Equal(t, check, after, "a refused update writes no entry")
}
