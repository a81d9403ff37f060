package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// guardStore is the Store a Client with [WithAuthorizer] reads and writes
// through: every method asks the Authorizer first. It holds the store it
// guards in a field rather than embedding it, so that a method added to
// [Store] does not compile until it is guarded here.
//
// Owned records (customers, deals, leads, cases, tasks) are checked
// against their owner; a listing of them gets its owner filter narrowed
// to the owners the grant reaches, so that the store's query selects only
// visible records. Records of a customer (contacts, orders, payments,
// responses, interactions, claims, ownership history) are checked against
// the customer's owner, and a listing of them must name its customers
// unless the grant reaches all records. Aggregates over many customers
// need ScopeAll. The audit and event appends are part of the write they
// record, and pass.
type guardStore struct {
	s    Store
	auth Authorizer
}

var _ Store = (*guardStore)(nil)

// grant returns what perm lets the context's actor do, or an error
// matching ErrForbidden if it has no actor or no grant of perm.
func (g *guardStore) grant(ctx context.Context, perm Permission) (grant, error) {
	return authorize(ctx, g.auth, perm)
}

// any checks that the actor holds perm in some scope: for records
// without owners.
func (g *guardStore) any(ctx context.Context, perm Permission) error {
	_, err := g.grant(ctx, perm)
	return err
}

// all checks that the actor holds perm on all records.
func (g *guardStore) all(ctx context.Context, perm Permission, what string) error {
	gr, err := g.grant(ctx, perm)
	if err == nil && !gr.all {
		err = gr.forbidden(what + " across owners")
	}
	return err
}

// owned checks perm on records owned by each of owners.
func (g *guardStore) owned(ctx context.Context, perm Permission, what string, owners ...string) error {
	gr, err := g.grant(ctx, perm)
	if err != nil {
		return err
	}
	for _, o := range owners {
		if !gr.allows(o) {
			return gr.forbidden(fmt.Sprintf("%s owned by %q", what, o))
		}
	}
	return nil
}

// ofCustomers checks perm on the records of the customers ids, through
// their owners.
func (g *guardStore) ofCustomers(ctx context.Context, perm Permission, ids ...string) error {
	gr, err := g.grant(ctx, perm)
	if err != nil || gr.all {
		return err
	}
	for _, id := range ids {
		if id == "" {
			continue
		}
		c, err := g.s.FindCustomerByID(ctx, id)
		if err != nil {
			return err
		}
		if !gr.allows(c.OwnerID) {
			return gr.forbidden(fmt.Sprintf("reach customer %s, owned by %q", id, c.OwnerID))
		}
	}
	return nil
}

// listOf checks perm for a listing of customers' records: the customers
// named, or all records when it names none.
func (g *guardStore) listOf(ctx context.Context, perm Permission, what string, customerIDs []string) error {
	if len(customerIDs) == 0 {
		return g.all(ctx, perm, "list "+what)
	}
	return g.ofCustomers(ctx, perm, customerIDs...)
}

// restrict narrows a listing's owner filter; ok false means the actor
// may see none of the records.
func (g *guardStore) restrict(ctx context.Context, perm Permission, owners *[]string) (ok bool, err error) {
	gr, err := g.grant(ctx, perm)
	if err != nil {
		return false, err
	}
	*owners, ok = gr.restrict(*owners)
	return ok, nil
}

// findOwned reads one owned record and checks perm on its owner.
func findOwned[T any](ctx context.Context, g *guardStore, perm Permission, what string, find func() (*T, error), owner func(*T) string) (*T, error) {
	gr, err := g.grant(ctx, perm)
	if err != nil {
		return nil, err
	}
	r, err := find()
	if err != nil {
		return nil, err
	}
	if o := owner(r); !gr.allows(o) {
		return nil, gr.forbidden(fmt.Sprintf("%s owned by %q", what, o))
	}
	return r, nil
}

// findOf reads one record of a customer and checks perm on the customer.
func findOf[T any](ctx context.Context, g *guardStore, perm Permission, find func() (*T, error), customer func(*T) string) (*T, error) {
	if _, err := g.grant(ctx, perm); err != nil {
		return nil, err
	}
	r, err := find()
	if err != nil {
		return nil, err
	}
	if err := g.ofCustomers(ctx, perm, customer(r)); err != nil {
		return nil, err
	}
	return r, nil
}

// updateOwned checks perm on the stored owner of a record and on the
// owner it is given.
func updateOwned[T any](ctx context.Context, g *guardStore, perm Permission, what string, find func() (*T, error), owner func(*T) string, r *T, write func() error) error {
	if _, err := findOwned(ctx, g, perm, what, find, owner); err != nil {
		return err
	}
	if err := g.owned(ctx, perm, what, owner(r)); err != nil {
		return err
	}
	return write()
}

// gate refuses a context without an actor when access control is on: for
// the methods that may answer without reaching the store.
func (c *Client) gate(ctx context.Context) error {
	if c.guarded {
		return acting(ctx)
	}
	return nil
}

// acting checks that ctx carries an actor.
func acting(ctx context.Context) error {
	if a, ok := ActorFrom(ctx); !ok || a.ID == "" {
		return fmt.Errorf("no acting user: %w", ErrForbidden)
	}
	return nil
}

func (g *guardStore) RunInTx(ctx context.Context, fn func(tx Store) error) error {
	if err := acting(ctx); err != nil {
		return err
	}
	return g.s.RunInTx(ctx, func(tx Store) error { return fn(&guardStore{s: tx, auth: g.auth}) })
}

func (g *guardStore) Close() error { return g.s.Close() }

// Customers.

func (g *guardStore) CreateCustomer(ctx context.Context, c *Customer) error {
	if err := g.owned(ctx, PermCustomerWrite, "create a customer", c.OwnerID); err != nil {
		return err
	}
	return g.s.CreateCustomer(ctx, c)
}

func (g *guardStore) CreateCustomers(ctx context.Context, cs []*Customer) error {
	for _, c := range cs {
		if err := g.owned(ctx, PermCustomerWrite, "create a customer", c.OwnerID); err != nil {
			return err
		}
	}
	return g.s.CreateCustomers(ctx, cs)
}

func (g *guardStore) FindCustomerByID(ctx context.Context, id string) (*Customer, error) {
	return findOwned(ctx, g, PermCustomerRead, "read customer "+id,
		func() (*Customer, error) { return g.s.FindCustomerByID(ctx, id) }, func(c *Customer) string { return c.OwnerID })
}

func (g *guardStore) FindCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, Cursor, error) {
	if ok, err := g.restrict(ctx, PermCustomerRead, &f.Owners); !ok || err != nil {
		return nil, "", err
	}
	return g.s.FindCustomers(ctx, f)
}

func (g *guardStore) UpdateCustomer(ctx context.Context, c *Customer) error {
	find := func() (*Customer, error) { return g.s.FindCustomerByID(ctx, c.ID) }
	owner := func(c *Customer) string { return c.OwnerID }
	stored, err := findOwned(ctx, g, PermCustomerWrite, "change customer "+c.ID, find, owner)
	if err != nil {
		return err
	}
	if err := g.owned(ctx, PermCustomerWrite, "give customer "+c.ID, c.OwnerID); err != nil {
		return err
	}
	if stored.ArchivedAt.IsZero() && !c.ArchivedAt.IsZero() {
		if err := g.owned(ctx, PermCustomerDelete, "archive customer "+c.ID, stored.OwnerID); err != nil {
			return err
		}
	}
	return g.s.UpdateCustomer(ctx, c)
}

// Contacts.

func (g *guardStore) CreateContact(ctx context.Context, ct *Contact) error {
	if err := g.ofCustomers(ctx, PermCustomerWrite, ct.CustomerID); err != nil {
		return err
	}
	return g.s.CreateContact(ctx, ct)
}

func (g *guardStore) FindContactByID(ctx context.Context, id string) (*Contact, error) {
	return findOf(ctx, g, PermCustomerRead, func() (*Contact, error) { return g.s.FindContactByID(ctx, id) },
		func(ct *Contact) string { return ct.CustomerID })
}

func (g *guardStore) FindContacts(ctx context.Context, f ContactFilter) ([]*Contact, Cursor, error) {
	var ids []string
	if f.CustomerID != "" {
		ids = []string{f.CustomerID}
	}
	if err := g.listOf(ctx, PermCustomerRead, "contacts", ids); err != nil {
		return nil, "", err
	}
	return g.s.FindContacts(ctx, f)
}

func (g *guardStore) UpdateContact(ctx context.Context, ct *Contact) error {
	stored, err := findOf(ctx, g, PermCustomerWrite, func() (*Contact, error) { return g.s.FindContactByID(ctx, ct.ID) },
		func(ct *Contact) string { return ct.CustomerID })
	if err != nil {
		return err
	}
	if ct.CustomerID != stored.CustomerID {
		if err := g.ofCustomers(ctx, PermCustomerWrite, ct.CustomerID); err != nil {
			return err
		}
	}
	return g.s.UpdateContact(ctx, ct)
}

func (g *guardStore) DeleteContact(ctx context.Context, id string, version int64) error {
	if _, err := findOf(ctx, g, PermCustomerWrite, func() (*Contact, error) { return g.s.FindContactByID(ctx, id) },
		func(ct *Contact) string { return ct.CustomerID }); err != nil {
		return err
	}
	return g.s.DeleteContact(ctx, id, version)
}

// move checks a merge's move of child records: writing both customers.
func (g *guardStore) move(ctx context.Context, fromID, toID string, move func() (int, error)) (int, error) {
	if err := g.ofCustomers(ctx, PermCustomerWrite, fromID, toID); err != nil {
		return 0, err
	}
	return move()
}

func (g *guardStore) MoveContacts(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveContacts(ctx, fromID, toID, at, by) })
}

// Pipelines and opportunities.

func (g *guardStore) CreatePipeline(ctx context.Context, p *Pipeline) error {
	if err := g.any(ctx, PermPipelineWrite); err != nil {
		return err
	}
	return g.s.CreatePipeline(ctx, p)
}

func (g *guardStore) FindPipelineByID(ctx context.Context, id string) (*Pipeline, error) {
	if err := g.any(ctx, PermOpportunityRead); err != nil {
		return nil, err
	}
	return g.s.FindPipelineByID(ctx, id)
}

func (g *guardStore) FindPipelines(ctx context.Context) ([]*Pipeline, error) {
	if err := g.any(ctx, PermOpportunityRead); err != nil {
		return nil, err
	}
	return g.s.FindPipelines(ctx)
}

func (g *guardStore) UpdatePipeline(ctx context.Context, p *Pipeline) error {
	if err := g.any(ctx, PermPipelineWrite); err != nil {
		return err
	}
	return g.s.UpdatePipeline(ctx, p)
}

func oppOwner(o *Opportunity) string { return o.OwnerID }

func (g *guardStore) CreateOpportunity(ctx context.Context, o *Opportunity) error {
	if err := g.owned(ctx, PermOpportunityWrite, "create a deal", o.OwnerID); err != nil {
		return err
	}
	return g.s.CreateOpportunity(ctx, o)
}

func (g *guardStore) FindOpportunityByID(ctx context.Context, id string) (*Opportunity, error) {
	return findOwned(ctx, g, PermOpportunityRead, "read deal "+id, func() (*Opportunity, error) { return g.s.FindOpportunityByID(ctx, id) }, oppOwner)
}

func (g *guardStore) FindOpportunities(ctx context.Context, f OpportunityFilter) ([]*Opportunity, Cursor, error) {
	if ok, err := g.restrict(ctx, PermOpportunityRead, &f.Owners); !ok || err != nil {
		return nil, "", err
	}
	return g.s.FindOpportunities(ctx, f)
}

func (g *guardStore) UpdateOpportunity(ctx context.Context, o *Opportunity) error {
	return updateOwned(ctx, g, PermOpportunityWrite, "change deal "+o.ID,
		func() (*Opportunity, error) { return g.s.FindOpportunityByID(ctx, o.ID) }, oppOwner, o,
		func() error { return g.s.UpdateOpportunity(ctx, o) })
}

func (g *guardStore) AddOpportunityChange(ctx context.Context, ch *OpportunityChange) error {
	if _, err := g.FindOpportunityByID(ctx, ch.OpportunityID); err != nil {
		return err
	}
	return g.s.AddOpportunityChange(ctx, ch)
}

func (g *guardStore) FindOpportunityChanges(ctx context.Context, f OpportunityChangeFilter) ([]*OpportunityChange, Cursor, error) {
	if len(f.OpportunityIDs) == 0 {
		if err := g.all(ctx, PermOpportunityRead, "list deal histories"); err != nil {
			return nil, "", err
		}
	}
	for _, id := range f.OpportunityIDs {
		if _, err := g.FindOpportunityByID(ctx, id); err != nil {
			return nil, "", err
		}
	}
	return g.s.FindOpportunityChanges(ctx, f)
}

func (g *guardStore) MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveOpportunities(ctx, fromID, toID, at, by) })
}

// Leads.

func leadOwner(l *Lead) string { return l.OwnerID }

func (g *guardStore) CreateLead(ctx context.Context, l *Lead) error {
	if err := g.owned(ctx, PermLeadWrite, "create a lead", l.OwnerID); err != nil {
		return err
	}
	return g.s.CreateLead(ctx, l)
}

func (g *guardStore) FindLeadByID(ctx context.Context, id string) (*Lead, error) {
	return findOwned(ctx, g, PermLeadRead, "read lead "+id, func() (*Lead, error) { return g.s.FindLeadByID(ctx, id) }, leadOwner)
}

func (g *guardStore) FindLeads(ctx context.Context, f LeadFilter) ([]*Lead, Cursor, error) {
	if ok, err := g.restrict(ctx, PermLeadRead, &f.Owners); !ok || err != nil {
		return nil, "", err
	}
	return g.s.FindLeads(ctx, f)
}

func (g *guardStore) UpdateLead(ctx context.Context, l *Lead) error {
	return updateOwned(ctx, g, PermLeadWrite, "change lead "+l.ID,
		func() (*Lead, error) { return g.s.FindLeadByID(ctx, l.ID) }, leadOwner, l,
		func() error { return g.s.UpdateLead(ctx, l) })
}

func (g *guardStore) MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveLeads(ctx, fromID, toID, at, by) })
}

// Orders and payments.

func (g *guardStore) CreateOrder(ctx context.Context, o *Order) error {
	if err := g.ofCustomers(ctx, PermOrderWrite, o.CustomerID); err != nil {
		return err
	}
	return g.s.CreateOrder(ctx, o)
}

func (g *guardStore) FindOrderByID(ctx context.Context, id string) (*Order, error) {
	return findOf(ctx, g, PermOrderRead, func() (*Order, error) { return g.s.FindOrderByID(ctx, id) },
		func(o *Order) string { return o.CustomerID })
}

func (g *guardStore) FindOrders(ctx context.Context, f OrderFilter) ([]*Order, Cursor, error) {
	if err := g.listOf(ctx, PermOrderRead, "orders", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.FindOrders(ctx, f)
}

func (g *guardStore) UpdateOrder(ctx context.Context, o *Order) error {
	if _, err := findOf(ctx, g, PermOrderWrite, func() (*Order, error) { return g.s.FindOrderByID(ctx, o.ID) },
		func(o *Order) string { return o.CustomerID }); err != nil {
		return err
	}
	if err := g.ofCustomers(ctx, PermOrderWrite, o.CustomerID); err != nil {
		return err
	}
	return g.s.UpdateOrder(ctx, o)
}

func (g *guardStore) MoveOrders(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveOrders(ctx, fromID, toID, at, by) })
}

func (g *guardStore) CustomerExposure(ctx context.Context, customerID string) ([]Money, error) {
	if err := g.ofCustomers(ctx, PermOrderRead, customerID); err != nil {
		return nil, err
	}
	return g.s.CustomerExposure(ctx, customerID)
}

func (g *guardStore) PurchaseSummaries(ctx context.Context, f PurchaseSummaryFilter) ([]PurchaseSummary, Cursor, error) {
	if err := g.listOf(ctx, PermOrderRead, "purchase summaries", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.PurchaseSummaries(ctx, f)
}

func (g *guardStore) PurchaseCohorts(ctx context.Context, f PurchaseCohortFilter) ([]CohortCount, error) {
	if err := g.all(ctx, PermOrderRead, "count purchase cohorts"); err != nil {
		return nil, err
	}
	return g.s.PurchaseCohorts(ctx, f)
}

func (g *guardStore) CreatePayment(ctx context.Context, p *Payment) error {
	if err := g.ofCustomers(ctx, PermOrderWrite, p.CustomerID); err != nil {
		return err
	}
	return g.s.CreatePayment(ctx, p)
}

func (g *guardStore) FindPayments(ctx context.Context, f PaymentFilter) ([]*Payment, Cursor, error) {
	if len(f.OrderIDs) > 0 && len(f.CustomerIDs) == 0 {
		for _, id := range f.OrderIDs {
			if _, err := g.FindOrderByID(ctx, id); err != nil {
				return nil, "", err
			}
		}
	} else if err := g.listOf(ctx, PermOrderRead, "payments", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.FindPayments(ctx, f)
}

func (g *guardStore) MovePayments(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MovePayments(ctx, fromID, toID, at, by) })
}

// Cases.

func caseOwner(c *Case) string { return c.OwnerID }

func (g *guardStore) CreateCase(ctx context.Context, c *Case) error {
	if err := g.owned(ctx, PermCaseWrite, "open a case", c.OwnerID); err != nil {
		return err
	}
	return g.s.CreateCase(ctx, c)
}

func (g *guardStore) FindCaseByID(ctx context.Context, id string) (*Case, error) {
	return findOwned(ctx, g, PermCaseRead, "read case "+id, func() (*Case, error) { return g.s.FindCaseByID(ctx, id) }, caseOwner)
}

func (g *guardStore) FindCases(ctx context.Context, f CaseFilter) ([]*Case, Cursor, error) {
	if ok, err := g.restrict(ctx, PermCaseRead, &f.Owners); !ok || err != nil {
		return nil, "", err
	}
	return g.s.FindCases(ctx, f)
}

func (g *guardStore) UpdateCase(ctx context.Context, c *Case) error {
	return updateOwned(ctx, g, PermCaseWrite, "change case "+c.ID,
		func() (*Case, error) { return g.s.FindCaseByID(ctx, c.ID) }, caseOwner, c,
		func() error { return g.s.UpdateCase(ctx, c) })
}

func (g *guardStore) AddCaseChange(ctx context.Context, ch *CaseChange) error {
	if _, err := g.FindCaseByID(ctx, ch.CaseID); err != nil {
		return err
	}
	return g.s.AddCaseChange(ctx, ch)
}

func (g *guardStore) FindCaseChanges(ctx context.Context, f CaseChangeFilter) ([]*CaseChange, Cursor, error) {
	if len(f.CaseIDs) == 0 {
		if err := g.all(ctx, PermCaseRead, "list case histories"); err != nil {
			return nil, "", err
		}
	}
	for _, id := range f.CaseIDs {
		if _, err := g.FindCaseByID(ctx, id); err != nil {
			return nil, "", err
		}
	}
	return g.s.FindCaseChanges(ctx, f)
}

func (g *guardStore) MoveCases(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveCases(ctx, fromID, toID, at, by) })
}

// Interactions, contact claims, tasks and ownership history.

func (g *guardStore) CreateInteraction(ctx context.Context, i *Interaction) error {
	if err := g.ofCustomers(ctx, PermActivityWrite, i.CustomerID); err != nil {
		return err
	}
	return g.s.CreateInteraction(ctx, i)
}

func (g *guardStore) FindInteractionByID(ctx context.Context, id string) (*Interaction, error) {
	return findOf(ctx, g, PermActivityRead, func() (*Interaction, error) { return g.s.FindInteractionByID(ctx, id) },
		func(i *Interaction) string { return i.CustomerID })
}

func (g *guardStore) FindInteractions(ctx context.Context, f InteractionFilter) ([]*Interaction, Cursor, error) {
	if err := g.listOf(ctx, PermActivityRead, "interactions", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.FindInteractions(ctx, f)
}

func (g *guardStore) UpdateInteraction(ctx context.Context, i *Interaction) error {
	if _, err := findOf(ctx, g, PermActivityWrite, func() (*Interaction, error) { return g.s.FindInteractionByID(ctx, i.ID) },
		func(i *Interaction) string { return i.CustomerID }); err != nil {
		return err
	}
	return g.s.UpdateInteraction(ctx, i)
}

func (g *guardStore) DeleteInteraction(ctx context.Context, id string, version int64) error {
	if _, err := findOf(ctx, g, PermActivityWrite, func() (*Interaction, error) { return g.s.FindInteractionByID(ctx, id) },
		func(i *Interaction) string { return i.CustomerID }); err != nil {
		return err
	}
	return g.s.DeleteInteraction(ctx, id, version)
}

func (g *guardStore) LastContacts(ctx context.Context, customerIDs []string) ([]LastContact, error) {
	if err := g.listOf(ctx, PermActivityRead, "last contacts", customerIDs); err != nil {
		return nil, err
	}
	return g.s.LastContacts(ctx, customerIDs)
}

func (g *guardStore) MoveInteractions(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveInteractions(ctx, fromID, toID, at, by) })
}

func (g *guardStore) CreateContactClaim(ctx context.Context, c *ContactClaim) error {
	if err := g.ofCustomers(ctx, PermActivityWrite, c.CustomerID); err != nil {
		return err
	}
	return g.s.CreateContactClaim(ctx, c)
}

func (g *guardStore) LastContactClaim(ctx context.Context, customerID string) (*ContactClaim, error) {
	if err := g.ofCustomers(ctx, PermActivityRead, customerID); err != nil {
		return nil, err
	}
	return g.s.LastContactClaim(ctx, customerID)
}

func (g *guardStore) FindContactClaims(ctx context.Context, f ContactClaimFilter) ([]*ContactClaim, Cursor, error) {
	if err := g.listOf(ctx, PermActivityRead, "contact claims", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.FindContactClaims(ctx, f)
}

func taskOwner(t *Task) string { return t.OwnerID }

func (g *guardStore) CreateTask(ctx context.Context, t *Task) error {
	if err := g.owned(ctx, PermActivityWrite, "create a task", t.OwnerID); err != nil {
		return err
	}
	return g.s.CreateTask(ctx, t)
}

func (g *guardStore) FindTaskByID(ctx context.Context, id string) (*Task, error) {
	return findOwned(ctx, g, PermActivityRead, "read task "+id, func() (*Task, error) { return g.s.FindTaskByID(ctx, id) }, taskOwner)
}

func (g *guardStore) FindTasks(ctx context.Context, f TaskFilter) ([]*Task, Cursor, error) {
	if ok, err := g.restrict(ctx, PermActivityRead, &f.Owners); !ok || err != nil {
		return nil, "", err
	}
	return g.s.FindTasks(ctx, f)
}

func (g *guardStore) UpdateTask(ctx context.Context, t *Task) error {
	return updateOwned(ctx, g, PermActivityWrite, "change task "+t.ID,
		func() (*Task, error) { return g.s.FindTaskByID(ctx, t.ID) }, taskOwner, t,
		func() error { return g.s.UpdateTask(ctx, t) })
}

func (g *guardStore) MoveTasks(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveTasks(ctx, fromID, toID, at, by) })
}

// AddOwnerChange passes for an acting user: the entry is written by the
// update that changed the owner, which was checked.
func (g *guardStore) AddOwnerChange(ctx context.Context, ch *OwnerChange) error {
	if err := acting(ctx); err != nil {
		return err
	}
	return g.s.AddOwnerChange(ctx, ch)
}

func (g *guardStore) FindOwnerChanges(ctx context.Context, f OwnerChangeFilter) ([]*OwnerChange, Cursor, error) {
	if err := g.listOf(ctx, PermActivityRead, "ownership history", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.FindOwnerChanges(ctx, f)
}

func (g *guardStore) MoveOwnerChanges(ctx context.Context, fromID, toID string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveOwnerChanges(ctx, fromID, toID) })
}

// Segments and surveys: records without owners.

func (g *guardStore) CreateSegment(ctx context.Context, s *Segment) error {
	if err := g.any(ctx, PermSegmentWrite); err != nil {
		return err
	}
	return g.s.CreateSegment(ctx, s)
}

func (g *guardStore) FindSegmentByID(ctx context.Context, id string) (*Segment, error) {
	if err := g.any(ctx, PermSegmentRead); err != nil {
		return nil, err
	}
	return g.s.FindSegmentByID(ctx, id)
}

func (g *guardStore) FindSegments(ctx context.Context, f SegmentFilter) ([]*Segment, Cursor, error) {
	if err := g.any(ctx, PermSegmentRead); err != nil {
		return nil, "", err
	}
	return g.s.FindSegments(ctx, f)
}

func (g *guardStore) UpdateSegment(ctx context.Context, s *Segment) error {
	if err := g.any(ctx, PermSegmentWrite); err != nil {
		return err
	}
	return g.s.UpdateSegment(ctx, s)
}

func (g *guardStore) CreateSegmentSnapshot(ctx context.Context, snap *SegmentSnapshot, memberIDs []string) error {
	if err := g.all(ctx, PermSegmentWrite, "snapshot a segment"); err != nil {
		return err
	}
	return g.s.CreateSegmentSnapshot(ctx, snap, memberIDs)
}

func (g *guardStore) AddSegmentSnapshotMembers(ctx context.Context, snapshotID string, memberIDs []string) error {
	if err := g.all(ctx, PermSegmentWrite, "snapshot a segment"); err != nil {
		return err
	}
	return g.s.AddSegmentSnapshotMembers(ctx, snapshotID, memberIDs)
}

func (g *guardStore) FindLatestSegmentSnapshot(ctx context.Context, segmentID string) (*SegmentSnapshot, error) {
	if err := g.any(ctx, PermSegmentRead); err != nil {
		return nil, err
	}
	return g.s.FindLatestSegmentSnapshot(ctx, segmentID)
}

func (g *guardStore) FindSegmentSnapshotMembers(ctx context.Context, snapshotID string, after Cursor, limit int) ([]string, Cursor, error) {
	if err := g.all(ctx, PermCustomerRead, "list a snapshot's members"); err != nil {
		return nil, "", err
	}
	return g.s.FindSegmentSnapshotMembers(ctx, snapshotID, after, limit)
}

func (g *guardStore) CreateSurvey(ctx context.Context, s *Survey) error {
	if err := g.any(ctx, PermSurveyWrite); err != nil {
		return err
	}
	return g.s.CreateSurvey(ctx, s)
}

func (g *guardStore) FindSurveyByID(ctx context.Context, id string) (*Survey, error) {
	if err := g.any(ctx, PermSurveyRead); err != nil {
		return nil, err
	}
	return g.s.FindSurveyByID(ctx, id)
}

func (g *guardStore) FindSurveys(ctx context.Context, f SurveyFilter) ([]*Survey, Cursor, error) {
	if err := g.any(ctx, PermSurveyRead); err != nil {
		return nil, "", err
	}
	return g.s.FindSurveys(ctx, f)
}

func (g *guardStore) UpdateSurvey(ctx context.Context, s *Survey) error {
	if err := g.any(ctx, PermSurveyWrite); err != nil {
		return err
	}
	return g.s.UpdateSurvey(ctx, s)
}

func (g *guardStore) CreateResponse(ctx context.Context, r *Response) error {
	if err := g.ofCustomers(ctx, PermSurveyWrite, r.CustomerID); err != nil {
		return err
	}
	return g.s.CreateResponse(ctx, r)
}

func (g *guardStore) FindResponseByID(ctx context.Context, id string) (*Response, error) {
	return findOf(ctx, g, PermSurveyRead, func() (*Response, error) { return g.s.FindResponseByID(ctx, id) },
		func(r *Response) string { return r.CustomerID })
}

func (g *guardStore) FindResponses(ctx context.Context, f ResponseFilter) ([]*Response, Cursor, error) {
	if err := g.listOf(ctx, PermSurveyRead, "responses", f.CustomerIDs); err != nil {
		return nil, "", err
	}
	return g.s.FindResponses(ctx, f)
}

func (g *guardStore) MoveResponses(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return g.move(ctx, fromID, toID, func() (int, error) { return g.s.MoveResponses(ctx, fromID, toID, at, by) })
}

func (g *guardStore) ResponseScores(ctx context.Context, f ResponseFilter) ([]ScoreCount, error) {
	if err := g.listOf(ctx, PermSurveyRead, "survey scores", f.CustomerIDs); err != nil {
		return nil, err
	}
	return g.s.ResponseScores(ctx, f)
}

// The audit history and the outbox.

func (g *guardStore) AppendAudit(ctx context.Context, entries []*AuditEntry) error {
	if err := acting(ctx); err != nil {
		return err
	}
	return g.s.AppendAudit(ctx, entries)
}

func (g *guardStore) FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, Cursor, error) {
	if err := g.all(ctx, PermAuditRead, "read the audit history"); err != nil {
		return nil, "", err
	}
	return g.s.FindAudit(ctx, f)
}

func (g *guardStore) AuditHead(ctx context.Context) (int64, string, error) {
	if err := g.all(ctx, PermAuditRead, "read the audit history"); err != nil {
		return 0, "", err
	}
	return g.s.AuditHead(ctx)
}

func (g *guardStore) AppendEvents(ctx context.Context, events []*Event) error {
	if err := acting(ctx); err != nil {
		return err
	}
	return g.s.AppendEvents(ctx, events)
}

func (g *guardStore) FindEvents(ctx context.Context, after int64, limit int) ([]*Event, error) {
	if err := g.all(ctx, PermEventsRead, "read events"); err != nil {
		return nil, err
	}
	return g.s.FindEvents(ctx, after, limit)
}

func (g *guardStore) Checkpoint(ctx context.Context, consumer string) (int64, error) {
	if err := g.all(ctx, PermEventsRead, "read events"); err != nil {
		return 0, err
	}
	return g.s.Checkpoint(ctx, consumer)
}

func (g *guardStore) SaveCheckpoint(ctx context.Context, consumer string, seq int64) error {
	if err := g.all(ctx, PermEventsRead, "read events"); err != nil {
		return err
	}
	return g.s.SaveCheckpoint(ctx, consumer, seq)
}

// Approval requests: any acting user may ask, and read the requests it
// made or those of customers it may read; deciding is checked by the
// Client against the kind's permission, and the approved operation by
// this guard as any other.

func (g *guardStore) CreateApproval(ctx context.Context, r *ApprovalRequest) error {
	if err := acting(ctx); err != nil {
		return err
	}
	return g.s.CreateApproval(ctx, r)
}

// readsApproval reports whether the actor of gr may read r: its own
// request, or one of a customer gr reaches. gr is that of customer:read,
// with ok false if the actor holds none.
func (g *guardStore) readsApproval(ctx context.Context, gr grant, ok bool, r *ApprovalRequest) (bool, error) {
	switch {
	case r.RequestedBy == actorID(ctx) || ok && gr.all:
		return true, nil
	case !ok:
		return false, nil
	}
	c, err := g.s.FindCustomerByID(ctx, r.CustomerID)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return gr.allows(c.OwnerID), nil
}

func (g *guardStore) FindApprovalByID(ctx context.Context, id string) (*ApprovalRequest, error) {
	if err := acting(ctx); err != nil {
		return nil, err
	}
	gr, grErr := g.grant(ctx, PermCustomerRead)
	r, err := g.s.FindApprovalByID(ctx, id)
	if err != nil {
		return nil, err
	}
	switch ok, err := g.readsApproval(ctx, gr, grErr == nil, r); {
	case err != nil:
		return nil, err
	case !ok && grErr != nil:
		return nil, grErr
	case !ok:
		return nil, gr.forbidden("read approval request " + id + " of customer " + r.CustomerID)
	}
	return r, nil
}

// FindApprovals leaves out of each page the requests the actor may not
// read, so that a page may hold fewer than its limit.
func (g *guardStore) FindApprovals(ctx context.Context, f ApprovalFilter) ([]*ApprovalRequest, Cursor, error) {
	if err := acting(ctx); err != nil {
		return nil, "", err
	}
	gr, grErr := g.grant(ctx, PermCustomerRead)
	page, next, err := g.s.FindApprovals(ctx, f)
	if err != nil {
		return nil, "", err
	}
	out := page[:0]
	for _, r := range page {
		ok, err := g.readsApproval(ctx, gr, grErr == nil, r)
		if err != nil {
			return nil, "", err
		}
		if ok {
			out = append(out, r)
		}
	}
	return out, next, nil
}

func (g *guardStore) UpdateApproval(ctx context.Context, r *ApprovalRequest) error {
	if err := acting(ctx); err != nil {
		return err
	}
	return g.s.UpdateApproval(ctx, r)
}

// MovePayment needs order:write on all records: a payment cannot be read
// by its ID, so its customer is not known here. (Undoing a merge moves
// payments one by one.)
func (g *guardStore) MovePayment(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	if err := g.all(ctx, PermOrderWrite, "move payment "+id); err != nil {
		return err
	}
	return g.s.MovePayment(ctx, id, version, toID, at, by)
}

func (g *guardStore) MoveResponse(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error {
	if _, err := findOf(ctx, g, PermSurveyWrite, func() (*Response, error) { return g.s.FindResponseByID(ctx, id) },
		func(r *Response) string { return r.CustomerID }); err != nil {
		return err
	}
	if err := g.ofCustomers(ctx, PermSurveyWrite, toID); err != nil {
		return err
	}
	return g.s.MoveResponse(ctx, id, version, toID, at, by)
}

// Erasure: the Client checks customer:delete on all records before it
// erases, and writes around this guard; these pass only for such a
// grant.

func (g *guardStore) EraseLog(ctx context.Context, entity EntityKind, ids []string) error {
	if err := g.all(ctx, PermCustomerDelete, "erase history"); err != nil {
		return err
	}
	return g.s.EraseLog(ctx, entity, ids)
}

func (g *guardStore) EraseResponseComments(ctx context.Context, customerID string, at time.Time, by string) (int, error) {
	if err := g.all(ctx, PermCustomerDelete, "erase response comments"); err != nil {
		return 0, err
	}
	return g.s.EraseResponseComments(ctx, customerID, at, by)
}
