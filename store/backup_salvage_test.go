package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// damagedFixture is a database with data in every indexed bucket and an
// audit log of several leaf pages, closed; digests and key counts of its
// buckets before any damage.
type damagedFixture struct {
	path     string
	digests  map[string]string
	keys     map[string]int
	auditSeq uint64
}

func newDamagedFixture(t *testing.T) *damagedFixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seedForCheck(t, db)
	for i := 0; i < 400; i++ {
		if err := db.Audit(AuditEvent{Actor: "H000001", Action: "patient.view", Patient: fmt.Sprintf("p%03d", i), Detail: strings.Repeat("閲", 70)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	fx := &damagedFixture{path: path, keys: map[string]int{}}
	fx.digests, fx.keys, fx.auditSeq = bucketsOf(t, path)
	return fx
}

// bucketsOf opens a file read-only and returns each bucket's digest and
// key count, and the audit bucket's sequence.
func bucketsOf(t *testing.T, path string) (map[string]string, map[string]int, uint64) {
	t.Helper()
	db, err := Open(path, Options{ReadOnly: true, NoMigrate: true})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	digests, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	var seq uint64
	err = db.View(func(tx *Tx) error {
		for _, b := range bucketCounts(tx) {
			keys[b.Name] = b.Keys
		}
		seq = tx.Bucket(bucketAudit).Sequence()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return digests, keys, seq
}

// auditLeafPages lists the live leaf pages of the audit bucket, found
// from the raw file (the first key is a sequence number, the value an
// event) and bbolt's page map (not a freed page).
func auditLeafPages(t *testing.T, path string) (pageSize int, ids []int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize = int(binary.LittleEndian.Uint32(data[rawPageHeader+8:]))
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bolt.Tx) error {
		for id := 2; (id+1)*pageSize <= len(data); id++ {
			p := data[id*pageSize : (id+1)*pageSize]
			if binary.LittleEndian.Uint16(p[8:]) != rawLeafPage || binary.LittleEndian.Uint16(p[10:]) == 0 {
				continue
			}
			pos, ksize := int(binary.LittleEndian.Uint32(p[20:])), int(binary.LittleEndian.Uint32(p[24:]))
			if ksize != 8 || rawPageHeader+pos+8+7 > len(p) || !bytes.HasPrefix(p[rawPageHeader+pos+8:], []byte(`{"seq":`)) {
				continue
			}
			info, err := tx.Page(id)
			if err != nil {
				return err
			}
			if info != nil && info.Type == "leaf" {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pageSize, ids
}

// overwritePage writes junk over page id.
func overwritePage(t *testing.T, path string, pageSize, id int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	junk := make([]byte, pageSize)
	for i := range junk {
		junk[i] = byte(i*7 + 3)
	}
	if _, err := f.WriteAt(junk, int64(id)*int64(pageSize)); err != nil {
		t.Fatal(err)
	}
}

// The offline backup of a file with a damaged page of the audit log's
// leaves: the check fails, so what can be read is written, key by key, as
// …-unverified.db (0600); the other buckets are whole, the audit log lacks
// the damaged page's entries only, that page is named, and the backup
// fails.
func TestBackupFileSalvagesADamagedFile(t *testing.T) {
	fx := newDamagedFixture(t)
	pageSize, leaves := auditLeafPages(t, fx.path)
	if len(leaves) < 3 {
		t.Fatalf("the audit log has %d leaf pages, want several", len(leaves))
	}
	damaged := leaves[len(leaves)/2]
	overwritePage(t, fx.path, pageSize, damaged)
	if r, err := CheckFile(fx.path); err == nil && r.OK() {
		t.Fatal("the damaged file passes its check")
	}

	out := filepath.Join(t.TempDir(), "copy.db")
	res, err := BackupFile(fx.path, out)
	if err == nil || res.OK() || res.Salvage == nil {
		t.Fatalf("backup of a damaged file: %v %+v", err, res)
	}
	rep := res.Salvage
	want := filepath.Join(filepath.Dir(out), "copy-unverified.db")
	if rep.File != want || res.Unverified != want || !strings.Contains(err.Error(), "copy-unverified.db") {
		t.Fatalf("copy at %q (%v), want %s", rep.File, err, want)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a verified name was written: %v", err)
	}
	if fi, err := os.Stat(want); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v %v", fi, err)
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0], fmt.Sprintf("バケット audit: ページ %d（キー ", damaged)) {
		t.Fatalf("skipped %q, want page %d of audit", rep.Skipped, damaged)
	}
	if len(rep.SourceProblems) == 0 {
		t.Fatal("the source's problems are not reported")
	}

	digests, keys, seq := bucketsOf(t, want)
	for name, d := range fx.digests {
		if name == "audit" {
			continue
		}
		if digests[name] != d {
			t.Errorf("bucket %s differs in the copy (%d keys, had %d)", name, keys[name], fx.keys[name])
		}
	}
	if len(digests) != len(fx.digests) {
		t.Errorf("copy has %d buckets, the file %d", len(digests), len(fx.digests))
	}
	if keys["audit"] == 0 || keys["audit"] >= fx.keys["audit"] || seq != fx.auditSeq {
		t.Fatalf("audit in the copy: %d keys (had %d), sequence %d (had %d)", keys["audit"], fx.keys["audit"], seq, fx.auditSeq)
	}
	if rep.Keys == 0 || rep.Buckets != len(fx.digests) {
		t.Errorf("report: %d keys, %d buckets", rep.Keys, rep.Buckets)
	}
	// The copy's own check says what is missing: the chain has a gap.
	if !strings.Contains(strings.Join(rep.CopyProblems, "\n"), "監査ログ") {
		t.Errorf("copy problems %q", rep.CopyProblems)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), tempPrefix+"*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}

	var text bytes.Buffer
	rep.WriteText(&text)
	for _, w := range []string{"検査に合格しませんでした", want, fmt.Sprintf("ページ %d", damaged), "読み取れずに飛ばした部分（1 件）"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, text.String())
		}
	}
}

// An undamaged file still gets the normal, verified backup.
func TestBackupFileOfAGoodFileIsVerified(t *testing.T) {
	fx := newDamagedFixture(t)
	dir := t.TempDir()
	res, err := BackupFile(fx.path, dir)
	if err != nil || !res.OK() || res.Salvage != nil || res.Unverified != "" {
		t.Fatalf("backup: %v %+v", err, res)
	}
	if all, _ := filepath.Glob(filepath.Join(dir, "*")); len(all) != 1 || !generationName.MatchString(filepath.Base(all[0])) {
		t.Fatalf("files: %v", all)
	}
	digests, _, _ := bucketsOf(t, res.File)
	if fmt.Sprint(digests) != fmt.Sprint(fx.digests) {
		t.Fatal("the verified copy differs")
	}
}

// A damaged branch page loses the leaves under it, and only those; a file
// whose meta pages are both gone has nothing to salvage, and nothing is
// written.
func TestSalvageBranchAndMeta(t *testing.T) {
	fx := newDamagedFixture(t)
	// The audit bucket's root is a branch with the leaves under it.
	var auditRoot uint64
	bdb, err := bolt.Open(fx.path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	bdb.View(func(tx *bolt.Tx) error {
		auditRoot = uint64(tx.Bucket(bucketAudit).Root())
		return nil
	})
	bdb.Close()
	if auditRoot == 0 {
		t.Fatal("audit bucket is inline")
	}
	pageSize := int(binary.LittleEndian.Uint32(mustRead(t, fx.path)[rawPageHeader+8:]))
	overwritePage(t, fx.path, pageSize, int(auditRoot))
	res, err := BackupFile(fx.path, filepath.Join(t.TempDir(), "copy.db"))
	if err == nil || res.Salvage == nil || len(res.Salvage.Skipped) != 1 || !strings.Contains(res.Salvage.Skipped[0], "バケット audit") ||
		!strings.Contains(res.Salvage.Skipped[0], "すべてのキー") {
		t.Fatalf("damaged branch: %v %+v", err, res.Salvage)
	}
	_, keys, _ := bucketsOf(t, res.Salvage.File)
	if keys["audit"] != 0 || keys["members"] != fx.keys["members"] {
		t.Fatalf("copy keys %v", keys)
	}

	// Both meta pages gone.
	overwritePage(t, fx.path, pageSize, 0)
	overwritePage(t, fx.path, pageSize, 1)
	out := filepath.Join(t.TempDir(), "none.db")
	res, err = BackupFile(fx.path, out)
	if err == nil || res.Salvage == nil || res.Salvage.File != "" || !strings.Contains(err.Error(), "メタページ") {
		t.Fatalf("no meta: %v %+v", err, res.Salvage)
	}
	if all, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "*")); len(all) != 0 {
		t.Fatalf("files left: %v", all)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A damaged page of the bucket of buckets loses the buckets it names, and
// the report says which.
func TestSalvageOfTheBucketList(t *testing.T) {
	fx := newDamagedFixture(t)
	raw, err := openRawFile(fx.path)
	if err != nil {
		t.Fatal(err)
	}
	root, pageSize := raw.root, raw.pageSize
	raw.Close()
	overwritePage(t, fx.path, pageSize, int(root))
	res, err := BackupFile(fx.path, filepath.Join(t.TempDir(), "copy.db"))
	if err == nil || res.Salvage == nil || res.Salvage.File == "" || len(res.Salvage.Skipped) != 1 ||
		!strings.HasPrefix(res.Salvage.Skipped[0], fmt.Sprintf("バケットの一覧: ページ %d（すべてのキー）を読み取れません", root)) {
		t.Fatalf("damaged bucket list: %v %+v", err, res.Salvage)
	}
	cdb, err := bolt.Open(res.Salvage.File, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the copy does not open: %v", err)
	}
	cdb.Close()
}
