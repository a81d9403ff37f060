// Command nps runs the first half of 2026 of a customer-listening
// programme through the library: a relationship NPS survey in two
// quarterly waves and a support CSAT survey, answered by generated
// customers with owners and regions, with the closed loop on — each
// detractor and each CSAT of 1 or 2 opens a follow-up case for the
// customer's owner. It then prints the NPS of each wave with its Wald and
// adjusted-Wald intervals, the change between the waves with its z-test,
// the NPS by region and by owner, the CSAT top-two box with its Wilson
// interval, and the follow-up cases.
//
//	go run ./examples/nps           # a SQLite file in a temporary folder
//	go run ./examples/nps -memory   # everything in memory
//
// The data come from a seeded generator and the story runs on a clock of
// its own, so the output is the same on every run.
package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/demo"
)

func main() { demo.Main(run) }

// The two waves are the first two quarters of 2026.
var (
	q1 = crm.PeriodOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
	q2 = crm.PeriodOf(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), crm.PeriodQuarter)
)

// The account managers and the regions, with how they shift the mean
// answer (on the 0–10 scale; half of it on the CSAT scale).
var (
	owners  = []string{"ann", "bob", "cy", "dee"}
	regions = []string{"north", "south", "east", "west"}
	lift    = map[string]float64{"ann": 0.5, "bob": 0, "cy": -0.2, "dee": -0.8,
		"north": 0.6, "south": -0.4, "east": 0.2, "west": -1.0, "": -0.5}
)

// answer is a response to record at a time.
type answer struct {
	at     time.Time
	survey *crm.Survey
	cust   *crm.Customer
	score  int
}

func run(ctx context.Context, inMemory bool) error {
	store, closeStore, err := demo.OpenStore(ctx, "crm-nps-", inMemory)
	if err != nil {
		return err
	}
	defer closeStore()
	clk := &demo.Clock{At: q1.Start.AddDate(0, 0, -14)}
	n := 0
	client, err := crm.New(store, crm.WithClock(clk),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { n++; return fmt.Sprintf("id-%05d", n) })),
		crm.WithFollowUp(crm.FollowUpPolicy{})) // NPS 0–6 and CSAT 1–2: a high-priority complaint
	if err != nil {
		return err
	}
	ctx = crm.WithActor(ctx, crm.Actor{ID: "survey-bot", Name: "Survey intake"})
	rng := rand.New(rand.NewPCG(2026, 6))

	nps, err := client.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q1",
		Question: "How likely are you to recommend us to a colleague?"})
	if err != nil {
		return err
	}
	csat, err := client.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "Support CSAT", Period: crm.PeriodQuarter,
		Question: "How satisfied are you with the help you got?"})
	if err != nil {
		return err
	}

	// 240 customers, one in twelve with no account manager; each answers
	// each NPS wave with a chance of 0.6, and the support survey with
	// 0.4. The second wave runs half a point warmer.
	var answers []answer
	for i := range 240 {
		owner := owners[rng.IntN(len(owners))]
		if rng.IntN(12) == 0 {
			owner = ""
		}
		cust, err := client.CreateCustomer(ctx, &crm.Customer{Kind: crm.KindOrganization, Name: fmt.Sprintf("Customer %03d", i),
			OwnerID: owner, Region: regions[rng.IntN(len(regions))]}, crm.AllowDuplicates())
		if err != nil {
			return err
		}
		mood := lift[cust.OwnerID] + lift[cust.Region]
		for w, p := range []crm.Period{q1, q2} {
			if rng.Float64() < 0.6 {
				answers = append(answers, answer{at: within(rng, p), survey: nps, cust: cust,
					score: draw(rng, 7.6+mood+0.5*float64(w), 2.2, crm.NPSMin, crm.NPSMax)})
			}
		}
		if rng.Float64() < 0.4 {
			answers = append(answers, answer{at: within(rng, crm.Period{Start: q1.Start, Unit: crm.PeriodYear}), survey: csat, cust: cust,
				score: draw(rng, 3.9+mood/2, 1.0, crm.CSATMin, crm.CSATMax)})
		}
	}
	slices.SortStableFunc(answers, func(a, b answer) int { return a.at.Compare(b.at) })

	// Recorded in the order they come in; the NPS survey moves to its
	// second wave on 1 April.
	inQ2 := false
	for _, a := range answers {
		if a.survey == nps && !inQ2 && !a.at.Before(q2.Start) {
			clk.At = q2.Start
			if nps, err = client.UpdateSurvey(ctx, nps.ID, nps.Version, crm.SurveyUpdate{Wave: crm.Ptr("2026-Q2")}); err != nil {
				return err
			}
			inQ2 = true
		}
		clk.At = a.at
		if _, err := client.RecordResponse(ctx, &crm.Response{SurveyID: a.survey.ID, CustomerID: a.cust.ID, Score: a.score, Channel: "email"}); err != nil {
			return err
		}
	}
	fmt.Printf("240 customers, %d responses to %q and %q, January to June 2026\n", len(answers), nps.Name, csat.Name)

	all := crm.ResponseFilter{SurveyIDs: []string{nps.ID}}
	demo.Heading("NPS per wave (95% intervals)")
	tw := demo.Table("wave", "n", "promoters", "passives", "detractors", "NPS", "Wald", "adjusted Wald")
	for _, wave := range []string{"2026-Q1", "2026-Q2"} {
		f := all
		f.Waves = []string{wave}
		s, err := client.SurveyNPS(ctx, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%+.1f\t%s\t%s\n", wave, s.N, s.Promoters, s.Passives, s.Detractors, s.Score,
			interval(s.Wald), interval(s.AdjustedWald))
	}
	tw.Flush()

	change, err := client.SurveyNPSChange(ctx, all, q1, q2)
	if err != nil {
		return err
	}
	demo.Heading("Change from the first wave to the second")
	tw = demo.Table("before", "after", "change", "std. error", "95% interval", "z", "p", "significant")
	fmt.Fprintf(tw, "%+.1f\t%+.1f\t%+.1f\t%.2f\t%s\t%.2f\t%.4f\t%s\n", change.Before.Score, change.After.Score, change.Delta,
		change.StdErr, interval(change.Interval), change.Z, change.P, yesNo(change.Significant))
	tw.Flush()

	for _, by := range []struct {
		name string
		key  func(*crm.Customer) string
	}{
		{"region", func(c *crm.Customer) string { return c.Region }},
		{"owner", func(c *crm.Customer) string { return cmp.Or(c.OwnerID, "(none)") }},
	} {
		scores, err := client.SurveyNPSBy(ctx, all, crm.CustomerFilter{}, by.key)
		if err != nil {
			return err
		}
		demo.Heading(fmt.Sprintf("NPS by %s, both waves (small: fewer than %d answers)", by.name, crm.DefaultMinSample))
		tw = demo.Table(by.name, "n", "NPS", "±", "adjusted Wald", "small")
		for _, k := range slices.Sorted(maps.Keys(scores)) {
			s := scores[k]
			fmt.Fprintf(tw, "%s\t%d\t%+.1f\t%.1f\t%s\t%s\n", k, s.N, s.Score, s.Margin(), interval(s.AdjustedWald), yesNo(s.Small))
		}
		tw.Flush()
	}

	sat, err := client.SurveyCSAT(ctx, crm.ResponseFilter{SurveyIDs: []string{csat.ID}})
	if err != nil {
		return err
	}
	demo.Heading("Support CSAT")
	tw = demo.Table("n", "satisfied (4–5)", "top-two box", "Wilson 95%", "mean")
	fmt.Fprintf(tw, "%d\t%d\t%.1f%%\t[%.1f%%, %.1f%%]\t%.2f\n", sat.N, sat.Satisfied, sat.TopTwoBox, sat.Wilson.Low, sat.Wilson.High, sat.Mean)
	tw.Flush()

	return printFollowUps(ctx, client)
}

// printFollowUps prints the follow-up cases the answers opened, by owner
// and kind of survey, found from each case's source, and the first few;
// and shows that a sweep finds nothing left to open.
func printFollowUps(ctx context.Context, client *crm.Client) error {
	var cases []*crm.Case
	byOwner := map[string]map[crm.SurveyKind]int{}
	for cs, err := range client.Cases(ctx, crm.CaseFilter{}) {
		if err != nil {
			return err
		}
		id, _ := strings.CutPrefix(cs.Source, crm.FollowUpSource(""))
		r, err := client.GetResponse(ctx, id)
		if err != nil {
			return err
		}
		if byOwner[cs.OwnerID] == nil {
			byOwner[cs.OwnerID] = map[crm.SurveyKind]int{}
		}
		byOwner[cs.OwnerID][r.Kind]++
		cases = append(cases, cs)
	}
	swept, err := client.FollowUpResponses(ctx, crm.ResponseFilter{})
	if err != nil {
		return err
	}
	demo.Heading(fmt.Sprintf("Follow-up cases: %d opened with their responses; a sweep of every response opens %d more", len(cases), swept))
	tw := demo.Table("owner", "NPS 0–6", "CSAT 1–2", "cases")
	for _, o := range slices.Sorted(maps.Keys(byOwner)) {
		k := byOwner[o]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", o, k[crm.SurveyKindNPS], k[crm.SurveyKindCSAT], k[crm.SurveyKindNPS]+k[crm.SurveyKindCSAT])
	}
	tw.Flush()
	fmt.Println("(survey-bot: the customers with no account manager; the acting user takes their cases)")
	fmt.Println()
	tw = demo.Table("case", "opened", "owner", "priority", "source", "subject")
	for _, cs := range cases[:min(len(cases), 6)] {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cs.ID, cs.OpenedAt.Format("2006-01-02 15:04"), cs.OwnerID, cs.Priority, cs.Source, cs.Subject)
	}
	tw.Flush()
	return nil
}

// within returns a time in p, on a minute.
func within(rng *rand.Rand, p crm.Period) time.Time {
	end := p.End()
	if p.Unit == crm.PeriodYear { // the first half only
		end = q2.End()
	}
	return p.Start.Add(time.Duration(rng.Int64N(int64(end.Sub(p.Start))))).Truncate(time.Minute)
}

// draw returns a normal answer of mean and spread, rounded and held to
// lo–hi.
func draw(rng *rand.Rand, mean, sd float64, lo, hi int) int {
	v := int(math.Round(mean + sd*rng.NormFloat64()))
	return max(lo, min(hi, v))
}

func interval(i crm.Interval) string { return fmt.Sprintf("[%+.1f, %+.1f]", i.Low, i.High) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
