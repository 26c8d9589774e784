package rx_test

import (
	"net/url"
	"regexp"
	"testing"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// newEnv starts the whole server (Web処方箋 is one of its domains).
func newEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	})
}

// rxWorld is the region (clinic A, hospital B, pharmacy C) with a nurse
// at A, the sample drug master, and a patient of A linked to B.
type rxWorld struct {
	*handlertest.Region
	Nurse   store.Member
	Patient string
	A, B    *handlertest.Client // the doctors, logged in
	N, C    *handlertest.Client // the nurse and the pharmacist
}

func newWorld(t testing.TB, env *handlertest.Env) *rxWorld {
	t.Helper()
	r := handlertest.NewRegion(t, env)
	if err := env.DB.ImportSampleDrugs(); err != nil {
		t.Fatal(err)
	}
	nurse, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "看護 花子", Password: handlertest.MemberPassword, FacilityOID: r.FA.OID, Qualification: store.QualNurse})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{r.FA.OID, r.FB.OID} {
		if err := env.DB.SetTestFacilityCode(f, "1310112345"); err != nil {
			t.Fatal(err)
		}
	}
	w := &rxWorld{Region: r, Nurse: nurse}
	prs := r.Unlocked(t, r.MA)
	w.Patient = handlertest.Register(t, prs, handlertest.PatientValues())
	handlertest.Link(t, prs, w.Patient, r.FB.OID)
	w.A = prs
	w.B = r.LoginAs(t, r.MB.ID, handlertest.MemberPassword)
	w.N = r.LoginAs(t, nurse.ID, handlertest.MemberPassword)
	w.C = r.LoginAs(t, r.MC.ID, handlertest.MemberPassword)
	return w
}

// rxValues is a valid composer form for the patient with kv changed.
func rxValues(patient string, kv ...string) url.Values {
	v := url.Values{"patient_id": {patient},
		"lines[0][drug_code]": {"1149019F1560"}, "lines[0][amount]": {"3"}, "lines[0][usage]": {"1日3回毎食後"}, "lines[0][days]": {"7"},
		"lines[1][drug_code]": {""}, "lines[1][amount]": {""}, "lines[1][usage]": {""}, "lines[1][days]": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "<none>" {
			v.Del(kv[i])
			continue
		}
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var rxLocation = regexp.MustCompile(`^/rx/(RX[0-9]{10})\?done=rx-issued$`)

// issue posts the form as c and returns the new prescription's ID.
func issue(t testing.TB, c *handlertest.Client, form url.Values) string {
	t.Helper()
	res := c.Post("/rx", form)
	m := rxLocation.FindStringSubmatch(res.Location)
	if res.Status != 303 || m == nil {
		t.Fatalf("issue: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	return m[1]
}
