// Package patient renders the patient page (患者様ページ, /patient/…): the
// login with the access card, the records disclosed to the patient with
// their attachments, and 閲覧履歴. Words are for patients: no internal
// codes, dates in Japan time, one column that fits a phone.
package patient

import (
	"strconv"

	"hotline/views"
)

// LoginView is the patient page's login form.
type LoginView struct {
	Form views.Form
	Next string
	// LoggedOut: the patient just logged out.
	LoggedOut bool
}

// Attachment is one file of a record, as the patient sees it.
type Attachment struct {
	Href  string
	Name  string
	Kind  string // 「PDF」「画像（JPEG）」…
	Size  string // 「1.2 MB」
	Image bool   // shown inline on the record page
}

// Record is one record disclosed to the patient.
type Record struct {
	Href         string
	Title        string
	Kind         string // サマリー, 検査結果, …
	RecordedOn   string // the day it concerns (YYYY-MM-DD)
	FacilityName string
	Author       string
	UpdatedAt    string // Japan time
	Body         string
	Attachments  []Attachment
	// AttachmentCount is how many files it has (the list shows the count).
	AttachmentCount int
}

// RecordListView is the patient's top page: what is disclosed to them.
type RecordListView struct {
	Records []Record
}

// RecordView is one record.
type RecordView struct {
	Record Record
}

// AccessEntry is one line of 閲覧履歴.
type AccessEntry struct {
	When     string // Japan time
	Facility string // 施設名, or 「ご本人（患者様ページ）」
	Who      string // 職員の氏名, or 「ご本人」
	What     string // 「記録『…』を閲覧」
	Self     bool
}

// AccessView is 閲覧履歴, newest first, one page of it.
type AccessView struct {
	Entries []AccessEntry
	// NextHref is the next (older) page; empty on the last.
	NextHref string
	// Paged: this is not the first page.
	Paged bool
}

// FileSize says a size in words a patient reads.
func FileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1023)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " バイト"
}
