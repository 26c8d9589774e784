package handlertest

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"hotline/store"
)

// Passwords of Region's members and facilities.
const (
	MemberPassword   = "member-Pass-2345"
	FacilityPassword = "facility-Pass-2345"
)

// Region is a server with three facilities, one member each: A, a clinic
// (あおば内科クリニック); B, a hospital (みなと総合病院); C, a pharmacy
// (さくら薬局).
type Region struct {
	*Env
	MA, MB, MC store.Member
	FA, FB, FC store.Facility
}

// NewRegion creates the three facilities and their members on env.
func NewRegion(t testing.TB, env *Env) *Region {
	t.Helper()
	r := &Region{Env: env}
	var err error
	r.MA, r.FA, err = env.DB.CreateTestMember(store.TestMemberSpec{Name: "医師 一郎", Password: MemberPassword, FacilityPassword: FacilityPassword, FacilityName: "あおば内科クリニック"})
	if err != nil {
		t.Fatal(err)
	}
	r.MB, r.FB, err = env.DB.CreateTestMember(store.TestMemberSpec{Name: "医師 二郎", Password: MemberPassword, FacilityPassword: FacilityPassword, FacilityName: "みなと総合病院", FacilityKind: store.FacilityHospital})
	if err != nil {
		t.Fatal(err)
	}
	r.MC, r.FC, err = env.DB.CreateTestMember(store.TestMemberSpec{Name: "薬剤師 三子", Password: MemberPassword, FacilityPassword: FacilityPassword, FacilityName: "さくら薬局", FacilityKind: store.FacilityPharmacy})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Unlocked logs m in and unlocks PRS for its facility.
func (r *Region) Unlocked(t testing.TB, m store.Member) *Client {
	t.Helper()
	c := r.LoginAs(t, m.ID, MemberPassword)
	res := c.Post("/prs/login", url.Values{"oid": {m.FacilityOID}, "password": {FacilityPassword}})
	if res.Status != http.StatusSeeOther || res.Location != "/prs" {
		t.Fatalf("unlock %s: %d %q\n%s", m.ID, res.Status, res.Location, Snippet(res.Body))
	}
	return c
}

// PatientLocation is where a registration sends the browser.
var PatientLocation = regexp.MustCompile(`^/prs/patients/(P[A-Z0-9]{12})$`)

// Register posts the registration form and returns the new patient's ID.
func Register(t testing.TB, c *Client, form url.Values) string {
	t.Helper()
	res := c.Post("/prs/patients", form)
	m := PatientLocation.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("register: %d %q\n%s", res.Status, res.Location, Snippet(res.Body))
	}
	return m[1]
}

// PatientValues is a valid registration form, with kv (name, value, …)
// changed.
func PatientValues(kv ...string) url.Values {
	v := url.Values{"name": {"山田 太郎"}, "name_kana": {"ヤマダ タロウ"}, "birth_date": {"1970-04-01"}, "sex": {"male"},
		"chart_number": {"1001"}, "insurer_number": {"01130012"}, "insured_symbol": {"12"}, "insured_number": {"345"},
		"insured_branch": {"01"}, "postal": {"100-0001"}, "address": {"東京都千代田区千代田1-1"}, "phone": {"03-1234-5678"},
		"allergies": {"ペニシリン"}, "notes": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// Link links the patient to the facility with verbal consent, as its
// registering facility's client c.
func Link(t testing.TB, c *Client, patientID, oid string) {
	t.Helper()
	res := c.Post("/prs/patients/"+patientID+"/links", url.Values{"facility_oid": {oid}, "consent": {"on"}, "consent_method": {"verbal"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("link %s to %s: %d\n%s", patientID, oid, res.Status, Snippet(res.Body))
	}
}
