package storetest

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
)

func (s *refStore) CreateApproval(ctx context.Context, r *crm.ApprovalRequest) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.approvals[r.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: approval request %s: %w", r.ID, crm.ErrDuplicate)
		}
		st.approvals[r.ID] = s.inApproval(r)
		return nil
	})
}

func (s *refStore) inApproval(r *crm.ApprovalRequest) *crm.ApprovalRequest {
	n := r.Clone()
	n.RequestedAt, n.ExpiresAt, n.DecidedAt = s.timestamp(n.RequestedAt), s.timestamp(n.ExpiresAt), s.timestamp(n.DecidedAt)
	return n
}

func (s *refStore) FindApprovalByID(ctx context.Context, id string) (*crm.ApprovalRequest, error) {
	var out *crm.ApprovalRequest
	err := s.do(ctx, func(st *refState) error {
		r, ok := st.approvals[id]
		if !ok {
			return s.notFound("approval request " + id)
		}
		out = r.Clone()
		return nil
	})
	return out, err
}

func (s *refStore) FindApprovals(ctx context.Context, f crm.ApprovalFilter) ([]*crm.ApprovalRequest, crm.Cursor, error) {
	match := func(r *crm.ApprovalRequest) bool {
		if s.is("approval-status-ignored") {
			f.Statuses = nil
		}
		return f.Match(r)
	}
	return refFind(ctx, s, func(st *refState) map[string]*crm.ApprovalRequest { return st.approvals }, match, (*crm.ApprovalRequest).Clone, f.After, f.Limit)
}

func (s *refStore) UpdateApproval(ctx context.Context, r *crm.ApprovalRequest) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.approvals[r.ID]
		if !ok {
			return s.notFound("approval request " + r.ID)
		}
		if old.Version != r.Version && !s.is("approval-no-version-check") {
			return fmt.Errorf("ref: approval request %s: version %d, stored %d: %w", r.ID, r.Version, old.Version, crm.ErrConflict)
		}
		n := s.inApproval(r)
		n.Version = old.Version + 1
		st.approvals[r.ID] = n
		r.Version = n.Version
		return nil
	})
}
