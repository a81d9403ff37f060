package storetest

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// lister returns the IDs of one page of a listing.
type lister func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error)

func customerLister(s crm.Store, f crm.CustomerFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindCustomers(ctx, f)
		return customerIDs(page), next, err
	}
}

func contactLister(s crm.Store, f crm.ContactFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindContacts(ctx, f)
		return contactIDs(page), next, err
	}
}

// walkPages lists every page with limit and returns the IDs in the order
// they came. It checks the paging rules on the way: IDs ascend within and
// across pages; a page never holds more than the limit (DefaultPageLimit
// for 0); a page that comes with a cursor for the next one is full; the
// last page comes with the cursor "". A full last page may come with a
// cursor, if the page after it is empty. between, if not nil, is called
// after each page that has a next one, with the last ID of that page.
func walkPages(tb testing.TB, list lister, limit int, between func(last string)) []string {
	tb.Helper()
	size := limit
	if size == 0 {
		size = crm.DefaultPageLimit
	}
	all := []string{}
	after := crm.Cursor("")
	for n := 1; n <= maxPages; n++ {
		page, next, err := list(tb.Context(), after, limit)
		require.NoError(tb, err, "page %d (limit %d)", n, limit)
		if !assert.LessOrEqual(tb, len(page), size, "page %d holds more than the limit %d", n, limit) {
			return append(all, page...)
		}
		if next != "" && !assert.Len(tb, page, size, "page %d came with a cursor for a next page, so it must be full (limit %d)", n, limit) {
			return append(all, page...)
		}
		for _, id := range page {
			if len(all) > 0 && !assert.Less(tb, all[len(all)-1], id, "page %d: IDs must ascend within and across pages", n) {
				return append(all, id)
			}
			all = append(all, id)
		}
		if next == "" {
			return all
		}
		if len(page) > 0 && between != nil {
			between(page[len(page)-1])
		}
		after = next
	}
	require.FailNow(tb, "the cursor never reached the end", "after %d pages", maxPages)
	return nil
}

// shuffled returns ids in a fixed pseudo-random order, so that records are
// not created in ID order.
func shuffled(ids []string) []string {
	out := slices.Clone(ids)
	rand.New(rand.NewPCG(7, 11)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func testCustomerPaginate(t *testing.T, s crm.Store) {
	ids := newIDs(t, new(crm.UUIDv7), 50)
	for _, id := range shuffled(ids) {
		c := newCustomer(crm.IDGeneratorFunc(func() string { return id }), "Customer "+id[len(id)-4:])
		mustCreateCustomer(t, s, c)
	}
	got := walkPages(t, customerLister(s, crm.CustomerFilter{}), 7, nil)
	assert.Equal(t, ids, got, "50 customers in pages of 7")

	got = walkPages(t, customerLister(s, crm.CustomerFilter{}), 50, nil)
	assert.Equal(t, ids, got, "50 customers in pages of 50")
}

func testCustomerPaginateWhileInserting(t *testing.T, s crm.Store) {
	insert := func(tb testing.TB, id string) {
		mustCreateCustomer(tb, s, newCustomer(crm.IDGeneratorFunc(func() string { return id }), "Customer "+id))
	}
	checkPaginateWhileInserting(t, newIDs(t, new(crm.UUIDv7), 100), insert, customerLister(s, crm.CustomerFilter{}))
}

// checkPaginateWhileInserting stores every other ID of ids (sorted) and
// lists them in pages of 7; between pages it stores two more, one whose ID
// sorts before the cursor and one after. Every row present throughout
// must come exactly once, every row stored after the cursor must come,
// and no row stored before it may.
func checkPaginateWhileInserting(t testing.TB, ids []string, insert func(tb testing.TB, id string), list lister) {
	t.Helper()
	initial := make(map[string]bool)
	pos := make(map[string]int)
	var spare []int // indexes into ids not stored yet
	for i, id := range ids {
		pos[id] = i
		if i%2 == 0 {
			initial[id] = true
		} else {
			spare = append(spare, i)
		}
	}
	for _, id := range shuffled(ids) {
		if initial[id] {
			insert(t, id)
		}
	}

	var before, after []string
	got := walkPages(t, list, 7, func(last string) {
		p, ok := pos[last]
		if !ok {
			return // reported below as an unknown ID
		}
		// The spare ID just below the cursor, and the one just above.
		i, _ := slices.BinarySearch(spare, p)
		if i > 0 {
			id := ids[spare[i-1]]
			insert(t, id)
			before = append(before, id)
			spare = slices.Delete(spare, i-1, i)
			i--
		}
		if i < len(spare) {
			id := ids[spare[i]]
			insert(t, id)
			after = append(after, id)
			spare = slices.Delete(spare, i, i+1)
		}
	})
	require.NotEmpty(t, before, "no row was inserted before the cursor: too few pages")
	require.NotEmpty(t, after, "no row was inserted after the cursor: too few pages")

	seen := make(map[string]int)
	for _, id := range got {
		seen[id]++
	}
	for _, id := range ids {
		if initial[id] {
			assert.Equal(t, 1, seen[id], "row %s, present throughout, must come exactly once", id)
		}
	}
	for _, id := range after {
		assert.Equal(t, 1, seen[id], "row %s, inserted after the cursor, must come exactly once", id)
	}
	for _, id := range before {
		assert.Zero(t, seen[id], "row %s, inserted before the cursor, must not come in a later page", id)
	}
	for id, n := range seen {
		_, known := pos[id]
		assert.True(t, known, "row %s was never stored", id)
		assert.LessOrEqual(t, n, 1, "row %s came %d times", id, n)
	}
	assert.Len(t, got, len(initial)+len(after), "rows listed")
}

// testCustomerDefaultLimit lists with Limit 0, which means
// DefaultPageLimit.
func testCustomerDefaultLimit(t *testing.T, s crm.Store) {
	ids := newIDs(t, new(crm.UUIDv7), crm.DefaultPageLimit+20)
	for _, id := range shuffled(ids) {
		mustCreateCustomer(t, s, newCustomer(crm.IDGeneratorFunc(func() string { return id }), "Customer "+id))
	}
	page, next, err := s.FindCustomers(t.Context(), crm.CustomerFilter{})
	require.NoError(t, err)
	assert.Equal(t, ids[:crm.DefaultPageLimit], customerIDs(page), "first page with Limit 0")
	require.NotEmpty(t, next, "the cursor after the first of two pages")

	page, next, err = s.FindCustomers(t.Context(), crm.CustomerFilter{After: next})
	require.NoError(t, err)
	assert.Equal(t, ids[crm.DefaultPageLimit:], customerIDs(page), "second page with Limit 0")
	assert.Empty(t, next, "the cursor after the last page")
}

func opportunityLister(s crm.Store, f crm.OpportunityFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindOpportunities(ctx, f)
		return opportunityIDs(page), next, err
	}
}

// changeLister lists history entries by their changeKey, which ascends as
// the entries must.
func changeLister(s crm.Store, f crm.OpportunityChangeFilter) lister {
	return func(ctx context.Context, after crm.Cursor, limit int) ([]string, crm.Cursor, error) {
		f.After, f.Limit = after, limit
		page, next, err := s.FindOpportunityChanges(ctx, f)
		return changeKeys(page), next, err
	}
}

// assertFilterListing checks the listing of f: find in one page, and
// list in pages of two, must both return the records named want (name
// maps an ID to a record's name), in ascending ID order, the single page
// with no cursor after it. what names the method in messages.
func assertFilterListing[T, F any](t *testing.T, what string, find func(context.Context, F) ([]*T, crm.Cursor, error), f F,
	id func(*T) string, list lister, name map[string]string, want []string,
) {
	t.Helper()
	names := func(ids []string) []string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = name[id]
		}
		return out
	}
	page, next, err := find(t.Context(), f)
	require.NoError(t, err, "%s %+v", what, f)
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = id(r)
	}
	assert.Equal(t, want, names(ids), "%s %+v: one page", what, f)
	assert.Empty(t, next, "the cursor after a page that holds all %d selected records", len(want))
	assert.Equal(t, want, names(walkPages(t, list, 2, nil)), "%s %+v: pages of 2", what, f)
}
