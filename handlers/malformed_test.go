package handlers

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hotline/static"
	"hotline/store"
)

// The malformed request corpus: requests a careless or hostile client
// sends, written byte for byte on a real TLS connection (so even requests
// Go's own client refuses to send get through). None may be answered with
// a 5xx, and together they must leave the data as it was: the digest of
// every bucket except the logs (audit and its indexes, sessions, login
// failures, and meta, whose only changing key is the audit chain head) is
// compared before and after.
//
// Requests that need to be refused whatever the route (wrong method,
// missing or wrong CSRF token) are generated from the route table, so new
// routes are covered without a new line; field-level junk goes only to
// forms whose every malformed variant is known to be rejected.

type badRequest struct {
	name    string
	as      *opsRole // nil: anonymous, no certificate
	method  string
	target  string
	headers []string
	body    []byte
	// raw, when set, is written as is (request line and all).
	raw []byte
	// want, when set, is the exact status; else anything below 500.
	want int
	// mayDrop accepts a closed connection without an answer (the request
	// was not HTTP at all).
	mayDrop bool
}

func (b badRequest) bytes(cookie string) []byte {
	if b.raw != nil {
		return b.raw
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", b.method, b.target)
	for _, h := range b.headers {
		buf.WriteString(h + "\r\n")
	}
	if cookie != "" {
		buf.WriteString("Cookie: " + cookie + "\r\n")
	}
	if b.body != nil {
		fmt.Fprintf(&buf, "Content-Length: %d\r\n", len(b.body))
	}
	buf.WriteString("\r\n")
	buf.Write(b.body)
	return buf.Bytes()
}

const formType = "Content-Type: application/x-www-form-urlencoded"

// send writes the request on a fresh TLS connection presenting the role's
// certificate and reads the answer (status 0: none came).
func (b badRequest) send(t *testing.T, addr string, certs map[*opsRole]*tls.Certificate) (int, string) {
	t.Helper()
	cfg := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}
	cookie := ""
	if b.as != nil {
		if c := certs[b.as]; c != nil {
			cfg.Certificates = []tls.Certificate{*c}
		}
		u, _ := url.Parse(b.as.base)
		for _, c := range b.as.client.Jar.Cookies(u) {
			cookie = c.Name + "=" + c.Value
		}
	}
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(b.bytes(cookie)); err != nil {
		return 0, ""
	}
	// Nothing more is coming: a request that promised more body ends here
	// instead of waiting for the server's read timeout.
	conn.CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, string(body)
}

func TestMalformedRequestCorpus(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	base := env.listen(t)
	addr := strings.TrimPrefix(base, "https://")
	m, _, err := env.db.CreateTestMember(store.TestMemberSpec{Name: "会員 一郎", Password: "member-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.EnsureFirstOperator(operatorPassword, false); err != nil {
		t.Fatal(err)
	}
	q, _ := env.db.CreateInquiry(store.InquiryForm{Name: "問合 太郎", Email: "q@example.jp", Subject: "件名", Body: "本文"}, "")
	memberCert, opCert := opsIssueCert(t, env.db, m.ID), opsIssueCert(t, env.db, "admin")
	anon := env.opsRole(t, base, "anon", "", "", nil)
	member := env.opsRole(t, base, "member", m.ID, "member-Pass-2345", memberCert)
	op := env.opsRole(t, base, "operator", "admin", operatorPassword, opCert)
	certs := map[*opsRole]*tls.Certificate{member: memberCert, op: opCert}

	corpus := generatedCorpus(env, anon, member, op, q.Number)
	corpus = append(corpus, formCorpus(anon, member)...)
	corpus = append(corpus, protocolCorpus(member, op)...)
	if len(corpus) < 200 {
		t.Fatalf("corpus has %d requests, want at least 200", len(corpus))
	}

	// Let the logins' background writes (certificate last use, session
	// touch) land before the "before" picture.
	time.Sleep(200 * time.Millisecond)
	before := dataDigest(t, env.db)
	statuses := map[int]int{}
	for _, b := range corpus {
		status, body := b.send(t, addr, certs)
		statuses[status]++
		switch {
		case status == 0 && !b.mayDrop:
			t.Errorf("%s: no answer", b.name)
		case status >= 500:
			t.Errorf("%s: %d\n%s", b.name, status, snippet(body))
		case b.want != 0 && status != b.want:
			t.Errorf("%s: %d, want %d\n%s", b.name, status, b.want, snippet(body))
		}
	}
	t.Logf("%d malformed requests; answers by status: %v", len(corpus), statuses)
	time.Sleep(100 * time.Millisecond)
	after := dataDigest(t, env.db)
	for name, d := range before {
		if after[name] != d {
			t.Errorf("bucket %s changed", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("bucket %s appeared", name)
		}
	}
	if r, err := env.db.Check(store.CheckOptions{}); err != nil || !r.OK() {
		t.Fatalf("check after the corpus: %v %v", err, r.Problems)
	}
	if res := anon.do(t, http.MethodGet, "/", nil, ""); res.Status != 200 {
		t.Fatalf("server after the corpus: %d", res.Status)
	}
}

// dataDigest is the digest of every bucket that holds data (not logs).
func dataDigest(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	all, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	for _, logBucket := range []string{"audit", "audit_by_actor", "audit_by_patient", "sessions", "sessions_by_member", "login_failures", "meta"} {
		delete(all, logBucket)
	}
	return all
}

var routeParam = regexp.MustCompile(`:[a-z_]+|\*`)

// generatedCorpus derives requests from the route table.
func generatedCorpus(env *testEnv, anon, member, op *opsRole, inquiry string) []badRequest {
	var out []badRequest
	junkParams := []string{"%FF%FE", strings.Repeat("A", 4000), "..%2F..%2F..%2Fetc%2Fpasswd", "%00", "%E3%81", "<script>"}
	for _, r := range env.srv.Routes() {
		concrete := routeParam.ReplaceAllStringFunc(r.Path, func(p string) string {
			if p == "*" {
				return "x"
			}
			return inquiry
		})
		key := r.Method + " " + r.Path
		// Methods no route takes.
		for _, method := range []string{"PUT", "DELETE", "PATCH"} {
			out = append(out, badRequest{name: key + " as " + method, as: op, method: method, target: concrete,
				headers: []string{formType, "X-CSRF-Token: " + op.csrf}, body: []byte("_csrf=" + url.QueryEscape(op.csrf)), want: 405})
		}
		// Junk in the path parameters and the query.
		if strings.ContainsAny(r.Path, ":*") {
			for _, j := range junkParams {
				target := routeParam.ReplaceAllString(r.Path, j)
				out = append(out, badRequest{name: key + " with parameter " + clipString(j, 20), as: op, method: http.MethodGet, target: target})
			}
		}
		if r.Method == http.MethodGet {
			out = append(out, badRequest{name: key + " with a broken query", as: member, method: http.MethodGet,
				target: concrete + "?next=%FF&q=%zz&before=-1&from=%00&to=" + strings.Repeat("9", 300) + "&actor[]=x&patient=%E3%81"})
			continue
		}
		// State changes without a valid token, or from another site.
		refused := []struct {
			name    string
			headers []string
			body    string
		}{
			{"no token", []string{formType}, "a=b"},
			{"made-up session token", []string{formType}, "_csrf=s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
			{"anonymous token while logged in", []string{formType}, "_csrf=" + url.QueryEscape(anon.csrf)},
			{"another session's token", []string{formType}, "_csrf=" + url.QueryEscape(member.csrf)},
			{"cross-site origin", []string{formType, "Origin: https://evil.example"}, "_csrf=" + url.QueryEscape(op.csrf)},
			{"cross-site fetch", []string{formType, "Sec-Fetch-Site: cross-site"}, "_csrf=" + url.QueryEscape(op.csrf)},
			{"token in a bad header", []string{formType, "X-CSRF-Token: s.\xff\xfe"}, ""},
			{"empty token", []string{formType}, "_csrf="},
			{"duplicate tokens, first wrong", []string{formType}, "_csrf=s.x&_csrf=" + url.QueryEscape(op.csrf)},
		}
		for _, c := range refused {
			out = append(out, badRequest{name: key + ": " + c.name, as: op, method: http.MethodPost, target: concrete,
				headers: c.headers, body: []byte(c.body), want: 403})
		}
		out = append(out, badRequest{name: key + ": stale session", method: http.MethodPost, target: concrete,
			headers: []string{formType, "Cookie: " + sessionCookie + "=" + strings.Repeat("z", 32)}, body: []byte("_csrf=s.AAAA"), want: 403})
	}
	return out
}

// formCorpus sends junk field by field to forms that reject every variant
// (the inquiry form, a login that cannot succeed, a password change whose
// new password is always unacceptable).
func formCorpus(anon, member *opsRole) []badRequest {
	var out []badRequest
	type form struct {
		as     *opsRole
		path   string
		fields url.Values
		// spoil makes the form invalid however the field under test is
		// mangled: it is set to "\xff", or, when it is the field under
		// test, alt is emptied.
		spoil, alt string
	}
	forms := []form{
		{anon, "/inquiry", url.Values{"name": {"山田 花子"}, "email": {"hanako@example.jp"}, "subject": {"件名"}, "body": {"本文"}}, "email", "name"},
		{anon, "/apply", newFacilityForm("taro@example.jp"), "email", "name"},
		{anon, "/login", url.Values{"id": {"H999999"}, "password": {"wrong-password"}}, "", ""},
		{member, "/password", url.Values{"current": {"member-Pass-2345"}, "new": {"short"}, "confirm": {"short"}}, "new", "confirm"},
	}
	junk := []struct{ name, value string }{
		{"invalid UTF-8", "\xff\xfe\xfd"},
		{"overlong UTF-8", "\xc0\xaf"},
		{"NUL", "a\x00b"},
		{"control characters", "\x1b[31m\x07"},
		{"CR LF", "a\r\nSet-Cookie: x=y"},
		{"huge", strings.Repeat("長", 300000)},
		{"long ASCII", strings.Repeat("a", 100000)},
		{"bidi override", "\u202egnp.exe"},
		{"lone surrogate", "\xed\xa0\x80"},
		{"HTML", `"><script>alert(1)</script>`},
	}
	for _, f := range forms {
		for field := range f.fields {
			for _, j := range junk {
				v := url.Values{}
				for k, vals := range f.fields {
					v[k] = vals
				}
				v.Set(field, j.value)
				switch {
				case f.spoil == "":
				case f.spoil != field:
					v.Set(f.spoil, "\xff")
				default:
					v.Set(f.alt, "")
				}
				v.Set("_csrf", f.as.csrf)
				out = append(out, badRequest{name: f.path + " " + field + ": " + j.name, as: roleOrNil(f.as), method: http.MethodPost,
					target: f.path, headers: []string{formType}, body: []byte(v.Encode())})
			}
			// Wrong shapes: arrays, maps, duplicates with the first invalid.
			for _, shape := range []string{field + "[]=x", field + "[a]=x", field + "=%FF&" + field + "=ok", field + "=%zz"} {
				body := shape + "&_csrf=" + url.QueryEscape(f.as.csrf)
				if f.spoil != "" && f.spoil != field {
					body += "&" + f.spoil + "=%FF"
				}
				if f.path == "/login" {
					body += "&id=H999999"
				}
				out = append(out, badRequest{name: f.path + " " + field + " shaped " + shape, as: roleOrNil(f.as), method: http.MethodPost,
					target: f.path, headers: []string{formType}, body: []byte(body)})
			}
		}
		tok := url.QueryEscape(f.as.csrf)
		bodies := []struct {
			name    string
			headers []string
			body    string
		}{
			{"JSON", []string{"Content-Type: application/json", "X-CSRF-Token: " + f.as.csrf}, `{"name":["x"],"email":{"$gt":""}}`},
			{"text/plain", []string{"Content-Type: text/plain", "X-CSRF-Token: " + f.as.csrf}, "name=x&email=y"},
			{"no content type", []string{"X-CSRF-Token: " + f.as.csrf}, "name=%FF"},
			{"Shift_JIS claimed", []string{"Content-Type: application/x-www-form-urlencoded; charset=shift_jis"}, "name=%83%65%83%58%83%67&email=x&_csrf=" + tok},
			{"gzip claimed", []string{formType, "Content-Encoding: gzip"}, "\x1f\x8b\x08garbage&_csrf=" + tok},
			{"multipart without boundary", []string{"Content-Type: multipart/form-data", "X-CSRF-Token: " + f.as.csrf}, "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--x--\r\n"},
			{"multipart wrong boundary", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--xyz--\r\n"},
			{"multipart truncated", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--abc\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx"},
			{"multipart part without name", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--abc\r\nContent-Disposition: form-data\r\n\r\nx\r\n--abc--\r\n"},
			{"multipart file instead of field", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--abc\r\nContent-Disposition: form-data; name=\"email\"; filename=\"../../x.sh\"\r\nContent-Type: application/x-sh\r\n\r\n#!/bin/sh\r\n--abc--\r\n"},
			{"multipart huge part header", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--abc\r\nContent-Disposition: form-data; name=\"" + strings.Repeat("n", 20000) + "\"\r\n\r\nx\r\n--abc--\r\n"},
			{"multipart nested", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--abc\r\nContent-Type: multipart/mixed; boundary=def\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n--def\r\n\r\nx\r\n--def--\r\n--abc--\r\n"},
			{"multipart with invalid UTF-8 name", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + f.as.csrf}, "--abc\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\n\xff\r\n--abc--\r\n"},
			{"only separators", []string{formType}, "&&&&====&&&_csrf=" + tok},
			{"very many fields", []string{formType}, strings.Repeat("x=1&", 20000) + "_csrf=" + tok},
		}
		for _, b := range bodies {
			if f.path == "/login" {
				b.body += "&id=H999999"
			}
			if f.spoil != "" {
				b.body += "&" + f.spoil + "=%FF"
			}
			out = append(out, badRequest{name: f.path + " " + b.name, as: roleOrNil(f.as), method: http.MethodPost,
				target: f.path, headers: b.headers, body: []byte(b.body)})
		}
	}
	return out
}

func roleOrNil(r *opsRole) *opsRole {
	if r.id == "" {
		return nil
	}
	return r
}

// protocolCorpus breaks HTTP itself: request lines, headers, paths.
func protocolCorpus(member, op *opsRole) []badRequest {
	asset := static.Path("css/app.css")
	var out []badRequest
	for _, p := range []string{
		"/static/../main.go", "/static/..%2fmain.go", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/%252e%252e%252fmain.go",
		"/static/css/..%5c..%5cmain.go", "/static/css/app.css%00.js", "/static/" + strings.Repeat("../", 50) + "etc/passwd",
		"/static//etc/passwd", "/static/css/../../go.mod", asset + "/..", asset + "%00", "/static/css/", "/static/",
		"/static/fonts/ipaexg.ttf", "/static/%C0%AE%C0%AE/main.go", "/..%2f..%2fetc/passwd", "//etc/passwd", "/./admin/audit",
	} {
		out = append(out, badRequest{name: "traversal " + p, method: http.MethodGet, target: p})
	}
	lines := []struct {
		name    string
		raw     string
		mayDrop bool
	}{
		{"LF only line ends", "GET / HTTP/1.1\nHost: localhost\nConnection: close\n\n", false},
		{"CR in a header value", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\rb\r\nConnection: close\r\n\r\n", true},
		{"header without colon", "GET / HTTP/1.1\r\nHost: localhost\r\nNoColonHere\r\nConnection: close\r\n\r\n", true},
		{"space before colon", "GET / HTTP/1.1\r\nHost : localhost\r\nConnection: close\r\n\r\n", true},
		{"folded header", "GET / HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n b\r\nConnection: close\r\n\r\n", true},
		{"no Host", "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", true},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n", true},
		{"absolute URI", "GET https://evil.example/admin/audit HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"asterisk target", "OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"HTTP/9.9", "GET / HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"HTTP/0.9", "GET /\r\n\r\n", true},
		{"lower-case method", "get / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"unknown method", "BREW / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"CONNECT", "CONNECT localhost:443 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"TRACE", "TRACE / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"binary garbage", "\x16\x03\x01\x00\xff\xfe\x00\x00\r\n\r\n", true},
		{"empty request", "\r\n\r\n", true},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"NUL in target", "GET /\x00 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"huge target", "GET /" + strings.Repeat("a", 100000) + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", true},
		{"huge header", "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + strings.Repeat("b", 64000) + "\r\nConnection: close\r\n\r\n", true},
		{"many headers", "GET / HTTP/1.1\r\nHost: localhost\r\n" + strings.Repeat("X-N: 1\r\n", 3000) + "Connection: close\r\n\r\n", true},
		{"invalid header name", "GET / HTTP/1.1\r\nHost: localhost\r\nX(A): b\r\nConnection: close\r\n\r\n", true},
		{"smuggling CL and TE", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /admin/audit HTTP/1.1\r\nHost: localhost\r\n\r\n", true},
		{"two Content-Lengths", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 10\r\nConnection: close\r\n\r\nabc", true},
		{"negative Content-Length", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\nConnection: close\r\n\r\n", true},
		{"bad chunk size", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", true},
		{"chunk size overflow", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n", true},
		{"unknown transfer coding", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", true},
		{"body shorter than declared", "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nConnection: close\r\n\r\nname=x", true},
	}
	for _, l := range lines {
		out = append(out, badRequest{name: "protocol: " + l.name, raw: []byte(l.raw), mayDrop: l.mayDrop})
	}
	// Cookies and session headers.
	for _, c := range []string{
		sessionCookie + "=" + strings.Repeat("x", 8000),
		sessionCookie + "=\xff\xfe",
		sessionCookie + "=a; " + sessionCookie + "=b; " + sessionCookie + "=c",
		sessionCookie + "=%00%0d%0a",
		strings.Repeat("c=1; ", 1000),
		"=; ; ;=;",
	} {
		out = append(out, badRequest{name: "cookie " + clipString(c, 30), method: http.MethodGet, target: "/menu", headers: []string{"Cookie: " + c}})
	}
	for _, h := range []string{"HX-Request: \xff", "HX-Request: true\r\nHX-Boosted: true", "Accept-Language: " + strings.Repeat("ja,", 3000),
		"Range: bytes=0-1,2-3,4-5", "If-None-Match: " + strings.Repeat("\"x\",", 2000), "X-Forwarded-For: 1.2.3.4\r\nX-Real-IP: <script>", "Origin: null"} {
		out = append(out, badRequest{name: "header " + clipString(h, 30), as: member, method: http.MethodGet, target: "/menu", headers: []string{h}})
	}
	// The operator's search forms.
	for _, q := range []string{
		"actor=%FF", "actor=" + strings.Repeat("a", 5000), "patient=%00", "action=%1B%5B31m", "from=%E4%BB%A4%E5%92%8C99%E5%B9%B4", "from=0000-00-00",
		"to=9999-99-99", "from=2026-02-30", "before=18446744073709551615", "before=-5", "before=abc", "from=" + strings.Repeat("9", 70),
	} {
		out = append(out, badRequest{name: "audit search " + clipString(q, 30), as: op, method: http.MethodGet, target: "/admin/audit?" + q})
		out = append(out, badRequest{name: "audit export " + clipString(q, 30), as: op, method: http.MethodGet, target: "/admin/audit.csv?" + q})
	}
	return out
}
