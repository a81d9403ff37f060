// Package demo holds what the example programs share: the store they run
// on.
package demo

import (
	"context"
	"os"
	"path/filepath"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"
)

// OpenStore opens a memory store, or a SQLite file in a new temporary
// folder whose name starts with prefix, and returns it with the function
// that closes it and removes the folder.
func OpenStore(ctx context.Context, prefix string, inMemory bool) (crm.Store, func(), error) {
	if inMemory {
		s := memory.New()
		return s, func() { s.Close() }, nil
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, nil, err
	}
	s, err := sqlite.Open(ctx, filepath.Join(dir, "crm.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return s, func() { s.Close(); os.RemoveAll(dir) }, nil
}
