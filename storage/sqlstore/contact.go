package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// contactColumns are the columns of a contact as scanContact reads them,
// from the table aliased ct.
const contactColumns = `ct.id, ct.customer_id, ct.name, ct.job_title, ct.role,
	ct.created_at, ct.created_by, ct.updated_at, ct.updated_by, ct.version`

// contactParams are the values of a contact's row, but its ID and Version,
// in the order of the columns of insertContact and updateContact.
type contactParams struct {
	CustomerID, Name, JobTitle, Role string
	CreatedAt                        any
	CreatedBy                        string
	UpdatedAt                        any
	UpdatedBy                        string
}

func (p *contactParams) values() []any {
	return []any{p.CustomerID, p.Name, p.JobTitle, p.Role, p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy}
}

func (s *Store) contactParams(ct *crm.Contact) contactParams {
	return contactParams{
		CustomerID: ct.CustomerID, Name: ct.Name, JobTitle: ct.JobTitle, Role: string(ct.Role),
		CreatedAt: s.timeArg(ct.CreatedAt), CreatedBy: ct.CreatedBy,
		UpdatedAt: s.timeArg(ct.UpdatedAt), UpdatedBy: ct.UpdatedBy,
	}
}

// scanContact reads one row of contactColumns.
func (s *Store) scanContact(r interface{ Scan(...any) error }) (*crm.Contact, error) {
	ct := new(crm.Contact)
	err := r.Scan(&ct.ID, &ct.CustomerID, &ct.Name, &ct.JobTitle, &ct.Role,
		s.timeDest(&ct.CreatedAt), &ct.CreatedBy, s.timeDest(&ct.UpdatedAt), &ct.UpdatedBy, &ct.Version)
	if err != nil {
		return nil, err
	}
	return ct, nil
}

const insertContact = `INSERT INTO contacts (tenant_id, id,
	customer_id, name, job_title, role, created_at, created_by, updated_at, updated_by,
	version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateContact stores ct. It fails with an error matching
// [crm.ErrDuplicate] if a contact with ct.ID exists, with [crm.ErrNotFound]
// if ct.CustomerID names no customer (the foreign key says so), and with
// [crm.ErrInvalid] if ct is nil or has no ID.
func (s *Store) CreateContact(ctx context.Context, ct *crm.Contact) error {
	const op = "create contact"
	if ct == nil || ct.ID == "" {
		return s.fail(ctx, op, fmt.Errorf("no ID: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+ct.ID, err)
	}
	p := s.contactParams(ct)
	args := append(append([]any{s.tenant(ctx), ct.ID}, p.values()...), ct.Version)
	err := s.insertWithLists(ctx, insertContact, args, []parent{{customersTable, ct.CustomerID}}, func(q dbtx) error {
		return s.insertContactLists(ctx, q, ct)
	})
	if err != nil {
		return s.fail(ctx, op+" "+ct.ID, err)
	}
	return nil
}

// insertWithLists runs insert, the INSERT of a record's row, with args,
// then checks that the parents the record names are in the tenant, and
// then runs lists, which stores the rows of the record's other tables,
// all or nothing (see atomically). A parent that does not exist fails the
// INSERT, on its foreign key; one of another tenant fails the check,
// which undoes the INSERT.
func (s *Store) insertWithLists(ctx context.Context, insert string, args []any, parents []parent, lists func(q dbtx) error) error {
	return s.atomically(ctx, func(q dbtx) error {
		if _, err := s.exec(ctx, q, insert, args...); err != nil {
			return err
		}
		if err := s.checkParents(ctx, q, parents...); err != nil {
			return err
		}
		if lists == nil {
			return nil
		}
		return lists(q)
	})
}

const findContactByID = `SELECT ` + contactColumns + ` FROM contacts ct WHERE ct.id = ? AND ct.tenant_id = ?`

// FindContactByID returns the contact id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindContactByID(ctx context.Context, id string) (*crm.Contact, error) {
	return findWithLists(ctx, s, "find contact "+id, findContactByID, id, s.scanContact, s.loadContactLists)
}

const (
	contactsSelect     = `SELECT ` + contactColumns + ` FROM contacts ct`
	contactsTenant     = `ct.tenant_id = ?`
	contactsOfCustomer = `ct.customer_id = ?`
	contactsAfter      = `ct.id > ?`
	contactsOrder      = ` ORDER BY ct.id LIMIT ?`
)

// FindContacts returns one page of the contacts f selects, in ascending ID
// order, and the cursor of the next page ("" after the last), with the
// limits of [Store.FindCustomers]. A CustomerID that names no customer
// selects nothing.
func (s *Store) FindContacts(ctx context.Context, f crm.ContactFilter) ([]*crm.Contact, crm.Cursor, error) {
	const op = "find contacts"
	if err := s.begin(ctx); err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	limit, err := pageLimit(f.Limit)
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	var w where
	w.add(contactsTenant, s.tenant(ctx))
	if f.CustomerID != "" {
		w.add(contactsOfCustomer, f.CustomerID)
	}
	if f.After != "" {
		w.add(contactsAfter, string(f.After))
	}
	query := contactsSelect + w.String() + contactsOrder
	args := append(w.args, limit+1)

	var page []*crm.Contact
	err = s.read(ctx, func(q dbtx) error {
		var err error
		if page, err = collectRows(ctx, s, q, query, args, s.scanContact); err != nil {
			return err
		}
		return s.loadContactLists(ctx, q, page[:min(len(page), limit)])
	})
	if err != nil {
		return nil, "", s.fail(ctx, op, err)
	}
	page, next := cutPage(page, limit, func(ct *crm.Contact) crm.Cursor { return crm.Cursor(ct.ID) })
	return page, next, nil
}

const (
	updateContact = `UPDATE contacts SET
	customer_id = ?, name = ?, job_title = ?, role = ?, created_at = ?, created_by = ?, updated_at = ?, updated_by = ?,
	version = version + 1
WHERE id = ? AND version = ? AND tenant_id = ?`
	contactVersion = `SELECT version FROM contacts WHERE id = ? AND tenant_id = ?`
)

// UpdateContact replaces the stored contact ct.ID with ct under the
// version rule of [Store.UpdateCustomer]. It fails with [crm.ErrNotFound]
// also if ct.CustomerID names no customer.
func (s *Store) UpdateContact(ctx context.Context, ct *crm.Contact) error {
	const op = "update contact"
	if ct == nil {
		return s.fail(ctx, op, fmt.Errorf("nil contact: %w", crm.ErrInvalid))
	}
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op+" "+ct.ID, err)
	}
	p := s.contactParams(ct)
	err := s.updateParented(ctx, updateContact, contactVersion, ct.ID, ct.Version, p.values(),
		[]parent{{customersTable, ct.CustomerID}}, func(q dbtx) error {
			return s.replaceContactLists(ctx, q, ct)
		})
	if err != nil {
		return s.fail(ctx, op+" "+ct.ID, err)
	}
	ct.Version++
	return nil
}

const deleteContact = `DELETE FROM contacts WHERE id = ? AND version = ? AND tenant_id = ?`

// DeleteContact removes the contact id, with its emails and phones, if its
// stored Version equals version. It fails with an error matching
// [crm.ErrNotFound] if there is no such contact and [crm.ErrConflict] if
// the version is stale.
func (s *Store) DeleteContact(ctx context.Context, id string, version int64) error {
	op := "delete contact " + id
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		// The emails and phones go with the row: ON DELETE CASCADE.
		return s.execVersioned(ctx, q, deleteContact, contactVersion, id, version)
	})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

const moveContacts = `UPDATE contacts SET customer_id = ?, updated_at = ?, updated_by = ?, version = version + 1
WHERE customer_id = ? AND tenant_id = ?`

// The tables a record may name as its parent, for parent.
const (
	customersTable     = "customers"
	ordersTable        = "orders"
	pipelinesTable     = "pipelines"
	surveysTable       = "surveys"
	segmentsTable      = "segments"
	opportunitiesTable = "opportunities"
	casesTable         = "cases"
)

// parent is a record another one names, by table and ID, such as the
// customer of a contact.
type parent struct{ table, id string }

// checkParents fails with an error matching crm.ErrNotFound unless each
// of parents is a record of the tenant of ctx. The foreign keys check
// that a parent exists, in any tenant; this keeps a record of one tenant
// from naming one of another. IDs are unique across tenants and a
// record's tenant never changes, so a parent found now stays in the
// tenant until it is deleted, which its foreign key then refuses.
func (s *Store) checkParents(ctx context.Context, q dbtx, parents ...parent) error {
	for _, p := range parents {
		var one int
		query := `SELECT 1 FROM ` + p.table + ` WHERE id = ? AND tenant_id = ?`
		if err := s.queryRow(ctx, q, query, p.id, s.tenant(ctx)).Scan(&one); err != nil {
			return fmt.Errorf("%s %s: %w", strings.TrimSuffix(p.table, "s"), p.id, s.translate(ctx, err))
		}
	}
	return nil
}

// updateParented is updateVersioned for a record that names parents,
// which it checks first, in the transaction of the update.
func (s *Store) updateParented(ctx context.Context, update, versionQuery, id string, version int64, args []any, parents []parent, also func(q dbtx) error) error {
	return s.updateVersioned(ctx, update, versionQuery, id, version, args, func(q dbtx) error {
		if err := s.checkParents(ctx, q, parents...); err != nil {
			return err
		}
		if also == nil {
			return nil
		}
		return also(q)
	})
}

// MoveContacts re-points every contact of customer fromID to customer
// toID, stamping each with UpdatedAt at, UpdatedBy by and a Version one
// higher, and returns how many it moved, in one statement. It fails with
// [crm.ErrNotFound] if toID names no customer. When fromID equals toID
// the contacts stay where they are but are stamped and counted all the
// same.
func (s *Store) MoveContacts(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	return s.moveToCustomer(ctx, "contacts", moveContacts, fromID, toID, at, by)
}

// moveToCustomer runs move, an "UPDATE t SET customer_id = ?, updated_at
// = ?, updated_by = ?, version = version + 1 WHERE customer_id = ? AND
// tenant_id = ?" that
// re-points the records (what, for the error) of customer fromID to
// customer toID, after checking in the same transaction that toID names a
// customer, and returns how many rows it changed. It fails with
// [crm.ErrNotFound] if toID names no customer.
func (s *Store) moveToCustomer(ctx context.Context, what, move, fromID, toID string, at time.Time, by string) (int, error) {
	op := fmt.Sprintf("move %s %s to %s", what, fromID, toID)
	if err := s.begin(ctx); err != nil {
		return 0, s.fail(ctx, op, err)
	}
	var n int64
	err := s.atomically(ctx, func(q dbtx) error {
		if err := s.checkParents(ctx, q, parent{customersTable, toID}); err != nil {
			return err
		}
		res, err := s.exec(ctx, q, move, toID, s.timeArg(at), by, fromID, s.tenant(ctx))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, s.fail(ctx, op, err)
	}
	return int(n), nil
}

// moveOne runs move, an "UPDATE … SET customer_id = ?, updated_at = ?,
// updated_by = ?, version = version + 1 WHERE id = ? AND version = ? AND
// tenant_id = ?",
// re-pointing the one record id (of kind what, for the error) to customer
// toID under the version rule of [Store.UpdateCustomer], after checking
// in the same transaction that toID names a customer; versionQuery reads
// the record's version. It fails with [crm.ErrNotFound] if there is no
// such record or customer, and with [crm.ErrConflict] if the version is
// stale.
func (s *Store) moveOne(ctx context.Context, what, move, versionQuery, id string, version int64, toID string, at time.Time, by string) error {
	op := fmt.Sprintf("move %s %s to %s", what, id, toID)
	if err := s.begin(ctx); err != nil {
		return s.fail(ctx, op, err)
	}
	if err := s.precheckVersion(ctx, versionQuery, id, version); err != nil {
		return s.fail(ctx, op, err)
	}
	err := s.atomically(ctx, func(q dbtx) error {
		if err := s.checkParents(ctx, q, parent{customersTable, toID}); err != nil {
			return err
		}
		return s.execVersioned(ctx, q, move, versionQuery, id, version, toID, s.timeArg(at), by)
	})
	if err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

const (
	insertContactEmails = `INSERT INTO contact_emails (tenant_id, contact_id, position, address, label, is_primary) VALUES `
	insertContactPhones = `INSERT INTO contact_phones (tenant_id, contact_id, position, number, label, is_primary) VALUES `
)

// insertContactLists stores the emails and phones of ct, which has none
// stored.
func (s *Store) insertContactLists(ctx context.Context, q dbtx, ct *crm.Contact) error {
	if err := s.insertContactEmails(ctx, q, ct); err != nil {
		return err
	}
	return s.insertContactPhones(ctx, q, ct)
}

func (s *Store) insertContactEmails(ctx context.Context, q dbtx, ct *crm.Contact) error {
	rows := make([]any, 0, 5*len(ct.Emails))
	for i, e := range ct.Emails {
		rows = append(rows, ct.ID, i, e.Address, e.Label, e.Primary)
	}
	return s.insertRows(ctx, q, insertContactEmails, 5, rows)
}

func (s *Store) insertContactPhones(ctx context.Context, q dbtx, ct *crm.Contact) error {
	rows := make([]any, 0, 5*len(ct.Phones))
	for i, p := range ct.Phones {
		rows = append(rows, ct.ID, i, p.Number, p.Label, p.Primary)
	}
	return s.insertRows(ctx, q, insertContactPhones, 5, rows)
}

const (
	deleteContactEmails = `DELETE FROM contact_emails WHERE contact_id = ? AND tenant_id = ?`
	deleteContactPhones = `DELETE FROM contact_phones WHERE contact_id = ? AND tenant_id = ?`
)

// replaceContactLists makes the stored emails and phones of ct.ID those of
// ct, rewriting only a list that differs.
func (s *Store) replaceContactLists(ctx context.Context, q dbtx, ct *crm.Contact) error {
	old := &crm.Contact{ID: ct.ID}
	if err := s.loadContactLists(ctx, q, []*crm.Contact{old}); err != nil {
		return err
	}
	replace := func(same bool, del string, insert func(context.Context, dbtx, *crm.Contact) error) error {
		if same {
			return nil
		}
		if _, err := s.exec(ctx, q, del, ct.ID, s.tenant(ctx)); err != nil {
			return err
		}
		return insert(ctx, q, ct)
	}
	if err := replace(slices.Equal(old.Emails, ct.Emails), deleteContactEmails, s.insertContactEmails); err != nil {
		return err
	}
	return replace(slices.Equal(old.Phones, ct.Phones), deleteContactPhones, s.insertContactPhones)
}

// The parts of the query loadContactLists runs, as for customers.
const (
	selectContactEmails = `SELECT contact_id, 0, position, address, label, is_primary FROM contact_emails WHERE tenant_id = ? AND contact_id IN `
	selectContactPhones = ` UNION ALL SELECT contact_id, 1, position, number, label, is_primary FROM contact_phones WHERE tenant_id = ? AND contact_id IN `
)

// loadContactLists reads the emails and phones of cts, in the order
// stored, with one query.
func (s *Store) loadContactLists(ctx context.Context, q dbtx, cts []*crm.Contact) error {
	if len(cts) == 0 {
		return nil
	}
	byID := make(map[string]*crm.Contact, len(cts))
	ids := make([]any, 1, len(cts)+1)
	ids[0] = s.tenant(ctx)
	for _, ct := range cts {
		byID[ct.ID] = ct
		ids = append(ids, ct.ID)
	}
	in := inList(len(ids) - 1)

	query := selectContactEmails + in + selectContactPhones + in + orderLists
	return s.queryEach(ctx, q, query, slices.Concat(ids, ids), func(rows *sql.Rows) error {
		var (
			id, text, label string
			list, position  int64
			primary         bool
		)
		if err := rows.Scan(&id, &list, &position, &text, &label, &primary); err != nil {
			return err
		}
		ct := byID[id]
		if ct == nil {
			return nil
		}
		if list == 0 {
			ct.Emails = append(ct.Emails, crm.Email{Address: text, Label: label, Primary: primary})
		} else {
			ct.Phones = append(ct.Phones, crm.Phone{Number: text, Label: label, Primary: primary})
		}
		return nil
	})
}
