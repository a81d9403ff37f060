package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// This file holds the load driver, [Load], and the record of what it
// got done, the [Ledger]. [CheckInvariants] (invariants.go) compares a
// store with a ledger. The Load/Mixed check of the suite runs the three
// together in one process; an adapter's crash test runs Load in a child
// process, records each [Op] it acknowledges, kills it and checks the
// store it leaves behind against the ledger of what was acknowledged.

// LoadOptions adjust a [Load].
type LoadOptions struct {
	// Workers is the number of goroutines; 16 if zero.
	Workers int
	// Duration is how long the workers start new operations; 10 seconds
	// if zero. Operations under way when it ends are finished.
	Duration time.Duration
	// Acked, if not nil, is called with each operation once the Client
	// has reported it done (committed), one call at a time, before the
	// worker that did it starts another. A crash test writes them out.
	Acked func(Op)
}

// OpKind names what an [Op] did.
type OpKind string

// The operations of a [Load]. Fixtures (the kinds before OpIncrement)
// are created before the workers start.
const (
	// OpPipeline: the pipeline ID, in which every deal is.
	OpPipeline OpKind = "pipeline"
	// OpCounter: a customer ID whose custom field "load_counter" the
	// workers increment; such a customer is never merged.
	OpCounter OpKind = "counter"
	// OpCustomer: a customer ID the workers may merge into another
	// such customer.
	OpCustomer OpKind = "customer"
	// OpDeal: a deal ID of the customer Ref, in its pipeline's first
	// stage, with one history entry.
	OpDeal OpKind = "deal"

	// OpIncrement: customer ID's counter went up by one.
	OpIncrement OpKind = "inc"
	// OpMove: deal ID moved to the stage Ref.
	OpMove OpKind = "move"
	// OpOrder: order ID of the customer Ref, of total Amount.
	OpOrder OpKind = "order"
	// OpConfirm: order ID was confirmed.
	OpConfirm OpKind = "confirm"
	// OpPayment: payment ID for the order Ref, of Amount.
	OpPayment OpKind = "pay"
	// OpContact: contact ID of the customer Ref.
	OpContact OpKind = "contact"
	// OpInteraction: interaction ID with the customer Ref.
	OpInteraction OpKind = "interaction"
	// OpMerge: customer ID was merged into the customer Ref.
	OpMerge OpKind = "merge"
)

// Op is one operation a [Load] got done.
type Op struct {
	Kind OpKind
	// ID is the record the operation created or changed.
	ID string
	// Ref is a second record or a stage, as the [OpKind] says.
	Ref string
	// Version is the version a move gave the deal.
	Version int64
	// Amount is the money of an order or a payment.
	Amount crm.Money
}

// String formats op as one line of words that [ParseOp] reads back:
// kind, ID, Ref ("-" if empty), Version, and for money the amount and
// currency.
func (op Op) String() string {
	ref := op.Ref
	if ref == "" {
		ref = "-"
	}
	s := fmt.Sprintf("%s %s %s %d", op.Kind, op.ID, ref, op.Version)
	if op.Amount.Currency != "" {
		s += " " + op.Amount.Amount.String() + " " + op.Amount.Currency
	}
	return s
}

// ParseOp reads an [Op] written by [Op.String].
func ParseOp(line string) (Op, error) {
	f := strings.Fields(line)
	if len(f) != 4 && len(f) != 6 {
		return Op{}, fmt.Errorf("storetest: op %q: want 4 or 6 words", line)
	}
	op := Op{Kind: OpKind(f[0]), ID: f[1], Ref: f[2]}
	if op.Ref == "-" {
		op.Ref = ""
	}
	v, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return Op{}, fmt.Errorf("storetest: op %q: version: %w", line, err)
	}
	op.Version = v
	if len(f) == 6 {
		m, err := crm.NewMoney(f[4], f[5])
		if err != nil {
			return Op{}, fmt.Errorf("storetest: op %q: %w", line, err)
		}
		op.Amount = m
	}
	return op, nil
}

// Ledger records the operations of one or more [Load] runs, as they
// were acknowledged: what the store must hold. Its zero value is empty
// and ready; it is safe for concurrent use.
type Ledger struct {
	mu        sync.Mutex
	pipelines []string
	counters  map[string]int64 // customer → increments
	pool      []string         // customers that may be merged, in creation order
	merged    map[string]string
	deals     map[string]*dealRecord
	dealIDs   []string
	orders    map[string]*orderRecord
	orderIDs  []string
	payments  map[string]Op
	contacts  map[string]string
	interacts map[string]string
	counts    map[OpKind]int
	skipped   int
}

type dealRecord struct {
	customer string
	moves    map[int64]string // version → stage moved to
}

type orderRecord struct {
	customer  string
	total     crm.Money
	paid      crm.Money
	confirmed bool
}

// Record adds op to the ledger. It returns an error for an operation
// that does not fit what the ledger holds (a move of an unknown deal, a
// second record of one ID), as a corrupt record of a crash test would.
func (l *Ledger) Record(op Op) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.record(op)
}

func (l *Ledger) record(op Op) error {
	if l.counters == nil {
		l.counters, l.merged = map[string]int64{}, map[string]string{}
		l.deals, l.orders = map[string]*dealRecord{}, map[string]*orderRecord{}
		l.payments, l.contacts, l.interacts = map[string]Op{}, map[string]string{}, map[string]string{}
		l.counts = map[OpKind]int{}
	}
	bad := func(why string) error { return fmt.Errorf("storetest: ledger: %s: %s", op, why) }
	switch op.Kind {
	case OpPipeline:
		l.pipelines = append(l.pipelines, op.ID)
	case OpCounter:
		if _, ok := l.counters[op.ID]; ok {
			return bad("recorded twice")
		}
		l.counters[op.ID] = 0
	case OpCustomer:
		l.pool = append(l.pool, op.ID)
	case OpDeal:
		if _, ok := l.deals[op.ID]; ok {
			return bad("recorded twice")
		}
		l.deals[op.ID] = &dealRecord{customer: op.Ref, moves: map[int64]string{}}
		l.dealIDs = append(l.dealIDs, op.ID)
	case OpIncrement:
		if _, ok := l.counters[op.ID]; !ok {
			return bad("not a counter customer")
		}
		l.counters[op.ID]++
	case OpMove:
		d, ok := l.deals[op.ID]
		if !ok {
			return bad("unknown deal")
		}
		if _, ok := d.moves[op.Version]; ok {
			return bad("two moves to one version")
		}
		d.moves[op.Version] = op.Ref
	case OpOrder:
		if _, ok := l.orders[op.ID]; ok {
			return bad("recorded twice")
		}
		l.orders[op.ID] = &orderRecord{customer: op.Ref, total: op.Amount, paid: crm.Money{Amount: decimal.Zero, Currency: op.Amount.Currency}}
		l.orderIDs = append(l.orderIDs, op.ID)
	case OpConfirm:
		o, ok := l.orders[op.ID]
		if !ok {
			return bad("unknown order")
		}
		o.confirmed = true
	case OpPayment:
		o, ok := l.orders[op.Ref]
		if !ok {
			return bad("unknown order")
		}
		if _, ok := l.payments[op.ID]; ok {
			return bad("recorded twice")
		}
		paid, err := o.paid.Add(op.Amount)
		if err != nil {
			return bad(err.Error())
		}
		o.paid = paid
		l.payments[op.ID] = op
	case OpContact:
		l.contacts[op.ID] = op.Ref
	case OpInteraction:
		l.interacts[op.ID] = op.Ref
	case OpMerge:
		if _, ok := l.merged[op.ID]; ok {
			return bad("merged twice")
		}
		l.merged[op.ID] = op.Ref
	default:
		return bad("unknown kind")
	}
	l.counts[op.Kind]++
	return nil
}

// String sums up the ledger: the operations acknowledged per kind, and
// how many attempts a Load gave up because a concurrent writer won
// (conflicts, customers merged meanwhile).
func (l *Ledger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	kinds := make([]string, 0, len(l.counts))
	for k := range l.counts {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	var b strings.Builder
	total := 0
	for _, k := range kinds {
		n := l.counts[OpKind(k)]
		fmt.Fprintf(&b, "%s=%d ", k, n)
		total += n
	}
	fmt.Fprintf(&b, "total=%d lost-races=%d", total, l.skipped)
	return b.String()
}

// Operations returns the number of operations the ledger holds,
// fixtures included.
func (l *Ledger) Operations() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.counts {
		n += c
	}
	return n
}

// Counters returns the IDs of the counter customers, sorted: those whose
// custom field "load_counter" the workers increment. A test that writes
// them after a crash records each increment as an [OpIncrement].
func (l *Ledger) Counters() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.counters))
	for id := range l.counters {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// The counter field and the size of a Load's fixtures.
const (
	loadCounterField = "load_counter"
	loadCounters     = 4  // customers incremented, never merged
	loadPool         = 24 // customers to merge, at the start
	loadMinLive      = 8  // live pool customers the workers keep
	loadDealsEach    = 2  // deals per fixture customer
)

// loadCurrencies are the currencies of the orders, with two decimals.
var loadCurrencies = []string{"EUR", "USD"}

// Load drives c from opts.Workers goroutines for opts.Duration with a
// mix of reads and writes, and returns the ledger of what was done. It
// first creates its fixtures: a pipeline, counter customers that are
// never merged, customers that the workers merge into one another, and
// deals of both. Each worker then repeats, picked at random: reads
// (a customer, a page of customers, of deals and of purchase
// summaries, an order's balance), a version-checked increment of a
// counter customer's custom field "load_counter" retried on
// [crm.ErrConflict], a move of a deal to another open stage, an order of
// a customer, the confirmation of an order, a payment of part of what an
// order still owes, a contact, an interaction, and the merge of two
// customers, which races every other writer. An operation refused
// because another won the race ([crm.ErrConflict], or [crm.ErrTransition]
// and [crm.ErrNotFound] for a customer merged meanwhile) is not in the
// ledger; any other error stops the load and is returned with the
// ledger of what was done until then. Load changes only records it
// creates, so several loads may run on one store, one after another.
func Load(ctx context.Context, c *crm.Client, opts LoadOptions) (*Ledger, error) {
	if opts.Workers <= 0 {
		opts.Workers = 16
	}
	if opts.Duration <= 0 {
		opts.Duration = 10 * time.Second
	}
	ctx = crm.WithActor(ctx, crm.Actor{ID: "load"})
	run := &loadRun{c: c, ledger: new(Ledger), acked: opts.Acked, tag: fmt.Sprintf("%08x", rand.Uint32())}
	if err := run.fixtures(ctx); err != nil {
		return run.ledger, err
	}
	stop := time.Now().Add(opts.Duration)
	var wg sync.WaitGroup
	errs := make([]error, opts.Workers)
	for w := range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(rand.Uint64(), uint64(w)))
			for time.Now().Before(stop) && ctx.Err() == nil {
				if err := run.step(ctx, rng, w); err != nil {
					errs[w] = fmt.Errorf("worker %d: %w", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return run.ledger, errors.Join(append(errs, ctx.Err())...)
}

// loadRun is the state of one Load.
type loadRun struct {
	c      *crm.Client
	ledger *Ledger
	acked  func(Op)
	tag    string // tells this run's records from another's
	stages []string
	seq    sync.Mutex
	n      int
}

// ack records op in the ledger and reports it.
func (r *loadRun) ack(op Op) error {
	r.ledger.mu.Lock()
	defer r.ledger.mu.Unlock()
	if err := r.ledger.record(op); err != nil {
		return err
	}
	if r.acked != nil {
		r.acked(op)
	}
	return nil
}

// lost counts an attempt lost to a concurrent writer, or returns err if
// it is not that.
func (r *loadRun) lost(err error) error {
	if errors.Is(err, crm.ErrConflict) || errors.Is(err, crm.ErrTransition) || errors.Is(err, crm.ErrNotFound) {
		r.ledger.mu.Lock()
		r.ledger.skipped++
		r.ledger.mu.Unlock()
		return nil
	}
	return err
}

func (r *loadRun) name(what string) string {
	r.seq.Lock()
	defer r.seq.Unlock()
	r.n++
	return fmt.Sprintf("Load %s %s %05d", r.tag, what, r.n)
}

func (r *loadRun) fixtures(ctx context.Context) error {
	p, err := r.c.CreatePipeline(ctx, crm.DefaultPipeline())
	if err != nil {
		return err
	}
	for _, s := range p.Stages {
		if !s.Closed() {
			r.stages = append(r.stages, s.Key)
		}
	}
	if err := r.ack(Op{Kind: OpPipeline, ID: p.ID}); err != nil {
		return err
	}
	for i := range loadCounters + loadPool {
		kind := OpCounter
		cust := &crm.Customer{Name: r.name("counter")}
		if i >= loadCounters {
			kind = OpCustomer
			cust = &crm.Customer{Name: r.name("pool"), Tags: []string{"load"}}
		} else {
			cust.Custom = map[string]crm.CustomValue{loadCounterField: crm.IntValue(0)}
		}
		got, err := r.c.CreateCustomer(ctx, cust, crm.AllowDuplicates())
		if err != nil {
			return err
		}
		if err := r.ack(Op{Kind: kind, ID: got.ID}); err != nil {
			return err
		}
		for range loadDealsEach {
			d, err := r.c.CreateOpportunity(ctx, &crm.Opportunity{
				Name: r.name("deal"), CustomerID: got.ID, PipelineID: p.ID,
				Amount:    crm.MustMoney("1000.00", "EUR"),
				CloseDate: time.Now().AddDate(0, 3, 0),
			})
			if err != nil {
				return err
			}
			if err := r.ack(Op{Kind: OpDeal, ID: d.ID, Ref: got.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// pick returns a random element of s, or "" if s is empty.
func pick(rng *rand.Rand, s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[rng.IntN(len(s))]
}

// view is what a worker picks from: a snapshot of the ledger's IDs.
type view struct {
	counters, live, deals, orders []string
}

func (r *loadRun) view() view {
	l := r.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	v := view{deals: slices.Clone(l.dealIDs), orders: slices.Clone(l.orderIDs)}
	for id := range l.counters {
		v.counters = append(v.counters, id)
	}
	slices.Sort(v.counters)
	for _, id := range l.pool {
		if _, gone := l.merged[id]; !gone {
			v.live = append(v.live, id)
		}
	}
	return v
}

// step does one operation, picked at random.
func (r *loadRun) step(ctx context.Context, rng *rand.Rand, w int) error {
	v := r.view()
	anyCustomer := func() string {
		if rng.IntN(2) == 0 {
			return pick(rng, v.counters)
		}
		return pick(rng, v.live)
	}
	switch n := rng.IntN(100); {
	case n < 25:
		return r.read(ctx, rng, v, anyCustomer())
	case n < 40:
		return r.increment(ctx, pick(rng, v.counters))
	case n < 55:
		return r.move(ctx, rng, pick(rng, v.deals))
	case n < 67:
		return r.order(ctx, rng, anyCustomer())
	case n < 72:
		return r.confirm(ctx, pick(rng, v.orders))
	case n < 82:
		return r.pay(ctx, rng, pick(rng, v.orders))
	case n < 87:
		ct, err := r.c.AddContact(ctx, &crm.Contact{CustomerID: pick(rng, v.live), Name: r.name("contact")})
		if err != nil {
			return r.lost(err)
		}
		return r.ack(Op{Kind: OpContact, ID: ct.ID, Ref: ct.CustomerID})
	case n < 92:
		i, err := r.c.LogInteraction(ctx, &crm.Interaction{CustomerID: pick(rng, v.live), Channel: crm.InteractionCall, Subject: r.name("call")})
		if err != nil {
			return r.lost(err)
		}
		return r.ack(Op{Kind: OpInteraction, ID: i.ID, Ref: i.CustomerID})
	default:
		return r.merge(ctx, rng, v)
	}
}

func (r *loadRun) read(ctx context.Context, rng *rand.Rand, v view, id string) error {
	var err error
	switch rng.IntN(5) {
	case 0:
		_, err = r.c.GetCustomer(ctx, id)
		var merged *crm.MergedError
		if errors.As(err, &merged) {
			err = nil
		}
	case 1:
		_, _, err = r.c.ListCustomers(ctx, crm.CustomerFilter{Tags: []string{"load"}, Limit: 20})
	case 2:
		_, _, err = r.c.ListOpportunities(ctx, crm.OpportunityFilter{Limit: 20})
	case 3:
		_, _, err = r.c.ListPurchaseSummaries(ctx, crm.PurchaseSummaryFilter{AsOf: time.Now().Add(time.Hour), Limit: 20})
	default:
		if o := pick(rng, v.orders); o != "" {
			_, err = r.c.OrderBalance(ctx, o)
		}
	}
	return err
}

// increment adds one to a counter customer's field, retrying on
// conflict: every attempt but the one that succeeds is refused whole.
func (r *loadRun) increment(ctx context.Context, id string) error {
	for range 1000 {
		cur, err := r.c.GetCustomer(ctx, id)
		if err != nil {
			return err
		}
		n, ok := cur.Custom[loadCounterField].Number()
		if !ok {
			return fmt.Errorf("customer %s: %s is not a number", id, loadCounterField)
		}
		_, err = r.c.UpdateCustomer(ctx, id, cur.Version, crm.CustomerUpdate{
			Custom: map[string]crm.CustomValue{loadCounterField: crm.NumberValue(n.Add(decimal.NewFromInt(1)))},
		})
		if errors.Is(err, crm.ErrConflict) {
			r.lost(err) //nolint:errcheck // a conflict is nil
			continue
		}
		if err != nil {
			return err
		}
		return r.ack(Op{Kind: OpIncrement, ID: id})
	}
	return fmt.Errorf("customer %s: 1000 conflicts in a row", id)
}

func (r *loadRun) move(ctx context.Context, rng *rand.Rand, id string) error {
	d, err := r.c.GetOpportunity(ctx, id)
	if err != nil {
		return err
	}
	to := pick(rng, r.stages)
	if to == d.Stage {
		return nil // no move, no history entry
	}
	moved, err := r.c.MoveOpportunity(ctx, id, d.Version, to, crm.MoveOptions{})
	if err != nil {
		return r.lost(err)
	}
	return r.ack(Op{Kind: OpMove, ID: id, Ref: to, Version: moved.Version})
}

func (r *loadRun) order(ctx context.Context, rng *rand.Rand, customer string) error {
	cur := pick(rng, loadCurrencies)
	lines := []crm.OrderLine{{
		SKU:       "LOAD",
		Quantity:  decimal.NewFromInt(int64(1 + rng.IntN(3))),
		UnitPrice: crm.Money{Amount: decimal.New(int64(100+rng.IntN(100_000)), -2), Currency: cur},
	}}
	if rng.IntN(2) == 0 {
		lines = append(lines, crm.OrderLine{Description: "Service", Quantity: decimal.New(25, -1),
			UnitPrice: crm.Money{Amount: decimal.New(int64(1+rng.IntN(9999)), -2), Currency: cur}})
	}
	o, err := r.c.CreateOrder(ctx, &crm.Order{CustomerID: customer, Lines: lines})
	if err != nil {
		return r.lost(err)
	}
	return r.ack(Op{Kind: OpOrder, ID: o.ID, Ref: o.CustomerID, Amount: o.Total})
}

func (r *loadRun) confirm(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	o, err := r.c.GetOrder(ctx, id)
	if err != nil {
		return err
	}
	if o.Status != crm.OrderOpen {
		return nil
	}
	if _, err := r.c.ConfirmOrder(ctx, id, o.Version); err != nil {
		return r.lost(err)
	}
	return r.ack(Op{Kind: OpConfirm, ID: id})
}

func (r *loadRun) pay(ctx context.Context, rng *rand.Rand, id string) error {
	if id == "" {
		return nil
	}
	b, err := r.c.OrderBalance(ctx, id)
	if err != nil {
		return err
	}
	if b.Outstanding.Sign() <= 0 {
		return nil
	}
	// A third, a half or all of what is owed, to the cent.
	amount := b.Outstanding.Amount
	if k := rng.IntN(3); k > 0 {
		amount = amount.Div(decimal.NewFromInt(int64(k + 1))).Truncate(2)
	}
	if !amount.IsPositive() {
		return nil
	}
	p, err := r.c.RecordPayment(ctx, &crm.Payment{OrderID: id, Amount: crm.Money{Amount: amount, Currency: b.Outstanding.Currency}})
	if errors.Is(err, crm.ErrInvalid) {
		// Refused as an overpayment: another payment came first.
		if now, berr := r.c.OrderBalance(ctx, id); berr == nil && now.Outstanding.Amount.LessThan(amount) {
			return r.lost(crm.ErrConflict)
		}
	}
	if err != nil {
		return r.lost(err)
	}
	return r.ack(Op{Kind: OpPayment, ID: p.ID, Ref: id, Amount: p.Amount})
}

// merge merges two live pool customers, or adds one to the pool when it
// runs low.
func (r *loadRun) merge(ctx context.Context, rng *rand.Rand, v view) error {
	if len(v.live) < loadMinLive {
		cust, err := r.c.CreateCustomer(ctx, &crm.Customer{Name: r.name("pool"), Tags: []string{"load"}}, crm.AllowDuplicates())
		if err != nil {
			return err
		}
		return r.ack(Op{Kind: OpCustomer, ID: cust.ID})
	}
	i := rng.IntN(len(v.live))
	j := (i + 1 + rng.IntN(len(v.live)-1)) % len(v.live)
	survivor, dup := v.live[i], v.live[j]
	if _, err := r.c.MergeCustomers(ctx, survivor, dup, crm.MergeOptions{}); err != nil {
		return r.lost(err)
	}
	return r.ack(Op{Kind: OpMerge, ID: dup, Ref: survivor})
}

// loadDurationEnv, if set to a duration, replaces the 10 seconds of the
// Load/Concurrent check (go test -short makes it 2 seconds).
const loadDurationEnv = "CRM_LOAD_DURATION"

// testLoadConcurrent drives a Client over s with [Load] from 16
// goroutines, then checks [CheckInvariants] with nothing in flight.
func testLoadConcurrent(t *testing.T, s crm.Store) {
	d := 10 * time.Second
	if testing.Short() {
		d = 2 * time.Second
	}
	if env := os.Getenv(loadDurationEnv); env != "" {
		var err error
		d, err = time.ParseDuration(env)
		require.NoError(t, err, loadDurationEnv)
	}
	c, err := crm.New(s)
	require.NoError(t, err)
	ledger, err := Load(t.Context(), c, LoadOptions{Workers: 16, Duration: d})
	require.NoError(t, err, "Load (%s)", ledger)
	t.Logf("%s in %s: %s", t.Name(), d, ledger)
	fixtures := 1 + (loadCounters+loadPool)*(1+loadDealsEach)
	require.Greater(t, ledger.Operations(), fixtures, "the workers got nothing done")
	CheckInvariants(t, s, ledger, 0)
}
