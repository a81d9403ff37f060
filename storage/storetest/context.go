package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// ctxFixture is what the context subtests call methods on: a customer
// with a contact and a deal with one history entry, a pipeline, another
// customer to move to, and one record of each kind not stored yet.
type ctxFixture struct {
	cust, target, newCust *crm.Customer
	ct, newCt             *crm.Contact
	pipeline, newPipeline *crm.Pipeline
	opp, newOpp           *crm.Opportunity
	change, newChange     *crm.OpportunityChange
	lead, newLead         *crm.Lead // lead is converted into cust
}

func seedCtxFixture(tb testing.TB, s crm.Store) *ctxFixture {
	tb.Helper()
	ids := new(crm.UUIDv7)
	fx := &ctxFixture{
		cust:   newCustomer(ids, "Existing"),
		target: newCustomer(ids, "Target"),
	}
	fx.ct = newContact(ids, fx.cust.ID, "Existing contact")
	fx.newCust = newCustomer(ids, "Never stored")
	fx.newCt = newContact(ids, fx.cust.ID, "Never stored")
	fx.pipeline = newPipeline(ids, "Existing pipeline")
	fx.newPipeline = newPipeline(ids, "Never stored")
	fx.opp = newOpportunity(ids, fx.cust.ID, fx.pipeline.ID, "Existing deal")
	fx.newOpp = newOpportunity(ids, fx.cust.ID, fx.pipeline.ID, "Never stored")
	fx.change = newChange(fx.opp.ID, 1, "", "collection")
	fx.newChange = newChange(fx.opp.ID, 2, "collection", "proposal")
	mustCreateCustomer(tb, s, fx.cust)
	mustCreateCustomer(tb, s, fx.target)
	mustCreateContact(tb, s, fx.ct)
	mustCreatePipeline(tb, s, fx.pipeline)
	mustCreateOpportunity(tb, s, fx.opp)
	mustAddChange(tb, s, fx.change)
	fx.lead, fx.newLead = newLead(ids, "Existing lead"), newLead(ids, "Never stored")
	fx.lead.Status, fx.lead.CustomerID = crm.LeadConverted, fx.cust.ID
	mustCreateLead(tb, s, fx.lead)
	return fx
}

// ctxCall is one Store method called with a given context. It returns the
// method's error.
type ctxCall struct {
	method string
	call   func(ctx context.Context, s crm.Store, fx *ctxFixture) error
}

// ctxCalls calls every method of the Store once, with arguments that
// would succeed under a live context.
func ctxCalls() []ctxCall {
	return []ctxCall{
		{"CreateCustomer", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.CreateCustomer(ctx, fx.newCust.Clone())
		}},
		{"FindCustomerByID", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.FindCustomerByID(ctx, fx.cust.ID)
			return err
		}},
		{"FindCustomers", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, _, err := s.FindCustomers(ctx, crm.CustomerFilter{})
			return err
		}},
		{"UpdateCustomer", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			u := fx.cust.Clone()
			u.Name = "Updated under a dead context"
			return s.UpdateCustomer(ctx, u)
		}},
		{"CreateContact", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.CreateContact(ctx, fx.newCt.Clone())
		}},
		{"FindContactByID", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.FindContactByID(ctx, fx.ct.ID)
			return err
		}},
		{"FindContacts", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, _, err := s.FindContacts(ctx, crm.ContactFilter{CustomerID: fx.cust.ID})
			return err
		}},
		{"UpdateContact", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			u := fx.ct.Clone()
			u.Name = "Updated under a dead context"
			return s.UpdateContact(ctx, u)
		}},
		{"DeleteContact", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.DeleteContact(ctx, fx.ct.ID, fx.ct.Version)
		}},
		{"MoveContacts", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.MoveContacts(ctx, fx.cust.ID, fx.target.ID, fineTime(70), "u-dead")
			return err
		}},
		{"CreatePipeline", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.CreatePipeline(ctx, fx.newPipeline.Clone())
		}},
		{"FindPipelineByID", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.FindPipelineByID(ctx, fx.pipeline.ID)
			return err
		}},
		{"FindPipelines", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.FindPipelines(ctx)
			return err
		}},
		{"UpdatePipeline", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			u := fx.pipeline.Clone()
			u.Name = "Updated under a dead context"
			return s.UpdatePipeline(ctx, u)
		}},
		{"CreateOpportunity", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.CreateOpportunity(ctx, fx.newOpp.Clone())
		}},
		{"FindOpportunityByID", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.FindOpportunityByID(ctx, fx.opp.ID)
			return err
		}},
		{"FindOpportunities", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, _, err := s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: []string{fx.cust.ID}})
			return err
		}},
		{"UpdateOpportunity", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			u := fx.opp.Clone()
			u.Name = "Updated under a dead context"
			return s.UpdateOpportunity(ctx, u)
		}},
		{"AddOpportunityChange", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			ch := *fx.newChange
			return s.AddOpportunityChange(ctx, &ch)
		}},
		{"FindOpportunityChanges", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, _, err := s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{})
			return err
		}},
		{"MoveOpportunities", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.MoveOpportunities(ctx, fx.cust.ID, fx.target.ID, fineTime(71), "u-dead")
			return err
		}},
		{"CreateLead", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.CreateLead(ctx, fx.newLead.Clone())
		}},
		{"FindLeadByID", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.FindLeadByID(ctx, fx.lead.ID)
			return err
		}},
		{"FindLeads", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, _, err := s.FindLeads(ctx, crm.LeadFilter{CustomerIDs: []string{fx.cust.ID}})
			return err
		}},
		{"UpdateLead", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			u := fx.lead.Clone()
			u.Name = "Updated under a dead context"
			return s.UpdateLead(ctx, u)
		}},
		{"MoveLeads", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			_, err := s.MoveLeads(ctx, fx.cust.ID, fx.target.ID, fineTime(72), "u-dead")
			return err
		}},
		{"RunInTx", func(ctx context.Context, s crm.Store, fx *ctxFixture) error {
			return s.RunInTx(ctx, func(tx crm.Store) error {
				// Whether fn runs at all is up to the store; if it does,
				// its write must not survive.
				_ = tx.CreateCustomer(ctx, fx.newCust.Clone())
				return nil
			})
		}},
	}
}

// assertCtxNoChange checks that fx is stored as seeded and nothing more.
func assertCtxNoChange(tb testing.TB, s crm.Store, fx *ctxFixture, msgAndArgs ...any) {
	tb.Helper()
	assertStoredCustomer(tb, s, fx.cust, msgAndArgs...)
	assertStoredContact(tb, s, fx.ct, msgAndArgs...)
	assertNoCustomer(tb, s, fx.newCust.ID, msgAndArgs...)
	assertNoContact(tb, s, fx.newCt.ID, msgAndArgs...)
	assertStoredPipeline(tb, s, fx.pipeline, msgAndArgs...)
	assertNoPipeline(tb, s, fx.newPipeline.ID, msgAndArgs...)
	assertStoredOpportunity(tb, s, fx.opp, msgAndArgs...)
	assertNoOpportunity(tb, s, fx.newOpp.ID, msgAndArgs...)
	assertHistory(tb, s, crm.OpportunityChangeFilter{}, []*crm.OpportunityChange{fx.change}, msgAndArgs...)
	assertStoredLead(tb, s, fx.lead, msgAndArgs...)
	assertNoLead(tb, s, fx.newLead.ID, msgAndArgs...)
}

// testContextCanceled calls every method with a cancelled context: each
// must fail with an error matching context.Canceled and change nothing.
func testContextCanceled(t *testing.T, s crm.Store) {
	fx := seedCtxFixture(t, s)
	for _, c := range ctxCalls() {
		t.Run(c.method, func(t *testing.T) {
			err := c.call(canceled(t), s, fx)
			assert.ErrorIs(t, err, context.Canceled, "%s with a cancelled context", c.method)
			assertCtxNoChange(t, s, fx, "after %s with a cancelled context", c.method)
		})
	}
}

// testContextCanceledInTx calls every method of a transaction's Store
// with a cancelled context, inside a transaction whose own context lives.
func testContextCanceledInTx(t *testing.T, s crm.Store) {
	fx := seedCtxFixture(t, s)
	for _, c := range ctxCalls() {
		t.Run(c.method, func(t *testing.T) {
			var inner error
			err := s.RunInTx(t.Context(), func(tx crm.Store) error {
				inner = c.call(canceled(t), tx, fx)
				return inner
			})
			assert.ErrorIs(t, inner, context.Canceled, "%s with a cancelled context inside a transaction", c.method)
			assert.ErrorIs(t, err, context.Canceled, "RunInTx must return fn's error")
			assertCtxNoChange(t, s, fx, "after %s with a cancelled context inside a transaction", c.method)
		})
	}
}

// testContextDeadlineExceeded calls a reading and a writing method with a
// context past its deadline: the error must match
// context.DeadlineExceeded, the context's own error.
func testContextDeadlineExceeded(t *testing.T, s crm.Store) {
	fx := seedCtxFixture(t, s)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	require.ErrorIs(t, ctx.Err(), context.DeadlineExceeded)

	_, err := s.FindCustomerByID(ctx, fx.cust.ID)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "FindCustomerByID past the deadline")
	u := fx.cust.Clone()
	u.Name = "Updated past the deadline"
	err = s.UpdateCustomer(ctx, u)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "UpdateCustomer past the deadline")
	assertCtxNoChange(t, s, fx, "after calls past the deadline")
}
