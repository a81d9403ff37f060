package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
)

// pipelineID is the ID of the one pipeline every generated deal is in.
const pipelineID = "pipeline-1"

// pipeline returns the default pipeline with its fixed ID.
func pipeline() *crm.Pipeline {
	p := crm.DefaultPipeline()
	p.ID, p.Version = pipelineID, 1
	p.CreatedAt, p.UpdatedAt = start, start
	return p
}

// start is when the generated year of selling begins.
var start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// customers returns how many customers n deals are spread over.
func customers(n int) int { return max(1, n/20) }

// rates returns the rate book of every run: EUR to USD and to GBP, a rate
// a month from 2024 to 2028.
func rates() *crm.RateBook {
	b := crm.NewRateBook()
	for m := range 60 {
		on := time.Date(2024, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC)
		must(b.Set("EUR", "USD", on, decimal.New(int64(10800+m*7), -4)))
		must(b.Set("EUR", "GBP", on, decimal.New(int64(8500-m*3), -4)))
	}
	return b
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// generate calls emit with n deals and their histories, the same ones for
// the same n: created over 2025, in 20 sellers' hands, 70% in EUR, 20% in
// USD and 10% in GBP; each moved forward up to three times, then left
// open (40%), won (30%) or lost (30%).
func generate(n int, emit func(o *crm.Opportunity, history []crm.OpportunityChange) error) error {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	p := pipeline()
	nc := customers(n)
	history := make([]crm.OpportunityChange, 0, 8)
	for i := range n {
		created := start.Add(time.Duration(r.IntN(365*24)) * time.Hour)
		cur := "EUR"
		switch c := r.IntN(10); {
		case c >= 9:
			cur = "GBP"
		case c >= 7:
			cur = "USD"
		}
		o := &crm.Opportunity{
			ID:         fmt.Sprintf("opp-%09d", i),
			Name:       "deal",
			CustomerID: fmt.Sprintf("cust-%07d", i%nc),
			PipelineID: p.ID,
			Amount:     crm.Money{Amount: decimal.New(int64(100000+r.IntN(9_900_000)), -2), Currency: cur},
			CloseDate:  time.Date(created.Year(), created.Month(), created.Day()+30+r.IntN(150), 0, 0, 0, 0, time.UTC),
			OwnerID:    fmt.Sprintf("seller-%02d", r.IntN(20)),
			CreatedAt:  created,
			CreatedBy:  "bench",
		}
		history = history[:0]
		at, stage := created, 0
		record := func(from, to int) {
			s := p.Stages[to]
			o.Stage, o.Probability, o.StageEnteredAt = s.Key, s.Probability, at
			switch s.Category {
			case crm.CategoryClosedWon:
				o.Status, o.ClosedAt, o.CloseDate = crm.OpportunityWon, at, time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
			case crm.CategoryClosedLost:
				o.Status, o.ClosedAt, o.CloseDate, o.LostReason = crm.OpportunityLost, at, time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC), "price"
			default:
				o.Status = crm.OpportunityOpen
			}
			fromKey := ""
			if from >= 0 {
				fromKey = p.Stages[from].Key
			}
			history = append(history, crm.OpportunityChange{
				OpportunityID: o.ID, Version: int64(len(history) + 1), At: at, By: "bench",
				FromStage: fromKey, ToStage: s.Key, Status: o.Status, Amount: o.Amount,
				Probability: o.Probability, CloseDate: o.CloseDate, OwnerID: o.OwnerID,
			})
		}
		record(-1, 0)
		for range r.IntN(4) {
			next := min(stage+1+r.IntN(2)*r.IntN(2), 3) // now and then a stage is skipped
			if next == stage {
				break
			}
			at = at.Add(time.Duration(1+r.IntN(20)) * 24 * time.Hour)
			record(stage, next)
			stage = next
		}
		switch outcome := r.IntN(10); {
		case outcome >= 7:
			at = at.Add(time.Duration(1+r.IntN(20)) * 24 * time.Hour)
			record(stage, 5) // lost
		case outcome >= 4 && stage > 0: // a won deal went past the first stage
			at = at.Add(time.Duration(1+r.IntN(20)) * 24 * time.Hour)
			record(stage, 4) // won
		}
		o.UpdatedAt, o.UpdatedBy, o.Version = at, "bench", int64(len(history))
		if err := emit(o, history); err != nil {
			return err
		}
	}
	return nil
}

// load stores the customers, the pipeline and n deals with their
// histories in s, in transactions of batch deals.
func load(ctx context.Context, s crm.Store, n int) error {
	if err := s.CreatePipeline(ctx, pipeline()); err != nil {
		return err
	}
	var cs []*crm.Customer
	flush := func() error {
		err := s.CreateCustomers(ctx, cs)
		cs = cs[:0]
		return err
	}
	for i := range customers(n) {
		cs = append(cs, &crm.Customer{ID: fmt.Sprintf("cust-%07d", i), Kind: crm.KindOrganization, Name: fmt.Sprintf("Customer %d", i),
			Stage: crm.StageActive, CreatedAt: start, UpdatedAt: start, Version: 1})
		if len(cs) == 1000 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	const batch = 5000
	type deal struct {
		o *crm.Opportunity
		h []crm.OpportunityChange
	}
	var pending []deal
	store := func() error {
		err := s.RunInTx(ctx, func(tx crm.Store) error {
			for _, d := range pending {
				if err := tx.CreateOpportunity(ctx, d.o); err != nil {
					return err
				}
				for i := range d.h {
					if err := tx.AddOpportunityChange(ctx, &d.h[i]); err != nil {
						return err
					}
				}
			}
			return nil
		})
		pending = pending[:0]
		return err
	}
	err := generate(n, func(o *crm.Opportunity, h []crm.OpportunityChange) error {
		pending = append(pending, deal{o, append([]crm.OpportunityChange(nil), h...)})
		if len(pending) < batch {
			return nil
		}
		return store()
	})
	if err != nil {
		return err
	}
	return store()
}

// generateSQLite writes a SQLite file holding n generated deals.
func generateSQLite(ctx context.Context, path string, n int) error {
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	if err := load(ctx, s, n); err != nil {
		s.Close()
		return err
	}
	return s.Close()
}
