package patient_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
)

// FuzzPatientLogin sends arbitrary bodies to the patient page's login:
// never a 5xx; a 303 only to the patient page and only for the card's
// pair; anything else (401 wrong pair, 422 empty, 429 throttled, 413)
// changes no data.
func FuzzPatientLogin(f *testing.F) {
	env := newEnv(f, web.CertOff)
	w := newWorld(f, env)
	c := env.Client()
	c.Get("/patient/login")
	good := url.Values{"patient_id": {w.Patient.ID}, "access_code": {w.Code}}
	f.Add(uint8(0), []byte(good.Encode()))
	f.Add(uint8(0), []byte(url.Values{"patient_id": {strings.ToLower(w.Patient.ID)}, "access_code": {w.Code}, "next": {"/patient/access"}}.Encode()))
	f.Add(uint8(0), []byte("patient_id=%EF%BC%B0&access_code="))
	f.Add(uint8(0), []byte("patient_id=\xff\xfe&access_code=%00%0d%0a"))
	f.Add(uint8(0), []byte("patient_id="+strings.Repeat("P", 5000)+"&access_code="+strings.Repeat("%E3%81%82", 3000)))
	f.Add(uint8(0), []byte("patient_id[]=1&patient_id=2&access_code=&next=//evil.example"))
	f.Add(uint8(1), []byte("--b\r\nContent-Disposition: form-data; name=\"patient_id\"\r\n\r\n"+w.Patient.ID+"\r\n--b--\r\n"))
	f.Add(uint8(2), []byte(`{"patient_id":"`+w.Patient.ID+`","access_code":"`+w.Code+`"}`))
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		before := handlertest.DataDigest(t, env.DB)
		status, location, ok := handlertest.FuzzPost(env, c, "/patient/login", ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303:
			if !strings.HasPrefix(location, "/patient") || !strings.Contains(strings.ToUpper(string(body)), w.Code[:4]) {
				t.Fatalf("303 to %q for %q", location, body)
			}
		case status != 401 && status != 422 && status != 429 && status != 413:
			t.Fatalf("status %d for %q", status, body)
		default:
			if after := handlertest.DataDigest(t, env.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		}
	})
}
