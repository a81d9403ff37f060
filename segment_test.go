package crm_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// TestCustomerFilter_Match checks the reference predicate against the
// memory store's query over random customers and random filters: both
// must select the same customers.
func TestCustomerFilter_Match(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	store := memory.New()
	ctx := t.Context()
	var all []*crm.Customer
	for i := range 300 {
		c := &crm.Customer{
			ID:        fmt.Sprintf("id-%03d", i),
			Kind:      crm.CustomerKind(pick("person", "organization")),
			Name:      pick("Acme", "acorn", "Beta", "Ärger", "Zeta") + fmt.Sprint(i%7),
			Industry:  pick("", "retail", "banking"),
			Region:    pick("", "north", "south"),
			Stage:     crm.LifecycleStage(pick("prospect", "new", "active")),
			OwnerID:   pick("", "u-1", "u-2"),
			TaxID:     pick("", "GB1", "GB2"),
			Emails:    []crm.Email{{Address: pick("a", "b", "z") + fmt.Sprint(i) + "@x.example", Primary: true}},
			Phones:    []crm.Phone{{Number: pick("+441", "+442"), Primary: true}},
			UpdatedAt: t0.Add(time.Duration(rng.IntN(100)) * time.Hour),
			Version:   1,
		}
		for _, tag := range []string{"vip", "new", "key"} {
			if rng.IntN(2) == 0 {
				c.Tags = append(c.Tags, tag)
			}
		}
		if rng.IntN(5) == 0 {
			c.ArchivedAt = t0
		}
		require.NoError(t, store.CreateCustomer(ctx, c))
		all = append(all, c)
	}
	some := func(vals ...string) []string {
		var out []string
		for _, v := range vals {
			if rng.IntN(3) == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	for i := range 500 {
		f := crm.CustomerFilter{
			Owners:          some("", "u-1", "u-2"),
			Industries:      some("", "retail", "banking"),
			Regions:         some("", "north", "south"),
			Tags:            some("vip", "new", "key"),
			IncludeArchived: rng.IntN(2) == 0,
			Search:          pick("", "", "ac", "A", "är", "z1", "b"),
			TaxID:           pick("", "", "GB1"),
			Phone:           pick("", "", "+442"),
			Limit:           crm.MaxPageLimit,
		}
		for _, s := range some("prospect", "new", "active") {
			f.Stages = append(f.Stages, crm.LifecycleStage(s))
		}
		if rng.IntN(3) == 0 {
			f.UpdatedSince = t0.Add(time.Duration(rng.IntN(100)) * time.Hour)
		}
		if rng.IntN(4) == 0 {
			f.Kinds = []crm.CustomerKind{crm.KindPerson}
		}
		want := []string{}
		for _, c := range all {
			if f.Match(c) {
				want = append(want, c.ID)
			}
		}
		page, _, err := store.FindCustomers(ctx, f)
		require.NoError(t, err)
		got := make([]string, len(page))
		for i, c := range page {
			got[i] = c.ID
		}
		slices.Sort(want)
		if !assert.Equal(t, want, got, "filter %d: %+v", i, f) {
			return
		}
	}
}
