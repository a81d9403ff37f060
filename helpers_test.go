package crm_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// t0 is the time every test clock starts at.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// testClock is a settable clock.
type testClock struct{ now atomic.Int64 }

func newTestClock() *testClock {
	c := new(testClock)
	c.now.Store(t0.UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.now.Load()).UTC() }
func (c *testClock) Advance(d time.Duration) { c.now.Add(int64(d)) }

// seqIDs returns IDs c-0001, c-0002, … in order.
func seqIDs() crm.IDGenerator {
	var n atomic.Int64
	return crm.IDGeneratorFunc(func() string { return fmt.Sprintf("c-%04d", n.Add(1)) })
}

// newClient returns a Client over a fresh memory store with a test clock,
// sequential IDs and GB as the default region.
func newClient(tb testing.TB, opts ...crm.Option) (*crm.Client, *testClock, *memory.Store) {
	tb.Helper()
	clock := newTestClock()
	store := memory.New()
	tb.Cleanup(func() { store.Close() })
	base := []crm.Option{crm.WithClock(clock), crm.WithIDGenerator(seqIDs()), crm.WithDefaultRegion("GB")}
	c, err := crm.New(store, append(base, opts...)...)
	require.NoError(tb, err)
	return c, clock, store
}

// actorCtx returns a context carrying an actor with id.
func actorCtx(tb testing.TB, id string) context.Context {
	return crm.WithActor(tb.(interface{ Context() context.Context }).Context(), crm.Actor{ID: id, Name: id})
}

// mustCreate creates a customer or fails the test.
func mustCreate(tb testing.TB, c *crm.Client, ctx context.Context, cust *crm.Customer, opts ...crm.CreateOption) *crm.Customer {
	tb.Helper()
	out, err := c.CreateCustomer(ctx, cust, opts...)
	require.NoError(tb, err)
	return out
}

// fieldErr returns the reason a validation error gives for field.
func fieldErr(tb testing.TB, err error, field string) string {
	tb.Helper()
	verr, ok := err.(*crm.ValidationError)
	require.Truef(tb, ok, "want *crm.ValidationError, got %T: %v", err, err)
	reason, ok := verr.Field(field)
	require.Truef(tb, ok, "no problem reported for %q in %v", field, err)
	return reason
}
