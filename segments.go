package crm

import (
	"context"
	"fmt"
	"iter"
	"time"
)

// Segment is a named rule that selects customers: its members are the
// live (not archived) customers for which Rule holds.
type Segment struct {
	// ID is set by the Client when the segment is created.
	ID string
	// Name is required.
	Name        string
	Description string
	// Rule selects the members.
	Rule Condition

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the segment; updates must name the
	// version they read.
	Version int64
}

// Clone returns a deep copy of s.
func (s *Segment) Clone() *Segment {
	if s == nil {
		return nil
	}
	d := *s
	d.Rule = s.Rule.clone()
	return &d
}

func (c Condition) clone() Condition {
	d := c
	d.Values = append([]CustomValue(nil), c.Values...)
	if c.Terms != nil {
		d.Terms = make([]Condition, len(c.Terms))
		for i, t := range c.Terms {
			d.Terms[i] = t.clone()
		}
	}
	return d
}

// SegmentOptions tune how segment members are found.
type SegmentOptions struct {
	// Metrics returns the computed metrics of a customer (RFM scores,
	// value tier, lifetime value) and whether it has any. It is called
	// once per candidate that the stored part of the rule selects, so it
	// should be a lookup, not a computation. It is required when the rule
	// tests r, f, m, tier or clv.
	Metrics func(customerID string) (Metrics, bool)
}

// SegmentMembers iterates over the members of seg in ascending ID order:
// the live customers for which seg.Rule holds. The part of the rule a
// Store tests itself (the terms of a top-level and, or the whole rule,
// that test only stored fields; see [Condition.Stored]) runs in the
// Store, in SQL stores as a WHERE clause with bound values; the rest —
// custom fields, contains, computed metrics — is tested here on the
// candidates, page by page. An invalid rule, or one testing metrics
// without opts.Metrics, yields a [*ValidationError]; any error ends the
// iteration after being yielded.
func (c *Client) SegmentMembers(ctx context.Context, seg *Segment, opts SegmentOptions) iter.Seq2[*Customer, error] {
	return segmentMembers(ctx, c.store, seg, opts)
}

// segmentMembers streams the members of seg from s.
func segmentMembers(ctx context.Context, s Store, seg *Segment, opts SegmentOptions) iter.Seq2[*Customer, error] {
	return func(yield func(*Customer, error) bool) {
		if seg == nil {
			yield(nil, required("segment", "segment"))
			return
		}
		if err := checkSegmentRule(seg.Rule, opts); err != nil {
			yield(nil, err)
			return
		}
		stored, rest := seg.Rule.split()
		f := CustomerFilter{Rule: stored, Limit: MaxPageLimit}
		for cust, err := range pages(ctx, f, s.FindCustomers, func(f *CustomerFilter, next Cursor) { f.After = next }) {
			if err != nil {
				yield(nil, fmt.Errorf("crm: segment members: %w", err))
				return
			}
			if rest != nil && !rest.Match(cust, metricsOf(opts, cust.ID)) {
				continue
			}
			if !yield(cust, nil) {
				return
			}
		}
	}
}

// checkSegmentRule validates rule and that opts can evaluate it.
func checkSegmentRule(rule Condition, opts SegmentOptions) error {
	if err := rule.Validate(); err != nil {
		return err
	}
	if rule.NeedsMetrics() && opts.Metrics == nil {
		return &ValidationError{Entity: "segment options", Fields: []FieldError{{
			Field: "metrics", Reason: "required: the rule tests r, f, m, tier or clv"}}}
	}
	return nil
}

func metricsOf(opts SegmentOptions, id string) *Metrics {
	if opts.Metrics == nil {
		return nil
	}
	if m, ok := opts.Metrics(id); ok {
		return &m
	}
	return nil
}
