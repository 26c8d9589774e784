package dms_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// newEnv starts the whole server (DMS is one of its domains) on a new file.
func newEnv(t testing.TB, mode web.CertMode) *handlertest.Env {
	t.Helper()
	return handlertest.New(t, mode, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	})
}

// dmsRoutes are the server's DMS routes.
func dmsRoutes(env *handlertest.Env) []web.Route {
	var out []web.Route
	for _, r := range env.Server.Routes() {
		if r.Path == "/dms" || strings.HasPrefix(r.Path, "/dms/") {
			out = append(out, r)
		}
	}
	return out
}

// world is a region (A writes, B is linked to the patient, C is not)
// with A's patient and a record about them with one image.
type world struct {
	*handlertest.Region
	A, B, C  *handlertest.Client
	Patient  string
	Record   string
	ImagePNG []byte
}

func newWorld(t testing.TB) *world {
	t.Helper()
	r := handlertest.NewRegion(t, newEnv(t, web.CertOff))
	w := &world{Region: r}
	w.A = r.Unlocked(t, r.MA)
	w.B = r.LoginAs(t, r.MB.ID, handlertest.MemberPassword)
	w.C = r.LoginAs(t, r.MC.ID, handlertest.MemberPassword)
	w.Patient = handlertest.Register(t, w.A, handlertest.PatientValues())
	handlertest.Link(t, w.A, w.Patient, r.FB.OID)
	w.ImagePNG = store.SamplePNG(64, 48, 7)
	w.Record = w.create(t, w.A, recordValues(w.Patient), handlertest.File{Field: "attachment", Name: "胸部.png", Data: w.ImagePNG})
	return w
}

// recordValues is a valid record form, with kv (name, value, …) changed.
func recordValues(patient string, kv ...string) url.Values {
	v := url.Values{"patient_id": {patient}, "kind": {"imaging"}, "title": {"胸部X線"}, "body": {"所見：異常なし\n経過観察"}, "recorded_on": {"2026-03-01"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

var recordLocation = regexp.MustCompile(`^/dms/records/(R[0-9]{6,})\?done=dms-created$`)

// create posts the record form and returns the new record's ID.
func (w *world) create(t testing.TB, c *handlertest.Client, form url.Values, files ...handlertest.File) string {
	t.Helper()
	res := c.PostMultipart("/dms/records", form, files...)
	m := recordLocation.FindStringSubmatch(res.Location)
	if res.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("create record: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	return m[1]
}

func (w *world) disclose(t testing.TB, to, oid string) {
	t.Helper()
	res := w.A.Post("/dms/records/"+w.Record+"/disclosures", url.Values{"to": {to}, "facility_oid": {oid}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("disclose to %s %s: %d\n%s", to, oid, res.Status, handlertest.Snippet(res.Body))
	}
}
