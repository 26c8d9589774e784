package handlers

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hotline/handlers/web"
	"hotline/store"
)

// benchTLSConn is a connection that completed a TLS handshake in which the
// client presented state's certificates (fasthttp asks the connection for
// its state, as it does a *tls.Conn).
type benchTLSConn struct {
	net.Conn
	state tls.ConnectionState
}

func (c benchTLSConn) Handshake() error                     { return nil }
func (c benchTLSConn) ConnectionState() tls.ConnectionState { return c.state }
func (c benchTLSConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (c benchTLSConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}
}

// BenchmarkCertificateCheck measures what checking the client certificate
// adds to a request, with the verification cache warm (the state of every
// request but a connection's first with a new certificate):
//
//   - cache: the checker alone (hash of the leaf, cache lookup, record
//     generation);
//
//   - guard-required / guard-off: a request through session loading and the
//     route guard of a Member page (member record read, session bound to
//     its certificate, last-use bookkeeping) to a handler that does
//     nothing, with --client-cert required and off. Their difference is the
//     certificate's cost per request.
//
//     go test ./handlers -run '^$' -bench BenchmarkCertificateCheck -benchmem
func BenchmarkCertificateCheck(b *testing.B) {
	for _, mode := range []web.CertMode{web.CertRequired, web.CertOff} {
		env := newTestEnv(b, mode)
		m := env.AddMember(b, "山田 太郎", "member-Pass-2345")
		cert, _ := storeCert(b, env.DB, m.ID, "受付PC", 0)
		peer := cert.Leaf
		state := tls.ConnectionState{HandshakeComplete: true, Version: tls.VersionTLS13, PeerCertificates: []*x509.Certificate{peer}}
		if mode == web.CertRequired {
			if st := srvOf(env).certs.check(state.PeerCertificates); st.Err != nil {
				b.Fatal(st.Err)
			}
			b.Run("cache", func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					if st := srvOf(env).certs.check(state.PeerCertificates); st.Err != nil {
						b.Fatal(st.Err)
					}
				}
			})
			bound := store.Session{Kind: store.SessionMember, MemberID: m.ID, CertSerial: store.ClientCertSerialHex(peer)}
			b.Run("session-cert", func(b *testing.B) {
				// The guard's certificate step on a fresh request context:
				// the connection's state, the check, the binding, last use.
				var fctx fasthttp.RequestCtx
				fctx.Init2(benchTLSConn{state: state}, nil, false)
				app := env.App()
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					fctx.ResetUserValues()
					c := app.AcquireCtx(&fctx)
					if err := srvOf(env).checkSessionCert(c, &bound, &m); err != nil {
						b.Fatal(err)
					}
					app.ReleaseCtx(c)
				}
			})
		}
		sess := store.Session{Kind: store.SessionMember, MemberID: m.ID}
		if mode == web.CertRequired {
			sess.CertSerial = store.ClientCertSerialHex(peer)
		}
		token, _, err := env.DB.NewSession(sess)
		if err != nil {
			b.Fatal(err)
		}
		app := fiber.New(fiber.Config{Immutable: true})
		app.Use(srvOf(env).loadSession)
		app.Get("/bench", srvOf(env).guard(web.Member), func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
		handler := app.Handler()
		var fctx fasthttp.RequestCtx
		fctx.Init2(benchTLSConn{state: state}, nil, false)
		fctx.Request.SetRequestURI("https://localhost/bench")
		fctx.Request.Header.SetCookie(web.SessionCookie, token)
		run := func() {
			fctx.Response.Reset()
			fctx.ResetUserValues()
			handler(&fctx)
			if code := fctx.Response.StatusCode(); code != fiber.StatusNoContent {
				b.Fatalf("status %d: %s", code, fctx.Response.Body())
			}
		}
		run()
		b.Run("guard-"+string(mode), func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				run()
			}
		})
	}
}

// reportCPU adds cpu-ns/op, the process CPU time per operation: on a busy
// machine wall time per op mostly measures the other processes.
func reportCPU(b *testing.B) func() {
	start := processCPU()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
