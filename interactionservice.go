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

// This file holds the Client's side of interactions: logging them, the
// last contact of each customer, the contact-collision guard and the
// customer timeline.

// ContactPolicy is the contact-collision guard's configuration
// ([Client.ClaimContact]).
type ContactPolicy struct {
	// Cooling is how long after one member of staff contacted or claimed
	// a customer the others are refused, and how long a claim lasts; 0
	// means 24 hours. The same actor is never refused by their own
	// contact.
	Cooling time.Duration
	// QuietStart and QuietEnd are the quiet hours, as offsets from
	// midnight in the customer's time zone: no call or SMS from
	// QuietStart until QuietEnd (the span may pass midnight). Both zero
	// means 21:00–08:00; equal non-zero values switch quiet hours off.
	QuietStart, QuietEnd time.Duration
	// QuietChannels are the channels quiet hours apply to; nil means
	// call and SMS, an empty list none.
	QuietChannels []InteractionChannel
	// DefaultZone is the time zone of a customer whose TimeZone is
	// empty; nil means UTC.
	DefaultZone *time.Location
}

// contactPolicy returns p with its defaults filled in.
func contactPolicy(p *ContactPolicy) ContactPolicy {
	var q ContactPolicy
	if p != nil {
		q = *p
	}
	if q.Cooling == 0 {
		q.Cooling = 24 * time.Hour
	}
	if q.QuietStart == 0 && q.QuietEnd == 0 {
		q.QuietStart, q.QuietEnd = 21*time.Hour, 8*time.Hour
	}
	if q.QuietChannels == nil {
		q.QuietChannels = []InteractionChannel{InteractionCall, InteractionSMS}
	}
	q.QuietChannels = slices.Clone(q.QuietChannels)
	for i, ch := range q.QuietChannels {
		q.QuietChannels[i] = InteractionChannel(strings.ToLower(strings.TrimSpace(string(ch))))
	}
	if q.DefaultZone == nil {
		q.DefaultZone = time.UTC
	}
	return q
}

// validate records in verr the problems of p.
func (p *ContactPolicy) validate(verr *ValidationError) {
	if p.Cooling < 0 {
		verr.add("contact_policy.cooling", "must not be negative")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"quiet_start", p.QuietStart}, {"quiet_end", p.QuietEnd}} {
		if d.v < 0 || d.v >= 24*time.Hour {
			verr.add("contact_policy."+d.name, "must lie in [0, 24h)")
		}
	}
	for _, ch := range p.QuietChannels {
		if ch := InteractionChannel(strings.ToLower(strings.TrimSpace(string(ch)))); !ch.Valid() {
			verr.add("contact_policy.quiet_channels", "unknown channel %q", ch)
		}
	}
}

// WithContactPolicy sets the contact-collision guard's rules (default:
// the zero ContactPolicy's defaults).
func WithContactPolicy(p ContactPolicy) Option {
	return func(c *config) { c.contact = &p }
}

// LogInteraction validates in and stores it as a new interaction with a
// fresh ID, Version 1 and the time and actor of logging. Its Direction is
// outbound, its At the time of logging and its ActorID the acting user,
// unless given. It leaves in untouched and returns the stored
// interaction; the customer's [LastContact] follows from it at once.
//
// Errors: a [*ValidationError] naming every bad field (no customer or
// channel, an unknown channel or direction, no actor, a time in the
// future, text too long, a contact, deal or case of another customer);
// [ErrNotFound] for a missing customer, contact, deal or case;
// [ErrTransition] for an archived or merged customer. On any error
// nothing is stored.
func (c *Client) LogInteraction(ctx context.Context, in *Interaction) (*Interaction, error) {
	if in == nil {
		return nil, required("interaction", "interaction")
	}
	now, by := c.now(), actorID(ctx)
	i := in.Clone()
	normalizeInteraction(i)
	if i.Direction == "" {
		i.Direction = Outbound
	}
	if i.At.IsZero() {
		i.At = now
	}
	if i.ActorID == "" {
		i.ActorID = by
	}
	verr := &ValidationError{Entity: "interaction"}
	checkInteraction(i, verr)
	if i.At.After(now) {
		verr.add("at", "%s is in the future", i.At.Format(time.RFC3339))
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	i.ID = c.ids.NewID()
	i.CreatedAt, i.CreatedBy = now, by
	i.UpdatedAt, i.UpdatedBy = now, by
	i.Version = 1
	err := c.store.RunInTx(ctx, func(tx Store) error {
		if _, err := loadParent(ctx, tx, i.CustomerID); err != nil {
			return err
		}
		if err := checkLinks(ctx, tx, i); err != nil {
			return err
		}
		return tx.CreateInteraction(ctx, i)
	})
	if err != nil {
		return nil, wrapUnlessTyped("log interaction", err)
	}
	return i.Clone(), nil
}

// checkLinks checks that the contact, deal and case i names, if any,
// are the customer's.
func checkLinks(ctx context.Context, tx Store, i *Interaction) error {
	if err := checkContactOf(ctx, tx, "interaction", i.ContactID, i.CustomerID); err != nil {
		return err
	}
	if err := checkDealOf(ctx, tx, "interaction", i.OpportunityID, i.CustomerID); err != nil {
		return err
	}
	if i.CaseID == "" {
		return nil
	}
	cs, err := tx.FindCaseByID(ctx, i.CaseID)
	if err != nil {
		return fmt.Errorf("case %s: %w", i.CaseID, err)
	}
	if cs.CustomerID != i.CustomerID {
		return &ValidationError{Entity: "interaction", Fields: []FieldError{{Field: "case_id", Reason: fmt.Sprintf("case %s belongs to customer %s, not %s", cs.ID, cs.CustomerID, i.CustomerID)}}}
	}
	return nil
}

// GetInteraction returns the interaction with id, or an error matching
// [ErrNotFound].
func (c *Client) GetInteraction(ctx context.Context, id string) (*Interaction, error) {
	i, err := c.store.FindInteractionByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get interaction %s: %w", id, err)
	}
	return i, nil
}

// ListInteractions returns one page of the interactions f selects, in ID
// order, and the cursor for the next page ("" after the last).
func (c *Client) ListInteractions(ctx context.Context, f InteractionFilter) ([]*Interaction, Cursor, error) {
	return listPage(ctx, "interaction filter", "list interactions", f, f.Limit, c.store.FindInteractions)
}

// Interactions iterates over every interaction f selects, fetching page
// by page. An error ends the iteration after being yielded.
func (c *Client) Interactions(ctx context.Context, f InteractionFilter) iter.Seq2[*Interaction, error] {
	return pages(ctx, f, c.ListInteractions, func(f *InteractionFilter, next Cursor) { f.After = next })
}

// InteractionUpdate is a patch of an interaction: nil fields are left as
// they are. The customer and the actor do not change.
type InteractionUpdate struct {
	Channel       *InteractionChannel
	Direction     *Direction
	At            *time.Time
	ContactID     *string
	OpportunityID *string
	CaseID        *string
	Subject       *string
	Summary       *string
	Outcome       *string
}

// UpdateInteraction applies the patch u to the interaction id, provided
// its stored version is still version, and returns the updated
// interaction. Errors: as [Client.LogInteraction] for bad values and an
// archived or merged customer,
// [ErrConflict] for a stale version, [ErrNotFound] for a missing
// interaction; on any error nothing changes.
func (c *Client) UpdateInteraction(ctx context.Context, id string, version int64, u InteractionUpdate) (*Interaction, error) {
	now, by := c.now(), actorID(ctx)
	var out *Interaction
	err := c.store.RunInTx(ctx, func(tx Store) error {
		i, err := tx.FindInteractionByID(ctx, id)
		if err != nil {
			return err
		}
		if i.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, i.Version, ErrConflict)
		}
		before := *i
		set(&i.Channel, u.Channel)
		set(&i.Direction, u.Direction)
		set(&i.At, u.At)
		set(&i.ContactID, u.ContactID)
		set(&i.OpportunityID, u.OpportunityID)
		set(&i.CaseID, u.CaseID)
		set(&i.Subject, u.Subject)
		set(&i.Summary, u.Summary)
		set(&i.Outcome, u.Outcome)
		normalizeInteraction(i)
		verr := &ValidationError{Entity: "interaction"}
		checkInteraction(i, verr)
		if u.At != nil && (i.At.IsZero() || i.At.After(now)) {
			verr.add("at", "must be set and not in the future")
		}
		if err := verr.err(); err != nil {
			return err
		}
		if *i == before {
			out = i
			return nil
		}
		if _, err := loadParent(ctx, tx, i.CustomerID); err != nil {
			return err
		}
		if err := checkLinks(ctx, tx, i); err != nil {
			return err
		}
		i.UpdatedAt, i.UpdatedBy = now, by
		if err := tx.UpdateInteraction(ctx, i); err != nil {
			return err
		}
		out = i.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("update interaction "+id, err)
	}
	return out, nil
}

// DeleteInteraction removes the interaction id, provided its stored
// version is still version: one logged by mistake. Errors: [ErrConflict]
// for a stale version, [ErrNotFound] for a missing interaction.
func (c *Client) DeleteInteraction(ctx context.Context, id string, version int64) error {
	if err := c.store.DeleteInteraction(ctx, id, version); err != nil {
		return fmt.Errorf("crm: delete interaction %s: %w", id, err)
	}
	return nil
}

// LastContact returns the latest interaction of customerID in short, and
// false if it has none. It is read from the interactions themselves, so
// it is current after every write.
func (c *Client) LastContact(ctx context.Context, customerID string) (LastContact, bool, error) {
	list, err := c.LastContacts(ctx, []string{customerID})
	if err != nil || len(list) == 0 {
		return LastContact{}, false, err
	}
	return list[0], true, nil
}

// LastContacts returns the [LastContact] of each of customerIDs that has
// an interaction, in ascending customer ID order, asking the store
// MaxPageLimit customers at a time.
func (c *Client) LastContacts(ctx context.Context, customerIDs []string) ([]LastContact, error) {
	if err := c.gate(ctx); err != nil {
		return nil, fmt.Errorf("crm: last contacts: %w", err)
	}
	ids := slices.Clone(customerIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var out []LastContact
	for chunk := range slices.Chunk(ids, MaxPageLimit) {
		list, err := c.store.LastContacts(ctx, chunk)
		if err != nil {
			return nil, fmt.Errorf("crm: last contacts: %w", err)
		}
		out = append(out, list...)
	}
	return out, nil
}

// ErrContactConflict is matched by the [*ContactConflictError] with which
// [Client.ClaimContact] refuses to let a member of staff reach out.
var ErrContactConflict = errors.New("crm: contact conflict")

// ConflictReason says why reaching out was refused.
type ConflictReason string

// Reasons for a [*ContactConflictError].
const (
	// ConflictClaimed: another member of staff has claimed the customer.
	ConflictClaimed ConflictReason = "claimed"
	// ConflictContacted: another member of staff was in touch with the
	// customer within the cooling window.
	ConflictContacted ConflictReason = "contacted"
	// ConflictNoConsent: the customer has not consented to the channel.
	ConflictNoConsent ConflictReason = "no consent"
	// ConflictDoNotContact: the customer is marked do-not-contact.
	ConflictDoNotContact ConflictReason = "do not contact"
	// ConflictQuietHours: it is night, or early morning, where the
	// customer lives.
	ConflictQuietHours ConflictReason = "quiet hours"
)

// ContactConflictError is the refusal of [Client.ClaimContact]. It
// matches [ErrContactConflict] with [errors.Is].
type ContactConflictError struct {
	CustomerID string
	Channel    InteractionChannel
	Reason     ConflictReason
	// ActorID and At are who contacted or claimed the customer, and
	// when, for ConflictClaimed and ConflictContacted.
	ActorID string
	At      time.Time
	// Until is when the refusal lifts, if it lifts by itself: the end of
	// the claim, of the cooling window or of the quiet hours.
	Until time.Time
}

// Error says who was refused what, and why.
func (e *ContactConflictError) Error() string {
	return fmt.Sprintf("crm: contact customer %s by %s: %s", e.CustomerID, e.Channel, e.why())
}

// why says why e refused: the reason, who and when.
func (e *ContactConflictError) why() string {
	var b strings.Builder
	b.WriteString(string(e.Reason))
	if e.ActorID != "" {
		fmt.Fprintf(&b, " by %s at %s", e.ActorID, e.At.Format(time.RFC3339))
	}
	if !e.Until.IsZero() {
		fmt.Fprintf(&b, ", until %s", e.Until.Format(time.RFC3339))
	}
	return b.String()
}

// Is reports whether target is [ErrContactConflict].
func (e *ContactConflictError) Is(target error) bool { return target == ErrContactConflict }

// overridable reports whether the customer's owner may reach out over
// e: collisions between staff are a matter of coordination, while
// consent, do-not-contact and quiet hours protect the customer.
func (e *ContactConflictError) overridable() bool {
	return e.Reason == ConflictClaimed || e.Reason == ConflictContacted
}

// ClaimOption changes what [Client.ClaimContact] does.
type ClaimOption func(*claimConfig)

type claimConfig struct {
	override bool
	reason   string
}

// OverrideClaim lets the customer's owner claim the customer over another
// member of staff's claim or recent contact, for reason (required); the
// claim records what it overrode. It does not lift consent,
// do-not-contact or quiet hours.
func OverrideClaim(reason string) ClaimOption {
	return func(c *claimConfig) { c.override, c.reason = true, strings.TrimSpace(reason) }
}

// maxClaimRetries bounds how often ClaimContact reevaluates after losing
// a race to a concurrent claim: for the claim's number, or a database's
// lock.
const maxClaimRetries = 5

// ClaimContact records that the acting user is about to reach out to the
// customer customerID on channel, and returns the claim, which holds the
// customer for them for the cooling window of the Client's
// [ContactPolicy]. It refuses, with a [*ContactConflictError], if
//   - the customer is marked do-not-contact, or has not consented to the
//     channel ([InteractionChannel.Consent]);
//   - it is within quiet hours in the customer's time zone and quiet hours
//     apply to the channel;
//   - another member of staff holds a claim on the customer, or had an
//     interaction with them within the cooling window.
//
// Their own claims and contacts never stop an actor. Of two concurrent
// claims on one customer, one wins and the other is refused. The
// customer's owner may claim over the last kind of refusal with
// [OverrideClaim]; the claim then records what it overrode and why.
//
// Errors besides the refusal: [ErrForbidden] with no acting user, or for
// an override by someone not the owner; a [*ValidationError] for an
// unknown channel or an override without a reason; [ErrNotFound] for a
// missing customer; [ErrTransition] for an archived or merged one.
func (c *Client) ClaimContact(ctx context.Context, customerID string, channel InteractionChannel, opts ...ClaimOption) (*ContactClaim, error) {
	var cfg claimConfig
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	by := actorID(ctx)
	if by == "" {
		return nil, fmt.Errorf("crm: claim contact %s: no acting user: %w", customerID, ErrForbidden)
	}
	customerID = strings.TrimSpace(customerID)
	channel = InteractionChannel(strings.ToLower(strings.TrimSpace(string(channel))))
	verr := &ValidationError{Entity: "contact claim"}
	if customerID == "" {
		verr.add("customer_id", "required")
	}
	switch {
	case channel == "":
		verr.add("channel", "required")
	case !channel.Valid():
		verr.add("channel", "unknown channel %q", channel)
	}
	if cfg.override {
		checkText(verr, "reason", cfg.reason, maxReasonLen, true)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		claim, err := c.claimContact(ctx, customerID, channel, by, cfg)
		if (errors.Is(err, ErrDuplicate) || errors.Is(err, ErrConflict)) && attempt < maxClaimRetries {
			continue // a concurrent claim took the number, or the lock: look again
		}
		var conflict *ContactConflictError
		switch {
		case errors.As(err, &conflict):
			return nil, conflict // it names the customer and the channel
		case err != nil:
			return nil, wrapUnlessTyped("claim contact "+customerID, err)
		}
		return claim, nil
	}
}

// claimContact makes one attempt of ClaimContact, in one transaction.
func (c *Client) claimContact(ctx context.Context, customerID string, channel InteractionChannel, by string, cfg claimConfig) (*ContactClaim, error) {
	now := c.now()
	var out *ContactClaim
	err := c.store.RunInTx(ctx, func(tx Store) error {
		cust, err := loadParent(ctx, tx, customerID)
		if err != nil {
			return err
		}
		last, err := tx.LastContactClaim(ctx, customerID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		refusal, err := c.contactRefusal(ctx, tx, cust, channel, by, last, now)
		if err != nil {
			return err
		}
		claim := &ContactClaim{
			ID: c.ids.NewID(), CustomerID: customerID, Seq: 1, ActorID: by, Channel: channel,
			At: now, Until: now.Add(c.contact.Cooling),
		}
		if last != nil {
			claim.Seq = last.Seq + 1
		}
		if refusal != nil {
			switch {
			case !cfg.override || !refusal.overridable():
				return refusal
			case cust.OwnerID != by:
				return fmt.Errorf("only the customer's owner %q may override: %w", cust.OwnerID, ErrForbidden)
			}
			claim.Override, claim.Overridden, claim.Reason = true, refusal.why(), cfg.reason
		}
		if err := tx.CreateContactClaim(ctx, claim); err != nil {
			return err
		}
		out = claim
		return nil
	})
	return out, err
}

// contactRefusal returns why by may not reach out to cust on channel at
// now, given the customer's last claim (nil if none), or nil if they
// may. The customer's own protections come first, then the collisions.
func (c *Client) contactRefusal(ctx context.Context, tx Store, cust *Customer, channel InteractionChannel, by string, last *ContactClaim, now time.Time) (*ContactConflictError, error) {
	refuse := func(r ConflictReason) *ContactConflictError {
		return &ContactConflictError{CustomerID: cust.ID, Channel: channel, Reason: r}
	}
	if cust.DoNotContact {
		return refuse(ConflictDoNotContact), nil
	}
	if consent, ok := channel.Consent(); ok && !cust.CanContact(consent) {
		return refuse(ConflictNoConsent), nil
	}
	if slices.Contains(c.contact.QuietChannels, channel) {
		if end, quiet := c.contact.quietUntil(now, c.customerZone(cust)); quiet {
			e := refuse(ConflictQuietHours)
			e.Until = end
			return e, nil
		}
	}
	if last != nil && last.ActorID != by && now.Before(last.Until) {
		e := refuse(ConflictClaimed)
		e.ActorID, e.At, e.Until = last.ActorID, last.At, last.Until
		return e, nil
	}
	// An interaction At now-Cooling has cooled: its window ends at now.
	f := InteractionFilter{CustomerIDs: []string{cust.ID}, From: now.Add(-c.contact.Cooling + time.Microsecond), Limit: MaxPageLimit}
	var latest *Interaction
	for i, err := range pages(ctx, f, tx.FindInteractions, func(f *InteractionFilter, next Cursor) { f.After = next }) {
		if err != nil {
			return nil, err
		}
		if i.ActorID != by && (latest == nil || latestInteraction(i, latest)) {
			latest = i
		}
	}
	if latest != nil {
		e := refuse(ConflictContacted)
		e.ActorID, e.At, e.Until = latest.ActorID, latest.At, latest.At.Add(c.contact.Cooling)
		return e, nil
	}
	return nil, nil
}

// customerZone returns the time zone of cust: its TimeZone, or the
// policy's default.
func (c *Client) customerZone(cust *Customer) *time.Location {
	if cust.TimeZone != "" {
		if loc, err := loadZone(cust.TimeZone); err == nil {
			return loc
		}
	}
	return c.contact.DefaultZone
}

// quietUntil reports whether t falls in the quiet hours of zone loc and,
// if so, when they end.
func (p *ContactPolicy) quietUntil(t time.Time, loc *time.Location) (time.Time, bool) {
	if p.QuietStart == p.QuietEnd {
		return time.Time{}, false
	}
	local := t.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	at := clockOffset(local)
	var quiet bool
	end := clockTime(midnight, p.QuietEnd)
	if p.QuietStart < p.QuietEnd {
		quiet = at >= p.QuietStart && at < p.QuietEnd
	} else { // passes midnight
		quiet = at >= p.QuietStart || at < p.QuietEnd
		if at >= p.QuietStart {
			end = clockTime(midnight.AddDate(0, 0, 1), p.QuietEnd)
		}
	}
	return end.UTC(), quiet
}

// clockOffset returns the wall-clock time of t as an offset from
// midnight.
func clockOffset(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
}

// clockTime returns the instant at wall-clock offset d on the day that
// starts at midnight (in midnight's zone), as time.Date resolves a time
// that a DST change skips or repeats.
func clockTime(midnight time.Time, d time.Duration) time.Time {
	return time.Date(midnight.Year(), midnight.Month(), midnight.Day(), 0, 0, 0, int(d), midnight.Location())
}

// ContactClaims iterates over the claims f selects, in ID order: who
// claimed whom, and the overrides. An error ends the iteration after
// being yielded.
func (c *Client) ContactClaims(ctx context.Context, f ContactClaimFilter) iter.Seq2[*ContactClaim, error] {
	list := func(ctx context.Context, f ContactClaimFilter) ([]*ContactClaim, Cursor, error) {
		return listPage(ctx, "contact claim filter", "list contact claims", f, f.Limit, c.store.FindContactClaims)
	}
	return pages(ctx, f, list, func(f *ContactClaimFilter, next Cursor) { f.After = next })
}

// contactClaimKind carries a claim in force over a merge: unless a claim
// on the survivor is in force, the duplicate's last claim, if it has not
// lapsed, holds the survivor for its claimant until it does, as a copy
// numbered after the survivor's own claims, with an ID from ids. The
// duplicate keeps its claims, as history.
func contactClaimKind(ids IDGenerator) ChildKind {
	return ChildKind{
		Name: "contact_claim",
		List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
			last, err := tx.LastContactClaim(ctx, customerID)
			switch {
			case errors.Is(err, ErrNotFound):
				return nil, nil
			case err != nil:
				return nil, err
			}
			return []string{last.ID}, nil
		},
		Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, _ string) (int, error) {
			last, err := tx.LastContactClaim(ctx, fromID)
			if errors.Is(err, ErrNotFound) || err == nil && !at.Before(last.Until) {
				return 0, nil
			}
			if err != nil {
				return 0, err
			}
			carried := last.Clone()
			carried.ID, carried.CustomerID, carried.Seq = ids.NewID(), toID, 1
			switch own, err := tx.LastContactClaim(ctx, toID); {
			case err == nil && at.Before(own.Until):
				return 0, nil // the survivor's own claim holds it
			case err == nil:
				carried.Seq = own.Seq + 1
			case !errors.Is(err, ErrNotFound):
				return 0, err
			}
			return 1, tx.CreateContactClaim(ctx, carried)
		},
	}
}

// interactionKind moves interactions in a merge.
var interactionKind = ChildKind{
	Name: "interaction",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := InteractionFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindInteractions, func(f *InteractionFilter, c Cursor) { f.After = c }), func(i *Interaction) string { return i.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveInteractions(ctx, fromID, toID, at, by)
	},
}
