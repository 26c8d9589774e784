package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/views"
)

// showLinks is 関連サイト.
func (s *Server) showLinks(c *fiber.Ctx) error {
	links, err := s.db.Links()
	if err != nil {
		return err
	}
	return s.render(c, "関連サイト", views.Links(links))
}
