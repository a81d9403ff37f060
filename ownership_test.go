package crm_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func TestAssigner(t *testing.T) {
	a, err := crm.NewAssigner(
		crm.AssignmentRule{Name: "nordics", Countries: []string{"SE", "NO", "DK"}, Team: []string{"sven"}},
		crm.AssignmentRule{Name: "north software", Entities: []crm.EntityKind{crm.EntityLead}, Regions: []string{"north"}, Industries: []string{"Software"}, Team: []string{"ann", "bob"}},
		crm.AssignmentRule{Name: "service desk", Entities: []crm.EntityKind{crm.EntityCase}, Team: []string{"cat", "dan", "eve"}},
		crm.AssignmentRule{Name: "sales pool", Team: []string{"zed"}},
	)
	require.NoError(t, err)
	lead := crm.AssignmentSubject{Entity: crm.EntityLead, Region: "North", Industry: "software"}
	owner, rule, ok := a.Next(lead)
	require.True(t, ok)
	assert.Equal(t, "ann", owner)
	assert.Equal(t, "north software", rule)
	var got []string
	for range 5 {
		owner, _, _ := a.Assign(lead)
		got = append(got, owner)
	}
	assert.Equal(t, []string{"ann", "bob", "ann", "bob", "ann"}, got, "round-robin within the team; Next did not count")
	var cases []string
	for range 4 {
		owner, _, _ := a.Assign(crm.AssignmentSubject{Entity: crm.EntityCase, Region: "north", Industry: "software"})
		cases = append(cases, owner)
	}
	assert.Equal(t, []string{"cat", "dan", "eve", "cat"}, cases, "the lead rule does not take cases")
	owner, rule, _ = a.Assign(crm.AssignmentSubject{Entity: crm.EntityCase, Country: "se"})
	assert.Equal(t, "sven", owner, "the first matching rule wins")
	assert.Equal(t, "nordics", rule)
	owner, _, _ = a.Assign(crm.AssignmentSubject{Entity: crm.EntityLead, Region: "south"})
	assert.Equal(t, "zed", owner, "the catch-all")

	none, err := crm.NewAssigner(crm.AssignmentRule{Name: "x", Regions: []string{"west"}, Team: []string{"a"}})
	require.NoError(t, err)
	_, _, ok = none.Assign(lead)
	assert.False(t, ok)

	_, err = crm.NewAssigner(
		crm.AssignmentRule{Team: []string{"a"}},
		crm.AssignmentRule{Name: "x", Team: []string{"a"}},
		crm.AssignmentRule{Name: "x", Entities: []crm.EntityKind{crm.EntityCustomer}},
	)
	assert.NotEmpty(t, fieldErr(t, err, "rules[0].name"))
	assert.NotEmpty(t, fieldErr(t, err, "rules[2].name"))
	assert.NotEmpty(t, fieldErr(t, err, "rules[2].team"))
	assert.NotEmpty(t, fieldErr(t, err, "rules[2].entities[0]"))
}

// history returns the ownership history of a record as "from→to reason".
func history(t *testing.T, c *crm.Client, kind crm.EntityKind, id string) []string {
	t.Helper()
	var out []string
	for ch, err := range c.OwnerHistory(t.Context(), kind, id) {
		require.NoError(t, err)
		out = append(out, ch.From+"→"+ch.To+" "+ch.Reason)
	}
	return out
}

func TestClient_AssignAndReassign(t *testing.T) {
	a, err := crm.NewAssigner(
		crm.AssignmentRule{Name: "north", Regions: []string{"north"}, Team: []string{"ann", "bob"}},
		crm.AssignmentRule{Name: "desk", Entities: []crm.EntityKind{crm.EntityCase}, Team: []string{"cat"}},
	)
	require.NoError(t, err)
	c, clock, _ := newClient(t, crm.WithAssigner(a))
	boss := actorCtx(t, "boss")

	l1, err := c.CreateLead(boss, &crm.Lead{Name: "Bo", Region: "north"})
	require.NoError(t, err)
	l2, err := c.CreateLead(boss, &crm.Lead{Name: "Cy", Region: "north"})
	require.NoError(t, err)
	l3, err := c.CreateLead(boss, &crm.Lead{Name: "Di", Region: "south"})
	require.NoError(t, err)
	l4, err := c.CreateLead(boss, &crm.Lead{Name: "Ed", Region: "north", OwnerID: "zoe"})
	require.NoError(t, err)
	assert.Equal(t, []string{"ann", "bob", "boss", "zoe"}, []string{l1.OwnerID, l2.OwnerID, l3.OwnerID, l4.OwnerID},
		"rules, then the acting user; a named owner stands")
	assert.Equal(t, []string{"→ann rule: north"}, history(t, c, crm.EntityLead, l1.ID))
	assert.Empty(t, history(t, c, crm.EntityLead, l3.ID), "no rule chose, nothing to record")

	acme := mustCreate(t, c, boss, &crm.Customer{Name: "Acme Ltd", OwnerID: "ann"})
	cs, err := c.CreateCase(boss, &crm.Case{CustomerID: acme.ID, Kind: crm.CaseRequest, Subject: "Invoice copy"})
	require.NoError(t, err)
	assert.Equal(t, "cat", cs.OwnerID, "the desk rule")
	assert.Equal(t, []string{"→cat rule: desk"}, history(t, c, crm.EntityCase, cs.ID))

	clock.Advance(time.Hour)
	_, err = c.Reassign(boss, crm.EntityCustomer, acme.ID, acme.Version, "bob", "ann on leave")
	require.NoError(t, err)
	acme, err = c.GetCustomer(boss, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, "bob", acme.OwnerID)
	_, err = c.UpdateCustomer(boss, acme.ID, acme.Version, crm.CustomerUpdate{OwnerID: crm.Ptr("ann")})
	require.NoError(t, err)
	assert.Equal(t, []string{"ann→bob ann on leave", "bob→ann "}, history(t, c, crm.EntityCustomer, acme.ID),
		"an owner changed by an update is recorded too")
	_, err = c.Reassign(boss, crm.EntityCustomer, acme.ID, acme.Version, "eve", "stale")
	assert.ErrorIs(t, err, crm.ErrConflict)
	assert.Len(t, history(t, c, crm.EntityCustomer, acme.ID), 2, "a refused reassignment records nothing")

	_, err = c.Reassign(boss, crm.EntityLead, l1.ID, l1.Version, "bob", "balance")
	require.NoError(t, err)
	_, err = c.Reassign(boss, crm.EntityCase, cs.ID, cs.Version, "dan", "escalated")
	require.NoError(t, err)
	p, err := c.CreatePipeline(boss, crm.DefaultPipeline())
	require.NoError(t, err)
	deal, err := c.CreateOpportunity(boss, &crm.Opportunity{Name: "fleet", CustomerID: acme.ID, PipelineID: p.ID})
	require.NoError(t, err)
	_, err = c.Reassign(boss, crm.EntityOpportunity, deal.ID, deal.Version, "cat", "key account")
	require.NoError(t, err)
	assert.Equal(t, []string{"→ann rule: north", "ann→bob balance"}, history(t, c, crm.EntityLead, l1.ID))
	assert.Equal(t, []string{"→cat rule: desk", "cat→dan escalated"}, history(t, c, crm.EntityCase, cs.ID))
	assert.Equal(t, []string{"boss→cat key account"}, history(t, c, crm.EntityOpportunity, deal.ID))
	deal, err = c.GetOpportunity(boss, deal.ID)
	require.NoError(t, err)
	_, err = c.Reassign(boss, crm.EntityOpportunity, deal.ID, deal.Version, "cat", "no change")
	require.NoError(t, err)
	assert.Len(t, history(t, c, crm.EntityOpportunity, deal.ID), 1, "giving a record to its owner changes nothing")

	var bobs []string
	for ch, err := range c.OwnerChanges(boss, crm.OwnerChangeFilter{Owners: []string{"bob"}}) {
		require.NoError(t, err)
		bobs = append(bobs, string(ch.Entity)+" "+ch.Reason)
	}
	assert.Equal(t, []string{"lead rule: north", "customer ann on leave", "customer ", "lead balance"}, bobs, "to or from bob, in the order written")

	_, err = c.Reassign(boss, "invoice", "x", 1, "", long(1001))
	assert.NotEmpty(t, fieldErr(t, err, "entity"))
	assert.NotEmpty(t, fieldErr(t, err, "to"))
	assert.NotEmpty(t, fieldErr(t, err, "reason"))
	_, err = c.Reassign(boss, crm.EntityLead, "nope", 1, "ann", "")
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

// A merge or an import that changes a customer's owner records it.
func TestOwnerChanges_MergeAndImport(t *testing.T) {
	c, _, _ := newClient(t)
	boss := actorCtx(t, "boss")
	system := t.Context() // no actor: the customers have no owner
	survivor := mustCreate(t, c, system, &crm.Customer{Name: "Acme Ltd"})
	dup := mustCreate(t, c, boss, &crm.Customer{Name: "ACME Limited", OwnerID: "bob"}, crm.AllowDuplicates())
	_, err := c.MergeCustomers(boss, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{"→bob merge of " + dup.ID}, history(t, c, crm.EntityCustomer, survivor.ID))

	berg := mustCreate(t, c, system, &crm.Customer{Name: "Berg AB", Emails: []crm.Email{{Address: "bo@berg.example"}}})
	res, err := c.ImportCustomers(boss, rowsOf(crm.Customer{Name: "Berg AB", OwnerID: "cat", Emails: []crm.Email{{Address: "bo@berg.example"}}}),
		crm.ImportOptions{Duplicates: crm.MergeDuplicates})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Merged)
	assert.Equal(t, []string{"→cat import"}, history(t, c, crm.EntityCustomer, berg.ID))
}

func TestClient_Reassign_ReturnsVersion(t *testing.T) {
	c, _, _ := newClient(t)
	boss := actorCtx(t, "boss")
	acme := mustCreate(t, c, boss, &crm.Customer{Name: "Acme Ltd", OwnerID: "ann"})
	v, err := c.Reassign(boss, crm.EntityCustomer, acme.ID, acme.Version, "bob", "")
	require.NoError(t, err)
	got, err := c.GetCustomer(boss, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, got.Version, v)
	assert.Equal(t, acme.Version+1, v)
	_, err = crm.NewAssigner(crm.AssignmentRule{Name: long(101), Team: []string{"a"}})
	assert.NotEmpty(t, fieldErr(t, err, "rules[0].name"))
}

// Every customer has an owner: its creator unless given.
func TestCreateCustomer_OwnerDefaultsToCreator(t *testing.T) {
	c, _, _ := newClient(t)
	ann := actorCtx(t, "ann")
	mine := mustCreate(t, c, ann, &crm.Customer{Name: "Mine Ltd"})
	assert.Equal(t, "ann", mine.OwnerID)
	given := mustCreate(t, c, ann, &crm.Customer{Name: "Given Ltd", OwnerID: "bob"})
	assert.Equal(t, "bob", given.OwnerID)
	res, err := c.ImportCustomers(ann, rowsOf(crm.Customer{Name: "Imported Ltd"}), crm.ImportOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Created)
	for cust, err := range c.Customers(ann, crm.CustomerFilter{Search: "Imported"}) {
		require.NoError(t, err)
		assert.Equal(t, "ann", cust.OwnerID, "imports too")
	}
}
