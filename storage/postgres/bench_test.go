package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
	"github.com/crmkit/crm/storage/sqlstore"
)

// insertOnly is a Dialect without CopyRows: embedding the interface
// hides the Copier of the Dialect it holds, so a Store over it writes in
// bulk with multi-row INSERTs.
type insertOnly struct{ sqlstore.Dialect }

// BenchmarkCreateCustomers stores batches of 1000 customers, each with
// one email and one phone, with CreateCustomers: with COPY, as Open's
// Store does, and with multi-row INSERTs. Each sub-benchmark has a schema
// of its own, so both start with empty tables. rows/s counts the rows of
// the three tables; customers/s the customers.
func BenchmarkCreateCustomers(b *testing.B) {
	const batchSize = 1000
	srv := newServer(b)
	for _, bc := range []struct {
		name    string
		dialect sqlstore.Dialect
	}{
		{"Copy", postgres.Dialect()},
		{"Insert", insertOnly{postgres.Dialect()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			base := srv.open(b, srv.schema(b))
			s, err := sqlstore.New(base.DB(), bc.dialect)
			require.NoError(b, err)
			b.Cleanup(func() { _ = s.Close() })

			ids := new(crm.UUIDv7)
			now := time.Now()
			batches := make([][]*crm.Customer, b.N)
			for i := range batches {
				batches[i] = make([]*crm.Customer, batchSize)
				for j := range batches[i] {
					id := ids.NewID()
					batches[i][j] = &crm.Customer{
						ID: id, Kind: crm.KindPerson, Name: fmt.Sprintf("Customer %d-%d", i, j),
						Stage: crm.StageProspect, Region: "emea", Source: "import",
						Emails:    []crm.Email{{Address: id + "@example.com", Primary: true}},
						Phones:    []crm.Phone{{Number: fmt.Sprintf("+44207946%04d", j), Primary: true}},
						CreatedAt: now, CreatedBy: "u-import", UpdatedAt: now, UpdatedBy: "u-import",
						Version: 1,
					}
				}
			}
			b.ResetTimer()
			for i := range b.N {
				if err := s.CreateCustomers(b.Context(), batches[i]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			customers := float64(b.N*batchSize) / b.Elapsed().Seconds()
			b.ReportMetric(3*customers, "rows/s")
			b.ReportMetric(customers, "customers/s")
		})
	}
}
