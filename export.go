package crm

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// ExportFormat is the encoding of an export.
type ExportFormat string

// Export formats.
const (
	// ExportJSONLines writes one JSON object per line, a customer with the
	// related records asked for nested in it (see [ExportRecord]). A line
	// is complete on its own, so a reader can decode it, and a writer
	// emit it, without holding the rest of the export; a JSON array could
	// not be read before its closing bracket without a streaming parser.
	ExportJSONLines ExportFormat = "jsonl"
	// ExportCSV writes one kind of record as CSV, with a header record
	// naming the columns: one layout per [ExportKind].
	ExportCSV ExportFormat = "csv"
)

// ExportKind names a kind of record an export writes.
type ExportKind string

// Export kinds. The read permission each needs is in brackets.
const (
	ExportCustomers    ExportKind = "customers"    // [PermCustomerRead]
	ExportContacts     ExportKind = "contacts"     // [PermCustomerRead]
	ExportOrders       ExportKind = "orders"       // with their lines in JSON Lines [PermOrderRead]
	ExportOrderLines   ExportKind = "order_lines"  // CSV only: one row per order line [PermOrderRead]
	ExportPayments     ExportKind = "payments"     // [PermOrderRead]
	ExportCases        ExportKind = "cases"        // [PermCaseRead]
	ExportInteractions ExportKind = "interactions" // [PermActivityRead]
	ExportResponses    ExportKind = "responses"    // survey responses [PermSurveyRead]
)

// ExportKinds lists every kind of record an export writes.
func ExportKinds() []ExportKind {
	return []ExportKind{ExportCustomers, ExportContacts, ExportOrders, ExportOrderLines,
		ExportPayments, ExportCases, ExportInteractions, ExportResponses}
}

// permission returns the permission that reads records of kind k.
func (k ExportKind) permission() Permission {
	switch k {
	case ExportOrders, ExportOrderLines, ExportPayments:
		return PermOrderRead
	case ExportCases:
		return PermCaseRead
	case ExportInteractions:
		return PermActivityRead
	case ExportResponses:
		return PermSurveyRead
	}
	return PermCustomerRead
}

// ExportOptions choose what [Client.ExportCustomers] writes. The zero
// value writes the customers alone, as JSON Lines.
type ExportOptions struct {
	// Format is ExportJSONLines (the default, when empty) or ExportCSV.
	Format ExportFormat
	// Include names the related records a JSON Lines export nests in
	// each customer: any kinds but ExportCustomers and ExportOrderLines
	// (an order's lines always come with it). Only for JSON Lines.
	Include []ExportKind
	// Kind is the kind of record a CSV export writes, of the customers
	// selected: ExportCustomers (the default, when empty) or a related
	// kind. Only for CSV.
	Kind ExportKind
	// CustomFields names the custom fields a CSV export of customers
	// writes, one column each, as "KEY" (the value's text) or "KEY:TYPE"
	// (TYPE string, number, bool or date, as [ReadCustomersCSV] reads it
	// back; a value of another type fails the export). Only for a CSV
	// export of customers; JSON Lines always carries every custom field.
	CustomFields []string
	// Approval names the approved request of this export, when
	// [ApprovalPolicy].Export holds exports for approval: the export
	// runs once per approval, by the actor who asked for it, with the
	// filter and options the request names.
	Approval string
}

// ExportStats count what an export wrote.
type ExportStats struct {
	// Customers counts the customers exported: those whose records were
	// written.
	Customers int
	// Records counts the related records written, by kind: the records
	// nested in a JSON Lines export, or the rows of a CSV export of
	// another kind than customers.
	Records map[ExportKind]int
	// Bytes counts the bytes written.
	Bytes int64
}

// ExportCustomers writes the customers f selects to w, in ascending ID
// order, with the related records opts asks for, as JSON Lines (one
// [ExportRecord] per line) or as CSV (one layout per kind; see
// [ExportKind] and the layouts below). Money is written as exact decimal
// text with its currency, times in RFC 3339 in UTC, dates as 2006-01-02.
//
// The export streams: it reads one page of customers (f.Limit of them,
// [DefaultPageLimit] when zero) and their related records at a time,
// writes them, and goes on with the next page, so that memory stays flat
// however many customers there are. It stops at the first failure —
// reading, writing or the end of ctx — and returns it with what was
// written so far; the output then ends part way.
//
// # Access
//
// With [WithAuthorizer], the actor needs [PermDataExport]. Its scope
// narrows the export as the read permissions narrow every listing: the
// export holds the customers both the grant of PermDataExport and that of
// [PermCustomerRead] reach, so that an actor with PermDataExport in
// [ScopeAll] exports every customer it may read, and one with [ScopeOwn]
// its own. Customers f selects beyond that are left out, not refused. A
// related kind asked for needs its read permission (see [ExportKind]) on
// every customer exported, or the export fails with [ErrForbidden] before
// writing anything — except cases, which have owners of their own and are
// narrowed to those the actor may read, as in [Client.Cases]. Without an
// actor, or without PermDataExport, the export fails with ErrForbidden.
//
// # CSV layouts
//
// Customers: the layout [ReadCustomersCSV] reads, so that an export
// imports unchanged with [Client.ImportCustomers], IDs, owners and
// creation times included; the columns, in order:
//
//	id, kind, name, emails, phones, street, city, postal_code, state,
//	country, industry, region, size, stage, owner_id, tags, tax_id,
//	credit_rating, credit_limit, risk_level, birth_date, time_zone,
//	consent_email, consent_phone, consent_sms, consent_post,
//	do_not_contact, source, created_at, then a custom.KEY column for each
//	of opts.CustomFields
//
// Emails, phones and tags are separated by ";", the primary email and
// phone first; credit_limit is written "50000.00 EUR". The layout holds
// what an import reads: the labels of emails and phones, the times of
// consents, archive and merge marks, who last changed a customer and its
// version are in JSON Lines only.
//
// The related kinds, one row per record, each beginning with its own ID
// and its customer's:
//
//	contacts      id, customer_id, name, job_title, role, emails, phones,
//	              created_at, created_by, updated_at, updated_by, version
//	orders        id, customer_id, number, opportunity_id, status,
//	              ordered_at, currency, total, paid, lines, created_at,
//	              created_by, updated_at, updated_by, version
//	order_lines   order_id, customer_id, line (1, 2, …), sku, description,
//	              quantity, currency, unit_price, discount, total
//	payments      id, customer_id, order_id, currency, amount,
//	              received_at, method, reference, created_at, created_by,
//	              updated_at, updated_by, version
//	cases         id, customer_id, contact_id, kind, priority, status,
//	              subject, description, owner_id, channel, source,
//	              opened_at, status_changed_at, first_responded_at,
//	              resolved_at, closed_at, reopened,
//	              first_response_seconds, resolution_seconds,
//	              first_response_due, resolution_due, created_at,
//	              created_by, updated_at, updated_by, version
//	interactions  id, customer_id, contact_id, opportunity_id, case_id,
//	              channel, direction, at, actor_id, subject, summary,
//	              outcome, created_at, created_by, updated_at, updated_by,
//	              version
//	responses     id, customer_id, survey_id, kind, respondent_id,
//	              contact_id, case_id, opportunity_id, score, comment,
//	              channel, answered_at, wave, created_at, created_by,
//	              updated_at, updated_by, version
//
// Amounts are in the row's currency column; durations are seconds, exact.
// An empty cell is an empty field (a zero time, no amount).
//
// Bad options, or a bad filter, fail with a [*ValidationError] naming the
// field, before anything is written.
func (c *Client) ExportCustomers(ctx context.Context, w io.Writer, f CustomerFilter, opts ExportOptions) (ExportStats, error) {
	var stats ExportStats
	if err := c.gate(ctx); err != nil {
		return stats, fmt.Errorf("crm: export customers: %w", err)
	}
	kinds, err := opts.normalize()
	if err != nil {
		return stats, err
	}
	if err := c.normalizeFilter(&f); err != nil {
		return stats, err
	}
	visible, err := c.exportScope(ctx, &f, kinds)
	if err != nil {
		return stats, fmt.Errorf("crm: export customers: %w", err)
	}
	if c.approvals != nil && c.approvals.Export {
		if opts.Approval == "" {
			return stats, c.requestApproval(ctx, ApprovalExport, "", newExportOperation(f, opts))
		}
		if err := c.useExportApproval(ctx, opts.Approval, f, opts); err != nil {
			return stats, wrapUnlessTyped("export customers", err)
		}
	}
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	var enc exportEncoder
	if opts.Format == ExportCSV {
		enc = newCSVExport(bw, opts)
	} else {
		enc = &jsonlExport{w: bw, kinds: kinds}
	}
	if len(kinds) > 0 {
		stats.Records = make(map[ExportKind]int, len(kinds))
	}
	counted := kinds
	if opts.Kind == ExportOrderLines {
		counted = []ExportKind{ExportOrderLines}
	}
	err = c.exportPages(ctx, f, visible, kinds, counted, enc, &stats)
	if err == nil {
		err = enc.flush()
	}
	if err == nil {
		err = bw.Flush()
	}
	stats.Bytes = cw.n
	if err != nil {
		if cw.err != nil {
			err = fmt.Errorf("write: %w", cw.err)
		}
		return stats, wrapUnlessTyped("export customers", err)
	}
	return stats, nil
}

// exportPages writes the customers f selects page by page, with their
// related records of kinds, counting those of counted; with visible
// false, only the encoder's beginning (a CSV header).
func (c *Client) exportPages(ctx context.Context, f CustomerFilter, visible bool, kinds, counted []ExportKind, enc exportEncoder, stats *ExportStats) error {
	if err := enc.begin(); err != nil {
		return err
	}
	rec := ExportRecord{}
	for visible {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, next, err := c.ListCustomers(ctx, f)
		if err != nil {
			return err
		}
		rel, err := c.exportRelated(ctx, page, kinds)
		if err != nil {
			return err
		}
		for _, cust := range page {
			rel.fill(&rec, cust)
			if err := enc.write(&rec); err != nil {
				return err
			}
			stats.Customers++
			for _, k := range counted {
				stats.Records[k] += rec.count(k)
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	return nil
}

// normalize checks opts and returns the related kinds the export reads.
func (opts *ExportOptions) normalize() ([]ExportKind, error) {
	verr := &ValidationError{Entity: "export options"}
	var kinds []ExportKind
	switch opts.Format {
	case "", ExportJSONLines:
		opts.Format = ExportJSONLines
		if opts.Kind != "" {
			verr.add("kind", "only for CSV; JSON Lines nests the kinds of include")
		}
		if len(opts.CustomFields) > 0 {
			verr.add("custom_fields", "only for CSV; JSON Lines carries every custom field")
		}
		for i, k := range opts.Include {
			switch {
			case !slices.Contains(ExportKinds(), k):
				verr.add(fmt.Sprintf("include[%d]", i), "unknown kind %q", k)
			case k == ExportCustomers || k == ExportOrderLines:
				verr.add(fmt.Sprintf("include[%d]", i), "%q cannot be nested: want a related kind such as orders", k)
			case !slices.Contains(kinds, k):
				kinds = append(kinds, k)
			}
		}
	case ExportCSV:
		if len(opts.Include) > 0 {
			verr.add("include", "only for JSON Lines; a CSV export writes the one kind of kind")
		}
		if opts.Kind == "" {
			opts.Kind = ExportCustomers
		}
		switch {
		case !slices.Contains(ExportKinds(), opts.Kind):
			verr.add("kind", "unknown kind %q", opts.Kind)
		case opts.Kind == ExportOrderLines:
			kinds = []ExportKind{ExportOrders} // the lines come with their orders
		case opts.Kind != ExportCustomers:
			kinds = []ExportKind{opts.Kind}
		}
		if len(opts.CustomFields) > 0 && opts.Kind != ExportCustomers {
			verr.add("custom_fields", "only for a CSV export of customers")
		}
		seen := map[string]bool{}
		for i, name := range opts.CustomFields {
			field := fmt.Sprintf("custom_fields[%d]", i)
			key, _ := customColumn(name)
			if _, err := csvSetter("custom." + name); err != nil {
				verr.add(field, "%s", err)
			} else if seen[key] {
				verr.add(field, "%q is given twice", key)
			}
			seen[key] = true
		}
	default:
		verr.add("format", "must be %q or %q", ExportJSONLines, ExportCSV)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	return kinds, nil
}

// exportScope narrows f to the customers the actor may export and
// checks that it may read the related kinds of every one of them. It
// reports false when the actor may export none of the customers f
// selects.
func (c *Client) exportScope(ctx context.Context, f *CustomerFilter, kinds []ExportKind) (visible bool, err error) {
	if !c.guarded {
		return true, nil
	}
	export, err := authorize(ctx, c.auth, PermDataExport)
	if err != nil {
		return false, err
	}
	owners, ok := export.restrict(f.Owners)
	if !ok {
		return false, nil
	}
	read, err := authorize(ctx, c.auth, PermCustomerRead)
	if err != nil {
		return false, err
	}
	reach, ok := read.restrict(owners) // nil: every owner
	if !ok {
		return false, nil
	}
	for _, k := range kinds {
		if k == ExportContacts {
			continue // read as the customer is
		}
		g, err := authorize(ctx, c.auth, k.permission())
		switch {
		case err != nil:
			return false, err
		case g.all, k == ExportCases: // cases: narrowed to their own owners by the store's guard
		case reach == nil:
			return false, g.forbidden(fmt.Sprintf("export the %s of every customer", k))
		default:
			for _, o := range reach {
				if !g.allows(o) {
					return false, g.forbidden(fmt.Sprintf("export the %s of customers owned by %q", k, o))
				}
			}
		}
	}
	f.Owners = owners
	return true, nil
}

// exportPage holds the related records of one page of customers, by
// customer ID.
type exportPage struct {
	kinds        []ExportKind
	contacts     map[string][]*Contact
	orders       map[string][]*Order
	payments     map[string][]*Payment
	cases        map[string][]*Case
	interactions map[string][]*Interaction
	responses    map[string][]*Response
}

// exportRelated reads the records of kinds of the customers of page.
func (c *Client) exportRelated(ctx context.Context, page []*Customer, kinds []ExportKind) (*exportPage, error) {
	rel := &exportPage{kinds: kinds}
	if len(page) == 0 {
		return rel, nil
	}
	ids := make([]string, len(page))
	for i, cust := range page {
		ids[i] = cust.ID
	}
	var err error
	for _, k := range kinds {
		switch k {
		case ExportContacts:
			rel.contacts = make(map[string][]*Contact, len(ids))
			for _, id := range ids {
				if rel.contacts[id], err = collect(c.Contacts(ctx, ContactFilter{CustomerID: id, Limit: MaxPageLimit})); err != nil {
					return nil, err
				}
			}
		case ExportOrders:
			rel.orders, err = groupByCustomer(c.Orders(ctx, OrderFilter{CustomerIDs: ids, Limit: MaxPageLimit}), func(o *Order) string { return o.CustomerID })
		case ExportPayments:
			rel.payments, err = groupByCustomer(c.Payments(ctx, PaymentFilter{CustomerIDs: ids, Limit: MaxPageLimit}), func(p *Payment) string { return p.CustomerID })
		case ExportCases:
			rel.cases, err = groupByCustomer(c.Cases(ctx, CaseFilter{CustomerIDs: ids, Limit: MaxPageLimit}), func(cs *Case) string { return cs.CustomerID })
		case ExportInteractions:
			rel.interactions, err = groupByCustomer(c.Interactions(ctx, InteractionFilter{CustomerIDs: ids, Limit: MaxPageLimit}), func(i *Interaction) string { return i.CustomerID })
		case ExportResponses:
			rel.responses, err = groupByCustomer(c.Responses(ctx, ResponseFilter{CustomerIDs: ids, Limit: MaxPageLimit}), func(r *Response) string { return r.CustomerID })
		}
		if err != nil {
			return nil, err
		}
	}
	return rel, nil
}

// fill sets rec to cust and its related records: an empty, not nil,
// slice for a kind read that cust has none of.
func (p *exportPage) fill(rec *ExportRecord, cust *Customer) {
	*rec = ExportRecord{Customer: cust}
	for _, k := range p.kinds {
		switch k {
		case ExportContacts:
			rec.Contacts = nonNil(p.contacts[cust.ID])
		case ExportOrders:
			rec.Orders = nonNil(p.orders[cust.ID])
		case ExportPayments:
			rec.Payments = nonNil(p.payments[cust.ID])
		case ExportCases:
			rec.Cases = nonNil(p.cases[cust.ID])
		case ExportInteractions:
			rec.Interactions = nonNil(p.interactions[cust.ID])
		case ExportResponses:
			rec.Responses = nonNil(p.responses[cust.ID])
		}
	}
}

// count returns how many records of kind k rec holds.
func (rec *ExportRecord) count(k ExportKind) int {
	switch k {
	case ExportContacts:
		return len(rec.Contacts)
	case ExportOrders:
		return len(rec.Orders)
	case ExportOrderLines:
		n := 0
		for _, o := range rec.Orders {
			n += len(o.Lines)
		}
		return n
	case ExportPayments:
		return len(rec.Payments)
	case ExportCases:
		return len(rec.Cases)
	case ExportInteractions:
		return len(rec.Interactions)
	case ExportResponses:
		return len(rec.Responses)
	}
	return 0
}

// collect gathers what seq yields, stopping at its first error.
func collect[T any](seq func(yield func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// groupByCustomer gathers what seq yields by the customer ID of each record.
func groupByCustomer[T any](seq func(yield func(*T, error) bool), customer func(*T) string) (map[string][]*T, error) {
	out := map[string][]*T{}
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		id := customer(v)
		out[id] = append(out[id], v)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// exportEncoder writes the records of an export in one format.
type exportEncoder interface {
	begin() error
	write(rec *ExportRecord) error
	flush() error
}

// jsonlExport writes one ExportRecord per line.
type jsonlExport struct {
	w     *bufio.Writer
	kinds []ExportKind
}

func (e *jsonlExport) begin() error { return nil }

func (e *jsonlExport) write(rec *ExportRecord) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if _, err := e.w.Write(b); err != nil {
		return err
	}
	return e.w.WriteByte('\n')
}

func (e *jsonlExport) flush() error { return nil }

// countingWriter counts what it writes and keeps the first error of w,
// so that an export reports the writer's failure rather than a wrapper's.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (cw *countingWriter) Write(p []byte) (int, error) {
	if cw.err != nil {
		return 0, cw.err
	}
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	cw.err = err
	return n, err
}
