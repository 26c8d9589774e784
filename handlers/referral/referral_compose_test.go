package referral_test

import (
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// TestCompose: every validation of the compose form answers 422 with the
// message beside its field and stores nothing; the missing consent link
// answers 409 with the way to PRS; drafts are saved, edited, sent and
// deleted.
func TestCompose(t *testing.T) {
	r := newRegion(t)
	foreign, err := r.DB.RegisterPatient(store.PRSActor{MemberID: r.MB.ID, FacilityOID: r.FB.OID}, store.PatientForm{Name: "別院 花子", NameKana: "ベツイン ハナコ", BirthDate: "1990-01-01", Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("あ", store.MaxReferralSection+1)
	errorOf := func(field, msg string) string {
		return `data-testid="error-` + field + `">` + msg
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/referrals/new?patient=" + r.patient, WantStatus: 200, WantContains: []string{`name="to_member"`, `name="to_facility"`,
			`name="patient_id"`, `value="` + r.patient + `"`, "昭和45年4月1日生（", `hx-get="/members?pick=1"`, `name="attachment"`,
			`name="draft" value="1"`, `enctype="multipart/form-data"`, "傷病名", "紹介目的", "既往歴及び家族歴", "症状経過及び検査結果", "治療経過", "現在の処方", "備考"}},
		{Name: "another facility's patient id", Path: "/referrals/new?patient=" + foreign.ID, WantStatus: 200, WantAbsent: []string{`data-testid="compose-patient"`}},
		{Name: "empty", Method: "POST", Path: "/referrals/new", Form: nil, WantStatus: 422,
			WantContains: []string{errorOf("patient_id", "患者を選んでください"), errorOf("to_member", "紹介先を選んでください"), errorOf("diagnosis", "傷病名を入力してください"), errorOf("purpose", "紹介目的を入力してください")}},
		{Name: "bad member id", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_facility", "", "to_member", "Y12"), WantStatus: 422,
			WantContains: []string{errorOf("to_member", "ほっとラインIDは「H」と6桁の数字です")}},
		{Name: "unknown member", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_facility", "", "to_member", "H999999"), WantStatus: 422,
			WantContains: []string{errorOf("to_member", "このほっとラインIDの会員は見つかりません")}},
		{Name: "bad oid", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_facility", "F1"), WantStatus: 422,
			WantContains: []string{errorOf("to_facility", "施設ID（OID）は「F」と6桁の数字です")}},
		{Name: "unknown facility", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_facility", "F999999"), WantStatus: 422,
			WantContains: []string{errorOf("to_facility", "このOIDの施設は見つかりません")}},
		{Name: "member of another facility than named", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_member", r.MC.ID), WantStatus: 422,
			WantContains: []string{errorOf("to_facility", "紹介先の会員の所属施設")}},
		{Name: "own facility", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_facility", r.FA.OID), WantStatus: 422,
			WantContains: []string{errorOf("to_member", "自施設あてには送れません")}},
		{Name: "bad patient id", Method: "POST", Path: "/referrals/new", Form: r.letterValues("patient_id", "12"), WantStatus: 422,
			WantContains: []string{errorOf("patient_id", "患者IDの形式が正しくありません")}},
		{Name: "unknown patient", Method: "POST", Path: "/referrals/new", Form: r.letterValues("patient_id", foreign.ID), WantStatus: 404},
		{Name: "long section", Method: "POST", Path: "/referrals/new", Form: r.letterValues("course", long), WantStatus: 422,
			WantContains: []string{errorOf("course", "症状経過及び検査結果は4000文字以内で入力してください")}},
		{Name: "control character", Method: "POST", Path: "/referrals/new", Form: r.letterValues("remarks", "a\x01b"), WantStatus: 422,
			WantContains: []string{errorOf("remarks", "備考に使用できない文字が含まれています")}},
		{Name: "long doctor", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_doctor", strings.Repeat("医", 61)), WantStatus: 422,
			WantContains: []string{errorOf("to_doctor", "紹介先の担当医は60文字以内")}},
		{Name: "long occupation", Method: "POST", Path: "/referrals/new", Form: r.letterValues("occupation", strings.Repeat("職", 61)), WantStatus: 422,
			WantContains: []string{errorOf("occupation", "職業は60文字以内")}},
		{Name: "bad correction", Method: "POST", Path: "/referrals/new", Form: r.letterValues("corrects", "X1"), WantStatus: 422,
			WantContains: []string{errorOf("corrects", "訂正する紹介状の番号が正しくありません")}},
		{Name: "unknown correction", Method: "POST", Path: "/referrals/new", Form: r.letterValues("corrects", "L999999"), WantStatus: 422,
			WantContains: []string{errorOf("corrects", "訂正できる紹介状が見つかりません")}},
		{Name: "not linked to the pharmacy", Method: "POST", Path: "/referrals/new", Form: r.letterValues("to_facility", r.FC.OID), WantStatus: 409,
			WantContains: []string{`data-testid="consent-missing"`, "連携されていません", "紹介状は送信されていません", `href="/prs/patients/` + r.patient + `#links"`, "精査加療のお願い"}},
	} {
		sc.Run(t, r.a)
	}
	// Nothing was stored by any of them.
	for _, box := range []store.ReferralBox{store.BoxSent, store.BoxDrafts} {
		if page, err := r.DB.Referrals(r.actorA(), store.ReferralQuery{Box: box}); err != nil || len(page.Rows) != 0 {
			t.Fatalf("%s after refusals: %+v %v", box, page.Rows, err)
		}
	}
	// An attachment of another type is refused with the form; a PDF is kept.
	res := r.a.PostMultipart("/referrals/new", r.letterValues(), handlertest.File{Field: "attachment", Name: "memo.txt", Data: []byte("plain text")})
	if res.Status != 422 || !strings.Contains(res.Body, `data-testid="error-attachment"`) || !strings.Contains(res.Body, "memo.txt") {
		t.Fatalf("text attachment: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	res = r.a.PostMultipart("/referrals/new", r.letterValues("draft", "1"), handlertest.File{Field: "attachment", Name: "検査結果.pdf", Data: store.SamplePDF(0, 7)})
	m := letterLocation.FindStringSubmatch(res.Location)
	if res.Status != 303 || m == nil || m[2] != "draft" {
		t.Fatalf("draft with a file: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	draft := m[1]
	for _, sc := range []handlertest.Scenario{
		{Name: "draft opens as its form", Path: "/referrals/" + draft + "?done=referral-draft", WantStatus: 200,
			WantContains: []string{"下書きを保存しました", "下書きの編集", `action="/referrals/` + draft + `/edit"`, "検査結果.pdf", `data-testid="delete-draft"`}},
		{Name: "drafts list", Path: "/referrals/drafts", WantStatus: 200, WantContains: []string{`data-id="` + draft + `"`, "下書き"}},
		{Name: "edit keeps messages", Method: "POST", Path: "/referrals/" + draft + "/edit", Form: r.letterValues("purpose", "", "draft", ""), WantStatus: 422,
			WantContains: []string{errorOf("purpose", "紹介目的を入力してください")}},
		{Name: "send the draft", Method: "POST", Path: "/referrals/" + draft + "/edit", Form: r.letterValues(), WantStatus: 303,
			WantLocation: "/referrals/" + draft + "?done=referral-sent"},
		{Name: "sent is immutable", Method: "POST", Path: "/referrals/" + draft + "/edit", Form: r.letterValues("draft", "1"), WantStatus: 409},
		{Name: "sent is not deleted", Method: "POST", Path: "/referrals/" + draft + "/delete", WantStatus: 409},
		{Name: "drafts empty", Path: "/referrals/drafts", WantStatus: 200, WantContains: []string{`data-testid="referral-empty"`}},
	} {
		sc.Run(t, r.a)
	}
	// A second draft is deleted; nobody else may touch A's drafts.
	d2 := r.send(t, r.letterValues("draft", "1", "purpose", ""))
	for _, c := range []*handlertest.Client{r.b, r.c} {
		handlertest.Scenario{Name: "other's draft", Path: "/referrals/" + d2, WantStatus: 404}.Run(t, c)
		handlertest.Scenario{Name: "delete other's draft", Method: "POST", Path: "/referrals/" + d2 + "/delete", WantStatus: 404}.Run(t, c)
	}
	handlertest.Scenario{Name: "delete", Method: "POST", Path: "/referrals/" + d2 + "/delete", WantStatus: 303, WantLocation: "/referrals/drafts?done=referral-deleted"}.Run(t, r.a)
	handlertest.Scenario{Name: "deleted", Path: "/referrals/" + d2, WantStatus: 404}.Run(t, r.a)
}

// TestCorrection: a correction starts from the letter, names it, and both
// pages show the link.
func TestCorrection(t *testing.T) {
	r := newRegion(t)
	orig := r.send(t, r.letterValues())
	handlertest.Scenario{Name: "correction form", Path: "/referrals/new?corrects=" + orig, WantStatus: 200,
		WantContains: []string{`name="corrects" value="` + orig + `"`, "精査加療のお願い", orig + " を訂正"}}.Run(t, r.a)
	handlertest.Scenario{Name: "receiver may not correct", Path: "/referrals/new?corrects=" + orig, WantStatus: 403}.Run(t, r.b)
	handlertest.Scenario{Name: "stranger", Path: "/referrals/new?corrects=" + orig, WantStatus: 404}.Run(t, r.c)
	corr := r.send(t, r.letterValues("corrects", orig, "diagnosis", "高血圧症（訂正）"))
	handlertest.Scenario{Name: "correction names the original", Path: "/referrals/" + corr, WantStatus: 200,
		WantContains: []string{`data-testid="corrects"`, `href="/referrals/` + orig + `"`}}.Run(t, r.b)
	handlertest.Scenario{Name: "original names the correction", Path: "/referrals/" + orig, WantStatus: 200,
		WantContains: []string{`data-testid="corrected-by"`, `href="/referrals/` + corr + `"`, "高血圧症"}}.Run(t, r.b)
}
