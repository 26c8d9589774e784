package patient_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// Server time of the patient page, in process (no TLS, no network):
//
//	go test ./handlers/patient -run '^$' -bench . -benchtime 200x -benchmem
//
// BenchmarkPatientLogin is one login with the card's pair: the throttle
// check, one Argon2id verification (the cost a guess must pay) and a new
// session written to the file. BenchmarkPatientPage is GET /patient with
// 20 disclosed records, its audit line committed before the answer;
// BenchmarkPatientAccess is 閲覧履歴 over 500 views, its first page of 50.

func benchWorld(b *testing.B) (*handlertest.Env, *world) {
	env := newEnv(b, web.CertOff)
	w := newWorld(b, env)
	for i := 0; i < 17; i++ {
		w.record(b, w.Patient.ID, "検査結果 "+strconv.Itoa(i), true)
	}
	return env, w
}

func request(ctx *fasthttp.RequestCtx, method, uri, cookie string, body []byte) {
	ctx.Request.Reset()
	ctx.Response.Reset()
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(uri)
	ctx.Request.Header.SetHost("localhost")
	if cookie != "" {
		ctx.Request.Header.SetCookie(web.PatientSessionCookie, cookie)
	}
	if body != nil {
		ctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
		ctx.Request.SetBody(body)
	}
}

func BenchmarkPatientLogin(b *testing.B) {
	env, w := benchWorld(b)
	c := env.Client()
	c.Get("/patient/login")
	body := []byte(url.Values{"patient_id": {store.FormatPatientID(w.Patient.ID)}, "access_code": {w.Code}, "_csrf": {c.CSRF}}.Encode())
	h := env.App().Handler()
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		request(&ctx, "POST", "/patient/login", "", body)
		h(&ctx)
		if ctx.Response.StatusCode() != 303 {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
}

func benchPage(b *testing.B, path string, views int) {
	env, w := benchWorld(b)
	for i := 0; i < views; i++ {
		if _, err := env.DB.ViewRecord(w.A, w.Shown, 0); err != nil {
			b.Fatal(err)
		}
	}
	c := loginPatient(b, env, w.Patient.ID, w.Code)
	cookie := c.Cookies[web.PatientSessionCookie]
	h := env.App().Handler()
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		request(&ctx, "GET", path, cookie, nil)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
}

func BenchmarkPatientPage(b *testing.B)   { benchPage(b, "/patient", 0) }
func BenchmarkPatientAccess(b *testing.B) { benchPage(b, "/patient/access", 500) }

func BenchmarkPatientRecord(b *testing.B) {
	env, w := benchWorld(b)
	c := loginPatient(b, env, w.Patient.ID, w.Code)
	cookie := c.Cookies[web.PatientSessionCookie]
	h := env.App().Handler()
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		request(&ctx, "GET", "/patient/records/"+w.Shown, cookie, nil)
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
}
