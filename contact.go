package crm

import (
	"slices"
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
