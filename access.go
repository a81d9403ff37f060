package crm

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Permission names a class of operations an actor may be granted, such
// as reading customers or approving credit.
type Permission string

// Permissions the Client checks. Records without an owner of their own
// (contacts, orders, payments, responses, interactions, contact claims)
// are checked against their customer's owner.
const (
	PermCustomerRead     Permission = "customer:read"
	PermCustomerWrite    Permission = "customer:write"
	PermCustomerDelete   Permission = "customer:delete" // archive, merge away
	PermOpportunityRead  Permission = "opportunity:read"
	PermOpportunityWrite Permission = "opportunity:write"
	PermPipelineWrite    Permission = "pipeline:write"
	PermLeadRead         Permission = "lead:read"
	PermLeadWrite        Permission = "lead:write"
	PermOrderRead        Permission = "order:read" // orders, payments, exposure, purchase summaries
	PermOrderWrite       Permission = "order:write"
	PermCaseRead         Permission = "case:read"
	PermCaseWrite        Permission = "case:write"
	PermSurveyRead       Permission = "survey:read" // surveys, responses, scores
	PermSurveyWrite      Permission = "survey:write"
	PermActivityRead     Permission = "activity:read" // interactions, claims, tasks, ownership history
	PermActivityWrite    Permission = "activity:write"
	PermSegmentRead      Permission = "segment:read"
	PermSegmentWrite     Permission = "segment:write"
	PermCreditApprove    Permission = "credit:approve"
	PermDataExport       Permission = "data:export"
	PermAuditRead        Permission = "audit:read"
	PermEventsRead       Permission = "events:read" // the outbox and consumers' checkpoints
	// PermAdmin grants every permission on all records.
	PermAdmin Permission = "admin"
)

// Permissions lists every permission the Client checks.
func Permissions() []Permission {
	return []Permission{
		PermCustomerRead, PermCustomerWrite, PermCustomerDelete,
		PermOpportunityRead, PermOpportunityWrite, PermPipelineWrite,
		PermLeadRead, PermLeadWrite, PermOrderRead, PermOrderWrite,
		PermCaseRead, PermCaseWrite, PermSurveyRead, PermSurveyWrite,
		PermActivityRead, PermActivityWrite, PermSegmentRead, PermSegmentWrite,
		PermCreditApprove, PermDataExport, PermAuditRead, PermEventsRead, PermAdmin,
	}
}

// Scope is how far a grant reaches: the records an actor owns, those its
// team owns, or all. Records without owners of their own (pipelines,
// segments, surveys) need a grant of any scope.
type Scope uint8

// Scopes, narrowest first; ScopeNone grants nothing.
const (
	ScopeNone Scope = iota
	ScopeOwn
	ScopeTeam
	ScopeAll
)

func (s Scope) String() string {
	switch s {
	case ScopeNone:
		return "none"
	case ScopeOwn:
		return "own"
	case ScopeTeam:
		return "team"
	case ScopeAll:
		return "all"
	}
	return fmt.Sprintf("Scope(%d)", uint8(s))
}

// Authorizer decides what an actor may do. [WithAuthorizer] makes a
// Client ask it before every read and write of the store. Implementations
// must be safe for concurrent use.
type Authorizer interface {
	// Scope returns the widest scope in which actor holds perm, ScopeNone
	// if it does not.
	Scope(actor Actor, perm Permission) Scope
	// Members returns the IDs of the actors in team, the owners whose
	// records a grant of ScopeTeam reaches.
	Members(team string) []string
}

// Role is a named set of grants.
type Role struct {
	Name   string
	Grants map[Permission]Scope
}

// Roles is the role-based [Authorizer]: an actor holds a permission in
// the widest scope any of its roles grants it; PermAdmin grants every
// permission in ScopeAll. An actor's roles are [Actor].Roles and its team
// [Actor].Team.
type Roles struct {
	roles map[string]Role
	teams map[string][]string
}

// NewRoles returns the Authorizer of roles, with teams mapping each team
// to its members' actor IDs. It fails with a [*ValidationError] for a
// role without a name, a name given twice, an unknown permission or
// scope.
func NewRoles(roles []Role, teams map[string][]string) (*Roles, error) {
	verr := &ValidationError{Entity: "roles"}
	known := Permissions()
	r := &Roles{roles: map[string]Role{}, teams: map[string][]string{}}
	for i, role := range roles {
		field := fmt.Sprintf("roles[%d]", i)
		switch {
		case strings.TrimSpace(role.Name) == "":
			verr.add(field+".name", "required")
			continue
		case r.roles[role.Name].Name != "":
			verr.add(field+".name", "%q is given twice", role.Name)
			continue
		}
		grants := map[Permission]Scope{}
		for p, s := range role.Grants {
			switch {
			case !slices.Contains(known, p):
				verr.add(field+".grants", "unknown permission %q", p)
			case s > ScopeAll:
				verr.add(field+".grants", "permission %q: unknown scope %d", p, s)
			default:
				grants[p] = s
			}
		}
		r.roles[role.Name] = Role{Name: role.Name, Grants: grants}
	}
	for team, members := range teams {
		r.teams[team] = slices.Clone(members)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// Scope returns the widest scope in which any of actor's roles grants
// perm.
func (r *Roles) Scope(actor Actor, perm Permission) Scope {
	best := ScopeNone
	for _, name := range actor.Roles {
		role := r.roles[name]
		if role.Grants[PermAdmin] == ScopeAll {
			return ScopeAll
		}
		best = max(best, role.Grants[perm])
	}
	return best
}

// Members returns the members of team.
func (r *Roles) Members(team string) []string { return r.teams[team] }

// DefaultRoles are roles a CRM starts with: "admin" (everything);
// "manager" (read and write the team's records, archive and merge them,
// approve credit, export); "sales" (read and write one's own customers,
// deals, leads, orders, cases and activities, read all segments and
// surveys); "service" (read every customer, work one's own cases and
// activities, record responses); "auditor" (read everything and the audit
// history and events).
func DefaultRoles() []Role {
	rw := func(scope Scope, perms ...Permission) map[Permission]Scope {
		m := map[Permission]Scope{}
		for _, p := range perms {
			m[p] = scope
		}
		return m
	}
	merge := func(ms ...map[Permission]Scope) map[Permission]Scope {
		out := map[Permission]Scope{}
		for _, m := range ms {
			for p, s := range m {
				out[p] = max(out[p], s)
			}
		}
		return out
	}
	reads := []Permission{PermCustomerRead, PermOpportunityRead, PermLeadRead, PermOrderRead,
		PermCaseRead, PermSurveyRead, PermActivityRead, PermSegmentRead}
	writes := []Permission{PermCustomerWrite, PermOpportunityWrite, PermLeadWrite, PermOrderWrite,
		PermCaseWrite, PermActivityWrite}
	return []Role{
		{Name: "admin", Grants: rw(ScopeAll, PermAdmin)},
		{Name: "manager", Grants: merge(rw(ScopeTeam, reads...), rw(ScopeTeam, writes...),
			rw(ScopeTeam, PermCustomerDelete),
			rw(ScopeAll, PermSegmentRead, PermSegmentWrite, PermSurveyRead, PermSurveyWrite, PermPipelineWrite,
				PermCreditApprove, PermDataExport))},
		{Name: "sales", Grants: merge(rw(ScopeOwn, reads...), rw(ScopeOwn, writes...),
			rw(ScopeAll, PermSegmentRead, PermSurveyRead))},
		{Name: "service", Grants: merge(rw(ScopeAll, PermCustomerRead, PermSurveyRead, PermSegmentRead),
			rw(ScopeOwn, PermCaseRead, PermCaseWrite, PermActivityRead, PermActivityWrite),
			rw(ScopeAll, PermSurveyWrite))},
		{Name: "auditor", Grants: merge(rw(ScopeAll, reads...), rw(ScopeAll, PermAuditRead, PermEventsRead))},
	}
}

// WithAuthorizer turns access control on: the Client asks a before every
// read and write of its store, and refuses with an error matching
// [ErrForbidden] — also when the context carries no [Actor], so that
// access control fails closed. Listings return only the records the actor
// may see, selected in the store's query. Without it every operation is
// allowed, as when a program uses the library for its own records.
func WithAuthorizer(a Authorizer) Option { return func(c *config) { c.authorizer = a } }

// grant is what one permission lets the actor of a context do: every
// record, or those of some owners.
type grant struct {
	actor  Actor
	perm   Permission
	all    bool
	owners []string // with !all: the owners whose records it reaches
}

// authorize returns what perm lets the actor of ctx do under auth, or an
// error matching ErrForbidden if ctx has no actor or the actor no grant
// of perm.
func authorize(ctx context.Context, auth Authorizer, perm Permission) (grant, error) {
	actor, ok := ActorFrom(ctx)
	if !ok || actor.ID == "" {
		return grant{}, fmt.Errorf("no acting user (%s): %w", perm, ErrForbidden)
	}
	gr := grant{actor: actor, perm: perm}
	switch auth.Scope(actor, perm) {
	case ScopeAll:
		gr.all = true
	case ScopeTeam:
		gr.owners = append([]string{actor.ID}, auth.Members(actor.Team)...)
	case ScopeOwn:
		gr.owners = []string{actor.ID}
	default:
		return gr, gr.forbidden("do this")
	}
	return gr, nil
}

// allows reports whether the grant reaches a record owned by owner; a
// record without an owner needs ScopeAll.
func (g grant) allows(owner string) bool {
	return g.all || owner != "" && slices.Contains(g.owners, owner)
}

// restrict narrows a listing's owner filter to the grant: nil means no
// restriction, and ok false means nothing is visible.
func (g grant) restrict(owners []string) (_ []string, ok bool) {
	if g.all {
		return owners, true
	}
	if len(owners) == 0 {
		return slices.Clone(g.owners), len(g.owners) > 0
	}
	var out []string
	for _, o := range owners {
		if g.allows(o) {
			out = append(out, o)
		}
	}
	return out, len(out) > 0
}

// forbidden is the refusal of g for what.
func (g grant) forbidden(what string) error {
	return fmt.Errorf("actor %q may not %s (%s): %w", g.actor.ID, what, g.perm, ErrForbidden)
}
