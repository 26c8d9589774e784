package store

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// recordFixture: facility A registers a patient and links it to B; C is
// unlinked.
type recordFixture struct {
	*prsFixture
	c  PRSActor
	fc Facility
	p  Patient
}

func newRecordFixture(t testing.TB) *recordFixture {
	t.Helper()
	fx := newPRSFixture(t)
	mc, fc, err := fx.db.CreateTestMember(TestMemberSpec{Name: "医師 三郎", Password: "member-Pass-2345", FacilityPassword: testFacilityPassword, FacilityName: "無関係医院"})
	if err != nil {
		t.Fatal(err)
	}
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	if _, err := fx.db.LinkPatient(fx.a, p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}
	return &recordFixture{prsFixture: fx, c: PRSActor{MemberID: mc.ID, FacilityOID: fc.OID, Remote: "192.0.2.3"}, fc: fc, p: p}
}

func (fx *recordFixture) form(title string, files ...Upload) RecordForm {
	return RecordForm{PatientID: fx.p.ID, Kind: "lab", Title: title, Body: "白血球 8,000\n異常なし", RecordedOn: "2026-03-01", Files: files}
}

func mustCreateRecord(t testing.TB, db *DB, a PRSActor, f RecordForm) Record {
	t.Helper()
	r, err := db.CreateRecord(a, f)
	if err != nil {
		t.Fatalf("create record: %v %v", err, ErrorFields(err))
	}
	return r
}

func readAll(t testing.TB, rd *AttachmentReader) []byte {
	t.Helper()
	defer rd.Close()
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRecordVersions(t *testing.T) {
	fx := newRecordFixture(t)
	png := SamplePNG(40, 30, 1)
	pdf := SamplePDF(300_000, 2) // several chunks
	r := mustCreateRecord(t, fx.db, fx.a, fx.form("血液検査", UploadBytes("検査\"結果\".png", png), UploadBytes("報告書.pdf", pdf)))
	if r.ID != "R000001" || r.Current.Version != 1 || len(r.Current.Attachments) != 2 || r.FacilityName == "" {
		t.Fatalf("record %+v", r)
	}
	if r.Current.Attachments[0].ContentType != ContentTypePNG || r.Current.Attachments[1].ContentType != ContentTypePDF {
		t.Fatalf("types %+v", r.Current.Attachments)
	}
	// Stale base version.
	f2 := fx.form("血液検査（再検）")
	f2.Remove = []int{1}
	if _, err := fx.db.ReviseRecord(fx.a, r.ID, 0, f2); ErrorCode(err) != ECONFLICT {
		t.Fatalf("stale revise: %v", err)
	}
	r2, err := fx.db.ReviseRecord(fx.a, r.ID, 1, f2)
	if err != nil {
		t.Fatal(err, ErrorFields(err))
	}
	if r2.Current.Version != 2 || len(r2.Current.Attachments) != 1 || r2.Current.Attachments[0].N != 2 ||
		strings.Join(r2.Current.Changes, ",") != "表題,添付ファイル" {
		t.Fatalf("revised %+v", r2.Current)
	}
	if _, err := fx.db.ReviseRecord(fx.a, r.ID, 2, f2); ErrorFields(err)["body"] == "" {
		t.Fatalf("no change: %v", err)
	}
	page, err := fx.db.ViewRecord(fx.a, r.ID, 0)
	if err != nil || len(page.Versions) != 2 || page.Versions[1].Title != "血液検査" || page.Shown.Version != 2 || !page.Own {
		t.Fatalf("page %+v %v", page, err)
	}
	old, err := fx.db.ViewRecord(fx.a, r.ID, 1)
	if err != nil || old.Shown.Title != "血液検査" || len(old.Shown.Attachments) != 2 {
		t.Fatalf("old %+v %v", old.Shown, err)
	}
	if _, err := fx.db.ViewRecord(fx.a, r.ID, 3); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("version 3: %v", err)
	}
	// The file removed from version 2 is still readable as part of version 1,
	// byte-identical, and the PDF read back chunk by chunk is too.
	rd, att, err := fx.db.OpenRecordAttachment(fx.a, r.ID, 1)
	if err != nil || att.Name != "検査\"結果\".png" || !bytes.Equal(readAll(t, rd), png) {
		t.Fatalf("attachment 1: %v %+v", err, att)
	}
	rd, _, err = fx.db.OpenRecordAttachment(fx.a, r.ID, 2)
	if err != nil || !bytes.Equal(readAll(t, rd), pdf) {
		t.Fatalf("attachment 2: %v", err)
	}
	if _, _, err := fx.db.OpenRecordAttachment(fx.a, r.ID, 3); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("attachment 3: %v", err)
	}
}

func TestRecordValidationAndContent(t *testing.T) {
	fx := newRecordFixture(t)
	cases := []struct {
		name  string
		f     RecordForm
		field string
	}{
		{"no title", RecordForm{PatientID: fx.p.ID, Kind: "lab", RecordedOn: "2026-03-01"}, "title"},
		{"kind", RecordForm{PatientID: fx.p.ID, Kind: "xray", Title: "x", RecordedOn: "2026-03-01"}, "kind"},
		{"date", RecordForm{PatientID: fx.p.ID, Kind: "lab", Title: "x", RecordedOn: "2026/03/01"}, "recorded_on"},
		{"html", fx.form("x", UploadBytes("a.png", []byte("<html><script>alert(1)</script></html>"))), "attachment"},
		{"svg", fx.form("x", UploadBytes("a.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))), "attachment"},
		{"exe", fx.form("x", UploadBytes("a.png", append([]byte("MZ\x90\x00"), make([]byte, 500)...))), "attachment"},
		{"empty", fx.form("x", UploadBytes("a.pdf", nil)), "attachment"},
		{"truncated", fx.form("x", UploadBytes("a.png", SamplePNG(40, 30, 1)[:60])), "attachment"},
		{"too many", fx.form("x", UploadBytes("1.png", SamplePNG(4, 4, 1)), UploadBytes("2.png", SamplePNG(4, 4, 2)),
			UploadBytes("3.png", SamplePNG(4, 4, 3)), UploadBytes("4.png", SamplePNG(4, 4, 4)), UploadBytes("5.png", SamplePNG(4, 4, 5)),
			UploadBytes("6.png", SamplePNG(4, 4, 6))), "attachment"},
	}
	for _, tc := range cases {
		if _, err := fx.db.CreateRecord(fx.a, tc.f); ErrorFields(err)[tc.field] == "" {
			t.Errorf("%s: %v %v, want a message on %s", tc.name, err, ErrorFields(err), tc.field)
		}
	}
	// Nothing was stored by any of them.
	page, err := fx.db.ListRecords(fx.a, RecordQuery{})
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("list after refusals: %+v %v", page, err)
	}
	var n int
	_ = fx.db.View(func(tx *Tx) error { n = tx.bucket(bucketAttachments).Stats().KeyN; return nil })
	if n != 0 {
		t.Fatalf("%d attachments stored", n)
	}
	// A forged or foreign patient is not found, before any field message.
	if _, err := fx.db.CreateRecord(fx.a, RecordForm{PatientID: "P0000"}); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("forged patient: %v", err)
	}
	if _, err := fx.db.CreateRecord(fx.c, fx.form("x")); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unlinked facility: %v", err)
	}
	// A linked facility writes its own record about the patient.
	rb := mustCreateRecord(t, fx.db, fx.b, fx.form("紹介先での所見"))
	if _, err := fx.db.ViewRecord(fx.a, rb.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("home facility sees B's undisclosed record: %v", err)
	}
	if _, err := fx.db.CreateRecord(PRSActor{MemberID: "x"}, fx.form("x")); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("no facility: %v", err)
	}
}

func TestRecordDisclosures(t *testing.T) {
	fx := newRecordFixture(t)
	r := mustCreateRecord(t, fx.db, fx.a, fx.form("退院時サマリー", UploadBytes("x.png", SamplePNG(8, 8, 1))))
	for _, who := range []PRSActor{fx.b, fx.c} {
		if _, err := fx.db.ViewRecord(who, r.ID, 0); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("%s before disclosure: %v", who.FacilityOID, err)
		}
	}
	if _, err := fx.db.PatientRecord(fx.p.ID, r.ID, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("patient before disclosure: %v", err)
	}
	// Unlinked facility: 409 with the reason.
	_, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToFacility, fx.fc.OID)
	nl, ok := AsNotLinked(err)
	if ErrorCode(err) != ECONFLICT || !ok || nl.PatientID != fx.p.ID || !strings.Contains(ErrorMessage(err), "連携") {
		t.Fatalf("unlinked disclosure: %v", err)
	}
	// Only the writer discloses.
	if _, err := fx.db.DiscloseRecord(fx.b, r.ID, DiscloseToPatient, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B discloses: %v", err)
	}
	dp, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToPatient, "")
	if err != nil || dp.N != 1 {
		t.Fatal(dp, err)
	}
	if _, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToPatient, ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("twice: %v", err)
	}
	df, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToFacility, strings.ToLower(fx.fb.OID))
	if err != nil || df.N != 2 || df.LinkSeq == 0 || df.FacilityName != "連携病院" {
		t.Fatal(df, err)
	}
	// B now sees it (read only) in its list and page.
	page, err := fx.db.ViewRecord(fx.b, r.ID, 0)
	if err != nil || page.Own || len(page.Disclosures) != 0 {
		t.Fatalf("B view: %+v %v", page, err)
	}
	if _, err := fx.db.ReviseRecord(fx.b, r.ID, 1, fx.form("改ざん")); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("B revises: %v", err)
	}
	if l, _ := fx.db.ListRecords(fx.b, RecordQuery{}); len(l.Items) != 1 || l.Items[0].Own || l.Items[0].PatientName != "山田　太郎" {
		t.Fatalf("B list %+v", l)
	}
	if _, err := fx.db.ViewRecord(fx.c, r.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("C: %v", err)
	}
	// The patient's page.
	items, err := fx.db.PatientRecords(fx.p.ID)
	if err != nil || len(items) != 1 || items[0].KindLabel != "検査結果" || items[0].Attachments != 1 || items[0].FacilityName == "" {
		t.Fatalf("patient items %+v %v", items, err)
	}
	pv, err := fx.db.PatientRecord(fx.p.ID, r.ID, "198.51.100.1")
	if err != nil || pv.Title != "退院時サマリー" || len(pv.Attachments) != 1 {
		t.Fatalf("patient view %+v %v", pv, err)
	}
	rd, att, err := fx.db.OpenPatientRecordAttachment(fx.p.ID, r.ID, 1, "198.51.100.1")
	if err != nil || att.ContentType != ContentTypePNG {
		t.Fatal(err)
	}
	rd.Close()
	other := mustRegister(t, fx.db, fx.a, PatientForm{Name: "佐藤　花子", NameKana: "サトウ ハナコ", BirthDate: "1980-01-02", Sex: "female"})
	if _, err := fx.db.PatientRecord(other.ID, r.ID, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("another patient: %v", err)
	}
	if items, _ := fx.db.PatientRecords(other.ID); len(items) != 0 {
		t.Fatalf("another patient's list %+v", items)
	}
	// Every audit line names the patient and the record.
	log, err := fx.db.ListAudit(AuditFilter{Patient: fx.p.ID, Action: "record.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var views, patientViews int
	for _, e := range log.Events {
		if e.Object != "record:"+r.ID && e.Action != AuditRecordList {
			t.Errorf("audit line %+v", e)
		}
		if e.Action == AuditRecordView && e.Actor == fx.b.MemberID && AuditFacilityOID(e) == fx.fb.OID {
			views++
		}
		if e.Actor == "patient:"+fx.p.ID && e.Result == ResultOK && (e.Action == AuditRecordView || e.Action == AuditRecordAttachment) {
			patientViews++
		}
	}
	if views != 1 || patientViews != 2 {
		t.Fatalf("views %d patient views %d", views, patientViews)
	}
	// Revoking hides it from then on.
	if _, err := fx.db.RevokeDisclosure(fx.a, r.ID, 1, "患者様の申し出"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.RevokeDisclosure(fx.a, r.ID, 1, ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("revoke twice: %v", err)
	}
	if _, err := fx.db.PatientRecord(fx.p.ID, r.ID, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("patient after revoke: %v", err)
	}
	if items, _ := fx.db.PatientRecords(fx.p.ID); len(items) != 0 {
		t.Fatalf("patient list after revoke %+v", items)
	}
	if _, err := fx.db.RevokeDisclosure(fx.a, r.ID, 2, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ViewRecord(fx.b, r.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B after revoke: %v", err)
	}
	if l, _ := fx.db.ListRecords(fx.b, RecordQuery{}); len(l.Items) != 0 {
		t.Fatalf("B list after revoke %+v", l)
	}
	if _, _, err := fx.db.OpenRecordAttachment(fx.b, r.ID, 1); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B attachment after revoke: %v", err)
	}
}

func TestRecordDisclosureEndsWithLink(t *testing.T) {
	fx := newRecordFixture(t)
	r := mustCreateRecord(t, fx.db, fx.a, fx.form("画像所見"))
	if _, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToFacility, fx.fb.OID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ViewRecord(fx.b, r.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := fx.db.UnlinkPatient(fx.a, fx.p.ID, fx.fb.OID, "同意の撤回"); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ViewRecord(fx.b, r.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B after unlink: %v", err)
	}
	if l, _ := fx.db.ListRecords(fx.b, RecordQuery{}); len(l.Items) != 0 {
		t.Fatalf("B list after unlink %+v", l)
	}
	page, _ := fx.db.ViewRecord(fx.a, r.ID, 0)
	if len(page.Disclosures) != 1 || page.Disclosures[0].Standing() || page.Disclosures[0].RevokedBy != "link" {
		t.Fatalf("disclosures %+v", page.Disclosures)
	}
	// A new link is a new consent: the old disclosure does not come back.
	if _, err := fx.db.LinkPatient(fx.a, fx.p.ID, LinkForm{FacilityOID: fx.fb.OID, Consent: "on", ConsentMethod: "verbal"}); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ViewRecord(fx.b, r.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B after relink: %v", err)
	}
	if _, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToFacility, fx.fb.OID); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.db.ViewRecord(fx.b, r.ID, 0); err != nil {
		t.Fatalf("B after new disclosure: %v", err)
	}
}

func TestRecordWithdraw(t *testing.T) {
	fx := newRecordFixture(t)
	r := mustCreateRecord(t, fx.db, fx.a, fx.form("誤記のある記録"))
	fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToPatient, "")
	fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToFacility, fx.fb.OID)
	if _, err := fx.db.WithdrawRecord(fx.a, r.ID, ""); ErrorFields(err)["reason"] == "" {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := fx.db.WithdrawRecord(fx.b, r.ID, "x"); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("B withdraws: %v", err)
	}
	if _, err := fx.db.WithdrawRecord(fx.a, r.ID, "患者取り違え"); err != nil {
		t.Fatal(err)
	}
	page, err := fx.db.ViewRecord(fx.a, r.ID, 0)
	if err != nil || !page.Withdrawn() || page.WithdrawReason != "患者取り違え" {
		t.Fatalf("writer view %+v %v", page.Record, err)
	}
	if l, _ := fx.db.ListRecords(fx.a, RecordQuery{}); len(l.Items) != 1 || !l.Items[0].Withdrawn {
		t.Fatalf("writer list %+v", l)
	}
	if _, err := fx.db.ViewRecord(fx.b, r.ID, 0); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("B: %v", err)
	}
	if _, err := fx.db.PatientRecord(fx.p.ID, r.ID, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("patient: %v", err)
	}
	if _, err := fx.db.ReviseRecord(fx.a, r.ID, 1, fx.form("直し")); ErrorCode(err) != ECONFLICT {
		t.Fatalf("revise withdrawn: %v", err)
	}
	if _, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToPatient, ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("disclose withdrawn: %v", err)
	}
}

func TestListRecordsFiltersAndPages(t *testing.T) {
	fx := newRecordFixture(t)
	other := mustRegister(t, fx.db, fx.a, PatientForm{Name: "佐藤　花子", NameKana: "サトウ ハナコ", BirthDate: "1980-01-02", Sex: "female"})
	kinds := []string{"summary", "lab", "imaging"}
	for i := 0; i < 45; i++ {
		f := fx.form("記録" + string(rune('A'+i%26)))
		f.Kind = kinds[i%3]
		f.RecordedOn = "2026-01-" + string(rune('1'+i%2)) + string(rune('0'+i%10))
		if i%5 == 0 {
			f.PatientID = other.ID
		}
		mustCreateRecord(t, fx.db, fx.a, f)
	}
	var ids []string
	q := RecordQuery{}
	for {
		page, err := fx.db.ListRecords(fx.a, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.Next == "" {
			break
		}
		q.Before = page.Next
	}
	if len(ids) != 45 || ids[0] != "R000045" || ids[44] != "R000001" {
		t.Fatalf("pages: %d %v", len(ids), ids)
	}
	count := func(q RecordQuery) int {
		q.Limit = 100
		page, err := fx.db.ListRecords(fx.a, q)
		if err != nil {
			t.Fatal(q, err)
		}
		return len(page.Items)
	}
	if n := count(RecordQuery{Kind: "lab"}); n != 15 {
		t.Errorf("lab %d", n)
	}
	if n := count(RecordQuery{PatientID: FormatPatientID(other.ID)}); n != 9 {
		t.Errorf("patient %d", n)
	}
	if n := count(RecordQuery{From: "2026-01-10", To: "2026-01-12"}); n != 10 {
		t.Errorf("dates %d", n)
	}
	if _, err := fx.db.ListRecords(fx.a, RecordQuery{From: "yesterday"}); ErrorFields(err)["from"] == "" {
		t.Errorf("bad date: %v", err)
	}
	c := newRecordFixture(t)
	if _, err := fx.db.ListRecords(fx.a, RecordQuery{PatientID: c.p.ID}); ErrorCode(err) != ENOTFOUND {
		t.Errorf("foreign patient filter: %v", err)
	}
}

// BenchmarkCreateRecord5MB: a record with one 5 MB PDF, stored durably
// (content check, SHA-256, chunks, record, version, index, audit, fsync).
func BenchmarkCreateRecord5MB(b *testing.B) {
	fx := newRecordFixture(b)
	pdfs := make([][]byte, 60)
	for i := range pdfs {
		pdfs[i] = SamplePDF(5<<20, uint64(i+1)) // a new content each time: stored, not referenced
	}
	i := 0
	b.SetBytes(5 << 20)
	for b.Loop() {
		if i == len(pdfs) {
			b.Fatal("run with -benchtime up to 60x")
		}
		if _, err := fx.db.CreateRecord(fx.a, fx.form("CT", UploadBytes("CT.pdf", pdfs[i]))); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkListRecords100k: the first /dms page of a facility with 100,000
// records, the store's part (rows, patient names, the queued audit line).
func BenchmarkListRecords100k(b *testing.B) {
	fx := newRecordFixture(b)
	var patients []string
	for i := range 100 {
		p := mustRegister(b, fx.db, fx.a, PatientForm{Name: "患者 " + strconv.Itoa(i), NameKana: "カンジャ", BirthDate: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format("2006-01-02"), Sex: "male"})
		patients = append(patients, p.ID)
	}
	if err := fx.db.CreateTestRecords(fx.a, patients, 100_000, 5000); err != nil {
		b.Fatal(err)
	}
	for _, q := range []RecordQuery{{}, {Kind: "lab"}, {Before: "R050000"}, {PatientID: patients[3]}, {From: "2020-01-01", To: "2020-01-02"}} {
		b.Run(strings.ReplaceAll(strings.Trim(fmt.Sprintf("%+v", q), "{}"), " ", ","), func(b *testing.B) {
			for b.Loop() {
				if _, err := fx.db.ListRecords(fx.a, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRecordBloat: 1,000 records each with one PDF of 100 KB–5 MB
// (uniform) and, among them, 200 revisions (new text, the file carried
// over), all through CreateRecord and ReviseRecord; the file's size over
// the bytes of content stored.
//
//	go test ./store -run '^$' -bench RecordBloat -benchtime 1x -timeout 60m
func BenchmarkRecordBloat(b *testing.B) {
	for b.Loop() {
		fx := newRecordFixture(b)
		rng := rand.New(rand.NewPCG(21, 22))
		var ids []string
		var stored int64
		revisions := 0
		start := time.Now()
		for i := 0; i < 1000; i++ {
			size := 100<<10 + rng.IntN(5<<20-100<<10+1)
			stored += int64(size)
			r := mustCreateRecord(b, fx.db, fx.a, fx.form("検査結果 "+strconv.Itoa(i), UploadBytes("検査.pdf", SamplePDF(size, uint64(i+1)))))
			ids = append(ids, r.ID)
			if i%5 == 4 {
				id := ids[rng.IntN(len(ids))]
				page, err := fx.db.ViewRecord(fx.a, id, 0)
				if err != nil {
					b.Fatal(err)
				}
				f := fx.form("検査結果（修正 " + strconv.Itoa(i) + "）")
				if _, err := fx.db.ReviseRecord(fx.a, id, page.Current.Version, f); err != nil {
					b.Fatal(err)
				}
				revisions++
			}
		}
		took := time.Since(start)
		fx.db.FlushAudit()
		file := fx.db.FileSize()
		b.ReportMetric(float64(file)/float64(stored), "file/stored")
		b.ReportMetric(float64(file)/1e6, "MB-file")
		b.ReportMetric(float64(stored)/1e6, "MB-stored")
		b.Logf("1,000 uploads (%d bytes of content) and %d revisions in %v: file %d bytes = %.3f × the content", stored, revisions, took.Round(time.Second), file, float64(file)/float64(stored))
	}
}

// The /dms rows hold the patient's name: when PRS changes it, every list
// that shows the patient's records (the writer's and a facility it was
// disclosed to) shows the new one. Rows written before the name was in
// them still show it, from the patient.
func TestRecordRowsFollowPatientName(t *testing.T) {
	fx := newRecordFixture(t)
	r := mustCreateRecord(t, fx.db, fx.a, fx.form("血液検査"))
	if _, err := fx.db.DiscloseRecord(fx.a, r.ID, DiscloseToFacility, fx.fb.OID); err != nil {
		t.Fatal(err)
	}
	names := func(a PRSActor) string {
		t.Helper()
		l, err := fx.db.ListRecords(a, RecordQuery{})
		if err != nil || len(l.Items) != 1 {
			t.Fatalf("list: %+v %v", l, err)
		}
		return l.Items[0].PatientName
	}
	if a, b := names(fx.a), names(fx.b); a != "山田　太郎" || b != a {
		t.Fatalf("before: %q %q", a, b)
	}
	f := samplePatient()
	f.Name = "佐藤　太郎"
	if _, err := fx.db.UpdatePatient(fx.a, fx.p.ID, fx.p.Version, f); err != nil {
		t.Fatal(err, ErrorFields(err))
	}
	if a, b := names(fx.a), names(fx.b); a != "佐藤　太郎" || b != a {
		t.Fatalf("after the change: %q %q", a, b)
	}
	// A row of the first binary form (no name) is read, the name looked up.
	if err := fx.db.Update(func(tx *Tx) error {
		idx := tx.bucket(bucketRecordIndex)
		v := idx.Get(rxOrder(fx.a.FacilityOID, r.Seq))
		row, err := decodeRecordRow(v[rowHeader:])
		if err != nil || row.PatientName != "佐藤　太郎" {
			t.Errorf("row: %+v %v", row, err)
		}
		w := rowWriter{b: append(bytes.Clone(v[:rowHeader]), rowV1)}
		w.str(row.ID)
		w.str(row.PatientID)
		w.str(row.FacilityOID)
		w.str(row.FacilityName)
		w.str(string(row.Kind))
		w.str(row.Title)
		w.time(row.RecordedOn)
		w.time(row.UpdatedAt)
		w.uint(uint64(row.Version))
		w.uint(uint64(row.Attachments))
		return idx.Put(rxOrder(fx.a.FacilityOID, r.Seq), w.b)
	}); err != nil {
		t.Fatal(err)
	}
	if a := names(fx.a); a != "佐藤　太郎" {
		t.Fatalf("v1 row: %q", a)
	}
}
