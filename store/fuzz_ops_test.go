package store

import (
	"hotline/store/jptext"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for the parsers and form validators that had none (the
// kana, check digit, date, contact and password ones live beside their
// tests). .ci/fuzz runs every Fuzz function of the repository briefly.

func FuzzNormalizeAccountID(f *testing.F) {
	for _, s := range []string{"", "H000001", "h000001", "Ｈ０００００１", " admin ", "ADMIN", "H00001", "H0000001", "h\xff", "patient:x", "\u3000h123456\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeAccountID(s)
		if again := NormalizeAccountID(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("%q keeps surrounding space: %q", s, got)
		}
		if memberIDPattern.MatchString(strings.ToUpper(got)) && got[0] != 'H' {
			t.Fatalf("%q: a ほっとラインID not in upper case: %q", s, got)
		}
		if got != "" && got[0] == 'H' && !memberIDPattern.MatchString(got) {
			t.Fatalf("%q: upper-case result %q is not a ほっとラインID", s, got)
		}
	})
}

func FuzzParseBirthDate(f *testing.F) {
	now := time.Date(2026, 4, 1, 15, 30, 0, 0, time.UTC) // 2026-04-02 00:30 in Japan
	for _, s := range []string{"", "2026-04-02", "2026-04-03", "令和8年4月2日", "S45.4.1", "1873-01-01", "1872-12-31", "\xff", "R8.4.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := jptext.ParseBirthDate(s, now)
		if err != nil {
			if !got.IsZero() {
				t.Fatalf("error %v with %v", err, got)
			}
			return
		}
		if got.IsZero() {
			return
		}
		if got.After(time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("jptext.ParseBirthDate(%q) = %v: after today in Japan", s, got)
		}
		if d, err := jptext.ParseDate(s); err != nil || !d.Equal(got) {
			t.Fatalf("jptext.ParseBirthDate(%q) = %v, jptext.ParseDate = %v, %v", s, got, d, err)
		}
	})
}

func FuzzParseSerialHex(f *testing.F) {
	for _, s := range []string{"", "0a1b", " 0A1B ", "xyz", strings.Repeat("f", 41), "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseSerialHex(s)
		if !ok {
			if got != "" {
				t.Fatalf("refused %q but returned %q", s, got)
			}
			return
		}
		if got == "" || len(got) > 40 || strings.Trim(got, "0123456789abcdef") != "" {
			t.Fatalf("ParseSerialHex(%q) = %q", s, got)
		}
		if again, ok := ParseSerialHex(got); !ok || again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
	})
}

func FuzzAuditQuery(f *testing.F) {
	f.Add("H000001", "pat-1", "patient.", "2026-04-01", "2026-04-30")
	f.Add("patient:AbC", "", "", "令和8年4月1日", "R8.4.1")
	f.Add("", "", "", "2026-04-02", "2026-04-01")
	f.Add("\xff", "\x00", "a\nb", "2026-02-30", "9999-99-99")
	f.Fuzz(func(t *testing.T, actor, patient, action, from, to string) {
		q := AuditQuery{Actor: actor, Patient: patient, Action: action, From: from, To: to}
		filter, err := q.Filter()
		if err != nil {
			if ErrorCode(err) != EINVALID || len(ErrorFields(err)) == 0 {
				t.Fatalf("error without field messages: %v", err)
			}
			return
		}
		for _, v := range []string{filter.Actor, filter.Patient, filter.Action} {
			if !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) || utf8.RuneCountInString(v) > 100 {
				t.Fatalf("filter field %q accepted", v)
			}
		}
		for _, tm := range []time.Time{filter.From, filter.To} {
			if tm.IsZero() {
				continue
			}
			if jst := tm.In(Tokyo); jst.Hour() != 0 || jst.Minute() != 0 || jst.Second() != 0 {
				t.Fatalf("bound %v is not midnight in Japan", tm)
			}
		}
		if !filter.From.IsZero() && !filter.To.IsZero() && !filter.From.Before(filter.To) {
			t.Fatalf("empty range accepted: %v – %v", filter.From, filter.To)
		}
	})
}

func FuzzInquiryForm(f *testing.F) {
	f.Add("山田 花子", "hanako@example.jp", "件名", "本文\n二行目")
	f.Add(" ", "x", "", "")
	f.Add("\xff", "a@b.c", "\x00", strings.Repeat("あ", 5001))
	f.Fuzz(func(t *testing.T, name, email, subject, body string) {
		form := InquiryForm{Name: name, Email: email, Subject: subject, Body: body}
		if err := form.Validate(); err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("unexpected error: %v", err)
			}
			for field := range ErrorFields(err) {
				if field != "name" && field != "email" && field != "subject" && field != "body" {
					t.Fatalf("message for unknown field %q", field)
				}
			}
			return
		}
		for _, v := range []string{form.Name, form.Email, form.Subject, form.Body} {
			if !utf8.ValidString(v) || v == "" || v != strings.TrimSpace(v) {
				t.Fatalf("accepted %+v", form)
			}
		}
		if strings.ContainsFunc(form.Name+form.Subject, isControl) || utf8.RuneCountInString(form.Body) > 5000 {
			t.Fatalf("accepted %+v", form)
		}
		again := form
		if err := again.Validate(); err != nil || again != form {
			t.Fatalf("validated form changes on a second pass: %+v → %+v, %v", form, again, err)
		}
	})
}

func FuzzCertificateRequest(f *testing.F) {
	f.Add("受付PC", "pass-phrase-1", "pass-phrase-1")
	f.Add("", "short", "other")
	f.Add("\xff", "\x00\x00\x00\x00\x00\x00\x00\x00", "\x00\x00\x00\x00\x00\x00\x00\x00")
	f.Fuzz(func(t *testing.T, device, pass, confirm string) {
		r := CertificateRequest{Device: device, Passphrase: pass, PassphraseConfirm: confirm}
		if err := r.Validate(); err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if r.Device == "" || !utf8.ValidString(r.Device) || strings.ContainsFunc(r.Device, isControl) ||
			r.Passphrase != r.PassphraseConfirm || utf8.RuneCountInString(r.Passphrase) < 8 || strings.ContainsFunc(r.Passphrase, isControl) {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzSettings(f *testing.F) {
	d := DefaultSettings()
	f.Add(d.SiteName, d.Organisation, d.Postal, d.Phone, d.Email, d.PortalURL)
	f.Add("ほっとライン", "医師会", "１０１－８３２８", "03-1234-5678", "a@example.jp", "https://hotline.example/")
	f.Add("", "\xff", "abc", "x", "y", "http://x")
	f.Fuzz(func(t *testing.T, site, org, postal, phone, email, portal string) {
		s := d
		s.SiteName, s.Organisation, s.Postal, s.Phone, s.Email, s.PortalURL = site, org, postal, phone, email, portal
		if err := s.Validate(); err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		// The portal address is optional (the server's own), else an
		// https address others can reach, ending in "/".
		if s.SiteName == "" || s.PortalURL != "" && (!strings.HasPrefix(s.PortalURL, "https://") || !strings.HasSuffix(s.PortalURL, "/") || LocalURL(s.PortalURL)) {
			t.Fatalf("accepted %+v", s)
		}
		again := s
		if err := again.Validate(); err != nil || again != s {
			t.Fatalf("validated settings change on a second pass: %+v → %+v, %v", s, again, err)
		}
	})
}
