package crm_test

import (
	"context"
	"fmt"

	"github.com/crmkit/crm"
)

func ExampleClient_ConvertLead() {
	client := exampleClient()
	ctx := crm.WithActor(context.Background(), crm.Actor{ID: "u-ann"})

	pipeline, _ := client.CreatePipeline(ctx, crm.DefaultPipeline())
	berg, _ := client.CreateCustomer(ctx, &crm.Customer{Name: "Berg AB", Emails: []crm.Email{{Address: "info@berg.example"}}})
	lead, err := client.CreateLead(ctx, &crm.Lead{
		Name: "Bo Berg", Company: "Berg Aktiebolag", Title: "CTO",
		Email: "Info@Berg.example", Phone: "020 7946 0001", Source: "event",
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	conv := crm.LeadConversion{
		Opportunity: &crm.LeadOpportunity{Name: "Berg — 40 seats", PipelineID: pipeline.ID, Amount: crm.MustMoney("12000", "EUR")},
	}
	conv.DryRun = true
	plan, err := client.ConvertLead(ctx, lead.ID, lead.Version, conv)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := plan.Matches[0]
	fmt.Printf("plan: use customer %s %q (%s %s), new contact %t, new deal %t\n",
		plan.Customer.ID, plan.Customer.Name, m.Reasons[0].Rule, m.Reasons[0].Value, plan.ContactCreated, plan.OpportunityCreated)

	conv.DryRun = false
	res, err := client.ConvertLead(ctx, lead.ID, lead.Version, conv)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("customer:", res.Customer.ID == berg.ID, res.Customer.Name)
	fmt.Println("contact:", res.Contact.ID, res.Contact.Name, res.Contact.JobTitle, res.Contact.PrimaryPhone())
	fmt.Println("deal:", res.Opportunity.ID, res.Opportunity.Name, res.Opportunity.Stage, res.Opportunity.Amount, "from", res.Opportunity.LeadID)
	fmt.Println("lead:", res.Lead.Status, res.Lead.CustomerID, res.Lead.ContactID, res.Lead.OpportunityID, res.Lead.ConvertedAt.Format("2006-01-02"))

	_, err = client.ConvertLead(ctx, lead.ID, res.Lead.Version, conv)
	fmt.Println(err)
	// Output:
	// plan: use customer cus_2 "Berg AB" (email info@berg.example), new contact true, new deal true
	// customer: true Berg AB
	// contact: cus_6 Bo Berg CTO +442079460001
	// deal: cus_7 Berg — 40 seats collection 12000.00 EUR from cus_3
	// lead: converted cus_2 cus_6 cus_7 2026-03-02
	// crm: convert lead cus_3: the lead was converted into customer cus_2 on 2026-03-02 already: crm: transition not allowed
}

func ExampleTrainLeadModel() {
	past := []crm.LeadOutcome{
		{Lead: &crm.Lead{Source: "web", Industry: "retail"}, Won: true},
		{Lead: &crm.Lead{Source: "web", Industry: "tech"}, Won: true},
		{Lead: &crm.Lead{Source: "referral", Industry: "tech"}, Won: true},
		{Lead: &crm.Lead{Source: "web", Industry: "retail"}},
		{Lead: &crm.Lead{Source: "event", Industry: "retail"}},
		{Lead: &crm.Lead{Source: "event", Industry: "tech"}},
		{Lead: &crm.Lead{Source: "event", Industry: "retail"}},
	}
	model, err := crm.TrainLeadModel(past, crm.LeadModelOptions{
		Fields: []crm.LeadField{crm.LeadFieldSource, crm.LeadFieldIndustry},
		Alpha:  1, // Laplace smoothing
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := model.Predict(&crm.Lead{Source: "web", Industry: "tech"})
	fmt.Printf("chance of winning: %d%%\n", p.Percent())
	for _, c := range p.Contributions {
		fmt.Printf("%s=%s: ×%.2f\n", c.Field, c.Value, c.LikelihoodRatio)
	}
	// Output:
	// chance of winning: 71%
	// source=web: ×1.71
	// industry=tech: ×1.75
}

func ExampleLeadScoring_Score() {
	score, parts := crm.DefaultLeadScoring().Score(&crm.Lead{
		Name: "Bo Berg", Company: "Berg AB", Title: "Head of IT", Source: "referral",
		Behaviours: map[string]int{crm.BehaviourPricingPage: 4},
	})
	fmt.Println("score", score)
	for _, p := range parts {
		fmt.Printf("%+d %s\n", p.Points, p.Rule)
	}
	// Output:
	// score 60
	// +10 company given
	// +20 senior title
	// +15 warm source
	// +15 viewed pricing
}
