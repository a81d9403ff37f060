package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// maxBody bounds a request body.
const maxBody = 1 << 20

// handler serves the CRM of one Client as JSON over HTTP.
type handler struct {
	client *crm.Client
	log    *slog.Logger
}

// newHandler returns the routes of the service over client.
func newHandler(client *crm.Client, log *slog.Logger) http.Handler {
	h := &handler{client: client, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /customers", h.createCustomer)
	mux.HandleFunc("GET /customers", h.listCustomers)
	mux.HandleFunc("GET /customers/export", h.exportCustomers)
	mux.HandleFunc("GET /customers/{id}", h.getCustomer)
	mux.HandleFunc("PATCH /customers/{id}", h.updateCustomer)
	mux.HandleFunc("POST /customers/{id}/contacts", h.addContact)
	mux.HandleFunc("GET /customers/{id}/history", h.history)
	mux.HandleFunc("GET /events", h.events)
	mux.HandleFunc("POST /approvals/{id}/approve", h.decide(true))
	mux.HandleFunc("POST /approvals/{id}/reject", h.decide(false))
	return h.withActor(mux)
}

// withActor puts the actor the request headers name into its context:
// X-Actor (required), X-Roles (comma-separated), X-Team and X-Tenant,
// the tenant every read and write of the request is scoped to. A request
// without X-Actor is answered 401.
func (h *handler) withActor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSpace(r.Header.Get("X-Actor"))
		if id == "" {
			w.Header().Set("WWW-Authenticate", `X-Actor realm="crm"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: "no X-Actor header: who is asking?"})
			return
		}
		actor := crm.Actor{ID: id, Name: id, Team: strings.TrimSpace(r.Header.Get("X-Team")),
			Tenant: strings.TrimSpace(r.Header.Get("X-Tenant"))}
		for role := range strings.SplitSeq(r.Header.Get("X-Roles"), ",") {
			if role = strings.TrimSpace(role); role != "" {
				actor.Roles = append(actor.Roles, role)
			}
		}
		next.ServeHTTP(w, r.WithContext(crm.WithActor(r.Context(), actor)))
	})
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error  string      `json:"error"`
	Fields []fieldBody `json:"fields,omitempty"`
	// Approval is the pending request of an operation held for approval.
	Approval *approvalBody `json:"approval,omitempty"`
}

type approvalBody struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	Version   int64     `json:"version"`
	ExpiresAt time.Time `json:"expires_at"`
}

type fieldBody struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// badRequest is a request the service cannot read: malformed JSON, an
// unknown field, a parameter that does not parse.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

// status returns the HTTP status of err and the body that says why.
func status(err error) (int, errorBody) {
	body := errorBody{Error: err.Error()}
	var bad *badRequest
	var verr *crm.ValidationError
	switch {
	case errors.As(err, &bad):
		return http.StatusBadRequest, body
	case errors.As(err, &verr):
		for _, f := range verr.Fields {
			body.Fields = append(body.Fields, fieldBody{Field: f.Field, Reason: f.Reason})
		}
		return http.StatusUnprocessableEntity, body
	case errors.Is(err, crm.ErrInvalid):
		return http.StatusUnprocessableEntity, body
	case errors.Is(err, crm.ErrNotFound):
		return http.StatusNotFound, body
	case errors.Is(err, crm.ErrForbidden):
		return http.StatusForbidden, body
	case errors.Is(err, crm.ErrConflict), errors.Is(err, crm.ErrDuplicate), errors.Is(err, crm.ErrTransition):
		return http.StatusConflict, body
	case errors.Is(err, crm.ErrApprovalRequired):
		var held *crm.ApprovalRequiredError
		if errors.As(err, &held) {
			body.Approval = &approvalBody{ID: held.Request.ID, Kind: string(held.Request.Kind),
				Status: string(held.Request.Status), Version: held.Request.Version, ExpiresAt: held.Request.ExpiresAt}
		}
		return http.StatusAccepted, body
	}
	return http.StatusInternalServerError, errorBody{Error: "internal error"}
}

// fail answers with the status of err, logging what a 500 hides.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, body := status(err)
	if code == http.StatusInternalServerError {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, body)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads the JSON body of r into v, refusing unknown fields.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &badRequest{msg: "request body: " + err.Error()}
	}
	if dec.More() {
		return &badRequest{msg: "request body: more than one JSON value"}
	}
	return nil
}

// customerJSON is how the service writes a customer: the form of a line
// of a JSON Lines export.
func customerJSON(c *crm.Customer) crm.ExportRecord { return crm.ExportRecord{Customer: c} }

// writeCustomer answers with c and its version as ETag.
func writeCustomer(w http.ResponseWriter, code int, c *crm.Customer) {
	w.Header().Set("ETag", strconv.Quote(strconv.FormatInt(c.Version, 10)))
	writeJSON(w, code, customerJSON(c))
}

// Request bodies.

type emailIn struct {
	Address string `json:"address"`
	Label   string `json:"label"`
	Primary bool   `json:"primary"`
}

type phoneIn struct {
	Number  string `json:"number"`
	Label   string `json:"label"`
	Primary bool   `json:"primary"`
}

type addressIn struct {
	Street     string `json:"street"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	State      string `json:"state"`
	Country    string `json:"country"`
}

type moneyIn struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func emails(in []emailIn) []crm.Email {
	out := make([]crm.Email, len(in))
	for i, e := range in {
		out[i] = crm.Email(e)
	}
	return out
}

func phones(in []phoneIn) []crm.Phone {
	out := make([]crm.Phone, len(in))
	for i, p := range in {
		out[i] = crm.Phone(p)
	}
	return out
}

// money parses m, naming field when it is bad.
func money(field string, m *moneyIn) (crm.Money, error) {
	if m == nil {
		return crm.Money{}, nil
	}
	out, err := crm.NewMoney(m.Amount, m.Currency)
	if err != nil {
		return crm.Money{}, &crm.ValidationError{Entity: "customer", Fields: []crm.FieldError{{Field: field, Reason: "want an amount such as \"1234.50\" and an ISO 4217 currency"}}}
	}
	return out, nil
}

// customerIn is the body of POST /customers.
type customerIn struct {
	Kind        crm.CustomerKind   `json:"kind"`
	Name        string             `json:"name"`
	Emails      []emailIn          `json:"emails"`
	Phones      []phoneIn          `json:"phones"`
	Address     addressIn          `json:"address"`
	Industry    string             `json:"industry"`
	Region      string             `json:"region"`
	Size        crm.CompanySize    `json:"size"`
	Stage       crm.LifecycleStage `json:"stage"`
	OwnerID     string             `json:"owner_id"`
	Tags        []string           `json:"tags"`
	TaxID       string             `json:"tax_id"`
	CreditLimit *moneyIn           `json:"credit_limit"`
	Source      string             `json:"source"`
	TimeZone    string             `json:"time_zone"`
}

func (h *handler) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in customerIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	limit, err := money("credit_limit", in.CreditLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.client.CreateCustomer(r.Context(), &crm.Customer{
		Kind: in.Kind, Name: in.Name, Emails: emails(in.Emails), Phones: phones(in.Phones),
		Address: crm.Address(in.Address), Industry: in.Industry, Region: in.Region, Size: in.Size,
		Stage: in.Stage, OwnerID: in.OwnerID, Tags: in.Tags, TaxID: in.TaxID, CreditLimit: limit,
		Source: in.Source, TimeZone: in.TimeZone,
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/customers/"+c.ID)
	writeCustomer(w, http.StatusCreated, c)
}

func (h *handler) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := h.client.GetCustomer(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeCustomer(w, http.StatusOK, c)
}

// customerPatch is the body of PATCH /customers/{id}: the fields given
// change, the others stay. Version is the version the change is based
// on, unless If-Match gives it.
type customerPatch struct {
	Version      *int64              `json:"version"`
	Name         *string             `json:"name"`
	Emails       *[]emailIn          `json:"emails"`
	Phones       *[]phoneIn          `json:"phones"`
	Address      *addressIn          `json:"address"`
	Industry     *string             `json:"industry"`
	Region       *string             `json:"region"`
	Size         *crm.CompanySize    `json:"size"`
	Stage        *crm.LifecycleStage `json:"stage"`
	OwnerID      *string             `json:"owner_id"`
	Tags         *[]string           `json:"tags"`
	AddTags      []string            `json:"add_tags"`
	RemoveTags   []string            `json:"remove_tags"`
	TaxID        *string             `json:"tax_id"`
	CreditLimit  *moneyIn            `json:"credit_limit"`
	DoNotContact *bool               `json:"do_not_contact"`
	Source       *string             `json:"source"`
	TimeZone     *string             `json:"time_zone"`
}

func (h *handler) updateCustomer(w http.ResponseWriter, r *http.Request) {
	var p customerPatch
	if err := decode(r, &p); err != nil {
		h.fail(w, r, err)
		return
	}
	version, err := ifMatch(r, p.Version)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if version == nil {
		writeJSON(w, http.StatusPreconditionRequired, errorBody{Error: `name the version the change is based on: If-Match: "3", or "version": 3`})
		return
	}
	u := crm.CustomerUpdate{Name: p.Name, Industry: p.Industry, Region: p.Region, Size: p.Size, Stage: p.Stage,
		OwnerID: p.OwnerID, Tags: p.Tags, AddTags: p.AddTags, RemoveTags: p.RemoveTags, TaxID: p.TaxID,
		DoNotContact: p.DoNotContact, Source: p.Source, TimeZone: p.TimeZone}
	if p.Emails != nil {
		u.Emails = crm.Ptr(emails(*p.Emails))
	}
	if p.Phones != nil {
		u.Phones = crm.Ptr(phones(*p.Phones))
	}
	if p.Address != nil {
		u.Address = crm.Ptr(crm.Address(*p.Address))
	}
	if p.CreditLimit != nil {
		limit, err := money("credit_limit", p.CreditLimit)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		u.CreditLimit = &limit
	}
	c, err := h.client.UpdateCustomer(r.Context(), r.PathValue("id"), *version, u)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeCustomer(w, http.StatusOK, c)
}

// ifMatch returns the version If-Match names ("3" or 3), or else body's;
// nil when neither does. Both given must agree.
func ifMatch(r *http.Request, body *int64) (*int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return body, nil
	}
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil {
		return nil, &badRequest{msg: fmt.Sprintf("If-Match %q: want a version such as \"3\"", h)}
	}
	if body != nil && *body != v {
		return nil, &badRequest{msg: fmt.Sprintf("If-Match names version %d, the body %d", v, *body)}
	}
	return &v, nil
}

// customerFilter reads a listing's parameters: owner, stage, region,
// industry, tag (each repeatable), q (name or email prefix), archived,
// limit and after.
func customerFilter(r *http.Request) (crm.CustomerFilter, error) {
	q := r.URL.Query()
	f := crm.CustomerFilter{
		Owners: q["owner"], Regions: q["region"], Industries: q["industry"], Tags: q["tag"],
		Search: q.Get("q"), After: crm.Cursor(q.Get("after")), IncludeArchived: q.Get("archived") == "true",
	}
	for _, s := range q["stage"] {
		f.Stages = append(f.Stages, crm.LifecycleStage(s))
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return f, &badRequest{msg: fmt.Sprintf("limit %q: want a number", s)}
		}
		f.Limit = n
	}
	return f, nil
}

func (h *handler) listCustomers(w http.ResponseWriter, r *http.Request) {
	f, err := customerFilter(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page, next, err := h.client.ListCustomers(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Customers []crm.ExportRecord `json:"customers"`
		Next      crm.Cursor         `json:"next,omitempty"`
	}{Customers: make([]crm.ExportRecord, len(page)), Next: next}
	for i, c := range page {
		out.Customers[i] = customerJSON(c)
	}
	writeJSON(w, http.StatusOK, out)
}

// flushWriter sends what an export writes on to the client as it comes.
type flushWriter struct {
	w  io.Writer
	rc *http.ResponseController
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil {
		err = f.rc.Flush()
	}
	return n, err
}

// exportCustomers streams [crm.Client.ExportCustomers]: format jsonl (the
// default) or csv, include (JSON Lines: related kinds, comma-separated),
// kind (CSV: the kind of record), custom (CSV: custom field columns,
// comma-separated), and the filter parameters of GET /customers. A
// failure once the stream has begun cannot change the status any more:
// the connection is cut, so that the client sees the output is not
// complete.
func (h *handler) exportCustomers(w http.ResponseWriter, r *http.Request) {
	f, err := customerFilter(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	opts := crm.ExportOptions{Format: crm.ExportFormat(q.Get("format")), Kind: crm.ExportKind(q.Get("kind"))}
	for _, k := range splitComma(q.Get("include")) {
		opts.Include = append(opts.Include, crm.ExportKind(k))
	}
	opts.CustomFields = splitComma(q.Get("custom"))
	if opts.Format == crm.ExportCSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	stats, err := h.client.ExportCustomers(r.Context(), flushWriter{w: w, rc: http.NewResponseController(w)}, f, opts)
	switch {
	case err == nil:
		h.log.Info("export", "actor", actorOf(r), "customers", stats.Customers, "bytes", stats.Bytes)
	case stats.Bytes == 0:
		h.fail(w, r, err)
	default:
		h.log.Error("export cut short", "actor", actorOf(r), "customers", stats.Customers, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func actorOf(r *http.Request) string {
	a, _ := crm.ActorFrom(r.Context())
	return a.ID
}

func splitComma(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// contactIn is the body of POST /customers/{id}/contacts.
type contactIn struct {
	Name     string          `json:"name"`
	JobTitle string          `json:"job_title"`
	Role     crm.ContactRole `json:"role"`
	Emails   []emailIn       `json:"emails"`
	Phones   []phoneIn       `json:"phones"`
}

// contactOut is how the service writes a contact.
type contactOut struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	Name       string          `json:"name"`
	JobTitle   string          `json:"job_title,omitempty"`
	Role       crm.ContactRole `json:"role,omitempty"`
	Emails     []emailIn       `json:"emails,omitempty"`
	Phones     []phoneIn       `json:"phones,omitempty"`
	Version    int64           `json:"version"`
}

func (h *handler) addContact(w http.ResponseWriter, r *http.Request) {
	var in contactIn
	if err := decode(r, &in); err != nil {
		h.fail(w, r, err)
		return
	}
	ct, err := h.client.AddContact(r.Context(), &crm.Contact{CustomerID: r.PathValue("id"), Name: in.Name,
		JobTitle: in.JobTitle, Role: in.Role, Emails: emails(in.Emails), Phones: phones(in.Phones)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := contactOut{ID: ct.ID, CustomerID: ct.CustomerID, Name: ct.Name, JobTitle: ct.JobTitle, Role: ct.Role, Version: ct.Version}
	for _, e := range ct.Emails {
		out.Emails = append(out.Emails, emailIn(e))
	}
	for _, p := range ct.Phones {
		out.Phones = append(out.Phones, phoneIn(p))
	}
	w.Header().Set("Location", "/customers/"+ct.CustomerID+"/contacts/"+ct.ID)
	writeJSON(w, http.StatusCreated, out)
}

type changeOut struct {
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
	// Erased marks a value erased with its customer's personal data.
	Erased bool `json:"erased,omitempty"`
}

type entryOut struct {
	Seq     int64           `json:"seq"`
	At      time.Time       `json:"at"`
	ActorID string          `json:"actor_id"`
	Action  crm.AuditAction `json:"action"`
	Changes []changeOut     `json:"changes,omitempty"`
}

// history answers with the audit history of a customer, oldest first.
func (h *handler) history(w http.ResponseWriter, r *http.Request) {
	entries := []entryOut{}
	for e, err := range h.client.History(r.Context(), crm.EntityCustomer, r.PathValue("id")) {
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out := entryOut{Seq: e.Seq, At: e.At, ActorID: e.ActorID, Action: e.Action}
		for _, ch := range e.Changes {
			out.Changes = append(out.Changes, changeOut{Field: ch.Field, Before: ch.Before, After: ch.After, Erased: ch.Erased})
		}
		entries = append(entries, out)
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

type eventOut struct {
	Seq      int64           `json:"seq"`
	Type     string          `json:"type"`
	At       time.Time       `json:"at"`
	ActorID  string          `json:"actor_id"`
	Entity   crm.EntityKind  `json:"entity"`
	EntityID string          `json:"entity_id"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// events answers with the events after the sequence number after (0:
// from the first), at most limit of them (default and at most 1000),
// and the after to ask with next.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, limit := int64(0), crm.MaxPageLimit
	var err error
	if s := q.Get("after"); s != "" {
		if after, err = strconv.ParseInt(s, 10, 64); err != nil || after < 0 {
			h.fail(w, r, &badRequest{msg: fmt.Sprintf("after %q: want a sequence number", s)})
			return
		}
	}
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > crm.MaxPageLimit {
			h.fail(w, r, &badRequest{msg: fmt.Sprintf("limit %q: want 1 to %d", s, crm.MaxPageLimit)})
			return
		}
	}
	events := []eventOut{}
	next := after
	for e, err := range h.client.Events(r.Context(), after) {
		if err != nil {
			h.fail(w, r, err)
			return
		}
		events = append(events, eventOut{Seq: e.Seq, Type: e.Type, At: e.At, ActorID: e.ActorID, Entity: e.Entity, EntityID: e.EntityID, Data: e.Data})
		next = e.Seq
		if len(events) == limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": events, "next_after": next})
}

// decision is the body of POST /approvals/{id}/approve and /reject.
type decision struct {
	Version int64  `json:"version"`
	Comment string `json:"comment"`
}

// decide approves or rejects a held operation: a second actor's decision,
// which on approval runs it.
func (h *handler) decide(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var d decision
		if err := decode(r, &d); err != nil {
			h.fail(w, r, err)
			return
		}
		var (
			req *crm.ApprovalRequest
			err error
		)
		if approve {
			req, err = h.client.Approve(r.Context(), r.PathValue("id"), d.Version)
		} else {
			req, err = h.client.Reject(r.Context(), r.PathValue("id"), d.Version, d.Comment)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, approvalBody{ID: req.ID, Kind: string(req.Kind), Status: string(req.Status),
			Version: req.Version, ExpiresAt: req.ExpiresAt})
	}
}
