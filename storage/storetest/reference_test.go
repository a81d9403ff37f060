package storetest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// refStore is a deliberately simple crm.Store: maps behind one mutex, a
// transaction works on a deep copy that replaces the data on commit. It
// exists to test the suite: it must pass it, and each fault (a named bug
// switched on in the code below) must make the suite fail.
type refStore struct {
	db *refDB
	tx *refState // the transaction's working copy; nil outside one
}

type refDB struct {
	mu      sync.Mutex
	state   refState             // tenant ""
	tenants map[string]*refState // the other tenants
	seq     int                  // creation counter, for the insertion-order fault
	closed  bool
	fault   string
}

type refState struct {
	customers     map[string]*crm.Customer
	contacts      map[string]*crm.Contact
	pipelines     map[string]*crm.Pipeline
	opportunities map[string]*crm.Opportunity
	changes       []*crm.OpportunityChange // in the order added
	leads         map[string]*crm.Lead
	orders        map[string]*crm.Order
	payments      map[string]*crm.Payment
	cases         map[string]*crm.Case
	caseChanges   []*crm.CaseChange // in the order added
	created       map[string]int    // ID to creation sequence number
	segments      refSegments
	surveys       map[string]*crm.Survey
	responses     map[string]*crm.Response
	interactions  map[string]*crm.Interaction
	claims        map[string]*crm.ContactClaim
	tasks         map[string]*crm.Task
	ownerChanges  map[string]*crm.OwnerChange
	log           refLog
	approvals     map[string]*crm.ApprovalRequest
}

var _ crm.Store = (*refStore)(nil)

func newRefStore(fault string) *refStore {
	return &refStore{db: &refDB{fault: fault, state: newRefState()}}
}

// newRefState returns the empty data of one tenant.
func newRefState() refState {
	return refState{
		customers:     map[string]*crm.Customer{},
		contacts:      map[string]*crm.Contact{},
		pipelines:     map[string]*crm.Pipeline{},
		opportunities: map[string]*crm.Opportunity{},
		leads:         map[string]*crm.Lead{},
		orders:        map[string]*crm.Order{},
		payments:      map[string]*crm.Payment{},
		cases:         map[string]*crm.Case{},
		created:       map[string]int{},
		surveys:       map[string]*crm.Survey{},
		responses:     map[string]*crm.Response{},
		interactions:  map[string]*crm.Interaction{},
		claims:        map[string]*crm.ContactClaim{},
		tasks:         map[string]*crm.Task{},
		ownerChanges:  map[string]*crm.OwnerChange{},
		log:           refLog{checkpoints: map[string]int64{}},
		approvals:     map[string]*crm.ApprovalRequest{},
	}
}

// stateOf returns the data of tenant: tenant "" in state, the others in
// tenants, made when first used.
func (db *refDB) stateOf(tenant string) *refState {
	if tenant == "" || db.fault == "tenant-ignored" {
		return &db.state
	}
	if db.tenants == nil {
		db.tenants = map[string]*refState{}
	}
	st, ok := db.tenants[tenant]
	if !ok {
		fresh := newRefState()
		st = &fresh
		db.tenants[tenant] = st
	}
	return st
}

func (st *refState) clone() refState {
	out := refState{
		customers:     make(map[string]*crm.Customer, len(st.customers)),
		contacts:      make(map[string]*crm.Contact, len(st.contacts)),
		pipelines:     make(map[string]*crm.Pipeline, len(st.pipelines)),
		opportunities: make(map[string]*crm.Opportunity, len(st.opportunities)),
		leads:         make(map[string]*crm.Lead, len(st.leads)),
		orders:        make(map[string]*crm.Order, len(st.orders)),
		payments:      make(map[string]*crm.Payment, len(st.payments)),
		cases:         make(map[string]*crm.Case, len(st.cases)),
		created:       make(map[string]int, len(st.created)),
		surveys:       make(map[string]*crm.Survey, len(st.surveys)),
		responses:     make(map[string]*crm.Response, len(st.responses)),
		interactions:  cloneMap(st.interactions, (*crm.Interaction).Clone),
		claims:        cloneMap(st.claims, (*crm.ContactClaim).Clone),
		tasks:         cloneMap(st.tasks, (*crm.Task).Clone),
		ownerChanges:  cloneMap(st.ownerChanges, (*crm.OwnerChange).Clone),
		log:           st.log.clone(),
		approvals:     cloneMap(st.approvals, (*crm.ApprovalRequest).Clone),
	}
	for id, sv := range st.surveys {
		out.surveys[id] = sv.Clone()
	}
	for id, r := range st.responses {
		out.responses[id] = r.Clone()
	}
	for id, c := range st.cases {
		out.cases[id] = c.Clone()
	}
	for _, ch := range st.caseChanges {
		c := *ch
		out.caseChanges = append(out.caseChanges, &c)
	}
	for id, l := range st.leads {
		out.leads[id] = l.Clone()
	}
	for id, o := range st.orders {
		out.orders[id] = o.Clone()
	}
	for id, p := range st.payments {
		out.payments[id] = p.Clone()
	}
	for id, c := range st.customers {
		out.customers[id] = c.Clone()
	}
	for id, ct := range st.contacts {
		out.contacts[id] = ct.Clone()
	}
	for id, p := range st.pipelines {
		out.pipelines[id] = p.Clone()
	}
	for id, o := range st.opportunities {
		out.opportunities[id] = o.Clone()
	}
	for _, ch := range st.changes {
		c := *ch
		out.changes = append(out.changes, &c)
	}
	for id, n := range st.created {
		out.created[id] = n
	}
	out.segments = st.segments.clone()
	return out
}

func (s *refStore) is(fault string) bool { return s.db.fault == fault }

// ctxErr returns the error a call with ctx must fail with, if any.
func (s *refStore) ctxErr(ctx context.Context) error {
	err := ctx.Err()
	switch {
	case err == nil || s.is("ignore-ctx"):
		return nil
	case s.is("ctx-error-text"):
		return errors.New("ref: " + err.Error())
	case s.is("deadline-as-canceled"):
		return fmt.Errorf("ref: %w", context.Canceled)
	}
	return fmt.Errorf("ref: %w", err)
}

// do runs fn on the data: the transaction's copy inside one, the store's
// under its lock outside.
func (s *refStore) do(ctx context.Context, fn func(st *refState) error) error {
	if err := s.ctxErr(ctx); err != nil {
		return err
	}
	if s.tx != nil {
		if s.is("tx-reads-committed") {
			return fn(&s.db.state)
		}
		return fn(s.tx)
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.db.closed {
		return errors.New("ref: closed")
	}
	return fn(s.db.stateOf(crm.TenantFrom(ctx)))
}

func (s *refStore) notFound(what string) error {
	if s.is("not-found-text") {
		return errors.New("ref: " + what + " not found")
	}
	return fmt.Errorf("ref: %s: %w", what, crm.ErrNotFound)
}

// in returns what to store for c.
func (s *refStore) in(c *crm.Customer) *crm.Customer {
	if s.is("alias-in") {
		return c
	}
	c = c.Clone()
	ts := s.timestamp
	c.BirthDate, c.ArchivedAt, c.ErasedAt, c.CreatedAt, c.UpdatedAt = ts(c.BirthDate), ts(c.ArchivedAt), ts(c.ErasedAt), ts(c.CreatedAt), ts(c.UpdatedAt)
	c.Consent.Email.At, c.Consent.Phone.At = ts(c.Consent.Email.At), ts(c.Consent.Phone.At)
	c.Consent.SMS.At, c.Consent.Post.At = ts(c.Consent.SMS.At), ts(c.Consent.Post.At)
	for k, v := range c.Custom {
		if n, ok := v.Number(); ok && s.is("float-numbers") {
			f, _ := n.Float64()
			c.Custom[k] = crm.NumberValue(decimal.NewFromFloat(f))
		}
		if b, ok := v.Bool(); ok && !b && s.is("drop-false") {
			delete(c.Custom, k)
		}
	}
	if s.is("drop-time-zone") {
		c.TimeZone = ""
	}
	if s.is("drop-label") && len(c.Emails) > 1 {
		c.Emails[1].Label = ""
	}
	return c
}

func (s *refStore) timestamp(t time.Time) time.Time {
	switch {
	case s.is("no-truncate"):
		return t
	case s.is("round-time"):
		return t.Round(time.Microsecond).UTC()
	case s.is("keep-zone"):
		return crm.Timestamp(t).In(t.Location())
	}
	return crm.Timestamp(t)
}

// out returns what to hand out for the stored c.
func (s *refStore) out(c *crm.Customer) *crm.Customer {
	if s.is("alias-out") {
		return c
	}
	c = c.Clone()
	if s.is("zero-time-epoch") && c.ArchivedAt.IsZero() {
		c.ArchivedAt = time.Unix(0, 0).UTC()
	}
	return c
}

func (s *refStore) inContact(ct *crm.Contact) *crm.Contact {
	if s.is("alias-in") {
		return ct
	}
	ct = ct.Clone()
	ct.CreatedAt, ct.UpdatedAt = s.timestamp(ct.CreatedAt), s.timestamp(ct.UpdatedAt)
	return ct
}

func (s *refStore) outContact(ct *crm.Contact) *crm.Contact {
	if s.is("alias-out") {
		return ct
	}
	return ct.Clone()
}

func (s *refStore) CreateCustomer(ctx context.Context, c *crm.Customer) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.customers[c.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: customer %s: %w", c.ID, crm.ErrDuplicate)
		}
		st.customers[c.ID] = s.in(c)
		s.db.seq++
		st.created[c.ID] = s.db.seq
		return nil
	})
}

func (s *refStore) CreateCustomers(ctx context.Context, cs []*crm.Customer) error {
	return s.do(ctx, func(st *refState) error {
		store := func(c *crm.Customer) {
			if s.is("bulk-no-lists") {
				c = c.Clone()
				c.Emails, c.Phones, c.Tags = nil, nil, nil
			}
			st.customers[c.ID] = s.in(c)
			s.db.seq++
			st.created[c.ID] = s.db.seq
		}
		seen := map[string]bool{}
		for _, c := range cs {
			_, taken := st.customers[c.ID]
			switch {
			case s.is("bulk-partial") && taken:
				return fmt.Errorf("ref: customer %s: %w", c.ID, crm.ErrDuplicate)
			case s.is("bulk-partial"):
				store(c) // stores the customers before the first taken ID
			case (taken || seen[c.ID]) && !s.is("bulk-overwrites"):
				return fmt.Errorf("ref: customer %s: %w", c.ID, crm.ErrDuplicate)
			}
			seen[c.ID] = true
		}
		if !s.is("bulk-partial") {
			for _, c := range cs {
				store(c)
			}
		}
		return nil
	})
}

func (s *refStore) FindCustomerByID(ctx context.Context, id string) (*crm.Customer, error) {
	var out *crm.Customer
	err := s.do(ctx, func(st *refState) error {
		c, ok := st.customers[id]
		if !ok {
			return s.notFound("customer " + id)
		}
		out = s.out(c)
		return nil
	})
	return out, err
}

func (s *refStore) UpdateCustomer(ctx context.Context, c *crm.Customer) error {
	if s.is("racy-update") && s.tx == nil {
		// Checks the version and writes in two critical sections.
		err := s.do(ctx, func(st *refState) error {
			old, ok := st.customers[c.ID]
			if !ok {
				return s.notFound("customer " + c.ID)
			}
			if old.Version != c.Version {
				return fmt.Errorf("ref: customer %s: %w", c.ID, crm.ErrConflict)
			}
			return nil
		})
		if err != nil {
			return err
		}
		runtime.Gosched()
		return s.do(ctx, func(st *refState) error {
			nc := s.in(c)
			nc.Version++
			st.customers[c.ID] = nc
			c.Version = nc.Version
			return nil
		})
	}
	return s.do(ctx, func(st *refState) error {
		old, ok := st.customers[c.ID]
		if !ok && !s.is("update-upserts") {
			return s.notFound("customer " + c.ID)
		}
		if ok && old.Version != c.Version && !s.is("no-version-check") {
			if s.is("conflict-bumps-version") {
				c.Version++
			}
			return fmt.Errorf("ref: customer %s: %w", c.ID, crm.ErrConflict)
		}
		nc := s.in(c)
		nc.Version = c.Version + 1
		if s.is("no-version-check") && ok {
			nc.Version = old.Version + 1
		}
		st.customers[c.ID] = nc
		if !s.is("version-not-set") {
			c.Version = nc.Version
		}
		return nil
	})
}

func (s *refStore) FindCustomers(ctx context.Context, f crm.CustomerFilter) ([]*crm.Customer, crm.Cursor, error) {
	if f.Rule != nil {
		if err := f.Rule.CheckStored(); err != nil {
			return nil, "", err
		}
	}
	var page []*crm.Customer
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		var all []*crm.Customer
		for _, c := range st.customers {
			if s.match(c, f) {
				all = append(all, c)
			}
		}
		if s.is("insertion-order") {
			slices.SortFunc(all, func(a, b *crm.Customer) int { return st.created[a.ID] - st.created[b.ID] })
		} else {
			slices.SortFunc(all, func(a, b *crm.Customer) int { return strings.Compare(a.ID, b.ID) })
		}
		var ids []string
		for _, c := range all {
			ids = append(ids, c.ID)
		}
		from, to, cur := s.pageBounds(ids, f.After, f.Limit)
		for _, c := range all[from:to] {
			page = append(page, s.out(c))
		}
		next = cur
		return nil
	})
	return page, next, err
}

// pageBounds returns the part of the ascending ids that makes the page
// after the cursor, and the next cursor.
func (s *refStore) pageBounds(ids []string, after crm.Cursor, limit int) (from, to int, next crm.Cursor) {
	if limit == 0 {
		limit = crm.DefaultPageLimit
		if s.is("limit0-unlimited") {
			limit = len(ids) + 1
		}
	}
	if s.is("offset-cursor") {
		from, _ = strconv.Atoi(string(after))
	} else if after != "" {
		for from < len(ids) && ids[from] <= string(after) {
			from++
		}
	}
	from = min(from, len(ids))
	to = min(from+limit, len(ids))
	if s.is("short-pages") && to-from > 1 {
		to--
	}
	if to < len(ids) {
		next = crm.Cursor(ids[to-1])
		if s.is("offset-cursor") {
			next = crm.Cursor(strconv.Itoa(to))
		}
	}
	if s.is("cursor-never-ends") && to == len(ids) && to > from {
		next = crm.Cursor(ids[to-1])
	}
	return from, to, next
}

func (s *refStore) match(c *crm.Customer, f crm.CustomerFilter) bool {
	hidden := c.Archived() && !f.IncludeArchived && !s.is("archived-included")
	if s.is("merged-included") && c.MergedInto != "" {
		hidden = false // treats a merged customer as live
	}
	if hidden {
		return false
	}
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	if !in(f.Owners, c.OwnerID) || !in(f.Industries, c.Industry) {
		return false
	}
	if len(f.Regions) > 0 && (!slices.Contains(f.Regions, c.Region) || s.is("no-empty-region") && c.Region == "") {
		return false
	}
	if len(f.Stages) > 0 && !slices.Contains(f.Stages, c.Stage) {
		return false
	}
	if len(f.Kinds) > 0 && !slices.Contains(f.Kinds, c.Kind) {
		return false
	}
	if f.Rule != nil && !f.Rule.Match(c, nil) {
		if !s.is("rule-ignores-not") || f.Rule.Op != crm.OpNot {
			return false
		}
	}
	if len(f.Tags) > 0 {
		n := 0
		for _, t := range f.Tags {
			if c.HasTag(t) {
				n++
			}
		}
		if n == 0 || n < len(f.Tags) && !s.is("tags-any") {
			return false
		}
	}
	if !f.UpdatedSince.IsZero() {
		since := f.UpdatedSince
		if s.is("since-wall-clock") {
			y, mo, d := since.Date()
			since = time.Date(y, mo, d, since.Hour(), since.Minute(), since.Second(), since.Nanosecond(), time.UTC)
		}
		if c.UpdatedAt.Before(since) || s.is("since-exclusive") && c.UpdatedAt.Equal(since) {
			return false
		}
	}
	if f.Search != "" && !s.searchMatches(c, f.Search) {
		return false
	}
	ids, taxIDs := f.IDs, f.TaxIDs
	if s.is("any-of-first-only") {
		ids, taxIDs = ids[:min(1, len(ids))], taxIDs[:min(1, len(taxIDs))]
	}
	if len(ids) > 0 && !slices.Contains(ids, c.ID) {
		return false
	}
	if len(f.Emails) > 0 && !slices.ContainsFunc(c.Emails, func(e crm.Email) bool {
		return slices.Contains(f.Emails, e.Address) && (e.Primary || !s.is("email-primary-only"))
	}) {
		return false
	}
	if len(f.Phones) > 0 && !slices.ContainsFunc(c.Phones, func(p crm.Phone) bool {
		return slices.ContainsFunc(f.Phones, func(n string) bool {
			return p.Number == n || s.is("phone-prefix") && strings.HasPrefix(p.Number, n)
		})
	}) {
		return false
	}
	if len(taxIDs) > 0 && !slices.Contains(taxIDs, c.TaxID) {
		return false
	}
	return true
}

func (s *refStore) searchMatches(c *crm.Customer, search string) bool {
	texts := []string{c.Name}
	for i, e := range c.Emails {
		if s.is("search-name-only") || s.is("search-first-email") && i > 0 {
			break
		}
		texts = append(texts, e.Address)
	}
	for _, text := range texts {
		switch {
		case s.is("search-substring"):
			if strings.Contains(strings.ToLower(text), strings.ToLower(search)) {
				return true
			}
		case s.is("search-case"):
			if strings.HasPrefix(text, search) {
				return true
			}
		case s.is("search-ascii-fold"):
			if len(text) >= len(search) && asciiLower(text[:len(search)]) == asciiLower(search) {
				return true
			}
		case s.is("search-like"):
			pattern := regexp.QuoteMeta(strings.ToLower(search))
			pattern = strings.NewReplacer("%", ".*", "_", ".").Replace(pattern)
			if regexp.MustCompile("^" + pattern).MatchString(strings.ToLower(text)) {
				return true
			}
		default:
			if strings.HasPrefix(strings.ToLower(text), strings.ToLower(search)) {
				return true
			}
		}
	}
	return false
}

func (s *refStore) CreateContact(ctx context.Context, ct *crm.Contact) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.contacts[ct.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: contact %s: %w", ct.ID, crm.ErrDuplicate)
		}
		if _, ok := st.customers[ct.CustomerID]; !ok && !s.is("no-customer-check") {
			return s.notFound("customer " + ct.CustomerID)
		}
		st.contacts[ct.ID] = s.inContact(ct)
		return nil
	})
}

func (s *refStore) FindContactByID(ctx context.Context, id string) (*crm.Contact, error) {
	var out *crm.Contact
	err := s.do(ctx, func(st *refState) error {
		ct, ok := st.contacts[id]
		if !ok {
			return s.notFound("contact " + id)
		}
		out = s.outContact(ct)
		return nil
	})
	return out, err
}

func (s *refStore) FindContacts(ctx context.Context, f crm.ContactFilter) ([]*crm.Contact, crm.Cursor, error) {
	var page []*crm.Contact
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		var ids []string
		for id, ct := range st.contacts {
			if f.CustomerID == "" || ct.CustomerID == f.CustomerID || s.is("contacts-unfiltered") {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		from, to, cur := s.pageBounds(ids, f.After, f.Limit)
		for _, id := range ids[from:to] {
			page = append(page, s.outContact(st.contacts[id]))
		}
		next = cur
		return nil
	})
	return page, next, err
}

func (s *refStore) UpdateContact(ctx context.Context, ct *crm.Contact) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.contacts[ct.ID]
		if !ok {
			return s.notFound("contact " + ct.ID)
		}
		if old.Version != ct.Version && !s.is("no-version-check") {
			return fmt.Errorf("ref: contact %s: %w", ct.ID, crm.ErrConflict)
		}
		if _, ok := st.customers[ct.CustomerID]; !ok && !s.is("no-customer-check") {
			return s.notFound("customer " + ct.CustomerID)
		}
		nc := s.inContact(ct)
		nc.Version = old.Version + 1
		st.contacts[ct.ID] = nc
		ct.Version = nc.Version
		return nil
	})
}

func (s *refStore) DeleteContact(ctx context.Context, id string, version int64) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.contacts[id]
		if !ok {
			return s.notFound("contact " + id)
		}
		if old.Version != version && !s.is("delete-ignores-version") {
			return fmt.Errorf("ref: contact %s: %w", id, crm.ErrConflict)
		}
		delete(st.contacts, id)
		return nil
	})
}

func (s *refStore) MoveContacts(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		if _, ok := st.customers[toID]; !ok && !s.is("move-no-target-check") {
			return s.notFound("customer " + toID)
		}
		var ids []string
		for id, ct := range st.contacts {
			if ct.CustomerID == fromID {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		if s.is("move-one-page") && len(ids) > crm.DefaultPageLimit {
			ids = ids[:crm.DefaultPageLimit]
		}
		for _, id := range ids {
			ct := st.contacts[id].Clone()
			ct.CustomerID = toID
			ct.UpdatedAt = s.timestamp(at)
			ct.UpdatedBy = by
			if !s.is("move-no-version") {
				ct.Version++
			}
			st.contacts[id] = ct
		}
		n = len(ids)
		return nil
	})
	return n, err
}

func (s *refStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) (err error) {
	if err := s.ctxErr(ctx); err != nil {
		return err
	}
	if s.tx != nil { // join: work on a copy of the transaction's copy
		if s.is("nested-flat") {
			return fn(s)
		}
		work := s.tx.clone()
		if err := fn(&refStore{db: s.db, tx: &work}); err != nil {
			return err
		}
		*s.tx = work
		return nil
	}

	s.db.mu.Lock()
	unlock := true
	defer func() {
		if unlock {
			s.db.mu.Unlock()
		}
	}()
	if s.db.closed {
		return errors.New("ref: closed")
	}
	base := s.db.stateOf(crm.TenantFrom(ctx))
	work := base.clone()
	if s.is("no-rollback") {
		work = *base // shares the maps: every write lands at once
	}
	if s.is("panic-keeps-lock") {
		unlock = false
	}
	if s.is("panic-swallowed") {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("ref: fn panicked: %v", r)
			}
		}()
	}
	if s.is("panic-commits") {
		defer func() {
			if r := recover(); r != nil {
				*base = work
				panic(r)
			}
		}()
	}
	err = fn(&refStore{db: s.db, tx: &work})
	unlock = true
	if err != nil {
		if s.is("tx-error-replaced") {
			return errors.New("ref: transaction failed")
		}
		return err
	}
	if err := s.ctxErr(ctx); err != nil {
		return err
	}
	*base = work
	return nil
}

func (s *refStore) Close() error {
	if s.is("close-error") {
		return errors.New("ref: close failed")
	}
	if s.is("panic-keeps-lock") {
		return nil // the lock is lost; do not wait for it
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.db.closed {
		return errors.New("ref: closed")
	}
	s.db.closed = true
	return nil
}

// asciiLower lower-cases ASCII letters only, as SQLite's LOWER does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
