package store

import (
	"sync"
)

// auditQueue commits the audit lines of reads that answer many at a time
// (patient lists and searches) in groups: a committer goroutine takes
// every line queued and appends them in one transaction (one fsync). There
// is no timer: an idle server commits a lone line at once, and lines that
// arrive during a commit go together in the next one. Close commits what is
// queued before the file closes.
//
// AuditSoon queues a line and returns at once, so a search is answered
// while its line is being committed instead of after an fsync (on a disk
// whose fsync takes 0.3 ms a commit is 1–2 ms, the whole budget of a
// search). A crash can lose only the lines of the commit under way at that
// instant, never a line of a change a user was told was saved: those are
// appended in the change's own transaction. AuditGrouped waits for its
// line to be durable; AuditSoon does too when the committer is far behind,
// so the queue stays bounded.
type auditQueue struct {
	db      *DB
	mu      sync.Mutex
	idle    *sync.Cond // signalled when a commit ends
	pending []queuedAudit
	closed  bool
	// busy is how many lines are being committed, commits the count of
	// commits (FlushAudit, tests and benchmarks).
	busy    int
	commits int
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// auditQueueMax is how many lines may wait before AuditSoon waits too.
const auditQueueMax = 10000

// queuedAudit is one line and the caller waiting for it (nil: nobody
// waits).
type queuedAudit struct {
	e    AuditEvent
	done chan error
}

func (db *DB) startAuditQueue() {
	q := &auditQueue{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	q.idle = sync.NewCond(&q.mu)
	db.auditQ = q
	go q.run()
}

func (q *auditQueue) run() {
	defer close(q.done)
	for {
		select {
		case <-q.kick:
			q.flush()
		case <-q.stop:
			q.flush()
			return
		}
	}
}

// flush commits everything queued in one transaction and answers the
// callers that wait.
func (q *auditQueue) flush() {
	q.mu.Lock()
	batch := q.pending
	q.pending = nil
	q.busy += len(batch)
	q.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	err := q.db.Update(func(tx *Tx) error {
		for _, w := range batch {
			if err := AppendAudit(tx, w.e); err != nil {
				return err
			}
		}
		return nil
	})
	var retry []queuedAudit
	if err != nil && len(batch) > 1 {
		// One line must not fail the others: each alone, as db.Batch
		// does.
		for _, w := range batch {
			err := q.db.Update(func(tx *Tx) error { return AppendAudit(tx, w.e) })
			if w.done != nil {
				w.done <- err
			} else if err != nil {
				retry = append(retry, w)
			}
		}
	} else {
		for _, w := range batch {
			if w.done != nil {
				w.done <- err
			} else if err != nil {
				retry = append(retry, w)
			}
		}
	}
	q.mu.Lock()
	// A line nobody waits for is not dropped: the next commit tries again.
	q.pending = append(retry, q.pending...)
	q.busy -= len(batch)
	q.commits++
	q.idle.Broadcast()
	q.mu.Unlock()
}

// enqueue adds a line (and its waiter) and wakes the committer; false when
// the queue is closed.
func (q *auditQueue) enqueue(w queuedAudit, max int) bool {
	q.mu.Lock()
	if q.closed || len(q.pending) >= max {
		q.mu.Unlock()
		return false
	}
	q.pending = append(q.pending, w)
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default: // a commit is already due; it will take this line too
	}
	return true
}

// AuditGrouped appends an audit line in a commit shared with the lines
// queued at the same time, and returns once it is durable (or with the
// error that kept it from being written).
func (db *DB) AuditGrouped(e AuditEvent) error {
	q := db.auditQ
	if q == nil {
		return db.Audit(e)
	}
	w := queuedAudit{e: e, done: make(chan error, 1)}
	if !q.enqueue(w, int(^uint(0)>>1)) {
		return db.Audit(e)
	}
	return <-w.done
}

// AuditSoon queues an audit line for the next group commit, which starts
// at once, and returns without waiting for it (see auditQueue).
func (db *DB) AuditSoon(e AuditEvent) error {
	q := db.auditQ
	if q == nil {
		return db.Audit(e)
	}
	if !q.enqueue(queuedAudit{e: e}, auditQueueMax) {
		return db.AuditGrouped(e)
	}
	return nil
}

// auditCommits is how many group commits have been made (benchmarks).
func (db *DB) auditCommits() int {
	if db.auditQ == nil {
		return 0
	}
	db.auditQ.mu.Lock()
	defer db.auditQ.mu.Unlock()
	return db.auditQ.commits
}

// FlushAudit returns once every line queued before it is committed
// (tests, backups).
func (db *DB) FlushAudit() {
	q := db.auditQ
	if q == nil {
		return
	}
	q.flush()
	q.mu.Lock()
	for q.busy > 0 {
		q.idle.Wait()
	}
	q.mu.Unlock()
}

// close commits what is queued and stops the committer; later lines are
// written alone.
func (q *auditQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	close(q.stop)
	<-q.done
}
