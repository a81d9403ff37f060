package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// customerColumns are the columns of a customer as scanCustomer reads
// them, from the table aliased c.
const customerColumns = `c.id, c.kind, c.name, c.industry, c.region, c.size, c.stage, c.owner_id,
	c.tax_id, c.credit_rating, c.credit_limit_amount, c.credit_limit_currency, c.risk_level, c.birth_date,
	c.consent_email_granted, c.consent_email_at, c.consent_phone_granted, c.consent_phone_at,
	c.consent_sms_granted, c.consent_sms_at, c.consent_post_granted, c.consent_post_at,
	c.do_not_contact, c.source, c.time_zone,
	c.address_street, c.address_city, c.address_postal_code, c.address_state, c.address_country,
	c.custom, c.archived_at, c.merged_into, c.erased_at,
	c.created_at, c.created_by, c.updated_at, c.updated_by, c.version`

// customerParams are the values of a customer's row, but its ID and
// Version, in the order of the columns of insertCustomer and
// updateCustomer.
type customerParams struct {
	Kind, Name, NameFold, Industry, Region, Size, Stage, OwnerID string
	TaxID, CreditRating                                          string
	CreditLimitAmount                                            any // string or nil
	CreditLimitCurrency, RiskLevel                               string
	BirthDate                                                    any
	ConsentEmailGranted                                          bool
	ConsentEmailAt                                               any
	ConsentPhoneGranted                                          bool
	ConsentPhoneAt                                               any
	ConsentSMSGranted                                            bool
	ConsentSMSAt                                                 any
	ConsentPostGranted                                           bool
	ConsentPostAt                                                any
	DoNotContact                                                 bool
	Source, TimeZone                                             string
	Street, City, PostalCode, State, Country                     string
	Custom                                                       any // JSON text or nil
	ArchivedAt                                                   any
	MergedInto                                                   string
	ErasedAt                                                     any
	CreatedAt                                                    any
	CreatedBy                                                    string
	UpdatedAt                                                    any
	UpdatedBy                                                    string
}

func (p *customerParams) values() []any {
	return []any{
		p.Kind, p.Name, p.NameFold, p.Industry, p.Region, p.Size, p.Stage, p.OwnerID,
		p.TaxID, p.CreditRating, p.CreditLimitAmount, p.CreditLimitCurrency, p.RiskLevel, p.BirthDate,
		p.ConsentEmailGranted, p.ConsentEmailAt, p.ConsentPhoneGranted, p.ConsentPhoneAt,
		p.ConsentSMSGranted, p.ConsentSMSAt, p.ConsentPostGranted, p.ConsentPostAt,
		p.DoNotContact, p.Source, p.TimeZone,
		p.Street, p.City, p.PostalCode, p.State, p.Country,
		p.Custom, p.ArchivedAt, p.MergedInto, p.ErasedAt,
		p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy,
	}
}

// customerParams returns the row values of c.
func (s *Store) customerParams(c *crm.Customer) (customerParams, error) {
	p := customerParams{
		Kind: string(c.Kind), Name: c.Name, NameFold: SearchKey(c.Name),
		Industry: c.Industry, Region: c.Region, Size: string(c.Size), Stage: string(c.Stage), OwnerID: c.OwnerID,
		TaxID: c.TaxID, CreditRating: c.CreditRating,
		CreditLimitCurrency: c.CreditLimit.Currency, RiskLevel: string(c.RiskLevel),
		BirthDate:           s.timeArg(c.BirthDate),
		ConsentEmailGranted: c.Consent.Email.Granted, ConsentEmailAt: s.timeArg(c.Consent.Email.At),
		ConsentPhoneGranted: c.Consent.Phone.Granted, ConsentPhoneAt: s.timeArg(c.Consent.Phone.At),
		ConsentSMSGranted: c.Consent.SMS.Granted, ConsentSMSAt: s.timeArg(c.Consent.SMS.At),
		ConsentPostGranted: c.Consent.Post.Granted, ConsentPostAt: s.timeArg(c.Consent.Post.At),
		DoNotContact: c.DoNotContact, Source: c.Source, TimeZone: c.TimeZone,
		Street: c.Address.Street, City: c.Address.City, PostalCode: c.Address.PostalCode,
		State: c.Address.State, Country: c.Address.Country,
		ArchivedAt: s.timeArg(c.ArchivedAt), MergedInto: c.MergedInto, ErasedAt: s.timeArg(c.ErasedAt),
		CreatedAt: s.timeArg(c.CreatedAt), CreatedBy: c.CreatedBy,
		UpdatedAt: s.timeArg(c.UpdatedAt), UpdatedBy: c.UpdatedBy,
	}
	if !c.CreditLimit.IsZero() {
		p.CreditLimitAmount = decimalText(c.CreditLimit.Amount)
	}
	if len(c.Custom) > 0 {
		b, err := json.Marshal(c.Custom)
		if err != nil {
			return p, fmt.Errorf("custom fields: %w", err)
		}
		p.Custom = string(b)
	}
	return p, nil
}

// decimalText formats d exactly, keeping its scale: 1234.5000 stays
// "1234.5000" (decimal's String would drop the zeros).
func decimalText(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

// scanCustomer reads one row of customerColumns.
func (s *Store) scanCustomer(r interface{ Scan(...any) error }) (*crm.Customer, error) {
	c := new(crm.Customer)
	var amount, custom sql.NullString
	err := r.Scan(&c.ID, &c.Kind, &c.Name, &c.Industry, &c.Region, &c.Size, &c.Stage, &c.OwnerID,
		&c.TaxID, &c.CreditRating, &amount, &c.CreditLimit.Currency, &c.RiskLevel, s.timeDest(&c.BirthDate),
		&c.Consent.Email.Granted, s.timeDest(&c.Consent.Email.At),
		&c.Consent.Phone.Granted, s.timeDest(&c.Consent.Phone.At),
		&c.Consent.SMS.Granted, s.timeDest(&c.Consent.SMS.At),
		&c.Consent.Post.Granted, s.timeDest(&c.Consent.Post.At),
		&c.DoNotContact, &c.Source, &c.TimeZone,
		&c.Address.Street, &c.Address.City, &c.Address.PostalCode, &c.Address.State, &c.Address.Country,
		&custom, s.timeDest(&c.ArchivedAt), &c.MergedInto, s.timeDest(&c.ErasedAt),
		s.timeDest(&c.CreatedAt), &c.CreatedBy, s.timeDest(&c.UpdatedAt), &c.UpdatedBy, &c.Version)
	if err != nil {
		return nil, err
	}
	if amount.Valid {
		// Exact: the column is read as text, never through a float.
		if c.CreditLimit.Amount, err = decimal.NewFromString(amount.String); err != nil {
			return nil, fmt.Errorf("customer %s: credit_limit_amount %q: %w", c.ID, amount.String, err)
		}
	}
	if custom.Valid {
		if err := json.Unmarshal([]byte(custom.String), &c.Custom); err != nil {
			return nil, fmt.Errorf("customer %s: custom: %w", c.ID, err)
		}
		if len(c.Custom) == 0 {
			c.Custom = nil
		}
	}
	return c, nil
}

const insertCustomer = `INSERT INTO customers (tenant_id, id,
	kind, name, name_fold, industry, region, size, stage, owner_id,
	tax_id, credit_rating, credit_limit_amount, credit_limit_currency, risk_level, birth_date,
	consent_email_granted, consent_email_at, consent_phone_granted, consent_phone_at,
	consent_sms_granted, consent_sms_at, consent_post_granted, consent_post_at,
	do_not_contact, source, time_zone,
	address_street, address_city, address_postal_code, address_state, address_country,
	custom, archived_at, merged_into, erased_at,
	created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?,
	?, ?, ?, ?, ?, ?, ?, ?,
	?, ?, ?, ?, ?, ?,
	?, ?, ?, ?,
	?, ?, ?, ?,
	?, ?, ?,
	?, ?, ?, ?, ?,
	?, ?, ?, ?,
	?, ?, ?, ?,
	?)`

// insertCustomersHead is insertCustomer up to its VALUES, for multi-row
// inserts.
var insertCustomersHead = insertCustomer[:strings.Index(insertCustomer, "VALUES")+len("VALUES ")]

// CreateCustomer stores c. It fails with an error matching
// [crm.ErrDuplicate] if a customer with c.ID exists, and with
// [crm.ErrInvalid] if c is nil or has no ID.
func (s *Store) CreateCustomer(ctx context.Context, c *crm.Customer) error {
	const op = "create customer"
	if c == nil || c.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	p, err := s.customerParams(c)
	if err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	err = s.atomically(ctx, func(q dbtx) error {
		args := append(append([]any{s.tenant(ctx), c.ID}, p.values()...), c.Version)
		if _, err := s.exec(ctx, q, insertCustomer, args...); err != nil {
			return err
		}
		return s.insertCustomerLists(ctx, q, c)
	})
	if err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	return nil
}

// CreateCustomers stores cs, all or none, in one transaction (inside
// RunInTx, one savepoint, or a check of the IDs first on a
// [SerialWriter]): the customers first, then their emails, phones
// and tags, each table with the Dialect's CopyRows if it is a [Copier],
// otherwise with multi-row INSERTs. It fails with an error matching
// [crm.ErrDuplicate] if one of their IDs is taken or repeated, and with
// [crm.ErrInvalid] if one of them is nil or has no ID.
func (s *Store) CreateCustomers(ctx context.Context, cs []*crm.Customer) error {
	const op = "create customers"
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	if len(cs) == 0 {
		return nil
	}
	const ncols = 40 // id, the columns of customerParams, version; insertRows adds the tenant
	rows := make([]any, 0, ncols*len(cs))
	var emails, phones, tags []any
	for i, c := range cs {
		if c == nil || c.ID == "" {
			return s.fail(ctx, op, fmt.Errorf("#%d: no ID: %w", i, crm.ErrInvalid))
		}
		p, err := s.customerParams(c)
		if err != nil {
			return s.fail(ctx, op+" "+c.ID, err)
		}
		rows = append(rows, c.ID)
		rows = append(rows, p.values()...)
		rows = append(rows, c.Version)
		emails = appendEmailRows(emails, c)
		phones = appendPhoneRows(phones, c)
		tags = appendTagRows(tags, c)
	}
	insert := func(q dbtx, c *txConn) error {
		if err := s.bulkInsert(ctx, q, c, insertCustomersHead, ncols, rows); err != nil {
			return err
		}
		if err := s.bulkInsert(ctx, q, c, insertCustomerEmails, 6, emails); err != nil {
			return err
		}
		if err := s.bulkInsert(ctx, q, c, insertCustomerPhones, 5, phones); err != nil {
			return err
		}
		return s.bulkInsert(ctx, q, c, insertCustomerTags, 3, tags)
	}
	if s.tx != nil && serialWrites(s.d) {
		// The write lock is held: IDs free now stay free, so a batch
		// that passes the check is written without a savepoint.
		if err := s.checkNewIDs(ctx, cs); err != nil {
			return s.fail(ctx, op, err)
		}
		if err := insert(s.q, s.tx.conn); err != nil {
			return s.fail(ctx, op, s.tx.abort(s.translate(ctx, err)))
		}
		return nil
	}
	if err := s.atomicallyOnConn(ctx, insert); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// serialWrites reports whether d is a [SerialWriter] whose transactions
// hold the write lock.
func serialWrites(d Dialect) bool {
	w, ok := d.(SerialWriter)
	return ok && w.SerialWrites()
}

// checkNewIDs fails with an error matching [crm.ErrDuplicate] if one of
// the IDs of cs is repeated in cs or taken in the store.
func (s *Store) checkNewIDs(ctx context.Context, cs []*crm.Customer) error {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return fmt.Errorf("customer %s given twice: %w", ids[i], crm.ErrDuplicate)
		}
	}
	for chunk := range s.argChunks(ids) {
		var taken string
		// IDs are unique across tenants: one another tenant holds is
		// taken too.
		err := s.queryEach(ctx, s.q, takenIDs+inList(len(chunk)), chunk, func(rows *sql.Rows) error {
			return rows.Scan(&taken)
		})
		if err != nil {
			return err
		}
		if taken != "" {
			return fmt.Errorf("customer %s exists: %w", taken, crm.ErrDuplicate)
		}
	}
	return nil
}

const findCustomerByID = `SELECT ` + customerColumns + ` FROM customers c WHERE c.id = ? AND c.tenant_id = ?`

// FindCustomerByID returns the customer id, archived and merged ones
// included, or an error matching [crm.ErrNotFound].
func (s *Store) FindCustomerByID(ctx context.Context, id string) (*crm.Customer, error) {
	return findWithLists(ctx, s, "find customer "+id, findCustomerByID, id, s.scanCustomer, s.loadCustomerLists)
}

// lockCustomer is the query of LockCustomer, with the Dialect's
// [ShareLocker] clause in place of %s.
const lockCustomer = `SELECT c.id FROM customers c WHERE c.id = ? AND c.tenant_id = ? %s`

var _ crm.CustomerLocker = (*Store)(nil)

// LockCustomer returns the customer id as [Store.FindCustomerByID] does.
// In a transaction of [Store.RunInTx] on a database whose Dialect is a
// [ShareLocker], it first takes a shared lock on the customer's row,
// held until the transaction ends, so that a concurrent write of the
// customer waits for the transaction; the read that follows sees what a
// write the lock waited for committed (READ COMMITTED: each statement
// reads the latest commits). A [SerialWriter]'s transactions need no
// lock: none runs beside another.
func (s *Store) LockCustomer(ctx context.Context, id string) (*crm.Customer, error) {
	if l, ok := s.d.(ShareLocker); ok && s.tx != nil && !serialWrites(s.d) {
		const op = "lock customer"
		if err := s.begin(ctx); err != nil {
			return nil, s.fail(ctx, op, err)
		}
		var got string
		err := s.queryRow(ctx, s.q, fmt.Sprintf(lockCustomer, l.ShareLock()), id, s.tenant(ctx)).Scan(&got)
		if err != nil {
			return nil, s.fail(ctx, op+" "+id, err)
		}
	}
	return s.FindCustomerByID(ctx, id)
}

// findWithLists returns the record id, read with query ("SELECT … WHERE
// x.id = ? AND x.tenant_id = ?") and scan, with the rows of its list
// tables read by load, in
// one read transaction; op names the operation in errors. It fails with
// an error matching [crm.ErrNotFound] if there is no such record.
func findWithLists[T any](ctx context.Context, s *Store, op, query, id string,
	scan func(interface{ Scan(...any) error }) (*T, error),
	load func(ctx context.Context, q dbtx, records []*T) error,
) (*T, error) {
	if err := s.begin(ctx); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	var v *T
	err := s.read(ctx, func(q dbtx) error {
		var err error
		if v, err = scan(s.queryRow(ctx, q, query, id, s.tenant(ctx))); err != nil {
			return err
		}
		return load(ctx, q, []*T{v})
	})
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return v, nil
}

// FindCustomers returns one page of the customers f selects, in ascending
// ID order, and the cursor of the next page ("" after the last). The
// filter is one query, with an index for every filter field; see
// [crm.CustomerFilter] for the meaning of each field, which agrees with
// [crm.CustomerFilter.Match]. UpdatedSince is compared as Match does: a
// time with nanoseconds selects customers updated at the next whole
// microsecond or later.
func (s *Store) FindCustomers(ctx context.Context, f crm.CustomerFilter) ([]*crm.Customer, crm.Cursor, error) {
	const op = "find customers"
	if err := s.begin(ctx); err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	if f.Rule != nil {
		if err := f.Rule.CheckStored(); err != nil {
			return nil, "", s.fail(ctx, op, err)
		}
	}
	var page []*crm.Customer
	err = s.read(ctx, func(q dbtx) error {
		f := f
		if none, err := s.resolveKeys(ctx, q, &f); err != nil || none {
			return err
		}
		query, args := s.findCustomersQuery(ctx, f, limit+1)
		var err error
		if page, err = collectRows(ctx, s, q, query, args, s.scanCustomer); err != nil {
			return err
		}
		// The row after the page only tells that there is a next page.
		return s.loadCustomerLists(ctx, q, page[:min(len(page), limit)])
	})
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(c *crm.Customer) crm.Cursor { return crm.Cursor(c.ID) })
	return page, next, nil
}

// maxResolvedIDs caps the customers resolveKeys turns a filter into.
const maxResolvedIDs = crm.MaxPageLimit

// The lookups of resolveKeys, whose first argument is the tenant, and of
// checkNewIDs, across tenants.
const (
	emailOwners = `SELECT customer_id FROM customer_emails WHERE tenant_id = ? AND address IN `
	phoneOwners = `SELECT customer_id FROM customer_phones WHERE tenant_id = ? AND number IN `
	existingIDs = `SELECT id FROM customers WHERE tenant_id = ? AND id IN `
	takenIDs    = `SELECT id FROM customers WHERE id IN `
)

// resolveKeys replaces the Emails and Phones conditions of f with the IDs
// of the customers having those emails or phones, read first from the
// list tables (and on an [ArgLimiter] dialect a long IDs list with the IDs
// that exist), and reports whether no customer can match. The customers
// query is then a primary-key lookup, which every database plans well —
// even on tables whose statistics are stale, as during a bulk import,
// where PostgreSQL would otherwise scan the customers table for each
// lookup. If the keys name more than maxResolvedIDs customers, f is left
// as it is, for the query's subqueries.
func (s *Store) resolveKeys(ctx context.Context, q dbtx, f *crm.CustomerFilter) (none bool, err error) {
	type key struct {
		query string
		vals  []string
	}
	keys := []key{{emailOwners, f.Emails}, {phoneOwners, f.Phones}}
	ids := f.IDs
	l, limited := s.d.(ArgLimiter)
	longIDs := limited && len(f.IDs) >= l.MaxArgs()
	if longIDs {
		// A long ID list, too, is looked up in cached chunks first.
		keys, ids = append(keys, key{existingIDs, f.IDs}), nil
	}
	if len(f.Emails) == 0 && len(f.Phones) == 0 && !longIDs {
		return false, nil
	}
	for _, k := range keys {
		if len(k.vals) == 0 {
			continue
		}
		var owners []string
		var err error
		for chunk := range s.argChunks(k.vals) {
			args := append([]any{s.tenant(ctx)}, chunk...)
			err = s.queryEach(ctx, q, k.query+inList(len(chunk)), args, func(rows *sql.Rows) error {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				owners = append(owners, id)
				return nil
			})
			if err != nil || len(owners) > maxResolvedIDs {
				break
			}
		}
		switch {
		case err != nil:
			return false, err
		case len(owners) == 0:
			return true, nil
		case len(owners) > maxResolvedIDs:
			return false, nil
		}
		if ids != nil {
			owners = slices.DeleteFunc(owners, func(id string) bool { return !slices.Contains(ids, id) })
			if len(owners) == 0 {
				return true, nil
			}
		}
		ids = owners
	}
	slices.Sort(ids)
	f.IDs, f.Emails, f.Phones = slices.Compact(ids), nil, nil
	return false, nil
}

// argChunks yields vals as query arguments, in chunks the Dialect's
// [ArgLimiter] allows, or all at once. Every chunk has the same length —
// the last is padded by repeating a value, which an IN list ignores — so
// that every chunk runs one statement, prepared once.
func (s *Store) argChunks(vals []string) iter.Seq[[]any] {
	return func(yield func([]any) bool) {
		size := len(vals)
		if l, ok := s.d.(ArgLimiter); ok {
			size = max(1, min(size, l.MaxArgs()-2)) // arguments for the tenant and another condition
		}
		for chunk := range slices.Chunk(vals, size) {
			args := anys(chunk)
			for len(args) < size {
				args = append(args, args[len(args)-1])
			}
			if !yield(args) {
				return
			}
		}
	}
}

// The conditions of findCustomersQuery.
const (
	customersSelect       = `SELECT ` + customerColumns + ` FROM customers c`
	customersTenant       = `c.tenant_id = ?`
	customersAfter        = `c.id > ?`
	customersLive         = `c.archived_at IS NULL`
	customersUpdatedSince = `c.updated_at >= ?`
	customersWithTag      = `c.id IN (SELECT customer_id FROM customer_tags WHERE tag = ?)`
	customersWithEmail    = `c.id IN (SELECT customer_id FROM customer_emails WHERE address IN `
	customersWithPhone    = `c.id IN (SELECT customer_id FROM customer_phones WHERE number IN `
	customersOrder        = ` ORDER BY c.id LIMIT ?`
)

// findCustomersQuery returns the query selecting the first n customers f
// selects after f.After, and its arguments.
func (s *Store) findCustomersQuery(ctx context.Context, f crm.CustomerFilter, n int) (string, []any) {
	var w where
	w.add(customersTenant, s.tenant(ctx))
	if f.After != "" {
		w.add(customersAfter, string(f.After))
	}
	if !f.IncludeArchived {
		w.add(customersLive)
	}
	whereIn(&w, "c.owner_id", f.Owners)
	whereIn(&w, "c.stage", f.Stages)
	whereIn(&w, "c.industry", f.Industries)
	whereIn(&w, "c.region", f.Regions)
	whereIn(&w, "c.kind", f.Kinds)
	if !f.UpdatedSince.IsZero() {
		// Stored times are whole microseconds: "at or after" a time
		// with nanoseconds starts at the next microsecond.
		since := crm.Timestamp(f.UpdatedSince)
		if since.Before(f.UpdatedSince) {
			since = since.Add(time.Microsecond)
		}
		w.add(customersUpdatedSince, s.d.TimeArg(since))
	}
	whereIn(&w, "c.id", f.IDs)
	whereIn(&w, "c.tax_id", f.TaxIDs)
	if len(f.Emails) > 0 {
		w.add(customersWithEmail+inList(len(f.Emails))+")", anys(f.Emails)...)
	}
	if len(f.Phones) > 0 {
		w.add(customersWithPhone+inList(len(f.Phones))+")", anys(f.Phones)...)
	}
	tags := slices.Clone(f.Tags)
	slices.Sort(tags)
	for _, tag := range slices.Compact(tags) {
		w.add(customersWithTag, tag)
	}
	if f.Rule != nil {
		cond, args := s.ruleSQL(*f.Rule)
		w.add(cond, args...)
	}
	if f.Search != "" {
		key := SearchKey(f.Search)
		byName, nameArgs := s.d.PrefixMatch("name_fold", key)
		byEmail, emailArgs := s.d.PrefixMatch("address_fold", key)
		w.add("c.id IN (SELECT id FROM customers WHERE "+byName+
			" UNION SELECT customer_id FROM customer_emails WHERE "+byEmail+")",
			append(nameArgs, emailArgs...)...)
	}
	return customersSelect + w.String() + customersOrder, append(w.args, n)
}

const (
	updateCustomer = `UPDATE customers SET
	kind = ?, name = ?, name_fold = ?, industry = ?, region = ?, size = ?, stage = ?, owner_id = ?,
	tax_id = ?, credit_rating = ?, credit_limit_amount = ?, credit_limit_currency = ?, risk_level = ?, birth_date = ?,
	consent_email_granted = ?, consent_email_at = ?, consent_phone_granted = ?, consent_phone_at = ?,
	consent_sms_granted = ?, consent_sms_at = ?, consent_post_granted = ?, consent_post_at = ?,
	do_not_contact = ?, source = ?, time_zone = ?,
	address_street = ?, address_city = ?, address_postal_code = ?, address_state = ?, address_country = ?,
	custom = ?, archived_at = ?, merged_into = ?, erased_at = ?,
	created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	customerVersion = `SELECT version FROM customers WHERE id = ? AND tenant_id = ?`
)

// UpdateCustomer replaces the stored customer c.ID with c if the stored
// Version equals c.Version, storing and setting c.Version+1. It fails with
// an error matching [crm.ErrConflict] if the versions differ and
// [crm.ErrNotFound] if there is no such customer, changing nothing
// (c.Version included).
func (s *Store) UpdateCustomer(ctx context.Context, c *crm.Customer) error {
	const op = "update customer"
	if c == nil {
		return s.fail(ctx, op, fmt.Errorf("nil customer: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	p, err := s.customerParams(c)
	if err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	err = s.updateVersioned(ctx, updateCustomer, customerVersion, c.ID, c.Version, p.values(), func(q dbtx) error {
		return s.replaceCustomerLists(ctx, q, c)
	})
	if err != nil {
		return s.fail(ctx, op+" "+c.ID, err)
	}
	c.Version++
	return nil
}

// updateVersioned runs update, an "UPDATE … SET …, version = version + 1
// WHERE id = ? AND version = ? AND tenant_id = ?" of the record id, with
// args followed by id, version and the tenant, under the version rule of
// [Store.UpdateCustomer], and then
// also (unless nil) in the same transaction or savepoint, for the
// record's other tables. A stale version is caught by precheckVersion
// before the transaction, the race after it by execVersioned.
func (s *Store) updateVersioned(ctx context.Context, update, versionQuery, id string, version int64, args []any, also func(q dbtx) error) error {
	if err := s.precheckVersion(ctx, versionQuery, id, version); err != nil {
		return err
	}
	return s.atomically(ctx, func(q dbtx) error {
		if err := s.execVersioned(ctx, q, update, versionQuery, id, version, args...); err != nil {
			return err
		}
		if also == nil {
			return nil
		}
		return also(q)
	})
}

// precheckVersion fails as execVersioned would if the record id is
// missing or not at version already, before a write transaction is begun:
// a stale update then costs one read, without waiting for the write lock.
// Versions only grow, so a stale version found now stays stale. Inside
// RunInTx it does nothing: the write follows at once.
func (s *Store) precheckVersion(ctx context.Context, versionQuery, id string, version int64) error {
	if s.tx != nil {
		return nil
	}
	var stored int64
	if err := s.queryRow(ctx, s.db, versionQuery, id, s.tenant(ctx)).Scan(&stored); err != nil {
		return err
	}
	if stored != version {
		return fmt.Errorf("version %d, stored %d: %w", version, stored, crm.ErrConflict)
	}
	return nil
}

// execVersioned runs stmt, an UPDATE or DELETE of the record id ending in
// "WHERE id = ? AND version = ? AND tenant_id = ?", on q with args
// followed by id, version and the tenant. If it touches no row it tells
// why, with versionQuery ("SELECT version FROM … WHERE id = ? AND
// tenant_id = ?"): crm.ErrNotFound if there is no record in the tenant,
// crm.ErrConflict if its version differs. That read happens only on
// failure, so a successful write costs one statement.
func (s *Store) execVersioned(ctx context.Context, q dbtx, stmt, versionQuery, id string, version int64, args ...any) error {
	tenant := s.tenant(ctx)
	res, err := s.exec(ctx, q, stmt, append(args, id, version, tenant)...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var stored int64
	if err := s.queryRow(ctx, q, versionQuery, id, tenant).Scan(&stored); err != nil {
		return err // sql.ErrNoRows becomes crm.ErrNotFound
	}
	return fmt.Errorf("version %d, stored %d: %w", version, stored, crm.ErrConflict)
}

const (
	insertCustomerEmails = `INSERT INTO customer_emails (tenant_id, customer_id, position, address, address_fold, label, is_primary) VALUES `
	insertCustomerPhones = `INSERT INTO customer_phones (tenant_id, customer_id, position, number, label, is_primary) VALUES `
	insertCustomerTags   = `INSERT INTO customer_tags (tenant_id, customer_id, position, tag) VALUES `
)

// insertCustomerLists stores the emails, phones and tags of c, which has
// none stored.
func (s *Store) insertCustomerLists(ctx context.Context, q dbtx, c *crm.Customer) error {
	if err := s.insertCustomerEmails(ctx, q, c); err != nil {
		return err
	}
	if err := s.insertCustomerPhones(ctx, q, c); err != nil {
		return err
	}
	return s.insertCustomerTags(ctx, q, c)
}

func (s *Store) insertCustomerEmails(ctx context.Context, q dbtx, c *crm.Customer) error {
	return s.insertRows(ctx, q, insertCustomerEmails, 6, appendEmailRows(nil, c))
}

func (s *Store) insertCustomerPhones(ctx context.Context, q dbtx, c *crm.Customer) error {
	return s.insertRows(ctx, q, insertCustomerPhones, 5, appendPhoneRows(nil, c))
}

func (s *Store) insertCustomerTags(ctx context.Context, q dbtx, c *crm.Customer) error {
	return s.insertRows(ctx, q, insertCustomerTags, 3, appendTagRows(nil, c))
}

// appendEmailRows, appendPhoneRows and appendTagRows append the row
// values of c's emails, phones and tags, in the column order of
// insertCustomerEmails, insertCustomerPhones and insertCustomerTags.
func appendEmailRows(dst []any, c *crm.Customer) []any {
	for i, e := range c.Emails {
		dst = append(dst, c.ID, i, e.Address, SearchKey(e.Address), e.Label, e.Primary)
	}
	return dst
}

func appendPhoneRows(dst []any, c *crm.Customer) []any {
	for i, p := range c.Phones {
		dst = append(dst, c.ID, i, p.Number, p.Label, p.Primary)
	}
	return dst
}

func appendTagRows(dst []any, c *crm.Customer) []any {
	for i, t := range c.Tags {
		dst = append(dst, c.ID, i, t)
	}
	return dst
}

const (
	deleteCustomerEmails = `DELETE FROM customer_emails WHERE customer_id = ? AND tenant_id = ?`
	deleteCustomerPhones = `DELETE FROM customer_phones WHERE customer_id = ? AND tenant_id = ?`
	deleteCustomerTags   = `DELETE FROM customer_tags WHERE customer_id = ? AND tenant_id = ?`
)

// replaceCustomerLists makes the stored emails, phones and tags of c.ID
// those of c. It reads the stored lists and rewrites only those that
// differ, so that an update leaving the lists alone, the usual one, costs
// one read.
func (s *Store) replaceCustomerLists(ctx context.Context, q dbtx, c *crm.Customer) error {
	old := &crm.Customer{ID: c.ID}
	if err := s.loadCustomerLists(ctx, q, []*crm.Customer{old}); err != nil {
		return err
	}
	replace := func(same bool, del string, insert func(context.Context, dbtx, *crm.Customer) error) error {
		if same {
			return nil
		}
		if _, err := s.exec(ctx, q, del, c.ID, s.tenant(ctx)); err != nil {
			return err
		}
		return insert(ctx, q, c)
	}
	if err := replace(slices.Equal(old.Emails, c.Emails), deleteCustomerEmails, s.insertCustomerEmails); err != nil {
		return err
	}
	if err := replace(slices.Equal(old.Phones, c.Phones), deleteCustomerPhones, s.insertCustomerPhones); err != nil {
		return err
	}
	return replace(slices.Equal(old.Tags, c.Tags), deleteCustomerTags, s.insertCustomerTags)
}

// The parts of the query loadCustomerLists runs: the emails, phones and
// tags of several customers in one result, told apart by the second
// column (0, 1, 2) and ordered by customer and position.
const (
	selectCustomerEmails = `SELECT customer_id, 0, position, address, label, is_primary FROM customer_emails WHERE tenant_id = ? AND customer_id IN `
	selectCustomerPhones = ` UNION ALL SELECT customer_id, 1, position, number, label, is_primary FROM customer_phones WHERE tenant_id = ? AND customer_id IN `
	selectCustomerTags   = ` UNION ALL SELECT customer_id, 2, position, tag, '', FALSE FROM customer_tags WHERE tenant_id = ? AND customer_id IN `
	orderLists           = ` ORDER BY 1, 2, 3`
)

// loadCustomerLists reads the emails, phones and tags of cs, in the order
// stored, with one query.
func (s *Store) loadCustomerLists(ctx context.Context, q dbtx, cs []*crm.Customer) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*crm.Customer, len(cs))
	ids := make([]any, 1, len(cs)+1)
	ids[0] = s.tenant(ctx)
	for _, c := range cs {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	in := inList(len(ids) - 1)
	query := selectCustomerEmails + in + selectCustomerPhones + in + selectCustomerTags + in + orderLists
	args := slices.Concat(ids, ids, ids)
	return s.queryEach(ctx, q, query, args, func(rows *sql.Rows) error {
		var (
			id, text, label string
			list, position  int64
			primary         bool
		)
		if err := rows.Scan(&id, &list, &position, &text, &label, &primary); err != nil {
			return err
		}
		c := byID[id]
		if c == nil {
			return nil
		}
		switch list {
		case 0:
			c.Emails = append(c.Emails, crm.Email{Address: text, Label: label, Primary: primary})
		case 1:
			c.Phones = append(c.Phones, crm.Phone{Number: text, Label: label, Primary: primary})
		default:
			c.Tags = append(c.Tags, text)
		}
		return nil
	})
}

// where builds the WHERE clause of a query from conditions joined by AND.
type where struct {
	conds []string
	args  []any
}

// add adds the condition cond, with placeholders for args.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// String returns " WHERE cond AND cond …", or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// whereIn adds "column IN (…)" for vals, unless vals is empty.
func whereIn[T ~string](w *where, column string, vals []T) {
	if len(vals) == 0 {
		return
	}
	w.add(column+" IN "+inList(len(vals)), anys(vals)...)
}

// anys returns vals as arguments of a query.
func anys[T ~string](vals []T) []any {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = string(v)
	}
	return args
}

// inList returns "(?, ?, …)" with n placeholders.
func inList(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// maxInsertRows caps the rows of one multi-row INSERT, keeping its
// placeholders well below every database's limit.
const maxInsertRows = 500

// insertRows inserts rows of ncols values each, given one after another
// in args, with multi-row INSERTs that start with head ("INSERT INTO t
// (tenant_id, …) VALUES "). The first column of head is tenant_id, which
// insertRows fills with the tenant of ctx: args hold the other ncols
// values of each row.
func (s *Store) insertRows(ctx context.Context, q dbtx, head string, ncols int, args []any) error {
	tenant := s.tenant(ctx)
	tuple := inList(ncols + 1)
	perInsert := maxInsertRows
	if l, ok := s.d.(ArgLimiter); ok {
		perInsert = max(1, min(perInsert, l.MaxArgs()/(ncols+1)))
	}
	var vals []any
	for len(args) > 0 {
		n := min(len(args)/ncols, perInsert)
		var b strings.Builder
		b.WriteString(head)
		vals = vals[:0]
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
			vals = append(vals, tenant)
			vals = append(vals, args[i*ncols:(i+1)*ncols]...)
		}
		if _, err := s.exec(ctx, q, b.String(), vals...); err != nil {
			return err
		}
		args = args[n*ncols:]
	}
	return nil
}

// bulkInsert inserts rows as insertRows does, in the transaction q that
// runs on c: with the Dialect's CopyRows if it is a [Copier] that does
// not decline, otherwise with insertRows.
func (s *Store) bulkInsert(ctx context.Context, q dbtx, c *txConn, head string, ncols int, args []any) error {
	copier, ok := s.d.(Copier)
	if !ok || len(args) == 0 {
		return s.insertRows(ctx, q, head, ncols, args)
	}
	tenant := s.tenant(ctx)
	rows := make([][]any, len(args)/ncols)
	for i := range rows {
		rows[i] = append([]any{tenant}, args[i*ncols:(i+1)*ncols]...)
	}

	table, columns := insertTarget(head)
	n, err := c.copyRows(ctx, copier, table, columns, rows)
	switch {
	case errors.Is(err, driver.ErrSkip):
		return s.insertRows(ctx, q, head, ncols, args)
	case err != nil:
		return err
	case n != int64(len(rows)):
		return fmt.Errorf("copy into %s: %d of %d rows copied", table, n, len(rows))
	}
	return nil
}

// insertTarget returns the table and the columns of head, the start of
// a multi-row INSERT as insertRows takes it ("INSERT INTO t (a, b)
// VALUES "), so that a Copier loads the same columns.
func insertTarget(head string) (table string, columns []string) {
	table, rest, _ := strings.Cut(strings.TrimPrefix(head, "INSERT INTO "), " (")
	list, _, _ := strings.Cut(rest, ")")
	for col := range strings.SplitSeq(list, ",") {
		columns = append(columns, strings.TrimSpace(col))
	}
	return table, columns
}

// queryEach runs query (with "?" placeholders) and calls scan for each
// row, closing the rows before it returns.
func (s *Store) queryEach(ctx context.Context, q dbtx, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := s.query(ctx, q, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// collectRows runs query (with "?" placeholders) on q and returns every
// row read with scan, closing the rows before it returns.
func collectRows[T any](ctx context.Context, s *Store, q dbtx, query string, args []any,
	scan func(interface{ Scan(...any) error }) (T, error),
) ([]T, error) {
	var all []T
	err := s.queryEach(ctx, q, query, args, func(rows *sql.Rows) error {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		all = append(all, v)
		return nil
	})
	return all, err
}

// cutPage returns page, read with a limit of limit+1, cut to limit, and
// the cursor of the next page, cursor of the last entry kept; or page as
// it is and "" if it holds no more than limit, the last page. The row
// after the page only tells that there is a next page.
func cutPage[T any](page []T, limit int, cursor func(last T) crm.Cursor) ([]T, crm.Cursor) {
	if len(page) <= limit {
		return page, ""
	}
	page = page[:limit]
	return page, cursor(page[limit-1])
}

// timeArg returns the value to bind for t: NULL for the zero time,
// otherwise t in UTC at microsecond precision as the dialect binds it.
func (s *Store) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return s.d.TimeArg(crm.Timestamp(t))
}

// timeDest returns a destination for Scan that reads a time column into
// *t: the zero time for NULL, otherwise UTC at microsecond precision.
func (s *Store) timeDest(t *time.Time) sql.Scanner { return timeScanner{d: s.d, t: t} }

type timeScanner struct {
	d Dialect
	t *time.Time
}

func (ts timeScanner) Scan(src any) error {
	if src == nil {
		*ts.t = time.Time{}
		return nil
	}
	t, err := ts.d.ParseTime(src)
	if err != nil {
		return err
	}
	*ts.t = crm.Timestamp(t)
	return nil
}
