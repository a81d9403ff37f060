// Package clv holds probabilistic customer-base models for customer
// lifetime value: who is still a customer, how many purchases each will
// make, how much each purchase is worth, and what that is worth today.
//
// The models are the "buy till you die" family of Fader and Hardie:
//
//   - [BGNBD], the beta-geometric/negative-binomial model (Fader, Hardie &
//     Lee 2005, "Counting Your Customers the Easy Way");
//   - [ParetoNBD], the Pareto/NBD model (Schmittlein, Morrison & Colombo
//     1987);
//   - [GammaGamma], the spend-per-transaction model (Fader, Hardie & Lee
//     2005, "RFM and CLV").
//
// Each is fitted by maximum likelihood ([FitBGNBD], [FitParetoNBD],
// [FitGammaGamma]) from one [Customer] summary per customer, and each is an
// ordinary struct: a literal with published parameters works without
// fitting. [Summarize] turns a transaction log into the summaries, and
// [LifetimeValue] discounts the expected purchases times the expected spend.
//
// # Time
//
// The models have no clock of their own. X, Tx and T of a [Customer], and
// every horizon t passed to a model, are in one time unit, the one given to
// [Summarize] (such as [Week]); the fitted rates are per that unit.
// [LifetimeValue] takes the unit and the discount period as durations so
// the conversion is written down where it is used.
//
// # Amounts
//
// Amounts here are float64: these are statistical estimates, not ledger
// entries, and they are never written back as money. Convert
// [crm.Money] once at the edge ([OrderTransactions] does it for orders)
// and round the results for display.
//
// # Fitting
//
// Customers with identical (X, Tx, T) are grouped before the likelihood is
// evaluated, so a fit costs time in the number of distinct summaries, not
// customers. Parameters are optimised over their logarithms (so they stay
// positive) with BFGS from gonum's optimize package, on the mean negative
// log-likelihood; the log-likelihoods are evaluated with log-sum-exp.
// The fits are pure functions of their input (no context, no clock, no
// randomness), and the models are plain values, safe for concurrent use.
//
// # Errors
//
// Invalid input is reported as a [crm.ValidationError] (matching
// [crm.ErrInvalid]) that names the customer or transaction and each bad
// field. [ErrNoData] and [ErrNoConvergence] report fits that cannot be
// made.
package clv
