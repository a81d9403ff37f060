package sqlstore

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchKey returns the search key of s, the text kept in the name_fold
// and address_fold columns and searched for by CustomerFilter.Search, which
// a program writing the tables itself must store: every rune of s
// replaced by the least rune of its Unicode simple case-folding orbit (the runes [unicode.SimpleFold] cycles through: 'a' and 'A' both
// become 'A'; 'k', 'K' and the Kelvin sign become 'K'), and every byte
// that is not valid UTF-8 replaced by U+FFFD.
//
// Two runes fold alike exactly when [strings.EqualFold] says they are
// equal, so SearchKey(s) starts with SearchKey(p) exactly when
// crm.CustomerFilter.Match finds that s starts with p ignoring case: Match
// compares rune by rune with EqualFold, and decodes a bad byte as U+FFFD
// as SearchKey does. Simple folding maps one rune to one rune, so a search
// never matches across a change of length (ß does not match "ss"), and
// accents are kept (É does not match E), as Match has it.
func SearchKey(s string) string {
	i := 0
	for i < len(s) { // fast path: nothing to change
		c := s[i]
		if c >= utf8.RuneSelf || 'a' <= c && c <= 'z' {
			break
		}
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for _, r := range s[i:] { // a bad byte comes as utf8.RuneError
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune returns the least rune of r's simple case-folding orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}
