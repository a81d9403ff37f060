package report_test

import (
	"fmt"
	"strings"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/report"
	"github.com/shopspring/decimal"
)

func ExampleFunnel() {
	p := &crm.Pipeline{ID: "p1", Name: "New business", Stages: []crm.Stage{
		{Key: "lead", Name: "Lead", Category: crm.CategoryPipeline},
		{Key: "proposal", Name: "Proposal", Category: crm.CategoryBestCase},
		{Key: "won", Name: "Won", Category: crm.CategoryClosedWon},
		{Key: "lost", Name: "Lost", Category: crm.CategoryClosedLost},
	}}
	r := &crm.FunnelReport{PipelineID: "p1", Deals: 40, Won: 10, Lost: 20, Open: 10, WinRate: 0.25, Steps: []crm.FunnelStep{
		{Stage: "lead", Reached: 40, Conversion: 0.5},
		{Stage: "proposal", Reached: 20, Conversion: 0.5},
		{Stage: "won", Reached: 10},
	}}
	var b strings.Builder
	if err := report.Funnel(&b, r, p, report.Options{Locale: report.LocaleFor("de-AT")}); err != nil {
		fmt.Println(err)
		return
	}
	svg := b.String()
	fmt.Println(strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg"`))
	fmt.Println(strings.Contains(svg, ">Proposal</text>"), strings.Contains(svg, "Win rate 25,0\u00a0%"))
	// Output:
	// true
	// true true
}

func ExampleLocale_Money() {
	m := crm.Money{Amount: decimal.RequireFromString("24000.005"), Currency: "EUR"}
	fmt.Println(report.German.Money(m))
	fmt.Println(report.English.Money(m))
	// Output:
	// 24.000,00 EUR
	// 24,000.00 EUR
}
