package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// RunReplicas checks that two service replicas sharing one database lose
// no update: open returns two Stores on the same, empty data — for a SQL
// adapter, two handles with their own connection pools — and two
// [crm.Client]s, one on each, increment one customer's counter from 8
// goroutines each, 50 times per goroutine, re-reading and retrying on
// [crm.ErrConflict]. The counter must end at exactly 800 and the version
// at 801, as seen through both. open must arrange with t.Cleanup to
// release what it opens.
func RunReplicas(t *testing.T, open func(t *testing.T) (crm.Store, crm.Store)) {
	t.Helper()
	const workers, increments = 8, 50 // per client
	a, b := open(t)
	require.NotNil(t, a, "open returned a nil Store")
	require.NotNil(t, b, "open returned a nil Store")
	ctx := t.Context()
	var clients [2]*crm.Client
	for i, s := range []crm.Store{a, b} {
		c, err := crm.New(s)
		require.NoError(t, err)
		clients[i] = c
	}
	cust, err := clients[0].CreateCustomer(ctx, &crm.Customer{
		Name: "Counter Ltd", Kind: crm.KindOrganization,
		Custom: map[string]crm.CustomValue{"counter": crm.IntValue(0)},
	})
	require.NoError(t, err)

	increment := func(c *crm.Client) error {
		for {
			cur, err := c.GetCustomer(ctx, cust.ID)
			if err != nil {
				return err
			}
			n, ok := cur.Custom["counter"].Number()
			if !ok {
				return fmt.Errorf("counter is %v", cur.Custom["counter"])
			}
			_, err = c.UpdateCustomer(ctx, cur.ID, cur.Version, crm.CustomerUpdate{
				Custom: map[string]crm.CustomValue{"counter": crm.NumberValue(n.Add(decimal.NewFromInt(1)))},
			})
			if errors.Is(err, crm.ErrConflict) {
				continue
			}
			return err
		}
	}
	errs := make(chan error, len(clients)*workers)
	var wg sync.WaitGroup
	for _, c := range clients {
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range increments {
					if err := increment(c); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	const total = len(clients) * workers * increments
	for i, c := range clients {
		got, err := c.GetCustomer(ctx, cust.ID)
		require.NoError(t, err)
		n, _ := got.Custom["counter"].Number()
		assert.True(t, n.Equal(decimal.NewFromInt(int64(total))), "client %d: counter %s, want %d", i, n, total)
		assert.Equal(t, int64(1+total), got.Version, "client %d: version", i)
	}
}
