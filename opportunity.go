package crm

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"
)

// This file holds the Client's side of the sales process: pipelines and
// opportunities, stored with their history. The rules are in pipeline.go.

// CreatePipeline validates p ([Pipeline.Validate]) and stores it as a new
// pipeline with a fresh ID, Version 1 and the time and actor of creation.
// It leaves p untouched and returns the stored pipeline. Start from
// [DefaultPipeline] for the usual sales process.
func (c *Client) CreatePipeline(ctx context.Context, in *Pipeline) (*Pipeline, error) {
	if in == nil {
		return nil, required("pipeline", "pipeline")
	}
	p := in.Clone()
	normalizePipeline(p)
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now, by := c.now(), actorID(ctx)
	p.ID = c.ids.NewID()
	p.CreatedAt, p.CreatedBy = now, by
	p.UpdatedAt, p.UpdatedBy = now, by
	p.Version = 1
	if err := c.store.CreatePipeline(ctx, p); err != nil {
		return nil, wrapUnlessTyped("create pipeline", err)
	}
	return p.Clone(), nil
}

// normalizePipeline trims the names of p and its stages and the lost
// reasons.
func normalizePipeline(p *Pipeline) {
	p.Name = strings.TrimSpace(p.Name)
	for i := range p.Stages {
		s := &p.Stages[i]
		s.Key = strings.TrimSpace(s.Key)
		s.Name = strings.TrimSpace(s.Name)
	}
	for i, r := range p.LostReasons {
		p.LostReasons[i] = strings.TrimSpace(r)
	}
}

// GetPipeline returns the pipeline with id, or an error matching
// [ErrNotFound].
func (c *Client) GetPipeline(ctx context.Context, id string) (*Pipeline, error) {
	p, err := c.store.FindPipelineByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("crm: get pipeline %s: %w", id, err)
	}
	return p, nil
}

// Pipelines returns every pipeline, in ID order (the order of creation).
func (c *Client) Pipelines(ctx context.Context) ([]*Pipeline, error) {
	ps, err := c.store.FindPipelines(ctx)
	if err != nil {
		return nil, fmt.Errorf("crm: pipelines: %w", err)
	}
	return ps, nil
}

// UpdatePipeline replaces the name, stages and lost reasons of the
// pipeline id, provided its stored version is still version, and returns
// the updated pipeline. Stages may be added, renamed, reordered and
// re-weighted; the history keeps each move's probability as it was. A
// stage that deals are in cannot be removed, nor turned from open to
// closed or back ([ErrTransition], naming the stage and a deal). Other
// errors: a [*ValidationError], [ErrConflict] for a stale version,
// [ErrNotFound] for a missing pipeline.
func (c *Client) UpdatePipeline(ctx context.Context, id string, version int64, in *Pipeline) (*Pipeline, error) {
	if in == nil {
		return nil, required("pipeline", "pipeline")
	}
	next := in.Clone()
	normalizePipeline(next)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	now, by := c.now(), actorID(ctx)
	var out *Pipeline
	err := c.store.RunInTx(ctx, func(tx Store) error {
		p, err := tx.FindPipelineByID(ctx, id)
		if err != nil {
			return err
		}
		if p.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, p.Version, ErrConflict)
		}
		for _, old := range p.Stages {
			s, kept := next.Stage(old.Key)
			if kept && s.Closed() == old.Closed() {
				continue
			}
			page, _, err := tx.FindOpportunities(ctx, OpportunityFilter{PipelineIDs: []string{id}, Stages: []string{old.Key}, Limit: 1})
			if err != nil {
				return err
			}
			switch {
			case len(page) == 0:
			case !kept:
				return fmt.Errorf("stage %q holds deals (%s, …): it cannot be removed: %w", old.Key, page[0].ID, ErrTransition)
			default:
				return fmt.Errorf("stage %q holds deals (%s, …): it cannot change between open and closed: %w", old.Key, page[0].ID, ErrTransition)
			}
		}
		p.Name, p.Stages, p.LostReasons = next.Name, next.Stages, next.LostReasons
		p.UpdatedAt, p.UpdatedBy = now, by
		if err := tx.UpdatePipeline(ctx, p); err != nil {
			return err
		}
		out = p.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("update pipeline "+id, err)
	}
	return out, nil
}

// Limits on the text of an opportunity, in bytes.
const maxNextStepLen = 1000

// CreateOpportunity validates in and stores it as a new open deal with a
// fresh ID, Version 1, the time and actor of creation, and the first entry
// of its history. The deal starts in in.Stage, an open stage of its
// pipeline, or in the pipeline's first stage if Stage is empty, with that
// stage's probability; it must have the fields the stage requires. Its
// owner is the acting user unless OwnerID says otherwise. It leaves in
// untouched and returns the stored deal.
//
// Errors: a [*ValidationError] naming every bad field (a missing name or
// customer, an unknown stage, a closed stage, a negative amount, a contact
// of another customer, a field the stage requires); [ErrNotFound] for a
// missing customer, pipeline or contact; [ErrTransition] for an archived
// customer.
func (c *Client) CreateOpportunity(ctx context.Context, in *Opportunity) (*Opportunity, error) {
	if in == nil {
		return nil, required("opportunity", "opportunity")
	}
	now, by := c.now(), actorID(ctx)
	var out *Opportunity
	err := c.store.RunInTx(ctx, func(tx Store) error {
		var err error
		out, err = c.createOpportunity(ctx, tx, in, now, by)
		return err
	})
	if err != nil {
		return nil, wrapUnlessTyped("create opportunity", err)
	}
	return out, nil
}

// createOpportunity does the work of CreateOpportunity in the transaction
// tx, stamping the deal with now and by, and returns a copy of what it
// stored.
func (c *Client) createOpportunity(ctx context.Context, tx Store, in *Opportunity, now time.Time, by string) (*Opportunity, error) {
	o := in.Clone()
	normalizeOpportunity(o)
	if o.OwnerID == "" {
		o.OwnerID = by
	}
	verr := &ValidationError{Entity: "opportunity"}
	checkOpportunity(o, verr)
	if o.CustomerID == "" {
		verr.add("customer_id", "required")
	}
	if o.PipelineID == "" {
		verr.add("pipeline_id", "required")
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	p, err := c.opportunityRefs(ctx, tx, o)
	if err != nil {
		return nil, err
	}
	if o.Stage == "" {
		first, _ := p.FirstStage()
		o.Stage = first.Key
	}
	stage, ok := p.Stage(o.Stage)
	switch {
	case !ok:
		verr.add("stage", "pipeline %q has no stage %q", p.Name, o.Stage)
	case stage.Closed():
		verr.add("stage", "stage %q is closed; a deal starts open", o.Stage)
	default:
		checkRequired(o, stage, verr)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	o.ID = c.ids.NewID()
	o.Status, o.Probability, o.StageEnteredAt = OpportunityOpen, stage.Probability, now
	o.ClosedAt, o.LostReason = time.Time{}, ""
	o.CreatedAt, o.CreatedBy = now, by
	o.UpdatedAt, o.UpdatedBy = now, by
	o.Version = 1
	if err := tx.CreateOpportunity(ctx, o); err != nil {
		return nil, err
	}
	ch, _ := changeOf(nil, o)
	if err := tx.AddOpportunityChange(ctx, &ch); err != nil {
		return nil, err
	}
	return o.Clone(), nil
}

// normalizeOpportunity trims the text of o and keeps the date of its
// close date.
func normalizeOpportunity(o *Opportunity) {
	o.Name = strings.TrimSpace(o.Name)
	o.CustomerID = strings.TrimSpace(o.CustomerID)
	o.ContactID = strings.TrimSpace(o.ContactID)
	o.LeadID = strings.TrimSpace(o.LeadID)
	o.PipelineID = strings.TrimSpace(o.PipelineID)
	o.Stage = strings.TrimSpace(o.Stage)
	o.OwnerID = strings.TrimSpace(o.OwnerID)
	o.NextStep = strings.TrimSpace(o.NextStep)
	o.CloseDate = dateOf(o.CloseDate)
}

// checkOpportunity records in verr the problems of the fields a caller
// sets.
func checkOpportunity(o *Opportunity, verr *ValidationError) {
	checkText(verr, "name", o.Name, maxNameLen, true)
	checkText(verr, "next_step", o.NextStep, maxNextStepLen, false)
	if err := o.Amount.Validate(); err != nil {
		verr.add("amount", "%s", reason(err))
	} else if o.Amount.Amount.IsNegative() {
		verr.add("amount", "negative")
	}
	if o.Probability < 0 || o.Probability > 100 {
		verr.add("probability", "want a percentage from 0 to 100")
	}
}

// checkRequired records in verr each field stage requires that o lacks.
func checkRequired(o *Opportunity, stage Stage, verr *ValidationError) {
	for _, f := range stage.Requires {
		if _, set := f.has(o); !set {
			verr.add(string(f), "required in stage %q", stage.Key)
		}
	}
}

// opportunityRefs checks what o refers to — a live customer, its pipeline
// and, if set, a contact of that customer — and returns the pipeline.
func (c *Client) opportunityRefs(ctx context.Context, tx Store, o *Opportunity) (*Pipeline, error) {
	if _, err := loadParent(ctx, tx, o.CustomerID); err != nil {
		return nil, err
	}
	p, err := tx.FindPipelineByID(ctx, o.PipelineID)
	if err != nil {
		return nil, fmt.Errorf("pipeline %s: %w", o.PipelineID, err)
	}
	if err := checkContactOf(ctx, tx, "opportunity", o.ContactID, o.CustomerID); err != nil {
		return nil, err
	}
	return p, nil
}

// checkContactOf checks that contactID, unless "", names a contact of the
// customer customerID: it returns an error matching [ErrNotFound] for a
// missing contact, and a [*ValidationError] of entity naming
// "contact_id" for one of another customer.
func checkContactOf(ctx context.Context, tx Store, entity, contactID, customerID string) error {
	if contactID == "" {
		return nil
	}
	ct, err := tx.FindContactByID(ctx, contactID)
	if err != nil {
		return fmt.Errorf("contact %s: %w", contactID, err)
	}
	if ct.CustomerID != customerID {
		return &ValidationError{Entity: entity, Fields: []FieldError{{Field: "contact_id", Reason: fmt.Sprintf("contact %s belongs to customer %s, not %s", ct.ID, ct.CustomerID, customerID)}}}
	}
	return nil
}

// checkDealOf checks that opportunityID, unless "", names a deal with
// customerID, as checkContactOf does contacts ("opportunity_id").
func checkDealOf(ctx context.Context, tx Store, entity, opportunityID, customerID string) error {
	if opportunityID == "" {
		return nil
	}
	deal, err := tx.FindOpportunityByID(ctx, opportunityID)
	if err != nil {
		return fmt.Errorf("opportunity %s: %w", opportunityID, err)
	}
	if deal.CustomerID != customerID {
		return &ValidationError{Entity: entity, Fields: []FieldError{{Field: "opportunity_id",
			Reason: fmt.Sprintf("deal %s is with customer %s, not %s", deal.ID, deal.CustomerID, customerID)}}}
	}
	return nil
}

// GetOpportunity returns the opportunity with id, or an error matching
// [ErrNotFound].
func (c *Client) GetOpportunity(ctx context.Context, id string) (*Opportunity, error) {
	return getRecord(ctx, "opportunity", id, c.store.FindOpportunityByID)
}

// ListOpportunities returns one page of the opportunities f selects, in
// ID order, and the cursor for the next page ("" after the last). The
// close-date bounds are taken as dates.
func (c *Client) ListOpportunities(ctx context.Context, f OpportunityFilter) ([]*Opportunity, Cursor, error) {
	if err := checkLimit("opportunity filter", f.Limit); err != nil {
		return nil, "", err
	}
	f.CloseFrom, f.CloseBefore = dateOf(f.CloseFrom), dateOf(f.CloseBefore)
	page, next, err := c.store.FindOpportunities(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("crm: list opportunities: %w", err)
	}
	return page, next, nil
}

// Opportunities iterates over every opportunity f selects, fetching page
// by page. An error ends the iteration after being yielded.
func (c *Client) Opportunities(ctx context.Context, f OpportunityFilter) iter.Seq2[*Opportunity, error] {
	return pages(ctx, f, c.ListOpportunities, func(f *OpportunityFilter, next Cursor) { f.After = next })
}

// OpportunityUpdate is a patch of a deal: nil fields are left as they
// are. Stages change only through moves.
type OpportunityUpdate struct {
	Name      *string
	ContactID *string
	Amount    *Money
	// Probability overrides the stage's until the next move; a closed
	// deal's stays 100 or 0.
	Probability *int
	CloseDate   *time.Time
	OwnerID     *string
	NextStep    *string
}

// UpdateOpportunity applies the patch u to the deal id, provided its
// stored version is still version, and returns the updated deal. A change
// of amount, probability, close date or owner adds an entry to its
// history. The deal must still have every field its stage requires.
// Errors: a [*ValidationError] for bad input, [ErrTransition] for a
// probability of a closed deal, [ErrConflict] for a stale version,
// [ErrNotFound] for a missing deal or contact; on any error nothing
// changes.
func (c *Client) UpdateOpportunity(ctx context.Context, id string, version int64, u OpportunityUpdate) (*Opportunity, error) {
	return c.modifyOpportunity(ctx, c.store, id, version, "update", func(tx Store, o *Opportunity, p *Pipeline, now time.Time) error {
		set(&o.Name, u.Name)
		set(&o.ContactID, u.ContactID)
		set(&o.Amount, u.Amount)
		set(&o.CloseDate, u.CloseDate)
		set(&o.OwnerID, u.OwnerID)
		set(&o.NextStep, u.NextStep)
		if u.Probability != nil {
			if o.Closed() {
				return fmt.Errorf("the deal is %s: its probability is fixed: %w", o.Status, ErrTransition)
			}
			o.Probability = *u.Probability
		}
		normalizeOpportunity(o)
		verr := &ValidationError{Entity: "opportunity"}
		checkOpportunity(o, verr)
		if stage, ok := p.Stage(o.Stage); ok && !o.Closed() {
			checkRequired(o, stage, verr)
		}
		if err := verr.err(); err != nil {
			return err
		}
		if u.ContactID != nil {
			_, err := c.opportunityRefs(ctx, tx, o)
			return err
		}
		return nil
	})
}

// MoveOptions adjust [Client.MoveOpportunity].
type MoveOptions struct {
	// LostReason is required to move a deal to a lost stage: one of the
	// pipeline's LostReasons when it lists any.
	LostReason string
	// Order, when not nil and the move wins the deal, is created in the
	// move's transaction as [Client.CreateOrder] would, credit check
	// included, for the deal's customer and linked to the deal by
	// OpportunityID; an order with no lines gets one, of quantity 1 at
	// the deal's amount, described by the deal's name. If the order is
	// refused, so is the move. Find it with [OrderFilter.OpportunityIDs].
	Order *Order
}

// MoveOpportunity moves the deal id to the stage to of its pipeline, as
// [Pipeline.Move] rules, provided its stored version is still version, and
// records the move in its history. Moving a deal to the stage it is in
// changes nothing. Errors: as [Pipeline.Move] ([*ValidationError] for an
// unknown stage or a missing required field or lost reason,
// [ErrTransition] for a closed deal), [ErrConflict] for a stale version,
// [ErrNotFound] for a missing deal, and when the move wins the deal with
// opts.Order set, those of [Client.CreateOrder] ([ErrCreditLimit]
// among them); on any error nothing changes.
func (c *Client) MoveOpportunity(ctx context.Context, id string, version int64, to string, opts MoveOptions) (*Opportunity, error) {
	return c.modifyOpportunity(ctx, c.store, id, version, "move", func(tx Store, o *Opportunity, p *Pipeline, now time.Time) error {
		if s, ok := p.Stage(to); ok && s.Category == CategoryClosedLost {
			o.LostReason = strings.TrimSpace(opts.LostReason)
		}
		if err := p.Move(o, to, now); err != nil || opts.Order == nil || o.Status != OpportunityWon {
			return err
		}
		return c.orderForWin(ctx, tx, o, opts.Order, now)
	})
}

// ReopenOpportunity moves the won or lost deal id back to the open stage
// to, as [Pipeline.Reopen] rules, provided its stored version is still
// version, and records the move in its history. Errors as for
// [Client.MoveOpportunity]; reopening an open deal is an [ErrTransition].
func (c *Client) ReopenOpportunity(ctx context.Context, id string, version int64, to string) (*Opportunity, error) {
	return c.modifyOpportunity(ctx, c.store, id, version, "reopen", func(_ Store, o *Opportunity, p *Pipeline, now time.Time) error {
		return p.Reopen(o, to, now)
	})
}

// modifyOpportunity loads the deal id at version and its pipeline from s,
// lets change edit the deal and, if it changed, writes it back with a
// history entry when one is due, all in one transaction (joining s's, if
// s is a transaction's).
func (c *Client) modifyOpportunity(ctx context.Context, s Store, id string, version int64, op string, change func(tx Store, o *Opportunity, p *Pipeline, now time.Time) error) (*Opportunity, error) {
	now, by := c.now(), actorID(ctx)
	var out *Opportunity
	err := s.RunInTx(ctx, func(tx Store) error {
		o, err := tx.FindOpportunityByID(ctx, id)
		if err != nil {
			return err
		}
		if o.Version != version {
			return fmt.Errorf("have version %d, stored %d: %w", version, o.Version, ErrConflict)
		}
		p, err := tx.FindPipelineByID(ctx, o.PipelineID)
		if err != nil {
			return fmt.Errorf("pipeline %s: %w", o.PipelineID, err)
		}
		before := o.Clone()
		if err := change(tx, o, p, now); err != nil {
			return err
		}
		if *o == *before {
			out = o
			return nil
		}
		o.UpdatedAt, o.UpdatedBy = now, by
		if err := tx.UpdateOpportunity(ctx, o); err != nil {
			return err
		}
		if err := c.recordOwnerChange(ctx, tx, EntityOpportunity, id, o.CustomerID, before.OwnerID, o.OwnerID, now, by, ""); err != nil {
			return err
		}
		if ch, due := changeOf(before, o); due {
			if err := tx.AddOpportunityChange(ctx, &ch); err != nil {
				return err
			}
		}
		out = o.Clone()
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped(op+" opportunity "+id, err)
	}
	return out, nil
}

// OpportunityHistory returns the history of the deal id, in the order it
// happened: its creation, then every move and every change of amount,
// probability, close date or owner. A missing deal returns an error
// matching [ErrNotFound].
func (c *Client) OpportunityHistory(ctx context.Context, id string) ([]OpportunityChange, error) {
	if _, err := c.store.FindOpportunityByID(ctx, id); err != nil {
		return nil, fmt.Errorf("crm: opportunity history %s: %w", id, err)
	}
	var out []OpportunityChange
	for ch, err := range c.OpportunityChanges(ctx, OpportunityChangeFilter{OpportunityIDs: []string{id}, Limit: MaxPageLimit}) {
		if err != nil {
			return nil, err
		}
		out = append(out, *ch)
	}
	return out, nil
}

// OpportunityChanges iterates over the history entries f selects — every
// deal's when f.OpportunityIDs is empty — ordered by deal and then by
// version, fetching page by page: the input of analytics that rebuild the
// pipeline as of a past date. An error ends the iteration after being
// yielded.
func (c *Client) OpportunityChanges(ctx context.Context, f OpportunityChangeFilter) iter.Seq2[*OpportunityChange, error] {
	return pages(ctx, f, func(ctx context.Context, f OpportunityChangeFilter) ([]*OpportunityChange, Cursor, error) {
		if err := checkLimit("opportunity change filter", f.Limit); err != nil {
			return nil, "", err
		}
		page, next, err := c.store.FindOpportunityChanges(ctx, f)
		if err != nil {
			return nil, "", fmt.Errorf("crm: opportunity changes: %w", err)
		}
		return page, next, nil
	}, func(f *OpportunityChangeFilter, next Cursor) { f.After = next })
}

// opportunityKind moves opportunities in a merge.
var opportunityKind = ChildKind{
	Name: "opportunity",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		f := OpportunityFilter{CustomerIDs: []string{customerID}, Limit: MaxPageLimit}
		return childIDs(pages(ctx, f, tx.FindOpportunities, func(f *OpportunityFilter, c Cursor) { f.After = c }), func(o *Opportunity) string { return o.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveOpportunities(ctx, fromID, toID, at, by)
	},
}
