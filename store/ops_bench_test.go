package store

import (
	"context"
	"path/filepath"
	"testing"
)

// benchAuditDB is a database with n audit events (about 300 bytes each).
func benchAuditDB(b *testing.B, n int) *DB {
	b.Helper()
	db, _ := mustOpen(b)
	for done := 0; done < n; {
		err := db.Update(func(tx *Tx) error {
			for i := 0; i < 10000 && done < n; i, done = i+1, done+1 {
				if err := AppendAudit(tx, AuditEvent{Actor: "H000001", Action: "patient.view", Object: "patient:p1",
					Patient: "p1", Remote: "192.0.2.1", Detail: "カルテ閲覧"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// BenchmarkVerifyAudit walks a chain of 100,000 events (the audit page
// caches the result for a minute; hotline check always walks it all).
func BenchmarkVerifyAudit(b *testing.B) {
	db := benchAuditDB(b, 100000)
	b.ResetTimer()
	for b.Loop() {
		if v, err := db.VerifyAudit(); err != nil || !v.OK {
			b.Fatal(v, err)
		}
	}
}

// BenchmarkCheck is hotline check's full pass (pages, chain, indexes) over
// 100,000 audit events.
func BenchmarkCheck(b *testing.B) {
	db := benchAuditDB(b, 100000)
	b.ResetTimer()
	for b.Loop() {
		if r, err := db.Check(CheckOptions{Pages: true}); err != nil || !r.OK() {
			b.Fatal(r.Problems, err)
		}
	}
	b.ReportMetric(float64(db.FileSize())/(1<<20), "MB")
}

// BenchmarkBackupToFile writes, syncs, verifies and renames a backup of a
// database holding 100,000 audit events.
func BenchmarkBackupToFile(b *testing.B) {
	db := benchAuditDB(b, 100000)
	out := filepath.Join(b.TempDir(), "bench.db")
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.BackupToFile(context.Background(), out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(db.FileSize())/(1<<20), "MB")
}
