package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CSRF tokens are derived, not stored, so a page view costs no write:
//   - with a session: HMAC(key, session ID) — valid while the session lives;
//   - anonymous forms (apply, inquiry, login): a time stamp and its HMAC,
//     valid for AnonTokenTTL.
// The shell's middleware requires one on every POST (ValidCSRF).

// AnonTokenTTL is how long an anonymous form token is good for.
const AnonTokenTTL = 12 * time.Hour

var b64url = base64.RawURLEncoding

func (k *Kit) mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, k.csrfKey)
	for _, p := range parts {
		m.Write(p)
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// CSRFToken is the token forms on this request's page must carry.
func (k *Kit) CSRFToken(c *fiber.Ctx) string {
	if sess := SessionOf(c); sess != nil {
		return "s." + b64url.EncodeToString(k.mac([]byte("session"), []byte(sess.ID))[:24])
	}
	return k.AnonToken(k.db.Now())
}

// AnonToken is the anonymous form token issued at the given time.
func (k *Kit) AnonToken(at time.Time) string {
	ts := make([]byte, 8)
	binary.BigEndian.PutUint64(ts, uint64(at.Unix()))
	return "a." + b64url.EncodeToString(append(ts, k.mac([]byte("anon"), ts)[:16]...))
}

// ValidCSRF reports whether token is good for this request.
func (k *Kit) ValidCSRF(c *fiber.Ctx, token string) bool {
	if len(token) < 3 || len(token) > 200 {
		return false
	}
	raw, err := b64url.DecodeString(token[2:])
	if err != nil {
		return false
	}
	switch token[:2] {
	case "s.":
		sess := SessionOf(c)
		return sess != nil && hmac.Equal(raw, k.mac([]byte("session"), []byte(sess.ID))[:24])
	case "a.":
		// An anonymous token is only good while there is no session:
		// otherwise anyone could fetch one and act for a logged-in user.
		if SessionOf(c) != nil || len(raw) != 24 {
			return false
		}
		ts := raw[:8]
		if !hmac.Equal(raw[8:], k.mac([]byte("anon"), ts)[:16]) {
			return false
		}
		age := k.db.Now().Sub(time.Unix(int64(binary.BigEndian.Uint64(ts)), 0))
		return age >= -time.Minute && age <= AnonTokenTTL
	}
	return false
}
