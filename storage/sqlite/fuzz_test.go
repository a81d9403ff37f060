package sqlite

import (
	"testing"
	"time"
)

// FuzzParseTime checks the decoding of time columns: a text the dialect
// accepts is a UTC time that TimeArg writes back as a text that reads as
// the same time (the text itself may differ: time.Parse also takes a
// one-digit hour or a comma before the fraction), and every time the
// Store writes (UTC, microseconds, years 0–9999) reads back unchanged.
func FuzzParseTime(f *testing.F) {
	for _, seed := range []struct {
		text string
		unix int64
	}{
		{"2025-01-02T10:11:23.123456Z", 0}, {"2025-01-02T10:11:23Z", 1}, {"2025-01-02 10:11:23.123456", -1},
		{"0000-01-01T00:00:00.000000Z", 253402300799}, {"9999-12-31T23:59:59.999999Z", -62167219200},
		{"2025-02-29T00:00:00.000000Z", 1 << 40}, {"2025-01-02T24:00:00.000000Z", 0}, {"", 0},
		{"2025-01-02T10:11:23.1234567Z", 0}, {"2025-01-02T10:11:23.123456+01:00", 0},
	} {
		f.Add(seed.text, seed.unix)
	}
	d := dialect{}
	f.Fuzz(func(t *testing.T, text string, micros int64) {
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
			written := d.TimeArg(got)
			if again, err := d.ParseTime(written); err != nil || !again.Equal(got) || d.TimeArg(again) != written {
				t.Fatalf("ParseTime(%q) = %v, which TimeArg writes as %q, which reads as %v, %v", text, got, written, again, err)
			}
		}
		// A time as the Store writes one, in the years TimeArg's layout holds.
		const span = 10000 * 366 * 24 * 3600 * 1e6
		at := time.UnixMicro(micros%span).AddDate(-1970, 0, 0).UTC()
		if y := at.Year(); y < 0 || y > 9999 {
			return
		}
		back, err := d.ParseTime(d.TimeArg(at))
		if err != nil || !back.Equal(at) {
			t.Fatalf("TimeArg(%v) = %q, which reads as %v, %v", at, d.TimeArg(at), back, err)
		}
	})
}
