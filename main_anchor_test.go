package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hotline/store"
)

// hotline check --anchor: a chain rebuilt after a change passes the plain
// check, and fails against the anchors, naming the first it misses.
func TestCheckCommandWithAnchors(t *testing.T) {
	dir := t.TempDir()
	path, anchors := filepath.Join(dir, "hotline.db"), filepath.Join(dir, store.AnchorFileName)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.StartAuditAnchors(store.AnchorConfig{File: anchors, Every: 10}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 25; i++ {
		if err := db.Audit(store.AuditEvent{Actor: "H000001", Action: "patient.view"}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	var out strings.Builder
	if err := run([]string{"check", "--db", path, "--anchor", anchors}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "すべてをチェーンが通過しています") {
		t.Fatalf("check with anchors: %v\n%s", err, out.String())
	}

	// Rewrite event 12 and every hash after it, as someone who can write
	// the file would.
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("audit"))
		var prev string
		var events []store.AuditEvent
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var e store.AuditEvent
			if err := json.Unmarshal(v, &e); err != nil {
				return err
			}
			if e.Seq == 11 {
				prev = e.Hash
			}
			if e.Seq >= 12 {
				events = append(events, e)
			}
		}
		events[0].Result = store.ResultDenied
		for _, e := range events {
			e.Prev, e.Hash = prev, ""
			data, _ := json.Marshal(e)
			sum := sha256.Sum256(data)
			e.Hash = hex.EncodeToString(sum[:])
			data, _ = json.Marshal(e)
			key := binary.BigEndian.AppendUint64(nil, e.Seq)
			if err := b.Put(key, data); err != nil {
				return err
			}
			prev = e.Hash
		}
		meta := tx.Bucket([]byte("meta"))
		var head map[string]any
		if err := json.Unmarshal(meta.Get([]byte("audit_head")), &head); err != nil {
			return err
		}
		head["hash"] = prev
		data, _ := json.Marshal(head)
		return meta.Put([]byte("audit_head"), data)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out.Reset()
	if err := run([]string{"check", "--db", path}, &out, io.Discard); err != nil {
		t.Fatalf("plain check of the rebuilt chain: %v\n%s", err, out.String())
	}
	out.Reset()
	err = run([]string{"check", "--db", path, "--anchor", anchors}, &out, io.Discard)
	af, _ := store.ReadAnchorFile(anchors)
	var first store.AuditAnchor
	for _, a := range af.Anchors {
		if a.Seq >= 12 {
			first = a
			break
		}
	}
	if err == nil || first.Seq == 0 || !strings.Contains(out.String(), "行目のアンカー（連番 "+strconv.FormatUint(first.Seq, 10)) {
		t.Fatalf("anchored check of the rebuilt chain: %v (first anchor after the change: %+v)\n%s", err, first, out.String())
	}

	// A missing anchor file is an error, not a pass.
	if err := run([]string{"check", "--db", path, "--anchor", filepath.Join(dir, "none.txt")}, io.Discard, io.Discard); err == nil {
		t.Fatal("check with a missing anchor file passed")
	}
}

// serve keeps the anchors beside the backups unless --audit-anchor says
// otherwise.
func TestServeAnchorFileDefault(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(dir string) serveConfig
		want func(dir string) string
	}{
		{"beside the backups", func(dir string) serveConfig {
			return serveConfig{backups: store.BackupSchedule{Dir: dir}}
		}, func(dir string) string { return filepath.Join(dir, store.AnchorFileName) }},
		{"--audit-anchor", func(dir string) serveConfig {
			return serveConfig{backups: store.BackupSchedule{Dir: dir}, auditAnchor: filepath.Join(dir, "elsewhere.txt")}
		}, func(dir string) string { return filepath.Join(dir, "elsewhere.txt") }},
	} {
		dir := t.TempDir()
		db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := startAuditAnchors(db, tc.cfg(dir), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			t.Fatal(err)
		}
		if err := db.Audit(store.AuditEvent{Actor: "system", Action: "test"}); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if fi, err := os.Stat(tc.want(dir)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: anchor file %v %v", tc.name, fi, err)
		}
	}
	// Neither: the log only, with a warning.
	db, err := store.Open(filepath.Join(t.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var log strings.Builder
	if err := startAuditAnchors(db, serveConfig{}, slog.New(slog.NewTextHandler(&log, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "--audit-anchor") {
		t.Fatalf("log: %s", log.String())
	}
}
