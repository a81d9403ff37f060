package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/storage/sqlstore"
)

// openDB opens the database at path as Open does, without migrating it.
func openDB(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	// A minute, not the default 5 s: under the race detector the whole
	// migration set takes longer than that, and a migrator that waits
	// for another's must not give up first.
	db, err := sql.Open("sqlite", dataSourceName(path, config{busyTimeout: time.Minute}))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// migrationVersions returns the versions of the dialect's migration
// files, ascending: what a new database has applied once migrated.
func migrationVersions(tb testing.TB) []int64 {
	tb.Helper()
	names, err := fs.Glob(dialect{}.Migrations(), "*.sql")
	require.NoError(tb, err)
	vs := make([]int64, len(names))
	for i, name := range names {
		digits, _, _ := strings.Cut(name, "_")
		vs[i], err = strconv.ParseInt(digits, 10, 64)
		require.NoError(tb, err)
	}
	return vs
}

func appliedVersions(tb testing.TB, db *sql.DB) []int64 {
	tb.Helper()
	rows, err := db.QueryContext(tb.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	require.NoError(tb, err)
	defer rows.Close()
	var vs []int64
	for rows.Next() {
		var v int64
		require.NoError(tb, rows.Scan(&v))
		vs = append(vs, v)
	}
	require.NoError(tb, rows.Err())
	return vs
}

func TestMigrateTwice(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "crm.db"))
	n, err := sqlstore.Migrate(t.Context(), db, dialect{})
	require.NoError(t, err)
	assert.Equal(t, len(migrationVersions(t)), n, "migrations applied to a new database")
	assert.Equal(t, migrationVersions(t), appliedVersions(t, db))

	n, err = sqlstore.Migrate(t.Context(), db, dialect{})
	require.NoError(t, err)
	assert.Zero(t, n, "migrations applied the second time")
	assert.Equal(t, migrationVersions(t), appliedVersions(t, db))
}

// TestMigrateConcurrently migrates one new database file from several
// goroutines at once, each with its own *sql.DB as separate processes
// would have: all succeed, and each migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "crm.db")
		const n = 4
		dbs := make([]*sql.DB, n)
		for i := range dbs {
			dbs[i] = openDB(t, path)
		}
		applied := make([]int, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				applied[i], errs[i] = sqlstore.Migrate(t.Context(), dbs[i], dialect{})
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range n {
			require.NoError(t, errs[i], "round %d, migrator %d", round, i)
			total += applied[i]
		}
		assert.Equal(t, len(migrationVersions(t)), total, "round %d: migrations applied, all migrators together", round)
		assert.Equal(t, migrationVersions(t), appliedVersions(t, dbs[0]))
	}
}

func TestDataSourceName(t *testing.T) {
	cfg := config{busyTimeout: defaultBusyTimeout}
	const wal = "&_pragma=journal_mode%28WAL%29&_pragma=synchronous%28NORMAL%29&_pragma=wal_autocheckpoint%2810000%29"
	assert.Equal(t,
		"file:///tmp/my%20crm%3F.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29"+wal+"&_txlock=immediate",
		dataSourceName("/tmp/my crm?.db", cfg))
	assert.Equal(t,
		"file:crm.db?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29"+wal+"&_txlock=immediate",
		dataSourceName("crm.db", cfg))
	assert.Equal(t,
		":memory:?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_txlock=immediate",
		dataSourceName(":memory:", cfg))
	cfg.cacheSize = defaultCacheSize
	assert.Equal(t,
		":memory:?_pragma=busy_timeout%285000%29&_pragma=foreign_keys%281%29&_pragma=cache_size%28-32768%29&_txlock=immediate",
		dataSourceName(":memory:", cfg))
}
