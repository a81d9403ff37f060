package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/crmkit/crm"
)

// errInjected is the failure a [faultStore] injects.
var errInjected = errors.New("storetest: injected fault")

// fault is what a faultStore and the transactions it opens share: the
// fault positions passed since it was armed (each write, and each commit
// of an outermost transaction, in the order they happen) and the one to
// fail.
type fault struct {
	mu     sync.Mutex
	failAt int      // the position to fail; 0: none
	trace  []string // the positions passed since armed: write methods and "commit"
	hitAt  string   // the position that failed, "" if none did
}

// arm forgets the positions passed and makes position k fail (none for
// k = 0).
func (f *fault) arm(k int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failAt, f.trace, f.hitAt = k, nil, ""
}

// result reports whether the armed position failed, which it was, and the
// positions passed since arming.
func (f *fault) result() (hit bool, at string, trace []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hitAt != "", f.hitAt, slices.Clone(f.trace)
}

// pass passes the position what and fails it if it is the armed one.
func (f *fault) pass(what string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.trace = append(f.trace, what)
	if len(f.trace) == f.failAt {
		f.hitAt = what
		return fmt.Errorf("%s (fault position %d): %w", what, f.failAt, errInjected)
	}
	return nil
}

// write passes the position of a write by method.
func (f *fault) write(method string) error { return f.pass(method) }

// commit passes the position of a commit.
func (f *fault) commit() error { return f.pass("commit") }

// faultStore is a Store that fails on demand: the k-th write, or the
// commit of the k-th transaction, returns an error matching errInjected
// instead of reaching the store it wraps (a failed commit rolls the
// transaction back). Reads go through untouched. Every write method of
// crm.Store is overridden here; [checkFaultStoreCountsEveryWrite] fails
// for a write method that is not.
type faultStore struct {
	crm.Store
	f    *fault
	inTx bool // a transaction's Store: its RunInTx joins, it does not commit
}

var _ crm.Store = (*faultStore)(nil)

// RunInTx runs fn in a transaction of the wrapped store, passing it a
// faultStore over the transaction. The outermost transaction counts a
// commit once fn has succeeded, and fails there if that commit is armed:
// the wrapped store then rolls back.
func (s *faultStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	return s.Store.RunInTx(ctx, func(tx crm.Store) error {
		if err := fn(&faultStore{Store: tx, f: s.f, inTx: true}); err != nil {
			return err
		}
		if s.inTx {
			return nil
		}
		return s.f.commit()
	})
}

// checkFaultStoreCountsEveryWrite calls every write method of a
// faultStore armed to fail its first position, over a store that panics
// when reached: each must fail with errInjected without reaching it. A
// write method added to crm.Store fails here until faultStore counts it.
func checkFaultStoreCountsEveryWrite(t *testing.T) {
	f := &fault{}
	s := &faultStore{Store: struct{ crm.Store }{}, f: f}
	typ := reflect.TypeFor[crm.Store]()
	writes := 0
	for i := range typ.NumMethod() {
		m := typ.Method(i)
		if strings.HasPrefix(m.Name, "Find") || faultReads[m.Name] {
			continue
		}
		writes++
		args := make([]reflect.Value, m.Type.NumIn())
		for j := range args {
			if in := m.Type.In(j); in == reflect.TypeFor[context.Context]() {
				args[j] = reflect.ValueOf(t.Context())
			} else {
				args[j] = reflect.Zero(in)
			}
		}
		f.arm(1)
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("reached the wrapped store: %v", r)
				}
			}()
			outs := reflect.ValueOf(s).MethodByName(m.Name).Call(args)
			err, _ = outs[len(outs)-1].Interface().(error)
		}()
		assert.ErrorIs(t, err, errInjected, "faultStore.%s does not count the write: override it (or list it in faultReads if it reads only)", m.Name)
	}
	assert.Greater(t, writes, 40, "the write methods of crm.Store")
}

// faultReads names the methods of crm.Store that do not write. Every
// other method is a write, which faultStore must count.
var faultReads = map[string]bool{
	"AuditHead": true, "Checkpoint": true, "Close": true, "CustomerExposure": true, "LastContactClaim": true,
	"LastContacts": true, "PurchaseCohorts": true, "PurchaseSummaries": true, "ResponseScores": true, "RunInTx": true,
}

func (s *faultStore) AddCaseChange(ctx context.Context, v *crm.CaseChange) error {
	if err := s.f.write("AddCaseChange"); err != nil {
		return err
	}
	return s.Store.AddCaseChange(ctx, v)
}

func (s *faultStore) AddOpportunityChange(ctx context.Context, v *crm.OpportunityChange) error {
	if err := s.f.write("AddOpportunityChange"); err != nil {
		return err
	}
	return s.Store.AddOpportunityChange(ctx, v)
}

func (s *faultStore) AddOwnerChange(ctx context.Context, v *crm.OwnerChange) error {
	if err := s.f.write("AddOwnerChange"); err != nil {
		return err
	}
	return s.Store.AddOwnerChange(ctx, v)
}

func (s *faultStore) AddSegmentSnapshotMembers(ctx context.Context, snapshotID string, members []string) error {
	if err := s.f.write("AddSegmentSnapshotMembers"); err != nil {
		return err
	}
	return s.Store.AddSegmentSnapshotMembers(ctx, snapshotID, members)
}

func (s *faultStore) AppendAudit(ctx context.Context, vs []*crm.AuditEntry) error {
	if err := s.f.write("AppendAudit"); err != nil {
		return err
	}
	return s.Store.AppendAudit(ctx, vs)
}

func (s *faultStore) AppendEvents(ctx context.Context, vs []*crm.Event) error {
	if err := s.f.write("AppendEvents"); err != nil {
		return err
	}
	return s.Store.AppendEvents(ctx, vs)
}

func (s *faultStore) CreateApproval(ctx context.Context, v *crm.ApprovalRequest) error {
	if err := s.f.write("CreateApproval"); err != nil {
		return err
	}
	return s.Store.CreateApproval(ctx, v)
}

func (s *faultStore) CreateCase(ctx context.Context, v *crm.Case) error {
	if err := s.f.write("CreateCase"); err != nil {
		return err
	}
	return s.Store.CreateCase(ctx, v)
}

func (s *faultStore) CreateContact(ctx context.Context, v *crm.Contact) error {
	if err := s.f.write("CreateContact"); err != nil {
		return err
	}
	return s.Store.CreateContact(ctx, v)
}

func (s *faultStore) CreateContactClaim(ctx context.Context, v *crm.ContactClaim) error {
	if err := s.f.write("CreateContactClaim"); err != nil {
		return err
	}
	return s.Store.CreateContactClaim(ctx, v)
}

func (s *faultStore) CreateCustomer(ctx context.Context, v *crm.Customer) error {
	if err := s.f.write("CreateCustomer"); err != nil {
		return err
	}
	return s.Store.CreateCustomer(ctx, v)
}

func (s *faultStore) CreateCustomers(ctx context.Context, vs []*crm.Customer) error {
	if err := s.f.write("CreateCustomers"); err != nil {
		return err
	}
	return s.Store.CreateCustomers(ctx, vs)
}

func (s *faultStore) CreateInteraction(ctx context.Context, v *crm.Interaction) error {
	if err := s.f.write("CreateInteraction"); err != nil {
		return err
	}
	return s.Store.CreateInteraction(ctx, v)
}

func (s *faultStore) CreateLead(ctx context.Context, v *crm.Lead) error {
	if err := s.f.write("CreateLead"); err != nil {
		return err
	}
	return s.Store.CreateLead(ctx, v)
}

func (s *faultStore) CreateOpportunity(ctx context.Context, v *crm.Opportunity) error {
	if err := s.f.write("CreateOpportunity"); err != nil {
		return err
	}
	return s.Store.CreateOpportunity(ctx, v)
}

func (s *faultStore) CreateOrder(ctx context.Context, v *crm.Order) error {
	if err := s.f.write("CreateOrder"); err != nil {
		return err
	}
	return s.Store.CreateOrder(ctx, v)
}

func (s *faultStore) CreatePayment(ctx context.Context, v *crm.Payment) error {
	if err := s.f.write("CreatePayment"); err != nil {
		return err
	}
	return s.Store.CreatePayment(ctx, v)
}

func (s *faultStore) CreatePipeline(ctx context.Context, v *crm.Pipeline) error {
	if err := s.f.write("CreatePipeline"); err != nil {
		return err
	}
	return s.Store.CreatePipeline(ctx, v)
}

func (s *faultStore) CreateResponse(ctx context.Context, v *crm.Response) error {
	if err := s.f.write("CreateResponse"); err != nil {
		return err
	}
	return s.Store.CreateResponse(ctx, v)
}

func (s *faultStore) CreateSegment(ctx context.Context, v *crm.Segment) error {
	if err := s.f.write("CreateSegment"); err != nil {
		return err
	}
	return s.Store.CreateSegment(ctx, v)
}

func (s *faultStore) CreateSegmentSnapshot(ctx context.Context, snap *crm.SegmentSnapshot, members []string) error {
	if err := s.f.write("CreateSegmentSnapshot"); err != nil {
		return err
	}
	return s.Store.CreateSegmentSnapshot(ctx, snap, members)
}

func (s *faultStore) CreateSurvey(ctx context.Context, v *crm.Survey) error {
	if err := s.f.write("CreateSurvey"); err != nil {
		return err
	}
	return s.Store.CreateSurvey(ctx, v)
}

func (s *faultStore) CreateTask(ctx context.Context, v *crm.Task) error {
	if err := s.f.write("CreateTask"); err != nil {
		return err
	}
	return s.Store.CreateTask(ctx, v)
}

func (s *faultStore) DeleteContact(ctx context.Context, id string, version int64) error {
	if err := s.f.write("DeleteContact"); err != nil {
		return err
	}
	return s.Store.DeleteContact(ctx, id, version)
}

func (s *faultStore) DeleteInteraction(ctx context.Context, id string, version int64) error {
	if err := s.f.write("DeleteInteraction"); err != nil {
		return err
	}
	return s.Store.DeleteInteraction(ctx, id, version)
}

func (s *faultStore) EraseLog(ctx context.Context, kind crm.EntityKind, ids []string) error {
	if err := s.f.write("EraseLog"); err != nil {
		return err
	}
	return s.Store.EraseLog(ctx, kind, ids)
}

func (s *faultStore) EraseResponseComments(ctx context.Context, customerID string, at time.Time, by string) (int, error) {
	if err := s.f.write("EraseResponseComments"); err != nil {
		return 0, err
	}
	return s.Store.EraseResponseComments(ctx, customerID, at, by)
}

func (s *faultStore) MoveCases(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveCases"); err != nil {
		return 0, err
	}
	return s.Store.MoveCases(ctx, from, to, at, by)
}

func (s *faultStore) MoveContacts(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveContacts"); err != nil {
		return 0, err
	}
	return s.Store.MoveContacts(ctx, from, to, at, by)
}

func (s *faultStore) MoveInteractions(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveInteractions"); err != nil {
		return 0, err
	}
	return s.Store.MoveInteractions(ctx, from, to, at, by)
}

func (s *faultStore) MoveLeads(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveLeads"); err != nil {
		return 0, err
	}
	return s.Store.MoveLeads(ctx, from, to, at, by)
}

func (s *faultStore) MoveOpportunities(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveOpportunities"); err != nil {
		return 0, err
	}
	return s.Store.MoveOpportunities(ctx, from, to, at, by)
}

func (s *faultStore) MoveOrders(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveOrders"); err != nil {
		return 0, err
	}
	return s.Store.MoveOrders(ctx, from, to, at, by)
}

func (s *faultStore) MoveOwnerChanges(ctx context.Context, from string, to string) (int, error) {
	if err := s.f.write("MoveOwnerChanges"); err != nil {
		return 0, err
	}
	return s.Store.MoveOwnerChanges(ctx, from, to)
}

func (s *faultStore) MovePayment(ctx context.Context, id string, version int64, to string, at time.Time, by string) error {
	if err := s.f.write("MovePayment"); err != nil {
		return err
	}
	return s.Store.MovePayment(ctx, id, version, to, at, by)
}

func (s *faultStore) MovePayments(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MovePayments"); err != nil {
		return 0, err
	}
	return s.Store.MovePayments(ctx, from, to, at, by)
}

func (s *faultStore) MoveResponse(ctx context.Context, id string, version int64, to string, at time.Time, by string) error {
	if err := s.f.write("MoveResponse"); err != nil {
		return err
	}
	return s.Store.MoveResponse(ctx, id, version, to, at, by)
}

func (s *faultStore) MoveResponses(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveResponses"); err != nil {
		return 0, err
	}
	return s.Store.MoveResponses(ctx, from, to, at, by)
}

func (s *faultStore) MoveTasks(ctx context.Context, from string, to string, at time.Time, by string) (int, error) {
	if err := s.f.write("MoveTasks"); err != nil {
		return 0, err
	}
	return s.Store.MoveTasks(ctx, from, to, at, by)
}

func (s *faultStore) SaveCheckpoint(ctx context.Context, consumer string, seq int64) error {
	if err := s.f.write("SaveCheckpoint"); err != nil {
		return err
	}
	return s.Store.SaveCheckpoint(ctx, consumer, seq)
}

func (s *faultStore) UpdateApproval(ctx context.Context, v *crm.ApprovalRequest) error {
	if err := s.f.write("UpdateApproval"); err != nil {
		return err
	}
	return s.Store.UpdateApproval(ctx, v)
}

func (s *faultStore) UpdateCase(ctx context.Context, v *crm.Case) error {
	if err := s.f.write("UpdateCase"); err != nil {
		return err
	}
	return s.Store.UpdateCase(ctx, v)
}

func (s *faultStore) UpdateContact(ctx context.Context, v *crm.Contact) error {
	if err := s.f.write("UpdateContact"); err != nil {
		return err
	}
	return s.Store.UpdateContact(ctx, v)
}

func (s *faultStore) UpdateCustomer(ctx context.Context, v *crm.Customer) error {
	if err := s.f.write("UpdateCustomer"); err != nil {
		return err
	}
	return s.Store.UpdateCustomer(ctx, v)
}

func (s *faultStore) UpdateInteraction(ctx context.Context, v *crm.Interaction) error {
	if err := s.f.write("UpdateInteraction"); err != nil {
		return err
	}
	return s.Store.UpdateInteraction(ctx, v)
}

func (s *faultStore) UpdateLead(ctx context.Context, v *crm.Lead) error {
	if err := s.f.write("UpdateLead"); err != nil {
		return err
	}
	return s.Store.UpdateLead(ctx, v)
}

func (s *faultStore) UpdateOpportunity(ctx context.Context, v *crm.Opportunity) error {
	if err := s.f.write("UpdateOpportunity"); err != nil {
		return err
	}
	return s.Store.UpdateOpportunity(ctx, v)
}

func (s *faultStore) UpdateOrder(ctx context.Context, v *crm.Order) error {
	if err := s.f.write("UpdateOrder"); err != nil {
		return err
	}
	return s.Store.UpdateOrder(ctx, v)
}

func (s *faultStore) UpdatePipeline(ctx context.Context, v *crm.Pipeline) error {
	if err := s.f.write("UpdatePipeline"); err != nil {
		return err
	}
	return s.Store.UpdatePipeline(ctx, v)
}

func (s *faultStore) UpdateSegment(ctx context.Context, v *crm.Segment) error {
	if err := s.f.write("UpdateSegment"); err != nil {
		return err
	}
	return s.Store.UpdateSegment(ctx, v)
}

func (s *faultStore) UpdateSurvey(ctx context.Context, v *crm.Survey) error {
	if err := s.f.write("UpdateSurvey"); err != nil {
		return err
	}
	return s.Store.UpdateSurvey(ctx, v)
}

func (s *faultStore) UpdateTask(ctx context.Context, v *crm.Task) error {
	if err := s.f.write("UpdateTask"); err != nil {
		return err
	}
	return s.Store.UpdateTask(ctx, v)
}
