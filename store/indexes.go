package store

import "strings"

// The index checks of the foundation's entities (see registerIndex in
// check.go). A new entity registers its indexes next to its own code with
// one registerIndex call each.

var (
	_ = registerIndex(indexOf("sessions_by_member", "sessions",
		func(_ []byte, s *Session, add func(k, v []byte)) {
			if s.MemberID != "" {
				add(indexKey(s.MemberID, s.ID), nil)
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
)
