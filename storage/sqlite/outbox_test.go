package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/sqlite"
)

// The environment of the child processes TestOutboxSurvivesKill starts.
const (
	outboxFileEnv = "CRM_SQLITE_OUTBOX_FILE"
	outboxModeEnv = "CRM_SQLITE_OUTBOX_MODE" // "write" or "consume"
	outboxLogEnv  = "CRM_SQLITE_OUTBOX_LOG"  // the consumer's record of deliveries
	outboxDieAt   = 7                        // the consuming child dies after handling this many
)

// TestOutboxSurvivesKill shows that the outbox loses no event when the
// process dies. A child writes customers with crm.WithEvents and is
// killed with SIGKILL at a random moment, most likely inside a
// transaction: every committed customer has its event, and none more. A
// second child consumes and dies after handling an event but before
// saving its checkpoint. A consumer run afterwards delivers the rest:
// every event is delivered at least once, the one handled when the child
// died twice, and the checkpoint ends at the last.
func TestOutboxSurvivesKill(t *testing.T) {
	if path := os.Getenv(outboxFileEnv); path != "" {
		outboxChild(t, path, os.Getenv(outboxModeEnv), os.Getenv(outboxLogEnv))
		return
	}
	dir := t.TempDir()
	path, record := filepath.Join(dir, "outbox.db"), filepath.Join(dir, "delivered.txt")
	child := func(mode string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOutboxSurvivesKill$", "-test.v")
		cmd.Env = append(os.Environ(), outboxFileEnv+"="+path, outboxModeEnv+"="+mode, outboxLogEnv+"="+record)
		cmd.Stderr = os.Stderr
		return cmd
	}
	diedOfKill := func(err error, what string) {
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "%s: the child must die of the signal", what)
		assert.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal(), what)
	}

	// The writer, killed after at least 20 commits.
	cmd := child("write")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(out)
	committed := 0
	for committed < 20 && lines.Scan() {
		if _, err := fmt.Sscanf(lines.Text(), "committed %d", &committed); err != nil {
			committed = 0
		}
	}
	require.GreaterOrEqual(t, committed, 20, "the writer stopped early")
	time.Sleep(time.Duration(rand.IntN(50)) * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	go func() {
		for lines.Scan() {
		}
	}()
	diedOfKill(cmd.Wait(), "writer")

	s := mustOpen(t, path)
	var customers, events int64
	require.NoError(t, s.DB().QueryRow("SELECT COUNT(*) FROM customers").Scan(&customers))
	require.NoError(t, s.DB().QueryRow("SELECT COUNT(*) FROM events").Scan(&events))
	require.GreaterOrEqual(t, customers, int64(committed))
	assert.Equal(t, customers, events, "every committed customer has its event, and no event outlives its rolled-back write")
	require.NoError(t, s.Close())

	// The consumer, which kills itself after handling outboxDieAt events.
	diedOfKill(child("consume").Run(), "consumer")

	s = mustOpen(t, path)
	c, err := crm.New(s, crm.WithEvents())
	require.NoError(t, err)
	cp, err := s.Checkpoint(t.Context(), "mailer")
	require.NoError(t, err)
	assert.Equal(t, int64(outboxDieAt-1), cp, "the checkpoint of the event handled at the kill was not saved")
	n, err := c.ConsumeEvents(t.Context(), "mailer", recordDelivery(record, 0))
	require.NoError(t, err)
	assert.Equal(t, int(events-cp), n, "the rest is delivered, from the event handled at the kill on")

	b, err := os.ReadFile(record)
	require.NoError(t, err)
	times := map[int64]int{}
	for _, f := range strings.Fields(string(b)) {
		seq, err := strconv.ParseInt(f, 10, 64)
		require.NoError(t, err)
		times[seq]++
	}
	for seq := int64(1); seq <= events; seq++ {
		want := 1
		if seq == outboxDieAt {
			want = 2
		}
		assert.Equal(t, want, times[seq], "deliveries of event %d", seq)
	}
	assert.Len(t, times, int(events), "no delivery of an event that does not exist")
	cp, err = s.Checkpoint(t.Context(), "mailer")
	require.NoError(t, err)
	assert.Equal(t, events, cp, "the checkpoint ends at the last event")
}

// recordDelivery returns a handler that appends each event's Seq to the
// file record, synced, and, once it has handled dieAt events (0: never),
// kills its own process before ConsumeEvents saves the checkpoint.
func recordDelivery(record string, dieAt int) func(context.Context, *crm.Event) error {
	handled := 0
	return func(_ context.Context, e *crm.Event) error {
		f, err := os.OpenFile(record, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(f, e.Seq)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if handled++; handled == dieAt {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute) // the signal arrives
		}
		return nil
	}
}

// outboxChild is the child process of TestOutboxSurvivesKill.
func outboxChild(t *testing.T, path, mode, record string) {
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	c, err := crm.New(s, crm.WithEvents())
	require.NoError(t, err)
	ctx := crm.WithActor(t.Context(), crm.Actor{ID: "outbox-test"})
	switch mode {
	case "write":
		for i := 1; ; i++ {
			_, err := c.CreateCustomer(ctx, &crm.Customer{Name: fmt.Sprintf("Outbox %06d", i), Tags: []string{"outbox"}}, crm.AllowDuplicates())
			require.NoError(t, err)
			fmt.Printf("committed %d\n", i)
		}
	case "consume":
		_, err := c.ConsumeEvents(ctx, "mailer", recordDelivery(record, outboxDieAt))
		t.Fatalf("the consumer ended before the kill: %v", err)
	}
	t.Fatalf("unknown mode %q", mode)
}
