package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"hotline/store"
)

// TestGracefulShutdownDrainsRequests: SIGTERM while a request is still
// arriving. The server stops accepting connections, finishes that request
// (the client gets its answer and the write is kept), exits 0, and the
// database opens again at once.
func TestGracefulShutdownDrainsRequests(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	bin := buildBinary(t)
	dbPath := filepath.Join(t.TempDir(), "hotline.db")
	s := opsStart(t, bin, dbPath, true)
	addr := strings.TrimPrefix(s.base, "https://")

	_, _, token, err := opsGet(opsHTTPClient(nil), s.base+"/inquiry")
	if err != nil || token == "" {
		t.Fatalf("inquiry form: %v", err)
	}
	body := url.Values{"_csrf": {token}, "name": {"終了 試験"}, "email": {"drain@example.jp"},
		"subject": {"shutdown-drain"}, "body": {"終了の合図の後に届いた問合せです。"}}.Encode()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /inquiry HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
		len(body), body[:len(body)/2])
	time.Sleep(200 * time.Millisecond)

	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.out.String(), "shutting down"); {
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown after SIGTERM:\n%s", s.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("a new connection was accepted while shutting down")
	}
	time.Sleep(500 * time.Millisecond)
	select {
	case <-s.done:
		t.Fatalf("exited with a request in flight:\n%s", s.out.String())
	default:
	}

	// The rest of the request arrives; its answer comes back.
	if _, err := conn.Write([]byte(body[len(body)/2:])); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the request in flight: %v\n%s", err, s.out.String())
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/inquiry/thanks/Q") {
		t.Fatalf("request in flight: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("no exit after the last request:\n%s", s.out.String())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, s.out.String())
	}

	start := time.Now()
	db, err := store.Open(dbPath, store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if took := time.Since(start); took > time.Second {
		t.Errorf("the database took %v to open", took)
	}
	qs, err := db.Inquiries("")
	if err != nil || len(qs) != 1 || qs[0].Subject != "shutdown-drain" {
		t.Fatalf("the drained request's inquiry: %+v %v", qs, err)
	}
	if r, err := db.Check(store.CheckOptions{}); err != nil || !r.OK() {
		t.Fatalf("check: %v %v", err, r.Problems)
	}
}
