package store

import (
	"encoding/json"
	"hotline/store/jptext"
	"strings"
	"time"
)

// The index checks of hotline check (see registerIndex in check.go), one
// registerIndex call per index bucket: each says which entries a record
// calls for. A new index registers here or next to its own code.

var (
	_ = registerIndex(indexOf("sessions_by_member", "sessions",
		func(_ []byte, s *Session, add func(k, v []byte)) {
			if s.MemberID != "" {
				add(indexKey(s.MemberID, s.ID), nil)
			}
		}))

	_ = registerIndex(indexOf("sessions_by_patient", "sessions",
		func(_ []byte, s *Session, add func(k, v []byte)) {
			if s.MemberID == "" && s.PatientID != "" {
				add(indexKey(s.PatientID, s.ID), nil)
			}
		}))

	_ = registerIndex(indexOf("members_by_email", "members",
		func(_ []byte, m *Member, add func(k, v []byte)) {
			if m.Email != "" {
				add(indexKey(strings.ToLower(m.Email), m.ID), nil)
			}
		}))

	_ = registerIndex(indexOf("certificates_by_member", "certificates",
		func(_ []byte, c *Certificate, add func(k, v []byte)) {
			add(indexKey(c.MemberID, c.Serial), nil)
		}))

	_ = registerIndex(indexOf("audit_by_actor", "audit",
		func(key []byte, e *AuditEvent, add func(k, v []byte)) {
			add(indexKey(e.Actor, string(key)), nil)
		}))

	_ = registerIndex(indexOf("audit_by_patient", "audit",
		func(key []byte, e *AuditEvent, add func(k, v []byte)) {
			if e.Patient != "" {
				add(indexKey(e.Patient, string(key)), nil)
			}
		}))

	// The audit log's clock steps: no record calls for one by itself, a
	// walk of the log finds them.
	_ = registerIndex(indexSpec{Index: "audit_clock_steps", Records: "audit",
		Entries: func(_, _ []byte, _ func(k, v []byte)) error { return nil },
		Derived: func(tx *Tx, add func(k, v []byte)) error {
			_, _, err := eachAuditClockStep(tx, func(seq uint64, latestBefore time.Time) error {
				add(itob(seq), itob(uint64(latestBefore.UnixNano())))
				return nil
			})
			return err
		}})

	// 申請 by member.
	_ = registerIndex(indexOf("requests_by_member", "requests",
		func(_ []byte, r *Request, add func(k, v []byte)) {
			add(indexKey(r.MemberID, r.ID), nil)
		}))

	// Applications by status, and open applications by e-mail address.
	_ = registerIndex(indexOf("applications_by_status", "applications",
		func(_ []byte, a *Application, add func(k, v []byte)) {
			add(statusKey(a.Status, a.Number), nil)
		}))
	_ = registerIndex(indexOf("applications_by_email", "applications",
		func(_ []byte, a *Application, add func(k, v []byte)) {
			if a.Status.Open() {
				add(emailIndexKey(a.Email), []byte(a.Number))
			}
		}))
	// Receipt tokens: keyed by the hash of a token the file never holds,
	// so only their values are checked, one per application.
	_ = registerIndex(func() indexSpec {
		s := indexOf("application_tokens", "applications", func(_ []byte, a *Application, add func(k, v []byte)) {
			add([]byte(a.Number), nil)
		})
		s.ByValue = true
		return s
	}())

	// 患者様登録ソフト: patient IDs, the per-facility search index with its
	// patient counts, live links by facility.
	_ = registerIndex(indexOf("patient_ids", "patients",
		func(key []byte, p *Patient, add func(k, v []byte)) {
			add([]byte(p.ID), key)
		}))
	_ = registerIndex(func() indexSpec {
		s := indexOf("patient_index", "patients", func(key []byte, p *Patient, add func(k, v []byte)) {
			kana := jptext.KanaSearchKey(p.NameKana)
			add(pxKana(p.FacilityOID, kana, p.ID), key)
			add(pxBirth(p.FacilityOID, p.BirthDate, kana, p.ID), key)
			if p.ChartNumber != "" {
				add(pxChart(p.FacilityOID, p.ChartNumber), append([]byte(p.ID), key...))
			}
			add(pxOrder(p.FacilityOID, btoi(key)), encodePatientRow(*p))
		})
		s.Derived = func(tx *Tx, add func(k, v []byte)) error {
			counts := map[string]uint64{}
			err := tx.bucket(bucketPatients).ForEach(func(k, v []byte) error {
				var p struct {
					FacilityOID string `json:"facility_oid"`
				}
				if err := json.Unmarshal(v, &p); err != nil {
					return err
				}
				counts[p.FacilityOID]++
				return nil
			})
			for oid, n := range counts {
				add(pxCount(oid), itob(n))
			}
			return err
		}
		return s
	}())
	_ = registerIndex(indexOf("patient_links_by_facility", "patient_links",
		func(_ []byte, l *PatientLink, add func(k, v []byte)) {
			if l.RevokedAt.IsZero() {
				add(indexKey(l.FacilityOID, l.PatientID), itob(l.Seq))
			}
		}))
)
