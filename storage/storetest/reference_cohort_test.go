package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// The reference store's purchase cohorts: a scan of every order, months
// told apart by their UTC text, customers by a set per cohort and month.

func (s *refStore) PurchaseCohorts(ctx context.Context, f crm.PurchaseCohortFilter) ([]crm.CohortCount, error) {
	if f.AsOf.IsZero() {
		return nil, fmt.Errorf("ref: purchase cohorts: %w", crm.ErrInvalid)
	}
	months := map[string]map[string]bool{} // customer to months
	err := s.do(ctx, func(st *refState) error {
		for _, o := range st.orders {
			switch {
			case o.Status == crm.OrderCancelled && !s.is("cohort-counts-cancelled"),
				o.OrderedAt.After(f.AsOf),
				o.OrderedAt.Equal(f.AsOf) && !s.is("cohort-asof-inclusive"):
				continue
			}
			at := o.OrderedAt.UTC()
			if s.is("cohort-local-months") {
				at = at.In(time.FixedZone("", 5*3600))
			}
			m := at.Format("2006-01")
			if s.is("cohort-counts-orders") {
				m += " " + o.ID
			}
			if months[o.CustomerID] == nil {
				months[o.CustomerID] = map[string]bool{}
			}
			months[o.CustomerID][m] = true
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts := map[[2]string]int{}
	for _, ms := range months {
		sorted := slices.Sorted(maps.Keys(ms))
		cohort, _, _ := strings.Cut(sorted[0], " ")
		for _, m := range sorted {
			m, _, _ = strings.Cut(m, " ")
			counts[[2]string{cohort, m}]++
		}
	}
	var out []crm.CohortCount
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b [2]string) int {
		if c := strings.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return strings.Compare(a[1], b[1])
	}) {
		cohort, _ := time.Parse("2006-01", k[0])
		month, _ := time.Parse("2006-01", k[1])
		out = append(out, crm.CohortCount{Cohort: cohort, Month: month, Customers: counts[k]})
	}
	return out, nil
}
