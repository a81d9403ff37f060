package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/crmkit/crm"
)

// The reference store's interactions, contact claims, tasks and
// ownership history: plain maps, every listing and every unique key a
// scan.

// cloneMap returns a copy of m with each value copied by clone.
func cloneMap[T any](m map[string]*T, clone func(*T) *T) map[string]*T {
	out := make(map[string]*T, len(m))
	for k, v := range m {
		out[k] = clone(v)
	}
	return out
}

// refLimit returns an error matching crm.ErrInvalid for a negative
// limit.
func refLimit(limit int) error {
	if limit < 0 {
		return fmt.Errorf("ref: limit %d: %w", limit, crm.ErrInvalid)
	}
	return nil
}

// refFind is the paged listing of the records of one map that match.
func refFind[T any](ctx context.Context, s *refStore, m func(*refState) map[string]*T, match func(*T) bool, clone func(*T) *T,
	after crm.Cursor, limit int,
) ([]*T, crm.Cursor, error) {
	if err := refLimit(limit); err != nil {
		return nil, "", err
	}
	var page []*T
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		page, next = refPage(s, st, m(st), match, clone, after, limit)
		return nil
	})
	return page, next, err
}

func (s *refStore) inInteraction(i *crm.Interaction) *crm.Interaction {
	i = i.Clone()
	i.At, i.CreatedAt, i.UpdatedAt = s.timestamp(i.At), s.timestamp(i.CreatedAt), s.timestamp(i.UpdatedAt)
	return i
}

func (s *refStore) CreateInteraction(ctx context.Context, i *crm.Interaction) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.interactions[i.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: interaction %s: %w", i.ID, crm.ErrDuplicate)
		}
		if _, ok := st.customers[i.CustomerID]; !ok && !s.is("no-customer-check") {
			return s.notFound("customer " + i.CustomerID)
		}
		st.interactions[i.ID] = s.inInteraction(i)
		return nil
	})
}

func (s *refStore) FindInteractionByID(ctx context.Context, id string) (*crm.Interaction, error) {
	var out *crm.Interaction
	err := s.do(ctx, func(st *refState) error {
		i, ok := st.interactions[id]
		if !ok {
			return s.notFound("interaction " + id)
		}
		out = i.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindInteractions(ctx context.Context, f crm.InteractionFilter) ([]*crm.Interaction, crm.Cursor, error) {
	match := func(i *crm.Interaction) bool {
		g := f
		if s.is("interaction-before-inclusive") && i.At.Equal(f.Before) {
			g.Before = time.Time{}
		}
		return g.Match(i)
	}
	return refFind(ctx, s, func(st *refState) map[string]*crm.Interaction { return st.interactions }, match, (*crm.Interaction).Clone, f.After, f.Limit)
}

func (s *refStore) UpdateInteraction(ctx context.Context, i *crm.Interaction) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.interactions[i.ID]
		switch {
		case !ok:
			return s.notFound("interaction " + i.ID)
		case old.Version != i.Version && !s.is("no-version-check"):
			return fmt.Errorf("ref: interaction %s: %w", i.ID, crm.ErrConflict)
		case st.customers[i.CustomerID] == nil && !s.is("no-customer-check"):
			return s.notFound("customer " + i.CustomerID)
		}
		n := s.inInteraction(i)
		n.Version = old.Version + 1
		st.interactions[i.ID] = n
		i.Version = n.Version
		return nil
	})
}

func (s *refStore) DeleteInteraction(ctx context.Context, id string, version int64) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.interactions[id]
		if !ok {
			return s.notFound("interaction " + id)
		}
		if old.Version != version && !s.is("delete-ignores-version") {
			return fmt.Errorf("ref: interaction %s: %w", id, crm.ErrConflict)
		}
		delete(st.interactions, id)
		return nil
	})
}

func (s *refStore) LastContacts(ctx context.Context, customerIDs []string) ([]crm.LastContact, error) {
	if len(customerIDs) > crm.MaxPageLimit && !s.is("no-max-limit") {
		return nil, fmt.Errorf("ref: %d customers: %w", len(customerIDs), crm.ErrInvalid)
	}
	var out []crm.LastContact
	err := s.do(ctx, func(st *refState) error {
		ids := slices.Compact(slices.Sorted(slices.Values(customerIDs)))
		for _, cid := range ids {
			var last *crm.Interaction
			for _, i := range st.interactions {
				if i.CustomerID != cid {
					continue
				}
				later := last == nil || i.At.After(last.At) || i.At.Equal(last.At) && i.ID > last.ID
				if s.is("last-contact-least-id") {
					later = last == nil || i.At.After(last.At) || i.At.Equal(last.At) && i.ID < last.ID
				}
				if later {
					last = i
				}
			}
			if last != nil {
				out = append(out, crm.LastContact{CustomerID: cid, InteractionID: last.ID, At: last.At, ActorID: last.ActorID, Channel: last.Channel})
			}
		}
		return nil
	})
	return out, err
}

func (s *refStore) MoveInteractions(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return refMove(s, ctx, func(st *refState) map[string]*crm.Interaction { return st.interactions },
		func(i *crm.Interaction) (*string, *time.Time, *string, *int64) {
			return &i.CustomerID, &i.UpdatedAt, &i.UpdatedBy, &i.Version
		},
		fromID, toID, at, by)
}

func (s *refStore) CreateContactClaim(ctx context.Context, c *crm.ContactClaim) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.claims[c.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: contact claim %s: %w", c.ID, crm.ErrDuplicate)
		}
		if _, ok := st.customers[c.CustomerID]; !ok && !s.is("no-customer-check") {
			return s.notFound("customer " + c.CustomerID)
		}
		for _, o := range st.claims {
			if o.CustomerID == c.CustomerID && o.Seq == c.Seq && !s.is("claim-seq-not-unique") {
				return fmt.Errorf("ref: claim %d of %s: %w", c.Seq, c.CustomerID, crm.ErrDuplicate)
			}
		}
		n := c.Clone()
		n.At, n.Until = s.timestamp(n.At), s.timestamp(n.Until)
		st.claims[c.ID] = n
		return nil
	})
}

func (s *refStore) LastContactClaim(ctx context.Context, customerID string) (*crm.ContactClaim, error) {
	var out *crm.ContactClaim
	err := s.do(ctx, func(st *refState) error {
		greater := func(a, b *crm.ContactClaim) bool { return a.Seq > b.Seq }
		if s.is("claim-last-by-text") {
			greater = func(a, b *crm.ContactClaim) bool { return strconv.FormatInt(a.Seq, 10) > strconv.FormatInt(b.Seq, 10) }
		}
		for _, c := range st.claims {
			if c.CustomerID == customerID && (out == nil || greater(c, out)) {
				out = c
			}
		}
		if out == nil {
			return s.notFound("contact claim of " + customerID)
		}
		out = out.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindContactClaims(ctx context.Context, f crm.ContactClaimFilter) ([]*crm.ContactClaim, crm.Cursor, error) {
	return refFind(ctx, s, func(st *refState) map[string]*crm.ContactClaim { return st.claims }, f.Match, (*crm.ContactClaim).Clone, f.After, f.Limit)
}

func (s *refStore) inTask(t *crm.Task) *crm.Task {
	t = t.Clone()
	for _, p := range []*time.Time{&t.Due, &t.DoneAt, &t.CreatedAt, &t.UpdatedAt} {
		*p = s.timestamp(*p)
	}
	return t
}

// taskSourceTaken returns an error matching crm.ErrDuplicate if a task
// but id has source.
func (s *refStore) taskSourceTaken(st *refState, id, source string) error {
	if source == "" && !s.is("task-source-empty-clashes") {
		return nil
	}
	for _, t := range st.tasks {
		if t.ID != id && t.Source == source {
			return fmt.Errorf("ref: task %s has source %q: %w", t.ID, source, crm.ErrDuplicate)
		}
	}
	return nil
}

func (s *refStore) CreateTask(ctx context.Context, t *crm.Task) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.tasks[t.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: task %s: %w", t.ID, crm.ErrDuplicate)
		}
		if _, ok := st.customers[t.CustomerID]; !ok && !s.is("no-customer-check") {
			return s.notFound("customer " + t.CustomerID)
		}
		if err := s.taskSourceTaken(st, t.ID, t.Source); err != nil {
			return err
		}
		st.tasks[t.ID] = s.inTask(t)
		return nil
	})
}

func (s *refStore) FindTaskByID(ctx context.Context, id string) (*crm.Task, error) {
	var out *crm.Task
	err := s.do(ctx, func(st *refState) error {
		t, ok := st.tasks[id]
		if !ok {
			return s.notFound("task " + id)
		}
		out = t.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindTasks(ctx context.Context, f crm.TaskFilter) ([]*crm.Task, crm.Cursor, error) {
	match := func(t *crm.Task) bool {
		if s.is("task-open-done-matches") && t.DoneAt.IsZero() {
			g := f
			g.DoneFrom, g.DoneBefore = time.Time{}, time.Time{}
			return g.Match(t)
		}
		return f.Match(t)
	}
	return refFind(ctx, s, func(st *refState) map[string]*crm.Task { return st.tasks }, match, (*crm.Task).Clone, f.After, f.Limit)
}

func (s *refStore) UpdateTask(ctx context.Context, t *crm.Task) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.tasks[t.ID]
		switch {
		case !ok:
			return s.notFound("task " + t.ID)
		case old.Version != t.Version && !s.is("no-version-check"):
			return fmt.Errorf("ref: task %s: %w", t.ID, crm.ErrConflict)
		case st.customers[t.CustomerID] == nil && !s.is("no-customer-check"):
			return s.notFound("customer " + t.CustomerID)
		}
		if err := s.taskSourceTaken(st, t.ID, t.Source); err != nil {
			return err
		}
		n := s.inTask(t)
		n.Version = old.Version + 1
		st.tasks[t.ID] = n
		t.Version = n.Version
		return nil
	})
}

func (s *refStore) MoveTasks(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return refMove(s, ctx, func(st *refState) map[string]*crm.Task { return st.tasks },
		func(t *crm.Task) (*string, *time.Time, *string, *int64) {
			return &t.CustomerID, &t.UpdatedAt, &t.UpdatedBy, &t.Version
		},
		fromID, toID, at, by)
}

func (s *refStore) AddOwnerChange(ctx context.Context, ch *crm.OwnerChange) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.ownerChanges[ch.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: owner change %s: %w", ch.ID, crm.ErrDuplicate)
		}
		n := ch.Clone()
		n.At = s.timestamp(n.At)
		st.ownerChanges[ch.ID] = n
		return nil
	})
}

func (s *refStore) FindOwnerChanges(ctx context.Context, f crm.OwnerChangeFilter) ([]*crm.OwnerChange, crm.Cursor, error) {
	match := func(ch *crm.OwnerChange) bool {
		if s.is("owner-to-only") && len(f.Owners) > 0 && !slices.Contains(f.Owners, ch.To) {
			return false
		}
		return f.Match(ch)
	}
	return refFind(ctx, s, func(st *refState) map[string]*crm.OwnerChange { return st.ownerChanges }, match, (*crm.OwnerChange).Clone, f.After, f.Limit)
}

func (s *refStore) MoveOwnerChanges(ctx context.Context, fromID, toID string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		for id, ch := range st.ownerChanges {
			if ch.CustomerID == fromID {
				c := ch.Clone()
				c.CustomerID = toID
				if s.is("owner-move-stamps") {
					c.At = time.Now().UTC().Truncate(time.Microsecond)
				}
				st.ownerChanges[id] = c
				n++
			}
		}
		return nil
	})
	return n, err
}
