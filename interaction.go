package crm

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// This file holds the rules of interactions — calls, emails, meetings
// and visits logged against a customer — and of contact claims, the
// guard against two members of staff reaching out to one customer at
// once. The Client's side is in interactionservice.go.

// InteractionChannel is how an interaction took place.
type InteractionChannel string

// Interaction channels.
const (
	InteractionCall    InteractionChannel = "call"
	InteractionEmail   InteractionChannel = "email"
	InteractionMeeting InteractionChannel = "meeting"
	InteractionVisit   InteractionChannel = "visit"
	InteractionSocial  InteractionChannel = "social"
	InteractionChat    InteractionChannel = "chat"
	InteractionSMS     InteractionChannel = "sms"
)

// Valid reports whether ch is one of the interaction channels.
func (ch InteractionChannel) Valid() bool {
	switch ch {
	case InteractionCall, InteractionEmail, InteractionMeeting, InteractionVisit,
		InteractionSocial, InteractionChat, InteractionSMS:
		return true
	}
	return false
}

// Consent returns the consent channel whose permission reaching out on
// ch needs, and false if none does: a call needs phone consent, an email
// email consent, an SMS SMS consent. Meetings and visits are arranged
// with the customer, and social and chat messages answer a thread the
// customer opened, so they need none; do-not-contact still applies.
func (ch InteractionChannel) Consent() (Channel, bool) {
	switch ch {
	case InteractionCall:
		return ChannelPhone, true
	case InteractionEmail:
		return ChannelEmail, true
	case InteractionSMS:
		return ChannelSMS, true
	}
	return "", false
}

// Direction says who started an interaction.
type Direction string

// Directions.
const (
	// Outbound: the business reached out.
	Outbound Direction = "outbound"
	// Inbound: the customer did.
	Inbound Direction = "inbound"
)

// Valid reports whether d is Inbound or Outbound.
func (d Direction) Valid() bool { return d == Inbound || d == Outbound }

// Interaction is one contact between the business and a customer: a
// call, an email, a meeting, a visit, a message.
type Interaction struct {
	// ID is set by the Client when the interaction is logged.
	ID string
	// CustomerID is the customer contacted; required.
	CustomerID string
	// ContactID is the person at an organisation customer, if any; it
	// must be a contact of the customer.
	ContactID string
	// OpportunityID and CaseID link the interaction to a deal or a
	// service case of the customer, if any.
	OpportunityID string
	CaseID        string
	Channel       InteractionChannel
	// Direction is Outbound unless set.
	Direction Direction
	// At is when it took place; the time of logging if zero.
	At time.Time
	// ActorID is the member of staff who had the interaction; the acting
	// user if empty.
	ActorID string
	Subject string
	Summary string
	// Outcome is what came of it, in the caller's words, such as
	// "reached", "voicemail" or "meeting booked"; stored lower-case.
	Outcome string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record.
	Version int64
}

// Clone returns a copy of i.
func (i *Interaction) Clone() *Interaction {
	if i == nil {
		return nil
	}
	c := *i
	return &c
}

// Limits on the text of an interaction, in bytes.
const (
	maxInteractionSummaryLen = 10000
	maxOutcomeLen            = 100
)

// normalizeInteraction trims the fields of i and lower-cases its codes.
func normalizeInteraction(i *Interaction) {
	i.CustomerID = strings.TrimSpace(i.CustomerID)
	i.ContactID = strings.TrimSpace(i.ContactID)
	i.OpportunityID = strings.TrimSpace(i.OpportunityID)
	i.CaseID = strings.TrimSpace(i.CaseID)
	i.ActorID = strings.TrimSpace(i.ActorID)
	i.Subject = strings.TrimSpace(i.Subject)
	i.Summary = strings.TrimSpace(i.Summary)
	i.Outcome = strings.ToLower(strings.TrimSpace(i.Outcome))
	i.Channel = InteractionChannel(strings.ToLower(strings.TrimSpace(string(i.Channel))))
	i.Direction = Direction(strings.ToLower(strings.TrimSpace(string(i.Direction))))
	i.At = Timestamp(i.At)
}

// checkInteraction records in verr the problems of the fields a caller
// sets.
func checkInteraction(i *Interaction, verr *ValidationError) {
	if i.CustomerID == "" {
		verr.add("customer_id", "required")
	}
	switch {
	case i.Channel == "":
		verr.add("channel", "required")
	case !i.Channel.Valid():
		verr.add("channel", "unknown channel %q", i.Channel)
	}
	if !i.Direction.Valid() {
		verr.add("direction", "unknown direction %q", i.Direction)
	}
	checkText(verr, "actor_id", i.ActorID, maxIDLen, true)
	checkText(verr, "subject", i.Subject, maxSubjectLen, false)
	checkText(verr, "summary", i.Summary, maxInteractionSummaryLen, false)
	checkText(verr, "outcome", i.Outcome, maxOutcomeLen, false)
}

// InteractionFilter selects interactions. Each non-zero field narrows
// the selection; a slice matches any of its values.
type InteractionFilter struct {
	// CustomerIDs matches the interactions with these customers.
	CustomerIDs []string
	// Actors matches interactions had by one of these members of staff.
	Actors []string
	// Channels matches interactions on one of these channels.
	Channels []InteractionChannel
	// OpportunityIDs and CaseIDs match interactions linked to one of
	// these deals or cases.
	OpportunityIDs []string
	CaseIDs        []string
	// From and Before match interactions whose At is at or after From
	// and before Before.
	From, Before time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects i (paging fields are ignored): the
// reference a Store's query must agree with.
func (f *InteractionFilter) Match(i *Interaction) bool {
	switch {
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, i.CustomerID),
		len(f.Actors) > 0 && !slices.Contains(f.Actors, i.ActorID),
		len(f.Channels) > 0 && !slices.Contains(f.Channels, i.Channel),
		len(f.OpportunityIDs) > 0 && !slices.Contains(f.OpportunityIDs, i.OpportunityID),
		len(f.CaseIDs) > 0 && !slices.Contains(f.CaseIDs, i.CaseID),
		!f.From.IsZero() && i.At.Before(f.From),
		!f.Before.IsZero() && !i.At.Before(f.Before):
		return false
	}
	return true
}

// LastContact is a customer's latest interaction, in short: the one with
// the greatest At (the greatest ID among equal times).
type LastContact struct {
	CustomerID    string
	InteractionID string
	At            time.Time
	// ActorID is who had the interaction.
	ActorID string
	Channel InteractionChannel
}

// latestInteraction reports whether a is later than b by the order of
// [LastContact]: At, then ID.
func latestInteraction(a, b *Interaction) bool {
	if c := a.At.Compare(b.At); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}

// LastContactOf returns the [LastContact] of the latest of is, all of
// one customer, and false if is is empty.
func LastContactOf(is []*Interaction) (LastContact, bool) {
	var last *Interaction
	for _, i := range is {
		if last == nil || latestInteraction(i, last) {
			last = i
		}
	}
	if last == nil {
		return LastContact{}, false
	}
	return LastContact{CustomerID: last.CustomerID, InteractionID: last.ID, At: last.At, ActorID: last.ActorID, Channel: last.Channel}, true
}

// ContactClaim records that a member of staff is about to reach out to a
// customer ([Client.ClaimContact]): until Until, others are refused. A
// customer's claims are numbered 1, 2, 3, … in Seq, and a store keeps
// (CustomerID, Seq) unique, which is what makes two claims at once
// impossible: the second writer finds its number taken.
type ContactClaim struct {
	ID         string
	CustomerID string
	// Seq numbers the customer's claims from 1 without gaps.
	Seq     int64
	ActorID string
	Channel InteractionChannel
	// At is when the claim was made, Until when it lapses.
	At    time.Time
	Until time.Time
	// Override is true when the claim was made over a refusal, by the
	// customer's owner; Overridden then says what was overridden (the
	// refusal's reason, who and when, such as "claimed by bob at
	// 2026-03-03T10:00:00Z, until 2026-03-05T10:00:00Z"), and Reason why.
	Override   bool
	Overridden string
	Reason     string
}

// Clone returns a copy of c.
func (c *ContactClaim) Clone() *ContactClaim {
	if c == nil {
		return nil
	}
	d := *c
	return &d
}

// ContactClaimFilter selects contact claims.
type ContactClaimFilter struct {
	// CustomerIDs matches the claims on these customers.
	CustomerIDs []string
	// Actors matches claims made by one of these members of staff.
	Actors []string
	// OverridesOnly matches claims made over a refusal.
	OverridesOnly bool
	// From and Before match claims whose At is at or after From and
	// before Before.
	From, Before time.Time

	// After continues a listing after the page that returned it.
	After Cursor
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Match reports whether f selects c (paging fields are ignored).
func (f *ContactClaimFilter) Match(c *ContactClaim) bool {
	switch {
	case len(f.CustomerIDs) > 0 && !slices.Contains(f.CustomerIDs, c.CustomerID),
		len(f.Actors) > 0 && !slices.Contains(f.Actors, c.ActorID),
		f.OverridesOnly && !c.Override,
		!f.From.IsZero() && c.At.Before(f.From),
		!f.Before.IsZero() && !c.At.Before(f.Before):
		return false
	}
	return true
}

// zones caches the time zones [time.LoadLocation] has loaded by name.
var zones sync.Map // string → *time.Location

// loadZone returns the time zone named name, loading it once.
func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
