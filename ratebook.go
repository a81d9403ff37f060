package crm

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// ErrNoRate reports that a [RateBook] has no exchange rate for a pair of
// currencies on a date. Analytics that total several currencies return
// it rather than count an amount as zero.
var ErrNoRate = errors.New("crm: no exchange rate")

// RateError is the error of a missing exchange rate: which pair, on which
// date. It matches [ErrNoRate] with errors.Is.
type RateError struct {
	From, To string
	On       time.Time
}

// Error names the pair and the date.
func (e *RateError) Error() string {
	return fmt.Sprintf("crm: no exchange rate from %s to %s on %s", e.From, e.To, e.On.Format(time.DateOnly))
}

// Is reports whether target is [ErrNoRate].
func (e *RateError) Is(target error) bool { return target == ErrNoRate }

// inverseDigits is the number of decimal places to which the inverse of a
// stored rate is computed.
const inverseDigits = 10

// RateBook holds effective-dated exchange rates: a rate from one currency
// to another applies from its effective date until the next rate of the
// same pair. Rates are kept by calendar date (UTC); a conversion on a
// date before a pair's first rate has no rate. When only the opposite
// direction of a pair is set, its inverse is used, rounded half to even
// to 10 decimal places.
//
// The zero RateBook is empty and ready to use. [RateBook.Set] must not
// run concurrently with other methods; a book that is no longer being set
// is safe for concurrent use.
type RateBook struct {
	pairs map[[2]string][]datedRate
}

type datedRate struct {
	from time.Time
	rate decimal.Decimal
}

// NewRateBook returns an empty rate book.
func NewRateBook() *RateBook { return &RateBook{} }

// Set records that one unit of from is worth rate units of to from the
// UTC date of effective on (the time of day is ignored), replacing a rate of the
// same pair and date. It fails with [ErrInvalid] on an unknown currency,
// a pair of one currency, a rate that is not positive or a zero date.
func (b *RateBook) Set(from, to string, effective time.Time, rate decimal.Decimal) error {
	from, to = strings.ToUpper(strings.TrimSpace(from)), strings.ToUpper(strings.TrimSpace(to))
	verr := &ValidationError{Entity: "exchange rate"}
	if _, ok := CurrencyDigits(from); !ok {
		verr.add("from", "%q is not an ISO 4217 code", from)
	}
	if _, ok := CurrencyDigits(to); !ok {
		verr.add("to", "%q is not an ISO 4217 code", to)
	}
	if from == to {
		verr.add("to", "same currency as from")
	}
	if effective.IsZero() {
		verr.add("effective", "required")
	}
	if rate.Sign() <= 0 {
		verr.add("rate", "must be positive")
	}
	if err := verr.err(); err != nil {
		return err
	}
	if b.pairs == nil {
		b.pairs = make(map[[2]string][]datedRate)
	}
	key, day := [2]string{from, to}, dateOf(effective.UTC())
	rates := b.pairs[key]
	i, found := slices.BinarySearchFunc(rates, day, func(r datedRate, t time.Time) int { return r.from.Compare(t) })
	if found {
		rates[i].rate = rate
		return nil
	}
	b.pairs[key] = slices.Insert(rates, i, datedRate{from: day, rate: rate})
	return nil
}

// Rate returns the rate from one currency to another (codes in any case)
// in force on the UTC date of on: 1 for a currency to itself, the pair's latest rate effective
// on or before that date, or else the inverse of the opposite pair's. It
// fails with a [*RateError] (matching [ErrNoRate]) when there is none.
func (b *RateBook) Rate(from, to string, on time.Time) (decimal.Decimal, error) {
	from, to = strings.ToUpper(strings.TrimSpace(from)), strings.ToUpper(strings.TrimSpace(to))
	if from == to {
		return decimal.NewFromInt(1), nil
	}
	day := dateOf(on.UTC())
	if b != nil {
		if r, ok := b.lookup(from, to, day); ok {
			return r, nil
		}
		if r, ok := b.lookup(to, from, day); ok {
			return quoBank(decimal.NewFromInt(1), r, inverseDigits), nil
		}
	}
	return decimal.Decimal{}, &RateError{From: from, To: to, On: day}
}

func (b *RateBook) lookup(from, to string, day time.Time) (decimal.Decimal, bool) {
	rates := b.pairs[[2]string{from, to}]
	i, found := slices.BinarySearchFunc(rates, day, func(r datedRate, t time.Time) int { return r.from.Compare(t) })
	if found {
		return rates[i].rate, true
	}
	if i == 0 {
		return decimal.Decimal{}, false
	}
	return rates[i-1].rate, true
}

// Convert returns m in the currency to at the rate in force on the date of
// on, exactly (the product is not rounded; see [Money.Round]). The zero
// Money converts to the zero Money. It fails as [RateBook.Rate] does.
func (b *RateBook) Convert(m Money, to string, on time.Time) (Money, error) {
	to = strings.ToUpper(strings.TrimSpace(to))
	if m.IsZero() || m.Currency == to {
		return m, nil
	}
	r, err := b.Rate(m.Currency, to, on)
	if err != nil {
		return Money{}, err
	}
	return Money{Amount: m.Amount.Mul(r), Currency: to}, nil
}
