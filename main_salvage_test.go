package main

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"hotline/store"
)

// hotline backup of a file with a damaged page: exit status 1, a report
// naming the page it skipped, and the salvaged copy as …-unverified.db
// that opens and holds the rest.
func TestBackupCommandSalvagesADamagedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hotline.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	q, err := db.CreateInquiry(store.InquiryForm{Name: "山田 花子", Email: "h@example.jp", Subject: "件名", Body: "本文"}, "")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		if err := db.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view", Detail: strings.Repeat("x", 300)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	// Junk over one leaf page of the audit log: the last page the bucket's
	// root points to.
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pageSize, leaf int
	bdb.View(func(tx *bolt.Tx) error {
		pageSize = bdb.Info().PageSize
		root := int(tx.Bucket([]byte("audit")).Root())
		data := make([]byte, pageSize)
		f, _ := os.Open(path)
		defer f.Close()
		f.ReadAt(data, int64(root*pageSize))
		// A branch: the last element's child is a leaf.
		count := int(binary.LittleEndian.Uint16(data[10:]))
		leaf = int(binary.LittleEndian.Uint64(data[16+(count-1)*16+8:]))
		return nil
	})
	bdb.Close()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, pageSize)
	for i := range junk {
		junk[i] = byte(i * 13)
	}
	f.WriteAt(junk, int64(leaf*pageSize))
	f.Close()

	var out strings.Builder
	err = run([]string{"backup", "--db", path, filepath.Join(dir, "copy.db")}, &out, io.Discard)
	t.Logf("hotline backup of the damaged file: %v\n%s", err, out.String())
	if err == nil || !strings.Contains(out.String(), "バケット audit: ページ "+strconv.Itoa(leaf)) || !strings.Contains(err.Error(), "copy-unverified.db") {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	copyDB, err := store.Open(filepath.Join(dir, "copy-unverified.db"), store.Options{ReadOnly: true, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if got, err := copyDB.Inquiry(q.Number); err != nil || got.Subject != "件名" {
		t.Fatalf("inquiry in the salvaged copy: %+v %v", got, err)
	}
}
