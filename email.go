package crm

import (
	"fmt"
	"strings"
)

// Bounds on the parts of an email address (RFC 5321 section 4.5.3.1).
const (
	emailMaxLocal  = 64
	emailMaxDomain = 253
	emailMaxLabel  = 63
	emailMaxTotal  = 254
)

// NormalizeEmail reduces an email address to a canonical form and checks
// that it is plausible. It trims surrounding white space and lower-cases
// the whole address (local part included: nearly every mail system treats
// it case-insensitively, and duplicate detection needs one spelling), then
// requires:
//
//   - exactly one "@", with at most 254 bytes in all;
//   - a local part of 1 to 64 bytes of printable ASCII, without spaces,
//     without any of the characters "(),:;<>[\] and without a dot at its
//     start, at its end or next to another dot (so no quoted local parts);
//   - a domain of 1 to 253 bytes of at least two labels separated by dots,
//     each label 1 to 63 bytes of a–z, 0–9 and "-", not starting or ending
//     with "-", and a last label (the top-level domain) of at least two
//     characters that are not all digits (so no IP-address literals).
//
// Internationalised domain names are accepted only in their ASCII
// (punycode) form, such as "xn--bcher-kva.example"; "bücher.example" is
// refused, as is any other non-ASCII character. Convert with
// golang.org/x/net/idna first if needed.
//
// Errors wrap [ErrInvalid] and name the problem, such as
// `crm: email "a@b": domain needs a dot`. NormalizeEmail never panics, and
// is idempotent: normalising its result again returns it unchanged.
func NormalizeEmail(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("crm: email %s: %s: %w", quoteInput(raw), fmt.Sprintf(format, args...), ErrInvalid)
	}
	if s == "" {
		return fail("empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return fail("non-ASCII character (write an internationalised domain in its xn-- form)")
		}
	}
	s = strings.ToLower(s) // ASCII only, so no byte changes meaning or length
	switch n := strings.Count(s, "@"); {
	case n == 0:
		return fail(`missing "@"`)
	case n > 1:
		return fail(`more than one "@"`)
	}
	if len(s) > emailMaxTotal {
		return fail("longer than %d bytes", emailMaxTotal)
	}
	local, domain, _ := strings.Cut(s, "@")

	switch {
	case local == "":
		return fail(`nothing before "@"`)
	case len(local) > emailMaxLocal:
		return fail("local part longer than %d bytes", emailMaxLocal)
	case local[0] == '.':
		return fail("local part starts with a dot")
	case local[len(local)-1] == '.':
		return fail("local part ends with a dot")
	case strings.Contains(local, ".."):
		return fail("local part has two dots in a row")
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		switch {
		case c == ' ':
			return fail("local part contains a space")
		case c < 0x21 || c > 0x7e:
			return fail("local part contains control character %q", string(rune(c)))
		case strings.IndexByte(`"(),:;<>[\]`, c) >= 0:
			return fail("local part contains %q", string(rune(c)))
		}
	}

	switch {
	case domain == "":
		return fail(`nothing after "@"`)
	case len(domain) > emailMaxDomain:
		return fail("domain longer than %d bytes", emailMaxDomain)
	case !strings.Contains(domain, "."):
		return fail("domain needs a dot")
	}
	labels := strings.Split(domain, ".")
	for _, label := range labels {
		switch {
		case label == "":
			return fail("domain has an empty label")
		case len(label) > emailMaxLabel:
			return fail("domain label longer than %d bytes", emailMaxLabel)
		case label[0] == '-' || label[len(label)-1] == '-':
			return fail("domain label %q starts or ends with a hyphen", label)
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return fail("domain contains %q", string(rune(c)))
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 {
		return fail("top-level domain %q shorter than 2 characters", tld)
	}
	if strings.Trim(tld, "0123456789") == "" {
		return fail("top-level domain %q is all digits", tld)
	}
	return s, nil
}
