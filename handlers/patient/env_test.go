package patient_test

import (
	"net/http"
	"net/url"
	"testing"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// newEnv starts the whole server (the patient page is one of its domains)
// on a new file.
func newEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	})
}

// world is a region with two patients of facility A, each with a card:
// Patient has a record disclosed to them with two attachments (an image
// and a PDF), one not disclosed, one whose disclosure was revoked and one
// withdrawn; Other has a record disclosed to them.
type world struct {
	*handlertest.Region
	A, B                 store.PRSActor
	Patient, Other       store.Patient
	Code, OtherCode      string
	Shown, Hidden        string // record IDs of Patient
	Revoked, Withdrawn   string
	OthersRecord         string
	ImageName, PDFName   string
	ImageBytes, PDFBytes []byte
}

func newWorld(t testing.TB, env *handlertest.Env) *world {
	t.Helper()
	w := &world{Region: handlertest.NewRegion(t, env)}
	w.A = store.PRSActor{MemberID: w.MA.ID, FacilityOID: w.FA.OID, Remote: "192.0.2.10"}
	w.B = store.PRSActor{MemberID: w.MB.ID, FacilityOID: w.FB.OID, Remote: "192.0.2.11"}
	reg := func(name, kana string) store.Patient {
		p, err := env.DB.RegisterPatient(w.A, store.PatientForm{Name: name, NameKana: kana, BirthDate: "1970-04-01", Sex: "male"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	w.Patient, w.Other = reg("山田 太郎", "ヤマダ タロウ"), reg("佐藤 花子", "サトウ ハナコ")
	if _, err := env.DB.LinkPatient(w.A, w.Patient.ID, store.LinkForm{FacilityOID: w.FB.OID, Consent: "on", ConsentMethod: "verbal"}); err != nil {
		t.Fatal(err)
	}
	w.Code, w.OtherCode = w.card(t, w.Patient.ID), w.card(t, w.Other.ID)
	w.ImageName, w.PDFName = "胸部X線 \"正面\".png", "検査結果.pdf"
	w.ImageBytes, w.PDFBytes = store.SamplePNG(40, 30, 1), store.SamplePDF(3000, 2)
	w.Shown = w.record(t, w.Patient.ID, "血液検査の結果", true, store.UploadBytes(w.ImageName, w.ImageBytes), store.UploadBytes(w.PDFName, w.PDFBytes))
	w.Hidden = w.record(t, w.Patient.ID, "院内メモ", false)
	w.Revoked = w.record(t, w.Patient.ID, "取り消した記録", true)
	if _, err := env.DB.RevokeDisclosure(w.A, w.Revoked, 1, "誤り"); err != nil {
		t.Fatal(err)
	}
	w.Withdrawn = w.record(t, w.Patient.ID, "取り下げた記録", true)
	if _, err := env.DB.WithdrawRecord(w.A, w.Withdrawn, "誤記"); err != nil {
		t.Fatal(err)
	}
	w.OthersRecord = w.record(t, w.Other.ID, "佐藤様の記録", true)
	return w
}

func (w *world) card(t testing.TB, id string) string {
	t.Helper()
	c, err := w.DB.IssuePatientAccessCard(w.A, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}

func (w *world) record(t testing.TB, patientID, title string, disclose bool, files ...store.Upload) string {
	t.Helper()
	r, err := w.DB.CreateRecord(w.A, store.RecordForm{PatientID: patientID, Kind: "lab", Title: title,
		Body: "所見：\n特記すべき異常なし", RecordedOn: "2026-03-15", Files: files})
	if err != nil {
		t.Fatalf("record %s: %v %v", title, err, store.ErrorFields(err))
	}
	if disclose {
		if _, err := w.DB.DiscloseRecord(w.A, r.ID, store.DiscloseToPatient, ""); err != nil {
			t.Fatal(err)
		}
	}
	return r.ID
}

// loginPatient logs a patient in on app.Test with the ID as typed.
func loginPatient(t testing.TB, env *handlertest.Env, typedID, code string) *handlertest.Client {
	t.Helper()
	c := env.Client()
	c.Get("/patient/login")
	res := c.Post("/patient/login", url.Values{"patient_id": {typedID}, "access_code": {code}})
	if res.Status != http.StatusSeeOther || res.Location != "/patient" {
		t.Fatalf("patient login %s: %d %q\n%s", typedID, res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	c.Get("/patient")
	return c
}
