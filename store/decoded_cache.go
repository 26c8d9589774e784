package store

import (
	"bytes"
	"encoding/json"
	"slices"
	"sync"
)

// decodedCache keeps decoded values by the bytes they were decoded from.
// Every request of a logged-in member reads its account (is it still
// active, which facility) and most read the facility, and decoding their
// JSON was a tenth of a list page's CPU. An entry is used only when the
// stored bytes are exactly the cached ones, so a change is seen at once,
// in the same transaction, with nothing to invalidate. clone copies what a
// caller could change in place (slices), so callers never share them.
type decodedCache[T any] struct {
	mu    sync.Mutex
	m     map[string]decodedEntry[T]
	clone func(T) T
}

type decodedEntry[T any] struct {
	raw []byte
	v   T
}

// decodedCacheMax bounds each cache (a network has a few thousand members
// and facilities); past it the cache starts again.
const decodedCacheMax = 10000

// decode is the value stored as raw under key: from the cache when raw is
// what was cached, else decoded (and cached).
func (c *decodedCache[T]) decode(key string, raw []byte) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return c.clone(e.v), nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, err
	}
	e = decodedEntry[T]{raw: bytes.Clone(raw), v: c.clone(v)}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= decodedCacheMax {
		c.m = make(map[string]decodedEntry[T])
	}
	c.m[key] = e
	c.mu.Unlock()
	return v, nil
}

// cachedTx reads the value stored under key in bucket through the cache:
// not found when there is none.
func cachedTx[T any](tx *Tx, bucket []byte, c *decodedCache[T], key, what string) (T, error) {
	raw := tx.bucket(bucket).Get([]byte(key))
	if raw == nil {
		var zero T
		return zero, NotFound()
	}
	v, err := c.decode(key, raw)
	if err != nil {
		return v, Errorf(EINTERNAL, "%s %s: %v", what, key, err)
	}
	return v, nil
}

func newMemberCache() *decodedCache[Member] {
	return &decodedCache[Member]{clone: func(m Member) Member {
		m.SharedPCs = slices.Clone(m.SharedPCs)
		return m
	}}
}

func newFacilityCache() *decodedCache[Facility] {
	return &decodedCache[Facility]{clone: func(f Facility) Facility {
		f.Departments = slices.Clone(f.Departments)
		return f
	}}
}
