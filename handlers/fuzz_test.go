package handlers

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
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
// post-login destination, and the public and PRS forms as they arrive on
// the wire.

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

// fuzzContentTypes are the content types the form fuzzers send a body as.
var fuzzContentTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/json", "text/plain", ""}

// fuzzPost sends body to path as content type number ct with the client's
// cookies and CSRF token. ok is false when fasthttp refused the request
// before any handler (it answers 400 on a real connection), e.g. a broken
// multipart body.
func fuzzPost(env *testEnv, c *testClient, path string, ct uint8, body []byte) (status int, location string, ok bool) {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Host = "localhost"
	if typ := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]; typ != "" {
		req.Header.Set("Content-Type", typ)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	req.Header.Set("X-CSRF-Token", c.csrf)
	res, err := env.srv.App().Test(req, -1)
	if err != nil {
		return 0, "", false
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), true
}

// FuzzApplyPost sends arbitrary bodies to the public application form
// (利用申込): never a 5xx; an accepted application is stored valid and its
// receipt works; anything else stores nothing.
func FuzzApplyPost(f *testing.F) {
	env := newTestEnv(f, CertOff)
	if _, _, err := env.db.CreateTestMember(store.TestMemberSpec{Name: "会員 一郎", Password: "member-Pass-2345"}); err != nil {
		f.Fatal(err)
	}
	anon := env.client()
	anon.get("/apply")
	f.Add(uint8(0), []byte(newFacilityForm("taro@example.jp").Encode()))
	existing := url.Values{"name": {"山田 花子"}, "name_kana": {"やまだ はなこ"}, "qualification": {"nurse"}, "license_number": {"第１２３号"},
		"email": {"hanako@example.jp"}, "phone": {"0312345678"}, "facility_choice": {"existing"}, "facility_oid": {"F000001"}}
	f.Add(uint8(0), []byte(existing.Encode()))
	f.Add(uint8(0), []byte("name=\xff&email=&facility_choice=new"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n山田\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"name":"x","facility_choice":"existing"}`))
	f.Add(uint8(0), []byte("name=a&name=b&facility_choice=existing&facility_choice=new&facility_oid=F000001&facility_name=x"))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := dataDigest(t, env.db)
		status, location, ok := fuzzPost(env, anon, "/apply", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && strings.HasPrefix(location, "/apply/receipt/"):
			a, err := env.db.ApplicationByToken(strings.TrimPrefix(location, "/apply/receipt/"))
			if err != nil {
				t.Fatalf("acknowledged application not found by its receipt: %v", err)
			}
			form := store.ApplicationForm{Name: a.Name, NameKana: a.NameKana, Qualification: string(a.Qualification),
				LicenseNumber: a.LicenseNumber, Email: a.Email, Phone: a.Phone, FacilityChoice: store.FacilityChoiceExisting, FacilityOID: a.FacilityOID}
			if a.NewFacility != nil {
				nf := a.NewFacility
				form = store.ApplicationForm{Name: a.Name, NameKana: a.NameKana, Qualification: string(a.Qualification),
					LicenseNumber: a.LicenseNumber, Email: a.Email, Phone: a.Phone, FacilityChoice: store.FacilityChoiceNew,
					FacilityName: nf.Name, FacilityKind: string(nf.Kind), FacilityCode: nf.Code, FacilityPostal: nf.Postal,
					FacilityAddress: nf.Address, FacilityPhone: nf.Phone}
			}
			again := form
			if err := again.Validate(); err != nil || again != form || a.Status != store.ApplicationPending {
				t.Fatalf("stored an invalid application %+v from %q: %v", a, body, err)
			}
		case status != 422 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := dataDigest(t, env.db); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}

// FuzzPatientPost sends arbitrary bodies to 新規登録 of PRS as a member
// with PRS unlocked: never a 5xx; a registered patient is stored valid;
// anything else (invalid, a likely duplicate) stores nothing.
func FuzzPatientPost(f *testing.F) {
	pe := newPRSEnv(f)
	c := pe.unlocked(f, pe.ma)
	actor := store.PRSActor{MemberID: pe.ma.ID, FacilityOID: pe.fa.OID}
	f.Add(uint8(0), []byte(patientValues().Encode()))
	f.Add(uint8(0), []byte(patientValues("name", "佐藤 花子", "name_kana", "さとう はなこ", "chart_number", "", "insurer_number", "",
		"insured_symbol", "", "insured_number", "", "insured_branch", "").Encode()))
	f.Add(uint8(0), []byte(patientValues("confirm_duplicate", "1").Encode()))
	f.Add(uint8(0), []byte(patientValues("birth_date", "令和99年1月1日", "insurer_number", "01130013").Encode()))
	f.Add(uint8(0), []byte("name=\xff&name_kana=%00&birth_date=&sex=other"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n山田\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"name":"x","sex":"male"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := dataDigest(t, pe.db)
		status, location, ok := fuzzPost(pe.testEnv, c, "/prs/patients", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && patientLocation.MatchString(location):
			rec, err := pe.db.ViewPatient(actor, patientLocation.FindStringSubmatch(location)[1])
			if err != nil {
				t.Fatalf("registered patient not found: %v", err)
			}
			form := store.FormFromPatient(rec.Patient)
			again := form
			if err := again.Validate(); err != nil || again != form || rec.Patient.FacilityOID != pe.fa.OID {
				t.Fatalf("stored an invalid patient %+v from %q: %v %v", rec.Patient, body, err, store.ErrorFields(err))
			}
		case status != 422 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := dataDigest(t, pe.db); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}

// dataDigest is the digest of every bucket that holds data, not logs: the
// audit log and its indexes, sessions, login failures and meta (whose
// changing key is the audit chain head) are left out.
func dataDigest(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	all, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	for _, logBucket := range append([]string{"sessions", "sessions_by_member", "login_failures", "meta"}, corpusAuditBuckets...) {
		delete(all, logBucket)
	}
	return all
}
