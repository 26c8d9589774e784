package store

import (
	"hotline/store/jptext"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Patients (患者様) are registered by a facility in 患者様登録ソフト (PRS).
// They are never deleted: edits keep versions, and a patient who left is
// deactivated.

// Sex is 性別 as on the insurance card.
type Sex string

const (
	SexMale   Sex = "male"   // 男
	SexFemale Sex = "female" // 女
)

// Sexes in the order forms list them.
var Sexes = []Sex{SexMale, SexFemale}

// Label is the sex in Japanese.
func (s Sex) Label() string {
	switch s {
	case SexMale:
		return "男"
	case SexFemale:
		return "女"
	}
	return string(s)
}

// Valid reports whether s is a known value.
func (s Sex) Valid() bool { return s == SexMale || s == SexFemale }

// PatientStatus is active or deactivated (無効).
type PatientStatus string

const (
	PatientActive   PatientStatus = "active"
	PatientInactive PatientStatus = "inactive"
)

// Label is the status in Japanese.
func (s PatientStatus) Label() string {
	if s == PatientInactive {
		return "無効"
	}
	return "有効"
}

// Patient is one registered patient. FacilityOID is the registering
// facility (登録施設), which alone may change the record, link it and print
// its access card; facilities it is linked to see the identifying fields
// only (see Patient.redactedForLink).
type Patient struct {
	ID          string        `json:"id"` // 患者ID, see patient_id.go
	FacilityOID string        `json:"facility_oid"`
	Seq         uint64        `json:"seq"` // registration order in the network
	Status      PatientStatus `json:"status"`
	Version     int           `json:"version"`

	Name      string    `json:"name"`      // 氏名
	NameKana  string    `json:"name_kana"` // フリガナ（全角カタカナ）
	BirthDate time.Time `json:"birth_date"`
	Sex       Sex       `json:"sex"`

	ChartNumber   string `json:"chart_number,omitempty"`   // カルテ番号
	InsurerNumber string `json:"insurer_number,omitempty"` // 保険者番号
	InsuredSymbol string `json:"insured_symbol,omitempty"` // 記号
	InsuredNumber string `json:"insured_number,omitempty"` // 番号
	InsuredBranch string `json:"insured_branch,omitempty"` // 枝番

	Postal    string `json:"postal,omitempty"`
	Address   string `json:"address,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Allergies string `json:"allergies,omitempty"` // アレルギー
	Notes     string `json:"notes,omitempty"`     // 備考

	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      string    `json:"created_by"`
	UpdatedAt      time.Time `json:"updated_at"`
	UpdatedBy      string    `json:"updated_by"`
	InactiveReason string    `json:"inactive_reason,omitempty"`

	// AccessCodeHash is the Argon2id hash of the code printed on the newest
	// access card; a new card replaces it, so older codes stop working.
	AccessCodeHash     string    `json:"access_code_hash,omitempty"`
	AccessCodeIssuedAt time.Time `json:"access_code_issued_at,omitzero"`
	CardsIssued        int       `json:"cards_issued,omitempty"`
}

// Active reports whether the patient is active.
func (p Patient) Active() bool { return p.Status != PatientInactive }

// DisplayID is the grouped ID for print and reading.
func (p Patient) DisplayID() string { return FormatPatientID(p.ID) }

// BirthDateString is the birth date as YYYY-MM-DD.
func (p Patient) BirthDateString() string {
	if p.BirthDate.IsZero() {
		return ""
	}
	return p.BirthDate.Format("2006-01-02")
}

// BirthDateWareki is the birth date in 和暦 (昭和45年4月1日).
func (p Patient) BirthDateWareki() string {
	if p.BirthDate.IsZero() {
		return ""
	}
	return jptext.FormatWareki(p.BirthDate)
}

// Age is the age in full years on the day of now (Japan time).
func (p Patient) Age(now time.Time) int {
	if p.BirthDate.IsZero() {
		return 0
	}
	y, m, d := now.In(Tokyo).Date()
	by, bm, bd := p.BirthDate.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	return age
}

// Insurance is the insurance line for display (保険者番号 記号・番号（枝番）).
func (p Patient) Insurance() string {
	if p.InsurerNumber == "" && p.InsuredSymbol == "" && p.InsuredNumber == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(p.InsurerNumber)
	if p.InsuredSymbol != "" || p.InsuredNumber != "" {
		b.WriteString("　記号・番号 ")
		b.WriteString(p.InsuredSymbol)
		b.WriteString("・")
		b.WriteString(p.InsuredNumber)
	}
	if p.InsuredBranch != "" {
		b.WriteString("（枝番 ")
		b.WriteString(p.InsuredBranch)
		b.WriteString("）")
	}
	return b.String()
}

// redactedForLink is what a linked facility may see: what identifies the
// patient, nothing of the registering facility's own record (chart number,
// insurance, contact, allergies, notes, the card).
func (p Patient) redactedForLink() Patient {
	return Patient{
		ID: p.ID, FacilityOID: p.FacilityOID, Status: p.Status, Version: p.Version,
		Name: p.Name, NameKana: p.NameKana, BirthDate: p.BirthDate, Sex: p.Sex,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

// PatientForm is what the registration and edit forms post.
type PatientForm struct {
	Name          string
	NameKana      string
	BirthDate     string
	Sex           string
	ChartNumber   string
	InsurerNumber string
	InsuredSymbol string
	InsuredNumber string
	InsuredBranch string
	Postal        string
	Address       string
	Phone         string
	Allergies     string
	Notes         string
	// ConfirmDuplicate is set once the user has seen the likely-duplicate
	// warning and registers anyway.
	ConfirmDuplicate bool
}

// PatientSpec is the registration and edit form (新規登録・修正), in screen
// order; the history names changed fields by its labels.
var PatientSpec = Fields{
	{Name: "name", Label: "氏名", Max: 50, Required: true},
	{Name: "name_kana", Label: "フリガナ", Max: jptext.KanaMaxLength, Required: true},
	{Name: "birth_date", Label: "生年月日", Max: 30, Required: true},
	{Name: "sex", Label: "性別", Required: true},
	{Name: "chart_number", Label: "カルテ番号", Max: 20},
	{Name: "insurer_number", Label: "保険者番号", Max: 20},
	{Name: "insured_symbol", Label: "記号", Max: 20},
	{Name: "insured_number", Label: "番号", Max: 20},
	{Name: "insured_branch", Label: "枝番", Max: 2},
	{Name: "postal", Label: "郵便番号", Max: 10},
	{Name: "address", Label: "住所", Max: 200},
	{Name: "phone", Label: "電話番号", Max: 20},
	{Name: "allergies", Label: "アレルギー", Max: 1000, Multiline: true},
	{Name: "notes", Label: "備考", Max: 2000, Multiline: true},
	{Name: "confirm_duplicate", Label: "重複の確認"},
}

// PatientFormFrom reads the form's values (by PatientSpec's names).
func PatientFormFrom(v map[string]string) PatientForm {
	return PatientForm{
		Name: v["name"], NameKana: v["name_kana"], BirthDate: v["birth_date"], Sex: v["sex"],
		ChartNumber: v["chart_number"], InsurerNumber: v["insurer_number"], InsuredSymbol: v["insured_symbol"],
		InsuredNumber: v["insured_number"], InsuredBranch: v["insured_branch"], Postal: v["postal"],
		Address: v["address"], Phone: v["phone"], Allergies: v["allergies"], Notes: v["notes"],
		ConfirmDuplicate: v["confirm_duplicate"] == "1" || v["confirm_duplicate"] == "on",
	}
}

// Validate checks and normalises the form (today: Japan time of now).
func (f *PatientForm) Validate() error { return f.validate(time.Now()) }

// patient returns the normalised values as a Patient (valid form only).
func (f *PatientForm) apply(p *Patient) {
	birth, _ := jptext.ParseDate(f.BirthDate)
	p.Name, p.NameKana, p.BirthDate, p.Sex = f.Name, f.NameKana, birth, Sex(f.Sex)
	p.ChartNumber, p.InsurerNumber, p.InsuredSymbol = f.ChartNumber, f.InsurerNumber, f.InsuredSymbol
	p.InsuredNumber, p.InsuredBranch = f.InsuredNumber, f.InsuredBranch
	p.Postal, p.Address, p.Phone = f.Postal, f.Address, f.Phone
	p.Allergies, p.Notes = f.Allergies, f.Notes
}

// FormFromPatient fills an edit form with a patient's current values.
func FormFromPatient(p Patient) PatientForm {
	return PatientForm{
		Name: p.Name, NameKana: p.NameKana, BirthDate: p.BirthDateString(), Sex: string(p.Sex),
		ChartNumber: p.ChartNumber, InsurerNumber: p.InsurerNumber, InsuredSymbol: p.InsuredSymbol,
		InsuredNumber: p.InsuredNumber, InsuredBranch: p.InsuredBranch, Postal: p.Postal,
		Address: p.Address, Phone: p.Phone, Allergies: p.Allergies, Notes: p.Notes,
	}
}

// Values is the form as field name → value (to re-render it).
func (f PatientForm) Values() map[string]string {
	m := map[string]string{
		"name": f.Name, "name_kana": f.NameKana, "birth_date": f.BirthDate, "sex": f.Sex,
		"chart_number": f.ChartNumber, "insurer_number": f.InsurerNumber, "insured_symbol": f.InsuredSymbol,
		"insured_number": f.InsuredNumber, "insured_branch": f.InsuredBranch, "postal": f.Postal,
		"address": f.Address, "phone": f.Phone, "allergies": f.Allergies, "notes": f.Notes,
	}
	if f.ConfirmDuplicate {
		m["confirm_duplicate"] = "1"
	}
	return m
}

// normalizeSpaces trims s and turns every run of spaces (any width: all of
// Unicode's space separators, and tabs) into one full-width space, the way
// names are written.
func normalizeSpaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, isSpaceSeparator), "\u3000")
}

func isSpaceSeparator(r rune) bool { return r == '\t' || unicode.Is(unicode.Zs, r) }

// nameSearchKey folds a name for substring search: no spaces, ASCII width.
func nameSearchKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '\u00a0' || r == '\t' {
			return -1
		}
		return r
	}, jptext.NormalizeWidth(s))
}

// chartNumberPattern: letters, digits and hyphens (after width folding).
func validChartNumber(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// NormalizeChartNumber folds a カルテ番号 to ASCII upper case without
// spaces. ok is false for anything but letters, digits and hyphens.
func NormalizeChartNumber(s string) (string, bool) {
	s = strings.ToUpper(strings.TrimSpace(jptext.NormalizeWidth(jptext.NormalizeDigits(s))))
	s = strings.ReplaceAll(s, " ", "")
	return s, validChartNumber(s)
}

func (f *PatientForm) validate(now time.Time) error {
	fe := FieldErrors{}

	f.Name = normalizeSpaces(f.Name)
	if jptext.InvalidText(f.Name) {
		fe.Add("name", jptext.ErrControlCharacter.Error())
	}
	PatientSpec.Check(fe, "name", f.Name)

	kana, err := jptext.NormalizeKana(f.NameKana)
	switch {
	case err != nil:
		fe.Add("name_kana", err.Error())
	case kana == "":
		fe.Add("name_kana", "フリガナを入力してください")
	default:
		f.NameKana = kana
	}

	birth, err := jptext.ParseBirthDate(f.BirthDate, now)
	switch {
	case err != nil:
		fe.Add("birth_date", err.Error())
	case birth.IsZero():
		fe.Add("birth_date", "生年月日を入力してください")
	default:
		f.BirthDate = birth.Format("2006-01-02")
	}

	f.Sex = strings.TrimSpace(f.Sex)
	if f.Sex == "" {
		fe.Add("sex", "性別を選択してください")
	} else if !Sex(f.Sex).Valid() {
		fe.Add("sex", "性別は「男」または「女」を選択してください")
	}

	if jptext.InvalidText(f.ChartNumber) {
		fe.Add("chart_number", jptext.ErrControlCharacter.Error())
	} else if chart, ok := NormalizeChartNumber(f.ChartNumber); !ok {
		fe.Add("chart_number", "カルテ番号は英数字とハイフンで入力してください")
	} else if len(chart) > PatientSpec.Field("chart_number").Max {
		fe.Add("chart_number", "カルテ番号は20文字以内で入力してください")
	} else {
		f.ChartNumber = chart
	}

	if n, err := jptext.NormalizeInsurerNumber(f.InsurerNumber); err != nil {
		fe.Add("insurer_number", err.Error())
	} else {
		f.InsurerNumber = n
	}
	f.InsuredSymbol = normalizeSpaces(jptext.NormalizeWidth(jptext.NormalizeDigits(f.InsuredSymbol)))
	PatientSpec.Check(fe, "insured_symbol", f.InsuredSymbol)
	if jptext.InvalidText(f.InsuredSymbol) {
		fe.Add("insured_symbol", jptext.ErrControlCharacter.Error())
	}
	f.InsuredNumber = normalizeSpaces(jptext.NormalizeWidth(jptext.NormalizeDigits(f.InsuredNumber)))
	PatientSpec.Check(fe, "insured_number", f.InsuredNumber)
	if jptext.InvalidText(f.InsuredNumber) {
		fe.Add("insured_number", jptext.ErrControlCharacter.Error())
	}
	f.InsuredBranch = strings.TrimSpace(jptext.NormalizeWidth(f.InsuredBranch))
	if f.InsuredBranch != "" {
		if len(f.InsuredBranch) == 1 && f.InsuredBranch[0] >= '0' && f.InsuredBranch[0] <= '9' {
			f.InsuredBranch = "0" + f.InsuredBranch
		}
		if len(f.InsuredBranch) != 2 || !isDigits(f.InsuredBranch) {
			fe.Add("insured_branch", "枝番は2桁の数字で入力してください（例：01）")
		}
	}
	if f.InsurerNumber == "" && fe["insurer_number"] == "" && (f.InsuredSymbol != "" || f.InsuredNumber != "" || f.InsuredBranch != "") {
		fe.Add("insurer_number", "記号・番号を入力する場合は保険者番号も入力してください")
	}
	if f.InsuredBranch != "" && f.InsuredNumber == "" {
		fe.Add("insured_number", "枝番を入力する場合は番号も入力してください")
	}

	if p, err := jptext.NormalizePostal(f.Postal); err != nil {
		fe.Add("postal", err.Error())
	} else {
		f.Postal = p
	}
	f.Address = strings.TrimSpace(f.Address)
	PatientSpec.Check(fe, "address", f.Address)
	if jptext.InvalidText(f.Address) {
		fe.Add("address", jptext.ErrControlCharacter.Error())
	}
	if p, err := jptext.NormalizePhone(f.Phone); err != nil {
		fe.Add("phone", err.Error())
	} else {
		f.Phone = p
	}
	f.Allergies = normalizeNewlines(strings.TrimSpace(f.Allergies))
	PatientSpec.Check(fe, "allergies", f.Allergies)
	f.Notes = normalizeNewlines(strings.TrimSpace(f.Notes))
	PatientSpec.Check(fe, "notes", f.Notes)
	return fe.Err()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// PatientChange is one changed field of an edit, as shown in the history.
type PatientChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Label is the field's Japanese name.
func (c PatientChange) Label() string {
	if c.Field == "status" {
		return "状態"
	}
	return PatientSpec.Label(c.Field)
}

// PatientVersion is one entry of a patient's history (変更履歴): who did
// what and when, with the old and new value of every changed field.
type PatientVersion struct {
	Version   int             `json:"version"`
	Time      time.Time       `json:"time"`
	Actor     string          `json:"actor"`      // ほっとラインID
	ActorName string          `json:"actor_name"` // 氏名 at the time
	Action    string          `json:"action"`     // create, update, deactivate, reactivate
	Changes   []PatientChange `json:"changes,omitempty"`
	Reason    string          `json:"reason,omitempty"`
}

// ActionLabel is the action in Japanese.
func (v PatientVersion) ActionLabel() string {
	switch v.Action {
	case "create":
		return "登録"
	case "update":
		return "修正"
	case "deactivate":
		return "無効化"
	case "reactivate":
		return "再有効化"
	}
	return v.Action
}

// patientDisplayValues lists a patient's fields as shown, for diffs.
func patientDisplayValues(p Patient) [][2]string {
	birth := ""
	if !p.BirthDate.IsZero() {
		birth = p.BirthDateString() + "（" + p.BirthDateWareki() + "）"
	}
	sex := ""
	if p.Sex != "" {
		sex = p.Sex.Label()
	}
	return [][2]string{
		{"name", p.Name}, {"name_kana", p.NameKana}, {"birth_date", birth}, {"sex", sex},
		{"chart_number", p.ChartNumber}, {"insurer_number", p.InsurerNumber},
		{"insured_symbol", p.InsuredSymbol}, {"insured_number", p.InsuredNumber},
		{"insured_branch", p.InsuredBranch}, {"postal", p.Postal}, {"address", p.Address},
		{"phone", p.Phone}, {"allergies", p.Allergies}, {"notes", p.Notes},
	}
}

// diffPatients lists the fields that differ between two versions.
func diffPatients(old, cur Patient) []PatientChange {
	a, b := patientDisplayValues(old), patientDisplayValues(cur)
	var out []PatientChange
	for i := range a {
		if a[i][1] != b[i][1] {
			out = append(out, PatientChange{Field: a[i][0], Old: a[i][1], New: b[i][1]})
		}
	}
	return out
}

// clipRunes bounds s to n characters (for reasons and details).
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
