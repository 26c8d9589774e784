package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

var (
	bucketSessions         = []byte("sessions")
	bucketSessionsByMember = []byte("sessions_by_member")
	// bucketSessionsByPatient indexes patient sessions by patient ID, so a
	// new access card can end them.
	bucketSessionsByPatient = []byte("sessions_by_patient")
)

// Session timeouts.
const (
	SessionIdleTimeout     = 30 * time.Minute
	SessionAbsoluteTimeout = 12 * time.Hour
	// A patient's session (the patient page, often on a phone or a shared
	// computer at home) is shorter.
	PatientSessionIdleTimeout     = 15 * time.Minute
	PatientSessionAbsoluteTimeout = 2 * time.Hour
	// sessionTouchEvery bounds how often last-seen times are written: a page
	// view must not cost an fsync.
	sessionTouchEvery = time.Minute
)

// SessionKind says who a session belongs to.
type SessionKind string

const (
	SessionMember  SessionKind = "member"
	SessionPatient SessionKind = "patient"
)

// Session is a server-side login. Its key is the SHA-256 of the cookie
// token: the token itself is never stored.
type Session struct {
	ID        string      `json:"id"`
	Kind      SessionKind `json:"kind"`
	MemberID  string      `json:"member_id,omitempty"`
	PatientID string      `json:"patient_id,omitempty"`
	// PasswordOnly sessions reach only the password change, certificate
	// issue, reissue request and logout.
	PasswordOnly bool `json:"password_only"`
	// CertSerial binds the session to the client certificate it logged in
	// with (hex); empty when none was used.
	CertSerial string `json:"cert_serial,omitempty"`
	// PRSFacility is the facility OID unlocked for 患者様登録ソフト.
	PRSFacility string    `json:"prs_facility,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	LastSeenAt  time.Time `json:"last_seen_at"`
	Remote      string    `json:"remote,omitempty"`
	UserAgent   string    `json:"user_agent,omitempty"`
}

// Expired reports whether the session is past its idle or absolute timeout.
func (s Session) Expired(now time.Time) bool {
	idle, absolute := SessionIdleTimeout, SessionAbsoluteTimeout
	if s.Kind == SessionPatient {
		idle, absolute = PatientSessionIdleTimeout, PatientSessionAbsoluteTimeout
	}
	return now.Sub(s.LastSeenAt) > idle || now.Sub(s.CreatedAt) > absolute
}

// SessionKey derives the stored key from the cookie token.
func SessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sessionCache keeps sessions in memory so a page view reads no disk; every
// change goes through the store, which keeps the cache coherent.
type sessionCache struct {
	mu        sync.Mutex
	byID      map[string]*cachedSession
	persisted map[string]time.Time // last-seen value last written
}

type cachedSession struct {
	s Session
}

func newSessionCache() *sessionCache {
	return &sessionCache{byID: map[string]*cachedSession{}, persisted: map[string]time.Time{}}
}

func (c *sessionCache) put(s Session) {
	c.mu.Lock()
	c.byID[s.ID] = &cachedSession{s: s}
	c.persisted[s.ID] = s.LastSeenAt
	c.mu.Unlock()
}

func (c *sessionCache) drop(id string) {
	c.mu.Lock()
	delete(c.byID, id)
	delete(c.persisted, id)
	c.mu.Unlock()
}

func (c *sessionCache) evictPatient(patientID string) {
	c.mu.Lock()
	for id, cs := range c.byID {
		if cs.s.Kind == SessionPatient && cs.s.PatientID == patientID {
			delete(c.byID, id)
			delete(c.persisted, id)
		}
	}
	c.mu.Unlock()
}

func (c *sessionCache) evictMember(memberID, except string) {
	c.mu.Lock()
	for id, cs := range c.byID {
		if cs.s.MemberID == memberID && id != except {
			delete(c.byID, id)
			delete(c.persisted, id)
		}
	}
	c.mu.Unlock()
}

// NewSession creates and stores a session; the returned token goes into the
// cookie.
func (db *DB) NewSession(s Session) (token string, out Session, err error) {
	token = RandomToken()
	s.ID = SessionKey(token)
	err = db.Update(func(tx *Tx) error {
		s.CreatedAt, s.LastSeenAt = tx.Now, tx.Now
		return putSessionTx(tx, s)
	})
	if err != nil {
		return "", Session{}, err
	}
	db.sessions.put(s)
	return token, s, nil
}

func putSessionTx(tx *Tx, s Session) error {
	if err := putJSON(tx.bucket(bucketSessions), []byte(s.ID), s); err != nil {
		return err
	}
	if s.MemberID != "" {
		return tx.bucket(bucketSessionsByMember).Put(indexKey(s.MemberID, s.ID), nil)
	}
	if s.PatientID != "" {
		return tx.bucket(bucketSessionsByPatient).Put(indexKey(s.PatientID, s.ID), nil)
	}
	return nil
}

func deleteSessionTx(tx *Tx, s Session) error {
	if err := tx.bucket(bucketSessions).Delete([]byte(s.ID)); err != nil {
		return err
	}
	if s.MemberID != "" {
		return tx.bucket(bucketSessionsByMember).Delete(indexKey(s.MemberID, s.ID))
	}
	if s.PatientID != "" {
		return tx.bucket(bucketSessionsByPatient).Delete(indexKey(s.PatientID, s.ID))
	}
	return nil
}

// deletePatientSessionsTx ends every session of a patient (a new access
// card); the caller evicts them from the cache once the transaction
// commits.
func deletePatientSessionsTx(tx *Tx, patientID string) (int, error) {
	prefix := append(indexKey(patientID), 0)
	sessions := tx.bucket(bucketSessions)
	var ended []Session
	c := tx.bucket(bucketSessionsByPatient).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		var s Session
		if found, err := getJSON(sessions, k[len(prefix):], &s); err != nil {
			return 0, err
		} else if found {
			ended = append(ended, s)
		}
	}
	for _, s := range ended {
		if err := deleteSessionTx(tx, s); err != nil {
			return 0, err
		}
	}
	return len(ended), nil
}

// deleteMemberSessionsTx ends every session of a member except one.
func deleteMemberSessionsTx(tx *Tx, memberID, except string) error {
	for _, s := range memberSessionsTx(tx, memberID) {
		if s.ID == except {
			continue
		}
		if err := deleteSessionTx(tx, s); err != nil {
			return err
		}
	}
	return nil
}

func memberSessionsTx(tx *Tx, memberID string) []Session {
	var out []Session
	prefix := append(indexKey(memberID), 0)
	sessions := tx.bucket(bucketSessions)
	c := tx.bucket(bucketSessionsByMember).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		var s Session
		if found, err := getJSON(sessions, k[len(prefix):], &s); err == nil && found {
			out = append(out, s)
		}
	}
	return out
}

func hasPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

// SessionByToken returns the live session for a cookie token, extending its
// idle time. An expired session is removed and reported as not found.
func (db *DB) SessionByToken(token string) (Session, error) {
	if token == "" || len(token) > 200 {
		return Session{}, NotFound()
	}
	id := SessionKey(token)
	now := db.Now()
	c := db.sessions
	c.mu.Lock()
	cs, ok := c.byID[id]
	var s Session
	if ok {
		s = cs.s
	}
	c.mu.Unlock()
	if !ok {
		err := db.View(func(tx *Tx) error {
			found, err := getJSON(tx.bucket(bucketSessions), []byte(id), &s)
			if err == nil && !found {
				return NotFound()
			}
			return err
		})
		if err != nil {
			return Session{}, err
		}
		c.put(s)
	}
	if s.Expired(now) {
		_ = db.EndSession(s.ID)
		return Session{}, NotFound()
	}
	s.LastSeenAt = now
	c.mu.Lock()
	if cs, ok := c.byID[id]; ok {
		cs.s.LastSeenAt = now
	}
	stale := now.Sub(c.persisted[id]) > sessionTouchEvery
	if stale {
		c.persisted[id] = now
	}
	c.mu.Unlock()
	if stale {
		// At most once a minute per session, so the cost is bounded; a
		// failed touch only shortens the idle time.
		_ = db.Batch(func(tx *Tx) error {
			var cur Session
			found, err := getJSON(tx.bucket(bucketSessions), []byte(id), &cur)
			if err != nil || !found {
				return err
			}
			cur.LastSeenAt = now
			return putSessionTx(tx, cur)
		})
	}
	return s, nil
}

// UpdateSession stores changed session state (stage, PRS unlock, binding).
func (db *DB) UpdateSession(s Session) error {
	err := db.Update(func(tx *Tx) error {
		var cur Session
		found, err := getJSON(tx.bucket(bucketSessions), []byte(s.ID), &cur)
		if err != nil {
			return err
		}
		if !found {
			return NotFound()
		}
		return putSessionTx(tx, s)
	})
	if err == nil {
		db.sessions.put(s)
	}
	return err
}

// EndSession removes a session (logout, expiry, certificate mismatch).
func (db *DB) EndSession(id string) error {
	db.sessions.drop(id)
	return db.Update(func(tx *Tx) error {
		var s Session
		found, err := getJSON(tx.bucket(bucketSessions), []byte(id), &s)
		if err != nil || !found {
			return err
		}
		return deleteSessionTx(tx, s)
	})
}

// EndMemberSessions ends every session of a member (lock, withdrawal).
func (db *DB) EndMemberSessions(memberID string) error {
	db.sessions.evictMember(memberID, "")
	return db.Update(func(tx *Tx) error { return deleteMemberSessionsTx(tx, memberID, "") })
}

// MemberSessions lists a member's live sessions (operator view).
func (db *DB) MemberSessions(memberID string) ([]Session, error) {
	var out []Session
	now := db.Now()
	err := db.View(func(tx *Tx) error {
		for _, s := range memberSessionsTx(tx, memberID) {
			if !s.Expired(now) {
				out = append(out, s)
			}
		}
		return nil
	})
	return out, err
}

// PurgeSessions deletes expired sessions; the server runs it periodically.
func (db *DB) PurgeSessions() (int, error) {
	now := db.Now()
	var expired []Session
	err := db.View(func(tx *Tx) error {
		return tx.bucket(bucketSessions).ForEach(func(k, v []byte) error {
			var s Session
			if json.Unmarshal(v, &s) == nil && s.Expired(now) {
				expired = append(expired, s)
			}
			return nil
		})
	})
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	for _, s := range expired {
		db.sessions.drop(s.ID)
	}
	return len(expired), db.Update(func(tx *Tx) error {
		for _, s := range expired {
			if err := deleteSessionTx(tx, s); err != nil {
				return err
			}
		}
		return nil
	})
}
