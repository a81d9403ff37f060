// Package rows is the machine-readable output of the benchmark programs:
// each program given -rows FILE appends one JSON object a line per path
// measured, and cmd/proof reads them all into one table.
package rows

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// Row is one path of one comparison at one size.
type Row struct {
	// Comparison names what is compared ("import, SQLite"); the rows of a
	// comparison at a size share one baseline.
	Comparison string  `json:"comparison"`
	Path       string  `json:"path"`
	Size       string  `json:"size"` // "100,000 customers"
	Seconds    float64 `json:"seconds"`
	// Baseline marks the row the others of its comparison and size are
	// measured against.
	Baseline bool `json:"baseline,omitempty"`
	// RSSKiB is the peak resident set of the path's own process (KiB), 0
	// when the path shared its process with others.
	RSSKiB int64 `json:"rss_kib,omitempty"`
	// HeapBytes is the most the live heap grew while the path ran, where
	// the program samples it.
	HeapBytes uint64 `json:"heap_bytes,omitempty"`
	// Check is the program's check of the path's results against the
	// baseline's ("equal", or what differs); empty when not checked.
	Check string `json:"check,omitempty"`
	Note  string `json:"note,omitempty"`
	// Failed says why the path has no figures.
	Failed string `json:"failed,omitempty"`
}

// Append adds rs to the file, one JSON object a line; with file "" it
// does nothing.
func Append(file string, rs ...Row) error {
	if file == "" || len(rs) == 0 {
		return nil
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// Read returns the rows in file, in order.
func Read(file string) ([]Row, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var r Row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// Count formats n with thousands separators: 10,000,000.
func Count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
