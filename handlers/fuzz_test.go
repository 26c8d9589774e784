package handlers

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// Fuzz targets for what the handlers parse themselves: CSRF tokens, the
// post-login destination, and the public and PRS forms as they arrive on
// the wire.

// FuzzInquiryPost sends arbitrary bodies to the public inquiry form, as
// form, multipart or other content types: never a 5xx, and whatever is
// stored is a valid inquiry.
func FuzzInquiryPost(f *testing.F) {
	env := newTestEnv(f, web.CertOff)
	anon := env.Client()
	anon.Get("/inquiry")
	token := anon.CSRF
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
		res, err := env.App().Test(req, -1)
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
			q, err := env.DB.Inquiry(number)
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

// FuzzApplyPost sends arbitrary bodies to the public application form
// (利用申込): never a 5xx; an accepted application is stored valid and its
// receipt works; anything else stores nothing.
func FuzzApplyPost(f *testing.F) {
	env := newTestEnv(f, web.CertOff)
	if _, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "会員 一郎", Password: "member-Pass-2345"}); err != nil {
		f.Fatal(err)
	}
	anon := env.Client()
	anon.Get("/apply")
	f.Add(uint8(0), []byte(newFacilityForm("taro@example.jp").Encode()))
	existing := url.Values{"name": {"山田 花子"}, "name_kana": {"やまだ はなこ"}, "qualification": {"nurse"}, "license_number": {"第１２３号"},
		"email": {"hanako@example.jp"}, "phone": {"0312345678"}, "facility_choice": {"existing"}, "facility_oid": {"F000001"}}
	f.Add(uint8(0), []byte(existing.Encode()))
	f.Add(uint8(0), []byte("name=\xff&email=&facility_choice=new"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n山田\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"name":"x","facility_choice":"existing"}`))
	f.Add(uint8(0), []byte("name=a&name=b&facility_choice=existing&facility_choice=new&facility_oid=F000001&facility_name=x"))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := handlertest.DataDigest(t, env.DB)
		status, location, ok := handlertest.FuzzPost(env, anon, "/apply", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && strings.HasPrefix(location, "/apply/receipt/"):
			a, err := env.DB.ApplicationByToken(strings.TrimPrefix(location, "/apply/receipt/"))
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
			if after := handlertest.DataDigest(t, env.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}

// dataDigest is the digest of every bucket that holds data, not logs: the
// audit log and its indexes, sessions, login failures and meta (whose
