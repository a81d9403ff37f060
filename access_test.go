package crm_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// untouchable is a Store every call of which panics: the store behind a
// Client that must not reach it.
type untouchable struct{ crm.Store }

// TestClient_AccessFailsClosed calls every exported method of a Client
// with access control on, from a context without an actor: each must
// refuse with ErrForbidden, or reject its input, before it reaches the
// store.
func TestClient_AccessFailsClosed(t *testing.T) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), nil)
	require.NoError(t, err)
	c, err := crm.New(untouchable{}, crm.WithAuthorizer(roles), crm.WithAudit(), crm.WithEvents())
	require.NoError(t, err)

	ctx := t.Context() // no actor
	ct := reflect.TypeOf(c)
	called := 0
	for i := range ct.NumMethod() {
		m := ct.Method(i)
		t.Run(m.Name, func(t *testing.T) {
			args := []reflect.Value{reflect.ValueOf(c)}
			takesCtx := false
			for j := 1; j < m.Type.NumIn(); j++ {
				in := m.Type.In(j)
				if in == reflect.TypeFor[context.Context]() {
					takesCtx = true
					args = append(args, reflect.ValueOf(ctx))
					continue
				}
				args = append(args, sample(in, m.Type.IsVariadic() && j == m.Type.NumIn()-1))
			}
			if !takesCtx {
				return // pure: no store, nothing to guard
			}
			called++
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("reached the store: %v", r)
					}
				}()
				var outs []reflect.Value
				if m.Type.IsVariadic() {
					outs = m.Func.CallSlice(args)
				} else {
					outs = m.Func.Call(args)
				}
				err = resultErr(outs)
			}()
			require.Error(t, err, "%s answered without an actor", m.Name)
			if !errors.Is(err, crm.ErrInvalid) {
				assert.ErrorIs(t, err, crm.ErrForbidden, "%s without an actor", m.Name)
			}
			assert.NotContains(t, err.Error(), "reached the store", m.Name)
		})
	}
	assert.Greater(t, called, 100, "every method of the Client that takes a context")
}

// sample returns an argument of type typ that passes simple validation
// where it can: IDs, versions, times, zero records.
func sample(typ reflect.Type, variadic bool) reflect.Value {
	if variadic {
		return reflect.MakeSlice(typ, 0, 0)
	}
	switch typ.Kind() {
	case reflect.String:
		v := reflect.New(typ).Elem()
		v.SetString("x-1")
		if typ == reflect.TypeFor[crm.EntityKind]() {
			v.SetString(string(crm.EntityCustomer))
		}
		return v
	case reflect.Int, reflect.Int64:
		v := reflect.New(typ).Elem()
		v.SetInt(1)
		return v
	case reflect.Pointer:
		return reflect.New(typ.Elem())
	case reflect.Func:
		return reflect.MakeFunc(typ, func([]reflect.Value) []reflect.Value {
			out := make([]reflect.Value, typ.NumOut())
			for i := range out {
				out[i] = reflect.Zero(typ.Out(i))
			}
			return out
		})
	case reflect.Struct:
		if typ == reflect.TypeFor[time.Time]() {
			return reflect.ValueOf(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
		}
	}
	return reflect.Zero(typ)
}

// resultErr returns the error a method call gave: its last result, or
// the first error an iterator it returned yields.
func resultErr(outs []reflect.Value) error {
	for _, out := range outs {
		if out.Type().Kind() == reflect.Func && out.Type().NumIn() == 1 && !out.IsNil() {
			var err error
			yield := reflect.MakeFunc(out.Type().In(0), func(args []reflect.Value) []reflect.Value {
				if e, ok := args[len(args)-1].Interface().(error); ok && e != nil {
					err = e
				}
				return []reflect.Value{reflect.ValueOf(false)}
			})
			out.Call([]reflect.Value{yield})
			if err != nil {
				return err
			}
		}
	}
	if last := outs[len(outs)-1]; last.Type() == reflect.TypeFor[error]() && !last.IsNil() {
		return last.Interface().(error)
	}
	return nil
}

// ownersSeen records the owner filters the Client's listings reach the
// store with.
type ownersSeen struct {
	*memory.Store
	customers [][]string
}

func (s *ownersSeen) FindCustomers(ctx context.Context, f crm.CustomerFilter) ([]*crm.Customer, crm.Cursor, error) {
	s.customers = append(s.customers, f.Owners)
	return s.Store.FindCustomers(ctx, f)
}

func TestClient_AccessListsFilterInTheStore(t *testing.T) {
	store := &ownersSeen{Store: memory.New()}
	roles, err := crm.NewRoles(crm.DefaultRoles(), map[string][]string{"east": {"ann", "bob"}})
	require.NoError(t, err)
	c, err := crm.New(store, crm.WithAuthorizer(roles))
	require.NoError(t, err)
	admin := crm.WithActor(t.Context(), crm.Actor{ID: "root", Roles: []string{"admin"}})
	for _, owner := range []string{"ann", "bob", "carl"} {
		_, err := c.CreateCustomer(admin, &crm.Customer{Name: "Customer of " + owner, OwnerID: owner}, crm.AllowDuplicates())
		require.NoError(t, err)
	}
	names := func(ctx context.Context, f crm.CustomerFilter) []string {
		t.Helper()
		store.customers = nil
		var out []string
		for cust, err := range c.Customers(ctx, f) {
			require.NoError(t, err)
			out = append(out, cust.Name)
		}
		return out
	}
	ann := crm.WithActor(t.Context(), crm.Actor{ID: "ann", Roles: []string{"sales"}, Team: "east"})
	assert.Equal(t, []string{"Customer of ann"}, names(ann, crm.CustomerFilter{}))
	assert.Equal(t, [][]string{{"ann"}}, store.customers, "the store's query selects ann's customers")
	assert.Empty(t, names(ann, crm.CustomerFilter{Owners: []string{"bob"}}), "bob's are not ann's to see")
	assert.Empty(t, store.customers, "a listing the actor can see nothing of does not reach the store")

	mia := crm.WithActor(t.Context(), crm.Actor{ID: "mia", Roles: []string{"manager"}, Team: "east"})
	assert.ElementsMatch(t, []string{"Customer of ann", "Customer of bob"}, names(mia, crm.CustomerFilter{}))
	assert.Equal(t, [][]string{{"mia", "ann", "bob"}}, store.customers, "a manager's query selects the team's customers")
	assert.Len(t, names(admin, crm.CustomerFilter{}), 3)
	assert.Equal(t, [][]string{nil}, store.customers, "all records: no owner filter")
}

func TestNewRoles_Invalid(t *testing.T) {
	_, err := crm.NewRoles([]crm.Role{
		{Name: ""},
		{Name: "sales", Grants: map[crm.Permission]crm.Scope{"customer:fly": crm.ScopeAll}},
		{Name: "ops", Grants: map[crm.Permission]crm.Scope{crm.PermCaseRead: 9}},
		{Name: "ops"},
	}, nil)
	var verr *crm.ValidationError
	require.ErrorAs(t, err, &verr)
	msg := err.Error()
	for _, want := range []string{"roles[0].name", `unknown permission "customer:fly"`, "unknown scope 9", `"ops" is given twice`} {
		assert.True(t, strings.Contains(msg, want), "%q in %q", want, msg)
	}
}

// BenchmarkGuardedReads measures what WithAuthorizer adds to reads on the
// memory store: a customer (its owner checked) and a contact (its
// customer read and checked), against the same reads without access
// control, in the same run.
func BenchmarkGuardedReads(b *testing.B) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), nil)
	require.NoError(b, err)
	for _, bc := range []struct {
		name string
		opts []crm.Option
	}{{"plain", nil}, {"guarded", []crm.Option{crm.WithAuthorizer(roles)}}} {
		c, _, _ := newClient(b, bc.opts...)
		ctx := crm.WithActor(b.Context(), crm.Actor{ID: "ann", Roles: []string{"sales"}})
		cust := mustCreate(b, c, ctx, &crm.Customer{Name: "Bench Ltd", Emails: []crm.Email{{Address: "bench@example.com"}}})
		ct, err := c.AddContact(ctx, &crm.Contact{CustomerID: cust.ID, Name: "Bench Contact"})
		require.NoError(b, err)
		b.Run("customer/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GetCustomer(ctx, cust.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("contact/"+bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.GetContact(ctx, ct.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestClient_EraseCustomer_AccessAndApproval(t *testing.T) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), map[string][]string{"east": {"ann"}})
	require.NoError(t, err)
	c, _, store := newClient(t, crm.WithAuthorizer(roles), crm.WithAudit(), crm.WithApprovals(crm.ApprovalPolicy{Erase: true}))
	as := func(id, role string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: []string{role}, Team: "east"})
	}
	root, dpo, mia := as("root", "admin"), as("dpo", "admin"), as("mia", "manager")
	cust := mustCreate(t, c, root, &crm.Customer{Kind: crm.KindPerson, Name: "Grace Hopper", OwnerID: "ann",
		Emails: []crm.Email{{Address: "grace@example.org"}}})

	_, err = c.EraseCustomer(mia, cust.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "erasure needs customer:delete on all records")
	_, err = c.EraseCustomer(t.Context(), cust.ID)
	assert.ErrorIs(t, err, crm.ErrForbidden, "and an actor")
	_, err = c.EraseCustomer(root, cust.ID)
	var held *crm.ApprovalRequiredError
	require.ErrorAs(t, err, &held, "erasure waits for a second actor")
	got, err := store.FindCustomerByID(t.Context(), cust.ID)
	require.NoError(t, err)
	assert.False(t, got.Erased(), "nothing erased while the request waits")

	_, err = c.Approve(dpo, held.Request.ID, held.Request.Version)
	require.NoError(t, err)
	got, err = store.FindCustomerByID(t.Context(), cust.ID)
	require.NoError(t, err)
	assert.True(t, got.Erased(), "the approval erased the customer")
	assert.Empty(t, got.Emails)
	for e, err := range c.AuditLog(dpo, crm.AuditFilter{Entity: crm.EntityCustomer, EntityID: cust.ID}) {
		require.NoError(t, err)
		for _, ch := range e.Changes {
			assert.NotContains(t, string(ch.Before)+string(ch.After), "grace", "entry %d %s keeps no personal value", e.Seq, ch.Field)
		}
	}
	_, err = c.VerifyAudit(dpo)
	assert.NoError(t, err, "the chain verifies after erasure through the guard")
}
