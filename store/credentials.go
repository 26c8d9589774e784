package store

import (
	"encoding/json"
	"hotline/store/jptext"
	"strings"
)

// Password resets by the operator. Like approval, they produce a new
// credential letter: the new password is generated and hashed outside the
// transaction and returned in clear to the caller only.

// ResetMemberPassword gives a member a new initial password (to be changed
// at the next login), ends every session of the member and audits it.
// Operators' accounts are reset with `hotline operator reset`, withdrawn
// accounts not at all.
func (db *DB) ResetMemberPassword(id, actor, remote string) (Member, string, error) {
	m, err := db.Member(id)
	if err != nil {
		return Member{}, "", err
	}
	if err := resetConflict(m); err != nil {
		return Member{}, "", err
	}
	password := NewInitialPassword()
	hash := HashPassword(password)
	err = db.Update(func(tx *Tx) error {
		cur, err := memberTx(tx, id)
		if err != nil {
			return err
		}
		if err := resetConflict(cur); err != nil {
			return err
		}
		cur.PasswordHash = hash
		cur.MustChangePassword = true
		cur.PasswordChangedAt = tx.Now
		if err := putMemberTx(tx, cur); err != nil {
			return err
		}
		if err := deleteMemberSessionsTx(tx, id, ""); err != nil {
			return err
		}
		if err := AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditMemberPasswordReset, Object: "member:" + id, Remote: remote}); err != nil {
			return err
		}
		m = cur
		return nil
	})
	if err != nil {
		return Member{}, "", err
	}
	db.sessions.evictMember(id, "")
	return m, password, nil
}

func resetConflict(m Member) error {
	switch {
	case m.IsOperator():
		return Errorf(ECONFLICT, "運営者アカウント（%s）のパスワードはここでは再発行できません。サーバーで hotline operator reset を実行してください。", m.ID)
	case m.Status == MemberWithdrawn:
		return Errorf(ECONFLICT, "%s は退会済みのため、パスワードを再発行できません。", m.ID)
	}
	return nil
}

// ResetFacilityPassword gives a facility a new facility password (施設登録情報
// is printed again) and audits it.
func (db *DB) ResetFacilityPassword(oid, actor, remote string) (Facility, string, error) {
	f, err := db.Facility(oid)
	if err != nil {
		return Facility{}, "", err
	}
	if !f.Active {
		return Facility{}, "", Errorf(ECONFLICT, "施設 %s は利用停止中のため、パスワードを再発行できません。", oid)
	}
	password := NewInitialPassword()
	hash := HashPassword(password)
	var dropped []string
	err = db.Update(func(tx *Tx) error {
		cur, err := facilityTx(tx, oid)
		if err != nil {
			return err
		}
		if !cur.Active {
			return Errorf(ECONFLICT, "施設 %s は利用停止中のため、パスワードを再発行できません。", oid)
		}
		cur.PasswordHash = hash
		cur.PasswordChangedAt = tx.Now
		if err := putFacilityTx(tx, cur); err != nil {
			return err
		}
		if err := AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditFacilityPasswordReset, Object: "facility:" + oid, Remote: remote}); err != nil {
			return err
		}
		// Sessions unlocked with the old facility password must unlock again.
		if dropped, err = relockPRSTx(tx, oid, ""); err != nil {
			return err
		}
		f = cur
		return nil
	})
	if err != nil {
		return Facility{}, "", err
	}
	db.forgetSessions(dropped)
	return f, password, nil
}

// MembersOfFacility lists the accounts that belong to a facility, in ID
// order.
func (db *DB) MembersOfFacility(oid string) ([]Member, error) {
	var out []Member
	err := db.View(func(tx *Tx) error {
		return tx.bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return Errorf(EINTERNAL, "member %s: %v", k, err)
			}
			if m.FacilityOID == oid {
				out = append(out, m)
			}
			return nil
		})
	})
	return out, err
}

// SearchFacilities lists facilities whose OID, name or 医療機関コード contains
// q, ignoring case and width (all when q is empty), in OID order.
func (db *DB) SearchFacilities(q string) ([]Facility, error) {
	all, err := db.Facilities()
	if err != nil {
		return nil, err
	}
	q = strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(q)))
	if q == "" {
		return all, nil
	}
	upper := strings.ToUpper(q)
	var out []Facility
	for _, f := range all {
		if strings.Contains(f.OID, upper) || strings.Contains(strings.ToUpper(jptext.NormalizeWidth(f.Name)), upper) ||
			(f.Code != "" && strings.Contains(f.Code, q)) {
			out = append(out, f)
		}
	}
	return out, nil
}
