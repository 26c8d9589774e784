package handlers

import (
	"crypto/tls"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestEveryRouteNeedsTheSessionsCertificate: with --client-cert required,
// every route that is not public refuses a session that was logged in with
// its certificate when the request presents none, or another account's:
// 403 with the explanation (the 証明書 and the way to a reissue), and the
// session is over. web.Operator pages, POSTs (with a valid CSRF token) and PRS
// included, for every line of the route table.
func TestEveryRouteNeedsTheSessionsCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("logs in twice per route over TLS")
	}
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	w, fixtures := newAuthzWorld(t, env)
	memberCert := handlertest.IssueCert(t, env.DB, w.Member.ID)
	otherCert := handlertest.IssueCert(t, env.DB, w.Other.ID)
	operatorCert := handlertest.IssueCert(t, env.DB, w.Operator)

	type account struct {
		id, pw       string
		own, another *tls.Certificate
	}
	member := account{w.Member.ID, w.MemberPW, memberCert, otherCert}
	operator := account{w.Operator, handlertest.OperatorPassword, operatorCert, memberCert}

	checked := map[web.Access]int{}
	var posts, prs int
	start := time.Now()
	for _, r := range srvOf(env).Routes() {
		if r.Access == web.Public {
			continue
		}
		if r.Access == web.Patient {
			// Patient routes take no client certificate: handlers/patient
			// tests them without one.
			continue
		}
		key := r.Method + " " + r.Path
		path := authzMatrix.PathOf(t, key, fixtures)
		if path == "" {
			continue
		}
		who := member
		if r.Access == web.Operator {
			who = operator
		}
		for _, tc := range []struct {
			name    string
			present *tls.Certificate
			reason  string
		}{
			{"no certificate", nil, "この端末には証明書がインストールされていません"},
			{"another account's certificate", who.another, "この証明書は別のアカウントのものです"},
		} {
			b := newCertBrowser(env, t, base, who.own)
			landing := "/menu" // operators too: their menu leads with 管理
			b.Login(who.id, who.pw, landing)
			b.expect(key+": menu with the certificate", b.Get("/menu"), http.StatusOK)
			if !strings.HasPrefix(b.csrf, "s.") {
				t.Fatalf("%s: no session CSRF token", key)
			}
			b.present(tc.present)
			var res handlertest.Response
			if r.Method == http.MethodGet {
				res = b.Get(path)
			} else {
				res = b.Do(r.Method, path, url.Values{"_csrf": {b.csrf}})
			}
			what := key + " (" + path + "), " + tc.name
			if res.Status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403\n%s", what, res.Status, handlertest.Snippet(res.Body))
			} else {
				for _, want := range []string{tc.reason, "証明書", `href="/requests?kind=cert_reissue"`} {
					if !strings.Contains(res.Body, want) {
						t.Errorf("%s: the page lacks %q\n%s", what, want, handlertest.Snippet(res.Body))
					}
				}
			}
			if sessions, _ := env.DB.MemberSessions(who.id); len(sessions) != 0 {
				t.Errorf("%s: %d sessions left", what, len(sessions))
			}
			b.present(who.own)
			if next := b.Get("/menu"); next.Status != http.StatusSeeOther || next.Location != "/login?next=%2Fmenu" {
				t.Errorf("%s: next request with the certificate: %d %q, want the login", what, next.Status, next.Location)
			}
		}
		checked[r.Access]++
		if r.Method == http.MethodPost {
			posts++
		}
		if strings.HasPrefix(r.Path, "/prs") {
			prs++
		}
	}
	t.Logf("%v routes by access, %d POST, %d PRS, in %v", checked, posts, prs, time.Since(start))
	if checked[web.Operator] == 0 || checked[web.Member] == 0 || checked[web.Pending] == 0 || checked[web.FacilityMember] == 0 || posts == 0 || prs == 0 {
		t.Fatalf("the route table lacks a kind of route this test must cover: %v, %d POST, %d PRS", checked, posts, prs)
	}
}
