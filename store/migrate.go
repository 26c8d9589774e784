package store

import (
	"fmt"
	"time"
)

var (
	bucketMeta = []byte("meta")
	keySchema  = []byte("schema_version")
)

// migrations bring a file from version i to i+1; the schema version is the
// number applied. Append only: never edit or reorder a released step.
var migrations = []func(tx *Tx) error{
	// 1: the foundation.
	createBuckets("settings", "audit", "audit_by_actor", "audit_by_patient", "inquiries"),
	// 2: membership, sessions and certificates.
	createBuckets("applications", "application_tokens", "members", "members_by_email",
		"facilities", "sessions", "sessions_by_member", "certificates", "certificates_by_member",
		"requests", "links", "login_failures", "ca"),
	// Application review (利用申込・審査): applications by status, open
	// applications by e-mail.
	createBuckets("applications_by_status", "applications_by_email"),
	// 患者様登録ソフト (PRS): patients, their history, indexes and links.
	createBuckets("patients", "patient_ids", "patient_versions", "patient_index", "patient_links", "patient_links_by_facility"),
	// members: requests by member (申請の履歴).
	createBuckets("requests_by_member"),
	// Where the audit log's clock went back, for its date filter.
	migrateAuditClockSteps,
	// 添付ファイル of DMS records and referral letters (attachment.go):
	// metadata, content by SHA-256 and its chunks.
	createBuckets("attachments", "attachment_blobs", "attachment_blobs_by_sha", "attachment_chunks"),
	// The drug master (薬価基準): the current and previous versions' drugs,
	// and the description of every imported version.
	createBuckets("drugs", "drug_masters"),
	// Web処方箋: prescriptions by seq, 照会番号 → seq, the list and
	// duplicate-check indexes, and 約束処方 (rx_store.go, rx_preset.go).
	createBuckets("prescriptions", "rx_numbers", "rx_index", "rx_presets", "rx_presets_index"),
	// 地域連携: referral letters and the lists' indexes (referral_store.go).
	createBuckets("referrals", "referral_index"),
	// A pharmacy's access to the prescriptions it looked up (rx_grants).
	createBuckets("rx_grants"),
	// 医療記録 (DMS): records, their versions and disclosures, the lists.
	createBuckets("dms_records", "dms_record_versions", "dms_record_disclosures", "dms_record_index"),
	// Patient sessions by patient (a new access card ends them).
	createBuckets("sessions_by_patient"),
}

// SchemaVersion is the version this build writes.
func SchemaVersion() int { return len(migrations) }

func createBuckets(names ...string) func(tx *Tx) error {
	return func(tx *Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}
}

// migrateAuditClockSteps notes the clock steps of the log written so far
// and the head's times (see bucketAuditClockSteps).
func migrateAuditClockSteps(tx *Tx) error {
	b, err := tx.CreateBucketIfNotExists(bucketAuditClockSteps)
	if err != nil {
		return err
	}
	last, latest, err := eachAuditClockStep(tx, func(seq uint64, latestBefore time.Time) error {
		return b.Put(itob(seq), itob(uint64(latestBefore.UnixNano())))
	})
	if err != nil {
		return err
	}
	meta := tx.bucket(bucketMeta)
	var head auditHead
	if found, err := getJSON(meta, keyAuditHead, &head); err != nil || !found {
		return err
	}
	head.Time, head.Max = last, latest
	return putJSON(meta, keyAuditHead, head)
}

func (db *DB) migrate() error {
	return db.Update(func(tx *Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		v := 0
		if b := meta.Get(keySchema); b != nil {
			v = int(btoi(b))
		}
		if v > len(migrations) {
			return fmt.Errorf("database schema version %d is newer than this program (%d): use a newer hotline", v, len(migrations))
		}
		for i := v; i < len(migrations); i++ {
			if err := migrations[i](tx); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		return meta.Put(keySchema, itob(uint64(len(migrations))))
	})
}

// StoredSchemaVersion reads the version recorded in the file.
func (db *DB) StoredSchemaVersion() (int, error) {
	v := 0
	err := db.View(func(tx *Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return nil
		}
		if b := meta.Get(keySchema); len(b) == 8 {
			v = int(btoi(b))
		}
		return nil
	})
	return v, err
}

// secret returns a random secret stored under name in the meta bucket,
// creating it on first use (CSRF and cookie keys survive restarts).
func (db *DB) Secret(name string, size int) ([]byte, error) {
	var out []byte
	err := db.View(func(tx *Tx) error {
		if v := tx.bucket(bucketMeta).Get([]byte("secret/" + name)); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil || out != nil {
		return out, err
	}
	err = db.Update(func(tx *Tx) error {
		b := tx.bucket(bucketMeta)
		if v := b.Get([]byte("secret/" + name)); v != nil {
			out = append([]byte(nil), v...)
			return nil
		}
		out = randomBytes(size)
		return b.Put([]byte("secret/"+name), out)
	})
	return out, err
}
