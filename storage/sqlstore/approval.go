package sqlstore

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
)

// approvalColumns are the columns of an approval request as scanApproval
// reads them.
const approvalColumns = `id, kind, customer_id, operation, status, requested_by, requested_at, expires_at,
	decided_by, decided_at, comment, version`

// approvalValues returns the row values of r but its ID and Version, in
// the order of the columns of insertApproval and updateApproval.
func (s *Store) approvalValues(r *crm.ApprovalRequest) []any {
	op := string(r.Operation)
	if op == "" {
		op = "null"
	}
	return []any{string(r.Kind), r.CustomerID, op, string(r.Status), r.RequestedBy,
		s.timeArg(r.RequestedAt), s.timeArg(r.ExpiresAt), r.DecidedBy, s.timeArg(r.DecidedAt), r.Comment}
}

func (s *Store) scanApproval(row interface{ Scan(...any) error }) (*crm.ApprovalRequest, error) {
	r := new(crm.ApprovalRequest)
	var op string
	err := row.Scan(&r.ID, &r.Kind, &r.CustomerID, &op, &r.Status, &r.RequestedBy,
		s.timeDest(&r.RequestedAt), s.timeDest(&r.ExpiresAt), &r.DecidedBy, s.timeDest(&r.DecidedAt), &r.Comment, &r.Version)
	if err != nil {
		return nil, err
	}
	if op != "null" {
		r.Operation = []byte(op)
	}
	return r, nil
}

const insertApproval = `INSERT INTO approval_requests (tenant_id, ` + approvalColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateApproval stores r, in one statement. It fails with an error
// matching [crm.ErrDuplicate] if a request with r.ID exists, and with
// [crm.ErrInvalid] if r is nil or has no ID.
func (s *Store) CreateApproval(ctx context.Context, r *crm.ApprovalRequest) error {
	const op = "create approval request"
	if r == nil || r.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+r.ID, err)
	}
	args := append(append([]any{s.tenant(ctx), r.ID}, s.approvalValues(r)...), r.Version)
	if _, err := s.execWrite(ctx, insertApproval, args...); err != nil {
		return s.fail(ctx, op+" "+r.ID, err)
	}
	return nil
}

const findApprovalByID = `SELECT ` + approvalColumns + ` FROM approval_requests WHERE id = ? AND tenant_id = ?`

// FindApprovalByID returns the request id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindApprovalByID(ctx context.Context, id string) (*crm.ApprovalRequest, error) {
	return findOne(ctx, s, "find approval request "+id, findApprovalByID, id, s.scanApproval)
}

// FindApprovals returns one page of the requests f selects, in ascending
// ID order, in one query with an index for every filter field; its
// meaning is [crm.ApprovalFilter.Match]'s.
func (s *Store) FindApprovals(ctx context.Context, f crm.ApprovalFilter) ([]*crm.ApprovalRequest, crm.Cursor, error) {
	query := func(n int) (string, []any) {
		var w where
		w.add(`tenant_id = ?`, s.tenant(ctx))
		if f.After != "" {
			w.add(`id > ?`, string(f.After))
		}
		whereIn(&w, "status", f.Statuses)
		whereIn(&w, "kind", f.Kinds)
		whereIn(&w, "customer_id", f.CustomerIDs)
		if f.RequestedBy != "" {
			w.add(`requested_by = ?`, f.RequestedBy)
		}
		return `SELECT ` + approvalColumns + ` FROM approval_requests` + w.String() + ` ORDER BY id LIMIT ?`, append(w.args, n)
	}
	return findPage(ctx, s, "find approval requests", f.Limit, query, s.scanApproval, func(r *crm.ApprovalRequest) string { return r.ID })
}

const (
	updateApproval = `UPDATE approval_requests SET
	kind = ?, customer_id = ?, operation = ?, status = ?, requested_by = ?, requested_at = ?, expires_at = ?,
	decided_by = ?, decided_at = ?, comment = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	approvalVersion = `SELECT version FROM approval_requests WHERE id = ? AND tenant_id = ?`
)

// UpdateApproval replaces the stored request r.ID with r under the
// version rule of [Store.UpdateCustomer]: of two concurrent decisions on
// one request, one finds the version changed.
func (s *Store) UpdateApproval(ctx context.Context, r *crm.ApprovalRequest) error {
	const op = "update approval request"
	if r == nil {
		return s.fail(ctx, op, fmt.Errorf("nil request: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+r.ID, err)
	}
	if err := s.updateVersioned(ctx, updateApproval, approvalVersion, r.ID, r.Version, s.approvalValues(r), nil); err != nil {
		return s.fail(ctx, op+" "+r.ID, err)
	}
	r.Version++
	return nil
}
