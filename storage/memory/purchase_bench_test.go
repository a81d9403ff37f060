package memory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// BenchmarkPurchaseSummaries reads every summary of 10,000 customers with
// ten orders each, in pages of MaxPageLimit customers; one op is the whole
// listing (100,000 orders).
func BenchmarkPurchaseSummaries(b *testing.B) {
	s := memory.New()
	defer s.Close()
	ctx := b.Context()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for c := range 10_000 {
		id := fmt.Sprintf("c%06d", c)
		if err := s.CreateCustomer(ctx, &crm.Customer{ID: id, Kind: crm.KindPerson, Name: "C", Version: 1}); err != nil {
			b.Fatal(err)
		}
		for j := range 10 {
			total := crm.Money{Amount: decimal.New(int64(1000+c*7+j*13), -2), Currency: "EUR"}
			o := &crm.Order{ID: fmt.Sprintf("o%06d-%02d", c, j), CustomerID: id, Status: crm.OrderOpen, Total: total, Paid: total,
				OrderedAt: at.Add(time.Duration((c*31+j*97)%500) * 24 * time.Hour), Version: 1}
			if err := s.CreateOrder(ctx, o); err != nil {
				b.Fatal(err)
			}
		}
	}
	f := crm.PurchaseSummaryFilter{AsOf: at.AddDate(2, 0, 0), Limit: crm.MaxPageLimit}
	b.ReportAllocs()
	for b.Loop() {
		g := f
		n := 0
		for {
			page, next, err := s.PurchaseSummaries(ctx, g)
			if err != nil {
				b.Fatal(err)
			}
			n += len(page)
			if next == "" {
				break
			}
			g.After = next
		}
		if n != 10_000 {
			b.Fatalf("%d summaries", n)
		}
	}
}

// BenchmarkCreateOrder stores orders of 100,000 customers, one op per
// order, in time order as they usually arrive; it measures what keeping
// the per-customer indexes, the purchase index among them, adds to a
// write.
func BenchmarkCreateOrder(b *testing.B) {
	s := memory.New()
	defer s.Close()
	ctx := b.Context()
	const customers = 100_000
	var batch []*crm.Customer
	for c := range customers {
		batch = append(batch, &crm.Customer{ID: fmt.Sprintf("c%07d", c), Kind: crm.KindPerson, Name: "C", Version: 1})
	}
	if err := s.CreateCustomers(ctx, batch); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	total := crm.Money{Amount: decimal.New(1234, -2), Currency: "EUR"}
	o := &crm.Order{Status: crm.OrderFulfilled, Total: total, Paid: total, Version: 1}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o.ID, o.CustomerID = fmt.Sprintf("o%09d", i), batch[(i*7919)%customers].ID
		o.OrderedAt = at.Add(time.Duration(i) * time.Second)
		if err := s.CreateOrder(ctx, o); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
