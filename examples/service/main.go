// Command service is a small JSON-over-HTTP service that embeds the
// library: customers, their contacts, a streamed export, a customer's
// audit history and the event outbox, behind role-based access control.
//
//	go run ./examples/service                      # a SQLite file in a temporary folder
//	go run ./examples/service -memory              # everything in memory
//	go run ./examples/service -db crm.db -addr :8080
//
// # Routes
//
//	POST  /customers                  create; 201 with Location and ETag
//	GET   /customers                  list: owner, stage, region, industry, tag (repeatable), q, archived, limit, after
//	GET   /customers/export           stream: format=jsonl|csv, include=orders,contacts,… (JSON Lines), kind=… and custom=… (CSV), and the list's filter
//	GET   /customers/{id}             one customer; ETag is its version
//	PATCH /customers/{id}             change the fields given; the version in If-Match ("3") or in the body ("version": 3)
//	POST  /customers/{id}/contacts    add a contact
//	GET   /customers/{id}/history     the customer's audit history, oldest first
//	GET   /events?after=N&limit=M     the outbox after sequence number N
//
// Customers are written as the lines of a JSON Lines export are
// ([crm.ExportRecord]).
//
// # Who is asking
//
// The actor comes from request headers: X-Actor (its ID; required),
// X-Roles (comma-separated names of [crm.DefaultRoles]: admin, manager,
// sales, service, auditor), X-Team (see -teams) and X-Tenant (the
// tenant, whose records alone the request reads and writes; none for a
// single organisation). The headers are trusted as they come: put the
// service behind a proxy that authenticates callers and sets them.
//
// # Errors
//
// Every error is a JSON object {"error": "…"}; a validation error also
// lists "fields": [{"field": "name", "reason": "required"}].
//
//	400  the request does not parse: malformed JSON, an unknown field, a bad parameter
//	401  no X-Actor header
//	403  crm.ErrForbidden: the actor may not do this
//	404  crm.ErrNotFound
//	409  crm.ErrConflict (a stale version), crm.ErrDuplicate, crm.ErrTransition
//	422  crm.ErrInvalid, with the fields
//	428  PATCH without a version
//	202  crm.ErrApprovalRequired: the change waits for a second actor's approval
//	500  anything else, without details (they go to the log)
//
// An export that fails after it has begun to stream cannot change its
// status: the connection is cut instead, so that the client sees the
// output is incomplete.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/internal/demo"
	"github.com/crmkit/crm/storage/sqlite"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to listen on")
	inMemory := flag.Bool("memory", false, "keep everything in memory instead of a SQLite file")
	dbPath := flag.String("db", "", "the SQLite file to keep the data in (default: one in a new temporary folder, removed on exit)")
	teams := flag.String("teams", "east=ann,bob", `teams and their members' actor IDs: "east=ann,bob;west=carl"`)
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, *addr, *inMemory, *dbPath, *teams); err != nil {
		log.Error("service", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, addr string, inMemory bool, dbPath, teams string) error {
	members, err := parseTeams(teams)
	if err != nil {
		return err
	}
	var store crm.Store
	var closeStore func()
	if dbPath != "" && !inMemory {
		s, err := sqlite.Open(ctx, dbPath)
		if err != nil {
			return err
		}
		store, closeStore = s, func() { s.Close() }
	} else if store, closeStore, err = demo.OpenStore(ctx, "crm-service-", inMemory); err != nil {
		return err
	}
	defer closeStore()
	client, err := newClient(store, members)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: addr, Handler: newHandler(client, log), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newClient returns the Client the service runs on: access control with
// the default roles and teams, audit history and events, and a second
// actor's approval for credit limits above 50,000 EUR or USD and for
// erasure.
func newClient(store crm.Store, teams map[string][]string) (*crm.Client, error) {
	roles, err := crm.NewRoles(crm.DefaultRoles(), teams)
	if err != nil {
		return nil, err
	}
	return crm.New(store, crm.WithAuthorizer(roles), crm.WithAudit(), crm.WithEvents(),
		crm.WithApprovals(crm.ApprovalPolicy{
			CreditLimits: []crm.Money{crm.MustMoney("50000", "EUR"), crm.MustMoney("50000", "USD")},
			Erase:        true,
		}))
}

// parseTeams reads "east=ann,bob;west=carl".
func parseTeams(s string) (map[string][]string, error) {
	teams := map[string][]string{}
	for part := range strings.SplitSeq(s, ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		name, list, ok := strings.Cut(part, "=")
		if name = strings.TrimSpace(name); !ok || name == "" {
			return nil, fmt.Errorf("-teams %q: want team=member,member;team=…", s)
		}
		teams[name] = splitComma(list)
	}
	return teams, nil
}
