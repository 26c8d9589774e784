package store

// 利用申込: the online application, the operator's review and approval.
//
// An application is made by anyone on the public form (仮登録). The
// applicant prints the 加入申込書, signs, seals and mails it; the operator
// marks the paper received (書類受付済), compares it with what was entered
// online and approves (承認) or rejects (却下, with a reason). Approval
// creates the member, and for a new facility the facility, in one
// transaction. Initial passwords are generated and hashed outside the
// transaction and handed back in clear to the caller only: the database
// never holds them.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hotline/store/jptext"
	"regexp"
	"strings"
	"time"
)

var (
	bucketApplications         = []byte("applications")
	bucketApplicationTokens    = []byte("application_tokens")
	bucketApplicationsByStatus = []byte("applications_by_status")
	bucketApplicationsByEmail  = []byte("applications_by_email")
)

// ApplicationStatus is where an application is in the review.
type ApplicationStatus string

const (
	ApplicationPending  ApplicationStatus = "pending"  // 仮登録（申込書の到着待ち）
	ApplicationReceived ApplicationStatus = "received" // 書類受付済（審査中）
	ApplicationApproved ApplicationStatus = "approved" // 承認
	ApplicationRejected ApplicationStatus = "rejected" // 却下
)

// ApplicationStatuses in the order of the review.
var ApplicationStatuses = []ApplicationStatus{ApplicationPending, ApplicationReceived, ApplicationApproved, ApplicationRejected}

// Label is the status in Japanese.
func (s ApplicationStatus) Label() string {
	switch s {
	case ApplicationPending:
		return "仮登録"
	case ApplicationReceived:
		return "書類受付済"
	case ApplicationApproved:
		return "承認"
	case ApplicationRejected:
		return "却下"
	}
	return string(s)
}

// Valid reports whether s is a known status.
func (s ApplicationStatus) Valid() bool {
	for _, v := range ApplicationStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// Open reports whether the review is still going on.
func (s ApplicationStatus) Open() bool { return s == ApplicationPending || s == ApplicationReceived }

// ApplicationFacility is a facility applied for together with the member
// (加入申込書（施設用）).
type ApplicationFacility struct {
	Name    string       `json:"name"`
	Kind    FacilityKind `json:"kind"`
	Code    string       `json:"code,omitempty"` // 医療機関コード（10桁）; may be empty for "other"
	Postal  string       `json:"postal"`
	Address string       `json:"address"`
	Phone   string       `json:"phone"`
}

// Application is one 利用申込, identified by its 受付番号 (A + 6 digits).
type Application struct {
	Number        string            `json:"number"`
	Status        ApplicationStatus `json:"status"`
	Name          string            `json:"name"`
	NameKana      string            `json:"name_kana"`
	Qualification Qualification     `json:"qualification"`
	LicenseNumber string            `json:"license_number,omitempty"`
	Email         string            `json:"email"`
	Phone         string            `json:"phone"`
	// FacilityOID is the registered facility the applicant belongs to;
	// empty when NewFacility is applied for instead.
	FacilityOID string               `json:"facility_oid,omitempty"`
	NewFacility *ApplicationFacility `json:"new_facility,omitempty"`

	// ConsentedAt is when the applicant ticked 「利用規約と個人情報の取扱いに
	// 同意する」 on the form, with the versions of both texts then in
	// force; zero when the application came without the form's question
	// (a client of the bare field names), whose consent is the signature
	// on the paper form.
	ConsentedAt    time.Time `json:"consented_at,omitzero"`
	TermsVersion   int       `json:"terms_version,omitempty"`
	PrivacyVersion int       `json:"privacy_version,omitempty"`

	Remote    string    `json:"remote,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	ReceivedAt   time.Time `json:"received_at,omitzero"`
	ReceivedBy   string    `json:"received_by,omitempty"`
	DecidedAt    time.Time `json:"decided_at,omitzero"` // 承認・却下の日時
	DecidedBy    string    `json:"decided_by,omitempty"`
	RejectReason string    `json:"reject_reason,omitempty"`

	// What approval created.
	MemberID           string `json:"member_id,omitempty"`
	CreatedFacilityOID string `json:"created_facility_oid,omitempty"`
	// LettersMailedAt is when the operator recorded the credential letters
	// as mailed (郵送済); their passwords were wiped from memory then.
	LettersMailedAt time.Time `json:"letters_mailed_at,omitzero"`
	LettersMailedBy string    `json:"letters_mailed_by,omitempty"`

	Notes []Note `json:"notes,omitempty"`
}

// IsNewFacility reports whether the application registers a new facility.
func (a Application) IsNewFacility() bool { return a.NewFacility != nil }

// MemberFacilityOID is the facility the member belongs to: the registered
// one applied to, or the one approval created.
func (a Application) MemberFacilityOID() string {
	if a.IsNewFacility() {
		return a.CreatedFacilityOID
	}
	return a.FacilityOID
}

// Facility choices of the form.
const (
	FacilityChoiceExisting = "existing" // 所属医療機関は施設登録済み
	FacilityChoiceNew      = "new"      // 新規に施設登録する
)

// ApplicationForm is what the public form posts, as typed.
type ApplicationForm struct {
	Name          string
	NameKana      string
	Qualification string
	LicenseNumber string
	Email         string
	Phone         string
	// FacilityChoice is "existing" or "new"; when empty the choice follows
	// from which fields are filled (a client may post only the contract's
	// field names).
	FacilityChoice  string
	FacilityOID     string
	FacilityName    string
	FacilityKind    string
	FacilityCode    string
	FacilityPostal  string
	FacilityAddress string
	FacilityPhone   string
	// ConsentAsked: the form asked for consent to 利用規約 and 個人情報の
	// 取扱い (the portal's form always does); then Agreed must be set.
	ConsentAsked bool
	Agreed       bool
}

// ApplicationSpec is the public 利用申込 form, in screen order (the error
// summary follows it). Max is the input's limit; a field with a rule of its
// own (licence number, e-mail, phone, OID, 医療機関コード, postal code) is
// checked by that rule. The facility fields are required on the side of
// facility_choice that is chosen, the licence number for every
// qualification but その他.
var ApplicationSpec = Fields{
	{Name: "name", Label: "氏名", Max: 60, Required: true},
	{Name: "name_kana", Label: "フリガナ", Max: 60, Required: true},
	{Name: "qualification", Label: "資格", Required: true},
	{Name: "license_number", Label: "免許番号（登録番号）", Max: 20, Required: true},
	{Name: "email", Label: "メールアドレス", Max: jptext.EmailMaxLength, Required: true},
	{Name: "phone", Label: "電話番号", Max: 20, Required: true},
	{Name: "facility_choice", Label: "所属医療機関", Required: true},
	{Name: "facility_oid", Label: "施設ID（OID）", Max: 20, Required: true},
	{Name: "facility_name", Label: "施設名", Max: 100, Required: true},
	{Name: "facility_kind", Label: "施設区分", Required: true},
	{Name: "facility_code", Label: "医療機関コード", Max: 20, Required: true},
	{Name: "facility_postal", Label: "郵便番号", Max: 10, Required: true},
	{Name: "facility_address", Label: "所在地", Max: 200, Required: true},
	{Name: "facility_phone", Label: "施設の電話番号", Max: 20, Required: true},
	{Name: "agree", Label: "利用規約・個人情報の取扱いへの同意", Required: true},
}

// ApplicationFormFrom reads the form's values (by ApplicationSpec's
// names); the consent comes with them as the form asked it.
func ApplicationFormFrom(v map[string]string, consentAsked bool) ApplicationForm {
	return ApplicationForm{
		Name: v["name"], NameKana: v["name_kana"], Qualification: v["qualification"],
		LicenseNumber: v["license_number"], Email: v["email"], Phone: v["phone"],
		FacilityChoice: v["facility_choice"], FacilityOID: v["facility_oid"],
		FacilityName: v["facility_name"], FacilityKind: v["facility_kind"], FacilityCode: v["facility_code"],
		FacilityPostal: v["facility_postal"], FacilityAddress: v["facility_address"], FacilityPhone: v["facility_phone"],
		ConsentAsked: consentAsked, Agreed: v["agree"] == "on" || v["agree"] == "1",
	}
}

// MsgConsentRequired is the message beside the consent box.
const MsgConsentRequired = "利用規約と個人情報の取扱いをお読みいただき、同意する場合はチェックを入れてください"

// Messages of the application form that tests and handlers share.
const (
	MsgApplicationEmailPending = "このメールアドレスでの利用申込を受付済みです（審査中）。申込内容の訂正や申込書の再印刷は、受付時の画面または問合せフォームからご連絡ください。"
	MsgApplicationEmailMember  = "このメールアドレスは会員として登録済みです。ログインしてご利用ください。ご不明な点は問合せフォームからご連絡ください。"
	MsgFacilityOIDUnknown      = "このOIDの施設は登録されていないか、現在利用できません。「施設登録情報」に記載の施設ID（OID）をご確認ください。未登録の施設の場合は「新規に施設登録する」を選んでください。"
	MsgFacilityCodeRegistered  = "この医療機関コードの施設は施設登録済みです。所属施設の方に施設ID（OID）を確認し、「施設登録済み」を選んで入力してください。"
)

var (
	typedOIDPattern      = regexp.MustCompile(`^F[0-9]{6}$`)
	applicationNumberPat = regexp.MustCompile(`^A[0-9]{6}$`)
	licenseNumberPattern = regexp.MustCompile(`^[0-9]{1,10}$`)
)

// ValidApplicationNumber reports whether s looks like a 受付番号.
func ValidApplicationNumber(s string) bool { return applicationNumberPat.MatchString(s) }

// typedFacilityOID turns a typed OID (f000123, Ｆ０００１２３) into the
// stored form; ok is false when it is not F + 6 digits.
func typedFacilityOID(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(jptext.NormalizeWidth(s)))
	return s, typedOIDPattern.MatchString(s)
}

// normalizeLicenseNumber accepts digits of any width, with spaces, commas
// and the 第…号 people copy from the licence certificate.
func normalizeLicenseNumber(s string) string {
	s = strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(s)))
	s = strings.TrimPrefix(s, "第")
	s = strings.TrimSuffix(s, "号")
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == ',' || r == '，' || r == '、' {
			return -1
		}
		return r
	}, s)
}

// choice decides between a registered and a new facility.
func (f *ApplicationForm) choice() (string, bool) {
	switch f.FacilityChoice {
	case FacilityChoiceExisting, FacilityChoiceNew:
		return f.FacilityChoice, true
	case "":
	default:
		return "", false
	}
	hasOID := strings.TrimSpace(f.FacilityOID) != ""
	hasNew := false
	for _, v := range []string{f.FacilityName, f.FacilityCode, f.FacilityPostal, f.FacilityAddress, f.FacilityPhone} {
		if strings.TrimSpace(v) != "" {
			hasNew = true
		}
	}
	switch {
	case hasOID && !hasNew:
		return FacilityChoiceExisting, true
	case hasNew && !hasOID:
		return FacilityChoiceNew, true
	}
	return "", false
}

// Validate normalises the form in place and reports every problem beside
// its field. The checks that need the database (the OID exists, no open
// application with the e-mail) are made when the application is stored.
func (f *ApplicationForm) Validate() error {
	fe := FieldErrors{}
	f.Name = strings.Join(strings.Fields(jptext.NormalizeWidth(f.Name)), " ")
	spec := ApplicationSpec
	spec.Check(fe, "name", f.Name)

	if strings.TrimSpace(f.NameKana) == "" {
		spec.Missing(fe, "name_kana")
	} else if k, err := jptext.NormalizeKana(f.NameKana); err != nil {
		fe.Add("name_kana", spec.Label("name_kana")+"は"+err.Error())
	} else if !spec.TooLong(fe, "name_kana", k) {
		f.NameKana = k
	}

	q := Qualification(strings.TrimSpace(f.Qualification))
	if !q.Valid() {
		spec.Unchosen(fe, "qualification")
	}
	f.Qualification = string(q)

	if jptext.InvalidText(f.LicenseNumber) {
		fe.Add("license_number", jptext.ErrControlCharacter.Error())
	} else {
		f.LicenseNumber = normalizeLicenseNumber(f.LicenseNumber)
		switch {
		case f.LicenseNumber == "" && q != QualOther:
			spec.Missing(fe, "license_number")
		case f.LicenseNumber != "" && !licenseNumberPattern.MatchString(f.LicenseNumber):
			fe.Add("license_number", "免許番号は数字10桁以内で入力してください（例：123456）")
		}
	}

	if strings.TrimSpace(f.Email) == "" {
		spec.Missing(fe, "email")
	} else if e, err := jptext.NormalizeEmail(f.Email); err != nil {
		fe.Add("email", err.Error())
	} else {
		f.Email = e
	}
	if strings.TrimSpace(f.Phone) == "" {
		spec.Missing(fe, "phone")
	} else if p, err := jptext.NormalizePhone(f.Phone); err != nil {
		fe.Add("phone", err.Error())
	} else {
		f.Phone = p
	}

	choice, ok := f.choice()
	switch {
	case !ok && f.FacilityChoice == "" && strings.TrimSpace(f.FacilityOID) != "":
		fe.Add("facility_choice", "施設登録済みのOIDか新規施設の情報の、どちらか一方だけを入力してください")
	case !ok:
		fe.Add("facility_choice", "所属医療機関が施設登録済みか、新規に施設登録するかを選んでください")
	case choice == FacilityChoiceExisting:
		f.FacilityChoice = choice
		f.FacilityName, f.FacilityKind, f.FacilityCode = "", "", ""
		f.FacilityPostal, f.FacilityAddress, f.FacilityPhone = "", "", ""
		if strings.TrimSpace(f.FacilityOID) == "" {
			fe.Add("facility_oid", "所属医療機関の施設ID（OID）を入力してください（例：F000123）")
		} else if oid, ok := typedFacilityOID(f.FacilityOID); !ok {
			fe.Add("facility_oid", "OIDは F で始まる7文字（例：F000123）で入力してください")
		} else {
			f.FacilityOID = oid
		}
	case choice == FacilityChoiceNew:
		f.FacilityChoice = choice
		f.FacilityOID = ""
		f.validateNewFacility(fe)
	}
	if f.ConsentAsked && !f.Agreed {
		fe.Add("agree", MsgConsentRequired)
	}
	return fe.Err()
}

func (f *ApplicationForm) validateNewFacility(fe FieldErrors) {
	f.FacilityName = strings.Join(strings.Fields(jptext.NormalizeWidth(f.FacilityName)), " ")
	spec := ApplicationSpec
	spec.Check(fe, "facility_name", f.FacilityName)

	kind := FacilityKind(strings.TrimSpace(f.FacilityKind))
	if !kind.Valid() {
		spec.Unchosen(fe, "facility_kind")
	}
	f.FacilityKind = string(kind)

	if strings.TrimSpace(f.FacilityCode) == "" {
		if kind != FacilityOther {
			fe.Add("facility_code", "医療機関コード（10桁）を入力してください（施設区分が「その他」の場合は省略できます）")
		}
		f.FacilityCode = ""
	} else if code, err := jptext.NormalizeMedicalInstitutionCode(f.FacilityCode); err != nil {
		fe.Add("facility_code", err.Error())
	} else {
		f.FacilityCode = code
		switch {
		case kind == FacilityPharmacy && code[2] != '4':
			fe.Add("facility_code", "薬局の医療機関コードは3桁目（点数表番号）が 4（調剤）です")
		case (kind == FacilityClinic || kind == FacilityHospital) && code[2] != '1' && code[2] != '3':
			fe.Add("facility_code", "診療所・病院の医療機関コードは3桁目（点数表番号）が 1（医科）または 3（歯科）です")
		}
	}

	if strings.TrimSpace(f.FacilityPostal) == "" {
		spec.Missing(fe, "facility_postal")
	} else if p, err := jptext.NormalizePostal(f.FacilityPostal); err != nil {
		fe.Add("facility_postal", err.Error())
	} else {
		f.FacilityPostal = p
	}
	f.FacilityAddress = strings.Join(strings.Fields(jptext.NormalizeWidth(f.FacilityAddress)), " ")
	spec.Check(fe, "facility_address", f.FacilityAddress)
	if strings.TrimSpace(f.FacilityPhone) == "" {
		spec.Missing(fe, "facility_phone")
	} else if p, err := jptext.NormalizePhone(f.FacilityPhone); err != nil {
		fe.Add("facility_phone", err.Error())
	} else {
		f.FacilityPhone = p
	}
}

// emailIndexKey is how e-mail addresses are compared: jptext.NormalizeEmail keeps
// the local part's case, but no two people are told apart by it.
func emailIndexKey(email string) []byte { return []byte(strings.ToLower(email)) }

// memberEmailTakenTx reports whether a member uses the address.
// members_by_email holds one key per member: lower-case address, 0, ID.
func memberEmailTakenTx(tx *Tx, email string) bool {
	prefix := append(indexKey(strings.ToLower(email)), 0)
	k, _ := tx.bucket(bucketMembersByEmail).Cursor().Seek(prefix)
	return k != nil && hasPrefix(k, prefix)
}

// tokenKey is the stored form of a receipt token: its hash, so the file
// (and its backups) never holds a working receipt URL.
func tokenKey(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return []byte(hex.EncodeToString(sum[:]))
}

func statusKey(s ApplicationStatus, number string) []byte { return indexKey(string(s), number) }

// CreateApplication validates and stores a new application (仮登録) and
// returns it with the receipt token, the secret part of the receipt page's
// URL. Only the token's hash is stored.
func (db *DB) CreateApplication(f ApplicationForm, remote string) (Application, string, error) {
	if err := f.Validate(); err != nil {
		return Application{}, "", err
	}
	token := RandomToken()
	var a Application
	err := db.Update(func(tx *Tx) error {
		fe := FieldErrors{}
		if tx.bucket(bucketApplicationsByEmail).Get(emailIndexKey(f.Email)) != nil {
			fe.Add("email", MsgApplicationEmailPending)
		} else if memberEmailTakenTx(tx, f.Email) {
			fe.Add("email", MsgApplicationEmailMember)
		}
		if f.FacilityChoice == FacilityChoiceExisting {
			if fac, err := facilityTx(tx, f.FacilityOID); err != nil || !fac.Active {
				if err != nil && ErrorCode(err) != ENOTFOUND {
					return err
				}
				fe.Add("facility_oid", MsgFacilityOIDUnknown)
			}
		} else if f.FacilityCode != "" {
			if _, found, err := facilityByCodeTx(tx, f.FacilityCode); err != nil {
				return err
			} else if found {
				fe.Add("facility_code", MsgFacilityCodeRegistered)
			}
		}
		if err := fe.Err(); err != nil {
			return err
		}
		seq, err := tx.bucket(bucketApplications).NextSequence()
		if err != nil {
			return err
		}
		a = Application{
			Number: sequenceID("A", seq), Status: ApplicationPending,
			Name: f.Name, NameKana: f.NameKana, Qualification: Qualification(f.Qualification),
			LicenseNumber: f.LicenseNumber, Email: f.Email, Phone: f.Phone,
			Remote: remote, CreatedAt: tx.Now,
		}
		if f.Agreed {
			st, err := settingsTx(tx)
			if err != nil {
				return err
			}
			a.ConsentedAt, a.TermsVersion, a.PrivacyVersion = tx.Now, st.TermsVersionNo(), st.PrivacyVersionNo()
		}
		if f.FacilityChoice == FacilityChoiceExisting {
			a.FacilityOID = f.FacilityOID
		} else {
			a.NewFacility = &ApplicationFacility{Name: f.FacilityName, Kind: FacilityKind(f.FacilityKind),
				Code: f.FacilityCode, Postal: f.FacilityPostal, Address: f.FacilityAddress, Phone: f.FacilityPhone}
		}
		if err := putApplicationTx(tx, a, ""); err != nil {
			return err
		}
		if err := tx.bucket(bucketApplicationTokens).Put(tokenKey(token), []byte(a.Number)); err != nil {
			return err
		}
		detail := "利用規約・個人情報の取扱いへの同意：書面のみ"
		if f.Agreed {
			detail = fmt.Sprintf("利用規約 第%d版・個人情報の取扱い 第%d版に同意", a.TermsVersion, a.PrivacyVersion)
		}
		return AppendAudit(tx, AuditEvent{Actor: "anonymous", Action: AuditApplicationCreate, Object: "application:" + a.Number, Remote: remote,
			Detail: detail})
	})
	if err != nil {
		return Application{}, "", err
	}
	return a, token, nil
}

// facilityByCodeTx finds a registered facility by its 医療機関コード.
func facilityByCodeTx(tx *Tx, code string) (Facility, bool, error) {
	var out Facility
	found := false
	err := tx.bucket(bucketFacilities).ForEach(func(k, v []byte) error {
		var f Facility
		if err := json.Unmarshal(v, &f); err != nil {
			return Errorf(EINTERNAL, "facility %s: %v", k, err)
		}
		if !found && f.Code == code {
			out, found = f, true
		}
		return nil
	})
	return out, found, err
}

// putApplicationTx stores a and keeps the status and e-mail indexes in
// step; old is the status it had ("" for a new application).
func putApplicationTx(tx *Tx, a Application, old ApplicationStatus) error {
	a.UpdatedAt = tx.Now
	if err := putJSON(tx.bucket(bucketApplications), []byte(a.Number), a); err != nil {
		return err
	}
	byStatus := tx.bucket(bucketApplicationsByStatus)
	if old != a.Status {
		if old != "" {
			if err := byStatus.Delete(statusKey(old, a.Number)); err != nil {
				return err
			}
		}
		if err := byStatus.Put(statusKey(a.Status, a.Number), nil); err != nil {
			return err
		}
	}
	byEmail := tx.bucket(bucketApplicationsByEmail)
	if a.Status.Open() {
		return byEmail.Put(emailIndexKey(a.Email), []byte(a.Number))
	}
	if cur := byEmail.Get(emailIndexKey(a.Email)); cur != nil && string(cur) == a.Number {
		return byEmail.Delete(emailIndexKey(a.Email))
	}
	return nil
}

// Application finds an application by its 受付番号.
func (db *DB) Application(number string) (Application, error) {
	var a Application
	err := db.View(func(tx *Tx) error {
		var err error
		a, err = applicationTx(tx, number)
		return err
	})
	return a, err
}

func applicationTx(tx *Tx, number string) (Application, error) {
	var a Application
	if !ValidApplicationNumber(number) {
		return a, NotFound()
	}
	found, err := getJSON(tx.bucket(bucketApplications), []byte(number), &a)
	if err == nil && !found {
		err = NotFound()
	}
	return a, err
}

// ApplicationByToken finds the application of a receipt token.
func (db *DB) ApplicationByToken(token string) (Application, error) {
	var a Application
	if len(token) != 32 || strings.Trim(token, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		return a, NotFound()
	}
	err := db.View(func(tx *Tx) error {
		number := tx.bucket(bucketApplicationTokens).Get(tokenKey(token))
		if number == nil {
			return NotFound()
		}
		var err error
		a, err = applicationTx(tx, string(number))
		return err
	})
	return a, err
}

// Applications lists applications newest first; an empty status lists all.
func (db *DB) Applications(status ApplicationStatus) ([]Application, error) {
	var out []Application
	err := db.View(func(tx *Tx) error {
		apps := tx.bucket(bucketApplications)
		if status == "" {
			c := apps.Cursor()
			for k, v := c.Last(); k != nil; k, v = c.Prev() {
				var a Application
				if err := json.Unmarshal(v, &a); err != nil {
					return Errorf(EINTERNAL, "application %s: %v", k, err)
				}
				out = append(out, a)
			}
			return nil
		}
		prefix := append(indexKey(string(status)), 0)
		var numbers []string
		c := tx.bucket(bucketApplicationsByStatus).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			numbers = append(numbers, string(k[len(prefix):]))
		}
		for i := len(numbers) - 1; i >= 0; i-- {
			a, err := applicationTx(tx, numbers[i])
			if err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// CountApplications counts applications per status.
func (db *DB) CountApplications() (map[ApplicationStatus]int, error) {
	counts := map[ApplicationStatus]int{}
	err := db.View(func(tx *Tx) error {
		c := tx.bucket(bucketApplicationsByStatus).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if i := strings.IndexByte(string(k), 0); i > 0 {
				counts[ApplicationStatus(k[:i])]++
			}
		}
		return nil
	})
	return counts, err
}

// transitionConflict explains in Japanese why a does not allow the action
// (one of "received", "approve", "reject", "mailed"), or returns nil.
func (a Application) transitionConflict(action string) error {
	conflict := func(msg string) error { return Errorf(ECONFLICT, "受付番号 %s：%s", a.Number, msg) }
	switch action {
	case "received":
		switch a.Status {
		case ApplicationReceived:
			return conflict("加入申込書は既に受付済みです。")
		case ApplicationApproved, ApplicationRejected:
			return conflict("審査が終了（" + a.Status.Label() + "）しているため、書類受付は記録できません。")
		}
	case "approve":
		switch a.Status {
		case ApplicationPending:
			return conflict("郵送の加入申込書がまだ受付されていません。申込書が届いたら「書類受付」を記録し、内容を照合してから承認してください。")
		case ApplicationApproved:
			return conflict("この申込は既に承認されています（ほっとラインID " + a.MemberID + "）。")
		case ApplicationRejected:
			return conflict("この申込は却下されているため承認できません。")
		}
	case "reject":
		switch a.Status {
		case ApplicationApproved:
			return conflict("この申込は既に承認されているため却下できません。利用を止めるには会員の利用停止を行ってください。")
		case ApplicationRejected:
			return conflict("この申込は既に却下されています。")
		}
	case "mailed":
		switch {
		case a.Status != ApplicationApproved:
			return conflict("承認前の申込には、郵送する資料（利用開始案内・施設登録情報）がありません。")
		case !a.LettersMailedAt.IsZero():
			return conflict("資料は既に郵送済みとして記録されています。")
		}
	}
	return nil
}

// updateApplication loads an application, checks the transition and
// stores what change did to it, with an audit line, in one transaction.
func (db *DB) updateApplication(number, action string, audit AuditEvent, change func(tx *Tx, a *Application) error) (Application, error) {
	var out Application
	err := db.Update(func(tx *Tx) error {
		a, err := applicationTx(tx, number)
		if err != nil {
			return err
		}
		if err := a.transitionConflict(action); err != nil {
			return err
		}
		old := a.Status
		if err := change(tx, &a); err != nil {
			return err
		}
		if err := putApplicationTx(tx, a, old); err != nil {
			return err
		}
		audit.Object = "application:" + a.Number
		if err := AppendAudit(tx, audit); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// MarkApplicationReceived records that the signed paper form arrived
// (仮登録 → 書類受付済).
func (db *DB) MarkApplicationReceived(number, actor, remote string) (Application, error) {
	return db.updateApplication(number, "received", AuditEvent{Actor: actor, Action: AuditApplicationReceive, Remote: remote},
		func(tx *Tx, a *Application) error {
			a.Status, a.ReceivedAt, a.ReceivedBy = ApplicationReceived, tx.Now, actor
			return nil
		})
}

// MaxRejectReason bounds the reason given for a rejection, in characters.
const MaxRejectReason = 1000

// ApplicationReviewSpec are the operator's forms on an application: the
// reason of a rejection (却下) and a remark (メモ).
var ApplicationReviewSpec = Fields{
	{Name: "reason", Label: "却下の理由", Max: MaxRejectReason, Required: true, Multiline: true},
	{Name: "note", Label: "メモ", Max: 2000, Required: true, Multiline: true},
}

// RejectApplication ends the review with a rejection (却下) and its reason.
func (db *DB) RejectApplication(number, reason, actor, remote string) (Application, error) {
	reason = strings.TrimSpace(reason)
	fe := FieldErrors{}
	ApplicationReviewSpec.Check(fe, "reason", reason)
	if err := fe.Err(); err != nil {
		return Application{}, err
	}
	return db.updateApplication(number, "reject", AuditEvent{Actor: actor, Action: AuditApplicationReject, Remote: remote, Detail: reason},
		func(tx *Tx, a *Application) error {
			a.Status, a.DecidedAt, a.DecidedBy, a.RejectReason = ApplicationRejected, tx.Now, actor, reason
			return nil
		})
}

// MarkApplicationLettersMailed records that the credential letters of an
// approved application were mailed (郵送済).
func (db *DB) MarkApplicationLettersMailed(number, actor, remote string) (Application, error) {
	return db.updateApplication(number, "mailed", AuditEvent{Actor: actor, Action: AuditApplicationMailed, Remote: remote},
		func(tx *Tx, a *Application) error {
			a.LettersMailedAt, a.LettersMailedBy = tx.Now, actor
			return nil
		})
}

// AddApplicationNote adds an operator's remark (e.g. what was checked on
// the paper form). Notes may be added in any status.
func (db *DB) AddApplicationNote(number, note, actor, remote string) (Application, error) {
	note = strings.TrimSpace(note)
	fe := FieldErrors{}
	ApplicationReviewSpec.Check(fe, "note", note)
	if err := fe.Err(); err != nil {
		return Application{}, err
	}
	return db.updateApplication(number, "note", AuditEvent{Actor: actor, Action: AuditApplicationNote, Remote: remote},
		func(tx *Tx, a *Application) error {
			a.Notes = append(a.Notes, Note{Time: tx.Now, Author: actor, Text: note})
			return nil
		})
}

// Approval is what approving an application created. The passwords are in
// clear, for the credential letters only: they exist nowhere else.
type Approval struct {
	Application Application
	Member      Member
	// Facility is the member's facility: new (NewFacility) or registered.
	Facility    Facility
	NewFacility bool
	// MemberPassword is the member's initial password (利用開始案内).
	MemberPassword string
	// FacilityPassword is the new facility's password (施設登録情報);
	// empty for a registered facility, whose password is not re-issued.
	FacilityPassword string
}

// ApproveApplication approves a received application (書類受付済 → 承認):
// in one transaction it creates the member (ほっとラインID, role member,
// initial password to change, one certificate allowance) and, when the
// application registers a new facility, the facility (OID and facility
// password). The passwords are generated and hashed before the
// transaction; only their hashes are stored.
func (db *DB) ApproveApplication(number, actor, remote string) (Approval, error) {
	a, err := db.Application(number)
	if err != nil {
		return Approval{}, err
	}
	// Fail early on the obvious conflicts, before the costly hashing.
	if err := a.transitionConflict("approve"); err != nil {
		return Approval{}, err
	}
	out := Approval{MemberPassword: NewInitialPassword(), NewFacility: a.IsNewFacility()}
	memberHash := HashPassword(out.MemberPassword)
	facilityHash := ""
	if out.NewFacility {
		out.FacilityPassword = NewInitialPassword()
		facilityHash = HashPassword(out.FacilityPassword)
	}
	err = db.Update(func(tx *Tx) error {
		a, err := applicationTx(tx, number)
		if err != nil {
			return err
		}
		if err := a.transitionConflict("approve"); err != nil {
			return err
		}
		if a.IsNewFacility() != out.NewFacility {
			return Errorf(EINTERNAL, "application %s changed its facility during approval", number)
		}
		if memberEmailTakenTx(tx, a.Email) {
			return Errorf(ECONFLICT, "受付番号 %s：メールアドレス %s は既に別の会員が使用しています。申込者に確認し、この申込は却下してください。", a.Number, a.Email)
		}
		var fac Facility
		if a.IsNewFacility() {
			nf := a.NewFacility
			if nf.Code != "" {
				if other, found, err := facilityByCodeTx(tx, nf.Code); err != nil {
					return err
				} else if found {
					return Errorf(ECONFLICT, "受付番号 %s：医療機関コード %s の施設は既に登録されています（OID %s %s）。新規施設としては承認できません。申込者に施設登録済みのOIDで申し込み直すよう連絡し、この申込は却下してください。",
						a.Number, nf.Code, other.OID, other.Name)
				}
			}
			oid, err := nextFacilityOIDTx(tx)
			if err != nil {
				return err
			}
			fac = Facility{OID: oid, Name: nf.Name, Kind: nf.Kind, Code: nf.Code, Postal: nf.Postal,
				Address: nf.Address, Phone: nf.Phone, PasswordHash: facilityHash, Active: true,
				CreatedAt: tx.Now, PasswordChangedAt: tx.Now}
			if err := putFacilityTx(tx, fac); err != nil {
				return err
			}
			if err := AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditFacilityCreate, Object: "facility:" + oid, Remote: remote, Detail: "application:" + a.Number}); err != nil {
				return err
			}
			a.CreatedFacilityOID = oid
		} else {
			f, err := facilityTx(tx, a.FacilityOID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			if err != nil || !f.Active {
				return Errorf(ECONFLICT, "受付番号 %s：所属施設 %s は登録されていないか、現在利用できない状態です。", a.Number, a.FacilityOID)
			}
			fac = f
		}
		id, err := nextMemberIDTx(tx)
		if err != nil {
			return err
		}
		m := Member{ID: id, Role: RoleMember, Status: MemberActive, Name: a.Name, NameKana: a.NameKana,
			Qualification: a.Qualification, LicenseNumber: a.LicenseNumber, Email: a.Email, Phone: a.Phone,
			FacilityOID: fac.OID, ApplicationNumber: a.Number, PasswordHash: memberHash,
			MustChangePassword: true, CertAllowance: 1, CreatedAt: tx.Now, PasswordChangedAt: tx.Now}
		if err := putMemberTx(tx, m); err != nil {
			return err
		}
		if err := tx.bucket(bucketMembersByEmail).Put(indexKey(strings.ToLower(m.Email), m.ID), nil); err != nil {
			return err
		}
		if err := AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditMemberCreate, Object: "member:" + id, Remote: remote, Detail: "application:" + a.Number}); err != nil {
			return err
		}
		old := a.Status
		a.Status, a.DecidedAt, a.DecidedBy, a.MemberID = ApplicationApproved, tx.Now, actor, id
		if err := putApplicationTx(tx, a, old); err != nil {
			return err
		}
		if err := AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditApplicationApprove, Object: "application:" + a.Number, Remote: remote,
			Detail: "member:" + id + " facility:" + fac.OID}); err != nil {
			return err
		}
		// Assign, never accumulate: this function may be retried.
		out.Application, out.Member, out.Facility = a, m, fac
		return nil
	})
	if err != nil {
		return Approval{}, err
	}
	return out, nil
}
