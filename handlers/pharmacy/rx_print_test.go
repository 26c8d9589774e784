package pharmacy_test

import (
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// The pharmacy prints the same 院外処方箋 the prescriber does, only for a
// prescription it looked up; HEAD makes no file and writes no audit line.
func TestPrescriptionPDF(t *testing.T) {
	w := newWorld(t, web.CertOff)
	rx := w.issue(t, "")
	c := w.LoginAs(t, w.MC.ID, handlertest.MemberPassword)
	path := "/pharmacy/rx/" + rx.ID + ".pdf"
	if res := c.Get(path); res.Status != 404 {
		t.Fatalf("before the lookup: %d", res.Status)
	}
	w.lookedUp(t, w.MC, rx)
	if res := c.Do("HEAD", path, nil, ""); res.Status != 200 || res.Body != "" || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("HEAD: %d %q", res.Status, res.Header.Get("Content-Type"))
	}
	ev, _ := w.DB.ListAudit(store.AuditFilter{Action: string(store.AuditRxPharmacyPrint), Limit: 5})
	if len(ev.Events) != 0 {
		t.Fatalf("HEAD audited %d", len(ev.Events))
	}
	res := c.Get(path)
	if res.Status != 200 || !strings.HasPrefix(res.Body, "%PDF") || !strings.Contains(res.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("GET: %d %q", res.Status, res.Header.Get("Content-Disposition"))
	}
	text := handlertest.CheckPDF(t, "rx.pdf", []byte(res.Body), []string{"処方箋", "山田", "ノルバスク"})
	if text != "" && !strings.Contains(strings.Join(strings.Fields(text), ""), rx.DisplayNumber()) {
		t.Errorf("the 照会番号 %s is not on the form", rx.DisplayNumber())
	}
	ev, _ = w.DB.ListAudit(store.AuditFilter{Action: string(store.AuditRxPharmacyPrint), Limit: 5})
	if len(ev.Events) != 1 || ev.Events[0].Patient != w.Patient.ID {
		t.Fatalf("print audited %+v", ev.Events)
	}
	d := w.LoginAs(t, w.MD.ID, handlertest.MemberPassword)
	if res := d.Get(path); res.Status != 404 {
		t.Errorf("another pharmacy: %d", res.Status)
	}
}
