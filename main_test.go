package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"hotline/store"
)

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
