package handlers

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hotline/store"
)

// newFacilityForm is a valid application for a new facility.
func newFacilityForm(email string) url.Values {
	return url.Values{
		"name": {"山田 太郎"}, "name_kana": {"やまだ たろう"}, "qualification": {"doctor"}, "license_number": {"123456"},
		"email": {email}, "phone": {"03-1234-5678"}, "facility_choice": {"new"},
		"facility_name": {"山田内科クリニック"}, "facility_kind": {"clinic"}, "facility_code": {"0110113719"},
		"facility_postal": {"100-0001"}, "facility_address": {"東京都千代田区千代田1-1"}, "facility_phone": {"03-1234-0001"},
	}
}

// existingFacilityForm is a valid application for a registered facility,
// with only the contract's field names (no facility_choice).
func existingFacilityForm(email, oid string) url.Values {
	return url.Values{
		"name": {"佐藤 花子"}, "name_kana": {"サトウ ハナコ"}, "qualification": {"nurse"}, "license_number": {"７６５４３２１"},
		"email": {email}, "phone": {"090-1234-5678"}, "facility_oid": {oid},
	}
}

func formWith(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<delete>" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

var receiptPattern = regexp.MustCompile(`^/apply/receipt/[a-z2-7]{32}$`)

// apply posts an application and returns the receipt path.
func apply(t *testing.T, c *testClient, form url.Values) string {
	t.Helper()
	res := c.post("/apply", form)
	if res.Status != http.StatusSeeOther || !receiptPattern.MatchString(res.Location) {
		t.Fatalf("apply: %d %q\n%s", res.Status, res.Location, snippet(res.Body))
	}
	return res.Location
}

func TestApplyValidation(t *testing.T) {
	env := newTestEnv(t, CertOff)
	_, fac, err := env.db.CreateTestMember(store.TestMemberSpec{Name: "既存 会員", Password: "existing-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	c := env.client()
	base := newFacilityForm("taro@example.jp")
	invalid := func(name string, form url.Values, field, msg string) scenario {
		kept := `value="山田 太郎"` // the values come back
		if field == "name" {
			kept = `value="03-1234-5678"`
		}
		return scenario{name: name, method: http.MethodPost, path: "/apply", form: form, wantStatus: 422,
			wantContains: []string{`data-testid="error-` + field + `"`, msg, kept}, wantMatch: []string{fieldMessage(field, msg)}}
	}
	for _, sc := range []scenario{
		{name: "form", path: "/apply", wantStatus: 200, wantContains: []string{
			`name="name"`, `name="name_kana"`, `name="qualification"`, `name="license_number"`, `name="email"`, `name="phone"`,
			`name="facility_choice"`, `value="existing"`, `value="new"`, "所属医療機関は施設登録済み", "新規に施設登録する",
			`name="facility_oid"`, `name="facility_name"`, `name="facility_kind"`, `name="facility_code"`,
			`name="facility_postal"`, `name="facility_address"`, `name="facility_phone"`, `name="_csrf"`,
			`<option value="doctor"`, `<option value="dentist"`, `<option value="pharmacist"`, `<option value="nurse"`, `<option value="other"`,
			`<option value="clinic"`, `<option value="hospital"`, `<option value="pharmacy"`}},
		invalid("name missing", formWith(base, "name", ""), "name", "氏名を入力してください"),
		invalid("kana missing", formWith(base, "name_kana", ""), "name_kana", "フリガナを入力してください"),
		invalid("kana not kana", formWith(base, "name_kana", "Yamada"), "name_kana", "フリガナはカナ（カタカナまたはひらがな）で入力してください"),
		invalid("kana too long", formWith(base, "name_kana", strings.Repeat("や", 61)), "name_kana", "フリガナは60文字以内で入力してください"),
		invalid("qualification missing", formWith(base, "qualification", ""), "qualification", "資格を選択してください"),
		invalid("qualification unknown", formWith(base, "qualification", "vet"), "qualification", "資格を選択してください"),
		invalid("licence missing", formWith(base, "license_number", ""), "license_number", "免許番号（登録番号）を入力してください"),
		invalid("licence letters", formWith(base, "license_number", "A-12"), "license_number", "免許番号は数字10桁以内で入力してください"),
		invalid("email missing", formWith(base, "email", ""), "email", "メールアドレスを入力してください"),
		invalid("email bad", formWith(base, "email", "taro@@example.jp"), "email", "メールアドレスの形式が正しくありません"),
		invalid("phone missing", formWith(base, "phone", ""), "phone", "電話番号を入力してください"),
		invalid("phone bad", formWith(base, "phone", "123"), "phone", "電話番号は 03-1234-5678 のように入力してください"),
		invalid("no facility at all", formWith(base, "facility_choice", "<delete>", "facility_name", "", "facility_code", "", "facility_postal", "",
			"facility_address", "", "facility_phone", ""), "facility_choice", "所属医療機関が施設登録済みか、新規に施設登録するかを選んでください"),
		invalid("both without a choice", formWith(base, "facility_choice", "<delete>", "facility_oid", fac.OID), "facility_choice", "どちらか一方だけを入力してください"),
		invalid("existing without OID", formWith(base, "facility_choice", "existing"), "facility_oid", "施設ID（OID）を入力してください"),
		invalid("OID format", formWith(base, "facility_choice", "existing", "facility_oid", "123"), "facility_oid", "OIDは F で始まる7文字"),
		invalid("OID unknown", formWith(base, "facility_choice", "existing", "facility_oid", "F999999"), "facility_oid", "このOIDの施設は登録されていないか"),
		invalid("facility name", formWith(base, "facility_name", ""), "facility_name", "施設名を入力してください"),
		invalid("facility kind", formWith(base, "facility_kind", ""), "facility_kind", "施設区分を選択してください"),
		invalid("code missing", formWith(base, "facility_code", ""), "facility_code", "医療機関コード（10桁）を入力してください"),
		invalid("code length", formWith(base, "facility_code", "011011371"), "facility_code", "医療機関コードは10桁の数字で入力してください"),
		invalid("code prefecture", formWith(base, "facility_code", "4810113719"), "facility_code", "都道府県番号"),
		invalid("code table", formWith(base, "facility_code", "0120113719"), "facility_code", "点数表番号"),
		invalid("code check digit", formWith(base, "facility_code", "0110113718"), "facility_code", "検証番号"),
		invalid("pharmacy code", formWith(base, "facility_kind", "pharmacy"), "facility_code", "薬局の医療機関コードは3桁目"),
		invalid("clinic with a pharmacy code", formWith(base, "facility_code", "0140113713"), "facility_code",
			"診療所・病院の医療機関コードは3桁目（点数表番号）が 1（医科）または 3（歯科）です"),
		invalid("hospital with a home-nursing code", formWith(base, "facility_kind", "hospital", "facility_code", "0160113718"), "facility_code",
			"診療所・病院の医療機関コードは3桁目（点数表番号）が 1（医科）または 3（歯科）です"),
		invalid("postal missing", formWith(base, "facility_postal", ""), "facility_postal", "郵便番号を入力してください"),
		invalid("postal bad", formWith(base, "facility_postal", "100"), "facility_postal", "郵便番号は 123-4567 のように7桁で入力してください"),
		invalid("address missing", formWith(base, "facility_address", ""), "facility_address", "所在地を入力してください"),
		invalid("facility phone missing", formWith(base, "facility_phone", ""), "facility_phone", "施設の電話番号を入力してください"),
		invalid("facility phone bad", formWith(base, "facility_phone", "0"), "facility_phone", "電話番号は 03-1234-5678 のように入力してください"),
		{name: "no CSRF token", method: http.MethodPost, path: "/apply", form: base, noCSRF: true, wantStatus: 403},
	} {
		sc.run(t, c)
	}
	// Several problems at once: every message beside its field and in the
	// summary, the values kept.
	res := c.post("/apply", formWith(base, "email", "x", "facility_postal", "1", "name_kana", "漢字"))
	if res.Status != 422 || !strings.Contains(res.Body, `data-testid="error-summary"`) ||
		strings.Count(res.Body, `class="field-error"`) != 3 || !strings.Contains(res.Body, `value="山田内科クリニック"`) {
		t.Fatalf("several errors: %d\n%s", res.Status, snippet(res.Body))
	}
	if apps, _ := env.db.Applications(""); len(apps) != 0 {
		t.Fatalf("invalid posts stored %d applications", len(apps))
	}

	// A pending application with the same e-mail: a clear message.
	apply(t, c, base)
	sc := scenario{name: "same e-mail pending", method: http.MethodPost, path: "/apply", form: formWith(base, "email", "TARO@example.jp"),
		wantStatus: 422, wantContains: []string{store.MsgApplicationEmailPending}}
	sc.run(t, c)
	if apps, _ := env.db.Applications(""); len(apps) != 1 {
		t.Fatalf("applications: %d", len(apps))
	}
}

// fieldMessage matches msg inside the error element of field.
func fieldMessage(field, msg string) string {
	return `data-testid="error-` + regexp.QuoteMeta(field) + `">[^<]*` + regexp.QuoteMeta(msg)
}

// TestApplyConflictsWithRegisteredData: what only the database can tell —
// a 医療機関コード already registered, an e-mail a member uses — is said
// beside its field, and nothing is stored.
func TestApplyConflictsWithRegisteredData(t *testing.T) {
	env := newTestEnv(t, CertOff)
	// A facility registered (with its code) and its member (with her
	// e-mail) by an approved application.
	a, _, err := env.db.CreateApplication(store.ApplicationForm{Name: "登録 済子", NameKana: "トウロク スミコ", Qualification: "doctor", LicenseNumber: "111111",
		Email: "Sumiko@example.jp", Phone: "03-1111-2222", FacilityChoice: "new", FacilityName: "登録済クリニック", FacilityKind: "clinic",
		FacilityCode: "1312345679", FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1", FacilityPhone: "03-1111-0000"}, "")
	if err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	if _, err := env.db.MarkApplicationReceived(a.Number, "admin", ""); err != nil {
		t.Fatal(err)
	}
	ap, err := env.db.ApproveApplication(a.Number, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	c := env.client()
	base := newFacilityForm("taro@example.jp")
	for _, sc := range []struct {
		name, field, msg string
		form             url.Values
	}{
		{"code registered", "facility_code", store.MsgFacilityCodeRegistered, formWith(base, "facility_code", "1312345679")},
		{"code registered, typed in full width", "facility_code", store.MsgFacilityCodeRegistered, formWith(base, "facility_code", "１３１２３４５６７９")},
		{"e-mail of a member", "email", store.MsgApplicationEmailMember, formWith(base, "email", "sumiko@EXAMPLE.jp", "facility_code", "0110113719")},
		{"e-mail of a member, registered facility", "email", store.MsgApplicationEmailMember, existingFacilityForm("SUMIKO@example.jp", ap.Facility.OID)},
	} {
		scenario{name: sc.name, method: http.MethodPost, path: "/apply", form: sc.form, wantStatus: 422,
			wantContains: []string{`data-testid="error-summary"`}, wantMatch: []string{fieldMessage(sc.field, sc.msg)}}.run(t, c)
	}
	if apps, _ := env.db.Applications(""); len(apps) != 1 {
		t.Fatalf("refused applications were stored: %d applications", len(apps))
	}
	// A dental clinic's code (点数表 3) is a clinic's code.
	apply(t, c, formWith(base, "facility_code", "0130113715"))
}

func TestApplyAndReceipt(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	_, fac, err := env.db.CreateTestMember(store.TestMemberSpec{Name: "既存 会員", Password: "existing-Pass-2345", FacilityName: "佐藤病院"})
	if err != nil {
		t.Fatal(err)
	}
	c := env.client()

	// A client posting only the contract's names, registered facility.
	receipt := apply(t, c, existingFacilityForm("hanako@example.jp", strings.ToLower(fac.OID)))
	if len(c.cookies) != 0 {
		t.Fatalf("applying started a session: %v", c.cookies)
	}
	res := scenario{name: "receipt, registered facility", path: receipt, wantStatus: 200, wantContains: []string{
		`data-testid="application-number">A000001<`, "仮登録", "加入申込書（医療関係者用）", receipt + `/member.pdf"`, `hx-boost="false"`,
		"（未設定）申込書の送付先住所", "署名・押印"},
		wantAbsent: []string{"facility.pdf", "加入申込書（施設用）"}}.run(t, c)
	if res.Header.Get("Set-Cookie") != "" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("receipt headers: %v", res.Header)
	}
	pdfRes := c.get(receipt + "/member.pdf")
	if pdfRes.Status != 200 || pdfRes.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdfRes.Body, "%PDF-") ||
		!strings.Contains(pdfRes.Header.Get("Content-Disposition"), `filename="application-A000001-member.pdf"`) ||
		!strings.Contains(pdfRes.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("member form: %d %v", pdfRes.Status, pdfRes.Header)
	}
	text := pdfLayoutText(t, []byte(pdfRes.Body))
	for _, want := range []string{"加入申込書", "A000001", "佐藤 花子", "サトウ", "ハナコ", "看護師", "7654321", "hanako@example.jp", fac.OID, "佐藤病院"} {
		if text != "" && !strings.Contains(text, want) {
			t.Errorf("member form lacks %q:\n%s", want, text)
		}
	}

	// New facility, with the radio: both forms.
	receipt2 := apply(t, c, newFacilityForm("taro@example.jp"))
	scenario{name: "receipt, new facility", path: receipt2, wantStatus: 200, wantContains: []string{
		`data-testid="application-number">A000002<`, receipt2 + `/member.pdf"`, receipt2 + `/facility.pdf"`, "加入申込書（施設用）", "施設の管理者"}}.run(t, c)
	facRes := c.get(receipt2 + "/facility.pdf")
	if facRes.Status != 200 || facRes.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("facility form: %d", facRes.Status)
	}
	text = pdfLayoutText(t, []byte(facRes.Body))
	for _, want := range []string{"加入申込書（施設用）", "A000002", "山田内科クリニック", "0110113719", "100-0001", "山田 太郎"} {
		if text != "" && !strings.Contains(text, want) {
			t.Errorf("facility form lacks %q:\n%s", want, text)
		}
	}

	// A client posting only the contract's names for a new facility.
	contractOnly := formWith(newFacilityForm("jiro@example.jp"), "facility_choice", "<delete>", "facility_code", "", "facility_kind", "other")
	apply(t, c, contractOnly)

	for _, sc := range []scenario{
		{name: "facility form of a registered facility", path: receipt + "/facility.pdf", wantStatus: 404},
		{name: "unknown token", path: "/apply/receipt/" + strings.Repeat("a", 32), wantStatus: 404},
		{name: "unknown token pdf", path: "/apply/receipt/" + strings.Repeat("a", 32) + "/member.pdf", wantStatus: 404},
		{name: "malformed token", path: "/apply/receipt/A000001", wantStatus: 404},
		{name: "number is not the token", path: "/apply/receipt/a000001", wantStatus: 404},
	} {
		sc.run(t, c)
	}

	// The receipt follows the review.
	if _, err := env.db.MarkApplicationReceived("A000001", "admin", ""); err != nil {
		t.Fatal(err)
	}
	scenario{name: "receipt, received", path: receipt, wantStatus: 200, wantContains: []string{"書類受付済", "現在審査中", "member.pdf"}}.run(t, c)
	if _, err := env.db.ApproveApplication("A000001", "admin", ""); err != nil {
		t.Fatal(err)
	}
	scenario{name: "receipt, approved", path: receipt, wantStatus: 200, wantContains: []string{"承認", "利用開始案内"},
		wantAbsent: []string{"member.pdf", "H000002"}}.run(t, c)
	scenario{name: "form after approval", path: receipt + "/member.pdf", wantStatus: 409}.run(t, c)

	// After the review, the receipt shows the outcome and no forms.
	if _, err := env.db.RejectApplication("A000002", "書類不備", "admin", ""); err != nil {
		t.Fatal(err)
	}
	scenario{name: "receipt after rejection", path: receipt2, wantStatus: 200, wantContains: []string{"却下", "承認されませんでした"},
		wantAbsent: []string{"member.pdf", "書類不備"}}.run(t, c)
	scenario{name: "form after rejection", path: receipt2 + "/member.pdf", wantStatus: 409, wantContains: []string{"審査は終了しています"}}.run(t, c)
}

// pdfLayoutText is the pdftotext -layout output of a PDF, "" when poppler is not
// installed (then CI fails).
func pdfLayoutText(t testing.TB, data []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed")
		}
		t.Log("pdftotext is not installed: PDF text not checked")
		return ""
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

var (
	idLine  = regexp.MustCompile(`(?m)^\s*ID\s+(H[0-9]{6})\s*$`)
	oidLine = regexp.MustCompile(`(?m)^\s*OID\s+(F[0-9]{6})\s*$`)
	pwLine  = regexp.MustCompile(`(?m)^\s*PW\s+(\S+)\s*$`)
)

// credentialsOf reads the ID (or OID) and PW lines of a letter's text.
func credentialsOf(t testing.TB, text string, id *regexp.Regexp) (string, string) {
	t.Helper()
	m1, m2 := id.FindStringSubmatch(text), pwLine.FindStringSubmatch(text)
	if m1 == nil || m2 == nil {
		t.Fatalf("no ID/PW lines in:\n%s", text)
	}
	return m1[1], m2[1]
}

func TestAdminApplicationReview(t *testing.T) {
	env := newTestEnv(t, CertOff)
	member := env.addMember(t, "会員 一郎", "member-Pass-2345")
	applicant := env.client()
	apply(t, applicant, newFacilityForm("taro@example.jp"))
	apply(t, applicant, existingFacilityForm("hanako@example.jp", member.FacilityOID))

	// Anonymous: login first; members: 403 on every operator route.
	anon := env.client()
	scenario{name: "anonymous list", path: "/admin/applications", wantStatus: 303, wantLocation: "/login?next=%2Fadmin%2Fapplications"}.run(t, anon)
	mc := env.loginAs(t, member.ID, "member-Pass-2345")
	for _, p := range []string{"/admin/applications", "/admin/applications/A000001", "/admin/applications/A000001/letters",
		"/admin/applications/A000001/letters/start-guide.pdf", "/admin/facilities", "/admin/facilities/" + member.FacilityOID,
		"/admin/members/" + member.ID + "/letters", "/admin/facilities/" + member.FacilityOID + "/letters"} {
		scenario{name: "member GET " + p, path: p, wantStatus: 403, wantContains: []string{"運営者のみ"}}.run(t, mc)
	}
	for _, p := range []string{"/admin/applications/A000001/received", "/admin/applications/A000001/approve", "/admin/applications/A000001/reject",
		"/admin/applications/A000001/mailed", "/admin/applications/A000001/notes", "/admin/members/" + member.ID + "/reset-password",
		"/admin/facilities/" + member.FacilityOID + "/reset-password", "/admin/members/" + member.ID + "/letters/mailed"} {
		scenario{name: "member POST " + p, method: http.MethodPost, path: p, form: url.Values{"reason": {"x"}}, wantStatus: 403}.run(t, mc)
	}
	if a, _ := env.db.Application("A000001"); a.Status != store.ApplicationPending {
		t.Fatalf("a member changed the application: %s", a.Status)
	}

	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "list", path: "/admin/applications", wantStatus: 200, wantContains: []string{
			`data-testid="admin-nav"`, "A000001", "A000002", "山田 太郎", "佐藤 花子", "新規", `data-testid="count-pending">2<`, `data-testid="count-">2<`}},
		{name: "list pending", path: "/admin/applications?status=pending", wantStatus: 200, wantContains: []string{"A000001", "A000002"}},
		{name: "list received (none)", path: "/admin/applications?status=received", wantStatus: 200, wantContains: []string{"該当する申込はありません"}},
		{name: "detail", path: "/admin/applications/A000001", wantStatus: 200, wantContains: []string{
			`data-testid="application-number">A000001<`, "仮登録", "氏名・フリガナ", "ヤマダ　タロウ", "資格・免許番号", "医師", "123456",
			"連絡先", "taro@example.jp", "新規施設の情報", "山田内科クリニック", "0110113719", "署名・押印", "施設管理者の署名・押印",
			"/admin/applications/A000001/received"}},
		{name: "detail registered facility", path: "/admin/applications/A000002", wantStatus: 200, wantContains: []string{
			"所属施設", member.FacilityOID, "会員 一郎クリニック"}, wantAbsent: []string{"施設管理者の署名・押印"}},
		{name: "unknown number", path: "/admin/applications/A999999", wantStatus: 404},
		{name: "malformed number", path: "/admin/applications/..%2Fx", wantStatus: 404},
		{name: "unknown number action", method: http.MethodPost, path: "/admin/applications/A999999/received", wantStatus: 404},
		{name: "approve before received", method: http.MethodPost, path: "/admin/applications/A000001/approve", wantStatus: 409,
			wantContains: []string{"郵送の加入申込書がまだ受付されていません"}},
		{name: "letters before approval", path: "/admin/applications/A000001/letters", wantStatus: 409},
		{name: "mailed before approval", method: http.MethodPost, path: "/admin/applications/A000001/mailed", wantStatus: 409},
		{name: "note empty", method: http.MethodPost, path: "/admin/applications/A000001/notes", form: url.Values{"note": {" "}}, wantStatus: 422,
			wantContains: []string{"メモを入力してください"}},
		{name: "note", method: http.MethodPost, path: "/admin/applications/A000001/notes", form: url.Values{"note": {"電話で在籍を確認"}}, wantStatus: 303,
			wantLocation: "/admin/applications/A000001?done=saved"},
		{name: "received", method: http.MethodPost, path: "/admin/applications/A000001/received", wantStatus: 303, wantLocation: "/admin/applications/A000001?done=updated"},
		{name: "received twice", method: http.MethodPost, path: "/admin/applications/A000001/received", wantStatus: 409, wantContains: []string{"既に受付済み"}},
		{name: "detail received", path: "/admin/applications/A000001", wantStatus: 200, wantContains: []string{"書類受付済", "電話で在籍を確認", "/admin/applications/A000001/approve"}},
		{name: "reject without reason", method: http.MethodPost, path: "/admin/applications/A000001/reject", form: url.Values{"reason": {""}}, wantStatus: 422,
			wantContains: []string{"却下の理由を入力してください", `data-testid="error-reason"`}},
		{name: "approve", method: http.MethodPost, path: "/admin/applications/A000001/approve", wantStatus: 303, wantLocation: "/admin/applications/A000001/letters"},
		{name: "approve twice", method: http.MethodPost, path: "/admin/applications/A000001/approve", wantStatus: 409, wantContains: []string{"既に承認されています"}},
		{name: "reject approved", method: http.MethodPost, path: "/admin/applications/A000001/reject", form: url.Values{"reason": {"x"}}, wantStatus: 409},
		{name: "letters", path: "/admin/applications/A000001/letters", wantStatus: 200, wantContains: []string{
			"利用開始案内", "施設登録情報", `/admin/applications/A000001/letters/start-guide.pdf"`, `/admin/applications/A000001/letters/facility-info.pdf"`,
			`hx-boost="false"`, "/admin/applications/A000001/mailed"}},
		{name: "list approved", path: "/admin/applications?status=approved", wantStatus: 200, wantContains: []string{"A000001", `data-testid="count-approved">1<`}, wantAbsent: []string{"A000002"}},
	} {
		sc.run(t, op)
	}

	a, _ := env.db.Application("A000001")
	guide := op.get("/admin/applications/A000001/letters/start-guide.pdf")
	if guide.Status != 200 || guide.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(guide.Header.Get("Content-Disposition"), "start-guide-"+a.MemberID+".pdf") {
		t.Fatalf("start guide: %d %v", guide.Status, guide.Header)
	}
	if text := pdfLayoutText(t, []byte(guide.Body)); text != "" {
		id, pw := credentialsOf(t, text, idLine)
		m, _ := env.db.Member(id)
		if id != a.MemberID || !store.VerifyPassword(m.PasswordHash, pw) {
			t.Fatalf("start guide ID %s PW %s do not log in", id, pw)
		}
	}
	info := op.get("/admin/applications/A000001/letters/facility-info.pdf")
	if info.Status != 200 {
		t.Fatalf("facility info: %d", info.Status)
	}
	if text := pdfLayoutText(t, []byte(info.Body)); text != "" {
		oid, pw := credentialsOf(t, text, oidLine)
		f, _ := env.db.Facility(oid)
		if oid != a.CreatedFacilityOID || !store.VerifyPassword(f.PasswordHash, pw) {
			t.Fatalf("facility info OID %s PW %s do not verify", oid, pw)
		}
	}

	// The registered-facility application: only the start guide.
	for _, sc := range []scenario{
		{name: "received 2", method: http.MethodPost, path: "/admin/applications/A000002/received", wantStatus: 303},
		{name: "approve 2", method: http.MethodPost, path: "/admin/applications/A000002/approve", wantStatus: 303, wantLocation: "/admin/applications/A000002/letters"},
		{name: "letters 2", path: "/admin/applications/A000002/letters", wantStatus: 200, wantContains: []string{"start-guide.pdf"}, wantAbsent: []string{"facility-info.pdf", "施設登録情報"}},
		{name: "no facility info for 2", path: "/admin/applications/A000002/letters/facility-info.pdf", wantStatus: 404},
	} {
		sc.run(t, op)
	}

	// Mailed: the passwords are wiped; printing again answers 410 with the
	// way forward.
	for _, sc := range []scenario{
		{name: "mailed", method: http.MethodPost, path: "/admin/applications/A000001/mailed", wantStatus: 303, wantLocation: "/admin/applications/A000001?done=updated"},
		{name: "mailed twice", method: http.MethodPost, path: "/admin/applications/A000001/mailed", wantStatus: 409, wantContains: []string{"既に郵送済み"}},
		{name: "start guide after mailing", path: "/admin/applications/A000001/letters/start-guide.pdf", wantStatus: 410,
			wantContains: []string{"郵送済みとして記録された", "パスワードを再発行"}},
		{name: "facility info after mailing", path: "/admin/applications/A000001/letters/facility-info.pdf", wantStatus: 410},
		{name: "letters after mailing", path: "/admin/applications/A000001/letters", wantStatus: 200,
			wantContains: []string{"郵送済みとして記録されています", "/admin/members/" + a.MemberID + "/reset-password", "/admin/facilities/" + a.CreatedFacilityOID + "/reset-password"},
			wantAbsent:   []string{".pdf\"", "/mailed\""}},
		{name: "detail after mailing", path: "/admin/applications/A000001", wantStatus: 200, wantContains: []string{"郵送済", a.MemberID, a.CreatedFacilityOID}},
	} {
		sc.run(t, op)
	}
	if n := env.srv.letters().size(); n != 1 {
		t.Fatalf("vault holds %d letters, want 1 (A000002's start guide)", n)
	}

	// Expiry: 24 hours later the other letter is gone too.
	vault := env.srv.letters()
	vault.mu.Lock()
	vault.now = func() time.Time { return time.Now().Add(letterTTL + time.Minute) }
	vault.mu.Unlock()
	scenario{name: "start guide after 24h", path: "/admin/applications/A000002/letters/start-guide.pdf", wantStatus: 410,
		wantContains: []string{"24時間"}}.run(t, op)
	if n := env.srv.letters().size(); n != 0 {
		t.Fatalf("vault holds %d letters after expiry", n)
	}
	scenario{name: "detail after expiry", path: "/admin/applications/A000002", wantStatus: 200,
		wantContains: []string{"資料の印刷・郵送（再発行）", "未郵送"}}.run(t, op)

	// Every action is in the audit log.
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Limit: 500})
	seen := map[string]bool{}
	for _, e := range page.Events {
		seen[e.Action] = true
	}
	for _, action := range []string{"application.receive", "application.approve", "application.note", "application.mailed", "member.create", "facility.create", "letter.print"} {
		if !seen[action] {
			t.Errorf("audit lacks %s", action)
		}
	}
}

func TestOperatorPasswordResets(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	memberClient := env.loginAs(t, m.ID, "member-Pass-2345")
	op := env.loginOperator(t)

	for _, sc := range []scenario{
		{name: "letters before reset", path: "/admin/members/" + m.ID + "/letters", wantStatus: 200, wantContains: []string{"消去済み"}, wantAbsent: []string{".pdf\""}},
		{name: "pdf before reset", path: "/admin/members/" + m.ID + "/letters/start-guide.pdf", wantStatus: 410, wantContains: []string{"再発行"}},
		{name: "mailed before reset", method: http.MethodPost, path: "/admin/members/" + m.ID + "/letters/mailed", wantStatus: 409},
		{name: "reset unknown", method: http.MethodPost, path: "/admin/members/H999999/reset-password", wantStatus: 404},
		{name: "reset operator", method: http.MethodPost, path: "/admin/members/admin/reset-password", wantStatus: 409, wantContains: []string{"hotline operator reset"}},
		{name: "reset", method: http.MethodPost, path: "/admin/members/" + m.ID + "/reset-password", wantStatus: 303, wantLocation: "/admin/members/" + m.ID + "/letters"},
		{name: "letters", path: "/admin/members/" + m.ID + "/letters", wantStatus: 200, wantContains: []string{
			"利用開始案内", "/admin/members/" + m.ID + "/letters/start-guide.pdf\"", `hx-boost="false"`, "/admin/members/" + m.ID + "/letters/mailed"}},
	} {
		sc.run(t, op)
	}
	// The member's session ended with the reset.
	scenario{name: "member session ended", path: "/menu", wantStatus: 303}.run(t, memberClient)

	guide := op.get("/admin/members/" + m.ID + "/letters/start-guide.pdf")
	if guide.Status != 200 || guide.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("start guide: %d", guide.Status)
	}
	if text := pdfLayoutText(t, []byte(guide.Body)); text != "" {
		id, pw := credentialsOf(t, text, idLine)
		if id != m.ID {
			t.Fatalf("ID %s", id)
		}
		c := env.client()
		scenario{name: "old password", method: http.MethodPost, path: "/login", form: url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}}, wantStatus: 401}.run(t, c)
		scenario{name: "new password must be changed", method: http.MethodPost, path: "/login", form: url.Values{"id": {m.ID}, "password": {pw}}, wantStatus: 303, wantLocation: "/password"}.run(t, c)
	}
	for _, sc := range []scenario{
		{name: "mailed", method: http.MethodPost, path: "/admin/members/" + m.ID + "/letters/mailed", wantStatus: 303},
		{name: "pdf after mailing", path: "/admin/members/" + m.ID + "/letters/start-guide.pdf", wantStatus: 410, wantContains: []string{"再発行"}},
		{name: "mailed twice", method: http.MethodPost, path: "/admin/members/" + m.ID + "/letters/mailed", wantStatus: 409},
	} {
		sc.run(t, op)
	}

	// Facility: list, search, detail, reset.
	oid := m.FacilityOID
	for _, sc := range []scenario{
		{name: "facilities", path: "/admin/facilities", wantStatus: 200, wantContains: []string{oid, "山田 太郎クリニック", `data-testid="admin-nav"`}},
		{name: "search by name", path: "/admin/facilities?q=" + url.QueryEscape("クリニック"), wantStatus: 200, wantContains: []string{oid}},
		{name: "search by OID", path: "/admin/facilities?q=" + strings.ToLower(oid), wantStatus: 200, wantContains: []string{oid}},
		{name: "search miss", path: "/admin/facilities?q=" + url.QueryEscape("薬局"), wantStatus: 200, wantContains: []string{"該当する施設はありません"}},
		{name: "facility", path: "/admin/facilities/" + oid, wantStatus: 200, wantContains: []string{oid, "/admin/members/" + m.ID, "山田 太郎", "施設パスワードを再発行する"}},
		{name: "facility unknown", path: "/admin/facilities/F999999", wantStatus: 404},
		{name: "facility malformed", path: "/admin/facilities/f000001", wantStatus: 404},
		{name: "facility pdf before reset", path: "/admin/facilities/" + oid + "/letters/facility-info.pdf", wantStatus: 410},
		{name: "facility reset", method: http.MethodPost, path: "/admin/facilities/" + oid + "/reset-password", wantStatus: 303, wantLocation: "/admin/facilities/" + oid + "/letters"},
		{name: "facility letters", path: "/admin/facilities/" + oid + "/letters", wantStatus: 200, wantContains: []string{"施設登録情報", "/admin/facilities/" + oid + "/letters/facility-info.pdf\""}},
	} {
		sc.run(t, op)
	}
	info := op.get("/admin/facilities/" + oid + "/letters/facility-info.pdf")
	if info.Status != 200 {
		t.Fatalf("facility info: %d", info.Status)
	}
	if text := pdfLayoutText(t, []byte(info.Body)); text != "" {
		got, pw := credentialsOf(t, text, oidLine)
		f, _ := env.db.Facility(oid)
		if got != oid || !store.VerifyPassword(f.PasswordHash, pw) {
			t.Fatalf("facility info OID %s PW %s", got, pw)
		}
	}
	for _, sc := range []scenario{
		{name: "facility mailed", method: http.MethodPost, path: "/admin/facilities/" + oid + "/letters/mailed", wantStatus: 303, wantLocation: "/admin/facilities/" + oid + "?done=updated"},
		{name: "facility pdf after mailing", path: "/admin/facilities/" + oid + "/letters/facility-info.pdf", wantStatus: 410},
		{name: "facility mailed twice", method: http.MethodPost, path: "/admin/facilities/" + oid + "/letters/mailed", wantStatus: 409},
	} {
		sc.run(t, op)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Limit: 500})
	seen := map[string]bool{}
	for _, e := range page.Events {
		seen[e.Action+" "+e.Object] = true
	}
	for _, want := range []string{"member.password_reset member:" + m.ID, "facility.password_reset facility:" + oid,
		"letter.print member:" + m.ID, "letter.print facility:" + oid, "letter.mailed member:" + m.ID, "letter.mailed facility:" + oid} {
		if !seen[want] {
			t.Errorf("audit lacks %q", want)
		}
	}
}
