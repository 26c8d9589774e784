package store

import (
	"bytes"
	"slices"
	"sync"
)

// memberCache keeps decoded members by the bytes they were decoded from.
// Every request of a logged-in member reads its account (is it still
// active, which facility), and decoding the JSON was a tenth of a list
// page's CPU. An entry is used only when the stored bytes are exactly the
// cached ones, so a change to the account is seen at once, in the same
// transaction, with nothing to invalidate.
type memberCache struct {
	mu sync.Mutex
	m  map[string]memberCacheEntry
}

type memberCacheEntry struct {
	raw []byte
	m   Member
}

// memberCacheMax bounds the cache (a network has a few thousand members);
// past it the cache starts again.
const memberCacheMax = 10000

func (c *memberCache) get(id string, raw []byte) (Member, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return Member{}, false
	}
	m := e.m
	m.SharedPCs = slices.Clone(m.SharedPCs)
	return m, true
}

func (c *memberCache) put(id string, raw []byte, m Member) {
	e := memberCacheEntry{raw: bytes.Clone(raw), m: m}
	e.m.SharedPCs = slices.Clone(m.SharedPCs)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= memberCacheMax {
		c.m = make(map[string]memberCacheEntry)
	}
	c.m[id] = e
	c.mu.Unlock()
}
