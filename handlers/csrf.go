package handlers

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// CSRF tokens are derived, not stored, so a page view costs no write:
//   - with a session: HMAC(key, session ID) — valid while the session lives;
//   - anonymous forms (apply, inquiry, login): a time stamp and its HMAC,
//     valid for anonTokenTTL.
// Every POST must carry one in the _csrf field or the X-CSRF-Token header,
// and a cross-site POST is refused even with a token.

const anonTokenTTL = 12 * time.Hour

var b64url = base64.RawURLEncoding

func (s *Server) mac(parts ...[]byte) []byte {
	m := hmac.New(sha256.New, s.csrfKey)
	for _, p := range parts {
		m.Write(p)
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// csrfToken is the token forms on this request's page must carry.
func (s *Server) csrfToken(c *fiber.Ctx) string {
	if sess := sessionOf(c); sess != nil {
		return "s." + b64url.EncodeToString(s.mac([]byte("session"), []byte(sess.ID))[:24])
	}
	ts := make([]byte, 8)
	binary.BigEndian.PutUint64(ts, uint64(s.db.Now().Unix()))
	return "a." + b64url.EncodeToString(append(ts, s.mac([]byte("anon"), ts)[:16]...))
}

func (s *Server) validCSRF(c *fiber.Ctx, token string) bool {
	if len(token) < 3 || len(token) > 200 {
		return false
	}
	raw, err := b64url.DecodeString(token[2:])
	if err != nil {
		return false
	}
	switch token[:2] {
	case "s.":
		sess := sessionOf(c)
		return sess != nil && hmac.Equal(raw, s.mac([]byte("session"), []byte(sess.ID))[:24])
	case "a.":
		// An anonymous token is only good while there is no session:
		// otherwise anyone could fetch one and act for a logged-in user.
		if sessionOf(c) != nil || len(raw) != 24 {
			return false
		}
		ts := raw[:8]
		if !hmac.Equal(raw[8:], s.mac([]byte("anon"), ts)[:16]) {
			return false
		}
		age := s.db.Now().Sub(time.Unix(int64(binary.BigEndian.Uint64(ts)), 0))
		return age >= -time.Minute && age <= anonTokenTTL
	}
	return false
}

// checkCSRF guards every state change.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost {
		// Every state change is a POST: mount registers only GET, HEAD and
		// POST, so any other method ends in routing's 405 or 404.
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" || !s.sameOrigin(c) {
		return csrfError()
	}
	token := c.Get("X-CSRF-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	if !s.validCSRF(c, token) {
		return csrfError()
	}
	return c.Next()
}

// sameOrigin checks the Origin header when the browser sends one.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == c.Hostname()
}

func csrfError() error {
	return &store.Error{Code: store.EFORBIDDEN, Message: "ページの有効期限が切れたか、不正な送信です。前のページに戻り、再読み込みしてからもう一度送信してください。"}
}
