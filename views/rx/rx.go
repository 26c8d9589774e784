// Package rx renders Web処方箋: the composer with its lines and 約束処方,
// the list of prescriptions and the prescriber's page of one.
package rx

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"hotline/store"
	"hotline/views"
	drugviews "hotline/views/drugs"
)

// ComposerView is 処方箋の作成 (GET /rx/new, and POST /rx with messages).
type ComposerView struct {
	Patient  store.RxPatient
	Form     views.Form
	Lines    []int // the lines' form indexes, in order
	CanIssue bool
	DraftID  string
	// Duplicates are the 重複投薬 warnings (never a block).
	Duplicates []store.RxDuplicate
	Presets    []store.RxPreset
	PresetMsg  string
	Now        time.Time
}

// Next is the index a new line gets.
func (v ComposerView) Next() int {
	n := 0
	for _, i := range v.Lines {
		if i >= n {
			n = i + 1
		}
	}
	return n
}

// Line is the view of line n.
func (v ComposerView) Line(n int) LineView { return LineView{N: n, Form: v.Form} }

// LineView is one composer line.
type LineView struct {
	N    int
	Form views.Form
	// CheckOnLoad asks for the duplicate check once the line is swapped in
	// (a drug was just picked).
	CheckOnLoad bool
}

// Name is the posted name of one of the line's fields.
func (l LineView) Name(field string) string { return store.RxLineField(l.N, field) }

// Get is the line field's value.
func (l LineView) Get(field string) string { return l.Form.Get(l.Name(field)) }

// Err is the line field's message.
func (l LineView) Err(field string) string { return l.Form.Err(l.Name(field)) }

// RowErr is the message of the whole line.
func (l LineView) RowErr() string { return l.Form.Err(store.RxRowField(l.N)) }

// Checked reports a ticked box of the line.
func (l LineView) Checked(field string) bool { return Checked(l.Get(field)) }

// Checked reports a posted checkbox value that means ticked.
func Checked(v string) bool { return v == "1" || v == "on" || v == "true" }

// ID is the line's element id.
func (l LineView) ID() string { return "line-" + strconv.Itoa(l.N) }

// ResultsID is the id of the line's drug search results.
func (l LineView) ResultsID() string { return l.ID() + "-results" }

// SearchURL answers the line's drug search in pick mode.
func (l LineView) SearchURL() string { return "/rx/drugs?n=" + strconv.Itoa(l.N) }

// RemoveURL answers nothing, which removes the line (htmx).
func (l LineView) RemoveURL() string { return "/rx/new/line?remove=1&n=" + strconv.Itoa(l.N) }

// Pick is the pick mode of line n's search results.
func Pick(n int) *drugviews.DrugPick {
	return &drugviews.DrugPick{URL: "/rx/new/line?n=" + strconv.Itoa(n), Target: "#line-" + strconv.Itoa(n), Label: "この薬を選ぶ"}
}

// KindOptions are the 区分 choices of a line.
func KindOptions() []views.Option {
	out := []views.Option{{Value: "", Label: "（医薬品から）"}}
	for _, k := range store.RxKinds {
		out = append(out, views.Option{Value: string(k), Label: k.Label()})
	}
	return out
}

func (t TailView) query(n int) string {
	q := url.Values{"n": {strconv.Itoa(n)}, "patient": {t.PatientID}}
	if t.DraftID != "" {
		q.Set("draft", t.DraftID)
	}
	return q.Encode()
}

// AddLineURL answers a new empty line with the next index (htmx).
func (t TailView) AddLineURL() string { return "/rx/new/line?" + t.query(t.Next) }

// PresetLinesURL answers the lines of a preset from the next index.
func (t TailView) PresetLinesURL(id string) string {
	return "/rx/presets/" + url.PathEscape(id) + "/lines?" + t.query(t.Next)
}

// TailView is what follows the lines: the 「行を追加」 button and the preset
// links, which carry the next line index (swapped out of band whenever
// lines are added).
type TailView struct {
	Next      int
	PatientID string
	DraftID   string
	Presets   []store.RxPreset
}

// Tail is the composer's tail.
func (v ComposerView) Tail() TailView {
	return TailView{Next: v.Next(), PatientID: v.Patient.Patient.ID, DraftID: v.DraftID, Presets: v.Presets}
}

// PresetApplyURL is the composer with a preset's lines (without script).
func (v TailView) PresetApplyURL(id string) string {
	q := url.Values{"patient": {v.PatientID}, "preset": {id}}
	if v.DraftID != "" {
		q.Set("draft", v.DraftID)
	}
	return "/rx/new?" + q.Encode()
}

// LinesFragment is lines answered to htmx (a new line, a picked drug, a
// preset's lines) with the tail swapped out of band.
type LinesFragment struct {
	Lines []LineView
	Tail  *TailView
}

// RxListView is GET /rx.
type RxListView struct {
	Page      store.RxPage
	Status    string
	Patient   string
	Mine      bool
	CanIssue  bool
	Flash     string
	Now       time.Time
	PatientID string // the filter's patient in stored form, for links
}

// NextURL is the next page.
func (v RxListView) NextURL() string {
	q := url.Values{}
	if v.Status != "" {
		q.Set("status", v.Status)
	}
	if v.Patient != "" {
		q.Set("patient", v.Patient)
	}
	if v.Mine {
		q.Set("mine", "1")
	}
	q.Set("before", strconv.FormatUint(v.Page.Next, 10))
	return "/rx?" + q.Encode()
}

// StatusOptions are the list's status filter.
func StatusOptions() []views.Option {
	out := []views.Option{{Value: "", Label: "すべて"}}
	for _, s := range store.RxStatuses {
		out = append(out, views.Option{Value: string(s), Label: s.Label()})
	}
	return append(out, views.Option{Value: string(store.RxDraft), Label: store.RxDraft.Label()})
}

// StatusBadge is the badge class of a status.
func StatusBadge(s store.RxStatus) string {
	switch s {
	case store.RxIssued:
		return "badge ok"
	case store.RxDispensed:
		return "badge"
	case store.RxCancelled:
		return "badge danger"
	case store.RxExpired, store.RxDraft:
		return "badge warn"
	}
	return "badge"
}

// DrugsSummary is the first drug and how many more.
func DrugsSummary(p store.Prescription) string {
	lines := p.Lines()
	if len(lines) == 0 {
		return ""
	}
	s := lines[0].PrintedName()
	if len(lines) > 1 {
		s += " ほか" + strconv.Itoa(len(lines)-1) + "剤"
	}
	return s
}

// RxView is the prescriber's page of one prescription.
type RxView struct {
	Rx       store.Prescription
	Status   store.RxStatus
	CanIssue bool
	Flash    string
	Cancel   views.Form
	Now      time.Time
}

// PDFURL is the printed form.
func (v RxView) PDFURL() string { return "/rx/" + v.Rx.ID + ".pdf" }

// CanCancel: a doctor, not yet cancelled or dispensed.
func (v RxView) CanCancel() bool {
	return v.Rx.Status != store.RxCancelled && len(v.Rx.Dispensings) == 0 && (v.CanIssue || v.Rx.Status == store.RxDraft)
}

// AmountText is a line's amount with its unit and what it counts.
func AmountText(g store.RxGroup, l store.RxLine) string {
	s := l.Amount + l.Unit
	switch g.Kind {
	case store.RxOral:
		return "1日" + s
	case store.RxAsNeeded:
		return "1回" + s
	}
	return s
}

// Flags are a line's marks (変更不可, 患者希望).
func Flags(l store.RxLine) string {
	var f []string
	if l.NoChange {
		f = append(f, "変更不可（医療上必要）")
	}
	if l.PatientWish {
		f = append(f, "患者希望")
	}
	return strings.Join(f, "・")
}

// PresetsView is 約束処方 (GET /rx/presets).
type PresetsView struct {
	Presets  []store.RxPreset
	MemberID string
	Flash    string
	Form     views.Form // a rename with its messages
	FormID   string     // the preset the form's messages are for
}

// PresetLineText describes a preset line.
func PresetLineText(l store.RxLineForm) string {
	s := l.DrugCode + " " + l.Amount + l.Unit + " " + l.Usage
	if l.Days != "" {
		s += " " + l.Days
	}
	return s
}
