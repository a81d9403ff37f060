package crm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DuplicatePolicy says what [Client.ImportCustomers] does with an input
// row that matches a stored customer or an earlier row of the input.
type DuplicatePolicy uint8

// Duplicate policies.
const (
	// SkipDuplicates leaves the matched customer as it is and reports the
	// row with a [*DuplicateError]. It is the default.
	SkipDuplicates DuplicatePolicy = iota
	// MergeDuplicates merges the row into the customer it matches best,
	// as [Client.MergeCustomers] would with the matched customer as the
	// survivor and the row as the duplicate (and the newer record). Under
	// the default survivorship rules the stored values stay, the row fills
	// the empty fields, and its emails, phones and tags are added;
	// ImportOptions.Rules chooses otherwise field by field.
	MergeDuplicates
	// FailOnDuplicate stops the import at the first duplicate; the batch
	// holding it is not stored.
	FailOnDuplicate
	// KeepDuplicates stores every valid row as a new customer without
	// looking for duplicates, as [AllowDuplicates] does for
	// [Client.CreateCustomer]: for a first load into an empty store from
	// a source known to be clean. A row naming a taken ID is still
	// skipped.
	KeepDuplicates
)

// String returns the policy's name, such as "skip".
func (p DuplicatePolicy) String() string {
	switch p {
	case SkipDuplicates:
		return "skip"
	case MergeDuplicates:
		return "merge"
	case FailOnDuplicate:
		return "fail"
	case KeepDuplicates:
		return "keep"
	}
	return fmt.Sprintf("DuplicatePolicy(%d)", uint8(p))
}

// Import batch sizes: DefaultImportBatch is the batch size an import uses
// when ImportOptions.BatchSize is zero; MaxImportBatch is the largest.
const (
	DefaultImportBatch = 1000
	MaxImportBatch     = 10000
)

// MaxImportWorkers is the largest ImportOptions.Workers.
const MaxImportWorkers = 16

// ImportOptions adjust [Client.ImportCustomers]. The zero value imports in
// batches of [DefaultImportBatch], skips duplicates and collects the rows
// not stored in the result.
type ImportOptions struct {
	// BatchSize is the number of input rows stored per transaction:
	// 0 means DefaultImportBatch; at most MaxImportBatch.
	BatchSize int
	// Duplicates says what to do with a row that matches a stored
	// customer or an earlier row.
	Duplicates DuplicatePolicy
	// Rules override the Client's survivorship rules for the merges of
	// [MergeDuplicates]; {"name": SurviveNewest}, say, lets the row's
	// name replace the stored one.
	Rules SurvivorshipRules
	// OnRowError, if set, receives every input row that is not stored,
	// in input order, once its batch has committed; returning an error
	// stops the import with that error. If nil, the rows are collected in
	// [ImportResult].Errors instead: set it to keep memory flat when many
	// rows may fail.
	OnRowError func(*RowError) error
	// Progress, if set, is called after each batch commits with the
	// running totals.
	Progress func(ImportStats)
	// Workers is the number of batches stored at once, each in a
	// transaction of its own: 0 means 1; at most [MaxImportWorkers].
	// More than one pays on a database server with cores to spare
	// (PostgreSQL, MySQL), where one transaction keeps one of them busy;
	// SQLite, which has one writer, gains nothing. Whatever Workers is,
	// the next batch is read and validated while the last one is being
	// stored. Rows are reported, and Progress called, in input order. A
	// batch holding a row that shares a key with a row of a batch still
	// being stored waits for that batch, and a batch that loses a write
	// conflict to another is stored again after it, so duplicates are
	// found as with one worker. Under [MergeDuplicates] batches are
	// stored one at a time whatever Workers is: two rows of different
	// batches may merge into one stored customer, and must in input
	// order.
	Workers int
}

// ImportStats are the running totals of an import.
type ImportStats struct {
	// Rows counts the input rows settled: Created + Merged + Skipped +
	// Rejected.
	Rows int
	// Created counts the rows stored as new customers.
	Created int
	// Merged counts the rows merged into a matching customer.
	Merged int
	// Skipped counts the rows left out as duplicates.
	Skipped int
	// Rejected counts the rows that failed validation or could not be
	// read.
	Rejected int
	// Elapsed is the time since the import started.
	Elapsed time.Duration
}

// ImportResult is the outcome of [Client.ImportCustomers].
type ImportResult struct {
	ImportStats
	// Errors holds the rows that were not stored (skipped or rejected),
	// in input order, when ImportOptions.OnRowError is nil.
	Errors []*RowError
}

// A RowError is an input row that [Client.ImportCustomers] did not store,
// and why.
type RowError struct {
	// Row is the row's position in the input, counting from 1.
	Row int
	// Customer is the row as the input gave it; nil if the input could
	// not produce it.
	Customer *Customer
	// Err says why: a [*ValidationError] naming every bad field, a
	// [*DuplicateError] naming the matches, or the input's own error for
	// the row.
	Err error
}

// Error returns the row number and the reason.
func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row, e.Err) }

// Unwrap returns the reason.
func (e *RowError) Unwrap() error { return e.Err }

// ImportCustomers stores the customers rows yields, batch by batch, each
// batch in one transaction: a batch is stored whole or not at all. Every
// input row is either stored (created, or merged under
// [MergeDuplicates]) or reported as a [*RowError] with its row number —
// to opts.OnRowError, or in the result — nothing is dropped silently.
// Memory holds opts.Workers + 1 batches (and, without OnRowError, the
// rows not stored), however long the input.
//
// Each row is validated and normalised as by [Client.CreateCustomer]; an
// invalid row is rejected with a [*ValidationError] and the import goes
// on. Unlike CreateCustomer, a row keeps its ID, if it has one, so that a
// second import of the same file finds the customers of the first, and its
// CreatedAt, if set and not in the future. An error that rows yields with
// a row is the row's problem if it matches [ErrInvalid] (the row is
// rejected, as [ReadCustomersCSV] does for a malformed record); any other
// error stops the import.
//
// Duplicates are found by exact keys only — the same ID, email address,
// phone number or tax ID, among the live stored customers and the earlier
// rows — and handled by opts.Duplicates. Fuzzy name matching, which
// compares each row with every customer of its region, is left out at
// this scale: run [Client.FindDuplicates] on the imported customers for
// it.
//
// ImportCustomers returns when rows ends, with the totals, or with an
// error when the import stops early: the batches committed stay stored
// (with several workers, batches after the failed one may be among them),
// and the result counts them. Under [FailOnDuplicate] the error is
// the duplicate row's *RowError.
func (c *Client) ImportCustomers(ctx context.Context, rows iter.Seq2[Customer, error], opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	if err := c.gate(ctx); err != nil {
		return res, fmt.Errorf("crm: import customers: %w", err)
	}
	verr := &ValidationError{Entity: "import options"}
	switch {
	case opts.BatchSize == 0:
		opts.BatchSize = DefaultImportBatch
	case opts.BatchSize < 0 || opts.BatchSize > MaxImportBatch:
		verr.add("batch_size", "must be between 0 and %d", MaxImportBatch)
	}
	switch {
	case opts.Workers == 0:
		opts.Workers = 1
	case opts.Workers < 0 || opts.Workers > MaxImportWorkers:
		verr.add("workers", "must be between 0 and %d", MaxImportWorkers)
	}
	if opts.Duplicates == MergeDuplicates {
		opts.Workers = 1
	}
	if opts.Duplicates > KeepDuplicates {
		verr.add("duplicates", "unknown policy %d", opts.Duplicates)
	}
	if rows == nil {
		verr.add("rows", "required")
	}
	if e := opts.Rules.validate("rules"); e != nil {
		verr.Fields = append(verr.Fields, e.Fields...)
	}
	if err := verr.err(); err != nil {
		return res, err
	}

	imp := &importer{c: c, opts: opts, rules: c.survive.with(opts.Rules), start: time.Now(), by: actorID(ctx)}
	batch := make([]importRow, 0, opts.BatchSize)
	n := 0
	for in, err := range rows {
		n++
		if err != nil && !errors.Is(err, ErrInvalid) {
			return imp.stop(fmt.Errorf("crm: import customers: row %d: %w", n, err))
		}
		batch = append(batch, importRow{n: n, in: in, err: err})
		if len(batch) == opts.BatchSize {
			if err := imp.submit(ctx, batch); err != nil {
				return imp.stop(err)
			}
			batch = make([]importRow, 0, opts.BatchSize) // the last one is being stored
		}
	}
	if err := imp.submit(ctx, batch); err != nil {
		return imp.stop(err)
	}
	for len(imp.pending) > 0 {
		if err := imp.settle(ctx); err != nil {
			return imp.stop(err)
		}
	}
	return imp.result(), nil
}

// importRow is one input row of a batch: as given and, once valid, as it
// will be stored.
type importRow struct {
	n   int      // position in the input
	in  Customer // as given
	err error    // the input's error for the row
	c   *Customer
}

// importer holds the state of one ImportCustomers call.
type importer struct {
	c       *Client
	opts    ImportOptions
	rules   SurvivorshipRules
	start   time.Time
	by      string
	stats   ImportStats
	errs    []*RowError
	pending []*importBatch // being stored, in input order
}

// importBatch is one batch of an import: read and validated, then stored
// by a goroutine of its own.
type importBatch struct {
	rows  []importRow
	valid []*importRow        // the rows to store
	pre   batchOutcome        // the rows refused before storing
	keys  map[string]struct{} // the duplicate keys of the valid rows
	now   time.Time

	done      chan struct{} // closed when the goroutine storing it ends
	out       batchOutcome
	err       error
	panicked  any
	contended bool // other batches were being stored when it started
}

func (imp *importer) result() ImportResult {
	imp.stats.Elapsed = time.Since(imp.start)
	return ImportResult{ImportStats: imp.stats, Errors: imp.errs}
}

// batchOutcome is what one batch did, applied to the totals once the
// batch has committed.
type batchOutcome struct {
	created, merged, skipped, rejected int
	errs                               []*RowError
}

func (o *batchOutcome) reject(r *importRow, err error) {
	o.errs = append(o.errs, &RowError{Row: r.n, Customer: rowCustomer(r), Err: err})
}

// rowCustomer returns the row as given, or nil if the input could not
// produce it.
func rowCustomer(r *importRow) *Customer {
	if r.err != nil && r.in.Name == "" && r.in.ID == "" {
		return nil
	}
	return r.in.Clone()
}

// submit validates batch and starts storing it, once a worker is free
// and no batch being stored shares a duplicate key with it.
func (imp *importer) submit(ctx context.Context, rows []importRow) error {
	if len(rows) == 0 {
		return nil
	}
	b := imp.prepare(rows)
	for len(imp.pending) > 0 && (len(imp.pending) >= imp.opts.Workers || b.waitsFor(imp.pending)) {
		if err := imp.settle(ctx); err != nil {
			return err
		}
	}
	b.contended = len(imp.pending) > 0
	b.done = make(chan struct{})
	imp.pending = append(imp.pending, b)
	go func() {
		defer close(b.done)
		defer func() { b.panicked = recover() }()
		b.err = imp.store(ctx, b)
	}()
	return nil
}

// prepare validates and normalises the rows of a batch.
func (imp *importer) prepare(rows []importRow) *importBatch {
	b := &importBatch{rows: rows, now: imp.c.now(), keys: make(map[string]struct{})}
	b.valid = make([]*importRow, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if r.err != nil {
			b.pre.reject(r, r.err)
			b.pre.rejected++
			continue
		}
		cust := r.in.Clone()
		if err := imp.c.prepareNew(cust, b.now, imp.by, true); err != nil {
			b.pre.reject(r, err)
			b.pre.rejected++
			continue
		}
		r.c = cust
		b.valid = append(b.valid, r)
		for _, k := range importKeys(cust) {
			if imp.opts.Duplicates == KeepDuplicates && !strings.HasPrefix(k, "i:") {
				break // only the ID counts
			}
			b.keys[k] = struct{}{}
		}
	}
	return b
}

// waitsFor reports whether one of the batches shares a duplicate key
// with b.
func (b *importBatch) waitsFor(batches []*importBatch) bool {
	for _, o := range batches {
		for k := range b.keys {
			if _, ok := o.keys[k]; ok {
				return true
			}
		}
	}
	return false
}

// store stores the valid rows of b in one transaction.
func (imp *importer) store(ctx context.Context, b *importBatch) error {
	return imp.c.store.RunInTx(ctx, func(tx Store) error {
		b.out = b.pre
		b.out.errs = slices.Clone(b.pre.errs)
		return imp.storeBatch(ctx, tx, b.valid, b.now, &b.out)
	})
}

// settle waits for the oldest batch being stored and reports its outcome.
// A batch that lost a write conflict to a batch stored beside it is stored
// again first, alone.
func (imp *importer) settle(ctx context.Context) error {
	b := imp.pending[0]
	<-b.done
	imp.pending = imp.pending[1:]
	if b.panicked != nil {
		panic(b.panicked)
	}
	if b.contended && errors.Is(b.err, ErrConflict) {
		b.err = imp.store(ctx, b)
	}
	if err := b.fail(); err != nil {
		return err
	}
	return imp.report(b, true)
}

// fail returns the error that stopped b, or nil if it was stored.
func (b *importBatch) fail() error {
	var rerr *RowError
	switch {
	case b.err == nil:
		return nil
	case errors.As(b.err, &rerr):
		return b.err
	}
	return fmt.Errorf("crm: import customers: rows %d-%d: %w", b.rows[0].n, b.rows[len(b.rows)-1].n, b.err)
}

// report adds the outcome of b, which was stored, to the totals and
// reports its rows not stored; with callbacks, also to OnRowError and
// Progress.
func (imp *importer) report(b *importBatch, callbacks bool) error {
	out := &b.out
	imp.stats.Created += out.created
	imp.stats.Merged += out.merged
	imp.stats.Skipped += out.skipped
	imp.stats.Rejected += out.rejected
	imp.stats.Rows += len(b.rows)
	slices.SortFunc(out.errs, func(a, b *RowError) int { return cmp.Compare(a.Row, b.Row) })
	for _, e := range out.errs {
		if imp.opts.OnRowError == nil {
			imp.errs = append(imp.errs, e)
			continue
		}
		if !callbacks {
			break
		}
		if err := imp.opts.OnRowError(e); err != nil {
			return err
		}
	}
	if callbacks && imp.opts.Progress != nil {
		imp.stats.Elapsed = time.Since(imp.start)
		imp.opts.Progress(imp.stats)
	}
	return nil
}

// stop ends an import that failed with err: it waits for the batches
// still being stored, counts those that were stored, and returns the
// result and err.
func (imp *importer) stop(err error) (ImportResult, error) {
	var panicked any
	for _, b := range imp.pending {
		<-b.done
		switch {
		case b.panicked != nil:
			if panicked == nil {
				panicked = b.panicked
			}
		case b.err == nil:
			_ = imp.report(b, false)
		}
	}
	imp.pending = nil
	if panicked != nil {
		panic(panicked)
	}
	return imp.result(), err
}

// storeBatch settles the valid rows of a batch inside tx: it finds the
// stored customers sharing a key with them, then creates, merges or skips
// each row in order, so that a row also matches the rows before it.
func (imp *importer) storeBatch(ctx context.Context, tx Store, rows []*importRow, now time.Time, out *batchOutcome) error {
	idx, err := imp.lookup(ctx, tx, rows)
	if err != nil {
		return err
	}
	var (
		created []*Customer
		updated []*Customer              // stored customers that rows merged into
		owners  = map[*Customer]string{} // their owners as stored
	)
	for _, r := range rows {
		matches := idx.matches(r.c, imp.opts.Duplicates == KeepDuplicates)
		if len(matches) == 0 {
			created = append(created, r.c)
			idx.add(r.c, true)
			continue
		}
		dup := &DuplicateError{Matches: matches}
		switch target := matches[0].Customer; {
		case imp.opts.Duplicates == FailOnDuplicate:
			return &RowError{Row: r.n, Customer: r.in.Clone(), Err: dup}
		case imp.opts.Duplicates != MergeDuplicates || target.Archived():
			out.reject(r, dup)
			out.skipped++
		default:
			dupRow := r.c.Clone()
			dupRow.ID = ""
			plan, err := PlanMerge(target, dupRow, imp.rules)
			if err != nil {
				out.reject(r, err)
				out.rejected++
				continue
			}
			merged := plan.Survivor
			merged.UpdatedAt, merged.UpdatedBy = now, imp.by
			if _, seen := owners[target]; !seen && !idx.isNew[target] {
				owners[target] = target.OwnerID
			}
			*target = *merged // the index and created hold target
			idx.add(target, idx.isNew[target])
			if !idx.isNew[target] && !slices.Contains(updated, target) {
				updated = append(updated, target)
			}
			out.merged++
		}
	}
	if err := tx.CreateCustomers(ctx, created); err != nil {
		return err
	}
	out.created += len(created)
	for _, u := range updated {
		if err := tx.UpdateCustomer(ctx, u); err != nil {
			return err
		}
		if err := imp.c.recordOwnerChange(ctx, tx, EntityCustomer, u.ID, u.ID, owners[u], u.OwnerID, now, imp.by, "import"); err != nil {
			return err
		}
	}
	return nil
}

// importIndex finds the customers — stored, or new in the batch — that
// share a key with a row.
type importIndex struct {
	byKey map[string][]*Customer
	isNew map[*Customer]bool
}

func (x *importIndex) add(cust *Customer, isNew bool) {
	x.isNew[cust] = isNew
	for _, k := range importKeys(cust) {
		if !slices.Contains(x.byKey[k], cust) {
			x.byKey[k] = append(x.byKey[k], cust)
		}
	}
}

// matches returns the customers cust duplicates, best first: exact keys
// only, an ID match ahead of the others. With idOnly, only the ID counts.
func (x *importIndex) matches(cust *Customer, idOnly bool) []DuplicateMatch {
	var byID *Customer
	if cands := x.byKey["i:"+cust.ID]; len(cands) > 0 {
		byID = cands[0]
	}
	var out []DuplicateMatch
	if byID != nil {
		out = append(out, DuplicateMatch{Customer: byID, Score: 1, Reasons: []MatchReason{{Rule: MatchID, Score: 1}}})
	}
	if idOnly {
		return out
	}
	var cands []*Customer
	for _, k := range importKeys(cust) {
		for _, cand := range x.byKey[k] {
			if cand != byID && !cand.Archived() && !slices.Contains(cands, cand) {
				cands = append(cands, cand)
			}
		}
	}
	return append(out, FindDuplicates(cust, cands, DuplicateRules{})...)
}

// importKeys returns the exact keys of a normalised customer: its ID,
// emails, phones and tax ID, each with a prefix naming its kind.
func importKeys(c *Customer) []string {
	keys := make([]string, 0, 2+len(c.Emails)+len(c.Phones))
	keys = append(keys, "i:"+c.ID)
	for _, e := range c.Emails {
		keys = append(keys, "e:"+e.Address)
	}
	for _, p := range c.Phones {
		keys = append(keys, "p:"+p.Number)
	}
	if c.TaxID != "" {
		keys = append(keys, "t:"+c.TaxID)
	}
	return keys
}

// importLookupChunk is the number of values of one lookup filter. It is
// fixed — a short last chunk is padded by repeating a value — so that
// every lookup is the same statement, which a store can keep prepared.
const importLookupChunk = 500

// lookup reads the stored customers that share an ID — archived ones
// included — or, unless duplicates are kept, an email, phone or tax ID
// with the rows, with a few queries per batch.
func (imp *importer) lookup(ctx context.Context, tx Store, rows []*importRow) (*importIndex, error) {
	var ids, emails, phones, taxIDs []string
	for _, r := range rows {
		if r.in.ID != "" { // a new ID names no stored customer
			ids = append(ids, r.c.ID)
		}
		for _, e := range r.c.Emails {
			emails = append(emails, e.Address)
		}
		for _, p := range r.c.Phones {
			phones = append(phones, p.Number)
		}
		if r.c.TaxID != "" {
			taxIDs = append(taxIDs, r.c.TaxID)
		}
	}
	filters := []func([]string) CustomerFilter{
		func(v []string) CustomerFilter { return CustomerFilter{IDs: v, IncludeArchived: true} },
	}
	lists := [][]string{ids}
	if imp.opts.Duplicates != KeepDuplicates {
		filters = append(filters,
			func(v []string) CustomerFilter { return CustomerFilter{Emails: v} },
			func(v []string) CustomerFilter { return CustomerFilter{Phones: v} },
			func(v []string) CustomerFilter { return CustomerFilter{TaxIDs: v} })
		lists = append(lists, emails, phones, taxIDs)
	}
	idx := &importIndex{byKey: make(map[string][]*Customer), isNew: make(map[*Customer]bool)}
	seen := make(map[string]bool)
	for i, list := range lists {
		slices.Sort(list)
		list = slices.Compact(list)
		for chunk := range slices.Chunk(list, importLookupChunk) {
			if n := len(chunk); n < importLookupChunk {
				pad := make([]string, importLookupChunk)
				copy(pad, chunk)
				for j := n; j < importLookupChunk; j++ {
					pad[j] = chunk[n-1]
				}
				chunk = pad
			}
			f := filters[i](chunk)
			f.Limit = MaxPageLimit
			for cust, err := range pages(ctx, f, tx.FindCustomers, func(f *CustomerFilter, next Cursor) { f.After = next }) {
				if err != nil {
					return nil, fmt.Errorf("find duplicates: %w", err)
				}
				if !seen[cust.ID] {
					seen[cust.ID] = true
					idx.add(cust, false)
				}
			}
		}
	}
	return idx, nil
}

// prepareNew validates and normalises cust, a copy the caller owns, as a
// new customer created at now by the actor by, and sets its ID, times and
// Version. An imported customer keeps an ID and a CreatedAt it has.
func (c *Client) prepareNew(cust *Customer, now time.Time, by string, imported bool) error {
	verr := &ValidationError{Entity: "customer"}
	normalizeCustomer(cust, c.region, now, verr)
	if !cust.ArchivedAt.IsZero() {
		verr.add("archived_at", "a new customer cannot be archived")
	}
	if cust.MergedInto != "" {
		verr.add("merged_into", "a new customer cannot be merged")
	}
	if imported {
		checkID(verr, "id", cust.ID)
		cust.CreatedAt = Timestamp(cust.CreatedAt)
		if cust.CreatedAt.After(now) {
			verr.add("created_at", "lies in the future")
		}
	} else {
		cust.ID, cust.CreatedAt = "", time.Time{}
	}
	if err := verr.err(); err != nil {
		return err
	}
	if cust.ID == "" {
		cust.ID = c.ids.NewID()
	}
	if cust.CreatedAt.IsZero() {
		cust.CreatedAt = now
	}
	if cust.OwnerID == "" {
		cust.OwnerID = by // every record has an owner: its creator unless given
	}
	cust.CreatedBy = by
	cust.UpdatedAt, cust.UpdatedBy = now, by
	cust.Version = 1
	return nil
}

// maxIDLen caps the length of an ID given from outside, in bytes.
const maxIDLen = 128

// checkID records in verr what is wrong with id, an ID given from outside
// ("" is fine: one is made).
func checkID(verr *ValidationError, field, id string) {
	switch {
	case id == "":
	case len(id) > maxIDLen:
		verr.add(field, "longer than %d bytes", maxIDLen)
	case !utf8.ValidString(id):
		verr.add(field, "not valid UTF-8")
	case strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		verr.add(field, "contains spaces or control characters")
	}
}
