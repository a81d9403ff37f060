package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/storage/postgres"
)

// crmPostgres runs the crm paths on PostgreSQL, in a schema of their own
// that is dropped afterwards.
func crmPostgres(ctx context.Context, dsn string, o orders, asOf time.Time, reps int, checkScores func(*result, []crm.RFMScore)) []result {
	schema := fmt.Sprintf("rfmbench_%d", time.Now().UnixNano())
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer admin.Close()
	mustExec(ctx, admin, "CREATE SCHEMA "+schema)
	defer mustExec(ctx, admin, "DROP SCHEMA "+schema+" CASCADE")
	rs := crmPaths(ctx, "postgres", o, asOf, reps, checkScores, func() (crm.Store, error) {
		return postgres.Open(ctx, dsn, postgres.WithSchema(schema))
	})
	return rs
}

// ntilePostgres loads the orders with COPY into a plain table and times
// rfm.sql.
func ntilePostgres(ctx context.Context, dsn string, o orders, asOf time.Time, reps int, check func(*result, int32, int, int, int)) result {
	r := result{name: "sql/postgres NTILE", note: "peers/rfm.sql, numeric amounts, over TCP"}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("rfmbench_sql_%d", time.Now().UnixNano())
	exec := func(q string) {
		if _, err := conn.Exec(ctx, q); err != nil {
			log.Fatalf("%v: %.80s", err, q)
		}
	}
	exec("CREATE SCHEMA " + schema)
	defer exec("DROP SCHEMA " + schema + " CASCADE")
	exec("SET search_path TO " + schema)
	t0 := time.Now()
	exec(`CREATE TABLE orders(order_id bigint NOT NULL, customer_id bigint NOT NULL, ordered_at timestamptz NOT NULL, amount numeric(12,2) NOT NULL)`)
	rows := make([][]any, len(o.customer))
	for i := range rows {
		rows[i] = []any{int64(i), int64(o.customer[i]), time.Unix(o.at[i], 0).UTC(), fmt.Sprintf("%d.%02d", o.cents[i]/100, o.cents[i]%100)}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"orders"}, []string{"order_id", "customer_id", "ordered_at", "amount"}, pgx.CopyFromRows(rows)); err != nil {
		log.Fatal(err)
	}
	exec("VACUUM ANALYZE orders")
	exec(`CREATE FUNCTION unixepoch(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT extract(epoch FROM t)::bigint'`)
	exec(`CREATE TEMP TABLE rfm_params AS SELECT ` + strconv.FormatInt(asOf.Unix(), 10) + `::bigint AS asof_epoch`)
	r.load = time.Since(t0).Seconds()
	r.compute = median(reps, func() {
		exec(`DROP TABLE IF EXISTS rfm_segments`)
		exec(rfmSQL)
	})
	res, err := conn.Query(ctx, `SELECT customer_id::int, r::int, f::int, m::int FROM rfm_segments`)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Close()
	for res.Next() {
		var id int32
		var rs, fs, ms int
		if err := res.Scan(&id, &rs, &fs, &ms); err != nil {
			log.Fatal(err)
		}
		check(&r, id, rs, fs, ms)
		r.customers++
	}
	return r
}
