package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/store"
	"hotline/views"
)

// render answers 200 with a page.
func (s *Server) render(c *fiber.Ctx, title string, content templ.Component) error {
	return s.renderStatus(c, fiber.StatusOK, title, content)
}

// renderStatus answers a page with the given status: the full document, or
// for a boosted htmx request only the title and body.
func (s *Server) renderStatus(c *fiber.Ctx, status int, title string, content templ.Component) error {
	p := s.page(c, title)
	ctx := views.WithCSRF(c.UserContext(), func() string { return s.csrfToken(c) })
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	var comp templ.Component
	if c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true" {
		comp = views.Fragment(p, content)
	} else {
		comp = views.Layout(p, content)
	}
	return comp.Render(ctx, c.Response().BodyWriter())
}

// page builds what the layout needs for this request.
func (s *Server) page(c *fiber.Ctx, title string) views.Page {
	p := views.Page{Title: title}
	if sessionOf(c) != nil {
		// Session pages carry the token for htmx requests (hx-headers);
		// anonymous forms carry their own field.
		p.CSRF = s.csrfToken(c)
	}
	if st, err := s.db.Settings(); err == nil {
		p.SiteName = st.SiteName
	}
	if v, ok := c.Locals(localViewer).(*views.Viewer); ok {
		p.Viewer = v
	} else if sess := sessionOf(c); sess != nil {
		if sess.Kind == store.SessionPatient {
			p.Viewer = &views.Viewer{ID: sess.PatientID, Name: "患者様", Patient: true}
		} else if m, err := s.db.Member(sess.MemberID); err == nil {
			p.Viewer = &views.Viewer{ID: m.ID, Name: m.Name, Operator: m.IsOperator(), PasswordOnly: sess.PasswordOnly}
		}
	}
	if f := c.Query("done"); f != "" {
		p.Flash = flashText(f)
	}
	p.Banners = s.banners(c)
	return p
}

const localViewer = "viewer"

// redirect answers 303 See Other, the answer to every successful POST.
func redirect(c *fiber.Ctx, to string) error {
	return c.Redirect(to, fiber.StatusSeeOther)
}

// formValues copies the named fields of the posted form.
func formValues(c *fiber.Ctx, names ...string) map[string]string {
	out := make(map[string]string, len(names))
	for _, n := range names {
		out[n] = c.FormValue(n)
	}
	return out
}

// invalidForm re-renders a form with its messages: status 422 for field
// errors, the error's own status otherwise (e.g. 401 for a wrong password).
func (s *Server) invalidForm(c *fiber.Ctx, err error, title string, show func(views.Form) templ.Component, f views.Form) error {
	code := store.ErrorCode(err)
	if code == store.EINTERNAL {
		return err
	}
	f.Errors = store.ErrorFields(err)
	if len(f.Errors) == 0 {
		f.Message = store.ErrorMessage(err)
	}
	return s.renderStatus(c, statusOf(code), title, show(f))
}

// flashText maps the ?done= key of a redirect to its confirmation message,
// so no user text travels in URLs.
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
