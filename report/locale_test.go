package report

import (
	"slices"
	"testing"
	"time"

	"github.com/crmkit/crm"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
)

func money(tb testing.TB, amount, currency string) crm.Money {
	tb.Helper()
	return crm.Money{Amount: decimal.RequireFromString(amount), Currency: currency}
}

func TestLocaleFor(t *testing.T) {
	for tag, want := range map[string]string{
		"de": "de-DE", "de-AT": "de-DE", "DE_ch": "de-DE", "fr": "fr-FR", "fr-CA": "fr-FR",
		"en-US": "en-GB", "": "en-GB", "nl-NL": "en-GB", "deu": "en-GB",
	} {
		assert.Equal(t, want, LocaleFor(tag).Tag, tag)
	}
}

func TestLocale_Number(t *testing.T) {
	tests := []struct {
		l      Locale
		v      float64
		digits int
		want   string
	}{
		{English, 12345.5, 2, "12,345.50"},
		{German, 12345.5, 2, "12.345,50"},
		{French, 12345.5, 2, "12\u202f345,50"},
		{Locale{}, 1234567, 0, "1,234,567"},
		{English, 999, 0, "999"},
		{English, -1234.5, 1, "-1,234.5"},
		{English, -0.001, 2, "0.00"},
		{English, 0.5, -1, "0"},
		{German, 100, 0, "100"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.l.Number(tt.v, tt.digits), "%s %v", tt.l.Tag, tt.v)
	}
	assert.Equal(t, "1.234.567", German.Int(1234567))
	assert.Equal(t, "-1,000", English.Int(-1000))
}

func TestLocale_Percent(t *testing.T) {
	assert.Equal(t, "45.3%", English.Percent(0.453, 1))
	assert.Equal(t, "45,3\u00a0%", German.Percent(0.453, 1))
	assert.Equal(t, "45\u00a0%", French.Percent(0.45, 0))
	assert.Equal(t, "100%", Locale{}.Percent(1, 0))
	assert.Equal(t, "1,234.0%", English.Percent(12.34, 1))
}

func TestLocale_Money(t *testing.T) {
	tests := []struct {
		name string
		l    Locale
		m    crm.Money
		want string
	}{
		{"German", German, money(t, "24000", "EUR"), "24.000,00 EUR"},
		{"English", English, money(t, "24000", "EUR"), "24,000.00 EUR"},
		{"French", French, money(t, "24000", "EUR"), "24\u202f000,00 EUR"},
		{"HalfToEvenDown", English, money(t, "2.345", "EUR"), "2.34 EUR"},
		{"HalfToEvenUp", English, money(t, "2.355", "EUR"), "2.36 EUR"},
		{"AboveHalf", English, money(t, "2.3451", "EUR"), "2.35 EUR"},
		{"Exact", English, money(t, "12345678901234.56", "EUR"), "12,345,678,901,234.56 EUR"},
		{"ExactGerman", German, money(t, "12345678901234.56", "EUR"), "12.345.678.901.234,56 EUR"},
		{"Huge", English, money(t, "123456789012345678901234567890.125", "USD"), "123,456,789,012,345,678,901,234,567,890.12 USD"},
		{"Yen", English, money(t, "1234.5", "JPY"), "1,234 JPY"},
		{"YenUp", English, money(t, "1235.5", "JPY"), "1,236 JPY"},
		{"Dinar", German, money(t, "1234.5", "KWD"), "1.234,500 KWD"},
		{"Negative", English, money(t, "-1234.5", "EUR"), "-1,234.50 EUR"},
		{"UnknownCurrency", English, money(t, "1234.567", "XTS"), "1,234.567 XTS"},
		{"NoCurrency", English, crm.Money{}, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.l.Money(tt.m))
		})
	}
}

func TestLocale_Month(t *testing.T) {
	march := time.Date(2026, time.March, 15, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, "Mar 2026", English.Month(march))
	assert.Equal(t, "Mär 2026", German.Month(march))
	assert.Equal(t, "mars 2026", French.Month(march))
	assert.Equal(t, "févr. 2026", French.Month(march.AddDate(0, -1, 0)))
	assert.Equal(t, "Dec 2025", Locale{}.Month(time.Date(2025, time.December, 1, 0, 0, 0, 0, time.UTC)))
}

func TestLocaleDefaults(t *testing.T) {
	comma := Locale{Decimal: ","}
	if got := comma.Number(1234.5, 1); got != "1.234,5" {
		t.Errorf("a decimal comma groups with points: got %q", got)
	}
	us := Locale{Tag: "en-US"}
	if got := us.Number(1234567.5, 1); got != "1,234,567.5" {
		t.Errorf("a tag alone takes English's separators: got %q", got)
	}
}

func TestFillPeriods(t *testing.T) {
	month := func(m time.Month) crm.Period {
		return crm.PeriodOf(time.Date(2026, m, 1, 0, 0, 0, 0, time.UTC), crm.PeriodMonth)
	}
	ps, as := fillPeriods([]crm.Period{month(4), month(7), {}}, make([][4]decimal.Decimal, 3))
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if want := []string{"2026-04", "2026-05", "2026-06", "2026-07", "no date"}; !slices.Equal(got, want) {
		t.Errorf("periods %v, want %v", got, want)
	}
	if len(as) != len(ps) {
		t.Errorf("%d amounts for %d periods", len(as), len(ps))
	}
}
