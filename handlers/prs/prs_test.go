package prs_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// PRS handler tests: the facility unlock and its throttle, and a suspended
// facility. The other screens' tests stand beside their files; the
// matrix over every PRS route is in handlers_test.go.

// newRegion is a server (certificate mode off) with three facilities.
func newRegion(t testing.TB) *handlertest.Region {
	t.Helper()
	return handlertest.NewRegion(t, newEnv(t, web.CertOff))
}

func TestPRSUnlock(t *testing.T) {
	pe := newRegion(t)
	c := pe.LoginAs(t, pe.MA.ID, handlertest.MemberPassword)
	for _, sc := range []handlertest.Scenario{
		{Name: "top needs unlock", Path: "/prs", WantStatus: 303, WantLocation: "/prs/login?next=%2Fprs"},
		{Name: "search needs unlock", Path: "/prs/patients?q=%E3%83%A4", WantStatus: 303, WantLocation: "/prs/login?next=%2Fprs%2Fpatients%3Fq%3D%25E3%2583%25A4"},
		{Name: "post needs unlock", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues(), WantStatus: 303, WantLocation: "/prs/login"},
		{Name: "unlock form", Path: "/prs/login?next=%2Fprs%2Flinked", WantStatus: 200, WantContains: []string{"施設登録情報", "「利用開始案内」のID・パスワードではありません", `name="oid"`, `name="password"`, `value="/prs/linked"`}},
		{Name: "empty", Method: "POST", Path: "/prs/login", Form: url.Values{}, WantStatus: 422, WantContains: []string{"施設ID（OID）を入力してください", "施設パスワードを入力してください"}},
		{Name: "member password", Method: "POST", Path: "/prs/login", Form: url.Values{"oid": {pe.FA.OID}, "password": {handlertest.MemberPassword + "x"}}, WantStatus: 401, WantContains: []string{"施設ID（OID）または施設パスワードが正しくありません"}},
		{Name: "another facility's pair", Method: "POST", Path: "/prs/login", Form: url.Values{"oid": {pe.FB.OID}, "password": {handlertest.FacilityPassword}}, WantStatus: 401, WantContains: []string{"施設ID（OID）または施設パスワードが正しくありません"}},
		{Name: "right pair, lower case, next", Method: "POST", Path: "/prs/login", Form: url.Values{"oid": {strings.ToLower(pe.FA.OID)}, "password": {handlertest.FacilityPassword}, "next": {"/prs/linked"}}, WantStatus: 303, WantLocation: "/prs/linked"},
		{Name: "top", Path: "/prs", WantStatus: 200, WantContains: []string{"患者様登録ソフト", "あおば内科クリニック", pe.FA.OID, "患者一覧・検索", "新規登録", "連携患者", "施設情報修正", `hx-get="/prs/patients"`, `hx-trigger="input changed delay:300ms, search"`}},
		{Name: "unlock form when unlocked", Path: "/prs/login", WantStatus: 303, WantLocation: "/prs"},
		{Name: "lock", Method: "POST", Path: "/prs/lock", WantStatus: 303, WantLocation: "/menu"},
		{Name: "locked again", Path: "/prs", WantStatus: 303, WantLocation: "/prs/login?next=%2Fprs"},
		{Name: "foreign next ignored", Method: "POST", Path: "/prs/login", Form: url.Values{"oid": {pe.FA.OID}, "password": {handlertest.FacilityPassword}, "next": {"https://evil.example/"}}, WantStatus: 303, WantLocation: "/prs"},
	} {
		sc.Run(t, c)
	}
	// htmx requests are sent to the unlock as a whole page.
	locked := pe.LoginAs(t, pe.MB.ID, handlertest.MemberPassword)
	locked.Headers["HX-Request"] = "true"
	locked.Headers["HX-Target"] = "patient-results"
	res := locked.Get("/prs/patients?q=a")
	if res.Status != 204 || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/prs/login") {
		t.Fatalf("htmx without unlock: %d %q", res.Status, res.Header.Get("HX-Redirect"))
	}
	// Throttled like login: ten failures hold the member at this address;
	// the tenth still answers as a failure and says so, the next is 429.
	tc := pe.LoginAs(t, pe.MC.ID, handlertest.MemberPassword)
	for i := 1; i < store.PairFailureLimit; i++ {
		if res := tc.Post("/prs/login", url.Values{"oid": {pe.FC.OID}, "password": {"wrong-" + string(rune('a'+i))}}); res.Status != 401 || strings.Contains(res.Body, "一時的に停止") {
			t.Fatalf("failure %d: %d", i, res.Status)
		}
	}
	res = tc.Post("/prs/login", url.Values{"oid": {pe.FC.OID}, "password": {"wrong-z"}})
	if res.Status != 401 || !strings.Contains(res.Body, "施設ID（OID）または施設パスワードが正しくありません") || !strings.Contains(res.Body, "一時的に停止します") {
		t.Fatalf("failure that starts the hold: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	res = tc.Post("/prs/login", url.Values{"oid": {pe.FC.OID}, "password": {handlertest.FacilityPassword}})
	if res.Status != 429 || !strings.Contains(res.Body, "施設認証を一時的に停止しています") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after ten failures: %d %q\n%s", res.Status, res.Header.Get("Retry-After"), handlertest.Snippet(res.Body))
	}
	// Audited.
	page, err := pe.DB.ListAudit(store.AuditFilter{Action: "prs.unlock", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	for _, e := range page.Events {
		results[e.Result]++
	}
	if results[store.ResultOK] != 2 || results[store.ResultFailed] != 2+store.PairFailureLimit || results[store.ResultDenied] != 1 {
		t.Fatalf("audited unlocks: %v", results)
	}
	// An operator has no facility: 403.
	op := pe.LoginOperator(t)
	for _, p := range []string{"/prs", "/prs/login"} {
		if res := op.Get(p); res.Status != 403 {
			t.Errorf("operator %s: %d", p, res.Status)
		}
	}
}

// PRS unlock holds are login holds the operator sees, labelled 施設認証,
// and clears like them.
func TestOperatorSeesAndClearsPRSHold(t *testing.T) {
	pe := newRegion(t)
	pe.FakeClock()
	const addr = "192.0.2.50"
	fail := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := pe.DB.PRSUnlock(pe.MC.ID, pe.FC.OID, "wrong", addr); store.ErrorCode(err) != store.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
	}
	fail(store.PairFailureLimit)
	key := "account|" + store.PRSAccount(pe.MC.ID) + "|" + addr
	op := pe.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "dashboard", Path: "/admin", WantStatus: 200, WantContains: []string{`data-testid="login-holds"`, "施設認証（患者様登録ソフト）：ID＋アドレス", `href="/admin/members/` + pe.MC.ID + `"`, addr}},
		{Name: "holds page", Path: "/admin/login-holds", WantStatus: 200, WantContains: []string{"施設認証（患者様登録ソフト）：ID＋アドレス", `value="` + key + `"`}},
		{Name: "member page", Path: "/admin/members/" + pe.MC.ID, WantStatus: 200, WantContains: []string{"施設認証（患者様登録ソフト）：ID＋アドレス", addr,
			"直近1時間の失敗：0 回", "患者様登録ソフトの施設認証　直近1時間の失敗：10 回", `data-testid="clear-limits"`}},
		{Name: "clear", Method: "POST", Path: "/admin/login-holds/clear", Form: url.Values{"key": {key}, "back": {"/admin/members/" + pe.MC.ID}},
			WantStatus: 303, WantLocation: "/admin/members/" + pe.MC.ID + "?done=updated"},
		{Name: "gone", Path: "/admin/login-holds", WantStatus: 200, WantContains: []string{`data-testid="no-holds"`}},
	} {
		sc.Run(t, op)
	}
	if _, err := pe.DB.PRSUnlock(pe.MC.ID, pe.FC.OID, handlertest.FacilityPassword, addr); err != nil {
		t.Fatalf("after the clear: %v", err)
	}
	// The member's 「ログイン制限をすべて解除」 lifts PRS holds too.
	fail(store.PairFailureLimit)
	for _, sc := range []handlertest.Scenario{
		{Name: "clear all", Method: "POST", Path: "/admin/members/" + pe.MC.ID + "/login-limits/clear", WantStatus: 303},
		{Name: "nothing left", Path: "/admin/members/" + pe.MC.ID, WantStatus: 200, WantContains: []string{"施設認証（患者様登録ソフト）のID+アドレスの一時停止"}, WantAbsent: []string{"施設認証（患者様登録ソフト）：ID＋アドレス", `data-testid="prs-failure-state"`, `data-testid="clear-limits"`}},
	} {
		sc.Run(t, op)
	}
	if _, err := pe.DB.PRSUnlock(pe.MC.ID, pe.FC.OID, handlertest.FacilityPassword, addr); err != nil {
		t.Fatalf("after clearing the member's limits: %v", err)
	}
}

func TestPRSSuspendedFacility(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	id := handlertest.Register(t, c, handlertest.PatientValues())
	// The operator suspends the facility (written directly here).
	err := pe.DB.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("facilities"))
		var f store.Facility
		if err := json.Unmarshal(b.Get([]byte(pe.FA.OID)), &f); err != nil {
			return err
		}
		f.Active = false
		data, _ := json.Marshal(f)
		return b.Put([]byte(f.OID), data)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/prs", "/prs/patients/" + id} {
		if res := c.Get(p); res.Status != 403 || !strings.Contains(res.Body, "利用停止中") || strings.Contains(res.Body, "山田") {
			t.Errorf("%s of a suspended facility: %d", p, res.Status)
		}
	}
	// Nor can it be unlocked again.
	c2 := pe.LoginAs(t, pe.MA.ID, handlertest.MemberPassword)
	if res := c2.Post("/prs/login", url.Values{"oid": {pe.FA.OID}, "password": {handlertest.FacilityPassword}}); res.Status != 401 {
		t.Errorf("unlock of a suspended facility: %d", res.Status)
	}
}
