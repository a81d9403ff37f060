// This file is /work/shared/bench/peers/rfm_go_loop (the "physical
// limit" reference: a plain hand-written single-threaded Go loop) without
// its main and CSV writer.

package main

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"time"
)

type orders struct {
	customer []int32
	at       []int64 // unix seconds
	cents    []int64
}

type segment struct {
	customer  int32
	recency   int64
	frequency int64
	monetary  int64 // cents
	r, f, m   int8
}

func rfm(o orders, asOf int64) []segment {
	var maxID int32
	for _, c := range o.customer {
		maxID = max(maxID, c)
	}
	// Dense per-customer accumulators indexed by customer id, one struct per
	// customer so that each order touches one cache line.
	type acc struct{ last, freq, sum int64 }
	accs := make([]acc, maxID+1)
	for i, c := range o.customer {
		a := &accs[c]
		if a.freq == 0 || o.at[i] > a.last {
			a.last = o.at[i]
		}
		a.freq++
		a.sum += o.cents[i]
	}
	segs := make([]segment, 0, len(accs))
	for c, a := range accs {
		if a.freq > 0 {
			segs = append(segs, segment{
				customer:  int32(c),
				recency:   (asOf - a.last) / 86400,
				frequency: a.freq,
				monetary:  a.sum,
			})
		}
	}
	n := len(segs)
	keys := make([]uint64, n)
	// score ranks segs by key with ties in customer_id order, which is
	// rank(method='first') since segs is in customer_id order, and sets
	// the quintile of each rank.
	score := func(key func(*segment) int64, set func(*segment, int8)) {
		lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
		for i := range segs {
			k := key(&segs[i])
			lo, hi = min(lo, k), max(hi, k)
		}
		const posBits = 24
		if n > 0 && uint64(hi-lo) < 1<<(64-posBits) && n < 1<<posBits {
			// Pack (key, position) into one uint64: a plain integer sort.
			for i := range segs {
				keys[i] = uint64(key(&segs[i])-lo)<<posBits | uint64(i)
			}
			slices.Sort(keys)
			for pos, k := range keys {
				set(&segs[k&(1<<posBits-1)], quintile(int64(pos+1), int64(n)))
			}
			return
		}
		idx := make([]int32, n)
		for i := range idx {
			idx[i] = int32(i)
		}
		slices.SortStableFunc(idx, func(a, b int32) int { return cmp.Compare(key(&segs[a]), key(&segs[b])) })
		for pos, i := range idx {
			set(&segs[i], quintile(int64(pos+1), int64(n)))
		}
	}
	score(func(s *segment) int64 { return -s.recency }, func(s *segment, v int8) { s.r = v }) // more recent: higher
	score(func(s *segment) int64 { return s.frequency }, func(s *segment, v int8) { s.f = v })
	score(func(s *segment) int64 { return s.monetary }, func(s *segment, v int8) { s.m = v })
	return segs
}

// quintile is pandas qcut(ranks, 5) for rank in 1..n: bin edges at
// 1 + (n-1)k/5, right-closed, lowest edge included.
func quintile(rank, n int64) int8 {
	if n <= 1 || rank <= 1 {
		return 1
	}
	num := 5 * (rank - 1)
	return int8((num + n - 2) / (n - 1)) // ceil(5(rank-1)/(n-1))
}

func readOrders(path string) (orders, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return orders{}, err
	}
	n := bytes.Count(data, []byte{'\n'})
	o := orders{customer: make([]int32, 0, n), at: make([]int64, 0, n), cents: make([]int64, 0, n)}
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || string(data[:nl]) != "order_id,customer_id,ordered_at,amount" {
		return o, fmt.Errorf("%s: unexpected header", path)
	}
	line := 1
	for rest := data[nl+1:]; len(rest) > 0; line++ {
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			nl = len(rest)
		}
		rec := rest[:nl]
		rest = rest[min(nl+1, len(rest)):]
		// order_id (unused), customer_id, ordered_at, amount
		c1 := bytes.IndexByte(rec, ',')
		c2 := c1 + 1 + bytes.IndexByte(rec[c1+1:], ',')
		c3 := c2 + 1 + bytes.IndexByte(rec[c2+1:], ',')
		if c1 < 0 || c2 <= c1 || c3 <= c2 {
			return o, fmt.Errorf("%s:%d: bad record", path, line+1)
		}
		cust, err := strconv.ParseInt(string(rec[c1+1:c2]), 10, 32)
		if err != nil {
			return o, fmt.Errorf("%s:%d: %w", path, line+1, err)
		}
		at, err := parseRFC3339Z(rec[c2+1 : c3])
		if err != nil {
			return o, fmt.Errorf("%s:%d: %w", path, line+1, err)
		}
		cents, err := parseCents(rec[c3+1:])
		if err != nil {
			return o, fmt.Errorf("%s:%d: %w", path, line+1, err)
		}
		o.customer = append(o.customer, int32(cust))
		o.at = append(o.at, at)
		o.cents = append(o.cents, cents)
	}
	return o, nil
}

// parseRFC3339Z parses the fixed form 2006-01-02T15:04:05Z.
func parseRFC3339Z(b []byte) (int64, error) {
	if len(b) != 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != 'Z' {
		t, err := time.Parse(time.RFC3339, string(b))
		return t.Unix(), err
	}
	d := func(i, n int) int {
		v := 0
		for _, c := range b[i : i+n] {
			v = v*10 + int(c-'0')
		}
		return v
	}
	days := daysFromCivil(d(0, 4), d(5, 2), d(8, 2))
	return days*86400 + int64(d(11, 2)*3600+d(14, 2)*60+d(17, 2)), nil
}

// daysFromCivil: days since 1970-01-01 of a proleptic Gregorian date
// (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era*146097 + doe - 719468)
}

// parseCents parses a non-negative decimal with at most 2 fraction digits.
func parseCents(b []byte) (int64, error) {
	var v int64
	frac := -1
	for _, c := range b {
		switch {
		case c == '.' && frac < 0:
			frac = 0
		case '0' <= c && c <= '9' && frac < 2:
			v = v*10 + int64(c-'0')
			if frac >= 0 {
				frac++
			}
		case c == '\r':
		default:
			return 0, fmt.Errorf("bad amount %q", b)
		}
	}
	for ; frac < 2; frac++ {
		if frac < 0 {
			frac = 0
		}
		v *= 10
	}
	return v, nil
}
