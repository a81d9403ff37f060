package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// leadColumns are the columns of a lead as scanLead reads them, from the
// table aliased l.
const leadColumns = `l.id, l.name, l.company, l.title, l.email, l.phone, l.source, l.status, l.owner_id,
	l.score, l.industry, l.region, l.behaviours, l.disqualified_reason,
	l.converted_at, l.customer_id, l.contact_id, l.opportunity_id,
	l.created_at, l.created_by, l.updated_at, l.updated_by, l.version`

// leadValues returns the row values of l but its ID and Version, in the
// order of the columns of insertLead and updateLead.
func (s *Store) leadValues(l *crm.Lead) []any {
	return []any{
		l.Name, l.Company, l.Title, l.Email, l.Phone, l.Source, string(l.Status), l.OwnerID,
		l.Score, l.Industry, l.Region, behavioursText(l.Behaviours), l.DisqualifiedReason,
		s.timeArg(l.ConvertedAt), l.CustomerID, l.ContactID, l.OpportunityID,
		s.timeArg(l.CreatedAt), l.CreatedBy, s.timeArg(l.UpdatedAt), l.UpdatedBy,
	}
}

// scanLead reads one row of leadColumns.
func (s *Store) scanLead(r interface{ Scan(...any) error }) (*crm.Lead, error) {
	l := new(crm.Lead)
	var behaviours string
	err := r.Scan(&l.ID, &l.Name, &l.Company, &l.Title, &l.Email, &l.Phone, &l.Source, &l.Status, &l.OwnerID,
		&l.Score, &l.Industry, &l.Region, &behaviours, &l.DisqualifiedReason,
		s.timeDest(&l.ConvertedAt), &l.CustomerID, &l.ContactID, &l.OpportunityID,
		s.timeDest(&l.CreatedAt), &l.CreatedBy, s.timeDest(&l.UpdatedAt), &l.UpdatedBy, &l.Version)
	if err != nil {
		return nil, err
	}
	if l.Behaviours, err = parseBehaviours(behaviours); err != nil {
		return nil, fmt.Errorf("lead %s: %w", l.ID, err)
	}
	return l, nil
}

// behavioursText returns the column form of a lead's behaviour counts:
// "kind:count" pairs in ascending order of kind, separated by single
// spaces, such as "demo_request:1 email_open:3" (” for none). Kinds hold
// no space or colon (the Client checks them).
func behavioursText(b map[string]int) string {
	var sb strings.Builder
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(k)
		sb.WriteByte(':')
		sb.WriteString(strconv.Itoa(b[k]))
	}
	return sb.String()
}

// parseBehaviours reads the column form of behavioursText; nil for ”.
func parseBehaviours(text string) (map[string]int, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return nil, nil
	}
	out := make(map[string]int, len(fields))
	for _, f := range fields {
		k, v, ok := strings.Cut(f, ":")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return nil, fmt.Errorf("behaviours %q: malformed pair %q", text, f)
		}
		out[k] = n
	}
	return out, nil
}

const insertLead = `INSERT INTO leads (tenant_id, id,
	name, company, title, email, phone, source, status, owner_id,
	score, industry, region, behaviours, disqualified_reason,
	converted_at, customer_id, contact_id, opportunity_id,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?,
	?, ?, ?, ?, ?, ?, ?, ?,
	?, ?, ?, ?, ?,
	?, ?, ?, ?,
	?, ?, ?, ?,
	?)`

// CreateLead stores l, in one statement. It fails with an error matching
// [crm.ErrDuplicate] if a lead with l.ID exists, and with [crm.ErrInvalid]
// if l is nil or has no ID.
func (s *Store) CreateLead(ctx context.Context, l *crm.Lead) error {
	const op = "create lead"
	if l == nil || l.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+l.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), l.ID}, s.leadValues(l)...), l.Version)
	if _, err := s.execWrite(ctx, insertLead, args...); err != nil {
		return s.fail(ctx, op+" "+l.ID, err)
	}
	return nil
}

const findLeadByID = `SELECT ` + leadColumns + ` FROM leads l WHERE l.id = ? AND l.tenant_id = ?`

// FindLeadByID returns the lead id, or an error matching [crm.ErrNotFound].
func (s *Store) FindLeadByID(ctx context.Context, id string) (*crm.Lead, error) {
	return findOne(ctx, s, "find lead "+id, findLeadByID, id, s.scanLead)
}

// The parts of the query of FindLeads.
const (
	leadsSelect = `SELECT ` + leadColumns + ` FROM leads l`
	leadsAfter  = `l.id > ?`
	// leadsConverted keeps the leads of "" in CustomerIDs out.
	leadsConverted = `l.customer_id <> ''`
	leadsOrder     = ` ORDER BY l.id LIMIT ?`
)

// FindLeads returns one page of the leads f selects, in ascending ID
// order, and the cursor of the next page ("" after the last), with the
// limits of [Store.FindCustomers]. The filter is one query, with an index
// for every filter field; its meaning is [crm.LeadFilter.Match]'s.
func (s *Store) FindLeads(ctx context.Context, f crm.LeadFilter) ([]*crm.Lead, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`l.tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(leadsAfter, string(f.After))
		}
		whereIn(&w, "l.status", f.Statuses)
		whereIn(&w, "l.owner_id", f.Owners)
		whereIn(&w, "l.source", f.Sources)
		if len(f.CustomerIDs) > 0 {
			whereIn(&w, "l.customer_id", f.CustomerIDs)
			w.add(leadsConverted) // "" names no customer, as in Match
		}
		s.whereTimeRange(&w, "l.created_at", f.CreatedFrom, f.CreatedBefore)
		return leadsSelect + w.String() + leadsOrder, append(w.args, n)
	}
	return findPage(ctx, s, "find leads", f.Limit, query, s.scanLead, func(l *crm.Lead) string { return l.ID })
}

const (
	updateLead = `UPDATE leads SET
	name = ?, company = ?, title = ?, email = ?, phone = ?, source = ?, status = ?, owner_id = ?,
	score = ?, industry = ?, region = ?, behaviours = ?, disqualified_reason = ?,
	converted_at = ?, customer_id = ?, contact_id = ?, opportunity_id = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	leadVersion = `SELECT version FROM leads WHERE id = ? AND tenant_id = ?`
)

// UpdateLead replaces the stored lead l.ID with l under the version rule
// of [Store.UpdateCustomer].
func (s *Store) UpdateLead(ctx context.Context, l *crm.Lead) error {
	const op = "update lead"
	if l == nil {
		return s.fail(ctx, op, fmt.Errorf("nil lead: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+l.ID, err)
	}
	if err := s.updateVersioned(ctx, updateLead, leadVersion, l.ID, l.Version, s.leadValues(l), nil); err != nil {
		return s.fail(ctx, op+" "+l.ID, err)
	}
	l.Version++
	return nil
}

const moveLeads = `UPDATE leads SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// MoveLeads re-points every lead converted into customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved, in one statement. It
// fails with [crm.ErrNotFound] if toID names no customer.
func (s *Store) MoveLeads(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	if fromID == "" {
		// Unconverted leads have customer_id ''; they belong to nobody.
		return s.moveToCustomer(ctx, "leads", moveLeads+` AND 1 = 0`, fromID, toID, at, by)
	}
	return s.moveToCustomer(ctx, "leads", moveLeads, fromID, toID, at, by)
}
