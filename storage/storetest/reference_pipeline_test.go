package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// The reference store's pipelines, opportunities and histories, with the
// faults of the sales process.

// inPipeline returns what to store for p.
func (s *refStore) inPipeline(p *crm.Pipeline) *crm.Pipeline {
	if s.is("alias-in") {
		return p
	}
	p = s.copyPipeline(p)
	p.CreatedAt, p.UpdatedAt = s.timestamp(p.CreatedAt), s.timestamp(p.UpdatedAt)
	return p
}

// outPipeline returns what to hand out for the stored p.
func (s *refStore) outPipeline(p *crm.Pipeline) *crm.Pipeline {
	if s.is("alias-out") {
		return p
	}
	return s.copyPipeline(p)
}

func (s *refStore) copyPipeline(p *crm.Pipeline) *crm.Pipeline {
	if s.is("pipeline-requires-aliased") {
		out := *p
		out.Stages = slices.Clone(p.Stages) // the stages' Requires stay shared
		out.LostReasons = slices.Clone(p.LostReasons)
		return &out
	}
	return p.Clone()
}

func (s *refStore) inOpportunity(o *crm.Opportunity) *crm.Opportunity {
	if s.is("alias-in") {
		return o
	}
	o = o.Clone()
	ts := s.timestamp
	o.CloseDate, o.StageEnteredAt, o.ClosedAt = ts(o.CloseDate), ts(o.StageEnteredAt), ts(o.ClosedAt)
	o.CreatedAt, o.UpdatedAt = ts(o.CreatedAt), ts(o.UpdatedAt)
	o.Amount = s.amount(o.Amount)
	return o
}

func (s *refStore) outOpportunity(o *crm.Opportunity) *crm.Opportunity {
	if s.is("alias-out") {
		return o
	}
	o = o.Clone()
	if s.is("zero-time-epoch") && o.ClosedAt.IsZero() {
		o.ClosedAt = time.Unix(0, 0).UTC()
	}
	return o
}

func (s *refStore) inChange(ch *crm.OpportunityChange) *crm.OpportunityChange {
	if s.is("alias-in") {
		return ch
	}
	c := *ch
	c.At, c.CloseDate = s.timestamp(c.At), s.timestamp(c.CloseDate)
	c.Amount = s.amount(c.Amount)
	return &c
}

func (s *refStore) outChange(ch *crm.OpportunityChange) *crm.OpportunityChange {
	if s.is("alias-out") {
		return ch
	}
	c := *ch
	return &c
}

// amount returns what to store for m.
func (s *refStore) amount(m crm.Money) crm.Money {
	if s.is("amount-float") {
		f, _ := m.Amount.Float64()
		m.Amount = decimal.NewFromFloat(f)
	}
	return m
}

func (s *refStore) CreatePipeline(ctx context.Context, p *crm.Pipeline) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.pipelines[p.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: pipeline %s: %w", p.ID, crm.ErrDuplicate)
		}
		st.pipelines[p.ID] = s.inPipeline(p)
		s.db.seq++
		st.created[p.ID] = s.db.seq
		return nil
	})
}

func (s *refStore) FindPipelineByID(ctx context.Context, id string) (*crm.Pipeline, error) {
	var out *crm.Pipeline
	err := s.do(ctx, func(st *refState) error {
		p, ok := st.pipelines[id]
		if !ok {
			return s.notFound("pipeline " + id)
		}
		out = s.outPipeline(p)
		return nil
	})
	return out, err
}

func (s *refStore) FindPipelines(ctx context.Context) ([]*crm.Pipeline, error) {
	var out []*crm.Pipeline
	err := s.do(ctx, func(st *refState) error {
		var ids []string
		for id := range st.pipelines {
			ids = append(ids, id)
		}
		if s.is("insertion-order") {
			slices.SortFunc(ids, func(a, b string) int { return st.created[a] - st.created[b] })
		} else {
			slices.Sort(ids)
		}
		for _, id := range ids {
			out = append(out, s.outPipeline(st.pipelines[id]))
		}
		return nil
	})
	return out, err
}

func (s *refStore) UpdatePipeline(ctx context.Context, p *crm.Pipeline) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.pipelines[p.ID]
		if !ok && !s.is("update-upserts") {
			return s.notFound("pipeline " + p.ID)
		}
		if ok && old.Version != p.Version && !s.is("no-version-check") && !s.is("pipeline-no-version-check") {
			return fmt.Errorf("ref: pipeline %s: %w", p.ID, crm.ErrConflict)
		}
		np := s.inPipeline(p)
		np.Version = p.Version + 1
		if ok && (s.is("no-version-check") || s.is("pipeline-no-version-check")) {
			np.Version = old.Version + 1
		}
		st.pipelines[p.ID] = np
		if !s.is("version-not-set") {
			p.Version = np.Version
		}
		return nil
	})
}

// checkOpportunityRefs returns an error matching ErrNotFound if the
// customer or the pipeline of o is missing.
func (s *refStore) checkOpportunityRefs(st *refState, o *crm.Opportunity) error {
	if _, ok := st.customers[o.CustomerID]; !ok && !s.is("no-customer-check") {
		return s.notFound("customer " + o.CustomerID)
	}
	if _, ok := st.pipelines[o.PipelineID]; !ok && !s.is("opp-no-pipeline-check") {
		return s.notFound("pipeline " + o.PipelineID)
	}
	return nil
}

func (s *refStore) CreateOpportunity(ctx context.Context, o *crm.Opportunity) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.opportunities[o.ID]; ok && !s.is("create-overwrites") {
			return fmt.Errorf("ref: opportunity %s: %w", o.ID, crm.ErrDuplicate)
		}
		if err := s.checkOpportunityRefs(st, o); err != nil {
			return err
		}
		st.opportunities[o.ID] = s.inOpportunity(o)
		s.db.seq++
		st.created[o.ID] = s.db.seq
		return nil
	})
}

func (s *refStore) FindOpportunityByID(ctx context.Context, id string) (*crm.Opportunity, error) {
	var out *crm.Opportunity
	err := s.do(ctx, func(st *refState) error {
		o, ok := st.opportunities[id]
		if !ok {
			return s.notFound("opportunity " + id)
		}
		out = s.outOpportunity(o)
		return nil
	})
	return out, err
}

func (s *refStore) FindOpportunities(ctx context.Context, f crm.OpportunityFilter) ([]*crm.Opportunity, crm.Cursor, error) {
	if f.Limit < 0 && !s.is("negative-limit-ok") {
		return nil, "", fmt.Errorf("ref: limit %d: %w", f.Limit, crm.ErrInvalid)
	}
	var page []*crm.Opportunity
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		match := func(o *crm.Opportunity) bool { return s.matchOpportunity(o, f) }
		page, next = refPage(s, st, st.opportunities, match, s.outOpportunity, f.After, f.Limit)
		return nil
	})
	return page, next, err
}

// refPage returns the page after the cursor after of the records of m
// that match admits, as out hands them out, in the order of their IDs (or
// of their creation, under the fault insertion-order), and the cursor of
// the next page.
func refPage[T any](s *refStore, st *refState, m map[string]*T, match func(*T) bool, out func(*T) *T, after crm.Cursor, limit int) ([]*T, crm.Cursor) {
	var ids []string
	for id, v := range m {
		if match(v) {
			ids = append(ids, id)
		}
	}
	if s.is("insertion-order") {
		slices.SortFunc(ids, func(a, b string) int { return st.created[a] - st.created[b] })
	} else {
		slices.Sort(ids)
	}
	from, to, next := s.pageBounds(ids, after, s.limit(limit))
	var page []*T
	for _, id := range ids[from:to] {
		page = append(page, out(m[id]))
	}
	return page, next
}

// limit returns the limit to page with for a filter's limit, which is
// negative only under the fault negative-limit-ok.
func (s *refStore) limit(limit int) int {
	switch {
	case limit < 0:
		return 0
	case limit > crm.MaxPageLimit && !s.is("no-max-limit"):
		return crm.MaxPageLimit
	}
	return limit
}

func (s *refStore) matchOpportunity(o *crm.Opportunity, f crm.OpportunityFilter) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	customers := f.CustomerIDs
	if s.is("opp-customers-first-only") {
		customers = customers[:min(1, len(customers))]
	}
	if !in(customers, o.CustomerID) || !in(f.PipelineIDs, o.PipelineID) || !in(f.Owners, o.OwnerID) || !in(f.Stages, o.Stage) {
		return false
	}
	if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, o.Status) {
		return false
	}
	noDate := o.CloseDate.IsZero() && !s.is("opp-zero-close-date-matches")
	if !f.CloseFrom.IsZero() {
		if noDate || o.CloseDate.Before(f.CloseFrom) || s.is("opp-close-from-exclusive") && o.CloseDate.Equal(f.CloseFrom) {
			return false
		}
	}
	if !f.CloseBefore.IsZero() && !s.is("opp-close-before-ignored") {
		if noDate || o.CloseDate.After(f.CloseBefore) || o.CloseDate.Equal(f.CloseBefore) && !s.is("opp-close-before-inclusive") {
			return false
		}
	}
	return true
}

func (s *refStore) UpdateOpportunity(ctx context.Context, o *crm.Opportunity) error {
	return s.do(ctx, func(st *refState) error {
		old, ok := st.opportunities[o.ID]
		if !ok && !s.is("update-upserts") {
			return s.notFound("opportunity " + o.ID)
		}
		if ok && old.Version != o.Version && !s.is("no-version-check") {
			return fmt.Errorf("ref: opportunity %s: %w", o.ID, crm.ErrConflict)
		}
		if err := s.checkOpportunityRefs(st, o); err != nil {
			return err
		}
		no := s.inOpportunity(o)
		no.Version = o.Version + 1
		if ok && s.is("no-version-check") {
			no.Version = old.Version + 1
		}
		st.opportunities[o.ID] = no
		if !s.is("version-not-set") {
			o.Version = no.Version
		}
		return nil
	})
}

func (s *refStore) AddOpportunityChange(ctx context.Context, ch *crm.OpportunityChange) error {
	return s.do(ctx, func(st *refState) error {
		if _, ok := st.opportunities[ch.OpportunityID]; !ok && !s.is("history-no-opportunity-check") {
			return s.notFound("opportunity " + ch.OpportunityID)
		}
		i := slices.IndexFunc(st.changes, func(c *crm.OpportunityChange) bool {
			return c.OpportunityID == ch.OpportunityID && c.Version == ch.Version
		})
		switch {
		case i >= 0 && s.is("history-overwrites"):
			st.changes[i] = s.inChange(ch)
		case i >= 0:
			return fmt.Errorf("ref: change %d of opportunity %s: %w", ch.Version, ch.OpportunityID, crm.ErrDuplicate)
		default:
			st.changes = append(st.changes, s.inChange(ch))
		}
		return nil
	})
}

// changeKey returns a text that sorts as the history entry of version of
// the record id sorts: by ID, then by version. prefix names the faults of
// the history ("" for opportunities', "case-" for cases').
func (s *refStore) changeKey(prefix, id string, version int64) string {
	if s.is(prefix + "history-versions-as-text") {
		return fmt.Sprintf("%s\x00%d", id, version)
	}
	return fmt.Sprintf("%s\x00%020d", id, version)
}

func (s *refStore) FindOpportunityChanges(ctx context.Context, f crm.OpportunityChangeFilter) ([]*crm.OpportunityChange, crm.Cursor, error) {
	return refFindChanges(ctx, s, "", func(st *refState) []*crm.OpportunityChange { return st.changes }, f.OpportunityIDs, f.After, f.Limit,
		func(ch *crm.OpportunityChange) (string, int64) { return ch.OpportunityID, ch.Version }, s.outChange)
}

// refFindChanges returns one page of the entries of a history (history
// reads it, in the order added) of the records ids (all if empty),
// ordered by key, and the next cursor; prefix names the history's faults.
func refFindChanges[C any](ctx context.Context, s *refStore, prefix string, history func(*refState) []*C, ids []string, after crm.Cursor, limit int,
	key func(*C) (string, int64), out func(*C) *C,
) ([]*C, crm.Cursor, error) {
	if limit < 0 && !s.is("negative-limit-ok") {
		return nil, "", fmt.Errorf("ref: limit %d: %w", limit, crm.ErrInvalid)
	}
	var page []*C
	var next crm.Cursor
	err := s.do(ctx, func(st *refState) error {
		var selected []*C
		for _, ch := range history(st) {
			if id, _ := key(ch); len(ids) == 0 || slices.Contains(ids, id) {
				selected = append(selected, ch)
			}
		}
		sortKey := func(ch *C) string { id, v := key(ch); return s.changeKey(prefix, id, v) }
		if s.is(prefix + "history-insertion-order") {
			slices.SortStableFunc(selected, func(a, b *C) int {
				ia, _ := key(a)
				ib, _ := key(b)
				return strings.Compare(ia, ib)
			})
		} else {
			slices.SortFunc(selected, func(a, b *C) int { return strings.Compare(sortKey(a), sortKey(b)) })
		}
		keys := make([]string, len(selected))
		for i, ch := range selected {
			keys[i] = sortKey(ch)
		}
		from, to, cur := s.pageBounds(keys, after, s.limit(limit))
		for _, ch := range selected[from:to] {
			page = append(page, out(ch))
		}
		next = cur
		return nil
	})
	return page, next, err
}

func (s *refStore) MoveOpportunities(ctx context.Context, fromID, toID string, at time.Time, by string) (int, error) {
	n := 0
	err := s.do(ctx, func(st *refState) error {
		if _, ok := st.customers[toID]; !ok && !s.is("move-no-target-check") {
			return s.notFound("customer " + toID)
		}
		for id, o := range st.opportunities {
			if o.CustomerID != fromID {
				continue
			}
			no := o.Clone()
			no.CustomerID = toID
			no.UpdatedAt = s.timestamp(at)
			no.UpdatedBy = by
			if !s.is("move-no-version") {
				no.Version++
			}
			st.opportunities[id] = no
			if s.is("move-writes-history") {
				st.changes = append(st.changes, &crm.OpportunityChange{
					OpportunityID: id, Version: no.Version, At: no.UpdatedAt, By: by,
					FromStage: no.Stage, ToStage: no.Stage, Status: no.Status, Amount: no.Amount,
					Probability: no.Probability, CloseDate: no.CloseDate, OwnerID: no.OwnerID,
				})
			}
			n++
		}
		return nil
	})
	return n, err
}
