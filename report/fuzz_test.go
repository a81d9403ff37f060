package report

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
)

// FuzzParsePeriod checks that a period parses from exactly the text
// crm.Period.String writes for it, so that the dashboard's ?period=
// links round-trip, and that an error quotes the input.
func FuzzParsePeriod(f *testing.F) {
	for _, seed := range []string{"2026-03", "2026-Q1", "2026", "0001", "0999-Q4", "0100-01", "9999-12", "0000", "2026-13", "2026-00",
		"2026-Q5", "2026-q1", "2026-", "-2026", "+2026", "2026-3", "2026-003", "２０２６", "2026-Q1-01", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "report: period ") {
				t.Fatalf("ParsePeriod(%q): error %q does not name the period", s, err)
			}
			if !p.IsZero() {
				t.Fatalf("ParsePeriod(%q) = %v alongside error %v", s, p, err)
			}
			return
		}
		if !p.Unit.Valid() || p.Start.Location() != time.UTC || p != crm.PeriodOf(p.Start, p.Unit) {
			t.Fatalf("ParsePeriod(%q) = %+v, not a period of its unit", s, p)
		}
		if got := p.String(); got != s {
			t.Fatalf("ParsePeriod(%q) = %+v, which prints as %q", s, p, got)
		}
		back, err := ParsePeriod(p.String())
		if err != nil || back != p {
			t.Fatalf("ParsePeriod(%q) = %v; its text parses as %v, %v", s, p, back, err)
		}
	})
}

// FuzzLocaleFor checks that a language tag picks its locale by its
// primary subtag alone, ignoring case, region and "_" for "-".
func FuzzLocaleFor(f *testing.F) {
	for _, seed := range []string{"de", "de-AT", "DE_ch", "fr-CA", " fr ", "en-GB", "", "-", "de-", "deu", "frr", "\xff", "fr;q=0.9", "de,en"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tag string) {
		l := LocaleFor(tag)
		switch l.Tag {
		case English.Tag, German.Tag, French.Tag:
		default:
			t.Fatalf("LocaleFor(%q) = %q, not a locale the package knows", tag, l.Tag)
		}
		ascii := !strings.ContainsFunc(tag, func(r rune) bool { return r >= 0x80 })
		if again := LocaleFor(strings.ToUpper(tag)); ascii && again.Tag != l.Tag {
			t.Fatalf("LocaleFor(%q) = %q but LocaleFor(%q) = %q", tag, l.Tag, strings.ToUpper(tag), again.Tag)
		}
		primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
		if p := LocaleFor(primary); p.Tag != l.Tag {
			t.Fatalf("LocaleFor(%q) = %q but its primary subtag %q gives %q", tag, l.Tag, primary, p.Tag)
		}
		if l.Tag != English.Tag && l.Tag[:2] != strings.ToLower(strings.TrimSpace(primary)) {
			t.Fatalf("LocaleFor(%q) = %q", tag, l.Tag)
		}
	})
}

// FuzzLocaleMoney checks that money is formatted exactly: with the group
// separators taken out and the decimal one made ".", the text is the
// amount rounded half to even to the currency's digits, then its code.
func FuzzLocaleMoney(f *testing.F) {
	for _, seed := range []string{"1234567.891 EUR", "-0.004 EUR", "0.005 USD", "-1000 JPY", "999999999999999.9999 BHD", "1e3 CLF", "12", "0.0001 XAU"} {
		f.Add(seed, "de")
		f.Add(seed, "fr")
	}
	f.Add("100 EUR", "en")
	f.Fuzz(func(t *testing.T, s, tag string) {
		m, err := crm.ParseMoney(s)
		if err != nil {
			return
		}
		l := LocaleFor(tag)
		got := l.Money(m)
		digits, _ := crm.CurrencyDigits(m.Currency)
		want := m.Amount.RoundBank(int32(digits)).StringFixed(int32(digits))
		if strings.Trim(want, "-0.") == "" {
			want = strings.TrimPrefix(want, "-")
		}
		text, code, ok := strings.Cut(got, " ")
		if !ok || code != m.Currency {
			t.Fatalf("%s Money(%s) = %q; want the amount, a space and %s", l.Tag, m, got, m.Currency)
		}
		plain := strings.ReplaceAll(strings.ReplaceAll(text, l.norm().Group, ""), l.norm().Decimal, ".")
		if plain != want {
			t.Fatalf("%s Money(%s) = %q, which reads %q; want %q", l.Tag, m, got, plain, want)
		}
		if n, err := decimal.NewFromString(plain); err != nil || !n.Equal(m.Amount.RoundBank(int32(digits))) {
			t.Fatalf("%s Money(%s) = %q, not the amount rounded (%v)", l.Tag, m, got, err)
		}
		whole, _, _ := strings.Cut(strings.TrimPrefix(text, "-"), l.norm().Decimal)
		for i, g := range strings.Split(whole, l.norm().Group) {
			if len(g) == 0 || len(g) > 3 || i > 0 && len(g) != 3 {
				t.Fatalf("%s Money(%s) = %q: bad digit group %q", l.Tag, m, got, g)
			}
		}
	})
}
