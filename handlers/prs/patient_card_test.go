package prs_test

import (
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

func TestPatientAccessCardPDF(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	id := handlertest.Register(t, c, handlertest.PatientValues())
	if res := c.Get("/prs/patients/" + id); !strings.Contains(res.Body, `hx-boost="false"`) || !strings.Contains(res.Body, "未発行") {
		t.Fatal("card form must not be boosted")
	}
	codes := make([]string, 0, 2)
	for i := 0; i < 2; i++ {
		res := c.Post("/prs/patients/"+id+"/card", nil)
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") {
			t.Fatalf("card: %d %q\n%s", res.Status, res.Header.Get("Content-Type"), handlertest.Snippet(res.Body))
		}
		if !strings.Contains(res.Header.Get("Content-Disposition"), "access-card-"+id+".pdf") {
			t.Errorf("disposition %q", res.Header.Get("Content-Disposition"))
		}
		text := handlertest.PDFText(t, []byte(res.Body))
		if !strings.Contains(text, store.FormatPatientID(id)) {
			t.Fatalf("card lacks the patient ID:\n%s", text)
		}
		code := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`).FindString(strings.ReplaceAll(text, store.FormatPatientID(id), ""))
		if code == "" {
			t.Fatalf("no access code on the card:\n%s", text)
		}
		codes = append(codes, code)
	}
	if codes[0] == codes[1] {
		t.Fatal("same code twice")
	}
	if _, err := pe.DB.VerifyPatientAccess(id, codes[0]); store.ErrorCode(err) != store.EUNAUTHORIZED {
		t.Fatalf("first card still works: %v", err)
	}
	if p, err := pe.DB.VerifyPatientAccess(id, codes[1]); err != nil || p.ID != id {
		t.Fatalf("second card: %v", err)
	}
	if res := c.Get("/prs/patients/" + id); !strings.Contains(res.Body, "2回発行") {
		t.Error("card count not shown")
	}
}
