// Package crm is customer-relationship-management domain logic for Go
// services: the customer archive (customers, contacts, consent, credit),
// and, as the library grows, leads and the sales pipeline, purchase records,
// interactions, service cases, segmentation, customer lifetime value,
// surveys and KPIs.
//
// The package has three layers. Pure rules — validation and normalisation,
// lifecycle transitions ([TransitionLifecycle]), duplicate detection
// ([FindDuplicates]) and merge planning ([PlanMerge]) — take data and
// return data, with no store, context or clock, so business rules can be
// unit-tested in isolation. The [Client] orchestrates: it reads the acting
// [Actor] from the context, loads through a [Store], applies a rule and
// writes back with the entity's version inside one transaction. Storage is
// pluggable: the [Store] interfaces live here, implementations live under
// storage/ (storage/memory keeps everything in maps and needs no database).
//
//	store := memory.New()
//	client, err := crm.New(store, crm.WithDefaultRegion("GB"))
//	if err != nil { ... }
//	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann", Name: "Ann"})
//	acme, err := client.CreateCustomer(ctx, &crm.Customer{
//		Kind:   crm.KindOrganization,
//		Name:   "Acme Ltd",
//		Emails: []crm.Email{{Address: "Sales@Acme.example"}},
//		Phones: []crm.Phone{{Number: "020 7946 0000"}},
//	})
//	// acme.Emails[0].Address == "sales@acme.example"
//	// acme.Phones[0].Number == "+442079460000"
//
// Errors are sentinels ([ErrNotFound], [ErrConflict], [ErrInvalid],
// [ErrForbidden], [ErrDuplicate], [ErrTransition], [ErrApprovalRequired],
// [ErrCreditLimit]) wrapped with context; test them with [errors.Is]. Bad
// input is reported as a [*ValidationError] naming every bad field at
// once, and changes nothing. Money is [Money]: a decimal amount with an ISO 4217 currency,
// never a float.
package crm

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/big"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Sentinel errors. Errors returned by this package and by conforming stores
// wrap one of these; test with [errors.Is].
var (
	// ErrNotFound reports that a record does not exist.
	ErrNotFound = errors.New("crm: not found")
	// ErrConflict reports a write that lost to a concurrent one: based on a
	// stale version (someone else changed the record since it was read),
	// or refused by the database to keep transactions apart (busy,
	// serialization failure, deadlock). Re-read and retry.
	ErrConflict = errors.New("crm: version conflict")
	// ErrInvalid reports bad input. It is usually carried by a
	// [*ValidationError] that names the fields.
	ErrInvalid = errors.New("crm: invalid input")
	// ErrForbidden reports that the actor may not perform the operation.
	ErrForbidden = errors.New("crm: forbidden")
	// ErrDuplicate reports that a record already exists: an ID taken, or a
	// customer that duplicate detection judged to exist already. Only the
	// second is a [*DuplicateError] carrying the matches; test for that
	// type before retrying with [AllowDuplicates].
	ErrDuplicate = errors.New("crm: duplicate")
	// ErrTransition reports a move the business rules forbid, such as a
	// lifecycle stage change not in the table or a change to an archived
	// customer.
	ErrTransition = errors.New("crm: transition not allowed")
	// ErrApprovalRequired reports that an operation waits for a second
	// actor's approval.
	ErrApprovalRequired = errors.New("crm: approval required")
	// ErrCreditLimit reports an order that would take a customer's
	// exposure above its credit limit. It is carried by a
	// [*CreditLimitError] that gives the figures.
	ErrCreditLimit = errors.New("crm: credit limit exceeded")
)

// FieldError is one bad field of a [ValidationError].
type FieldError struct {
	// Field is the path of the field, such as "name" or "emails[1].address".
	Field string
	// Reason says what is wrong, such as "required".
	Reason string
}

// String returns "field: reason".
func (e FieldError) String() string { return e.Field + ": " + e.Reason }

// ValidationError lists every bad field of one input. It matches
// [ErrInvalid] with [errors.Is].
type ValidationError struct {
	// Entity names what was validated, such as "customer".
	Entity string
	// Fields lists the problems in the order they were found.
	Fields []FieldError
}

// Error returns all problems on one line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("crm: invalid ")
	if e.Entity != "" {
		b.WriteString(e.Entity)
	} else {
		b.WriteString("input")
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.String())
	}
	return b.String()
}

// Is reports whether target is [ErrInvalid].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Field returns the reason recorded for field, and whether there is one.
func (e *ValidationError) Field(field string) (string, bool) {
	for _, f := range e.Fields {
		if f.Field == field {
			return f.Reason, true
		}
	}
	return "", false
}

// add records a problem.
func (e *ValidationError) add(field, format string, args ...any) {
	if len(args) > 0 {
		format = fmt.Sprintf(format, args...)
	}
	e.Fields = append(e.Fields, FieldError{Field: field, Reason: format})
}

// err returns e as an error, or nil when it holds no problems.
func (e *ValidationError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Actor is whoever performs an operation: a member of staff, an
// integration, a scheduled job. The [Client] reads it from the context and
// records its ID as CreatedBy and UpdatedBy.
type Actor struct {
	// ID identifies the actor; it is what records store.
	ID string
	// Name is for display.
	Name string
	// Roles name the actor's roles, which an [Authorizer] such as
	// [Roles] grants permissions to.
	Roles []string
	// Team names the actor's team: a grant of [ScopeTeam] reaches the
	// records its members own.
	Team string
	// Tenant names the organisation the actor works for. Every Store
	// method works within the tenant of its context's actor: records are
	// stored in it, and only its records are read, changed, listed or
	// counted ([TenantFrom]). "" is a tenant like any other: the one of
	// a program that has no tenants.
	Tenant string
}

type actorKey struct{}

// WithActor returns a copy of ctx carrying actor.
func WithActor(ctx context.Context, actor Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor carried by ctx, and whether there is one.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}

// TenantFrom returns the tenant of the actor ctx carries: "" without an
// actor or with one of no tenant. Stores scope every method by it.
func TenantFrom(ctx context.Context) string {
	a, _ := ActorFrom(ctx)
	return a.Tenant
}

// Clock tells the time. The [Client] reads it once per operation.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to [Clock].
type ClockFunc func() time.Time

// Now calls f.
func (f ClockFunc) Now() time.Time { return f() }

// IDGenerator makes identifiers for new records. It must be safe for
// concurrent use and never return the same ID twice.
type IDGenerator interface {
	NewID() string
}

// IDGeneratorFunc adapts a function to [IDGenerator].
type IDGeneratorFunc func() string

// NewID calls f.
func (f IDGeneratorFunc) NewID() string { return f() }

// UUIDv7 generates RFC 9562 version 7 UUIDs: a millisecond timestamp
// followed by a counter and random bits from crypto/rand, so IDs made by
// one generator sort in the order they were made. The zero value is ready
// to use and safe for concurrent use. It is the [Client]'s default.
type UUIDv7 struct {
	mu     sync.Mutex
	lastMS int64
	seq    uint16 // 12-bit counter within lastMS
}

// NewID returns a new UUID in its canonical 36-character form.
func (g *UUIDv7) NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)

	g.mu.Lock()
	ms := time.Now().UnixMilli()
	if ms > g.lastMS {
		g.lastMS = ms
		g.seq = binary.BigEndian.Uint16(b[6:8]) & 0x07ff // random start, room to count
	} else {
		// Same millisecond (or the clock went back): stay on the last
		// timestamp and count, so IDs keep increasing.
		g.seq++
		if g.seq > 0x0fff {
			g.lastMS++
			g.seq = 0
		}
		ms = g.lastMS
	}
	seq := g.seq
	g.mu.Unlock()

	b[0] = byte(ms >> 40)
	b[1] = byte(ms >> 32)
	b[2] = byte(ms >> 24)
	b[3] = byte(ms >> 16)
	b[4] = byte(ms >> 8)
	b[5] = byte(ms)
	b[6] = 0x70 | byte(seq>>8)
	b[7] = byte(seq)
	b[8] = 0x80 | b[8]&0x3f

	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// Option configures a [Client]. A nil Option is ignored.
type Option func(*config)

type config struct {
	clock        Clock
	ids          IDGenerator
	logger       *slog.Logger
	region       string
	duplicates   DuplicateRules
	survivorship SurvivorshipRules
	childKinds   []ChildKind
	leadScoring  *LeadScoring
	caseSLA      map[CasePriority]CaseSLA
	followUp     *FollowUpPolicy
	assigner     *Assigner
	contact      *ContactPolicy
	audit        bool
	events       bool
	authorizer   Authorizer
	approvals    *ApprovalPolicy
}

// WithClock sets the clock the Client reads the time from (default: the
// system clock). Tests use it to make timestamps deterministic.
func WithClock(clock Clock) Option {
	return func(c *config) { c.clock = clock }
}

// WithIDGenerator sets how the Client makes IDs for new records (default:
// [UUIDv7]).
func WithIDGenerator(ids IDGenerator) Option {
	return func(c *config) { c.ids = ids }
}

// WithLogger sets the logger for operational messages: refused duplicates,
// merges, retries. The default discards them.
func WithLogger(logger *slog.Logger) Option {
	return func(c *config) { c.logger = logger }
}

// WithDefaultRegion sets the ISO 3166-1 alpha-2 country ("GB", "DE",
// "US") whose calling code completes phone numbers written without one,
// when the customer's address names no country.
func WithDefaultRegion(region string) Option {
	return func(c *config) { c.region = strings.ToUpper(strings.TrimSpace(region)) }
}

// WithDuplicateRules sets how CreateCustomer and FindDuplicates judge
// likely duplicates (default: [DefaultDuplicateRules]).
func WithDuplicateRules(rules DuplicateRules) Option {
	return func(c *config) { c.duplicates = rules }
}

// WithSurvivorship sets the default survivorship rule per field for
// MergeCustomers. Fields not named keep [SurviveNonEmpty].
func WithSurvivorship(rules SurvivorshipRules) Option {
	return func(c *config) { c.survivorship = rules }
}

// WithChildKind adds a kind of record that belongs to a customer, so that
// MergeCustomers moves it to the survivor. Contacts are built in.
func WithChildKind(kind ChildKind) Option {
	return func(c *config) { c.childKinds = append(c.childKinds, kind) }
}

// WithLeadScoring has the Client keep every lead's Score: CreateLead,
// UpdateLead and every other change of a lead set it from s, and callers
// may no longer set it themselves. Start from [DefaultLeadScoring].
// Without it, Score is whatever the caller sets.
func WithLeadScoring(s LeadScoring) Option {
	return func(c *config) {
		s.Rules = slices.Clone(s.Rules)
		c.leadScoring = &s
	}
}

// WithCaseSLA sets the service level of cases by priority: the targets
// of their first-response and resolution clocks. A priority not in the
// map has no targets; its cases' clocks only measure, in elapsed time.
// Without the option no case has targets.
func WithCaseSLA(slas map[CasePriority]CaseSLA) Option {
	return func(c *config) { c.caseSLA = maps.Clone(slas) }
}

// Client is the CRM service: every operation validates its input, checks
// the business rules, and reads and writes through the [Store] inside one
// transaction. A Client is safe for concurrent use by multiple goroutines.
type Client struct {
	store      Store
	clock      Clock
	ids        IDGenerator
	log        *slog.Logger
	region     string
	duplicates DuplicateRules
	survive    SurvivorshipRules
	childKinds []ChildKind
	scoring    *LeadScoring
	caseSLA    map[CasePriority]CaseSLA
	followUp   *FollowUpPolicy
	assigner   *Assigner
	contact    ContactPolicy
	guarded    bool       // access control is on
	auth       Authorizer // with guarded: who may do what
	approvals  *ApprovalPolicy
}

// New returns a Client over store. It fails if store is nil or an option
// is invalid.
func New(store Store, opts ...Option) (*Client, error) {
	if store == nil {
		return nil, fmt.Errorf("crm: new client: store is nil: %w", ErrInvalid)
	}
	cfg := config{duplicates: DefaultDuplicateRules()}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if cfg.clock == nil {
		cfg.clock = ClockFunc(time.Now)
	}
	if cfg.ids == nil {
		cfg.ids = new(UUIDv7)
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	verr := &ValidationError{Entity: "client options"}
	if cfg.region != "" && callingCode(cfg.region) == "" {
		verr.add("default_region", "unknown region %q", cfg.region)
	}
	if t := cfg.duplicates.NameThreshold; t < 0 || t > 1 {
		verr.add("duplicates.name_threshold", "must be between 0 and 1")
	}
	if err := cfg.survivorship.validate("survivorship"); err != nil {
		verr.Fields = append(verr.Fields, err.Fields...)
	}
	for i, k := range cfg.childKinds {
		if k.Name == "" || k.List == nil || k.Move == nil {
			verr.add(fmt.Sprintf("child_kinds[%d]", i), "needs a name, List and Move")
		}
	}
	if cfg.leadScoring != nil {
		if err := cfg.leadScoring.Validate(); err != nil {
			for _, f := range err.(*ValidationError).Fields {
				verr.add("lead_scoring."+f.Field, "%s", f.Reason)
			}
		}
	}
	checkCaseSLAs(cfg.caseSLA, verr)
	if cfg.followUp != nil {
		cfg.followUp.validate(verr)
	}
	if cfg.contact != nil {
		cfg.contact.validate(verr)
	}
	if cfg.approvals != nil {
		cfg.approvals.validate(verr)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	if cfg.audit || cfg.events {
		store = &logStore{Store: store, audit: cfg.audit, events: cfg.events, now: func() time.Time { return Timestamp(cfg.clock.Now()) }}
	}
	if cfg.authorizer != nil {
		store = &guardStore{s: store, auth: cfg.authorizer}
	}
	return &Client{
		store:      store,
		clock:      cfg.clock,
		ids:        cfg.ids,
		log:        cfg.logger,
		region:     cfg.region,
		duplicates: cfg.duplicates,
		survive:    cfg.survivorship,
		childKinds: append([]ChildKind{contactKind, opportunityKind, leadKind, orderKind, paymentKind, responseKind, caseKind, interactionKind, taskKind, ownerChangeKind, contactClaimKind(cfg.ids)}, cfg.childKinds...),
		scoring:    cfg.leadScoring,
		caseSLA:    cfg.caseSLA,
		followUp:   cfg.followUp,
		assigner:   cfg.assigner,
		contact:    contactPolicy(cfg.contact),
		guarded:    cfg.authorizer != nil,
		auth:       cfg.authorizer,
		approvals:  cfg.approvals,
	}, nil
}

// now reads the clock once, in UTC at the precision every store keeps.
func (c *Client) now() time.Time { return Timestamp(c.clock.Now()) }

// Timestamp returns t in UTC truncated to the microsecond: the form in
// which every store keeps times, so that a value round-trips unchanged.
func Timestamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// actorID returns the ID of the actor in ctx, or "" when there is none.
func actorID(ctx context.Context) string {
	a, _ := ActorFrom(ctx)
	return a.ID
}

// Money is an exact amount in one currency. The zero value (no currency)
// means "no amount"; any other value must carry an ISO 4217 code known to
// [CurrencyDigits]. Arithmetic refuses to mix currencies: convert through
// an explicit rate first.
type Money struct {
	// Amount is exact; never build it from a float.
	Amount decimal.Decimal
	// Currency is an ISO 4217 code in upper case, such as "EUR".
	Currency string
}

// NewMoney parses amount (such as "1234.50") in currency (such as "eur",
// case-insensitive). It fails with [ErrInvalid] on a malformed amount or an
// unknown currency.
func NewMoney(amount, currency string) (Money, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(amount))
	if err != nil {
		return Money{}, fmt.Errorf("crm: money amount %s: not a decimal number: %w", quoteInput(amount), ErrInvalid)
	}
	m := Money{Amount: d, Currency: strings.ToUpper(strings.TrimSpace(currency))}
	if err := m.Validate(); err != nil {
		return Money{}, err
	}
	return m, nil
}

// MustMoney is like [NewMoney] but panics on bad input. It is meant for
// constants in tests and examples.
func MustMoney(amount, currency string) Money {
	m, err := NewMoney(amount, currency)
	if err != nil {
		panic(err)
	}
	return m
}

// ParseMoney parses the form [Money.String] prints, an amount and a
// currency code separated by a space: "1234.50 EUR". The code may also
// come first: "EUR 1234.50".
func ParseMoney(s string) (Money, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return Money{}, fmt.Errorf("crm: money %s: want an amount and a currency code: %w", quoteInput(s), ErrInvalid)
	}
	amount, code := fields[0], fields[1]
	if len(amount) == 3 && isLetters(amount) {
		amount, code = code, amount
	}
	return NewMoney(amount, code)
}

// IsZero reports whether m is the zero Money (no amount, no currency).
func (m Money) IsZero() bool { return m.Currency == "" && m.Amount.IsZero() }

// maxAmount bounds amounts to what every store keeps exactly: 16 digits
// before the point and 4 after, as in NUMERIC(20,4).
var maxAmount = decimal.New(1, 16)

// maxAmountPlaces bounds the decimal places an amount may be written with
// (trailing zeros included, as in "1.50000"), so that comparing and
// printing it stays cheap: a decimal such as 1e-2000000000 would take
// gigabytes to compare with maxAmount.
const maxAmountPlaces = 64

// Validate reports whether m is usable: a known ISO 4217 currency, and an
// amount that every store keeps exactly — below 10^16 in magnitude, with
// at most 4 decimal places, and written with at most 64 (trailing zeros
// included, as in "1.50000"). The zero Money is valid and means "no
// amount".
func (m Money) Validate() error {
	if m.IsZero() {
		return nil
	}
	if _, ok := CurrencyDigits(m.Currency); !ok {
		return fmt.Errorf("crm: money currency %s: not an ISO 4217 code: %w", quoteInput(m.Currency), ErrInvalid)
	}
	if m.Amount.Exponent() < -maxAmountPlaces {
		return fmt.Errorf("crm: money amount: written with more than %d decimal places: %w", maxAmountPlaces, ErrInvalid)
	}
	if m.Amount.Exponent() > 16 || m.Amount.Abs().Cmp(maxAmount) >= 0 {
		return fmt.Errorf("crm: money amount: 10^16 or more: %w", ErrInvalid)
	}
	if m.Amount.Exponent() < -4 && !m.Amount.Equal(m.Amount.Truncate(4)) {
		return fmt.Errorf("crm: money amount %s: more than 4 decimal places: %w", m.Amount, ErrInvalid)
	}
	return nil
}

// String formats m as "1234.50 EUR", with the currency's minor unit digits
// (two for EUR, none for JPY), or "" for the zero Money.
func (m Money) String() string {
	if m.IsZero() {
		return ""
	}
	return m.amountText() + " " + m.Currency
}

// amountText formats the amount of m as [Money.String] does: with the
// currency's minor unit digits, or more where a rounding would hide some.
func (m Money) amountText() string {
	digits, ok := CurrencyDigits(m.Currency)
	if !ok {
		return m.Amount.String()
	}
	if e := -m.Amount.Exponent(); int(e) > digits && !m.Amount.Equal(m.Amount.Truncate(int32(digits))) {
		return m.Amount.String() // keep precision a rounding would hide
	}
	return m.Amount.StringFixed(int32(digits))
}

// Equal reports whether m and o have the same currency and amount
// (1.5 EUR equals 1.50 EUR).
func (m Money) Equal(o Money) bool {
	return m.Currency == o.Currency && m.Amount.Equal(o.Amount)
}

// sameCurrency checks that m and o can be combined: one known currency.
func (m Money) sameCurrency(op string, o Money) error {
	if m.Currency != o.Currency {
		return fmt.Errorf("crm: money %s: %s and %s differ: %w", op, m.Currency, o.Currency, ErrInvalid)
	}
	if _, ok := CurrencyDigits(m.Currency); !ok {
		return fmt.Errorf("crm: money %s: currency %q: not an ISO 4217 code: %w", op, m.Currency, ErrInvalid)
	}
	return nil
}

// Add returns m + o. The zero Money adds as nothing, so it can start a
// running total. Add fails with [ErrInvalid] when the currencies differ or
// are not ISO 4217 codes.
func (m Money) Add(o Money) (Money, error) { return m.add("add", o) }

// Sub returns m − o, treating the zero Money as nothing, as [Money.Add]
// does, with the same errors.
func (m Money) Sub(o Money) (Money, error) { return m.add("subtract", o.Neg()) }

func (m Money) add(op string, o Money) (Money, error) {
	switch {
	case m.IsZero() && o.Currency != "":
		m.Currency = o.Currency
	case o.IsZero() && m.Currency != "":
		o.Currency = m.Currency
	}
	if err := m.sameCurrency(op, o); err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Add(o.Amount), Currency: m.Currency}, nil
}

// Cmp compares m and o: −1 if m < o, 0 if equal, +1 if m > o. It fails with
// [ErrInvalid] when the currencies differ.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.sameCurrency("compare", o); err != nil {
		return 0, err
	}
	return m.Amount.Cmp(o.Amount), nil
}

// Mul returns m times factor, unrounded; see [Money.Round].
func (m Money) Mul(factor decimal.Decimal) Money {
	return Money{Amount: m.Amount.Mul(factor), Currency: m.Currency}
}

// Neg returns −m.
func (m Money) Neg() Money { return Money{Amount: m.Amount.Neg(), Currency: m.Currency} }

// Sign returns −1, 0 or +1 as the amount is negative, zero or positive.
func (m Money) Sign() int { return m.Amount.Sign() }

// Round rounds m to its currency's minor unit (cents for EUR, whole yen for
// JPY) with banker's rounding (half to even), the usual rule for ledgers.
func (m Money) Round() Money {
	digits, ok := CurrencyDigits(m.Currency)
	if !ok {
		return m
	}
	return Money{Amount: m.Amount.RoundBank(int32(digits)), Currency: m.Currency}
}

// quoBank returns a ÷ b rounded half to even to places decimal places,
// exactly: the remainder of the division decides the rounding, not a
// longer quotient rounded twice, and decimal's package-level
// DivisionPrecision plays no part. b must not be zero.
func quoBank(a, b decimal.Decimal, places int32) decimal.Decimal {
	q, r := a.QuoRem(b, places)
	if r.IsZero() {
		return q
	}
	unit := decimal.New(1, -places)
	c := r.Abs().Mul(decimal.NewFromInt(2)).Cmp(b.Abs().Mul(unit))
	odd := new(big.Int).Abs(q.Shift(places).BigInt()).Bit(0) == 1
	if c > 0 || (c == 0 && odd) {
		if (a.Sign() < 0) != (b.Sign() < 0) {
			return q.Sub(unit)
		}
		return q.Add(unit)
	}
	return q
}

func isLetters(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return s != ""
}
