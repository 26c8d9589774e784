package store

// The member's own profile (ユーザ編集) and the operator's administration of
// accounts: search, lock, unlock, withdrawal, named operator accounts and
// the offline operator reset.

import (
	"encoding/json"
	"hotline/store/jptext"
	"sort"
	"strings"
)

// ProfileForm is what a member may change about themselves on ユーザ編集.
// These fields feed the member directory.
type ProfileForm struct {
	Name       string
	NameKana   string
	Email      string
	Phone      string
	Department string // 診療科・専門
	// Directory is "on" to appear in the 会員名簿, "" not to; Keep
	// leaves the choice as it is (a client that does not show it).
	Directory     string
	KeepDirectory bool
	Introduction  string // 自己紹介（会員名簿に表示）
}

// ProfileSpec is ユーザ編集, in screen order.
var ProfileSpec = Fields{
	{Name: "name", Label: "氏名", Max: 60, Required: true},
	{Name: "name_kana", Label: "フリガナ", Max: 60, Required: true},
	{Name: "email", Label: "メールアドレス", Max: 254, Required: true},
	{Name: "phone", Label: "電話番号", Max: 20, Required: true},
	{Name: "department", Label: "診療科・専門", Max: 60},
	{Name: "directory", Label: "会員名簿への掲載"},
	{Name: "introduction", Label: "自己紹介", Max: MaxIntroduction, Multiline: true},
}

// Validate normalises the form with the store's normalisers.
func (f *ProfileForm) Validate() error {
	fe := FieldErrors{}
	f.Name = strings.Join(strings.Fields(NormalizeWidthSpaces(f.Name)), " ")
	checkText(fe, "name", "氏名", f.Name, true, 60)
	if k, err := jptext.NormalizeKana(f.NameKana); err != nil {
		fe.Add("name_kana", "フリガナ："+err.Error())
	} else if k == "" {
		fe.Add("name_kana", "フリガナを入力してください")
	} else {
		f.NameKana = k
	}
	if e, err := jptext.NormalizeEmail(f.Email); err != nil {
		fe.Add("email", err.Error())
	} else if e == "" {
		fe.Add("email", "メールアドレスを入力してください")
	} else {
		f.Email = e
	}
	if p, err := jptext.NormalizePhone(f.Phone); err != nil {
		fe.Add("phone", err.Error())
	} else if p == "" {
		fe.Add("phone", "電話番号を入力してください")
	} else {
		f.Phone = p
	}
	f.Department = strings.TrimSpace(f.Department)
	checkText(fe, "department", "診療科・専門", f.Department, false, 60)
	f.Introduction = cleanSection(f.Introduction)
	ProfileSpec.Check(fe, "introduction", f.Introduction)
	switch f.Directory {
	case "", "on", "1":
	default:
		fe.Add("directory", "会員名簿への掲載を選んでください")
	}
	return fe.Err()
}

// NormalizeWidthSpaces turns full-width spaces into ASCII ones (names are
// often typed with the IME on); the rest of the text is kept as typed.
func NormalizeWidthSpaces(s string) string { return strings.ReplaceAll(s, "\u3000", " ") }

// UpdateProfile stores the member's own changes, audited.
func (db *DB) UpdateProfile(id string, f ProfileForm, remote string) (Member, error) {
	if err := f.Validate(); err != nil {
		return Member{}, err
	}
	var m Member
	err := db.Update(func(tx *Tx) error {
		var err error
		m, err = memberTx(tx, id)
		if err != nil {
			return err
		}
		var changed []string
		set := func(field string, dst *string, v string) {
			if *dst != v {
				changed = append(changed, field)
				*dst = v
			}
		}
		oldEmail := m.Email
		set("name", &m.Name, f.Name)
		set("name_kana", &m.NameKana, f.NameKana)
		set("email", &m.Email, f.Email)
		set("phone", &m.Phone, f.Phone)
		set("department", &m.Department, f.Department)
		set("introduction", &m.Introduction, f.Introduction)
		if hidden := f.Directory == ""; !f.KeepDirectory && hidden != m.DirectoryHidden {
			changed = append(changed, "directory")
			m.DirectoryHidden = hidden
		}
		if len(changed) == 0 {
			return nil
		}
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		if err := indexMemberEmailTx(tx, m.ID, oldEmail, m.Email); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: id, Action: AuditMemberProfile, Object: "member:" + id, Remote: remote,
			Detail: strings.Join(changed, ",")})
	})
	return m, err
}

// indexMemberEmailTx keeps members_by_email (key: lower-case address, 0,
// member ID) in step with a member's address.
func indexMemberEmailTx(tx *Tx, id, oldEmail, newEmail string) error {
	b := tx.bucket(bucketMembersByEmail)
	if oldEmail != "" {
		if err := b.Delete(indexKey(strings.ToLower(oldEmail), id)); err != nil {
			return err
		}
	}
	if newEmail != "" {
		return b.Put(indexKey(strings.ToLower(newEmail), id), nil)
	}
	return nil
}

// MemberFilter selects members on the operator's 会員 list.
type MemberFilter struct {
	// Query matches the ID (prefix), the name (part), the kana (part, any
	// width or script), the facility's OID or name (part).
	Query  string
	Status MemberStatus
	Page   int // from 1
	// PerPage defaults to 50.
	PerPage int
}

// MemberRow is a member with its facility's name for lists.
type MemberRow struct {
	Member
	FacilityName string
}

// MemberPage is one page of a member search.
type MemberPage struct {
	Rows    []MemberRow
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p MemberPage) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return (p.Total + p.PerPage - 1) / p.PerPage
}

// SearchMembers lists members (not operators) matching f, by ID.
func (db *DB) SearchMembers(f MemberFilter) (MemberPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := strings.TrimSpace(jptext.NormalizeWidth(f.Query))
	qID := NormalizeAccountID(q)
	qLower := strings.ToLower(q)
	qKana := jptext.KanaSearchKey(q)
	page := MemberPage{Page: f.Page, PerPage: f.PerPage}
	err := db.View(func(tx *Tx) error {
		facilities := map[string]string{}
		facilityName := func(oid string) string {
			if oid == "" {
				return ""
			}
			name, ok := facilities[oid]
			if !ok {
				if fac, err := facilityTx(tx, oid); err == nil {
					name = fac.Name
				}
				facilities[oid] = name
			}
			return name
		}
		first := (f.Page - 1) * f.PerPage
		return tx.bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m Member
			if err := json.Unmarshal(v, &m); err != nil {
				return Errorf(EINTERNAL, "member %s: %v", k, err)
			}
			if m.IsOperator() || (f.Status != "" && m.Status != f.Status) {
				return nil
			}
			fname := facilityName(m.FacilityOID)
			if q != "" {
				match := strings.HasPrefix(m.ID, qID) ||
					strings.Contains(strings.ToLower(jptext.NormalizeWidth(m.Name)), qLower) ||
					strings.Contains(strings.ReplaceAll(m.Name, " ", ""), strings.ReplaceAll(q, " ", "")) ||
					(qKana != "" && strings.Contains(jptext.KanaSearchKey(m.NameKana), qKana)) ||
					strings.EqualFold(m.FacilityOID, q) ||
					(fname != "" && strings.Contains(strings.ToLower(jptext.NormalizeWidth(fname)), qLower))
				if !match {
					return nil
				}
			}
			if page.Total >= first && len(page.Rows) < f.PerPage {
				page.Rows = append(page.Rows, MemberRow{Member: m, FacilityName: fname})
			}
			page.Total++
			return nil
		})
	})
	return page, err
}

// MemberCounts are the dashboard's numbers of member accounts.
type MemberCounts struct {
	Total, Active, Locked, Withdrawn int
}

// CountMembers counts member accounts (operators not included).
func (db *DB) CountMembers() (MemberCounts, error) {
	var c MemberCounts
	err := db.View(func(tx *Tx) error {
		c = MemberCounts{}
		return tx.bucket(bucketMembers).ForEach(func(k, v []byte) error {
			var m struct {
				Role   Role         `json:"role"`
				Status MemberStatus `json:"status"`
			}
			if err := json.Unmarshal(v, &m); err != nil {
				return Errorf(EINTERNAL, "member %s: %v", k, err)
			}
			if m.Role == RoleOperator {
				return nil
			}
			c.Total++
			switch m.Status {
			case MemberActive:
				c.Active++
			case MemberLocked:
				c.Locked++
			case MemberWithdrawn:
				c.Withdrawn++
			}
			return nil
		})
	})
	return c, err
}

// LockMember stops an account (利用停止): it can no longer log in and its
// sessions end; certificates and data stay. An operator cannot lock
// themselves nor the last active operator.
func (db *DB) LockMember(id, actor, remote string) error {
	err := db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, id)
		if err != nil {
			return err
		}
		switch m.Status {
		case MemberLocked:
			return Errorf(ECONFLICT, "このアカウントはすでに利用停止中です")
		case MemberWithdrawn:
			return Errorf(ECONFLICT, "このアカウントは退会済みです")
		}
		if m.IsOperator() {
			if err := checkOperatorMayStopTx(tx, m, actor); err != nil {
				return err
			}
		}
		m.Status = MemberLocked
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		if err := deleteMemberSessionsTx(tx, id, ""); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: lockAction(m, "lock"), Object: "member:" + id, Remote: remote})
	})
	if err == nil {
		db.sessions.evictMember(id, "")
	}
	return err
}

func lockAction(m Member, verb string) AuditAction {
	switch {
	case m.IsOperator() && verb == "lock":
		return AuditOperatorLock
	case m.IsOperator():
		return AuditOperatorUnlock
	case verb == "lock":
		return AuditMemberLock
	}
	return AuditMemberUnlock
}

// checkOperatorMayStopTx refuses to stop oneself or the last active
// operator.
func checkOperatorMayStopTx(tx *Tx, m Member, actor string) error {
	if m.ID == actor {
		return Errorf(ECONFLICT, "自分自身のアカウントは利用停止にできません")
	}
	active := 0
	err := tx.bucket(bucketMembers).ForEach(func(k, v []byte) error {
		var o Member
		if err := json.Unmarshal(v, &o); err != nil {
			return err
		}
		if o.IsOperator() && o.Active() {
			active++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if active <= 1 {
		return Errorf(ECONFLICT, "利用中の運営者が他にいないため、利用停止にできません")
	}
	return nil
}

// UnlockMember lets a locked account log in again. A withdrawn account
// stays withdrawn.
func (db *DB) UnlockMember(id, actor, remote string) error {
	return db.Update(func(tx *Tx) error {
		m, err := memberTx(tx, id)
		if err != nil {
			return err
		}
		switch m.Status {
		case MemberActive:
			return Errorf(ECONFLICT, "このアカウントは利用停止されていません")
		case MemberWithdrawn:
			return Errorf(ECONFLICT, "退会済みのアカウントは再開できません。再び利用するには利用申込からお申し込みください")
		}
		m.Status = MemberActive
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: lockAction(m, "unlock"), Object: "member:" + id, Remote: remote})
	})
}

// WithdrawMember ends a membership (退会): certificates revoked, sessions
// ended, every record kept. via names the request it answers, if any.
func (db *DB) WithdrawMember(id, actor, remote, via string) error {
	err := db.Update(func(tx *Tx) error {
		return withdrawMemberTx(tx, id, actor, remote, via)
	})
	if err == nil {
		db.sessions.evictMember(id, "")
	}
	return err
}

func withdrawMemberTx(tx *Tx, id, actor, remote, via string) error {
	m, err := memberTx(tx, id)
	if err != nil {
		return err
	}
	if m.IsOperator() {
		return Errorf(EFORBIDDEN, "運営者アカウントは退会にできません（利用停止を使ってください）")
	}
	if m.Status == MemberWithdrawn {
		return Errorf(ECONFLICT, "このアカウントはすでに退会済みです")
	}
	m.Status = MemberWithdrawn
	m.CertAllowance = 0
	if err := putMemberTx(tx, m); err != nil {
		return err
	}
	if err := revokeMemberCertificatesTx(tx, id, actor); err != nil {
		return err
	}
	if err := deleteMemberSessionsTx(tx, id, ""); err != nil {
		return err
	}
	return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditMemberWithdraw, Object: "member:" + id, Remote: remote, Detail: via})
}

// Operators lists the operator accounts by ID.
func (db *DB) Operators() ([]Member, error) {
	out, err := db.Members(func(m Member) bool { return m.IsOperator() })
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

// OperatorSpec is the new-operator form, in screen order (the login
// name's pattern is its own rule).
var OperatorSpec = Fields{
	{Name: "id", Label: "ログイン名", Max: 32, Required: true},
	{Name: "name", Label: "氏名", Max: 60, Required: true},
}

// OperatorFormFrom reads the form's values (by OperatorSpec's names).
func OperatorFormFrom(v map[string]string) OperatorForm {
	return OperatorForm{ID: v["id"], Name: v["name"]}
}

// OperatorForm names a new operator account.
type OperatorForm struct {
	ID   string // login name
	Name string
}

// Validate normalises and checks the form.
func (f *OperatorForm) Validate() error {
	fe := FieldErrors{}
	f.ID = strings.TrimSpace(jptext.NormalizeWidth(f.ID))
	f.Name = strings.Join(strings.Fields(NormalizeWidthSpaces(f.Name)), " ")
	switch {
	case f.ID == "":
		fe.Add("id", "ログイン名を入力してください")
	case !operatorIDPattern.MatchString(f.ID):
		fe.Add("id", "ログイン名は英小文字で始まる3〜32文字の英小文字・数字・「_」「.」「-」で入力してください")
	case NormalizeAccountID(f.ID) != f.ID:
		// h000001 would be read as the ほっとラインID H000001 at login.
		fe.Add("id", "ログイン名は「h」と6桁の数字の形にはできません（ほっとラインIDと区別できません）")
	}
	OperatorSpec.Check(fe, "name", f.Name)
	return fe.Err()
}

// CreateOperator adds a named operator account with an initial password
// (hashed by the caller) that must be changed at first login, and one
// certificate allowance.
func (db *DB) CreateOperator(f OperatorForm, passwordHash, actor, remote string) (Member, error) {
	if err := f.Validate(); err != nil {
		return Member{}, err
	}
	var m Member
	err := db.Update(func(tx *Tx) error {
		if _, err := memberTx(tx, f.ID); err == nil {
			return Invalid("id", "このログイン名はすでに使われています")
		} else if ErrorCode(err) != ENOTFOUND {
			return err
		}
		m = Member{ID: f.ID, Role: RoleOperator, Status: MemberActive, Name: f.Name, PasswordHash: passwordHash,
			MustChangePassword: true, CertAllowance: 1, CreatedAt: tx.Now}
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditOperatorCreate, Object: "member:" + m.ID, Remote: remote})
	})
	return m, err
}

// ResetOperator is the way back in when an operator lost their password or
// certificate (hotline operator reset, server stopped): a new password
// (hashed by the caller) that must be changed at first login, at least one
// certificate allowance, sessions and login holds ended, the account
// active again. Audited as system. Other accounts are refused.
func (db *DB) ResetOperator(id, passwordHash string) (Member, error) {
	var m Member
	err := db.Update(func(tx *Tx) error {
		var err error
		m, err = memberTx(tx, id)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(ENOTFOUND, "運営者 %s は登録されていません", id)
		}
		if err != nil {
			return err
		}
		if !m.IsOperator() {
			return Errorf(EFORBIDDEN, "%s は運営者アカウントではありません（会員のパスワードは運営者が管理画面で再設定します）", id)
		}
		detail := ""
		if m.Status != MemberActive {
			detail = "status " + string(m.Status) + " → active"
			m.Status = MemberActive
		}
		m.PasswordHash = passwordHash
		m.MustChangePassword = true
		m.PasswordChangedAt = tx.Now
		m.CertAllowance = max(m.CertAllowance, 1)
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		if err := deleteMemberSessionsTx(tx, id, ""); err != nil {
			return err
		}
		if _, err := deleteAccountHoldsTx(tx, id); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: "system", Action: AuditOperatorReset, Object: "member:" + id, Detail: detail})
	})
	if err == nil {
		db.sessions.evictMember(id, "")
		if t, err := db.loginThrottle(); err == nil {
			t.forgetAccount(id)
		}
	}
	return m, err
}
