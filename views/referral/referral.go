// Package referral renders 地域連携システム: the inbox and 送信済 lists, the
// compose form, the letter with its 返書, and the member directory.
package referral

import (
	"net/url"
	"slices"
	"strconv"
	"time"

	"hotline/store"
	"hotline/store/jptext"
	"hotline/views"
)

// Tab is one tab of the 地域連携 header.
type Tab struct {
	Key, Href, Label string
}

// Tabs are the screens in header order.
var Tabs = []Tab{
	{"in", "/referrals", "受信箱"},
	{"sent", "/referrals/sent", "送信済"},
	{"drafts", "/referrals/drafts", "下書き"},
	{"new", "/referrals/new", "紹介状の作成"},
	{"members", "/members", "会員名簿"},
}

// Nav is the header: the active tab and the facility's unread count.
type Nav struct {
	Active string
	Unread int
}

// ListView is the inbox, 送信済 or 下書き.
type ListView struct {
	Nav     Nav
	Box     store.ReferralBox
	Page    store.ReferralPage
	Status  string
	Patient string
	// Before is the cursor of this page (set when not the first).
	Before uint64
	Flash  string
}

// Path is the list's own path.
func (v ListView) Path() string {
	switch v.Box {
	case store.BoxSent:
		return "/referrals/sent"
	case store.BoxDrafts:
		return "/referrals/drafts"
	}
	return "/referrals"
}

// Title is the list's heading.
func (v ListView) Title() string {
	switch v.Box {
	case store.BoxSent:
		return "送信済の紹介状"
	case store.BoxDrafts:
		return "下書き"
	}
	return "受信箱"
}

func (v ListView) query(before uint64) string {
	q := url.Values{}
	if v.Status != "" {
		q.Set("status", v.Status)
	}
	if v.Patient != "" {
		q.Set("patient", v.Patient)
	}
	if before > 0 {
		q.Set("before", strconv.FormatUint(before, 10))
	}
	if len(q) == 0 {
		return v.Path()
	}
	return v.Path() + "?" + q.Encode()
}

// NextURL is the next page; FirstURL the first.
func (v ListView) NextURL() string  { return v.query(v.Page.Next) }
func (v ListView) FirstURL() string { return v.query(0) }

// PatientURL filters the list by a patient.
func (v ListView) PatientURL(id string) string {
	return v.Path() + "?" + url.Values{"patient": {id}}.Encode()
}

// StatusOptions are the filter's choices.
func StatusOptions() []views.Option {
	out := []views.Option{{Value: "", Label: "すべて"}}
	for _, s := range store.ReferralStatuses {
		out = append(out, views.Option{Value: string(s), Label: s.Label()})
	}
	return out
}

// StatusClass is the badge class of a status.
func StatusClass(s store.ReferralStatus) string {
	switch s {
	case store.ReferralUnread:
		return "badge warn"
	case store.ReferralReplied:
		return "badge ok"
	case store.ReferralCompleted:
		return "badge"
	}
	return "badge"
}

// LetterURL is a letter's page (a draft: its edit form).
func LetterURL(r store.ReferralRow) string {
	if r.Status == store.ReferralDraft {
		return "/referrals/" + r.ID + "/edit"
	}
	return "/referrals/" + r.ID
}

// Time is a time in Japan, to the minute.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(store.Tokyo).Format("2006-01-02 15:04")
}

// Date is a day in Japan.
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(store.Tokyo).Format("2006-01-02")
}

// ComposeView is 紹介状の作成 (new, a draft, or a correction).
type ComposeView struct {
	Nav  Nav
	Form views.Form
	// Draft is the draft being edited (zero ID: a new letter).
	Draft store.Referral
	// Patient is the patient block as the letter will carry it (zero ID:
	// no patient chosen yet).
	Patient store.Patient
	// Consent is set when sending was refused for the missing link: the
	// page says so and links to the PRS link step.
	Consent *store.ConsentMissingError
	Today   time.Time
	Flash   string
	// Records are the patient's records of the facility that may be
	// attached (none until a patient is known); Chosen the IDs ticked.
	Records store.RecordChoices
	Chosen  []string
	// Carried are the records a new correction takes over from the
	// corrected letter: ticked and fixed.
	Carried []string
}

// Checked reports whether record id is ticked.
func (v ComposeView) Checked(id string) bool {
	return slices.Contains(v.Chosen, id) || v.IsCarried(id)
}

// IsCarried reports whether record id comes with the corrected letter.
func (v ComposeView) IsCarried(id string) bool { return slices.Contains(v.Carried, id) }

// Action is where the form posts.
func (v ComposeView) Action() string {
	if v.Draft.ID != "" {
		return "/referrals/" + v.Draft.ID + "/edit"
	}
	return "/referrals/new"
}

// PatientBirth is the patient's birth date in 和暦 and age on the
// letter's date.
func (v ComposeView) PatientBirth() string {
	if v.Patient.BirthDate.IsZero() {
		return ""
	}
	return v.Patient.BirthDateWareki() + "生（" + strconv.Itoa(v.Patient.Age(v.Today)) + "歳）"
}

// LinkURL is the PRS page where the patient is linked to a facility.
func LinkURL(patientID string) string { return "/prs/patients/" + patientID + "#links" }

// LetterView is a letter's page.
type LetterView struct {
	Nav      Nav
	Referral store.Referral
	Side     store.ReferralSide
	Reply    views.Form
	Flash    string
	// Error is a refusal to show above the forms (409 and the like).
	Error string
	// RecordOpen says, by ID, whether the viewer may open each attached
	// record in DMS now (its disclosure may have been revoked).
	RecordOpen map[string]bool
}

// RecordURL is a DMS record's page.
func RecordURL(id string) string { return "/dms/records/" + id }

// Sender reports whether the viewer's facility sent the letter.
func (v LetterView) Sender() bool { return v.Side == store.SideSender }

// CanReply: the receiver may still send the 返書.
func (v LetterView) CanReply() bool {
	return v.Side == store.SideReceiver && v.Referral.Reply == nil && v.Referral.Status != store.ReferralCompleted
}

// CanComplete: the sender may still mark it 完了.
func (v LetterView) CanComplete() bool {
	return v.Side == store.SideSender && v.Referral.Status != store.ReferralCompleted
}

// PatientBirth is the birth date in 和暦 with the age on the letter's date.
func (v LetterView) PatientBirth() string {
	p := v.Referral.Patient
	if p.BirthDate.IsZero() {
		return ""
	}
	return p.BirthDateWareki() + "生（" + strconv.Itoa(p.AgeOn(v.Referral.Date())) + "歳）"
}

// LetterDate is the letter's date in 和暦.
func (v LetterView) LetterDate() string { return WarekiDay(v.Referral.Date()) }

// WarekiDay is the Japan day of t in 和暦.
func WarekiDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return jptext.FormatWareki(dayOf(t))
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.In(store.Tokyo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AttachmentURL is an attachment's address under its letter.
func AttachmentURL(letterID, attID string) string {
	return "/referrals/" + letterID + "/attachments/" + attID
}

// DirectoryView is the 会員名簿.
type DirectoryView struct {
	Nav  Nav
	Q    string
	Page store.DirectoryPage
	// Pick renders the results as choices for the compose form's 紹介先.
	Pick bool
}

// PageURL is page n of the current search.
func (v DirectoryView) PageURL(n int) string {
	q := url.Values{}
	if v.Q != "" {
		q.Set("q", v.Q)
	}
	q.Set("page", strconv.Itoa(n))
	return "/members?" + q.Encode()
}

// Summary is the line above the results.
func (v DirectoryView) Summary() string {
	if v.Page.Total == 0 {
		return "該当する会員はいません。"
	}
	return strconv.Itoa(v.Page.Total) + "人（" + strconv.Itoa(v.Page.Page) + "／" + strconv.Itoa(v.Page.Pages()) + "ページ）"
}

// Itoa is strconv.Itoa for the templates.
func Itoa(n int) string { return strconv.Itoa(n) }
