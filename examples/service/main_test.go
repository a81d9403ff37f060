package main

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
)

// caller sends requests to the service as one actor.
type caller struct {
	t      *testing.T
	url    string
	actor  string // "" sends no X-Actor
	roles  string
	team   string
	tenant string
}

func (c caller) do(method, path, body string, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.url+path, strings.NewReader(body))
	require.NoError(c.t, err)
	if c.actor != "" {
		req.Header.Set("X-Actor", c.actor)
		req.Header.Set("X-Roles", c.roles)
		req.Header.Set("X-Team", c.team)
		req.Header.Set("X-Tenant", c.tenant)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, b
}

// want sends a request, checks the status and decodes the answer into a
// map.
func (c caller) want(code int, method, path, body string, header ...string) (*http.Response, map[string]any) {
	c.t.Helper()
	resp, b := c.do(method, path, body, header...)
	require.Equal(c.t, code, resp.StatusCode, "%s %s: %s", method, path, b)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(c.t, json.Unmarshal(b, &m), "%s", b)
	}
	return resp, m
}

func TestService(t *testing.T) {
	client, err := newClient(memory.New(), map[string][]string{"east": {"ann", "bob"}})
	require.NoError(t, err)
	srv := httptest.NewServer(newHandler(client, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	as := func(actor, roles, team string) caller {
		return caller{t: t, url: srv.URL, actor: actor, roles: roles, team: team, tenant: "acme-corp"}
	}
	admin, ann, mia := as("root", "admin", ""), as("ann", "sales", "east"), as("mia", "manager", "east")
	carl, auditor, nobody := as("carl", "sales", "west"), as("aud", "auditor", ""), as("", "", "")

	// Create: ann's own customer, and one of carl's.
	resp, acme := ann.want(http.StatusCreated, "POST", "/customers",
		`{"name":"Acme Ltd","emails":[{"address":"Sales@Acme.example"}],"tags":["key"],"credit_limit":{"amount":"5000","currency":"eur"}}`)
	id := acme["id"].(string)
	assert.Equal(t, "/customers/"+id, resp.Header.Get("Location"))
	assert.Equal(t, `"1"`, resp.Header.Get("ETag"))
	assert.Equal(t, "ann", acme["owner_id"], "the creator owns it")
	assert.Equal(t, map[string]any{"amount": "5000.00", "currency": "EUR"}, acme["credit_limit"])
	_, carls := admin.want(http.StatusCreated, "POST", "/customers", `{"name":"Carl's Corner","owner_id":"carl"}`)

	// Get, update, update again with the version now stale.
	resp, _ = ann.want(http.StatusOK, "GET", "/customers/"+id, "")
	etag := resp.Header.Get("ETag")
	resp, got := ann.want(http.StatusOK, "PATCH", "/customers/"+id, `{"region":"north","add_tags":["eu"]}`, "If-Match", etag)
	assert.Equal(t, `"2"`, resp.Header.Get("ETag"))
	assert.Equal(t, "north", got["region"])
	assert.Equal(t, []any{"key", "eu"}, got["tags"])
	_, conflict := ann.want(http.StatusConflict, "PATCH", "/customers/"+id, `{"region":"south"}`, "If-Match", etag)
	assert.Contains(t, conflict["error"], "version")
	ann.want(http.StatusOK, "PATCH", "/customers/"+id, `{"version":2,"industry":"retail"}`)
	ann.want(http.StatusPreconditionRequired, "PATCH", "/customers/"+id, `{"region":"south"}`)

	// A credit limit above 50,000 waits for a second actor: 202 with the
	// request, then a manager approves it and it runs.
	_, held := ann.want(http.StatusAccepted, "PATCH", "/customers/"+id, `{"version":3,"credit_limit":{"amount":"80000","currency":"EUR"}}`)
	req := held["approval"].(map[string]any)
	assert.Equal(t, "credit_limit", req["kind"])
	assert.Equal(t, "pending", req["status"])
	ann.want(http.StatusForbidden, "POST", "/approvals/"+req["id"].(string)+"/approve", `{"version":1}`) // not one's own
	_, decided := mia.want(http.StatusOK, "POST", "/approvals/"+req["id"].(string)+"/approve", `{"version":1}`)
	assert.Equal(t, "approved", decided["status"])
	_, raised := ann.want(http.StatusOK, "GET", "/customers/"+id, "")
	assert.Equal(t, map[string]any{"amount": "80000.00", "currency": "EUR"}, raised["credit_limit"])
	mia.want(http.StatusConflict, "POST", "/approvals/"+req["id"].(string)+"/approve", `{"version":2}`) // decided already

	// Another tenant's admin sees nothing of acme-corp's.
	globex := caller{t: t, url: srv.URL, actor: "gina", roles: "admin", tenant: "globex"}
	globex.want(http.StatusNotFound, "GET", "/customers/"+id, "")
	_, others := globex.want(http.StatusOK, "GET", "/customers", "")
	assert.Empty(t, others["customers"], "globex lists none of acme-corp's customers")
	globex.want(http.StatusNotFound, "PATCH", "/customers/"+id, `{"version":1,"name":"Taken"}`)
	globex.want(http.StatusCreated, "POST", "/customers", `{"name":"Globex Corp"}`)
	_, own := globex.want(http.StatusOK, "GET", "/customers", "")
	assert.Len(t, own["customers"], 1, "globex lists its own")

	// Forbidden, unauthenticated, not found, invalid, unreadable.
	ann.want(http.StatusForbidden, "GET", "/customers/"+carls["id"].(string), "")
	ann.want(http.StatusForbidden, "GET", "/customers/export", "") // sales may not export
	nobody.want(http.StatusUnauthorized, "GET", "/customers/"+id, "")
	admin.want(http.StatusNotFound, "GET", "/customers/nope", "")
	_, invalid := ann.want(http.StatusUnprocessableEntity, "POST", "/customers", `{"name":" ","emails":[{"address":"not-an-email"}]}`)
	assert.Contains(t, invalid["fields"], map[string]any{"field": "name", "reason": "required"})
	assert.Len(t, invalid["fields"], 2, "every bad field at once")
	ann.want(http.StatusUnprocessableEntity, "PATCH", "/customers/"+id, `{"version":4,"stage":"churned-ish"}`)
	ann.want(http.StatusBadRequest, "POST", "/customers", `{"nmae":"Typo Ltd"}`)
	ann.want(http.StatusBadRequest, "GET", "/customers?limit=many", "")

	// Contacts, through the customer's owner.
	_, contact := ann.want(http.StatusCreated, "POST", "/customers/"+id+"/contacts", `{"name":"Jo Bloggs","role":"finance","emails":[{"address":"jo@acme.example"}]}`)
	assert.Equal(t, id, contact["customer_id"])
	carl.want(http.StatusForbidden, "POST", "/customers/"+id+"/contacts", `{"name":"Intruder"}`)

	// Lists hold the actor's own records.
	names := func(c caller, query string) []any {
		t.Helper()
		_, list := c.want(http.StatusOK, "GET", "/customers"+query, "")
		var out []any
		for _, c := range list["customers"].([]any) {
			out = append(out, c.(map[string]any)["name"])
		}
		return out
	}
	assert.Equal(t, []any{"Acme Ltd"}, names(ann, ""))
	assert.Equal(t, []any{"Carl's Corner"}, names(carl, ""))
	assert.Equal(t, []any{"Acme Ltd", "Carl's Corner"}, names(admin, ""))
	assert.Equal(t, []any{"Acme Ltd"}, names(admin, "?tag=eu&region=north"))
	assert.Nil(t, names(carl, "?owner=ann"), "a filter never widens what an actor sees")

	// The export streams the team's customers for a manager.
	resp, body := mia.do("GET", "/customers/export?format=jsonl&include=contacts,orders", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "application/x-ndjson", resp.Header.Get("Content-Type"))
	var lines []crm.ExportRecord
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	for sc.Scan() {
		var rec crm.ExportRecord
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		lines = append(lines, rec)
	}
	require.Len(t, lines, 1, "mia's team is ann and bob")
	assert.Equal(t, "Acme Ltd", lines[0].Customer.Name)
	assert.Len(t, lines[0].Contacts, 1)
	assert.NotNil(t, lines[0].Orders)
	resp, body = admin.do("GET", "/customers/export?format=csv&kind=contacts", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(string(body), "id,customer_id,name,"), "%s", body)
	admin.want(http.StatusUnprocessableEntity, "GET", "/customers/export?format=xml", "")

	// History and events, for an auditor.
	_, hist := auditor.want(http.StatusOK, "GET", "/customers/"+id+"/history", "")
	entries := hist["entries"].([]any)
	require.Len(t, entries, 4, "created, updated twice, the approved credit limit")
	first, second := entries[0].(map[string]any), entries[1].(map[string]any)
	assert.Equal(t, "created", first["action"])
	assert.Equal(t, "ann", second["actor_id"])
	assert.Contains(t, second["changes"], map[string]any{"field": "Region", "after": "north"})
	assert.Equal(t, "mia", entries[3].(map[string]any)["actor_id"], "the approver ran the raise")
	ann.want(http.StatusForbidden, "GET", "/customers/"+id+"/history", "")

	_, ev := auditor.want(http.StatusOK, "GET", "/events?after=0&limit=2", "")
	require.Len(t, ev["events"], 2)
	assert.Equal(t, "customer.created", ev["events"].([]any)[0].(map[string]any)["type"])
	assert.EqualValues(t, 2, ev["next_after"])
	_, ev = auditor.want(http.StatusOK, "GET", "/events?after=2", "")
	assert.NotEmpty(t, ev["events"])
	ann.want(http.StatusForbidden, "GET", "/events", "")
	auditor.want(http.StatusBadRequest, "GET", "/events?after=-1", "")
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{crm.ErrNotFound, http.StatusNotFound},
		{crm.ErrConflict, http.StatusConflict},
		{crm.ErrDuplicate, http.StatusConflict},
		{crm.ErrTransition, http.StatusConflict},
		{crm.ErrForbidden, http.StatusForbidden},
		{crm.ErrInvalid, http.StatusUnprocessableEntity},
		{crm.ErrApprovalRequired, http.StatusAccepted},
		{io.ErrUnexpectedEOF, http.StatusInternalServerError},
	} {
		code, body := status(tc.err)
		assert.Equal(t, tc.code, code, "%v", tc.err)
		if code == http.StatusInternalServerError {
			assert.Equal(t, "internal error", body.Error, "no internals leak")
		}
	}
}

func TestParseTeams(t *testing.T) {
	teams, err := parseTeams("east=ann, bob; west=carl;")
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"east": {"ann", "bob"}, "west": {"carl"}}, teams)
	_, err = parseTeams("east")
	assert.Error(t, err)
}
