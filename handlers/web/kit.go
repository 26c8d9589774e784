package web

import (
	"context"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// Kit renders pages for every domain: one per server, shared by the shell
// and the domain packages.
type Kit struct {
	db *store.DB
	// csrfKey derives the CSRF tokens (csrf.go).
	csrfKey []byte
	// banners are the shell's page-wide warnings for this request (e.g.
	// the certificate about to expire).
	banners func(*fiber.Ctx) []views.Banner
	// gets are the GET paths of the server's route table (SetRoutes).
	gets map[string]bool
	// made counts the files download routes made (file.go).
	made filesMade
	// unread is the 地域連携 count of the header (SetReferralsUnread).
	unread func(c *fiber.Ctx) (int, bool)
}

// SetReferralsUnread gives the header its 地域連携 link and unread count:
// fn answers the count for the request's member, false for none.
func (k *Kit) SetReferralsUnread(fn func(c *fiber.Ctx) (int, bool)) { k.unread = fn }

// SetRoutes tells the kit the server's route table, once it is mounted.
func (k *Kit) SetRoutes(routes []Route) {
	gets := map[string]bool{}
	for _, r := range routes {
		if r.Method == fiber.MethodGet {
			gets[r.Path] = true
		}
	}
	k.gets = gets
}

// Serves reports whether the server answers GET path: a screen that links
// to another domain's page (still being built) asks before it does.
func (k *Kit) Serves(path string) bool { return k.gets[path] }

// NewKit loads the CSRF key (made on first use) and keeps the shell's
// banner source.
func NewKit(db *store.DB, banners func(*fiber.Ctx) []views.Banner) (*Kit, error) {
	key, err := db.Secret("csrf", 32)
	if err != nil {
		return nil, err
	}
	if banners == nil {
		banners = func(*fiber.Ctx) []views.Banner { return nil }
	}
	return &Kit{db: db, csrfKey: key, banners: banners}, nil
}

// Render answers 200 with a page.
func (k *Kit) Render(c *fiber.Ctx, title string, content templ.Component) error {
	return k.RenderStatus(c, fiber.StatusOK, title, content)
}

// RenderStatus answers a page with the given status: the full document, or
// for a boosted htmx request only the title and body.
func (k *Kit) RenderStatus(c *fiber.Ctx, status int, title string, content templ.Component) error {
	p := k.Page(c, title)
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	var comp templ.Component
	if IsHTMX(c) && c.Get("HX-History-Restore-Request") != "true" {
		comp = views.Fragment(p, content)
	} else {
		comp = views.Layout(p, content)
	}
	return comp.Render(k.context(c), c.Response().BodyWriter())
}

// Partial answers an htmx request with a fragment only (no layout).
func (k *Kit) Partial(c *fiber.Ctx, comp templ.Component) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return comp.Render(k.context(c), c.Response().BodyWriter())
}

// context carries the request's CSRF token to the components' forms.
func (k *Kit) context(c *fiber.Ctx) context.Context {
	return views.WithCSRF(c.UserContext(), func() string { return k.CSRFToken(c) })
}

// Page builds what the layout needs for this request.
func (k *Kit) Page(c *fiber.Ctx, title string) views.Page {
	p := views.Page{Title: title}
	if SessionOf(c) != nil {
		// Session pages carry the token for htmx requests (hx-headers);
		// anonymous forms carry their own field.
		p.CSRF = k.CSRFToken(c)
	}
	if st, err := k.db.Settings(); err == nil {
		p.SiteName = st.SiteName
	}
	if v, ok := c.Locals(localViewer).(*views.Viewer); ok {
		p.Viewer = v
	} else if sess := SessionOf(c); sess != nil {
		if sess.Kind == store.SessionPatient {
			p.Viewer = &views.Viewer{ID: sess.PatientID, Name: "患者様", Patient: true}
		} else if m, err := k.db.Member(sess.MemberID); err == nil {
			p.Viewer = &views.Viewer{ID: m.ID, Name: m.Name, Operator: m.IsOperator(), PasswordOnly: sess.PasswordOnly}
		}
	}
	if p.Viewer != nil && !p.Viewer.Patient && !p.Viewer.PasswordOnly && k.unread != nil {
		if n, ok := k.unread(c); ok {
			v := *p.Viewer
			v.Referrals, v.Unread = true, n
			p.Viewer = &v
		}
	}
	if f := c.Query("done"); f != "" {
		p.Flash = flashText(f)
	}
	p.Banners = k.banners(c)
	return p
}

// InvalidForm re-renders a form with its messages: status 422 for field
// errors, the error's own status otherwise (e.g. 401 for a wrong password).
// An internal error is returned as it is (500, logged).
func (k *Kit) InvalidForm(c *fiber.Ctx, err error, title string, show func(views.Form) templ.Component, f views.Form) error {
	code := store.ErrorCode(err)
	if code == store.EINTERNAL {
		return err
	}
	f.Errors = store.ErrorFields(err)
	if len(f.Errors) == 0 {
		f.Message = store.ErrorMessage(err)
	}
	return k.RenderStatus(c, StatusOf(code), title, show(f))
}

// flashText maps the ?done= key of a redirect to its confirmation message,
// so no user text travels in URLs. Domains with their own keys show them
// in their own views.
func flashText(key string) string {
	switch key {
	case "password":
		return "パスワードを変更しました。"
	case "saved":
		return "保存しました。"
	case "sent":
		return "送信しました。"
	case "updated":
		return "更新しました。"
	case "revoked":
		return "失効させました。"
	}
	return ""
}

// StatusOf maps an error code to its HTTP status: the one place that does.
func StatusOf(code store.Code) int {
	switch code {
	case store.EINVALID:
		return fiber.StatusUnprocessableEntity
	case store.ENOTFOUND:
		return fiber.StatusNotFound
	case store.ECONFLICT:
		return fiber.StatusConflict
	case store.EFORBIDDEN:
		return fiber.StatusForbidden
	case store.EUNAUTHORIZED:
		return fiber.StatusUnauthorized
	case store.ETHROTTLED:
		return fiber.StatusTooManyRequests
	}
	return fiber.StatusInternalServerError
}

// Bind reads the posted values of every field of the form's spec.
func Bind(c *fiber.Ctx, spec store.Fields) map[string]string {
	return spec.Bind(func(name string) string { return c.FormValue(name) })
}
