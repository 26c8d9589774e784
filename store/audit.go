package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

var (
	bucketAudit          = []byte("audit")
	bucketAuditByActor   = []byte("audit_by_actor")
	bucketAuditByPatient = []byte("audit_by_patient")
	// bucketAuditClockSteps notes where the server clock went back: the
	// sequence number of an event older than the one before it → the
	// latest time of any event before it (UnixNano). Between two steps the
	// times never decrease, which lets the date filter stop early.
	bucketAuditClockSteps = []byte("audit_clock_steps")
	keyAuditHead          = []byte("audit_head")
)

// Audit results.
const (
	ResultOK     = "ok"
	ResultDenied = "denied" // refused by access control or throttling
	ResultFailed = "failed" // wrong credentials, invalid input
)

// AuditEvent is one line of the append-only, hash-chained audit log
// (監査ログ). Hash covers every other field, Prev links to the line before,
// so editing or removing any line breaks the chain from there on.
type AuditEvent struct {
	Seq     uint64      `json:"seq"`
	Time    time.Time   `json:"time"`
	Actor   string      `json:"actor"`             // ほっとラインID, "patient:<id>", "anonymous", "system"
	Action  AuditAction `json:"action"`            // e.g. login, application.approve (audit_action.go)
	Object  string      `json:"object,omitempty"`  // e.g. "application:A000001"
	Patient string      `json:"patient,omitempty"` // patient ID when patient data was touched
	Remote  string      `json:"remote,omitempty"`  // client address
	Result  string      `json:"result"`
	Detail  string      `json:"detail,omitempty"`
	Prev    string      `json:"prev"`
	Hash    string      `json:"hash"`
}

type auditHead struct {
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// Time is the last event's time, Max the latest time of any event (see
	// bucketAuditClockSteps).
	Time time.Time `json:"time,omitzero"`
	Max  time.Time `json:"max,omitzero"`
}

// next is the head after an event at seq with hash and time t; step is
// true when t is older than the event before (the clock went back).
func (h auditHead) next(seq uint64, hash string, t time.Time) (next auditHead, step bool) {
	next = auditHead{Seq: seq, Hash: hash, Time: t, Max: h.Max}
	if t.After(h.Max) {
		next.Max = t
	}
	return next, t.Before(h.Time)
}

// genesis is the Prev of the first line.
const auditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

func (e AuditEvent) computeHash() string {
	e.Hash = ""
	data, _ := json.Marshal(e)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// AppendAudit writes e at the end of the chain inside tx. The chain head is
// read from the same transaction, so this is safe inside Batch.
func AppendAudit(tx *Tx, e AuditEvent) error {
	meta := tx.bucket(bucketMeta)
	head := auditHead{Hash: auditGenesis}
	if _, err := getJSON(meta, keyAuditHead, &head); err != nil {
		return err
	}
	b := tx.bucket(bucketAudit)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	e.Time = tx.Now
	if e.Result == "" {
		e.Result = ResultOK
	}
	e.Actor = clip(e.Actor, 100)
	e.Object = clip(e.Object, 200)
	e.Detail = clip(e.Detail, 1000)
	e.Remote = clip(e.Remote, 100)
	e.Prev = head.Hash
	e.Hash = e.computeHash()
	if err := putJSON(b, itob(seq), e); err != nil {
		return err
	}
	if err := tx.bucket(bucketAuditByActor).Put(indexKey(e.Actor, string(itob(seq))), nil); err != nil {
		return err
	}
	if e.Patient != "" {
		if err := tx.bucket(bucketAuditByPatient).Put(indexKey(e.Patient, string(itob(seq))), nil); err != nil {
			return err
		}
	}
	if a := tx.db.anchors.Load(); a != nil && !tx.anchorDue && a.due(seq, e.Time) {
		tx.anchorDue = true
		tx.OnCommit(a.commitHook)
	}
	next, step := head.next(seq, e.Hash, e.Time)
	if step {
		if err := tx.bucket(bucketAuditClockSteps).Put(itob(seq), itob(uint64(head.Max.UnixNano()))); err != nil {
			return err
		}
	}
	return putJSON(meta, keyAuditHead, next)
}

// auditClockStepTx finds the last clock step at or before seq: its
// sequence number and the latest time of the events before it. ok is
// false when the times up to seq never went back.
func auditClockStepTx(tx *Tx, seq uint64) (step uint64, latestBefore time.Time, ok bool) {
	b := tx.Bucket(bucketAuditClockSteps)
	if b == nil {
		return 0, time.Time{}, false
	}
	c := b.Cursor()
	k, v := c.Seek(itob(seq))
	switch {
	case k == nil:
		k, v = c.Last()
	case btoi(k) > seq:
		k, v = c.Prev()
	}
	if k == nil || len(v) != 8 {
		return 0, time.Time{}, false
	}
	return btoi(k), time.Unix(0, int64(btoi(v))).UTC(), true
}

// eachAuditClockStep walks the log and calls fn for every clock step it
// holds (a migration builds the steps of an older file from it, and hotline
// check compares them); it returns the head's Time and Max.
func eachAuditClockStep(tx *Tx, fn func(seq uint64, latestBefore time.Time) error) (last, latest time.Time, err error) {
	var h auditHead
	c := tx.bucket(bucketAudit).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e struct {
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return last, latest, Errorf(EINTERNAL, "audit %d: %v", btoi(k), err)
		}
		next, step := h.next(btoi(k), "", e.Time)
		if step {
			if err := fn(btoi(k), h.Max); err != nil {
				return last, latest, err
			}
		}
		h = next
	}
	return h.Time, h.Max, nil
}

// Audit appends one event in its own (batched) transaction.
func (db *DB) Audit(e AuditEvent) error {
	return db.Batch(func(tx *Tx) error { return AppendAudit(tx, e) })
}

// clip bounds a string to n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// AuditVerification is the result of walking the whole chain.
type AuditVerification struct {
	Entries  uint64
	OK       bool
	BrokenAt uint64 // first sequence number that does not verify
	Problem  string
}

// VerifyAudit recomputes every hash and link of the audit chain.
func (db *DB) VerifyAudit() (AuditVerification, error) {
	var v AuditVerification
	err := db.View(func(tx *Tx) error {
		v = verifyAuditTx(tx)
		return nil
	})
	return v, err
}

func verifyAuditTx(tx *Tx) AuditVerification {
	v, _ := verifyAuditFromTx(tx, AuditMark{})
	return v
}

// AuditMark is a verified point of the chain: the sequence number and hash
// of its last event, and how many events lead up to it. The zero mark is
// the start of the chain.
type AuditMark struct {
	Seq     uint64
	Hash    string
	Entries uint64
}

// VerifyAuditFrom verifies the events appended after from, a mark an
// earlier verification returned, and that the marked event is still the
// one verified then. Changes to older events need a full walk (the zero
// mark, VerifyAudit, hotline check) to show.
func (db *DB) VerifyAuditFrom(from AuditMark) (AuditVerification, AuditMark, error) {
	var v AuditVerification
	var mark AuditMark
	err := db.View(func(tx *Tx) error {
		v, mark = verifyAuditFromTx(tx, from)
		return nil
	})
	return v, mark, err
}

func verifyAuditFromTx(tx *Tx, from AuditMark) (AuditVerification, AuditMark) {
	v := AuditVerification{OK: true, Entries: from.Entries}
	prev, last := auditGenesis, from.Seq
	fail := func(seq uint64, msg string) (AuditVerification, AuditMark) {
		v.OK, v.BrokenAt, v.Problem = false, seq, msg
		return v, from
	}
	c := tx.bucket(bucketAudit).Cursor()
	k, data := c.First()
	if from.Seq > 0 {
		k, data = c.Seek(itob(from.Seq))
		var e AuditEvent
		if k == nil || btoi(k) != from.Seq || json.Unmarshal(data, &e) != nil || e.Hash != from.Hash || e.computeHash() != e.Hash {
			return fail(from.Seq, "検証済みの記録が変更または削除されています（改ざんの可能性）")
		}
		prev = from.Hash
		k, data = c.Next()
	}
	for ; k != nil; k, data = c.Next() {
		seq := btoi(k)
		var e AuditEvent
		if err := json.Unmarshal(data, &e); err != nil {
			return fail(seq, "記録を読み取れません")
		}
		if e.Seq != seq || seq != last+1 {
			return fail(seq, fmt.Sprintf("連番が連続していません（%d の次が %d）", last, seq))
		}
		if e.Prev != prev {
			return fail(seq, "前の記録のハッシュと一致しません")
		}
		if e.computeHash() != e.Hash {
			return fail(seq, "記録の内容がハッシュと一致しません（改ざんの可能性）")
		}
		prev, last = e.Hash, seq
		v.Entries++
	}
	head := auditHead{Hash: auditGenesis}
	if _, err := getJSON(tx.bucket(bucketMeta), keyAuditHead, &head); err != nil {
		return fail(last, "チェーンの先頭情報を読み取れません")
	}
	if head.Seq != last || head.Hash != prev {
		return fail(last, "チェーンの先頭情報が最後の記録と一致しません（末尾の削除の可能性）")
	}
	return v, AuditMark{Seq: last, Hash: prev, Entries: v.Entries}
}

// AuditFilter selects audit events; zero fields match everything.
type AuditFilter struct {
	Actor   string
	Patient string
	Action  string // prefix match, e.g. "patient."
	From    time.Time
	To      time.Time // exclusive
	Before  uint64    // page backwards from this sequence (0: newest)
	Limit   int
	// Match, when set, must also accept the event (e.g. the patient's
	// 閲覧履歴 keeps only views).
	Match func(AuditEvent) bool
}

// AuditPage is one page of events, newest first.
type AuditPage struct {
	Events []AuditEvent
	Next   uint64 // pass as Before for the next page; 0 when none
}

// ListAudit returns events newest first matching f.
func (db *DB) ListAudit(f AuditFilter) (AuditPage, error) {
	var page AuditPage
	err := db.View(func(tx *Tx) error {
		var err error
		page, err = listAuditTx(tx, f)
		return err
	})
	return page, err
}

// EachAudit streams every event matching f, oldest first (CSV export).
func (db *DB) EachAudit(f AuditFilter, fn func(e AuditEvent) error) error {
	return db.View(func(tx *Tx) error {
		c := tx.bucket(bucketAudit).Cursor()
		for k, data := c.First(); k != nil; k, data = c.Next() {
			var e AuditEvent
			if err := json.Unmarshal(data, &e); err != nil {
				return Errorf(EINTERNAL, "audit %d: %v", btoi(k), err)
			}
			if !f.match(e) {
				continue
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func (f AuditFilter) match(e AuditEvent) bool {
	if f.Actor != "" && e.Actor != f.Actor {
		return false
	}
	if f.Patient != "" && e.Patient != f.Patient {
		return false
	}
	if f.Action != "" && !bytes.HasPrefix([]byte(e.Action), []byte(f.Action)) {
		return false
	}
	if !f.From.IsZero() && e.Time.Before(f.From) {
		return false
	}
	if !f.To.IsZero() && !e.Time.Before(f.To) {
		return false
	}
	return f.Match == nil || f.Match(e)
}

func listAuditTx(tx *Tx, f AuditFilter) (AuditPage, error) {
	var page AuditPage
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	audit := tx.bucket(bucketAudit)
	load := func(seq uint64) (AuditEvent, error) {
		var e AuditEvent
		_, err := getJSON(audit, itob(seq), &e)
		return e, err
	}
	// Walk an index when one narrows the search, else the log itself;
	// both newest first.
	var prefix []byte
	var c interface {
		Last() ([]byte, []byte)
		Prev() ([]byte, []byte)
		Seek([]byte) ([]byte, []byte)
	}
	switch {
	case f.Patient != "":
		prefix = append(indexKey(f.Patient), 0)
		c = tx.bucket(bucketAuditByPatient).Cursor()
	case f.Actor != "":
		prefix = append(indexKey(f.Actor), 0)
		c = tx.bucket(bucketAuditByActor).Cursor()
	default:
		c = audit.Cursor()
	}
	seqOf := func(k []byte) uint64 { return btoi(k[len(k)-8:]) }
	var k []byte
	if prefix == nil {
		if f.Before > 0 {
			k, _ = c.Seek(itob(f.Before))
			if k != nil {
				k, _ = c.Prev()
			} else {
				k, _ = c.Last()
			}
		} else {
			k, _ = c.Last()
		}
	} else {
		start := itob(^uint64(0))
		if f.Before > 0 {
			start = itob(f.Before)
		}
		k, _ = c.Seek(append(append([]byte{}, prefix...), start...))
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
	}
	for ; k != nil; k, _ = c.Prev() {
		if prefix != nil && !bytes.HasPrefix(k, prefix) {
			break
		}
		seq := seqOf(k)
		e, err := load(seq)
		if err != nil {
			return page, err
		}
		if !f.From.IsZero() && e.Time.Before(f.From) {
			// Older than the range. So is every event before it, back to
			// the last time the clock went back; the events before that
			// step are too when none of them was in the range.
			step, latestBefore, ok := auditClockStepTx(tx, seq)
			if !ok || latestBefore.Before(f.From) {
				break
			}
			// Go on from the entry before the step (Prev below).
			if prefix == nil {
				k, _ = c.Seek(itob(step))
			} else {
				k, _ = c.Seek(append(append([]byte{}, prefix...), itob(step)...))
			}
			continue
		}
		if !f.match(e) {
			continue
		}
		if len(page.Events) == f.Limit {
			page.Next = page.Events[len(page.Events)-1].Seq
			break
		}
		page.Events = append(page.Events, e)
	}
	return page, nil
}
