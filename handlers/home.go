package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/views"
)

// showHome is the portal top.
func (s *Server) showHome(c *fiber.Ctx) error {
	st, err := s.db.Settings()
	if err != nil {
		return err
	}
	return s.render(c, "", views.Home(views.HomeView{Settings: st, LoggedIn: sessionOf(c) != nil}))
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
	return s.render(c, "サービスガイド", views.Guide(views.GuideView{Topic: topic, Settings: st}))
}

// downloadServerCA serves the server CA certificate for clients that want
// to trust it.
func (s *Server) downloadServerCA(c *fiber.Ctx) error {
	pem, err := s.db.ServerCAPEM()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/x-pem-file")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="hotline-ca.crt"`)
	return c.Send(pem)
}
