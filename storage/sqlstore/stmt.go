package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// CacheStatements makes the Store prepare each of up to n queries once
// and run it prepared from then on, on every connection, instead of
// having the database parse it on every call. Only queries with at most
// 64 placeholders are kept, which holds every fixed query of the Store;
// queries built for one filter or list size beyond the first n run
// unprepared. A query first seen inside a transaction is prepared at once
// only if the pool has no cap on open connections (preparing takes a
// connection besides the transaction's), otherwise at the next call
// outside a transaction. The cache pays where the driver parses every
// query anew (modernc.org/sqlite: several times faster); drivers that
// cache prepared statements themselves (pgx) do not need it.
func CacheStatements(n int) Option {
	return func(c *config) { c.cacheStatements = max(n, 0) }
}

// MaxCachedArgs bounds the placeholders of a query [CacheStatements]
// keeps, leaving out the long IN lists and multi-row inserts built for
// large pages.
const MaxCachedArgs = 64

// stmtCache holds the prepared statements of CacheStatements. Statements
// are never evicted (another goroutine may be about to use one), only
// closed with the Store.
type stmtCache struct {
	mu     sync.Mutex
	max    int
	closed bool
	stmts  map[string]*sql.Stmt // by query as written, before Rebind
	// pending holds queries first seen inside a transaction on a capped
	// pool, to prepare when the Store is next called outside one.
	pending map[string]bool
}

func newStmtCache(n int) *stmtCache {
	return &stmtCache{max: n, stmts: make(map[string]*sql.Stmt), pending: make(map[string]bool)}
}

// prepared returns the statement for query, preparing it on the Store's
// database if the cache has room, or nil to run query unprepared. inTx
// says that the caller holds a connection for a transaction: preparing
// takes another one, so it prepares then only if the pool has no cap, lest
// it wait for itself, and otherwise leaves query for preparePending.
func (s *Store) prepared(ctx context.Context, query string, inTx bool) *sql.Stmt {
	c := s.sh.stmts
	if c == nil || strings.Count(query, "?") > MaxCachedArgs {
		return nil
	}
	c.mu.Lock()
	st, ok := c.stmts[query]
	full := c.closed || len(c.stmts)+len(c.pending) >= c.max
	if !ok && !full && inTx && s.db.Stats().MaxOpenConnections > 0 {
		c.pending[query] = true
		full = true
	}
	c.mu.Unlock()
	if ok || full {
		return st
	}
	return s.prepare(ctx, query)
}

// preparePending prepares the queries left by prepared. The caller holds
// no connection.
func (s *Store) preparePending(ctx context.Context) {
	c := s.sh.stmts
	if c == nil {
		return
	}
	c.mu.Lock()
	if len(c.pending) == 0 {
		c.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		s.prepare(ctx, q)
	}
}

// prepare prepares query on the Store's database and caches it, unless
// another goroutine has meanwhile, and returns the cached statement; nil
// if it cannot be prepared (running it unprepared will report why).
func (s *Store) prepare(ctx context.Context, query string) *sql.Stmt {
	c := s.sh.stmts
	st, err := s.db.PrepareContext(ctx, s.d.Rebind(query))
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.stmts[query]; ok || c.closed || len(c.stmts) >= c.max {
		_ = st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

// close closes every cached statement; the cache stays empty after.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for q, st := range c.stmts {
		_ = st.Close()
		delete(c.stmts, q)
	}
}

// stmt returns the cached statement for query bound to q, or nil.
func (s *Store) stmt(ctx context.Context, q dbtx, query string) *sql.Stmt {
	switch q := q.(type) {
	case *sql.DB:
		return s.prepared(ctx, query, false)
	case *sql.Tx:
		if st := s.prepared(ctx, query, true); st != nil {
			return q.StmtContext(ctx, st) // prepared on the transaction's connection once
		}
	}
	return nil
}

// exec runs query, written with "?" placeholders, on q.
func (s *Store) exec(ctx context.Context, q dbtx, query string, args ...any) (sql.Result, error) {
	if st := s.stmt(ctx, q, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.ExecContext(ctx, s.d.Rebind(query), args...)
}

// query runs query, written with "?" placeholders, on q.
func (s *Store) query(ctx context.Context, q dbtx, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, q, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.QueryContext(ctx, s.d.Rebind(query), args...)
}

// queryRow runs query, written with "?" placeholders, on q.
func (s *Store) queryRow(ctx context.Context, q dbtx, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, q, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.QueryRowContext(ctx, s.d.Rebind(query), args...)
}
