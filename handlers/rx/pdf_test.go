package rx_test

import (
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestPrescriptionPDF prints an issued prescription: the 照会番号 on one
// line of pdftotext, and, once cancelled, 取消 on the reprint.
func TestPrescriptionPDF(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	id := issue(t, w.A, rxValues(w.Patient, "lines[1][drug_code]", "2329021F1102", "lines[1][amount]", "3", "lines[1][usage]", "1日3回毎食後", "lines[1][days]", "7", "lines[1][generic]", "1", "refill", "2"))
	p, _ := w.DB.Prescription(store.RxActor{MemberID: w.MA.ID}, id)
	res := w.A.Get("/rx/" + id + ".pdf")
	if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %s\n%s", res.Status, res.Header.Get("Content-Type"), handlertest.Snippet(res.Body))
	}
	text := handlertest.PDFText(t, []byte(res.Body))
	found := false
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "照会番号"); i >= 0 && strings.Contains(line[i:], p.DisplayNumber()) {
			found = true
		}
	}
	if !found {
		t.Errorf("照会番号 %s not on the 照会番号 line:\n%s", p.DisplayNumber(), text)
	}
	for _, want := range []string{"ロキソニン錠６０ｍｇ", "【般】レバミピド錠１００ｍｇ", "山田", "あおば内科クリニック"} {
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(want, " ", "")) {
			t.Errorf("PDF lacks %q", want)
		}
	}
	if res := w.A.Post("/rx/"+id+"/cancel", map[string][]string{"reason": {"誤り"}}); res.Status != 303 {
		t.Fatalf("cancel: %d", res.Status)
	}
	res = w.A.Get("/rx/" + id + ".pdf")
	if text := handlertest.PDFText(t, []byte(res.Body)); res.Status != 200 || !strings.Contains(text, "取消") {
		t.Errorf("reprint after cancel: %d\n%s", res.Status, text)
	}
	w.DB.FlushAudit()
	page, _ := w.DB.ListAudit(store.AuditFilter{Action: string(store.AuditRxPrint), Limit: 10})
	if len(page.Events) != 2 {
		t.Errorf("%d print audit lines, want 2", len(page.Events))
	}
}

// TestPrescriptionPDFHead: HEAD of the form answers GET's headers without
// a body, without rendering it and without an audit line.
func TestPrescriptionPDFHead(t *testing.T) {
	w := newWorld(t, newEnv(t, web.CertOff))
	id := issue(t, w.A, rxValues(w.Patient))
	prints := func() int {
		w.DB.FlushAudit()
		page, _ := w.DB.ListAudit(store.AuditFilter{Action: string(store.AuditRxPrint), Limit: 10})
		return len(page.Events)
	}
	head := w.A.Do("HEAD", "/rx/"+id+".pdf", nil, "")
	if head.Status != 200 || head.Body != "" || head.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(head.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("HEAD: %d %v %d bytes", head.Status, head.Header, len(head.Body))
	}
	if n := prints(); n != 0 {
		t.Fatalf("HEAD wrote %d print audit lines", n)
	}
	get := w.A.Get("/rx/" + id + ".pdf")
	if get.Status != 200 || get.Header.Get("Content-Disposition") != head.Header.Get("Content-Disposition") || !strings.HasPrefix(get.Body, "%PDF") {
		t.Fatalf("GET: %d %q", get.Status, get.Header.Get("Content-Disposition"))
	}
	if n := prints(); n != 1 {
		t.Fatalf("GET wrote %d print audit lines", n)
	}
}
