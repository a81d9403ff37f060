package crm

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"time"
)

// This file holds the customer timeline: everything that happened with
// a customer, in time order.

// TimelineKind says what a [TimelineEntry] records.
type TimelineKind string

// Kinds of timeline entries, in the order entries at one instant come.
const (
	TimelineOrder       TimelineKind = "order"
	TimelineStageMove   TimelineKind = "stage move"
	TimelineCase        TimelineKind = "case"
	TimelineInteraction TimelineKind = "interaction"
	TimelineResponse    TimelineKind = "survey response"
)

var timelineRank = map[TimelineKind]int{TimelineOrder: 0, TimelineStageMove: 1, TimelineCase: 2, TimelineInteraction: 3, TimelineResponse: 4}

// TimelineEntry is one event of a customer's timeline. Exactly one of
// the record fields is set, the one its Kind names.
type TimelineEntry struct {
	At   time.Time
	Kind TimelineKind
	// ID is the record's ID: the interaction, order, case or response,
	// or the opportunity a stage move moved.
	ID string
	// ActorID is who acted: the member of staff of an interaction, who
	// moved a deal, opened a case or placed an order ("" for a survey
	// response, which the customer gave).
	ActorID string

	Interaction *Interaction
	StageMove   *OpportunityChange
	Order       *Order
	Case        *Case
	Response    *Response
}

// TimelineFilter narrows a timeline. The zero value selects everything.
type TimelineFilter struct {
	// From and Before keep the entries at or after From and before
	// Before.
	From, Before time.Time
	// Kinds keeps the entries of these kinds.
	Kinds []TimelineKind
}

// keeps reports whether f keeps an entry of kind k at t.
func (f *TimelineFilter) keeps(k TimelineKind, t time.Time) bool {
	return (len(f.Kinds) == 0 || slices.Contains(f.Kinds, k)) &&
		(f.From.IsZero() || !t.Before(f.From)) && (f.Before.IsZero() || t.Before(f.Before))
}

// Timeline iterates over the history of the customer customerID in time
// order: its interactions, the stage moves of its deals (their creation
// included), its orders (when placed), its service cases (when opened)
// and its survey responses (when answered), as f narrows them. Entries
// at one instant come in the order of the kinds' constants, then by ID.
// The store is read per kind for the customer, with f's time bounds
// except for stage moves, whose deals' histories are read whole and
// then bounded; one customer's entries are held while they are put in
// order. A missing
// customer yields an error matching [ErrNotFound]; an error ends the
// iteration after being yielded.
func (c *Client) Timeline(ctx context.Context, customerID string, f TimelineFilter) iter.Seq2[TimelineEntry, error] {
	return func(yield func(TimelineEntry, error) bool) {
		entries, err := c.timeline(ctx, customerID, f)
		if err != nil {
			yield(TimelineEntry{}, fmt.Errorf("crm: timeline of %s: %w", customerID, err))
			return
		}
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// timeline loads and orders the entries Timeline yields.
func (c *Client) timeline(ctx context.Context, customerID string, f TimelineFilter) ([]TimelineEntry, error) {
	if _, err := c.store.FindCustomerByID(ctx, customerID); err != nil {
		return nil, err
	}
	ids := []string{customerID}
	var out []TimelineEntry
	add := func(k TimelineKind, at time.Time, e TimelineEntry) {
		if f.keeps(k, at) {
			e.Kind, e.At = k, at
			out = append(out, e)
		}
	}
	want := func(k TimelineKind) bool { return len(f.Kinds) == 0 || slices.Contains(f.Kinds, k) }
	if want(TimelineInteraction) {
		q := InteractionFilter{CustomerIDs: ids, From: f.From, Before: f.Before, Limit: MaxPageLimit}
		for i, err := range c.Interactions(ctx, q) {
			if err != nil {
				return nil, err
			}
			add(TimelineInteraction, i.At, TimelineEntry{ID: i.ID, ActorID: i.ActorID, Interaction: i})
		}
	}
	if want(TimelineOrder) {
		q := OrderFilter{CustomerIDs: ids, OrderedFrom: f.From, OrderedBefore: f.Before, Limit: MaxPageLimit}
		for o, err := range c.Orders(ctx, q) {
			if err != nil {
				return nil, err
			}
			add(TimelineOrder, o.OrderedAt, TimelineEntry{ID: o.ID, ActorID: o.CreatedBy, Order: o})
		}
	}
	if want(TimelineCase) {
		q := CaseFilter{CustomerIDs: ids, OpenedFrom: f.From, OpenedBefore: f.Before, Limit: MaxPageLimit}
		for cs, err := range c.Cases(ctx, q) {
			if err != nil {
				return nil, err
			}
			add(TimelineCase, cs.OpenedAt, TimelineEntry{ID: cs.ID, ActorID: cs.CreatedBy, Case: cs})
		}
	}
	if want(TimelineResponse) {
		q := ResponseFilter{CustomerIDs: ids, AnsweredFrom: f.From, AnsweredBefore: f.Before, Limit: MaxPageLimit}
		for r, err := range c.Responses(ctx, q) {
			if err != nil {
				return nil, err
			}
			add(TimelineResponse, r.AnsweredAt, TimelineEntry{ID: r.ID, Response: r})
		}
	}
	if want(TimelineStageMove) {
		if err := c.stageMoves(ctx, customerID, add); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b TimelineEntry) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(timelineRank[a.Kind], timelineRank[b.Kind]), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// stageMoves adds the stage moves of the deals of customerID, reading
// the histories of MaxPageLimit deals at a time.
func (c *Client) stageMoves(ctx context.Context, customerID string, add func(TimelineKind, time.Time, TimelineEntry)) error {
	var deals []string
	for o, err := range c.Opportunities(ctx, OpportunityFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}) {
		if err != nil {
			return err
		}
		deals = append(deals, o.ID)
	}
	for chunk := range slices.Chunk(deals, MaxPageLimit) {
		for ch, err := range c.OpportunityChanges(ctx, OpportunityChangeFilter{OpportunityIDs: chunk, Limit: MaxPageLimit}) {
			if err != nil {
				return err
			}
			if ch.Moved() {
				add(TimelineStageMove, ch.At, TimelineEntry{ID: ch.OpportunityID, ActorID: ch.By, StageMove: ch})
			}
		}
	}
	return nil
}
