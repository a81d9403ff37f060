package crm_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// collectNames drains a member stream into customer names.
func collectNames(tb testing.TB, seq func(func(*crm.Customer, error) bool)) []string {
	tb.Helper()
	var names []string
	for c, err := range seq {
		require.NoError(tb, err)
		names = append(names, c.Name)
	}
	return names
}

func TestSegmentMembers(t *testing.T) {
	client, _, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	acme := mustCreate(t, client, ctx, &crm.Customer{Name: "Acme", Industry: "manufacturing", Tags: []string{"VIP"},
		Custom: map[string]crm.CustomValue{"plan": crm.StringValue("gold")}})
	mustCreate(t, client, ctx, &crm.Customer{Name: "Bolt", Industry: "manufacturing", Tags: []string{"vip"}})
	mustCreate(t, client, ctx, &crm.Customer{Name: "Cog", Industry: "retail", Tags: []string{"vip"}})
	gone := mustCreate(t, client, ctx, &crm.Customer{Name: "Dent", Industry: "manufacturing", Tags: []string{"vip"}})
	_, err := client.ArchiveCustomer(ctx, gone.ID, gone.Version)
	require.NoError(t, err)

	metrics := map[string]crm.Metrics{acme.ID: {R: 5, F: 3, M: 4, Tier: "A", CLV: decimal.NewFromInt(900)}}
	opts := crm.SegmentOptions{Metrics: func(id string) (crm.Metrics, bool) { m, ok := metrics[id]; return m, ok }}

	rule, err := crm.ParseCondition(`industry = "manufacturing" and r >= 4 and tags has "vip"`)
	require.NoError(t, err)
	seg := &crm.Segment{Name: "hot", Rule: rule}
	assert.Equal(t, []string{"Acme"}, collectNames(t, client.SegmentMembers(ctx, seg, opts)))

	seg.Rule, _ = crm.ParseCondition(`industry = "manufacturing" and not r >= 4`)
	assert.Equal(t, []string{"Bolt"}, collectNames(t, client.SegmentMembers(ctx, seg, opts)), "no metrics: r >= 4 does not hold")

	seg.Rule, _ = crm.ParseCondition(`tags has "vip" and (custom.plan = "gold" or name contains "og")`)
	assert.Equal(t, []string{"Acme", "Cog"}, collectNames(t, client.SegmentMembers(ctx, seg, crm.SegmentOptions{})))

	t.Run("ErrMetricsRequired", func(t *testing.T) {
		seg := &crm.Segment{Rule: crm.Compare("tier", crm.OpEq, crm.StringValue("A"))}
		for _, err := range client.SegmentMembers(ctx, seg, crm.SegmentOptions{}) {
			assert.Equal(t, "required: the rule tests r, f, m, tier or clv", fieldErr(t, err, "metrics"))
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		seg := &crm.Segment{Rule: crm.Compare("tags", crm.OpEq, crm.StringValue("vip"))}
		n := 0
		for _, err := range client.SegmentMembers(ctx, seg, opts) {
			n++
			assert.Contains(t, fieldErr(t, err, "tags"), "does not apply to tags")
		}
		assert.Equal(t, 1, n)
	})
}

func TestSavedSegments(t *testing.T) {
	client, clock, _ := newClient(t)
	ctx := actorCtx(t, "u-ann")
	rule, err := crm.ParseCondition(`tags has "vip"`)
	require.NoError(t, err)
	in := &crm.Segment{Name: "  VIPs ", Rule: rule}
	seg, err := client.CreateSegment(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, "VIPs", seg.Name)
	assert.Equal(t, "  VIPs ", in.Name, "input untouched")
	assert.Equal(t, int64(1), seg.Version)
	assert.Equal(t, "u-ann", seg.CreatedBy)

	got, err := client.GetSegment(ctx, seg.ID)
	require.NoError(t, err)
	assert.True(t, rule.Equal(got.Rule))

	clock.Advance(time.Hour)
	newRule := crm.Compare("industry", crm.OpEq, crm.StringValue("retail"))
	up, err := client.UpdateSegment(ctx, seg.ID, seg.Version, crm.SegmentUpdate{Rule: &newRule})
	require.NoError(t, err)
	assert.Equal(t, int64(2), up.Version)
	assert.Equal(t, "VIPs", up.Name)
	assert.Equal(t, `industry = "retail"`, up.Rule.String())
	_, err = client.UpdateSegment(ctx, seg.ID, seg.Version, crm.SegmentUpdate{Name: crm.Ptr("x")})
	assert.ErrorIs(t, err, crm.ErrConflict)
	same, err := client.UpdateSegment(ctx, seg.ID, up.Version, crm.SegmentUpdate{Name: crm.Ptr(" VIPs"), Rule: &newRule})
	require.NoError(t, err)
	assert.Equal(t, up.Version, same.Version, "nothing changed, nothing written")
	page, next, err := client.ListSegments(ctx, crm.SegmentFilter{Limit: 1})
	require.NoError(t, err)
	assert.Len(t, page, 1)
	assert.Empty(t, next)
	_, _, err = client.ListSegments(ctx, crm.SegmentFilter{Limit: -1})
	assert.Contains(t, fieldErr(t, err, "limit"), "between 0")

	var names []string
	for s, err := range client.Segments(ctx) {
		require.NoError(t, err)
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"VIPs"}, names)

	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := client.CreateSegment(ctx, &crm.Segment{Rule: crm.Compare("indstry", crm.OpEq, crm.StringValue("x"))})
		assert.Equal(t, "required", fieldErr(t, err, "name"))
		assert.Equal(t, `unknown field "indstry"`, fieldErr(t, err, "rule.indstry"))
		_, err = client.UpdateSegment(ctx, seg.ID, up.Version, crm.SegmentUpdate{Rule: &crm.Condition{}})
		assert.ErrorIs(t, err, crm.ErrInvalid)
		_, err = client.GetSegment(ctx, "missing")
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})
}
