package crm_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// requireMoney checks a Money to the cent (and beyond): same currency, equal
// amounts as decimals.
func requireMoney(tb testing.TB, want string, got crm.Money) {
	tb.Helper()
	w, err := crm.ParseMoney(want)
	require.NoError(tb, err)
	require.Truef(tb, w.Equal(got), "want %s, got %s", w, got)
}

func TestMoney(t *testing.T) {
	t.Run("parse and format", func(t *testing.T) {
		for in, want := range map[string]string{
			"1234.5 eur":                "1234.50 EUR",
			"EUR 0.1":                   "0.10 EUR",
			"1000 JPY":                  "1000 JPY",
			"1.005 KWD":                 "1.005 KWD",
			"12.3456 USD":               "12.3456 USD", // precision is kept, not rounded away
			"-3 GBP":                    "-3.00 GBP",
			"9999999999999999.9999 USD": "9999999999999999.9999 USD",
		} {
			m, err := crm.ParseMoney(in)
			require.NoError(t, err, in)
			assert.Equal(t, want, m.String(), in)
		}
		for _, bad := range []string{"", "12", "12 EURO", "abc EUR", "1.23456 EUR", "12 eu", "1 2 EUR", "12 XXY", "1e16 EUR", "-10000000000000000 EUR", "1e1000000000 EUR"} {
			_, err := crm.ParseMoney(bad)
			assert.ErrorIs(t, err, crm.ErrInvalid, "%q", bad)
		}
		assert.Equal(t, "", crm.Money{}.String())
		assert.NoError(t, crm.Money{}.Validate())
	})

	t.Run("arithmetic to the cent", func(t *testing.T) {
		a := crm.MustMoney("0.10", "EUR")
		sum := crm.Money{Currency: "EUR"}
		for range 10 {
			var err error
			sum, err = sum.Add(a)
			require.NoError(t, err)
		}
		requireMoney(t, "1.00 EUR", sum) // 0.1 × 10 is exactly 1, unlike float64

		diff, err := sum.Sub(crm.MustMoney("0.35", "EUR"))
		require.NoError(t, err)
		requireMoney(t, "0.65 EUR", diff)
		requireMoney(t, "-0.65 EUR", diff.Neg())
		requireMoney(t, "0.2275 EUR", diff.Mul(decimal.RequireFromString("0.35")))
		requireMoney(t, "0.23 EUR", diff.Mul(decimal.RequireFromString("0.35")).Round())
		requireMoney(t, "0.12 EUR", crm.MustMoney("0.125", "EUR").Round()) // half to even
		requireMoney(t, "0.14 EUR", crm.MustMoney("0.135", "EUR").Round())
		requireMoney(t, "2 JPY", crm.MustMoney("2.5", "JPY").Round())
		assert.Equal(t, 1, sum.Sign())

		n, err := sum.Cmp(crm.MustMoney("1", "EUR"))
		require.NoError(t, err)
		assert.Equal(t, 0, n)
		assert.True(t, crm.MustMoney("1.5", "EUR").Equal(crm.MustMoney("1.50", "EUR")))
		assert.False(t, crm.MustMoney("1.5", "EUR").Equal(crm.MustMoney("1.5", "USD")))
	})

	t.Run("refuses to mix currencies", func(t *testing.T) {
		eur, usd := crm.MustMoney("1", "EUR"), crm.MustMoney("1", "USD")
		_, err := eur.Add(usd)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		assert.Contains(t, err.Error(), "EUR and USD")
		_, err = eur.Sub(usd)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		_, err = eur.Cmp(usd)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		assert.Panics(t, func() { crm.MustMoney("1", "ZZZ") })
		_, err = crm.Money{Amount: decimal.NewFromInt(1), Currency: "QQQ"}.Add(crm.Money{Amount: decimal.NewFromInt(1), Currency: "QQQ"})
		assert.ErrorIs(t, err, crm.ErrInvalid, "unknown codes are refused")
	})

	t.Run("the zero Money starts a total", func(t *testing.T) {
		var total crm.Money
		for _, s := range []string{"19.99", "0.01", "80"} {
			var err error
			total, err = total.Add(crm.MustMoney(s, "GBP"))
			require.NoError(t, err)
		}
		requireMoney(t, "100.00 GBP", total)
		diff, err := crm.Money{}.Sub(crm.MustMoney("5", "GBP"))
		require.NoError(t, err)
		requireMoney(t, "-5 GBP", diff)
	})
}

func TestCustomValue(t *testing.T) {
	date := time.Date(2026, 2, 28, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600))
	values := []crm.CustomValue{
		crm.StringValue("gold"),
		crm.NumberValue(decimal.RequireFromString("12.3400")),
		crm.IntValue(-7),
		crm.BoolValue(true),
		crm.BoolValue(false),
		crm.DateValue(date),
	}
	for _, v := range values {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		var back crm.CustomValue
		require.NoError(t, json.Unmarshal(data, &back))
		assert.True(t, v.Equal(back), "%s round-trips through %s", v, data)
		assert.Equal(t, v.Kind(), back.Kind())
	}
	d, ok := crm.DateValue(date).Date()
	require.True(t, ok)
	assert.Equal(t, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), d, "the date in its own zone")
	n, ok := values[1].Number()
	require.True(t, ok)
	assert.Equal(t, "12.34", n.String())
	_, ok = values[0].Number()
	assert.False(t, ok)
	assert.True(t, values[1].Equal(crm.NumberValue(decimal.RequireFromString("12.34"))))
	assert.False(t, values[0].Equal(crm.StringValue("Gold")))
	assert.Equal(t, "number", crm.ValueNumber.String())

	_, err := json.Marshal(crm.CustomValue{})
	assert.Error(t, err)
	var v crm.CustomValue
	for _, bad := range []string{`{"type":"number","value":"x"}`, `{"type":"number","value":"1e400"}`, `{"type":"number","value":"1e-65"}`, `{"type":"bool","value":"yes"}`, `{"type":"date","value":"2026-13-01"}`, `{"type":"blob","value":""}`, `[]`} {
		assert.Error(t, json.Unmarshal([]byte(bad), &v), bad)
	}
}

func TestUUIDv7(t *testing.T) {
	g := new(crm.UUIDv7)
	form := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]string, 5000)
			for i := range ids {
				ids[i] = g.NewID()
			}
			assert.True(t, slices.IsSorted(ids), "one goroutine's IDs increase")
			mu.Lock()
			all = append(all, ids...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, id := range all[:10] {
		assert.Regexp(t, form, id)
	}
	slices.Sort(all)
	assert.Len(t, slices.Compact(all), 20000, "no repeats")
}

func TestNew(t *testing.T) {
	_, err := crm.New(nil)
	assert.ErrorIs(t, err, crm.ErrInvalid)

	_, err = crm.New(memory.New(),
		crm.WithDefaultRegion("Atlantis"),
		crm.WithDuplicateRules(crm.DuplicateRules{NameThreshold: 1.5}),
		crm.WithSurvivorship(crm.SurvivorshipRules{"name": "loudest"}),
		crm.WithChildKind(crm.ChildKind{Name: "x"}),
		nil, // ignored
	)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, f := range []string{"default_region", "duplicates.name_threshold", "survivorship.name", "child_kinds[0]"} {
		fieldErr(t, err, f)
	}
}

func TestActor(t *testing.T) {
	_, ok := crm.ActorFrom(context.Background())
	assert.False(t, ok)
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-1", Name: "One"})
	a, ok := crm.ActorFrom(ctx)
	assert.True(t, ok)
	assert.Equal(t, crm.Actor{ID: "u-1", Name: "One"}, a)
}

func TestValidationError(t *testing.T) {
	err := error(&crm.ValidationError{Entity: "customer", Fields: []crm.FieldError{{"name", "required"}, {"emails[0].address", "bad"}}})
	assert.Equal(t, "crm: invalid customer: name: required; emails[0].address: bad", err.Error())
	assert.True(t, errors.Is(err, crm.ErrInvalid))
	assert.False(t, errors.Is(err, crm.ErrNotFound))
	wrapped := errors.Join(errors.New("context"), err)
	var verr *crm.ValidationError
	require.True(t, errors.As(wrapped, &verr))
	reason, ok := verr.Field("emails[0].address")
	assert.True(t, ok)
	assert.Equal(t, "bad", reason)
}
