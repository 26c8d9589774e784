package handlers

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// Every POST must carry a CSRF token (web.Kit.CSRFToken) in the _csrf field
// or the X-CSRF-Token header, and a cross-site POST is refused even with a
// token.

// checkCSRF guards every state change.
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost {
		// Every state change is a POST: mount registers only GET, HEAD and
		// POST, so any other method ends in routing's 405 or 404.
		return c.Next()
	}
	if c.Get("Sec-Fetch-Site") == "cross-site" || !s.sameOrigin(c) {
		return csrfError()
	}
	token := c.Get("X-CSRF-Token")
	if token == "" {
		token = c.FormValue("_csrf")
	}
	if !s.web.ValidCSRF(c, token) {
		return csrfError()
	}
	return c.Next()
}

// sameOrigin checks the Origin header when the browser sends one.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == c.Hostname()
}

func csrfError() error {
	return &store.Error{Code: store.EFORBIDDEN, Message: "ページの有効期限が切れたか、不正な送信です。前のページに戻り、再読み込みしてからもう一度送信してください。"}
}
