package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"hotline/store"
)

// buildBinary compiles hotline once per test binary run.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "hotline")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("go build: %v", err)
	}
	return bin
}

// startBinary runs the binary in dir with args and waits until it answers
// over HTTPS at base; it returns the process, its stdout so far and the time
// from start to the first answer.
func startBinary(tb testing.TB, bin, dir, base string, env []string, args ...string) (*exec.Cmd, *strings.Builder, time.Duration) {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out := &strings.Builder{}
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_, _ = cmd.Process.Wait()
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
		}
	}()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		// The test only needs to see the portal answer; trust is checked by
		// the handler tests against the server CA.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := client.Get(base + "/")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd, out, time.Since(start)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	tb.Fatalf("no HTTPS answer within 20 s; output:\n%s", out.String())
	return nil, nil, 0
}

func TestBinaryStartsOnDefaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	cmd, out, took := startBinary(t, bin, dir, "https://localhost:8443", []string{"HOTLINE_OPERATOR_PASSWORD="})
	t.Logf("first HTTPS answer after %v", took)

	// The portal top, in Japanese.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	res, err := client.Get("https://localhost:8443/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "利用申込") {
		t.Fatalf("portal top: %s", body)
	}
	// The redirect port sends plain HTTP to HTTPS.
	noFollow := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err = noFollow.Get("http://localhost:8080/guide")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "https://localhost:8443/guide" {
		t.Fatalf("redirect: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// The database file appears in the working directory, private.
	fi, err := os.Stat(filepath.Join(dir, "hotline.db"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("hotline.db mode %v, want 0600", fi.Mode().Perm())
	}
	// The first operator's generated password is printed once.
	time.Sleep(50 * time.Millisecond)
	if !regexp.MustCompile(`ID: admin\n\s+PW: \S{12,}`).MatchString(out.String()) {
		t.Errorf("operator password not printed:\n%s", out.String())
	}
	// Graceful shutdown on SIGTERM closes the database.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(35 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--client-cert", "sometimes"},
		{"serve", "--tls-cert", "x.pem"},
		{"frobnicate"},
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	var out strings.Builder
	if err := run([]string{"--version"}, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "hotline ") {
		t.Errorf("--version: %q %v", out.String(), err)
	}
}

// BenchmarkStartToFirstAnswer measures start-up: from exec to the first
// HTTPS answer, on an empty directory (first start creates the CAs) and on
// an existing database.
func BenchmarkStartToFirstAnswer(b *testing.B) {
	bin := buildBinary(b)
	for _, fresh := range []bool{true, false} {
		name := "existing-db"
		if fresh {
			name = "empty-dir"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			var total time.Duration
			for i := 0; i < b.N; i++ {
				if fresh {
					os.Remove(filepath.Join(dir, "hotline.db"))
				}
				cmd, _, took := startBinary(b, bin, dir, "https://localhost:18443", []string{"HOTLINE_OPERATOR_PASSWORD=bench-operator-pass-1"},
					"--addr", ":18443", "--http-addr", "")
				total += took
				_ = cmd.Process.Signal(syscall.SIGTERM)
				_ = cmd.Wait()
			}
			b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/start")
		})
	}
}

func TestOperatorReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.EnsureFirstOperator("first-Operator-pass-1", false); err != nil {
		t.Fatal(err)
	}
	m, _, err := db.CreateTestMember(store.TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}

	// While the server holds the file, the command refuses with a clear
	// message instead of waiting for ever.
	var out, errOut bytes.Buffer
	start := time.Now()
	err = run([]string{"operator", "reset", "--db", path, "admin"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "サーバーを停止してから") {
		t.Fatalf("while open: %v", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("waited %v", time.Since(start))
	}
	db.Close()

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"operator", "reset", "--db", path, m.ID}, "運営者アカウントではありません"},
		{[]string{"operator", "reset", "--db", path, "nobody"}, "登録されていません"},
		{[]string{"operator", "reset", "--db", path}, "usage"},
		{[]string{"operator", "reset", "--db", path + ".missing", "admin"}, "見つかりません"},
		{[]string{"operator", "delete", "--db", path, "admin"}, "usage"},
	} {
		out.Reset()
		if err := run(tc.args, &out, &errOut); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
		if strings.Contains(out.String(), "PW:") {
			t.Errorf("%v printed a password", tc.args)
		}
	}

	out.Reset()
	if err := run([]string{"operator", "reset", "--db", path, "ADMIN"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	pw := regexp.MustCompile(`PW: (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("no password printed: %s", out.String())
	}
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	op, _ := db.Member("admin")
	if !store.VerifyPassword(op.PasswordHash, pw[1]) || !op.MustChangePassword || op.CertAllowance < 1 {
		t.Fatalf("after reset: must change %v, allowance %d", op.MustChangePassword, op.CertAllowance)
	}
	if strings.Contains(op.PasswordHash, pw[1]) {
		t.Fatal("password stored in clear")
	}
	page, _ := db.ListAudit(store.AuditFilter{Actor: "system", Action: "operator.reset"})
	if len(page.Events) != 1 {
		t.Fatalf("audit: %+v", page.Events)
	}
}
