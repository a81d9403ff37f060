package crm

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// This file holds the account-manager scorecard: how each member of
// staff worked their customers over a period — the process as well as
// the results.

// Scorecard is one owner's record over [From, Before).
type Scorecard struct {
	OwnerID      string
	From, Before time.Time
	// Interactions counts the interactions they had in the period.
	Interactions int
	// TasksOnTime is, of their tasks due in the period (cancelled ones
	// left out), the share done by the due time.
	TasksOnTime Ratio
	// LeadsConverted counts the leads they own converted in the period.
	LeadsConverted int
	// Advanced counts their deals moved forward to a later stage in the
	// period (a move to a lost stage is not forward), each deal once;
	// the move counts for whoever owned the deal after it.
	Advanced int
	// Won counts their deals won in the period, RevenueWon sums their
	// amounts, one Money per currency in code order.
	Won        int
	RevenueWon []Money
	// NPS scores the NPS responses given in the period by the customers
	// they own; nil if there were none.
	NPS *NPS
	// ComplaintsInSLA is, of the complaint cases they own resolved in
	// the period, the share resolved within the resolution target of the
	// case's priority ([WithCaseSLA]); a case with no target counts as
	// within.
	ComplaintsInSLA Ratio
}

// Scorecards returns the scorecard of each of owners over [from, before),
// in the order of owners (each once); with no owners, of everyone who
// owns or did anything the scorecard counts, in ID order. Each measure is
// read from the store once for all owners: interactions, tasks and cases
// by their dates; the converted leads of owners (of everyone, with none
// given) and the deals with their histories, whatever their dates; the
// customers of owners and the NPS responses of the period. Errors: a
// [*ValidationError] for a missing or empty period, or an empty owner.
func (c *Client) Scorecards(ctx context.Context, from, before time.Time, owners ...string) ([]Scorecard, error) {
	from, before = Timestamp(from), Timestamp(before)
	verr := &ValidationError{Entity: "scorecard"}
	if from.IsZero() || before.IsZero() || !from.Before(before) {
		verr.add("period", "needs from before before")
	}
	if slices.Contains(owners, "") {
		verr.add("owners", "an owner ID is empty")
	}
	owners = slices.Compact(slices.Clone(owners))
	if seen := map[string]bool{}; true {
		owners = slices.DeleteFunc(owners, func(o string) bool { dup := seen[o]; seen[o] = true; return dup })
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	s := &scoring{c: c, from: from, before: before, cards: map[string]*Scorecard{}, open: len(owners) == 0}
	for _, o := range owners {
		s.cards[o] = &Scorecard{OwnerID: o, From: from, Before: before}
	}
	if err := s.run(ctx, owners); err != nil {
		return nil, fmt.Errorf("crm: scorecards: %w", err)
	}
	if len(owners) == 0 {
		owners = slices.Sorted(maps.Keys(s.cards))
	}
	out := make([]Scorecard, 0, len(owners))
	for _, o := range owners {
		card := s.cards[o]
		if tally := s.nps[o]; tally != nil && tally.N() > 0 {
			score, err := tally.Result()
			if err != nil {
				return nil, fmt.Errorf("crm: scorecards: %w", err)
			}
			card.NPS = &score
		}
		for _, cur := range slices.Sorted(maps.Keys(s.revenue[o])) {
			card.RevenueWon = append(card.RevenueWon, Money{Amount: s.revenue[o][cur], Currency: cur})
		}
		out = append(out, *card)
	}
	return out, nil
}

// scoring is one Scorecards call under way.
type scoring struct {
	c            *Client
	from, before time.Time
	cards        map[string]*Scorecard
	// open is true when anyone who turns up gets a card; otherwise only
	// the owners asked for have one.
	open    bool
	nps     map[string]*NPSTally
	revenue map[string]map[string]decimal.Decimal
}

// card returns the card of owner, nil if owner gets none.
func (s *scoring) card(owner string) *Scorecard {
	if card := s.cards[owner]; card != nil {
		return card
	}
	if owner == "" || !s.open {
		return nil
	}
	card := &Scorecard{OwnerID: owner, From: s.from, Before: s.before}
	s.cards[owner] = card
	return card
}

// in reports whether t falls in the period.
func (s *scoring) in(t time.Time) bool { return !t.Before(s.from) && t.Before(s.before) }

func (s *scoring) run(ctx context.Context, owners []string) error {
	c := s.c
	for i, err := range c.Interactions(ctx, InteractionFilter{Actors: owners, From: s.from, Before: s.before, Limit: MaxPageLimit}) {
		if err != nil {
			return err
		}
		if card := s.card(i.ActorID); card != nil {
			card.Interactions++
		}
	}
	for t, err := range c.Tasks(ctx, TaskFilter{Owners: owners, Statuses: []TaskStatus{TaskOpen, TaskDone}, DueFrom: s.from, DueBefore: s.before, Limit: MaxPageLimit}) {
		if err != nil {
			return err
		}
		if card := s.card(t.OwnerID); card != nil {
			card.TasksOnTime.Denominator++
			if t.OnTime() {
				card.TasksOnTime.Numerator++
			}
		}
	}
	for l, err := range c.Leads(ctx, LeadFilter{Owners: owners, Statuses: []LeadStatus{LeadConverted}, Limit: MaxPageLimit}) {
		if err != nil {
			return err
		}
		if card := s.card(l.OwnerID); card != nil && s.in(l.ConvertedAt) {
			card.LeadsConverted++
		}
	}
	if err := s.deals(ctx, owners); err != nil {
		return err
	}
	if err := s.complaints(ctx, owners); err != nil {
		return err
	}
	return s.promoters(ctx, owners)
}

// deals counts the deals advanced and won, and the revenue won.
func (s *scoring) deals(ctx context.Context, owners []string) error {
	c := s.c
	s.revenue = map[string]map[string]decimal.Decimal{}
	pipelines := map[string]*Pipeline{}
	var ids []string
	pipelineOf := map[string]string{} // deal → pipeline
	for o, err := range c.Opportunities(ctx, OpportunityFilter{Owners: owners, Limit: MaxPageLimit}) {
		if err != nil {
			return err
		}
		ids = append(ids, o.ID)
		pipelineOf[o.ID] = o.PipelineID
		pipelines[o.PipelineID] = nil
		card := s.card(o.OwnerID)
		if card == nil || o.Status != OpportunityWon || !s.in(o.ClosedAt) {
			continue
		}
		card.Won++
		if s.revenue[o.OwnerID] == nil {
			s.revenue[o.OwnerID] = map[string]decimal.Decimal{}
		}
		sum := s.revenue[o.OwnerID]
		sum[o.Amount.Currency] = sum[o.Amount.Currency].Add(o.Amount.Amount)
	}
	for id := range pipelines {
		p, err := c.store.FindPipelineByID(ctx, id)
		if err != nil {
			return fmt.Errorf("pipeline %s: %w", id, err)
		}
		pipelines[id] = p
	}
	advanced := map[string]bool{}
	for chunk := range slices.Chunk(ids, MaxPageLimit) {
		for ch, err := range c.OpportunityChanges(ctx, OpportunityChangeFilter{OpportunityIDs: chunk, Limit: MaxPageLimit}) {
			if err != nil {
				return err
			}
			p := pipelines[pipelineOf[ch.OpportunityID]]
			if advanced[ch.OpportunityID] || !s.in(ch.At) || ch.FromStage == "" || ch.Status == OpportunityLost || p == nil ||
				p.stageIndex(ch.ToStage) <= p.stageIndex(ch.FromStage) {
				continue
			}
			if card := s.card(ch.OwnerID); card != nil {
				card.Advanced++
				advanced[ch.OpportunityID] = true
			}
		}
	}
	return nil
}

// complaints measures the complaints resolved in the period against
// their resolution targets.
func (s *scoring) complaints(ctx context.Context, owners []string) error {
	f := CaseFilter{Owners: owners, Kinds: []CaseKind{CaseComplaint}, ResolvedFrom: s.from, ResolvedBefore: s.before, Limit: MaxPageLimit}
	for cs, err := range s.c.Cases(ctx, f) {
		if err != nil {
			return err
		}
		card := s.card(cs.OwnerID)
		if card == nil {
			continue
		}
		card.ComplaintsInSLA.Denominator++
		target := s.c.caseSLA[cs.Priority].Resolution.Target
		if target == 0 || cs.ResolutionTime <= target {
			card.ComplaintsInSLA.Numerator++
		}
	}
	return nil
}

// promoters tallies the NPS responses of the period by the owner of the
// customer who gave them.
func (s *scoring) promoters(ctx context.Context, owners []string) error {
	c := s.c
	var surveys []string
	for sv, err := range c.Surveys(ctx) {
		if err != nil {
			return err
		}
		if sv.Kind == SurveyKindNPS {
			surveys = append(surveys, sv.ID)
		}
	}
	if len(surveys) == 0 {
		return nil
	}
	ownerOf := map[string]string{}
	for cust, err := range c.Customers(ctx, CustomerFilter{Owners: owners, IncludeArchived: true, Limit: MaxPageLimit}) {
		if err != nil {
			return err
		}
		if cust.OwnerID != "" {
			ownerOf[cust.ID] = cust.OwnerID
		}
	}
	s.nps = map[string]*NPSTally{}
	f := ResponseFilter{SurveyIDs: surveys, AnsweredFrom: s.from, AnsweredBefore: s.before, Limit: MaxPageLimit}
	for r, err := range c.Responses(ctx, f) {
		if err != nil {
			return err
		}
		owner, ok := ownerOf[r.CustomerID]
		if !ok || s.card(owner) == nil {
			continue
		}
		t := s.nps[owner]
		if t == nil {
			t = new(NPSTally)
			s.nps[owner] = t
		}
		if err := t.Add(r.Score); err != nil {
			return err
		}
	}
	return nil
}
