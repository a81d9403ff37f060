package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// The customers every filter subtest starts from. Their IDs ascend in
// this order; they are created in another order, so that a store
// returning insertion order is caught.
const (
	acme    = "Acme Ltd"            // org, u-ann, active, software, north, [b2b vip]
	bella   = "Bella Rossi"         // person, u-bob, prospect, no industry, south, [vip]
	carmen  = "Carmen Diaz"         // person, u-ann, loyal, retail, no region, no tags; 2nd email acme.fan@
	delta   = "Delta Retail GmbH"   // org, no owner, churned, retail, north, [b2b]
	echo    = "Echo Systems"        // org, u-bob, active, software, no region, [b2b partner vip]; archived
	foxtrot = "Foxtrot Partners"    // org, u-ann, loyal, consulting, south, [partner]; merged into Acme
	gamma   = "Gamma Acme Holdings" // org, u-carol, prospect, software, west; "acme" only mid-name and mid-email
	organic = "100% Organic"        // org, no owner, new, food, no region; a name with a LIKE wildcard
)

// updatedAt returns the UpdatedAt of the filter customer made hours after
// baseTime.
func updatedAt(hours int) time.Time { return baseTime().Add(time.Duration(hours) * time.Hour) }

// filterFixture is the set of customers the filter subtests query.
type filterFixture struct {
	byName map[string]*crm.Customer
	byID   map[string]string // ID to name
}

func seedFilterFixture(tb testing.TB, s crm.Store) *filterFixture {
	tb.Helper()
	ids := new(crm.UUIDv7)
	mk := func(name string, kind crm.CustomerKind, owner string, stage crm.LifecycleStage, industry, region string, tags []string, hours int) *crm.Customer {
		c := newCustomer(ids, name)
		c.Kind, c.OwnerID, c.Stage, c.Industry, c.Region, c.Tags = kind, owner, stage, industry, region, tags
		c.UpdatedAt = updatedAt(hours)
		return c
	}
	email := func(addrs ...string) []crm.Email {
		var es []crm.Email
		for i, a := range addrs {
			es = append(es, crm.Email{Address: a, Primary: i == 0})
		}
		return es
	}
	phone := func(n string) []crm.Phone { return []crm.Phone{{Number: n, Primary: true}} }
	org, person := crm.KindOrganization, crm.KindPerson

	cs := []*crm.Customer{
		mk(acme, org, "u-ann", crm.StageActive, "software", "north", []string{"b2b", "vip"}, 1),
		mk(bella, person, "u-bob", crm.StageProspect, "", "south", []string{"vip"}, 2),
		mk(carmen, person, "u-ann", crm.StageLoyal, "retail", "", nil, 3),
		mk(delta, org, "", crm.StageChurned, "retail", "north", []string{"b2b"}, 4),
		mk(echo, org, "u-bob", crm.StageActive, "software", "", []string{"b2b", "partner", "vip"}, 5),
		mk(foxtrot, org, "u-ann", crm.StageLoyal, "consulting", "south", []string{"partner"}, 6),
		mk(gamma, org, "u-carol", crm.StageProspect, "software", "west", nil, 7),
		mk(organic, org, "", crm.StageNew, "food", "", nil, 8),
	}
	fx := &filterFixture{byName: make(map[string]*crm.Customer), byID: make(map[string]string)}
	for _, c := range cs {
		fx.byName[c.Name] = c
		fx.byID[c.ID] = c.Name
	}

	a := fx.byName
	a[acme].Emails = email("sales@acme.example", "billing@acme.example")
	a[acme].Phones = phone("+442079460000")
	a[acme].TaxID = "GB123456789"
	a[bella].Emails = email("bella@rossi.example")
	a[bella].Phones = phone("+393331234567")
	a[carmen].Emails = email("carmen@mail.example", "acme.fan@mail.example")
	a[delta].Emails = email("info@delta.example")
	a[delta].Phones = phone("+4930987654")
	a[delta].TaxID = "DE987654321"
	a[echo].Emails = email("hello@echo.example")
	a[echo].Phones = phone("+15550100")
	a[echo].TaxID = "US55"
	a[echo].ArchivedAt = updatedAt(5)
	a[foxtrot].Emails = email("team@foxtrot.example")
	a[foxtrot].ArchivedAt = updatedAt(6)
	a[foxtrot].MergedInto = a[acme].ID
	a[gamma].Emails = email("contact@gamma.example", "info@acme-gamma.example")
	a[gamma].Phones = phone("+442079460001")

	// Not in ID order, and Acme before Foxtrot, which is merged into it.
	for _, name := range []string{organic, delta, acme, gamma, bella, foxtrot, carmen, echo} {
		mustCreateCustomer(tb, s, a[name])
	}
	return fx
}

// sorted returns names in the order of their customers' IDs.
func (fx *filterFixture) sorted(names []string) []string {
	out := slices.Clone(names)
	if out == nil {
		out = []string{}
	}
	slices.SortFunc(out, func(a, b string) int {
		if fx.byName[a] == nil || fx.byName[b] == nil {
			panic("storetest: unknown filter customer")
		}
		return strings.Compare(fx.byName[a].ID, fx.byName[b].ID)
	})
	return out
}

// names returns the names of the customers with ids, keeping their order.
func (fx *filterFixture) names(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		if name, ok := fx.byID[id]; ok {
			out[i] = name
		} else {
			out[i] = "unknown ID " + id
		}
	}
	return out
}

// filterCase is one CustomerFilter and the customers it must select.
type filterCase struct {
	name string
	f    crm.CustomerFilter
	want []string
}

// test seeds the filter customers, then lists f with the default limit
// (one page) and in pages of two: both must return exactly want, in
// ascending ID order.
func (fc filterCase) test(t *testing.T, s crm.Store) {
	fx := seedFilterFixture(t, s)
	want := fx.sorted(fc.want)
	fc.f.IDs = slices.Clone(fc.f.IDs)
	for i, name := range fc.f.IDs {
		if c := fx.byName[name]; c != nil {
			fc.f.IDs[i] = c.ID
		}
	}

	page, next, err := s.FindCustomers(t.Context(), fc.f)
	require.NoError(t, err, "FindCustomers %+v", fc.f)
	assert.Equal(t, want, fx.names(customerIDs(page)), "FindCustomers %+v: one page", fc.f)
	assert.Empty(t, next, "the cursor after a page that holds all %d selected customers", len(want))

	paged := walkPages(t, customerLister(s, fc.f), 2, nil)
	assert.Equal(t, want, fx.names(paged), "FindCustomers %+v: pages of 2", fc.f)
}

func customerFilterCases() []filterCase {
	all := []string{acme, bella, carmen, delta, gamma, organic} // not archived
	type f = crm.CustomerFilter
	return []filterCase{
		{"None", f{}, all},
		{"IncludeArchived", f{IncludeArchived: true}, []string{acme, bella, carmen, delta, echo, foxtrot, gamma, organic}},

		{"Owners", f{Owners: []string{"u-ann"}}, []string{acme, carmen}},
		{"Owners/Several", f{Owners: []string{"u-ann", "u-carol"}}, []string{acme, carmen, gamma}},
		{"Owners/Unknown", f{Owners: []string{"u-nobody"}}, nil},

		{"Stages", f{Stages: []crm.LifecycleStage{crm.StageProspect}}, []string{bella, gamma}},
		{"Stages/Several", f{Stages: []crm.LifecycleStage{crm.StageLoyal, crm.StageChurned}}, []string{carmen, delta}},

		{"Industries", f{Industries: []string{"retail"}}, []string{carmen, delta}},
		{"Industries/Several", f{Industries: []string{"software", "consulting"}}, []string{acme, gamma}},

		{"Regions", f{Regions: []string{"north"}}, []string{acme, delta}},
		{"Regions/NoRegion", f{Regions: []string{""}}, []string{carmen, organic}},
		{"Regions/NoRegionOrSouth", f{Regions: []string{"", "south"}}, []string{bella, carmen, organic}},

		{"Kinds", f{Kinds: []crm.CustomerKind{crm.KindPerson}}, []string{bella, carmen}},
		{"Kinds/Organization", f{Kinds: []crm.CustomerKind{crm.KindOrganization}}, []string{acme, delta, gamma, organic}},
		{"Kinds/Both", f{Kinds: []crm.CustomerKind{crm.KindPerson, crm.KindOrganization}}, all},

		{"Tags", f{Tags: []string{"vip"}}, []string{acme, bella}},
		{"Tags/All", f{Tags: []string{"vip", "b2b"}}, []string{acme}},
		{"Tags/Unknown", f{Tags: []string{"vip", "nope"}}, nil},
		{"Tags/OnlyArchived", f{Tags: []string{"partner"}}, nil},

		// UpdatedSince is given in another zone: the store compares instants.
		{"UpdatedSince", f{UpdatedSince: updatedAt(3).In(offsetZone())}, []string{carmen, delta, gamma, organic}},
		{"UpdatedSince/JustAfter", f{UpdatedSince: updatedAt(3).Add(time.Microsecond)}, []string{delta, gamma, organic}},

		{"Search/Name", f{Search: "bella"}, []string{bella}},
		{"Search/NameWithSpace", f{Search: "carmen d"}, []string{carmen}},
		{"Search/IgnoresCase", f{Search: "aCmE"}, []string{acme, carmen}},
		{"Search/Email", f{Search: "sales@"}, []string{acme}},
		{"Search/SecondEmail", f{Search: "billing@acme"}, []string{acme}},
		{"Search/NotInMiddle", f{Search: "ltd"}, nil},
		{"Search/NotInMiddleOfEmail", f{Search: "rossi"}, nil},
		{"Search/Percent", f{Search: "100%"}, []string{organic}},
		{"Search/WildcardsAreText", f{Search: "%"}, nil},
		{"Search/UnderscoreIsText", f{Search: "1_0"}, nil},

		// IDs are given as the fixture's names; the runner puts in the IDs.
		{"IDs", f{IDs: []string{delta, bella, "no-such-id"}}, []string{bella, delta}},
		{"IDs/Archived", f{IDs: []string{echo, acme}}, []string{acme}},
		{"IDs/ArchivedIncluded", f{IDs: []string{echo, acme, foxtrot}, IncludeArchived: true}, []string{acme, echo, foxtrot}},
		{"IDs/AndRegion", f{IDs: []string{acme, bella, delta}, Regions: []string{"north"}}, []string{acme, delta}},

		{"Emails", f{Emails: []string{"billing@acme.example"}}, []string{acme}},
		{"Emails/Several", f{Emails: []string{"info@delta.example", "bella@rossi.example", "nobody@example.com"}}, []string{bella, delta}},
		{"Emails/SameCustomerTwice", f{Emails: []string{"sales@acme.example", "billing@acme.example"}}, []string{acme}},
		{"Emails/NotPrefix", f{Emails: []string{"billing@acme"}}, nil},
		{"Emails/Archived", f{Emails: []string{"hello@echo.example"}}, nil},
		{"Emails/ArchivedIncluded", f{Emails: []string{"hello@echo.example"}, IncludeArchived: true}, []string{echo}},
		{"Phones", f{Phones: []string{"+442079460000"}}, []string{acme}},
		{"Phones/Several", f{Phones: []string{"+4930987654", "+442079460001"}}, []string{delta, gamma}},
		{"Phones/NotPrefix", f{Phones: []string{"+44207946000"}}, nil},
		{"TaxIDs", f{TaxIDs: []string{"DE987654321"}}, []string{delta}},
		{"TaxIDs/Several", f{TaxIDs: []string{"DE987654321", "GB123456789", "US55"}}, []string{acme, delta}},
		{"TaxIDs/NotPrefix", f{TaxIDs: []string{"DE98765432"}}, nil},
		{"Combined/EmailsAndPhones", f{Emails: []string{"info@delta.example", "sales@acme.example"}, Phones: []string{"+4930987654"}}, []string{delta}},

		{"Combined/OwnerAndTag", f{Owners: []string{"u-ann"}, Tags: []string{"vip"}}, []string{acme}},
		{"Combined/KindRegionStage", f{
			Kinds:   []crm.CustomerKind{crm.KindOrganization},
			Regions: []string{"north"},
			Stages:  []crm.LifecycleStage{crm.StageChurned},
		}, []string{delta}},
		{"Combined/SearchAndKind", f{Search: "acme", Kinds: []crm.CustomerKind{crm.KindPerson}}, []string{carmen}},
		{"Combined/RegionAndUpdatedSince", f{Regions: []string{"north"}, UpdatedSince: updatedAt(2)}, []string{delta}},
		{"Combined/OwnerArchived", f{Owners: []string{"u-bob"}, IncludeArchived: true}, []string{bella, echo}},
		{"Combined/IndustryTagArchived", f{
			Industries:      []string{"software"},
			Tags:            []string{"b2b"},
			IncludeArchived: true,
		}, []string{acme, echo}},
		{"Combined/TagArchived", f{Tags: []string{"partner"}, IncludeArchived: true}, []string{echo, foxtrot}},
		{"Combined/NoneMatch", f{Owners: []string{"u-bob"}, Stages: []crm.LifecycleStage{crm.StageLoyal}}, nil},
	}
}

// testCustomerSearchNonASCII searches names with letters outside ASCII:
// ignoring case applies to them too (a byte-wise or ASCII-only lower-casing
// fails), and no accent is folded away.
func testCustomerSearchNonASCII(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	emile := newCustomer(ids, "Émile Ölund")
	emil := newCustomer(ids, "Emil Olund")
	mustCreateCustomer(t, s, emile)
	mustCreateCustomer(t, s, emil)
	name := map[string]string{emile.ID: emile.Name, emil.ID: emil.Name}

	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"émile", []string{emile.Name}},
		{"ÉMILE ÖL", []string{emile.Name}},
		{"EMIL O", []string{emil.Name}},
	} {
		page, _, err := s.FindCustomers(t.Context(), crm.CustomerFilter{Search: tc.search})
		if !assert.NoError(t, err, "Search %q", tc.search) {
			continue
		}
		got := []string{}
		for _, c := range page {
			got = append(got, name[c.ID])
		}
		assert.Equal(t, tc.want, got, "Search %q", tc.search)
	}
}
