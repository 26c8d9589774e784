package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"hotline/handlers"
	"hotline/handlers/web"
	"hotline/store"
)

// TestServeRefusesBadCertValidity: a client certificate lifetime below an
// hour or beyond the CA's is refused before anything starts.
func TestServeRefusesBadCertValidity(t *testing.T) {
	for _, v := range []string{"30m", "-1h", "0s", "100000h"} {
		db := filepath.Join(t.TempDir(), "h.db")
		err := run([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--http-addr", "", "--cert-validity", v}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--cert-validity") {
			t.Errorf("--cert-validity %s: %v", v, err)
		}
	}
}

// TestServerCertificateRenewedWhileServing: the running server's
// per-handshake certificate source hands out the renewed certificate once
// the current one is due, without a restart, and stores it.
func TestServerCertificateRenewedWhileServing(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "h.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mu sync.Mutex
	now := time.Now().UTC()
	db.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	clientCA, err := db.ClientCA()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(clientCA.Cert)
	var logs lockedBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	getCert, err := serverCertificates(db, serveConfig{hostnames: listFlag{"hotline.example.jp"}}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := handlers.New(handlers.Config{DB: db, CertMode: web.CertRequired, ClientCAs: pool, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.App().Listener(tls.NewListener(ln, srv.TLSConfig(getCert)))
	defer srv.Shutdown(5 * time.Second)

	// served is the leaf of a new connection, checked against /ca.crt at
	// the database clock.
	served := func() *x509.Certificate {
		t.Helper()
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true, ServerName: "hotline.example.jp"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		leaf := conn.ConnectionState().PeerCertificates[0]
		caPEM, _ := db.ServerCAPEM()
		roots := x509.NewCertPool()
		roots.AppendCertsFromPEM(caPEM)
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "hotline.example.jp", CurrentTime: db.Now()}); err != nil {
			t.Fatalf("served certificate at %v: %v", db.Now(), err)
		}
		return leaf
	}
	first := served()
	if again := served(); again.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Fatal("a new certificate for every handshake")
	}

	mu.Lock()
	now = now.Add(61 * 24 * time.Hour)
	mu.Unlock()
	renewed := served()
	if renewed.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Fatal("the due certificate is still served")
	}
	if again := served(); again.SerialNumber.Cmp(renewed.SerialNumber) != 0 {
		t.Fatal("renewed again at the next handshake")
	}
	stored, err := db.ServerCertificate([]string{"hotline.example.jp"})
	if err != nil || stored.Leaf.SerialNumber.Cmp(renewed.SerialNumber) != 0 {
		t.Fatalf("the renewed certificate is not the stored one: %v", err)
	}
	if !strings.Contains(logs.String(), "server certificate renewed") {
		t.Errorf("no log line: %s", logs.String())
	}
}

// TestServeWarnsWhenClientCertificatesOff: a server started with
// --client-cert off says so in its log, as a warning; one that checks
// certificates does not.
func TestServeWarnsWhenClientCertificatesOff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	bin := buildBinary(t)
	warning := regexp.MustCompile(`(?m)^.*level=WARN.*client certificates are OFF.*$`)
	for _, tc := range []struct {
		mode string
		warn bool
	}{{"off", true}, {"optional", false}, {"required", false}} {
		s := opsStart(t, bin, filepath.Join(t.TempDir(), "h.db"), true, "--client-cert", tc.mode)
		s.stop(t)
		out := s.out.String()
		if got := warning.MatchString(out); got != tc.warn {
			t.Errorf("--client-cert %s: warning logged %v, want %v:\n%s", tc.mode, got, tc.warn, out)
		}
		if !strings.Contains(out, "client certificates "+tc.mode) {
			t.Errorf("--client-cert %s: the start line does not name the mode:\n%s", tc.mode, out)
		}
	}
}
