package prs_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
	"hotline/store/jptext"
)

func TestPatientFormValidation(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/prs/patients/new", WantStatus: 200, WantContains: []string{"患者様の新規登録", `name="name_kana"`, `name="birth_date"`, `name="insurer_number"`, `name="insured_branch"`, `value="male"`, `value="female"`}},
		{Name: "all empty", Method: "POST", Path: "/prs/patients", Form: url.Values{}, WantStatus: 422, WantContains: []string{"氏名を入力してください", "フリガナを入力してください", "生年月日を入力してください", "性別を選択してください"}},
		{Name: "kana with kanji", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("name_kana", "山田"), WantStatus: 422, WantContains: []string{"カナ（カタカナまたはひらがな）で入力してください"}},
		{Name: "kana with latin", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("name_kana", "yamada"), WantStatus: 422, WantContains: []string{"カナ（カタカナまたはひらがな）で入力してください", `value="yamada"`}},
		{Name: "kana too long", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("name_kana", strings.Repeat("ヤ", jptext.KanaMaxLength+1)), WantStatus: 422, WantContains: []string{"カナは100文字以内で入力してください"}},
		{Name: "control character", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("address", "東京都千代田区\x1b千代田1-1"), WantStatus: 422, WantContains: []string{`<a href="#address">住所：住所に使用できない文字が含まれています</a>`}},
		{Name: "control character in the kana", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("name_kana", "ヤマダ\x00タロウ"), WantStatus: 422, WantContains: []string{`<a href="#name_kana">フリガナ：使用できない文字（制御文字や不正な文字コード）が含まれています</a>`}},
		{Name: "birth nonsense", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("birth_date", "むかし"), WantStatus: 422, WantContains: []string{"生年月日は YYYY-MM-DD または 和暦"}},
		{Name: "birth no such day", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("birth_date", "1970-02-30"), WantStatus: 422, WantContains: []string{"その日付は存在しません"}},
		{Name: "wareki outside era", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("birth_date", "昭和64年1月8日"), WantStatus: 422, WantContains: []string{"昭和は元年12月25日から64年1月7日までです"}},
		{Name: "wareki letter outside era", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("birth_date", "H31.5.1"), WantStatus: 422, WantContains: []string{"平成は元年1月8日から31年4月30日までです"}},
		{Name: "birth future", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("birth_date", "2999-01-01"), WantStatus: 422, WantContains: []string{"生年月日に未来の日付は入力できません"}},
		{Name: "sex", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("sex", "other"), WantStatus: 422, WantContains: []string{"性別は「男」または「女」"}},
		{Name: "insurer check digit", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", "01130013"), WantStatus: 422, WantContains: []string{"検証番号"}},
		{Name: "insurer prefecture", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", "01480012"), WantStatus: 422, WantContains: []string{"都道府県"}},
		{Name: "insurer length", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", "12345"), WantStatus: 422, WantContains: []string{"保険者番号は8桁（国民健康保険は6桁）"}},
		{Name: "kokuho check digit", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", "131012"), WantStatus: 422, WantContains: []string{"検証番号"}},
		{Name: "kokuho padded to 8, check digit", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", "00131012"), WantStatus: 422, WantContains: []string{"検証番号"}},
		{Name: "kokuho prefecture", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", "481012"), WantStatus: 422, WantContains: []string{"都道府県"}},
		{Name: "number without insurer", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insurer_number", ""), WantStatus: 422, WantContains: []string{"保険者番号も入力してください"}},
		{Name: "branch", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insured_branch", "123"), WantStatus: 422, WantContains: []string{"枝番は2桁の数字"}},
		{Name: "branch without number", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("insured_number", ""), WantStatus: 422, WantContains: []string{"枝番を入力する場合は番号も入力してください"}},
		{Name: "chart characters", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("chart_number", "12/34"), WantStatus: 422, WantContains: []string{"カルテ番号は英数字とハイフン"}},
		{Name: "postal", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("postal", "1000"), WantStatus: 422, WantContains: []string{"郵便番号"}},
		{Name: "phone", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("phone", "12-34"), WantStatus: 422, WantContains: []string{"電話番号"}},
		{Name: "no csrf", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues(), NoCSRF: true, WantStatus: 403},
	} {
		sc.Run(t, c)
	}
	if n, _ := pe.DB.CountPatients(pe.FA.OID); n != 0 {
		t.Fatalf("invalid forms stored %d patients", n)
	}
	// 国民健康保険: 6 digits, or padded with 00 to 8, stored as 6.
	for i, in := range []string{"131011", "00131011"} {
		kid := handlertest.Register(t, c, handlertest.PatientValues("name", "国保 一郎", "name_kana", "コクホ イチロウ", "birth_date", fmt.Sprintf("1980-01-0%d", i+1), "insurer_number", in, "chart_number", fmt.Sprintf("K-%d", i)))
		res := c.Get("/prs/patients/" + kid)
		if !strings.Contains(res.Body, "<td>131011　記号・番号") || strings.Contains(res.Body, "00131011") {
			t.Errorf("kokuho %s not stored as 131011:\n%s", in, handlertest.Snippet(res.Body))
		}
	}
	// 和暦, hiragana and full-width input are accepted and normalised.
	id := handlertest.Register(t, c, handlertest.PatientValues("birth_date", "昭和45年4月1日", "name_kana", "やまだ　たろう", "insurer_number", "０１１３００１２", "chart_number", "ａ-１"))
	res := c.Get("/prs/patients/" + id)
	for _, want := range []string{"昭和45年4月1日", "1970-04-01", "ヤマダ　タロウ", "01130012", "A-1", store.FormatPatientID(id), "変更履歴", "登録"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("patient page lacks %q", want)
		}
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "chart number taken", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("name", "佐藤 花子", "name_kana", "サトウ ハナコ", "chart_number", "A-1"), WantStatus: 422, WantContains: []string{"このカルテ番号は既に別の患者様", store.FormatPatientID(id)}},
		{Name: "likely duplicate (half-width kana, S45.4.1)", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("name", "山田 太朗", "name_kana", "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date", "S45.4.1", "chart_number", "A-2"), WantStatus: 422,
			WantContains: []string{"同じフリガナ・生年月日の患者様が既に登録されています", `data-testid="duplicate-warning"`, `name="confirm_duplicate"`, store.FormatPatientID(id), `value="山田 太朗"`}},
	} {
		sc.Run(t, c)
	}
	dup := handlertest.Register(t, c, handlertest.PatientValues("name", "山田 太朗", "name_kana", "ﾔﾏﾀﾞ ﾀﾛｳ", "birth_date", "S45.4.1", "chart_number", "A-2", "confirm_duplicate", "1"))
	if dup == id {
		t.Fatal("same ID twice")
	}
	other := handlertest.Register(t, c, handlertest.PatientValues("name", "山田 次郎", "name_kana", "ヤマダ ジロウ", "birth_date", "1970-04-01", "chart_number", "A-3"))
	// Edit: a version with who, when and what.
	res = c.Get("/prs/patients/" + id + "/edit")
	if res.Status != 200 || !strings.Contains(res.Body, `name="version" value="1"`) || !strings.Contains(res.Body, `value="1970-04-01"`) {
		t.Fatalf("edit form: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "edit invalid", Method: "POST", Path: "/prs/patients/" + id + "/edit", Form: handlertest.PatientValues("version", "1", "chart_number", "A-1", "birth_date", "R1.4.30"), WantStatus: 422, WantContains: []string{"令和は元年5月1日からです", "患者情報の修正"}},
		{Name: "edit of a confirmed duplicate, kana and birth date unchanged", Method: "POST", Path: "/prs/patients/" + dup + "/edit", Form: handlertest.PatientValues("version", "1", "name", "山田 太朗", "chart_number", "A-2", "birth_date", "1970-04-01", "name_kana", "ヤマダ タロウ", "notes", "別人と確認"), WantStatus: 303, WantLocation: "/prs/patients/" + dup + "?done=prs-updated"},
		{Name: "edit into a duplicate", Method: "POST", Path: "/prs/patients/" + other + "/edit", Form: handlertest.PatientValues("version", "1", "name", "山田 次郎", "chart_number", "A-3", "birth_date", "S45.4.1", "name_kana", "ヤマダ タロウ"), WantStatus: 422,
			WantContains: []string{"同じフリガナ・生年月日の患者様が既に登録されています", `data-testid="duplicate-warning"`, `name="confirm_duplicate"`, store.FormatPatientID(id), store.FormatPatientID(dup), "患者情報の修正", `name="version" value="1"`}},
		{Name: "edit into a duplicate, confirmed", Method: "POST", Path: "/prs/patients/" + other + "/edit", Form: handlertest.PatientValues("version", "1", "name", "山田 次郎", "chart_number", "A-3", "birth_date", "S45.4.1", "name_kana", "ヤマダ タロウ", "confirm_duplicate", "1"), WantStatus: 303, WantLocation: "/prs/patients/" + other + "?done=prs-updated"},
		{Name: "edited into a duplicate", Path: "/prs/patients/" + other, WantStatus: 200, WantContains: []string{"ヤマダ　タロウ", "昭和45年4月1日", "第2版"}},
		// The version is required (else the stale-edit check could not
		// run); the answer is no form, which would carry the current one.
		{Name: "edit without version", Method: "POST", Path: "/prs/patients/" + id + "/edit", Form: handlertest.PatientValues("chart_number", "A-1", "phone", "03-9999-8888"), WantStatus: 422, WantContains: []string{"修正画面の版が確認できません", "開き直して"}, WantAbsent: []string{`name="version"`, "03-9999-8888"}},
		{Name: "edit with a version that is no number", Method: "POST", Path: "/prs/patients/" + id + "/edit", Form: handlertest.PatientValues("version", "v1", "chart_number", "A-1", "phone", "03-9999-8888"), WantStatus: 422, WantContains: []string{"修正画面の版が確認できません"}, WantAbsent: []string{`name="version"`}},
		{Name: "edit", Method: "POST", Path: "/prs/patients/" + id + "/edit", Form: handlertest.PatientValues("version", "1", "chart_number", "A-1", "birth_date", "1970-04-01", "name_kana", "ヤマダ タロウ", "phone", "03-9999-8888"), WantStatus: 303, WantLocation: "/prs/patients/" + id + "?done=prs-updated"},
		{Name: "stale edit", Method: "POST", Path: "/prs/patients/" + id + "/edit", Form: handlertest.PatientValues("version", "1", "chart_number", "A-1", "phone", "03-1111-1111"), WantStatus: 409, WantContains: []string{"他の方が先にこの患者様の情報を修正しました"}},
		{Name: "history", Path: "/prs/patients/" + id + "?done=prs-updated", WantStatus: 200, WantContains: []string{"患者情報を修正しました", "修正", "電話番号", "03-1234-5678", "03-9999-8888", "医師 一郎", "第2版"}},
		{Name: "deactivate", Method: "POST", Path: "/prs/patients/" + id + "/deactivate", Form: url.Values{"reason": {"転居"}}, WantStatus: 303, WantLocation: "/prs/patients/" + id + "?done=prs-deactivated"},
		{Name: "deactivated page", Path: "/prs/patients/" + id, WantStatus: 200, WantContains: []string{`data-testid="patient-inactive"`, "無効化", "転居", "再び有効にする"}, WantAbsent: []string{`data-testid="card-form"`}},
		{Name: "edit inactive", Path: "/prs/patients/" + id + "/edit", WantStatus: 409},
		{Name: "deactivate twice", Method: "POST", Path: "/prs/patients/" + id + "/deactivate", WantStatus: 409},
		{Name: "reactivate", Method: "POST", Path: "/prs/patients/" + id + "/reactivate", WantStatus: 303},
		{Name: "unknown patient", Path: "/prs/patients/" + store.NewPatientID(), WantStatus: 404},
		{Name: "not an id", Path: "/prs/patients/12345", WantStatus: 404},
	} {
		sc.Run(t, c)
	}
}
