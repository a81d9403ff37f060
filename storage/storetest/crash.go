//go:build unix

package storetest

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

// KillAfterAcks is the parent's half of a crash test: it starts cmd, a
// child process running [Load] that writes each operation to its stdout
// as "ack " + [Op.String] once the Client has returned it done, records
// each in ledger, kills the child with SIGKILL at a random moment after
// the first n, and reads what it wrote until it died. It returns the
// number of operations recorded. The child must die of the signal.
func KillAfterAcks(t *testing.T, cmd *exec.Cmd, ledger *Ledger, n int) int {
	t.Helper()
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	reached := make(chan struct{})
	done := make(chan int)
	go func() {
		acks := 0
		lines := bufio.NewScanner(out)
		for lines.Scan() {
			line, ok := strings.CutPrefix(lines.Text(), "ack ")
			if !ok {
				continue
			}
			op, err := ParseOp(line)
			if err == nil {
				err = ledger.Record(op)
			}
			assert.NoError(t, err, "acknowledged %q", line)
			if acks++; acks == n {
				close(reached)
			}
		}
		_, _ = io.Copy(io.Discard, out)
		done <- acks
	}()
	select {
	case <-reached:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the child acknowledged fewer than %d operations in 2 minutes", n)
	}
	time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	acks := <-done // the pipe is drained: every acknowledgement written is read
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the child must die of the signal")
	require.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal())
	return acks
}

// IncrementCounters increments each counter customer of ledger once
// through a Client over s, within 30 seconds, and records it: after a
// crash, it shows that the store takes writes again (no lock of the
// dead process is left) and gives [CheckInvariants] more to check.
func IncrementCounters(t *testing.T, s crm.Store, ledger *Ledger) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	ctx = crm.WithActor(ctx, crm.Actor{ID: "after-crash"})
	c, err := crm.New(s)
	require.NoError(t, err)
	for _, id := range ledger.Counters() {
		cur, err := c.GetCustomer(ctx, id)
		require.NoError(t, err)
		n, _ := cur.Custom[loadCounterField].Number()
		_, err = c.UpdateCustomer(ctx, id, cur.Version, crm.CustomerUpdate{Custom: map[string]crm.CustomValue{loadCounterField: crm.NumberValue(n.Add(decimal.NewFromInt(1)))}})
		require.NoError(t, err, "a write of counter customer %s after the kill", id)
		require.NoError(t, ledger.Record(Op{Kind: OpIncrement, ID: id}))
	}
}
