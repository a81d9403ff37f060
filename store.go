package crm

import (
	"context"
	"iter"
	"slices"
	"time"
)

// Store persists CRM data. The [Client] owns validation, IDs, timestamps
// and business rules; a Store only keeps and finds records, so every
// adapter behaves the same. storage/storetest is the executable form of
// this contract: every implementation must pass it.
//
// Implementations must be safe for concurrent use by multiple goroutines,
// must keep times in UTC at microsecond precision and decimals exactly,
// must return copies (a caller mutating a returned value, or a value after
// passing it in, never changes what is stored), and must report failures
// with the crm sentinels ([ErrNotFound], [ErrConflict], [ErrDuplicate]),
// never a driver's own error unwrapped. A method called with a cancelled
// context returns an error matching the context's error.
//
// Tenants: every method works within the tenant of its context
// ([TenantFrom]; "" is a tenant too). A create stores the record in that
// tenant; every read, update, delete, move, listing, count and aggregate
// sees that tenant's records only, and a record of another tenant is not
// found ([ErrNotFound]), as if it did not exist. The audit history, the
// events, their numbering and the consumers' checkpoints are kept per
// tenant. A transaction works in the tenant of the context RunInTx is
// called with. IDs are unique across tenants (the Client's generator
// makes them so); a Store may refuse an ID another tenant holds with
// [ErrDuplicate].
type Store interface {
	CustomerStore
	ContactStore
	PipelineStore
	OpportunityStore
	LeadStore
	OrderStore
	SegmentStore
	CaseStore
	SurveyStore
	InteractionStore
	TaskStore
	OwnershipStore
	LogStore
	ApprovalStore

	// RunInTx calls fn with a Store whose reads and writes form one
	// transaction: if fn returns nil the writes commit together; if it
	// returns an error or panics, none of them take effect and RunInTx
	// returns fn's error (or re-panics). fn must use only the Store it is
	// given, not the one RunInTx was called on. Calling RunInTx on the
	// transaction's Store joins the transaction: a failing inner fn undoes
	// its own writes and returns its error to the outer fn. Besides fn's
	// error, it returns the context's error if ctx ends first (nothing
	// commits then) and [ErrConflict] if a concurrent writer makes the
	// transaction impossible to commit.
	RunInTx(ctx context.Context, fn func(tx Store) error) error

	// Close releases the store's resources. Every call after Close,
	// including a second Close, returns an error.
	Close() error
}

// Cursor marks a position in a listing. The zero Cursor is the start when
// passed in, and "no more pages" when returned. Cursors are opaque: pass
// back only one a Store returned, with the same filter.
type Cursor string

// DefaultPageLimit is the page size a Store uses when a filter's Limit is
// zero; MaxPageLimit is the largest page a Store must serve.
const (
	DefaultPageLimit = 100
	MaxPageLimit     = 1000
)

// CustomerFilter selects customers. Each non-zero field narrows the
// selection (all conditions must hold); a slice matches any of its values.
// Values are compared as stored, which is normalised: the Client
// normalises filters it is given (lower-cased tags and emails).
type CustomerFilter struct {
	// Owners matches customers whose OwnerID is one of these.
	Owners []string
	// Stages matches customers in one of these lifecycle stages.
	Stages []LifecycleStage
	// Industries matches customers whose Industry is one of these.
	Industries []string
	// Regions matches customers whose Region is one of these; "" in the
	// list matches customers with no region.
	Regions []string
	// Kinds matches persons, organisations or both.
	Kinds []CustomerKind
	// Tags matches customers that carry every one of these tags.
	Tags []string
	// UpdatedSince matches customers updated at or after this time.
	UpdatedSince time.Time
	// Search matches customers whose name, or one of whose email
	// addresses, starts with this text, ignoring case.
	Search string
	// IDs matches customers whose ID is one of these.
	IDs []string
	// Emails, Phones and TaxIDs match customers having exactly one of
	// these normalised email addresses, phone numbers or tax IDs.
	Emails, Phones, TaxIDs []string
	// Rule matches customers for which the condition holds, as
	// [Condition.Match] says. It may test stored fields only (see
	// [Condition.CheckStored]); a Store given any other returns an error
	// matching [ErrInvalid].
	Rule *Condition
	// IncludeArchived includes archived customers (ArchivedAt set; merged
	// customers are archived too), which are left out otherwise.
	IncludeArchived bool

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// CustomerLocker is implemented by a [Store] whose write transactions
// may run side by side, reading what others committed meanwhile (READ
// COMMITTED, as PostgreSQL and MySQL adapters run them). Without it a
// record added to a customer in one transaction could commit just after
// a merge in another had moved that customer's children, and stay behind
// with the merged-away customer. The [Client] calls LockCustomer in the
// transaction that adds or re-points a child record (contact, deal,
// order, case, interaction, task, response, contact claim, converted
// lead) and checks the customer it returns. A Store whose write
// transactions run one at a time (memory, SQLite) needs none.
type CustomerLocker interface {
	// LockCustomer returns the customer id, as committed when the lock
	// is granted, and, called on the Store of a transaction, holds a
	// shared lock on it until the transaction ends: a concurrent write
	// of the customer (a merge archiving it) waits for the transaction,
	// and the lock waits for a write under way and then returns what it
	// committed. Outside a transaction it is FindCustomerByID. Errors as
	// for FindCustomerByID.
	LockCustomer(ctx context.Context, id string) (*Customer, error)
}

// CustomerStore keeps customers.
type CustomerStore interface {
	// CreateCustomer stores c, which has its ID, timestamps and Version
	// set by the caller. It returns an error matching [ErrDuplicate] if a
	// customer with c.ID exists.
	CreateCustomer(ctx context.Context, c *Customer) error

	// CreateCustomers stores every customer of cs as CreateCustomer
	// would, all or none: it returns an error matching [ErrDuplicate],
	// storing nothing, if a customer with one of their IDs exists or two
	// of them share an ID. It is the bulk path of
	// [Client.ImportCustomers]; an adapter loads the rows the fastest way
	// its database offers (PostgreSQL: COPY). Storing none is not an
	// error.
	CreateCustomers(ctx context.Context, cs []*Customer) error

	// FindCustomerByID returns the customer with id, archived and merged
	// ones included. It returns an error matching [ErrNotFound] if there
	// is none.
	FindCustomerByID(ctx context.Context, id string) (*Customer, error)

	// FindCustomers returns one page of the customers f selects, in
	// ascending ID order, and the cursor of the next page ("" after the
	// last). Customers created between pages appear in a later page if
	// their ID sorts after the cursor; no customer is returned twice and
	// none present throughout is missed. A negative f.Limit returns an
	// error matching [ErrInvalid]; a Limit above MaxPageLimit is lowered
	// to it. An empty result is not an error.
	FindCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, Cursor, error)

	// UpdateCustomer replaces the stored customer c.ID with c, provided
	// the stored Version equals c.Version; it then stores and sets
	// c.Version to c.Version+1. It returns an error matching [ErrConflict]
	// if the versions differ and [ErrNotFound] if there is no such
	// customer; either way nothing changes.
	UpdateCustomer(ctx context.Context, c *Customer) error
}

// ContactFilter selects contacts.
type ContactFilter struct {
	// CustomerID matches the contacts of one customer; "" matches all.
	CustomerID string
	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// ContactStore keeps the contacts of customers.
type ContactStore interface {
	// CreateContact stores ct, which has its ID, timestamps and Version
	// set by the caller. It returns an error matching [ErrDuplicate] if a
	// contact with ct.ID exists and [ErrNotFound] if its customer does
	// not exist.
	CreateContact(ctx context.Context, ct *Contact) error

	// FindContactByID returns the contact with id, or an error matching
	// [ErrNotFound].
	FindContactByID(ctx context.Context, id string) (*Contact, error)

	// FindContacts returns one page of the contacts f selects, in
	// ascending ID order, and the cursor of the next page ("" after the
	// last), with the same guarantees and limits as FindCustomers.
	FindContacts(ctx context.Context, f ContactFilter) ([]*Contact, Cursor, error)

	// UpdateContact replaces the stored contact ct.ID with ct under the
	// same version rule as UpdateCustomer ([ErrConflict], [ErrNotFound]).
	// It returns [ErrNotFound] also if ct.CustomerID names no customer.
	UpdateContact(ctx context.Context, ct *Contact) error

	// DeleteContact removes the contact id if its stored Version equals
	// version. It returns an error matching [ErrNotFound] if there is no
	// such contact and [ErrConflict] if the version is stale.
	DeleteContact(ctx context.Context, id string, version int64) error

	// MoveContacts re-points every contact of customer fromID to customer
	// toID, stamping each moved contact with UpdatedAt at, UpdatedBy by
	// and a Version one higher, and returns how many moved. It returns an
	// error matching [ErrNotFound] if toID names no customer.
	MoveContacts(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)
}

// PipelineStore keeps sales pipelines. A store holds few of them.
type PipelineStore interface {
	// CreatePipeline stores p, which has its ID, timestamps and Version
	// set by the caller. It returns an error matching [ErrDuplicate] if a
	// pipeline with p.ID exists.
	CreatePipeline(ctx context.Context, p *Pipeline) error

	// FindPipelineByID returns the pipeline with id, or an error matching
	// [ErrNotFound].
	FindPipelineByID(ctx context.Context, id string) (*Pipeline, error)

	// FindPipelines returns every pipeline, in ascending ID order.
	FindPipelines(ctx context.Context) ([]*Pipeline, error)

	// UpdatePipeline replaces the stored pipeline p.ID with p under the
	// version rule of UpdateCustomer ([ErrConflict], [ErrNotFound]).
	UpdatePipeline(ctx context.Context, p *Pipeline) error
}

// OpportunityFilter selects opportunities. Each non-zero field narrows the
// selection; a slice matches any of its values.
type OpportunityFilter struct {
	// CustomerIDs matches the deals of these customers.
	CustomerIDs []string
	// PipelineIDs matches the deals in these pipelines.
	PipelineIDs []string
	// Owners matches deals whose OwnerID is one of these.
	Owners []string
	// Stages matches deals in a stage with one of these keys.
	Stages []string
	// Statuses matches open, won or lost deals.
	Statuses []OpportunityStatus
	// CloseFrom and CloseBefore match deals whose CloseDate is on or
	// after CloseFrom and before CloseBefore; a deal with no close date
	// matches neither bound.
	CloseFrom, CloseBefore time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects o (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *OpportunityFilter) Match(o *Opportunity) bool {
	switch {
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, o.CustomerID):
		return false
	case len(f.PipelineIDs) > 0 && !slices.Contains(f.PipelineIDs, o.PipelineID):
		return false
	case len(f.Owners) > 0 && !slices.Contains(f.Owners, o.OwnerID):
		return false
	case len(f.Stages) > 0 && !slices.Contains(f.Stages, o.Stage):
		return false
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, o.Status):
		return false
	case !f.CloseFrom.IsZero() && (o.CloseDate.IsZero() || o.CloseDate.Before(f.CloseFrom)):
		return false
	case !f.CloseBefore.IsZero() && (o.CloseDate.IsZero() || !o.CloseDate.Before(f.CloseBefore)):
		return false
	}
	return true
}

// OpportunityChangeFilter selects entries of opportunity histories.
type OpportunityChangeFilter struct {
	// OpportunityIDs matches the histories of these deals; empty matches
	// every deal's.
	OpportunityIDs []string

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// OpportunityStore keeps opportunities and their histories.
type OpportunityStore interface {
	// CreateOpportunity stores o, which has its ID, timestamps and
	// Version set by the caller. It returns an error matching
	// [ErrDuplicate] if an opportunity with o.ID exists and [ErrNotFound]
	// if its customer or its pipeline does not exist.
	CreateOpportunity(ctx context.Context, o *Opportunity) error

	// FindOpportunityByID returns the opportunity with id, or an error
	// matching [ErrNotFound].
	FindOpportunityByID(ctx context.Context, id string) (*Opportunity, error)

	// FindOpportunities returns one page of the opportunities f selects,
	// in ascending ID order, and the cursor of the next page ("" after
	// the last), with the same guarantees and limits as FindCustomers.
	FindOpportunities(ctx context.Context, f OpportunityFilter) ([]*Opportunity, Cursor, error)

	// UpdateOpportunity replaces the stored opportunity o.ID with o under
	// the version rule of UpdateCustomer ([ErrConflict], [ErrNotFound]).
	// It returns [ErrNotFound] also if o.CustomerID or o.PipelineID names
	// nothing.
	UpdateOpportunity(ctx context.Context, o *Opportunity) error

	// AddOpportunityChange appends ch to the history of its opportunity.
	// It returns an error matching [ErrDuplicate] if the history has an
	// entry of ch.Version and [ErrNotFound] if the opportunity does not
	// exist.
	AddOpportunityChange(ctx context.Context, ch *OpportunityChange) error

	// FindOpportunityChanges returns one page of the history entries f
	// selects, ordered by opportunity ID and then Version, and the cursor
	// of the next page ("" after the last), with the same guarantees and
	// limits as FindCustomers.
	FindOpportunityChanges(ctx context.Context, f OpportunityChangeFilter) ([]*OpportunityChange, Cursor, error)

	// MoveOpportunities re-points every opportunity of customer fromID to
	// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
	// Version one higher (and no history entry), and returns how many
	// moved. It returns an error matching [ErrNotFound] if toID names no
	// customer.
	MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)
}

// LeadFilter selects leads. Each non-zero field narrows the selection; a
// slice matches any of its values.
type LeadFilter struct {
	// Statuses matches leads in one of these statuses.
	Statuses []LeadStatus
	// Owners matches leads whose OwnerID is one of these; "" in the list
	// matches leads with no owner.
	Owners []string
	// Sources matches leads whose Source is one of these, as stored
	// (trimmed, case kept).
	Sources []string
	// CustomerIDs matches the leads converted into these customers; ""
	// in the list matches nothing, since unconverted leads have no
	// customer.
	CustomerIDs []string
	// CreatedFrom and CreatedBefore match leads whose CreatedAt is at or
	// after CreatedFrom and before CreatedBefore.
	CreatedFrom, CreatedBefore time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects l (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *LeadFilter) Match(l *Lead) bool {
	switch {
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, l.Status):
		return false
	case len(f.Owners) > 0 && !slices.Contains(f.Owners, l.OwnerID):
		return false
	case len(f.Sources) > 0 && !slices.Contains(f.Sources, l.Source):
		return false
	case len(f.CustomerIDs) > 0 && (l.CustomerID == "" || !slices.Contains(f.CustomerIDs, l.CustomerID)):
		return false
	case !f.CreatedFrom.IsZero() && l.CreatedAt.Before(f.CreatedFrom):
		return false
	case !f.CreatedBefore.IsZero() && !l.CreatedAt.Before(f.CreatedBefore):
		return false
	}
	return true
}

// LeadStore keeps leads.
type LeadStore interface {
	// CreateLead stores l, which has its ID, timestamps and Version set
	// by the caller. It returns an error matching [ErrDuplicate] if a lead
	// with l.ID exists. The links of a converted lead (CustomerID,
	// ContactID, OpportunityID) are kept as given: the Client checks them.
	CreateLead(ctx context.Context, l *Lead) error

	// FindLeadByID returns the lead with id, or an error matching
	// [ErrNotFound].
	FindLeadByID(ctx context.Context, id string) (*Lead, error)

	// FindLeads returns one page of the leads f selects, in ascending ID
	// order, and the cursor of the next page ("" after the last), with the
	// same guarantees and limits as FindCustomers.
	FindLeads(ctx context.Context, f LeadFilter) ([]*Lead, Cursor, error)

	// UpdateLead replaces the stored lead l.ID with l under the version
	// rule of UpdateCustomer ([ErrConflict], [ErrNotFound]).
	UpdateLead(ctx context.Context, l *Lead) error

	// MoveLeads re-points every lead converted into customer fromID to
	// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
	// Version one higher, and returns how many moved. It returns an error
	// matching [ErrNotFound] if toID names no customer.
	MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)
}

// OrderFilter selects orders. Each non-zero field narrows the selection;
// a slice matches any of its values.
type OrderFilter struct {
	// CustomerIDs matches the orders of these customers.
	CustomerIDs []string
	// OpportunityIDs matches the orders won with these deals.
	OpportunityIDs []string
	// Statuses matches orders in one of these statuses.
	Statuses []OrderStatus
	// OrderedFrom and OrderedBefore match orders whose OrderedAt is at or
	// after OrderedFrom and before OrderedBefore.
	OrderedFrom, OrderedBefore time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects o (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *OrderFilter) Match(o *Order) bool {
	switch {
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, o.CustomerID):
		return false
	case len(f.OpportunityIDs) > 0 && !slices.Contains(f.OpportunityIDs, o.OpportunityID):
		return false
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, o.Status):
		return false
	case !f.OrderedFrom.IsZero() && (o.OrderedAt.IsZero() || o.OrderedAt.Before(f.OrderedFrom)):
		return false
	case !f.OrderedBefore.IsZero() && (o.OrderedAt.IsZero() || !o.OrderedAt.Before(f.OrderedBefore)):
		return false
	}
	return true
}

// PaymentFilter selects payments. Each non-zero field narrows the
// selection; a slice matches any of its values.
type PaymentFilter struct {
	// OrderIDs matches the payments of these orders.
	OrderIDs []string
	// CustomerIDs matches the payments of these customers.
	CustomerIDs []string

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects p (paging fields are ignored).
func (f *PaymentFilter) Match(p *Payment) bool {
	switch {
	case len(f.OrderIDs) > 0 && !slices.Contains(f.OrderIDs, p.OrderID):
		return false
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, p.CustomerID):
		return false
	}
	return true
}

// OrderStore keeps orders, with their lines, and the payments received
// for them. An order's Total, Paid, line prices and discounts share one
// currency, that of Total (of Paid when Total is the zero Money): a Store
// may keep the currency once per order.
type OrderStore interface {
	// CreateOrder stores o with its lines; o has its ID, timestamps and
	// Version set by the caller. It returns an error matching
	// [ErrDuplicate] if an order with o.ID exists and [ErrNotFound] if
	// its customer does not exist. OpportunityID is not checked.
	CreateOrder(ctx context.Context, o *Order) error

	// FindOrderByID returns the order id with its lines, or an error
	// matching [ErrNotFound].
	FindOrderByID(ctx context.Context, id string) (*Order, error)

	// FindOrders returns one page of the orders f selects, with their
	// lines, in ascending ID order, and the cursor of the next page (""
	// after the last), with the same guarantees and limits as
	// FindCustomers.
	FindOrders(ctx context.Context, f OrderFilter) ([]*Order, Cursor, error)

	// UpdateOrder replaces the stored order o.ID, lines included, with o
	// under the version rule of UpdateCustomer ([ErrConflict],
	// [ErrNotFound]). It returns [ErrNotFound] also if o.CustomerID names
	// no customer.
	UpdateOrder(ctx context.Context, o *Order) error

	// MoveOrders re-points every order of customer fromID to customer
	// toID, stamping each with UpdatedAt at, UpdatedBy by and a Version
	// one higher, and returns how many moved. It returns an error
	// matching [ErrNotFound] if toID names no customer.
	MoveOrders(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)

	// CustomerExposure returns what customerID owes: for each currency,
	// the sum of Total − Paid over its orders that are not
	// [OrderCancelled], in ascending currency order, leaving out sums of
	// zero. The sum is exact and made where the orders are (in SQL
	// stores, by the database), without loading them one by one. A
	// customer with no orders, or none missing, owes nothing: an empty
	// result, not an error.
	CustomerExposure(ctx context.Context, customerID string) ([]Money, error)

	// PurchaseSummaries returns one page of the purchase summaries f
	// selects: for each customer with orders that count (not
	// [OrderCancelled], OrderedAt before f.AsOf, in f.Currency if set,
	// of f.CustomerIDs if set), one [PurchaseSummary] per currency, in
	// ascending customer ID order and then currency, for at most f.Limit
	// customers; and the cursor of the next page ("" after the last),
	// with the guarantees of FindCustomers. Purchase days are UTC
	// dates. Sums are exact and made where the orders are (in SQL
	// stores, grouped by the database), without loading the orders one
	// by one. A zero f.AsOf or a negative f.Limit returns an error
	// matching [ErrInvalid].
	PurchaseSummaries(ctx context.Context, f PurchaseSummaryFilter) ([]PurchaseSummary, Cursor, error)

	// PurchaseCohorts counts customers by acquisition cohort and month:
	// for each cohort month C and month M, the customers whose first
	// counted order (not [OrderCancelled], OrderedAt before f.AsOf, in
	// any currency) was placed in C and who placed a counted order in
	// M, ordered by C and then M, leaving out pairs with no customer.
	// Months are UTC calendar months; a customer is counted once per
	// month however many orders and currencies it has. The counting is
	// made where the orders are (in SQL stores, grouped by the
	// database), without loading the orders one by one; the result has
	// at most one entry per pair of months. A zero f.AsOf returns an
	// error matching [ErrInvalid].
	PurchaseCohorts(ctx context.Context, f PurchaseCohortFilter) ([]CohortCount, error)

	// CreatePayment stores p, which has its ID, timestamps and Version
	// set by the caller. It returns an error matching [ErrDuplicate] if a
	// payment with p.ID exists and [ErrNotFound] if its order or its
	// customer does not exist. It does not change the order: the caller
	// updates the order's Paid in the same transaction.
	CreatePayment(ctx context.Context, p *Payment) error

	// FindPayments returns one page of the payments f selects, in
	// ascending ID order, and the cursor of the next page ("" after the
	// last), with the same guarantees and limits as FindCustomers.
	FindPayments(ctx context.Context, f PaymentFilter) ([]*Payment, Cursor, error)

	// MovePayments re-points every payment of customer fromID to customer
	// toID as MoveOrders does orders.
	MovePayments(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)

	// MovePayment re-points the one payment id to customer toID, stamping
	// it with UpdatedAt at, UpdatedBy by and a Version one higher,
	// provided its stored Version equals version: the move by which
	// [Client.UndoMerge] hands a payment back to the customer it came
	// from. It returns an error matching [ErrNotFound] if there is no such
	// payment or toID names no customer, and [ErrConflict] if the versions
	// differ; either way nothing changes.
	MovePayment(ctx context.Context, id string, version int64, toID string, at time.Time, by string) error
}

// CaseFilter selects cases. Each non-zero field narrows the selection; a
// slice matches any of its values.
type CaseFilter struct {
	// CustomerIDs matches the cases of these customers.
	CustomerIDs []string
	// Owners matches cases whose OwnerID is one of these.
	Owners []string
	// Kinds, Priorities and Statuses match cases of one of these kinds,
	// priorities and statuses.
	Kinds      []CaseKind
	Priorities []CasePriority
	Statuses   []CaseStatus
	// Sources matches cases whose Source is one of these; "" in the list
	// matches nothing, since a case with no source has none.
	Sources []string
	// OpenedFrom and OpenedBefore match cases whose OpenedAt is at or
	// after OpenedFrom and before OpenedBefore.
	OpenedFrom, OpenedBefore time.Time
	// ResolvedFrom and ResolvedBefore match cases whose ResolvedAt is at
	// or after ResolvedFrom and before ResolvedBefore; a case not
	// resolved matches neither bound.
	ResolvedFrom, ResolvedBefore time.Time
	// DueBefore matches cases one of whose clocks has a due time (see
	// [Case.FirstResponseDue]) before it: with a bound just after an
	// instant, the cases breached as of that instant.
	DueBefore time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects c (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *CaseFilter) Match(c *Case) bool {
	inRange := func(t, from, before time.Time) bool {
		return (from.IsZero() || !t.IsZero() && !t.Before(from)) && (before.IsZero() || !t.IsZero() && t.Before(before))
	}
	dueBefore := func(t time.Time) bool { return !t.IsZero() && t.Before(f.DueBefore) }
	switch {
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, c.CustomerID):
		return false
	case len(f.Owners) > 0 && !slices.Contains(f.Owners, c.OwnerID):
		return false
	case len(f.Kinds) > 0 && !slices.Contains(f.Kinds, c.Kind):
		return false
	case len(f.Priorities) > 0 && !slices.Contains(f.Priorities, c.Priority):
		return false
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, c.Status):
		return false
	case len(f.Sources) > 0 && (c.Source == "" || !slices.Contains(f.Sources, c.Source)):
		return false
	case !inRange(c.OpenedAt, f.OpenedFrom, f.OpenedBefore), !inRange(c.ResolvedAt, f.ResolvedFrom, f.ResolvedBefore):
		return false
	case !f.DueBefore.IsZero() && !dueBefore(c.FirstResponseDue) && !dueBefore(c.ResolutionDue):
		return false
	}
	return true
}

// CaseChangeFilter selects entries of case histories.
type CaseChangeFilter struct {
	// CaseIDs matches the histories of these cases; empty matches every
	// case's.
	CaseIDs []string

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// CaseStore keeps service cases and their histories.
type CaseStore interface {
	// CreateCase stores c, which has its ID, timestamps and Version set
	// by the caller. It returns an error matching [ErrDuplicate] if a
	// case with c.ID exists, or if c has a Source and a case of its
	// customer has the same one, and [ErrNotFound] if its customer does
	// not exist. ContactID is not checked.
	CreateCase(ctx context.Context, c *Case) error

	// FindCaseByID returns the case with id, or an error matching
	// [ErrNotFound].
	FindCaseByID(ctx context.Context, id string) (*Case, error)

	// FindCases returns one page of the cases f selects, in ascending ID
	// order, and the cursor of the next page ("" after the last), with
	// the same guarantees and limits as FindCustomers.
	FindCases(ctx context.Context, f CaseFilter) ([]*Case, Cursor, error)

	// UpdateCase replaces the stored case c.ID with c under the version
	// rule of UpdateCustomer ([ErrConflict], [ErrNotFound]). It returns
	// [ErrNotFound] also if c.CustomerID names no customer, and
	// [ErrDuplicate] if another case of the customer has c's Source.
	UpdateCase(ctx context.Context, c *Case) error

	// AddCaseChange appends ch to the history of its case. It returns an
	// error matching [ErrDuplicate] if the history has an entry of
	// ch.Version and [ErrNotFound] if the case does not exist.
	AddCaseChange(ctx context.Context, ch *CaseChange) error

	// FindCaseChanges returns one page of the history entries f selects,
	// ordered by case ID and then Version, and the cursor of the next
	// page ("" after the last), with the same guarantees and limits as
	// FindCustomers.
	FindCaseChanges(ctx context.Context, f CaseChangeFilter) ([]*CaseChange, Cursor, error)

	// MoveCases re-points every case of customer fromID to customer
	// toID, stamping each with UpdatedAt at, UpdatedBy by and a Version
	// one higher (and no history entry), and returns how many moved. It
	// returns an error matching [ErrNotFound] if toID names no customer,
	// and [ErrDuplicate], moving nothing, if a case of fromID and one of
	// toID share a Source.
	MoveCases(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)
}

// InteractionStore keeps interactions and contact claims.
type InteractionStore interface {
	// CreateInteraction stores i, which has its ID, timestamps and
	// Version set by the caller. It returns an error matching
	// [ErrDuplicate] if an interaction with i.ID exists and [ErrNotFound]
	// if its customer does not exist. ContactID, OpportunityID and CaseID
	// are not checked.
	CreateInteraction(ctx context.Context, i *Interaction) error

	// FindInteractionByID returns the interaction with id, or an error
	// matching [ErrNotFound].
	FindInteractionByID(ctx context.Context, id string) (*Interaction, error)

	// FindInteractions returns one page of the interactions f selects,
	// in ascending ID order, and the cursor of the next page ("" after
	// the last), with the same guarantees and limits as FindCustomers.
	FindInteractions(ctx context.Context, f InteractionFilter) ([]*Interaction, Cursor, error)

	// UpdateInteraction replaces the stored interaction i.ID with i under
	// the version rule of UpdateCustomer ([ErrConflict], [ErrNotFound]).
	// It returns [ErrNotFound] also if i.CustomerID names no customer.
	UpdateInteraction(ctx context.Context, i *Interaction) error

	// DeleteInteraction removes the interaction id, provided its stored
	// Version is version: [ErrNotFound] if there is none, [ErrConflict]
	// if its version differs.
	DeleteInteraction(ctx context.Context, id string, version int64) error

	// LastContacts returns, for each of customerIDs that has an
	// interaction, its latest one ([LastContact]: greatest At, then
	// greatest ID), in ascending customer ID order. Unknown IDs and
	// customers with no interaction are left out. At most MaxPageLimit
	// IDs may be given; more fail with [ErrInvalid].
	LastContacts(ctx context.Context, customerIDs []string) ([]LastContact, error)

	// MoveInteractions re-points every interaction of customer fromID to
	// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
	// Version one higher, and returns how many moved. It returns an
	// error matching [ErrNotFound] if toID names no customer.
	MoveInteractions(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)

	// CreateContactClaim stores c. It returns an error matching
	// [ErrDuplicate] if a claim with c.ID exists or the customer has a
	// claim numbered c.Seq — the guard that lets only one of two
	// concurrent claims on a customer through — and [ErrNotFound] if
	// its customer does not exist.
	CreateContactClaim(ctx context.Context, c *ContactClaim) error

	// LastContactClaim returns the claim of customerID with the greatest
	// Seq, or an error matching [ErrNotFound] if it has none.
	LastContactClaim(ctx context.Context, customerID string) (*ContactClaim, error)

	// FindContactClaims returns one page of the claims f selects, in
	// ascending ID order, and the cursor of the next page ("" after the
	// last), with the same guarantees and limits as FindCustomers.
	FindContactClaims(ctx context.Context, f ContactClaimFilter) ([]*ContactClaim, Cursor, error)
}

// TaskStore keeps tasks.
type TaskStore interface {
	// CreateTask stores t, which has its ID, timestamps and Version set
	// by the caller. It returns an error matching [ErrDuplicate] if a
	// task with t.ID exists or t has a Source another task has, and
	// [ErrNotFound] if its customer does not exist. ContactID,
	// OpportunityID and CaseID are not checked.
	CreateTask(ctx context.Context, t *Task) error

	// FindTaskByID returns the task with id, or an error matching
	// [ErrNotFound].
	FindTaskByID(ctx context.Context, id string) (*Task, error)

	// FindTasks returns one page of the tasks f selects, in ascending ID
	// order, and the cursor of the next page ("" after the last), with
	// the same guarantees and limits as FindCustomers.
	FindTasks(ctx context.Context, f TaskFilter) ([]*Task, Cursor, error)

	// UpdateTask replaces the stored task t.ID with t under the version
	// rule of UpdateCustomer ([ErrConflict], [ErrNotFound]). It returns
	// [ErrNotFound] also if t.CustomerID names no customer, and
	// [ErrDuplicate] if another task has t's Source.
	UpdateTask(ctx context.Context, t *Task) error

	// MoveTasks re-points every task of customer fromID to customer toID,
	// stamping each with UpdatedAt at, UpdatedBy by and a Version one
	// higher, and returns how many moved. It returns an error matching
	// [ErrNotFound] if toID names no customer.
	MoveTasks(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error)
}

// OwnershipStore keeps the ownership history of customers, leads,
// opportunities and cases.
type OwnershipStore interface {
	// AddOwnerChange appends ch, which has its ID set by the caller. It
	// returns an error matching [ErrDuplicate] if an entry with ch.ID
	// exists. The record it names is not checked: the entry outlives it.
	AddOwnerChange(ctx context.Context, ch *OwnerChange) error

	// FindOwnerChanges returns one page of the entries f selects, in
	// ascending ID order, and the cursor of the next page ("" after the
	// last), with the same guarantees and limits as FindCustomers.
	FindOwnerChanges(ctx context.Context, f OwnerChangeFilter) ([]*OwnerChange, Cursor, error)

	// MoveOwnerChanges sets CustomerID to toID on every entry whose
	// CustomerID is fromID, and returns how many moved. Entries are a
	// record of the past: nothing else about them changes.
	MoveOwnerChanges(ctx context.Context, fromID, toID string) (int, error)
}

// pages iterates over every record a paged find returns for f, fetching
// page after page; setAfter moves f past a page. No page is held open while
// the caller's loop body runs.
func pages[T, F any](ctx context.Context, f F, find func(context.Context, F) ([]*T, Cursor, error), setAfter func(*F, Cursor)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		for {
			page, next, err := find(ctx, f)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, v := range page {
				if !yield(v, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			setAfter(&f, next)
		}
	}
}
