package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlstore"
)

// actorID is the actor every path records as created_by, updated_by and
// owner_id (a customer's owner defaults to its creator): the crm path
// through crm.WithActor, the peers by writing it.
const actorID = "importbench"

// sqliteTimeLayout is how storage/sqlite stores times: TEXT, UTC,
// microseconds, fixed width.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000Z"

// peerRow is one customer as the peers write it: the values the library
// stores for a CSV row of this data set, computed before the peers' clock
// starts. Times are strings in SQLite's layout or time.Time for
// PostgreSQL (toTime decides). Every other column of the library's tables
// (size, consent, address, ...) is left to its schema default
// (empty text, NULL for times and amounts, false for flags), which is
// what the library writes for a row that does not set it; the stored-value
// check compares every column.
type peerRow struct {
	ID, Kind, Name, NameFold, Industry, Region, Stage string
	CreatedAt, UpdatedAt                              any
	Email, EmailFold, Phone                           string
}

// Fixed values of every row, as the library writes them for this data
// set: position 0, no label, primary; version 1.
const (
	listPosition = 0
	listLabel    = ""
	listPrimary  = true
	rowVersion   = 1
)

// csvColumns are the columns the generator writes, in its order.
var csvColumns = []string{"id", "name", "email", "phone", "region", "industry", "created_at"}

// readPeerRows parses the CSV at path into the rows the peers write,
// normalised as crm.Client.ImportCustomers normalises them: names, regions
// and industries trimmed; kind organization (the default for a row that
// names none); stage prospect; email through crm.NormalizeEmail (trimmed,
// lower case); phone through crm.NormalizePhone with no default region
// (E.164: the data's numbers carry +1); created_at from the file, in UTC
// at microsecond precision; updated_at now. toTime turns a time into the
// column value of the database.
func readPeerRows(path string, now time.Time, toTime func(time.Time) any) ([]peerRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: header: %w", path, err)
	}
	if strings.Join(head, ",") != strings.Join(csvColumns, ",") {
		return nil, fmt.Errorf("%s: header %q, want %q", path, head, csvColumns)
	}
	now = crm.Timestamp(now)
	updated := toTime(now)
	var rows []peerRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line := len(rows) + 2
		name := strings.TrimSpace(rec[1])
		email, err := crm.NormalizeEmail(rec[2])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		phone, err := crm.NormalizePhone(rec[3], "")
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		created, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(rec[6]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: created_at: %w", path, line, err)
		}
		if name == "" || created.After(now) {
			return nil, fmt.Errorf("%s:%d: a row the library would reject", path, line)
		}
		rows = append(rows, peerRow{
			ID:        strings.TrimSpace(rec[0]),
			Kind:      string(crm.KindOrganization),
			Name:      name,
			NameFold:  sqlstore.SearchKey(name),
			Industry:  strings.TrimSpace(rec[5]),
			Region:    strings.TrimSpace(rec[4]),
			Stage:     string(crm.StageProspect),
			CreatedAt: toTime(crm.Timestamp(created)),
			UpdatedAt: updated,
			Email:     email,
			EmailFold: sqlstore.SearchKey(email),
			Phone:     phone,
		})
	}
	return rows, nil
}

func sqliteTime(t time.Time) any   { return t.UTC().Format(sqliteTimeLayout) }
func postgresTime(t time.Time) any { return t }
