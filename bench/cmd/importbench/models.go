package main

import "time"

// gormCustomer is the GORM model of the library's customers table, with
// has-many Emails and Phones so that GORM writes the same three tables.
// T is the type of the time columns: string in SQLite, whose schema keeps
// times as TEXT in the library's layout (GORM would write a time.Time in
// the driver's own layout), time.Time in PostgreSQL. The model names the
// columns this data set fills; the others take their schema defaults, as
// in the raw paths.
type gormCustomer[T string | time.Time] struct {
	ID        string `gorm:"primaryKey"`
	Kind      string
	Name      string
	NameFold  string
	Industry  string
	Region    string
	Stage     string
	OwnerID   string
	CreatedAt T `gorm:"autoCreateTime:false"`
	CreatedBy string
	UpdatedAt T `gorm:"autoUpdateTime:false"`
	UpdatedBy string
	Version   int64
	Emails    []gormEmail `gorm:"foreignKey:CustomerID"`
	Phones    []gormPhone `gorm:"foreignKey:CustomerID"`
}

func (gormCustomer[T]) TableName() string { return "customers" }

type gormEmail struct {
	CustomerID  string `gorm:"primaryKey"`
	Position    int    `gorm:"primaryKey;autoIncrement:false"`
	Address     string
	AddressFold string
	Label       string
	IsPrimary   bool
}

func (gormEmail) TableName() string { return "customer_emails" }

type gormPhone struct {
	CustomerID string `gorm:"primaryKey"`
	Position   int    `gorm:"primaryKey;autoIncrement:false"`
	Number     string
	Label      string
	IsPrimary  bool
}

func (gormPhone) TableName() string { return "customer_phones" }

// gormRows builds the GORM models of rows; the time columns hold T.
func gormRows[T string | time.Time](rows []peerRow) []gormCustomer[T] {
	out := make([]gormCustomer[T], len(rows))
	for i := range rows {
		r := &rows[i]
		out[i] = gormCustomer[T]{
			ID: r.ID, Kind: r.Kind, Name: r.Name, NameFold: r.NameFold,
			Industry: r.Industry, Region: r.Region, Stage: r.Stage,
			OwnerID: actorID, CreatedAt: r.CreatedAt.(T), CreatedBy: actorID,
			UpdatedAt: r.UpdatedAt.(T), UpdatedBy: actorID,
			Version: rowVersion,
			Emails: []gormEmail{{CustomerID: r.ID, Position: listPosition, Address: r.Email,
				AddressFold: r.EmailFold, Label: listLabel, IsPrimary: listPrimary}},
			Phones: []gormPhone{{CustomerID: r.ID, Position: listPosition, Number: r.Phone,
				Label: listLabel, IsPrimary: listPrimary}},
		}
	}
	return out
}
