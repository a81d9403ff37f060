package crm

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// csvExport writes the records of one kind as CSV, in the layouts
// [Client.ExportCustomers] documents.
type csvExport struct {
	w      *csv.Writer
	kind   ExportKind
	custom []customCSVColumn
	row    []string // reused for every row
}

// customCSVColumn is a custom.KEY column of a customers CSV; kind is the
// value type it holds, "" for any as text.
type customCSVColumn struct {
	key, kind string
}

// customColumn splits a custom field's column, "KEY" or "KEY:TYPE".
func customColumn(name string) (key, kind string) {
	key, kind, _ = strings.Cut(name, ":")
	return key, kind
}

func newCSVExport(w io.Writer, opts ExportOptions) *csvExport {
	e := &csvExport{w: csv.NewWriter(w), kind: opts.Kind}
	for _, name := range opts.CustomFields {
		key, kind := customColumn(name)
		e.custom = append(e.custom, customCSVColumn{key: key, kind: kind})
	}
	return e
}

func (e *csvExport) begin() error {
	var header []string
	switch e.kind {
	case ExportCustomers:
		header = columnNames(customerColumns)
		for _, c := range e.custom {
			name := "custom." + c.key
			if c.kind != "" {
				name += ":" + c.kind
			}
			header = append(header, name)
		}
	case ExportContacts:
		header = columnNames(contactColumns)
	case ExportOrders:
		header = columnNames(orderColumns)
	case ExportOrderLines:
		header = columnNames(orderLineColumns)
	case ExportPayments:
		header = columnNames(paymentColumns)
	case ExportCases:
		header = columnNames(caseColumns)
	case ExportInteractions:
		header = columnNames(interactionColumns)
	case ExportResponses:
		header = columnNames(responseColumns)
	}
	return e.w.Write(header)
}

func (e *csvExport) write(rec *ExportRecord) error {
	switch e.kind {
	case ExportCustomers:
		return e.customer(rec.Customer)
	case ExportContacts:
		return writeRows(e, contactColumns, rec.Contacts)
	case ExportOrders:
		return writeRows(e, orderColumns, rec.Orders)
	case ExportOrderLines:
		for _, o := range rec.Orders {
			for i := range o.Lines {
				if err := writeRow(e, orderLineColumns, &orderLine{order: o, n: i + 1}); err != nil {
					return err
				}
			}
		}
		return nil
	case ExportPayments:
		return writeRows(e, paymentColumns, rec.Payments)
	case ExportCases:
		return writeRows(e, caseColumns, rec.Cases)
	case ExportInteractions:
		return writeRows(e, interactionColumns, rec.Interactions)
	case ExportResponses:
		return writeRows(e, responseColumns, rec.Responses)
	}
	return nil
}

func (e *csvExport) flush() error {
	e.w.Flush()
	return e.w.Error()
}

// customer writes the row of c, its custom fields after the fixed
// columns.
func (e *csvExport) customer(c *Customer) error {
	e.row = e.row[:0]
	for _, col := range customerColumns {
		e.row = append(e.row, col.value(c))
	}
	for _, col := range e.custom {
		v, ok := c.Custom[col.key]
		switch {
		case !ok:
			e.row = append(e.row, "")
		case col.kind != "" && v.Kind().String() != col.kind:
			return &ValidationError{Entity: "customer " + c.ID, Fields: []FieldError{{Field: "custom." + col.key,
				Reason: fmt.Sprintf("a %s, not a %s as its column says", v.Kind(), col.kind)}}}
		default:
			e.row = append(e.row, v.String())
		}
	}
	return e.w.Write(e.row)
}

// column is one column of a CSV layout: its header name and how a record
// fills it.
type column[T any] struct {
	name  string
	value func(*T) string
}

func columnNames[T any](cols []column[T]) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

func writeRows[T any](e *csvExport, cols []column[T], rs []*T) error {
	for _, r := range rs {
		if err := writeRow(e, cols, r); err != nil {
			return err
		}
	}
	return nil
}

func writeRow[T any](e *csvExport, cols []column[T], r *T) error {
	e.row = e.row[:0]
	for _, col := range cols {
		e.row = append(e.row, col.value(r))
	}
	return e.w.Write(e.row)
}

// Cell formats.

func csvTime(t time.Time) string { return jsonTime(t) }

func csvBool(b bool) string { return strconv.FormatBool(b) }

func csvInt(n int64) string { return strconv.FormatInt(n, 10) }

// csvAmount formats the amount of m, "" for the zero Money.
func csvAmount(m Money) string {
	if m.IsZero() {
		return ""
	}
	return m.amountText()
}

// csvEmails joins the addresses, the primary one first, as
// ReadCustomersCSV reads them.
func csvEmails(es []Email) string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		if e.Primary {
			out = append(out, e.Address)
		}
	}
	for _, e := range es {
		if !e.Primary {
			out = append(out, e.Address)
		}
	}
	return strings.Join(out, ";")
}

// csvPhones joins the numbers, the primary one first.
func csvPhones(ps []Phone) string {
	es := make([]Email, len(ps))
	for i, p := range ps {
		es[i] = Email{Address: p.Number, Primary: p.Primary}
	}
	return csvEmails(es)
}

// stampColumns are the columns every stored record ends with.
func stampColumns[T any](stamps func(*T) (time.Time, string, time.Time, string, int64)) []column[T] {
	return []column[T]{
		{"created_at", func(r *T) string { t, _, _, _, _ := stamps(r); return csvTime(t) }},
		{"created_by", func(r *T) string { _, by, _, _, _ := stamps(r); return by }},
		{"updated_at", func(r *T) string { _, _, t, _, _ := stamps(r); return csvTime(t) }},
		{"updated_by", func(r *T) string { _, _, _, by, _ := stamps(r); return by }},
		{"version", func(r *T) string { _, _, _, _, v := stamps(r); return csvInt(v) }},
	}
}

// customerColumns is the layout ReadCustomersCSV reads, custom fields
// aside.
var customerColumns = []column[Customer]{
	{"id", func(c *Customer) string { return c.ID }},
	{"kind", func(c *Customer) string { return string(c.Kind) }},
	{"name", func(c *Customer) string { return c.Name }},
	{"emails", func(c *Customer) string { return csvEmails(c.Emails) }},
	{"phones", func(c *Customer) string { return csvPhones(c.Phones) }},
	{"street", func(c *Customer) string { return c.Address.Street }},
	{"city", func(c *Customer) string { return c.Address.City }},
	{"postal_code", func(c *Customer) string { return c.Address.PostalCode }},
	{"state", func(c *Customer) string { return c.Address.State }},
	{"country", func(c *Customer) string { return c.Address.Country }},
	{"industry", func(c *Customer) string { return c.Industry }},
	{"region", func(c *Customer) string { return c.Region }},
	{"size", func(c *Customer) string { return string(c.Size) }},
	{"stage", func(c *Customer) string { return string(c.Stage) }},
	{"owner_id", func(c *Customer) string { return c.OwnerID }},
	{"tags", func(c *Customer) string { return strings.Join(c.Tags, ";") }},
	{"tax_id", func(c *Customer) string { return c.TaxID }},
	{"credit_rating", func(c *Customer) string { return c.CreditRating }},
	{"credit_limit", func(c *Customer) string { return c.CreditLimit.String() }},
	{"risk_level", func(c *Customer) string { return string(c.RiskLevel) }},
	{"birth_date", func(c *Customer) string { return jsonDate(c.BirthDate) }},
	{"time_zone", func(c *Customer) string { return c.TimeZone }},
	{"consent_email", func(c *Customer) string { return csvBool(c.Consent.Email.Granted) }},
	{"consent_phone", func(c *Customer) string { return csvBool(c.Consent.Phone.Granted) }},
	{"consent_sms", func(c *Customer) string { return csvBool(c.Consent.SMS.Granted) }},
	{"consent_post", func(c *Customer) string { return csvBool(c.Consent.Post.Granted) }},
	{"do_not_contact", func(c *Customer) string { return csvBool(c.DoNotContact) }},
	{"source", func(c *Customer) string { return c.Source }},
	{"created_at", func(c *Customer) string { return csvTime(c.CreatedAt) }},
}

var contactColumns = append([]column[Contact]{
	{"id", func(ct *Contact) string { return ct.ID }},
	{"customer_id", func(ct *Contact) string { return ct.CustomerID }},
	{"name", func(ct *Contact) string { return ct.Name }},
	{"job_title", func(ct *Contact) string { return ct.JobTitle }},
	{"role", func(ct *Contact) string { return string(ct.Role) }},
	{"emails", func(ct *Contact) string { return csvEmails(ct.Emails) }},
	{"phones", func(ct *Contact) string { return csvPhones(ct.Phones) }},
}, stampColumns(func(ct *Contact) (time.Time, string, time.Time, string, int64) {
	return ct.CreatedAt, ct.CreatedBy, ct.UpdatedAt, ct.UpdatedBy, ct.Version
})...)

var orderColumns = append([]column[Order]{
	{"id", func(o *Order) string { return o.ID }},
	{"customer_id", func(o *Order) string { return o.CustomerID }},
	{"number", func(o *Order) string { return o.Number }},
	{"opportunity_id", func(o *Order) string { return o.OpportunityID }},
	{"status", func(o *Order) string { return string(o.Status) }},
	{"ordered_at", func(o *Order) string { return csvTime(o.OrderedAt) }},
	{"currency", func(o *Order) string { return o.Currency() }},
	{"total", func(o *Order) string { return csvAmount(o.Total) }},
	{"paid", func(o *Order) string { return csvAmount(o.Paid) }},
	{"lines", func(o *Order) string { return csvInt(int64(len(o.Lines))) }},
}, stampColumns(func(o *Order) (time.Time, string, time.Time, string, int64) {
	return o.CreatedAt, o.CreatedBy, o.UpdatedAt, o.UpdatedBy, o.Version
})...)

// orderLine is the n-th line (from 1) of an order, a row of the
// order_lines layout.
type orderLine struct {
	order *Order
	n     int
}

func (l *orderLine) line() *OrderLine { return &l.order.Lines[l.n-1] }

var orderLineColumns = []column[orderLine]{
	{"order_id", func(l *orderLine) string { return l.order.ID }},
	{"customer_id", func(l *orderLine) string { return l.order.CustomerID }},
	{"line", func(l *orderLine) string { return csvInt(int64(l.n)) }},
	{"sku", func(l *orderLine) string { return l.line().SKU }},
	{"description", func(l *orderLine) string { return l.line().Description }},
	{"quantity", func(l *orderLine) string { return l.line().Quantity.String() }},
	{"currency", func(l *orderLine) string { return l.order.Currency() }},
	{"unit_price", func(l *orderLine) string { return csvAmount(l.line().UnitPrice) }},
	{"discount", func(l *orderLine) string { return csvAmount(l.line().Discount) }},
	{"total", func(l *orderLine) string {
		t, err := l.line().Total()
		if err != nil {
			return ""
		}
		return csvAmount(t)
	}},
}

var paymentColumns = append([]column[Payment]{
	{"id", func(p *Payment) string { return p.ID }},
	{"customer_id", func(p *Payment) string { return p.CustomerID }},
	{"order_id", func(p *Payment) string { return p.OrderID }},
	{"currency", func(p *Payment) string { return p.Amount.Currency }},
	{"amount", func(p *Payment) string { return csvAmount(p.Amount) }},
	{"received_at", func(p *Payment) string { return csvTime(p.ReceivedAt) }},
	{"method", func(p *Payment) string { return p.Method }},
	{"reference", func(p *Payment) string { return p.Reference }},
}, stampColumns(func(p *Payment) (time.Time, string, time.Time, string, int64) {
	return p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy, p.Version
})...)

var caseColumns = append([]column[Case]{
	{"id", func(c *Case) string { return c.ID }},
	{"customer_id", func(c *Case) string { return c.CustomerID }},
	{"contact_id", func(c *Case) string { return c.ContactID }},
	{"kind", func(c *Case) string { return string(c.Kind) }},
	{"priority", func(c *Case) string { return string(c.Priority) }},
	{"status", func(c *Case) string { return string(c.Status) }},
	{"subject", func(c *Case) string { return c.Subject }},
	{"description", func(c *Case) string { return c.Description }},
	{"owner_id", func(c *Case) string { return c.OwnerID }},
	{"channel", func(c *Case) string { return c.Channel }},
	{"source", func(c *Case) string { return c.Source }},
	{"opened_at", func(c *Case) string { return csvTime(c.OpenedAt) }},
	{"status_changed_at", func(c *Case) string { return csvTime(c.StatusChangedAt) }},
	{"first_responded_at", func(c *Case) string { return csvTime(c.FirstRespondedAt) }},
	{"resolved_at", func(c *Case) string { return csvTime(c.ResolvedAt) }},
	{"closed_at", func(c *Case) string { return csvTime(c.ClosedAt) }},
	{"reopened", func(c *Case) string { return csvInt(int64(c.Reopened)) }},
	{"first_response_seconds", func(c *Case) string { return seconds(c.FirstResponseTime) }},
	{"resolution_seconds", func(c *Case) string { return seconds(c.ResolutionTime) }},
	{"first_response_due", func(c *Case) string { return csvTime(c.FirstResponseDue) }},
	{"resolution_due", func(c *Case) string { return csvTime(c.ResolutionDue) }},
}, stampColumns(func(c *Case) (time.Time, string, time.Time, string, int64) {
	return c.CreatedAt, c.CreatedBy, c.UpdatedAt, c.UpdatedBy, c.Version
})...)

var interactionColumns = append([]column[Interaction]{
	{"id", func(i *Interaction) string { return i.ID }},
	{"customer_id", func(i *Interaction) string { return i.CustomerID }},
	{"contact_id", func(i *Interaction) string { return i.ContactID }},
	{"opportunity_id", func(i *Interaction) string { return i.OpportunityID }},
	{"case_id", func(i *Interaction) string { return i.CaseID }},
	{"channel", func(i *Interaction) string { return string(i.Channel) }},
	{"direction", func(i *Interaction) string { return string(i.Direction) }},
	{"at", func(i *Interaction) string { return csvTime(i.At) }},
	{"actor_id", func(i *Interaction) string { return i.ActorID }},
	{"subject", func(i *Interaction) string { return i.Subject }},
	{"summary", func(i *Interaction) string { return i.Summary }},
	{"outcome", func(i *Interaction) string { return i.Outcome }},
}, stampColumns(func(i *Interaction) (time.Time, string, time.Time, string, int64) {
	return i.CreatedAt, i.CreatedBy, i.UpdatedAt, i.UpdatedBy, i.Version
})...)

var responseColumns = append([]column[Response]{
	{"id", func(r *Response) string { return r.ID }},
	{"customer_id", func(r *Response) string { return r.CustomerID }},
	{"survey_id", func(r *Response) string { return r.SurveyID }},
	{"kind", func(r *Response) string { return string(r.Kind) }},
	{"respondent_id", func(r *Response) string { return r.RespondentID }},
	{"contact_id", func(r *Response) string { return r.ContactID }},
	{"case_id", func(r *Response) string { return r.CaseID }},
	{"opportunity_id", func(r *Response) string { return r.OpportunityID }},
	{"score", func(r *Response) string { return csvInt(int64(r.Score)) }},
	{"comment", func(r *Response) string { return r.Comment }},
	{"channel", func(r *Response) string { return r.Channel }},
	{"answered_at", func(r *Response) string { return csvTime(r.AnsweredAt) }},
	{"wave", func(r *Response) string { return r.Wave }},
}, stampColumns(func(r *Response) (time.Time, string, time.Time, string, int64) {
	return r.CreatedAt, r.CreatedBy, r.UpdatedAt, r.UpdatedBy, r.Version
})...)
