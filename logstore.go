package crm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"
)

// logStore is the Store a Client with [WithAudit] or [WithEvents] writes
// through: every write of a record also buffers its audit entry and its
// event, and the transaction appends them last, just before it commits,
// so that the store's serialisation of appenders holds each transaction
// back only for its commit. A write made outside a transaction gets one
// of its own. A record type joins the history by one method here.
type logStore struct {
	Store
	audit, events bool
	now           func() time.Time
	buf           *logBuffer // nil outside a transaction
}

// logBuffer holds a transaction's entries and events until it commits.
type logBuffer struct {
	entries []*AuditEntry
	events  []*Event
}

// RunInTx runs fn in a transaction whose Store logs its writes. Called on
// a transaction's Store it joins it, and forgets what a failing fn
// buffered.
func (s *logStore) RunInTx(ctx context.Context, fn func(tx Store) error) error {
	if s.buf != nil {
		ne, nv := len(s.buf.entries), len(s.buf.events)
		err := s.Store.RunInTx(ctx, func(tx Store) error { return fn(s.join(tx, s.buf)) })
		if err != nil {
			s.buf.entries, s.buf.events = s.buf.entries[:ne], s.buf.events[:nv]
		}
		return err
	}
	return s.Store.RunInTx(ctx, func(tx Store) error {
		t := s.join(tx, &logBuffer{})
		if err := fn(t); err != nil {
			return err
		}
		return t.flush(ctx)
	})
}

func (s *logStore) join(tx Store, buf *logBuffer) *logStore {
	return &logStore{Store: tx, audit: s.audit, events: s.events, now: s.now, buf: buf}
}

// flush appends what the transaction buffered.
func (s *logStore) flush(ctx context.Context) error {
	if len(s.buf.entries) > 0 {
		if err := s.Store.AppendAudit(ctx, s.buf.entries); err != nil {
			return err
		}
	}
	if len(s.buf.events) > 0 {
		if err := s.Store.AppendEvents(ctx, s.buf.events); err != nil {
			return err
		}
	}
	return nil
}

// write runs fn on a logging transaction: s itself inside one, a new one
// outside.
func (s *logStore) write(ctx context.Context, fn func(tx *logStore) error) error {
	if s.buf != nil {
		return fn(s)
	}
	return s.RunInTx(ctx, func(tx Store) error { return fn(tx.(*logStore)) })
}

// record buffers the entry and the event of one mutation of kind id from
// before to after (nil for a creation or a deletion).
func (s *logStore) record(ctx context.Context, kind EntityKind, id string, action AuditAction, before, after any) error {
	changes, data, err := diff(before, after, s.events)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", kind, id, err)
	}
	if action == AuditUpdated && len(changes) == 0 {
		return nil
	}
	s.add(ctx, kind, id, action, changes, data)
	return nil
}

func (s *logStore) add(ctx context.Context, kind EntityKind, id string, action AuditAction, changes []FieldChange, data json.RawMessage) {
	at, by := s.now(), actorID(ctx)
	if s.audit {
		s.buf.entries = append(s.buf.entries, &AuditEntry{At: at, ActorID: by, Entity: kind, EntityID: id, Action: action, Changes: changes, Salt: NewAuditSalt()})
	}
	if s.events {
		s.buf.events = append(s.buf.events, &Event{Type: string(kind) + "." + string(action), At: at, ActorID: by, Entity: kind, EntityID: id, Data: data})
	}
}

// noteAudit buffers an entry of kind id with changes, and its event
// (with the changes as data, as for a move), when tx is a logging
// transaction; otherwise it does nothing. It records what no single write
// shows, such as a merge.
func noteAudit(ctx context.Context, tx Store, kind EntityKind, id string, action AuditAction, changes []FieldChange) error {
	s, ok := logOf(tx)
	if !ok || s.buf == nil {
		return nil
	}
	var data json.RawMessage
	if s.events {
		var err error
		if data, err = json.Marshal(changes); err != nil {
			return fmt.Errorf("audit %s %s: %w", kind, id, err)
		}
	}
	s.add(ctx, kind, id, action, changes, data)
	return nil
}

// logOf returns the logging Store of s, looking under the access guard.
func logOf(s Store) (*logStore, bool) {
	if g, ok := s.(*guardStore); ok {
		s = g.s
	}
	ls, ok := s.(*logStore)
	return ls, ok
}

// create stores a new record with store and logs it.
func (s *logStore) create(ctx context.Context, kind EntityKind, id string, r any, store func(Store) error) error {
	return s.write(ctx, func(tx *logStore) error {
		if err := store(tx.Store); err != nil {
			return err
		}
		return tx.record(ctx, kind, id, AuditCreated, nil, r)
	})
}

// update reads the record as stored with find, writes it with store and
// logs the difference.
func update[T any](ctx context.Context, s *logStore, kind EntityKind, id string, r *T, find func(Store) (*T, error), store func(Store) error) error {
	return s.write(ctx, func(tx *logStore) error {
		before, err := find(tx.Store)
		if err != nil {
			return err
		}
		if err := store(tx.Store); err != nil {
			return err
		}
		return tx.record(ctx, kind, id, AuditUpdated, before, r)
	})
}

// remove reads the record with find, deletes it with store and logs it.
func remove[T any](ctx context.Context, s *logStore, kind EntityKind, id string, find func(Store) (*T, error), store func(Store) error) error {
	return s.write(ctx, func(tx *logStore) error {
		before, err := find(tx.Store)
		if err != nil {
			return err
		}
		if err := store(tx.Store); err != nil {
			return err
		}
		return tx.record(ctx, kind, id, AuditDeleted, before, nil)
	})
}

// move re-points a customer's child records with store and logs how many
// moved where.
func (s *logStore) move(ctx context.Context, child, fromID, toID string, store func(Store) (int, error)) (int, error) {
	var n int
	err := s.write(ctx, func(tx *logStore) error {
		var err error
		if n, err = store(tx.Store); err != nil || n == 0 {
			return err
		}
		after, err := json.Marshal(struct {
			To    string `json:"to"`
			Count int    `json:"count"`
		}{toID, n})
		if err != nil {
			return err
		}
		changes := []FieldChange{{Field: child, After: after}}
		data, err := json.Marshal(changes)
		if err != nil {
			return err
		}
		tx.add(ctx, EntityCustomer, fromID, AuditMoved, changes, data)
		return nil
	})
	return n, err
}

// unloggedFields are the entry's own: its EntityID, and the stamps of
// every write, which its At and ActorID hold.
var unloggedFields = map[string]bool{"ID": true, "Version": true, "UpdatedAt": true, "UpdatedBy": true}

// diff returns the fields that differ between before and after (either
// may be nil; both are pointers to one struct type), as JSON, and the
// event data, withData: after as JSON, or before for a deletion. Fields unset on
// both sides (Go zero values) are left out. A field is compared with
// reflect.DeepEqual first and written as JSON only when that finds a
// difference, which the JSON must confirm (equal decimals may differ in
// representation).
func diff(before, after any, withData bool) ([]FieldChange, json.RawMessage, error) {
	rec := after
	if rec == nil {
		rec = before
	}
	var data json.RawMessage
	var err error
	if withData {
		if data, err = json.Marshal(rec); err != nil {
			return nil, nil, err
		}
	}
	var b, a reflect.Value
	if before != nil {
		b = reflect.ValueOf(before).Elem()
	}
	if after != nil {
		a = reflect.ValueOf(after).Elem()
	}
	typ := reflect.TypeOf(rec).Elem()
	var changes []FieldChange
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() || unloggedFields[f.Name] || f.Tag.Get("json") == "-" {
			continue
		}
		var bv, av reflect.Value
		if b.IsValid() {
			bv = b.Field(i)
		}
		if a.IsValid() {
			av = a.Field(i)
		}
		bSet, aSet := bv.IsValid() && !bv.IsZero(), av.IsValid() && !av.IsZero()
		if !bSet && !aSet || bSet && aSet && reflect.DeepEqual(bv.Interface(), av.Interface()) {
			continue
		}
		ch := FieldChange{Field: f.Name}
		if bSet {
			if ch.Before, err = json.Marshal(bv.Interface()); err != nil {
				return nil, nil, err
			}
		}
		if aSet {
			if ch.After, err = json.Marshal(av.Interface()); err != nil {
				return nil, nil, err
			}
		}
		if bSet && aSet && bytes.Equal(ch.Before, ch.After) {
			continue
		}
		changes = append(changes, ch)
	}
	return changes, data, nil
}

// The writes of every record type.

func (s *logStore) CreateCustomer(ctx context.Context, c *Customer) error {
	return s.create(ctx, EntityCustomer, c.ID, c, func(tx Store) error { return tx.CreateCustomer(ctx, c) })
}

func (s *logStore) CreateCustomers(ctx context.Context, cs []*Customer) error {
	return s.write(ctx, func(tx *logStore) error {
		if err := tx.Store.CreateCustomers(ctx, cs); err != nil {
			return err
		}
		for _, c := range cs {
			if err := tx.record(ctx, EntityCustomer, c.ID, AuditCreated, nil, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *logStore) UpdateCustomer(ctx context.Context, c *Customer) error {
	return update(ctx, s, EntityCustomer, c.ID, c,
		func(tx Store) (*Customer, error) { return tx.FindCustomerByID(ctx, c.ID) },
		func(tx Store) error { return tx.UpdateCustomer(ctx, c) })
}

func (s *logStore) CreateContact(ctx context.Context, ct *Contact) error {
	return s.create(ctx, EntityContact, ct.ID, ct, func(tx Store) error { return tx.CreateContact(ctx, ct) })
}

func (s *logStore) UpdateContact(ctx context.Context, ct *Contact) error {
	return update(ctx, s, EntityContact, ct.ID, ct,
		func(tx Store) (*Contact, error) { return tx.FindContactByID(ctx, ct.ID) },
		func(tx Store) error { return tx.UpdateContact(ctx, ct) })
}

func (s *logStore) DeleteContact(ctx context.Context, id string, version int64) error {
	return remove(ctx, s, EntityContact, id,
		func(tx Store) (*Contact, error) { return tx.FindContactByID(ctx, id) },
		func(tx Store) error { return tx.DeleteContact(ctx, id, version) })
}

func (s *logStore) MoveContacts(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "contacts", fromID, toID, func(tx Store) (int, error) { return tx.MoveContacts(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreatePipeline(ctx context.Context, p *Pipeline) error {
	return s.create(ctx, EntityPipeline, p.ID, p, func(tx Store) error { return tx.CreatePipeline(ctx, p) })
}

func (s *logStore) UpdatePipeline(ctx context.Context, p *Pipeline) error {
	return update(ctx, s, EntityPipeline, p.ID, p,
		func(tx Store) (*Pipeline, error) { return tx.FindPipelineByID(ctx, p.ID) },
		func(tx Store) error { return tx.UpdatePipeline(ctx, p) })
}

func (s *logStore) CreateOpportunity(ctx context.Context, o *Opportunity) error {
	return s.create(ctx, EntityOpportunity, o.ID, o, func(tx Store) error { return tx.CreateOpportunity(ctx, o) })
}

func (s *logStore) UpdateOpportunity(ctx context.Context, o *Opportunity) error {
	return update(ctx, s, EntityOpportunity, o.ID, o,
		func(tx Store) (*Opportunity, error) { return tx.FindOpportunityByID(ctx, o.ID) },
		func(tx Store) error { return tx.UpdateOpportunity(ctx, o) })
}

func (s *logStore) MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "opportunities", fromID, toID, func(tx Store) (int, error) { return tx.MoveOpportunities(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreateLead(ctx context.Context, l *Lead) error {
	return s.create(ctx, EntityLead, l.ID, l, func(tx Store) error { return tx.CreateLead(ctx, l) })
}

func (s *logStore) UpdateLead(ctx context.Context, l *Lead) error {
	return update(ctx, s, EntityLead, l.ID, l,
		func(tx Store) (*Lead, error) { return tx.FindLeadByID(ctx, l.ID) },
		func(tx Store) error { return tx.UpdateLead(ctx, l) })
}

func (s *logStore) MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "leads", fromID, toID, func(tx Store) (int, error) { return tx.MoveLeads(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreateOrder(ctx context.Context, o *Order) error {
	return s.create(ctx, EntityOrder, o.ID, o, func(tx Store) error { return tx.CreateOrder(ctx, o) })
}

func (s *logStore) UpdateOrder(ctx context.Context, o *Order) error {
	return update(ctx, s, EntityOrder, o.ID, o,
		func(tx Store) (*Order, error) { return tx.FindOrderByID(ctx, o.ID) },
		func(tx Store) error { return tx.UpdateOrder(ctx, o) })
}

func (s *logStore) MoveOrders(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "orders", fromID, toID, func(tx Store) (int, error) { return tx.MoveOrders(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreatePayment(ctx context.Context, p *Payment) error {
	return s.create(ctx, EntityPayment, p.ID, p, func(tx Store) error { return tx.CreatePayment(ctx, p) })
}

func (s *logStore) MovePayments(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "payments", fromID, toID, func(tx Store) (int, error) { return tx.MovePayments(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreateCase(ctx context.Context, c *Case) error {
	return s.create(ctx, EntityCase, c.ID, c, func(tx Store) error { return tx.CreateCase(ctx, c) })
}

func (s *logStore) UpdateCase(ctx context.Context, c *Case) error {
	return update(ctx, s, EntityCase, c.ID, c,
		func(tx Store) (*Case, error) { return tx.FindCaseByID(ctx, c.ID) },
		func(tx Store) error { return tx.UpdateCase(ctx, c) })
}

func (s *logStore) MoveCases(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "cases", fromID, toID, func(tx Store) (int, error) { return tx.MoveCases(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreateInteraction(ctx context.Context, i *Interaction) error {
	return s.create(ctx, EntityInteraction, i.ID, i, func(tx Store) error { return tx.CreateInteraction(ctx, i) })
}

func (s *logStore) UpdateInteraction(ctx context.Context, i *Interaction) error {
	return update(ctx, s, EntityInteraction, i.ID, i,
		func(tx Store) (*Interaction, error) { return tx.FindInteractionByID(ctx, i.ID) },
		func(tx Store) error { return tx.UpdateInteraction(ctx, i) })
}

func (s *logStore) DeleteInteraction(ctx context.Context, id string, version int64) error {
	return remove(ctx, s, EntityInteraction, id,
		func(tx Store) (*Interaction, error) { return tx.FindInteractionByID(ctx, id) },
		func(tx Store) error { return tx.DeleteInteraction(ctx, id, version) })
}

func (s *logStore) MoveInteractions(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "interactions", fromID, toID, func(tx Store) (int, error) { return tx.MoveInteractions(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreateContactClaim(ctx context.Context, c *ContactClaim) error {
	return s.create(ctx, EntityContactClaim, c.ID, c, func(tx Store) error { return tx.CreateContactClaim(ctx, c) })
}

func (s *logStore) CreateTask(ctx context.Context, t *Task) error {
	return s.create(ctx, EntityTask, t.ID, t, func(tx Store) error { return tx.CreateTask(ctx, t) })
}

func (s *logStore) UpdateTask(ctx context.Context, t *Task) error {
	return update(ctx, s, EntityTask, t.ID, t,
		func(tx Store) (*Task, error) { return tx.FindTaskByID(ctx, t.ID) },
		func(tx Store) error { return tx.UpdateTask(ctx, t) })
}

func (s *logStore) MoveTasks(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "tasks", fromID, toID, func(tx Store) (int, error) { return tx.MoveTasks(ctx, fromID, toID, at, by) })
}

func (s *logStore) MoveOwnerChanges(ctx context.Context, fromID, toID string) (int, error) {
	return s.move(ctx, "owner_changes", fromID, toID, func(tx Store) (int, error) { return tx.MoveOwnerChanges(ctx, fromID, toID) })
}

func (s *logStore) CreateSegment(ctx context.Context, seg *Segment) error {
	return s.create(ctx, EntitySegment, seg.ID, seg, func(tx Store) error { return tx.CreateSegment(ctx, seg) })
}

func (s *logStore) UpdateSegment(ctx context.Context, seg *Segment) error {
	return update(ctx, s, EntitySegment, seg.ID, seg,
		func(tx Store) (*Segment, error) { return tx.FindSegmentByID(ctx, seg.ID) },
		func(tx Store) error { return tx.UpdateSegment(ctx, seg) })
}

func (s *logStore) CreateSurvey(ctx context.Context, sv *Survey) error {
	return s.create(ctx, EntitySurvey, sv.ID, sv, func(tx Store) error { return tx.CreateSurvey(ctx, sv) })
}

func (s *logStore) UpdateSurvey(ctx context.Context, sv *Survey) error {
	return update(ctx, s, EntitySurvey, sv.ID, sv,
		func(tx Store) (*Survey, error) { return tx.FindSurveyByID(ctx, sv.ID) },
		func(tx Store) error { return tx.UpdateSurvey(ctx, sv) })
}

func (s *logStore) CreateResponse(ctx context.Context, r *Response) error {
	return s.create(ctx, EntityResponse, r.ID, r, func(tx Store) error { return tx.CreateResponse(ctx, r) })
}

func (s *logStore) MoveResponses(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.move(ctx, "responses", fromID, toID, func(tx Store) (int, error) { return tx.MoveResponses(ctx, fromID, toID, at, by) })
}

func (s *logStore) CreateApproval(ctx context.Context, r *ApprovalRequest) error {
	return s.create(ctx, EntityApproval, r.ID, r, func(tx Store) error { return tx.CreateApproval(ctx, r) })
}

func (s *logStore) UpdateApproval(ctx context.Context, r *ApprovalRequest) error {
	return update(ctx, s, EntityApproval, r.ID, r,
		func(tx Store) (*ApprovalRequest, error) { return tx.FindApprovalByID(ctx, r.ID) },
		func(tx Store) error { return tx.UpdateApproval(ctx, r) })
}
