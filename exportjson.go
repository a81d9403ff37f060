package crm

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// ExportRecord is one line of a JSON Lines export ([Client.ExportCustomers]):
// a customer and the related records the export included. A kind the
// export did not include is nil; an included kind is not nil, and empty
// when the customer has no such records.
//
// Its JSON form, which MarshalJSON writes and UnmarshalJSON reads, is one
// object: the customer's fields under snake_case names ("id", "name",
// "owner_id", "credit_limit", …), and each included kind as an array
// under its [ExportKind] name ("contacts", "orders", "payments", "cases",
// "interactions", "responses"), an order with its "lines". A field with no
// value is left out. Money is {"amount":"1234.50","currency":"EUR"}, the
// amount an exact decimal string; times are RFC 3339 strings in UTC;
// birth_date is 2006-01-02; a case's clocks are "first_response_seconds"
// and "resolution_seconds", exact decimal strings; custom fields are as
// [CustomValue.MarshalJSON] writes them. Every field of every record
// round-trips.
type ExportRecord struct {
	Customer     *Customer
	Contacts     []*Contact
	Orders       []*Order
	Payments     []*Payment
	Cases        []*Case
	Interactions []*Interaction
	Responses    []*Response
}

// MarshalJSON writes the form ExportRecord documents. It fails when
// Customer is nil.
func (rec ExportRecord) MarshalJSON() ([]byte, error) {
	if rec.Customer == nil {
		return nil, fmt.Errorf("crm: marshal export record: no customer: %w", ErrInvalid)
	}
	j := toJSONCustomer(rec.Customer)
	j.Contacts = jsonSlice(rec.Contacts, toJSONContact)
	j.Orders = jsonSlice(rec.Orders, toJSONOrder)
	j.Payments = jsonSlice(rec.Payments, toJSONPayment)
	j.Cases = jsonSlice(rec.Cases, toJSONCase)
	j.Interactions = jsonSlice(rec.Interactions, toJSONInteraction)
	j.Responses = jsonSlice(rec.Responses, toJSONResponse)
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes. A malformed value
// fails with an error naming its field.
func (rec *ExportRecord) UnmarshalJSON(data []byte) error {
	var j jsonCustomer
	if err := json.Unmarshal(data, &j); err != nil {
		return fmt.Errorf("crm: unmarshal export record: %w", err)
	}
	d := &jsonDecoder{}
	out := ExportRecord{Customer: j.customer(d, "")}
	out.Contacts = fromJSONSlice(d, "contacts", j.Contacts, (*jsonContact).contact)
	out.Orders = fromJSONSlice(d, "orders", j.Orders, (*jsonOrder).order)
	out.Payments = fromJSONSlice(d, "payments", j.Payments, (*jsonPayment).payment)
	out.Cases = fromJSONSlice(d, "cases", j.Cases, (*jsonCase).kase)
	out.Interactions = fromJSONSlice(d, "interactions", j.Interactions, (*jsonInteraction).interaction)
	out.Responses = fromJSONSlice(d, "responses", j.Responses, (*jsonResponse).response)
	if d.err != nil {
		return fmt.Errorf("crm: unmarshal export record: %w", d.err)
	}
	*rec = out
	return nil
}

// jsonSlice converts the records of in; nil stays nil (the kind was not
// included), empty becomes an empty array.
func jsonSlice[T, J any](in []*T, to func(*T) J) *[]J {
	if in == nil {
		return nil
	}
	out := make([]J, len(in))
	for i, v := range in {
		out[i] = to(v)
	}
	return &out
}

// fromJSONSlice converts back what jsonSlice made; field names the array
// in errors.
func fromJSONSlice[T, J any](d *jsonDecoder, field string, in *[]J, from func(*J, *jsonDecoder, string) *T) []*T {
	if in == nil {
		return nil
	}
	out := make([]*T, len(*in))
	for i := range *in {
		out[i] = from(&(*in)[i], d, fmt.Sprintf("%s[%d].", field, i))
	}
	return out
}

// jsonDecoder parses the text fields of the JSON form, keeping the first
// error, which names its field.
type jsonDecoder struct{ err error }

func (d *jsonDecoder) fail(field, format string, args ...any) {
	if d.err == nil {
		d.err = &ValidationError{Entity: "export record", Fields: []FieldError{{Field: field, Reason: fmt.Sprintf(format, args...)}}}
	}
}

func (d *jsonDecoder) time(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.fail(field, "%s: want RFC 3339", quoteInput(s))
	}
	return Timestamp(t)
}

func (d *jsonDecoder) date(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		d.fail(field, "%s: want 2006-01-02", quoteInput(s))
	}
	return t
}

func (d *jsonDecoder) decimal(field, s string) decimal.Decimal {
	if s == "" {
		return decimal.Decimal{}
	}
	n, err := decimal.NewFromString(s)
	if err != nil || !numberInRange(n) {
		d.fail(field, "%s: not a decimal number of at most %d digits", quoteInput(s), maxNumberDigits)
		return decimal.Decimal{}
	}
	return n
}

func (d *jsonDecoder) money(field string, m *jsonMoney) Money {
	if m == nil {
		return Money{}
	}
	return Money{Amount: d.decimal(field+".amount", m.Amount), Currency: m.Currency}
}

func (d *jsonDecoder) seconds(field, s string) time.Duration {
	n := d.decimal(field, s).Shift(9)
	if !n.IsInteger() {
		d.fail(field, "%s: finer than a nanosecond", quoteInput(s))
	}
	return time.Duration(n.IntPart())
}

// jsonTime formats t as the JSON form keeps times: RFC 3339 in UTC, ""
// for the zero time.
func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// jsonDate formats a date as 2006-01-02, "" for the zero time.
func jsonDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// seconds formats d as exact decimal seconds, "" for zero.
func seconds(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return decimal.New(int64(d), -9).String()
}

type jsonMoney struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

func toJSONMoney(m Money) *jsonMoney {
	if m.IsZero() {
		return nil
	}
	return &jsonMoney{Amount: m.amountText(), Currency: m.Currency}
}

type jsonEmail struct {
	Address string `json:"address"`
	Label   string `json:"label,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type jsonPhone struct {
	Number  string `json:"number"`
	Label   string `json:"label,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

func toJSONEmails(es []Email) []jsonEmail {
	return mapClone(es, func(e Email) jsonEmail { return jsonEmail(e) })
}

func fromJSONEmails(es []jsonEmail) []Email {
	return mapClone(es, func(e jsonEmail) Email { return Email(e) })
}

func toJSONPhones(ps []Phone) []jsonPhone {
	return mapClone(ps, func(p Phone) jsonPhone { return jsonPhone(p) })
}

func fromJSONPhones(ps []jsonPhone) []Phone {
	return mapClone(ps, func(p jsonPhone) Phone { return Phone(p) })
}

type jsonAddress struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	State      string `json:"state,omitempty"`
	Country    string `json:"country,omitempty"`
}

type jsonConsent struct {
	Granted bool   `json:"granted"`
	At      string `json:"at,omitempty"`
}

type jsonConsents struct {
	Email *jsonConsent `json:"email,omitempty"`
	Phone *jsonConsent `json:"phone,omitempty"`
	SMS   *jsonConsent `json:"sms,omitempty"`
	Post  *jsonConsent `json:"post,omitempty"`
}

func toJSONConsent(c Consent) *jsonConsent {
	if c == (Consent{}) {
		return nil
	}
	return &jsonConsent{Granted: c.Granted, At: jsonTime(c.At)}
}

func (c *jsonConsent) consent(d *jsonDecoder, field string) Consent {
	if c == nil {
		return Consent{}
	}
	return Consent{Granted: c.Granted, At: d.time(field+".at", c.At)}
}

// jsonStamps are the fields every stored record has.
type jsonStamps struct {
	CreatedAt string `json:"created_at,omitempty"`
	CreatedBy string `json:"created_by,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
	UpdatedBy string `json:"updated_by,omitempty"`
	Version   int64  `json:"version"`
}

func toJSONStamps(createdAt time.Time, createdBy string, updatedAt time.Time, updatedBy string, version int64) jsonStamps {
	return jsonStamps{CreatedAt: jsonTime(createdAt), CreatedBy: createdBy, UpdatedAt: jsonTime(updatedAt), UpdatedBy: updatedBy, Version: version}
}

// stamps sets the fields of j on the record's fields.
func (j *jsonStamps) stamps(d *jsonDecoder, field string, createdAt *time.Time, createdBy *string, updatedAt *time.Time, updatedBy *string, version *int64) {
	*createdAt, *createdBy = d.time(field+"created_at", j.CreatedAt), j.CreatedBy
	*updatedAt, *updatedBy = d.time(field+"updated_at", j.UpdatedAt), j.UpdatedBy
	*version = j.Version
}

type jsonCustomer struct {
	ID           string                 `json:"id"`
	Kind         CustomerKind           `json:"kind"`
	Name         string                 `json:"name"`
	Emails       []jsonEmail            `json:"emails,omitempty"`
	Phones       []jsonPhone            `json:"phones,omitempty"`
	Address      *jsonAddress           `json:"address,omitempty"`
	Industry     string                 `json:"industry,omitempty"`
	Region       string                 `json:"region,omitempty"`
	Size         CompanySize            `json:"size,omitempty"`
	Stage        LifecycleStage         `json:"stage,omitempty"`
	OwnerID      string                 `json:"owner_id,omitempty"`
	Tags         []string               `json:"tags,omitempty"`
	Custom       map[string]CustomValue `json:"custom,omitempty"`
	TaxID        string                 `json:"tax_id,omitempty"`
	CreditRating string                 `json:"credit_rating,omitempty"`
	CreditLimit  *jsonMoney             `json:"credit_limit,omitempty"`
	RiskLevel    RiskLevel              `json:"risk_level,omitempty"`
	BirthDate    string                 `json:"birth_date,omitempty"`
	Consent      *jsonConsents          `json:"consent,omitempty"`
	DoNotContact bool                   `json:"do_not_contact,omitempty"`
	TimeZone     string                 `json:"time_zone,omitempty"`
	Source       string                 `json:"source,omitempty"`
	ArchivedAt   string                 `json:"archived_at,omitempty"`
	ErasedAt     string                 `json:"erased_at,omitempty"`
	MergedInto   string                 `json:"merged_into,omitempty"`
	jsonStamps

	Contacts     *[]jsonContact     `json:"contacts,omitempty"`
	Orders       *[]jsonOrder       `json:"orders,omitempty"`
	Payments     *[]jsonPayment     `json:"payments,omitempty"`
	Cases        *[]jsonCase        `json:"cases,omitempty"`
	Interactions *[]jsonInteraction `json:"interactions,omitempty"`
	Responses    *[]jsonResponse    `json:"responses,omitempty"`
}

func toJSONCustomer(c *Customer) jsonCustomer {
	j := jsonCustomer{
		ID: c.ID, Kind: c.Kind, Name: c.Name,
		Emails: toJSONEmails(c.Emails), Phones: toJSONPhones(c.Phones),
		Industry: c.Industry, Region: c.Region, Size: c.Size, Stage: c.Stage, OwnerID: c.OwnerID,
		Tags: c.Tags, Custom: c.Custom, TaxID: c.TaxID, CreditRating: c.CreditRating,
		CreditLimit: toJSONMoney(c.CreditLimit), RiskLevel: c.RiskLevel, BirthDate: jsonDate(c.BirthDate),
		DoNotContact: c.DoNotContact, TimeZone: c.TimeZone, Source: c.Source,
		ArchivedAt: jsonTime(c.ArchivedAt), ErasedAt: jsonTime(c.ErasedAt), MergedInto: c.MergedInto,
		jsonStamps: toJSONStamps(c.CreatedAt, c.CreatedBy, c.UpdatedAt, c.UpdatedBy, c.Version),
	}
	if !c.Address.IsZero() {
		a := c.Address
		j.Address = &jsonAddress{Street: a.Street, City: a.City, PostalCode: a.PostalCode, State: a.State, Country: a.Country}
	}
	if cs := c.Consent; cs != (Consents{}) {
		j.Consent = &jsonConsents{Email: toJSONConsent(cs.Email), Phone: toJSONConsent(cs.Phone),
			SMS: toJSONConsent(cs.SMS), Post: toJSONConsent(cs.Post)}
	}
	return j
}

func (j *jsonCustomer) customer(d *jsonDecoder, field string) *Customer {
	c := &Customer{
		ID: j.ID, Kind: j.Kind, Name: j.Name,
		Emails: fromJSONEmails(j.Emails), Phones: fromJSONPhones(j.Phones),
		Industry: j.Industry, Region: j.Region, Size: j.Size, Stage: j.Stage, OwnerID: j.OwnerID,
		Tags: j.Tags, Custom: j.Custom, TaxID: j.TaxID, CreditRating: j.CreditRating,
		CreditLimit: d.money(field+"credit_limit", j.CreditLimit), RiskLevel: j.RiskLevel,
		BirthDate: d.date(field+"birth_date", j.BirthDate), DoNotContact: j.DoNotContact,
		TimeZone: j.TimeZone, Source: j.Source,
		ArchivedAt: d.time(field+"archived_at", j.ArchivedAt), ErasedAt: d.time(field+"erased_at", j.ErasedAt), MergedInto: j.MergedInto,
	}
	if a := j.Address; a != nil {
		c.Address = Address{Street: a.Street, City: a.City, PostalCode: a.PostalCode, State: a.State, Country: a.Country}
	}
	if cs := j.Consent; cs != nil {
		c.Consent = Consents{Email: cs.Email.consent(d, field+"consent.email"), Phone: cs.Phone.consent(d, field+"consent.phone"),
			SMS: cs.SMS.consent(d, field+"consent.sms"), Post: cs.Post.consent(d, field+"consent.post")}
	}
	j.stamps(d, field, &c.CreatedAt, &c.CreatedBy, &c.UpdatedAt, &c.UpdatedBy, &c.Version)
	return c
}

type jsonContact struct {
	ID         string      `json:"id"`
	CustomerID string      `json:"customer_id"`
	Name       string      `json:"name"`
	JobTitle   string      `json:"job_title,omitempty"`
	Role       ContactRole `json:"role,omitempty"`
	Emails     []jsonEmail `json:"emails,omitempty"`
	Phones     []jsonPhone `json:"phones,omitempty"`
	jsonStamps
}

func toJSONContact(ct *Contact) jsonContact {
	return jsonContact{ID: ct.ID, CustomerID: ct.CustomerID, Name: ct.Name, JobTitle: ct.JobTitle, Role: ct.Role,
		Emails: toJSONEmails(ct.Emails), Phones: toJSONPhones(ct.Phones),
		jsonStamps: toJSONStamps(ct.CreatedAt, ct.CreatedBy, ct.UpdatedAt, ct.UpdatedBy, ct.Version)}
}

func (j *jsonContact) contact(d *jsonDecoder, field string) *Contact {
	ct := &Contact{ID: j.ID, CustomerID: j.CustomerID, Name: j.Name, JobTitle: j.JobTitle, Role: j.Role,
		Emails: fromJSONEmails(j.Emails), Phones: fromJSONPhones(j.Phones)}
	j.stamps(d, field, &ct.CreatedAt, &ct.CreatedBy, &ct.UpdatedAt, &ct.UpdatedBy, &ct.Version)
	return ct
}

type jsonOrderLine struct {
	SKU         string     `json:"sku,omitempty"`
	Description string     `json:"description,omitempty"`
	Quantity    string     `json:"quantity"`
	UnitPrice   *jsonMoney `json:"unit_price,omitempty"`
	Discount    *jsonMoney `json:"discount,omitempty"`
}

type jsonOrder struct {
	ID            string          `json:"id"`
	Number        string          `json:"number,omitempty"`
	CustomerID    string          `json:"customer_id"`
	OpportunityID string          `json:"opportunity_id,omitempty"`
	Lines         []jsonOrderLine `json:"lines"`
	Total         *jsonMoney      `json:"total,omitempty"`
	Paid          *jsonMoney      `json:"paid,omitempty"`
	Status        OrderStatus     `json:"status"`
	OrderedAt     string          `json:"ordered_at,omitempty"`
	jsonStamps
}

func toJSONOrder(o *Order) jsonOrder {
	lines := make([]jsonOrderLine, len(o.Lines))
	for i, l := range o.Lines {
		lines[i] = jsonOrderLine{SKU: l.SKU, Description: l.Description, Quantity: l.Quantity.String(),
			UnitPrice: toJSONMoney(l.UnitPrice), Discount: toJSONMoney(l.Discount)}
	}
	return jsonOrder{ID: o.ID, Number: o.Number, CustomerID: o.CustomerID, OpportunityID: o.OpportunityID,
		Lines: lines, Total: toJSONMoney(o.Total), Paid: toJSONMoney(o.Paid), Status: o.Status,
		OrderedAt:  jsonTime(o.OrderedAt),
		jsonStamps: toJSONStamps(o.CreatedAt, o.CreatedBy, o.UpdatedAt, o.UpdatedBy, o.Version)}
}

func (j *jsonOrder) order(d *jsonDecoder, field string) *Order {
	o := &Order{ID: j.ID, Number: j.Number, CustomerID: j.CustomerID, OpportunityID: j.OpportunityID,
		Total: d.money(field+"total", j.Total), Paid: d.money(field+"paid", j.Paid), Status: j.Status,
		OrderedAt: d.time(field+"ordered_at", j.OrderedAt)}
	if len(j.Lines) > 0 {
		o.Lines = make([]OrderLine, len(j.Lines))
	}
	for i, l := range j.Lines {
		lf := fmt.Sprintf("%slines[%d].", field, i)
		o.Lines[i] = OrderLine{SKU: l.SKU, Description: l.Description, Quantity: d.decimal(lf+"quantity", l.Quantity),
			UnitPrice: d.money(lf+"unit_price", l.UnitPrice), Discount: d.money(lf+"discount", l.Discount)}
	}
	j.stamps(d, field, &o.CreatedAt, &o.CreatedBy, &o.UpdatedAt, &o.UpdatedBy, &o.Version)
	return o
}

type jsonPayment struct {
	ID         string     `json:"id"`
	OrderID    string     `json:"order_id"`
	CustomerID string     `json:"customer_id"`
	Amount     *jsonMoney `json:"amount,omitempty"`
	ReceivedAt string     `json:"received_at,omitempty"`
	Method     string     `json:"method,omitempty"`
	Reference  string     `json:"reference,omitempty"`
	jsonStamps
}

func toJSONPayment(p *Payment) jsonPayment {
	return jsonPayment{ID: p.ID, OrderID: p.OrderID, CustomerID: p.CustomerID, Amount: toJSONMoney(p.Amount),
		ReceivedAt: jsonTime(p.ReceivedAt), Method: p.Method, Reference: p.Reference,
		jsonStamps: toJSONStamps(p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy, p.Version)}
}

func (j *jsonPayment) payment(d *jsonDecoder, field string) *Payment {
	p := &Payment{ID: j.ID, OrderID: j.OrderID, CustomerID: j.CustomerID, Amount: d.money(field+"amount", j.Amount),
		ReceivedAt: d.time(field+"received_at", j.ReceivedAt), Method: j.Method, Reference: j.Reference}
	j.stamps(d, field, &p.CreatedAt, &p.CreatedBy, &p.UpdatedAt, &p.UpdatedBy, &p.Version)
	return p
}

type jsonCase struct {
	ID                   string       `json:"id"`
	CustomerID           string       `json:"customer_id"`
	ContactID            string       `json:"contact_id,omitempty"`
	Kind                 CaseKind     `json:"kind"`
	Priority             CasePriority `json:"priority,omitempty"`
	Status               CaseStatus   `json:"status"`
	Subject              string       `json:"subject"`
	Description          string       `json:"description,omitempty"`
	OwnerID              string       `json:"owner_id,omitempty"`
	Channel              string       `json:"channel,omitempty"`
	Source               string       `json:"source,omitempty"`
	OpenedAt             string       `json:"opened_at,omitempty"`
	StatusChangedAt      string       `json:"status_changed_at,omitempty"`
	FirstRespondedAt     string       `json:"first_responded_at,omitempty"`
	ResolvedAt           string       `json:"resolved_at,omitempty"`
	ClosedAt             string       `json:"closed_at,omitempty"`
	Reopened             int          `json:"reopened,omitempty"`
	FirstResponseSeconds string       `json:"first_response_seconds,omitempty"`
	ResolutionSeconds    string       `json:"resolution_seconds,omitempty"`
	FirstResponseDue     string       `json:"first_response_due,omitempty"`
	ResolutionDue        string       `json:"resolution_due,omitempty"`
	jsonStamps
}

func toJSONCase(c *Case) jsonCase {
	return jsonCase{ID: c.ID, CustomerID: c.CustomerID, ContactID: c.ContactID, Kind: c.Kind, Priority: c.Priority,
		Status: c.Status, Subject: c.Subject, Description: c.Description, OwnerID: c.OwnerID, Channel: c.Channel,
		Source: c.Source, OpenedAt: jsonTime(c.OpenedAt), StatusChangedAt: jsonTime(c.StatusChangedAt),
		FirstRespondedAt: jsonTime(c.FirstRespondedAt), ResolvedAt: jsonTime(c.ResolvedAt), ClosedAt: jsonTime(c.ClosedAt),
		Reopened: c.Reopened, FirstResponseSeconds: seconds(c.FirstResponseTime), ResolutionSeconds: seconds(c.ResolutionTime),
		FirstResponseDue: jsonTime(c.FirstResponseDue), ResolutionDue: jsonTime(c.ResolutionDue),
		jsonStamps: toJSONStamps(c.CreatedAt, c.CreatedBy, c.UpdatedAt, c.UpdatedBy, c.Version)}
}

func (j *jsonCase) kase(d *jsonDecoder, field string) *Case {
	c := &Case{ID: j.ID, CustomerID: j.CustomerID, ContactID: j.ContactID, Kind: j.Kind, Priority: j.Priority,
		Status: j.Status, Subject: j.Subject, Description: j.Description, OwnerID: j.OwnerID, Channel: j.Channel,
		Source: j.Source, OpenedAt: d.time(field+"opened_at", j.OpenedAt),
		StatusChangedAt:   d.time(field+"status_changed_at", j.StatusChangedAt),
		FirstRespondedAt:  d.time(field+"first_responded_at", j.FirstRespondedAt),
		ResolvedAt:        d.time(field+"resolved_at", j.ResolvedAt),
		ClosedAt:          d.time(field+"closed_at", j.ClosedAt),
		Reopened:          j.Reopened,
		FirstResponseTime: d.seconds(field+"first_response_seconds", j.FirstResponseSeconds),
		ResolutionTime:    d.seconds(field+"resolution_seconds", j.ResolutionSeconds),
		FirstResponseDue:  d.time(field+"first_response_due", j.FirstResponseDue),
		ResolutionDue:     d.time(field+"resolution_due", j.ResolutionDue)}
	j.stamps(d, field, &c.CreatedAt, &c.CreatedBy, &c.UpdatedAt, &c.UpdatedBy, &c.Version)
	return c
}

type jsonInteraction struct {
	ID            string             `json:"id"`
	CustomerID    string             `json:"customer_id"`
	ContactID     string             `json:"contact_id,omitempty"`
	OpportunityID string             `json:"opportunity_id,omitempty"`
	CaseID        string             `json:"case_id,omitempty"`
	Channel       InteractionChannel `json:"channel"`
	Direction     Direction          `json:"direction,omitempty"`
	At            string             `json:"at,omitempty"`
	ActorID       string             `json:"actor_id,omitempty"`
	Subject       string             `json:"subject,omitempty"`
	Summary       string             `json:"summary,omitempty"`
	Outcome       string             `json:"outcome,omitempty"`
	jsonStamps
}

func toJSONInteraction(i *Interaction) jsonInteraction {
	return jsonInteraction{ID: i.ID, CustomerID: i.CustomerID, ContactID: i.ContactID, OpportunityID: i.OpportunityID,
		CaseID: i.CaseID, Channel: i.Channel, Direction: i.Direction, At: jsonTime(i.At), ActorID: i.ActorID,
		Subject: i.Subject, Summary: i.Summary, Outcome: i.Outcome,
		jsonStamps: toJSONStamps(i.CreatedAt, i.CreatedBy, i.UpdatedAt, i.UpdatedBy, i.Version)}
}

func (j *jsonInteraction) interaction(d *jsonDecoder, field string) *Interaction {
	i := &Interaction{ID: j.ID, CustomerID: j.CustomerID, ContactID: j.ContactID, OpportunityID: j.OpportunityID,
		CaseID: j.CaseID, Channel: j.Channel, Direction: j.Direction, At: d.time(field+"at", j.At), ActorID: j.ActorID,
		Subject: j.Subject, Summary: j.Summary, Outcome: j.Outcome}
	j.stamps(d, field, &i.CreatedAt, &i.CreatedBy, &i.UpdatedAt, &i.UpdatedBy, &i.Version)
	return i
}

type jsonResponse struct {
	ID            string     `json:"id"`
	SurveyID      string     `json:"survey_id"`
	Kind          SurveyKind `json:"kind,omitempty"`
	CustomerID    string     `json:"customer_id"`
	RespondentID  string     `json:"respondent_id,omitempty"`
	ContactID     string     `json:"contact_id,omitempty"`
	CaseID        string     `json:"case_id,omitempty"`
	OpportunityID string     `json:"opportunity_id,omitempty"`
	Score         int        `json:"score"`
	Comment       string     `json:"comment,omitempty"`
	Channel       string     `json:"channel,omitempty"`
	AnsweredAt    string     `json:"answered_at,omitempty"`
	Wave          string     `json:"wave,omitempty"`
	jsonStamps
}

func toJSONResponse(r *Response) jsonResponse {
	return jsonResponse{ID: r.ID, SurveyID: r.SurveyID, Kind: r.Kind, CustomerID: r.CustomerID, RespondentID: r.RespondentID,
		ContactID: r.ContactID, CaseID: r.CaseID, OpportunityID: r.OpportunityID, Score: r.Score, Comment: r.Comment,
		Channel: r.Channel, AnsweredAt: jsonTime(r.AnsweredAt), Wave: r.Wave,
		jsonStamps: toJSONStamps(r.CreatedAt, r.CreatedBy, r.UpdatedAt, r.UpdatedBy, r.Version)}
}

func (j *jsonResponse) response(d *jsonDecoder, field string) *Response {
	r := &Response{ID: j.ID, SurveyID: j.SurveyID, Kind: j.Kind, CustomerID: j.CustomerID, RespondentID: j.RespondentID,
		ContactID: j.ContactID, CaseID: j.CaseID, OpportunityID: j.OpportunityID, Score: j.Score, Comment: j.Comment,
		Channel: j.Channel, AnsweredAt: d.time(field+"answered_at", j.AnsweredAt), Wave: j.Wave}
	j.stamps(d, field, &r.CreatedAt, &r.CreatedBy, &r.UpdatedAt, &r.UpdatedBy, &r.Version)
	return r
}
