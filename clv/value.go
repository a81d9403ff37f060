package clv

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/crmkit/crm"
)

// PurchaseModel predicts a customer's future purchases; [BGNBD] and
// [ParetoNBD] are purchase models.
type PurchaseModel interface {
	// ExpectedPurchases is the expected number of purchases customer c
	// makes in the t time units after its calibration period.
	ExpectedPurchases(c Customer, t float64) float64
}

// Discount says how [LifetimeValue] cuts the future into periods and
// discounts each.
type Discount struct {
	// Unit is the time unit of the customer summaries and of the fitted
	// model, the [SummaryOptions.Unit] they were made with, such as
	// [Week]. Required.
	Unit time.Duration
	// Period is the length of one discount period, such as 30 * [Day].
	// Required.
	Period time.Duration
	// Periods is the horizon in discount periods: LifetimeValue sums
	// Periods × Period of future purchases. 0 gives a value of 0.
	Periods int
	// Rate is the discount rate per Period, such as 0.01 for 1% a
	// period; 0 means no discounting. Greater than −1.
	Rate float64
}

// LifetimeValue is customer c's discounted expected value over the
// horizon: the sum over the discount periods i = 1 … d.Periods of the
// expected number of purchases in period i (from m) times spend, divided
// by (1 + d.Rate)^i, as Python lifetimes' customer_lifetime_value does.
// Period i is the time from (i−1)·d.Period to i·d.Period after the end of
// c's calibration period; each period's purchases are discounted to its
// end. spend is the expected value of one purchase, such as
// [GammaGamma.ExpectedSpend] of c, times a margin if profit is wanted.
//
// It fails with an error matching [crm.ErrInvalid] on an invalid customer
// or a Discount with no Unit or Period, negative Periods or a Rate of −1
// or less, or a spend that is NaN or infinite.
func LifetimeValue(m PurchaseModel, c Customer, spend float64, d Discount) (float64, error) {
	if err := c.validate(); err != nil {
		return 0, err
	}
	verr := &crm.ValidationError{Entity: "clv lifetime value of customer " + strconv.Quote(c.ID)}
	add := func(field, reason string) {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: field, Reason: reason})
	}
	if d.Unit <= 0 {
		add("Unit", "must be a positive duration")
	}
	if d.Period <= 0 {
		add("Period", "must be a positive duration")
	}
	if d.Periods < 0 {
		add("Periods", "negative")
	}
	if math.IsNaN(d.Rate) || math.IsInf(d.Rate, 0) || d.Rate <= -1 {
		add("Rate", fmt.Sprintf("must be a number greater than -1 (%v)", d.Rate))
	}
	if math.IsNaN(spend) || math.IsInf(spend, 0) {
		add("spend", fmt.Sprintf("not a finite number (%v)", spend))
	}
	if len(verr.Fields) > 0 {
		return 0, verr
	}
	step := float64(d.Period) / float64(d.Unit)
	var value, prev, factor float64 = 0, 0, 1
	for i := 1; i <= d.Periods; i++ {
		cum := m.ExpectedPurchases(c, float64(i)*step)
		factor /= 1 + d.Rate
		value += (cum - prev) * factor
		prev = cum
	}
	return value * spend, nil
}
