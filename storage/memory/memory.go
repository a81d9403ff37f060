// Package memory is a [crm.Store] that keeps everything in the memory of
// one process. It needs no database, so it is the store for unit tests of
// business rules, for examples, and for single-process tools whose data
// fits in memory and need not survive a restart. Nothing is persisted:
// data lives until [Store.Close] or the end of the process.
//
// # Guarantees
//
// A Store passes the conformance suite in storage/storetest and keeps the
// [crm.Store] contract:
//
//   - Copies in and out. A write stores a deep copy of its argument and a
//     read returns a deep copy of what is stored, so a caller never shares
//     a slice or map with the store. Stored records are never modified in
//     place: every write replaces the record.
//   - Times are stored in UTC at microsecond precision ([crm.Timestamp]),
//     as the SQL stores keep them, so values round-trip the same way on
//     every adapter.
//   - Optimistic versions: an update or delete naming a stale Version
//     fails with an error matching [crm.ErrConflict] and changes nothing.
//   - Listings are keyset pages in ascending ID order; the cursor is the
//     last ID returned. Limit 0 means [crm.DefaultPageLimit], a Limit above
//     [crm.MaxPageLimit] is lowered to it, and a negative Limit fails with
//     [crm.ErrInvalid].
//   - [Store.RunInTx] is atomic and isolated (serialisable): the
//     transaction holds the store's write lock until it ends, and undoes
//     its writes if fn fails or panics.
//   - A Store is safe for concurrent use by multiple goroutines. Errors
//     wrap the crm sentinels with context and start with "memory: ".
//
// # Cost model
//
// All data sits in maps behind one [sync.RWMutex]: reads share it, writes
// and transactions take it exclusively. Deep copies are made outside the
// lock, so a lookup holds it only for a map access. n is the number of
// customers, contacts or opportunities, k the number of one customer's
// contacts or opportunities, h the number of history entries of the
// opportunities a listing visits.
//
//   - FindCustomerByID, FindContactByID, UpdateCustomer: O(1) plus one deep
//     copy, and no allocation beyond the copy.
//   - CreateCustomer, CreateContact: O(1) amortised when IDs arrive in
//     increasing order, as the default UUIDv7 IDs do, otherwise O(n) to
//     keep the ID index sorted. Beyond the copy they allocate only to grow
//     the indexes.
//   - UpdateContact: O(1), or O(k) when it moves the contact to another
//     customer. DeleteContact: O(n), to keep the ID index sorted.
//   - FindCustomers: O(log n) to find the cursor, then a scan in ID order
//     until the page, plus one more match (to know whether another page
//     follows), is found. A selective filter may therefore scan the whole
//     table: no field has an index of its own. Matching is
//     [crm.CustomerFilter.Match] and does not allocate. The
//     Client's duplicate check before creating a customer lists customers
//     by email, phone, tax ID and region, so creating customers through a
//     Client costs O(n) each on this store.
//   - FindContacts and MoveContacts use a per-customer index: O(log k +
//     page) and O(k).
//   - Pipelines, opportunities and history entries cost as customers and
//     contacts do: lookups and updates by ID are O(1) plus the copy,
//     creates O(1) amortised for increasing IDs (and versions).
//     FindPipelines copies every pipeline; a store holds few of them.
//     FindOpportunities scans in ID order as FindCustomers does, but with
//     CustomerIDs only the deals of those customers, through a
//     per-customer index that MoveOpportunities uses too (O(k)).
//     FindOpportunityChanges is O(log n + log h + page): histories are
//     kept per opportunity in Version order.
//   - Orders and payments cost as opportunities do, each with a
//     per-customer index that FindOrders, FindPayments, MoveOrders,
//     MovePayments and CustomerExposure (one pass, O(k)) use; payments
//     are indexed by order too. Beside the sorted customer IDs lies a
//     purchase index that every order write keeps (O(log n) to find the
//     customer, then O(1) for an order placed after the customer's
//     others, O(k) otherwise): each customer's counting orders as
//     integers in time order, with their running tally.
//     PurchaseSummaries walks it in ID order: O(1) per customer whose
//     orders all precede the as-of instant (one tally read, two
//     decimals built), O(log k + k) otherwise, amounts added as int64
//     while they fit, exactly as decimals when not.
//   - Surveys cost as leads do. Responses cost as orders do, indexed by
//     customer and by survey, with a map of their unique keys (survey,
//     wave, respondent) that makes CreateResponse's check O(1);
//     ResponseScores makes one pass over the responses of the customers or
//     surveys the filter names (every response without either), holding
//     one count per kind and score.
//   - The audit history and the events are slices in Seq order:
//     appending is O(1) amortised per entry, FindEvents and FindAudit by
//     position O(page), a record's history through its list of positions
//     (O(log k + page)); FindAudit by kind alone scans from the cursor.
//   - Each tenant ([crm.TenantFrom]) has data of its own, with a lock of
//     its own, made when the tenant is first used: no method of one
//     tenant can reach another's records, and tenants do not wait for
//     each other. A call for the tenant a Store works in costs nothing
//     more; another tenant's costs a map lookup under a mutex.
//   - A transaction blocks every other reader and writer of its tenant
//     while fn runs;
//     keep transactions short. Its undo log holds one entry per write.
//
// Memory is one deep copy of each record, plus a sorted ID index per
// entity and per customer's contacts and opportunities, and the purchase
// index: about 90 bytes per customer and 32 per order not cancelled.
package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
)

// Errors of this store, besides the crm sentinels.
var (
	// ErrClosed is returned by every method called after [Store.Close].
	ErrClosed = errors.New("memory: store closed")
	// ErrTxDone is returned by every method of a transaction's Store
	// called after [Store.RunInTx] has returned.
	ErrTxDone = errors.New("memory: transaction has already ended")
)

// Store keeps customers, contacts, pipelines, opportunities and their
// histories, leads, orders and payments, segments, surveys and their
// responses in memory. Create one with [New]; the
// zero Store is not usable. A Store is safe for concurrent use by multiple
// goroutines.
//
// [Store.RunInTx] hands its fn a Store of the same type that works inside
// the transaction: it shares the data, takes no lock of the store, and
// records how to undo each write.
type Store struct {
	d      *data
	tx     *txState    // nil, except on the Store that RunInTx hands to fn
	all    *tenantData // every tenant's data; d is one of them
	tenant string      // whose d is
}

var _ crm.Store = (*Store)(nil)

// data is what a Store and its transactions share. Every field but mu is
// guarded by mu. Records in the maps are never modified once stored: a
// write puts a new record in place, so a reader may copy a record it
// looked up after releasing the lock, and an undo log can restore a
// previous record by pointer.
type data struct {
	mu     sync.RWMutex
	closed bool

	customers map[string]*crm.Customer
	// sorted lists the keys of customers in ascending order, each with
	// the purchase index of its orders.
	sorted customerIndex
	// customerKeys maps each email address, phone number and tax ID of a
	// customer to the IDs of the customers having it, so that exact
	// filters need not scan.
	customerKeys map[customerKey][]string

	contacts   map[string]*crm.Contact
	contactIDs []string            // keys of contacts, ascending
	contactsOf map[string][]string // customer ID → its contacts' IDs, ascending; no empty lists

	pipelines   map[string]*crm.Pipeline
	pipelineIDs []string // keys of pipelines, ascending

	opportunities   map[string]*crm.Opportunity
	opportunityIDs  []string            // keys of opportunities, ascending
	opportunitiesOf map[string][]string // customer ID → its opportunities' IDs, ascending; no empty lists

	// history holds the opportunities' histories, caseHistory the
	// cases'.
	history     histories[crm.OpportunityChange]
	caseHistory histories[crm.CaseChange]

	leads     children[crm.Lead]
	orders    children[crm.Order]
	payments  children[crm.Payment]
	surveys   children[crm.Survey]
	responses children[crm.Response]
	cases     children[crm.Case]

	interactions children[crm.Interaction]
	claims       children[crm.ContactClaim]
	tasks        children[crm.Task]
	// taskOwners lists the IDs of each owner's tasks, ascending: the
	// index of agendas.
	taskOwners taskOwnerIndex
	owners     children[crm.OwnerChange]

	segments segmentData

	// log holds the audit history, the events and the checkpoints.
	log logData

	approvals children[crm.ApprovalRequest]
}

// txState is the state of one transaction, shared by the Store that
// RunInTx hands to fn and by the nested transactions on it. mu serialises
// the calls of goroutines that fn may start, and guards done and undo.
type txState struct {
	mu   sync.Mutex
	done bool
	undo []undoEntry
}

// undoEntry restores one record to what it was before a write: the
// record of kind with ID id, absent if the saved record (the field of its
// kind) is nil; or, for kindFunc, whatever restore undoes (such as an
// added history entry).
type undoEntry struct {
	kind        recordKind
	id          string
	customer    *crm.Customer
	contact     *crm.Contact
	pipeline    *crm.Pipeline
	opportunity *crm.Opportunity
	lead        *crm.Lead
	order       *crm.Order
	payment     *crm.Payment
	restore     func(*data) // for kindFunc
}

// recordKind says which kind of record an undoEntry restores.
type recordKind uint8

const (
	kindCustomer recordKind = iota
	kindContact
	kindPipeline
	kindOpportunity
	kindLead
	kindOrder
	kindPayment
	kindFunc // restore undoes the write
)

// New returns an empty Store.
func New() *Store {
	d := newData()
	return &Store{d: d, all: &tenantData{m: map[string]*data{"": d}}}
}

// newData returns the empty data of one tenant.
func newData() *data {
	d := &data{
		customers:    make(map[string]*crm.Customer),
		customerKeys: make(map[customerKey][]string),
		contacts:     make(map[string]*crm.Contact),
		contactsOf:   make(map[string][]string),

		pipelines:       make(map[string]*crm.Pipeline),
		opportunities:   make(map[string]*crm.Opportunity),
		opportunitiesOf: make(map[string][]string),
		history:         newHistories(opportunityChangeKey),
		caseHistory:     newHistories(caseChangeKey),
		cases:           newChildren(caseCustomer, nil),
		leads:           newChildren(leadCustomer, nil),

		orders:   newChildren(orderCustomer, nil),
		payments: newChildren(paymentCustomer, paymentOrder),
		sorted:   customerIndex{currencyNo: make(map[string]uint32)},

		surveys:   newChildren(noCustomer, nil),
		approvals: newChildren(approvalCustomer, nil),
		responses: newChildren(responseCustomer, responseSurvey).uniqueBy(responseKey),

		interactions: newChildren(interactionCustomer, nil),
		claims:       newChildren(claimCustomer, nil).uniqueBy(claimKey),
		tasks:        newChildren(taskCustomer, nil).uniqueBy(taskKey),
		taskOwners:   taskOwnerIndex{of: make(map[string][]string)},
		owners:       newChildren(ownerChangeCustomer, nil),
	}
	d.orders.secondary = &d.sorted
	d.tasks.secondary = &d.taskOwners
	return d
}

// tenantData holds the data of every tenant, each apart from the others
// with a lock of its own: a tenant's records are in its data, and no
// method of one tenant reaches another's.
type tenantData struct {
	mu     sync.Mutex
	m      map[string]*data
	closed bool
}

// in returns s working in the tenant of ctx: s itself for the tenant it
// works in and inside a transaction, which stays in the tenant it began
// in. A tenant's data is made when it is first used.
func (s *Store) in(ctx context.Context) *Store {
	t := crm.TenantFrom(ctx)
	if s.tx != nil || s.all == nil || t == s.tenant {
		return s
	}
	all := s.all
	all.mu.Lock()
	d, ok := all.m[t]
	if !ok {
		d = newData()
		d.closed = all.closed
		all.m[t] = d
	}
	all.mu.Unlock()
	return &Store{d: d, all: all, tenant: t}
}

// lock takes the store's lock, shared when write is false; inside a
// transaction it takes the transaction's lock instead, the store's being
// held for the whole transaction already.
func (s *Store) lock(write bool) error {
	if t := s.tx; t != nil {
		t.mu.Lock()
		if t.done {
			t.mu.Unlock()
			return ErrTxDone
		}
		return nil
	}
	if write {
		s.d.mu.Lock()
	} else {
		s.d.mu.RLock()
	}
	if s.d.closed {
		s.unlock(write)
		return ErrClosed
	}
	return nil
}

// unlock releases what lock took.
func (s *Store) unlock(write bool) {
	switch {
	case s.tx != nil:
		s.tx.mu.Unlock()
	case write:
		s.d.mu.Unlock()
	default:
		s.d.mu.RUnlock()
	}
}

// save records, inside a transaction, how to undo a write.
func (s *Store) save(u undoEntry) {
	if s.tx != nil {
		s.tx.undo = append(s.tx.undo, u)
	}
}

// saveCustomer records, inside a transaction, how to undo a write to the
// customer id whose current entry is prev (zero if absent).
func (s *Store) saveCustomer(id string, prev *crm.Customer) {
	s.save(undoEntry{kind: kindCustomer, id: id, customer: prev})
}

// saveContact records, inside a transaction, how to undo a write to the
// contact id whose current record is prev (nil if absent).
func (s *Store) saveContact(id string, prev *crm.Contact) {
	s.save(undoEntry{kind: kindContact, id: id, contact: prev})
}

// savePipeline records, inside a transaction, how to undo a write to the
// pipeline id whose current record is prev (nil if absent).
func (s *Store) savePipeline(id string, prev *crm.Pipeline) {
	s.save(undoEntry{kind: kindPipeline, id: id, pipeline: prev})
}

// saveOpportunity records, inside a transaction, how to undo a write to
// the opportunity id whose current record is prev (nil if absent).
func (s *Store) saveOpportunity(id string, prev *crm.Opportunity) {
	s.save(undoEntry{kind: kindOpportunity, id: id, opportunity: prev})
}

// CreateCustomer stores a copy of c. It fails with [crm.ErrDuplicate] if a
// customer with c.ID exists, and with [crm.ErrInvalid] if c is nil or has
// no ID.
func (s *Store) CreateCustomer(ctx context.Context, c *crm.Customer) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create customer: %w", err)
	}
	if c == nil || c.ID == "" {
		return fmt.Errorf("memory: create customer: no ID: %w", crm.ErrInvalid)
	}
	nc := c.Clone()
	normCustomer(nc)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	if _, ok := d.customers[nc.ID]; ok {
		s.unlock(true)
		return fmt.Errorf("memory: create customer %s: %w", nc.ID, crm.ErrDuplicate)
	}
	s.saveCustomer(nc.ID, nil)
	d.putCustomer(nc, nil)
	d.sorted.insert(nc.ID)
	s.unlock(true)
	return nil
}

// CreateCustomers stores copies of cs, all or none: it fails with
// [crm.ErrDuplicate] if one of their IDs is taken or repeated, and with
// [crm.ErrInvalid] if one of them is nil or has no ID.
func (s *Store) CreateCustomers(ctx context.Context, cs []*crm.Customer) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create customers: %w", err)
	}
	ncs := make([]*crm.Customer, len(cs))
	ids := make([]string, len(cs))
	for i, c := range cs {
		if c == nil || c.ID == "" {
			return fmt.Errorf("memory: create customers: #%d: no ID: %w", i, crm.ErrInvalid)
		}
		ncs[i] = c.Clone()
		normCustomer(ncs[i])
		ids[i] = c.ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return fmt.Errorf("memory: create customers: %s given twice: %w", ids[i], crm.ErrDuplicate)
		}
	}

	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	d := s.d
	for _, id := range ids {
		if _, ok := d.customers[id]; ok {
			return fmt.Errorf("memory: create customers: %s: %w", id, crm.ErrDuplicate)
		}
	}
	for _, nc := range ncs {
		s.saveCustomer(nc.ID, nil)
		d.putCustomer(nc, nil)
	}
	d.sorted.merge(ids)
	return nil
}

// FindCustomerByID returns a copy of the customer id, archived and merged
// ones included, or an error matching [crm.ErrNotFound].
func (s *Store) FindCustomerByID(ctx context.Context, id string) (*crm.Customer, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.customers, "customer", id)
}

// FindCustomers returns copies of one page of the customers f selects, in
// ascending ID order, and the cursor of the next page ("" after the last).
// See [crm.CustomerFilter] for the meaning of each field; matching is
// [crm.CustomerFilter.Match].
func (s *Store) FindCustomers(ctx context.Context, f crm.CustomerFilter) ([]*crm.Customer, crm.Cursor, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find customers: %w", err)
	}
	limit, err := pageLimit("find customers", f.Limit)
	if err != nil {
		return nil, "", err
	}
	if f.Rule != nil {
		if err := f.Rule.CheckStored(); err != nil {
			return nil, "", fmt.Errorf("memory: find customers: %w", err)
		}
	}

	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	d := s.d
	ids := d.sorted.ids
	if keyed := d.keyedIDs(&f); keyed != nil {
		ids = *keyed // only the customers an exact key names, whatever the store's size
	}
	page, next, err := scanPage(ctx, d.customers, ids, f.After, limit, f.Match)
	s.unlock(false)
	if err != nil {
		return nil, "", fmt.Errorf("memory: find customers: %w", err)
	}
	return clonePage(page), next, nil
}

// UpdateCustomer replaces the stored customer c.ID with a copy of c if the
// stored Version equals c.Version, storing and setting c.Version+1. It
// fails with [crm.ErrConflict] if the versions differ and with
// [crm.ErrNotFound] if there is no such customer, changing nothing.
func (s *Store) UpdateCustomer(ctx context.Context, c *crm.Customer) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update customer: %w", err)
	}
	if c == nil {
		return fmt.Errorf("memory: update customer: nil customer: %w", crm.ErrInvalid)
	}
	nc := c.Clone()
	normCustomer(nc)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	old, err := storedVersion(d.customers, customerVersion, "update customer", nc.ID, nc.Version)
	if err != nil {
		s.unlock(true)
		return err
	}
	nc.Version++
	s.saveCustomer(nc.ID, old)
	d.putCustomer(nc, old)
	s.unlock(true)
	c.Version = nc.Version
	return nil
}

// CreateContact stores a copy of ct. It fails with [crm.ErrDuplicate] if a
// contact with ct.ID exists, with [crm.ErrNotFound] if ct.CustomerID names
// no customer, and with [crm.ErrInvalid] if ct is nil or has no ID.
func (s *Store) CreateContact(ctx context.Context, ct *crm.Contact) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create contact: %w", err)
	}
	if ct == nil || ct.ID == "" {
		return fmt.Errorf("memory: create contact: no ID: %w", crm.ErrInvalid)
	}
	nc := ct.Clone()
	normContact(nc)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	if _, ok := d.contacts[nc.ID]; ok {
		s.unlock(true)
		return fmt.Errorf("memory: create contact %s: %w", nc.ID, crm.ErrDuplicate)
	}
	if _, ok := d.customers[nc.CustomerID]; !ok {
		s.unlock(true)
		return fmt.Errorf("memory: create contact %s: customer %s: %w", nc.ID, nc.CustomerID, crm.ErrNotFound)
	}
	s.saveContact(nc.ID, nil)
	d.putContact(nc, nil)
	s.unlock(true)
	return nil
}

// FindContactByID returns a copy of the contact id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindContactByID(ctx context.Context, id string) (*crm.Contact, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.contacts, "contact", id)
}

// FindContacts returns copies of one page of the contacts f selects, in
// ascending ID order, and the cursor of the next page ("" after the last).
// A CustomerID that names no customer selects nothing.
func (s *Store) FindContacts(ctx context.Context, f crm.ContactFilter) ([]*crm.Contact, crm.Cursor, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find contacts: %w", err)
	}
	limit, err := pageLimit("find contacts", f.Limit)
	if err != nil {
		return nil, "", err
	}
	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	d := s.d
	ids := d.contactIDs
	if f.CustomerID != "" {
		ids = d.contactsOf[f.CustomerID]
	}
	page, next, err := scanPage(ctx, d.contacts, ids, f.After, limit, nil)
	s.unlock(false)
	if err != nil {
		return nil, "", fmt.Errorf("memory: find contacts: %w", err)
	}
	return clonePage(page), next, nil
}

// UpdateContact replaces the stored contact ct.ID with a copy of ct under
// the version rule of [Store.UpdateCustomer]. It fails with
// [crm.ErrNotFound] also if ct.CustomerID names no customer.
func (s *Store) UpdateContact(ctx context.Context, ct *crm.Contact) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update contact: %w", err)
	}
	if ct == nil {
		return fmt.Errorf("memory: update contact: nil contact: %w", crm.ErrInvalid)
	}
	nc := ct.Clone()
	normContact(nc)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	old, err := storedVersion(d.contacts, contactVersion, "update contact", nc.ID, nc.Version)
	if err != nil {
		s.unlock(true)
		return err
	}
	if _, ok := d.customers[nc.CustomerID]; !ok {
		s.unlock(true)
		return fmt.Errorf("memory: update contact %s: customer %s: %w", nc.ID, nc.CustomerID, crm.ErrNotFound)
	}
	nc.Version++
	s.saveContact(nc.ID, old)
	d.putContact(nc, old)
	s.unlock(true)
	ct.Version = nc.Version
	return nil
}

// DeleteContact removes the contact id if its stored Version equals
// version. It fails with [crm.ErrNotFound] if there is no such contact and
// with [crm.ErrConflict] if the version is stale.
func (s *Store) DeleteContact(ctx context.Context, id string, version int64) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: delete contact %s: %w", id, err)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	old, err := storedVersion(d.contacts, contactVersion, "delete contact", id, version)
	if err != nil {
		s.unlock(true)
		return err
	}
	s.saveContact(id, old)
	d.removeContact(old)
	s.unlock(true)
	return nil
}

// MoveContacts re-points every contact of customer fromID to customer
// toID, stamping each with UpdatedAt at, UpdatedBy by and a Version one
// higher, and returns how many it moved. It fails with [crm.ErrNotFound]
// if toID names no customer. When fromID equals toID the contacts stay
// where they are but are stamped and counted all the same.
func (s *Store) MoveContacts(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	if err := s.beginMove(ctx, "contacts", fromID, toID); err != nil {
		return 0, err
	}
	d := s.d
	ids := d.contactsOf[fromID]
	moveRecords(d.contacts, ids, func(nc *crm.Contact) {
		nc.CustomerID = toID
		nc.UpdatedAt = at
		nc.UpdatedBy = by
		nc.Version++
	}, s.saveContact)
	moveChildren(d.contactsOf, fromID, toID)
	s.unlock(true)
	return len(ids), nil
}

// RunInTx calls fn with a Store whose reads and writes form one
// transaction. The transaction holds the store's write lock until it
// ends, so other goroutines wait for it and never see part of it. If fn
// returns nil the writes stay; if fn returns an error or panics, or ctx is
// done by the time fn returns, every write of fn is undone and RunInTx
// returns fn's error, re-panics, or returns the context's error.
//
// fn must use only the Store it is given: calling the Store RunInTx was
// called on from inside fn deadlocks. The given Store is safe for
// concurrent use by goroutines that fn starts and waits for; after
// RunInTx returns its methods fail with [ErrTxDone].
//
// RunInTx on a transaction's Store joins that transaction: if the inner fn
// fails, the writes made since it started are undone and its error is
// returned to the outer fn, which may go on. Such a nested call undoes
// writes made by other goroutines in the meantime as well, so do not
// write concurrently while a nested transaction runs.
func (s *Store) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: run in tx: %w", err)
	}
	if fn == nil {
		return fmt.Errorf("memory: run in tx: nil fn: %w", crm.ErrInvalid)
	}
	if s.tx != nil {
		return s.runNested(ctx, fn)
	}

	d := s.d
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	t := &txState{}
	committed := false
	defer func() { // also runs when fn panics or calls runtime.Goexit
		t.mu.Lock()
		if !committed {
			d.rollback(t, 0)
		}
		t.done = true
		t.undo = nil
		t.mu.Unlock()
		d.mu.Unlock()
	}()
	if err := fn(&Store{d: d, tx: t, all: s.all, tenant: s.tenant}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: commit: %w", err)
	}
	committed = true
	return nil
}

// runNested runs fn inside the transaction of s, undoing fn's writes if it
// fails or panics.
func (s *Store) runNested(ctx context.Context, fn func(tx crm.Store) error) error {
	t := s.tx
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return ErrTxDone
	}
	mark := len(t.undo)
	t.mu.Unlock()

	ok := false
	defer func() {
		if ok {
			return
		}
		t.mu.Lock()
		if !t.done {
			s.d.rollback(t, mark)
		}
		t.mu.Unlock()
	}()
	if err := fn(s); err != nil {
		return err
	}
	ok = true
	return nil
}

// Close discards the data. Every later call fails with [ErrClosed],
// Close included. Close waits for a running transaction to end; on a
// transaction's Store it fails with [crm.ErrInvalid].
func (s *Store) Close() error {
	if s.tx != nil {
		return fmt.Errorf("memory: close: inside a transaction: %w", crm.ErrInvalid)
	}
	all := s.all
	all.mu.Lock()
	defer all.mu.Unlock()
	if all.closed {
		return ErrClosed
	}
	all.closed = true
	for _, d := range all.m {
		d.close()
	}
	return nil
}

// close discards d, waiting for a running transaction to end.
func (d *data) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	d.customers, d.sorted, d.customerKeys = nil, customerIndex{}, nil
	d.contacts, d.contactIDs, d.contactsOf = nil, nil, nil
	d.pipelines, d.pipelineIDs = nil, nil
	d.opportunities, d.opportunityIDs, d.opportunitiesOf = nil, nil, nil
	d.history, d.caseHistory = histories[crm.OpportunityChange]{}, histories[crm.CaseChange]{}
	d.leads, d.orders, d.payments = children[crm.Lead]{}, children[crm.Order]{}, children[crm.Payment]{}
	d.cases = children[crm.Case]{}
	d.surveys, d.responses = children[crm.Survey]{}, children[crm.Response]{}
	d.interactions, d.claims = children[crm.Interaction]{}, children[crm.ContactClaim]{}
	d.tasks, d.owners = children[crm.Task]{}, children[crm.OwnerChange]{}
	d.log = logData{}
	d.approvals = children[crm.ApprovalRequest]{}
}

// rollback undoes the writes logged in t after position mark, newest
// first. The caller holds t.mu and, through the transaction, d.mu.
func (d *data) rollback(t *txState, mark int) {
	mark = min(mark, len(t.undo))
	for i := len(t.undo) - 1; i >= mark; i-- {
		u := &t.undo[i]
		switch u.kind {
		case kindCustomer:
			d.restoreCustomer(u.id, u.customer)
		case kindContact:
			d.restoreContact(u.id, u.contact)
		case kindPipeline:
			d.restorePipeline(u.id, u.pipeline)
		case kindOpportunity:
			d.restoreOpportunity(u.id, u.opportunity)
		case kindLead:
			d.leads.restore(u.id, u.lead)
		case kindOrder:
			d.orders.restore(u.id, u.order)
		case kindPayment:
			d.payments.restore(u.id, u.payment)
		case kindFunc:
			u.restore(d)
		}
		*u = undoEntry{}
	}
	t.undo = t.undo[:mark]
}

// customerKey is an exact key of a customer: an email address ('e'), a
// phone number ('p') or a tax ID ('t').
type customerKey struct {
	kind  byte
	value string
}

// putCustomer stores c in place of old (nil if c is new), keeping the key
// index.
func (d *data) putCustomer(c, old *crm.Customer) {
	d.customers[c.ID] = c
	if old != nil && sameKeys(c, old) {
		return
	}
	if old != nil {
		d.indexCustomer(old, false)
	}
	d.indexCustomer(c, true)
}

// sameKeys reports whether a and b have the same exact keys.
func sameKeys(a, b *crm.Customer) bool {
	return a.TaxID == b.TaxID && slices.Equal(a.Emails, b.Emails) && slices.Equal(a.Phones, b.Phones)
}

// indexCustomer adds the exact keys of c to the key index, or removes
// them.
func (d *data) indexCustomer(c *crm.Customer, add bool) {
	update := func(key customerKey) {
		ids := d.customerKeys[key]
		switch {
		case add:
			// No search for c.ID first, which would cost a key shared
			// by many customers time in their number: putCustomer
			// removes a customer's keys before it adds them again, and
			// a key listed twice in c is compacted by keyedIDs.
			d.customerKeys[key] = append(ids, c.ID)
		default:
			if ids = slices.DeleteFunc(ids, func(id string) bool { return id == c.ID }); len(ids) == 0 {
				delete(d.customerKeys, key)
			} else {
				d.customerKeys[key] = ids
			}
		}
	}
	for _, e := range c.Emails {
		update(customerKey{'e', e.Address})
	}
	for _, p := range c.Phones {
		update(customerKey{'p', p.Number})
	}
	if c.TaxID != "" {
		update(customerKey{'t', c.TaxID})
	}
}

// keyedIDs returns, in ascending order, the IDs of the customers that the
// first of f's exact conditions — IDs, Emails, Phones, TaxIDs — admits, or
// nil if f has none of them. The caller still matches f in full.
func (d *data) keyedIDs(f *crm.CustomerFilter) *[]string {
	var ids []string
	switch {
	case len(f.IDs) > 0:
		ids = slices.DeleteFunc(slices.Clone(f.IDs), func(id string) bool { return d.customers[id] == nil })
	case len(f.Emails) > 0:
		ids = d.idsByKey('e', f.Emails)
	case len(f.Phones) > 0:
		ids = d.idsByKey('p', f.Phones)
	case len(f.TaxIDs) > 0:
		ids = d.idsByKey('t', f.TaxIDs)
	default:
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return &ids
}

func (d *data) idsByKey(kind byte, vals []string) []string {
	var ids []string
	for _, v := range vals {
		ids = append(ids, d.customerKeys[customerKey{kind, v}]...)
	}
	return ids
}

// restoreCustomer makes e the customer id, removing it if e is nil.
func (d *data) restoreCustomer(id string, e *crm.Customer) {
	_, exists := d.customers[id]
	switch {
	case e == nil && exists:
		d.indexCustomer(d.customers[id], false)
		delete(d.customers, id)
		d.sorted.remove(id)
	case e != nil:
		d.putCustomer(e, d.customers[id])
		if !exists {
			d.sorted.insert(id)
		}
	}
}

// restoreContact makes ct the contact id, removing it if ct is nil.
func (d *data) restoreContact(id string, ct *crm.Contact) {
	cur := d.contacts[id]
	switch {
	case ct == nil && cur != nil:
		d.removeContact(cur)
	case ct != nil:
		d.putContact(ct, cur)
	}
}

// putContact stores ct in place of old (nil if ct is new), keeping the
// indexes.
func (d *data) putContact(ct, old *crm.Contact) {
	d.contacts[ct.ID] = ct
	switch {
	case old == nil:
		d.contactIDs = insertSorted(d.contactIDs, ct.ID)
		indexChild(d.contactsOf, ct.CustomerID, ct.ID)
	case old.CustomerID != ct.CustomerID:
		unindexChild(d.contactsOf, old.CustomerID, ct.ID)
		indexChild(d.contactsOf, ct.CustomerID, ct.ID)
	}
}

// removeContact removes the stored contact ct and its index entries.
func (d *data) removeContact(ct *crm.Contact) {
	delete(d.contacts, ct.ID)
	d.contactIDs = removeSorted(d.contactIDs, ct.ID)
	unindexChild(d.contactsOf, ct.CustomerID, ct.ID)
}

// indexChild adds id to the IDs of the records of customerID in the
// per-customer index of.
func indexChild(of map[string][]string, customerID, id string) {
	of[customerID] = insertSorted(of[customerID], id)
}

// unindexChild removes id from the IDs of the records of customerID in
// the per-customer index of, dropping a list that empties.
func unindexChild(of map[string][]string, customerID, id string) {
	ids := removeSorted(of[customerID], id)
	if len(ids) == 0 {
		delete(of, customerID)
		return
	}
	of[customerID] = ids
}

// normCustomer puts every time of c in the stored form.
func normCustomer(c *crm.Customer) {
	stamp(&c.BirthDate)
	stamp(&c.Consent.Email.At)
	stamp(&c.Consent.Phone.At)
	stamp(&c.Consent.SMS.At)
	stamp(&c.Consent.Post.At)
	stamp(&c.ArchivedAt)
	stamp(&c.ErasedAt)
	stamp(&c.CreatedAt)
	stamp(&c.UpdatedAt)
}

// normContact puts every time of ct in the stored form.
func normContact(ct *crm.Contact) {
	stamp(&ct.CreatedAt)
	stamp(&ct.UpdatedAt)
}

// stamp puts *t in the stored form, [crm.Timestamp]. A time already in
// that form, as the Client stamps them, is left as it is: no arithmetic,
// and no write (with its write barrier) into the new record. Such a time
// carries no monotonic reading, which only times in the Local location
// have.
func stamp(t *time.Time) {
	if t.Nanosecond()%1000 == 0 && t.Location() == time.UTC {
		return
	}
	*t = crm.Timestamp(*t)
}

// pageLimit returns the page size a filter's limit asks for.
func pageLimit(op string, limit int) (int, error) {
	switch {
	case limit == 0:
		return crm.DefaultPageLimit, nil
	case limit < 0:
		return 0, fmt.Errorf("memory: %s: limit %d: %w", op, limit, crm.ErrInvalid)
	case limit > crm.MaxPageLimit:
		return crm.MaxPageLimit, nil
	}
	return limit, nil
}

// startAfter returns the index of the first ID in ids after the cursor.
func startAfter(ids []string, after crm.Cursor) int {
	if after == "" {
		return 0
	}
	i, found := slices.BinarySearch(ids, string(after))
	if found {
		i++
	}
	return i
}

// insertSorted inserts id, which ids lacks, into the ascending ids.
// Increasing IDs, the usual case, are appended.
func insertSorted(ids []string, id string) []string {
	if n := len(ids); n == 0 || ids[n-1] < id {
		return append(ids, id)
	}
	i, _ := slices.BinarySearch(ids, id)
	return slices.Insert(ids, i, id)
}

// removeSorted removes id, if present, from the ascending ids.
func removeSorted(ids []string, id string) []string {
	i, found := slices.BinarySearch(ids, id)
	if !found {
		return ids
	}
	return slices.Delete(ids, i, i+1)
}

// mergeSorted returns the union of the disjoint ascending a and b. When b
// sorts after a, the usual case with increasing IDs, b is appended to a.
func mergeSorted(a, b []string) []string { return mergeSortedFunc(a, b, strings.Compare) }

// mergeSortedFunc returns the union of a and b, disjoint and ascending
// by compare, reusing a's array when b sorts after it.
func mergeSortedFunc[T any](a, b []T, compare func(T, T) int) []T {
	if len(a) == 0 {
		return slices.Clone(b)
	}
	if len(b) == 0 || compare(a[len(a)-1], b[0]) < 0 {
		return append(a, b...)
	}
	out := make([]T, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if compare(a[0], b[0]) < 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}
