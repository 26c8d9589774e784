package handlers

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"hotline/static"
	"hotline/store"
)

func TestPublicPages(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	c := env.client()
	for _, sc := range []scenario{
		{name: "portal top", path: "/", wantStatus: 200, wantContains: []string{"ログイン", "利用申込", "問合せフォーム", "サービスガイド", "お問合せ先", "（未設定）運営組織名"}},
		{name: "guide", path: "/guide", wantStatus: 200, wantContains: []string{"サービスガイド", "申し込み～接続までの流れ"}},
		{name: "guide flow", path: "/guide/flow", wantStatus: 200, wantContains: []string{"仮登録", "申込書の印刷・郵送", "審査・ID/PW発行", "初回ログインと証明書"}},
		{name: "guide certificate", path: "/guide/certificate", wantStatus: 200, wantContains: []string{`href="/guide/certificate" aria-current="page"`, "Windows（Google Chrome / Microsoft Edge）", "macOS（Safari / Google Chrome）", "Firefox", "1PCにつき1つ"}},
		{name: "guide menu", path: "/guide/menu", wantStatus: 200, wantContains: []string{"医療記録読書機能", "患者様登録ソフト"}},
		{name: "unknown guide topic", path: "/guide/xyz", wantStatus: 404, wantContains: []string{"ページが見つかりません"}},
		{name: "unknown path", path: "/no/such/page", wantStatus: 404, wantContains: []string{"ページが見つかりません"}},
		{name: "wrong method", method: http.MethodPut, path: "/inquiry", wantStatus: 405, wantContains: []string{"この操作はできません"},
			wantHeaders: map[string]string{"Allow": "GET, HEAD, POST"}},
		{name: "POST on a GET-only route, valid token", method: http.MethodPost, path: "/", wantStatus: 405,
			wantContains: []string{"この操作はできません"}, wantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{name: "GET on a POST-only route", path: "/logout", wantStatus: 405, wantContains: []string{"この操作はできません"},
			wantHeaders: map[string]string{"Allow": "POST"}},
		{name: "GET on a POST-only route with a parameter", path: "/admin/members/H000001/lock", wantStatus: 405,
			wantHeaders: map[string]string{"Allow": "POST"}},
		{name: "GET on the certificate issue", path: "/cert/issue", wantStatus: 405, wantHeaders: map[string]string{"Allow": "POST"}},
		{name: "OPTIONS", method: http.MethodOptions, path: "/", wantStatus: 405, wantContains: []string{"この操作はできません"},
			wantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{name: "TRACE", method: http.MethodTrace, path: "/login", wantStatus: 405, wantHeaders: map[string]string{"Allow": "GET, HEAD, POST"}},
		{name: "other method, unknown path", method: http.MethodPut, path: "/no/such/page", wantStatus: 404, wantContains: []string{"ページが見つかりません"}},
		{name: "OPTIONS, unknown path", method: http.MethodOptions, path: "/no/such/page", wantStatus: 404},
		{name: "HEAD of the portal top", method: http.MethodHead, path: "/", wantStatus: 200, wantNoBody: true,
			wantHeaders: map[string]string{"Content-Type": "text/html; charset=utf-8", "Allow": ""}},
		{name: "HEAD of a static file", method: http.MethodHead, path: static.Path("css/app.css"), wantStatus: 200, wantNoBody: true,
			wantHeaders: map[string]string{"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable"}},
		{name: "HEAD of a member page", method: http.MethodHead, path: "/menu", wantStatus: 303, wantLocation: "/login?next=%2Fmenu", wantNoBody: true},
		{name: "HEAD, unknown path", method: http.MethodHead, path: "/no/such/page", wantStatus: 404, wantNoBody: true},
		{name: "inquiry form", path: "/inquiry", wantStatus: 200, wantContains: []string{`name="name"`, `name="email"`, `name="subject"`, `name="body"`, `name="_csrf"`}},
		{name: "login form", path: "/login", wantStatus: 200, wantContains: []string{"ほっとラインID", "パスワード"}},
		{name: "menu needs login", path: "/menu", wantStatus: 303, wantLocation: "/login?next=%2Fmenu"},
		{name: "static traversal", path: "/static/../main.go", wantStatus: 404},
		{name: "static unhashed", path: "/static/css/app.css", wantStatus: 404},
	} {
		sc.run(t, c)
	}
	// HEAD tells the length of the page GET sends.
	for _, path := range []string{"/", "/guide", static.Path("css/app.css")} {
		get, head := c.get(path), c.do(http.MethodHead, path, nil, "")
		if cl := head.Header.Get("Content-Length"); cl != strconv.Itoa(len(get.Body)) || len(get.Body) == 0 {
			t.Errorf("HEAD %s: Content-Length %q, GET sent %d bytes", path, cl, len(get.Body))
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	c := env.client()
	res := c.get("/")
	want := map[string]string{
		"Content-Security-Policy":   "default-src 'self'",
		"X-Content-Type-Options":    "nosniff",
		"Referrer-Policy":           "same-origin",
		"Cache-Control":             "no-store",
		"Strict-Transport-Security": "max-age=",
		"Vary":                      "HX-Request",
	}
	for k, v := range want {
		if !strings.Contains(res.Header.Get(k), v) {
			t.Errorf("%s = %q, want it to contain %q", k, res.Header.Get(k), v)
		}
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Error("CSP lacks frame-ancestors 'none'")
	}
	if strings.Contains(res.Header.Get("Content-Security-Policy"), "unsafe-inline") || strings.Contains(res.Body, "<style") || strings.Contains(res.Body, " style=") {
		t.Error("inline styles present")
	}
	if strings.Contains(res.Body, "<script>") {
		t.Error("inline script present")
	}
	// Anonymous GETs create no session.
	if sc := res.Header.Get("Set-Cookie"); sc != "" {
		t.Errorf("anonymous GET set a cookie: %s", sc)
	}
	// Static files are cached for a year under their hashed names.
	css := c.get(static.Path("css/app.css"))
	if css.Status != 200 || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("static: %d %q", css.Status, css.Header.Get("Cache-Control"))
	}
	js := c.get(static.Path("js/htmx.min.js"))
	if js.Status != 200 || !strings.Contains(js.Header.Get("Content-Type"), "javascript") {
		t.Errorf("htmx: %d %q", js.Status, js.Header.Get("Content-Type"))
	}
}

func TestInquiry(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	valid := url.Values{"name": {"山田 花子"}, "email": {"hanako@example.jp"}, "subject": {"利用申込について"}, "body": {"申込書の送付先を教えてください。"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range valid {
			f[key] = append([]string(nil), vals...)
		}
		f.Set(k, v)
		return f
	}
	for _, sc := range []scenario{
		{name: "missing name", method: "POST", path: "/inquiry", form: with("name", ""), wantStatus: 422, wantContains: []string{"お名前を入力してください", `data-testid="error-name"`}},
		{name: "bad email", method: "POST", path: "/inquiry", form: with("email", "not-an-address"), wantStatus: 422, wantContains: []string{`data-testid="error-email"`}},
		{name: "missing body", method: "POST", path: "/inquiry", form: with("body", "   "), wantStatus: 422, wantContains: []string{"お問合せ内容を入力してください"}},
		{name: "huge subject", method: "POST", path: "/inquiry", form: with("subject", strings.Repeat("あ", 201)), wantStatus: 422, wantContains: []string{"件名は200文字以内"}},
		{name: "invalid utf-8", method: "POST", path: "/inquiry", form: with("name", "\xff\xfe"), wantStatus: 422, wantContains: []string{"使用できない文字"}},
		{name: "control characters", method: "POST", path: "/inquiry", form: with("subject", "a\x00b"), wantStatus: 422},
		{name: "no csrf", method: "POST", path: "/inquiry", form: valid, noCSRF: true, wantStatus: 403, wantContains: []string{"不正な送信"}},
		{name: "wrong csrf", method: "POST", path: "/inquiry", form: with("_csrf", "a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), wantStatus: 403},
	} {
		sc.run(t, env.client())
	}
	if qs, _ := env.db.Inquiries(""); len(qs) != 0 {
		t.Fatalf("bad input stored %d inquiries", len(qs))
	}
	c := env.client()
	c.get("/inquiry")
	res := c.post("/inquiry", valid)
	if res.Status != 303 || !strings.HasPrefix(res.Location, "/inquiry/thanks/Q") {
		t.Fatalf("valid inquiry: %d %q", res.Status, res.Location)
	}
	thanks := c.get(res.Location)
	if !strings.Contains(thanks.Body, `data-testid="inquiry-number"`) || !strings.Contains(thanks.Body, "Q000001") {
		t.Fatalf("thanks page: %s", snippet(thanks.Body))
	}
	qs, _ := env.db.Inquiries(store.InquiryOpen)
	if len(qs) != 1 || qs[0].Subject != "利用申込について" {
		t.Fatalf("stored: %+v", qs)
	}
}

func TestCSRFCrossSite(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	c := env.client()
	c.get("/inquiry")
	c.headers["Origin"] = "https://evil.example"
	res := c.post("/inquiry", url.Values{"name": {"x"}})
	if res.Status != 403 {
		t.Fatalf("cross-origin POST: %d", res.Status)
	}
	c.headers["Origin"] = "https://localhost"
	c.headers["Sec-Fetch-Site"] = "cross-site"
	if res := c.post("/inquiry", url.Values{"name": {"x"}}); res.Status != 403 {
		t.Fatalf("cross-site POST: %d", res.Status)
	}
}

func TestBodyLimit(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	base := env.listen(t)
	// A raw connection announces a body over the limit; the server answers
	// 413 before reading it (a client still writing would see a reset).
	conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 40<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || !strings.Contains(string(body), "大きすぎます") {
		t.Fatalf("oversized body: %d %s", res.StatusCode, snippet(string(body)))
	}
}

func TestHTMXFragment(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	c := env.client()
	c.headers["HX-Request"] = "true"
	c.headers["HX-Boosted"] = "true"
	res := c.get("/guide")
	if strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `<title>`) || !strings.Contains(res.Body, `id="page"`) {
		t.Fatalf("boosted request should get the page fragment: %s", snippet(res.Body))
	}
}

func TestLogPathHidesReceiptTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/apply/receipt/abc123":            "/apply/receipt/…",
		"/apply/receipt/abc123/member.pdf": "/apply/receipt/…/member.pdf",
		"/guide":                           "/guide",
	} {
		if got := logPath(in); got != want {
			t.Errorf("logPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// The cached anonymous portal follows the settings at once.
func TestPortalFollowsSettings(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	c := env.client()
	if res := c.get("/"); !strings.Contains(res.Body, "（未設定）運営組織名") {
		t.Fatal("placeholder missing")
	}
	st, _ := env.db.Settings()
	st.Organisation = "みなと地区医師会"
	if err := env.db.SaveSettings(st, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if res := c.get("/"); !strings.Contains(res.Body, "みなと地区医師会") {
		t.Fatal("portal top still shows the old settings")
	}
	// A boosted request gets the fragment, not the cached full page.
	c.headers["HX-Request"] = "true"
	if res := c.get("/"); strings.Contains(res.Body, "<html") {
		t.Fatal("boosted request got the full page")
	}
}

// TestAnonymousGETsWriteNothing: every public GET route of the route table,
// requested by a visitor without a session — as a page, as htmx fragments,
// as HEAD, and with a dead session cookie — commits no transaction, leaves
// every bucket as it was and sets no session cookie. Concrete paths come
// from the authorization matrix, so a new public route is covered by its row.
func TestAnonymousGETsWriteNothing(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	q, err := env.db.CreateInquiry(store.InquiryForm{Name: "問合 太郎", Email: "q@example.jp", Subject: "件名", Body: "本文"}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, receipt, err := env.db.CreateApplication(store.ApplicationForm{Name: "申込 五郎", NameKana: "モウシコミ ゴロウ", Qualification: "doctor",
		LicenseNumber: "123456", Email: "goro@example.jp", Phone: "03-1234-5678", FacilityChoice: "new", FacilityName: "申込内科",
		FacilityKind: "clinic", FacilityCode: "0110113719", FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1",
		FacilityPhone: "03-1234-0001"}, "")
	if err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	fixtures := map[string]string{"inquiry": q.Number, "receipt": receipt, "asset": static.Path("css/app.css")}
	if _, err := env.db.ServerCertificate(nil); err != nil { // for /ca.crt
		t.Fatal(err)
	}

	// A cookie of a session that ended (logged out).
	m := env.addMember(t, "会員 一郎", "member-Pass-2345")
	member := env.loginAs(t, m.ID, "member-Pass-2345") // password-only: no certificate
	ended := member.cookies[sessionCookie]
	if res := member.post("/logout", nil); res.Status != http.StatusSeeOther || ended == "" {
		t.Fatalf("logout: %d, cookie %q", res.Status, ended)
	}

	var paths []string
	for _, r := range env.srv.Routes() {
		if r.Access != Public || r.Method != http.MethodGet {
			continue
		}
		path := r.Path
		if row := authzMatrix[r.Method+" "+r.Path]; row.path != "" {
			path = row.path
		}
		path = placeholder.ReplaceAllStringFunc(path, func(p string) string {
			v, ok := fixtures[p[1:len(p)-1]]
			if !ok {
				t.Fatalf("GET %s: no fixture makes %s", r.Path, p)
			}
			return v
		})
		paths = append(paths, path)
	}
	paths = append(paths, "/login?next=%2Fmenu", "/apply?facility=F000001")
	if len(paths) < 12 {
		t.Fatalf("only %d public GET routes", len(paths))
	}
	variants := []struct {
		name    string
		method  string
		headers map[string]string
		cookie  string
	}{
		{"page", http.MethodGet, nil, ""},
		{"htmx request", http.MethodGet, map[string]string{"HX-Request": "true"}, ""},
		{"boosted htmx request", http.MethodGet, map[string]string{"HX-Request": "true", "HX-Boosted": "true"}, ""},
		{"htmx history restore", http.MethodGet, map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, ""},
		{"HEAD", http.MethodHead, nil, ""},
		{"unknown session cookie", http.MethodGet, nil, strings.Repeat("z", 43)},
		{"ended session cookie", http.MethodGet, nil, ended},
		{"ended session cookie, htmx", http.MethodGet, map[string]string{"HX-Request": "true"}, ended},
	}

	env.db.FlushAudit()
	before, err := env.db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	pageWrites := func() int64 { st := env.db.Stats(); return st.TxStats.GetWrite() }
	writes := pageWrites()
	for _, path := range paths {
		for _, v := range variants {
			c := env.client()
			for k, val := range v.headers {
				c.headers[k] = val
			}
			if v.cookie != "" {
				c.cookies[sessionCookie] = v.cookie
			}
			res := c.do(v.method, path, nil, "")
			if res.Status != http.StatusOK && !(v.method == http.MethodGet && res.Status == http.StatusSeeOther) {
				t.Errorf("%s %s (%s): %d", v.method, path, v.name, res.Status)
			}
			for _, sc := range res.Header.Values("Set-Cookie") {
				// A dead cookie is cleared; nothing else is set.
				if v.cookie == "" || !strings.HasPrefix(sc, sessionCookie+"=;") || !strings.Contains(sc, "max-age=0") && !strings.Contains(sc, "expires=") {
					t.Errorf("%s %s (%s) set a cookie: %s", v.method, path, v.name, sc)
				}
			}
		}
	}
	env.db.FlushAudit()
	after, err := env.db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	if n := pageWrites() - writes; n != 0 {
		t.Errorf("%d page writes while %d paths were requested %d ways each", n, len(paths), len(variants))
	}
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

	// A cookie of a session that timed out: the visitor is anonymous, the
	// cookie is cleared, and the only write is the removal of that session.
	member = env.loginAs(t, m.ID, "member-Pass-2345")
	timedOut := member.cookies[sessionCookie]
	start := time.Now()
	env.db.SetClock(func() time.Time { return time.Now().Add(time.Since(start) + store.SessionIdleTimeout + time.Minute) })
	before, _ = env.db.BucketDigests()
	c := env.client()
	c.cookies[sessionCookie] = timedOut
	res := c.get("/login")
	if res.Status != http.StatusOK || len(res.Header.Values("Set-Cookie")) != 1 || !strings.HasPrefix(res.Header.Get("Set-Cookie"), sessionCookie+"=;") {
		t.Fatalf("timed-out cookie: %d %q", res.Status, res.Header.Values("Set-Cookie"))
	}
	after, _ = env.db.BucketDigests()
	for name, d := range before {
		if after[name] != d && name != "sessions" && name != "sessions_by_member" {
			t.Errorf("timed-out cookie: bucket %s changed", name)
		}
	}
	if after["sessions"] == before["sessions"] {
		t.Error("timed-out cookie: the session was not removed")
	}
}
