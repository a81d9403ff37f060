package crm

import "context"

var lifecycleMoves = map[LifecycleStage][]LifecycleStage{}

type DuplicateRules struct{ NameThreshold float64 }

func DefaultDuplicateRules() DuplicateRules { return DuplicateRules{} }

type SurvivorshipRules map[string]string

func (r SurvivorshipRules) validate(string) *ValidationError { return nil }

type ChildKind struct {
	Name string
	List func(ctx context.Context, s Store, customerID string) ([]string, error)
	Move func(ctx context.Context, s Store, fromID, toID string) error
}

var contactKind ChildKind

func callingCode(string) string { return "" }
func CurrencyDigits(string) (int, bool) { return 2, true }
