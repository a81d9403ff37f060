package crm

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// ValueKind is the type of a [CustomValue].
type ValueKind uint8

// Value kinds. The zero kind marks the zero CustomValue, which is not a
// valid field value.
const (
	ValueInvalid ValueKind = iota
	ValueString
	ValueNumber
	ValueBool
	ValueDate
)

var valueKindNames = [...]string{"invalid", "string", "number", "bool", "date"}

// String returns the kind's name: "string", "number", "bool" or "date".
func (k ValueKind) String() string {
	if int(k) < len(valueKindNames) {
		return valueKindNames[k]
	}
	return fmt.Sprintf("ValueKind(%d)", k)
}

// CustomValue is the value of a custom field: a string, an exact decimal
// number, a bool or a calendar date. Build one with [StringValue],
// [NumberValue], [IntValue], [BoolValue] or [DateValue]; the zero
// CustomValue is invalid. Values are immutable and compare with
// [CustomValue.Equal].
type CustomValue struct {
	kind ValueKind
	b    bool
	s    string
	n    decimal.Decimal
	t    time.Time
}

// StringValue returns a string value.
func StringValue(s string) CustomValue { return CustomValue{kind: ValueString, s: s} }

// NumberValue returns an exact number value.
func NumberValue(n decimal.Decimal) CustomValue { return CustomValue{kind: ValueNumber, n: n} }

// IntValue returns a whole number value.
func IntValue(n int64) CustomValue { return NumberValue(decimal.NewFromInt(n)) }

// BoolValue returns a bool value.
func BoolValue(b bool) CustomValue { return CustomValue{kind: ValueBool, b: b} }

// DateValue returns a date value: the calendar date of t in t's own
// location, kept as midnight UTC.
func DateValue(t time.Time) CustomValue { return CustomValue{kind: ValueDate, t: dateOf(t)} }

// Kind returns the value's type.
func (v CustomValue) Kind() ValueKind { return v.kind }

// Text returns the string of a string value, and whether v is one.
func (v CustomValue) Text() (string, bool) { return v.s, v.kind == ValueString }

// Number returns the number of a number value, and whether v is one.
func (v CustomValue) Number() (decimal.Decimal, bool) { return v.n, v.kind == ValueNumber }

// Bool returns the bool of a bool value, and whether v is one.
func (v CustomValue) Bool() (bool, bool) { return v.b, v.kind == ValueBool }

// Date returns the date of a date value (midnight UTC), and whether v is
// one.
func (v CustomValue) Date() (time.Time, bool) { return v.t, v.kind == ValueDate }

// Equal reports whether v and o have the same kind and value; numbers
// compare by value (1.50 equals 1.5).
func (v CustomValue) Equal(o CustomValue) bool {
	if v.kind != o.kind {
		return false
	}
	switch v.kind {
	case ValueString:
		return v.s == o.s
	case ValueNumber:
		return v.n.Equal(o.n)
	case ValueBool:
		return v.b == o.b
	case ValueDate:
		return v.t.Equal(o.t)
	}
	return true
}

// String formats the value for display: the text, the number, true or
// false, or the date as 2006-01-02.
func (v CustomValue) String() string {
	switch v.kind {
	case ValueString:
		return v.s
	case ValueNumber:
		return v.n.String()
	case ValueBool:
		if v.b {
			return "true"
		}
		return "false"
	case ValueDate:
		return v.t.Format(time.DateOnly)
	}
	return ""
}

// customJSON is the stored form: the kind names the value's type, and the
// value is always a JSON string, so numbers keep every digit.
type customJSON struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// MarshalJSON encodes v as {"type":"number","value":"12.50"}.
func (v CustomValue) MarshalJSON() ([]byte, error) {
	if v.kind == ValueInvalid {
		return nil, fmt.Errorf("crm: marshal custom value: zero value: %w", ErrInvalid)
	}
	return json.Marshal(customJSON{Type: v.kind.String(), Value: v.String()})
}

// UnmarshalJSON decodes the form MarshalJSON writes.
func (v *CustomValue) UnmarshalJSON(data []byte) error {
	var j customJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("crm: unmarshal custom value: %w", err)
	}
	out, err := ParseCustomValue(j.Type, j.Value)
	if err != nil {
		return err
	}
	*v = out
	return nil
}

// ParseCustomValue builds a value from a kind name ("string", "number",
// "bool", "date") and its text as [CustomValue.String] prints it.
func ParseCustomValue(kind, text string) (CustomValue, error) {
	switch kind {
	case "string":
		return StringValue(text), nil
	case "number":
		n, err := decimal.NewFromString(text)
		if err != nil || !numberInRange(n) {
			return CustomValue{}, fmt.Errorf("crm: custom number %.40q: not a decimal number of at most %d digits: %w", text, maxNumberDigits, ErrInvalid)
		}
		return NumberValue(n), nil
	case "bool":
		switch text {
		case "true":
			return BoolValue(true), nil
		case "false":
			return BoolValue(false), nil
		}
		return CustomValue{}, fmt.Errorf("crm: custom bool %s: want true or false: %w", quoteInput(text), ErrInvalid)
	case "date":
		t, err := time.Parse(time.DateOnly, text)
		if err != nil {
			return CustomValue{}, fmt.Errorf("crm: custom date %s: want YYYY-MM-DD: %w", quoteInput(text), ErrInvalid)
		}
		return DateValue(t), nil
	}
	return CustomValue{}, fmt.Errorf("crm: custom value kind %s: unknown: %w", quoteInput(kind), ErrInvalid)
}

// maxNumberDigits bounds the digits a custom number may have on either
// side of the point, so that printing one stays cheap.
const maxNumberDigits = 64

// numberInRange reports whether n can be written with at most
// maxNumberDigits digits before and after the point.
func numberInRange(n decimal.Decimal) bool {
	e := int(n.Exponent())
	if e < -maxNumberDigits || e > maxNumberDigits {
		return false
	}
	c := n.Coefficient()
	digits := len(c.Text(10))
	if c.Sign() < 0 {
		digits--
	}
	return digits+e <= maxNumberDigits
}

// dateOf returns the calendar date of t, in t's location, as midnight UTC.
func dateOf(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
