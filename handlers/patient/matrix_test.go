package patient_test

import (
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// Role names of the patient page's matrix, besides the base cast.
const (
	asPatient      = "patient"       // the record's patient, logged in with the card
	asOtherPatient = "other-patient" // another patient of the same facility
)

// Every patient page route as every role, over TLS with certificates
// required (the production setting): the members (with their
// certificates) and the operator are sent to the patient login, and the
// patients (without one) reach their own records only.
func TestPatientAuthorizationMatrix(t *testing.T) {
	env := newEnv(t, web.CertRequired)
	base := env.Listen(t)
	w := handlertest.NewWorld(t, env)
	a := store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility, Remote: "192.0.2.1"}
	reg := func(name, kana string) store.Patient {
		p, err := env.DB.RegisterPatient(a, store.PatientForm{Name: name, NameKana: kana, BirthDate: "1960-01-01", Sex: "female"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, other := reg("行列 花子", "ギョウレツ ハナコ"), reg("別人 桜", "ベツジン サクラ")
	codes := map[string]string{}
	for _, pt := range []store.Patient{p, other} {
		c, err := env.DB.IssuePatientAccessCard(a, pt.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		codes[pt.ID] = c.Code
	}
	r, err := env.DB.CreateRecord(a, store.RecordForm{PatientID: p.ID, Kind: "summary", Title: "退院時サマリー", Body: "経過良好",
		RecordedOn: "2026-03-01", Files: []store.Upload{store.UploadBytes("画像.png", store.SamplePNG(10, 10, 3))}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.DiscloseRecord(a, r.ID, store.DiscloseToPatient, ""); err != nil {
		t.Fatal(err)
	}
	roles := append(w.Roles(t, env, base),
		env.PatientRole(t, base, asOtherPatient, other.ID, codes[other.ID]),
		env.PatientRole(t, base, asPatient, p.ID, codes[p.ID]))
	L := handlertest.Login
	// Members' session tokens mean nothing on the patient page, where
	// their session is not read: their posts fail the CSRF check (403).
	row := func(anon, pending, member, other, operator, otherPatient, patient int) handlertest.Row {
		return handlertest.Also(handlertest.Roles(anon, pending, member, other, operator),
			map[string]int{asOtherPatient: otherPatient, asPatient: patient})
	}
	m := handlertest.Matrix{
		"GET /patient":                            row(L, L, L, L, L, 200, 200),
		"GET /patient/access":                     row(L, L, L, L, L, 200, 200),
		"GET /patient/login":                      handlertest.To(row(200, 200, 200, 200, 200, 303, 303), "/patient"),
		"GET /patient/records/:id":                handlertest.With(row(L, L, L, L, L, 404, 200), "/patient/records/{record}"),
		"GET /patient/records/:id/attachments/:n": handlertest.With(row(L, L, L, L, L, 404, 200), "/patient/records/{record}/attachments/1"),
		"POST /patient/login":                     row(422, 403, 403, 403, 403, 422, 422),
		"POST /patient/logout":                    handlertest.To(row(L, 403, 403, 403, 403, 303, 303), "/patient/login?done=patient-logout"),
	}
	var routes []web.Route
	for _, rt := range srvRoutes(env) {
		if web.IsPatientPath(rt.Path) {
			routes = append(routes, rt)
		}
	}
	handlertest.RunMatrix(t, roles, routes, m, map[string]string{"record": r.ID})
}

func srvRoutes(env *handlertest.Env) []web.Route { return env.Server.Routes() }
