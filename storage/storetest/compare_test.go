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
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// stored returns c as a conforming store hands it back: every time in
// UTC truncated to the microsecond, decimals with other trailing zeros.
func stored(c *crm.Customer) *crm.Customer {
	c = c.Clone()
	ts := crm.Timestamp
	c.BirthDate, c.ArchivedAt, c.ErasedAt, c.CreatedAt, c.UpdatedAt = ts(c.BirthDate), ts(c.ArchivedAt), ts(c.ErasedAt), ts(c.CreatedAt), ts(c.UpdatedAt)
	c.Consent.Email.At, c.Consent.Phone.At = ts(c.Consent.Email.At), ts(c.Consent.Phone.At)
	c.Consent.SMS.At, c.Consent.Post.At = ts(c.Consent.SMS.At), ts(c.Consent.Post.At)
	c.CreditLimit.Amount = decimal.RequireFromString(c.CreditLimit.Amount.String()) // drops trailing zeros
	for k, v := range c.Custom {
		if n, ok := v.Number(); ok {
			c.Custom[k] = crm.NumberValue(decimal.RequireFromString(n.String()))
		}
	}
	return c
}

func storedContact(ct *crm.Contact) *crm.Contact {
	ct = ct.Clone()
	ct.CreatedAt, ct.UpdatedAt = crm.Timestamp(ct.CreatedAt), crm.Timestamp(ct.UpdatedAt)
	return ct
}

func TestDiffAcceptsStoredForm(t *testing.T) {
	want := fullCustomer("c1", "c0")
	got := stored(want)
	require.Equal(t, "1234567890.45", got.CreditLimit.Amount.String())
	assert.Empty(t, diff(want, got))

	// nil and empty slices and maps are the same to the contract.
	want.Tags, got.Tags = nil, []string{}
	want.Phones, got.Phones = []crm.Phone{}, nil
	want.Custom, got.Custom = nil, map[string]crm.CustomValue{}
	assert.Empty(t, diff(want, got))

	ct := fullContact("k1", "c1")
	assert.Empty(t, diff(ct, storedContact(ct)))
}

func TestDiffTimes(t *testing.T) {
	want := fullCustomer("c1", "c0")

	got := stored(want)
	got.CreatedAt = got.CreatedAt.In(offsetZone()) // the same instant, not in UTC
	assertDiffMentions(t, diff(want, got), "Customer.CreatedAt", "want it in UTC")

	got = stored(want)
	got.CreatedAt = got.CreatedAt.Add(789 * time.Nanosecond) // not truncated
	assertDiffMentions(t, diff(want, got), "Customer.CreatedAt")

	got = stored(want)
	got.CreatedAt = want.CreatedAt.Round(time.Microsecond).UTC() // rounded, not truncated
	assertDiffMentions(t, diff(want, got), "Customer.CreatedAt")

	got = stored(want)
	got.UpdatedAt = got.UpdatedAt.In(time.Local) // not UTC even where Local is
	assertDiffMentions(t, diff(want, got), "Customer.UpdatedAt", "want it in UTC")

	got = stored(want)
	got.ArchivedAt = time.Time{}
	assertDiffMentions(t, diff(want, got), "Customer.ArchivedAt", "the zero time")
}

func TestDiffCustomKinds(t *testing.T) {
	want := fullCustomer("c1", "c0")
	got := stored(want)
	got.Custom["seats"] = crm.StringValue("250") // same text, other kind
	assertDiffMentions(t, diff(want, got), `Customer.Custom["seats"]`)

	got = stored(want)
	delete(got.Custom, "paper_invoice")
	assertDiffMentions(t, diff(want, got), `Customer.Custom["paper_invoice"]`, "missing")

	got = stored(want)
	got.Custom["extra"] = crm.BoolValue(true)
	assertDiffMentions(t, diff(want, got), `Customer.Custom["extra"]`, "unexpected")
}

func TestDiffUnexportedFields(t *testing.T) {
	type opaque struct {
		Visible string
		hidden  int
	}
	d := diff(&opaque{Visible: "a", hidden: 1}, &opaque{Visible: "a", hidden: 2})
	assertDiffMentions(t, d, "cannot compare unexported field hidden")
}

// TestDiffFindsEveryField changes each field of a stored customer and
// contact in turn, down to every slice element and map entry, and
// expects diff to report that field.
func TestDiffFindsEveryField(t *testing.T) {
	for _, tc := range []struct {
		name   string
		want   any
		stored func() any
	}{
		{"Customer", fullCustomer("c1", "c0"), func() any { return stored(fullCustomer("c1", "c0")) }},
		{"MinimalCustomer", newCustomer(crm.IDGeneratorFunc(func() string { return "c2" }), "Minimal"),
			func() any { return stored(newCustomer(crm.IDGeneratorFunc(func() string { return "c2" }), "Minimal")) }},
		{"Contact", fullContact("k1", "c1"), func() any { return storedContact(fullContact("k1", "c1")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := reflect.ValueOf(tc.want)
			require.Empty(t, diffAny(want, reflect.ValueOf(tc.stored())))
			n := 0
			for k := 0; ; k++ {
				got := reflect.ValueOf(tc.stored())
				left := k
				path := mutateLeaf(got.Elem(), want.Elem().Type().Name(), &left)
				if path == "" {
					break
				}
				n++
				assertDiffMentions(t, diffAny(want, got), path)
			}
			t.Logf("%d changes, each reported", n)
			assert.Greater(t, n, 20, "too few fields changed: is mutateLeaf walking?")
		})
	}
}

// diffAny calls diff on two pointers of the same type.
func diffAny(want, got reflect.Value) []string {
	var d differ
	d.compare(want.Elem().Type().Name(), want.Elem(), got.Elem())
	return d.lines
}

// mutateLeaf changes the k-th changeable part of v (depth first) and
// returns its path as diff names it, or "" if v has no k-th part. The
// parts are every field of a basic type, time or decimal, every slice and
// map element, and for each slice and map an added element.
func mutateLeaf(v reflect.Value, path string, k *int) string {
	hit := func() bool {
		if *k == 0 {
			return true
		}
		*k--
		return false
	}
	switch v.Type() {
	case timeType:
		if hit() {
			v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Microsecond)))
			return path
		}
		return ""
	case decimalType:
		if hit() {
			v.Set(reflect.ValueOf(v.Interface().(decimal.Decimal).Add(decimal.New(1, -4))))
			return path
		}
		return ""
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if p := mutateLeaf(v.Field(i), path+"."+v.Type().Field(i).Name, k); p != "" {
				return p
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if p := mutateLeaf(v.Index(i), fmt.Sprintf("%s[%d]", path, i), k); p != "" {
				return p
			}
		}
		if hit() {
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
			return path
		}
	case reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, key := range keys {
			if hit() {
				cur := v.MapIndex(key).Interface().(crm.CustomValue)
				next := crm.StringValue("changed")
				if cur.Equal(next) {
					next = crm.StringValue("changed again")
				}
				v.SetMapIndex(key, reflect.ValueOf(next))
				return fmt.Sprintf("%s[%q]", path, key.String())
			}
		}
		if hit() {
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			v.SetMapIndex(reflect.ValueOf("added"), reflect.ValueOf(crm.BoolValue(false)))
			return fmt.Sprintf("%s[%q]", path, "added")
		}
	case reflect.String:
		if hit() {
			v.SetString(v.String() + "x")
			return path
		}
	case reflect.Bool:
		if hit() {
			v.SetBool(!v.Bool())
			return path
		}
	case reflect.Int64:
		if hit() {
			v.SetInt(v.Int() + 1)
			return path
		}
	default:
		panic("mutateLeaf: no rule for " + v.Type().String() + " at " + path)
	}
	return ""
}

func assertDiffMentions(tb testing.TB, d []string, parts ...string) {
	tb.Helper()
	all := strings.Join(d, "\n")
	if !assert.NotEmpty(tb, d, "diff found no difference; want one about %q", parts) {
		return
	}
	for _, p := range parts {
		assert.Contains(tb, all, p)
	}
}
