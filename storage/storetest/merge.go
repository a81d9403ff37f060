package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// mergeClient returns a Client over s with a fixed clock and sortable IDs,
// as a service would use the store.
func mergeClient(t *testing.T, s crm.Store) (*crm.Client, context.Context) {
	t.Helper()
	var n atomic.Int64
	c, err := crm.New(s,
		crm.WithClock(crm.ClockFunc(func() time.Time { return time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC) })),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { return fmt.Sprintf("m-%06d", n.Add(1)) })),
	)
	require.NoError(t, err)
	return c, crm.WithActor(t.Context(), crm.Actor{ID: "u-merge"})
}

// testMergeRepointsChildren merges two customers through a Client over the
// store: the survivor takes the merged values, every contact,
// opportunity, converted lead, order, payment, survey response and case
// of the duplicate moves, and the duplicate is archived pointing at the
// survivor.
func testMergeRepointsChildren(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	survivor, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Merge Survivor", Tags: []string{"a"},
		Emails: []crm.Email{{Address: "one@survivor.example"}}})
	require.NoError(t, err)
	dup, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Other Name", Industry: "retail", Tags: []string{"b"},
		Emails: []crm.Email{{Address: "two@dup.example"}}})
	require.NoError(t, err)
	var moved []string
	for i := range 3 {
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: dup.ID, Name: fmt.Sprintf("Contact %d", i)})
		require.NoError(t, err)
		moved = append(moved, ct.ID)
	}
	stays, err := c.AddContact(ctx, &crm.Contact{CustomerID: survivor.ID, Name: "Already There"})
	require.NoError(t, err)
	pipeline, err := c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	deal, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Dup's deal", CustomerID: dup.ID, PipelineID: pipeline.ID, ContactID: moved[0]})
	require.NoError(t, err)
	ownDeal, err := c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Survivor's deal", CustomerID: survivor.ID, PipelineID: pipeline.ID})
	require.NoError(t, err)
	order, err := c.CreateOrder(ctx, &crm.Order{CustomerID: dup.ID, OpportunityID: deal.ID, Lines: []crm.OrderLine{
		{SKU: "SEAT", Quantity: decimal.NewFromInt(4), UnitPrice: crm.MustMoney("1234567890.4500", "EUR")}}})
	require.NoError(t, err)
	payment, err := c.RecordPayment(ctx, &crm.Payment{OrderID: order.ID, Amount: crm.MustMoney("0.4500", "EUR")})
	require.NoError(t, err)

	lead, err := c.CreateLead(ctx, &crm.Lead{Company: "Other Name", Source: "web"})
	require.NoError(t, err)
	conv, err := c.ConvertLead(ctx, lead.ID, lead.Version, crm.LeadConversion{CustomerID: dup.ID})
	require.NoError(t, err)

	dupCase, err := c.CreateCase(ctx, &crm.Case{CustomerID: dup.ID, ContactID: moved[1], Kind: crm.CaseComplaint,
		Subject: "Dup's complaint", Source: "response:dup"})
	require.NoError(t, err)
	ownCase, err := c.CreateCase(ctx, &crm.Case{CustomerID: survivor.ID, Kind: crm.CaseInquiry, Subject: "Survivor's question"})
	require.NoError(t, err)

	// Both answered one wave of a survey: the merge keeps both answers.
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q2"})
	require.NoError(t, err)
	dupSaid, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: dup.ID, Score: 3})
	require.NoError(t, err)
	survivorSaid, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: survivor.ID, Score: 9})
	require.NoError(t, err)

	plan, err := c.MergeCustomers(ctx, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	require.Len(t, plan.Children, 9)
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "case", ID: dupCase.ID})
	gotCase, err := s.FindCaseByID(ctx, dupCase.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, gotCase.CustomerID, "the duplicate's case moved")
	assert.Equal(t, dupCase.Version+1, gotCase.Version)
	assert.Equal(t, "response:dup", gotCase.Source, "with its source")
	gotOwnCase, err := s.FindCaseByID(ctx, ownCase.ID)
	require.NoError(t, err)
	assert.Equal(t, ownCase.Version, gotOwnCase.Version, "the survivor's case is untouched")
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "response", ID: dupSaid.ID})
	gotSaid, err := s.FindResponseByID(ctx, dupSaid.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, gotSaid.CustomerID, "the duplicate's response moved")
	assert.Equal(t, dup.ID, gotSaid.RespondentID, "and keeps who gave it")
	assert.Equal(t, dupSaid.Version+1, gotSaid.Version)
	said, _, err := s.FindResponses(ctx, crm.ResponseFilter{CustomerIDs: []string{survivor.ID}})
	require.NoError(t, err)
	assert.Equal(t, []string{dupSaid.ID, survivorSaid.ID}, responseIDs(said), "both answers to the wave are kept")
	assertScores(t, s, crm.ResponseFilter{CustomerIDs: []string{survivor.ID}, Waves: []string{"2026-Q2"}},
		[]crm.ScoreCount{{Kind: crm.SurveyKindNPS, Score: 3, N: 1}, {Kind: crm.SurveyKindNPS, Score: 9, N: 1}})
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: survivor.ID, Score: 10})
	assert.ErrorIs(t, err, crm.ErrDuplicate, "the survivor has answered the wave, as the duplicate")
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "lead", ID: lead.ID})
	gotLead, err := s.FindLeadByID(ctx, lead.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, gotLead.CustomerID, "the lead converted into the duplicate moved")
	assert.Equal(t, conv.Lead.Version+1, gotLead.Version)
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "opportunity", ID: deal.ID})
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "order", ID: order.ID})
	assert.Contains(t, plan.Children, crm.ChildRef{Kind: "payment", ID: payment.ID})

	gotOrder, err := s.FindOrderByID(ctx, order.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, gotOrder.CustomerID, "the duplicate's order moved")
	assert.Equal(t, order.Version+2, gotOrder.Version, "paid, then moved")
	pays, _, err := s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: []string{survivor.ID}})
	require.NoError(t, err)
	assert.Equal(t, []string{payment.ID}, paymentIDs(pays), "the duplicate's payment moved")
	owed, err := s.CustomerExposure(ctx, survivor.ID)
	require.NoError(t, err)
	if assert.Len(t, owed, 1) {
		assertDecimalEqual(t, decimal.RequireFromString("4938271561.35"), owed[0].Amount, "the survivor owes the duplicate's order")
	}
	owed, err = s.CustomerExposure(ctx, dup.ID)
	require.NoError(t, err)
	assert.Empty(t, owed, "the duplicate owes nothing")

	gotDeal, err := s.FindOpportunityByID(ctx, deal.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, gotDeal.CustomerID, "the duplicate's deal moved")
	assert.Equal(t, moved[0], gotDeal.ContactID, "with its contact, which moved too")
	assert.Equal(t, deal.Version+1, gotDeal.Version)
	gotOwn, err := s.FindOpportunityByID(ctx, ownDeal.ID)
	require.NoError(t, err)
	assert.Equal(t, ownDeal.Version, gotOwn.Version, "the survivor's deal is untouched")

	got, err := s.FindCustomerByID(ctx, survivor.ID)
	require.NoError(t, err)
	assert.Equal(t, "retail", got.Industry)
	assert.Equal(t, []string{"a", "b"}, got.Tags)
	assert.Len(t, got.Emails, 2)
	assert.Equal(t, int64(2), got.Version)

	old, err := s.FindCustomerByID(ctx, dup.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, old.MergedInto)
	assert.False(t, old.ArchivedAt.IsZero())
	_, err = c.GetCustomer(ctx, dup.ID)
	var merr *crm.MergedError
	require.True(t, errors.As(err, &merr), "GetCustomer of a merged ID: %v", err)
	assert.Equal(t, survivor.ID, merr.SurvivorID)

	page, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: survivor.ID})
	require.NoError(t, err)
	var ids []string
	for _, ct := range page {
		ids = append(ids, ct.ID)
	}
	assert.ElementsMatch(t, append(moved, stays.ID), ids)
	page, _, err = s.FindContacts(ctx, crm.ContactFilter{CustomerID: dup.ID})
	require.NoError(t, err)
	assert.Empty(t, page)
}

// testMergeDryRun plans a merge through a Client and checks that the store
// is unchanged.
func testMergeDryRun(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	survivor, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Dry Survivor"})
	require.NoError(t, err)
	dup, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Dry Other", Industry: "retail"})
	require.NoError(t, err)
	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: dup.ID, Name: "Stays Put"})
	require.NoError(t, err)

	plan, err := c.MergeCustomers(ctx, survivor.ID, dup.ID, crm.MergeOptions{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, []crm.ChildRef{{Kind: "contact", ID: ct.ID}}, plan.Children)
	assert.Equal(t, "retail", plan.Survivor.Industry)

	for _, want := range []*crm.Customer{survivor, dup} {
		got, err := s.FindCustomerByID(ctx, want.ID)
		require.NoError(t, err)
		assertCustomerEqual(t, want, got)
	}
	got, err := s.FindContactByID(ctx, ct.ID)
	require.NoError(t, err)
	assert.Equal(t, dup.ID, got.CustomerID)
	assert.Equal(t, int64(1), got.Version)
}
