package sqlite_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
	"github.com/crmkit/crm/storage/storetest"
)

// The environment of the child process TestCrashDuringLoad starts, and
// the shape of the load.
const (
	loadCrashFileEnv = "CRM_SQLITE_LOAD_CRASH_FILE"
	loadCrashWorkers = 16
	loadCrashAcks    = 400 // acknowledged operations before the kill, fixtures included
	loadCrashRounds  = 3
)

// TestCrashDuringLoad runs the mixed load of storetest.Load in a child
// process on one database file, killing it with SIGKILL at a random
// moment once it has acknowledged loadCrashAcks operations, three times.
// The child writes each operation to its stdout once the Client has
// returned it done, so the parent holds the ledger of everything that
// was committed. After each kill the file must open and pass PRAGMA
// integrity_check and foreign_key_check, and storetest.CheckInvariants
// must hold: every acknowledged operation is there (durability), and
// the store holds at most one unacknowledged operation per worker per
// kill (the one each was doing). Then every counter customer is
// incremented once more, so the rows the dead process was writing take
// new writes. Under the race detector it is skipped: the load on the
// pure-Go SQLite slows down many times over, and Load/Concurrent runs it
// there already.
func TestCrashDuringLoad(t *testing.T) {
	if path := os.Getenv(loadCrashFileEnv); path != "" {
		loadCrashChild(t, path)
		return
	}
	if raceEnabled {
		t.Skip("under -race the child's pure-Go SQLite runs many times slower; run without -race (.ci/run does)")
	}
	path := filepath.Join(t.TempDir(), "load.db")
	ledger := new(storetest.Ledger)
	for round := range loadCrashRounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringLoad$")
		cmd.Env = append(os.Environ(), loadCrashFileEnv+"="+path)
		cmd.Stderr = os.Stderr
		acks := storetest.KillAfterAcks(t, cmd, ledger, loadCrashAcks)
		t.Logf("round %d: killed after %d acknowledged operations; ledger %s", round, acks, ledger)

		s := mustOpen(t, path)
		var check string
		require.NoError(t, s.DB().QueryRow("PRAGMA integrity_check").Scan(&check))
		assert.Equal(t, "ok", check, "round %d: integrity_check", round)
		rows, err := s.DB().Query("PRAGMA foreign_key_check")
		require.NoError(t, err)
		assert.False(t, rows.Next(), "round %d: foreign_key_check finds orphans", round)
		require.NoError(t, rows.Close())

		storetest.CheckInvariants(t, s, ledger, loadCrashWorkers*(round+1))
		storetest.IncrementCounters(t, s, ledger)
		require.NoError(t, s.Close())
		if t.Failed() {
			return
		}
	}
}

// loadCrashChild runs the load on path until it is killed, writing each
// acknowledged operation to stdout.
func loadCrashChild(t *testing.T, path string) {
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	c, err := crm.New(s)
	require.NoError(t, err)
	_, err = storetest.Load(t.Context(), c, storetest.LoadOptions{
		Workers:  loadCrashWorkers,
		Duration: time.Hour,
		Acked:    func(op storetest.Op) { fmt.Println("ack " + op.String()) },
	})
	t.Fatalf("the load ended before the kill: %v", err)
}
