package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testPipelineRoundTrip stores a pipeline with every field set and a
// minimal one, and reads them back by ID and through FindPipelines.
func testPipelineRoundTrip(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	want := fullPipeline(ids.NewID())
	minimal := minimalPipeline(ids, "Minimal")
	mustCreatePipeline(t, s, want)
	mustCreatePipeline(t, s, minimal)

	got := mustFindPipeline(t, s, want.ID)
	assertPipelineEqual(t, want, got, "FindPipelineByID")

	// The points most likely to break, spelled out with literal values.
	keys := make([]string, len(got.Stages))
	for i, st := range got.Stages {
		keys[i] = st.Key
	}
	assert.Equal(t, []string{"screening", "collection", "proposal", "negotiation_2", "commit", "won", "lost", "lost_no_budget"},
		keys, "the stages, in their order")
	if len(got.Stages) == len(want.Stages) {
		assert.Equal(t, []crm.OpportunityField{crm.FieldNextStep, crm.FieldAmount, crm.FieldContact, crm.FieldCloseDate},
			got.Stages[3].Requires, "the fields stage negotiation_2 requires, in their order")
		assert.Empty(t, got.Stages[1].Requires, "a stage that requires nothing")
	}
	assert.Equal(t, []string{"price", "competitor", "Keine Entscheidung", "timing"}, got.LostReasons, "LostReasons, in their order")
	wantCreated := time.Date(2024, 2, 29, 18, 0, 9, 123456000, time.UTC)
	assert.True(t, wantCreated.Equal(got.CreatedAt), "CreatedAt: want %s (UTC, truncated to µs), got %s", wantCreated, got.CreatedAt)
	assert.Equal(t, "UTC", got.CreatedAt.Location().String(), "the location of CreatedAt")

	gotMinimal := mustFindPipeline(t, s, minimal.ID)
	assertPipelineEqual(t, minimal, gotMinimal, "FindPipelineByID of a pipeline with no stages")
	assert.Empty(t, gotMinimal.Stages, "Stages of a pipeline stored without any")
	assert.Empty(t, gotMinimal.LostReasons, "LostReasons of a pipeline stored without any")

	list := mustFindPipelines(t, s)
	if assert.Len(t, list, 2, "FindPipelines") {
		assertPipelineEqual(t, want, list[0], "FindPipelines, first pipeline")
		assertPipelineEqual(t, minimal, list[1], "FindPipelines, second pipeline")
	}
}

func testPipelineNotFound(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	present := newPipeline(ids, "Present")
	mustCreatePipeline(t, s, present)
	missing := ids.NewID()

	_, err := s.FindPipelineByID(ctx, missing)
	assert.ErrorIs(t, err, crm.ErrNotFound, "FindPipelineByID of a missing ID")
	_, err = s.FindPipelineByID(ctx, "")
	assert.ErrorIs(t, err, crm.ErrNotFound, `FindPipelineByID("")`)

	ghost := newPipeline(ids, "Ghost")
	ghost.ID = missing
	err = s.UpdatePipeline(ctx, ghost)
	assert.ErrorIs(t, err, crm.ErrNotFound, "UpdatePipeline of a missing ID")
	assert.EqualValues(t, 1, ghost.Version, "a failed UpdatePipeline must leave the Version passed in")
	assertNoPipeline(t, s, missing, "UpdatePipeline of a missing ID must not create it")
	assertStoredPipeline(t, s, present, "another pipeline")
	assert.Equal(t, []string{present.ID}, pipelineIDs(mustFindPipelines(t, s)), "FindPipelines")
}

func testPipelineDuplicate(t *testing.T, s crm.Store) {
	ids := new(crm.UUIDv7)
	original := newPipeline(ids, "Original")
	mustCreatePipeline(t, s, original)

	dup := fullPipeline(original.ID)
	err := s.CreatePipeline(t.Context(), dup)
	assert.ErrorIs(t, err, crm.ErrDuplicate, "CreatePipeline with an ID in use")
	assertStoredPipeline(t, s, original, "after the refused duplicate")
	assert.Equal(t, []string{original.ID}, pipelineIDs(mustFindPipelines(t, s)), "FindPipelines after the refused duplicate")
}

// testPipelineUpdate edits the stages of a pipeline — drops, adds,
// reorders, changes what they require — and checks the version rule.
func testPipelineUpdate(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	full := fullPipeline(ids.NewID())
	other := newPipeline(ids, "Bystander")
	mustCreatePipeline(t, s, full)
	mustCreatePipeline(t, s, other)

	u := mustFindPipeline(t, s, full.ID)
	require.EqualValues(t, 1, u.Version)
	require.Len(t, u.Stages, 8)
	u.Name = "Corporate loans"
	stages := []crm.Stage{
		u.Stages[1], // collection first
		u.Stages[0],
		{Key: "due_diligence", Name: "Due diligence", Probability: 40, Category: crm.CategoryBestCase,
			Requires: []crm.OpportunityField{crm.FieldOwner, crm.FieldContact}},
		u.Stages[2],
		u.Stages[5],
		u.Stages[6],
	}
	stages[1].Requires = nil                                                                          // screening requires nothing now
	stages[3].Requires = []crm.OpportunityField{crm.FieldAmount}                                      // proposal, one field less
	stages[4].Requires = append(slices.Clone(stages[4].Requires), crm.FieldCloseDate)                 // won, one more
	stages[0].Requires = []crm.OpportunityField{crm.FieldNextStep}                                    // collection, from none
	stages[5].Name, stages[5].Probability, stages[5].Category = "Verloren", 0, crm.CategoryClosedLost // lost, renamed
	u.Stages = stages
	u.LostReasons = []string{"timing", "price", "fraud"}
	u.UpdatedAt = fineTime(15)
	u.UpdatedBy = "u-carol"
	want := u.Clone()

	require.NoError(t, s.UpdatePipeline(ctx, u), "UpdatePipeline")
	assert.EqualValues(t, 2, u.Version, "UpdatePipeline must set the Version passed in to the next one")
	want.Version = 2
	assertStoredPipeline(t, s, want, "after the first update")

	// The value UpdatePipeline returned is good for the next update.
	u.LostReasons = nil
	u.Stages = u.Stages[:2]
	require.NoError(t, s.UpdatePipeline(ctx, u), "UpdatePipeline with the version set by the last update")
	assert.EqualValues(t, 3, u.Version)
	want.LostReasons, want.Stages, want.Version = nil, want.Stages[:2], 3
	assertStoredPipeline(t, s, want, "after the second update")

	assertStoredPipeline(t, s, other, "a pipeline not updated")
	list := mustFindPipelines(t, s)
	if assert.Len(t, list, 2, "FindPipelines after the updates") {
		assertPipelineEqual(t, want, list[0], "FindPipelines after the updates")
	}
}

// testPipelineStaleVersion updates with versions behind and ahead of the
// stored one: each fails with ErrConflict and changes nothing.
func testPipelineStaleVersion(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	p := fullPipeline(ids.NewID())
	mustCreatePipeline(t, s, p)

	first := mustFindPipeline(t, s, p.ID)
	second := mustFindPipeline(t, s, p.ID)
	first.Name = "First writer"
	require.NoError(t, s.UpdatePipeline(ctx, first), "the first writer's update")
	before := mustFindPipeline(t, s, p.ID)
	require.EqualValues(t, 2, before.Version)

	second.Name = "Second writer"
	second.Stages = second.Stages[:3]
	second.LostReasons = []string{"lost"}
	err := s.UpdatePipeline(ctx, second)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdatePipeline with a version behind the stored one")
	assert.EqualValues(t, 1, second.Version, "a failed UpdatePipeline must leave the Version passed in")
	assertStoredPipeline(t, s, before, "after the stale update")

	ahead := before.Clone()
	ahead.Name = "From the future"
	ahead.Version = 7
	err = s.UpdatePipeline(ctx, ahead)
	assert.ErrorIs(t, err, crm.ErrConflict, "UpdatePipeline with a version ahead of the stored one")
	assert.EqualValues(t, 7, ahead.Version, "a failed UpdatePipeline must leave the Version passed in")
	assertStoredPipeline(t, s, before, "after the update from ahead")
}

// testPipelineList lists pipelines created out of ID order: FindPipelines
// returns every one, in ascending ID order, and nothing on an empty store.
func testPipelineList(t *testing.T, s crm.Store) {
	ps, err := s.FindPipelines(t.Context())
	require.NoError(t, err, "FindPipelines on an empty store")
	assert.Empty(t, ps, "FindPipelines on an empty store")

	ids := newIDs(t, new(crm.UUIDv7), 7)
	byID := make(map[string]*crm.Pipeline)
	for i, id := range shuffled(ids) {
		p := newPipeline(crm.IDGeneratorFunc(func() string { return id }), "Pipeline "+id)
		if i%2 == 0 {
			p = fullPipeline(id)
		}
		byID[id] = p
		mustCreatePipeline(t, s, p)
	}
	list := mustFindPipelines(t, s)
	require.Equal(t, ids, pipelineIDs(list), "FindPipelines, in ascending ID order")
	for _, p := range list {
		if !assertPipelineEqual(t, byID[p.ID], p, "FindPipelines") {
			break
		}
	}
}

// testPipelineCopies mutates every pipeline value that crosses the Store
// boundary, down to the fields a stage requires, and checks that the
// stored pipeline does not change.
func testPipelineCopies(t *testing.T, s crm.Store) {
	ctx := t.Context()
	ids := new(crm.UUIDv7)
	p := fullPipeline(ids.NewID())
	want := p.Clone()

	require.NoError(t, s.CreatePipeline(ctx, p))
	scribblePipeline(p)
	assertStoredPipeline(t, s, want, "after changing the value passed to CreatePipeline")

	got := mustFindPipeline(t, s, want.ID)
	scribblePipeline(got)
	assertStoredPipeline(t, s, want, "after changing a value FindPipelineByID returned")

	list := mustFindPipelines(t, s)
	require.Len(t, list, 1)
	scribblePipeline(list[0])
	assertStoredPipeline(t, s, want, "after changing a value FindPipelines returned")

	u := mustFindPipeline(t, s, want.ID)
	u.Name = "Updated"
	want = u.Clone()
	require.NoError(t, s.UpdatePipeline(ctx, u))
	want.Version = 2
	scribblePipeline(u)
	assertStoredPipeline(t, s, want, "after changing the value passed to UpdatePipeline")

	x := mustFindPipeline(t, s, want.ID)
	y := mustFindPipeline(t, s, want.ID)
	scribblePipeline(x)
	assertPipelineEqual(t, want, y, "a second read after changing the first")
}

// scribblePipeline changes, in place, every part of p that a store could
// share with the caller: the stages, the fields each requires, the lost
// reasons, and slices grown into spare capacity.
func scribblePipeline(p *crm.Pipeline) {
	p.Name = "scribbled"
	for i := range p.Stages {
		st := &p.Stages[i]
		if len(st.Requires) > 0 {
			st.Requires[0] = "scribbled"
		}
		st.Requires = append(st.Requires, "appended")
	}
	if len(p.Stages) > 0 {
		p.Stages[0].Name = "scribbled"
		p.Stages[0].Probability++
	}
	if len(p.LostReasons) > 0 {
		p.LostReasons[0] = "scribbled"
	}
	p.Stages = append(p.Stages, crm.Stage{Key: "appended"})
	p.LostReasons = append(p.LostReasons, "appended")
	p.Version += 100
}
