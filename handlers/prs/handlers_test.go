package prs_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
)

// TestPRSAuthorizationMatrix runs every PRS route as each kind of visitor.
func TestPRSAuthorizationMatrix(t *testing.T) {
	pe := newRegion(t)
	own := pe.Unlocked(t, pe.MA)
	linked := pe.Unlocked(t, pe.MB)
	stranger := pe.Unlocked(t, pe.MC)
	id := handlertest.Register(t, own, handlertest.PatientValues())
	if res := own.Post("/prs/patients/"+id+"/links", url.Values{"facility_oid": {pe.FB.OID}, "consent": {"on"}, "consent_method": {"verbal"}}); res.Status != 303 {
		t.Fatalf("link: %d", res.Status)
	}
	pp := "/prs/patients/" + id

	// A 303 must go exactly where the route sends a success: a 303 to
	// /prs/login (the unlock lost) or /login is a failure for every role
	// that should get through.
	type want struct {
		status int
		loc    *regexp.Regexp // the whole Location of a 303
	}
	const (
		anon     = "anonymous"
		locked   = "member without PRS unlock"
		operator = "operator"
		other    = "other facility, unlinked"
		linkedTo = "other facility, linked"
		home     = "own facility"
	)
	ok, forbidden, notFound, invalid := want{status: 200}, want{status: 403}, want{status: 404}, want{status: 422}
	to := func(loc string) want {
		return want{status: 303, loc: regexp.MustCompile("^" + regexp.QuoteMeta(loc) + "$")}
	}
	registered := want{status: 303, loc: handlertest.PatientLocation}
	done := func(key string) want { return to(pp + "?done=" + key) }
	type route struct {
		method, path string
		form         func() url.Values
		want         map[string]want // for other, linkedTo and home
	}
	n := 0
	newPatient := func() url.Values {
		n++
		return handlertest.PatientValues("name", "行列 試験", "name_kana", "ギョウレツ シケン", "chart_number", "M"+string(rune('A'+n)))
	}
	routes := []route{
		{"GET", "/prs", nil, map[string]want{other: ok, linkedTo: ok, home: ok}},
		{"GET", "/prs/patients", nil, map[string]want{other: ok, linkedTo: ok, home: ok}},
		{"GET", "/prs/patients?q=%E3%82%84%E3%81%BE%E3%81%A0", nil, map[string]want{other: ok, linkedTo: ok, home: ok}},
		{"GET", "/prs/patients/new", nil, map[string]want{other: ok, linkedTo: ok, home: ok}},
		{"GET", "/prs/linked", nil, map[string]want{other: ok, linkedTo: ok, home: ok}},
		{"GET", "/prs/facility", nil, map[string]want{other: ok, linkedTo: ok, home: ok}},
		{"POST", "/prs/patients", newPatient, map[string]want{other: registered, linkedTo: registered, home: registered}},
		{"POST", "/prs/facility", func() url.Values { return url.Values{} }, map[string]want{other: to("/prs/facility?done=prs-facility"), linkedTo: to("/prs/facility?done=prs-facility"), home: to("/prs/facility?done=prs-facility")}},
		{"GET", pp, nil, map[string]want{other: notFound, linkedTo: ok, home: ok}},
		{"GET", pp + "/edit", nil, map[string]want{other: notFound, linkedTo: forbidden, home: ok}},
		{"POST", pp + "/edit", func() url.Values {
			return handlertest.PatientValues("version", "1", "birth_date", "むかし", "name_kana", "山田")
		}, map[string]want{other: notFound, linkedTo: forbidden, home: invalid}},
		{"POST", pp + "/edit", func() url.Values { return handlertest.PatientValues("version", "1", "phone", "03-5555-6666") }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-updated")}},
		{"POST", pp + "/links", func() url.Values {
			return url.Values{"facility_oid": {pe.FC.OID}, "consent": {"on"}, "consent_method": {"written"}}
		}, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-linked")}},
		{"POST", pp + "/card", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: ok}},
		{"POST", pp + "/deactivate", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-deactivated")}},
		{"POST", pp + "/reactivate", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-reactivated")}},
		{"POST", pp + "/links/" + pe.FB.OID + "/revoke", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-unlinked")}},
	}
	clients := []struct {
		role string
		c    *handlertest.Client
	}{
		{anon, pe.Client()},
		{locked, pe.LoginAs(t, pe.MA.ID, handlertest.MemberPassword)},
		{operator, pe.LoginOperator(t)},
		{other, stranger},
		{linkedTo, linked},
		{home, own}, // last: its writes change what the others would see
	}
	for _, cl := range clients {
		for _, r := range routes {
			var w want
			switch cl.role {
			case anon:
				w = to("/login?next=" + url.QueryEscape(r.path))
				if r.method == "POST" {
					w = want{status: 401}
				}
			case locked:
				w = to("/prs/login?next=" + url.QueryEscape(r.path))
				if r.method == "POST" {
					w = to("/prs/login")
				}
			case operator:
				w = forbidden
			default:
				w = r.want[cl.role]
			}
			var res handlertest.Response
			if r.method == "GET" {
				res = cl.c.Get(r.path)
			} else {
				res = cl.c.Post(r.path, r.form())
			}
			wantLoc := ""
			if w.loc != nil {
				wantLoc = w.loc.String()
			}
			if res.Status != w.status || (w.loc == nil) != (res.Location == "") || (w.loc != nil && !w.loc.MatchString(res.Location)) {
				t.Errorf("%s %s as %s: %d %q, want %d %s\n%s", r.method, r.path, cl.role, res.Status, res.Location, w.status, wantLoc, handlertest.Snippet(res.Body))
			}
			if (cl.role == other || cl.role == linkedTo || cl.role == home) && strings.HasPrefix(res.Location, "/prs/login") {
				t.Errorf("%s %s as %s: sent to unlock PRS again", r.method, r.path, cl.role)
			}
			if res.Status >= 400 && !(cl.role == home && res.Status == 422) && strings.Contains(res.Body, "山田") {
				t.Errorf("%s %s as %s: refusal shows the patient's name", r.method, r.path, cl.role)
			}
			if cl.role == other && strings.Contains(res.Body, "山田　太郎") {
				t.Errorf("%s %s as %s: shows another facility's patient", r.method, r.path, cl.role)
			}
		}
	}
}
