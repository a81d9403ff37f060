package crm

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

// Kinds of records the audit history and the events name, besides the
// owned kinds of ownership.go.
const (
	EntityContact      EntityKind = "contact"
	EntityPipeline     EntityKind = "pipeline"
	EntityOrder        EntityKind = "order"
	EntityPayment      EntityKind = "payment"
	EntityInteraction  EntityKind = "interaction"
	EntityContactClaim EntityKind = "contact_claim"
	EntityTask         EntityKind = "task"
	EntitySegment      EntityKind = "segment"
	EntitySurvey       EntityKind = "survey"
	EntityResponse     EntityKind = "response"
	EntityApproval     EntityKind = "approval"
)

// AuditAction is what a mutation did to a record.
type AuditAction string

// Audit actions.
const (
	// AuditCreated: the record was stored. Changes hold its fields that
	// are set, with no Before.
	AuditCreated AuditAction = "created"
	// AuditUpdated: the record changed. Changes hold the fields that
	// differ, Before and After.
	AuditUpdated AuditAction = "updated"
	// AuditDeleted: the record was removed. Changes hold its fields that
	// were set, with no After.
	AuditDeleted AuditAction = "deleted"
	// AuditMoved: a merge moved the customer's child records to another
	// customer. Each change names a kind of child record in Field
	// ("contacts", "orders", ...) with After {"to": survivor ID,
	// "count": records moved}.
	AuditMoved AuditAction = "moved"

	// AuditErased: [Client.EraseCustomer] anonymised the customer. Each
	// change names a kind of record in Field ("customer", "contacts",
	// ...) with After {"count": records anonymised}; no erased value is
	// kept.
	AuditErased AuditAction = "erased"
)

// FieldChange is one field of an [AuditEntry]: its value before and
// after the mutation, as JSON (nil where there is none). Field is the Go
// name of the field ("Name", "CreditLimit"); money, times and lists are
// written as encoding/json writes them, so decimals keep every digit.
//
// An erased change ([AuditEntry.Erase]) has no values left: Erased is
// set, and BeforeDigest and AfterDigest hold the digests of the values
// that were there ("" where there was none), which the chain covers in
// their place.
type FieldChange struct {
	Field  string
	Before json.RawMessage `json:",omitempty"`
	After  json.RawMessage `json:",omitempty"`

	Erased       bool   `json:",omitempty"`
	BeforeDigest string `json:",omitempty"`
	AfterDigest  string `json:",omitempty"`
}

// AuditEntry is one mutation of one record in the audit history, written
// in the transaction of the mutation (see [WithAudit]). Entries form one
// log, numbered from 1 in commit order, each holding the hash of the one
// before it, so that a changed, removed or inserted entry breaks the
// chain ([Client.VerifyAudit]).
type AuditEntry struct {
	// Seq is the entry's position in the log, from 1, without gaps.
	Seq int64
	// At is when the mutation happened, and ActorID who made it.
	At      time.Time
	ActorID string
	// Entity and EntityID name the record.
	Entity   EntityKind
	EntityID string
	Action   AuditAction
	Changes  []FieldChange
	// Salt is random text, drawn by the Client for each entry, that
	// salts the digests of the entry's values (see
	// [AuditEntry.ChainHash]), so that a digest cannot confirm a guessed
	// value. [AuditEntry.Erase] clears it with the values.
	Salt string
	// PrevHash is the Hash of the entry before ("" for the first); Hash
	// is [AuditEntry.ChainHash], hex-encoded SHA-256.
	PrevHash string
	Hash     string
}

// Clone returns a deep copy of e.
func (e *AuditEntry) Clone() *AuditEntry {
	if e == nil {
		return nil
	}
	out := *e
	out.Changes = make([]FieldChange, len(e.Changes))
	for i, ch := range e.Changes {
		ch.Before, ch.After = bytes.Clone(ch.Before), bytes.Clone(ch.After)
		out.Changes[i] = ch
	}
	if e.Changes == nil {
		out.Changes = nil
	}
	return &out
}

// ChainHash returns the hash e must carry: the hex-encoded SHA-256 of
// PrevHash, Seq, At, ActorID, Entity, EntityID, Action, the number of
// changes and, for each change, its Field and the digests of its Before
// and After ([AuditEntry.ValueDigest], or for an erased change the
// digests it keeps), each written with its length first so that no two
// entries hash the same bytes. Covering digests rather than values lets
// [AuditEntry.Erase] remove the values and the Salt and leave the hash
// as it was. Stores call it when they append an entry, and
// [Client.VerifyAudit] to check one.
func (e *AuditEntry) ChainHash() string {
	h := sha256.New()
	field := func(s string) {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		io.WriteString(h, s)
	}
	field(e.PrevHash)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.At.UTC().Format(time.RFC3339Nano))
	field(e.ActorID)
	field(string(e.Entity))
	field(e.EntityID)
	field(string(e.Action))
	field(strconv.Itoa(len(e.Changes)))
	for _, ch := range e.Changes {
		before, after := e.digests(ch)
		field(ch.Field)
		field(before)
		field(after)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ValueDigest returns the digest of one value of e that the chain
// covers: "" for no value (nil), otherwise the hex-encoded SHA-256 of
// the Salt, written with its length first, and the value.
func (e *AuditEntry) ValueDigest(v json.RawMessage) string {
	if v == nil {
		return ""
	}
	h := sha256.New()
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(e.Salt)))])
	io.WriteString(h, e.Salt)
	h.Write(v)
	return hex.EncodeToString(h.Sum(nil))
}

// digests returns the digests of ch's values: kept, or made from them.
func (e *AuditEntry) digests(ch FieldChange) (before, after string) {
	if ch.Erased {
		return ch.BeforeDigest, ch.AfterDigest
	}
	return e.ValueDigest(ch.Before), e.ValueDigest(ch.After)
}

// Erase removes every value of e's changes, keeping in their place the
// digests [AuditEntry.ChainHash] covers, and clears the Salt: e keeps
// its hash and still verifies, but holds neither its values nor the
// means to confirm a guess at one. Field names, times, actors and the
// record's kind and ID stay. It reports whether there was anything to
// erase; erasing an erased entry changes nothing.
func (e *AuditEntry) Erase() bool {
	changed := e.Salt != ""
	for i, ch := range e.Changes {
		if ch.Erased {
			continue
		}
		before, after := e.digests(ch)
		e.Changes[i] = FieldChange{Field: ch.Field, Erased: true, BeforeDigest: before, AfterDigest: after}
		changed = true
	}
	e.Salt = ""
	return changed
}

// NewAuditSalt returns a fresh [AuditEntry.Salt]: 16 random bytes,
// hex-encoded.
func NewAuditSalt() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}

// EncodeChanges returns the changes as the JSON text stores keep; an
// empty list is "[]".
func EncodeChanges(changes []FieldChange) (string, error) {
	if len(changes) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return "", fmt.Errorf("crm: encode audit changes: %w", err)
	}
	return string(b), nil
}

// DecodeChanges parses what [EncodeChanges] wrote.
func DecodeChanges(s string) ([]FieldChange, error) {
	var out []FieldChange
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("crm: decode audit changes: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// AuditFilter selects audit entries. Each non-zero field narrows the
// selection. Entries are listed in Seq order.
type AuditFilter struct {
	// Entity and EntityID select one record's history; Entity alone,
	// every record of a kind.
	Entity   EntityKind
	EntityID string
	// AfterSeq lists entries after this position; it is also the cursor
	// of a listing.
	AfterSeq int64
	// Limit caps the page size: 0 means DefaultPageLimit; at most
	// MaxPageLimit.
	Limit int
}

// Event is a domain event, appended to the outbox in the transaction of
// the mutation it reports (see [WithEvents]). Events are numbered from 1
// in commit order, so a consumer that has handled every event up to Seq
// n has missed none before it ([Client.ConsumeEvents]).
type Event struct {
	// Seq is the event's position, from 1, without gaps.
	Seq int64
	// Type is the entity and the action: "customer.created",
	// "opportunity.updated", "contact.deleted", "customer.moved".
	Type     string
	At       time.Time
	ActorID  string
	Entity   EntityKind
	EntityID string
	// Data is the record after the mutation as JSON; for a deletion, the
	// record before it; for a move, the changes of the audit entry.
	Data json.RawMessage
}

// Clone returns a deep copy of e.
func (e *Event) Clone() *Event {
	if e == nil {
		return nil
	}
	out := *e
	out.Data = bytes.Clone(e.Data)
	return &out
}

// LogStore keeps the audit history and the event outbox. Appends join
// the caller's transaction; the Store serialises appenders, so that Seq
// order is commit order and a reader never sees Seq n+1 committed before
// Seq n.
type LogStore interface {
	// AppendAudit gives each entry, in order, the next Seq of the log, the
	// PrevHash of the entry before it and Hash = ChainHash(), and stores
	// them.
	AppendAudit(ctx context.Context, entries []*AuditEntry) error
	// FindAudit returns one page of the entries f selects, in Seq order,
	// and the cursor for the next page ("" after the last): the Seq of the
	// page's last entry, in decimal.
	FindAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, Cursor, error)
	// AuditHead returns the Seq and Hash of the log's last entry (0 and ""
	// when it is empty) as the Store keeps them apart from the entries.
	AuditHead(ctx context.Context) (int64, string, error)
	// AppendEvents gives each event, in order, the next Seq of the outbox
	// and stores them.
	AppendEvents(ctx context.Context, events []*Event) error
	// FindEvents returns up to limit events after Seq after, in Seq order
	// (0 means DefaultPageLimit; at most MaxPageLimit).
	FindEvents(ctx context.Context, after int64, limit int) ([]*Event, error)
	// Checkpoint returns the Seq a consumer saved last, 0 if none.
	Checkpoint(ctx context.Context, consumer string) (int64, error)
	// SaveCheckpoint records that consumer has handled every event up to
	// seq.
	SaveCheckpoint(ctx context.Context, consumer string, seq int64) error
	// EraseLog erases what the log holds of the records ids of kind
	// entity: each of their audit entries as [AuditEntry.Erase] does
	// (values and Salt gone, digests kept), and the Data of each of their
	// events. Seq, hashes, the head, every other field and every other
	// record's entries and events stay as they are, so the chain still
	// verifies; erasing again changes nothing. It joins the caller's
	// transaction. More than MaxPageLimit IDs fail with [ErrInvalid].
	EraseLog(ctx context.Context, entity EntityKind, ids []string) error
}

// ErrTampered reports that the audit history is not the one the store
// wrote: an entry was changed, removed or inserted.
var ErrTampered = errors.New("crm: audit history tampered with")

// TamperError says where [Client.VerifyAudit] found the chain broken. It
// matches [ErrTampered].
type TamperError struct {
	// Seq is the position of the first entry that does not fit.
	Seq    int64
	Reason string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("crm: audit entry %d: %s", e.Seq, e.Reason)
}

// Is reports whether target is [ErrTampered].
func (e *TamperError) Is(target error) bool { return target == ErrTampered }

// AuditCheck is what [Client.VerifyAudit] checked.
type AuditCheck struct {
	// Entries is the number of entries checked, and Head the hash of the
	// last: keep it elsewhere to detect later a log cut back to an earlier
	// entry together with its stored head.
	Entries int64
	Head    string
}

// WithAudit makes the Client write an [AuditEntry] for every record it
// creates, changes or deletes, in the same transaction, with the fields
// before and after. Histories of deals, cases and owners, contact-claim
// sequences and segment snapshots are records of their own and are not
// entered again. An audited write costs a read of the record before it
// and two appends.
func WithAudit() Option { return func(c *config) { c.audit = true } }

// WithEvents makes the Client append an [Event] to the outbox for every
// record it creates, changes or deletes, in the same transaction.
func WithEvents() Option { return func(c *config) { c.events = true } }

// History iterates over the audit entries of one record, oldest first.
// An error ends the iteration after being yielded.
func (c *Client) History(ctx context.Context, entity EntityKind, id string) iter.Seq2[*AuditEntry, error] {
	return c.auditEntries(ctx, AuditFilter{Entity: entity, EntityID: id})
}

// AuditLog iterates over the audit entries f selects, in Seq order. An
// error ends the iteration after being yielded.
func (c *Client) AuditLog(ctx context.Context, f AuditFilter) iter.Seq2[*AuditEntry, error] {
	return c.auditEntries(ctx, f)
}

func (c *Client) auditEntries(ctx context.Context, f AuditFilter) iter.Seq2[*AuditEntry, error] {
	list := func(ctx context.Context, f AuditFilter) ([]*AuditEntry, Cursor, error) {
		page, next, err := c.store.FindAudit(ctx, f)
		if err != nil {
			return nil, "", fmt.Errorf("crm: audit history: %w", err)
		}
		return page, next, nil
	}
	return pages(ctx, f, list, func(f *AuditFilter, next Cursor) {
		f.AfterSeq, _ = strconv.ParseInt(string(next), 10, 64)
	})
}

// VerifyAudit reads the whole audit history in order and checks that
// every entry follows the one before: numbered without gaps, carrying
// its hash, and hashing to its own; and that the last is the head the
// store keeps. A break is reported as a [*TamperError] (matching
// [ErrTampered]) naming the first entry that does not fit.
func (c *Client) VerifyAudit(ctx context.Context) (AuditCheck, error) {
	var check AuditCheck
	for e, err := range c.auditEntries(ctx, AuditFilter{Limit: MaxPageLimit}) {
		if err != nil {
			return check, err
		}
		switch want := check.Entries + 1; {
		case e.Seq != want:
			return check, &TamperError{Seq: want, Reason: fmt.Sprintf("missing: the next entry is %d", e.Seq)}
		case e.PrevHash != check.Head:
			return check, &TamperError{Seq: e.Seq, Reason: "does not carry the hash of the entry before"}
		case e.ChainHash() != e.Hash:
			return check, &TamperError{Seq: e.Seq, Reason: "its contents do not match its hash"}
		}
		check.Entries, check.Head = e.Seq, e.Hash
	}
	seq, head, err := c.store.AuditHead(ctx)
	switch {
	case err != nil:
		return check, fmt.Errorf("crm: verify audit: %w", err)
	case seq != check.Entries || head != check.Head:
		return check, &TamperError{Seq: check.Entries + 1,
			Reason: fmt.Sprintf("the log ends at entry %d, the store's head is entry %d", check.Entries, seq)}
	}
	return check, nil
}

// Events iterates over the events after Seq after, in order, page by
// page, until the last committed. An error ends the iteration after being
// yielded.
func (c *Client) Events(ctx context.Context, after int64) iter.Seq2[*Event, error] {
	return func(yield func(*Event, error) bool) {
		for {
			page, err := c.store.FindEvents(ctx, after, MaxPageLimit)
			if err != nil {
				yield(nil, fmt.Errorf("crm: events: %w", err))
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				after = e.Seq
			}
			if len(page) < MaxPageLimit {
				return
			}
		}
	}
}

// ConsumeEvents delivers to handle, in order, every event after the
// consumer's checkpoint, saving the checkpoint after each event handled,
// and returns how many it delivered once none is left. Delivery is at
// least once: an event whose handling or checkpoint did not complete —
// the process died, handle failed — is delivered again by the next call,
// so handle should be idempotent (the Seq identifies an event). An error
// from handle stops the delivery and is returned; the event stays
// undelivered.
func (c *Client) ConsumeEvents(ctx context.Context, consumer string, handle func(context.Context, *Event) error) (int, error) {
	if consumer == "" {
		return 0, required("event consumer", "consumer")
	}
	after, err := c.store.Checkpoint(ctx, consumer)
	if err != nil {
		return 0, fmt.Errorf("crm: consume events %s: %w", consumer, err)
	}
	n := 0
	for e, err := range c.Events(ctx, after) {
		if err != nil {
			return n, err
		}
		if err := handle(ctx, e); err != nil {
			return n, fmt.Errorf("crm: consume events %s: event %d: %w", consumer, e.Seq, err)
		}
		if err := c.store.SaveCheckpoint(ctx, consumer, e.Seq); err != nil {
			return n, fmt.Errorf("crm: consume events %s: checkpoint %d: %w", consumer, e.Seq, err)
		}
		n++
	}
	return n, nil
}
