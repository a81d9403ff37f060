package crm_test

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
)

func ExampleClient_RecordResponse() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	acme, _ := client.CreateCustomer(ctx, &crm.Customer{Name: "Acme Ltd"})
	survey, err := client.CreateSurvey(ctx, &crm.Survey{
		Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q1",
		Question: "How likely are you to recommend us to a colleague?",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := client.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: acme.ID, Score: 5,
		Comment: "Invoices keep arriving late", Channel: "email"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.ID, r.Kind, r.Wave, r.Score, r.Sentiment())

	_, err = client.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: acme.ID, Score: 9})
	fmt.Println(err)
	_, err = client.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: acme.ID, Score: 11, Wave: "2026-Q2"})
	fmt.Println(err)
	// Output:
	// cus_3 nps 2026-Q1 5 negative
	// crm: record response: customer cus_1 has answered survey cus_2 in wave "2026-Q1" already: crm: duplicate
	// crm: invalid response: score: 11 is outside 0–10, the scale of nps survey cus_2
}

func ExampleClient_SurveyNPS() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	survey, _ := client.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q1"})
	for i, score := range []int{10, 9, 9, 10, 8, 7, 6, 3, 10, 9} {
		cust, err := client.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Customer %d", i)}, crm.AllowDuplicates())
		if err != nil {
			fmt.Println(err)
			return
		}
		if _, err := client.RecordResponse(ctx, &crm.Response{SurveyID: survey.ID, CustomerID: cust.ID, Score: score}); err != nil {
			fmt.Println(err)
			return
		}
	}
	// The store counts the answers per score; nothing loads the responses.
	nps, err := client.SurveyNPS(ctx, crm.ResponseFilter{SurveyIDs: []string{survey.ID}}, crm.WithMinSample(30))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("NPS %.0f ± %.1f (n=%d: %d promoters, %d passives, %d detractors; small sample: %t)\n",
		nps.Score, nps.Margin(), nps.N, nps.Promoters, nps.Passives, nps.Detractors, nps.Small)
	fmt.Printf("adjusted-Wald 95%%: %.1f to %.1f\n", nps.AdjustedWald.Low, nps.AdjustedWald.High)
	// Output:
	// NPS 40 ± 49.6 (n=10: 6 promoters, 2 passives, 2 detractors; small sample: true)
	// adjusted-Wald 95%: -12.6 to 74.1
}
