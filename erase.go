package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"
)

// ErasedText takes the place of an erased text that a record must have:
// the name of a customer, contact or lead, the name of a deal, the
// subject of a case, the title of a task.
const ErasedText = "(erased)"

// Erasure is what [Client.EraseCustomer] did.
type Erasure struct {
	// CustomerIDs are the customers erased: the one asked for first, then
	// those merged into it.
	CustomerIDs []string
	// The numbers of records anonymised by this call, by kind; records
	// already anonymised are not counted again, so a repeated erasure
	// counts zero.
	Customers, Contacts, Leads, Opportunities, Interactions, Cases, Tasks, Responses int
}

// add adds the counts of o to e.
func (e *Erasure) add(o *Erasure) {
	e.Customers += o.Customers
	e.Contacts += o.Contacts
	e.Leads += o.Leads
	e.Opportunities += o.Opportunities
	e.Interactions += o.Interactions
	e.Cases += o.Cases
	e.Tasks += o.Tasks
	e.Responses += o.Responses
}

// changes returns the counts of e as the changes of an [AuditErased]
// entry, leaving out kinds with none.
func (e *Erasure) changes() ([]FieldChange, error) {
	var out []FieldChange
	for _, k := range []struct {
		field string
		n     int
	}{
		{"customers", e.Customers}, {"contacts", e.Contacts}, {"leads", e.Leads}, {"opportunities", e.Opportunities},
		{"interactions", e.Interactions}, {"cases", e.Cases}, {"tasks", e.Tasks}, {"responses", e.Responses},
	} {
		if k.n == 0 {
			continue
		}
		after, err := json.Marshal(struct {
			Count int `json:"count"`
		}{k.n})
		if err != nil {
			return nil, err
		}
		out = append(out, FieldChange{Field: k.field, After: after})
	}
	return out, nil
}

// EraseCustomer anonymises the personal data of the customer id and of
// the records that belong to it, in one transaction, for a request to be
// forgotten. It keeps what is not personal, so that counts, sales
// figures and purchase summaries stay as they were: orders and payments
// are left as they are (amounts, currencies, dates, lines), and so are
// survey scores, stages, statuses, owners, kinds, times and every ID.
//
// Personal, and so erased:
//   - the customer: Name (to [ErasedText]), Emails, Phones, Address,
//     TaxID, BirthDate, Tags, Custom, TimeZone, CreditRating,
//     CreditLimit and RiskLevel cleared; consent withdrawn on every
//     channel; DoNotContact set; archived, and ErasedAt set;
//   - its contacts: Name (to ErasedText), JobTitle, Emails, Phones;
//   - the leads converted into it: Name (to ErasedText), Company, Title,
//     Email, Phone, DisqualifiedReason;
//   - its opportunities: Name (to ErasedText), NextStep;
//   - its interactions: Subject, Summary, Outcome;
//   - its cases: Subject (to ErasedText), Description;
//   - its tasks: Title (to ErasedText), Notes, Source (which may name a
//     date such as a birthday);
//   - its survey responses: Comment.
//
// The audit history and the event outbox are erased for every one of
// these records, whatever the field: each audit entry keeps its field
// names but gives its values up for their digests ([AuditEntry.Erase]),
// so [Client.VerifyAudit] still passes, and each event keeps its type
// and record but loses its Data ([LogStore.EraseLog]). So are those of
// the contacts and interactions deleted from the customer before, found
// by reading the history of those kinds (without [WithAudit], the
// outbox) through. Events a consumer
// has already taken cannot be called back: a consumer should act on the
// "customer.erased" event. The erasure itself is written in the history
// of the customer as an entry of action [AuditErased], by the acting
// user, with only the number of records anonymised per kind, and as an
// event of that type; its anonymising writes enter no history of their
// own. Orders and payments keep their history.
//
// Customers merged into this one (found through its email addresses,
// phone numbers and tax ID, which a merge gives the survivor) are erased
// with it. Erasing a merged-away customer erases that record and what
// still belongs to it, not the survivor it was merged into. Erasing an
// erased customer again anonymises what has been added since, if
// anything, and is otherwise harmless: it changes and records nothing.
//
// With access control on, erasure needs [PermCustomerDelete] on all
// records; with [ApprovalPolicy].Erase it waits for a second actor's
// approval.
//
// Errors: [ErrNotFound] for a missing customer, a [*ValidationError]
// for an empty ID, [ErrForbidden], [ErrApprovalRequired]; on any error
// nothing changes.
func (c *Client) EraseCustomer(ctx context.Context, id string) (*Erasure, error) {
	if err := c.gate(ctx); err != nil {
		return nil, fmt.Errorf("crm: erase customer %s: %w", id, err)
	}
	if id == "" {
		return nil, required("erasure", "customer_id")
	}
	if c.auth != nil {
		gr, err := authorize(ctx, c.auth, PermCustomerDelete)
		if err == nil && !gr.all {
			err = gr.forbidden("erase customers")
		}
		if err != nil {
			return nil, fmt.Errorf("crm: erase customer %s: %w", id, err)
		}
	}
	if c.approvals != nil && c.approvals.Erase && !approvedIn(ctx) {
		if _, err := c.store.FindCustomerByID(ctx, id); err != nil {
			return nil, wrapUnlessTyped("erase customer "+id, err)
		}
		return nil, c.requestApproval(ctx, ApprovalErase, id, struct{}{})
	}
	now, by := c.now(), actorID(ctx)
	var out *Erasure
	err := c.store.RunInTx(ctx, func(tx Store) error {
		raw, logged := layers(tx)
		cust, err := raw.FindCustomerByID(ctx, id)
		if err != nil {
			return fmt.Errorf("customer %s: %w", id, err)
		}
		e := &Erasure{}
		todo, seen := []*Customer{cust}, map[string]bool{cust.ID: true}
		for len(todo) > 0 {
			cust := todo[0]
			todo = todo[1:]
			merged, err := mergedInto(ctx, raw, cust)
			if err != nil {
				return err
			}
			for _, m := range merged {
				if !seen[m.ID] {
					seen[m.ID] = true
					todo = append(todo, m)
				}
			}
			one := &Erasure{}
			if err := eraseOne(ctx, raw, cust, one, now, by); err != nil {
				return err
			}
			e.CustomerIDs = append(e.CustomerIDs, cust.ID)
			changes, err := one.changes()
			if err != nil {
				return err
			}
			e.add(one)
			if logged == nil || len(changes) == 0 {
				continue
			}
			data, err := json.Marshal(changes)
			if err != nil {
				return err
			}
			logged.add(ctx, EntityCustomer, cust.ID, AuditErased, changes, data)
		}
		if logged != nil {
			if err := eraseDeleted(ctx, raw, logged, e.CustomerIDs); err != nil {
				return err
			}
		}
		out = e
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("erase customer "+id, err)
	}
	c.log.InfoContext(ctx, "crm: customer erased", "customer", id, "customers", len(out.CustomerIDs), "actor", by)
	return out, nil
}

// layers returns the store under the access guard and the audit log of
// tx, and the log (nil without one): erasure checks access once, up
// front, and writes around the log, which would record the values it
// erases.
func layers(tx Store) (raw Store, logged *logStore) {
	if g, ok := tx.(*guardStore); ok {
		tx = g.s
	}
	if ls, ok := tx.(*logStore); ok {
		return ls.Store, ls
	}
	return tx, nil
}

// eraseOne anonymises cust and its records in s, a Store whose writes
// enter no history, erases their history and events, and counts what it
// changed in e.
func eraseOne(ctx context.Context, s Store, cust *Customer, e *Erasure, now time.Time, by string) error {
	id := cust.ID
	// The customer's own entries first: its history holds its values,
	// and an erased customer's history holds nothing else.
	if !cust.Erased() {
		if err := s.EraseLog(ctx, EntityCustomer, []string{id}); err != nil {
			return fmt.Errorf("erase history of customer %s: %w", id, err)
		}
		eraseCustomerFields(cust, now)
		cust.UpdatedAt, cust.UpdatedBy = now, by
		if err := s.UpdateCustomer(ctx, cust); err != nil {
			return fmt.Errorf("customer %s: %w", id, err)
		}
		e.Customers++
	}
	stamp := func(at *time.Time, who *string) { *at, *who = now, by }
	var err error
	if e.Contacts, err = scrub(ctx, s, e.Contacts, EntityContact, "contacts of "+id,
		pages(ctx, ContactFilter{CustomerID: id, Limit: MaxPageLimit}, s.FindContacts, func(f *ContactFilter, c Cursor) { f.After = c }),
		func(ct *Contact) string { return ct.ID },
		func(ct *Contact) bool {
			if ct.Name == ErasedText && ct.JobTitle == "" && len(ct.Emails)+len(ct.Phones) == 0 {
				return false
			}
			ct.Name, ct.JobTitle, ct.Emails, ct.Phones = ErasedText, "", nil, nil
			stamp(&ct.UpdatedAt, &ct.UpdatedBy)
			return true
		}, s.UpdateContact); err != nil {
		return err
	}
	if e.Leads, err = scrub(ctx, s, e.Leads, EntityLead, "leads of "+id,
		pages(ctx, LeadFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}, s.FindLeads, func(f *LeadFilter, c Cursor) { f.After = c }),
		func(l *Lead) string { return l.ID },
		func(l *Lead) bool {
			if l.Name == ErasedText && l.Company+l.Title+l.Email+l.Phone+l.DisqualifiedReason == "" {
				return false
			}
			l.Name, l.Company, l.Title, l.Email, l.Phone, l.DisqualifiedReason = ErasedText, "", "", "", "", ""
			stamp(&l.UpdatedAt, &l.UpdatedBy)
			return true
		}, s.UpdateLead); err != nil {
		return err
	}
	if e.Opportunities, err = scrub(ctx, s, e.Opportunities, EntityOpportunity, "opportunities of "+id,
		pages(ctx, OpportunityFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}, s.FindOpportunities, func(f *OpportunityFilter, c Cursor) { f.After = c }),
		func(o *Opportunity) string { return o.ID },
		func(o *Opportunity) bool {
			if o.Name == ErasedText && o.NextStep == "" {
				return false
			}
			o.Name, o.NextStep = ErasedText, ""
			stamp(&o.UpdatedAt, &o.UpdatedBy)
			return true
		}, s.UpdateOpportunity); err != nil {
		return err
	}
	if e.Interactions, err = scrub(ctx, s, e.Interactions, EntityInteraction, "interactions of "+id,
		pages(ctx, InteractionFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}, s.FindInteractions, func(f *InteractionFilter, c Cursor) { f.After = c }),
		func(i *Interaction) string { return i.ID },
		func(i *Interaction) bool {
			if i.Subject+i.Summary+i.Outcome == "" {
				return false
			}
			i.Subject, i.Summary, i.Outcome = "", "", ""
			stamp(&i.UpdatedAt, &i.UpdatedBy)
			return true
		}, s.UpdateInteraction); err != nil {
		return err
	}
	if e.Cases, err = scrub(ctx, s, e.Cases, EntityCase, "cases of "+id,
		pages(ctx, CaseFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}, s.FindCases, func(f *CaseFilter, c Cursor) { f.After = c }),
		func(cs *Case) string { return cs.ID },
		func(cs *Case) bool {
			if cs.Subject == ErasedText && cs.Description == "" {
				return false
			}
			cs.Subject, cs.Description = ErasedText, ""
			stamp(&cs.UpdatedAt, &cs.UpdatedBy)
			return true
		}, s.UpdateCase); err != nil {
		return err
	}
	if e.Tasks, err = scrub(ctx, s, e.Tasks, EntityTask, "tasks of "+id,
		pages(ctx, TaskFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}, s.FindTasks, func(f *TaskFilter, c Cursor) { f.After = c }),
		func(t *Task) string { return t.ID },
		func(t *Task) bool {
			if t.Title == ErasedText && t.Notes+t.Source == "" {
				return false
			}
			t.Title, t.Notes, t.Source = ErasedText, "", ""
			stamp(&t.UpdatedAt, &t.UpdatedBy)
			return true
		}, s.UpdateTask); err != nil {
		return err
	}
	n, err := s.EraseResponseComments(ctx, id, now, by)
	if err != nil {
		return fmt.Errorf("erase responses of %s: %w", id, err)
	}
	e.Responses += n
	_, err = scrub(ctx, s, 0, EntityResponse, "responses of "+id,
		pages(ctx, ResponseFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}, s.FindResponses, func(f *ResponseFilter, c Cursor) { f.After = c }),
		func(r *Response) string { return r.ID }, nil, nil)
	return err
}

// deletable are the kinds of records of a customer that can be deleted,
// and so are no longer listed by the time of an erasure, while their
// history and events hold their values.
var deletable = []EntityKind{EntityContact, EntityInteraction}

// eraseDeleted erases the history and events of the deleted records of
// the customers ids: those whose deletion the audit history holds, or
// without one the outbox, with one of ids as CustomerID. It reads every
// entry (or event) of the deletable kinds.
func eraseDeleted(ctx context.Context, s Store, logged *logStore, ids []string) error {
	of := func(data []byte) bool {
		var r struct{ CustomerID string }
		return json.Unmarshal(data, &r) == nil && slices.Contains(ids, r.CustomerID)
	}
	found := map[EntityKind][]string{}
	if logged.audit {
		for _, kind := range deletable {
			f := AuditFilter{Entity: kind, Limit: MaxPageLimit}
			entries := pages(ctx, f, s.FindAudit, func(f *AuditFilter, next Cursor) {
				f.AfterSeq, _ = strconv.ParseInt(string(next), 10, 64)
			})
			for e, err := range entries {
				if err != nil {
					return fmt.Errorf("deleted %ss: %w", kind, err)
				}
				if e.Action != AuditDeleted {
					continue
				}
				for _, ch := range e.Changes {
					var id string
					if ch.Field == "CustomerID" && json.Unmarshal(ch.Before, &id) == nil && slices.Contains(ids, id) {
						found[kind] = append(found[kind], e.EntityID)
					}
				}
			}
		}
	} else {
		for after := int64(0); ; {
			page, err := s.FindEvents(ctx, after, MaxPageLimit)
			if err != nil {
				return fmt.Errorf("deleted records: %w", err)
			}
			for _, ev := range page {
				if slices.Contains(deletable, ev.Entity) && ev.Type == string(ev.Entity)+"."+string(AuditDeleted) && of(ev.Data) {
					found[ev.Entity] = append(found[ev.Entity], ev.EntityID)
				}
				after = ev.Seq
			}
			if len(page) < MaxPageLimit {
				break
			}
		}
	}
	for _, kind := range deletable {
		for chunk := range slices.Chunk(found[kind], MaxPageLimit) {
			if err := s.EraseLog(ctx, kind, chunk); err != nil {
				return fmt.Errorf("erase history of deleted %ss: %w", kind, err)
			}
		}
	}
	return nil
}

// scrub anonymises each record seq yields with anonymise, writing those
// it changed with update and counting them onto n, and erases the
// history and events of every record seen, changed or not, a page at a
// time; with a nil anonymise it only erases. what names the records in
// errors.
func scrub[T any](ctx context.Context, s Store, n int, kind EntityKind, what string, seq iter.Seq2[*T, error],
	id func(*T) string, anonymise func(*T) bool, update func(context.Context, *T) error) (int, error) {
	var ids []string
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		if err := s.EraseLog(ctx, kind, ids); err != nil {
			return fmt.Errorf("erase history of %s: %w", what, err)
		}
		ids = ids[:0]
		return nil
	}
	for r, err := range seq {
		if err != nil {
			return n, fmt.Errorf("%s: %w", what, err)
		}
		if anonymise != nil && anonymise(r) {
			if err := update(ctx, r); err != nil {
				return n, fmt.Errorf("%s: %s: %w", what, id(r), err)
			}
			n++
		}
		if ids = append(ids, id(r)); len(ids) == MaxPageLimit {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// eraseCustomerFields anonymises c as [Client.EraseCustomer] documents.
func eraseCustomerFields(c *Customer, now time.Time) {
	c.Name = ErasedText
	c.Emails, c.Phones, c.Address = nil, nil, Address{}
	c.Tags, c.Custom = nil, nil
	c.TaxID, c.BirthDate, c.TimeZone = "", time.Time{}, ""
	c.CreditRating, c.CreditLimit, c.RiskLevel = "", Money{}, ""
	for _, ch := range Channels() {
		c.Consent.Set(ch, false, now)
	}
	c.DoNotContact = true
	if c.ArchivedAt.IsZero() {
		c.ArchivedAt = now
	}
	c.ErasedAt = now
}

// mergedInto returns the customers merged into cust, found among the
// archived customers sharing an email address, a phone number or the tax
// ID with it: a merge gives the survivor the duplicate's.
func mergedInto(ctx context.Context, s Store, cust *Customer) ([]*Customer, error) {
	var out []*Customer
	for _, f := range keyFilters(cust) {
		f.IncludeArchived, f.Limit = true, MaxPageLimit
		for m, err := range pages(ctx, f, s.FindCustomers, func(f *CustomerFilter, c Cursor) { f.After = c }) {
			if err != nil {
				return nil, fmt.Errorf("customers merged into %s: %w", cust.ID, err)
			}
			if m.MergedInto == cust.ID && !slices.ContainsFunc(out, func(o *Customer) bool { return o.ID == m.ID }) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}
