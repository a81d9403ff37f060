package storetest

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// testFollowUpIdempotent drives the closed loop through Clients over the
// store: a detractor recorded under a follow-up policy opens its case in
// the same transaction; answers recorded before the policy get theirs
// from sweeps, of which several at once, and FollowUp calls at once, open
// one case per response, the store's unique case source deciding the
// races.
func testFollowUpIdempotent(t *testing.T, s crm.Store) {
	plain, ctx := mergeClient(t, s)
	var n atomic.Int64
	loop, err := crm.New(s, crm.WithFollowUp(crm.FollowUpPolicy{}),
		crm.WithIDGenerator(crm.IDGeneratorFunc(func() string { return fmt.Sprintf("f-%06d", n.Add(1)) })))
	require.NoError(t, err)

	nps, err := plain.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q2"})
	require.NoError(t, err)
	owned, err := plain.CreateCustomer(ctx, &crm.Customer{Name: "Loop Owned", OwnerID: "u-owner"})
	require.NoError(t, err)
	r, err := loop.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: owned.ID, Score: 2})
	require.NoError(t, err)
	page, _, err := loop.ListCases(ctx, crm.CaseFilter{Sources: []string{crm.FollowUpSource(r.ID)}})
	require.NoError(t, err)
	require.Len(t, page, 1, "RecordResponse opened the follow-up")
	assert.Equal(t, "u-owner", page[0].OwnerID)
	assert.Equal(t, crm.PriorityHigh, page[0].Priority)
	again, opened, err := loop.FollowUp(ctx, r.ID)
	require.NoError(t, err)
	assert.False(t, opened, "FollowUp of a response followed up")
	assert.Equal(t, page[0].ID, again.ID)

	// Answers recorded without the policy: none has a case yet.
	var responses []string
	want := map[string]bool{}
	for i := range 12 {
		cust, err := plain.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Loop %02d", i)}, crm.AllowDuplicates())
		require.NoError(t, err)
		r, err := plain.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, Score: i % 11})
		require.NoError(t, err)
		responses = append(responses, r.ID)
		if i%11 <= 6 {
			want[crm.FollowUpSource(r.ID)] = true
		}
	}
	var total atomic.Int64
	concurrently(t, 4, nil, func(i int) error {
		if i%2 == 0 {
			// A sweep that lost a race to a concurrent transaction is
			// run again: it opens only what is still missing.
			opened, err := loop.FollowUpResponses(ctx, crm.ResponseFilter{SurveyIDs: []string{nps.ID}, Limit: 5})
			total.Add(int64(opened))
			return err
		}
		_, opened, err := loop.FollowUp(ctx, responses[0])
		if opened {
			total.Add(1)
		}
		return err
	})
	assert.Equal(t, int64(len(want)), total.Load(), "follow-ups opened, each once")
	got := map[string]bool{}
	for cs, err := range loop.Cases(ctx, crm.CaseFilter{}) {
		require.NoError(t, err)
		if cs.CustomerID == owned.ID {
			continue
		}
		assert.False(t, got[cs.Source], "two cases from %s", cs.Source)
		got[cs.Source] = true
	}
	assert.Equal(t, want, got, "one follow-up per detractor, none for the others")
	swept, err := loop.FollowUpResponses(ctx, crm.ResponseFilter{})
	require.NoError(t, err)
	assert.Zero(t, swept, "a sweep after the others opens nothing")
	var exists *crm.CaseExistsError
	_, err = loop.CreateCase(ctx, &crm.Case{CustomerID: owned.ID, Kind: crm.CaseComplaint, Subject: "Again", Source: crm.FollowUpSource(r.ID)})
	assert.True(t, errors.As(err, &exists), "the source is taken: %v", err)
}
