package referral_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// newEnv starts the whole server (地域連携 is one of its domains).
func newEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	})
}

// region is the three facilities of handlertest.Region (A a clinic, B a
// hospital, C a pharmacy) with a patient of A linked to B, and logged-in
// clients of each member (A with PRS unlocked).
type region struct {
	*handlertest.Region
	a, b, c *handlertest.Client
	patient string
}

func newRegion(t testing.TB) *region {
	t.Helper()
	r := &region{Region: handlertest.NewRegion(t, newEnv(t, web.CertOff))}
	r.a = r.Unlocked(t, r.MA)
	r.patient = handlertest.Register(t, r.a, handlertest.PatientValues())
	handlertest.Link(t, r.a, r.patient, r.FB.OID)
	r.b = r.LoginAs(t, r.MB.ID, handlertest.MemberPassword)
	r.c = r.LoginAs(t, r.MC.ID, handlertest.MemberPassword)
	return r
}

// letterValues is a valid compose form to facility B, kv changed.
func (r *region) letterValues(kv ...string) url.Values {
	v := url.Values{"to_facility": {r.FB.OID}, "patient_id": {r.patient}, "to_department": {"循環器内科"}, "to_doctor": {"港 医師"},
		"diagnosis": {"高血圧症"}, "purpose": {"精査加療のお願い"}, "history": {"父：脳梗塞"}, "course": {"一行目\n二行目"},
		"treatment": {"降圧薬"}, "medication": {"アムロジピン 5mg 1日1回"}, "remarks": {""}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var letterLocation = regexp.MustCompile(`^/referrals/(L[0-9]{6})\?done=referral-(sent|draft)$`)

// send posts the compose form as A and returns the letter's ID.
func (r *region) send(t testing.TB, form url.Values) string {
	t.Helper()
	res := r.a.Post("/referrals/new", form)
	m := letterLocation.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("send: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	return m[1]
}

func (r *region) actorA() store.ReferralActor {
	return store.ReferralActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}
}
