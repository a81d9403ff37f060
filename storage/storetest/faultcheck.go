package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// faultOp is one write operation of a Client, run by testFaultAtomic at
// every fault position.
type faultOp struct {
	name  string // the Client method, then "/" and a variant if there are several
	run   func(ctx context.Context) error
	setup func(ctx context.Context) error // if set, prepares the store before the run, unchecked
}

// keepResult stores v in dst if err is nil, and returns err: an operation's
// result, for the operations after it.
func keepResult[T any](dst *T) func(T, error) error {
	return func(v T, err error) error {
		if err == nil {
			*dst = v
		}
		return err
	}
}

// dropResult discards an operation's result.
func dropResult[T any](_ T, err error) error { return err }

// testFaultAtomic proves every write operation of a Client atomic on
// this store. It fills a tenant with records of every kind, then runs
// each operation of [faultOps] once per fault position (each write the
// operation makes to the store, each commit of a transaction it opens),
// with a [faultStore] failing at that position: the operation must
// return an error matching the injected one, and the tenant must read
// exactly as before, audit history, events and checkpoints included. The
// position after the last is reached by the operation succeeding, which
// moves the state on for the operations after it. Every exported method
// of the Client must be one of the operations or be listed as reading
// only ([faultReadOnlyClientMethods]).
func testFaultAtomic(t *testing.T, inner crm.Store) {
	checkFaultStoreCountsEveryWrite(t)
	f := &fault{}
	s := &faultStore{Store: inner, f: f}
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	ids := prefixedIDs("f")
	opts := []crm.Option{crm.WithAudit(), crm.WithEvents(), fixedClock(now), ids,
		crm.WithApprovals(crm.ApprovalPolicy{Archive: true, Export: true})}
	assigner, err := crm.NewAssigner(crm.AssignmentRule{Name: "software", Entities: []crm.EntityKind{crm.EntityLead, crm.EntityCase},
		Industries: []string{"software"}, Team: []string{"u-dora", "u-eve"}})
	require.NoError(t, err)
	c, err := crm.New(s, append(slices.Clip(opts), crm.WithAssigner(assigner),
		crm.WithFollowUp(crm.FollowUpPolicy{Thresholds: crm.DefaultFollowUpThresholds()}))...)
	require.NoError(t, err)
	plain, err := crm.New(s, opts...) // records responses no policy follows up
	require.NoError(t, err)
	strict, err := crm.New(s, append(slices.Clip(opts), crm.WithApprovals(crm.ApprovalPolicy{ // holds what c does at once
		CreditLimits: []crm.Money{crm.MustMoney("1000", "EUR")}, Archive: true, Merge: true, Erase: true}))...)
	require.NoError(t, err)
	later, err := crm.New(s, crm.WithAudit(), crm.WithEvents(), fixedClock(now.Add(30*24*time.Hour)), ids,
		crm.WithApprovals(crm.ApprovalPolicy{Archive: true, Export: true}))
	require.NoError(t, err)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "ann", Tenant: "acme"})
	bob := crm.WithActor(t.Context(), crm.Actor{ID: "bob", Tenant: "acme"})
	base := populateTenant(t, c, s, ctx, "acme", now)

	ops := faultOps(c, plain, strict, later, inner, bob, base, now)
	consumers := []string{"mailer", faultConsumer}

	covered := map[string]bool{}
	total := 0
	var summary []string
	for _, op := range ops {
		covered[strings.SplitN(op.name, "/", 2)[0]] = true
		if op.setup != nil {
			require.NoError(t, op.setup(ctx), "%s: setup", op.name)
		}
		before, err := readState(ctx, inner, now, consumers...)
		require.NoError(t, err, "%s: reading the state before", op.name)
		beforeJSON, err := json.Marshal(before)
		require.NoError(t, err, "%s: marshalling the state before", op.name)
		var trace []string
		for k := 1; ; k++ {
			f.arm(k)
			err := op.run(ctx)
			hit, at, tr := f.result()
			f.arm(0)
			if !hit {
				require.NoError(t, err, "%s: run with no fault reached (after %d positions: %s)", op.name, k-1, strings.Join(tr, ", "))
				require.NotZero(t, k-1, "%s writes nothing: the operation in the table does not exercise a write", op.name)
				trace = tr
				break
			}
			if !assert.ErrorIs(t, err, errInjected, "%s with position %d (%s) failing: the error does not reach the caller", op.name, k, at) {
				continue
			}
			after, err := readState(ctx, inner, now, consumers...)
			require.NoError(t, err, "%s: reading the state after position %d failed", op.name, k)
			d, err := diffStates(before, beforeJSON, after)
			require.NoError(t, err, "%s: comparing the states", op.name)
			if len(d) > 0 {
				assert.Fail(t, fmt.Sprintf("%s is not atomic: with fault position %d (%s) failing, after positions %s, the store changed:\n\t%s",
					op.name, k, at, strings.Join(tr, ", "), strings.Join(d, "\n\t")))
			}
		}
		total += len(trace)
		summary = append(summary, fmt.Sprintf("%s: %d (%s)", op.name, len(trace), strings.Join(trace, ", ")))
	}
	t.Logf("%d operations, %d fault positions:\n\t%s", len(ops), total, strings.Join(summary, "\n\t"))

	readOnly := faultReadOnlyClientMethods()
	ct := reflect.TypeFor[*crm.Client]()
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		name := m.Name
		if readOnly[name] {
			// Called with the tenant's first customer's ID for every
			// string, it must pass no fault position.
			f.arm(1)
			callClientMethod(ctx, c, m, base.cust.ID, now)
			if _, _, tr := f.result(); len(tr) > 0 {
				t.Errorf("Client.%s is listed as read-only but writes: %s", name, strings.Join(tr, ", "))
			}
			f.arm(0)
		}
		switch {
		case covered[name] && readOnly[name]:
			t.Errorf("Client.%s is both a fault operation and listed as read-only", name)
		case !covered[name] && !readOnly[name]:
			t.Errorf("Client.%s is neither a fault operation nor listed as read-only: add it to faultOps, or to faultReadOnlyClientMethods if it never writes", name)
		}
	}
}

// errHandler is the failure of an events handler.
var errHandler = errors.New("storetest: handler fails")

// faultConsumer is the events consumer ConsumeEvents runs as.
const faultConsumer = "fault"

// faultReadOnlyClientMethods returns the exported methods of a Client
// that never write to the store.
func faultReadOnlyClientMethods() map[string]bool {
	m := map[string]bool{}
	for _, name := range strings.Fields(`Agenda Approvals AuditLog BreachedCases CaseHistory CaseSLA Cases Cohorts
		ContactClaims Contacts CustomerBalance Customers Events FindDuplicates Forecast ForecastAsOf Funnel
		GetApproval GetCase GetContact GetCustomer GetInteraction GetLead GetOpportunity GetOrder GetPipeline
		GetResponse GetSegment GetSurvey GetTask History Interactions KPIs LastContact LastContacts LeadOutcomes
		Leads ListCases ListContacts ListCustomers ListInteractions ListLeads ListOpportunities ListOrders
		ListPayments ListPurchaseSummaries ListResponses ListSegments ListSurveys ListTasks Opportunities
		OpportunitiesAsOf OpportunityChanges OpportunityHistories OpportunityHistory OrderBalance Orders
		OwnerChanges OwnerHistory Payments Pipelines PurchaseSummaries Responses ScoreRFM Scorecards
		SegmentMembers Segments SurveyCES SurveyCESBy SurveyCESByPeriod SurveyCSAT SurveyCSATBy
		SurveyCSATByPeriod SurveyNPS SurveyNPSBy SurveyNPSByPeriod SurveyNPSChange Surveys Tasks Timeline
		VerifyAudit`) {
		m[name] = true
	}
	return m
}

// faultOps lists the write operations of c, in an order in which each
// finds the records it needs: base, and those the operations before it
// made.
//
// plain is c without follow-ups and assignment rules; strict is c with approvals of merges, erasures and credit
// limits; later is c at a time past every request's expiry. bob approves what ann, the acting user of the operations,
// asks for.
func faultOps(c, plain, strict, later *crm.Client, inner crm.Store, bob context.Context, base tenantData, now time.Time) []faultOp {
	var (
		cust, dup, gone, imported               *crm.Customer
		contact, contact2                       *crm.Contact
		pipeline                                *crm.Pipeline
		deal                                    *crm.Opportunity
		lead                                    *crm.Lead
		order, order2                           *crm.Order
		kase                                    *crm.Case
		survey                                  *crm.Survey
		detractor, quiet, quiet2                *crm.Response
		interaction, interaction2               *crm.Interaction
		task, task2                             *crm.Task
		segment                                 *crm.Segment
		archiveReq, rejectReq                   *crm.ApprovalRequest
		mergePlan                               *crm.MergePlan
		deal2                                   *crm.Opportunity
		lead2                                   *crm.Lead
		software, dup2, dup3, gone2             *crm.Customer
		creditReq, mergeReq, eraseReq, expiring *crm.ApprovalRequest
	)
	carl := crm.WithActor(bob, crm.Actor{ID: "u-carl", Tenant: "acme"})
	fresh := func(ctx context.Context, id string) (*crm.Customer, error) { return inner.FindCustomerByID(ctx, id) }
	held := func(dst **crm.ApprovalRequest) func(error) error {
		return func(err error) error {
			if r := (*crm.ApprovalRequiredError)(nil); errors.As(err, &r) {
				*dst = r.Request
				return nil
			}
			if err == nil {
				return errors.New("storetest: the operation was not held for approval")
			}
			return err
		}
	}
	var exportReq *crm.ApprovalRequest
	newCustomer := func(name string) *crm.Customer {
		in := &crm.Customer{Name: name, Industry: "retail", Emails: []crm.Email{{Address: strings.ToLower(strings.Fields(name)[0]) + "@fault.example"}},
			Phones: []crm.Phone{{Number: "+442071234999"}}}
		in.Consent.Set(crm.ChannelPhone, true, now)
		return in
	}
	return []faultOp{
		{name: "CreateCustomer", run: func(ctx context.Context) error {
			return keepResult(&cust)(c.CreateCustomer(ctx, newCustomer("Initech Ltd"), crm.AllowDuplicates()))
		}},
		{name: "UpdateCustomer", run: func(ctx context.Context) error {
			return keepResult(&cust)(c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Name: ptrTo("Initech Group"), Tags: ptrTo([]string{"gold"})}))
		}},
		{name: "AddContact", run: func(ctx context.Context) error {
			return keepResult(&contact)(c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Peter Gibbons"}))
		}},
		{name: "AddContact/Second", run: func(ctx context.Context) error {
			return keepResult(&contact2)(c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Milton Waddams"}))
		}},
		{name: "UpdateContact", run: func(ctx context.Context) error {
			return keepResult(&contact)(c.UpdateContact(ctx, contact.ID, contact.Version, crm.ContactUpdate{JobTitle: ptrTo("Engineer")}))
		}},
		{name: "RemoveContact", run: func(ctx context.Context) error { return c.RemoveContact(ctx, contact2.ID, contact2.Version) }},
		{name: "CreatePipeline", run: func(ctx context.Context) error {
			p := crm.DefaultPipeline()
			p.Name = "Renewals"
			return keepResult(&pipeline)(c.CreatePipeline(ctx, p))
		}},
		{name: "UpdatePipeline", run: func(ctx context.Context) error {
			p := pipeline.Clone()
			p.Name = "Renewals 2026"
			return keepResult(&pipeline)(c.UpdatePipeline(ctx, pipeline.ID, pipeline.Version, p))
		}},
		{name: "CreateOpportunity", run: func(ctx context.Context) error {
			return keepResult(&deal)(c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Initech renewal", CustomerID: cust.ID, PipelineID: pipeline.ID,
				Amount: crm.MustMoney("2500.00", "EUR"), CloseDate: now.Add(60 * 24 * time.Hour)}))
		}},
		{name: "UpdateOpportunity", run: func(ctx context.Context) error {
			return keepResult(&deal)(c.UpdateOpportunity(ctx, deal.ID, deal.Version, crm.OpportunityUpdate{Name: ptrTo("Initech renewal 2026")}))
		}},
		{name: "MoveOpportunity", run: func(ctx context.Context) error {
			return keepResult(&deal)(c.MoveOpportunity(ctx, deal.ID, deal.Version, "proposal", crm.MoveOptions{}))
		}},
		{name: "MoveOpportunity/Lost", run: func(ctx context.Context) error {
			return keepResult(&deal)(c.MoveOpportunity(ctx, deal.ID, deal.Version, "lost", crm.MoveOptions{LostReason: "price"}))
		}},
		{name: "ReopenOpportunity", run: func(ctx context.Context) error {
			return keepResult(&deal)(c.ReopenOpportunity(ctx, deal.ID, deal.Version, "proposal"))
		}},
		{name: "MoveOpportunity/Won", run: func(ctx context.Context) error {
			return keepResult(&deal)(c.MoveOpportunity(ctx, deal.ID, deal.Version, "won", crm.MoveOptions{}))
		}},
		{name: "CreateLead", run: func(ctx context.Context) error {
			return keepResult(&lead)(c.CreateLead(ctx, &crm.Lead{Company: "Initrode", Source: "web", Email: "bill@initrode.example"}))
		}},
		{name: "UpdateLead", run: func(ctx context.Context) error {
			return keepResult(&lead)(c.UpdateLead(ctx, lead.ID, lead.Version, crm.LeadUpdate{Source: ptrTo("referral")}))
		}},
		{name: "SetLeadStatus", run: func(ctx context.Context) error {
			return keepResult(&lead)(c.SetLeadStatus(ctx, lead.ID, lead.Version, crm.LeadContacted, ""))
		}},
		{name: "SetLeadStatus/Qualified", run: func(ctx context.Context) error {
			return keepResult(&lead)(c.SetLeadStatus(ctx, lead.ID, lead.Version, crm.LeadQualified, ""))
		}},
		{name: "ConvertLead", run: func(ctx context.Context) error {
			return dropResult(c.ConvertLead(ctx, lead.ID, lead.Version, crm.LeadConversion{NewCustomer: true,
				Opportunity: &crm.LeadOpportunity{Name: "Initrode first deal", PipelineID: pipeline.ID,
					Amount: crm.MustMoney("300.00", "EUR"), CloseDate: now.Add(30 * 24 * time.Hour)}}))
		}},
		{name: "CreateOrder", run: func(ctx context.Context) error {
			return keepResult(&order)(c.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: now.Add(-time.Hour), Lines: []crm.OrderLine{
				{SKU: "SEAT", Quantity: decimal.NewFromInt(3), UnitPrice: crm.MustMoney("12.50", "EUR")}}}))
		}},
		{name: "ConfirmOrder", run: func(ctx context.Context) error {
			return keepResult(&order)(c.ConfirmOrder(ctx, order.ID, order.Version))
		}},
		{name: "RecordPayment", run: func(ctx context.Context) error {
			return dropResult(c.RecordPayment(ctx, &crm.Payment{OrderID: order.ID, Amount: crm.MustMoney("10.00", "EUR")}))
		}},
		{name: "FulfillOrder", run: func(ctx context.Context) error {
			o, err := inner.FindOrderByID(ctx, order.ID)
			if err != nil {
				return err
			}
			return keepResult(&order)(c.FulfillOrder(ctx, o.ID, o.Version))
		}},
		{name: "CreateOrder/Second", run: func(ctx context.Context) error {
			return keepResult(&order2)(c.CreateOrder(ctx, &crm.Order{CustomerID: cust.ID, OrderedAt: now.Add(-time.Hour), Lines: []crm.OrderLine{
				{SKU: "DESK", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("99.00", "EUR")}}}))
		}},
		{name: "CancelOrder", run: func(ctx context.Context) error {
			return keepResult(&order2)(c.CancelOrder(ctx, order2.ID, order2.Version))
		}},
		{name: "CreateCase", run: func(ctx context.Context) error {
			return keepResult(&kase)(c.CreateCase(ctx, &crm.Case{CustomerID: cust.ID, Kind: crm.CaseComplaint, Subject: "Stapler missing"}))
		}},
		{name: "UpdateCase", run: func(ctx context.Context) error {
			return keepResult(&kase)(c.UpdateCase(ctx, kase.ID, kase.Version, crm.CaseUpdate{Subject: ptrTo("Red stapler missing")}))
		}},
		{name: "RespondToCase", run: func(ctx context.Context) error { return keepResult(&kase)(c.RespondToCase(ctx, kase.ID, kase.Version)) }},
		{name: "SetCaseStatus", run: func(ctx context.Context) error {
			return keepResult(&kase)(c.SetCaseStatus(ctx, kase.ID, kase.Version, crm.CaseResolved))
		}},
		{name: "CreateSurvey", run: func(ctx context.Context) error {
			return keepResult(&survey)(c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Initech NPS", Wave: "2026-Q2"}))
		}},
		{name: "UpdateSurvey", run: func(ctx context.Context) error {
			return keepResult(&survey)(c.UpdateSurvey(ctx, survey.ID, survey.Version, crm.SurveyUpdate{Name: ptrTo("Initech NPS 2026")}))
		}},
		{name: "RecordResponse", run: func(ctx context.Context) error {
			return keepResult(&detractor)(c.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: cust.ID, Score: 2, Comment: "Slow"}))
		}},
		{name: "RecordResponse/NoFollowUp", run: func(ctx context.Context) error {
			return keepResult(&quiet)(plain.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: base.cust.ID, Score: 3}))
		}},
		{name: "FollowUp", run: func(ctx context.Context) error { return dropResults(c.FollowUp(ctx, quiet.ID)) }},
		{name: "RecordResponse/NoFollowUp2", run: func(ctx context.Context) error {
			return keepResult(&quiet2)(plain.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: base.other.ID, Score: 1}))
		}},
		{name: "FollowUpResponses", run: func(ctx context.Context) error {
			n, err := c.FollowUpResponses(ctx, crm.ResponseFilter{CustomerIDs: []string{quiet2.CustomerID}})
			if err == nil && n != 1 {
				return fmt.Errorf("storetest: FollowUpResponses opened %d cases, want 1", n)
			}
			return err
		}},
		{name: "LogInteraction", run: func(ctx context.Context) error {
			return keepResult(&interaction)(c.LogInteraction(ctx, &crm.Interaction{CustomerID: cust.ID, Channel: crm.InteractionCall,
				At: now.Add(-30 * time.Minute), Summary: "Called about the stapler"}))
		}},
		{name: "LogInteraction/Second", run: func(ctx context.Context) error {
			return keepResult(&interaction2)(c.LogInteraction(ctx, &crm.Interaction{CustomerID: cust.ID, Channel: crm.InteractionEmail,
				At: now.Add(-20 * time.Minute), Summary: "Sent the form"}))
		}},
		{name: "UpdateInteraction", run: func(ctx context.Context) error {
			return keepResult(&interaction)(c.UpdateInteraction(ctx, interaction.ID, interaction.Version, crm.InteractionUpdate{Summary: ptrTo("Called twice")}))
		}},
		{name: "DeleteInteraction", run: func(ctx context.Context) error {
			return c.DeleteInteraction(ctx, interaction2.ID, interaction2.Version)
		}},
		{name: "ClaimContact", run: func(ctx context.Context) error { return dropResult(c.ClaimContact(ctx, cust.ID, crm.InteractionCall)) }},
		{name: "CreateTask", run: func(ctx context.Context) error {
			return keepResult(&task)(c.CreateTask(ctx, &crm.Task{CustomerID: cust.ID, Title: "Send stapler", Due: now.Add(48 * time.Hour)}))
		}},
		{name: "UpdateTask", run: func(ctx context.Context) error {
			return keepResult(&task)(c.UpdateTask(ctx, task.ID, task.Version, crm.TaskUpdate{Title: ptrTo("Send red stapler")}))
		}},
		{name: "CompleteTask", run: func(ctx context.Context) error { return keepResult(&task)(c.CompleteTask(ctx, task.ID, task.Version)) }},
		{name: "CreateTask/Second", run: func(ctx context.Context) error {
			return keepResult(&task2)(c.CreateTask(ctx, &crm.Task{CustomerID: cust.ID, Title: "Visit", Due: now.Add(72 * time.Hour)}))
		}},
		{name: "CancelTask", run: func(ctx context.Context) error { return keepResult(&task2)(c.CancelTask(ctx, task2.ID, task2.Version)) }},
		{name: "ScheduleCare", run: func(ctx context.Context) error {
			run, err := c.ScheduleCare(ctx, crm.CarePlan{Name: "revisit", Kind: crm.CareRevisit, Every: 1, Title: "Revisit",
				Customers: crm.CustomerFilter{IDs: []string{cust.ID}}}, 2)
			if err == nil && len(run.Created) != 1 {
				return fmt.Errorf("storetest: ScheduleCare made %d tasks, want 1", len(run.Created))
			}
			return err
		}},
		{name: "Reassign", run: func(ctx context.Context) error {
			v, err := c.Reassign(ctx, crm.EntityCustomer, cust.ID, cust.Version, "u-carl", "territory")
			if err == nil {
				cust.Version = v
			}
			return err
		}},
		{name: "CreateSegment", run: func(ctx context.Context) error {
			rule, err := crm.ParseCondition(`industry = "retail"`)
			if err != nil {
				return err
			}
			return keepResult(&segment)(c.CreateSegment(ctx, &crm.Segment{Name: "Retail", Rule: rule}))
		}},
		{name: "UpdateSegment", run: func(ctx context.Context) error {
			return keepResult(&segment)(c.UpdateSegment(ctx, segment.ID, segment.Version, crm.SegmentUpdate{Description: ptrTo("all retail")}))
		}},
		{name: "SnapshotSegment", run: func(ctx context.Context) error {
			return dropResult(c.SnapshotSegment(ctx, segment.ID, crm.SegmentOptions{}))
		}},
		{name: "ApplyLifecycle", run: func(ctx context.Context) error {
			rep, err := c.ApplyLifecycle(ctx, crm.LifecycleOptions{Filter: crm.CustomerFilter{IDs: []string{cust.ID}}})
			if err == nil && len(rep.Changed) == 0 {
				return fmt.Errorf("storetest: ApplyLifecycle moved nothing: %+v", rep)
			}
			return err
		}},
		{name: "ImportCustomers", run: func(ctx context.Context) error {
			// One row: an import commits batch by batch, each atomically.
			row := crm.Customer{Name: "Umbrella Corp", Emails: []crm.Email{{Address: "info@umbrella.example"}}}
			res, err := c.ImportCustomers(ctx, func(yield func(crm.Customer, error) bool) { yield(row, nil) }, crm.ImportOptions{})
			if err == nil && res.Created != 1 {
				return fmt.Errorf("storetest: ImportCustomers created %d customers, want 1", res.Created)
			}
			return err
		}},
		{name: "CreateCustomer/Duplicate", run: func(ctx context.Context) error {
			return keepResult(&dup)(c.CreateCustomer(ctx, newCustomer("Initech Duplicate"), crm.AllowDuplicates()))
		}},
		{name: "MergeCustomers", run: func(ctx context.Context) error {
			return keepResult(&mergePlan)(c.MergeCustomers(ctx, cust.ID, dup.ID, crm.MergeOptions{}))
		}},
		{name: "UndoMerge", run: func(ctx context.Context) error { return dropResult(c.UndoMerge(ctx, cust.ID, dup.ID)) }},
		{name: "CreateLead/Assigned", run: func(ctx context.Context) error {
			return keepResult(&lead2)(c.CreateLead(ctx, &crm.Lead{Company: "Hooli", Industry: "software", Source: "web"}))
		}},
		{name: "ConvertLead/ExistingCustomer", setup: func(ctx context.Context) error {
			l, err := c.SetLeadStatus(ctx, lead2.ID, lead2.Version, crm.LeadContacted, "")
			if err != nil {
				return err
			}
			lead2, err = c.SetLeadStatus(ctx, l.ID, l.Version, crm.LeadQualified, "")
			return err
		}, run: func(ctx context.Context) error {
			return dropResult(c.ConvertLead(ctx, lead2.ID, lead2.Version, crm.LeadConversion{CustomerID: cust.ID,
				Opportunity: &crm.LeadOpportunity{Name: "Hooli seats", PipelineID: pipeline.ID,
					Amount: crm.MustMoney("120.00", "EUR"), CloseDate: now.Add(20 * 24 * time.Hour)}}))
		}},
		{name: "CreateCase/Assigned", setup: func(ctx context.Context) error {
			var err error
			software, err = c.CreateCustomer(ctx, &crm.Customer{Name: "Pied Piper", Industry: "software"}, crm.AllowDuplicates())
			return err
		}, run: func(ctx context.Context) error {
			return dropResult(c.CreateCase(ctx, &crm.Case{CustomerID: software.ID, Kind: crm.CaseRequest, Subject: "Compression"}))
		}},
		{name: "MoveOpportunity/WonWithOrder", setup: func(ctx context.Context) error {
			var err error
			deal2, err = c.CreateOpportunity(ctx, &crm.Opportunity{Name: "Initech desks", CustomerID: cust.ID, PipelineID: pipeline.ID,
				Amount: crm.MustMoney("400.00", "EUR"), CloseDate: now.Add(10 * 24 * time.Hour)})
			return err
		}, run: func(ctx context.Context) error {
			return keepResult(&deal2)(c.MoveOpportunity(ctx, deal2.ID, deal2.Version, "won", crm.MoveOptions{Order: &crm.Order{}}))
		}},
		{name: "ClaimContact/Override", run: func(context.Context) error {
			return dropResult(c.ClaimContact(carl, cust.ID, crm.InteractionCall, crm.OverrideClaim("escalation")))
		}},
		{name: "CreateCustomer/CheckDuplicates", run: func(ctx context.Context) error {
			return dropResult(c.CreateCustomer(ctx, &crm.Customer{Name: "Vandelay Industries", Emails: []crm.Email{{Address: "art@vandelay.example"}}}))
		}},
		{name: "ImportCustomers/Merge", run: func(ctx context.Context) error {
			row := crm.Customer{Name: "Initech Group", Industry: "software", Emails: []crm.Email{{Address: "initech@fault.example"}}}
			res, err := c.ImportCustomers(ctx, func(yield func(crm.Customer, error) bool) { yield(row, nil) },
				crm.ImportOptions{Duplicates: crm.MergeDuplicates})
			if err == nil && res.Merged != 1 {
				return fmt.Errorf("storetest: ImportCustomers merged %d rows, want 1: %+v", res.Merged, res)
			}
			return err
		}},
		{name: "MergeCustomers/WithChildren", setup: func(ctx context.Context) error {
			var err error
			if dup2, err = c.CreateCustomer(ctx, newCustomer("Initech Twin"), crm.AllowDuplicates()); err != nil {
				return err
			}
			if _, err = c.AddContact(ctx, &crm.Contact{CustomerID: dup2.ID, Name: "Bill Lumbergh"}); err != nil {
				return err
			}
			if _, err = c.CreateOrder(ctx, &crm.Order{CustomerID: dup2.ID, OrderedAt: now.Add(-time.Hour), Lines: []crm.OrderLine{
				{SKU: "TPS", Quantity: decimal.NewFromInt(1), UnitPrice: crm.MustMoney("5.00", "EUR")}}}); err != nil {
				return err
			}
			if _, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: dup2.ID, Channel: crm.InteractionEmail,
				At: now.Add(-time.Hour), Summary: "TPS reports"}); err != nil {
				return err
			}
			if _, err = c.CreateTask(ctx, &crm.Task{CustomerID: dup2.ID, Title: "Cover sheet", Due: now.Add(time.Hour)}); err != nil {
				return err
			}
			if _, err = c.CreateCase(ctx, &crm.Case{CustomerID: dup2.ID, Kind: crm.CaseInquiry, Subject: "Memo"}); err != nil {
				return err
			}
			_, err = c.Reassign(ctx, crm.EntityCustomer, dup2.ID, dup2.Version, "u-dora", "territory")
			return err
		}, run: func(ctx context.Context) error {
			return dropResult(c.MergeCustomers(ctx, cust.ID, dup2.ID, crm.MergeOptions{}))
		}},
		{name: "UndoMerge/WithChildren", run: func(ctx context.Context) error { return dropResult(c.UndoMerge(ctx, cust.ID, dup2.ID)) }},
		{name: "UpdateCustomer/CreditLimitHeld", run: func(ctx context.Context) error {
			cu, err := fresh(ctx, cust.ID)
			if err != nil {
				return err
			}
			_, err = strict.UpdateCustomer(ctx, cu.ID, cu.Version, crm.CustomerUpdate{CreditLimit: ptrTo(crm.MustMoney("5000", "EUR"))})
			return held(&creditReq)(err)
		}},
		{name: "Approve/CreditLimit", run: func(context.Context) error { return dropResult(strict.Approve(bob, creditReq.ID, creditReq.Version)) }},
		{name: "MergeCustomers/Held", setup: func(ctx context.Context) error {
			var err error
			if dup3, err = c.CreateCustomer(ctx, newCustomer("Initech Triplet"), crm.AllowDuplicates()); err != nil {
				return err
			}
			_, err = c.AddContact(ctx, &crm.Contact{CustomerID: dup3.ID, Name: "Tom Smykowski"})
			return err
		}, run: func(ctx context.Context) error {
			return held(&mergeReq)(dropResult(strict.MergeCustomers(ctx, cust.ID, dup3.ID, crm.MergeOptions{})))
		}},
		{name: "Approve/Merge", run: func(context.Context) error { return dropResult(strict.Approve(bob, mergeReq.ID, mergeReq.Version)) }},
		{name: "EraseCustomer/Held", setup: func(ctx context.Context) error {
			var err error
			if gone2, err = c.CreateCustomer(ctx, newCustomer("Gone Again"), crm.AllowDuplicates()); err != nil {
				return err
			}
			if _, err = c.AddContact(ctx, &crm.Contact{CustomerID: gone2.ID, Name: "Gone Contact Two"}); err != nil {
				return err
			}
			_, err = plain.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: gone2.ID, Score: 7, Comment: "Private"})
			return err
		}, run: func(ctx context.Context) error {
			return held(&eraseReq)(dropResult(strict.EraseCustomer(ctx, gone2.ID)))
		}},
		{name: "Approve/Erase", run: func(context.Context) error { return dropResult(strict.Approve(bob, eraseReq.ID, eraseReq.Version)) }},
		{name: "ConsumeEvents/HandlerFails", setup: func(ctx context.Context) error {
			seq, _, err := lastEventSeq(ctx, inner)
			if err != nil {
				return err
			}
			return inner.SaveCheckpoint(ctx, faultConsumer, seq-2)
		}, run: func(ctx context.Context) error {
			n := 0
			_, err := c.ConsumeEvents(ctx, faultConsumer, func(context.Context, *crm.Event) error {
				if n++; n == 2 {
					return errHandler
				}
				return nil
			})
			if errors.Is(err, errHandler) {
				return nil
			}
			if err == nil {
				return errors.New("storetest: ConsumeEvents did not return the handler's error")
			}
			return err
		}},
		{name: "CreateCustomer/Erased", run: func(ctx context.Context) error {
			return keepResult(&gone)(c.CreateCustomer(ctx, newCustomer("Gone Person"), crm.AllowDuplicates()))
		}},
		{name: "AddContact/ToErase", run: func(ctx context.Context) error {
			return dropResult(c.AddContact(ctx, &crm.Contact{CustomerID: gone.ID, Name: "Gone Contact"}))
		}},
		{name: "LogInteraction/ToErase", run: func(ctx context.Context) error {
			return dropResult(c.LogInteraction(ctx, &crm.Interaction{CustomerID: gone.ID, Channel: crm.InteractionEmail,
				At: now.Add(-time.Minute), Summary: "Asked to be forgotten"}))
		}},
		{name: "RecordResponse/ToErase", run: func(ctx context.Context) error {
			return dropResult(plain.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: gone.ID, Score: 8, Comment: "Personal"}))
		}},
		{name: "EraseCustomer", run: func(ctx context.Context) error { return dropResult(c.EraseCustomer(ctx, gone.ID)) }},
		{name: "ArchiveCustomer", run: func(ctx context.Context) error {
			cu, err := inner.FindCustomerByID(ctx, cust.ID)
			if err != nil {
				return err
			}
			_, err = c.ArchiveCustomer(ctx, cu.ID, cu.Version)
			return held(&archiveReq)(err)
		}},
		{name: "Approve", run: func(context.Context) error { return dropResult(c.Approve(bob, archiveReq.ID, archiveReq.Version)) }},
		{name: "ArchiveCustomer/ToReject", run: func(ctx context.Context) error {
			_, err := c.ArchiveCustomer(ctx, base.cust.ID, customerVersion(ctx, inner, base.cust.ID))
			return held(&rejectReq)(err)
		}},
		{name: "Reject", run: func(context.Context) error {
			return dropResult(c.Reject(bob, rejectReq.ID, rejectReq.Version, "keep them"))
		}},
		{name: "ExportCustomers", run: func(ctx context.Context) error {
			_, err := c.ExportCustomers(ctx, &strings.Builder{}, crm.CustomerFilter{}, crm.ExportOptions{})
			return held(&exportReq)(err)
		}},
		{name: "Approve/Export", run: func(context.Context) error { return dropResult(c.Approve(bob, exportReq.ID, exportReq.Version)) }},
		{name: "ExportCustomers/Approved", run: func(ctx context.Context) error {
			return dropResult(c.ExportCustomers(ctx, &strings.Builder{}, crm.CustomerFilter{}, crm.ExportOptions{Approval: exportReq.ID}))
		}},
		{name: "ArchiveCustomer/ToExpire", run: func(ctx context.Context) error {
			_, err := c.ArchiveCustomer(ctx, base.cust.ID, customerVersion(ctx, inner, base.cust.ID))
			return held(&expiring)(err)
		}},
		{name: "Approve/Expired", run: func(context.Context) error {
			_, err := later.Approve(bob, expiring.ID, expiring.Version)
			if errors.Is(err, crm.ErrTransition) {
				return nil // marked expired: the answer of a request past its expiry
			}
			if err == nil {
				return errors.New("storetest: an expired request was approved")
			}
			return err
		}},
		{name: "ConsumeEvents", setup: func(ctx context.Context) error {
			// One event left to deliver: ConsumeEvents saves its checkpoint
			// after each event, so a run over several is atomic per event.
			seq, _, err := lastEventSeq(ctx, inner)
			if err != nil {
				return err
			}
			return inner.SaveCheckpoint(ctx, faultConsumer, seq-1)
		}, run: func(ctx context.Context) error {
			n, err := c.ConsumeEvents(ctx, faultConsumer, func(context.Context, *crm.Event) error { return nil })
			if err == nil && n != 1 {
				return fmt.Errorf("storetest: ConsumeEvents delivered %d events, want 1", n)
			}
			return err
		}},
		{name: "CreateCustomer/Imported", run: func(ctx context.Context) error {
			return keepResult(&imported)(c.CreateCustomer(ctx, newCustomer("Last Corp"), crm.AllowDuplicates()))
		}},
	}
}

// ptrTo returns a pointer to v.
func ptrTo[T any](v T) *T { return &v }

// dropResults discards a result pair.
func dropResults[A, B any](_ A, _ B, err error) error { return err }

// customerVersion returns the stored version of customer id, or 0 if it
// cannot be read (the operation using it then fails on its own).
func customerVersion(ctx context.Context, s crm.Store, id string) int64 {
	cu, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return 0
	}
	return cu.Version
}

// lastEventSeq returns the Seq of the tenant's last event.
func lastEventSeq(ctx context.Context, s crm.Store) (int64, int, error) {
	var seq int64
	n := 0
	for {
		page, err := s.FindEvents(ctx, seq, crm.MaxPageLimit)
		if err != nil {
			return 0, 0, err
		}
		if len(page) == 0 {
			return seq, n, nil
		}
		n += len(page)
		seq = page[len(page)-1].Seq
	}
}

// callClientMethod calls method m of c with ctx, id for every string,
// now for every time, 1 for every integer, zero values otherwise, and
// drains the iterator it returns, if any.
func callClientMethod(ctx context.Context, c *crm.Client, m reflect.Method, id string, now time.Time) {
	args := []reflect.Value{reflect.ValueOf(c)}
	for j := 1; j < m.Type.NumIn(); j++ {
		in := m.Type.In(j)
		v := reflect.New(in).Elem()
		switch {
		case in == reflect.TypeFor[context.Context]():
			v = reflect.ValueOf(ctx)
		case m.Type.IsVariadic() && j == m.Type.NumIn()-1:
			v = reflect.MakeSlice(in, 0, 0)
		case in == reflect.TypeFor[time.Time]():
			v = reflect.ValueOf(now)
		case in == reflect.TypeFor[crm.EntityKind]():
			v.SetString(string(crm.EntityCustomer))
		case in.Kind() == reflect.String:
			v.SetString(id)
		case in.Kind() == reflect.Int || in.Kind() == reflect.Int64:
			v.SetInt(1)
		case in.Kind() == reflect.Pointer:
			v = reflect.New(in.Elem())
		case in.Kind() == reflect.Interface && in.Implements(reflect.TypeFor[io.Writer]()):
			v = reflect.ValueOf(io.Discard)
		}
		args = append(args, v)
	}
	defer func() { _ = recover() }() // a nil func argument, say: what matters is what was written before
	var outs []reflect.Value
	if m.Type.IsVariadic() {
		outs = m.Func.CallSlice(args)
	} else {
		outs = m.Func.Call(args)
	}
	for _, out := range outs {
		if out.Kind() == reflect.Func && out.Type().NumIn() == 1 && !out.IsNil() {
			yield := reflect.MakeFunc(out.Type().In(0), func([]reflect.Value) []reflect.Value {
				return []reflect.Value{reflect.ValueOf(true)}
			})
			out.Call([]reflect.Value{yield})
		}
	}
}
