package postgres_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
	"github.com/crmkit/crm/storage/storetest"
)

// The environment of the child process TestClientKilledDuringLoad
// starts, and the shape of the load.
const (
	loadCrashSchemaEnv = "CRM_POSTGRES_LOAD_CRASH_SCHEMA"
	loadCrashWorkers   = 16
	loadCrashAcks      = 300 // acknowledged operations before the kill, fixtures included
	loadCrashRounds    = 3
)

// TestClientKilledDuringLoad runs the mixed load of storetest.Load in a
// child process on a schema of its own, kills the process with SIGKILL
// at a random moment once it has acknowledged loadCrashAcks operations,
// three times. The child writes each operation to its stdout once the
// Client has returned it done, so the parent holds the ledger of
// everything that was committed. After each kill, the server must
// have ended the dead client's sessions, and storetest.CheckInvariants
// must hold on the schema: every acknowledged operation is there
// (durability), and the store holds at most one unacknowledged
// operation per worker per kill (the one each was doing). Then every
// counter customer is incremented once more, within a deadline, so no
// transaction of the dead client still holds a lock on the rows it was
// writing.
func TestClientKilledDuringLoad(t *testing.T) {
	if schema := os.Getenv(loadCrashSchemaEnv); schema != "" {
		loadCrashChild(t, schema)
		return
	}
	srv := newServer(t)
	schema := srv.schema(t)
	ledger := new(storetest.Ledger)
	for round := range loadCrashRounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestClientKilledDuringLoad$")
		cmd.Env = append(os.Environ(), loadCrashSchemaEnv+"="+schema)
		cmd.Stderr = os.Stderr
		acks := storetest.KillAfterAcks(t, cmd, ledger, loadCrashAcks)
		t.Logf("round %d: killed after %d acknowledged operations; ledger %s", round, acks, ledger)

		// The server notices the closed connections and rolls back
		// their transactions; wait for it, briefly.
		require.Eventually(t, func() bool {
			var n int
			err := srv.admin.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, schema).Scan(&n)
			return err == nil && n == 0
		}, 30*time.Second, 50*time.Millisecond, "round %d: sessions of the killed client remain", round)

		s := srv.open(t, schema)
		storetest.CheckInvariants(t, s, ledger, loadCrashWorkers*(round+1))
		storetest.IncrementCounters(t, s, ledger)
		require.NoError(t, s.Close())
		if t.Failed() {
			return
		}
	}
}

// loadCrashChild runs the load on schema until it is killed, writing
// each acknowledged operation to stdout. Its connections carry the
// schema's name as application_name, so the parent can tell when the
// server has ended them.
func loadCrashChild(t *testing.T, schema string) {
	dsn := os.Getenv("CRM_POSTGRES_DSN")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := postgres.Open(t.Context(), dsn+sep+"application_name="+schema, postgres.WithSchema(schema))
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
