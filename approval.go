package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"
)

// ApprovalKind names a sensitive operation that [WithApprovals] holds for
// a second person's approval.
type ApprovalKind string

// Operations that may need approval.
const (
	// ApprovalCreditLimit: raising a customer's credit limit above the
	// policy's threshold ([Client.UpdateCustomer] with CreditLimit).
	ApprovalCreditLimit ApprovalKind = "credit_limit"
	// ApprovalArchive: archiving (deleting) a customer
	// ([Client.ArchiveCustomer]).
	ApprovalArchive ApprovalKind = "archive_customer"
	// ApprovalMerge: merging two customers ([Client.MergeCustomers]).
	ApprovalMerge ApprovalKind = "merge_customers"
	// ApprovalErase: erasing a customer's personal data
	// ([Client.EraseCustomer]).
	ApprovalErase ApprovalKind = "erase_customer"
	// ApprovalExport: a bulk export ([Client.ExportCustomers]). An
	// approval lets the requester run that export once, naming the
	// request in [ExportOptions].Approval; the export is not run by the
	// approver, whose writer it would not know.
	ApprovalExport ApprovalKind = "export"
)

// permission is what an approver of k must hold.
func (k ApprovalKind) permission() Permission {
	switch k {
	case ApprovalCreditLimit:
		return PermCreditApprove
	case ApprovalExport:
		return PermDataExport
	}
	return PermCustomerDelete
}

// ApprovalStatus is where an approval request stands.
type ApprovalStatus string

// Approval statuses. A request is pending until a second actor approves
// it (which executes the operation, once), rejects it, or it expires.
const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	ApprovalExpired  ApprovalStatus = "expired"
	// ApprovalUsed: an approved export has run.
	ApprovalUsed ApprovalStatus = "used"
)

// ApprovalRequest is a sensitive operation waiting for, or decided by, a
// second actor.
type ApprovalRequest struct {
	ID   string
	Kind ApprovalKind
	// CustomerID is the customer the operation is on (the survivor of a
	// merge), and Operation what it does, as JSON: the customer's version
	// and the new credit limit, or the duplicate and versions of a merge.
	CustomerID string
	Operation  json.RawMessage
	Status     ApprovalStatus
	// RequestedBy asked for the operation at RequestedAt; the request
	// expires at ExpiresAt.
	RequestedBy string
	RequestedAt time.Time
	ExpiresAt   time.Time
	// DecidedBy approved or rejected it at DecidedAt, with Comment.
	DecidedBy string
	DecidedAt time.Time
	Comment   string
	Version   int64
}

// Clone returns a deep copy of r.
func (r *ApprovalRequest) Clone() *ApprovalRequest {
	if r == nil {
		return nil
	}
	out := *r
	out.Operation = slices.Clone(r.Operation)
	return &out
}

// ApprovalRequiredError is the answer to an operation that needs a
// second actor's approval: nothing was changed, and Request waits for
// [Client.Approve] or [Client.Reject]. It matches [ErrApprovalRequired].
type ApprovalRequiredError struct {
	Request *ApprovalRequest
}

func (e *ApprovalRequiredError) Error() string {
	what := string(e.Request.Kind)
	if e.Request.CustomerID != "" {
		what += " of customer " + e.Request.CustomerID
	}
	return fmt.Sprintf("crm: %s needs a second actor's approval: request %s", what, e.Request.ID)
}

// Is reports whether target is [ErrApprovalRequired].
func (e *ApprovalRequiredError) Is(target error) bool { return target == ErrApprovalRequired }

// ApprovalPolicy says which operations need approval.
type ApprovalPolicy struct {
	// CreditLimits are thresholds, one per currency: raising a credit
	// limit to more than the threshold of its currency needs approval. A
	// currency without a threshold needs none.
	CreditLimits []Money
	// Archive, Merge, Erase and Export make every archiving, merge,
	// erasure and export of customers need approval.
	Archive, Merge, Erase, Export bool
	// Expiry is how long a request stays open: 0 means 72 hours.
	Expiry time.Duration
}

// DefaultApprovalExpiry is how long a request stays open unless the
// policy says otherwise.
const DefaultApprovalExpiry = 72 * time.Hour

// WithApprovals makes the operations p names wait for a second actor's
// approval (four eyes): the call returns an [*ApprovalRequiredError]
// holding a pending [ApprovalRequest], and [Client.Approve] by another
// actor executes the operation, exactly once. With access control on
// ([WithAuthorizer]) the approver must hold [PermCreditApprove] for credit
// limits and [PermCustomerDelete] for archiving, merging and erasing, on
// the customer's records, and the requester [PermCustomerWrite] on the
// customers the operation changes.
func WithApprovals(p ApprovalPolicy) Option { return func(c *config) { c.approvals = &p } }

func (p *ApprovalPolicy) validate(verr *ValidationError) {
	seen := map[string]bool{}
	for i, m := range p.CreditLimits {
		field := fmt.Sprintf("approvals.credit_limits[%d]", i)
		switch {
		case m.Currency == "" || m.Amount.IsNegative():
			verr.add(field, "must be an amount of zero or more in a currency")
		case seen[m.Currency]:
			verr.add(field, "a second threshold for %s", m.Currency)
		}
		seen[m.Currency] = true
	}
	if p.Expiry < 0 {
		verr.add("approvals.expiry", "must not be negative")
	}
}

// needsCreditApproval reports whether raising a limit from old to limit
// needs approval.
func (p *ApprovalPolicy) needsCreditApproval(old, limit Money) bool {
	if p == nil || limit.Currency == "" {
		return false
	}
	for _, t := range p.CreditLimits {
		if t.Currency != limit.Currency || !limit.Amount.GreaterThan(t.Amount) {
			continue
		}
		return old.Currency != limit.Currency || limit.Amount.GreaterThan(old.Amount)
	}
	return false
}

// ApprovalFilter selects approval requests.
type ApprovalFilter struct {
	// Statuses, Kinds and CustomerIDs match requests with one of these.
	Statuses    []ApprovalStatus
	Kinds       []ApprovalKind
	CustomerIDs []string
	// RequestedBy matches the requests of one actor.
	RequestedBy string

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects r.
func (f ApprovalFilter) Match(r *ApprovalRequest) bool {
	switch {
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, r.Status),
		len(f.Kinds) > 0 && !slices.Contains(f.Kinds, r.Kind),
		len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, r.CustomerID),
		f.RequestedBy != "" && r.RequestedBy != f.RequestedBy:
		return false
	}
	return true
}

// ApprovalStore keeps approval requests.
type ApprovalStore interface {
	// CreateApproval stores r, which has its ID and Version set by the
	// caller. It returns an error matching [ErrDuplicate] if a request
	// with r.ID exists.
	CreateApproval(ctx context.Context, r *ApprovalRequest) error
	// FindApprovalByID returns the request id, or an error matching
	// [ErrNotFound].
	FindApprovalByID(ctx context.Context, id string) (*ApprovalRequest, error)
	// FindApprovals returns one page of the requests f selects, in
	// ascending ID order, and the cursor for the next page.
	FindApprovals(ctx context.Context, f ApprovalFilter) ([]*ApprovalRequest, Cursor, error)
	// UpdateApproval replaces the stored request r.ID with r, provided
	// its stored version is r.Version, and raises r.Version by one;
	// otherwise it fails with [ErrConflict] (or [ErrNotFound]) and changes
	// nothing.
	UpdateApproval(ctx context.Context, r *ApprovalRequest) error
}

// approvedKey marks a context in which an approved request's operation
// runs, so that it is not held for approval again.
type approvedKey struct{}

func approvedIn(ctx context.Context) bool { return ctx.Value(approvedKey{}) != nil }

// The operations of requests, as stored in ApprovalRequest.Operation.
type (
	creditOperation struct {
		Version     int64
		CreditLimit Money
	}
	archiveOperation struct {
		Version int64
	}
	mergeOperation struct {
		DuplicateID                       string
		SurvivorVersion, DuplicateVersion int64
		Rules                             SurvivorshipRules `json:",omitempty"`
	}
)

// requestApproval stores a pending request for kind on customerID and
// returns the error that reports it.
func (c *Client) requestApproval(ctx context.Context, kind ApprovalKind, customerID string, op any) error {
	by := actorID(ctx)
	if by == "" {
		return fmt.Errorf("crm: %s of customer %s needs approval, and a request needs an acting user: %w", kind, customerID, ErrForbidden)
	}
	data, err := json.Marshal(op)
	if err != nil {
		return fmt.Errorf("crm: request approval: %w", err)
	}
	now := c.now()
	expiry := c.approvals.Expiry
	if expiry == 0 {
		expiry = DefaultApprovalExpiry
	}
	r := &ApprovalRequest{ID: c.ids.NewID(), Kind: kind, CustomerID: customerID, Operation: data, Status: ApprovalPending,
		RequestedBy: by, RequestedAt: now, ExpiresAt: now.Add(expiry), Version: 1}
	if err := c.store.CreateApproval(ctx, r); err != nil {
		return fmt.Errorf("crm: request approval: %w", err)
	}
	return &ApprovalRequiredError{Request: r}
}

// mayAsk checks, with access control on, that the requesting actor
// holds perms on the records of owner: a request changes customers the
// requester may change, and the approver's grant adds what the kind
// needs ([PermCreditApprove], [PermCustomerDelete]).
func (c *Client) mayAsk(ctx context.Context, owner string, perms ...Permission) error {
	if c.auth == nil {
		return nil
	}
	for _, p := range perms {
		gr, err := authorize(ctx, c.auth, p)
		if err != nil {
			return err
		}
		if !gr.allows(owner) {
			return gr.forbidden(fmt.Sprintf("ask for this on a customer owned by %q", owner))
		}
	}
	return nil
}

// GetApproval returns the approval request id.
func (c *Client) GetApproval(ctx context.Context, id string) (*ApprovalRequest, error) {
	return getRecord(ctx, "approval request", id, c.store.FindApprovalByID)
}

// Approvals iterates over the requests f selects, in ID order.
func (c *Client) Approvals(ctx context.Context, f ApprovalFilter) iter.Seq2[*ApprovalRequest, error] {
	list := func(ctx context.Context, f ApprovalFilter) ([]*ApprovalRequest, Cursor, error) {
		return listPage(ctx, "approval filter", "list approval requests", f, f.Limit, c.store.FindApprovals)
	}
	return pages(ctx, f, list, func(f *ApprovalFilter, next Cursor) { f.After = next })
}

// ErrExpired-like refusals are ErrTransition: a decided or expired request
// cannot be decided again.

// Approve approves the pending request id at version and executes its
// operation in the same transaction, as the approving actor: the request
// is approved exactly once, and a concurrent second approval fails with
// [ErrConflict]. The approver must not be the requester, and with access
// control on must hold the kind's permission on the customer. If the
// operation fails — the customer changed since the request (its version
// is checked), the merge is no longer possible — nothing changes and the
// request stays pending. A request past its expiry is marked expired and
// the answer matches [ErrTransition].
func (c *Client) Approve(ctx context.Context, id string, version int64) (*ApprovalRequest, error) {
	return c.decide(ctx, id, version, ApprovalApproved, "")
}

// Reject rejects the pending request id at version, with comment; its
// operation never runs. Errors as for [Client.Approve].
func (c *Client) Reject(ctx context.Context, id string, version int64, comment string) (*ApprovalRequest, error) {
	return c.decide(ctx, id, version, ApprovalRejected, comment)
}

func (c *Client) decide(ctx context.Context, id string, version int64, to ApprovalStatus, comment string) (*ApprovalRequest, error) {
	op := "approve"
	if to == ApprovalRejected {
		op = "reject"
	}
	by := actorID(ctx)
	if by == "" {
		return nil, fmt.Errorf("crm: %s request %s: no acting user: %w", op, id, ErrForbidden)
	}
	var out *ApprovalRequest
	expired := false
	err := c.store.RunInTx(ctx, func(tx Store) error {
		r, err := tx.FindApprovalByID(ctx, id)
		if err != nil {
			return err
		}
		switch now := c.now(); {
		case r.Version != version:
			return fmt.Errorf("have version %d, stored %d: %w", version, r.Version, ErrConflict)
		case r.Status != ApprovalPending:
			return fmt.Errorf("request is %s: %w", r.Status, ErrTransition)
		case r.RequestedBy == by:
			return fmt.Errorf("%q asked for it, and a second actor must decide: %w", by, ErrForbidden)
		case !now.Before(r.ExpiresAt):
			r.Status, r.DecidedAt = ApprovalExpired, now
			expired = true
			out = r
			return tx.UpdateApproval(ctx, r)
		default:
			r.Status, r.DecidedBy, r.DecidedAt, r.Comment = to, by, now, comment
		}
		if err := c.mayDecide(ctx, tx, r); err != nil {
			return err
		}
		if err := tx.UpdateApproval(ctx, r); err != nil {
			return err
		}
		out = r
		if to == ApprovalApproved {
			return c.inTx(tx).execute(context.WithValue(ctx, approvedKey{}, r.ID), r)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, wrapUnlessTyped(op+" request "+id, err)
	case expired:
		return out, fmt.Errorf("crm: %s request %s: it expired at %s: %w", op, id, out.ExpiresAt.Format(time.RFC3339), ErrTransition)
	}
	return out, nil
}

// mayDecide checks, with access control on, that the deciding actor holds
// the permission of r's kind on the customer's records.
func (c *Client) mayDecide(ctx context.Context, tx Store, r *ApprovalRequest) error {
	if c.auth == nil {
		return nil
	}
	gr, err := authorize(ctx, c.auth, r.Kind.permission())
	if err != nil {
		return err
	}
	if r.CustomerID == "" { // an export: of any customers
		if !gr.all {
			return gr.forbidden("approve an export across owners")
		}
		return nil
	}
	cust, err := tx.FindCustomerByID(ctx, r.CustomerID)
	if err != nil {
		return err
	}
	if !gr.allows(cust.OwnerID) {
		return gr.forbidden(fmt.Sprintf("decide on customer %s, owned by %q", cust.ID, cust.OwnerID))
	}
	return nil
}

// inTx returns a copy of c that works in the transaction tx.
func (c *Client) inTx(tx Store) *Client {
	cc := *c
	cc.store = tx
	return &cc
}

// execute runs the operation of the approved request r.
func (c *Client) execute(ctx context.Context, r *ApprovalRequest) error {
	var err error
	switch r.Kind {
	case ApprovalCreditLimit:
		var op creditOperation
		if err = json.Unmarshal(r.Operation, &op); err == nil {
			_, err = c.UpdateCustomer(ctx, r.CustomerID, op.Version, CustomerUpdate{CreditLimit: &op.CreditLimit})
		}
	case ApprovalArchive:
		var op archiveOperation
		if err = json.Unmarshal(r.Operation, &op); err == nil {
			_, err = c.ArchiveCustomer(ctx, r.CustomerID, op.Version)
		}
	case ApprovalMerge:
		var op mergeOperation
		if err = json.Unmarshal(r.Operation, &op); err == nil {
			_, err = c.MergeCustomers(ctx, r.CustomerID, op.DuplicateID, MergeOptions{
				Rules: op.Rules, SurvivorVersion: op.SurvivorVersion, DuplicateVersion: op.DuplicateVersion})
		}
	case ApprovalErase:
		_, err = c.EraseCustomer(ctx, r.CustomerID)
	case ApprovalExport:
		// Approved, for the requester to run once.
	default:
		err = fmt.Errorf("unknown kind %q: %w", r.Kind, ErrInvalid)
	}
	if err != nil && !errors.Is(err, ErrInvalid) {
		return fmt.Errorf("the approved %s: %w", r.Kind, err)
	}
	return err
}

// exportOperation is what an export request names: the filter, with its
// rule as text, and the options but the approval.
type exportOperation struct {
	Filter       string
	Rule         string `json:",omitempty"`
	Format       ExportFormat
	Kind         ExportKind   `json:",omitempty"`
	Include      []ExportKind `json:",omitempty"`
	CustomFields []string     `json:",omitempty"`
}

func newExportOperation(f CustomerFilter, opts ExportOptions) exportOperation {
	op := exportOperation{Format: opts.Format, Kind: opts.Kind, Include: opts.Include, CustomFields: opts.CustomFields}
	if f.Rule != nil {
		op.Rule = f.Rule.String()
	}
	f.Rule, f.After = nil, ""
	op.Filter = fmt.Sprintf("%+v", f)
	return op
}

// useExportApproval checks that approval id lets the acting user run the
// export f and opts names, and marks it used: of two exports naming one
// approval, one runs.
func (c *Client) useExportApproval(ctx context.Context, id string, f CustomerFilter, opts ExportOptions) error {
	want, err := json.Marshal(newExportOperation(f, opts))
	if err != nil {
		return err
	}
	by := actorID(ctx)
	return c.store.RunInTx(ctx, func(tx Store) error {
		r, err := tx.FindApprovalByID(ctx, id)
		switch {
		case err != nil:
			return err
		case r.Kind != ApprovalExport:
			return fmt.Errorf("request %s is a %s, not an export: %w", id, r.Kind, ErrInvalid)
		case r.Status != ApprovalApproved:
			return fmt.Errorf("request %s is %s: %w", id, r.Status, ErrTransition)
		case r.RequestedBy != by:
			return fmt.Errorf("request %s was made by %q: %w", id, r.RequestedBy, ErrForbidden)
		case !c.now().Before(r.ExpiresAt):
			return fmt.Errorf("request %s expired at %s: %w", id, r.ExpiresAt.Format(time.RFC3339), ErrTransition)
		case string(r.Operation) != string(want):
			return fmt.Errorf("request %s approved another export: %w", id, ErrInvalid)
		}
		r.Status = ApprovalUsed
		return tx.UpdateApproval(ctx, r)
	})
}
