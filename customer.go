package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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
	// OwnerID is the actor ID of the account manager: the creator (the
	// acting user of the create or import) unless given; empty only for
	// a customer created with no acting user.
	OwnerID string
	// Tags are lower-case and unique.
	Tags []string
	// Custom holds fields the library does not model, keyed by name.
	Custom map[string]CustomValue
	// TaxID is a tax or company registration number, compared ignoring
	// case, spaces, dots and dashes.
	TaxID        string
	CreditRating string
	// CreditLimit caps what the customer may owe on orders not cancelled
	// ([Client.CreateOrder] checks it); the zero Money means no limit.
	CreditLimit Money
	RiskLevel   RiskLevel
	// BirthDate is a person's birthday or an organisation's founding date;
	// only the calendar date is kept (midnight UTC).
	BirthDate    time.Time
	Consent      Consents
	DoNotContact bool
	// TimeZone is the customer's IANA time zone, such as "Europe/Berlin":
	// care plans and quiet hours read the customer's calendar in it. ""
	// means the zone the caller configures as default.
	TimeZone string
	// Source says where the customer came from, such as "web" or "referral".
	Source string

	// ArchivedAt is set when the customer is archived; archived customers
	// are read-only and left out of listings by default.
	ArchivedAt time.Time
	// MergedInto is the survivor's ID when this customer was merged away.
	MergedInto string
	// ErasedAt is set when [Client.EraseCustomer] anonymised the
	// customer, which archives it too.
	ErasedAt time.Time

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

// Erased reports whether c's personal data has been erased
// ([Client.EraseCustomer]).
func (c *Customer) Erased() bool { return !c.ErasedAt.IsZero() }

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

// lifecycleMoves is the table of allowed lifecycle moves: from each stage,
// the stages a customer may move to. Staying in a stage is always allowed.
var lifecycleMoves = map[LifecycleStage][]LifecycleStage{
	StageProspect: {StageNew, StageActive},
	StageNew:      {StageActive, StageAtRisk, StageChurned},
	StageActive:   {StageLoyal, StageAtRisk, StageChurned},
	StageLoyal:    {StageActive, StageAtRisk, StageChurned},
	StageAtRisk:   {StageActive, StageLoyal, StageChurned},
	StageChurned:  {StageActive, StageAtRisk},
}

// LifecycleMoves returns the stages a customer in stage from may move to,
// in the table's order. It returns nil for an unknown stage.
//
//	prospect → new, active
//	new      → active, at-risk, churned
//	active   → loyal, at-risk, churned
//	loyal    → active, at-risk, churned
//	at-risk  → active, loyal, churned
//	churned  → active (won back), at-risk (buying again, not yet settled)
func LifecycleMoves(from LifecycleStage) []LifecycleStage {
	return slices.Clone(lifecycleMoves[from])
}

// TransitionLifecycle checks a move between lifecycle stages against the
// table [LifecycleMoves] documents. Staying in a stage is allowed. A move
// not in the table returns an error matching [ErrTransition]; an unknown
// stage returns [ErrInvalid].
func TransitionLifecycle(from, to LifecycleStage) error {
	if !from.Valid() {
		return fmt.Errorf("crm: lifecycle stage %q: unknown: %w", from, ErrInvalid)
	}
	if !to.Valid() {
		return fmt.Errorf("crm: lifecycle stage %q: unknown: %w", to, ErrInvalid)
	}
	if from == to || slices.Contains(lifecycleMoves[from], to) {
		return nil
	}
	return fmt.Errorf("crm: lifecycle %s → %s: %w", from, to, ErrTransition)
}

// Limits on free-text fields, in bytes.
const (
	maxNameLen  = 200
	maxTextLen  = 200
	maxTagLen   = 64
	maxTags     = 100
	maxCustom   = 100
	maxListLen  = 20 // emails or phones per record
	maxKeyLen   = 64
	maxValueLen = 4096
)

// normalizeCustomer trims, lower-cases and canonicalises c in place and
// records every problem in verr. now bounds dates that must lie in the
// past; region completes phone numbers when the address has no country.
func normalizeCustomer(c *Customer, region string, now time.Time, verr *ValidationError) {
	c.Name = strings.TrimSpace(c.Name)
	checkText(verr, "name", c.Name, maxNameLen, true)
	if c.Kind == "" {
		c.Kind = KindOrganization
	}
	if !c.Kind.Valid() {
		verr.add("kind", "must be %q or %q", KindPerson, KindOrganization)
	}
	if c.Stage == "" {
		c.Stage = StageProspect
	}
	if !c.Stage.Valid() {
		verr.add("stage", "unknown lifecycle stage %q", c.Stage)
	}
	c.Address = trimAddress(c.Address)
	checkText(verr, "address.street", c.Address.Street, maxTextLen, false)
	checkText(verr, "address.city", c.Address.City, maxTextLen, false)
	checkText(verr, "address.postal_code", c.Address.PostalCode, 32, false)
	checkText(verr, "address.state", c.Address.State, maxTextLen, false)
	if c.Address.Country != "" && callingCode(c.Address.Country) == "" {
		verr.add("address.country", "%q is not an ISO 3166-1 alpha-2 code", c.Address.Country)
	}
	if c.Address.Country != "" {
		region = c.Address.Country
	}
	c.Emails = normalizeEmails(c.Emails, verr)
	c.Phones = normalizePhones(c.Phones, region, verr)

	c.Industry = strings.TrimSpace(c.Industry)
	checkText(verr, "industry", c.Industry, maxTextLen, false)
	c.Region = strings.TrimSpace(c.Region)
	checkText(verr, "region", c.Region, maxTextLen, false)
	if c.Size != "" {
		if !c.Size.Valid() {
			verr.add("size", "must be micro, small, medium or large")
		} else if c.Kind == KindPerson {
			verr.add("size", "only organisations have a size")
		}
	}
	c.OwnerID = strings.TrimSpace(c.OwnerID)
	checkText(verr, "owner_id", c.OwnerID, maxKeyLen*2, false)
	c.Tags = normalizeTags(c.Tags, "tags", verr)
	normalizeCustom(c.Custom, verr)
	if len(c.Custom) == 0 {
		c.Custom = nil
	}

	c.TaxID = taxKey(strings.TrimSpace(c.TaxID))
	checkText(verr, "tax_id", c.TaxID, 64, false)
	c.CreditRating = strings.TrimSpace(c.CreditRating)
	checkText(verr, "credit_rating", c.CreditRating, 16, false)
	c.CreditLimit.Currency = strings.ToUpper(strings.TrimSpace(c.CreditLimit.Currency))
	if !c.CreditLimit.IsZero() {
		if err := c.CreditLimit.Validate(); err != nil {
			verr.add("credit_limit", "%s", reason(err))
		} else if c.CreditLimit.Sign() < 0 {
			verr.add("credit_limit", "must not be negative")
		}
	}
	if c.RiskLevel != "" && !c.RiskLevel.Valid() {
		verr.add("risk_level", "must be low, medium or high")
	}
	c.TimeZone = strings.TrimSpace(c.TimeZone)
	if c.TimeZone != "" {
		if _, err := loadZone(c.TimeZone); err != nil || strings.EqualFold(c.TimeZone, "Local") {
			verr.add("time_zone", "unknown time zone %q; want an IANA name such as Europe/Berlin", c.TimeZone)
		}
	}
	c.BirthDate = dateOf(c.BirthDate)
	if c.BirthDate.After(now) {
		verr.add("birth_date", "lies in the future")
	}
	for _, ch := range Channels() {
		p := c.Consent.field(ch)
		p.At = Timestamp(p.At)
		switch {
		case p.Granted && p.At.IsZero():
			p.At = now
		case p.At.After(now):
			verr.add("consent."+string(ch)+".at", "lies in the future")
		}
	}
	c.Source = strings.TrimSpace(c.Source)
	checkText(verr, "source", c.Source, maxTextLen, false)
}

func trimAddress(a Address) Address {
	return Address{
		Street:     strings.TrimSpace(a.Street),
		City:       strings.TrimSpace(a.City),
		PostalCode: strings.TrimSpace(a.PostalCode),
		State:      strings.TrimSpace(a.State),
		Country:    strings.ToUpper(strings.TrimSpace(a.Country)),
	}
}

// checkText records a missing required value, an overlong one, or one that
// is not valid UTF-8.
func checkText(verr *ValidationError, field, s string, max int, required bool) {
	switch {
	case s == "" && required:
		verr.add(field, "required")
	case len(s) > max:
		verr.add(field, "longer than %d bytes", max)
	case !utf8.ValidString(s):
		verr.add(field, "not valid UTF-8")
	}
}

// entry is a pointer to an email or a phone: a value, a label and a
// primary flag.
type entry[T any] interface {
	*T
	parts() (value, label *string, primary *bool)
}

func (e *Email) parts() (*string, *string, *bool) { return &e.Address, &e.Label, &e.Primary }
func (p *Phone) parts() (*string, *string, *bool) { return &p.Number, &p.Label, &p.Primary }

// normalizeEmails canonicalises addresses, drops repeats (keeping the first,
// primary if any repeat was), and makes sure exactly one is primary.
func normalizeEmails(in []Email, verr *ValidationError) []Email {
	return normalizeEntries(in, "emails", "address", NormalizeEmail, verr)
}

// normalizePhones is normalizeEmails for phone numbers, completed with
// region's calling code.
func normalizePhones(in []Phone, region string, verr *ValidationError) []Phone {
	norm := func(s string) (string, error) { return NormalizePhone(s, region) }
	return normalizeEntries(in, "phones", "number", norm, verr)
}

// normalizeEntries canonicalises each entry's value with norm, trims
// labels, drops repeated values (keeping the first, primary if any repeat
// was) and makes sure exactly one entry is primary. Problems are recorded
// as field[i].part or field[i].label.
func normalizeEntries[T any, P entry[T]](in []T, field, part string, norm func(string) (string, error), verr *ValidationError) []T {
	if len(in) == 0 {
		return nil
	}
	if len(in) > maxListLen {
		verr.add(field, "more than %d entries", maxListLen)
		return in
	}
	out := make([]T, 0, len(in))
	for i, e := range in {
		value, label, primary := P(&e).parts()
		v, err := norm(*value)
		if err != nil {
			verr.add(fmt.Sprintf("%s[%d].%s", field, i, part), "%s", reason(err))
			continue
		}
		*value, *label = v, strings.TrimSpace(*label)
		checkText(verr, fmt.Sprintf("%s[%d].label", field, i), *label, maxTagLen, false)
		if j := slices.IndexFunc(out, func(o T) bool { ov, _, _ := P(&o).parts(); return *ov == v }); j >= 0 {
			_, _, op := P(&out[j]).parts()
			*op = *op || *primary
			continue
		}
		out = append(out, e)
	}
	setPrimary[T, P](out, field, verr)
	return out
}

// setPrimary makes the first entry primary when none is, and reports more
// than one primary.
func setPrimary[T any, P entry[T]](list []T, field string, verr *ValidationError) {
	n := 0
	for i := range list {
		if _, _, p := P(&list[i]).parts(); *p {
			n++
		}
	}
	switch {
	case n == 0 && len(list) > 0:
		_, _, p := P(&list[0]).parts()
		*p = true
	case n > 1:
		verr.add(field, "%d entries marked primary; at most one may be", n)
	}
}

// normalizeTags lower-cases and trims tags, drops empty ones and repeats,
// and keeps the first-seen order.
func normalizeTags(in []string, field string, verr *ValidationError) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for i, t := range in {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if len(t) > maxTagLen || !utf8.ValidString(t) {
			verr.add(fmt.Sprintf("%s[%d]", field, i), "must be valid UTF-8 of at most %d bytes", maxTagLen)
			continue
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		verr.add(field, "more than %d tags", maxTags)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// normalizeCustom checks custom field keys and values.
func normalizeCustom(m map[string]CustomValue, verr *ValidationError) {
	if len(m) > maxCustom {
		verr.add("custom", "more than %d fields", maxCustom)
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		field := "custom." + k
		switch {
		case !validKey(k):
			verr.add("custom", "key %q: want a letter or _, then letters, digits, _ . or -, at most %d bytes", k, maxKeyLen)
		case v.Kind() == ValueInvalid:
			verr.add(field, "zero value; build values with StringValue, NumberValue, BoolValue or DateValue")
		case v.Kind() == ValueString && (len(v.s) > maxValueLen || !utf8.ValidString(v.s)):
			verr.add(field, "must be valid UTF-8 of at most %d bytes", maxValueLen)
		case v.Kind() == ValueNumber && !numberInRange(v.n):
			verr.add(field, "more than %d digits before or after the point", maxNumberDigits)
		}
	}
}

func validKey(k string) bool {
	if k == "" || len(k) > maxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', b == '_':
		case i > 0 && ('0' <= b && b <= '9' || b == '.' || b == '-'):
		default:
			return false
		}
	}
	return true
}

// reason returns an error's message without the package prefix and the
// sentinel's text, for use as a field's reason.
func reason(err error) string {
	s := strings.TrimSuffix(err.Error(), ": "+ErrInvalid.Error())
	return strings.TrimPrefix(s, "crm: ")
}

// CreateOption adjusts one [Client.CreateCustomer] call.
type CreateOption func(*createConfig)

type createConfig struct {
	allowDuplicates bool
}

// AllowDuplicates creates the customer even if it looks like an existing
// one.
func AllowDuplicates() CreateOption {
	return func(c *createConfig) { c.allowDuplicates = true }
}

// CreateCustomer validates and normalises c and stores it as a new
// customer with a fresh ID, Version 1, and the time and actor of creation.
// It leaves c untouched and returns the stored customer.
//
// Normalisation trims text, lower-cases emails and tags, puts phone
// numbers in E.164 form (using the address's country or the Client's
// default region), drops repeated emails, phones and tags, makes the first
// email and phone primary when none is, and starts the lifecycle at
// prospect. A customer that fails validation gets a [*ValidationError]
// naming every bad field. A customer that looks like an existing one
// (see [Client.FindDuplicates]) is refused with a [*DuplicateError]
// carrying the matches, unless [AllowDuplicates] is given.
func (c *Client) CreateCustomer(ctx context.Context, in *Customer, opts ...CreateOption) (*Customer, error) {
	var cfg createConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if in == nil {
		return nil, required("customer", "customer")
	}
	cust := in.Clone()
	if err := c.prepareNew(cust, c.now(), actorID(ctx), false); err != nil {
		return nil, err
	}

	err := c.store.RunInTx(ctx, func(tx Store) error {
		if !cfg.allowDuplicates {
			matches, err := c.findDuplicates(ctx, tx, cust)
			if err != nil {
				return err
			}
			if len(matches) > 0 {
				return &DuplicateError{Matches: matches}
			}
		}
		return tx.CreateCustomer(ctx, cust)
	})
	if err != nil {
		if errors.Is(err, ErrDuplicate) {
			c.log.DebugContext(ctx, "crm: customer refused as duplicate", "name", cust.Name, "err", err)
		}
		return nil, wrapUnlessTyped("create customer", err)
	}
	return cust.Clone(), nil
}

// GetCustomer returns the customer with id. Archived customers are
// returned (read-only); a customer merged into another is answered with a
// [*MergedError] naming the survivor, which matches [ErrNotFound]. A
// missing customer returns an error matching [ErrNotFound].
func (c *Client) GetCustomer(ctx context.Context, id string) (*Customer, error) {
	cust, err := c.store.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get customer %s: %w", id, err)
	}
	if cust.MergedInto != "" {
		survivor, err := survivorOf(ctx, c.store, cust)
		if err != nil {
			return nil, fmt.Errorf("crm: get customer %s: %w", id, err)
		}
		return nil, &MergedError{ID: id, SurvivorID: survivor}
	}
	return cust, nil
}

// CustomerUpdate is a patch: nil fields are left as they are.
type CustomerUpdate struct {
	Name *string
	// Emails and Phones replace the whole list.
	Emails *[]Email
	Phones *[]Phone
	// Address replaces the whole address.
	Address  *Address
	Industry *string
	Region   *string
	Size     *CompanySize
	// Stage moves the lifecycle stage, subject to [TransitionLifecycle].
	Stage   *LifecycleStage
	OwnerID *string
	// Tags replaces the tags; AddTags and RemoveTags then adjust them.
	Tags       *[]string
	AddTags    []string
	RemoveTags []string
	// Custom sets the named custom fields; RemoveCustom then deletes keys.
	Custom       map[string]CustomValue
	RemoveCustom []string
	TaxID        *string
	CreditRating *string
	CreditLimit  *Money
	RiskLevel    *RiskLevel
	BirthDate    *time.Time
	// Consent gives (true) or withdraws (false) consent per channel, as
	// of the time of the update.
	Consent      map[Channel]bool
	DoNotContact *bool
	Source       *string
	TimeZone     *string
}

// apply writes u onto cust, recording unknown channels in verr.
func (u *CustomerUpdate) apply(cust *Customer, now time.Time, verr *ValidationError) {
	set(&cust.Name, u.Name)
	setSlice(&cust.Emails, u.Emails)
	setSlice(&cust.Phones, u.Phones)
	set(&cust.Address, u.Address)
	set(&cust.Industry, u.Industry)
	set(&cust.Region, u.Region)
	set(&cust.Size, u.Size)
	set(&cust.Stage, u.Stage)
	set(&cust.OwnerID, u.OwnerID)
	setSlice(&cust.Tags, u.Tags)
	cust.Tags = append(slices.Clip(cust.Tags), u.AddTags...)
	if len(u.RemoveTags) > 0 {
		remove := normalizeTags(u.RemoveTags, "remove_tags", verr)
		cust.Tags = slices.DeleteFunc(cust.Tags, func(t string) bool {
			return slices.Contains(remove, strings.ToLower(strings.TrimSpace(t)))
		})
	}
	if len(u.Custom) > 0 && cust.Custom == nil {
		cust.Custom = make(map[string]CustomValue, len(u.Custom))
	}
	maps.Copy(cust.Custom, u.Custom)
	for _, k := range u.RemoveCustom {
		delete(cust.Custom, k)
	}
	set(&cust.TaxID, u.TaxID)
	set(&cust.CreditRating, u.CreditRating)
	set(&cust.CreditLimit, u.CreditLimit)
	set(&cust.RiskLevel, u.RiskLevel)
	set(&cust.BirthDate, u.BirthDate)
	for _, ch := range slices.Sorted(maps.Keys(u.Consent)) {
		if !cust.Consent.Set(ch, u.Consent[ch], now) {
			verr.add("consent."+string(ch), "unknown channel; want email, phone, sms or post")
		}
	}
	set(&cust.DoNotContact, u.DoNotContact)
	set(&cust.Source, u.Source)
	set(&cust.TimeZone, u.TimeZone)
}

func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// setSlice is set for slices, copying so that the result shares nothing
// with the caller's patch.
func setSlice[T any](dst *[]T, src *[]T) {
	if src != nil {
		*dst = slices.Clone(*src)
	}
}

// required returns a validation error for a missing argument.
func required(entity, field string) error {
	return &ValidationError{Entity: entity, Fields: []FieldError{{Field: field, Reason: "required"}}}
}

// Ptr returns a pointer to v, for filling the pointer fields of
// [CustomerUpdate] and [ContactUpdate] in one expression (on Go 1.26 and
// later, new(v) does the same).
func Ptr[T any](v T) *T { return &v }

// UpdateCustomer applies the patch u to the customer id, provided its
// stored version is still version, and returns the updated customer. The
// result is validated and normalised as in [Client.CreateCustomer]; a
// lifecycle move must be allowed by [TransitionLifecycle]. Errors: a
// [*ValidationError] for bad input, [ErrTransition] for a forbidden stage
// move or an archived customer, [ErrConflict] for a stale version,
// [ErrNotFound] for a missing (or merged) customer. On any error nothing
// changes. Unlike CreateCustomer, an update is not checked for duplicates:
// call [Client.FindDuplicates] on the result to look for them.
func (c *Client) UpdateCustomer(ctx context.Context, id string, version int64, u CustomerUpdate) (*Customer, error) {
	if c.approvals != nil && u.CreditLimit != nil && !approvedIn(ctx) {
		cust, err := c.liveAt(ctx, id, version, "update")
		if err != nil {
			return nil, err
		}
		if c.approvals.needsCreditApproval(cust.CreditLimit, *u.CreditLimit) {
			if err := c.mayAsk(ctx, cust.OwnerID, PermCustomerWrite); err != nil {
				return nil, fmt.Errorf("crm: update customer %s: %w", id, err)
			}
			return nil, c.requestApproval(ctx, ApprovalCreditLimit, id, creditOperation{Version: version, CreditLimit: *u.CreditLimit})
		}
	}
	return c.modifyCustomer(ctx, id, version, "update", func(cust *Customer, now time.Time) error {
		from := cust.Stage
		verr := &ValidationError{Entity: "customer"}
		u.apply(cust, now, verr)
		normalizeCustomer(cust, c.region, now, verr)
		if err := verr.err(); err != nil {
			return err
		}
		return TransitionLifecycle(from, cust.Stage)
	})
}

// ArchiveCustomer archives the customer id, provided its stored version
// is still version: it stays readable but leaves listings and can no
// longer change. Errors as for [Client.UpdateCustomer].
func (c *Client) ArchiveCustomer(ctx context.Context, id string, version int64) (*Customer, error) {
	if c.approvals != nil && c.approvals.Archive && !approvedIn(ctx) {
		cust, err := c.liveAt(ctx, id, version, "archive")
		if err != nil {
			return nil, err
		}
		if err := c.mayAsk(ctx, cust.OwnerID, PermCustomerWrite); err != nil {
			return nil, fmt.Errorf("crm: archive customer %s: %w", id, err)
		}
		return nil, c.requestApproval(ctx, ApprovalArchive, id, archiveOperation{Version: version})
	}
	return c.modifyCustomer(ctx, id, version, "archive", func(cust *Customer, now time.Time) error {
		cust.ArchivedAt = now
		return nil
	})
}

// liveAt returns the customer id if it is live and at version: the
// check before an operation is held for approval.
func (c *Client) liveAt(ctx context.Context, id string, version int64, op string) (*Customer, error) {
	cust, err := loadLive(ctx, c.store, id)
	switch {
	case err != nil:
		return nil, wrapUnlessTyped(op+" customer "+id, err)
	case cust.Version != version:
		return nil, fmt.Errorf("crm: %s customer %s: have version %d, stored %d: %w", op, id, version, cust.Version, ErrConflict)
	}
	return cust, nil
}

// modifyCustomer loads a live customer at version, lets change edit it and
// writes it back, all in one transaction.
func (c *Client) modifyCustomer(ctx context.Context, id string, version int64, op string, change func(*Customer, time.Time) error) (*Customer, error) {
	now, by := c.now(), actorID(ctx)
	var out *Customer
	err := c.store.RunInTx(ctx, func(tx Store) error {
		cust, err := tx.FindCustomerByID(ctx, id)
		if err != nil {
			return err
		}
		if cust.MergedInto != "" {
			survivor, err := survivorOf(ctx, tx, cust)
			if err != nil {
				return err
			}
			return &MergedError{ID: id, SurvivorID: survivor}
		}
		if cust.Archived() {
			return fmt.Errorf("customer is archived: %w", ErrTransition)
		}
		if cust.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, cust.Version, ErrConflict)
		}
		owner := cust.OwnerID
		if err := change(cust, now); err != nil {
			return err
		}
		cust.UpdatedAt, cust.UpdatedBy = now, by
		if err := tx.UpdateCustomer(ctx, cust); err != nil {
			return err
		}
		if err := c.recordOwnerChange(ctx, tx, EntityCustomer, id, id, owner, cust.OwnerID, now, by, ""); err != nil {
			return err
		}
		out = cust
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(op+" customer "+id, err)
	}
	return out, nil
}

// ListCustomers returns one page of the customers f selects, in a stable
// order, and the cursor for the next page ("" after the last). The filter's
// tags, email, phone and tax ID are normalised as stored values are.
func (c *Client) ListCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, Cursor, error) {
	if err := c.normalizeFilter(&f); err != nil {
		return nil, "", err
	}
	page, next, err := c.store.FindCustomers(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list customers: %w", err)
	}
	return page, next, nil
}

// Customers iterates over every customer f selects (f.After and f.Limit
// set the start and the page size), fetching page by page. An error ends
// the iteration after being yielded.
func (c *Client) Customers(ctx context.Context, f CustomerFilter) iter.Seq2[*Customer, error] {
	return pages(ctx, f, c.ListCustomers, func(f *CustomerFilter, next Cursor) { f.After = next })
}

// mapClone returns a new slice holding f of each element of in, or nil if
// in is empty.
func mapClone[T, U any](in []T, f func(T) U) []U {
	if len(in) == 0 {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func (c *Client) normalizeFilter(f *CustomerFilter) error {
	verr := &ValidationError{Entity: "customer filter"}
	if f.Limit < 0 || f.Limit > MaxPageLimit {
		verr.add("limit", "must be between 0 and %d", MaxPageLimit)
	}
	f.Tags = normalizeTags(f.Tags, "tags", verr)
	f.Search = strings.TrimSpace(f.Search)
	f.Emails = mapClone(f.Emails, func(e string) string { return strings.ToLower(strings.TrimSpace(e)) })
	f.Phones = mapClone(f.Phones, func(p string) string {
		if n, err := NormalizePhone(p, c.region); err == nil {
			return n
		}
		return p
	})
	f.TaxIDs = mapClone(f.TaxIDs, func(t string) string { return taxKey(strings.TrimSpace(t)) })
	return verr.err()
}

// FindDuplicates returns the stored customers that look like cust — which
// may be new or stored, or a probe holding only an email address — under
// the Client's [DuplicateRules], best first; see the pure [FindDuplicates]
// for the rules. cust is normalised first; values that fail validation
// (a malformed email, say) simply match nothing. Candidates are the live
// customers sharing an email, phone or tax ID with cust, and for name
// matching those in cust's region (all customers with
// [DuplicateRules.AnyRegion]), so its cost grows with the region's size.
func (c *Client) FindDuplicates(ctx context.Context, cust *Customer) ([]DuplicateMatch, error) {
	if err := c.gate(ctx); err != nil {
		return nil, fmt.Errorf("crm: find duplicates: %w", err)
	}
	if cust == nil {
		return nil, required("customer", "customer")
	}
	norm := cust.Clone()
	normalizeCustomer(norm, c.region, c.now(), &ValidationError{})
	return c.findDuplicates(ctx, c.store, norm)
}

// keyFilters returns a filter per exact key cust has: its email
// addresses, its phone numbers, its tax ID.
func keyFilters(cust *Customer) []CustomerFilter {
	var filters []CustomerFilter
	if len(cust.Emails) > 0 {
		filters = append(filters, CustomerFilter{Emails: mapClone(cust.Emails, func(e Email) string { return e.Address })})
	}
	if len(cust.Phones) > 0 {
		filters = append(filters, CustomerFilter{Phones: mapClone(cust.Phones, func(p Phone) string { return p.Number })})
	}
	if cust.TaxID != "" {
		filters = append(filters, CustomerFilter{TaxIDs: []string{cust.TaxID}})
	}
	return filters
}

// findDuplicates matches a normalised customer against the candidates in
// s, page by page, so memory holds one page and the matches, whatever the
// size of the region.
func (c *Client) findDuplicates(ctx context.Context, s Store, cust *Customer) ([]DuplicateMatch, error) {
	filters := keyFilters(cust)
	if c.duplicates.NameThreshold > 0 && cust.Name != "" {
		if c.duplicates.AnyRegion {
			filters = append(filters, CustomerFilter{})
		} else {
			filters = append(filters, CustomerFilter{Regions: []string{cust.Region}})
		}
	}
	var matches []DuplicateMatch
	seen := make(map[string]bool) // matched IDs: a candidate may come from several filters
	for _, f := range filters {
		f.Limit = MaxPageLimit
		for {
			page, next, err := s.FindCustomers(ctx, f)
			if err != nil {
				return nil, fmt.Errorf("find duplicates: %w", err)
			}
			for _, m := range FindDuplicates(cust, page, c.duplicates) {
				if !seen[m.Customer.ID] {
					seen[m.Customer.ID] = true
					matches = append(matches, m)
				}
			}
			if next == "" {
				break
			}
			f.After = next
		}
	}
	sortMatches(matches)
	return matches, nil
}
