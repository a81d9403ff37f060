package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"
)

// Audit actions of merges, which a Client with [WithAudit] records on the
// customers merged.
const (
	// AuditMerged: [Client.MergeCustomers] merged a duplicate into the
	// customer (the survivor). Changes hold what [Client.UndoMerge] needs:
	// "DuplicateID" (After: the duplicate's ID); "Survivor" and
	// "Duplicate" (Before: the customer as stored before the merge, After:
	// its Version after it); "Children" (After: the records moved, a list
	// of {"kind", "id", "version"}, the version being the record's after
	// the move, absent for records without one).
	AuditMerged AuditAction = "merged"
	// AuditUnmerged: [Client.UndoMerge] reversed a merge. On the survivor,
	// Changes are "MergeSeq" (After: the Seq of the [AuditMerged] entry
	// undone), "DuplicateID", "Restored" (the records moved back) and
	// "Kept" (those left as they are); on the duplicate, "MergeSeq" and
	// "SurvivorID".
	AuditUnmerged AuditAction = "unmerged"
)

// mergedChild is a record a merge moved, as the [AuditMerged] entry
// keeps it.
type mergedChild struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Version int64  `json:"version,omitempty"`
}

// childReturn moves records of one kind back to the customer a merge took
// them from, one by one.
type childReturn struct {
	// versions returns the Version of each record of customerID.
	versions func(ctx context.Context, tx Store, customerID string) (map[string]int64, error)
	// moveBack re-points the record id, stored at version, from customer
	// fromID to toID.
	moveBack func(ctx context.Context, tx Store, id string, version int64, fromID, toID string, at time.Time, by string) error
}

// childReturns are the kinds of child records [Client.UndoMerge] moves
// back, by the name of their [ChildKind]. Owner changes and contact
// claims are history and stay; kinds added with [WithChildKind] have no
// way to move one record.
var childReturns = map[string]childReturn{
	"contact": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			return versionsOf(pages(ctx, ContactFilter{CustomerID: id, Limit: MaxPageLimit}, tx.FindContacts, func(f *ContactFilter, c Cursor) { f.After = c }),
				func(r *Contact) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindContactByID, Store.UpdateContact, func(r *Contact) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
	"opportunity": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := OpportunityFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindOpportunities, func(f *OpportunityFilter, c Cursor) { f.After = c }),
				func(r *Opportunity) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindOpportunityByID, Store.UpdateOpportunity, func(r *Opportunity) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
	"lead": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := LeadFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindLeads, func(f *LeadFilter, c Cursor) { f.After = c }),
				func(r *Lead) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindLeadByID, Store.UpdateLead, func(r *Lead) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
	"order": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := OrderFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindOrders, func(f *OrderFilter, c Cursor) { f.After = c }),
				func(r *Order) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindOrderByID, Store.UpdateOrder, func(r *Order) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
	"payment": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := PaymentFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindPayments, func(f *PaymentFilter, c Cursor) { f.After = c }),
				func(r *Payment) (string, int64) { return r.ID, r.Version })
		},
		moveBack: moveOneBack(EntityPayment, Store.MovePayment),
	},
	"response": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := ResponseFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindResponses, func(f *ResponseFilter, c Cursor) { f.After = c }),
				func(r *Response) (string, int64) { return r.ID, r.Version })
		},
		moveBack: moveOneBack(EntityResponse, Store.MoveResponse),
	},
	"case": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := CaseFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindCases, func(f *CaseFilter, c Cursor) { f.After = c }),
				func(r *Case) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindCaseByID, Store.UpdateCase, func(r *Case) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
	"interaction": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := InteractionFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindInteractions, func(f *InteractionFilter, c Cursor) { f.After = c }),
				func(r *Interaction) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindInteractionByID, Store.UpdateInteraction, func(r *Interaction) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
	"task": {
		versions: func(ctx context.Context, tx Store, id string) (map[string]int64, error) {
			f := TaskFilter{CustomerIDs: []string{id}, Limit: MaxPageLimit}
			return versionsOf(pages(ctx, f, tx.FindTasks, func(f *TaskFilter, c Cursor) { f.After = c }),
				func(r *Task) (string, int64) { return r.ID, r.Version })
		},
		moveBack: updateBack(Store.FindTaskByID, Store.UpdateTask, func(r *Task) (*string, *time.Time, *string, *int64) {
			return &r.CustomerID, &r.UpdatedAt, &r.UpdatedBy, &r.Version
		}),
	},
}

// versionsOf collects the ID and Version of each record seq yields.
func versionsOf[T any](seq iter.Seq2[*T, error], key func(*T) (string, int64)) (map[string]int64, error) {
	out := map[string]int64{}
	for r, err := range seq {
		if err != nil {
			return nil, err
		}
		id, v := key(r)
		out[id] = v
	}
	return out, nil
}

// updateBack moves a record back by reading it with find and writing it
// with update, its customer, stamps and Version being the ones fields
// points at; the write is version-checked as every update is.
func updateBack[T any](find func(Store, context.Context, string) (*T, error), update func(Store, context.Context, *T) error,
	fields func(*T) (customer *string, at *time.Time, by *string, version *int64),
) func(context.Context, Store, string, int64, string, string, time.Time, string) error {
	return func(ctx context.Context, tx Store, id string, version int64, _, toID string, at time.Time, by string) error {
		r, err := find(tx, ctx, id)
		if err != nil {
			return err
		}
		cust, upAt, upBy, v := fields(r)
		if *v != version {
			return fmt.Errorf("version %d, stored %d: %w", version, *v, ErrConflict)
		}
		*cust, *upAt, *upBy = toID, at, by
		return update(tx, ctx, r)
	}
}

// moveOneBack moves a record back with a one-record Store move, such as
// [OrderStore.MovePayment], which the audit history does not see:
// it enters the change of customer itself, as an update of kind.
func moveOneBack(kind EntityKind, move func(Store, context.Context, string, int64, string, time.Time, string) error,
) func(context.Context, Store, string, int64, string, string, time.Time, string) error {
	return func(ctx context.Context, tx Store, id string, version int64, fromID, toID string, at time.Time, by string) error {
		if err := move(tx, ctx, id, version, toID, at, by); err != nil {
			return err
		}
		before, _ := json.Marshal(fromID) // a string always marshals
		after, _ := json.Marshal(toID)
		return noteAudit(ctx, tx, kind, id, AuditUpdated, []FieldChange{{Field: "CustomerID", Before: before, After: after}})
	}
}

// audits reports whether the Client keeps an audit history.
func (c *Client) audits() bool {
	s, ok := logOf(c.store)
	return ok && s.audit
}

// noteMerge buffers the [AuditMerged] entry of a merge done in tx: before
// and dup are the two customers as stored before it, survivorVersion and
// duplicateVersion their versions after it, children what moved.
func noteMerge(ctx context.Context, tx Store, before, dup *Customer, survivorVersion, duplicateVersion int64, children []ChildRef) error {
	moved := make([]mergedChild, len(children))
	versions := map[string]map[string]int64{}
	for i, ch := range children {
		moved[i] = mergedChild{Kind: ch.Kind, ID: ch.ID}
		back, ok := childReturns[ch.Kind]
		if !ok {
			continue
		}
		if versions[ch.Kind] == nil {
			vs, err := back.versions(ctx, tx, before.ID)
			if err != nil {
				return fmt.Errorf("read %ss of %s: %w", ch.Kind, before.ID, err)
			}
			versions[ch.Kind] = vs
		}
		moved[i].Version = versions[ch.Kind][ch.ID]
	}
	var changes []FieldChange
	for _, f := range []struct {
		name          string
		before, after any
	}{
		{"DuplicateID", nil, dup.ID},
		{"Survivor", before, survivorVersion},
		{"Duplicate", dup, duplicateVersion},
		{"Children", nil, moved},
	} {
		ch := FieldChange{Field: f.name}
		var err error
		if f.before != nil {
			if ch.Before, err = json.Marshal(f.before); err != nil {
				return fmt.Errorf("audit merge of %s: %w", dup.ID, err)
			}
		}
		if ch.After, err = json.Marshal(f.after); err != nil {
			return fmt.Errorf("audit merge of %s: %w", dup.ID, err)
		}
		changes = append(changes, ch)
	}
	return noteAudit(ctx, tx, EntityCustomer, before.ID, AuditMerged, changes)
}

// mergeRecord is an [AuditMerged] entry read back.
type mergeRecord struct {
	seq                 int64
	duplicateID         string
	survivor, duplicate *Customer
	// survivorVersion and duplicateVersion are the versions after the
	// merge.
	survivorVersion, duplicateVersion int64
	children                          []mergedChild
}

// readMergeRecord decodes the changes of the [AuditMerged] entry e.
func readMergeRecord(e *AuditEntry) (*mergeRecord, error) {
	rec := &mergeRecord{seq: e.Seq}
	targets := map[string][2]any{
		"DuplicateID": {nil, &rec.duplicateID},
		"Survivor":    {&rec.survivor, &rec.survivorVersion},
		"Duplicate":   {&rec.duplicate, &rec.duplicateVersion},
		"Children":    {nil, &rec.children},
	}
	seen := 0
	for _, ch := range e.Changes {
		t, ok := targets[ch.Field]
		if !ok {
			continue
		}
		seen++
		for i, raw := range []json.RawMessage{ch.Before, ch.After} {
			if t[i] == nil {
				continue
			}
			if err := json.Unmarshal(raw, t[i]); err != nil {
				return nil, fmt.Errorf("audit entry %d: %s: %w", e.Seq, ch.Field, err)
			}
		}
	}
	if seen != len(targets) || rec.survivor == nil || rec.duplicate == nil {
		return nil, fmt.Errorf("audit entry %d: not a merge this Client recorded: %w", e.Seq, ErrInvalid)
	}
	return rec, nil
}

// UnmergeResult is what [Client.UndoMerge] restored.
type UnmergeResult struct {
	// Survivor and Duplicate are the two customers as restored: each with
	// the values it had before the merge and a new Version.
	Survivor, Duplicate *Customer
	// Restored lists the child records moved back to the duplicate.
	Restored []ChildRef
	// Kept lists the records of the merge that UndoMerge leaves as they
	// are: entries of ownership history, which stay with the survivor; the
	// duplicate's contact claim, which never moved (the copy the merge
	// made holds the survivor until it lapses); and records of kinds added
	// with [WithChildKind], which have no way to move one record back and
	// are left for the caller to return.
	Kept []ChildRef
	// MergeSeq is the Seq of the [AuditMerged] entry undone.
	MergeSeq int64
}

// MergeConflictError reports that [Client.UndoMerge] found records the
// merge touched changed since: it undid nothing. It matches
// [ErrConflict].
type MergeConflictError struct {
	SurvivorID, DuplicateID string
	// Changed names each record written since the merge, or gone from the
	// survivor, in the order of the merge; the two customers appear with
	// Kind "customer".
	Changed []ChildRef
}

// maxConflictNames bounds how many records a [MergeConflictError]'s
// message names.
const maxConflictNames = 10

// Error names what changed.
func (e *MergeConflictError) Error() string {
	names := make([]string, 0, min(len(e.Changed), maxConflictNames))
	for i := range min(len(e.Changed), maxConflictNames) {
		names = append(names, e.Changed[i].Kind+" "+e.Changed[i].ID)
	}
	more := ""
	if n := len(e.Changed) - len(names); n > 0 {
		more = fmt.Sprintf(" and %d more", n)
	}
	return fmt.Sprintf("crm: undo merge of %s into %s: changed since the merge: %s%s", e.DuplicateID, e.SurvivorID, strings.Join(names, ", "), more)
}

// Is reports whether target is [ErrConflict].
func (e *MergeConflictError) Is(target error) bool { return target == ErrConflict }

// UndoMerge reverses the latest merge of duplicateID into survivorID
// that the audit history holds ([AuditMerged]), in one transaction: the
// survivor takes back the values it had before the merge, the duplicate
// its own, live again (not archived, MergedInto cleared), and each child
// record the merge moved goes back to the duplicate by its ID, so that
// records the survivor had, or gained since, stay. Versions go up, never
// back. Ownership history, contact claims and records of kinds added with
// [WithChildKind] are not moved ([UnmergeResult.Kept]). The undo is
// recorded: an [AuditUnmerged] entry on each customer, besides the
// entries of the writes.
//
// It undoes only what nothing has changed since: if either customer or
// any record moved back was written after the merge, or is no longer on
// the survivor, it returns a [*MergeConflictError] naming them (matching
// [ErrConflict]) and changes nothing. It returns an error matching
// [ErrInvalid] for a Client without [WithAudit], which keeps no merge
// history, or a missing ID; [ErrNotFound] if the history holds no such
// merge; and [ErrTransition] if that merge was undone already.
func (c *Client) UndoMerge(ctx context.Context, survivorID, duplicateID string) (*UnmergeResult, error) {
	if err := checkPair("undo merge", survivorID, duplicateID); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("undo merge of %s into %s", duplicateID, survivorID)
	if !c.audits() {
		return nil, fmt.Errorf("crm: %s: the merge history needs a Client made with WithAudit: %w", op, ErrInvalid)
	}
	now, by := c.now(), actorID(ctx)

	var res *UnmergeResult
	err := c.store.RunInTx(ctx, func(tx Store) error {
		rec, err := lastMerge(ctx, tx, survivorID, duplicateID)
		if err != nil {
			return err
		}
		s, err := tx.FindCustomerByID(ctx, survivorID)
		if err != nil {
			return err
		}
		d, err := tx.FindCustomerByID(ctx, duplicateID)
		if err != nil {
			return err
		}
		conflict := &MergeConflictError{SurvivorID: survivorID, DuplicateID: duplicateID}
		for _, v := range []struct {
			cust *Customer
			want int64
		}{{s, rec.survivorVersion}, {d, rec.duplicateVersion}} {
			if v.cust.Version != v.want {
				conflict.Changed = append(conflict.Changed, ChildRef{Kind: string(EntityCustomer), ID: v.cust.ID})
			}
		}
		res = &UnmergeResult{MergeSeq: rec.seq}
		versions := map[string]map[string]int64{}
		var back []mergedChild
		for _, ch := range rec.children {
			ret, ok := childReturns[ch.Kind]
			if !ok {
				res.Kept = append(res.Kept, ChildRef{Kind: ch.Kind, ID: ch.ID})
				continue
			}
			if versions[ch.Kind] == nil {
				vs, err := ret.versions(ctx, tx, survivorID)
				if err != nil {
					return fmt.Errorf("read %ss of %s: %w", ch.Kind, survivorID, err)
				}
				versions[ch.Kind] = vs
			}
			if v, ok := versions[ch.Kind][ch.ID]; !ok || v != ch.Version {
				conflict.Changed = append(conflict.Changed, ChildRef{Kind: ch.Kind, ID: ch.ID})
				continue
			}
			back = append(back, ch)
		}
		if len(conflict.Changed) > 0 {
			return conflict
		}

		restored := rec.survivor.Clone()
		restored.Version, restored.UpdatedAt, restored.UpdatedBy = s.Version, now, by
		if err := tx.UpdateCustomer(ctx, restored); err != nil {
			return fmt.Errorf("restore survivor %s: %w", survivorID, err)
		}
		if err := c.recordOwnerChange(ctx, tx, EntityCustomer, s.ID, s.ID, s.OwnerID, restored.OwnerID, now, by, "undo of merge of "+d.ID); err != nil {
			return err
		}
		dup := rec.duplicate.Clone()
		dup.ArchivedAt, dup.MergedInto = time.Time{}, ""
		dup.Version, dup.UpdatedAt, dup.UpdatedBy = d.Version, now, by
		if err := tx.UpdateCustomer(ctx, dup); err != nil {
			return fmt.Errorf("restore duplicate %s: %w", duplicateID, err)
		}
		res.Survivor, res.Duplicate = restored, dup
		for _, ch := range back {
			if err := childReturns[ch.Kind].moveBack(ctx, tx, ch.ID, ch.Version, survivorID, duplicateID, now, by); err != nil {
				return fmt.Errorf("move %s %s back to %s: %w", ch.Kind, ch.ID, duplicateID, err)
			}
			res.Restored = append(res.Restored, ChildRef{Kind: ch.Kind, ID: ch.ID})
		}
		return noteUnmerge(ctx, tx, res, survivorID, duplicateID)
	})
	if err != nil {
		var cerr *MergeConflictError
		if errors.As(err, &cerr) {
			return nil, err
		}
		return nil, wrapUnlessTyped(op, err)
	}
	c.log.InfoContext(ctx, "crm: merge undone", "survivor", survivorID, "duplicate", duplicateID, "children", len(res.Restored), "actor", by)
	return res, nil
}

// lastMerge finds in the survivor's history the latest [AuditMerged]
// entry of duplicateID and reads it, failing if there is none or it was
// undone.
func lastMerge(ctx context.Context, tx Store, survivorID, duplicateID string) (*mergeRecord, error) {
	var last *AuditEntry
	var undone int64
	f := AuditFilter{Entity: EntityCustomer, EntityID: survivorID, Limit: MaxPageLimit}
	entries := pages(ctx, f, tx.FindAudit, func(f *AuditFilter, next Cursor) {
		f.AfterSeq, _ = strconv.ParseInt(string(next), 10, 64)
	})
	for e, err := range entries {
		if err != nil {
			return nil, fmt.Errorf("audit history: %w", err)
		}
		if e.Action != AuditMerged && e.Action != AuditUnmerged || changeString(e, "DuplicateID") != duplicateID {
			continue
		}
		switch e.Action {
		case AuditMerged:
			last, undone = e, 0
		case AuditUnmerged:
			if last != nil && changeString(e, "MergeSeq") == strconv.FormatInt(last.Seq, 10) {
				undone = e.Seq
			}
		}
	}
	switch {
	case last == nil:
		return nil, fmt.Errorf("no merge of %s into %s in the audit history: %w", duplicateID, survivorID, ErrNotFound)
	case undone != 0:
		return nil, fmt.Errorf("the merge (audit entry %d) was undone already (audit entry %d): %w", last.Seq, undone, ErrTransition)
	}
	return readMergeRecord(last)
}

// changeString returns the After of e's change of field as text: a JSON
// string unquoted, a number as written, "" if there is none.
func changeString(e *AuditEntry, field string) string {
	for _, ch := range e.Changes {
		if ch.Field != field {
			continue
		}
		var s string
		if json.Unmarshal(ch.After, &s) == nil {
			return s
		}
		return string(ch.After)
	}
	return ""
}

// noteUnmerge buffers the [AuditUnmerged] entries of the undo res.
func noteUnmerge(ctx context.Context, tx Store, res *UnmergeResult, survivorID, duplicateID string) error {
	refs := func(rs []ChildRef) []mergedChild {
		out := make([]mergedChild, len(rs))
		for i, r := range rs {
			out[i] = mergedChild{Kind: r.Kind, ID: r.ID}
		}
		return out
	}
	changes := func(fields ...any) ([]FieldChange, error) {
		var out []FieldChange
		for i := 0; i < len(fields); i += 2 {
			after, err := json.Marshal(fields[i+1])
			if err != nil {
				return nil, fmt.Errorf("audit undo of merge %d: %w", res.MergeSeq, err)
			}
			out = append(out, FieldChange{Field: fields[i].(string), After: after})
		}
		return out, nil
	}
	onSurvivor, err := changes("MergeSeq", res.MergeSeq, "DuplicateID", duplicateID, "Restored", refs(res.Restored), "Kept", refs(res.Kept))
	if err != nil {
		return err
	}
	onDuplicate, err := changes("MergeSeq", res.MergeSeq, "SurvivorID", survivorID)
	if err != nil {
		return err
	}
	if err := noteAudit(ctx, tx, EntityCustomer, survivorID, AuditUnmerged, onSurvivor); err != nil {
		return err
	}
	return noteAudit(ctx, tx, EntityCustomer, duplicateID, AuditUnmerged, onDuplicate)
}
