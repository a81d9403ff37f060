package crm_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// sameRecord reports the paths at which got differs from want: decimals,
// times and custom values compare by value, everything else as
// reflect.DeepEqual would.
func sameRecord(want, got any) []string {
	var diffs []string
	var walk func(path string, w, g reflect.Value)
	walk = func(path string, w, g reflect.Value) {
		switch w.Type() {
		case reflect.TypeFor[decimal.Decimal]():
			if !w.Interface().(decimal.Decimal).Equal(g.Interface().(decimal.Decimal)) {
				diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
			}
			return
		case reflect.TypeFor[time.Time]():
			if !w.Interface().(time.Time).Equal(g.Interface().(time.Time)) {
				diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
			}
			return
		case reflect.TypeFor[crm.CustomValue]():
			if !w.Interface().(crm.CustomValue).Equal(g.Interface().(crm.CustomValue)) {
				diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
			}
			return
		}
		switch w.Kind() {
		case reflect.Pointer:
			if w.IsNil() || g.IsNil() {
				if w.IsNil() != g.IsNil() {
					diffs = append(diffs, path+": one is nil")
				}
				return
			}
			walk(path, w.Elem(), g.Elem())
		case reflect.Struct:
			for i := range w.NumField() {
				if w.Type().Field(i).IsExported() {
					walk(path+"."+w.Type().Field(i).Name, w.Field(i), g.Field(i))
				}
			}
		case reflect.Slice:
			if w.Len() != g.Len() {
				diffs = append(diffs, fmt.Sprintf("%s: want %d elements, got %d", path, w.Len(), g.Len()))
				return
			}
			for i := range w.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), w.Index(i), g.Index(i))
			}
		case reflect.Map:
			if w.Len() != g.Len() {
				diffs = append(diffs, fmt.Sprintf("%s: want %d entries, got %d", path, w.Len(), g.Len()))
				return
			}
			for _, k := range w.MapKeys() {
				gv := g.MapIndex(k)
				if !gv.IsValid() {
					diffs = append(diffs, fmt.Sprintf("%s[%v]: missing", path, k))
					continue
				}
				walk(fmt.Sprintf("%s[%v]", path, k), w.MapIndex(k), gv)
			}
		default:
			if !reflect.DeepEqual(w.Interface(), g.Interface()) {
				diffs = append(diffs, fmt.Sprintf("%s: want %v, got %v", path, w, g))
			}
		}
	}
	walk("", reflect.ValueOf(want), reflect.ValueOf(got))
	return diffs
}

// fillAll sets every exported field of the struct v points to, nested
// ones included, to a value that is not zero: what a format must carry
// for every field to round-trip.
func fillAll(v reflect.Value, path string) {
	n := 0
	var fill func(path string, v reflect.Value)
	fill = func(path string, v reflect.Value) {
		n++
		switch v.Type() {
		case reflect.TypeFor[time.Time]():
			t := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC).Add(time.Duration(n) * 1001 * time.Microsecond)
			if strings.HasSuffix(path, "BirthDate") {
				t = time.Date(1990, 5, n%28+1, 0, 0, 0, 0, time.UTC)
			}
			v.Set(reflect.ValueOf(t))
			return
		case reflect.TypeFor[decimal.Decimal]():
			v.Set(reflect.ValueOf(decimal.RequireFromString(fmt.Sprintf("%d.4500", n))))
			return
		case reflect.TypeFor[crm.Money]():
			v.Set(reflect.ValueOf(crm.MustMoney(fmt.Sprintf("%d.0500", n), "EUR")))
			return
		case reflect.TypeFor[map[string]crm.CustomValue]():
			v.Set(reflect.ValueOf(map[string]crm.CustomValue{
				"tier": crm.StringValue("gold"), "score": crm.NumberValue(decimal.RequireFromString("12.50")),
				"vip": crm.BoolValue(true), "since": crm.DateValue(time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)),
			}))
			return
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString(fmt.Sprintf("v%d", n))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n) * 1_000_001) // a Duration of a fraction of a second
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(path+"."+v.Type().Field(i).Name, v.Field(i))
				}
			}
		case reflect.Slice:
			s := reflect.MakeSlice(v.Type(), 2, 2)
			for i := range 2 {
				fill(fmt.Sprintf("%s[%d]", path, i), s.Index(i))
			}
			v.Set(s)
		case reflect.Pointer:
			p := reflect.New(v.Type().Elem())
			fill(path, p.Elem())
			v.Set(p)
		default:
			panic("fillAll: no value for " + path + " of type " + v.Type().String())
		}
	}
	fill(path, v.Elem())
}

func TestExportRecord_JSONRoundTrip(t *testing.T) {
	var rec crm.ExportRecord
	fillAll(reflect.ValueOf(&rec), "rec")
	b, err := json.Marshal(rec)
	require.NoError(t, err)
	var got crm.ExportRecord
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Empty(t, sameRecord(rec, got), "every field of every record round-trips:\n%s", b)

	t.Run("Forms", func(t *testing.T) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		assert.Equal(t, map[string]any{"amount": "42.05", "currency": "EUR"}, m["credit_limit"], "money as exact text and currency")
		assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`, m["created_at"], "times in RFC 3339, UTC")
		assert.Regexp(t, `^\d{4}-\d\d-\d\d$`, m["birth_date"])
		kase := m["cases"].([]any)[0].(map[string]any)
		assert.Regexp(t, `^\d+\.\d+$`, kase["first_response_seconds"], "durations in exact seconds")
	})
	t.Run("KindsLeftOut", func(t *testing.T) {
		b, err := json.Marshal(crm.ExportRecord{Customer: rec.Customer, Orders: []*crm.Order{}})
		require.NoError(t, err)
		assert.Contains(t, string(b), `"orders":[]`, "an included kind with no records")
		assert.NotContains(t, string(b), `"contacts"`, "a kind not included")
		var got crm.ExportRecord
		require.NoError(t, json.Unmarshal(b, &got))
		assert.NotNil(t, got.Orders)
		assert.Nil(t, got.Contacts)
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		_, err := json.Marshal(crm.ExportRecord{})
		assert.ErrorIs(t, err, crm.ErrInvalid)
		err = json.Unmarshal([]byte(`{"id":"c-1","name":"A","orders":[{"id":"o-1","lines":[{"quantity":"x"}]}]}`), &got)
		require.ErrorIs(t, err, crm.ErrInvalid)
		assert.Contains(t, err.Error(), "orders[0].lines[0].quantity")
	})
}

// exportFixture is a Client with customers and records of every kind.
type exportFixture struct {
	c          *crm.Client
	ctx        context.Context
	acme, bolt *crm.Customer // acme has records of every kind, bolt none
	other      *crm.Customer // owned by bob, tagged "other"
}

func newExportFixture(t *testing.T, opts ...crm.Option) *exportFixture {
	t.Helper()
	c, clock, _ := newClient(t, opts...)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "root", Roles: []string{"admin"}})
	fx := &exportFixture{c: c, ctx: ctx}
	fx.acme = mustCreate(t, c, ctx, &crm.Customer{
		Name: "Acme Ltd", OwnerID: "ann", Region: "north", Industry: "retail", Size: crm.SizeSmall,
		Emails:  []crm.Email{{Address: "info@acme.example", Label: "work"}, {Address: "Sales@Acme.example", Primary: true}},
		Phones:  []crm.Phone{{Number: "020 7946 0000", Primary: true}},
		Address: crm.Address{Street: "1 High St", City: "London", PostalCode: "N1 1AA", Country: "GB"},
		Tags:    []string{"key", "eu"}, TaxID: "GB123", CreditRating: "A", CreditLimit: crm.MustMoney("50000.00", "EUR"),
		RiskLevel: crm.RiskLow, BirthDate: time.Date(1999, 4, 1, 0, 0, 0, 0, time.UTC), TimeZone: "Europe/London",
		Source: "web", Custom: map[string]crm.CustomValue{"tier": crm.StringValue("gold"), "seats": crm.IntValue(12)},
		Consent: crm.Consents{Email: crm.Consent{Granted: true, At: t0.Add(-time.Hour)}},
	})
	fx.bolt = mustCreate(t, c, ctx, &crm.Customer{Name: "Bolt GmbH", OwnerID: "ann", Kind: crm.KindOrganization})
	fx.other = mustCreate(t, c, ctx, &crm.Customer{Name: "Other plc", OwnerID: "bob", Tags: []string{"other"}})
	clock.Advance(time.Minute)

	_, err := c.AddContact(ctx, &crm.Contact{CustomerID: fx.acme.ID, Name: "Jo Bloggs", JobTitle: "CFO", Role: crm.RoleFinance,
		Emails: []crm.Email{{Address: "jo@acme.example"}}})
	require.NoError(t, err)
	o, err := c.CreateOrder(ctx, &crm.Order{CustomerID: fx.acme.ID, Number: "PO-1", Lines: []crm.OrderLine{
		line("SEAT", "3", "19.99 EUR"), {Description: "Setup", Quantity: qty("1.5"), UnitPrice: crm.MustMoney("100.00", "EUR"), Discount: crm.MustMoney("0.50", "EUR")},
	}})
	require.NoError(t, err)
	_, err = c.RecordPayment(ctx, &crm.Payment{OrderID: o.ID, Amount: crm.MustMoney("10.25", "EUR"), Method: "card"})
	require.NoError(t, err)
	cs, err := c.CreateCase(ctx, &crm.Case{CustomerID: fx.acme.ID, Kind: crm.CaseComplaint, Subject: "Invoice charged twice"})
	require.NoError(t, err)
	clock.Advance(90 * time.Minute)
	_, err = c.RespondToCase(ctx, cs.ID, cs.Version)
	require.NoError(t, err)
	_, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: fx.acme.ID, Channel: crm.InteractionCall, Subject: "Renewal", Outcome: "reached"})
	require.NoError(t, err)
	s, err := c.CreateSurvey(ctx, &crm.Survey{Kind: crm.SurveyKindNPS, Name: "Relationship NPS"})
	require.NoError(t, err)
	_, err = c.RecordResponse(ctx, &crm.Response{SurveyID: s.ID, CustomerID: fx.acme.ID, Score: 9, Comment: "Good"})
	require.NoError(t, err)
	_, err = c.LogInteraction(ctx, &crm.Interaction{CustomerID: fx.other.ID, Channel: crm.InteractionEmail})
	require.NoError(t, err)
	return fx
}

// allRelated is every kind a JSON Lines export nests.
var allRelated = []crm.ExportKind{crm.ExportContacts, crm.ExportOrders, crm.ExportPayments, crm.ExportCases, crm.ExportInteractions, crm.ExportResponses}

// decodeLines reads a JSON Lines export.
func decodeLines(t *testing.T, data []byte) []crm.ExportRecord {
	t.Helper()
	var out []crm.ExportRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec crm.ExportRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), "line %d: %s", len(out)+1, sc.Bytes())
		out = append(out, rec)
	}
	require.NoError(t, sc.Err())
	return out
}

// all collects a listing or fails the test.
func all[T any](t *testing.T, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	out := []T{}
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func TestClient_ExportCustomers_JSONLines(t *testing.T) {
	fx := newExportFixture(t)
	c, ctx := fx.c, fx.ctx
	var buf bytes.Buffer
	stats, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{}, crm.ExportOptions{Include: allRelated})
	require.NoError(t, err)
	recs := decodeLines(t, buf.Bytes())
	require.Len(t, recs, 3)
	assert.Equal(t, 3, stats.Customers)
	assert.Equal(t, int64(buf.Len()), stats.Bytes)
	assert.Equal(t, map[crm.ExportKind]int{crm.ExportContacts: 1, crm.ExportOrders: 1, crm.ExportPayments: 1,
		crm.ExportCases: 1, crm.ExportInteractions: 2, crm.ExportResponses: 1}, stats.Records)

	for _, rec := range recs {
		id := rec.Customer.ID
		stored, err := c.GetCustomer(ctx, id)
		require.NoError(t, err)
		ids := []string{id}
		want := crm.ExportRecord{
			Customer:     stored,
			Contacts:     all(t, c.Contacts(ctx, crm.ContactFilter{CustomerID: id})),
			Orders:       all(t, c.Orders(ctx, crm.OrderFilter{CustomerIDs: ids})),
			Payments:     all(t, c.Payments(ctx, crm.PaymentFilter{CustomerIDs: ids})),
			Cases:        all(t, c.Cases(ctx, crm.CaseFilter{CustomerIDs: ids})),
			Interactions: all(t, c.Interactions(ctx, crm.InteractionFilter{CustomerIDs: ids})),
			Responses:    all(t, c.Responses(ctx, crm.ResponseFilter{CustomerIDs: ids})),
		}
		assert.Empty(t, sameRecord(want, rec), "customer %s", stored.Name)
	}
	assert.Equal(t, []string{fx.acme.ID, fx.bolt.ID, fx.other.ID}, []string{recs[0].Customer.ID, recs[1].Customer.ID, recs[2].Customer.ID}, "in ID order")
	require.Len(t, recs[0].Orders, 1)
	assert.Len(t, recs[0].Orders[0].Lines, 2, "an order comes with its lines")
	assert.NotNil(t, recs[1].Orders, "an included kind a customer has none of")
	assert.NotZero(t, recs[0].Cases[0].FirstResponseTime)

	first, _, _ := strings.Cut(buf.String(), "\n")
	assert.Contains(t, first, `"credit_limit":{"amount":"50000.00","currency":"EUR"}`)
	assert.Contains(t, first, `"unit_price":{"amount":"19.99","currency":"EUR"}`)
	assert.Contains(t, first, `"created_at":"2026-03-02T09:30:00Z"`)

	t.Run("Filter", func(t *testing.T) {
		var buf bytes.Buffer
		stats, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{Tags: []string{"OTHER"}, Limit: 1}, crm.ExportOptions{Include: []crm.ExportKind{crm.ExportInteractions}})
		require.NoError(t, err)
		recs := decodeLines(t, buf.Bytes())
		require.Len(t, recs, 1)
		assert.Equal(t, fx.other.ID, recs[0].Customer.ID)
		assert.Len(t, recs[0].Interactions, 1)
		assert.Nil(t, recs[0].Orders, "a kind not included")
		assert.Equal(t, 1, stats.Customers)

		buf.Reset()
		_, err = c.ExportCustomers(ctx, &buf, crm.CustomerFilter{Limit: 1}, crm.ExportOptions{})
		require.NoError(t, err)
		assert.Len(t, decodeLines(t, buf.Bytes()), 3, "page after page")
	})
}

func TestClient_ExportCustomers_CSV(t *testing.T) {
	fx := newExportFixture(t)
	c, ctx := fx.c, fx.ctx
	// cells returns the row of a CSV export by column name.
	cells := func(header, row []string) map[string]string {
		m := map[string]string{}
		for i, h := range header {
			m[h] = row[i]
		}
		return m
	}

	t.Run("CustomersRoundTrip", func(t *testing.T) {
		var buf bytes.Buffer
		_, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{}, crm.ExportOptions{Format: crm.ExportCSV, CustomFields: []string{"tier", "seats:number"}})
		require.NoError(t, err)
		header, _, _ := strings.Cut(buf.String(), "\n")
		assert.Equal(t, "id,kind,name,emails,phones,street,city,postal_code,state,country,industry,region,size,stage,owner_id,tags,"+
			"tax_id,credit_rating,credit_limit,risk_level,birth_date,time_zone,consent_email,consent_phone,consent_sms,consent_post,"+
			"do_not_contact,source,created_at,custom.tier,custom.seats:number", header)

		into, _, _ := newClient(t)
		res, err := into.ImportCustomers(ctx, crm.ReadCustomersCSV(&buf), crm.ImportOptions{Duplicates: crm.FailOnDuplicate})
		require.NoError(t, err)
		require.Equal(t, 3, res.Created, "%v", res.Errors)
		for _, want := range []*crm.Customer{fx.acme, fx.bolt, fx.other} {
			got, err := into.GetCustomer(ctx, want.ID)
			require.NoError(t, err)
			// What the layout leaves out: labels, consent times, who changed it, when.
			w := want.Clone()
			w.Emails, w.Phones = mapSlice(w.Emails, func(e crm.Email) crm.Email { e.Label = ""; return e }), mapSlice(w.Phones, func(p crm.Phone) crm.Phone { p.Label = ""; return p })
			w.Consent.Email.At, w.CreatedBy, w.UpdatedAt, w.UpdatedBy = time.Time{}, "", got.UpdatedAt, ""
			g := got.Clone()
			g.Consent.Email.At, g.CreatedBy, g.UpdatedBy = time.Time{}, "", ""
			if len(w.Emails) > 0 { // the primary comes first
				w.Emails[0], w.Emails[1] = w.Emails[1], w.Emails[0]
			}
			assert.Empty(t, sameRecord(w, g), want.Name)
		}
	})
	t.Run("CustomFieldOfAnotherType", func(t *testing.T) {
		var buf bytes.Buffer
		_, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{}, crm.ExportOptions{Format: crm.ExportCSV, CustomFields: []string{"tier:number"}})
		require.ErrorIs(t, err, crm.ErrInvalid)
		assert.Equal(t, "a string, not a number as its column says", fieldErr(t, err, "custom.tier"))
	})
	t.Run("Related", func(t *testing.T) {
		for _, tc := range []struct {
			kind   crm.ExportKind
			header string
			rows   int
			check  map[string]string
		}{
			{crm.ExportContacts, "id,customer_id,name,job_title,role,emails,phones,created_at,created_by,updated_at,updated_by,version", 1,
				map[string]string{"name": "Jo Bloggs", "role": "finance", "emails": "jo@acme.example", "version": "1"}},
			{crm.ExportOrders, "id,customer_id,number,opportunity_id,status,ordered_at,currency,total,paid,lines,created_at,created_by,updated_at,updated_by,version", 1,
				map[string]string{"number": "PO-1", "currency": "EUR", "total": "209.47", "paid": "10.25", "lines": "2", "ordered_at": "2026-03-02T09:31:00Z"}},
			{crm.ExportOrderLines, "order_id,customer_id,line,sku,description,quantity,currency,unit_price,discount,total", 2,
				map[string]string{"line": "1", "sku": "SEAT", "quantity": "3", "unit_price": "19.99", "discount": "", "total": "59.97"}},
			{crm.ExportPayments, "id,customer_id,order_id,currency,amount,received_at,method,reference,created_at,created_by,updated_at,updated_by,version", 1,
				map[string]string{"amount": "10.25", "currency": "EUR", "method": "card"}},
			{crm.ExportCases, "id,customer_id,contact_id,kind,priority,status,subject,description,owner_id,channel,source,opened_at,status_changed_at," +
				"first_responded_at,resolved_at,closed_at,reopened,first_response_seconds,resolution_seconds,first_response_due,resolution_due," +
				"created_at,created_by,updated_at,updated_by,version", 1,
				map[string]string{"kind": "complaint", "first_response_seconds": "5400", "resolved_at": ""}},
			{crm.ExportInteractions, "id,customer_id,contact_id,opportunity_id,case_id,channel,direction,at,actor_id,subject,summary,outcome," +
				"created_at,created_by,updated_at,updated_by,version", 2, map[string]string{"channel": "call", "outcome": "reached"}},
			{crm.ExportResponses, "id,customer_id,survey_id,kind,respondent_id,contact_id,case_id,opportunity_id,score,comment,channel,answered_at,wave," +
				"created_at,created_by,updated_at,updated_by,version", 1, map[string]string{"kind": "nps", "score": "9", "comment": "Good"}},
		} {
			t.Run(string(tc.kind), func(t *testing.T) {
				var buf bytes.Buffer
				stats, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{}, crm.ExportOptions{Format: crm.ExportCSV, Kind: tc.kind})
				require.NoError(t, err)
				assert.Equal(t, map[crm.ExportKind]int{tc.kind: tc.rows}, stats.Records)
				rows, err := csv.NewReader(&buf).ReadAll()
				require.NoError(t, err)
				require.Len(t, rows, 1+tc.rows)
				assert.Equal(t, tc.header, strings.Join(rows[0], ","))
				got := cells(rows[0], rows[1])
				assert.Equal(t, fx.acme.ID, got["customer_id"])
				for col, want := range tc.check {
					assert.Equal(t, want, got[col], col)
				}
			})
		}
	})
}

func mapSlice[T any](in []T, f func(T) T) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func TestClient_ExportCustomers_options(t *testing.T) {
	c, _, _ := newClient(t)
	ctx := actorCtx(t, "ann")
	mustCreate(t, c, ctx, &crm.Customer{Name: "Acme"})
	for _, tc := range []struct {
		name  string
		opts  crm.ExportOptions
		f     crm.CustomerFilter
		field string
	}{
		{"Format", crm.ExportOptions{Format: "xml"}, crm.CustomerFilter{}, "format"},
		{"IncludeCustomers", crm.ExportOptions{Include: []crm.ExportKind{crm.ExportCustomers}}, crm.CustomerFilter{}, "include[0]"},
		{"IncludeUnknown", crm.ExportOptions{Include: []crm.ExportKind{"leads"}}, crm.CustomerFilter{}, "include[0]"},
		{"IncludeWithCSV", crm.ExportOptions{Format: crm.ExportCSV, Include: allRelated}, crm.CustomerFilter{}, "include"},
		{"KindWithJSON", crm.ExportOptions{Kind: crm.ExportOrders}, crm.CustomerFilter{}, "kind"},
		{"KindUnknown", crm.ExportOptions{Format: crm.ExportCSV, Kind: "leads"}, crm.CustomerFilter{}, "kind"},
		{"CustomFieldsWithJSON", crm.ExportOptions{CustomFields: []string{"a"}}, crm.CustomerFilter{}, "custom_fields"},
		{"CustomFieldsOfOrders", crm.ExportOptions{Format: crm.ExportCSV, Kind: crm.ExportOrders, CustomFields: []string{"a"}}, crm.CustomerFilter{}, "custom_fields"},
		{"CustomFieldType", crm.ExportOptions{Format: crm.ExportCSV, CustomFields: []string{"a:float"}}, crm.CustomerFilter{}, "custom_fields[0]"},
		{"CustomFieldTwice", crm.ExportOptions{Format: crm.ExportCSV, CustomFields: []string{"a", "a:number"}}, crm.CustomerFilter{}, "custom_fields[1]"},
		{"FilterLimit", crm.ExportOptions{}, crm.CustomerFilter{Limit: -1}, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := c.ExportCustomers(ctx, &buf, tc.f, tc.opts)
			require.ErrorIs(t, err, crm.ErrInvalid)
			fieldErr(t, err, tc.field)
			assert.Zero(t, buf.Len(), "nothing written")
		})
	}
}

func TestClient_ExportCustomers_access(t *testing.T) {
	exporter := crm.Role{Name: "exporter", Grants: map[crm.Permission]crm.Scope{
		crm.PermDataExport: crm.ScopeOwn, crm.PermCustomerRead: crm.ScopeAll, crm.PermOrderRead: crm.ScopeOwn, crm.PermCaseRead: crm.ScopeOwn,
	}}
	roles, err := crm.NewRoles(append(crm.DefaultRoles(), exporter), map[string][]string{"east": {"ann", "bob"}})
	require.NoError(t, err)
	fx := newExportFixture(t, crm.WithAuthorizer(roles))
	c := fx.c
	as := func(id, team string, roles ...string) context.Context {
		return crm.WithActor(t.Context(), crm.Actor{ID: id, Roles: roles, Team: team})
	}
	names := func(t *testing.T, ctx context.Context, opts crm.ExportOptions) []string {
		t.Helper()
		var buf bytes.Buffer
		_, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{}, opts)
		require.NoError(t, err)
		var out []string
		for _, rec := range decodeLines(t, buf.Bytes()) {
			out = append(out, rec.Customer.Name)
		}
		return out
	}
	forbidden := func(t *testing.T, ctx context.Context, opts crm.ExportOptions) {
		t.Helper()
		var buf bytes.Buffer
		_, err := c.ExportCustomers(ctx, &buf, crm.CustomerFilter{}, opts)
		require.ErrorIs(t, err, crm.ErrForbidden)
		assert.Zero(t, buf.Len(), "nothing written")
	}

	t.Run("NoActor", func(t *testing.T) { forbidden(t, t.Context(), crm.ExportOptions{}) })
	t.Run("NoPermission", func(t *testing.T) {
		forbidden(t, as("ann", "east", "sales"), crm.ExportOptions{}) // sales may read, not export
		forbidden(t, as("aud", "", "auditor"), crm.ExportOptions{})
	})
	t.Run("ScopeAll", func(t *testing.T) {
		assert.Equal(t, []string{"Acme Ltd", "Bolt GmbH", "Other plc"}, names(t, fx.ctx, crm.ExportOptions{Include: allRelated}))
	})
	t.Run("NarrowedByReads", func(t *testing.T) {
		// A manager exports in ScopeAll but reads the team's customers only.
		assert.Equal(t, []string{"Acme Ltd", "Bolt GmbH", "Other plc"}, names(t, as("mia", "east", "manager"), crm.ExportOptions{Include: allRelated}))
		assert.Equal(t, []string(nil), names(t, as("max", "west", "manager"), crm.ExportOptions{}))
	})
	t.Run("NarrowedByExportScope", func(t *testing.T) {
		// Reads every customer, exports its own.
		assert.Equal(t, []string{"Acme Ltd", "Bolt GmbH"}, names(t, as("ann", "", "exporter"), crm.ExportOptions{Include: []crm.ExportKind{crm.ExportOrders, crm.ExportCases}}))
		assert.Equal(t, []string{"Other plc"}, names(t, as("bob", "", "exporter"), crm.ExportOptions{}))
	})
	t.Run("RelatedKindNotReadable", func(t *testing.T) {
		forbidden(t, as("ann", "", "exporter"), crm.ExportOptions{Include: []crm.ExportKind{crm.ExportInteractions}})
		forbidden(t, as("ann", "", "exporter"), crm.ExportOptions{Format: crm.ExportCSV, Kind: crm.ExportResponses})
	})
}

// cancelWriter cancels a context at its first write.
type cancelWriter struct {
	cancel context.CancelFunc
	n      int
}

func (w *cancelWriter) Write(p []byte) (int, error) {
	w.cancel()
	w.n += len(p)
	return len(p), nil
}

// failWriter fails every write.
type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

func TestClient_ExportCustomers_stops(t *testing.T) {
	c, _, store := newClient(t)
	seedCustomers(t, store, 500)
	ctx := actorCtx(t, "ann")

	t.Run("Cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		w := &cancelWriter{cancel: cancel}
		stats, err := c.ExportCustomers(ctx, w, crm.CustomerFilter{}, crm.ExportOptions{})
		require.ErrorIs(t, err, context.Canceled)
		assert.Less(t, stats.Customers, 500)
		assert.Equal(t, int64(w.n), stats.Bytes)
	})
	t.Run("WriterFails", func(t *testing.T) {
		boom := errors.New("disk full")
		for _, format := range []crm.ExportFormat{crm.ExportJSONLines, crm.ExportCSV} {
			stats, err := c.ExportCustomers(ctx, failWriter{boom}, crm.CustomerFilter{}, crm.ExportOptions{Format: format})
			require.ErrorIs(t, err, boom, format)
			assert.Less(t, stats.Customers, 500)
			assert.Zero(t, stats.Bytes)
		}
	})
}

// seedCustomers stores n customers straight into store.
func seedCustomers(tb testing.TB, store *memory.Store, n int) {
	tb.Helper()
	cs := make([]*crm.Customer, n)
	for i := range cs {
		cs[i] = &crm.Customer{ID: fmt.Sprintf("c-%06d", i), Kind: crm.KindOrganization, Name: fmt.Sprintf("Customer %d", i),
			Stage: crm.StageProspect, OwnerID: "ann", Emails: []crm.Email{{Address: fmt.Sprintf("c%d@example.com", i), Primary: true}},
			Tags: []string{"seed"}, CreditLimit: crm.MustMoney("1000.00", "EUR"), CreatedAt: t0, UpdatedAt: t0, Version: 1}
	}
	require.NoError(tb, store.CreateCustomers(context.Background(), cs))
}

// peakWriter discards what it is given and samples the live heap every
// so many writes.
type peakWriter struct {
	writes int
	peak   uint64
}

func (w *peakWriter) Write(p []byte) (int, error) {
	if w.writes%8 == 0 {
		w.peak = max(w.peak, liveHeap())
	}
	w.writes++
	return len(p), nil
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestClient_ExportCustomers_flatMemory checks that an export holds a
// page at a time: the live heap it adds does not grow with the number of
// customers.
func TestClient_ExportCustomers_flatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	growth := func(n int) uint64 {
		c, _, store := newClient(t)
		seedCustomers(t, store, n)
		ctx := actorCtx(t, "ann")
		base := liveHeap()
		w := &peakWriter{}
		stats, err := c.ExportCustomers(ctx, w, crm.CustomerFilter{}, crm.ExportOptions{Include: []crm.ExportKind{crm.ExportOrders}})
		require.NoError(t, err)
		require.Equal(t, n, stats.Customers)
		return max(w.peak, base) - base
	}
	small, large := growth(1000), growth(8000)
	t.Logf("live heap added: %d B for 1000 customers, %d B for 8000", small, large)
	assert.Less(t, large, 2*small+256<<10, "an export of 8× the customers holds about as much")
}

func BenchmarkClient_ExportCustomers(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("customers=%d", n), func(b *testing.B) {
			c, _, store := newClient(b)
			seedCustomers(b, store, n)
			ctx := crm.WithActor(context.Background(), crm.Actor{ID: "ann"})
			b.ReportAllocs()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			for b.Loop() {
				if _, err := c.ExportCustomers(ctx, io.Discard, crm.CustomerFilter{}, crm.ExportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			runtime.ReadMemStats(&ms1)
			b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/float64(b.N)/float64(n), "B/customer")
		})
	}
}
