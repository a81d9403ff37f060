package memory

// The sales process: pipelines, opportunities and their histories, kept
// as customers and contacts are in memory.go.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// CreatePipeline stores a copy of p. It fails with [crm.ErrDuplicate] if a
// pipeline with p.ID exists, and with [crm.ErrInvalid] if p is nil or has
// no ID.
func (s *Store) CreatePipeline(ctx context.Context, p *crm.Pipeline) error {
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
	return findByID(ctx, s, &s.d.pipelines, "pipeline", id)
}

// FindPipelines returns copies of every pipeline, in ascending ID order.
func (s *Store) FindPipelines(ctx context.Context) ([]*crm.Pipeline, error) {
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
	return findByID(ctx, s, &s.d.opportunities, "opportunity", id)
}

// FindOpportunities returns copies of one page of the opportunities f
// selects, in ascending ID order, and the cursor of the next page ("" after
// the last). Matching is [crm.OpportunityFilter.Match]; with CustomerIDs
// only the deals of those customers are visited.
func (s *Store) FindOpportunities(ctx context.Context, f crm.OpportunityFilter) ([]*crm.Opportunity, crm.Cursor, error) {
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
		ids = d.opportunitiesOfAny(f.CustomerIDs)
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
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: add opportunity change: %w", err)
	}
	if ch == nil {
		return fmt.Errorf("memory: add opportunity change: nil change: %w", crm.ErrInvalid)
	}
	nc := *ch
	normChange(&nc)

	if err := s.lock(true); err != nil {
		return err
	}
	d := s.d
	if _, ok := d.opportunities[nc.OpportunityID]; !ok {
		s.unlock(true)
		return fmt.Errorf("memory: add change %d of opportunity %s: %w", nc.Version, nc.OpportunityID, crm.ErrNotFound)
	}
	if _, found := versionIndex(d.history[nc.OpportunityID], nc.Version); found {
		s.unlock(true)
		return fmt.Errorf("memory: add change %d of opportunity %s: %w", nc.Version, nc.OpportunityID, crm.ErrDuplicate)
	}
	s.save(undoEntry{kind: kindChange, id: nc.OpportunityID, version: nc.Version})
	d.putChange(&nc)
	s.unlock(true)
	return nil
}

// FindOpportunityChanges returns copies of one page of the history entries
// f selects, ordered by opportunity ID and then Version, and the cursor of
// the next page ("" after the last). A cursor this store did not return
// fails with [crm.ErrInvalid].
func (s *Store) FindOpportunityChanges(ctx context.Context, f crm.OpportunityChangeFilter) ([]*crm.OpportunityChange, crm.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find opportunity changes: %w", err)
	}
	limit, err := pageLimit("find opportunity changes", f.Limit)
	if err != nil {
		return nil, "", err
	}
	afterID, afterVersion, err := parseChangeCursor(f.After)
	if err != nil {
		return nil, "", err
	}

	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	d := s.d
	ids := d.historyIDs
	if len(f.OpportunityIDs) > 0 {
		ids = sortedSet(f.OpportunityIDs)
	}
	i, _ := slices.BinarySearch(ids, afterID)
	page := make([]*crm.OpportunityChange, 0, min(limit, 64))
	more := false
scan:
	for ; i < len(ids); i++ {
		entries := d.history[ids[i]]
		if f.After != "" && ids[i] == afterID {
			j, found := versionIndex(entries, afterVersion)
			if found {
				j++
			}
			entries = entries[j:]
		}
		for _, ch := range entries {
			if len(page) == limit {
				more = true
				break scan
			}
			page = append(page, ch)
		}
	}
	s.unlock(false)

	for i, ch := range page {
		c := *ch
		page[i] = &c
	}
	var next crm.Cursor
	if more {
		last := page[len(page)-1]
		next = changeCursor(last.OpportunityID, last.Version)
	}
	return page, next, nil
}

// MoveOpportunities re-points every opportunity of customer fromID to
// customer toID, stamping each with UpdatedAt at, UpdatedBy by and a
// Version one higher, and returns how many it moved. It writes no history
// entry. It fails with [crm.ErrNotFound] if toID names no customer. When
// fromID equals toID the deals stay where they are but are stamped and
// counted all the same.
func (s *Store) MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
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

// opportunitiesOfAny returns, in ascending order, the IDs of the
// opportunities of the customers customerIDs. The caller holds the lock
// and must not modify the result.
func (d *data) opportunitiesOfAny(customerIDs []string) []string {
	return childrenOfAny(d.opportunitiesOf, customerIDs)
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

// putChange adds ch, whose version its history lacks, to the history of
// its opportunity. Increasing versions, the usual case, are appended.
func (d *data) putChange(ch *crm.OpportunityChange) {
	entries := d.history[ch.OpportunityID]
	if len(entries) == 0 {
		d.historyIDs = insertSorted(d.historyIDs, ch.OpportunityID)
	}
	i, _ := versionIndex(entries, ch.Version)
	d.history[ch.OpportunityID] = slices.Insert(entries, i, ch)
}

// removeChange removes the entry of version from the history of the
// opportunity id, if it is there.
func (d *data) removeChange(id string, version int64) {
	entries := d.history[id]
	i, found := versionIndex(entries, version)
	if !found {
		return
	}
	entries = slices.Delete(entries, i, i+1)
	if len(entries) == 0 {
		delete(d.history, id)
		d.historyIDs = removeSorted(d.historyIDs, id)
		return
	}
	d.history[id] = entries
}

// versionIndex returns where the entry of version is, or would be, in
// entries, which ascend by Version, and whether it is there.
func versionIndex(entries []*crm.OpportunityChange, version int64) (int, bool) {
	if n := len(entries); n == 0 || entries[n-1].Version < version {
		return n, false
	}
	return slices.BinarySearchFunc(entries, version, func(ch *crm.OpportunityChange, v int64) int {
		return cmp.Compare(ch.Version, v)
	})
}

// changeCursor returns the cursor after the history entry version of the
// opportunity id: the version, a colon and the ID.
func changeCursor(id string, version int64) crm.Cursor {
	return crm.Cursor(strconv.FormatInt(version, 10) + ":" + id)
}

// parseChangeCursor returns the opportunity ID and the version a cursor
// of [changeCursor] names; "" for the zero cursor.
func parseChangeCursor(c crm.Cursor) (string, int64, error) {
	if c == "" {
		return "", 0, nil
	}
	v, id, ok := strings.Cut(string(c), ":")
	version, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil {
		return "", 0, fmt.Errorf("memory: find opportunity changes: cursor %q: %w", c, crm.ErrInvalid)
	}
	return id, version, nil
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
