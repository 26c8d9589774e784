package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestHTTPSRedirect: plain HTTP only redirects to HTTPS on the HTTPS port,
// under bounded timeouts.
func TestHTTPSRedirect(t *testing.T) {
	srv := httpsRedirect(":8080", ":8443")
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 || d > time.Minute {
			t.Errorf("%s = %v, want between 0 and a minute", name, d)
		}
	}
	for _, tc := range []struct{ host, target, want string }{
		{"hotline.example.jp:8080", "/guide?x=1", "https://hotline.example.jp:8443/guide?x=1"},
		{"localhost", "/", "https://localhost:8443/"},
		{"evil.example/@x", "/", "https://localhost:8443/"},
		{"", "/login", "https://localhost:8443/login"},
	} {
		req := httptest.NewRequest(http.MethodGet, tc.target, nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != tc.want {
			t.Errorf("%q %s: %d %q, want %q", tc.host, tc.target, rec.Code, rec.Header().Get("Location"), tc.want)
		}
	}
	// On the standard port the URL names none.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Host = "hotline.example.jp"
	httpsRedirect(":80", ":443").Handler.ServeHTTP(rec, req)
	if rec.Header().Get("Location") != "https://hotline.example.jp/x" {
		t.Errorf("port 443: %q", rec.Header().Get("Location"))
	}
}

// TestPortalURL: the portal address printed on letters follows --hostname
// and the port of --addr, without the port for 443.
func TestPortalURL(t *testing.T) {
	for _, tc := range []struct {
		hosts []string
		addr  string
		want  string
	}{
		{nil, ":8443", "https://localhost:8443/"},
		{nil, "127.0.0.1:28443", "https://localhost:28443/"},
		{[]string{"hotline.example.jp", "alt.example.jp"}, ":443", "https://hotline.example.jp/"},
		{[]string{"hotline.example.jp"}, "0.0.0.0:8443", "https://hotline.example.jp:8443/"},
		{[]string{"::1"}, ":443", "https://[::1]/"},
	} {
		if got := portalURL(tc.hosts, tc.addr); got != tc.want {
			t.Errorf("portalURL(%v, %q) = %q, want %q", tc.hosts, tc.addr, got, tc.want)
		}
	}
}
