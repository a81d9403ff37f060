package crm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// followUpSetup returns a Client with the follow-up policy p over a fresh
// memory store, a context acting as "ann", a customer owned by "bob" with
// a contact, an NPS and a CSAT survey, and the store.
func followUpSetup(t *testing.T, p *crm.FollowUpPolicy) (*crm.Client, context.Context, *crm.Customer, *crm.Contact, *crm.Survey, *crm.Survey, *memory.Store) {
	t.Helper()
	var opts []crm.Option
	if p != nil {
		opts = append(opts, crm.WithFollowUp(*p))
	}
	c, _, store := newClient(t, opts...)
	ctx := actorCtx(t, "ann")
	cust := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Acme Ltd", OwnerID: "bob"})
	ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Jo Buyer"})
	require.NoError(t, err)
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS", Wave: "2026-Q1"})
	require.NoError(t, err)
	csat, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCSAT, Name: "Support CSAT"})
	require.NoError(t, err)
	return c, ctx, cust, ct, nps, csat, store
}

// followUps returns every follow-up case, by the response it follows up.
func followUps(t *testing.T, c *crm.Client, ctx context.Context) map[string]*crm.Case {
	t.Helper()
	out := make(map[string]*crm.Case)
	for cs, err := range c.Cases(ctx, crm.CaseFilter{}) {
		require.NoError(t, err)
		require.NotContains(t, out, cs.Source, "two cases from one source")
		out[cs.Source] = cs
	}
	return out
}

// TestRecordResponseFollowUp records answers under the zero policy: an
// NPS detractor and a CSAT of 2 open a high-priority complaint for the
// customer's owner, linked by source; passives, a CSAT of 3 and a CES
// answer open nothing.
func TestRecordResponseFollowUp(t *testing.T) {
	c, ctx, cust, ct, nps, csat, _ := followUpSetup(t, &crm.FollowUpPolicy{})
	detractor, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, ContactID: ct.ID, Score: 6,
		Comment: "Too slow to answer", Channel: "email"})
	require.NoError(t, err)
	assert.Empty(t, detractor.CaseID, "the response is not changed")
	cases := followUps(t, c, ctx)
	require.Len(t, cases, 1)
	cs := cases[crm.FollowUpSource(detractor.ID)]
	require.NotNil(t, cs, "the case's source names the response")
	assert.Equal(t, "response:"+detractor.ID, cs.Source)
	assert.Equal(t, cust.ID, cs.CustomerID)
	assert.Equal(t, ct.ID, cs.ContactID)
	assert.Equal(t, crm.CaseComplaint, cs.Kind)
	assert.Equal(t, crm.PriorityHigh, cs.Priority)
	assert.Equal(t, crm.CaseNew, cs.Status)
	assert.Equal(t, "bob", cs.OwnerID, "the customer's owner")
	assert.Equal(t, "ann", cs.CreatedBy)
	assert.Equal(t, "survey", cs.Channel)
	assert.Equal(t, "NPS 6 on Relationship NPS", cs.Subject)
	for _, want := range []string{detractor.ID, nps.ID, `"Relationship NPS"`, "NPS 6 on the 0–10 scale", `wave "2026-Q1"`, "by email", "Comment: Too slow to answer"} {
		assert.Contains(t, cs.Description, want)
	}

	other := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Beta GmbH"})
	third := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Gamma SA", OwnerID: "cy"})
	passive, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: other.ID, Score: 7})
	require.NoError(t, err)
	low, err := c.RecordResponse(ctx, &crm.Response{SurveyID: csat.ID, CustomerID: other.ID, Score: 2, CaseID: cs.ID})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: csat.ID, CustomerID: third.ID, Score: 3})
	require.NoError(t, err)
	ces, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCES, Name: "Effort"})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: ces.ID, CustomerID: third.ID, Score: 1})
	require.NoError(t, err)

	cases = followUps(t, c, ctx)
	assert.Len(t, cases, 2, "the detractor and the CSAT of 2")
	assert.NotContains(t, cases, crm.FollowUpSource(passive.ID))
	lowCase := cases[crm.FollowUpSource(low.ID)]
	require.NotNil(t, lowCase)
	assert.Equal(t, "ann", lowCase.OwnerID, "no customer owner: the acting user")
	assert.Equal(t, "CSAT 2 on Support CSAT", lowCase.Subject)
	assert.Contains(t, lowCase.Description, "about case "+cs.ID, "names the case the response was about")

	// The follow-up exists: FollowUp returns it and opens nothing.
	again, opened, err := c.FollowUp(ctx, detractor.ID)
	require.NoError(t, err)
	assert.False(t, opened)
	assert.Equal(t, cs, again)
}

// TestFollowUpPolicy configures the trigger and the case: thresholds per
// kind, a trigger function, a case kind and priority.
func TestFollowUpPolicy(t *testing.T) {
	t.Run("Thresholds", func(t *testing.T) {
		c, ctx, cust, _, nps, csat, _ := followUpSetup(t, &crm.FollowUpPolicy{
			Thresholds: map[crm.SurveyKind]int{crm.SurveyKindNPS: 4, crm.SurveyKindCES: 2},
			Kind:       crm.CaseRequest, Priority: crm.PriorityUrgent,
		})
		ces, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindCES, Name: "Effort"})
		require.NoError(t, err)
		five, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, Score: 5})
		require.NoError(t, err)
		two, err := c.RecordResponse(ctx, &crm.Response{SurveyID: ces.ID, CustomerID: cust.ID, Score: 2})
		require.NoError(t, err)
		one, err := c.RecordResponse(ctx, &crm.Response{SurveyID: csat.ID, CustomerID: cust.ID, Score: 1})
		require.NoError(t, err)
		cases := followUps(t, c, ctx)
		require.Len(t, cases, 1, "NPS 5 is above 4; CSAT has no threshold")
		cs := cases[crm.FollowUpSource(two.ID)]
		require.NotNil(t, cs)
		assert.Equal(t, crm.CaseRequest, cs.Kind)
		assert.Equal(t, crm.PriorityUrgent, cs.Priority)
		assert.Equal(t, "CES 2 on Effort", cs.Subject)
		for _, r := range []*crm.Response{five, one} {
			got, opened, err := c.FollowUp(ctx, r.ID)
			require.NoError(t, err)
			assert.False(t, opened)
			assert.Nil(t, got)
		}
	})
	t.Run("Trigger", func(t *testing.T) {
		c, ctx, cust, _, nps, _, _ := followUpSetup(t, &crm.FollowUpPolicy{
			Trigger: func(s *crm.Survey, r *crm.Response) bool { return s.Kind == crm.SurveyKindNPS && r.Comment != "" },
		})
		other := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Beta GmbH"})
		silent, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, Score: 0})
		require.NoError(t, err)
		said, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: other.ID, Score: 10, Comment: "Call me"})
		require.NoError(t, err)
		cases := followUps(t, c, ctx)
		assert.Len(t, cases, 1)
		assert.Contains(t, cases, crm.FollowUpSource(said.ID))
		assert.NotContains(t, cases, crm.FollowUpSource(silent.ID))
	})
}

// TestWithFollowUpInvalid refuses a bad policy, naming each bad field.
func TestWithFollowUpInvalid(t *testing.T) {
	_, err := crm.New(memory.New(), crm.WithFollowUp(crm.FollowUpPolicy{
		Thresholds: map[crm.SurveyKind]int{crm.SurveyKindNPS: 11, crm.SurveyKindCSAT: 0, "mood": 2},
		Trigger:    func(*crm.Survey, *crm.Response) bool { return true },
		Kind:       "praise", Priority: "asap",
	}))
	require.ErrorIs(t, err, crm.ErrInvalid)
	assert.Contains(t, fieldErr(t, err, "follow_up.kind"), `"praise"`)
	assert.Contains(t, fieldErr(t, err, "follow_up.priority"), `"asap"`)
	assert.Contains(t, fieldErr(t, err, "follow_up.trigger"), "not both")
	assert.Contains(t, fieldErr(t, err, "follow_up.thresholds[nps]"), "11 is outside 0–10")
	assert.Contains(t, fieldErr(t, err, "follow_up.thresholds[csat]"), "0 is outside 1–5")
	assert.Contains(t, fieldErr(t, err, "follow_up.thresholds[mood]"), "unknown survey kind")
}

// failCaseStore fails every CreateCase, after the rest of the transaction
// ran, as a store refusing the case would.
type failCaseStore struct{ crm.Store }

var errCaseWrite = errors.New("case write failed")

func (s failCaseStore) RunInTx(ctx context.Context, fn func(tx crm.Store) error) error {
	return s.Store.RunInTx(ctx, func(tx crm.Store) error { return fn(failCaseStore{tx}) })
}

func (failCaseStore) CreateCase(context.Context, *crm.Case) error { return errCaseWrite }

// TestRecordResponseFollowUpRollback fails the follow-up case: the
// response is not recorded either. An answer that opens no case is
// recorded.
func TestRecordResponseFollowUpRollback(t *testing.T) {
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	c, err := crm.New(failCaseStore{mem}, crm.WithIDGenerator(seqIDs()), crm.WithFollowUp(crm.FollowUpPolicy{}))
	require.NoError(t, err)
	ctx := actorCtx(t, "ann")
	cust := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd"})
	nps, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS"})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, Score: 2})
	require.ErrorIs(t, err, errCaseWrite)
	assert.Zero(t, countResponses(t, c, ctx), "the response went with its case")
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, Score: 9})
	require.NoError(t, err)
	assert.Equal(t, 1, countResponses(t, c, ctx))
}

// TestFollowUp opens the follow-ups of responses recorded with no policy:
// FollowUp opens one once, FollowUpResponses sweeps a filter, skipping
// archived customers, and a second sweep opens nothing.
func TestFollowUp(t *testing.T) {
	c, ctx, cust, _, nps, csat, store := followUpSetup(t, nil)
	first, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cust.ID, Score: 1})
	require.NoError(t, err)
	assert.Empty(t, followUps(t, c, ctx), "no policy: RecordResponse opens nothing")

	cs, opened, err := c.FollowUp(ctx, first.ID)
	require.NoError(t, err)
	assert.True(t, opened)
	assert.Equal(t, crm.FollowUpSource(first.ID), cs.Source)
	assert.Equal(t, crm.PriorityHigh, cs.Priority, "the zero policy")
	again, opened, err := c.FollowUp(ctx, first.ID)
	require.NoError(t, err)
	assert.False(t, opened)
	assert.Equal(t, cs, again)
	_, _, err = c.FollowUp(ctx, "no-such-response")
	assert.ErrorIs(t, err, crm.ErrNotFound)

	var want []string
	for i := range 12 {
		cu := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: fmt.Sprintf("Customer %02d", i)}, crm.AllowDuplicates())
		r, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cu.ID, Score: i % 11})
		require.NoError(t, err)
		if i%11 <= 6 {
			want = append(want, crm.FollowUpSource(r.ID))
		}
		if i == 0 {
			_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: csat.ID, CustomerID: cu.ID, Score: 1})
			require.NoError(t, err)
		}
	}
	gone := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: "Gone Ltd"})
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: gone.ID, Score: 0})
	require.NoError(t, err)
	_, err = c.ArchiveCustomer(ctx, gone.ID, gone.Version)
	require.NoError(t, err)

	// Through a Client with a policy and the same store, a page at a time.
	var seq atomic.Int64
	sweepIDs := crm.IDGeneratorFunc(func() string { return fmt.Sprintf("s-%04d", seq.Add(1)) })
	c2, err := crm.New(store, crm.WithIDGenerator(sweepIDs), crm.WithFollowUp(crm.FollowUpPolicy{}))
	require.NoError(t, err)
	n, err := c2.FollowUpResponses(ctx, crm.ResponseFilter{SurveyIDs: []string{nps.ID}, Limit: 5})
	require.NoError(t, err)
	assert.Equal(t, len(want), n, "the NPS detractors but the one followed up and the archived customer's")
	cases := followUps(t, c, ctx)
	assert.Len(t, cases, len(want)+1)
	for _, src := range want {
		assert.Contains(t, cases, src)
	}
	n, err = c2.FollowUpResponses(ctx, crm.ResponseFilter{})
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the CSAT the filter left out; nothing else again")
}

// TestFollowUpConcurrent sweeps the same responses from several
// goroutines at once, and follows one response up from several more:
// each response gets one case, and the counts of opened cases add up.
func TestFollowUpConcurrent(t *testing.T) {
	c, ctx, _, _, nps, _, _ := followUpSetup(t, nil)
	detractors := 0
	var ids []string
	for i := range 40 {
		cu := mustCreate(t, c, ctx, &crm.Customer{Kind: crm.KindOrganization, Name: fmt.Sprintf("Customer %02d", i)}, crm.AllowDuplicates())
		r, err := c.RecordResponse(ctx, &crm.Response{SurveyID: nps.ID, CustomerID: cu.ID, Score: i % 11})
		require.NoError(t, err)
		ids = append(ids, r.ID)
		if i%11 <= 6 {
			detractors++
		}
	}
	var wg sync.WaitGroup
	var opened atomic.Int64
	var one atomic.Int64
	for range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			n, err := c.FollowUpResponses(ctx, crm.ResponseFilter{Limit: 7})
			assert.NoError(t, err)
			opened.Add(int64(n))
		}()
		go func() {
			defer wg.Done()
			cs, ok, err := c.FollowUp(ctx, ids[0])
			if assert.NoError(t, err) && assert.NotNil(t, cs) && ok {
				one.Add(1)
			}
		}()
	}
	wg.Wait()
	assert.Len(t, followUps(t, c, ctx), detractors)
	assert.Equal(t, int64(detractors), opened.Load()+one.Load(), "each case opened once")
}
