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

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/static"
	"hotline/store"
)

func TestPublicPages(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	c := env.Client()
	for _, sc := range []handlertest.Scenario{
		{Name: "portal top", Path: "/", WantStatus: 200, WantContains: []string{"ログイン", "利用申込", "問合せフォーム", "サービスガイド", "お問合せ先", store.TestSettings().Organisation, `href="/terms"`}},
		{Name: "guide", Path: "/guide", WantStatus: 200, WantContains: []string{"サービスガイド", "申し込み～接続までの流れ"}},
		{Name: "guide flow", Path: "/guide/flow", WantStatus: 200, WantContains: []string{"仮登録", "申込書の印刷・郵送", "審査・ID/PW発行", "初回ログインと証明書"}},
		{Name: "guide certificate", Path: "/guide/certificate", WantStatus: 200, WantContains: []string{`href="/guide/certificate" aria-current="page"`, "Windows（Google Chrome / Microsoft Edge）", "macOS（Safari / Google Chrome）", "Firefox", "1PCにつき1つ"}},
		{Name: "guide menu", Path: "/guide/menu", WantStatus: 200, WantContains: []string{"医療記録読書機能", "患者様登録ソフト"}},
		{Name: "unknown guide topic", Path: "/guide/xyz", WantStatus: 404, WantContains: []string{"ページが見つかりません"}},
		{Name: "unknown path", Path: "/no/such/page", WantStatus: 404, WantContains: []string{"ページが見つかりません"}},
		{Name: "wrong method", Method: http.MethodPut, Path: "/inquiry", WantStatus: 405, WantContains: []string{"この操作はできません"},
			WantHeaders: map[string]string{"Allow": "GET, HEAD, POST"}},
		{Name: "POST on a GET-only route, valid token", Method: http.MethodPost, Path: "/", WantStatus: 405,
			WantContains: []string{"この操作はできません"}, WantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{Name: "GET on a POST-only route", Path: "/logout", WantStatus: 405, WantContains: []string{"この操作はできません"},
			WantHeaders: map[string]string{"Allow": "POST"}},
		{Name: "GET on a POST-only route with a parameter", Path: "/admin/members/H000001/lock", WantStatus: 405,
			WantHeaders: map[string]string{"Allow": "POST"}},
		{Name: "GET on the certificate issue", Path: "/cert/issue", WantStatus: 405, WantHeaders: map[string]string{"Allow": "POST"}},
		{Name: "OPTIONS", Method: http.MethodOptions, Path: "/", WantStatus: 405, WantContains: []string{"この操作はできません"},
			WantHeaders: map[string]string{"Allow": "GET, HEAD"}},
		{Name: "TRACE", Method: http.MethodTrace, Path: "/login", WantStatus: 405, WantHeaders: map[string]string{"Allow": "GET, HEAD, POST"}},
		{Name: "other method, unknown path", Method: http.MethodPut, Path: "/no/such/page", WantStatus: 404, WantContains: []string{"ページが見つかりません"}},
		{Name: "OPTIONS, unknown path", Method: http.MethodOptions, Path: "/no/such/page", WantStatus: 404},
		{Name: "HEAD of the portal top", Method: http.MethodHead, Path: "/", WantStatus: 200, WantNoBody: true,
			WantHeaders: map[string]string{"Content-Type": "text/html; charset=utf-8", "Allow": ""}},
		{Name: "HEAD of a static file", Method: http.MethodHead, Path: static.Path("css/app.css"), WantStatus: 200, WantNoBody: true,
			WantHeaders: map[string]string{"Content-Type": "text/css; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable"}},
		{Name: "HEAD of a member page", Method: http.MethodHead, Path: "/menu", WantStatus: 303, WantLocation: "/login?next=%2Fmenu", WantNoBody: true},
		{Name: "HEAD, unknown path", Method: http.MethodHead, Path: "/no/such/page", WantStatus: 404, WantNoBody: true},
		{Name: "inquiry form", Path: "/inquiry", WantStatus: 200, WantContains: []string{`name="name"`, `name="email"`, `name="subject"`, `name="body"`, `name="_csrf"`}},
		{Name: "login form", Path: "/login", WantStatus: 200, WantContains: []string{"ほっとラインID", "パスワード"}},
		{Name: "menu needs login", Path: "/menu", WantStatus: 303, WantLocation: "/login?next=%2Fmenu"},
		{Name: "static traversal", Path: "/static/../main.go", WantStatus: 404},
		{Name: "static unhashed", Path: "/static/css/app.css", WantStatus: 404},
	} {
		sc.Run(t, c)
	}
	// HEAD tells the length of the page GET sends.
	for _, path := range []string{"/", "/guide", static.Path("css/app.css")} {
		get, head := c.Get(path), c.Do(http.MethodHead, path, nil, "")
		if cl := head.Header.Get("Content-Length"); cl != strconv.Itoa(len(get.Body)) || len(get.Body) == 0 {
			t.Errorf("HEAD %s: Content-Length %q, GET sent %d bytes", path, cl, len(get.Body))
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	c := env.Client()
	res := c.Get("/")
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
	css := c.Get(static.Path("css/app.css"))
	if css.Status != 200 || !strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("static: %d %q", css.Status, css.Header.Get("Cache-Control"))
	}
	js := c.Get(static.Path("js/htmx.min.js"))
	if js.Status != 200 || !strings.Contains(js.Header.Get("Content-Type"), "javascript") {
		t.Errorf("htmx: %d %q", js.Status, js.Header.Get("Content-Type"))
	}
}

func TestInquiry(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	valid := url.Values{"name": {"山田 花子"}, "email": {"hanako@example.jp"}, "subject": {"利用申込について"}, "body": {"申込書の送付先を教えてください。"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range valid {
			f[key] = append([]string(nil), vals...)
		}
		f.Set(k, v)
		return f
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "missing name", Method: "POST", Path: "/inquiry", Form: with("name", ""), WantStatus: 422, WantContains: []string{"お名前を入力してください", `data-testid="error-name"`}},
		{Name: "bad email", Method: "POST", Path: "/inquiry", Form: with("email", "not-an-address"), WantStatus: 422, WantContains: []string{`data-testid="error-email"`}},
		{Name: "missing body", Method: "POST", Path: "/inquiry", Form: with("body", "   "), WantStatus: 422, WantContains: []string{"お問合せ内容を入力してください"}},
		{Name: "huge subject", Method: "POST", Path: "/inquiry", Form: with("subject", strings.Repeat("あ", 201)), WantStatus: 422, WantContains: []string{"件名は200文字以内"}},
		{Name: "invalid utf-8", Method: "POST", Path: "/inquiry", Form: with("name", "\xff\xfe"), WantStatus: 422, WantContains: []string{"使用できない文字"}},
		{Name: "control characters", Method: "POST", Path: "/inquiry", Form: with("subject", "a\x00b"), WantStatus: 422},
		{Name: "no csrf", Method: "POST", Path: "/inquiry", Form: valid, NoCSRF: true, WantStatus: 403, WantContains: []string{"不正な送信"}},
		{Name: "wrong csrf", Method: "POST", Path: "/inquiry", Form: with("_csrf", "a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), WantStatus: 403},
	} {
		sc.Run(t, env.Client())
	}
	if qs, _ := env.DB.Inquiries(""); len(qs) != 0 {
		t.Fatalf("bad input stored %d inquiries", len(qs))
	}
	c := env.Client()
	c.Get("/inquiry")
	res := c.Post("/inquiry", valid)
	if res.Status != 303 || !strings.HasPrefix(res.Location, "/inquiry/thanks/Q") {
		t.Fatalf("valid inquiry: %d %q", res.Status, res.Location)
	}
	thanks := c.Get(res.Location)
	if !strings.Contains(thanks.Body, `data-testid="inquiry-number"`) || !strings.Contains(thanks.Body, "Q000001") {
		t.Fatalf("thanks page: %s", handlertest.Snippet(thanks.Body))
	}
	qs, _ := env.DB.Inquiries(store.InquiryOpen)
	if len(qs) != 1 || qs[0].Subject != "利用申込について" {
		t.Fatalf("stored: %+v", qs)
	}
}

func TestCSRFCrossSite(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	c := env.Client()
	c.Get("/inquiry")
	c.Headers["Origin"] = "https://evil.example"
	res := c.Post("/inquiry", url.Values{"name": {"x"}})
	if res.Status != 403 {
		t.Fatalf("cross-origin POST: %d", res.Status)
	}
	c.Headers["Origin"] = "https://localhost"
	c.Headers["Sec-Fetch-Site"] = "cross-site"
	if res := c.Post("/inquiry", url.Values{"name": {"x"}}); res.Status != 403 {
		t.Fatalf("cross-site POST: %d", res.Status)
	}
}

func TestBodyLimit(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	// A raw connection announces a body over the limit; the server answers
	// 413 before reading it (a client still writing would see a reset).
	conn, err := tls.Dial("tcp", strings.TrimPrefix(base, "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", 70<<20)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 413 || !strings.Contains(string(body), "大きすぎます") {
		t.Fatalf("oversized body: %d %s", res.StatusCode, handlertest.Snippet(string(body)))
	}
}

func TestHTMXFragment(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	c := env.Client()
	c.Headers["HX-Request"] = "true"
	c.Headers["HX-Boosted"] = "true"
	res := c.Get("/guide")
	if strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `<title>`) || !strings.Contains(res.Body, `id="page"`) {
		t.Fatalf("boosted request should get the page fragment: %s", handlertest.Snippet(res.Body))
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
	env := newTestEnv(t, web.CertRequired)
	c := env.Client()
	if res := c.Get("/"); !strings.Contains(res.Body, store.TestSettings().Organisation) {
		t.Fatal("organisation missing")
	}
	st, _ := env.DB.Settings()
	st.Organisation = "みなと地区医師会"
	if err := env.DB.SaveSettings(st, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if res := c.Get("/"); !strings.Contains(res.Body, "みなと地区医師会") {
		t.Fatal("portal top still shows the old settings")
	}
	// A boosted request gets the fragment, not the cached full page.
	c.Headers["HX-Request"] = "true"
	if res := c.Get("/"); strings.Contains(res.Body, "<html") {
		t.Fatal("boosted request got the full page")
	}
}

// TestAnonymousGETsWriteNothing: every public GET route of the route table,
// requested by a visitor without a session — as a page, as htmx fragments,
// as HEAD, and with a dead session cookie — commits no transaction, leaves
// every bucket as it was and sets no session cookie. Concrete paths come
// from the authorization matrix, so a new public route is covered by its row.
func TestAnonymousGETsWriteNothing(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	q, err := env.DB.CreateInquiry(store.InquiryForm{Name: "問合 太郎", Email: "q@example.jp", Subject: "件名", Body: "本文"}, "")
	if err != nil {
		t.Fatal(err)
	}
	_, receipt, err := env.DB.CreateApplication(store.ApplicationForm{Name: "申込 五郎", NameKana: "モウシコミ ゴロウ", Qualification: "doctor",
		LicenseNumber: "123456", Email: "goro@example.jp", Phone: "03-1234-5678", FacilityChoice: "new", FacilityName: "申込内科",
		FacilityKind: "clinic", FacilityCode: "0110113719", FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1",
		FacilityPhone: "03-1234-0001"}, "")
	if err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	fixtures := map[string]string{"inquiry": q.Number, "receipt": receipt, "asset": static.Path("css/app.css")}
	if _, err := env.DB.ServerCertificate(nil); err != nil { // for /ca.crt
		t.Fatal(err)
	}

	// A cookie of a session that ended (logged out).
	m := env.AddMember(t, "会員 一郎", "member-Pass-2345")
	member := env.LoginAs(t, m.ID, "member-Pass-2345") // password-only: no certificate
	ended := member.Cookies[web.SessionCookie]
	if res := member.Post("/logout", nil); res.Status != http.StatusSeeOther || ended == "" {
		t.Fatalf("logout: %d, cookie %q", res.Status, ended)
	}

	var paths []string
	for _, r := range srvOf(env).Routes() {
		if r.Access != web.Public || r.Method != http.MethodGet {
			continue
		}
		path := r.Path
		if row := authzMatrix[r.Method+" "+r.Path]; row.Path != "" {
			path = row.Path
		}
		path = handlertest.Fill(t, "GET "+r.Path, path, fixtures)
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

	env.DB.FlushAudit()
	before, err := env.DB.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	pageWrites := func() int64 { st := env.DB.Stats(); return st.TxStats.GetWrite() }
	writes := pageWrites()
	for _, path := range paths {
		for _, v := range variants {
			c := env.Client()
			for k, val := range v.headers {
				c.Headers[k] = val
			}
			if v.cookie != "" {
				c.Cookies[web.SessionCookie] = v.cookie
			}
			res := c.Do(v.method, path, nil, "")
			if res.Status != http.StatusOK && !(v.method == http.MethodGet && res.Status == http.StatusSeeOther) {
				t.Errorf("%s %s (%s): %d", v.method, path, v.name, res.Status)
			}
			for _, sc := range res.Header.Values("Set-Cookie") {
				// A dead cookie is cleared; nothing else is set.
				if v.cookie == "" || !strings.HasPrefix(sc, web.SessionCookie+"=;") || !strings.Contains(sc, "max-age=0") && !strings.Contains(sc, "expires=") {
					t.Errorf("%s %s (%s) set a cookie: %s", v.method, path, v.name, sc)
				}
			}
		}
	}
	env.DB.FlushAudit()
	after, err := env.DB.BucketDigests()
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
	member = env.LoginAs(t, m.ID, "member-Pass-2345")
	timedOut := member.Cookies[web.SessionCookie]
	start := time.Now()
	env.DB.SetClock(func() time.Time { return time.Now().Add(time.Since(start) + store.SessionIdleTimeout + time.Minute) })
	before, _ = env.DB.BucketDigests()
	c := env.Client()
	c.Cookies[web.SessionCookie] = timedOut
	res := c.Get("/login")
	if res.Status != http.StatusOK || len(res.Header.Values("Set-Cookie")) != 1 || !strings.HasPrefix(res.Header.Get("Set-Cookie"), web.SessionCookie+"=;") {
		t.Fatalf("timed-out cookie: %d %q", res.Status, res.Header.Values("Set-Cookie"))
	}
	after, _ = env.DB.BucketDigests()
	for name, d := range before {
		if after[name] != d && name != "sessions" && name != "sessions_by_member" {
			t.Errorf("timed-out cookie: bucket %s changed", name)
		}
	}
	if after["sessions"] == before["sessions"] {
		t.Error("timed-out cookie: the session was not removed")
	}
}
