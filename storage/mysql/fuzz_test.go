package mysql

import (
	"testing"
	"time"

	"github.com/crmkit/crm"
)

// FuzzParseTime checks the decoding of DATETIME(6) columns read as text:
// a text the dialect accepts is a UTC time which, at the microsecond
// precision the Store keeps (crm.Timestamp), formats back in the layout
// MySQL writes as a text that reads as the same time.
func FuzzParseTime(f *testing.F) {
	for _, seed := range []string{
		"2025-01-02 10:11:23.123456", "2025-01-02 10:11:23", "2025-01-02 10:11:23.1", "2025-01-02T10:11:23",
		"0000-00-00 00:00:00", "9999-12-31 23:59:59.999999", "2025-01-02 10:11:23.1234567", "", "2025-02-29 00:00:00",
	} {
		f.Add(seed)
	}
	d := dialect{}
	f.Fuzz(func(t *testing.T, text string) {
		for _, src := range []any{text, []byte(text)} {
			got, err := d.ParseTime(src)
			if err != nil {
				if got != (time.Time{}) {
					t.Fatalf("ParseTime(%q) = %v alongside error %v", text, got, err)
				}
				continue
			}
			if got.Location() != time.UTC {
				t.Fatalf("ParseTime(%q) = %v, not in UTC", text, got)
			}
			got = crm.Timestamp(got) // as the Store's timeScanner keeps it
			written := got.Format(dateTimeLayout)
			back, err := d.ParseTime(written)
			if err != nil || !back.Equal(got) {
				t.Fatalf("ParseTime(%q) = %v, written %q, read back as %v, %v", text, got, written, back, err)
			}
			if arg, ok := d.TimeArg(got).(time.Time); !ok || !arg.Equal(got) {
				t.Fatalf("TimeArg(%v) = %v", got, d.TimeArg(got))
			}
		}
	})
}
