package sqlite_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
)

// The environment of the child process TestCrashDuringImport starts.
const (
	crashFileEnv  = "CRM_SQLITE_CRASH_FILE"
	crashStartEnv = "CRM_SQLITE_CRASH_START"
	crashBatch    = 500
)

// TestCrashDuringImport imports a large input in a child process, kills
// it with SIGKILL while it writes, and reopens the file: it must open,
// pass PRAGMA integrity_check and foreign_key_check, and hold a whole
// number of batches, each customer with its email and phone. Then it does
// it again on the same file, continuing the input where the stored rows
// end.
func TestCrashDuringImport(t *testing.T) {
	if path := os.Getenv(crashFileEnv); path != "" {
		crashChild(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	stored := 0
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringImport$", "-test.v")
		cmd.Env = append(os.Environ(), crashFileEnv+"="+path, crashStartEnv+"="+strconv.Itoa(stored))
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		cmd.Stderr = os.Stderr
		require.NoError(t, cmd.Start())

		// Wait for a few batches to commit, then kill the child at a
		// random moment, most likely inside a transaction.
		lines := bufio.NewScanner(out)
		committed := 0
		for committed < 4 && lines.Scan() {
			if _, err := fmt.Sscanf(lines.Text(), "committed %d", &committed); err != nil {
				committed = 0
			}
		}
		require.GreaterOrEqual(t, committed, 4, "round %d: the child stopped before committing 4 batches", round)
		time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		go func() {
			for lines.Scan() { // drain, so the child never blocks on a full pipe
			}
		}()
		err = cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "round %d: the child must die of the signal", round)
		assert.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal(), "round %d", round)

		s := mustOpen(t, path)
		db := s.DB()
		var check string
		require.NoError(t, db.QueryRow("PRAGMA integrity_check").Scan(&check))
		assert.Equal(t, "ok", check, "round %d: integrity_check", round)
		rows, err := db.Query("PRAGMA foreign_key_check")
		require.NoError(t, err)
		assert.False(t, rows.Next(), "round %d: foreign_key_check finds orphans", round)
		require.NoError(t, rows.Close())

		var customers, emails, phones int
		require.NoError(t, db.QueryRow("SELECT count(*) FROM customers").Scan(&customers))
		require.NoError(t, db.QueryRow("SELECT count(*) FROM customer_emails").Scan(&emails))
		require.NoError(t, db.QueryRow("SELECT count(*) FROM customer_phones").Scan(&phones))
		t.Logf("round %d: %d customers after the kill (%d batches reported committed)", round, customers, committed)
		assert.Zero(t, customers%crashBatch, "round %d: %d customers is not a whole number of batches of %d", round, customers, crashBatch)
		assert.GreaterOrEqual(t, customers, stored+committed*crashBatch, "round %d: a committed batch was lost", round)
		assert.Equal(t, customers, emails, "round %d: every customer has its email", round)
		assert.Equal(t, customers, phones, "round %d: every customer has its phone", round)
		stored = customers
		require.NoError(t, s.Close())
	}
}

// crashChild imports rows from the start given in the environment until
// it is killed, reporting each committed batch on stdout.
func crashChild(t *testing.T, path string) {
	start, err := strconv.Atoi(os.Getenv(crashStartEnv))
	require.NoError(t, err)
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	c, err := crm.New(s, crm.WithDefaultRegion("GB"))
	require.NoError(t, err)
	rows := func(yield func(crm.Customer, error) bool) {
		for i := start; ; i++ {
			c := crm.Customer{
				Name:   fmt.Sprintf("Crash %08d", i),
				Emails: []crm.Email{{Address: fmt.Sprintf("c%08d@crash.example", i)}},
				Phones: []crm.Phone{{Number: fmt.Sprintf("+4420%08d", i)}},
				Tags:   []string{"crash"},
			}
			if !yield(c, nil) {
				return
			}
		}
	}
	batches := 0
	_, err = c.ImportCustomers(t.Context(), rows, crm.ImportOptions{
		BatchSize: crashBatch,
		Progress: func(crm.ImportStats) {
			batches++
			fmt.Printf("committed %d\n", batches)
		},
	})
	t.Fatalf("the import ended before the kill: %v", err)
}
