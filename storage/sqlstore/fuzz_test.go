package sqlstore

import (
	"database/sql"
	"errors"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crmkit/crm"
)

// The fuzz targets of the Store's decoding of stored text: what a column
// holds parses back to the value that was written, exactly. Their seed
// corpora are under testdata/fuzz/<FuzzName>.

// FuzzParseAmount checks that an amount column keeps the exact decimal
// written (digits and exponent: "1.50" stays 1.50, not 1.5), and that an
// amount read from any text writes back as text that reads the same.
func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{"1234.50", "0.0001", "-0", "1e3", "1.500000", "12,5", "", " 1", "1e-64", "NaN"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d, err := parseAmount(sql.NullString{String: text, Valid: true})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "amount ") {
				t.Fatalf("parseAmount(%q): error %q does not name the column", text, err)
			}
			return
		}
		if e := d.Exponent(); e < -64 || e > 64 {
			return // no valid crm.Money has such an amount; its text would be huge
		}
		written := decimalText(d)
		back, err := parseAmount(sql.NullString{String: written, Valid: true})
		if err != nil || back.Exponent() != min(d.Exponent(), 0) || !back.Equal(d) {
			t.Fatalf("parseAmount(%q) = %s (exponent %d), written %q, read back as %s (exponent %d), %v",
				text, d, d.Exponent(), written, back, back.Exponent(), err)
		}
		if decimalText(back) != written {
			t.Fatalf("decimalText not stable: %q then %q", written, decimalText(back))
		}
		m, err := moneyOf(sql.NullString{String: written, Valid: true}, "EUR")
		if err != nil || !m.Amount.Equal(d) || m.Currency != "EUR" {
			t.Fatalf("moneyOf(%q) = %v, %v", written, m, err)
		}
	})
}

// FuzzParseBehaviours checks that the behaviours column reads as the
// counts behavioursText writes, and that what reads writes back in its
// canonical form, which reads the same.
func FuzzParseBehaviours(f *testing.F) {
	for _, seed := range []string{"demo_request:1 email_open:3", "", "  ", "a:1  b:2", "a:1 a:2", "a", "a:", ":1", "a:-1", "a:+1", "a:1:2", "a:99999999999999999999", "ü:1\tß:2"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		b, err := parseBehaviours(text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "behaviours ") {
				t.Fatalf("parseBehaviours(%q): error %q does not name the column", text, err)
			}
			return
		}
		if len(b) == 0 {
			if b != nil || strings.TrimSpace(text) != "" && len(strings.Fields(text)) > 0 {
				t.Fatalf("parseBehaviours(%q) = %v", text, b)
			}
			return
		}
		written := behavioursText(b)
		back, err := parseBehaviours(written)
		if err != nil || !maps.Equal(back, b) {
			t.Fatalf("parseBehaviours(%q) = %v, written %q, read back as %v, %v", text, b, written, back, err)
		}
		if behavioursText(back) != written {
			t.Fatalf("behavioursText not stable: %q then %q", written, behavioursText(back))
		}
	})
}

// FuzzParseRequires checks that the requires column of a stage reads as
// the fields requiresText writes.
func FuzzParseRequires(f *testing.F) {
	for _, seed := range []string{"", "amount", "amount close_date", "amount  close_date", " amount", "amount "} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fields := parseRequires(text)
		if got := requiresText(fields); got != text {
			t.Fatalf("parseRequires(%q) = %q, written back as %q", text, fields, got)
		}
		if text != "" && !strings.Contains(text, "  ") && !strings.HasPrefix(text, " ") && !strings.HasSuffix(text, " ") {
			for _, f := range fields {
				if f == "" || strings.Contains(string(f), " ") {
					t.Fatalf("parseRequires(%q) = %q: an empty or spaced field", text, fields)
				}
			}
		}
	})
}

// FuzzParseChangeCursor checks that a change cursor names the record and
// version it was made for, whatever bytes the ID holds, and that every
// other text is refused with ErrInvalid.
func FuzzParseChangeCursor(f *testing.F) {
	for _, seed := range []struct {
		cursor, id string
		version    int64
	}{
		{"MTI6Y3VzdC0x", "cust-1", 12}, {"", "", 0}, {"!!", "a:b", -1}, {"MTI", "\xff\x00", 1 << 62}, {"MTI6Y3VzdC0x==", "日本", 0},
	} {
		f.Add(seed.cursor, seed.id, seed.version)
	}
	f.Fuzz(func(t *testing.T, cursor, id string, version int64) {
		gotID, gotVersion, err := parseChangeCursor(changeCursor(id, version))
		if err != nil || gotID != id || gotVersion != version {
			t.Fatalf("changeCursor(%q, %d) reads as %q, %d, %v", id, version, gotID, gotVersion, err)
		}
		if c := changeCursor(id, version); !utf8.ValidString(string(c)) || strings.ContainsAny(string(c), " \n\"") {
			t.Fatalf("changeCursor(%q, %d) = %q, not printable", id, version, c)
		}
		id2, v2, err := parseChangeCursor(crm.Cursor(cursor))
		if err != nil {
			if !strings.Contains(err.Error(), "cursor") || !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("parseChangeCursor(%q): error %v", cursor, err)
			}
			return
		}
		if id3, v3, err := parseChangeCursor(changeCursor(id2, v2)); err != nil || id3 != id2 || v3 != v2 {
			t.Fatalf("parseChangeCursor(%q) = %q, %d, which does not make a cursor that reads the same", cursor, id2, v2)
		}
	})
}

// FuzzSearchKey checks the search key of the folded name and address
// columns: that it is idempotent, valid UTF-8, as long in runes as its
// input, and that two texts have one key exactly when strings.EqualFold
// says they are equal, so that a prefix search on keys finds what
// crm.CustomerFilter.Match finds.
func FuzzSearchKey(f *testing.F) {
	for _, seed := range [][2]string{
		{"Acme", "ACME"}, {"straße", "STRASSE"}, {"Kelvin", "\u212aelvin"}, {"ſ", "S"}, {"Σίσυφος", "ΣΊΣΥΦΟΣ"},
		{"\xff", "\ufffd"}, {"", ""}, {"ǅ", "ǆ"}, {"İ", "i"}, {"ß", "ẞ"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, kb := SearchKey(a), SearchKey(b)
		if SearchKey(ka) != ka {
			t.Fatalf("SearchKey(%q) = %q, whose key is %q", a, ka, SearchKey(ka))
		}
		if !utf8.ValidString(ka) && utf8.ValidString(a) {
			t.Fatalf("SearchKey(%q) = %q, not valid UTF-8", a, ka)
		}
		if utf8.RuneCountInString(ka) != utf8.RuneCountInString(a) {
			t.Fatalf("SearchKey(%q) = %q: %d runes, want %d", a, ka, utf8.RuneCountInString(ka), utf8.RuneCountInString(a))
		}
		if (ka == kb) != strings.EqualFold(a, b) {
			t.Fatalf("SearchKey(%q) = %q, SearchKey(%q) = %q, but EqualFold says %v", a, ka, b, kb, strings.EqualFold(a, b))
		}
		for i := range a { // each prefix of a, at a rune boundary
			if p := SearchKey(a[:i]); !strings.HasPrefix(ka, p) {
				t.Fatalf("SearchKey(%q) = %q does not start with %q, the key of its prefix %q", a, ka, p, a[:i])
			}
		}
	})
}
