package store

import (
	"sync"
	"time"
)

// auditQueue appends audit lines for reads that answer many at a time
// (patient lists and searches) in the background, a group per commit, so a
// search does not wait for an fsync. A line waits at most auditFlushEvery;
// Close writes what is queued. A crash can lose the lines of that moment —
// never a line of a change a user was told was saved, which are appended in
// the change's own transaction.
type auditQueue struct {
	db      *DB
	mu      sync.Mutex
	pending []AuditEvent
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

const (
	auditFlushEvery = 20 * time.Millisecond
	auditQueueMax   = 10000
)

func (db *DB) startAuditQueue() {
	q := &auditQueue{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	db.auditQ = q
	go q.run()
}

func (q *auditQueue) run() {
	defer close(q.done)
	t := time.NewTicker(auditFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-q.kick:
		case <-q.stop:
			q.flush()
			return
		}
		q.flush()
	}
}

func (q *auditQueue) flush() {
	q.mu.Lock()
	batch := q.pending
	q.pending = nil
	q.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	err := q.db.Update(func(tx *Tx) error {
		for _, e := range batch {
			if err := AppendAudit(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		// Put them back: the next flush tries again.
		q.mu.Lock()
		q.pending = append(batch, q.pending...)
		q.mu.Unlock()
	}
}

// AuditSoon queues an audit line for a read, written within milliseconds.
// When the queue is full the line is written at once instead.
func (db *DB) AuditSoon(e AuditEvent) error {
	q := db.auditQ
	if q == nil {
		return db.Audit(e)
	}
	q.mu.Lock()
	full := len(q.pending) >= auditQueueMax
	if !full {
		q.pending = append(q.pending, e)
	}
	q.mu.Unlock()
	if full {
		select {
		case q.kick <- struct{}{}:
		default:
		}
		return db.Audit(e)
	}
	return nil
}

// FlushAudit writes queued audit lines now (tests, backups).
func (db *DB) FlushAudit() {
	if db.auditQ != nil {
		db.auditQ.flush()
	}
}

func (q *auditQueue) close() {
	close(q.stop)
	<-q.done
}
