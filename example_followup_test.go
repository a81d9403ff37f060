package crm_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// followUpClient returns a Client over store with a fixed clock,
// sequential IDs and opts.
func followUpClient(store crm.Store, opts ...crm.Option) *crm.Client {
	n := 0
	client, err := crm.New(store, append([]crm.Option{
		crm.WithClock(crm.ClockFunc(func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) })),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("id_%d", n) })),
	}, opts...)...)
	if err != nil {
		panic(err)
	}
	return client
}

func ExampleWithFollowUp() {
	// The zero policy: NPS 0–6 and CSAT 1–2 open a high-priority complaint.
	client := followUpClient(memory.New(), crm.WithFollowUp(crm.FollowUpPolicy{}))
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	acme, _ := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd", OwnerID: "u-bob"})
	survey, _ := client.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q1"})
	r, err := client.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: acme.ID, Score: 4,
		Comment: "Invoices keep arriving late"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The case was opened with the response; asking again returns it.
	cs, opened, err := client.FollowUp(ctx, r.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cs.Subject, "|", cs.Kind, cs.Priority, cs.OwnerID, cs.Source, opened)
	// Output:
	// NPS 4 on Relationship NPS | complaint high u-bob response:id_3 false
}

func ExampleClient_FollowUpResponses() {
	store := memory.New()
	n := 0
	ids := crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("id_%d", n) }))
	before := followUpClient(store, ids)
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})
	survey, _ := before.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "Support CSAT"})
	for i, score := range []int{5, 2, 4, 1, 3} {
		cust, _ := before.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Customer %d", i)}, crm.AllowDuplicates())
		if _, err := before.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: cust.ID, Score: score}); err != nil {
			fmt.Println(err)
			return
		}
	}

	// Answers recorded before the policy: a sweep opens their follow-ups,
	// and a second sweep finds them all opened.
	after := followUpClient(store, ids, crm.WithFollowUp(crm.FollowUpPolicy{Priority: crm.PriorityNormal}))
	for range 2 {
		n, err := after.FollowUpResponses(ctx, crm.ResponseFilter{SurveyIDs: []string{survey.ID}})
		fmt.Println(n, err)
	}
	for cs, err := range after.Cases(ctx, crm.CaseFilter{}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(cs.Subject, cs.Priority)
	}
	// Output:
	// 2 <nil>
	// 0 <nil>
	// CSAT 2 on Support CSAT normal
	// CSAT 1 on Support CSAT normal
}
