package handlers

import (
	"hotline/handlers/web"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkPortalTop is the server-side cost of the portal top page without
// the network: middleware, rendering and logging (to a discarded writer).
func BenchmarkPortalTop(b *testing.B) {
	env := newTestEnv(b, web.CertRequired)
	h := env.App().Handler()
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI("/")
		ctx.Request.Header.SetHost("localhost")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
}
