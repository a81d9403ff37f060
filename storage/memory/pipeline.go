package memory

// The sales process: pipelines, opportunities and their histories, kept
// as customers and contacts are in memory.go.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/crmkit/crm"
)

// CreatePipeline stores a copy of p. It fails with [crm.ErrDuplicate] if a
// pipeline with p.ID exists, and with [crm.ErrInvalid] if p is nil or has
// no ID.
func (s *Store) CreatePipeline(ctx context.Context, p *crm.Pipeline) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create pipeline: %w", err)
	}
	if p == nil || p.ID == "" {
		return fmt.Errorf("memory: create pipeline: no ID: %w", crm.ErrInvalid)
	}
	np := p.Clone()
	normPipeline(np)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	if _, ok := d.pipelines[np.ID]; ok {
		s.unlock(true)
		return fmt.Errorf("memory: create pipeline %s: %w", np.ID, crm.ErrDuplicate)
	}
	s.savePipeline(np.ID, nil)
	d.putPipeline(np, nil)
	s.unlock(true)
	return nil
}

// FindPipelineByID returns a copy of the pipeline id, or an error matching
// [crm.ErrNotFound].
func (s *Store) FindPipelineByID(ctx context.Context, id string) (*crm.Pipeline, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.pipelines, "pipeline", id)
}

// FindPipelines returns copies of every pipeline, in ascending ID order.
func (s *Store) FindPipelines(ctx context.Context) ([]*crm.Pipeline, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: find pipelines: %w", err)
	}
	if err := s.lock(false); err != nil {
		return nil, err
	}
	d := s.d
	out := make([]*crm.Pipeline, len(d.pipelineIDs))
	for i, id := range d.pipelineIDs {
		out[i] = d.pipelines[id]
	}
	s.unlock(false)
	return clonePage(out), nil
}

// UpdatePipeline replaces the stored pipeline p.ID with a copy of p under
// the version rule of [Store.UpdateCustomer].
func (s *Store) UpdatePipeline(ctx context.Context, p *crm.Pipeline) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update pipeline: %w", err)
	}
	if p == nil {
		return fmt.Errorf("memory: update pipeline: nil pipeline: %w", crm.ErrInvalid)
	}
	np := p.Clone()
	normPipeline(np)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	old, err := storedVersion(d.pipelines, pipelineVersion, "update pipeline", np.ID, np.Version)
	if err != nil {
		s.unlock(true)
		return err
	}
	np.Version++
	s.savePipeline(np.ID, old)
	d.putPipeline(np, old)
	s.unlock(true)
	p.Version = np.Version
	return nil
}

// CreateOpportunity stores a copy of o. It fails with [crm.ErrDuplicate]
// if an opportunity with o.ID exists, with [crm.ErrNotFound] if
// o.CustomerID names no customer or o.PipelineID no pipeline, and with
// [crm.ErrInvalid] if o is nil or has no ID.
func (s *Store) CreateOpportunity(ctx context.Context, o *crm.Opportunity) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: create opportunity: %w", err)
	}
	if o == nil || o.ID == "" {
		return fmt.Errorf("memory: create opportunity: no ID: %w", crm.ErrInvalid)
	}
	no := o.Clone()
	normOpportunity(no)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	if _, ok := d.opportunities[no.ID]; ok {
		s.unlock(true)
		return fmt.Errorf("memory: create opportunity %s: %w", no.ID, crm.ErrDuplicate)
	}
	if err := d.checkOpportunityRefs(no); err != nil {
		s.unlock(true)
		return fmt.Errorf("memory: create opportunity %s: %w", no.ID, err)
	}
	s.saveOpportunity(no.ID, nil)
	d.putOpportunity(no, nil)
	s.unlock(true)
	return nil
}

// FindOpportunityByID returns a copy of the opportunity id, or an error
// matching [crm.ErrNotFound].
func (s *Store) FindOpportunityByID(ctx context.Context, id string) (*crm.Opportunity, error) {
	s = s.in(ctx)
	return findByID(ctx, s, &s.d.opportunities, "opportunity", id)
}

// FindOpportunities returns copies of one page of the opportunities f
// selects, in ascending ID order, and the cursor of the next page ("" after
// the last). Matching is [crm.OpportunityFilter.Match]; with CustomerIDs
// only the deals of those customers are visited.
func (s *Store) FindOpportunities(ctx context.Context, f crm.OpportunityFilter) ([]*crm.Opportunity, crm.Cursor, error) {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find opportunities: %w", err)
	}
	limit, err := pageLimit("find opportunities", f.Limit)
	if err != nil {
		return nil, "", err
	}

	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	d := s.d
	ids := d.opportunityIDs
	if len(f.CustomerIDs) > 0 {
		ids = childrenOfAny(d.opportunitiesOf, f.CustomerIDs)
	}
	page, next, err := scanPage(ctx, d.opportunities, ids, f.After, limit, f.Match)
	s.unlock(false)
	if err != nil {
		return nil, "", fmt.Errorf("memory: find opportunities: %w", err)
	}
	return clonePage(page), next, nil
}

// UpdateOpportunity replaces the stored opportunity o.ID with a copy of o
// under the version rule of [Store.UpdateCustomer]. It fails with
// [crm.ErrNotFound] also if o.CustomerID names no customer or o.PipelineID
// no pipeline.
func (s *Store) UpdateOpportunity(ctx context.Context, o *crm.Opportunity) error {
	s = s.in(ctx)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: update opportunity: %w", err)
	}
	if o == nil {
		return fmt.Errorf("memory: update opportunity: nil opportunity: %w", crm.ErrInvalid)
	}
	no := o.Clone()
	normOpportunity(no)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	old, err := storedVersion(d.opportunities, opportunityVersion, "update opportunity", no.ID, no.Version)
	if err != nil {
		s.unlock(true)
		return err
	}
	if err := d.checkOpportunityRefs(no); err != nil {
		s.unlock(true)
		return fmt.Errorf("memory: update opportunity %s: %w", no.ID, err)
	}
	no.Version++
	s.saveOpportunity(no.ID, old)
	d.putOpportunity(no, old)
	s.unlock(true)
	o.Version = no.Version
	return nil
}

// AddOpportunityChange stores a copy of ch in the history of its
// opportunity. It fails with [crm.ErrDuplicate] if the history has an
// entry of ch.Version, with [crm.ErrNotFound] if the opportunity does not
// exist, and with [crm.ErrInvalid] if ch is nil.
func (s *Store) AddOpportunityChange(ctx context.Context, ch *crm.OpportunityChange) error {
	s = s.in(ctx)
	return addChange(ctx, s, &s.d.history, "opportunity", ch, normChange, func(d *data, id string) bool {
		_, ok := d.opportunities[id]
		return ok
	})
}

// FindOpportunityChanges returns copies of one page of the history entries
// f selects, ordered by opportunity ID and then Version, and the cursor of
// the next page ("" after the last). A cursor this store did not return
// fails with [crm.ErrInvalid].
func (s *Store) FindOpportunityChanges(ctx context.Context, f crm.OpportunityChangeFilter) ([]*crm.OpportunityChange, crm.Cursor, error) {
	s = s.in(ctx)
	return findChanges(ctx, s, &s.d.history, "opportunity changes", f.OpportunityIDs, f.After, f.Limit)
}

// opportunityChangeKey is the key of an opportunity's history entry.
func opportunityChangeKey(ch *crm.OpportunityChange) (string, int64) {
	return ch.OpportunityID, ch.Version
}

// MoveOpportunities re-points every opportunity of customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved. It writes no history
// entry. It fails with [crm.ErrNotFound] if toID names no customer. When
// fromID equals toID the deals stay where they are but are stamped and
// counted all the same.
func (s *Store) MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	s = s.in(ctx)
	at = crm.Timestamp(at)
	if err := s.beginMove(ctx, "opportunities", fromID, toID); err != nil {
		return 0, err
	}
	d := s.d
	ids := d.opportunitiesOf[fromID]
	moveRecords(d.opportunities, ids, func(no *crm.Opportunity) {
		no.CustomerID = toID
		no.UpdatedAt = at
		no.UpdatedBy = by
		no.Version++
	}, s.saveOpportunity)
	moveChildren(d.opportunitiesOf, fromID, toID)
	s.unlock(true)
	return len(ids), nil
}

// checkOpportunityRefs returns an error matching [crm.ErrNotFound] if the
// customer or the pipeline of o is missing.
func (d *data) checkOpportunityRefs(o *crm.Opportunity) error {
	if _, ok := d.customers[o.CustomerID]; !ok {
		return fmt.Errorf("customer %s: %w", o.CustomerID, crm.ErrNotFound)
	}
	if _, ok := d.pipelines[o.PipelineID]; !ok {
		return fmt.Errorf("pipeline %s: %w", o.PipelineID, crm.ErrNotFound)
	}
	return nil
}

// childrenOfAny returns, in ascending order, the IDs that the
// per-customer index of lists for the customers customerIDs. The caller
// holds the lock and must not modify the result.
func childrenOfAny(of map[string][]string, customerIDs []string) []string {
	if len(customerIDs) == 1 {
		return of[customerIDs[0]]
	}
	var ids []string
	for _, id := range sortedSet(customerIDs) {
		ids = append(ids, of[id]...)
	}
	slices.Sort(ids) // disjoint lists: no ID twice
	return ids
}

// putPipeline stores p in place of old (nil if p is new).
func (d *data) putPipeline(p, old *crm.Pipeline) {
	d.pipelines[p.ID] = p
	if old == nil {
		d.pipelineIDs = insertSorted(d.pipelineIDs, p.ID)
	}
}

// restorePipeline makes p the pipeline id, removing it if p is nil.
func (d *data) restorePipeline(id string, p *crm.Pipeline) {
	cur := d.pipelines[id]
	switch {
	case p == nil && cur != nil:
		delete(d.pipelines, id)
		d.pipelineIDs = removeSorted(d.pipelineIDs, id)
	case p != nil:
		d.putPipeline(p, cur)
	}
}

// putOpportunity stores o in place of old (nil if o is new), keeping the
// indexes.
func (d *data) putOpportunity(o, old *crm.Opportunity) {
	d.opportunities[o.ID] = o
	switch {
	case old == nil:
		d.opportunityIDs = insertSorted(d.opportunityIDs, o.ID)
		indexChild(d.opportunitiesOf, o.CustomerID, o.ID)
	case old.CustomerID != o.CustomerID:
		unindexChild(d.opportunitiesOf, old.CustomerID, o.ID)
		indexChild(d.opportunitiesOf, o.CustomerID, o.ID)
	}
}

// restoreOpportunity makes o the opportunity id, removing it if o is nil.
func (d *data) restoreOpportunity(id string, o *crm.Opportunity) {
	cur := d.opportunities[id]
	switch {
	case o == nil && cur != nil:
		delete(d.opportunities, id)
		d.opportunityIDs = removeSorted(d.opportunityIDs, id)
		unindexChild(d.opportunitiesOf, cur.CustomerID, id)
	case o != nil:
		d.putOpportunity(o, cur)
	}
}

// sortedSet returns the distinct values of vals in ascending order, in a
// new slice.
func sortedSet(vals []string) []string {
	out := slices.Clone(vals)
	slices.Sort(out)
	return slices.Compact(out)
}

// normPipeline puts every time of p in the stored form.
func normPipeline(p *crm.Pipeline) {
	stamp(&p.CreatedAt)
	stamp(&p.UpdatedAt)
}

// normOpportunity puts every time of o in the stored form.
func normOpportunity(o *crm.Opportunity) {
	stamp(&o.CloseDate)
	stamp(&o.StageEnteredAt)
	stamp(&o.ClosedAt)
	stamp(&o.CreatedAt)
	stamp(&o.UpdatedAt)
}

// normChange puts every time of ch in the stored form.
func normChange(ch *crm.OpportunityChange) {
	stamp(&ch.At)
	stamp(&ch.CloseDate)
}
