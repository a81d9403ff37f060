package crm

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
)

// This file holds ownership: who is responsible for each customer, lead,
// opportunity and case, the history of reassignments, and the rules that
// choose an owner for new leads and cases.

// EntityKind names a kind of record: in ownership histories one that has
// an owner ([EntityKind.Valid]), in the audit history and events any (see
// audit.go for the others).
type EntityKind string

// Kinds of owned records.
const (
	EntityCustomer    EntityKind = "customer"
	EntityLead        EntityKind = "lead"
	EntityOpportunity EntityKind = "opportunity"
	EntityCase        EntityKind = "case"
)

// Valid reports whether k is one of the owned kinds.
func (k EntityKind) Valid() bool {
	switch k {
	case EntityCustomer, EntityLead, EntityOpportunity, EntityCase:
		return true
	}
	return false
}

// OwnerChange is one entry of the ownership history: a record given to
// a new owner by an update or a merge, or the first owner an assignment
// rule chose for a new lead or case. A record created with the owner it
// was given has no entry until its owner changes.
type OwnerChange struct {
	ID     string
	Entity EntityKind
	// EntityID is the record's ID.
	EntityID string
	// CustomerID is the customer the record belonged to when the entry
	// was written (the customer itself for a customer; "" for a lead
	// before its conversion), which a merge re-points.
	CustomerID string
	// From is the owner before ("" for the first), To the owner after.
	From, To string
	At       time.Time
	By       string
	// Reason says why, in the caller's words, or which assignment rule
	// chose the owner.
	Reason string
}

// Clone returns a copy of ch.
func (ch *OwnerChange) Clone() *OwnerChange {
	if ch == nil {
		return nil
	}
	c := *ch
	return &c
}

// OwnerChangeFilter selects entries of the ownership history.
type OwnerChangeFilter struct {
	Entities  []EntityKind
	EntityIDs []string
	// CustomerIDs matches the entries of the records of these customers.
	CustomerIDs []string
	// Owners matches entries whose From or To is one of these.
	Owners []string
	// From and Before match entries whose At is at or after From and
	// before Before.
	From, Before time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects ch (paging fields are ignored).
func (f *OwnerChangeFilter) Match(ch *OwnerChange) bool {
	switch {
	case len(f.Entities) > 0 && !slices.Contains(f.Entities, ch.Entity),
		len(f.EntityIDs) > 0 && !slices.Contains(f.EntityIDs, ch.EntityID),
		len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, ch.CustomerID),
		len(f.Owners) > 0 && !slices.Contains(f.Owners, ch.From) && !slices.Contains(f.Owners, ch.To),
		!f.From.IsZero() && ch.At.Before(f.From),
		!f.Before.IsZero() && !ch.At.Before(f.Before):
		return false
	}
	return true
}

// AssignmentSubject is what an assignment rule looks at: a new lead, or
// a new case with its customer's fields.
type AssignmentSubject struct {
	// Entity is EntityLead or EntityCase.
	Entity   EntityKind
	Region   string
	Industry string
	// Country is the ISO 3166-1 code of the address, if any.
	Country string
}

// AssignmentRule gives the subjects it matches to the members of a team
// in turn. Each non-empty field narrows what it matches; a rule with none
// matches everything (a catch-all, put last).
type AssignmentRule struct {
	// Name names the rule in the ownership history ("rule: <name>").
	Name string
	// Entities limits the rule to leads or cases.
	Entities []EntityKind
	// Regions, Industries and Countries match a subject whose field is
	// one of these, ignoring case: a territory is a list of regions or
	// countries.
	Regions    []string
	Industries []string
	Countries  []string
	// Team receives the subjects in turn (round-robin); required.
	Team []string
}

// Matches reports whether r applies to s.
func (r *AssignmentRule) Matches(s AssignmentSubject) bool {
	in := func(list []string, v string) bool {
		return len(list) == 0 || slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
	}
	return (len(r.Entities) == 0 || slices.Contains(r.Entities, s.Entity)) &&
		in(r.Regions, s.Region) && in(r.Industries, s.Industry) && in(r.Countries, s.Country)
}

// Assigner chooses owners by its rules: the first rule that matches a
// subject gives it to the next member of that rule's team. It is a pure
// function of its rules and of how many subjects each rule has given
// out, which it counts; [Assigner.Next] peeks without counting. An
// Assigner is safe for concurrent use. Its counts live in the process:
// two replicas each go round their teams on their own.
type Assigner struct {
	rules []AssignmentRule

	mu    sync.Mutex
	given []int // per rule
}

// maxRuleNameLen bounds an assignment rule's name, which the ownership
// history records.
const maxRuleNameLen = 100

// NewAssigner returns an Assigner over rules, or a [*ValidationError] if
// a rule has no name (or one over 100 bytes) or no team, or two rules
// share a name.
func NewAssigner(rules ...AssignmentRule) (*Assigner, error) {
	verr := &ValidationError{Entity: "assignment rules"}
	seen := map[string]bool{}
	for i, r := range rules {
		field := fmt.Sprintf("rules[%d]", i)
		switch {
		case strings.TrimSpace(r.Name) == "":
			verr.add(field+".name", "required")
		case len(r.Name) > maxRuleNameLen:
			verr.add(field+".name", "longer than %d bytes", maxRuleNameLen)
		case seen[r.Name]:
			verr.add(field+".name", "%q names two rules", r.Name)
		}
		seen[r.Name] = true
		if len(r.Team) == 0 || slices.Contains(r.Team, "") {
			verr.add(field+".team", "needs at least one member and no empty ID")
		}
		for k, e := range r.Entities {
			if e != EntityLead && e != EntityCase {
				verr.add(fmt.Sprintf("%s.entities[%d]", field, k), "rules assign leads and cases, not %q", e)
			}
		}
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	a := &Assigner{rules: slices.Clone(rules), given: make([]int, len(rules))}
	for i := range a.rules {
		a.rules[i].Team = slices.Clone(a.rules[i].Team)
	}
	return a, nil
}

// Next returns the owner the next matching subject would get and the
// rule's name, without counting it; ok is false if no rule matches.
func (a *Assigner) Next(s AssignmentSubject) (owner, rule string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pick(s, false)
}

// Assign returns the owner for s and the name of the rule that chose it,
// and counts it, so the rule's next subject goes to the next member; ok
// is false if no rule matches.
func (a *Assigner) Assign(s AssignmentSubject) (owner, rule string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pick(s, true)
}

func (a *Assigner) pick(s AssignmentSubject, count bool) (string, string, bool) {
	for i := range a.rules {
		r := &a.rules[i]
		if !r.Matches(s) {
			continue
		}
		owner := r.Team[a.given[i]%len(r.Team)]
		if count {
			a.given[i]++
		}
		return owner, r.Name, true
	}
	return "", "", false
}

// WithAssigner has the Client choose the owner of a new lead or case
// that names none by a's rules, before its defaults (the acting user for
// a lead; the customer's owner, else the acting user, for a case). The
// choice is recorded in the ownership history with the rule's name. A
// subject counts as given out when chosen: if its create then fails, the
// member it went to is skipped that round.
func WithAssigner(a *Assigner) Option {
	return func(c *config) { c.assigner = a }
}

// assign returns the owner a's rules give s and the history reason, or
// "" if there is no Assigner or no rule matches.
func (c *Client) assign(s AssignmentSubject) (owner, reason string) {
	if c.assigner == nil {
		return "", ""
	}
	owner, rule, ok := c.assigner.Assign(s)
	if !ok {
		return "", ""
	}
	return owner, "rule: " + rule
}

type reasonKey struct{}

// withReason returns ctx carrying the reason of a reassignment, which
// the entity's write records in the ownership history.
func withReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, reasonKey{}, reason)
}

// recordOwnerChange appends to the ownership history, inside tx, that
// the record id of kind (of customerID) went from owner from to owner to
// at now by by, if they differ. The reason is the one ctx carries, if
// any, or else reason.
func (c *Client) recordOwnerChange(ctx context.Context, tx Store, kind EntityKind, id, customerID, from, to string, now time.Time, by, reason string) error {
	if from == to {
		return nil
	}
	if r, ok := ctx.Value(reasonKey{}).(string); ok {
		reason = r
	}
	ch := &OwnerChange{
		ID: c.ids.NewID(), Entity: kind, EntityID: id, CustomerID: customerID,
		From: from, To: to, At: now, By: by, Reason: reason,
	}
	return tx.AddOwnerChange(ctx, ch)
}

// Reassign gives the record id of kind — a customer, lead, opportunity
// or case — to the owner to, provided its stored version is still
// version, and records the change, with reason, in the ownership
// history in the same transaction. Giving a record to its owner changes
// nothing. The same history entry is written whenever an update changes
// an owner ([Client.UpdateCustomer], [Client.UpdateLead],
// [Client.UpdateOpportunity], [Client.UpdateCase]); Reassign adds the
// reason. It returns the record's version after the change. Errors: a
// [*ValidationError] for an unknown kind, an empty owner or a reason too
// long; otherwise those of the entity's update.
func (c *Client) Reassign(ctx context.Context, kind EntityKind, id string, version int64, to, reason string) (int64, error) {
	to, reason = strings.TrimSpace(to), strings.TrimSpace(reason)
	verr := &ValidationError{Entity: "reassignment"}
	if !kind.Valid() {
		verr.add("entity", "unknown kind %q; want customer, lead, opportunity or case", kind)
	}
	checkText(verr, "to", to, maxIDLen, true)
	checkText(verr, "reason", reason, maxReasonLen, false)
	if err := verr.err(); err != nil {
		return 0, err
	}
	ctx = withReason(ctx, reason)
	var after int64
	var err error
	switch kind {
	case EntityCustomer:
		var cust *Customer
		if cust, err = c.UpdateCustomer(ctx, id, version, CustomerUpdate{OwnerID: &to}); err == nil {
			after = cust.Version
		}
	case EntityLead:
		var l *Lead
		if l, err = c.UpdateLead(ctx, id, version, LeadUpdate{OwnerID: &to}); err == nil {
			after = l.Version
		}
	case EntityOpportunity:
		var o *Opportunity
		if o, err = c.UpdateOpportunity(ctx, id, version, OpportunityUpdate{OwnerID: &to}); err == nil {
			after = o.Version
		}
	case EntityCase:
		var cs *Case
		if cs, err = c.UpdateCase(ctx, id, version, CaseUpdate{OwnerID: &to}); err == nil {
			after = cs.Version
		}
	}
	return after, err
}

// OwnerHistory iterates over the ownership history of the record id of
// kind, oldest first. An error ends the iteration after being yielded.
func (c *Client) OwnerHistory(ctx context.Context, kind EntityKind, id string) iter.Seq2[*OwnerChange, error] {
	return c.OwnerChanges(ctx, OwnerChangeFilter{Entities: []EntityKind{kind}, EntityIDs: []string{id}})
}

// OwnerChanges iterates over the entries of the ownership history f
// selects, in ID order, which is the order they were written in. An
// error ends the iteration after being yielded.
func (c *Client) OwnerChanges(ctx context.Context, f OwnerChangeFilter) iter.Seq2[*OwnerChange, error] {
	list := func(ctx context.Context, f OwnerChangeFilter) ([]*OwnerChange, Cursor, error) {
		return listPage(ctx, "owner change filter", "list owner changes", f, f.Limit, c.store.FindOwnerChanges)
	}
	return pages(ctx, f, list, func(f *OwnerChangeFilter, next Cursor) { f.After = next })
}

// ownerChangeKind re-points the ownership history in a merge: the
// entries of the duplicate's records then count as the survivor's.
var ownerChangeKind = ChildKind{
	Name: "owner_change",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := OwnerChangeFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindOwnerChanges, func(f *OwnerChangeFilter, c Cursor) { f.After = c }), func(ch *OwnerChange) string { return ch.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, _ time.Time, _ string) (int, error) {
		return tx.MoveOwnerChanges(ctx, fromID, toID)
	},
}
