package crm_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// consenting returns a customer named name who consents to every channel.
func consenting(name string) *crm.Customer {
	cust := &crm.Customer{Name: name}
	for _, ch := range crm.Channels() {
		cust.Consent.Set(ch, true, t0.Add(-time.Hour))
	}
	return cust
}

func TestClient_LogInteraction(t *testing.T) {
	c, clock, store := newClient(t)
	ctx := actorCtx(t, "ann")
	acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Kind: crm.KindOrganization})
	other := mustCreate(t, c, ctx, &crm.Customer{Name: "Berg AB", Kind: crm.KindOrganization})
	bo, err := c.AddContact(ctx, &crm.Contact{CustomerID: other.ID, Name: "Bo Berg"})
	require.NoError(t, err)

	clock.Advance(time.Minute)
	i, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: acme.ID, Channel: " Call ", Subject: " Renewal ", Outcome: "Reached"})
	require.NoError(t, err)
	assert.Equal(t, crm.InteractionCall, i.Channel)
	assert.Equal(t, crm.Outbound, i.Direction, "outbound by default")
	assert.Equal(t, clock.Now(), i.At, "at the time of logging by default")
	assert.Equal(t, "ann", i.ActorID, "had by the acting user by default")
	assert.Equal(t, "Renewal", i.Subject)
	assert.Equal(t, "reached", i.Outcome)
	assert.Equal(t, int64(1), i.Version)
	got, err := c.GetInteraction(ctx, i.ID)
	require.NoError(t, err)
	assert.Equal(t, i, got)

	before, _, err := store.FindInteractions(ctx, crm.InteractionFilter{})
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		in    crm.Interaction
		field string
	}{
		"no channel":      {crm.Interaction{CustomerID: acme.ID}, "channel"},
		"unknown channel": {crm.Interaction{CustomerID: acme.ID, Channel: "pigeon"}, "channel"},
		"direction":       {crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail, Direction: "sideways"}, "direction"},
		"future":          {crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail, At: clock.Now().Add(time.Hour)}, "at"},
		"no customer":     {crm.Interaction{Channel: crm.InteractionEmail}, "customer_id"},
		"contact":         {crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail, ContactID: bo.ID}, "contact_id"},
		"outcome":         {crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail, Outcome: long(101)}, "outcome"},
	} {
		_, err := c.LogInteraction(ctx, &tc.in)
		require.Error(t, err, name)
		assert.NotEmpty(t, fieldErr(t, err, tc.field), name)
	}
	_, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: "nobody", Channel: crm.InteractionEmail})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail, CaseID: "no-case"})
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = c.LogInteraction(context.Background(), &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail})
	assert.NotEmpty(t, fieldErr(t, err, "actor_id"), "someone had the interaction")
	after, _, err := store.FindInteractions(ctx, crm.InteractionFilter{})
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused interaction stores nothing")

	_, err = c.ArchiveCustomer(ctx, other.ID, other.Version)
	require.NoError(t, err)
	_, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: other.ID, Channel: crm.InteractionEmail})
	assert.ErrorIs(t, err, crm.ErrTransition, "an archived customer takes no new interactions")
}

func TestClient_UpdateAndDeleteInteraction(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	acme := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd"})
	i, err := c.LogInteraction(ctx, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionCall})
	require.NoError(t, err)

	clock.Advance(time.Minute)
	u, err := c.UpdateInteraction(ctx, i.ID, i.Version, crm.InteractionUpdate{Outcome: crm.Ptr("Voicemail"), Summary: crm.Ptr("left a message")})
	require.NoError(t, err)
	assert.Equal(t, "voicemail", u.Outcome)
	assert.Equal(t, int64(2), u.Version)
	assert.Equal(t, clock.Now(), u.UpdatedAt)
	_, err = c.UpdateInteraction(ctx, i.ID, i.Version, crm.InteractionUpdate{Outcome: crm.Ptr("x")})
	assert.ErrorIs(t, err, crm.ErrConflict)
	_, err = c.UpdateInteraction(ctx, i.ID, u.Version, crm.InteractionUpdate{At: crm.Ptr(clock.Now().Add(time.Hour))})
	assert.NotEmpty(t, fieldErr(t, err, "at"))
	same, err := c.UpdateInteraction(ctx, i.ID, u.Version, crm.InteractionUpdate{Outcome: crm.Ptr("voicemail")})
	require.NoError(t, err)
	assert.Equal(t, u.Version, same.Version, "a patch that changes nothing writes nothing")

	assert.ErrorIs(t, c.DeleteInteraction(ctx, i.ID, i.Version), crm.ErrConflict)
	require.NoError(t, c.DeleteInteraction(ctx, i.ID, u.Version))
	_, err = c.GetInteraction(ctx, i.ID)
	assert.ErrorIs(t, err, crm.ErrNotFound)
}

func TestClient_LastContact(t *testing.T) {
	c, clock, _ := newClient(t)
	ann, bob := actorCtx(t, "ann"), actorCtx(t, "bob")
	acme := mustCreate(t, c, ann, &crm.Customer{Name: "Acme Ltd"})
	berg := mustCreate(t, c, ann, &crm.Customer{Name: "Berg AB"})
	_, ok, err := c.LastContact(ann, acme.ID)
	require.NoError(t, err)
	assert.False(t, ok, "no interaction, no last contact")

	first, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionCall})
	require.NoError(t, err)
	clock.Advance(time.Hour)
	second, err := c.LogInteraction(bob, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionEmail})
	require.NoError(t, err)
	_, err = c.LogInteraction(bob, &crm.Interaction{CustomerID: berg.ID, Channel: crm.InteractionVisit, At: t0})
	require.NoError(t, err)

	last, ok, err := c.LastContact(ann, acme.ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, crm.LastContact{CustomerID: acme.ID, InteractionID: second.ID, At: second.At, ActorID: "bob", Channel: crm.InteractionEmail}, last)

	// Backdating the later one makes the first the latest; deleting it too.
	moved, err := c.UpdateInteraction(bob, second.ID, second.Version, crm.InteractionUpdate{At: crm.Ptr(t0.Add(-time.Hour))})
	require.NoError(t, err)
	last, _, err = c.LastContact(ann, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, first.ID, last.InteractionID, "kept current on update")
	require.NoError(t, c.DeleteInteraction(bob, first.ID, first.Version))
	last, _, err = c.LastContact(ann, acme.ID)
	require.NoError(t, err)
	assert.Equal(t, moved.ID, last.InteractionID, "kept current on delete")

	all, err := c.LastContacts(ann, []string{berg.ID, acme.ID, "nobody", acme.ID})
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, []string{acme.ID, berg.ID}, []string{all[0].CustomerID, all[1].CustomerID}, "in customer ID order, unknown IDs left out")
}

func TestClient_ClaimContact(t *testing.T) {
	c, clock, _ := newClient(t, crm.WithContactPolicy(crm.ContactPolicy{Cooling: 48 * time.Hour}))
	ann, bob := actorCtx(t, "ann"), actorCtx(t, "bob")
	in := consenting("Acme Ltd")
	in.OwnerID = "ann"
	acme := mustCreate(t, c, ann, in)

	claim, err := c.ClaimContact(bob, acme.ID, crm.InteractionCall)
	require.NoError(t, err)
	assert.Equal(t, int64(1), claim.Seq)
	assert.Equal(t, "bob", claim.ActorID)
	assert.Equal(t, clock.Now().Add(48*time.Hour), claim.Until, "held for the cooling window")
	again, err := c.ClaimContact(bob, acme.ID, crm.InteractionEmail)
	require.NoError(t, err, "one's own claim never stops one")
	assert.Equal(t, int64(2), again.Seq)

	clock.Advance(time.Hour)
	_, err = c.ClaimContact(ann, acme.ID, crm.InteractionCall)
	require.ErrorIs(t, err, crm.ErrContactConflict)
	var conflict *crm.ContactConflictError
	require.True(t, errors.As(err, &conflict))
	assert.Equal(t, crm.ConflictClaimed, conflict.Reason)
	assert.Equal(t, "bob", conflict.ActorID, "names who")
	assert.Equal(t, again.At, conflict.At, "and when")
	assert.Equal(t, again.Until, conflict.Until)
	assert.Contains(t, err.Error(), "claimed by bob")

	// The owner overrides, with a reason; the override is recorded.
	_, err = c.ClaimContact(ann, acme.ID, crm.InteractionCall, crm.OverrideClaim(""))
	assert.NotEmpty(t, fieldErr(t, err, "reason"))
	over, err := c.ClaimContact(ann, acme.ID, crm.InteractionCall, crm.OverrideClaim("renewal due today"))
	require.NoError(t, err)
	assert.True(t, over.Override)
	assert.Contains(t, over.Overridden, "claimed by bob")
	assert.Equal(t, "renewal due today", over.Reason)
	_, err = c.ClaimContact(actorCtx(t, "cat"), acme.ID, crm.InteractionCall, crm.OverrideClaim("me too"))
	assert.ErrorIs(t, err, crm.ErrForbidden, "only the owner overrides")
	var overrides []*crm.ContactClaim
	for cl, err := range c.ContactClaims(ann, crm.ContactClaimFilter{OverridesOnly: true}) {
		require.NoError(t, err)
		overrides = append(overrides, cl)
	}
	require.Len(t, overrides, 1)
	assert.Equal(t, over.ID, overrides[0].ID)

	// After the claims lapse, a contact within the cooling window still
	// refuses the others.
	clock.Advance(49 * time.Hour)
	call, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: acme.ID, Channel: crm.InteractionCall})
	require.NoError(t, err)
	clock.Advance(47 * time.Hour)
	_, err = c.ClaimContact(bob, acme.ID, crm.InteractionEmail)
	require.True(t, errors.As(err, &conflict))
	assert.Equal(t, crm.ConflictContacted, conflict.Reason)
	assert.Equal(t, "ann", conflict.ActorID)
	assert.Equal(t, call.At, conflict.At)
	assert.Equal(t, call.At.Add(48*time.Hour), conflict.Until)
	clock.Advance(time.Hour)
	_, err = c.ClaimContact(bob, acme.ID, crm.InteractionEmail)
	assert.NoError(t, err, "the cooling window has passed")

	_, err = c.ClaimContact(t.Context(), acme.ID, crm.InteractionEmail)
	assert.ErrorIs(t, err, crm.ErrForbidden, "a claim needs an actor")
	_, err = c.ClaimContact(ann, acme.ID, "pigeon")
	assert.NotEmpty(t, fieldErr(t, err, "channel"))
	_, err = c.ClaimContact(ann, "nobody", crm.InteractionEmail)
	assert.ErrorIs(t, err, crm.ErrNotFound)
	_, err = c.ClaimContact(ann, " ", "")
	assert.Equal(t, "required", fieldErr(t, err, "customer_id"))
	assert.Equal(t, "required", fieldErr(t, err, "channel"))
}

func TestClient_ClaimContact_CustomerProtections(t *testing.T) {
	c, clock, _ := newClient(t)
	ann := actorCtx(t, "ann")
	reason := func(err error) crm.ConflictReason {
		t.Helper()
		var conflict *crm.ContactConflictError
		require.True(t, errors.As(err, &conflict), "want a conflict, got %v", err)
		return conflict.Reason
	}

	silent := mustCreate(t, c, ann, &crm.Customer{Name: "No Consent Ltd", OwnerID: "ann"})
	_, err := c.ClaimContact(ann, silent.ID, crm.InteractionEmail)
	assert.Equal(t, crm.ConflictNoConsent, reason(err))
	_, err = c.ClaimContact(ann, silent.ID, crm.InteractionSMS)
	assert.Equal(t, crm.ConflictNoConsent, reason(err))
	_, err = c.ClaimContact(ann, silent.ID, crm.InteractionMeeting)
	assert.NoError(t, err, "a meeting needs no channel consent")
	_, err = c.ClaimContact(ann, silent.ID, crm.InteractionEmail, crm.OverrideClaim("urgent"))
	assert.Equal(t, crm.ConflictNoConsent, reason(err), "an override does not lift consent")

	dnc := consenting("Do Not Call Ltd")
	dnc.DoNotContact = true
	blocked := mustCreate(t, c, ann, dnc)
	_, err = c.ClaimContact(ann, blocked.ID, crm.InteractionMeeting)
	assert.Equal(t, crm.ConflictDoNotContact, reason(err))

	// 09:30 UTC is 04:30 in New York: quiet for calls until 08:00 there,
	// 13:00 UTC; email is not held back, and Tokyo's evening is open.
	ny := consenting("Hudson Inc")
	ny.TimeZone = "America/New_York"
	hudson := mustCreate(t, c, ann, ny)
	_, err = c.ClaimContact(ann, hudson.ID, crm.InteractionCall)
	require.Equal(t, crm.ConflictQuietHours, reason(err))
	var conflict *crm.ContactConflictError
	errors.As(err, &conflict)
	assert.Equal(t, time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC), conflict.Until)
	_, err = c.ClaimContact(ann, hudson.ID, crm.InteractionEmail)
	assert.NoError(t, err)
	setTo(clock, time.Date(2026, 3, 2, 13, 0, 0, 0, time.UTC))
	_, err = c.ClaimContact(ann, hudson.ID, crm.InteractionCall)
	assert.NoError(t, err, "08:00 in New York")
	tk := consenting("Kanda KK")
	tk.TimeZone = "Asia/Tokyo"
	kanda := mustCreate(t, c, ann, tk)
	_, err = c.ClaimContact(ann, kanda.ID, crm.InteractionCall) // 22:00 in Tokyo
	assert.Equal(t, crm.ConflictQuietHours, reason(err))

	_, err = c.CreateCustomer(ann, &crm.Customer{Name: "Nowhere", TimeZone: "Mars/Olympus"})
	assert.NotEmpty(t, fieldErr(t, err, "time_zone"))

	_, err = crm.New(memory.New(), crm.WithContactPolicy(crm.ContactPolicy{Cooling: -time.Hour, QuietStart: 25 * time.Hour}))
	assert.NotEmpty(t, fieldErr(t, err, "contact_policy.cooling"))
	assert.NotEmpty(t, fieldErr(t, err, "contact_policy.quiet_start"))
}

// Of many staff claiming one customer at once, exactly one gets through.
func TestClient_ClaimContact_Concurrent(t *testing.T) {
	c, _, _ := newClient(t)
	acme := mustCreate(t, c, actorCtx(t, "ann"), consenting("Acme Ltd"))
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = c.ClaimContact(actorCtx(t, string(rune('a'+k))), acme.ID, crm.InteractionEmail)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		assert.ErrorIs(t, err, crm.ErrContactConflict)
	}
	assert.Equal(t, 1, won)
}

// A merge re-points the duplicate's interactions, tasks and ownership
// history to the survivor.
func TestClient_MergeCustomers_Relationship(t *testing.T) {
	c, _, _ := newClient(t)
	ann := actorCtx(t, "ann")
	survivor := mustCreate(t, c, ann, &crm.Customer{Name: "Acme Ltd", OwnerID: "ann"})
	dup := mustCreate(t, c, ann, &crm.Customer{Name: "ACME Limited", OwnerID: "ann"}, crm.AllowDuplicates())
	i, err := c.LogInteraction(ann, &crm.Interaction{CustomerID: dup.ID, Channel: crm.InteractionCall})
	require.NoError(t, err)
	task, err := c.CreateTask(ann, &crm.Task{CustomerID: dup.ID, Title: "call back", Due: t0.Add(time.Hour)})
	require.NoError(t, err)
	_, err = c.Reassign(ann, crm.EntityCustomer, dup.ID, dup.Version, "bob", "territory")
	require.NoError(t, err)

	_, err = c.MergeCustomers(ann, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	i, err = c.GetInteraction(ann, i.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, i.CustomerID)
	task, err = c.GetTask(ann, task.ID)
	require.NoError(t, err)
	assert.Equal(t, survivor.ID, task.CustomerID)
	last, ok, err := c.LastContact(ann, survivor.ID)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, i.ID, last.InteractionID)
	var moved []string
	for ch, err := range c.OwnerChanges(ann, crm.OwnerChangeFilter{CustomerIDs: []string{survivor.ID}}) {
		require.NoError(t, err)
		moved = append(moved, ch.EntityID+" "+ch.Reason)
	}
	assert.Equal(t, []string{dup.ID + " territory"}, moved, "the history keeps the record it is of, under the survivor")
}

// A claim in force on a merged-away customer holds the survivor.
func TestClient_MergeCustomers_CarriesClaim(t *testing.T) {
	c, clock, _ := newClient(t)
	ann, bob := actorCtx(t, "ann"), actorCtx(t, "bob")
	survivor := mustCreate(t, c, ann, consenting("Acme Ltd"))
	dup := mustCreate(t, c, ann, consenting("ACME Limited"), crm.AllowDuplicates())
	claim, err := c.ClaimContact(ann, dup.ID, crm.InteractionCall)
	require.NoError(t, err)
	_, err = c.MergeCustomers(ann, survivor.ID, dup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	clock.Advance(time.Minute)
	_, err = c.ClaimContact(bob, survivor.ID, crm.InteractionCall)
	var conflict *crm.ContactConflictError
	require.True(t, errors.As(err, &conflict), "got %v", err)
	assert.Equal(t, "ann", conflict.ActorID)
	assert.Equal(t, claim.Until, conflict.Until)

	// A lapsed claim is not carried.
	other := mustCreate(t, c, ann, consenting("Other Ltd"))
	otherDup := mustCreate(t, c, ann, consenting("Other Limited"), crm.AllowDuplicates())
	_, err = c.ClaimContact(ann, otherDup.ID, crm.InteractionCall)
	require.NoError(t, err)
	clock.Advance(25 * time.Hour)
	_, err = c.MergeCustomers(ann, other.ID, otherDup.ID, crm.MergeOptions{})
	require.NoError(t, err)
	_, err = c.ClaimContact(bob, other.ID, crm.InteractionCall)
	assert.NoError(t, err)
}
