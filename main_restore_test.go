package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hotline/store"
)

// Backup and restore with the real binary, following docs-restore.md: a
// hot backup downloaded by the operator, a generation written by the
// schedule and an offline `hotline backup` are each copied back in place of
// the database; the server starts on it and serves what the backup held.

func TestBackupAndRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary several times")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "hotline.db")
	backupDir := filepath.Join(dir, "backups")
	_, opCert, _ := opsPrepare(t, db)

	srv := opsStart(t, bin, db, true, "--client-cert", "required", "--backup-dir", backupDir, "--backup-every", "24h", "--backup-keep", "3")
	anon := opsHTTPClient(nil)
	_, _, token, err := opsGet(anon, srv.base+"/inquiry")
	if err != nil {
		t.Fatal(err)
	}
	var early, late []string
	for i := 0; i < 5; i++ {
		n, err := opsInquiry(anon, srv.base, token, "バックアップ前")
		if err != nil {
			t.Fatal(err)
		}
		early = append(early, n)
	}

	// The operator downloads a hot backup and makes a generation now.
	op := opsHTTPClient(opCert)
	opsLogin(t, op, srv.base, "admin", opsOperatorPassword)
	res, err := op.Get(srv.base + "/admin/backup/download")
	if err != nil {
		t.Fatal(err)
	}
	downloaded, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "hotline-") {
		t.Fatalf("download: %d %v", res.StatusCode, res.Header)
	}
	hot := filepath.Join(dir, "downloaded.db")
	if err := os.WriteFile(hot, downloaded, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, csrf, _ := opsGet(op, srv.base+"/admin/backup")
	time.Sleep(1100 * time.Millisecond) // a new name: generations are named to the second
	if status, loc, err := opsPost(op, srv.base+"/admin/backup/run", url.Values{"_csrf": {csrf}}); err != nil || status != 303 || loc != "/admin/backup?done=saved" {
		t.Fatalf("back up now: %d %q %v", status, loc, err)
	}
	gens, err := store.ListBackupGenerations(backupDir)
	if err != nil || len(gens) != 2 { // one at start, one now
		t.Fatalf("generations: %v %v", gens, err)
	}
	for _, g := range gens {
		if fi, _ := os.Stat(filepath.Join(backupDir, g.Name)); fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s has mode %v", g.Name, fi.Mode().Perm())
		}
	}
	_, page, _, _ := opsGet(op, srv.base+"/admin/backup")
	if !strings.Contains(page, gens[0].Name) || !strings.Contains(page, "最新のバックアップ：") {
		t.Fatalf("backup page does not show the newest generation")
	}
	for i := 0; i < 2; i++ {
		n, err := opsInquiry(anon, srv.base, token, "バックアップ後")
		if err != nil {
			t.Fatal(err)
		}
		late = append(late, n)
	}

	// While the server runs, the offline commands refuse the file.
	if out, code := opsRun(t, bin, "backup", "--db", db, filepath.Join(dir, "x.db")); code == 0 || !strings.Contains(out, "使用中") {
		t.Fatalf("backup of a running server's file: %d %s", code, out)
	}
	if out, code := opsRun(t, bin, "check", "--db", db); code == 0 || !strings.Contains(out, "使用中") {
		t.Fatalf("check of a running server's file: %d %s", code, out)
	}
	srv.stop(t)

	offline := filepath.Join(dir, "offline.db")
	if out, code := opsRun(t, bin, "backup", "--db", db, offline); code != 0 || !strings.Contains(out, "検証済み") {
		t.Fatalf("hotline backup: %d %s", code, out)
	}
	if fi, _ := os.Stat(offline); fi.Mode().Perm() != 0o600 {
		t.Fatalf("offline backup mode %v", fi.Mode().Perm())
	}

	for _, tc := range []struct {
		name    string
		file    string
		present []string
		absent  []string
	}{
		{"downloaded hot backup", hot, early, late},
		{"scheduled generation", filepath.Join(backupDir, gens[0].Name), early, late},
		{"offline backup", offline, append(append([]string{}, early...), late...), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The documented procedure: keep the current file aside, copy
			// the backup into its place (0600), check it, start.
			if err := os.Rename(db, db+".before-restore"); err != nil {
				t.Fatal(err)
			}
			copyFile(t, tc.file, db)
			if out, code := opsRun(t, bin, "check", "--db", db); code != 0 || !strings.Contains(out, "問題は見つかりませんでした") {
				t.Fatalf("check of the restored file: %d\n%s", code, out)
			}
			srv := opsStart(t, bin, db, true, "--client-cert", "required")
			c := opsHTTPClient(nil)
			for _, n := range tc.present {
				if status, body, _, err := opsGet(c, srv.base+"/inquiry/thanks/"+n); err != nil || status != 200 || !strings.Contains(body, n) {
					t.Errorf("inquiry %s after restore: %d %v", n, status, err)
				}
			}
			for _, n := range tc.absent {
				if status, _, _, _ := opsGet(c, srv.base+"/inquiry/thanks/"+n); status != http.StatusNotFound {
					t.Errorf("inquiry %s made after the backup answers %d", n, status)
				}
			}
			// The operator logs in with the certificate from before: the CA
			// came back with the data.
			opsLogin(t, opsHTTPClient(opCert), srv.base, "admin", opsOperatorPassword)
			srv.stop(t)
			os.Remove(db)
			if err := os.Rename(db+".before-restore", db); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// The sub-commands through run: reports, exit codes, refusals.
func TestCheckAndBackupCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateInquiry(store.InquiryForm{Name: "山田 花子", Email: "h@example.jp", Subject: "件名", Body: "本文"}, ""); err != nil {
		t.Fatal(err)
	}
	db.Close()

	var out strings.Builder
	if err := run([]string{"check", "--db", path}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "問題は見つかりませんでした") {
		t.Fatalf("check: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run([]string{"backup", "--db", path, filepath.Join(dir, "copy.db")}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "バックアップを作成しました") {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	out.Reset()
	// Flags after the file name work too.
	if err := run([]string{"backup", filepath.Join(dir, "copy2.db"), "--db", path}, &out, io.Discard); err != nil {
		t.Fatalf("backup with the flag last: %v", err)
	}
	for _, args := range [][]string{
		{"backup", "--db", path},
		{"backup", "--db", path, "a.db", "b.db"},
		{"backup", "--db", filepath.Join(dir, "none.db"), filepath.Join(dir, "x.db")},
		{"check", "--db", filepath.Join(dir, "none.db")},
		{"check", "--db", path, "extra"},
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Fatal("check or backup created a missing database")
	}

	// A damaged audit chain: a readable report and an error (exit status 1).
	db, _ = store.Open(path, store.Options{})
	db.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k, v := b.Cursor().Last()
		return b.Put(k, []byte(strings.Replace(string(v), `"result":"ok"`, `"result":"no"`, 1)))
	})
	db.Close()
	out.Reset()
	err = run([]string{"check", "--db", path}, &out, io.Discard)
	if err == nil || !strings.Contains(out.String(), "ハッシュチェーン異常") || !strings.Contains(out.String(), "件の問題があります") {
		t.Fatalf("damaged file: %v\n%s", err, out.String())
	}
	// A backup of a damaged file fails; what can be read is kept under
	// the unverified name only.
	out.Reset()
	if err := run([]string{"backup", "--db", path, filepath.Join(dir, "bad.db")}, &out, io.Discard); err == nil {
		t.Fatal("backup of a damaged file succeeded")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*bad*")); len(left) != 1 || filepath.Base(left[0]) != "bad-unverified.db" {
		t.Fatalf("left behind: %v\n%s", left, out.String())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".hotline-backup-*")); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}
}
