package prs

import (
	"net/url"
	"strconv"
	"time"

	"hotline/store"
	"hotline/views"
)

// 患者様登録ソフト (PRS) view models.

// PRSNav is the PRS header: the unlocked facility and the active tab.
type PRSNav struct {
	Active       string // patients, new, linked, facility
	FacilityOID  string
	FacilityName string
}

// PRSTab is one tab of the PRS navigation.
type PRSTab struct {
	Key   string
	Href  string
	Label string
}

// PRSTabs are the PRS screens in menu order.
var PRSTabs = []PRSTab{
	{Key: "patients", Href: "/prs", Label: "患者一覧・検索"},
	{Key: "new", Href: "/prs/patients/new", Label: "新規登録"},
	{Key: "linked", Href: "/prs/linked", Label: "連携患者"},
	{Key: "facility", Href: "/prs/facility", Label: "施設情報修正"},
}

// PRSLoginView is the facility unlock (施設認証) form.
type PRSLoginView struct {
	Form views.Form
	Next string
}

// PatientListView is the patient list and search (患者一覧・検索).
type PatientListView struct {
	Nav   PRSNav
	Query string
	Page  store.PatientPage
	// First is set when this is not the first page.
	First bool
	Flash string
	Now   time.Time
}

// NextURL is the link to the next page of results.
func (v PatientListView) NextURL() string {
	q := url.Values{}
	if v.Query != "" {
		q.Set("q", v.Query)
	}
	q.Set("after", v.Page.Next)
	return "/prs/patients?" + q.Encode()
}

// FirstURL is the link back to the first page.
func (v PatientListView) FirstURL() string {
	if v.Query == "" {
		return "/prs/patients"
	}
	return "/prs/patients?" + url.Values{"q": {v.Query}}.Encode()
}

// Summary says what was searched and how many were found.
func (v PatientListView) Summary() string {
	n := len(v.Page.Patients)
	switch {
	case v.Page.Mode == store.SearchAll:
		return "登録患者 " + strconv.Itoa(v.Page.Total) + "名（登録の新しい順）"
	case n == 0:
		return "「" + v.Query + "」に該当する患者様は見つかりませんでした（" + v.Page.Mode.Label() + "で検索）"
	case v.Page.Next != "":
		return v.Page.Mode.Label() + "で検索：" + strconv.Itoa(n) + "件（続きがあります）"
	}
	return v.Page.Mode.Label() + "で検索：" + strconv.Itoa(n) + "件"
}

// PatientFormView is the registration (新規登録) or edit (修正) form.
type PatientFormView struct {
	Nav        PRSNav
	Form       views.Form
	Edit       bool
	Patient    store.Patient // when editing
	Duplicates []store.Patient
	Now        time.Time
}

// Action is where the form posts.
func (v PatientFormView) Action() string {
	if v.Edit {
		return "/prs/patients/" + v.Patient.ID + "/edit"
	}
	return "/prs/patients"
}

// SexOptions are the choices of 性別.
func SexOptions() []views.Option {
	var out []views.Option
	for _, s := range store.Sexes {
		out = append(out, views.Option{Value: string(s), Label: s.Label()})
	}
	return out
}

// ConsentOptions are the choices of 同意の方法.
func ConsentOptions() []views.Option {
	var out []views.Option
	for _, m := range store.ConsentMethods {
		out = append(out, views.Option{Value: string(m), Label: m.Label()})
	}
	return out
}

// PatientView is a patient's page.
type PatientView struct {
	Nav      PRSNav
	Rec      store.PatientRecord
	LinkForm views.Form
	Flash    string
	Now      time.Time
	// PatientPageOpen: the server serves the patient page, so the card
	// leads there (otherwise it says the page is not open yet).
	PatientPageOpen bool
	// RecordsOpen: the server serves 医療記録 (DMS): the page links to the
	// patient's records and to 記録を作成.
	RecordsOpen bool
	// CardError is the message beside the new card's confirmation box;
	// UnlinkError beside the unlink confirmation of the link to UnlinkOID.
	CardError   string
	UnlinkOID   string
	UnlinkError string
}

// RecordsURL is the patient's records in DMS.
func (v PatientView) RecordsURL() string { return "/dms?patient=" + v.Rec.Patient.ID }

// NewRecordURL is DMS's 記録を作成 for the patient.
func (v PatientView) NewRecordURL() string { return "/dms/records/new?patient=" + v.Rec.Patient.ID }

// P is the patient shown.
func (v PatientView) P() store.Patient { return v.Rec.Patient }

// URL is the patient's page.
func (v PatientView) URL(suffix string) string { return "/prs/patients/" + v.Rec.Patient.ID + suffix }

// ActiveLinks counts the live links.
func (v PatientView) ActiveLinks() int {
	n := 0
	for _, l := range v.Rec.Links {
		if l.Active() {
			n++
		}
	}
	return n
}

// LinkedListView is the 「連携患者」 list.
type LinkedListView struct {
	Nav   PRSNav
	Page  store.LinkedPatientPage
	First bool
	Now   time.Time
}

// NextURL is the next page of the list.
func (v LinkedListView) NextURL() string {
	return "/prs/linked?" + url.Values{"after": {v.Page.Next}}.Encode()
}

// PRSFacilityView is 施設情報修正.
type PRSFacilityView struct {
	Nav      PRSNav
	Form     views.Form
	Facility store.Facility
	Flash    string
}

// AgeLabel is "54歳" for a birth date on the day of now.
func AgeLabel(p store.Patient, now time.Time) string {
	if p.BirthDate.IsZero() {
		return ""
	}
	return strconv.Itoa(p.Age(now)) + "歳"
}

// PatientURL is a patient's page.
func PatientURL(id string) string { return "/prs/patients/" + id }

// orDash shows "—" for an empty value.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// unlinkError is the confirmation message of the link to oid, if any.
func unlinkError(v PatientView, oid string) string {
	if v.UnlinkOID == oid {
		return v.UnlinkError
	}
	return ""
}
