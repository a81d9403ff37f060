package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// approvalChecks are the checks of [crm.ApprovalStore] and of four-eyes
// approvals through a Client.
func approvalChecks() []check {
	return []check{
		{"Approval/RoundTrip", testApprovalRoundTrip},
		{"Approval/Filter", testApprovalFilter},
		{"Approval/FourEyes", testApprovalFourEyes},
		{"Approval/ExactlyOnce", testApprovalExactlyOnce},
	}
}

func approvalRequest(i int, kind crm.ApprovalKind, customer string, status crm.ApprovalStatus) *crm.ApprovalRequest {
	zone := time.FixedZone("UTC+1", 3600)
	at := time.Date(2026, 4, 1, 9, 0, i, 987654321, zone)
	return &crm.ApprovalRequest{
		ID: fmt.Sprintf("ap-%03d", i), Kind: kind, CustomerID: customer,
		Operation: json.RawMessage(`{"Version":3,"CreditLimit":{"Amount":"25000.5","Currency":"EUR"}}`),
		Status:    status, RequestedBy: fmt.Sprintf("u-%d", i%2), RequestedAt: at, ExpiresAt: at.Add(72 * time.Hour),
		Version: 1,
	}
}

func testApprovalRoundTrip(t *testing.T, s crm.Store) {
	ctx := t.Context()
	in := approvalRequest(1, crm.ApprovalCreditLimit, "c-1", crm.ApprovalPending)
	require.NoError(t, s.CreateApproval(ctx, in))
	assert.ErrorIs(t, s.CreateApproval(ctx, in), crm.ErrDuplicate, "a second request with the ID")
	got, err := s.FindApprovalByID(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, in.Kind, got.Kind)
	assert.Equal(t, in.CustomerID, got.CustomerID)
	assert.Equal(t, string(in.Operation), string(got.Operation), "the operation byte for byte")
	assert.Equal(t, in.Status, got.Status)
	assert.Equal(t, in.RequestedBy, got.RequestedBy)
	assert.True(t, crm.Timestamp(in.RequestedAt).Equal(got.RequestedAt))
	assert.Equal(t, time.UTC, got.RequestedAt.Location())
	assert.True(t, crm.Timestamp(in.ExpiresAt).Equal(got.ExpiresAt))
	assert.True(t, got.DecidedAt.IsZero(), "no decision yet")
	assert.Equal(t, int64(1), got.Version)

	got.Status, got.DecidedBy, got.DecidedAt, got.Comment = crm.ApprovalApproved, "u-9", in.RequestedAt.Add(time.Hour), "fine"
	require.NoError(t, s.UpdateApproval(ctx, got))
	assert.Equal(t, int64(2), got.Version, "UpdateApproval raises the version")
	again, err := s.FindApprovalByID(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalApproved, again.Status)
	assert.Equal(t, "u-9", again.DecidedBy)
	assert.Equal(t, "fine", again.Comment)
	assert.Equal(t, int64(2), again.Version)

	stale := again.Clone()
	stale.Version = 1
	stale.Status = crm.ApprovalRejected
	assert.ErrorIs(t, s.UpdateApproval(ctx, stale), crm.ErrConflict, "a stale version")
	after, err := s.FindApprovalByID(ctx, in.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalApproved, after.Status, "a refused update changes nothing")
	_, err = s.FindApprovalByID(ctx, "missing")
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func testApprovalFilter(t *testing.T, s crm.Store) {
	ctx := t.Context()
	var all []*crm.ApprovalRequest
	for i := range 9 {
		kind := []crm.ApprovalKind{crm.ApprovalCreditLimit, crm.ApprovalArchive, crm.ApprovalMerge}[i%3]
		status := []crm.ApprovalStatus{crm.ApprovalPending, crm.ApprovalApproved}[i%2]
		r := approvalRequest(i, kind, fmt.Sprintf("c-%d", i%4), status)
		require.NoError(t, s.CreateApproval(ctx, r))
		all = append(all, r)
	}
	ids := func(f crm.ApprovalFilter) []string {
		var out []string
		for {
			page, next, err := s.FindApprovals(ctx, f)
			require.NoError(t, err)
			for _, r := range page {
				out = append(out, r.ID)
			}
			if next == "" {
				return out
			}
			f.After = next
		}
	}
	for _, f := range []crm.ApprovalFilter{
		{Statuses: []crm.ApprovalStatus{crm.ApprovalPending}},
		{Kinds: []crm.ApprovalKind{crm.ApprovalMerge, crm.ApprovalArchive}},
		{CustomerIDs: []string{"c-1", "c-2"}},
		{RequestedBy: "u-1", Statuses: []crm.ApprovalStatus{crm.ApprovalApproved}},
		{Limit: 2},
	} {
		var want []string
		for _, r := range all {
			if f.Match(r) {
				want = append(want, r.ID)
			}
		}
		assert.Equal(t, want, ids(f), "filter %+v", f)
	}
}

// approvalClient is a Client over s with approvals of credit limits above
// 10,000 EUR, of archiving and of merges, and the default roles.
func approvalClient(t *testing.T, s crm.Store, now func() time.Time) *crm.Client {
	roles, err := crm.NewRoles(crm.DefaultRoles(), map[string][]string{"east": {"ann"}})
	require.NoError(t, err)
	c, err := crm.New(s, crm.WithAuthorizer(roles), crm.WithAudit(),
		crm.WithApprovals(crm.ApprovalPolicy{CreditLimits: []crm.Money{crm.MustMoney("10000", "EUR")}, Archive: true, Merge: true}),
		crm.WithClock(crm.ClockFunc(now)),
		prefixedIDs("q"))
	require.NoError(t, err)
	return c
}

// testApprovalFourEyes raises a credit limit above the threshold: the
// call is held, nothing changes, the requester cannot approve it herself,
// a rep without credit:approve cannot either, a manager can, which
// executes it once; a request past its expiry cannot be approved.
func testApprovalFourEyes(t *testing.T, s crm.Store) {
	var clock atomic.Int64
	start := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	c := approvalClient(t, s, func() time.Time { return start.Add(time.Duration(clock.Load())) })
	as := func(id, role string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: []string{role}, Team: "east"})
	}
	ann, bob, mia := as("ann", "sales"), as("bob", "sales"), as("mia", "manager")

	cust, err := c.CreateCustomer(ann, &crm.Customer{Name: "Credit Ltd", CreditLimit: crm.MustMoney("5000", "EUR")})
	require.NoError(t, err)
	small, err := c.UpdateCustomer(ann, cust.ID, cust.Version, crm.CustomerUpdate{CreditLimit: crm.Ptr(crm.MustMoney("9000", "EUR"))})
	require.NoError(t, err, "a raise up to the threshold needs no approval")
	_, err = c.UpdateCustomer(ann, small.ID, small.Version, crm.CustomerUpdate{CreditLimit: crm.Ptr(crm.MustMoney("25000.50", "EUR"))})
	var held *crm.ApprovalRequiredError
	require.ErrorAs(t, err, &held, "a raise above the threshold is held")
	assert.ErrorIs(t, err, crm.ErrApprovalRequired)
	req := held.Request
	assert.Equal(t, crm.ApprovalPending, req.Status)
	assert.Equal(t, crm.ApprovalCreditLimit, req.Kind)
	assert.Equal(t, "ann", req.RequestedBy)
	stored, err := c.GetCustomer(ann, cust.ID)
	require.NoError(t, err)
	assert.True(t, crm.MustMoney("9000", "EUR").Amount.Equal(stored.CreditLimit.Amount), "nothing changed while the request waits")

	_, err = c.Approve(ann, req.ID, req.Version)
	assert.ErrorIs(t, err, crm.ErrForbidden, "the requester cannot approve her own request")
	_, err = c.Approve(bob, req.ID, req.Version)
	assert.ErrorIs(t, err, crm.ErrForbidden, "a rep without credit:approve cannot approve")
	done, err := c.Approve(mia, req.ID, req.Version)
	require.NoError(t, err, "the manager approves")
	assert.Equal(t, crm.ApprovalApproved, done.Status)
	assert.Equal(t, "mia", done.DecidedBy)
	stored, err = c.GetCustomer(ann, cust.ID)
	require.NoError(t, err)
	assert.True(t, crm.MustMoney("25000.50", "EUR").Amount.Equal(stored.CreditLimit.Amount), "the approval executed the raise, to the cent")
	assert.Equal(t, small.Version+1, stored.Version, "once")
	_, err = c.Approve(mia, done.ID, done.Version)
	assert.ErrorIs(t, err, crm.ErrTransition, "an approved request is not approved again")

	// Archiving is held too, and a request expires.
	_, err = c.ArchiveCustomer(mia, stored.ID, stored.Version)
	require.ErrorAs(t, err, &held, "archiving is held")
	clock.Add(int64(crm.DefaultApprovalExpiry + time.Minute))
	expired, err := c.Approve(ann, held.Request.ID, held.Request.Version)
	assert.ErrorIs(t, err, crm.ErrTransition, "a request past its expiry")
	require.NotNil(t, expired)
	assert.Equal(t, crm.ApprovalExpired, expired.Status)
	got, err := c.GetApproval(mia, held.Request.ID)
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalExpired, got.Status, "the expiry is recorded")
	live, err := c.GetCustomer(ann, cust.ID)
	require.NoError(t, err)
	assert.False(t, live.Archived(), "an expired request never runs")

	// A rejected merge never runs.
	other, err := c.CreateCustomer(ann, &crm.Customer{Name: "Credit Duplicate Ltd"}, crm.AllowDuplicates())
	require.NoError(t, err)
	_, err = c.MergeCustomers(ann, cust.ID, other.ID, crm.MergeOptions{})
	require.ErrorAs(t, err, &held, "a merge is held")
	rejected, err := c.Reject(mia, held.Request.ID, held.Request.Version, "not the same company")
	require.NoError(t, err)
	assert.Equal(t, crm.ApprovalRejected, rejected.Status)
	assert.Equal(t, "not the same company", rejected.Comment)
	dup, err := c.GetCustomer(ann, other.ID)
	require.NoError(t, err)
	assert.Empty(t, dup.MergedInto, "a rejected merge never runs")
	var pending int
	for r, err := range c.Approvals(mia, crm.ApprovalFilter{Statuses: []crm.ApprovalStatus{crm.ApprovalPending}}) {
		require.NoError(t, err)
		_ = r
		pending++
	}
	assert.Zero(t, pending, "nothing left pending")
}

// testApprovalExactlyOnce has eight managers approve one merge at once:
// exactly one approval executes it.
func testApprovalExactlyOnce(t *testing.T, s crm.Store) {
	c := approvalClient(t, s, func() time.Time { return time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC) })
	ann := crm.WithActor(t.Context(), crm.Actor{ID: "ann", Roles: []string{"sales"}, Team: "east"})
	a, err := c.CreateCustomer(ann, &crm.Customer{Name: "Once Ltd"})
	require.NoError(t, err)
	b, err := c.CreateCustomer(ann, &crm.Customer{Name: "Once Duplicate"}, crm.AllowDuplicates())
	require.NoError(t, err)
	_, err = c.MergeCustomers(ann, a.ID, b.ID, crm.MergeOptions{})
	var held *crm.ApprovalRequiredError
	require.ErrorAs(t, err, &held)

	const approvers = 8
	var wg sync.WaitGroup
	results := make([]error, approvers)
	for i := range approvers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := crm.WithActor(t.Context(), crm.Actor{ID: fmt.Sprintf("mgr-%d", i), Roles: []string{"admin"}})
			_, results[i] = c.Approve(ctx, held.Request.ID, held.Request.Version)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, crm.ErrConflict), errors.Is(err, crm.ErrTransition):
		default:
			t.Errorf("an approval failed otherwise: %v", err)
		}
	}
	assert.Equal(t, 1, ok, "exactly one approval executes")
	dup, err := s.FindCustomerByID(t.Context(), b.ID)
	require.NoError(t, err)
	assert.Equal(t, a.ID, dup.MergedInto, "the merge ran")
	merges := 0
	for e, err := range c.AuditLog(crm.WithActor(t.Context(), crm.Actor{ID: "ada", Roles: []string{"auditor"}}), crm.AuditFilter{Entity: crm.EntityCustomer, EntityID: b.ID}) {
		require.NoError(t, err)
		for _, ch := range e.Changes {
			if ch.Field == "MergedInto" {
				merges++
			}
		}
	}
	assert.Equal(t, 1, merges, "the duplicate was merged once")
}
