package storetest

import (
	"fmt"
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

// newSegment returns a segment ready to create, as the Client builds one.
func newSegment(ids crm.IDGenerator, name, rule string) *crm.Segment {
	cond, err := crm.ParseCondition(rule)
	if err != nil {
		panic(err)
	}
	return &crm.Segment{ID: ids.NewID(), Name: name, Description: "about " + name, Rule: cond,
		CreatedAt: fineTime(1), CreatedBy: "u-test", UpdatedAt: fineTime(2), UpdatedBy: "u-test", Version: 1}
}

// assertSegment checks that got is want as a store keeps it.
func assertSegment(tb testing.TB, want, got *crm.Segment, msgAndArgs ...any) {
	tb.Helper()
	w := *want
	w.CreatedAt, w.UpdatedAt = crm.Timestamp(w.CreatedAt), crm.Timestamp(w.UpdatedAt)
	assert.True(tb, w.Rule.Equal(got.Rule), "rule %s, want %s", got.Rule, w.Rule)
	w.Rule, got.Rule = crm.Condition{}, crm.Condition{}
	assert.Equal(tb, &w, got, msgAndArgs...)
}

// testSegmentRoundTrip checks that a segment comes back as stored, rule
// with tricky values included, and is reported missing or duplicate.
func testSegmentRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	seg := newSegment(ids, "Hot – ünïcode", `name starts_with "50%_\"off\"" and (r >= 4 or custom.renewal < date("2025-01-31")) and not tags has "日本"`)
	require.NoError(t, s.CreateSegment(t.Context(), seg))
	got, err := s.FindSegmentByID(t.Context(), seg.ID)
	require.NoError(t, err)
	assertSegment(t, seg, got)

	_, err = s.FindSegmentByID(t.Context(), "missing")
	assert.ErrorIs(t, err, crm.ErrNotFound)
	assert.ErrorIs(t, s.CreateSegment(t.Context(), seg), crm.ErrDuplicate)

	got.Name = "Changed"
	got.Rule = crm.Compare("industry", crm.OpEq, crm.StringValue("x"))
	require.NoError(t, s.UpdateSegment(t.Context(), got))
	assert.Equal(t, int64(2), got.Version)
	again, err := s.FindSegmentByID(t.Context(), seg.ID)
	require.NoError(t, err)
	assertSegment(t, got, again)

	stale := again.Clone()
	stale.Version = 1
	assert.ErrorIs(t, s.UpdateSegment(t.Context(), stale), crm.ErrConflict)
	assert.Equal(t, int64(1), stale.Version, "a failed update leaves Version")
	missing := newSegment(ids, "missing", `kind = "person"`)
	assert.ErrorIs(t, s.UpdateSegment(t.Context(), missing), crm.ErrNotFound)
}

// testSegmentPaginate checks that segments list in ID order, page by page.
func testSegmentPaginate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	var want []string
	for i := range 5 {
		seg := newSegment(ids, "s", `kind = "person"`)
		seg.Name = string(rune('a' + i))
		require.NoError(t, s.CreateSegment(t.Context(), seg))
		want = append(want, seg.ID)
	}
	var got []string
	f := crm.SegmentFilter{Limit: 2}
	for range maxPages {
		page, next, err := s.FindSegments(t.Context(), f)
		require.NoError(t, err)
		for _, seg := range page {
			got = append(got, seg.ID)
		}
		if next == "" {
			break
		}
		f.After = next
	}
	assert.Equal(t, want, got)
}

// testSegmentSnapshots checks snapshots: members in order, page by page,
// added in batches; the latest of several; the errors.
func testSegmentSnapshots(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	seg := newSegment(ids, "snap", `kind = "person"`)
	require.NoError(t, s.CreateSegment(t.Context(), seg))
	_, err := s.FindLatestSegmentSnapshot(t.Context(), seg.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound, "no snapshot yet")

	members := newIDs(t, ids, 7)
	first := &crm.SegmentSnapshot{ID: ids.NewID(), SegmentID: seg.ID, SegmentVersion: 1, TakenAt: fineTime(3), TakenBy: "u-test"}
	require.NoError(t, s.CreateSegmentSnapshot(t.Context(), first, members[:3]))
	require.NoError(t, s.AddSegmentSnapshotMembers(t.Context(), first.ID, members[3:5]))
	require.NoError(t, s.AddSegmentSnapshotMembers(t.Context(), first.ID, nil))
	require.NoError(t, s.AddSegmentSnapshotMembers(t.Context(), first.ID, members[5:]))

	latest, err := s.FindLatestSegmentSnapshot(t.Context(), seg.ID)
	require.NoError(t, err)
	assert.Equal(t, &crm.SegmentSnapshot{ID: first.ID, SegmentID: seg.ID, SegmentVersion: 1, Members: 7,
		TakenAt: crm.Timestamp(fineTime(3)), TakenBy: "u-test"}, latest)

	var got []string
	var after crm.Cursor
	for range maxPages {
		page, next, err := s.FindSegmentSnapshotMembers(t.Context(), first.ID, after, 3)
		require.NoError(t, err)
		got = append(got, page...)
		if next == "" {
			break
		}
		after = next
	}
	assert.Equal(t, members, got)

	second := &crm.SegmentSnapshot{ID: ids.NewID(), SegmentID: seg.ID, SegmentVersion: 2, TakenAt: fineTime(4)}
	require.NoError(t, s.CreateSegmentSnapshot(t.Context(), second, nil))
	older := &crm.SegmentSnapshot{ID: ids.NewID(), SegmentID: seg.ID, SegmentVersion: 2, TakenAt: fineTime(2)}
	require.NoError(t, s.CreateSegmentSnapshot(t.Context(), older, members[:1]))
	latest, err = s.FindLatestSegmentSnapshot(t.Context(), seg.ID)
	require.NoError(t, err)
	assert.Equal(t, second.ID, latest.ID, "the latest by time, not by creation")
	assert.Zero(t, latest.Members)
	page, next, err := s.FindSegmentSnapshotMembers(t.Context(), second.ID, "", 0)
	require.NoError(t, err)
	assert.Empty(t, page)
	assert.Empty(t, next)

	assert.ErrorIs(t, s.CreateSegmentSnapshot(t.Context(), second, nil), crm.ErrDuplicate)
	orphan := &crm.SegmentSnapshot{ID: ids.NewID(), SegmentID: "missing", TakenAt: fineTime(5)}
	assert.ErrorIs(t, s.CreateSegmentSnapshot(t.Context(), orphan, nil), crm.ErrNotFound)
	assert.ErrorIs(t, s.AddSegmentSnapshotMembers(t.Context(), "missing", members[:1]), crm.ErrNotFound)
	assert.ErrorIs(t, s.AddSegmentSnapshotMembers(t.Context(), "missing", nil), crm.ErrNotFound)
}

// testSegmentSnapshotRollback checks that a snapshot written in a failed
// transaction leaves no trace.
func testSegmentSnapshotRollback(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	seg := newSegment(ids, "rollback", `kind = "person"`)
	require.NoError(t, s.CreateSegment(t.Context(), seg))
	boom := assert.AnError
	err := s.RunInTx(t.Context(), func(tx crm.Store) error {
		snap := &crm.SegmentSnapshot{ID: ids.NewID(), SegmentID: seg.ID, TakenAt: fineTime(1)}
		require.NoError(t, tx.CreateSegmentSnapshot(t.Context(), snap, newIDs(t, ids, 2)))
		require.NoError(t, tx.AddSegmentSnapshotMembers(t.Context(), snap.ID, newIDs(t, ids, 2)))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.FindLatestSegmentSnapshot(t.Context(), seg.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

// testSegmentSnapshotDiff takes snapshots of a saved segment through a
// Client over the store and checks who entered and who left.
func testSegmentSnapshotDiff(t *testing.T, s crm.Store) {
	c, ctx := mergeClient(t, s)
	var made []*crm.Customer
	for i, region := range []string{"north", "north", "south", "north"} {
		cust, err := c.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Diff %d", i), Region: region,
			Custom: map[string]crm.CustomValue{"n": crm.IntValue(int64(i))}}, crm.AllowDuplicates())
		require.NoError(t, err)
		made = append(made, cust)
	}
	rule, err := crm.ParseCondition(`region = "north" and custom.n < 3`)
	require.NoError(t, err)
	seg, err := c.CreateSegment(ctx, &crm.Segment{Name: "North", Rule: rule})
	require.NoError(t, err)

	first, err := c.SnapshotSegment(ctx, seg.ID, crm.SegmentOptions{})
	require.NoError(t, err)
	assert.Nil(t, first.Previous)
	assert.Equal(t, []string{made[0].ID, made[1].ID}, first.Entered)
	assert.Empty(t, first.Left)
	assert.Equal(t, 2, first.Snapshot.Members)

	cust := made[1]
	_, err = c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Region: crm.Ptr("south")})
	require.NoError(t, err)
	cust = made[2]
	_, err = c.UpdateCustomer(ctx, cust.ID, cust.Version, crm.CustomerUpdate{Region: crm.Ptr("north")})
	require.NoError(t, err)

	second, err := c.SnapshotSegment(ctx, seg.ID, crm.SegmentOptions{})
	require.NoError(t, err)
	require.NotNil(t, second.Previous)
	assert.Equal(t, first.Snapshot.ID, second.Previous.ID)
	assert.Equal(t, []string{made[2].ID}, second.Entered)
	assert.Equal(t, []string{made[1].ID}, second.Left)
	stored, err := s.FindLatestSegmentSnapshot(t.Context(), seg.ID)
	require.NoError(t, err)
	assert.Equal(t, second.Snapshot.ID, stored.ID)
	assert.Equal(t, 2, stored.Members)

	_, err = c.SnapshotSegment(ctx, "missing", crm.SegmentOptions{})
	assert.ErrorIs(t, err, crm.ErrNotFound)
}
