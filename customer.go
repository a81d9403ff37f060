package crm

import (
	"maps"
	"slices"
	"time"
)

// CustomerKind says whether a customer is a person or an organisation.
type CustomerKind string

// Customer kinds.
const (
	KindPerson       CustomerKind = "person"
	KindOrganization CustomerKind = "organization"
)

// Valid reports whether k is a known kind.
func (k CustomerKind) Valid() bool { return k == KindPerson || k == KindOrganization }

// CompanySize classifies an organisation by headcount, after the EU
// definition: micro (<10), small (<50), medium (<250), large.
type CompanySize string

// Company sizes.
const (
	SizeMicro  CompanySize = "micro"
	SizeSmall  CompanySize = "small"
	SizeMedium CompanySize = "medium"
	SizeLarge  CompanySize = "large"
)

// Valid reports whether s is a known size.
func (s CompanySize) Valid() bool {
	switch s {
	case SizeMicro, SizeSmall, SizeMedium, SizeLarge:
		return true
	}
	return false
}

// LifecycleStage is where a customer stands in the relationship. Moves
// between stages follow [TransitionLifecycle].
type LifecycleStage string

// Lifecycle stages.
const (
	// StageProspect: known, has not bought yet.
	StageProspect LifecycleStage = "prospect"
	// StageNew: has made a first purchase.
	StageNew LifecycleStage = "new"
	// StageActive: buys repeatedly.
	StageActive LifecycleStage = "active"
	// StageLoyal: buys repeatedly over a long time, the core of the base.
	StageLoyal LifecycleStage = "loyal"
	// StageAtRisk: buying less, or unhappy; worth an intervention.
	StageAtRisk LifecycleStage = "at-risk"
	// StageChurned: has stopped buying.
	StageChurned LifecycleStage = "churned"
)

// Valid reports whether s is a known stage.
func (s LifecycleStage) Valid() bool {
	_, ok := lifecycleMoves[s]
	return ok
}

// RiskLevel grades the credit risk of a customer.
type RiskLevel string

// Risk levels.
const (
	RiskLow    RiskLevel = "low"
	RiskMedium RiskLevel = "medium"
	RiskHigh   RiskLevel = "high"
)

// Valid reports whether r is a known level.
func (r RiskLevel) Valid() bool { return r == RiskLow || r == RiskMedium || r == RiskHigh }

// Email is one email address of a customer or contact.
type Email struct {
	// Address is stored trimmed and lower-cased.
	Address string
	// Label says what the address is for, such as "work" or "billing".
	Label string
	// Primary marks the address to use by default; exactly one address
	// of a non-empty list is primary.
	Primary bool
}

// Phone is one phone number of a customer or contact.
type Phone struct {
	// Number is stored in E.164 form ("+442079460000") when its country
	// is known, otherwise as digits only.
	Number string
	// Label says what the number is for, such as "mobile" or "office".
	Label string
	// Primary marks the number to use by default; exactly one number of
	// a non-empty list is primary.
	Primary bool
}

// Address is a postal address.
type Address struct {
	Street     string
	City       string
	PostalCode string
	// State is the state, province or county.
	State string
	// Country is an ISO 3166-1 alpha-2 code, such as "GB"; it also
	// completes phone numbers written without a country code.
	Country string
}

// IsZero reports whether a is empty.
func (a Address) IsZero() bool { return a == Address{} }

// Channel is a way of reaching a customer that needs consent.
type Channel string

// Contact channels.
const (
	ChannelEmail Channel = "email"
	ChannelPhone Channel = "phone"
	ChannelSMS   Channel = "sms"
	ChannelPost  Channel = "post"
)

// Channels lists every channel that takes consent.
func Channels() []Channel { return []Channel{ChannelEmail, ChannelPhone, ChannelSMS, ChannelPost} }

// Consent records a customer's permission for one channel.
type Consent struct {
	// Granted is true while the customer agrees to be contacted.
	Granted bool
	// At is when consent was last given or withdrawn; zero means never
	// asked.
	At time.Time
}

// Consents holds consent per channel.
type Consents struct {
	Email, Phone, SMS, Post Consent
}

// Get returns the consent for ch (zero for an unknown channel).
func (c Consents) Get(ch Channel) Consent {
	if p := c.field(ch); p != nil {
		return *p
	}
	return Consent{}
}

// Set records consent for ch given or withdrawn at a time. It reports
// false for an unknown channel.
func (c *Consents) Set(ch Channel, granted bool, at time.Time) bool {
	p := c.field(ch)
	if p == nil {
		return false
	}
	*p = Consent{Granted: granted, At: at}
	return true
}

func (c *Consents) field(ch Channel) *Consent {
	switch ch {
	case ChannelEmail:
		return &c.Email
	case ChannelPhone:
		return &c.Phone
	case ChannelSMS:
		return &c.SMS
	case ChannelPost:
		return &c.Post
	}
	return nil
}

// Customer is a person or an organisation the business sells to or serves:
// the centre of the archive.
type Customer struct {
	// ID is set by the Client when the customer is created.
	ID   string
	Kind CustomerKind
	// Name is the person's full name or the organisation's name; required.
	Name   string
	Emails []Email
	Phones []Phone
	// Address is the postal address; its Country completes phone numbers.
	Address  Address
	Industry string
	// Region is the sales region or territory, such as "north".
	Region string
	// Size applies to organisations only.
	Size  CompanySize
	Stage LifecycleStage
	// OwnerID is the actor ID of the account manager.
	OwnerID string
	// Tags are lower-case and unique.
	Tags []string
	// Custom holds fields the library does not model, keyed by name.
	Custom map[string]CustomValue
	// TaxID is a tax or company registration number, compared ignoring
	// case, spaces, dots and dashes.
	TaxID        string
	CreditRating string
	CreditLimit  Money
	RiskLevel    RiskLevel
	// BirthDate is a person's birthday or an organisation's founding date;
	// only the calendar date is kept (midnight UTC).
	BirthDate    time.Time
	Consent      Consents
	DoNotContact bool
	// Source says where the customer came from, such as "web" or "referral".
	Source string

	// ArchivedAt is set when the customer is archived; archived customers
	// are read-only and left out of listings by default.
	ArchivedAt time.Time
	// MergedInto is the survivor's ID when this customer was merged away.
	MergedInto string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record; updates must name the
	// version they read.
	Version int64
}

// PrimaryEmail returns the primary email address, or "".
func (c *Customer) PrimaryEmail() string { return primaryEmail(c.Emails) }

// PrimaryPhone returns the primary phone number, or "".
func (c *Customer) PrimaryPhone() string { return primaryPhone(c.Phones) }

// HasTag reports whether c carries tag (compared as stored, lower case).
func (c *Customer) HasTag(tag string) bool { return slices.Contains(c.Tags, tag) }

// Archived reports whether c has been archived (or merged away).
func (c *Customer) Archived() bool { return !c.ArchivedAt.IsZero() }

// CanContact reports whether c may be contacted on ch: consent granted and
// not marked do-not-contact.
func (c *Customer) CanContact(ch Channel) bool {
	return !c.DoNotContact && c.Consent.Get(ch).Granted
}

// Clone returns a deep copy of c that shares no slice or map with it.
func (c *Customer) Clone() *Customer {
	if c == nil {
		return nil
	}
	d := *c
	d.Emails = slices.Clone(c.Emails)
	d.Phones = slices.Clone(c.Phones)
	d.Tags = slices.Clone(c.Tags)
	if c.Custom != nil {
		d.Custom = maps.Clone(c.Custom)
	}
	return &d
}

func primaryEmail(es []Email) string {
	for _, e := range es {
		if e.Primary {
			return e.Address
		}
	}
	return ""
}

func primaryPhone(ps []Phone) string {
	for _, p := range ps {
		if p.Primary {
			return p.Number
		}
	}
	return ""
}
