package crm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// Survivorship says which of two records' values a merged field keeps.
type Survivorship string

// Survivorship rules.
const (
	// SurviveNonEmpty keeps the survivor's value unless it is empty, then
	// takes the duplicate's. It is the default for every field.
	SurviveNonEmpty Survivorship = "non-empty"
	// SurviveNewest keeps the value of the record updated last, unless it
	// is empty, then takes the other's. Records carry one UpdatedAt, so
	// "newest" is judged per record, not per field.
	SurviveNewest Survivorship = "newest"
	// SurvivePreferSurvivor keeps the survivor's value even when empty.
	SurvivePreferSurvivor Survivorship = "survivor"
)

// SurvivorshipRules maps a field to its rule. Fields: name, address,
// industry, region, size, stage, owner_id, tax_id, credit_rating,
// credit_limit, risk_level, birth_date, source, time_zone; "custom" for every custom
// field, or "custom.<key>" for one. Emails, phones and tags are always the
// union of both records; consent per channel is always the most recent
// decision; do_not_contact holds if either record has it.
type SurvivorshipRules map[string]Survivorship

func (r SurvivorshipRules) validate(prefix string) *ValidationError {
	verr := &ValidationError{Entity: "survivorship rules"}
	for _, field := range slices.Sorted(maps.Keys(r)) {
		switch r[field] {
		case SurviveNonEmpty, SurviveNewest, SurvivePreferSurvivor:
		default:
			verr.add(prefix+"."+field, "unknown rule %q", r[field])
			continue
		}
		if !strings.HasPrefix(field, "custom.") && mergeFieldByName(field) == nil && field != "custom" {
			verr.add(prefix+"."+field, "not a field survivorship applies to")
		}
	}
	if len(verr.Fields) == 0 {
		return nil
	}
	return verr
}

// with returns r with the rules of over put in place.
func (r SurvivorshipRules) with(over SurvivorshipRules) SurvivorshipRules {
	out := make(SurvivorshipRules, len(r)+len(over))
	maps.Copy(out, r)
	maps.Copy(out, over)
	return out
}

// rule returns the rule for field: its own, for a custom field the rule
// for "custom", or else SurviveNonEmpty.
func (r SurvivorshipRules) rule(field string) Survivorship {
	if s, ok := r[field]; ok {
		return s
	}
	if s, ok := r["custom"]; ok && strings.HasPrefix(field, "custom.") {
		return s
	}
	return SurviveNonEmpty
}

// MergeSource says where a merged value came from.
type MergeSource string

// Merge sources.
const (
	FromSurvivor  MergeSource = "survivor"
	FromDuplicate MergeSource = "duplicate"
	// FromBoth marks a union (emails, phones, tags) drawing on both, or a
	// value the two records share.
	FromBoth MergeSource = "both"
)

// FieldSource is one line of a merge plan: a field's merged value and
// where it came from.
type FieldSource struct {
	Field string
	// Value is the merged value, formatted for display.
	Value string
	From  MergeSource
	// Rule is the survivorship rule applied, or "" for fields merged by a
	// fixed rule (unions, consent, do_not_contact).
	Rule Survivorship
}

// ChildRef names one record that belongs to a customer.
type ChildRef struct {
	// Kind is the child's kind, such as "contact".
	Kind string
	ID   string
}

// ChildKind is the hook through which [Client.MergeCustomers] finds and
// moves the records of one kind that belong to a customer. Contacts and
// opportunities are built in; each further kind (orders, interactions, cases,
// survey responses) takes part by providing a ChildKind, and a service with
// records of its own adds them with [WithChildKind]. Both functions run
// inside the merge's transaction and must use the Store they are given;
// records kept outside that Store (in a service's own database) cannot
// join the transaction, so their Move should be idempotent and safe to
// repeat after a failed merge.
type ChildKind struct {
	// Name names the kind in merge plans, such as "contact".
	Name string
	// List returns the IDs of the customer's records of this kind.
	List func(ctx context.Context, tx Store, customerID string) ([]string, error)
	// Move re-points every record of fromID to toID, stamping them with
	// the time and actor, and returns how many moved.
	Move func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error)
}

// contactKind moves contacts.
var contactKind = ChildKind{
	Name: "contact",
	List: func(ctx context.Context, tx Store, customerID string) ([]string, error) {
		return childIDs(pages(ctx, ContactFilter{CustomerID: customerID}, tx.FindContacts, func(f *ContactFilter, c Cursor) { f.After = c }), func(ct *Contact) string { return ct.ID })
	},
	Move: func(ctx context.Context, tx Store, fromID, toID string, at time.Time, by string) (int, error) {
		return tx.MoveContacts(ctx, fromID, toID, at, by)
	},
}

// childIDs collects the IDs of the records seq yields, for a
// [ChildKind]'s List.
func childIDs[T any](seq iter.Seq2[*T, error], id func(*T) string) ([]string, error) {
	var ids []string
	for r, err := range seq {
		if err != nil {
			return nil, err
		}
		ids = append(ids, id(r))
	}
	return slices.Clip(ids), nil
}

// MergePlan describes a merge of two customers: done, or for a dry run,
// what would be done.
type MergePlan struct {
	// Survivor is the surviving customer with the merged values.
	Survivor *Customer
	// Duplicate is the merged-away customer, archived and pointing at the
	// survivor.
	Duplicate *Customer
	// Fields gives each field's merged value and its source.
	Fields []FieldSource
	// Children lists the records moved (or to be moved) to the survivor.
	Children []ChildRef
	// DryRun is true when nothing was changed.
	DryRun bool
}

// MergeOptions adjust one merge.
type MergeOptions struct {
	// DryRun returns the plan without changing anything.
	DryRun bool
	// Rules override the Client's survivorship rules for this merge.
	Rules SurvivorshipRules
	// SurvivorVersion and DuplicateVersion, when not zero, must equal the
	// stored versions, or the merge fails with [ErrConflict]: pass the
	// versions a reviewed dry run showed, so that the merge done is the
	// merge reviewed.
	SurvivorVersion, DuplicateVersion int64
}

// mergeField describes one scalar field for survivorship.
type mergeField struct {
	name  string
	empty func(*Customer) bool
	take  func(dst, src *Customer)
	show  func(*Customer) string
}

func stringField(name string, p func(*Customer) *string) mergeField {
	return mergeField{
		name:  name,
		empty: func(c *Customer) bool { return *p(c) == "" },
		take:  func(dst, src *Customer) { *p(dst) = *p(src) },
		show:  func(c *Customer) string { return *p(c) },
	}
}

// mergeFields lists the fields merged by a survivorship rule.
var mergeFields = []mergeField{
	stringField("name", func(c *Customer) *string { return &c.Name }),
	{
		name:  "address",
		empty: func(c *Customer) bool { return c.Address.IsZero() },
		take:  func(dst, src *Customer) { dst.Address = src.Address },
		show: func(c *Customer) string {
			a := c.Address
			return strings.Join(slices.DeleteFunc([]string{a.Street, a.City, a.PostalCode, a.State, a.Country}, func(s string) bool { return s == "" }), ", ")
		},
	},
	stringField("industry", func(c *Customer) *string { return &c.Industry }),
	stringField("region", func(c *Customer) *string { return &c.Region }),
	stringField("size", func(c *Customer) *string { return (*string)(&c.Size) }),
	stringField("stage", func(c *Customer) *string { return (*string)(&c.Stage) }),
	stringField("owner_id", func(c *Customer) *string { return &c.OwnerID }),
	stringField("tax_id", func(c *Customer) *string { return &c.TaxID }),
	stringField("credit_rating", func(c *Customer) *string { return &c.CreditRating }),
	{
		name:  "credit_limit",
		empty: func(c *Customer) bool { return c.CreditLimit.IsZero() },
		take:  func(dst, src *Customer) { dst.CreditLimit = src.CreditLimit },
		show:  func(c *Customer) string { return c.CreditLimit.String() },
	},
	stringField("risk_level", func(c *Customer) *string { return (*string)(&c.RiskLevel) }),
	{
		name:  "birth_date",
		empty: func(c *Customer) bool { return c.BirthDate.IsZero() },
		take:  func(dst, src *Customer) { dst.BirthDate = src.BirthDate },
		show: func(c *Customer) string {
			if c.BirthDate.IsZero() {
				return ""
			}
			return c.BirthDate.Format(time.DateOnly)
		},
	},
	stringField("source", func(c *Customer) *string { return &c.Source }),
	stringField("time_zone", func(c *Customer) *string { return &c.TimeZone }),
}

func mergeFieldByName(name string) *mergeField {
	for i := range mergeFields {
		if mergeFields[i].name == name {
			return &mergeFields[i]
		}
	}
	return nil
}

// PlanMerge computes the merge of duplicate into survivor: the merged
// survivor, the archived duplicate and the source of every field, applying
// rules (missing fields use [SurviveNonEmpty]). Emails, phones and tags
// become the union of both, the survivor's primary entries staying
// primary; consent per channel takes the most recent decision (a
// withdrawal, when both are as recent); do-not-contact holds if either
// record has it. A lifecycle stage taken from the duplicate must be a move
// [TransitionLifecycle] allows from the survivor's, or PlanMerge fails with
// [ErrTransition]. The duplicate gets
// MergedInto set; timestamps, actors and versions are left to the caller.
// PlanMerge fails with [ErrInvalid] if the two are the same record or of
// different kinds, or a rule is unknown. It is a pure function and changes
// neither input.
func PlanMerge(survivor, duplicate *Customer, rules SurvivorshipRules) (*MergePlan, error) {
	verr := &ValidationError{Entity: "merge"}
	if survivor == nil {
		verr.add("survivor", "required")
	}
	if duplicate == nil {
		verr.add("duplicate", "required")
	}
	if err := verr.err(); err != nil {
		return nil, err
	}
	if survivor.ID == duplicate.ID {
		verr.add("duplicate_id", "is the survivor itself")
	}
	if survivor.Kind != duplicate.Kind {
		verr.add("duplicate_id", "is a %s, the survivor a %s", duplicate.Kind, survivor.Kind)
	}
	if e := rules.validate("rules"); e != nil {
		verr.Fields = append(verr.Fields, e.Fields...)
	}
	if err := verr.err(); err != nil {
		return nil, err
	}

	s, d := survivor, duplicate
	out := s.Clone()
	plan := &MergePlan{Survivor: out}
	newest := d.UpdatedAt.After(s.UpdatedAt)
	// pick applies rule to one field and returns where the value came from.
	pick := func(rule Survivorship, sEmpty, dEmpty, equal bool) MergeSource {
		switch {
		case equal:
			return FromBoth
		case rule == SurvivePreferSurvivor:
			return FromSurvivor
		case rule == SurviveNewest && newest && !dEmpty, sEmpty && !dEmpty:
			return FromDuplicate
		}
		return FromSurvivor
	}

	for _, f := range mergeFields {
		rule := rules.rule(f.name)
		from := pick(rule, f.empty(s), f.empty(d), f.show(s) == f.show(d))
		if from == FromDuplicate {
			f.take(out, d)
		}
		plan.Fields = append(plan.Fields, FieldSource{Field: f.name, Value: f.show(out), From: from, Rule: rule})
	}

	plan.Fields = append(plan.Fields,
		unionField("emails", &out.Emails, d.Emails, func(e Email) string { return e.Address }, func(e *Email) { e.Primary = false }),
		unionField("phones", &out.Phones, d.Phones, func(p Phone) string { return p.Number }, func(p *Phone) { p.Primary = false }),
		unionField("tags", &out.Tags, d.Tags, func(t string) string { return t }, func(*string) {}),
	)
	// A survivor without emails or phones takes the duplicate's, demoted:
	// promote the first again.
	setPrimary(out.Emails, "emails", &ValidationError{})
	setPrimary(out.Phones, "phones", &ValidationError{})

	keys := slices.Sorted(maps.Keys(s.Custom))
	for _, k := range slices.Sorted(maps.Keys(d.Custom)) {
		if _, ok := s.Custom[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		field := "custom." + k
		rule := rules.rule(field)
		sv, sok := s.Custom[k]
		dv, dok := d.Custom[k]
		from := pick(rule, !sok, !dok, sok && dok && sv.Equal(dv))
		switch {
		case from == FromDuplicate:
			if out.Custom == nil {
				out.Custom = make(map[string]CustomValue)
			}
			out.Custom[k] = dv
		case !sok:
			continue // survivor-preferred and absent: stays absent
		}
		plan.Fields = append(plan.Fields, FieldSource{Field: field, Value: out.Custom[k].String(), From: from, Rule: rule})
	}

	for _, ch := range Channels() {
		sc, dc := s.Consent.Get(ch), d.Consent.Get(ch)
		from := FromSurvivor
		switch {
		case sc == dc:
			from = FromBoth
		case dc.At.After(sc.At), dc.At.Equal(sc.At) && !dc.Granted:
			// The later decision stands; at the same moment, a withdrawal.
			from = FromDuplicate
			out.Consent.Set(ch, dc.Granted, dc.At)
		}
		if !out.Consent.Get(ch).At.IsZero() {
			plan.Fields = append(plan.Fields, FieldSource{Field: "consent." + string(ch), Value: consentString(out.Consent.Get(ch)), From: from})
		}
	}
	dnc := FromSurvivor
	switch {
	case s.DoNotContact == d.DoNotContact:
		dnc = FromBoth
	case d.DoNotContact:
		dnc = FromDuplicate
		out.DoNotContact = true
	}
	plan.Fields = append(plan.Fields, FieldSource{Field: "do_not_contact", Value: fmt.Sprint(out.DoNotContact), From: dnc})

	if out.Stage != s.Stage {
		if err := TransitionLifecycle(s.Stage, out.Stage); err != nil {
			return nil, fmt.Errorf("crm: merge: stage from the duplicate: %w", err)
		}
	}
	plan.Duplicate = d.Clone()
	plan.Duplicate.MergedInto = s.ID
	return plan, nil
}

// unionField appends to *dst the entries of src not already there (by
// key), clearing their primary flag, and describes the result.
func unionField[T any](field string, dst *[]T, src []T, key func(T) string, demote func(*T)) FieldSource {
	had := len(*dst)
	for _, e := range src {
		if slices.IndexFunc(*dst, func(o T) bool { return key(o) == key(e) }) < 0 {
			demote(&e)
			*dst = append(*dst, e)
		}
	}
	from := FromSurvivor
	switch {
	case had == 0 && len(*dst) > 0:
		from = FromDuplicate
	case len(*dst) > had || len(src) > 0:
		from = FromBoth
	}
	names := make([]string, len(*dst))
	for i, e := range *dst {
		names[i] = key(e)
	}
	return FieldSource{Field: field, Value: strings.Join(names, ", "), From: from}
}

func consentString(c Consent) string {
	word := "withdrawn"
	if c.Granted {
		word = "granted"
	}
	return word + " " + c.At.Format(time.RFC3339)
}

// MergeCustomers merges the customer duplicateID into survivorID in one
// transaction: the survivor takes the merged values (see [PlanMerge] and
// the Client's survivorship rules, overridden by opts.Rules), every child
// record — contacts, and every [ChildKind] configured — moves to the
// survivor, and the duplicate is archived pointing at the survivor, so
// [Client.GetCustomer] of its ID answers with a [*MergedError] naming the
// survivor. With opts.DryRun it returns the plan and changes nothing.
// A Client with [WithAudit] also records the merge as an [AuditMerged]
// entry on the survivor, from which [Client.UndoMerge] can reverse it.
//
// It returns an error matching [ErrNotFound] if either customer is
// missing, [ErrTransition] if either is archived or already merged,
// [ErrInvalid] for the same ID twice, customers of different kinds, an
// unknown rule or a merged record that would break a limit (more than 20
// emails, say), and [ErrConflict] if a record changed while merging or
// does not have the version opts names.
func (c *Client) MergeCustomers(ctx context.Context, survivorID, duplicateID string, opts MergeOptions) (*MergePlan, error) {
	if err := checkPair("merge", survivorID, duplicateID); err != nil {
		return nil, err
	}
	if c.approvals != nil && c.approvals.Merge && !opts.DryRun && !approvedIn(ctx) {
		return nil, c.holdMerge(ctx, survivorID, duplicateID, opts)
	}
	now, by := c.now(), actorID(ctx)
	rules := c.survive.with(opts.Rules)

	var plan *MergePlan
	err := c.store.RunInTx(ctx, func(tx Store) error {
		s, err := loadLive(ctx, tx, survivorID)
		if err != nil {
			return err
		}
		d, err := loadLive(ctx, tx, duplicateID)
		if err != nil {
			return err
		}
		for _, v := range []struct {
			cust *Customer
			want int64
		}{{s, opts.SurvivorVersion}, {d, opts.DuplicateVersion}} {
			if v.want != 0 && v.cust.Version != v.want {
				return fmt.Errorf("customer %s: have version %d, stored %d: %w", v.cust.ID, v.want, v.cust.Version, ErrConflict)
			}
		}
		if plan, err = PlanMerge(s, d, rules); err != nil {
			return err
		}
		// The merged record must be one the Client would store: a union
		// can outgrow the limits on emails, phones, tags or custom fields.
		verr := &ValidationError{Entity: "merged customer"}
		normalizeCustomer(plan.Survivor, c.phoneRegion(plan.Survivor), now, verr)
		if err := verr.err(); err != nil {
			return err
		}
		for _, k := range c.childKinds {
			ids, err := k.List(ctx, tx, d.ID)
			if err != nil {
				return fmt.Errorf("list %ss of %s: %w", k.Name, d.ID, err)
			}
			for _, id := range ids {
				plan.Children = append(plan.Children, ChildRef{Kind: k.Name, ID: id})
			}
		}
		if opts.DryRun {
			plan.DryRun = true
			return nil
		}
		out, dup := plan.Survivor, plan.Duplicate
		out.UpdatedAt, out.UpdatedBy = now, by
		if err := tx.UpdateCustomer(ctx, out); err != nil {
			return fmt.Errorf("update survivor %s: %w", out.ID, err)
		}
		if err := c.recordOwnerChange(ctx, tx, EntityCustomer, s.ID, s.ID, s.OwnerID, out.OwnerID, now, by, "merge of "+d.ID); err != nil {
			return err
		}
		dup.ArchivedAt, dup.UpdatedAt, dup.UpdatedBy = now, now, by
		if err := tx.UpdateCustomer(ctx, dup); err != nil {
			return fmt.Errorf("archive duplicate %s: %w", dup.ID, err)
		}
		for _, k := range c.childKinds {
			if _, err := k.Move(ctx, tx, d.ID, s.ID, now, by); err != nil {
				return fmt.Errorf("move %ss of %s: %w", k.Name, d.ID, err)
			}
		}
		if c.audits() {
			return noteMerge(ctx, tx, s, d, out.Version, dup.Version, plan.Children)
		}
		return nil
	})
	if err != nil {
		return nil, wrapUnlessTyped("merge customers", err)
	}
	if !plan.DryRun {
		c.log.InfoContext(ctx, "crm: customers merged", "survivor", survivorID, "duplicate", duplicateID, "children", len(plan.Children), "actor", by)
	}
	return plan, nil
}

// loadLive loads a customer that may still change: not archived, not
// merged.
func loadLive(ctx context.Context, s Store, id string) (*Customer, error) {
	cust, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkLive(cust); err != nil {
		return nil, err
	}
	return cust, nil
}

// checkLive returns an error matching [ErrTransition] if cust is merged
// or archived.
func checkLive(cust *Customer) error {
	switch {
	case cust.MergedInto != "":
		return fmt.Errorf("customer %s was merged into %s: %w", cust.ID, cust.MergedInto, ErrTransition)
	case cust.Archived():
		return fmt.Errorf("customer %s is archived: %w", cust.ID, ErrTransition)
	}
	return nil
}

// loadParent loads, in tx, the live customer a record being added or
// re-pointed will belong to, so that a merge cannot move the customer's
// children while the record is on its way and leave it behind with the
// merged-away customer. Where the Store under tx is a [CustomerLocker],
// it locks the customer until tx ends and checks it again as it is then:
// a merge that began first has committed and is seen; one that begins
// later waits for tx, and moves the record with the rest.
func loadParent(ctx context.Context, tx Store, id string) (*Customer, error) {
	cust, err := loadLive(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	l, ok := lockerOf(tx)
	if !ok {
		return cust, nil
	}
	locked, err := l.LockCustomer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := checkLive(locked); err != nil {
		return nil, err
	}
	return locked, nil
}

// lockerOf returns the [CustomerLocker] under the Client's own wrappers
// of s, if there is one.
func lockerOf(s Store) (CustomerLocker, bool) {
	for {
		switch w := s.(type) {
		case CustomerLocker:
			return w, true
		case *logStore:
			s = w.Store
		case *guardStore:
			s = w.s
		default:
			return nil, false
		}
	}
}

// MergedError reports that a customer was merged into another. It matches
// [ErrNotFound] with [errors.Is]: the ID no longer names a live customer.
type MergedError struct {
	// ID is the merged-away customer.
	ID string
	// SurvivorID is where it went, following chains of merges to the end.
	SurvivorID string
}

// Error says where the customer went.
func (e *MergedError) Error() string {
	return fmt.Sprintf("crm: customer %s was merged into %s", e.ID, e.SurvivorID)
}

// Is reports whether target is [ErrNotFound].
func (e *MergedError) Is(target error) bool { return target == ErrNotFound }

// maxMergeHops bounds how far a lookup follows merged-into pointers.
const maxMergeHops = 32

// survivorOf follows merged-into pointers from cust to the live customer.
func survivorOf(ctx context.Context, s Store, cust *Customer) (string, error) {
	id := cust.MergedInto
	for range maxMergeHops {
		next, err := s.FindCustomerByID(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
		if next.MergedInto == "" {
			return id, nil
		}
		id = next.MergedInto
	}
	return id, nil
}

// holdMerge asks for approval of a merge, naming the versions it must
// find: those of opts, or those stored now.
func (c *Client) holdMerge(ctx context.Context, survivorID, duplicateID string, opts MergeOptions) error {
	op := mergeOperation{DuplicateID: duplicateID, SurvivorVersion: opts.SurvivorVersion, DuplicateVersion: opts.DuplicateVersion, Rules: opts.Rules}
	for _, v := range []struct {
		id      string
		version *int64
	}{{survivorID, &op.SurvivorVersion}, {duplicateID, &op.DuplicateVersion}} {
		cust, err := loadLive(ctx, c.store, v.id)
		if err != nil {
			return wrapUnlessTyped("merge customers", err)
		}
		if err := c.mayAsk(ctx, cust.OwnerID, PermCustomerWrite); err != nil {
			return fmt.Errorf("crm: merge customers: %w", err)
		}
		if *v.version == 0 {
			*v.version = cust.Version
		}
	}
	return c.requestApproval(ctx, ApprovalMerge, survivorID, op)
}

// checkPair checks that the IDs of a merge's two customers are given.
func checkPair(entity, survivorID, duplicateID string) error {
	verr := &ValidationError{Entity: entity}
	if survivorID == "" {
		verr.add("survivor_id", "required")
	}
	if duplicateID == "" {
		verr.add("duplicate_id", "required")
	}
	return verr.err()
}
