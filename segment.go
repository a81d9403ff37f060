package crm

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Segments select customers. Today the one kind is the [CustomerFilter],
// which every Store applies; rule segments over computed metrics (RFM,
// value tiers, lifetime value) build on it.

// Match reports whether f selects c, by the rules documented on
// [CustomerFilter] (paging fields are ignored). It is the reference a
// Store's query must agree with; an in-memory store may use it directly.
func (f *CustomerFilter) Match(c *Customer) bool {
	switch {
	case !f.IncludeArchived && c.Archived():
		return false
	case len(f.Owners) > 0 && !slices.Contains(f.Owners, c.OwnerID):
		return false
	case len(f.Stages) > 0 && !slices.Contains(f.Stages, c.Stage):
		return false
	case len(f.Industries) > 0 && !slices.Contains(f.Industries, c.Industry):
		return false
	case len(f.Regions) > 0 && !slices.Contains(f.Regions, c.Region):
		return false
	case len(f.Kinds) > 0 && !slices.Contains(f.Kinds, c.Kind):
		return false
	case !f.UpdatedSince.IsZero() && c.UpdatedAt.Before(f.UpdatedSince):
		return false
	case len(f.IDs) > 0 && !slices.Contains(f.IDs, c.ID):
		return false
	case len(f.TaxIDs) > 0 && !slices.Contains(f.TaxIDs, c.TaxID):
		return false
	case len(f.Emails) > 0 && !slices.ContainsFunc(c.Emails, func(e Email) bool { return slices.Contains(f.Emails, e.Address) }):
		return false
	case len(f.Phones) > 0 && !slices.ContainsFunc(c.Phones, func(p Phone) bool { return slices.Contains(f.Phones, p.Number) }):
		return false
	case f.Rule != nil && !f.Rule.Match(c, nil):
		return false
	}
	for _, t := range f.Tags {
		if !slices.Contains(c.Tags, t) {
			return false
		}
	}
	if f.Search != "" {
		return hasPrefixFold(c.Name, f.Search) ||
			slices.ContainsFunc(c.Emails, func(e Email) bool { return hasPrefixFold(e.Address, f.Search) })
	}
	return true
}

// hasPrefixFold reports whether s begins with prefix, ignoring case
// (Unicode simple folding, as [strings.EqualFold]). It does not allocate.
func hasPrefixFold(s, prefix string) bool {
	for prefix != "" {
		if s == "" {
			return false
		}
		r1, n1 := utf8.DecodeRuneInString(s)
		r2, n2 := utf8.DecodeRuneInString(prefix)
		if r1 != r2 && !strings.EqualFold(s[:n1], prefix[:n2]) {
			return false
		}
		s, prefix = s[n1:], prefix[n2:]
	}
	return true
}
