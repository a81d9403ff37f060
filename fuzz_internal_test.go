package crm

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzNormalizeCustomer checks the normaliser every stored customer goes
// through: that a customer it accepts is a fixed point (normalising it
// again changes nothing and finds no problem), that its emails and phones
// are normalised, unique and have exactly one primary, that its tags are
// trimmed, lower-case and unique, and that every problem names a field.
func FuzzNormalizeCustomer(f *testing.F) {
	for _, seed := range [][7]string{
		{"Acme Ltd", "Sales@Acme.Example; sales@acme.example", "020 7946 0000;+44 20 7946 0000", "GB", "VIP; b2b;vip", "Europe/London", "1234.50 eur"},
		{"  Zoë  ", `"quoted"@example.com`, "(415) 555-2671", "us", "", "America/New_York", ""},
		{"", "", "", "", "", "", ""},
		{"日本", "a@b.c", "0", "ZZ", "\xff", "Local", "-1 EUR"},
		{"x", "", "06 6982 1234", "IT", " ", "../etc/passwd", "1e-2147483648 EUR"},
		{"x", "", "", "", "", "UTC", "1e16 USD"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6])
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name, emails, phones, country, tags, zone, credit string) {
		c := Customer{Name: name, Address: Address{Country: country}, TimeZone: zone, Tags: strings.Split(tags, ";")}
		for _, e := range strings.Split(emails, ";") {
			c.Emails = append(c.Emails, Email{Address: e})
		}
		for _, p := range strings.Split(phones, ";") {
			c.Phones = append(c.Phones, Phone{Number: p})
		}
		if m, err := ParseMoney(credit); err == nil {
			c.CreditLimit = m
		}
		verr := &ValidationError{Entity: "customer"}
		normalizeCustomer(&c, "GB", now, verr)
		for _, fe := range verr.Fields {
			if fe.Field == "" || fe.Reason == "" || !utf8.ValidString(fe.Reason) || len(fe.Reason) > 1024 {
				t.Fatalf("problem %+v names no field, or its reason is bad", fe)
			}
		}
		if verr.err() != nil {
			return
		}
		once := c
		verr2 := &ValidationError{Entity: "customer"}
		normalizeCustomer(&c, "GB", now, verr2)
		if err := verr2.err(); err != nil {
			t.Fatalf("a normalised customer fails normalising again: %v", err)
		}
		if !reflect.DeepEqual(once, c) {
			t.Fatalf("normalising again changes the customer:\n%+v\n%+v", once, c)
		}
		region := "GB"
		if c.Address.Country != "" {
			region = c.Address.Country
		}
		checkEntries(t, "email", c.Emails, func(e Email) (string, bool) { return e.Address, e.Primary }, NormalizeEmail)
		checkEntries(t, "phone", c.Phones, func(p Phone) (string, bool) { return p.Number, p.Primary },
			func(s string) (string, error) { return NormalizePhone(s, region) })
		seen := map[string]bool{}
		for _, tag := range c.Tags {
			if tag == "" || tag != strings.ToLower(strings.TrimSpace(tag)) || seen[tag] {
				t.Fatalf("tags %q: want trimmed, lower-case and unique", c.Tags)
			}
			seen[tag] = true
		}
		if c.Name != strings.TrimSpace(c.Name) || c.Name == "" {
			t.Fatalf("name %q: want trimmed and not empty", c.Name)
		}
	})
}

// checkEntries checks normalised emails or phones: each a fixed point of
// norm, none repeated, exactly one primary.
func checkEntries[T any](t *testing.T, what string, list []T, parts func(T) (string, bool), norm func(string) (string, error)) {
	t.Helper()
	primaries := 0
	seen := map[string]bool{}
	for _, e := range list {
		v, primary := parts(e)
		if n, err := norm(v); err != nil || n != v {
			t.Fatalf("%s %q is not normalised: %q, %v", what, v, n, err)
		}
		if seen[v] {
			t.Fatalf("%s %q repeated", what, v)
		}
		seen[v] = true
		if primary {
			primaries++
		}
	}
	if len(list) > 0 && primaries != 1 {
		t.Fatalf("%d primary %ss of %d", primaries, what, len(list))
	}
}

// FuzzLoadZone checks the time zones a customer may name: that a zone
// loads as the location of that name, the same one each time, and that a
// name that fails to load is refused by the customer normaliser.
func FuzzLoadZone(f *testing.F) {
	for _, seed := range []string{
		"Europe/Berlin", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+12", "", "Local", "local",
		"europe/berlin", "../../etc/passwd", "/etc/localtime", "Europe/Berlin\x00", "Europe\\Berlin",
		"Mars/Olympus", " Asia/Tokyo ", strings.Repeat("A/", 300),
	} {
		f.Add(seed)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, name string) {
		loc, err := loadZone(name)
		c := Customer{Name: "x", TimeZone: name}
		verr := &ValidationError{Entity: "customer"}
		normalizeCustomer(&c, "", now, verr)
		_, refused := verr.Field("time_zone")
		trimmed := strings.TrimSpace(name)
		if err != nil {
			if name == trimmed && !refused {
				t.Fatalf("loadZone(%q) fails (%v), but a customer may name it", name, err)
			}
			return
		}
		want := name
		if name == "" {
			want = "UTC"
		}
		if loc.String() != want {
			t.Fatalf("loadZone(%q) = %q", name, loc)
		}
		if again, err := loadZone(name); err != nil || again != loc {
			t.Fatalf("loadZone(%q) again = %v, %v; want the same location", name, again, err)
		}
		if name == trimmed && name != "" && !strings.EqualFold(name, "Local") && refused {
			t.Fatalf("loadZone(%q) loads, but a customer may not name it", name)
		}
		if refused {
			return
		}
		if c.TimeZone != trimmed {
			t.Fatalf("time zone %q normalised as %q", name, c.TimeZone)
		}
	})
}
