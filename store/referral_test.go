package store

import (
	"strings"
	"testing"
	"time"
)

// refFixture: facility A (members a and a2) refers patient p to facility
// B (member b, colleague b2); facility C (member c) is a stranger. p is
// linked to B by consent, not to C.
type refFixture struct {
	*prsFixture
	a, a2, b, b2, c ReferralActor
	fc              Facility
	p               Patient
}

func newRefFixture(t testing.TB) *refFixture {
	t.Helper()
	fx := newPRSFixture(t)
	a2, _, err := fx.db.CreateTestMember(TestMemberSpec{Name: "医師 同僚", Password: "member-Pass-2345", FacilityOID: fx.fa.OID})
	if err != nil {
		t.Fatal(err)
	}
	b2, _, err := fx.db.CreateTestMember(TestMemberSpec{Name: "医師 受付", Password: "member-Pass-2345", FacilityOID: fx.fb.OID})
	if err != nil {
		t.Fatal(err)
	}
	mc, fc, err := fx.db.CreateTestMember(TestMemberSpec{Name: "医師 三郎", Password: "member-Pass-2345", FacilityName: "第三医院"})
	if err != nil {
		t.Fatal(err)
	}
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	if _, err := fx.db.LinkPatient(fx.a, p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}
	act := func(m, oid string) ReferralActor {
		return ReferralActor{MemberID: m, FacilityOID: oid, Remote: "192.0.2.9"}
	}
	return &refFixture{prsFixture: fx, p: p, fc: fc,
		a: act(fx.a.MemberID, fx.fa.OID), a2: act(a2.ID, fx.fa.OID),
		b: act(fx.b.MemberID, fx.fb.OID), b2: act(b2.ID, fx.fb.OID), c: act(mc.ID, fc.OID)}
}

func (fx *refFixture) letter(to string) ReferralForm {
	f := ReferralForm{PatientID: fx.p.ID, Diagnosis: "高血圧症\n脂質異常症", Purpose: "精査加療のお願い", Course: "一行目\r\n二行目"}
	if strings.HasPrefix(to, "H") {
		f.ToMember = to
	} else {
		f.ToFacility = to
	}
	return f
}

func (fx *refFixture) send(t testing.TB, f ReferralForm) Referral {
	t.Helper()
	r, err := fx.db.SaveReferral(fx.a, "", f, nil, true)
	if err != nil {
		t.Fatalf("send: %v %v", err, ErrorFields(err))
	}
	return r
}

func unread(t testing.TB, db *DB, oid string) int {
	t.Helper()
	n, err := db.UnreadReferrals(oid)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestReferralLifecycle(t *testing.T) {
	fx := newRefFixture(t)
	r := fx.send(t, fx.letter(fx.b.MemberID))
	if r.Status != ReferralUnread || r.ID != "L000001" || r.To.FacilityOID != fx.fb.OID || r.To.MemberID != fx.b.MemberID ||
		r.Course != "一行目\n二行目" || r.Patient.Name != "山田　太郎" || r.From.FacilityName != fx.fa.Name || r.Patient.BirthDate.IsZero() {
		t.Fatalf("sent: %+v", r)
	}
	if n := unread(t, fx.db, fx.fb.OID); n != 1 {
		t.Fatalf("unread %d", n)
	}
	// The sender's own open marks nothing.
	v, err := fx.db.OpenReferral(fx.a2, r.ID)
	if err != nil || v.Side != SideSender || v.FirstOpen || !v.Referral.ReadAt.IsZero() {
		t.Fatalf("sender open: %+v %v", v, err)
	}
	// A colleague of the addressed member opens it first: 既読 with the time.
	*fx.now = fx.now.Add(time.Hour)
	v, err = fx.db.OpenReferral(fx.b2, r.ID)
	if err != nil || !v.FirstOpen || v.Referral.Status != ReferralRead || !v.Referral.ReadAt.Equal(*fx.now) || v.Referral.ReadBy != fx.b2.MemberID {
		t.Fatalf("receiver open: %+v %v", v, err)
	}
	if n := unread(t, fx.db, fx.fb.OID); n != 0 {
		t.Fatalf("unread after open %d", n)
	}
	v, _ = fx.db.OpenReferral(fx.b, r.ID)
	if v.FirstOpen || v.Referral.ReadBy != fx.b2.MemberID {
		t.Fatalf("second open changed the receipt: %+v", v)
	}
	// The stranger sees nothing.
	if _, err := fx.db.OpenReferral(fx.c, r.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("stranger: %v", err)
	}
	// Only the receiver replies; the sender completes.
	if _, err := fx.db.ReplyReferral(fx.a, r.ID, ReplyForm{VisitedOn: "2026-04-01", Body: "x"}); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("sender replies: %v", err)
	}
	if _, err := fx.db.ReplyReferral(fx.b, r.ID, ReplyForm{VisitedOn: "2999-01-01", Body: "x"}); ErrorFields(err)["visited_on"] == "" {
		t.Fatalf("future visit: %v", err)
	}
	if _, err := fx.db.ReplyReferral(fx.b, r.ID, ReplyForm{VisitedOn: "2026-04-01"}); ErrorFields(err)["body"] == "" {
		t.Fatalf("empty reply: %v", err)
	}
	day := fx.now.In(Tokyo).Format("2006-01-02")
	rr, err := fx.db.ReplyReferral(fx.b, r.ID, ReplyForm{VisitedOn: day, Findings: "所見", Plan: "方針", Body: "本文\n二行"})
	if err != nil || rr.Status != ReferralReplied || rr.Reply == nil || rr.Reply.Body != "本文\n二行" || rr.Reply.FacilityName != fx.fb.Name {
		t.Fatalf("reply: %+v %v", rr, err)
	}
	if _, err := fx.db.ReplyReferral(fx.b, r.ID, ReplyForm{VisitedOn: day, Body: "again"}); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second reply: %v", err)
	}
	if _, err := fx.db.CompleteReferral(fx.b, r.ID); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("receiver completes: %v", err)
	}
	done, err := fx.db.CompleteReferral(fx.a2, r.ID)
	if err != nil || done.Status != ReferralCompleted || done.CompletedBy != fx.a2.MemberID {
		t.Fatalf("complete: %+v %v", done, err)
	}
	if _, err := fx.db.CompleteReferral(fx.a, r.ID); ErrorCode(err) != ECONFLICT {
		t.Fatalf("complete twice: %v", err)
	}
	// Sent letters are immutable, not deletable.
	if _, err := fx.db.SaveReferral(fx.a, r.ID, fx.letter(fx.fb.OID), nil, false); ErrorCode(err) != ECONFLICT {
		t.Fatalf("edit sent: %v", err)
	}
	if err := fx.db.DeleteReferralDraft(fx.a, r.ID); ErrorCode(err) != ECONFLICT {
		t.Fatalf("delete sent: %v", err)
	}
	// Every step is in the audit log.
	page, err := fx.db.ListAudit(AuditFilter{Action: "referral.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[AuditAction]int{}
	for _, e := range page.Events {
		got[e.Action]++
	}
	if got[AuditReferralSend] != 1 || got[AuditReferralView] != 4 || got[AuditReferralReply] != 1 || got[AuditReferralComplete] != 1 {
		t.Fatalf("audit: %v", got)
	}
}

func TestReferralToFacilityReachesAllMembers(t *testing.T) {
	fx := newRefFixture(t)
	r := fx.send(t, fx.letter(fx.fb.OID))
	for _, act := range []ReferralActor{fx.b, fx.b2} {
		page, err := fx.db.Referrals(act, ReferralQuery{Box: BoxInbox})
		if err != nil || len(page.Rows) != 1 || page.Rows[0].ID != r.ID {
			t.Fatalf("inbox of %s: %+v %v", act.MemberID, page, err)
		}
	}
	// The addressed member keeps the letter after moving facility.
	r2 := fx.send(t, fx.letter(fx.b.MemberID))
	moved := ReferralActor{MemberID: fx.b.MemberID, FacilityOID: fx.fc.OID}
	if _, err := fx.db.OpenReferral(moved, r2.ID); err != nil {
		t.Fatalf("addressed member elsewhere: %v", err)
	}
	if _, err := fx.db.OpenReferral(moved, r.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("facility letter seen from elsewhere: %v", err)
	}
}

func TestReferralConsentCheck(t *testing.T) {
	fx := newRefFixture(t)
	_, err := fx.db.SaveReferral(fx.a, "", fx.letter(fx.fc.OID), nil, true)
	c, ok := AsConsentMissing(err)
	if !ok || ErrorCode(err) != ECONFLICT || c.PatientID != fx.p.ID || c.FacilityOID != fx.fc.OID || !strings.Contains(err.Error(), "連携されていません") {
		t.Fatalf("unlinked receiver: %v", err)
	}
	if n := unread(t, fx.db, fx.fc.OID); n != 0 {
		t.Fatalf("something was sent: %d", n)
	}
	page, _ := fx.db.Referrals(fx.a, ReferralQuery{Box: BoxSent})
	drafts, _ := fx.db.Referrals(fx.a, ReferralQuery{Box: BoxDrafts})
	if len(page.Rows) != 0 || len(drafts.Rows) != 0 {
		t.Fatalf("stored after refusal: %+v %+v", page, drafts)
	}
	// A draft to the same receiver is fine; sending it is refused too.
	d, err := fx.db.SaveReferral(fx.a, "", fx.letter(fx.fc.OID), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.SaveReferral(fx.a, d.ID, fx.letter(fx.fc.OID), nil, true); ErrorCode(err) != ECONFLICT {
		t.Fatalf("send unlinked draft: %v", err)
	}
	// A patient of another facility is not found; the own facility is no receiver.
	other := mustRegister(t, fx.db, fx.prsFixture.b, PatientForm{Name: "別院 花子", NameKana: "ベツイン ハナコ", BirthDate: "1990-01-01", Sex: "female"})
	f := fx.letter(fx.fb.OID)
	f.PatientID = other.ID
	if _, err := fx.db.SaveReferral(fx.a, "", f, nil, true); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("foreign patient: %v", err)
	}
	if _, err := fx.db.SaveReferral(fx.a, "", fx.letter(fx.fa.OID), nil, true); ErrorFields(err)["to_member"] == "" {
		t.Fatalf("own facility: %v", err)
	}
	// After the link the letter goes.
	if _, err := fx.db.LinkPatient(fx.prsFixture.a, fx.p.ID, LinkForm{FacilityOID: fx.fc.OID, Consent: "on", ConsentMethod: "verbal"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.SaveReferral(fx.a, d.ID, fx.letter(fx.fc.OID), nil, true); err != nil {
		t.Fatalf("after link: %v", err)
	}
}

func TestReferralValidation(t *testing.T) {
	fx := newRefFixture(t)
	long := strings.Repeat("あ", MaxReferralSection+1)
	for _, tc := range []struct {
		name  string
		edit  func(f *ReferralForm)
		field string
	}{
		{"no receiver", func(f *ReferralForm) { f.ToFacility = "" }, "to_member"},
		{"bad member id", func(f *ReferralForm) { f.ToFacility, f.ToMember = "", "X1" }, "to_member"},
		{"unknown member", func(f *ReferralForm) { f.ToFacility, f.ToMember = "", "H999999" }, "to_member"},
		{"bad oid", func(f *ReferralForm) { f.ToFacility = "F12" }, "to_facility"},
		{"unknown facility", func(f *ReferralForm) { f.ToFacility = "F999999" }, "to_facility"},
		{"member and other facility", func(f *ReferralForm) { f.ToMember = fx.b.MemberID; f.ToFacility = fx.fc.OID }, "to_facility"},
		{"no patient", func(f *ReferralForm) { f.PatientID = "" }, "patient_id"},
		{"bad patient", func(f *ReferralForm) { f.PatientID = "P-1" }, "patient_id"},
		{"no diagnosis", func(f *ReferralForm) { f.Diagnosis = " \n" }, "diagnosis"},
		{"no purpose", func(f *ReferralForm) { f.Purpose = "" }, "purpose"},
		{"long course", func(f *ReferralForm) { f.Course = long }, "course"},
		{"control character", func(f *ReferralForm) { f.Remarks = "a\x00b" }, "remarks"},
		{"long doctor", func(f *ReferralForm) { f.ToDoctor = strings.Repeat("医", 61) }, "to_doctor"},
		{"bad corrects", func(f *ReferralForm) { f.Corrects = "R1" }, "corrects"},
		{"unknown corrects", func(f *ReferralForm) { f.Corrects = "L000099" }, "corrects"},
	} {
		f := fx.letter(fx.fb.OID)
		tc.edit(&f)
		_, err := fx.db.SaveReferral(fx.a, "", f, nil, true)
		if ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v %v", tc.name, err, ErrorFields(err))
		}
	}
	// 4,000 characters with line breaks are accepted and kept.
	f := fx.letter(fx.fb.OID)
	f.History = strings.Repeat("あ", 1999) + "\n" + strings.Repeat("い", 2000)
	if r := fx.send(t, f); r.History != f.History {
		t.Fatal("history changed")
	}
	// A draft needs only the patient.
	if _, err := fx.db.SaveReferral(fx.a, "", ReferralForm{PatientID: fx.p.ID}, nil, false); err != nil {
		t.Fatalf("bare draft: %v", err)
	}
}

func TestReferralDrafts(t *testing.T) {
	fx := newRefFixture(t)
	f := fx.letter(fx.fb.OID)
	f.Purpose = ""
	d, err := fx.db.SaveReferral(fx.a, "", f, []Upload{UploadBytes("検査.pdf", samplePDF(0, 1))}, false)
	if err != nil || d.Status != ReferralDraft || len(d.Attachments) != 1 {
		t.Fatalf("draft: %+v %v", d, err)
	}
	if n := unread(t, fx.db, fx.fb.OID); n != 0 {
		t.Fatalf("a draft counts as unread: %d", n)
	}
	// Nobody else sees it, not even a colleague or the receiver.
	for _, act := range []ReferralActor{fx.a2, fx.b, fx.c} {
		if _, err := fx.db.OpenReferral(act, d.ID); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("%s opens a draft: %v", act.MemberID, err)
		}
		if err := fx.db.DeleteReferralDraft(act, d.ID); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("%s deletes a draft: %v", act.MemberID, err)
		}
	}
	if inbox, _ := fx.db.Referrals(fx.b, ReferralQuery{Box: BoxInbox}); len(inbox.Rows) != 0 {
		t.Fatal("draft in the inbox")
	}
	drafts, _ := fx.db.Referrals(fx.a, ReferralQuery{Box: BoxDrafts})
	if len(drafts.Rows) != 1 || drafts.Rows[0].ID != d.ID {
		t.Fatalf("drafts: %+v", drafts)
	}
	// Edited, then sent: the same letter with its file; the draft list empties.
	f.Purpose = "ご高診ください"
	r, err := fx.db.SaveReferral(fx.a, d.ID, f, nil, true)
	if err != nil || r.ID != d.ID || r.Status != ReferralUnread || len(r.Attachments) != 1 || r.Purpose != "ご高診ください" {
		t.Fatalf("send draft: %+v %v", r, err)
	}
	if drafts, _ := fx.db.Referrals(fx.a, ReferralQuery{Box: BoxDrafts}); len(drafts.Rows) != 0 {
		t.Fatalf("drafts after send: %+v", drafts)
	}
	rd, err := fx.db.OpenReferralAttachment(fx.b, r.ID, r.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	rd.Close()
	if _, err := fx.db.OpenReferralAttachment(fx.c, r.ID, r.Attachments[0].ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("stranger's attachment: %v", err)
	}
	// A second draft is deleted.
	d2, _ := fx.db.SaveReferral(fx.a, "", ReferralForm{PatientID: fx.p.ID}, nil, false)
	if err := fx.db.DeleteReferralDraft(fx.a, d2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.OpenReferral(fx.a, d2.ID); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("deleted draft: %v", err)
	}
}

func TestReferralCorrection(t *testing.T) {
	fx := newRefFixture(t)
	orig := fx.send(t, fx.letter(fx.fb.OID))
	f := fx.letter(fx.fb.OID)
	f.Corrects, f.Diagnosis = strings.ToLower(orig.ID), "高血圧症（訂正）"
	// The receiver cannot issue a correction of a letter it received.
	if _, err := fx.db.SaveReferral(fx.b, "", ReferralForm{PatientID: fx.p.ID, Corrects: orig.ID}, nil, false); ErrorFields(err)["corrects"] == "" {
		t.Fatalf("receiver corrects: %v", err)
	}
	corr := fx.send(t, f)
	if corr.Corrects != orig.ID || corr.ID == orig.ID {
		t.Fatalf("correction: %+v", corr)
	}
	v, err := fx.db.OpenReferral(fx.b, orig.ID)
	if err != nil || v.Referral.CorrectedBy != corr.ID || v.Referral.Diagnosis != orig.Diagnosis {
		t.Fatalf("original after correction: %+v %v", v.Referral, err)
	}
	page, _ := fx.db.Referrals(fx.b, ReferralQuery{Box: BoxInbox})
	if len(page.Rows) != 2 || page.Rows[0].Corrects != orig.ID || page.Rows[1].CorrectedBy != corr.ID {
		t.Fatalf("inbox rows: %+v", page.Rows)
	}
	// A correction names the same patient.
	other := mustRegister(t, fx.db, fx.prsFixture.a, PatientForm{Name: "別人 花子", NameKana: "ベツジン ハナコ", BirthDate: "1990-01-01", Sex: "female"})
	f.PatientID = other.ID
	if _, err := fx.db.SaveReferral(fx.a, "", f, nil, false); ErrorFields(err)["patient_id"] == "" {
		t.Fatalf("other patient: %v", err)
	}
}

func TestReferralInboxIndexes(t *testing.T) {
	fx := newRefFixture(t)
	other := mustRegister(t, fx.db, fx.prsFixture.a, PatientForm{Name: "別人 花子", NameKana: "ベツジン ハナコ", BirthDate: "1990-01-01", Sex: "female"})
	if _, err := fx.db.LinkPatient(fx.prsFixture.a, other.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 45; i++ {
		f := fx.letter(fx.fb.OID)
		if i%3 == 0 {
			f.PatientID = other.ID
		}
		ids = append(ids, fx.send(t, f).ID)
	}
	for i := 0; i < 45; i += 5 {
		if _, err := fx.db.OpenReferral(fx.b, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if n := unread(t, fx.db, fx.fb.OID); n != 45-9 {
		t.Fatalf("unread %d", n)
	}
	// Pages of 20, newest first, no letter twice or missed.
	var seen []string
	q := ReferralQuery{Box: BoxInbox}
	for {
		page, err := fx.db.Referrals(fx.b, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Rows {
			seen = append(seen, r.ID)
		}
		if page.Next == 0 {
			break
		}
		q.Before = page.Next
	}
	if len(seen) != 45 || seen[0] != ids[44] || seen[44] != ids[0] {
		t.Fatalf("pages: %d %v", len(seen), seen)
	}
	count := func(a ReferralActor, q ReferralQuery) int {
		q.Limit = 100
		page, err := fx.db.Referrals(a, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Rows {
			if (q.Status != "" && r.Status != q.Status) || (q.PatientID != "" && r.PatientID != q.PatientID) {
				t.Fatalf("filter %+v let %+v through", q, r)
			}
		}
		return len(page.Rows)
	}
	for _, tc := range []struct {
		a    ReferralActor
		q    ReferralQuery
		want int
	}{
		{fx.b, ReferralQuery{Box: BoxInbox, Status: ReferralRead}, 9},
		{fx.b, ReferralQuery{Box: BoxInbox, Status: ReferralUnread}, 36},
		{fx.b, ReferralQuery{Box: BoxInbox, PatientID: other.ID}, 15},
		{fx.b, ReferralQuery{Box: BoxInbox, PatientID: other.ID, Status: ReferralRead}, 3},
		{fx.a, ReferralQuery{Box: BoxSent, Status: ReferralRead}, 9},
		{fx.a, ReferralQuery{Box: BoxSent, PatientID: fx.p.ID}, 30},
		{fx.a, ReferralQuery{Box: BoxInbox}, 0},
		{fx.c, ReferralQuery{Box: BoxInbox}, 0},
		{fx.c, ReferralQuery{Box: BoxSent}, 0},
	} {
		if got := count(tc.a, tc.q); got != tc.want {
			t.Errorf("%s %+v: %d, want %d", tc.a.MemberID, tc.q, got, tc.want)
		}
	}
	// Completing an unread letter takes it off the count.
	if _, err := fx.db.CompleteReferral(fx.a, ids[1]); err != nil {
		t.Fatal(err)
	}
	if n := unread(t, fx.db, fx.fb.OID); n != 35 {
		t.Fatalf("unread after completion %d", n)
	}
}

func TestDirectory(t *testing.T) {
	fx := newRefFixture(t)
	if _, err := fx.db.UpdateProfile(fx.b.MemberID, ProfileForm{Name: "医師 二郎", NameKana: "イシ ジロウ", Email: "b@example.jp", Phone: "03-1234-5678",
		Department: "循環器内科", Directory: "on", Introduction: "心不全を専門にしています。"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.UpdateProfile(fx.b2.MemberID, ProfileForm{Name: "医師 受付", NameKana: "イシ ウケツケ", Email: "b2@example.jp", Phone: "03-1234-5678"}, ""); err != nil {
		t.Fatal(err)
	}
	page, err := fx.db.SearchDirectory(DirectoryQuery{Q: "じゅんかんき"})
	if err != nil || page.Total != 0 {
		// 診療科 is matched as written (漢字), カナ only for names.
		t.Logf("kana 診療科: %+v", page)
	}
	page, err = fx.db.SearchDirectory(DirectoryQuery{Q: "循環器　連携"})
	if err != nil || page.Total != 1 || page.Entries[0].MemberID != fx.b.MemberID || page.Entries[0].Introduction == "" || page.Entries[0].Area != "千代田区" {
		t.Fatalf("search: %+v %v", page, err)
	}
	// b2 chose not to appear.
	page, _ = fx.db.SearchDirectory(DirectoryQuery{Q: "ウケツケ"})
	if page.Total != 0 {
		t.Fatalf("hidden member listed: %+v", page)
	}
	page, _ = fx.db.SearchDirectory(DirectoryQuery{Q: "千代田区", PerPage: 2})
	if page.Total < 3 || len(page.Entries) != 2 || page.Pages() < 2 {
		t.Fatalf("area: %+v", page)
	}
	page, _ = fx.db.SearchDirectory(DirectoryQuery{Except: fx.fa.OID, PerPage: 100})
	for _, e := range page.Entries {
		if e.FacilityOID == fx.fa.OID {
			t.Fatalf("own facility listed: %+v", e)
		}
	}
	// Keep: a profile form without the choice leaves it.
	if _, err := fx.db.UpdateProfile(fx.b2.MemberID, ProfileForm{Name: "医師 受付", NameKana: "イシ ウケツケ", Email: "b2@example.jp", Phone: "03-1234-5678", KeepDirectory: true}, ""); err != nil {
		t.Fatal(err)
	}
	if m, _ := fx.db.Member(fx.b2.MemberID); !m.DirectoryHidden {
		t.Fatal("keep changed the choice")
	}
	if _, err := fx.db.UpdateProfile(fx.b2.MemberID, ProfileForm{Name: "医師 受付", NameKana: "イシ ウケツケ", Email: "b2@example.jp", Phone: "03-1234-5678",
		Introduction: strings.Repeat("長", MaxIntroduction+1)}, ""); ErrorFields(err)["introduction"] == "" {
		t.Fatalf("long introduction: %v", err)
	}
}
