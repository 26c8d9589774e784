package handlers

import (
	"crypto/tls"
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
// session is over. Operator pages, POSTs (with a valid CSRF token) and PRS
// included, for every line of the route table.
func TestEveryRouteNeedsTheSessionsCertificate(t *testing.T) {
	if testing.Short() {
		t.Skip("logs in twice per route over TLS")
	}
	env := newTestEnv(t, CertRequired)
	base := env.listen(t)
	w, fixtures := newAuthzWorld(t, env)
	memberCert := opsIssueCert(t, env.db, w.Member.ID)
	otherCert := opsIssueCert(t, env.db, w.Other.ID)
	operatorCert := opsIssueCert(t, env.db, w.Operator)

	type account struct {
		id, pw       string
		own, another *tls.Certificate
	}
	member := account{w.Member.ID, w.memberPW, memberCert, otherCert}
	operator := account{w.Operator, operatorPassword, operatorCert, memberCert}

	checked := map[Access]int{}
	var posts, prs int
	start := time.Now()
	for _, r := range env.srv.Routes() {
		if r.Access == Public {
			continue
		}
		if r.Access == Patient {
			t.Errorf("%s %s: patient routes take no client certificate; give them their own test", r.Method, r.Path)
			continue
		}
		key := r.Method + " " + r.Path
		path := authzPath(t, key, fixtures)
		if path == "" {
			continue
		}
		who := member
		if r.Access == Operator {
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
			b := env.certBrowser(t, base, who.own)
			b.login(who.id, who.pw, "/menu")
			b.expect(key+": menu with the certificate", b.get("/menu"), http.StatusOK)
			if !strings.HasPrefix(b.csrf, "s.") {
				t.Fatalf("%s: no session CSRF token", key)
			}
			b.present(tc.present)
			var res testResponse
			if r.Method == http.MethodGet {
				res = b.get(path)
			} else {
				res = b.do(r.Method, path, url.Values{"_csrf": {b.csrf}})
			}
			what := key + " (" + path + "), " + tc.name
			if res.Status != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403\n%s", what, res.Status, snippet(res.Body))
			} else {
				for _, want := range []string{tc.reason, "証明書", `href="/requests?kind=cert_reissue"`} {
					if !strings.Contains(res.Body, want) {
						t.Errorf("%s: the page lacks %q\n%s", what, want, snippet(res.Body))
					}
				}
			}
			if sessions, _ := env.db.MemberSessions(who.id); len(sessions) != 0 {
				t.Errorf("%s: %d sessions left", what, len(sessions))
			}
			b.present(who.own)
			if next := b.get("/menu"); next.Status != http.StatusSeeOther || next.Location != "/login?next=%2Fmenu" {
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
	if checked[Operator] == 0 || checked[Member] == 0 || checked[Pending] == 0 || checked[FacilityMember] == 0 || posts == 0 || prs == 0 {
		t.Fatalf("the route table lacks a kind of route this test must cover: %v, %d POST, %d PRS", checked, posts, prs)
	}
}
