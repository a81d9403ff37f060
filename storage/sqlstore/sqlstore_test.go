package sqlstore

import (
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// TestFoldRune checks, for every rune, that foldRune maps it to a rune
// strings.EqualFold takes as equal, and that all the runes EqualFold takes
// as equal to it map to the same one: SearchKey(a) == SearchKey(b) exactly when
// EqualFold(a, b).
func TestFoldRune(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		f := foldRune(r)
		if !strings.EqualFold(string(r), string(f)) {
			t.Fatalf("foldRune(%U) = %U, which EqualFold does not match", r, f)
		}
		for o := unicode.SimpleFold(r); o != r; o = unicode.SimpleFold(o) {
			if foldRune(o) != f {
				t.Fatalf("foldRune(%U) = %U but foldRune(%U) = %U, and EqualFold matches them", r, f, o, foldRune(o))
			}
		}
	}
}

// TestFoldAgreesWithMatch checks that a prefix of the search key is what
// crm.CustomerFilter.Match finds, on names built from letters whose case
// rules are awkward and from bytes that are not UTF-8.
func TestFoldAgreesWithMatch(t *testing.T) {
	alphabet := []string{
		"a", "A", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ", "σ", "ς", "Σ", "İ", "ı", "i", "I",
		"é", "É", "e", "ǅ", "ǆ", "Ǆ", "%", "_", " ", "\xff", "\xc3", "\ufffd", "0", "\U0010ffff", "Ω", "ω", "\u2126",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	// A prefix of s with each rune replaced, half the time, by another
	// of its case: the searches most likely to match.
	recase := func(s string, n int) string {
		var b strings.Builder
		for i, r := range []rune(s) {
			if i == n {
				break
			}
			if rng.IntN(2) == 0 {
				r = unicode.SimpleFold(r)
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	for i := range 200_000 {
		name := word(rng.IntN(6))
		var search string
		if i%2 == 0 {
			search = recase(name, 1+rng.IntN(5))
		} else {
			search = word(1 + rng.IntN(3))
		}
		if search == "" {
			continue
		}
		f := crm.CustomerFilter{Search: search}
		want := f.Match(&crm.Customer{Name: name})
		got := strings.HasPrefix(SearchKey(name), SearchKey(search))
		if got != want {
			t.Fatalf("name %q, search %q: Match says %v, the search key says %v", name, search, want, got)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"":                "",
		"ACME":            "ACME",
		"acme Ltd":        "ACME LTD",
		"Zoë Ålander":     "ZOË ÅLANDER",
		"100% organic_x":  "100% ORGANIC_X",
		"bad \xff byte":   "BAD \ufffd BYTE",
		"\u212a\u017fß":   "KS" + string(foldRune('ß')),
		"σς":              strings.Repeat(string(foldRune('Σ')), 2),
		"sales@acme.test": "SALES@ACME.TEST",
	} {
		assert.Equal(t, want, SearchKey(in), "SearchKey(%q)", in)
	}
}

// TestPrefixEnd checks that the range [p, prefixEnd(p)) holds exactly the
// strings that start with p, compared bytewise.
func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		prefix, end string
		ok          bool
	}{
		{"ACME", "ACMF", true},
		{"A\U0010ffff", "B", true},
		{"\U0010ffff\U0010ffff", "", false},
		{"", "", false},
		{"x\ud7ff", "x\ue000", true},
	} {
		end, ok := prefixEnd(tc.prefix)
		assert.Equal(t, tc.ok, ok, "prefixEnd(%q)", tc.prefix)
		assert.Equal(t, tc.end, end, "prefixEnd(%q)", tc.prefix)
	}

	runes := []rune{'A', 'B', 'Z', 0x7f, 0x80, 0xff, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x10ffff}
	rng := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string {
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = runes[rng.IntN(len(runes))]
		}
		return string(rs)
	}
	for range 100_000 {
		p := word(1 + rng.IntN(3))
		s := word(rng.IntN(5))
		if rng.IntN(2) == 0 {
			s = p + s
		}
		end, ok := prefixEnd(p)
		inRange := s >= p && (!ok || s < end)
		if inRange != strings.HasPrefix(s, p) {
			t.Fatalf("prefix %q, string %q: in range [%q, %q) is %v", p, s, p, end, inRange)
		}
	}
}

func TestRangePrefixMatch(t *testing.T) {
	cond, args := RangePrefixMatch("name_fold", "AB")
	assert.Equal(t, "(name_fold >= ? AND name_fold < ?)", cond)
	assert.Equal(t, []any{"AB", "AC"}, args)

	cond, args = RangePrefixMatch("name_fold", "\U0010ffff")
	assert.Equal(t, "name_fold >= ?", cond)
	assert.Equal(t, []any{"\U0010ffff"}, args)
}

func TestRebindDollar(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                              "SELECT 1",
		"a = ? AND b = ?":                       "a = $1 AND b = $2",
		"a = '?' AND b = ? AND \"c?\" = ?":      "a = '?' AND b = $1 AND \"c?\" = $2",
		"x IN (?, ?, ?) LIMIT ?":                "x IN ($1, $2, $3) LIMIT $4",
		"a = 'it''s ?' AND b = ?":               "a = 'it''s ?' AND b = $1",
		"INSERT INTO t VALUES (?, ?), (?, ?)":   "INSERT INTO t VALUES ($1, $2), ($3, $4)",
		"name_fold >= ? AND name_fold < ?":      "name_fold >= $1 AND name_fold < $2",
		"SELECT '?' FROM t WHERE id = ? -- end": "SELECT '?' FROM t WHERE id = $1 -- end",
	} {
		assert.Equal(t, want, RebindDollar(in), "RebindDollar(%q)", in)
	}
}

func TestMigrations(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		ms, err := migrations(fstest.MapFS{
			"0010_later.sql":    {Data: []byte("-- later")},
			"0002_contacts.sql": {Data: []byte("-- contacts")},
			"0001_first.sql":    {Data: []byte("-- first")},
			"README.md":         {Data: []byte("not a migration")},
		})
		require.NoError(t, err)
		assert.Equal(t, []migration{{1, "0001_first.sql"}, {2, "0002_contacts.sql"}, {10, "0010_later.sql"}}, ms)
	})
	t.Run("NoVersion", func(t *testing.T) {
		_, err := migrations(fstest.MapFS{"customers.sql": {}})
		assert.Error(t, err)
	})
	t.Run("ZeroVersion", func(t *testing.T) {
		_, err := migrations(fstest.MapFS{"0000_init.sql": {}})
		assert.Error(t, err)
	})
	t.Run("SameVersion", func(t *testing.T) {
		_, err := migrations(fstest.MapFS{"0001_a.sql": {}, "1_b.sql": {}})
		assert.Error(t, err)
	})
}

func TestPageLimit(t *testing.T) {
	for in, want := range map[int]int{0: crm.DefaultPageLimit, 1: 1, crm.MaxPageLimit: crm.MaxPageLimit, crm.MaxPageLimit + 1: crm.MaxPageLimit} {
		got, err := pageLimit(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, "pageLimit(%d)", in)
	}
	_, err := pageLimit(-1)
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

func TestInList(t *testing.T) {
	assert.Equal(t, "(?)", inList(1))
	assert.Equal(t, "(?, ?, ?)", inList(3))
}

func TestInsertTarget(t *testing.T) {
	for _, tc := range []struct {
		head, table string
		ncols       int
	}{
		{insertCustomersHead, "customers", 41},
		{insertCustomerEmails, "customer_emails", 7},
		{insertCustomerPhones, "customer_phones", 6},
		{insertCustomerTags, "customer_tags", 4},
	} {
		table, columns := insertTarget(tc.head)
		assert.Equal(t, tc.table, table)
		assert.Len(t, columns, tc.ncols, "columns of %s", tc.table)
		for _, col := range columns {
			assert.Regexp(t, `^[a-z_]+$`, col, "a column of %s", tc.table)
		}
	}
	table, columns := insertTarget(insertCustomerTags)
	assert.Equal(t, "customer_tags", table)
	assert.Equal(t, []string{"tenant_id", "customer_id", "position", "tag"}, columns)
}
