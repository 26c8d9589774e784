package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"hotline/static"
	"hotline/store"
)

// The authorization matrix: every route of the route table, for every role,
// with the answer it must get. It runs with --client-cert required over
// real TLS, the production setting, so the certificate is part of every
// role: the member, the member of another facility and the operator present
// their own certificates (issued through the store, unpacked from the
// PKCS#12 file); the password-only colleague has none yet; the anonymous
// visitor has neither session nor certificate.
//
// A route without a row fails the test, and so does a row without a route,
// and a row answering 303 that does not say where to (loc): a 303 to
// /login or /prs/login is a refusal, never a success. Every GET row is also
// requested with HEAD, which must get the same answer without a body. Add
// one line per route to authzMatrix (and, when the path names an object, a
// fixture to authzFixtures that creates it).

// Outcomes besides exact HTTP statuses.
const (
	// login: the guard sends the visitor to log in — 303 to /login?next=
	// for a GET, 401 for anything else.
	login = -1
	// prsUnlock: 303 to /prs/login, 患者様登録ソフト asks to be unlocked.
	prsUnlock = -2
	// loginAgain: any other 303 to /login (a session that ended).
	loginAgain = -3
)

// authzRow is the expected answer of one route for each role.
type authzRow struct {
	// path is the URL to request, with {name} replaced by a fixture; empty
	// means the route's own path (which then must have no parameters).
	path string
	// form is posted with the role's CSRF token.
	form url.Values
	// loc is where every 303 of the row must go (exactly, {name} replaced).
	loc string
	// prs unlocks 患者様登録ソフト for the facility members first.
	prs bool
	// anon: no session; pending: password-only session (no certificate
	// yet); member: full session with certificate; other: a member of
	// another facility; operator: the operator with certificate.
	anon, pending, member, other, operator int
}

// allRoles is a row where every role gets the same answer.
func allRoles(status int) authzRow {
	return authzRow{anon: status, pending: status, member: status, other: status, operator: status}
}

// operatorOnly is a row of an operator page answering status to the
// operator.
func operatorOnly(status int) authzRow {
	return authzRow{anon: login, pending: 403, member: 403, other: 403, operator: status}
}

// authzMatrix is keyed by "METHOD path" exactly as in Routes().
var authzMatrix = map[string]authzRow{
	// Public pages.
	"GET /":                       allRoles(200),
	"GET /guide":                  allRoles(200),
	"GET /guide/:topic":           with(allRoles(200), "/guide/flow"),
	"GET /inquiry":                allRoles(200),
	"POST /inquiry":               allRoles(422), // empty form
	"GET /inquiry/thanks/:number": with(allRoles(200), "/inquiry/thanks/{inquiry}"),
	"GET /ca.crt":                 allRoles(200),
	"GET /static/*":               with(allRoles(200), "{asset}"),

	// Login and the first-login steps.
	"GET /login":     to(authzRow{anon: 200, pending: 200, member: 303, other: 303, operator: 303}, "/menu"),
	"POST /login":    allRoles(401), // empty form: wrong ID or password
	"POST /logout":   to(authzRow{anon: login, pending: 303, member: 303, other: 303, operator: 303}, "/"),
	"GET /password":  {anon: login, pending: 200, member: 200, other: 200, operator: 200},
	"POST /password": {anon: login, pending: 422, member: 422, other: 422, operator: 422},

	// Member pages.
	"GET /menu": {anon: login, pending: 403, member: 200, other: 200, operator: 200},

	// Application and review (利用申込・審査・資料郵送). Keys run in
	// order, so approve (409: not received yet) comes before received, and
	// the letters (410: none held, 409: nothing to mark mailed) before the
	// password resets that would make them.
	"GET /apply":                                                allRoles(200),
	"POST /apply":                                               allRoles(422),
	"GET /apply/receipt/:token":                                 with(allRoles(200), "/apply/receipt/{receipt}"),
	"GET /apply/receipt/:token/member.pdf":                      with(allRoles(200), "/apply/receipt/{receipt}/member.pdf"),
	"GET /apply/receipt/:token/facility.pdf":                    with(allRoles(200), "/apply/receipt/{receipt}/facility.pdf"),
	"GET /admin/applications":                                   operatorOnly(200),
	"GET /admin/applications/:number":                           with(operatorOnly(200), "/admin/applications/{application}"),
	"POST /admin/applications/:number/received":                 with(to(operatorOnly(303), "/admin/applications/{application}?done=updated"), "/admin/applications/{application}/received"),
	"POST /admin/applications/:number/approve":                  with(operatorOnly(409), "/admin/applications/{application}/approve"),
	"POST /admin/applications/:number/reject":                   with(operatorOnly(422), "/admin/applications/{application}/reject"),
	"POST /admin/applications/:number/notes":                    with(operatorOnly(422), "/admin/applications/{application}/notes"),
	"POST /admin/applications/:number/mailed":                   with(operatorOnly(409), "/admin/applications/{application}/mailed"),
	"GET /admin/applications/:number/letters":                   with(operatorOnly(409), "/admin/applications/{application}/letters"),
	"GET /admin/applications/:number/letters/start-guide.pdf":   with(operatorOnly(409), "/admin/applications/{application}/letters/start-guide.pdf"),
	"GET /admin/applications/:number/letters/facility-info.pdf": with(operatorOnly(409), "/admin/applications/{application}/letters/facility-info.pdf"),
	"POST /admin/members/:id/reset-password":                    with(to(operatorOnly(303), "/admin/members/{subject}/letters"), "/admin/members/{subject}/reset-password"),
	"GET /admin/members/:id/letters":                            with(operatorOnly(200), "/admin/members/{subject}/letters"),
	"GET /admin/members/:id/letters/start-guide.pdf":            with(operatorOnly(410), "/admin/members/{subject}/letters/start-guide.pdf"),
	"POST /admin/members/:id/letters/mailed":                    with(operatorOnly(409), "/admin/members/{subject}/letters/mailed"),
	"GET /admin/facilities":                                     operatorOnly(200),
	"GET /admin/facilities/:oid":                                with(operatorOnly(200), "/admin/facilities/{subject_facility}"),
	"POST /admin/facilities/:oid/reset-password":                with(to(operatorOnly(303), "/admin/facilities/{subject_facility}/letters"), "/admin/facilities/{subject_facility}/reset-password"),
	"GET /admin/facilities/:oid/letters":                        with(operatorOnly(200), "/admin/facilities/{subject_facility}/letters"),
	"GET /admin/facilities/:oid/letters/facility-info.pdf":      with(operatorOnly(410), "/admin/facilities/{subject_facility}/letters/facility-info.pdf"),
	"POST /admin/facilities/:oid/letters/mailed":                with(operatorOnly(409), "/admin/facilities/{subject_facility}/letters/mailed"),

	// Member pages (プロフィール・申請・関連サイト) and operator administration.
	"GET /profile":                               {anon: login, pending: 403, member: 200, other: 200, operator: 200},
	"POST /profile":                              {anon: login, pending: 403, member: 422, other: 422, operator: 422},
	"GET /links":                                 {anon: login, pending: 403, member: 200, other: 200, operator: 200},
	"GET /requests":                              {anon: login, pending: 200, member: 200, other: 200, operator: 200},
	"POST /requests":                             {anon: login, pending: 422, member: 422, other: 422, operator: 422},
	"GET /admin":                                 operatorOnly(200),
	"GET /admin/login-holds":                     operatorOnly(200),
	"POST /admin/login-holds/clear":              operatorOnly(404),
	"GET /admin/members":                         operatorOnly(200),
	"GET /admin/members/:id":                     with(operatorOnly(200), "/admin/members/{subject}"),
	"POST /admin/members/:id/lock":               with(to(operatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/lock"),
	"POST /admin/members/:id/unlock":             with(to(operatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/unlock"),
	"POST /admin/members/:id/withdraw":           with(to(operatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/withdraw"),
	"POST /admin/members/:id/login-limits/clear": with(to(operatorOnly(303), "/admin/members/{subject}?done=updated"), "/admin/members/{subject}/login-limits/clear"),
	"GET /admin/inquiries":                       operatorOnly(200),
	"GET /admin/inquiries/:number":               with(operatorOnly(200), "/admin/inquiries/{inquiry}"),
	"POST /admin/inquiries/:number":              with(operatorOnly(422), "/admin/inquiries/{inquiry}"),
	"GET /admin/requests":                        operatorOnly(200),
	"GET /admin/requests/:id":                    with(operatorOnly(200), "/admin/requests/{request}"),
	"POST /admin/requests/:id/approve":           with(to(operatorOnly(303), "/admin/requests/{request}?done=updated"), "/admin/requests/{request}/approve"),
	"POST /admin/requests/:id/reject":            with(operatorOnly(422), "/admin/requests/{request}/reject"),
	"GET /admin/links":                           operatorOnly(200),
	"GET /admin/links/new":                       operatorOnly(200),
	"POST /admin/links":                          operatorOnly(422),
	"GET /admin/links/:id":                       with(operatorOnly(200), "/admin/links/{link}"),
	"POST /admin/links/:id":                      with(operatorOnly(422), "/admin/links/{link}"),
	"POST /admin/links/:id/delete":               with(to(operatorOnly(303), "/admin/links?done=updated"), "/admin/links/{link}/delete"),
	"GET /admin/settings":                        operatorOnly(200),
	"POST /admin/settings":                       operatorOnly(422),
	"GET /admin/operators":                       operatorOnly(200),
	"POST /admin/operators":                      operatorOnly(422),
	"POST /admin/operators/:id/lock":             with(to(operatorOnly(303), "/admin/operators?done=updated"), "/admin/operators/{operator2}/lock"),
	"POST /admin/operators/:id/unlock":           with(to(operatorOnly(303), "/admin/operators?done=updated"), "/admin/operators/{operator2}/unlock"),

	// Client certificates (証明書). {member_cert} is the member's second
	// certificate (not the one the role presents); {subject_cert} the
	// subject's.
	"GET /cert":                               {anon: login, pending: 200, member: 200, other: 200, operator: 200},
	"POST /cert/issue":                        {anon: login, pending: 422, member: 422, other: 422, operator: 422},
	"GET /cert/done":                          allRoles(200),
	"GET /certificates":                       {anon: login, pending: 403, member: 200, other: 200, operator: 200},
	"POST /certificates/:serial/revoke":       with(to(authzRow{anon: login, pending: 403, member: 303, other: 404, operator: 404}, "/certificates?done=revoked"), "/certificates/{member_cert}/revoke"),
	"GET /admin/members/:id/certificates":     with(operatorOnly(200), "/admin/members/{subject}/certificates"),
	"POST /admin/members/:id/grant-reissue":   with(to(operatorOnly(303), "/admin/members/{subject}/certificates?done=granted"), "/admin/members/{subject}/grant-reissue"),
	"POST /admin/certificates/:serial/revoke": with(to(operatorOnly(303), "/admin/members/{subject}/certificates?done=revoked"), "/admin/certificates/{subject_cert}/revoke"),

	// 患者様登録ソフト (PRS). prs rows run with PRS unlocked for the member
	// and the other member (each for their own facility); {patient} is
	// registered by the member's facility and not linked to the other's.
	"GET /prs":                                 prsRow(200, 200, ""),
	"GET /prs/login":                           to(prsRow(303, 303, ""), "/prs"),
	"POST /prs/login":                          prsRow(422, 422, ""),
	"POST /prs/lock":                           to(prsRow(303, 303, ""), "/menu"),
	"GET /prs/facility":                        prsRow(200, 200, ""),
	"POST /prs/facility":                       to(prsRow(303, 303, ""), "/prs/facility?done=prs-facility"), // fields not posted keep their values
	"GET /prs/linked":                          prsRow(200, 200, ""),
	"GET /prs/patients":                        prsRow(200, 200, ""),
	"POST /prs/patients":                       prsRow(422, 422, ""),
	"GET /prs/patients/new":                    prsRow(200, 200, ""),
	"GET /prs/patients/:id":                    prsRow(200, 404, "/prs/patients/{patient}"),
	"GET /prs/patients/:id/edit":               prsRow(200, 404, "/prs/patients/{patient}/edit"),
	"POST /prs/patients/:id/edit":              prsRow(409, 404, "/prs/patients/{patient}/edit"), // deactivate (sorted before) left it inactive
	"POST /prs/patients/:id/deactivate":        to(prsRow(303, 404, "/prs/patients/{patient}/deactivate"), "/prs/patients/{patient}?done=prs-deactivated"),
	"POST /prs/patients/:id/reactivate":        to(prsRow(303, 404, "/prs/patients/{patient}/reactivate"), "/prs/patients/{patient}?done=prs-reactivated"),
	"POST /prs/patients/:id/links":             prsRow(422, 404, "/prs/patients/{patient}/links"),
	"POST /prs/patients/:id/links/:oid/revoke": prsRow(404, 404, "/prs/patients/{patient}/links/{other_facility}/revoke"),
	"POST /prs/patients/:id/card":              prsRow(200, 404, "/prs/patients/{patient}/card"),

	// Operations (監査ログ・バックアップ).
	"GET /admin/audit":           operatorOnly(200),
	"GET /admin/audit.csv":       operatorOnly(200),
	"GET /admin/backup":          operatorOnly(200),
	"GET /admin/backup/download": operatorOnly(200),
	"POST /admin/backup/run":     operatorOnly(409), // no --backup-dir in the test
	"GET /admin/health":          operatorOnly(200),

	// Functions still being built (準備中).
	"GET /dms":       {anon: login, pending: 403, member: 200, other: 200, operator: 403},
	"GET /referrals": {anon: login, pending: 403, member: 200, other: 200, operator: 200},
	"GET /rx":        {anon: login, pending: 403, member: 200, other: 200, operator: 200},
}

// newAuthzWorld creates the cast (the member, a colleague of the same
// facility, a member of another facility, the operator admin) and the
// objects rows name as {name}.
func newAuthzWorld(t testing.TB, env *testEnv) (*authzWorld, map[string]string) {
	t.Helper()
	w := &authzWorld{DB: env.db, Operator: "admin", memberPW: "member-Pass-2345", colleaguePW: "colleague-Pass-2345", otherPW: "other-Pass-2345"}
	var f store.Facility
	var err error
	if w.Member, f, err = env.db.CreateTestMember(store.TestMemberSpec{Name: "会員 一郎", Password: w.memberPW}); err != nil {
		t.Fatal(err)
	}
	w.Facility = f.OID
	if w.Colleague, _, err = env.db.CreateTestMember(store.TestMemberSpec{Name: "同僚 二郎", Password: w.colleaguePW, FacilityOID: f.OID}); err != nil {
		t.Fatal(err)
	}
	if w.Other, f, err = env.db.CreateTestMember(store.TestMemberSpec{Name: "他院 三郎", Password: w.otherPW}); err != nil {
		t.Fatal(err)
	}
	w.OtherFacility = f.OID
	if _, err := env.db.EnsureFirstOperator(operatorPassword, false); err != nil {
		t.Fatal(err)
	}
	fixtures := map[string]string{}
	for _, fx := range authzFixtures {
		for k, v := range fx(t, w) {
			fixtures[k] = v
		}
	}
	return w, fixtures
}

// newAuthzRoles logs the cast in over TLS, in the matrix's order: anon,
// pending (password-only, no certificate yet), member, other and operator
// (each with a certificate of their own). The facility members can unlock
// PRS (test members' facility passwords are their own passwords).
func newAuthzRoles(t testing.TB, env *testEnv, base string, w *authzWorld) []*opsRole {
	t.Helper()
	roles := []*opsRole{
		env.opsRole(t, base, "anon", "", "", nil),
		env.opsRole(t, base, "pending", w.Colleague.ID, w.colleaguePW, nil),
		env.opsRole(t, base, "member", w.Member.ID, w.memberPW, opsIssueCert(t, env.db, w.Member.ID)),
		env.opsRole(t, base, "other", w.Other.ID, w.otherPW, opsIssueCert(t, env.db, w.Other.ID)),
		env.opsRole(t, base, "operator", w.Operator, operatorPassword, opsIssueCert(t, env.db, w.Operator)),
	}
	roles[2].prsOID, roles[2].prsPW = w.Facility, w.memberPW
	roles[3].prsOID, roles[3].prsPW = w.OtherFacility, w.otherPW
	return roles
}

// prsRow is a PRS route: facility members only (operators have no
// facility), with PRS unlocked; other is the member of another facility.
func prsRow(member, other int, path string) authzRow {
	return authzRow{path: path, prs: true, anon: login, pending: 403, member: member, other: other, operator: 403}
}

// to sets where the row's 303 answers go.
func to(r authzRow, loc string) authzRow {
	r.loc = loc
	return r
}

// with sets a row's concrete path.
func with(r authzRow, path string) authzRow {
	r.path = path
	return r
}

// authzWorld is the cast: Member and Colleague belong to Facility; Other
// to OtherFacility.
type authzWorld struct {
	DB                             *store.DB
	Member, Colleague, Other       store.Member
	Operator                       string
	Facility, OtherFacility        string
	memberPW, colleaguePW, otherPW string
}

// authzFixtures create the objects rows name as {name}. Objects that belong
// to a facility belong to w.Facility (the member's), so the member of
// another facility must not reach them. {subject} and {subject_facility}
// are a member and a facility the operator administers that are none of
// the roles (resetting a role's password would end the test).
var authzFixtures = []func(t testing.TB, w *authzWorld) map[string]string{
	func(t testing.TB, w *authzWorld) map[string]string {
		q, err := w.DB.CreateInquiry(store.InquiryForm{Name: "問合 太郎", Email: "q@example.jp", Subject: "件名", Body: "本文"}, "")
		if err != nil {
			t.Fatal(err)
		}
		subject, f, err := w.DB.CreateTestMember(store.TestMemberSpec{Name: "対象 四郎", Password: "subject-Pass-2345"})
		if err != nil {
			t.Fatal(err)
		}
		op2, _, err := w.DB.CreateTestMember(store.TestMemberSpec{Name: "運営 二号", Password: "operator2-Pass-2345", Operator: true})
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"inquiry": q.Number, "asset": static.Path("css/app.css"), "subject": subject.ID,
			"subject_facility": f.OID, "operator2": op2.ID, "other_facility": w.OtherFacility}
	},
	// Certificates: a second one of the member's, one of the subject's.
	func(t testing.TB, w *authzWorld) map[string]string {
		if err := w.DB.GrantCertificateReissue(w.Member.ID, "admin", ""); err != nil {
			t.Fatal(err)
		}
		subject, err := w.DB.Members(func(m store.Member) bool { return m.Name == "対象 四郎" })
		if err != nil || len(subject) != 1 {
			t.Fatal("subject", err)
		}
		serial := func(id string) string {
			issued, err := w.DB.IssueCertificate(id, store.CertificateRequest{Device: "予備PC", Passphrase: opsTestPassphrase, PassphraseConfirm: opsTestPassphrase}, 24*time.Hour, "")
			if err != nil {
				t.Fatal(err)
			}
			return issued.Record.Serial
		}
		return map[string]string{"member_cert": serial(w.Member.ID), "subject_cert": serial(subject[0].ID)}
	},
	// A 申請 (certificate reissue) by the member, a related site link.
	func(t testing.TB, w *authzWorld) map[string]string {
		r, err := w.DB.CreateRequest(w.Member.ID, store.RequestForm{Kind: store.RequestCertReissue, Body: "受付PCを入れ替えました。"}, "")
		if err != nil {
			t.Fatal(err)
		}
		l, err := w.DB.SaveSiteLink("", store.SiteLinkForm{Title: "医師会", URL: "https://example.jp/", Order: "1"}, "admin", "")
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return map[string]string{"request": r.ID, "link": l.ID}
	},
	// A patient of the member's facility.
	func(t testing.TB, w *authzWorld) map[string]string {
		p, err := w.DB.RegisterPatient(store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}, store.PatientForm{
			Name: "患者 花子", NameKana: "カンジャ ハナコ", BirthDate: "1970-04-01", Sex: "female"})
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return map[string]string{"patient": p.ID}
	},
	// An application for a new facility, as submitted (not yet received).
	func(t testing.TB, w *authzWorld) map[string]string {
		a, token, err := w.DB.CreateApplication(store.ApplicationForm{Name: "申込 五郎", NameKana: "モウシコミ ゴロウ", Qualification: "doctor", LicenseNumber: "123456",
			Email: "goro@example.jp", Phone: "03-1234-5678", FacilityChoice: "new", FacilityName: "申込内科", FacilityKind: "clinic",
			FacilityCode: "0110113719", FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1", FacilityPhone: "03-1234-0001"}, "")
		if err != nil {
			t.Fatal(err, store.ErrorFields(err))
		}
		return map[string]string{"application": a.Number, "receipt": token}
	},
}

var placeholder = regexp.MustCompile(`\{[a-z0-9_]+\}`)

// authzPath is the URL a row requests for the route key ("METHOD path"),
// its placeholders filled from fixtures; "" when it cannot be made.
func authzPath(t *testing.T, key string, fixtures map[string]string) string {
	t.Helper()
	_, routePath, _ := strings.Cut(key, " ")
	path := authzMatrix[key].path
	if path == "" {
		if strings.ContainsAny(routePath, ":*") {
			t.Errorf("%s: the row needs a concrete path", key)
			return ""
		}
		path = routePath
	}
	return fillFixtures(t, key, path, fixtures)
}

// fillFixtures replaces the {placeholders} in s with the fixtures' values.
func fillFixtures(t *testing.T, key, s string, fixtures map[string]string) string {
	t.Helper()
	return placeholder.ReplaceAllStringFunc(s, func(p string) string {
		v, ok := fixtures[p[1:len(p)-1]]
		if !ok {
			t.Errorf("%s: no fixture makes %s", key, p)
		}
		return v
	})
}

func TestAuthorizationMatrix(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	base := env.listen(t)
	w, fixtures := newAuthzWorld(t, env)
	roles := newAuthzRoles(t, env, base, w)

	// The table and the route table agree.
	seen := map[string]bool{}
	var keys []string
	for _, r := range env.srv.Routes() {
		key := r.Method + " " + r.Path
		if seen[key] {
			t.Errorf("route %s is in the route table twice", key)
		}
		seen[key] = true
		keys = append(keys, key)
		if _, ok := authzMatrix[key]; !ok {
			t.Errorf("route %q (%s) has no row in authzMatrix: add the answer each role must get", key, r.Access)
		}
	}
	for key := range authzMatrix {
		if !seen[key] {
			t.Errorf("authzMatrix row %q names no route", key)
		}
	}
	sort.Strings(keys)

	var failures []string
	for _, key := range keys {
		row, ok := authzMatrix[key]
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(key, " ")
		path := authzPath(t, key, fixtures)
		if path == "" {
			continue
		}
		loc := fillFixtures(t, key, row.loc, fixtures)
		// Refused roles go first, so an allowed state change cannot hide
		// a refusal.
		for i, want := range []int{row.anon, row.pending, row.member, row.other, row.operator} {
			role := roles[i]
			role.ensureSession(t)
			if row.prs {
				role.unlockPRS(t)
			}
			var res testResponse
			if method == http.MethodGet {
				res = role.do(t, method, path, nil, "")
			} else {
				form := url.Values{}
				for k, v := range row.form {
					form[k] = v
				}
				form.Set("_csrf", role.csrf)
				res = role.do(t, method, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
			}
			if want == http.StatusSeeOther && loc == "" {
				t.Errorf("%s: the row answers 303 to %s but does not say where to (to(row, loc))", key, role.name)
			}
			got := outcome(method, res)
			if got != want || (got == http.StatusSeeOther && res.Location != loc) {
				failures = append(failures, fmt.Sprintf("%-32s %-8s got %s, want %s", key, role.name, describe(got, res.Location), describe(want, loc)))
			}
			// Every GET route answers HEAD the same way, without a body.
			if method == http.MethodGet {
				res = role.do(t, http.MethodHead, path, nil, "")
				if got := outcome(http.MethodHead, res); got != want || res.Body != "" {
					failures = append(failures, fmt.Sprintf("%-32s %-8s HEAD got %s with %d bytes, want %s and none", key, role.name,
						describe(got, res.Location), len(res.Body), describe(want, loc)))
				}
			}
		}
	}
	if len(failures) > 0 {
		t.Errorf("authorization matrix (%d mismatches):\n%s", len(failures), strings.Join(failures, "\n"))
	}
}

// outcome maps a response to the matrix's vocabulary. A 303 to /login or
// /prs/login is never a plain 303, so it cannot pass for a success.
func outcome(method string, res testResponse) int {
	if res.Status == http.StatusSeeOther {
		path, _, _ := strings.Cut(res.Location, "?")
		switch {
		case (method == http.MethodGet || method == http.MethodHead) && strings.HasPrefix(res.Location, "/login?next="):
			return login
		case path == "/login":
			return loginAgain
		case path == "/prs/login":
			return prsUnlock
		}
	}
	if method == http.MethodPost && res.Status == http.StatusUnauthorized && strings.Contains(res.Body, "ログインしてください") {
		return login
	}
	return res.Status
}

func describe(o int, loc string) string {
	switch o {
	case login:
		return "login"
	case prsUnlock:
		return "303 → /prs/login (PRS unlock)"
	case loginAgain:
		return "303 → " + loc + " (log in again)"
	case http.StatusSeeOther:
		return "303 → " + loc
	}
	return fmt.Sprint(o)
}
