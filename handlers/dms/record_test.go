package dms_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// countRecords is how many records the writing facility lists.
func countRecords(t *testing.T, w *world) int {
	t.Helper()
	page, err := w.DB.ListRecords(store.PRSActor{MemberID: w.MA.ID, FacilityOID: w.FA.OID}, store.RecordQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

func TestSaveRecordRefusesBadInput(t *testing.T) {
	w := newWorld(t)
	before := countRecords(t, w)
	png := store.SamplePNG(8, 8, 1)
	big := make([]byte, store.MaxAttachmentSize+1)
	copy(big, store.SamplePDF(1000, 1))
	for _, tc := range []struct {
		name   string
		form   url.Values
		files  []handlertest.File
		status int
		want   []string
	}{
		{"html renamed", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "x.png", Data: []byte("<html><script>alert(1)</script>")}}, 422, []string{"x.png", `data-testid="error-attachment"`}},
		{"svg", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "a.svg", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>`)}}, 422, []string{"a.svg"}},
		{"exe as png", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "setup.png", Data: append([]byte("MZ\x90\x00\x03"), make([]byte, 600)...)}}, 422, []string{"setup.png"}},
		{"empty file", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "empty.pdf", Data: nil}}, 422, []string{"empty.pdf"}},
		{"truncated png", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "cut.png", Data: png[:len(png)/2]}}, 422, []string{"cut.png"}},
		{"oversize", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "big.pdf", Data: big}}, 422, []string{"big.pdf"}},
		{"six files", recordValues(w.Patient), []handlertest.File{{Field: "attachment", Name: "1.png", Data: png}, {Field: "attachment", Name: "2.png", Data: png}, {Field: "attachment", Name: "3.png", Data: png},
			{Field: "attachment", Name: "4.png", Data: png}, {Field: "attachment", Name: "5.png", Data: png}, {Field: "attachment", Name: "6.png", Data: png}}, 422, []string{"5個まで"}},
		{"bad file and no title", recordValues(w.Patient, "title", ""), []handlertest.File{{Field: "attachment", Name: "x.png", Data: []byte("GIF89a")}}, 422, []string{"表題を入力してください", "x.png"}},
		{"bad kind and date", recordValues(w.Patient, "kind", "xray", "recorded_on", "3月1日"), nil, 422, []string{"種類を選んでください", "対象日は"}},
		{"forged patient", recordValues("P0000AAAABBBB"), []handlertest.File{{Field: "attachment", Name: "a.png", Data: png}}, 404, nil},
		{"foreign patient", recordValues(handlertest.Register(t, w.Unlocked(t, w.MC), handlertest.PatientValues("name", "他院 患者", "name_kana", "タイン カンジャ", "chart_number", "9"))), nil, 404, nil},
		{"no patient", recordValues(""), nil, 404, nil},
	} {
		res := w.A.PostMultipart("/dms/records", tc.form, tc.files...)
		if res.Status != tc.status {
			t.Errorf("%s: %d, want %d\n%s", tc.name, res.Status, tc.status, handlertest.Snippet(res.Body))
		}
		for _, s := range tc.want {
			if !strings.Contains(res.Body, s) {
				t.Errorf("%s: body lacks %q\n%s", tc.name, s, handlertest.Snippet(res.Body))
			}
		}
		if tc.status == 404 && strings.Contains(res.Body, "山田") {
			t.Errorf("%s: the refusal names a patient", tc.name)
		}
	}
	if n := countRecords(t, w); n != before {
		t.Fatalf("%d records after refusals, want %d", n, before)
	}
	// A facility that only has a disclosure writes nothing about the
	// record: its revision is 403.
	w.disclose(t, "facility", w.FB.OID)
	res := w.B.PostMultipart("/dms/records/"+w.Record+"/revise", recordValues(w.Patient, "version", "1", "title", "書き換え"))
	if res.Status != 403 {
		t.Fatalf("recipient revises: %d", res.Status)
	}
	// Forged patient on a revision.
	res = w.A.PostMultipart("/dms/records/"+w.Record+"/revise", recordValues(handlertest.Register(t, w.A, handlertest.PatientValues("name", "別 患者", "name_kana", "ベツ カンジャ", "chart_number", "77")), "version", "1"))
	if res.Status != 404 {
		t.Fatalf("revision with another patient: %d", res.Status)
	}
}

func TestAttachmentNameAndHeaders(t *testing.T) {
	w := newWorld(t)
	pdf := store.SamplePDF(200_000, 3)
	name := "検査\"結果\"\r\nX-Evil: 1.pdf"
	id := w.create(t, w.A, recordValues(w.Patient, "kind", "lab", "title", "検査結果"), handlertest.File{Field: "attachment", Name: name, Data: pdf})
	page := w.A.Get("/dms/records/" + id)
	if page.Status != 200 || !strings.Contains(page.Body, `href="/dms/records/`+id+`/attachments/1" target="_blank" rel="noopener" hx-boost="false"`) {
		t.Fatalf("record page: %d\n%s", page.Status, handlertest.Snippet(page.Body))
	}
	res := w.A.Get("/dms/records/" + id + "/attachments/1")
	if res.Status != 200 || !bytes.Equal([]byte(res.Body), pdf) {
		t.Fatalf("download: %d, %d bytes", res.Status, len(res.Body))
	}
	cd := res.Header.Get("Content-Disposition")
	if res.Header.Get("X-Evil") != "" || strings.ContainsAny(cd, "\r\n") || !strings.Contains(cd, "filename*=UTF-8''") ||
		!strings.Contains(cd, "%E6%A4%9C%E6%9F%BB%22%E7%B5%90%E6%9E%9C%22") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	for k, v := range map[string]string{"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Cache-Control": "no-store"} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s %q, want %q", k, got, v)
		}
	}
	// The image of the world's record shows inline.
	page = w.A.Get("/dms/records/" + w.Record)
	if !strings.Contains(page.Body, `<img src="/dms/records/`+w.Record+`/attachments/1"`) {
		t.Fatalf("image not inline\n%s", handlertest.Snippet(page.Body))
	}
	img := w.A.Get("/dms/records/" + w.Record + "/attachments/1")
	if img.Header.Get("Content-Type") != "image/png" || !bytes.Equal([]byte(img.Body), w.ImagePNG) {
		t.Fatalf("image: %q", img.Header.Get("Content-Type"))
	}
	// HEAD: the headers, no body, no audit line.
	logBefore, _ := w.DB.ListAudit(store.AuditFilter{Action: "record.attachment", Limit: 1000})
	head := w.A.Do("HEAD", "/dms/records/"+id+"/attachments/1", nil, "")
	logAfter, _ := w.DB.ListAudit(store.AuditFilter{Action: "record.attachment", Limit: 1000})
	if head.Status != 200 || head.Body != "" || len(logAfter.Events) != len(logBefore.Events) {
		t.Fatalf("HEAD: %d, %d bytes, audit %d → %d", head.Status, len(head.Body), len(logBefore.Events), len(logAfter.Events))
	}
}

func TestRecordFlow(t *testing.T) {
	w := newWorld(t)
	rp := "/dms/records/" + w.Record
	for _, sc := range []handlertest.Scenario{
		{Name: "page", Path: rp + "?done=dms-created", WantStatus: 200, WantContains: []string{"記録を保存しました", "胸部X線", "所見：異常なし\n経過観察", "医師 一郎", "あおば内科クリニック", "第1版", `data-testid="disclose-form"`, "みなと総合病院"}},
		{Name: "disclose to unlinked C", Method: "POST", Path: rp + "/disclosures", Form: url.Values{"to": {"facility"}, "facility_oid": {w.FC.OID}}, WantStatus: 409,
			WantContains: []string{"さくら薬局とは、この患者様の同意による連携がありません", `href="/prs/patients/` + w.Patient + `#link"`}},
		{Name: "disclose to nobody", Method: "POST", Path: rp + "/disclosures", Form: url.Values{"to": {"everyone"}}, WantStatus: 422},
		{Name: "disclose to B", Method: "POST", Path: rp + "/disclosures", Form: url.Values{"to": {"facility"}, "facility_oid": {w.FB.OID}}, WantStatus: 303, WantLocation: rp + "?done=dms-disclosed"},
		{Name: "disclose to patient", Method: "POST", Path: rp + "/disclosures", Form: url.Values{"to": {"patient"}}, WantStatus: 303},
		{Name: "twice", Method: "POST", Path: rp + "/disclosures", Form: url.Values{"to": {"patient"}}, WantStatus: 409, WantContains: []string{"既に患者様本人へ公開"}},
		{Name: "revise form", Path: rp + "/revise", WantStatus: 200, WantContains: []string{`name="version" value="1"`, `name="remove" value="1"`, "胸部.png"}},
		{Name: "revise stale", Method: "POST", Path: rp + "/revise", Form: recordValues(w.Patient, "version", "0", "title", "胸部X線（再読影）"), WantStatus: 409},
		{Name: "revise", Method: "POST", Path: rp + "/revise", Form: recordValues(w.Patient, "version", "1", "title", "胸部X線（再読影）"), WantStatus: 303, WantLocation: rp + "?done=dms-revised"},
		{Name: "history", Path: rp, WantStatus: 200, WantContains: []string{"第2版", `href="` + rp + `/versions/1"`, "表題", "胸部X線（再読影）"}},
		{Name: "old version", Path: rp + "/versions/1", WantStatus: 200, WantContains: []string{`data-testid="old-version"`, `data-testid="record-title">胸部X線 <span`, "第1版（古い版）"}},
		{Name: "no version 9", Path: rp + "/versions/9", WantStatus: 404},
		{Name: "withdraw without reason", Method: "POST", Path: rp + "/withdraw", Form: url.Values{}, WantStatus: 422, WantContains: []string{"取り下げの理由を入力してください"}},
	} {
		sc.Run(t, w.A)
	}
	b := []handlertest.Scenario{
		{Name: "B opens", Path: rp, WantStatus: 200, WantContains: []string{"あおば内科クリニック から公開された記録です", "胸部X線（再読影）"}, WantAbsent: []string{`data-testid="disclose-form"`, `data-testid="withdraw-form"`}},
		{Name: "B lists", Path: "/dms", WantStatus: 200, WantContains: []string{"公開を受けた記録", w.Record}},
		{Name: "B image", Path: rp + "/attachments/1", WantStatus: 200},
		{Name: "B discloses", Method: "POST", Path: rp + "/disclosures", Form: url.Values{"to": {"patient"}}, WantStatus: 403},
		{Name: "C", Path: rp, WantStatus: 404},
	}
	for _, sc := range b[:4] {
		sc.Run(t, w.B)
	}
	b[4].Run(t, w.C)
	handlertest.Scenario{Name: "revoke B", Method: "POST", Path: rp + "/disclosures/1/revoke", Form: url.Values{"reason": {"同意の撤回"}}, WantStatus: 303, WantLocation: rp + "?done=dms-revoked"}.Run(t, w.A)
	for _, p := range []string{rp, rp + "/attachments/1", rp + "/versions/1"} {
		handlertest.Scenario{Name: "B after revoke " + p, Path: p, WantStatus: 404}.Run(t, w.B)
	}
	handlertest.Scenario{Name: "B list after revoke", Path: "/dms", WantStatus: 200, WantAbsent: []string{w.Record}}.Run(t, w.B)
	// B's view before the revocation stays in the log, under the patient.
	log, err := w.DB.ListAudit(store.AuditFilter{Patient: w.Patient, Action: "record.view", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, e := range log.Events {
		if e.Actor == w.MB.ID && e.Result == store.ResultOK && e.Object == "record:"+w.Record && store.AuditFacilityOID(e) == w.FB.OID {
			seen = true
		}
	}
	if !seen {
		t.Fatal("B's view is not in the log")
	}
	handlertest.Scenario{Name: "withdraw", Method: "POST", Path: rp + "/withdraw", Form: url.Values{"reason": {"患者取り違え"}}, WantStatus: 303}.Run(t, w.A)
	handlertest.Scenario{Name: "withdrawn", Path: rp, WantStatus: 200, WantContains: []string{`data-testid="record-withdrawn"`, "患者取り違え"}, WantAbsent: []string{`data-testid="disclose-form"`}}.Run(t, w.A)
	handlertest.Scenario{Name: "revise withdrawn", Path: rp + "/revise", WantStatus: 409}.Run(t, w.A)
}

func TestRecordListFilters(t *testing.T) {
	w := newWorld(t)
	second := handlertest.Register(t, w.A, handlertest.PatientValues("name", "佐藤 花子", "name_kana", "サトウ ハナコ", "chart_number", "2002"))
	w.create(t, w.A, recordValues(second, "kind", "lab", "title", "血液検査", "recorded_on", "2026-02-10"))
	w.create(t, w.A, recordValues(w.Patient, "kind", "medication", "title", "処方内容", "recorded_on", "2026-04-05"))
	for _, sc := range []handlertest.Scenario{
		{Name: "all", Path: "/dms", WantStatus: 200, WantContains: []string{"血液検査", "処方内容", "胸部X線", `hx-get="/dms"`, `id="record-results"`}},
		{Name: "kind (no script)", Path: "/dms?kind=lab", WantStatus: 200, WantContains: []string{"血液検査"}, WantAbsent: []string{"処方内容", "胸部X線"}},
		{Name: "patient with hyphens", Path: "/dms?patient=" + url.QueryEscape(store.FormatPatientID(second)), WantStatus: 200, WantContains: []string{"血液検査"}, WantAbsent: []string{"処方内容"}},
		{Name: "dates", Path: "/dms?from=2026-03-01&to=2026-03-31", WantStatus: 200, WantContains: []string{"胸部X線"}, WantAbsent: []string{"血液検査", "処方内容"}},
		{Name: "bad date", Path: "/dms?from=きのう", WantStatus: 422, WantContains: []string{"対象日（から）は 2026-04-01 の形"}},
		{Name: "foreign patient", Path: "/dms?patient=" + handlertest.Register(t, w.Unlocked(t, w.MC), handlertest.PatientValues("chart_number", "5")), WantStatus: 404},
		{Name: "new record for patient", Path: "/dms/records/new?patient=" + second, WantStatus: 200, WantContains: []string{"佐藤　花子", `enctype="multipart/form-data"`, `name="attachment"`}},
		{Name: "new record, no patient", Path: "/dms/records/new", WantStatus: 200, WantContains: []string{`name="patient"`}},
		{Name: "new record, forged patient", Path: "/dms/records/new?patient=P0000AAAABBBB", WantStatus: 404},
		{Name: "PRS patient page links", Path: "/prs/patients/" + second, WantStatus: 200, WantContains: []string{`href="/dms?patient=` + second + `"`, `href="/dms/records/new?patient=` + second + `"`, "記録を作成"}},
	} {
		sc.Run(t, w.A)
	}
	// htmx: the table only, newest first.
	w.A.Headers["HX-Request"] = "true"
	w.A.Headers["HX-Target"] = "record-results"
	res := w.A.Get("/dms?kind=")
	delete(w.A.Headers, "HX-Request")
	delete(w.A.Headers, "HX-Target")
	if res.Status != 200 || strings.Contains(res.Body, "<html") || !strings.Contains(res.Body, `data-testid="record-results"`) || res.Header.Get("Vary") == "" {
		t.Fatalf("fragment: %d %q\n%s", res.Status, res.Header.Get("Vary"), handlertest.Snippet(res.Body))
	}
	if i, j := strings.Index(res.Body, "処方内容"), strings.Index(res.Body, "胸部X線"); i < 0 || j < i {
		t.Fatalf("not newest first")
	}
}
