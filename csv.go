package crm

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"
)

// ReadCustomersCSV reads customers from CSV text for
// [Client.ImportCustomers], one per record after a header record that
// names the columns. The reader streams: it holds one record at a time.
//
// # Layout
//
// Columns are matched by their header name, ignoring case and
// surrounding spaces, in any order; every column is optional but name. An
// empty cell leaves its field empty. The columns:
//
//	id                  the customer's ID, kept by the import (see ImportCustomers)
//	kind                person or organization (default organization)
//	name                required
//	emails (or email)   addresses separated by ";", the first the primary one
//	phones (or phone)   numbers separated by ";", the first the primary one
//	street, city, postal_code, state, country    the address; country an ISO 3166-1 code
//	industry, region, source, owner_id, tax_id, credit_rating
//	size                micro, small, medium or large
//	stage               a lifecycle stage (default prospect)
//	tags                tags separated by ";"
//	credit_limit        an amount and a currency code: "50000.00 EUR"
//	risk_level          low, medium or high
//	birth_date          2006-01-02
//	time_zone           an IANA time zone, such as Europe/Berlin
//	consent_email, consent_phone, consent_sms, consent_post, do_not_contact
//	                    true or false (also yes/no, 1/0)
//	created_at          RFC 3339, such as 2025-01-02T10:11:23Z
//	custom.KEY          the custom field KEY, a string; custom.KEY:TYPE
//	                    for a number, int, bool or date (see ParseCustomValue)
//
// A UTF-8 byte order mark before the header is skipped. A header with an
// unknown, repeated or empty column name, or without a name column, is an
// error that ends the sequence, as is a failure to read.
//
// # Records
//
// Each record after the header yields one customer, in order; the n-th
// yields row n of the import. A record with the wrong number of fields,
// broken quoting or a cell that does not parse yields an error that
// matches [ErrInvalid] and names the record's line — a [*ValidationError]
// naming every bad column when the cells are at fault — together with
// what could be read, and the reader goes on with the next record, so
// that ImportCustomers rejects that row and imports the rest. Values are
// not validated further here: ImportCustomers does that.
func ReadCustomersCSV(r io.Reader) iter.Seq2[Customer, error] {
	return func(yield func(Customer, error) bool) {
		cr := csv.NewReader(r)
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = errors.New("no header record")
			}
			yield(Customer{}, fmt.Errorf("crm: customers csv: header: %w", err))
			return
		}
		cols, err := parseCSVHeader(header)
		if err != nil {
			yield(Customer{}, fmt.Errorf("crm: customers csv: header: %w", err))
			return
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			var perr *csv.ParseError
			switch {
			case errors.As(err, &perr):
				if !yield(Customer{}, fmt.Errorf("crm: customers csv: line %d: %w: %w", perr.StartLine, perr.Err, ErrInvalid)) {
					return
				}
				continue
			case err != nil:
				yield(Customer{}, fmt.Errorf("crm: customers csv: %w", err))
				return
			}
			line, _ := cr.FieldPos(0)
			c, verr := parseCSVCustomer(cols, rec)
			if err := verr.err(); err != nil {
				if !yield(c, fmt.Errorf("crm: customers csv: line %d: %w", line, err)) {
					return
				}
				continue
			}
			if !yield(c, nil) {
				return
			}
		}
	}
}

// csvColumn is one column of a customers CSV: where its value goes.
type csvColumn struct {
	name string
	set  func(c *Customer, v string) error
}

// csvColumns are the columns of a customers CSV by header name, aliases
// included; custom.KEY columns are made by parseCSVHeader.
var csvColumns = map[string]func(c *Customer, v string) error{
	"id":   func(c *Customer, v string) error { c.ID = v; return nil },
	"kind": func(c *Customer, v string) error { c.Kind = CustomerKind(strings.ToLower(v)); return nil },
	"name": func(c *Customer, v string) error { c.Name = v; return nil },
	"emails": func(c *Customer, v string) error {
		for _, a := range splitList(v) {
			c.Emails = append(c.Emails, Email{Address: a})
		}
		return nil
	},
	"phones": func(c *Customer, v string) error {
		for _, n := range splitList(v) {
			c.Phones = append(c.Phones, Phone{Number: n})
		}
		return nil
	},
	"street":        func(c *Customer, v string) error { c.Address.Street = v; return nil },
	"city":          func(c *Customer, v string) error { c.Address.City = v; return nil },
	"postal_code":   func(c *Customer, v string) error { c.Address.PostalCode = v; return nil },
	"state":         func(c *Customer, v string) error { c.Address.State = v; return nil },
	"country":       func(c *Customer, v string) error { c.Address.Country = strings.ToUpper(v); return nil },
	"industry":      func(c *Customer, v string) error { c.Industry = v; return nil },
	"region":        func(c *Customer, v string) error { c.Region = v; return nil },
	"source":        func(c *Customer, v string) error { c.Source = v; return nil },
	"owner_id":      func(c *Customer, v string) error { c.OwnerID = v; return nil },
	"tax_id":        func(c *Customer, v string) error { c.TaxID = v; return nil },
	"credit_rating": func(c *Customer, v string) error { c.CreditRating = v; return nil },
	"size":          func(c *Customer, v string) error { c.Size = CompanySize(strings.ToLower(v)); return nil },
	"stage":         func(c *Customer, v string) error { c.Stage = LifecycleStage(strings.ToLower(v)); return nil },
	"risk_level":    func(c *Customer, v string) error { c.RiskLevel = RiskLevel(strings.ToLower(v)); return nil },
	"tags":          func(c *Customer, v string) error { c.Tags = splitList(v); return nil },
	"credit_limit": func(c *Customer, v string) error {
		m, err := ParseMoney(v)
		c.CreditLimit = m
		return err
	},
	"time_zone": func(c *Customer, v string) error { c.TimeZone = v; return nil },
	"birth_date": func(c *Customer, v string) (err error) {
		c.BirthDate, err = time.Parse(time.DateOnly, v)
		return err
	},
	"created_at": func(c *Customer, v string) (err error) {
		c.CreatedAt, err = time.Parse(time.RFC3339Nano, v)
		return err
	},
	"do_not_contact": func(c *Customer, v string) (err error) {
		c.DoNotContact, err = parseCSVBool(v)
		return err
	},
	"consent_email": consentColumn(ChannelEmail),
	"consent_phone": consentColumn(ChannelPhone),
	"consent_sms":   consentColumn(ChannelSMS),
	"consent_post":  consentColumn(ChannelPost),
}

// csvAliases map other common header names to their column.
var csvAliases = map[string]string{"email": "emails", "phone": "phones"}

func consentColumn(ch Channel) func(c *Customer, v string) error {
	return func(c *Customer, v string) error {
		granted, err := parseCSVBool(v)
		c.Consent.field(ch).Granted = granted
		return err
	}
}

// parseCSVHeader returns the columns the header names, in its order.
func parseCSVHeader(header []string) ([]csvColumn, error) {
	cols := make([]csvColumn, len(header))
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		name := strings.ToLower(strings.TrimSpace(h))
		if a, ok := csvAliases[name]; ok {
			name = a
		}
		set, err := csvSetter(name)
		if err != nil {
			return nil, fmt.Errorf("column %d %q: %w", i+1, h, err)
		}
		key, _, _ := strings.Cut(name, ":") // custom.a and custom.a:int are one field
		if seen[key] {
			return nil, fmt.Errorf("column %d %q: given twice", i+1, h)
		}
		seen[key] = true
		cols[i] = csvColumn{name: name, set: set}
	}
	if !seen["name"] {
		return nil, errors.New(`no "name" column`)
	}
	return cols, nil
}

// csvSetter returns the setter of the column name.
func csvSetter(name string) (func(c *Customer, v string) error, error) {
	if set, ok := csvColumns[name]; ok {
		return set, nil
	}
	key, ok := strings.CutPrefix(name, "custom.")
	if !ok {
		if name == "" {
			return nil, errors.New("no name")
		}
		return nil, errors.New("unknown column")
	}
	key, kind, typed := strings.Cut(key, ":")
	if !typed {
		kind = "string"
	}
	if _, err := ParseCustomValue(kind, zeroText(kind)); err != nil {
		return nil, fmt.Errorf("unknown custom field type %q", kind)
	}
	if !validKey(key) {
		return nil, fmt.Errorf("custom field name %q: want letters, digits and _ . - only", key)
	}
	return func(c *Customer, v string) error {
		cv, err := ParseCustomValue(kind, v)
		if err != nil {
			return err
		}
		if c.Custom == nil {
			c.Custom = make(map[string]CustomValue)
		}
		c.Custom[key] = cv
		return nil
	}, nil
}

// zeroText returns a text that ParseCustomValue takes for kind, to check
// that kind is known.
func zeroText(kind string) string {
	switch kind {
	case "number":
		return "0"
	case "bool":
		return "false"
	case "date":
		return "2000-01-01"
	}
	return ""
}

// parseCSVCustomer returns the customer of one record and the problems of
// its cells.
func parseCSVCustomer(cols []csvColumn, rec []string) (Customer, *ValidationError) {
	var c Customer
	verr := &ValidationError{Entity: "customer"}
	for i, col := range cols {
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		if err := col.set(&c, v); err != nil {
			verr.add(col.name, "%q: %s", v, csvReason(err))
		}
	}
	return c, verr
}

// csvReason returns the part of a parse error worth showing.
func csvReason(err error) string {
	var terr *time.ParseError
	if errors.As(err, &terr) {
		return "want the form " + terr.Layout
	}
	return reason(err)
}

// splitList splits a cell holding several values separated by ";".
func splitList(v string) []string {
	var out []string
	for part := range strings.SplitSeq(v, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseCSVBool reads true/false, yes/no, y/n and 1/0, ignoring case.
func parseCSVBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "y", "1":
		return true, nil
	case "false", "no", "n", "0":
		return false, nil
	}
	return false, errors.New("want true or false")
}
