package sqlite

// MigrationVersions gives the external tests the versions of the
// migration files.
var MigrationVersions = migrationVersions
