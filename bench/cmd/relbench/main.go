// Command relbench measures the relationship reads an account manager's
// day is made of — the last contact of every customer, a week's agenda
// per owner, and contact claims — on the memory store and on a SQLite
// file, beside baselines measured in the same run: on SQLite, hand-written
// database/sql queries over the same tables (the last contact with
// SQLite's bare-column MAX, the agenda's three queries, a claim as a
// SELECT of the last number and an INSERT in one transaction); on memory,
// one pass over a slice already in memory.
//
//	go run ./cmd/relbench -customers 100000 -interactions 1000000
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"math/rand/v2"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/memory"
	"github.com/crmkit/crm/storage/sqlite"
)

var (
	customers    = flag.Int("customers", 100000, "customers")
	interactions = flag.Int("interactions", 1000000, "interactions, spread over the customers")
	tasks        = flag.Int("tasks", 200000, "tasks, spread over the owners and a year")
	owners       = flag.Int("owners", 20, "owners")
	claims       = flag.Int("claims", 5000, "contact claims per path")
)

// start is the first instant of the generated year; now is its end.
var (
	start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now   = start.AddDate(1, 0, 0)
)

func main() {
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "relbench-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	lite, err := sqlite.Open(ctx, filepath.Join(dir, "crm.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer lite.Close()
	mem := memory.New()
	defer mem.Close()

	data := generate()
	for _, s := range []crm.Store{mem, lite} {
		t := time.Now()
		if err := load(ctx, s, data); err != nil {
			log.Fatal(err)
		}
		log.Printf("loaded %T in %.1f s", s, time.Since(t).Seconds())
	}
	fmt.Printf("%d customers, %d interactions, %d tasks, %d owners; %d claims\n\n", *customers, *interactions, *tasks, *owners, *claims)
	fmt.Println("| measure | path | time | vs baseline | check |")
	fmt.Println("|---|---|---:|---:|---|")
	row := func(measure, path string, d, base time.Duration, check string) {
		ratio := "1"
		if base != d {
			ratio = fmt.Sprintf("%.2f×", d.Seconds()/base.Seconds())
		}
		fmt.Printf("| %s | %s | %s | %s | %s |\n", measure, path, seconds(d), ratio, check)
	}
	ids := make([]string, len(data.customers))
	for i, c := range data.customers {
		ids[i] = c.ID
	}

	// The last contact of every customer.
	d, check := timed(func() string { return lastSlice(data) })
	row("last contact, all customers", "memory/slice (baseline)", d, d, check)
	base := d
	d, check = timed(func() string { return lastClient(ctx, mem, ids) })
	row("last contact, all customers", "memory/crm", d, base, check)
	d, check = timed(func() string { return lastRaw(ctx, lite.DB(), ids) })
	row("last contact, all customers", "sqlite/raw (baseline)", d, d, check)
	base = d
	d, check = timed(func() string { return lastClient(ctx, lite, ids) })
	row("last contact, all customers", "sqlite/crm", d, base, check)

	// A week's agenda for every owner.
	week := time.Date(2025, 6, 11, 12, 0, 0, 0, time.UTC)
	d, check = timed(func() string { return agendaSlice(data, week) })
	row("week agenda, every owner", "memory/slice (baseline)", d, d, check)
	base = d
	d, check = timed(func() string { return agendaClient(ctx, mem, week) })
	row("week agenda, every owner", "memory/crm", d, base, check)
	d, check = timed(func() string { return agendaRaw(ctx, lite.DB(), week) })
	row("week agenda, every owner", "sqlite/raw (baseline)", d, d, check)
	base = d
	d, check = timed(func() string { return agendaClient(ctx, lite, week) })
	row("week agenda, every owner", "sqlite/crm", d, base, check)

	// Contact claims, one customer after another.
	d, check = timed(func() string { return claimRaw(ctx, lite.DB(), ids[:*claims]) })
	row("contact claims", "sqlite/raw (baseline)", d, d, check)
	base = d
	d, check = timed(func() string { return claimClient(ctx, lite, ids[*claims:2**claims]) })
	row("contact claims", "sqlite/crm", d, base, check)
	d, check = timed(func() string { return claimClient(ctx, mem, ids[:*claims]) })
	row("contact claims", "memory/crm", d, d, check)
}

func seconds(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", d.Seconds()*1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// timed runs f once to warm up, then returns the best of three runs and
// f's check.
func timed(f func() string) (time.Duration, string) {
	check := f()
	best := time.Duration(1<<63 - 1)
	for range 3 {
		t := time.Now()
		if got := f(); got != check {
			log.Fatalf("the answer changed between runs: %s, then %s", check, got)
		}
		best = min(best, time.Since(t))
	}
	return best, check
}

// dataset is what every store is loaded with.
type dataset struct {
	customers    []*crm.Customer
	interactions []*crm.Interaction
	tasks        []*crm.Task
}

func owner(i int) string { return fmt.Sprintf("owner-%02d", i%*owners) }

func generate() *dataset {
	rng := rand.New(rand.NewPCG(8, 2026))
	d := &dataset{}
	stamp := start.Add(-time.Hour)
	for i := range *customers {
		d.customers = append(d.customers, &crm.Customer{ID: fmt.Sprintf("c%07d", i), Kind: crm.KindOrganization,
			Name: fmt.Sprintf("Customer %d", i), OwnerID: owner(i), Stage: crm.StageActive,
			CreatedAt: stamp, UpdatedAt: stamp, Version: 1})
	}
	channels := []crm.InteractionChannel{crm.InteractionCall, crm.InteractionEmail, crm.InteractionMeeting, crm.InteractionVisit}
	year := now.Sub(start)
	for i := range *interactions {
		c := rng.IntN(*customers)
		at := crm.Timestamp(start.Add(time.Duration(rng.Int64N(int64(year)))))
		d.interactions = append(d.interactions, &crm.Interaction{ID: fmt.Sprintf("i%08d", i), CustomerID: d.customers[c].ID,
			Channel: channels[rng.IntN(len(channels))], Direction: crm.Outbound, At: at, ActorID: owner(rng.IntN(*owners)),
			CreatedAt: at, UpdatedAt: at, Version: 1})
	}
	for i := range *tasks {
		c := rng.IntN(*customers)
		due := crm.Timestamp(start.Add(time.Duration(rng.Int64N(int64(year)))))
		t := &crm.Task{ID: fmt.Sprintf("t%08d", i), CustomerID: d.customers[c].ID, Kind: crm.TaskFollowUp, Title: "Follow up",
			OwnerID: owner(c), Priority: crm.PriorityNormal, Status: crm.TaskOpen, Due: due, CreatedAt: stamp, UpdatedAt: stamp, Version: 1}
		if rng.IntN(3) > 0 {
			t.Status, t.DoneAt = crm.TaskDone, due.Add(time.Duration(rng.IntN(48)-24)*time.Hour)
		}
		d.tasks = append(d.tasks, t)
	}
	return d
}

// load writes d into s, 1,000 records per transaction.
func load(ctx context.Context, s crm.Store, d *dataset) error {
	for chunk := range slices.Chunk(d.customers, 1000) {
		if err := s.RunInTx(ctx, func(tx crm.Store) error { return tx.CreateCustomers(ctx, chunk) }); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(d.interactions, 1000) {
		err := s.RunInTx(ctx, func(tx crm.Store) error {
			for _, i := range chunk {
				if err := tx.CreateInteraction(ctx, i.Clone()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(d.tasks, 1000) {
		err := s.RunInTx(ctx, func(tx crm.Store) error {
			for _, t := range chunk {
				if err := tx.CreateTask(ctx, t.Clone()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// digest sums what a last-contact answer is: how many customers, and a
// checksum of the interactions named.
type digest struct {
	n   int
	sum uint64
}

func (d *digest) add(s string) {
	d.n++
	for _, b := range []byte(s) {
		d.sum = d.sum*31 + uint64(b)
	}
}

func (d digest) String() string { return fmt.Sprintf("%d / %x", d.n, d.sum) }

func lastSlice(d *dataset) string {
	latest := make(map[string]*crm.Interaction, len(d.customers))
	for _, i := range d.interactions {
		l := latest[i.CustomerID]
		if l == nil || i.At.After(l.At) || i.At.Equal(l.At) && i.ID > l.ID {
			latest[i.CustomerID] = i
		}
	}
	var g digest
	for _, c := range d.customers {
		if l := latest[c.ID]; l != nil {
			g.add(l.ID)
		}
	}
	return g.String()
}

func client(s crm.Store) *crm.Client {
	c, err := crm.New(s, crm.WithClock(crm.ClockFunc(func() time.Time { return now })))
	if err != nil {
		log.Fatal(err)
	}
	return c
}

func lastClient(ctx context.Context, s crm.Store, ids []string) string {
	list, err := client(s).LastContacts(ctx, ids)
	if err != nil {
		log.Fatal(err)
	}
	var g digest
	for _, lc := range list {
		g.add(lc.InteractionID)
	}
	return g.String()
}

func lastRaw(ctx context.Context, db *sql.DB, ids []string) string {
	var g digest
	for chunk := range slices.Chunk(ids, 1000) {
		q := `SELECT customer_id, id, actor_id, channel, MAX(occurred_at || id) FROM interactions WHERE customer_id IN (?` +
			strings.Repeat(",?", len(chunk)-1) + `) GROUP BY customer_id ORDER BY customer_id`
		rows, err := db.QueryContext(ctx, q, anys(chunk)...)
		if err != nil {
			log.Fatal(err)
		}
		for rows.Next() {
			var cust, id, actor, channel, last string
			if err := rows.Scan(&cust, &id, &actor, &channel, &last); err != nil {
				log.Fatal(err)
			}
			g.add(id)
		}
		if err := rows.Err(); err != nil {
			log.Fatal(err)
		}
		rows.Close()
	}
	return g.String()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// agendaCounts digests agendas: planned, done and overdue per owner.
func agendaCounts(counts [][3]int) string {
	var b strings.Builder
	var total [3]int
	for _, c := range counts {
		for k := range 3 {
			total[k] += c[k]
		}
	}
	fmt.Fprintf(&b, "%d planned, %d done, %d overdue", total[0], total[1], total[2])
	return b.String()
}

func agendaClient(ctx context.Context, s crm.Store, day time.Time) string {
	c := client(s)
	var counts [][3]int
	for o := range *owners {
		a, err := c.Agenda(ctx, owner(o), crm.SpanWeek, day)
		if err != nil {
			log.Fatal(err)
		}
		counts = append(counts, [3]int{len(a.Planned), len(a.Done), len(a.Overdue)})
	}
	return agendaCounts(counts)
}

func agendaSlice(d *dataset, day time.Time) string {
	from, to, _ := crm.SpanWeek.Bounds(day)
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	counts := make([][3]int, *owners)
	index := map[string]int{}
	for o := range *owners {
		index[owner(o)] = o
	}
	for _, t := range d.tasks {
		c := &counts[index[t.OwnerID]]
		if t.Status != crm.TaskCancelled && in(t.Due) {
			c[0]++
		}
		if t.Status == crm.TaskDone && in(t.DoneAt) {
			c[1]++
		}
		if t.Status == crm.TaskOpen && t.Due.Before(to) {
			c[2]++
		}
	}
	return agendaCounts(counts)
}

func agendaRaw(ctx context.Context, db *sql.DB, day time.Time) string {
	from, to, _ := crm.SpanWeek.Bounds(day)
	f, t := sqliteTime(from), sqliteTime(to)
	var counts [][3]int
	const cols = `SELECT id, customer_id, contact_id, opportunity_id, case_id, kind, title, notes, owner_id, priority, status,
		due_at, done_at, source, created_at, created_by, updated_at, updated_by, version FROM tasks `
	queries := []string{
		cols + `WHERE owner_id = ? AND status IN ('open', 'done') AND due_at >= ? AND due_at < ?`,
		cols + `WHERE owner_id = ? AND status = 'done' AND done_at >= ? AND done_at < ?`,
		cols + `WHERE owner_id = ? AND status = 'open' AND due_at < ? AND ? != ''`,
	}
	for o := range *owners {
		var c [3]int
		for k, q := range queries {
			args := []any{owner(o), f, t}
			if k == 2 {
				args = []any{owner(o), t, f}
			}
			rows, err := db.QueryContext(ctx, q, args...)
			if err != nil {
				log.Fatal(err)
			}
			for rows.Next() {
				if _, err := scanTask(rows); err != nil {
					log.Fatal(err)
				}
				c[k]++
			}
			rows.Close()
		}
		counts = append(counts, c)
	}
	return agendaCounts(counts)
}

// scanTask reads a row of the tasks table as a hand-written program
// would: every column, the times parsed.
func scanTask(rows *sql.Rows) (*crm.Task, error) {
	var t crm.Task
	var due, done, source, created, updated sql.NullString
	err := rows.Scan(&t.ID, &t.CustomerID, &t.ContactID, &t.OpportunityID, &t.CaseID, &t.Kind, &t.Title, &t.Notes, &t.OwnerID,
		&t.Priority, &t.Status, &due, &done, &source, &created, &t.CreatedBy, &updated, &t.UpdatedBy, &t.Version)
	if err != nil {
		return nil, err
	}
	t.Source = source.String
	for _, f := range []struct {
		src sql.NullString
		dst *time.Time
	}{{due, &t.Due}, {done, &t.DoneAt}, {created, &t.CreatedAt}, {updated, &t.UpdatedAt}} {
		if f.src.Valid {
			if *f.dst, err = time.Parse(time.RFC3339Nano, f.src.String); err != nil {
				return nil, err
			}
		}
	}
	return &t, nil
}

// sqliteTime is how the SQLite store writes a time: RFC 3339 in UTC at
// microseconds, which sorts as text.
func sqliteTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func claimClient(ctx context.Context, s crm.Store, ids []string) string {
	c := client(s)
	as := crm.WithActor(ctx, crm.Actor{ID: "owner-00"})
	for _, id := range ids {
		if _, err := c.ClaimContact(as, id, crm.InteractionMeeting); err != nil {
			var conflict *crm.ContactConflictError
			if !asConflict(err, &conflict) {
				log.Fatal(err)
			}
		}
	}
	return fmt.Sprint(len(ids))
}

func asConflict(err error, target **crm.ContactConflictError) bool {
	e, ok := err.(*crm.ContactConflictError)
	*target = e
	return ok
}

var rawClaims int

func claimRaw(ctx context.Context, db *sql.DB, ids []string) string {
	for _, id := range ids {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			log.Fatal(err)
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM contact_claims WHERE customer_id = ?`, id).Scan(&seq); err != nil {
			log.Fatal(err)
		}
		rawClaims++
		at := sqliteTime(now)
		_, err = tx.ExecContext(ctx, `INSERT INTO contact_claims (id, customer_id, seq, actor_id, channel, claimed_at, expires_at, override, overridden, reason)
			VALUES (?, ?, ?, 'owner-00', 'meeting', ?, ?, 0, '', '')`, fmt.Sprintf("raw-%08d", rawClaims), id, seq+1, at, at)
		if err != nil {
			log.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			log.Fatal(err)
		}
	}
	return fmt.Sprint(len(ids))
}
