package memory

import (
	"errors"
	"testing"

	"github.com/crmkit/crm"
)

// FuzzParseChangeCursor checks that a change cursor names the record and
// version it was made for, whatever the ID holds, that every other text
// is refused with crm.ErrInvalid, and that what a text names makes a
// cursor that names the same.
func FuzzParseChangeCursor(f *testing.F) {
	f.Add("12:cust-1", "cust-1", int64(12))
	f.Add("", "", int64(0))
	f.Add("+12:a", "a:b", int64(-1))
	f.Add("012:a", "\xff", int64(1<<62))
	f.Add(":a", "", int64(-9223372036854775808))
	f.Add("99999999999999999999:a", "a", int64(0))
	f.Fuzz(func(t *testing.T, cursor, id string, version int64) {
		gotID, gotVersion, err := parseChangeCursor(changeCursor(id, version))
		if err != nil || gotID != id || gotVersion != version {
			t.Fatalf("changeCursor(%q, %d) reads as %q, %d, %v", id, version, gotID, gotVersion, err)
		}
		id2, v2, err := parseChangeCursor(crm.Cursor(cursor))
		if err != nil {
			if !errors.Is(err, crm.ErrInvalid) {
				t.Fatalf("parseChangeCursor(%q): error %v does not wrap ErrInvalid", cursor, err)
			}
			return
		}
		if cursor == "" {
			return
		}
		if id3, v3, err := parseChangeCursor(changeCursor(id2, v2)); err != nil || id3 != id2 || v3 != v2 {
			t.Fatalf("parseChangeCursor(%q) = %q, %d, which makes a cursor that reads as %q, %d, %v", cursor, id2, v2, id3, v3, err)
		}
	})
}
