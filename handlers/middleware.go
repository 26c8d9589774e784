package handlers

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// csp allows only our own files: no inline script or style, no eval, no
// framing.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

func (s *Server) middleware() {
	s.app.Use(s.logRequest, s.recoverPanic, s.securityHeaders, s.loadSession, s.checkCSRF)
}

// recoverPanic turns a panic into a 500 page and a log line with the stack.
func (s *Server) recoverPanic(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic", "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = store.Errorf(store.EINTERNAL, "panic: %v", r)
		}
	}()
	return c.Next()
}

// logRequest writes one structured line per request. The query string is
// left out: searches carry patient names.
func (s *Server) logRequest(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := s.handleError(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	if strings.HasPrefix(c.Path(), "/static/") && status < 400 {
		return nil
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	attrs := []slog.Attr{
		slog.String("method", c.Method()),
		slog.String("path", logPath(c.Path())),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
		slog.String("remote", c.IP()),
	}
	if sess := web.SessionOf(c); sess != nil {
		who := sess.MemberID
		if who == "" {
			who = "patient"
		}
		attrs = append(attrs, slog.String("user", who))
	}
	s.log.LogAttrs(c.UserContext(), level, "request", attrs...)
	return nil
}

// logPath keeps secrets out of the log: receipt URLs carry the token that
// grants access to an application.
func logPath(p string) string {
	const receipt = "/apply/receipt/"
	if strings.HasPrefix(p, receipt) {
		rest := p[len(receipt):]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return receipt + "…" + rest[i:]
		}
		return receipt + "…"
	}
	return p
}

// securityHeaders go on every response; private pages are never cached.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Strict-Transport-Security", "max-age=31536000")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if !strings.HasPrefix(c.Path(), "/static/") {
		h.Set("Cache-Control", "no-store")
		h.Add("Vary", "HX-Request")
	}
	return c.Next()
}

// loadSession finds the session of the cookie, if any. It never creates one.
// The patient page (/patient/…) reads the patient's cookie and every other
// path the member's, so neither session is ever seen in the other's area;
// a session of the wrong kind in a cookie (never made so) is not used.
func (s *Server) loadSession(c *fiber.Ctx) error {
	name := web.SessionCookieFor(c.Path())
	token := c.Cookies(name)
	if token == "" || strings.HasPrefix(c.Path(), "/static/") {
		return c.Next()
	}
	want := store.SessionMember
	if name == web.PatientSessionCookie {
		want = store.SessionPatient
	}
	sess, err := s.db.SessionByToken(token)
	if err == nil && sess.Kind != want {
		err = store.NotFound()
	}
	if err != nil {
		if store.ErrorCode(err) != store.ENOTFOUND {
			return err
		}
		// A stale cookie: clear it so the browser stops sending it.
		if name == web.PatientSessionCookie {
			web.ClearPatientSessionCookie(c)
		} else {
			s.clearSessionCookie(c)
		}
		return c.Next()
	}
	web.SetSession(c, &sess)
	return c.Next()
}

func (s *Server) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: web.SessionCookie, Value: token, Path: "/",
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{
		Name: web.SessionCookie, Value: "", Path: "/", MaxAge: -1,
		Expires: time.Unix(0, 0), Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// startSession replaces any current session with a new one (a new ID at
// every login) and sets the cookie.
func (s *Server) startSession(c *fiber.Ctx, sess store.Session) (*store.Session, error) {
	if old := web.SessionOf(c); old != nil {
		_ = s.db.EndSession(old.ID)
	}
	sess.Remote = c.IP()
	sess.UserAgent = clipString(c.Get(fiber.HeaderUserAgent), 200)
	token, out, err := s.db.NewSession(sess)
	if err != nil {
		return nil, err
	}
	s.setSessionCookie(c, token)
	web.SetSession(c, &out)
	return &out, nil
}

// endSession logs out the current session.
func (s *Server) endSession(c *fiber.Ctx) error {
	if sess := web.SessionOf(c); sess != nil {
		if err := s.db.EndSession(sess.ID); err != nil {
			return err
		}
	}
	web.SetSession(c, nil)
	s.clearSessionCookie(c)
	return nil
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
