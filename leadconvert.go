package crm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// LeadConversion says how [Client.ConvertLead] converts a lead.
type LeadConversion struct {
	// CustomerID converts the lead into this live customer, skipping
	// duplicate detection.
	CustomerID string
	// NewCustomer creates a customer from the lead even when duplicate
	// detection finds one; the matches are still reported.
	NewCustomer bool
	// Opportunity, if set, creates a deal for the customer from the lead.
	Opportunity *LeadOpportunity
	// AttachOpportunityID, instead, attaches the lead to this open deal
	// of the customer.
	AttachOpportunityID string
	// DryRun returns the plan — the customer that would be used or
	// created and why, the contact, the deal — and writes nothing.
	DryRun bool
}

// LeadOpportunity is the deal [Client.ConvertLead] creates: in the first
// open stage of its pipeline, owned by the lead's owner, with the lead and
// the new contact linked.
type LeadOpportunity struct {
	// Name defaults to the lead's company, or else its name.
	Name string
	// PipelineID is required.
	PipelineID string
	Amount     Money
	CloseDate  time.Time
}

// LeadConversionResult is what [Client.ConvertLead] did, or in a dry run
// would do. A record it created (or would create) is marked so; in a dry
// run such a record has no ID yet, and nor do the links to it.
type LeadConversionResult struct {
	// Lead is the converted lead; in a dry run, as it would be stored
	// (its Version not yet advanced).
	Lead *Lead
	// Customer is the customer the lead became or joined.
	Customer        *Customer
	CustomerCreated bool
	// Matches are the existing customers duplicate detection found for
	// the lead, the one used first (see [Client.ConvertLead]); empty when
	// LeadConversion.CustomerID named the customer.
	Matches []DuplicateMatch
	// Contact is the person of the lead at an organisation customer: an
	// existing contact sharing the lead's email or phone, or a new one.
	// Nil when the customer is a person or the lead names no person.
	Contact        *Contact
	ContactCreated bool
	// Opportunity is the deal created or attached, nil when neither was
	// asked for.
	Opportunity        *Opportunity
	OpportunityCreated bool
	DryRun             bool
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("crm: dry run")

// ConvertLead turns the open lead id, provided its stored version is
// still version, into a customer, a contact and perhaps a deal, and marks
// it converted with links to them, all in one transaction: on any error
// nothing changes.
//
// The customer is conv.CustomerID if given; otherwise the Client's
// duplicate detection ([Client.FindDuplicates]) looks for the customer the
// lead would make — an organisation named after its company, or a person
// named after it when it has none, with its email and phone, in its
// region — and the strongest match is used: one of the same kind first
// (an organisation for a lead with a company), then the one matching on
// the strongest rule (tax ID, then email, then phone, then name), then on
// more rules, then with the higher score, then the lowest ID. With no
// match, or with conv.NewCustomer, a customer is created from the lead,
// owned by the lead's owner, with its source, industry and region. When
// the customer is an organisation and the lead names a person, a contact
// of the customer sharing the lead's email or phone is used, or one is
// created with the lead's name, title, email and phone.
//
// Then, with conv.Opportunity, a deal is created in the first stage of its
// pipeline, with the lead and the contact linked; or, with
// conv.AttachOpportunityID, the lead is linked to that open deal of the
// customer (and the contact too, if the deal has none).
//
// Errors: [ErrTransition] for a lead that is converted already (or
// disqualified: revive it first), for an archived or merged customer, or
// for a deal that is closed or came from another lead; a
// [*ValidationError] for bad input, such as both a deal to create and one
// to attach, a deal of another customer, or a customer or deal that would
// be invalid; [ErrConflict] for a stale version; [ErrNotFound] for a
// missing lead, customer, pipeline or deal.
func (c *Client) ConvertLead(ctx context.Context, id string, version int64, conv LeadConversion) (*LeadConversionResult, error) {
	verr := &ValidationError{Entity: "lead conversion"}
	conv.CustomerID = strings.TrimSpace(conv.CustomerID)
	conv.AttachOpportunityID = strings.TrimSpace(conv.AttachOpportunityID)
	if conv.CustomerID != "" && conv.NewCustomer {
		verr.add("new_customer", "conflicts with customer_id")
	}
	if conv.Opportunity != nil && conv.AttachOpportunityID != "" {
		verr.add("attach_opportunity_id", "conflicts with opportunity: create a deal or attach one, not both")
	}
	if conv.Opportunity != nil && strings.TrimSpace(conv.Opportunity.PipelineID) == "" {
		verr.add("opportunity.pipeline_id", "required")
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	by := actorID(ctx)
	res := &LeadConversionResult{DryRun: conv.DryRun}
	out, err := c.modifyLead(ctx, c.store, id, version, "convert lead", func(tx Store, l *Lead, now time.Time) error {
		switch {
		case l.Converted():
			return fmt.Errorf("the lead was converted into customer %s on %s already: %w", l.CustomerID, l.ConvertedAt.Format(time.DateOnly), ErrTransition)
		case !l.Status.Open():
			return fmt.Errorf("the lead is %s: revive it before converting it: %w", l.Status, ErrTransition)
		}
		if err := c.convertCustomer(ctx, tx, l, conv, now, by, res); err != nil {
			return err
		}
		if err := c.convertContact(ctx, tx, l, now, by, res); err != nil {
			return err
		}
		if err := c.convertOpportunity(ctx, tx, l, conv, now, by, res); err != nil {
			return err
		}
		l.Status, l.ConvertedAt = LeadConverted, now
		l.CustomerID = res.Customer.ID
		if res.Contact != nil {
			l.ContactID = res.Contact.ID
		}
		if res.Opportunity != nil {
			l.OpportunityID = res.Opportunity.ID
		}
		if conv.DryRun {
			res.Lead = l.Clone()
			return errDryRun
		}
		return nil
	})
	switch {
	case conv.DryRun && errors.Is(err, errDryRun):
		res.forgetNewIDs()
		return res, nil
	case err != nil:
		return nil, err
	}
	res.Lead = out
	return res, nil
}

// convertCustomer finds or creates the customer of l and records it in
// res.
func (c *Client) convertCustomer(ctx context.Context, tx Store, l *Lead, conv LeadConversion, now time.Time, by string, res *LeadConversionResult) error {
	if conv.CustomerID != "" {
		cust, err := loadParent(ctx, tx, conv.CustomerID)
		if err != nil {
			return err
		}
		res.Customer = cust
		return nil
	}
	cust := leadCustomer(l)
	probe := cust.Clone()
	normalizeCustomer(probe, c.region, now, &ValidationError{})
	matches, err := c.findDuplicates(ctx, tx, probe)
	if err != nil {
		return err
	}
	sortByStrength(matches, probe.Kind)
	res.Matches = matches
	if len(matches) > 0 && !conv.NewCustomer {
		res.Customer = matches[0].Customer.Clone()
		return nil
	}
	if err := c.prepareNew(cust, now, by, false); err != nil {
		return err
	}
	if err := tx.CreateCustomer(ctx, cust); err != nil {
		return err
	}
	res.Customer, res.CustomerCreated = cust.Clone(), true
	return nil
}

// leadCustomer returns the customer l would become: an organisation named
// after its company, or else a person named after it.
func leadCustomer(l *Lead) *Customer {
	cust := &Customer{
		Kind: KindPerson, Name: l.Name,
		Industry: l.Industry, Region: l.Region, OwnerID: l.OwnerID, Source: l.Source,
	}
	if l.Company != "" {
		cust.Kind, cust.Name = KindOrganization, l.Company
	}
	if l.Email != "" {
		cust.Emails = []Email{{Address: l.Email}}
	}
	if l.Phone != "" {
		cust.Phones = []Phone{{Number: l.Phone}}
	}
	return cust
}

// ruleStrength ranks match rules, strongest first.
var ruleStrength = []MatchRule{MatchID, MatchTaxID, MatchEmail, MatchPhone, MatchName}

// sortByStrength orders matches as ConvertLead chooses among them: the
// customers of kind first, then by their strongest rule, the number of
// rules that matched, the score, and the ID.
func sortByStrength(ms []DuplicateMatch, kind CustomerKind) {
	strongest := func(m DuplicateMatch) int {
		best := len(ruleStrength)
		for _, r := range m.Reasons {
			if i := slices.Index(ruleStrength, r.Rule); i >= 0 && i < best {
				best = i
			}
		}
		return best
	}
	otherKind := func(m DuplicateMatch) int {
		if m.Customer.Kind == kind {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(ms, func(a, b DuplicateMatch) int {
		return cmp.Or(
			cmp.Compare(otherKind(a), otherKind(b)),
			cmp.Compare(strongest(a), strongest(b)),
			cmp.Compare(len(b.Reasons), len(a.Reasons)),
			cmp.Compare(b.Score, a.Score),
			strings.Compare(a.Customer.ID, b.Customer.ID),
		)
	})
}

// convertContact finds or creates the contact of l at the customer in
// res, when the customer is an organisation and l names a person.
func (c *Client) convertContact(ctx context.Context, tx Store, l *Lead, now time.Time, by string, res *LeadConversionResult) error {
	cust := res.Customer
	if cust.Kind != KindOrganization || l.Name == "" {
		return nil
	}
	if l.Email != "" || l.Phone != "" {
		f := ContactFilter{CustomerID: cust.ID, Limit: MaxPageLimit}
		for ct, err := range pages(ctx, f, tx.FindContacts, func(f *ContactFilter, next Cursor) { f.After = next }) {
			if err != nil {
				return err
			}
			if l.Email != "" && slices.ContainsFunc(ct.Emails, func(e Email) bool { return e.Address == l.Email }) ||
				l.Phone != "" && slices.ContainsFunc(ct.Phones, func(p Phone) bool { return phoneKey(p.Number) == phoneKey(l.Phone) }) {
				res.Contact = ct
				return nil
			}
		}
	}
	ct := &Contact{CustomerID: cust.ID, Name: l.Name, JobTitle: l.Title}
	if l.Email != "" {
		ct.Emails = []Email{{Address: l.Email}}
	}
	if l.Phone != "" {
		ct.Phones = []Phone{{Number: l.Phone}}
	}
	ct, err := c.addContact(ctx, tx, ct, now, by)
	if err != nil {
		return err
	}
	res.Contact, res.ContactCreated = ct, true
	return nil
}

// convertOpportunity creates or attaches the deal conv asks for.
func (c *Client) convertOpportunity(ctx context.Context, tx Store, l *Lead, conv LeadConversion, now time.Time, by string, res *LeadConversionResult) error {
	contactID := ""
	if res.Contact != nil {
		contactID = res.Contact.ID
	}
	switch {
	case conv.Opportunity != nil:
		lo := conv.Opportunity
		name := cmp.Or(strings.TrimSpace(lo.Name), l.Company, l.Name)
		o, err := c.createOpportunity(ctx, tx, &Opportunity{
			Name: name, CustomerID: res.Customer.ID, ContactID: contactID, LeadID: l.ID,
			PipelineID: lo.PipelineID, Amount: lo.Amount, CloseDate: lo.CloseDate, OwnerID: l.OwnerID,
		}, now, by)
		if err != nil {
			return err
		}
		res.Opportunity, res.OpportunityCreated = o, true
	case conv.AttachOpportunityID != "":
		id := conv.AttachOpportunityID
		o, err := tx.FindOpportunityByID(ctx, id)
		if err != nil {
			return fmt.Errorf("opportunity %s: %w", id, err)
		}
		switch {
		case o.CustomerID != res.Customer.ID:
			return &ValidationError{Entity: "lead conversion", Fields: []FieldError{{
				Field:  "attach_opportunity_id",
				Reason: fmt.Sprintf("deal %s belongs to customer %s, not to %s, the lead's customer", id, o.CustomerID, res.Customer.ID),
			}}}
		case o.Closed():
			return fmt.Errorf("deal %s is %s: a lead is attached to an open deal only: %w", id, o.Status, ErrTransition)
		case o.LeadID != "" && o.LeadID != l.ID:
			return fmt.Errorf("deal %s came from lead %s already: %w", id, o.LeadID, ErrTransition)
		}
		o, err = c.modifyOpportunity(ctx, tx, id, o.Version, "attach lead to opportunity", func(_ Store, o *Opportunity, _ *Pipeline, _ time.Time) error {
			o.LeadID = l.ID
			if o.ContactID == "" {
				o.ContactID = contactID
			}
			return nil
		})
		if err != nil {
			return err
		}
		res.Opportunity = o
	}
	return nil
}

// forgetNewIDs clears, after a dry run, the IDs of the records the
// conversion would create, and the links to them: those IDs were never
// stored.
func (r *LeadConversionResult) forgetNewIDs() {
	l, ct, o := r.Lead, r.Contact, r.Opportunity
	if r.CustomerCreated {
		r.Customer.ID, l.CustomerID = "", ""
		if ct != nil {
			ct.CustomerID = ""
		}
		if o != nil {
			o.CustomerID = ""
		}
	}
	if r.ContactCreated {
		if o != nil && o.ContactID == ct.ID {
			o.ContactID = ""
		}
		ct.ID, l.ContactID = "", ""
	}
	if r.OpportunityCreated {
		o.ID, l.OpportunityID = "", ""
	}
}
