package crm

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// MatchRule names why two customers look like one.
type MatchRule string

// Match rules, strongest first.
const (
	// MatchID: the same ID; only an import, whose rows may carry IDs,
	// matches on it.
	MatchID MatchRule = "id"
	// MatchTaxID: the same tax or registration ID.
	MatchTaxID MatchRule = "tax_id"
	// MatchEmail: a shared email address.
	MatchEmail MatchRule = "email"
	// MatchPhone: a shared phone number.
	MatchPhone MatchRule = "phone"
	// MatchName: similar names in the same region.
	MatchName MatchRule = "name"
)

// MatchReason is one piece of evidence that two customers are the same.
type MatchReason struct {
	Rule MatchRule
	// Value is what matched: the shared address, number or ID, or for a
	// name match the two normalised names, "acme" ~ "acme co".
	Value string
	// Score is 1 for an exact match and the Jaro-Winkler similarity of
	// the normalised names for a name match.
	Score float64
}

// DuplicateMatch is a candidate judged to be the same customer.
type DuplicateMatch struct {
	// Customer is the candidate.
	Customer *Customer
	// Score is the highest score among the reasons.
	Score float64
	// Reasons lists every rule that matched, strongest first.
	Reasons []MatchReason
}

// DuplicateRules configure duplicate detection.
type DuplicateRules struct {
	// NameThreshold is the Jaro-Winkler similarity, between 0 and 1, at
	// or above which two normalised names in the same region match. Zero
	// turns fuzzy name matching off.
	NameThreshold float64
	// AnyRegion compares names across regions too. By default only
	// customers with the same Region are compared by name, which keeps
	// "Smith Ltd" in the north apart from "Smith Ltd" in the south.
	AnyRegion bool
}

// DefaultNameThreshold is the name similarity the default rules require.
// At 0.92, "Jon Smith" matches "John Smith" (0.97) and "Acme Corp" matches
// "ACME Corporation" (1, legal forms are dropped), while "Acme" and "Apex"
// (0.70) or "Jon Smith" and "Joan Smyth" (0.917) stay apart.
const DefaultNameThreshold = 0.92

// DefaultDuplicateRules returns the rules a Client uses unless told
// otherwise: exact email, phone and tax ID, and names at
// [DefaultNameThreshold] within one region.
func DefaultDuplicateRules() DuplicateRules {
	return DuplicateRules{NameThreshold: DefaultNameThreshold}
}

// FindDuplicates returns the candidates that look like the same customer
// as c, best match first (ties by ID). A candidate matches on an equal
// email address (ignoring case), phone number (ignoring formatting) or tax
// ID (ignoring case, spaces, dots, dashes and slashes), or on a name whose
// normalised form — lower case, punctuation dropped, "&" read as "and",
// legal forms such as Ltd, Inc, GmbH and Corporation removed — is at least
// rules.NameThreshold similar by Jaro-Winkler, within the same region
// unless rules.AnyRegion. Candidates with c's ID are skipped, so c may be a
// stored customer. It is a pure function: the Client gathers the
// candidates from its store.
func FindDuplicates(c *Customer, candidates []*Customer, rules DuplicateRules) []DuplicateMatch {
	if c == nil {
		return nil
	}
	k := newMatchKeys(c)
	var out []DuplicateMatch
	for _, cand := range candidates {
		if cand == nil || (c.ID != "" && cand.ID == c.ID) {
			continue
		}
		if reasons := k.match(newMatchKeys(cand), rules); len(reasons) > 0 {
			out = append(out, DuplicateMatch{Customer: cand, Score: reasons[0].Score, Reasons: reasons})
		}
	}
	sortMatches(out)
	return out
}

// sortMatches orders matches best first, ties by ID.
func sortMatches(ms []DuplicateMatch) {
	slices.SortStableFunc(ms, func(a, b DuplicateMatch) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.Customer.ID, b.Customer.ID)
	})
}

// matchKeys holds the comparable forms of one customer.
type matchKeys struct {
	emails []string
	phones []string
	taxID  string
	name   string
	region string
}

func newMatchKeys(c *Customer) matchKeys {
	k := matchKeys{
		taxID:  taxKey(c.TaxID),
		name:   NameKey(c.Name),
		region: strings.TrimSpace(c.Region),
	}
	for _, e := range c.Emails {
		if a := strings.ToLower(strings.TrimSpace(e.Address)); a != "" {
			k.emails = append(k.emails, a)
		}
	}
	for _, p := range c.Phones {
		if n := phoneKey(p.Number); n != "" {
			k.phones = append(k.phones, n)
		}
	}
	return k
}

func (k matchKeys) match(o matchKeys, rules DuplicateRules) []MatchReason {
	var rs []MatchReason
	if k.taxID != "" && k.taxID == o.taxID {
		rs = append(rs, MatchReason{Rule: MatchTaxID, Value: k.taxID, Score: 1})
	}
	for _, e := range k.emails {
		if slices.Contains(o.emails, e) {
			rs = append(rs, MatchReason{Rule: MatchEmail, Value: e, Score: 1})
		}
	}
	for _, p := range k.phones {
		if slices.Contains(o.phones, p) {
			rs = append(rs, MatchReason{Rule: MatchPhone, Value: p, Score: 1})
		}
	}
	if rules.NameThreshold > 0 && k.name != "" && o.name != "" && (rules.AnyRegion || k.region == o.region) {
		if s := JaroWinkler(k.name, o.name); s >= rules.NameThreshold {
			rs = append(rs, MatchReason{Rule: MatchName, Value: fmt.Sprintf("%q ~ %q", k.name, o.name), Score: s})
		}
	}
	return rs
}

// legalForms are words naming a company's legal form, dropped from names
// before comparing them.
var legalForms = map[string]bool{
	"ab": true, "ag": true, "as": true, "bv": true, "co": true, "company": true,
	"corp": true, "corporation": true, "gmbh": true, "inc": true, "incorporated": true,
	"kg": true, "limited": true, "llc": true, "llp": true, "lp": true, "ltd": true,
	"nv": true, "oy": true, "plc": true, "pty": true, "sa": true, "sarl": true,
	"sas": true, "spa": true, "srl": true,
}

// NameKey returns the form of a name that duplicate detection compares:
// lower case, "&" read as "and", every other non-letter, non-digit treated
// as a space, dots and apostrophes inside words closed up ("S.p.A." →
// "spa", "O'Neil" → "oneil"), legal-form words (ltd, inc, gmbh,
// corporation, …) dropped from the end ("Acme Co Ltd" → "acme", but "The
// Company Store" keeps "company"), and single spaces between words. A name
// made only of legal-form words keeps them.
func NameKey(name string) string {
	var words []string
	var w strings.Builder
	flush := func() {
		if w.Len() > 0 {
			words = append(words, w.String())
			w.Reset()
		}
	}
	for _, r := range strings.ToLower(name) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			w.WriteRune(r)
		case r == '.' || r == '\'' || r == '’':
			// "S.p.A." and "O'Neil" stay one word.
		case r == '&':
			flush()
			words = append(words, "and")
		default:
			flush()
		}
	}
	flush()
	n := len(words)
	for n > 0 && legalForms[words[n-1]] {
		n--
	}
	if n == 0 {
		n = len(words)
	}
	return strings.Join(words[:n], " ")
}

// taxKey canonicalises a tax or registration ID for comparison.
func taxKey(id string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '/', '\t':
			return -1
		}
		return unicode.ToUpper(r)
	}, id)
}

// phoneKey keeps a leading "+" and the digits.
func phoneKey(n string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(n) {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() < 4 {
		return ""
	}
	return b.String()
}

// JaroWinkler returns the Jaro-Winkler similarity of a and b, from 0
// (nothing in common) to 1 (equal), comparing runes. It uses the standard
// prefix scale 0.1 over at most four leading runes, applied whatever the
// Jaro score.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	window := max(len(rb)/2-1, 0)
	matchA := make([]bool, len(ra))
	matchB := make([]bool, len(rb))
	matches := 0
	for i, r := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !matchB[j] && rb[j] == r {
				matchA[i], matchB[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i, ok := range matchA {
		if !ok {
			continue
		}
		for !matchB[j] {
			j++
		}
		if ra[i] != rb[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < min(4, len(ra)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}

// DuplicateError reports that a new customer looks like existing ones. It
// matches [ErrDuplicate] with [errors.Is].
type DuplicateError struct {
	// Matches are the existing customers, best first.
	Matches []DuplicateMatch
}

// Error names the best match and why it matched.
func (e *DuplicateError) Error() string {
	if len(e.Matches) == 0 {
		return "crm: likely duplicate customer"
	}
	m := e.Matches[0]
	var why []string
	for _, r := range m.Reasons {
		why = append(why, fmt.Sprintf("%s %s (%.2f)", r.Rule, r.Value, r.Score))
	}
	s := fmt.Sprintf("crm: likely duplicate of customer %s %q: %s", m.Customer.ID, m.Customer.Name, strings.Join(why, ", "))
	if n := len(e.Matches) - 1; n > 0 {
		s += fmt.Sprintf(" (and %d more)", n)
	}
	return s
}

// Is reports whether target is [ErrDuplicate].
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }
