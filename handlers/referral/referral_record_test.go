package referral_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// record writes a record of A's facility about the patient.
func (r *region) record(t testing.TB, patientID, kind, title, on string) string {
	t.Helper()
	rec, err := r.DB.CreateRecord(store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID},
		store.RecordForm{PatientID: patientID, Kind: kind, Title: title, Body: "所見", RecordedOn: on})
	if err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	return rec.ID
}

// withRecords is the form with the record boxes ticked.
func withRecords(v url.Values, ids ...string) url.Values {
	v["record"] = ids
	return v
}

// TestLetterRecords: the compose form offers the patient's records of
// the facility, newest first, and refuses a record it may not attach
// (422 beside the field, boxes kept, nothing stored); sending discloses
// the records to the receiver, whose letter page links them and who opens
// them in DMS, while a third facility gets 404; a revoked disclosure
// leaves the line as sent, without the link.
func TestLetterRecords(t *testing.T) {
	r := newRegion(t)
	xray := r.record(t, r.patient, "imaging", "胸部X線", "2026-03-01")
	lab := r.record(t, r.patient, "lab", "血液検査", "2026-03-05")
	withdrawn := r.record(t, r.patient, "note", "取り下げた記録", "2026-03-06")
	if _, err := r.DB.WithdrawRecord(store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}, withdrawn, "誤記"); err != nil {
		t.Fatal(err)
	}
	// B writes about the patient (linked to it) and discloses it to A.
	pb := store.PRSActor{MemberID: r.MB.ID, FacilityOID: r.FB.OID}
	foreign, err := r.DB.CreateRecord(pb, store.RecordForm{PatientID: r.patient, Kind: "lab", Title: "他院の検査", RecordedOn: "2026-03-07"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.DB.DiscloseRecord(pb, foreign.ID, store.DiscloseToFacility, r.FA.OID); err != nil {
		t.Fatal(err)
	}
	bare := handlertest.Register(t, r.a, handlertest.PatientValues("name", "記録 なし子", "name_kana", "キロク ナシコ", "birth_date", "1980-02-02", "sex", "female", "chart_number", "2002"))
	otherRec := r.record(t, bare, "note", "別の患者様の記録", "2026-03-08")
	var many []string
	for i := 101; i <= 100+store.MaxReferralRecords+1; i++ {
		many = append(many, fmt.Sprintf("R%06d", i))
	}
	errorOf := func(msg string) string { return `data-testid="error-record">` + msg }
	for _, sc := range []handlertest.Scenario{
		{Name: "compose lists the records", Path: "/referrals/new?patient=" + r.patient, WantStatus: 200,
			WantContains: []string{`data-testid="compose-records"`, "添付する医療記録（DMS）", `name="record" value="` + xray + `"`, `name="record" value="` + lab + `"`,
				"胸部X線（画像・2026-03-01）", "血液検査（検査結果・2026-03-05）"},
			WantMatch:  []string{`(?s)value="` + lab + `".*value="` + xray + `"`},
			WantAbsent: []string{`value="` + withdrawn + `"`, `value="` + foreign.ID + `"`, `value="` + otherRec + `"`, `data-testid="records-more"`, ` checked`}},
		{Name: "no patient yet", Path: "/referrals/new", WantStatus: 200, WantContains: []string{`data-testid="compose-records"`}, WantAbsent: []string{`name="record"`}},
		{Name: "unknown record", Method: "POST", Path: "/referrals/new", Form: withRecords(r.letterValues(), xray, "R999999"), WantStatus: 422,
			WantContains: []string{errorOf("医療記録 R999999 は見つかりません"), `value="` + xray + `" checked`, `href="#record"`}, WantAbsent: []string{`value="` + lab + `" checked`}},
		{Name: "another facility's record", Method: "POST", Path: "/referrals/new", Form: withRecords(r.letterValues(), foreign.ID), WantStatus: 422,
			WantContains: []string{errorOf("医療記録 " + foreign.ID + " は見つかりません")}},
		{Name: "withdrawn record", Method: "POST", Path: "/referrals/new", Form: withRecords(r.letterValues(), withdrawn), WantStatus: 422,
			WantContains: []string{errorOf("医療記録 " + withdrawn + " は取り下げられているため添付できません")}},
		{Name: "another patient's record", Method: "POST", Path: "/referrals/new", Form: withRecords(r.letterValues(), otherRec), WantStatus: 422,
			WantContains: []string{errorOf("医療記録 " + otherRec + " は別の患者様の記録です")}},
		{Name: "not a record id", Method: "POST", Path: "/referrals/new", Form: withRecords(r.letterValues("draft", "1"), "L000001"), WantStatus: 422,
			WantContains: []string{errorOf("添付する医療記録の番号が正しくありません")}},
		{Name: "too many", Method: "POST", Path: "/referrals/new", Form: withRecords(r.letterValues(), many...), WantStatus: 422,
			WantContains: []string{errorOf("添付できる医療記録は20件までです")}},
	} {
		sc.Run(t, r.a)
	}
	for _, box := range []store.ReferralBox{store.BoxSent, store.BoxDrafts} {
		if page, err := r.DB.Referrals(r.actorA(), store.ReferralQuery{Box: box}); err != nil || len(page.Rows) != 0 {
			t.Fatalf("%s after refusals: %+v %v", box, page.Rows, err)
		}
	}
	handlertest.Scenario{Name: "the other patient's own list", Path: "/referrals/new?patient=" + bare, WantStatus: 200,
		WantContains: []string{`name="record" value="` + otherRec + `"`}, WantAbsent: []string{`value="` + xray + `"`}}.Run(t, r.a)

	// A draft keeps the ticked box (folded duplicates); sending it
	// discloses the records.
	draft := r.send(t, withRecords(r.letterValues("draft", "1"), strings.ToLower(xray), xray))
	handlertest.Scenario{Name: "draft keeps the box", Path: "/referrals/" + draft, WantStatus: 200,
		WantContains: []string{`value="` + xray + `" checked`}, WantAbsent: []string{`value="` + lab + `" checked`}}.Run(t, r.a)
	handlertest.Scenario{Name: "B before sending", Path: "/dms/records/" + xray, WantStatus: 404}.Run(t, r.b)
	res := r.a.PostMultipart("/referrals/"+draft+"/edit", withRecords(r.letterValues(), xray, lab))
	if res.Status != 303 || res.Location != "/referrals/"+draft+"?done=referral-sent" {
		t.Fatalf("send the draft: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	letter := "/referrals/" + draft
	recordLink := func(id string) string { return `href="/dms/records/` + id + `"` }
	for _, sc := range []handlertest.Scenario{
		{Name: "receiver's letter links the records", Path: letter, WantStatus: 200,
			WantContains: []string{`data-testid="letter-records"`, "添付した医療記録（DMS）", recordLink(xray), recordLink(lab), "胸部X線", "（画像・2026-03-01・第1版）"},
			WantAbsent:   []string{`data-testid="letter-record-revoked"`}},
		{Name: "receiver opens the record", Path: "/dms/records/" + xray, WantStatus: 200, WantContains: []string{"胸部X線", `data-testid="disclosed-notice"`}},
	} {
		sc.Run(t, r.b)
	}
	handlertest.Scenario{Name: "a third facility", Path: "/dms/records/" + xray, WantStatus: 404, WantAbsent: []string{"胸部X線"}}.Run(t, r.c)
	handlertest.Scenario{Name: "the writer's record page names the letter", Path: "/dms/records/" + xray, WantStatus: 200,
		WantContains: []string{`data-testid="disclosure-referral">紹介状 <a href="/referrals/` + draft + `">` + draft + `</a> に添付`, r.FB.Name}}.Run(t, r.a)
	res = r.a.Get(letter + ".pdf")
	if res.Status != 200 {
		t.Fatalf("letter pdf: %d", res.Status)
	}
	handlertest.CheckPDF(t, "letter.pdf", []byte(res.Body), []string{"DMS記録", xray, "胸部X線（画像）", lab, "血液検査（検査結果）"})

	// A revokes the disclosure of the X-ray: B's letter keeps the line,
	// without the link; DMS answers 404. A still links its own record.
	handlertest.Scenario{Name: "revoke", Method: "POST", Path: "/dms/records/" + xray + "/disclosures/1/revoke", Form: url.Values{"reason": {"誤って公開"}},
		WantStatus: 303}.Run(t, r.a)
	handlertest.Scenario{Name: "revoked line", Path: letter, WantStatus: 200,
		WantContains: []string{"胸部X線", `data-testid="letter-record-revoked">公開は取り消されています`, recordLink(lab)},
		WantAbsent:   []string{recordLink(xray)}}.Run(t, r.b)
	handlertest.Scenario{Name: "revoked record", Path: "/dms/records/" + xray, WantStatus: 404}.Run(t, r.b)
	handlertest.Scenario{Name: "sender links its own", Path: letter, WantStatus: 200, WantContains: []string{recordLink(xray), recordLink(lab)},
		WantAbsent: []string{`data-testid="letter-record-revoked"`}}.Run(t, r.a)

	// A correction starts with the letter's records, ticked and fixed.
	handlertest.Scenario{Name: "correction carries the records", Path: "/referrals/new?corrects=" + draft, WantStatus: 200,
		WantContains: []string{`value="` + xray + `" checked disabled`, `value="` + lab + `" checked disabled`}}.Run(t, r.a)
}

// TestLetterRecordsNone: a patient with no record of the facility gets
// the line saying so.
func TestLetterRecordsNone(t *testing.T) {
	r := newRegion(t)
	handlertest.Scenario{Name: "no records", Path: "/referrals/new?patient=" + r.patient, WantStatus: 200,
		WantContains: []string{`data-testid="no-records">自施設がこの患者様について作成した医療記録はありません。`}, WantAbsent: []string{`name="record"`}}.Run(t, r.a)
}

// TestDraftRecordWithdrawn: a record chosen on a draft and withdrawn
// since is named on the draft's page (it can no longer go with the
// letter) instead of vanishing from the form unseen.
func TestDraftRecordWithdrawn(t *testing.T) {
	r := newRegion(t)
	keep := r.record(t, r.patient, "lab", "血液検査", "2026-03-05")
	gone := r.record(t, r.patient, "imaging", "胸部X線", "2026-03-01")
	draft := r.send(t, withRecords(r.letterValues("draft", "1"), keep, gone))
	if _, err := r.DB.WithdrawRecord(store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}, gone, "誤記"); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "draft after the withdrawal", Path: "/referrals/" + draft, WantStatus: 200,
		WantContains: []string{`data-testid="record-withdrawn" data-id="` + gone + `"`, "選んでいた記録「胸部X線」", "取り下げられたため、添付できません",
			`value="` + keep + `" checked`},
		WantAbsent: []string{`value="` + gone + `"`}}.Run(t, r.a)
	handlertest.Scenario{Name: "sending the draft with it", Method: "POST", Path: "/referrals/" + draft + "/edit",
		Form: withRecords(r.letterValues(), keep, gone), WantStatus: 422,
		WantContains: []string{`data-testid="error-record">医療記録 ` + gone + ` は取り下げられているため添付できません`}}.Run(t, r.a)
}
