package prs_test

import (
	"net/url"
	"testing"

	"hotline/handlers/handlertest"
)

func TestPRSFacilityPage(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	other := pe.Unlocked(t, pe.MA) // a second browser of the same member
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
	for _, sc := range []handlertest.Scenario{
		{Name: "page", Path: "/prs/facility", WantStatus: 200, WantContains: []string{"施設情報修正", pe.FA.OID, `name="departments"`, `name="current"`, `name="new"`, `name="confirm"`}},
		{Name: "invalid", Method: "POST", Path: "/prs/facility", Form: with(info, "name", "", "postal", "12", "phone", "1"), WantStatus: 422, WantContains: []string{"施設名を入力してください", "郵便番号", "電話番号"}},
		{Name: "save info", Method: "POST", Path: "/prs/facility", Form: info, WantStatus: 303, WantLocation: "/prs/facility?done=prs-facility"},
		{Name: "saved", Path: "/prs/facility?done=prs-facility", WantStatus: 200, WantContains: []string{"施設情報を保存しました", "あおば内科・小児科クリニック", "160-0001", "内科\n小児科\nアレルギー科"}},
		{Name: "wrong current", Method: "POST", Path: "/prs/facility", Form: with(info, "current", "nope", "new", "brand-New-facility-9", "confirm", "brand-New-facility-9"), WantStatus: 422, WantContains: []string{"現在の施設パスワードが正しくありません"}},
		{Name: "weak new", Method: "POST", Path: "/prs/facility", Form: with(info, "current", handlertest.FacilityPassword, "new", "password1234", "confirm", "password1234"), WantStatus: 422, WantContains: []string{"新しい施設パスワード"}},
		{Name: "mismatch", Method: "POST", Path: "/prs/facility", Form: with(info, "current", handlertest.FacilityPassword, "new", "brand-New-facility-9", "confirm", "brand-New-facility-8"), WantStatus: 422, WantContains: []string{"確認用のパスワードが一致しません"}},
		{Name: "password only", Method: "POST", Path: "/prs/facility", Form: url.Values{"current": {handlertest.FacilityPassword}, "new": {"brand-New-facility-9"}, "confirm": {"brand-New-facility-9"}}, WantStatus: 303, WantLocation: "/prs/facility?done=prs-facility-password"},
		{Name: "still unlocked here", Path: "/prs", WantStatus: 200},
	} {
		sc.Run(t, c)
	}
	f, _ := pe.DB.Facility(pe.FA.OID)
	if f.Name != "あおば内科・小児科クリニック" || len(f.Departments) != 3 {
		t.Fatalf("facility %+v", f)
	}
	// The other browser must unlock again, with the new password.
	(handlertest.Scenario{Name: "other relocked", Path: "/prs", WantStatus: 303, WantLocation: "/prs/login?next=%2Fprs"}).Run(t, other)
	(handlertest.Scenario{Name: "old password", Method: "POST", Path: "/prs/login", Form: url.Values{"oid": {pe.FA.OID}, "password": {handlertest.FacilityPassword}}, WantStatus: 401}).Run(t, other)
	(handlertest.Scenario{Name: "new password", Method: "POST", Path: "/prs/login", Form: url.Values{"oid": {pe.FA.OID}, "password": {"brand-New-facility-9"}}, WantStatus: 303}).Run(t, other)
}
