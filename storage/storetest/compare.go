package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"

	"github.com/crmkit/crm"
)

// assertCustomerEqual checks that got is what a store must return for
// want, field by field: see [diff].
func assertCustomerEqual(tb testing.TB, want, got *crm.Customer, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "customer", want, got, msgAndArgs...)
}

// assertContactEqual checks that got is what a store must return for
// want, field by field: see [diff].
func assertContactEqual(tb testing.TB, want, got *crm.Contact, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "contact", want, got, msgAndArgs...)
}

// assertDecimalEqual checks that got has the value of want (1.5 equals
// 1.50).
func assertDecimalEqual(tb testing.TB, want, got decimal.Decimal, msgAndArgs ...any) bool {
	tb.Helper()
	if want.Equal(got) {
		return true
	}
	return assert.Fail(tb, fmt.Sprintf("decimals differ: want %s, got %s", want, got), msgAndArgs...)
}

func assertRecordEqual[T any](tb testing.TB, what string, want, got *T, msgAndArgs ...any) bool {
	tb.Helper()
	if want == nil {
		panic("storetest: no expected " + what)
	}
	if got == nil {
		return assert.Fail(tb, fmt.Sprintf("got a nil %s", what), msgAndArgs...)
	}
	d := diff(want, got)
	if len(d) == 0 {
		return true
	}
	return assert.Fail(tb, fmt.Sprintf("%s differs from the one stored:\n\t%s", what, strings.Join(d, "\n\t")), msgAndArgs...)
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
	customType  = reflect.TypeFor[crm.CustomValue]()
)

// diff compares what a store returned (got) with what was stored (want)
// field by field, and returns one line per difference, naming the field's
// path ("Emails[0].Address"). It walks every exported field, so a field
// added to a domain type is compared without changing the suite.
//
// The comparison is what the store contract promises, not Go equality:
//   - a time must equal want normalised by [crm.Timestamp] (UTC, truncated
//     to the microsecond), compared with Equal, and must be in UTC;
//   - decimals compare with Equal (1.5 equals 1.50);
//   - custom values compare with [crm.CustomValue.Equal];
//   - a nil slice or map equals an empty one, since the contract does not
//     tell them apart.
//
// A type holding unexported fields that diff has no rule for is reported
// as a difference, so that it cannot slip through uncompared.
func diff[T any](want, got *T) []string {
	var d differ
	d.compare(reflect.TypeFor[T]().Name(), reflect.ValueOf(want).Elem(), reflect.ValueOf(got).Elem())
	return d.lines
}

type differ struct{ lines []string }

func (d *differ) addf(format string, args ...any) {
	d.lines = append(d.lines, fmt.Sprintf(format, args...))
}

func (d *differ) compare(path string, want, got reflect.Value) {
	switch want.Type() {
	case timeType:
		w := crm.Timestamp(want.Interface().(time.Time))
		g := got.Interface().(time.Time)
		switch {
		case !w.Equal(g):
			d.addf("%s: want %s, got %s", path, formatTime(w), formatTime(g))
		case !inUTC(g):
			d.addf("%s: got %s, want it in UTC", path, formatTime(g))
		}
		return
	case decimalType:
		w, g := want.Interface().(decimal.Decimal), got.Interface().(decimal.Decimal)
		if !w.Equal(g) {
			d.addf("%s: want %s, got %s", path, w, g)
		}
		return
	case customType:
		w, g := want.Interface().(crm.CustomValue), got.Interface().(crm.CustomValue)
		if !w.Equal(g) {
			d.addf("%s: want %s %q, got %s %q", path, w.Kind(), w, g.Kind(), g)
		}
		return
	}

	switch want.Kind() {
	case reflect.Struct:
		typ := want.Type()
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				d.addf("%s: storetest cannot compare unexported field %s of %s; teach diff about %s", path, f.Name, typ, typ)
				return
			}
			d.compare(path+"."+f.Name, want.Field(i), got.Field(i))
		}
	case reflect.Slice, reflect.Array:
		if want.Len() != got.Len() {
			d.addf("%s: want %d elements %s, got %d %s", path, want.Len(), show(want), got.Len(), show(got))
			return
		}
		for i := range want.Len() {
			d.compare(fmt.Sprintf("%s[%d]", path, i), want.Index(i), got.Index(i))
		}
	case reflect.Map:
		keys := make([]string, 0, want.Len()+got.Len())
		index := make(map[string]reflect.Value)
		for _, k := range want.MapKeys() {
			keys = append(keys, fmt.Sprint(k.Interface()))
			index[keys[len(keys)-1]] = k
		}
		for _, k := range got.MapKeys() {
			s := fmt.Sprint(k.Interface())
			if _, ok := index[s]; !ok {
				keys = append(keys, s)
				index[s] = k
			}
		}
		slices.Sort(keys)
		for _, s := range keys {
			k := index[s]
			w, g := want.MapIndex(k), got.MapIndex(k)
			p := fmt.Sprintf("%s[%q]", path, s)
			switch {
			case !g.IsValid():
				d.addf("%s: missing, want %s", p, show(w))
			case !w.IsValid():
				d.addf("%s: unexpected %s", p, show(g))
			default:
				d.compare(p, w, g)
			}
		}
	case reflect.Pointer:
		switch {
		case want.IsNil() && got.IsNil():
		case want.IsNil() || got.IsNil():
			d.addf("%s: want %s, got %s", path, show(want), show(got))
		default:
			d.compare(path, want.Elem(), got.Elem())
		}
	case reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		d.addf("%s: storetest cannot compare a %s", path, want.Kind())
	default:
		if !want.Equal(got) {
			d.addf("%s: want %#v, got %#v", path, want.Interface(), got.Interface())
		}
	}
}

// show formats v for a difference report.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	return fmt.Sprintf("%+v", v.Interface())
}

// inUTC reports whether t is in the location UTC. A zero offset is not
// enough: time.Local is not UTC, even on a machine whose zone is UTC.
func inUTC(t time.Time) bool {
	_, offset := t.Zone()
	return offset == 0 && t.Location().String() == "UTC"
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "the zero time"
	}
	return t.Format(time.RFC3339Nano) + " (" + t.Location().String() + ")"
}

// assertPipelineEqual checks that got is what a store must return for
// want, field by field: see [diff].
func assertPipelineEqual(tb testing.TB, want, got *crm.Pipeline, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "pipeline", want, got, msgAndArgs...)
}

// assertOpportunityEqual checks that got is what a store must return for
// want, field by field: see [diff].
func assertOpportunityEqual(tb testing.TB, want, got *crm.Opportunity, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "opportunity", want, got, msgAndArgs...)
}

// assertChangeEqual checks that got is what a store must return for the
// history entry want, field by field: see [diff].
func assertChangeEqual(tb testing.TB, want, got *crm.OpportunityChange, msgAndArgs ...any) bool {
	tb.Helper()
	return assertRecordEqual(tb, "opportunity change", want, got, msgAndArgs...)
}
