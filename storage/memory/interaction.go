package memory

// Interactions, contact claims, tasks and the ownership history, kept as
// orders are in order.go: in children tables with a per-customer index.
// The index of interactions also serves LastContacts, and unique keys
// keep a customer's claim numbers and the tasks' sources apart.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/crmkit/crm"
)

func interactionCustomer(i *crm.Interaction) string  { return i.CustomerID }
func claimCustomer(c *crm.ContactClaim) string       { return c.CustomerID }
func taskCustomer(t *crm.Task) string                { return t.CustomerID }
func ownerChangeCustomer(ch *crm.OwnerChange) string { return ch.CustomerID }

// claimKey is the unique key of a claim: its customer and number.
func claimKey(c *crm.ContactClaim) string {
	return c.CustomerID + "\x00" + strconv.FormatInt(c.Seq, 10)
}

// taskKey is the unique key of a task: its Source, or for a task with
// none its ID, which no source can equal.
func taskKey(t *crm.Task) string {
	if t.Source == "" {
		return "\x00" + t.ID
	}
	return t.Source
}

// cloneInteraction returns a copy of i with its times in the stored form.
func cloneInteraction(i *crm.Interaction) *crm.Interaction {
	n := i.Clone()
	for _, t := range []*time.Time{&n.At, &n.CreatedAt, &n.UpdatedAt} {
		stamp(t)
	}
	return n
}

func cloneClaim(c *crm.ContactClaim) *crm.ContactClaim {
	n := c.Clone()
	stamp(&n.At)
	stamp(&n.Until)
	return n
}

func cloneTask(t *crm.Task) *crm.Task {
	n := t.Clone()
	for _, p := range []*time.Time{&n.Due, &n.DoneAt, &n.CreatedAt, &n.UpdatedAt} {
		stamp(p)
	}
	return n
}

func cloneOwnerChange(ch *crm.OwnerChange) *crm.OwnerChange {
	n := ch.Clone()
	stamp(&n.At)
	return n
}

// customerExists is the refs check of records that name a customer.
func customerExists(d *data, id string) error {
	if d.customers[id] == nil {
		return fmt.Errorf("customer %s: %w", id, crm.ErrNotFound)
	}
	return nil
}

// CreateInteraction stores a copy of i. It fails with [crm.ErrDuplicate]
// if an interaction with i.ID exists, with [crm.ErrNotFound] if
// i.CustomerID names no customer, and with [crm.ErrInvalid] if i is nil
// or has no ID.
func (s *Store) CreateInteraction(ctx context.Context, i *crm.Interaction) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.interactions, "interaction", i, func(i *crm.Interaction) string { return i.ID }, cloneInteraction,
		func(d *data, i *crm.Interaction) error { return customerExists(d, i.CustomerID) }, s.saveInteraction)
}

// FindInteractionByID returns a copy of the interaction id, or an error
// matching [crm.ErrNotFound].
func (s *Store) FindInteractionByID(ctx context.Context, id string) (*crm.Interaction, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.interactions.byID, "interaction", id)
}

// FindInteractions returns copies of one page of the interactions f
// selects, in ascending ID order, and the cursor of the next page. With
// CustomerIDs only those customers' interactions are visited.
func (s *Store) FindInteractions(ctx context.Context, f crm.InteractionFilter) ([]*crm.Interaction, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.interactions, "interactions", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.Interaction).Clone)
}

// UpdateInteraction replaces the stored interaction i.ID with a copy of
// i under the version rule of [Store.UpdateCustomer].
func (s *Store) UpdateInteraction(ctx context.Context, i *crm.Interaction) error {
	s = s.in(ctx)
	return updateChild(ctx, s, &s.d.interactions, "interaction", i, func(i *crm.Interaction) (string, *int64) { return i.ID, &i.Version }, cloneInteraction,
		func(d *data, i *crm.Interaction) error { return customerExists(d, i.CustomerID) }, s.saveInteraction)
}

// DeleteInteraction removes the interaction id if its Version is
// version.
func (s *Store) DeleteInteraction(ctx context.Context, id string, version int64) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: delete interaction: %w", err)
	}
	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	old, err := storedVersion(s.d.interactions.byID, func(i *crm.Interaction) int64 { return i.Version }, "delete interaction", id, version)
	if err != nil {
		return err
	}
	s.saveInteraction(id, old)
	s.d.interactions.restore(id, nil)
	return nil
}

// LastContacts returns the latest interaction of each of customerIDs
// that has one, in ascending customer ID order: O(k) in each customer's
// interactions.
func (s *Store) LastContacts(ctx context.Context, customerIDs []string) ([]crm.LastContact, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: last contacts: %w", err)
	}
	if len(customerIDs) > crm.MaxPageLimit {
		return nil, fmt.Errorf("memory: last contacts: %d customers, more than %d: %w", len(customerIDs), crm.MaxPageLimit, crm.ErrInvalid)
	}
	ids := slices.Compact(slices.Sorted(slices.Values(customerIDs)))
	if err := s.lock(false); err != nil {
		return nil, err
	}
	defer s.unlock(false)
	var out []crm.LastContact
	t := &s.d.interactions
	for _, cid := range ids {
		of := t.of[cid]
		is := make([]*crm.Interaction, len(of))
		for k, id := range of {
			is[k] = t.byID[id]
		}
		if lc, ok := crm.LastContactOf(is); ok {
			out = append(out, lc)
		}
	}
	return out, nil
}

// MoveInteractions re-points every interaction of customer fromID to
// customer toID, stamping each, and returns how many it moved.
func (s *Store) MoveInteractions(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.interactions, "interactions", fromID, toID, func(n *crm.Interaction) {
		n.CustomerID, n.UpdatedAt, n.UpdatedBy = toID, at, by
		n.Version++
	}, s.saveInteraction, nil)
}

// CreateContactClaim stores a copy of c. It fails with
// [crm.ErrDuplicate] if a claim with c.ID exists or the customer has a
// claim numbered c.Seq, and with [crm.ErrNotFound] if c.CustomerID names
// no customer.
func (s *Store) CreateContactClaim(ctx context.Context, c *crm.ContactClaim) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.claims, "contact claim", c, func(c *crm.ContactClaim) string { return c.ID }, cloneClaim,
		func(d *data, c *crm.ContactClaim) error { return customerExists(d, c.CustomerID) }, s.saveClaim)
}

// LastContactClaim returns a copy of the claim of customerID with the
// greatest Seq, or an error matching [crm.ErrNotFound].
func (s *Store) LastContactClaim(ctx context.Context, customerID string) (*crm.ContactClaim, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: last contact claim: %w", err)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	var last *crm.ContactClaim
	for _, id := range s.d.claims.of[customerID] {
		if c := s.d.claims.byID[id]; last == nil || c.Seq > last.Seq {
			last = c
		}
	}
	s.unlock(false)
	if last == nil {
		return nil, fmt.Errorf("memory: last contact claim of %s: %w", customerID, crm.ErrNotFound)
	}
	return last.Clone(), nil
}

// FindContactClaims returns copies of one page of the claims f selects,
// in ascending ID order, and the cursor of the next page.
func (s *Store) FindContactClaims(ctx context.Context, f crm.ContactClaimFilter) ([]*crm.ContactClaim, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.claims, "contact claims", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.ContactClaim).Clone)
}

// CreateTask stores a copy of t. It fails with [crm.ErrDuplicate] if a
// task with t.ID exists or another task has t's Source, and with
// [crm.ErrNotFound] if t.CustomerID names no customer.
func (s *Store) CreateTask(ctx context.Context, t *crm.Task) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.tasks, "task", t, func(t *crm.Task) string { return t.ID }, cloneTask,
		func(d *data, t *crm.Task) error { return customerExists(d, t.CustomerID) }, s.saveTask)
}

// FindTaskByID returns a copy of the task id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindTaskByID(ctx context.Context, id string) (*crm.Task, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.tasks.byID, "task", id)
}

// FindTasks returns copies of one page of the tasks f selects, in
// ascending ID order, and the cursor of the next page. With CustomerIDs
// only those customers' tasks are visited.
func (s *Store) FindTasks(ctx context.Context, f crm.TaskFilter) ([]*crm.Task, crm.Cursor, error) {
	s = s.in(ctx)
	if len(f.CustomerIDs) == 0 && len(f.Owners) > 0 {
		return findIn(ctx, s, &s.d.tasks, "tasks", func() []string { return childrenOfAny(s.d.taskOwners.of, f.Owners) }, f.After, f.Limit, f.Match, (*crm.Task).Clone)
	}
	return findChildren(ctx, s, &s.d.tasks, "tasks", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.Task).Clone)
}

var _ childIndex[crm.Task] = (*taskOwnerIndex)(nil)

// taskOwnerIndex lists the IDs of each owner's tasks, ascending.
type taskOwnerIndex struct {
	of map[string][]string
}

func (x *taskOwnerIndex) replace(old, cur *crm.Task) {
	if old != nil {
		x.of[old.OwnerID] = removeSorted(x.of[old.OwnerID], old.ID)
		if len(x.of[old.OwnerID]) == 0 {
			delete(x.of, old.OwnerID)
		}
	}
	if cur != nil {
		x.of[cur.OwnerID] = insertSorted(x.of[cur.OwnerID], cur.ID)
	}
}

// move changes nothing: a merge moves tasks to another customer, not to
// another owner.
func (x *taskOwnerIndex) move(string, string, map[string]*crm.Task) {}

// UpdateTask replaces the stored task t.ID with a copy of t under the
// version rule of [Store.UpdateCustomer]. It fails with
// [crm.ErrDuplicate] if another task has t's Source.
func (s *Store) UpdateTask(ctx context.Context, t *crm.Task) error {
	s = s.in(ctx)
	return updateChild(ctx, s, &s.d.tasks, "task", t, func(t *crm.Task) (string, *int64) { return t.ID, &t.Version }, cloneTask,
		func(d *data, t *crm.Task) error {
			if other, taken := d.tasks.taken(t.ID, t); taken {
				return fmt.Errorf("task %s has source %q: %w", other, t.Source, crm.ErrDuplicate)
			}
			return customerExists(d, t.CustomerID)
		}, s.saveTask)
}

// MoveTasks re-points every task of customer fromID to customer toID,
// stamping each, and returns how many it moved.
func (s *Store) MoveTasks(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	return moveChildRecords(ctx, s, &s.d.tasks, "tasks", fromID, toID, func(n *crm.Task) {
		n.CustomerID, n.UpdatedAt, n.UpdatedBy = toID, at, by
		n.Version++
	}, s.saveTask, nil)
}

// AddOwnerChange stores a copy of ch. It fails with [crm.ErrDuplicate]
// if an entry with ch.ID exists.
func (s *Store) AddOwnerChange(ctx context.Context, ch *crm.OwnerChange) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.owners, "owner change", ch, func(ch *crm.OwnerChange) string { return ch.ID }, cloneOwnerChange,
		func(*data, *crm.OwnerChange) error { return nil }, s.saveOwnerChange)
}

// FindOwnerChanges returns copies of one page of the entries f selects,
// in ascending ID order, and the cursor of the next page.
func (s *Store) FindOwnerChanges(ctx context.Context, f crm.OwnerChangeFilter) ([]*crm.OwnerChange, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.owners, "owner changes", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.OwnerChange).Clone)
}

// MoveOwnerChanges sets CustomerID to toID on every entry of fromID.
func (s *Store) MoveOwnerChanges(ctx context.Context, fromID, toID string) (int, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("memory: move owner changes: %w", err)
	}
	if err := s.lock(true); err != nil {
		return 0, err
	}
	defer s.unlock(true)
	t := &s.d.owners
	ids := t.of[fromID]
	moveRecords(t.byID, ids, func(n *crm.OwnerChange) { n.CustomerID = toID }, s.saveOwnerChange)
	moveChildren(t.of, fromID, toID)
	return len(ids), nil
}

func (s *Store) saveInteraction(id string, prev *crm.Interaction) {
	s.saveFunc(func(d *data) { d.interactions.restore(id, prev) })
}

func (s *Store) saveClaim(id string, prev *crm.ContactClaim) {
	s.saveFunc(func(d *data) { d.claims.restore(id, prev) })
}

func (s *Store) saveTask(id string, prev *crm.Task) {
	s.saveFunc(func(d *data) { d.tasks.restore(id, prev) })
}

func (s *Store) saveOwnerChange(id string, prev *crm.OwnerChange) {
	s.saveFunc(func(d *data) { d.owners.restore(id, prev) })
}
