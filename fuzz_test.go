package crm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// The fuzz targets of the package's parsers and normalisers. Each checks
// what its function promises, not only that it does not panic: what is
// accepted is valid and round-trips through its printed form, errors wrap
// ErrInvalid and name the field or position at fault, and work and error
// messages stay bounded whatever the input. Their seed corpora are
// committed under testdata/fuzz/<FuzzName>; .ci/fuzz runs every target.

// maxErrorLen bounds the error messages of the parsers: a huge input must
// not make a huge message.
const maxErrorLen = 1024

// slowInput is how long one call may take before a fuzz target calls the
// input a hang: far above the microseconds any of them needs.
const slowInput = 5 * time.Second

// checkError fails unless err wraps ErrInvalid and has a short message
// in valid UTF-8 that starts with prefix.
func checkError(t *testing.T, call string, err error, prefix string) {
	t.Helper()
	msg := err.Error()
	switch {
	case !errors.Is(err, crm.ErrInvalid):
		t.Fatalf("%s: error %v does not wrap ErrInvalid", call, err)
	case !strings.HasPrefix(msg, prefix):
		t.Fatalf("%s: error %q does not start with %q", call, msg, prefix)
	case len(msg) > maxErrorLen:
		t.Fatalf("%s: error of %d bytes, want at most %d: %.200q…", call, len(msg), maxErrorLen, msg)
	case !utf8.ValidString(msg):
		t.Fatalf("%s: error message is not valid UTF-8: %q", call, msg)
	}
}

// timed runs fn and fails when it takes longer than slowInput.
func timed(t *testing.T, call string, fn func()) {
	t.Helper()
	start := time.Now()
	fn()
	if d := time.Since(start); d > slowInput {
		t.Fatalf("%s took %v", call, d)
	}
}

// sameDecimal reports whether a and b are the same decimal, digits and
// exponent alike: 1.50 is not 1.5 here.
func sameDecimal(a, b decimal.Decimal) bool {
	return a.Exponent() == b.Exponent() && a.Coefficient().Cmp(b.Coefficient()) == 0
}

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

// FuzzParseMoney checks that ParseMoney keeps the exact decimal it was
// given (digits and exponent) and the currency upper-cased, whichever
// comes first; that what it accepts is valid and prints as text that
// parses to the same amount; and that errors are short and bounded in
// work, whatever the exponent.
func FuzzParseMoney(f *testing.F) {
	for _, seed := range []string{"1234.50 EUR", "EUR 0.1", "1000 JPY", "-3 gbp", "1e3 USD", "12", "1.23456 EUR", " 7 CHF "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		call := fmt.Sprintf("ParseMoney(%.100q)", s)
		var m crm.Money
		var err error
		timed(t, call, func() { m, err = crm.ParseMoney(s) })
		if err != nil {
			checkError(t, call, err, "crm: money")
			if !m.IsZero() {
				t.Fatalf("%s = %v alongside error %v", call, m, err)
			}
			return
		}
		fields := strings.Fields(s)
		if len(fields) != 2 {
			t.Fatalf("%s accepted %d fields", call, len(fields))
		}
		amount, code := fields[0], fields[1]
		if strings.EqualFold(fields[0], m.Currency) && len(fields[0]) == 3 {
			amount, code = code, amount
		}
		want, derr := decimal.NewFromString(amount)
		if derr != nil || !sameDecimal(m.Amount, want) {
			t.Fatalf("%s = %v; want the amount %q exactly", call, m, amount)
		}
		if m.Currency != strings.ToUpper(code) {
			t.Fatalf("%s = %v; want the currency %q", call, m, strings.ToUpper(code))
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("%s = %v, which is not valid: %v", call, m, err)
		}
		if digits, ok := crm.CurrencyDigits(m.Currency); !ok || digits < 0 || digits > 4 {
			t.Fatalf("%s = %v in a currency of %d digits, %v", call, m, digits, ok)
		}
		back, err := crm.ParseMoney(m.String())
		if err != nil {
			t.Fatalf("%s = %s, which does not parse: %v", call, m, err)
		}
		if !back.Equal(m) {
			t.Fatalf("round trip %q: %s → %s", s, m, back)
		}
		if again := back.String(); again != m.String() {
			t.Fatalf("round trip %q: %q prints again as %q", s, m, again)
		}
	})
}

// FuzzNewMoney checks NewMoney's amount and currency separately: that an
// error names which one is at fault, and that an accepted pair is valid,
// exact and prints as ParseMoney reads it.
func FuzzNewMoney(f *testing.F) {
	for _, seed := range [][2]string{
		{"1234.50", "eur"}, {" -0.0001 ", " CLF "}, {"1e15", "JPY"}, {"9999999999999999.9999", "USD"},
		{"1e16", "USD"}, {"0.00001", "EUR"}, {"1.2.3", "EUR"}, {"12", "XTS"}, {"12", "ANG"}, {"", ""},
		{"0", ""}, {"١٢", "EUR"}, {"1e-2147483648", "EUR"}, {"NaN", "EUR"}, {"12", "EURO"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, amount, currency string) {
		call := fmt.Sprintf("NewMoney(%.60q, %.60q)", amount, currency)
		var m crm.Money
		var err error
		timed(t, call, func() { m, err = crm.NewMoney(amount, currency) })
		if err != nil {
			checkError(t, call, err, "crm: money")
			msg := err.Error()
			if !strings.Contains(msg, "amount") && !strings.Contains(msg, "currency") {
				t.Fatalf("%s: error %q names neither the amount nor the currency", call, msg)
			}
			return
		}
		want, derr := decimal.NewFromString(strings.TrimSpace(amount))
		if derr != nil || !sameDecimal(m.Amount, want) || m.Currency != strings.ToUpper(strings.TrimSpace(currency)) {
			t.Fatalf("%s = %v; want %q %q exactly", call, m, amount, currency)
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("%s = %v, which is not valid: %v", call, m, err)
		}
		if m.IsZero() {
			return // prints as "", which is no amount
		}
		back, err := crm.ParseMoney(m.String())
		if err != nil || !back.Equal(m) {
			t.Fatalf("%s = %v prints as %q, which parses as %v, %v", call, m, m.String(), back, err)
		}
	})
}

// FuzzParseCustomValue checks that a value ParseCustomValue accepts has
// the kind asked for, prints as text that parses to an equal value of the
// same kind, and round-trips through its JSON form; and that errors name
// the kind and stay short.
func FuzzParseCustomValue(f *testing.F) {
	for _, seed := range [][2]string{
		{"string", "gold"}, {"string", ""}, {"string", "\xff"}, {"number", "12.3400"}, {"number", "-0"},
		{"number", "1e64"}, {"number", "1e65"}, {"number", "1e-64"}, {"number", ".5"}, {"number", "0x10"},
		{"bool", "true"}, {"bool", "TRUE"}, {"date", "2024-02-29"}, {"date", "2023-02-29"}, {"date", "0000-01-01"},
		{"int", "1"}, {"", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, kind, text string) {
		call := fmt.Sprintf("ParseCustomValue(%.60q, %.60q)", kind, text)
		var v crm.CustomValue
		var err error
		timed(t, call, func() { v, err = crm.ParseCustomValue(kind, text) })
		if err != nil {
			checkError(t, call, err, "crm: custom")
			if v.Kind() != crm.ValueInvalid {
				t.Fatalf("%s = %v alongside error %v", call, v, err)
			}
			return
		}
		if v.Kind().String() != kind {
			t.Fatalf("%s = a %s", call, v.Kind())
		}
		back, err := crm.ParseCustomValue(kind, v.String())
		if err != nil || !back.Equal(v) || back.String() != v.String() {
			t.Fatalf("%s = %v, which parses back as %v, %v", call, v, back, err)
		}
		if n, ok := v.Number(); ok {
			if want, _ := decimal.NewFromString(text); !sameDecimal(n, want) {
				t.Fatalf("%s = %v; want the number %q exactly", call, n, text)
			}
		}
		if !utf8.ValidString(text) {
			return // JSON has no such string; customers refuse it (normalizeCustom)
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal %v: %v", v, err)
		}
		var j crm.CustomValue
		if err := json.Unmarshal(data, &j); err != nil || !j.Equal(v) {
			t.Fatalf("%s = %v: JSON %s decodes as %v, %v", call, v, data, j, err)
		}
	})
}

// FuzzCustomValueJSON checks that decoding never panics, that errors wrap
// ErrInvalid when the JSON is well-formed, and that what decodes encodes
// and decodes to an equal value with the same encoding.
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
			var j struct{ Type, Value string }
			if json.Unmarshal(data, &j) == nil && !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("unmarshal %s: error %v does not wrap ErrInvalid", data, err)
			}
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
		if again, _ := json.Marshal(back); !bytes.Equal(again, out) {
			t.Fatalf("round trip %s: %s encodes again as %s", data, out, again)
		}
	})
}

// fuzzClient returns a Client on a fresh memory store with a fixed clock
// and predictable IDs.
func fuzzClient(t testing.TB) *crm.Client {
	t.Helper()
	n := 0
	c, err := crm.New(memory.New(), crm.WithDefaultRegion("GB"),
		crm.WithClock(crm.ClockFunc(func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) })),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("cust-%04d", n) })))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// customColumns returns the custom fields of cs as ExportOptions names
// them, "KEY:TYPE", in key order.
func customColumns(cs []*crm.Customer) []string {
	kinds := map[string]crm.ValueKind{}
	for _, c := range cs {
		for k, v := range c.Custom {
			kinds[k] = v.Kind()
		}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		out = append(out, k+":"+kinds[k].String())
	}
	return out
}

// importAndExport imports the customers of csv into a fresh Client, and
// returns them and their CSV export; rejected rows are checked by reject.
func importAndExport(t *testing.T, data []byte, reject func(*crm.RowError)) ([]*crm.Customer, []byte) {
	t.Helper()
	c := fuzzClient(t)
	ctx := t.Context()
	var good []crm.Customer
	for cust, err := range crm.ReadCustomersCSV(bytes.NewReader(data)) {
		if err == nil {
			good = append(good, cust)
		}
	}
	rows := func(yield func(crm.Customer, error) bool) {
		for _, cust := range good {
			if !yield(cust, nil) {
				return
			}
		}
	}
	_, err := c.ImportCustomers(ctx, rows, crm.ImportOptions{Duplicates: crm.KeepDuplicates,
		OnRowError: func(e *crm.RowError) error { reject(e); return nil }})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	var cs []*crm.Customer
	for cust, err := range c.Customers(ctx, crm.CustomerFilter{}) {
		if err != nil {
			t.Fatalf("list customers: %v", err)
		}
		cs = append(cs, cust)
	}
	var out bytes.Buffer
	if _, err := c.ExportCustomers(ctx, &out, crm.CustomerFilter{},
		crm.ExportOptions{Format: crm.ExportCSV, CustomFields: customColumns(cs)}); err != nil {
		t.Fatalf("export: %v", err)
	}
	return cs, out.Bytes()
}

// FuzzReadCustomersCSV checks the CSV reader against the importer and the
// CSV export. Any input yields customers and row errors without
// panicking; only a header or read error (which does not match
// ErrInvalid) ends the sequence; a row error names its line. The rows that
// read without error import or are rejected with a ValidationError (or
// as duplicates), never anything else. And what was imported exports as
// CSV that reads without a single error, imports again whole, and exports
// as the same bytes: the columns survive import and export unchanged.
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
	f.Fuzz(func(t *testing.T, data []byte) {
		ended := false
		for _, err := range crm.ReadCustomersCSV(bytes.NewReader(data)) {
			if ended {
				t.Fatalf("a customer after the error that ends the sequence")
			}
			if err == nil {
				continue
			}
			msg := err.Error()
			if !errors.Is(err, crm.ErrInvalid) {
				ended = true
				if !strings.HasPrefix(msg, "crm: customers csv: ") {
					t.Fatalf("error %q does not say it is of the customers csv", msg)
				}
				continue
			}
			if !strings.HasPrefix(msg, "crm: customers csv: line ") {
				t.Fatalf("row error %q does not name its line", msg)
			}
			if verr := (*crm.ValidationError)(nil); errors.As(err, &verr) {
				for _, fe := range verr.Fields {
					if fe.Field == "" || fe.Reason == "" {
						t.Fatalf("row error %q has a field error without a field or reason", msg)
					}
				}
			}
		}

		reject := func(e *crm.RowError) {
			var verr *crm.ValidationError
			var dup *crm.DuplicateError
			if errors.As(e, &verr) || errors.As(e, &dup) {
				return
			}
			t.Fatalf("row %d rejected with %T: %v", e.Row, e.Err, e.Err)
		}
		cs, export := importAndExport(t, data, reject)
		for cust, err := range crm.ReadCustomersCSV(bytes.NewReader(export)) {
			if err != nil {
				t.Fatalf("the export of %q does not read back: %v\n%s", data, err, export)
			}
			_ = cust
		}
		cs2, export2 := importAndExport(t, export, func(e *crm.RowError) {
			t.Fatalf("the export of %q does not import again: row %d: %v\n%s", data, e.Row, e.Err, export)
		})
		if len(cs2) != len(cs) {
			t.Fatalf("%d customers imported, %d after export and import", len(cs), len(cs2))
		}
		if !bytes.Equal(export, export2) {
			t.Fatalf("export of %q changes after import:\n%s\nthen\n%s", data, export, export2)
		}
	})
}

// FuzzParseSegment checks that the rule parser never panics, that every
// error it returns is a positioned *ParseError within the input, and that
// what it accepts is valid and prints as text that parses to the same
// condition and prints the same again.
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
		strings.Repeat("(", 10000) + `r = 1` + strings.Repeat(")", 10000),
		strings.Repeat("not ", 10000) + `r = 1`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var c crm.Condition
		var err error
		timed(t, fmt.Sprintf("ParseCondition(%.100q)", text), func() { c, err = crm.ParseCondition(text) })
		if err != nil {
			var perr *crm.ParseError
			if !errors.As(err, &perr) || !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("ParseCondition(%q): %v is not a *ParseError", text, err)
			}
			if perr.Offset < 0 || perr.Offset > len(text) || perr.Line < 1 || perr.Column < 1 {
				t.Fatalf("ParseCondition(%q): bad position in %+v", text, perr)
			}
			if perr.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("ParseCondition(%q): line %d of %d", text, perr.Line, strings.Count(text, "\n")+1)
			}
			if len(err.Error()) > maxErrorLen {
				t.Fatalf("ParseCondition(%.100q): error of %d bytes", text, len(err.Error()))
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
		if back.String() != c.String() {
			t.Fatalf("round trip of %q: %s prints again as %s", text, c, back)
		}
		c.Match(&crm.Customer{}, &crm.Metrics{})
	})
}

// FuzzExportRecordJSON checks that a JSON Lines export record decodes
// without panicking, that a malformed field fails with an error naming it,
// and that what decodes encodes to a form that decodes to the same record
// and encodes the same again.
func FuzzExportRecordJSON(f *testing.F) {
	for _, seed := range []string{
		`{"id":"c1","name":"Acme","credit_limit":{"amount":"1234.50","currency":"EUR"},"created_at":"2025-01-02T10:11:23.123456789+02:00"}`,
		`{"id":"c1","name":"Acme","birth_date":"1999-12-31","custom":{"tier":{"type":"number","value":"1.50"}}}`,
		`{"id":"c1","orders":[{"id":"o1","total":{"amount":"1e3","currency":"JPY"},"lines":[{"sku":"x","quantity":"2.5"}]}]}`,
		`{"id":"c1","cases":[{"id":"k1","first_response_seconds":"1.000000001","resolution_seconds":"0.0000000001"}]}`,
		`{"id":"c1","contacts":[],"payments":[{"amount":{"amount":"x","currency":"EUR"}}]}`,
		`{"id":"c1","created_at":"yesterday"}`,
		`{"emails":[{"address":"A@B.example","primary":true}],"tags":["vip"]}`,
		`{}`, `null`, `[]`, `{"id":1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var rec crm.ExportRecord
		err := json.Unmarshal(data, &rec)
		if err != nil {
			if verr := (*crm.ValidationError)(nil); errors.As(err, &verr) {
				if len(verr.Fields) == 0 || verr.Fields[0].Field == "" {
					t.Fatalf("unmarshal %s: error %v names no field", data, err)
				}
			}
			if len(err.Error()) > 4*maxErrorLen {
				t.Fatalf("unmarshal: error of %d bytes", len(err.Error()))
			}
			return
		}
		if rec.Customer == nil {
			return // JSON null leaves the record untouched
		}
		out, err := json.Marshal(rec)
		if err != nil {
			t.Fatalf("marshal the record of %s: %v", data, err)
		}
		var back crm.ExportRecord
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%s encodes as %s, which does not decode: %v", data, out, err)
		}
		again, err := json.Marshal(back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("%s encodes as %s, then as %s (%v)", data, out, again, err)
		}
		if !reflect.DeepEqual(decodeAny(t, out), decodeAny(t, again)) {
			t.Fatalf("%s and %s differ", out, again)
		}
	})
}

func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzDecodeChanges checks that audit changes decode without panicking
// and that what decodes encodes and decodes to the same changes.
func FuzzDecodeChanges(f *testing.F) {
	for _, seed := range []string{
		`[]`, `null`, `[{"Field":"Name","Before":"\"Acme\"","After":"\"ACME\""}]`,
		`[{"Field":"Name","Before":"Acme","After":{"a":[1,2,{"b":null}]}}]`,
		`[{"Field":"Email","Erased":true,"BeforeDigest":"ab12","AfterDigest":""}]`,
		`[{"Field":""}]`, `[{"Field":"x","Before":1e999}]`, `{"Field":"x"}`, `[`, ``,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		changes, err := crm.DecodeChanges(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "crm: decode audit changes: ") {
				t.Fatalf("DecodeChanges(%q): error %q does not say what failed", s, err)
			}
			return
		}
		if changes != nil && len(changes) == 0 {
			t.Fatalf("DecodeChanges(%q) = an empty, non-nil list", s)
		}
		enc, err := crm.EncodeChanges(changes)
		if err != nil {
			t.Fatalf("EncodeChanges(DecodeChanges(%q)): %v", s, err)
		}
		back, err := crm.DecodeChanges(enc)
		if err != nil {
			t.Fatalf("DecodeChanges(%q) encodes as %q, which does not decode: %v", s, enc, err)
		}
		enc2, err := crm.EncodeChanges(back)
		if err != nil || enc2 != enc {
			t.Fatalf("DecodeChanges(%q) encodes as %q, then as %q (%v)", s, enc, enc2, err)
		}
		if len(back) != len(changes) {
			t.Fatalf("DecodeChanges(%q): %d changes, then %d", s, len(changes), len(back))
		}
		for i := range back {
			if back[i].Field != changes[i].Field || back[i].Erased != changes[i].Erased ||
				back[i].BeforeDigest != changes[i].BeforeDigest || back[i].AfterDigest != changes[i].AfterDigest {
				t.Fatalf("DecodeChanges(%q): change %d %+v became %+v", s, i, changes[i], back[i])
			}
		}
	})
}
