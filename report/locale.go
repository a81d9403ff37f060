package report

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/shopspring/decimal"
)

// Locale formats numbers, percentages, money and months. The zero Locale
// formats as [English] does.
type Locale struct {
	// Tag is the BCP 47 language tag, such as "en-GB".
	Tag string
	// Decimal separates the fraction, and Group the thousands: "." and
	// "," for English; "," and "." for German; "," and "\u202f" (narrow
	// no-break space) for French.
	Decimal, Group string
	// Months are the abbreviated month names, January first.
	Months [12]string
	// PercentSpace writes a no-break space before the percent sign, as
	// French and German do ("45 %"); English writes "45%".
	PercentSpace bool
}

// English, German and French are the locales the package knows: en-GB,
// de-DE and fr-FR. They are values; changing a copy changes nothing else.
var (
	English = Locale{
		Tag: "en-GB", Decimal: ".", Group: ",",
		Months: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	}
	German = Locale{
		Tag: "de-DE", Decimal: ",", Group: ".",
		Months:       [12]string{"Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"},
		PercentSpace: true,
	}
	French = Locale{
		Tag: "fr-FR", Decimal: ",", Group: "\u202f",
		Months:       [12]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."},
		PercentSpace: true,
	}
)

// LocaleFor returns the locale of the language of tag, matched by its
// primary subtag, case-insensitively: "de" and "de-AT" give [German],
// "fr-CA" [French]; any other tag, or none, gives [English].
func LocaleFor(tag string) Locale {
	lang, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	switch strings.ToLower(strings.TrimSpace(lang)) {
	case "de":
		return German
	case "fr":
		return French
	}
	return English
}

// norm returns l, or English for the zero Locale; a Locale with some
// fields set keeps them, and takes English's for the others (grouping
// with "." where the decimal separator is ",").
func (l Locale) norm() Locale {
	if l.Decimal == "" {
		l.Decimal = English.Decimal
	}
	if l.Group == "" {
		l.Group = English.Group
		if l.Decimal == English.Group {
			l.Group = English.Decimal // a decimal comma groups with points
		}
	}
	for i, m := range l.Months {
		if m == "" {
			l.Months[i] = English.Months[i]
		}
	}
	return l
}

// Number formats v with digits decimal places (none if digits is
// negative), grouped: German 12345.5 with 2 digits is "12.345,50". It
// rounds the binary value of v half to even; NaN is "–". A value that
// rounds to zero has no minus sign.
func (l Locale) Number(v float64, digits int) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	return l.norm().fixed(strconv.FormatFloat(v, 'f', max(digits, 0), 64))
}

// Int formats n grouped: 1234567 is "1,234,567" in English.
func (l Locale) Int(n int) string { return l.norm().fixed(strconv.Itoa(n)) }

// Percent formats the fraction v as a percentage with digits decimal
// places: 0.453 with 1 digit is "45.3%" in English and "45,3 %" (with a
// no-break space) in German.
func (l Locale) Percent(v float64, digits int) string {
	l = l.norm()
	s := l.Number(v*100, digits)
	if l.PercentSpace {
		return s + "\u00a0%"
	}
	return s + "%"
}

// Money formats m exactly from its decimal, never through a float:
// rounded half to even to the minor unit of its currency
// ([crm.CurrencyDigits]), grouped, then the ISO code: "24.000,00 EUR" in
// German, "24,000.00 EUR" in English. An unknown currency keeps every
// digit of the amount; a Money with no currency has no code.
func (l Locale) Money(m crm.Money) string {
	digits, ok := crm.CurrencyDigits(m.Currency)
	if !ok {
		digits = max(0, -int(m.Amount.Exponent()))
	}
	s := l.decimal(m.Amount, digits)
	if m.Currency == "" {
		return s
	}
	return s + " " + m.Currency
}

// decimal formats d rounded half to even to digits places, grouped.
func (l Locale) decimal(d decimal.Decimal, digits int) string {
	return l.norm().fixed(d.RoundBank(int32(digits)).StringFixed(int32(digits)))
}

// Month formats the month of t, in t's location, as the abbreviated name
// and the year: "Mar 2026", "Mär 2026", "mars 2026".
func (l Locale) Month(t time.Time) string {
	l = l.norm()
	return l.Months[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// fixed regroups s, a number as strconv writes it ("-12345.50"), with
// l's separators. l must be normalised.
func (l Locale) fixed(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if neg && strings.Trim(whole+frac, "0") == "" {
		neg = false
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(l.Group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(l.Decimal)
		b.WriteString(frac)
	}
	return b.String()
}
