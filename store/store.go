// Package store holds hotline's domain types, their validation and their
// persistence in one bbolt file. Public methods open the transaction and hand
// the *Tx to small private helpers; no bbolt byte slice leaves a transaction.
package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DB is the hotline database: one bbolt file holds everything.
type DB struct {
	bolt *bolt.DB
	path string

	// now is the clock; tests replace it to make timestamps predictable.
	mu  sync.RWMutex
	now func() time.Time

	sessions *sessionCache
	settings atomic.Pointer[Settings]
	// serverURL is the server's own address (settings.go).
	serverURL atomic.Pointer[string]
	// certGen changes whenever a certificate record changes, so callers
	// caching records know when to reload (revocation is immediate).
	certGen atomic.Uint64

	// throttle counts failed logins (throttle.go); made at first use.
	throttleOnce sync.Once
	throttle     *loginThrottle

	// auditQ writes audit lines of list and search views (audit_queue.go).
	auditQ *auditQueue

	// registrar groups concurrent patient registrations into one commit
	// (patient_register.go).
	registrar registrar

	// members and facilities cache decoded records (decoded_cache.go).
	members    *decodedCache[Member]
	facilities *decodedCache[Facility]

	// drugs is the in-memory index of the drug master (drug_index.go).
	drugs drugCatalog

	// anchors publishes the audit chain head (audit_anchor.go); nil
	// unless a server started them.
	anchors atomic.Pointer[auditAnchorer]
}

// CertificateGeneration is bumped by every certificate change.
func (db *DB) CertificateGeneration() uint64 { return db.certGen.Load() }

// Tx is a bbolt transaction with the single timestamp every write in it uses.
type Tx struct {
	*bolt.Tx
	Now time.Time
	db  *DB
	// anchorDue: an audit event appended in this transaction calls for
	// an anchor once it is committed (audit_anchor.go).
	anchorDue bool
	// open are the buckets a read transaction has opened (bucket).
	open  [8]openBucket
	nopen int
}

// errInUse: another process (a running server) holds the file.
type errInUse struct{ path string }

func (e errInUse) Error() string {
	return e.path + " は別のプロセスが使用中です（サーバーを停止してから実行してください）"
}

// Options tune Open; the zero value is what the server uses.
type Options struct {
	// ReadOnly opens the file for inspection (hotline check).
	ReadOnly bool
	// Timeout bounds the wait for the file lock held by another process.
	Timeout time.Duration
	// NoMigrate leaves the schema as it is (hotline check reports instead).
	NoMigrate bool
}

// Open opens (creating if needed) the database file and brings its schema up
// to date.
func Open(path string, opt Options) (*DB, error) {
	if opt.Timeout == 0 {
		opt.Timeout = 2 * time.Second
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:  opt.Timeout,
		ReadOnly: opt.ReadOnly,
		// The Batch delay trades latency for throughput: 1 ms measured best
		// here for concurrent durable writes.
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, errInUse{path}
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	bdb.MaxBatchDelay = time.Millisecond
	db := &DB{bolt: bdb, path: path, now: func() time.Time { return time.Now().UTC() }, sessions: newSessionCache(),
		members: newMemberCache(), facilities: newFacilityCache()}
	if !opt.ReadOnly && !opt.NoMigrate {
		if err := db.migrate(); err != nil {
			bdb.Close()
			return nil, err
		}
		db.startAuditQueue()
	}
	return db, nil
}

// Close closes the file.
func (db *DB) Close() error {
	if db.auditQ != nil {
		db.auditQ.close()
		db.auditQ = nil
	}
	if a := db.anchors.Swap(nil); a != nil {
		a.close()
	}
	return db.bolt.Close()
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// SetClock replaces the clock (tests).
func (db *DB) SetClock(now func() time.Time) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.now = func() time.Time { return now().UTC() }
}

// Now is the database clock in UTC.
func (db *DB) Now() time.Time {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.now()
}

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(tx *Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error {
		return fn(&Tx{Tx: btx, Now: db.Now(), db: db})
	})
}

// Update runs fn in a read-write transaction, committed (and fsynced)
// before it returns.
func (db *DB) Update(fn func(tx *Tx) error) error {
	return db.bolt.Update(func(btx *bolt.Tx) error {
		return fn(&Tx{Tx: btx, Now: db.Now(), db: db})
	})
}

// Batch is Update for writes that arrive concurrently: several callers share
// one commit. fn may run more than once, so it must only assign (never
// accumulate) state outside the transaction.
func (db *DB) Batch(fn func(tx *Tx) error) error {
	return db.bolt.Batch(func(btx *bolt.Tx) error {
		return fn(&Tx{Tx: btx, Now: db.Now(), db: db})
	})
}

// Stats reports bbolt statistics (for the operator dashboard and checks).
func (db *DB) Stats() bolt.Stats { return db.bolt.Stats() }

// FileSize is the size of the database file in bytes.
func (db *DB) FileSize() int64 {
	fi, err := os.Stat(db.path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// bucket returns a top-level bucket that the migrations guarantee exists.
func (tx *Tx) bucket(name []byte) *bolt.Bucket {
	// bbolt looks a top-level bucket up anew on every call in a read
	// transaction (it caches them only in writable ones); a list page asks
	// for the same few buckets for every row, so a read transaction keeps
	// the ones it opened. Read transactions cannot delete a bucket, so
	// what is kept stays valid.
	ro := !tx.Writable()
	if ro {
		for i := range tx.nopen {
			if string(tx.open[i].name) == string(name) {
				return tx.open[i].b
			}
		}
	}
	b := tx.Bucket(name)
	if b == nil {
		// Only possible on a file whose schema was not migrated.
		panic(fmt.Sprintf("store: bucket %q missing", name))
	}
	if ro && tx.nopen < len(tx.open) {
		tx.open[tx.nopen] = openBucket{name, b}
		tx.nopen++
	}
	return b
}

type openBucket struct {
	name []byte
	b    *bolt.Bucket
}

// itob encodes a sequence number as a sortable 8-byte key.
func itob(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func btoi(b []byte) uint64 { return binary.BigEndian.Uint64(b) }

// getJSON decodes the value at key into v; found is false when absent.
func getJSON(b *bolt.Bucket, key []byte, v any) (found bool, err error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, Errorf(EINTERNAL, "decode %q: %v", key, err)
	}
	return true, nil
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return Errorf(EINTERNAL, "encode %q: %v", key, err)
	}
	return b.Put(key, data)
}

// indexKey joins parts with a 0x00 separator, which sorts before every
// printable character, so prefix scans of a part never run into the next.
func indexKey(parts ...string) []byte {
	n := len(parts)
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}
