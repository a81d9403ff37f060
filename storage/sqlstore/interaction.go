package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// interactionColumns are the columns of an interaction as
// scanInteraction reads them, from the table aliased i.
const interactionColumns = `i.id, i.customer_id, i.contact_id, i.opportunity_id, i.case_id,
	i.channel, i.direction, i.occurred_at, i.actor_id, i.subject, i.summary, i.outcome,
	i.created_at, i.created_by, i.updated_at, i.updated_by, i.version`

// interactionValues returns the row values of i but its ID and Version,
// in the order of the columns of insertInteraction and
// updateInteraction.
func (s *Store) interactionValues(i *crm.Interaction) []any {
	return []any{
		i.CustomerID, i.ContactID, i.OpportunityID, i.CaseID,
		string(i.Channel), string(i.Direction), s.timeArg(i.At), i.ActorID, i.Subject, i.Summary, i.Outcome,
		s.timeArg(i.CreatedAt), i.CreatedBy, s.timeArg(i.UpdatedAt), i.UpdatedBy,
	}
}

// scanInteraction reads one row of interactionColumns.
func (s *Store) scanInteraction(r interface{ Scan(...any) error }) (*crm.Interaction, error) {
	i := new(crm.Interaction)
	err := r.Scan(&i.ID, &i.CustomerID, &i.ContactID, &i.OpportunityID, &i.CaseID,
		&i.Channel, &i.Direction, s.timeDest(&i.At), &i.ActorID, &i.Subject, &i.Summary, &i.Outcome,
		s.timeDest(&i.CreatedAt), &i.CreatedBy, s.timeDest(&i.UpdatedAt), &i.UpdatedBy, &i.Version)
	if err != nil {
		return nil, err
	}
	return i, nil
}

const insertInteraction = `INSERT INTO interactions (tenant_id, id,
	customer_id, contact_id, opportunity_id, case_id,
	channel, direction, occurred_at, actor_id, subject, summary, outcome,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?,
	?, ?, ?, ?,
	?, ?, ?, ?, ?, ?, ?,
	?, ?, ?, ?,
	?)`

// CreateInteraction stores i, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if an interaction with i.ID exists, with
// [crm.ErrNotFound] if i.CustomerID names no customer (the foreign key
// says so), and with [crm.ErrInvalid] if i is nil or has no ID.
func (s *Store) CreateInteraction(ctx context.Context, i *crm.Interaction) error {
	const op = "create interaction"
	if i == nil || i.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+i.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), i.ID}, s.interactionValues(i)...), i.Version)
	if err := s.insertWithLists(ctx, insertInteraction, args, []parent{{customersTable, i.CustomerID}}, nil); err != nil {
		return s.fail(ctx, op+" "+i.ID, err)
	}
	return nil
}

const findInteractionByID = `SELECT ` + interactionColumns + ` FROM interactions i WHERE i.id = ? AND i.tenant_id = ?`

// FindInteractionByID returns the interaction id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindInteractionByID(ctx context.Context, id string) (*crm.Interaction, error) {
	return findOne(ctx, s, "find interaction "+id, findInteractionByID, id, s.scanInteraction)
}

// The parts of the query of FindInteractions.
const (
	interactionsSelect = `SELECT ` + interactionColumns + ` FROM interactions i`
	interactionsAfter  = `i.id > ?`
	interactionsOrder  = ` ORDER BY i.id LIMIT ?`
)

// FindInteractions returns one page of the interactions f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last), with the limits of [Store.FindCustomers]. The filter is one
// query, with an index for every filter field; its meaning is
// [crm.InteractionFilter.Match]'s.
func (s *Store) FindInteractions(ctx context.Context, f crm.InteractionFilter) ([]*crm.Interaction, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`i.tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(interactionsAfter, string(f.After))
		}
		whereIn(&w, "i.customer_id", f.CustomerIDs)
		whereIn(&w, "i.actor_id", f.Actors)
		whereIn(&w, "i.channel", f.Channels)
		whereIn(&w, "i.opportunity_id", f.OpportunityIDs)
		whereIn(&w, "i.case_id", f.CaseIDs)
		s.whereAtRange(&w, "i.occurred_at", f.From, f.Before)
		return interactionsSelect + w.String() + interactionsOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find interactions", f.Limit, query, s.scanInteraction, func(i *crm.Interaction) string { return i.ID })
}

// whereAtRange adds to w the conditions that the time column is at or
// after from and before before, for the bounds that are not zero, as the
// From and Before bounds of [crm.InteractionFilter.Match] have it: a
// NULL (zero) time is before every bound, so it fails from and passes
// before. Bounds are compared as in whereTimeRange.
func (s *Store) whereAtRange(w *where, column string, from, before time.Time) {
	if !from.IsZero() {
		w.add(column+" >= ?", s.d.TimeArg(ceilMicrosecond(from)))
	}
	if !before.IsZero() {
		w.add("("+column+" < ? OR "+column+" IS NULL)", s.d.TimeArg(ceilMicrosecond(before)))
	}
}

const (
	updateInteraction = `UPDATE interactions SET
	customer_id = ?, contact_id = ?, opportunity_id = ?, case_id = ?,
	channel = ?, direction = ?, occurred_at = ?, actor_id = ?, subject = ?, summary = ?, outcome = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	interactionVersion = `SELECT version FROM interactions WHERE id = ? AND tenant_id = ?`
	deleteInteraction  = `DELETE FROM interactions WHERE id = ? AND version = ? AND tenant_id = ?`
)

// UpdateInteraction replaces the stored interaction i.ID with i under the
// version rule of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound]
// also if i.CustomerID names no customer.
func (s *Store) UpdateInteraction(ctx context.Context, i *crm.Interaction) error {
	const op = "update interaction"
	if i == nil {
		return s.fail(ctx, op, fmt.Errorf("nil interaction: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+i.ID, err)
	}
	parents := []parent{{customersTable, i.CustomerID}}
	if err := s.updateParented(ctx, updateInteraction, interactionVersion, i.ID, i.Version, s.interactionValues(i), parents, nil); err != nil {
		return s.fail(ctx, op+" "+i.ID, err)
	}
	i.Version++
	return nil
}

// DeleteInteraction removes the interaction id if its stored Version is
// version, in one statement. It fails with [crm.ErrNotFound] if there is
// no such interaction and with [crm.ErrConflict] if its version differs.
func (s *Store) DeleteInteraction(ctx context.Context, id string, version int64) error {
	op := "delete interaction " + id
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		return s.execVersioned(ctx, q, deleteInteraction, interactionVersion, id, version)
	})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// lastContacts is the query of LastContacts, followed by the IN list of
// the customers: for each customer that exists, the ID of its latest
// interaction, found by a step down the index interactions_last
// (customer_id, occurred_at, id) from its end, and the interaction's
// columns. Interactions with no time (NULL) count as earlier than every
// other, as the zero time does in [crm.LastContactOf]; they are looked
// for only if a customer has no other, and every database sorts NULL
// differently, so they get a lookup of their own.
const (
	lastContacts = `SELECT i.customer_id, i.id, i.occurred_at, i.actor_id, i.channel
FROM (SELECT COALESCE(
		(SELECT j.id FROM interactions j WHERE j.customer_id = c.id AND j.tenant_id = c.tenant_id AND j.occurred_at IS NOT NULL
			ORDER BY j.occurred_at DESC, j.id DESC LIMIT 1),
		(SELECT j.id FROM interactions j WHERE j.customer_id = c.id AND j.tenant_id = c.tenant_id AND j.occurred_at IS NULL
			ORDER BY j.id DESC LIMIT 1)) AS last_id
	FROM customers c WHERE c.tenant_id = ? AND c.id IN `
	lastContactsJoin = `) l JOIN interactions i ON i.id = l.last_id`
)

// LastContacts returns the latest interaction of each of customerIDs
// that has one, by the order of [crm.LastContact] (greatest At, then
// greatest ID), in ascending customer ID order: one query (on an
// [ArgLimiter] dialect one per chunk of IDs) that takes one index step
// per customer, whatever its number of interactions. It fails with
// [crm.ErrInvalid] if given more than [crm.MaxPageLimit] IDs.
func (s *Store) LastContacts(ctx context.Context, customerIDs []string) ([]crm.LastContact, error) {
	const op = "last contacts"
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	if len(customerIDs) > crm.MaxPageLimit {
		return nil, s.fail(ctx, op, fmt.Errorf("%d customers, more than %d: %w", len(customerIDs), crm.MaxPageLimit, crm.ErrInvalid))
	}
	ids := slices.Compact(slices.Sorted(slices.Values(customerIDs)))
	if len(ids) == 0 {
		return nil, nil
	}
	var out []crm.LastContact
	err := s.read(ctx, func(q dbtx) error {
		for chunk := range s.argChunks(ids) {
			query := lastContacts + inList(len(chunk)) + lastContactsJoin
			args := append([]any{s.tenant(ctx)}, chunk...)
			err := s.queryEach(ctx, q, query, args, func(rows *sql.Rows) error {
				var lc crm.LastContact
				if err := rows.Scan(&lc.CustomerID, &lc.InteractionID, s.timeDest(&lc.At), &lc.ActorID, &lc.Channel); err != nil {
					return err
				}
				out = append(out, lc)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	slices.SortFunc(out, func(a, b crm.LastContact) int { return strings.Compare(a.CustomerID, b.CustomerID) })
	return out, nil
}

const moveInteractions = `UPDATE interactions SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveInteractions re-points every interaction of customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved, in one statement.
// It fails with [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveInteractions(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "interactions", moveInteractions, fromID, toID, at, by)
}

// claimColumns are the columns of a contact claim as scanClaim reads
// them, from the table aliased cc.
const claimColumns = `cc.id, cc.customer_id, cc.seq, cc.actor_id, cc.channel, cc.claimed_at, cc.expires_at,
	cc.override, cc.overridden, cc.reason`

// scanClaim reads one row of claimColumns.
func (s *Store) scanClaim(r interface{ Scan(...any) error }) (*crm.ContactClaim, error) {
	c := new(crm.ContactClaim)
	err := r.Scan(&c.ID, &c.CustomerID, &c.Seq, &c.ActorID, &c.Channel, s.timeDest(&c.At), s.timeDest(&c.Until),
		&c.Override, &c.Overridden, &c.Reason)
	if err != nil {
		return nil, err
	}
	return c, nil
}

const insertClaim = `INSERT INTO contact_claims (tenant_id, id, customer_id, seq, actor_id, channel, claimed_at, expires_at,
	override, overridden, reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateContactClaim stores c, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if a claim with c.ID exists or the customer
// has a claim numbered c.Seq (the unique index says so, which holds for
// concurrent writers too), with [crm.ErrNotFound] if c.CustomerID names
// no customer (the foreign key says so), and with [crm.ErrInvalid] if c
// is nil or has no ID.
func (s *Store) CreateContactClaim(ctx context.Context, c *crm.ContactClaim) error {
	const op = "create contact claim"
	if c == nil || c.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	args := []any{s.tenant(ctx), c.ID, c.CustomerID, c.Seq, c.ActorID, string(c.Channel),
		s.timeArg(c.At), s.timeArg(c.Until), c.Override, c.Overridden, c.Reason}
	err := s.insertWithLists(ctx, insertClaim, args, []parent{{customersTable, c.CustomerID}}, nil)
	if err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	return nil
}

// lastClaim reads the claim of a customer with the greatest seq, one
// step down the unique index (customer_id, seq).
const lastClaim = `SELECT ` + claimColumns + ` FROM contact_claims cc WHERE cc.customer_id = ? AND cc.tenant_id = ?
ORDER BY cc.seq DESC LIMIT 1`

// LastContactClaim returns the claim of customerID with the greatest
// Seq, or an error matching [crm.ErrNotFound] if it has none.
func (s *Store) LastContactClaim(ctx context.Context, customerID string) (*crm.ContactClaim, error) {
	return findOne(ctx, s, "last contact claim of "+customerID, lastClaim, customerID, s.scanClaim)
}

// The parts of the query of FindContactClaims.
const (
	claimsSelect   = `SELECT ` + claimColumns + ` FROM contact_claims cc`
	claimsAfter    = `cc.id > ?`
	claimsOverride = `cc.override = ?`
	claimsOrder    = ` ORDER BY cc.id LIMIT ?`
)

// FindContactClaims returns one page of the claims f selects, in
// ascending ID order, and the cursor of the next page ("" after the
// last), with the limits of [Store.FindCustomers], in one query; its
// meaning is [crm.ContactClaimFilter.Match]'s.
func (s *Store) FindContactClaims(ctx context.Context, f crm.ContactClaimFilter) ([]*crm.ContactClaim, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`cc.tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(claimsAfter, string(f.After))
		}
		whereIn(&w, "cc.customer_id", f.CustomerIDs)
		whereIn(&w, "cc.actor_id", f.Actors)
		if f.OverridesOnly {
			w.add(claimsOverride, true)
		}
		s.whereAtRange(&w, "cc.claimed_at", f.From, f.Before)
		return claimsSelect + w.String() + claimsOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find contact claims", f.Limit, query, s.scanClaim, func(c *crm.ContactClaim) string { return c.ID })
}
