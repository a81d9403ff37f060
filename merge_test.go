package crm_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

func sources(plan *crm.MergePlan) map[string]crm.FieldSource {
	m := make(map[string]crm.FieldSource)
	for _, f := range plan.Fields {
		m[f.Field] = f
	}
	return m
}

func TestPlanMerge(t *testing.T) {
	older := t0
	newer := t0.Add(time.Hour)
	s := &crm.Customer{
		ID: "s", Kind: crm.KindOrganization, Name: "Acme Ltd", Industry: "",
		Region: "north", OwnerID: "u-ann", UpdatedAt: older,
		Emails: []crm.Email{{Address: "a@acme.example", Primary: true}},
		Tags:   []string{"vip"},
		Custom: map[string]crm.CustomValue{"seats": crm.IntValue(10)},
	}
	s.Consent.Set(crm.ChannelEmail, true, older)
	d := &crm.Customer{
		ID: "d", Kind: crm.KindOrganization, Name: "ACME Limited", Industry: "retail",
		Region: "south", OwnerID: "u-bob", UpdatedAt: newer, DoNotContact: true,
		Emails: []crm.Email{{Address: "b@acme.example", Primary: true}, {Address: "a@acme.example"}},
		Phones: []crm.Phone{{Number: "+442079460000", Primary: true}},
		Tags:   []string{"key", "vip"},
		Custom: map[string]crm.CustomValue{"seats": crm.IntValue(12), "erp": crm.StringValue("X-1")},
	}
	d.Consent.Set(crm.ChannelEmail, false, newer)

	t.Run("defaults", func(t *testing.T) {
		plan, err := crm.PlanMerge(s, d, nil)
		require.NoError(t, err)
		out := plan.Survivor
		assert.Equal(t, "Acme Ltd", out.Name)
		assert.Equal(t, "retail", out.Industry, "empty survivor value is filled")
		assert.Equal(t, "north", out.Region)
		assert.Equal(t, []crm.Email{{Address: "a@acme.example", Primary: true}, {Address: "b@acme.example"}}, out.Emails)
		assert.Equal(t, []crm.Phone{{Number: "+442079460000", Primary: true}}, out.Phones, "a survivor without phones takes the duplicate's primary")
		assert.Equal(t, []string{"vip", "key"}, out.Tags)
		assert.True(t, out.Custom["seats"].Equal(crm.IntValue(10)))
		assert.True(t, out.Custom["erp"].Equal(crm.StringValue("X-1")))
		assert.Equal(t, crm.Consent{Granted: false, At: newer}, out.Consent.Email, "the later decision wins")
		assert.True(t, out.DoNotContact)
		assert.Equal(t, "s", plan.Duplicate.MergedInto)

		src := sources(plan)
		assert.Equal(t, crm.FieldSource{Field: "industry", Value: "retail", From: crm.FromDuplicate, Rule: crm.SurviveNonEmpty}, src["industry"])
		assert.Equal(t, crm.FieldSource{Field: "name", Value: "Acme Ltd", From: crm.FromSurvivor, Rule: crm.SurviveNonEmpty}, src["name"])
		assert.Equal(t, crm.FromBoth, src["emails"].From)
		assert.Equal(t, crm.FromDuplicate, src["phones"].From)
		assert.Equal(t, crm.FromDuplicate, src["custom.erp"].From)
		assert.Equal(t, crm.FromSurvivor, src["custom.seats"].From)
		assert.Equal(t, crm.FromDuplicate, src["consent.email"].From)
		assert.Equal(t, crm.FromDuplicate, src["do_not_contact"].From)

		// Inputs are untouched.
		assert.Len(t, s.Emails, 1)
		assert.Empty(t, s.Industry)
		assert.Empty(t, d.MergedInto)
	})

	t.Run("configured rules", func(t *testing.T) {
		plan, err := crm.PlanMerge(s, d, crm.SurvivorshipRules{
			"region":   crm.SurviveNewest,
			"industry": crm.SurvivePreferSurvivor,
			"custom":   crm.SurviveNewest,
		})
		require.NoError(t, err)
		out := plan.Survivor
		assert.Equal(t, "south", out.Region, "newest record wins")
		assert.Empty(t, out.Industry, "survivor kept even empty")
		assert.True(t, out.Custom["seats"].Equal(crm.IntValue(12)))
		assert.Equal(t, crm.SurviveNewest, sources(plan)["region"].Rule)
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := crm.PlanMerge(s, s, nil)
		assert.ErrorIs(t, err, crm.ErrInvalid)
		person := &crm.Customer{ID: "p", Kind: crm.KindPerson, Name: "Ann"}
		_, err = crm.PlanMerge(s, person, nil)
		assert.Contains(t, fieldErr(t, err, "duplicate_id"), "person")
		_, err = crm.PlanMerge(s, d, crm.SurvivorshipRules{"name": "loudest", "colour": crm.SurviveNewest})
		fieldErr(t, err, "rules.name")
		fieldErr(t, err, "rules.colour")
	})
}

func TestClient_MergeCustomers(t *testing.T) {
	setup := func(t *testing.T) (*crm.Client, *crm.Customer, *crm.Customer, *crm.Contact) {
		c, clock, _ := newClient(t)
		ctx := actorCtx(t, "u-ann")
		s := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Ltd", Emails: []crm.Email{{Address: "a@acme.example"}}, Tags: []string{"vip"}})
		d := mustCreate(t, c, ctx, &crm.Customer{Name: "ACME Limited", Industry: "retail", Emails: []crm.Email{{Address: "b@acme.example"}}}, crm.AllowDuplicates())
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: d.ID, Name: "Dora Buyer", Role: crm.RoleFinance})
		require.NoError(t, err)
		clock.Advance(time.Minute)
		return c, s, d, ct
	}

	t.Run("dry run changes nothing", func(t *testing.T) {
		c, s, d, ct := setup(t)
		ctx := actorCtx(t, "u-bob")
		plan, err := c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{DryRun: true})
		require.NoError(t, err)
		assert.True(t, plan.DryRun)
		assert.Equal(t, []crm.ChildRef{{Kind: "contact", ID: ct.ID}}, plan.Children)
		assert.Equal(t, "retail", plan.Survivor.Industry)

		for _, id := range []string{s.ID, d.ID} {
			got, err := c.GetCustomer(ctx, id)
			require.NoError(t, err)
			assert.Equal(t, int64(1), got.Version)
		}
		got, err := c.GetContact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, d.ID, got.CustomerID)
	})

	t.Run("merge", func(t *testing.T) {
		c, s, d, ct := setup(t)
		ctx := actorCtx(t, "u-bob")
		plan, err := c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		require.NoError(t, err)
		assert.False(t, plan.DryRun)

		got, err := c.GetCustomer(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, "retail", got.Industry)
		assert.Equal(t, []string{"a@acme.example", "b@acme.example"}, []string{got.Emails[0].Address, got.Emails[1].Address})
		assert.Equal(t, int64(2), got.Version)
		assert.Equal(t, "u-bob", got.UpdatedBy)
		assert.Equal(t, t0.Add(time.Minute), got.UpdatedAt)

		_, err = c.GetCustomer(ctx, d.ID)
		require.ErrorIs(t, err, crm.ErrNotFound)
		var merged *crm.MergedError
		require.True(t, errors.As(err, &merged))
		assert.Equal(t, s.ID, merged.SurvivorID)

		moved, err := c.GetContact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, s.ID, moved.CustomerID)
		assert.Equal(t, int64(2), moved.Version)

		// The archived duplicate stays in the store, out of listings.
		page, _, err := c.ListCustomers(ctx, crm.CustomerFilter{})
		require.NoError(t, err)
		require.Len(t, page, 1)
		page, _, err = c.ListCustomers(ctx, crm.CustomerFilter{IncludeArchived: true})
		require.NoError(t, err)
		require.Len(t, page, 2)
		assert.Equal(t, s.ID, page[1].MergedInto)

		// Merging it again is refused.
		_, err = c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		assert.ErrorIs(t, err, crm.ErrTransition)
		_, err = c.UpdateCustomer(ctx, d.ID, 2, crm.CustomerUpdate{Name: crm.Ptr("x")})
		assert.ErrorIs(t, err, crm.ErrNotFound)
	})

	t.Run("chains of merges resolve to the last survivor", func(t *testing.T) {
		c, s, d, _ := setup(t)
		ctx := t.Context()
		third := mustCreate(t, c, ctx, &crm.Customer{Name: "Acme Holdings"}, crm.AllowDuplicates())
		_, err := c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		require.NoError(t, err)
		_, err = c.MergeCustomers(ctx, third.ID, s.ID, crm.MergeOptions{})
		require.NoError(t, err)
		_, err = c.GetCustomer(ctx, d.ID)
		var merged *crm.MergedError
		require.True(t, errors.As(err, &merged))
		assert.Equal(t, third.ID, merged.SurvivorID)
	})

	t.Run("child kinds take part", func(t *testing.T) {
		moved := map[string]string{}
		kind := crm.ChildKind{
			Name: "note",
			List: func(_ ctxT, _ crm.Store, id string) ([]string, error) {
				if id == "c-0002" {
					return []string{"n-1"}, nil
				}
				return nil, nil
			},
			Move: func(_ ctxT, _ crm.Store, from, to string, _ time.Time, _ string) (int, error) {
				moved[from] = to
				return 1, nil
			},
		}
		c, _, _ := newClient(t, crm.WithChildKind(kind))
		ctx := t.Context()
		s := mustCreate(t, c, ctx, &crm.Customer{Name: "One"})
		d := mustCreate(t, c, ctx, &crm.Customer{Name: "Two"})
		plan, err := c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		require.NoError(t, err)
		assert.Equal(t, []crm.ChildRef{{Kind: "note", ID: "n-1"}}, plan.Children)
		assert.Equal(t, map[string]string{d.ID: s.ID}, moved)
	})

	t.Run("a failing child move undoes the merge", func(t *testing.T) {
		boom := errors.New("boom")
		kind := crm.ChildKind{
			Name: "note",
			List: func(ctxT, crm.Store, string) ([]string, error) { return nil, nil },
			Move: func(ctxT, crm.Store, string, string, time.Time, string) (int, error) { return 0, boom },
		}
		c, _, _ := newClient(t, crm.WithChildKind(kind))
		ctx := t.Context()
		s := mustCreate(t, c, ctx, &crm.Customer{Name: "One"})
		d := mustCreate(t, c, ctx, &crm.Customer{Name: "Two", Industry: "x"})
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: d.ID, Name: "Dora"})
		require.NoError(t, err)
		_, err = c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		require.ErrorIs(t, err, boom)
		got, err := c.GetCustomer(ctx, d.ID)
		require.NoError(t, err)
		assert.Empty(t, got.MergedInto)
		got, err = c.GetCustomer(ctx, s.ID)
		require.NoError(t, err)
		assert.Empty(t, got.Industry)
		assert.Equal(t, int64(1), got.Version)
		gotCt, err := c.GetContact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, d.ID, gotCt.CustomerID)
	})

	t.Run("errors", func(t *testing.T) {
		c, s, _, _ := setup(t)
		ctx := t.Context()
		_, err := c.MergeCustomers(ctx, s.ID, "missing", crm.MergeOptions{})
		assert.ErrorIs(t, err, crm.ErrNotFound)
		_, err = c.MergeCustomers(ctx, "", "", crm.MergeOptions{})
		fieldErr(t, err, "survivor_id")
		fieldErr(t, err, "duplicate_id")
		_, err = c.MergeCustomers(ctx, s.ID, s.ID, crm.MergeOptions{})
		assert.ErrorIs(t, err, crm.ErrInvalid)
	})
}

// ctxT shortens function literals in tests.
type ctxT = context.Context

func TestClient_MergeCustomers_refusals(t *testing.T) {
	c, clock, _ := newClient(t)
	ctx := t.Context()

	t.Run("a union that breaks a limit changes nothing", func(t *testing.T) {
		emails := func(domain string) []crm.Email {
			var es []crm.Email
			for i := range 15 {
				es = append(es, crm.Email{Address: fmt.Sprintf("u%d@%s", i, domain)})
			}
			return es
		}
		s := mustCreate(t, c, ctx, &crm.Customer{Name: "Many One", Emails: emails("one.example")})
		d := mustCreate(t, c, ctx, &crm.Customer{Name: "Many Two", Emails: emails("two.example")}, crm.AllowDuplicates())
		_, err := c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
		assert.Contains(t, fieldErr(t, err, "emails"), "more than 20")
		got, err := c.GetCustomer(ctx, d.ID)
		require.NoError(t, err, "the duplicate is still live")
		assert.Equal(t, int64(1), got.Version)
	})

	t.Run("versions from a reviewed dry run", func(t *testing.T) {
		s := mustCreate(t, c, ctx, &crm.Customer{Name: "Versioned One"})
		d := mustCreate(t, c, ctx, &crm.Customer{Name: "Versioned Two"}, crm.AllowDuplicates())
		plan, err := c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{DryRun: true})
		require.NoError(t, err)
		_, err = c.UpdateCustomer(ctx, d.ID, d.Version, crm.CustomerUpdate{Industry: crm.Ptr("changed meanwhile")})
		require.NoError(t, err)
		_, err = c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{SurvivorVersion: plan.Survivor.Version, DuplicateVersion: plan.Duplicate.Version})
		require.ErrorIs(t, err, crm.ErrConflict)
		_, err = c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{SurvivorVersion: 1, DuplicateVersion: 2})
		require.NoError(t, err)
	})

	t.Run("a stage rule may not break the lifecycle table", func(t *testing.T) {
		s := mustCreate(t, c, ctx, &crm.Customer{Name: "Stage One"})
		s, err := c.UpdateCustomer(ctx, s.ID, s.Version, crm.CustomerUpdate{Stage: crm.Ptr(crm.StageNew)})
		require.NoError(t, err)
		clock.Advance(time.Minute)
		d := mustCreate(t, c, ctx, &crm.Customer{Name: "Stage Two"}, crm.AllowDuplicates()) // prospect, updated later
		_, err = c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{Rules: crm.SurvivorshipRules{"stage": crm.SurviveNewest}})
		assert.ErrorIs(t, err, crm.ErrTransition)
	})
}

func TestPlanMerge_consentTie(t *testing.T) {
	s := &crm.Customer{ID: "s", Name: "S"}
	d := &crm.Customer{ID: "d", Name: "D"}
	s.Consent.Set(crm.ChannelSMS, true, t0)
	d.Consent.Set(crm.ChannelSMS, false, t0)
	plan, err := crm.PlanMerge(s, d, nil)
	require.NoError(t, err)
	assert.False(t, plan.Survivor.Consent.SMS.Granted, "a withdrawal wins a tie")
	plan, err = crm.PlanMerge(d, s, nil)
	require.NoError(t, err)
	assert.False(t, plan.Survivor.Consent.SMS.Granted, "whichever side it is on")

	_, err = crm.PlanMerge(nil, d, nil)
	assert.ErrorIs(t, err, crm.ErrInvalid)
}

// TestClient_MergeCustomers_concurrent merges one duplicate into two
// survivors at once, many times: exactly one merge wins each time, and the
// duplicate's contact ends up with the winner.
func TestClient_MergeCustomers_concurrent(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := t.Context()
	for round := range 20 {
		a := mustCreate(t, c, ctx, &crm.Customer{Name: fmt.Sprintf("Round %d A", round)}, crm.AllowDuplicates())
		b := mustCreate(t, c, ctx, &crm.Customer{Name: fmt.Sprintf("Round %d B", round)}, crm.AllowDuplicates())
		d := mustCreate(t, c, ctx, &crm.Customer{Name: fmt.Sprintf("Round %d D", round)}, crm.AllowDuplicates())
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: d.ID, Name: "Moves Once"})
		require.NoError(t, err)

		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, s := range []*crm.Customer{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.MergeCustomers(ctx, s.ID, d.ID, crm.MergeOptions{})
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				require.Equal(t, -1, won, "two merges of one duplicate succeeded")
				won = i
			} else {
				assert.ErrorIs(t, err, crm.ErrTransition, "the loser finds the duplicate merged")
			}
		}
		require.NotEqual(t, -1, won, "no merge succeeded: %v", errs)
		winner := []*crm.Customer{a, b}[won]
		got, err := c.GetContact(ctx, ct.ID)
		require.NoError(t, err)
		assert.Equal(t, winner.ID, got.CustomerID)
		_, err = c.GetCustomer(ctx, d.ID)
		var merged *crm.MergedError
		require.True(t, errors.As(err, &merged))
		assert.Equal(t, winner.ID, merged.SurvivorID)
	}
}
