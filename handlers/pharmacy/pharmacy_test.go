package pharmacy_test

import (
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// The pharmacy's handler tests stand beside each screen's file; this one
// holds the authorization matrix over every pharmacy route.

// Roles beyond the base cast.
const (
	pharmacist = "pharmacy"       // a member of the pharmacy that looked the prescription up
	otherPh    = "other-pharmacy" // a member of a pharmacy that did not
)

// row is one route's answers: anonymous, pending, the clinic's member, a
// member of another clinic, the operator, the other pharmacy, the pharmacy.
func row(path string, pending, clinic, other, op, otherPharmacy, pharmacy int) handlertest.Row {
	r := handlertest.Also(handlertest.Roles(handlertest.Login, pending, clinic, other, op), map[string]int{otherPh: otherPharmacy, pharmacist: pharmacy})
	r.Path = path
	return r
}

// TestPharmacyAuthorizationMatrix runs every pharmacy route as each kind
// of visitor over TLS with client certificates required: anonymous,
// password-only, a member of the prescribing clinic, a member of another
// clinic, the operator (all 403 but the anonymous), a pharmacy that never
// looked the prescription up (404) and the one that did.
func TestPharmacyAuthorizationMatrix(t *testing.T) {
	env := newEnv(t, web.CertRequired)
	base := env.Listen(t)
	w := handlertest.NewWorld(t, env)
	if err := env.DB.ImportSampleDrugs(); err != nil {
		t.Fatal(err)
	}
	p, err := env.DB.RegisterPatient(store.PRSActor{MemberID: w.Member.ID, FacilityOID: w.Facility}, store.PatientForm{
		Name: "行列 太郎", NameKana: "ギョウレツ タロウ", BirthDate: "1970-04-01", Sex: "male", Phone: "03-1234-5678", Address: "東京都千代田区1-1", Postal: "100-0001"})
	if err != nil {
		t.Fatalf("register: %v %v", err, store.ErrorFields(err))
	}
	setFacilityCode(t, env.DB, w.Facility)
	issue := func() store.Prescription {
		rx, err := env.DB.IssuePrescription(store.RxActor{MemberID: w.Member.ID}, store.RxForm{PatientID: p.ID,
			Lines: []store.RxLineForm{{DrugCode: "2171022F5032", Amount: "1", Usage: "1日1回朝食後", Days: "28"}}})
		if err != nil {
			t.Fatalf("issue: %v %v", err, store.ErrorFields(err))
		}
		return rx
	}
	rx, rx2 := issue(), issue()
	pharmacyMember := func(name string) store.Member {
		m, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: name, Password: "pharmacy-Pass-2345", FacilityKind: store.FacilityPharmacy, FacilityName: name + "薬局"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ph, oph := pharmacyMember("調剤 一子"), pharmacyMember("調剤 二子")
	a, _, err := env.DB.PharmacyMember(ph.ID, "192.0.2.40")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.LookupPrescription(a, rx.Number, "1970-04-01"); err != nil {
		t.Fatal(err)
	}
	roles := w.Roles(t, env, base)
	roles = append(roles,
		env.Role(t, base, otherPh, oph.ID, "pharmacy-Pass-2345", handlertest.IssueCert(t, env.DB, oph.ID)),
		env.Role(t, base, pharmacist, ph.ID, "pharmacy-Pass-2345", handlertest.IssueCert(t, env.DB, ph.ID)))
	today := store.JapanDate(env.DB.Now()).Format("2006-01-02")
	m := handlertest.Matrix{
		"GET /pharmacy":        row("", 403, 403, 403, 403, 200, 200),
		"GET /pharmacy/lookup": row("", 403, 403, 403, 403, 200, 200),
		// Both pharmacies find the second prescription (and so may open it).
		"POST /pharmacy/lookup":    handlertest.To(row("", 403, 403, 403, 403, 303, 303), "/pharmacy/rx/{rx2}"),
		"GET /pharmacy/rx/:id":     row("/pharmacy/rx/{rx}", 403, 403, 403, 403, 404, 200),
		"GET /pharmacy/rx/:id.pdf": row("/pharmacy/rx/{rx}.pdf", 403, 403, 403, 403, 404, 200),
		"POST /pharmacy/rx/:id/dispense": handlertest.To(row("/pharmacy/rx/{rx}/dispense", 403, 403, 403, 403, 404, 303),
			"/pharmacy/rx/{rx}?done=dispensed"),
	}
	lookup := m["POST /pharmacy/lookup"]
	lookup.Form = url.Values{"number": {rx2.DisplayNumber()}, "birth_date": {"昭和45年4月1日"}}
	m["POST /pharmacy/lookup"] = lookup
	dispense := m["POST /pharmacy/rx/:id/dispense"]
	dispense.Form = url.Values{"dispensed_on": {today}, "note": {"行列試験"}}
	m["POST /pharmacy/rx/:id/dispense"] = dispense
	routes := pharmacyRoutes(env)
	if len(routes) != len(m) {
		t.Fatalf("%d pharmacy routes mounted, %d rows", len(routes), len(m))
	}
	handlertest.RunMatrix(t, roles, routes, m, map[string]string{"rx": rx.ID, "rx2": rx2.ID})
	got, err := env.DB.PrescriptionByNumber(rx.Number)
	if err != nil || len(got.Dispensings) != 1 || got.Dispensings[0].PharmacistID != ph.ID {
		t.Fatalf("after the matrix: %+v %v", got.Dispensings, err)
	}
}

// pharmacyRoutes are the server's routes under /pharmacy: the package's
// route table as mounted.
func pharmacyRoutes(env *handlertest.Env) []web.Route {
	var out []web.Route
	for _, r := range env.Server.Routes() {
		if r.Path == "/pharmacy" || strings.HasPrefix(r.Path, "/pharmacy/") {
			out = append(out, r)
		}
	}
	return out
}
