package dms_test

import (
	"net/http"
	"net/url"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestDMSAuthorizationMatrix runs every DMS route as every role over real
// TLS with client certificates required: anonymous, pending, the member of
// the writing facility, of a linked facility without a disclosure, of one
// with a standing disclosure, of one whose disclosure was revoked, of an
// unlinked facility, the operator, the patient and another patient (whose
// sessions reach nothing outside /patient/…).
func TestDMSAuthorizationMatrix(t *testing.T) {
	env := newEnv(t, web.CertRequired)
	base := env.Listen(t)
	db := env.DB
	env.EnsureOperator(t)
	const pw = "member-Pass-2345"
	mk := func(name, facility string) (store.Member, store.Facility) {
		m, f, err := db.CreateTestMember(store.TestMemberSpec{Name: name, Password: pw, FacilityName: facility})
		if err != nil {
			t.Fatal(err)
		}
		return m, f
	}
	writer, fw := mk("記録 一郎", "あおば内科クリニック")
	linked, fl := mk("連携 二郎", "みなと総合病院")
	disclosed, fd := mk("公開 三郎", "さくら病院")
	revoked, fr := mk("取消 四郎", "かえで医院")
	unlinked, fu := mk("無関係 五郎", "もみじ医院")
	pending := env.AddMember(t, "仮 六郎", pw)

	a := store.PRSActor{MemberID: writer.ID, FacilityOID: fw.OID}
	p, err := db.RegisterPatient(a, store.PatientForm{Name: "患者 花子", NameKana: "カンジャ ハナコ", BirthDate: "1970-04-01", Sex: "female"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.RegisterPatient(a, store.PatientForm{Name: "別人 次郎", NameKana: "ベツジン ジロウ", BirthDate: "1980-05-05", Sex: "male"})
	if err != nil {
		t.Fatal(err)
	}
	for _, oid := range []string{fl.OID, fd.OID, fr.OID} {
		if _, err := db.LinkPatient(a, p.ID, store.LinkForm{FacilityOID: oid, Consent: "on", ConsentMethod: "written"}); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := db.CreateRecord(a, store.RecordForm{PatientID: p.ID, Kind: "imaging", Title: "胸部X線", RecordedOn: "2026-03-01",
		Files: []store.Upload{store.UploadBytes("胸部.png", store.SamplePNG(16, 16, 1))}})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct {
		to  store.DisclosureTarget
		oid string
	}{{store.DiscloseToPatient, ""}, {store.DiscloseToFacility, fd.OID}, {store.DiscloseToFacility, fr.OID}} {
		if _, err := db.DiscloseRecord(a, rec.ID, d.to, d.oid); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.RevokeDisclosure(a, rec.ID, 3, "テスト"); err != nil {
		t.Fatal(err)
	}

	patientRole := func(name, id string) *handlertest.Role {
		r := &handlertest.Role{Name: name, Client: env.HTTPSClient(t, nil), Base: base}
		r.Login = func(t testing.TB, r *handlertest.Role) {
			token, _, err := db.NewSession(store.Session{Kind: store.SessionPatient, PatientID: id})
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(base)
			// The member cookie and the patient page's own: a patient
			// session in either reaches nothing of DMS.
			r.Client.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: token, Path: "/", Secure: true},
				{Name: "__Host-hotline-patient", Value: token, Path: "/", Secure: true}})
			// Neither cookie is a session outside /patient/… (a patient
			// session in the member's cookie is dropped), so the token is
			// an anonymous form's.
			r.CSRF = handlertest.CSRFOf(r.Do(t, http.MethodGet, "/login", nil, ""))
		}
		r.LogIn(t)
		return r
	}
	const (
		anon, pend, wr, ln, dis, rev, un, op, pat, pat2 = "anon", "pending", "writer", "linked", "disclosed", "revoked", "unlinked", "operator", "patient", "other-patient"
	)
	roles := []*handlertest.Role{
		env.Role(t, base, anon, "", "", nil),
		env.Role(t, base, pend, pending.ID, pw, nil),
		patientRole(pat, p.ID),
		patientRole(pat2, other.ID),
		env.Role(t, base, op, "admin", handlertest.OperatorPassword, handlertest.IssueCert(t, db, "admin")),
		env.Role(t, base, un, unlinked.ID, pw, handlertest.IssueCert(t, db, unlinked.ID)),
		env.Role(t, base, ln, linked.ID, pw, handlertest.IssueCert(t, db, linked.ID)),
		env.Role(t, base, rev, revoked.ID, pw, handlertest.IssueCert(t, db, revoked.ID)),
		env.Role(t, base, dis, disclosed.ID, pw, handlertest.IssueCert(t, db, disclosed.ID)),
		// Last: its changes come after everyone else's refusals.
		env.Role(t, base, wr, writer.ID, pw, handlertest.IssueCert(t, db, writer.ID)),
	}
	L := handlertest.Login
	// row: writer, linked, disclosed, revoked, unlinked; the rest are
	// refused by the guard.
	row := func(path string, w, l, d, r, u int) handlertest.Row {
		return handlertest.Row{Path: path, Want: map[string]int{anon: L, pend: 403, op: 403, pat: L, pat2: L,
			wr: w, ln: l, dis: d, rev: r, un: u}}
	}
	rp := "/dms/records/{record}"
	form := func(r handlertest.Row, kv ...string) handlertest.Row {
		r.Form = url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			r.Form.Set(kv[i], kv[i+1])
		}
		return r
	}
	m := handlertest.Matrix{
		"GET /dms":                            row("", 200, 200, 200, 200, 200),
		"GET /dms/records/new":                row("/dms/records/new?patient={patient}", 200, 200, 200, 200, 404),
		"POST /dms/records":                   form(row("", 422, 422, 422, 422, 404), "patient_id", "{patient}"),
		"GET /dms/records/:id":                row(rp, 200, 404, 200, 404, 404),
		"GET /dms/records/:id/versions/:v":    row(rp+"/versions/1", 200, 404, 200, 404, 404),
		"GET /dms/records/:id/attachments/:n": row(rp+"/attachments/1", 200, 404, 200, 404, 404),
		"GET /dms/records/:id/revise":         row(rp+"/revise", 200, 404, 403, 404, 404),
		// To a facility the patient is not linked to: 409.
		"POST /dms/records/:id/disclosures":           form(row(rp+"/disclosures", 409, 404, 403, 404, 404), "to", "facility", "facility_oid", "{unlinked}"),
		"POST /dms/records/:id/disclosures/:d/revoke": handlertest.To(row(rp+"/disclosures/1/revoke", 303, 404, 403, 404, 404), rp+"?done=dms-revoked"),
		"POST /dms/records/:id/revise":                row(rp+"/revise", 422, 404, 403, 404, 404),
		"POST /dms/records/:id/withdraw":              row(rp+"/withdraw", 422, 404, 403, 404, 404),
	}
	fixtures := map[string]string{"patient": p.ID, "record": rec.ID, "unlinked": fu.OID}
	handlertest.RunMatrix(t, roles, dmsRoutes(env), m, fixtures)
}
