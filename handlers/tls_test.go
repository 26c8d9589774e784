package handlers

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"hotline/handlers/web"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestProductionTLS drives the HTTPS listener's configuration (the one main
// serves with) over a real connection.
func TestProductionTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	addr := strings.TrimPrefix(env.Listen(t), "https://")
	clientCA, err := env.DB.ClientCA()
	if err != nil {
		t.Fatal(err)
	}
	dial := func(cfg *tls.Config) (tls.ConnectionState, [][]byte, error) {
		var acceptable [][]byte
		cfg.InsecureSkipVerify = true // the chain is verified below against /ca.crt
		cfg.GetClientCertificate = func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
			acceptable = cri.AcceptableCAs
			return &tls.Certificate{}, nil
		}
		conn, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			return tls.ConnectionState{}, nil, err
		}
		defer conn.Close()
		return conn.ConnectionState(), acceptable, nil
	}

	for _, tc := range []struct {
		name string
		cfg  *tls.Config
	}{
		{"TLS 1.1", &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}},
		{"TLS 1.2 with CBC suites", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA}}},
	} {
		if st, _, err := dial(tc.cfg); err == nil {
			t.Errorf("%s: handshake succeeded (version %x, suite %s)", tc.name, st.Version, tls.CipherSuiteName(st.CipherSuite))
		}
	}

	// TLS 1.2 with an AEAD suite still works (older clients).
	st, acceptable, err := dial(&tls.Config{MaxVersion: tls.VersionTLS12})
	if err != nil || st.Version != tls.VersionTLS12 || !strings.Contains(tls.CipherSuiteName(st.CipherSuite), "GCM") {
		t.Fatalf("TLS 1.2: %v, suite %s", err, tls.CipherSuiteName(st.CipherSuite))
	}
	if len(acceptable) != 1 || !bytes.Equal(acceptable[0], clientCA.Cert.RawSubject) {
		t.Errorf("TLS 1.2 certificate request names %d CAs, want the client CA", len(acceptable))
	}

	// A client with default settings gets TLS 1.3 and HTTP/1.1, and the
	// certificate request names exactly the client CA.
	st, acceptable, err = dial(&tls.Config{NextProtos: []string{"h2", "http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != tls.VersionTLS13 || st.NegotiatedProtocol != "http/1.1" {
		t.Errorf("default client: version %x, protocol %q", st.Version, st.NegotiatedProtocol)
	}
	if len(acceptable) != 1 || !bytes.Equal(acceptable[0], clientCA.Cert.RawSubject) {
		t.Errorf("certificate request names %d CAs, want the client CA %q", len(acceptable), clientCA.Cert.Subject)
	}

	// The served chain verifies for localhost against the certificate
	// served at /ca.crt, and that is not the client CA.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := client.Get("https://" + addr + "/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	block, _ := pem.Decode(body)
	if res.StatusCode != 200 || block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("/ca.crt: %d %q", res.StatusCode, body)
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !ca.IsCA || bytes.Equal(ca.Raw, clientCA.Cert.Raw) {
		t.Fatalf("/ca.crt is not the server CA: %v", ca.Subject)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("the served chain does not verify against /ca.crt: %v", err)
	}
	chain := conn.ConnectionState().PeerCertificates
	conn.Close()
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "localhost",
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("leaf: %v", err)
	}
	// Another CA (the client CA) does not vouch for it.
	other := x509.NewCertPool()
	other.AddCert(clientCA.Cert)
	if _, err := chain[0].Verify(x509.VerifyOptions{Roots: other, DNSName: "localhost"}); err == nil {
		t.Error("the server certificate verifies against the client CA")
	}
}
