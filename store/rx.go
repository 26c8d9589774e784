package store

// Web処方箋: outpatient prescriptions (院外処方箋) issued by doctors and
// dentists of a clinic or hospital for patients of their facility, looked
// up by a pharmacy with the 照会番号 printed on the form and the patient's
// birth date.
//
// A prescription is immutable once issued: the pharmacy's dispensings are
// appended to it and a cancellation marks it 取消; nothing is ever erased.
// A draft (下書き), which a nurse or clerk may prepare for a doctor of the
// same facility, is the only state in which it changes; it has no number
// until it is issued.
//
// Files: rx.go (types), rx_form.go (the composer's form and its
// validation), rx_number.go (照会番号), rx_store.go (persistence, issue,
// cancel, lists, the patient index entry), rx_duplicate.go (重複投薬チェック),
// rx_preset.go (約束処方), rx_sample.go (a few drugs of the real list for
// tests). Tested in rx_test.go; benchmarks in rx_bench_test.go.

import (
	"strconv"
	"strings"
	"time"
)

// RxStatus is a prescription's status. Expired (期限切れ) is never stored:
// it follows from the 使用期間 and the day (Prescription.StatusOn).
type RxStatus string

const (
	RxDraft     RxStatus = "draft"     // 下書き
	RxIssued    RxStatus = "issued"    // 発行済
	RxDispensed RxStatus = "dispensed" // 調剤済
	RxCancelled RxStatus = "cancelled" // 取消
	RxExpired   RxStatus = "expired"   // 期限切れ
)

// RxStatuses are the statuses the list filters by, in screen order.
var RxStatuses = []RxStatus{RxIssued, RxDispensed, RxCancelled, RxExpired}

// Label is the status in Japanese.
func (s RxStatus) Label() string {
	switch s {
	case RxDraft:
		return "下書き"
	case RxIssued:
		return "発行済"
	case RxDispensed:
		return "調剤済"
	case RxCancelled:
		return "取消"
	case RxExpired:
		return "期限切れ"
	}
	return string(s)
}

// Valid reports a status the list can filter by.
func (s RxStatus) Valid() bool {
	for _, v := range RxStatuses {
		if s == v {
			return true
		}
	}
	return s == RxDraft
}

// RxKind is how a line's quantity is counted (the 区分 of the RP):
// 内服 per day for a number of days, 頓服 per dose for a number of times,
// 外用 as a total amount.
type RxKind string

const (
	RxOral     RxKind = "oral"     // 内服: amount per day × days
	RxAsNeeded RxKind = "prn"      // 頓服: amount per dose × times
	RxExternal RxKind = "external" // 外用: total amount
)

// RxKinds in the order the composer lists them.
var RxKinds = []RxKind{RxOral, RxAsNeeded, RxExternal}

// Label is the kind in Japanese.
func (k RxKind) Label() string {
	switch k {
	case RxOral:
		return "内服"
	case RxAsNeeded:
		return "頓服"
	case RxExternal:
		return "外用"
	}
	return string(k)
}

// CountLabel names what the line's days field holds for this kind.
func (k RxKind) CountLabel() string {
	switch k {
	case RxAsNeeded:
		return "回数"
	case RxExternal:
		return "（総量）"
	}
	return "日数"
}

// Valid reports a known kind.
func (k RxKind) Valid() bool { return k == RxOral || k == RxAsNeeded || k == RxExternal }

// InsuredKind is 被保険者 or 被扶養者 on the form.
type InsuredKind string

const (
	InsuredSelf      InsuredKind = "self"      // 被保険者
	InsuredDependent InsuredKind = "dependent" // 被扶養者
)

// Label is the kind in Japanese.
func (k InsuredKind) Label() string {
	switch k {
	case InsuredSelf:
		return "被保険者"
	case InsuredDependent:
		return "被扶養者"
	}
	return ""
}

// LeftoverHandling is 保険薬局が調剤時に残薬を確認した場合の対応.
type LeftoverHandling string

const (
	LeftoverInquire LeftoverHandling = "inquire" // 医療機関へ疑義照会した上で調剤
	LeftoverInform  LeftoverHandling = "inform"  // 医療機関へ情報提供
)

// Label is the choice as the form prints it.
func (h LeftoverHandling) Label() string {
	switch h {
	case LeftoverInquire:
		return "保険医療機関へ疑義照会した上で調剤"
	case LeftoverInform:
		return "保険医療機関へ情報提供"
	}
	return ""
}

// RxInsurance is the insurance part of one prescription: filled in from
// the patient's PRS record, editable per prescription.
type RxInsurance struct {
	InsurerNumber string `json:"insurer_number,omitempty"` // 保険者番号
	InsuredSymbol string `json:"insured_symbol,omitempty"` // 記号
	InsuredNumber string `json:"insured_number,omitempty"` // 番号
	InsuredBranch string `json:"insured_branch,omitempty"` // 枝番
	// 公費負担者番号 and 公費負担医療の受給者番号, first and second.
	PublicPayer1     string      `json:"public_payer1,omitempty"`
	PublicRecipient1 string      `json:"public_recipient1,omitempty"`
	PublicPayer2     string      `json:"public_payer2,omitempty"`
	PublicRecipient2 string      `json:"public_recipient2,omitempty"`
	InsuredKind      InsuredKind `json:"insured_kind,omitempty"`
	// CopayPercent is 負担割合 in percent (10, 20, 30); 0 when not known.
	CopayPercent int `json:"copay_percent,omitempty"`
}

// RxLine is one drug of an RP, with the master's data as it was at issue.
type RxLine struct {
	DrugCode      string `json:"drug_code"`      // 薬価基準収載医薬品コード
	DrugName      string `json:"drug_name"`      // 品名 at issue
	Ingredient    string `json:"ingredient"`     // 成分名 (duplicate check)
	GenericName   string `json:"generic_name"`   // 一般名 (成分名+剤形+規格)
	MasterVersion uint64 `json:"master_version"` // the drug master it was taken from
	// Amount is the quantity as a decimal ("1", "1.5"): per day (内服), per
	// dose (頓服) or in total (外用).
	Amount string `json:"amount"`
	Unit   string `json:"unit"`
	// NoChange: 変更不可（医療上必要）; PatientWish: 患者希望 (never both).
	NoChange    bool `json:"no_change,omitempty"`
	PatientWish bool `json:"patient_wish,omitempty"`
	// Generic: 一般名処方, printed as 【般】 + GenericName.
	Generic bool `json:"generic,omitempty"`
}

// PrintedName is the name as the form prints it.
func (l RxLine) PrintedName() string {
	if l.Generic && l.GenericName != "" {
		return "【般】" + l.GenericName
	}
	return l.DrugName
}

// ClassCode is the 薬効分類 (first 4 characters of the code).
func (l RxLine) ClassCode() string { return prefix(l.DrugCode, drugClassPrefix) }

// RxGroup is one RP (剤): drugs taken the same way.
type RxGroup struct {
	Kind  RxKind `json:"kind"`
	Usage string `json:"usage"` // 用法
	// Days is the number of days (内服) or times (頓服); 0 for 外用.
	Days  int      `json:"days,omitempty"`
	Lines []RxLine `json:"lines"`
}

// CountText is 「7日分」, 「5回分」 or "" (外用).
func (g RxGroup) CountText() string {
	switch g.Kind {
	case RxOral:
		return strconv.Itoa(g.Days) + "日分"
	case RxAsNeeded:
		return strconv.Itoa(g.Days) + "回分"
	}
	return ""
}

// RxDispensing is one dispensing (調剤) by a pharmacy; a refill
// prescription gets one per use.
type RxDispensing struct {
	Use          int       `json:"use"` // 1-based: which use of a refill
	PharmacyOID  string    `json:"pharmacy_oid"`
	PharmacyName string    `json:"pharmacy_name"`
	PharmacistID string    `json:"pharmacist_id"`
	Pharmacist   string    `json:"pharmacist"`
	DispensedOn  time.Time `json:"dispensed_on"` // 調剤年月日 (date)
	Note         string    `json:"note,omitempty"`
	RecordedAt   time.Time `json:"recorded_at"`
	// Lines is what was dispensed per line (in the prescription's line
	// order across RPs): as written, or the alternative chosen.
	Lines []RxDispensedLine `json:"lines,omitempty"`
}

// RxDispensedLine is what a pharmacy dispensed for one line.
type RxDispensedLine struct {
	Group     int    `json:"group"`
	Line      int    `json:"line"`
	AsWritten bool   `json:"as_written"`
	DrugCode  string `json:"drug_code"`
	DrugName  string `json:"drug_name"`
}

// Prescription is one 院外処方箋 with the patient, facility and prescriber
// as they were at issue.
type Prescription struct {
	ID     string   `json:"id"` // in URLs: "RX" + 10 digits of the sequence
	Seq    uint64   `json:"seq"`
	Status RxStatus `json:"status"` // stored: draft, issued, dispensed, cancelled
	// Number is the 照会番号 (16 digits, rx_number.go); empty for a draft.
	Number string `json:"number,omitempty"`

	PatientID   string    `json:"patient_id"`
	PatientName string    `json:"patient_name"`
	PatientKana string    `json:"patient_kana"`
	BirthDate   time.Time `json:"birth_date"`
	Sex         Sex       `json:"sex"`

	FacilityOID    string       `json:"facility_oid"`
	FacilityName   string       `json:"facility_name"`
	FacilityKind   FacilityKind `json:"facility_kind"`
	FacilityCode   string       `json:"facility_code,omitempty"` // 医療機関コード
	FacilityPostal string       `json:"facility_postal,omitempty"`
	FacilityAddr   string       `json:"facility_address,omitempty"`
	FacilityPhone  string       `json:"facility_phone,omitempty"`

	PrescriberID   string        `json:"prescriber_id,omitempty"`
	PrescriberName string        `json:"prescriber_name,omitempty"`
	PrescriberQual Qualification `json:"prescriber_qualification,omitempty"`
	Department     string        `json:"department,omitempty"`
	// PreparedBy is the member who saved the draft (when not the prescriber).
	PreparedBy     string `json:"prepared_by,omitempty"`
	PreparedByName string `json:"prepared_by_name,omitempty"`

	Insurance RxInsurance `json:"insurance"`
	Groups    []RxGroup   `json:"groups"`
	// Refill is the total number of uses of a リフィル prescription (2 or
	// 3), 0 when it is not one.
	Refill   int              `json:"refill,omitempty"`
	Remarks  string           `json:"remarks,omitempty"` // 備考
	Leftover LeftoverHandling `json:"leftover,omitempty"`

	// IssuedOn is 交付年月日 (a date, Japan), ValidUntil the last day of
	// 処方箋の使用期間 (交付の日を含めて4日 unless written otherwise).
	IssuedOn   time.Time `json:"issued_on,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	IssuedAt   time.Time `json:"issued_at,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`

	CancelledAt   time.Time      `json:"cancelled_at,omitzero"`
	CancelledBy   string         `json:"cancelled_by,omitempty"`
	CancelledName string         `json:"cancelled_by_name,omitempty"`
	CancelReason  string         `json:"cancel_reason,omitempty"`
	Dispensings   []RxDispensing `json:"dispensings,omitempty"`
}

// DefaultRxValidDays is the 使用期間 unless written otherwise: 交付の日を
// 含めて4日以内.
const DefaultRxValidDays = 4

// Uses is how many times the prescription may be dispensed (1, or the
// refill total).
func (p Prescription) Uses() int {
	if p.Refill > 1 {
		return p.Refill
	}
	return 1
}

// NextUse is the 1-based use the next dispensing is, 0 when none is left.
func (p Prescription) NextUse() int {
	if n := len(p.Dispensings); n < p.Uses() {
		return n + 1
	}
	return 0
}

// StatusOn is the status on the day of now (Japan): 取消 when cancelled;
// 調剤済 once every use is dispensed (a リフィル with uses left stays 発行済,
// its page saying which use is next); 期限切れ when the 使用期間 ended
// before any dispensing; else 発行済.
func (p Prescription) StatusOn(now time.Time) RxStatus {
	switch {
	case p.Status == RxDraft || p.Status == RxCancelled:
		return p.Status
	case len(p.Dispensings) > 0 && p.NextUse() == 0:
		return RxDispensed
	case len(p.Dispensings) > 0:
		return RxIssued
	case !p.ValidUntil.IsZero() && JapanDate(now).After(p.ValidUntil):
		return RxExpired
	}
	return RxIssued
}

// Dispensable says whether a pharmacy may dispense it on the day of now:
// ECONFLICT with the reason when cancelled, expired, a draft or used up.
func (p Prescription) Dispensable(now time.Time) error {
	switch {
	case p.Status == RxDraft:
		return Errorf(ECONFLICT, "この処方箋はまだ発行されていません")
	case p.Status == RxCancelled:
		return Errorf(ECONFLICT, "この処方箋は取り消されています（%s）", p.CancelReason)
	case p.NextUse() == 0:
		return Errorf(ECONFLICT, "この処方箋は調剤済です")
	case len(p.Dispensings) == 0 && JapanDate(now).After(p.ValidUntil):
		return Errorf(ECONFLICT, "この処方箋は使用期間（%s まで）を過ぎています", p.ValidUntil.Format("2006-01-02"))
	}
	return nil
}

// InPeriod reports an issued (or dispensed) prescription still in its
// 使用期間 on the day of now: what the duplicate-medication check counts.
func (p Prescription) InPeriod(now time.Time) bool {
	if p.Status != RxIssued && p.Status != RxDispensed {
		return false
	}
	return !JapanDate(now).After(p.ValidUntil)
}

// Lines are all lines in print order.
func (p Prescription) Lines() []RxLine {
	var out []RxLine
	for _, g := range p.Groups {
		out = append(out, g.Lines...)
	}
	return out
}

// DisplayNumber is the 照会番号 grouped for reading aloud.
func (p Prescription) DisplayNumber() string { return FormatRxNumber(p.Number) }

// IsRefill reports a リフィル prescription.
func (p Prescription) IsRefill() bool { return p.Refill > 1 }

// JapanDate is the day of t in Japan as a date at midnight UTC (how dates
// such as birth dates are stored).
func JapanDate(t time.Time) time.Time {
	y, m, d := t.In(Tokyo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// rxID formats a sequence as the prescription's ID.
func rxID(seq uint64) string { return "RX" + leftPad(strconv.FormatUint(seq, 10), 10) }

func leftPad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// validRxID reports the shape of an ID (RX + 10 digits).
func validRxID(id string) bool { return len(id) == 12 && id[:2] == "RX" && isDigits(id[2:]) }
