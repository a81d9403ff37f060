package crm

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// DealHistory is a deal with its history, in Version order: what
// [Client.OpportunityHistories] yields and what the funnel and the
// pipeline as of a past date are built from.
type DealHistory struct {
	Opportunity *Opportunity
	Changes     []OpportunityChange
}

// AsOf returns the deal as it stood at time t, rebuilt from its history:
// stage, status, amount, probability, close date and owner as the entry
// in force at t recorded them, with the time it entered that stage and,
// if closed, when. Its name, customer, contact, next step and lost reason
// are today's (only a deal lost at t keeps its lost reason). AsOf reports
// false if the deal did not exist yet at t or has no history.
func (h DealHistory) AsOf(t time.Time) (*Opportunity, bool) {
	ch, ok := OpportunityAsOf(h.Changes, t)
	if !ok || h.Opportunity == nil {
		return nil, false
	}
	o := h.Opportunity.Clone()
	o.Stage, o.Status, o.Amount, o.Probability = ch.ToStage, ch.Status, ch.Amount, ch.Probability
	o.CloseDate, o.OwnerID = ch.CloseDate, ch.OwnerID
	o.UpdatedAt, o.UpdatedBy, o.Version = ch.At, ch.By, ch.Version
	o.StageEnteredAt, o.ClosedAt = time.Time{}, time.Time{}
	for _, c := range h.Changes {
		if c.At.After(t) {
			break
		}
		if c.Moved() {
			o.StageEnteredAt = c.At
		}
	}
	if o.Closed() {
		o.ClosedAt = o.StageEnteredAt
	}
	if o.Status != OpportunityLost {
		o.LostReason = ""
	}
	return o, true
}

// FunnelOptions select the deals of a funnel.
type FunnelOptions struct {
	// From and To, if set, keep only deals created on or after From and
	// before To: a cohort.
	From, To time.Time
	// AsOf, if set, reads each history only up to this time.
	AsOf time.Time
}

// FunnelStep is one step of a funnel: an open stage of the pipeline, or
// its won stage, which comes last.
type FunnelStep struct {
	Stage, Name string
	// Reached counts the deals that got to this stage or past it (a deal
	// that skipped a stage passed it). Entered counts those that were in
	// it at some time.
	Reached, Entered int
	// Lost counts the deals lost from this stage, and Open those in it at
	// the end.
	Lost, Open int
	// Conversion is the share of the deals that reached this step that
	// reached the next (0–1); 0 on the last step and for a step no deal
	// reached.
	Conversion float64
}

// FunnelReport is the stage-to-stage funnel of one pipeline, from the
// deals' histories.
type FunnelReport struct {
	PipelineID string
	Steps      []FunnelStep
	// Deals counts the deals of the funnel; Won, Lost and Open their
	// status at the end.
	Deals, Won, Lost, Open int
	// WinRate is Won / Deals: the funnel's end-to-end conversion.
	WinRate float64
	// Excluded counts deals left out: of another pipeline, created
	// outside From–To, or not yet created at AsOf.
	Excluded int
}

// FunnelBuilder accumulates a funnel one deal at a time, holding one
// counter per stage. It is not safe for concurrent use.
type FunnelBuilder struct {
	pipeline *Pipeline
	opts     FunnelOptions
	steps    []FunnelStep
	index    map[string]int // stage key → step
	report   FunnelReport
}

// NewFunnel returns a FunnelBuilder for the deals of pipeline p.
func NewFunnel(p *Pipeline, opts FunnelOptions) (*FunnelBuilder, error) {
	if p == nil {
		return nil, required("funnel", "pipeline")
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && !opts.From.Before(opts.To) {
		return nil, &ValidationError{Entity: "funnel options", Fields: []FieldError{{Field: "to", Reason: "must be after from"}}}
	}
	b := &FunnelBuilder{pipeline: p, opts: opts, index: make(map[string]int), report: FunnelReport{PipelineID: p.ID}}
	for _, s := range p.Stages {
		if s.Category == CategoryClosedLost {
			continue
		}
		b.index[s.Key] = len(b.steps)
		b.steps = append(b.steps, FunnelStep{Stage: s.Key, Name: s.Name})
	}
	// The won stage is the last step, wherever the pipeline lists it.
	if won, ok := p.WonStage(); ok {
		i := b.index[won.Key]
		w := b.steps[i]
		b.steps = append(slices.Delete(b.steps, i, i+1), w)
		for j, s := range b.steps {
			b.index[s.Stage] = j
		}
	}
	return b, nil
}

// Add counts the deal h in the funnel.
func (b *FunnelBuilder) Add(h DealHistory) {
	o := h.Opportunity
	changes := h.Changes
	if !b.opts.AsOf.IsZero() {
		n, _ := slices.BinarySearchFunc(changes, b.opts.AsOf, func(ch OpportunityChange, t time.Time) int {
			if ch.At.After(t) {
				return 1
			}
			return -1
		})
		changes = changes[:n]
	}
	if o == nil || o.PipelineID != b.pipeline.ID || len(changes) == 0 ||
		(!b.opts.From.IsZero() && changes[0].At.Before(b.opts.From)) ||
		(!b.opts.To.IsZero() && !changes[0].At.Before(b.opts.To)) {
		b.report.Excluded++
		return
	}
	b.report.Deals++
	furthest, entered := -1, make([]bool, len(b.steps))
	for i, ch := range changes {
		if !ch.Moved() {
			continue
		}
		if j, ok := b.index[ch.ToStage]; ok {
			entered[j] = true
			furthest = max(furthest, j)
		}
		if ch.Status == OpportunityLost && i > 0 {
			if j, ok := b.index[ch.FromStage]; ok {
				b.steps[j].Lost++
			}
		}
	}
	for j := 0; j <= furthest; j++ {
		b.steps[j].Reached++
	}
	for j, e := range entered {
		if e {
			b.steps[j].Entered++
		}
	}
	switch last := changes[len(changes)-1]; last.Status {
	case OpportunityWon:
		b.report.Won++
	case OpportunityLost:
		b.report.Lost++
	default:
		b.report.Open++
		if j, ok := b.index[last.ToStage]; ok {
			b.steps[j].Open++
		}
	}
}

// Report returns the funnel of the deals added so far.
func (b *FunnelBuilder) Report() *FunnelReport {
	r := b.report
	r.Steps = slices.Clone(b.steps)
	for i := range r.Steps {
		if i+1 < len(r.Steps) && r.Steps[i].Reached > 0 {
			r.Steps[i].Conversion = float64(r.Steps[i+1].Reached) / float64(r.Steps[i].Reached)
		}
	}
	if r.Deals > 0 {
		r.WinRate = float64(r.Won) / float64(r.Deals)
	}
	return &r
}

// Funnel builds the funnel of pipeline p from the deals histories yields,
// as [FunnelBuilder] does. An error from histories ends it with that
// error.
func Funnel(p *Pipeline, histories iter.Seq2[DealHistory, error], opts FunnelOptions) (*FunnelReport, error) {
	b, err := NewFunnel(p, opts)
	if err != nil {
		return nil, err
	}
	for h, err := range histories {
		if err != nil {
			return nil, err
		}
		b.Add(h)
	}
	return b.Report(), nil
}

// SalesOptions configure [MeasureSales].
type SalesOptions struct {
	Conversion
	// From and To, if set, keep only the deals closed on or after From
	// and before To for the win rate, deal size and cycle length. Open
	// deals count for velocity whatever their dates.
	From, To time.Time
}

// SalesMetrics are the usual measures of a sales process over a period.
type SalesMetrics struct {
	Basis Basis
	// Won and Lost count the deals closed in the period; Open the deals
	// open now.
	Won, Lost, Open int
	// WinRate is Won / (Won + Lost), and AmountWinRate the same by
	// amount; 0 when nothing closed.
	WinRate, AmountWinRate float64
	// WonAmount totals the won deals and OpenAmount the open ones.
	WonAmount, OpenAmount Money
	// AverageDeal and MedianDeal are the mean and median won amount,
	// rounded to the minor unit half to even; the median of an even count
	// is the mean of the middle two.
	AverageDeal, MedianDeal Money
	// MeanCycle, MedianCycle and P90Cycle measure the sales cycle of won
	// deals, from creation to winning. P90Cycle is the nearest-rank 90th
	// percentile: the shortest cycle at least 90% of the deals did not
	// exceed.
	MeanCycle, MedianCycle, P90Cycle time.Duration
	// Velocity is the money the pipeline makes per day: Open × WinRate ×
	// AverageDeal ÷ mean cycle in days, rounded to the minor unit half
	// to even; zero without a won deal.
	Velocity Money
}

// MeasureSales measures the deals opps yields: win rate, deal size, sales
// cycle and velocity. It keeps the amount and cycle of every won deal of
// the period, for the medians; everything else is counted as it goes.
func MeasureSales(opps iter.Seq2[*Opportunity, error], opts SalesOptions) (*SalesMetrics, error) {
	verr := &ValidationError{Entity: "sales options"}
	cv := opts.Conversion
	basis := cv.basis(verr)
	if err := verr.err(); err != nil {
		return nil, err
	}
	from, to := Timestamp(opts.From), Timestamp(opts.To)
	m := &SalesMetrics{Basis: basis}
	var wonSum, lostSum, openSum decimal.Decimal
	var amounts []decimal.Decimal
	var cycles []time.Duration
	for o, err := range opps {
		if err != nil {
			return nil, err
		}
		if !o.Closed() {
			amount, _, err := cv.convert(o)
			if err != nil {
				return nil, fmt.Errorf("crm: measure sales: %w", err)
			}
			m.Open++
			openSum = openSum.Add(amount)
			continue
		}
		if (!from.IsZero() && o.ClosedAt.Before(from)) || (!to.IsZero() && !o.ClosedAt.Before(to)) {
			continue
		}
		amount, _, err := cv.convert(o)
		if err != nil {
			return nil, fmt.Errorf("crm: measure sales: %w", err)
		}
		if o.Status == OpportunityLost {
			m.Lost++
			lostSum = lostSum.Add(amount)
			continue
		}
		m.Won++
		wonSum = wonSum.Add(amount)
		amounts = append(amounts, amount)
		cycles = append(cycles, o.ClosedAt.Sub(o.CreatedAt))
	}
	cur := basis.Currency
	digits, _ := CurrencyDigits(cur)
	money := func(d decimal.Decimal) Money { return Money{Amount: d, Currency: cur} }
	m.WonAmount, m.OpenAmount = money(wonSum), money(openSum)
	m.AverageDeal, m.MedianDeal, m.Velocity = money(decimal.Zero), money(decimal.Zero), money(decimal.Zero)
	if closed := m.Won + m.Lost; closed > 0 {
		m.WinRate = float64(m.Won) / float64(closed)
	}
	if total := wonSum.Add(lostSum); total.Sign() > 0 {
		m.AmountWinRate = wonSum.Div(total).InexactFloat64()
	}
	if m.Won == 0 {
		return m, nil
	}
	n := decimal.NewFromInt(int64(m.Won))
	m.AverageDeal = money(quoBank(wonSum, n, int32(digits)))
	slices.SortFunc(amounts, decimal.Decimal.Cmp)
	mid := len(amounts) / 2
	if len(amounts)%2 == 1 {
		m.MedianDeal = money(amounts[mid])
	} else {
		m.MedianDeal = money(quoBank(amounts[mid-1].Add(amounts[mid]), decimal.NewFromInt(2), int32(digits)))
	}
	cycle := newDurationStats(cycles)
	m.MeanCycle, m.MedianCycle, m.P90Cycle = cycle.Mean, cycle.Median, cycle.P90
	if m.MeanCycle > 0 {
		// Open × (Won ÷ closed) × (wonSum ÷ Won) ÷ (mean cycle ÷ a day)
		// = Open × wonSum × a day ÷ (closed × mean cycle), in nanoseconds.
		num := decimal.NewFromInt(int64(m.Open)).Mul(wonSum).Mul(decimal.NewFromInt(int64(24 * time.Hour)))
		den := decimal.NewFromInt(int64(m.Won + m.Lost)).Mul(decimal.NewFromInt(int64(m.MeanCycle)))
		m.Velocity = money(quoBank(num, den, int32(digits)))
	}
	return m, nil
}

// StaleRule says when an open deal has gone stale.
type StaleRule struct {
	// MaxIdle, if set, makes a deal stale once it has been in its stage
	// longer than this with no move.
	MaxIdle time.Duration
	// PastClose makes a deal stale once its expected close date is
	// before the day being checked.
	PastClose bool
}

// StaleDeal is an open deal a [StaleRule] flags, and why.
type StaleDeal struct {
	Opportunity *Opportunity
	// Idle is how long the deal has been in its stage; IdleTooLong
	// whether that exceeds the rule's MaxIdle.
	Idle        time.Duration
	IdleTooLong bool
	// DaysOverdue is how many days its close date has passed (PastClose).
	DaysOverdue int
}

// Check reports whether o is stale at asOf under r, and why. Closed deals
// are never stale.
func (r StaleRule) Check(o *Opportunity, asOf time.Time) (StaleDeal, bool) {
	if o.Closed() {
		return StaleDeal{}, false
	}
	d := StaleDeal{Opportunity: o, Idle: asOf.Sub(o.StageEnteredAt)}
	d.IdleTooLong = r.MaxIdle > 0 && d.Idle > r.MaxIdle
	if today := dateOf(asOf); r.PastClose && !o.CloseDate.IsZero() && o.CloseDate.Before(today) {
		d.DaysOverdue = int(today.Sub(o.CloseDate) / (24 * time.Hour))
	}
	return d, d.IdleTooLong || d.DaysOverdue > 0
}

// StaleDeals yields the deals of opps that rule flags at asOf, in the
// order opps yields them. An error from opps is yielded and ends it.
func StaleDeals(opps iter.Seq2[*Opportunity, error], rule StaleRule, asOf time.Time) iter.Seq2[StaleDeal, error] {
	return func(yield func(StaleDeal, error) bool) {
		for o, err := range opps {
			if err != nil {
				yield(StaleDeal{}, err)
				return
			}
			if d, stale := rule.Check(o, asOf); stale && !yield(d, nil) {
				return
			}
		}
	}
}
