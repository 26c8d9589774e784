package handlers

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// certChecker verifies the client certificate of a request in the
// application (the TLS handshake accepts any), caching the chain check per
// certificate and the store record per certificate generation.
type certChecker struct {
	db   *store.DB
	pool *x509.CertPool
	log  *slog.Logger

	mu      sync.Mutex
	entries map[[32]byte]*certEntry
}

type certEntry struct {
	chainErr  error // the chain/usage check at a moment the leaf was valid (validity is checked per request)
	notAfter  time.Time
	notBefore time.Time
	serial    string
	gen       uint64 // store generation the record was read at
	record    store.Certificate
	recErr    error
	touched   time.Time
}

// certState is what a request's certificate says.
type certState struct {
	Presented bool
	Serial    string
	Record    store.Certificate
	Err       error // nil: a usable certificate of ours, not revoked
	// Failure: the store could not be read, so whether the certificate is
	// usable is unknown (Err is set too). It is answered as an internal
	// error: no refusal page, and the session is not ended.
	Failure error
}

// Reasons beyond the chain check.
var (
	errCertUnknown = errors.New("この証明書は登録されていません")
	errCertRevoked = errors.New("この証明書は失効しています")
)

func newCertChecker(db *store.DB, pool *x509.CertPool, log *slog.Logger) *certChecker {
	return &certChecker{db: db, pool: pool, log: log, entries: map[[32]byte]*certEntry{}}
}

// peerCertificates returns what the client presented in the handshake.
func peerCertificates(c *fiber.Ctx) []*x509.Certificate {
	st := c.Context().TLSConnectionState()
	if st == nil {
		return nil
	}
	return st.PeerCertificates
}

// check verifies the leaf presented on this connection.
func (cc *certChecker) check(certs []*x509.Certificate) certState {
	if len(certs) == 0 {
		return certState{Err: store.ErrClientCertMissing}
	}
	leaf := certs[0]
	now := cc.db.Now()
	key := sha256.Sum256(leaf.Raw)
	gen := cc.db.CertificateGeneration()

	cc.mu.Lock()
	e, ok := cc.entries[key]
	cc.mu.Unlock()
	if !ok {
		chainErr := store.VerifyClientCert(leaf, certs[1:], cc.pool, now)
		if outside := now.After(leaf.NotAfter) || now.Before(leaf.NotBefore); outside && errors.Is(chainErr, store.ErrClientCertExpired) {
			// The validity is checked on every request below; cache the
			// chain's own verdict, taken at a moment the leaf was valid.
			at := leaf.NotAfter
			if now.Before(leaf.NotBefore) {
				at = leaf.NotBefore
			}
			chainErr = store.VerifyClientCert(leaf, certs[1:], cc.pool, at)
		}
		if detail := store.ClientCertErrorDetail(chainErr); detail != "" {
			// The page says only that it is not ours; why, is for the
			// operator (once per certificate, while it is cached). The
			// subject's name stays out of the log: the ID it carries
			// (ours: the ほっとラインID) is enough to find the member.
			cc.log.Warn("client certificate refused", "reason", chainErr.Error(), "detail", detail,
				"serial", store.ClientCertSerialHex(leaf), "subject_id", leaf.Subject.SerialNumber, "issuer", leaf.Issuer.String())
		}
		e = &certEntry{
			chainErr:  chainErr,
			notAfter:  leaf.NotAfter,
			notBefore: leaf.NotBefore,
			serial:    store.ClientCertSerialHex(leaf),
			gen:       ^uint64(0),
		}
		// The chain check is the expensive part; a bounded map keeps a flood
		// of distinct certificates from growing memory.
		cc.mu.Lock()
		if len(cc.entries) > 10000 {
			clear(cc.entries)
		}
		cc.entries[key] = e
		cc.mu.Unlock()
	}
	st := certState{Presented: true, Serial: e.serial}
	if e.chainErr != nil {
		st.Err = e.chainErr
		return st
	}
	if now.After(e.notAfter) || now.Before(e.notBefore) {
		st.Err = certExpiredError{notBefore: e.notBefore, notAfter: e.notAfter, now: now}
		return st
	}
	cc.mu.Lock()
	fresh := e.gen == gen
	rec, recErr := e.record, e.recErr
	cc.mu.Unlock()
	if !fresh {
		rec, recErr = cc.db.Certificate(e.serial)
		if recErr == nil || store.ErrorCode(recErr) == store.ENOTFOUND {
			cc.mu.Lock()
			e.record, e.recErr, e.gen = rec, recErr, gen
			cc.mu.Unlock()
		}
	}
	st.Record = rec
	switch {
	case recErr != nil && store.ErrorCode(recErr) != store.ENOTFOUND:
		st.Err, st.Failure = recErr, recErr
	case recErr != nil:
		st.Err = errCertUnknown
	case rec.Revoked():
		st.Err = errCertRevoked
	case !rec.Usable(now):
		st.Err = certExpiredError{notBefore: e.notBefore, notAfter: rec.ExpiresAt, now: now}
	}
	return st
}

// certExpiredError says when the certificate was (or will be) valid; it
// matches store.ErrClientCertExpired.
type certExpiredError struct{ notBefore, notAfter, now time.Time }

func (e certExpiredError) Error() string {
	if e.now.Before(e.notBefore) {
		return "証明書の有効期間がまだ始まっていません（" + views.DateTime(e.notBefore) + " から有効。PCの時計を確認してください）"
	}
	return "証明書の有効期限が切れています（" + views.DateTime(e.notAfter) + " まで有効でした）"
}

func (e certExpiredError) Unwrap() error { return store.ErrClientCertExpired }

// touch records the certificate's last use, at most every ten minutes.
func (cc *certChecker) touch(certs []*x509.Certificate) {
	if len(certs) == 0 {
		return
	}
	key := sha256.Sum256(certs[0].Raw)
	now := cc.db.Now()
	cc.mu.Lock()
	e, ok := cc.entries[key]
	due := ok && now.Sub(e.touched) > 10*time.Minute
	if due {
		e.touched = now
	}
	cc.mu.Unlock()
	if due {
		// In the request, at most every ten minutes per certificate; a
		// failed write only leaves an older last-use time.
		_ = cc.db.TouchCertificate(e.serial, now)
	}
}

// clientCert checks the request's certificate (memoised per request).
func (s *Server) clientCert(c *fiber.Ctx) certState {
	if st, ok := c.Locals(localCert).(*certState); ok {
		return *st
	}
	st := s.certs.check(peerCertificates(c))
	c.Locals(localCert, &st)
	return st
}

const localCert = "cert"
