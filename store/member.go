package store

import (
	"encoding/json"
	"hotline/store/jptext"
	"regexp"
	"strings"
	"time"
)

var (
	bucketMembers        = []byte("members")
	bucketMembersByEmail = []byte("members_by_email")
)

// Role says what an account may do.
type Role string

const (
	RoleMember   Role = "member"   // 会員（医師・薬剤師・看護師など）
	RoleOperator Role = "operator" // 運営者（ほっとラインセンター）
)

// MemberStatus is the life of an account. Accounts are never deleted.
type MemberStatus string

const (
	MemberActive    MemberStatus = "active"    // 利用中
	MemberLocked    MemberStatus = "locked"    // 利用停止（運営者による）
	MemberWithdrawn MemberStatus = "withdrawn" // 退会
)

// Label is the status in Japanese.
func (s MemberStatus) Label() string {
	switch s {
	case MemberActive:
		return "利用中"
	case MemberLocked:
		return "利用停止"
	case MemberWithdrawn:
		return "退会"
	}
	return string(s)
}

// Qualification is a member's licence (資格).
type Qualification string

const (
	QualDoctor     Qualification = "doctor"
	QualDentist    Qualification = "dentist"
	QualPharmacist Qualification = "pharmacist"
	QualNurse      Qualification = "nurse"
	QualOther      Qualification = "other"
)

// Qualifications in the order forms list them.
var Qualifications = []Qualification{QualDoctor, QualDentist, QualPharmacist, QualNurse, QualOther}

// Label is the qualification in Japanese.
func (q Qualification) Label() string {
	switch q {
	case QualDoctor:
		return "医師"
	case QualDentist:
		return "歯科医師"
	case QualPharmacist:
		return "薬剤師"
	case QualNurse:
		return "看護師"
	case QualOther:
		return "その他の医療従事者"
	}
	return string(q)
}

// Valid reports whether q is a known qualification.
func (q Qualification) Valid() bool {
	for _, v := range Qualifications {
		if q == v {
			return true
		}
	}
	return false
}

// Member is an account: a medical professional with a ほっとラインID
// (H + 6 digits) belonging to one facility, or an operator.
type Member struct {
	ID            string        `json:"id"`
	Role          Role          `json:"role"`
	Status        MemberStatus  `json:"status"`
	Name          string        `json:"name"`      // 氏名
	NameKana      string        `json:"name_kana"` // フリガナ（全角カタカナ）
	Qualification Qualification `json:"qualification,omitempty"`
	LicenseNumber string        `json:"license_number,omitempty"` // 免許番号
	Email         string        `json:"email,omitempty"`
	Phone         string        `json:"phone,omitempty"`
	Department    string        `json:"department,omitempty"` // 診療科・専門
	// DirectoryHidden: the member chose not to appear in the 会員名簿
	// (the default is to appear); Introduction is shown there.
	DirectoryHidden    bool   `json:"directory_hidden,omitempty"`
	Introduction       string `json:"introduction,omitempty"`
	FacilityOID        string `json:"facility_oid,omitempty"`
	ApplicationNumber  string `json:"application_number,omitempty"`
	PasswordHash       string `json:"password_hash"`
	MustChangePassword bool   `json:"must_change_password"`
	// CertAllowance is how many certificates the account may still issue:
	// 1 at approval, +1 per reissue the operator grants.
	CertAllowance int `json:"cert_allowance"`
	// SharedPCs are the operator's allowances, each for one certificate on
	// a named shared PC (shared_pc.go).
	SharedPCs         []SharedPCGrant `json:"shared_pcs,omitempty"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	PasswordChangedAt time.Time       `json:"password_changed_at,omitempty"`
	LastLoginAt       time.Time       `json:"last_login_at,omitempty"`
}

// IsOperator reports whether the account is an operator.
func (m Member) IsOperator() bool { return m.Role == RoleOperator }

// Active reports whether the account may log in.
func (m Member) Active() bool { return m.Status == MemberActive }

// operatorIDPattern: operator login names are short lower-case words, so they
// can never collide with ほっとラインIDs (H + digits).
var operatorIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_.-]{2,31}$`)

// memberIDPattern is a ほっとラインID.
var memberIDPattern = regexp.MustCompile(`^H[0-9]{6}$`)

// NormalizeAccountID turns what a person types in the ID field into the
// stored form (ほっとラインIDs upper-case, operator names lower-case).
func NormalizeAccountID(s string) string {
	s = strings.TrimSpace(jptext.NormalizeWidth(s))
	if len(s) > 0 && (s[0] == 'h' || s[0] == 'H') && memberIDPattern.MatchString("H"+s[1:]) {
		return "H" + s[1:]
	}
	return strings.ToLower(s)
}

// Member finds an account by ID.
func (db *DB) Member(id string) (Member, error) {
	var m Member
	err := db.View(func(tx *Tx) error {
		var err error
		m, err = memberTx(tx, id)
		return err
	})
	return m, err
}

func memberTx(tx *Tx, id string) (Member, error) {
	return cachedTx(tx, bucketMembers, tx.db.members, id, "member")
}

func putMemberTx(tx *Tx, m Member) error {
	m.UpdatedAt = tx.Now
	return putJSON(tx.bucket(bucketMembers), []byte(m.ID), m)
}

// nextMemberIDTx allocates the next ほっとラインID.
func nextMemberIDTx(tx *Tx) (string, error) {
	seq, err := tx.bucket(bucketMembers).NextSequence()
	if err != nil {
		return "", err
	}
	return sequenceID("H", seq), nil
}

// Members lists accounts; match filters (nil: all).
func (db *DB) Members(match func(Member) bool) ([]Member, error) {
	var out []Member
	err := db.View(func(tx *Tx) error {
		return tx.bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return Errorf(EINTERNAL, "member %s: %v", k, err)
			}
			if match == nil || match(m) {
				out = append(out, m)
			}
			return nil
		})
	})
	return out, err
}

// EnsureFirstOperator creates the operator "admin" on a database that has no
// operator yet. It returns true when it created one.
func (db *DB) EnsureFirstOperator(password string, mustChange bool) (bool, error) {
	var exists bool
	if err := db.View(func(tx *Tx) error {
		var err error
		exists, err = hasOperatorTx(tx)
		return err
	}); err != nil || exists {
		return false, err
	}
	// Hashed only on the first start: it costs tens of milliseconds.
	hash := HashPassword(password)
	created := false
	err := db.Update(func(tx *Tx) error {
		created = false
		if exists, err := hasOperatorTx(tx); err != nil || exists {
			return err
		}
		m := Member{ID: "admin", Role: RoleOperator, Status: MemberActive, Name: "運営管理者",
			PasswordHash: hash, MustChangePassword: mustChange, CertAllowance: 1, CreatedAt: tx.Now}
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		created = true
		return AppendAudit(tx, AuditEvent{Actor: "system", Action: AuditOperatorCreate, Object: "member:admin"})
	})
	return created, err
}

func hasOperatorTx(tx *Tx) (bool, error) {
	c := tx.bucket(bucketMembers).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return false, err
		}
		if m.IsOperator() {
			return true, nil
		}
	}
	return false, nil
}

// ChangePassword sets a new password chosen by the member, ends their other
// sessions (keepSession stays) and audits it. The hash is computed by the
// caller outside the transaction.
func (db *DB) ChangePassword(id, newHash, keepSession, remote string) error {
	err := db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, id)
		if err != nil {
			return err
		}
		m.PasswordHash = newHash
		m.MustChangePassword = false
		m.PasswordChangedAt = tx.Now
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		if err := deleteMemberSessionsTx(tx, id, keepSession); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: id, Action: AuditPasswordChange, Object: "member:" + id, Remote: remote})
	})
	if err == nil {
		db.sessions.evictMember(id, keepSession)
	}
	return err
}

// RecordLogin notes a successful login and audits it (detail names the
// certificate used, if any).
func (db *DB) RecordLogin(id, remote, detail string) error {
	return db.Batch(func(tx *Tx) error {
		m, err := memberTx(tx, id)
		if err != nil {
			return err
		}
		m.LastLoginAt = tx.Now
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: id, Action: AuditLogin, Object: "member:" + id, Remote: remote, Detail: detail})
	})
}
