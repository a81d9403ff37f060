package crm

import (
	"context"
	"iter"
	"slices"
	"time"
)

// This file holds the Client's side of the sales analytics: it streams
// deals and their histories out of the Store into the pure functions of
// forecast.go and funnel.go.

// historyPage is how many deals OpportunityHistories reads at a time, and
// historyChunk for how many of them it asks the histories in one call:
// short ID lists bind fast on every driver, and a chunk's histories
// usually fit in one page of entries.
const (
	historyPage  = MaxPageLimit
	historyChunk = 100
)

// OpportunityHistories iterates over the deals f selects, each with its
// whole history, fetching a page of deals and then their histories at a
// time, so that memory holds one page however many deals there are. An
// error ends the iteration after being yielded.
func (c *Client) OpportunityHistories(ctx context.Context, f OpportunityFilter) iter.Seq2[DealHistory, error] {
	return func(yield func(DealHistory, error) bool) {
		if f.Limit == 0 {
			f.Limit = historyPage
		}
		for {
			page, next, err := c.ListOpportunities(ctx, f)
			if err != nil {
				yield(DealHistory{}, err)
				return
			}
			ids := make([]string, len(page))
			histories := make(map[string][]OpportunityChange, len(page))
			for i, o := range page {
				ids[i] = o.ID
			}
			for chunk := range slices.Chunk(ids, historyChunk) {
				for ch, err := range c.OpportunityChanges(ctx, OpportunityChangeFilter{OpportunityIDs: chunk, Limit: MaxPageLimit}) {
					if err != nil {
						yield(DealHistory{}, err)
						return
					}
					histories[ch.OpportunityID] = append(histories[ch.OpportunityID], *ch)
				}
			}
			for _, o := range page {
				if !yield(DealHistory{Opportunity: o, Changes: histories[o.ID]}, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			f.After = next
		}
	}
}

// OpportunitiesAsOf iterates over the deals as they stood at time t,
// rebuilt from their histories ([DealHistory.AsOf]), that f selects then:
// a deal's owner, stage, status and close date are matched as they were
// at t. Deals created after t are left out. An error ends the iteration
// after being yielded.
func (c *Client) OpportunitiesAsOf(ctx context.Context, f OpportunityFilter, t time.Time) iter.Seq2[*Opportunity, error] {
	// Customers and pipelines do not change with history (a merge
	// re-points deals, but to the customer that now holds them), so the
	// store can narrow by them; the rest is matched on the rebuilt deal.
	f.CloseFrom, f.CloseBefore = dateOf(f.CloseFrom), dateOf(f.CloseBefore)
	stored := OpportunityFilter{CustomerIDs: f.CustomerIDs, PipelineIDs: f.PipelineIDs}
	return func(yield func(*Opportunity, error) bool) {
		for h, err := range c.OpportunityHistories(ctx, stored) {
			if err != nil {
				yield(nil, err)
				return
			}
			o, ok := h.AsOf(t)
			if !ok || !f.Match(o) {
				continue
			}
			if !yield(o, nil) {
				return
			}
		}
	}
}

// Forecast totals the deals f selects, as they stand now, as [Forecast]
// does over the pipelines they are in. A zero opts.AsOf means now.
func (c *Client) Forecast(ctx context.Context, f OpportunityFilter, opts ForecastOptions) (*ForecastReport, error) {
	if opts.AsOf.IsZero() {
		opts.AsOf = c.now()
	}
	if f.Limit == 0 {
		f.Limit = historyPage
	}
	return c.forecast(ctx, c.Opportunities(ctx, f), opts)
}

// ForecastAsOf is the forecast of the deals f selects as they stood at
// opts.AsOf (required), each rebuilt from its history
// ([Client.OpportunitiesAsOf]): what [Client.Forecast] would have said
// then, but for the pipelines' stages, which give the forecast
// categories as they are now.
func (c *Client) ForecastAsOf(ctx context.Context, f OpportunityFilter, opts ForecastOptions) (*ForecastReport, error) {
	if opts.AsOf.IsZero() {
		return nil, &ValidationError{Entity: "forecast options", Fields: []FieldError{{Field: "as_of", Reason: "required"}}}
	}
	return c.forecast(ctx, c.OpportunitiesAsOf(ctx, f, opts.AsOf), opts)
}

func (c *Client) forecast(ctx context.Context, opps iter.Seq2[*Opportunity, error], opts ForecastOptions) (*ForecastReport, error) {
	pipelines, err := c.Pipelines(ctx)
	if err != nil {
		return nil, err
	}
	return Forecast(opps, pipelines, opts)
}

// Funnel builds the stage-to-stage funnel of the pipeline pipelineID from
// the histories of its deals, as [Funnel] does.
func (c *Client) Funnel(ctx context.Context, pipelineID string, opts FunnelOptions) (*FunnelReport, error) {
	p, err := c.GetPipeline(ctx, pipelineID)
	if err != nil {
		return nil, err
	}
	return Funnel(p, c.OpportunityHistories(ctx, OpportunityFilter{PipelineIDs: []string{pipelineID}}), opts)
}
