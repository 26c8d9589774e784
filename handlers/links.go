package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/views"
)

// showSiteLinks is 関連サイト.
func (s *Server) showSiteLinks(c *fiber.Ctx) error {
	links, err := s.db.SiteLinks()
	if err != nil {
		return err
	}
	return s.web.Render(c, "関連サイト", views.SiteLinks(links))
}
