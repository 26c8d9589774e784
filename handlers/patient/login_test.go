package patient_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

const wrongPair = "患者IDまたはアクセスコードが正しくありません"

// The login takes the ID as printed, typed any way; a wrong pair of any
// kind gets one 401 answer; empty fields are 422 beside them.
func TestPatientLogin(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	id, code := w.Patient.ID, w.Code
	wide := strings.NewReplacer("P", "Ｐ", "-", "ー", "A", "Ａ").Replace(store.FormatPatientID(id))
	for _, tc := range []struct{ name, id, code string }{
		{"stored form", id, code},
		{"as printed", store.FormatPatientID(id), code},
		{"lower case, code without hyphens", strings.ToLower(store.FormatPatientID(id)), strings.ReplaceAll(code, "-", "")},
		{"full width with long-vowel hyphens", wide, code},
		{"spaces", " " + strings.ReplaceAll(store.FormatPatientID(id), "-", " ") + " ", strings.ToLower(code)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := env.Client()
			res := c.Post("/patient/login", url.Values{"patient_id": {tc.id}, "access_code": {tc.code}})
			if res.Status != 303 || res.Location != "/patient" {
				t.Fatalf("%d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
			}
			ck := strings.ToLower(res.Header.Get("Set-Cookie"))
			for _, want := range []string{strings.ToLower(web.PatientSessionCookie) + "=", "path=/", "httponly", "secure", "samesite=strict"} {
				if !strings.Contains(ck, want) {
					t.Errorf("cookie %q lacks %s", ck, want)
				}
			}
			if c.Cookies[web.SessionCookie] != "" {
				t.Error("a member cookie was set")
			}
			handlertest.Scenario{Name: "page", Path: "/patient", WantStatus: 200, WantContains: []string{"血液検査の結果", "閲覧履歴", "ログアウト"}}.Run(t, c)
		})
	}
	c := env.Client()
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/patient/login", WantStatus: 200, WantContains: []string{"患者様ページ ログイン", `name="patient_id"`, `name="access_code"`, "アクセスカード"}, WantAbsent: []string{"証明書がインストール"}},
		{Name: "empty", Method: "POST", Path: "/patient/login", Form: url.Values{}, WantStatus: 422, WantContains: []string{"患者IDを入力してください", "アクセスコードを入力してください"}},
		{Name: "wrong code", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {id}, "access_code": {"AAAA-BBBB-CCCC"}}, WantStatus: 401, WantContains: []string{wrongPair}, WantAbsent: []string{"AAAA-BBBB-CCCC"}},
		{Name: "another patient's code", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {id}, "access_code": {w.OtherCode}}, WantStatus: 401, WantContains: []string{wrongPair}},
		{Name: "unknown ID", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {store.NewPatientID()}, "access_code": {code}}, WantStatus: 401, WantContains: []string{wrongPair}},
		{Name: "bad check character", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {id[:12] + flip(id[12])}, "access_code": {code}}, WantStatus: 401, WantContains: []string{wrongPair}},
		{Name: "member ID", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {w.MA.ID}, "access_code": {handlertest.MemberPassword}}, WantStatus: 401, WantContains: []string{wrongPair}},
		{Name: "no CSRF", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {id}, "access_code": {code}}, NoCSRF: true, WantStatus: 403},
		{Name: "next kept inside the page", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {id}, "access_code": {code}, "next": {"/patient/access"}}, WantStatus: 303, WantLocation: "/patient/access"},
	} {
		sc.Run(t, c)
	}
	for _, next := range []string{"/menu", "https://evil.example/", "//evil.example/patient", "/patient/logout", "/patientx"} {
		c := env.Client()
		if res := c.Post("/patient/login", url.Values{"patient_id": {id}, "access_code": {code}, "next": {next}}); res.Status != 303 || res.Location != "/patient" {
			t.Errorf("next %q: %d %q", next, res.Status, res.Location)
		}
	}
	// Logged in, the form sends the patient to the page.
	handlertest.Scenario{Name: "form when logged in", Path: "/patient/login", WantStatus: 303, WantLocation: "/patient"}.Run(t, c)
	// A deactivated patient's session ends.
	if _, err := env.DB.SetPatientActive(w.A, w.Patient.ID, false, "転居"); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "deactivated", Path: "/patient", WantStatus: 303, WantLocation: "/patient/login?next=%2Fpatient"}.Run(t, c)
	handlertest.Scenario{Name: "deactivated login", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {id}, "access_code": {code}}, WantStatus: 401}.Run(t, c)
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

// Each login gets a new session ID; the old one is over.
func TestPatientLoginNewSessionID(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	c := loginPatient(t, env, w.Patient.ID, w.Code)
	first := c.Cookies[web.PatientSessionCookie]
	// Log in again from the same browser (the form posts with the
	// session's token).
	res := c.Post("/patient/login", url.Values{"patient_id": {w.Patient.ID}, "access_code": {w.Code}, "_csrf": {c.CSRF}})
	if res.Status != 303 {
		// An anonymous token is refused inside a session: log out first.
		c.Post("/patient/logout", nil)
		c.Get("/patient/login")
		res = c.Post("/patient/login", url.Values{"patient_id": {w.Patient.ID}, "access_code": {w.Code}})
	}
	second := c.Cookies[web.PatientSessionCookie]
	if res.Status != 303 || second == "" || second == first {
		t.Fatalf("second login: %d, same ID %v", res.Status, second == first)
	}
	old := env.Client()
	old.Cookies[web.PatientSessionCookie] = first
	handlertest.Scenario{Name: "old session", Path: "/patient", WantStatus: 303, WantLocation: "/patient/login?next=%2Fpatient"}.Run(t, old)
}

// Ten failures for one patient ID from one address hold it there with
// 429 and Retry-After, the right code included; the operator sees the hold
// as a patient page hold and clears it.
func TestPatientLoginThrottle(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	env.FakeClock()
	c := env.Client()
	for i := 0; i < store.PairFailureLimit; i++ {
		if res := c.Post("/patient/login", url.Values{"patient_id": {store.FormatPatientID(w.Patient.ID)}, "access_code": {"WRNG-CODE-" + string(rune('A'+i))}}); res.Status != 401 {
			t.Fatalf("failure %d: %d", i, res.Status)
		}
	}
	res := c.Post("/patient/login", url.Values{"patient_id": {w.Patient.ID}, "access_code": {w.Code}})
	if res.Status != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(res.Body, "この患者IDでのログインを一時停止") {
		t.Fatalf("held: %d %q\n%s", res.Status, res.Header.Get("Retry-After"), handlertest.Snippet(res.Body))
	}
	// Another patient from the same address is not held.
	loginPatient(t, env, w.Other.ID, w.OtherCode)
	op := env.LoginOperator(t)
	holds, _ := env.DB.LoginHolds("")
	if len(holds) != 1 || holds[0].Account != store.PatientAccount(w.Patient.ID) {
		t.Fatalf("holds %+v", holds)
	}
	key := holds[0].Key()
	handlertest.Scenario{Name: "holds page", Path: "/admin/login-holds", WantStatus: 200,
		WantContains: []string{"患者様ページ：患者ID＋アドレス", w.Patient.ID, `value="` + key + `"`},
		WantAbsent:   []string{`href="/admin/members/` + w.Patient.ID}}.Run(t, op)
	handlertest.Scenario{Name: "clear", Method: "POST", Path: "/admin/login-holds/clear", Form: url.Values{"key": {key}, "back": {"/admin/login-holds"}}, WantStatus: 303}.Run(t, op)
	loginPatient(t, env, w.Patient.ID, w.Code)
}

// 15 minutes idle and 2 hours in all, on the test clock; logout ends the
// session on the server and needs the session's CSRF token.
func TestPatientSessionTimeoutsAndLogout(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	clock := env.FakeClock()
	c := loginPatient(t, env, w.Patient.ID, w.Code)
	clock.Add(14 * time.Minute)
	handlertest.Scenario{Name: "14 min idle", Path: "/patient", WantStatus: 200}.Run(t, c)
	clock.Add(15*time.Minute + time.Second)
	handlertest.Scenario{Name: "15 min idle", Path: "/patient", WantStatus: 303, WantLocation: "/patient/login?next=%2Fpatient"}.Run(t, c)

	c = loginPatient(t, env, w.Patient.ID, w.Code)
	for i := 0; i < 12; i++ {
		clock.Add(10 * time.Minute)
		handlertest.Scenario{Name: "busy", Path: "/patient/access", WantStatus: 200}.Run(t, c)
	}
	clock.Add(time.Minute)
	handlertest.Scenario{Name: "2 h in all", Path: "/patient", WantStatus: 303, WantLocation: "/patient/login?next=%2Fpatient"}.Run(t, c)

	c = loginPatient(t, env, w.Patient.ID, w.Code)
	token := c.Cookies[web.PatientSessionCookie]
	handlertest.Scenario{Name: "logout without token", Method: "POST", Path: "/patient/logout", NoCSRF: true, WantStatus: 403}.Run(t, c)
	handlertest.Scenario{Name: "logout", Method: "POST", Path: "/patient/logout", WantStatus: 303, WantLocation: "/patient/login?done=patient-logout"}.Run(t, c)
	if c.Cookies[web.PatientSessionCookie] != "" {
		t.Error("cookie kept after logout")
	}
	handlertest.Scenario{Name: "logged out", Path: "/patient/login?done=patient-logout", WantStatus: 200, WantContains: []string{"ログアウトしました"}}.Run(t, c)
	replay := env.Client()
	replay.Cookies[web.PatientSessionCookie] = token
	handlertest.Scenario{Name: "token replayed", Path: "/patient", WantStatus: 303, WantLocation: "/patient/login?next=%2Fpatient"}.Run(t, replay)
	if _, err := env.DB.SessionByToken(token); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("session after logout: %v", err)
	}
}

// Printing a new access card in PRS ends the patient's open sessions.
func TestNewCardEndsPatientSessions(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	phone := loginPatient(t, env, w.Patient.ID, w.Code)
	home := loginPatient(t, env, store.FormatPatientID(w.Patient.ID), w.Code)
	other := loginPatient(t, env, w.Other.ID, w.OtherCode)
	member := w.Unlocked(t, w.MA)
	res := member.Post("/prs/patients/"+w.Patient.ID+"/card", url.Values{"confirm_asked": {"confirm_card"}, "confirm_card": {"1"}})
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("card: %d", res.Status)
	}
	for _, c := range []*handlertest.Client{phone, home} {
		handlertest.Scenario{Name: "after a new card", Path: "/patient", WantStatus: 303, WantLocation: "/patient/login?next=%2Fpatient"}.Run(t, c)
	}
	handlertest.Scenario{Name: "another patient", Path: "/patient", WantStatus: 200}.Run(t, other)
	// The old code no longer works; the printed one does.
	handlertest.Scenario{Name: "old code", Method: "POST", Path: "/patient/login", Form: url.Values{"patient_id": {w.Patient.ID}, "access_code": {w.Code}}, WantStatus: 401}.Run(t, env.Client())
	text := handlertest.PDFText(t, []byte(res.Body))
	code := cardCode(t, text)
	loginPatient(t, env, cardID(t, text), code)
}

// Neither session reaches the other's area: a patient's cookie means
// nothing outside /patient/…, a member's nothing inside.
func TestPatientAndMemberAreasApart(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	p := loginPatient(t, env, w.Patient.ID, w.Code)
	for _, path := range []string{"/menu", "/prs", "/dms", "/profile", "/admin", "/certificates", "/password"} {
		res := p.Get(path)
		if res.Status != 303 || !strings.HasPrefix(res.Location, "/login") {
			t.Errorf("patient GET %s: %d %q", path, res.Status, res.Location)
		}
	}
	for _, path := range []string{"/logout", "/profile", "/prs/login"} {
		if res := p.Post(path, url.Values{}); res.Status != 401 && res.Status != 403 {
			t.Errorf("patient POST %s: %d", path, res.Status)
		}
	}
	m := w.LoginAs(t, w.MA.ID, handlertest.MemberPassword)
	for _, path := range []string{"/patient", "/patient/access", "/patient/records/" + w.Shown, "/patient/records/" + w.Shown + "/attachments/1", "/PATIENT", "/patient/"} {
		res := m.Get(path)
		if res.Status != 303 || !strings.HasPrefix(res.Location, "/patient/login") {
			t.Errorf("member GET %s: %d %q", path, res.Status, res.Location)
		}
	}
	if res := m.Post("/patient/logout", nil); res.Status != 403 && res.Status != 401 {
		t.Errorf("member POST /patient/logout: %d", res.Status)
	}
	// Both at once in one browser: each area sees its own.
	both := w.LoginAs(t, w.MA.ID, handlertest.MemberPassword)
	both.Cookies[web.PatientSessionCookie] = p.Cookies[web.PatientSessionCookie]
	handlertest.Scenario{Name: "menu", Path: "/menu", WantStatus: 200, WantContains: []string{w.MA.Name}}.Run(t, both)
	handlertest.Scenario{Name: "patient page", Path: "/patient", WantStatus: 200, WantContains: []string{"血液検査の結果"}, WantAbsent: []string{w.MA.Name}}.Run(t, both)
	// A patient session's token in the member's cookie is no session.
	swapped := env.Client()
	swapped.Cookies[web.SessionCookie] = p.Cookies[web.PatientSessionCookie]
	if res := swapped.Get("/menu"); res.Status != 303 || !strings.HasPrefix(res.Location, "/login") {
		t.Errorf("patient token as member cookie: %d %q", res.Status, res.Location)
	}
	swapped = env.Client()
	swapped.Cookies[web.PatientSessionCookie] = m.Cookies[web.SessionCookie]
	if res := swapped.Get("/patient"); res.Status != 303 || !strings.HasPrefix(res.Location, "/patient/login") {
		t.Errorf("member token as patient cookie: %d %q", res.Status, res.Location)
	}
}
