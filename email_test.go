package crm_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crmkit/crm"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"Plain", "ann@example.com", "ann@example.com"},
		{"LowerCase", "Sales@Acme.Example", "sales@acme.example"},
		{"Trim", "  ann@example.com \t\n", "ann@example.com"},
		{"Dots", "ann.marie.smith@example.co.uk", "ann.marie.smith@example.co.uk"},
		{"Plus", "ann+crm@example.com", "ann+crm@example.com"},
		{"Printable", "a!#$%&'*+/=?^_`{|}~-@example.com", "a!#$%&'*+/=?^_`{|}~-@example.com"},
		{"Hyphen", "a@mail-server.example-domain.org", "a@mail-server.example-domain.org"},
		{"DigitsInDomain", "a@123.example.com", "a@123.example.com"},
		{"DigitTLDWithLetters", "a@example.a1", "a@example.a1"},
		{"Punycode", "ann@xn--bcher-kva.example", "ann@xn--bcher-kva.example"},
		{"PunycodeTLD", "ann@example.XN--P1AI", "ann@example.xn--p1ai"},
		{"SingleChars", "a@b.co", "a@b.co"},
		{"LongLocal", strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
		{"LongLabel", "a@" + strings.Repeat("b", 63) + ".com", "a@" + strings.Repeat("b", 63) + ".com"},
		{"LongTotal", long(254), long(254)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crm.NormalizeEmail(tt.raw)
			if err != nil {
				t.Fatalf("NormalizeEmail(%q): %v", tt.raw, err)
			}
			if got != tt.want {
				t.Fatalf("NormalizeEmail(%q) = %q; want %q", tt.raw, got, tt.want)
			}
			if again, err := crm.NormalizeEmail(got); err != nil || again != got {
				t.Errorf("NormalizeEmail(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

// long returns a valid address of n bytes (n at least 68): a 64-byte
// local part and a domain of 49-byte labels and a last one of 2 or more.
func long(n int) string {
	d := n - 65
	k := (d - 2) / 50
	return strings.Repeat("l", 64) + "@" + strings.Repeat(strings.Repeat("d", 49)+".", k) + strings.Repeat("t", d-50*k)
}

func TestEmailLongHelper(t *testing.T) {
	for _, n := range []int{68, 200, 254, 255} {
		if got := len(long(n)); got != n {
			t.Errorf("len(long(%d)) = %d", n, got)
		}
	}
}

func TestNormalizeEmailErrInvalid(t *testing.T) {
	tests := []struct {
		name, raw, reason string
	}{
		{"Empty", "", "empty"},
		{"Blank", "  \t", "empty"},
		{"NoAt", "ann.example.com", `missing "@"`},
		{"TwoAts", "ann@smith@example.com", `more than one "@"`},
		{"QuotedAt", `"ann@smith"@example.com`, `more than one "@"`},
		{"NoLocal", "@example.com", `nothing before "@"`},
		{"NoDomain", "ann@", `nothing after "@"`},
		{"NoDot", "a@b", "domain needs a dot"},
		{"LocalTooLong", strings.Repeat("a", 65) + "@example.com", "local part longer than 64 bytes"},
		{"LeadingDot", ".ann@example.com", "local part starts with a dot"},
		{"TrailingDot", "ann.@example.com", "local part ends with a dot"},
		{"DoubleDot", "ann..smith@example.com", "two dots in a row"},
		{"Space", "ann smith@example.com", "local part contains a space"},
		{"Tab", "ann\tsmith@example.com", "control character"},
		{"Quote", `"ann"@example.com`, `local part contains "\""`},
		{"Paren", "ann(work)@example.com", `local part contains "("`},
		{"Comma", "ann,bob@example.com", `local part contains ","`},
		{"Colon", "ann:x@example.com", `local part contains ":"`},
		{"Semicolon", "ann;@example.com", `local part contains ";"`},
		{"Angle", "Ann <ann@example.com>", "local part contains"},
		{"Bracket", "ann[1]@example.com", `local part contains "["`},
		{"Backslash", `ann\x@example.com`, `local part contains "\\"`},
		{"DomainDotStart", "ann@.example.com", "empty label"},
		{"DomainDotEnd", "ann@example.com.", "empty label"},
		{"DomainDoubleDot", "ann@example..com", "empty label"},
		{"LabelHyphenStart", "ann@-example.com", "starts or ends with a hyphen"},
		{"LabelHyphenEnd", "ann@example-.com", "starts or ends with a hyphen"},
		{"LabelTooLong", "a@" + strings.Repeat("b", 64) + ".com", "label longer than 63 bytes"},
		{"DomainUnderscore", "ann@ex_ample.com", `domain contains "_"`},
		{"DomainSpace", "ann@example .com", `domain contains " "`},
		{"IPLiteral", "ann@[192.0.2.1]", `domain contains "["`},
		{"IPAddress", "ann@192.0.2.10", "all digits"},
		{"IPAddressShort", "ann@192.0.2.1", "shorter than 2 characters"},
		{"ShortTLD", "ann@example.c", "shorter than 2 characters"},
		{"Unicode", "ann@bücher.example", "non-ASCII"},
		{"UnicodeLocal", "änn@example.com", "non-ASCII"},
		{"KelvinSign", "\u212a@example.com", "non-ASCII"},
		{"InvalidUTF8", "ann\xff@example.com", "non-ASCII"},
		{"TooLong", long(255), "longer than 254 bytes"},
		{"DomainTooLong", "a@" + strings.Repeat(strings.Repeat("d", 60)+".", 5) + "com", "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := crm.NormalizeEmail(tt.raw)
			if err == nil {
				t.Fatalf("NormalizeEmail(%q) = %q; want an error", tt.raw, got)
			}
			if !errors.Is(err, crm.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "crm: email ") || !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q; want it to start with %q and contain %q", msg, "crm: email ", tt.reason)
			}
			if got != "" {
				t.Errorf("result %q alongside an error; want \"\"", got)
			}
		})
	}
}

func TestNormalizeEmailMessage(t *testing.T) {
	_, err := crm.NormalizeEmail("a@b")
	if want := `crm: email "a@b": domain needs a dot: crm: invalid input`; err == nil || err.Error() != want {
		t.Errorf("NormalizeEmail(%q) error %v; want %q", "a@b", err, want)
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, seed := range []string{
		"ann@example.com",
		"Sales@Acme.Example",
		"  ann+crm@mail.example.co.uk ",
		"ann@xn--bcher-kva.example",
		"a@b",
		"a@b.c",
		"ann..smith@example.com",
		".ann@example.com",
		"ann@-example.com",
		"ann@192.0.2.1",
		"ann@[192.0.2.1]",
		`"ann smith"@example.com`,
		"ann@smith@example.com",
		"ann@bücher.example",
		"\u212a@example.com",
		"ann\xff@example.com",
		"@",
		"",
		long(254),
		long(255),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := crm.NormalizeEmail(raw)
		if err != nil {
			if !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("NormalizeEmail(%q): error %v does not wrap ErrInvalid", raw, err)
			}
			if got != "" {
				t.Fatalf("NormalizeEmail(%q) = %q alongside error %v", raw, got, err)
			}
			if !utf8.ValidString(err.Error()) {
				t.Fatalf("NormalizeEmail(%q): error message is not valid UTF-8: %q", raw, err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "crm: email ") || len(msg) > 512 {
				t.Fatalf("NormalizeEmail(%q): error %q does not name the email, or is too long", raw, msg)
			}
			return
		}
		if want := strings.ToLower(strings.TrimSpace(raw)); got != want {
			t.Fatalf("NormalizeEmail(%q) = %q; want %q, the address trimmed and lower-cased", raw, got, want)
		}
		local, domain, _ := strings.Cut(got, "@")
		if local == "" || len(local) > 64 || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") ||
			strings.Contains(local, "..") || strings.ContainsAny(local, "\"(),:;<>[\\]") {
			t.Fatalf("NormalizeEmail(%q) = %q; the local part breaks RFC 5321 dot-atom rules", raw, got)
		}
		labels := strings.Split(domain, ".")
		if len(labels) < 2 || len(domain) > 253 {
			t.Fatalf("NormalizeEmail(%q) = %q; want a domain of two labels or more", raw, got)
		}
		for _, l := range labels {
			if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				t.Fatalf("NormalizeEmail(%q) = %q; bad domain label %q", raw, got, l)
			}
		}
		if tld := labels[len(labels)-1]; len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
			t.Fatalf("NormalizeEmail(%q) = %q; bad top-level domain", raw, got)
		}
		if strings.Count(got, "@") != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q; want exactly one \"@\"", raw, got)
		}
		if got != strings.ToLower(got) {
			t.Fatalf("NormalizeEmail(%q) = %q; want lower case", raw, got)
		}
		if len(got) > 254 {
			t.Fatalf("NormalizeEmail(%q) = %q; want at most 254 bytes", raw, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] <= ' ' || got[i] > '~' {
				t.Fatalf("NormalizeEmail(%q) = %q; want printable ASCII only", raw, got)
			}
		}
		if again, err := crm.NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, but normalising that again gives %q, %v", raw, got, again, err)
		}
	})
}
