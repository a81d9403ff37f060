package storetest

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// tenantData is one tenant's records of every kind, made through a
// Client: what the other tenant must not reach.
type tenantData struct {
	cust, other *crm.Customer
	contact     *crm.Contact
	pipeline    *crm.Pipeline
	deal        *crm.Opportunity
	lead        *crm.Lead
	order       *crm.Order
	payment     *crm.Payment
	kase        *crm.Case
	survey      *crm.Survey
	response    *crm.Response
	interaction *crm.Interaction
	claim       *crm.ContactClaim
	task        *crm.Task
	segment     *crm.Segment
	snapshot    *crm.SegmentSnapshot
	approval    *crm.ApprovalRequest
}

// populateTenant makes records of every kind in the tenant of ctx.
func populateTenant(t *testing.T, c *crm.Client, s crm.Store, ctx context.Context, name string, now time.Time) tenantData {
	t.Helper()
	var d tenantData
	var err error
	in := &crm.Customer{Name: name + " Ltd", Industry: "retail", TaxID: "TAX-" + name,
		Emails: []crm.Email{{Address: "sales@" + name + ".example"}}, Phones: []crm.Phone{{Number: "+442071234567"}}}
	in.Consent.Set(crm.ChannelPhone, true, now)
	d.cust, err = c.CreateCustomer(ctx, in, crm.AllowDuplicates())
	require.NoError(t, err)
	d.other, err = c.CreateCustomer(ctx, &crm.Customer{Name: name + " Other"}, crm.AllowDuplicates())
	require.NoError(t, err)
	d.contact, err = c.AddContact(ctx, &crm.Contact{CustomerID: d.cust.ID, Name: "Contact at " + name})
	require.NoError(t, err)
	d.pipeline, err = c.CreatePipeline(ctx, crm.DefaultPipeline())
	require.NoError(t, err)
	d.deal, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: name + " deal", CustomerID: d.cust.ID, PipelineID: d.pipeline.ID,
		Amount: crm.MustMoney("1000.00", "EUR"), CloseDate: now.Add(30 * 24 * time.Hour)})
	require.NoError(t, err)
	d.deal, err = c.MoveOpportunity(ctx, d.deal.ID, d.deal.Version, "proposal", crm.MoveOptions{})
	require.NoError(t, err)
	d.lead, err = c.CreateLead(ctx, &crm.Lead{Company: name + " Lead Co", Source: "web"})
	require.NoError(t, err)
	d.order, err = c.CreateOrder(ctx, &crm.Order{CustomerID: d.cust.ID, OrderedAt: now.Add(-48 * time.Hour), Lines: []crm.OrderLine{
		{SKU: "SEAT", Quantity: decimal.NewFromInt(2), UnitPrice: crm.MustMoney("10.05", "EUR")}}})
	require.NoError(t, err)
	d.order, err = c.ConfirmOrder(ctx, d.order.ID, d.order.Version)
	require.NoError(t, err)
	d.payment, err = c.RecordPayment(ctx, &crm.Payment{OrderID: d.order.ID, Amount: crm.MustMoney("5.00", "EUR")})
	require.NoError(t, err)
	d.kase, err = c.CreateCase(ctx, &crm.Case{CustomerID: d.cust.ID, Kind: crm.CaseInquiry, Subject: name + " question"})
	require.NoError(t, err)
	d.kase, err = c.SetCaseStatus(ctx, d.kase.ID, d.kase.Version, crm.CaseOpen)
	require.NoError(t, err)
	d.survey, err = c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: name + " NPS", Wave: "2026-Q2"})
	require.NoError(t, err)
	d.response, err = c.RecordResponse(ctx, &crm.Response{SurveyID: d.survey.ID, CustomerID: d.cust.ID, Score: 9, Comment: "Fine"})
	require.NoError(t, err)
	d.interaction, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: d.cust.ID, Channel: crm.InteractionCall,
		At: now.Add(-time.Hour), Summary: "Called " + name})
	require.NoError(t, err)
	d.claim, err = c.ClaimContact(ctx, d.cust.ID, crm.InteractionCall)
	require.NoError(t, err)
	d.task, err = c.CreateTask(ctx, &crm.Task{CustomerID: d.cust.ID, Title: "Call back", Due: now.Add(24 * time.Hour)})
	require.NoError(t, err)
	v, err := c.Reassign(ctx, crm.EntityCustomer, d.other.ID, d.other.Version, "u-"+name+"-2", "territory")
	require.NoError(t, err)
	d.other.Version = v
	rule, err := crm.ParseCondition(`industry = "retail"`)
	require.NoError(t, err)
	d.segment, err = c.CreateSegment(ctx, &crm.Segment{Name: name + " retail", Rule: rule})
	require.NoError(t, err)
	_, err = c.SnapshotSegment(ctx, d.segment.ID, crm.SegmentOptions{})
	require.NoError(t, err)
	d.snapshot, err = s.FindLatestSegmentSnapshot(ctx, d.segment.ID)
	require.NoError(t, err)
	_, err = c.ArchiveCustomer(ctx, d.other.ID, d.other.Version)
	var held *crm.ApprovalRequiredError
	require.ErrorAs(t, err, &held)
	d.approval = held.Request
	require.NoError(t, s.SaveCheckpoint(ctx, "mailer", 3))
	return d
}

// testTenantIsolation fills tenant "acme" with records of every kind
// and calls every method of the Store as tenant "globex": nothing of
// acme's is read, changed, deleted, moved, listed or counted; a
// transaction of globex stays in globex; each tenant numbers its audit
// history and events from 1. Every method of crm.Store must be called
// here: a method added to the Store fails this check until it is.
func testTenantIsolation(t *testing.T, s crm.Store) {
	var n atomic.Int64
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c, err := crm.New(s, crm.WithAudit(), crm.WithEvents(), crm.WithApprovals(crm.ApprovalPolicy{Archive: true}),
		fixedClock(now),
		prefixedIDs("t"))
	require.NoError(t, err)
	acme := crm.WithActor(t.Context(), crm.Actor{ID: "ann", Tenant: "acme"})
	globex := crm.WithActor(t.Context(), crm.Actor{ID: "gus", Tenant: "globex"})
	a := populateTenant(t, c, s, acme, "acme", now)
	mine, err := c.CreateCustomer(globex, &crm.Customer{Name: "Globex Corp"})
	require.NoError(t, err)

	called := map[string]bool{"Close": true}
	call := func(method string) { called[method] = true }
	hidden := func(method string, err error) {
		t.Helper()
		call(method)
		assert.ErrorIs(t, err, crm.ErrNotFound, "%s as globex on acme's record", method)
	}
	none := func(method string, n int, err error) {
		t.Helper()
		call(method)
		if assert.NoError(t, err, method) {
			assert.Zero(t, n, "%s as globex sees none of acme's records", method)
		}
	}
	g := globex

	// Reads by ID.
	_, err = s.FindCustomerByID(g, a.cust.ID)
	hidden("FindCustomerByID", err)
	_, err = s.FindContactByID(g, a.contact.ID)
	hidden("FindContactByID", err)
	_, err = s.FindPipelineByID(g, a.pipeline.ID)
	hidden("FindPipelineByID", err)
	_, err = s.FindOpportunityByID(g, a.deal.ID)
	hidden("FindOpportunityByID", err)
	_, err = s.FindLeadByID(g, a.lead.ID)
	hidden("FindLeadByID", err)
	_, err = s.FindOrderByID(g, a.order.ID)
	hidden("FindOrderByID", err)
	_, err = s.FindCaseByID(g, a.kase.ID)
	hidden("FindCaseByID", err)
	_, err = s.FindSurveyByID(g, a.survey.ID)
	hidden("FindSurveyByID", err)
	_, err = s.FindResponseByID(g, a.response.ID)
	hidden("FindResponseByID", err)
	_, err = s.FindInteractionByID(g, a.interaction.ID)
	hidden("FindInteractionByID", err)
	_, err = s.FindTaskByID(g, a.task.ID)
	hidden("FindTaskByID", err)
	_, err = s.FindSegmentByID(g, a.segment.ID)
	hidden("FindSegmentByID", err)
	_, err = s.FindApprovalByID(g, a.approval.ID)
	hidden("FindApprovalByID", err)
	_, err = s.LastContactClaim(g, a.cust.ID)
	hidden("LastContactClaim", err)
	_, err = s.FindLatestSegmentSnapshot(g, a.segment.ID)
	hidden("FindLatestSegmentSnapshot", err)

	// Listings, unfiltered and naming acme's records.
	ids := []string{a.cust.ID, a.other.ID}
	custs, _, err := s.FindCustomers(g, crm.CustomerFilter{IncludeArchived: true})
	call("FindCustomers")
	require.NoError(t, err)
	assert.Equal(t, []string{mine.ID}, idsOf(custs, func(c *crm.Customer) string { return c.ID }), "globex lists its own customers only")
	for _, f := range []crm.CustomerFilter{{IDs: ids, IncludeArchived: true}, {Emails: []string{"sales@acme.example"}},
		{TaxIDs: []string{"TAX-acme"}}, {Search: "acme"}, {Industries: []string{"retail"}}} {
		page, _, err := s.FindCustomers(g, f)
		none("FindCustomers", len(page), err)
	}
	contacts, _, err := s.FindContacts(g, crm.ContactFilter{})
	none("FindContacts", len(contacts), err)
	contacts, _, err = s.FindContacts(g, crm.ContactFilter{CustomerID: a.cust.ID})
	none("FindContacts", len(contacts), err)
	pipes, err := s.FindPipelines(g)
	none("FindPipelines", len(pipes), err)
	deals, _, err := s.FindOpportunities(g, crm.OpportunityFilter{})
	none("FindOpportunities", len(deals), err)
	changes, _, err := s.FindOpportunityChanges(g, crm.OpportunityChangeFilter{OpportunityIDs: []string{a.deal.ID}})
	none("FindOpportunityChanges", len(changes), err)
	changes, _, err = s.FindOpportunityChanges(g, crm.OpportunityChangeFilter{})
	none("FindOpportunityChanges", len(changes), err)
	leads, _, err := s.FindLeads(g, crm.LeadFilter{})
	none("FindLeads", len(leads), err)
	orders, _, err := s.FindOrders(g, crm.OrderFilter{CustomerIDs: ids})
	none("FindOrders", len(orders), err)
	orders, _, err = s.FindOrders(g, crm.OrderFilter{})
	none("FindOrders", len(orders), err)
	payments, _, err := s.FindPayments(g, crm.PaymentFilter{OrderIDs: []string{a.order.ID}})
	none("FindPayments", len(payments), err)
	payments, _, err = s.FindPayments(g, crm.PaymentFilter{})
	none("FindPayments", len(payments), err)
	cases, _, err := s.FindCases(g, crm.CaseFilter{})
	none("FindCases", len(cases), err)
	caseChanges, _, err := s.FindCaseChanges(g, crm.CaseChangeFilter{CaseIDs: []string{a.kase.ID}})
	none("FindCaseChanges", len(caseChanges), err)
	caseChanges, _, err = s.FindCaseChanges(g, crm.CaseChangeFilter{})
	none("FindCaseChanges", len(caseChanges), err)
	surveys, _, err := s.FindSurveys(g, crm.SurveyFilter{})
	none("FindSurveys", len(surveys), err)
	responses, _, err := s.FindResponses(g, crm.ResponseFilter{})
	none("FindResponses", len(responses), err)
	interactions, _, err := s.FindInteractions(g, crm.InteractionFilter{})
	none("FindInteractions", len(interactions), err)
	claims, _, err := s.FindContactClaims(g, crm.ContactClaimFilter{CustomerIDs: ids})
	none("FindContactClaims", len(claims), err)
	tasks, _, err := s.FindTasks(g, crm.TaskFilter{})
	none("FindTasks", len(tasks), err)
	owners, _, err := s.FindOwnerChanges(g, crm.OwnerChangeFilter{})
	none("FindOwnerChanges", len(owners), err)
	segments, _, err := s.FindSegments(g, crm.SegmentFilter{})
	none("FindSegments", len(segments), err)
	members, _, err := s.FindSegmentSnapshotMembers(g, a.snapshot.ID, "", 0)
	none("FindSegmentSnapshotMembers", len(members), err)
	approvals, _, err := s.FindApprovals(g, crm.ApprovalFilter{})
	none("FindApprovals", len(approvals), err)

	// Aggregates.
	exposure, err := s.CustomerExposure(g, a.cust.ID)
	none("CustomerExposure", len(exposure), err)
	sums, _, err := s.PurchaseSummaries(g, crm.PurchaseSummaryFilter{AsOf: now})
	call("PurchaseSummaries")
	require.NoError(t, err)
	for _, sum := range sums {
		assert.NotEqual(t, a.cust.ID, sum.CustomerID, "globex's purchase summaries hold none of acme's customers")
		assert.Zero(t, sum.Orders, "globex has no orders")
	}
	sums, _, err = s.PurchaseSummaries(g, crm.PurchaseSummaryFilter{AsOf: now, CustomerIDs: ids})
	call("PurchaseSummaries")
	require.NoError(t, err)
	for _, sum := range sums {
		assert.Zero(t, sum.Orders, "summaries of acme's customers, as globex, count nothing")
	}
	cohorts, err := s.PurchaseCohorts(g, crm.PurchaseCohortFilter{AsOf: now})
	none("PurchaseCohorts", len(cohorts), err) // globex has no orders
	scores, err := s.ResponseScores(g, crm.ResponseFilter{})
	none("ResponseScores", len(scores), err)
	lasts, err := s.LastContacts(g, ids)
	none("LastContacts", len(lasts), err)

	// The logs.
	entries, _, err := s.FindAudit(g, crm.AuditFilter{Entity: crm.EntityCustomer, EntityID: a.cust.ID})
	none("FindAudit", len(entries), err)
	seq, head, err := s.AuditHead(g)
	call("AuditHead")
	require.NoError(t, err)
	mineEntries, _, err := s.FindAudit(g, crm.AuditFilter{})
	require.NoError(t, err)
	assert.Equal(t, int64(len(mineEntries)), seq, "globex's audit head counts globex's entries")
	if assert.NotEmpty(t, mineEntries) {
		assert.Equal(t, int64(1), mineEntries[0].Seq, "each tenant numbers its audit history from 1")
		assert.Empty(t, mineEntries[0].PrevHash, "and chains it from its own first entry")
		assert.Equal(t, mineEntries[len(mineEntries)-1].Hash, head)
	}
	events, err := s.FindEvents(g, 0, 0)
	call("FindEvents")
	require.NoError(t, err)
	if assert.NotEmpty(t, events) {
		assert.Equal(t, int64(1), events[0].Seq, "each tenant numbers its events from 1")
		for _, e := range events {
			assert.NotEqual(t, a.cust.ID, e.EntityID, "globex's events hold none of acme's")
		}
	}
	cp, err := s.Checkpoint(g, "mailer")
	none("Checkpoint", int(cp), err)
	require.NoError(t, s.SaveCheckpoint(g, "mailer", 1))
	call("SaveCheckpoint")
	cpA, err := s.Checkpoint(acme, "mailer")
	require.NoError(t, err)
	assert.Equal(t, int64(3), cpA, "globex's checkpoint is its own")
	entry := &crm.AuditEntry{At: now, ActorID: "gus", Entity: crm.EntityCustomer, EntityID: mine.ID, Action: crm.AuditUpdated}
	require.NoError(t, s.AppendAudit(g, []*crm.AuditEntry{entry}))
	call("AppendAudit")
	assert.Equal(t, seq+1, entry.Seq, "globex's next entry follows globex's last")
	ev := &crm.Event{Type: "customer.updated", At: now, Entity: crm.EntityCustomer, EntityID: mine.ID}
	require.NoError(t, s.AppendEvents(g, []*crm.Event{ev}))
	call("AppendEvents")
	assert.Equal(t, int64(len(events)+1), ev.Seq, "globex's next event follows globex's last")
	require.NoError(t, s.EraseLog(g, crm.EntityCustomer, []string{a.cust.ID}))
	call("EraseLog")
	n2, err := s.EraseResponseComments(g, a.cust.ID, now, "gus")
	none("EraseResponseComments", n2, err)

	// Writes to acme's records.
	upd := func(method string, err error) { t.Helper(); hidden(method, err) }
	cu := a.cust.Clone()
	cu.Name = "Taken"
	upd("UpdateCustomer", s.UpdateCustomer(g, cu))
	ct := a.contact.Clone()
	ct.Name = "Taken"
	upd("UpdateContact", s.UpdateContact(g, ct))
	upd("DeleteContact", s.DeleteContact(g, a.contact.ID, a.contact.Version))
	pl := a.pipeline.Clone()
	pl.Name = "Taken"
	upd("UpdatePipeline", s.UpdatePipeline(g, pl))
	dl := a.deal.Clone()
	dl.Name = "Taken"
	upd("UpdateOpportunity", s.UpdateOpportunity(g, dl))
	ld := a.lead.Clone()
	ld.Company = "Taken"
	upd("UpdateLead", s.UpdateLead(g, ld))
	od := a.order.Clone()
	od.Status = crm.OrderCancelled
	upd("UpdateOrder", s.UpdateOrder(g, od))
	ks := a.kase.Clone()
	ks.Subject = "Taken"
	upd("UpdateCase", s.UpdateCase(g, ks))
	sv := a.survey.Clone()
	sv.Name = "Taken"
	upd("UpdateSurvey", s.UpdateSurvey(g, sv))
	ia := a.interaction.Clone()
	ia.Summary = "Taken"
	upd("UpdateInteraction", s.UpdateInteraction(g, ia))
	upd("DeleteInteraction", s.DeleteInteraction(g, a.interaction.ID, a.interaction.Version))
	tk := a.task.Clone()
	tk.Title = "Taken"
	upd("UpdateTask", s.UpdateTask(g, tk))
	sg := a.segment.Clone()
	sg.Name = "Taken"
	upd("UpdateSegment", s.UpdateSegment(g, sg))
	ap := a.approval.Clone()
	ap.Status = crm.ApprovalApproved
	upd("UpdateApproval", s.UpdateApproval(g, ap))
	upd("MovePayment", s.MovePayment(g, a.payment.ID, a.payment.Version, mine.ID, now, "gus"))
	upd("MoveResponse", s.MoveResponse(g, a.response.ID, a.response.Version, mine.ID, now, "gus"))
	upd("AddSegmentSnapshotMembers", s.AddSegmentSnapshotMembers(g, a.snapshot.ID, []string{mine.ID}))

	// Records of globex's naming acme's: refused as naming nothing.
	id := func() string { return fmt.Sprintf("g-%06d", n.Add(1)) }
	stamp := func() (time.Time, string) { return now, "gus" }
	at, by := stamp()
	upd("CreateContact", s.CreateContact(g, &crm.Contact{ID: id(), CustomerID: a.cust.ID, Name: "Intruder",
		CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("CreateOpportunity", s.CreateOpportunity(g, &crm.Opportunity{ID: id(), CustomerID: a.cust.ID, PipelineID: a.pipeline.ID,
		Name: "Intruder", Stage: "collection", Status: crm.OpportunityOpen, CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("AddOpportunityChange", s.AddOpportunityChange(g, &crm.OpportunityChange{OpportunityID: a.deal.ID, Version: 99,
		At: at, By: by, FromStage: "proposal", ToStage: "negotiation", Status: crm.OpportunityOpen}))
	upd("CreateOrder", s.CreateOrder(g, &crm.Order{ID: id(), CustomerID: a.cust.ID, Status: crm.OrderOpen, OrderedAt: at,
		Total: crm.MustMoney("1.00", "EUR"), CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("CreatePayment", s.CreatePayment(g, &crm.Payment{ID: id(), OrderID: a.order.ID, CustomerID: mine.ID,
		Amount: crm.MustMoney("1.00", "EUR"), ReceivedAt: at, CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("CreateCase", s.CreateCase(g, &crm.Case{ID: id(), CustomerID: a.cust.ID, Kind: crm.CaseInquiry, Status: crm.CaseNew,
		Subject: "Intruder", OpenedAt: at, CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("AddCaseChange", s.AddCaseChange(g, &crm.CaseChange{CaseID: a.kase.ID, Version: 99, At: at, By: by}))
	upd("CreateResponse", s.CreateResponse(g, &crm.Response{ID: id(), SurveyID: a.survey.ID, Kind: crm.SurveyKindNPS,
		CustomerID: mine.ID, RespondentID: mine.ID, Score: 1, AnsweredAt: at, Wave: "2026-Q2",
		CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("CreateInteraction", s.CreateInteraction(g, &crm.Interaction{ID: id(), CustomerID: a.cust.ID, Channel: crm.InteractionCall,
		At: at, CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("CreateContactClaim", s.CreateContactClaim(g, &crm.ContactClaim{ID: id(), CustomerID: a.cust.ID, Seq: 99, ActorID: by,
		Channel: crm.InteractionCall, At: at, Until: at.Add(time.Hour)}))
	upd("CreateTask", s.CreateTask(g, &crm.Task{ID: id(), CustomerID: a.cust.ID, Title: "Intruder", Kind: crm.TaskCall,
		Status: crm.TaskOpen, Due: at, CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}))
	upd("CreateSegmentSnapshot", s.CreateSegmentSnapshot(g, &crm.SegmentSnapshot{ID: id(), SegmentID: a.segment.ID, SegmentVersion: 1, TakenAt: at},
		[]string{mine.ID}))

	// Moves between the tenants' customers, either way.
	for _, mv := range []struct {
		name string
		fn   func(ctx context.Context, from, to string) (int, error)
	}{
		{"MoveContacts", func(ctx context.Context, from, to string) (int, error) {
			return s.MoveContacts(ctx, from, to, now, "gus")
		}},
		{"MoveOpportunities", func(ctx context.Context, from, to string) (int, error) {
			return s.MoveOpportunities(ctx, from, to, now, "gus")
		}},
		{"MoveLeads", func(ctx context.Context, from, to string) (int, error) { return s.MoveLeads(ctx, from, to, now, "gus") }},
		{"MoveOrders", func(ctx context.Context, from, to string) (int, error) {
			return s.MoveOrders(ctx, from, to, now, "gus")
		}},
		{"MovePayments", func(ctx context.Context, from, to string) (int, error) {
			return s.MovePayments(ctx, from, to, now, "gus")
		}},
		{"MoveCases", func(ctx context.Context, from, to string) (int, error) { return s.MoveCases(ctx, from, to, now, "gus") }},
		{"MoveResponses", func(ctx context.Context, from, to string) (int, error) {
			return s.MoveResponses(ctx, from, to, now, "gus")
		}},
		{"MoveInteractions", func(ctx context.Context, from, to string) (int, error) {
			return s.MoveInteractions(ctx, from, to, now, "gus")
		}},
		{"MoveTasks", func(ctx context.Context, from, to string) (int, error) { return s.MoveTasks(ctx, from, to, now, "gus") }},
		{"MoveOwnerChanges", func(ctx context.Context, from, to string) (int, error) { return s.MoveOwnerChanges(ctx, from, to) }},
	} {
		call(mv.name)
		moved, err := mv.fn(g, a.cust.ID, mine.ID)
		if err == nil {
			assert.Zero(t, moved, "%s as globex moves none of acme's records", mv.name)
		} else {
			assert.ErrorIs(t, err, crm.ErrNotFound, mv.name)
		}
		_, err = mv.fn(g, mine.ID, a.cust.ID)
		if err != nil {
			assert.ErrorIs(t, err, crm.ErrNotFound, "%s as globex to acme's customer", mv.name)
		}
	}

	// Creates of globex's own: fine, and invisible to acme.
	call("CreateCustomer")
	call("CreateCustomers")
	require.NoError(t, s.CreateCustomers(g, []*crm.Customer{{ID: id(), Kind: crm.KindOrganization, Name: "Globex Two",
		Stage: crm.StageProspect, CreatedAt: at, CreatedBy: by, UpdatedAt: at, UpdatedBy: by, Version: 1}}))
	for _, m := range []string{"CreatePipeline", "CreateLead", "CreateSurvey", "CreateSegment", "CreateApproval", "AddOwnerChange"} {
		call(m) // made through the Client for acme above; their reads as globex were checked
	}
	aCusts, _, err := s.FindCustomers(acme, crm.CustomerFilter{Search: "Globex"})
	require.NoError(t, err)
	assert.Empty(t, aCusts, "acme does not see globex's customers")

	// A transaction of globex stays in globex, whatever context its
	// methods are given.
	call("RunInTx")
	require.NoError(t, s.RunInTx(g, func(tx crm.Store) error {
		_, err := tx.FindCustomerByID(acme, a.cust.ID)
		assert.ErrorIs(t, err, crm.ErrNotFound, "a transaction of globex does not read acme's customer")
		_, err = tx.FindCustomerByID(g, mine.ID)
		assert.NoError(t, err, "but its own")
		return nil
	}))

	// Through a Client: merging and reading across tenants fails.
	_, err = c.MergeCustomers(g, mine.ID, a.cust.ID, crm.MergeOptions{})
	assert.ErrorIs(t, err, crm.ErrNotFound, "globex merges no customer of acme's")
	_, err = c.Approve(g, a.approval.ID, a.approval.Version)
	assert.ErrorIs(t, err, crm.ErrNotFound, "globex decides no request of acme's")

	// Acme's records are as they were.
	got, err := s.FindCustomerByID(acme, a.cust.ID)
	require.NoError(t, err)
	assert.Equal(t, a.cust.Version, got.Version, "acme's customer unchanged")
	assert.Equal(t, a.cust.Name, got.Name)
	gotContact, err := s.FindContactByID(acme, a.contact.ID)
	require.NoError(t, err)
	assert.Equal(t, a.contact.Version, gotContact.Version, "acme's contact unchanged")
	aContacts, _, err := s.FindContacts(acme, crm.ContactFilter{CustomerID: a.cust.ID})
	require.NoError(t, err)
	assert.Len(t, aContacts, 1, "acme's contact still acme's")
	gotPayment, _, err := s.FindPayments(acme, crm.PaymentFilter{OrderIDs: []string{a.order.ID}})
	require.NoError(t, err)
	if assert.Len(t, gotPayment, 1) {
		assert.Equal(t, a.cust.ID, gotPayment[0].CustomerID, "acme's payment still acme's")
	}
	gotResp, err := s.FindResponseByID(acme, a.response.ID)
	require.NoError(t, err)
	assert.Equal(t, "Fine", gotResp.Comment, "acme's response comment unerased")
	assert.Equal(t, a.cust.ID, gotResp.CustomerID)
	aEntries, _, err := s.FindAudit(acme, crm.AuditFilter{Entity: crm.EntityCustomer, EntityID: a.cust.ID})
	require.NoError(t, err)
	if assert.NotEmpty(t, aEntries) {
		assert.False(t, aEntries[0].Changes[0].Erased, "acme's history unerased")
	}
	check, err := c.VerifyAudit(acme)
	require.NoError(t, err, "acme's chain verifies")
	assert.Greater(t, check.Entries, int64(10))
	gotApproval, err := s.FindApprovalByID(acme, a.approval.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalPending, gotApproval.Status, "acme's request undecided")

	for _, m := range storeMethods() {
		assert.True(t, called[m], "Tenant/Isolation does not call Store.%s: a method of the Store must be checked across tenants", m)
	}
}

// storeMethods lists the methods of crm.Store.
func storeMethods() []string {
	typ := reflect.TypeFor[crm.Store]()
	out := make([]string, typ.NumMethod())
	for i := range out {
		out[i] = typ.Method(i).Name
	}
	return out
}

func idsOf[T any](rs []T, id func(T) string) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, id(r))
	}
	return out
}
