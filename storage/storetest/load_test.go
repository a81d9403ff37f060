package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// recorder is a testing.TB that keeps the errors reported to it, so that
// a test can show that CheckInvariants finds a planted violation.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Logf(string, ...any) {}
func (r *recorder) Helper()             {}

// loaded runs a short Load on a new reference store.
func loaded(t *testing.T) (crm.Store, *crm.Client, *Ledger) {
	t.Helper()
	s := newRefStore("")
	t.Cleanup(func() { _ = s.Close() })
	c, err := crm.New(s)
	require.NoError(t, err)
	l, err := Load(t.Context(), c, LoadOptions{Workers: 4, Duration: 300 * time.Millisecond})
	require.NoError(t, err)
	require.NotZero(t, l.counts[OpMerge], "no merge in the load: %s", l)
	require.NotZero(t, l.counts[OpPayment], "no payment in the load: %s", l)
	return s, c, l
}

// violations runs CheckInvariants on s and l and returns what it reported.
func violations(t *testing.T, s crm.Store, l *Ledger, inFlight int) string {
	r := &recorder{TB: t}
	CheckInvariants(r, s, l, inFlight)
	return strings.Join(r.errs, "\n")
}

// TestCheckInvariantsFindsViolations plants one violation of each
// invariant after a load and expects CheckInvariants to report it.
func TestCheckInvariantsFindsViolations(t *testing.T) {
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "planter"})
	t.Run("Clean", func(t *testing.T) {
		s, _, l := loaded(t)
		assert.Empty(t, violations(t, s, l, 0))
	})
	t.Run("LostIncrement", func(t *testing.T) {
		s, _, l := loaded(t)
		for id := range l.counters {
			require.NoError(t, l.Record(Op{Kind: OpIncrement, ID: id}))
			break
		}
		assert.Contains(t, violations(t, s, l, 0), "lost update: counter customer")
	})
	t.Run("LostPayment", func(t *testing.T) {
		s, _, l := loaded(t)
		order := l.orderIDs[0]
		require.NoError(t, l.Record(Op{Kind: OpPayment, ID: "p-never-stored", Ref: order, Amount: l.orders[order].total}))
		got := violations(t, s, l, 0)
		assert.Contains(t, got, "lost: payment p-never-stored")
		assert.Contains(t, got, "money: payments in ")
	})
	t.Run("TotalChanged", func(t *testing.T) {
		s, _, l := loaded(t)
		o, err := s.FindOrderByID(ctx, l.orderIDs[0])
		require.NoError(t, err)
		o.Total = o.Total.Mul(crm.MustMoney("2", "EUR").Amount)
		require.NoError(t, s.UpdateOrder(ctx, o))
		got := violations(t, s, l, 0)
		assert.Contains(t, got, "order "+o.ID+": total")
		assert.Contains(t, got, "money: order totals")
	})
	t.Run("OrphanAfterMerge", func(t *testing.T) {
		s, _, l := loaded(t)
		var dup string
		for id := range l.merged {
			dup = id
			break
		}
		ct := newContact(new(crm.UUIDv7), dup, "Left Behind")
		require.NoError(t, s.CreateContact(ctx, ct))
		got := violations(t, s, l, 0)
		assert.Contains(t, got, "orphan: contact "+ct.ID+" belongs to customer "+dup+", merged into")
		assert.Contains(t, got, "operations that were not acknowledged", "the contact is not in the ledger either")
	})
	t.Run("UnacknowledgedMove", func(t *testing.T) {
		s, _, l := loaded(t)
		// One move more than acknowledged, as a move in flight at a
		// crash leaves: tolerated with one operation in flight, not
		// without.
		d, err := s.FindOpportunityByID(ctx, l.dealIDs[0])
		require.NoError(t, err)
		require.NoError(t, s.UpdateOpportunity(ctx, d))
		d, err = s.FindOpportunityByID(ctx, d.ID)
		require.NoError(t, err)
		require.NoError(t, s.AddOpportunityChange(ctx, &crm.OpportunityChange{OpportunityID: d.ID, Version: d.Version,
			At: time.Now(), By: "planter", FromStage: d.Stage, ToStage: d.Stage}))
		assert.Contains(t, violations(t, s, l, 0), "the store holds 1 operations that were not acknowledged; at most 0")
		assert.Empty(t, violations(t, s, l, 1))
	})
	t.Run("LostMove", func(t *testing.T) {
		s, _, l := loaded(t)
		id := l.dealIDs[0]
		require.NoError(t, l.Record(Op{Kind: OpMove, ID: id, Ref: "negotiation", Version: 1_000}))
		assert.Contains(t, violations(t, s, l, 0), "lost: deal "+id+": the move to \"negotiation\" at version 1000")
	})
}

// TestOpRoundTrip checks that ParseOp reads what Op.String writes.
func TestOpRoundTrip(t *testing.T) {
	for _, op := range []Op{
		{Kind: OpCounter, ID: "c1"},
		{Kind: OpMove, ID: "d1", Ref: "proposal", Version: 7},
		{Kind: OpPayment, ID: "p1", Ref: "o1", Amount: crm.MustMoney("12.30", "EUR")},
	} {
		got, err := ParseOp(op.String())
		require.NoError(t, err, op.String())
		assert.Equal(t, op.Kind, got.Kind)
		assert.Equal(t, op.ID, got.ID)
		assert.Equal(t, op.Ref, got.Ref)
		assert.Equal(t, op.Version, got.Version)
		assert.True(t, op.Amount.Equal(got.Amount), "%s: amount %s", op, got.Amount)
	}
	_, err := ParseOp("order o1")
	assert.Error(t, err)
}
