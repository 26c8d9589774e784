package web

import (
	"bytes"
	"encoding/binary"
	"hotline/store"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func FuzzValidCSRF(f *testing.F) {
	db, err := store.Open(filepath.Join(f.TempDir(), "test.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	s, err := NewKit(db, nil)
	if err != nil {
		f.Fatal(err)
	}
	app := fiber.New()
	sess := &store.Session{ID: store.SessionKey("fuzz-session")}

	withSession := func(fn func(c *fiber.Ctx)) {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		SetSession(c, sess)
		fn(c)
	}
	anonymous := func(fn func(c *fiber.Ctx)) {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		fn(c)
	}
	var sessionToken, anonToken string
	withSession(func(c *fiber.Ctx) { sessionToken = s.CSRFToken(c) })
	anonymous(func(c *fiber.Ctx) { anonToken = s.CSRFToken(c) })
	for _, tok := range []string{sessionToken, anonToken, "", "s.", "a.", "s." + strings.Repeat("A", 32), anonToken + "A", sessionToken[:len(sessionToken)-1] + "B", "x." + sessionToken[2:], "s.\xff"} {
		f.Add(tok)
	}
	sessionRaw, _ := b64url.DecodeString(sessionToken[2:])
	f.Fuzz(func(t *testing.T, tok string) {
		withSession(func(c *fiber.Ctx) {
			if !s.ValidCSRF(c, tok) {
				return
			}
			raw, err := b64url.DecodeString(tok[2:])
			if !strings.HasPrefix(tok, "s.") || err != nil || !bytes.Equal(raw, sessionRaw) {
				t.Fatalf("token %q accepted for the session (its token is %q)", tok, sessionToken)
			}
		})
		anonymous(func(c *fiber.Ctx) {
			if !s.ValidCSRF(c, tok) {
				return
			}
			raw, err := b64url.DecodeString(tok[2:])
			if !strings.HasPrefix(tok, "a.") || err != nil || len(raw) != 24 ||
				!bytes.Equal(raw[8:], s.mac([]byte("anon"), raw[:8])[:16]) {
				t.Fatalf("anonymous token %q accepted", tok)
			}
			issued := int64(binary.BigEndian.Uint64(raw[:8]))
			if age := s.db.Now().Unix() - issued; age > int64(AnonTokenTTL.Seconds()) || age < -60 {
				t.Fatalf("token %q accepted %d s after it was issued", tok, age)
			}
		})
	})
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"", "/menu", "//evil.example", "/\\evil.example", "/\t/evil.example", "/\n/evil", "https://evil.example",
		"/admin/audit?actor=H000001", "/%2F/evil", "/" + strings.Repeat("a", 600), " /menu", "/\x00", "/\r\nSet-Cookie: x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := SafeNext(next)
		if got == "" {
			return
		}
		if got != next {
			t.Fatalf("SafeNext(%q) = %q: it accepts or refuses, never rewrites", next, got)
		}
		// Browsers drop tabs and newlines from URLs and treat a backslash
		// like a slash: what is left must still be a path on this site.
		seen := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		if !strings.HasPrefix(seen, "/") || strings.HasPrefix(seen, "//") || len(got) > 500 {
			t.Fatalf("SafeNext(%q) accepted a destination a browser reads as %q", next, seen)
		}
		u, err := url.Parse(got)
		if err == nil && (u.Scheme != "" || u.Host != "") {
			t.Fatalf("SafeNext(%q) accepted %q with scheme %q host %q", next, got, u.Scheme, u.Host)
		}
	})
}
