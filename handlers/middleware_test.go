package handlers

import (
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestPanicAnswersTheErrorPage: a handler that panics gets the Japanese
// 500 page (for a full page and for htmx alike), the panic and its stack go
// to the log, and the server goes on serving.
func TestPanicAnswersTheErrorPage(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	var logs handlertest.SyncBuffer
	srvOf(env).log = slog.New(slog.NewTextHandler(&logs, nil))
	env.App().Get("/test/panic", func(*fiber.Ctx) error { panic("secret-panic-value") })

	c := env.Client()
	for _, hx := range []bool{false, true} {
		if hx {
			c.Headers["HX-Request"] = "true"
		}
		res := (handlertest.Scenario{Name: "panic", Path: "/test/panic", WantStatus: 500,
			WantContains: []string{"システムエラー", "問題が続く場合は、問合せフォームからご連絡ください。"},
			WantAbsent:   []string{"secret-panic-value", "goroutine", ".go:"}}).Run(t, c)
		if ct := res.Header.Get("Content-Type"); ct != fiber.MIMETextHTMLCharsetUTF8 || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("500 page headers: %q %q", ct, res.Header.Get("Cache-Control"))
		}
	}
	log := logs.String()
	for _, want := range []string{`level=ERROR msg=panic path=/test/panic panic=secret-panic-value stack="goroutine`,
		"middleware_test.go", `level=ERROR msg=request method=GET path=/test/panic status=500`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	delete(c.Headers, "HX-Request")
	if res := c.Get("/"); res.Status != http.StatusOK {
		t.Fatalf("after the panic: %d", res.Status)
	}
}
