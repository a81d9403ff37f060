package clv

import (
	"fmt"
	"math"
	"strconv"

	"github.com/crmkit/crm"
)

// Customer is one customer's purchase history in the form the models use
// (Fader–Hardie "RFM" summary of the calibration period). Times are in the
// time unit of the summary (see [SummaryOptions.Unit]).
type Customer struct {
	// ID identifies the customer; it is carried through and used in errors.
	ID string
	// X is the number of repeat purchases: purchase periods after the
	// first one. A whole number, 0 or more.
	X float64
	// Tx is the recency: the time from the first to the last purchase;
	// 0 when X is 0.
	Tx float64
	// T is the customer's age: the time from the first purchase to the
	// end of the calibration period. Tx ≤ T.
	T float64
	// Monetary is the mean value of the repeat purchases (the first
	// purchase left out); 0 when X is 0. Used only by [GammaGamma].
	Monetary float64
}

// validate checks the fields the purchase models use.
func (c Customer) validate() error {
	if c.X >= 0 && c.X == math.Trunc(c.X) && c.Tx >= 0 && c.Tx <= c.T && !math.IsInf(c.X, 1) && !math.IsInf(c.T, 1) {
		return nil // the common case, without allocating
	}
	verr := &crm.ValidationError{Entity: "clv customer " + strconv.Quote(c.ID)}
	add := func(field, format string, args ...any) {
		verr.Fields = append(verr.Fields, crm.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	switch {
	case bad(c.X):
		add("X", "not a finite number (%v)", c.X)
	case c.X < 0:
		add("X", "negative (%v)", c.X)
	case c.X != math.Trunc(c.X):
		add("X", "not a whole number of purchases (%v)", c.X)
	}
	switch {
	case bad(c.Tx):
		add("Tx", "not a finite number (%v)", c.Tx)
	case c.Tx < 0:
		add("Tx", "negative (%v)", c.Tx)
	}
	switch {
	case bad(c.T):
		add("T", "not a finite number (%v)", c.T)
	case c.T < 0:
		add("T", "negative (%v)", c.T)
	case !bad(c.Tx) && c.Tx > c.T:
		add("Tx", "%v exceeds T (%v)", c.Tx, c.T)
	}
	if len(verr.Fields) > 0 {
		return verr
	}
	return nil
}

// validateSpend checks Monetary for the spend model.
func (c Customer) validateSpend() error {
	if err := c.validate(); err != nil {
		return err
	}
	if c.X > 0 && (math.IsNaN(c.Monetary) || math.IsInf(c.Monetary, 0) || c.Monetary <= 0) {
		return &crm.ValidationError{
			Entity: "clv customer " + strconv.Quote(c.ID),
			Fields: []crm.FieldError{{Field: "Monetary", Reason: fmt.Sprintf("must be a positive number when X > 0 (%v)", c.Monetary)}},
		}
	}
	return nil
}
