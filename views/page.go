// Package views renders hotline's screens with templ. Every screen has a
// typed view model; handlers build it and call the component.
package views

import (
	"strconv"

	"context"
	"encoding/json"
	"github.com/a-h/templ"
	"time"

	"hotline/static"
	"hotline/store"
)

// Viewer is the logged-in person as the layout needs them.
type Viewer struct {
	ID           string
	Name         string
	Operator     bool
	PasswordOnly bool
	Patient      bool
	// Referrals: the header links to 地域連携 with the facility's unread
	// count.
	Referrals bool
	Unread    int
}

// Page is what every full page carries besides its content.
type Page struct {
	Title    string
	SiteName string
	Viewer   *Viewer
	CSRF     string
	// Flash is a one-line confirmation shown above the content.
	Flash string
	// Banners are warnings shown on every page (e.g. certificate expiry).
	Banners []Banner
}

// Banner is a page-wide notice with an optional link.
type Banner struct {
	Kind     string // "warn", "info", "error"
	Text     string
	Link     string
	LinkText string
}

// Asset is the cache-busted URL of a static file.
func Asset(name string) string { return static.Path(name) }

// Form carries a form's submitted values and its per-field errors.
type Form struct {
	Values map[string]string
	Errors store.FieldErrors
	// Order lists fields for the error summary in the order they appear.
	Order []string
	// Labels names fields in the error summary.
	Labels map[string]string
	// Message is a form-wide error (e.g. a wrong password).
	Message string
	// Spec is the form's field spec (labels, limits, 必須), when it has one:
	// FieldOf, Input and TextArea read it.
	Spec store.Fields
}

// NewForm is a form with its spec: the summary's order and labels come
// from it.
func NewForm(spec store.Fields, values map[string]string) Form {
	if values == nil {
		values = map[string]string{}
	}
	return Form{Values: values}.WithSpec(spec)
}

// WithSpec is the form (its values and errors) with spec's labels, order
// and limits.
func (f Form) WithSpec(spec store.Fields) Form {
	f.Spec, f.Order, f.Labels = spec, spec.Names(), spec.Labels()
	return f
}

// Optional is the form with the named field not required (a field the
// screen's state makes optional, e.g. one another choice fills in).
func (f Form) Optional(name string) Form {
	spec := make(store.Fields, len(f.Spec))
	copy(spec, f.Spec)
	for i := range spec {
		if spec[i].Name == name {
			spec[i].Required = false
		}
	}
	f.Spec = spec
	return f
}

// specAttrs are the maxlength and required attributes the spec gives the
// named input.
func (f Form) specAttrs(name string) templ.Attributes {
	sf := f.Spec.Field(name)
	a := templ.Attributes{}
	if sf.Max > 0 {
		a["maxlength"] = strconv.Itoa(sf.Max)
	}
	if sf.Required {
		a["required"] = true
	}
	return a
}

// Get returns a submitted value.
func (f Form) Get(name string) string { return f.Values[name] }

// Err returns the message for a field, "" when none.
func (f Form) Err(name string) string { return f.Errors[name] }

// HasErrors reports whether anything is wrong.
func (f Form) HasErrors() bool { return len(f.Errors) > 0 || f.Message != "" }

// SummaryItem is one line of the error summary.
type SummaryItem struct {
	Field   string
	Message string
}

// Summary lists the field errors in form order, then any others.
func (f Form) Summary() []SummaryItem {
	var out []SummaryItem
	seen := map[string]bool{}
	for _, name := range f.Order {
		if msg, ok := f.Errors[name]; ok {
			out = append(out, SummaryItem{Field: name, Message: msg})
			seen[name] = true
		}
	}
	for name, msg := range f.Errors {
		if !seen[name] {
			out = append(out, SummaryItem{Field: name, Message: msg})
		}
	}
	return out
}

// JST converts a stored UTC time to Japan time.
func JST(t time.Time) time.Time { return t.In(store.Tokyo) }

// DateTime formats a time for tables, in Japan time.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(store.Tokyo).Format("2006-01-02 15:04")
}

// Date formats a date in Japan time.
func Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(store.Tokyo).Format("2006-01-02")
}

// Option is one choice of a select or radio group.
type Option struct {
	Value string
	Label string
}

// Link is a labelled URL.
type Link struct {
	Href string
	Text string
}

// ErrorView is an error page.
type ErrorView struct {
	Status  int
	Title   string
	Message string
	Detail  string
	// Steps are what to do, in order, under StepsTitle.
	StepsTitle string
	Steps      []string
	Links      []Link
}

func (f Form) label(name string) string {
	if l, ok := f.Labels[name]; ok {
		return l
	}
	return name
}

func pageTitle(p Page) string {
	if p.Title == "" {
		return siteName(p)
	}
	return p.Title + " | " + siteName(p)
}

func siteName(p Page) string {
	if p.SiteName == "" {
		return "ほっとライン"
	}
	return p.SiteName
}

func csrfHeaders(token string) string {
	if token == "" {
		return "{}"
	}
	b, _ := json.Marshal(map[string]string{"X-CSRF-Token": token})
	return string(b)
}

type csrfKey struct{}

// WithCSRF puts the request's CSRF token where CSRFField finds it. The
// token is made only when a form asks for it, so pages without forms cost
// no MAC (and anonymous pages stay identical, which lets them be cached).
func WithCSRF(ctx context.Context, token func() string) context.Context {
	return context.WithValue(ctx, csrfKey{}, token)
}

// CSRFToken is the request's CSRF token.
func CSRFToken(ctx context.Context) string {
	if f, ok := ctx.Value(csrfKey{}).(func() string); ok {
		return f()
	}
	return ""
}

// Functions lists the menu's functions.
func (v MenuView) Functions() []MenuFunction { return MenuFunctions }
