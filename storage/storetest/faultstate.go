package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// tenantState is everything a Store holds for one tenant, as its read
// methods return it: every listing read to its end, archived customers
// included, plus what only a per-ID read reaches (each segment's latest
// snapshot and its members, the named consumers' checkpoints). Two states
// are compared with [diff], field by field; records are keyed by ID
// (history changes by record and version, log entries by Seq), so that a
// difference names the records that differ.
type tenantState struct {
	Customers          map[string]*crm.Customer
	Contacts           map[string]*crm.Contact
	Pipelines          map[string]*crm.Pipeline
	Opportunities      map[string]*crm.Opportunity
	OpportunityChanges map[string]*crm.OpportunityChange
	Leads              map[string]*crm.Lead
	Orders             map[string]*crm.Order
	Payments           map[string]*crm.Payment
	Cases              map[string]*crm.Case
	CaseChanges        map[string]*crm.CaseChange
	Surveys            map[string]*crm.Survey
	Responses          map[string]*crm.Response
	Interactions       map[string]*crm.Interaction
	ContactClaims      map[string]*crm.ContactClaim
	LastClaims         map[string]*crm.ContactClaim // by customer, for every customer with one
	Tasks              map[string]*crm.Task
	OwnerChanges       map[string]*crm.OwnerChange
	Segments           map[string]*crm.Segment
	Snapshots          map[string]*crm.SegmentSnapshot // each segment's latest
	SnapshotMembers    map[string][]string             // by snapshot
	Approvals          map[string]*crm.ApprovalRequest
	Audit              map[string]*crm.AuditEntry
	AuditSeq           int64
	AuditHead          string
	Events             map[string]*crm.Event
	Checkpoints        map[string]int64
	Indexes            *tenantIndexes
}

// tenantIndexes is what the reads that go through a store's indexes
// return: the records of each customer by kind, the customers having
// each email address, phone number and tax ID, each order's payments and
// each survey's responses (as IDs, in listing order; the records
// themselves are in tenantState), and the aggregates. A store that keeps
// an index beside its records (the memory store does) must roll it back
// with them.
type tenantIndexes struct {
	ByCustomer   map[string][]string // kind and customer ID → record IDs
	ByKey        map[string][]string // key → customer IDs
	Payments     map[string][]string // order ID → payment IDs
	Responses    map[string][]string // survey ID → response IDs
	Summaries    []crm.PurchaseSummary
	Cohorts      []crm.CohortCount
	Scores       []crm.ScoreCount
	LastContacts []crm.LastContact
	Exposure     map[string][]crm.Money
}

// tenantLists is what readState reads, listing by listing.
type tenantLists struct {
	Customers          []*crm.Customer
	Contacts           []*crm.Contact
	Pipelines          []*crm.Pipeline
	Opportunities      []*crm.Opportunity
	OpportunityChanges []*crm.OpportunityChange
	Leads              []*crm.Lead
	Orders             []*crm.Order
	Payments           []*crm.Payment
	Cases              []*crm.Case
	CaseChanges        []*crm.CaseChange
	Surveys            []*crm.Survey
	Responses          []*crm.Response
	Interactions       []*crm.Interaction
	ContactClaims      []*crm.ContactClaim
	LastClaims         map[string]*crm.ContactClaim // by customer, for every customer with one
	Tasks              []*crm.Task
	OwnerChanges       []*crm.OwnerChange
	Segments           []*crm.Segment
	Snapshots          map[string]*crm.SegmentSnapshot // each segment's latest
	SnapshotMembers    map[string][]string             // by snapshot
	Approvals          []*crm.ApprovalRequest
	Audit              []*crm.AuditEntry
	AuditSeq           int64
	AuditHead          string
	Events             []*crm.Event
	Checkpoints        map[string]int64
}

// readPages reads a listing page by page, the largest pages a Store serves.
func readPages[T any](find func(after crm.Cursor, limit int) ([]T, crm.Cursor, error)) ([]T, error) {
	var out []T
	var after crm.Cursor
	for {
		page, next, err := find(after, crm.MaxPageLimit)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// readState reads what s holds in the tenant of ctx; consumers names the
// checkpoints to read, asOf the time of the purchase aggregates.
func readState(ctx context.Context, s crm.Store, asOf time.Time, consumers ...string) (*tenantState, error) {
	l, err := readLists(ctx, s, consumers)
	if err != nil {
		return nil, err
	}
	ix, err := readIndexes(ctx, s, l, asOf)
	if err != nil {
		return nil, err
	}
	st := &tenantState{
		Customers:          keyedBy(l.Customers, func(r *crm.Customer) string { return r.ID }),
		Contacts:           keyedBy(l.Contacts, func(r *crm.Contact) string { return r.ID }),
		Pipelines:          keyedBy(l.Pipelines, func(r *crm.Pipeline) string { return r.ID }),
		Opportunities:      keyedBy(l.Opportunities, func(r *crm.Opportunity) string { return r.ID }),
		OpportunityChanges: keyedBy(l.OpportunityChanges, func(r *crm.OpportunityChange) string { return fmt.Sprintf("%s@%d", r.OpportunityID, r.Version) }),
		Leads:              keyedBy(l.Leads, func(r *crm.Lead) string { return r.ID }),
		Orders:             keyedBy(l.Orders, func(r *crm.Order) string { return r.ID }),
		Payments:           keyedBy(l.Payments, func(r *crm.Payment) string { return r.ID }),
		Cases:              keyedBy(l.Cases, func(r *crm.Case) string { return r.ID }),
		CaseChanges:        keyedBy(l.CaseChanges, func(r *crm.CaseChange) string { return fmt.Sprintf("%s@%d", r.CaseID, r.Version) }),
		Surveys:            keyedBy(l.Surveys, func(r *crm.Survey) string { return r.ID }),
		Responses:          keyedBy(l.Responses, func(r *crm.Response) string { return r.ID }),
		Interactions:       keyedBy(l.Interactions, func(r *crm.Interaction) string { return r.ID }),
		ContactClaims:      keyedBy(l.ContactClaims, func(r *crm.ContactClaim) string { return r.ID }),
		Tasks:              keyedBy(l.Tasks, func(r *crm.Task) string { return r.ID }),
		OwnerChanges:       keyedBy(l.OwnerChanges, func(r *crm.OwnerChange) string { return r.ID }),
		Segments:           keyedBy(l.Segments, func(r *crm.Segment) string { return r.ID }),
		Approvals:          keyedBy(l.Approvals, func(r *crm.ApprovalRequest) string { return r.ID }),
		Audit:              keyedBy(l.Audit, func(r *crm.AuditEntry) string { return fmt.Sprintf("%06d", r.Seq) }),
		Events:             keyedBy(l.Events, func(r *crm.Event) string { return fmt.Sprintf("%06d", r.Seq) }),
		LastClaims:         l.LastClaims,
		Snapshots:          l.Snapshots,
		SnapshotMembers:    l.SnapshotMembers,
		AuditSeq:           l.AuditSeq,
		AuditHead:          l.AuditHead,
		Checkpoints:        l.Checkpoints,
		Indexes:            ix,
	}
	return st, nil
}

// keyedBy maps records by key.
func keyedBy[T any](rs []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(rs))
	for _, r := range rs {
		m[key(r)] = r
	}
	return m
}

func readLists(ctx context.Context, s crm.Store, consumers []string) (*tenantLists, error) {
	var st tenantLists
	var err error
	if st.Customers, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Customer, crm.Cursor, error) {
		return s.FindCustomers(ctx, crm.CustomerFilter{IncludeArchived: true, After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Contacts, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Contact, crm.Cursor, error) {
		return s.FindContacts(ctx, crm.ContactFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Pipelines, err = s.FindPipelines(ctx); err != nil {
		return nil, err
	}
	if st.Opportunities, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Opportunity, crm.Cursor, error) {
		return s.FindOpportunities(ctx, crm.OpportunityFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.OpportunityChanges, err = readPages(func(after crm.Cursor, limit int) ([]*crm.OpportunityChange, crm.Cursor, error) {
		return s.FindOpportunityChanges(ctx, crm.OpportunityChangeFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Leads, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Lead, crm.Cursor, error) {
		return s.FindLeads(ctx, crm.LeadFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Orders, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Order, crm.Cursor, error) {
		return s.FindOrders(ctx, crm.OrderFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Payments, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Payment, crm.Cursor, error) {
		return s.FindPayments(ctx, crm.PaymentFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Cases, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Case, crm.Cursor, error) {
		return s.FindCases(ctx, crm.CaseFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.CaseChanges, err = readPages(func(after crm.Cursor, limit int) ([]*crm.CaseChange, crm.Cursor, error) {
		return s.FindCaseChanges(ctx, crm.CaseChangeFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Surveys, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Survey, crm.Cursor, error) {
		return s.FindSurveys(ctx, crm.SurveyFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Responses, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Response, crm.Cursor, error) {
		return s.FindResponses(ctx, crm.ResponseFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Interactions, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Interaction, crm.Cursor, error) {
		return s.FindInteractions(ctx, crm.InteractionFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.ContactClaims, err = readPages(func(after crm.Cursor, limit int) ([]*crm.ContactClaim, crm.Cursor, error) {
		return s.FindContactClaims(ctx, crm.ContactClaimFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	st.LastClaims = map[string]*crm.ContactClaim{}
	for _, cl := range st.ContactClaims {
		if _, ok := st.LastClaims[cl.CustomerID]; ok {
			continue
		}
		if st.LastClaims[cl.CustomerID], err = s.LastContactClaim(ctx, cl.CustomerID); err != nil {
			return nil, err
		}
	}
	if st.Tasks, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Task, crm.Cursor, error) {
		return s.FindTasks(ctx, crm.TaskFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.OwnerChanges, err = readPages(func(after crm.Cursor, limit int) ([]*crm.OwnerChange, crm.Cursor, error) {
		return s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if st.Segments, err = readPages(func(after crm.Cursor, limit int) ([]*crm.Segment, crm.Cursor, error) {
		return s.FindSegments(ctx, crm.SegmentFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	st.Snapshots, st.SnapshotMembers = map[string]*crm.SegmentSnapshot{}, map[string][]string{}
	for _, seg := range st.Segments {
		snap, err := s.FindLatestSegmentSnapshot(ctx, seg.ID)
		if errors.Is(err, crm.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		st.Snapshots[seg.ID] = snap
		if st.SnapshotMembers[snap.ID], err = readPages(func(after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
			return s.FindSegmentSnapshotMembers(ctx, snap.ID, after, limit)
		}); err != nil {
			return nil, err
		}
	}
	if st.Approvals, err = readPages(func(after crm.Cursor, limit int) ([]*crm.ApprovalRequest, crm.Cursor, error) {
		return s.FindApprovals(ctx, crm.ApprovalFilter{After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	for {
		var after int64
		if n := len(st.Audit); n > 0 {
			after = st.Audit[n-1].Seq
		}
		page, _, err := s.FindAudit(ctx, crm.AuditFilter{AfterSeq: after, Limit: crm.MaxPageLimit})
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		st.Audit = append(st.Audit, page...)
	}
	if st.AuditSeq, st.AuditHead, err = s.AuditHead(ctx); err != nil {
		return nil, err
	}
	for {
		var after int64
		if n := len(st.Events); n > 0 {
			after = st.Events[n-1].Seq
		}
		page, err := s.FindEvents(ctx, after, crm.MaxPageLimit)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		st.Events = append(st.Events, page...)
	}
	st.Checkpoints = map[string]int64{}
	for _, name := range slices.Sorted(slices.Values(consumers)) {
		if st.Checkpoints[name], err = s.Checkpoint(ctx, name); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

// diffStates returns the differences between two states as [diff] finds
// them. The JSON forms are compared first: equal ones mean equal states
// (every field of a record marshals; no field is left out of JSON), and
// diff, which walks every field of every record, is slow enough to run
// only when they differ. beforeJSON is before's JSON form, if known.
func diffStates(before *tenantState, beforeJSON []byte, after *tenantState) ([]string, error) {
	if beforeJSON == nil {
		var err error
		if beforeJSON, err = json.Marshal(before); err != nil {
			return nil, err
		}
	}
	afterJSON, err := json.Marshal(after)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(beforeJSON, afterJSON) {
		return nil, nil
	}
	return diff(before, after), nil
}

// groupIDs lists, in order, the IDs of rs under the key each has.
func groupIDs[T any](m map[string][]string, prefix string, rs []T, key, id func(T) string) {
	for _, r := range rs {
		k := prefix + key(r)
		m[k] = append(m[k], id(r))
	}
}

// readIndexes reads the records of l again through the store's indexes.
func readIndexes(ctx context.Context, s crm.Store, l *tenantLists, asOf time.Time) (*tenantIndexes, error) {
	ix := &tenantIndexes{ByCustomer: map[string][]string{}, ByKey: map[string][]string{}, Payments: map[string][]string{},
		Responses: map[string][]string{}, Exposure: map[string][]crm.Money{}}
	ids := make([]string, len(l.Customers))
	var emails, phones, taxIDs []string
	for i, c := range l.Customers {
		ids[i] = c.ID
		for _, e := range c.Emails {
			emails = append(emails, e.Address)
		}
		for _, p := range c.Phones {
			phones = append(phones, p.Number)
		}
		if c.TaxID != "" {
			taxIDs = append(taxIDs, c.TaxID)
		}
	}
	if len(ids) == 0 {
		return ix, nil
	}
	// One listing per kind of key, grouped by the keys asked for: a key
	// missing from a store's index leaves its customer out, unless
	// another of its keys finds it.
	for _, key := range []struct {
		kind string
		vals []string
		f    func(vals []string) crm.CustomerFilter
		keys func(c *crm.Customer) []string
	}{
		{"email ", emails, func(v []string) crm.CustomerFilter { return crm.CustomerFilter{Emails: v} },
			func(c *crm.Customer) []string { return idsOf(c.Emails, func(e crm.Email) string { return e.Address }) }},
		{"phone ", phones, func(v []string) crm.CustomerFilter { return crm.CustomerFilter{Phones: v} },
			func(c *crm.Customer) []string { return idsOf(c.Phones, func(p crm.Phone) string { return p.Number }) }},
		{"tax ID ", taxIDs, func(v []string) crm.CustomerFilter { return crm.CustomerFilter{TaxIDs: v} },
			func(c *crm.Customer) []string { return []string{c.TaxID} }},
	} {
		if len(key.vals) == 0 {
			continue
		}
		vals := slices.Compact(slices.Sorted(slices.Values(key.vals)))
		page, err := readPages(func(after crm.Cursor, limit int) ([]*crm.Customer, crm.Cursor, error) {
			f := key.f(vals)
			f.IncludeArchived, f.After, f.Limit = true, after, limit
			return s.FindCustomers(ctx, f)
		})
		if err != nil {
			return nil, err
		}
		for _, c := range page {
			for _, k := range key.keys(c) {
				if _, ok := slices.BinarySearch(vals, k); ok {
					ix.ByKey[key.kind+k] = append(ix.ByKey[key.kind+k], c.ID)
				}
			}
		}
	}
	for _, id := range ids {
		page, err := readPages(func(after crm.Cursor, limit int) ([]*crm.Contact, crm.Cursor, error) {
			return s.FindContacts(ctx, crm.ContactFilter{CustomerID: id, After: after, Limit: limit})
		})
		if err != nil {
			return nil, err
		}
		groupIDs(ix.ByCustomer, "contacts of ", page, func(r *crm.Contact) string { return id }, func(r *crm.Contact) string { return r.ID })
	}
	if err := readGrouped(ix.ByCustomer, "opportunities of ", func(after crm.Cursor, limit int) ([]*crm.Opportunity, crm.Cursor, error) {
		return s.FindOpportunities(ctx, crm.OpportunityFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Opportunity) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "leads of ", func(after crm.Cursor, limit int) ([]*crm.Lead, crm.Cursor, error) {
		return s.FindLeads(ctx, crm.LeadFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Lead) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "orders of ", func(after crm.Cursor, limit int) ([]*crm.Order, crm.Cursor, error) {
		return s.FindOrders(ctx, crm.OrderFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Order) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "payments of ", func(after crm.Cursor, limit int) ([]*crm.Payment, crm.Cursor, error) {
		return s.FindPayments(ctx, crm.PaymentFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Payment) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "cases of ", func(after crm.Cursor, limit int) ([]*crm.Case, crm.Cursor, error) {
		return s.FindCases(ctx, crm.CaseFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Case) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "responses of ", func(after crm.Cursor, limit int) ([]*crm.Response, crm.Cursor, error) {
		return s.FindResponses(ctx, crm.ResponseFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Response) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "interactions of ", func(after crm.Cursor, limit int) ([]*crm.Interaction, crm.Cursor, error) {
		return s.FindInteractions(ctx, crm.InteractionFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Interaction) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "claims of ", func(after crm.Cursor, limit int) ([]*crm.ContactClaim, crm.Cursor, error) {
		return s.FindContactClaims(ctx, crm.ContactClaimFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.ContactClaim) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "tasks of ", func(after crm.Cursor, limit int) ([]*crm.Task, crm.Cursor, error) {
		return s.FindTasks(ctx, crm.TaskFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.Task) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if err := readGrouped(ix.ByCustomer, "owner changes of ", func(after crm.Cursor, limit int) ([]*crm.OwnerChange, crm.Cursor, error) {
		return s.FindOwnerChanges(ctx, crm.OwnerChangeFilter{CustomerIDs: ids, After: after, Limit: limit})
	}, func(r *crm.OwnerChange) (string, string) { return r.CustomerID, r.ID }); err != nil {
		return nil, err
	}
	if orders := idsOf(l.Orders, func(o *crm.Order) string { return o.ID }); len(orders) > 0 {
		if err := readGrouped(ix.Payments, "", func(after crm.Cursor, limit int) ([]*crm.Payment, crm.Cursor, error) {
			return s.FindPayments(ctx, crm.PaymentFilter{OrderIDs: orders, After: after, Limit: limit})
		}, func(r *crm.Payment) (string, string) { return r.OrderID, r.ID }); err != nil {
			return nil, err
		}
		for _, id := range slices.Compact(slices.Sorted(slices.Values(idsOf(l.Orders, func(o *crm.Order) string { return o.CustomerID })))) {
			m, err := s.CustomerExposure(ctx, id)
			if err != nil {
				return nil, err
			}
			ix.Exposure[id] = m
		}
	}
	if surveys := idsOf(l.Surveys, func(r *crm.Survey) string { return r.ID }); len(surveys) > 0 {
		if err := readGrouped(ix.Responses, "", func(after crm.Cursor, limit int) ([]*crm.Response, crm.Cursor, error) {
			return s.FindResponses(ctx, crm.ResponseFilter{SurveyIDs: surveys, After: after, Limit: limit})
		}, func(r *crm.Response) (string, string) { return r.SurveyID, r.ID }); err != nil {
			return nil, err
		}
	}
	var err error
	if ix.Summaries, err = readPages(func(after crm.Cursor, limit int) ([]crm.PurchaseSummary, crm.Cursor, error) {
		return s.PurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: asOf, CustomerIDs: ids, After: after, Limit: limit})
	}); err != nil {
		return nil, err
	}
	if ix.Cohorts, err = s.PurchaseCohorts(ctx, crm.PurchaseCohortFilter{AsOf: asOf}); err != nil {
		return nil, err
	}
	if ix.Scores, err = s.ResponseScores(ctx, crm.ResponseFilter{CustomerIDs: ids}); err != nil {
		return nil, err
	}
	if ix.LastContacts, err = s.LastContacts(ctx, ids); err != nil {
		return nil, err
	}
	return ix, nil
}

// readGrouped reads a listing to its end and groups the IDs of its
// records by the key key gives each.
func readGrouped[T any](m map[string][]string, prefix string, find func(after crm.Cursor, limit int) ([]T, crm.Cursor, error),
	key func(T) (string, string)) error {
	rs, err := readPages(find)
	if err != nil {
		return err
	}
	groupIDs(m, prefix, rs, func(r T) string { k, _ := key(r); return k }, func(r T) string { _, id := key(r); return id })
	return nil
}
