package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// BenchmarkAuditedUpdate measures what crm.WithAudit and crm.WithEvents
// add to a customer update on a SQLite file: the read of the record
// before, two appends and their head rows, in the update's transaction.
// The baseline is the same update without them, in the same run.
func BenchmarkAuditedUpdate(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts []crm.Option
	}{
		{"plain", nil},
		{"audit+events", []crm.Option{crm.WithAudit(), crm.WithEvents()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"))
			c, err := crm.New(s, bc.opts...)
			require.NoError(b, err)
			ctx := crm.WithActor(b.Context(), crm.Actor{ID: "ann"})
			cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: "Bench Ltd", Industry: "retail",
				Emails: []crm.Email{{Address: "bench@example.com"}}, CreditLimit: crm.MustMoney("1000.00", "EUR")})
			require.NoError(b, err)
			names := []string{"Bench Ltd", "Bench Group"}
			for i := 0; b.Loop(); i++ {
				cust, err = c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Name: &names[(i+1)%2]})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
