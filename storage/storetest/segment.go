package storetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// segmentCustomers stores customers whose fields hold the values rules
// trip over: quotes, LIKE wildcards, backslashes, non-ASCII letters, case
// and trailing spaces, empty text, and prefixes of one another.
func segmentCustomers(tb testing.TB, s crm.Store) []*crm.Customer {
	tb.Helper()
	ids := new(crm.UUIDv7)
	var all []*crm.Customer
	add := func(name, industry, region string, tags ...string) {
		c := newCustomer(ids, name)
		c.Industry, c.Region, c.Tags = industry, region, tags
		mustCreateCustomer(tb, s, c)
		all = append(all, c)
	}
	add(`O'Neil "Ltd"`, "manufacturing", "north", "vip")
	add("100% Pure_Water", "manufacturing", "", "vip", "wholesale")
	add("100_ Pure", "Manufacturing", "south")
	add(`back\slash`, "manufacturing ", "south", "wholesale")
	add("Müller GmbH", "retail", "norð", "vip")
	add("müller", "retail", "north")
	add("日本 株式会社", "", "", "日本")
	add("Zed", "z", "nort")
	add("", "retail", "north", "vip")
	return all
}

// segmentRules are stored-field rules, one per operator and tricky value.
var segmentRules = []string{
	`industry = "manufacturing"`,
	`industry != "manufacturing"`,
	`industry = "manufacturing "`,
	`industry in ("retail", "Manufacturing", "")`,
	`industry is empty`,
	`not industry is empty`,
	`region < "north"`,
	`region <= "north"`,
	`region > "north"`,
	`region >= "nort" and region < "norð"`,
	`name = "O'Neil \"Ltd\""`,
	`name starts_with "100%"`,
	`name starts_with "100_"`,
	`name starts_with "100"`,
	`name starts_with "M"`,
	`name starts_with "mü"`,
	`name starts_with "back\\"`,
	`name starts_with ""`,
	`name is empty`,
	`name = "日本 株式会社"`,
	`tags has "vip"`,
	`tags has "VIP"`,
	`tags has "日本"`,
	`tags is empty`,
	`not tags has "vip"`,
	`tags has "vip" and tags has "wholesale"`,
	`tags has "wholesale" or region is empty`,
	`not (industry = "retail" or tags is empty) and region != "north"`,
	`kind = "organization" and stage in ("prospect") and owner is empty`,
}

// testSegmentRule checks that a Store selects, for a rule on stored
// fields, exactly the customers [crm.Condition.Match] selects.
func testSegmentRule(t *testing.T, s crm.Store) {
	all := segmentCustomers(t, s)
	for _, text := range segmentRules {
		rule, err := crm.ParseCondition(text)
		require.NoError(t, err, text)
		require.NoError(t, rule.CheckStored(), text)
		var want []string
		for _, c := range all {
			if rule.Match(c, nil) {
				want = append(want, c.ID)
			}
		}
		got := allCustomers(t, s, crm.CustomerFilter{Rule: &rule, Limit: 2})
		assert.ElementsMatch(t, want, customerIDs(got), text)
	}
	// Spot checks that the reference itself reads the values right.
	count := func(text string) int {
		rule, err := crm.ParseCondition(text)
		require.NoError(t, err)
		return len(allCustomers(t, s, crm.CustomerFilter{Rule: &rule}))
	}
	assert.Equal(t, 2, count(`industry = "manufacturing"`), "case and trailing spaces count")
	assert.Equal(t, 1, count(`name starts_with "100%"`), "% is plain text")
	assert.Equal(t, 1, count(`name starts_with "100_"`), "_ is plain text")
	assert.Equal(t, 4, count(`tags has "vip"`))
}

// testSegmentRuleInvalid checks that a Store refuses a rule it cannot
// test itself.
func testSegmentRuleInvalid(t *testing.T, s crm.Store) {
	for _, rule := range []crm.Condition{
		crm.Compare("r", crm.OpGe, crm.IntValue(4)),
		crm.Compare("name", crm.OpContains, crm.StringValue("x")),
		crm.Compare("custom.plan", crm.OpEq, crm.StringValue("x")),
		crm.Compare("nope", crm.OpEq, crm.StringValue("x")),
	} {
		_, _, err := s.FindCustomers(t.Context(), crm.CustomerFilter{Rule: &rule})
		assert.ErrorIs(t, err, crm.ErrInvalid, rule.String())
	}
}
