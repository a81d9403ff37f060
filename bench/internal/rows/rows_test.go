package rows

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestAppendRead(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rows")
	a := Row{Comparison: "c", Path: "p", Size: "1 row", Seconds: 1.5, Baseline: true, RSSKiB: 10}
	b := Row{Comparison: "c", Path: "q", Size: "1 row", Seconds: 3, HeapBytes: 7, Check: "equal"}
	if err := Append(file, a); err != nil {
		t.Fatal(err)
	}
	if err := Append(file, b); err != nil {
		t.Fatal(err)
	}
	if err := Append("", a); err != nil {
		t.Fatal(err)
	}
	got, err := Read(file)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Row{a, b}; !reflect.DeepEqual(got, want) {
		t.Errorf("Read = %+v, want %+v", got, want)
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 2357: "2,357", 10_000_000: "10,000,000"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
