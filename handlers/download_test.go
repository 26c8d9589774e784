package handlers

import (
	"bufio"
	"crypto/tls"
	"encoding/csv"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"hotline/handlers/web"
	"hotline/store"
)

// TestSlowDownloads: the backup and the audit CSV reach a client that reads
// slowly for far longer than the server's WriteTimeout; a client that stops
// reading is cut off after the stall, and the backup slot is free again.
func TestSlowDownloads(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	if err := env.DB.Update(func(tx *store.Tx) error {
		for i := 0; i < 1500; i++ {
			if err := store.AppendAudit(tx, store.AuditEvent{Actor: "H000001", Action: "patient.view", Patient: fmt.Sprintf("pat-%04d", i),
				Detail: strings.Repeat("閲覧", 40)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Small socket buffers on both ends, so the server really waits for the
	// client instead of handing everything to the kernel.
	const writeTimeout = 300 * time.Millisecond
	env.App().Server().WriteTimeout = writeTimeout
	cert, err := env.DB.ServerCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go env.App().Listener(tls.NewListener(smallBuffers{ln}, srvOf(env).TLSConfig(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil })))
	t.Cleanup(func() { _ = env.App().Shutdown() })

	// get sends the operator's request and reads the answer, pausing after
	// every read, and for stall once the header is in.
	get := func(path string, pause, stall time.Duration) (*http.Response, []byte, time.Duration, error) {
		d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		}}
		raw, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
		defer conn.Close()
		start := time.Now()
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: localhost\r\nCookie: %s=%s\r\nConnection: close\r\n\r\n", path, web.SessionCookie, op.Cookies[web.SessionCookie])
		res, err := http.ReadResponse(bufio.NewReader(slowReader{conn, pause}), nil)
		if err != nil {
			return nil, nil, 0, err
		}
		time.Sleep(stall)
		body, err := io.ReadAll(res.Body)
		return res, body, time.Since(start), err
	}

	for _, path := range []string{"/admin/backup/download", "/admin/audit.csv"} {
		res, body, took, err := get(path, 5*time.Millisecond, 0)
		if err != nil {
			t.Fatalf("%s: %v after %v (%d bytes)", path, err, took, len(body))
		}
		if took < 3*writeTimeout {
			t.Fatalf("%s took %v for %d bytes: too fast to test the WriteTimeout", path, took, len(body))
		}
		switch path {
		case "/admin/backup/download":
			if n, _ := strconv.Atoi(res.Header.Get("Content-Length")); n != len(body) {
				t.Errorf("backup: %d bytes of %s", len(body), res.Header.Get("Content-Length"))
			}
		default:
			// Complete: every line, up to the export's own record.
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(body), "\uFEFF"))).ReadAll()
			if err != nil || len(rows) < 1501 || rows[len(rows)-1][3] != "audit.export" || !strings.Contains(string(body), "pat-1499") {
				t.Errorf("csv: %d rows, %v", len(rows), err)
			}
		}
		t.Logf("%s: %d bytes in %v (WriteTimeout %v)", path, len(body), took, writeTimeout)
	}

	// A client that stops reading is cut off after the stall.
	srvOf(env).pace = web.Pace{Stall: 500 * time.Millisecond, MinRate: 64 << 10}
	res, body, took, err := get("/admin/backup/download", 0, 2*time.Second)
	if err == nil && res.ContentLength == int64(len(body)) {
		t.Fatalf("a stalled download completed (%d bytes in %v)", len(body), took)
	}
	if again := op.Get("/admin/backup/download"); again.Status != http.StatusOK {
		t.Fatalf("after an abandoned download: %d", again.Status)
	}
}

// smallBuffers gives accepted connections a small send buffer.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// slowReader reads in small pieces with a pause after each.
type slowReader struct {
	r     io.Reader
	pause time.Duration
}

func (s slowReader) Read(p []byte) (int, error) {
	if len(p) > 4096 {
		p = p[:4096]
	}
	n, err := s.r.Read(p)
	time.Sleep(s.pause)
	return n, err
}
