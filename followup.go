package crm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Closing the loop on survey answers: a detractor, or a dissatisfied
// customer, gets a follow-up case for the customer's owner. The case
// names its response by its Source ([FollowUpSource]), which a customer's
// cases never share, so opening the follow-up of a response is idempotent
// however often, and however concurrently, it is asked for.

// FollowUpPolicy says which survey answers open a follow-up case, and what
// case. Set it with [WithFollowUp]; its zero value follows up NPS
// detractors and CSAT answers of 1 or 2 with a high-priority complaint.
//
// A follow-up case belongs to the response's customer and is owned by the
// customer's owner, or failing one by the acting user. Its subject names
// the survey's kind, the score and the survey ("NPS 3 on Relationship
// NPS"); its description names the response, the survey, the wave, the
// score on the survey's scale, the case the response was about, if any,
// and the customer's comment. Its contact is the response's, its channel
// "survey", and its Source [FollowUpSource] of the response. The response
// itself is not changed: its CaseID keeps naming the case the survey
// followed up, if any, and the follow-up case is found by its Source.
type FollowUpPolicy struct {
	// Thresholds maps a survey kind to the highest score that opens a
	// follow-up: an answer to a survey of a kind in the map at or below
	// its threshold opens one; answers to surveys of other kinds never
	// do. For NPS, CSAT and CES the threshold must lie on the kind's
	// scale; one for custom surveys applies to every custom survey. When
	// Thresholds is empty and Trigger is nil, the thresholds are
	// [DefaultFollowUpThresholds].
	Thresholds map[SurveyKind]int
	// Trigger, if set, decides alone which answers open a follow-up, in
	// place of Thresholds (a policy may not have both). It is given
	// copies of the survey and the response and must be safe for
	// concurrent use.
	Trigger func(s *Survey, r *Response) bool
	// Kind is the kind of the follow-up case; complaint if not given.
	Kind CaseKind
	// Priority is the priority of the follow-up case, which chooses its
	// service level ([WithCaseSLA]); high if not given.
	Priority CasePriority
}

// DefaultFollowUpThresholds returns the thresholds of the zero
// [FollowUpPolicy]: NPS 6 (a detractor, 0–6) and CSAT 2 (1 or 2).
func DefaultFollowUpThresholds() map[SurveyKind]int {
	return map[SurveyKind]int{SurveyKindNPS: 6, SurveyKindCSAT: 2}
}

// FollowUpSource returns the Source of the follow-up case of the response
// with id: "response:" and the ID. List a response's follow-up with
// [CaseFilter] Sources.
func FollowUpSource(responseID string) string { return "response:" + responseID }

// WithFollowUp has [Client.RecordResponse] open a follow-up case for each
// answer p triggers, in the transaction that records the response; and
// sets the policy [Client.FollowUp] and [Client.FollowUpResponses] apply.
// Without it, RecordResponse opens no case, and those two apply the zero
// policy. New refuses a policy with an unknown case kind or priority, a
// threshold for an unknown kind or off its kind's scale, or both
// Thresholds and a Trigger.
func WithFollowUp(p FollowUpPolicy) Option {
	return func(c *config) {
		p.Thresholds = maps.Clone(p.Thresholds)
		c.followUp = &p
	}
}

// validate checks p and fills in its defaults, recording problems in verr
// under "follow_up".
func (p *FollowUpPolicy) validate(verr *ValidationError) {
	if p.Kind == "" {
		p.Kind = CaseComplaint
	}
	if p.Priority == "" {
		p.Priority = PriorityHigh
	}
	if !p.Kind.Valid() {
		verr.add("follow_up.kind", "unknown case kind %q", p.Kind)
	}
	if !p.Priority.Valid() {
		verr.add("follow_up.priority", "unknown priority %q", p.Priority)
	}
	switch {
	case p.Trigger != nil && len(p.Thresholds) > 0:
		verr.add("follow_up.trigger", "a policy has thresholds or a trigger, not both")
	case p.Trigger == nil && len(p.Thresholds) == 0:
		p.Thresholds = DefaultFollowUpThresholds()
	}
	for _, k := range slices.Sorted(maps.Keys(p.Thresholds)) {
		field := fmt.Sprintf("follow_up.thresholds[%s]", k)
		if !k.Valid() {
			verr.add(field, "unknown survey kind")
			continue
		}
		if lo, hi, ok := k.Scale(); ok && (p.Thresholds[k] < lo || p.Thresholds[k] > hi) {
			verr.add(field, "%s, the %s scale", outOfRange(p.Thresholds[k], lo, hi), strings.ToUpper(string(k)))
		}
	}
}

// triggers reports whether p follows up r, an answer to s.
func (p *FollowUpPolicy) triggers(s *Survey, r *Response) bool {
	if p.Trigger != nil {
		return p.Trigger(s.Clone(), r.Clone())
	}
	max, ok := p.Thresholds[s.Kind]
	return ok && r.Score <= max
}

// followUpCase returns the follow-up case of p for r, an answer to s.
func (p *FollowUpPolicy) followUpCase(s *Survey, r *Response) *Case {
	kind := strings.ToUpper(string(s.Kind))
	if s.Kind == SurveyKindCustom {
		kind = "Score"
	}
	subject := fmt.Sprintf("%s %d on ", kind, r.Score)
	subject += truncate(s.Name, maxSubjectLen-len(subject))
	var d strings.Builder
	fmt.Fprintf(&d, "Follow-up of survey response %s: %s %d on the %d–%d scale of survey %q (%s)",
		r.ID, kind, r.Score, s.ScaleMin, s.ScaleMax, s.Name, s.ID)
	if r.Wave != "" {
		fmt.Fprintf(&d, ", wave %q", r.Wave)
	}
	fmt.Fprintf(&d, ", answered %s", r.AnsweredAt.Format("2006-01-02 15:04 MST"))
	if r.Channel != "" {
		fmt.Fprintf(&d, " by %s", r.Channel)
	}
	d.WriteString(".")
	if r.CaseID != "" {
		fmt.Fprintf(&d, " The response was about case %s.", r.CaseID)
	}
	if r.Comment != "" {
		fmt.Fprintf(&d, "\n\nComment: %s", r.Comment)
	}
	return &Case{
		CustomerID:  r.CustomerID,
		ContactID:   r.ContactID,
		Kind:        p.Kind,
		Priority:    p.Priority,
		Subject:     subject,
		Description: d.String(),
		Channel:     "survey",
		Source:      FollowUpSource(r.ID),
	}
}

// truncate returns s cut to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// followUpPolicy returns the policy of [WithFollowUp], or the zero one.
func (c *Client) followUpPolicy() *FollowUpPolicy {
	if c.followUp != nil {
		return c.followUp
	}
	p := &FollowUpPolicy{}
	p.validate(&ValidationError{})
	return p
}

// openFollowUp opens the follow-up of p for r, an answer to s, inside the
// transaction tx, if p triggers it: the new case, or nil if p does not
// follow r up. A follow-up that exists already is a [*CaseExistsError].
func (c *Client) openFollowUp(ctx context.Context, tx Store, p *FollowUpPolicy, s *Survey, r *Response) (*Case, error) {
	if !p.triggers(s, r) {
		return nil, nil
	}
	now, by := c.now(), actorID(ctx)
	cs, err := prepareCase(p.followUpCase(s, r), now)
	if err != nil {
		return nil, err
	}
	return c.createCase(ctx, tx, cs, now, by)
}

// FollowUp opens the follow-up case of the response id if the policy of
// [WithFollowUp] (or, without one, the zero [FollowUpPolicy]) triggers it,
// for a response recorded before the policy was set or changed. It
// returns the case and true if it opened it; the existing case and false
// if the response has its follow-up already (opened by RecordResponse, an
// earlier call, or a concurrent one: of any number of calls at once, one
// opens the case); and nil and false if the policy does not follow the
// response up. Errors: [ErrNotFound] for a missing response or survey;
// [ErrTransition] if the response's customer is archived; on any error
// nothing changes.
func (c *Client) FollowUp(ctx context.Context, id string) (*Case, bool, error) {
	r, err := c.store.FindResponseByID(ctx, id)
	if err != nil {
		return nil, false, fmt.Errorf("crm: follow up response %s: %w", id, err)
	}
	return c.followUpResponse(ctx, c.followUpPolicy(), nil, r)
}

// followUpResponse is FollowUp of r, an answer to s (loaded if nil).
func (c *Client) followUpResponse(ctx context.Context, p *FollowUpPolicy, s *Survey, r *Response) (*Case, bool, error) {
	if s == nil {
		var err error
		if s, err = c.store.FindSurveyByID(ctx, r.SurveyID); err != nil {
			return nil, false, fmt.Errorf("crm: follow up response %s: survey %s: %w", r.ID, r.SurveyID, err)
		}
	}
	if !p.triggers(s, r) {
		return nil, false, nil
	}
	var out *Case
	customerID := r.CustomerID
	err := c.store.RunInTx(ctx, func(tx Store) error {
		// The response as it is now: a merge may have moved it since it
		// was read.
		cur, err := tx.FindResponseByID(ctx, r.ID)
		if err != nil {
			return err
		}
		customerID = cur.CustomerID
		out, err = c.openFollowUp(ctx, tx, p, s, cur)
		return err
	})
	if err != nil {
		err = c.caseExists(ctx, &Case{CustomerID: customerID, Source: FollowUpSource(r.ID)}, err)
		var exists *CaseExistsError
		if errors.As(err, &exists) {
			return exists.Case, false, nil
		}
		return nil, false, wrapUnlessTyped("follow up response "+r.ID, err)
	}
	return out, out != nil, nil
}

// FollowUpResponses opens the follow-up case, as [Client.FollowUp] does,
// of every response f selects that the policy triggers and that has none
// yet, and returns how many it opened. It reads the responses page by
// page (f.Limit sets the page size), skipping those of archived
// customers, and stops at the first other error, returning the count
// opened until then; one that lost a race to a concurrent transaction
// ([ErrConflict]) can simply be run again. Sweeps running at once open
// each follow-up once.
func (c *Client) FollowUpResponses(ctx context.Context, f ResponseFilter) (int, error) {
	p := c.followUpPolicy()
	surveys := make(map[string]*Survey)
	opened := 0
	for r, err := range c.Responses(ctx, f) {
		if err != nil {
			return opened, err
		}
		s := surveys[r.SurveyID]
		if s == nil {
			if s, err = c.GetSurvey(ctx, r.SurveyID); err != nil {
				return opened, err
			}
			surveys[s.ID] = s
		}
		switch _, ok, err := c.followUpResponse(ctx, p, s, r); {
		case errors.Is(err, ErrTransition):
		case err != nil:
			return opened, err
		case ok:
			opened++
		}
	}
	return opened, nil
}
