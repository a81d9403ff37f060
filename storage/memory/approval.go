package memory

// Approval requests, kept in a children table indexed by customer.

import (
	"context"

	"github.com/crmkit/crm"
)

func approvalCustomer(r *crm.ApprovalRequest) string { return r.CustomerID }

func (s *Store) saveApproval(id string, prev *crm.ApprovalRequest) {
	s.saveFunc(func(d *data) { d.approvals.restore(id, prev) })
}

// prepareApproval returns a copy of r in the stored form.
func prepareApproval(r *crm.ApprovalRequest) *crm.ApprovalRequest {
	n := r.Clone()
	stamp(&n.RequestedAt)
	stamp(&n.ExpiresAt)
	stamp(&n.DecidedAt)
	return n
}

// CreateApproval stores a copy of r. It fails with [crm.ErrDuplicate] if a
// request with r.ID exists, and with [crm.ErrInvalid] if r is nil or has
// no ID.
func (s *Store) CreateApproval(ctx context.Context, r *crm.ApprovalRequest) error {
	s = s.in(ctx)
	return createChild(ctx, s, &s.d.approvals, "approval request", r, func(r *crm.ApprovalRequest) string { return r.ID },
		prepareApproval, func(*data, *crm.ApprovalRequest) error { return nil }, s.saveApproval)
}

// FindApprovalByID returns a copy of the request id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindApprovalByID(ctx context.Context, id string) (*crm.ApprovalRequest, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.approvals.byID, "approval request", id)
}

// FindApprovals returns copies of one page of the requests f selects, in
// ascending ID order: with CustomerIDs through the per-customer index.
func (s *Store) FindApprovals(ctx context.Context, f crm.ApprovalFilter) ([]*crm.ApprovalRequest, crm.Cursor, error) {
	s = s.in(ctx)
	return findChildren(ctx, s, &s.d.approvals, "approval requests", f.CustomerIDs, nil, f.After, f.Limit, f.Match, (*crm.ApprovalRequest).Clone)
}

// UpdateApproval replaces the stored request r.ID with a copy of r under
// the version rule of [Store.UpdateCustomer].
func (s *Store) UpdateApproval(ctx context.Context, r *crm.ApprovalRequest) error {
	s = s.in(ctx)
	return updateChild(ctx, s, &s.d.approvals, "approval request", r,
		func(r *crm.ApprovalRequest) (string, *int64) { return r.ID, &r.Version },
		prepareApproval, func(*data, *crm.ApprovalRequest) error { return nil }, s.saveApproval)
}
