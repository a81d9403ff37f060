package crm_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// rowsOf yields cs as an import input.
func rowsOf(cs ...crm.Customer) iter.Seq2[crm.Customer, error] {
	return func(yield func(crm.Customer, error) bool) {
		for _, c := range cs {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// genRows yields n valid customers, each with its own email, made on the
// fly so that nothing holds them all.
func genRows(n int) iter.Seq2[crm.Customer, error] {
	return func(yield func(crm.Customer, error) bool) {
		for i := range n {
			c := crm.Customer{
				Name:   fmt.Sprintf("Customer %07d", i),
				Emails: []crm.Email{{Address: fmt.Sprintf("c%07d@example.com", i)}},
				Phones: []crm.Phone{{Number: fmt.Sprintf("+4420%08d", i)}},
				Region: "north",
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// allStored returns every customer in c's store, archived ones too.
func allStored(t *testing.T, c *crm.Client) []*crm.Customer {
	t.Helper()
	var out []*crm.Customer
	for cust, err := range c.Customers(t.Context(), crm.CustomerFilter{IncludeArchived: true}) {
		require.NoError(t, err)
		out = append(out, cust)
	}
	return out
}

func TestClient_ImportCustomers(t *testing.T) {
	t.Run("every row stored or reported", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := actorCtx(t, "u-import")
		existing := mustCreate(t, c, ctx, &crm.Customer{Name: "Existing Ltd", Emails: []crm.Email{{Address: "hello@existing.example"}}})

		var rows []crm.Customer
		for cust := range genRows(25) {
			rows = append(rows, cust)
		}
		rows[3].Name = ""                                                     // row 4: invalid
		rows[7].Emails = []crm.Email{{Address: "not an email"}}               // row 8: invalid
		rows[11].Emails = []crm.Email{{Address: "HELLO@existing.example"}}    // row 12: stored duplicate
		rows[20].Emails = append(rows[20].Emails, rows[2].Emails[0])          // row 21: duplicate of row 3, another batch
		rows[13].Phones = []crm.Phone{{Number: rows[12].Phones[0].Number}}    // row 14: duplicate of row 13, same batch
		rows[17].Emails = []crm.Email{{Address: "SALES@x.example"}}           // row 18 ...
		rows[18].Emails = []crm.Email{{Address: "sales@x.example"}}           // row 19: duplicate of row 18 after normalising
		rows[22].CreditLimit = crm.Money{Amount: rows[22].CreditLimit.Amount} // zero: fine

		var progress []crm.ImportStats
		res, err := c.ImportCustomers(ctx, rowsOf(rows...), crm.ImportOptions{
			BatchSize: 10,
			Progress:  func(s crm.ImportStats) { progress = append(progress, s) },
		})
		require.NoError(t, err)
		assert.Equal(t, 25, res.Rows)
		assert.Equal(t, 19, res.Created)
		assert.Equal(t, 4, res.Skipped)
		assert.Equal(t, 2, res.Rejected)
		assert.Equal(t, 0, res.Merged)
		assert.Equal(t, res.Rows, res.Created+res.Merged+res.Skipped+res.Rejected)

		var got []string
		for _, e := range res.Errors {
			got = append(got, fmt.Sprintf("%d %T", e.Row, e.Err))
		}
		assert.Equal(t, []string{
			"4 *crm.ValidationError", "8 *crm.ValidationError", "12 *crm.DuplicateError",
			"14 *crm.DuplicateError", "19 *crm.DuplicateError", "21 *crm.DuplicateError",
		}, got)
		assert.Equal(t, "required", fieldErr(t, res.Errors[0].Err, "name"))
		assert.NotEmpty(t, fieldErr(t, res.Errors[1].Err, "emails[0].address"))
		assert.Equal(t, rows[7].Emails, res.Errors[1].Customer.Emails, "a reported row is the row as given")
		var dup *crm.DuplicateError
		require.ErrorAs(t, res.Errors[2], &dup)
		assert.Equal(t, existing.ID, dup.Matches[0].Customer.ID)
		assert.Equal(t, crm.MatchEmail, dup.Matches[0].Reasons[0].Rule)
		require.ErrorAs(t, res.Errors[5], &dup)
		assert.Equal(t, "Customer 0000002", dup.Matches[0].Customer.Name, "row 21 matches row 3")
		assert.ErrorIs(t, res.Errors[5], crm.ErrDuplicate)
		assert.Contains(t, res.Errors[5].Error(), "row 21: ")

		stored := allStored(t, c)
		assert.Len(t, stored, 1+19)
		for _, s := range stored[1:] {
			assert.Equal(t, "u-import", s.CreatedBy)
			assert.Equal(t, int64(1), s.Version)
			assert.Equal(t, t0, s.CreatedAt)
		}

		require.Len(t, progress, 3, "one call per batch")
		assert.Equal(t, []int{10, 20, 25}, []int{progress[0].Rows, progress[1].Rows, progress[2].Rows})
		assert.Equal(t, 2, progress[0].Rejected)
	})

	t.Run("keeps IDs and creation times; a second import skips all", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		created := t0.AddDate(-2, 0, 0)
		rows := []crm.Customer{
			{ID: "ext-1", Name: "One", CreatedAt: created},
			{ID: "ext-2", Name: "Two"},
			{Name: "Three"},
			{ID: "ext 4", Name: "Bad ID"},
			{ID: "ext-5", Name: "Future", CreatedAt: t0.Add(time.Second)},
		}
		res, err := c.ImportCustomers(ctx, rowsOf(rows...), crm.ImportOptions{})
		require.NoError(t, err)
		assert.Equal(t, 3, res.Created)
		require.Len(t, res.Errors, 2)
		assert.NotEmpty(t, fieldErr(t, res.Errors[0].Err, "id"))
		assert.Equal(t, "lies in the future", fieldErr(t, res.Errors[1].Err, "created_at"))

		one, err := c.GetCustomer(ctx, "ext-1")
		require.NoError(t, err)
		assert.Equal(t, created, one.CreatedAt)
		assert.Equal(t, t0, one.UpdatedAt)

		again, err := c.ImportCustomers(ctx, rowsOf(rows[:2]...), crm.ImportOptions{})
		require.NoError(t, err)
		assert.Equal(t, 2, again.Skipped)
		var dup *crm.DuplicateError
		require.ErrorAs(t, again.Errors[0], &dup)
		assert.Equal(t, crm.MatchID, dup.Matches[0].Reasons[0].Rule)
	})

	t.Run("merge", func(t *testing.T) {
		c, clock, _ := newClient(t)
		ctx := actorCtx(t, "u-ann")
		acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Emails: []crm.Email{{Address: "sales@acme.example"}}, Industry: "software"})
		clock.Advance(1)
		rows := []crm.Customer{
			{Name: "ACME Limited", Emails: []crm.Email{{Address: "sales@acme.example"}}, Phones: []crm.Phone{{Number: "020 7946 0000"}}, Industry: "retail"},
			{Name: "New Co", Emails: []crm.Email{{Address: "new@co.example"}}},
			{Name: "New Co", Emails: []crm.Email{{Address: "new@co.example"}}, Tags: []string{"lead"}},
			{ID: acme.ID, Name: "Acme Ltd", Region: "north"},
			{Name: "Acme Person", Kind: crm.KindPerson, Emails: []crm.Email{{Address: "sales@acme.example"}}},
		}
		res, err := c.ImportCustomers(ctx, rowsOf(rows...), crm.ImportOptions{Duplicates: crm.MergeDuplicates})
		require.NoError(t, err)
		assert.Equal(t, crm.ImportStats{Rows: 5, Created: 1, Merged: 3, Rejected: 1, Elapsed: res.Elapsed}, res.ImportStats)
		require.Len(t, res.Errors, 1)
		assert.Equal(t, 5, res.Errors[0].Row, "a person cannot merge into an organisation")
		assert.ErrorIs(t, res.Errors[0], crm.ErrInvalid)

		got, err := c.GetCustomer(ctx, acme.ID)
		require.NoError(t, err)
		assert.Equal(t, "Acme Ltd", got.Name, "stored values stay")
		assert.Equal(t, "software", got.Industry, "stored values stay")
		assert.Equal(t, "north", got.Region, "the row fills an empty field")
		assert.Equal(t, "+442079460000", got.PrimaryPhone())
		assert.Equal(t, acme.CreatedAt, got.CreatedAt)
		assert.Equal(t, int64(2), got.Version, "two rows merged into one stored customer: one update")

		stored := allStored(t, c)
		require.Len(t, stored, 2)
		assert.Equal(t, []string{"lead"}, stored[1].Tags, "row 3 merged into row 2 before either was stored")
	})

	t.Run("merge with rules", func(t *testing.T) {
		c, clock, _ := newClient(t)
		ctx := t.Context()
		acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Emails: []crm.Email{{Address: "sales@acme.example"}}, Industry: "software", Region: "north"})
		clock.Advance(time.Hour)
		row := crm.Customer{Name: "Acme Limited", Emails: []crm.Email{{Address: "sales@acme.example"}}, Industry: "retail"}
		res, err := c.ImportCustomers(ctx, rowsOf(row), crm.ImportOptions{
			Duplicates: crm.MergeDuplicates,
			Rules:      crm.SurvivorshipRules{"name": crm.SurviveNewest, "industry": crm.SurviveNewest, "region": crm.SurvivePreferSurvivor},
		})
		require.NoError(t, err)
		assert.Equal(t, 1, res.Merged)
		got, err := c.GetCustomer(ctx, acme.ID)
		require.NoError(t, err)
		assert.Equal(t, "Acme Limited", got.Name, "the row is the newer record")
		assert.Equal(t, "retail", got.Industry)
		assert.Equal(t, "north", got.Region)
		assert.Equal(t, t0.Add(time.Hour), got.UpdatedAt)

		_, err = c.ImportCustomers(ctx, rowsOf(row), crm.ImportOptions{Rules: crm.SurvivorshipRules{"colour": crm.SurviveNewest}})
		assert.NotEmpty(t, fieldErr(t, err, "rules.colour"))
	})

	t.Run("fail stops at the batch of the duplicate", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx := t.Context()
		var rows []crm.Customer
		for cust := range genRows(25) {
			rows = append(rows, cust)
		}
		rows[14].Emails = rows[4].Emails
		res, err := c.ImportCustomers(ctx, rowsOf(rows...), crm.ImportOptions{BatchSize: 10, Duplicates: crm.FailOnDuplicate})
		var rerr *crm.RowError
		require.ErrorAs(t, err, &rerr)
		assert.Equal(t, 15, rerr.Row)
		assert.ErrorIs(t, err, crm.ErrDuplicate)
		assert.Equal(t, crm.ImportStats{Rows: 10, Created: 10, Elapsed: res.Elapsed}, res.ImportStats, "the first batch only")
		assert.Len(t, allStored(t, c), 10)
	})

	t.Run("keep stores duplicates but not a taken ID", func(t *testing.T) {
		c, _, _ := newClient(t)
		rows := []crm.Customer{
			{ID: "a", Name: "A", Emails: []crm.Email{{Address: "x@example.com"}}},
			{ID: "b", Name: "B", Emails: []crm.Email{{Address: "x@example.com"}}},
			{ID: "a", Name: "A again"},
		}
		res, err := c.ImportCustomers(t.Context(), rowsOf(rows...), crm.ImportOptions{Duplicates: crm.KeepDuplicates})
		require.NoError(t, err)
		assert.Equal(t, 2, res.Created)
		assert.Equal(t, 1, res.Skipped)
		assert.Equal(t, 3, res.Errors[0].Row)
	})

	t.Run("input errors", func(t *testing.T) {
		c, _, _ := newClient(t)
		errDisk := errors.New("disk on fire")
		rows := func(yield func(crm.Customer, error) bool) {
			_ = yield(crm.Customer{Name: "A"}, nil) &&
				yield(crm.Customer{}, fmt.Errorf("bad record: %w", crm.ErrInvalid)) &&
				yield(crm.Customer{Name: "B"}, nil) &&
				yield(crm.Customer{}, errDisk) &&
				yield(crm.Customer{Name: "C"}, nil)
		}
		res, err := c.ImportCustomers(t.Context(), rows, crm.ImportOptions{BatchSize: 2})
		assert.ErrorIs(t, err, errDisk)
		assert.Contains(t, err.Error(), "row 4")
		assert.Equal(t, crm.ImportStats{Rows: 2, Created: 1, Rejected: 1, Elapsed: res.Elapsed}, res.ImportStats)
		require.Len(t, res.Errors, 1)
		assert.Nil(t, res.Errors[0].Customer)
		assert.Len(t, allStored(t, c), 1, "B was in the batch the failure cut short")
	})

	t.Run("OnRowError", func(t *testing.T) {
		c, _, _ := newClient(t)
		var seen []int
		errEnough := errors.New("enough")
		res, err := c.ImportCustomers(t.Context(), rowsOf(crm.Customer{Name: "A"}, crm.Customer{}, crm.Customer{Name: "B"}, crm.Customer{}, crm.Customer{}),
			crm.ImportOptions{BatchSize: 3, OnRowError: func(e *crm.RowError) error {
				seen = append(seen, e.Row)
				if e.Row == 4 {
					return errEnough
				}
				return nil
			}})
		assert.ErrorIs(t, err, errEnough)
		assert.Equal(t, []int{2, 4}, seen)
		assert.Empty(t, res.Errors, "rows reported to OnRowError are not collected")
	})

	t.Run("options", func(t *testing.T) {
		c, _, _ := newClient(t)
		_, err := c.ImportCustomers(t.Context(), nil, crm.ImportOptions{BatchSize: -1, Duplicates: 9})
		assert.NotEmpty(t, fieldErr(t, err, "batch_size"))
		assert.NotEmpty(t, fieldErr(t, err, "duplicates"))
		assert.NotEmpty(t, fieldErr(t, err, "rows"))
		_, err = c.ImportCustomers(t.Context(), genRows(1), crm.ImportOptions{BatchSize: crm.MaxImportBatch + 1, Workers: -1})
		assert.NotEmpty(t, fieldErr(t, err, "batch_size"))
		assert.NotEmpty(t, fieldErr(t, err, "workers"))
		_, err = c.ImportCustomers(t.Context(), genRows(1), crm.ImportOptions{Workers: crm.MaxImportWorkers + 1})
		assert.NotEmpty(t, fieldErr(t, err, "workers"))
		assert.Equal(t, "merge", crm.MergeDuplicates.String())
	})

	t.Run("cancelled", func(t *testing.T) {
		c, _, _ := newClient(t)
		ctx, cancel := context.WithCancel(t.Context())
		res, err := c.ImportCustomers(ctx, genRows(50), crm.ImportOptions{BatchSize: 10, Progress: func(s crm.ImportStats) {
			if s.Rows == 20 {
				cancel()
			}
		}})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 20, res.Created)
		assert.Len(t, allStored(t, c), 20)
	})
}

// TestImportCustomersAtomicBatches fails the store write of the second
// batch: the first batch stays, nothing of the second is stored, and the
// error reaches the caller.
func TestImportCustomersAtomicBatches(t *testing.T) {
	_, _, mem := newClient(t)
	errWrite := errors.New("write failed")
	store := &failingStore{Store: mem, failOn: 2, calls: new(int), err: errWrite}
	c, err := crm.New(store, crm.WithDefaultRegion("GB"))
	require.NoError(t, err)
	res, err := c.ImportCustomers(t.Context(), genRows(30), crm.ImportOptions{BatchSize: 10})
	require.ErrorIs(t, err, errWrite)
	assert.Contains(t, err.Error(), "rows 11-20")
	assert.Equal(t, 10, res.Created)
	assert.Len(t, allStored(t, c), 10)
}

// TestImportCustomersWorkers imports rows that repeat keys of rows in
// other batches with one worker and with four: the stored customers, the
// totals and the rows reported are the same.
func TestImportCustomersWorkers(t *testing.T) {
	// Row i shares its email with row i-40 from row 40 on, and its phone
	// with row i-13 for every fifth row: most batches hold duplicates of
	// rows in the batches before them.
	rows := func(yield func(crm.Customer, error) bool) {
		for i := range 120 {
			c := crm.Customer{
				Name:   fmt.Sprintf("Customer %03d", i),
				Emails: []crm.Email{{Address: fmt.Sprintf("c%03d@example.com", i%40+i/80*100)}},
				Phones: []crm.Phone{{Number: fmt.Sprintf("+44207946%04d", i)}},
				Tags:   []string{fmt.Sprintf("row-%d", i)},
			}
			if i%5 == 0 && i >= 13 {
				c.Phones[0].Number = fmt.Sprintf("+44207946%04d", i-13)
			}
			if !yield(c, nil) {
				return
			}
		}
	}
	for _, policy := range []crm.DuplicatePolicy{crm.SkipDuplicates, crm.MergeDuplicates, crm.KeepDuplicates} {
		t.Run(policy.String(), func(t *testing.T) {
			import1 := func(workers int) (crm.ImportResult, []*crm.Customer) {
				c, _, _ := newClient(t)
				var progress []int
				res, err := c.ImportCustomers(t.Context(), rows, crm.ImportOptions{
					BatchSize: 7, Workers: workers, Duplicates: policy,
					Progress: func(s crm.ImportStats) { progress = append(progress, s.Rows) },
				})
				require.NoError(t, err, "workers %d", workers)
				want := make([]int, 0, 18)
				for n := 7; n < 120; n += 7 {
					want = append(want, n)
				}
				assert.Equal(t, append(want, 120), progress, "Progress in input order, workers %d", workers)
				res.Elapsed = 0
				return res, allStored(t, c)
			}
			res1, stored1 := import1(1)
			res4, stored4 := import1(4)
			assert.Equal(t, 120, res4.Rows)
			if policy != crm.KeepDuplicates {
				assert.Positive(t, res4.Skipped+res4.Merged, "the input has duplicates")
			}
			assert.Equal(t, res1, res4, "totals and rows reported")
			assert.Equal(t, stored1, stored4, "stored customers")
		})
	}
}

// TestImportCustomersWorkersConflict makes the second batch's
// transaction fail with a write conflict while the first may still be
// being stored: it is stored again, and the import succeeds.
func TestImportCustomersWorkersConflict(t *testing.T) {
	_, _, mem := newClient(t)
	store := &conflictOnceStore{Store: mem, name: "Customer 0000010"} // the second batch's first row
	c, err := crm.New(store, crm.WithDefaultRegion("GB"))
	require.NoError(t, err)
	res, err := c.ImportCustomers(t.Context(), genRows(30), crm.ImportOptions{BatchSize: 10, Workers: 2})
	require.NoError(t, err)
	assert.Equal(t, 30, res.Created)
	assert.Len(t, allStored(t, c), 30)
	assert.EqualValues(t, 4, store.calls.Load(), "transactions: three batches and one again")

	// With one worker no batch runs beside another: the conflict is the
	// import's error.
	_, _, mem = newClient(t)
	store = &conflictOnceStore{Store: mem, name: "Customer 0000000"}
	c, err = crm.New(store, crm.WithDefaultRegion("GB"))
	require.NoError(t, err)
	_, err = c.ImportCustomers(t.Context(), genRows(10), crm.ImportOptions{})
	assert.ErrorIs(t, err, crm.ErrConflict)
}

// conflictOnceStore fails the first transaction that creates the
// customer named name with a write conflict, after fn ran, as a commit
// refused by the database would.
type conflictOnceStore struct {
	crm.Store
	name   string
	calls  atomic.Int64
	failed atomic.Bool
}

func (s *conflictOnceStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	s.calls.Add(1)
	return s.Store.RunInTx(ctx, func(tx crm.Store) error {
		rec := &createRecorder{Store: tx}
		if err := fn(rec); err != nil {
			return err
		}
		if slices.Contains(rec.names, s.name) && s.failed.CompareAndSwap(false, true) {
			return fmt.Errorf("commit: %w", crm.ErrConflict)
		}
		return nil
	})
}

// createRecorder records the names of the customers created through it.
type createRecorder struct {
	crm.Store
	names []string
}

func (r *createRecorder) CreateCustomers(ctx context.Context, cs []*crm.Customer) error {
	for _, c := range cs {
		r.names = append(r.names, c.Name)
	}
	return r.Store.CreateCustomers(ctx, cs)
}

// failingStore fails its failOn-th CreateCustomers call, after storing
// the first half of the batch, as a store failing midway would.
type failingStore struct {
	crm.Store
	failOn int
	calls  *int
	err    error
}

func (s *failingStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	return s.Store.RunInTx(ctx, func(tx crm.Store) error {
		return fn(&failingStore{Store: tx, failOn: s.failOn, calls: s.calls, err: s.err})
	})
}

func (s *failingStore) CreateCustomers(ctx context.Context, cs []*crm.Customer) error {
	*s.calls++
	if *s.calls != s.failOn {
		return s.Store.CreateCustomers(ctx, cs)
	}
	if err := s.Store.CreateCustomers(ctx, cs[:len(cs)/2]); err != nil {
		return err
	}
	return s.err
}

// TestImportCustomersFlatMemory imports many rows into a store that keeps
// nothing and checks that the heap does not grow with the input.
func TestImportCustomersFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 200,000 rows")
	}
	_, _, mem := newClient(t)
	c, err := crm.New(discardStore{mem}, crm.WithDefaultRegion("GB"))
	require.NoError(t, err)
	var heap []uint64
	res, err := c.ImportCustomers(t.Context(), genRows(200_000), crm.ImportOptions{
		OnRowError: func(e *crm.RowError) error { return e },
		Progress: func(s crm.ImportStats) {
			if s.Rows%20_000 == 0 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = append(heap, ms.HeapAlloc)
			}
		},
	})
	require.NoError(t, err)
	assert.Equal(t, 200_000, res.Created)
	require.Len(t, heap, 10)
	// A customer costs about 500 bytes: 200,000 of them held would be
	// some 100 MB. Allow 4 MB of drift between the second and last sample.
	assert.Less(t, int64(heap[9])-int64(heap[1]), int64(4<<20), "heap after each 20,000 rows: %v", heap)
}

// discardStore stores no customer: CreateCustomers does nothing.
type discardStore struct{ crm.Store }

func (s discardStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	return fn(s)
}

func (discardStore) CreateCustomers(ctx context.Context, cs []*crm.Customer) error { return ctx.Err() }

func TestImportCustomersCSV(t *testing.T) {
	c, _, _ := newClient(t)
	in := "id,name,email,phone,region,industry,created_at\n" +
		"1,Zoe Yilmaz,zoe@example.com,+1-555-951-6737,APAC,Finance,2025-01-02T10:11:23Z\n" +
		"2,Hiro Fernández,hiro@example.com,+1-555-764-4494,NA-East,Healthcare,2026-01-30T12:18:35Z\n" +
		"3,Broken,x@example.com\n" +
		"4,Late,late@example.com,,EU,Retail,yesterday\n" +
		"5,Zoe Again,ZOE@example.com,,APAC,Finance,\n"
	res, err := c.ImportCustomers(t.Context(), crm.ReadCustomersCSV(strings.NewReader(in)), crm.ImportOptions{})
	require.NoError(t, err)
	assert.Equal(t, crm.ImportStats{Rows: 5, Created: 2, Skipped: 1, Rejected: 2, Elapsed: res.Elapsed}, res.ImportStats)
	require.Len(t, res.Errors, 3)
	assert.Equal(t, 3, res.Errors[0].Row)
	assert.ErrorIs(t, res.Errors[0], crm.ErrInvalid)
	assert.Contains(t, res.Errors[0].Error(), "line 4")
	assert.Equal(t, 4, res.Errors[1].Row)
	var verr *crm.ValidationError
	require.ErrorAs(t, res.Errors[1], &verr)
	why, _ := verr.Field("created_at")
	assert.Contains(t, why, "want the form")
	assert.Equal(t, 5, res.Errors[2].Row)
	assert.ErrorIs(t, res.Errors[2], crm.ErrDuplicate)

	hiro, err := c.GetCustomer(t.Context(), "2")
	require.NoError(t, err)
	assert.Equal(t, "Hiro Fernández", hiro.Name)
	assert.Equal(t, "+15557644494", hiro.PrimaryPhone())
	assert.Equal(t, "NA-East", hiro.Region)
	assert.Equal(t, "2026-01-30T12:18:35Z", hiro.CreatedAt.Format("2006-01-02T15:04:05Z07:00"))
}
