// Package gen writes a deterministic synthetic customers.csv for the
// import benchmarks: the same options always give byte-identical output.
//
// It is adapted from the team's earlier harness (shared/bench/gen, which
// also writes orders.csv). The random draws per customer are the same, in
// the same order, so with UniquePhones off the file is byte-identical to
// that generator's customers.csv for the same seed, size, as-of date and
// years. UniquePhones (the default of cmd/gen and cmd/importbench) replaces
// only the seven random phone digits by a bijection of the customer ID, so
// that no two customers share a phone number: with random digits about 5%
// of a million customers share a number with an earlier one, and an
// import that checks duplicates (as crm's does by default) would rightly
// skip them, so the paths would no longer store the same rows.
//
// Columns: id,name,email,phone,region,industry,created_at. IDs run from 1
// to n; every email is unique (it contains the ID); names repeat (30 first
// names × 30 last names, some with non-ASCII letters and an apostrophe);
// created_at is RFC 3339 UTC within the Years before AsOf, with sign-ups
// rising over time.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// The name, region and industry tables customers are drawn from, with
// the weights of the regions and industries.
var (
	FirstNames = []string{"Ada", "Alan", "Barbara", "Carlos", "Chen", "Dana", "Elena", "Farah", "Grace", "Hiro",
		"Ines", "Jamal", "Kofi", "Lena", "Maria", "Nikhil", "Olga", "Pedro", "Qing", "Rosa",
		"Sven", "Tariq", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno"}
	LastNames = []string{"Smith", "Garcia", "Nguyen", "Kim", "Müller", "Rossi", "Silva", "Okafor", "Ivanova", "Tanaka",
		"Dubois", "Kowalski", "Haddad", "Jensen", "Novak", "Costa", "Patel", "Cohen", "Larsen", "O'Brien",
		"Schmidt", "Yilmaz", "Moreau", "Andersson", "Nakamura", "Fernández", "Mensah", "Popescu", "Lindqvist", "Chowdhury"}
	Regions         = []string{"NA-East", "NA-West", "LATAM", "EMEA-North", "EMEA-South", "APAC", "ANZ"}
	RegionWeights   = []float64{0.22, 0.18, 0.10, 0.17, 0.13, 0.15, 0.05}
	Industries      = []string{"Retail", "Software", "Manufacturing", "Healthcare", "Finance", "Education", "Logistics", "Hospitality", "Energy", "Media"}
	IndustryWeights = []float64{0.20, 0.15, 0.12, 0.10, 0.10, 0.08, 0.08, 0.07, 0.05, 0.05}
)

// Header is the first line of the file.
const Header = "id,name,email,phone,region,industry,created_at"

// churnShare is the earlier harness's default share of churning
// customers; it decides which random draws are made, so it is fixed here
// to keep that harness's byte sequence.
const churnShare = 0.6

// maxUniquePhones is how many distinct numbers +1-555-XXX-XXXX has.
const maxUniquePhones = 10_000_000

// Options say what to write. The zero AsOf means 2026-06-30; zero Years
// means 2.
type Options struct {
	Customers    int
	Seed         uint64
	AsOf         time.Time
	Years        int
	UniquePhones bool
}

func (o *Options) defaults() error {
	if o.AsOf.IsZero() {
		o.AsOf = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	}
	if o.Years == 0 {
		o.Years = 2
	}
	switch {
	case o.Customers <= 0:
		return fmt.Errorf("gen: need at least one customer, have %d", o.Customers)
	case o.Years < 0:
		return fmt.Errorf("gen: years %d: must be positive", o.Years)
	case o.UniquePhones && o.Customers > maxUniquePhones:
		return fmt.Errorf("gen: %d customers: unique phone numbers only up to %d", o.Customers, maxUniquePhones)
	}
	return nil
}

// WriteCustomers writes the customers CSV, header first, to w.
func WriteCustomers(w io.Writer, o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(Header + "\n")
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	end := o.AsOf.Unix()
	start := o.AsOf.AddDate(-o.Years, 0, 0).Unix()
	span := end - start
	var b []byte
	for i := range o.Customers {
		id := i + 1
		fn := FirstNames[rng.IntN(len(FirstNames))]
		ln := LastNames[rng.IntN(len(LastNames))]
		// Sign-ups grow over time: density rising linearly (sqrt of uniform).
		created := start + int64(math.Sqrt(rng.Float64())*float64(span-86400))
		// These draws feed only orders.csv in the earlier harness (churn,
		// lifetime, spend level, purchase weight); they are made so that
		// the byte sequence stays the same.
		if rng.Float64() < churnShare {
			_ = rng.ExpFloat64()
		}
		_ = rng.NormFloat64()
		_ = rng.Float64()

		b = b[:0]
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, ',')
		b = AppendCSV(b, fn+" "+ln)
		b = append(b, ',')
		b = append(b, Lower(fn)...)
		b = append(b, '.')
		b = append(b, Lower(ASCII(ln))...)
		b = append(b, '.')
		b = strconv.AppendInt(b, int64(id), 10)
		b = append(b, "@example.com,+1-555-"...)
		exchange, line := rng.IntN(1000), rng.IntN(10000)
		if o.UniquePhones {
			p := uniquePhone(id)
			exchange, line = p/10000, p%10000
		}
		b = AppendPad(b, exchange, 3)
		b = append(b, '-')
		b = AppendPad(b, line, 4)
		b = append(b, ',')
		b = append(b, Pick(rng, Regions, RegionWeights)...)
		b = append(b, ',')
		b = append(b, Pick(rng, Industries, IndustryWeights)...)
		b = append(b, ',')
		b = time.Unix(created, 0).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// WriteFile writes the customers CSV to path through a temporary file in
// the same directory, so that an interrupted run never leaves a partial
// file behind under path.
func WriteFile(path string, o Options) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".gen-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := WriteCustomers(f, o); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// uniquePhone maps id (1..10^7) to a distinct 7-digit number:
// id·a + b mod 10^7 is a bijection because a is prime to 10^7.
func uniquePhone(id int) int {
	const a, b = 7_654_321, 1_234_567
	return int((int64(id)*a + b) % maxUniquePhones)
}

// Pick draws one of items with the weights w.
func Pick(rng *rand.Rand, items []string, w []float64) string {
	u := rng.Float64()
	for i, p := range w {
		if u < p {
			return items[i]
		}
		u -= p
	}
	return items[len(items)-1]
}

// AppendPad appends v to b in decimal, padded with zeros to width digits.
func AppendPad(b []byte, v, width int) []byte {
	s := strconv.Itoa(v)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// AppendCSV appends s to b as a CSV field, quoted when it holds a comma or a quote.
func AppendCSV(b []byte, s string) []byte {
	need := false
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '"' {
			need = true
			break
		}
	}
	if !need {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// Lower lower-cases the ASCII letters of s.
func Lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// ASCII drops non-ASCII letters and apostrophes for the e-mail local part.
func ASCII(s string) string {
	var b []byte
	for _, r := range s {
		switch {
		case r == 'ü':
			b = append(b, 'u')
		case r == 'á':
			b = append(b, 'a')
		case r < 128 && r != '\'':
			b = append(b, byte(r))
		}
	}
	return string(b)
}
