package crm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Operator says how a [Condition] combines its terms or compares a field
// with its values.
type Operator string

// Operators. OpAnd, OpOr and OpNot combine conditions; the others compare
// one field with values.
const (
	OpAnd Operator = "and"
	OpOr  Operator = "or"
	OpNot Operator = "not"

	OpEq Operator = "="
	OpNe Operator = "!="
	OpLt Operator = "<"
	OpLe Operator = "<="
	OpGt Operator = ">"
	OpGe Operator = ">="
	// OpIn holds when the field equals one of the values.
	OpIn Operator = "in"
	// OpHas holds when the tags include the value.
	OpHas Operator = "has"
	// OpContains and OpStartsWith test text.
	OpContains   Operator = "contains"
	OpStartsWith Operator = "starts_with"
	// OpEmpty holds when the field has no value: empty text, no tags, an
	// absent custom field or metric. It takes no values.
	OpEmpty Operator = "is empty"
)

// Metrics are the computed figures of one customer that a [Condition] may
// test, named in rules as r, f, m, tier and clv. They are built elsewhere
// (RFM scoring, value tiers, lifetime value) and supplied by the caller
// through [SegmentOptions].
type Metrics struct {
	// R, F and M are the recency, frequency and monetary scores, 1 to 5;
	// 0 means not scored, and a rule on it does not hold.
	R, F, M int
	// Tier is the value tier, such as "A", "B" or "C"; "" means none.
	Tier string
	// CLV is the customer's lifetime value, a plain number.
	CLV decimal.Decimal
}

// fieldKind is what a rule field refers to.
type fieldKind uint8

const (
	fieldUnknown fieldKind = iota
	fieldText              // a stored text column of customers
	fieldTags
	fieldCustom
	fieldScore // r, f, m
	fieldTier
	fieldCLV
)

// ruleTextFields are the stored text fields a rule may name, with what
// each reads from a customer.
var ruleTextFields = map[string]func(*Customer) string{
	"kind":          func(c *Customer) string { return string(c.Kind) },
	"name":          func(c *Customer) string { return c.Name },
	"industry":      func(c *Customer) string { return c.Industry },
	"region":        func(c *Customer) string { return c.Region },
	"size":          func(c *Customer) string { return string(c.Size) },
	"stage":         func(c *Customer) string { return string(c.Stage) },
	"owner":         func(c *Customer) string { return c.OwnerID },
	"source":        func(c *Customer) string { return c.Source },
	"country":       func(c *Customer) string { return c.Address.Country },
	"credit_rating": func(c *Customer) string { return c.CreditRating },
	"risk_level":    func(c *Customer) string { return string(c.RiskLevel) },
}

// customPrefix starts the name of a custom field in a rule.
const customPrefix = "custom."

func kindOf(field string) fieldKind {
	switch {
	case ruleTextFields[field] != nil:
		return fieldText
	case field == "tags":
		return fieldTags
	case field == "r", field == "f", field == "m":
		return fieldScore
	case field == "tier":
		return fieldTier
	case field == "clv":
		return fieldCLV
	case strings.HasPrefix(field, customPrefix) && validKey(field[len(customPrefix):]):
		return fieldCustom
	}
	return fieldUnknown
}

// Condition is a rule over customers: a tree whose leaves compare one
// field with values and whose inner nodes combine conditions with and, or
// and not. Build one with [Compare], [And], [Or] and [Not], or parse the
// text form with [ParseCondition]; [Condition.String] prints that form.
//
// Fields are the stored customer fields kind, name, industry, region,
// size, stage, owner (OwnerID), source, country (Address.Country),
// credit_rating and risk_level; tags; custom fields as custom.<key>; and
// the computed [Metrics] r, f, m, tier and clv. Text compares byte by
// byte, as Go compares strings, case included; tags compare lower-cased,
// as they are stored. A comparison on an absent value (a custom field the
// customer lacks, a metric not known) does not hold, whatever the
// operator; only [OpEmpty] holds then, and not inverts.
//
// Conditions are values; the zero Condition is invalid.
type Condition struct {
	// Op is the operator.
	Op Operator
	// Field names the field a comparison tests; "" for and, or, not.
	Field string
	// Values are what the field is compared with: one, several for
	// [OpIn], none for [OpEmpty].
	Values []CustomValue
	// Terms are the conditions and/or combine (two or more) or the one
	// that not negates.
	Terms []Condition
}

// Compare returns the condition comparing field with values by op. Tag
// values are lower-cased, as tags are stored. Check the result with
// [Condition.Validate].
func Compare(field string, op Operator, values ...CustomValue) Condition {
	if field == "tags" {
		values = slices.Clone(values)
		for i, v := range values {
			if s, ok := v.Text(); ok {
				values[i] = StringValue(strings.ToLower(strings.TrimSpace(s)))
			}
		}
	}
	return Condition{Op: op, Field: field, Values: values}
}

// And returns the condition that holds when all of terms hold; of one
// term, that term.
func And(terms ...Condition) Condition { return combine(OpAnd, terms) }

// Or returns the condition that holds when any of terms holds; of one
// term, that term.
func Or(terms ...Condition) Condition { return combine(OpOr, terms) }

// Not returns the condition that holds when c does not.
func Not(c Condition) Condition { return Condition{Op: OpNot, Terms: []Condition{c}} }

func combine(op Operator, terms []Condition) Condition {
	if len(terms) == 1 {
		return terms[0]
	}
	return Condition{Op: op, Terms: slices.Clone(terms)}
}

// Limits on conditions.
const (
	maxRuleDepth    = 64   // nesting of and, or, not
	maxRuleValueLen = 1000 // bytes of one text value
	maxRuleText     = 1 << 16
)

// Validate reports whether c is well formed: known fields, operators that
// apply to them, values of the right type. It returns a [*ValidationError]
// whose fields name the rule fields at fault (such as "industry"), or
// "rule" for a problem of the tree itself.
func (c Condition) Validate() error {
	verr := &ValidationError{Entity: "segment rule"}
	c.validate(verr, 0)
	return verr.err()
}

func (c Condition) validate(verr *ValidationError, depth int) {
	if depth > maxRuleDepth {
		verr.add("rule", "nested more than %d deep", maxRuleDepth)
		return
	}
	switch c.Op {
	case OpAnd, OpOr:
		if len(c.Terms) < 2 {
			verr.add("rule", "%s needs two or more terms", c.Op)
		}
	case OpNot:
		if len(c.Terms) != 1 {
			verr.add("rule", "not needs one term")
		}
	default:
		if reason := checkComparison(c.Field, c.Op, c.Values); reason != "" {
			field := c.Field
			if field == "" {
				field = "rule"
			}
			verr.add(field, "%s", reason)
		}
		return
	}
	for _, t := range c.Terms {
		t.validate(verr, depth+1)
	}
}

// checkComparison returns what is wrong with comparing field by op with
// values, or "".
func checkComparison(field string, op Operator, values []CustomValue) string {
	kind := kindOf(field)
	if kind == fieldUnknown {
		if field == "" {
			return "a comparison needs a field"
		}
		return fmt.Sprintf("unknown field %q", field)
	}
	want := 1
	switch op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe, OpContains, OpStartsWith, OpHas:
	case OpIn:
		want = -1
	case OpEmpty:
		want = 0
	case "":
		return "operator required"
	default:
		return fmt.Sprintf("unknown operator %q", op)
	}
	switch {
	case want >= 0 && len(values) != want:
		return fmt.Sprintf("%s takes %d value(s), got %d", op, want, len(values))
	case want < 0 && len(values) == 0:
		return "in needs at least one value"
	}
	ordered := op == OpLt || op == OpLe || op == OpGt || op == OpGe
	text := op == OpContains || op == OpStartsWith
	switch kind {
	case fieldTags:
		if op != OpHas && op != OpEmpty {
			return fmt.Sprintf("operator %s does not apply to tags (use has or is empty)", op)
		}
	case fieldScore, fieldCLV:
		if op == OpHas || text {
			return fmt.Sprintf("operator %s does not apply to a number", op)
		}
	default:
		if op == OpHas {
			return "has applies to tags only"
		}
	}
	for _, v := range values {
		switch v.Kind() {
		case ValueString:
			s, _ := v.Text()
			switch {
			case !utf8.ValidString(s):
				return "value is not valid UTF-8"
			case strings.IndexByte(s, 0) >= 0:
				return "value contains a NUL byte"
			case len(s) > maxRuleValueLen:
				return fmt.Sprintf("value longer than %d bytes", maxRuleValueLen)
			}
			if kind == fieldScore || kind == fieldCLV {
				return "value must be a number"
			}
		case ValueNumber, ValueBool, ValueDate:
			if kind == fieldText || kind == fieldTags || kind == fieldTier {
				return "value must be text"
			}
			if v.Kind() != ValueNumber && kind != fieldCustom {
				return "value must be a number"
			}
			if v.Kind() == ValueBool && ordered {
				return fmt.Sprintf("operator %s does not apply to true or false", op)
			}
			if text {
				return fmt.Sprintf("operator %s needs a text value", op)
			}
		default:
			return "value missing"
		}
	}
	return ""
}

// Match reports whether c holds for customer cust with metrics m (nil
// when none are known). An invalid condition matches nothing. Match is
// the reference a Store's query agrees with for the fields it stores.
func (c Condition) Match(cust *Customer, m *Metrics) bool {
	switch c.Op {
	case OpAnd:
		for _, t := range c.Terms {
			if !t.Match(cust, m) {
				return false
			}
		}
		return len(c.Terms) > 0
	case OpOr:
		return slices.ContainsFunc(c.Terms, func(t Condition) bool { return t.Match(cust, m) })
	case OpNot:
		return len(c.Terms) == 1 && !c.Terms[0].Match(cust, m)
	}
	v, ok := fieldValue(cust, m, c.Field)
	if c.Op == OpEmpty {
		return !ok || v.Kind() == ValueString && v.s == ""
	}
	if !ok {
		return false
	}
	if c.Field == "tags" {
		return c.Op == OpHas && len(c.Values) == 1 && cust.HasTag(c.Values[0].s)
	}
	switch c.Op {
	case OpIn:
		return slices.ContainsFunc(c.Values, func(w CustomValue) bool { return compareValues(v, w) == 0 })
	case OpContains, OpStartsWith:
		if len(c.Values) != 1 || v.Kind() != ValueString || c.Values[0].Kind() != ValueString {
			return false
		}
		if c.Op == OpContains {
			return strings.Contains(v.s, c.Values[0].s)
		}
		return strings.HasPrefix(v.s, c.Values[0].s)
	}
	if len(c.Values) != 1 {
		return false
	}
	cmp := compareValues(v, c.Values[0])
	switch c.Op {
	case OpEq:
		return cmp == 0
	case OpNe:
		return cmp != 0 && cmp != incomparable
	case OpLt:
		return cmp == -1
	case OpLe:
		return cmp == -1 || cmp == 0
	case OpGt:
		return cmp == 1
	case OpGe:
		return cmp == 1 || cmp == 0
	}
	return false
}

// incomparable is what compareValues returns for values of different
// kinds, or bools in order.
const incomparable = 2

// compareValues orders a and b of one kind: −1, 0, +1, or incomparable.
func compareValues(a, b CustomValue) int {
	if a.Kind() != b.Kind() {
		return incomparable
	}
	switch a.Kind() {
	case ValueString:
		return strings.Compare(a.s, b.s)
	case ValueNumber:
		return a.n.Cmp(b.n)
	case ValueDate:
		return a.t.Compare(b.t)
	case ValueBool:
		if a.b == b.b {
			return 0
		}
	}
	return incomparable
}

// fieldValue returns the value of a rule field for cust, and whether it
// has one. Tags report only presence.
func fieldValue(cust *Customer, m *Metrics, field string) (CustomValue, bool) {
	if get := ruleTextFields[field]; get != nil {
		return StringValue(get(cust)), true
	}
	switch field {
	case "tags":
		return CustomValue{}, len(cust.Tags) > 0
	case "r", "f", "m":
		if m == nil {
			return CustomValue{}, false
		}
		score := map[string]int{"r": m.R, "f": m.F, "m": m.M}[field]
		return IntValue(int64(score)), score != 0
	case "tier":
		if m == nil || m.Tier == "" {
			return CustomValue{}, false
		}
		return StringValue(m.Tier), true
	case "clv":
		if m == nil {
			return CustomValue{}, false
		}
		return NumberValue(m.CLV), true
	}
	if key, ok := strings.CutPrefix(field, customPrefix); ok {
		v, ok := cust.Custom[key]
		return v, ok
	}
	return CustomValue{}, false
}

// Stored reports whether c tests only fields a Store keeps in columns of
// its own (the stored text fields and tags) with operators a Store
// evaluates: every operator but contains. A [CustomerFilter] takes only
// such a condition as its Rule.
func (c Condition) Stored() bool {
	switch c.Op {
	case OpAnd, OpOr, OpNot:
		for _, t := range c.Terms {
			if !t.Stored() {
				return false
			}
		}
		return len(c.Terms) > 0
	case OpContains:
		return false
	}
	k := kindOf(c.Field)
	return k == fieldText || k == fieldTags
}

// NeedsMetrics reports whether c tests a computed metric (r, f, m, tier,
// clv).
func (c Condition) NeedsMetrics() bool {
	switch c.Op {
	case OpAnd, OpOr, OpNot:
		return slices.ContainsFunc(c.Terms, Condition.NeedsMetrics)
	}
	switch kindOf(c.Field) {
	case fieldScore, fieldTier, fieldCLV:
		return true
	}
	return false
}

// split divides c into a part a Store evaluates (stored, or nil) and the
// rest (or nil), whose conjunction is c. Only the terms of a top-level
// and are divided.
func (c Condition) split() (stored, rest *Condition) {
	if c.Stored() {
		return &c, nil
	}
	if c.Op != OpAnd {
		return nil, &c
	}
	var s, r []Condition
	for _, t := range c.Terms {
		if t.Stored() {
			s = append(s, t)
		} else {
			r = append(r, t)
		}
	}
	if len(s) > 0 {
		stored = Ptr(combine(OpAnd, s))
	}
	return stored, Ptr(combine(OpAnd, r))
}

// Equal reports whether c and o are the same tree: the same operators and
// fields, and values equal by [CustomValue.Equal].
func (c Condition) Equal(o Condition) bool {
	return c.Op == o.Op && c.Field == o.Field &&
		slices.EqualFunc(c.Values, o.Values, CustomValue.Equal) &&
		slices.EqualFunc(c.Terms, o.Terms, Condition.Equal)
}

// String returns the text form of c, which [ParseCondition] reads back to
// an equal condition: and and or terms that are themselves and or or are
// parenthesised, text is quoted as in Go, dates print as
// date("2006-01-02").
func (c Condition) String() string {
	var b strings.Builder
	c.write(&b)
	return b.String()
}

func (c Condition) write(b *strings.Builder) {
	switch c.Op {
	case OpAnd, OpOr, OpNot:
		if c.Op == OpNot {
			b.WriteString("not ")
		}
		for i, t := range c.Terms {
			if i > 0 {
				b.WriteString(" " + string(c.Op) + " ")
			}
			// An and or or inside another, or under not, is grouped.
			group := t.Op == OpAnd || t.Op == OpOr
			if group {
				b.WriteByte('(')
			}
			t.write(b)
			if group {
				b.WriteByte(')')
			}
		}
		return
	}
	b.WriteString(c.Field)
	b.WriteByte(' ')
	b.WriteString(string(c.Op))
	switch c.Op {
	case OpEmpty:
		return
	case OpIn:
		b.WriteString(" (")
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, v)
		}
		b.WriteByte(')')
		return
	}
	for _, v := range c.Values {
		b.WriteByte(' ')
		writeValue(b, v)
	}
}

func writeValue(b *strings.Builder, v CustomValue) {
	switch v.Kind() {
	case ValueString:
		b.WriteString(strconv.Quote(v.s))
	case ValueDate:
		b.WriteString(`date("` + v.String() + `")`)
	case ValueInvalid:
		b.WriteString("?")
	default:
		b.WriteString(v.String())
	}
}

// CheckStored returns nil if c is valid and [Condition.Stored], the
// condition a [CustomerFilter] may carry as its Rule; otherwise a
// [*ValidationError] naming the fields a Store cannot test.
func (c Condition) CheckStored() error {
	if err := c.Validate(); err != nil {
		return err
	}
	verr := &ValidationError{Entity: "segment rule"}
	c.walk(func(t Condition) {
		if t.Op != OpAnd && t.Op != OpOr && t.Op != OpNot && !t.Stored() {
			verr.add(t.Field, "not a stored field, or %s is evaluated outside the store", t.Op)
		}
	})
	return verr.err()
}

// walk calls fn on c and every condition under it.
func (c Condition) walk(fn func(Condition)) {
	fn(c)
	for _, t := range c.Terms {
		t.walk(fn)
	}
}

// MetricsTable holds the computed metrics of many customers, by customer
// ID, for [SegmentOptions.Metrics]: fill it from [ScoreRFM], [ValueTiers]
// and lifetime values, then pass its Lookup. It is not safe for
// concurrent writes; once filled, lookups may run concurrently.
type MetricsTable map[string]Metrics

// AddRFM records the R, F and M scores of each scored customer.
func (t MetricsTable) AddRFM(scores []RFMScore) {
	for _, s := range scores {
		m := t[s.CustomerID]
		m.R, m.F, m.M = s.R, s.F, s.M
		t[s.CustomerID] = m
	}
}

// AddTiers records the value tier of each customer of r.
func (t MetricsTable) AddTiers(r ValueReport) {
	for _, c := range r.Customers {
		m := t[c.CustomerID]
		m.Tier = string(c.Tier)
		t[c.CustomerID] = m
	}
}

// AddCLV records the lifetime value of each customer of values.
func (t MetricsTable) AddCLV(values map[string]decimal.Decimal) {
	for id, v := range values {
		m := t[id]
		m.CLV = v
		t[id] = m
	}
}

// Lookup returns the metrics of customerID and whether the table has
// any: the signature [SegmentOptions.Metrics] takes.
func (t MetricsTable) Lookup(customerID string) (Metrics, bool) {
	m, ok := t[customerID]
	return m, ok
}
