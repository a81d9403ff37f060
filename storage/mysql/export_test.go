package mysql

import (
	"database/sql"

	"github.com/crmkit/crm/storage/sqlstore"
)

// Dialect returns the package's dialect, for tests of migrations and of
// error classification.
func Dialect() sqlstore.Dialect { return dialect{} }

// OpenDB returns the pool of connections Open would use for dsn, with the
// same settings, neither pinged nor migrated.
func OpenDB(dsn string) (*sql.DB, error) {
	db, _, err := openDB(dsn, config{maxOpenConns: defaultMaxOpenConns(), connMaxLifetime: defaultConnMaxLifetime})
	return db, err
}

// BeginsReadsInOneTrip reports whether dc, a driver connection from
// sql.Conn.Raw, is a conn, which begins read transactions in one round
// trip.
func BeginsReadsInOneTrip(dc any) bool {
	_, ok := dc.(conn)
	return ok
}
