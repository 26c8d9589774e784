package pharmacy_test

import (
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

func TestDispense(t *testing.T) {
	w := newWorld(t, web.CertOff)
	rx := w.issue(t, "")
	w.lookedUp(t, w.MC, rx)
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	d := w.LoginAs(t, w.MD.ID, handlertest.MemberPassword)
	page := "/pharmacy/rx/" + rx.ID
	today := store.JapanDate(w.DB.Now()).Format("2006-01-02")
	form := func(kv ...string) url.Values {
		v := url.Values{"dispensed_on": {today}, "note": {"残薬なし"}, "lines[0][drug_code]": {""}, "lines[1][drug_code]": {""}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	post := page + "/dispense"
	for _, sc := range []handlertest.Scenario{
		{Name: "other pharmacy", Method: "POST", Path: post, Form: form(), WantStatus: 404},
		{Name: "no date", Method: "POST", Path: post, Form: form("dispensed_on", ""), WantStatus: 422, WantMatch: []string{`data-testid="error-dispensed_on">調剤年月日を入力してください`}},
		{Name: "not a date", Method: "POST", Path: post, Form: form("dispensed_on", "きのう"), WantStatus: 422, WantContains: []string{`data-testid="error-dispensed_on"`}},
		{Name: "future", Method: "POST", Path: post, Form: form("dispensed_on", "2999-01-01"), WantStatus: 422, WantContains: []string{"未来の日付"}},
		{Name: "before issue", Method: "POST", Path: post, Form: form("dispensed_on", "2000-01-01"), WantStatus: 422, WantContains: []string{"交付年月日"}},
		{Name: "変更不可 changed", Method: "POST", Path: post, Form: form("lines[1][drug_code]", "2171022F5180"), WantStatus: 422,
			WantMatch: []string{`data-testid="error-line-1">変更不可（医療上必要）の薬は処方どおりに調剤してください`}},
		{Name: "not an alternative", Method: "POST", Path: post, Form: form("lines[0][drug_code]", "2329021F1102"), WantStatus: 422,
			WantMatch: []string{`data-testid="error-line-0">同じ成分・規格の医薬品`}},
		{Name: "junk code", Method: "POST", Path: post, Form: form("lines[0][drug_code]", "<script>"), WantStatus: 422, WantAbsent: []string{"<script>"}},
		{Name: "note too long", Method: "POST", Path: post, Form: form("note", strings.Repeat("あ", 501)), WantStatus: 422, WantContains: []string{"500文字以内"}},
		{Name: "note control character", Method: "POST", Path: post, Form: form("note", "a\x01"), WantStatus: 422},
		{Name: "absurd line index ignored", Method: "POST", Path: post, Form: form("lines[999999999][drug_code]", "x", "dispensed_on", ""), WantStatus: 422},
		{Name: "the form keeps the choice", Method: "POST", Path: post, Form: form("lines[0][drug_code]", "2171022F5180", "dispensed_on", ""), WantStatus: 422,
			WantMatch: []string{`value="2171022F5180" checked`}},
	} {
		cl := c
		if sc.Name == "other pharmacy" {
			cl = d
		}
		sc.Run(t, cl)
	}
	if p, _ := w.DB.PrescriptionByNumber(rx.Number); len(p.Dispensings) != 0 {
		t.Fatalf("refused posts stored %+v", p.Dispensings)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "dispense", Method: "POST", Path: post, Form: form("lines[0][drug_code]", "2171022F5180"), WantStatus: 303, WantLocation: page + "?done=dispensed"},
		{Name: "shown", Path: page + "?done=dispensed", WantStatus: 200, WantContains: []string{"調剤済を記録しました", "調剤済", "アムロジピン錠１０ｍｇ「サワイ」（変更調剤）",
			"ロキソニン錠６０ｍｇ（処方どおり）", "残薬なし", "さくら薬局", "薬剤師 三子"}, WantAbsent: []string{`data-testid="dispense-form"`}},
		{Name: "again", Method: "POST", Path: post, Form: form(), WantStatus: 409, WantContains: []string{"調剤済です"}},
	} {
		sc.Run(t, c)
	}
	// The prescriber's record holds it.
	p, err := w.DB.Prescription(store.RxActor{MemberID: w.MA.ID}, rx.ID)
	if err != nil || p.StatusOn(w.DB.Now()) != store.RxDispensed || len(p.Dispensings) != 1 || p.Dispensings[0].PharmacyName != "さくら薬局" || p.Dispensings[0].Note != "残薬なし" {
		t.Fatalf("prescriber's record %+v %v", p.Dispensings, err)
	}
}

func TestDispenseRefused(t *testing.T) {
	w := newWorld(t, web.CertOff)
	clock := w.FakeClock()
	cancelled, expired := w.issue(t, ""), w.issue(t, "")
	w.lookedUp(t, w.MC, cancelled)
	w.lookedUp(t, w.MC, expired)
	if _, err := w.DB.CancelPrescription(store.RxActor{MemberID: w.MA.ID}, cancelled.ID, "中止"); err != nil {
		t.Fatal(err)
	}
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	today := store.JapanDate(w.DB.Now()).Format("2006-01-02")
	(handlertest.Scenario{Name: "cancelled", Method: "POST", Path: "/pharmacy/rx/" + cancelled.ID + "/dispense", Form: url.Values{"dispensed_on": {today}},
		WantStatus: 409, WantContains: []string{"取り消されています", "取消"}}).Run(t, c)
	clock.Add(5 * 24 * 3600 * 1e9)
	c = w.LoginAs(t, w.MC.ID, handlertest.MemberPassword) // the session ended meanwhile
	(handlertest.Scenario{Name: "expired", Method: "POST", Path: "/pharmacy/rx/" + expired.ID + "/dispense", Form: url.Values{"dispensed_on": {today}},
		WantStatus: 409, WantContains: []string{"使用期間", "期限切れ"}}).Run(t, c)
}

// A refill: each use is a dispensing, the page names the next; after the
// last one 調剤済 and no form.
func TestDispenseRefill(t *testing.T) {
	w := newWorld(t, web.CertOff)
	clock := w.FakeClock()
	rx := w.issue(t, "2")
	w.lookedUp(t, w.MC, rx)
	page := "/pharmacy/rx/" + rx.ID
	var c *handlertest.Client
	for use := 1; use <= 2; use++ {
		c = w.LoginAs(t, w.MC.ID, handlertest.MemberPassword) // a session per visit: weeks pass between uses
		(handlertest.Scenario{Name: "before use", Path: page, WantStatus: 200, WantContains: []string{"次回は" + string(rune('0'+use)) + "回目",
			"調剤済の記録（" + string(rune('0'+use)) + "回目）"}}).Run(t, c)
		today := store.JapanDate(w.DB.Now()).Format("2006-01-02")
		(handlertest.Scenario{Name: "use", Method: "POST", Path: page + "/dispense", Form: url.Values{"dispensed_on": {today}},
			WantStatus: 303}).Run(t, c)
		clock.Add(28 * 24 * 3600 * 1e9)
	}
	c = w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	(handlertest.Scenario{Name: "used up", Path: page, WantStatus: 200, WantContains: []string{"すべて使用済", "1回目", "2回目", "調剤済"},
		WantAbsent: []string{`data-testid="dispense-form"`}}).Run(t, c)
}
