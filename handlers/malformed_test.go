package handlers

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/static"
	"hotline/store"
)

// The malformed request corpus: requests a careless or hostile client
// sends, written byte for byte on a real TLS connection (so even requests
// Go's own client refuses to send get through), by every kind of visitor:
// anonymous, password-only, a member with PRS unlocked, a member of another
// facility, the operator. None may be answered with a 5xx, no response may
// carry a header the request smuggled in, an anonymous request never starts
// a session, and together they must leave the data as it was (see
// corpusSnapshot for what may change).
//
// Requests that need to be refused whatever the route (wrong method,
// missing, forged, expired or stale CSRF tokens, junk in the path) are
// generated from the route table, so new routes are covered without a new
// line; the query junk and path junk go to each route as a role that gets
// past its guard, so its own parsers see them. Field-level junk goes to
// every form, with one other field spoiled so that no variant can be
// accepted: each variant must get the form's own refusal.

type badRequest struct {
	name    string
	as      *handlertest.Role // nil: anonymous, no certificate, no cookie
	method  string
	target  string
	headers []string
	body    []byte
	// raw, when set, is written as is (request line and all).
	raw []byte
	// want, when set, is the exact status; wantAny, the statuses allowed;
	// else anything below 500 (or a 4xx with want4xx).
	want    int
	wantAny []int
	want4xx bool
	// passGuard: the route's guard must let the request through to the
	// handler (no 401, 403 or redirect to a login).
	passGuard bool
	// mayDrop accepts a closed connection without an answer (the request
	// was not HTTP at all).
	mayDrop bool
	// before runs just before the request (resets a throttle the corpus
	// itself would set off, so each request gets its own answer).
	before func(t *testing.T)
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
func (b badRequest) send(t *testing.T, addr string) (int, http.Header, string) {
	t.Helper()
	cfg := &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"}
	cookie := ""
	if b.as != nil {
		if b.as.Cert != nil {
			cfg.Certificates = []tls.Certificate{*b.as.Cert}
		}
		cookie = b.as.CookieHeader()
	}
	conn, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write(b.bytes(cookie)); err != nil {
		return 0, nil, ""
	}
	// Nothing more is coming: a request that promised more body ends here
	// instead of waiting for the server's read timeout.
	conn.CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, nil, ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, res.Header, string(body)
}

// injectedHeader names a response header a request smuggled in with CR LF
// ("" when there is none).
func injectedHeader(h http.Header) string {
	if h.Get("X-Injected") != "" {
		return "X-Injected"
	}
	for _, c := range h.Values("Set-Cookie") {
		if strings.Contains(c, "injected") {
			return "Set-Cookie: " + c
		}
	}
	for k, vs := range h {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return k
			}
		}
	}
	return ""
}

// crlfInjection is a value that would add two response headers if it were
// ever written into one.
const crlfInjection = "a\r\nSet-Cookie: injected=1\r\nX-Injected: 1"

// corpusCast is who sends the corpus and what their requests name.
type corpusCast struct {
	env                              *handlertest.Env
	w                                *handlertest.World
	fixtures                         map[string]string
	anon, pending, member, other, op *handlertest.Role
	// pharmacist is a member of a pharmacy, for the pharmacy's routes.
	pharmacist *handlertest.Role
	// patient and otherPatient are logged in to the patient page (no
	// certificate), where the members' sessions are not read.
	patient, otherPatient *handlertest.Role
	// memberSerial is the certificate the member presents (revoking it
	// needs the confirmation box).
	memberSerial string
	// goneCookie and goneToken are of a session that has logged out.
	goneCookie, goneToken string
}

// corpusPatients gives the fixture patient and a second one of the same
// facility access cards, and logs both in to the patient page.
func corpusPatients(t *testing.T, env *handlertest.Env, w *handlertest.World, base, patientID string) (*handlertest.Role, *handlertest.Role) {
	t.Helper()
	a := store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}
	other, err := env.DB.RegisterPatient(a, store.PatientForm{Name: "別人 桜", NameKana: "ベツジン サクラ", BirthDate: "1980-05-05", Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	var roles []*handlertest.Role
	for i, id := range []string{patientID, other.ID} {
		card, err := env.DB.IssuePatientAccessCard(a, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		roles = append(roles, env.PatientRole(t, base, []string{"patient", "other patient"}[i], id, card.Code))
	}
	return roles[0], roles[1]
}

// roleFor is a role that gets past the route's guard, so the handler's own
// parsers see what the request carries.
func (c *corpusCast) roleFor(r web.Route) *handlertest.Role {
	switch r.Access {
	case web.Public:
		return nil
	case web.Operator:
		return c.op
	case web.Patient:
		return c.patient
	}
	if strings.HasPrefix(r.Path, "/pharmacy") {
		return c.pharmacist
	}
	return c.member // PRS is unlocked for the member's facility
}

// path is the route with its parameters naming the fixtures of the
// authorization matrix, which the role of roleFor may reach.
func (c *corpusCast) path(t *testing.T, r web.Route) string {
	row := authzMatrix[r.Method+" "+r.Path]
	if row.Path == "" {
		return r.Path
	}
	return handlertest.Fill(t, r.Path, row.Path, c.fixtures)
}

// resetLogin lifts what the corpus's own failed logins and password
// changes set off (the operator's clear, through the store), so every
// attempt gets its own answer instead of 429.
func (c *corpusCast) resetLogin(t *testing.T) {
	for _, account := range []string{"H999999", "", c.member.ID} { // "": bodies without an ID
		if err := c.env.DB.ClearAccountLoginLimits(account, "test", ""); err != nil {
			t.Fatal(err)
		}
	}
	holds, err := c.env.DB.LoginHolds("")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range holds {
		if err := c.env.DB.ClearLoginHold(h.Key(), "test", ""); err != nil {
			t.Fatal(err)
		}
	}
}

// resetPRSEvery lifts the login throttle (PRS unlocks count there too,
// per member and per address) before every attempt and, every few failed
// ones, unlocks PRS for the member again with the right password.
func (c *corpusCast) resetPRSEvery(n int) func(t *testing.T) {
	sent := 0
	return func(t *testing.T) {
		c.resetLogin(t)
		sent++
		if sent%n == 0 {
			c.member.UnlockPRSAgain(t)
		}
	}
}

func TestMalformedRequestCorpus(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	addr := strings.TrimPrefix(base, "https://")
	w, fixtures := newAuthzWorld(t, env)
	roles := w.Roles(t, env, base)
	c := &corpusCast{env: env, w: w, fixtures: fixtures, anon: roles[0], pending: roles[1], member: roles[2], other: roles[3], op: roles[4]}
	c.memberSerial = fmt.Sprintf("%x", c.member.Cert.Leaf.SerialNumber)
	c.member.UnlockPRS(t)
	ph, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "薬局 五郎", Password: "pharmacy-Pass-2345", FacilityKind: store.FacilityPharmacy, FacilityName: "コーパス薬局"})
	if err != nil {
		t.Fatal(err)
	}
	c.pharmacist = env.Role(t, base, "pharmacist", ph.ID, "pharmacy-Pass-2345", handlertest.IssueCert(t, env.DB, ph.ID))
	c.patient, c.otherPatient = corpusPatients(t, env, w, base, fixtures["patient"])
	// A session that has logged out: its cookie and token are stale.
	gone := env.Role(t, base, "logged out", w.Colleague.ID, w.ColleaguePW, nil)
	c.goneCookie, c.goneToken = gone.CookieHeader(), gone.CSRF
	if res := gone.Do(t, http.MethodPost, "/logout", strings.NewReader(url.Values{"_csrf": {gone.CSRF}}.Encode()), "application/x-www-form-urlencoded"); res.Status != http.StatusSeeOther || gone.HasSession() {
		t.Fatalf("logout: %d", res.Status)
	}

	corpus := generatedCorpus(t, c)
	corpus = append(corpus, formCorpus(t, c)...)
	corpus = append(corpus, protocolCorpus(c)...)
	if len(corpus) < 200 {
		t.Fatalf("corpus has %d requests, want at least 200", len(corpus))
	}

	// Let the logins' background writes (certificate last use, session
	// touch) land before the "before" picture.
	time.Sleep(200 * time.Millisecond)
	before := takeCorpusSnapshot(t, env.DB)
	statuses := map[int]int{}
	for _, b := range corpus {
		if b.before != nil {
			b.before(t)
		}
		status, header, body := b.send(t, addr)
		statuses[status]++
		switch {
		case status == 0 && !b.mayDrop:
			t.Errorf("%s: no answer", b.name)
		case status >= 500:
			t.Errorf("%s: %d\n%s", b.name, status, handlertest.Snippet(body))
		case b.want != 0 && status != b.want:
			t.Errorf("%s: %d, want %d\n%s", b.name, status, b.want, handlertest.Snippet(body))
		case b.wantAny != nil && !slices.Contains(b.wantAny, status):
			t.Errorf("%s: %d, want one of %v\n%s", b.name, status, b.wantAny, handlertest.Snippet(body))
		case b.want4xx && (status < 400 || status > 499):
			t.Errorf("%s: %d, want a 4xx refusal\n%s", b.name, status, handlertest.Snippet(body))
		case b.passGuard && stoppedByGuard(status, header):
			t.Errorf("%s: %d %s: stopped by the guard, the handler never saw it", b.name, status, header.Get("Location"))
		}
		if h := injectedHeader(header); h != "" {
			t.Errorf("%s: the response carries the injected header %q", b.name, h)
		}
		if b.as == nil && !slices.ContainsFunc(b.headers, func(h string) bool { return strings.HasPrefix(h, "Cookie:") }) {
			for _, ck := range header.Values("Set-Cookie") {
				if strings.HasPrefix(ck, web.SessionCookie+"=") && !strings.HasPrefix(ck, web.SessionCookie+"=;") {
					t.Errorf("%s: an anonymous request started a session: %s", b.name, ck)
				}
			}
		}
	}
	t.Logf("%d malformed requests; answers by status: %v", len(corpus), statuses)
	time.Sleep(100 * time.Millisecond)
	c.resetLogin(t)
	before.compare(t, env.DB, takeCorpusSnapshot(t, env.DB))
	if r, err := env.DB.Check(store.CheckOptions{}); err != nil || !r.OK() {
		t.Fatalf("check after the corpus: %v %v", err, r.Problems)
	}
	if res := c.anon.Do(t, http.MethodGet, "/", nil, ""); res.Status != 200 {
		t.Fatalf("server after the corpus: %d", res.Status)
	}
}

// corpusSnapshot is the database as the corpus must leave it. Every bucket
// must stay exactly as it was except:
//   - the audit log and its indexes, and the chain head in meta: refused
//     requests are audited (failed logins, denials, reads of patient lists
//     and exports), so the log grows; what was there stays (the chain
//     still verifies through the old head), and every new line is a
//     refusal, a read, or the test's own throttle reset;
//   - sessions: a request touches its session (last seen) and the PRS
//     resets unlock it again, so values change, but no session starts or
//     ends: the keys, and the member index, stay exactly;
//   - login_failures: holds come and go during the corpus; after the last
//     reset it is as it was.
type corpusSnapshot struct {
	digests  map[string]string
	meta     map[string]string
	sessions []string
	head     store.AuditEvent
}

func takeCorpusSnapshot(t *testing.T, db *store.DB) corpusSnapshot {
	t.Helper()
	s := corpusSnapshot{meta: map[string]string{}}
	var err error
	if s.digests, err = db.BucketDigests(); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *store.Tx) error {
		if err := tx.Bucket([]byte("meta")).ForEach(func(k, v []byte) error {
			if string(k) != "audit_head" {
				s.meta[string(k)] = string(v)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket([]byte("sessions")).ForEach(func(k, _ []byte) error {
			s.sessions = append(s.sessions, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	page, err := db.ListAudit(store.AuditFilter{Limit: 1})
	if err != nil || len(page.Events) != 1 {
		t.Fatal("audit head", err)
	}
	s.head = page.Events[0]
	return s
}

// corpusAuditOK are the lines the corpus may add with result ok: reads,
// and the test's own resets.
var corpusAuditOK = []string{"audit.export", "backup.download", "patient.list", "patient.search", "patient.view",
	"login.hold_clear", "prs.unlock", "referral.view", "referral.print", "referral.reply_print", "referral.attachment",
	"rx.list", "rx.view", "rx.compose", "rx.print", "record.view", "record.list", "record.attachment",
	"patient_page.view", "patient_page.access_view"}

// dmsRecordValues is a valid DMS record form about patient.
func dmsRecordValues(patient string) url.Values {
	return url.Values{"patient_id": {patient}, "kind": {"lab"}, "title": {"血液検査"}, "body": {"白血球 8,000"},
		"recorded_on": {"2026-03-01"}, "version": {"1"}}
}

func (before corpusSnapshot) compare(t *testing.T, db *store.DB, after corpusSnapshot) {
	t.Helper()
	changed := []string{}
	for name, d := range before.digests {
		if slices.Contains(handlertest.AuditBuckets, name) || name == "meta" || name == "sessions" {
			continue
		}
		if after.digests[name] != d {
			changed = append(changed, name)
		}
	}
	for name := range after.digests {
		if _, ok := before.digests[name]; !ok {
			changed = append(changed, name+" (new)")
		}
	}
	sort.Strings(changed)
	if len(changed) > 0 {
		t.Errorf("buckets changed: %v", changed)
	}
	if fmt.Sprint(after.meta) != fmt.Sprint(before.meta) {
		t.Errorf("meta changed besides the audit head:\n got %q\nwant %q", after.meta, before.meta)
	}
	if fmt.Sprint(after.sessions) != fmt.Sprint(before.sessions) {
		t.Errorf("sessions started or ended: %d before, %d after", len(before.sessions), len(after.sessions))
	}
	// The old head is still in the chain (hotline check verifies the rest).
	var lines []store.AuditEvent
	err := db.EachAudit(store.AuditFilter{}, func(e store.AuditEvent) error {
		switch {
		case e.Seq == before.head.Seq && e.Hash != before.head.Hash:
			return fmt.Errorf("audit line %d changed", e.Seq)
		case e.Seq > before.head.Seq:
			lines = append(lines, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range lines {
		if e.Result == store.ResultOK && !slices.Contains(corpusAuditOK, string(e.Action)) {
			t.Errorf("audit line %d: %s by %s succeeded (%s)", e.Seq, e.Action, e.Actor, e.Detail)
		}
	}
}

var routeParam = regexp.MustCompile(`:[a-z_]+|\*`)

// generatedCorpus derives requests from the route table.
func generatedCorpus(t *testing.T, c *corpusCast) []badRequest {
	var out []badRequest
	junkParams := []string{"%FF%FE", strings.Repeat("A", 4000), "..%2F..%2F..%2Fetc%2Fpasswd", "%00", "%E3%81", "<script>"}
	now := c.env.DB.Now()
	members := []*handlertest.Role{c.pending, c.member, c.other, c.op}
	for i, r := range srvOf(c.env).Routes() {
		key := r.Method + " " + r.Path
		// On the patient page only patient sessions are sessions.
		loggedIn := members
		if web.IsPatientPath(r.Path) {
			loggedIn = []*handlertest.Role{c.patient, c.otherPatient}
		}
		concrete := c.path(t, r)
		as := c.roleFor(r)
		tokenOf := func(as *handlertest.Role) string {
			if as == nil {
				return srvOf(c.env).web.AnonToken(now)
			}
			return as.CSRF
		}
		// Methods no route takes.
		for _, method := range []string{"PUT", "DELETE", "PATCH"} {
			out = append(out, badRequest{name: key + " as " + method, as: c.op, method: method, target: concrete,
				headers: []string{formType, "X-CSRF-Token: " + c.op.CSRF}, body: []byte("_csrf=" + url.QueryEscape(c.op.CSRF)), want: 405})
		}
		// Junk in the path parameters, as a role the guard lets through
		// (a state change with a valid token): the handler looks it up and
		// finds nothing.
		if strings.ContainsAny(r.Path, ":*") {
			for _, j := range junkParams {
				b := badRequest{name: key + " with parameter " + clipString(j, 20), as: as, method: r.Method,
					target: routeParam.ReplaceAllString(r.Path, j), want4xx: true}
				if r.Method == http.MethodPost {
					b.headers, b.body = []string{formType}, []byte("_csrf="+url.QueryEscape(tokenOf(as)))
				}
				out = append(out, b)
			}
		}
		if r.Method == http.MethodGet {
			// A broken query, as a role the guard lets through, so the
			// handler's own query parsing (search terms, audit filters,
			// paging, next=) sees it.
			out = append(out, badRequest{name: key + " with a broken query", as: as, method: http.MethodGet,
				target:    concrete + "?next=%FF&q=%zz&before=-1&after=%00&from=%00&to=" + strings.Repeat("9", 300) + "&actor[]=x&patient=%E3%81&action=%1B&status=%FF",
				passGuard: true})
			continue
		}
		// State changes without a valid token, or from another site, as
		// each logged-in role in turn, to the route's real objects (so a
		// hole would show as a change of data).
		type variant struct {
			name    string
			headers []string
			body    string
		}
		session := func(as *handlertest.Role) []variant {
			someoneElse := loggedIn[(slices.Index(loggedIn, as)+1)%len(loggedIn)]
			return []variant{
				{"no token", []string{formType}, "a=b"},
				{"made-up session token", []string{formType}, "_csrf=s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
				{"anonymous token while logged in", []string{formType}, "_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(now))},
				{"another session's token", []string{formType}, "_csrf=" + url.QueryEscape(someoneElse.CSRF)},
				{"cross-site origin", []string{formType, "Origin: https://evil.example"}, "_csrf=" + url.QueryEscape(as.CSRF)},
				{"cross-site fetch", []string{formType, "Sec-Fetch-Site: cross-site"}, "_csrf=" + url.QueryEscape(as.CSRF)},
				{"token in a bad header", []string{formType, "X-CSRF-Token: s.\xff\xfe"}, ""},
				{"empty token", []string{formType}, "_csrf="},
				{"duplicate tokens, first wrong", []string{formType}, "_csrf=s.x&_csrf=" + url.QueryEscape(as.CSRF)},
			}
		}
		for j := range session(loggedIn[0]) {
			as := loggedIn[(i+j)%len(loggedIn)]
			v := session(as)[j]
			out = append(out, badRequest{name: key + ": " + v.name + " as " + as.Name, as: as, method: http.MethodPost, target: concrete,
				headers: v.headers, body: []byte(v.body), want: 403})
		}
		// The same without a session: tokens that are forged, expired,
		// from the future, of another session or of one that has ended.
		anon := []variant{
			{"no token", []string{formType}, "a=b"},
			{"made-up session token", []string{formType}, "_csrf=s.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
			{"a session's token without the session", []string{formType}, "_csrf=" + url.QueryEscape(c.member.CSRF)},
			{"forged anonymous token", []string{formType}, "_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(now)[:14]+strings.Repeat("A", 22))},
			{"expired anonymous token", []string{formType}, "_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(now.Add(-web.AnonTokenTTL-time.Hour)))},
			{"anonymous token from the future", []string{formType}, "_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(now.Add(time.Hour)))},
			{"cross-site origin", []string{formType, "Origin: https://evil.example"}, "_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(now))},
			{"cross-site fetch", []string{formType, "Sec-Fetch-Site: cross-site"}, "_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(now))},
			{"empty token", []string{formType}, "_csrf="},
			{"stale session", []string{formType, "Cookie: " + web.SessionCookie + "=" + strings.Repeat("z", 32)}, "_csrf=s.AAAA"},
			{"session that logged out", []string{formType, "Cookie: " + c.goneCookie}, "_csrf=" + url.QueryEscape(c.goneToken)},
		}
		for _, v := range anon {
			out = append(out, badRequest{name: key + ": " + v.name + " (anonymous)", method: http.MethodPost, target: concrete,
				headers: v.headers, body: []byte(v.body), want: 403})
		}
	}
	return out
}

// stoppedByGuard reports whether the answer is a guard's refusal: 401,
// 403, or a redirect to the login or the PRS unlock.
func stoppedByGuard(status int, h http.Header) bool {
	loc := h.Get("Location")
	return status == 401 || status == 403 ||
		status == 303 && (strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/prs/login"))
}

// junkValue is one malformed field value; invalid ones are refused by
// every text field (the others are text some fields take, such as a line
// break in a text area).
type junkValue struct {
	name, value string
	invalid     bool
}

var fieldJunk = []junkValue{
	{"invalid UTF-8", "\xff\xfe\xfd", true},
	{"overlong UTF-8", "\xc0\xaf", true},
	{"NUL", "a\x00b", true},
	{"control characters", "\x1b[31m\x07", true},
	{"CR LF", crlfInjection, false},
	{"huge", strings.Repeat("長", 300000), true},
	{"long ASCII", strings.Repeat("a", 100000), true},
	{"bidi override", "\u202egnp.exe", false},
	{"lone surrogate", "\xed\xa0\x80", true},
	{"HTML", `"><script>alert(1)</script>`, false},
}

// junkForm is a form that refuses every variant of the corpus.
type junkForm struct {
	as     *handlertest.Role // nil: anonymous
	path   string
	fields url.Values
	// spoil makes the form invalid however the field under test is
	// mangled: it is set to "\xff", or, when it is the field under test,
	// alt is emptied ("" when no other field is needed: the field under
	// test is refused whatever it holds). Without spoil, the form is
	// refused for another reason (a wrong password, no such hold).
	spoil, alt string
	// single: the form's only field, where some junk is text it takes:
	// only invalid junk. optional: it may also be left empty, so no
	// other shapes and no bodies either.
	single, optional bool
	want             int
	// wantAny overrides want when set.
	wantAny []int
	before  func(t *testing.T)
}

// formCorpus sends junk field by field to every form.
func formCorpus(t *testing.T, c *corpusCast) []badRequest {
	var out []badRequest
	st, err := c.env.DB.Settings()
	if err != nil {
		t.Fatal(err)
	}
	fx := c.fixtures
	prsLoginReset := c.resetPRSEvery(5)
	forms := []junkForm{
		{as: nil, path: "/inquiry", fields: url.Values{"name": {"山田 花子"}, "email": {"hanako@example.jp"}, "subject": {"件名"}, "body": {"本文"}},
			spoil: "email", alt: "name", want: 422},
		{as: nil, path: "/apply", fields: newFacilityForm("taro@example.jp"), spoil: "email", alt: "name", want: 422},
		{as: nil, path: "/login", fields: url.Values{"id": {"H999999"}, "password": {"wrong-password"}, "next": {"/menu"}}, want: 401,
			before: c.resetLogin},
		// The patient page's login: a wrong pair is 401, an empty field
		// 422, and the ID's failures may slow it down (429).
		{as: nil, path: "/patient/login", fields: url.Values{"patient_id": {"P-AAAA-AAAA-AAAA"}, "access_code": {"WRNG-CODE-XXXX"}, "next": {"/patient"}},
			wantAny: []int{401, 422, 429}, before: c.resetLogin},
		{as: c.member, path: "/password", fields: url.Values{"current": {c.w.MemberPW}, "new": {"short"}, "confirm": {"short"}},
			spoil: "new", alt: "confirm", want: 422, before: c.resetLogin},
		{as: c.member, path: "/profile", fields: url.Values{"name": {"会員 一郎"}, "name_kana": {"カイイン イチロウ"}, "email": {"ichiro@example.jp"},
			"phone": {"03-1234-5678"}, "department": {"内科"}}, spoil: "email", alt: "name", want: 422},
		{as: c.pending, path: "/requests", fields: url.Values{"kind": {string(store.RequestCertReissue)}, "body": {"PCを入れ替えました。"}},
			spoil: "kind", alt: "body", want: 422},
		{as: c.pending, path: "/cert/issue", fields: url.Values{"device_name": {"受付PC"}, "passphrase": {"pass-phrase-1"},
			"passphrase_confirm": {"pass-phrase-1"}, "encoding": {"modern"}}, spoil: "passphrase_confirm", alt: "device_name", want: 422},
		{as: c.member, path: "/certificates/" + c.memberSerial + "/revoke", fields: url.Values{"confirm": {"1"}}, spoil: "confirm", want: 422},
		{as: c.op, path: "/admin/settings", fields: url.Values{"site_name": {st.SiteName}, "organisation": {st.Organisation},
			"department": {st.Department}, "postal": {st.Postal}, "address": {st.Address}, "phone": {st.Phone}, "email": {st.Email},
			"portal_url": {st.PortalURL}}, spoil: "portal_url", alt: "site_name", want: 422},
		{as: c.op, path: "/admin/operators", fields: url.Values{"id": {"suzuki"}, "name": {"鈴木 一郎"}}, spoil: "id", alt: "name", want: 422},
		{as: c.op, path: "/admin/links", fields: url.Values{"title": {"医師会"}, "url": {"https://example.jp/"}, "description": {"説明"}, "order": {"1"}},
			spoil: "url", alt: "title", want: 422},
		{as: c.op, path: "/admin/links/" + fx["link"], fields: url.Values{"title": {"医師会"}, "url": {"https://example.jp/"}, "description": {"説明"}, "order": {"1"}},
			spoil: "url", alt: "title", want: 422},
		{as: c.op, path: "/admin/inquiries/" + fx["inquiry"], fields: url.Values{"status": {string(store.InquiryDone)}, "note": {"対応済み"}},
			spoil: "status", want: 422},
		{as: c.op, path: "/admin/applications/" + fx["application"] + "/reject", fields: url.Values{"reason": {"書類の不備"}}, single: true, want: 422},
		{as: c.op, path: "/admin/applications/" + fx["application"] + "/notes", fields: url.Values{"note": {"電話で確認"}}, single: true, want: 422},
		{as: c.op, path: "/admin/requests/" + fx["request"] + "/reject", fields: url.Values{"answer": {"理由"}}, single: true, want: 422},
		{as: c.op, path: "/admin/login-holds/clear", fields: url.Values{"key": {"address||192.0.2.1"}, "back": {"/admin"}}, want: 404},
		{as: c.member, path: "/prs/login", fields: url.Values{"oid": {c.w.Facility}, "password": {"wrong-facility-pw"}, "next": {"/prs"}},
			wantAny: []int{401, 422}, before: prsLoginReset},
		// (A body that posts none of its fields saves the page as it is:
		// fields not posted keep their values.)
		{as: c.member, path: "/prs/facility", fields: url.Values{"name": {"会員クリニック"}, "postal": {"100-0001"}, "address": {"東京都千代田区千代田1-1"},
			"phone": {"03-1234-5678"}, "departments": {"内科\n外科"}, "current": {""}, "new": {""}, "confirm": {""}},
			spoil: "postal", alt: "name", want: 422},
		{as: c.member, path: "/prs/patients", fields: handlertest.PatientValues(), spoil: "birth_date", alt: "name", want: 422},
		{as: c.pharmacist, path: "/pharmacy/lookup", fields: url.Values{"number": {"1234-5678-9012-3452"}, "birth_date": {"1970-04-01"}},
			spoil: "birth_date", alt: "number", want: 422},
		{as: c.member, path: "/prs/patients/" + fx["patient"] + "/edit", fields: handlertest.PatientValues("version", "1"), spoil: "birth_date", alt: "name", want: 422},
		{as: c.member, path: "/prs/patients/" + fx["patient"] + "/links", fields: url.Values{"facility_oid": {c.w.OtherFacility}, "consent": {"on"},
			"consent_method": {"written"}, "consent_date": {""}}, spoil: "consent", alt: "facility_oid", want: 422},
		{as: c.member, path: "/prs/patients/" + fx["patient"] + "/deactivate", fields: url.Values{"reason": {"転居"}}, single: true, optional: true, want: 422},
		{as: c.member, path: "/prs/patients/" + fx["patient"] + "/links/" + c.w.OtherFacility + "/revoke", fields: url.Values{"reason": {"撤回"}},
			single: true, optional: true, want: 422},
		// 地域連携: the compose form, a draft's, the 返書 (as the receiver).
		{as: c.member, path: "/referrals/new", fields: url.Values{"to_facility": {c.w.OtherFacility}, "to_member": {""}, "to_department": {"内科"},
			"to_doctor": {"他院 三郎"}, "patient_id": {fx["patient"]}, "occupation": {""}, "diagnosis": {"高血圧症"}, "purpose": {"精査"},
			"history": {""}, "course": {"一\n二"}, "treatment": {""}, "medication": {""}, "remarks": {""}, "corrects": {""}, "record": {fx["record"]}, "draft": {"1"}},
			spoil: "patient_id", alt: "diagnosis", wantAny: []int{404, 422}},
		{as: c.member, path: "/referrals/" + fx["draft2"] + "/edit", fields: url.Values{"to_facility": {c.w.OtherFacility}, "patient_id": {fx["patient"]},
			"diagnosis": {"高血圧症"}, "purpose": {"精査"}, "record": {fx["record"]}, "draft": {"1"}}, spoil: "patient_id", alt: "diagnosis", wantAny: []int{404, 422}},
		{as: c.other, path: "/referrals/" + fx["letter3"] + "/reply", fields: url.Values{"visited_on": {"2026-01-05"}, "findings": {"所見"}, "plan": {"方針"},
			"body": {"本文"}}, spoil: "visited_on", alt: "body", want: 422},
		{as: c.member, path: "/dms/records", fields: dmsRecordValues(fx["patient"]), spoil: "kind", alt: "title", wantAny: []int{404, 422}},
		{as: c.member, path: "/dms/records/" + fx["record"] + "/revise", fields: dmsRecordValues(fx["patient"]), spoil: "kind", alt: "title", wantAny: []int{404, 422}},
		{as: c.member, path: "/dms/records/" + fx["record"] + "/withdraw", fields: url.Values{"reason": {"誤記"}}, single: true, want: 422},
	}
	for _, f := range forms {
		want, wantAny := f.want, f.wantAny
		if wantAny != nil {
			want = 0
		}
		token := func() string {
			if f.as == nil {
				return srvOf(c.env).web.AnonToken(c.env.DB.Now())
			}
			return f.as.CSRF
		}
		add := func(name string, headers []string, body string, exact bool) {
			b := badRequest{name: f.path + " " + name, as: f.as, method: http.MethodPost, target: f.path, headers: headers,
				body: []byte(body), before: f.before}
			if exact {
				b.want, b.wantAny = want, wantAny
			}
			out = append(out, b)
		}
		for _, field := range slices.Sorted(maps.Keys(f.fields)) {
			for _, j := range fieldJunk {
				if f.single && !j.invalid {
					continue
				}
				v := url.Values{}
				for k, vals := range f.fields {
					v[k] = vals
				}
				v.Set(field, j.value)
				switch {
				case f.spoil == "" || f.single:
				case f.spoil != field:
					v.Set(f.spoil, "\xff")
				case f.alt != "":
					v.Set(f.alt, "")
				}
				v.Set("_csrf", token())
				add(field+": "+j.name, []string{formType}, v.Encode(), true)
			}
			if f.optional {
				continue
			}
			// Wrong shapes: arrays, maps, duplicates with the first invalid,
			// a broken escape. The other fields keep their values.
			shapes := []string{field + "[]=x", field + "[a]=x", field + "=%FF&" + field + "=ok", field + "=%zz"}
			if f.single {
				shapes = shapes[:3] // %zz is read as the text "%zz"
			}
			for _, shape := range shapes {
				v := url.Values{}
				for k, vals := range f.fields {
					if k != field {
						v[k] = vals
					}
				}
				if f.spoil != "" && f.spoil != field {
					v.Set(f.spoil, "\xff")
				} else if f.alt != "" {
					v.Set(f.alt, "")
				}
				v.Set("_csrf", token())
				add(field+" shaped "+shape, []string{formType}, shape+"&"+v.Encode(), true)
			}
		}
		if f.optional {
			continue
		}
		// Bodies that are no form, or a broken one.
		tok := token()
		rest := "&_csrf=" + url.QueryEscape(tok)
		if f.spoil != "" {
			rest += "&" + f.spoil + "=%FF"
		}
		for k, vals := range f.fields {
			if k != f.spoil && !f.single {
				rest += "&" + url.QueryEscape(k) + "=" + url.QueryEscape(vals[0])
			}
		}
		bodies := []struct {
			name    string
			headers []string
			body    string
		}{
			{"JSON", []string{"Content-Type: application/json", "X-CSRF-Token: " + tok}, `{"name":["x"],"email":{"$gt":""}}`},
			{"text/plain", []string{"Content-Type: text/plain", "X-CSRF-Token: " + tok}, "name=x&email=y"},
			{"no content type", []string{"X-CSRF-Token: " + tok}, "name=%FF"},
			{"Shift_JIS claimed", []string{"Content-Type: application/x-www-form-urlencoded; charset=shift_jis"}, "name=%83%65%83%58%83%67" + rest},
			{"gzip claimed", []string{formType, "Content-Encoding: gzip"}, "\x1f\x8b\x08garbage" + rest},
			{"multipart without boundary", []string{"Content-Type: multipart/form-data", "X-CSRF-Token: " + tok}, "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--x--\r\n"},
			{"multipart wrong boundary", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--xyz\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--xyz--\r\n"},
			{"multipart truncated", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--abc\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx"},
			{"multipart part without name", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--abc\r\nContent-Disposition: form-data\r\n\r\nx\r\n--abc--\r\n"},
			{"multipart file instead of field", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--abc\r\nContent-Disposition: form-data; name=\"email\"; filename=\"../../x.sh\"\r\nContent-Type: application/x-sh\r\n\r\n#!/bin/sh\r\n--abc--\r\n"},
			{"multipart huge part header", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--abc\r\nContent-Disposition: form-data; name=\"" + strings.Repeat("n", 20000) + "\"\r\n\r\nx\r\n--abc--\r\n"},
			{"multipart nested", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--abc\r\nContent-Type: multipart/mixed; boundary=def\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n--def\r\n\r\nx\r\n--def--\r\n--abc--\r\n"},
			{"multipart with invalid UTF-8 name", []string{"Content-Type: multipart/form-data; boundary=abc", "X-CSRF-Token: " + tok}, "--abc\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\n\xff\r\n--abc--\r\n"},
			{"only separators", []string{formType}, "&&&&====&&&" + rest},
			{"very many fields", []string{formType}, strings.Repeat("x=1&", 20000) + rest[1:]},
		}
		for _, b := range bodies {
			add(b.name, b.headers, b.body, false)
		}
	}
	return out
}

// protocolCorpus breaks HTTP itself: request lines, headers, paths.
func protocolCorpus(c *corpusCast) []badRequest {
	asset := static.Path("css/app.css")
	var out []badRequest
	for _, p := range []string{
		"/static/../main.go", "/static/..%2fmain.go", "/static/%2e%2e/%2e%2e/etc/passwd", "/static/%252e%252e%252fmain.go",
		"/static/css/..%5c..%5cmain.go", "/static/css/app.css%00.js", "/static/" + strings.Repeat("../", 50) + "etc/passwd",
		"/static//etc/passwd", "/static/css/../../go.mod", asset + "/..", asset + "%00", "/static/css/", "/static/",
		"/static/fonts/ipaexg.ttf", "/static/%C0%AE%C0%AE/main.go", "/..%2f..%2fetc/passwd", "//etc/passwd", "/./admin/audit",
	} {
		out = append(out, badRequest{name: "traversal " + p, method: http.MethodGet, target: p, want: 404})
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
	for _, ck := range []string{
		web.SessionCookie + "=" + strings.Repeat("x", 8000),
		web.SessionCookie + "=\xff\xfe",
		web.SessionCookie + "=a; " + web.SessionCookie + "=b; " + web.SessionCookie + "=c",
		web.SessionCookie + "=%00%0d%0a",
		strings.Repeat("c=1; ", 1000),
		"=; ; ;=;",
	} {
		out = append(out, badRequest{name: "cookie " + clipString(ck, 30), method: http.MethodGet, target: "/menu", headers: []string{"Cookie: " + ck}})
	}
	// Headers, some carrying another header after a CR LF: whatever the
	// server makes of them, none comes back.
	for _, h := range []string{"HX-Request: \xff", "HX-Request: true\r\nHX-Boosted: true", "Accept-Language: " + strings.Repeat("ja,", 3000),
		"Range: bytes=0-1,2-3,4-5", "If-None-Match: " + strings.Repeat("\"x\",", 2000), "X-Forwarded-For: 1.2.3.4\r\nX-Real-IP: <script>", "Origin: null",
		"HX-Current-URL: https://localhost/%0D%0AX-Injected:%201", "Referer: https://localhost/\r\nX-Injected: 1"} {
		out = append(out, badRequest{name: "header " + clipString(h, 30), as: c.member, method: http.MethodGet, target: "/menu", headers: []string{h}, want: 200})
	}
	// A destination after login (next=) with a CR LF, on every form that
	// takes one: never a header of the answer.
	next := url.QueryEscape("/menu\r\nSet-Cookie: injected=1\r\nX-Injected: 1")
	for _, b := range []badRequest{
		{name: "login page next with CR LF", method: http.MethodGet, target: "/login?next=" + next, want: 200},
		{name: "login page next with CR LF, logged in", as: c.member, method: http.MethodGet, target: "/login?next=" + next, want: 303},
		{name: "login next with CR LF", method: http.MethodPost, target: "/login", headers: []string{formType},
			body: []byte("id=H999999&password=wrong&next=" + next + "&_csrf=" + url.QueryEscape(srvOf(c.env).web.AnonToken(c.env.DB.Now()))), want: 401, before: c.resetLogin},
		{name: "PRS unlock page next with CR LF", as: c.member, method: http.MethodGet, target: "/prs/login?next=" + next, want: 303},
		{name: "PRS unlock next with CR LF", as: c.member, method: http.MethodPost, target: "/prs/login", headers: []string{formType},
			body: []byte("oid=" + c.w.Facility + "&password=wrong&next=" + next + "&_csrf=" + url.QueryEscape(c.member.CSRF)), want: 401, before: c.resetPRSEvery(1)},
		{name: "guard's login redirect with CR LF", method: http.MethodGet, target: "/menu?x=" + next, want: 303},
	} {
		out = append(out, b)
	}
	// The operator's search forms.
	for _, q := range []string{
		"actor=%FF", "actor=" + strings.Repeat("a", 5000), "patient=%00", "action=%1B%5B31m", "from=%E4%BB%A4%E5%92%8C99%E5%B9%B4", "from=0000-00-00",
		"to=9999-99-99", "from=2026-02-30", "before=18446744073709551615", "before=-5", "before=abc", "from=" + strings.Repeat("9", 70),
	} {
		out = append(out, badRequest{name: "audit search " + clipString(q, 30), as: c.op, method: http.MethodGet, target: "/admin/audit?" + q, wantAny: []int{200, 422}})
		out = append(out, badRequest{name: "audit export " + clipString(q, 30), as: c.op, method: http.MethodGet, target: "/admin/audit.csv?" + q, wantAny: []int{200, 422}})
	}
	// The member's patient search (PRS unlocked).
	for _, q := range []string{"q=%FF", "q=" + strings.Repeat("ア", 3000), "q=%00", "q=%E3%81", "after=%FF%FE", "after=" + strings.Repeat("A", 5000), "q=S99.99.99",
		"q=P%00", "q=%27%20OR%201%3D1"} {
		out = append(out, badRequest{name: "patient search " + clipString(q, 30), as: c.member, method: http.MethodGet, target: "/prs/patients?" + q, wantAny: []int{200, 422}})
	}
	return out
}
