package store

import (
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"hotline/store/jptext"
)

// 地域連携: referral letters (診療情報提供書, 別紙様式11) between members.
// A letter goes from a member of one facility to a member or a facility of
// another; the receiving facility works as a team, so every member of it
// sees the letter. The receiver's first open marks it 既読 (the time is
// shown to the sender), the 返書 marks it 返信済 and the sender may close it
// as 完了. A letter once sent never changes: a correction is a new letter
// naming the one it corrects. Drafts are the author's alone and may be
// edited or deleted (a draft is not yet correspondence).
//
// Persistence is in referral_store.go, the lists in referral_list.go.

// ReferralStatus is where a letter is in its life.
type ReferralStatus string

const (
	ReferralDraft     ReferralStatus = "draft"     // 下書き
	ReferralUnread    ReferralStatus = "unread"    // 未読
	ReferralRead      ReferralStatus = "read"      // 既読
	ReferralReplied   ReferralStatus = "replied"   // 返信済
	ReferralCompleted ReferralStatus = "completed" // 完了
)

// ReferralStatuses are the statuses of sent letters, in the order the
// filters list them.
var ReferralStatuses = []ReferralStatus{ReferralUnread, ReferralRead, ReferralReplied, ReferralCompleted}

// Label is the status in Japanese.
func (s ReferralStatus) Label() string {
	switch s {
	case ReferralDraft:
		return "下書き"
	case ReferralUnread:
		return "未読"
	case ReferralRead:
		return "既読"
	case ReferralReplied:
		return "返信済"
	case ReferralCompleted:
		return "完了"
	}
	return string(s)
}

// Valid reports whether s is a status a sent letter may have.
func (s ReferralStatus) Valid() bool {
	for _, v := range ReferralStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// ReferralParty is one end of a letter as it stood when the letter was
// written: 紹介元 (the sender) or 紹介先 (the receiver). For a receiver that
// is a facility, MemberID is empty and Doctor may name a doctor who is not
// a member.
type ReferralParty struct {
	MemberID      string `json:"member_id,omitempty"`
	MemberName    string `json:"member_name,omitempty"`
	Qualification string `json:"qualification,omitempty"` // 医師, 歯科医師 …
	FacilityOID   string `json:"facility_oid,omitempty"`
	FacilityName  string `json:"facility_name,omitempty"`
	Postal        string `json:"postal,omitempty"`
	Address       string `json:"address,omitempty"`
	Phone         string `json:"phone,omitempty"`
	Code          string `json:"code,omitempty"`       // 医療機関コード
	Department    string `json:"department,omitempty"` // 診療科
	Doctor        string `json:"doctor,omitempty"`     // 担当医 (free text)
}

// DoctorName is the doctor the letter names: the typed 担当医, else the
// member.
func (p ReferralParty) DoctorName() string {
	if p.Doctor != "" {
		return p.Doctor
	}
	return p.MemberName
}

// ReferralPatient is the patient block, copied from PRS when the letter is
// sent (the letter keeps what it said).
type ReferralPatient struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	NameKana   string    `json:"name_kana"`
	Sex        Sex       `json:"sex"`
	BirthDate  time.Time `json:"birth_date"`
	Postal     string    `json:"postal,omitempty"`
	Address    string    `json:"address,omitempty"`
	Phone      string    `json:"phone,omitempty"`
	Occupation string    `json:"occupation,omitempty"` // 職業
}

// BirthDateWareki is the birth date in 和暦.
func (p ReferralPatient) BirthDateWareki() string {
	if p.BirthDate.IsZero() {
		return ""
	}
	return jptext.FormatWareki(p.BirthDate)
}

// AgeOn is the age in full years on the day of t (Japan time).
func (p ReferralPatient) AgeOn(t time.Time) int {
	return Patient{BirthDate: p.BirthDate}.Age(t)
}

// ReferralReply is the 返書 (紹介患者経過報告書).
type ReferralReply struct {
	VisitedOn    time.Time `json:"visited_on"` // 受診日
	Findings     string    `json:"findings,omitempty"`
	Plan         string    `json:"plan,omitempty"`
	Body         string    `json:"body,omitempty"`
	RepliedAt    time.Time `json:"replied_at"`
	MemberID     string    `json:"member_id"`
	MemberName   string    `json:"member_name"`
	FacilityOID  string    `json:"facility_oid"`
	FacilityName string    `json:"facility_name"`
	Address      string    `json:"address,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	Code         string    `json:"code,omitempty"`
}

// VisitedOnString is the 受診日 as YYYY-MM-DD.
func (r ReferralReply) VisitedOnString() string { return r.VisitedOn.Format("2006-01-02") }

// Referral is one letter (紹介状).
type Referral struct {
	ID     string         `json:"id"` // L + 6 digits
	Seq    uint64         `json:"seq"`
	Status ReferralStatus `json:"status"`

	From    ReferralParty   `json:"from"`
	To      ReferralParty   `json:"to"`
	Patient ReferralPatient `json:"patient"`

	// The sections of 別紙様式11, in its order.
	Diagnosis  string `json:"diagnosis,omitempty"`  // 傷病名
	Purpose    string `json:"purpose,omitempty"`    // 紹介目的
	History    string `json:"history,omitempty"`    // 既往歴及び家族歴
	Course     string `json:"course,omitempty"`     // 症状経過及び検査結果
	Treatment  string `json:"treatment,omitempty"`  // 治療経過
	Medication string `json:"medication,omitempty"` // 現在の処方
	Remarks    string `json:"remarks,omitempty"`    // 備考

	Attachments []Attachment `json:"attachments,omitempty"`
	// Records are the DMS records the letter refers to (添付した医療記録),
	// as they stood when it was sent; sending disclosed them to the
	// receiving facility.
	Records []ReferralRecordRef `json:"records,omitempty"`

	// Corrects is the letter this one corrects; CorrectedBy the newest
	// letter correcting this one (the only thing that changes on a sent
	// letter besides its status).
	Corrects    string `json:"corrects,omitempty"`
	CorrectedBy string `json:"corrected_by,omitempty"`

	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	SentAt      time.Time      `json:"sent_at,omitzero"`
	ReadAt      time.Time      `json:"read_at,omitzero"` // the receiver's first open
	ReadBy      string         `json:"read_by,omitempty"`
	CompletedAt time.Time      `json:"completed_at,omitzero"`
	CompletedBy string         `json:"completed_by,omitempty"`
	Reply       *ReferralReply `json:"reply,omitempty"`
}

// Sent reports whether the letter has been sent (it is no draft).
func (r Referral) Sent() bool { return r.Status != ReferralDraft }

// Date is the letter's date: when it was sent (a draft: last saved).
func (r Referral) Date() time.Time {
	if !r.SentAt.IsZero() {
		return r.SentAt
	}
	return r.UpdatedAt
}

// attachmentOwner is the owner name of the letter's attachments.
func (r Referral) attachmentOwner() string { return referralOwner(r.ID) }

func referralOwner(id string) string { return "referral:" + id }

// ReferralSection is one labelled section of the letter.
type ReferralSection struct {
	Name, Label, Text string
}

// Sections are the letter's sections in the order of 別紙様式11.
func (r Referral) Sections() []ReferralSection {
	return []ReferralSection{
		{"diagnosis", "傷病名", r.Diagnosis},
		{"purpose", "紹介目的", r.Purpose},
		{"history", "既往歴及び家族歴", r.History},
		{"course", "症状経過及び検査結果", r.Course},
		{"treatment", "治療経過", r.Treatment},
		{"medication", "現在の処方", r.Medication},
		{"remarks", "備考", r.Remarks},
	}
}

// MaxReferralSection is the length limit of each section (characters).
const MaxReferralSection = 4000

// ReferralSpec is the compose form (/referrals/new), in screen order.
// Required marks what sending needs; a draft needs only the patient.
var ReferralSpec = Fields{
	{Name: "to_member", Label: "紹介先の会員（ほっとラインID）", Max: 20},
	{Name: "to_facility", Label: "紹介先の施設（OID）", Max: 20},
	{Name: "to_department", Label: "紹介先の診療科", Max: 60},
	{Name: "to_doctor", Label: "紹介先の担当医", Max: 60},
	{Name: "patient_id", Label: "患者ID", Max: 40, Required: true},
	{Name: "occupation", Label: "職業", Max: 60},
	{Name: "diagnosis", Label: "傷病名", Max: MaxReferralSection, Required: true, Multiline: true},
	{Name: "purpose", Label: "紹介目的", Max: MaxReferralSection, Required: true, Multiline: true},
	{Name: "history", Label: "既往歴及び家族歴", Max: MaxReferralSection, Multiline: true},
	{Name: "course", Label: "症状経過及び検査結果", Max: MaxReferralSection, Multiline: true},
	{Name: "treatment", Label: "治療経過", Max: MaxReferralSection, Multiline: true},
	{Name: "medication", Label: "現在の処方", Max: MaxReferralSection, Multiline: true},
	{Name: "remarks", Label: "備考", Max: MaxReferralSection, Multiline: true},
	{Name: "corrects", Label: "訂正する紹介状", Max: 20},
}

// ReferralForm is what the compose form posts (by ReferralSpec's names).
type ReferralForm struct {
	ToMember, ToFacility, ToDepartment, ToDoctor string
	PatientID, Occupation                        string
	Diagnosis, Purpose, History, Course          string
	Treatment, Medication, Remarks               string
	Corrects                                     string
	// Records are the IDs of the DMS records to attach (field record,
	// repeated).
	Records []string
}

// ReferralFormFrom reads the form's values.
func ReferralFormFrom(v map[string]string) ReferralForm {
	return ReferralForm{ToMember: v["to_member"], ToFacility: v["to_facility"], ToDepartment: v["to_department"], ToDoctor: v["to_doctor"],
		PatientID: v["patient_id"], Occupation: v["occupation"], Diagnosis: v["diagnosis"], Purpose: v["purpose"], History: v["history"],
		Course: v["course"], Treatment: v["treatment"], Medication: v["medication"], Remarks: v["remarks"], Corrects: v["corrects"]}
}

// Values is the form as field name → value (to re-render it).
func (f ReferralForm) Values() map[string]string {
	return map[string]string{"to_member": f.ToMember, "to_facility": f.ToFacility, "to_department": f.ToDepartment, "to_doctor": f.ToDoctor,
		"patient_id": f.PatientID, "occupation": f.Occupation, "diagnosis": f.Diagnosis, "purpose": f.Purpose, "history": f.History,
		"course": f.Course, "treatment": f.Treatment, "medication": f.Medication, "remarks": f.Remarks, "corrects": f.Corrects}
}

// FormFromReferral is the form of a stored letter (editing a draft, or
// starting a correction).
func FormFromReferral(r Referral) ReferralForm {
	return ReferralForm{ToMember: r.To.MemberID, ToFacility: r.To.FacilityOID, ToDepartment: r.To.Department, ToDoctor: r.To.Doctor,
		PatientID: r.Patient.ID, Occupation: r.Patient.Occupation, Diagnosis: r.Diagnosis, Purpose: r.Purpose, History: r.History,
		Course: r.Course, Treatment: r.Treatment, Medication: r.Medication, Remarks: r.Remarks, Corrects: r.Corrects,
		Records: r.RecordIDs()}
}

var referralIDPattern = regexp.MustCompile(`^L[0-9]{6,}$`)

// NormalizeReferralID folds a typed letter ID (l000001, Ｌ０００００１);
// "" when it is not one.
func NormalizeReferralID(s string) string {
	s = strings.ToUpper(strings.TrimSpace(jptext.NormalizeWidth(s)))
	if len(s) > 20 || !referralIDPattern.MatchString(s) {
		return ""
	}
	return s
}

// cleanSection keeps the text as typed, line breaks included (CR LF and CR
// become LF), without trailing blanks.
func cleanSection(s string) string {
	return strings.TrimRight(normalizeNewlines(s), " \t\n\u3000")
}

// validate checks and normalises the form. send: the letter goes out now,
// so its required fields and a receiver are needed.
func (f *ReferralForm) validate(send bool) error {
	fe := FieldErrors{}
	sections := []*string{&f.Diagnosis, &f.Purpose, &f.History, &f.Course, &f.Treatment, &f.Medication, &f.Remarks}
	names := []string{"diagnosis", "purpose", "history", "course", "treatment", "medication", "remarks"}
	for i, p := range sections {
		*p = cleanSection(*p)
		checkFieldOf(fe, ReferralSpec, names[i], *p, send)
	}
	f.ToDepartment = strings.TrimSpace(NormalizeWidthSpaces(f.ToDepartment))
	f.ToDoctor = strings.TrimSpace(NormalizeWidthSpaces(f.ToDoctor))
	f.Occupation = strings.TrimSpace(NormalizeWidthSpaces(f.Occupation))
	for _, n := range []string{"to_department", "to_doctor", "occupation"} {
		checkFieldOf(fe, ReferralSpec, n, f.Values()[n], send)
	}
	// The receiver: a member by ほっとラインID or a facility by OID.
	if jptext.InvalidText(f.ToMember) {
		fe.Add("to_member", jptext.ErrControlCharacter.Error())
	} else if m := strings.TrimSpace(f.ToMember); m != "" {
		if id := NormalizeAccountID(jptext.NormalizeWidth(m)); memberIDPattern.MatchString(id) {
			f.ToMember = id
		} else {
			fe.Add("to_member", "ほっとラインIDは「H」と6桁の数字です（例：H000123）")
		}
	} else {
		f.ToMember = ""
	}
	if jptext.InvalidText(f.ToFacility) {
		fe.Add("to_facility", jptext.ErrControlCharacter.Error())
	} else if strings.TrimSpace(f.ToFacility) != "" {
		if oid, ok := NormalizeFacilityOID(f.ToFacility); ok {
			f.ToFacility = oid
		} else {
			fe.Add("to_facility", "施設ID（OID）は「F」と6桁の数字です（例：F000123）")
		}
	} else {
		f.ToFacility = ""
	}
	if send && f.ToMember == "" && f.ToFacility == "" && fe["to_member"] == "" && fe["to_facility"] == "" {
		fe.Add("to_member", "紹介先を選んでください（会員のほっとラインID、または施設のOID）")
	}
	if id, err := NormalizePatientID(f.PatientID); !utf8.ValidString(f.PatientID) || jptext.InvalidText(f.PatientID) {
		fe.Add("patient_id", "患者IDに使用できない文字が含まれています")
	} else if strings.TrimSpace(f.PatientID) == "" {
		fe.Add("patient_id", "患者を選んでください（患者ID）")
	} else if err != nil {
		fe.Add("patient_id", "患者IDの形式が正しくありません（アクセスカードや患者様のページに記載の患者ID）")
	} else {
		f.PatientID = id
	}
	if strings.TrimSpace(f.Corrects) != "" {
		if id := NormalizeReferralID(f.Corrects); id != "" {
			f.Corrects = id
		} else {
			fe.Add("corrects", "訂正する紹介状の番号が正しくありません")
		}
	} else {
		f.Corrects = ""
	}
	f.Records = normalizeRecordIDs(fe, f.Records)
	return fe.Err()
}

// checkFieldOf checks one field of spec; required only when it counts.
func checkFieldOf(fe FieldErrors, spec Fields, name, v string, required bool) {
	f := spec.Field(name)
	max := f.Max
	if f.Multiline {
		checkMultiline(fe, f.Name, f.Label, v, required && f.Required, max)
	} else {
		checkText(fe, f.Name, f.Label, v, required && f.Required, max)
	}
}

// ReplySpec is the 返書 form, in screen order.
var ReplySpec = Fields{
	{Name: "visited_on", Label: "受診日", Max: 30, Required: true},
	{Name: "findings", Label: "所見", Max: MaxReferralSection, Multiline: true},
	{Name: "plan", Label: "方針", Max: MaxReferralSection, Multiline: true},
	{Name: "body", Label: "本文", Max: MaxReferralSection, Multiline: true},
}

// ReplyForm is what the 返書 form posts.
type ReplyForm struct {
	VisitedOn, Findings, Plan, Body string
}

// ReplyFormFrom reads the form's values.
func ReplyFormFrom(v map[string]string) ReplyForm {
	return ReplyForm{VisitedOn: v["visited_on"], Findings: v["findings"], Plan: v["plan"], Body: v["body"]}
}

// Values is the form as field name → value.
func (f ReplyForm) Values() map[string]string {
	return map[string]string{"visited_on": f.VisitedOn, "findings": f.Findings, "plan": f.Plan, "body": f.Body}
}

// validate checks the 返書; now gives today in Japan (a visit is not in
// the future).
func (f *ReplyForm) validate(now time.Time) (time.Time, error) {
	fe := FieldErrors{}
	f.Findings, f.Plan, f.Body = cleanSection(f.Findings), cleanSection(f.Plan), cleanSection(f.Body)
	for _, n := range []string{"findings", "plan", "body"} {
		checkFieldOf(fe, ReplySpec, n, f.Values()[n], true)
	}
	if fe["findings"] == "" && fe["plan"] == "" && fe["body"] == "" && f.Findings == "" && f.Plan == "" && f.Body == "" {
		fe.Add("body", "所見・方針・本文のいずれかを入力してください")
	}
	var visited time.Time
	if strings.TrimSpace(f.VisitedOn) == "" {
		fe.Add("visited_on", "受診日を入力してください")
	} else if d, err := jptext.ParseDate(f.VisitedOn); err != nil {
		fe.Add("visited_on", "受診日："+dateMessage(err))
	} else {
		today := now.In(Tokyo)
		if d.After(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)) {
			fe.Add("visited_on", "受診日に未来の日付は入力できません")
		} else {
			visited = d
			f.VisitedOn = d.Format("2006-01-02")
		}
	}
	return visited, fe.Err()
}

// dateMessage is the reason a date was refused.
func dateMessage(err error) string {
	if errors.Is(err, jptext.ErrControlCharacter) {
		return jptext.ErrControlCharacter.Error()
	}
	return "日付は YYYY-MM-DD（例：2026-04-01）または和暦（例：令和8年4月1日）で入力してください"
}

// ConsentMissingError: sending needs the patient linked by consent to the
// receiving facility in PRS. It is an ECONFLICT error (409); PatientID
// and FacilityOID say which link is missing.
type ConsentMissingError struct {
	err                    *Error
	PatientID, FacilityOID string
}

func (e *ConsentMissingError) Error() string { return e.err.Error() }
func (e *ConsentMissingError) Unwrap() error { return e.err }

// AsConsentMissing returns the missing-consent error inside err.
func AsConsentMissing(err error) (*ConsentMissingError, bool) {
	var c *ConsentMissingError
	ok := errors.As(err, &c)
	return c, ok
}
