// Command gen writes a deterministic synthetic customers.csv
// (id,name,email,phone,region,industry,created_at) for the import
// benchmark: the same flags always give byte-identical files. See package
// internal/gen for the data.
//
//	go run ./cmd/gen -n 1000000 -seed 1 -out data/customers.csv
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/crmkit/crm/bench/internal/gen"
)

func main() {
	var (
		n      = flag.Int("n", 100_000, "number of customers")
		seed   = flag.Uint64("seed", 1, "random seed")
		out    = flag.String("out", "data/customers.csv", "output file")
		asOf   = flag.String("asof", "2026-06-30", "as-of date (UTC, YYYY-MM-DD); every created_at is before it")
		years  = flag.Int("years", 2, "every created_at lies within this many years before -asof")
		unique = flag.Bool("unique-phones", true, "give every customer its own phone number; false reproduces shared/bench/gen's customers.csv byte for byte")
	)
	flag.Parse()
	at, err := time.Parse(time.DateOnly, *asOf)
	if err != nil {
		log.Fatal(err)
	}
	t0 := time.Now()
	o := gen.Options{Customers: *n, Seed: *seed, AsOf: at, Years: *years, UniquePhones: *unique}
	if err := gen.WriteFile(*out, o); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "gen: %d customers, seed %d, in %.1fs -> %s\n", *n, *seed, time.Since(t0).Seconds(), *out)
}
