package memory

// Histories of records (opportunities, cases): each record's entries kept
// in ascending Version order, listed in keyset pages on (record ID,
// version).

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/crmkit/crm"
)

// histories holds the history entries of one kind of record: each
// record's entries in ascending Version order (no empty lists) and the
// IDs of the records with entries, ascending. key returns the record ID
// and the version of an entry. Entries are never modified once stored.
type histories[C any] struct {
	of  map[string][]*C
	ids []string
	key func(*C) (string, int64)
}

func newHistories[C any](key func(*C) (string, int64)) histories[C] {
	return histories[C]{of: make(map[string][]*C), key: key}
}

// index returns where the entry of version is, or would be, in the
// history of the record id, and whether it is there.
func (h *histories[C]) index(id string, version int64) (int, bool) {
	entries := h.of[id]
	if n := len(entries); n == 0 {
		return 0, false
	} else if _, v := h.key(entries[n-1]); v < version {
		return n, false
	}
	return slices.BinarySearchFunc(entries, version, func(ch *C, v int64) int {
		_, cv := h.key(ch)
		return cmp.Compare(cv, v)
	})
}

// put adds ch, whose version its history lacks, to the history of its
// record. Increasing versions, the usual case, are appended.
func (h *histories[C]) put(ch *C) {
	id, version := h.key(ch)
	if len(h.of[id]) == 0 {
		h.ids = insertSorted(h.ids, id)
	}
	i, _ := h.index(id, version)
	h.of[id] = slices.Insert(h.of[id], i, ch)
}

// remove removes the entry of version from the history of the record id,
// if it is there.
func (h *histories[C]) remove(id string, version int64) {
	i, found := h.index(id, version)
	if !found {
		return
	}
	entries := slices.Delete(h.of[id], i, i+1)
	if len(entries) == 0 {
		delete(h.of, id)
		h.ids = removeSorted(h.ids, id)
		return
	}
	h.of[id] = entries
}

// addChange stores ch, made stored with norm, in the history h of its
// record, of kind what ("opportunity"); exists reports, under the write
// lock, whether the record is stored. It fails with [crm.ErrDuplicate]
// if the history has an entry of ch's version, with [crm.ErrNotFound] if
// the record does not exist, and with [crm.ErrInvalid] if ch is nil.
func addChange[C any](ctx context.Context, s *Store, h *histories[C], what string, ch *C, norm func(*C), exists func(*data, string) bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: add %s change: %w", what, err)
	}
	if ch == nil {
		return fmt.Errorf("memory: add %s change: nil change: %w", what, crm.ErrInvalid)
	}
	nc := *ch
	norm(&nc)

	if err := s.lock(true); err != nil {
		return err
	}
	defer s.unlock(true)
	id, version := h.key(&nc)
	if !exists(s.d, id) {
		return fmt.Errorf("memory: add change %d of %s %s: %w", version, what, id, crm.ErrNotFound)
	}
	if _, found := h.index(id, version); found {
		return fmt.Errorf("memory: add change %d of %s %s: %w", version, what, id, crm.ErrDuplicate)
	}
	s.saveFunc(func(*data) { h.remove(id, version) })
	h.put(&nc)
	return nil
}

// findChanges returns copies of one page of the entries of h of the
// records ids (every record's if empty), ordered by record ID and then
// version, and the cursor of the next page ("" after the last). what
// names the listing in errors ("opportunity changes"). A cursor this
// store did not return fails with [crm.ErrInvalid].
func findChanges[C any](ctx context.Context, s *Store, h *histories[C], what string, ids []string, after crm.Cursor, limit int) ([]*C, crm.Cursor, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", fmt.Errorf("memory: find %s: %w", what, err)
	}
	limit, err := pageLimit("find "+what, limit)
	if err != nil {
		return nil, "", err
	}
	afterID, afterVersion, err := parseChangeCursor(after)
	if err != nil {
		return nil, "", fmt.Errorf("memory: find %s: %w", what, err)
	}

	if err := s.lock(false); err != nil {
		return nil, "", err
	}
	if len(ids) > 0 {
		ids = sortedSet(ids)
	} else {
		ids = h.ids
	}
	i, _ := slices.BinarySearch(ids, afterID)
	page := make([]*C, 0, min(limit, 64))
	more := false
scan:
	for ; i < len(ids); i++ {
		entries := h.of[ids[i]]
		if after != "" && ids[i] == afterID {
			j, found := h.index(afterID, afterVersion)
			if found {
				j++
			}
			entries = entries[j:]
		}
		for _, ch := range entries {
			if len(page) == limit {
				more = true
				break scan
			}
			page = append(page, ch)
		}
	}
	s.unlock(false)

	for i, ch := range page {
		c := *ch
		page[i] = &c
	}
	var next crm.Cursor
	if more {
		next = changeCursor(h.key(page[len(page)-1]))
	}
	return page, next, nil
}

// changeCursor returns the cursor after the history entry version of the
// record id: the version, a colon and the ID.
func changeCursor(id string, version int64) crm.Cursor {
	return crm.Cursor(strconv.FormatInt(version, 10) + ":" + id)
}

// parseChangeCursor returns the record ID and the version a cursor of
// [changeCursor] names; "" for the zero cursor.
func parseChangeCursor(c crm.Cursor) (string, int64, error) {
	if c == "" {
		return "", 0, nil
	}
	v, id, ok := strings.Cut(string(c), ":")
	version, err := strconv.ParseInt(v, 10, 64)
	if !ok || err != nil {
		return "", 0, fmt.Errorf("cursor %q: %w", c, crm.ErrInvalid)
	}
	return id, version, nil
}
