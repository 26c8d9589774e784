package patient_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

var (
	cardIDLine   = regexp.MustCompile(`(?m)^\s*患者ID\s+(P-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\s*$`)
	cardCodeLine = regexp.MustCompile(`(?m)^\s*アクセスコード\s+([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\s*$`)
)

// cardID and cardCode read the card's pair from pdftotext -layout: each
// label and its value on one line.
func cardID(t testing.TB, text string) string {
	t.Helper()
	m := cardIDLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no 患者ID line on the card:\n%s", text)
	}
	return m[1]
}

func cardCode(t testing.TB, text string) string {
	t.Helper()
	m := cardCodeLine.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no アクセスコード line on the card:\n%s", text)
	}
	return m[1]
}

// The page lists what is disclosed to this patient, in plain words; a
// record, its attachments and anything not disclosed (another patient's,
// a revoked or withdrawn disclosure, a never disclosed one, a forged ID)
// answer 404.
func TestPatientRecords(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	c := loginPatient(t, env, w.Patient.ID, w.Code)
	rec := "/patient/records/" + w.Shown
	for _, sc := range []handlertest.Scenario{
		{Name: "list", Path: "/patient", WantStatus: 200,
			WantContains: []string{"あなたに公開された記録", "血液検査の結果", `href="` + rec + `"`, "検査結果", "2026-03-15", "あおば内科クリニック", "添付ファイル：2 件"},
			WantAbsent:   []string{"院内メモ", "取り消した記録", "取り下げた記録", "佐藤様の記録", ">lab<", w.FA.OID}},
		{Name: "record", Path: rec, WantStatus: 200,
			WantContains: []string{"血液検査の結果", "所見：\n特記すべき異常なし", "あおば内科クリニック", "医師 一郎", rec + "/attachments/1", rec + "/attachments/2", "画像（PNG）", "PDF", `<img src="` + rec + `/attachments/1"`, "検査結果.pdf"},
			WantAbsent:   []string{w.FA.OID, ">lab<"}},
		{Name: "not disclosed", Path: "/patient/records/" + w.Hidden, WantStatus: 404, WantAbsent: []string{"院内メモ"}},
		{Name: "revoked", Path: "/patient/records/" + w.Revoked, WantStatus: 404},
		{Name: "withdrawn", Path: "/patient/records/" + w.Withdrawn, WantStatus: 404},
		{Name: "another patient's", Path: "/patient/records/" + w.OthersRecord, WantStatus: 404, WantAbsent: []string{"佐藤"}},
		{Name: "another patient's attachment", Path: "/patient/records/" + w.OthersRecord + "/attachments/1", WantStatus: 404},
		{Name: "forged ID", Path: "/patient/records/R999999", WantStatus: 404},
		{Name: "junk ID", Path: "/patient/records/%00%FF", WantStatus: 404},
		{Name: "no such attachment", Path: rec + "/attachments/3", WantStatus: 404},
		{Name: "attachment 0", Path: rec + "/attachments/0", WantStatus: 404},
		{Name: "attachment junk", Path: rec + "/attachments/-1", WantStatus: 404},
		{Name: "attachment of a hidden record", Path: "/patient/records/" + w.Hidden + "/attachments/1", WantStatus: 404},
	} {
		sc.Run(t, c)
	}
	// HEAD answers the headers and writes no audit line.
	before, err := w.DB.AuditHead()
	if err != nil {
		t.Fatal(err)
	}
	if head := c.Do(http.MethodHead, rec+"/attachments/1", nil, ""); head.Status != 200 || head.Body != "" || head.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("HEAD of the image: %d %q, %d bytes", head.Status, head.Header.Get("Content-Type"), len(head.Body))
	}
	if after, err := w.DB.AuditHead(); err != nil || after.Seq != before.Seq {
		t.Fatalf("HEAD wrote audit lines: %d → %d (%v)", before.Seq, after.Seq, err)
	}
	res := c.Get(rec + "/attachments/1")
	if res.Status != 200 || !bytes.Equal([]byte(res.Body), w.ImageBytes) {
		t.Fatalf("image: %d, %d bytes", res.Status, len(res.Body))
	}
	for k, v := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Cache-Control": "no-store"} {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	cd := res.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, `inline; filename="`) || !strings.Contains(cd, "filename*=UTF-8''") || strings.Count(cd, `"`) != 2 || strings.ContainsAny(cd, "\r\n") {
		t.Errorf("Content-Disposition %q", cd)
	}
	res = c.Get(rec + "/attachments/2")
	if res.Status != 200 || res.Header.Get("Content-Type") != store.ContentTypePDF || !bytes.Equal([]byte(res.Body), w.PDFBytes) {
		t.Fatalf("pdf: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	// A record whose disclosure is revoked now disappears from the page.
	if _, err := env.DB.RevokeDisclosure(w.A, w.Shown, 1, "誤り"); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "after revocation", Path: "/patient", WantStatus: 200, WantContains: []string{`data-testid="no-records"`}}.Run(t, c)
	handlertest.Scenario{Name: "record after revocation", Path: rec, WantStatus: 404}.Run(t, c)
	handlertest.Scenario{Name: "attachment after revocation", Path: rec + "/attachments/1", WantStatus: 404}.Run(t, c)
}

// 閲覧履歴 lists every view of the patient's records and attachments —
// the members' (facility and name) and the patient's own — newest first,
// in Japan time, paginated; the patient's own page views are audited too.
func TestPatientAccessLog(t *testing.T) {
	env := newEnv(t, web.CertOff)
	w := newWorld(t, env)
	env.FakeClock() // 2026-04-01 12:00 Japan time
	c := loginPatient(t, env, w.Patient.ID, w.Code)
	handlertest.Scenario{Name: "empty", Path: "/patient/access", WantStatus: 200, WantContains: []string{`data-testid="no-access"`}}.Run(t, c)
	// The writing facility's member reads the disclosed record and the
	// hidden one; the hospital (linked) gets the record disclosed and
	// opens its image.
	if _, err := env.DB.ViewRecord(w.A, w.Shown, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.ViewRecord(w.A, w.Hidden, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.DiscloseRecord(w.A, w.Shown, store.DiscloseToFacility, w.FB.OID); err != nil {
		t.Fatal(err)
	}
	r, _, err := env.DB.OpenRecordAttachment(w.B, w.Shown, 1)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	// The patient opens the record and the PDF; another patient's view
	// and a refused one are not listed.
	c.Get("/patient/records/" + w.Shown)
	c.Get("/patient/records/" + w.Shown + "/attachments/2")
	c.Get("/patient/records/" + w.OthersRecord)
	loginPatient(t, env, w.Other.ID, w.OtherCode).Get("/patient/records/" + w.OthersRecord)
	res := handlertest.Scenario{Name: "log", Path: "/patient/access", WantStatus: 200, WantContains: []string{
		"閲覧履歴", "2026-04-01 12:00", "あおば内科クリニック", "医師 一郎", "みなと総合病院", "医師 二郎", "ご本人",
		"記録「血液検査の結果」を閲覧", "記録「血液検査の結果」の添付ファイルを閲覧", ">記録を閲覧<"},
		WantAbsent: []string{"院内メモ", "佐藤", w.MA.ID, w.FA.OID, "record.view", "R0"}}.Run(t, c)
	rows := regexp.MustCompile(`data-testid="access-entry"`).FindAllStringIndex(res.Body, -1)
	if len(rows) != 5 {
		t.Fatalf("%d lines, want 5 (member ×2, hospital, patient ×2)", len(rows))
	}
	// Newest first: the patient's PDF view heads the list.
	first := res.Body[rows[0][0]:rows[1][0]]
	if !strings.Contains(first, "ご本人") || !strings.Contains(first, "添付ファイル") {
		t.Errorf("first line: %s", first)
	}
	// The patient's own page views are in the audit log.
	page, err := env.DB.ListAudit(store.AuditFilter{Patient: w.Patient.ID, Action: "patient_page.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[store.AuditAction]int{}
	for _, e := range page.Events {
		seen[e.Action]++
		if e.Actor != "patient:"+w.Patient.ID {
			t.Errorf("actor %q", e.Actor)
		}
	}
	if seen[store.AuditPatientPageView] < 1 || seen[store.AuditPatientAccessView] < 2 || seen[store.AuditPatientLogin] != 1 {
		t.Errorf("patient page audit %v", seen)
	}
	// Pages of 50.
	for i := 0; i < 60; i++ {
		c.Get("/patient/records/" + w.Shown)
	}
	res = c.Get("/patient/access")
	next := regexp.MustCompile(`href="(/patient/access\?before=\d+)" data-testid="access-next"`).FindStringSubmatch(res.Body)
	if n := strings.Count(res.Body, `data-testid="access-entry"`); n != 50 || next == nil {
		t.Fatalf("first page: %d lines, next %v", n, next)
	}
	res = c.Get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(res.Body, `data-testid="access-entry"`); n != 15 || strings.Contains(res.Body, `data-testid="access-next"`) || !strings.Contains(res.Body, "最新の履歴へ") {
		t.Fatalf("second page: %d lines", n)
	}
	handlertest.Scenario{Name: "junk before", Path: "/patient/access?before=%FF", WantStatus: 200}.Run(t, c)
}
