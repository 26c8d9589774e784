package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"hotline/store"
)

// PRS handler tests: the facility unlock, every validation of the patient
// forms, search, links, the access card and an authorization matrix over
// every PRS route.

const (
	prsMemberPassword   = "member-Pass-2345"
	prsFacilityPassword = "facility-Pass-2345"
)

// prsEnv is a server with three facilities (A, B, C), one member each.
type prsEnv struct {
	*testEnv
	ma, mb, mc store.Member
	fa, fb, fc store.Facility
}

func newPRSEnv(t testing.TB) *prsEnv {
	t.Helper()
	env := newTestEnv(t, CertOff)
	pe := &prsEnv{testEnv: env}
	var err error
	pe.ma, pe.fa, err = env.db.CreateTestMember(store.TestMemberSpec{Name: "医師 一郎", Password: prsMemberPassword, FacilityPassword: prsFacilityPassword, FacilityName: "あおば内科クリニック"})
	if err != nil {
		t.Fatal(err)
	}
	pe.mb, pe.fb, err = env.db.CreateTestMember(store.TestMemberSpec{Name: "医師 二郎", Password: prsMemberPassword, FacilityPassword: prsFacilityPassword, FacilityName: "みなと総合病院", FacilityKind: store.FacilityHospital})
	if err != nil {
		t.Fatal(err)
	}
	pe.mc, pe.fc, err = env.db.CreateTestMember(store.TestMemberSpec{Name: "薬剤師 三子", Password: prsMemberPassword, FacilityPassword: prsFacilityPassword, FacilityName: "さくら薬局", FacilityKind: store.FacilityPharmacy})
	if err != nil {
		t.Fatal(err)
	}
	return pe
}

// unlocked logs m in and unlocks PRS for its facility.
func (pe *prsEnv) unlocked(t testing.TB, m store.Member) *testClient {
	t.Helper()
	c := pe.loginAs(t, m.ID, prsMemberPassword)
	res := c.post("/prs/login", url.Values{"oid": {m.FacilityOID}, "password": {prsFacilityPassword}})
	if res.Status != http.StatusSeeOther || res.Location != "/prs" {
		t.Fatalf("unlock %s: %d %q\n%s", m.ID, res.Status, res.Location, snippet(res.Body))
	}
	return c
}

var patientLocation = regexp.MustCompile(`^/prs/patients/(P[A-Z0-9]{12})$`)

// register posts the registration form and returns the new patient's ID.
func register(t *testing.T, c *testClient, form url.Values) string {
	t.Helper()
	res := c.post("/prs/patients", form)
	m := patientLocation.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %q\n%s", res.Status, res.Location, snippet(res.Body))
	}
	return m[1]
}

func patientValues(kv ...string) url.Values {
	v := url.Values{"name": {"山田 太郎"}, "name_kana": {"ヤマダ タロウ"}, "birth_date": {"1970-04-01"}, "sex": {"male"},
		"chart_number": {"1001"}, "insurer_number": {"01130012"}, "insured_symbol": {"12"}, "insured_number": {"345"},
		"insured_branch": {"01"}, "postal": {"100-0001"}, "address": {"東京都千代田区千代田1-1"}, "phone": {"03-1234-5678"},
		"allergies": {"ペニシリン"}, "notes": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestPRSUnlock(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.loginAs(t, pe.ma.ID, prsMemberPassword)
	for _, sc := range []scenario{
		{name: "top needs unlock", path: "/prs", wantStatus: 303, wantLocation: "/prs/login?next=%2Fprs"},
		{name: "search needs unlock", path: "/prs/patients?q=%E3%83%A4", wantStatus: 303, wantLocation: "/prs/login?next=%2Fprs%2Fpatients%3Fq%3D%25E3%2583%25A4"},
		{name: "post needs unlock", method: "POST", path: "/prs/patients", form: patientValues(), wantStatus: 303, wantLocation: "/prs/login"},
		{name: "unlock form", path: "/prs/login?next=%2Fprs%2Flinked", wantStatus: 200, wantContains: []string{"施設登録情報", "「利用開始案内」のID・パスワードではありません", `name="oid"`, `name="password"`, `value="/prs/linked"`}},
		{name: "empty", method: "POST", path: "/prs/login", form: url.Values{}, wantStatus: 422, wantContains: []string{"施設ID（OID）を入力してください", "施設パスワードを入力してください"}},
		{name: "member password", method: "POST", path: "/prs/login", form: url.Values{"oid": {pe.fa.OID}, "password": {prsMemberPassword + "x"}}, wantStatus: 401, wantContains: []string{"施設ID（OID）または施設パスワードが正しくありません"}},
		{name: "another facility's pair", method: "POST", path: "/prs/login", form: url.Values{"oid": {pe.fb.OID}, "password": {prsFacilityPassword}}, wantStatus: 401, wantContains: []string{"施設ID（OID）または施設パスワードが正しくありません"}},
		{name: "right pair, lower case, next", method: "POST", path: "/prs/login", form: url.Values{"oid": {strings.ToLower(pe.fa.OID)}, "password": {prsFacilityPassword}, "next": {"/prs/linked"}}, wantStatus: 303, wantLocation: "/prs/linked"},
		{name: "top", path: "/prs", wantStatus: 200, wantContains: []string{"患者様登録ソフト", "あおば内科クリニック", pe.fa.OID, "患者一覧・検索", "新規登録", "連携患者", "施設情報修正", `hx-get="/prs/patients"`, `hx-trigger="input changed delay:300ms, search"`}},
		{name: "unlock form when unlocked", path: "/prs/login", wantStatus: 303, wantLocation: "/prs"},
		{name: "lock", method: "POST", path: "/prs/lock", wantStatus: 303, wantLocation: "/menu"},
		{name: "locked again", path: "/prs", wantStatus: 303, wantLocation: "/prs/login?next=%2Fprs"},
		{name: "foreign next ignored", method: "POST", path: "/prs/login", form: url.Values{"oid": {pe.fa.OID}, "password": {prsFacilityPassword}, "next": {"https://evil.example/"}}, wantStatus: 303, wantLocation: "/prs"},
	} {
		sc.run(t, c)
	}
	// htmx requests are sent to the unlock as a whole page.
	locked := pe.loginAs(t, pe.mb.ID, prsMemberPassword)
	locked.headers["HX-Request"] = "true"
	locked.headers["HX-Target"] = "patient-results"
	res := locked.get("/prs/patients?q=a")
	if res.Status != 204 || !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/prs/login") {
		t.Fatalf("htmx without unlock: %d %q", res.Status, res.Header.Get("HX-Redirect"))
	}
	// Throttled like login: ten failures hold the member at this address;
	// the tenth still answers as a failure and says so, the next is 429.
	tc := pe.loginAs(t, pe.mc.ID, prsMemberPassword)
	for i := 1; i < store.PairFailureLimit; i++ {
		if res := tc.post("/prs/login", url.Values{"oid": {pe.fc.OID}, "password": {"wrong-" + string(rune('a'+i))}}); res.Status != 401 || strings.Contains(res.Body, "一時的に停止") {
			t.Fatalf("failure %d: %d", i, res.Status)
		}
	}
	res = tc.post("/prs/login", url.Values{"oid": {pe.fc.OID}, "password": {"wrong-z"}})
	if res.Status != 401 || !strings.Contains(res.Body, "施設ID（OID）または施設パスワードが正しくありません") || !strings.Contains(res.Body, "一時的に停止します") {
		t.Fatalf("failure that starts the hold: %d\n%s", res.Status, snippet(res.Body))
	}
	res = tc.post("/prs/login", url.Values{"oid": {pe.fc.OID}, "password": {prsFacilityPassword}})
	if res.Status != 429 || !strings.Contains(res.Body, "施設認証を一時的に停止しています") || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after ten failures: %d %q\n%s", res.Status, res.Header.Get("Retry-After"), snippet(res.Body))
	}
	// Audited.
	page, err := pe.db.ListAudit(store.AuditFilter{Action: "prs.unlock", Limit: 100})
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
	op := pe.loginOperator(t)
	for _, p := range []string{"/prs", "/prs/login"} {
		if res := op.get(p); res.Status != 403 {
			t.Errorf("operator %s: %d", p, res.Status)
		}
	}
}

// PRS unlock holds are login holds the operator sees, labelled 施設認証,
// and clears like them.
func TestOperatorSeesAndClearsPRSHold(t *testing.T) {
	pe := newPRSEnv(t)
	pe.fakeClock()
	const addr = "192.0.2.50"
	fail := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := pe.db.PRSUnlock(pe.mc.ID, pe.fc.OID, "wrong", addr); store.ErrorCode(err) != store.EUNAUTHORIZED {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
	}
	fail(store.PairFailureLimit)
	key := "account|" + store.PRSAccount(pe.mc.ID) + "|" + addr
	op := pe.loginOperator(t)
	for _, sc := range []scenario{
		{name: "dashboard", path: "/admin", wantStatus: 200, wantContains: []string{`data-testid="login-holds"`, "施設認証（患者様登録ソフト）：ID＋アドレス", `href="/admin/members/` + pe.mc.ID + `"`, addr}},
		{name: "holds page", path: "/admin/login-holds", wantStatus: 200, wantContains: []string{"施設認証（患者様登録ソフト）：ID＋アドレス", `value="` + key + `"`}},
		{name: "member page", path: "/admin/members/" + pe.mc.ID, wantStatus: 200, wantContains: []string{"施設認証（患者様登録ソフト）：ID＋アドレス", addr,
			"直近1時間の失敗：0 回", "患者様登録ソフトの施設認証　直近1時間の失敗：10 回", `data-testid="clear-limits"`}},
		{name: "clear", method: "POST", path: "/admin/login-holds/clear", form: url.Values{"key": {key}, "back": {"/admin/members/" + pe.mc.ID}},
			wantStatus: 303, wantLocation: "/admin/members/" + pe.mc.ID + "?done=updated"},
		{name: "gone", path: "/admin/login-holds", wantStatus: 200, wantContains: []string{`data-testid="no-holds"`}},
	} {
		sc.run(t, op)
	}
	if _, err := pe.db.PRSUnlock(pe.mc.ID, pe.fc.OID, prsFacilityPassword, addr); err != nil {
		t.Fatalf("after the clear: %v", err)
	}
	// The member's 「ログイン制限をすべて解除」 lifts PRS holds too.
	fail(store.PairFailureLimit)
	for _, sc := range []scenario{
		{name: "clear all", method: "POST", path: "/admin/members/" + pe.mc.ID + "/login-limits/clear", wantStatus: 303},
		{name: "nothing left", path: "/admin/members/" + pe.mc.ID, wantStatus: 200, wantContains: []string{"施設認証（患者様登録ソフト）のID+アドレスの一時停止"}, wantAbsent: []string{"施設認証（患者様登録ソフト）：ID＋アドレス", `data-testid="prs-failure-state"`, `data-testid="clear-limits"`}},
	} {
		sc.run(t, op)
	}
	if _, err := pe.db.PRSUnlock(pe.mc.ID, pe.fc.OID, prsFacilityPassword, addr); err != nil {
		t.Fatalf("after clearing the member's limits: %v", err)
	}
}

func TestPatientFormValidation(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.unlocked(t, pe.ma)
	for _, sc := range []scenario{
		{name: "form", path: "/prs/patients/new", wantStatus: 200, wantContains: []string{"患者様の新規登録", `name="name_kana"`, `name="birth_date"`, `name="insurer_number"`, `name="insured_branch"`, `value="male"`, `value="female"`}},
		{name: "all empty", method: "POST", path: "/prs/patients", form: url.Values{}, wantStatus: 422, wantContains: []string{"氏名を入力してください", "フリガナを入力してください", "生年月日を入力してください", "性別を選択してください"}},
		{name: "kana with kanji", method: "POST", path: "/prs/patients", form: patientValues("name_kana", "山田"), wantStatus: 422, wantContains: []string{"カナ（カタカナまたはひらがな）で入力してください"}},
		{name: "kana with latin", method: "POST", path: "/prs/patients", form: patientValues("name_kana", "yamada"), wantStatus: 422, wantContains: []string{"カナ（カタカナまたはひらがな）で入力してください", `value="yamada"`}},
		{name: "kana too long", method: "POST", path: "/prs/patients", form: patientValues("name_kana", strings.Repeat("ヤ", store.KanaMaxLength+1)), wantStatus: 422, wantContains: []string{"カナは100文字以内で入力してください"}},
		{name: "control character", method: "POST", path: "/prs/patients", form: patientValues("address", "東京都千代田区\x1b千代田1-1"), wantStatus: 422, wantContains: []string{`<a href="#address">住所：住所に使用できない文字が含まれています</a>`}},
		{name: "control character in the kana", method: "POST", path: "/prs/patients", form: patientValues("name_kana", "ヤマダ\x00タロウ"), wantStatus: 422, wantContains: []string{`<a href="#name_kana">フリガナ：使用できない文字（制御文字や不正な文字コード）が含まれています</a>`}},
		{name: "birth nonsense", method: "POST", path: "/prs/patients", form: patientValues("birth_date", "むかし"), wantStatus: 422, wantContains: []string{"生年月日は YYYY-MM-DD または 和暦"}},
		{name: "birth no such day", method: "POST", path: "/prs/patients", form: patientValues("birth_date", "1970-02-30"), wantStatus: 422, wantContains: []string{"その日付は存在しません"}},
		{name: "wareki outside era", method: "POST", path: "/prs/patients", form: patientValues("birth_date", "昭和64年1月8日"), wantStatus: 422, wantContains: []string{"昭和は元年12月25日から64年1月7日までです"}},
		{name: "wareki letter outside era", method: "POST", path: "/prs/patients", form: patientValues("birth_date", "H31.5.1"), wantStatus: 422, wantContains: []string{"平成は元年1月8日から31年4月30日までです"}},
		{name: "birth future", method: "POST", path: "/prs/patients", form: patientValues("birth_date", "2999-01-01"), wantStatus: 422, wantContains: []string{"生年月日に未来の日付は入力できません"}},
		{name: "sex", method: "POST", path: "/prs/patients", form: patientValues("sex", "other"), wantStatus: 422, wantContains: []string{"性別は「男」または「女」"}},
		{name: "insurer check digit", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", "01130013"), wantStatus: 422, wantContains: []string{"検証番号"}},
		{name: "insurer prefecture", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", "01480012"), wantStatus: 422, wantContains: []string{"都道府県"}},
		{name: "insurer length", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", "12345"), wantStatus: 422, wantContains: []string{"保険者番号は8桁（国民健康保険は6桁）"}},
		{name: "kokuho check digit", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", "131012"), wantStatus: 422, wantContains: []string{"検証番号"}},
		{name: "kokuho padded to 8, check digit", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", "00131012"), wantStatus: 422, wantContains: []string{"検証番号"}},
		{name: "kokuho prefecture", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", "481012"), wantStatus: 422, wantContains: []string{"都道府県"}},
		{name: "number without insurer", method: "POST", path: "/prs/patients", form: patientValues("insurer_number", ""), wantStatus: 422, wantContains: []string{"保険者番号も入力してください"}},
		{name: "branch", method: "POST", path: "/prs/patients", form: patientValues("insured_branch", "123"), wantStatus: 422, wantContains: []string{"枝番は2桁の数字"}},
		{name: "branch without number", method: "POST", path: "/prs/patients", form: patientValues("insured_number", ""), wantStatus: 422, wantContains: []string{"枝番を入力する場合は番号も入力してください"}},
		{name: "chart characters", method: "POST", path: "/prs/patients", form: patientValues("chart_number", "12/34"), wantStatus: 422, wantContains: []string{"カルテ番号は英数字とハイフン"}},
		{name: "postal", method: "POST", path: "/prs/patients", form: patientValues("postal", "1000"), wantStatus: 422, wantContains: []string{"郵便番号"}},
		{name: "phone", method: "POST", path: "/prs/patients", form: patientValues("phone", "12-34"), wantStatus: 422, wantContains: []string{"電話番号"}},
		{name: "no csrf", method: "POST", path: "/prs/patients", form: patientValues(), noCSRF: true, wantStatus: 403},
	} {
		sc.run(t, c)
	}
	if n, _ := pe.db.CountPatients(pe.fa.OID); n != 0 {
		t.Fatalf("invalid forms stored %d patients", n)
	}
	// 国民健康保険: 6 digits, or padded with 00 to 8, stored as 6.
	for i, in := range []string{"131011", "00131011"} {
		kid := register(t, c, patientValues("name", "国保 一郎", "name_kana", "コクホ イチロウ", "birth_date", fmt.Sprintf("1980-01-0%d", i+1), "insurer_number", in, "chart_number", fmt.Sprintf("K-%d", i)))
		res := c.get("/prs/patients/" + kid)
		if !strings.Contains(res.Body, "<td>131011　記号・番号") || strings.Contains(res.Body, "00131011") {
			t.Errorf("kokuho %s not stored as 131011:\n%s", in, snippet(res.Body))
		}
	}
	// 和暦, hiragana and full-width input are accepted and normalised.
	id := register(t, c, patientValues("birth_date", "昭和45年4月1日", "name_kana", "やまだ　たろう", "insurer_number", "０１１３００１２", "chart_number", "ａ-１"))
	res := c.get("/prs/patients/" + id)
	for _, want := range []string{"昭和45年4月1日", "1970-04-01", "ヤマダ　タロウ", "01130012", "A-1", store.FormatPatientID(id), "変更履歴", "登録"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("patient page lacks %q", want)
		}
	}
	for _, sc := range []scenario{
		{name: "chart number taken", method: "POST", path: "/prs/patients", form: patientValues("name", "佐藤 花子", "name_kana", "サトウ ハナコ", "chart_number", "A-1"), wantStatus: 422, wantContains: []string{"このカルテ番号は既に別の患者様", store.FormatPatientID(id)}},
		{name: "likely duplicate (half-width kana, S45.4.1)", method: "POST", path: "/prs/patients", form: patientValues("name", "山田 太朗", "name_kana", "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date", "S45.4.1", "chart_number", "A-2"), wantStatus: 422,
			wantContains: []string{"同じフリガナ・生年月日の患者様が既に登録されています", `data-testid="duplicate-warning"`, `name="confirm_duplicate"`, store.FormatPatientID(id), `value="山田 太朗"`}},
	} {
		sc.run(t, c)
	}
	dup := register(t, c, patientValues("name", "山田 太朗", "name_kana", "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date", "S45.4.1", "chart_number", "A-2", "confirm_duplicate", "1"))
	if dup == id {
		t.Fatal("same ID twice")
	}
	other := register(t, c, patientValues("name", "山田 次郎", "name_kana", "ヤマダ ジロウ", "birth_date", "1970-04-01", "chart_number", "A-3"))
	// Edit: a version with who, when and what.
	res = c.get("/prs/patients/" + id + "/edit")
	if res.Status != 200 || !strings.Contains(res.Body, `name="version" value="1"`) || !strings.Contains(res.Body, `value="1970-04-01"`) {
		t.Fatalf("edit form: %d\n%s", res.Status, snippet(res.Body))
	}
	for _, sc := range []scenario{
		{name: "edit invalid", method: "POST", path: "/prs/patients/" + id + "/edit", form: patientValues("version", "1", "chart_number", "A-1", "birth_date", "R1.4.30"), wantStatus: 422, wantContains: []string{"令和は元年5月1日からです", "患者情報の修正"}},
		{name: "edit of a confirmed duplicate, kana and birth date unchanged", method: "POST", path: "/prs/patients/" + dup + "/edit", form: patientValues("version", "1", "name", "山田 太朗", "chart_number", "A-2", "birth_date", "1970-04-01", "name_kana", "ヤマダ タロウ", "notes", "別人と確認"), wantStatus: 303, wantLocation: "/prs/patients/" + dup + "?done=prs-updated"},
		{name: "edit into a duplicate", method: "POST", path: "/prs/patients/" + other + "/edit", form: patientValues("version", "1", "name", "山田 次郎", "chart_number", "A-3", "birth_date", "S45.4.1", "name_kana", "ヤマダ タロウ"), wantStatus: 422,
			wantContains: []string{"同じフリガナ・生年月日の患者様が既に登録されています", `data-testid="duplicate-warning"`, `name="confirm_duplicate"`, store.FormatPatientID(id), store.FormatPatientID(dup), "患者情報の修正", `name="version" value="1"`}},
		{name: "edit into a duplicate, confirmed", method: "POST", path: "/prs/patients/" + other + "/edit", form: patientValues("version", "1", "name", "山田 次郎", "chart_number", "A-3", "birth_date", "S45.4.1", "name_kana", "ヤマダ タロウ", "confirm_duplicate", "1"), wantStatus: 303, wantLocation: "/prs/patients/" + other + "?done=prs-updated"},
		{name: "edited into a duplicate", path: "/prs/patients/" + other, wantStatus: 200, wantContains: []string{"ヤマダ　タロウ", "昭和45年4月1日", "第2版"}},
		// The version is required (else the stale-edit check could not
		// run); the answer is no form, which would carry the current one.
		{name: "edit without version", method: "POST", path: "/prs/patients/" + id + "/edit", form: patientValues("chart_number", "A-1", "phone", "03-9999-8888"), wantStatus: 422, wantContains: []string{"修正画面の版が確認できません", "開き直して"}, wantAbsent: []string{`name="version"`, "03-9999-8888"}},
		{name: "edit with a version that is no number", method: "POST", path: "/prs/patients/" + id + "/edit", form: patientValues("version", "v1", "chart_number", "A-1", "phone", "03-9999-8888"), wantStatus: 422, wantContains: []string{"修正画面の版が確認できません"}, wantAbsent: []string{`name="version"`}},
		{name: "edit", method: "POST", path: "/prs/patients/" + id + "/edit", form: patientValues("version", "1", "chart_number", "A-1", "birth_date", "1970-04-01", "name_kana", "ヤマダ タロウ", "phone", "03-9999-8888"), wantStatus: 303, wantLocation: "/prs/patients/" + id + "?done=prs-updated"},
		{name: "stale edit", method: "POST", path: "/prs/patients/" + id + "/edit", form: patientValues("version", "1", "chart_number", "A-1", "phone", "03-1111-1111"), wantStatus: 409, wantContains: []string{"他の方が先にこの患者様の情報を修正しました"}},
		{name: "history", path: "/prs/patients/" + id + "?done=prs-updated", wantStatus: 200, wantContains: []string{"患者情報を修正しました", "修正", "電話番号", "03-1234-5678", "03-9999-8888", "医師 一郎", "第2版"}},
		{name: "deactivate", method: "POST", path: "/prs/patients/" + id + "/deactivate", form: url.Values{"reason": {"転居"}}, wantStatus: 303, wantLocation: "/prs/patients/" + id + "?done=prs-deactivated"},
		{name: "deactivated page", path: "/prs/patients/" + id, wantStatus: 200, wantContains: []string{`data-testid="patient-inactive"`, "無効化", "転居", "再び有効にする"}, wantAbsent: []string{`data-testid="card-form"`}},
		{name: "edit inactive", path: "/prs/patients/" + id + "/edit", wantStatus: 409},
		{name: "deactivate twice", method: "POST", path: "/prs/patients/" + id + "/deactivate", wantStatus: 409},
		{name: "reactivate", method: "POST", path: "/prs/patients/" + id + "/reactivate", wantStatus: 303},
		{name: "unknown patient", path: "/prs/patients/" + store.NewPatientID(), wantStatus: 404},
		{name: "not an id", path: "/prs/patients/12345", wantStatus: 404},
	} {
		sc.run(t, c)
	}
}

func TestPatientSearchPages(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.unlocked(t, pe.ma)
	register(t, c, patientValues("name", "山田 花子", "name_kana", "ヤマダ ハナコ", "sex", "female", "chart_number", "C-1"))
	register(t, c, patientValues("name", "中山 陽子", "name_kana", "ナカヤマ ヨウコ", "birth_date", "S50.1.2", "sex", "female", "chart_number", "C-2"))
	if err := pe.db.GeneratePatients(pe.fa.OID, pe.ma.ID, 11, 0, 60); err != nil {
		t.Fatal(err)
	}
	// The other facility's patient with the same kana never shows.
	cb := pe.unlocked(t, pe.mb)
	register(t, cb, patientValues("name", "山田 花江", "name_kana", "ヤマダ ハナエ", "chart_number", "X"))

	for _, q := range []string{"やまだ", "ヤマダ", "ﾔﾏﾀﾞ", "ｙａｍａｄａ", "山田 花", "C-1", "1970-04-01", "昭和45年4月1日"} {
		res := c.get("/prs/patients?q=" + url.QueryEscape(q))
		if q == "ｙａｍａｄａ" {
			if res.Status != 200 || !strings.Contains(res.Body, "見つかりませんでした") {
				t.Errorf("latin query: %d", res.Status)
			}
			continue
		}
		if res.Status != 200 || !strings.Contains(res.Body, "山田　花子") || strings.Contains(res.Body, "山田　花江") || !strings.Contains(res.Body, "<html") {
			t.Errorf("search %q: %d (has 花子 %v, 花江 %v)", q, res.Status, strings.Contains(res.Body, "山田　花子"), strings.Contains(res.Body, "山田　花江"))
		}
	}
	if res := c.get("/prs/patients?q=" + url.QueryEscape("S50.1.2")); !strings.Contains(res.Body, "中山　陽子") || strings.Contains(res.Body, "山田　花子") {
		t.Errorf("birth date search")
	}
	// The live search gets the result table alone.
	c.headers["HX-Request"] = "true"
	c.headers["HX-Target"] = "patient-results"
	res := c.get("/prs/patients?q=" + url.QueryEscape("ﾔﾏﾀﾞ"))
	delete(c.headers, "HX-Request")
	delete(c.headers, "HX-Target")
	if res.Status != 200 || strings.Contains(res.Body, "<html") || strings.Contains(res.Body, "site-header") || !strings.Contains(res.Body, `data-testid="patient-results"`) || !strings.Contains(res.Body, "山田　花子") {
		t.Fatalf("htmx fragment: %d\n%s", res.Status, snippet(res.Body))
	}
	if !strings.Contains(res.Header.Get("Vary"), "HX-Request") {
		t.Errorf("fragment without Vary: HX-Request")
	}
	// Paging without JavaScript: 62 patients, 20 a page.
	seen := map[string]bool{}
	next := "/prs/patients"
	pages := 0
	rowID := regexp.MustCompile(`<tr data-testid="patient-row"><td class="mono"><a href="/prs/patients/(P[A-Z0-9]{12})"`)
	nextLink := regexp.MustCompile(`<a href="([^"]+)" data-testid="next-page"`)
	for next != "" && pages < 10 {
		res := c.get(next)
		if res.Status != 200 {
			t.Fatalf("page %s: %d", next, res.Status)
		}
		for _, m := range rowID.FindAllStringSubmatch(res.Body, -1) {
			if seen[m[1]] {
				t.Fatalf("%s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := nextLink.FindStringSubmatch(res.Body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
		pages++
	}
	if len(seen) != 62 || pages != 4 {
		t.Fatalf("paged through %d patients in %d pages", len(seen), pages)
	}
	if res := c.get("/prs"); !strings.Contains(res.Body, "登録患者 62名") {
		t.Errorf("top lacks the count")
	}
}

func TestPatientLinkPages(t *testing.T) {
	pe := newPRSEnv(t)
	ca, cb := pe.unlocked(t, pe.ma), pe.unlocked(t, pe.mb)
	id := register(t, ca, patientValues())
	path := "/prs/patients/" + id
	for _, sc := range []scenario{
		{name: "b cannot see", path: path, wantStatus: 404, wantAbsent: []string{"山田"}},
		{name: "b cannot find by id", path: "/prs/patients?q=" + id, wantStatus: 200, wantAbsent: []string{"山田"}},
		{name: "b linked list empty", path: "/prs/linked", wantStatus: 200, wantContains: []string{"連携患者はいません"}},
	} {
		sc.run(t, cb)
	}
	for _, sc := range []scenario{
		{name: "link form", path: path, wantStatus: 200, wantContains: []string{`name="facility_oid"`, `name="consent"`, `value="written"`, `value="verbal"`, `name="consent_date"`}},
		{name: "no consent", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {pe.fb.OID}, "consent_method": {"written"}}, wantStatus: 422, wantContains: []string{"連携には患者様の同意が必要です"}},
		{name: "no method", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {pe.fb.OID}, "consent": {"on"}}, wantStatus: 422, wantContains: []string{"同意の方法（書面・口頭）を選択してください"}},
		{name: "bad oid", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {"12345"}, "consent": {"on"}, "consent_method": {"written"}}, wantStatus: 422, wantContains: []string{"施設ID（OID）は「F」と6桁の数字です"}},
		{name: "unknown facility", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {"F999999"}, "consent": {"on"}, "consent_method": {"written"}}, wantStatus: 422, wantContains: []string{"登録されていません"}},
		{name: "own facility", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {pe.fa.OID}, "consent": {"on"}, "consent_method": {"written"}}, wantStatus: 422, wantContains: []string{"自施設とは連携できません"}},
		{name: "future consent date", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {pe.fb.OID}, "consent": {"on"}, "consent_method": {"verbal"}, "consent_date": {"2999-01-01"}}, wantStatus: 422, wantContains: []string{"同意日に未来の日付は入力できません"}},
		{name: "link", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {pe.fb.OID}, "consent": {"on"}, "consent_method": {"written"}, "consent_date": {"R7.4.1"}}, wantStatus: 303, wantLocation: path + "?done=prs-linked"},
		{name: "linked shown", path: path + "?done=prs-linked", wantStatus: 200, wantContains: []string{"連携しました", "みなと総合病院", "2025-04-01", "書面", "連携中"}},
		{name: "again", method: "POST", path: path + "/links", form: url.Values{"facility_oid": {pe.fb.OID}, "consent": {"on"}, "consent_method": {"written"}}, wantStatus: 422, wantContains: []string{"既に連携しています"}},
	} {
		sc.run(t, ca)
	}
	for _, sc := range []scenario{
		{name: "b linked list", path: "/prs/linked", wantStatus: 200, wantContains: []string{"山田　太郎", "ヤマダ　タロウ", "昭和45年4月1日", "あおば内科クリニック", store.FormatPatientID(id)}},
		{name: "b sees identity only", path: path, wantStatus: 200, wantContains: []string{"山田　太郎", "昭和45年4月1日", `data-testid="linked-notice"`}, wantAbsent: []string{"01130012", "ペニシリン", "03-1234-5678", "変更履歴", "1001"}},
		{name: "b finds by id", path: "/prs/patients?q=" + url.QueryEscape(store.FormatPatientID(id)), wantStatus: 200, wantContains: []string{"山田　太郎", "連携"}},
		{name: "b cannot edit", path: path + "/edit", wantStatus: 403},
		{name: "b cannot print", method: "POST", path: path + "/card", wantStatus: 403},
	} {
		sc.run(t, cb)
	}
	for _, sc := range []scenario{
		{name: "revoke", method: "POST", path: path + "/links/" + pe.fb.OID + "/revoke", form: url.Values{"reason": {"同意の撤回"}}, wantStatus: 303, wantLocation: path + "?done=prs-unlinked"},
		{name: "revoked kept", path: path + "?done=prs-unlinked", wantStatus: 200, wantContains: []string{"連携を解除しました", "解除", "同意の撤回"}},
		{name: "revoke twice", method: "POST", path: path + "/links/" + pe.fb.OID + "/revoke", wantStatus: 404},
	} {
		sc.run(t, ca)
	}
	(scenario{name: "b after revoke", path: path, wantStatus: 404, wantAbsent: []string{"山田"}}).run(t, cb)
	(scenario{name: "b list after revoke", path: "/prs/linked", wantStatus: 200, wantContains: []string{"連携患者はいません"}}).run(t, cb)
	for _, sc := range []scenario{
		{name: "edit", method: "POST", path: path + "/edit", form: patientValues("version", "1", "phone", "03-7777-8888", "allergies", "なし"), wantStatus: 303, wantLocation: path + "?done=prs-updated"},
		{name: "card", method: "POST", path: path + "/card", wantStatus: 200},
		{name: "deactivate", method: "POST", path: path + "/deactivate", form: url.Values{"reason": {"転居"}}, wantStatus: 303, wantLocation: path + "?done=prs-deactivated"},
	} {
		sc.run(t, ca)
	}

	page, err := pe.db.ListAudit(store.AuditFilter{Patient: id, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	details := map[string][]string{}
	for _, e := range page.Events {
		details[e.Action+"/"+e.Actor] = append(details[e.Action+"/"+e.Actor], e.Detail)
	}
	for _, want := range []struct{ action, actor, detail string }{
		{"patient.create", pe.ma.ID, ""},
		{"patient.view", pe.ma.ID, "home"},
		{"patient.link", pe.ma.ID, "facility:" + pe.fb.OID + " consent:written 2025-04-01"},
		{"patient.view", pe.mb.ID, "linked"},
		{"patient.unlink", pe.ma.ID, "facility:" + pe.fb.OID + " 同意の撤回"},
		{"patient.update", pe.ma.ID, "fields:phone,allergies"},
		{"patient.card", pe.ma.ID, "card:1"},
		{"patient.deactivate", pe.ma.ID, "転居"},
	} {
		if !slices.Contains(details[want.action+"/"+want.actor], want.detail) {
			t.Errorf("not audited: %s by %s with %q (have %q)", want.action, want.actor, want.detail, details[want.action+"/"+want.actor])
		}
	}
}

func TestPatientAccessCardPDF(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.unlocked(t, pe.ma)
	id := register(t, c, patientValues())
	if res := c.get("/prs/patients/" + id); !strings.Contains(res.Body, `hx-boost="false"`) || !strings.Contains(res.Body, "未発行") {
		t.Fatal("card form must not be boosted")
	}
	codes := make([]string, 0, 2)
	for i := 0; i < 2; i++ {
		res := c.post("/prs/patients/"+id+"/card", nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") {
			t.Fatalf("card: %d %q\n%s", res.Status, res.Header.Get("Content-Type"), snippet(res.Body))
		}
		if !strings.Contains(res.Header.Get("Content-Disposition"), "access-card-"+id+".pdf") {
			t.Errorf("disposition %q", res.Header.Get("Content-Disposition"))
		}
		text := pdfText(t, res.Body)
		if !strings.Contains(text, store.FormatPatientID(id)) {
			t.Fatalf("card lacks the patient ID:\n%s", text)
		}
		code := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`).FindString(strings.ReplaceAll(text, store.FormatPatientID(id), ""))
		if code == "" {
			t.Fatalf("no access code on the card:\n%s", text)
		}
		codes = append(codes, code)
	}
	if codes[0] == codes[1] {
		t.Fatal("same code twice")
	}
	if _, err := pe.db.VerifyPatientAccess(id, codes[0]); store.ErrorCode(err) != store.EUNAUTHORIZED {
		t.Fatalf("first card still works: %v", err)
	}
	if p, err := pe.db.VerifyPatientAccess(id, codes[1]); err != nil || p.ID != id {
		t.Fatalf("second card: %v", err)
	}
	if res := c.get("/prs/patients/" + id); !strings.Contains(res.Body, "2回発行") {
		t.Error("card count not shown")
	}
}

// pdfText extracts a PDF's text with pdftotext (poppler-utils).
func pdfText(t *testing.T, doc string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext missing")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "card.pdf")
	if err := os.WriteFile(in, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestPRSFacilityPage(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.unlocked(t, pe.ma)
	other := pe.unlocked(t, pe.ma) // a second browser of the same member
	info := url.Values{"name": {"あおば内科・小児科クリニック"}, "postal": {"１６００００１"}, "address": {"東京都新宿区1-1"}, "phone": {"03-3333-4444"}, "departments": {"内科\n小児科、アレルギー科"}}
	with := func(v url.Values, kv ...string) url.Values {
		out := url.Values{}
		for k, vs := range v {
			out[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	for _, sc := range []scenario{
		{name: "page", path: "/prs/facility", wantStatus: 200, wantContains: []string{"施設情報修正", pe.fa.OID, `name="departments"`, `name="current"`, `name="new"`, `name="confirm"`}},
		{name: "invalid", method: "POST", path: "/prs/facility", form: with(info, "name", "", "postal", "12", "phone", "1"), wantStatus: 422, wantContains: []string{"施設名を入力してください", "郵便番号", "電話番号"}},
		{name: "save info", method: "POST", path: "/prs/facility", form: info, wantStatus: 303, wantLocation: "/prs/facility?done=prs-facility"},
		{name: "saved", path: "/prs/facility?done=prs-facility", wantStatus: 200, wantContains: []string{"施設情報を保存しました", "あおば内科・小児科クリニック", "160-0001", "内科\n小児科\nアレルギー科"}},
		{name: "wrong current", method: "POST", path: "/prs/facility", form: with(info, "current", "nope", "new", "brand-New-facility-9", "confirm", "brand-New-facility-9"), wantStatus: 422, wantContains: []string{"現在の施設パスワードが正しくありません"}},
		{name: "weak new", method: "POST", path: "/prs/facility", form: with(info, "current", prsFacilityPassword, "new", "password1234", "confirm", "password1234"), wantStatus: 422, wantContains: []string{"新しい施設パスワード"}},
		{name: "mismatch", method: "POST", path: "/prs/facility", form: with(info, "current", prsFacilityPassword, "new", "brand-New-facility-9", "confirm", "brand-New-facility-8"), wantStatus: 422, wantContains: []string{"確認用のパスワードが一致しません"}},
		{name: "password only", method: "POST", path: "/prs/facility", form: url.Values{"current": {prsFacilityPassword}, "new": {"brand-New-facility-9"}, "confirm": {"brand-New-facility-9"}}, wantStatus: 303, wantLocation: "/prs/facility?done=prs-facility-password"},
		{name: "still unlocked here", path: "/prs", wantStatus: 200},
	} {
		sc.run(t, c)
	}
	f, _ := pe.db.Facility(pe.fa.OID)
	if f.Name != "あおば内科・小児科クリニック" || len(f.Departments) != 3 {
		t.Fatalf("facility %+v", f)
	}
	// The other browser must unlock again, with the new password.
	(scenario{name: "other relocked", path: "/prs", wantStatus: 303, wantLocation: "/prs/login?next=%2Fprs"}).run(t, other)
	(scenario{name: "old password", method: "POST", path: "/prs/login", form: url.Values{"oid": {pe.fa.OID}, "password": {prsFacilityPassword}}, wantStatus: 401}).run(t, other)
	(scenario{name: "new password", method: "POST", path: "/prs/login", form: url.Values{"oid": {pe.fa.OID}, "password": {"brand-New-facility-9"}}, wantStatus: 303}).run(t, other)
}

// TestPRSAuthorizationMatrix runs every PRS route as each kind of visitor.
func TestPRSAuthorizationMatrix(t *testing.T) {
	pe := newPRSEnv(t)
	own := pe.unlocked(t, pe.ma)
	linked := pe.unlocked(t, pe.mb)
	stranger := pe.unlocked(t, pe.mc)
	id := register(t, own, patientValues())
	if res := own.post("/prs/patients/"+id+"/links", url.Values{"facility_oid": {pe.fb.OID}, "consent": {"on"}, "consent_method": {"verbal"}}); res.Status != 303 {
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
	registered := want{status: 303, loc: patientLocation}
	done := func(key string) want { return to(pp + "?done=" + key) }
	type route struct {
		method, path string
		form         func() url.Values
		want         map[string]want // for other, linkedTo and home
	}
	n := 0
	newPatient := func() url.Values {
		n++
		return patientValues("name", "行列 試験", "name_kana", "ギョウレツ シケン", "chart_number", "M"+string(rune('A'+n)))
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
			return patientValues("version", "1", "birth_date", "むかし", "name_kana", "山田")
		}, map[string]want{other: notFound, linkedTo: forbidden, home: invalid}},
		{"POST", pp + "/edit", func() url.Values { return patientValues("version", "1", "phone", "03-5555-6666") }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-updated")}},
		{"POST", pp + "/links", func() url.Values {
			return url.Values{"facility_oid": {pe.fc.OID}, "consent": {"on"}, "consent_method": {"written"}}
		}, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-linked")}},
		{"POST", pp + "/card", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: ok}},
		{"POST", pp + "/deactivate", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-deactivated")}},
		{"POST", pp + "/reactivate", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-reactivated")}},
		{"POST", pp + "/links/" + pe.fb.OID + "/revoke", func() url.Values { return url.Values{} }, map[string]want{other: notFound, linkedTo: forbidden, home: done("prs-unlinked")}},
	}
	clients := []struct {
		role string
		c    *testClient
	}{
		{anon, pe.client()},
		{locked, pe.loginAs(t, pe.ma.ID, prsMemberPassword)},
		{operator, pe.loginOperator(t)},
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
			var res testResponse
			if r.method == "GET" {
				res = cl.c.get(r.path)
			} else {
				res = cl.c.post(r.path, r.form())
			}
			wantLoc := ""
			if w.loc != nil {
				wantLoc = w.loc.String()
			}
			if res.Status != w.status || (w.loc == nil) != (res.Location == "") || (w.loc != nil && !w.loc.MatchString(res.Location)) {
				t.Errorf("%s %s as %s: %d %q, want %d %s\n%s", r.method, r.path, cl.role, res.Status, res.Location, w.status, wantLoc, snippet(res.Body))
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

func TestPRSSuspendedFacility(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.unlocked(t, pe.ma)
	id := register(t, c, patientValues())
	// The operator suspends the facility (written directly here).
	err := pe.db.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("facilities"))
		var f store.Facility
		if err := json.Unmarshal(b.Get([]byte(pe.fa.OID)), &f); err != nil {
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
		if res := c.get(p); res.Status != 403 || !strings.Contains(res.Body, "利用停止中") || strings.Contains(res.Body, "山田") {
			t.Errorf("%s of a suspended facility: %d", p, res.Status)
		}
	}
	// Nor can it be unlocked again.
	c2 := pe.loginAs(t, pe.ma.ID, prsMemberPassword)
	if res := c2.post("/prs/login", url.Values{"oid": {pe.fa.OID}, "password": {prsFacilityPassword}}); res.Status != 401 {
		t.Errorf("unlock of a suspended facility: %d", res.Status)
	}
}

// Lists and searches are accesses to patient data too: each page is one
// audit line naming the patients shown.
func TestPatientListsAreAudited(t *testing.T) {
	pe := newPRSEnv(t)
	c := pe.unlocked(t, pe.ma)
	id := register(t, c, patientValues())
	if res := c.get("/prs/patients?q=" + url.QueryEscape("やまだ")); res.Status != http.StatusOK {
		t.Fatalf("search: %d", res.Status)
	}
	pe.db.FlushAudit() // the line goes to a group commit the page does not wait for
	page, err := pe.db.ListAudit(store.AuditFilter{Actor: pe.ma.ID, Action: "patient.list"})
	if err != nil || len(page.Events) == 0 || !strings.Contains(page.Events[0].Detail, id) {
		t.Fatalf("search not audited with the patient shown: %+v %v", page.Events, err)
	}
	// A search that shows nobody writes nothing.
	before := len(page.Events)
	c.get("/prs/patients?q=" + url.QueryEscape("ワタナベ"))
	pe.db.FlushAudit()
	page, _ = pe.db.ListAudit(store.AuditFilter{Actor: pe.ma.ID, Action: "patient.list"})
	if len(page.Events) != before {
		t.Fatal("an empty result was audited")
	}
}
