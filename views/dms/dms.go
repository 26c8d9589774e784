// Package dms holds the screens of 医療記録 (DMS): the facility's record
// list, the record form, the record page with its history and
// disclosures. Handlers are in handlers/dms.
package dms

import (
	"net/url"
	"strconv"

	"hotline/store"
	"hotline/views"
)

// RecordURL is a record's page.
func RecordURL(id string) string { return "/dms/records/" + id }

// AttachmentURL is file n of a record.
func AttachmentURL(id string, n int) string {
	return "/dms/records/" + id + "/attachments/" + strconv.Itoa(n)
}

// VersionURL is an old version of a record.
func VersionURL(id string, v int) string {
	return "/dms/records/" + id + "/versions/" + strconv.Itoa(v)
}

// KindOptions are the kinds for the form ("" first for a filter).
func KindOptions(any bool) []views.Option {
	var out []views.Option
	if any {
		out = append(out, views.Option{Value: "", Label: "すべての種類"})
	} else {
		out = append(out, views.Option{Value: "", Label: "選んでください"})
	}
	for _, k := range store.RecordKinds {
		out = append(out, views.Option{Value: string(k), Label: k.Label()})
	}
	return out
}

// ListView is /dms: the facility's records and those disclosed to it.
type ListView struct {
	FacilityName string
	Filter       views.Form // patient, kind, from, to
	Page         store.RecordListPage
	// First is set when this is not the first page.
	First bool
	Flash string
}

func (v ListView) query() url.Values {
	q := url.Values{}
	for _, n := range store.RecordQueryFields.Names() {
		if s := v.Filter.Get(n); s != "" {
			q.Set(n, s)
		}
	}
	return q
}

// NextURL is the next page with the same filters.
func (v ListView) NextURL() string {
	q := v.query()
	q.Set("before", v.Page.Next)
	return "/dms?" + q.Encode()
}

// FirstURL is the first page with the same filters.
func (v ListView) FirstURL() string {
	if q := v.query(); len(q) > 0 {
		return "/dms?" + q.Encode()
	}
	return "/dms"
}

// NewURL is the record form for the filtered patient, if any.
func (v ListView) NewURL() string {
	if p := v.Filter.Get("patient"); p != "" {
		return "/dms/records/new?" + url.Values{"patient": {p}}.Encode()
	}
	return "/dms/records/new"
}

// FormView is the record form: 作成 or 修正.
type FormView struct {
	Form    views.Form
	Patient store.Patient
	// Record is set when revising.
	Record *store.Record
	// PatientQuery is what was typed when no patient is chosen yet.
	PatientQuery string
}

// Action is where the form posts.
func (v FormView) Action() string {
	if v.Record != nil {
		return RecordURL(v.Record.ID) + "/revise"
	}
	return "/dms/records"
}

// RecordView is a record's page.
type RecordView struct {
	Page  store.RecordPage
	Flash string
	// Withdraw, Disclose and Revoke are the page's forms (with messages
	// after a refused post).
	Withdraw views.Form
	Disclose views.Form
	// RevokeN is the disclosure whose revoke form has RevokeError.
	RevokeN     int
	RevokeError string
	// NotLinked explains a refused disclosure (409) with the PRS link step.
	NotLinked *store.NotLinkedError
	// PRSOpen: the PRS patient page is served (to link to it).
	PRSOpen bool
}

// Old reports whether the page shows a version other than the current.
func (v RecordView) Old() bool { return v.Page.Shown.Version != v.Page.Current.Version }

// LinkStepURL is the PRS link step for the refused disclosure.
func (v RecordView) LinkStepURL() string {
	return "/prs/patients/" + v.NotLinked.PatientID + "#link"
}

// DisclosureStatus is a disclosure's state in Japanese.
func DisclosureStatus(d store.Disclosure) string {
	switch {
	case d.Standing():
		return "公開中"
	case d.RevokedBy == "link":
		return "連携解除により終了"
	}
	return "取り消し済み"
}

// RevokeURL is the form action that ends disclosure d.
func RevokeURL(id string, d store.Disclosure) string {
	return RecordURL(id) + "/disclosures/" + strconv.Itoa(d.N) + "/revoke"
}

// SizeLabel is a file size for people.
func SizeLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+1023)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " バイト"
}

// DisclosureFields is the disclosure form.
var DisclosureFields = store.Fields{
	{Name: "to", Label: "公開先", Required: true},
	{Name: "facility_oid", Label: "公開先の施設"},
}
