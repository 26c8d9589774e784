package handlers

import (
	"bytes"
	"encoding/binary"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hotline/store"
)

// Fuzz targets for what the handlers parse themselves: CSRF tokens, the
// post-login destination, and the inquiry form as it arrives on the wire.

func FuzzValidCSRF(f *testing.F) {
	env := newTestEnv(f, CertOff)
	s := env.srv
	app := fiber.New()
	sess := &store.Session{ID: store.SessionKey("fuzz-session")}

	withSession := func(fn func(c *fiber.Ctx)) {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		c.Locals(localSession, sess)
		fn(c)
	}
	anonymous := func(fn func(c *fiber.Ctx)) {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		fn(c)
	}
	var sessionToken, anonToken string
	withSession(func(c *fiber.Ctx) { sessionToken = s.csrfToken(c) })
	anonymous(func(c *fiber.Ctx) { anonToken = s.csrfToken(c) })
	for _, tok := range []string{sessionToken, anonToken, "", "s.", "a.", "s." + strings.Repeat("A", 32), anonToken + "A", sessionToken[:len(sessionToken)-1] + "B", "x." + sessionToken[2:], "s.\xff"} {
		f.Add(tok)
	}
	sessionRaw, _ := b64url.DecodeString(sessionToken[2:])
	f.Fuzz(func(t *testing.T, tok string) {
		withSession(func(c *fiber.Ctx) {
			if !s.validCSRF(c, tok) {
				return
			}
			raw, err := b64url.DecodeString(tok[2:])
			if !strings.HasPrefix(tok, "s.") || err != nil || !bytes.Equal(raw, sessionRaw) {
				t.Fatalf("token %q accepted for the session (its token is %q)", tok, sessionToken)
			}
		})
		anonymous(func(c *fiber.Ctx) {
			if !s.validCSRF(c, tok) {
				return
			}
			raw, err := b64url.DecodeString(tok[2:])
			if !strings.HasPrefix(tok, "a.") || err != nil || len(raw) != 24 ||
				!bytes.Equal(raw[8:], s.mac([]byte("anon"), raw[:8])[:16]) {
				t.Fatalf("anonymous token %q accepted", tok)
			}
			issued := int64(binary.BigEndian.Uint64(raw[:8]))
			if age := s.db.Now().Unix() - issued; age > int64(anonTokenTTL.Seconds()) || age < -60 {
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
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next {
			t.Fatalf("safeNext(%q) = %q: it accepts or refuses, never rewrites", next, got)
		}
		// Browsers drop tabs and newlines from URLs and treat a backslash
		// like a slash: what is left must still be a path on this site.
		seen := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(got)
		if !strings.HasPrefix(seen, "/") || strings.HasPrefix(seen, "//") || len(got) > 500 {
			t.Fatalf("safeNext(%q) accepted a destination a browser reads as %q", next, seen)
		}
		u, err := url.Parse(got)
		if err == nil && (u.Scheme != "" || u.Host != "") {
			t.Fatalf("safeNext(%q) accepted %q with scheme %q host %q", next, got, u.Scheme, u.Host)
		}
	})
}

// FuzzInquiryPost sends arbitrary bodies to the public inquiry form, as
// form, multipart or other content types: never a 5xx, and whatever is
// stored is a valid inquiry.
func FuzzInquiryPost(f *testing.F) {
	env := newTestEnv(f, CertOff)
	anon := env.client()
	anon.get("/inquiry")
	token := anon.csrf
	f.Add(uint8(0), []byte("name=%E5%B1%B1%E7%94%B0&email=a%40example.jp&subject=s&body=b"))
	f.Add(uint8(0), []byte("name=\xff&email=&subject=&body="))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n山田\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"name":"x"}`))
	f.Add(uint8(0), []byte("name=a&name=b&email=a@b.jp&email=c&subject=%00&body=x"))
	contentTypes := []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/json", "text/plain", ""}
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		req := httptest.NewRequest("POST", "/inquiry", bytes.NewReader(body))
		req.Host = "localhost"
		if typ := contentTypes[int(ct)%len(contentTypes)]; typ != "" {
			req.Header.Set("Content-Type", typ)
		}
		req.Header.Set("X-CSRF-Token", token)
		res, err := env.srv.App().Test(req, -1)
		if err != nil {
			// fasthttp refused the request before any handler (it answers
			// 400 on a real connection), e.g. a broken multipart body.
			return
		}
		res.Body.Close()
		switch {
		case res.StatusCode >= 500:
			t.Fatalf("status %d for %q", res.StatusCode, body)
		case res.StatusCode == 303:
			number := strings.TrimPrefix(res.Header.Get("Location"), "/inquiry/thanks/")
			q, err := env.db.Inquiry(number)
			if err != nil {
				t.Fatalf("acknowledged %s not stored: %v", number, err)
			}
			form := store.InquiryForm{Name: q.Name, Email: q.Email, Subject: q.Subject, Body: q.Body}
			if err := form.Validate(); err != nil || !utf8.ValidString(q.Name+q.Email+q.Subject+q.Body) {
				t.Fatalf("stored an invalid inquiry %+v from %q: %v", q, body, err)
			}
		case res.StatusCode != 422 && res.StatusCode != 413:
			t.Fatalf("status %d for %q", res.StatusCode, body)
		}
	})
}
