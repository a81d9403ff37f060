package crm

// The sales process — leads, pipelines of stages, opportunities with their
// stage history, orders and payments, forecasts and funnel analytics —
// lives in this file and in opportunity.go. The customer archive it builds
// on is in customer.go; merges already move every [ChildKind], so the
// records of the sales process join a merge by providing one.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ForecastCategory groups the stages of a pipeline for forecasting, as
// Salesforce's forecast categories do: how sure the seller is that the
// deals in a stage will close.
type ForecastCategory string

// Forecast categories, from the least to the most certain open deal, then
// the closed ones.
const (
	// CategoryOmitted stages are left out of forecasts.
	CategoryOmitted ForecastCategory = "omitted"
	// CategoryPipeline stages hold deals in progress with no commitment.
	CategoryPipeline ForecastCategory = "pipeline"
	// CategoryBestCase stages hold deals that may close in the period.
	CategoryBestCase ForecastCategory = "best_case"
	// CategoryCommit stages hold deals the seller commits to closing.
	CategoryCommit ForecastCategory = "commit"
	// CategoryClosedWon is the category of the stage of won deals.
	CategoryClosedWon ForecastCategory = "closed_won"
	// CategoryClosedLost is the category of the stages of lost deals.
	CategoryClosedLost ForecastCategory = "closed_lost"
)

// Valid reports whether c is one of the defined categories.
func (c ForecastCategory) Valid() bool {
	switch c {
	case CategoryOmitted, CategoryPipeline, CategoryBestCase, CategoryCommit, CategoryClosedWon, CategoryClosedLost:
		return true
	}
	return false
}

// Closed reports whether deals in a stage of category c are closed.
func (c ForecastCategory) Closed() bool { return c == CategoryClosedWon || c == CategoryClosedLost }

// OpportunityField names a field of an [Opportunity] that a stage may
// require before a deal enters it.
type OpportunityField string

// The fields a stage may require.
const (
	FieldAmount    OpportunityField = "amount"
	FieldCloseDate OpportunityField = "close_date"
	FieldContact   OpportunityField = "contact"
	FieldNextStep  OpportunityField = "next_step"
	FieldOwner     OpportunityField = "owner"
)

// has reports whether o has f set.
func (f OpportunityField) has(o *Opportunity) (known, set bool) {
	switch f {
	case FieldAmount:
		return true, !o.Amount.IsZero()
	case FieldCloseDate:
		return true, !o.CloseDate.IsZero()
	case FieldContact:
		return true, o.ContactID != ""
	case FieldNextStep:
		return true, o.NextStep != ""
	case FieldOwner:
		return true, o.OwnerID != ""
	}
	return false, false
}

// Stage is one step of a [Pipeline].
type Stage struct {
	// Key identifies the stage within its pipeline: lower-case letters,
	// digits and underscores, such as "proposal". Opportunities and their
	// history name stages by key, so a key is never renamed.
	Key string
	// Name is the label people read, such as "Proposal design".
	Name string
	// Probability is the chance, in percent (0–100), that a deal in this
	// stage is won: the weight of its amount in the weighted pipeline.
	Probability int
	// Category is the stage's forecast category; exactly one stage of a
	// pipeline is CategoryClosedWon, and at least one CategoryClosedLost.
	Category ForecastCategory
	// Requires lists the fields a deal must have to enter the stage.
	Requires []OpportunityField
}

// Closed reports whether deals in the stage are closed (won or lost).
func (s *Stage) Closed() bool { return s.Category.Closed() }

// Pipeline is a sales process: the ordered stages a deal moves through,
// stored so that a service can keep several (new business, renewals,
// corporate loans) and edit them. Its rules are pure methods: [Pipeline.Move]
// and [Pipeline.Reopen].
type Pipeline struct {
	// ID is set by the Client when the pipeline is created.
	ID string
	// Name is required, such as "New business".
	Name string
	// Stages in their order: the open stages a deal moves through, then
	// the closed ones.
	Stages []Stage
	// LostReasons, if not empty, is the list a lost deal's reason must
	// come from.
	LostReasons []string

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record.
	Version int64
}

// DefaultPipeline returns a new pipeline, not yet stored, that follows the
// sales process of a business selling to other businesses: customer
// collection (10%), proposal design (30%), business negotiation (60%),
// follow-up (80%), then won or lost. From the proposal on, a deal needs an
// amount and an expected close date. A lost deal's reason is one of price,
// competitor, no_budget, no_decision, timing, product_fit and other.
func DefaultPipeline() *Pipeline {
	quoted := []OpportunityField{FieldAmount, FieldCloseDate}
	return &Pipeline{
		Name: "Sales",
		Stages: []Stage{
			{Key: "collection", Name: "Customer collection", Probability: 10, Category: CategoryPipeline},
			{Key: "proposal", Name: "Proposal design", Probability: 30, Category: CategoryPipeline, Requires: quoted},
			{Key: "negotiation", Name: "Business negotiation", Probability: 60, Category: CategoryBestCase, Requires: quoted},
			{Key: "follow_up", Name: "Follow-up", Probability: 80, Category: CategoryCommit, Requires: quoted},
			{Key: "won", Name: "Won", Probability: 100, Category: CategoryClosedWon, Requires: quoted},
			{Key: "lost", Name: "Lost", Probability: 0, Category: CategoryClosedLost},
		},
		LostReasons: []string{"price", "competitor", "no_budget", "no_decision", "timing", "product_fit", "other"},
	}
}

// Clone returns a deep copy of p.
func (p *Pipeline) Clone() *Pipeline {
	if p == nil {
		return nil
	}
	out := *p
	out.Stages = slices.Clone(p.Stages)
	for i := range out.Stages {
		out.Stages[i].Requires = slices.Clone(out.Stages[i].Requires)
	}
	out.LostReasons = slices.Clone(p.LostReasons)
	return &out
}

// Stage returns the stage with key, and whether there is one.
func (p *Pipeline) Stage(key string) (Stage, bool) {
	i := p.stageIndex(key)
	if i < 0 {
		return Stage{}, false
	}
	return p.Stages[i], true
}

func (p *Pipeline) stageIndex(key string) int {
	return slices.IndexFunc(p.Stages, func(s Stage) bool { return s.Key == key })
}

// FirstStage returns the first open stage: where a new deal starts.
func (p *Pipeline) FirstStage() (Stage, bool) {
	i := slices.IndexFunc(p.Stages, func(s Stage) bool { return !s.Closed() })
	if i < 0 {
		return Stage{}, false
	}
	return p.Stages[i], true
}

// WonStage returns the stage of won deals, and whether there is one.
func (p *Pipeline) WonStage() (Stage, bool) {
	i := slices.IndexFunc(p.Stages, func(s Stage) bool { return s.Category == CategoryClosedWon })
	if i < 0 {
		return Stage{}, false
	}
	return p.Stages[i], true
}

// Limits of a pipeline.
const (
	maxStages      = 50
	maxLostReasons = 100
)

// Validate checks p and returns a [*ValidationError] naming every problem,
// or nil: a name; from 1 to 50 stages with unique keys of lower-case
// letters, digits and underscores, names, probabilities from 0 to 100 and
// known categories and required fields; at least one open stage, exactly
// one won stage (probability 100) and at least one lost stage
// (probability 0); the lost reasons unique and not blank.
func (p *Pipeline) Validate() error {
	verr := &ValidationError{Entity: "pipeline"}
	if strings.TrimSpace(p.Name) == "" {
		verr.add("name", "required")
	}
	switch {
	case len(p.Stages) == 0:
		verr.add("stages", "required")
	case len(p.Stages) > maxStages:
		verr.add("stages", "more than %d", maxStages)
	}
	var open, won, lost int
	for i, s := range p.Stages {
		field := fmt.Sprintf("stages[%d]", i)
		switch {
		case !validStageKey(s.Key):
			verr.add(field+".key", "want lower-case letters, digits and underscores, up to 64")
		case p.stageIndex(s.Key) != i:
			verr.add(field+".key", "%q used twice", s.Key)
		}
		if strings.TrimSpace(s.Name) == "" {
			verr.add(field+".name", "required")
		}
		if s.Probability < 0 || s.Probability > 100 {
			verr.add(field+".probability", "want a percentage from 0 to 100")
		}
		switch s.Category {
		case CategoryClosedWon:
			won++
			if s.Probability != 100 {
				verr.add(field+".probability", "a won stage has 100")
			}
		case CategoryClosedLost:
			lost++
			if s.Probability != 0 {
				verr.add(field+".probability", "a lost stage has 0")
			}
		default:
			if !s.Category.Valid() {
				verr.add(field+".category", "unknown category %q", s.Category)
			}
			open++
		}
		for j, f := range s.Requires {
			if known, _ := f.has(&Opportunity{}); !known {
				verr.add(fmt.Sprintf("%s.requires[%d]", field, j), "unknown field %q", f)
			}
		}
	}
	if len(p.Stages) > 0 {
		if open == 0 {
			verr.add("stages", "no open stage")
		}
		if won != 1 {
			verr.add("stages", "want exactly one closed_won stage, have %d", won)
		}
		if lost == 0 {
			verr.add("stages", "no closed_lost stage")
		}
	}
	if len(p.LostReasons) > maxLostReasons {
		verr.add("lost_reasons", "more than %d", maxLostReasons)
	}
	for i, r := range p.LostReasons {
		if strings.TrimSpace(r) == "" || len(r) > 200 {
			verr.add(fmt.Sprintf("lost_reasons[%d]", i), "want 1 to 200 characters")
		} else if slices.Index(p.LostReasons, r) != i {
			verr.add(fmt.Sprintf("lost_reasons[%d]", i), "%q listed twice", r)
		}
	}
	return verr.err()
}

// validStageKey reports whether k is a stage key: 1 to 64 lower-case ASCII
// letters, digits and underscores.
func validStageKey(k string) bool {
	if k == "" || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// Move moves opp to the open or closed stage to at time at, as a seller
// does: forwards, backwards, to won or to lost. On success opp is in the
// stage, with the stage's probability, StageEnteredAt at, and its status
// following the stage: a won or lost deal gets ClosedAt at and, as its
// CloseDate, the date it closed. Moving a deal to the stage it is in
// changes nothing.
//
// Move refuses, changing nothing: a deal of another pipeline or a stage
// the pipeline does not have ([ErrInvalid]); a closed deal, which must be
// reopened with [Pipeline.Reopen] first ([ErrTransition]); a time before
// the deal entered its stage ([ErrInvalid]); and a stage whose required
// fields the deal lacks, or a lost stage without a lost reason from
// p.LostReasons (a [*ValidationError] naming each field).
func (p *Pipeline) Move(opp *Opportunity, to string, at time.Time) error {
	if opp.Status != OpportunityOpen && opp.Status != "" {
		return fmt.Errorf("crm: move opportunity %s: it is %s; reopen it first: %w", opp.ID, opp.Status, ErrTransition)
	}
	return p.move(opp, to, at)
}

// Reopen moves opp, a won or lost deal, back to the open stage to at time
// at, clearing its lost reason and ClosedAt; otherwise as [Pipeline.Move].
// Reopening an open deal is an [ErrTransition].
func (p *Pipeline) Reopen(opp *Opportunity, to string, at time.Time) error {
	if opp.Status != OpportunityWon && opp.Status != OpportunityLost {
		return fmt.Errorf("crm: reopen opportunity %s: it is not closed: %w", opp.ID, ErrTransition)
	}
	s, ok := p.Stage(to)
	if ok && s.Closed() {
		return fmt.Errorf("crm: reopen opportunity %s: stage %q is closed; reopen to an open stage: %w", opp.ID, to, ErrTransition)
	}
	next := *opp
	next.LostReason = ""
	if err := p.move(&next, to, at); err != nil {
		return err
	}
	*opp = next
	return nil
}

// move moves opp to the stage to, checking everything but the status it
// starts from.
func (p *Pipeline) move(opp *Opportunity, to string, at time.Time) error {
	verr := &ValidationError{Entity: "opportunity move"}
	if p.ID != "" && opp.PipelineID != p.ID {
		verr.add("pipeline_id", "opportunity %s is in pipeline %q, not %q", opp.ID, opp.PipelineID, p.ID)
		return verr
	}
	stage, ok := p.Stage(to)
	if !ok {
		verr.add("stage", "pipeline %q has no stage %q", p.Name, to)
		return verr
	}
	if to == opp.Stage && opp.Status != OpportunityWon && opp.Status != OpportunityLost {
		return nil
	}
	at = Timestamp(at)
	if at.IsZero() {
		verr.add("at", "required")
	} else if at.Before(opp.StageEnteredAt) {
		verr.add("at", "%s is before the deal entered stage %q at %s", at.Format(time.RFC3339), opp.Stage, opp.StageEnteredAt.Format(time.RFC3339))
	}
	next := *opp
	if stage.Category == CategoryClosedWon {
		next.CloseDate = dateOf(at) // the date it closed, which a required close date check accepts
	}
	for _, f := range stage.Requires {
		if _, set := f.has(&next); !set {
			verr.add(string(f), "required to enter stage %q", to)
		}
	}
	if stage.Category == CategoryClosedLost {
		switch {
		case strings.TrimSpace(next.LostReason) == "":
			verr.add("lost_reason", "required to lose a deal")
		case len(p.LostReasons) > 0 && !slices.Contains(p.LostReasons, next.LostReason):
			verr.add("lost_reason", "%q is not one of %s", next.LostReason, strings.Join(p.LostReasons, ", "))
		}
	}
	if err := verr.err(); err != nil {
		return err
	}
	next.Stage, next.Probability, next.StageEnteredAt = to, stage.Probability, at
	switch stage.Category {
	case CategoryClosedWon:
		next.Status, next.ClosedAt, next.LostReason = OpportunityWon, at, ""
	case CategoryClosedLost:
		next.Status, next.ClosedAt, next.CloseDate = OpportunityLost, at, dateOf(at)
	default:
		next.Status, next.ClosedAt, next.LostReason = OpportunityOpen, time.Time{}, ""
	}
	*opp = next
	return nil
}

// OpportunityStatus says whether a deal is open, won or lost. It follows
// the category of the deal's stage.
type OpportunityStatus string

// Opportunity statuses.
const (
	OpportunityOpen OpportunityStatus = "open"
	OpportunityWon  OpportunityStatus = "won"
	OpportunityLost OpportunityStatus = "lost"
)

// Opportunity is a deal being worked on with a customer, in a stage of a
// [Pipeline].
type Opportunity struct {
	// ID is set by the Client when the opportunity is created.
	ID string
	// Name is required, such as "Acme — 40 seats".
	Name string
	// CustomerID is the customer the deal is with; required.
	CustomerID string
	// ContactID is the contact person at the customer, if any.
	ContactID string
	// LeadID is the lead the deal came from, if any.
	LeadID string
	// PipelineID and Stage say where the deal is: the key of a stage of
	// the pipeline.
	PipelineID string
	Stage      string
	// Status follows the stage: open, won or lost.
	Status OpportunityStatus
	// Amount is the deal's value; the zero Money until it is known.
	Amount Money
	// Probability is the chance of winning in percent, set from the stage
	// on every move and adjustable between moves.
	Probability int
	// CloseDate is the expected close date, and once the deal is closed
	// the date it closed; only the calendar date is kept (midnight UTC).
	CloseDate time.Time
	// OwnerID is the actor ID of the seller.
	OwnerID string
	// LostReason says why a lost deal was lost.
	LostReason string
	// NextStep is the seller's next action, such as "send the quote".
	NextStep string
	// StageEnteredAt is when the deal entered its stage; ClosedAt when it
	// was won or lost (zero while open).
	StageEnteredAt time.Time
	ClosedAt       time.Time

	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
	// Version counts the writes to the record; updates must name the
	// version they read.
	Version int64
}

// Clone returns a copy of o.
func (o *Opportunity) Clone() *Opportunity {
	if o == nil {
		return nil
	}
	out := *o
	return &out
}

// Closed reports whether the deal is won or lost.
func (o *Opportunity) Closed() bool { return o.Status == OpportunityWon || o.Status == OpportunityLost }

// Weighted returns the amount weighted by the probability, exactly (not
// rounded): 30% of 1000.00 EUR is 300.00 EUR. A deal with no amount
// weighs the zero Money.
func (o *Opportunity) Weighted() Money {
	if o.Amount.IsZero() {
		return Money{}
	}
	return Money{Amount: o.Amount.Amount.Mul(decimal.NewFromInt(int64(o.Probability))).Shift(-2), Currency: o.Amount.Currency}
}

// OpportunityChange is one entry of a deal's history, written with every
// change of its stage, status, amount, probability, close date or owner:
// the deal's values right after the change. A deal's history, in Version
// order, rebuilds it as of any past time ([OpportunityAsOf]) and tells how
// long it spent in each stage ([TimeInStages]).
type OpportunityChange struct {
	OpportunityID string
	// Version is the opportunity's version the change made. Versions
	// increase but may skip: a merge re-pointing the deal to another
	// customer writes no entry.
	Version int64
	// At and By are when and by whom.
	At time.Time
	By string
	// FromStage and ToStage are the stages before and after; equal when
	// the stage did not change, FromStage "" when the deal was created.
	FromStage string
	ToStage   string
	// The deal's values after the change.
	Status      OpportunityStatus
	Amount      Money
	Probability int
	CloseDate   time.Time
	OwnerID     string
}

// Moved reports whether the change moved the deal to another stage (or
// created it).
func (ch *OpportunityChange) Moved() bool { return ch.FromStage != ch.ToStage }

// changeOf returns the history entry of a write that turned before (nil
// when the deal is new) into after, and whether the write needs one.
func changeOf(before, after *Opportunity) (OpportunityChange, bool) {
	ch := OpportunityChange{
		OpportunityID: after.ID, Version: after.Version, At: after.UpdatedAt, By: after.UpdatedBy,
		ToStage: after.Stage, Status: after.Status, Amount: after.Amount, Probability: after.Probability,
		CloseDate: after.CloseDate, OwnerID: after.OwnerID,
	}
	if before == nil {
		return ch, true
	}
	ch.FromStage = before.Stage
	same := before.Stage == after.Stage && before.Status == after.Status &&
		before.Amount.Currency == after.Amount.Currency && before.Amount.Amount.Equal(after.Amount.Amount) &&
		before.Probability == after.Probability && before.CloseDate.Equal(after.CloseDate) && before.OwnerID == after.OwnerID
	return ch, !same
}

// OpportunityAsOf returns the entry of history, a deal's entries in
// Version order, in force at time t: the last one at or before t. It
// reports false if the deal did not exist yet.
func OpportunityAsOf(history []OpportunityChange, t time.Time) (OpportunityChange, bool) {
	i, _ := slices.BinarySearchFunc(history, t, func(ch OpportunityChange, t time.Time) int {
		if ch.At.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return OpportunityChange{}, false
	}
	return history[i-1], true
}

// TimeInStages returns how long the deal whose history this is spent in
// each stage up to asOf, adding up the times of every visit. The stage it
// is in at asOf counts until asOf; time after a deal closed is not counted
// in its closed stage.
func TimeInStages(history []OpportunityChange, asOf time.Time) map[string]time.Duration {
	out := make(map[string]time.Duration)
	for i, ch := range history {
		if ch.At.After(asOf) {
			break
		}
		if !ch.Moved() || ch.Status == OpportunityWon || ch.Status == OpportunityLost {
			continue // not the start of a visit to an open stage
		}
		end := asOf
		for _, next := range history[i+1:] {
			if next.Moved() {
				if next.At.Before(end) {
					end = next.At
				}
				break
			}
		}
		out[ch.ToStage] += end.Sub(ch.At)
	}
	return out
}
