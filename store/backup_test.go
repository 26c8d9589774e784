package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBackupToFileIsVerifiedPrivateAndComplete(t *testing.T) {
	db, _ := mustOpen(t)
	seedForCheck(t, db)
	out := filepath.Join(t.TempDir(), "copy.db")
	res, err := db.BackupToFile(context.Background(), out)
	if err != nil || !res.OK() {
		t.Fatalf("backup: %v %+v", err, res)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v, want 0600 (it holds the CA keys)", fi.Mode().Perm())
	}
	if fi.Size() != res.Size || res.AuditEntries == 0 {
		t.Fatalf("result %+v, file size %d", res, fi.Size())
	}
	if tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(out), tempPrefix+"*")); len(tmps) != 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}
	// The copy holds exactly what the source holds.
	want, _ := db.BucketDigests()
	copyDB, err := Open(out, Options{ReadOnly: true, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	got, _ := copyDB.BucketDigests()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("copy differs:\n got %v\nwant %v", got, want)
	}
	if _, err := db.BackupToFile(context.Background(), db.Path()); err == nil {
		t.Fatal("backup over the database itself was accepted")
	}
}

// A hot backup taken while writes continue is a consistent snapshot: it
// passes the full check, and holds every inquiry acknowledged before it
// began.
func TestBackupWhileWriting(t *testing.T) {
	db, _ := mustOpen(t)
	var acked atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.CreateInquiry(InquiryForm{Name: "並行 書込", Email: "w@example.jp", Subject: "s", Body: "b"}, ""); err != nil {
					t.Error(err)
					return
				}
				acked.Add(1)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	before := acked.Load()
	out := filepath.Join(t.TempDir(), "hot.db")
	_, err := db.BackupToFile(context.Background(), out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	copyDB, err := Open(out, Options{ReadOnly: true, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	qs, _ := copyDB.Inquiries("")
	if int64(len(qs)) < before {
		t.Fatalf("backup holds %d inquiries, %d were acknowledged before it began", len(qs), before)
	}
}

func TestBackupStream(t *testing.T) {
	db, _ := mustOpen(t)
	seedForCheck(t, db)
	r, size, err := db.BackupStream()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, r)
	r.Close()
	if err != nil || n != size || size == 0 {
		t.Fatalf("stream: %d of %d bytes, %v", n, size, err)
	}
	path := filepath.Join(t.TempDir(), "streamed.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := CheckFile(path); err != nil || !rep.OK() {
		t.Fatalf("streamed copy: %v %v", err, rep.Problems)
	}
	// The read transaction ends before the transfer: a write that grows
	// the file goes through while a stream waits unread, and the spooled
	// copy leaves no file behind.
	r, _, err = db.BackupStream()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done := make(chan error, 1)
	go func() {
		done <- db.Update(func(tx *Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("grow"))
			if err != nil {
				return err
			}
			return b.Put([]byte("k"), make([]byte, 4<<20))
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a growing write waited for an unread backup stream")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), tempPrefix+"*")); len(left) != 0 {
		t.Fatalf("spooled copy visible: %v", left)
	}
}

func TestBackupsKeepGenerationsAndRefuseTwoAtOnce(t *testing.T) {
	db, now := mustOpen(t)
	seedForCheck(t, db)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := NewBackups(db, BackupSchedule{Dir: dir, Every: time.Hour, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Files that are not generations are never touched.
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, []byte("keep me"), 0o600)
	for i := 0; i < 4; i++ {
		*now = now.Add(24 * time.Hour)
		res, err := b.RunNow(context.Background(), "system", "")
		if err != nil || !res.OK() {
			t.Fatalf("run %d: %v %+v", i, err, res)
		}
	}
	st := b.Status()
	if len(st.Generations) != 2 || st.Last == nil || !st.Last.OK() || st.Running != "" {
		t.Fatalf("status: %+v", st)
	}
	if st.Generations[0].Name != BackupFileName(*now) || !strings.HasSuffix(st.Last.File, st.Generations[0].Name) {
		t.Fatalf("newest generation %q, last %q", st.Generations[0].Name, st.Last.File)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatal("a file that is not a generation was removed")
	}
	page, _ := db.ListAudit(AuditFilter{Action: "backup.create"})
	if len(page.Events) != 4 || page.Events[0].Actor != "system" || page.Events[0].Result != ResultOK {
		t.Fatalf("audit: %+v", page.Events)
	}

	// While a download holds the slot, another backup is refused.
	r, _, err := b.Download("admin", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if b.Status().Running != "download" {
		t.Fatalf("running: %q", b.Status().Running)
	}
	if _, err := b.RunNow(context.Background(), "admin", ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second backup at once: %v", err)
	}
	if _, _, err := b.Download("admin", ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("second download at once: %v", err)
	}
	io.Copy(io.Discard, r)
	r.Close()
	r.Close() // closing twice releases once
	*now = now.Add(time.Hour)
	if _, err := b.RunNow(context.Background(), "admin", ""); err != nil {
		t.Fatalf("after the download: %v", err)
	}
	if page, _ := db.ListAudit(AuditFilter{Action: "backup.download"}); len(page.Events) != 1 || page.Events[0].Actor != "admin" {
		t.Fatalf("download audit: %+v", page.Events)
	}
}

// A copy that fails its verification (here: the audit chain of the
// database itself was edited, so every later backup fails the same way)
// leaves the generations as they were, prunes nothing and leaves no
// temporary file; it is kept under its unverified name, one at most, and
// the failure is the last result, also after a restart.
func TestBackupsFailureKeepsOldGenerations(t *testing.T) {
	db, now := mustOpen(t)
	seedForCheck(t, db)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := NewBackups(db, BackupSchedule{Dir: dir, Every: time.Hour, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		*now = now.Add(time.Hour)
		if _, err := b.RunNow(context.Background(), "system", ""); err != nil {
			t.Fatal(err)
		}
	}
	before := generationFiles(t, dir)
	if len(before) != 2 {
		t.Fatalf("generations before: %v", before)
	}
	var original []byte
	mustUpdate(t, db, func(tx *Tx) error {
		original = append([]byte(nil), tx.bucket(bucketAudit).Get(itob(2))...)
		var e AuditEvent
		getJSON(tx.bucket(bucketAudit), itob(2), &e)
		e.Detail = "edited"
		return putJSON(tx.bucket(bucketAudit), itob(2), e)
	})

	var kept []string
	for i := 0; i < 2; i++ {
		*now = now.Add(time.Hour)
		res, err := b.RunNow(context.Background(), "system", "")
		if err == nil || res.OK() || !strings.Contains(res.Err, "検証に失敗しました") {
			t.Fatalf("run %d on a damaged database: %v %+v", i, err, res)
		}
		if got := generationFiles(t, dir); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Fatalf("run %d: generations changed:\n got %v\nwant %v", i, got, before)
		}
		if tmps, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(tmps) != 0 {
			t.Fatalf("run %d: temporary files left: %v", i, tmps)
		}
		want := filepath.Join(dir, strings.TrimSuffix(BackupFileName(*now), ".db")+"-unverified.db")
		if res.Unverified != want || !strings.Contains(res.Err, filepath.Base(want)) {
			t.Fatalf("run %d: unverified copy %q, want %q (%s)", i, res.Unverified, want, res.Err)
		}
		fi, err := os.Stat(want)
		if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != res.Size {
			t.Fatalf("run %d: unverified copy: %v %v", i, err, fi)
		}
		if rep, _ := CheckFile(want); rep.OK() || rep.Audit.OK {
			t.Fatalf("run %d: the kept copy is not the damaged one: %+v", i, rep)
		}
		kept = append(kept, filepath.Base(want))
		st := b.Status()
		if st.Last == nil || st.Last.OK() || st.Unverified == nil || st.Unverified.Name != kept[i] || len(st.Generations) != 2 {
			t.Fatalf("run %d: status %+v", i, st)
		}
	}
	// At most one kept: the newer replaced the older.
	if all, _ := filepath.Glob(filepath.Join(dir, "*-unverified.db")); len(all) != 1 || filepath.Base(all[0]) != kept[1] {
		t.Fatalf("unverified copies: %v", all)
	}
	page, _ := db.ListAudit(AuditFilter{Action: "backup.create"})
	if len(page.Events) != 4 || page.Events[0].Result != ResultFailed || !strings.Contains(page.Events[0].Detail, kept[1]) {
		t.Fatalf("failure not audited: %+v", page.Events)
	}

	// After a restart the failure is still the last result.
	again, err := NewBackups(db, BackupSchedule{Dir: dir, Every: time.Hour, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st := again.Status(); st.Last == nil || st.Last.OK() || st.Last.Err != b.Status().Last.Err || st.Last.Unverified == "" {
		t.Fatalf("last result after a restart: %+v", st.Last)
	}

	// Repaired, the next backups prune as before; the unverified copy is
	// no generation and stays.
	mustUpdate(t, db, func(tx *Tx) error { return tx.bucket(bucketAudit).Put(itob(2), original) })
	for i := 0; i < 3; i++ {
		*now = now.Add(time.Hour)
		if res, err := again.RunNow(context.Background(), "system", ""); err != nil || !res.OK() {
			t.Fatalf("after repair: %v %+v", err, res)
		}
	}
	if gens := generationFiles(t, dir); len(gens) != 2 {
		t.Fatalf("generations after repair: %v", gens)
	}
	if _, err := os.Stat(filepath.Join(dir, kept[1])); err != nil {
		t.Fatalf("unverified copy pruned: %v", err)
	}
}

// generationFiles names the generations in dir with their size, time and
// a digest of their content.
func generationFiles(t *testing.T, dir string) []string {
	t.Helper()
	gens, err := ListBackupGenerations(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, g := range gens {
		data, err := os.ReadFile(filepath.Join(dir, g.Name))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %s %x", g.Name, g.Size, g.ModTime.Format(time.RFC3339Nano), sha256.Sum256(data)))
	}
	return out
}

// A backup that cannot even be written (the directory is gone, a file in
// its place) is a failure too, shown and audited.
func TestBackupsWriteFailure(t *testing.T) {
	db, now := mustOpen(t)
	dir := filepath.Join(t.TempDir(), "backups")
	b, err := NewBackups(db, BackupSchedule{Dir: dir, Every: time.Hour, Keep: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.RunNow(context.Background(), "system", ""); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(dir)
	os.WriteFile(dir, nil, 0o600)
	*now = now.Add(time.Hour)
	res, err := b.RunNow(context.Background(), "system", "")
	if err == nil || res.OK() || res.Unverified != "" {
		t.Fatalf("backup into a file succeeded: %+v", res)
	}
	st := b.Status()
	if st.Last == nil || st.Last.OK() || st.ListErr == "" {
		t.Fatalf("status after failure: %+v", st)
	}
	page, _ := db.ListAudit(AuditFilter{Action: "backup.create"})
	if len(page.Events) != 2 || page.Events[0].Result != ResultFailed {
		t.Fatalf("failure not audited: %+v", page.Events)
	}
	if _, err := NewBackups(db, BackupSchedule{Dir: t.TempDir(), Every: 0, Keep: 1}); err == nil {
		t.Fatal("zero interval accepted")
	}
	if _, err := NewBackups(db, BackupSchedule{Dir: t.TempDir(), Every: time.Hour}); err == nil {
		t.Fatal("keep 0 accepted")
	}
	off, _ := NewBackups(db, BackupSchedule{})
	if _, err := off.RunNow(context.Background(), "admin", ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("backup without a directory: %v", err)
	}
}

func TestBackupsRunOnSchedule(t *testing.T) {
	db, _ := mustOpen(t)
	db.SetClock(time.Now)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, tempPrefix+"leftover"+tempSuffix), []byte("x"), 0o600)
	b, err := NewBackups(db, BackupSchedule{Dir: dir, Every: 1100 * time.Millisecond, Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*")); len(left) != 0 {
		t.Fatalf("leftover temporary file kept: %v", left)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Run(ctx, slog.New(slog.DiscardHandler)); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if st := b.Status(); len(st.Generations) == 2 && st.Last != nil && st.Last.OK() && !st.Next.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule did not produce two generations: %+v", b.Status())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestBackupFileOffline(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "hotline.db")
	db, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seedForCheck(t, db)
	// Refused while the database is open (the server holds the lock).
	if _, err := BackupFile(src, filepath.Join(dir, "out.db")); err == nil || !strings.Contains(err.Error(), "使用中") {
		t.Fatalf("backup of a file in use: %v", err)
	}
	db.Close()
	res, err := BackupFile(src, filepath.Join(dir, "out.db"))
	if err != nil || !res.OK() {
		t.Fatalf("offline backup: %v %+v", err, res)
	}
	// Into a directory: a dated name.
	outDir := filepath.Join(dir, "gen")
	os.Mkdir(outDir, 0o700)
	res, err = BackupFile(src, outDir)
	if err != nil || !generationName.MatchString(filepath.Base(res.File)) || filepath.Dir(res.File) != outDir {
		t.Fatalf("backup into a directory: %v %+v", err, res)
	}
	if _, err := BackupFile(filepath.Join(dir, "none.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Fatal("backup of a missing file")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Fatal("backup of a missing file created it")
	}
}
