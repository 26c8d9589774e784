package store

import (
	"encoding/json"
	"errors"
	"hotline/store/jptext"
	"slices"
	"strconv"
	"strings"
)

// 患者様登録ソフト asks, inside the member's session, for the facility's OID
// and facility password (the ones on 「施設登録情報」, not the member's own).
// It works only for the member's own facility.

const errPRSUnlock = "施設ID（OID）または施設パスワードが正しくありません。「施設登録情報」に記載のOIDとパスワードを入力してください"

// checkFacilityPassword verifies a facility password typed by a member,
// throttled like login (prs_throttle.go); it audits failures under action.
// A wrong pair is EUNAUTHORIZED, also when it starts a hold (the message
// then says so); the attempts after it are ETHROTTLED, with RetryAt.
func (db *DB) checkFacilityPassword(memberID, oid, password, remote string, action AuditAction) (Facility, error) {
	m, err := db.Member(memberID)
	if err != nil {
		return Facility{}, err
	}
	attempt := prsAttempt(m, remote)
	if retry, err := db.CheckLogin(attempt); err != nil {
		if ErrorCode(err) != ETHROTTLED {
			return Facility{}, err
		}
		_ = db.Audit(AuditEvent{Actor: memberID, Action: action, Object: "facility:" + clip(oid, 20), Remote: remote,
			Result: ResultDenied, Detail: "throttled"})
		var e *Error
		errors.As(err, &e)
		return Facility{}, &throttledError{err: e, retryAt: retry}
	}
	var f Facility
	found := false
	if m.FacilityOID != "" && m.FacilityOID == oid {
		f, err = db.Facility(oid)
		switch {
		case err == nil:
			found = true
		case ErrorCode(err) != ENOTFOUND:
			return Facility{}, err
		}
	}
	hash := ""
	if found && f.Active {
		hash = f.PasswordHash
	}
	if len(password) > PasswordMaxBytes || !VerifyPassword(hash, password) || !found || !f.Active {
		_ = db.Audit(AuditEvent{Actor: memberID, Action: action, Object: "facility:" + clip(oid, 20), Remote: remote,
			Result: ResultFailed})
		hold, err := db.LoginFailed(attempt)
		if err != nil {
			return Facility{}, err
		}
		if hold != nil {
			return Facility{}, Errorf(EUNAUTHORIZED, "%s。続けて失敗したため、施設認証を %s まで一時的に停止します", errPRSUnlock, clock(hold.Until))
		}
		return Facility{}, Errorf(EUNAUTHORIZED, errPRSUnlock)
	}
	db.LoginSucceeded(attempt)
	return f, nil
}

// PRSUnlock checks the facility OID and password a member typed for PRS
// and audits the result. The caller records the unlock in the session.
// Wrong pairs are EUNAUTHORIZED; too many failures ETHROTTLED (RetryAt
// PRSUnlockSpec is the facility unlock (施設認証) of PRS.
var PRSUnlockSpec = Fields{
	{Name: "oid", Label: "施設ID（OID）", Max: 20, Required: true},
	{Name: "password", Label: "施設パスワード", Required: true},
}

// tells until when).
func (db *DB) PRSUnlock(memberID, oid, password, remote string) (Facility, error) {
	oid, _ = NormalizeFacilityOID(oid)
	f, err := db.checkFacilityPassword(memberID, oid, password, remote, AuditPRSUnlock)
	if err != nil {
		return Facility{}, err
	}
	if err := db.Audit(AuditEvent{Actor: memberID, Action: AuditPRSUnlock, Object: "facility:" + f.OID, Remote: remote}); err != nil {
		return Facility{}, err
	}
	return f, nil
}

// FacilityInfoForm is 施設情報修正's facility data.
type FacilityInfoForm struct {
	Name        string
	Postal      string
	Address     string
	Phone       string
	Departments string // 診療科, one per line (or separated by 、 or commas)
}

// FacilityInfoSpec is 施設情報修正 (the facility's data and, optionally, a
// new facility password), in screen order.
var FacilityInfoSpec = Fields{
	{Name: "name", Label: "施設名", Max: 100, Required: true},
	{Name: "postal", Label: "郵便番号", Max: 10, Required: true},
	{Name: "address", Label: "所在地", Max: 200, Required: true},
	{Name: "phone", Label: "電話番号", Max: 20, Required: true},
	{Name: "departments", Label: "診療科", Multiline: true},
	{Name: "current", Label: "現在の施設パスワード", Max: PasswordMaxBytes},
	{Name: "new", Label: "新しい施設パスワード", Max: PasswordMaxBytes},
	{Name: "confirm", Label: "新しい施設パスワード（確認）", Max: PasswordMaxBytes},
}

// Values is the form as field name → value (to re-render it).
func (f FacilityInfoForm) Values() map[string]string {
	return map[string]string{"name": f.Name, "postal": f.Postal, "address": f.Address, "phone": f.Phone, "departments": f.Departments}
}

// Limits of the 診療科 list.
const (
	maxDepartments = 30
	maxDepartment  = 30
)

// ParseDepartments splits a 診療科 list typed one per line, or with 、 ､ ，
// , between, and drops blanks and repeats.
func ParseDepartments(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '、' || r == ',' || r == '，' || r == '､'
	})
	var out []string
	for _, p := range parts {
		p = normalizeSpaces(p)
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// FacilityInfoFormFrom fills the form with a facility's current data.
func FacilityInfoFormFrom(f Facility) FacilityInfoForm {
	return FacilityInfoForm{Name: f.Name, Postal: f.Postal, Address: f.Address, Phone: f.Phone,
		Departments: strings.Join(f.Departments, "\n")}
}

// Validate checks and normalises the form.
func (f *FacilityInfoForm) Validate() error {
	fe := FieldErrors{}
	// As the application that registered the facility wrote it (full-width
	// ASCII folded, one ASCII space between words): saving the page as it
	// is changes nothing.
	f.Name = strings.Join(strings.FieldsFunc(jptext.NormalizeWidth(f.Name), isSpaceSeparator), " ")
	if jptext.InvalidText(f.Name) {
		fe.Add("name", jptext.ErrControlCharacter.Error())
	}
	FacilityInfoSpec.Check(fe, "name", f.Name)
	if p, err := jptext.NormalizePostal(f.Postal); err != nil {
		fe.Add("postal", err.Error())
	} else if p == "" {
		fe.Add("postal", "郵便番号を入力してください")
	} else {
		f.Postal = p
	}
	f.Address = strings.TrimSpace(f.Address)
	if jptext.InvalidText(f.Address) {
		fe.Add("address", jptext.ErrControlCharacter.Error())
	}
	FacilityInfoSpec.Check(fe, "address", f.Address)
	if p, err := jptext.NormalizePhone(f.Phone); err != nil {
		fe.Add("phone", err.Error())
	} else if p == "" {
		fe.Add("phone", "電話番号を入力してください")
	} else {
		f.Phone = p
	}
	if jptext.InvalidText(strings.NewReplacer("\r", "", "\n", "").Replace(f.Departments)) {
		fe.Add("departments", jptext.ErrControlCharacter.Error())
	} else {
		deps := ParseDepartments(f.Departments)
		if len(deps) > maxDepartments {
			fe.Add("departments", "診療科は30件までです")
		}
		for _, d := range deps {
			if len([]rune(d)) > maxDepartment {
				fe.Add("departments", "診療科は1件30文字以内で入力してください（「"+clipRunes(d, 10)+"…」）")
			}
		}
		f.Departments = strings.Join(deps, "\n")
	}
	return fe.Err()
}

// PRSUpdateFacility saves 施設情報修正 for the actor's facility.
func (db *DB) PRSUpdateFacility(a PRSActor, form FacilityInfoForm) (Facility, error) {
	if err := a.check(); err != nil {
		return Facility{}, err
	}
	if err := form.Validate(); err != nil {
		return Facility{}, err
	}
	var out Facility
	err := db.Update(func(tx *Tx) error {
		f, err := facilityTx(tx, a.FacilityOID)
		if err != nil {
			return err
		}
		deps := ParseDepartments(form.Departments)
		var changed []string
		if f.Name != form.Name {
			changed = append(changed, "name")
		}
		if f.Postal != form.Postal {
			changed = append(changed, "postal")
		}
		if f.Address != form.Address {
			changed = append(changed, "address")
		}
		if f.Phone != form.Phone {
			changed = append(changed, "phone")
		}
		if !slices.Equal(f.Departments, deps) {
			changed = append(changed, "departments")
		}
		out = f
		if len(changed) == 0 {
			return nil
		}
		f.Name, f.Postal, f.Address, f.Phone, f.Departments = form.Name, form.Postal, form.Address, form.Phone, deps
		if err := putFacilityTx(tx, f); err != nil {
			return err
		}
		out = f
		out.UpdatedAt = tx.Now
		return AppendAudit(tx, AuditEvent{Actor: a.MemberID, Action: AuditFacilityUpdate, Object: "facility:" + f.OID,
			Remote: a.Remote, Detail: "fields:" + strings.Join(changed, ",")})
	})
	return out, err
}

// FacilityPasswordForm changes the facility password (施設パスワード変更).
type FacilityPasswordForm struct {
	Current string
	New     string
	Confirm string
}

// Empty reports whether nothing was typed (no change wanted).
func (f FacilityPasswordForm) Empty() bool { return f.Current == "" && f.New == "" && f.Confirm == "" }

// PRSChangeFacilityPassword changes the actor's facility password after
// checking the current one (throttled like the unlock). Other sessions
// that unlocked PRS for this facility must unlock again; keepSession (the
// caller's) stays unlocked.
func (db *DB) PRSChangeFacilityPassword(a PRSActor, form FacilityPasswordForm, keepSession string) error {
	if err := a.check(); err != nil {
		return err
	}
	fe := FieldErrors{}
	if form.Current == "" {
		fe.Add("current", "現在の施設パスワードを入力してください")
	}
	fe.AddErr("new", CheckPassword(a.FacilityOID, form.New))
	if form.New != "" && form.New == form.Current {
		fe.Add("new", "現在と異なるパスワードを入力してください")
	}
	if form.Confirm != form.New {
		fe.Add("confirm", "確認用のパスワードが一致しません")
	}
	if form.Current != "" {
		if _, err := db.checkFacilityPassword(a.MemberID, a.FacilityOID, form.Current, a.Remote, AuditFacilityPassword); err != nil {
			if ErrorCode(err) != EUNAUTHORIZED {
				return err
			}
			fe.Add("current", "現在の施設パスワードが正しくありません")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	hash := HashPassword(form.New)
	var dropped []string
	err := db.Update(func(tx *Tx) error {
		dropped = nil
		f, err := facilityTx(tx, a.FacilityOID)
		if err != nil {
			return err
		}
		f.PasswordHash = hash
		f.PasswordChangedAt = tx.Now
		if err := putFacilityTx(tx, f); err != nil {
			return err
		}
		// Sessions that unlocked PRS with the old password lock again.
		if dropped, err = relockPRSTx(tx, f.OID, keepSession); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: a.MemberID, Action: AuditFacilityPassword, Object: "facility:" + f.OID,
			Remote: a.Remote, Detail: "relocked:" + strconv.Itoa(len(dropped))})
	})
	if err != nil {
		return err
	}
	db.forgetSessions(dropped)
	return nil
}

// relockPRSTx ends the PRS unlock of every session unlocked for facility
// oid except keep, and returns their IDs.
func relockPRSTx(tx *Tx, oid, keep string) ([]string, error) {
	var relock []Session
	if err := tx.bucket(bucketSessions).ForEach(func(k, v []byte) error {
		var s Session
		if json.Unmarshal(v, &s) == nil && s.PRSFacility == oid && s.ID != keep {
			relock = append(relock, s)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(relock))
	for _, s := range relock {
		s.PRSFacility = ""
		if err := putSessionTx(tx, s); err != nil {
			return nil, err
		}
		ids = append(ids, s.ID)
	}
	return ids, nil
}

// forgetSessions drops sessions from the cache: they are read again from
// the file on their next request.
func (db *DB) forgetSessions(ids []string) {
	for _, id := range ids {
		db.sessions.drop(id)
	}
}

// RelockPRSSessions makes every session that unlocked 患者様登録ソフト for
// facility oid unlock it again: to be called whenever the facility
// password changes other than through 施設情報修正 (e.g. an operator's
// reset), so the old password's unlocks end with it.
func (db *DB) RelockPRSSessions(oid string) error {
	var dropped []string
	err := db.Update(func(tx *Tx) error {
		var err error
		dropped, err = relockPRSTx(tx, oid, "")
		return err
	})
	if err == nil {
		db.forgetSessions(dropped)
	}
	return err
}
