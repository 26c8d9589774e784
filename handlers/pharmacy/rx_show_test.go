package pharmacy_test

import (
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// The prescription as printed, only for the pharmacy that looked it up;
// a cancelled or expired one is shown as such, without the form.
func TestShowPrescription(t *testing.T) {
	w := newWorld(t, web.CertOff)
	rx := w.issue(t, "3")
	w.lookedUp(t, w.MC, rx)
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	d := w.LoginAs(t, w.MD.ID, handlertest.MemberPassword)
	page := "/pharmacy/rx/" + rx.ID
	for _, sc := range []handlertest.Scenario{
		{Name: "as printed", Path: page, WantStatus: 200, WantContains: []string{
			rx.DisplayNumber(), "山田　太郎", "昭和45年4月1日", "01130012", "あおば内科クリニック", "医師 一郎", "交付年月日", "処方箋の使用期間",
			"ノルバスク錠１０ｍｇ", "1日1回朝食後", "28日分", "ロキソニン錠６０ｍｇ", "以下余白", "リフィル可（3回）", "次回は1回目", "一包化",
			"保険医療機関へ情報提供", `data-testid="dispense-form"`, "調剤済の記録（1回目）",
			`value="2171022F5180"`, "アムロジピン錠１０ｍｇ「サワイ」", `action="` + page + `/dispense"`}},
		{Name: "unknown id", Path: "/pharmacy/rx/RX9999999999", WantStatus: 404},
		{Name: "junk id", Path: "/pharmacy/rx/..%2F", WantStatus: 404},
	} {
		sc.Run(t, c)
	}
	// 変更不可: no alternative offered for that line.
	res := c.Get(page)
	if n := strings.Count(res.Body, `name="lines[1][drug_code]"`); n != 1 {
		t.Errorf("変更不可 line offers %d choices", n)
	}
	// Another pharmacy, never having looked it up: 404, nothing shown.
	if res := d.Get(page); res.Status != 404 || strings.Contains(res.Body, "山田") {
		t.Errorf("other pharmacy: %d", res.Status)
	}
	// Cancelled: shown as 取消, no form, the reason.
	if _, err := w.DB.CancelPrescription(store.RxActor{MemberID: w.MA.ID}, rx.ID, "用量の誤り"); err != nil {
		t.Fatal(err)
	}
	(handlertest.Scenario{Name: "cancelled", Path: page, WantStatus: 200, WantContains: []string{"取消", `data-testid="rx-refused"`, "用量の誤り"},
		WantAbsent: []string{`data-testid="dispense-form"`}}).Run(t, c)
	// Every view audited.
	ev, err := w.DB.ListAudit(store.AuditFilter{Action: string(store.AuditRxPharmacyView), Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, e := range ev.Events {
		if e.Result == store.ResultOK && e.Patient == w.Patient.ID && e.Actor == w.MC.ID {
			ok++
		}
	}
	if ok != 3 {
		t.Errorf("views audited: %d", ok)
	}
}

func TestShowExpired(t *testing.T) {
	w := newWorld(t, web.CertOff)
	clock := w.FakeClock()
	rx := w.issue(t, "")
	w.lookedUp(t, w.MC, rx)
	clock.Add(5 * 24 * 3600 * 1e9)
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	(handlertest.Scenario{Name: "expired", Path: "/pharmacy/rx/" + rx.ID, WantStatus: 200, WantContains: []string{"期限切れ", "使用期間", `data-testid="rx-refused"`},
		WantAbsent: []string{`data-testid="dispense-form"`}}).Run(t, c)
}
