package prs_test

import (
	"net/url"
	"slices"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

func TestPatientLinkPages(t *testing.T) {
	pe := newRegion(t)
	ca, cb := pe.Unlocked(t, pe.MA), pe.Unlocked(t, pe.MB)
	id := handlertest.Register(t, ca, handlertest.PatientValues())
	path := "/prs/patients/" + id
	for _, sc := range []handlertest.Scenario{
		{Name: "b cannot see", Path: path, WantStatus: 404, WantAbsent: []string{"山田"}},
		{Name: "b cannot find by id", Path: "/prs/patients?q=" + id, WantStatus: 200, WantAbsent: []string{"山田"}},
		{Name: "b linked list empty", Path: "/prs/linked", WantStatus: 200, WantContains: []string{"連携患者はいません"}},
	} {
		sc.Run(t, cb)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "link form", Path: path, WantStatus: 200, WantContains: []string{`name="facility_oid"`, `name="consent"`, `value="written"`, `value="verbal"`, `name="consent_date"`}},
		{Name: "no consent", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {pe.FB.OID}, "consent_method": {"written"}}, WantStatus: 422, WantContains: []string{"連携には患者様の同意が必要です"}},
		{Name: "no method", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {pe.FB.OID}, "consent": {"on"}}, WantStatus: 422, WantContains: []string{"同意の方法（書面・口頭）を選択してください"}},
		{Name: "bad oid", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {"12345"}, "consent": {"on"}, "consent_method": {"written"}}, WantStatus: 422, WantContains: []string{"施設ID（OID）は「F」と6桁の数字です"}},
		{Name: "unknown facility", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {"F999999"}, "consent": {"on"}, "consent_method": {"written"}}, WantStatus: 422, WantContains: []string{"登録されていません"}},
		{Name: "own facility", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {pe.FA.OID}, "consent": {"on"}, "consent_method": {"written"}}, WantStatus: 422, WantContains: []string{"自施設とは連携できません"}},
		{Name: "future consent date", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {pe.FB.OID}, "consent": {"on"}, "consent_method": {"verbal"}, "consent_date": {"2999-01-01"}}, WantStatus: 422, WantContains: []string{"同意日に未来の日付は入力できません"}},
		{Name: "link", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {pe.FB.OID}, "consent": {"on"}, "consent_method": {"written"}, "consent_date": {"R7.4.1"}}, WantStatus: 303, WantLocation: path + "?done=prs-linked"},
		{Name: "linked shown", Path: path + "?done=prs-linked", WantStatus: 200, WantContains: []string{"連携しました", "みなと総合病院", "2025-04-01", "書面", "連携中"}},
		{Name: "again", Method: "POST", Path: path + "/links", Form: url.Values{"facility_oid": {pe.FB.OID}, "consent": {"on"}, "consent_method": {"written"}}, WantStatus: 422, WantContains: []string{"既に連携しています"}},
	} {
		sc.Run(t, ca)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "b linked list", Path: "/prs/linked", WantStatus: 200, WantContains: []string{"山田　太郎", "ヤマダ　タロウ", "昭和45年4月1日", "あおば内科クリニック", store.FormatPatientID(id)}},
		{Name: "b sees identity only", Path: path, WantStatus: 200, WantContains: []string{"山田　太郎", "昭和45年4月1日", `data-testid="linked-notice"`}, WantAbsent: []string{"01130012", "ペニシリン", "03-1234-5678", "変更履歴", "1001"}},
		{Name: "b finds by id", Path: "/prs/patients?q=" + url.QueryEscape(store.FormatPatientID(id)), WantStatus: 200, WantContains: []string{"山田　太郎", "連携"}},
		{Name: "b cannot edit", Path: path + "/edit", WantStatus: 403},
		{Name: "b cannot print", Method: "POST", Path: path + "/card", WantStatus: 403},
	} {
		sc.Run(t, cb)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "revoke", Method: "POST", Path: path + "/links/" + pe.FB.OID + "/revoke", Form: url.Values{"reason": {"同意の撤回"}}, WantStatus: 303, WantLocation: path + "?done=prs-unlinked"},
		{Name: "revoked kept", Path: path + "?done=prs-unlinked", WantStatus: 200, WantContains: []string{"連携を解除しました", "解除", "同意の撤回"}},
		{Name: "revoke twice", Method: "POST", Path: path + "/links/" + pe.FB.OID + "/revoke", WantStatus: 404},
	} {
		sc.Run(t, ca)
	}
	(handlertest.Scenario{Name: "b after revoke", Path: path, WantStatus: 404, WantAbsent: []string{"山田"}}).Run(t, cb)
	(handlertest.Scenario{Name: "b list after revoke", Path: "/prs/linked", WantStatus: 200, WantContains: []string{"連携患者はいません"}}).Run(t, cb)
	for _, sc := range []handlertest.Scenario{
		{Name: "edit", Method: "POST", Path: path + "/edit", Form: handlertest.PatientValues("version", "1", "phone", "03-7777-8888", "allergies", "なし"), WantStatus: 303, WantLocation: path + "?done=prs-updated"},
		{Name: "card", Method: "POST", Path: path + "/card", WantStatus: 200},
		{Name: "deactivate", Method: "POST", Path: path + "/deactivate", Form: url.Values{"reason": {"転居"}}, WantStatus: 303, WantLocation: path + "?done=prs-deactivated"},
	} {
		sc.Run(t, ca)
	}

	page, err := pe.DB.ListAudit(store.AuditFilter{Patient: id, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	details := map[string][]string{}
	for _, e := range page.Events {
		details[string(e.Action)+"/"+e.Actor] = append(details[string(e.Action)+"/"+e.Actor], e.Detail)
	}
	for _, want := range []struct{ action, actor, detail string }{
		{"patient.create", pe.MA.ID, ""},
		{"patient.view", pe.MA.ID, "home"},
		{"patient.link", pe.MA.ID, "facility:" + pe.FB.OID + " consent:written 2025-04-01"},
		{"patient.view", pe.MB.ID, "linked"},
		{"patient.unlink", pe.MA.ID, "facility:" + pe.FB.OID + " 同意の撤回"},
		{"patient.update", pe.MA.ID, "fields:phone,allergies"},
		{"patient.card", pe.MA.ID, "card:1"},
		{"patient.deactivate", pe.MA.ID, "転居"},
	} {
		if !slices.Contains(details[want.action+"/"+want.actor], want.detail) {
			t.Errorf("not audited: %s by %s with %q (have %q)", want.action, want.actor, want.detail, details[want.action+"/"+want.actor])
		}
	}
}
