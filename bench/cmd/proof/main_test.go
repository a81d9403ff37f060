package main

import "testing"

func TestBenchLine(t *testing.T) {
	for line, want := range map[string][]string{
		"BenchmarkCreate/store-2         \t  170342\t      6780 ns/op\t    2540 B/op\t       6 allocs/op":  {"Create", "store", "6780", "2540", "6"},
		"BenchmarkGet/map-copy-parallel-2 \t 1000000\t      3.5 ns/op\t       0 B/op\t       0 allocs/op":  {"Get", "map-copy-parallel", "3.5", "0", "0"},
		"BenchmarkUpdate/map-nocopy       \t  100000\t       104 ns/op\t       0 B/op\t       0 allocs/op": {"Update", "map-nocopy", "104", "0", "0"},
	} {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("%q: no match", line)
			continue
		}
		for i, w := range want {
			if m[i+1] != w {
				t.Errorf("%q: group %d = %q, want %q", line, i+1, m[i+1], w)
			}
		}
	}
}
