// Package demo holds what the example programs share: the store they run
// on, the clock of their story and their command line.
package demo

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

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

// Main parses the -memory flag and calls run with it, exiting with the
// error if it fails.
func Main(run func(ctx context.Context, inMemory bool) error) {
	inMemory := flag.Bool("memory", false, "keep everything in memory instead of a SQLite file")
	flag.Parse()
	if err := run(context.Background(), *inMemory); err != nil {
		log.Fatal(err)
	}
}

// Clock is a story's clock: it moves only when the story sets At.
type Clock struct{ At time.Time }

// Now returns At.
func (c *Clock) Now() time.Time { return c.At }

// Heading prints a section heading.
func Heading(s string) { fmt.Printf("\n== %s\n", s) }

// Table returns a tab writer on standard output with the header cols
// written; Flush it after the rows.
func Table(cols ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	return tw
}

// OrDash returns s, or "–" if s is empty.
func OrDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
