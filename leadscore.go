package crm

import (
	"fmt"
	"strings"
	"unicode"
)

// LeadField names a field of a [Lead] that scoring rules and the
// predictive model read.
type LeadField string

// The fields of a lead that rules and models read.
const (
	LeadFieldName     LeadField = "name"
	LeadFieldCompany  LeadField = "company"
	LeadFieldTitle    LeadField = "title"
	LeadFieldEmail    LeadField = "email"
	LeadFieldPhone    LeadField = "phone"
	LeadFieldSource   LeadField = "source"
	LeadFieldIndustry LeadField = "industry"
	LeadFieldRegion   LeadField = "region"
	LeadFieldOwner    LeadField = "owner_id"
	// LeadFieldEmailDomain is the part of the email address after the
	// "@", such as "acme.example": what separates business addresses from
	// free mail.
	LeadFieldEmailDomain LeadField = "email_domain"
)

// Valid reports whether f is a known field.
func (f LeadField) Valid() bool {
	switch f {
	case LeadFieldName, LeadFieldCompany, LeadFieldTitle, LeadFieldEmail, LeadFieldPhone, LeadFieldSource,
		LeadFieldIndustry, LeadFieldRegion, LeadFieldOwner, LeadFieldEmailDomain:
		return true
	}
	return false
}

// Value returns the value of field f of l, trimmed, or "" when l has none
// or f is unknown.
func (f LeadField) Value(l *Lead) string {
	var v string
	switch f {
	case LeadFieldName:
		v = l.Name
	case LeadFieldCompany:
		v = l.Company
	case LeadFieldTitle:
		v = l.Title
	case LeadFieldEmail:
		v = l.Email
	case LeadFieldPhone:
		v = l.Phone
	case LeadFieldSource:
		v = l.Source
	case LeadFieldIndustry:
		v = l.Industry
	case LeadFieldRegion:
		v = l.Region
	case LeadFieldOwner:
		v = l.OwnerID
	case LeadFieldEmailDomain:
		if _, domain, ok := strings.Cut(l.Email, "@"); ok {
			v = strings.ToLower(domain)
		}
	}
	return strings.TrimSpace(v)
}

// Behaviours that [DefaultLeadScoring] counts, as keys of
// [Lead.Behaviours]. Any other key of the same form may be recorded and
// scored.
const (
	BehaviourDemoRequest = "demo_request"
	BehaviourPricingPage = "pricing_page"
	BehaviourWebinar     = "webinar"
	BehaviourEmailClick  = "email_click"
	BehaviourEmailOpen   = "email_open"
)

// LeadRule gives points to a lead. A rule reads either a field or a
// behaviour:
//
//   - Field alone: Points when the field is set;
//   - Field with Equals: Points when the field equals one of the values,
//     ignoring case;
//   - Field with Contains: Points when the field contains one of the
//     words or phrases as whole words, ignoring case ("vp" is in "VP
//     Sales", not in "MVP");
//   - Behaviour: Points for each time the lead did it, at most Max in all
//     when Max is set.
//
// Points may be negative, to mark a lead down.
type LeadRule struct {
	// Name labels the rule in explanations, such as "senior title"; when
	// empty, the rule is described from its terms.
	Name      string
	Field     LeadField
	Equals    []string
	Contains  []string
	Behaviour string
	Points    int
	// Max caps the points of a behaviour rule, in absolute value; 0 means
	// no cap.
	Max int
}

// label returns the rule's name, or a description of it.
func (r *LeadRule) label() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.Behaviour != "":
		return r.Behaviour
	case len(r.Equals) > 0:
		return string(r.Field) + " is " + strings.Join(r.Equals, " or ")
	case len(r.Contains) > 0:
		return string(r.Field) + " has " + strings.Join(r.Contains, " or ")
	}
	return string(r.Field) + " given"
}

// ScorePart is one line of a score's explanation: a rule that gave points.
type ScorePart struct {
	// Rule is the rule's name (or description).
	Rule string
	// Points the rule gave, after any cap.
	Points int
	// Count is how many times the behaviour happened, for a behaviour
	// rule; 0 for a field rule.
	Count int
}

// LeadScoring is a configurable, explainable rule-based lead score: the
// sum of the points of the rules a lead meets. It is a pure value; see
// [WithLeadScoring] to have the Client keep each lead's Score up to date.
type LeadScoring struct {
	Rules []LeadRule
}

// DefaultLeadScoring returns rules for selling to businesses: fit (a
// company, a senior title, a business email address, a phone number, a
// warm source) and interest (a demo request, pricing page views, webinars,
// email clicks and opens, each capped so that no one behaviour dominates).
// Free-mail addresses are marked down.
//
//	company given                 +10
//	senior title                  +20  (ceo, cto, cfo, coo, chief, founder, owner,
//	                                    president, vice president, vp, director, head)
//	email given                    +5
//	free email domain             −10  (gmail.com, yahoo.com, hotmail.com, outlook.com, …)
//	phone given                    +5
//	warm source                   +15  (referral, partner, event)
//	web source                     +5
//	requested a demo              +30 each, at most 30
//	viewed pricing                 +5 each, at most 15
//	attended a webinar            +10 each, at most 20
//	clicked an email               +3 each, at most 9
//	opened an email                +1 each, at most 5
func DefaultLeadScoring() LeadScoring {
	return LeadScoring{Rules: []LeadRule{
		{Name: "company given", Field: LeadFieldCompany, Points: 10},
		{Name: "senior title", Field: LeadFieldTitle, Points: 20, Contains: []string{
			"ceo", "cto", "cfo", "coo", "chief", "founder", "owner", "president", "vice president", "vp", "director", "head",
		}},
		{Name: "email given", Field: LeadFieldEmail, Points: 5},
		{Name: "free email domain", Field: LeadFieldEmailDomain, Points: -10, Equals: []string{
			"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "icloud.com",
			"aol.com", "gmx.de", "gmx.net", "web.de", "mail.ru", "proton.me", "protonmail.com",
		}},
		{Name: "phone given", Field: LeadFieldPhone, Points: 5},
		{Name: "warm source", Field: LeadFieldSource, Points: 15, Equals: []string{"referral", "partner", "event"}},
		{Name: "web source", Field: LeadFieldSource, Points: 5, Equals: []string{"web"}},
		{Name: "requested a demo", Behaviour: BehaviourDemoRequest, Points: 30, Max: 30},
		{Name: "viewed pricing", Behaviour: BehaviourPricingPage, Points: 5, Max: 15},
		{Name: "attended a webinar", Behaviour: BehaviourWebinar, Points: 10, Max: 20},
		{Name: "clicked an email", Behaviour: BehaviourEmailClick, Points: 3, Max: 9},
		{Name: "opened an email", Behaviour: BehaviourEmailOpen, Points: 1, Max: 5},
	}}
}

// Validate reports every malformed rule as a [*ValidationError]: a rule
// must read exactly one known field or one behaviour (a key as in
// [Lead.Behaviours]); Equals and Contains go with a field only, Max with a
// behaviour only and not below zero.
func (s LeadScoring) Validate() error {
	verr := &ValidationError{Entity: "lead scoring"}
	for i, r := range s.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		switch {
		case r.Field != "" && r.Behaviour != "":
			verr.add(at, "reads a field or a behaviour, not both")
		case r.Field == "" && r.Behaviour == "":
			verr.add(at, "needs a field or a behaviour")
		case r.Field != "" && !r.Field.Valid():
			verr.add(at+".field", "unknown lead field %q", r.Field)
		case r.Behaviour != "" && !validBehaviour(r.Behaviour):
			verr.add(at+".behaviour", "want lower-case letters, digits and underscores, starting with a letter")
		}
		if len(r.Equals) > 0 && len(r.Contains) > 0 {
			verr.add(at, "has both Equals and Contains")
		}
		if r.Behaviour != "" && (len(r.Equals) > 0 || len(r.Contains) > 0) {
			verr.add(at, "Equals and Contains apply to fields only")
		}
		if r.Max < 0 {
			verr.add(at+".max", "negative")
		} else if r.Max > 0 && r.Behaviour == "" {
			verr.add(at+".max", "caps behaviour rules only")
		}
	}
	return verr.err()
}

// Score returns the score of l under s and the rules that made it, in the
// order of s.Rules. A rule that gives no points is left out of the
// explanation. Malformed rules (see [LeadScoring.Validate]) give nothing.
func (s LeadScoring) Score(l *Lead) (int, []ScorePart) {
	if l == nil {
		return 0, nil
	}
	total := 0
	var parts []ScorePart
	for i := range s.Rules {
		r := &s.Rules[i]
		points, count := r.points(l)
		if points == 0 {
			continue
		}
		total += points
		parts = append(parts, ScorePart{Rule: r.label(), Points: points, Count: count})
	}
	return total, parts
}

// points returns what r gives l, and for a behaviour rule its count.
func (r *LeadRule) points(l *Lead) (points, count int) {
	if r.Behaviour != "" {
		if r.Field != "" {
			return 0, 0
		}
		count = l.Behaviours[r.Behaviour]
		if count <= 0 {
			return 0, 0
		}
		points = count * r.Points
		if r.Max > 0 {
			points = max(-r.Max, min(r.Max, points))
		}
		return points, count
	}
	v := r.Field.Value(l)
	switch {
	case v == "":
		return 0, 0
	case len(r.Equals) > 0:
		for _, e := range r.Equals {
			if strings.EqualFold(v, strings.TrimSpace(e)) {
				return r.Points, 0
			}
		}
		return 0, 0
	case len(r.Contains) > 0:
		words := wordsOf(v)
		for _, c := range r.Contains {
			if hasPhrase(words, wordsOf(c)) {
				return r.Points, 0
			}
		}
		return 0, 0
	}
	return r.Points, 0
}

// wordsOf returns the lower-case words of s: runs of letters and digits.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// hasPhrase reports whether phrase occurs in words as consecutive words.
func hasPhrase(words, phrase []string) bool {
	if len(phrase) == 0 {
		return false
	}
outer:
	for i := 0; i+len(phrase) <= len(words); i++ {
		for j, p := range phrase {
			if words[i+j] != p {
				continue outer
			}
		}
		return true
	}
	return false
}

// validBehaviour reports whether k is a behaviour key: 1 to 64 lower-case
// letters, digits and underscores, starting with a letter.
func validBehaviour(k string) bool {
	if k == "" || len(k) > maxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		switch {
		case 'a' <= b && b <= 'z':
		case i > 0 && ('0' <= b && b <= '9' || b == '_'):
		default:
			return false
		}
	}
	return true
}
