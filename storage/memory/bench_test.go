package memory_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// The benchmarks put the memory Store beside two baselines measured in the
// same run, so that
//
//	go test -run XXX -bench . -benchmem ./storage/memory
//
// reads as a table:
//
//   - store: memory.Store.
//   - map-copy: a map behind a sync.RWMutex doing the same defensive copy
//     (Customer.Clone on the way in and on the way out) and the same
//     version check; the least a safe store can do.
//   - map-nocopy: the same map storing and returning the caller's pointers:
//     what a store costs when it gives up safety, so the price of the
//     copies shows.
//
// Each has a serial and a -parallel (b.RunParallel) variant. The library
// promises that store is within 3× of map-copy for get and within 4× for
// update, with the same allocations per operation (TestAllocs checks the
// allocations without timing anything).
//
// Get and update work on 8192 stored customers. Create starts over with an
// empty store every 16384 customers, so its cost includes growing the
// maps and indexes from empty but not an ever larger heap. map-nocopy
// stores the caller's pointer as it is: in create, the same one each time.

// benchStore is what the benchmarks call on each contender.
type benchStore interface {
	create(ctx context.Context, c *crm.Customer) error
	get(ctx context.Context, id string) (*crm.Customer, error)
	update(ctx context.Context, c *crm.Customer) error
}

type storeBench struct{ s *memory.Store }

func (s storeBench) create(ctx context.Context, c *crm.Customer) error {
	return s.s.CreateCustomer(ctx, c)
}

func (s storeBench) get(ctx context.Context, id string) (*crm.Customer, error) {
	return s.s.FindCustomerByID(ctx, id)
}

func (s storeBench) update(ctx context.Context, c *crm.Customer) error {
	return s.s.UpdateCustomer(ctx, c)
}

var (
	errBaselineNotFound  = errors.New("baseline: not found")
	errBaselineDuplicate = errors.New("baseline: duplicate")
	errBaselineConflict  = errors.New("baseline: conflict")
)

// mapCopy is the copying baseline.
type mapCopy struct {
	mu sync.RWMutex
	m  map[string]*crm.Customer
}

func (s *mapCopy) create(_ context.Context, c *crm.Customer) error {
	nc := c.Clone()
	s.mu.Lock()
	if _, ok := s.m[nc.ID]; ok {
		s.mu.Unlock()
		return errBaselineDuplicate
	}
	s.m[nc.ID] = nc
	s.mu.Unlock()
	return nil
}

func (s *mapCopy) get(_ context.Context, id string) (*crm.Customer, error) {
	s.mu.RLock()
	c := s.m[id]
	s.mu.RUnlock()
	if c == nil {
		return nil, errBaselineNotFound
	}
	return c.Clone(), nil // stored values are replaced, never changed
}

func (s *mapCopy) update(_ context.Context, c *crm.Customer) error {
	nc := c.Clone()
	s.mu.Lock()
	old := s.m[nc.ID]
	if old == nil {
		s.mu.Unlock()
		return errBaselineNotFound
	}
	if old.Version != nc.Version {
		s.mu.Unlock()
		return errBaselineConflict
	}
	nc.Version++
	s.m[nc.ID] = nc
	s.mu.Unlock()
	c.Version = nc.Version
	return nil
}

// mapNoCopy is the baseline without copies: it keeps and hands out the
// caller's pointers.
type mapNoCopy struct {
	mu sync.RWMutex
	m  map[string]*crm.Customer
}

func (s *mapNoCopy) create(_ context.Context, c *crm.Customer) error {
	s.mu.Lock()
	if _, ok := s.m[c.ID]; ok {
		s.mu.Unlock()
		return errBaselineDuplicate
	}
	s.m[c.ID] = c
	s.mu.Unlock()
	return nil
}

func (s *mapNoCopy) get(_ context.Context, id string) (*crm.Customer, error) {
	s.mu.RLock()
	c := s.m[id]
	s.mu.RUnlock()
	if c == nil {
		return nil, errBaselineNotFound
	}
	return c, nil
}

func (s *mapNoCopy) update(_ context.Context, c *crm.Customer) error {
	s.mu.Lock()
	old := s.m[c.ID]
	if old == nil {
		s.mu.Unlock()
		return errBaselineNotFound
	}
	if old.Version != c.Version {
		s.mu.Unlock()
		return errBaselineConflict
	}
	c.Version++
	s.m[c.ID] = c
	s.mu.Unlock()
	return nil
}

// contenders lists the stores in the order the table shows them.
var contenders = []struct {
	name string
	open func() benchStore
}{
	{"store", func() benchStore { return storeBench{memory.New()} }},
	{"map-copy", func() benchStore { return &mapCopy{m: make(map[string]*crm.Customer)} }},
	{"map-nocopy", func() benchStore { return &mapNoCopy{m: make(map[string]*crm.Customer)} }},
}

// runContenders runs serial for every contender, then parallel for every
// contender. Each starts on a collected heap, so that none pays for the
// garbage of the one before.
func runContenders(b *testing.B, serial, parallel func(b *testing.B, open func() benchStore)) {
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			runtime.GC()
			serial(b, c.open)
		})
	}
	for _, c := range contenders {
		b.Run(c.name+"-parallel", func(b *testing.B) {
			runtime.GC()
			parallel(b, c.open)
		})
	}
}

// newIDs returns n UUIDv7 IDs in increasing order, as the Client makes
// them.
func newIDs(n int) []string {
	var gen crm.UUIDv7
	ids := make([]string, n)
	for i := range ids {
		ids[i] = gen.NewID()
	}
	return ids
}

// populated returns a store holding n realistic customers, and the
// caller's copy of each, with the heap collected.
func populated(b *testing.B, open func() benchStore, n int) (benchStore, []*crm.Customer) {
	b.Helper()
	s := open()
	ctx := context.Background()
	custs := make([]*crm.Customer, n)
	for i, id := range newIDs(n) {
		custs[i] = realisticCustomer(id)
		if err := s.create(ctx, custs[i]); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	return s, custs
}

const benchRecords = 1 << 13 // customers stored for get and update

// createEpoch is how many customers BenchmarkCreate puts in one store
// before it starts over with an empty one, so that the live heap, and with
// it the garbage collector's work, stays the same whatever b.N is.
const createEpoch = 1 << 14

// epochs hands out the store of each epoch of a parallel create
// benchmark: the i-th create goes to the store of epoch i/createEpoch, so
// no store sees an ID twice. The last few epochs' stores are kept in a
// ring; older ones are left to the garbage collector.
type epochs struct {
	open  func() benchStore
	mu    sync.Mutex // serialises opening a store
	slots [4]atomic.Pointer[epochStore]
}

type epochStore struct {
	n int
	s benchStore
}

func (es *epochs) store(i int) benchStore {
	n := i / createEpoch
	slot := &es.slots[n%len(es.slots)]
	if e := slot.Load(); e != nil && e.n == n {
		return e.s
	}
	es.mu.Lock()
	defer es.mu.Unlock()
	e := slot.Load()
	if e == nil || e.n < n {
		e = &epochStore{n: n, s: es.open()}
		slot.Store(e)
	}
	if e.n != n { // a straggler whose store was dropped: any empty one does
		return es.open()
	}
	return e.s
}

func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	ids := newIDs(createEpoch)
	runContenders(b,
		func(b *testing.B, open func() benchStore) {
			c := realisticCustomer("")
			var s benchStore
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i%createEpoch == 0 {
					s = open()
				}
				c.ID = ids[i%createEpoch]
				if err := s.create(ctx, c); err != nil {
					b.Fatal(err)
				}
				i++
			}
		},
		func(b *testing.B, open func() benchStore) {
			es := &epochs{open: open}
			var next atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				c := realisticCustomer("")
				for pb.Next() {
					i := int(next.Add(1) - 1)
					c.ID = ids[i%createEpoch]
					if err := es.store(i).create(ctx, c); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	runContenders(b,
		func(b *testing.B, open func() benchStore) {
			s, custs := populated(b, open, benchRecords)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.get(ctx, custs[i%benchRecords].ID); err != nil {
					b.Fatal(err)
				}
				i++
			}
		},
		func(b *testing.B, open func() benchStore) {
			s, custs := populated(b, open, benchRecords)
			var start atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(start.Add(benchRecords / 16))
				for pb.Next() {
					if _, err := s.get(ctx, custs[i%benchRecords].ID); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
}

func BenchmarkUpdate(b *testing.B) {
	ctx := context.Background()
	runContenders(b,
		func(b *testing.B, open func() benchStore) {
			s, custs := populated(b, open, benchRecords)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.update(ctx, custs[i%benchRecords]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		},
		func(b *testing.B, open func() benchStore) {
			s, custs := populated(b, open, benchRecords)
			// Each goroutine updates its own customers, so that no update
			// conflicts.
			workers := runtime.GOMAXPROCS(0)
			per := benchRecords / workers
			var worker atomic.Int64
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				mine := custs[int(worker.Add(1)-1)*per:][:per]
				i := 0
				for pb.Next() {
					if err := s.update(ctx, mine[i%per]); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
}

// BenchmarkFindCustomers shows the cost of listings over 8192 customers:
// a plain page, and a Search that scans every record to fill its page.
func BenchmarkFindCustomers(b *testing.B) {
	ctx := context.Background()
	s := memory.New()
	for i, id := range newIDs(benchRecords) {
		c := realisticCustomer(id)
		if i == benchRecords-1 {
			c.Name = "Zenith Ltd"
		}
		if err := s.CreateCustomer(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		f    crm.CustomerFilter
		want int
	}{
		{"page-100", crm.CustomerFilter{Limit: 100}, 100},
		{"search-scan-8192", crm.CustomerFilter{Search: "ZEN"}, 1},
		{"tags-page-100", crm.CustomerFilter{Tags: []string{"vip", "b2b"}, Limit: 100}, 100},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, _, err := s.FindCustomers(ctx, bc.f)
				if err != nil || len(page) != bc.want {
					b.Fatal(len(page), err)
				}
			}
		})
	}
}
