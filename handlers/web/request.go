package web

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// The shell's middleware and guard leave what they learnt about the request
// in its locals; these keys and accessors are the only way to them.
const (
	localSession = "session"
	localMember  = "member"
	localViewer  = "viewer"
)

// SessionOf is the request's session, nil when anonymous.
func SessionOf(c *fiber.Ctx) *store.Session {
	sess, _ := c.Locals(localSession).(*store.Session)
	return sess
}

// SetSession records the request's session (nil: none).
func SetSession(c *fiber.Ctx, sess *store.Session) {
	if sess == nil {
		c.Locals(localSession, nil)
		return
	}
	c.Locals(localSession, sess)
}

// MemberOf is the logged-in account (set by the guard), nil when none.
func MemberOf(c *fiber.Ctx) *store.Member {
	m, _ := c.Locals(localMember).(*store.Member)
	return m
}

// SetMember records the logged-in account and how the layout shows them
// (nil: nobody, e.g. a page rendered after the session ended).
func SetMember(c *fiber.Ctx, m *store.Member, passwordOnly bool) {
	if m == nil {
		c.Locals(localMember, nil)
		c.Locals(localViewer, nil)
		return
	}
	c.Locals(localMember, m)
	c.Locals(localViewer, &views.Viewer{ID: m.ID, Name: m.Name, Operator: m.IsOperator(), PasswordOnly: passwordOnly})
}

// IsRead reports a GET or HEAD: a page view, which HEAD answers like GET
// without the body.
func IsRead(c *fiber.Ctx) bool {
	return c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead
}

// IsHTMX reports a request made by htmx.
func IsHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// Redirect answers 303 See Other, the answer to every successful POST.
func Redirect(c *fiber.Ctx, to string) error {
	return c.Redirect(to, fiber.StatusSeeOther)
}

// SafeNext accepts only local paths as a destination after a login.
// Browsers drop tabs and newlines from a URL and read a backslash as a
// slash, so "/\t/evil.example" would leave the site: control characters and
// backslashes are refused anywhere in it.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 500 || !utf8.ValidString(next) ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return ""
	}
	return next
}

// Posted reports whether the request's form carries the field at all (an
// empty value counts; a missing field does not).
func Posted(c *fiber.Ctx, name string) bool {
	if c.Request().PostArgs().Has(name) {
		return true
	}
	if mf, err := c.MultipartForm(); err == nil {
		_, ok := mf.Value[name]
		return ok
	}
	return false
}

// PostedValues are every value posted under name, urlencoded or
// multipart, in order (a repeated field such as checkboxes), copied so
// they outlive the request.
func PostedValues(c *fiber.Ctx, name string) []string {
	var out []string
	if mf, err := c.MultipartForm(); err == nil {
		for _, v := range mf.Value[name] {
			out = append(out, strings.Clone(v))
		}
		return out
	}
	for _, v := range c.Request().PostArgs().PeekMulti(name) {
		out = append(out, string(v))
	}
	return out
}

// SessionCookie holds a member's session token: __Host- keeps it to this
// host, over HTTPS, for the whole site.
const SessionCookie = "__Host-hotline"

// ConfirmAsked is the hidden field a form carries to name the checkbox
// that confirms what cannot be undone (承認, 郵送済, 連携の解除, a new access
// card): a form that asks must have it ticked, while a client of the bare
// contract (which does not ask) is answered as before.
const ConfirmAsked = "confirm_asked"

// Unconfirmed reports whether the posted form asked for the confirmation
// box named box and it was not ticked ("on" or "1").
func Unconfirmed(c *fiber.Ctx, box string) bool {
	if c.FormValue(ConfirmAsked) != box {
		return false
	}
	v := c.FormValue(box)
	return v != "on" && v != "1"
}

// IsNavigation reports a browser's page navigation (a link or a form
// without script): Fetch Metadata says so; other clients do not send it.
func IsNavigation(c *fiber.Ctx) bool { return c.Get("Sec-Fetch-Mode") == "navigate" }

// PatientSessionCookie holds a patient's session token (the patient page,
// /patient/…): its own cookie, so a member session and a patient session
// never stand in for each other. SameSite=Strict: the patient page is
// reached by typing the card's address, never from another site.
const PatientSessionCookie = "__Host-hotline-patient"

// IsPatientPath reports whether path is in the patient page's area, where
// the patient's cookie is read instead of the member's (routing ignores
// case, so this does too).
func IsPatientPath(path string) bool {
	p := strings.ToLower(path)
	return p == "/patient" || strings.HasPrefix(p, "/patient/")
}

// SessionCookieFor is the name of the session cookie read on path.
func SessionCookieFor(path string) string {
	if IsPatientPath(path) {
		return PatientSessionCookie
	}
	return SessionCookie
}

// SetPatientSessionCookie gives the browser a patient session's token.
func SetPatientSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{Name: PatientSessionCookie, Value: token, Path: "/",
		Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
}

// ClearPatientSessionCookie tells the browser to drop it.
func ClearPatientSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: PatientSessionCookie, Value: "", Path: "/", MaxAge: -1,
		Expires: time.Unix(0, 0), Secure: true, HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode})
}
