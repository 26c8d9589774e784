package store

import (
	"sync"
)

// auditQueue commits the audit lines of reads that answer many at a time
// (patient lists and searches) in groups: a committer goroutine takes
// every line queued, appends them in one transaction (one fsync) and then
// answers each caller. A caller waits for its own line to be durable, so a
// crash never loses the record of a list that was shown; concurrent
// callers share the fsync. There is no timer: an idle server commits a
// lone line at once, and lines that arrive during a commit go together in
// the next one. Close commits what is queued before the file closes.
type auditQueue struct {
	db      *DB
	mu      sync.Mutex
	pending []queuedAudit
	closed  bool
	// busy is the size of the group being committed, commits the count
	// of commits (tests and benchmarks).
	busy    int
	commits int
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// queuedAudit is one line and the caller waiting for it.
type queuedAudit struct {
	e    AuditEvent
	done chan error
}

func (db *DB) startAuditQueue() {
	q := &auditQueue{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
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
// callers.
func (q *auditQueue) flush() {
	q.mu.Lock()
	batch := q.pending
	q.pending = nil
	q.busy = len(batch)
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
	q.mu.Lock()
	q.busy = 0
	q.commits++
	q.mu.Unlock()
	if err != nil && len(batch) > 1 {
		// One line must not fail the others: each alone, as db.Batch
		// does.
		for _, w := range batch {
			w.done <- q.db.Update(func(tx *Tx) error { return AppendAudit(tx, w.e) })
		}
		return
	}
	for _, w := range batch {
		w.done <- err
	}
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
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return db.Audit(e)
	}
	q.pending = append(q.pending, w)
	q.mu.Unlock()
	select {
	case q.kick <- struct{}{}:
	default: // a commit is already due; it will take this line too
	}
	return <-w.done
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

// FlushAudit commits queued audit lines now (tests, backups).
func (db *DB) FlushAudit() {
	if db.auditQ != nil {
		db.auditQ.flush()
	}
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
