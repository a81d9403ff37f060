package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
)

// ContactRole is the part a contact plays in buying decisions.
type ContactRole string

// Contact roles.
const (
	RoleDecisionMaker ContactRole = "decision-maker"
	RoleInfluencer    ContactRole = "influencer"
	RoleFinance       ContactRole = "finance"
	RolePurchasing    ContactRole = "purchasing"
	RoleTechnical     ContactRole = "technical"
	RoleUser          ContactRole = "user"
	RoleOther         ContactRole = "other"
)

// Valid reports whether r is a known role.
func (r ContactRole) Valid() bool {
	switch r {
	case RoleDecisionMaker, RoleInfluencer, RoleFinance, RolePurchasing, RoleTechnical, RoleUser, RoleOther:
		return true
	}
	return false
}

// Contact is a person at an organisation customer.
type Contact struct {
	// ID is set by the Client when the contact is added.
	ID string
	// CustomerID is the organisation the contact works for; required.
	CustomerID string
	// Name is the person's full name; required.
	Name     string
	JobTitle string
	Role     ContactRole
	Emails   []Email
	Phones   []Phone

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record.
	Version int64
}

// PrimaryEmail returns the primary email address, or "".
func (ct *Contact) PrimaryEmail() string { return primaryEmail(ct.Emails) }

// PrimaryPhone returns the primary phone number, or "".
func (ct *Contact) PrimaryPhone() string { return primaryPhone(ct.Phones) }

// Clone returns a deep copy of ct that shares no slice with it.
func (ct *Contact) Clone() *Contact {
	if ct == nil {
		return nil
	}
	d := *ct
	d.Emails = slices.Clone(ct.Emails)
	d.Phones = slices.Clone(ct.Phones)
	return &d
}

// normalizeContact trims and canonicalises ct in place, recording problems
// in verr. region completes phone numbers.
func normalizeContact(ct *Contact, region string, verr *ValidationError) {
	ct.CustomerID = strings.TrimSpace(ct.CustomerID)
	if ct.CustomerID == "" {
		verr.add("customer_id", "required")
	}
	ct.Name = strings.TrimSpace(ct.Name)
	checkText(verr, "name", ct.Name, maxNameLen, true)
	ct.JobTitle = strings.TrimSpace(ct.JobTitle)
	checkText(verr, "job_title", ct.JobTitle, maxTextLen, false)
	if ct.Role != "" && !ct.Role.Valid() {
		verr.add("role", "unknown role %q", ct.Role)
	}
	ct.Emails = normalizeEmails(ct.Emails, verr)
	ct.Phones = normalizePhones(ct.Phones, region, verr)
}

// contactOwner loads the customer a contact belongs to and checks it can
// have contacts: live, and an organisation.
func contactOwner(ctx context.Context, tx Store, customerID string) (*Customer, error) {
	cust, err := loadParent(ctx, tx, customerID)
	if err != nil {
		return nil, err
	}
	if cust.Kind != KindOrganization {
		return nil, &ValidationError{Entity: "contact", Fields: []FieldError{{Field: "customer_id", Reason: "names a person; contacts belong to organisations"}}}
	}
	return cust, nil
}

// phoneRegion is the region that completes the phone numbers of cust and
// its contacts.
func (c *Client) phoneRegion(cust *Customer) string {
	if cust.Address.Country != "" {
		return cust.Address.Country
	}
	return c.region
}

// contactRegion checks the organisation a contact names, when it names
// one, and returns the region that completes the contact's phone numbers.
func (c *Client) contactRegion(ctx context.Context, tx Store, customerID string) (string, error) {
	id := strings.TrimSpace(customerID)
	if id == "" {
		return c.region, nil // normalizeContact reports the missing ID
	}
	cust, err := contactOwner(ctx, tx, id)
	if err != nil {
		return "", err
	}
	return c.phoneRegion(cust), nil
}

// AddContact validates and normalises ct (as [Client.CreateCustomer] does
// for customers; phone numbers use the organisation's country) and stores
// it as a new contact of the organisation ct.CustomerID. It leaves ct
// untouched and returns the stored contact. Errors: a [*ValidationError]
// for bad input or a customer that is a person, [ErrNotFound] for a
// missing customer, [ErrTransition] for an archived one.
func (c *Client) AddContact(ctx context.Context, in *Contact) (*Contact, error) {
	if in == nil {
		return nil, required("contact", "contact")
	}
	now, by := c.now(), actorID(ctx)
	var out *Contact
	err := c.store.RunInTx(ctx, func(tx Store) error {
		var err error
		out, err = c.addContact(ctx, tx, in, now, by)
		return err
	})
	if err != nil {
		return nil, wrapUnlessTyped("add contact", err)
	}
	return out, nil
}

// addContact does the work of AddContact in the transaction tx, stamping
// the contact with now and by, and returns a copy of what it stored.
func (c *Client) addContact(ctx context.Context, tx Store, in *Contact, now time.Time, by string) (*Contact, error) {
	ct := in.Clone()
	region, err := c.contactRegion(ctx, tx, ct.CustomerID)
	if err != nil {
		return nil, err
	}
	verr := &ValidationError{Entity: "contact"}
	normalizeContact(ct, region, verr)
	if err := verr.err(); err != nil {
		return nil, err
	}
	ct.ID = c.ids.NewID()
	ct.CreatedAt, ct.CreatedBy = now, by
	ct.UpdatedAt, ct.UpdatedBy = now, by
	ct.Version = 1
	if err := tx.CreateContact(ctx, ct); err != nil {
		return nil, err
	}
	return ct.Clone(), nil
}

// GetContact returns the contact with id, or an error matching
// [ErrNotFound].
func (c *Client) GetContact(ctx context.Context, id string) (*Contact, error) {
	return getRecord(ctx, "contact", id, c.store.FindContactByID)
}

// ContactUpdate is a patch: nil fields are left as they are.
type ContactUpdate struct {
	// CustomerID moves the contact to another organisation.
	CustomerID *string
	Name       *string
	JobTitle   *string
	Role       *ContactRole
	// Emails and Phones replace the whole list.
	Emails *[]Email
	Phones *[]Phone
}

// UpdateContact applies the patch u to the contact id, provided its stored
// version is still version, and returns the updated contact. Errors: a
// [*ValidationError] for bad input, [ErrConflict] for a stale version,
// [ErrNotFound] for a missing contact or customer. On any error nothing
// changes.
func (c *Client) UpdateContact(ctx context.Context, id string, version int64, u ContactUpdate) (*Contact, error) {
	now, by := c.now(), actorID(ctx)
	var out *Contact
	err := c.store.RunInTx(ctx, func(tx Store) error {
		ct, err := tx.FindContactByID(ctx, id)
		if err != nil {
			return err
		}
		if ct.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, ct.Version, ErrConflict)
		}
		set(&ct.CustomerID, u.CustomerID)
		set(&ct.Name, u.Name)
		set(&ct.JobTitle, u.JobTitle)
		set(&ct.Role, u.Role)
		setSlice(&ct.Emails, u.Emails)
		setSlice(&ct.Phones, u.Phones)
		region, err := c.contactRegion(ctx, tx, ct.CustomerID)
		if err != nil {
			return err
		}
		verr := &ValidationError{Entity: "contact"}
		normalizeContact(ct, region, verr)
		if err := verr.err(); err != nil {
			return err
		}
		ct.UpdatedAt, ct.UpdatedBy = now, by
		if err := tx.UpdateContact(ctx, ct); err != nil {
			return err
		}
		out = ct.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("update contact "+id, err)
	}
	return out, nil
}

// RemoveContact deletes the contact id, provided its stored version is
// still version. Errors: [ErrNotFound], [ErrConflict].
func (c *Client) RemoveContact(ctx context.Context, id string, version int64) error {
	if err := c.store.DeleteContact(ctx, id, version); err != nil {
		return fmt.Errorf("crm: remove contact %s: %w", id, err)
	}
	return nil
}

// ListContacts returns one page of the contacts f selects, in a stable
// order, and the cursor for the next page ("" after the last).
func (c *Client) ListContacts(ctx context.Context, f ContactFilter) ([]*Contact, Cursor, error) {
	return listPage(ctx, "contact filter", "list contacts", f, f.Limit, c.store.FindContacts)
}

// Contacts iterates over every contact f selects, fetching page by page.
// An error ends the iteration after being yielded.
func (c *Client) Contacts(ctx context.Context, f ContactFilter) iter.Seq2[*Contact, error] {
	return pages(ctx, f, c.ListContacts, func(f *ContactFilter, next Cursor) { f.After = next })
}

// wrapUnlessTyped adds the operation to err, except for the typed errors
// whose own message already says everything.
func wrapUnlessTyped(op string, err error) error {
	var verr *ValidationError
	var merr *MergedError
	var derr *DuplicateError
	if errors.As(err, &verr) || errors.As(err, &merr) || errors.As(err, &derr) {
		return err
	}
	return &opError{op: op, err: err}
}

// opError prefixes an error with the operation that failed, dropping the
// inner "crm: " so that messages read "crm: op: cause".
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string {
	return "crm: " + e.op + ": " + strings.TrimPrefix(e.err.Error(), "crm: ")
}

func (e *opError) Unwrap() error { return e.err }
