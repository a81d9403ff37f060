package crm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// FuzzNameKey checks that name keys never panic, are idempotent and that
// Jaro-Winkler on them stays in [0, 1], is symmetric and is 1 on equal
// keys.
func FuzzNameKey(f *testing.F) {
	for _, seed := range [][2]string{
		{"Acme Ltd", "ACME Corporation"},
		{"Smith & Sons, Inc.", "Smith and Sons"},
		{"Fabbrica Italiana S.p.A.", "O'Neil"},
		{"Müller GmbH", "MULLER"},
		{"", "Ltd"},
		{"\xff\xfe", "日本 株式会社"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := crm.NameKey(a), crm.NameKey(b)
		if utf8.ValidString(a) && crm.NameKey(ka) != ka {
			t.Fatalf("NameKey not idempotent: %q → %q → %q", a, ka, crm.NameKey(ka))
		}
		s := crm.JaroWinkler(ka, kb)
		if math.IsNaN(s) || s < 0 || s > 1+1e-12 {
			t.Fatalf("JaroWinkler(%q, %q) = %v, outside [0, 1]", ka, kb, s)
		}
		if r := crm.JaroWinkler(kb, ka); math.Abs(r-s) > 1e-12 {
			t.Fatalf("JaroWinkler not symmetric: %v vs %v", s, r)
		}
		if ka == kb && ka != "" && s != 1 {
			t.Fatalf("JaroWinkler(%q, %q) = %v, want 1", ka, kb, s)
		}
	})
}

// FuzzParseMoney checks that money parsing never panics and that what it
// accepts prints and parses back to an equal value.
func FuzzParseMoney(f *testing.F) {
	for _, seed := range []string{"1234.50 EUR", "EUR 0.1", "1000 JPY", "-3 gbp", "1e3 USD", "12", "1.23456 EUR", " 7 CHF "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := crm.ParseMoney(s)
		if err != nil {
			return
		}
		back, err := crm.ParseMoney(m.String())
		if err != nil {
			t.Fatalf("ParseMoney(%q) = %s, which does not parse: %v", s, m, err)
		}
		if !back.Equal(m) {
			t.Fatalf("round trip %q: %s → %s", s, m, back)
		}
	})
}

// FuzzCustomValueJSON checks that decoding never panics and that what
// decodes encodes and decodes to an equal value.
func FuzzCustomValueJSON(f *testing.F) {
	for _, seed := range []string{
		`{"type":"number","value":"12.3400"}`, `{"type":"string","value":"gold"}`,
		`{"type":"bool","value":"true"}`, `{"type":"date","value":"2026-02-28"}`,
		`{"type":"number","value":"1e400"}`, `{}`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v crm.CustomValue
		if err := json.Unmarshal(data, &v); err != nil {
			return
		}
		if v.Kind() == crm.ValueInvalid {
			return // "null" leaves the zero value
		}
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %v: %v", v, err)
		}
		var back crm.CustomValue
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(v) {
			t.Fatalf("round trip %s → %s → %v (%v)", data, out, back, err)
		}
	})
}

// FuzzReadCustomersCSV checks that any input yields customers and row
// errors without panicking, that only a header or read error (which does
// not match ErrInvalid) ends the sequence, and that a record read without
// error imports or is rejected with a ValidationError, never anything else.
func FuzzReadCustomersCSV(f *testing.F) {
	for _, seed := range []string{
		"id,name,email,phone,region,industry,created_at\n1,Zoe Yilmaz,zoe@example.com,+1-555-951-6737,APAC,Finance,2025-01-02T10:11:23Z\n",
		"name,tags,credit_limit,birth_date,consent_email\nAcme,vip;b2b,100 EUR,1999-12-31,yes\n",
		"\uFEFFName,custom.score:number,custom.since:date\n\"A, \"\"B\"\"\",1.5,2020-02-29\n",
		"name\n\"unterminated\n",
		"name,email\nA\nB,b@x.example,extra\n",
		"name,colour\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	c, err := crm.New(memory.New(), crm.WithDefaultRegion("GB"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ended := false
		for cust, err := range crm.ReadCustomersCSV(bytes.NewReader(data)) {
			if ended {
				t.Fatalf("a customer after the error that ends the sequence")
			}
			if err != nil {
				if !errors.Is(err, crm.ErrInvalid) {
					ended = true
				}
				continue
			}
			if _, err := c.ImportCustomers(t.Context(), func(yield func(crm.Customer, error) bool) { yield(cust, nil) },
				crm.ImportOptions{Duplicates: crm.KeepDuplicates, OnRowError: func(e *crm.RowError) error {
					var verr *crm.ValidationError
					var dup *crm.DuplicateError
					if !errors.As(e, &verr) && !errors.As(e, &dup) {
						t.Fatalf("row rejected with %T: %v", e.Err, e.Err)
					}
					return nil
				}}); err != nil {
				t.Fatalf("import of %+v: %v", cust, err)
			}
		}
	})
}

// FuzzParseSegment checks that the rule parser never panics, that every
// error it returns is a positioned *ParseError within the input, and that
// what it accepts is valid and prints as text that parses to the same
// condition.
func FuzzParseSegment(f *testing.F) {
	for _, seed := range []string{
		`industry = "manufacturing" and r >= 4 and tags has "vip"`,
		`not (region in ("north", "south") or custom.score < 2.5)`,
		`owner is empty or custom.renewal >= date("2025-01-01")`,
		`name starts_with "50%_off\"" and tier != "C" and clv > -1.25`,
		`((stage = "at-risk"))`,
		`custom.vip = true and not not kind = "person"`,
		`name = "日本\u00e9\t"`,
		`industry =`,
		`(`,
		"r >= 4 and\n\tf <= 5 or m < 2",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := crm.ParseCondition(text)
		if err != nil {
			var perr *crm.ParseError
			if !errors.As(err, &perr) || !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("ParseCondition(%q): %v is not a *ParseError", text, err)
			}
			if perr.Offset < 0 || perr.Offset > len(text) || perr.Line < 1 || perr.Column < 1 {
				t.Fatalf("ParseCondition(%q): bad position in %+v", text, perr)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("ParseCondition(%q) accepted an invalid condition: %v", text, err)
		}
		back, err := crm.ParseCondition(c.String())
		if err != nil {
			t.Fatalf("ParseCondition(%q) = %s, which does not parse: %v", text, c, err)
		}
		if !back.Equal(c) {
			t.Fatalf("round trip of %q: %s became %s", text, c, back)
		}
		c.Match(&crm.Customer{}, &crm.Metrics{})
	})
}
