package handlers

import "crypto/tls"

// TLSConfig is the HTTPS listener's configuration, with getCert supplying
// the server certificate per handshake.
func (s *Server) TLSConfig(getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// TLS 1.2 only with forward-secret AEAD suites; 1.3 suites are fixed
		// and preferred by negotiation.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,
		},
		// Request (never require or verify) client certificates in the
		// handshake: the application verifies them, so an expired or foreign
		// certificate gets an explanation page instead of a TLS error. The
		// client CA is named so browsers offer the right certificate.
		ClientAuth:     tls.RequestClientCert,
		ClientCAs:      s.cfg.ClientCAs,
		GetCertificate: getCert,
		NextProtos:     []string{"http/1.1"},
	}
}
