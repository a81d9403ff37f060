package sqlstore

// DialectOf returns the Dialect of s, for tests that wrap an adapter's.
func DialectOf(s *Store) Dialect { return s.d }
