package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
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
func apply(t *testing.T, c *handlertest.Client, form url.Values) string {
	t.Helper()
	res := c.Post("/apply", form)
	if res.Status != http.StatusSeeOther || !receiptPattern.MatchString(res.Location) {
		t.Fatalf("apply: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	return res.Location
}

func TestApplyValidation(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	_, fac, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "既存 会員", Password: "existing-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	base := newFacilityForm("taro@example.jp")
	invalid := func(name string, form url.Values, field, msg string) handlertest.Scenario {
		kept := `value="山田 太郎"` // the values come back
		if field == "name" {
			kept = `value="03-1234-5678"`
		}
		return handlertest.Scenario{Name: name, Method: http.MethodPost, Path: "/apply", Form: form, WantStatus: 422,
			WantContains: []string{`data-testid="error-` + field + `"`, msg, kept}, WantMatch: []string{fieldMessage(field, msg)}}
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/apply", WantStatus: 200, WantContains: []string{
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
		{Name: "no CSRF token", Method: http.MethodPost, Path: "/apply", Form: base, NoCSRF: true, WantStatus: 403},
	} {
		sc.Run(t, c)
	}
	// Several problems at once: every message beside its field and in the
	// summary, the values kept.
	res := c.Post("/apply", formWith(base, "email", "x", "facility_postal", "1", "name_kana", "漢字"))
	if res.Status != 422 || !strings.Contains(res.Body, `data-testid="error-summary"`) ||
		strings.Count(res.Body, `class="field-error"`) != 3 || !strings.Contains(res.Body, `value="山田内科クリニック"`) {
		t.Fatalf("several errors: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	if apps, _ := env.DB.Applications(""); len(apps) != 0 {
		t.Fatalf("invalid posts stored %d applications", len(apps))
	}

	// A pending application with the same e-mail: a clear message.
	apply(t, c, base)
	sc := handlertest.Scenario{Name: "same e-mail pending", Method: http.MethodPost, Path: "/apply", Form: formWith(base, "email", "TARO@example.jp"),
		WantStatus: 422, WantContains: []string{store.MsgApplicationEmailPending}}
	sc.Run(t, c)
	if apps, _ := env.DB.Applications(""); len(apps) != 1 {
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
	env := newTestEnv(t, web.CertOff)
	// A facility registered (with its code) and its member (with her
	// e-mail) by an approved application.
	a, _, err := env.DB.CreateApplication(store.ApplicationForm{Name: "登録 済子", NameKana: "トウロク スミコ", Qualification: "doctor", LicenseNumber: "111111",
		Email: "Sumiko@example.jp", Phone: "03-1111-2222", FacilityChoice: "new", FacilityName: "登録済クリニック", FacilityKind: "clinic",
		FacilityCode: "1312345679", FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区千代田1-1", FacilityPhone: "03-1111-0000"}, "")
	if err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	if _, err := env.DB.MarkApplicationReceived(a.Number, "admin", ""); err != nil {
		t.Fatal(err)
	}
	ap, err := env.DB.ApproveApplication(a.Number, "admin", "")
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client()
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
		handlertest.Scenario{Name: sc.name, Method: http.MethodPost, Path: "/apply", Form: sc.form, WantStatus: 422,
			WantContains: []string{`data-testid="error-summary"`}, WantMatch: []string{fieldMessage(sc.field, sc.msg)}}.Run(t, c)
	}
	if apps, _ := env.DB.Applications(""); len(apps) != 1 {
		t.Fatalf("refused applications were stored: %d applications", len(apps))
	}
	// A dental clinic's code (点数表 3) is a clinic's code.
	apply(t, c, formWith(base, "facility_code", "0130113715"))
}

func TestApplyAndReceipt(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	_, fac, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "既存 会員", Password: "existing-Pass-2345", FacilityName: "佐藤病院"})
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client()

	// A client posting only the contract's names, registered facility.
	receipt := apply(t, c, existingFacilityForm("hanako@example.jp", strings.ToLower(fac.OID)))
	if len(c.Cookies) != 0 {
		t.Fatalf("applying started a session: %v", c.Cookies)
	}
	res := handlertest.Scenario{Name: "receipt, registered facility", Path: receipt, WantStatus: 200, WantContains: []string{
		`data-testid="application-number">A000001<`, "仮登録", "加入申込書（医療関係者用）", receipt + `/member.pdf"`, `hx-boost="false"`,
		store.TestSettings().Address, "署名・押印"},
		WantAbsent: []string{"facility.pdf", "加入申込書（施設用）"}}.Run(t, c)
	if res.Header.Get("Set-Cookie") != "" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("receipt headers: %v", res.Header)
	}
	pdfRes := c.Get(receipt + "/member.pdf")
	if pdfRes.Status != 200 || pdfRes.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdfRes.Body, "%PDF-") ||
		!strings.Contains(pdfRes.Header.Get("Content-Disposition"), `filename="application-A000001-member.pdf"`) ||
		!strings.Contains(pdfRes.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("member form: %d %v", pdfRes.Status, pdfRes.Header)
	}
	text := handlertest.PDFText(t, []byte(pdfRes.Body))
	for _, want := range []string{"加入申込書", "A000001", "佐藤 花子", "サトウ", "ハナコ", "看護師", "7654321", "hanako@example.jp", fac.OID, "佐藤病院"} {
		if text != "" && !strings.Contains(text, want) {
			t.Errorf("member form lacks %q:\n%s", want, text)
		}
	}

	// New facility, with the radio: both forms.
	receipt2 := apply(t, c, newFacilityForm("taro@example.jp"))
	handlertest.Scenario{Name: "receipt, new facility", Path: receipt2, WantStatus: 200, WantContains: []string{
		`data-testid="application-number">A000002<`, receipt2 + `/member.pdf"`, receipt2 + `/facility.pdf"`, "加入申込書（施設用）", "施設の管理者"}}.Run(t, c)
	facRes := c.Get(receipt2 + "/facility.pdf")
	if facRes.Status != 200 || facRes.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("facility form: %d", facRes.Status)
	}
	text = handlertest.PDFText(t, []byte(facRes.Body))
	for _, want := range []string{"加入申込書（施設用）", "A000002", "山田内科クリニック", "0110113719", "100-0001", "山田 太郎"} {
		if text != "" && !strings.Contains(text, want) {
			t.Errorf("facility form lacks %q:\n%s", want, text)
		}
	}

	// A client posting only the contract's names for a new facility.
	contractOnly := formWith(newFacilityForm("jiro@example.jp"), "facility_choice", "<delete>", "facility_code", "", "facility_kind", "other")
	apply(t, c, contractOnly)

	for _, sc := range []handlertest.Scenario{
		{Name: "facility form of a registered facility", Path: receipt + "/facility.pdf", WantStatus: 404},
		{Name: "unknown token", Path: "/apply/receipt/" + strings.Repeat("a", 32), WantStatus: 404},
		{Name: "unknown token pdf", Path: "/apply/receipt/" + strings.Repeat("a", 32) + "/member.pdf", WantStatus: 404},
		{Name: "malformed token", Path: "/apply/receipt/A000001", WantStatus: 404},
		{Name: "number is not the token", Path: "/apply/receipt/a000001", WantStatus: 404},
	} {
		sc.Run(t, c)
	}

	// The receipt follows the review.
	if _, err := env.DB.MarkApplicationReceived("A000001", "admin", ""); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "receipt, received", Path: receipt, WantStatus: 200, WantContains: []string{"書類受付済", "現在審査中", "member.pdf"}}.Run(t, c)
	if _, err := env.DB.ApproveApplication("A000001", "admin", ""); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "receipt, approved", Path: receipt, WantStatus: 200, WantContains: []string{"承認", "利用開始案内"},
		WantAbsent: []string{"member.pdf", "H000002"}}.Run(t, c)
	handlertest.Scenario{Name: "form after approval", Path: receipt + "/member.pdf", WantStatus: 409}.Run(t, c)

	// After the review, the receipt shows the outcome and no forms.
	if _, err := env.DB.RejectApplication("A000002", "書類不備", "admin", ""); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "receipt after rejection", Path: receipt2, WantStatus: 200, WantContains: []string{"却下", "承認されませんでした"},
		WantAbsent: []string{"member.pdf", "書類不備"}}.Run(t, c)
	handlertest.Scenario{Name: "form after rejection", Path: receipt2 + "/member.pdf", WantStatus: 409, WantContains: []string{"審査は終了しています"}}.Run(t, c)
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
	env := newTestEnv(t, web.CertOff)
	member := env.AddMember(t, "会員 一郎", "member-Pass-2345")
	applicant := env.Client()
	apply(t, applicant, newFacilityForm("taro@example.jp"))
	apply(t, applicant, existingFacilityForm("hanako@example.jp", member.FacilityOID))

	// Anonymous: login first; members: 403 on every operator route.
	anon := env.Client()
	handlertest.Scenario{Name: "anonymous list", Path: "/admin/applications", WantStatus: 303, WantLocation: "/login?next=%2Fadmin%2Fapplications"}.Run(t, anon)
	mc := env.LoginAs(t, member.ID, "member-Pass-2345")
	for _, p := range []string{"/admin/applications", "/admin/applications/A000001", "/admin/applications/A000001/letters",
		"/admin/applications/A000001/letters/start-guide.pdf", "/admin/facilities", "/admin/facilities/" + member.FacilityOID,
		"/admin/members/" + member.ID + "/letters", "/admin/facilities/" + member.FacilityOID + "/letters"} {
		handlertest.Scenario{Name: "member GET " + p, Path: p, WantStatus: 403, WantContains: []string{"運営者のみ"}}.Run(t, mc)
	}
	for _, p := range []string{"/admin/applications/A000001/received", "/admin/applications/A000001/approve", "/admin/applications/A000001/reject",
		"/admin/applications/A000001/mailed", "/admin/applications/A000001/notes", "/admin/members/" + member.ID + "/reset-password",
		"/admin/facilities/" + member.FacilityOID + "/reset-password", "/admin/members/" + member.ID + "/letters/mailed"} {
		handlertest.Scenario{Name: "member POST " + p, Method: http.MethodPost, Path: p, Form: url.Values{"reason": {"x"}}, WantStatus: 403}.Run(t, mc)
	}
	if a, _ := env.DB.Application("A000001"); a.Status != store.ApplicationPending {
		t.Fatalf("a member changed the application: %s", a.Status)
	}

	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "list", Path: "/admin/applications", WantStatus: 200, WantContains: []string{
			`data-testid="admin-nav"`, "A000001", "A000002", "山田 太郎", "佐藤 花子", "新規", `data-testid="count-pending">2<`, `data-testid="count-">2<`}},
		{Name: "list pending", Path: "/admin/applications?status=pending", WantStatus: 200, WantContains: []string{"A000001", "A000002"}},
		{Name: "list received (none)", Path: "/admin/applications?status=received", WantStatus: 200, WantContains: []string{"該当する申込はありません"}},
		{Name: "detail", Path: "/admin/applications/A000001", WantStatus: 200, WantContains: []string{
			`data-testid="application-number">A000001<`, "仮登録", "氏名・フリガナ", "ヤマダ　タロウ", "資格・免許番号", "医師", "123456",
			"連絡先", "taro@example.jp", "新規施設の情報", "山田内科クリニック", "0110113719", "署名・押印", "施設管理者の署名・押印",
			"/admin/applications/A000001/received"}},
		{Name: "detail registered facility", Path: "/admin/applications/A000002", WantStatus: 200, WantContains: []string{
			"所属施設", member.FacilityOID, "会員 一郎クリニック"}, WantAbsent: []string{"施設管理者の署名・押印"}},
		{Name: "unknown number", Path: "/admin/applications/A999999", WantStatus: 404},
		{Name: "malformed number", Path: "/admin/applications/..%2Fx", WantStatus: 404},
		{Name: "unknown number action", Method: http.MethodPost, Path: "/admin/applications/A999999/received", WantStatus: 404},
		{Name: "approve before received", Method: http.MethodPost, Path: "/admin/applications/A000001/approve", WantStatus: 409,
			WantContains: []string{"郵送の加入申込書がまだ受付されていません"}},
		{Name: "letters before approval", Path: "/admin/applications/A000001/letters", WantStatus: 409},
		{Name: "mailed before approval", Method: http.MethodPost, Path: "/admin/applications/A000001/mailed", WantStatus: 409},
		{Name: "note empty", Method: http.MethodPost, Path: "/admin/applications/A000001/notes", Form: url.Values{"note": {" "}}, WantStatus: 422,
			WantContains: []string{"メモを入力してください"}},
		{Name: "note", Method: http.MethodPost, Path: "/admin/applications/A000001/notes", Form: url.Values{"note": {"電話で在籍を確認"}}, WantStatus: 303,
			WantLocation: "/admin/applications/A000001?done=saved"},
		{Name: "received", Method: http.MethodPost, Path: "/admin/applications/A000001/received", WantStatus: 303, WantLocation: "/admin/applications/A000001?done=updated"},
		{Name: "received twice", Method: http.MethodPost, Path: "/admin/applications/A000001/received", WantStatus: 409, WantContains: []string{"既に受付済み"}},
		{Name: "detail received", Path: "/admin/applications/A000001", WantStatus: 200, WantContains: []string{"書類受付済", "電話で在籍を確認", "/admin/applications/A000001/approve"}},
		{Name: "reject without reason", Method: http.MethodPost, Path: "/admin/applications/A000001/reject", Form: url.Values{"reason": {""}}, WantStatus: 422,
			WantContains: []string{"却下の理由を入力してください", `data-testid="error-reason"`}},
		{Name: "approve", Method: http.MethodPost, Path: "/admin/applications/A000001/approve", WantStatus: 303, WantLocation: "/admin/applications/A000001/letters"},
		{Name: "approve twice", Method: http.MethodPost, Path: "/admin/applications/A000001/approve", WantStatus: 409, WantContains: []string{"既に承認されています"}},
		{Name: "reject approved", Method: http.MethodPost, Path: "/admin/applications/A000001/reject", Form: url.Values{"reason": {"x"}}, WantStatus: 409},
		{Name: "letters", Path: "/admin/applications/A000001/letters", WantStatus: 200, WantContains: []string{
			"利用開始案内", "施設登録情報", `/admin/applications/A000001/letters/start-guide.pdf"`, `/admin/applications/A000001/letters/facility-info.pdf"`,
			`hx-boost="false"`, "/admin/applications/A000001/mailed"}},
		{Name: "list approved", Path: "/admin/applications?status=approved", WantStatus: 200, WantContains: []string{"A000001", `data-testid="count-approved">1<`}, WantAbsent: []string{"A000002"}},
	} {
		sc.Run(t, op)
	}

	a, _ := env.DB.Application("A000001")
	guide := op.Get("/admin/applications/A000001/letters/start-guide.pdf")
	if guide.Status != 200 || guide.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(guide.Header.Get("Content-Disposition"), "start-guide-"+a.MemberID+".pdf") {
		t.Fatalf("start guide: %d %v", guide.Status, guide.Header)
	}
	if text := handlertest.PDFText(t, []byte(guide.Body)); text != "" {
		id, pw := credentialsOf(t, text, idLine)
		m, _ := env.DB.Member(id)
		if id != a.MemberID || !store.VerifyPassword(m.PasswordHash, pw) {
			t.Fatalf("start guide ID %s PW %s do not log in", id, pw)
		}
	}
	info := op.Get("/admin/applications/A000001/letters/facility-info.pdf")
	if info.Status != 200 {
		t.Fatalf("facility info: %d", info.Status)
	}
	if text := handlertest.PDFText(t, []byte(info.Body)); text != "" {
		oid, pw := credentialsOf(t, text, oidLine)
		f, _ := env.DB.Facility(oid)
		if oid != a.CreatedFacilityOID || !store.VerifyPassword(f.PasswordHash, pw) {
			t.Fatalf("facility info OID %s PW %s do not verify", oid, pw)
		}
	}

	// The registered-facility application: only the start guide.
	for _, sc := range []handlertest.Scenario{
		{Name: "received 2", Method: http.MethodPost, Path: "/admin/applications/A000002/received", WantStatus: 303},
		{Name: "approve 2", Method: http.MethodPost, Path: "/admin/applications/A000002/approve", WantStatus: 303, WantLocation: "/admin/applications/A000002/letters"},
		{Name: "letters 2", Path: "/admin/applications/A000002/letters", WantStatus: 200, WantContains: []string{"start-guide.pdf"}, WantAbsent: []string{"facility-info.pdf", "施設登録情報"}},
		{Name: "no facility info for 2", Path: "/admin/applications/A000002/letters/facility-info.pdf", WantStatus: 404},
	} {
		sc.Run(t, op)
	}

	// Mailed: the passwords are wiped; printing again answers 410 with the
	// way forward.
	for _, sc := range []handlertest.Scenario{
		{Name: "mailed", Method: http.MethodPost, Path: "/admin/applications/A000001/mailed", WantStatus: 303, WantLocation: "/admin/applications/A000001?done=updated"},
		{Name: "mailed twice", Method: http.MethodPost, Path: "/admin/applications/A000001/mailed", WantStatus: 409, WantContains: []string{"既に郵送済み"}},
		{Name: "start guide after mailing", Path: "/admin/applications/A000001/letters/start-guide.pdf", WantStatus: 410,
			WantContains: []string{"郵送済みとして記録された", "パスワードを再発行"}},
		{Name: "facility info after mailing", Path: "/admin/applications/A000001/letters/facility-info.pdf", WantStatus: 410},
		{Name: "letters after mailing", Path: "/admin/applications/A000001/letters", WantStatus: 200,
			WantContains: []string{"郵送済みとして記録されています", "/admin/members/" + a.MemberID + "/reset-password", "/admin/facilities/" + a.CreatedFacilityOID + "/reset-password"},
			WantAbsent:   []string{".pdf\"", "/mailed\""}},
		{Name: "detail after mailing", Path: "/admin/applications/A000001", WantStatus: 200, WantContains: []string{"郵送済", a.MemberID, a.CreatedFacilityOID}},
	} {
		sc.Run(t, op)
	}
	if n := srvOf(env).letters.size(); n != 1 {
		t.Fatalf("vault holds %d letters, want 1 (A000002's start guide)", n)
	}

	// Expiry: 24 hours later the other letter is gone too.
	vault := srvOf(env).letters
	vault.mu.Lock()
	vault.now = func() time.Time { return time.Now().Add(letterTTL + time.Minute) }
	vault.mu.Unlock()
	handlertest.Scenario{Name: "start guide after 24h", Path: "/admin/applications/A000002/letters/start-guide.pdf", WantStatus: 410,
		WantContains: []string{"24時間"}}.Run(t, op)
	if n := srvOf(env).letters.size(); n != 0 {
		t.Fatalf("vault holds %d letters after expiry", n)
	}
	handlertest.Scenario{Name: "detail after expiry", Path: "/admin/applications/A000002", WantStatus: 200,
		WantContains: []string{"資料の印刷・郵送（再発行）", "未郵送"}}.Run(t, op)

	// Every action is in the audit log.
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Limit: 500})
	seen := map[string]bool{}
	for _, e := range page.Events {
		seen[string(e.Action)] = true
	}
	for _, action := range []string{"application.receive", "application.approve", "application.note", "application.mailed", "member.create", "facility.create", "letter.print"} {
		if !seen[action] {
			t.Errorf("audit lacks %s", action)
		}
	}
}

func TestOperatorPasswordResets(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	memberClient := env.LoginAs(t, m.ID, "member-Pass-2345")
	op := env.LoginOperator(t)

	for _, sc := range []handlertest.Scenario{
		{Name: "letters before reset", Path: "/admin/members/" + m.ID + "/letters", WantStatus: 200, WantContains: []string{"消去済み"}, WantAbsent: []string{".pdf\""}},
		{Name: "pdf before reset", Path: "/admin/members/" + m.ID + "/letters/start-guide.pdf", WantStatus: 410, WantContains: []string{"再発行"}},
		{Name: "mailed before reset", Method: http.MethodPost, Path: "/admin/members/" + m.ID + "/letters/mailed", WantStatus: 409},
		{Name: "reset unknown", Method: http.MethodPost, Path: "/admin/members/H999999/reset-password", WantStatus: 404},
		{Name: "reset operator", Method: http.MethodPost, Path: "/admin/members/admin/reset-password", WantStatus: 409, WantContains: []string{"hotline operator reset"}},
		{Name: "reset", Method: http.MethodPost, Path: "/admin/members/" + m.ID + "/reset-password", WantStatus: 303, WantLocation: "/admin/members/" + m.ID + "/letters"},
		{Name: "letters", Path: "/admin/members/" + m.ID + "/letters", WantStatus: 200, WantContains: []string{
			"利用開始案内", "/admin/members/" + m.ID + "/letters/start-guide.pdf\"", `hx-boost="false"`, "/admin/members/" + m.ID + "/letters/mailed"}},
	} {
		sc.Run(t, op)
	}
	// The member's session ended with the reset.
	handlertest.Scenario{Name: "member session ended", Path: "/menu", WantStatus: 303}.Run(t, memberClient)

	guide := op.Get("/admin/members/" + m.ID + "/letters/start-guide.pdf")
	if guide.Status != 200 || guide.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("start guide: %d", guide.Status)
	}
	if text := handlertest.PDFText(t, []byte(guide.Body)); text != "" {
		id, pw := credentialsOf(t, text, idLine)
		if id != m.ID {
			t.Fatalf("ID %s", id)
		}
		c := env.Client()
		handlertest.Scenario{Name: "old password", Method: http.MethodPost, Path: "/login", Form: url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}}, WantStatus: 401}.Run(t, c)
		handlertest.Scenario{Name: "new password must be changed", Method: http.MethodPost, Path: "/login", Form: url.Values{"id": {m.ID}, "password": {pw}}, WantStatus: 303, WantLocation: "/password"}.Run(t, c)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "mailed", Method: http.MethodPost, Path: "/admin/members/" + m.ID + "/letters/mailed", WantStatus: 303},
		{Name: "pdf after mailing", Path: "/admin/members/" + m.ID + "/letters/start-guide.pdf", WantStatus: 410, WantContains: []string{"再発行"}},
		{Name: "mailed twice", Method: http.MethodPost, Path: "/admin/members/" + m.ID + "/letters/mailed", WantStatus: 409},
	} {
		sc.Run(t, op)
	}

	// Facility: list, search, detail, reset.
	oid := m.FacilityOID
	for _, sc := range []handlertest.Scenario{
		{Name: "facilities", Path: "/admin/facilities", WantStatus: 200, WantContains: []string{oid, "山田 太郎クリニック", `data-testid="admin-nav"`}},
		{Name: "search by name", Path: "/admin/facilities?q=" + url.QueryEscape("クリニック"), WantStatus: 200, WantContains: []string{oid}},
		{Name: "search by OID", Path: "/admin/facilities?q=" + strings.ToLower(oid), WantStatus: 200, WantContains: []string{oid}},
		{Name: "search miss", Path: "/admin/facilities?q=" + url.QueryEscape("薬局"), WantStatus: 200, WantContains: []string{"該当する施設はありません"}},
		{Name: "facility", Path: "/admin/facilities/" + oid, WantStatus: 200, WantContains: []string{oid, "/admin/members/" + m.ID, "山田 太郎", "施設パスワードを再発行する"}},
		{Name: "facility unknown", Path: "/admin/facilities/F999999", WantStatus: 404},
		{Name: "facility malformed", Path: "/admin/facilities/f000001", WantStatus: 404},
		{Name: "facility pdf before reset", Path: "/admin/facilities/" + oid + "/letters/facility-info.pdf", WantStatus: 410},
		{Name: "facility reset", Method: http.MethodPost, Path: "/admin/facilities/" + oid + "/reset-password", WantStatus: 303, WantLocation: "/admin/facilities/" + oid + "/letters"},
		{Name: "facility letters", Path: "/admin/facilities/" + oid + "/letters", WantStatus: 200, WantContains: []string{"施設登録情報", "/admin/facilities/" + oid + "/letters/facility-info.pdf\""}},
	} {
		sc.Run(t, op)
	}
	info := op.Get("/admin/facilities/" + oid + "/letters/facility-info.pdf")
	if info.Status != 200 {
		t.Fatalf("facility info: %d", info.Status)
	}
	if text := handlertest.PDFText(t, []byte(info.Body)); text != "" {
		got, pw := credentialsOf(t, text, oidLine)
		f, _ := env.DB.Facility(oid)
		if got != oid || !store.VerifyPassword(f.PasswordHash, pw) {
			t.Fatalf("facility info OID %s PW %s", got, pw)
		}
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "facility mailed", Method: http.MethodPost, Path: "/admin/facilities/" + oid + "/letters/mailed", WantStatus: 303, WantLocation: "/admin/facilities/" + oid + "?done=updated"},
		{Name: "facility pdf after mailing", Path: "/admin/facilities/" + oid + "/letters/facility-info.pdf", WantStatus: 410},
		{Name: "facility mailed twice", Method: http.MethodPost, Path: "/admin/facilities/" + oid + "/letters/mailed", WantStatus: 409},
	} {
		sc.Run(t, op)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Limit: 500})
	seen := map[string]bool{}
	for _, e := range page.Events {
		seen[string(e.Action)+" "+e.Object] = true
	}
	for _, want := range []string{"member.password_reset member:" + m.ID, "facility.password_reset facility:" + oid,
		"letter.print member:" + m.ID, "letter.print facility:" + oid, "letter.mailed member:" + m.ID, "letter.mailed facility:" + oid} {
		if !seen[want] {
			t.Errorf("audit lacks %q", want)
		}
	}
}
