package handlers

import (
	"sync"

	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showHome is the portal top.
func (s *Server) showHome(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	return s.renderPublic(c, "", views.Home(views.HomeView{Settings: st, LoggedIn: web.SessionOf(c) != nil}))
}

// showGuide is the サービスガイド; unknown topics are 404.
func (s *Server) showGuide(c *fiber.Ctx) error {
	topic := c.Params("topic")
	switch topic {
	case "", "flow", "certificate", "menu":
	default:
		return fiber.ErrNotFound
	}
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	return s.renderPublic(c, "サービスガイド", views.Guide(views.GuideView{Topic: topic, Settings: st}))
}

// showTerms is 利用規約: the operator's text, or the default.
func (s *Server) showTerms(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	return s.renderPublic(c, "利用規約", views.TextPage(views.TextPageView{Title: "利用規約", Text: st.TermsText(),
		Version: st.TermsVersionNo(), RevisedAt: st.TermsRevisedAt, Other: views.Link{Href: "/privacy", Text: "個人情報の取扱い"}}))
}

// showPrivacy is 個人情報の取扱い.
func (s *Server) showPrivacy(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	return s.renderPublic(c, "個人情報の取扱い", views.TextPage(views.TextPageView{Title: "個人情報の取扱い", Text: st.PrivacyText(),
		Version: st.PrivacyVersionNo(), RevisedAt: st.PrivacyRevisedAt, Other: views.Link{Href: "/terms", Text: "利用規約"}}))
}

// serverCAFile is the server CA certificate for clients that want to
// trust it (404 until the server made its CA).
func (s *Server) serverCAFile(c *fiber.Ctx) (web.File, error) {
	pem, err := s.db.ServerCAPEM()
	if err != nil {
		return web.File{}, err
	}
	return web.File{ContentType: "application/x-pem-file", Disposition: `attachment; filename="hotline-ca.crt"`, Length: len(pem),
		Send: func(c *fiber.Ctx) error { return c.Send(pem) }}, nil
}

// publicPages keeps the rendered portal top and guide pages for anonymous
// visitors: they are the same for everyone until the settings change, and
// they are the most requested pages.
type publicPages struct {
	mu       sync.RWMutex
	settings store.Settings
	pages    map[string][]byte
}

// renderPublic answers an anonymous visitor from the cache, rendering once.
func (s *Server) renderPublic(c *fiber.Ctx, title string, content templ.Component) error {
	if web.SessionOf(c) != nil || len(c.Request().URI().QueryString()) > 0 {
		return s.web.Render(c, title, content)
	}
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	key := c.Path()
	if c.Get("HX-Request") == "true" && c.Get("HX-History-Restore-Request") != "true" {
		key += "\x00hx"
	}
	pc := &s.public
	pc.mu.RLock()
	page, ok := pc.pages[key]
	fresh := pc.settings == st
	pc.mu.RUnlock()
	if ok && fresh {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(page)
	}
	if err := s.web.Render(c, title, content); err != nil {
		return err
	}
	page = append([]byte(nil), c.Response().Body()...)
	pc.mu.Lock()
	if pc.settings != st || pc.pages == nil {
		pc.settings, pc.pages = st, map[string][]byte{}
	}
	pc.pages[key] = page
	pc.mu.Unlock()
	return nil
}
