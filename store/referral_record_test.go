package store

import (
	"strings"
	"testing"
)

// refRecord writes a record of A's facility about the patient.
func (fx *refFixture) refRecord(t testing.TB, patientID, title string) Record {
	t.Helper()
	return mustCreateRecord(t, fx.db, fx.prsFixture.a, RecordForm{PatientID: patientID, Kind: "imaging", Title: title, Body: "所見", RecordedOn: "2026-03-01"})
}

func (fx *refFixture) prs(a ReferralActor) PRSActor {
	return PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID, Remote: a.Remote}
}

// disclosuresOf are the record's disclosures as its writer sees them.
func (fx *refFixture) disclosuresOf(t testing.TB, id string) []Disclosure {
	t.Helper()
	page, err := fx.db.ViewRecord(fx.prsFixture.a, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return page.Disclosures
}

// TestReferralRecordsDisclosedBySending: a draft keeps the chosen records
// (folded, in form); sending snapshots them and discloses each to the
// receiving facility, which then opens them through DMS; a stranger does
// not. The letter keeps what it pointed to when the record changes.
func TestReferralRecordsDisclosedBySending(t *testing.T) {
	fx := newRefFixture(t)
	rec := fx.refRecord(t, fx.p.ID, "胸部X線")
	f := fx.letter(fx.fb.OID)
	f.Records = []string{strings.ToLower(rec.ID), "", "Ｒ" + rec.ID[1:]}
	d, err := fx.db.SaveReferral(fx.a, "", f, nil, false)
	if err != nil {
		t.Fatalf("draft: %v %v", err, ErrorFields(err))
	}
	if len(d.Records) != 1 || d.Records[0].ID != rec.ID || d.Records[0].Title != "胸部X線" || d.Records[0].Kind != RecordImaging || d.Records[0].Version != 1 {
		t.Fatalf("draft records: %+v", d.Records)
	}
	// A draft discloses nothing.
	if _, err := fx.db.ViewRecord(fx.prs(fx.b), rec.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B before sending: %v", err)
	}
	if discs := fx.disclosuresOf(t, rec.ID); len(discs) != 0 {
		t.Fatalf("disclosed by a draft: %+v", discs)
	}
	if v, err := fx.db.OpenReferral(fx.a, d.ID); err != nil || !v.RecordOpen[rec.ID] {
		t.Fatalf("sender's own record: %+v %v", v.RecordOpen, err)
	}
	f.Records = FormFromReferral(d).Records
	r, err := fx.db.SaveReferral(fx.a, d.ID, f, nil, true)
	if err != nil || len(r.Records) != 1 {
		t.Fatalf("send: %+v %v %v", r.Records, err, ErrorFields(err))
	}
	for _, act := range []ReferralActor{fx.b, fx.b2} {
		if page, err := fx.db.ViewRecord(fx.prs(act), rec.ID, 0); err != nil || page.Own {
			t.Fatalf("%s after sending: %v", act.MemberID, err)
		}
		if v, err := fx.db.OpenReferral(act, r.ID); err != nil || !v.RecordOpen[rec.ID] {
			t.Fatalf("%s's letter: %+v %v", act.MemberID, v.RecordOpen, err)
		}
	}
	if _, err := fx.db.ViewRecord(fx.prs(fx.c), rec.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("stranger: %v", err)
	}
	discs := fx.disclosuresOf(t, rec.ID)
	if len(discs) != 1 || discs[0].Referral != r.ID || discs[0].FacilityOID != fx.fb.OID || discs[0].LinkSeq == 0 || !discs[0].Standing() {
		t.Fatalf("disclosure: %+v", discs)
	}
	// Audited as DMS audits a disclosure, naming the letter.
	page, err := fx.db.ListAudit(AuditFilter{Action: string(AuditRecordDisclose), Limit: 10})
	if err != nil || len(page.Events) != 1 || !strings.Contains(page.Events[0].Detail, "referral:"+r.ID) || page.Events[0].Actor != fx.a.MemberID ||
		page.Events[0].Patient != fx.p.ID || AuditFacilityOID(page.Events[0]) != fx.fa.OID {
		t.Fatalf("audit: %+v %v", page.Events, err)
	}
	// The record is revised: the letter still says version 1.
	if _, err := fx.db.ReviseRecord(fx.prsFixture.a, rec.ID, 1, RecordForm{PatientID: fx.p.ID, Kind: "imaging", Title: "胸部X線（再読影）", Body: "所見", RecordedOn: "2026-03-01"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := fx.db.OpenReferral(fx.b, r.ID); v.Referral.Records[0].Version != 1 || v.Referral.Records[0].Title != "胸部X線" {
		t.Fatalf("letter changed with the record: %+v", v.Referral.Records)
	}
}

// TestReferralRecordsReuseDisclosure: a standing disclosure to the
// receiver is kept; no second one is made.
func TestReferralRecordsReuseDisclosure(t *testing.T) {
	fx := newRefFixture(t)
	rec := fx.refRecord(t, fx.p.ID, "採血結果")
	if _, err := fx.db.DiscloseRecord(fx.prsFixture.a, rec.ID, DiscloseToFacility, fx.fb.OID); err != nil {
		t.Fatal(err)
	}
	f := fx.letter(fx.b.MemberID)
	f.Records = []string{rec.ID}
	r := fx.send(t, f)
	discs := fx.disclosuresOf(t, rec.ID)
	if len(discs) != 1 || discs[0].Referral != "" {
		t.Fatalf("disclosures: %+v", discs)
	}
	// A second letter with the same record: still one.
	fx.send(t, f)
	if discs := fx.disclosuresOf(t, rec.ID); len(discs) != 1 {
		t.Fatalf("disclosures after a second letter: %+v", discs)
	}
	if v, err := fx.db.OpenReferral(fx.b, r.ID); err != nil || !v.RecordOpen[rec.ID] {
		t.Fatalf("receiver: %+v %v", v.RecordOpen, err)
	}
}

// TestReferralRecordsRefused: a record of another facility, a withdrawn
// one, one of another patient, an unknown or malformed ID and too many
// are refused beside the field record, and nothing is stored or
// disclosed.
func TestReferralRecordsRefused(t *testing.T) {
	fx := newRefFixture(t)
	own := fx.refRecord(t, fx.p.ID, "自施設の記録")
	// B writes about the patient (linked to B) and discloses it to A.
	foreign := mustCreateRecord(t, fx.db, fx.prsFixture.b, RecordForm{PatientID: fx.p.ID, Kind: "lab", Title: "他院の記録", RecordedOn: "2026-03-02"})
	if _, err := fx.db.DiscloseRecord(fx.prsFixture.b, foreign.ID, DiscloseToFacility, fx.fa.OID); err != nil {
		t.Fatal(err)
	}
	withdrawn := fx.refRecord(t, fx.p.ID, "取り下げた記録")
	if _, err := fx.db.WithdrawRecord(fx.prsFixture.a, withdrawn.ID, "誤記"); err != nil {
		t.Fatal(err)
	}
	other := mustRegister(t, fx.db, fx.prsFixture.a, PatientForm{Name: "別人 花子", NameKana: "ベツジン ハナコ", BirthDate: "1990-01-01", Sex: "female"})
	otherRec := fx.refRecord(t, other.ID, "別の患者様の記録")
	if err := fx.db.CreateTestRecords(fx.prsFixture.a, []string{fx.p.ID}, MaxReferralRecords+1, 50); err != nil {
		t.Fatal(err)
	}
	var many []string
	for i := 0; i < MaxReferralRecords+1; i++ {
		many = append(many, sequenceID("R", uint64(otherRec.Seq)+1+uint64(i)))
	}
	for _, tc := range []struct {
		name    string
		records []string
		want    string
	}{
		{"foreign", []string{own.ID, foreign.ID}, "見つかりません"},
		{"withdrawn", []string{withdrawn.ID}, "取り下げられている"},
		{"other patient", []string{otherRec.ID}, "別の患者様"},
		{"unknown", []string{"R999999"}, "見つかりません"},
		{"malformed", []string{"L000001"}, "番号が正しくありません"},
		{"control character", []string{"R00\x0001"}, "番号が正しくありません"},
		{"too many", many, "20件まで"},
	} {
		for _, send := range []bool{false, true} {
			f := fx.letter(fx.fb.OID)
			f.Records = tc.records
			_, err := fx.db.SaveReferral(fx.a, "", f, nil, send)
			if msg := ErrorFields(err)["record"]; !strings.Contains(msg, tc.want) {
				t.Errorf("%s (send %v): %v %q", tc.name, send, err, msg)
			}
		}
	}
	// Twenty are fine.
	f := fx.letter(fx.fb.OID)
	f.Records = many[:MaxReferralRecords]
	if _, err := fx.db.SaveReferral(fx.a, "", f, nil, false); err != nil {
		t.Fatalf("twenty: %v %v", err, ErrorFields(err))
	}
	if sent, _ := fx.db.Referrals(fx.a, ReferralQuery{Box: BoxSent}); len(sent.Rows) != 0 {
		t.Fatalf("stored after refusals: %+v", sent.Rows)
	}
	if drafts, _ := fx.db.Referrals(fx.a, ReferralQuery{Box: BoxDrafts}); len(drafts.Rows) != 1 {
		t.Fatalf("drafts: %+v", drafts.Rows)
	}
	for _, id := range []string{own.ID, withdrawn.ID, otherRec.ID} {
		if discs := fx.disclosuresOf(t, id); len(discs) != 0 {
			t.Fatalf("%s disclosed: %+v", id, discs)
		}
	}
}

// TestReferralRecordsEndWithLink: the disclosure a letter made rests on
// the PRS link like any other: unlinking revokes it, and the receiver's
// letter page no longer opens the record.
func TestReferralRecordsEndWithLink(t *testing.T) {
	fx := newRefFixture(t)
	rec := fx.refRecord(t, fx.p.ID, "心電図")
	f := fx.letter(fx.fb.OID)
	f.Records = []string{rec.ID}
	r := fx.send(t, f)
	if err := fx.db.UnlinkPatient(fx.prsFixture.a, fx.p.ID, fx.fb.OID, "同意の撤回"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ViewRecord(fx.prs(fx.b), rec.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B after unlink: %v", err)
	}
	discs := fx.disclosuresOf(t, rec.ID)
	if len(discs) != 1 || discs[0].Standing() || discs[0].RevokedBy != "link" {
		t.Fatalf("disclosure after unlink: %+v", discs)
	}
	v, err := fx.db.OpenReferral(fx.b, r.ID)
	if err != nil || v.RecordOpen[rec.ID] || len(v.Referral.Records) != 1 {
		t.Fatalf("receiver's letter after unlink: %+v %v", v.RecordOpen, err)
	}
	if v, _ := fx.db.OpenReferral(fx.a, r.ID); !v.RecordOpen[rec.ID] {
		t.Fatal("the sender lost its own record")
	}
}

// TestReferralRecordsCorrection: a correction carries the corrected
// letter's records (except one withdrawn since) and discloses them again
// where the disclosure was revoked.
func TestReferralRecordsCorrection(t *testing.T) {
	fx := newRefFixture(t)
	keep := fx.refRecord(t, fx.p.ID, "紹介時の記録")
	gone := fx.refRecord(t, fx.p.ID, "後で取り下げる記録")
	f := fx.letter(fx.fb.OID)
	f.Records = []string{keep.ID, gone.ID}
	orig := fx.send(t, f)
	if _, err := fx.db.RevokeDisclosure(fx.prsFixture.a, keep.ID, 1, "誤って公開"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.WithdrawRecord(fx.prsFixture.a, gone.ID, "誤記"); err != nil {
		t.Fatal(err)
	}
	added := fx.refRecord(t, fx.p.ID, "訂正で加える記録")
	c := fx.letter(fx.fb.OID)
	c.Corrects, c.Diagnosis, c.Records = orig.ID, "高血圧症（訂正）", []string{added.ID}
	corr := fx.send(t, c)
	if ids := strings.Join(corr.RecordIDs(), ","); ids != keep.ID+","+added.ID {
		t.Fatalf("correction's records: %s", ids)
	}
	if v, _ := fx.db.OpenReferral(fx.b, orig.ID); len(v.Referral.Records) != 2 {
		t.Fatalf("the corrected letter changed: %+v", v.Referral.Records)
	}
	for _, id := range []string{keep.ID, added.ID} {
		if _, err := fx.db.ViewRecord(fx.prs(fx.b), id, 0); err != nil {
			t.Fatalf("B opens %s after the correction: %v", id, err)
		}
	}
	if discs := fx.disclosuresOf(t, keep.ID); len(discs) != 2 || discs[1].Referral != corr.ID || !discs[1].Standing() {
		t.Fatalf("re-disclosure: %+v", discs)
	}
}
